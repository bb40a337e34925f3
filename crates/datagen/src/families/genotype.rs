//! `genotype`: SNP-like dosages in {0, 1, 2} with LD blocks, generated block by block so that a
//! PLINK fileset of any size can be streamed to disk.
//!
//! Model. SNPs are cut into consecutive blocks of `block_size`. Within a block each of the 2n
//! haplotypes carries a latent Gaussian AR(1) chain across SNPs, h_j = ld·h_{j−1} +
//! sqrt(1 − ld²)·e_j; SNP j has allele frequency f_j ~ U[maf_min, maf_max] and a haplotype
//! carries allele 1 when h_j < Φ⁻¹(f_j). A sample's dosage is the count over its two
//! haplotypes. Neighbouring SNPs of a block are therefore correlated; blocks are independent.
//! Block b draws from its own stream (seed, b), so any block can be regenerated alone.
//! k causal SNPs get N(0, 1) effects; the noise is scaled to the heritability h².

use std::ops::Range;

use ndarray::{Array1, Array2, ShapeBuilder};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use super::common::{add_noise, check_k, check_size, effect_positions, sigma_for_snr};
use super::{FamilySpec, Synthetic};
use crate::error::DataError;
use crate::io::bed::bytes_per_snp;
use crate::io::bed_write::pack_snp;
use crate::rng::{Purpose, stream};

/// Default heritability.
pub const DEFAULT_H2: f64 = 0.5;
/// Default lowest allele frequency.
pub const DEFAULT_MAF_MIN: f64 = 0.05;
/// Default highest allele frequency.
pub const DEFAULT_MAF_MAX: f64 = 0.5;
/// Default SNPs per LD block.
pub const DEFAULT_BLOCK_SIZE: usize = 20;
/// Default latent correlation between neighbouring SNPs of a block.
pub const DEFAULT_LD: f64 = 0.9;

/// A validated `genotype` family with its seed: generates blocks, the truth and the phenotype.
#[derive(Debug, Clone)]
pub struct GenotypeModel {
    n: usize,
    p: usize,
    k: usize,
    h2: f64,
    maf_min: f64,
    maf_max: f64,
    block_size: usize,
    ld: f64,
    seed: u64,
}

/// The phenotype of a genotype dataset and its truth.
#[derive(Debug, Clone)]
pub struct Phenotype {
    /// Response, length n.
    pub y: Array1<f64>,
    /// True effects, length p (k nonzeros).
    pub beta: Array1<f64>,
    /// Realized signal-to-noise ratio (sample variances); h² = snr/(1 + snr).
    pub snr: f64,
    /// Noise standard deviation.
    pub sigma: f64,
}

impl GenotypeModel {
    /// Builds the model from a [`FamilySpec::Genotype`], checking every parameter.
    pub fn from_spec(spec: &FamilySpec, seed: u64) -> Result<GenotypeModel, DataError> {
        let FamilySpec::Genotype { n, p, k, h2, maf_min, maf_max, block_size, ld } = *spec else {
            return Err(DataError::parameter(format!("family {} is not genotype", spec.name())));
        };
        check_size(n, p)?;
        check_k(k, p)?;
        if !(h2 > 0.0 && h2 < 1.0) {
            return Err(DataError::parameter(format!("h2 must be in (0, 1), got {h2}")));
        }
        if !(maf_min > 0.0 && maf_min <= maf_max && maf_max <= 0.5) {
            return Err(DataError::parameter(format!(
                "allele frequencies need 0 < maf_min <= maf_max <= 0.5, got maf_min = {maf_min}, maf_max = {maf_max}"
            )));
        }
        if block_size == 0 {
            return Err(DataError::parameter("block_size must be at least 1"));
        }
        if !(0.0..1.0).contains(&ld) {
            return Err(DataError::parameter(format!("ld must be in [0, 1), got {ld}")));
        }
        Ok(GenotypeModel { n, p, k, h2, maf_min, maf_max, block_size, ld, seed })
    }

    /// Samples.
    pub fn n(&self) -> usize {
        self.n
    }

    /// SNPs.
    pub fn p(&self) -> usize {
        self.p
    }

    /// Number of LD blocks, `ceil(p / block_size)`.
    pub fn n_blocks(&self) -> usize {
        self.p.div_ceil(self.block_size)
    }

    /// The SNP indices of block `b`.
    pub fn block_range(&self, b: usize) -> Range<usize> {
        let start = b * self.block_size;
        start..(start + self.block_size).min(self.p)
    }

    /// Dosages of block `b`, column-major (n × block length), values 0, 1, 2.
    pub fn block(&self, b: usize) -> Vec<u8> {
        let len = self.block_range(b).len();
        let n = self.n;
        let mut rng = stream(self.seed, Purpose::Block, b as u64);
        let thresholds: Vec<f64> =
            (0..len).map(|_| normal_quantile(rng.random_range(self.maf_min..=self.maf_max))).collect();
        let c = (1.0 - self.ld * self.ld).sqrt();
        let mut latent = vec![0.0f64; 2 * n];
        let mut out = vec![0u8; n * len];
        for (j, &t) in thresholds.iter().enumerate() {
            for h in latent.iter_mut() {
                let e: f64 = rng.sample(StandardNormal);
                *h = if j == 0 { e } else { self.ld * *h + c * e };
            }
            for (d, pair) in out[j * n..(j + 1) * n].iter_mut().zip(latent.chunks_exact(2)) {
                *d = u8::from(pair[0] < t) + u8::from(pair[1] < t);
            }
        }
        out
    }

    /// Positions (sorted) and N(0, 1) effects of the k causal SNPs.
    pub fn causal(&self) -> (Vec<usize>, Vec<f64>) {
        let mut rng = stream(self.seed, Purpose::Effects, 0);
        let positions = effect_positions(&mut rng, self.p, self.k);
        let effects = positions.iter().map(|_| rng.sample(StandardNormal)).collect();
        (positions, effects)
    }

    /// The phenotype, computed from the causal SNPs alone (their blocks are regenerated), so it
    /// is available before — and identical whether or not — the whole matrix is generated.
    pub fn phenotype(&self) -> Result<Phenotype, DataError> {
        /// Causal blocks regenerated at a time (bounds memory when k is large).
        const BLOCKS_AT_ONCE: usize = 256;
        let (positions, effects) = self.causal();
        let mut blocks: Vec<usize> = positions.iter().map(|&j| j / self.block_size).collect();
        blocks.dedup();
        let mut signal = Array1::<f64>::zeros(self.n);
        let mut beta = Array1::<f64>::zeros(self.p);
        let mut next = 0; // index into positions, which are sorted like the blocks
        for group in blocks.chunks(BLOCKS_AT_ONCE) {
            let generated: Vec<Vec<u8>> = group.par_iter().map(|&b| self.block(b)).collect();
            for (&b, dosages) in group.iter().zip(&generated) {
                let range = self.block_range(b);
                while next < positions.len() && range.contains(&positions[next]) {
                    let (j, effect) = (positions[next], effects[next]);
                    beta[j] = effect;
                    let offset = (j - range.start) * self.n;
                    for (s, &d) in signal.iter_mut().zip(&dosages[offset..offset + self.n]) {
                        *s += effect * f64::from(d);
                    }
                    next += 1;
                }
            }
        }
        debug_assert_eq!(next, positions.len());
        let sigma = sigma_for_snr(&signal, self.h2 / (1.0 - self.h2))?;
        let (y, snr) = add_noise(&signal, sigma, self.seed);
        Ok(Phenotype { y, beta, snr, sigma })
    }

    /// The whole dataset in memory (n × p × 8 bytes).
    pub fn generate(&self) -> Result<Synthetic, DataError> {
        let phenotype = self.phenotype()?;
        let n = self.n;
        let mut x = Array2::<f64>::zeros((n, self.p).f());
        x.as_slice_memory_order_mut()
            .expect("new array is contiguous")
            .par_chunks_mut(n * self.block_size)
            .enumerate()
            .for_each(|(b, out)| {
                for (o, &d) in out.iter_mut().zip(&self.block(b)) {
                    *o = f64::from(d);
                }
            });
        Ok(Synthetic { x, y: phenotype.y, beta: phenotype.beta, snr: phenotype.snr, sigma: phenotype.sigma })
    }

    /// The packed PLINK `.bed` data (without the magic bytes), in chunks of whole blocks of
    /// about `snps_per_chunk` SNPs; the blocks of a chunk are generated in parallel.
    pub fn packed_chunks(&self, snps_per_chunk: usize) -> impl Iterator<Item = Vec<u8>> + '_ {
        let blocks_per_chunk = (snps_per_chunk / self.block_size).max(1);
        let n_chunks = self.n_blocks().div_ceil(blocks_per_chunk);
        let bps = bytes_per_snp(self.n);
        (0..n_chunks).map(move |c| {
            let first = c * blocks_per_chunk;
            let last = (first + blocks_per_chunk).min(self.n_blocks());
            let parts: Vec<Vec<u8>> = (first..last)
                .into_par_iter()
                .map(|b| {
                    let dosages = self.block(b);
                    let len = self.block_range(b).len();
                    let mut packed = vec![0u8; len * bps];
                    for (d, out) in dosages.chunks_exact(self.n).zip(packed.chunks_exact_mut(bps)) {
                        pack_snp(d, out);
                    }
                    packed
                })
                .collect();
            parts.concat()
        })
    }
}

/// Φ⁻¹(q), the standard normal quantile, by Acklam's rational approximation (relative error
/// below 1.2·10⁻⁹; only used to place allele-frequency thresholds).
#[allow(clippy::excessive_precision)] // Acklam's published coefficients, kept verbatim
pub fn normal_quantile(q: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383577518672690e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    const LOW: f64 = 0.02425;
    if q <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if q >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |r: f64| {
        let s = (-2.0 * r.ln()).sqrt();
        (((((C[0] * s + C[1]) * s + C[2]) * s + C[3]) * s + C[4]) * s + C[5])
            / ((((D[0] * s + D[1]) * s + D[2]) * s + D[3]) * s + 1.0)
    };
    if q < LOW {
        tail(q)
    } else if q > 1.0 - LOW {
        -tail(1.0 - q)
    } else {
        let s = q - 0.5;
        let r = s * s;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * s
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantile_known_values() {
        assert_eq!(normal_quantile(0.5), 0.0);
        assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((normal_quantile(0.05) + 1.6448536269514722).abs() < 1e-8);
        assert!((normal_quantile(0.01) + 2.3263478740408408).abs() < 1e-8);
    }
}
