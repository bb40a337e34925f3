//! Anderson extrapolation of coordinate-descent iterates (as in skglm; Bertrand & Massias,
//! "Anderson acceleration of coordinate descent", AISTATS 2021).
//!
//! From K+1 successive iterates `t_0..t_K` of one fixed working set, with differences
//! `U = [t_1 − t_0, …, t_K − t_{K−1}]`, the extrapolated point is
//!
//! ```text
//! t_acc = Σ_{k=1..K} c_k t_k,    c = z / (1ᵀz),    (UᵀU) z = 1.
//! ```
//!
//! The residual is affine in t, so with `Σ c_k = 1` the residual of `t_acc` is the same
//! combination of the stored residuals: `r_acc = Σ c_k r_k` (no pass over X). The caller keeps
//! `t_acc` only if it lowers the objective.

/// Iterates kept for one extrapolation: K = 5, as in skglm.
pub const ANDERSON_K: usize = 5;

/// The last K+1 iterates (coefficients on the working set, and residuals).
#[derive(Debug, Default)]
pub struct AndersonMemory {
    coefs: Vec<f64>,
    residuals: Vec<f64>,
    len: usize,
    stored: usize,
    n: usize,
}

impl AndersonMemory {
    /// Forgets stored iterates; the next ones have `len` coefficients and `n` residual entries.
    pub fn reset(&mut self, len: usize, n: usize) {
        self.len = len;
        self.n = n;
        self.stored = 0;
        self.coefs.resize((ANDERSON_K + 1) * len, 0.0);
        self.residuals.resize((ANDERSON_K + 1) * n, 0.0);
    }

    /// Stores one iterate; returns true when K+1 are stored.
    pub fn push(&mut self, coefs: impl Iterator<Item = f64>, residual: &[f64]) -> bool {
        let k = self.stored;
        let (len, n) = (self.len, self.n);
        for (slot, c) in self.coefs[k * len..(k + 1) * len].iter_mut().zip(coefs) {
            *slot = c;
        }
        self.residuals[k * n..(k + 1) * n].copy_from_slice(residual);
        self.stored += 1;
        self.stored == ANDERSON_K + 1
    }

    /// Computes the extrapolation into `coefs_out` (length `len`) and `residual_out`, and
    /// forgets the stored iterates. Returns false (outputs untouched) if `UᵀU` is singular.
    pub fn extrapolate(&mut self, coefs_out: &mut [f64], residual_out: &mut [f64]) -> bool {
        debug_assert_eq!(self.stored, ANDERSON_K + 1);
        self.stored = 0;
        let len = self.len;
        let k = ANDERSON_K;
        let t = |i: usize| &self.coefs[i * len..(i + 1) * len];
        let mut gram = [[0.0f64; ANDERSON_K]; ANDERSON_K];
        for a in 0..k {
            for b in a..k {
                let (ta0, ta1, tb0, tb1) = (t(a), t(a + 1), t(b), t(b + 1));
                let mut s = 0.0;
                for i in 0..len {
                    s += (ta1[i] - ta0[i]) * (tb1[i] - tb0[i]);
                }
                gram[a][b] = s;
                gram[b][a] = s;
            }
        }
        let Some(z) = solve_spd_ones(gram) else { return false };
        let total: f64 = z.iter().sum();
        if !(total.is_finite() && total.abs() > 0.0) {
            return false;
        }
        let c: Vec<f64> = z.iter().map(|v| v / total).collect();
        for (i, out) in coefs_out.iter_mut().enumerate() {
            *out = (0..k).map(|m| c[m] * self.coefs[(m + 1) * len + i]).sum();
        }
        let n = self.n;
        residual_out.iter_mut().for_each(|r| *r = 0.0);
        for m in 0..k {
            let rm = &self.residuals[(m + 1) * n..(m + 2) * n];
            for (o, &v) in residual_out.iter_mut().zip(rm) {
                *o += c[m] * v;
            }
        }
        true
    }
}

/// Solves `G z = 1` by Gaussian elimination with partial pivoting; `None` if G is
/// numerically singular.
fn solve_spd_ones(mut g: [[f64; ANDERSON_K]; ANDERSON_K]) -> Option<[f64; ANDERSON_K]> {
    let k = ANDERSON_K;
    let scale = (0..k).map(|i| g[i][i].abs()).fold(0.0, f64::max);
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    let mut rhs = [1.0f64; ANDERSON_K];
    for col in 0..k {
        let piv = (col..k).max_by(|&a, &b| g[a][col].abs().total_cmp(&g[b][col].abs()))?;
        if g[piv][col].abs() <= 1e-14 * scale {
            return None;
        }
        g.swap(col, piv);
        rhs.swap(col, piv);
        for row in col + 1..k {
            let f = g[row][col] / g[col][col];
            for c in col..k {
                g[row][c] -= f * g[col][c];
            }
            rhs[row] -= f * rhs[col];
        }
    }
    let mut z = [0.0f64; ANDERSON_K];
    for row in (0..k).rev() {
        let s: f64 = (row + 1..k).map(|c| g[row][c] * z[c]).sum();
        z[row] = (rhs[row] - s) / g[row][row];
    }
    Some(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a slowly contracting linear iteration t ← M t + b, the extrapolated point is much
    /// closer to the fixed point than the last iterate, and its residual is the same
    /// combination.
    #[test]
    fn extrapolation_accelerates_linear_fixed_points() {
        let d = 12;
        // M = diagonal contraction with rates between 0.5 and 0.99; fixed point t* = b/(1 − m).
        let rates: Vec<f64> = (0..d).map(|i| 0.5 + 0.4 * i as f64 / (d - 1) as f64).collect();
        let b: Vec<f64> = (0..d).map(|i| 1.0 + i as f64).collect();
        let fix: Vec<f64> = (0..d).map(|i| b[i] / (1.0 - rates[i])).collect();
        let mut mem = AndersonMemory::default();
        mem.reset(d, 1);
        let mut t = vec![0.0; d];
        let mut last = t.clone();
        loop {
            let full = mem.push(t.iter().copied(), &[t.iter().sum::<f64>()]);
            last.clone_from(&t);
            if full {
                break;
            }
            t = (0..d).map(|i| rates[i] * t[i] + b[i]).collect();
        }
        let mut out = vec![0.0; d];
        let mut res = [0.0; 1];
        assert!(mem.extrapolate(&mut out, &mut res));
        let err = |v: &[f64]| v.iter().zip(&fix).map(|(a, f)| (a - f).powi(2)).sum::<f64>().sqrt();
        assert!(err(&out) < 0.5 * err(&last), "{} vs {}", err(&out), err(&last));
        assert!((res[0] - out.iter().sum::<f64>()).abs() < 1e-9 * res[0].abs());
    }

    #[test]
    fn singular_gram_is_refused() {
        let mut mem = AndersonMemory::default();
        mem.reset(3, 2);
        let mut full = false;
        while !full {
            full = mem.push([1.0, 2.0, 3.0].into_iter(), &[0.0, 0.0]);
        }
        let mut out = [9.0; 3];
        let mut res = [9.0; 2];
        assert!(!mem.extrapolate(&mut out, &mut res));
        assert_eq!(out, [9.0; 3]);
    }
}
