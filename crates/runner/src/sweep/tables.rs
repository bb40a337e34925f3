//! The sweep's tables (docs/design.md §5): flat row structs for `path.csv`, `summary.csv`,
//! `comparison.csv` and `coefs.csv`, and their assembly from per-task results.
//!
//! Optional values (undefined metrics, metrics that need the truth, CV columns without CV) are
//! written as empty fields. Every column is documented in `docs/sweep.md`.

use std::path::Path;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use super::metrics::mean_sd;
use crate::tables::write_csv;

/// One row of `path.csv`: a task × alpha.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SweepPathRow {
    /// Task position in plan order.
    pub task_index: usize,
    /// Task id.
    pub task_id: String,
    /// Dataset id.
    pub dataset: String,
    /// Family (`file`/`plink` for read data).
    pub family: String,
    /// Samples of the whole dataset.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// Replicate.
    pub replicate: usize,
    /// Penalty name.
    pub penalty: String,
    /// `quadratic` or `logistic`.
    pub datafit: String,
    /// Elastic-net mixing.
    pub l1_ratio: Option<f64>,
    /// MCP/SCAD γ.
    pub gamma: Option<f64>,
    /// 0-based position on the grid.
    pub alpha_index: usize,
    /// α.
    pub alpha: f64,
    /// α / alpha_max of the training part.
    pub alpha_over_max: f64,
    /// Nonzero coefficients.
    pub nnz: usize,
    /// 1 − nnz/p.
    pub zero_fraction: f64,
    /// MSE on the training part.
    pub train_mse: f64,
    /// MSE on the validation part (validation method).
    pub validation_mse: Option<f64>,
    /// Mean MSE over CV folds (CV method).
    pub cv_mse: Option<f64>,
    /// Standard error of `cv_mse`.
    pub cv_se: Option<f64>,
    /// MSE on the test part.
    pub test_mse: f64,
    /// R² on the test part.
    pub test_r2: Option<f64>,
    /// Mean binomial deviance on the test part (logistic tasks).
    pub test_deviance: Option<f64>,
    /// Area under the ROC curve on the test part (logistic tasks; empty with one class).
    pub test_auc: Option<f64>,
    /// Share of test samples on the wrong side of probability 1/2 (logistic tasks).
    pub test_misclassification: Option<f64>,
    /// ‖β̂ − β*‖₂ (truth known).
    pub coef_error: Option<f64>,
    /// Selected features that are truly nonzero.
    pub true_positives: Option<usize>,
    /// Selected features that are truly zero.
    pub false_positives: Option<usize>,
    /// Truly nonzero features not selected.
    pub false_negatives: Option<usize>,
    /// TP/(TP+FP).
    pub precision: Option<f64>,
    /// TP/(TP+FN).
    pub recall: Option<f64>,
    /// 2TP/(2TP+FP+FN).
    pub f1: Option<f64>,
    /// Certificate value.
    pub certificate: f64,
    /// `gap` or `kkt`.
    pub certificate_kind: String,
    /// certificate ≤ tol.
    pub converged: bool,
    /// Epochs at this alpha.
    pub epochs: usize,
    /// Work at this alpha in full passes over X: columns read by coordinate updates and by
    /// gradient scans outside the working set, divided by p (`coordinate_updates/p +
    /// scan_passes`); machine-independent, unlike `time_s`.
    pub full_passes: f64,
    /// Seconds for this alpha (timing column).
    pub time_s: f64,
}

/// One row of `summary.csv`: a task.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SummaryRow {
    /// Task position in plan order.
    pub task_index: usize,
    /// Task id.
    pub task_id: String,
    /// Dataset id.
    pub dataset: String,
    /// Family.
    pub family: String,
    /// Samples.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// Replicate.
    pub replicate: usize,
    /// Penalty name.
    pub penalty: String,
    /// `quadratic` or `logistic`.
    pub datafit: String,
    /// Elastic-net mixing.
    pub l1_ratio: Option<f64>,
    /// MCP/SCAD γ.
    pub gamma: Option<f64>,
    /// Seed of the synthetic data (`regpath gen --seed`), empty for files.
    pub data_seed: Option<u64>,
    /// Seed of the split and folds.
    pub split_seed: u64,
    /// Training samples.
    pub n_train: usize,
    /// Validation samples (0 with CV).
    pub n_validation: usize,
    /// Test samples.
    pub n_test: usize,
    /// CV folds (0 without CV).
    pub folds: usize,
    /// `validation` or `cv`.
    pub selection: String,
    /// alpha_max of the training part.
    pub alpha_max: f64,
    /// Alphas fitted.
    pub n_alphas: usize,
    /// Number of truly nonzero coefficients (truth known).
    pub true_nnz: Option<usize>,
    /// Chosen alpha's grid index (validation minimum, or CV minimum).
    pub chosen_alpha_index: usize,
    /// Chosen α.
    pub chosen_alpha: f64,
    /// Chosen α / alpha_max.
    pub chosen_alpha_over_max: f64,
    /// Its nnz.
    pub chosen_nnz: usize,
    /// The criterion at the chosen alpha (validation MSE or mean CV MSE).
    pub chosen_selection_mse: f64,
    /// Test MSE of the chosen model.
    pub chosen_test_mse: f64,
    /// Test R² of the chosen model.
    pub chosen_test_r2: Option<f64>,
    /// Test mean binomial deviance at the chosen alpha (logistic tasks).
    pub chosen_test_deviance: Option<f64>,
    /// Test AUC at the chosen alpha (logistic tasks).
    pub chosen_test_auc: Option<f64>,
    /// Test misclassification rate at the chosen alpha (logistic tasks).
    pub chosen_test_misclassification: Option<f64>,
    /// ‖β̂ − β*‖₂ of the chosen model.
    pub chosen_coef_error: Option<f64>,
    /// TP of the chosen model.
    pub chosen_true_positives: Option<usize>,
    /// FP of the chosen model.
    pub chosen_false_positives: Option<usize>,
    /// Precision of the chosen model.
    pub chosen_precision: Option<f64>,
    /// Recall of the chosen model.
    pub chosen_recall: Option<f64>,
    /// F1 of the chosen model.
    pub chosen_f1: Option<f64>,
    /// One-standard-error choice (CV): grid index.
    pub cv1se_alpha_index: Option<usize>,
    /// One-standard-error choice: α.
    pub cv1se_alpha: Option<f64>,
    /// One-standard-error choice: α / alpha_max.
    pub cv1se_alpha_over_max: Option<f64>,
    /// One-standard-error choice: nnz.
    pub cv1se_nnz: Option<usize>,
    /// One-standard-error choice: test MSE.
    pub cv1se_test_mse: Option<f64>,
    /// One-standard-error choice: test R².
    pub cv1se_test_r2: Option<f64>,
    /// One-standard-error choice: F1.
    pub cv1se_f1: Option<f64>,
    /// Smallest test MSE anywhere on the path (an oracle, for reference only).
    pub oracle_test_mse: f64,
    /// Every alpha's certificate ≤ tol.
    pub all_converged: bool,
    /// Largest certificate on the path.
    pub worst_certificate: f64,
    /// `end_of_grid`, `max_nnz` or `saturated`.
    pub stop_reason: String,
    /// Work of the whole training path in full passes over X (sum of `full_passes`).
    pub path_full_passes: f64,
    /// Seconds for the whole training path (timing column).
    pub path_time_s: f64,
    /// Seconds for the CV fits (timing column; 0 without CV).
    pub cv_time_s: f64,
}

/// One row of `comparison.csv`: a dataset × penalty configuration over replicates.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ComparisonRow {
    /// Dataset id.
    pub dataset: String,
    /// Family.
    pub family: String,
    /// Samples.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// Penalty name.
    pub penalty: String,
    /// Elastic-net mixing.
    pub l1_ratio: Option<f64>,
    /// MCP/SCAD γ.
    pub gamma: Option<f64>,
    /// Replicates aggregated.
    pub replicates: usize,
    /// Mean test MSE of the chosen models.
    pub test_mse_mean: Option<f64>,
    /// Its standard deviation over replicates.
    pub test_mse_sd: Option<f64>,
    /// Mean test R².
    pub test_r2_mean: Option<f64>,
    /// Mean test binomial deviance at the chosen alpha (logistic tasks).
    pub test_deviance_mean: Option<f64>,
    /// Mean test AUC at the chosen alpha (logistic tasks).
    pub test_auc_mean: Option<f64>,
    /// Mean test misclassification rate at the chosen alpha (logistic tasks).
    pub test_misclassification_mean: Option<f64>,
    /// Mean nnz.
    pub nnz_mean: Option<f64>,
    /// Sd of nnz.
    pub nnz_sd: Option<f64>,
    /// Mean F1.
    pub f1_mean: Option<f64>,
    /// Sd of F1.
    pub f1_sd: Option<f64>,
    /// Mean precision.
    pub precision_mean: Option<f64>,
    /// Mean recall.
    pub recall_mean: Option<f64>,
    /// Mean ‖β̂ − β*‖₂.
    pub coef_error_mean: Option<f64>,
    /// One-standard-error rule: mean test MSE.
    pub cv1se_test_mse_mean: Option<f64>,
    /// One-standard-error rule: mean nnz.
    pub cv1se_nnz_mean: Option<f64>,
    /// One-standard-error rule: mean F1.
    pub cv1se_f1_mean: Option<f64>,
    /// Every path of every replicate converged.
    pub all_converged: bool,
    /// Mean work of the training path in full passes over X.
    pub full_passes_mean: Option<f64>,
    /// Mean path time (timing column).
    pub path_time_s_mean: Option<f64>,
    /// Sd of path time (timing column).
    pub path_time_s_sd: Option<f64>,
}

/// One row of `coefs.csv`: a nonzero coefficient of a task in `plot.coef_paths`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct CoefRow {
    /// Task id.
    pub task_id: String,
    /// Grid index.
    pub alpha_index: usize,
    /// α.
    pub alpha: f64,
    /// α / alpha_max.
    pub alpha_over_max: f64,
    /// 0-based feature.
    pub feature: usize,
    /// β̂_j on the original scale.
    pub coef: f64,
    /// β*_j (truth known).
    pub true_coef: Option<f64>,
}

/// Everything one task produced; stored as `tasks/<task_id>.json`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskResult {
    /// Layout version of this file.
    pub format: u32,
    /// Hash of the configuration that produced it.
    pub config_hash: String,
    /// Task position.
    pub task_index: usize,
    /// Task id.
    pub task_id: String,
    /// Fingerprint of its dataset's input files (empty for synthetic data): the result is
    /// reused only while the files are unchanged.
    pub input_hash: String,
    /// Its `path.csv` rows.
    pub path: Vec<SweepPathRow>,
    /// Its `summary.csv` row.
    pub summary: SummaryRow,
    /// Its `coefs.csv` rows (only for tasks in `plot.coef_paths`).
    pub coefs: Vec<CoefRow>,
}

/// Current [`TaskResult::format`].
pub const TASK_FORMAT: u32 = 3;

/// Builds `comparison.csv` from the summary rows (in plan order), one row per dataset ×
/// penalty configuration in order of first appearance.
pub fn comparison(summary: &[SummaryRow]) -> Vec<ComparisonRow> {
    fn key(s: &SummaryRow) -> (&str, &str, Option<u64>, Option<u64>) {
        (s.dataset.as_str(), s.penalty.as_str(), s.l1_ratio.map(f64::to_bits), s.gamma.map(f64::to_bits))
    }
    let mut order = Vec::new();
    for s in summary {
        let k = key(s);
        if !order.contains(&k) {
            order.push(k);
        }
    }
    order
        .iter()
        .map(|k| {
            let group: Vec<&SummaryRow> = summary.iter().filter(|s| key(s) == *k).collect();
            let first = group[0];
            let vals =
                |f: &dyn Fn(&SummaryRow) -> Option<f64>| -> Vec<f64> { group.iter().filter_map(|s| f(s)).collect() };
            let (test_mse_mean, test_mse_sd) = mean_sd(&vals(&|s| Some(s.chosen_test_mse)));
            let (nnz_mean, nnz_sd) = mean_sd(&vals(&|s| Some(s.chosen_nnz as f64)));
            let (f1_mean, f1_sd) = mean_sd(&vals(&|s| s.chosen_f1));
            let (path_time_s_mean, path_time_s_sd) = mean_sd(&vals(&|s| Some(s.path_time_s)));
            ComparisonRow {
                dataset: first.dataset.clone(),
                family: first.family.clone(),
                n: first.n,
                p: first.p,
                penalty: first.penalty.clone(),
                l1_ratio: first.l1_ratio,
                gamma: first.gamma,
                replicates: group.len(),
                test_mse_mean,
                test_mse_sd,
                test_r2_mean: mean_sd(&vals(&|s| s.chosen_test_r2)).0,
                test_deviance_mean: mean_sd(&vals(&|s| s.chosen_test_deviance)).0,
                test_auc_mean: mean_sd(&vals(&|s| s.chosen_test_auc)).0,
                test_misclassification_mean: mean_sd(&vals(&|s| s.chosen_test_misclassification)).0,
                nnz_mean,
                nnz_sd,
                f1_mean,
                f1_sd,
                precision_mean: mean_sd(&vals(&|s| s.chosen_precision)).0,
                recall_mean: mean_sd(&vals(&|s| s.chosen_recall)).0,
                coef_error_mean: mean_sd(&vals(&|s| s.chosen_coef_error)).0,
                cv1se_test_mse_mean: mean_sd(&vals(&|s| s.cv1se_test_mse)).0,
                cv1se_nnz_mean: mean_sd(&vals(&|s| s.cv1se_nnz.map(|v| v as f64))).0,
                cv1se_f1_mean: mean_sd(&vals(&|s| s.cv1se_f1)).0,
                all_converged: group.iter().all(|s| s.all_converged),
                full_passes_mean: mean_sd(&vals(&|s| Some(s.path_full_passes))).0,
                path_time_s_mean,
                path_time_s_sd,
            }
        })
        .collect()
}

/// Column names of a row type, in field order (as the `csv` crate writes them).
pub fn columns<T: Serialize + Default>() -> Vec<String> {
    let mut w = csv::WriterBuilder::new().has_headers(true).from_writer(Vec::new());
    w.serialize(T::default()).expect("a row serializes");
    let bytes = w.into_inner().expect("in-memory writer");
    let mut r = csv::ReaderBuilder::new().has_headers(true).from_reader(bytes.as_slice());
    r.headers().expect("header").iter().map(str::to_string).collect()
}

/// Writes `rows` atomically as CSV with a header row (also for zero rows).
pub fn write_table<T: Serialize + Default>(path: &Path, rows: &[T]) -> Result<()> {
    let header = columns::<T>();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    write_csv(path, &header, rows)
}

/// Reads a table written by [`write_table`].
pub fn read_table<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    use anyhow::Context;
    let mut r = csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    r.deserialize().collect::<Result<Vec<T>, _>>().with_context(|| format!("cannot parse {}", path.display()))
}
