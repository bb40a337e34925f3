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
use crate::certificate::{Certificate, CertificateAccumulator, Totals};
use crate::cholesky::UpdatableCholesky;
use crate::datafit::{Datafit, Quadratic};
use crate::design::Design;
use crate::duplicates::{ColumnCopy, find_copies};
use crate::error::SolverError;
use crate::kernels;
use crate::newton::{GramCache, MAX_KERNEL_SAMPLES, MAX_NEWTON_SUPPORT};
use crate::options::{PathOptions, PathPoint, Screening};
use crate::penalty::{Penalty, Piece};

mod active_set;
mod gradients;
mod logistic;
mod model_factor;
mod weights;

pub use logistic::LogisticSolver;

use gradients::GradientCache;
use weights::PenaltyWeights;

/// When more than this share of live features would need an exact gradient, a full pass is
/// made instead, which also refreshes the reference residual of the bounds.
const FULL_PASS_SHARE: f64 = 0.1;
/// Features that may always join the working set at once (see `working_set_growth`).
const MIN_WORKING_SET_GROWTH: usize = 256;
/// Working-set sweeps between two certificate checks, at most.
const CHECK_EVERY: usize = 10;
/// Epochs of coordinate descent an alpha is assumed to need before any was measured.
const INITIAL_CD_EPOCHS: f64 = 30.0;

/// What a path is solved with, fixed for the whole path.
struct Settings {
    screening: Screening,
    warm_start: bool,
    tol: f64,
    max_epochs: usize,
}

/// The working set S of the current alpha: its features (sorted after each rebuild), a
/// membership mask, the Gap-Safe-screened features, and the support of the last certificate.
struct WorkingSet {
    features: Vec<usize>,
    in_set: Vec<bool>,
    screened: Vec<bool>,
    active: Vec<usize>,
}

/// The state of the active-set Newton solver (`active_set.rs`): the members A in factor
/// order, their penalty pieces, the curvature each member's diagonal was factored with,
/// `H_AA = L Lᵀ` and the Gram entries it is built from, and buffers for one round.
struct NewtonState {
    enabled: bool,
    gram: GramCache,
    members: Vec<usize>,
    pieces: Vec<Piece>,
    factor_curvature: Vec<f64>,
    is_member: Vec<bool>,
    factor: UpdatableCholesky,
    round_start: Vec<(usize, f64)>,
    c: Vec<f64>,
    g: Vec<f64>,
    d: Vec<f64>,
    /// Coordinate-descent epochs an alpha has recently needed (running mean, see
    /// `PathSolver::newton_pays`).
    cd_epochs: f64,
    /// How many more nonzero coefficients the last alpha had than the one before it.
    support_growth: usize,
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

/// Work done: columns read by gradient scans (whole path), and per alpha the epochs,
/// coordinate updates and Newton steps.
#[derive(Default)]
struct Counters {
    columns_scanned: u64,
    epochs: usize,
    updates: u64,
    /// Solves with a factored Hessian: segment steps of the active-set Newton, the ridge
    /// kernel solve, the logistic datafit's proximal-Newton steps.
    newton_steps: u64,
    /// Flops of ridge kernels built (2n² per penalized column).
    kernel_flops: u64,
}

/// Reusable buffers, so that no alpha allocates in its loops.
#[derive(Default)]
struct Scratch {
    idx: Vec<usize>,
    val: Vec<f64>,
    scored: Vec<(f64, usize)>,
    r: Vec<f64>,
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
    design: &'a D,
    datafit: Quadratic,
    penalty: P,
    /// Penalty factor w_j of every column (0 for covariates; all 1 by default).
    weights: PenaltyWeights,
    /// Columns of X proper (the first `p_x`; covariates follow).
    p_x: usize,
    settings: Settings,
    n: usize,
    /// The live columns the solver works on: every column with `v_j > 0`, less the copies.
    live: Vec<usize>,
    /// Membership mask of `live`.
    in_live: Vec<bool>,
    /// Live columns that copy a representative in `live` (see [`crate::duplicates`]); their
    /// coefficient stays 0 and they enter the certificate through their representative.
    copies: Vec<ColumnCopy>,
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
    anderson: AndersonMemory,
    scratch: Scratch,
    counts: Counters,
    coefs: Vec<(usize, f64)>,
}

impl<'a, D: Design, P: Penalty> PathSolver<'a, D, P> {
    /// Validates the data against the penalty and makes the first full pass (for alpha_max).
    pub fn new(design: &'a D, y: &[f64], penalty: P, options: &PathOptions) -> Result<Self, SolverError> {
        let n = design.n_samples();
        let p = design.n_features();
        if y.len() != n {
            return Err(SolverError::LengthMismatch { y_len: y.len(), n });
        }
        if let Some((i, &v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SolverError::NonFinite { what: "y", value: v, location: format!("position {i} (0-based)") });
        }
        let stats = design.stats();
        let p_x = p - design.n_covariates();
        let weights = PenaltyWeights::new(options.penalty_factor.as_deref(), p_x, p)?;
        if let Some(j) = (p_x..p).find(|&j| !design.is_live(j)) {
            return Err(SolverError::Unpenalized(format!(
                "covariate {} is constant: it duplicates the intercept",
                j - p_x + 1
            )));
        }
        let mut live: Vec<usize> = (0..p).filter(|&j| design.is_live(j)).collect();
        if let Some(&j) = live.iter().find(|&&j| !penalty.coordinate_convex(stats.curvature[j], weights[j])) {
            return Err(non_convex_error(&penalty, j, stats.curvature[j], weights[j]));
        }
        let copies = if options.merge_copies && penalty.l2_weight() == 0.0 && penalty.l1_weight() > 0.0 {
            // a copy is merged into a representative of the same weight only; unpenalized
            // columns are never merged (collinear ones are an error, see `fit_unpenalized`)
            let penalized: Vec<usize> = live.iter().copied().filter(|&j| weights[j] > 0.0).collect();
            let mut copies = find_copies(design, &penalized);
            copies.retain(|c| weights[c.column] == weights[c.representative]);
            copies
        } else {
            Vec::new()
        };
        let mut in_live = vec![false; p];
        live.iter().for_each(|&j| in_live[j] = true);
        copies.iter().for_each(|c| in_live[c.column] = false);
        live.retain(|&j| in_live[j]);
        let y_mean = if stats.fit_intercept { kernels::mean(y) } else { 0.0 };
        let y_work: Vec<f64> = y.iter().map(|&v| v - y_mean).collect();
        let null_objective = kernels::sq_norm(&y_work) / (2.0 * n as f64);
        let mut solver = PathSolver {
            design,
            datafit: Quadratic::new(n),
            penalty,
            weights,
            p_x,
            settings: Settings {
                screening: options.screening,
                warm_start: options.warm_start,
                tol: options.tol,
                max_epochs: options.max_epochs,
            },
            n,
            live,
            in_live,
            copies,
            grad: GradientCache::new(&stats.curvature, n, &y_work, options.screening.gradient_bounds),
            r: y_work.clone(),
            y_work,
            y_mean,
            null_objective,
            alpha_max: 0.0,
            start: StartState::default(),
            t: vec![0.0; p],
            residual_dirty: false,
            ws: WorkingSet {
                features: Vec::new(),
                in_set: vec![false; p],
                screened: vec![false; p],
                active: Vec::new(),
            },
            newton: NewtonState {
                enabled: options.newton,
                gram: GramCache::new(p),
                members: Vec::new(),
                pieces: Vec::new(),
                factor_curvature: Vec::new(),
                is_member: vec![false; p],
                factor: UpdatableCholesky::with_limit(MAX_NEWTON_SUPPORT),
                round_start: Vec::new(),
                c: Vec::new(),
                g: Vec::new(),
                d: Vec::new(),
                cd_epochs: INITIAL_CD_EPOCHS,
                support_growth: 0,
            },
            ridge: RidgeKernel::default(),
            anderson: AndersonMemory::default(),
            scratch: Scratch::default(),
            counts: Counters::default(),
            coefs: Vec::new(),
        };
        solver.fit_unpenalized()?;
        solver.full_pass();
        let (weights, c_ref) = (&solver.weights, &solver.grad.c_ref);
        solver.alpha_max = solver
            .live
            .iter()
            .filter(|&&j| weights[j] > 0.0)
            .map(|&j| solver.penalty.alpha_max_at(c_ref[j], weights[j]))
            .fold(0.0, f64::max);
        Ok(solver)
    }

    /// The unpenalized live columns U (covariates and zero weights) at their exact
    /// least-squares fit with every penalized coefficient at 0, `t_U = G_UU⁻¹ X̃_Uᵀỹ/n`
    /// (`G = X̃ᵀX̃/n`, factored once in Cholesky form), and `r = ỹ − X̃_U t_U`: the model at
    /// alpha_max. Fails, naming the column, when G_UU is singular (a column collinear with the
    /// others before it).
    fn fit_unpenalized(&mut self) -> Result<(), SolverError> {
        let unpenalized: Vec<usize> = self.live.iter().copied().filter(|&j| self.weights[j] == 0.0).collect();
        if !unpenalized.is_empty() {
            let mut gram = GramCache::new(self.design.n_features());
            gram.ensure(self.design, &unpenalized);
            let mut factor = UpdatableCholesky::with_limit(unpenalized.len());
            for (a, &j) in unpenalized.iter().enumerate() {
                let row: Vec<f64> = unpenalized[..a].iter().map(|&m| gram.get(m, j)).collect();
                if !factor.append(&row, gram.get(j, j)) {
                    return Err(SolverError::Unpenalized(format!(
                        "the unpenalized {} is collinear with the unpenalized columns before it (intercept{}): their least-squares fit is not unique",
                        self.column_label(j),
                        if a > 0 { " and earlier covariates or zero-weight columns" } else { "" }
                    )));
                }
            }
            let inv_n = 1.0 / self.n as f64;
            let mut t_u: Vec<f64> = unpenalized.iter().map(|&j| self.design.dot(j, &self.y_work) * inv_n).collect();
            factor.solve(&mut t_u);
            for (&j, &t) in unpenalized.iter().zip(&t_u) {
                self.t[j] = t;
                self.design.axpy(j, -t, &mut self.r);
            }
            self.start.coefs = unpenalized.iter().copied().zip(t_u).collect();
            self.grad.invalidate();
        }
        self.start.residual = self.r.clone();
        Ok(())
    }

    /// "covariate i" (1-based) or "column j" (0-based) of X.
    fn column_label(&self, j: usize) -> String {
        if j >= self.p_x { format!("covariate {}", j - self.p_x + 1) } else { format!("column {j} of X") }
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
        if self.live.is_empty() {
            "no column of X varies"
        } else if self.live.iter().all(|&j| self.weights[j] == 0.0) {
            "no penalized column of X varies"
        } else if self.null_objective == 0.0 {
            if self.design.stats().fit_intercept { "y is constant" } else { "y is all zeros" }
        } else {
            "y is orthogonal to every column of X"
        }
    }

    /// The weight ρ of the penalty's L1 part (0 for the ridge).
    pub fn penalty_l1_weight(&self) -> f64 {
        self.penalty.l1_weight()
    }

    /// Full-pass equivalents of gradient scans so far.
    pub fn total_scan_passes(&self) -> f64 {
        self.counts.columns_scanned as f64 / self.live.len().max(1) as f64
    }

    /// Solves one alpha, warm-started from the current state, and describes the result.
    pub fn fit_alpha(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> PathPoint<'_> {
        let started = Instant::now();
        let scanned_before = self.counts.columns_scanned;
        let newton_before = self.newton_flops();
        self.counts.epochs = 0;
        self.counts.updates = 0;
        self.counts.newton_steps = 0;
        if !self.settings.warm_start {
            self.reset_to_zero();
        }
        self.ws.screened.iter_mut().for_each(|s| *s = false);
        self.build_working_set(alpha, alpha_prev);
        self.ridge_kernel_solve(alpha);
        if self.gap_safe_applies(alpha) {
            let cert = self.certify(alpha);
            self.gap_safe_screen(alpha, &cert);
        }
        let mut inner_tol = self.settings.tol;
        let (certificate, converged) = loop {
            let solved = self.solve_working_set(alpha, inner_tol);
            let violators = self.check_outside(alpha);
            if violators > 0 && solved {
                continue;
            }
            let cert = self.certify(alpha);
            if cert.value <= self.settings.tol {
                break (cert, true);
            }
            if !solved || self.counts.epochs >= self.settings.max_epochs {
                break (cert, false);
            }
            if self.gap_safe_applies(alpha) {
                self.gap_safe_screen(alpha, &cert);
            }
            inner_tol *= 0.1;
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
        let n = self.n as f64;
        let r_sq = kernels::sq_norm(&self.r);
        PathPoint {
            alpha_index,
            alpha,
            alpha_over_max: if self.alpha_max > 0.0 { alpha / self.alpha_max } else { 0.0 },
            nnz: self.coefs.iter().filter(|&&(j, _)| j < self.p_x).count(),
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
            scan_passes: (self.counts.columns_scanned - scanned_before) as f64 / self.live.len().max(1) as f64,
            newton_passes: (self.newton_flops() - newton_before) as f64 / (2.0 * n * self.live.len().max(1) as f64),
            coefs: &self.coefs,
        }
    }

    /// Flops of the second-order models so far (see [`PathPoint::newton_passes`]): the
    /// active-set factor, the Gram entries (2n each), the ridge kernel and its factor.
    fn newton_flops(&self) -> u64 {
        self.newton.factor.flops()
            + 2 * self.n as u64 * self.newton.gram.entries_computed()
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
        let level = self.settings.screening.strong_rules.then_some(2.0 * alpha - alpha_prev);
        let rules = Rules { penalty: &self.penalty, weights: &self.weights, live: &self.live };
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
        self.anderson.reset(self.ws.features.len(), self.n);
        loop {
            if self.counts.epochs >= self.settings.max_epochs {
                self.refresh_residual();
                self.exact_gradients_on_working_set();
                return false;
            }
            let change = self.sweep_working(alpha);
            since_check += 1;
            let t = &self.t;
            if self.anderson.push(self.ws.features.iter().map(|&j| t[j]), &self.r) {
                self.try_extrapolation(alpha);
            }
            if change <= check_threshold || since_check >= CHECK_EVERY {
                since_check = 0;
                if self.restricted_certificate(alpha) <= tol {
                    return true;
                }
                check_threshold *= 0.1;
                let signature = self.support_signature();
                let stable = signature == last_signature;
                last_signature = signature;
                if (!newton_failed || stable) && self.newton_pays(alpha) {
                    newton_failed = !self.active_set_solve(alpha);
                    self.anderson.reset(self.ws.features.len(), self.n);
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
        let n = self.n;
        if !ridge_like || !self.newton.enabled || n > MAX_KERNEL_SAMPLES || alpha <= 0.0 {
            return;
        }
        if self.ridge.kernel.is_none() && !self.ridge.declined {
            self.ridge.declined = true;
            let weights = &self.weights;
            let penalized: Vec<usize> = self.live.iter().copied().filter(|&j| weights[j] > 0.0).collect();
            self.ridge.unpenalized = self.live.iter().copied().filter(|&j| weights[j] == 0.0).collect();
            if penalized.len() <= n || self.ridge.unpenalized.len() >= n / 2 {
                return;
            }
            self.ridge.kernel = Some(crate::newton::kernel_matrix(self.design, &penalized, |j| 1.0 / weights[j]));
            self.counts.kernel_flops += 2 * (n * n * penalized.len()) as u64;
            self.ridge.declined = false;
            let q = self.ridge.unpenalized.len();
            self.ridge.columns = vec![0.0; n * q];
            for (column, &j) in self.ridge.columns.chunks_mut(n).zip(&self.ridge.unpenalized) {
                self.design.axpy(j, 1.0, column);
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
        for &j in &self.live {
            let w = self.weights[j];
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
        let mut coefs = std::mem::take(&mut self.scratch.val);
        let mut residual = std::mem::take(&mut self.scratch.r);
        coefs.resize(self.ws.features.len(), 0.0);
        residual.resize(self.n, 0.0);
        if self.anderson.extrapolate(&mut coefs, &mut residual) {
            let inv_2n = 0.5 / self.n as f64;
            let weights = &self.weights;
            let pen = |coef: &mut dyn Iterator<Item = (f64, usize)>| -> f64 {
                coef.map(|(t, j)| self.penalty.weighted_value(t, alpha, weights[j])).sum::<f64>()
            };
            let current =
                kernels::sq_norm(&self.r) * inv_2n + pen(&mut self.ws.features.iter().map(|&j| (self.t[j], j)));
            let proposed = kernels::sq_norm(&residual) * inv_2n
                + pen(&mut coefs.iter().zip(&self.ws.features).map(|(&t, &j)| (t, j)));
            if proposed < current {
                for (&j, &c) in self.ws.features.iter().zip(&coefs) {
                    self.t[j] = c;
                }
                std::mem::swap(&mut self.r, &mut residual);
                self.grad.invalidate();
                self.residual_dirty = true;
            }
        }
        self.scratch.val = coefs;
        self.scratch.r = residual;
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
                self.design.axpy(j, -t, &mut self.r);
            }
        }
        self.grad.invalidate();
    }

    /// One cyclic pass over S:
    /// `z = v_j t_j + x̃_jᵀr/n`, `t_j ← threshold_w(z, v_j, α)`, `r ← r − (t_j_new − t_j)·x̃_j`.
    /// Returns `max_j v_j·δ_j²`.
    fn sweep_working(&mut self, alpha: f64) -> f64 {
        self.counts.epochs += 1;
        let inv_n = 1.0 / self.n as f64;
        let curvature = &self.design.stats().curvature;
        let mut max_change = 0.0f64;
        let mut moved = false;
        for &j in &self.ws.features {
            let v = curvature[j];
            let old = self.t[j];
            let z = v * old + self.design.dot(j, &self.r) * inv_n;
            let new = self.penalty.weighted_threshold(z, v, alpha, self.weights[j]);
            let delta = new - old;
            if delta != 0.0 {
                self.design.axpy(j, -delta, &mut self.r);
                self.t[j] = new;
                self.counts.updates += 1;
                moved = true;
                max_change = max_change.max(v * delta * delta);
            }
        }
        if moved {
            self.grad.invalidate();
        }
        max_change
    }

    /// Exact `c_j` at the current residual for every j in S.
    fn exact_gradients_on_working_set(&mut self) {
        self.grad.exact(self.design, &self.r, &self.ws.features);
    }

    /// The certificate of the problem restricted to S (exact gradients on S).
    fn restricted_certificate(&mut self, alpha: f64) -> f64 {
        self.refresh_residual();
        self.exact_gradients_on_working_set();
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        for &j in &self.ws.features {
            acc.add(self.t[j], self.grad.c_now[j], self.weights[j]);
        }
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max).value
    }

    /// Makes `c_now` exact, or bounded below the zero threshold, for every live feature
    /// outside S (a full pass when too many are in doubt); adds the violators to S and returns
    /// how many there were (see [`Rules`]).
    fn check_outside(&mut self, alpha: f64) -> usize {
        let model = self.grad.bound_model(&self.r);
        let rules = Rules { penalty: &self.penalty, weights: &self.weights, live: &self.live };
        if rules.in_doubt(&self.ws, &self.grad, model, alpha, &mut self.scratch.idx) {
            self.full_pass();
        } else {
            let read = self.grad.exact(self.design, &self.r, &self.scratch.idx);
            self.counts.columns_scanned += read as u64;
        }
        let rules = Rules { penalty: &self.penalty, weights: &self.weights, live: &self.live };
        rules.add_violators(&mut self.ws, &self.grad, alpha, &mut self.scratch.scored)
    }

    /// Exact gradients of every live feature (a new reference for the bounds).
    fn full_pass(&mut self) {
        let has_old = self.counts.columns_scanned > 0;
        let read = self.grad.full_pass(self.design, &self.r, &self.live, &self.in_live, has_old);
        self.counts.columns_scanned += read as u64;
    }

    /// Whole-vector terms of the certificate at the current state.
    fn totals(&self, alpha: f64) -> Totals {
        let mut t_sq = 0.0;
        let mut penalty = 0.0;
        for &j in &self.ws.features {
            let t = self.t[j];
            if t != 0.0 {
                let w = self.weights[j];
                t_sq += w * t * t;
                penalty += self.penalty.weighted_value(t, alpha, w);
            }
        }
        Totals {
            r_sq: kernels::sq_norm(&self.r),
            r_dot_y: kernels::dot(&self.r, &self.y_work),
            r_mean: if self.design.stats().fit_intercept { kernels::mean(&self.r) } else { 0.0 },
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
        self.grad.exact(self.design, &self.r, &self.ws.active);
        let model = self.grad.bound_model(&self.r);
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        for &j in &self.live {
            let w = self.weights[j];
            if self.grad.is_exact(j) {
                acc.add(self.t[j], self.grad.c_now[j], w);
            } else {
                let bound = self.grad.bound(j, model);
                if bound > self.penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, bound, w);
                }
            }
        }
        if !self.copies.is_empty() {
            // |c_copy| ≤ |c_rep| + δ·‖r‖₁/n, with the representative's exact gradient or bound
            let r_l1_over_n = self.r.iter().map(|v| v.abs()).sum::<f64>() / self.n as f64;
            for copy in &self.copies {
                let k = copy.representative;
                let c = self.grad.exact_or_bound(k, model);
                let c = c + copy.deviation * r_l1_over_n;
                let w = self.weights[copy.column];
                if c > self.penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, c, w);
                }
            }
        }
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max)
    }

    fn gap_safe_applies(&self, alpha: f64) -> bool {
        self.settings.screening.gap_safe && self.penalty.is_convex() && self.penalty.l1_weight() * alpha > 0.0
    }

    /// Gap Safe sphere test with the rescaled-residual dual point θ = s·[r; −√(B w) t]:
    /// feature j (with t_j = 0, w_j > 0) is zero at the optimum if
    /// `s·|x̃_jᵀr| + √(n v_j + w_j B)·√(2γ·gap_u) < w_j A` (γ the datafit's Gap Safe
    /// constant); it leaves S for the rest of this alpha. Unpenalized features never are.
    fn gap_safe_screen(&mut self, alpha: f64, cert: &Certificate) {
        let Some((s, gap_u)) = cert.scaled_dual else { return };
        let acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        let (a, b) = (acc.l1(), acc.l2());
        let radius = (2.0 * self.datafit.gap_safe_constant() * gap_u).sqrt();
        let n = self.n as f64;
        let model = self.grad.bound_model(&self.r);
        let curvature = &self.design.stats().curvature;
        for &j in &self.live {
            let w = self.weights[j];
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
        let scale = &self.design.stats().scale;
        self.coefs.clear();
        self.coefs.extend(self.ws.features.iter().filter(|&&j| self.t[j] != 0.0).map(|&j| (j, self.t[j] / scale[j])));
        self.coefs.sort_unstable_by_key(|&(j, _)| j);
    }

    /// `b = ȳ − Σ_j m_j β_j` (0 without intercept).
    fn intercept(&self) -> f64 {
        let center = &self.design.stats().center;
        if !self.design.stats().fit_intercept {
            return 0.0;
        }
        self.y_mean - self.coefs.iter().map(|&(j, b)| center[j] * b).sum::<f64>()
    }
}

/// The working-set rules both datafits' solvers share: which features a new alpha starts
/// from, which outside features are in doubt, and which violate their KKT condition at t_j = 0.
/// All read the gradients `c_j = x̃_jᵀr/n` of the gradient cache, whatever the datafit.
struct Rules<'s, P: Penalty> {
    penalty: &'s P,
    weights: &'s PenaltyWeights,
    live: &'s [usize],
}

impl<P: Penalty> Rules<'_, P> {
    /// S = {j : t_j ≠ 0 or never zero by screening (w_j·ρ = 0)} ∪ {j : ĉ_j ≥ w_j·ρ·level}
    /// (the sequential strong rule at `level = 2α − α_prev`, with ĉ the exact gradient or the
    /// bound model's prediction), the candidates capped at [`working_set_growth`] by size; every
    /// live feature when `level` is `None` (no strong rules). S is sorted.
    fn rebuild(
        &self,
        ws: &mut WorkingSet,
        t: &[f64],
        grad: &GradientCache,
        model: gradients::BoundModel,
        level: Option<f64>,
        candidates: &mut Vec<(f64, usize)>,
    ) {
        for &j in &ws.features {
            ws.in_set[j] = false;
        }
        ws.features.clear();
        candidates.clear();
        for &j in self.live {
            let w = self.weights[j];
            let always = self.penalty.zero_threshold(1.0, w) == 0.0;
            match level {
                Some(level) if t[j] == 0.0 && !always => {
                    let estimate = grad.estimate(j, model);
                    if estimate >= self.penalty.zero_threshold(level, w) {
                        candidates.push((estimate, j));
                    }
                }
                _ => ws.features.push(j),
            }
        }
        keep_largest(candidates, working_set_growth(ws.features.len()));
        ws.features.extend(candidates.iter().map(|&(_, j)| j));
        ws.features.sort_unstable();
        for &j in &ws.features {
            ws.in_set[j] = true;
        }
    }

    /// The live features outside S whose gradient is neither exact nor bounded below the zero
    /// threshold `w_j·ρα`, into `idx`; returns whether they are more than [`FULL_PASS_SHARE`] of
    /// the live features (then a full pass is cheaper than reading them one by one).
    fn in_doubt(
        &self,
        ws: &WorkingSet,
        grad: &GradientCache,
        model: gradients::BoundModel,
        alpha: f64,
        idx: &mut Vec<usize>,
    ) -> bool {
        idx.clear();
        for &j in self.live {
            if ws.in_set[j] || grad.is_exact(j) {
                continue;
            }
            if grad.bound(j, model) > self.penalty.zero_threshold(alpha, self.weights[j]) {
                idx.push(j);
            }
        }
        idx.len() as f64 > FULL_PASS_SHARE * self.live.len() as f64
    }

    /// Adds to S the features outside it (not screened) whose exact gradient violates
    /// `|c_j| ≤ w_j·ρα`, the largest first, at most [`working_set_growth`]; returns how many.
    fn add_violators(
        &self,
        ws: &mut WorkingSet,
        grad: &GradientCache,
        alpha: f64,
        violators: &mut Vec<(f64, usize)>,
    ) -> usize {
        violators.clear();
        for &j in self.live {
            if ws.in_set[j] || ws.screened[j] || !grad.is_exact(j) {
                continue;
            }
            if grad.c_now[j].abs() > self.penalty.zero_threshold(alpha, self.weights[j]) {
                violators.push((grad.c_now[j].abs(), j));
            }
        }
        keep_largest(violators, working_set_growth(ws.features.len()));
        for &(_, j) in violators.iter() {
            ws.in_set[j] = true;
            ws.features.push(j);
        }
        violators.len()
    }
}

/// How many features may join a working set of `size` at once (celer's doubling): a cold
/// start far below alpha_max, where the strong rule keeps nearly everything, then grows its
/// working set from the most violating features instead of sweeping all of them.
fn working_set_growth(size: usize) -> usize {
    size.max(MIN_WORKING_SET_GROWTH)
}

/// Keeps the `cap` entries with the largest scores (all of them if there are fewer).
fn keep_largest(scored: &mut Vec<(f64, usize)>, cap: usize) {
    if scored.len() > cap {
        scored.select_nth_unstable_by(cap - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(cap);
    }
}

fn non_convex_error<P: Penalty>(penalty: &P, column: usize, curvature: f64, weight: f64) -> SolverError {
    if weight != 1.0 {
        let gamma = penalty.gamma().unwrap_or(f64::NAN);
        let limit = if penalty.name() == "mcp" { gamma * curvature } else { (gamma - 1.0) * curvature };
        return SolverError::WeightTooLarge { penalty: penalty.name(), gamma, weight, column, curvature, limit };
    }
    let condition = if penalty.name() == "mcp" { "gamma * v > 1" } else { "gamma > 1 + 1/v" };
    SolverError::NonConvexCoordinate {
        penalty: penalty.name(),
        gamma: penalty.gamma().unwrap_or(f64::NAN),
        column,
        curvature,
        condition,
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
        let options = PathOptions::default();
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
