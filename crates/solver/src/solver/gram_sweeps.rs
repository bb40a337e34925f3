//! Coordinate descent on the working set in Gram space (glmnet's "covariance updates").
//!
//! A sweep over S reads two columns of X per coordinate it moves (a dot product and an axpy
//! over the n samples). With the Gram entries `G_ab = x̃_aᵀx̃_b/n` of a part C of S cached (the
//! active-set Newton solver keeps those of the support, [`crate::newton::GramCache`]), the
//! gradients on C follow the coefficients without touching X:
//!
//! ```text
//! c_a = x̃_aᵀr/n,   z_j = v_j t_j + c_j,   t_j ← threshold(z_j),   c_C ← c_C − (t_j,new − t_j)·G_Cj,
//! ```
//!
//! |C| flops per moved coordinate instead of 2n column entries: block coordinate descent on C
//! with the rest of S held. The residual is not kept during Gram sweeps; it is recomputed from
//! t (and the gradients on S from X, exactly) at every certificate check, so a certificate
//! never rests on Gram-space values. A held feature whose exact gradient says it would move
//! gets one column sweep over S at that check. Anderson extrapolation works on `(t_C, c_C)`
//! (c is affine in t, as r is) and compares objectives through
//! `‖r‖²/(2n) = const − ½ t_Cᵀ(b_C + c_C)` with `b_C = c_C + G_CC t_C` (taken once per entry;
//! the held coefficients only shift the constant).
//!
//! Gram sweeps run when `|S| ≤ n/8` (a Gram-space epoch costs at most |C|² against 2n·|S| for a
//! column epoch) and C holds at least half of S. They compute no Gram entry themselves: C is
//! what the Newton solver cached (its support), so they add no cost where Newton does not
//! pay. (Caching the rest of S first, or the support whenever it grew by at most |S|/8, was
//! measured slower: docs/performance.md.)

use super::PathSolver;
use crate::design::Design;
use crate::kernels;
use crate::newton::MAX_NEWTON_SUPPORT;
use crate::penalty::Penalty;

/// Working-set size, relative to n, up to which Gram sweeps are used: `8·|S| ≤ n`.
const MAX_SET_SHARE: usize = 8;

/// Gram-space state of the working set while Gram sweeps run.
#[derive(Debug, Default)]
pub(super) struct GramSweeps {
    /// Whether the current sweeps run in Gram space.
    pub(super) active: bool,
    /// C: the features of S with cached Gram entries, in S's order.
    features: Vec<usize>,
    /// The other features of S, held during Gram sweeps.
    held: Vec<usize>,
    /// Cache position of each feature of C.
    slots: Vec<usize>,
    /// `G_CC`, row-major in C's order (|C|² entries copied from the cache at entry, so that
    /// a coordinate's update is one contiguous `c_C −= δ·G_Cj`).
    dense: Vec<f64>,
    /// `c_C`, followed through the Gram entries.
    c: Vec<f64>,
    /// `b_C = c_C + G_CC t_C` at entry (the held coefficients fixed, constant).
    b: Vec<f64>,
    /// Gram-space sweeps run so far (tests).
    #[cfg(test)]
    pub(super) sweeps: u64,
    /// Extrapolated coefficients and gradients (scratch).
    t_acc: Vec<f64>,
    c_acc: Vec<f64>,
}

impl<D: Design, P: Penalty> PathSolver<'_, D, P> {
    /// Whether sweeps on S may run in Gram space: Newton's Gram cache is on, `8·|S| ≤ n`, and
    /// |S| is at most [`MAX_NEWTON_SUPPORT`] (the dense copy of `G_CC` then holds at most
    /// 5,000² entries, 200 MB).
    fn gram_sweeps_apply(&self) -> bool {
        let m = self.ws.features.len();
        self.newton.enabled && m >= 2 && MAX_SET_SHARE * m <= self.problem.n && m <= MAX_NEWTON_SUPPORT
    }

    /// Starts (or resumes) Gram sweeps on S if they apply (see the module doc): C is the part
    /// of S with cached Gram entries (at least half of S), `c_C` is taken exactly from X at
    /// the current residual, and `b_C = c_C + G_CC t_C`. Resets the Anderson memory to
    /// Gram-space iterates. Returns whether Gram sweeps are on.
    pub(super) fn enter_gram_sweeps(&mut self) -> bool {
        self.gram_sweeps.active = false;
        if !self.gram_sweeps_apply() {
            return false;
        }
        let gram = &self.newton.model.gram;
        let state = &mut self.gram_sweeps;
        state.features.clear();
        state.held.clear();
        for &j in &self.ws.features {
            if gram.contains(j) {
                state.features.push(j);
            } else {
                state.held.push(j);
            }
        }
        if 2 * state.features.len() < self.ws.features.len() {
            return false;
        }
        self.refresh_residual();
        self.grad.exact(self.problem.design, &self.r, &self.ws.features);
        let gram = &self.newton.model.gram;
        let state = &mut self.gram_sweeps;
        state.slots.clear();
        state.slots.extend(state.features.iter().map(|&j| gram.slot(j)));
        state.dense.clear();
        for &j in &state.features {
            let row = gram.row_of(j);
            state.dense.extend(state.slots.iter().map(|&s| row[s]));
        }
        state.c.clear();
        state.c.extend(state.features.iter().map(|&j| self.grad.c_now[j]));
        state.b.clear();
        state.b.extend_from_slice(&state.c);
        let m = state.features.len();
        for (a, &j) in state.features.iter().enumerate() {
            let t = self.t[j];
            if t != 0.0 {
                kernels::sub_scaled(&mut state.b, -t, &state.dense[a * m..(a + 1) * m]);
            }
        }
        self.anderson.reset(m, m);
        state.active = true;
        true
    }

    /// Whether a held feature of S would move under a coordinate update at the exact gradients
    /// of the last check.
    pub(super) fn held_feature_moves(&self, alpha: f64) -> bool {
        let curvature = &self.problem.design.stats().curvature;
        self.gram_sweeps.held.iter().any(|&j| {
            let (v, t) = (curvature[j], self.t[j]);
            self.penalty.weighted_threshold(v * t + self.grad.c_now[j], v, alpha, self.problem.weights[j]) != t
        })
    }

    /// After a certificate check (which recomputed r and the exact gradients on S): `c_S`
    /// from those exact gradients (`c_C`), dropping the rounding the Gram updates accumulated.
    pub(super) fn resync_gram_gradients(&mut self) {
        let state = &mut self.gram_sweeps;
        for (c, &j) in state.c.iter_mut().zip(&state.features) {
            *c = self.grad.c_now[j];
        }
    }

    /// One cyclic pass over C in Gram space: `z = v_j t_j + c_j`, `t_j ← threshold_w(z, v_j,
    /// α)`, `c_C ← c_C − δ_j·G_Cj`. Marks r stale. Returns `max_j v_j·δ_j²`.
    pub(super) fn sweep_working_gram(&mut self, alpha: f64) -> f64 {
        self.counts.epochs += 1;
        #[cfg(test)]
        {
            self.gram_sweeps.sweeps += 1;
        }
        let curvature = &self.problem.design.stats().curvature;
        let state = &mut self.gram_sweeps;
        let m = state.features.len();
        let mut max_change = 0.0f64;
        let mut moved = false;
        for (a, &j) in state.features.iter().enumerate() {
            let v = curvature[j];
            let old = self.t[j];
            let z = v * old + state.c[a];
            let new = self.penalty.weighted_threshold(z, v, alpha, self.problem.weights[j]);
            let delta = new - old;
            if delta != 0.0 {
                kernels::sub_scaled(&mut state.c, delta, &state.dense[a * m..(a + 1) * m]);
                self.t[j] = new;
                self.counts.updates += 1;
                moved = true;
                max_change = max_change.max(v * delta * delta);
            }
        }
        if moved {
            self.residual_dirty = true;
            self.grad.invalidate();
        }
        max_change
    }

    /// Stores the Gram-space iterate `(t_C, c_C)`; every K+1 of them, replaces it by their
    /// Anderson extrapolation if that lowers `−½ t_Cᵀ(b_C + c_C) + Σ_{j∈C} pen(t_j)` (the
    /// objective up to a constant).
    pub(super) fn gram_anderson_step(&mut self, alpha: f64) {
        let t = &self.t;
        let state = &mut self.gram_sweeps;
        if !self.anderson.push(state.features.iter().map(|&j| t[j]), &state.c) {
            return;
        }
        let m = state.features.len();
        state.t_acc.resize(m, 0.0);
        state.c_acc.resize(m, 0.0);
        if !self.anderson.extrapolate(&mut state.t_acc, &mut state.c_acc) {
            return;
        }
        let weights = &self.problem.weights;
        let objective = |coefs: &mut dyn Iterator<Item = f64>, c: &[f64]| -> f64 {
            let mut value = 0.0;
            for (((t, &j), &c), &b) in coefs.zip(&state.features).zip(c).zip(&state.b) {
                value += -0.5 * t * (b + c) + self.penalty.weighted_value(t, alpha, weights[j]);
            }
            value
        };
        let current = objective(&mut state.features.iter().map(|&j| self.t[j]), &state.c);
        let proposed = objective(&mut state.t_acc.iter().copied(), &state.c_acc);
        if proposed < current {
            for (&j, &t) in state.features.iter().zip(&state.t_acc) {
                self.t[j] = t;
            }
            std::mem::swap(&mut state.c, &mut state.c_acc);
            self.residual_dirty = true;
            self.grad.invalidate();
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;
    use crate::design::DenseDesign;
    use crate::penalty::{ElasticNet, Lasso, Mcp, Scad};
    use crate::solve_options::SolveOptions;

    /// n ≫ p columns in blocks of 10 with correlation ≈ 0.8 inside a block (a shared factor per
    /// block), from a fixed LCG; y depends on every third column (at most 40).
    fn blocked_problem(n: usize, p: usize) -> (Array2<f64>, Vec<f64>) {
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let factors: Vec<f64> = (0..n * p.div_ceil(10)).map(|_| next()).collect();
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| 2.0 * factors[i * p.div_ceil(10) + j / 10] + next());
        let y = (0..n)
            .map(|i| (0..(p / 3).min(40)).map(|j| x[[i, 3 * j]] * if j % 2 == 0 { 1.0 } else { -0.7 }).sum::<f64>())
            .map(|v| v + 4.0 * next())
            .collect();
        (x, y)
    }

    /// Fits 40 alphas down to 2 % of alpha_max; returns (objective, certificate) per alpha and
    /// the Gram-space sweeps run.
    fn fit<P: Penalty>(design: &DenseDesign, y: &[f64], penalty: P, newton: bool) -> (Vec<(f64, f64)>, u64) {
        let options = SolveOptions { newton, tol: 1e-10, ..SolveOptions::default() };
        let mut solver = PathSolver::new(design, y, penalty, &options).unwrap();
        let alpha_max = solver.alpha_max();
        let mut previous = alpha_max;
        let mut points = Vec::new();
        for k in 0..40 {
            let alpha = alpha_max * 0.02f64.powf(k as f64 / 39.0);
            let point = solver.fit_alpha(k, alpha, previous);
            assert!(point.converged, "alpha {k} did not converge");
            points.push((point.objective, point.certificate));
            previous = alpha;
        }
        (points, solver.gram_sweeps.sweeps)
    }

    /// The Gram-space gradients equal the exact ones after sweeps: from one state, three
    /// Gram sweeps and three column sweeps give the same coefficients, and c_C the exact
    /// `x̃ᵀr/n` at the residual recomputed from them.
    #[test]
    fn gram_sweeps_track_the_exact_gradients() {
        let (x, y) = blocked_problem(800, 60);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let options = SolveOptions { tol: 1e-10, ..SolveOptions::default() };
        let mut by_gram = PathSolver::new(&design, &y, Mcp { gamma: 3.0 }, &options).unwrap();
        let mut by_columns = PathSolver::new(&design, &y, Mcp { gamma: 3.0 }, &options).unwrap();
        let alpha_max = by_gram.alpha_max();
        for solver in [&mut by_gram, &mut by_columns] {
            solver.fit_alpha(0, 0.3 * alpha_max, alpha_max);
        }
        let alpha = 0.1 * alpha_max;
        by_gram.build_working_set(alpha, 0.3 * alpha_max);
        by_columns.build_working_set(alpha, 0.3 * alpha_max);
        let features = by_gram.ws.features.clone();
        assert_eq!(features, by_columns.ws.features);
        by_gram.newton.model.gram.ensure(&design, &features);
        assert!(by_gram.enter_gram_sweeps(), "Gram sweeps did not start");
        assert!(by_gram.gram_sweeps.held.is_empty());
        for _ in 0..3 {
            by_gram.sweep_working_gram(alpha);
            by_columns.sweep_working(alpha);
        }
        let moved = features.iter().filter(|&&j| by_gram.t[j] != 0.0).count();
        assert!(moved >= 10, "only {moved} nonzero coefficients");
        for &j in &features {
            let (a, b) = (by_gram.t[j], by_columns.t[j]);
            assert!((a - b).abs() <= 1e-10 * (1.0 + b.abs()), "t_{j}: {a} by Gram sweeps, {b} by column sweeps");
        }
        by_gram.refresh_residual();
        for (&j, &c) in by_gram.gram_sweeps.features.iter().zip(&by_gram.gram_sweeps.c) {
            let exact = design.dot(j, &by_gram.r) / 800.0;
            assert!((c - exact).abs() <= 1e-12 * (1.0 + exact.abs()), "c_{j}: {c} tracked, {exact} exact");
        }
    }

    /// Paths that run Gram sweeps reach the same certified optima as column sweeps alone
    /// (Newton off): every alpha at 1e-10 and, for the convex penalties, objectives equal to
    /// 1e-9 relative (MCP and SCAD may settle in other stationary points, as any change of
    /// the iteration allows).
    #[test]
    fn paths_with_gram_sweeps_reach_the_column_sweeps_optima() {
        let (x, y) = blocked_problem(1200, 120);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let mut gram_sweeps = 0;
        macro_rules! compare {
            ($penalty:expr, $convex:expr) => {{
                let (with, sweeps) = fit(&design, &y, $penalty, true);
                let (without, none) = fit(&design, &y, $penalty, false);
                assert_eq!(none, 0, "Gram sweeps without the Newton cache");
                gram_sweeps += sweeps;
                for (k, (a, b)) in with.iter().zip(&without).enumerate() {
                    let name = stringify!($penalty);
                    assert!(a.1 <= 1e-10 && b.1 <= 1e-10, "{name}, alpha {k}: certificates {} and {}", a.1, b.1);
                    if $convex {
                        assert!(
                            (a.0 - b.0).abs() <= 1e-9 * b.0,
                            "{name}, alpha {k}: objective {} against {}",
                            a.0,
                            b.0
                        );
                    }
                }
            }};
        }
        compare!(Lasso, true);
        compare!(ElasticNet { l1_ratio: 0.5 }, true);
        compare!(Mcp { gamma: 3.0 }, false);
        compare!(Scad { gamma: 3.7 }, false);
        assert!(gram_sweeps > 0, "no path ran a Gram sweep");
    }
}
