//! Column access to the design matrix on the *working scale*.
//!
//! The solver never sees raw X. It sees the working column
//!
//! ```text
//! x̃_j = (x_j − m_j·1) / s_j
//! ```
//!
//! where `m_j` is the column mean when an intercept is fitted (0 otherwise) and `s_j` is the
//! 1/n root mean square of `x_j − m_j·1` when standardizing (1 otherwise). Both are applied
//! implicitly inside the kernels, so X is never copied or modified. A column whose working
//! curvature `v_j = ‖x̃_j‖²/n` is zero is *dead*: it takes no part in the fit.

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::SolverError;
use crate::kernels;

/// Features per block in parallel scans: fixed, so results never depend on the thread count.
pub const SCAN_BLOCK: usize = 256;

/// Working-scale column access used by the coordinate-descent solver.
pub trait Design: Sync {
    /// Number of samples n.
    fn n_samples(&self) -> usize;
    /// Number of features p.
    fn n_features(&self) -> usize;
    /// `x̃_jᵀ v`.
    fn dot(&self, j: usize, v: &[f64]) -> f64;
    /// `v += a·x̃_j`.
    fn axpy(&self, j: usize, a: f64, v: &mut [f64]);
    /// The per-column centering and scaling in force.
    fn stats(&self) -> &ColumnStats;

    /// How many of the last columns are covariates (always unpenalized, not counted in nnz);
    /// 0 except for [`crate::covariates::WithCovariates`].
    fn n_covariates(&self) -> usize {
        0
    }

    /// Curvature `v_j = ‖x̃_j‖²/n` of the coordinate problem (0 for a dead column).
    fn curvature(&self, j: usize) -> f64 {
        self.stats().curvature[j]
    }

    /// Whether column j takes part in the fit (`v_j > 0`).
    fn is_live(&self, j: usize) -> bool {
        self.stats().curvature[j] > 0.0
    }

    /// Gram rows of several new features at once: `rows[k][i] = x̃_{new[k]}ᵀx̃_{others[i]}/n`.
    /// The default materialises the new columns once and reads each other column once for all
    /// of them (instead of once per new feature), in parallel over `others`; one [`Design::dot`] per entry.
    fn gram_rows(&self, new: &[usize], others: &[usize]) -> Vec<Vec<f64>>
    where
        Self: Sized,
    {
        let n = self.n_samples();
        let inv_n = 1.0 / n as f64;
        let mut columns = vec![0.0; new.len() * n];
        for (column, &j) in columns.chunks_mut(n).zip(new) {
            self.axpy(j, 1.0, column);
        }
        let per_other: Vec<Vec<f64>> = others
            .par_iter()
            .with_min_len(16)
            .map(|&m| columns.chunks(n).map(|column| self.dot(m, column) * inv_n).collect())
            .collect();
        (0..new.len()).map(|k| per_other.iter().map(|entries| entries[k]).collect()).collect()
    }

    /// Whether [`Design::dot`] and [`Design::weighted_axpy`] read less memory than a
    /// materialised column of n f64 (2-bit genotype codes): solvers then work on the design
    /// itself instead of caching materialised working columns.
    fn packed_columns(&self) -> bool {
        false
    }

    /// `v_i += a·w_i·x̃_ij` (`w` and `v` of length n). The default materialises the column
    /// (it allocates: designs whose [`Design::packed_columns`] is true, the only ones solvers
    /// call this on in their loops, override it).
    fn weighted_axpy(&self, j: usize, a: f64, w: &[f64], v: &mut [f64]) {
        let mut column = vec![0.0; self.n_samples()];
        self.axpy(j, a, &mut column);
        for ((o, &x), &wi) in v.iter_mut().zip(&column).zip(w) {
            *o += x * wi;
        }
    }

    /// `x̃_jᵀv` for a single-precision v (the entries of x̃_j rounded to f32 by a packed
    /// design; relative error of the order of 2⁻²⁴·√n of `Σ_i |x̃_ij v_i|`). The default
    /// materialises the column (see [`Design::weighted_axpy`]) and sums in f64.
    fn dot_f32(&self, j: usize, v: &[f32]) -> f64 {
        let mut column = vec![0.0; self.n_samples()];
        self.axpy(j, 1.0, &mut column);
        column.iter().zip(v).map(|(&x, &vi)| x * f64::from(vi)).sum()
    }

    /// `v_i += a·w_i·x̃_ij` in single precision. The default materialises the column (see
    /// [`Design::weighted_axpy`]).
    fn weighted_axpy_f32(&self, j: usize, a: f64, w: &[f32], v: &mut [f32]) {
        let mut column = vec![0.0; self.n_samples()];
        self.axpy(j, a, &mut column);
        for ((o, &x), &wi) in v.iter_mut().zip(&column).zip(w) {
            *o += (x * f64::from(wi)) as f32;
        }
    }

    /// `Σ_i w_i·x̃_ij²` (not divided by n). The default materialises the column (see
    /// [`Design::weighted_axpy`]).
    fn weighted_sq_norm(&self, j: usize, w: &[f64]) -> f64 {
        let mut column = vec![0.0; self.n_samples()];
        self.axpy(j, 1.0, &mut column);
        column.iter().zip(w).map(|(&x, &wi)| wi * x * x).sum()
    }

    /// Gradients for screening, possibly in lower precision: `out[j] ≈ x̃_jᵀv/n` for every j
    /// with `wanted(j)`, and ε such that `|out[j] − x̃_jᵀv/n| ≤ ε·`[`Design::entry_bound`]`(j)`.
    /// Returns (columns read, ε). The default is [`Design::scaled_gradient`], exact (ε = 0).
    fn screening_gradient<F>(&self, v: &[f64], out: &mut [f64], wanted: F) -> (usize, f64)
    where
        F: Fn(usize) -> bool + Sync,
        Self: Sized,
    {
        (self.scaled_gradient(v, out, wanted), 0.0)
    }

    /// An upper bound on `|x̃_ij|` over the samples, the unit of the error of
    /// [`Design::screening_gradient`] (needed only where that error is not 0).
    fn entry_bound(&self, _j: usize) -> f64 {
        f64::INFINITY
    }

    /// The first `out.len()` entries of the working column `x̃_j` (a cheap fingerprint for
    /// finding copied columns). The default materialises the whole column.
    fn column_head(&self, j: usize, out: &mut [f64]) {
        let mut column = vec![0.0; self.n_samples()];
        self.axpy(j, 1.0, &mut column);
        out.copy_from_slice(&column[..out.len()]);
    }

    /// `out[j] = x̃_jᵀ v / n` for every j with `wanted(j)`, in parallel over fixed blocks of
    /// [`SCAN_BLOCK`] features; other entries of `out` are left untouched. Returns the number
    /// of columns read.
    fn scaled_gradient<F>(&self, v: &[f64], out: &mut [f64], wanted: F) -> usize
    where
        F: Fn(usize) -> bool + Sync,
        Self: Sized,
    {
        let inv_n = 1.0 / self.n_samples() as f64;
        scan_features(out, wanted, |j| self.dot(j, v) * inv_n)
    }
}

/// `out[j] = value(j)` for every j with `wanted(j)`, in parallel over fixed blocks of
/// [`SCAN_BLOCK`] features (so results never depend on the thread count); other entries are
/// left untouched. Returns how many were computed.
pub(crate) fn scan_features<F, G>(out: &mut [f64], wanted: F, value: G) -> usize
where
    F: Fn(usize) -> bool + Sync,
    G: Fn(usize) -> f64 + Sync,
{
    out.par_chunks_mut(SCAN_BLOCK)
        .enumerate()
        .map(|(b, chunk)| {
            let mut read = 0usize;
            for (k, o) in chunk.iter_mut().enumerate() {
                let j = b * SCAN_BLOCK + k;
                if wanted(j) {
                    *o = value(j);
                    read += 1;
                }
            }
            read
        })
        .sum()
}

/// Per-column centering and scaling: `x̃_j = (x_j − center_j) · inv_scale_j`.
#[derive(Clone, Debug)]
pub struct ColumnStats {
    /// `m_j`: the column mean with an intercept, 0 without.
    pub center: Vec<f64>,
    /// `s_j`: the scale dividing the centered column (1 without standardization, 0 if dead).
    pub scale: Vec<f64>,
    /// `1/s_j`, or 0 for a dead column.
    pub inv_scale: Vec<f64>,
    /// `v_j = ‖x̃_j‖²/n`: 1 for every live column when standardized, 0 for dead columns.
    pub curvature: Vec<f64>,
    /// Whether columns are centered (an intercept is fitted).
    pub fit_intercept: bool,
    /// Whether columns are scaled to unit root mean square.
    pub standardize: bool,
}

impl ColumnStats {
    /// Statistics of no column yet, with room for `p` (filled by the designs' constructors).
    pub fn with_capacity(p: usize, fit_intercept: bool, standardize: bool) -> Self {
        ColumnStats {
            center: Vec::with_capacity(p),
            scale: Vec::with_capacity(p),
            inv_scale: Vec::with_capacity(p),
            curvature: Vec::with_capacity(p),
            fit_intercept,
            standardize,
        }
    }

    /// Computes the statistics of every column from its raw values.
    ///
    /// With an intercept `m_j = mean(x_j)` (refined by a second pass, so that a large mean
    /// does not leave a rounding residue), otherwise `m_j = 0`. Then `q_j = ‖x_j − m_j‖²/n`
    /// and, standardizing, `s_j = √q_j`, `v_j = 1`; not standardizing, `s_j = 1`, `v_j = q_j`.
    /// A column that is exactly constant (with an intercept) or exactly zero is dead.
    ///
    /// Fails on the first non-finite value (lowest column, then lowest row).
    pub fn compute<'a, F>(p: usize, column: F, fit_intercept: bool, standardize: bool) -> Result<Self, SolverError>
    where
        F: Fn(usize) -> &'a [f64] + Sync,
    {
        let bad =
            (0..p).into_par_iter().with_min_len(SCAN_BLOCK).find_first(|&j| column(j).iter().any(|v| !v.is_finite()));
        if let Some(j) = bad {
            let col = column(j);
            let i = col.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(SolverError::NonFinite {
                what: "X",
                value: col[i],
                location: format!("row {i}, column {j} (0-based)"),
            });
        }
        let per_column: Vec<(f64, f64, f64, f64)> = (0..p)
            .into_par_iter()
            .with_min_len(SCAN_BLOCK)
            .map(|j| column_stat(column(j), fit_intercept, standardize))
            .collect();
        let mut stats = ColumnStats::with_capacity(p, fit_intercept, standardize);
        for (m, s, inv, v) in per_column {
            stats.center.push(m);
            stats.scale.push(s);
            stats.inv_scale.push(inv);
            stats.curvature.push(v);
        }
        Ok(stats)
    }

    /// Number of live columns.
    pub fn n_live(&self) -> usize {
        self.curvature.iter().filter(|&&v| v > 0.0).count()
    }
}

/// `(center, scale, inv_scale, curvature)` of one raw column.
pub(crate) fn column_stat(x: &[f64], fit_intercept: bool, standardize: bool) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let dead = match x.first() {
        None => true,
        Some(&first) if fit_intercept => x.iter().all(|&v| v == first),
        Some(_) => x.iter().all(|&v| v == 0.0),
    };
    let center = if fit_intercept && !x.is_empty() {
        let m0 = x.iter().sum::<f64>() / n;
        m0 + x.iter().map(|&v| v - m0).sum::<f64>() / n
    } else {
        0.0
    };
    if dead {
        return (center, if standardize { 0.0 } else { 1.0 }, 0.0, 0.0);
    }
    let q = x.iter().map(|&v| (v - center) * (v - center)).sum::<f64>() / n;
    if q <= 0.0 || !q.is_finite() {
        return (center, if standardize { 0.0 } else { 1.0 }, 0.0, 0.0);
    }
    if standardize {
        let s = q.sqrt();
        (center, s, 1.0 / s, 1.0)
    } else {
        (center, 1.0, 1.0, q)
    }
}

/// A dense column-major design over a borrowed view: X is never copied.
#[derive(Clone, Debug)]
pub struct DenseDesign<'a> {
    data: &'a [f64],
    n: usize,
    p: usize,
    stats: ColumnStats,
}

impl<'a> DenseDesign<'a> {
    /// Wraps a column-major (Fortran-order) view of X with implicit centering/scaling.
    ///
    /// Fails if the view is not contiguous in column-major order (convert it once first), or
    /// if it is empty.
    pub fn new(x: ArrayView2<'a, f64>, fit_intercept: bool, standardize: bool) -> Result<Self, SolverError> {
        let (n, p) = x.dim();
        if n == 0 || p == 0 {
            return Err(SolverError::EmptyDesign { n, p });
        }
        let data = column_major_slice(x).ok_or(SolverError::NotColumnMajor)?;
        let stats = ColumnStats::compute(p, |j| &data[j * n..(j + 1) * n], fit_intercept, standardize)?;
        Ok(DenseDesign { data, n, p, stats })
    }

    /// Raw column j (original scale).
    #[inline]
    pub fn raw_column(&self, j: usize) -> &'a [f64] {
        &self.data[j * self.n..(j + 1) * self.n]
    }
}

/// The underlying slice of a view whose memory is contiguous column-major.
fn column_major_slice(x: ArrayView2<'_, f64>) -> Option<&[f64]> {
    let t = x.reversed_axes();
    if t.is_standard_layout() { t.to_slice() } else { None }
}

impl Design for DenseDesign<'_> {
    fn n_samples(&self) -> usize {
        self.n
    }

    fn n_features(&self) -> usize {
        self.p
    }

    #[inline]
    fn dot(&self, j: usize, v: &[f64]) -> f64 {
        let inv = self.stats.inv_scale[j];
        if inv == 0.0 {
            return 0.0;
        }
        kernels::centered_dot(self.raw_column(j), self.stats.center[j], v) * inv
    }

    #[inline]
    fn axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        let inv = self.stats.inv_scale[j];
        if inv == 0.0 || a == 0.0 {
            return;
        }
        kernels::centered_axpy(self.raw_column(j), self.stats.center[j], a * inv, v);
    }

    fn stats(&self) -> &ColumnStats {
        &self.stats
    }

    fn column_head(&self, j: usize, out: &mut [f64]) {
        let (m, inv) = (self.stats.center[j], self.stats.inv_scale[j]);
        for (o, &x) in out.iter_mut().zip(self.raw_column(j)) {
            *o = (x - m) * inv;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    fn fortran(rows: &[&[f64]]) -> Array2<f64> {
        let n = rows.len();
        let p = rows[0].len();
        let mut a = Array2::zeros((n, p).f());
        for (i, r) in rows.iter().enumerate() {
            for (j, &v) in r.iter().enumerate() {
                a[(i, j)] = v;
            }
        }
        a
    }

    #[test]
    fn standardized_columns_have_unit_curvature_and_zero_mean() {
        let x = fortran(&[&[1.0, 10.0, 3.0], &[2.0, 30.0, 3.0], &[4.0, 20.0, 3.0], &[5.0, 0.0, 3.0]]);
        let d = DenseDesign::new(x.view(), true, true).unwrap();
        let ones = vec![1.0; 4];
        for j in 0..2 {
            assert!(d.dot(j, &ones).abs() < 1e-12);
            let mut col = vec![0.0; 4];
            d.axpy(j, 1.0, &mut col);
            let sq: f64 = col.iter().map(|v| v * v).sum();
            assert!((sq / 4.0 - 1.0).abs() < 1e-12);
            assert_eq!(d.curvature(j), 1.0);
        }
        assert!(!d.is_live(2), "a constant column is dead with an intercept");
        assert_eq!(d.dot(2, &ones), 0.0);
    }

    #[test]
    fn unstandardized_curvature_is_mean_square() {
        let x = fortran(&[&[1.0, 0.0], &[3.0, 0.0]]);
        let d = DenseDesign::new(x.view(), false, false).unwrap();
        assert_eq!(d.curvature(0), 5.0);
        assert!(!d.is_live(1), "an all-zero column is dead");
        let with_intercept = DenseDesign::new(x.view(), true, false).unwrap();
        assert_eq!(with_intercept.curvature(0), 1.0);
    }

    #[test]
    fn c_order_views_are_refused() {
        let x = Array2::<f64>::zeros((3, 2));
        assert!(matches!(DenseDesign::new(x.view(), true, true), Err(SolverError::NotColumnMajor)));
    }

    #[test]
    fn non_finite_values_are_located() {
        let mut x = fortran(&[&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0]]);
        x[(2, 1)] = f64::NAN;
        let err = DenseDesign::new(x.view(), true, true).unwrap_err();
        assert!(err.to_string().contains("row 2, column 1"), "{err}");
    }

    #[test]
    fn constant_column_with_large_mean_is_dead() {
        let x = fortran(&[&[0.1, 1.0], &[0.1, 2.0], &[0.1, 3.0]]);
        let d = DenseDesign::new(x.view(), true, true).unwrap();
        assert!(!d.is_live(0));
        assert!(d.is_live(1));
    }

    #[test]
    fn gradient_scan_matches_dots() {
        let n = 5;
        let p = 600;
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| ((i * 7 + j * 3) % 11) as f64);
        let d = DenseDesign::new(x.view(), true, true).unwrap();
        let v: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
        let mut out = vec![f64::NAN; p];
        let read = d.scaled_gradient(&v, &mut out, |j| j % 2 == 0);
        assert_eq!(read, p / 2);
        for j in 0..p {
            if j % 2 == 0 {
                assert!((out[j] - d.dot(j, &v) / n as f64).abs() < 1e-14);
            } else {
                assert!(out[j].is_nan());
            }
        }
    }
}
