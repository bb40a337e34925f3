//! Paths of a smooth datafit (logistic, Cox): a proximal Newton (IRLS) solver on working sets,
//! generic over [`Datafit`], with the same screening, gradient bounds, copies and certificates
//! as the quadratic solver (docs/design.md §3, docs/datafits.md).
//!
//! When the datafit's Hessian is not diagonal ([`Datafit::hessian_at`]: Cox, whose risk sets
//! couple the samples) the Newton model below uses the full Hessian H instead of `diag(h)`:
//! the sweeps keep `u_j = H x̃_j` for the members of S (O(n) each) and update `q −= δ u_j`,
//! and the exact solve on the support is [`ProxState::hessian_active_solve`].
//!
//! State on the working scale: coefficients t, intercept b, linear predictor `η = b + X̃t`
//! and residual `r = y − σ(η)`; the coordinate gradients of the loss are `−c_j` with
//! `c_j = x̃_jᵀr/n`, so the gradient cache, strong rules and KKT checks of the quadratic solver
//! apply to r unchanged.
//!
//! **One Newton step on the working set S** (glmnet's IRLS, celer's and skglm's prox-Newton):
//! with Hessian weights `h_i = σ(η_i)σ(−η_i)`, minimize the second-order model
//!
//! ```text
//! m(δt, δb) = −(1/n) rᵀd + (1/2n) Σ_i h_i d_i² + Σ_{j∈S} w_j pen(t_j + δt_j),   d = δb + X̃_S δt
//! ```
//!
//! by cyclic coordinate descent: with the model residual `q = r − h∘d`, coordinate j has
//! gradient `−x̃_jᵀq/n` and curvature `H_j = Σ_i h_i x̃_ij²/n`, and moves to the exact minimizer
//! of `H_j/2·u² − (H_j t_j + x̃_jᵀq/n)·u + w_j pen(u)` (for MCP/SCAD with `H_j` below the
//! convexity limit — `H_j ≤ v_j/4` always — the global minimizer over the penalty's pieces);
//! the intercept moves by `Σq/Σh`. The step `(δt, δb)` is then accepted with a backtracking
//! line search on the true objective, so every step decreases it.
//!
//! **Mixed precision** (the diagonal model on packed genotypes): the sweeps keep
//! `u = r − q = h∘d` in f32 instead of q in f64, and take coordinate j's model gradient as
//! `x̃_jᵀq/n = c_j − x̃_jᵀu/n` with `c_j` the exact f64 gradient at r (known on S from the
//! restricted certificate of the previous step). Only the correction is rounded, with an error
//! proportional to the step, which goes to 0 as the Newton steps converge; η, r, the line
//! search and the certificates are f64 throughout. The f32 kernels read half the bytes and
//! decode twice the samples per vector, and the sweeps were a third of a logistic CV run.
//!
//! **Certificate** at the end of each alpha: the intercept and the unpenalized columns are
//! re-fitted exactly for the current penalized coefficients (Newton on that small block), so
//! the dual point `θ = r/n` satisfies `1ᵀθ = 0` and `X̃_Uᵀθ = 0`; then
//!
//! - Lasso: `θ` is rescaled by `s = min(1, min_j w_j α/|c_j|)` and
//!   `D = −(1/n) Σ h(y_i − s r_i)`;
//! - ElasticNet/Ridge: `D = −(1/n) Σ h(y_i − r_i) − Σ_j (|c_j| − w_jαρ)₊²/(2 w_j α(1−ρ))`;
//! - the relative gap `(P − D)/P(0)`, P(0) the intercept-only loss (binary entropy of ȳ);
//! - MCP/SCAD: the relative KKT violation `max_j dist(−∇_j, w_j ∂pen(t_j))/alpha_max`.
//!
//! **Separation.** When the fitted probabilities reach the labels (loss below
//! [`SEPARATED_LOSS`]·P(0)) the data are separated by the current predictor; with a penalty
//! that flattens out (MCP, SCAD) or with unpenalized columns, the objective then has no finite
//! minimizer and the path ends there (`StopReason::Separated`). For Lasso, ElasticNet and
//! Ridge at α > 0 a minimizer always exists and such a loss cannot be optimal unless
//! α ≲ 10⁻⁸·alpha_max.

use std::time::Instant;

use crate::anderson::AndersonMemory;
use crate::certificate::{CertificateAccumulator, CertificateKind, max_or_nan};
use crate::cholesky::UpdatableCholesky;
use crate::datafit::Datafit;
use crate::design::Design;
use crate::error::SolverError;
use crate::penalty::Penalty;
use crate::point::PathPoint;
use crate::solve_options::SolveOptions;

use super::alpha_loop::{AlphaSteps, Solve, solve_alpha};
use super::gradients::GradientCache;
use super::model_factor::ModelFactor;
use super::problem::{Counters, Problem};
use super::working_set::{Rules, WorkingSet};

/// A loss below this share of P(0) means the training samples are separated.
pub const SEPARATED_LOSS: f64 = 1e-9;
/// Inner coordinate-descent sweeps per Newton step, at most.
const MAX_INNER_SWEEPS: usize = 200;
/// A Newton step's inner sweeps stop once the largest coordinate move `H_j δ_j²` of a sweep
/// of S is below this share of the first sweep's. With the full Hessian (Cox) the model is
/// solved accurately, so that few Newton steps are needed: there the exact solves that follow
/// the sweeps do most of the work, and 10⁻² made the 1,000 × 100,000 Cox Lasso path 1.2×
/// slower (7,018 → 10,338 sweeps, 2026-12-05).
const INNER_DECREASE: f64 = 1e-6;
/// [`INNER_DECREASE`] for the diagonal model (logistic): an inexact Newton method. A model
/// solved to 1 % of its first move is a good enough step; the next Newton step, from a
/// better point, corrects the rest. Sweeps per path (one thread, 2026-12-05, against 10⁻⁶):
/// 12,000 × 100,000 genotype case/control Lasso to nnz 2,500 (a CV fold of the biobank
/// benchmark) 905 → 592 and 5.47 → 4.79 s; equicorrelated 1,000 × 100,000 case/control
/// ElasticNet 11,713 → 7,277 (8.6 → 5.9 s); EUR_subset case/control ElasticNet 4,501 → 1,892;
/// the equicorrelated Lasso needed more (6,831 → 8,844, 4.5–5.2 → 5.2–5.3 s), whose steps
/// gain most from the exact model solve that longer inner loops reach.
const DIAGONAL_INNER_DECREASE: f64 = 1e-2;
/// Active-set iterations (a member dropped at each) of one exact solve of a full-Hessian
/// Newton model ([`ProxState::hessian_active_solve`]).
const MAX_ACTIVE_SET_ITERATIONS: usize = 64;
/// Halvings of the line search before a Newton step is given up.
const MAX_HALVINGS: usize = 40;
/// Floor of the Hessian weights `h_i` (probabilities within 10⁻¹² of a label), so that every
/// coordinate model stays strictly convex in the datafit.
const MIN_HESSIAN_WEIGHT: f64 = 1e-12;
/// Inner sweeps of one Newton step before its model is first solved exactly on the support
/// (then again after 2×, 4×, … as many): cheap steps converge in a few sweeps, and the exact
/// solve costs |A|²n. Solving after every sweep of S made a 1,000 × 100,000 genotype Lasso
/// path 3.7× slower; never solving made the equicorrelated one 4.4× slower.
const SWEEPS_BEFORE_EXACT_MODEL: usize = 10;
/// Inner sweeps of a Newton step before its model is solved exactly when the previous step
/// of the same alpha ended with an exact solve: the support has settled, the kept factor
/// makes the solve cheap (see [`ModelFactor`]), and the sweeps would only converge slowly to
/// the same point. On the equicorrelated 1,000 × 100,000 case/control Lasso path: 20 % fewer
/// sweeps.
const SWEEPS_BEFORE_REPEATED_EXACT_MODEL: usize = 2;
/// The exact model solve stops once every entry of its residual `g − Kδ` is below this
/// share of tol·alpha (see [`ModelFactor`]).
const MODEL_SOLVE_ACCURACY: f64 = 1e-3;
/// Gradient of the unpenalized block below which its fit is exact to rounding.
const REFIT_FLOOR: f64 = 1e-15;
/// Largest support (with the intercept) solved exactly by [`ProxState::model_active_solve`]
/// (a Cholesky factor of that size).
const MAX_MODEL_SUPPORT: usize = 4000;
/// The working-set column cache holds at most this many bytes.
const COLUMN_CACHE_BYTES: usize = 256 << 20;
/// The products `H x̃_j` of a Newton step with a non-diagonal Hessian take at most this many
/// bytes (|S|·n·8); beyond, the step uses the Hessian's diagonal.
const HESSIAN_COLUMN_BYTES: usize = 512 << 20;

/// The second-order model of a Newton step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Model {
    /// Hessian weights `h_i = σ(η_i)σ(−η_i)`: the proximal Newton model.
    Newton,
    /// The same with each coordinate's curvature raised to make its problem convex (MCP/SCAD).
    Damped,
    /// `h_i = 1/4`: a global majorizer of the loss (MM step).
    Majorizer,
}

/// Working columns for the coordinate sweeps of a Newton model. A design whose columns are
/// packed ([`Design::packed_columns`]: 2-bit genotype codes, n/4 bytes) is read in place, a
/// weighted axpy decoding the codes (a materialised column would be 32 times larger, and the
/// sweeps memory-bound). Other designs are materialized as `x̃_j` (n values each), filled on
/// first use up to [`COLUMN_CACHE_BYTES`]; beyond that a column is materialized into `spill`
/// at each use. The exact model solve needs materialised columns of the support in either
/// case ([`ColumnCache::ensure`]).
struct ColumnCache {
    slot: Vec<u32>,
    data: Vec<f64>,
    capacity: usize,
    spill: Vec<f64>,
    n: usize,
    packed: bool,
}

impl ColumnCache {
    fn new(n: usize, p: usize, packed: bool) -> Self {
        let capacity = (COLUMN_CACHE_BYTES / (8 * n.max(1))).min(p).min(u32::MAX as usize - 1);
        ColumnCache { slot: vec![u32::MAX; p], data: Vec::new(), capacity, spill: vec![0.0; n], n, packed }
    }

    /// Caches column j if there is room (no-op when already cached).
    fn ensure<D: Design>(&mut self, design: &D, j: usize) {
        if self.slot[j] != u32::MAX {
            return;
        }
        let used = self.data.len() / self.n.max(1);
        if used < self.capacity {
            let start = self.data.len();
            self.data.resize(start + self.n, 0.0);
            design.axpy(j, 1.0, &mut self.data[start..]);
            self.slot[j] = used as u32;
        }
    }

    /// `x̃_j` if it is cached.
    fn cached(&self, j: usize) -> Option<&[f64]> {
        let s = self.slot[j];
        (s != u32::MAX).then(|| &self.data[s as usize * self.n..(s as usize + 1) * self.n])
    }

    /// `x̃_j`, from the cache or freshly materialized.
    fn get<D: Design>(&mut self, design: &D, j: usize) -> &[f64] {
        let s = self.slot[j];
        if s != u32::MAX {
            let start = s as usize * self.n;
            &self.data[start..start + self.n]
        } else {
            self.spill.iter_mut().for_each(|v| *v = 0.0);
            design.axpy(j, 1.0, &mut self.spill);
            &self.spill
        }
    }

    /// `Σ_i w_i x̃_ij²` (caching the column of an unpacked design).
    fn weighted_sq_norm<D: Design>(&mut self, design: &D, j: usize, w: &[f64]) -> f64 {
        if self.packed {
            return design.weighted_sq_norm(j, w);
        }
        self.ensure(design, j);
        self.get(design, j).iter().zip(w).map(|(&x, &h)| h * x * x).sum()
    }

    /// `x̃_jᵀv`.
    fn dot<D: Design>(&mut self, design: &D, j: usize, v: &[f64]) -> f64 {
        if self.packed { design.dot(j, v) } else { crate::kernels::dot(self.get(design, j), v) }
    }

    /// `v_i −= w_i·δ·x̃_ij`.
    fn subtract_weighted<D: Design>(&mut self, design: &D, j: usize, delta: f64, w: &[f64], v: &mut [f64]) {
        if self.packed {
            design.weighted_axpy(j, -delta, w, v);
        } else {
            for (q, (&x, &h)) in v.iter_mut().zip(self.get(design, j).iter().zip(w)) {
                *q -= h * delta * x;
            }
        }
    }

    /// `v += a·x̃_j`.
    fn axpy<D: Design>(&mut self, design: &D, j: usize, a: f64, v: &mut [f64]) {
        if self.packed {
            design.axpy(j, a, v);
        } else {
            v.iter_mut().zip(self.get(design, j)).for_each(|(d, &x)| *d += a * x);
        }
    }
}

/// Buffers of one Newton step (n-vectors, and per-member values of S).
#[derive(Default)]
struct StepBuffers {
    /// Hessian weights `h_i`.
    h: Vec<f64>,
    /// Model residual `q = r − h∘d` (in single-precision sweeps, written from `u` only where
    /// a consumer needs it).
    q: Vec<f64>,
    /// Single-precision sweeps (the diagonal model on packed columns): the model's change
    /// `u = h∘d = r − q` in f32, and h in f32. A coordinate's model gradient is then
    /// `x̃_jᵀq/n = c_j − x̃_jᵀu/n`, c_j exact (f64) at r: the f32 error scales with the step
    /// u, not with r, so it vanishes as the Newton steps converge (mixed-precision iterative
    /// refinement: r, the line search and every certificate stay f64).
    u32: Vec<f32>,
    h32: Vec<f32>,
    /// `d = δb + X̃_S δt`.
    d: Vec<f64>,
    /// η at the start of the step.
    eta_old: Vec<f64>,
    /// t on S at the start of the step.
    t_old: Vec<f64>,
    /// t on S after the model's minimization (the full step).
    t_new: Vec<f64>,
    /// `H_j` on S.
    curvature: Vec<f64>,
    scored: Vec<(f64, usize)>,
    idx: Vec<usize>,
    /// Anderson extrapolation of the inner sweeps on a fixed support: (t_S, b) and q.
    anderson: AndersonMemory,
    extrapolated: Vec<f64>,
    extrapolated_q: Vec<f64>,
    /// The model matrix's factor on the support, kept as a preconditioner.
    model: ModelFactor,
    /// The previous Newton step of this alpha ended with an accepted exact model solve.
    exact_accepted: bool,
    /// The last accepted exact model solve stopped at a piece end.
    clipped: bool,
    /// With a datafit whose Hessian H is not diagonal ([`Datafit::hessian_at`]): `H x̃_j` for
    /// the members of S in order (n values each), then `H·1` when an intercept is fitted.
    hessian_columns: Vec<f64>,
    /// The factor of the full-Hessian model on a support, kept within one Newton step
    /// ([`ProxState::hessian_active_solve`]), its members (positions in S, S's length
    /// for the intercept) with the piece curvature each was appended with, and whether it
    /// belongs to the current step.
    hessian_factor: UpdatableCholesky,
    hessian_members: Vec<usize>,
    hessian_kappa: Vec<f64>,
    hessian_factor_valid: bool,
    /// A column of ones (the intercept's).
    ones: Vec<f64>,
    /// Flops of the full-Hessian models' Gram matrices and Hessian products so far.
    hessian_flops: u64,
}

impl StepBuffers {
    /// Floating-point operations of every exact model solve so far (both kinds), for
    /// `PathPoint::newton_passes`.
    fn model_flops(&self) -> u64 {
        self.model.flops() + self.hessian_factor.flops() + self.hessian_flops
    }
}

/// The state a path without warm starts restarts every alpha from: the covariates-only fit.
#[derive(Default)]
struct Start {
    coefs: Vec<(usize, f64)>,
    b: f64,
    eta: Vec<f64>,
}

/// The proximal-Newton path solver for a non-quadratic datafit (logistic, Cox): the state
/// of one design, response and penalty, and the buffers its Newton steps work in, kept
/// apart so that the steps borrow both at once.
pub struct ProxNewtonSolver<'a, D: Design, P: Penalty, F: Datafit> {
    state: ProxState<'a, D, P, F>,
    step: StepBuffers,
}

/// Path state of a datafit for one design, response and penalty.
struct ProxState<'a, D: Design, P: Penalty, F: Datafit> {
    /// The design, weights, live columns and options (`problem.rs`).
    problem: Problem<'a, D>,
    penalty: P,
    /// The unpenalized live columns U (covariates and zero weights), fitted exactly with b.
    unpenalized: Vec<usize>,
    datafit: F,
    /// Whether the datafit's conjugate is known (a duality gap certifies convex penalties);
    /// otherwise every certificate is the relative KKT violation.
    dual_known: bool,
    fit_intercept: bool,
    null_objective: f64,
    alpha_max: f64,
    start: Start,
    t: Vec<f64>,
    b: f64,
    eta: Vec<f64>,
    r: Vec<f64>,
    /// `F(η)`, kept with r by [`Self::update_residual`].
    loss: f64,
    /// The exact fit of the intercept and U stops once its gradient is below this.
    refit_tol: f64,
    grad: GradientCache,
    /// The working set (Gap Safe screening is not used: `screened` stays all false).
    ws: WorkingSet,
    columns: ColumnCache,
    counts: Counters,
    coefs: Vec<(usize, f64)>,
}

/// The certificate of one state.
pub(super) struct StateCertificate {
    kind: CertificateKind,
    value: f64,
    primal: f64,
}

impl<'a, D: Design, P: Penalty, F: Datafit> ProxState<'a, D, P, F> {
    /// Fits the covariates-only model of the datafit (its response validated by its
    /// constructor) and makes the first full pass (for alpha_max).
    pub fn new(design: &'a D, datafit: F, penalty: P, options: &SolveOptions) -> Result<Self, SolverError> {
        let n = design.n_samples();
        let p = design.n_features();
        if datafit.n_samples() != n {
            return Err(SolverError::LengthMismatch { y_len: datafit.n_samples(), n });
        }
        let stats = design.stats();
        let problem = Problem::new(design, &penalty, options, false)?;
        let unpenalized = problem.unpenalized();
        let fit_intercept = stats.fit_intercept && datafit.uses_intercept();
        let null_objective = datafit.null_loss(fit_intercept);
        let b = if fit_intercept { datafit.null_intercept() } else { 0.0 };
        let eta = vec![b; n];
        let r = vec![0.0; n];
        let ws = problem.empty_working_set();
        let mut solver = ProxState {
            problem,
            penalty,
            unpenalized,
            dual_known: datafit.scaled_dual(&r, 1.0).is_some(),
            datafit,
            fit_intercept,
            null_objective,
            alpha_max: 0.0,
            start: Start::default(),
            t: vec![0.0; p],
            b,
            grad: GradientCache::new(&stats.curvature, n, &r, options.screening.gradient_bounds),
            eta,
            r,
            loss: 0.0,
            refit_tol: REFIT_FLOOR,
            ws,
            columns: ColumnCache::new(n, p, design.packed_columns()),
            counts: Counters::default(),
            coefs: Vec::new(),
        };
        solver.update_residual();
        if !solver.refit_unpenalized()? {
            return Err(SolverError::Unpenalized(
                "the covariates (with the intercept) separate the cases from the controls: the covariates-only model has no finite fit".into(),
            ));
        }
        solver.start = Start {
            coefs: solver.unpenalized.iter().map(|&j| (j, solver.t[j])).collect(),
            b: solver.b,
            eta: solver.eta.clone(),
        };
        solver.full_pass();
        solver.alpha_max = solver.problem.alpha_max(&solver.penalty, &solver.grad.c_ref);
        // the unpenalized block's KKT violation enters the certificate relative to alpha_max:
        // a thousandth of the tolerance there is exact enough, and saves Newton iterations
        // (each a pass of logarithms) that rounding would otherwise spend chasing 10⁻¹⁵
        solver.refit_tol = (1e-3 * options.tol * solver.alpha_max).max(REFIT_FLOOR);
        Ok(solver)
    }

    fn reset_to_start(&mut self) {
        self.t.iter_mut().for_each(|t| *t = 0.0);
        for &(j, t) in &self.start.coefs {
            self.t[j] = t;
        }
        self.b = self.start.b;
        self.eta.copy_from_slice(&self.start.eta);
        self.update_residual();
    }

    /// `F(η)` at the current state.
    fn loss(&self) -> f64 {
        self.loss
    }

    /// `r = y − σ(η)` and `F(η)` in one pass (one exponential and one logarithm per sample);
    /// every exact gradient is stale.
    fn update_residual(&mut self) {
        self.loss = self.datafit.loss_and_residual(&self.eta, &mut self.r);
        self.grad.invalidate();
    }

    /// Whether the objective has no finite minimizer along the current iterate: the loss is
    /// below [`SEPARATED_LOSS`]·P(0), or the predictor separates the samples
    /// (`(2y_i − 1)η_i > 0` for every i) while every penalized nonzero coefficient sits where
    /// its penalty is flat (MCP, SCAD beyond γα: `pen'(t) = 0`). In the second case scaling
    /// (b, t) by κ > 1 keeps the penalty and lowers the loss towards 0, so descent runs off to
    /// infinity.
    fn diverges(&self, alpha: f64) -> bool {
        if self.loss() <= SEPARATED_LOSS * self.null_objective {
            return true;
        }
        if self.penalty.is_convex() {
            return false;
        }
        self.datafit.separates(&self.eta)
            && self.ws.features.iter().all(|&j| {
                let t = self.t[j];
                let w = self.problem.weights[j];
                t == 0.0 || w == 0.0 || self.penalty.weighted_piece(t, alpha, w).slope == 0.0
            })
    }

    /// The certificate of the problem restricted to S (exact gradients on S), including the
    /// intercept's stationarity `|mean r|/alpha_max`.
    fn restricted_certificate(&mut self, alpha: f64) -> f64 {
        self.grad.exact(self.problem.design, &self.r, &self.ws.features);
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.problem.n).with_kkt(!self.dual_known);
        for &j in &self.ws.features {
            acc.add(self.t[j], self.grad.c_now[j], self.problem.weights[j]);
        }
        self.finish(&acc, alpha).value
    }

    /// One proximal Newton step on S with the given model (see the module docs and
    /// [`Model`]) and a backtracking line search, in the solver's step buffers.
    fn newton_step_with(&mut self, alpha: f64, model: Model, buf: &mut StepBuffers) -> bool {
        let n = self.problem.n;
        let inv_n = 1.0 / n as f64;
        let design = self.problem.design;
        buf.h.resize(n, 0.0);
        buf.q.resize(n, 0.0);
        buf.d.resize(n, 0.0);
        if model == Model::Majorizer {
            self.datafit.majorizer_weights(&self.eta, &mut buf.h);
        } else {
            self.datafit.hessian_weights(&self.eta, &mut buf.h);
            buf.h.iter_mut().for_each(|h| *h = h.max(MIN_HESSIAN_WEIGHT));
        }
        buf.q.copy_from_slice(&self.r);
        buf.d.iter_mut().for_each(|d| *d = 0.0);
        buf.eta_old.clear();
        buf.eta_old.extend_from_slice(&self.eta);
        buf.t_old.clear();
        buf.t_old.extend(self.ws.features.iter().map(|&j| self.t[j]));
        buf.curvature.clear();
        for &j in &self.ws.features {
            let hj = self.columns.weighted_sq_norm(design, j, &buf.h) * inv_n;
            let hj = hj.max(MIN_HESSIAN_WEIGHT * design.curvature(j));
            buf.curvature.push(if model == Model::Damped {
                convex_curvature(&self.penalty, hj, self.problem.weights[j])
            } else {
                hj
            });
        }
        // the exact Hessian when the datafit's is not diagonal (see `StepBuffers::hessian_columns`)
        let members = self.ws.features.len() + usize::from(self.fit_intercept);
        let exact = model != Model::Majorizer
            && members * n * 8 <= HESSIAN_COLUMN_BYTES
            && match self.datafit.hessian_at(&self.eta) {
                None => false,
                Some(mut hessian) => {
                    buf.hessian_columns.resize(members * n, 0.0);
                    for (k, &j) in self.ws.features.iter().enumerate() {
                        let u = &mut buf.hessian_columns[k * n..(k + 1) * n];
                        hessian.apply(self.columns.get(design, j), u);
                        let hj = crate::kernels::dot(self.columns.get(design, j), u) * inv_n;
                        let hj = hj.max(MIN_HESSIAN_WEIGHT * design.curvature(j));
                        buf.curvature[k] = if model == Model::Damped {
                            convex_curvature(&self.penalty, hj, self.problem.weights[j])
                        } else {
                            hj
                        };
                    }
                    if self.fit_intercept {
                        let ones = vec![1.0; n];
                        hessian.apply(&ones, &mut buf.hessian_columns[(members - 1) * n..]);
                    }
                    true
                }
            };
        buf.hessian_factor_valid = false;
        // the diagonal model on packed columns sweeps in single precision (see `u32`)
        let single = !exact && self.columns.packed;
        let r_sum = if single {
            self.grad.exact(design, &self.r, &self.ws.features);
            buf.h32.clear();
            buf.h32.extend(buf.h.iter().map(|&h| h as f32));
            buf.u32.clear();
            buf.u32.resize(n, 0.0);
            self.r.iter().sum::<f64>()
        } else {
            0.0
        };
        let h_sum: f64 = if exact && self.fit_intercept {
            buf.hessian_columns[(members - 1) * n..].iter().sum::<f64>().max(MIN_HESSIAN_WEIGHT * n as f64)
        } else {
            buf.h.iter().sum()
        };
        let old_objective = self.loss() + self.penalty_on_set(alpha);
        let mut first_change = f64::NAN;
        let b_old = self.b;
        // glmnet's active cycling: after a sweep of S that moved something, sweep only the
        // nonzero members until they settle, then S again; done when a sweep of S settles
        let mut whole = true;
        // the exact solve costs about |A|/2 sweeps of the support A: try it once the sweeps of
        // this step have cost a quarter of that
        let support = self.ws.features.iter().filter(|&&j| self.t[j] != 0.0).count();
        let scheduled = SWEEPS_BEFORE_EXACT_MODEL.max(support / 8);
        let mut early = buf.exact_accepted;
        let mut next_exact = if early { SWEEPS_BEFORE_REPEATED_EXACT_MODEL } else { scheduled };
        let mut exact_now = false;
        let inner_decrease = if exact { INNER_DECREASE } else { DIAGONAL_INNER_DECREASE };
        for sweep in 0..MAX_INNER_SWEEPS {
            self.counts.epochs += 1;
            let this_whole = whole;
            let mut max_change = 0.0f64;
            for (k, &j) in self.ws.features.iter().enumerate() {
                let w = self.problem.weights[j];
                let old = self.t[j];
                if !whole && old == 0.0 && w > 0.0 {
                    continue;
                }
                let hj = buf.curvature[k];
                let gradient = if single {
                    // x̃_jᵀq/n = x̃_jᵀr/n − x̃_jᵀu/n: exact, less a small correction in f32
                    self.grad.c_now[j] - design.dot_f32(j, &buf.u32) * inv_n
                } else {
                    self.columns.dot(design, j, &buf.q) * inv_n
                };
                let z = hj * old + gradient;
                let new = coordinate_minimizer(&self.penalty, z, hj, alpha, w);
                let delta = new - old;
                if delta != 0.0 {
                    if exact {
                        let u = &buf.hessian_columns[k * n..(k + 1) * n];
                        buf.q.iter_mut().zip(u).for_each(|(q, &u)| *q -= delta * u);
                    } else if single {
                        design.weighted_axpy_f32(j, delta, &buf.h32, &mut buf.u32);
                    } else {
                        self.columns.subtract_weighted(design, j, delta, &buf.h, &mut buf.q);
                    }
                    self.t[j] = new;
                    self.counts.updates += 1;
                    max_change = max_change.max(hj * delta * delta);
                }
            }
            if self.fit_intercept {
                let q_sum = if single {
                    r_sum - buf.u32.iter().map(|&u| f64::from(u)).sum::<f64>()
                } else {
                    buf.q.iter().sum::<f64>()
                };
                let delta = q_sum / h_sum;
                if delta != 0.0 {
                    if single {
                        let step = delta as f32;
                        buf.u32.iter_mut().zip(&buf.h32).for_each(|(u, &h)| *u += step * h);
                    } else {
                        let column = if exact { &buf.hessian_columns[(members - 1) * n..] } else { &buf.h[..] };
                        for (q, &h) in buf.q.iter_mut().zip(column) {
                            *q -= h * delta;
                        }
                    }
                    self.b += delta;
                    max_change = max_change.max(h_sum * inv_n * delta * delta);
                }
            }
            if first_change.is_nan() {
                first_change = max_change;
            }
            // the extrapolation's model value assumes diag(h) as the Hessian
            if exact {
            } else if this_whole {
                buf.anderson.reset(self.ws.features.len() + 1, n);
            } else {
                if single {
                    single_to_q(&self.r, &buf.u32, &mut buf.q);
                }
                if buf.anderson.push(self.ws.features.iter().map(|&j| self.t[j]).chain([self.b]), &buf.q)
                    && self.try_model_extrapolation(alpha, buf)
                    && single
                {
                    q_to_single(&self.r, &buf.q, &mut buf.u32);
                }
            }
            if self.counts.epochs >= self.problem.settings.max_epochs {
                break;
            }
            let settled = max_change <= inner_decrease * first_change;
            if settled && whole {
                break;
            }
            whole = settled;
            if !settled && sweep + 1 >= next_exact {
                next_exact = next_exact.saturating_mul(2);
                if single {
                    single_to_q(&self.r, &buf.u32, &mut buf.q);
                }
                let solved =
                    if exact { self.hessian_active_solve(alpha, buf) } else { self.model_active_solve(alpha, buf) };
                if solved && single {
                    q_to_single(&self.r, &buf.q, &mut buf.u32);
                }
                if solved {
                    // the model is solved exactly on the support: a sweep of S checks it
                    exact_now = !buf.clipped;
                    whole = true;
                    if exact && buf.hessian_factor_valid {
                        // the step's factor is kept: the next solve only updates it
                        next_exact = sweep + 1 + SWEEPS_BEFORE_REPEATED_EXACT_MODEL;
                    }
                } else if early {
                    // the support moved after all: back to the usual schedule
                    early = false;
                    next_exact = scheduled.max(sweep + 2);
                } else {
                    // the support is still moving: try again after as many sweeps again
                    next_exact = 2 * (sweep + 1);
                }
            }
        }
        buf.exact_accepted = exact_now;
        // the step in η: d = δb + Σ_j δt_j x̃_j
        buf.t_new.clear();
        buf.t_new.extend(self.ws.features.iter().map(|&j| self.t[j]));
        let b_new = self.b;
        buf.d.iter_mut().for_each(|d| *d = b_new - b_old);
        for ((&j, &t0), &t1) in self.ws.features.iter().zip(&buf.t_old).zip(&buf.t_new) {
            if t1 != t0 {
                self.columns.axpy(design, j, t1 - t0, &mut buf.d);
            }
        }
        // backtracking line search on the true objective along the model step
        let mut s = 1.0;
        for _ in 0..MAX_HALVINGS {
            for ((e, &e0), &d) in self.eta.iter_mut().zip(&buf.eta_old).zip(&buf.d) {
                *e = e0 + s * d;
            }
            for ((&j, &t0), &t1) in self.ws.features.iter().zip(&buf.t_old).zip(&buf.t_new) {
                self.t[j] = if s == 1.0 { t1 } else { t0 + s * (t1 - t0) };
            }
            self.b = if s == 1.0 { b_new } else { b_old + s * (b_new - b_old) };
            let objective = self.datafit.loss(&self.eta) + self.penalty_on_set(alpha);
            if objective <= old_objective + 1e-15 * old_objective.abs() {
                self.update_residual();
                return objective < old_objective;
            }
            s *= 0.5;
        }
        for (&j, &t0) in self.ws.features.iter().zip(&buf.t_old) {
            self.t[j] = t0;
        }
        self.b = b_old;
        self.eta.copy_from_slice(&buf.eta_old);
        self.update_residual();
        false
    }

    /// Solves the Newton model exactly on its current support A (nonzero members of S and the
    /// unpenalized ones, with the intercept), each coefficient on its current penalty piece:
    /// `(X̃_AᵀHX̃_A/n + diag(κ_j)) δ = X̃_Aᵀq/n − slope_j` with the intercept as a column of
    /// ones (H = diag(h), κ_j and slope_j the piece's curvature and slope, q the model
    /// residual), by [`ModelFactor`] (conjugate gradients preconditioned with the factor kept
    /// from earlier solves, or a fresh Cholesky factor). When a coefficient would leave its
    /// piece the step stops at the first piece end: `δ ← s·δ`, `s = min_j (end_j − t_j)/δ_j`,
    /// the model being exact and convex up to there (`clipped` is then set). Accepted when the
    /// model objective decreases; returns whether it was. The coordinate sweeps
    /// alone converge slowly when the support's columns are strongly correlated (an
    /// equicorrelated design at ρ = 0.5 needed thousands of sweeps per alpha); this makes each
    /// Newton step exact, as the quadratic solver's active-set Newton does.
    fn model_active_solve(&mut self, alpha: f64, buf: &mut StepBuffers) -> bool {
        let n = self.problem.n;
        let inv_n = 1.0 / n as f64;
        let members: Vec<usize> =
            self.ws.features.iter().copied().filter(|&j| self.t[j] != 0.0 || self.problem.weights[j] == 0.0).collect();
        let size = members.len() + usize::from(self.fit_intercept);
        if members.is_empty() || size >= n || size > MAX_MODEL_SUPPORT {
            return false;
        }
        for &j in &members {
            self.columns.ensure(self.problem.design, j);
        }
        let Some(columns) = members.iter().map(|&j| self.columns.cached(j)).collect::<Option<Vec<&[f64]>>>() else {
            return false;
        };
        let h = &buf.h;
        let offset = usize::from(self.fit_intercept);
        let mut rhs = Vec::with_capacity(size);
        let mut pieces = Vec::with_capacity(members.len());
        if offset == 1 {
            rhs.push(buf.q.iter().sum::<f64>() * inv_n);
        }
        for (&j, column) in members.iter().zip(&columns) {
            let piece = self.penalty.weighted_piece(self.t[j], alpha, self.problem.weights[j]);
            rhs.push(crate::kernels::dot(column, &buf.q) * inv_n - piece.slope);
            pieces.push(piece);
        }
        let curvature: Vec<f64> = pieces.iter().map(|piece| piece.curvature).collect();
        let tol = MODEL_SOLVE_ACCURACY * self.problem.settings.tol * alpha;
        if buf.model.solve(&members, &columns, h, &curvature, self.fit_intercept, &mut rhs, tol).is_none() {
            return false;
        }
        let mut delta = rhs;
        let Some(blocking) = self.stay_on_pieces(&members, &pieces, &mut delta, offset) else {
            return false;
        };
        let q_new = &mut buf.extrapolated_q;
        q_new.clear();
        q_new.extend_from_slice(&buf.q);
        let db = if offset == 1 { delta[0] } else { 0.0 };
        let mut step = vec![db; n];
        for (column, &d) in columns.iter().zip(&delta[offset..]) {
            step.iter_mut().zip(column.iter()).for_each(|(s, &x)| *s += d * x);
        }
        q_new.iter_mut().zip(&step).zip(h).for_each(|((q, &s), &w)| *q -= w * s);
        let quadratic = |q: &[f64]| q.iter().zip(h).map(|(&q, &w)| q * q / w).sum::<f64>() * 0.5 * inv_n;
        let pen = |j: usize, t: f64| {
            if t == 0.0 { 0.0 } else { self.penalty.weighted_value(t, alpha, self.problem.weights[j]) }
        };
        let before = quadratic(&buf.q) + members.iter().map(|&j| pen(j, self.t[j])).sum::<f64>();
        let after =
            quadratic(q_new) + members.iter().zip(&delta[offset..]).map(|(&j, &d)| pen(j, self.t[j] + d)).sum::<f64>();
        if after.partial_cmp(&before) != Some(std::cmp::Ordering::Less) {
            return false;
        }
        for (&j, &d) in members.iter().zip(&delta[offset..]) {
            self.t[j] += d;
        }
        if let Some((blocked, end)) = blocking {
            self.t[members[blocked]] = end;
        }
        self.b += db;
        std::mem::swap(&mut buf.q, &mut buf.extrapolated_q);
        self.counts.epochs += 1;
        buf.clipped = blocking.is_some();
        true
    }

    /// Shortens a model step `delta` (the intercept's first when `offset` is 1, then the
    /// members', each coefficient on its current penalty piece) so that no coefficient leaves its piece: when some would, the step goes only
    /// as far as the first piece end, `δ ← s·δ` with `s = min_j (end_j − t_j)/δ_j`, and that
    /// coefficient lands on the end (zero, for a sign change). Returns the blocking member and
    /// its end (`None` when the full step stays on every piece), or `None` overall when the
    /// shortened step still leaves a piece.
    fn stay_on_pieces(
        &self,
        members: &[usize],
        pieces: &[crate::penalty::Piece],
        delta: &mut [f64],
        offset: usize,
    ) -> Option<Option<(usize, f64)>> {
        let weights = &self.problem.weights;
        let leaves = |j: usize, piece: &crate::penalty::Piece, t: f64| {
            !(t >= piece.lo && t <= piece.hi) || (weights[j] > 0.0 && t == 0.0)
        };
        let mut fraction = 1.0f64;
        // the member that reaches its piece end first, and that end
        let mut blocking: Option<(usize, f64)> = None;
        for (a, ((&j, piece), &d)) in members.iter().zip(pieces).zip(&delta[offset..]).enumerate() {
            if leaves(j, piece, self.t[j] + d) {
                let end = if d > 0.0 { piece.hi } else { piece.lo };
                let share = (end - self.t[j]) / d;
                if !(share >= 0.0 && share.is_finite()) {
                    return None;
                }
                if share < fraction {
                    fraction = share;
                    blocking = Some((a, end));
                }
            }
        }
        if let Some((blocked, end)) = blocking {
            delta.iter_mut().for_each(|d| *d *= fraction);
            delta[offset + blocked] = end - self.t[members[blocked]];
            // the others stay on their pieces after the shortened step
            for (a, ((&j, piece), &d)) in members.iter().zip(pieces).zip(&delta[offset..]).enumerate() {
                if a != blocked && leaves(j, piece, self.t[j] + d) {
                    return None;
                }
            }
        }
        Some(blocking)
    }

    /// [`Self::model_active_solve`] for a model with the datafit's full Hessian H (not
    /// diagonal; `buf.hessian_columns` holds `u_k = H x̃_k` for the members of S, then H·1).
    /// On the support A (with the intercept as a column of ones),
    ///
    /// ```text
    /// (G + diag(κ_A)) δ = g − slope_A,   G_ab = x̃_aᵀu_b/n,   g_a = x̃_aᵀq/n,
    /// ```
    ///
    /// factored `L Lᵀ` once per Newton step (G by one matrix product `X̃_A U_Aᵀ`, |A|²n
    /// multiply-adds, then |A|³/3) and kept while the step lasts: H does not change within it,
    /// so a later solve only removes the members that left A and appends the new ones
    /// (|A|n + |A|² each, see [`UpdatableCholesky`]) — the active-set iterations of a support
    /// that moves cost little after the first. Then active-set iterations in the support's
    /// small space: the model's minimizer on the current pieces; when a coefficient would
    /// leave its piece the step goes to the first piece end ([`Self::stay_on_pieces`]), a
    /// member that lands on zero is removed from the factor, and the solve repeats (at most
    /// [`MAX_ACTIVE_SET_ITERATIONS`]). Every such step decreases the model (see the body);
    /// `q −= H·d` for the total step d at the end. Without the repetition, a clipped solve
    /// followed by sweeps that re-entered the dropped member cycled for the whole sweep
    /// budget: 97 s for the 1,000 × 100,000 Cox path of docs/performance.md, 22 s with it.
    fn hessian_active_solve(&mut self, alpha: f64, buf: &mut StepBuffers) -> bool {
        use ndarray::{ArrayView2, ArrayViewMut2, linalg::general_mat_mul};
        let n = self.problem.n;
        let inv_n = 1.0 / n as f64;
        let s_len = self.ws.features.len();
        // positions in S of the support's members (increasing), s_len standing for the
        // intercept
        let mut positions: Vec<usize> = (0..s_len)
            .filter(|&k| {
                let j = self.ws.features[k];
                self.t[j] != 0.0 || self.problem.weights[j] == 0.0
            })
            .collect();
        if self.fit_intercept {
            positions.push(s_len);
        }
        if positions.len() == usize::from(self.fit_intercept)
            || positions.len() >= n
            || positions.len() > MAX_MODEL_SUPPORT
        {
            return false;
        }
        for &k in &positions {
            if k < s_len {
                self.columns.ensure(self.problem.design, self.ws.features[k]);
                if self.columns.cached(self.ws.features[k]).is_none() {
                    return false;
                }
            }
        }
        buf.ones.resize(n, 1.0);
        let kappa = |k: usize, t: &[f64]| {
            if k == s_len {
                return (0.0, 0.0);
            }
            let j = self.ws.features[k];
            let piece = self.penalty.weighted_piece(t[j], alpha, self.problem.weights[j]);
            (piece.curvature, piece.slope)
        };
        let column = |k: usize| -> &[f64] {
            if k == s_len { &buf.ones } else { self.columns.cached(self.ws.features[k]).expect("cached above") }
        };
        let hessian = |k: usize| &buf.hessian_columns[k * n..(k + 1) * n];
        // the diagonal of the model matrix `x̃_kᵀu_k/n + κ_k` (the undamped model, as the
        // sweeps' fixed point)
        let diagonal = |k: usize, kappa: f64| crate::kernels::dot(column(k), hessian(k)) * inv_n + kappa;
        let factor = &mut buf.hessian_factor;
        if !buf.hessian_factor_valid {
            // the first solve of this Newton step: the Gram matrix by one product
            let size = positions.len();
            let mut x_rows = Vec::with_capacity(size * n);
            let mut u_rows = Vec::with_capacity(size * n);
            for &k in &positions {
                x_rows.extend_from_slice(column(k));
                u_rows.extend_from_slice(hessian(k));
            }
            let xa = ArrayView2::from_shape((size, n), &x_rows[..]).expect("size × n");
            let ua = ArrayView2::from_shape((size, n), &u_rows[..]).expect("size × n");
            let mut gram = vec![0.0; size * size];
            let mut out = ArrayViewMut2::from_shape((size, size), &mut gram[..]).expect("size²");
            general_mat_mul(inv_n, &xa, &ua.t(), 0.0, &mut out);
            buf.hessian_flops += (2 * size * size * n) as u64;
            factor.clear();
            buf.hessian_members.clear();
            buf.hessian_kappa.clear();
            let mut row = Vec::with_capacity(size);
            for (a, &k) in positions.iter().enumerate() {
                row.clear();
                // the symmetric part (G is symmetric up to rounding)
                row.extend((0..a).map(|c| 0.5 * (gram[a * size + c] + gram[c * size + a])));
                let (curvature, _) = kappa(k, &self.t);
                if !factor.append(&row, gram[a * size + a] + curvature) {
                    factor.clear();
                    return false;
                }
                buf.hessian_members.push(k);
                buf.hessian_kappa.push(curvature);
            }
            buf.hessian_factor_valid = true;
        } else {
            // remove the members that left A (or changed piece curvature), append the new ones
            for i in (0..buf.hessian_members.len()).rev() {
                let k = buf.hessian_members[i];
                if positions.binary_search(&k).is_err() || kappa(k, &self.t).0 != buf.hessian_kappa[i] {
                    factor.remove(i);
                    buf.hessian_members.remove(i);
                    buf.hessian_kappa.remove(i);
                }
            }
            let mut row = Vec::new();
            for &k in &positions {
                if buf.hessian_members.contains(&k) {
                    continue;
                }
                row.clear();
                row.extend(buf.hessian_members.iter().map(|&m| crate::kernels::dot(column(k), hessian(m)) * inv_n));
                let (curvature, _) = kappa(k, &self.t);
                if !factor.append(&row, diagonal(k, curvature)) {
                    buf.hessian_factor_valid = false;
                    return false;
                }
                buf.hessian_members.push(k);
                buf.hessian_kappa.push(curvature);
            }
        }
        // active-set iterations on the kept factor, all in the support's small space: solve
        // for the model's minimizer on the current pieces; when a coefficient would leave its
        // piece, go as far as the first piece end, drop a member that lands on zero from the
        // factor, and solve again. With `K = G + diag(κ)` and rhs `ρ = g − slope`, a step
        // `δ = s·K⁻¹ρ` (s ≤ 1) changes the model by `−s(1 − s/2)·ρᵀK⁻¹ρ < 0`; the gradient
        // moves by `g −= Gδ = LLᵀδ − κ∘δ`.
        let offset = usize::from(self.fit_intercept);
        let mut gradient: Vec<f64> =
            buf.hessian_members.iter().map(|&k| crate::kernels::dot(column(k), &buf.q) * inv_n).collect();
        // the total step of each position of S (and the intercept's, last)
        let mut total = vec![0.0; s_len + 1];
        let mut clipped = false;
        let mut moved = false;
        for _ in 0..MAX_ACTIVE_SET_ITERATIONS {
            let order = &buf.hessian_members;
            let mut delta: Vec<f64> = order.iter().zip(&gradient).map(|(&k, &g)| g - kappa(k, &self.t).1).collect();
            factor.solve(&mut delta);
            // the intercept first, then the features, for the piece check
            let members: Vec<usize> = order.iter().filter(|&&k| k < s_len).map(|&k| self.ws.features[k]).collect();
            let pieces: Vec<crate::penalty::Piece> = members
                .iter()
                .map(|&j| self.penalty.weighted_piece(self.t[j], alpha, self.problem.weights[j]))
                .collect();
            let mut step: Vec<f64> = order.iter().zip(&delta).filter(|&(&k, _)| k == s_len).map(|(_, &d)| d).collect();
            step.extend(order.iter().zip(&delta).filter(|&(&k, _)| k < s_len).map(|(_, &d)| d));
            let Some(blocking) = self.stay_on_pieces(&members, &pieces, &mut step, offset) else {
                break;
            };
            // back to factor order
            let mut feature_steps = step[offset..].iter();
            for (&k, d) in order.iter().zip(delta.iter_mut()) {
                *d = if k == s_len { step[0] } else { *feature_steps.next().expect("one per feature") };
            }
            if !delta.iter().all(|d| d.is_finite()) {
                break;
            }
            let mut g_delta = vec![0.0; delta.len()];
            factor.product(&delta, &mut g_delta);
            for (a, &k) in order.iter().enumerate() {
                gradient[a] -= g_delta[a] - buf.hessian_kappa[a] * delta[a];
                total[k] += delta[a];
                if k == s_len {
                    self.b += delta[a];
                } else {
                    let j = self.ws.features[k];
                    self.t[j] += delta[a];
                }
            }
            moved = true;
            clipped = blocking.is_some();
            let Some((blocked, end)) = blocking else {
                break;
            };
            let j = members[blocked];
            self.t[j] = end;
            if end != 0.0 {
                // a new piece (MCP/SCAD): the factor's curvature is stale; sweeps go on
                break;
            }
            let position = order.iter().position(|&k| k < s_len && self.ws.features[k] == j).expect("a member");
            factor.remove(position);
            gradient.remove(position);
            buf.hessian_members.remove(position);
            buf.hessian_kappa.remove(position);
        }
        if !moved {
            return false;
        }
        // the model residual: q −= H·d, d = Σ_k total_k x̃_k
        for (k, &d) in total.iter().enumerate() {
            if d != 0.0 {
                crate::kernels::sub_scaled(&mut buf.q, d, hessian(k));
            }
        }
        self.counts.epochs += 1;
        buf.clipped = clipped;
        true
    }

    /// Replaces (t_S, b, q) by their Anderson extrapolation if it lowers the Newton model
    /// `m = Σ_i q_i²/(2n h_i) + Σ_{j∈S} w_j pen(t_j)` (up to a constant: with `d = (r − q)/h`,
    /// `−rᵀd/n + Σ h d²/(2n) = Σ (q² − r²)/(2n h)`); returns whether it did.
    fn try_model_extrapolation(&mut self, alpha: f64, buf: &mut StepBuffers) -> bool {
        let len = self.ws.features.len();
        buf.extrapolated.resize(len + 1, 0.0);
        buf.extrapolated_q.resize(self.problem.n, 0.0);
        if !buf.anderson.extrapolate(&mut buf.extrapolated, &mut buf.extrapolated_q) {
            return false;
        }
        let quadratic = |q: &[f64]| q.iter().zip(&buf.h).map(|(&q, &h)| q * q / h).sum::<f64>();
        let pen = |t: f64, j: usize| {
            if t == 0.0 { 0.0 } else { self.penalty.weighted_value(t, alpha, self.problem.weights[j]) }
        };
        let inv_2n = 0.5 / self.problem.n as f64;
        let current = quadratic(&buf.q) * inv_2n + self.ws.features.iter().map(|&j| pen(self.t[j], j)).sum::<f64>();
        let proposed = quadratic(&buf.extrapolated_q) * inv_2n
            + self.ws.features.iter().zip(&buf.extrapolated).map(|(&j, &t)| pen(t, j)).sum::<f64>();
        if proposed < current {
            for (&j, &t) in self.ws.features.iter().zip(&buf.extrapolated) {
                self.t[j] = t;
            }
            if self.fit_intercept {
                self.b = buf.extrapolated[len];
            }
            std::mem::swap(&mut buf.q, &mut buf.extrapolated_q);
            return true;
        }
        false
    }

    /// `Σ_{j∈S} w_j pen(t_j)`.
    fn penalty_on_set(&self, alpha: f64) -> f64 {
        self.ws
            .features
            .iter()
            .map(|&j| {
                let t = self.t[j];
                if t == 0.0 { 0.0 } else { self.penalty.weighted_value(t, alpha, self.problem.weights[j]) }
            })
            .sum()
    }

    /// Fits the intercept and the unpenalized columns U exactly for the current penalized
    /// coefficients: Newton's method with backtracking on the block `[1, X̃_U]` until its
    /// gradient vanishes to rounding. Returns false if the block has no finite fit (the
    /// samples are separated by it), and an error if it is singular.
    fn refit_unpenalized(&mut self) -> Result<bool, SolverError> {
        let q = self.unpenalized.len() + usize::from(self.fit_intercept);
        if q == 0 {
            return Ok(true);
        }
        let n = self.problem.n;
        let inv_n = 1.0 / n as f64;
        // the block's columns (the intercept first)
        let mut block = vec![0.0; q * n];
        let offset = usize::from(self.fit_intercept);
        if self.fit_intercept {
            block[..n].iter_mut().for_each(|v| *v = 1.0);
        }
        for (k, &j) in self.unpenalized.iter().enumerate() {
            self.problem.design.axpy(j, 1.0, &mut block[(k + offset) * n..(k + offset + 1) * n]);
        }
        let mut h = vec![0.0; n];
        let mut loss = self.loss();
        for _ in 0..100 {
            let gradient: Vec<f64> = block.chunks(n).map(|a| crate::kernels::dot(a, &self.r) * inv_n).collect();
            let size = gradient.iter().fold(0.0f64, |m, g| m.max(g.abs()));
            if size <= self.refit_tol {
                break;
            }
            self.datafit.hessian_weights(&self.eta, &mut h);
            let mut factor = crate::cholesky::UpdatableCholesky::with_limit(q);
            for a in 0..q {
                let col_a = &block[a * n..(a + 1) * n];
                let row: Vec<f64> = (0..a)
                    .map(|c| {
                        let col_c = &block[c * n..(c + 1) * n];
                        col_a.iter().zip(col_c).zip(&h).map(|((&x, &z), &w)| w * x * z).sum::<f64>() * inv_n
                    })
                    .collect();
                let diag = col_a.iter().zip(&h).map(|(&x, &w)| w * x * x).sum::<f64>() * inv_n;
                if !factor.append(&row, diag) {
                    if diag <= 1e-300 || h.iter().all(|&w| w < 1e-14) {
                        return Ok(false);
                    }
                    let name = if a < offset {
                        "the intercept".to_string()
                    } else {
                        let j = self.unpenalized[a - offset];
                        if j >= self.problem.p_x {
                            format!("covariate {}", j - self.problem.p_x + 1)
                        } else {
                            format!("column {j} of X")
                        }
                    };
                    return Err(SolverError::Unpenalized(format!(
                        "the unpenalized {name} is collinear with the unpenalized columns before it: their fit is not unique"
                    )));
                }
            }
            let mut step = gradient.clone();
            factor.solve(&mut step);
            let decrease: f64 = step.iter().zip(&gradient).map(|(a, b)| a * b).sum();
            let old_eta = self.eta.clone();
            let mut s = 1.0;
            let mut accepted = false;
            // Near the optimum the Newton decrease gᵀH⁻¹g falls below the rounding of the loss
            // (~10⁻¹⁶·loss) and no loss comparison can confirm a step: the full step is then
            // accepted when it shrinks the gradient instead (Newton's local quadratic
            // convergence). Without this every refit near convergence ran 60 halvings of loss
            // evaluations and gave up: 20 % of a 500 × 2,000 case/control path in log1p.
            let unresolvable = decrease <= 1e-13 * loss.abs().max(f64::MIN_POSITIVE);
            for _ in 0..60 {
                self.eta.copy_from_slice(&old_eta);
                for (a, &st) in block.chunks(n).zip(&step) {
                    self.eta.iter_mut().zip(a).for_each(|(e, &x)| *e += s * st * x);
                }
                if unresolvable {
                    self.update_residual();
                    let shrinks = block.chunks(n).all(|a| (crate::kernels::dot(a, &self.r) * inv_n).abs() < size);
                    if shrinks {
                        loss = self.loss();
                        accepted = true;
                    }
                    break;
                }
                let trial = self.datafit.loss(&self.eta);
                if trial <= loss - 1e-4 * s * decrease || (trial <= loss && s < 1e-6) {
                    loss = trial;
                    accepted = true;
                    break;
                }
                s *= 0.5;
            }
            if !accepted {
                self.eta.copy_from_slice(&old_eta);
                self.update_residual();
                break;
            }
            if self.fit_intercept {
                self.b += s * step[0];
            }
            for (k, &j) in self.unpenalized.iter().enumerate() {
                self.t[j] += s * step[k + offset];
            }
            if !unresolvable {
                // (an accepted unresolvable step already has r and the loss at the new η)
                self.update_residual();
            }
            if loss <= SEPARATED_LOSS * self.null_objective {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Exact gradients of every live feature (a new reference for the bounds).
    fn full_pass(&mut self) {
        self.problem.full_pass(&mut self.grad, &self.r, &mut self.counts);
    }

    /// The certificate of the whole problem: exact gradients where known, bounds elsewhere
    /// (only ever larger), copies through their representatives.
    fn certify(&mut self, alpha: f64) -> StateCertificate {
        self.grad.exact(self.problem.design, &self.r, &self.ws.features);
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.problem.n).with_kkt(!self.dual_known);
        self.problem.accumulate_certificate(&mut acc, &self.penalty, alpha, &self.t, &self.grad, &self.r);
        self.finish(&acc, alpha)
    }

    /// The certificate from the accumulated per-feature terms (see the module docs).
    fn finish(&self, acc: &CertificateAccumulator<'_, P>, alpha: f64) -> StateCertificate {
        let norm = if self.alpha_max > 0.0 { self.alpha_max } else { 1.0 };
        let n = self.problem.n as f64;
        let primal = self.loss() + self.penalty_on_set(alpha);
        let r_mean = if self.fit_intercept { crate::kernels::mean(&self.r).abs() } else { 0.0 };
        let terms = acc.terms();
        if self.penalty.is_convex() && self.dual_known {
            let dual_at = |s: f64| self.datafit.scaled_dual(&self.r, s).unwrap_or(f64::NEG_INFINITY);
            let mut dual = f64::NEG_INFINITY;
            if acc.l2() == 0.0 && acc.l1() > 0.0 {
                let s = if terms.max_dual_norm > acc.l1() { acc.l1() / terms.max_dual_norm } else { 1.0 };
                dual = dual.max(dual_at(s));
            }
            if acc.l2() > 0.0 {
                dual = dual.max(dual_at(1.0) - terms.excess_sq / (2.0 * acc.l2()) / n);
            }
            let gap = max_or_nan(primal - dual, 0.0) / self.null_objective;
            let value = max_or_nan(max_or_nan(gap, terms.max_unpenalized / norm), r_mean / norm);
            StateCertificate { kind: CertificateKind::Gap, value, primal }
        } else {
            let value = max_or_nan(terms.max_kkt, r_mean) / norm;
            StateCertificate { kind: CertificateKind::Kkt, value, primal }
        }
    }

    /// Nonzero coefficients on the original scale, `β_j = t_j / s_j`, sorted by feature.
    fn collect_coefs(&mut self) {
        self.problem.collect_coefs(&self.ws.features, &self.t, &mut self.coefs);
    }

    /// `b − Σ_j m_j β_j` (η = b + Σ t_j (x_j − m_j)/s_j on the original scale; 0 without
    /// intercept).
    fn intercept(&self) -> f64 {
        if !self.fit_intercept {
            return 0.0;
        }
        self.problem.intercept(self.b, &self.coefs)
    }
}

impl<'a, D: Design, P: Penalty, F: Datafit> ProxNewtonSolver<'a, D, P, F> {
    /// Fits the covariates-only model of the datafit (its response validated by its
    /// constructor) and makes the first full pass (for alpha_max).
    pub fn new(design: &'a D, datafit: F, penalty: P, options: &SolveOptions) -> Result<Self, SolverError> {
        Ok(ProxNewtonSolver { state: ProxState::new(design, datafit, penalty, options)?, step: StepBuffers::default() })
    }

    /// `alpha_max = max_{j: w_j > 0} |x̃_jᵀ(y − σ(η₀))|/(n w_j ρ)`, η₀ the covariates-only fit.
    pub fn alpha_max(&self) -> f64 {
        self.state.alpha_max
    }

    /// `P(0)`: the loss of the intercept-only model (binary entropy of ȳ; log 2 without
    /// intercept).
    pub fn null_objective(&self) -> f64 {
        self.state.null_objective
    }

    /// Why alpha_max is zero, for the error message of the default grid.
    pub fn zero_alpha_max_reason(&self) -> &'static str {
        self.state.problem.zero_alpha_max_reason(None)
    }

    /// The weight ρ of the penalty's L1 part (0 for the ridge).
    pub fn penalty_l1_weight(&self) -> f64 {
        self.state.penalty.l1_weight()
    }

    /// Full-pass equivalents of gradient scans so far.
    pub fn total_scan_passes(&self) -> f64 {
        self.state.problem.passes(self.state.counts.columns_scanned)
    }

    /// Solves one alpha, warm-started from the current state; `None` when the samples are
    /// separated and the objective has no finite minimizer (the path ends).
    pub fn fit_alpha(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> Option<PathPoint<'_>> {
        let started = Instant::now();
        let scanned_before = self.state.counts.columns_scanned;
        let newton_before = self.step.model_flops();
        self.state.counts.epochs = 0;
        self.state.counts.updates = 0;
        self.state.counts.newton_steps = 0;
        if !self.state.problem.settings.warm_start {
            self.state.reset_to_start();
        }
        self.build_working_set(alpha, alpha_prev);
        self.step.exact_accepted = false;
        let (certificate, converged) = solve_alpha(self, alpha, self.state.problem.settings.tol)?;
        if self.state.diverges(alpha) {
            return None;
        }
        self.state.collect_coefs();
        let loss = self.state.loss();
        let brier = self.state.datafit.mean_squared_error(&self.state.eta);
        Some(PathPoint {
            alpha_index,
            alpha,
            alpha_over_max: if self.state.alpha_max > 0.0 { alpha / self.state.alpha_max } else { 0.0 },
            nnz: self.state.coefs.iter().filter(|&&(j, _)| j < self.state.problem.p_x).count(),
            intercept: self.state.intercept(),
            objective: certificate.primal,
            certificate: certificate.value,
            certificate_kind: certificate.kind,
            converged,
            epochs: self.state.counts.epochs,
            coordinate_updates: self.state.counts.updates,
            newton_steps: self.state.counts.newton_steps,
            time_s: started.elapsed().as_secs_f64(),
            train_mse: brier,
            train_deviance: 2.0 * loss,
            deviance_ratio: 1.0 - loss / self.state.null_objective,
            working_set: self.state.ws.features.len(),
            screened: 0,
            scan_passes: (self.state.counts.columns_scanned - scanned_before) as f64
                / self.state.problem.live.len().max(1) as f64,
            newton_passes: (self.step.model_flops() - newton_before) as f64
                / (2.0 * self.state.problem.n as f64 * self.state.problem.live.len().max(1) as f64),
            coefs: &self.state.coefs,
        })
    }

    /// S for a new alpha: the quadratic solver's rules ([`Rules::rebuild`]).
    fn build_working_set(&mut self, alpha: f64, alpha_prev: f64) {
        let model = self.state.grad.bound_model(&self.state.r);
        let level = self.state.problem.settings.screening.strong_rules.then_some(2.0 * alpha - alpha_prev);
        let rules = Rules {
            penalty: &self.state.penalty,
            weights: &self.state.problem.weights,
            live: &self.state.problem.live,
        };
        rules.rebuild(&mut self.state.ws, &self.state.t, &self.state.grad, model, level, &mut self.step.scored);
    }

    /// Newton steps on S until the restricted certificate is ≤ `tol`.
    fn solve_working_set(&mut self, alpha: f64, tol: f64) -> Solve {
        loop {
            if self.state.restricted_certificate(alpha) <= tol {
                return Solve::Solved;
            }
            if self.state.counts.epochs >= self.state.problem.settings.max_epochs {
                return Solve::Stalled;
            }
            let mut moved = self.newton_step(alpha, Model::Newton);
            if !moved && !self.state.penalty.is_convex() {
                // MCP/SCAD: the model's minimizer may lie across a concave piece, where no
                // shorter step along the segment decreases the objective. Damp the model so
                // that every coordinate problem is convex, and failing that use the majorizer
                // h_i = 1/4 (∇²F ≼ X̃ᵀX̃/(4n)), which decreases the objective at every step (MM)
                moved = self.newton_step(alpha, Model::Damped) || self.newton_step(alpha, Model::Majorizer);
            }
            if self.state.diverges(alpha) {
                return Solve::Separated;
            }
            if !moved {
                // no decrease possible at rounding level: report what we have
                self.state.grad.exact(self.state.problem.design, &self.state.r, &self.state.ws.features);
                return Solve::Stalled;
            }
        }
    }

    /// One proximal Newton step on S with the given model (see the module docs and [`Model`]),
    /// and a backtracking line search.
    /// Returns false when no step length decreased the objective.
    fn newton_step(&mut self, alpha: f64, model: Model) -> bool {
        self.state.counts.newton_steps += 1;
        self.state.newton_step_with(alpha, model, &mut self.step)
    }
}

impl<D: Design, P: Penalty, F: Datafit> AlphaSteps for ProxNewtonSolver<'_, D, P, F> {
    type Certificate = StateCertificate;

    /// Newton steps on S; the intercept and U are then refitted exactly (the certificate's
    /// dual point needs them), which fails only when they separate the samples.
    fn solve_restricted(&mut self, alpha: f64, tol: f64) -> Solve {
        let outcome = self.solve_working_set(alpha, tol);
        if outcome == Solve::Separated || !self.state.refit_unpenalized().unwrap_or(false) {
            return Solve::Separated;
        }
        outcome
    }

    /// The shared rules of the working set ([`Rules`]).
    fn admit_violators(&mut self, alpha: f64) -> usize {
        let step = &mut self.step;
        self.state.problem.check_outside(
            &self.state.penalty,
            &mut self.state.ws,
            &mut self.state.grad,
            &self.state.r,
            alpha,
            &mut self.state.counts,
            &mut step.idx,
            &mut step.scored,
        )
    }

    fn certify_all(&mut self, alpha: f64) -> StateCertificate {
        self.state.certify(alpha)
    }

    fn value(certificate: &StateCertificate) -> f64 {
        certificate.value
    }

    fn budget_spent(&self) -> bool {
        self.state.counts.epochs >= self.state.problem.settings.max_epochs
    }
}

/// `q = r − u`: the model residual of single-precision sweeps, for the consumers that read
/// it in f64 (the exact model solve, Anderson extrapolation).
fn single_to_q(r: &[f64], u: &[f32], q: &mut [f64]) {
    q.iter_mut().zip(r.iter().zip(u)).for_each(|(q, (&r, &u))| *q = r - f64::from(u));
}

/// `u = r − q` rounded to f32, after a consumer changed q.
fn q_to_single(r: &[f64], q: &[f64], u: &mut [f32]) {
    u.iter_mut().zip(r.iter().zip(q)).for_each(|(u, (&r, &q))| *u = (r - q) as f32);
}

/// The smallest curvature ≥ h (to 10⁻⁹ relative) at which the coordinate problem of `w·pen` is
/// convex: h itself for convex penalties, otherwise about `w/γ` (MCP) or `w/(γ − 1)` (SCAD).
/// Raising a coordinate's curvature adds a positive diagonal to the Newton model (a damped,
/// more conservative model): its coordinate minimizers are then continuous in z, so the model
/// step does not jump between the basins of the nonconvex penalty, which the line search on the
/// true objective would reject.
fn convex_curvature<P: Penalty>(penalty: &P, h: f64, w: f64) -> f64 {
    if penalty.coordinate_convex(h, w) {
        return h;
    }
    let (mut lo, mut hi) = (h, h.max(f64::MIN_POSITIVE) * 2.0);
    while !penalty.coordinate_convex(hi, w) {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if penalty.coordinate_convex(mid, w) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi * (1.0 + 1e-9)
}

/// The global minimizer of `H/2·u² − z·u + w·pen(u)`: the penalty's threshold when that
/// coordinate problem is convex, otherwise the best of u = 0 and the minimizers of the model on
/// each quadratic piece of the penalty (MCP and SCAD with `H` below their convexity limit,
/// which the logistic curvature `H ≤ v/4` often is).
pub(crate) fn coordinate_minimizer<P: Penalty>(penalty: &P, z: f64, h: f64, alpha: f64, w: f64) -> f64 {
    if penalty.coordinate_convex(h, w) {
        return penalty.weighted_threshold(z, h, alpha, w);
    }
    let model = |u: f64| 0.5 * h * u * u - z * u + penalty.weighted_value(u, alpha, w);
    let mut best = (0.0, 0.0);
    for sign in [1.0, -1.0] {
        let mut t0 = sign * f64::MIN_POSITIVE;
        for _ in 0..8 {
            let piece = penalty.weighted_piece(t0, alpha, w);
            let (lo, hi) = (piece.lo, piece.hi);
            // on the piece pen'(u) = slope + curvature·(u − t0)
            let total = h + piece.curvature;
            let mut candidates = [f64::NAN; 3];
            if total > 0.0 {
                candidates[0] = ((z - piece.slope + piece.curvature * t0) / total).clamp(lo, hi);
            }
            candidates[1] = lo;
            candidates[2] = hi;
            for u in candidates {
                if u.is_finite() && u != 0.0 {
                    let value = model(u);
                    if value < best.1 {
                        best = (u, value);
                    }
                }
            }
            let next = if sign > 0.0 { hi } else { lo };
            if !next.is_finite() {
                break;
            }
            t0 = next + sign * next.abs() * 1e-12 + sign * f64::MIN_POSITIVE;
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::penalty::{Mcp, Scad};

    /// Brute force over a fine grid agrees with the piecewise minimizer for curvatures on both
    /// sides of the convexity limit.
    #[test]
    fn nonconvex_coordinate_minimizer_is_global() {
        let alpha = 0.3;
        for &h in &[0.05, 0.2, 0.25, 0.4, 1.0] {
            for &z in &[-1.2, -0.31, -0.05, 0.0, 0.2, 0.29, 0.35, 0.6, 1.5] {
                for &w in &[1.0, 0.5, 2.0] {
                    let check = |pen: &dyn Fn(f64) -> f64, u: f64| {
                        let model = |u: f64| 0.5 * h * u * u - z * u + pen(u);
                        let mut best = f64::INFINITY;
                        for k in -200_000..=200_000 {
                            best = best.min(model(k as f64 * 1e-4));
                        }
                        assert!(model(u) <= best + 1e-9, "h {h} z {z} w {w}: model({u}) = {} > {best}", model(u));
                    };
                    let mcp = Mcp { gamma: 3.0 };
                    check(&|u| mcp.weighted_value(u, alpha, w), coordinate_minimizer(&mcp, z, h, alpha, w));
                    let scad = Scad { gamma: 3.7 };
                    check(&|u| scad.weighted_value(u, alpha, w), coordinate_minimizer(&scad, z, h, alpha, w));
                }
            }
        }
    }
}
