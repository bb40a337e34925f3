//! Regularization grids (docs/design.md §3).

use crate::error::SolverError;

/// How the alphas of a path are chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum AlphaGrid {
    /// `n_alphas` values geometric from `alpha_max` down to `eps·alpha_max`:
    /// `α_k = alpha_max · eps^(k/(n_alphas−1))`, k = 0..n_alphas−1.
    Geometric {
        /// number of alphas (≥ 1)
        n_alphas: usize,
        /// ratio of the smallest to the largest alpha, in (0, 1)
        eps: f64,
    },
    /// An explicit list, used sorted in decreasing order.
    Explicit(Vec<f64>),
}

impl Default for AlphaGrid {
    fn default() -> Self {
        AlphaGrid::Geometric { n_alphas: 100, eps: 1e-3 }
    }
}

impl AlphaGrid {
    /// Checks the grid's own parameters (independent of the data).
    pub fn validate(&self) -> Result<(), SolverError> {
        match self {
            AlphaGrid::Geometric { n_alphas, eps } => {
                if *n_alphas == 0 {
                    return Err(SolverError::InvalidParameter("n_alphas must be at least 1, got 0".into()));
                }
                if !(*eps > 0.0 && *eps < 1.0) {
                    return Err(SolverError::InvalidParameter(format!("eps must be in (0, 1), got {eps}")));
                }
                Ok(())
            }
            AlphaGrid::Explicit(list) => {
                if list.is_empty() {
                    return Err(SolverError::InvalidParameter("the alpha list is empty".into()));
                }
                if let Some(a) = list.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
                    return Err(SolverError::InvalidParameter(format!(
                        "every alpha must be a positive finite number, got {a}"
                    )));
                }
                let mut sorted = list.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                    return Err(SolverError::InvalidParameter(format!("alpha {} appears more than once", w[0])));
                }
                Ok(())
            }
        }
    }

    /// The alphas in decreasing order, given the data's `alpha_max`.
    ///
    /// `zero_reason` explains why alpha_max is zero when it is (the default grid is then an
    /// error; an explicit list still runs and returns zeros).
    pub fn alphas(&self, alpha_max: f64, zero_reason: &'static str) -> Result<Vec<f64>, SolverError> {
        self.validate()?;
        match self {
            AlphaGrid::Geometric { n_alphas, eps } => {
                if alpha_max.is_nan() || alpha_max <= 0.0 {
                    return Err(SolverError::ZeroAlphaMax(zero_reason));
                }
                let k = *n_alphas;
                if k == 1 {
                    return Ok(vec![alpha_max]);
                }
                let log_eps = eps.ln();
                Ok((0..k)
                    .map(|i| if i == 0 { alpha_max } else { alpha_max * (log_eps * i as f64 / (k - 1) as f64).exp() })
                    .collect())
            }
            AlphaGrid::Explicit(list) => {
                let mut sorted = list.clone();
                sorted.sort_by(|a, b| b.total_cmp(a));
                Ok(sorted)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_grid_endpoints() {
        let a = AlphaGrid::Geometric { n_alphas: 5, eps: 1e-2 }.alphas(2.0, "").unwrap();
        assert_eq!(a.len(), 5);
        assert_eq!(a[0], 2.0);
        assert!((a[4] - 0.02).abs() < 1e-15);
        assert!(a.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(AlphaGrid::Geometric { n_alphas: 1, eps: 0.5 }.alphas(3.0, "").unwrap(), vec![3.0]);
    }

    #[test]
    fn invalid_grids_are_errors() {
        assert!(AlphaGrid::Geometric { n_alphas: 0, eps: 1e-3 }.validate().is_err());
        assert!(AlphaGrid::Geometric { n_alphas: 10, eps: 1.0 }.validate().is_err());
        assert!(AlphaGrid::Explicit(vec![1.0, -1.0]).validate().is_err());
        assert!(AlphaGrid::Explicit(vec![1.0, f64::NAN]).validate().is_err());
        assert!(AlphaGrid::Explicit(vec![1.0, f64::INFINITY]).validate().is_err());
        assert!(AlphaGrid::Explicit(vec![1.0, 2.0, 1.0]).validate().is_err());
        assert!(AlphaGrid::Explicit(vec![]).validate().is_err());
        assert_eq!(AlphaGrid::default().alphas(0.0, "y is constant"), Err(SolverError::ZeroAlphaMax("y is constant")));
    }

    #[test]
    fn explicit_grid_is_sorted_decreasing_and_runs_with_zero_alpha_max() {
        let a = AlphaGrid::Explicit(vec![0.1, 3.0, 1.0]).alphas(0.0, "").unwrap();
        assert_eq!(a, vec![3.0, 1.0, 0.1]);
    }
}
