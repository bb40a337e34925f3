//! Synthetic dataset families with known coefficients (docs/design.md §4).
//!
//! Each family is deterministic given its seed: columns (or LD blocks) draw from their own
//! ChaCha8 streams keyed by (seed, column or block index), so they are generated in parallel
//! and the result is the same bytes for any thread count and on any machine.

mod common;
mod equicorrelated;
pub mod genotype;
mod sparse_x;
mod toeplitz;
mod uniform;

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::error::DataError;

pub use common::{DEFAULT_K, DEFAULT_RHO, DEFAULT_SNR};

fn default_rho() -> f64 {
    DEFAULT_RHO
}
fn default_snr() -> f64 {
    DEFAULT_SNR
}
fn default_k() -> usize {
    DEFAULT_K
}
fn default_h2() -> f64 {
    genotype::DEFAULT_H2
}
fn default_maf_min() -> f64 {
    genotype::DEFAULT_MAF_MIN
}
fn default_maf_max() -> f64 {
    genotype::DEFAULT_MAF_MAX
}
fn default_block_size() -> usize {
    genotype::DEFAULT_BLOCK_SIZE
}
fn default_ld() -> f64 {
    genotype::DEFAULT_LD
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn default_density() -> f64 {
    sparse_x::DEFAULT_DENSITY
}

/// Which family to generate, with its parameters. In TOML/JSON: `family = "toeplitz"` and the
/// parameters by name; omitted optional parameters take the defaults documented per field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case", deny_unknown_fields)]
pub enum FamilySpec {
    /// The teaching example: X ~ U(0, 1), y = 2·x₀ + 3·x₁ + N(0, 1). Needs p ≥ 2.
    Uniform {
        /// Samples.
        n: usize,
        /// Features.
        p: usize,
    },
    /// Friedman, Hastie & Tibshirani (2010) §5: Gaussian columns with pairwise correlation ρ,
    /// x_j = sqrt(ρ)·z₀ + sqrt(1 − ρ)·z_j, β_j = (−1)^j·exp(−2(j − 1)/20) (1-based j).
    Equicorrelated {
        /// Samples.
        n: usize,
        /// Features.
        p: usize,
        /// Pairwise correlation, in [0, 1); default 0.5.
        #[serde(default = "default_rho")]
        rho: f64,
        /// Target Var(Xβ)/σ²; default 3.
        #[serde(default = "default_snr")]
        snr: f64,
    },
    /// Gaussian AR(1) columns, corr(x_i, x_j) = ρ^|i−j|; k effects ±1 at random positions.
    Toeplitz {
        /// Samples.
        n: usize,
        /// Features.
        p: usize,
        /// Correlation of neighbouring columns, in [0, 1); default 0.5.
        #[serde(default = "default_rho")]
        rho: f64,
        /// Number of nonzero coefficients, 1 ≤ k ≤ p; default 10.
        #[serde(default = "default_k")]
        k: usize,
        /// Target Var(Xβ)/σ²; default 3.
        #[serde(default = "default_snr")]
        snr: f64,
    },
    /// SNP-like dosages in {0, 1, 2} with per-SNP allele frequencies, LD blocks and k causal
    /// SNPs with N(0, 1) effects; noise set by the heritability h² = SNR/(1 + SNR).
    Genotype {
        /// Samples.
        n: usize,
        /// SNPs.
        p: usize,
        /// Causal SNPs, 1 ≤ k ≤ p; default 10.
        #[serde(default = "default_k")]
        k: usize,
        /// Target heritability, in (0, 1); default 0.5.
        #[serde(default = "default_h2")]
        h2: f64,
        /// Smallest allele frequency; default 0.05.
        #[serde(default = "default_maf_min")]
        maf_min: f64,
        /// Largest allele frequency (≤ 0.5); default 0.5.
        #[serde(default = "default_maf_max")]
        maf_max: f64,
        /// SNPs per LD block; default 20.
        #[serde(default = "default_block_size")]
        block_size: usize,
        /// Correlation of the latent Gaussian between neighbouring SNPs of a block, in [0, 1)
        /// (values close to 1, e.g. 0.999, give long blocks in near-perfect LD); default 0.9.
        #[serde(default = "default_ld")]
        ld: f64,
        /// Fraction of SNPs that are exact copies of an earlier SNP of their block (perfect
        /// LD): round(dup_frac·p) of them, in [0, 1); default 0 (off).
        #[serde(default)]
        dup_frac: f64,
        /// Fraction of the duplicates that are allele-flipped copies 2 − g (perfectly
        /// anti-correlated): round(flip_frac·duplicates) of them, in [0, 1]; default 0.
        #[serde(default)]
        flip_frac: f64,
        /// Fraction of SNPs that are monomorphic (every sample 0, or every sample 2), never
        /// causal: round(mono_frac·p) of them, in [0, 1); default 0 (off).
        #[serde(default)]
        mono_frac: f64,
        /// Probability that a genotype call is missing, in [0, 1); default 0 (off). Missing
        /// calls are `.bed` code 01; `X.npy` holds the SNP's mean over its called samples.
        #[serde(default)]
        missing_rate: f64,
        /// Case/control phenotype by the liability-threshold model: the quantitative
        /// phenotype (heritability h2) is the liability, and the samples whose liability
        /// exceeds its population quantile 1 − prevalence are cases (y = 1), the others
        /// controls (y = 0). In (0, 1); default none (a quantitative phenotype).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prevalence: Option<f64>,
        /// Survival phenotype from a Cox model whose linear predictor is the genetic value
        /// (`crate::survival`): h2 is on the log-time scale, y the signed time (negative =
        /// censored). Not with `prevalence`; default false.
        #[serde(default, skip_serializing_if = "is_false")]
        survival: bool,
        /// Expected censored fraction of a survival phenotype, in [0, 1) (needs `survival`;
        /// default 0.3 with it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        censoring: Option<f64>,
    },
    /// Sparse design: each entry is N(0, 1) with probability `density`, else exactly 0;
    /// k effects ±1 at random positions.
    SparseX {
        /// Samples.
        n: usize,
        /// Features.
        p: usize,
        /// Fraction of nonzero entries, in (0, 1]; default 0.05.
        #[serde(default = "default_density")]
        density: f64,
        /// Number of nonzero coefficients, 1 ≤ k ≤ p; default 10.
        #[serde(default = "default_k")]
        k: usize,
        /// Target Var(Xβ)/σ²; default 3.
        #[serde(default = "default_snr")]
        snr: f64,
    },
}

/// A generated dataset with its truth.
#[derive(Debug, Clone)]
pub struct Synthetic {
    /// Design matrix, n × p, Fortran (column-major) layout.
    pub x: Array2<f64>,
    /// Response, length n.
    pub y: Array1<f64>,
    /// True coefficients, length p.
    pub beta: Array1<f64>,
    /// Realized signal-to-noise ratio: sample variance of Xβ over sample variance of the noise.
    pub snr: f64,
    /// Standard deviation σ of the Gaussian noise that was drawn (of the log-time residual,
    /// sqrt(π²/6), for a survival phenotype).
    pub sigma: f64,
    /// A survival phenotype (`genotype` with `survival`): its times, events and η; y then holds
    /// the signed times.
    pub survival: Option<crate::survival::SurvivalDraw>,
}

impl FamilySpec {
    /// Checks every parameter's range; the message names the parameter and its allowed range.
    pub fn validate(&self) -> Result<(), DataError> {
        use common::{check_k, check_rho, check_size, check_snr};
        check_size(self.n(), self.p())?;
        match *self {
            FamilySpec::Uniform { p, .. } => {
                if p < 2 {
                    return Err(DataError::parameter(format!(
                        "family uniform needs p >= 2 (y uses x0 and x1), got p = {p}"
                    )));
                }
                Ok(())
            }
            FamilySpec::Equicorrelated { rho, snr, .. } => {
                check_rho(rho)?;
                check_snr(snr)
            }
            FamilySpec::Toeplitz { p, rho, k, snr, .. } => {
                check_rho(rho)?;
                check_k(k, p)?;
                check_snr(snr)
            }
            FamilySpec::Genotype { .. } => genotype::check_spec(self).map(|_| ()),
            FamilySpec::SparseX { p, density, k, snr, .. } => {
                if !(density > 0.0 && density <= 1.0) {
                    return Err(DataError::parameter(format!("density must be in (0, 1], got {density}")));
                }
                check_k(k, p)?;
                check_snr(snr)
            }
        }
    }

    /// The family's name as written in configs and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            FamilySpec::Uniform { .. } => "uniform",
            FamilySpec::Equicorrelated { .. } => "equicorrelated",
            FamilySpec::Toeplitz { .. } => "toeplitz",
            FamilySpec::Genotype { .. } => "genotype",
            FamilySpec::SparseX { .. } => "sparse_x",
        }
    }

    /// Number of samples.
    pub fn n(&self) -> usize {
        match *self {
            FamilySpec::Uniform { n, .. }
            | FamilySpec::Equicorrelated { n, .. }
            | FamilySpec::Toeplitz { n, .. }
            | FamilySpec::Genotype { n, .. }
            | FamilySpec::SparseX { n, .. } => n,
        }
    }

    /// Number of features.
    pub fn p(&self) -> usize {
        match *self {
            FamilySpec::Uniform { p, .. }
            | FamilySpec::Equicorrelated { p, .. }
            | FamilySpec::Toeplitz { p, .. }
            | FamilySpec::Genotype { p, .. }
            | FamilySpec::SparseX { p, .. } => p,
        }
    }

    /// The target signal-to-noise ratio (for `genotype`, h²/(1 − h²); for `uniform`, `None`:
    /// its noise is fixed at σ = 1).
    pub fn target_snr(&self) -> Option<f64> {
        match *self {
            FamilySpec::Uniform { .. } => None,
            FamilySpec::Equicorrelated { snr, .. }
            | FamilySpec::Toeplitz { snr, .. }
            | FamilySpec::SparseX { snr, .. } => Some(snr),
            FamilySpec::Genotype { h2, .. } => Some(h2 / (1.0 - h2)),
        }
    }
}

/// Generates the dataset `spec` describes from `seed`, in memory (n × p × 8 bytes for X).
pub fn generate(spec: &FamilySpec, seed: u64) -> Result<Synthetic, DataError> {
    spec.validate()?;
    match *spec {
        FamilySpec::Uniform { n, p } => uniform::generate(n, p, seed),
        FamilySpec::Equicorrelated { n, p, rho, snr } => equicorrelated::generate(n, p, rho, snr, seed),
        FamilySpec::Toeplitz { n, p, rho, k, snr } => toeplitz::generate(n, p, rho, k, snr, seed),
        FamilySpec::Genotype { .. } => genotype::GenotypeModel::from_spec(spec, seed)?.generate(),
        FamilySpec::SparseX { n, p, density, k, snr } => sparse_x::generate(n, p, density, k, snr, seed),
    }
}
