//! Sample selection files: PLINK's `--keep`/`--remove` lists (`FID IID` per line) and 0-based
//! row-index lists for dense inputs.

use std::collections::HashMap;
use std::path::Path;

use crate::error::DataError;
use crate::io::bed::read_fields;

/// The `.fam` samples a `FID IID` list names, as a mask, and how many of its entries name no
/// sample of the fileset.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleList {
    /// `listed[i]`: sample i of the `.fam` is on the list.
    pub listed: Vec<bool>,
    /// Entries (lines) of the list.
    pub n_entries: usize,
    /// Entries whose sample is not in the `.fam` (counted, not an error).
    pub n_unknown: usize,
    /// The first few unknown entries as written (`FID IID` or `IID`), for messages.
    pub unknown_examples: Vec<String>,
}

/// How many unknown entries a [`SampleList`] keeps for messages.
pub const UNKNOWN_EXAMPLES: usize = 3;

impl SampleList {
    /// "; 12 of its 40 entries name samples not in the .fam (e.g. F1 I1, F2 I2)", or "".
    pub fn describe_unknown(&self) -> String {
        if self.n_unknown == 0 {
            return String::new();
        }
        format!(
            "; {} of its {} entries name samples not in the .fam (e.g. {})",
            self.n_unknown,
            self.n_entries,
            self.unknown_examples.join(", ")
        )
    }
}

/// Reads a sample list in PLINK's `--keep`/`--remove` formats against the `.fam` samples:
///
/// - PLINK 1: `FID IID` per line, further fields ignored;
/// - PLINK 2: an optional header line `#FID IID …` (then `FID IID` per line) or `#IID …`
///   (then the first field is the IID), and without a header one-field lines are IIDs;
/// - an IID alone matches every `.fam` sample with that IID, whatever its FID;
/// - blank lines and other lines starting with `#` are skipped.
pub fn read_sample_list(path: &Path, samples: &[(String, String)]) -> Result<SampleList, DataError> {
    let index: HashMap<(&str, &str), usize> =
        samples.iter().enumerate().map(|(i, (f, s))| ((f.as_str(), s.as_str()), i)).collect();
    let mut by_iid: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (_, iid)) in samples.iter().enumerate() {
        by_iid.entry(iid.as_str()).or_default().push(i);
    }
    let mut listed = vec![false; samples.len()];
    let (mut n_entries, mut n_unknown, mut unknown_examples) = (0, 0, Vec::new());
    let mut iid_only_header = false;
    for (position, (_, fields)) in read_fields(path)?.into_iter().enumerate() {
        if fields[0].starts_with('#') {
            if position == 0 {
                iid_only_header = fields[0].eq_ignore_ascii_case("#IID");
            }
            continue;
        }
        n_entries += 1;
        let (found, written): (Vec<usize>, String) = if iid_only_header || fields.len() == 1 {
            (by_iid.get(fields[0].as_str()).cloned().unwrap_or_default(), fields[0].clone())
        } else {
            (
                index.get(&(fields[0].as_str(), fields[1].as_str())).map(|&i| vec![i]).unwrap_or_default(),
                format!("{} {}", fields[0], fields[1]),
            )
        };
        if found.is_empty() {
            n_unknown += 1;
            if unknown_examples.len() < UNKNOWN_EXAMPLES {
                unknown_examples.push(written);
            }
        }
        for i in found {
            listed[i] = true;
        }
    }
    Ok(SampleList { listed, n_entries, n_unknown, unknown_examples })
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
