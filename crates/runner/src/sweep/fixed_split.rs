//! A dataset's own split and folds (`split = "FILE"`, `folds = "FILE"` of a file or PLINK
//! dataset; docs/sweep.md, *Your own split and folds*).
//!
//! - `split`: the part of every sample — `train`, `validation` or `test` (also `0` = train,
//!   `1` = test, `2` = validation, as in a `.npy` vector of integers);
//! - `folds`: the 1-based CV fold of every training sample, `NA` (or `0`) for the others.
//!
//! A PLINK dataset's files are `FID IID VALUE` tables keyed by the `.fam` ids (order free, as
//! PLINK's `--keep` files; an optional header line starting with `FID` or `#FID` names the
//! columns, and the value is then read from the column named `part` or `fold`); a matrix
//! dataset's are one value per line in row order, a table with a header naming a `row` column
//! (0-based row of X, order free), or a `.npy` vector. So the `splits/<dataset>__r<k>.txt` a
//! sweep writes (`FID IID part fold`, `row part fold`) can be given back as both `split` and
//! `folds`. Every error names the dataset entry, the file and the line.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::config::{DatasetConfig, EvaluationConfig, Method};
use super::part::Part;
use crate::load::{LoadedInput, LoadedX};

/// The assignment a dataset's files fix, per dataset row (sample in the dataset's order).
#[derive(Clone, Debug)]
pub struct FixedSplit {
    /// The part of each row, from `split` (or, with `folds` alone, train for a sample with a
    /// fold and test for the others).
    pub part: Vec<Part>,
    /// The 0-based CV fold of each row (`None` outside the training part), from `folds`.
    pub fold: Option<Vec<Option<usize>>>,
    /// CV folds: the file's K, or `evaluation.folds` when the folds are drawn at random.
    pub k: usize,
}

/// Where a value was read: the file and its line (or `.npy` element) of each dataset row.
struct Located {
    /// `datasets[i].split FILE`.
    what: String,
    npy: bool,
    /// The raw value and the 1-based line (0-based element of a `.npy`) of each row.
    values: Vec<(String, usize)>,
}

impl Located {
    fn at(&self, row: usize) -> String {
        let (_, k) = self.values[row];
        if self.npy { format!("{}: element {k}", self.what) } else { format!("{}: line {k}", self.what) }
    }
}

/// The ids of a dataset's rows: row numbers, or `.fam` ids.
enum Ids<'a> {
    Matrix(usize),
    Plink { fam: &'a [(String, String)], rows: Option<&'a [usize]> },
}

impl Ids<'_> {
    fn len(&self) -> usize {
        match self {
            Ids::Matrix(n) => *n,
            Ids::Plink { fam, rows } => rows.map_or(fam.len(), <[usize]>::len),
        }
    }

    fn label(&self, row: usize) -> String {
        match self {
            Ids::Matrix(_) => format!("row {row}"),
            Ids::Plink { fam, rows } => {
                let (f, i) = &fam[rows.map_or(row, |r| r[row])];
                format!("{f} {i}")
            }
        }
    }
}

/// `NA`, `na`, `.`, `-` or an empty `.npy` value (NaN): no fold.
fn is_na(v: &str) -> bool {
    matches!(v, "NA" | "na" | "NaN" | "nan" | "." | "-")
}

/// A split label.
fn parse_part(v: &str) -> Option<Part> {
    match v.to_ascii_lowercase().as_str() {
        "train" | "training" | "0" | "0.0" => Some(Part::Train),
        "validation" | "valid" | "val" | "2" | "2.0" => Some(Part::Validation),
        "test" | "1" | "1.0" => Some(Part::Test),
        _ => None,
    }
}

/// A fold number: `Some(Some(f))` for 1-based f ≥ 1 (`3` or `3.0`), `Some(None)` for no fold
/// (`NA`, `0`), `None` for anything else.
fn parse_fold(v: &str) -> Option<Option<usize>> {
    if is_na(v) {
        return Some(None);
    }
    let f: f64 = v.parse().ok()?;
    if f == 0.0 {
        return Some(None);
    }
    (f >= 1.0 && f.fract() == 0.0 && f < 1e9).then_some(Some(f as usize))
}

/// The value of `column` for every row of the dataset, read from `path`.
fn read_values(path: &Path, what: &str, column: &str, ids: &Ids<'_>) -> Result<Located> {
    let n = ids.len();
    let npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    if npy {
        if matches!(ids, Ids::Plink { .. }) {
            bail!("{what}: a PLINK dataset's {column} file is a `FID IID {}` table, not a .npy", column.to_uppercase());
        }
        let v = regpath_datagen::read_vector(path).with_context(|| format!("{what}: cannot read it"))?;
        if v.len() != n {
            bail!("{what}: {} values for the dataset's {n} samples (one per row of X)", v.len());
        }
        let values = v
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let s = if x.is_nan() {
                    "NA".to_string()
                } else if x.fract() == 0.0 && x.abs() < 1e15 {
                    format!("{}", x as i64)
                } else {
                    format!("{x}")
                };
                (s, i)
            })
            .collect();
        return Ok(Located { what: what.to_string(), npy, values });
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("{what}: cannot read it"))?;
    let mut lines: Vec<(usize, Vec<&str>)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && (!l.starts_with('#') || l.starts_with("#FID")))
        .map(|(i, l)| (i, l.split_whitespace().collect()))
        .collect();
    let is_header = |fields: &[&str]| {
        fields.iter().any(|f| {
            let f = f.trim_start_matches('#').to_ascii_lowercase();
            matches!(f.as_str(), "fid" | "iid" | "row" | "part" | "fold")
        })
    };
    let header: Option<Vec<String>> = match lines.first() {
        Some((_, f)) if is_header(f) => {
            Some(f.iter().map(|h| h.trim_start_matches('#').to_ascii_lowercase()).collect())
        }
        _ => None,
    };
    if header.is_some() {
        lines.remove(0);
    }
    let named = |name: &str| header.as_ref().and_then(|h| h.iter().position(|c| c == name));
    let mut at_row: Vec<Option<(String, usize)>> = vec![None; n];
    match ids {
        Ids::Plink { fam, rows } => {
            let value_col = match (&header, named(column)) {
                (_, Some(c)) => c,
                (None, None) => 2,
                (Some(h), None) if h.len() == 3 => 2,
                (Some(h), None) => {
                    bail!("{what}: its header ({}) has no column `{column}`", h.join(" "))
                }
            };
            if value_col < 2 {
                bail!("{what}: the `{column}` column must come after FID and IID");
            }
            // dataset row of each .fam sample
            let mut row_of: Vec<Option<usize>> = vec![None; fam.len()];
            match rows {
                Some(r) => r.iter().enumerate().for_each(|(row, &i)| row_of[i] = Some(row)),
                None => (0..fam.len()).for_each(|i| row_of[i] = Some(i)),
            }
            let mut position: HashMap<(&str, &str), usize> = HashMap::with_capacity(fam.len());
            for (i, (f, s)) in fam.iter().enumerate() {
                position.entry((f.as_str(), s.as_str())).or_insert(i);
            }
            let mut seen = vec![false; fam.len()];
            let mut outside = 0usize;
            for (line, fields) in &lines {
                if fields.len() <= value_col {
                    bail!(
                        "{what}: line {line}: expected `FID IID {}`{}, got {:?}",
                        column.to_uppercase(),
                        if value_col > 2 { format!(" (its value in field {})", value_col + 1) } else { String::new() },
                        fields.join(" ")
                    );
                }
                let Some(&i) = position.get(&(fields[0], fields[1])) else {
                    bail!("{what}: line {line}: sample {} {} is not in the .fam", fields[0], fields[1]);
                };
                if std::mem::replace(&mut seen[i], true) {
                    bail!("{what}: line {line}: sample {} {} is listed twice", fields[0], fields[1]);
                }
                match row_of[i] {
                    Some(row) => at_row[row] = Some((fields[value_col].to_string(), *line)),
                    None => outside += 1,
                }
            }
            if outside > 0 {
                eprintln!(
                    "note: {what}: {outside} listed sample{} of the .fam {} not in the dataset (no phenotype or \
                     covariates): ignored",
                    if outside == 1 { "" } else { "s" },
                    if outside == 1 { "is" } else { "are" }
                );
            }
        }
        Ids::Matrix(_) => match named("row") {
            Some(row_col) => {
                let h = header.as_ref().expect("a named column has a header");
                let value_col = match named(column) {
                    Some(c) => c,
                    None if h.len() == 2 => 1 - row_col,
                    None => bail!("{what}: its header ({}) has no column `{column}`", h.join(" ")),
                };
                for (line, fields) in &lines {
                    if fields.len() <= row_col.max(value_col) {
                        bail!("{what}: line {line}: expected the {} columns of its header, got {:?}", h.len(), {
                            fields.join(" ")
                        });
                    }
                    let row: usize = fields[row_col].parse().ok().filter(|&r| r < n).with_context(|| {
                        format!("{what}: line {line}: row {:?} is not a row of X (0 to {})", fields[row_col], n - 1)
                    })?;
                    if at_row[row].is_some() {
                        bail!("{what}: line {line}: row {row} is listed twice");
                    }
                    at_row[row] = Some((fields[value_col].to_string(), *line));
                }
            }
            None => {
                let value_col = match (&header, named(column)) {
                    (None, _) => 0,
                    (Some(_), Some(c)) => c,
                    (Some(h), None) if h.len() == 1 => 0,
                    (Some(h), None) => bail!("{what}: its header ({}) has no column `{column}`", h.join(" ")),
                };
                if lines.len() != n {
                    bail!(
                        "{what}: {} values for the dataset's {n} samples (one per line in row order, or a header \
                         naming a `row` column)",
                        lines.len()
                    );
                }
                for (row, (line, fields)) in lines.iter().enumerate() {
                    if header.is_none() && fields.len() != 1 {
                        bail!(
                            "{what}: line {line}: expected one value per line (or a header naming the `row` and \
                             `{column}` columns), got {:?}",
                            fields.join(" ")
                        );
                    }
                    let Some(v) = fields.get(value_col) else {
                        bail!("{what}: line {line}: no `{column}` value (field {})", value_col + 1);
                    };
                    at_row[row] = Some((v.to_string(), *line));
                }
            }
        },
    }
    let missing: Vec<usize> = (0..n).filter(|&r| at_row[r].is_none()).collect();
    if let Some(&first) = missing.first() {
        bail!(
            "{what}: {} of the dataset's {n} samples {} not listed (first: {})",
            missing.len(),
            if missing.len() == 1 { "is" } else { "are" },
            ids.label(first)
        );
    }
    Ok(Located { what: what.to_string(), npy, values: at_row.into_iter().map(Option::unwrap_or_default).collect() })
}

impl FixedSplit {
    /// Reads the `split` and `folds` files of dataset entry `index` (none: `None`) and checks
    /// them against the evaluation: labels, fold numbers 1..K each used, parts that agree
    /// between the two files, a test part exactly when test metrics are asked for
    /// (`evaluation.test > 0`), a validation part exactly with `method = "validation"`.
    pub fn read(
        entry: &DatasetConfig,
        index: usize,
        input: &LoadedInput,
        e: &EvaluationConfig,
    ) -> Result<Option<FixedSplit>> {
        if entry.split.is_none() && entry.folds.is_none() {
            return Ok(None);
        }
        let ids = match &input.x {
            LoadedX::Dense(m) => Ids::Matrix(m.n_rows()),
            LoadedX::Bed { bed, rows, .. } => Ids::Plink { fam: bed.sample_ids(), rows: rows.as_deref() },
        };
        let n = ids.len();
        let name = |key: &str, path: &Path| format!("datasets[{index}].{key} {}", path.display());
        if let Some(path) = &entry.folds
            && e.method != Method::Cv
        {
            bail!("{}: CV folds need evaluation.method = \"cv\" (method is \"validation\")", name("folds", path));
        }
        let split = match &entry.split {
            None => None,
            Some(path) => {
                let located = read_values(path, &name("split", path), "part", &ids)?;
                let mut part = Vec::with_capacity(n);
                for (row, (v, _)) in located.values.iter().enumerate() {
                    let Some(p) = parse_part(v) else {
                        bail!(
                            "{}: part {v:?} is not train, validation or test (or 0 = train, 1 = test, 2 = validation)",
                            located.at(row)
                        );
                    };
                    part.push(p);
                }
                Some((located, part))
            }
        };
        let folds = match &entry.folds {
            None => None,
            Some(path) => {
                let located = read_values(path, &name("folds", path), "fold", &ids)?;
                let mut fold = Vec::with_capacity(n);
                for (row, (v, _)) in located.values.iter().enumerate() {
                    let Some(f) = parse_fold(v) else {
                        bail!(
                            "{}: fold {v:?} is not a fold number 1, 2, … (or NA for a sample outside the training part)",
                            located.at(row)
                        );
                    };
                    fold.push(f.map(|f| f - 1));
                }
                Some((located, fold))
            }
        };
        // the parts: from `split`, else from `folds` (a fold: train; NA: test)
        let part: Vec<Part> = match (&split, &folds) {
            (Some((_, part)), _) => part.clone(),
            (None, Some((_, fold))) => {
                fold.iter().map(|f| if f.is_some() { Part::Train } else { Part::Test }).collect()
            }
            (None, None) => unreachable!("one of the two is given"),
        };
        let source = split.as_ref().map_or_else(|| &folds.as_ref().expect("folds").0, |s| &s.0);
        let first = |p: Part| part.iter().position(|&q| q == p);
        let count = |p: Part| part.iter().filter(|&&q| q == p).count();
        match e.method {
            Method::Cv => {
                if let Some(row) = first(Part::Validation) {
                    bail!(
                        "{}: sample {} is in the validation part, but evaluation.method = \"cv\" chooses alpha by CV on \
                         the training part (label it train or test)",
                        source.at(row),
                        ids.label(row)
                    );
                }
            }
            Method::Validation => {
                if count(Part::Validation) == 0 {
                    bail!(
                        "{}: no sample is in the validation part, which chooses alpha with evaluation.method = \
                         \"validation\" (label some `validation`, or use method = \"cv\")",
                        source.what
                    );
                }
            }
        }
        if e.has_test() && count(Part::Test) == 0 {
            let how = if split.is_some() { "label some `test`" } else { "give them fold NA" };
            bail!(
                "{}: no sample is in the test part, which evaluation.test > 0 asks for to report test metrics ({how}, \
                 or set evaluation.test = 0 with method = \"cv\": no test part)",
                source.what
            );
        }
        if !e.has_test()
            && let Some(row) = first(Part::Test)
        {
            bail!(
                "{}: sample {} is in the test part, but evaluation.test = 0 asks for none (give evaluation.test in (0, \
                 1) to use the file's test part)",
                source.at(row),
                ids.label(row)
            );
        }
        let (fold, k) = match &folds {
            None => (None, e.folds()),
            Some((located, fold)) => {
                if split.is_some() {
                    for row in 0..n {
                        match (part[row], fold[row]) {
                            (Part::Train, None) => bail!(
                                "{}: sample {} is a training sample (in the split file) but has no fold",
                                located.at(row),
                                ids.label(row)
                            ),
                            (p @ (Part::Test | Part::Validation), Some(f)) => bail!(
                                "{}: sample {} is in the {} part (in the split file) but has fold {} (give NA)",
                                located.at(row),
                                ids.label(row),
                                if p == Part::Test { "test" } else { "validation" },
                                f + 1
                            ),
                            _ => {}
                        }
                    }
                }
                let k = fold.iter().flatten().max().map_or(0, |&f| f + 1);
                if k < 2 {
                    bail!(
                        "{}: {k} fold{}; cross-validation needs at least 2",
                        located.what,
                        if k == 1 { "" } else { "s" }
                    );
                }
                let mut sizes = vec![0usize; k];
                fold.iter().flatten().for_each(|&f| sizes[f] += 1);
                if let Some(empty) = sizes.iter().position(|&s| s == 0) {
                    bail!(
                        "{}: fold {} of 1..{k} has no sample (fold numbers must be 1..K, every one used)",
                        located.what,
                        empty + 1
                    );
                }
                if let Some(want) = e.folds
                    && want != k
                {
                    bail!("{}: {k} folds but evaluation.folds is {want}", located.what);
                }
                (Some(fold.clone()), k)
            }
        };
        let n_train = count(Part::Train);
        let min_train = if k > 0 { 2 * k } else { 2 };
        if n_train < min_train {
            bail!("{}: {n_train} training samples; at least {min_train} are needed", source.what);
        }
        Ok(Some(FixedSplit { part, fold, k }))
    }

    /// Whether the files leave nothing random for `method` (every replicate would be the same
    /// fit): a split with method `validation`, or the folds.
    pub fn fixes_everything(&self, method: Method) -> bool {
        self.fold.is_some() || method == Method::Validation
    }

    /// The parts (dataset rows, sorted) and the CV folds (sorted positions within the
    /// training part): from the files, the folds drawn at random from `split_seed` when only
    /// the split is given (sizes differing by at most one).
    pub fn assign(&self, split_seed: u64) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<Vec<usize>>) {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut parts: [Vec<usize>; 3] = Default::default();
        for (row, &p) in self.part.iter().enumerate() {
            parts[p as usize].push(row);
        }
        let [train, validation, test] = parts;
        let mut folds = vec![Vec::new(); self.k];
        match &self.fold {
            Some(fold) => {
                for (k, &row) in train.iter().enumerate() {
                    folds[fold[row].expect("a training sample has a fold")].push(k);
                }
            }
            None if self.k > 0 => {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(split_seed);
                let mut order: Vec<usize> = (0..train.len()).collect();
                order.shuffle(&mut rng);
                for (i, pos) in order.into_iter().enumerate() {
                    folds[i % self.k].push(pos);
                }
                folds.iter_mut().for_each(|f| f.sort_unstable());
            }
            None => {}
        }
        (train, validation, test, folds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_fold_numbers() {
        assert_eq!(parse_part("Train"), Some(Part::Train));
        assert_eq!(parse_part("0"), Some(Part::Train));
        assert_eq!(parse_part("1"), Some(Part::Test));
        assert_eq!(parse_part("validation"), Some(Part::Validation));
        assert_eq!(parse_part("3"), None);
        assert_eq!(parse_fold("3"), Some(Some(3)));
        assert_eq!(parse_fold("2.0"), Some(Some(2)));
        assert_eq!(parse_fold("NA"), Some(None));
        assert_eq!(parse_fold("0"), Some(None));
        assert_eq!(parse_fold("-1"), None);
        assert_eq!(parse_fold("1.5"), None);
    }
}
