//! What a finished sweep writes besides its tables (docs/sweep.md, *Output directory*):
//!
//! - `models/<task_id>.json` and `models/<task_id>.coefs.csv`: each task's chosen model in the
//!   format of `regpath path`'s `model.json` (one path point: the chosen alpha), so that
//!   `regpath predict --model OUTDIR/models/<task_id>.json` applies it to new samples;
//! - `splits/<dataset>__r<replicate>.txt`: the part (train, validation, test) and CV fold of
//!   every sample of each replicate, so that another tool can refit on the same samples.
//!
//! Both are written from the task results and the plan (the split is drawn again from its
//! seed, or read from the dataset's `split`/`folds` files), by `regpath sweep` and `regpath merge` alike; both folders are owned: they are
//! replaced whole.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use regpath_datagen::io::atomic::write_atomic;

use super::config::SweepConfig;
use super::data::unit_split_indices;
use super::plan::{DataOrigin, Plan, Unit};
use super::resume::{MODELS_DIR, SPLITS_DIR};
use super::tables::TaskResult;
use crate::load::LoadedX;
use crate::model::{Features, MODEL_FORMAT, MODEL_VERSION, Model, Training};
use crate::tables::{CoefRow, coef_columns, remove_owned_outputs, write_csv};

/// The samples of a unit by part: dataset rows of the training, validation and test parts
/// (sorted), and the 1-based CV fold of each training position (empty without CV).
struct UnitSplit {
    parts: [Vec<usize>; 3],
    fold_of: Vec<usize>,
}

fn unit_split(config: &SweepConfig, plan: &Plan, unit: &Unit) -> UnitSplit {
    let ds = &plan.datasets[unit.dataset];
    let (train, validation, test, folds) = unit_split_indices(config, ds, unit.split_seed);
    let mut fold_of = vec![0; if folds.is_empty() { 0 } else { train.len() }];
    for (f, positions) in folds.iter().enumerate() {
        for &k in positions {
            fold_of[k] = f + 1;
        }
    }
    UnitSplit { parts: [train, validation, test], fold_of }
}

/// `splits/<dataset>__r<replicate>.txt` of a unit: a header, then one line per sample of the
/// dataset in row order, `FID IID part fold` for a PLINK dataset (ids from the `.fam`) or
/// `row part fold` otherwise (the 0-based row of the dataset: of the `x`/`y` files, or of the
/// generated data), `part` one of `train`, `validation`, `test`, `fold` the 1-based CV fold of
/// a training sample and `NA` otherwise.
fn split_text(plan: &Plan, unit: &Unit, s: &UnitSplit) -> String {
    let ds = &plan.datasets[unit.dataset];
    let bed = match &ds.origin {
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => match &file.input.x {
            LoadedX::Bed { bed, rows, .. } => Some((bed, rows)),
            LoadedX::Dense(_) => None,
        },
        DataOrigin::Synthetic(_) => None,
    };
    let mut line_of: Vec<(&str, String)> = vec![("", String::new()); ds.n];
    for (part, name) in s.parts.iter().zip(["train", "validation", "test"]) {
        for (k, &i) in part.iter().enumerate() {
            let fold = match (name, s.fold_of.get(k)) {
                ("train", Some(f)) => f.to_string(),
                _ => "NA".to_string(),
            };
            line_of[i] = (name, fold);
        }
    }
    let mut text = String::from(if bed.is_some() { "FID IID part fold\n" } else { "row part fold\n" });
    for (i, (part, fold)) in line_of.iter().enumerate() {
        match bed {
            Some((bed, rows)) => {
                let (fid, iid) = &bed.sample_ids()[rows.as_ref().map_or(i, |r| r[i])];
                let _ = writeln!(text, "{fid} {iid} {part} {fold}");
            }
            None => {
                let _ = writeln!(text, "{i} {part} {fold}");
            }
        }
    }
    text
}

/// The model file of a task's chosen model and its coefficient rows.
fn task_model(
    config: &SweepConfig,
    plan: &Plan,
    unit: &Unit,
    s: &UnitSplit,
    result: &TaskResult,
    bed_means: &mut Option<Vec<f64>>,
) -> Result<Option<Model>> {
    let Some(chosen) = &result.chosen_model else { return Ok(None) };
    let task = &plan.tasks[result.task_index];
    let ds = &plan.datasets[unit.dataset];
    let spec = plan.penalties[task.penalty].spec;
    let (features, covariates, covariate_columns, source) = match &ds.origin {
        DataOrigin::Synthetic(_) => (
            Features::Matrix { names: None },
            Vec::new(),
            None,
            format!("sweep dataset {} (generated, data_seed {})", ds.id, unit.data_seed),
        ),
        DataOrigin::Loaded(file) | DataOrigin::Simulated(file, _) => {
            let input = &file.input;
            let features = match &input.x {
                LoadedX::Dense(m) => Features::Matrix { names: m.names.clone() },
                LoadedX::Bed { bed, rows, columns } => {
                    // the mean dosage over the training samples: what a missing call counted
                    // as in the fit and in the sweep's predictions
                    let mean = bed_means.get_or_insert_with(|| {
                        let training: Vec<usize> =
                            s.parts[0].iter().map(|&i| rows.as_ref().map_or(i, |r| r[i])).collect();
                        crate::model::snp_means(bed, Some(&training), columns.as_deref())
                    });
                    let snps = input.x.snp_table().expect("a PLINK design").into_owned();
                    Features::Bed { snps: Box::new(snps), mean: mean.clone() }
                }
            };
            (
                features,
                input.covariates.as_ref().map(|c| c.names.clone()).unwrap_or_default(),
                input.covariate_columns.clone(),
                format!("sweep dataset {}: {}", ds.id, input.description),
            )
        }
    };
    let model = Model {
        format: MODEL_FORMAT.into(),
        version: MODEL_VERSION,
        regpath_version: env!("CARGO_PKG_VERSION").into(),
        datafit: config.datafit()?.as_str().into(),
        ties: config.datafit()?.ties().map(|t| t.as_str().into()),
        penalty: spec.name().into(),
        l1_ratio: spec.l1_ratio(),
        gamma: spec.gamma(),
        fit_intercept: config.solver.intercept && config.datafit()?.has_intercept(),
        standardize: config.solver.standardize,
        tol: config.solver.tol,
        alphas: vec![chosen.alpha],
        alpha_over_max: vec![chosen.alpha_over_max],
        intercepts: vec![chosen.intercept],
        nnz: vec![chosen.nnz],
        coefs: Some(format!("{}.coefs.csv", task.id)),
        n_features: ds.p,
        features,
        covariates,
        covariate_columns,
        training: Training {
            samples: s.parts[0].len(),
            source,
            // a sweep model records its dataset's input fingerprint and the split's seed
            data_hash: if ds.input_hash.is_empty() {
                format!("split_seed={}", unit.split_seed)
            } else {
                format!("{}:split_seed={}", ds.input_hash, unit.split_seed)
            },
        },
        cv: None,
    };
    Ok(Some(model))
}

/// Writes `models/` and `splits/` (replacing earlier ones) from the task results in plan
/// order; returns the two folders (not each of their files). A task without a recorded chosen model (see
/// [`super::tables::MODEL_BUDGET`]) gets no model file.
pub fn write_outputs(out: &Path, config: &SweepConfig, plan: &Plan, results: &[TaskResult]) -> Result<Vec<PathBuf>> {
    remove_owned_outputs(out, &[MODELS_DIR, SPLITS_DIR])?;
    let (models, splits) = (out.join(MODELS_DIR), out.join(SPLITS_DIR));
    for dir in [&models, &splits] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let by_task: std::collections::HashMap<usize, &TaskResult> = results.iter().map(|r| (r.task_index, r)).collect();
    for unit in &plan.units {
        let ds = &plan.datasets[unit.dataset];
        let s = unit_split(config, plan, unit);
        let file = splits.join(format!("{}__r{}.txt", ds.id, unit.replicate));
        let text = split_text(plan, unit, &s);
        write_atomic(&file, |w| std::io::Write::write_all(w, text.as_bytes()))
            .with_context(|| format!("cannot write {}", file.display()))?;
        let mut bed_means = None;
        for &t in &unit.tasks {
            let Some(result) = by_task.get(&t) else { continue };
            let Some(model) = task_model(config, plan, unit, &s, result, &mut bed_means)? else { continue };
            let coefs = result.chosen_model.as_ref().map_or(&[][..], |m| m.coefs.as_slice());
            let id = &plan.tasks[t].id;
            let snps = match &model.features {
                Features::Bed { snps, .. } => Some(snps.as_ref()),
                Features::Matrix { .. } => None,
            };
            let names = match &model.features {
                Features::Matrix { names } => names.as_deref(),
                Features::Bed { .. } => None,
            };
            let named = names.is_some() || !model.covariates.is_empty();
            let rows: Vec<CoefRow<'_>> = coefs
                .iter()
                .map(|&(feature, coef)| {
                    let covariate = feature.checked_sub(ds.p).and_then(|i| model.covariates.get(i)).map(String::as_str);
                    let (name, a1, a2) = match snps {
                        Some(t) if feature < ds.p => {
                            (Some(t.id.get(feature)), Some(t.allele1.get(feature)), Some(t.allele2.get(feature)))
                        }
                        Some(_) => (covariate, Some(""), Some("")),
                        None if feature < ds.p => {
                            (names.map(|n| n[feature].as_str()).or(named.then_some("")), None, None)
                        }
                        None => (covariate, None, None),
                    };
                    CoefRow { alpha_index: 0, feature, coef, name, a1, a2 }
                })
                .collect();
            let coefs_file = models.join(format!("{id}.coefs.csv"));
            write_csv(&coefs_file, coef_columns(named, snps.is_some()), &rows)?;
            let model_file = models.join(format!("{id}.json"));
            crate::model::write(&model_file, &model)?;
        }
    }
    Ok(vec![models, splits])
}
