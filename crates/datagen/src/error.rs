//! The one error type of this crate. Every message names the file (or the parameter) and the
//! problem, so it can be shown to a user as is.

use std::io;
use std::path::{Path, PathBuf};

/// Errors from reading, validating or writing datasets.
#[derive(thiserror::Error, Debug)]
pub enum DataError {
    /// The file could not be opened (missing, permissions, ...).
    #[error("{}: cannot open: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Reading or writing the file failed after it was opened.
    #[error("{}: {action} failed: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done ("read", "write", ...).
        action: &'static str,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The file's content is not what its format requires.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        message: String,
    },
    /// The file is shorter than its header or companion files say it must be.
    #[error("{}: truncated: expected {expected} bytes for {what}, found {found}", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes the file should have.
        expected: u64,
        /// Bytes it has.
        found: u64,
        /// What the expected size is for, e.g. "100 samples x 200 SNPs".
        what: String,
    },
    /// A text cell could not be read as a number.
    #[error("{}: line {line}, column {column}: '{text}' is not a number", path.display())]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// 1-based line number in the file.
        line: u64,
        /// 1-based column (field) number on that line.
        column: usize,
        /// The offending text.
        text: String,
    },
    /// A numeric input holds NaN or an infinity (missing values must be imputed first).
    #[error(
        "{}: non-finite value {value} at row {}, column {} (1-based); \
         impute or remove missing values first",
        path.display(),
        row + 1,
        column + 1
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The value found (NaN, inf or -inf).
        value: f64,
        /// 0-based row (sample) index.
        row: usize,
        /// 0-based column (feature) index.
        column: usize,
    },
    /// A generator parameter is out of range, or parameters contradict each other.
    #[error("invalid parameter: {0}")]
    Parameter(String),
}

impl DataError {
    /// A [`DataError::Format`] for `path` with `message`.
    pub fn format(path: &Path, message: impl Into<String>) -> Self {
        DataError::Format { path: path.to_path_buf(), message: message.into() }
    }

    /// A [`DataError::Open`] for `path`.
    pub fn open(path: &Path, source: io::Error) -> Self {
        DataError::Open { path: path.to_path_buf(), source }
    }

    /// A [`DataError::Io`] for `path` while doing `action`.
    pub fn io(path: &Path, action: &'static str, source: io::Error) -> Self {
        DataError::Io { path: path.to_path_buf(), action, source }
    }

    /// A [`DataError::Parameter`] with `message`.
    pub fn parameter(message: impl Into<String>) -> Self {
        DataError::Parameter(message.into())
    }
}
