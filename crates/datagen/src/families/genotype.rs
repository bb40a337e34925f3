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
//!
//! Defects of real genotype data, all off by default (with the four parameters at 0 the output
//! is the model above, byte for byte). Each draws from streams of its own, so turning one on
//! leaves the other options' draws unchanged, and nothing depends on the thread count.
//!
//! - Monomorphic SNPs (`mono_frac`): exactly m = round(mono_frac·p) SNPs, drawn uniformly among
//!   those that are neither causal nor the first SNP of their block, carry one genotype, 0 or 2
//!   (probability ½ each), in every sample. A causal SNP is never monomorphic: its effect would
//!   be invisible.
//! - Duplicates (`dup_frac`, `flip_frac`): exactly d = round(dup_frac·p) SNPs, drawn uniformly
//!   among those that are neither monomorphic nor the first of their block, are copies of an
//!   earlier *ordinary* SNP of the same block (drawn uniformly; the block's first SNP always
//!   qualifies), so blocks stay independent. The first round(flip_frac·d) duplicates in draw
//!   order — a uniform subset — are allele-flipped copies, g_j = 2 − g_source (the `.bim` lists
//!   their alleles swapped). A causal SNP may be a duplicate. Duplicates avoid monomorphic SNPs,
//!   so changing `mono_frac` moves some duplicates; changing `dup_frac` never moves a
//!   monomorphic SNP. The hidden latent draws of duplicate and monomorphic SNPs are still made,
//!   so every ordinary SNP is the same as with the options off.
//! - Missing calls (`missing_rate`): each call of an ordinary or monomorphic SNP is missing with
//!   probability `missing_rate`, independently (geometric gaps in a stream per block). A
//!   duplicate shares the missing calls of its source, so it is an exact (or flipped) copy of
//!   the data as observed, too. In the `.bed` a missing call is code 01. The dense X holds, for
//!   a missing call, the SNP's mean over its called samples, μ_j = Σ_called g_ij / #called (0 if
//!   no call is left) — exactly the imputation of the `.bed` reader (`Bed::to_dense`) and of
//!   the solver's packed design, so both formats of a dataset are the same matrix, bit for bit.
//!
//! The phenotype is computed from the true genotypes (before calls go missing): the trait
//! follows the genotype, a missing call is a measurement artefact. y, β and the realized SNR
//! therefore do not depend on `missing_rate`; with missing calls, Xβ on the observed (imputed)
//! X differs slightly from the signal in y.

use std::ops::Range;

use ndarray::{Array1, Array2, ShapeBuilder};
use rand::Rng;
use rand_distr::{Geometric, StandardNormal};
use rayon::prelude::*;

use super::common::{add_noise, check_k, check_size, effect_positions, sigma_for_snr};
use super::{FamilySpec, Synthetic};
use crate::error::DataError;
use crate::io::bed::bytes_per_snp;
use crate::io::bed_write::{MISSING_DOSAGE, pack_snp};
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

/// What a SNP is under the defect options (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnpKind {
    /// Drawn from the latent model (and possibly copied by duplicates).
    Ordinary,
    /// A copy of an earlier ordinary SNP of its block; `flipped`: the copy is 2 − g.
    Duplicate {
        /// Allele-flipped copy, g = 2 − g_source.
        flipped: bool,
    },
    /// The same genotype in every sample.
    Monomorphic {
        /// That genotype, 0 or 2.
        dosage: u8,
    },
}

/// How many SNPs of each defect kind a model has; exact, fixed by the parameters:
/// round(dup_frac·p) duplicates, round(flip_frac·duplicates) of them flipped,
/// round(mono_frac·p) monomorphic SNPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DefectCounts {
    /// Duplicate SNPs (flipped ones included).
    pub duplicates: usize,
    /// Allele-flipped duplicates.
    pub flipped: usize,
    /// Monomorphic SNPs.
    pub monomorphic: usize,
}

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
    dup_frac: f64,
    flip_frac: f64,
    mono_frac: f64,
    missing_rate: f64,
    prevalence: Option<f64>,
    /// Survival phenotype: the target censored fraction (`None`: not a survival phenotype).
    censoring: Option<f64>,
    seed: u64,
    /// Kind of every SNP; empty when there are no duplicates and no monomorphic SNPs.
    kinds: Vec<SnpKind>,
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
    /// Case/control phenotypes: the number of cases (y = 1).
    pub cases: Option<usize>,
    /// Survival phenotypes: the times, events and linear predictor (y holds the signed times,
    /// β the Cox coefficients).
    pub survival: Option<crate::survival::SurvivalDraw>,
}

/// round(frac·total): the number of SNPs a fraction asks for.
fn share(frac: f64, total: usize) -> usize {
    (frac * total as f64).round() as usize
}

/// Checks every parameter of a [`FamilySpec::Genotype`] without generating anything (the
/// defect counts are checked against the SNPs available to them, for any seed) and returns the
/// exact defect counts, which do not depend on the seed.
pub fn check_spec(spec: &FamilySpec) -> Result<DefectCounts, DataError> {
    GenotypeModel::checked(spec, 0).map(|m| m.defect_counts())
}

impl GenotypeModel {
    /// Builds the model from a [`FamilySpec::Genotype`], checking every parameter; with
    /// duplicates or monomorphic SNPs, draws which SNPs they are (O(p) time and memory).
    pub fn from_spec(spec: &FamilySpec, seed: u64) -> Result<GenotypeModel, DataError> {
        let mut model = Self::checked(spec, seed)?;
        model.kinds = model.assign_kinds();
        Ok(model)
    }

    /// The model with every parameter checked, SNP kinds not yet drawn.
    fn checked(spec: &FamilySpec, seed: u64) -> Result<GenotypeModel, DataError> {
        let FamilySpec::Genotype {
            n,
            p,
            k,
            h2,
            maf_min,
            maf_max,
            block_size,
            ld,
            dup_frac,
            flip_frac,
            mono_frac,
            missing_rate,
            prevalence,
            survival,
            censoring,
        } = *spec
        else {
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
            return Err(DataError::parameter(format!(
                "ld must be in [0, 1) (values close to 1, e.g. 0.999, are allowed), got {ld}"
            )));
        }
        for (name, value) in [("dup_frac", dup_frac), ("mono_frac", mono_frac), ("missing_rate", missing_rate)] {
            if !(0.0..1.0).contains(&value) {
                return Err(DataError::parameter(format!("{name} must be in [0, 1), got {value}")));
            }
        }
        if let Some(k) = prevalence
            && !(k > 0.0 && k < 1.0)
        {
            return Err(DataError::parameter(format!("prevalence must be in (0, 1), got {k}")));
        }
        if survival && prevalence.is_some() {
            return Err(DataError::parameter(
                "survival and prevalence (a case/control phenotype) cannot be combined: a phenotype is one or the other",
            ));
        }
        if censoring.is_some() && !survival {
            return Err(DataError::parameter("censoring applies to a survival phenotype: give survival = true"));
        }
        let censoring = survival.then(|| censoring.unwrap_or(crate::survival::DEFAULT_CENSORING));
        if let Some(f) = censoring {
            crate::survival::check_censoring(f)?;
        }
        if !(0.0..=1.0).contains(&flip_frac) {
            return Err(DataError::parameter(format!(
                "flip_frac (the share of duplicates that are allele-flipped) must be in [0, 1], got {flip_frac}"
            )));
        }
        // The first SNP of a block is never a duplicate (it has nothing earlier to copy) nor
        // monomorphic (so every duplicate has an ordinary SNP to copy).
        let n_blocks = p.div_ceil(block_size);
        let eligible = p - n_blocks;
        let (d, m) = (share(dup_frac, p), share(mono_frac, p));
        if m > 0 && m + k > eligible {
            return Err(DataError::parameter(format!(
                "mono_frac = {mono_frac} asks for {m} monomorphic SNPs, but at most {} can be: a \
                 monomorphic SNP is never causal (k = {k}) nor the first SNP of an LD block (p = {p} \
                 SNPs in {n_blocks} blocks of block_size = {block_size}); lower mono_frac or k, or \
                 raise block_size",
                eligible.saturating_sub(k)
            )));
        }
        if d > 0 && d + m > eligible {
            let with_mono =
                if m > 0 { format!(" besides {m} monomorphic SNPs (mono_frac = {mono_frac})") } else { String::new() };
            return Err(DataError::parameter(format!(
                "dup_frac = {dup_frac} asks for {d} duplicate SNPs{with_mono}, but only {eligible} SNPs \
                 are not the first of their LD block (a duplicate copies an earlier SNP of its block; \
                 p = {p} SNPs in {n_blocks} blocks of block_size = {block_size}); lower dup_frac or \
                 raise block_size"
            )));
        }
        Ok(GenotypeModel {
            n,
            p,
            k,
            h2,
            maf_min,
            maf_max,
            block_size,
            ld,
            dup_frac,
            flip_frac,
            mono_frac,
            missing_rate,
            prevalence,
            censoring,
            seed,
            kinds: Vec::new(),
        })
    }

    /// Draws the monomorphic SNPs (stream `Monomorphic`), then the duplicates (stream
    /// `Duplicates`), each by uniform draws over 0..p, rejecting SNPs not available to it.
    /// The duplicates drawn first are the flipped ones.
    fn assign_kinds(&self) -> Vec<SnpKind> {
        let counts = self.defect_counts();
        if counts.duplicates == 0 && counts.monomorphic == 0 {
            return Vec::new();
        }
        let (p, bs) = (self.p, self.block_size);
        let mut kinds = vec![SnpKind::Ordinary; p];
        let draw = |rng: &mut rand_chacha::ChaCha8Rng| rng.random_range(0..p as u64) as usize;
        if counts.monomorphic > 0 {
            let mut causal = vec![false; p];
            for j in self.causal().0 {
                causal[j] = true;
            }
            let mut rng = stream(self.seed, Purpose::Monomorphic, 0);
            let mut placed = 0;
            while placed < counts.monomorphic {
                let j = draw(&mut rng);
                if j % bs != 0 && !causal[j] && kinds[j] == SnpKind::Ordinary {
                    kinds[j] = SnpKind::Monomorphic { dosage: if rng.random_bool(0.5) { 2 } else { 0 } };
                    placed += 1;
                }
            }
        }
        let mut rng = stream(self.seed, Purpose::Duplicates, 0);
        let mut placed = 0;
        while placed < counts.duplicates {
            let j = draw(&mut rng);
            if j % bs != 0 && kinds[j] == SnpKind::Ordinary {
                kinds[j] = SnpKind::Duplicate { flipped: placed < counts.flipped };
                placed += 1;
            }
        }
        kinds
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

    /// What SNP `j` is: ordinary, a (flipped) duplicate, or monomorphic.
    ///
    /// # Panics
    /// If `j >= p`.
    pub fn snp_kind(&self, j: usize) -> SnpKind {
        assert!(j < self.p, "SNP {j} out of range (p = {})", self.p);
        self.kinds.get(j).copied().unwrap_or(SnpKind::Ordinary)
    }

    /// The exact numbers of duplicate, flipped and monomorphic SNPs.
    pub fn defect_counts(&self) -> DefectCounts {
        let duplicates = share(self.dup_frac, self.p);
        DefectCounts {
            duplicates,
            flipped: share(self.flip_frac, duplicates),
            monomorphic: share(self.mono_frac, self.p),
        }
    }

    /// The per-call probability of a missing genotype.
    pub fn missing_rate(&self) -> f64 {
        self.missing_rate
    }

    /// True dosages of block `b` (no missing calls), column-major (n × block length), and for
    /// each SNP of the block that is a duplicate, the offset in the block of its source.
    fn true_block(&self, b: usize) -> (Vec<u8>, Vec<Option<usize>>) {
        let range = self.block_range(b);
        let len = range.len();
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
        if self.kinds.is_empty() {
            return (out, Vec::new());
        }
        let mut sources = vec![None; len];
        let mut ordinary: Vec<usize> = Vec::with_capacity(len);
        let mut rng = stream(self.seed, Purpose::DuplicateSources, b as u64);
        for (j, kind) in self.kinds[range].iter().enumerate() {
            match *kind {
                SnpKind::Ordinary => ordinary.push(j),
                SnpKind::Monomorphic { dosage } => out[j * n..(j + 1) * n].fill(dosage),
                SnpKind::Duplicate { flipped } => {
                    // ordinary is not empty: the block's first SNP is always ordinary
                    let s = ordinary[rng.random_range(0..ordinary.len() as u64) as usize];
                    out.copy_within(s * n..(s + 1) * n, j * n);
                    if flipped {
                        out[j * n..(j + 1) * n].iter_mut().for_each(|d| *d = 2 - *d);
                    }
                    sources[j] = Some(s);
                }
            }
        }
        (out, sources)
    }

    /// Dosages of block `b` as observed, column-major (n × block length): values 0, 1, 2, and
    /// [`MISSING_DOSAGE`] for a missing call (only when `missing_rate > 0`).
    pub fn block(&self, b: usize) -> Vec<u8> {
        let (mut out, sources) = self.true_block(b);
        if self.missing_rate > 0.0 {
            self.drop_calls(b, &mut out, &sources);
        }
        out
    }

    /// Marks calls of block `b` missing: each call independently with probability
    /// `missing_rate`, by geometric gaps over the block's calls in column-major order (stream
    /// `Missing`, b); a duplicate takes its source's missing calls instead of its own.
    fn drop_calls(&self, b: usize, out: &mut [u8], sources: &[Option<usize>]) {
        let n = self.n;
        let gaps = Geometric::new(self.missing_rate).expect("missing_rate is checked to be in [0, 1)");
        let mut rng = stream(self.seed, Purpose::Missing, b as u64);
        let mut missing = vec![false; out.len()];
        let mut at = rng.sample(gaps);
        while at < out.len() as u64 {
            missing[at as usize] = true;
            at = at.saturating_add(1).saturating_add(rng.sample(gaps));
        }
        for (j, column) in out.chunks_exact_mut(n).enumerate() {
            let s = sources.get(j).copied().flatten().unwrap_or(j);
            for (d, &m) in column.iter_mut().zip(&missing[s * n..(s + 1) * n]) {
                if m {
                    *d = MISSING_DOSAGE;
                }
            }
        }
    }

    /// Positions (sorted) and N(0, 1) effects of the k causal SNPs.
    pub fn causal(&self) -> (Vec<usize>, Vec<f64>) {
        let mut rng = stream(self.seed, Purpose::Effects, 0);
        let positions = effect_positions(&mut rng, self.p, self.k);
        let effects = positions.iter().map(|_| rng.sample(StandardNormal)).collect();
        (positions, effects)
    }

    /// The phenotype, computed from the causal SNPs' true genotypes alone (their blocks are
    /// regenerated; missing calls play no part), so it is available before — and identical
    /// whether or not — the whole matrix is generated.
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
            let generated: Vec<Vec<u8>> = group.par_iter().map(|&b| self.true_block(b).0).collect();
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
        if let Some(censoring) = self.censoring {
            // a Cox model on the log-time scale (crate::survival): η = a(g − ḡ), β = a·effects
            let draw =
                crate::survival::draw_survival(signal.as_slice().expect("contiguous"), self.h2, censoring, self.seed)?;
            beta *= draw.eta_scale;
            return Ok(Phenotype {
                y: Array1::from(draw.signed_times()),
                beta,
                snr: self.h2 / (1.0 - self.h2),
                sigma: crate::survival::LOG_TIME_RESIDUAL_VARIANCE.sqrt(),
                cases: None,
                survival: Some(draw),
            });
        }
        let sigma = sigma_for_snr(&signal, self.h2 / (1.0 - self.h2))?;
        let (mut y, snr) = add_noise(&signal, sigma, self.seed);
        let mut cases = None;
        if let Some(prevalence) = self.prevalence {
            // liability L = signal + noise, Var(signal)/Var(L) = h2 (population values: the
            // signal's sample mean and variance, the noise's σ²); case iff L > μ + sd·Φ⁻¹(1 − K)
            let n = signal.len() as f64;
            let mean = signal.sum() / n;
            let var = signal.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / n;
            let threshold = mean + (var + sigma * sigma).sqrt() * normal_quantile(1.0 - prevalence);
            y.mapv_inplace(|l| if l > threshold { 1.0 } else { 0.0 });
            cases = Some(y.iter().filter(|&&v| v == 1.0).count());
        }
        Ok(Phenotype { y, beta, snr, sigma, cases, survival: None })
    }

    /// The whole dataset in memory (n × p × 8 bytes); missing calls are mean-imputed as
    /// [`impute_column`] does.
    pub fn generate(&self) -> Result<Synthetic, DataError> {
        let phenotype = self.phenotype()?;
        let n = self.n;
        let mut x = Array2::<f64>::zeros((n, self.p).f());
        x.as_slice_memory_order_mut()
            .expect("new array is contiguous")
            .par_chunks_mut(n * self.block_size)
            .enumerate()
            .for_each(|(b, out)| {
                for (column, dosages) in out.chunks_exact_mut(n).zip(self.block(b).chunks_exact(n)) {
                    impute_column(dosages, column);
                }
            });
        Ok(Synthetic {
            x,
            y: phenotype.y,
            beta: phenotype.beta,
            snr: phenotype.snr,
            sigma: phenotype.sigma,
            survival: phenotype.survival,
        })
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

/// One SNP's dosages (0, 1, 2, [`MISSING_DOSAGE`]) as f64, a missing call replaced by the mean
/// of the called ones, μ = Σ_called g / #called (0 when none is called). This is the `.bed`
/// reader's and the solver's imputation, computed the same way (an exact integer sum divided
/// by the count), so the values agree bit for bit.
///
/// # Panics
/// If the lengths differ.
pub fn impute_column(dosages: &[u8], out: &mut [f64]) {
    assert_eq!(dosages.len(), out.len(), "output length");
    let (sum, called) =
        dosages.iter().filter(|&&d| d != MISSING_DOSAGE).fold((0u64, 0u64), |(s, c), &d| (s + u64::from(d), c + 1));
    let mean = if called > 0 { sum as f64 / called as f64 } else { 0.0 };
    for (o, &d) in out.iter_mut().zip(dosages) {
        *o = if d == MISSING_DOSAGE { mean } else { f64::from(d) };
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
