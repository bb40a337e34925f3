//! Covariates: the dense matrix reader (`.npy`, CSV) and the PLINK table reader (matching to
//! the `.fam`, missing codes, categorical expansion), with every malformed-input case.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Array3, ShapeBuilder, array};
use ndarray_npy::write_npy;
use regpath_datagen::{
    Bed, CovariateColumn, CovariateTable, DataError, read_covariate_matrix, read_covariate_table,
    read_covariate_table_as,
};

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Writes `text` to `name` in `dir` and returns the path.
fn text_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = tmp(dir, name);
    fs::write(&path, text).unwrap();
    path
}

fn fam(n: usize) -> Vec<(String, String)> {
    (1..=n).map(|i| (format!("f{i}"), format!("i{i}"))).collect()
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn matrix_err(path: &Path, n: usize) -> String {
    read_covariate_matrix(path, n).unwrap_err().to_string()
}

fn table_err(path: &Path, samples: &[(String, String)]) -> String {
    read_covariate_table(path, samples).unwrap_err().to_string()
}

// ---------------------------------------------------------------- dense matrix

#[test]
fn matrix_from_npy() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "C.npy");
    let c = array![[1.0, 20.0], [0.0, 35.5], [1.0, 41.0]];
    write_npy(&path, &c).unwrap();
    let cov = read_covariate_matrix(&path, 3).unwrap();
    assert_eq!(cov.values, c);
    assert_eq!(cov.names, ["cov1", "cov2"]);
    assert!(cov.values.t().is_standard_layout(), "values must be column-major");
    // Fortran order, integers
    let mut f = Array2::<i32>::zeros((3, 2).f());
    f.assign(&array![[1, 2], [3, 4], [5, 6]]);
    write_npy(&path, &f).unwrap();
    let cov = read_covariate_matrix(&path, 3).unwrap();
    assert_eq!(cov.values, array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    assert!(cov.values.t().is_standard_layout());
    // a 1-D array is one covariate
    write_npy(&path, &array![0.5f32, 1.5, 2.5]).unwrap();
    let cov = read_covariate_matrix(&path, 3).unwrap();
    assert_eq!(cov.values, array![[0.5], [1.5], [2.5]]);
    assert_eq!(cov.names, ["cov1"]);
}

#[test]
fn matrix_from_csv_with_and_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_file(&dir, "C.csv", "age,sex\n34,1\n51,0\n");
    let cov = read_covariate_matrix(&path, 2).unwrap();
    assert_eq!(cov.names, ["age", "sex"]);
    assert_eq!(cov.values, array![[34.0, 1.0], [51.0, 0.0]]);
    assert!(cov.values.t().is_standard_layout());
    let path = text_file(&dir, "C.txt", "34\t1\t0.2\n51\t0\t-0.1\n");
    let cov = read_covariate_matrix(&path, 2).unwrap();
    assert_eq!(cov.names, ["cov1", "cov2", "cov3"]);
    assert_eq!(cov.values, array![[34.0, 1.0, 0.2], [51.0, 0.0, -0.1]]);
    let path = text_file(&dir, "C.tsv", "pc1\n0.1\n0.2\n0.3\n");
    let cov = read_covariate_matrix(&path, 3).unwrap();
    assert_eq!(cov.names, ["pc1"]);
    assert_eq!(cov.values, array![[0.1], [0.2], [0.3]]);
}

#[test]
fn matrix_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "C.npy");
    write_npy(&path, &Array2::<f64>::zeros((4, 2))).unwrap();
    let msg = matrix_err(&path, 5);
    assert!(msg.contains("C.npy: expected 5 rows (one per row of X), found 4"), "{msg}");
    write_npy(&path, &Array1::<f64>::zeros(4)).unwrap();
    assert!(matrix_err(&path, 3).contains("expected 3 rows (one per row of X), found 4"));
    write_npy(&path, &Array2::<f64>::zeros((4, 0))).unwrap();
    assert!(matrix_err(&path, 4).contains("C.npy: no covariates (0 columns)"));
    write_npy(&path, &Array3::<f64>::zeros((2, 2, 2))).unwrap();
    let msg = matrix_err(&path, 2);
    assert!(msg.contains("expected a 2-D array (samples x covariates) or a 1-D array") && msg.contains("[2, 2, 2]"));
    let mut c = Array2::<f64>::ones((3, 2));
    c[[2, 1]] = f64::NAN;
    write_npy(&path, &c).unwrap();
    let e = read_covariate_matrix(&path, 3).unwrap_err();
    assert!(matches!(e, DataError::NonFinite { row: 2, column: 1, .. }), "{e}");
    assert!(e.to_string().contains("C.npy: non-finite value NaN at row 3, column 2 (1-based)"), "{e}");
    c[[2, 1]] = 1.0;
    c[[0, 0]] = f64::NEG_INFINITY;
    write_npy(&path, &c).unwrap();
    assert!(matrix_err(&path, 3).contains("non-finite value -inf at row 1, column 1 (1-based)"));

    let path = text_file(&dir, "C.csv", "age,sex\n34,1\n");
    assert!(matrix_err(&path, 2).contains("C.csv: expected 2 rows (one per row of X), found 1"));
    let path = text_file(&dir, "C.csv", "age,sex\n34,1\nNA,0\n");
    assert!(matrix_err(&path, 2).contains("C.csv: non-finite value NaN at row 2, column 1 (1-based)"));
    let path = text_file(&dir, "C.csv", "34,1\n35,inf\n");
    assert!(matrix_err(&path, 2).contains("non-finite value inf at row 2, column 2 (1-based)"));
    let path = text_file(&dir, "C.csv", "age,sex\n34,M\n");
    assert!(matrix_err(&path, 1).contains("C.csv: line 2, column 2: 'M' is not a number"));
    let path = text_file(&dir, "C.csv", "");
    assert!(matrix_err(&path, 1).contains("C.csv: empty file"));
    let path = text_file(&dir, "C.dat", "1\n");
    assert!(matrix_err(&path, 1).contains("unknown file type '.dat'"));
    assert!(matches!(read_covariate_matrix(&tmp(&dir, "none.npy"), 1).unwrap_err(), DataError::Open { .. }));
}

// ---------------------------------------------------------------- PLINK table

#[test]
fn another_cohort_is_encoded_as_the_training_table() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(4);
    let train = text_file(&dir, "train.txt", "FID IID age batch\nf1 i1 30 B\nf2 i2 40 A\nf3 i3 50 C\nf4 i4 60 B\n");
    let t = read_covariate_table(&train, &samples).unwrap();
    assert_eq!(t.names, names(&["age", "batch=B", "batch=C"]));
    // the new cohort: columns in another order, an extra column, only levels B and C present
    let new = text_file(&dir, "new.txt", "FID IID batch extra age\nf1 i1 C 9 31\nf2 i2 B 9 41\nf3 i3 B 9 NA\n");
    let n = read_covariate_table_as(&new, &samples, &t.columns).unwrap();
    assert_eq!(n.names, t.names);
    assert_eq!(n.values, vec![Some(vec![31.0, 0.0, 1.0]), Some(vec![41.0, 1.0, 0.0]), None, None]);
    assert_eq!((n.n_absent, n.n_missing), (1, 1));
    // a level without a coefficient, and a missing column, are errors naming them
    let bad = text_file(&dir, "bad.txt", "FID IID age batch\nf1 i1 30 D\n");
    let e = read_covariate_table_as(&bad, &samples, &t.columns).unwrap_err().to_string();
    assert!(e.contains("level 'D' is not one of the training levels (A, B, C)"), "{e}");
    let short = text_file(&dir, "short.txt", "FID IID age\nf1 i1 30\n");
    let e = read_covariate_table_as(&short, &samples, &t.columns).unwrap_err().to_string();
    assert!(e.contains("covariate 'batch' of the model is not a column of this file"), "{e}");
}

#[test]
fn table_with_header_matched_to_the_fam() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(4);
    // shuffled order, a sample not in the .fam, f3 absent, tabs and blank lines
    let path =
        text_file(&dir, "cov.txt", "FID\tIID\tage\tpc1\nf2 i2 40 -0.5\n\nfX iX 1 1\nf1\ti1\t33\t0.25\nf4 i4 51 0\n");
    let t = read_covariate_table(&path, &samples).unwrap();
    assert_eq!(
        t,
        CovariateTable {
            names: names(&["age", "pc1"]),
            values: vec![Some(vec![33.0, 0.25]), Some(vec![40.0, -0.5]), None, Some(vec![51.0, 0.0])],
            n_absent: 1,
            n_missing: 0,
            n_unknown: 1,
            columns: vec![
                CovariateColumn { name: "age".into(), levels: None },
                CovariateColumn { name: "pc1".into(), levels: None }
            ],
        }
    );
    let c = t.rows(&[3, 0]).unwrap();
    assert_eq!(c.names, ["age", "pc1"]);
    assert_eq!(c.values, array![[51.0, 0.0], [33.0, 0.25]]);
    assert!(c.values.t().is_standard_layout(), "values must be column-major");
}

#[test]
fn table_header_forms_and_default_names() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(2);
    for header in ["#FID IID a b", "# fid iid a b", "fid IID a b", "#fid\tiid\ta\tb"] {
        let path = text_file(&dir, "cov.txt", &format!("{header}\nf1 i1 1 2\nf2 i2 3 4\n"));
        let t = read_covariate_table(&path, &samples).unwrap();
        assert_eq!(t.names, ["a", "b"], "{header}");
        assert_eq!(t.values, vec![Some(vec![1.0, 2.0]), Some(vec![3.0, 4.0])], "{header}");
    }
    let path = text_file(&dir, "cov.txt", "f1 i1 1 2 3\nf2 i2 3 4 5\n");
    let t = read_covariate_table(&path, &samples).unwrap();
    assert_eq!(t.names, ["cov1", "cov2", "cov3"]);
    assert_eq!(t.values[1], Some(vec![3.0, 4.0, 5.0]));
    assert_eq!((t.n_absent, t.n_missing, t.n_unknown), (0, 0, 0));
}

#[test]
fn table_missing_codes_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(8);
    let text = "FID IID age batch\n\
                f1 i1 30 A\n\
                f2 i2 -9 A\n\
                f3 i3 NA B\n\
                f4 i4 31 na\n\
                f5 i5 . B\n\
                f6 i6 32 -9\n\
                f7 i7 -9.5 B\n\
                u1 u1 -9 A\n\
                u2 u2 1 B\n";
    let path = text_file(&dir, "cov.txt", text);
    let t = read_covariate_table(&path, &samples).unwrap();
    assert_eq!(t.names, ["age", "batch=B"]);
    assert_eq!(t.values, vec![Some(vec![30.0, 0.0]), None, None, None, None, None, Some(vec![-9.5, 1.0]), None]);
    assert_eq!(t.n_absent, 1, "f8 is not in the file");
    assert_eq!(t.n_missing, 5, "f2..f6 miss a value");
    assert_eq!(t.n_unknown, 2);
    // NaN and -9.0 are missing too; 0 is a value
    let path = text_file(&dir, "cov2.txt", "f1 i1 NaN\nf2 i2 -9.0\nf3 i3 0\n");
    let t = read_covariate_table(&path, &fam(3)).unwrap();
    assert_eq!(t.values, vec![None, None, Some(vec![0.0])]);
    assert_eq!((t.n_absent, t.n_missing, t.n_unknown), (0, 2, 0));
}

#[test]
fn categorical_columns_become_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(5);
    // levels sort as strings: "10" < "9"; "C" only on an unknown line is not a level
    let text = "FID IID sex pc1 site\n\
                f1 i1 M 0.1 9\n\
                f2 i2 F 0.2 10\n\
                f3 i3 M 0.3 site3\n\
                f4 i4 F 0.4 9\n\
                f5 i5 M 0.5 10\n\
                x1 x1 C 0.6 zz\n";
    let path = text_file(&dir, "cov.txt", text);
    let t = read_covariate_table(&path, &samples).unwrap();
    // sex: F is the reference; site: "10" is the reference
    assert_eq!(t.names, ["sex=M", "pc1", "site=9", "site=site3"]);
    assert_eq!(
        t.values,
        vec![
            Some(vec![1.0, 0.1, 1.0, 0.0]),
            Some(vec![0.0, 0.2, 0.0, 0.0]),
            Some(vec![1.0, 0.3, 0.0, 1.0]),
            Some(vec![0.0, 0.4, 1.0, 0.0]),
            Some(vec![1.0, 0.5, 0.0, 0.0]),
        ]
    );
    assert_eq!(t.n_unknown, 1);
    let c = t.rows(&[0, 1, 2]).unwrap();
    assert_eq!(c.names, t.names);
    assert_eq!(c.values, array![[1.0, 0.1, 1.0, 0.0], [0.0, 0.2, 0.0, 0.0], [1.0, 0.3, 0.0, 1.0]]);
    // without a header the indicators are named after cov<j>; levels are case-sensitive
    let path = text_file(&dir, "cov2.txt", "f1 i1 b\nf2 i2 a\nf3 i3 B\n");
    let t = read_covariate_table(&path, &fam(3)).unwrap();
    assert_eq!(t.names, ["cov1=a", "cov1=b"], "B < a < b in byte order");
    assert_eq!(t.values, vec![Some(vec![0.0, 1.0]), Some(vec![1.0, 0.0]), Some(vec![0.0, 0.0])]);
    // a text value on an unknown line does not make a numeric column categorical
    let path = text_file(&dir, "cov3.txt", "FID IID age\nf1 i1 30\nq q old\nf2 i2 40\n");
    let t = read_covariate_table(&path, &fam(2)).unwrap();
    assert_eq!(t.names, ["age"]);
    assert_eq!(t.values, vec![Some(vec![30.0]), Some(vec![40.0])]);
}

#[test]
fn table_rows_needs_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_file(&dir, "cov.txt", "f1 i1 1\nf2 i2 NA\n");
    let t = read_covariate_table(&path, &fam(3)).unwrap();
    let e = t.rows(&[0, 1]).unwrap_err();
    assert!(matches!(e, DataError::Parameter(_)), "{e}");
    assert!(e.to_string().contains(".fam sample 2 (line 2) has no covariate values"), "{e}");
    assert!(t.rows(&[2]).unwrap_err().to_string().contains(".fam sample 3 (line 3) has no covariate values"));
    assert!(t.rows(&[3]).unwrap_err().to_string().contains("sample index 3 is out of range (3 .fam samples)"));
    let empty = t.rows(&[]).unwrap();
    assert_eq!(empty.values.dim(), (0, 1));
}

#[test]
fn table_matched_to_a_plink_fam() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let bed = Bed::open(&fixtures.join("small")).unwrap();
    let path = text_file(&dir, "cov.txt", "#FID IID age\nfam2 ind3 50\nfam1 ind1 40\nfam4 ind7 NA\nfamX indX 1\n");
    let t = read_covariate_table(&path, bed.sample_ids()).unwrap();
    assert_eq!(t.values[0], Some(vec![40.0]));
    assert_eq!(t.values[2], Some(vec![50.0]));
    assert_eq!(t.values[6], None);
    assert_eq!((t.n_absent, t.n_missing, t.n_unknown), (4, 1, 1));
}

#[test]
fn table_errors() {
    let dir = tempfile::tempdir().unwrap();
    let samples = fam(3);
    let check = |name: &str, text: &str, expected: &str| {
        let path = text_file(&dir, name, text);
        let msg = table_err(&path, &samples);
        assert!(msg.contains(expected), "{name}: {msg}");
        assert!(msg.contains(name), "{name}: the message must name the file: {msg}");
    };
    check("empty.txt", "", "empty file: no samples");
    check("blank.txt", "\n   \n", "empty file: no samples");
    check("header_only.txt", "FID IID age\n", "no samples after the header line 1");
    check("no_cov.txt", "FID IID\nf1 i1\n", "no covariates: line 1 has only FID and IID");
    check("no_cov2.txt", "\nf1 i1\nf2 i2\n", "no covariates: line 2 has only FID and IID");
    check("one_field.txt", "f1\n", "line 1: expected FID, IID and at least one covariate, found 1 field");
    check(
        "dup_name.txt",
        "FID IID age sex age\nf1 i1 1 2 3\n",
        "line 1: covariate name 'age' appears twice in the header (fields 3 and 5)",
    );
    check(
        "ragged.txt",
        "FID IID age sex\nf1 i1 30 M\nf2 i2 40\n",
        "line 3: expected 4 fields (FID, IID and 2 covariates, as on line 1), found 3",
    );
    check(
        "ragged1.txt",
        "f1 i1 30\nf2 i2 40 M\n",
        "line 2: expected 3 fields (FID, IID and 1 covariate, as on line 1), found 4",
    );
    check("twice.txt", "f1 i1 1\nf2 i2 2\nf1 i1 3\n", "line 3: sample f1 i1 is listed twice (first on line 1)");
    check(
        "twice_unknown.txt",
        "f1 i1 1\nzz zz 2\n\nzz zz 3\n",
        "line 4: sample zz zz is listed twice (first on line 2)",
    );
    check(
        "constant.txt",
        "FID IID sex\nf1 i1 M\nf2 i2 M\nf3 i3 NA\nx1 x1 F\n",
        "categorical covariate 'sex' (field 3) has a single level 'M' among the .fam samples in the file: it is constant",
    );
    check(
        "all_missing.txt",
        "FID IID age pc\nf1 i1 30 NA\nf2 i2 40 -9\nx1 x1 50 0.1\n",
        "covariate 'pc' (field 4) has no value for any of the 2 .fam samples in the file",
    );
    check(
        "inf.txt",
        "FID IID age pc\nf1 i1 30 1\nf2 i2 40 -inf\n",
        "line 3, field 4 (covariate 'pc'): infinite value '-inf'",
    );
    check(
        "no_match.txt",
        "FID IID age\ni1 f1 30\ni2 f2 40\n",
        "none of the 2 samples in the file is in the .fam (line 2: FID 'i1' IID 'f1')",
    );
    let path = text_file(&dir, "latin1.txt", "");
    fs::write(&path, b"f1 i1 \xff\n").unwrap();
    assert!(table_err(&path, &samples).contains("not a text file"));
    assert!(table_err(&tmp(&dir, "none.txt"), &samples).contains("none.txt: cannot open"));
    // a .fam listing a sample twice is a parameter error
    let path = text_file(&dir, "ok.txt", "f1 i1 1\n");
    let mut dup = fam(2);
    dup.push(("f1".into(), "i1".into()));
    let e = read_covariate_table(&path, &dup).unwrap_err();
    assert!(matches!(e, DataError::Parameter(_)), "{e}");
    assert!(e.to_string().contains("the .fam lists sample f1 i1 twice (samples 1 and 3, 1-based)"), "{e}");
}
