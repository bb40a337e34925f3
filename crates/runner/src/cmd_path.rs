//! `regpath path`: fit one certified regularization path and write `path.csv` and
//! `coefs.csv` (docs/design.md §4).

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use regpath_solver::{
    AlphaGrid, CoxTies, DatafitKind, DenseDesign, Design, PackedGenotypeDesign, PathOptions, PenaltySpec, ResponseKind,
    WithCovariates, fit_path_spec,
};

use crate::cv::{CvCurve, CvFlags, CvProblem, CvRecord, FOLDS_FILE, SampleIds, cross_validate, write_folds};
use crate::held_out::{HeldOut, HeldOutFlags};
use crate::load::{DataSource, InputOptions, LoadedInput, LoadedX, SurvivalStatus, load_input};
use crate::model::{self, MODEL_FILE, PointRecord};
use crate::tables::{
    CV_COLUMNS, CoefRow, PATH_OUTPUTS, PathRow, StreamedCsv, coef_columns, path_columns, prepare_output_dir,
    remove_owned_outputs, write_csv,
};

/// Arguments of `regpath path`.
#[derive(clap::Args, Debug, Clone)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["x", "bed", "example"]))]
pub struct PathArgs {
    /// X: n × p matrix, `.npy` (any order; f64 Fortran order is memory-mapped without a copy,
    /// other layouts and dtypes cost one converted copy) or numeric CSV (one row per sample,
    /// optional header row of feature names).
    #[arg(long, value_name = "X.npy|X.csv")]
    pub x: Option<PathBuf>,
    /// y: n values, `.npy` or one-column CSV.
    #[arg(long, value_name = "y.npy|y.csv")]
    pub y: Option<PathBuf>,
    /// PLINK 1 fileset prefix (PREFIX.bed/.bim/.fam) instead of --x.
    #[arg(long, value_name = "PREFIX", conflicts_with_all = ["x", "y"])]
    pub bed: Option<PathBuf>,
    /// Phenotype file for --bed (FID IID v1 v2 …, optional FID header line, or PLINK 2's
    /// `#IID v1 …`). Samples whose phenotype is -9 or NA are dropped and counted. [default: the
    /// .fam phenotype, its sixth field]
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub pheno: Option<PathBuf>,
    /// Which phenotype column to fit with --bed (1-based, as GEMMA's -n). Without --pheno:
    /// column K of the .fam counted from its sixth field (K = 1 is the PLINK phenotype, K = 2
    /// field 7, … of a GEMMA-style extended .fam). With --pheno FILE: the K-th value column
    /// after FID IID. Every line must have that column. [default: 1]
    #[arg(long, value_name = "K", requires = "bed", allow_hyphen_values = true)]
    pub pheno_col: Option<usize>,
    /// The --pheno column to fit, by its header name (PLINK's --pheno-name): the file's first
    /// line names its columns (`FID IID NAME …`, `#FID IID …` or `#IID …`).
    #[arg(long, value_name = "NAME", requires = "pheno", conflicts_with = "pheno_col")]
    pub pheno_name: Option<String>,
    /// Survival times (>= 0) of --x's rows for --datafit cox, `.npy` or one-column CSV, instead
    /// of --y (with --status).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["y", "bed"], requires = "status")]
    pub time: Option<PathBuf>,
    /// Event indicators of --x's rows for --datafit cox (1 = event, 0 = censored), `.npy` or
    /// one-column CSV (with --time).
    #[arg(long, value_name = "FILE", requires = "time")]
    pub status: Option<PathBuf>,
    /// The survival-time column for --datafit cox with --bed (1-based, as --pheno-col: of --pheno,
    /// or of the .fam counted from its sixth field); samples missing a time or a status (-9, NA)
    /// are dropped and counted.
    #[arg(long, value_name = "K", requires_all = ["bed", "status_col"], conflicts_with_all = ["pheno_col", "pheno_name"])]
    pub time_col: Option<usize>,
    /// The event-indicator column (1 = event, 0 = censored) for --datafit cox with --bed.
    #[arg(long, value_name = "K", requires_all = ["bed", "time_col"])]
    pub status_col: Option<usize>,
    /// Use the built-in example (uniform, n = 100, p = 10, y = 2x0 + 3x1 + noise).
    #[arg(long, conflicts_with_all = ["x", "y", "bed"])]
    pub example: bool,
    /// Datafit: quadratic (least squares), logistic (case/control y: 0/1, or for --bed
    /// PLINK's 1 = control, 2 = case with 0, -9, NA missing) or cox (Cox proportional hazards:
    /// --time/--status with --x, --time-col/--status-col with --bed; ties by --ties).
    #[arg(long, default_value = "quadratic", value_name = "quadratic|logistic|cox")]
    pub datafit: String,
    /// Tied event times of --datafit cox: breslow (glmnet's) or efron (R survival::coxph's
    /// choice). [default: breslow]
    #[arg(long, value_name = "breslow|efron")]
    pub ties: Option<String>,
    /// Penalty: lasso, ridge, enet, mcp or scad.
    #[arg(long, default_value = "lasso")]
    pub penalty: String,
    /// Elastic-net mixing ρ ∈ (0, 1] (enet only). [default: 0.5]
    #[arg(long, allow_hyphen_values = true)]
    pub l1_ratio: Option<f64>,
    /// γ for mcp (> 1) or scad (> 2). [default: 3 for mcp, 3.7 for scad]
    #[arg(long, allow_hyphen_values = true)]
    pub gamma: Option<f64>,
    /// Number of alphas, geometric from alpha_max down to eps·alpha_max. (A sweep's `[grid]`
    /// has its own defaults: 50 alphas down to 1e-2·alpha_max.)
    #[arg(long, default_value_t = 100)]
    pub n_alphas: usize,
    /// Smallest alpha as a fraction of alpha_max (1e-2 for --datafit logistic is glmnet's
    /// choice: wide case/control data separate below it). [default: 1e-3; 1e-2 for --datafit
    /// logistic]
    #[arg(long, allow_hyphen_values = true)]
    pub eps: Option<f64>,
    /// Explicit alphas, comma-separated (used in decreasing order; overrides --n-alphas/--eps).
    #[arg(long, value_delimiter = ',', num_args = 1, allow_hyphen_values = true)]
    pub alphas: Option<Vec<f64>>,
    /// Certificate tolerance (relative duality gap or relative KKT violation) at every alpha.
    #[arg(long, default_value = "1e-6", allow_hyphen_values = true)]
    pub tol: f64,
    /// Coordinate-descent epochs allowed per alpha.
    #[arg(long, default_value_t = 10_000)]
    pub max_epochs: usize,
    /// Stop the path after the first alpha with more than this many nonzero coefficients.
    /// [default: off]
    #[arg(long)]
    pub max_nnz: Option<usize>,
    /// Stop the path at the first alpha whose deviance ratio — training R² (1 − RSS / ‖y − ȳ‖²,
    /// or ‖y‖² with --no-intercept) for the quadratic datafit, 1 − deviance / null deviance for
    /// the logistic one — reaches R2, in (0, 1]; that alpha is the last row, with stop_reason
    /// saturated (glmnet stops silently at 0.999). [default: off]
    #[arg(long, value_name = "R2", allow_hyphen_values = true)]
    pub stop_saturated: Option<f64>,
    /// Do not standardize columns (the penalty then acts on the raw coefficients).
    #[arg(long)]
    pub no_standardize: bool,
    /// Do not fit an intercept (columns and y are not centered).
    #[arg(long)]
    pub no_intercept: bool,
    /// Threads for the parallel gradient scans. [default: all cores]
    #[arg(long)]
    pub threads: Option<usize>,
    /// Penalty factor w_j >= 0 of every column of X (glmnet's penalty.factor, used as given,
    /// not rescaled to sum to p): the penalty becomes Σ_j w_j·pen(β_j s_j); w_j = 0 leaves the
    /// column unpenalized. `.npy`, or text with one number per line, or with --bed
    /// `SNP_ID weight` lines matched to the .bim (unlisted SNPs keep weight 1).
    #[arg(long, value_name = "FILE")]
    pub penalty_factor: Option<PathBuf>,
    /// Unpenalized covariates (age, sex, principal components, batch), fitted exactly at every
    /// alpha. With --x: `.npy` or CSV with one row per sample (optional header of names). With
    /// --bed: a whitespace table `FID IID c1 … cq` (optional header `FID IID name…`; NA or -9
    /// missing; a non-numeric column becomes indicator columns `<column>=<level>`, first level
    /// dropped) matched to the .fam; samples without every covariate are dropped and counted.
    /// In coefs.csv covariates follow X's p columns (feature p + i).
    #[arg(long, value_name = "FILE")]
    pub covariates: Option<PathBuf>,
    /// Fit only the samples of a --bed fileset listed in FILE (PLINK's --keep: `FID IID` per
    /// line, further fields ignored); listed IDs not in the .fam are counted, not an error.
    #[arg(long, value_name = "FILE")]
    pub keep: Option<PathBuf>,
    /// Leave out the samples of a --bed fileset listed in FILE (PLINK's --remove: `FID IID`).
    #[arg(long, value_name = "FILE")]
    pub remove: Option<PathBuf>,
    /// Fit only the SNPs of a --bed fileset whose ids FILE lists (PLINK's --extract:
    /// whitespace-separated ids; ids not in the .bim are counted).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub extract: Option<PathBuf>,
    /// Leave out the SNPs of a --bed fileset whose ids FILE lists (PLINK's --exclude).
    #[arg(long, value_name = "FILE", requires = "bed")]
    pub exclude: Option<PathBuf>,
    /// Fit only SNPs whose minor allele frequency over the called genotypes of the fitted
    /// samples is at least MIN (PLINK's --maf, counting every sample as --nonfounders does).
    /// SNPs at a negative base-pair position are always left out, as PLINK does.
    #[arg(long, value_name = "MIN", requires = "bed", allow_hyphen_values = true)]
    pub maf: Option<f64>,
    /// Fit only these rows of --x (and --y, --covariates): 0-based indices, one per line.
    #[arg(long, value_name = "FILE")]
    pub keep_rows: Option<PathBuf>,
    /// Held-out samples scored at every alpha (path.csv gains test_mse and test_r2, or
    /// test_deviance and test_auc, or for cox test_deviance and test_cindex): a matrix with the columns of --x (with --test-y).
    #[arg(long, value_name = "X", requires = "test_y")]
    pub test_x: Option<PathBuf>,
    /// Response of --test-x (for --datafit cox its survival times, with --test-status).
    #[arg(long, value_name = "Y", requires = "test_x")]
    pub test_y: Option<PathBuf>,
    /// Event indicators (1 = event, 0 = censored) of the --test-x rows for --datafit cox, whose
    /// --test-y holds their times: path.csv gains test_deviance (the partial-likelihood
    /// deviance over the held-out samples' own risk sets) and test_cindex (Harrell's C). With
    /// --test-bed/--test-keep the --time-col/--status-col columns are read instead.
    #[arg(long, value_name = "FILE", requires = "test_x")]
    pub test_status: Option<PathBuf>,
    /// Held-out samples from another PLINK fileset (SNPs matched by id and alleles, as
    /// `regpath predict` does); phenotype from --test-pheno or its .fam (column --pheno-col).
    #[arg(long, value_name = "PREFIX", conflicts_with = "test_x")]
    pub test_bed: Option<PathBuf>,
    /// Phenotype file (FID IID v1 v2 …) of --test-bed.
    #[arg(long, value_name = "FILE", requires = "test_bed")]
    pub test_pheno: Option<PathBuf>,
    /// Held-out samples (FID IID per line) of --test-bed, or of the --bed fileset itself (fit on
    /// --keep, score --test-keep).
    #[arg(long, value_name = "FILE", conflicts_with = "test_x")]
    pub test_keep: Option<PathBuf>,
    /// Covariates of the held-out samples when the fit has --covariates: for --test-x a matrix
    /// with the training covariate columns, for --test-bed a `FID IID …` table (with
    /// --test-keep on the training fileset the --covariates file itself is used).
    #[arg(long, value_name = "FILE")]
    pub test_covariates: Option<PathBuf>,
    /// Cross-validate with K folds (glmnet's nfolds), drawn at random with --seed: path.csv
    /// gains cv_mean, cv_se (glmnet's cvm, cvsd) and cv_choice (alpha_min, alpha_1se);
    /// folds.txt lists each sample's fold. [default: off; 10 with --fold-groups]
    #[arg(long, value_name = "K")]
    pub cv_folds: Option<usize>,
    /// Folds from FILE (glmnet's foldid): fold numbers 1..K, one per line in row order for
    /// --x, or `FID IID fold` lines for --bed (every fitted sample listed).
    #[arg(long, value_name = "FILE")]
    pub foldid: Option<PathBuf>,
    /// Keep the samples of a group (family, litter, batch) in one fold: one group label per
    /// line in row order for --x, or `FID IID group` lines for --bed. Groups are dealt to
    /// the K folds of --cv-folds (10 when not given), the largest first, each to the smallest
    /// fold.
    #[arg(long, value_name = "FILE")]
    pub fold_groups: Option<PathBuf>,
    /// Stop each CV fold after N alphas without a lower held-out loss; the full path then
    /// ends at alpha_min (stop_reason no_improvement). [default: off]
    #[arg(long, value_name = "N")]
    pub patience: Option<usize>,
    /// Seed of the random folds (and of the order of groups).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Do not write coefs.csv.
    #[arg(long)]
    pub no_coefs: bool,
    /// Also draw DIR/figures/*.svg at the end (as `regpath plot DIR`).
    #[arg(long)]
    pub plot: bool,
    /// Also write DIR/report.html (as `regpath report DIR`).
    #[arg(long)]
    pub report: bool,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl PathArgs {
    /// The 1-based phenotype column: --pheno-col, or --pheno-name looked up in --pheno's
    /// header; 1 by default.
    fn pheno_column(&self) -> Result<usize> {
        if let Some(k) = self.time_col {
            return Ok(k);
        }
        match (&self.pheno_name, &self.pheno) {
            (Some(name), Some(pheno)) => crate::load::pheno_column_by_name(pheno, name),
            _ => Ok(self.pheno_col.unwrap_or(1)),
        }
    }

    fn source(&self) -> Result<DataSource> {
        // clap's `requires = "bed"` is satisfied by any member of the `input` group (clap
        // issue #4707), so --pheno/--pheno-col with --x or --example are caught here.
        if self.bed.is_none() {
            if self.pheno.is_some() {
                bail!("--pheno applies to --bed only (--x takes its response from --y)");
            }
            if self.pheno_col.is_some() {
                bail!("--pheno-col applies to --bed only (--x takes its response from --y)");
            }
        }
        if self.example {
            return Ok(DataSource::Example);
        }
        if let Some(prefix) = &self.bed {
            let pheno_col = self.pheno_column()?;
            if pheno_col == 0 {
                bail!(
                    "--pheno-col must be at least 1 (1 is the .fam sixth field, or the first value column of --pheno), got 0"
                );
            }
            return Ok(DataSource::Bed { prefix: prefix.clone(), pheno: self.pheno.clone(), pheno_col });
        }
        match (&self.x, self.y.as_ref().or(self.time.as_ref())) {
            (Some(x), Some(y)) => Ok(DataSource::Files { x: x.clone(), y: y.clone() }),
            _ => bail!(
                "give --x X.npy|X.csv with --y y.npy|y.csv (or --time and --status for --datafit cox), or --bed PREFIX, or --example"
            ),
        }
    }

    /// Where the event indicators of --datafit cox are; checks that the survival flags come
    /// with cox and cox with them.
    fn survival_status(&self, datafit: DatafitKind) -> Result<Option<SurvivalStatus>> {
        let given = self.time.is_some() || self.status_col.is_some();
        match (datafit, given) {
            (DatafitKind::Cox(_), true) => Ok(Some(match (&self.status, self.status_col) {
                (Some(file), _) => SurvivalStatus::File(file.clone()),
                (None, Some(k)) if k >= 1 => SurvivalStatus::Column(k),
                _ => bail!("--status-col must be at least 1"),
            })),
            (DatafitKind::Cox(_), false) => bail!(
                "--datafit cox needs survival times and event indicators: --time FILE --status FILE with --x, or --time-col K --status-col K with --bed"
            ),
            (_, true) => {
                bail!("--time/--status and --time-col/--status-col are the survival response of --datafit cox")
            }
            (_, false) => Ok(None),
        }
    }

    /// The cross-validation flags.
    pub fn cv_flags(&self) -> CvFlags {
        CvFlags {
            folds: self.cv_folds,
            foldid: self.foldid.clone(),
            fold_groups: self.fold_groups.clone(),
            patience: self.patience,
            seed: self.seed,
        }
    }

    /// The SNP rules of --extract, --exclude and --maf.
    pub fn snp_filter(&self) -> Result<regpath_datagen::SnpFilter> {
        if self.bed.is_none() && (self.extract.is_some() || self.exclude.is_some() || self.maf.is_some()) {
            bail!("--extract, --exclude and --maf select SNPs of a --bed fileset");
        }
        Ok(regpath_datagen::SnpFilter { extract: self.extract.clone(), exclude: self.exclude.clone(), maf: self.maf })
    }

    /// The datafit named by --datafit.
    pub fn datafit(&self) -> Result<DatafitKind> {
        let datafit = DatafitKind::from_name(&self.datafit).map_err(|e| anyhow::anyhow!("--datafit: {e}"))?;
        let Some(ties) = &self.ties else { return Ok(datafit) };
        if datafit.ties().is_none() {
            bail!("--ties is for --datafit cox (tied event times), not --datafit {}", datafit.as_str());
        }
        let ties = CoxTies::from_name(ties).map_err(|e| anyhow::anyhow!("--ties: {e}"))?;
        Ok(datafit.with_ties(ties)?)
    }

    /// The solver options, validated.
    pub fn options(&self) -> Result<PathOptions> {
        let datafit = self.datafit()?;
        let grid = match &self.alphas {
            Some(list) => AlphaGrid::Explicit(list.clone()),
            None => AlphaGrid::Geometric { n_alphas: self.n_alphas, eps: self.eps.unwrap_or(datafit.default_eps()) },
        };
        let options = PathOptions {
            datafit,
            grid,
            tol: self.tol,
            max_epochs: self.max_epochs,
            max_nnz: self.max_nnz,
            stop_saturated: self.stop_saturated,
            ..PathOptions::default()
        };
        options.validate().map_err(|e| anyhow::anyhow!(flag_names(&e.to_string())))?;
        Ok(options)
    }
}

/// The name of every feature of the design (X's columns, then the covariates) when X has
/// names or there are covariates; X's unnamed columns are then named by nothing ("").
fn feature_names(data: &LoadedInput, p_total: usize) -> Option<Vec<&str>> {
    let x_names = data.names();
    let Some(c) = data.covariates.as_ref() else { return x_names };
    let mut names: Vec<&str> = x_names.unwrap_or_else(|| vec![""; data.n_cols()]);
    names.extend(c.names.iter().map(String::as_str));
    debug_assert_eq!(names.len(), p_total);
    Some(names)
}

/// Rewrites solver parameter names as the command-line flags a user types.
fn flag_names(message: &str) -> String {
    message
        .replace("n_alphas", "--n-alphas")
        .replace("max_epochs", "--max-epochs")
        .replace("stop_saturated", "--stop-saturated")
        .replace("tol must", "--tol must")
        .replace("eps must", "--eps must")
        .replace("l1_ratio", "--l1-ratio")
        .replace("gamma for", "--gamma for")
        .replace("every alpha must", "every value of --alphas must")
        .replace("alpha list", "--alphas list")
        .replace("the penalty factor has", "--penalty-factor has")
        .replace("penalty factor of column", "--penalty-factor: the weight of column")
        .replace("every penalty factor is 0", "--penalty-factor: every weight is 0")
}

/// A progress bar on stderr (alphas done / total, nnz and worst certificate so far, elapsed and
/// remaining time) when stderr is a terminal; hidden otherwise, so that piped or captured
/// output is unchanged.
fn progress_bar(grid: &AlphaGrid) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total = match grid {
        AlphaGrid::Geometric { n_alphas, .. } => *n_alphas,
        AlphaGrid::Explicit(list) => list.len(),
    };
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} alphas  {msg}")
            .expect("valid template"),
    );
    bar.set_message("first pass over X (alpha_max)");
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// The pace of a path for the progress bar: the time left is the alphas left times the mean
/// time of the latest alphas (later alphas of a path are denser and slower than earlier ones,
/// so the pace so far would underestimate it).
#[derive(Default)]
struct Pace {
    recent: std::collections::VecDeque<f64>,
}

impl Pace {
    /// Alphas whose mean time predicts the next ones.
    const WINDOW: usize = 5;

    fn record(&mut self, seconds: f64) {
        if self.recent.len() == Self::WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(seconds);
    }

    /// "12s", "3m", "1.5h" for `left` more alphas at the recent pace.
    fn remaining(&self, left: usize) -> String {
        let per = self.recent.iter().sum::<f64>() / self.recent.len().max(1) as f64;
        let s = per * left as f64;
        if s < 90.0 {
            format!("{s:.0}s")
        } else if s < 5400.0 {
            format!("{:.0}m", s / 60.0)
        } else {
            format!("{:.1}h", s / 3600.0)
        }
    }
}

/// Runs `regpath path`.
pub fn run(args: &PathArgs) -> Result<()> {
    let spec = PenaltySpec::from_name(&args.penalty, args.l1_ratio, args.gamma)
        .map_err(|e| anyhow::anyhow!(flag_names(&e.to_string())))?;
    let options = args.options()?;
    let source = args.source()?;
    args.cv_flags().validate()?;
    let _out = prepare_output_dir(&args.out)?;
    let pool = thread_pool(args.threads)?;
    pool.install(|| fit_and_write(args, spec, &options, &source))?;
    if args.plot {
        for file in crate::path_plot::plot_path_dir(&args.out)? {
            eprintln!("wrote {}", file.display());
        }
    }
    if let Some(page) = crate::report::after_run(&args.out, args.report)? {
        eprintln!("wrote {}", page.display());
    }
    Ok(())
}

/// A rayon pool with `threads` threads (all cores by default).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    if threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    rayon::ThreadPoolBuilder::new().num_threads(threads.unwrap_or(0)).build().context("cannot start the thread pool")
}

fn fit_and_write(args: &PathArgs, spec: PenaltySpec, options: &PathOptions, source: &DataSource) -> Result<()> {
    let started = Instant::now();
    let extra = InputOptions {
        covariates: args.covariates.clone(),
        penalty_factor: args.penalty_factor.clone(),
        keep: args.keep.clone(),
        remove: args.remove.clone(),
        keep_rows: args.keep_rows.clone(),
        datafit: options.datafit,
        phenotype_label: None,
        snps: args.snp_filter()?,
        simulated_phenotype: false,
        survival_status: args.survival_status(options.datafit)?,
    };
    let data = load_input(source, &extra)?;
    let load_s = started.elapsed().as_secs_f64();
    let options = PathOptions { penalty_factor: data.penalty_factor.clone(), ..options.clone() };
    let options = &options;
    let (intercept, standardize) = (!args.no_intercept, !args.no_standardize);
    let prepared = prepare_fit(args, spec, options, &data)?;
    match &data.x {
        LoadedX::Dense(matrix) => {
            let design = DenseDesign::new(matrix.view(), intercept, standardize)?;
            with_covariates(args, spec, options, &data, &design, load_s, prepared)
        }
        LoadedX::Bed { bed, rows, columns } => {
            let design = PackedGenotypeDesign::with_columns(
                bed.packed(),
                bed.n_samples(),
                bed.n_snps(),
                rows.clone(),
                columns.clone(),
                intercept,
                standardize,
            )?;
            if rows.is_some() {
                // a row subset is repacked: the fit reads its own copy, not the mapped file
                bed.release_resident_pages();
            }
            with_covariates(args, spec, options, &data, &design, load_s, prepared)
        }
    }
}

/// What is read, checked and computed before the design of the path exists: the held-out
/// data, the folds and, with `--patience`, the cross-validation (which therefore never
/// shares memory with the path's design: a PLINK fileset's folds are laid out, fitted and
/// dropped before the path repacks its samples, so the peak holds one packed copy).
struct Prepared<'d> {
    held_out: Option<HeldOut>,
    ids: SampleIds<'d>,
    folds: Option<crate::cv::Folds>,
    early_cv: Option<CvCurve>,
}

fn prepare_fit<'d>(
    args: &PathArgs,
    spec: PenaltySpec,
    options: &PathOptions,
    data: &'d LoadedInput,
) -> Result<Prepared<'d>> {
    // held-out event indicators: --test-status with --test-x; the training --status-col of the
    // --test-pheno file, the test .fam, or (--test-keep) the training phenotype source
    let status = match (options.datafit.response(), &args.test_status) {
        (ResponseKind::Survival, Some(file)) => Some(SurvivalStatus::File(file.clone())),
        (ResponseKind::Survival, None) => args.status_col.map(SurvivalStatus::Column),
        (_, Some(_)) => bail!("--test-status gives the event indicators of --datafit cox's held-out samples"),
        (_, None) => None,
    };
    let held_out_flags = HeldOutFlags {
        x: args.test_x.clone(),
        y: args.test_y.clone(),
        bed: args.test_bed.clone(),
        pheno: args.test_pheno.clone(),
        keep: args.test_keep.clone(),
        covariates: args.test_covariates.clone(),
        train_covariates: args.covariates.clone(),
        status,
    };
    let held_out = HeldOut::load(
        &held_out_flags,
        data,
        args.bed.as_deref(),
        (args.pheno.as_deref(), args.pheno_column()?),
        options.datafit,
    )?;
    let ids = SampleIds::of(data);
    let folds = args.cv_flags().assign(&ids)?;
    // inputs are valid: the files of an earlier run in --out go before anything is written
    remove_owned_outputs(&args.out, PATH_OUTPUTS)?;
    let problem = CvProblem { data, spec, options, intercept: !args.no_intercept, standardize: !args.no_standardize };
    // With --patience the folds run first, over the full path's grid, each stopping on its
    // held-out loss; the full path then ends at alpha_min.
    let early_cv = match (&folds, args.patience) {
        (Some(folds), Some(n)) => Some(
            cross_validate(&problem, folds, None, Some(n))
                .map_err(|e| anyhow::anyhow!(flag_names(&format!("{e:#}"))))?,
        ),
        _ => None,
    };
    Ok(Prepared { held_out, ids, folds, early_cv })
}

/// Appends the covariates, when there are any, to the design and fits.
fn with_covariates<D: Design>(
    args: &PathArgs,
    spec: PenaltySpec,
    options: &PathOptions,
    data: &LoadedInput,
    design: &D,
    load_s: f64,
    prepared: Prepared<'_>,
) -> Result<()> {
    match &data.covariates {
        Some(covariates) => {
            let with = WithCovariates::new(design, covariates.values.view()).map_err(covariate_error)?;
            fit_design(args, spec, options, data, &with, load_s, prepared)
        }
        None => fit_design(args, spec, options, data, design, load_s, prepared),
    }
}

/// Says which option a covariate problem comes from.
fn covariate_error(e: regpath_solver::SolverError) -> anyhow::Error {
    anyhow::anyhow!("--covariates: {e}")
}

fn fit_design<D: Design>(
    args: &PathArgs,
    spec: PenaltySpec,
    options: &PathOptions,
    data: &LoadedInput,
    design: &D,
    load_s: f64,
    prepared: Prepared<'_>,
) -> Result<()> {
    let names = feature_names(data, design.n_features());
    let names = names.as_deref();
    // the .bim records of the SNP columns (alleles for coefs.csv)
    let snps = data.x.snp_table();
    let datafit = options.datafit;
    let Prepared { held_out, ids, folds, early_cv } = prepared;
    let y = data.y.as_slice().context("y is not contiguous")?;
    let problem = CvProblem { data, spec, options, intercept: !args.no_intercept, standardize: !args.no_standardize };
    let stop_at = early_cv.as_ref().map(|cv| cv.min);
    let mut stopped_at_min = false;
    let mut rows: Vec<PathRow> = Vec::new();
    let mut coefs: Vec<CoefRow<'_>> = Vec::new();
    let mut columns = path_columns(datafit);
    if held_out.is_some() {
        columns.extend(datafit.held_out_columns());
    }
    if folds.is_some() {
        columns.extend(CV_COLUMNS);
    }
    let cv_cell = || folds.as_ref().map(|_| String::new());
    // path.csv grows row by row as each alpha is certified (a killed run keeps them)
    let mut stream = StreamedCsv::create(&args.out.join("path.csv"), &columns)?;
    let mut stream_error: Option<anyhow::Error> = None;
    let bar = progress_bar(&options.grid);
    let mut pace = Pace::default();
    let mut worst = 0.0_f64;
    let fitted = fit_path_spec(design, y, spec, options, |pt| {
        worst = worst.max(pt.certificate);
        pace.record(pt.time_s);
        let left = bar.length().unwrap_or(0).saturating_sub(bar.position() + 1);
        bar.set_message(format!(
            "nnz {}  worst {} {worst:.1e}  left ~{}",
            pt.nnz,
            pt.certificate_kind.as_str(),
            pace.remaining(left as usize)
        ));
        bar.inc(1);
        rows.push(PathRow {
            alpha_index: pt.alpha_index,
            alpha: pt.alpha,
            alpha_over_max: pt.alpha_over_max,
            nnz: pt.nnz,
            intercept: pt.intercept,
            objective: pt.objective,
            certificate: pt.certificate,
            certificate_kind: pt.certificate_kind.as_str(),
            converged: pt.converged,
            epochs: pt.epochs,
            time_s: pt.time_s,
            train_mse: pt.train_deviance,
            deviance_ratio: pt.deviance_ratio,
            coordinate_updates: pt.coordinate_updates,
            newton_steps: pt.newton_steps,
            working_set: pt.working_set,
            screened: pt.screened,
            scan_passes: pt.scan_passes,
            newton_passes: pt.newton_passes,
            stop_reason: "",
            test_loss: None,
            test_score: None,
            cv_mean: cv_cell(),
            cv_se: cv_cell(),
            cv_choice: folds.as_ref().map(|_| ""),
        });
        if let (Some(h), Some(row)) = (&held_out, rows.last_mut()) {
            let (loss, score) = h.score(pt.intercept, pt.coefs, datafit);
            row.test_loss = Some(loss);
            row.test_score = Some(score.map(|v| format!("{v:?}")).unwrap_or_default());
        }
        if let Some(row) = rows.last()
            && let Err(e) = stream.row(row)
        {
            stream_error = Some(e);
            return ControlFlow::Break(());
        }
        if !args.no_coefs {
            coefs.extend(pt.coefs.iter().map(|&(feature, coef)| {
                let alleles = snps.as_ref().map(|t| {
                    if feature < t.len() { (t.allele1.get(feature), t.allele2.get(feature)) } else { ("", "") }
                });
                CoefRow {
                    alpha_index: pt.alpha_index,
                    feature,
                    coef,
                    name: names.map(|n| n[feature]),
                    a1: alleles.map(|a| a.0),
                    a2: alleles.map(|a| a.1),
                }
            }));
        }
        if stop_at.is_some_and(|k| pt.alpha_index >= k) {
            stopped_at_min = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    });
    bar.finish_and_clear();
    if let Some(e) = stream_error {
        stream.abort();
        return Err(e);
    }
    let summary = match fitted {
        Ok(summary) => summary,
        Err(e) => {
            stream.abort();
            bail!(flag_names(&e.to_string()));
        }
    };
    if let Some(last) = rows.last_mut() {
        last.stop_reason = summary.stop_reason.as_str();
        if stopped_at_min && summary.stop_reason == regpath_solver::StopReason::Callback {
            last.stop_reason = "no_improvement";
        }
    }
    let cv = match (&folds, early_cv) {
        (Some(_), Some(cv)) => match cv.truncated(rows.len()) {
            Ok(cv) => Some(cv),
            Err(e) => {
                stream.abort();
                return Err(e);
            }
        },
        (Some(folds), None) => {
            let alphas: Vec<f64> = rows.iter().map(|r| r.alpha).collect();
            match cross_validate(&problem, folds, Some(&alphas), None) {
                Ok(cv) => Some(cv),
                Err(e) => {
                    stream.abort();
                    return Err(e);
                }
            }
        }
        (None, _) => None,
    };
    if let Some(cv) = &cv {
        for (k, row) in rows.iter_mut().enumerate() {
            if k < cv.mean.len() {
                row.cv_mean = Some(format!("{:?}", cv.mean[k]));
                row.cv_se = Some(format!("{:?}", cv.se[k]));
            }
            row.cv_choice = Some(match (k == cv.min, k == cv.one_se) {
                (true, true) => "min+1se",
                (true, false) => "min",
                (false, true) => "1se",
                (false, false) => "",
            });
        }
    }
    // the model first: an error there must leave no output
    let points: Vec<PointRecord> = rows
        .iter()
        .map(|r| PointRecord { alpha: r.alpha, alpha_over_max: r.alpha_over_max, intercept: r.intercept, nnz: r.nnz })
        .collect();
    let mut fitted_model = model::build(
        data,
        options.datafit,
        spec,
        !args.no_intercept,
        !args.no_standardize,
        options.tol,
        &points,
        !args.no_coefs,
    )?;
    if let (Some(cv), Some(folds)) = (&cv, &folds) {
        fitted_model.cv = Some(CvRecord {
            folds: folds.k,
            assignment: folds.source.clone(),
            measure: datafit.loss_name().into(),
            alpha_min_index: cv.min,
            alpha_min: rows[cv.min].alpha,
            alpha_1se_index: cv.one_se,
            alpha_1se: rows[cv.one_se].alpha,
            folds_file: FOLDS_FILE.into(),
        });
    }
    if !args.no_coefs {
        write_csv(&args.out.join("coefs.csv"), coef_columns(names.is_some(), snps.is_some()), &coefs)?;
    }
    // the final path.csv: the same rows, with the stop reason on the last one
    stream.finish(&rows)?;
    model::write(&args.out.join(MODEL_FILE), &fitted_model)?;
    if let Some(folds) = &folds {
        write_folds(&args.out.join(FOLDS_FILE), folds, &ids)?;
    }

    if let Some(covariates) = &data.covariates {
        let q = covariates.names.len();
        let features = match q {
            1 => format!("feature {}", data.n_cols()),
            _ => format!("features {}..{}", data.n_cols(), design.n_features() - 1),
        };
        eprintln!(
            "{q} unpenalized covariate{} ({}), fitted exactly at every alpha; coefs.csv lists {} as {features}",
            if q == 1 { "" } else { "s" },
            covariates.names.join(", "),
            if q == 1 { "it" } else { "them" },
        );
    }
    if let Some(weights) = &data.penalty_factor {
        let free = weights.iter().filter(|&&w| w == 0.0).count();
        eprintln!(
            "penalty factors from {}: {free} unpenalized columns (weight 0), weights in [{}, {}]",
            args.penalty_factor.as_ref().map_or(String::new(), |p| p.display().to_string()),
            weights.iter().copied().fold(f64::INFINITY, f64::min),
            weights.iter().copied().fold(0.0, f64::max)
        );
    }
    let worst = rows.iter().map(|r| r.certificate).fold(0.0, f64::max);
    let unconverged = rows.iter().filter(|r| !r.converged).count();
    eprintln!(
        "{}: {} {} path, {} (alpha_max = {}), fitted in {:.3} s (+{:.3} s reading), {:.1} full passes over X",
        data.description,
        options.datafit.as_str(),
        spec.name(),
        crate::count(rows.len(), "alpha"),
        summary.alpha_max,
        summary.time_s,
        load_s,
        summary.scan_passes
    );
    if summary.stop_reason == regpath_solver::StopReason::MaxNnz {
        eprintln!(
            "path stopped early: alpha_index {} has {} nonzero coefficients, more than --max-nnz {}",
            rows.len() - 1,
            rows.last().map_or(0, |r| r.nnz),
            args.max_nnz.unwrap_or(0)
        );
    }
    if summary.stop_reason == regpath_solver::StopReason::Separated {
        eprintln!(
            "path stopped early: below alpha_index {} the fit {} (no finite minimizer); alpha_index {} is the last certified point",
            rows.len().saturating_sub(1),
            datafit.separation_description(),
            rows.len().saturating_sub(1)
        );
    }
    if summary.stop_reason == regpath_solver::StopReason::Saturated {
        // the value the stop rule compared (for the quadratic datafit the training R²,
        // `train_r2(train_mse, null_objective)` to the bit)
        let r2 = |row: &PathRow| row.deviance_ratio;
        let what = datafit.deviance_ratio_label();
        let before = match rows.len() {
            2.. => format!(" (alpha_index {}: {:.6})", rows.len() - 2, r2(&rows[rows.len() - 2])),
            _ => String::new(),
        };
        eprintln!(
            "path stopped early: alpha_index {} reached {what} {:.6} >= --stop-saturated {}{before}",
            rows.len() - 1,
            rows.last().map_or(f64::NAN, r2),
            args.stop_saturated.unwrap_or(f64::NAN)
        );
    }
    if let (Some(cv), Some(folds)) = (&cv, &folds) {
        let sizes = folds.sizes();
        eprintln!(
            "cross-validation: {} folds ({}; {}..{} samples each), {} in {:.3} s: alpha_min = {} (alpha_index {}, nnz {}, cv_mean {:.6e}), alpha_1se = {} (alpha_index {}, nnz {}, cv_mean {:.6e})",
            folds.k,
            folds.source,
            sizes.iter().min().unwrap_or(&0),
            sizes.iter().max().unwrap_or(&0),
            datafit.loss_label(),
            cv.time_s,
            rows[cv.min].alpha,
            cv.min,
            rows[cv.min].nnz,
            cv.mean[cv.min],
            rows[cv.one_se].alpha,
            cv.one_se,
            rows[cv.one_se].nnz,
            cv.mean[cv.one_se],
        );
        if stopped_at_min {
            eprintln!(
                "path stopped at alpha_min (alpha_index {}): each CV fold stops after --patience {} alphas without a lower held-out loss, so the curve ends there",
                cv.min,
                args.patience.unwrap_or(0)
            );
        }
    }
    if unconverged == 0 {
        eprintln!("every alpha certified: worst {} = {worst:.3e} <= tol {}", rows[0].certificate_kind, args.tol);
    } else {
        eprintln!(
            "warning: {unconverged} of {} did not reach tol {} within --max-epochs {} (worst certificate {worst:.3e}); see the converged column",
            crate::count(rows.len(), "alpha"),
            args.tol,
            args.max_epochs
        );
    }
    eprintln!("wrote {}", args.out.join("path.csv").display());
    eprintln!("wrote {}", args.out.join(MODEL_FILE).display());
    if folds.is_some() {
        eprintln!("wrote {}", args.out.join(FOLDS_FILE).display());
    }
    if !args.no_coefs {
        eprintln!("wrote {}", args.out.join("coefs.csv").display());
    }
    Ok(())
}
