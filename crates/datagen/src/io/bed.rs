//! PLINK 1 binary filesets (`PREFIX.bed/.bim/.fam`), read in place through a memory map.
//!
//! The `.bed` file is three magic bytes `6C 1B 01` (SNP-major) followed, for each SNP in `.bim`
//! order, by `ceil(n / 4)` bytes holding the n samples (`.fam` order) at 2 bits each, lowest
//! bits first. Codes count allele 1 (the `.bim` fifth column): `00` → 2, `01` → missing,
//! `10` → 1, `11` → 0.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use ndarray::{Array1, Array2, ShapeBuilder};
use rayon::prelude::*;

use crate::error::DataError;
use crate::io::bim::{SnpTable, StringColumn};
use crate::io::cell::{Cell, is_plink_missing, parse_cell};

/// The three magic bytes of a SNP-major PLINK 1 `.bed` file.
pub const BED_MAGIC: [u8; 3] = [0x6c, 0x1b, 0x01];

/// Dosage of allele 1 for each 2-bit code; NaN marks a missing call.
const CODE_VALUE: [f64; 4] = [2.0, f64::NAN, 1.0, 0.0];

/// Bytes holding one SNP of `n_samples` samples: `ceil(n / 4)`.
pub fn bytes_per_snp(n_samples: usize) -> usize {
    n_samples.div_ceil(4)
}

/// `PREFIX.ext`, where `prefix` may already end in `.bed` (which is then replaced).
pub fn fileset_path(prefix: &Path, ext: &str) -> PathBuf {
    let base = match prefix.extension() {
        Some(e) if e.eq_ignore_ascii_case("bed") => prefix.with_extension(""),
        _ => prefix.to_path_buf(),
    };
    let mut name: OsString = base.into_os_string();
    name.push(".");
    name.push(ext);
    PathBuf::from(name)
}

/// A PLINK 1 fileset opened for reading: the `.bed` memory-mapped, `.fam` and `.bim` parsed.
#[derive(Debug)]
pub struct Bed {
    map: Mmap,
    n: usize,
    samples: Vec<(String, String)>,
    /// The `.fam` sixth column (phenotype column 1), parsed.
    fam_pheno: Vec<Option<f64>>,
    /// Fields 7, 8, … of each `.fam` line (phenotype columns 2, 3, …, GEMMA style), as text;
    /// empty when no line has more than six fields.
    fam_extra: Vec<Vec<String>>,
    /// 1-based `.fam` line number of each sample, for error messages.
    fam_lines: Vec<u64>,
    fam_path: PathBuf,
    snps: Box<SnpTable>,
    bim_path: PathBuf,
    bed_path: PathBuf,
}

/// Fields of a `.fam` line before the extra phenotype columns: FID IID father mother sex
/// phenotype.
const FAM_FIXED_FIELDS: usize = 6;

/// "3 phenotype columns (fields 6 to 8)", "only 1 value column (field 3)".
fn describe_columns(count: usize, first_field: usize, what: &str) -> String {
    let only = if count == 1 { "only " } else { "" };
    let plural = if count == 1 { "" } else { "s" };
    let fields = match count {
        0 => String::new(),
        1 => format!(" (field {first_field})"),
        _ => format!(" (fields {first_field} to {})", first_field + count - 1),
    };
    format!("{only}{count} {what} column{plural}{fields}")
}

/// Reads a whitespace-separated text file into (1-based line number, fields) for non-blank lines.
pub(crate) fn read_fields(path: &Path) -> Result<Vec<(u64, Vec<String>)>, DataError> {
    let text = fs::read(path).map_err(|e| DataError::open(path, e))?;
    let text = String::from_utf8(text).map_err(|_| DataError::format(path, "not a text file (invalid UTF-8)"))?;
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i as u64 + 1, l.split_whitespace().map(str::to_string).collect()))
        .collect())
}

/// Parses a phenotype value: PLINK's missing codes `-9` and `NA` (and `nan`) give `None`.
fn parse_phenotype(path: &Path, line: u64, column: usize, text: &str) -> Result<Option<f64>, DataError> {
    match parse_cell(text) {
        cell if is_plink_missing(cell) => Ok(None),
        Cell::Number(v) => Ok(Some(v)),
        Cell::NonFinite(_) | Cell::Text => {
            Err(DataError::NotANumber { path: path.to_path_buf(), line, column, text: text.to_string() })
        }
    }
}

impl Bed {
    /// Opens `PREFIX.bed`, `PREFIX.bim` and `PREFIX.fam` (`prefix` may end in `.bed`).
    ///
    /// Checks the magic bytes, that `.fam` has at least six fields per line (with a numeric,
    /// `-9` or `NA` sixth field), that `.bim` has six fields per line with a whole-number
    /// position (read by column, [`SnpTable::read`]), and that the `.bed` size
    /// is exactly `3 + p * ceil(n / 4)` for the n samples of `.fam` and p SNPs of `.bim`.
    ///
    /// Fields after the sixth are further phenotype columns (GEMMA's extended `.fam`); they are
    /// kept as text and only parsed when asked for by [`Bed::fam_phenotype_column`].
    pub fn open(prefix: &Path) -> Result<Bed, DataError> {
        let bed_path = fileset_path(prefix, "bed");
        let fam_path = fileset_path(prefix, "fam");
        let bim_path = fileset_path(prefix, "bim");

        let file = File::open(&bed_path).map_err(|e| DataError::open(&bed_path, e))?;
        let size = file.metadata().map_err(|e| DataError::io(&bed_path, "read", e))?.len();
        if size < 3 {
            return Err(DataError::format(&bed_path, format!("not a PLINK 1 .bed file: only {size} bytes")));
        }
        // SAFETY: read-only map; the file must not be modified while the Bed is alive.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| DataError::io(&bed_path, "memory-map", e))?;
        if map[..3] != BED_MAGIC {
            let hint = if map[..2] == BED_MAGIC[..2] {
                " (individual-major files are not supported; rewrite with plink --make-bed)"
            } else {
                ""
            };
            return Err(DataError::format(
                &bed_path,
                format!(
                    "not a PLINK 1 SNP-major .bed file (magic bytes {:02x} {:02x} {:02x}, expected 6c 1b 01){hint}",
                    map[0], map[1], map[2]
                ),
            ));
        }

        let mut samples = Vec::new();
        let mut fam_pheno = Vec::new();
        let mut fam_extra = Vec::new();
        let mut fam_lines = Vec::new();
        for (line, mut f) in read_fields(&fam_path)? {
            if f.len() < FAM_FIXED_FIELDS {
                return Err(DataError::format(
                    &fam_path,
                    format!(
                        "line {line}: expected at least 6 fields (FID IID father mother sex phenotype), found {}",
                        f.len()
                    ),
                ));
            }
            fam_pheno.push(parse_phenotype(&fam_path, line, FAM_FIXED_FIELDS, &f[5])?);
            fam_extra.push(f.split_off(FAM_FIXED_FIELDS));
            samples.push((f[0].clone(), f[1].clone()));
            fam_lines.push(line);
        }
        if samples.is_empty() {
            return Err(DataError::format(&fam_path, "no samples"));
        }
        if fam_extra.iter().all(Vec::is_empty) {
            fam_extra = Vec::new();
        }

        // by column: a .bim of 10⁶ SNPs never becomes 5·10⁶ heap strings
        let snps = Box::new(SnpTable::read(&bim_path)?);
        if snps.is_empty() {
            return Err(DataError::format(&bim_path, "no SNPs"));
        }

        let n = samples.len();
        let p = snps.len();
        let expected = 3 + (p as u64) * bytes_per_snp(n) as u64;
        let what = format!("{n} samples ({}) x {p} SNPs ({})", fam_path.display(), bim_path.display());
        if size < expected {
            return Err(DataError::Truncated { path: bed_path, expected, found: size, what });
        }
        if size > expected {
            return Err(DataError::format(
                &bed_path,
                format!(
                    "size {size} bytes does not match {what}: expected {expected} bytes; \
                     the .fam/.bim files do not describe this .bed file"
                ),
            ));
        }
        Ok(Bed { map, n, samples, fam_pheno, fam_extra, fam_lines, fam_path, snps, bim_path, bed_path })
    }

    /// Number of samples (lines of `.fam`).
    pub fn n_samples(&self) -> usize {
        self.n
    }

    /// Number of SNPs (lines of `.bim`).
    pub fn n_snps(&self) -> usize {
        self.snps.len()
    }

    /// SNP identifiers (`.bim` second column).
    pub fn snp_ids(&self) -> &StringColumn {
        &self.snps.id
    }

    /// The `.bim` records (chromosome, SNP id, position, allele 1, allele 2), read once by
    /// [`Bed::open`].
    pub fn snp_table(&self) -> &SnpTable {
        &self.snps
    }

    /// Sample identifiers (FID, IID) in `.fam` order.
    pub fn sample_ids(&self) -> &[(String, String)] {
        &self.samples
    }

    /// The `.fam` sixth column; PLINK's missing codes `-9` and `NA` are `None` (0 is a value).
    /// The same as `fam_phenotype_column(1)`.
    pub fn fam_phenotypes(&self) -> Vec<Option<f64>> {
        self.fam_pheno.clone()
    }

    /// Number of phenotype columns (fields 6, 7, …) on the `.fam` line of sample `i`: 1 for a
    /// plain PLINK `.fam`, more for GEMMA's extended `.fam`.
    ///
    /// # Panics
    /// If `i >= n_samples()`.
    pub fn fam_phenotype_count(&self, i: usize) -> usize {
        assert!(i < self.n, "sample {i} out of range");
        1 + self.fam_extra.get(i).map_or(0, Vec::len)
    }

    /// The `k`-th phenotype column of `.fam` (1-based, counted from the sixth field as GEMMA's
    /// `-n`: `k = 1` is field 6, `k = 2` field 7, …), one entry per sample; `-9` and `NA` are
    /// `None`.
    ///
    /// Lines may have different numbers of fields as long as every line has field `5 + k`.
    /// `k = 0`, a line without that field (the error names the line and how many phenotype
    /// columns it has) or a non-numeric value is an error.
    pub fn fam_phenotype_column(&self, k: usize) -> Result<Vec<Option<f64>>, DataError> {
        if k == 0 {
            return Err(DataError::Parameter(
                "phenotype column must be at least 1 (1 is the .fam sixth field), got 0".into(),
            ));
        }
        if k == 1 {
            return Ok(self.fam_pheno.clone());
        }
        let field = k.saturating_add(FAM_FIXED_FIELDS - 1);
        (0..self.n)
            .map(|i| {
                let line = self.fam_lines[i];
                match self.fam_extra.get(i).and_then(|extra| extra.get(k - 2)) {
                    Some(text) => parse_phenotype(&self.fam_path, line, field, text),
                    None => Err(DataError::format(
                        &self.fam_path,
                        format!(
                            "line {line}: phenotype column {k} (field {field}) requested, but this line has {}",
                            describe_columns(self.fam_phenotype_count(i), FAM_FIXED_FIELDS, "phenotype")
                        ),
                    )),
                }
            })
            .collect()
    }

    /// Path of the `.fam` file.
    pub fn fam_path(&self) -> &Path {
        &self.fam_path
    }

    /// Path of the `.bim` file.
    pub fn bim_path(&self) -> &Path {
        &self.bim_path
    }

    /// Path of the `.bed` file.
    pub fn bed_path(&self) -> &Path {
        &self.bed_path
    }

    /// Bytes per SNP in [`Bed::packed`]: `ceil(n / 4)`.
    pub fn bytes_per_snp(&self) -> usize {
        bytes_per_snp(self.n)
    }

    /// The packed SNP-major genotypes after the magic bytes: SNP j occupies bytes
    /// `j * bytes_per_snp .. (j + 1) * bytes_per_snp`.
    pub fn packed(&self) -> &[u8] {
        &self.map[3..]
    }

    /// Lets the kernel drop the pages of the memory-mapped `.bed` that this process has read
    /// (`madvise(MADV_DONTNEED)`), after its genotypes have been repacked into memory the fit
    /// owns: the process's resident memory then holds that copy alone, not the copy and the
    /// mapped file. Pages read again later come back from the file (or the page cache).
    /// A no-op off Unix and when the kernel refuses the advice.
    pub fn release_resident_pages(&self) {
        #[cfg(unix)]
        // SAFETY: the mapping is private and read-only and never written, so dropping its
        // pages loses nothing: a later read refills them from the unchanged file. No reference
        // into the mapping observes a change of contents.
        unsafe {
            let _ = self.map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed);
        }
    }

    /// The packed bytes of SNP `j`.
    fn snp_bytes(&self, j: usize) -> &[u8] {
        let b = self.bytes_per_snp();
        &self.packed()[j * b..(j + 1) * b]
    }

    /// Dosages of allele 1 for SNP `j`, NaN for missing calls, for all samples (`rows = None`)
    /// or the listed sample indices in the given order. `out.len()` must equal the number of
    /// selected samples.
    ///
    /// # Panics
    /// If `j >= n_snps()`, a row index is out of range, or `out` has the wrong length.
    pub fn decode_snp_raw(&self, j: usize, rows: Option<&[usize]>, out: &mut [f64]) {
        let bytes = self.snp_bytes(j);
        let code = |i: usize| CODE_VALUE[((bytes[i >> 2] >> ((i & 3) * 2)) & 3) as usize];
        match rows {
            None => {
                assert_eq!(out.len(), self.n, "output length must be n_samples");
                for (i, o) in out.iter_mut().enumerate() {
                    *o = code(i);
                }
            }
            Some(rows) => {
                assert_eq!(out.len(), rows.len(), "output length must be rows.len()");
                for (o, &i) in out.iter_mut().zip(rows) {
                    assert!(i < self.n, "row {i} out of range");
                    *o = code(i);
                }
            }
        }
    }

    /// Like [`Bed::decode_snp_raw`], with missing calls replaced by the mean dosage of the
    /// selected samples that were called (0 when none was).
    ///
    /// # Panics
    /// As [`Bed::decode_snp_raw`].
    pub fn decode_snp(&self, j: usize, rows: Option<&[usize]>, out: &mut [f64]) {
        self.decode_snp_raw(j, rows, out);
        impute_mean(out);
    }

    /// All SNPs as a dense (samples × SNPs) column-major matrix with mean-imputed missing calls,
    /// decoded in parallel over SNPs. Costs 8 bytes per genotype.
    ///
    /// # Panics
    /// If a row index is out of range.
    pub fn to_dense(&self, rows: Option<&[usize]>) -> Array2<f64> {
        let n_rows = rows.map_or(self.n, <[usize]>::len);
        let p = self.n_snps();
        let mut x = Array2::<f64>::zeros((n_rows, p).f());
        if n_rows == 0 {
            return x;
        }
        x.as_slice_memory_order_mut()
            .expect("new array is contiguous")
            .par_chunks_mut(n_rows)
            .enumerate()
            .for_each(|(j, col)| self.decode_snp(j, rows, col));
        x
    }
}

/// Replaces NaNs by the mean of the other values (0 if all are NaN).
fn impute_mean(values: &mut [f64]) {
    let (sum, count) = values.iter().filter(|v| !v.is_nan()).fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == values.len() {
        return;
    }
    let mean = if count > 0 { sum / count as f64 } else { 0.0 };
    for v in values.iter_mut().filter(|v| v.is_nan()) {
        *v = mean;
    }
}

/// Reads a PLINK phenotype file (`FID IID value`, whitespace-separated, an optional header line
/// whose first field is `FID` or `#FID`; after PLINK 2's header `#IID …` the lines are
/// `IID value …`, matched to every `.fam` sample of that IID; further columns are ignored, see
/// [`read_pheno_column`]) and matches it to the samples of `bed` by (FID, IID). The same as
/// `read_pheno_column(path, bed, 1)`.
///
/// Returns one entry per `.fam` sample: `None` for PLINK's missing codes `-9` and `NA`, and for
/// samples absent from the file. Lines for samples not in `.fam` are ignored. A non-numeric
/// value, a line with fewer than 3 fields, or a sample listed twice is an error.
pub fn read_pheno(path: &Path, bed: &Bed) -> Result<Vec<Option<f64>>, DataError> {
    read_pheno_column(path, bed, 1)
}

/// Like [`read_pheno`], with the phenotype taken from the `k`-th value column (1-based: `k = 1`
/// is the third field, the first after FID IID; `k = 2` the fourth, …), as PLINK's `--mpheno`.
///
/// Every line (header excepted) must have that column, even lines of samples not in `.fam`; a
/// line without it is an error naming the line and how many value columns it has. `k = 0` is an
/// error.
pub fn read_pheno_column(path: &Path, bed: &Bed, k: usize) -> Result<Vec<Option<f64>>, DataError> {
    Ok(read_pheno_matched(path, bed, k)?.values)
}

/// A phenotype column matched to the `.fam` samples, with what did not match.
#[derive(Clone, Debug, PartialEq)]
pub struct PhenoMatch {
    /// One entry per `.fam` sample: the value, `None` when missing or absent from the file.
    pub values: Vec<Option<f64>>,
    /// Data lines of the file (header excluded).
    pub n_lines: usize,
    /// `.fam` samples with no line in the file.
    pub n_absent: usize,
    /// `.fam` samples whose value is a missing code (`-9`, `NA`).
    pub n_missing: usize,
    /// Lines naming a sample that is not in the `.fam`.
    pub n_unknown: usize,
    /// The first few unknown `FID IID` pairs, for messages.
    pub unknown_examples: Vec<String>,
    /// Unknown lines whose `IID FID` (the two fields swapped) is a `.fam` sample.
    pub n_swapped: usize,
}

impl PhenoMatch {
    /// Why samples have no phenotype, in words: "3 not in FILE, 2 with a missing value (-9 or
    /// NA)", followed by [`PhenoMatch::describe_unknown`] when lines did not match.
    pub fn describe(&self, path: &Path, missing_codes: &str) -> String {
        let mut parts = Vec::new();
        if self.n_absent > 0 {
            parts.push(format!("{} not in {}", self.n_absent, path.display()));
        }
        if self.n_missing > 0 {
            parts.push(format!("{} with a missing value ({missing_codes})", self.n_missing));
        }
        if self.n_unknown > 0 {
            parts.push(self.describe_unknown());
        }
        parts.join("; ")
    }

    /// "12 of its 40 lines name samples not in the .fam (e.g. F1 I1, F2 I2)", with a hint when
    /// most of them match a `.fam` sample with FID and IID swapped; empty when every line
    /// matched.
    pub fn describe_unknown(&self) -> String {
        if self.n_unknown == 0 {
            return String::new();
        }
        let mut text = format!(
            "{} of its {} lines name samples not in the .fam (e.g. {})",
            self.n_unknown,
            self.n_lines,
            self.unknown_examples.join(", ")
        );
        if self.n_swapped > 0 && self.n_swapped * 2 >= self.n_unknown {
            text.push_str(&format!(
                "; {} of those lines match a .fam sample with FID and IID swapped: the file must give FID first, then IID",
                self.n_swapped
            ));
        }
        text
    }
}

/// [`read_pheno_column`] with the counts of what did not match ([`PhenoMatch`]).
pub fn read_pheno_matched(path: &Path, bed: &Bed, k: usize) -> Result<PhenoMatch, DataError> {
    if k == 0 {
        return Err(DataError::Parameter(
            "phenotype column must be at least 1 (1 is the first value after FID IID), got 0".into(),
        ));
    }
    let index: HashMap<(&str, &str), usize> =
        bed.sample_ids().iter().enumerate().map(|(i, (f, s))| ((f.as_str(), s.as_str()), i)).collect();
    let mut by_iid: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, iid)) in bed.sample_ids().iter().enumerate() {
        by_iid.entry(iid.as_str()).or_default().push(i);
    }
    let mut out = vec![None; bed.n_samples()];
    let mut seen = vec![false; bed.n_samples()];
    let lines = read_fields(path)?;
    // PLINK 2's `#IID …` header: one ID field (the IID, matched whatever the FID)
    let iid_only = lines.first().is_some_and(|(_, f)| f[0].eq_ignore_ascii_case("#iid"));
    let ids = if iid_only { 1 } else { 2 };
    let field = k.saturating_add(ids);
    let (mut n_lines, mut n_unknown, mut n_swapped, mut unknown_examples) = (0, 0, 0, Vec::new());
    for (n_line, (line, f)) in lines.into_iter().enumerate() {
        if n_line == 0 && (f[0].eq_ignore_ascii_case("fid") || f[0].eq_ignore_ascii_case("#fid") || iid_only) {
            continue;
        }
        if f.len() < ids + 1 {
            let expected = if iid_only { "2 fields (IID value)" } else { "3 fields (FID IID value)" };
            return Err(DataError::format(path, format!("line {line}: expected {expected}, found {}", f.len())));
        }
        if f.len() < field {
            return Err(DataError::format(
                path,
                format!(
                    "line {line}: phenotype column {k} (field {field}) requested, but this line has {}",
                    describe_columns(f.len() - ids, ids + 1, "value")
                ),
            ));
        }
        n_lines += 1;
        let value = parse_phenotype(path, line, field, &f[field - 1])?;
        let found: Vec<usize> = if iid_only {
            by_iid.get(f[0].as_str()).cloned().unwrap_or_default()
        } else {
            index.get(&(f[0].as_str(), f[1].as_str())).map(|&i| vec![i]).unwrap_or_default()
        };
        let written = f[..ids].join(" ");
        if found.is_empty() {
            n_unknown += 1;
            if unknown_examples.len() < 3 {
                unknown_examples.push(written);
            }
            if !iid_only && index.contains_key(&(f[1].as_str(), f[0].as_str())) {
                n_swapped += 1;
            }
            continue;
        }
        for i in found {
            if seen[i] {
                return Err(DataError::format(path, format!("line {line}: sample {written} is listed twice")));
            }
            seen[i] = true;
            out[i] = value;
        }
    }
    let n_absent = seen.iter().filter(|s| !**s).count();
    let n_missing = seen.iter().zip(&out).filter(|(s, v)| **s && v.is_none()).count();
    Ok(PhenoMatch { values: out, n_lines, n_absent, n_missing, n_unknown, unknown_examples, n_swapped })
}

/// The samples with an observed phenotype: their indices and values, in order. The number
/// dropped is `pheno.len() - indices.len()`.
pub fn observed_samples(pheno: &[Option<f64>]) -> (Vec<usize>, Array1<f64>) {
    let (rows, values): (Vec<usize>, Vec<f64>) =
        pheno.iter().enumerate().filter_map(|(i, v)| v.map(|v| (i, v))).unzip();
    (rows, Array1::from(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_with_or_without_extension() {
        assert_eq!(fileset_path(Path::new("a/geno"), "fam"), Path::new("a/geno.fam"));
        assert_eq!(fileset_path(Path::new("a/geno.bed"), "bim"), Path::new("a/geno.bim"));
        assert_eq!(fileset_path(Path::new("a/geno.v1"), "bed"), Path::new("a/geno.v1.bed"));
    }

    #[test]
    fn imputes_mean_of_called() {
        let mut v = [2.0, f64::NAN, 1.0, 0.0];
        impute_mean(&mut v);
        assert_eq!(v, [2.0, 1.0, 1.0, 0.0]);
        let mut all = [f64::NAN, f64::NAN];
        impute_mean(&mut all);
        assert_eq!(all, [0.0, 0.0]);
    }

    #[test]
    fn observed_samples_drop_missing() {
        let (rows, y) = observed_samples(&[Some(1.0), None, Some(0.0)]);
        assert_eq!(rows, vec![0, 2]);
        assert_eq!(y.to_vec(), vec![1.0, 0.0]);
    }
}
