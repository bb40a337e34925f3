//! The gradient cache: which gradients `c_j = x̃_jᵀr/n` are known, exactly or by a bound.
//!
//! - The last [`REFERENCES`] full passes are kept: residuals `r_1..r_K` and their exact
//!   gradients `c_k = X̃ᵀr_k/n` (`c_ref` is the newest). At any later residual r, with
//!   `r̂ = Σ_k β_k r_k` the least-squares approximation of r in their span, `x̃_jᵀr̂/n =
//!   Σ_k β_k c_kj` is known without reading X, which bounds the gradient by Cauchy–Schwarz:
//!   `|c_j(r)| ≤ |Σ_k β_k c_kj| + √(v_j/n)·‖r − r̂‖`;
//! - a reference may come from a screening pass in lower precision
//!   ([`Design::screening_gradient`]): its gradients are then known within `ε_k·a_j` (`a_j`
//!   = [`Design::entry_bound`]), and the bound adds `a_j·Σ_k |β_k|·ε_k`;
//! - `c_now` is exact at the current residual for the features whose stamp equals the current
//!   residual stamp; the owner of the residual calls [`GradientCache::invalidate`] whenever it
//!   changes.

use rayon::prelude::*;

use crate::design::{Design, SCAN_BLOCK};

/// Minimum work (n × features) before a gradient computation is split across threads.
const PARALLEL_WORK: usize = 1 << 16;
/// Full passes kept as references of the bound model. Two (the secant through the last two
/// passes) was the first design; see [`GradientCache::bound_model`] for what more bought.
pub(super) const REFERENCES: usize = 4;
/// A reference whose residual is within this relative share of the span of the newer ones
/// (`pivot ≤ MIN_REFERENCE_PIVOT·‖r_k‖²`) is left out of the bound model's least squares.
const MIN_REFERENCE_PIVOT: f64 = 1e-10;

/// The residual prediction behind the gradient bounds (see [`GradientCache::bound_model`]):
/// `r̂ = Σ_k coef_k r_k` over the kept references, and `error = ‖r − r̂‖`.
#[derive(Clone, Copy, Debug)]
pub(super) struct BoundModel {
    coef: [f64; REFERENCES],
    pub(super) error: f64,
    /// `Σ_k |coef_k|·ε_k`: the error of `Σ_k coef_k c_kj` per unit of `a_j`.
    reference_error: f64,
}

/// Exact, stamped and bounded gradients (see the module docs).
pub(super) struct GradientCache {
    /// `X̃ᵀr/n` at the last full pass.
    pub(super) c_ref: Vec<f64>,
    /// The kept references' gradients, feature-major: `c_k[j]` is `c_hist[j·K + k]`.
    c_hist: Vec<f64>,
    /// The kept references' residuals, `r_k` at `r_hist[k·n..(k+1)·n]`.
    r_hist: Vec<f64>,
    /// `⟨r_k, r_l⟩` of the kept references.
    r_gram: [[f64; REFERENCES]; REFERENCES],
    /// `ε_k` of each kept reference (0 for an exact pass).
    r_eps: [f64; REFERENCES],
    /// `a_j` ([`Design::entry_bound`]), filled at the first screening pass.
    entry_bound: Vec<f64>,
    /// How many references are kept, and the slot the next full pass writes.
    filled: usize,
    next: usize,
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
    /// An empty cache for the curvatures `v_j` of a design with n samples and residuals like
    /// `r0` (no reference is kept before the first full pass).
    pub(super) fn new(curvature: &[f64], n: usize, r0: &[f64], bounds: bool) -> Self {
        let p = curvature.len();
        debug_assert_eq!(r0.len(), n);
        GradientCache {
            c_ref: vec![0.0; p],
            c_hist: vec![0.0; if bounds { p * REFERENCES } else { 0 }],
            r_hist: vec![0.0; if bounds { n * REFERENCES } else { 0 }],
            r_gram: [[0.0; REFERENCES]; REFERENCES],
            r_eps: [0.0; REFERENCES],
            entry_bound: Vec::new(),
            filled: 0,
            next: 0,
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

    /// Records `c` as the exact gradient of feature j at the current residual (computed by
    /// the caller from exact products, e.g. the ridge Krylov space).
    #[inline]
    pub(super) fn set_exact(&mut self, j: usize, c: f64) {
        self.c_now[j] = c;
        self.c_stamp[j] = self.stamp;
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
        let Self { pending, values, c_now, c_stamp, stamp, inv_n, .. } = self;
        pending.clear();
        pending.extend(idx.iter().copied().filter(|&j| c_stamp[j] != *stamp));
        let read = pending.len();
        if read > 0 {
            values.clear();
            values.resize(read, 0.0);
            if read * r.len() >= PARALLEL_WORK {
                values.par_chunks_mut(SCAN_BLOCK).zip(pending.par_chunks(SCAN_BLOCK)).for_each(|(out, js)| {
                    for (o, &j) in out.iter_mut().zip(js) {
                        *o = design.dot(j, r);
                    }
                });
            } else {
                for (o, &j) in values.iter_mut().zip(pending.iter()) {
                    *o = design.dot(j, r);
                }
            }
            for (&j, &c) in pending.iter().zip(values.iter()) {
                c_now[j] = c * *inv_n;
                c_stamp[j] = *stamp;
            }
        }
        read
    }

    /// Gradients of every live feature at r, `c_ref = X̃ᵀr/n`, kept as the newest reference
    /// (replacing the oldest once [`REFERENCES`] are kept; forgetting the earlier ones unless
    /// `has_old`), and as `c_now` when exact. Returns how many columns were read.
    ///
    /// Exact unless `screening`: then by [`Design::screening_gradient`], a reference known
    /// within `ε·a_j` (about half the cost of an exact pass on packed genotypes), for passes
    /// whose gradients only decide which features need an exact one (nothing is certified from
    /// a screening value itself, only from the bound it gives). Without gradient bounds (no
    /// use for such a reference) every pass is exact.
    pub(super) fn full_pass<D: Design>(
        &mut self,
        design: &D,
        r: &[f64],
        (live, in_live): (&[usize], &[bool]),
        has_old: bool,
        screening: bool,
    ) -> usize {
        let (read, eps) = if screening && self.bounds {
            design.screening_gradient(r, &mut self.c_ref, |j| in_live[j])
        } else {
            (design.scaled_gradient(r, &mut self.c_ref, |j| in_live[j]), 0.0)
        };
        if eps > 0.0 && self.entry_bound.is_empty() {
            self.entry_bound = (0..self.c_ref.len()).map(|j| design.entry_bound(j)).collect();
        }
        self.keep_reference(r, live, has_old, eps);
        read
    }

    /// `c_ref` (computed within `eps·a_j` at r) as the newest reference, and as `c_now` when
    /// exact.
    fn keep_reference(&mut self, r: &[f64], live: &[usize], has_old: bool, eps: f64) {
        if eps == 0.0 {
            for &j in live {
                self.c_now[j] = self.c_ref[j];
                self.c_stamp[j] = self.stamp;
            }
        }
        if self.bounds {
            if !has_old {
                self.filled = 0;
                self.next = 0;
            }
            let (slot, n) = (self.next, r.len());
            self.r_hist[slot * n..(slot + 1) * n].copy_from_slice(r);
            for &j in live {
                self.c_hist[j * REFERENCES + slot] = self.c_ref[j];
            }
            self.r_eps[slot] = eps;
            self.filled = (self.filled + 1).min(REFERENCES);
            self.next = (slot + 1) % REFERENCES;
            let newest = &self.r_hist[slot * n..(slot + 1) * n];
            for k in 0..self.filled {
                let g = crate::kernels::dot(newest, &self.r_hist[k * n..(k + 1) * n]);
                self.r_gram[slot][k] = g;
                self.r_gram[k][slot] = g;
            }
        }
    }

    /// The best available estimate of `|c_j|` at the current residual: exact when known,
    /// otherwise the prediction of the bound model (good enough for the heuristic strong rule).
    #[inline]
    pub(super) fn estimate(&self, j: usize, model: BoundModel) -> f64 {
        if self.is_exact(j) { self.c_now[j].abs() } else { self.predicted(j, model).abs() }
    }

    /// `ĉ_j = x̃_jᵀr̂/n = Σ_k coef_k c_kj`, exact at the model's residual r̂.
    #[inline]
    fn predicted(&self, j: usize, model: BoundModel) -> f64 {
        if !self.bounds {
            return 0.0;
        }
        let c = &self.c_hist[j * REFERENCES..(j + 1) * REFERENCES];
        c.iter().zip(&model.coef).map(|(&c, &b)| b * c).sum()
    }

    /// Upper bound on `|c_j|` at the current residual: `|ĉ_j| + √(v_j/n)·‖r − r̂‖`
    /// (Cauchy–Schwarz on `x̃_jᵀ(r − r̂)/n`), plus `a_j·Σ_k |β_k|·ε_k` when references come
    /// from screening passes.
    #[inline]
    pub(super) fn bound(&self, j: usize, model: BoundModel) -> f64 {
        let bound = self.predicted(j, model).abs() + self.bound_slope[j] * model.error;
        if model.reference_error > 0.0 { bound + self.entry_bound[j] * model.reference_error } else { bound }
    }

    /// `|c_j|` if exact, otherwise its bound.
    #[inline(always)]
    pub(super) fn exact_or_bound(&self, j: usize, model: BoundModel) -> f64 {
        if self.is_exact(j) { self.c_now[j].abs() } else { self.bound(j, model) }
    }

    /// The bound model at the residual r: `r̂ = Σ_k β_k r_k`, the least-squares approximation
    /// of r in the span of the kept references (normal equations `⟨r_k, r_l⟩β = ⟨r_k, r⟩` by
    /// a Cholesky factor built newest first, leaving out a reference within
    /// [`MIN_REFERENCE_PIVOT`] of the span of the newer ones), and `error = ‖r − r̂‖` computed
    /// directly (not by cancellation), so the bound holds whatever the accuracy of β.
    /// Along a path the residual moves smoothly with alpha, so a few past residuals predict
    /// the current one far better than the last one alone (on the 1,000 × 100,000 Lasso tail
    /// the secant through two was already 10–30× closer than `r_ref`), and far fewer features
    /// need an exact gradient. Without gradient bounds the error is infinite.
    pub(super) fn bound_model(&self, r: &[f64]) -> BoundModel {
        let mut coef = [0.0; REFERENCES];
        if !self.bounds {
            return BoundModel { coef, error: f64::INFINITY, reference_error: 0.0 };
        }
        let n = r.len();
        let reference = |k: usize| &self.r_hist[k * n..(k + 1) * n];
        // newest first
        let mut order = [0usize; REFERENCES];
        for (i, slot) in order.iter_mut().enumerate().take(self.filled) {
            *slot = (self.next + REFERENCES - 1 - i) % REFERENCES;
        }
        let mut used = [0usize; REFERENCES];
        let mut factor = [[0.0f64; REFERENCES]; REFERENCES];
        let mut rhs = [0.0f64; REFERENCES];
        let mut m = 0;
        for &k in &order[..self.filled] {
            let diag = self.r_gram[k][k];
            if !(diag > 0.0 && diag.is_finite()) {
                continue;
            }
            // row m of L: L[m][i] = (G[k][used_i] − Σ_{l<i} L[m][l]L[i][l]) / L[i][i]
            let mut row = [0.0f64; REFERENCES];
            for i in 0..m {
                let dot: f64 = (0..i).map(|l| row[l] * factor[i][l]).sum();
                row[i] = (self.r_gram[k][used[i]] - dot) / factor[i][i];
            }
            let pivot = diag - row[..m].iter().map(|v| v * v).sum::<f64>();
            if pivot.is_nan() || pivot <= MIN_REFERENCE_PIVOT * diag {
                continue;
            }
            row[m] = pivot.sqrt();
            factor[m] = row;
            used[m] = k;
            rhs[m] = crate::kernels::dot(reference(k), r);
            m += 1;
        }
        // L Lᵀ β = b
        let mut beta = [0.0f64; REFERENCES];
        for i in 0..m {
            let dot: f64 = (0..i).map(|l| factor[i][l] * beta[l]).sum();
            beta[i] = (rhs[i] - dot) / factor[i][i];
        }
        for i in (0..m).rev() {
            let dot: f64 = (i + 1..m).map(|l| factor[l][i] * beta[l]).sum();
            beta[i] = (beta[i] - dot) / factor[i][i];
        }
        if beta[..m].iter().any(|b| !b.is_finite()) {
            m = 0;
        }
        for i in 0..m {
            coef[used[i]] = beta[i];
        }
        let mut residual_sq = 0.0;
        for (i, &ri) in r.iter().enumerate() {
            let mut e = ri;
            for l in 0..m {
                e -= beta[l] * self.r_hist[used[l] * n + i];
            }
            residual_sq += e * e;
        }
        let reference_error = (0..m).map(|l| beta[l].abs() * self.r_eps[used[l]]).sum();
        BoundModel { coef, error: residual_sq.sqrt(), reference_error }
    }

    /// `‖r − r_ref‖`, r_ref the newest reference (for tests of the bound model).
    #[cfg(test)]
    pub(super) fn drift(&self, r: &[f64]) -> f64 {
        let n = r.len();
        let newest = (self.next + REFERENCES - 1) % REFERENCES;
        let r_ref = &self.r_hist[newest * n..(newest + 1) * n];
        r.iter().zip(r_ref).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt()
    }
}
