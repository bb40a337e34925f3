//! Errors for invalid input. Non-convergence is not an error: it is reported per path point.

/// Why a path could not be fitted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SolverError {
    /// X has no rows or no columns.
    #[error("X is empty ({n} samples x {p} features)")]
    EmptyDesign {
        /// rows
        n: usize,
        /// columns
        p: usize,
    },
    /// The dense design needs a column-major (Fortran-order) view.
    #[error("X must be stored column-major (Fortran order); convert it once before fitting")]
    NotColumnMajor,
    /// y does not have one entry per sample.
    #[error("y has {y_len} values but X has {n} rows (samples)")]
    LengthMismatch {
        /// len(y)
        y_len: usize,
        /// rows of X
        n: usize,
    },
    /// A value in X or y is NaN or infinite.
    #[error("{what} has a non-finite value ({value}) at {location}")]
    NonFinite {
        /// "X" or "y"
        what: &'static str,
        /// the offending value
        value: f64,
        /// e.g. "row 3, column 7 (0-based)"
        location: String,
    },
    /// A parameter is out of range.
    #[error("{0}")]
    InvalidParameter(String),
    /// The default grid cannot be built because alpha_max is zero.
    #[error("alpha_max is 0 ({0}), so the default grid is empty; pass explicit --alphas to fit anyway")]
    ZeroAlphaMax(&'static str),
    /// MCP/SCAD would be non-convex in some coordinate (only possible without standardization).
    #[error(
        "{penalty} with gamma = {gamma} is non-convex in column {column} (its curvature ‖x_j‖²/n = {curvature} needs {condition}); drop --no-standardize or raise --gamma"
    )]
    NonConvexCoordinate {
        /// mcp or scad
        penalty: &'static str,
        /// γ
        gamma: f64,
        /// the first offending column (0-based)
        column: usize,
        /// its curvature v_j
        curvature: f64,
        /// the condition that fails, e.g. "gamma * v > 1"
        condition: &'static str,
    },
    /// A penalty factor is so large that MCP/SCAD is non-convex in that coordinate.
    #[error(
        "{penalty} with gamma = {gamma} and penalty factor {weight} is non-convex in column {column} (curvature {curvature}; the weight must be below {limit}); lower that weight or raise --gamma"
    )]
    WeightTooLarge {
        /// mcp or scad
        penalty: &'static str,
        /// γ
        gamma: f64,
        /// the offending weight
        weight: f64,
        /// its column (0-based)
        column: usize,
        /// its curvature v_j
        curvature: f64,
        /// γ·v_j (MCP) or (γ − 1)·v_j (SCAD)
        limit: f64,
    },
    /// The unpenalized columns (covariates, zero penalty factors) have no unique least-squares
    /// fit, or a covariate is constant.
    #[error("{0}")]
    Unpenalized(String),
}
