//! Phenotypes simulated on real genotypes: GCTA's `--simu-qt` / `--simu-cc` on a PLINK 1
//! fileset (`regpath gen --bed PREFIX`; docs/design.md §4).
//!
//! Model, for the selected samples (all `.fam` samples, or a row subset) of a fileset opened
//! with [`Bed::open`]:
//!
//! - **Causal SNPs**: k SNPs drawn uniformly without replacement among the *polymorphic* SNPs
//!   (at least two distinct genotypes among the called samples; [`SnpScan`]), or a given list
//!   ([`CausalSnps::Listed`]; a monomorphic listed SNP is an error). They are kept in `.bim`
//!   order.
//! - **Effects**: per copy of allele 1 (A1, the `.bim` fifth column, the allele the `.bed`
//!   codes count: `00` → 2 copies), `b_j = z_j·[2 f_j (1 − f_j)]^(α/2)` with `z_j ~ N(0, 1)`,
//!   i.e. `b_j ~ N(0, [2 f_j (1 − f_j)]^α)`, `f_j` the A1 frequency among the called samples
//!   and α = `maf_alpha`: α = −1 (the default) gives every *standardized* SNP the same effect
//!   variance (GCTA's model), α = 0 frequency-independent per-allele effects.
//! - **Genetic value**: `g_i = Σ_j b_j·x_ij`, x_ij the number of A1 copies of sample i at SNP j;
//!   a missing call counts as the SNP's mean over its called samples, `2 f_j` (mean
//!   imputation, as [`Bed::decode_snp`], the solver, and PLINK's `--score` by default).
//! - **Noise, exact heritability**: `e ~ N(0, I)` is drawn, then made orthogonal to the
//!   intercept and to g in the sample — `e ← e − ē·1`, `e ← e − (eᵀg_c / g_cᵀg_c)·g_c` with
//!   `g_c = g − ḡ·1` (done twice, for rounding) — and the phenotype is
//!
//!   ```text
//!   y = g + c·e,   c = sqrt( var(g)·(1 − h²) / (h²·var(e)) ),
//!   ```
//!
//!   so that, the cross term being 0, `var(y) = var(g) + c²·var(e)` and
//!   `var(g)/var(y) = h²` exactly in the sample (up to rounding, ~10⁻¹⁵); var is the sample
//!   variance with divisor n. y is not centered: ȳ = ḡ = Σ_j b_j·2f_j.
//! - **Case/control** (`prevalence` K): y above is the liability; as the synthetic `genotype`
//!   family does, the samples whose liability exceeds the normal quantile
//!   `ȳ + sd(y)·Φ⁻¹(1 − K)` (sd(y) with divisor n) are cases (1), the others controls (0). The
//!   share of cases is therefore K only in expectation; a draw with no case or no control is
//!   an error.
//! - **Survival** (`censoring` F): g is the linear predictor of a Cox model instead
//!   ([`crate::survival`]): η = a·(g − ḡ) with var(η)/(var(η) + π²/6) = h² (h² on the log-time
//!   scale; no Gaussian noise is drawn), T = −log(U)/e^η, independent exponential censoring at
//!   the rate that makes the expected censored fraction F; the effects reported are a·b_j.
//!
//! Random streams (docs/design.md §7): the causal draw, the effects and the noise each have
//! their own ChaCha8 stream keyed by the seed, so the same (fileset, rows, spec, seed) gives
//! the same numbers on any machine and thread count.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use ndarray::Array1;
use rand::Rng;
use rand::seq::index;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde_json::{Value, json};
use xxhash_rust::xxh3::Xxh3;

use crate::error::DataError;
use crate::families::genotype::normal_quantile;
use crate::io::atomic::write_atomic;
use crate::io::bed::{BED_MAGIC, Bed, read_fields};
use crate::io::bed_write::{FamRecord, write_pheno, write_survival_pheno};
use crate::rng::{Purpose, stream};

/// Default `maf_alpha`: equal effect variance per standardized SNP (GCTA).
pub const DEFAULT_MAF_ALPHA: f64 = -1.0;
/// Prevalence of a case/control simulation when none is given (as `gen --family genotype
/// --binary`).
pub const DEFAULT_PREVALENCE: f64 = 0.5;
/// File name of the simulated phenotype.
pub const PHENO_FILE: &str = "pheno.txt";
/// File name of the effects (a PLINK `--score` file).
pub const EFFECTS_FILE: &str = "effects.txt";
/// File name of the simulation's description.
pub const META_FILE: &str = "meta.json";

/// Which SNPs are causal.
#[derive(Debug, Clone, PartialEq)]
pub enum CausalSnps {
    /// This many SNPs, drawn uniformly without replacement among the polymorphic SNPs.
    Random(usize),
    /// These SNPs: 0-based `.bim` indices, distinct, any order (see [`causal_indices`]).
    Listed(Vec<usize>),
}

/// What to simulate (the seed and the samples are arguments of [`simulate_phenotype`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulateSpec {
    /// The causal SNPs.
    pub causal: CausalSnps,
    /// Heritability var(g)/var(y) in the sample, in (0, 1).
    pub h2: f64,
    /// α of the effect variance [2f(1 − f)]^α, finite; [`DEFAULT_MAF_ALPHA`] = −1.
    pub maf_alpha: f64,
    /// Case/control by the liability threshold: the population share of cases, in (0, 1);
    /// `None` for a quantitative phenotype.
    pub prevalence: Option<f64>,
    /// Survival phenotype from a Cox model on g ([`crate::survival`]): the expected censored
    /// fraction, in [0, 1); `None` for a quantitative or case/control phenotype.
    pub censoring: Option<f64>,
}

impl SimulateSpec {
    /// A quantitative simulation of `k` random causal SNPs with heritability `h2` and the
    /// default `maf_alpha`.
    pub fn new(k: usize, h2: f64) -> SimulateSpec {
        SimulateSpec {
            causal: CausalSnps::Random(k),
            h2,
            maf_alpha: DEFAULT_MAF_ALPHA,
            prevalence: None,
            censoring: None,
        }
    }

    /// Checks the parameters that do not depend on the fileset: k ≥ 1 (or a non-empty list
    /// without repeats), h2 and prevalence in (0, 1), maf_alpha finite.
    pub fn validate(&self) -> Result<(), DataError> {
        match &self.causal {
            CausalSnps::Random(0) => {
                return Err(DataError::parameter("k (the number of causal SNPs) must be at least 1, got 0"));
            }
            CausalSnps::Listed(list) if list.is_empty() => {
                return Err(DataError::parameter("the list of causal SNPs is empty"));
            }
            CausalSnps::Listed(list) => {
                let mut sorted = list.clone();
                sorted.sort_unstable();
                if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                    return Err(DataError::parameter(format!("causal SNP index {} is listed twice", w[0])));
                }
            }
            CausalSnps::Random(_) => {}
        }
        if !(self.h2 > 0.0 && self.h2 < 1.0) {
            return Err(DataError::parameter(format!("h2 must be in (0, 1), got {}", self.h2)));
        }
        if !self.maf_alpha.is_finite() {
            return Err(DataError::parameter(format!("maf_alpha must be finite, got {}", self.maf_alpha)));
        }
        if let Some(k) = self.prevalence
            && !(k > 0.0 && k < 1.0)
        {
            return Err(DataError::parameter(format!("prevalence must be in (0, 1), got {k}")));
        }
        if let Some(f) = self.censoring {
            if self.prevalence.is_some() {
                return Err(DataError::parameter(
                    "a survival phenotype (censoring) and a case/control one (prevalence) cannot be combined",
                ));
            }
            crate::survival::check_censoring(f)?;
        }
        Ok(())
    }
}

/// Number of each 2-bit code (`00`, `01`, `10`, `11`) in one byte.
const BYTE_COUNTS: [[u8; 4]; 256] = {
    let mut table = [[0u8; 4]; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 4 {
            table[b][(b >> (2 * k)) & 3] += 1;
            k += 1;
        }
        b += 1;
    }
    table
};

/// The 2-bit code of sample `i` in a SNP's packed bytes.
#[inline]
fn code(bytes: &[u8], i: usize) -> usize {
    ((bytes[i >> 2] >> ((i & 3) * 2)) & 3) as usize
}

/// Per-SNP genotype counts over a set of samples: which SNPs are polymorphic, and each SNP's
/// allele-1 frequency among its called samples. One pass over the `.bed`, in parallel over
/// SNPs. Compute it once per (fileset, rows) and pass it to [`simulate_phenotype_scanned`] to
/// simulate many replicates without rescanning.
#[derive(Debug, Clone)]
pub struct SnpScan {
    /// Counts of codes `00` (2 copies of A1), `01` (missing), `10` (1), `11` (0), per SNP.
    counts: Vec<[u32; 4]>,
    n_rows: usize,
    n_polymorphic: usize,
    /// SNPs that may be causal ([`SnpScan::restrict`]); `None`: all.
    eligible: Option<Vec<bool>>,
    /// Polymorphic eligible SNPs.
    n_candidates: usize,
}

impl SnpScan {
    /// Scans every SNP of `bed` over all samples (`rows = None`) or the listed sample indices.
    /// A row index out of range is an error.
    pub fn new(bed: &Bed, rows: Option<&[usize]>) -> Result<SnpScan, DataError> {
        let n = bed.n_samples();
        if let Some(rows) = rows
            && let Some(&bad) = rows.iter().find(|&&i| i >= n)
        {
            return Err(DataError::parameter(format!(
                "sample index {bad} is out of range: {} has {n} samples",
                bed.fam_path().display()
            )));
        }
        let bps = bed.bytes_per_snp();
        let counts: Vec<[u32; 4]> = bed
            .packed()
            .par_chunks(bps)
            .map(|bytes| {
                let mut c = [0u32; 4];
                match rows {
                    None => {
                        let full = n / 4;
                        for &b in &bytes[..full] {
                            let t = BYTE_COUNTS[b as usize];
                            for k in 0..4 {
                                c[k] += u32::from(t[k]);
                            }
                        }
                        for i in 4 * full..n {
                            c[code(bytes, i)] += 1;
                        }
                    }
                    Some(rows) => {
                        for &i in rows {
                            c[code(bytes, i)] += 1;
                        }
                    }
                }
                c
            })
            .collect();
        let n_polymorphic = counts.iter().filter(|c| polymorphic(c)).count();
        Ok(SnpScan {
            counts,
            n_rows: rows.map_or(n, <[usize]>::len),
            n_polymorphic,
            eligible: None,
            n_candidates: n_polymorphic,
        })
    }

    /// Restricts the causal SNPs to `kept` (`.bim` indices: the SNPs a fit uses, after
    /// negative positions, `--extract`, `--exclude` and `--maf`): a random draw picks among the
    /// polymorphic kept SNPs, and a listed causal SNP outside `kept` is an error.
    pub fn restrict(&mut self, kept: &[usize]) {
        let mut eligible = vec![false; self.counts.len()];
        kept.iter().for_each(|&j| eligible[j] = true);
        self.n_candidates = (0..self.counts.len()).filter(|&j| eligible[j] && polymorphic(&self.counts[j])).count();
        self.eligible = Some(eligible);
    }

    /// Whether SNP `j` may be causal: polymorphic and not excluded by [`SnpScan::restrict`].
    pub fn is_candidate(&self, j: usize) -> bool {
        self.is_eligible(j) && self.is_polymorphic(j)
    }

    /// Whether SNP `j` was kept by [`SnpScan::restrict`] (every SNP without it).
    pub fn is_eligible(&self, j: usize) -> bool {
        self.eligible.as_ref().is_none_or(|e| e[j])
    }

    /// Number of polymorphic SNPs that may be causal.
    pub fn n_candidates(&self) -> usize {
        self.n_candidates
    }

    /// Number of samples scanned.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of SNPs.
    pub fn n_snps(&self) -> usize {
        self.counts.len()
    }

    /// Number of polymorphic SNPs (at least two distinct genotypes among the called samples).
    pub fn n_polymorphic(&self) -> usize {
        self.n_polymorphic
    }

    /// Whether SNP `j` is polymorphic.
    pub fn is_polymorphic(&self, j: usize) -> bool {
        polymorphic(&self.counts[j])
    }

    /// Called samples of SNP `j`.
    pub fn called(&self, j: usize) -> usize {
        let c = self.counts[j];
        (c[0] + c[2] + c[3]) as usize
    }

    /// Missing calls of SNP `j`.
    pub fn missing(&self, j: usize) -> usize {
        self.counts[j][1] as usize
    }

    /// Copies of allele 1 among the called samples of SNP `j`.
    pub fn allele1_count(&self, j: usize) -> u64 {
        let c = self.counts[j];
        2 * u64::from(c[0]) + u64::from(c[2])
    }

    /// Allele-1 frequency among the called samples of SNP `j` (NaN if none is called).
    pub fn frequency(&self, j: usize) -> f64 {
        self.mean_dosage(j) / 2.0
    }

    /// Mean allele-1 dosage over the called samples of SNP `j`, `Σ x / #called` (the value a
    /// missing call takes; bit-identical to [`Bed::decode_snp`]'s imputation); NaN if none is
    /// called.
    pub fn mean_dosage(&self, j: usize) -> f64 {
        self.allele1_count(j) as f64 / self.called(j) as f64
    }
}

/// At least two of the called genotypes (codes 00, 10, 11) occur.
fn polymorphic(c: &[u32; 4]) -> bool {
    [c[0], c[2], c[3]].iter().filter(|&&v| v > 0).count() >= 2
}

/// A simulated phenotype and its truth, for the selected samples in the order given.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// The causal SNPs: 0-based `.bim` indices, increasing.
    pub causal: Vec<usize>,
    /// Per-allele effect of allele 1 (the `.bim` fifth column) of each causal SNP.
    pub effects: Vec<f64>,
    /// Allele-1 frequency of each causal SNP among the called selected samples.
    pub frequencies: Vec<f64>,
    /// Genetic values g (missing calls at the SNP's mean).
    pub g: Array1<f64>,
    /// The quantitative phenotype y = g + c·e (the liability of a case/control simulation).
    pub liability: Array1<f64>,
    /// The phenotype: the liability, or 0/1 (control/case) when a prevalence is given.
    pub y: Array1<f64>,
    /// The noise scale c.
    pub noise_scale: f64,
    /// Sample variance (divisor n) of g.
    pub var_g: f64,
    /// Realized heritability var(g)/var(liability) in the sample (h2 up to rounding).
    pub h2: f64,
    /// Polymorphic SNPs among the selected samples.
    pub n_polymorphic: usize,
    /// Missing calls at the causal SNPs (imputed at the SNP's mean).
    pub missing_causal_calls: usize,
    /// Case/control: the liability threshold.
    pub threshold: Option<f64>,
    /// Case/control: the number of cases.
    pub cases: Option<usize>,
    /// Survival: the times, events and linear predictor η = a(g − ḡ); `y` then holds the signed
    /// times (negative = censored) and `effects` the Cox coefficients a·b_j.
    pub survival: Option<crate::survival::SurvivalDraw>,
}

/// Simulates a phenotype on `bed` for all samples (`rows = None`) or the listed sample
/// indices (in that order; frequencies, polymorphism and the heritability are those of these
/// samples), from `seed`. See the module documentation for the model.
///
/// Errors: invalid `spec`, a row index out of range, fewer than 3 samples, k above the number
/// of polymorphic SNPs, a listed causal SNP out of range or monomorphic, a genetic value that
/// is constant over the samples, a case/control draw without cases or controls.
pub fn simulate_phenotype(
    bed: &Bed,
    rows: Option<&[usize]>,
    spec: &SimulateSpec,
    seed: u64,
) -> Result<Simulated, DataError> {
    spec.validate()?;
    let scan = SnpScan::new(bed, rows)?;
    simulate_phenotype_scanned(bed, rows, &scan, spec, seed)
}

/// [`simulate_phenotype`] with the SNP scan of the same `bed` and `rows` already done (the scan
/// is the only full pass over the `.bed`; replicates can share it).
///
/// # Panics
/// If `scan` was not made from `bed` and `rows` (its sizes differ).
pub fn simulate_phenotype_scanned(
    bed: &Bed,
    rows: Option<&[usize]>,
    scan: &SnpScan,
    spec: &SimulateSpec,
    seed: u64,
) -> Result<Simulated, DataError> {
    spec.validate()?;
    let n_rows = rows.map_or(bed.n_samples(), <[usize]>::len);
    assert_eq!(scan.n_rows(), n_rows, "the scan covers other samples");
    assert_eq!(scan.n_snps(), bed.n_snps(), "the scan is of another fileset");
    if n_rows < 3 {
        return Err(DataError::parameter(format!(
            "simulating a phenotype needs at least 3 samples (the noise is made orthogonal to \
             the intercept and to g), got {n_rows}"
        )));
    }
    let causal = choose_causal(bed, scan, &spec.causal, seed)?;

    let mut rng = stream(seed, Purpose::SimulateEffects, 0);
    let frequencies: Vec<f64> = causal.iter().map(|&j| scan.frequency(j)).collect();
    let effects: Vec<f64> = frequencies
        .iter()
        .map(|&f| {
            let z: f64 = rng.sample(StandardNormal);
            z * (2.0 * f * (1.0 - f)).powf(spec.maf_alpha / 2.0)
        })
        .collect();
    let means: Vec<f64> = causal.iter().map(|&j| scan.mean_dosage(j)).collect();
    let g = genetic_values(bed, rows, &causal, &effects, &means);
    let missing_causal_calls = causal.iter().map(|&j| scan.missing(j)).sum();

    let n = n_rows as f64;
    let mut gc = g.to_vec();
    let g_mean = center(&mut gc);
    let gg = dot(&gc, &gc);
    let var_g = gg / n;
    if !(var_g > 0.0 && var_g.is_finite()) {
        return Err(DataError::parameter(format!(
            "the genetic value g is {} over the {n_rows} samples (var(g) = {var_g}), so no noise \
             gives heritability {}; change the seed, k or the causal SNPs",
            if var_g.is_finite() { "constant" } else { "not finite" },
            spec.h2
        )));
    }

    if let Some(censoring) = spec.censoring {
        let draw = crate::survival::draw_survival(g.as_slice().expect("contiguous"), spec.h2, censoring, seed)?;
        let effects = effects.iter().map(|b| b * draw.eta_scale).collect();
        let eta = Array1::from(draw.eta.clone());
        return Ok(Simulated {
            causal,
            effects,
            frequencies,
            g,
            liability: eta,
            y: Array1::from(draw.signed_times()),
            noise_scale: crate::survival::LOG_TIME_RESIDUAL_VARIANCE.sqrt(),
            var_g,
            h2: spec.h2,
            n_polymorphic: scan.n_candidates(),
            missing_causal_calls,
            threshold: None,
            cases: None,
            survival: Some(draw),
        });
    }
    let mut rng = stream(seed, Purpose::SimulateNoise, 0);
    let mut e: Vec<f64> = (0..n_rows).map(|_| rng.sample(StandardNormal)).collect();
    for _ in 0..2 {
        center(&mut e);
        let t = dot(&e, &gc) / gg;
        for (ei, gi) in e.iter_mut().zip(&gc) {
            *ei -= t * gi;
        }
    }
    let var_e = dot(&e, &e) / n;
    if var_e.is_nan() || var_e <= 0.0 {
        return Err(DataError::parameter(format!(
            "the noise has no variance left after removing the intercept and g ({n_rows} samples)"
        )));
    }
    let c = (var_g * (1.0 - spec.h2) / (spec.h2 * var_e)).sqrt();
    let liability: Array1<f64> = g.iter().zip(&e).map(|(gi, ei)| gi + c * ei).collect();
    let mut lc = liability.to_vec();
    let l_mean = center(&mut lc);
    let var_l = dot(&lc, &lc) / n;
    let h2 = var_g / var_l;
    debug_assert!((l_mean - g_mean).abs() <= 1e-9 * (1.0 + g_mean.abs()));

    let (y, threshold, cases) = match spec.prevalence {
        None => (liability.clone(), None, None),
        Some(k) => {
            let t = l_mean + var_l.sqrt() * normal_quantile(1.0 - k);
            let y: Array1<f64> = liability.mapv(|l| if l > t { 1.0 } else { 0.0 });
            let cases = y.iter().filter(|&&v| v == 1.0).count();
            if cases == 0 || cases == n_rows {
                return Err(DataError::parameter(format!(
                    "prevalence {k} gave {} among the {n_rows} samples (liability threshold {t}); \
                     use a prevalence further from {} or more samples",
                    if cases == 0 { "no case" } else { "no control" },
                    if cases == 0 { 0 } else { 1 }
                )));
            }
            (y, Some(t), Some(cases))
        }
    };
    Ok(Simulated {
        causal,
        effects,
        frequencies,
        g,
        liability,
        y,
        noise_scale: c,
        var_g,
        h2,
        n_polymorphic: scan.n_candidates(),
        missing_causal_calls,
        threshold,
        cases,
        survival: None,
    })
}

/// The causal SNPs, increasing: k drawn among the polymorphic SNPs, or the checked list.
fn choose_causal(bed: &Bed, scan: &SnpScan, causal: &CausalSnps, seed: u64) -> Result<Vec<usize>, DataError> {
    let p = bed.n_snps();
    let m = scan.n_candidates();
    match causal {
        &CausalSnps::Random(k) => {
            if k > m {
                let kept = if scan.eligible.is_some() { " kept" } else { "" };
                return Err(DataError::parameter(format!(
                    "k = {k} causal SNPs asked for, but only {m} of the {p} SNPs of {} are{kept} polymorphic \
                     SNPs among the {} samples",
                    bed.bed_path().display(),
                    scan.n_rows()
                )));
            }
            let polymorphic: Vec<usize> = (0..p).filter(|&j| scan.is_candidate(j)).collect();
            let mut rng = stream(seed, Purpose::SimulateCausal, 0);
            let mut chosen: Vec<usize> = index::sample(&mut rng, m, k).into_iter().map(|i| polymorphic[i]).collect();
            chosen.sort_unstable();
            Ok(chosen)
        }
        CausalSnps::Listed(list) => {
            let mut chosen = list.clone();
            chosen.sort_unstable();
            if let Some(&bad) = chosen.iter().find(|&&j| j >= p) {
                return Err(DataError::parameter(format!(
                    "causal SNP index {bad} is out of range: {} has {p} SNPs",
                    bed.bim_path().display()
                )));
            }
            if let Some(&j) = chosen.iter().find(|&&j| !scan.is_eligible(j)) {
                return Err(DataError::parameter(format!(
                    "causal SNP {} (.bim line {}) is not among the SNPs kept (a negative base-pair position, \
                     --extract, --exclude or --maf leaves it out)",
                    bed.snp_ids().get(j),
                    j + 1
                )));
            }
            let mono: Vec<usize> = chosen.iter().copied().filter(|&j| !scan.is_polymorphic(j)).collect();
            if let Some(&j) = mono.first() {
                let ids = bed.snp_ids();
                let genotype = match scan.called(j) {
                    0 => "no called genotype".to_string(),
                    _ => format!("every called genotype is {}", scan.mean_dosage(j)),
                };
                let more = if mono.len() > 1 {
                    format!(
                        " ({} listed causal SNPs are monomorphic: {})",
                        mono.len(),
                        first_few(&mono, |&i| ids.get(i).to_string())
                    )
                } else {
                    String::new()
                };
                return Err(DataError::parameter(format!(
                    "causal SNP {} (.bim line {}) is monomorphic among the {} samples ({genotype}){more}: \
                     its effect would be invisible",
                    ids.get(j),
                    j + 1,
                    scan.n_rows()
                )));
            }
            Ok(chosen)
        }
    }
}

/// "a, b, c, d, e, …" for the first five items.
fn first_few<T>(items: &[T], name: impl Fn(&T) -> String) -> String {
    const SHOWN: usize = 5;
    let mut s = items.iter().take(SHOWN).map(name).collect::<Vec<_>>().join(", ");
    if items.len() > SHOWN {
        s.push_str(", …");
    }
    s
}

/// Samples per parallel chunk of [`genetic_values`].
const ROWS_PER_CHUNK: usize = 1024;

/// g_i = Σ_j b_j·x_ij over the causal SNPs in order, x_ij the A1 dosage (a missing call at
/// `means[j]`). Parallel over chunks of samples; each g_i is summed in SNP order, so the result
/// does not depend on the thread count.
fn genetic_values(bed: &Bed, rows: Option<&[usize]>, causal: &[usize], effects: &[f64], means: &[f64]) -> Array1<f64> {
    let n_rows = rows.map_or(bed.n_samples(), <[usize]>::len);
    let bps = bed.bytes_per_snp();
    let packed = bed.packed();
    let mut g = vec![0.0f64; n_rows];
    g.par_chunks_mut(ROWS_PER_CHUNK).enumerate().for_each(|(chunk, out)| {
        let start = chunk * ROWS_PER_CHUNK;
        for ((&j, &b), &mean) in causal.iter().zip(effects).zip(means) {
            let bytes = &packed[j * bps..(j + 1) * bps];
            let value = [2.0, mean, 1.0, 0.0];
            for (k, o) in out.iter_mut().enumerate() {
                let i = rows.map_or(start + k, |r| r[start + k]);
                *o += b * value[code(bytes, i)];
            }
        }
    });
    Array1::from(g)
}

/// Subtracts the mean; returns it.
fn center(v: &mut [f64]) -> f64 {
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    v.iter_mut().for_each(|x| *x -= mean);
    mean
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Reads a causal-SNP file: one SNP id per line (the first whitespace-separated field; further
/// fields, e.g. GCTA's effect sizes, are ignored). Blank lines and lines starting with `#` are
/// skipped. Returns (1-based line number, id) in file order.
pub fn read_causal_ids(path: &Path) -> Result<Vec<(u64, String)>, DataError> {
    let lines: Vec<(u64, String)> = read_fields(path)?
        .into_iter()
        .filter(|(_, f)| !f[0].starts_with('#'))
        .map(|(line, mut f)| (line, f.swap_remove(0)))
        .collect();
    if lines.is_empty() {
        return Err(DataError::format(path, "no SNP ids (expected one SNP id per line)"));
    }
    Ok(lines)
}

/// The `.bim` indices (in the order given) of the SNP ids read from `source` by
/// [`read_causal_ids`]. A first line whose id is `SNP` is taken as a header (as in the
/// `effects.txt` this module writes) unless the `.bim` has a SNP named `SNP`. An id listed
/// twice, an id absent from the `.bim` (the error counts them and names the first few) and an
/// id that the `.bim` has more than once (ambiguous) are errors.
pub fn causal_indices(bed: &Bed, ids: &[(u64, String)], source: &Path) -> Result<Vec<usize>, DataError> {
    let mut index: HashMap<&str, (usize, usize)> = HashMap::with_capacity(bed.n_snps());
    for (j, id) in bed.snp_ids().iter().enumerate() {
        index.entry(id).and_modify(|e| e.1 += 1).or_insert((j, 1));
    }
    let ids = match ids.split_first() {
        Some(((_, first), rest)) if first == "SNP" && !index.contains_key("SNP") => rest,
        _ => ids,
    };
    if ids.is_empty() {
        return Err(DataError::format(source, "no SNP ids after the header line"));
    }
    let mut seen: HashMap<&str, u64> = HashMap::with_capacity(ids.len());
    for (line, id) in ids {
        if let Some(first) = seen.insert(id.as_str(), *line) {
            return Err(DataError::format(
                source,
                format!("line {line}: SNP {id} is listed twice (also line {first})"),
            ));
        }
    }
    let unknown: Vec<&(u64, String)> = ids.iter().filter(|(_, id)| !index.contains_key(id.as_str())).collect();
    if !unknown.is_empty() {
        return Err(DataError::format(
            source,
            format!(
                "{} of the {} causal SNP ids are not in {}: {}",
                unknown.len(),
                ids.len(),
                bed.bim_path().display(),
                first_few(&unknown, |(_, id)| id.clone())
            ),
        ));
    }
    ids.iter()
        .map(|(line, id)| {
            let (j, count) = index[id.as_str()];
            if count > 1 {
                Err(DataError::format(
                    source,
                    format!(
                        "line {line}: SNP id {id} occurs {count} times in {}, so it does not name one SNP",
                        bed.bim_path().display()
                    ),
                ))
            } else {
                Ok(j)
            }
        })
        .collect()
}

/// XXH3-64 of each file of a fileset, as `xxhsum -H3` prints them (16 hex digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilesetHash {
    /// Hash of the `.bed` bytes.
    pub bed: u64,
    /// Hash of the `.bim` bytes.
    pub bim: u64,
    /// Hash of the `.fam` bytes.
    pub fam: u64,
}

/// Hashes the three files of `bed` (the `.bed` through its memory map, the others read from
/// disk).
pub fn fileset_hash(bed: &Bed) -> Result<FilesetHash, DataError> {
    let mut h = Xxh3::new();
    h.update(&BED_MAGIC);
    h.update(bed.packed());
    let hash_file = |path: &Path| -> Result<u64, DataError> {
        let mut file = File::open(path).map_err(|e| DataError::open(path, e))?;
        let mut h = Xxh3::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let read = file.read(&mut buf).map_err(|e| DataError::io(path, "read", e))?;
            if read == 0 {
                break;
            }
            h.update(&buf[..read]);
        }
        Ok(h.digest())
    };
    Ok(FilesetHash { bed: h.digest(), bim: hash_file(bed.bim_path())?, fam: hash_file(bed.fam_path())? })
}

/// The `meta.json` of a simulation on all samples of `bed`: the parameters, the realized
/// heritability, the causal SNPs, the case counts, the fileset's sizes and hash.
pub fn simulation_meta(bed: &Bed, spec: &SimulateSpec, seed: u64, sim: &Simulated, hash: &FilesetHash) -> Value {
    let ids = bed.snp_ids();
    let a1 = &bed.snp_table().allele1;
    let hex = |h: u64| format!("{h:016x}");
    let mut m = json!({
        "simulation": "phenotype simulated on a PLINK fileset (GCTA --simu-qt / --simu-cc model)",
        "fileset": {
            "bed": bed.bed_path().display().to_string(),
            "n_samples": bed.n_samples(),
            "n_snps": bed.n_snps(),
            "n_polymorphic": sim.n_polymorphic,
            "hash": "xxh3-64 of each file's bytes (xxhsum -H3)",
            "bed_xxh3": hex(hash.bed),
            "bim_xxh3": hex(hash.bim),
            "fam_xxh3": hex(hash.fam),
        },
        "n": sim.y.len(),
        "k": sim.causal.len(),
        "causal_given": matches!(spec.causal, CausalSnps::Listed(_)),
        "h2": spec.h2,
        "h2_realized": sim.h2,
        "maf_alpha": spec.maf_alpha,
        "seed": seed,
        "var_g": sim.var_g,
        "noise_scale": sim.noise_scale,
        "effects": "per copy of allele 1 (.bim column 5), b_j ~ N(0, [2 f_j (1 - f_j)]^maf_alpha)",
        "missing_causal_calls": sim.missing_causal_calls,
        "missing_calls": "a missing call counts as the SNP's mean over its called samples, 2 f_j \
                          (PLINK --score's default mean imputation)",
        "causal": ids_of(&sim.causal, |j| ids.get(j)),
        "causal_a1": ids_of(&sim.causal, |j| a1.get(j)),
        "causal_index": sim.causal,
        "files": {"pheno": PHENO_FILE, "effects": EFFECTS_FILE},
        "generator": concat!("regpath-datagen ", env!("CARGO_PKG_VERSION")),
    });
    if let (Some(k), Some(cases), Some(t)) = (spec.prevalence, sim.cases, sim.threshold) {
        m["prevalence"] = json!(k);
        m["cases"] = json!(cases);
        m["controls"] = json!(sim.y.len() - cases);
        m["liability_threshold"] = json!(t);
        m["phenotype"] = json!(
            "case/control by the liability-threshold model (h2 is that of the liability): \
             pheno.txt holds 0 = control, 1 = case"
        );
    } else if let Some(draw) = &sim.survival {
        crate::survival::meta_fields(&mut m, draw);
        m["noise_scale"] = json!(null);
        m["effects"] = json!(
            "Cox coefficients (log hazard ratio) per copy of allele 1 (.bim column 5): eta_scale times \
             b_j ~ N(0, [2 f_j (1 - f_j)]^maf_alpha); PLINK --score gives eta up to a constant"
        );
        m["phenotype"] = json!(
            "survival times from a Cox model with an exponential baseline hazard, T = -log(U)/exp(eta), \
             eta = eta_scale (g - mean g) with var(eta)/(var(eta) + pi^2/6) = h2 (h2 on the log-time scale); \
             independent exponential censoring at the rate that makes the expected censored fraction \
             `censoring`; pheno.txt holds time = min(T, C) and status = 1 if T <= C (event), else 0"
        );
    } else {
        m["phenotype"] = json!("quantitative: y = g + c e, var(g)/var(y) = h2 in the sample");
    }
    m
}

fn ids_of<'a>(causal: &[usize], name: impl Fn(usize) -> &'a str) -> Vec<&'a str> {
    causal.iter().map(|&j| name(j)).collect()
}

/// Writes `effects.txt`: a header `SNP A1 effect`, then one line per causal SNP in `.bim`
/// order — a PLINK score file (`plink --score effects.txt 1 2 3 header sum` gives g).
pub fn write_effects(path: &Path, bed: &Bed, sim: &Simulated) -> Result<(), DataError> {
    let (ids, a1) = (bed.snp_ids(), &bed.snp_table().allele1);
    write_atomic(path, |w| {
        writeln!(w, "SNP A1 effect")?;
        for (&j, b) in sim.causal.iter().zip(&sim.effects) {
            writeln!(w, "{} {} {b}", ids.get(j), a1.get(j))?;
        }
        Ok(())
    })
    .map_err(|e| DataError::io(path, "write", e))
}

/// Writes `dir/pheno.txt` (`FID IID phenotype`, one line per selected sample, round-trip
/// precision; `FID IID time status` for a survival phenotype), `dir/effects.txt` ([`write_effects`]) and `dir/meta.json` (`meta`), each
/// atomically; creates `dir` if missing. If a write fails, the files written so far (and
/// `dir`, if it was created) are removed. Returns the files written.
pub fn write_simulation(
    dir: &Path,
    bed: &Bed,
    rows: Option<&[usize]>,
    sim: &Simulated,
    meta: &Value,
) -> Result<Vec<PathBuf>, DataError> {
    let samples = bed.sample_ids();
    let records: Vec<FamRecord> = sim
        .y
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let (fid, iid) = &samples[rows.map_or(k, |r| r[k])];
            FamRecord { fid: fid.clone(), iid: iid.clone(), phenotype: Some(v) }
        })
        .collect();
    let created_dir = !dir.exists();
    let mut written = Vec::new();
    let result = (|| {
        fs::create_dir_all(dir).map_err(|e| DataError::io(dir, "create folder", e))?;
        let pheno = dir.join(PHENO_FILE);
        written.push(pheno.clone());
        match &sim.survival {
            Some(draw) => {
                let ids: Vec<(String, String)> = records.iter().map(|r| (r.fid.clone(), r.iid.clone())).collect();
                write_survival_pheno(&pheno, &ids, &draw.time, &draw.status)?;
            }
            None => write_pheno(&pheno, &records)?,
        }
        let effects = dir.join(EFFECTS_FILE);
        written.push(effects.clone());
        write_effects(&effects, bed, sim)?;
        let meta_path = dir.join(META_FILE);
        written.push(meta_path.clone());
        write_atomic(&meta_path, |w| {
            serde_json::to_writer_pretty(&mut *w, meta).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
        .map_err(|e| DataError::io(&meta_path, "write", e))
    })();
    match result {
        Ok(()) => Ok(written),
        Err(e) => {
            for path in &written {
                let _ = fs::remove_file(path);
            }
            if created_dir {
                let _ = fs::remove_dir(dir);
            }
            Err(e)
        }
    }
}
