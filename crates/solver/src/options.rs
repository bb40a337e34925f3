//! What a path is fitted with: [`PathOptions`] (the datafit, a [`DatafitKind`] of
//! `datafit_kind.rs`; the grid; the stopping rules; and the per-alpha [`SolveOptions`] it hands
//! to the solver). The path driver (`path.rs`) depends on this module; the per-alpha solvers do
//! not (they see only `solve_options.rs` and build `point.rs`'s [`PathPoint`]).

use crate::datafit_kind::DatafitKind;
use crate::error::SolverError;
use crate::grid::AlphaGrid;
pub use crate::point::PathPoint;
pub use crate::solve_options::{Screening, SolveOptions};

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
    /// The options of the per-alpha solves (what the solver sees of the path's options).
    pub fn solve_options(&self) -> SolveOptions {
        SolveOptions {
            tol: self.tol,
            max_epochs: self.max_epochs,
            screening: self.screening,
            warm_start: self.warm_start,
            newton: self.newton,
            merge_copies: self.merge_copies,
            penalty_factor: self.penalty_factor.clone(),
        }
    }

    /// Checks the options that do not depend on the data.
    pub fn validate(&self) -> Result<(), SolverError> {
        self.grid.validate()?;
        self.solve_options().validate()?;
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
