//! What the per-alpha solver is given ([`SolveOptions`], with its [`Screening`]): everything a
//! solve needs and nothing about the path (grid, stopping rules, datafit choice), so that the
//! solver modules depend on this one and never on `options.rs` or `grid.rs`. A path's
//! [`crate::PathOptions::solve_options`] hands its part down.

use crate::error::SolverError;

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

/// Options of the per-alpha solves of one path (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct SolveOptions {
    /// Certificate tolerance, checked at every alpha.
    pub tol: f64,
    /// Coordinate-descent epochs allowed per alpha.
    pub max_epochs: usize,
    /// Screening techniques.
    pub screening: Screening,
    /// Start each alpha from the previous solution, or from the covariates-only model.
    pub warm_start: bool,
    /// Second-order steps: the active-set Newton solver and the ridge kernel solve of the
    /// quadratic datafit (the logistic datafit's proximal Newton steps are its algorithm and
    /// always on).
    pub newton: bool,
    /// Solve Lasso, MCP and SCAD on one representative of each group of copied columns.
    pub merge_copies: bool,
    /// Penalty factor w_j ≥ 0 of each column of X (`None`: every weight is 1).
    pub penalty_factor: Option<Vec<f64>>,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            tol: 1e-6,
            max_epochs: 10_000,
            screening: Screening::default(),
            warm_start: true,
            newton: true,
            merge_copies: true,
            penalty_factor: None,
        }
    }
}

impl SolveOptions {
    /// Checks the options that do not depend on the data: `tol` positive and finite,
    /// `max_epochs ≥ 1`.
    pub fn validate(&self) -> Result<(), SolverError> {
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(SolverError::InvalidParameter(format!(
                "tol must be a positive finite number, got {}",
                self.tol
            )));
        }
        if self.max_epochs == 0 {
            return Err(SolverError::InvalidParameter("max_epochs must be at least 1, got 0".into()));
        }
        Ok(())
    }
}
