//! Sweep inputs and outputs beyond the tables: a sweep without a test part (`evaluation.test =
//! 0` with CV), the chosen model of each task as a `regpath predict` model, SNP ids in
//! `coefs.csv`, and the split and folds of each replicate.

use std::fs;
use std::path::Path;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};

fn opts(out: &Path) -> RunOptions {
    RunOptions { out: out.to_path_buf(), threads: Some(2), ..RunOptions::default() }
}

/// The header and rows of a CSV file.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// The values of column `name` of a CSV file.
fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, rows) = table(path);
    let k = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} not in {}", path.display()));
    rows.into_iter().map(|mut r| r.swap_remove(k)).collect()
}

const NO_TEST: &str = r#"
seed = 3
[[datasets]]
family = "toeplitz"
n = 60
p = 30
k = 3
replicates = 3
[[datasets]]
family = "uniform"
n = 40
p = 8
replicates = 3
[[penalties]]
penalty = "lasso"
[[penalties]]
penalty = "mcp"
[grid]
n_alphas = 10
eps = 0.05
[evaluation]
method = "cv"
folds = 3
test = 0
"#;

/// `test = 0` is refused with method `validation` (naming the key) and out of [0, 1).
#[test]
fn test_zero_needs_cross_validation() {
    let e = SweepConfig::from_toml(&NO_TEST.replace("method = \"cv\"\nfolds = 3\n", ""), None)
        .and_then(|c| c.validate())
        .unwrap_err();
    let e = format!("{e:#}");
    assert!(e.contains("evaluation.test = 0 needs method = \"cv\""), "{e}");
    let e = SweepConfig::from_toml(&NO_TEST.replace("test = 0", "test = -0.1"), None)
        .and_then(|c| c.validate())
        .unwrap_err();
    assert!(format!("{e:#}").contains("evaluation.test must be a fraction in (0, 1)"), "{e:#}");
}

/// Without a test part every sample trains, CV chooses alpha, every test column is empty, the
/// verdict compares configurations by the CV error at the chosen alpha, and the figures draw the
/// CV error instead of an empty test error.
#[test]
fn a_sweep_without_a_test_part() {
    let dir = tempfile::tempdir().unwrap();
    let config = SweepConfig::from_toml(NO_TEST, None).unwrap();
    let out = dir.path().join("out");
    let outcome = run_sweep(&config, &RunOptions { plot: true, ..opts(&out) }).unwrap();
    assert!(outcome.complete);
    let summary = out.join("summary.csv");
    assert!(column(&summary, "n_test").iter().all(|v| v == "0"));
    assert_eq!(column(&summary, "n_train").iter().filter(|v| *v == "60").count(), 6, "every sample trains");
    for col in ["chosen_test_mse", "chosen_test_r2", "oracle_test_mse", "cv1se_test_mse", "cv1se_test_r2"] {
        assert!(column(&summary, col).iter().all(String::is_empty), "{col} is not empty");
    }
    assert!(column(&summary, "chosen_selection_mse").iter().all(|v| v.parse::<f64>().unwrap() > 0.0));
    let path = out.join("path.csv");
    for col in ["test_mse", "test_r2", "test_deviance", "test_auc"] {
        assert!(column(&path, col).iter().all(String::is_empty), "path.csv {col} is not empty");
    }
    assert!(column(&path, "cv_mse").iter().all(|v| !v.is_empty()));
    let comparison = out.join("comparison.csv");
    for col in ["test_mse_mean", "test_r2_mean", "test_r2_ci_low", "cv1se_test_mse_mean"] {
        assert!(column(&comparison, col).iter().all(String::is_empty), "comparison.csv {col} is not empty");
    }
    assert!(column(&comparison, "nnz_mean").iter().all(|v| !v.is_empty()));
    // the verdict: by CV error, lower is better
    let metrics = column(&out.join("pairwise.csv"), "metric");
    assert!(metrics.contains(&"cv_error".to_string()), "{metrics:?}");
    assert!(metrics.iter().all(|m| !m.starts_with("test_")), "{metrics:?}");
    let ranks = out.join("ranks.csv");
    assert!(column(&ranks, "metric").iter().all(|m| m == "cv_error"));
    let (header, rows) = table(&ranks);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let dataset_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[at("scope")] == "dataset").collect();
    assert_eq!(dataset_rows.len(), 4);
    for d in ["toeplitz_n60_p30_k3", "uniform_n40_p8"] {
        let mut of: Vec<(f64, f64)> = dataset_rows
            .iter()
            .filter(|r| r[at("dataset")] == d)
            .map(|r| (r[at("mean")].parse().unwrap(), r[at("rank")].parse().unwrap()))
            .collect();
        of.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(of.iter().map(|x| x.1).collect::<Vec<_>>(), [1.0, 2.0], "{d}: lower CV error ranks first");
    }
    // figures: the CV error, no empty test panel
    let figures = out.join("figures");
    let summary_svg = fs::read_to_string(figures.join("summary__cv_error.svg")).unwrap();
    assert!(summary_svg.contains("CV error at the chosen alpha"));
    assert!(!figures.join("summary__test_r2.svg").exists());
    let nnz_svg = fs::read_to_string(figures.join("error_vs_nnz__uniform_n40_p8.svg")).unwrap();
    assert!(nnz_svg.contains("CV error (MSE; no test part)") && !nnz_svg.contains("test MSE"));
    assert!(figures.join("critical_difference.svg").exists());
}
