//! Applying a fitted path to new samples (`regpath predict`, docs/predict.md).
//!
//! For each requested path point k the linear predictor is
//! `η_ik = b_k + Σ_j β_kj·x_ij` with the original-scale coefficients of `coefs.csv`; for the
//! logistic datafit the prediction written is the probability `σ(η_ik)`.
//!
//! SNPs of a new PLINK fileset are matched to the training SNPs by id, comparing alleles:
//! the same (A1, A2) is a match; swapped alleles flip the coding, `x = 2 − g` (also for a
//! strand-ambiguous A/T or C/G SNP, where the swap is applied and counted); anything else is a
//! mismatch (an error, or with `skip_mismatched` treated like an absent SNP). An absent SNP, and
//! a missing call, counts as the SNP's training mean μ_j, so it adds `β_kj·μ_j`, exactly what it
//! added to the fitted values of a training sample with a missing call. Only SNPs with a
//! nonzero coefficient at some requested point are read, in `.bed` order, one block at a time:
//! memory is the output (n_new × K) plus one block of decoded columns.

use std::collections::HashMap;

use anyhow::{Result, bail};
use regpath_datagen::Bed;
use regpath_datagen::io::bed::SnpRecord;

use crate::model::Features;
use crate::plink_codes;

/// SNPs decoded at a time.
const BLOCK_SNPS: usize = 256;

/// How a training SNP is found in the new fileset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnpMatch {
    /// Same id and alleles: `x = g`.
    Same(usize),
    /// Same id, alleles swapped: `x = 2 − g`.
    Flipped(usize),
    /// Absent (or mismatched and skipped): `x = μ_j`.
    Absent,
}

/// The matching of the training SNPs against a new fileset.
#[derive(Debug, Default)]
pub struct Matching {
    /// Per training SNP.
    pub snps: Vec<Option<SnpMatch>>,
    /// Training SNPs absent from the new fileset (ids).
    pub missing: Vec<String>,
    /// Training SNPs whose alleles do not match (ids, with both allele pairs), skipped.
    pub mismatched: Vec<String>,
    /// Matched with swapped alleles.
    pub flipped: usize,
    /// Of those, strand-ambiguous SNPs (A/T, C/G), whose swap cannot be told from a strand flip.
    pub ambiguous_flipped: usize,
}

/// A/T or C/G: the allele pair reads the same on both strands.
fn strand_ambiguous(a: &str, b: &str) -> bool {
    matches!((a, b), ("A", "T") | ("T", "A") | ("C", "G") | ("G", "C"))
}

/// Matches the training SNPs of `model` against the `.bim` records of a new fileset.
pub fn match_snps(features: &Features, new: &[SnpRecord], skip_mismatched: bool) -> Result<Matching> {
    let Features::Bed { id, a1, a2, .. } = features else {
        bail!("the model was fitted on a matrix (--x): predict with --x, not --bed");
    };
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(new.len());
    for (m, r) in new.iter().enumerate() {
        index.entry(r.id.as_str()).or_insert(m);
    }
    let mut out = Matching { snps: Vec::with_capacity(id.len()), ..Matching::default() };
    for j in 0..id.len() {
        let Some(&m) = index.get(id[j].as_str()) else {
            out.missing.push(id[j].clone());
            out.snps.push(Some(SnpMatch::Absent));
            continue;
        };
        let (ta1, ta2) = (a1[j].to_ascii_uppercase(), a2[j].to_ascii_uppercase());
        let (na1, na2) = (new[m].allele1.to_ascii_uppercase(), new[m].allele2.to_ascii_uppercase());
        if na1 == ta1 && na2 == ta2 {
            out.snps.push(Some(SnpMatch::Same(m)));
        } else if na1 == ta2 && na2 == ta1 {
            out.flipped += 1;
            if strand_ambiguous(&ta1, &ta2) {
                out.ambiguous_flipped += 1;
            }
            out.snps.push(Some(SnpMatch::Flipped(m)));
        } else if skip_mismatched {
            out.mismatched.push(format!("{}\t{}/{}\t{}/{}", id[j], a1[j], a2[j], new[m].allele1, new[m].allele2));
            out.snps.push(Some(SnpMatch::Absent));
        } else {
            bail!(
                "SNP {} has alleles {}/{} in the training data but {}/{} in the new fileset; \
                 give --skip-mismatched to treat such SNPs as absent",
                id[j],
                a1[j],
                a2[j],
                new[m].allele1,
                new[m].allele2
            );
        }
    }
    Ok(out)
}

/// Coefficients of the requested points: `coefs[k]` lists `(feature, β_kj)`.
pub type PointCoefs = Vec<Vec<(usize, f64)>>;

/// The matching of a fileset against itself (held-out samples of the training fileset).
pub fn identity_matching(p: usize) -> Matching {
    Matching { snps: (0..p).map(|j| Some(SnpMatch::Same(j))).collect(), ..Matching::default() }
}

/// Linear predictors `η[k][i]` of the rows `rows` of a new fileset (sample indices of its
/// `.fam`), for the requested points with intercepts `intercepts[k]`; `means` are the training
/// means of the p training SNPs.
pub fn predict_bed(
    means: &[f64],
    bed: &Bed,
    rows: &[usize],
    matching: &Matching,
    intercepts: &[f64],
    coefs: &PointCoefs,
) -> Vec<Vec<f64>> {
    let (mean, p) = (means, means.len());
    let n = rows.len();
    let mut eta: Vec<Vec<f64>> = intercepts.iter().map(|&b| vec![b; n]).collect();
    // per training SNP, the requested points where it is nonzero
    let mut uses: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
    for (k, list) in coefs.iter().enumerate() {
        for &(j, c) in list {
            if j < p && c != 0.0 {
                uses.entry(j).or_default().push((k, c));
            }
        }
    }
    // absent SNPs add β·μ to every sample
    let mut reads: Vec<(usize, usize, bool)> = Vec::new(); // (new index, training index, flipped)
    for (&j, list) in &uses {
        match matching.snps[j] {
            Some(SnpMatch::Same(m)) => reads.push((m, j, false)),
            Some(SnpMatch::Flipped(m)) => reads.push((m, j, true)),
            _ => {
                for &(k, c) in list {
                    eta[k].iter_mut().for_each(|e| *e += c * mean[j]);
                }
            }
        }
    }
    reads.sort_unstable();
    let bps = bed.bytes_per_snp();
    let packed = bed.packed();
    let mut column = vec![0.0; n];
    for block in reads.chunks(BLOCK_SNPS) {
        for &(m, j, flipped) in block {
            let bytes = &packed[m * bps..(m + 1) * bps];
            let mu = mean[j];
            for (x, &i) in column.iter_mut().zip(rows) {
                let code = plink_codes::code(bytes, i);
                let g = plink_codes::DOSAGE[code as usize];
                *x = if code == plink_codes::MISSING {
                    mu
                } else if flipped {
                    2.0 - g
                } else {
                    g
                };
            }
            for &(k, c) in &uses[&j] {
                for (e, &x) in eta[k].iter_mut().zip(&column) {
                    *e += c * x;
                }
            }
        }
    }
    eta
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Model, Training};

    fn model(ids: &[&str], alleles: &[(&str, &str)]) -> Model {
        Model {
            format: crate::model::MODEL_FORMAT.into(),
            version: crate::model::MODEL_VERSION,
            regpath_version: String::new(),
            datafit: "quadratic".into(),
            penalty: "lasso".into(),
            l1_ratio: None,
            gamma: None,
            fit_intercept: true,
            standardize: true,
            tol: 1e-6,
            alphas: vec![1.0],
            alpha_over_max: vec![1.0],
            intercepts: vec![0.0],
            nnz: vec![0],
            coefs: Some("coefs.csv".into()),
            n_features: ids.len(),
            features: Features::Bed {
                id: ids.iter().map(|s| s.to_string()).collect(),
                chromosome: vec!["1".into(); ids.len()],
                position: vec![1; ids.len()],
                a1: alleles.iter().map(|a| a.0.to_string()).collect(),
                a2: alleles.iter().map(|a| a.1.to_string()).collect(),
                mean: vec![1.0; ids.len()],
            },
            covariates: Vec::new(),
            training: Training { samples: 1, source: String::new(), data_hash: String::new() },
        }
    }

    fn bim(id: &str, a1: &str, a2: &str) -> SnpRecord {
        SnpRecord { chromosome: "1".into(), id: id.into(), position: 1, allele1: a1.into(), allele2: a2.into() }
    }

    #[test]
    fn alleles_decide_same_flipped_ambiguous_absent_and_mismatched() {
        let m = model(&["s1", "s2", "s3", "s4", "s5"], &[("A", "G"), ("A", "G"), ("A", "T"), ("C", "T"), ("A", "C")]);
        let new = [bim("s5", "A", "G"), bim("s3", "T", "A"), bim("s2", "G", "A"), bim("s1", "a", "g")];
        let err = match_snps(&m.features, &new, false).unwrap_err().to_string();
        assert!(err.contains("SNP s5") && err.contains("--skip-mismatched"), "{err}");
        let got = match_snps(&m.features, &new, true).unwrap();
        assert_eq!(
            got.snps,
            vec![
                Some(SnpMatch::Same(3)),
                Some(SnpMatch::Flipped(2)),
                Some(SnpMatch::Flipped(1)),
                Some(SnpMatch::Absent),
                Some(SnpMatch::Absent)
            ]
        );
        assert_eq!((got.flipped, got.ambiguous_flipped), (2, 1));
        assert_eq!(got.missing, vec!["s4".to_string()]);
        assert_eq!(got.mismatched.len(), 1);
        assert!(got.mismatched[0].starts_with("s5\t"));
    }
}
