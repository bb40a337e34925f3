//! The logistic datafit: the binomial log-likelihood `F(η) = (1/n) Σ_i [log(1 + e^{η_i}) − y_i η_i]`
//! for labels `y_i ∈ {0, 1}`, with residual `r_i = y_i − σ(η_i)`, Hessian weights
//! `σ(η_i)σ(−η_i) ≤ 1/4` and the dual `−(1/n) Σ_i h(y_i − s r_i)` at `θ = s·r/n`
//! (`h(p) = p log p + (1 − p) log(1 − p)`); the stable scalar forms are in `crate::logistic`.

use super::Datafit;
use crate::error::SolverError;
use crate::logistic;

/// The binomial log-likelihood of 0/1 labels (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Logistic {
    y: Vec<f64>,
}

impl Logistic {
    /// The datafit of labels y for a design of n samples: y must have n finite values, all 0 or
    /// 1, with both classes present.
    pub fn new(y: &[f64], n: usize) -> Result<Self, SolverError> {
        if y.len() != n {
            return Err(SolverError::LengthMismatch { y_len: y.len(), n });
        }
        if let Some((i, &v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SolverError::NonFinite { what: "y", value: v, location: format!("position {i} (0-based)") });
        }
        if let Some((i, &v)) = y.iter().enumerate().find(|(_, v)| **v != 0.0 && **v != 1.0) {
            return Err(SolverError::InvalidParameter(format!(
                "the logistic datafit needs y in {{0, 1}} (or PLINK's 1 = control, 2 = case), but y has {v} at position {i} (0-based)"
            )));
        }
        let cases = y.iter().filter(|&&v| v == 1.0).count();
        if cases == 0 || cases == n {
            return Err(SolverError::InvalidParameter(format!(
                "y has one class only ({} of {n} samples are {}): a logistic model needs cases and controls",
                n,
                if cases == 0 { "0 (controls)" } else { "1 (cases)" }
            )));
        }
        Ok(Logistic { y: y.to_vec() })
    }
}

impl Datafit for Logistic {
    fn name(&self) -> &'static str {
        "logistic"
    }

    fn n_samples(&self) -> usize {
        self.y.len()
    }

    /// `logit(ȳ)`.
    fn null_intercept(&self) -> f64 {
        let cases = self.y.iter().filter(|&&v| v == 1.0).count();
        let mean = cases as f64 / self.y.len() as f64;
        (mean / (1.0 - mean)).ln()
    }

    /// The binary entropy of ȳ, or log 2 without intercept.
    fn null_loss(&self, fit_intercept: bool) -> f64 {
        logistic::null_loss(&self.y, fit_intercept)
    }

    fn loss(&self, eta: &[f64]) -> f64 {
        logistic::mean_loss(&self.y, eta)
    }

    /// `r_i = y_i − σ(η_i)`, one exponential and one logarithm per sample.
    fn loss_and_residual(&self, eta: &[f64], r: &mut [f64]) -> f64 {
        let mut total = 0.0;
        for ((r, &y), &e) in r.iter_mut().zip(&self.y).zip(eta) {
            let (loss, residual) = logistic::loss_and_residual(y, e);
            *r = residual;
            total += loss;
        }
        total / self.y.len() as f64
    }

    /// `h_i = σ(η_i)σ(−η_i)`.
    fn hessian_weights(&self, eta: &[f64], h: &mut [f64]) {
        for (h, &e) in h.iter_mut().zip(eta) {
            *h = logistic::hessian_weight(e);
        }
    }

    /// `h_i = 1/4 ≥ σ(η)σ(−η)` everywhere.
    fn majorizer_weights(&self, _eta: &[f64], h: &mut [f64]) {
        h.iter_mut().for_each(|h| *h = 0.25);
    }

    /// `−(1/n) Σ_i h(y_i − s·r_i)`, finite for s ∈ [0, 1].
    fn scaled_dual(&self, r: &[f64], s: f64) -> Option<f64> {
        Some(logistic::scaled_dual(&self.y, r, s))
    }

    /// The Brier score `(1/n) Σ (y_i − σ(η_i))²`.
    fn mean_squared_error(&self, eta: &[f64]) -> f64 {
        self.y
            .iter()
            .zip(eta)
            .map(|(&y, &e)| {
                let d = y - logistic::sigmoid(e);
                d * d
            })
            .sum::<f64>()
            / self.y.len() as f64
    }

    /// `(2y_i − 1)η_i > 0` for every i.
    fn separates(&self, eta: &[f64]) -> bool {
        self.y.iter().zip(eta).all(|(&y, &e)| if y == 1.0 { e > 0.0 } else { e < 0.0 })
    }
}
