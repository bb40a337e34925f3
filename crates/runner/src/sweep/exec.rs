//! Running the tasks: each dataset replicate is generated (or read) and split once, then its
//! penalty tasks run in parallel on the rayon pool; CV folds run in parallel too. Each finished
//! task is written atomically to `tasks/<task_id>.json` before it counts as done.

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ndarray::{Array2, ArrayView2, ShapeBuilder};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use regpath_solver::{DatafitKind, DenseDesign, WithCovariates, fit_path_spec};

use super::config::{Method, SweepConfig};
use super::metrics::{
    argmin_first, auc, binomial_deviance, brier, coef_error, mean_se, misclassification, mse, one_se_index, predict,
    r2, support,
};
use super::plan::{DataOrigin, Plan, Task, Unit, split_sizes};
use super::resume::OutputDir;
use super::tables::{CoefRow, SummaryRow, SweepPathRow, TASK_FORMAT, TaskResult};

/// The data of one unit (dataset instance × replicate), split into its parts.
pub struct UnitData {
    /// Training X (column-major).
    pub x_train: Array2<f64>,
    /// Training y.
    pub y_train: Vec<f64>,
    /// Validation X (0 rows with CV).
    pub x_val: Array2<f64>,
    /// Validation y.
    pub y_val: Vec<f64>,
    /// Test X.
    pub x_test: Array2<f64>,
    /// Test y.
    pub y_test: Vec<f64>,
    /// True coefficients, when known.
    pub beta: Option<Vec<f64>>,
    /// CV folds: sorted positions within the training part (empty without CV).
    pub folds: Vec<Vec<usize>>,
    /// Unpenalized covariates of the training, validation and test parts (same rows as X).
    pub covariates: Option<[Array2<f64>; 3]>,
    /// Penalty factor of each column of X.
    pub penalty_factor: Option<Vec<f64>>,
}

impl UnitData {
    /// Training covariates.
    fn c_train(&self) -> Option<ArrayView2<'_, f64>> {
        self.covariates.as_ref().map(|c| c[0].view())
    }

    /// Validation covariates.
    fn c_val(&self) -> Option<ArrayView2<'_, f64>> {
        self.covariates.as_ref().map(|c| c[1].view())
    }

    /// Test covariates.
    fn c_test(&self) -> Option<ArrayView2<'_, f64>> {
        self.covariates.as_ref().map(|c| c[2].view())
    }
}

/// Fits a path on X (and the covariates, when there are any, as unpenalized columns).
fn fit_with_covariates<F>(
    config: &SweepConfig,
    x: ArrayView2<'_, f64>,
    covariates: Option<ArrayView2<'_, f64>>,
    y: &[f64],
    spec: regpath_solver::PenaltySpec,
    options: &regpath_solver::PathOptions,
    on_point: F,
) -> Result<regpath_solver::PathSummary>
where
    F: FnMut(&regpath_solver::PathPoint<'_>) -> ControlFlow<()>,
{
    let design = DenseDesign::new(x, config.solver.intercept, config.solver.standardize)?;
    Ok(match covariates {
        Some(c) => fit_path_spec(&WithCovariates::new(&design, c)?, y, spec, options, on_point)?,
        None => fit_path_spec(&design, y, spec, options, on_point)?,
    })
}

/// The rows `rows` of a matrix, as a new column-major matrix.
pub fn select_rows(x: ArrayView2<'_, f64>, rows: &[usize]) -> Array2<f64> {
    let p = x.ncols();
    let mut data = Vec::with_capacity(rows.len() * p);
    for col in x.columns() {
        data.extend(rows.iter().map(|&i| col[i]));
    }
    Array2::from_shape_vec((rows.len(), p).f(), data).expect("shape matches")
}

/// The random partition of `n` samples into (train, validation, test) index lists (each sorted),
/// and the CV folds of the training part, from `split_seed`.
pub fn split(
    n: usize,
    test: f64,
    validation: f64,
    folds: usize,
    split_seed: u64,
) -> (Vec<usize>, Vec<usize>, Vec<usize>, Vec<Vec<usize>>) {
    let (n_train, n_val, n_test) = split_sizes(n, test, validation);
    let mut rng = ChaCha8Rng::seed_from_u64(split_seed);
    let mut perm: Vec<usize> = (0..n).collect();
    perm.shuffle(&mut rng);
    let mut test_idx = perm[..n_test].to_vec();
    let mut val_idx = perm[n_test..n_test + n_val].to_vec();
    let mut train_idx = perm[n_test + n_val..].to_vec();
    debug_assert_eq!(train_idx.len(), n_train);
    test_idx.sort_unstable();
    val_idx.sort_unstable();
    train_idx.sort_unstable();
    let mut fold_lists = vec![Vec::new(); folds];
    if folds > 0 {
        let mut order: Vec<usize> = (0..n_train).collect();
        order.shuffle(&mut rng);
        for (i, pos) in order.into_iter().enumerate() {
            fold_lists[i % folds].push(pos);
        }
        for f in &mut fold_lists {
            f.sort_unstable();
        }
    }
    (train_idx, val_idx, test_idx, fold_lists)
}

/// Generates or reads the unit's data and splits it.
pub fn prepare_unit(config: &SweepConfig, plan: &Plan, unit: &Unit) -> Result<UnitData> {
    let ds = &plan.datasets[unit.dataset];
    let e = &config.evaluation;
    let make = |x: ArrayView2<'_, f64>,
                y: &[f64],
                beta: Option<Vec<f64>>,
                covariates: Option<ArrayView2<'_, f64>>,
                penalty_factor: Option<Vec<f64>>| {
        let (tr, va, te, folds) = split(x.nrows(), e.test, e.validation_fraction(), e.folds(), unit.split_seed);
        let pick = |idx: &[usize]| idx.iter().map(|&i| y[i]).collect::<Vec<f64>>();
        UnitData {
            x_train: select_rows(x, &tr),
            y_train: pick(&tr),
            x_val: select_rows(x, &va),
            y_val: pick(&va),
            x_test: select_rows(x, &te),
            y_test: pick(&te),
            beta,
            folds,
            covariates: covariates.map(|c| [select_rows(c, &tr), select_rows(c, &va), select_rows(c, &te)]),
            penalty_factor,
        }
    };
    match &ds.origin {
        DataOrigin::Synthetic(spec) => {
            let data = regpath_datagen::generate(spec, unit.data_seed)
                .with_context(|| format!("cannot generate dataset {}", ds.id))?;
            let y = data.y.as_slice().context("generated y is not contiguous")?;
            Ok(make(data.x.view(), y, Some(data.beta.to_vec()), None, None))
        }
        DataOrigin::Loaded(file) => Ok(make(
            file.x.view(),
            &file.y,
            file.beta.clone(),
            file.covariates.as_ref().map(|c| c.values.view()),
            file.penalty_factor.clone(),
        )),
    }
}

/// Per-alpha quantities gathered while the training path runs.
struct PointInfo {
    alpha: f64,
    alpha_over_max: f64,
    nnz: usize,
    train_mse: f64,
    validation_mse: Option<f64>,
    test_mse: f64,
    test_r2: Option<f64>,
    test_deviance: Option<f64>,
    test_auc: Option<f64>,
    test_misclassification: Option<f64>,
    coef_error: Option<f64>,
    support: Option<super::metrics::Support>,
    certificate: f64,
    certificate_kind: &'static str,
    converged: bool,
    epochs: usize,
    time_s: f64,
}

/// The selection criterion of a held-out part at predictions `pred` (linear predictors):
/// the datafit's mean deviance, MSE for the quadratic datafit and the mean binomial deviance for
/// the logistic one.
fn held_out_loss(logistic: bool, y: &[f64], pred: &[f64]) -> f64 {
    if logistic { binomial_deviance(y, pred) } else { mse(y, pred) }
}

/// Validation loss (the datafit's mean deviance) at every alpha of a fold: fit on the other folds, score on this one.
fn fold_errors(
    config: &SweepConfig,
    task: &Task,
    plan: &Plan,
    data: &UnitData,
    fold: usize,
    alphas: &[f64],
) -> Result<Vec<f64>> {
    let held = &data.folds[fold];
    let mut in_fold = vec![false; data.y_train.len()];
    for &i in held {
        in_fold[i] = true;
    }
    let fit_rows: Vec<usize> = (0..data.y_train.len()).filter(|&i| !in_fold[i]).collect();
    let x_fit = select_rows(data.x_train.view(), &fit_rows);
    let y_fit: Vec<f64> = fit_rows.iter().map(|&i| data.y_train[i]).collect();
    let x_held = select_rows(data.x_train.view(), held);
    let y_held: Vec<f64> = held.iter().map(|&i| data.y_train[i]).collect();
    let c_fit = data.c_train().map(|c| select_rows(c, &fit_rows));
    let c_held = data.c_train().map(|c| select_rows(c, held));
    let mut options = config.path_options(Some(alphas.to_vec()), None, None)?;
    options.penalty_factor = data.penalty_factor.clone();
    let logistic = options.datafit == DatafitKind::Logistic;
    // The training path's alphas, already cut by these rules: every fold fits all of them.
    options.max_nnz = None;
    options.stop_saturated = None;
    let mut pred = vec![0.0; y_held.len()];
    let mut errors = Vec::with_capacity(alphas.len());
    let spec = plan.penalties[task.penalty].spec;
    fit_with_covariates(config, x_fit.view(), c_fit.as_ref().map(|c| c.view()), &y_fit, spec, &options, |pt| {
        predict(x_held.view(), c_held.as_ref().map(|c| c.view()), pt.intercept, pt.coefs, &mut pred);
        errors.push(held_out_loss(logistic, &y_held, &pred));
        ControlFlow::Continue(())
    })
    .with_context(|| format!("task {}: CV fold {fold}", task.id))?;
    Ok(errors)
}

/// Fits one task on its unit's data and computes every row.
pub fn run_task(
    config: &SweepConfig,
    plan: &Plan,
    config_hash: &str,
    task: &Task,
    unit: &Unit,
    data: &UnitData,
) -> Result<TaskResult> {
    let ds = &plan.datasets[task.dataset];
    let pen = &plan.penalties[task.penalty];
    let keep_coefs = plan.coef_tasks.iter().any(|id| id == &task.id);
    let mut options = config.path_options(None, pen.n_alphas, pen.eps)?;
    options.penalty_factor = data.penalty_factor.clone();
    let logistic = options.datafit == DatafitKind::Logistic;
    let has_val = !data.y_val.is_empty();
    let mut pred_val = vec![0.0; data.y_val.len()];
    let mut pred_test = vec![0.0; data.y_test.len()];
    let mut points: Vec<PointInfo> = Vec::new();
    let mut coefs: Vec<CoefRow> = Vec::new();
    let summary =
        fit_with_covariates(config, data.x_train.view(), data.c_train(), &data.y_train, pen.spec, &options, |pt| {
            let validation_mse = has_val.then(|| {
                predict(data.x_val.view(), data.c_val(), pt.intercept, pt.coefs, &mut pred_val);
                held_out_loss(logistic, &data.y_val, &pred_val)
            });
            predict(data.x_test.view(), data.c_test(), pt.intercept, pt.coefs, &mut pred_test);
            let y_test = &data.y_test;
            points.push(PointInfo {
                alpha: pt.alpha,
                alpha_over_max: pt.alpha_over_max,
                nnz: pt.nnz,
                train_mse: pt.train_mse,
                validation_mse,
                test_mse: if logistic { brier(y_test, &pred_test) } else { mse(y_test, &pred_test) },
                test_r2: if logistic { None } else { r2(y_test, &pred_test) },
                test_deviance: logistic.then(|| binomial_deviance(y_test, &pred_test)),
                test_auc: if logistic { auc(y_test, &pred_test) } else { None },
                test_misclassification: logistic.then(|| misclassification(y_test, &pred_test)),
                coef_error: data.beta.as_ref().map(|b| coef_error(pt.coefs, b)),
                support: data.beta.as_ref().map(|b| support(pt.coefs, b)),
                certificate: pt.certificate,
                certificate_kind: pt.certificate_kind.as_str(),
                converged: pt.converged,
                epochs: pt.epochs,
                time_s: pt.time_s,
            });
            if keep_coefs {
                coefs.extend(pt.coefs.iter().map(|&(feature, coef)| CoefRow {
                    task_id: task.id.clone(),
                    alpha_index: pt.alpha_index,
                    alpha: pt.alpha,
                    alpha_over_max: pt.alpha_over_max,
                    feature,
                    coef,
                    true_coef: data.beta.as_ref().and_then(|b| b.get(feature).copied()),
                }));
            }
            ControlFlow::Continue(())
        })
        .with_context(|| format!("task {}", task.id))?;

    // Cross-validation on the training part, over the same alphas, folds in parallel.
    let cv_start = Instant::now();
    let (cv_mean, cv_se) = if config.evaluation.method == Method::Cv {
        let alphas: Vec<f64> = points.iter().map(|p| p.alpha).collect();
        let per_fold: Vec<Vec<f64>> = (0..data.folds.len())
            .into_par_iter()
            .map(|f| fold_errors(config, task, plan, data, f, &alphas))
            .collect::<Result<_>>()?;
        let (mut mean, mut se) = (Vec::new(), Vec::new());
        for k in 0..alphas.len() {
            // a logistic fold path may end early (separated): those alphas get no CV error
            let values: Vec<f64> = per_fold.iter().map(|e| e.get(k).copied().unwrap_or(f64::NAN)).collect();
            let (m, s) = mean_se(&values);
            mean.push(m);
            se.push(s);
        }
        (Some(mean), Some(se))
    } else {
        (None, None)
    };
    let cv_time_s = if cv_mean.is_some() { cv_start.elapsed().as_secs_f64() } else { 0.0 };

    let criterion: Vec<f64> = match &cv_mean {
        Some(m) => m.clone(),
        None => points.iter().map(|p| p.validation_mse.unwrap_or(f64::NAN)).collect(),
    };
    let chosen = argmin_first(&criterion).unwrap_or(0);
    let one_se = match (&cv_mean, &cv_se) {
        (Some(m), Some(s)) => one_se_index(m, s),
        _ => None,
    };

    let path: Vec<SweepPathRow> = points
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
            datafit: options.datafit.as_str().into(),
            l1_ratio: pen.spec.l1_ratio(),
            gamma: pen.spec.gamma(),
            alpha_index: k,
            alpha: pt.alpha,
            alpha_over_max: pt.alpha_over_max,
            nnz: pt.nnz,
            zero_fraction: 1.0 - pt.nnz as f64 / ds.p as f64,
            train_mse: pt.train_mse,
            validation_mse: pt.validation_mse,
            cv_mse: cv_mean.as_ref().map(|m| m[k]).filter(|v| !v.is_nan()),
            cv_se: cv_se.as_ref().map(|s| s[k]).filter(|v| !v.is_nan()),
            test_mse: pt.test_mse,
            test_r2: pt.test_r2,
            test_deviance: pt.test_deviance,
            test_auc: pt.test_auc,
            test_misclassification: pt.test_misclassification,
            coef_error: pt.coef_error,
            true_positives: pt.support.map(|s| s.true_positives),
            false_positives: pt.support.map(|s| s.false_positives),
            false_negatives: pt.support.map(|s| s.false_negatives),
            precision: pt.support.and_then(|s| s.precision),
            recall: pt.support.and_then(|s| s.recall),
            f1: pt.support.and_then(|s| s.f1),
            certificate: pt.certificate,
            certificate_kind: pt.certificate_kind.into(),
            converged: pt.converged,
            epochs: pt.epochs,
            time_s: pt.time_s,
        })
        .collect();

    let c = &points[chosen];
    let s1 = one_se.map(|k| &points[k]);
    let summary_row = SummaryRow {
        task_index: task.index,
        task_id: task.id.clone(),
        dataset: ds.id.clone(),
        family: ds.family.clone(),
        n: ds.n,
        p: ds.p,
        replicate: task.replicate,
        penalty: pen.spec.name().into(),
        datafit: options.datafit.as_str().into(),
        l1_ratio: pen.spec.l1_ratio(),
        gamma: pen.spec.gamma(),
        data_seed: matches!(ds.origin, DataOrigin::Synthetic(_)).then_some(unit.data_seed),
        split_seed: unit.split_seed,
        n_train: data.y_train.len(),
        n_validation: data.y_val.len(),
        n_test: data.y_test.len(),
        folds: data.folds.len(),
        selection: config.evaluation.method.name().into(),
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
        cv1se_test_mse: s1.map(|p| p.test_mse),
        cv1se_test_r2: s1.and_then(|p| p.test_r2),
        cv1se_f1: s1.and_then(|p| p.support.and_then(|s| s.f1)),
        oracle_test_mse: points.iter().map(|p| p.test_mse).fold(f64::INFINITY, f64::min),
        all_converged: summary.all_converged,
        worst_certificate: points.iter().map(|p| p.certificate).fold(0.0, f64::max),
        stop_reason: summary.stop_reason.as_str().into(),
        path_time_s: summary.time_s,
        cv_time_s,
    };
    Ok(TaskResult {
        format: TASK_FORMAT,
        config_hash: config_hash.to_string(),
        task_index: task.index,
        task_id: task.id.clone(),
        path,
        summary: summary_row,
        coefs,
    })
}

/// Runs every task marked in `todo` (plan order), in the current rayon pool, storing each in
/// `results`; returns how many ran. With `max_tasks`, starts at most that many (to simulate an
/// interruption in tests).
#[allow(clippy::too_many_arguments)]
pub fn execute(
    config: &SweepConfig,
    plan: &Plan,
    config_hash: &str,
    dir: &OutputDir,
    todo: &[bool],
    results: &mut [Option<TaskResult>],
    max_tasks: Option<usize>,
    progress: bool,
) -> Result<usize> {
    let count = todo.iter().filter(|t| **t).count();
    let bar = if progress {
        ProgressBar::with_draw_target(Some(count as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} tasks  {per_sec}  eta {eta}  {msg}",
        )
        .expect("valid template"),
    );
    let started = AtomicUsize::new(0);
    let claim = || max_tasks.is_none_or(|m| started.fetch_add(1, Ordering::SeqCst) < m);
    let limit_reached = || max_tasks.is_some_and(|m| started.load(Ordering::SeqCst) >= m);
    let new: Vec<TaskResult> = plan
        .units
        .par_iter()
        .map(|unit| -> Result<Vec<TaskResult>> {
            let pending: Vec<&Task> = unit.tasks.iter().filter(|&&t| todo[t]).map(|&t| &plan.tasks[t]).collect();
            if pending.is_empty() || limit_reached() {
                return Ok(Vec::new());
            }
            let data = prepare_unit(config, plan, unit)?;
            let out: Vec<Option<TaskResult>> = pending
                .par_iter()
                .map(|task| -> Result<Option<TaskResult>> {
                    if !claim() {
                        return Ok(None);
                    }
                    let result = run_task(config, plan, config_hash, task, unit, &data)?;
                    dir.write_task(&result)?;
                    bar.inc(1);
                    Ok(Some(result))
                })
                .collect::<Result<_>>()?;
            Ok(out.into_iter().flatten().collect())
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    bar.finish_and_clear();
    let ran = new.len();
    for r in new {
        let i = r.task_index;
        results[i] = Some(r);
    }
    Ok(ran)
}
