//! `toeplitz`: AR(1) Gaussian columns, corr(x_i, x_j) = ρ^|i−j|, k effects ±1.

use super::Synthetic;
use super::common::{add_noise, fill_columns, fill_normal, sigma_for_snr, sign_effects, signal};
use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// Innovations e_j are drawn per column in parallel; then x₀ = e₀ and
/// x_j = ρ·x_{j−1} + sqrt(1 − ρ²)·e_j, a pass over the columns in order.
pub(crate) fn generate(n: usize, p: usize, rho: f64, k: usize, snr: f64, seed: u64) -> Result<Synthetic, DataError> {
    let mut x = fill_columns(n, p, |j, col| {
        fill_normal(&mut stream(seed, Purpose::Column, j as u64), col);
    });
    let c = (1.0 - rho * rho).sqrt();
    let data = x.as_slice_memory_order_mut().expect("contiguous");
    for j in 1..p {
        let (prev, cur) = data[(j - 1) * n..(j + 1) * n].split_at_mut(n);
        for (v, u) in cur.iter_mut().zip(prev.iter()) {
            *v = rho * u + c * *v;
        }
    }
    let beta = sign_effects(p, k, seed);
    let s = signal(x.view(), &beta);
    let sigma = sigma_for_snr(&s, snr)?;
    let (y, snr) = add_noise(&s, sigma, seed);
    Ok(Synthetic { x, y, beta, snr, sigma, survival: None })
}
