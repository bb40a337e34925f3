//! The sweep's tables (docs/design.md §5): flat row structs for `path.csv`, `summary.csv`,
//! `comparison.csv` and `coefs.csv`, and their assembly from per-task results.
//!
//! Optional values (undefined metrics, metrics that need the truth, CV columns without CV) are
//! written as empty fields. Every column is documented in `docs/sweep.md`.

use std::path::Path;

use anyhow::Result;
use regpath_solver::DatafitKind;
use serde::{Deserialize, Serialize};

use crate::stats;
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
    /// `quadratic`, `logistic` or `cox`.
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
    /// MSE on the training part (the Brier score of a logistic task's probabilities; empty
    /// for a cox task, whose response has no mean).
    pub train_mse: Option<f64>,
    /// MSE on the validation part (validation method).
    pub validation_mse: Option<f64>,
    /// Mean MSE over CV folds (CV method).
    pub cv_mse: Option<f64>,
    /// Standard error of `cv_mse`.
    pub cv_se: Option<f64>,
    /// MSE on the test part (empty without a test part, `evaluation.test = 0`).
    pub test_mse: Option<f64>,
    /// R² on the test part.
    pub test_r2: Option<f64>,
    /// Mean deviance on the test part: binomial (logistic tasks), partial likelihood over the
    /// test samples' own risk sets (cox tasks).
    pub test_deviance: Option<f64>,
    /// Area under the ROC curve on the test part (logistic tasks; empty with one class).
    pub test_auc: Option<f64>,
    /// Share of test samples on the wrong side of probability 1/2 (logistic tasks).
    pub test_misclassification: Option<f64>,
    /// Harrell's C-index of the linear predictor on the test part (cox tasks; empty without a
    /// comparable pair).
    pub test_cindex: Option<f64>,
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
    /// The training objective at this alpha, `P(β̂, b̂) = F(b̂ + Xβ̂) + Σ_j pen(β̂_j s_j)` (the
    /// solver's `PathPoint::objective`, as in `regpath path`'s `path.csv`: for the quadratic
    /// datafit `F = 1/(2n)‖y − b − Xβ‖²`, for the logistic one the mean log-loss). A table of
    /// an earlier version has no such column: it reads as NaN (so `regpath plot` still draws it).
    #[serde(default = "not_recorded")]
    pub objective: f64,
    /// Certificate value.
    pub certificate: f64,
    /// `gap` or `kkt`.
    pub certificate_kind: String,
    /// certificate ≤ tol.
    pub converged: bool,
    /// Epochs at this alpha.
    pub epochs: usize,
    /// Work at this alpha in full passes over X: columns read by coordinate updates and by
    /// gradient scans outside the working set, divided by p, plus the second-order models'
    /// flops over 2np (`coordinate_updates/p + scan_passes + newton_passes`);
    /// machine-independent, unlike `time_s`.
    pub full_passes: f64,
    /// Seconds for this alpha (timing column).
    pub time_s: f64,
}

/// The value of a column that a table of an earlier version lacks.
fn not_recorded() -> f64 {
    f64::NAN
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
    /// `quadratic`, `logistic` or `cox`.
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
    /// Test MSE of the chosen model (empty without a test part).
    pub chosen_test_mse: Option<f64>,
    /// Test R² of the chosen model.
    pub chosen_test_r2: Option<f64>,
    /// Test mean binomial deviance at the chosen alpha (logistic tasks).
    pub chosen_test_deviance: Option<f64>,
    /// Test AUC at the chosen alpha (logistic tasks).
    pub chosen_test_auc: Option<f64>,
    /// Test misclassification rate at the chosen alpha (logistic tasks).
    pub chosen_test_misclassification: Option<f64>,
    /// Test C-index at the chosen alpha (cox tasks).
    pub chosen_test_cindex: Option<f64>,
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
    /// Smallest test MSE anywhere on the path (an oracle, for reference only; empty without a
    /// test part).
    pub oracle_test_mse: Option<f64>,
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
///
/// For every metric `m` of [`COMPARISON_METRICS`] over the `r` replicates where it is defined:
/// `m_mean` = x̄ = (1/r) Σ xᵢ, `m_sd` = s = √(Σ (xᵢ − x̄)²/(r − 1)) and the 95 % t-interval
/// `m_ci_low`, `m_ci_high` = x̄ ∓ t_{r−1, 0.975} s/√r (empty sd and interval for r < 2).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
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
    /// Penalty configuration id (`lasso`, `enet_r0.5`, `mcp_g3`, …), as in task ids and in
    /// `pairwise.csv`, `ranks.csv` and `selection.csv`.
    pub configuration: String,
    /// Replicates aggregated.
    pub replicates: usize,
    /// Mean over replicates: test MSE of the chosen models (logistic: Brier score).
    pub test_mse_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_mse` over replicates.
    pub test_mse_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_mse`.
    pub test_mse_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_mse`.
    pub test_mse_ci_high: Option<f64>,
    /// Mean over replicates: test R² of the chosen models.
    pub test_r2_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_r2` over replicates.
    pub test_r2_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_r2`.
    pub test_r2_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_r2`.
    pub test_r2_ci_high: Option<f64>,
    /// Mean over replicates: test mean binomial deviance of the chosen models (logistic tasks).
    pub test_deviance_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_deviance` over replicates.
    pub test_deviance_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_deviance`.
    pub test_deviance_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_deviance`.
    pub test_deviance_ci_high: Option<f64>,
    /// Mean over replicates: test AUC of the chosen models (logistic tasks).
    pub test_auc_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_auc` over replicates.
    pub test_auc_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_auc`.
    pub test_auc_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_auc`.
    pub test_auc_ci_high: Option<f64>,
    /// Mean over replicates: test misclassification rate of the chosen models (logistic tasks).
    pub test_misclassification_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_misclassification` over replicates.
    pub test_misclassification_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_misclassification`.
    pub test_misclassification_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_misclassification`.
    pub test_misclassification_ci_high: Option<f64>,
    /// Mean over replicates: test C-index of the chosen models (cox tasks).
    pub test_cindex_mean: Option<f64>,
    /// Sample sd (n − 1) of `test_cindex` over replicates.
    pub test_cindex_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `test_cindex`.
    pub test_cindex_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `test_cindex`.
    pub test_cindex_ci_high: Option<f64>,
    /// Mean over replicates: nnz of the chosen models.
    pub nnz_mean: Option<f64>,
    /// Sample sd (n − 1) of `nnz` over replicates.
    pub nnz_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `nnz`.
    pub nnz_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `nnz`.
    pub nnz_ci_high: Option<f64>,
    /// Mean over replicates: F1 of the chosen supports (truth known).
    pub f1_mean: Option<f64>,
    /// Sample sd (n − 1) of `f1` over replicates.
    pub f1_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `f1`.
    pub f1_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `f1`.
    pub f1_ci_high: Option<f64>,
    /// Mean over replicates: precision of the chosen supports (truth known).
    pub precision_mean: Option<f64>,
    /// Sample sd (n − 1) of `precision` over replicates.
    pub precision_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `precision`.
    pub precision_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `precision`.
    pub precision_ci_high: Option<f64>,
    /// Mean over replicates: recall of the chosen supports (truth known).
    pub recall_mean: Option<f64>,
    /// Sample sd (n − 1) of `recall` over replicates.
    pub recall_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `recall`.
    pub recall_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `recall`.
    pub recall_ci_high: Option<f64>,
    /// Mean over replicates: ‖β̂ − β*‖₂ of the chosen models (truth known).
    pub coef_error_mean: Option<f64>,
    /// Sample sd (n − 1) of `coef_error` over replicates.
    pub coef_error_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `coef_error`.
    pub coef_error_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `coef_error`.
    pub coef_error_ci_high: Option<f64>,
    /// Mean over replicates: test MSE of the one-standard-error choice (CV).
    pub cv1se_test_mse_mean: Option<f64>,
    /// Sample sd (n − 1) of `cv1se_test_mse` over replicates.
    pub cv1se_test_mse_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `cv1se_test_mse`.
    pub cv1se_test_mse_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `cv1se_test_mse`.
    pub cv1se_test_mse_ci_high: Option<f64>,
    /// Mean over replicates: nnz of the one-standard-error choice (CV).
    pub cv1se_nnz_mean: Option<f64>,
    /// Sample sd (n − 1) of `cv1se_nnz` over replicates.
    pub cv1se_nnz_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `cv1se_nnz`.
    pub cv1se_nnz_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `cv1se_nnz`.
    pub cv1se_nnz_ci_high: Option<f64>,
    /// Mean over replicates: F1 of the one-standard-error choice (CV, truth known).
    pub cv1se_f1_mean: Option<f64>,
    /// Sample sd (n − 1) of `cv1se_f1` over replicates.
    pub cv1se_f1_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `cv1se_f1`.
    pub cv1se_f1_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `cv1se_f1`.
    pub cv1se_f1_ci_high: Option<f64>,
    /// Mean over replicates: work of the training path in full passes over X.
    pub full_passes_mean: Option<f64>,
    /// Sample sd (n − 1) of `full_passes` over replicates.
    pub full_passes_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `full_passes`.
    pub full_passes_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `full_passes`.
    pub full_passes_ci_high: Option<f64>,
    /// Mean over replicates: seconds of the training path (timing column).
    pub path_time_s_mean: Option<f64>,
    /// Sample sd (n − 1) of `path_time_s` over replicates.
    pub path_time_s_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `path_time_s`.
    pub path_time_s_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `path_time_s`.
    pub path_time_s_ci_high: Option<f64>,
    /// Mean over replicates: seconds of the CV fits (timing column; 0 without CV).
    pub cv_time_s_mean: Option<f64>,
    /// Sample sd (n − 1) of `cv_time_s` over replicates.
    pub cv_time_s_sd: Option<f64>,
    /// Lower end of the 95 % t-interval of the mean of `cv_time_s`.
    pub cv_time_s_ci_low: Option<f64>,
    /// Upper end of the 95 % t-interval of the mean of `cv_time_s`.
    pub cv_time_s_ci_high: Option<f64>,
    /// Mean pairwise Jaccard index |A ∩ B|/|A ∪ B| of the chosen supports over all pairs of
    /// replicates (selection stability; empty for fewer than 2 replicates).
    pub support_jaccard: Option<f64>,
    /// Every path of every replicate converged.
    pub all_converged: bool,
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
    /// PLINK datasets: the SNP id (`.bim` column 2), or a covariate's name; empty otherwise.
    #[serde(default)]
    pub snp: Option<String>,
    /// PLINK datasets: the counted allele (`.bim` column 5: the dosage is its number of
    /// copies); empty for a covariate and for other datasets.
    #[serde(default)]
    pub a1: Option<String>,
    /// PLINK datasets: the other allele (`.bim` column 6); empty for a covariate and for other
    /// datasets.
    #[serde(default)]
    pub a2: Option<String>,
}

/// A task's chosen model (the point at `summary.chosen_alpha_index`), from which
/// `models/<task_id>.json` is written.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ChosenModel {
    /// α.
    pub alpha: f64,
    /// α / alpha_max of the training part.
    pub alpha_over_max: f64,
    /// Intercept b, original scale.
    pub intercept: f64,
    /// Nonzero coefficients of X.
    pub nnz: usize,
    /// Nonzero coefficients `(feature, β_j)` on the original scale; features `p + i` are the
    /// covariates.
    pub coefs: Vec<(usize, f64)>,
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
    /// The chosen model's support: the features of X (covariates excluded) with a nonzero
    /// coefficient, increasing; `None` when it was not recorded (see [`SUPPORT_BUDGET`]).
    #[serde(default)]
    pub chosen_support: Option<Vec<usize>>,
    /// The chosen model; `None` when its coefficients were not kept (see [`MODEL_BUDGET`]).
    #[serde(default)]
    pub chosen_model: Option<ChosenModel>,
}

/// Most nonzero coefficients a task keeps in memory while its path runs (those of all its
/// alphas, 16 bytes each; 64 MiB) to write its chosen model afterwards, when the choice is
/// only known after the path (CV without `patience`; with CV first or a validation part only
/// the running best alpha's are kept). A path with more (e.g. ridge on hundreds of thousands
/// of features) writes no `models/<task_id>.json`.
pub const MODEL_BUDGET: usize = 1 << 22;

/// Most feature indices a task keeps in memory while its path runs to recover the chosen
/// model's support afterwards (the supports of all its alphas, as `u32`; 64 MiB), when the
/// choice is only known after the path (see [`MODEL_BUDGET`]). A path whose supports add up
/// to more (e.g. ridge on hundreds of thousands of features) records none.
pub const SUPPORT_BUDGET: usize = 1 << 24;

/// Current [`TaskResult::format`].
pub const TASK_FORMAT: u32 = 5;

/// A summary metric: its name in `comparison.csv` (before `_mean`) and its value in a task's
/// row (`None` when undefined, e.g. F1 without a truth).
pub type SummaryMetric = (&'static str, fn(&SummaryRow) -> Option<f64>);

/// The metrics aggregated in `comparison.csv`, in column order.
pub const COMPARISON_METRICS: [SummaryMetric; 17] = [
    ("test_mse", |s| s.chosen_test_mse),
    ("test_r2", |s| s.chosen_test_r2),
    ("test_deviance", |s| s.chosen_test_deviance),
    ("test_auc", |s| s.chosen_test_auc),
    ("test_misclassification", |s| s.chosen_test_misclassification),
    ("nnz", |s| Some(s.chosen_nnz as f64)),
    ("f1", |s| s.chosen_f1),
    ("precision", |s| s.chosen_precision),
    ("recall", |s| s.chosen_recall),
    ("coef_error", |s| s.chosen_coef_error),
    ("cv1se_test_mse", |s| s.cv1se_test_mse),
    ("cv1se_nnz", |s| s.cv1se_nnz.map(|v| v as f64)),
    ("cv1se_f1", |s| s.cv1se_f1),
    ("full_passes", |s| Some(s.path_full_passes)),
    ("path_time_s", |s| Some(s.path_time_s)),
    ("cv_time_s", |s| Some(s.cv_time_s)),
    ("test_cindex", |s| s.chosen_test_cindex),
];

/// The verdict's metric of a sweep without a test part: the CV error (mean held-out deviance
/// over the folds: MSE, or binomial deviance for logistic tasks) at the chosen alpha, the
/// `chosen_selection_mse` of a task whose `selection` is `cv`. Not a `comparison.csv` column.
pub const CV_ERROR: &str = "cv_error";

/// The value of the summary metric `name` (a [`COMPARISON_METRICS`] name, or [`CV_ERROR`]) in a
/// task's row.
pub fn summary_metric(row: &SummaryRow, name: &str) -> Option<f64> {
    if name == CV_ERROR {
        return (row.selection == "cv" && row.chosen_selection_mse.is_finite()).then_some(row.chosen_selection_mse);
    }
    COMPARISON_METRICS.iter().find(|(m, _)| *m == name).and_then(|(_, f)| f(row))
}

/// The datafit of a sweep from its rows' `datafit` column (`names`; a sweep has one datafit):
/// the first one named other than the default, else the default (quadratic), which is also
/// what a table written without the column gets.
pub fn sweep_datafit<'a>(names: impl IntoIterator<Item = &'a str>) -> DatafitKind {
    names
        .into_iter()
        .filter_map(|name| DatafitKind::from_name(name).ok())
        .find(|d| *d != DatafitKind::default())
        .unwrap_or_default()
}

/// The penalty configuration id of a task's row (`lasso`, `enet_r0.5`, `mcp_g3`, …): the
/// middle part of its id `<dataset>__<configuration>__r<replicate>`.
pub fn configuration_id(row: &SummaryRow) -> String {
    let rest = row.task_id.strip_prefix(&row.dataset).and_then(|r| r.strip_prefix("__")).unwrap_or(&row.task_id);
    rest.rsplit_once("__r").map_or(rest, |(c, _)| c).to_string()
}

/// Mean, sample sd and 95 % t-interval of one metric over replicates (see [`ComparisonRow`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stat {
    /// x̄; `None` without values.
    pub mean: Option<f64>,
    /// s (n − 1); `None` for fewer than 2 values.
    pub sd: Option<f64>,
    /// x̄ − t_{n−1, 0.975} s/√n; `None` for fewer than 2 values.
    pub ci_low: Option<f64>,
    /// x̄ + t_{n−1, 0.975} s/√n; `None` for fewer than 2 values.
    pub ci_high: Option<f64>,
}

/// [`Stat`] of `values` ([`stats::mean`], [`stats::sample_sd`], [`stats::t_interval`] at 95 %).
pub fn stat(values: &[f64]) -> Stat {
    if values.is_empty() {
        return Stat::default();
    }
    let finite = |v: f64| v.is_finite().then_some(v);
    let (lo, hi) = stats::t_interval(values, 0.95);
    Stat {
        mean: finite(stats::mean(values)),
        sd: finite(stats::sample_sd(values)),
        ci_low: finite(lo),
        ci_high: finite(hi),
    }
}

/// Builds `comparison.csv` from the summary rows (in plan order) and each task's chosen support
/// (same order; `None` when not recorded), one row per dataset × penalty configuration in order
/// of first appearance.
pub fn comparison(summary: &[SummaryRow], supports: &[Option<Vec<usize>>]) -> Vec<ComparisonRow> {
    let mut order: Vec<(String, String)> = Vec::new();
    let keys: Vec<(String, String)> = summary.iter().map(|s| (s.dataset.clone(), configuration_id(s))).collect();
    for k in &keys {
        if !order.contains(k) {
            order.push(k.clone());
        }
    }
    order
        .iter()
        .map(|k| {
            let members: Vec<usize> = (0..summary.len()).filter(|&i| keys[i] == *k).collect();
            let group: Vec<&SummaryRow> = members.iter().map(|&i| &summary[i]).collect();
            let first = group[0];
            let st: Vec<Stat> = COMPARISON_METRICS
                .iter()
                .map(|(_, f)| stat(&group.iter().filter_map(|s| f(s)).collect::<Vec<f64>>()))
                .collect();
            let chosen: Vec<&[usize]> =
                members.iter().filter_map(|&i| supports.get(i).and_then(|s| s.as_deref())).collect();
            let jaccard = stats::mean_pairwise_jaccard(&chosen);
            ComparisonRow {
                dataset: first.dataset.clone(),
                family: first.family.clone(),
                n: first.n,
                p: first.p,
                penalty: first.penalty.clone(),
                l1_ratio: first.l1_ratio,
                gamma: first.gamma,
                replicates: group.len(),
                test_mse_mean: st[0].mean,
                test_mse_sd: st[0].sd,
                test_mse_ci_low: st[0].ci_low,
                test_mse_ci_high: st[0].ci_high,
                test_r2_mean: st[1].mean,
                test_r2_sd: st[1].sd,
                test_r2_ci_low: st[1].ci_low,
                test_r2_ci_high: st[1].ci_high,
                test_deviance_mean: st[2].mean,
                test_deviance_sd: st[2].sd,
                test_deviance_ci_low: st[2].ci_low,
                test_deviance_ci_high: st[2].ci_high,
                test_auc_mean: st[3].mean,
                test_auc_sd: st[3].sd,
                test_auc_ci_low: st[3].ci_low,
                test_auc_ci_high: st[3].ci_high,
                test_misclassification_mean: st[4].mean,
                test_misclassification_sd: st[4].sd,
                test_misclassification_ci_low: st[4].ci_low,
                test_misclassification_ci_high: st[4].ci_high,
                test_cindex_mean: st[16].mean,
                test_cindex_sd: st[16].sd,
                test_cindex_ci_low: st[16].ci_low,
                test_cindex_ci_high: st[16].ci_high,
                nnz_mean: st[5].mean,
                nnz_sd: st[5].sd,
                nnz_ci_low: st[5].ci_low,
                nnz_ci_high: st[5].ci_high,
                f1_mean: st[6].mean,
                f1_sd: st[6].sd,
                f1_ci_low: st[6].ci_low,
                f1_ci_high: st[6].ci_high,
                precision_mean: st[7].mean,
                precision_sd: st[7].sd,
                precision_ci_low: st[7].ci_low,
                precision_ci_high: st[7].ci_high,
                recall_mean: st[8].mean,
                recall_sd: st[8].sd,
                recall_ci_low: st[8].ci_low,
                recall_ci_high: st[8].ci_high,
                coef_error_mean: st[9].mean,
                coef_error_sd: st[9].sd,
                coef_error_ci_low: st[9].ci_low,
                coef_error_ci_high: st[9].ci_high,
                cv1se_test_mse_mean: st[10].mean,
                cv1se_test_mse_sd: st[10].sd,
                cv1se_test_mse_ci_low: st[10].ci_low,
                cv1se_test_mse_ci_high: st[10].ci_high,
                cv1se_nnz_mean: st[11].mean,
                cv1se_nnz_sd: st[11].sd,
                cv1se_nnz_ci_low: st[11].ci_low,
                cv1se_nnz_ci_high: st[11].ci_high,
                cv1se_f1_mean: st[12].mean,
                cv1se_f1_sd: st[12].sd,
                cv1se_f1_ci_low: st[12].ci_low,
                cv1se_f1_ci_high: st[12].ci_high,
                full_passes_mean: st[13].mean,
                full_passes_sd: st[13].sd,
                full_passes_ci_low: st[13].ci_low,
                full_passes_ci_high: st[13].ci_high,
                path_time_s_mean: st[14].mean,
                path_time_s_sd: st[14].sd,
                path_time_s_ci_low: st[14].ci_low,
                path_time_s_ci_high: st[14].ci_high,
                cv_time_s_mean: st[15].mean,
                cv_time_s_sd: st[15].sd,
                cv_time_s_ci_low: st[15].ci_low,
                cv_time_s_ci_high: st[15].ci_high,
                support_jaccard: jaccard.is_finite().then_some(jaccard),
                all_converged: group.iter().all(|s| s.all_converged),
                configuration: k.1.clone(),
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
