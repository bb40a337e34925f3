//! The gradient cache: which gradients `c_j = x̃_jᵀr/n` are known, exactly or by a bound.
//!
//! - `c_ref` and `c_old` are exact at the residuals `r_ref` and `r_old` of the last two full
//!   passes. At any later residual r, with `r̂ = r_ref + β(r_ref − r_old)` the closest point of
//!   the line through them, `x̃_jᵀr̂/n = c_ref_j + β(c_ref_j − c_old_j)` is known without
//!   reading X, which bounds the gradient by Cauchy–Schwarz:
//!   `|c_j(r)| ≤ |c_ref_j + β(c_ref_j − c_old_j)| + √(v_j/n)·‖r − r̂‖`;
//! - `c_now` is exact at the current residual for the features whose stamp equals the current
//!   residual stamp; the owner of the residual calls [`GradientCache::invalidate`] whenever it
//!   changes.

use rayon::prelude::*;

use crate::design::{Design, SCAN_BLOCK};

/// Minimum work (n × features) before a gradient computation is split across threads.
const PARALLEL_WORK: usize = 1 << 16;

/// The affine residual prediction behind the gradient bounds (see
/// [`GradientCache::bound_model`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct BoundModel {
    pub(super) beta: f64,
    pub(super) error: f64,
}

/// Exact, stamped and bounded gradients (see the module docs).
pub(super) struct GradientCache {
    /// `X̃ᵀr_ref/n` at the last full pass.
    pub(super) c_ref: Vec<f64>,
    r_ref: Vec<f64>,
    /// The full pass before the last one (`has_old`): `c_old = X̃ᵀr_old/n`.
    c_old: Vec<f64>,
    r_old: Vec<f64>,
    has_old: bool,
    /// Exact `c_j` at the current residual where `c_stamp[j] == stamp`.
    pub(super) c_now: Vec<f64>,
    c_stamp: Vec<u64>,
    stamp: u64,
    /// √(v_j/n), the bound's slope.
    bound_slope: Vec<f64>,
    /// Whether bounds are used (otherwise every bound is infinite).
    bounds: bool,
    pending: Vec<usize>,
    values: Vec<f64>,
    inv_n: f64,
}

impl GradientCache {
    /// An empty cache for the curvatures `v_j` of a design with n samples, starting from the
    /// residual `r0` (the reference of the first full pass).
    pub(super) fn new(curvature: &[f64], n: usize, r0: &[f64], bounds: bool) -> Self {
        let p = curvature.len();
        GradientCache {
            c_ref: vec![0.0; p],
            r_ref: r0.to_vec(),
            c_old: vec![0.0; p],
            r_old: vec![0.0; n],
            has_old: false,
            c_now: vec![0.0; p],
            c_stamp: vec![0; p],
            stamp: 1,
            bound_slope: curvature.iter().map(|&v| (v / n as f64).sqrt()).collect(),
            bounds,
            pending: Vec::new(),
            values: Vec::new(),
            inv_n: 1.0 / n as f64,
        }
    }

    /// The residual changed: every `c_now` is stale.
    #[inline]
    pub(super) fn invalidate(&mut self) {
        self.stamp += 1;
    }

    /// Whether `c_now[j]` is exact at the current residual.
    #[inline]
    pub(super) fn is_exact(&self, j: usize) -> bool {
        self.c_stamp[j] == self.stamp
    }

    /// Exact `c_j = x̃_jᵀr/n` for the listed features not already exact (in parallel over
    /// fixed blocks when the work is large, so the values never depend on the thread count),
    /// stored in `c_now`. Returns how many columns were read.
    pub(super) fn exact<D: Design>(&mut self, design: &D, r: &[f64], idx: &[usize]) -> usize {
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        pending.extend(idx.iter().copied().filter(|&j| self.c_stamp[j] != self.stamp));
        let read = pending.len();
        if read > 0 {
            self.values.clear();
            self.values.resize(read, 0.0);
            if read * r.len() >= PARALLEL_WORK {
                self.values.par_chunks_mut(SCAN_BLOCK).zip(pending.par_chunks(SCAN_BLOCK)).for_each(|(out, js)| {
                    for (o, &j) in out.iter_mut().zip(js) {
                        *o = design.dot(j, r);
                    }
                });
            } else {
                for (o, &j) in self.values.iter_mut().zip(&pending) {
                    *o = design.dot(j, r);
                }
            }
            for (&j, &c) in pending.iter().zip(&self.values) {
                self.c_now[j] = c * self.inv_n;
                self.c_stamp[j] = self.stamp;
            }
        }
        self.pending = pending;
        read
    }

    /// Exact gradients of every live feature at r: `c_ref = c_now = X̃ᵀr/n`, `r_ref = r`, the
    /// previous reference becoming the old one (`has_old` once a pass has been made before).
    /// Returns how many columns were read.
    pub(super) fn full_pass<D: Design>(
        &mut self,
        design: &D,
        r: &[f64],
        live: &[usize],
        in_live: &[bool],
        has_old: bool,
    ) -> usize {
        std::mem::swap(&mut self.c_old, &mut self.c_ref);
        std::mem::swap(&mut self.r_old, &mut self.r_ref);
        self.has_old = has_old;
        let read = design.scaled_gradient(r, &mut self.c_ref, |j| in_live[j]);
        self.r_ref.copy_from_slice(r);
        for &j in live {
            self.c_now[j] = self.c_ref[j];
            self.c_stamp[j] = self.stamp;
        }
        read
    }

    /// The best available estimate of `|c_j|` at the current residual: exact when known,
    /// otherwise the prediction of the bound model (good enough for the heuristic strong rule).
    #[inline]
    pub(super) fn estimate(&self, j: usize, model: BoundModel) -> f64 {
        if self.is_exact(j) { self.c_now[j].abs() } else { self.predicted(j, model).abs() }
    }

    /// `ĉ_j = x̃_jᵀr̂/n = c_ref_j + β·(c_ref_j − c_old_j)`, exact at the model's residual r̂.
    #[inline]
    fn predicted(&self, j: usize, model: BoundModel) -> f64 {
        let c = self.c_ref[j];
        if model.beta == 0.0 { c } else { c + model.beta * (c - self.c_old[j]) }
    }

    /// Upper bound on `|c_j|` at the current residual: `|ĉ_j| + √(v_j/n)·‖r − r̂‖`
    /// (Cauchy–Schwarz on `x̃_jᵀ(r − r̂)/n`).
    #[inline]
    pub(super) fn bound(&self, j: usize, model: BoundModel) -> f64 {
        self.predicted(j, model).abs() + self.bound_slope[j] * model.error
    }

    /// `|c_j|` if exact, otherwise its bound.
    #[inline(always)]
    pub(super) fn exact_or_bound(&self, j: usize, model: BoundModel) -> f64 {
        if self.is_exact(j) { self.c_now[j].abs() } else { self.bound(j, model) }
    }

    /// The bound model at the residual r: the point `r̂ = r_ref + β·(r_ref − r_old)` of the line
    /// through the last two full-pass residuals closest to r, `β = ⟨r − r_ref, δ⟩/‖δ‖²` with
    /// `δ = r_ref − r_old`, and `error = ‖r − r̂‖` (computed directly, not by cancellation).
    /// Along a path the residual moves smoothly with alpha, so the secant through two past
    /// residuals predicts the current one far better than the last one alone (on the
    /// 1,000 × 100,000 Lasso tail the error is 10–30× smaller than `‖r − r_ref‖`), and far
    /// fewer features need an exact gradient. Without gradient bounds the error is infinite.
    pub(super) fn bound_model(&self, r: &[f64]) -> BoundModel {
        if !self.bounds {
            return BoundModel { beta: 0.0, error: f64::INFINITY };
        }
        let mut beta = 0.0;
        if self.has_old {
            let (mut dd, mut de) = (0.0, 0.0);
            for ((&r, &a), &b) in r.iter().zip(&self.r_ref).zip(&self.r_old) {
                let d = a - b;
                dd += d * d;
                de += (r - a) * d;
            }
            if dd > 0.0 && de.is_finite() {
                beta = de / dd;
            }
        }
        let error = r
            .iter()
            .zip(&self.r_ref)
            .zip(&self.r_old)
            .map(|((&r, &a), &b)| {
                let e = r - a - beta * (a - b);
                e * e
            })
            .sum::<f64>()
            .sqrt();
        BoundModel { beta, error }
    }

    /// `‖r − r_ref‖` (for tests of the secant model).
    #[cfg(test)]
    pub(super) fn drift(&self, r: &[f64]) -> f64 {
        r.iter().zip(&self.r_ref).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
    }
}
