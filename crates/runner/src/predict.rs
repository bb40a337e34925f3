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
use std::collections::hash_map::Entry;

use anyhow::{Result, bail};
use regpath_datagen::Bed;
use regpath_datagen::{SnpTable, StringColumn};

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
    /// Training SNPs absent from the new fileset (indices into the training table).
    pub missing: Vec<usize>,
    /// Training SNPs whose alleles do not match, or whose id the new fileset holds more than
    /// once at other positions, skipped: one report line each (id, both allele pairs or the
    /// reason).
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

/// Where each SNP id of a fileset is: its first index, and for an id held more than once every
/// index.
struct IdIndex<'a> {
    first: HashMap<&'a str, u32>,
    repeated: HashMap<&'a str, Vec<u32>>,
}

impl<'a> IdIndex<'a> {
    fn new(ids: &'a StringColumn) -> IdIndex<'a> {
        let mut first = HashMap::with_capacity(ids.len());
        let mut repeated: HashMap<&str, Vec<u32>> = HashMap::new();
        for (m, id) in ids.iter().enumerate() {
            let m = m as u32;
            match first.entry(id) {
                Entry::Vacant(e) => {
                    e.insert(m);
                }
                Entry::Occupied(e) => repeated.entry(id).or_insert_with(|| vec![*e.get()]).push(m),
            }
        }
        IdIndex { first, repeated }
    }
}

/// Matches the training SNPs (`training`, from the model) against the `.bim` table of a new
/// fileset. A training id the new fileset holds more than once (PLINK files converted from
/// VCFs often have `.` or repeated ids) is matched to the copy at the same chromosome and
/// position when exactly one is there; otherwise it is ambiguous, an error unless
/// `skip_mismatched`.
pub fn match_snps(training: &SnpTable, new: &SnpTable, skip_mismatched: bool) -> Result<Matching> {
    let index = IdIndex::new(&new.id);
    let p = training.len();
    let mut out = Matching { snps: Vec::with_capacity(p), ..Matching::default() };
    for j in 0..p {
        let id = training.id.get(j);
        let Some(&first) = index.first.get(id) else {
            out.missing.push(j);
            out.snps.push(Some(SnpMatch::Absent));
            continue;
        };
        let m = match index.repeated.get(id) {
            None => first as usize,
            Some(copies) => {
                let same_place: Vec<u32> = copies
                    .iter()
                    .copied()
                    .filter(|&m| {
                        new.position[m as usize] == training.position[j]
                            && new.chromosome.get(m as usize) == training.chromosome.get(j)
                    })
                    .collect();
                match same_place[..] {
                    [m] => m as usize,
                    _ if skip_mismatched => {
                        out.mismatched.push(format!(
                            "{id}\t{} copies in the new fileset, {} at {}:{}",
                            copies.len(),
                            same_place.len(),
                            training.chromosome.get(j),
                            training.position[j]
                        ));
                        out.snps.push(Some(SnpMatch::Absent));
                        continue;
                    }
                    _ => bail!(
                        "SNP id {id} occurs {} times in the new fileset ({} of them at the training position {}:{}), \
                         so it cannot be matched; give --skip-mismatched to treat such SNPs as absent",
                        copies.len(),
                        same_place.len(),
                        training.chromosome.get(j),
                        training.position[j]
                    ),
                }
            }
        };
        let (ta1, ta2) = (training.allele1.get(j), training.allele2.get(j));
        let (na1, na2) = (new.allele1.get(m), new.allele2.get(m));
        // `0` is PLINK's code for an unknown allele (a monomorphic SNP): it matches any allele
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b) || a == "0" || b == "0";
        if same(na1, ta1) && same(na2, ta2) {
            out.snps.push(Some(SnpMatch::Same(m)));
        } else if same(na1, ta2) && same(na2, ta1) {
            out.flipped += 1;
            if strand_ambiguous(&ta1.to_ascii_uppercase(), &ta2.to_ascii_uppercase()) {
                out.ambiguous_flipped += 1;
            }
            out.snps.push(Some(SnpMatch::Flipped(m)));
        } else if skip_mismatched {
            out.mismatched.push(format!("{id}\t{ta1}/{ta2}\t{na1}/{na2}"));
            out.snps.push(Some(SnpMatch::Absent));
        } else {
            bail!(
                "SNP {id} has alleles {ta1}/{ta2} in the training data but {na1}/{na2} in the new fileset; \
                 give --skip-mismatched to treat such SNPs as absent"
            );
        }
    }
    Ok(out)
}

/// Coefficients of the requested points: `coefs[k]` lists `(feature, β_kj)`.
pub type PointCoefs = Vec<Vec<(usize, f64)>>;

/// The matching of a fileset against itself (held-out samples of the training fileset): the
/// p training SNPs are SNPs `columns[j]` of the fileset (SNP j when `None`).
pub fn identity_matching(p: usize, columns: Option<&[usize]>) -> Matching {
    let at = |j: usize| columns.map_or(j, |c| c[j]);
    Matching { snps: (0..p).map(|j| Some(SnpMatch::Same(at(j)))).collect(), ..Matching::default() }
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

    fn table(records: &[(&str, &str, &str)]) -> SnpTable {
        let mut t = SnpTable::default();
        for (i, &(id, a1, a2)) in records.iter().enumerate() {
            t.push("1", id, 100 + i as i64, a1, a2);
        }
        t
    }

    #[test]
    fn alleles_decide_same_flipped_ambiguous_absent_and_mismatched() {
        let training =
            table(&[("s1", "A", "G"), ("s2", "A", "G"), ("s3", "A", "T"), ("s4", "C", "T"), ("s5", "A", "C")]);
        let new = table(&[("s5", "A", "G"), ("s3", "T", "A"), ("s2", "G", "A"), ("s1", "a", "g")]);
        let err = match_snps(&training, &new, false).unwrap_err().to_string();
        assert!(err.contains("SNP s5") && err.contains("--skip-mismatched"), "{err}");
        let got = match_snps(&training, &new, true).unwrap();
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
        assert_eq!(got.missing, vec![3]);
        assert_eq!(got.mismatched.len(), 1);
        assert!(got.mismatched[0].starts_with("s5\t"));
    }

    #[test]
    fn unknown_allele_zero_matches_either_coding() {
        let training = table(&[("m1", "0", "G"), ("m2", "0", "G")]);
        let new = table(&[("m1", "A", "G"), ("m2", "G", "A")]);
        let got = match_snps(&training, &new, false).unwrap();
        assert_eq!(got.snps, vec![Some(SnpMatch::Same(0)), Some(SnpMatch::Flipped(1))]);
    }

    #[test]
    fn repeated_ids_match_by_position_or_are_ambiguous() {
        let mut training = SnpTable::default();
        training.push("1", ".", 500, "A", "G");
        training.push("2", ".", 700, "C", "T");
        training.push("3", "rs9", 900, "C", "T");
        let mut new = SnpTable::default();
        new.push("2", ".", 700, "T", "C");
        new.push("1", ".", 500, "A", "G");
        new.push("3", "rs9", 900, "C", "T");
        let got = match_snps(&training, &new, false).unwrap();
        assert_eq!(got.snps, vec![Some(SnpMatch::Same(1)), Some(SnpMatch::Flipped(0)), Some(SnpMatch::Same(2))]);
        new.push("1", ".", 500, "A", "G"); // now two copies at 1:500
        let err = match_snps(&training, &new, false).unwrap_err().to_string();
        assert!(
            err.contains("SNP id . occurs 3 times") && err.contains("2 of them at the training position 1:500"),
            "{err}"
        );
        let got = match_snps(&training, &new, true).unwrap();
        assert_eq!(got.snps[0], Some(SnpMatch::Absent));
        assert_eq!(got.snps[1], Some(SnpMatch::Flipped(0)));
        assert_eq!(got.mismatched.len(), 1);
    }
}
