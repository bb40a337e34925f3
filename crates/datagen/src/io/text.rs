//! Numeric text tables (CSV/TSV): one row per sample, an optional header row of names.
//!
//! This module only parses tables into arrays; wrapping them into a [`crate::Matrix`] is
//! `io::matrix`'s job (which imports this module, never the reverse).

use std::fs::File;
use std::path::Path;

use ndarray::{Array1, Array2, ShapeBuilder};

use crate::error::DataError;
use crate::io::cell::{Cell, parse_cell};

/// A parsed table: row-major values, its shape and the header names if there was a header.
struct Table {
    values: Vec<f64>,
    n: usize,
    p: usize,
    names: Option<Vec<String>>,
}

/// The field separator for `path`: tab for `.tsv`; for `.txt`, tab if the first line has one;
/// comma otherwise.
fn delimiter(path: &Path) -> Result<u8, DataError> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "tsv" => Ok(b'\t'),
        "txt" => {
            use std::io::{BufRead, BufReader};
            let file = File::open(path).map_err(|e| DataError::open(path, e))?;
            let mut first = String::new();
            BufReader::new(file).read_line(&mut first).map_err(|e| DataError::io(path, "read", e))?;
            Ok(if first.contains('\t') { b'\t' } else { b',' })
        }
        _ => Ok(b','),
    }
}

/// Reads and validates the whole table.
fn read_table(path: &Path) -> Result<Table, DataError> {
    let sep = delimiter(path)?;
    let file = File::open(path).map_err(|e| DataError::open(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sep)
        .trim(csv::Trim::All)
        .from_reader(file);
    let mut values = Vec::new();
    let mut names = None;
    let mut width = None;
    let mut first_line = 0;
    let mut n = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(DataError::format(path, format!("line {line}: cannot read: {e}")));
            }
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        match width {
            None => {
                width = Some(record.len());
                first_line = line;
                let header = record.iter().any(|c| parse_cell(c) == Cell::Text);
                if header {
                    names = Some(record.iter().map(str::to_string).collect());
                    continue;
                }
            }
            Some(w) if w != record.len() => {
                return Err(DataError::format(
                    path,
                    format!("line {line}: expected {w} fields (as on line {first_line}), found {}", record.len()),
                ));
            }
            Some(_) => {}
        }
        for (j, text) in record.iter().enumerate() {
            match parse_cell(text) {
                Cell::Number(v) => values.push(v),
                Cell::NonFinite(value) => {
                    return Err(DataError::NonFinite { path: path.to_path_buf(), value, row: n, column: j });
                }
                Cell::Text => {
                    return Err(DataError::NotANumber {
                        path: path.to_path_buf(),
                        line,
                        column: j + 1,
                        text: text.to_string(),
                    });
                }
            }
        }
        n += 1;
    }
    let Some(p) = width else {
        return Err(DataError::format(path, "empty file: no data rows"));
    };
    if n == 0 {
        return Err(DataError::format(path, "no data rows after the header"));
    }
    Ok(Table { values, n, p, names })
}

/// Reads a numeric text table into a column-major array and its header names, if any.
pub(crate) fn read_text_array(path: &Path) -> Result<(Array2<f64>, Option<Vec<String>>), DataError> {
    let t = read_table(path)?;
    let row_major = Array2::from_shape_vec((t.n, t.p), t.values).expect("n * p values");
    let mut x = Array2::zeros((t.n, t.p).f());
    x.assign(&row_major);
    Ok((x, t.names))
}

/// Reads a one-column numeric text file (optional header) into a vector.
pub(crate) fn read_text_vector(path: &Path) -> Result<Array1<f64>, DataError> {
    let t = read_table(path)?;
    if t.p != 1 {
        return Err(DataError::format(path, format!("expected a single column, found {} columns", t.p)));
    }
    Ok(Array1::from(t.values))
}
