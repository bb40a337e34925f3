//! Whole regularization paths: options, per-point results and the driver.

use std::ops::ControlFlow;
use std::time::Instant;

use crate::datafit::{Cox, Datafit, Logistic};
use crate::design::Design;
use crate::error::SolverError;
use crate::penalty::{ElasticNet, Lasso, Mcp, Penalty, PenaltySpec, Ridge, Scad};
use crate::solver::{PathSolver, ProxNewtonSolver};

use crate::datafit_kind::DatafitKind;
pub use crate::options::{PathOptions, PathPoint, Screening, SolveOptions};

/// Why a path ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// Every alpha of the grid was fitted.
    EndOfGrid,
    /// A point had more nonzero coefficients than `max_nnz`.
    MaxNnz,
    /// The callback asked to stop.
    Callback,
    /// A point's deviance ratio (training R²) reached `stop_saturated`.
    Saturated,
    /// The logistic fit separates the samples: the objective at the next alpha has no finite
    /// minimizer (MCP/SCAD on wide data), so the path ends at the last certified point.
    Separated,
}

impl StopReason {
    /// `end_of_grid`, `max_nnz`, `stopped`, `saturated` or `separated`.
    pub fn as_str(&self) -> &'static str {
        match self {
            StopReason::EndOfGrid => "end_of_grid",
            StopReason::MaxNnz => "max_nnz",
            StopReason::Callback => "stopped",
            StopReason::Saturated => "saturated",
            StopReason::Separated => "separated",
        }
    }
}

/// Training R² of a fit with training MSE `train_mse` (`‖y − b − Xβ‖²/n`) on data whose null
/// objective is `null_objective` (`P(0)`, see [`PathSummary::null_objective`]):
/// `1 − train_mse / (2·P(0))`. NaN when `P(0)` is 0 (y constant, or all zeros without
/// intercept).
pub fn train_r2(train_mse: f64, null_objective: f64) -> f64 {
    if null_objective > 0.0 { 1.0 - train_mse / (2.0 * null_objective) } else { f64::NAN }
}

/// What a whole path did.
#[derive(Clone, Debug)]
pub struct PathSummary {
    /// alpha_max of the data (docs/design.md §3).
    pub alpha_max: f64,
    /// The grid that was asked for.
    pub alphas: Vec<f64>,
    /// Points fitted.
    pub n_points: usize,
    /// Why the path ended.
    pub stop_reason: StopReason,
    /// `P(0)`, the loss of the intercept-only model: `‖y − ȳ‖²/(2n)` (`‖y‖²/(2n)` without
    /// intercept) for the quadratic datafit, the binary entropy of ȳ (log 2 without
    /// intercept) for the logistic one; [`train_r2`] turns a quadratic point's `train_mse`
    /// into R² with it.
    pub null_objective: f64,
    /// Whether every fitted point converged.
    pub all_converged: bool,
    /// Full-pass equivalents of gradient scans over the whole path (the first pass for
    /// alpha_max included).
    pub scan_passes: f64,
    /// Wall time, seconds.
    pub time_s: f64,
}

/// What the path driver needs from a per-alpha solver (one per datafit).
trait AlphaSolver {
    fn alpha_max(&self) -> f64;
    fn null_objective(&self) -> f64;
    fn zero_alpha_max_reason(&self) -> &'static str;
    fn total_scan_passes(&self) -> f64;
    /// Whether the support changes along the path (a penalty with an L1 part), so that a
    /// coarse grid is bridged by internal warm starts (see [`bridge_alphas`]).
    fn sparse(&self) -> bool;
    /// The solved point, or `None` when the objective has no finite minimizer.
    fn solve(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> Option<PathPoint<'_>>;
}

impl<D: Design, P: Penalty> AlphaSolver for PathSolver<'_, D, P> {
    fn alpha_max(&self) -> f64 {
        PathSolver::alpha_max(self)
    }
    fn null_objective(&self) -> f64 {
        PathSolver::null_objective(self)
    }
    fn zero_alpha_max_reason(&self) -> &'static str {
        PathSolver::zero_alpha_max_reason(self)
    }
    fn total_scan_passes(&self) -> f64 {
        PathSolver::total_scan_passes(self)
    }
    fn sparse(&self) -> bool {
        self.penalty_l1_weight() > 0.0
    }
    fn solve(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> Option<PathPoint<'_>> {
        Some(self.fit_alpha(alpha_index, alpha, alpha_prev))
    }
}

impl<D: Design, P: Penalty, F: Datafit> AlphaSolver for ProxNewtonSolver<'_, D, P, F> {
    fn alpha_max(&self) -> f64 {
        ProxNewtonSolver::alpha_max(self)
    }
    fn null_objective(&self) -> f64 {
        ProxNewtonSolver::null_objective(self)
    }
    fn zero_alpha_max_reason(&self) -> &'static str {
        ProxNewtonSolver::zero_alpha_max_reason(self)
    }
    fn total_scan_passes(&self) -> f64 {
        ProxNewtonSolver::total_scan_passes(self)
    }
    fn sparse(&self) -> bool {
        self.penalty_l1_weight() > 0.0
    }
    fn solve(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> Option<PathPoint<'_>> {
        self.fit_alpha(alpha_index, alpha, alpha_prev)
    }
}

/// Fits a path for a statically known penalty, with the datafit of `options.datafit`.
///
/// `y` has one value per row of the design (0/1 labels for the logistic datafit, signed
/// survival times for the Cox one: [`crate::signed_times`]). The
/// callback sees every point in decreasing alpha order and may stop the path with
/// `ControlFlow::Break`.
pub fn fit_path<D, P, F>(
    design: &D,
    y: &[f64],
    penalty: P,
    options: &PathOptions,
    on_point: F,
) -> Result<PathSummary, SolverError>
where
    D: Design,
    P: Penalty,
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    let start = Instant::now();
    options.validate()?;
    let solve = options.solve_options();
    match options.datafit {
        DatafitKind::Quadratic => {
            let solver = PathSolver::new(design, y, penalty, &solve)?;
            drive(solver, options, on_point, start)
        }
        DatafitKind::Logistic => {
            let datafit = Logistic::new(y, design.n_samples())?;
            let solver = ProxNewtonSolver::new(design, datafit, penalty, &solve)?;
            drive(solver, options, on_point, start)
        }
        DatafitKind::Cox(ties) => {
            let datafit = Cox::from_signed_times(y, design.n_samples())?.with_ties(ties);
            let solver = ProxNewtonSolver::new(design, datafit, penalty, &solve)?;
            drive(solver, options, on_point, start)
        }
    }
}

/// Fits a path of any [`Datafit`] that carries its own response (the proximal Newton solver;
/// `options.datafit` is not read), for a statically known penalty. The callback is as in
/// [`fit_path`].
pub fn fit_datafit_path<D, Fit, P, F>(
    design: &D,
    datafit: Fit,
    penalty: P,
    options: &PathOptions,
    on_point: F,
) -> Result<PathSummary, SolverError>
where
    D: Design,
    Fit: Datafit,
    P: Penalty,
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    let start = Instant::now();
    options.validate()?;
    let solver = ProxNewtonSolver::new(design, datafit, penalty, &options.solve_options())?;
    drive(solver, options, on_point, start)
}

/// [`fit_datafit_path`] with the penalty given at run time.
pub fn fit_datafit_path_spec<D, Fit, F>(
    design: &D,
    datafit: Fit,
    spec: PenaltySpec,
    options: &PathOptions,
    on_point: F,
) -> Result<PathSummary, SolverError>
where
    D: Design,
    Fit: Datafit,
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    spec.validate()?;
    match spec {
        PenaltySpec::Lasso => fit_datafit_path(design, datafit, Lasso, options, on_point),
        PenaltySpec::Ridge => fit_datafit_path(design, datafit, Ridge, options, on_point),
        PenaltySpec::Enet { l1_ratio } => fit_datafit_path(design, datafit, ElasticNet { l1_ratio }, options, on_point),
        PenaltySpec::Mcp { gamma } => fit_datafit_path(design, datafit, Mcp { gamma }, options, on_point),
        PenaltySpec::Scad { gamma } => fit_datafit_path(design, datafit, Scad { gamma }, options, on_point),
    }
}

/// Runs the grid: one warm-started solve per alpha (coarse steps bridged by internal alphas,
/// [`bridge_alphas`]), the callback, and the stopping rules.
fn drive<S, F>(
    mut solver: S,
    options: &PathOptions,
    mut on_point: F,
    start: Instant,
) -> Result<PathSummary, SolverError>
where
    S: AlphaSolver,
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    let alpha_max = solver.alpha_max();
    let null_objective = solver.null_objective();
    let alphas = options.grid.alphas(alpha_max, solver.zero_alpha_max_reason())?;
    let mut stop_reason = StopReason::EndOfGrid;
    let mut all_converged = true;
    let mut n_points = 0;
    let mut previous = alpha_max.max(alphas[0]);
    let bridge = options.warm_start && solver.sparse() && alpha_max > 0.0;
    let mut internal = Vec::new();
    'grid: for (k, &alpha) in alphas.iter().enumerate() {
        let mut work = Work::default();
        if bridge {
            bridge_alphas(previous, alpha, &mut internal);
            for &between in &internal {
                let Some(point) = solver.solve(k, between, previous) else {
                    stop_reason = StopReason::Separated;
                    break 'grid;
                };
                work.add(&point);
                previous = between;
            }
        }
        let Some(mut point) = solver.solve(k, alpha, previous) else {
            stop_reason = StopReason::Separated;
            break;
        };
        work.add_to(&mut point);
        previous = alpha;
        n_points += 1;
        all_converged &= point.converged;
        let nnz = point.nnz;
        let ratio = point.deviance_ratio;
        if on_point(&point).is_break() {
            stop_reason = StopReason::Callback;
            break;
        }
        if k + 1 == alphas.len() {
            break;
        }
        if options.max_nnz.is_some_and(|m| nnz > m) {
            stop_reason = StopReason::MaxNnz;
            break;
        }
        if options.stop_saturated.is_some_and(|target| ratio >= target) {
            stop_reason = StopReason::Saturated;
            break;
        }
    }
    Ok(PathSummary {
        alpha_max,
        alphas,
        n_points,
        stop_reason,
        null_objective,
        all_converged,
        scan_passes: solver.total_scan_passes(),
        time_s: start.elapsed().as_secs_f64(),
    })
}

/// The smallest ratio `α_next/α_prev` solved directly from a warm start: the default grid's
/// step, 100 alphas over three decades (`10^(−3/99) ≈ 0.933`).
pub const BRIDGE_RATIO: f64 = 0.932_6;

/// The internal alphas that bridge a coarse step of the grid from `from` down to `to`
/// (exclusive at both ends), written into `out`: none when `to/from ≥ BRIDGE_RATIO`,
/// otherwise `m − 1` geometric points `from·(to/from)^(i/m)`, i = 1..m−1, with
/// `m = ⌈ln(to/from)/ln(BRIDGE_RATIO)⌉`.
///
/// A single alpha far below alpha_max (or a 3-alpha grid) solved from a cold or distant warm
/// start costs the solver many more working-set rounds and epochs than the default path
/// spends reaching the same alpha through small steps; bridging makes a coarse request cost
/// no more than the fine path to its smallest alpha, and (for MCP/SCAD) follows the same
/// local solution as that path. Internal points are solved to the same tolerance and not
/// reported; their work is added to the next reported point.
pub fn bridge_alphas(from: f64, to: f64, out: &mut Vec<f64>) {
    out.clear();
    if !(from > 0.0 && to > 0.0 && to / from < BRIDGE_RATIO) {
        return;
    }
    let log_ratio = (to / from).ln();
    let m = (log_ratio / BRIDGE_RATIO.ln()).ceil() as usize;
    out.extend((1..m).map(|i| from * (log_ratio * i as f64 / m as f64).exp()));
}

/// The work of the internal (bridging) points before a reported point.
#[derive(Default)]
struct Work {
    epochs: usize,
    coordinate_updates: u64,
    newton_steps: u64,
    scan_passes: f64,
    newton_passes: f64,
    time_s: f64,
}

impl Work {
    fn add(&mut self, point: &PathPoint<'_>) {
        self.epochs += point.epochs;
        self.coordinate_updates += point.coordinate_updates;
        self.newton_steps += point.newton_steps;
        self.scan_passes += point.scan_passes;
        self.newton_passes += point.newton_passes;
        self.time_s += point.time_s;
    }

    fn add_to(&self, point: &mut PathPoint<'_>) {
        point.epochs += self.epochs;
        point.coordinate_updates += self.coordinate_updates;
        point.newton_steps += self.newton_steps;
        point.scan_passes += self.scan_passes;
        point.newton_passes += self.newton_passes;
        point.time_s += self.time_s;
    }
}

/// Fits a path for a penalty chosen at run time (one dispatch per path).
pub fn fit_path_spec<D, F>(
    design: &D,
    y: &[f64],
    spec: PenaltySpec,
    options: &PathOptions,
    on_point: F,
) -> Result<PathSummary, SolverError>
where
    D: Design,
    F: FnMut(&PathPoint<'_>) -> ControlFlow<()>,
{
    spec.validate()?;
    match spec {
        PenaltySpec::Lasso => fit_path(design, y, Lasso, options, on_point),
        PenaltySpec::Ridge => fit_path(design, y, Ridge, options, on_point),
        PenaltySpec::Enet { l1_ratio } => fit_path(design, y, ElasticNet { l1_ratio }, options, on_point),
        PenaltySpec::Mcp { gamma } => fit_path(design, y, Mcp { gamma }, options, on_point),
        PenaltySpec::Scad { gamma } => fit_path(design, y, Scad { gamma }, options, on_point),
    }
}
