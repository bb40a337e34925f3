//! A Cholesky factor whose rows and columns can be appended and removed in O(k²).
//!
//! The active-set Newton solver (see `solver.rs`) keeps `H = G_AA + diag(e_A)` factored as
//! `H = L Lᵀ` for its support A, where `G_AA = X̃_AᵀX̃_A/n` and `e_a` is the curvature of the
//! penalty piece coordinate a sits on. The support changes by a few features at a time along a
//! path, so refactoring (k³/3 flops) at every change would dominate; instead:
//!
//! - **append** a feature with column `h` (its entries of H against the current members) and
//!   diagonal `η`: the new last row of L is `[lᵀ, δ]` with `L l = h`, `δ = √(η − ‖l‖²)`;
//! - **remove** member i: deleting row i of L leaves a (k−1) × k matrix `L'` with
//!   `L'L'ᵀ = H` minus row/column i, lower triangular except one superdiagonal in columns
//!   i..k−1. Givens rotations on column pairs (c, c+1), c = i..k−2, applied from the right
//!   (`L'Q`, Q orthogonal, so `L'Q QᵀL'ᵀ` is unchanged) zero that superdiagonal; the last
//!   column becomes zero and is dropped;
//! - **update a diagonal entry** (a coefficient moving to the next piece of MCP/SCAD changes
//!   only its `e_a`): a rank-one update or downdate of columns i..k, see
//!   [`UpdatableCholesky::update_diagonal`].
//!
//! All cost O(k²); a solve `L Lᵀ x = b` is two triangular substitutions, also O(k²). L is
//! stored by columns, so that the rotations of a removal, the axpy form of the forward
//! substitutions and the dot form of the backward one all read contiguous memory.

/// `H = L Lᵀ` for a k × k symmetric positive-definite H, with O(k²) append and remove.
#[derive(Debug, Default)]
pub struct UpdatableCholesky {
    /// Floating-point operations done so far (appends k², removals 3(k − i)², solves 2k²):
    /// the Newton work columns of `path.csv` (see [`UpdatableCholesky::flops`]).
    flops: std::cell::Cell<u64>,
    k: usize,
    stride: usize,
    /// Column-major lower triangle: entry (r, c), r ≥ c, is `l[c·stride + r]`.
    l: Vec<f64>,
    scratch: Vec<f64>,
    downdate_scratch: Vec<f64>,
    /// Largest order accepted (0: no limit).
    limit: usize,
}

/// Smallest accepted `δ² / η` for an appended column: below it the column is numerically in
/// the span of the current members (a duplicated or collinear feature) and is refused.
const MIN_RELATIVE_PIVOT: f64 = 1e-10;

impl UpdatableCholesky {
    /// Order k of the factored matrix.
    /// Floating-point operations of every append, removal and solve so far.
    pub fn flops(&self) -> u64 {
        self.flops.get()
    }

    fn count(&self, flops: usize) {
        self.flops.set(self.flops.get() + flops as u64);
    }

    pub fn len(&self) -> usize {
        self.k
    }

    /// Forgets every row.
    pub fn clear(&mut self) {
        self.k = 0;
    }

    /// Appends a row and column with off-diagonal entries `h` (length k, in member order)
    /// and diagonal `diag`. Returns false, leaving the factor unchanged, if the extended
    /// matrix is not numerically positive definite (`δ² ≤ 10⁻¹⁰·η`).
    pub fn append(&mut self, h: &[f64], diag: f64) -> bool {
        let k = self.k;
        debug_assert_eq!(h.len(), k);
        if !(diag > 0.0 && diag.is_finite()) || (self.limit > 0 && k >= self.limit) {
            return false;
        }
        self.reserve(k + 1);
        self.count(k * k + 2 * k);
        let s = self.stride;
        // forward substitution L l = h in axpy form: l_i = h_i / L_ii, h_{>i} −= l_i·L_{>i,i}
        let row = &mut self.scratch;
        row.clear();
        row.extend_from_slice(h);
        for i in 0..k {
            let column = &self.l[i * s + i..i * s + k];
            let li = row[i] / column[0];
            row[i] = li;
            if li != 0.0 {
                crate::kernels::sub_scaled(&mut row[i + 1..], li, &column[1..]);
            }
        }
        let pivot = diag - crate::kernels::sq_norm(row);
        let accepted = pivot.is_finite() && pivot > MIN_RELATIVE_PIVOT * diag;
        if accepted {
            for (i, &li) in row.iter().enumerate() {
                self.l[i * s + k] = li;
            }
            self.l[k * s + k] = pivot.sqrt();
            self.k = k + 1;
        }
        accepted
    }

    /// Removes row and column `i` (0-based member position).
    pub fn remove(&mut self, i: usize) {
        let k = self.k;
        assert!(i < k, "remove({i}) from a factor of order {k}");
        self.count(3 * (k - i) * (k - i));
        let s = self.stride;
        // delete row i: in every column, the entries of rows i+1..k move up by one
        for c in 0..k {
            let from = (i + 1).max(c);
            if from < k {
                self.l.copy_within(c * s + from..c * s + k, c * s + from - 1);
            }
        }
        // columns c = i..k−2 now have an entry in row c of column c+1: rotate it away
        for c in i..k - 1 {
            let (left, right) = self.l.split_at_mut((c + 1) * s);
            let x = &mut left[c * s + c..c * s + k - 1];
            let y = &mut right[c..k - 1];
            let (a, b) = (x[0], y[0]);
            let rho = a.hypot(b);
            if rho == 0.0 {
                continue;
            }
            let (cs, sn) = (a / rho, b / rho);
            for (xr, yr) in x.iter_mut().zip(y.iter_mut()) {
                let (u, v) = (*xr, *yr);
                *xr = cs * u + sn * v;
                *yr = cs * v - sn * u;
            }
            x[0] = rho;
            y[0] = 0.0;
        }
        self.k = k - 1;
    }

    /// Adds δ to diagonal entry `i` of the factored matrix in place, `H' = H + δ·e_i e_iᵀ`:
    /// a rank-one update (δ > 0) or downdate (δ < 0) of L with `x = √|δ|·e_i`, which only
    /// changes columns i..k (Gill, Golub, Murray and Saunders 1974, method C1):
    ///
    /// ```text
    /// for c = i..k:  r = √(L_cc² ± x_c²),  (cs, sn) = (r, x_c)/L_cc,  L_cc = r,
    ///                L_{>c,c} = (L_{>c,c} ± sn·x_{>c})/cs,  x_{>c} = cs·x_{>c} − sn·L_{>c,c}
    /// ```
    ///
    /// 2(k − i)² flops, against about 3k² for removing member i and appending it again. A
    /// downdate is first checked with `p = L⁻¹x` (another (k − i)²): the new Schur complement
    /// of i is `s' = |δ|·(1 − ‖p‖²)/‖p‖²`, and, as for [`UpdatableCholesky::append`], it must
    /// exceed `10⁻¹⁰·H'_ii`. Returns false, leaving the factor unchanged, if it does not (H'
    /// not numerically positive definite) or if δ is not finite.
    pub fn update_diagonal(&mut self, i: usize, delta: f64) -> bool {
        let (k, s) = (self.k, self.stride);
        assert!(i < k, "update_diagonal({i}) on a factor of order {k}");
        if delta == 0.0 {
            return true;
        }
        if !delta.is_finite() {
            return false;
        }
        let m = k - i;
        let x = &mut self.scratch;
        x.clear();
        x.resize(m, 0.0);
        x[0] = delta.abs().sqrt();
        let sign = delta.signum();
        if sign < 0.0 {
            // p = L⁻¹x on rows i..k (x is zero above i), forward substitution in axpy form
            self.flops.set(self.flops.get() + (m * m) as u64);
            let p = &mut self.downdate_scratch;
            p.clear();
            p.extend_from_slice(x);
            for c in 0..m {
                let column = &self.l[(i + c) * s + i + c..(i + c) * s + k];
                let pc = p[c] / column[0];
                p[c] = pc;
                if pc != 0.0 {
                    crate::kernels::sub_scaled(&mut p[c + 1..], pc, &column[1..]);
                }
            }
            let p_sq = crate::kernels::sq_norm(p);
            // H_ii = ‖row i of L‖²
            let h_ii: f64 = (0..=i).map(|c| self.l[c * s + i] * self.l[c * s + i]).sum();
            let schur = delta.abs() * (1.0 - p_sq) / p_sq;
            if !(p_sq < 1.0 && schur.is_finite() && schur > MIN_RELATIVE_PIVOT * (h_ii + delta)) {
                return false;
            }
        }
        self.flops.set(self.flops.get() + (2 * m * m) as u64);
        for c in 0..m {
            let (left, right) = (c, i + c);
            let column = &mut self.l[right * s + right..right * s + k];
            let (lcc, xc) = (column[0], x[left]);
            if xc == 0.0 {
                continue;
            }
            let r = (lcc * lcc + sign * xc * xc).sqrt();
            let (cs, sn) = (r / lcc, xc / lcc);
            column[0] = r;
            for (l_rc, x_r) in column[1..].iter_mut().zip(x[left + 1..].iter_mut()) {
                let updated = (*l_rc + sign * sn * *x_r) / cs;
                *l_rc = updated;
                *x_r = cs * *x_r - sn * updated;
            }
        }
        true
    }

    /// Solves `L Lᵀ x = b` in place.
    pub fn solve(&self, b: &mut [f64]) {
        let (k, s) = (self.k, self.stride);
        debug_assert_eq!(b.len(), k);
        self.count(2 * k * k);
        for i in 0..k {
            let column = &self.l[i * s + i..i * s + k];
            let x = b[i] / column[0];
            b[i] = x;
            if x != 0.0 {
                crate::kernels::sub_scaled(&mut b[i + 1..], x, &column[1..]);
            }
        }
        for i in (0..k).rev() {
            let column = &self.l[i * s + i..i * s + k];
            b[i] = (b[i] - crate::kernels::dot(&column[1..], &b[i + 1..])) / column[0];
        }
    }

    /// `out = L Lᵀ x` (the factored matrix times x), O(k²): `y = Lᵀx` by dots down the
    /// columns, then `out = L y` by axpys.
    pub fn product(&self, x: &[f64], out: &mut [f64]) {
        let (k, s) = (self.k, self.stride);
        debug_assert!(x.len() == k && out.len() == k);
        self.count(2 * k * k);
        out.iter_mut().for_each(|o| *o = 0.0);
        for c in 0..k {
            let column = &self.l[c * s + c..c * s + k];
            let y = crate::kernels::dot(column, &x[c..]);
            if y != 0.0 {
                crate::kernels::sub_scaled(&mut out[c..], -y, column);
            }
        }
    }

    /// A factor whose storage never grows past order `limit` (appends beyond it are refused).
    pub fn with_limit(limit: usize) -> Self {
        UpdatableCholesky { limit, ..Default::default() }
    }

    /// Grows the storage to hold order `k` (by half again, at most to the limit), keeping the
    /// columns.
    fn reserve(&mut self, k: usize) {
        if k <= self.stride {
            return;
        }
        let mut stride = k.max(self.stride + self.stride / 2).max(16);
        if self.limit > 0 {
            stride = stride.min(self.limit.max(k));
        }
        let mut l = vec![0.0; stride * stride];
        for c in 0..self.k {
            l[c * stride + c..c * stride + self.k]
                .copy_from_slice(&self.l[c * self.stride + c..c * self.stride + self.k]);
        }
        self.l = l;
        self.stride = stride;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random SPD matrix `AᵀA/m + 0.1 I` of order k (row-major), from a fixed LCG.
    fn spd(k: usize, seed: u64) -> Vec<f64> {
        let m = k + 3;
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let a: Vec<f64> = (0..m * k).map(|_| next()).collect();
        let mut h = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                h[i * k + j] = (0..m).map(|r| a[r * k + i] * a[r * k + j]).sum::<f64>() / m as f64;
            }
            h[i * k + i] += 0.1;
        }
        h
    }

    fn factor_of(h: &[f64], k: usize, members: &[usize]) -> UpdatableCholesky {
        let mut f = UpdatableCholesky::default();
        for (a, &i) in members.iter().enumerate() {
            let col: Vec<f64> = members[..a].iter().map(|&j| h[i * k + j]).collect();
            assert!(f.append(&col, h[i * k + i]));
        }
        f
    }

    /// Checks `H_MM x = b` for the factor's solve.
    fn assert_solves(f: &UpdatableCholesky, h: &[f64], k: usize, members: &[usize]) {
        let b: Vec<f64> = (0..members.len()).map(|a| (a as f64 * 0.7).sin() + 0.3).collect();
        let mut x = b.clone();
        f.solve(&mut x);
        for (a, &i) in members.iter().enumerate() {
            let hx: f64 = members.iter().zip(&x).map(|(&j, &xj)| h[i * k + j] * xj).sum();
            assert!((hx - b[a]).abs() < 1e-10, "row {a}: {hx} vs {}", b[a]);
        }
    }

    #[test]
    fn product_is_the_factored_matrix_times_x_after_removals() {
        let k = 7;
        let h = spd(k, 3);
        let members = [0, 2, 3, 5, 6];
        let mut f = factor_of(&h, k, &members);
        f.remove(1);
        let kept = [0, 3, 5, 6];
        let x: Vec<f64> = (0..kept.len()).map(|a| (a as f64 * 1.3).cos()).collect();
        let mut out = vec![0.0; kept.len()];
        f.product(&x, &mut out);
        for (a, &i) in kept.iter().enumerate() {
            let hx: f64 = kept.iter().zip(&x).map(|(&j, &xj)| h[i * k + j] * xj).sum();
            assert!((hx - out[a]).abs() < 1e-12, "row {a}: {hx} vs {}", out[a]);
        }
    }

    #[test]
    fn appended_factor_solves_the_system() {
        let k = 40;
        let h = spd(k, 7);
        let members: Vec<usize> = (0..k).collect();
        let f = factor_of(&h, k, &members);
        assert_solves(&f, &h, k, &members);
    }

    #[test]
    fn removals_and_appends_match_the_submatrix() {
        let k = 60;
        let h = spd(k, 11);
        let mut members: Vec<usize> = (0..30).collect();
        let mut f = factor_of(&h, k, &members);
        // remove from the front, middle and end, append new ones, in a fixed interleaving
        for step in 0..40 {
            if step % 3 == 2 {
                let next = (30 + step) % k;
                if !members.contains(&next) {
                    let col: Vec<f64> = members.iter().map(|&j| h[next * k + j]).collect();
                    assert!(f.append(&col, h[next * k + next]));
                    members.push(next);
                }
            } else {
                let pos = (step * 7) % members.len();
                f.remove(pos);
                members.remove(pos);
            }
            assert_eq!(f.len(), members.len());
            assert_solves(&f, &h, k, &members);
        }
    }

    #[test]
    fn diagonal_updates_match_the_changed_matrix() {
        let k = 50;
        let mut h = spd(k, 19);
        let members: Vec<usize> = (0..k).collect();
        let mut f = factor_of(&h, k, &members);
        // up- and downdates at the front, middle and end, each checked against H' itself
        for (step, &(i, delta)) in
            [(0, 0.4), (25, -0.05), (49, 0.7), (10, -0.08), (25, 0.05), (48, -0.02)].iter().enumerate()
        {
            assert!(f.update_diagonal(i, delta), "step {step}");
            h[i * k + i] += delta;
            assert_solves(&f, &h, k, &members);
            let x: Vec<f64> = (0..k).map(|a| (a as f64 * 0.9).sin()).collect();
            let mut out = vec![0.0; k];
            f.product(&x, &mut out);
            for a in 0..k {
                let hx: f64 = (0..k).map(|b| h[a * k + b] * x[b]).sum();
                assert!((hx - out[a]).abs() < 1e-12, "step {step}, row {a}: {hx} vs {}", out[a]);
            }
        }
    }

    #[test]
    fn indefinite_downdate_is_refused_and_changes_nothing() {
        // H = [[1, 0.9], [0.9, 1]]: its Schur complement of entry 1 is 0.19, so −0.19 or more
        // makes H singular or indefinite, −0.1 does not
        let mut f = UpdatableCholesky::default();
        assert!(f.append(&[], 1.0));
        assert!(f.append(&[0.9], 1.0));
        for delta in [-0.19, -0.5, f64::NAN, f64::NEG_INFINITY] {
            assert!(!f.update_diagonal(1, delta), "{delta}");
            let mut x = [1.0, 1.0];
            f.solve(&mut x);
            // H⁻¹(1, 1) = (1/1.9)(1, 1)
            assert!((x[0] - 1.0 / 1.9).abs() < 1e-14 && (x[1] - 1.0 / 1.9).abs() < 1e-14, "{delta}: {x:?}");
        }
        assert!(f.update_diagonal(1, -0.1));
        let mut x = [1.0, 1.0];
        f.solve(&mut x);
        // [[1, 0.9], [0.9, 0.9]]⁻¹(1, 1) = (0, 1/0.9)
        assert!(x[0].abs() < 1e-13 && (x[1] - 1.0 / 0.9).abs() < 1e-13, "{x:?}");
    }

    #[test]
    fn appends_beyond_the_limit_are_refused() {
        let h = spd(5, 3);
        let mut f = UpdatableCholesky::with_limit(3);
        for i in 0..5 {
            let col: Vec<f64> = (0..f.len()).map(|j| h[i * 5 + j]).collect();
            assert_eq!(f.append(&col, h[i * 5 + i]), i < 3);
        }
        assert_eq!(f.len(), 3);
        assert_solves(&f, &h, 5, &[0, 1, 2]);
    }

    #[test]
    fn collinear_column_is_refused() {
        // H = [[1, 1], [1, 1]] is singular: the second append must fail and change nothing
        let mut f = UpdatableCholesky::default();
        assert!(f.append(&[], 1.0));
        assert!(!f.append(&[1.0], 1.0));
        assert_eq!(f.len(), 1);
        assert!(!f.append(&[0.0], 0.0));
        let mut x = [2.0];
        f.solve(&mut x);
        assert!((x[0] - 2.0).abs() < 1e-15);
    }
}
