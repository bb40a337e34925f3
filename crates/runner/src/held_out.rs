//! Held-out samples scored at every alpha of `regpath path` (`--test-x/--test-y`,
//! `--test-bed [--test-pheno]`, `--test-keep`): `path.csv` gets `test_mse` and `test_r2`
//! (logistic: `test_deviance` and `test_auc`; cox: `test_deviance` and `test_cindex`, the
//! survival response read from `--test-y` and `--test-status`, or from the `--time-col` and
//! `--status-col` columns) without a separate `regpath predict` run.
//!
//! The predictions are those of `regpath predict` (crate::predict): original-scale
//! coefficients, SNPs of another fileset matched by id and alleles, absent SNPs and missing
//! calls at the training mean.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ndarray::Array2;
use regpath_datagen::{Bed, Matrix, read_matrix, read_sample_list, read_vector};
use regpath_solver::{DatafitKind, ResponseKind};

use crate::load::{
    LoadedInput, LoadedX, SurvivalStatus, bed_phenotypes, code_phenotype, pheno_source, signed_survival,
};
use crate::model::snp_means;
use crate::predict::{Matching, identity_matching, match_snps, predict_bed};
use crate::sweep::metrics::predict;

/// Where the held-out samples come from (the `--test-*` flags of `regpath path`).
#[derive(Clone, Debug, Default)]
pub struct HeldOutFlags {
    /// `--test-x`: a matrix with the training columns.
    pub x: Option<PathBuf>,
    /// `--test-y`: its response.
    pub y: Option<PathBuf>,
    /// `--test-bed`: another PLINK fileset.
    pub bed: Option<PathBuf>,
    /// `--test-pheno`: phenotype file of `--test-bed` (default: its `.fam`).
    pub pheno: Option<PathBuf>,
    /// `--test-keep`: samples (FID IID) of `--test-bed`, or of the training fileset.
    pub keep: Option<PathBuf>,
    /// `--test-covariates`: covariates of `--test-x` rows or `--test-bed` samples (with
    /// `--test-keep` on the training fileset, the training `--covariates` file is used).
    pub covariates: Option<PathBuf>,
    /// The training `--covariates` file.
    pub train_covariates: Option<PathBuf>,
    /// The event indicators of a survival response (`--datafit cox`): `--test-status FILE`
    /// for `--test-x` (whose `--test-y` then holds the times), or the training `--status-col`
    /// of the held-out samples' phenotype source (whose `--time-col` holds the times).
    pub status: Option<SurvivalStatus>,
}

impl HeldOutFlags {
    /// Whether any held-out flag was given.
    pub fn any(&self) -> bool {
        self.x.is_some() || self.bed.is_some() || self.keep.is_some()
    }
}

/// Held-out samples, ready to score.
pub enum HeldOut {
    /// Rows of a matrix.
    Dense {
        /// X.
        x: Matrix,
        /// y.
        y: Vec<f64>,
        /// Covariates of the rows (columns in the model's order).
        z: Option<Array2<f64>>,
    },
    /// Samples of a PLINK fileset.
    Bed {
        /// The fileset.
        bed: Box<Bed>,
        /// Its samples scored (with an observed phenotype).
        rows: Vec<usize>,
        /// Their phenotype.
        y: Vec<f64>,
        /// Training SNPs found in it.
        matching: Matching,
        /// Training means of the training SNPs.
        means: Vec<f64>,
        /// Covariates of `rows` (columns in the model's order).
        z: Option<Array2<f64>>,
    },
}

/// Covariates of `n` held-out rows from a matrix file, columns matched to the training names
/// (by name when the training file had a header, else in order).
fn test_matrix_covariates(names: &[String], path: &Path, n: usize) -> Result<Array2<f64>> {
    let c = regpath_datagen::read_covariate_matrix(path, n)
        .with_context(|| format!("--test-covariates {}", path.display()))?;
    let default_names = (1..=names.len()).map(|i| format!("cov{i}")).collect::<Vec<_>>() == names;
    if default_names {
        if c.names.len() != names.len() {
            bail!("--test-covariates {} has {} columns but the fit has {}", path.display(), c.names.len(), names.len());
        }
        return Ok(c.values);
    }
    let order: Vec<usize> = names
        .iter()
        .map(|name| {
            c.names
                .iter()
                .position(|n| n == name)
                .with_context(|| format!("--test-covariates {}: no column '{name}'", path.display()))
        })
        .collect::<Result<_>>()?;
    Ok(c.values.select(ndarray::Axis(1), &order))
}

/// A survival response's held-out samples need an event: their partial likelihood is
/// otherwise empty (an error rather than a column of NaN).
fn no_event_check(datafit: DatafitKind, y: &[f64]) -> Result<()> {
    if datafit.response() == ResponseKind::Survival && !y.iter().any(|t| t.is_sign_positive()) {
        bail!(
            "no held-out sample has an event (status 1): their partial-likelihood deviance and C-index are undefined"
        );
    }
    Ok(())
}

/// Samples listed in `keep` (all when `None`) that have a phenotype, with it.
fn observed(bed: &Bed, keep: Option<&Path>, pheno: &[Option<f64>]) -> Result<(Vec<usize>, Vec<f64>)> {
    let listed = match keep {
        Some(path) => {
            let list = read_sample_list(path, bed.sample_ids())?;
            if list.n_unknown > 0 {
                eprintln!("note: --test-keep {}{}", path.display(), list.describe_unknown());
            }
            list.listed
        }
        None => vec![true; bed.n_samples()],
    };
    let rows: Vec<usize> = (0..bed.n_samples()).filter(|&i| listed[i] && pheno[i].is_some()).collect();
    let y = rows.iter().map(|&i| pheno[i].unwrap_or(f64::NAN)).collect();
    Ok((rows, y))
}

impl HeldOut {
    /// Loads the held-out samples for a fit on `data`. `train_pheno` is the training phenotype
    /// choice (`--pheno`, `--pheno-col`), used for `--test-keep` on the training fileset and for
    /// the column of `--test-pheno` or the test `.fam`. The responses are checked and coded as
    /// the response of `datafit`.
    pub fn load(
        flags: &HeldOutFlags,
        data: &LoadedInput,
        train_prefix: Option<&Path>,
        train_pheno: (Option<&Path>, usize),
        datafit: DatafitKind,
    ) -> Result<Option<HeldOut>> {
        if !flags.any() {
            return Ok(None);
        }
        let q = data.covariates.as_ref().map_or(0, |c| c.names.len());
        if q == 0 && flags.covariates.is_some() {
            bail!("--test-covariates: the fit has no --covariates, so they would be ignored");
        }
        let (pheno_path, k) = train_pheno;
        match (&data.x, &flags.x, &flags.bed) {
            (LoadedX::Dense(train), Some(x_path), None) => {
                if flags.keep.is_some() {
                    bail!("--test-keep selects samples of a --bed fileset");
                }
                let y_path = flags.y.as_ref().context("--test-x needs --test-y")?;
                let x = read_matrix(x_path)?;
                if x.n_cols() != train.n_cols() {
                    bail!("--test-x {} has {} columns but X has {}", x_path.display(), x.n_cols(), train.n_cols());
                }
                let mut y = read_vector(y_path)?.to_vec();
                if y.len() != x.n_rows() {
                    bail!("--test-y has {} values but --test-x has {} rows", y.len(), x.n_rows());
                }
                let response = datafit.response();
                if response == ResponseKind::Survival {
                    let Some(SurvivalStatus::File(status_path)) = &flags.status else {
                        bail!(
                            "--datafit cox scores --test-x rows by their survival times (--test-y) and event indicators: give --test-status FILE"
                        );
                    };
                    let status = read_vector(status_path)?;
                    if status.len() != y.len() {
                        bail!(
                            "--test-status {} has {} values but --test-y has {}; they must match",
                            status_path.display(),
                            status.len(),
                            y.len()
                        );
                    }
                    for (i, (t, &d)) in y.iter_mut().zip(&status).enumerate() {
                        *t = signed_survival(*t, d, &|| format!("held-out row {i} (0-based)"))
                            .context("--test-y/--test-status")?;
                    }
                }
                if let Some(v) = response.first_invalid(&y) {
                    bail!("--test-y must be {} for --datafit {}, found {v}", response.domain(), datafit.as_str());
                }
                let z = match (&data.covariates, &flags.covariates) {
                    (None, _) => None,
                    (Some(_), None) => {
                        bail!("the fit has --covariates: give the --test-x rows' with --test-covariates")
                    }
                    (Some(train), Some(path)) => Some(test_matrix_covariates(&train.names, path, x.n_rows())?),
                };
                no_event_check(datafit, &y)?;
                Ok(Some(HeldOut::Dense { x, y, z }))
            }
            (LoadedX::Bed { bed: train, rows: train_rows, columns }, None, test_bed) => {
                let means = snp_means(train, train_rows.as_deref(), columns.as_deref());
                let (bed, matching, mut pheno, from) = match test_bed {
                    Some(prefix) => {
                        let bed = Bed::open(prefix)?;
                        let training_snps = data.x.snp_table().expect("a PLINK design");
                        let matching = match_snps(&training_snps, bed.snp_table(), false)
                            .context("--test-bed: SNPs are matched by id and alleles")?;
                        if !matching.missing.is_empty() {
                            eprintln!(
                                "note: {} training SNPs are absent from --test-bed {} (counted at their training mean)",
                                matching.missing.len(),
                                prefix.display()
                            );
                        }
                        let pheno = bed_phenotypes(&bed, flags.pheno.as_deref(), k)?;
                        let from = pheno_source(flags.pheno.as_deref(), k);
                        (bed, matching, pheno, from)
                    }
                    None => {
                        let prefix = train_prefix.context("--test-keep needs --bed")?;
                        let bed = Bed::open(prefix)?;
                        let pheno = bed_phenotypes(&bed, pheno_path, k)?;
                        (bed, identity_matching(means.len(), columns.as_deref()), pheno, pheno_source(pheno_path, k))
                    }
                };
                if datafit.response() == ResponseKind::Survival {
                    let Some(SurvivalStatus::Column(status_col)) = flags.status else {
                        bail!("--datafit cox scores held-out samples of a fileset by --time-col and --status-col");
                    };
                    let status_pheno = if test_bed.is_some() { flags.pheno.as_deref() } else { pheno_path };
                    let status = bed_phenotypes(&bed, status_pheno, status_col)
                        .with_context(|| format!("held-out samples: --status-col {status_col}"))?;
                    let status_from = pheno_source(status_pheno, status_col);
                    let ids = bed.sample_ids();
                    for (i, (time, event)) in pheno.iter_mut().zip(status).enumerate() {
                        *time = match (*time, event) {
                            (Some(t), Some(d)) => Some(signed_survival(t, d, &|| {
                                let (fid, iid) = &ids[i];
                                format!(
                                    "held-out sample {fid} {iid} (.fam line {}; time from {from}, status from {status_from})",
                                    i + 1
                                )
                            })?),
                            _ => None,
                        };
                    }
                }
                code_phenotype(datafit, &mut pheno, &from)?;
                // covariates: the training table for held-out samples of the training fileset,
                // --test-covariates for another fileset; samples without them are not scored
                let z_table = match (&data.covariates, test_bed, &flags.covariates, &flags.train_covariates) {
                    (None, _, _, _) => None,
                    (Some(_), None, _, Some(train)) => Some(train.clone()),
                    (Some(_), Some(_), Some(path), _) => Some(path.clone()),
                    (Some(_), Some(_), None, _) => {
                        bail!("the fit has --covariates: give the --test-bed samples' with --test-covariates")
                    }
                    (Some(_), None, _, None) => bail!("the fit's covariates file is unknown"),
                };
                let z_values = match &z_table {
                    Some(path) => {
                        let columns = data.covariate_columns.as_deref().context("covariate encoding")?;
                        let table = regpath_datagen::read_covariate_table_as(path, bed.sample_ids(), columns)
                            .with_context(|| format!("held-out covariates {}", path.display()))?;
                        for (v, c) in pheno.iter_mut().zip(&table.values) {
                            if c.is_none() {
                                *v = None;
                            }
                        }
                        Some(table)
                    }
                    None => None,
                };
                let (rows, y) = observed(&bed, flags.keep.as_deref(), &pheno)?;
                if rows.is_empty() {
                    bail!(
                        "no held-out sample has an observed phenotype in {from}{}",
                        if z_table.is_some() { " and every covariate" } else { "" }
                    );
                }
                let z = match &z_values {
                    Some(table) => Some(table.rows(&rows)?.values),
                    None => None,
                };
                if test_bed.is_none()
                    && let Some(train_rows) = train_rows
                {
                    let mut in_train = vec![false; bed.n_samples()];
                    train_rows.iter().for_each(|&i| in_train[i] = true);
                    let overlap = rows.iter().filter(|&&i| in_train[i]).count();
                    if overlap > 0 {
                        eprintln!("warning: {overlap} --test-keep samples are also training samples");
                    }
                }
                no_event_check(datafit, &y)?;
                eprintln!("held out: {} samples with a phenotype", rows.len());
                Ok(Some(HeldOut::Bed { bed: Box::new(bed), rows, y, matching, means, z }))
            }
            (LoadedX::Dense(_), None, _) => {
                bail!("--test-bed/--test-keep go with --bed; with --x use --test-x/--test-y")
            }
            (LoadedX::Bed { .. }, Some(_), _) => {
                bail!("--test-x goes with --x; with --bed use --test-bed or --test-keep")
            }
            (_, Some(_), Some(_)) => bail!("give --test-x or --test-bed, not both"),
        }
    }

    /// `(loss, score)` of a path point, `datafit`'s [`DatafitKind::held_out_score`]: MSE and R²
    /// (quadratic), mean binomial deviance and AUC (logistic), or the partial-likelihood
    /// deviance `2F(η)` over the held-out samples' own risk sets and Harrell's C (cox); the
    /// score is `None` when undefined (constant y, one class, no comparable pair).
    pub fn score(&self, intercept: f64, coefs: &[(usize, f64)], datafit: DatafitKind) -> (f64, Option<f64>) {
        let (eta, y) = match self {
            HeldOut::Dense { x, y, z } => {
                let mut pred = vec![0.0; y.len()];
                predict(x.view(), z.as_ref().map(|z| z.view()), intercept, coefs, &mut pred);
                (pred, y)
            }
            HeldOut::Bed { bed, rows, y, matching, means, z } => {
                let mut eta = predict_bed(means, bed, rows, matching, &[intercept], &vec![coefs.to_vec()]);
                let mut eta = eta.swap_remove(0);
                if let Some(z) = z {
                    let p = means.len();
                    for &(j, c) in coefs.iter().filter(|(j, _)| *j >= p) {
                        eta.iter_mut().zip(z.column(j - p)).for_each(|(e, v)| *e += c * v);
                    }
                }
                (eta, y)
            }
        };
        datafit.held_out_score(y, &eta)
    }
}
