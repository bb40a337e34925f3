//! Cross-validation of one path: `regpath path --cv-folds K | --foldid FILE | --fold-groups
//! FILE` (glmnet's `cv.glmnet`; docs/design.md §4).
//!
//! The samples are split into K folds ([`Folds`]: at random, from a fold file, or whole groups
//! at a time). Fold f's path is fitted on the other folds over the full path's alphas and
//! scored on fold f; the folds run in parallel on the shared design, which is never copied: a
//! dense X is read through the row subset of each fit ([`DenseRowsDesign`]), a PLINK fileset is
//! laid out once at 2 bits per entry fold after fold and every fit reads all runs but its own
//! ([`PackedParts`]). Then, as glmnet's `cvm` and `cvsd`, with `e_fℓ` the mean held-out loss
//! of fold f at alpha ℓ and `n_f` its size,
//!
//! ```text
//! cv_mean_ℓ = Σ_f n_f e_fℓ / Σ_f n_f
//! cv_se_ℓ   = sqrt( Σ_f n_f (e_fℓ − cv_mean_ℓ)² / Σ_f n_f / (K − 1) )
//! ```
//!
//! The loss is the datafit's `DatafitKind::cv_loss`: the squared error `(y_i − η_i)²` for the
//! quadratic datafit and the binomial deviance `−2[y_i log p_i + (1 − y_i) log(1 − p_i)]`,
//! `p_i = σ(η_i)` clamped to `[10⁻⁵, 1 − 10⁻⁵]` as `cv.glmnet` does, for the logistic one.
//! `alpha_min` is the largest alpha with the smallest `cv_mean` (glmnet's `lambda.min`),
//! `alpha_1se` the largest alpha whose `cv_mean` is at most `cv_mean + cv_se` at `alpha_min`
//! (`lambda.1se`).

use std::collections::HashMap;
use std::io::Write as _;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use regpath_datagen::io::atomic::write_atomic;
use regpath_solver::{AlphaGrid, DenseRowsDesign, PathOptions, PenaltySpec};
use serde::{Deserialize, Serialize};

use crate::load::{LoadedInput, LoadedX, select_rows};
use crate::sweep::data::{PackedParts, fit_on};
use crate::sweep::metrics::{argmin_first, one_se_index};
use crate::sweep::task::Patience;

/// File of the fold assignment in a `regpath path` output folder.
pub const FOLDS_FILE: &str = "folds.txt";

/// The cross-validation flags of `regpath path`.
#[derive(Clone, Debug, Default)]
pub struct CvFlags {
    /// `--cv-folds K`.
    pub folds: Option<usize>,
    /// `--foldid FILE`.
    pub foldid: Option<PathBuf>,
    /// `--fold-groups FILE`.
    pub fold_groups: Option<PathBuf>,
    /// `--patience N`.
    pub patience: Option<usize>,
    /// `--seed S` (random folds and the order of groups).
    pub seed: u64,
}

/// K used with `--fold-groups` alone (glmnet's default `nfolds`).
pub const DEFAULT_GROUP_FOLDS: usize = 10;

/// How the samples were split.
#[derive(Clone, Debug)]
pub struct Folds {
    /// K.
    pub k: usize,
    /// 0-based fold of each fitted sample (row of the design).
    pub fold_of: Vec<usize>,
    /// `random (seed S)`, `foldid FILE` or `groups FILE (seed S)`.
    pub source: String,
}

impl Folds {
    /// Samples of each fold.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.k];
        for &f in &self.fold_of {
            sizes[f] += 1;
        }
        sizes
    }
}

/// The fitted samples' identities: row indices for a matrix, `FID IID` for a PLINK fileset.
pub enum SampleIds<'a> {
    /// Rows 0..n of the fitted matrix.
    Rows(usize),
    /// `(FID, IID)` of every sample of the `.fam`, and the `.fam` index of each fitted sample.
    Bed {
        /// Every `.fam` sample.
        fam: &'a [(String, String)],
        /// `.fam` index of each fitted sample.
        fitted: Vec<usize>,
    },
}

impl SampleIds<'_> {
    /// The ids of the fitted samples of `data`.
    pub fn of(data: &LoadedInput) -> SampleIds<'_> {
        match &data.x {
            LoadedX::Dense(m) => SampleIds::Rows(m.n_rows()),
            LoadedX::Bed { bed, rows, .. } => SampleIds::Bed {
                fam: bed.sample_ids(),
                fitted: rows.clone().unwrap_or_else(|| (0..bed.n_samples()).collect()),
            },
        }
    }

    fn len(&self) -> usize {
        match self {
            SampleIds::Rows(n) => *n,
            SampleIds::Bed { fitted, .. } => fitted.len(),
        }
    }

    /// `row 12` or `FID IID`, for messages and `folds.txt`.
    fn label(&self, k: usize) -> String {
        match self {
            SampleIds::Rows(_) => k.to_string(),
            SampleIds::Bed { fam, fitted } => format!("{} {}", fam[fitted[k]].0, fam[fitted[k]].1),
        }
    }
}

impl CvFlags {
    /// Whether cross-validation was asked for.
    pub fn enabled(&self) -> bool {
        self.folds.is_some() || self.foldid.is_some() || self.fold_groups.is_some()
    }

    /// Checks the flags that need no data.
    pub fn validate(&self) -> Result<()> {
        if let Some(k) = self.folds
            && k < 2
        {
            bail!("--cv-folds must be at least 2, got {k}");
        }
        if let Some(n) = self.patience {
            if !self.enabled() {
                bail!("--patience stops the CV folds early: give --cv-folds K, --foldid FILE or --fold-groups FILE");
            }
            if n == 0 {
                bail!("--patience must be at least 1, got 0");
            }
        }
        if self.foldid.is_some() && self.fold_groups.is_some() {
            bail!("--foldid and --fold-groups both assign folds: give one");
        }
        Ok(())
    }

    /// The folds of the fitted samples `ids`, or `None` without cross-validation.
    pub fn assign(&self, ids: &SampleIds<'_>) -> Result<Option<Folds>> {
        self.validate()?;
        if !self.enabled() {
            return Ok(None);
        }
        let n = ids.len();
        if let Some(path) = &self.foldid {
            let values = read_per_sample(path, "--foldid", ids)?;
            let mut fold_of = Vec::with_capacity(n);
            for (value, line) in values {
                let Some(f) = parse_fold(&value) else {
                    bail!("--foldid {}: line {line}: fold {value:?} is not a positive integer", path.display());
                };
                fold_of.push(f - 1);
            }
            let k = fold_of.iter().max().map_or(0, |&f| f + 1);
            if k < 2 {
                bail!(
                    "--foldid {}: every sample is in fold 1; cross-validation needs at least 2 folds",
                    path.display()
                );
            }
            if let Some(want) = self.folds
                && want != k
            {
                bail!("--foldid {} has {k} folds but --cv-folds is {want}", path.display());
            }
            let folds = Folds { k, fold_of, source: format!("foldid {}", path.display()) };
            if let Some(empty) = folds.sizes().iter().position(|&s| s == 0) {
                bail!(
                    "--foldid {}: fold {} of 1..{k} has no sample (fold numbers must be 1..K, every one used)",
                    path.display(),
                    empty + 1
                );
            }
            return Ok(Some(folds));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        if let Some(path) = &self.fold_groups {
            let k = self.folds.unwrap_or(DEFAULT_GROUP_FOLDS);
            let values = read_per_sample(path, "--fold-groups", ids)?;
            let mut index: HashMap<String, usize> = HashMap::new();
            let mut members: Vec<Vec<usize>> = Vec::new();
            for (i, (label, _)) in values.into_iter().enumerate() {
                let g = *index.entry(label).or_insert_with(|| {
                    members.push(Vec::new());
                    members.len() - 1
                });
                members[g].push(i);
            }
            if k > members.len() {
                bail!(
                    "--cv-folds {k}: more folds than the {} groups of --fold-groups {}",
                    members.len(),
                    path.display()
                );
            }
            // groups in random order, then the largest first, each into the smallest fold
            members.shuffle(&mut rng);
            members.sort_by_key(|m| std::cmp::Reverse(m.len()));
            let mut sizes = vec![0usize; k];
            let mut fold_of = vec![0; n];
            for group in &members {
                let f = (0..k).min_by_key(|&f| sizes[f]).unwrap_or(0);
                sizes[f] += group.len();
                group.iter().for_each(|&i| fold_of[i] = f);
            }
            let source = format!("groups {} ({} groups, seed {})", path.display(), members.len(), self.seed);
            return Ok(Some(Folds { k, fold_of, source }));
        }
        let k = self.folds.unwrap_or(DEFAULT_GROUP_FOLDS);
        if k > n {
            bail!("--cv-folds {k}: more folds than the {n} samples");
        }
        // glmnet's sample(rep(1:K, length = n)): sizes differ by at most one
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let mut fold_of = vec![0; n];
        for (i, &s) in order.iter().enumerate() {
            fold_of[s] = i % k;
        }
        Ok(Some(Folds { k, fold_of, source: format!("random (seed {})", self.seed) }))
    }
}

/// A fold number: a positive integer (`3` or `3.0`).
fn parse_fold(text: &str) -> Option<usize> {
    if let Ok(v) = text.parse::<usize>() {
        return (v >= 1).then_some(v);
    }
    let v: f64 = text.parse().ok()?;
    (v >= 1.0 && v.fract() == 0.0 && v < 1e9).then_some(v as usize)
}

/// The value of each fitted sample in `path`, with its line number: for a matrix one value per
/// line in row order (blank lines and `#` lines skipped); for a PLINK fileset `FID IID value`
/// lines (an optional `FID IID …` header), matched to the `.fam`.
fn read_per_sample(path: &Path, flag: &str, ids: &SampleIds<'_>) -> Result<Vec<(String, usize)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{flag} {}: cannot read it", path.display()))?;
    let lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && (!l.starts_with('#') || l.starts_with("#FID")));
    match ids {
        SampleIds::Rows(n) => {
            let values: Vec<(String, usize)> =
                lines.map(|(i, l)| (l.split_whitespace().next().unwrap_or("").to_string(), i)).collect();
            if values.len() != *n {
                bail!(
                    "{flag} {}: {} values for {n} samples (one per line, in row order)",
                    path.display(),
                    values.len()
                );
            }
            Ok(values)
        }
        SampleIds::Bed { fam, fitted } => {
            let mut position: HashMap<(&str, &str), usize> = HashMap::with_capacity(fam.len());
            for (i, (f, s)) in fam.iter().enumerate() {
                position.insert((f.as_str(), s.as_str()), i);
            }
            let mut fam_value: Vec<Option<(String, usize)>> = vec![None; fam.len()];
            let mut unknown: Vec<String> = Vec::new();
            for (k, (line, l)) in lines.enumerate() {
                let fields: Vec<&str> = l.split_whitespace().collect();
                if k == 0 && matches!(fields.first(), Some(&"FID") | Some(&"#FID")) {
                    continue;
                }
                if fields.len() < 3 {
                    bail!("{flag} {}: line {line}: expected `FID IID value`, got {l:?}", path.display());
                }
                match position.get(&(fields[0], fields[1])) {
                    None => unknown.push(format!("{} {}", fields[0], fields[1])),
                    Some(&i) => {
                        if fam_value[i].is_some() {
                            bail!(
                                "{flag} {}: line {line}: sample {} {} is listed twice",
                                path.display(),
                                fields[0],
                                fields[1]
                            );
                        }
                        fam_value[i] = Some((fields[2].to_string(), line));
                    }
                }
            }
            if !unknown.is_empty() {
                bail!(
                    "{flag} {}: {} sample id{} not in the .fam (first: {})",
                    path.display(),
                    unknown.len(),
                    if unknown.len() == 1 { " is" } else { "s are" },
                    unknown[0]
                );
            }
            let missing: Vec<usize> = (0..fitted.len()).filter(|&k| fam_value[fitted[k]].is_none()).collect();
            if let Some(&first) = missing.first() {
                bail!(
                    "{flag} {}: {} of the {} fitted samples are not listed (first: {})",
                    path.display(),
                    missing.len(),
                    fitted.len(),
                    ids.label(first)
                );
            }
            Ok(fitted.iter().map(|&i| fam_value[i].clone().unwrap_or_default()).collect())
        }
    }
}

/// Writes `folds.txt`: a header (`row fold`, or `FID IID fold` for a PLINK fileset), then each
/// fitted sample and its 1-based fold.
pub fn write_folds(path: &Path, folds: &Folds, ids: &SampleIds<'_>) -> Result<()> {
    write_atomic(path, |w| {
        let header = match ids {
            SampleIds::Rows(_) => "row fold\n",
            SampleIds::Bed { .. } => "FID IID fold\n",
        };
        w.write_all(header.as_bytes())?;
        for (k, f) in folds.fold_of.iter().enumerate() {
            writeln!(w, "{} {}", ids.label(k), f + 1)?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

/// The cross-validation curve over the alphas every fold reached.
#[derive(Clone, Debug)]
pub struct CvCurve {
    /// `cv_mean` per alpha (glmnet's `cvm`).
    pub mean: Vec<f64>,
    /// `cv_se` per alpha (glmnet's `cvsd`).
    pub se: Vec<f64>,
    /// Index of `alpha_min`.
    pub min: usize,
    /// Index of `alpha_1se`.
    pub one_se: usize,
    /// Wall time of the folds.
    pub time_s: f64,
}

impl CvCurve {
    /// The curve over the first `n` alphas only, its choices made again there: with
    /// `--patience` the folds run before the full path, which may end sooner (`--max-nnz`, a
    /// separated logistic fit).
    pub fn truncated(mut self, n: usize) -> Result<CvCurve> {
        if self.mean.len() > n {
            self.mean.truncate(n);
            self.se.truncate(n);
            self.min = argmin_first(&self.mean).context("cross-validation: no cv_mean where the full path ran")?;
            self.one_se = one_se_index(&self.mean, &self.se).unwrap_or(self.min);
        }
        Ok(self)
    }
}

/// What `model.json` records of a cross-validated fit.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CvRecord {
    /// K.
    pub folds: usize,
    /// How the folds were drawn.
    pub assignment: String,
    /// The held-out loss: `mse` or `deviance`.
    pub measure: String,
    /// `alpha_index` of alpha_min (glmnet's `lambda.min`).
    pub alpha_min_index: usize,
    /// alpha_min.
    pub alpha_min: f64,
    /// `alpha_index` of alpha_1se (glmnet's `lambda.1se`).
    pub alpha_1se_index: usize,
    /// alpha_1se.
    pub alpha_1se: f64,
    /// The fold file, relative to the model's folder.
    pub folds_file: String,
}

/// glmnet's `cvm` and `cvsd` from the per-fold mean losses `errors[f][ℓ]` and fold sizes, over
/// the alphas every fold reached.
pub fn curve(errors: &[Vec<f64>], sizes: &[usize]) -> (Vec<f64>, Vec<f64>) {
    let reached = errors.iter().map(Vec::len).min().unwrap_or(0);
    let total: f64 = sizes.iter().sum::<usize>() as f64;
    let k = errors.len() as f64;
    (0..reached)
        .map(|l| {
            let mean = errors.iter().zip(sizes).map(|(e, &s)| s as f64 * e[l]).sum::<f64>() / total;
            let var = errors.iter().zip(sizes).map(|(e, &s)| s as f64 * (e[l] - mean).powi(2)).sum::<f64>() / total;
            (mean, (var / (k - 1.0)).sqrt())
        })
        .unzip()
}

/// The data every fold fit shares.
pub struct CvProblem<'a> {
    /// The loaded input (X, y, covariates).
    pub data: &'a LoadedInput,
    /// Penalty.
    pub spec: PenaltySpec,
    /// Options of the full path (penalty factors, tolerance, stop rules).
    pub options: &'a PathOptions,
    /// Fit an intercept.
    pub intercept: bool,
    /// Standardize columns.
    pub standardize: bool,
}

/// The shared design of the folds.
enum Shared<'a> {
    Dense(ArrayView2<'a, f64>),
    /// The fitted samples laid out fold after fold, and their positions in that order.
    Packed(PackedParts<'static>, Vec<usize>),
}

/// Runs the folds in parallel over `alphas` (the full path's; `None`: the full path's grid
/// computed here on every fitted sample; with `patience` each fold stops after that many
/// alphas without a better held-out loss) and returns the curve.
pub fn cross_validate(
    problem: &CvProblem<'_>,
    folds: &Folds,
    alphas: Option<&[f64]>,
    patience: Option<usize>,
) -> Result<CvCurve> {
    let start = Instant::now();
    let data = problem.data;
    let shared = match &data.x {
        LoadedX::Dense(m) => Shared::Dense(m.view()),
        LoadedX::Bed { bed, rows, columns } => {
            let mut order: Vec<usize> = (0..folds.fold_of.len()).collect();
            order.sort_by_key(|&i| folds.fold_of[i]);
            let samples: Vec<usize> = order.iter().map(|&i| rows.as_ref().map_or(i, |r| r[i])).collect();
            let p = columns.as_ref().map_or(bed.n_snps(), Vec::len);
            let parts = [samples, Vec::new(), Vec::new()];
            let laid =
                PackedParts::lay_out(bed.packed(), bed.bytes_per_snp(), columns.as_deref(), p, &parts, &folds.sizes());
            bed.release_resident_pages();
            Shared::Packed(laid, order)
        }
    };
    let alphas = match alphas {
        Some(list) => list.to_vec(),
        None => full_path_alphas(problem, &shared)?,
    };
    let mut options = problem.options.clone();
    options.grid = AlphaGrid::Explicit(alphas);
    // Without early stopping every fold fits every alpha of the full path (already cut by
    // these rules); with it the folds apply them too, as the sweep does.
    if patience.is_none() {
        options.max_nnz = None;
        options.stop_saturated = None;
    }
    let errors: Vec<Vec<f64>> = (0..folds.k)
        .into_par_iter()
        .map(|f| fold_errors(problem, &shared, folds, f, &options, patience))
        .collect::<Result<_>>()?;
    let (mean, se) = curve(&errors, &folds.sizes());
    if mean.is_empty() {
        bail!("cross-validation: a fold reached no alpha");
    }
    let min = argmin_first(&mean).context("cross-validation: every cv_mean is NaN")?;
    let one_se = one_se_index(&mean, &se).unwrap_or(min);
    Ok(CvCurve { mean, se, min, one_se, time_s: start.elapsed().as_secs_f64() })
}

/// The alphas of the full path before it runs: an explicit list sorted, or the geometric grid
/// at the data's alpha_max (read off the first point of a path on every fitted sample, stopped
/// right after it). On a PLINK fileset that path reads the folds' layout, whose samples are in
/// fold order: alpha_max is the same up to the rounding of sums taken in another order.
fn full_path_alphas(problem: &CvProblem<'_>, shared: &Shared<'_>) -> Result<Vec<f64>> {
    let options = problem.options;
    if let AlphaGrid::Explicit(_) = options.grid {
        return Ok(options.grid.alphas(0.0, "")?);
    }
    let data = problem.data;
    let y = data.y.as_slice().context("y is not contiguous")?;
    let covariates = data.covariates.as_ref().map(|c| c.values.view());
    let mut alpha_max = f64::NAN;
    let first = |pt: &regpath_solver::PathPoint<'_>| {
        alpha_max = pt.alpha / pt.alpha_over_max;
        ControlFlow::Break(())
    };
    match shared {
        Shared::Dense(x) => {
            let design = regpath_solver::DenseDesign::new(*x, problem.intercept, problem.standardize)?;
            fit_on(&design, covariates, y, problem.spec, options, first)?;
        }
        Shared::Packed(parts, order) => {
            let design = parts.training_design(None, problem.intercept, problem.standardize)?;
            let y_laid: Vec<f64> = order.iter().map(|&i| y[i]).collect();
            let c_laid = covariates.map(|c| select_rows(c, order));
            fit_on(&design, c_laid.as_ref().map(|c| c.view()), &y_laid, problem.spec, options, first)?;
        }
    }
    Ok(options.grid.alphas(alpha_max, "no column of X varies")?)
}

/// Mean held-out loss of fold `f` at each alpha it reached.
fn fold_errors(
    problem: &CvProblem<'_>,
    shared: &Shared<'_>,
    folds: &Folds,
    f: usize,
    options: &PathOptions,
    patience: Option<usize>,
) -> Result<Vec<f64>> {
    let data = problem.data;
    let y = data.y.as_slice().context("y is not contiguous")?;
    let datafit = options.datafit;
    let covariates = data.covariates.as_ref().map(|c| c.values.view());
    // (positions of the fit, positions held out), as fitted-sample indices in design row order
    let (fit, held): (Vec<usize>, Vec<usize>) = match shared {
        Shared::Dense(_) => (0..folds.fold_of.len()).partition(|&i| folds.fold_of[i] != f),
        Shared::Packed(_, order) => order.iter().partition(|&&i| folds.fold_of[i] != f),
    };
    let y_fit: Vec<f64> = fit.iter().map(|&i| y[i]).collect();
    let y_held: Vec<f64> = held.iter().map(|&i| y[i]).collect();
    let c_fit = covariates.map(|c| select_rows(c, &fit));
    let c_held = covariates.map(|c| select_rows(c, &held));
    let mut pred = vec![0.0; held.len()];
    let mut errors = Vec::new();
    let mut early = patience.map(Patience::new);
    let slots = match shared {
        Shared::Packed(parts, _) => Some(packed_slots(parts, folds, f)),
        Shared::Dense(_) => None,
    };
    let held_run = slots.as_ref().and_then(|(held_slots, _)| crate::sweep::data::byte_run(held_slots));
    let mut on_point = |pt: &regpath_solver::PathPoint<'_>| {
        pred.fill(pt.intercept);
        let p = data.n_cols();
        for &(j, c) in pt.coefs {
            if j >= p {
                if let Some(ch) = &c_held {
                    pred.iter_mut().zip(ch.column(j - p)).for_each(|(e, v)| *e += c * v);
                }
                continue;
            }
            match (shared, &slots) {
                (Shared::Packed(parts, _), Some((held_slots, fit_slots))) => {
                    parts.add_column(j, c, held_slots, held_run, fit_slots, &mut pred)
                }
                (Shared::Dense(x), _) => {
                    let col = x.column(j);
                    pred.iter_mut().zip(&held).for_each(|(e, &i)| *e += c * col[i]);
                }
                (Shared::Packed(..), None) => {}
            }
        }
        let loss = datafit.cv_loss(&y_held, &pred);
        errors.push(loss);
        if early.as_mut().is_some_and(|p| p.stop_after(loss)) {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    };
    let c_view = c_fit.as_ref().map(|c| c.view());
    let fitted = match shared {
        Shared::Dense(x) => {
            let design = DenseRowsDesign::new(*x, fit.clone(), problem.intercept, problem.standardize)?;
            fit_on(&design, c_view, &y_fit, problem.spec, options, &mut on_point)
        }
        Shared::Packed(parts, _) => {
            let design = parts.training_design(Some(f), problem.intercept, problem.standardize)?;
            debug_assert_eq!(parts.n_snps(), data.n_cols());
            fit_on(&design, c_view, &y_fit, problem.spec, options, &mut on_point)
        }
    };
    fitted.with_context(|| format!("CV fold {} of {}", f + 1, folds.k))?;
    Ok(errors)
}

/// The layout slots of fold `f`'s held-out samples and of its fit's samples.
fn packed_slots(parts: &PackedParts<'_>, folds: &Folds, f: usize) -> (Vec<usize>, Vec<usize>) {
    let sizes = folds.sizes();
    let start: usize = sizes[..f].iter().sum();
    let end = start + sizes[f];
    let n: usize = sizes.iter().sum();
    let held = (start..end).map(|k| parts.training_slot(k)).collect();
    let fit = (0..start).chain(end..n).map(|k| parts.training_slot(k)).collect();
    (held, fit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_weights_folds_by_size_as_glmnet() {
        // two folds of sizes 1 and 3 at one alpha: cvm = (1·2 + 3·4)/4 = 3.5,
        // cvsd = sqrt((1·1.5² + 3·0.5²)/4 / 1) = sqrt(0.75)
        let (m, s) = curve(&[vec![2.0, 1.0], vec![4.0]], &[1, 3]);
        assert_eq!(m, vec![3.5]);
        assert!((s[0] - 0.75f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn random_folds_are_balanced_and_groups_stay_together() {
        let flags = CvFlags { folds: Some(3), seed: 7, ..CvFlags::default() };
        let folds = flags.assign(&SampleIds::Rows(10)).unwrap().unwrap();
        let mut sizes = folds.sizes();
        sizes.sort_unstable();
        assert_eq!(sizes, vec![3, 3, 4]);
        let other = CvFlags { seed: 8, ..flags.clone() }.assign(&SampleIds::Rows(10)).unwrap().unwrap();
        assert_ne!(folds.fold_of, other.fold_of, "the seed changes the folds");
        assert!(CvFlags { folds: Some(11), ..flags.clone() }.assign(&SampleIds::Rows(10)).is_err());
        assert!(CvFlags { folds: Some(1), ..flags }.validate().is_err());
    }

    #[test]
    fn fold_numbers_parse() {
        assert_eq!(parse_fold("3"), Some(3));
        assert_eq!(parse_fold("2.0"), Some(2));
        assert_eq!(parse_fold("0"), None);
        assert_eq!(parse_fold("1.5"), None);
        assert_eq!(parse_fold("x"), None);
    }

    #[test]
    fn a_curve_cut_to_a_shorter_path_chooses_again() {
        let curve = CvCurve { mean: vec![3.0, 2.0, 1.0], se: vec![0.1, 0.5, 0.1], min: 2, one_se: 2, time_s: 0.0 };
        let cut = curve.truncated(2).unwrap();
        assert_eq!((cut.mean.len(), cut.min, cut.one_se), (2, 1, 1));
    }
}
