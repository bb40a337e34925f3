//! `regpath predict`: apply a path fitted by `regpath path` to new samples and write
//! `predictions.csv` (and `metrics.csv` when a phenotype is given).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use regpath_datagen::io::atomic::write_atomic;
use regpath_datagen::{Bed, read_matrix, read_pheno_column, read_sample_list, read_vector};
use serde::Deserialize;

use crate::load::recode_case_control;
use crate::model::{self, Features, Model};
use crate::predict::{PointCoefs, match_snps, predict_bed};
use crate::sweep::metrics::{auc, binomial_deviance, misclassification, mse, predict, r2};
use crate::tables::{prepare_output_dir, remove_owned_outputs};

/// Files `regpath predict` owns in its output folder.
pub const PREDICT_OUTPUTS: &[&str] = &["predictions.csv", "metrics.csv", "missing_snps.txt", "mismatched_snps.txt"];

/// Arguments of `regpath predict`.
#[derive(clap::Args, Debug)]
pub struct PredictArgs {
    /// Output directory of `regpath path` (with model.json and coefs.csv).
    #[arg(long, value_name = "DIR")]
    pub fit: PathBuf,
    /// New samples: a matrix (.npy or CSV) with the training columns in the same order.
    #[arg(long, value_name = "X", conflicts_with = "bed")]
    pub x: Option<PathBuf>,
    /// New samples: a PLINK fileset (PREFIX.bed/.bim/.fam); SNPs matched by id and alleles.
    #[arg(long, value_name = "PREFIX")]
    pub bed: Option<PathBuf>,
    /// Score only the samples listed (FID IID per line) of the --bed fileset.
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub keep: Option<PathBuf>,
    /// Phenotype of the --x rows, for metrics.csv.
    #[arg(long, value_name = "Y", requires = "x")]
    pub y: Option<PathBuf>,
    /// Phenotype file (FID IID v1 v2 …) of the --bed samples, for metrics.csv.
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub pheno: Option<PathBuf>,
    /// Which value column of --pheno (1-based).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub pheno_col: usize,
    /// Path points to apply (0-based alpha_index, comma-separated); default all.
    #[arg(long, value_name = "K,…", value_delimiter = ',')]
    pub alpha_index: Option<Vec<usize>>,
    /// Treat a training SNP whose alleles do not match the new fileset as absent (listed in
    /// OUT/mismatched_snps.txt) instead of stopping with an error.
    #[arg(long)]
    pub skip_mismatched: bool,
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
    let model = model::read(&args.fit)?;
    if !model.covariates.is_empty() {
        bail!(
            "the model has {} unpenalized covariate(s) ({}); predict does not read covariates yet",
            model.covariates.len(),
            model.covariates.join(", ")
        );
    }
    let n_points = model.alphas.len();
    let points: Vec<usize> = match &args.alpha_index {
        Some(list) => {
            if let Some(&bad) = list.iter().find(|&&k| k >= n_points) {
                bail!("--alpha-index {bad}: the path has {n_points} points (0..{})", n_points - 1);
            }
            list.clone()
        }
        None => (0..n_points).collect(),
    };
    let coefs = read_coefs(&args.fit, &model, &points)?;
    let intercepts: Vec<f64> = points.iter().map(|&k| model.intercepts[k]).collect();
    let logistic = model.datafit == "logistic";

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
                    "column {j} of {} is {} but the model's column {j} is {}",
                    x_path.display(),
                    names[j],
                    trained[j]
                );
            }
            let n = x.n_rows();
            let eta = coefs
                .iter()
                .zip(&intercepts)
                .map(|(c, &b)| {
                    let mut pred = vec![0.0; n];
                    predict(x.view(), None, b, c, &mut pred);
                    pred
                })
                .collect();
            let y = match &args.y {
                Some(path) => {
                    let v = read_vector(path)?;
                    if v.len() != n {
                        bail!("{} has {} values but {} has {n} rows", path.display(), v.len(), x_path.display());
                    }
                    Some(v.iter().map(|&v| Some(v)).collect())
                }
                None => None,
            };
            Scored { eta, labels: (0..n).map(|i| i.to_string()).collect(), y }
        }
        (None, Some(prefix)) => {
            let bed = Bed::open(prefix)?;
            let rows: Vec<usize> = match &args.keep {
                Some(path) => {
                    let list = read_sample_list(path, bed.sample_ids())?;
                    if list.n_unknown > 0 {
                        eprintln!("note: {} lines of {} name samples not in the .fam", list.n_unknown, path.display());
                    }
                    (0..bed.n_samples()).filter(|&i| list.listed[i]).collect()
                }
                None => (0..bed.n_samples()).collect(),
            };
            if rows.is_empty() {
                bail!("no sample of {} is selected", prefix.display());
            }
            let Features::Bed { snps: training_snps, mean } = &model.features else {
                bail!("the model was fitted on a matrix (--x): predict with --x, not --bed");
            };
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
            let eta = predict_bed(mean, &bed, &rows, &matching, &intercepts, &coefs);
            let ids = bed.sample_ids();
            let labels = rows.iter().map(|&i| format!("{},{}", ids[i].0, ids[i].1)).collect();
            let y = match &args.pheno {
                Some(path) => {
                    let mut all = read_pheno_column(path, &bed, args.pheno_col)?;
                    if logistic {
                        recode_case_control(&mut all, &path.display().to_string())?;
                    }
                    Some(rows.iter().map(|&i| all[i]).collect())
                }
                None => None,
            };
            Scored { eta, labels, y }
        }
        _ => bail!("give the new samples with --x X or --bed PREFIX"),
    };

    let metrics = match y {
        None => None,
        Some(y) => {
            let observed: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
            if observed.is_empty() {
                bail!("no sample has an observed phenotype");
            }
            let y_obs: Vec<f64> = observed.iter().map(|&i| y[i].unwrap_or(f64::NAN)).collect();
            let mut table = String::from(if logistic {
                "alpha_index,nnz,deviance,auc,misclassification\n"
            } else {
                "alpha_index,nnz,mse,r2\n"
            });
            for (s, &k) in points.iter().enumerate() {
                let e: Vec<f64> = observed.iter().map(|&i| eta[s][i]).collect();
                let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
                if logistic {
                    table.push_str(&format!(
                        "{k},{},{},{},{}\n",
                        model.nnz[k],
                        binomial_deviance(&y_obs, &e),
                        opt(auc(&y_obs, &e)),
                        misclassification(&y_obs, &e)
                    ));
                } else {
                    table.push_str(&format!("{k},{},{},{}\n", model.nnz[k], mse(&y_obs, &e), opt(r2(&y_obs, &e))));
                }
            }
            Some((table, observed.len()))
        }
    };

    // outputs: everything computed; the files of an earlier run go, then this run's are written
    prepare_output_dir(&args.out)?;
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
                let v = if logistic { 1.0 / (1.0 + (-e[i]).exp()) } else { e[i] };
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", predictions.display()))?;
    eprintln!("wrote {} ({} samples x {} path points)", predictions.display(), labels.len(), points.len());
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
