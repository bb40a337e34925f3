//! Unpenalized covariates (age, sex, ancestry components, batch) appended to a design.
//!
//! [`WithCovariates`] presents `[X | C]` to the solver: columns `0..p` are the borrowed design
//! X, unchanged (a packed `.bed` stays packed), and columns `p..p+q` the q covariates, kept as
//! materialised working-scale columns `c̃_i = (c_i − mean(c_i))/sd(c_i)` (n·q values; centered
//! when an intercept is fitted, always standardized: they are unpenalized, so their scale
//! changes nothing in the solution and standardizing only conditions the Gram matrix). The
//! solver gives covariates weight 0 ([`crate::Design::n_covariates`]): they are fitted exactly
//! at every alpha and never screened, and `nnz` counts X's columns only.

use ndarray::ArrayView2;

use crate::design::{ColumnStats, Design};
use crate::error::SolverError;
use crate::kernels;

/// A design X followed by q unpenalized covariate columns (see the module docs).
pub struct WithCovariates<'a, D: Design> {
    inner: &'a D,
    p: usize,
    q: usize,
    /// The covariates on the working scale, column after column (n·q).
    working: Vec<f64>,
    /// X's statistics followed by the covariates'.
    stats: ColumnStats,
}

impl<'a, D: Design> WithCovariates<'a, D> {
    /// Appends the columns of `covariates` (n × q, any layout) to `inner`. Fails on a shape
    /// mismatch or a non-finite value (naming row and covariate).
    pub fn new(inner: &'a D, covariates: ArrayView2<'_, f64>) -> Result<Self, SolverError> {
        let n = inner.n_samples();
        let (rows, q) = covariates.dim();
        if rows != n {
            return Err(SolverError::InvalidParameter(format!(
                "the covariates have {rows} rows but X has {n} samples"
            )));
        }
        if let Some(((i, k), &v)) = covariates.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(SolverError::NonFinite {
                what: "covariates",
                value: v,
                location: format!("row {i} (0-based), covariate {}", k + 1),
            });
        }
        let raw: Vec<f64> = covariates.t().iter().copied().collect();
        let fit_intercept = inner.stats().fit_intercept;
        let own = ColumnStats::compute(q, |k| &raw[k * n..(k + 1) * n], fit_intercept, true)?;
        let mut working = raw;
        for k in 0..q {
            let (m, inv) = (own.center[k], own.inv_scale[k]);
            working[k * n..(k + 1) * n].iter_mut().for_each(|v| *v = (*v - m) * inv);
        }
        let mut stats = inner.stats().clone();
        stats.center.extend_from_slice(&own.center);
        stats.scale.extend_from_slice(&own.scale);
        stats.inv_scale.extend_from_slice(&own.inv_scale);
        stats.curvature.extend_from_slice(&own.curvature);
        Ok(WithCovariates { inner, p: inner.n_features(), q, working, stats })
    }

    /// Working-scale covariate column k (0-based among the covariates).
    fn covariate(&self, k: usize) -> &[f64] {
        let n = self.inner.n_samples();
        &self.working[k * n..(k + 1) * n]
    }
}

impl<D: Design> Design for WithCovariates<'_, D> {
    fn n_samples(&self) -> usize {
        self.inner.n_samples()
    }

    fn n_features(&self) -> usize {
        self.p + self.q
    }

    #[inline]
    fn dot(&self, j: usize, v: &[f64]) -> f64 {
        if j < self.p { self.inner.dot(j, v) } else { kernels::dot(self.covariate(j - self.p), v) }
    }

    #[inline]
    fn axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        if j < self.p {
            self.inner.axpy(j, a, v);
        } else if a != 0.0 {
            for (o, &x) in v.iter_mut().zip(self.covariate(j - self.p)) {
                *o += a * x;
            }
        }
    }

    fn stats(&self) -> &ColumnStats {
        &self.stats
    }

    fn packed_columns(&self) -> bool {
        self.inner.packed_columns()
    }

    #[inline]
    fn weighted_axpy(&self, j: usize, a: f64, w: &[f64], v: &mut [f64]) {
        if j < self.p {
            self.inner.weighted_axpy(j, a, w, v);
        } else if a != 0.0 {
            for ((o, &x), &wi) in v.iter_mut().zip(self.covariate(j - self.p)).zip(w) {
                *o += a * wi * x;
            }
        }
    }

    #[inline]
    fn dot_f32(&self, j: usize, v: &[f32]) -> f64 {
        if j < self.p {
            self.inner.dot_f32(j, v)
        } else {
            self.covariate(j - self.p).iter().zip(v).map(|(&x, &vi)| x * f64::from(vi)).sum()
        }
    }

    #[inline]
    fn weighted_axpy_f32(&self, j: usize, a: f64, w: &[f32], v: &mut [f32]) {
        if j < self.p {
            self.inner.weighted_axpy_f32(j, a, w, v);
        } else if a != 0.0 {
            for ((o, &x), &wi) in v.iter_mut().zip(self.covariate(j - self.p)).zip(w) {
                *o += (a * x * f64::from(wi)) as f32;
            }
        }
    }

    fn weighted_sq_norm(&self, j: usize, w: &[f64]) -> f64 {
        if j < self.p {
            self.inner.weighted_sq_norm(j, w)
        } else {
            self.covariate(j - self.p).iter().zip(w).map(|(&x, &wi)| wi * x * x).sum()
        }
    }

    fn n_covariates(&self) -> usize {
        self.q
    }

    /// X's own Gram rows (e.g. the popcount rows of a packed `.bed`) for the X × X block;
    /// entries involving a covariate by dot products with its materialised column.
    fn gram_rows(&self, new: &[usize], others: &[usize]) -> Vec<Vec<f64>> {
        let p = self.p;
        let new_x: Vec<usize> = new.iter().copied().filter(|&j| j < p).collect();
        let others_x: Vec<usize> = others.iter().copied().filter(|&j| j < p).collect();
        if new_x.len() == new.len() && others_x.len() == others.len() {
            return self.inner.gram_rows(new, others);
        }
        let block = if new_x.is_empty() || others_x.is_empty() {
            vec![Vec::new(); new_x.len()]
        } else {
            self.inner.gram_rows(&new_x, &others_x)
        };
        let inv_n = 1.0 / self.n_samples() as f64;
        let mut rows = Vec::with_capacity(new.len());
        let mut next_x = 0;
        for &a in new {
            let mut row = Vec::with_capacity(others.len());
            let inner_row = if a < p {
                next_x += 1;
                Some(&block[next_x - 1])
            } else {
                None
            };
            let mut next_other = 0;
            for &b in others {
                let entry = match (inner_row, b < p) {
                    (Some(r), true) => r[next_other],
                    (_, false) => self.dot(a, self.covariate(b - p)) * inv_n,
                    (None, true) => self.inner.dot(b, self.covariate(a - p)) * inv_n,
                };
                if b < p {
                    next_other += 1;
                }
                row.push(entry);
            }
            rows.push(row);
        }
        rows
    }

    fn column_head(&self, j: usize, out: &mut [f64]) {
        if j < self.p {
            self.inner.column_head(j, out);
        } else {
            let len = out.len();
            out.copy_from_slice(&self.covariate(j - self.p)[..len]);
        }
    }

    fn scaled_gradient<F>(&self, v: &[f64], out: &mut [f64], wanted: F) -> usize
    where
        F: Fn(usize) -> bool + Sync,
    {
        let read = self.inner.scaled_gradient(v, &mut out[..self.p], &wanted);
        read + self.covariate_gradients(v, out, &wanted)
    }

    /// The inner design's screening gradients (its ε), the covariates' exact ones (their
    /// [`Design::entry_bound`] is 0, so ε adds nothing to them).
    fn screening_gradient<F>(&self, v: &[f64], out: &mut [f64], wanted: F) -> (usize, f64)
    where
        F: Fn(usize) -> bool + Sync,
    {
        let (read, eps) = self.inner.screening_gradient(v, &mut out[..self.p], &wanted);
        (read + self.covariate_gradients(v, out, &wanted), eps)
    }

    fn entry_bound(&self, j: usize) -> f64 {
        if j < self.p { self.inner.entry_bound(j) } else { 0.0 }
    }
}

impl<D: Design> WithCovariates<'_, D> {
    /// `out[p + k] = z̃_kᵀv/n` for the wanted covariates; returns how many.
    fn covariate_gradients(&self, v: &[f64], out: &mut [f64], wanted: &impl Fn(usize) -> bool) -> usize {
        let inv_n = 1.0 / self.n_samples() as f64;
        let mut read = 0;
        for k in 0..self.q {
            if wanted(self.p + k) {
                out[self.p + k] = kernels::dot(self.covariate(k), v) * inv_n;
                read += 1;
            }
        }
        read
    }
}
