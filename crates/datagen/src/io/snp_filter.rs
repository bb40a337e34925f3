//! Which SNPs of a PLINK fileset a fit uses, with PLINK's meaning of each rule:
//!
//! 1. a negative base-pair position excludes the variant (PLINK 1.9 and 2 skip such `.bim`
//!    lines on load; real files have `-9` for "position unknown");
//! 2. `--extract FILE`: only the SNP ids listed (whitespace-separated ids, any number per line;
//!    ids absent from the `.bim` are counted, not an error; a `.bim` id listed keeps every SNP of
//!    that id);
//! 3. `--exclude FILE`: not the SNP ids listed (same format);
//! 4. `--maf MIN`: only SNPs whose minor allele frequency over the called genotypes of the
//!    fitted samples is at least MIN (PLINK 1.9 computes it over founders only unless
//!    `--nonfounders`; regpath counts every fitted sample, as `--nonfounders` does), so
//!    `--maf` above 0 also drops monomorphic SNPs.
//!
//! The rules apply in that order; the kept SNPs stay in `.bim` order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::DataError;
use crate::io::bed::{Bed, read_fields};

/// The SNP rules of a fit (all off by default, apart from the negative-position rule, which
/// PLINK always applies).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SnpFilter {
    /// Keep only these SNP ids (`--extract`).
    pub extract: Option<PathBuf>,
    /// Leave out these SNP ids (`--exclude`).
    pub exclude: Option<PathBuf>,
    /// Smallest minor allele frequency kept (`--maf`), in [0, 0.5].
    pub maf: Option<f64>,
}

impl SnpFilter {
    /// No rule besides PLINK's negative-position one.
    pub fn is_empty(&self) -> bool {
        self.extract.is_none() && self.exclude.is_none() && self.maf.is_none()
    }
}

/// The SNPs kept and how many each rule removed.
#[derive(Clone, Debug, PartialEq)]
pub struct SnpSelection {
    /// Kept SNP indices into the `.bim`, increasing; `None` when every SNP is kept.
    pub kept: Option<Vec<usize>>,
    /// SNPs of the fileset.
    pub n_total: usize,
    /// Removed for a negative base-pair position.
    pub n_negative_position: usize,
    /// Removed because `--extract` does not list them.
    pub n_not_extracted: usize,
    /// Ids of the `--extract` file that name no SNP of the fileset.
    pub n_extract_unknown: usize,
    /// Removed because `--exclude` lists them.
    pub n_excluded: usize,
    /// Ids of the `--exclude` file that name no SNP of the fileset.
    pub n_exclude_unknown: usize,
    /// Removed by `--maf`.
    pub n_below_maf: usize,
}

impl SnpSelection {
    /// Number of SNPs kept.
    pub fn n_kept(&self) -> usize {
        self.kept.as_ref().map_or(self.n_total, Vec::len)
    }

    /// One line saying what was removed and why, or `None` when nothing was.
    pub fn describe(&self, filter: &SnpFilter) -> Option<String> {
        let mut parts = Vec::new();
        if self.n_negative_position > 0 {
            parts.push(format!(
                "{} at a negative base-pair position (excluded as PLINK does)",
                self.n_negative_position
            ));
        }
        if let Some(path) = &filter.extract {
            let unknown = match self.n_extract_unknown {
                0 => String::new(),
                k => format!("; {k} listed ids are not in the .bim"),
            };
            parts.push(format!("{} not listed in --extract {}{unknown}", self.n_not_extracted, path.display()));
        }
        if let Some(path) = &filter.exclude {
            let unknown = match self.n_exclude_unknown {
                0 => String::new(),
                k => format!("; {k} listed ids are not in the .bim"),
            };
            parts.push(format!("{} listed in --exclude {}{unknown}", self.n_excluded, path.display()));
        }
        if let Some(maf) = filter.maf {
            parts.push(format!("{} with minor allele frequency below --maf {maf}", self.n_below_maf));
        }
        if parts.is_empty() {
            return None;
        }
        Some(format!("{} of {} SNPs used; removed: {}", self.n_kept(), self.n_total, parts.join(", ")))
    }
}

/// Reads a SNP id list (`--extract`/`--exclude`): every whitespace-separated field is an id.
fn read_id_list(path: &Path) -> Result<Vec<String>, DataError> {
    let ids: Vec<String> = read_fields(path)?.into_iter().flat_map(|(_, f)| f).collect();
    if ids.is_empty() {
        return Err(DataError::format(path, "no SNP id"));
    }
    Ok(ids)
}

/// Marks the SNPs whose id is in the list of `path`; returns how many listed ids are unknown.
fn mark_listed(path: &Path, by_id: &HashMap<&str, Vec<usize>>, marked: &mut [bool]) -> Result<usize, DataError> {
    let mut unknown = 0;
    for id in read_id_list(path)? {
        match by_id.get(id.as_str()) {
            Some(js) => js.iter().for_each(|&j| marked[j] = true),
            None => unknown += 1,
        }
    }
    Ok(unknown)
}

/// Minor allele frequency of SNP `j` over the called genotypes of `rows` (all samples when
/// `None`): with f the frequency of allele 1, min(f, 1 − f); 0 when no genotype is called.
pub fn minor_allele_frequency(bed: &Bed, j: usize, rows: Option<&[usize]>) -> f64 {
    let bytes = &bed.packed()[j * bed.bytes_per_snp()..(j + 1) * bed.bytes_per_snp()];
    let mut counts = [0usize; 4];
    let mut add = |i: usize| counts[((bytes[i >> 2] >> ((i & 3) * 2)) & 3) as usize] += 1;
    match rows {
        Some(rows) => rows.iter().for_each(|&i| add(i)),
        None => (0..bed.n_samples()).for_each(add),
    }
    // codes: 00 → two copies of allele 1, 01 missing, 10 → one, 11 → none
    let called = counts[0] + counts[2] + counts[3];
    if called == 0 {
        return 0.0;
    }
    let f = (2 * counts[0] + counts[2]) as f64 / (2 * called) as f64;
    f.min(1.0 - f)
}

/// Applies the rules of `filter` (and PLINK's negative-position rule) to the SNPs of `bed`,
/// frequencies over the samples `rows` (all when `None`). An `--extract`/`--exclude` file
/// that cannot be read, an invalid `--maf`, or no SNP left is an error naming the cause.
pub fn select_snps(bed: &Bed, rows: Option<&[usize]>, filter: &SnpFilter) -> Result<SnpSelection, DataError> {
    if let Some(maf) = filter.maf
        && !(0.0..=0.5).contains(&maf)
    {
        return Err(DataError::parameter(format!("--maf must be in [0, 0.5], got {maf}")));
    }
    let table = bed.snp_table();
    let p = table.len();
    let mut keep: Vec<bool> = table.position.iter().map(|&pos| pos >= 0).collect();
    let n_negative_position = keep.iter().filter(|k| !**k).count();
    let mut selection = SnpSelection {
        kept: None,
        n_total: p,
        n_negative_position,
        n_not_extracted: 0,
        n_extract_unknown: 0,
        n_excluded: 0,
        n_exclude_unknown: 0,
        n_below_maf: 0,
    };
    if filter.extract.is_some() || filter.exclude.is_some() {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::with_capacity(p);
        for (j, id) in table.id.iter().enumerate() {
            by_id.entry(id).or_default().push(j);
        }
        if let Some(path) = &filter.extract {
            let mut listed = vec![false; p];
            selection.n_extract_unknown = mark_listed(path, &by_id, &mut listed)?;
            for (k, l) in keep.iter_mut().zip(&listed) {
                if *k && !*l {
                    *k = false;
                    selection.n_not_extracted += 1;
                }
            }
        }
        if let Some(path) = &filter.exclude {
            let mut listed = vec![false; p];
            selection.n_exclude_unknown = mark_listed(path, &by_id, &mut listed)?;
            for (k, l) in keep.iter_mut().zip(&listed) {
                if *k && *l {
                    *k = false;
                    selection.n_excluded += 1;
                }
            }
        }
    }
    if let Some(maf) = filter.maf {
        let low: Vec<bool> = (0..p)
            .into_par_iter()
            .with_min_len(1024)
            .map(|j| keep[j] && minor_allele_frequency(bed, j, rows) < maf)
            .collect();
        for (k, l) in keep.iter_mut().zip(low) {
            if l {
                *k = false;
                selection.n_below_maf += 1;
            }
        }
    }
    let kept: Vec<usize> = (0..p).filter(|&j| keep[j]).collect();
    if kept.is_empty() {
        let why = selection.describe(filter).unwrap_or_default();
        return Err(DataError::parameter(format!("no SNP of {} is left to fit: {why}", bed.bim_path().display())));
    }
    if kept.len() < p {
        selection.kept = Some(kept);
    }
    Ok(selection)
}
