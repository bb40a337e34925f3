//! The per-alpha machinery: cyclic coordinate descent on a working set, screening, and the
//! certificate check against every feature.
//!
//! State, on the working scale: coefficients `t` and residual `r = ỹ − X̃t`, with the gradients
//! `c_j = x̃_jᵀr/n` known exactly or by a bound in the gradient cache (`solver/gradients.rs`).
//!
//! One alpha: build the working set S (nonzero coefficients plus the sequential strong rule),
//! drop Gap-Safe-screened features, run coordinate descent on S until the certificate of the
//! restricted problem is below the tolerance, then check every feature outside S — exactly
//! where its bound does not already prove `|c_j| ≤ ρα`, with a full pass when too many are in
//! doubt. Violators join S and the loop repeats; otherwise the certificate of the whole
//! problem is computed from exact gradients and bounds, and the point is done.

use std::time::Instant;

use crate::anderson::AndersonMemory;
use crate::certificate::{Certificate, CertificateAccumulator};
use crate::cholesky::UpdatableCholesky;
use crate::datafit::{Quadratic, Totals};
use crate::design::Design;
use crate::error::SolverError;
use crate::kernels;
use crate::newton::{GramCache, MAX_KERNEL_SAMPLES, MAX_NEWTON_SUPPORT};
use crate::penalty::{Penalty, Piece};
use crate::point::PathPoint;
use crate::solve_options::SolveOptions;

mod active_set;
mod alpha_loop;
mod gradients;
mod gram_sweeps;
mod hot_sweeps;
mod model_factor;
mod problem;
mod prox_newton;
mod ridge_krylov;
mod weights;
mod working_set;

pub use prox_newton::ProxNewtonSolver;

use alpha_loop::{AlphaSteps, Solve, solve_alpha};
use gradients::GradientCache;
use problem::{Counters, Problem, check_response};
use working_set::{Rules, WorkingSet};

/// Working-set sweeps between two certificate checks, at most.
const CHECK_EVERY: usize = 10;
/// Epochs of coordinate descent an alpha is assumed to need before any was measured.
const INITIAL_CD_EPOCHS: f64 = 30.0;

/// What one coordinate update did: whether `t_j` changed, and its move `v_j·δ_j²`.
#[derive(Clone, Copy)]
struct CoordinateMove {
    moved: bool,
    size: f64,
}

/// The active-set Newton solver (`active_set.rs`): its model, the buffers of one round, and
/// what it has learnt of coordinate descent's cost.
struct NewtonState {
    enabled: bool,
    model: ActiveSet,
    buffers: RoundBuffers,
    /// Coordinate-descent epochs an alpha has recently needed (running mean, see
    /// `PathSolver::newton_pays`).
    cd_epochs: f64,
    /// How many more nonzero coefficients the last alpha had than the one before it.
    support_growth: usize,
}

/// The active-set Newton model: the members A in factor order, their penalty pieces, the
/// curvature each member's diagonal was factored with, `H_AA = L Lᵀ` and the Gram entries it
/// is built from, with the buffers of its own updates (a new factor row; `G_AA⁻¹ G_Aj` of a
/// dependent feature).
struct ActiveSet {
    gram: GramCache,
    members: Vec<usize>,
    pieces: Vec<Piece>,
    factor_curvature: Vec<f64>,
    is_member: Vec<bool>,
    factor: UpdatableCholesky,
    row: Vec<f64>,
    absorb: Vec<f64>,
}

/// Buffers of one active-set Newton round: the members' coefficients at its start, their
/// gradients `c_A`, the Newton gradient `g`, the step `d`, and feature lists (entering
/// members, violators).
#[derive(Default)]
struct RoundBuffers {
    round_start: Vec<(usize, f64)>,
    c: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    idx: Vec<usize>,
}

/// Ridge with p > n: the n × n kernel (built once per path) and its factor with the ridge
/// diagonal of the current alpha.
#[derive(Default)]
struct RidgeKernel {
    kernel: Option<Vec<f64>>,
    factor: UpdatableCholesky,
    /// The unpenalized live columns, and their working-scale values (n each).
    unpenalized: Vec<usize>,
    columns: Vec<f64>,
    /// Set once the kernel is found not to pay (p ≤ n, or too many unpenalized columns).
    declined: bool,
}

/// Reusable buffers, so that no alpha allocates in its loops.
#[derive(Default)]
struct Scratch {
    idx: Vec<usize>,
    val: Vec<f64>,
    scored: Vec<(f64, usize)>,
    r: Vec<f64>,
    /// An epoch's moves `(v_j δ_j², j)`, for the hot sweeps.
    hot: Vec<(f64, usize)>,
}

/// The model every alpha without warm start begins from: t = 0 except the unpenalized
/// columns, fitted exactly (the covariates-only model), and its residual.
#[derive(Default)]
struct StartState {
    coefs: Vec<(usize, f64)>,
    residual: Vec<f64>,
}

/// Path state for one design, response and penalty: the problem (design, datafit, penalty
/// and weights, the live columns), the iterate (t, r), and the parts above.
pub struct PathSolver<'a, D: Design, P: Penalty> {
    /// The design, weights, live columns and options (`problem.rs`).
    problem: Problem<'a, D>,
    datafit: Quadratic,
    penalty: P,
    y_work: Vec<f64>,
    y_mean: f64,
    null_objective: f64,
    alpha_max: f64,
    start: StartState,
    /// Working-scale coefficients.
    t: Vec<f64>,
    /// `r = ỹ − X̃t`.
    r: Vec<f64>,
    /// Whether r may have drifted from t by rounding (after extrapolations).
    residual_dirty: bool,
    grad: GradientCache,
    ws: WorkingSet,
    newton: NewtonState,
    ridge: RidgeKernel,
    /// Ridge paths in one Krylov space (`ridge_krylov.rs`).
    krylov: ridge_krylov::RidgeKrylov,
    anderson: AndersonMemory,
    /// Working-set size above which MCP/SCAD epochs are followed by hot sweeps
    /// (`hot_sweeps.rs`): `MAX_NEWTON_SUPPORT`; tests move it.
    hot_min_working_set: usize,
    /// The epoch count of this alpha at which violators outside S are next looked for early.
    next_outside_check: usize,
    gram_sweeps: gram_sweeps::GramSweeps,
    scratch: Scratch,
    counts: Counters,
    coefs: Vec<(usize, f64)>,
}

impl<'a, D: Design, P: Penalty> PathSolver<'a, D, P> {
    /// Validates the data against the penalty and makes the first full pass (for alpha_max).
    pub fn new(design: &'a D, y: &[f64], penalty: P, options: &SolveOptions) -> Result<Self, SolverError> {
        check_response(design, y)?;
        let problem = Problem::new(design, &penalty, options, true)?;
        let n = problem.n;
        let p = design.n_features();
        let stats = design.stats();
        let y_mean = if stats.fit_intercept { kernels::mean(y) } else { 0.0 };
        let y_work: Vec<f64> = y.iter().map(|&v| v - y_mean).collect();
        let null_objective = kernels::sq_norm(&y_work) / (2.0 * n as f64);
        let ws = problem.empty_working_set();
        let mut solver = PathSolver {
            problem,
            datafit: Quadratic::new(n),
            penalty,
            grad: GradientCache::new(&stats.curvature, n, &y_work, options.screening.gradient_bounds),
            r: y_work.clone(),
            y_work,
            y_mean,
            null_objective,
            alpha_max: 0.0,
            start: StartState::default(),
            t: vec![0.0; p],
            residual_dirty: false,
            ws,
            newton: NewtonState {
                enabled: options.newton,
                model: ActiveSet {
                    gram: GramCache::new(p),
                    members: Vec::new(),
                    pieces: Vec::new(),
                    factor_curvature: Vec::new(),
                    is_member: vec![false; p],
                    factor: UpdatableCholesky::with_limit(MAX_NEWTON_SUPPORT),
                    row: Vec::new(),
                    absorb: Vec::new(),
                },
                buffers: RoundBuffers::default(),
                cd_epochs: INITIAL_CD_EPOCHS,
                support_growth: 0,
            },
            ridge: RidgeKernel::default(),
            krylov: ridge_krylov::RidgeKrylov::default(),
            anderson: AndersonMemory::default(),
            hot_min_working_set: MAX_NEWTON_SUPPORT,
            next_outside_check: 0,
            gram_sweeps: gram_sweeps::GramSweeps::default(),
            scratch: Scratch::default(),
            counts: Counters::default(),
            coefs: Vec::new(),
        };
        solver.fit_unpenalized()?;
        solver.full_pass();
        solver.alpha_max = solver.problem.alpha_max(&solver.penalty, &solver.grad.c_ref);
        Ok(solver)
    }

    /// The unpenalized live columns U (covariates and zero weights) at their exact
    /// least-squares fit with every penalized coefficient at 0, `t_U = G_UU⁻¹ X̃_Uᵀỹ/n`
    /// (`G = X̃ᵀX̃/n`, factored once in Cholesky form), and `r = ỹ − X̃_U t_U`: the model at
    /// alpha_max. Fails, naming the column, when G_UU is singular (a column collinear with the
    /// others before it).
    fn fit_unpenalized(&mut self) -> Result<(), SolverError> {
        let unpenalized = self.problem.unpenalized();
        if !unpenalized.is_empty() {
            let mut gram = GramCache::new(self.problem.design.n_features());
            gram.ensure(self.problem.design, &unpenalized);
            let mut factor = UpdatableCholesky::with_limit(unpenalized.len());
            for (a, &j) in unpenalized.iter().enumerate() {
                let row: Vec<f64> = unpenalized[..a].iter().map(|&m| gram.get(m, j)).collect();
                if !factor.append(&row, gram.get(j, j)) {
                    return Err(SolverError::Unpenalized(format!(
                        "the unpenalized {} is collinear with the unpenalized columns before it (intercept{}): their least-squares fit is not unique",
                        self.problem.column_label(j),
                        if a > 0 { " and earlier covariates or zero-weight columns" } else { "" }
                    )));
                }
            }
            let inv_n = 1.0 / self.problem.n as f64;
            let mut t_u: Vec<f64> =
                unpenalized.iter().map(|&j| self.problem.design.dot(j, &self.y_work) * inv_n).collect();
            factor.solve(&mut t_u);
            for (&j, &t) in unpenalized.iter().zip(&t_u) {
                self.t[j] = t;
                self.problem.design.axpy(j, -t, &mut self.r);
            }
            self.start.coefs = unpenalized.iter().copied().zip(t_u).collect();
            self.grad.invalidate();
        }
        self.start.residual = self.r.clone();
        Ok(())
    }

    /// `alpha_max = max_{j: w_j > 0} |x̃_jᵀ(ỹ − ŷ₀)| / (n·w_j·ρ)` over live columns, ŷ₀ the fit
    /// of the unpenalized columns alone.
    pub fn alpha_max(&self) -> f64 {
        self.alpha_max
    }

    /// The null objective `P(0) = ‖y − ȳ‖²/(2n)` (`‖y‖²/(2n)` without intercept): the loss of
    /// the intercept-only model.
    pub fn null_objective(&self) -> f64 {
        self.null_objective
    }

    /// Why alpha_max is zero, for the error message of the default grid.
    pub fn zero_alpha_max_reason(&self) -> &'static str {
        let fit_intercept = self.problem.design.stats().fit_intercept;
        let null_reason =
            (self.null_objective == 0.0).then_some(if fit_intercept { "y is constant" } else { "y is all zeros" });
        self.problem.zero_alpha_max_reason(null_reason)
    }

    /// The weight ρ of the penalty's L1 part (0 for the ridge).
    pub fn penalty_l1_weight(&self) -> f64 {
        self.penalty.l1_weight()
    }

    /// Full-pass equivalents of gradient scans so far.
    pub fn total_scan_passes(&self) -> f64 {
        self.problem.passes(self.counts.columns_scanned)
    }

    /// Solves one alpha, warm-started from the current state, and describes the result.
    pub fn fit_alpha(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> PathPoint<'_> {
        let started = Instant::now();
        let scanned_before = self.counts.columns_scanned;
        let newton_before = self.newton_flops();
        self.counts.epochs = 0;
        self.counts.updates = 0;
        self.counts.newton_steps = 0;
        self.next_outside_check = hot_sweeps::EARLY_CHECK_EVERY;
        if !self.problem.settings.warm_start {
            self.reset_to_zero();
        }
        self.ws.screened.iter_mut().for_each(|s| *s = false);
        self.build_working_set(alpha, alpha_prev);
        // ridge: the Krylov space first; the kernel only where the space stopped short
        if !self.ridge_krylov_solve(alpha, self.problem.settings.tol) && !self.krylov.enabled {
            self.ridge_kernel_solve(alpha);
        }
        if self.gap_safe_applies(alpha) {
            let cert = self.certify(alpha);
            self.gap_safe_screen(alpha, &cert);
        }
        let Some((certificate, converged)) = solve_alpha(self, alpha, self.problem.settings.tol) else {
            unreachable!("the quadratic restricted solve never reports separation")
        };
        let support_before = self.coefs.len();
        self.collect_coefs();
        self.newton.support_growth = self.coefs.len().saturating_sub(support_before);
        if self.counts.epochs > 0 && self.counts.newton_steps == 0 {
            // only an alpha solved by coordinate descent alone says how many epochs it needs
            // (one that Newton finished after e epochs would have needed an unknown number
            // more than e; counting it as e, or 2e, made the estimate shrink and Newton lose
            // on p ≫ n elastic nets where it wins)
            self.newton.cd_epochs = 0.5 * (self.newton.cd_epochs + self.counts.epochs as f64);
        }
        let n = self.problem.n as f64;
        let r_sq = kernels::sq_norm(&self.r);
        PathPoint {
            alpha_index,
            alpha,
            alpha_over_max: if self.alpha_max > 0.0 { alpha / self.alpha_max } else { 0.0 },
            nnz: self.coefs.iter().filter(|&&(j, _)| j < self.problem.p_x).count(),
            intercept: self.intercept(),
            objective: certificate.primal,
            certificate: certificate.value,
            certificate_kind: certificate.kind,
            converged,
            epochs: self.counts.epochs,
            coordinate_updates: self.counts.updates,
            newton_steps: self.counts.newton_steps,
            time_s: started.elapsed().as_secs_f64(),
            train_mse: r_sq / n,
            train_deviance: r_sq / n,
            deviance_ratio: if self.null_objective > 0.0 {
                1.0 - self.datafit.loss(&Totals { r_sq, ..Totals::default() }) / self.null_objective
            } else {
                f64::NAN
            },
            working_set: self.ws.features.len(),
            screened: self.ws.screened.iter().filter(|&&s| s).count(),
            scan_passes: (self.counts.columns_scanned - scanned_before) as f64 / self.problem.live.len().max(1) as f64,
            newton_passes: (self.newton_flops() - newton_before) as f64
                / (2.0 * n * self.problem.live.len().max(1) as f64),
            coefs: &self.coefs,
        }
    }

    /// Flops of the second-order models so far (see [`PathPoint::newton_passes`]): the
    /// active-set factor, the Gram entries (2n each), the ridge kernel and its factor.
    fn newton_flops(&self) -> u64 {
        self.newton.model.factor.flops()
            + 2 * self.problem.n as u64 * self.newton.model.gram.entries_computed()
            + self.ridge.factor.flops()
            + self.counts.kernel_flops
    }

    fn reset_to_zero(&mut self) {
        self.t.iter_mut().for_each(|t| *t = 0.0);
        for &(j, t) in &self.start.coefs {
            self.t[j] = t;
        }
        self.r.copy_from_slice(&self.start.residual);
        self.grad.invalidate();
    }

    /// S for a new alpha (see [`Rules::rebuild`]).
    fn build_working_set(&mut self, alpha: f64, alpha_prev: f64) {
        let model = self.grad.bound_model(&self.r);
        let level = self.problem.settings.screening.strong_rules.then_some(2.0 * alpha - alpha_prev);
        let rules = Rules { penalty: &self.penalty, weights: &self.problem.weights, live: &self.problem.live };
        rules.rebuild(&mut self.ws, &self.t, &self.grad, model, level, &mut self.scratch.scored);
    }

    /// Cyclic coordinate descent on S, with Anderson extrapolation every K sweeps, until the
    /// restricted certificate is ≤ `tol`. Returns false if the epoch budget ran out. On
    /// return, `c_now` is exact on S.
    fn solve_working_set(&mut self, alpha: f64, tol: f64) -> bool {
        let scale = if self.penalty.is_convex() {
            tol * self.null_objective.max(f64::MIN_POSITIVE)
        } else {
            let a = tol * self.alpha_max;
            a * a
        };
        let mut check_threshold = scale;
        let mut since_check = 0usize;
        let mut last_signature = (usize::MAX, 0u64);
        // a warm start usually has the right support up to a few features: try the
        // active-set Newton solve first, and after a failure only once the support is stable
        if self.restricted_certificate(alpha) <= tol {
            return true;
        }
        // Newton only when it is expected to cost less than coordinate descent; declining is
        // not a failure, so the choice is made again at every check below
        let mut newton_failed = false;
        if self.newton_pays(alpha) {
            newton_failed = !self.active_set_solve(alpha);
            if !newton_failed && self.restricted_certificate(alpha) <= tol {
                return true;
            }
        }
        // sweeps in Gram space when S's Gram entries are cached or pay (`gram_sweeps.rs`);
        // r is then recomputed from t at every check
        if !self.enter_gram_sweeps() {
            self.anderson.reset(self.ws.features.len(), self.problem.n);
        }
        loop {
            if self.counts.epochs >= self.problem.settings.max_epochs {
                self.refresh_residual();
                self.exact_gradients_on_working_set();
                return false;
            }
            let in_gram = self.gram_sweeps.active;
            let change = if in_gram { self.sweep_working_gram(alpha) } else { self.sweep_working(alpha) };
            since_check += 1;
            if in_gram {
                self.gram_anderson_step(alpha);
            } else {
                let t = &self.t;
                if self.anderson.push(self.ws.features.iter().map(|&j| t[j]), &self.r) {
                    self.try_extrapolation(alpha);
                }
            }
            if change <= check_threshold || since_check >= CHECK_EVERY {
                since_check = 0;
                if self.restricted_certificate(alpha) <= tol {
                    return true;
                }
                if self.early_outside_check_due() && self.check_outside(alpha) > 0 {
                    self.anderson.reset(self.ws.features.len(), self.problem.n);
                }
                check_threshold *= 0.1;
                let signature = self.support_signature();
                let stable = signature == last_signature;
                last_signature = signature;
                if (!newton_failed || stable) && self.newton_pays(alpha) {
                    newton_failed = !self.active_set_solve(alpha);
                    if !self.enter_gram_sweeps() {
                        self.anderson.reset(self.ws.features.len(), self.problem.n);
                    }
                } else if in_gram {
                    if self.held_feature_moves(alpha) {
                        // a held feature of S wants in: one column sweep over S, at the exact r
                        self.sweep_working(alpha);
                        self.enter_gram_sweeps();
                    } else {
                        self.resync_gram_gradients();
                    }
                }
            }
        }
    }

    /// Ridge with more live penalized features than samples: the exact solution from the
    /// n × n kernel `K = X̃_P W⁻¹ X̃_Pᵀ/n` over the penalized live columns P (weights w_j,
    /// computed once per path), with the unpenalized columns U = X̃_U (covariates, zero
    /// weights) fitted exactly. Stationarity `x̃_jᵀr/n = λ·w_j·t_j` (λ = α·l2) on P and
    /// `Uᵀr = 0`, with `r = ỹ − X̃_P t_P − U t_U`, give
    ///
    /// ```text
    /// (K + λI) r = λ(ỹ − U t_U),   t_U = (UᵀM⁻¹U)⁻¹ UᵀM⁻¹ỹ  (M = K + λI),   t_j = x̃_jᵀr/(nλw_j).
    /// ```
    ///
    /// M is factored once per alpha (one Cholesky of `crate::cholesky`), then 1 + |U| solves.
    /// The residual is recomputed from t, and the usual loop certifies the point (typically
    /// without a sweep).
    fn ridge_kernel_solve(&mut self, alpha: f64) {
        let ridge_like = self.penalty.l1_weight() == 0.0 && self.penalty.l2_weight() > 0.0;
        let n = self.problem.n;
        if !ridge_like || !self.newton.enabled || n > MAX_KERNEL_SAMPLES || alpha <= 0.0 {
            return;
        }
        if self.ridge.kernel.is_none() && !self.ridge.declined {
            self.ridge.declined = true;
            let weights = &self.problem.weights;
            let penalized: Vec<usize> = self.problem.live.iter().copied().filter(|&j| weights[j] > 0.0).collect();
            self.ridge.unpenalized = self.problem.live.iter().copied().filter(|&j| weights[j] == 0.0).collect();
            if penalized.len() <= n || self.ridge.unpenalized.len() >= n / 2 {
                return;
            }
            self.ridge.kernel =
                Some(crate::newton::kernel_matrix(self.problem.design, &penalized, |j| 1.0 / weights[j]));
            self.counts.kernel_flops += 2 * (n * n * penalized.len()) as u64;
            self.ridge.declined = false;
            let q = self.ridge.unpenalized.len();
            self.ridge.columns = vec![0.0; n * q];
            for (column, &j) in self.ridge.columns.chunks_mut(n).zip(&self.ridge.unpenalized) {
                self.problem.design.axpy(j, 1.0, column);
            }
        }
        let Some(kernel) = &self.ridge.kernel else { return };
        let l2 = alpha * self.penalty.l2_weight();
        let factor = &mut self.ridge.factor;
        factor.clear();
        for a in 0..n {
            if !factor.append(&kernel[a * n..a * n + a], kernel[a * n + a] + l2) {
                return;
            }
        }
        let mut r = self.y_work.clone();
        factor.solve(&mut r);
        self.counts.newton_steps += 1;
        let q = self.ridge.unpenalized.len();
        let mut t_u = vec![0.0; q];
        if q > 0 {
            // Z = M⁻¹U, S = UᵀZ (q × q, SPD), t_U = S⁻¹Uᵀz₀, r ← z₀ − Z t_U
            let u = &self.ridge.columns;
            let mut z = u.clone();
            z.chunks_mut(n).for_each(|column| factor.solve(column));
            let mut small = UpdatableCholesky::with_limit(q);
            for a in 0..q {
                let row: Vec<f64> =
                    (0..a).map(|b| kernels::dot(&u[a * n..(a + 1) * n], &z[b * n..(b + 1) * n])).collect();
                if !small.append(&row, kernels::dot(&u[a * n..(a + 1) * n], &z[a * n..(a + 1) * n])) {
                    return;
                }
                t_u[a] = kernels::dot(&u[a * n..(a + 1) * n], &r);
            }
            small.solve(&mut t_u);
            for (column, &t) in z.chunks(n).zip(&t_u) {
                r.iter_mut().zip(column).for_each(|(v, &zi)| *v -= t * zi);
            }
        }
        r.iter_mut().for_each(|v| *v *= l2);
        self.r.copy_from_slice(&r);
        self.grad.invalidate();
        self.full_pass();
        for &j in &self.problem.live {
            let w = self.problem.weights[j];
            if w > 0.0 {
                self.t[j] = self.grad.c_now[j] / (l2 * w);
            }
        }
        for (&j, &t) in self.ridge.unpenalized.iter().zip(&t_u) {
            self.t[j] = t;
        }
        self.residual_dirty = true;
        self.refresh_residual();
    }

    /// A fingerprint of the support and signs on S: (size, hash).
    fn support_signature(&self) -> (usize, u64) {
        let mut count = 0;
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &j in &self.ws.features {
            let t = self.t[j];
            if t != 0.0 {
                count += 1;
                let code = (j as u64) << 1 | u64::from(t > 0.0);
                hash = (hash ^ code).wrapping_mul(0x0100_0000_01b3);
            }
        }
        (count, hash)
    }

    /// Replaces (t, r) on S by their Anderson extrapolation if it lowers the objective
    /// `‖r‖²/(2n) + Σ_{j∈S} pen(t_j)`.
    fn try_extrapolation(&mut self, alpha: f64) {
        let Scratch { val: coefs, r: residual, .. } = &mut self.scratch;
        coefs.resize(self.ws.features.len(), 0.0);
        residual.resize(self.problem.n, 0.0);
        if self.anderson.extrapolate(coefs, residual) {
            let inv_2n = 0.5 / self.problem.n as f64;
            let weights = &self.problem.weights;
            let pen = |coef: &mut dyn Iterator<Item = (f64, usize)>| -> f64 {
                coef.map(|(t, j)| self.penalty.weighted_value(t, alpha, weights[j])).sum::<f64>()
            };
            let current =
                kernels::sq_norm(&self.r) * inv_2n + pen(&mut self.ws.features.iter().map(|&j| (self.t[j], j)));
            let proposed = kernels::sq_norm(residual) * inv_2n
                + pen(&mut coefs.iter().zip(&self.ws.features).map(|(&t, &j)| (t, j)));
            if proposed < current {
                for (&j, &c) in self.ws.features.iter().zip(coefs.iter()) {
                    self.t[j] = c;
                }
                std::mem::swap(&mut self.r, residual);
                self.grad.invalidate();
                self.residual_dirty = true;
            }
        }
    }

    /// Recomputes `r = ỹ − Σ_j t_j x̃_j` from the coefficients (after extrapolations, whose
    /// residual is a linear combination subject to rounding).
    fn refresh_residual(&mut self) {
        if !self.residual_dirty {
            return;
        }
        self.residual_dirty = false;
        self.r.copy_from_slice(&self.y_work);
        for &j in &self.ws.features {
            let t = self.t[j];
            if t != 0.0 {
                self.problem.design.axpy(j, -t, &mut self.r);
            }
        }
        self.grad.invalidate();
    }

    /// One cyclic pass over S:
    /// `z = v_j t_j + x̃_jᵀr/n`, `t_j ← threshold_w(z, v_j, α)`, `r ← r − (t_j_new − t_j)·x̃_j`,
    /// followed for MCP/SCAD by the hot sweeps of `hot_sweeps.rs`. Returns the epoch's
    /// `max_j v_j·δ_j²`.
    fn sweep_working(&mut self, alpha: f64) -> f64 {
        self.counts.epochs += 1;
        let inv_n = 1.0 / self.problem.n as f64;
        let mut max_change = 0.0f64;
        let mut moved = false;
        let hot_enabled = self.hot_sweeps_apply();
        if hot_enabled {
            // room for every move of the epoch, so that the loop never allocates
            self.scratch.hot.reserve(self.ws.features.len());
        }
        let features = std::mem::take(&mut self.ws.features);
        for &j in &features {
            let change = self.update_coordinate(j, alpha, inv_n);
            if change.moved {
                moved = true;
                max_change = max_change.max(change.size);
                if hot_enabled {
                    self.scratch.hot.push((change.size, j));
                }
            }
        }
        self.ws.features = features;
        if moved {
            self.grad.invalidate();
            if hot_enabled {
                self.sweep_hot(alpha);
            }
        }
        max_change
    }

    /// The exact minimisation of the objective in coordinate j, residual kept in step:
    /// `z = v_j t_j + x̃_jᵀr/n`, `t_j ← threshold_w(z, v_j, α)`, `r ← r − δ_j·x̃_j` with
    /// `δ_j = t_j_new − t_j` (the update of every column epoch and hot sweep).
    #[inline(always)]
    fn update_coordinate(&mut self, j: usize, alpha: f64, inv_n: f64) -> CoordinateMove {
        let v = self.problem.design.stats().curvature[j];
        let old = self.t[j];
        let z = v * old + self.problem.design.dot(j, &self.r) * inv_n;
        let new = self.penalty.weighted_threshold(z, v, alpha, self.problem.weights[j]);
        let delta = new - old;
        if delta == 0.0 {
            return CoordinateMove { moved: false, size: 0.0 };
        }
        self.problem.design.axpy(j, -delta, &mut self.r);
        self.t[j] = new;
        self.counts.updates += 1;
        CoordinateMove { moved: true, size: v * delta * delta }
    }

    /// Exact `c_j` at the current residual for every j in S.
    fn exact_gradients_on_working_set(&mut self) {
        self.grad.exact(self.problem.design, &self.r, &self.ws.features);
    }

    /// The certificate of the problem restricted to S (exact gradients on S).
    fn restricted_certificate(&mut self, alpha: f64) -> f64 {
        self.refresh_residual();
        self.exact_gradients_on_working_set();
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.problem.n);
        for &j in &self.ws.features {
            acc.add(self.t[j], self.grad.c_now[j], self.problem.weights[j]);
        }
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max).value
    }

    /// Makes `c_now` exact, or bounded below the zero threshold, for every live feature
    /// outside S (a full pass when too many are in doubt); adds the violators to S and returns
    /// how many there were (see [`Rules`]).
    fn check_outside(&mut self, alpha: f64) -> usize {
        let scratch = &mut self.scratch;
        self.problem.check_outside(
            &self.penalty,
            &mut self.ws,
            &mut self.grad,
            &self.r,
            alpha,
            &mut self.counts,
            &mut scratch.idx,
            &mut scratch.scored,
        )
    }

    /// Exact gradients of every live feature (a new reference for the bounds).
    fn full_pass(&mut self) {
        self.problem.full_pass(&mut self.grad, &self.r, &mut self.counts);
    }

    /// Whole-vector terms of the certificate at the current state.
    fn totals(&self, alpha: f64) -> Totals {
        let mut t_sq = 0.0;
        let mut penalty = 0.0;
        for &j in &self.ws.features {
            let t = self.t[j];
            if t != 0.0 {
                let w = self.problem.weights[j];
                t_sq += w * t * t;
                penalty += self.penalty.weighted_value(t, alpha, w);
            }
        }
        Totals {
            r_sq: kernels::sq_norm(&self.r),
            r_dot_y: kernels::dot(&self.r, &self.y_work),
            r_mean: if self.problem.design.stats().fit_intercept { kernels::mean(&self.r) } else { 0.0 },
            t_sq,
            penalty,
        }
    }

    /// The certificate of the whole problem: exact gradients where known, and for the other
    /// live features (all with t_j = 0) the upper bound of [`Self::gradient_bound`], which can
    /// only make the certificate larger.
    fn certify(&mut self, alpha: f64) -> Certificate {
        self.ws.active.clear();
        self.ws.active.extend(self.ws.features.iter().copied().filter(|&j| self.t[j] != 0.0));
        self.grad.exact(self.problem.design, &self.r, &self.ws.active);
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.problem.n);
        self.problem.accumulate_certificate(&mut acc, &self.penalty, alpha, &self.t, &self.grad, &self.r);
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max)
    }

    fn gap_safe_applies(&self, alpha: f64) -> bool {
        self.problem.settings.screening.gap_safe && self.penalty.is_convex() && self.penalty.l1_weight() * alpha > 0.0
    }

    /// Gap Safe sphere test with the rescaled-residual dual point θ = s·[r; −√(B w) t]:
    /// feature j (with t_j = 0, w_j > 0) is zero at the optimum if
    /// `s·|x̃_jᵀr| + √(n v_j + w_j B)·√(2γ·gap_u) < w_j A` (γ the datafit's Gap Safe
    /// constant); it leaves S for the rest of this alpha. Unpenalized features never are.
    fn gap_safe_screen(&mut self, alpha: f64, cert: &Certificate) {
        let Some((s, gap_u)) = cert.scaled_dual else { return };
        let acc = CertificateAccumulator::new(&self.penalty, alpha, self.problem.n);
        let (a, b) = (acc.l1(), acc.l2());
        let radius = (2.0 * self.datafit.gap_safe_constant() * gap_u).sqrt();
        let n = self.problem.n as f64;
        let model = self.grad.bound_model(&self.r);
        let curvature = &self.problem.design.stats().curvature;
        for &j in &self.problem.live {
            let w = self.problem.weights[j];
            if self.t[j] != 0.0 || self.ws.screened[j] || w == 0.0 {
                continue;
            }
            let c = self.grad.exact_or_bound(j, model);
            if s * n * c + (n * curvature[j] + w * b).sqrt() * radius < w * a {
                self.ws.screened[j] = true;
            }
        }
        let screened = &self.ws.screened;
        let in_working = &mut self.ws.in_set;
        self.ws.features.retain(|&j| {
            if screened[j] {
                in_working[j] = false;
                false
            } else {
                true
            }
        });
    }

    /// Nonzero coefficients on the original scale, `β_j = t_j / s_j`, sorted by feature.
    fn collect_coefs(&mut self) {
        self.problem.collect_coefs(&self.ws.features, &self.t, &mut self.coefs);
    }

    /// `b = ȳ − Σ_j m_j β_j` (0 without intercept).
    fn intercept(&self) -> f64 {
        self.problem.intercept(self.y_mean, &self.coefs)
    }
}

impl<D: Design, P: Penalty> AlphaSteps for PathSolver<'_, D, P> {
    type Certificate = Certificate;

    fn solve_restricted(&mut self, alpha: f64, tol: f64) -> Solve {
        if self.solve_working_set(alpha, tol) { Solve::Solved } else { Solve::Stalled }
    }

    fn admit_violators(&mut self, alpha: f64) -> usize {
        self.check_outside(alpha)
    }

    fn certify_all(&mut self, alpha: f64) -> Certificate {
        self.certify(alpha)
    }

    fn value(certificate: &Certificate) -> f64 {
        certificate.value
    }

    fn budget_spent(&self) -> bool {
        self.counts.epochs >= self.problem.settings.max_epochs
    }

    /// Gap Safe screening with the failed certificate's dual point.
    fn after_uncertified(&mut self, alpha: f64, certificate: &Certificate) {
        if self.gap_safe_applies(alpha) {
            self.gap_safe_screen(alpha, certificate);
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;
    use crate::design::DenseDesign;
    use crate::penalty::Lasso;

    /// Columns sharing a common factor (correlation ≈ 0.5), from a fixed LCG; y depends on
    /// the first five.
    fn correlated_problem(n: usize, p: usize) -> (Array2<f64>, Vec<f64>) {
        let mut state = 42u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let common: Vec<f64> = (0..n).map(|_| next()).collect();
        let x = Array2::from_shape_fn((n, p).f(), |(i, _)| common[i] + next());
        let y = (0..n).map(|i| (0..5).map(|j| x[[i, j]] * (j as f64 + 1.0)).sum::<f64>() + next()).collect();
        (x, y)
    }

    /// Along a path, the gradient bound of every feature whose gradient is not known exactly
    /// is at least the exact |c_j| at the current residual, and the secant model is never
    /// worse than the last reference alone.
    #[test]
    fn gradient_bounds_hold_along_a_path() {
        let (x, y) = correlated_problem(60, 400);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let options = SolveOptions::default();
        let mut solver = PathSolver::new(&design, &y, Lasso, &options).unwrap();
        let alpha_max = solver.alpha_max();
        let mut previous = alpha_max;
        let mut checked = 0;
        for k in 0..30 {
            let alpha = alpha_max * 0.85f64.powi(k);
            solver.fit_alpha(k as usize, alpha, previous);
            previous = alpha;
            // move the residual off the last reference, as the next alpha's first sweep does
            solver.sweep_working(alpha * 0.8);
            let model = solver.grad.bound_model(&solver.r);
            let drift = solver.grad.drift(&solver.r);
            assert!(model.error <= drift * (1.0 + 1e-12), "secant error {} > drift {drift}", model.error);
            for j in 0..400 {
                let exact = design.dot(j, &solver.r) / 60.0;
                let bound = solver.grad.bound(j, model);
                assert!(
                    bound >= exact.abs() * (1.0 - 1e-12) - 1e-15,
                    "feature {j}: bound {bound} < |c| {}",
                    exact.abs()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 30 * 400);
    }
}
