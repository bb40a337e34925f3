//! `.npy` input: a Fortran-order little-endian f64 matrix is memory-mapped and used in place;
//! every other layout or dtype is converted once into an owned column-major `f64` array.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;
use ndarray::{Array1, Array2, ShapeBuilder};
use ndarray_npy::npy::header::{Header, Layout, ReadHeaderError};
use rayon::prelude::*;

use crate::error::DataError;

/// An element type the converter understands: kind (`f`, `i`, `u`, `b`), width and byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Dtype {
    kind: u8,
    size: usize,
    big_endian: bool,
}

impl Dtype {
    /// Parses a numpy `descr` string such as `<f8`, `|u1` or `>i4`.
    fn parse(descr: &str) -> Option<Dtype> {
        let bytes = descr.as_bytes();
        if bytes.len() < 3 {
            return None;
        }
        let big_endian = match bytes[0] {
            b'<' | b'|' => false,
            b'=' => cfg!(target_endian = "big"),
            b'>' => true,
            _ => return None,
        };
        let kind = bytes[1];
        let size: usize = descr[2..].parse().ok()?;
        let ok = match kind {
            b'f' => size == 4 || size == 8,
            b'i' | b'u' => matches!(size, 1 | 2 | 4 | 8),
            b'b' => size == 1,
            _ => false,
        };
        ok.then_some(Dtype { kind, size, big_endian })
    }

    /// True for little-endian `f64`, the one type that can be used without a copy.
    fn is_native_f64(&self) -> bool {
        self.kind == b'f' && self.size == 8 && !self.big_endian && cfg!(target_endian = "little")
    }
}

/// A parsed `.npy` file: the mapping, where the data starts, and what it holds.
pub(crate) struct NpyFile {
    /// The whole file, memory-mapped.
    pub map: Mmap,
    /// Byte offset of the first element.
    pub offset: usize,
    /// Shape from the header.
    pub shape: Vec<usize>,
    /// True for Fortran (column-major) order.
    pub fortran: bool,
    dtype: Dtype,
}

/// Formats a shape the way numpy users read it: `[10, 3]`.
fn shape_text(shape: &[usize]) -> String {
    format!("{shape:?}")
}

impl NpyFile {
    /// Maps `path` and checks its header and exact size.
    pub fn open(path: &Path) -> Result<NpyFile, DataError> {
        let file = File::open(path).map_err(|e| DataError::open(path, e))?;
        let len = file.metadata().map_err(|e| DataError::io(path, "read", e))?.len();
        if len < 10 {
            return Err(DataError::format(path, format!("not a .npy file: only {len} bytes")));
        }
        // SAFETY: the file is opened read-only; as with any memory map, the caller must not
        // truncate or rewrite it while it is in use (documented on `read_matrix`).
        let map = unsafe { Mmap::map(&file) }.map_err(|e| DataError::io(path, "memory-map", e))?;
        let mut rest: &[u8] = &map;
        let header = Header::from_reader(&mut rest).map_err(|e| match e {
            ReadHeaderError::Io(_) => DataError::format(path, "truncated .npy header"),
            ReadHeaderError::Parse(err) => DataError::format(path, format!("not a valid .npy file: {err}")),
        })?;
        let offset = map.len() - rest.len();
        let descr = header.type_descriptor.as_string().cloned().unwrap_or_else(|| header.type_descriptor.to_string());
        let dtype = Dtype::parse(&descr).ok_or_else(|| {
            DataError::format(
                path,
                format!("unsupported dtype '{descr}' (supported: float64, float32, integers, bool)"),
            )
        })?;
        let count = header
            .shape
            .iter()
            .try_fold(1usize, |acc, &d| acc.checked_mul(d))
            .and_then(|c| c.checked_mul(dtype.size))
            .ok_or_else(|| DataError::format(path, "shape too large"))?;
        let expected = offset as u64 + count as u64;
        if len < expected {
            return Err(DataError::Truncated {
                path: path.to_path_buf(),
                expected,
                found: len,
                what: format!("shape {} of '{descr}'", shape_text(&header.shape)),
            });
        }
        if len > expected {
            return Err(DataError::format(
                path,
                format!("{} extra bytes after the data of shape {}", len - expected, shape_text(&header.shape)),
            ));
        }
        Ok(NpyFile { map, offset, fortran: header.layout == Layout::Fortran, shape: header.shape, dtype })
    }

    /// The data bytes (exactly the elements, no header).
    pub fn data(&self) -> &[u8] {
        &self.map[self.offset..]
    }

    /// True when the data can be viewed as a column-major `f64` matrix of `shape` in place.
    pub fn is_mappable_matrix(&self) -> bool {
        let column_major = self.fortran || self.shape.len() == 2 && (self.shape[0] == 1 || self.shape[1] == 1);
        self.dtype.is_native_f64()
            && self.shape.len() == 2
            && column_major
            && (self.data().as_ptr() as usize).is_multiple_of(std::mem::align_of::<f64>())
    }

    /// Fills `out[i]` with file element `index_of(i)` converted to `f64`, in parallel.
    fn fill_converted(&self, out: &mut [f64], index_of: impl Fn(usize) -> usize + Sync) {
        let d = self.dtype;
        let data = self.data();
        macro_rules! conv {
            ($t:ty, $map:expr) => {{
                const W: usize = std::mem::size_of::<$t>();
                let get = |k: usize| -> f64 {
                    let mut b = [0u8; W];
                    b.copy_from_slice(&data[k * W..(k + 1) * W]);
                    let v = if d.big_endian { <$t>::from_be_bytes(b) } else { <$t>::from_le_bytes(b) };
                    #[allow(clippy::redundant_closure_call)]
                    ($map)(v)
                };
                out.par_iter_mut().with_min_len(1 << 14).enumerate().for_each(|(i, o)| *o = get(index_of(i)));
            }};
        }
        match (d.kind, d.size) {
            (b'f', 8) => conv!(f64, |v: f64| v),
            (b'f', 4) => conv!(f32, |v: f32| f64::from(v)),
            (b'i', 1) => conv!(i8, |v: i8| f64::from(v)),
            (b'i', 2) => conv!(i16, |v: i16| f64::from(v)),
            (b'i', 4) => conv!(i32, |v: i32| f64::from(v)),
            (b'i', 8) => conv!(i64, |v: i64| v as f64),
            (b'u', 1) => conv!(u8, |v: u8| f64::from(v)),
            (b'u', 2) => conv!(u16, |v: u16| f64::from(v)),
            (b'u', 4) => conv!(u32, |v: u32| f64::from(v)),
            (b'u', 8) => conv!(u64, |v: u64| v as f64),
            (b'b', 1) => conv!(u8, |v: u8| if v != 0 { 1.0 } else { 0.0 }),
            _ => unreachable!("Dtype::parse accepts only the types above"),
        }
    }

    /// Converts a 2-D file into an owned column-major `f64` array (one copy).
    pub fn to_fortran_matrix(&self) -> Array2<f64> {
        let (n, p) = (self.shape[0], self.shape[1]);
        let mut out = Array2::<f64>::zeros((n, p).f());
        let slice = out.as_slice_memory_order_mut().expect("a new array is contiguous");
        if self.fortran {
            self.fill_converted(slice, |i| i);
        } else {
            // out[i] is (row i % n, column i / n); in C order that element is at row * p + col.
            self.fill_converted(slice, |i| (i % n) * p + i / n);
        }
        out
    }

    /// Converts all elements, in file order, into an owned vector of `f64` (one copy).
    pub fn to_flat_vec(&self) -> Vec<f64> {
        let len = self.shape.iter().product();
        let mut out = vec![0.0; len];
        self.fill_converted(&mut out, |i| i);
        out
    }
}

/// Requires a 2-D shape with at least one row and one column.
pub(crate) fn check_matrix_shape(path: &Path, shape: &[usize]) -> Result<(usize, usize), DataError> {
    if shape.len() != 2 {
        return Err(DataError::format(
            path,
            format!("expected a 2-D array, found {}-D shape {}", shape.len(), shape_text(shape)),
        ));
    }
    if shape[0] == 0 {
        return Err(DataError::format(path, "empty matrix (0 rows)"));
    }
    if shape[1] == 0 {
        return Err(DataError::format(path, "empty matrix (0 columns)"));
    }
    Ok((shape[0], shape[1]))
}

/// Reads a vector from a 1-D file or a 2-D file with one column or one row.
pub(crate) fn read_npy_vector(path: &Path) -> Result<Array1<f64>, DataError> {
    let values = read_npy_values(path)?;
    if values.is_empty() {
        return Err(DataError::format(path, "empty vector (0 values)"));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(DataError::NonFinite { path: path.to_path_buf(), value: values[i], row: i, column: 0 });
    }
    Ok(Array1::from(values))
}

/// The values of a 1-D file or a 2-D file with one column or one row, in order, converted to
/// `f64` but not checked (they may be empty, NaN or infinite).
pub(crate) fn read_npy_values(path: &Path) -> Result<Vec<f64>, DataError> {
    let file = NpyFile::open(path)?;
    let ok = match file.shape.as_slice() {
        [_] => true,
        [a, b] => *a == 1 || *b == 1,
        _ => false,
    };
    if !ok {
        return Err(DataError::format(
            path,
            format!(
                "expected a vector (1-D, or 2-D with one row or one column), found shape {}",
                shape_text(&file.shape)
            ),
        ));
    }
    Ok(file.to_flat_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_descriptors() {
        let d = Dtype::parse("<f8").unwrap();
        assert!(d.is_native_f64() || cfg!(target_endian = "big"));
        assert_eq!(Dtype::parse("|u1").unwrap().size, 1);
        assert!(Dtype::parse(">i4").unwrap().big_endian);
        assert!(Dtype::parse("<c16").is_none());
        assert!(Dtype::parse("<U3").is_none());
        assert!(Dtype::parse("<f2").is_none());
    }
}
