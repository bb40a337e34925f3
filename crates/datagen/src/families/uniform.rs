//! `uniform`: X ~ U(0, 1), y = 2·x₀ + 3·x₁ + N(0, 1).

use ndarray::Array1;
use rand::Rng;

use super::Synthetic;
use super::common::{add_noise, fill_columns, signal};
use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// Generates the teaching example (p ≥ 2 checked by the caller).
pub(crate) fn generate(n: usize, p: usize, seed: u64) -> Result<Synthetic, DataError> {
    let x = fill_columns(n, p, |j, col| {
        let mut rng = stream(seed, Purpose::Column, j as u64);
        for v in col {
            *v = rng.random::<f64>();
        }
    });
    let mut beta = Array1::zeros(p);
    beta[0] = 2.0;
    beta[1] = 3.0;
    let s = signal(x.view(), &beta);
    let sigma = 1.0;
    let (y, snr) = add_noise(&s, sigma, seed);
    Ok(Synthetic { x, y, beta, snr, sigma, survival: None })
}
