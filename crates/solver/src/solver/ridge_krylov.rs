//! Ridge paths from one Krylov space for every alpha (shifted Lanczos, Galerkin solutions).
//!
//! With penalty weights w_j > 0 on the penalized live columns P, unpenalized columns U
//! (covariates, zero weights) fitted exactly, and `Π = I − X̃_U G_UU⁻¹ X̃_Uᵀ/n` the projection
//! that removes them, the ridge optimum at `λ = α·l2` solves, in `t_P = D z` with
//! `D = diag(w_j^{-1/2})`,
//!
//! ```text
//! (A + λI) z = b,   A = D X̃_Pᵀ Π X̃_P D / n,   b = D X̃_Pᵀ r₀ / n,
//! ```
//!
//! r₀ = Πỹ the residual of the unpenalized fit alone. A does not depend on λ, and shifted
//! systems share their Krylov spaces: `K_m(A + λI, b) = K_m(A, b)`. Lanczos with full
//! reorthogonalization (two Gram–Schmidt passes) builds an orthonormal basis
//! `Q_m = [q_0 … q_{m−1}]`, `q_0 = b/‖b‖`, with `A Q_m = Q_{m+1} H` (H upper Hessenberg,
//! (m+1) × m, its top m × m block `T = Q_mᵀ A Q_m` symmetric), and each alpha takes the Galerkin
//! solution in that space (conjugate gradients' iterate for its own shift):
//!
//! ```text
//! (T + λI) y = ‖b‖ e₀,   z = Q_m y,   t_P = D z,
//! r = r₀ − V y        (v_k = Π X̃_P D q_k, kept from the step that made q_k),
//! c_P = x̃ᵀr/n = D⁻¹ (b − Q_{m+1} H y),   t_U = t_U⁰ − Σ_k y_k s_k   (s_k = G_UU⁻¹ X̃_Uᵀ X̃_P D q_k / n).
//! ```
//!
//! One Lanczos step reads X twice (`X̃_P D q_k`, then `X̃_Pᵀ v_k`); an alpha reads X not at all:
//! its coefficients, residual and gradients are combinations of kept vectors, each an exact
//! product up to rounding, and the solver's usual duality gap certifies the point. The space
//! grows while an alpha's gap is above the tolerance, so the smallest alpha reached (early
//! stopping ends paths early) sets its dimension: about `√κ·log(1/tol)/2` steps for the
//! condition number `κ = (λ_max(A) + λ)/(λ_min(A) + λ)`, against several coordinate-descent
//! epochs (two reads of X each) per alpha.
//!
//! The space is limited to [`MAX_STEPS`] vectors and [`MAX_BYTES`] of storage; an alpha it
//! cannot certify continues from its Galerkin point by the n × n kernel where that applies
//! (p > n, n ≤ `MAX_KERNEL_SAMPLES`) or by coordinate descent, and so do the alphas after it.
//! The kernel was the first method for p > n; the space replaced it because a kernel costs
//! n²·p flops to build and n³/3 per alpha to factor, where a well-conditioned p ≫ n problem
//! needs a few dozen Lanczos steps for the whole path.

use rayon::prelude::*;

use super::PathSolver;
use crate::cholesky::UpdatableCholesky;
use crate::design::Design;
use crate::kernels;
use crate::newton::GramCache;
use crate::penalty::Penalty;

/// Largest dimension of the Krylov space.
const MAX_STEPS: usize = 600;
/// Largest storage of the kept vectors (q_k, v_k and s_k).
const MAX_BYTES: usize = 1 << 30;
/// Column blocks of `X̃_P D q` (a fixed number, so the sum never depends on the thread count).
const COMBINE_BLOCKS: usize = 8;
/// A Lanczos vector whose norm after orthogonalization is below this share of `‖A q_k‖`
/// ends the space: it is invariant (up to rounding), and its Galerkin solutions are exact.
const BREAKDOWN: f64 = 1e-12;

/// The kept Krylov space of a ridge path (see the module docs).
#[derive(Default)]
pub(super) struct RidgeKrylov {
    /// Whether the space was set up (or found not to apply) for this path.
    started: bool,
    /// Whether the alphas of this path use it (off once it reached its limit).
    pub(super) enabled: bool,
    /// P, with `d_j = w_j^{-1/2}` and `c⁰_j = x̃_jᵀr₀/n`, in P's order.
    penalized: Vec<usize>,
    in_penalized: Vec<bool>,
    scale: Vec<f64>,
    c0: Vec<f64>,
    /// U, the factor of `G_UU`, and the unpenalized fit `t_U⁰`.
    unpenalized: Vec<usize>,
    unpenalized_factor: UpdatableCholesky,
    t_u0: Vec<f64>,
    b_norm: f64,
    /// `q_0 … q_m` (|P| each), `v_0 … v_{m−1}` (n each), `s_0 … s_{m−1}` (|U| each).
    basis: Vec<f64>,
    images: Vec<f64>,
    unpenalized_coefs: Vec<f64>,
    /// Column k of H: `h_{0..=k+1, k}` (the last entry `‖w‖` is 0 after a breakdown).
    hessenberg: Vec<Vec<f64>>,
    steps: usize,
    /// The space is invariant: no further step.
    exhausted: bool,
    max_steps: usize,
    /// Scratch: a p-vector of gradients, the Galerkin coefficients, `H y`, |P|-vectors.
    gradient: Vec<f64>,
    coefs: Vec<f64>,
    h_coefs: Vec<f64>,
    work: Vec<f64>,
    /// Lanczos steps taken so far (tests and counters).
    pub(super) total_steps: usize,
}

impl<D: Design, P: Penalty> PathSolver<'_, D, P> {
    /// Solves the current alpha of a ridge path in the Krylov space (growing it as needed)
    /// and leaves t, r and the exact gradients of P at its Galerkin point. Returns whether the
    /// point's certificate is at most `tol` (false also when the method does not apply: not a
    /// ridge, second-order methods off, or the space at its limit).
    pub(super) fn ridge_krylov_solve(&mut self, alpha: f64, tol: f64) -> bool {
        let ridge_like = self.penalty.l1_weight() == 0.0 && self.penalty.l2_weight() > 0.0;
        if !ridge_like || !self.newton.enabled || alpha <= 0.0 {
            return false;
        }
        if !self.krylov.started {
            self.krylov.started = true;
            self.start_krylov();
        }
        if !self.krylov.enabled {
            return false;
        }
        let lambda = alpha * self.penalty.l2_weight();
        loop {
            if self.krylov.steps > 0 {
                if !self.krylov_point(lambda) {
                    self.krylov.enabled = false;
                    return false;
                }
                if self.certify(alpha).value <= tol {
                    return true;
                }
                if self.krylov.exhausted {
                    return false;
                }
            }
            if self.krylov.steps >= self.krylov.max_steps {
                // coordinate descent from here on, warm-started from this Galerkin point
                self.krylov.enabled = false;
                return false;
            }
            self.lanczos_step();
        }
    }

    /// Sets up P, U (with the factor of `G_UU` and `t_U⁰`), `c⁰` and `q_0 = b/‖b‖` (one read of
    /// X), or leaves the method off when b = 0 or U's Gram matrix is singular.
    fn start_krylov(&mut self) {
        let weights = &self.problem.weights;
        let live = &self.problem.live;
        let kr = &mut self.krylov;
        kr.penalized = live.iter().copied().filter(|&j| weights[j] > 0.0).collect();
        kr.unpenalized = live.iter().copied().filter(|&j| weights[j] == 0.0).collect();
        if kr.penalized.is_empty() {
            return;
        }
        let p = self.problem.design.n_features();
        let n = self.problem.n;
        kr.in_penalized = vec![false; p];
        for &j in &kr.penalized {
            kr.in_penalized[j] = true;
        }
        kr.scale = kr.penalized.iter().map(|&j| 1.0 / weights[j].sqrt()).collect();
        kr.unpenalized_factor = UpdatableCholesky::with_limit(kr.unpenalized.len());
        if !kr.unpenalized.is_empty() {
            let mut gram = GramCache::new(p);
            gram.ensure(self.problem.design, &kr.unpenalized);
            for (a, &j) in kr.unpenalized.iter().enumerate() {
                let row: Vec<f64> = kr.unpenalized[..a].iter().map(|&m| gram.get(m, j)).collect();
                if !kr.unpenalized_factor.append(&row, gram.get(j, j)) {
                    return;
                }
            }
            let start = &self.start.coefs;
            kr.t_u0 =
                kr.unpenalized.iter().map(|&j| start.iter().find(|&&(m, _)| m == j).map_or(0.0, |&(_, t)| t)).collect();
        }
        kr.gradient = vec![0.0; p];
        // c⁰ = X̃_Pᵀr₀/n: the exact gradients already known when the residual is still r₀ (the
        // first alpha of a path, after the solver's first full pass), otherwise one pass
        if self.r == self.start.residual && kr.penalized.iter().all(|&j| self.grad.is_exact(j)) {
            kr.c0 = kr.penalized.iter().map(|&j| self.grad.c_now[j]).collect();
        } else {
            let in_penalized = &kr.in_penalized;
            let read = self.problem.design.scaled_gradient(&self.start.residual, &mut kr.gradient, |j| in_penalized[j]);
            self.counts.columns_scanned += read as u64;
            kr.c0 = kr.penalized.iter().map(|&j| kr.gradient[j]).collect();
        }
        let b: Vec<f64> = kr.c0.iter().zip(&kr.scale).map(|(&c, &d)| c * d).collect();
        kr.b_norm = kernels::sq_norm(&b).sqrt();
        if !(kr.b_norm > 0.0 && kr.b_norm.is_finite()) {
            return;
        }
        let per_step = 8 * (kr.penalized.len() + n + kr.unpenalized.len());
        kr.max_steps = MAX_STEPS.min(kr.penalized.len()).min(MAX_BYTES / per_step.max(1)).max(1);
        kr.basis.clear();
        kr.basis.extend(b.iter().map(|&v| v / kr.b_norm));
        kr.images.clear();
        kr.unpenalized_coefs.clear();
        kr.hessenberg.clear();
        kr.steps = 0;
        kr.exhausted = false;
        kr.enabled = true;
    }

    /// One Lanczos step: `v_k = Π X̃_P D q_k` (kept), `w = D X̃_Pᵀ v_k/n = A q_k`, w
    /// orthogonalized twice against `q_0 … q_k` (the coefficients summed into column k of H),
    /// and `q_{k+1} = w/‖w‖` unless ‖w‖ is below [`BREAKDOWN`]·‖A q_k‖.
    fn lanczos_step(&mut self) {
        let n = self.problem.n;
        let design = self.problem.design;
        let kr = &mut self.krylov;
        let m = kr.penalized.len();
        let k = kr.steps;
        // v = X̃_P D q_k, by fixed column blocks summed in order
        let q_k = &kr.basis[k * m..(k + 1) * m];
        let block = m.div_ceil(COMBINE_BLOCKS).max(1);
        let partial: Vec<Vec<f64>> = kr
            .penalized
            .par_chunks(block)
            .zip(q_k.par_chunks(block))
            .zip(kr.scale.par_chunks(block))
            .map(|((js, qs), ds)| {
                let mut v = vec![0.0; n];
                for ((&j, &q), &d) in js.iter().zip(qs).zip(ds) {
                    let a = q * d;
                    if a != 0.0 {
                        design.axpy(j, a, &mut v);
                    }
                }
                v
            })
            .collect();
        let mut v = vec![0.0; n];
        for part in &partial {
            v.iter_mut().zip(part).for_each(|(a, &b)| *a += b);
        }
        // Π: v ← v − X̃_U s, s = G_UU⁻¹ X̃_Uᵀ v/n
        let inv_n = 1.0 / n as f64;
        if !kr.unpenalized.is_empty() {
            let mut s: Vec<f64> = kr.unpenalized.iter().map(|&j| design.dot(j, &v) * inv_n).collect();
            kr.unpenalized_factor.solve(&mut s);
            for (&j, &sj) in kr.unpenalized.iter().zip(&s) {
                design.axpy(j, -sj, &mut v);
            }
            kr.unpenalized_coefs.extend_from_slice(&s);
        }
        // w = D X̃_Pᵀ v / n
        let in_penalized = &kr.in_penalized;
        let read = design.scaled_gradient(&v, &mut kr.gradient, |j| in_penalized[j]);
        self.counts.columns_scanned += read as u64;
        self.counts.kernel_flops += 2 * (n * m) as u64;
        kr.images.extend_from_slice(&v);
        let mut w: Vec<f64> = kr.penalized.iter().zip(&kr.scale).map(|(&j, &d)| kr.gradient[j] * d).collect();
        let norm_before = kernels::sq_norm(&w).sqrt();
        let mut h = vec![0.0; k + 2];
        for _ in 0..2 {
            for (i, hi) in h.iter_mut().enumerate().take(k + 1) {
                let q_i = &kr.basis[i * m..(i + 1) * m];
                let c = kernels::dot(q_i, &w);
                kernels::sub_scaled(&mut w, c, q_i);
                *hi += c;
            }
        }
        let norm = kernels::sq_norm(&w).sqrt();
        kr.steps += 1;
        kr.total_steps += 1;
        if norm <= BREAKDOWN * norm_before || !norm.is_finite() {
            kr.exhausted = true;
        } else {
            h[k + 1] = norm;
            kr.basis.extend(w.iter().map(|&x| x / norm));
        }
        kr.hessenberg.push(h);
    }

    /// The Galerkin point of the current space at shift λ (module docs): sets t on P and U, r,
    /// and the exact gradients of P. Returns false if `T + λI` is not numerically positive
    /// definite.
    fn krylov_point(&mut self, lambda: f64) -> bool {
        let n = self.problem.n;
        let kr = &mut self.krylov;
        let (m, steps) = (kr.penalized.len(), kr.steps);
        // (T + λI) y = ‖b‖ e₀, T the symmetric part of H's top block
        let mut factor = UpdatableCholesky::with_limit(steps);
        let entry = |i: usize, j: usize| -> f64 {
            let hij = if i <= j + 1 { kr.hessenberg[j][i] } else { 0.0 };
            let hji = if j <= i + 1 { kr.hessenberg[i][j] } else { 0.0 };
            0.5 * (hij + hji)
        };
        for a in 0..steps {
            let row: Vec<f64> = (0..a).map(|b| entry(a, b)).collect();
            if !factor.append(&row, entry(a, a) + lambda) {
                return false;
            }
        }
        kr.coefs.clear();
        kr.coefs.resize(steps, 0.0);
        kr.coefs[0] = kr.b_norm;
        factor.solve(&mut kr.coefs);
        // H y, (steps + 1) entries (the last 0 after a breakdown)
        kr.h_coefs.clear();
        kr.h_coefs.resize(steps + 1, 0.0);
        for (column, &y) in kr.hessenberg.iter().zip(&kr.coefs) {
            for (o, &h) in kr.h_coefs.iter_mut().zip(column) {
                *o += h * y;
            }
        }
        // z = Q_m y (into work), then t_P = D z
        kr.work.clear();
        kr.work.resize(m, 0.0);
        for (k, &y) in kr.coefs.iter().enumerate() {
            kernels::sub_scaled(&mut kr.work, -y, &kr.basis[k * m..(k + 1) * m]);
        }
        for ((&j, &d), &z) in kr.penalized.iter().zip(&kr.scale).zip(&kr.work) {
            self.t[j] = d * z;
        }
        // r = r₀ − V y
        self.r.copy_from_slice(&self.start.residual);
        for (k, &y) in kr.coefs.iter().enumerate() {
            kernels::sub_scaled(&mut self.r, y, &kr.images[k * n..(k + 1) * n]);
        }
        // t_U = t_U⁰ − Σ_k y_k s_k
        let u = kr.unpenalized.len();
        for (a, &j) in kr.unpenalized.iter().enumerate() {
            let shift: f64 = kr.coefs.iter().enumerate().map(|(k, &y)| y * kr.unpenalized_coefs[k * u + a]).sum();
            self.t[j] = kr.t_u0[a] - shift;
        }
        self.residual_dirty = false;
        self.grad.invalidate();
        // c_P = D⁻¹(b − Q_{m+1} H y) = c⁰ − D⁻¹ (Q_{m+1} H y)
        kr.work.iter_mut().for_each(|v| *v = 0.0);
        let kept = kr.basis.len() / m;
        for (k, &hy) in kr.h_coefs.iter().enumerate().take(kept) {
            kernels::sub_scaled(&mut kr.work, -hy, &kr.basis[k * m..(k + 1) * m]);
        }
        for (((&j, &d), &c0), &az) in kr.penalized.iter().zip(&kr.scale).zip(&kr.c0).zip(&kr.work) {
            self.grad.set_exact(j, c0 - az / d);
        }
        self.counts.newton_steps += 1;
        // every penalized and unpenalized live column is in S (ridge: none is zero)
        let ws = &mut self.ws;
        let mut added = false;
        for &j in kr.penalized.iter().chain(&kr.unpenalized) {
            if !ws.in_set[j] {
                ws.in_set[j] = true;
                ws.features.push(j);
                added = true;
            }
        }
        if added {
            ws.features.sort_unstable();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;
    use crate::design::DenseDesign;
    use crate::penalty::Ridge;
    use crate::solve_options::SolveOptions;

    /// n × p columns with a shared factor per block of 8 (correlation ≈ 0.9) and scales from
    /// 0.01 to 100, from a fixed LCG; y depends on a few columns plus noise.
    fn correlated_problem(n: usize, p: usize) -> (Array2<f64>, Vec<f64>) {
        let mut state = 2026u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let blocks = p.div_ceil(8);
        let factors: Vec<f64> = (0..n * blocks).map(|_| next()).collect();
        let noise: Vec<f64> = (0..n * p).map(|_| next()).collect();
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| {
            let scale = 10f64.powi((j % 5) as i32 - 2);
            scale * (3.0 * factors[i * blocks + j / 8] + noise[j * n + i])
        });
        let y = (0..n).map(|i| x[[i, 0]] + 0.05 * x[[i, 9]] - 100.0 * x[[i, p - 3]] + 2.0 * next()).collect();
        (x, y)
    }

    /// One alpha of a ridge path: alpha, objective, certificate, epochs, coefficients.
    type RidgePoint = (f64, f64, f64, usize, Vec<(usize, f64)>);

    /// Fits 30 ridge alphas down to 1e-4 of alpha_max; returns the points, the null
    /// objective and the Lanczos steps taken.
    fn ridge_path(design: &DenseDesign, y: &[f64], weights: &[f64], newton: bool) -> (Vec<RidgePoint>, f64, usize) {
        let options = SolveOptions {
            newton,
            tol: 1e-11,
            max_epochs: 1_000_000,
            penalty_factor: Some(weights.to_vec()),
            ..SolveOptions::default()
        };
        let mut solver = PathSolver::new(design, y, Ridge, &options).unwrap();
        let alpha_max = solver.alpha_max();
        let mut previous = alpha_max;
        let mut points = Vec::new();
        for k in 0..30 {
            let alpha = alpha_max * 1e-4f64.powf(k as f64 / 29.0);
            let point = solver.fit_alpha(k, alpha, previous);
            assert!(point.converged, "alpha {k} did not converge (newton {newton})");
            points.push((alpha, point.objective, point.certificate, point.epochs, point.coefs.to_vec()));
            previous = alpha;
        }
        (points, solver.null_objective(), solver.krylov.total_steps)
    }

    /// With unpenalized columns, unequal penalty factors and columns on scales 10⁻²…10²,
    /// every alpha of the Krylov path is certified without a coordinate-descent epoch, and
    /// its objectives equal those of coordinate descent alone (second-order methods off) at
    /// the same tight tolerance. Its penalized coefficients are within what the two
    /// certificates allow: a gap ε bounds `‖t − t*‖ ≤ √(2ε/(α·w_min))` (the objective is
    /// α·w_min-strongly convex in the penalized working-scale coefficients t = β·s).
    #[test]
    fn krylov_ridge_paths_match_coordinate_descent() {
        let (x, y) = correlated_problem(300, 60);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let weights: Vec<f64> = (0..60).map(|j| if j < 2 { 0.0 } else { 0.25 + 0.5 * (j % 4) as f64 }).collect();
        let (krylov, null_objective, steps) = ridge_path(&design, &y, &weights, true);
        let (descent, _, none) = ridge_path(&design, &y, &weights, false);
        assert!(steps > 0 && none == 0, "Lanczos steps: {steps} with Newton on, {none} off");
        assert!(steps <= 60, "{steps} Lanczos steps for 60 columns");
        let scale = &design.stats().scale;
        for (k, (a, b)) in krylov.iter().zip(&descent).enumerate() {
            let alpha = a.0;
            assert!(a.2 <= 1e-11 && b.2 <= 1e-11, "alpha {k}: certificates {} and {}", a.2, b.2);
            assert_eq!(a.3, 0, "alpha {k}: {} coordinate-descent epochs after the Krylov solve", a.3);
            assert!((a.1 - b.1).abs() <= 1e-9 * b.1, "alpha {k}: objective {} against {}", a.1, b.1);
            assert_eq!(a.4.len(), b.4.len(), "alpha {k}: supports differ");
            let radius = |gap: f64| (2.0 * gap * null_objective / (alpha * 0.25)).sqrt();
            let allowed = 1.01 * (radius(a.2) + radius(b.2)) + 1e-12;
            for (&(j, u), &(i, v)) in a.4.iter().zip(&b.4) {
                assert_eq!(j, i);
                if weights[j] > 0.0 {
                    let gap = ((u - v) * scale[j]).abs();
                    assert!(gap <= allowed, "alpha {k}, beta_{j}: {u} against {v} ({gap} > {allowed})");
                }
            }
        }
    }

    /// A Krylov space grown until it is invariant (at most as many steps as columns) gives the
    /// exact solution: the unweighted normal equations `(X̃ᵀX̃/n + αI) t = X̃ᵀỹ/n`, solved
    /// here by dense Cholesky, to 1e-9 relative.
    #[test]
    fn an_exhausted_krylov_space_gives_the_exact_ridge_solution() {
        let (x, y) = correlated_problem(200, 12);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let options = SolveOptions { tol: 1e-14, ..SolveOptions::default() };
        let mut solver = PathSolver::new(&design, &y, Ridge, &options).unwrap();
        let alpha = 1e-3 * solver.alpha_max();
        // tolerance 0: the space grows until it is invariant
        assert!(!solver.ridge_krylov_solve(alpha, 0.0));
        assert!(solver.krylov.exhausted, "not exhausted after {} steps", solver.krylov.steps);
        assert!(solver.krylov.steps <= 12);
        let n = 200;
        let columns: Vec<Vec<f64>> = (0..12)
            .map(|j| {
                let mut c = vec![0.0; n];
                design.axpy(j, 1.0, &mut c);
                c
            })
            .collect();
        let y_mean = y.iter().sum::<f64>() / n as f64;
        let mut factor = UpdatableCholesky::default();
        let mut rhs = Vec::new();
        for a in 0..12 {
            let row: Vec<f64> = (0..a).map(|b| kernels::dot(&columns[a], &columns[b]) / n as f64).collect();
            assert!(factor.append(&row, kernels::dot(&columns[a], &columns[a]) / n as f64 + alpha));
            rhs.push(columns[a].iter().zip(&y).map(|(&c, &v)| c * (v - y_mean)).sum::<f64>() / n as f64);
        }
        factor.solve(&mut rhs);
        for (j, &want) in rhs.iter().enumerate() {
            let got = solver.t[j];
            assert!((got - want).abs() <= 1e-9 * want.abs().max(1e-6), "t_{j}: {got} against {want}");
        }
    }
}
