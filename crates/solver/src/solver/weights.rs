//! Penalty factors w_j of the solver's columns (docs/design.md §3).

use std::ops::Index;

use crate::error::SolverError;

/// w_j of every column: the given weights for the `p_x` columns of X, 0 for the covariates
/// after them. When every weight is 1 nothing is stored, so that the per-feature loops of an
/// unweighted path (p up to 10⁶) read no extra array.
pub(super) struct PenaltyWeights {
    values: Option<Vec<f64>>,
}

static UNIT: f64 = 1.0;

impl PenaltyWeights {
    /// Checks the given weights (that many, finite, non-negative, not all 0) and appends the
    /// covariates' zeros up to p columns.
    pub(super) fn new(given: Option<&[f64]>, p_x: usize, p: usize) -> Result<Self, SolverError> {
        if let Some(w) = given {
            if w.len() != p_x {
                return Err(SolverError::InvalidParameter(format!(
                    "the penalty factor has {} weights but X has {p_x} columns",
                    w.len()
                )));
            }
            if let Some((j, &v)) = w.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                return Err(SolverError::InvalidParameter(format!(
                    "penalty factor of column {j} is {v}: weights must be finite and >= 0"
                )));
            }
            if w.iter().all(|&v| v == 0.0) {
                return Err(SolverError::InvalidParameter(
                    "every penalty factor is 0: nothing is penalized".to_string(),
                ));
            }
        }
        let unit = given.is_none_or(|w| w.iter().all(|&v| v == 1.0));
        if unit && p == p_x {
            return Ok(PenaltyWeights { values: None });
        }
        let mut values = given.map_or_else(|| vec![1.0; p_x], <[f64]>::to_vec);
        values.resize(p, 0.0);
        Ok(PenaltyWeights { values: Some(values) })
    }
}

impl Index<usize> for PenaltyWeights {
    type Output = f64;

    #[inline]
    fn index(&self, j: usize) -> &f64 {
        match &self.values {
            Some(values) => &values[j],
            None => &UNIT,
        }
    }
}
