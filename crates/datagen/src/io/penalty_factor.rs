//! Per-feature penalty factors (glmnet's `penalty.factor`): one weight `w_j >= 0` per column of
//! X, multiplying the penalty of coefficient j. A weight of 0 leaves the feature unpenalized.
//!
//! Formats, chosen by extension:
//!
//! - `.npy`: a 1-D array of p numbers, or a p × 1 / 1 × p array (float64, float32, integers or
//!   bool, as [`read_vector`](crate::read_vector) accepts);
//! - any other extension, text: one weight per line; or, when the SNP IDs of a PLINK `.bim`
//!   are given, optionally two fields per line, `SNP_ID weight`, matched to the `.bim` by ID
//!   (an optional first line whose second field is not a number, such as `SNP weight`, is a
//!   header). Fields are separated by whitespace, or by commas in a `.csv` file. Blank lines
//!   and lines starting with `#` are ignored.
//!
//! Weights are used as given: unlike glmnet, which rescales them to sum to p, nothing is
//! rescaled here.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use crate::error::DataError;
use crate::io::bim::StringColumn;
use crate::io::cell::{Cell, parse_cell};
use crate::io::matrix::extension;
use crate::io::npy::read_npy_values;

/// Penalty factors read by [`read_penalty_factor`].
#[derive(Debug, Clone, PartialEq)]
pub struct PenaltyFactors {
    /// One weight per column of X (finite, `>= 0`, not all 0), in column order.
    pub weights: Vec<f64>,
    /// Number of SNPs given weight 1 (glmnet's default) because a `SNP_ID weight` file did not
    /// list them; 0 for every other format.
    pub n_defaulted: usize,
    /// Lines of a `SNP_ID weight` file naming a SNP that is not among the fitted SNPs (a
    /// genome-wide weight file is not filtered per fileset): counted and ignored.
    pub n_unknown: usize,
}

/// Reads one non-negative penalty factor per column of X (see the [module](self) docs for the
/// formats).
///
/// - `p` is the number of columns of X; `.npy` and one-weight-per-line files must hold exactly
///   p weights.
/// - `snp_ids`, for a PLINK fileset, are the `.bim` SNP IDs (p of them, in column order). Only
///   then may a text file have two fields per line, `SNP_ID weight`: each listed SNP gets its
///   weight, SNPs not listed keep weight 1 and are counted in
///   [`PenaltyFactors::n_defaulted`]. A one-field file is read as one weight per line, as
///   without `snp_ids`.
///
/// Errors, each naming the file and the line (text) or 0-based element (`.npy`) and the value:
/// a weight that is negative, NaN, missing (`NA`, `.`), infinite or not a number; a count
/// other than p (the message gives both); an empty file (no weights); every weight 0
/// ("nothing is penalized"); lines with different numbers of fields, or more than two; two
/// fields per line without `snp_ids`; a SNP ID that is listed twice, or that the `.bim` itself
/// holds more than once (it cannot be matched by ID); a file none of whose IDs is fitted. IDs
/// not among `snp_ids` are counted in [`PenaltyFactors::n_unknown`] and ignored.
/// `p = 0`, or `snp_ids` of a length other than p, is a [`DataError::Parameter`].
pub fn read_penalty_factor(path: &Path, p: usize, snp_ids: Option<&StringColumn>) -> Result<PenaltyFactors, DataError> {
    if p == 0 {
        return Err(DataError::parameter("penalty factors: X has no columns (p = 0)"));
    }
    if let Some(ids) = snp_ids
        && ids.len() != p
    {
        return Err(DataError::parameter(format!(
            "penalty factors: {} SNP IDs given for p = {p} columns of X",
            ids.len()
        )));
    }
    let factors =
        if extension(path) == "npy" { read_npy(path, p, snp_ids.is_some())? } else { read_text(path, p, snp_ids)? };
    if factors.weights.iter().all(|&w| w == 0.0) {
        return Err(DataError::format(path, "every weight is 0: nothing is penalized"));
    }
    Ok(factors)
}

/// "one per column of X" or "one per SNP of the .bim".
fn one_per(bim: bool) -> &'static str {
    if bim { "one per SNP of the .bim" } else { "one per column of X" }
}

/// A count other than p.
fn count_error(path: &Path, p: usize, found: usize, bim: bool) -> DataError {
    DataError::format(path, format!("expected {p} weights ({}), found {found}", one_per(bim)))
}

/// Reads a `.npy` vector of exactly p valid weights.
fn read_npy(path: &Path, p: usize, bim: bool) -> Result<PenaltyFactors, DataError> {
    let weights = read_npy_values(path)?;
    if weights.is_empty() {
        return Err(DataError::format(path, "empty array: no weights"));
    }
    if weights.len() != p {
        return Err(count_error(path, p, weights.len(), bim));
    }
    for (i, &w) in weights.iter().enumerate() {
        let problem = if !w.is_finite() {
            "is not finite"
        } else if w < 0.0 {
            "is negative"
        } else {
            continue;
        };
        return Err(DataError::format(
            path,
            format!("element {i} (0-based): weight {w} {problem}; penalty factors must be finite numbers >= 0"),
        ));
    }
    Ok(PenaltyFactors { weights: weights.into_iter().map(|w| w + 0.0).collect(), n_defaulted: 0, n_unknown: 0 })
}

/// Parses field `column` (1-based) of line `line` as a weight; `what` says whose weight it is
/// (" for SNP rs1", or empty).
fn parse_weight(path: &Path, line: u64, column: usize, text: &str, what: &str) -> Result<f64, DataError> {
    let problem = match parse_cell(text) {
        // + 0.0 turns -0 into 0
        Cell::Number(v) if v >= 0.0 => return Ok(v + 0.0),
        Cell::Number(_) => "is negative",
        Cell::NonFinite(v) if v.is_nan() => "is missing or NaN",
        Cell::NonFinite(_) => "is not finite",
        Cell::Text => {
            return Err(DataError::NotANumber { path: path.to_path_buf(), line, column, text: text.to_string() });
        }
    };
    Err(DataError::format(
        path,
        format!("line {line}: weight '{text}'{what} {problem}; penalty factors must be finite numbers >= 0"),
    ))
}

/// Reads a text file of one weight per line, or of `SNP_ID weight` lines when `snp_ids` is
/// given.
fn read_text(path: &Path, p: usize, snp_ids: Option<&StringColumn>) -> Result<PenaltyFactors, DataError> {
    let bytes = fs::read(path).map_err(|e| DataError::open(path, e))?;
    let text = String::from_utf8(bytes).map_err(|_| DataError::format(path, "not a text file (invalid UTF-8)"))?;
    let csv = extension(path) == "csv";
    let lines: Vec<(u64, Vec<&str>)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i, if csv { l.split(',').map(str::trim).collect() } else { l.split_whitespace().collect() }))
        .collect();
    let Some((first_line, first)) = lines.first() else {
        return Err(DataError::format(path, "empty file: no weights"));
    };
    let width = first.len();
    if width > 2 {
        return Err(DataError::format(
            path,
            format!(
                "line {first_line}: expected 1 field (weight) or 2 fields (SNP_ID weight), found {width}: '{}'",
                first.join(" ")
            ),
        ));
    }
    if let Some((line, f)) = lines.iter().find(|(_, f)| f.len() != width) {
        return Err(DataError::format(
            path,
            format!(
                "line {line}: expected {width} field{} (as on line {first_line}), found {}",
                if width == 1 { "" } else { "s" },
                f.len()
            ),
        ));
    }
    if width == 1 {
        let weights =
            lines.iter().map(|(line, f)| parse_weight(path, *line, 1, f[0], "")).collect::<Result<Vec<f64>, _>>()?;
        if weights.len() != p {
            return Err(count_error(path, p, weights.len(), snp_ids.is_some()));
        }
        return Ok(PenaltyFactors { weights, n_defaulted: 0, n_unknown: 0 });
    }
    let Some(ids) = snp_ids else {
        return Err(DataError::format(
            path,
            format!(
                "line {first_line}: 2 fields (SNP_ID weight) can only be matched to the SNP IDs of a PLINK .bim; \
                 for this X give one weight per line ({p} lines)"
            ),
        ));
    };
    let header = parse_cell(first[1]) == Cell::Text;
    let data = &lines[usize::from(header)..];
    if data.is_empty() {
        return Err(DataError::format(path, format!("no weights after the header line {first_line}")));
    }
    read_by_id(path, ids, data)
}

/// Where a `.bim` SNP ID is: its 0-based position, and a second position if the ID repeats.
type BimIndex<'a> = HashMap<&'a str, (usize, Option<usize>)>;

/// Assigns the weights of `SNP_ID weight` lines to the `.bim` SNPs; the others keep weight 1.
fn read_by_id(path: &Path, ids: &StringColumn, lines: &[(u64, Vec<&str>)]) -> Result<PenaltyFactors, DataError> {
    let mut index: BimIndex = HashMap::with_capacity(ids.len());
    for (j, id) in ids.iter().enumerate() {
        index
            .entry(id)
            .and_modify(|e| {
                e.1.get_or_insert(j);
            })
            .or_insert((j, None));
    }
    let mut weights = vec![1.0; ids.len()];
    // the line that set each SNP's weight
    let mut set_on: Vec<Option<u64>> = vec![None; ids.len()];
    let mut n_unknown = 0;
    for (line, f) in lines {
        let (id, text) = (f[0], f[1]);
        let j = match index.get(id) {
            None => {
                // still a well-formed line: its weight must be valid
                parse_weight(path, *line, 2, text, &format!(" for SNP '{id}'"))?;
                n_unknown += 1;
                continue;
            }
            Some(&(j, Some(k))) => {
                return Err(DataError::format(
                    path,
                    format!(
                        "line {line}: SNP '{id}' appears more than once in the .bim (SNPs {} and {}, 1-based), \
                         so it cannot be matched by ID",
                        j + 1,
                        k + 1
                    ),
                ));
            }
            Some(&(j, None)) => j,
        };
        if let Some(first) = set_on[j] {
            return Err(DataError::format(
                path,
                format!("line {line}: SNP '{id}' is listed twice (first on line {first})"),
            ));
        }
        weights[j] = parse_weight(path, *line, 2, text, &format!(" for SNP '{id}'"))?;
        set_on[j] = Some(*line);
    }
    let n_defaulted = set_on.iter().filter(|s| s.is_none()).count();
    if n_unknown == lines.len() {
        return Err(DataError::format(
            path,
            format!(
                "none of its {} SNP IDs (e.g. {}) is among the {} SNPs fitted",
                lines.len(),
                lines.iter().take(3).map(|(_, f)| f[0]).collect::<Vec<_>>().join(", "),
                ids.len()
            ),
        ));
    }
    Ok(PenaltyFactors { weights, n_defaulted, n_unknown })
}
