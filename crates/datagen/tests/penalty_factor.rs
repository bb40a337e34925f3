//! Penalty factors: `.npy`, one weight per line, `SNP_ID weight` matched to a `.bim`, and every
//! malformed-input case.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, array};
use ndarray_npy::write_npy;
use regpath_datagen::{DataError, PenaltyFactors, StringColumn, read_penalty_factor};

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Writes `text` to `name` in `dir` and returns the path.
fn text_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = tmp(dir, name);
    fs::write(&path, text).unwrap();
    path
}

fn ids(names: &[&str]) -> StringColumn {
    names.iter().collect()
}

fn err(path: &Path, p: usize, snp_ids: Option<&StringColumn>) -> String {
    read_penalty_factor(path, p, snp_ids).unwrap_err().to_string()
}

#[test]
fn npy_vectors_of_any_numeric_dtype() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "pf.npy");
    write_npy(&path, &array![0.0, 1.0, 2.5]).unwrap();
    let pf = read_penalty_factor(&path, 3, None).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![0.0, 1.0, 2.5], n_defaulted: 0, n_unknown: 0 });
    write_npy(&path, &array![[1.0], [0.0], [3.0]]).unwrap();
    assert_eq!(read_penalty_factor(&path, 3, None).unwrap().weights, [1.0, 0.0, 3.0]);
    write_npy(&path, &array![[1i32, 0, 2]]).unwrap();
    assert_eq!(read_penalty_factor(&path, 3, None).unwrap().weights, [1.0, 0.0, 2.0]);
    write_npy(&path, &array![0.5f32, 1.0]).unwrap();
    assert_eq!(read_penalty_factor(&path, 2, None).unwrap().weights, [0.5, 1.0]);
    write_npy(&path, &array![true, false]).unwrap();
    assert_eq!(read_penalty_factor(&path, 2, None).unwrap().weights, [1.0, 0.0]);
    // -0 is read as 0
    write_npy(&path, &array![-0.0, 1.0]).unwrap();
    let w = read_penalty_factor(&path, 2, None).unwrap().weights;
    assert!(w[0] == 0.0 && w[0].is_sign_positive());
    // a .npy is positional even for a fileset
    let bim = ids(&["rs1", "rs2"]);
    assert_eq!(read_penalty_factor(&path, 2, Some(&bim)).unwrap().weights, [0.0, 1.0]);
}

#[test]
fn npy_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = tmp(&dir, "pf.npy");
    write_npy(&path, &array![1.0, -0.5, 2.0]).unwrap();
    let msg = err(&path, 3, None);
    assert!(msg.contains("pf.npy: element 1 (0-based): weight -0.5 is negative"), "{msg}");
    write_npy(&path, &array![1.0, 2.0, f64::NAN]).unwrap();
    let msg = err(&path, 3, None);
    assert!(msg.contains("pf.npy: element 2 (0-based): weight NaN is not finite"), "{msg}");
    write_npy(&path, &array![f64::INFINITY]).unwrap();
    assert!(err(&path, 1, None).contains("element 0 (0-based): weight inf is not finite"));
    write_npy(&path, &array![1.0, 2.0]).unwrap();
    let msg = err(&path, 3, None);
    assert!(msg.contains("pf.npy: expected 3 weights (one per column of X), found 2"), "{msg}");
    let bim = ids(&["a", "b", "c"]);
    assert!(err(&path, 3, Some(&bim)).contains("expected 3 weights (one per SNP of the .bim), found 2"));
    write_npy(&path, &Array1::<f64>::zeros(0)).unwrap();
    assert!(err(&path, 3, None).contains("pf.npy: empty array: no weights"));
    write_npy(&path, &Array1::<f64>::zeros(3)).unwrap();
    assert!(err(&path, 3, None).ends_with("pf.npy: every weight is 0: nothing is penalized"));
    write_npy(&path, &Array2::<f64>::ones((2, 2))).unwrap();
    let msg = err(&path, 4, None);
    assert!(msg.contains("expected a vector") && msg.contains("[2, 2]"), "{msg}");
    let missing = tmp(&dir, "missing.npy");
    let e = read_penalty_factor(&missing, 1, None).unwrap_err();
    assert!(matches!(e, DataError::Open { .. }), "{e}");
}

#[test]
fn one_weight_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_file(&dir, "pf.txt", "# weights for X\n1\n\n0\n  2.5e0 \n# the last\n0.25\n");
    let pf = read_penalty_factor(&path, 4, None).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![1.0, 0.0, 2.5, 0.25], n_defaulted: 0, n_unknown: 0 });
    // any extension but .npy is text; CRLF line ends are fine
    let path = text_file(&dir, "weights", "1\r\n0\r\n");
    assert_eq!(read_penalty_factor(&path, 2, None).unwrap().weights, [1.0, 0.0]);
    // a one-column file with SNP IDs is positional and must have p lines
    let bim = ids(&["rs1", "rs2"]);
    let pf = read_penalty_factor(&path, 2, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![1.0, 0.0], n_defaulted: 0, n_unknown: 0 });
    let short = text_file(&dir, "short.txt", "1\n");
    let msg = err(&short, 2, Some(&bim));
    assert!(msg.contains("short.txt: expected 2 weights (one per SNP of the .bim), found 1"), "{msg}");
}

#[test]
fn one_weight_per_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let check = |name: &str, text: &str, p: usize, expected: &str| {
        let path = text_file(&dir, name, text);
        let msg = err(&path, p, None);
        assert!(msg.contains(expected), "{name}: {msg}");
        assert!(msg.contains(name), "{name}: the message must name the file: {msg}");
    };
    check("neg.txt", "1\n2\n-1\n", 3, "line 3: weight '-1' is negative; penalty factors must be finite numbers >= 0");
    check("nan.txt", "1\nNaN\n", 2, "line 2: weight 'NaN' is missing or NaN");
    check("na.txt", "NA\n1\n", 2, "line 1: weight 'NA' is missing or NaN");
    check("inf.txt", "1\n\ninf\n", 2, "line 3: weight 'inf' is not finite");
    check("text.txt", "1\nheavy\n", 2, "line 2, column 1: 'heavy' is not a number");
    check("header.txt", "weight\n1\n", 1, "line 1, column 1: 'weight' is not a number");
    check("count.txt", "1\n2\n3\n", 4, "expected 4 weights (one per column of X), found 3");
    check("many.txt", "1\n2\n3\n", 2, "expected 2 weights (one per column of X), found 3");
    check("zero.txt", "0\n0.0\n-0\n", 3, "every weight is 0: nothing is penalized");
    check("empty.txt", "", 3, "empty file: no weights");
    check("blank.txt", "\n  \n# only a comment\n", 3, "empty file: no weights");
    check("ragged.txt", "1\n2 3\n", 2, "line 2: expected 1 field (as on line 1), found 2");
    check("wide.txt", "# c\nrs1 1 2\n", 1, "line 2: expected 1 field (weight) or 2 fields (SNP_ID weight), found 3");
    check("ids.txt", "\nrs1 1\nrs2 0\n", 2, "line 2: 2 fields (SNP_ID weight) can only be matched to the SNP IDs");
    let path = text_file(&dir, "latin1.txt", "");
    fs::write(&path, b"1\n\xff\n").unwrap();
    assert!(err(&path, 2, None).contains("not a text file"));
    let missing = tmp(&dir, "missing.txt");
    assert!(err(&missing, 1, None).contains("missing.txt: cannot open"));
}

#[test]
fn parameters_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = text_file(&dir, "pf.txt", "1\n");
    let e = read_penalty_factor(&path, 0, None).unwrap_err();
    assert!(matches!(e, DataError::Parameter(_)), "{e}");
    assert!(e.to_string().contains("p = 0"), "{e}");
    let bim = ids(&["rs1"]);
    let e = read_penalty_factor(&path, 2, Some(&bim)).unwrap_err();
    assert!(matches!(e, DataError::Parameter(_)), "{e}");
    assert!(e.to_string().contains("1 SNP IDs given for p = 2 columns"), "{e}");
}

#[test]
fn snp_id_weight_pairs_matched_to_the_bim() {
    let dir = tempfile::tempdir().unwrap();
    let bim = ids(&["rs1", "rs2", "rs3", "rs4"]);
    // header, any order, tabs, comments; rs2 and rs4 not listed keep weight 1
    let path = text_file(&dir, "pf.txt", "SNP\tweight\n# covariate-like SNP\nrs3\t0\n\nrs1  2.5\n");
    let pf = read_penalty_factor(&path, 4, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![2.5, 1.0, 0.0, 1.0], n_defaulted: 2, n_unknown: 0 });
    // without a header; every SNP listed
    let path = text_file(&dir, "all.txt", "rs4 4\nrs3 3\nrs2 2\nrs1 1\n");
    let pf = read_penalty_factor(&path, 4, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![1.0, 2.0, 3.0, 4.0], n_defaulted: 0, n_unknown: 0 });
    // comma-separated .csv with a header
    let path = text_file(&dir, "pf.csv", "snp, factor\nrs2, 0\nrs4,0.5\n");
    let pf = read_penalty_factor(&path, 4, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![1.0, 0.0, 1.0, 0.5], n_defaulted: 2, n_unknown: 0 });
    // listed zeros next to defaulted ones are not "every weight 0"
    let path = text_file(&dir, "zeros.txt", "rs1 0\nrs2 0\nrs3 0\n");
    let pf = read_penalty_factor(&path, 4, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![0.0, 0.0, 0.0, 1.0], n_defaulted: 1, n_unknown: 0 });
    // a repeated .bim ID is fine as long as the file does not name it
    let dup_bim = ids(&["rs1", ".", ".", "rs4"]);
    let path = text_file(&dir, "dup_ok.txt", "rs4 0\n");
    let pf = read_penalty_factor(&path, 4, Some(&dup_bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![1.0, 1.0, 1.0, 0.0], n_defaulted: 3, n_unknown: 0 });
    // a genome-wide file: ids of other filesets are counted, not an error
    let path = text_file(&dir, "genome_wide.txt", "SNP weight\nrs9 0\nrs1 0.5\nrs10 2\n");
    let pf = read_penalty_factor(&path, 4, Some(&bim)).unwrap();
    assert_eq!(pf, PenaltyFactors { weights: vec![0.5, 1.0, 1.0, 1.0], n_defaulted: 3, n_unknown: 2 });
}

#[test]
fn snp_id_weight_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bim = ids(&["rs1", "rs2", "rs3"]);
    let check = |name: &str, text: &str, expected: &str| {
        let path = text_file(&dir, name, text);
        let msg = err(&path, 3, Some(&bim));
        assert!(msg.contains(expected), "{name}: {msg}");
        assert!(msg.contains(name), "{name}: the message must name the file: {msg}");
    };
    check(
        "unknown.txt",
        "SNP weight\nrs8 1\nrs9 0\n",
        "none of its 2 SNP IDs (e.g. rs8, rs9) is among the 3 SNPs fitted",
    );
    check("unknown_bad.txt", "SNP weight\nrs1 1\nrs9 -1\n", "line 3: weight '-1' for SNP 'rs9' is negative");
    check("twice.txt", "rs1 1\nrs2 0\n\nrs1 2\n", "line 4: SNP 'rs1' is listed twice (first on line 1)");
    check("neg.txt", "rs1 1\nrs2 -2\n", "line 2: weight '-2' for SNP 'rs2' is negative");
    check("nan.txt", "rs3 NA\n", "line 1: weight 'NA' for SNP 'rs3' is missing or NaN");
    check("inf.txt", "rs3 -inf\n", "line 1: weight '-inf' for SNP 'rs3' is not finite");
    check("text.txt", "SNP weight\nrs1 high\n", "line 2, column 2: 'high' is not a number");
    check("zero.txt", "rs1 0\nrs2 0\nrs3 0\n", "every weight is 0: nothing is penalized");
    check("header_only.txt", "SNP weight\n", "no weights after the header line 1");
    check("ragged.txt", "rs1 1\nrs2\n", "line 2: expected 2 fields (as on line 1), found 1");
    check("empty.txt", "# nothing\n", "empty file: no weights");
    let dup_bim = ids(&["rs1", ".", "rs3", "."]);
    let path = text_file(&dir, "dup.txt", "rs1 1\n. 0\n");
    let msg = err(&path, 4, Some(&dup_bim));
    assert!(
        msg.contains(
            "line 2: SNP '.' appears more than once in the .bim (SNPs 2 and 4, 1-based), so it cannot be matched"
        ),
        "{msg}"
    );
}
