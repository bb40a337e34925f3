//! Sample selection files: PLINK's `--keep`/`--remove` lists (`FID IID` per line) and 0-based
//! row-index lists for dense inputs.

use std::collections::HashMap;
use std::path::Path;

use crate::error::DataError;
use crate::io::bed::read_fields;

/// The `.fam` samples a `FID IID` list names, as a mask, and how many of its lines name no
/// sample of the fileset.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleList {
    /// `listed[i]`: sample i of the `.fam` is on the list.
    pub listed: Vec<bool>,
    /// Lines whose FID IID is not in the `.fam` (counted, not an error).
    pub n_unknown: usize,
}

/// Reads a `FID IID` list (PLINK's `--keep`/`--remove` format: whitespace-separated, further
/// fields ignored, blank lines and lines starting with `#` skipped) against the `.fam` samples.
/// A line with fewer than two fields is an error naming it.
pub fn read_sample_list(path: &Path, samples: &[(String, String)]) -> Result<SampleList, DataError> {
    let index: HashMap<(&str, &str), usize> =
        samples.iter().enumerate().map(|(i, (f, s))| ((f.as_str(), s.as_str()), i)).collect();
    let mut listed = vec![false; samples.len()];
    let mut n_unknown = 0;
    for (line, fields) in read_fields(path)? {
        if fields[0].starts_with('#') {
            continue;
        }
        if fields.len() < 2 {
            return Err(DataError::format(path, format!("line {line}: expected FID IID, found 1 field")));
        }
        match index.get(&(fields[0].as_str(), fields[1].as_str())) {
            Some(&i) => listed[i] = true,
            None => n_unknown += 1,
        }
    }
    Ok(SampleList { listed, n_unknown })
}

/// Reads 0-based row indices (one per line; blank lines and `#` lines skipped) of a matrix
/// with `n` rows, returned sorted. A value that is not an index below n, or an index given
/// twice, is an error naming the line; an empty list is an error.
pub fn read_row_indices(path: &Path, n: usize) -> Result<Vec<usize>, DataError> {
    let mut rows = Vec::new();
    let mut seen = vec![false; n];
    for (line, fields) in read_fields(path)? {
        if fields[0].starts_with('#') {
            continue;
        }
        let i: usize = fields[0]
            .parse()
            .map_err(|_| DataError::format(path, format!("line {line}: '{}' is not a 0-based row index", fields[0])))?;
        if i >= n {
            return Err(DataError::format(path, format!("line {line}: row {i} is out of range (X has {n} rows)")));
        }
        if seen[i] {
            return Err(DataError::format(path, format!("line {line}: row {i} is listed twice")));
        }
        seen[i] = true;
        rows.push(i);
    }
    if rows.is_empty() {
        return Err(DataError::format(path, "no row index"));
    }
    rows.sort_unstable();
    Ok(rows)
}
