//! Unpenalized covariates (age, sex, principal components, batch, …): columns added to X whose
//! coefficients are not penalized.
//!
//! Two inputs, matching the two kinds of X:
//!
//! - [`read_covariate_matrix`], for a dense X: an n × q numeric matrix, `.npy` or CSV, rows in
//!   the order of X's rows;
//! - [`read_covariate_table`], for a PLINK fileset: a whitespace-separated table
//!   `FID IID c1 … cq` matched to the `.fam` by (FID, IID), with PLINK's missing codes and
//!   categorical columns expanded into indicator columns.
//!
//! Neither checks whether a numeric covariate is constant or collinear with others: the solver
//! does that after standardization.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use ndarray::{Array2, ShapeBuilder};

use crate::error::DataError;
use crate::io::bed::read_fields;
use crate::io::cell::{Cell, is_plink_missing, parse_cell};
use crate::io::matrix::{extension, first_non_finite, unknown_extension};
use crate::io::npy::NpyFile;
use crate::io::text::read_text_array;

/// Covariate values for the samples of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariates {
    /// One name per column of `values`: a CSV header's names, the table's header names (with
    /// categorical columns expanded to `<column>=<level>`), or `cov1`, `cov2`, … (1-based).
    pub names: Vec<String>,
    /// The n × q values, one row per sample, in column-major (Fortran) layout; all finite.
    pub values: Array2<f64>,
}

/// A PLINK covariate table read by [`read_covariate_table`], matched to the `.fam` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateTable {
    /// Column names after expanding categorical columns: a numeric column keeps its name, a
    /// categorical column `c` becomes `c=<level>` for each level but the reference (the first in
    /// sorted order).
    pub names: Vec<String>,
    /// One entry per `.fam` sample, in `.fam` order: the sample's values (one per name), or
    /// `None` when the sample is absent from the file or misses any covariate.
    pub values: Vec<Option<Vec<f64>>>,
    /// `.fam` samples that are not in the file.
    pub n_absent: usize,
    /// `.fam` samples that are in the file but miss at least one covariate.
    pub n_missing: usize,
    /// Lines of the file whose (FID, IID) is not in the `.fam` (ignored, not an error).
    pub n_unknown: usize,
    /// The file's columns as read: how each is encoded into [`CovariateTable::names`], so that
    /// another cohort's table can be encoded the same way ([`read_covariate_table_as`]).
    pub columns: Vec<CovariateColumn>,
}

/// One column of a covariate table and its encoding.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CovariateColumn {
    /// The column's header name (`cov<i>` without a header).
    pub name: String,
    /// `None` for a numeric column; for a categorical one every level in sorted order, the
    /// first the dropped reference, the others indicator columns `<name>=<level>`.
    pub levels: Option<Vec<String>>,
}

impl CovariateTable {
    /// The covariates of the `.fam` samples `kept` (0-based `.fam` indices), in that order, as a
    /// `kept.len()` × q column-major matrix.
    ///
    /// Every kept sample must have values (`Some` in [`CovariateTable::values`]); an index out of
    /// range or a sample without values is a [`DataError::Parameter`] naming it.
    pub fn rows(&self, kept: &[usize]) -> Result<Covariates, DataError> {
        let q = self.names.len();
        let mut values = Array2::zeros((kept.len(), q).f());
        for (r, &i) in kept.iter().enumerate() {
            let row = match self.values.get(i) {
                None => {
                    return Err(DataError::parameter(format!(
                        "covariates: sample index {i} is out of range ({} .fam samples)",
                        self.values.len()
                    )));
                }
                Some(None) => {
                    return Err(DataError::parameter(format!(
                        "covariates: .fam sample {} (line {}) has no covariate values: it is absent from the \
                         covariate file or misses a value; keep only samples with values",
                        i + 1,
                        i + 1
                    )));
                }
                Some(Some(row)) => row,
            };
            if row.len() != q {
                return Err(DataError::parameter(format!(
                    "covariates: .fam sample {} (line {}) has {} values for {q} names",
                    i + 1,
                    i + 1,
                    row.len()
                )));
            }
            for (j, &v) in row.iter().enumerate() {
                values[[r, j]] = v;
            }
        }
        Ok(Covariates { names: self.names.clone(), values })
    }
}

/// `cov1`, `cov2`, …, `cov<q>`.
fn default_names(q: usize) -> Vec<String> {
    (1..=q).map(|j| format!("cov{j}")).collect()
}

/// Reads an n × q covariate matrix for a dense X of n rows, choosing the format by extension:
///
/// - `.npy`: a 2-D array of shape (n, q), any layout, float64, float32, integers or bool; or a
///   1-D array of length n, read as one covariate;
/// - `.csv` (comma), `.tsv` (tab), `.txt` (tab if its first line has one, comma otherwise):
///   numeric text with n data rows and an optional header row of names, recognized as in
///   [`read_matrix`](crate::read_matrix) (a first row with any non-numeric cell).
///
/// Names are the header's, or `cov1`, `cov2`, … (1-based). Errors name the file: a row count
/// other than n (both counts are given), zero columns, a NaN or infinity (its row and column,
/// 0-based), a non-numeric cell (line and column), an unknown extension.
pub fn read_covariate_matrix(path: &Path, n: usize) -> Result<Covariates, DataError> {
    let (values, names) = match extension(path).as_str() {
        "npy" => (read_npy_covariates(path)?, None),
        "csv" | "tsv" | "txt" => read_text_array(path)?,
        other => return Err(unknown_extension(path, other)),
    };
    let (rows, q) = values.dim();
    if q == 0 {
        return Err(DataError::format(path, "no covariates (0 columns)"));
    }
    if rows != n {
        return Err(DataError::format(path, format!("expected {n} rows (one per row of X), found {rows}")));
    }
    if let Some((value, row, column)) = first_non_finite(values.as_slice_memory_order().expect("contiguous"), rows) {
        return Err(DataError::NonFinite { path: path.to_path_buf(), value, row, column });
    }
    let names = names.unwrap_or_else(|| default_names(q));
    Ok(Covariates { names, values })
}

/// Reads a 2-D `.npy` array, or a 1-D one as a single column, into a column-major array.
fn read_npy_covariates(path: &Path) -> Result<Array2<f64>, DataError> {
    let file = NpyFile::open(path)?;
    match *file.shape.as_slice() {
        [len] => Ok(Array2::from_shape_vec((len, 1).f(), file.to_flat_vec()).expect("len values")),
        [_, _] => Ok(file.to_fortran_matrix()),
        _ => Err(DataError::format(
            path,
            format!(
                "expected a 2-D array (samples x covariates) or a 1-D array (one covariate), found {}-D shape {:?}",
                file.shape.len(),
                file.shape
            ),
        )),
    }
}

/// The covariate names of a header line (`FID IID name…`, `#FID IID name…` or `# FID IID
/// name…`, FID and IID in any case), or `None` if `fields` is not a header.
fn header_names(fields: &[String]) -> Option<Vec<String>> {
    let f = if fields.first().is_some_and(|f| f == "#") { &fields[1..] } else { fields };
    let [fid, iid, names @ ..] = f else {
        return None;
    };
    let fid = fid.strip_prefix('#').unwrap_or(fid);
    (fid.eq_ignore_ascii_case("fid") && iid.eq_ignore_ascii_case("iid")).then(|| names.to_vec())
}

/// How a covariate column is encoded.
#[derive(Clone)]
enum Kind {
    /// Numbers, used as they are.
    Numeric,
    /// Text levels, all of them in sorted order; the first is the reference.
    Categorical(Vec<String>),
}

/// Reads a PLINK covariate table of another cohort (new samples for `regpath predict`, for
/// instance) encoded as a training table was: the columns `columns` are looked up by header
/// name (other columns are ignored; without a header, by position as `cov1`, `cov2`, …), a
/// numeric column is read as numbers and a categorical one becomes the training's indicator
/// columns. A level the training data did not have is an error naming it (it has no
/// coefficient); a training column missing from the file is an error. Matching to `samples`,
/// missing codes and counts are as in [`read_covariate_table`].
pub fn read_covariate_table_as(
    path: &Path,
    samples: &[(String, String)],
    columns: &[CovariateColumn],
) -> Result<CovariateTable, DataError> {
    read_table(path, samples, Some(columns))
}

/// A numeric covariate cell: `None` when missing, an error when infinite or not a number.
fn numeric_value(path: &Path, line: u64, field: usize, name: &str, text: &str) -> Result<Option<f64>, DataError> {
    match parse_cell(text) {
        cell if is_plink_missing(cell) => Ok(None),
        Cell::Number(v) => Ok(Some(v)),
        Cell::NonFinite(_) => Err(DataError::format(
            path,
            format!("line {line}, field {field} (covariate '{name}'): infinite value '{text}'"),
        )),
        Cell::Text => {
            Err(DataError::NotANumber { path: path.to_path_buf(), line, column: field, text: text.to_string() })
        }
    }
}

/// Reads a PLINK covariate table and matches it to the `.fam` samples `samples` (FID, IID, in
/// `.fam` order).
///
/// Format: whitespace-separated, one line per sample, `FID IID c1 … cq` with q >= 1; blank lines
/// are ignored. The first line may be a header whose first two fields are `FID` and `IID` (any
/// case, optionally `#FID` or a separate leading `#`); its other fields name the covariates.
/// Without a header the names are `cov1`, `cov2`, … (1-based). Every line must have as many
/// fields as the first.
///
/// Missing values are PLINK's codes, as [`read_pheno_column`](crate::read_pheno_column) reads
/// them: `-9` (also `-9.0`), `NA` (any case), `NaN` and `.`. A sample in the file with a missing
/// value in any covariate gets `None` and is counted in [`CovariateTable::n_missing`]; `.fam`
/// samples absent from the file get `None` and are counted in [`CovariateTable::n_absent`];
/// lines of samples not in the `.fam` are counted in [`CovariateTable::n_unknown`] and
/// otherwise ignored (only their number of fields, and that they are not listed twice, is
/// checked).
///
/// Column types are decided on the lines of `.fam` samples: a column whose non-missing values
/// are all numbers is numeric (an infinity is an error); a column with any other value is
/// categorical. Its levels are its distinct non-missing texts on those lines, compared exactly
/// (`M` and `m`, `1` and `1.0` are different levels) and sorted as strings (byte order, so `10`
/// sorts before `9`). The first level is the reference and is dropped; every other level
/// becomes a 0/1 indicator column named `<column>=<level>`, in sorted order, in place of the
/// column.
///
/// Errors, naming the file and the line (and field, covariate or value where there is one): an
/// empty file, a header and no data lines, no covariate column (only FID and IID), a header
/// naming a covariate twice, a line with a different number of fields than the first, a sample
/// listed twice, no line matching a `.fam` sample, a column with no value for any `.fam` sample
/// in the file, a categorical column with a single level among them ("constant"), an infinite
/// numeric value. A `.fam` listing a sample twice is a [`DataError::Parameter`].
pub fn read_covariate_table(path: &Path, samples: &[(String, String)]) -> Result<CovariateTable, DataError> {
    read_table(path, samples, None)
}

/// [`read_covariate_table`], with the encoding of `fixed` when given.
fn read_table(
    path: &Path,
    samples: &[(String, String)],
    fixed: Option<&[CovariateColumn]>,
) -> Result<CovariateTable, DataError> {
    let mut index: HashMap<(&str, &str), usize> = HashMap::with_capacity(samples.len());
    for (i, (fid, iid)) in samples.iter().enumerate() {
        if let Some(first) = index.insert((fid, iid), i) {
            return Err(DataError::parameter(format!(
                "the .fam lists sample {fid} {iid} twice (samples {} and {}, 1-based)",
                first + 1,
                i + 1
            )));
        }
    }

    let lines = read_fields(path)?;
    let Some((first_line, first)) = lines.first() else {
        return Err(DataError::format(path, "empty file: no samples"));
    };
    let header = header_names(first);
    let width = header.as_ref().map_or(first.len(), |names| names.len() + 2);
    match width {
        0 | 1 => {
            return Err(DataError::format(
                path,
                format!("line {first_line}: expected FID, IID and at least one covariate, found 1 field"),
            ));
        }
        2 => return Err(DataError::format(path, format!("no covariates: line {first_line} has only FID and IID"))),
        _ => {}
    }
    let q = width - 2;
    let has_header = header.is_some();
    let raw_names = header.unwrap_or_else(|| default_names(q));
    let mut name_field: HashMap<&str, usize> = HashMap::with_capacity(q);
    for (c, name) in raw_names.iter().enumerate() {
        if let Some(field) = name_field.insert(name, c + 3) {
            return Err(DataError::format(
                path,
                format!(
                    "line {first_line}: covariate name '{name}' appears twice in the header (fields {field} and {})",
                    c + 3
                ),
            ));
        }
    }

    let data = &lines[usize::from(has_header)..];
    if data.is_empty() {
        return Err(DataError::format(path, format!("no samples after the header line {first_line}")));
    }
    let mut seen: HashMap<(&str, &str), u64> = HashMap::with_capacity(data.len());
    // (line, .fam index, covariate fields) of the lines of .fam samples
    let mut matched: Vec<(u64, usize, &[String])> = Vec::with_capacity(data.len().min(samples.len()));
    let mut n_unknown = 0;
    for (line, f) in data {
        if f.len() != width {
            return Err(DataError::format(
                path,
                format!(
                    "line {line}: expected {width} fields (FID, IID and {q} covariate{}, as on line {first_line}), found {}",
                    if q == 1 { "" } else { "s" },
                    f.len()
                ),
            ));
        }
        let id = (f[0].as_str(), f[1].as_str());
        if let Some(first) = seen.insert(id, *line) {
            return Err(DataError::format(
                path,
                format!("line {line}: sample {} {} is listed twice (first on line {first})", f[0], f[1]),
            ));
        }
        match index.get(&id) {
            Some(&i) => matched.push((*line, i, &f[2..])),
            None => n_unknown += 1,
        }
    }
    if matched.is_empty() {
        let (line, f) = &data[0];
        return Err(DataError::format(
            path,
            format!(
                "none of the {} samples in the file is in the .fam (line {line}: FID '{}' IID '{}'); \
                 the first two fields must be FID and IID as in the .fam",
                data.len(),
                f[0],
                f[1]
            ),
        ));
    }

    // (position among the file's covariate fields, kind) of each column used
    let used: Vec<(usize, Kind)> = match fixed {
        Some(columns) => columns
            .iter()
            .map(|col| {
                let c = raw_names.iter().position(|n| *n == col.name).ok_or_else(|| {
                    DataError::format(
                        path,
                        format!(
                            "covariate '{}' of the model is not a column of this file (its columns: {})",
                            col.name,
                            raw_names.join(", ")
                        ),
                    )
                })?;
                Ok((c, col.levels.clone().map_or(Kind::Numeric, Kind::Categorical)))
            })
            .collect::<Result<_, DataError>>()?,
        None => infer_kinds(path, &raw_names, &matched)?.into_iter().enumerate().collect(),
    };
    let mut names = Vec::with_capacity(q);
    for (c, kind) in &used {
        let name = &raw_names[*c];
        match kind {
            Kind::Numeric => names.push(name.clone()),
            Kind::Categorical(levels) => names.extend(levels[1..].iter().map(|level| format!("{name}={level}"))),
        }
    }

    let mut values = vec![None; samples.len()];
    let mut n_missing = 0;
    'samples: for (line, i, cov) in &matched {
        let mut row = Vec::with_capacity(names.len());
        for (c, kind) in &used {
            let (c, text) = (*c, &cov[*c]);
            match kind {
                Kind::Numeric => {
                    let Some(v) = numeric_value(path, *line, c + 3, &raw_names[c], text)? else {
                        n_missing += 1;
                        continue 'samples;
                    };
                    row.push(v);
                }
                Kind::Categorical(_) if is_plink_missing(parse_cell(text)) => {
                    n_missing += 1;
                    continue 'samples;
                }
                Kind::Categorical(levels) => {
                    if !levels.contains(text) {
                        return Err(DataError::format(
                            path,
                            format!(
                                "line {line}, field {} (covariate '{}'): level '{text}' is not one of the training levels ({})",
                                c + 3,
                                raw_names[c],
                                levels.join(", ")
                            ),
                        ));
                    }
                    row.extend(levels[1..].iter().map(|level| if level == text { 1.0 } else { 0.0 }));
                }
            }
        }
        values[*i] = Some(row);
    }
    let columns = used
        .iter()
        .map(|(c, kind)| CovariateColumn {
            name: raw_names[*c].clone(),
            levels: match kind {
                Kind::Numeric => None,
                Kind::Categorical(levels) => Some(levels.clone()),
            },
        })
        .collect();
    Ok(CovariateTable { names, values, n_absent: samples.len() - matched.len(), n_missing, n_unknown, columns })
}

/// Decides each column's kind on the lines of `.fam` samples (see [`read_covariate_table`]).
fn infer_kinds(path: &Path, raw_names: &[String], matched: &[(u64, usize, &[String])]) -> Result<Vec<Kind>, DataError> {
    let mut kinds = Vec::with_capacity(raw_names.len());
    for (c, name) in raw_names.iter().enumerate() {
        let field = c + 3;
        let present: Vec<(u64, &str, Cell)> = matched
            .iter()
            .map(|(line, _, cov)| (*line, cov[c].as_str(), parse_cell(&cov[c])))
            .filter(|(_, _, cell)| !is_plink_missing(*cell))
            .collect();
        if present.is_empty() {
            return Err(DataError::format(
                path,
                format!(
                    "covariate '{name}' (field {field}) has no value for any of the {} .fam samples in the file",
                    matched.len()
                ),
            ));
        }
        if present.iter().any(|(_, _, cell)| *cell == Cell::Text) {
            let levels: BTreeSet<&str> = present.iter().map(|(_, text, _)| *text).collect();
            if levels.len() == 1 {
                return Err(DataError::format(
                    path,
                    format!(
                        "categorical covariate '{name}' (field {field}) has a single level '{}' among the .fam \
                         samples in the file: it is constant",
                        present[0].1
                    ),
                ));
            }
            kinds.push(Kind::Categorical(levels.into_iter().map(str::to_string).collect()));
        } else {
            for (line, text, _) in &present {
                numeric_value(path, *line, field, name, text)?;
            }
            kinds.push(Kind::Numeric);
        }
    }

    Ok(kinds)
}
