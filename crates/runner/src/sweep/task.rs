//! One task: the training path with its held-out scores, cross-validation over the same
//! alphas, the choice of alpha, and the task's rows of `path.csv`, `summary.csv` and
//! `coefs.csv`.

use std::ops::ControlFlow;
use std::time::Instant;

use anyhow::{Context, Result};
use rayon::prelude::*;
use regpath_solver::{DatafitKind, PathOptions, PathPoint, PathSummary};

use super::config::{Method, SweepConfig};
use super::data::{FitDesign, UnitData, complement};
use super::metrics::{Support, argmin_first, coef_error, mean_se, one_se_index, support, support_by_group};
use super::part::Part;
use super::plan::{DataOrigin, Plan, Task, Unit};
use super::progress_log::{self, ProgressLog};
use super::tables::{
    ChosenModel, CoefRow, MODEL_BUDGET, SUPPORT_BUDGET, SummaryRow, SweepPathRow, TASK_FORMAT, TaskResult,
};

/// What every task of a sweep run shares: the configuration, its plan and its hash.
#[derive(Clone, Copy)]
pub struct SweepContext<'a> {
    /// The resolved configuration.
    pub config: &'a SweepConfig,
    /// Its expanded tasks.
    pub plan: &'a Plan,
    /// Its hash (recorded in every task file).
    pub config_hash: &'a str,
    /// Progress lines for logs (`progress_log.rs`).
    pub log: &'a ProgressLog,
}

/// Per-alpha quantities gathered while the training path runs.
struct PointInfo {
    alpha: f64,
    alpha_over_max: f64,
    nnz: usize,
    train_mse: f64,
    validation_mse: Option<f64>,
    /// Test metrics: `None` without a test part (`evaluation.test = 0`).
    test_mse: Option<f64>,
    test_r2: Option<f64>,
    test_deviance: Option<f64>,
    test_auc: Option<f64>,
    test_misclassification: Option<f64>,
    test_cindex: Option<f64>,
    coef_error: Option<f64>,
    support: Option<Support>,
    objective: f64,
    certificate: f64,
    certificate_kind: &'static str,
    converged: bool,
    epochs: usize,
    full_passes: f64,
    time_s: f64,
}

/// Cross-validation error (mean and standard error over folds) at each alpha.
struct CrossValidation {
    mean: Vec<f64>,
    se: Vec<f64>,
    time_s: f64,
}

/// The path options of a task (its penalty's grid, the unit's penalty factors).
fn task_options(config: &SweepConfig, plan: &Plan, task: &Task, data: &UnitData<'_>) -> Result<PathOptions> {
    let pen = &plan.penalties[task.penalty];
    let mut options = config.path_options(None, pen.n_alphas, pen.eps)?;
    options.penalty_factor = data.penalty_factor.clone();
    Ok(options)
}

/// Fits one task on its unit's training design and computes every row.
pub fn run_task(
    ctx: SweepContext<'_>,
    task: &Task,
    unit: &Unit,
    data: &UnitData<'_>,
    design: &FitDesign<'_>,
) -> Result<TaskResult> {
    let SweepContext { config, plan, config_hash, log } = ctx;
    let options = task_options(config, plan, task, data)?;
    let keep_coefs = plan.coef_tasks.iter().any(|id| id == &task.id);
    let mut coefs: Vec<CoefRow> = Vec::new();
    let patience = config.grid.patience.filter(|&n| n > 0);
    let cv_first = config.evaluation.method == Method::Cv && patience.is_some();
    // With CV and early stopping the folds run first, over the training path's grid, each
    // stopping on its own held-out error; the training path then stops at the CV choice.
    let early_cv = if cv_first {
        let alphas = training_alphas(plan, task, data, design, &options)?;
        Some(cross_validate(ctx, task, data, &alphas, patience)?)
    } else {
        None
    };
    let stop = match &early_cv {
        Some(cv) => Stop::At(argmin_first(&cv.mean).unwrap_or(0)),
        None => match (config.evaluation.method, patience) {
            (Method::Validation, Some(n)) => Stop::NoImprovement(n),
            _ => Stop::Never,
        },
    };
    // The chosen alpha is the first minimum of the criterion over the alphas the path reaches
    // (`argmin_first`). With CV run first the criterion is known before the path (cv.mean),
    // with a validation part it is known at each alpha: then only the running best alpha's
    // support and model are kept (the chosen one once the path ends, however long the path and
    // however many coefficients it has). Only CV run after the path keeps every alpha's,
    // within SUPPORT_BUDGET and MODEL_BUDGET.
    let criterion_known = early_cv.is_some() || config.evaluation.method == Method::Validation;
    let mut best: Option<(usize, f64)> = None;
    let p = plan.datasets[task.dataset].p;
    let mut supports: Vec<Option<Vec<u32>>> = Vec::new();
    let mut kept = 0usize;
    let mut models: Vec<Option<ChosenModel>> = Vec::new();
    let mut kept_coefs = 0usize;
    let snps = match &plan.datasets[task.dataset].origin {
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => file.input.x.snp_table(),
        DataOrigin::Synthetic(_) => None,
    };
    let covariate_names: &[String] = match &plan.datasets[task.dataset].origin {
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => {
            file.input.covariates.as_ref().map_or(&[], |c| c.names.as_slice())
        }
        DataOrigin::Synthetic(_) => &[],
    };
    let (points, summary, stopped) = training_path(plan, log, task, data, design, &options, stop, |pt, validation| {
        if keep_coefs {
            coefs.extend(coef_rows(task, data, pt, snps.as_deref(), covariate_names));
        }
        let k = models.len();
        let keep = if criterion_known {
            let value = match &early_cv {
                Some(cv) => cv.mean.get(k).copied().unwrap_or(f64::NAN),
                None => validation.unwrap_or(f64::NAN),
            };
            // argmin_first's rule (NaN skipped; index 0 when every value is NaN)
            let better = match best {
                None => true,
                Some((_, b)) => !value.is_nan() && (b.is_nan() || value < b),
            };
            if better && let Some((old, _)) = best.replace((k, value)) {
                models[old] = None;
                supports[old] = None;
            }
            better
        } else {
            kept_coefs += pt.coefs.len();
            kept_coefs <= MODEL_BUDGET
        };
        models.push(keep.then(|| ChosenModel {
            alpha: pt.alpha,
            alpha_over_max: pt.alpha_over_max,
            intercept: pt.intercept,
            nnz: pt.nnz,
            coefs: pt.coefs.iter().filter(|c| c.1 != 0.0).copied().collect(),
        }));
        let support = || -> Vec<u32> {
            pt.coefs.iter().filter(|&&(j, c)| j < p && c != 0.0).filter_map(|&(j, _)| u32::try_from(j).ok()).collect()
        };
        supports.push(if criterion_known {
            keep.then(support)
        } else {
            let support = support();
            kept += support.len();
            (kept <= SUPPORT_BUDGET).then_some(support)
        });
    })?;
    let cv = match early_cv {
        Some(cv) => Some(cv),
        None if config.evaluation.method == Method::Cv => {
            let alphas: Vec<f64> = points.iter().map(|p| p.alpha).collect();
            Some(cross_validate(ctx, task, data, &alphas, None)?)
        }
        None => None,
    };
    // criteria over the alphas the training path reached (a CV curve may be longer)
    let criterion: Vec<f64> = match &cv {
        Some(cv) => (0..points.len()).map(|k| cv.mean.get(k).copied().unwrap_or(f64::NAN)).collect(),
        None => points.iter().map(|p| p.validation_mse.unwrap_or(f64::NAN)).collect(),
    };
    let chosen = argmin_first(&criterion).unwrap_or(0);
    let one_se = cv.as_ref().and_then(|cv| {
        let k = points.len().min(cv.mean.len());
        one_se_index(&cv.mean[..k], &cv.se[..k])
    });
    let stop_reason = if stopped { Some("no_improvement") } else { None };
    let context = RowContext { config, plan, task, unit, data, datafit: options.datafit };
    Ok(TaskResult {
        format: TASK_FORMAT,
        config_hash: config_hash.to_string(),
        task_index: task.index,
        task_id: task.id.clone(),
        input_hash: plan.datasets[task.dataset].input_hash.clone(),
        path: context.path_rows(&points, cv.as_ref()),
        summary: context.summary_row(&points, &summary, cv.as_ref(), &criterion, chosen, one_se, stop_reason),
        coefs,
        chosen_support: supports
            .get(chosen)
            .cloned()
            .flatten()
            .map(|support| support.into_iter().map(|j| j as usize).collect()),
        chosen_model: models.get_mut(chosen).and_then(Option::take),
    })
}

/// When a training path stops before its grid ends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stop {
    /// Only by the path's own rules.
    Never,
    /// After this many consecutive alphas whose validation loss is not below the best so far.
    NoImprovement(usize),
    /// After this alpha index (the CV choice).
    At(usize),
}

/// Early stopping on a held-out error curve: `true` once `patience` consecutive values after
/// the best one are not below it (`NaN` counts as no improvement).
pub(crate) struct Patience {
    patience: usize,
    best: f64,
    since_best: usize,
}

impl Patience {
    /// Alphas allowed after the best one.
    pub(crate) fn patience(&self) -> usize {
        self.patience
    }

    pub(crate) fn new(patience: usize) -> Patience {
        Patience { patience, best: f64::INFINITY, since_best: 0 }
    }

    /// Records the next value; whether the path should stop.
    pub(crate) fn stop_after(&mut self, value: f64) -> bool {
        if value < self.best {
            self.best = value;
            self.since_best = 0;
        } else {
            self.since_best += 1;
        }
        self.since_best >= self.patience
    }
}

/// The alphas of the task's training path: its grid, at the training data's alpha_max (read
/// off the first point of a path stopped right after it).
fn training_alphas(
    plan: &Plan,
    task: &Task,
    data: &UnitData<'_>,
    design: &FitDesign<'_>,
    options: &PathOptions,
) -> Result<Vec<f64>> {
    if let regpath_solver::AlphaGrid::Explicit(_) = options.grid {
        return Ok(options.grid.alphas(0.0, "")?);
    }
    let covariates = data.covariates.as_ref().map(|c| c[Part::Train as usize].view());
    let spec = plan.penalties[task.penalty].spec;
    let mut alpha_max = f64::NAN;
    design
        .fit(covariates, data.y(Part::Train), spec, options, |pt| {
            alpha_max = pt.alpha / pt.alpha_over_max;
            ControlFlow::Break(())
        })
        .with_context(|| format!("task {}", task.id))?;
    Ok(options.grid.alphas(alpha_max, "no column of the training part varies")?)
}

/// The training path, scored on the validation and test parts at every alpha; `on_point` also
/// sees each point with its validation error (for the coefficient rows and the chosen model). Returns whether `stop` ended it.
#[allow(clippy::too_many_arguments)]
fn training_path(
    plan: &Plan,
    log: &ProgressLog,
    task: &Task,
    data: &UnitData<'_>,
    design: &FitDesign<'_>,
    options: &PathOptions,
    stop: Stop,
    mut on_point: impl FnMut(&PathPoint<'_>, Option<f64>),
) -> Result<(Vec<PointInfo>, PathSummary, bool)> {
    let mut patience = match stop {
        Stop::NoImprovement(n) => Some(Patience::new(n)),
        _ => None,
    };
    let mut stopped = false;
    let datafit = options.datafit;
    let (val, test) = (data.scorer(Part::Validation), data.scorer(Part::Test));
    let (y_val, y_test) = (data.y(Part::Validation), data.y(Part::Test));
    let mut pred_val = vec![0.0; y_val.len()];
    let mut pred_test = vec![0.0; y_test.len()];
    let covariates = data.covariates.as_ref().map(|c| c[Part::Train as usize].view());
    let mut points = Vec::new();
    let spec = plan.penalties[task.penalty].spec;
    let p = plan.datasets[task.dataset].p.max(1);
    let mut heartbeat = log.heartbeat();
    let summary = design
        .fit(covariates, data.y(Part::Train), spec, options, |pt| {
            if heartbeat.due() {
                log.line(format_args!(
                    "{}: training path at alpha {}, nnz {}, {}",
                    task.id,
                    pt.alpha_index + 1,
                    pt.nnz,
                    progress_log::seconds(heartbeat.seconds())
                ));
            }
            let validation_mse = (!y_val.is_empty()).then(|| {
                val.predict(pt.intercept, pt.coefs, &mut pred_val);
                // the selection criterion: the datafit's mean deviance
                datafit.held_out_loss(y_val, &pred_val)
            });
            let measures = (!y_test.is_empty()).then(|| {
                test.predict(pt.intercept, pt.coefs, &mut pred_test);
                datafit.test_measures(y_test, &pred_test)
            });
            let measures = measures.unwrap_or_default();
            points.push(PointInfo {
                alpha: pt.alpha,
                alpha_over_max: pt.alpha_over_max,
                nnz: pt.nnz,
                train_mse: pt.train_mse,
                validation_mse,
                test_mse: measures.mse,
                test_r2: measures.r2,
                test_deviance: measures.deviance,
                test_auc: measures.auc,
                test_misclassification: measures.misclassification,
                test_cindex: measures.concordance,
                coef_error: data.beta.as_ref().map(|b| coef_error(pt.coefs, b)),
                support: data.beta.as_ref().map(|b| match &data.copy_groups {
                    Some(groups) => support_by_group(pt.coefs, b, groups),
                    None => support(pt.coefs, b),
                }),
                objective: pt.objective,
                certificate: pt.certificate,
                certificate_kind: pt.certificate_kind.as_str(),
                converged: pt.converged,
                epochs: pt.epochs,
                full_passes: pt.coordinate_updates as f64 / p as f64 + pt.scan_passes + pt.newton_passes,
                time_s: pt.time_s,
            });
            on_point(pt, validation_mse);
            let done = match (stop, &mut patience) {
                (Stop::At(k), _) => pt.alpha_index >= k,
                (_, Some(p)) => p.stop_after(validation_mse.unwrap_or(f64::NAN)),
                _ => false,
            };
            if done {
                stopped = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("task {}", task.id))?;
    // a stop at the very last alpha of the grid is the end of the grid
    let stopped = stopped && summary.stop_reason == regpath_solver::StopReason::Callback;
    Ok((points, summary, stopped))
}

/// The coefficient rows of one point; for a PLINK dataset (`snps`) with each SNP's id and
/// alleles, a covariate named in the `snp` column.
fn coef_rows<'p>(
    task: &'p Task,
    data: &'p UnitData<'_>,
    pt: &'p PathPoint<'_>,
    snps: Option<&'p regpath_datagen::SnpTable>,
    covariate_names: &'p [String],
) -> impl Iterator<Item = CoefRow> + 'p {
    pt.coefs.iter().map(move |&(feature, coef)| {
        let (snp, a1, a2) = match snps {
            Some(t) if feature < t.id.len() => (
                Some(t.id.get(feature).to_string()),
                Some(t.allele1.get(feature).to_string()),
                Some(t.allele2.get(feature).to_string()),
            ),
            Some(t) => (covariate_names.get(feature - t.id.len()).cloned(), None, None),
            None => (None, None, None),
        };
        CoefRow {
            task_id: task.id.clone(),
            alpha_index: pt.alpha_index,
            alpha: pt.alpha,
            alpha_over_max: pt.alpha_over_max,
            feature,
            coef,
            true_coef: data.beta.as_ref().and_then(|b| b.get(feature).copied()),
            snp,
            a1,
            a2,
        }
    })
}

/// Cross-validation on the training part over `alphas`, folds in parallel. A logistic fold
/// path may end early (separated): those alphas get no error from that fold, and an alpha
/// with a missing fold gets a NaN mean (an empty `cv_mse`).
fn cross_validate(
    ctx: SweepContext<'_>,
    task: &Task,
    data: &UnitData<'_>,
    alphas: &[f64],
    patience: Option<usize>,
) -> Result<CrossValidation> {
    let start = Instant::now();
    let per_fold: Vec<Vec<f64>> = (0..data.folds.len())
        .into_par_iter()
        .map(|f| fold_errors(ctx, task, data, f, alphas, patience))
        .collect::<Result<_>>()?;
    // with early stopping, the mean is over the alphas every fold reached
    let reached = match patience {
        Some(_) => per_fold.iter().map(Vec::len).min().unwrap_or(0),
        None => alphas.len(),
    };
    let (mut mean, mut se) = (Vec::new(), Vec::new());
    for k in 0..reached {
        let values: Vec<f64> = per_fold.iter().map(|e| e.get(k).copied().unwrap_or(f64::NAN)).collect();
        let (m, s) = mean_se(&values);
        mean.push(m);
        se.push(s);
    }
    Ok(CrossValidation { mean, se, time_s: start.elapsed().as_secs_f64() })
}

/// Held-out loss (the datafit's mean deviance) at every alpha of a fold: fit on the other
/// folds, score on this one.
fn fold_errors(
    ctx: SweepContext<'_>,
    task: &Task,
    data: &UnitData<'_>,
    fold: usize,
    alphas: &[f64],
    patience: Option<usize>,
) -> Result<Vec<f64>> {
    let SweepContext { config, plan, log, .. } = ctx;
    let held = &data.folds[fold];
    let fit = complement(data.n_rows(Part::Train), held);
    let y_train = data.y(Part::Train);
    let y_fit: Vec<f64> = fit.iter().map(|&i| y_train[i]).collect();
    let y_held: Vec<f64> = held.iter().map(|&i| y_train[i]).collect();
    let c_fit = data.covariates.as_ref().map(|c| crate::load::select_rows(c[0].view(), &fit));
    let mut scratch = None;
    let design = data.fit_design(config, Some(fold), &mut scratch)?;
    let scorer = data.fold_scorer(fold);
    let mut options = config.path_options(Some(alphas.to_vec()), None, None)?;
    options.penalty_factor = data.penalty_factor.clone();
    let datafit = options.datafit;
    // Without early stopping these are the training path's alphas, already cut by these
    // rules: every fold fits all of them. With it, the folds run first and apply them too.
    if patience.is_none() {
        options.max_nnz = None;
        options.stop_saturated = None;
    }
    let mut early = patience.map(Patience::new);
    let mut pred = vec![0.0; y_held.len()];
    let mut errors = Vec::with_capacity(alphas.len());
    let spec = plan.penalties[task.penalty].spec;
    let folds = data.folds.len();
    let mut heartbeat = log.heartbeat();
    let mut stopped = false;
    design
        .fit(c_fit.as_ref().map(|c| c.view()), &y_fit, spec, &options, |pt| {
            if heartbeat.due() {
                log.line(format_args!(
                    "{}: CV fold {}/{folds} at alpha {}/{}, nnz {}, {}",
                    task.id,
                    fold + 1,
                    pt.alpha_index + 1,
                    alphas.len(),
                    pt.nnz,
                    progress_log::seconds(heartbeat.seconds())
                ));
            }
            scorer.predict(pt.intercept, pt.coefs, &mut pred);
            let loss = datafit.held_out_loss(&y_held, &pred);
            errors.push(loss);
            if early.as_mut().is_some_and(|p| p.stop_after(loss)) {
                stopped = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("task {}: CV fold {fold}", task.id))?;
    let how = if stopped && errors.len() < alphas.len() {
        format!("stopped {} after its best", early.map_or(0, |p| p.patience()))
    } else if errors.len() < alphas.len() {
        "its path ended early".to_string()
    } else {
        "the whole grid".to_string()
    };
    log.line(format_args!(
        "{}: CV fold {}/{folds} done: {} alphas ({how}), {}",
        task.id,
        fold + 1,
        errors.len(),
        progress_log::seconds(heartbeat.seconds())
    ));
    Ok(errors)
}

/// What the rows of a task share.
struct RowContext<'c, 'd> {
    config: &'c SweepConfig,
    plan: &'c Plan,
    task: &'c Task,
    unit: &'c Unit,
    data: &'c UnitData<'d>,
    datafit: DatafitKind,
}

impl RowContext<'_, '_> {
    /// The task's rows of `path.csv`.
    fn path_rows(&self, points: &[PointInfo], cv: Option<&CrossValidation>) -> Vec<SweepPathRow> {
        let (task, ds, pen) =
            (self.task, &self.plan.datasets[self.task.dataset], &self.plan.penalties[self.task.penalty]);
        points
            .iter()
            .enumerate()
            .map(|(k, pt)| SweepPathRow {
                task_index: task.index,
                task_id: task.id.clone(),
                dataset: ds.id.clone(),
                family: ds.family.clone(),
                n: ds.n,
                p: ds.p,
                replicate: task.replicate,
                penalty: pen.spec.name().into(),
                datafit: self.datafit.as_str().into(),
                l1_ratio: pen.spec.l1_ratio(),
                gamma: pen.spec.gamma(),
                alpha_index: k,
                alpha: pt.alpha,
                alpha_over_max: pt.alpha_over_max,
                nnz: pt.nnz,
                zero_fraction: 1.0 - pt.nnz as f64 / ds.p as f64,
                train_mse: Some(pt.train_mse).filter(|v| !v.is_nan()),
                validation_mse: pt.validation_mse,
                cv_mse: cv.map(|c| c.mean[k]).filter(|v| !v.is_nan()),
                cv_se: cv.map(|c| c.se[k]).filter(|v| !v.is_nan()),
                test_mse: pt.test_mse,
                test_r2: pt.test_r2,
                test_deviance: pt.test_deviance,
                test_auc: pt.test_auc,
                test_misclassification: pt.test_misclassification,
                test_cindex: pt.test_cindex,
                coef_error: pt.coef_error,
                true_positives: pt.support.map(|s| s.true_positives),
                false_positives: pt.support.map(|s| s.false_positives),
                false_negatives: pt.support.map(|s| s.false_negatives),
                precision: pt.support.and_then(|s| s.precision),
                recall: pt.support.and_then(|s| s.recall),
                f1: pt.support.and_then(|s| s.f1),
                objective: pt.objective,
                certificate: pt.certificate,
                certificate_kind: pt.certificate_kind.into(),
                converged: pt.converged,
                epochs: pt.epochs,
                full_passes: pt.full_passes,
                time_s: pt.time_s,
            })
            .collect()
    }

    /// The task's row of `summary.csv`: the alpha chosen by `criterion` (and the CV one-SE
    /// rule), scored on the test part.
    fn summary_row(
        &self,
        points: &[PointInfo],
        summary: &PathSummary,
        cv: Option<&CrossValidation>,
        criterion: &[f64],
        chosen: usize,
        one_se: Option<usize>,
        stop_reason: Option<&str>,
    ) -> SummaryRow {
        let (task, ds, pen) =
            (self.task, &self.plan.datasets[self.task.dataset], &self.plan.penalties[self.task.penalty]);
        let data = self.data;
        let c = &points[chosen];
        let s1 = one_se.map(|k| &points[k]);
        SummaryRow {
            task_index: task.index,
            task_id: task.id.clone(),
            dataset: ds.id.clone(),
            family: ds.family.clone(),
            n: ds.n,
            p: ds.p,
            replicate: task.replicate,
            penalty: pen.spec.name().into(),
            datafit: self.datafit.as_str().into(),
            l1_ratio: pen.spec.l1_ratio(),
            gamma: pen.spec.gamma(),
            data_seed: matches!(ds.origin, DataOrigin::Synthetic(_) | DataOrigin::Simulated(..))
                .then_some(self.unit.data_seed),
            split_seed: self.unit.split_seed,
            n_train: data.n_rows(Part::Train),
            n_validation: data.n_rows(Part::Validation),
            n_test: data.n_rows(Part::Test),
            folds: data.folds.len(),
            selection: self.config.evaluation.method.name().into(),
            alpha_max: summary.alpha_max,
            n_alphas: points.len(),
            true_nnz: data.beta.as_ref().map(|b| b.iter().filter(|v| **v != 0.0).count()),
            chosen_alpha_index: chosen,
            chosen_alpha: c.alpha,
            chosen_alpha_over_max: c.alpha_over_max,
            chosen_nnz: c.nnz,
            chosen_selection_mse: criterion[chosen],
            chosen_test_mse: c.test_mse,
            chosen_test_r2: c.test_r2,
            chosen_test_deviance: c.test_deviance,
            chosen_test_auc: c.test_auc,
            chosen_test_misclassification: c.test_misclassification,
            chosen_test_cindex: c.test_cindex,
            chosen_coef_error: c.coef_error,
            chosen_true_positives: c.support.map(|s| s.true_positives),
            chosen_false_positives: c.support.map(|s| s.false_positives),
            chosen_precision: c.support.and_then(|s| s.precision),
            chosen_recall: c.support.and_then(|s| s.recall),
            chosen_f1: c.support.and_then(|s| s.f1),
            cv1se_alpha_index: one_se,
            cv1se_alpha: s1.map(|p| p.alpha),
            cv1se_alpha_over_max: s1.map(|p| p.alpha_over_max),
            cv1se_nnz: s1.map(|p| p.nnz),
            cv1se_test_mse: s1.and_then(|p| p.test_mse),
            cv1se_test_r2: s1.and_then(|p| p.test_r2),
            cv1se_f1: s1.and_then(|p| p.support.and_then(|s| s.f1)),
            oracle_test_mse: points.iter().filter_map(|p| p.test_mse).reduce(f64::min),
            all_converged: summary.all_converged,
            worst_certificate: points.iter().map(|p| p.certificate).fold(0.0, f64::max),
            stop_reason: stop_reason.unwrap_or(summary.stop_reason.as_str()).into(),
            path_full_passes: points.iter().map(|p| p.full_passes).sum(),
            path_time_s: summary.time_s,
            cv_time_s: cv.map_or(0.0, |c| c.time_s),
        }
    }
}
