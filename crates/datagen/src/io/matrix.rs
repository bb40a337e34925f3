//! The design matrix as the solver sees it: a column-major `f64` view, backed either by a
//! memory-mapped `.npy` file (no copy) or by an owned array (one conversion copy).

use std::path::Path;

use memmap2::Mmap;
use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder};
use rayon::prelude::*;

use crate::error::DataError;
use crate::io::npy::{NpyFile, check_matrix_shape, read_npy_vector};
use crate::io::text::{read_text_array, read_text_vector};

/// Where a [`Matrix`]'s numbers live.
#[derive(Debug)]
enum Storage {
    /// An owned array in Fortran (column-major) layout.
    Owned(Array2<f64>),
    /// A memory-mapped Fortran-order little-endian `f64` `.npy` file.
    Mapped { map: Mmap, offset: usize, n: usize, p: usize },
}

/// An n × p design matrix (samples × features), always column-major.
#[derive(Debug)]
pub struct Matrix {
    storage: Storage,
    /// Feature names, when the input had them (a CSV header row).
    pub names: Option<Vec<String>>,
}

impl Matrix {
    /// Wraps an owned array; it is copied into column-major layout if it is not already.
    pub fn from_array(array: Array2<f64>, names: Option<Vec<String>>) -> Matrix {
        let array = if array.t().is_standard_layout() {
            array
        } else {
            let mut f = Array2::zeros(array.raw_dim().f());
            f.assign(&array);
            f
        };
        Matrix { storage: Storage::Owned(array), names }
    }

    /// The matrix as an (n, p) view in column-major memory layout.
    pub fn view(&self) -> ArrayView2<'_, f64> {
        match &self.storage {
            Storage::Owned(a) => a.view(),
            Storage::Mapped { map, offset, n, p } => {
                let bytes = &map[*offset..*offset + n * p * 8];
                // Alignment and length were checked when the file was opened.
                let (head, data, tail) = bytes_as_f64(bytes);
                debug_assert!(head.is_empty() && tail.is_empty());
                ArrayView2::from_shape((*n, *p).f(), data).expect("shape checked at open")
            }
        }
    }

    /// True when the numbers are read in place from a memory-mapped `.npy` file.
    pub fn is_zero_copy(&self) -> bool {
        matches!(self.storage, Storage::Mapped { .. })
    }

    /// Number of rows (samples).
    pub fn n_rows(&self) -> usize {
        self.view().nrows()
    }

    /// Number of columns (features).
    pub fn n_cols(&self) -> usize {
        self.view().ncols()
    }
}

/// Reinterprets aligned little-endian bytes as `f64`s without copying.
fn bytes_as_f64(bytes: &[u8]) -> (&[u8], &[f64], &[u8]) {
    // SAFETY: every bit pattern is a valid f64; `align_to` handles alignment and returns the
    // unaligned head and tail separately.
    unsafe { bytes.align_to::<f64>() }
}

/// The first non-finite value of a column-major n × p slice, as (value, row, column).
pub(crate) fn first_non_finite(data: &[f64], n: usize) -> Option<(f64, usize, usize)> {
    data.par_chunks(n.max(1))
        .enumerate()
        .find_map_first(|(j, col)| col.iter().position(|v| !v.is_finite()).map(|i| (col[i], i, j)))
}

/// Fails with [`DataError::NonFinite`] at the first NaN or infinity (column-major order).
fn check_finite(path: &Path, data: &[f64], n: usize) -> Result<(), DataError> {
    match first_non_finite(data, n) {
        None => Ok(()),
        Some((value, row, column)) => Err(DataError::NonFinite { path: path.to_path_buf(), value, row, column }),
    }
}

/// Lower-cased extension of `path`, or "" if none.
pub(crate) fn extension(path: &Path) -> String {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default()
}

/// Reads a design matrix, choosing the format by extension: `.npy`, or text (`.csv` comma,
/// `.tsv` tab, `.txt` tab if the first line has one, comma otherwise).
///
/// A Fortran-order little-endian `f64` `.npy` is memory-mapped and used without a copy (the
/// file must not be modified while the matrix is alive). C-order, `f32`, integer and bool
/// `.npy` files, and text files, are converted once into an owned column-major `f64` array,
/// which costs one copy of the data. NaN and infinities are errors naming their 0-based row and
/// column: impute missing values first.
pub fn read_matrix(path: &Path) -> Result<Matrix, DataError> {
    match extension(path).as_str() {
        "npy" => read_npy_matrix(path),
        "csv" | "tsv" | "txt" => read_text_matrix(path),
        other => Err(unknown_extension(path, other)),
    }
}

/// Reads a numeric text table into a column-major matrix (one copy); see [`read_matrix`].
fn read_text_matrix(path: &Path) -> Result<Matrix, DataError> {
    let (x, names) = read_text_array(path)?;
    Ok(Matrix::from_array(x, names))
}

/// Reads a response vector: `.npy` (1-D, or 2-D with one row or one column) or a text file
/// with one value per line and an optional header line.
pub fn read_vector(path: &Path) -> Result<Array1<f64>, DataError> {
    match extension(path).as_str() {
        "npy" => read_npy_vector(path),
        "csv" | "tsv" | "txt" => read_text_vector(path),
        other => Err(unknown_extension(path, other)),
    }
}

/// The error for a file whose extension names no format this crate reads.
pub(crate) fn unknown_extension(path: &Path, ext: &str) -> DataError {
    DataError::format(path, format!("unknown file type '.{ext}' (expected .npy, .csv, .tsv or .txt)"))
}

/// Reads a `.npy` design matrix, in place when possible.
fn read_npy_matrix(path: &Path) -> Result<Matrix, DataError> {
    let file = NpyFile::open(path)?;
    let (n, p) = check_matrix_shape(path, &file.shape)?;
    if file.is_mappable_matrix() {
        let (_, data, _) = bytes_as_f64(file.data());
        check_finite(path, data, n)?;
        let offset = file.offset;
        return Ok(Matrix { storage: Storage::Mapped { map: file.map, offset, n, p }, names: None });
    }
    let array = file.to_fortran_matrix();
    check_finite(path, array.as_slice_memory_order().expect("contiguous"), n)?;
    Ok(Matrix { storage: Storage::Owned(array), names: None })
}
