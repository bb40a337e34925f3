//! [`DatafitKind`]: the datafit a path is fitted with, picked at run time.

use crate::error::SolverError;

/// The datafit of a path (docs/design.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DatafitKind {
    /// `1/(2n)‖y − b − Xβ‖²`.
    #[default]
    Quadratic,
    /// `(1/n) Σ_i [log(1 + e^{η_i}) − y_i η_i]`, `η = b + Xβ`, y ∈ {0, 1}.
    Logistic,
}

impl DatafitKind {
    /// `quadratic` or `logistic`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "quadratic",
            DatafitKind::Logistic => "logistic",
        }
    }

    /// Parses `quadratic` or `logistic`.
    pub fn from_name(name: &str) -> Result<Self, SolverError> {
        match name {
            "quadratic" => Ok(DatafitKind::Quadratic),
            "logistic" => Ok(DatafitKind::Logistic),
            other => Err(SolverError::InvalidParameter(format!(
                "unknown datafit '{other}' (expected quadratic or logistic)"
            ))),
        }
    }

    /// The ratio eps of the default grid's smallest alpha to alpha_max: 10⁻³ for the quadratic
    /// datafit, 10⁻² for the logistic one (glmnet's choice for n < p; below it the fit
    /// approaches separation on wide data).
    pub fn default_eps(&self) -> f64 {
        match self {
            DatafitKind::Quadratic => 1e-3,
            DatafitKind::Logistic => 1e-2,
        }
    }
}
