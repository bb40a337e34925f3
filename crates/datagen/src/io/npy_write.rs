//! Writing `.npy` files atomically.

use std::path::Path;

use ndarray::{ArrayBase, Data, Dimension};
use ndarray_npy::{WritableElement, WriteNpyExt};

use crate::error::DataError;
use crate::io::atomic::write_atomic;

/// Writes `array` to `path` as `.npy`, atomically. A column-major array is written in Fortran
/// order (so [`crate::read_matrix`] can map it without a copy), a row-major one in C order.
pub fn write_npy<A, S, D>(path: &Path, array: &ArrayBase<S, D>) -> Result<(), DataError>
where
    A: WritableElement,
    S: Data<Elem = A>,
    D: Dimension,
{
    write_atomic(path, |w| array.write_npy(w).map_err(std::io::Error::other))
        .map_err(|e| DataError::io(path, "write", e))
}
