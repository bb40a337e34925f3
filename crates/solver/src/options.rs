//! What a path is fitted with and what each solved point reports: [`Screening`],
//! [`PathOptions`] and [`PathPoint`] (the datafit itself is a [`DatafitKind`], in
//! `datafit_kind.rs`). Both the path driver (`path.rs`) and the per-alpha solver
//! (`solver.rs`) depend on this module, and neither on the other's types.

use crate::certificate::CertificateKind;
use crate::datafit_kind::DatafitKind;
use crate::error::SolverError;
use crate::grid::AlphaGrid;

/// Which screening techniques are used. All are on by default; turning them off changes only
/// the speed, never the certified result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screening {
    /// Sequential strong rules: start each alpha with the features whose last known gradient
    /// exceeds `ρ(2α_k − α_{k−1})`, then add KKT violators.
    pub strong_rules: bool,
    /// Gap Safe screening (convex penalties with an L1 part): features proved zero at the
    /// optimum are dropped from the working set.
    pub gap_safe: bool,
    /// Gradient bounds `|x̃_jᵀr|/n ≤ |x̃_jᵀr_ref|/n + √(v_j/n)·‖r − r_ref‖` carried from the last
    /// full pass, so that features far below the threshold are certified without reading them.
    pub gradient_bounds: bool,
}

impl Default for Screening {
    fn default() -> Self {
        Screening { strong_rules: true, gap_safe: true, gradient_bounds: true }
    }
}

impl Screening {
    /// Every technique off: each alpha works on all live features.
    pub fn none() -> Self {
        Screening { strong_rules: false, gap_safe: false, gradient_bounds: false }
    }
}

/// Options of a path fit.
#[derive(Clone, Debug, PartialEq)]
pub struct PathOptions {
    /// The datafit (default quadratic).
    pub datafit: DatafitKind,
    /// The alphas.
    pub grid: AlphaGrid,
    /// Certificate tolerance, checked at every alpha (default 1e-6).
    pub tol: f64,
    /// Coordinate-descent epochs allowed per alpha (default 10,000).
    pub max_epochs: usize,
    /// Stop the path after the first point with more than this many nonzero coefficients.
    pub max_nnz: Option<usize>,
    /// Stop the path after the first point whose deviance ratio (training R² for the
    /// quadratic datafit) reaches this value, in (0, 1]
    /// (glmnet stops silently at 0.999; off by default). R² is `1 − train_mse / (2·P(0))`,
    /// i.e. one minus the residual sum of squares over that of the intercept-only model
    /// (`‖y − ȳ‖²`, or `‖y‖²` without intercept); it is undefined, and never stops the path,
    /// when that is 0.
    pub stop_saturated: Option<f64>,
    /// Screening techniques.
    pub screening: Screening,
    /// Start each alpha from the previous solution (default) or from zero.
    pub warm_start: bool,
    /// Active-set Newton steps on the working set, and the n × n kernel solve for Ridge with
    /// p > n (default on; off leaves plain coordinate descent, for benchmarking).
    pub newton: bool,
    /// Solve Lasso, MCP and SCAD on one representative of each group of copied columns
    /// (`x̃_j = ±x̃_k`, see [`crate::duplicates`]) and report the copies at 0 (default on;
    /// certificates always cover every column).
    pub merge_copies: bool,
    /// Penalty factor w_j ≥ 0 of each column of X (glmnet's `penalty.factor`, used as given,
    /// not rescaled): the penalty is `Σ_j w_j·pen(t_j)`, and w_j = 0 leaves column j
    /// unpenalized. `None` means every weight is 1. Covariates of the design are always
    /// unpenalized and take no entry here.
    pub penalty_factor: Option<Vec<f64>>,
}

impl Default for PathOptions {
    fn default() -> Self {
        PathOptions {
            datafit: DatafitKind::Quadratic,
            grid: AlphaGrid::default(),
            tol: 1e-6,
            max_epochs: 10_000,
            max_nnz: None,
            stop_saturated: None,
            screening: Screening::default(),
            warm_start: true,
            newton: true,
            merge_copies: true,
            penalty_factor: None,
        }
    }
}

impl PathOptions {
    /// Checks the options that do not depend on the data.
    pub fn validate(&self) -> Result<(), SolverError> {
        self.grid.validate()?;
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(SolverError::InvalidParameter(format!(
                "tol must be a positive finite number, got {}",
                self.tol
            )));
        }
        if self.max_epochs == 0 {
            return Err(SolverError::InvalidParameter("max_epochs must be at least 1, got 0".into()));
        }
        if let Some(r2) = self.stop_saturated
            && !(r2 > 0.0 && r2 <= 1.0)
        {
            return Err(SolverError::InvalidParameter(format!(
                "stop_saturated must be a training R² in (0, 1], got {r2}"
            )));
        }
        Ok(())
    }
}

/// One solved point of a path, handed to the caller's callback.
#[derive(Clone, Debug)]
pub struct PathPoint<'a> {
    /// 0-based position on the grid.
    pub alpha_index: usize,
    /// α.
    pub alpha: f64,
    /// α / alpha_max (NaN-free: 0 when alpha_max is 0).
    pub alpha_over_max: f64,
    /// Number of nonzero coefficients.
    pub nnz: usize,
    /// The intercept on the original scale (0 without intercept).
    pub intercept: f64,
    /// `P(β, b) = 1/(2n)‖y − b − Xβ‖² + Σ_j pen(β_j s_j)`.
    pub objective: f64,
    /// The certificate value (relative gap or relative KKT violation).
    pub certificate: f64,
    /// Which certificate.
    pub certificate_kind: CertificateKind,
    /// Whether `certificate ≤ tol` was reached within the epoch budget.
    pub converged: bool,
    /// Coordinate-descent epochs (sweeps of the working set or its active part) at this alpha.
    pub epochs: usize,
    /// Coordinate updates at this alpha.
    pub coordinate_updates: u64,
    /// Newton steps at this alpha: solves with a factored Hessian (the quadratic datafit's
    /// active-set Newton segment steps and ridge kernel solve, the logistic datafit's
    /// proximal-Newton steps, each of whose inner sweeps also count as epochs).
    pub newton_steps: u64,
    /// Wall time of this alpha alone, in seconds.
    pub time_s: f64,
    /// `‖y − b − Xβ‖²/n` (for the logistic datafit `‖y − σ(η)‖²/n`, the Brier score).
    pub train_mse: f64,
    /// The datafit's mean deviance: `train_mse` for the quadratic datafit, the mean binomial
    /// deviance `2·(1/n)Σ[log(1 + e^η) − yη]` for the logistic one.
    pub train_deviance: f64,
    /// `1 − loss/P(0)`: the share of the intercept-only loss explained (R² for the quadratic
    /// datafit, `1 − train_mse/(2·P(0))`; glmnet's `dev.ratio` for the logistic one); NaN
    /// when `P(0) = 0`.
    pub deviance_ratio: f64,
    /// Size of the final working set.
    pub working_set: usize,
    /// Features removed by Gap Safe screening at the end of this alpha.
    pub screened: usize,
    /// Columns read by gradient scans outside the working set, in full passes over X.
    pub scan_passes: f64,
    /// Floating-point work of the second-order models at this alpha (Gram entries at 2n
    /// flops each, Cholesky appends k², removals 3(k − i)², solves 2k², the ridge kernel
    /// 2n²·p, the logistic model's weighted Gram m²n and conjugate-gradient products 4mn), in
    /// full passes over X (2·n·p flops, p the live columns): with `scan_passes` and
    /// `coordinate_updates/p` it ranks the cost of alphas that coordinate descent and Newton
    /// solve in one unit.
    pub newton_passes: f64,
    /// Nonzero coefficients on the original scale, sorted by feature index.
    pub coefs: &'a [(usize, f64)],
}
