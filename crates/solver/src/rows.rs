//! A row subset of a dense design, read in place (the training folds of cross-validation).
//!
//! The design's rows are `rows[0], rows[1], …` of a borrowed column-major X: nothing is
//! copied. Centering and scaling are those of the subset,
//!
//! ```text
//! x̃_kj = (x_{rows[k], j} − m_j) / s_j,   m_j = (1/n) Σ_k x_{rows[k], j},   s_j² = (1/n) Σ_k (x_{rows[k], j} − m_j)²
//! ```
//!
//! (n = `rows.len()`; `m_j = 0` without an intercept, `s_j = 1` without standardization), so a
//! fit on the subset equals a fit on the copied rows up to rounding.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::design::{ColumnStats, Design, SCAN_BLOCK, column_stat};
use crate::error::SolverError;

/// Accumulators of the gathered dot product (fixed summation order).
const LANES: usize = 8;

/// The rows `rows` of a dense column-major X as a working-scale design, without a copy.
#[derive(Clone, Debug)]
pub struct DenseRowsDesign<'a> {
    data: &'a [f64],
    /// Rows of the full matrix.
    n_all: usize,
    rows: Vec<usize>,
    p: usize,
    stats: ColumnStats,
}

impl<'a> DenseRowsDesign<'a> {
    /// The rows `rows` (indices into X's rows, any order, each below X's row count) of a
    /// column-major (Fortran-order) view of X. Fails on an empty subset or view, an index out
    /// of range, a view that is not column-major, or a non-finite value in the subset.
    pub fn new(
        x: ArrayView2<'a, f64>,
        rows: Vec<usize>,
        fit_intercept: bool,
        standardize: bool,
    ) -> Result<Self, SolverError> {
        let (n_all, p) = x.dim();
        if rows.is_empty() || p == 0 {
            return Err(SolverError::EmptyDesign { n: rows.len(), p });
        }
        if let Some(&bad) = rows.iter().find(|&&i| i >= n_all) {
            return Err(SolverError::InvalidParameter(format!("row index {bad} out of range (n = {n_all})")));
        }
        let t = x.reversed_axes();
        let data = if t.is_standard_layout() { t.to_slice() } else { None }.ok_or(SolverError::NotColumnMajor)?;
        let per_column: Vec<Result<(f64, f64, f64, f64), SolverError>> = (0..p)
            .into_par_iter()
            .with_min_len(SCAN_BLOCK)
            .map(|j| {
                let col = &data[j * n_all..(j + 1) * n_all];
                let values: Vec<f64> = rows.iter().map(|&i| col[i]).collect();
                if let Some(k) = values.iter().position(|v| !v.is_finite()) {
                    return Err(SolverError::NonFinite {
                        what: "X",
                        value: values[k],
                        location: format!("row {}, column {j} (0-based)", rows[k]),
                    });
                }
                Ok(column_stat(&values, fit_intercept, standardize))
            })
            .collect();
        let mut stats = ColumnStats::with_capacity(p, fit_intercept, standardize);
        for s in per_column {
            let (m, sc, inv, v) = s?;
            stats.center.push(m);
            stats.scale.push(sc);
            stats.inv_scale.push(inv);
            stats.curvature.push(v);
        }
        Ok(DenseRowsDesign { data, n_all, rows, p, stats })
    }

    /// The raw values of column j (all rows of X; the design reads `rows` of them).
    #[inline]
    fn raw_column(&self, j: usize) -> &'a [f64] {
        &self.data[j * self.n_all..(j + 1) * self.n_all]
    }
}

impl Design for DenseRowsDesign<'_> {
    fn n_samples(&self) -> usize {
        self.rows.len()
    }

    fn n_features(&self) -> usize {
        self.p
    }

    /// `Σ_k (x_{rows[k], j} − m_j)·v_k / s_j`.
    #[inline]
    fn dot(&self, j: usize, v: &[f64]) -> f64 {
        let inv = self.stats.inv_scale[j];
        if inv == 0.0 {
            return 0.0;
        }
        let (x, m) = (self.raw_column(j), self.stats.center[j]);
        let mut acc = [0.0f64; LANES];
        let rc = self.rows.chunks_exact(LANES);
        let vc = v.chunks_exact(LANES);
        let (rr, vr) = (rc.remainder(), vc.remainder());
        for (rs, vs) in rc.zip(vc) {
            for l in 0..LANES {
                acc[l] += (x[rs[l]] - m) * vs[l];
            }
        }
        let mut tail = 0.0;
        for (&i, b) in rr.iter().zip(vr) {
            tail += (x[i] - m) * b;
        }
        (acc.iter().sum::<f64>() + tail) * inv
    }

    /// `v_k += a·(x_{rows[k], j} − m_j) / s_j`.
    #[inline]
    fn axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        let inv = self.stats.inv_scale[j];
        if inv == 0.0 || a == 0.0 {
            return;
        }
        let (x, b) = (self.raw_column(j), a * inv);
        let shift = b * self.stats.center[j];
        for (vk, &i) in v.iter_mut().zip(&self.rows) {
            *vk += b * x[i] - shift;
        }
    }

    fn stats(&self) -> &ColumnStats {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::DenseDesign;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn a_row_subset_reads_like_the_copied_rows() {
        let (n, p) = (23, 5);
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| ((i * 7 + j * 13) % 17) as f64 * 0.3 - j as f64);
        let rows: Vec<usize> = (0..n).filter(|i| i % 4 != 1).collect();
        let copy = Array2::from_shape_fn((rows.len(), p).f(), |(k, j)| x[(rows[k], j)]);
        for (intercept, standardize) in [(true, true), (false, true), (true, false)] {
            let sub = DenseRowsDesign::new(x.view(), rows.clone(), intercept, standardize).unwrap();
            let full = DenseDesign::new(copy.view(), intercept, standardize).unwrap();
            assert_eq!(sub.n_samples(), rows.len());
            let v: Vec<f64> = (0..rows.len()).map(|k| (k as f64).sin()).collect();
            for j in 0..p {
                assert!((sub.dot(j, &v) - full.dot(j, &v)).abs() < 1e-12);
                assert!((sub.curvature(j) - full.curvature(j)).abs() < 1e-12);
                let (mut a, mut b) = (v.clone(), v.clone());
                sub.axpy(j, 0.7, &mut a);
                full.axpy(j, 0.7, &mut b);
                assert!(a.iter().zip(&b).all(|(s, t)| (s - t).abs() < 1e-12));
            }
        }
    }

    #[test]
    fn bad_rows_are_refused() {
        let x = Array2::<f64>::zeros((3, 2).f());
        assert!(matches!(DenseRowsDesign::new(x.view(), vec![], true, true), Err(SolverError::EmptyDesign { .. })));
        assert!(DenseRowsDesign::new(x.view(), vec![0, 3], true, true).is_err());
    }
}
