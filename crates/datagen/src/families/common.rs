//! Pieces shared by the families: parameter checks, column-parallel filling, effects, noise.

use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder};
use rand::Rng;
use rand::seq::index;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// Default correlation ρ.
pub const DEFAULT_RHO: f64 = 0.5;
/// Default target signal-to-noise ratio Var(Xβ)/σ².
pub const DEFAULT_SNR: f64 = 3.0;
/// Default number of nonzero coefficients.
pub const DEFAULT_K: usize = 10;

/// n ≥ 2 (the noise level is set from a sample variance), p ≥ 1, and n·p·8 bytes addressable.
pub(crate) fn check_size(n: usize, p: usize) -> Result<(), DataError> {
    if n < 2 {
        return Err(DataError::parameter(format!(
            "n must be at least 2 (the noise is scaled by a sample variance), got n = {n}"
        )));
    }
    if p == 0 {
        return Err(DataError::parameter("p must be at least 1, got p = 0"));
    }
    if n.checked_mul(p).and_then(|c| c.checked_mul(8)).is_none_or(|b| b > isize::MAX as usize) {
        return Err(DataError::parameter(format!("n x p = {n} x {p} is too large")));
    }
    Ok(())
}

/// ρ ∈ [0, 1).
pub(crate) fn check_rho(rho: f64) -> Result<(), DataError> {
    if (0.0..1.0).contains(&rho) {
        Ok(())
    } else {
        Err(DataError::parameter(format!("rho must be in [0, 1), got {rho}")))
    }
}

/// 1 ≤ k ≤ p.
pub(crate) fn check_k(k: usize, p: usize) -> Result<(), DataError> {
    if k == 0 || k > p {
        Err(DataError::parameter(format!(
            "k (number of nonzero coefficients) must be in 1..=p = {p}, got k = {k} \
             (the default is {DEFAULT_K})"
        )))
    } else {
        Ok(())
    }
}

/// snr > 0 and finite.
pub(crate) fn check_snr(snr: f64) -> Result<(), DataError> {
    if snr > 0.0 && snr.is_finite() {
        Ok(())
    } else {
        Err(DataError::parameter(format!("snr must be positive and finite, got {snr}")))
    }
}

/// An n × p column-major matrix whose column j is filled by `fill(j, column)`, in parallel.
pub(crate) fn fill_columns<F>(n: usize, p: usize, fill: F) -> Array2<f64>
where
    F: Fn(usize, &mut [f64]) + Sync,
{
    let mut x = Array2::<f64>::zeros((n, p).f());
    x.as_slice_memory_order_mut()
        .expect("new array is contiguous")
        .par_chunks_mut(n)
        .enumerate()
        .for_each(|(j, col)| fill(j, col));
    x
}

/// Fills `out` with independent N(0, 1) draws from `rng`.
pub(crate) fn fill_normal<R: Rng>(rng: &mut R, out: &mut [f64]) {
    for v in out {
        *v = rng.sample(StandardNormal);
    }
}

/// k distinct positions in 0..p (sorted), from the effects stream.
pub(crate) fn effect_positions<R: Rng>(rng: &mut R, p: usize, k: usize) -> Vec<usize> {
    let mut pos = index::sample(rng, p, k).into_vec();
    pos.sort_unstable();
    pos
}

/// β with k entries ±1 (random signs) at random positions.
pub(crate) fn sign_effects(p: usize, k: usize, seed: u64) -> Array1<f64> {
    let mut rng = stream(seed, Purpose::Effects, 0);
    let positions = effect_positions(&mut rng, p, k);
    let mut beta = Array1::zeros(p);
    for j in positions {
        beta[j] = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    }
    beta
}

/// Xβ, summing the nonzero coefficients' columns in index order (deterministic).
pub(crate) fn signal(x: ArrayView2<'_, f64>, beta: &Array1<f64>) -> Array1<f64> {
    let mut s = Array1::zeros(x.nrows());
    for (j, &b) in beta.iter().enumerate() {
        if b != 0.0 {
            s.scaled_add(b, &x.column(j));
        }
    }
    s
}

/// Sample variance (divisor n) of `v`.
pub(crate) fn variance(v: &Array1<f64>) -> f64 {
    let n = v.len() as f64;
    let mean = v.sum() / n;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}

/// σ such that Var(signal)/σ² = `snr`, with Var the sample variance of `signal`.
pub(crate) fn sigma_for_snr(signal: &Array1<f64>, snr: f64) -> Result<f64, DataError> {
    let v = variance(signal);
    if v > 0.0 {
        Ok((v / snr).sqrt())
    } else {
        Err(DataError::parameter(format!(
            "the signal Xβ is constant over the n = {} samples, so the noise cannot be scaled \
             to a signal-to-noise ratio; increase n or k, or change the seed",
            signal.len()
        )))
    }
}

/// y = signal + σ·ε with ε ~ N(0, 1) from the noise stream; returns (y, realized SNR), the
/// realized SNR being the sample variance of the signal over that of σ·ε.
pub(crate) fn add_noise(signal: &Array1<f64>, sigma: f64, seed: u64) -> (Array1<f64>, f64) {
    let mut rng = stream(seed, Purpose::Noise, 0);
    let mut noise = Array1::zeros(signal.len());
    fill_normal(&mut rng, noise.as_slice_mut().expect("contiguous"));
    noise *= sigma;
    let snr = variance(signal) / variance(&noise);
    (signal + &noise, snr)
}
