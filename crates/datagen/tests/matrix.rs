//! `.npy` and CSV readers: zero-copy Fortran f64, conversions, and every malformed-input case.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ShapeBuilder, array};
use ndarray_npy::write_npy;
use regpath_datagen::{DataError, read_matrix, read_vector};

fn sample() -> Array2<f64> {
    array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.5, -8.0, 9.0], [0.0, 1e-300, 1e300]]
}

fn fortran(a: &Array2<f64>) -> Array2<f64> {
    let mut f = Array2::zeros(a.raw_dim().f());
    f.assign(a);
    f
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

fn err(path: &Path) -> String {
    read_matrix(path).unwrap_err().to_string()
}

#[test]
fn fortran_f64_is_zero_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &fortran(&sample())).unwrap();
    let m = read_matrix(&path).unwrap();
    assert!(m.is_zero_copy());
    assert_eq!(m.view(), sample());
    assert!(m.view().t().is_standard_layout(), "view must be column-major");
    assert_eq!((m.n_rows(), m.n_cols()), (4, 3));
    assert!(m.names.is_none());
}

#[test]
fn c_order_f64_is_converted_to_column_major() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &sample()).unwrap();
    let m = read_matrix(&path).unwrap();
    assert!(!m.is_zero_copy());
    assert_eq!(m.view(), sample());
    assert!(m.view().t().is_standard_layout());
}

#[test]
fn single_column_c_order_is_still_zero_copy() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    let col = array![[1.0], [2.0], [3.0]];
    write_npy(&path, &col).unwrap();
    let m = read_matrix(&path).unwrap();
    assert!(m.is_zero_copy());
    assert_eq!(m.view(), col);
}

#[test]
fn f32_and_integer_dtypes_are_converted() {
    let dir = tempfile::tempdir().unwrap();
    let f32s = sample().mapv(|v| v.clamp(-1e30, 1e30) as f32);
    let path = tmp(&dir, "f32.npy");
    write_npy(&path, &f32s).unwrap();
    let m = read_matrix(&path).unwrap();
    assert!(!m.is_zero_copy());
    assert_eq!(m.view(), f32s.mapv(f64::from));

    let ints = array![[1i64, -2, 3], [4, 5, -6]];
    let path = tmp(&dir, "i64.npy");
    write_npy(&path, &ints).unwrap();
    assert_eq!(read_matrix(&path).unwrap().view(), ints.mapv(|v| v as f64));

    let path = tmp(&dir, "u8f.npy");
    let bytes = array![[0u8, 1], [2, 255]];
    let mut bf = Array2::<u8>::zeros((2, 2).f());
    bf.assign(&bytes);
    write_npy(&path, &bf).unwrap();
    assert_eq!(read_matrix(&path).unwrap().view(), bytes.mapv(f64::from));

    let path = tmp(&dir, "i32.npy");
    write_npy(&path, &array![[7i32], [-7]]).unwrap();
    assert_eq!(read_matrix(&path).unwrap().view(), array![[7.0], [-7.0]]);
}

#[test]
fn one_dimensional_x_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &Array1::<f64>::zeros(10)).unwrap();
    let msg = err(&path);
    assert!(msg.ends_with("X.npy: expected a 2-D array, found 1-D shape [10]"), "{msg}");
    let path3 = tmp(&dir, "X3.npy");
    write_npy(&path3, &ndarray::Array3::<f64>::zeros((2, 2, 2))).unwrap();
    assert!(err(&path3).contains("found 3-D shape [2, 2, 2]"));
}

#[test]
fn empty_matrices_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &Array2::<f64>::zeros((0, 3))).unwrap();
    assert!(err(&path).ends_with("X.npy: empty matrix (0 rows)"));
    write_npy(&path, &Array2::<f64>::zeros((3, 0))).unwrap();
    assert!(err(&path).ends_with("X.npy: empty matrix (0 columns)"));
}

#[test]
fn nan_location_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut x = fortran(&sample());
    x[[3, 1]] = f64::NAN;
    x[[2, 2]] = f64::INFINITY;
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &x).unwrap();
    let e = read_matrix(&path).unwrap_err();
    assert!(matches!(e, DataError::NonFinite { row: 3, column: 1, .. }), "{e}");
    assert!(e.to_string().contains("X.npy: non-finite value NaN at row 4, column 2 (1-based)"));
    // the same through the converting (C-order) path
    write_npy(&path, &x.as_standard_layout().to_owned()).unwrap();
    let e = read_matrix(&path).unwrap_err();
    assert!(matches!(e, DataError::NonFinite { row: 3, column: 1, .. }), "{e}");
    let mut f = sample().mapv(|v| v as f32);
    f[[0, 2]] = f32::NEG_INFINITY;
    write_npy(&path, &f).unwrap();
    assert!(err(&path).contains("non-finite value -inf at row 1, column 3 (1-based)"));
}

#[test]
fn truncated_and_malformed_npy() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.npy");
    write_npy(&path, &fortran(&sample())).unwrap();
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 5]).unwrap();
    let msg = err(&path);
    assert!(msg.contains("X.npy: truncated: expected") && msg.contains("shape [4, 3]"), "{msg}");
    fs::write(&path, &bytes[..40]).unwrap();
    assert!(err(&path).contains("X.npy: truncated .npy header"), "{}", err(&path));
    let mut extra = bytes.clone();
    extra.extend_from_slice(&[0; 8]);
    fs::write(&path, &extra).unwrap();
    assert!(err(&path).contains("8 extra bytes"));
    fs::write(&path, b"this is not a numpy file at all, just text").unwrap();
    assert!(err(&path).contains("X.npy: not a valid .npy file"), "{}", err(&path));
    fs::write(&path, b"abc").unwrap();
    assert!(err(&path).contains("not a .npy file: only 3 bytes"));
    let missing = tmp(&dir, "missing.npy");
    let e = read_matrix(&missing).unwrap_err();
    assert!(matches!(e, DataError::Open { .. }));
    assert!(e.to_string().contains("missing.npy: cannot open: "), "{e}");
    let complex_header = b"\x93NUMPY\x01\x00\x76\x00{'descr': '<c16', 'fortran_order': False, 'shape': (1, 1), }";
    let mut c = complex_header.to_vec();
    c.resize(10 + 0x76, b' ');
    *c.last_mut().unwrap() = b'\n';
    c.extend_from_slice(&[0; 16]);
    fs::write(&path, &c).unwrap();
    assert!(err(&path).contains("unsupported dtype '<c16'"), "{}", err(&path));
}

#[test]
fn vectors_from_npy() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "y.npy");
    write_npy(&path, &array![1.0, 2.0, 3.5]).unwrap();
    assert_eq!(read_vector(&path).unwrap(), array![1.0, 2.0, 3.5]);
    write_npy(&path, &array![[1.0], [2.0]]).unwrap();
    assert_eq!(read_vector(&path).unwrap(), array![1.0, 2.0]);
    write_npy(&path, &array![[1i64, 2, 3]]).unwrap();
    assert_eq!(read_vector(&path).unwrap(), array![1.0, 2.0, 3.0]);
    write_npy(&path, &sample()).unwrap();
    let msg = read_vector(&path).unwrap_err().to_string();
    assert!(msg.contains("expected a vector") && msg.contains("[4, 3]"), "{msg}");
    write_npy(&path, &array![1.0, f64::NAN]).unwrap();
    let msg = read_vector(&path).unwrap_err().to_string();
    assert!(msg.contains("non-finite value NaN at row 2, column 1 (1-based)"), "{msg}");
    write_npy(&path, &Array1::<f64>::zeros(0)).unwrap();
    assert!(read_vector(&path).unwrap_err().to_string().contains("empty vector"));
}

#[test]
fn csv_with_and_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.csv");
    fs::write(&path, "1,2,3\n4,5,6\n").unwrap();
    let m = read_matrix(&path).unwrap();
    assert_eq!(m.view(), array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    assert!(m.names.is_none());
    assert!(m.view().t().is_standard_layout());
    fs::write(&path, "gene_a, gene_b ,g3\n1.5,-2,3e2\n\n4,5,6\n").unwrap();
    let m = read_matrix(&path).unwrap();
    assert_eq!(m.names.as_deref().unwrap(), ["gene_a", "gene_b", "g3"]);
    assert_eq!(m.view(), array![[1.5, -2.0, 300.0], [4.0, 5.0, 6.0]]);
    let tsv = tmp(&dir, "X.tsv");
    fs::write(&tsv, "a\tb\n1\t2\n").unwrap();
    assert_eq!(read_matrix(&tsv).unwrap().view(), array![[1.0, 2.0]]);
    let txt = tmp(&dir, "X.txt");
    fs::write(&txt, "1\t2\n3\t4\n").unwrap();
    assert_eq!(read_matrix(&txt).unwrap().view(), array![[1.0, 2.0], [3.0, 4.0]]);
}

#[test]
fn csv_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "X.csv");
    fs::write(&path, "a,b,c\n1,2,3\n4,5\n").unwrap();
    let msg = err(&path);
    assert!(msg.contains("X.csv: line 3: expected 3 fields (as on line 1), found 2"), "{msg}");
    fs::write(&path, "1,2\n3,abc\n").unwrap();
    let msg = err(&path);
    assert!(msg.contains("X.csv: line 2, column 2: 'abc' is not a number"), "{msg}");
    fs::write(&path, "x,y\n1,2\n3,NA\n").unwrap();
    let msg = err(&path);
    assert!(msg.contains("non-finite value NaN at row 2, column 2 (1-based)"), "{msg}");
    fs::write(&path, "").unwrap();
    assert!(err(&path).contains("X.csv: empty file"));
    fs::write(&path, "a,b\n").unwrap();
    assert!(err(&path).contains("no data rows after the header"));
    let other = tmp(&dir, "X.parquet");
    fs::write(&other, "1").unwrap();
    assert!(err(&other).contains("unknown file type '.parquet'"));
}

#[test]
fn csv_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "y.csv");
    fs::write(&path, "y\n1\n2.5\n-3\n").unwrap();
    assert_eq!(read_vector(&path).unwrap(), array![1.0, 2.5, -3.0]);
    fs::write(&path, "1\n2\n").unwrap();
    assert_eq!(read_vector(&path).unwrap(), array![1.0, 2.0]);
    fs::write(&path, "y\n1\n2\n3\n4\nabc\n").unwrap();
    let msg = read_vector(&path).unwrap_err().to_string();
    assert!(msg.ends_with("y.csv: line 6, column 1: 'abc' is not a number"), "{msg}");
    fs::write(&path, "1,2\n3,4\n").unwrap();
    let msg = read_vector(&path).unwrap_err().to_string();
    assert!(msg.contains("expected a single column, found 2 columns"), "{msg}");
}
