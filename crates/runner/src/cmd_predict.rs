//! `regpath predict`: apply a path fitted by `regpath path` to new samples and write
//! `predictions.csv` (and `metrics.csv` when a phenotype is given).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ndarray::{Array2, ArrayView2};
use regpath_datagen::io::atomic::write_atomic;
use regpath_datagen::{Bed, read_matrix, read_sample_list, read_vector};
use regpath_solver::DatafitKind;
use serde::Deserialize;

use crate::load::{bed_phenotypes, code_phenotype, pheno_source};
use crate::model::{self, Features, Model};
use crate::predict::{Matching, PointCoefs, SnpMatch, match_snps, predict_bed};
use crate::sweep::metrics::predict;
use crate::tables::{prepare_output_dir, remove_owned_outputs};

/// Files `regpath predict` owns in its output folder.
pub const PREDICT_OUTPUTS: &[&str] = &["predictions.csv", "metrics.csv", "missing_snps.txt", "mismatched_snps.txt"];

/// Arguments of `regpath predict`.
#[derive(clap::Args, Debug)]
pub struct PredictArgs {
    /// Output directory of `regpath path` (with model.json and coefs.csv).
    #[arg(long, value_name = "DIR", required_unless_present = "model", conflicts_with = "model")]
    pub fit: Option<PathBuf>,
    /// A model file: `DIR/model.json` of `regpath path`, or a sweep's chosen model
    /// `OUTDIR/models/<task_id>.json` (its coefficients file is named inside, relative to it).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// New samples: a matrix (.npy or CSV) with the training columns in the same order.
    #[arg(long, value_name = "X", conflicts_with = "bed")]
    pub x: Option<PathBuf>,
    /// New samples: a PLINK fileset (PREFIX.bed/.bim/.fam); SNPs matched by id and alleles.
    #[arg(long, value_name = "PREFIX")]
    pub bed: Option<PathBuf>,
    /// Score only the samples of the --bed fileset listed in FILE (PLINK's --keep: `FID IID`
    /// per line, or PLINK 2's `#IID`/IID-only forms).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub keep: Option<PathBuf>,
    /// Score all samples of the --bed fileset but those listed in FILE (PLINK's --remove).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub remove: Option<PathBuf>,
    /// Phenotype of the --x rows, for metrics.csv.
    #[arg(long, value_name = "Y", requires = "x")]
    pub y: Option<PathBuf>,
    /// For a Cox model: the event indicators (1 = event, 0 = censored) of the scored samples,
    /// with --y holding their survival times (with --x); metrics.csv then gives the
    /// partial-likelihood deviance and Harrell's C-index.
    #[arg(long, value_name = "FILE", requires = "y")]
    pub status: Option<PathBuf>,
    /// For a Cox model with --bed: the event-indicator column (as --pheno-col, which then
    /// names the survival-time column).
    #[arg(long, value_name = "K", requires = "bed")]
    pub status_col: Option<usize>,
    /// Phenotype file (FID IID v1 v2 …) of the --bed samples, for metrics.csv.
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub pheno: Option<PathBuf>,
    /// Which phenotype column of the --bed samples to score against, as in `regpath path`
    /// (1-based): with --pheno its K-th value column, without it column K of the .fam counted
    /// from its sixth field. Without --pheno or --pheno-col no metrics are computed.
    #[arg(long, value_name = "K", requires = "bed")]
    pub pheno_col: Option<usize>,
    /// The --pheno column to score against, by its header name (PLINK's --pheno-name), as in
    /// `regpath path`.
    #[arg(long, value_name = "NAME", requires = "pheno", conflicts_with = "pheno_col")]
    pub pheno_name: Option<String>,
    /// Covariates of the new samples, when the model has covariates: with --bed a `FID IID …`
    /// table with the training columns by header name (categorical levels encoded as in
    /// training), with --x a matrix (.npy/CSV) with the training covariate columns (by header
    /// name when the training file had names, else in the same order).
    #[arg(long, value_name = "FILE")]
    pub covariates: Option<PathBuf>,
    /// Path points to apply (alpha_index as in path.csv, comma-separated). [default: all, or
    /// alpha_1se for a cross-validated fit]
    #[arg(long, value_name = "K,…", value_delimiter = ',', conflicts_with = "alpha")]
    pub alpha_index: Option<Vec<usize>>,
    /// The path point to apply: `min` or `1se` (the CV choices of a fit with --cv-folds,
    /// glmnet's lambda.min and lambda.1se) or an alpha_index. [default: 1se for a
    /// cross-validated fit, otherwise every point]
    #[arg(long, value_name = "min|1se|INDEX")]
    pub alpha: Option<String>,
    /// Treat a training SNP whose alleles do not match the new fileset as absent (listed in
    /// OUT/mismatched_snps.txt) instead of stopping with an error.
    #[arg(long)]
    pub skip_mismatched: bool,
    /// Threads. [default: all cores]
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output directory.
    #[arg(long, value_name = "OUT")]
    pub out: PathBuf,
}

#[derive(Deserialize)]
struct CoefLine {
    alpha_index: usize,
    feature: usize,
    coef: f64,
}

/// The coefficients of the requested points from `DIR/coefs.csv`.
fn read_coefs(dir: &Path, model: &Model, points: &[usize]) -> Result<PointCoefs> {
    let Some(file) = &model.coefs else {
        bail!(
            "{} was fitted with --no-coefs: without coefs.csv the path cannot be applied; fit it again without --no-coefs",
            dir.display()
        );
    };
    let path = dir.join(file);
    let mut reader = csv::Reader::from_path(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut slot = vec![usize::MAX; model.alphas.len()];
    for (s, &k) in points.iter().enumerate() {
        slot[k] = s;
    }
    let p_total = model.n_features + model.covariates.len();
    let mut coefs: PointCoefs = vec![Vec::new(); points.len()];
    for (line, row) in reader.deserialize::<CoefLine>().enumerate() {
        let row = row.with_context(|| format!("{}: line {}", path.display(), line + 2))?;
        if row.alpha_index >= slot.len() || row.feature >= p_total || !row.coef.is_finite() {
            bail!("{}: line {}: alpha_index, feature or coef out of range for the model", path.display(), line + 2);
        }
        if slot[row.alpha_index] != usize::MAX {
            coefs[slot[row.alpha_index]].push((row.feature, row.coef));
        }
    }
    Ok(coefs)
}

/// The new samples, scored: linear predictors `eta[k][i]`, the sample labels and the
/// phenotype when given (`None` where missing).
struct Scored {
    eta: Vec<Vec<f64>>,
    labels: Vec<String>,
    y: Option<Vec<Option<f64>>>,
}

/// Writes a small text file atomically.
fn write_text(path: &Path, text: &str) -> Result<()> {
    write_atomic(path, |w| w.write_all(text.as_bytes())).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `regpath predict`.
pub fn run(args: &PredictArgs) -> Result<()> {
    let pool = crate::cmd_path::thread_pool(args.threads)?;
    pool.install(|| predict_and_write(args))
}

/// The covariate values of the samples `rows` (`.fam` indices) of a new PLINK cohort,
/// encoded as in training, or `None` for a sample without every covariate.
fn bed_covariates(model: &Model, path: &Path, bed: &Bed) -> Result<Vec<Option<Vec<f64>>>> {
    let Some(columns) = &model.covariate_columns else {
        bail!(
            "the model's covariates ({}) were not recorded with their encoding (a model.json of an earlier \
             regpath): fit the path again to predict with covariates",
            model.covariates.join(", ")
        );
    };
    let table = regpath_datagen::read_covariate_table_as(path, bed.sample_ids(), columns)
        .with_context(|| format!("--covariates {}", path.display()))?;
    if table.names != model.covariates {
        bail!(
            "--covariates {} encodes to columns {} but the model has {}",
            path.display(),
            table.names.join(", "),
            model.covariates.join(", ")
        );
    }
    Ok(table.values)
}

/// The covariates of the `n` rows of a new matrix, columns in the model's order.
fn matrix_covariates(model: &Model, path: &Path, n: usize) -> Result<Array2<f64>> {
    let c =
        regpath_datagen::read_covariate_matrix(path, n).with_context(|| format!("--covariates {}", path.display()))?;
    let q = model.covariates.len();
    let default_names = (1..=q).map(|i| format!("cov{i}")).collect::<Vec<_>>() == model.covariates;
    if default_names {
        if c.names.len() != q {
            bail!("--covariates {} has {} columns but the model has {q} covariates", path.display(), c.names.len());
        }
        return Ok(c.values);
    }
    let order: Vec<usize> = model
        .covariates
        .iter()
        .map(|name| {
            c.names.iter().position(|n| n == name).with_context(|| {
                format!(
                    "--covariates {}: the model's covariate '{name}' is not one of its columns ({})",
                    path.display(),
                    c.names.join(", ")
                )
            })
        })
        .collect::<Result<_>>()?;
    Ok(c.values.select(ndarray::Axis(1), &order))
}

/// Adds `Σ_c γ_kc·z_ic` to `eta[k][i]` (coefficients of features `p + c`).
fn add_covariates(eta: &mut [Vec<f64>], coefs: &PointCoefs, p: usize, z: ArrayView2<'_, f64>) {
    for (e, list) in eta.iter_mut().zip(coefs) {
        for &(j, c) in list.iter().filter(|(j, _)| *j >= p) {
            for (ei, zi) in e.iter_mut().zip(z.column(j - p)) {
                *ei += c * zi;
            }
        }
    }
}

/// The `.fam` samples selected by --keep/--remove (all by default), with notes on unknown ids.
fn selected_samples(args: &PredictArgs, bed: &Bed) -> Result<Vec<bool>> {
    let mut selected = vec![true; bed.n_samples()];
    for (flag, path, keep) in [("--keep", &args.keep, true), ("--remove", &args.remove, false)] {
        let Some(path) = path else { continue };
        let list = read_sample_list(path, bed.sample_ids())?;
        for (s, &listed) in selected.iter_mut().zip(&list.listed) {
            *s &= listed == keep;
        }
        if list.n_unknown > 0 {
            eprintln!("note: {flag} {}{}", path.display(), list.describe_unknown());
        }
    }
    Ok(selected)
}

fn predict_and_write(args: &PredictArgs) -> Result<()> {
    let (model, fit) = match (&args.fit, &args.model) {
        (_, Some(file)) => {
            let dir = file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
            (model::read_file(file)?, dir)
        }
        (Some(dir), None) => (model::read(dir)?, dir.clone()),
        (None, None) => bail!("give the fitted model: --fit DIR or --model FILE"),
    };
    let n_points = model.alphas.len();
    let points: Vec<usize> = match (&args.alpha, &args.alpha_index) {
        (Some(choice), _) => vec![chosen_point(choice, &model, &fit)?],
        (None, None) if model.cv.is_some() => {
            let k = chosen_point("1se", &model, &fit)?;
            eprintln!(
                "predicting at alpha_1se (alpha_index {k}, alpha = {}), the default for a cross-validated fit; --alpha min or --alpha-index K for others",
                model.alphas[k]
            );
            vec![k]
        }
        (None, Some(list)) => {
            if let Some(&bad) = list.iter().find(|&&k| k >= n_points) {
                bail!("--alpha-index {bad}: the path has {n_points} points (0..{})", n_points - 1);
            }
            list.clone()
        }
        (None, None) => (0..n_points).collect(),
    };
    let has_covariates = !model.covariates.is_empty();
    match (&args.covariates, has_covariates) {
        (None, true) => bail!(
            "the model has {} unpenalized covariate{} ({}): give the new samples' values with --covariates FILE",
            model.covariates.len(),
            if model.covariates.len() == 1 { "" } else { "s" },
            model.covariates.join(", ")
        ),
        (Some(path), false) => {
            bail!("--covariates {}: the model was fitted without covariates, so they would be ignored", path.display())
        }
        _ => {}
    }
    let coefs = read_coefs(&fit, &model, &points)?;
    let intercepts: Vec<f64> = points.iter().map(|&k| model.intercepts[k]).collect();
    let datafit = model.datafit_kind()?;
    let p = model.n_features;

    // new data → linear predictors, sample labels and the phenotype (if given)
    let mut notes: Vec<(String, String)> = Vec::new(); // (file name, content)
    let Scored { eta, labels, y } = match (&args.x, &args.bed) {
        (Some(x_path), None) => {
            if !matches!(model.features, Features::Matrix { .. }) {
                bail!("the model was fitted on a PLINK fileset (--bed): predict with --bed, not --x");
            }
            let x = read_matrix(x_path)?;
            if x.n_cols() != model.n_features {
                bail!(
                    "{} has {} columns but the model has {} features",
                    x_path.display(),
                    x.n_cols(),
                    model.n_features
                );
            }
            if let (Features::Matrix { names: Some(trained) }, Some(names)) = (&model.features, &x.names)
                && let Some(j) = (0..trained.len()).find(|&j| trained[j] != names[j])
            {
                bail!(
                    "column {} of {} is {} but the model's column {} is {}",
                    j + 1,
                    x_path.display(),
                    names[j],
                    j + 1,
                    trained[j]
                );
            }
            let n = x.n_rows();
            let z = match &args.covariates {
                Some(path) => Some(matrix_covariates(&model, path, n)?),
                None => None,
            };
            let mut eta: Vec<Vec<f64>> = coefs
                .iter()
                .zip(&intercepts)
                .map(|(c, &b)| {
                    let mut pred = vec![0.0; n];
                    let snp_part: Vec<(usize, f64)> = c.iter().copied().filter(|(j, _)| *j < p).collect();
                    predict(x.view(), None, b, &snp_part, &mut pred);
                    pred
                })
                .collect();
            if let Some(z) = &z {
                add_covariates(&mut eta, &coefs, p, z.view());
            }
            let y = match &args.y {
                Some(path) => {
                    let v = read_vector(path)?;
                    if v.len() != n {
                        bail!("{} has {} values but {} has {n} rows", path.display(), v.len(), x_path.display());
                    }
                    Some(v.iter().map(|&v| Some(v)).collect::<Vec<Option<f64>>>())
                }
                None => None,
            };
            let y = match (y, &args.status) {
                (Some(times), Some(path)) => {
                    let status = read_vector(path)?;
                    if status.len() != n {
                        bail!("{} has {} values but {} has {n} rows", path.display(), status.len(), x_path.display());
                    }
                    Some(survival_response(&times, &status.iter().map(|&v| Some(v)).collect::<Vec<_>>())?)
                }
                (y, _) => y,
            };
            Scored { eta, labels: (1..=n).map(|i| i.to_string()).collect(), y }
        }
        (None, Some(prefix)) => {
            let bed = Bed::open(prefix)?;
            let Features::Bed { snps: training_snps, mean } = &model.features else {
                bail!("the model was fitted on a matrix (--x): predict with --x, not --bed");
            };
            let selected = selected_samples(args, &bed)?;
            let cov_values = match &args.covariates {
                Some(path) => Some(bed_covariates(&model, path, &bed)?),
                None => None,
            };
            let n_selected = selected.iter().filter(|s| **s).count();
            let rows: Vec<usize> = (0..bed.n_samples())
                .filter(|&i| selected[i] && cov_values.as_ref().is_none_or(|v| v[i].is_some()))
                .collect();
            if n_selected == 0 {
                bail!("no sample of {} is selected by --keep/--remove", prefix.display());
            }
            if rows.len() < n_selected {
                eprintln!(
                    "note: {} of the {n_selected} selected samples have no complete covariates in {} and are not scored",
                    n_selected - rows.len(),
                    args.covariates.as_ref().map_or(String::new(), |p| p.display().to_string())
                );
            }
            if rows.is_empty() {
                bail!("no selected sample of {} has every covariate", prefix.display());
            }
            let matching = match_snps(training_snps, bed.snp_table(), args.skip_mismatched)?;
            eprintln!(
                "SNPs: {} of {} training SNPs found ({} with swapped alleles, {} of them strand-ambiguous A/T or C/G), {} absent{}",
                model.n_features - matching.missing.len() - matching.mismatched.len(),
                model.n_features,
                matching.flipped,
                matching.ambiguous_flipped,
                matching.missing.len(),
                if matching.mismatched.is_empty() {
                    String::new()
                } else {
                    format!(", {} with mismatched alleles skipped", matching.mismatched.len())
                }
            );
            eprintln!("{}", nonzero_snp_report(&coefs, p, &matching));
            if !matching.missing.is_empty() {
                let ids = matching.missing.iter().map(|&j| format!("{}\n", training_snps.id.get(j))).collect();
                notes.push(("missing_snps.txt".into(), ids));
            }
            if !matching.mismatched.is_empty() {
                notes.push((
                    "mismatched_snps.txt".into(),
                    matching.mismatched.iter().map(|s| format!("{s}\n")).collect(),
                ));
            }
            let mut eta = predict_bed(mean, &bed, &rows, &matching, &intercepts, &coefs);
            if let Some(values) = &cov_values {
                let q = model.covariates.len();
                let mut z = Array2::<f64>::zeros((rows.len(), q));
                for (r, &i) in rows.iter().enumerate() {
                    for (c, v) in values[i].as_ref().expect("complete covariates").iter().enumerate() {
                        z[[r, c]] = *v;
                    }
                }
                add_covariates(&mut eta, &coefs, p, z.view());
            }
            let ids = bed.sample_ids();
            let labels = rows.iter().map(|&i| format!("{},{}", ids[i].0, ids[i].1)).collect();
            let by_name = match (&args.pheno_name, &args.pheno) {
                (Some(name), Some(pheno)) => Some(crate::load::pheno_column_by_name(pheno, name)?),
                _ => None,
            };
            let y = match (&args.pheno, by_name.or(args.pheno_col)) {
                (None, None) => None,
                (pheno, k) => {
                    let k = k.unwrap_or(1);
                    if k == 0 {
                        bail!("--pheno-col must be at least 1, got 0");
                    }
                    let mut all = bed_phenotypes(&bed, pheno.as_deref(), k)?;
                    let from = pheno_source(pheno.as_deref(), k);
                    if let Some(status_col) = args.status_col {
                        let status = bed_phenotypes(&bed, pheno.as_deref(), status_col)?;
                        all = survival_response(&all, &status)?;
                    }
                    code_phenotype(datafit, &mut all, &from)?;
                    eprintln!("phenotype for metrics.csv: {from}");
                    Some(rows.iter().map(|&i| all[i]).collect())
                }
            };
            Scored { eta, labels, y }
        }
        _ => bail!("give the new samples with --x X or --bed PREFIX"),
    };
    match (datafit, args.status.is_some() || args.status_col.is_some()) {
        (DatafitKind::Cox(_), false) if y.is_some() => bail!(
            "a Cox model's metrics need survival times and event indicators: --y TIMES --status FILE with --x, or --pheno-col K --status-col K with --bed"
        ),
        (DatafitKind::Quadratic | DatafitKind::Logistic, true) => {
            bail!(
                "--status and --status-col give the event indicators of a Cox model, not of a {} one",
                datafit.as_str()
            )
        }
        _ => {}
    }
    if y.is_none() {
        eprintln!(
            "note: no phenotype given ({}), so metrics.csv is not written",
            if args.bed.is_some() { "--pheno FILE, or --pheno-col K for the .fam" } else { "--y FILE" }
        );
    }

    let metrics = match y {
        None => None,
        Some(y) => {
            let observed: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
            if observed.is_empty() {
                bail!("no scored sample has an observed phenotype (every value is missing)");
            }
            let y_obs: Vec<f64> = observed.iter().map(|&i| y[i].unwrap_or(f64::NAN)).collect();
            let mut table = format!("alpha_index,nnz,{}\n", datafit.metric_columns().join(","));
            for (s, &k) in points.iter().enumerate() {
                let e: Vec<f64> = observed.iter().map(|&i| eta[s][i]).collect();
                table.push_str(&format!("{k},{}", model.nnz[k]));
                // an undefined measure (constant y, one class) is an empty cell
                for v in datafit.metrics(&y_obs, &e) {
                    table.push_str(&format!(",{}", v.map(|v| v.to_string()).unwrap_or_default()));
                }
                table.push('\n');
            }
            Some((table, observed.len()))
        }
    };

    // outputs: everything computed; the files of an earlier run go, then this run's are written
    let _out = prepare_output_dir(&args.out)?;
    remove_owned_outputs(&args.out, PREDICT_OUTPUTS)?;
    let predictions = args.out.join("predictions.csv");
    write_atomic(&predictions, |w| {
        w.write_all(if args.bed.is_some() { b"FID,IID" } else { b"sample" })?;
        for &k in &points {
            write!(w, ",pred_{k}")?;
        }
        writeln!(w)?;
        for (i, label) in labels.iter().enumerate() {
            w.write_all(label.as_bytes())?;
            for e in &eta {
                let v = datafit.inverse_link(e[i]);
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", predictions.display()))?;
    eprintln!(
        "wrote {} ({} x {})",
        predictions.display(),
        crate::count(labels.len(), "sample"),
        crate::count(points.len(), "path point")
    );
    for (name, content) in &notes {
        let path = args.out.join(name);
        write_text(&path, content)?;
        eprintln!("wrote {} ({} SNPs)", path.display(), content.lines().count());
    }
    if let Some((table, observed)) = metrics {
        let path = args.out.join("metrics.csv");
        write_text(&path, &table)?;
        eprintln!("wrote {} ({observed} samples with a phenotype)", path.display());
    }
    Ok(())
}

/// "SNPs with a nonzero coefficient at the requested alphas: 132; of them 21 absent (scored at
/// their training mean) and 3 with swapped alleles (1 strand-ambiguous)".
fn nonzero_snp_report(coefs: &PointCoefs, p: usize, matching: &Matching) -> String {
    let mut used = vec![false; p];
    for list in coefs {
        for &(j, c) in list {
            if j < p && c != 0.0 {
                used[j] = true;
            }
        }
    }
    let (mut total, mut absent, mut flipped) = (0, 0, 0);
    for (j, _) in used.iter().enumerate().filter(|(_, u)| **u) {
        total += 1;
        match matching.snps[j] {
            Some(SnpMatch::Flipped(_)) => flipped += 1,
            Some(SnpMatch::Same(_)) => {}
            _ => absent += 1,
        }
    }
    format!(
        "SNPs with a nonzero coefficient at the requested alphas: {total}; of them {absent} absent (scored at their training mean) and {flipped} with swapped alleles (scored as 2 - dosage)"
    )
}

/// The alpha_index of `--alpha min|1se|INDEX`.
fn chosen_point(choice: &str, model: &model::Model, fit: &std::path::Path) -> Result<usize> {
    let n_points = model.alphas.len();
    match choice {
        "min" | "1se" => match &model.cv {
            Some(cv) => Ok(if choice == "min" { cv.alpha_min_index } else { cv.alpha_1se_index }),
            None => bail!(
                "--alpha {choice}: the fit in {} has no cross-validation (fit it with --cv-folds K); give --alpha INDEX",
                fit.display()
            ),
        },
        index => match index.parse::<usize>() {
            Ok(k) if k < n_points => Ok(k),
            Ok(k) => bail!("--alpha {k}: the path has {n_points} points (0..{})", n_points - 1),
            Err(_) => bail!("--alpha {index:?}: expected min, 1se or an alpha_index"),
        },
    }
}

/// Signed survival times ([`regpath_solver::signed_times`]) of scored samples: a sample missing
/// its time or its status is missing; a negative time or a status other than 0/1 is an error.
fn survival_response(times: &[Option<f64>], status: &[Option<f64>]) -> Result<Vec<Option<f64>>> {
    times
        .iter()
        .zip(status)
        .enumerate()
        .map(|(i, (&t, &d))| match (t, d) {
            (Some(t), Some(d)) if t.is_finite() && t >= 0.0 && (d == 0.0 || d == 1.0) => {
                Ok(Some(regpath_solver::signed_times(&[t], &[d])[0]))
            }
            (Some(t), Some(d)) if !t.is_nan() && !d.is_nan() => {
                bail!("sample {}: a survival time must be >= 0 and a status 0 or 1, found time {t}, status {d}", i + 1)
            }
            _ => Ok(None),
        })
        .collect()
}
