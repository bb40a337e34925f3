//! Phenotypes simulated on the genotypes of a `bed` dataset (`simulate = { k, h2, maf_alpha,
//! prevalence }`): a new phenotype per replicate on the same genotypes, drawn as
//! `regpath gen --bed` draws it (`regpath_datagen::simulate`: K causal SNPs among the
//! polymorphic fitted SNPs, effects `b_j ~ N(0, [2f_j(1 − f_j)]^α)`, noise made orthogonal to g
//! and the intercept so that var(g)/var(y) = h² exactly over the dataset's samples), from the
//! unit's data seed.
//!
//! The truth is the effect of each causal SNP in the coordinates of the fitted columns. Real
//! genotypes hold exact copies (identical or allele-flipped columns: perfect LD), which no
//! model can tell apart and which the solver reports on one representative
//! (`regpath_solver::duplicates`). Support recovery therefore counts by *copy group*
//! ([`copy_groups`]): a selected SNP is a true positive when it is a causal SNP or an exact copy
//! of one over the dataset's samples, each causal group counts once however many of its members
//! are selected, and a causal group none of whose members is selected is a false negative.
//! `coef_error` stays per column.

use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use regpath_datagen::io::bed::Bed;
use regpath_datagen::{SimulateSpec, SnpScan, simulate_phenotype_scanned};

use crate::load::{LoadedInput, LoadedX};
use crate::plink_codes;

/// A `bed` dataset instance whose phenotype is simulated per replicate.
pub struct SimulatedPhenotype {
    /// What to simulate.
    pub spec: SimulateSpec,
    /// Genotype counts of the fitted SNPs over the dataset's samples (shared by the instances
    /// of one entry).
    pub scan: Arc<SnpScan>,
    /// Copy group of each fitted column ([`copy_groups`]; shared).
    pub groups: Arc<Vec<u32>>,
}

/// One replicate's draw.
pub struct Draw {
    /// The phenotype of every sample of the dataset (its rows, in order).
    pub y: Vec<f64>,
    /// The true effect of each fitted column (0 off the causal SNPs).
    pub beta: Vec<f64>,
    /// The realized heritability (equal to h² up to rounding).
    pub h2: f64,
}

impl SimulatedPhenotype {
    /// The SNP scan of the fitted SNPs over the samples of `input` (a PLINK dataset).
    pub fn scan(input: &LoadedInput) -> Result<SnpScan> {
        let LoadedX::Bed { bed, rows, columns } = &input.x else {
            anyhow::bail!("`simulate` needs a `bed` dataset");
        };
        let mut scan = SnpScan::new(bed, rows.as_deref())?;
        if let Some(kept) = columns {
            scan.restrict(kept);
        }
        Ok(scan)
    }

    /// Draws the phenotype of replicate seed `seed`.
    pub fn draw(&self, input: &LoadedInput, seed: u64) -> Result<Draw> {
        let LoadedX::Bed { bed, rows, columns } = &input.x else {
            anyhow::bail!("`simulate` needs a `bed` dataset");
        };
        let sim = simulate_phenotype_scanned(bed, rows.as_deref(), &self.scan, &self.spec, seed)
            .context("cannot simulate the phenotype")?;
        let p = columns.as_ref().map_or(bed.n_snps(), Vec::len);
        let mut beta = vec![0.0; p];
        for (&snp, &effect) in sim.causal.iter().zip(&sim.effects) {
            let column = match columns {
                None => snp,
                Some(kept) => kept.binary_search(&snp).ok().context("a causal SNP is not among the fitted SNPs")?,
            };
            beta[column] = effect;
        }
        Ok(Draw { y: sim.y.to_vec(), beta, h2: sim.h2 })
    }
}

/// The code of the other allele's count: homozygotes swap (`00 ↔ 11`), heterozygotes (`10`)
/// and missing calls (`01`) stay.
fn flip_alleles(code: u8) -> u8 {
    if code == plink_codes::MISSING || code == 2 { code } else { 3 - code }
}

/// The copy group of each column of a PLINK dataset (`columns` of the `.bed`, or all SNPs):
/// two columns share a group when their genotype codes over the samples `rows` are identical
/// or allele-flipped (`00 ↔ 11`, missing calls at the same samples). Groups are numbered by
/// their first column. Columns are compared by a 128-bit hash (XXH3) of their codes, the
/// smaller of the column's and its flip's.
pub fn copy_groups(bed: &Bed, rows: Option<&[usize]>, columns: Option<&[usize]>) -> Vec<u32> {
    let p = columns.map_or(bed.n_snps(), <[usize]>::len);
    let bps = bed.bytes_per_snp();
    let n = rows.map_or(bed.n_samples(), <[usize]>::len);
    let keys: Vec<u128> = (0..p)
        .into_par_iter()
        .map_init(
            || (vec![0u8; n], vec![0u8; n]),
            |(codes, flipped), c| {
                let j = columns.map_or(c, |k| k[c]);
                let snp = &bed.packed()[j * bps..(j + 1) * bps];
                for (k, (code, flip)) in codes.iter_mut().zip(flipped.iter_mut()).enumerate() {
                    let i = rows.map_or(k, |r| r[k]);
                    *code = plink_codes::code(snp, i);
                    *flip = flip_alleles(*code);
                }
                xxhash_rust::xxh3::xxh3_128(codes).min(xxhash_rust::xxh3::xxh3_128(flipped))
            },
        )
        .collect();
    let mut first: std::collections::HashMap<u128, u32> = std::collections::HashMap::with_capacity(p);
    keys.iter().enumerate().map(|(c, key)| *first.entry(*key).or_insert(c as u32)).collect()
}
