//! `sparse_x`: most entries exactly zero, the rest N(0, 1); k effects ±1.

use rand::Rng;
use rand_distr::StandardNormal;

use super::Synthetic;
use super::common::{add_noise, fill_columns, sigma_for_snr, sign_effects, signal};
use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// Default fraction of nonzero entries.
pub const DEFAULT_DENSITY: f64 = 0.05;

/// Each entry is nonzero with probability `density`; one stream per column.
pub(crate) fn generate(
    n: usize,
    p: usize,
    density: f64,
    k: usize,
    snr: f64,
    seed: u64,
) -> Result<Synthetic, DataError> {
    let x = fill_columns(n, p, |j, col| {
        let mut rng = stream(seed, Purpose::Column, j as u64);
        for v in col {
            let keep = rng.random::<f64>() < density;
            let z: f64 = rng.sample(StandardNormal);
            *v = if keep { z } else { 0.0 };
        }
    });
    let beta = sign_effects(p, k, seed);
    let s = signal(x.view(), &beta);
    let sigma = sigma_for_snr(&s, snr)?;
    let (y, snr) = add_noise(&s, sigma, seed);
    Ok(Synthetic { x, y, beta, snr, sigma, survival: None })
}
