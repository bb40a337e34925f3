//! Output tables of `regpath path` (docs/design.md §4): `path.csv` and `coefs.csv`, written atomically.
//!
//! Floats are written by the `csv` crate with shortest round-trip precision, so anyone can
//! recompute a certificate from the files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use regpath_datagen::io::atomic::write_atomic;
use regpath_solver::DatafitKind;
use serde::Serialize;

/// One row of `path.csv`.
#[derive(Clone, Debug, Serialize)]
pub struct PathRow {
    /// 0-based position on the grid.
    pub alpha_index: usize,
    /// α.
    pub alpha: f64,
    /// α / alpha_max.
    pub alpha_over_max: f64,
    /// Nonzero coefficients.
    pub nnz: usize,
    /// Intercept (original scale).
    pub intercept: f64,
    /// `P(β, b)`.
    pub objective: f64,
    /// Certificate value.
    pub certificate: f64,
    /// `gap` or `kkt`.
    pub certificate_kind: &'static str,
    /// `certificate ≤ tol`.
    pub converged: bool,
    /// Coordinate-descent epochs at this alpha.
    pub epochs: usize,
    /// Seconds for this alpha.
    pub time_s: f64,
    /// The datafit's mean deviance: `‖y − b − Xβ‖²/n` for the quadratic datafit (column
    /// `train_mse`), the mean binomial deviance for the logistic one (column `train_deviance`:
    /// the column is named by [`DatafitKind::train_loss_column`], see [`path_columns`]).
    pub train_mse: f64,
    /// `1 − loss/P(0)` (training R² for the quadratic datafit; NaN when P(0) = 0).
    pub deviance_ratio: f64,
    /// Coordinate updates at this alpha.
    pub coordinate_updates: u64,
    /// Newton steps (solves with a factored Hessian) at this alpha.
    pub newton_steps: u64,
    /// Final working-set size.
    pub working_set: usize,
    /// Features removed by Gap Safe screening.
    pub screened: usize,
    /// Gradient scans outside the working set, in full passes over X.
    pub scan_passes: f64,
    /// Work of the second-order models (Gram entries, Cholesky updates and solves), in full
    /// passes over X (2·n·p flops each).
    pub newton_passes: f64,
    /// Empty, except on the last row: `end_of_grid`, `max_nnz`, `saturated` or `stopped`.
    pub stop_reason: &'static str,
    /// With held-out samples (`--test-*`): their MSE (logistic: mean binomial deviance);
    /// the column exists only then (named by [`DatafitKind::held_out_columns`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_loss: Option<f64>,
    /// With held-out samples: their R² (logistic: AUC), empty when undefined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub test_score: Option<String>,
    /// With cross-validation (`--cv-folds`, `--foldid`, `--fold-groups`): glmnet's `cvm`, the
    /// fold-size-weighted mean over folds of the fold's mean held-out loss (MSE, or the mean
    /// binomial deviance); empty where a fold did not reach the alpha. The column exists only
    /// with CV (see [`CV_COLUMNS`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_mean: Option<String>,
    /// With cross-validation: glmnet's `cvsd`, the standard error of `cv_mean`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_se: Option<String>,
    /// With cross-validation: `min` on alpha_min's row (glmnet's `lambda.min`), `1se` on
    /// alpha_1se's (`lambda.1se`), `min+1se` when they coincide, empty elsewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cv_choice: Option<&'static str>,
}

/// Names of the cross-validation columns of `path.csv` (last, after any held-out columns).
pub const CV_COLUMNS: [&str; 3] = ["cv_mean", "cv_se", "cv_choice"];

/// One row of `coefs.csv` (nonzero coefficients only, original scale).
#[derive(Clone, Debug, Serialize)]
pub struct CoefRow<'a> {
    /// 0-based position on the grid.
    pub alpha_index: usize,
    /// 0-based column index of X.
    pub feature: usize,
    /// β_j on the original scale of X.
    pub coef: f64,
    /// The feature's name, when the input had names (column `name`; for a PLINK fileset
    /// column `snp`: the SNP id, or a covariate's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// PLINK filesets: the counted allele (`.bim` column 5; the dosage is its number of
    /// copies), empty for a covariate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a1: Option<&'a str>,
    /// PLINK filesets: the other allele (`.bim` column 6), empty for a covariate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a2: Option<&'a str>,
}

/// Writes `rows` as a CSV file atomically (header included, even for zero rows).
pub fn write_csv<T: Serialize>(path: &Path, header: &[&str], rows: &[T]) -> Result<()> {
    write_atomic(path, |w| {
        let mut csv = csv::WriterBuilder::new().has_headers(false).from_writer(w);
        csv.write_record(header).map_err(std::io::Error::other)?;
        for row in rows {
            csv.serialize(row).map_err(std::io::Error::other)?;
        }
        csv.flush()
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// A CSV table written row by row as a long run produces it, each row flushed to disk (a
/// killed run keeps its finished rows), then replaced atomically by its final form
/// ([`StreamedCsv::finish`]: the rows again, with what is only known at the end), or removed
/// when the run fails ([`StreamedCsv::abort`]).
pub struct StreamedCsv {
    path: std::path::PathBuf,
    header: Vec<String>,
    writer: csv::Writer<std::fs::File>,
}

impl StreamedCsv {
    /// Creates `path` with the header line.
    pub fn create(path: &Path, header: &[&str]) -> Result<StreamedCsv> {
        let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut writer = csv::WriterBuilder::new().has_headers(false).from_writer(file);
        writer.write_record(header).with_context(|| format!("cannot write {}", path.display()))?;
        writer.flush().with_context(|| format!("cannot write {}", path.display()))?;
        Ok(StreamedCsv { path: path.to_path_buf(), header: header.iter().map(|h| h.to_string()).collect(), writer })
    }

    /// Appends one row and flushes it to the file.
    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        self.writer.serialize(row).with_context(|| format!("cannot write {}", self.path.display()))?;
        self.writer.flush().with_context(|| format!("cannot write {}", self.path.display()))
    }

    /// Replaces the file atomically with `rows` under the same header.
    pub fn finish<T: Serialize>(self, rows: &[T]) -> Result<()> {
        let header: Vec<&str> = self.header.iter().map(String::as_str).collect();
        drop(self.writer);
        write_csv(&self.path, &header, rows)
    }

    /// Removes the file (the run failed: no partial output is left).
    pub fn abort(self) {
        drop(self.writer);
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Column names of `path.csv`, in order: [`PATH_COLUMNS`], with the datafit's
/// [`DatafitKind::train_loss_column`] in place of `train_mse` (`train_deviance` for the
/// logistic datafit; the same field of [`PathRow`]).
pub fn path_columns(datafit: DatafitKind) -> Vec<&'static str> {
    PATH_COLUMNS.iter().map(|&c| if c == "train_mse" { datafit.train_loss_column() } else { c }).collect()
}

/// Column names of `path.csv` for the quadratic datafit, in order.
pub const PATH_COLUMNS: &[&str] = &[
    "alpha_index",
    "alpha",
    "alpha_over_max",
    "nnz",
    "intercept",
    "objective",
    "certificate",
    "certificate_kind",
    "converged",
    "epochs",
    "time_s",
    "train_mse",
    "deviance_ratio",
    "coordinate_updates",
    "newton_steps",
    "working_set",
    "screened",
    "scan_passes",
    "newton_passes",
    "stop_reason",
];

/// Column names of `coefs.csv`: with feature names (`name`), or for a PLINK fileset `snp`, `a1`
/// (counted allele) and `a2`, so that `plink --score` can read the SNP rows of one alpha.
pub fn coef_columns(named: bool, plink: bool) -> &'static [&'static str] {
    match (plink, named) {
        (true, _) => &["alpha_index", "feature", "coef", "snp", "a1", "a2"],
        (false, true) => &["alpha_index", "feature", "coef", "name"],
        (false, false) => &["alpha_index", "feature", "coef"],
    }
}

/// Files `regpath path` owns in its output folder.
pub const PATH_OUTPUTS: &[&str] = &["path.csv", "coefs.csv", "model.json", "folds.txt", "figures", "report.html"];

/// Removes the files of `owned` (names relative to `dir`) that exist, so that a command
/// writing into a folder of an earlier run never leaves one of that run's files beside its own
/// (docs/design.md §4, *Output folders*). Called once the inputs are validated and before the
/// first output is written; files the command does not own are left alone.
pub fn remove_owned_outputs(dir: &Path, owned: &[&str]) -> Result<()> {
    for name in owned {
        let path = dir.join(name);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(&path),
            Ok(_) => std::fs::remove_file(&path),
            Err(_) => continue,
        }
        .with_context(|| format!("cannot remove {} of an earlier run", path.display()))?;
    }
    Ok(())
}

/// An output directory made ready by [`prepare_output_dir`]. If this run created it, it is
/// removed again when the guard is dropped with nothing written in it, so that a run that
/// fails on its input leaves no empty directory behind (a directory with files stays).
#[must_use = "the directory is removed when the guard is dropped, if empty"]
pub struct OutputDir {
    path: PathBuf,
    created: bool,
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if self.created {
            // fails, as intended, unless the directory is empty
            let _ = std::fs::remove_dir(&self.path);
        }
    }
}

/// Makes sure `dir` exists and is writable before any work is done.
pub fn prepare_output_dir(dir: &Path) -> Result<OutputDir> {
    let created = !dir.exists();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create output directory {}", dir.display()))?;
    let guard = OutputDir { path: dir.to_path_buf(), created };
    let probe = dir.join(format!(".regpath-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").with_context(|| format!("output directory {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(guard)
}
