//! `equicorrelated`: Friedman, Hastie & Tibshirani (2010, J. Stat. Softw. 33(1)) §5.

use ndarray::Array1;

use super::Synthetic;
use super::common::{add_noise, fill_columns, fill_normal, sigma_for_snr, signal};
use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// β_j = (−1)^j·exp(−2(j − 1)/20) for 1-based j.
pub(crate) fn coefficients(p: usize) -> Array1<f64> {
    Array1::from_iter((1..=p).map(|j| {
        let sign = if j % 2 == 0 { 1.0 } else { -1.0 };
        sign * (-2.0 * (j as f64 - 1.0) / 20.0).exp()
    }))
}

/// x_ij = sqrt(ρ)·z_i0 + sqrt(1 − ρ)·z_ij with one shared z₀ (Common stream) and one stream per
/// column; the noise is scaled so that Var(Xβ)/σ² = `snr` in the sample.
pub(crate) fn generate(n: usize, p: usize, rho: f64, snr: f64, seed: u64) -> Result<Synthetic, DataError> {
    let mut z0 = vec![0.0; n];
    fill_normal(&mut stream(seed, Purpose::Common, 0), &mut z0);
    let (a, b) = (rho.sqrt(), (1.0 - rho).sqrt());
    let x = fill_columns(n, p, |j, col| {
        fill_normal(&mut stream(seed, Purpose::Column, j as u64), col);
        for (v, z) in col.iter_mut().zip(&z0) {
            *v = a * z + b * *v;
        }
    });
    let beta = coefficients(p);
    let s = signal(x.view(), &beta);
    let sigma = sigma_for_snr(&s, snr)?;
    let (y, snr) = add_noise(&s, sigma, seed);
    Ok(Synthetic { x, y, beta, snr, sigma, survival: None })
}
