//! Issue 25, item 1: with the same foldid, `regpath path --foldid` gives cv.glmnet's `cvm` and
//! `cvsd` and the same lambda.min and lambda.1se, for the gaussian and the binomial family,
//! against the committed fixture of `scripts/cv_glmnet_fixture.R` (R is not needed here).

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cv").join(name)
}

/// Column `name` of a CSV file, as text.
fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

fn numbers(path: &Path, name: &str) -> Vec<f64> {
    column(path, name).iter().map(|v| v.parse().unwrap()).collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn agree(problem: &str, datafit: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let lambda: Vec<String> =
        std::fs::read_to_string(fixture(&format!("{problem}.lambda.txt"))).unwrap().lines().map(String::from).collect();
    let o = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["path", "--datafit", datafit, "--tol", "1e-12", "--alphas", &lambda.join(",")])
        .arg("--x")
        .arg(fixture(&format!("{problem}.X.csv")))
        .arg("--y")
        .arg(fixture(&format!("{problem}.y.csv")))
        .arg("--foldid")
        .arg(fixture(&format!("{problem}.foldid.txt")))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = out.join("path.csv");
    let theirs = fixture(&format!("{problem}.cv.csv"));
    let (alpha, lambda) = (numbers(&ours, "alpha"), numbers(&theirs, "lambda"));
    assert_eq!(alpha.len(), lambda.len(), "{problem}: both fit every alpha");
    for (a, l) in alpha.iter().zip(&lambda) {
        assert!((a / l - 1.0).abs() < 1e-15, "{problem}: alpha {a} vs lambda {l}");
    }
    let (mean, cvm) = (numbers(&ours, "cv_mean"), numbers(&theirs, "cvm"));
    let (se, cvsd) = (numbers(&ours, "cv_se"), numbers(&theirs, "cvsd"));
    for k in 0..alpha.len() {
        let rel = (mean[k] / cvm[k] - 1.0).abs();
        assert!(rel < 1e-6, "{problem}: alpha_index {k}: cv_mean {} vs cvm {} (relative {rel:e})", mean[k], cvm[k]);
        let rel = (se[k] / cvsd[k] - 1.0).abs();
        assert!(rel < 1e-5, "{problem}: alpha_index {k}: cv_se {} vs cvsd {} (relative {rel:e})", se[k], cvsd[k]);
    }
    // the same choices, in path.csv and model.json
    let choice = json(&fixture(&format!("{problem}.choice.json")));
    let (min, one_se) =
        (choice["alpha_min_index"].as_u64().unwrap() as usize, choice["alpha_1se_index"].as_u64().unwrap() as usize);
    let marks = column(&ours, "cv_choice");
    for (k, mark) in marks.iter().enumerate() {
        let want = match (k == min, k == one_se) {
            (true, true) => "min+1se",
            (true, false) => "min",
            (false, true) => "1se",
            (false, false) => "",
        };
        assert_eq!(mark, want, "{problem}: cv_choice of alpha_index {k}");
    }
    let model = json(&out.join("model.json"));
    assert_eq!(model["cv"]["alpha_min_index"].as_u64(), Some(min as u64));
    assert_eq!(model["cv"]["alpha_1se_index"].as_u64(), Some(one_se as u64));
    assert_eq!(model["cv"]["alpha_min"].as_f64(), Some(alpha[min]));
    assert_eq!(model["cv"]["alpha_1se"].as_f64(), Some(alpha[one_se]));
    // folds.txt: the fold file back, 1-based
    let folds = std::fs::read_to_string(out.join("folds.txt")).unwrap();
    let given = std::fs::read_to_string(fixture(&format!("{problem}.foldid.txt"))).unwrap();
    let written: Vec<&str> = folds.lines().skip(1).map(|l| l.split_whitespace().nth(1).unwrap()).collect();
    assert_eq!(written, given.lines().collect::<Vec<_>>());
}

#[test]
fn gaussian_cv_mean_equals_cv_glmnet_cvm() {
    agree("gaussian", "quadratic");
}

#[test]
fn binomial_cv_mean_equals_cv_glmnet_deviance() {
    agree("binomial", "logistic");
}
