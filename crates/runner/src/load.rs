//! Loading X and y: `.npy`/CSV files, a PLINK fileset, or the built-in example.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder};
use regpath_datagen::io::bed::fileset_path;
use regpath_datagen::{
    Bed, CovariateTable, Covariates, DataError, FamilySpec, Matrix, SnpFilter, generate, observed_samples,
    read_covariate_matrix, read_covariate_table, read_matrix, read_penalty_factor, read_pheno_column,
    read_pheno_matched, read_row_indices, read_sample_list, read_vector, select_snps,
};
use regpath_solver::{DatafitKind, ResponseKind, signed_times};

/// Where the data of one fit comes from.
#[derive(Clone, Debug)]
pub enum DataSource {
    /// X and y from `.npy` or CSV files.
    Files {
        /// X (n × p).
        x: PathBuf,
        /// y (n).
        y: PathBuf,
    },
    /// A PLINK 1 fileset; the phenotype from `pheno` (FID IID v1 v2 …) or the `.fam` file.
    Bed {
        /// Prefix of `.bed/.bim/.fam`.
        prefix: PathBuf,
        /// Optional phenotype file.
        pheno: Option<PathBuf>,
        /// Which phenotype column, 1-based: of the `.fam` counted from its sixth field (GEMMA's
        /// extended `.fam`), or of `pheno` counted from its third field.
        pheno_col: usize,
    },
    /// The teaching example: `uniform`, n = 100, p = 10, y = 2x₀ + 3x₁ + N(0, 1), seed 0.
    Example,
}

/// The design matrix as loaded: dense column-major values, or packed PLINK genotypes.
pub enum LoadedX {
    /// A dense matrix (memory-mapped `.npy` or an owned array).
    Dense(Matrix),
    /// A PLINK fileset used in place (2 bits per genotype), with the kept samples and SNPs.
    Bed {
        /// The open fileset.
        bed: Bed,
        /// Samples kept (those with an observed phenotype), `None` for all.
        rows: Option<Vec<usize>>,
        /// SNPs kept (`.bim` indices, increasing; negative positions, `--extract`,
        /// `--exclude`, `--maf`), `None` for all: column j of X is SNP `columns[j]`.
        columns: Option<Vec<usize>>,
    },
}

impl LoadedX {
    /// The `.bim` index of column `j` of a PLINK design (`j` itself for a dense matrix).
    pub fn snp_index(&self, j: usize) -> usize {
        match self {
            LoadedX::Bed { columns: Some(c), .. } => c[j],
            _ => j,
        }
    }

    /// The `.bim` records of the columns of a PLINK design (`None` for a dense matrix).
    pub fn snp_table(&self) -> Option<std::borrow::Cow<'_, regpath_datagen::SnpTable>> {
        match self {
            LoadedX::Bed { bed, columns: None, .. } => Some(std::borrow::Cow::Borrowed(bed.snp_table())),
            LoadedX::Bed { bed, columns: Some(c), .. } => Some(std::borrow::Cow::Owned(bed.snp_table().subset(c))),
            LoadedX::Dense(_) => None,
        }
    }
}

/// Optional input files of a fit: unpenalized covariates and per-column penalty factors
/// (docs/design.md §3), and the selection of samples.
#[derive(Clone, Debug, Default)]
pub struct InputOptions {
    /// Covariates: `.npy`/CSV with one row per sample of X, or for a PLINK fileset a
    /// `FID IID c1 … cq` table matched to the `.fam`.
    pub covariates: Option<PathBuf>,
    /// One weight per column of X (`.npy`, one number per line, or `SNP_ID weight` lines
    /// matched to the `.bim`).
    pub penalty_factor: Option<PathBuf>,
    /// PLINK-style `FID IID` list of the samples to keep (`--bed` only).
    pub keep: Option<PathBuf>,
    /// PLINK-style `FID IID` list of the samples to leave out (`--bed` only).
    pub remove: Option<PathBuf>,
    /// 0-based row indices of X to keep (`--x` only).
    pub keep_rows: Option<PathBuf>,
    /// The datafit the data is for: its response decides how a PLINK phenotype is coded
    /// ([`code_phenotype`]: for a binary response, 1/2 is recoded to 0/1, with 0 missing).
    pub datafit: DatafitKind,
    /// How errors name the phenotype column choice (default `--pheno-col K`; a sweep names
    /// its configuration key).
    pub phenotype_label: Option<String>,
    /// Which SNPs of a PLINK fileset to fit (`--extract`, `--exclude`, `--maf`; negative
    /// positions are always excluded, as PLINK does).
    pub snps: SnpFilter,
    /// The phenotype of a PLINK fileset will be simulated (a sweep's `simulate`): every sample
    /// counts as observed (subject to `--keep`/`--remove` and the covariates), and y is a
    /// placeholder of zeros to be replaced.
    pub simulated_phenotype: bool,
    /// The event indicators of a survival response (`--datafit cox`): the file of `--status`
    /// (with `--x`, whose y file then holds the times), or the phenotype column of
    /// `--status-col` (with `--bed`, whose phenotype column holds the times). The response is
    /// the signed time of [`regpath_solver::signed_times`].
    pub survival_status: Option<SurvivalStatus>,
}

/// X (dense or packed), y and a description, as `regpath path` uses them.
pub struct LoadedInput {
    /// The design matrix.
    pub x: LoadedX,
    /// The response, one value per row of X.
    pub y: Array1<f64>,
    /// Unpenalized covariates, one row per row of X.
    pub covariates: Option<Covariates>,
    /// How a PLINK covariate table's columns were encoded (numeric, or categorical with its
    /// levels), so that `regpath predict` can encode another cohort's table the same way.
    pub covariate_columns: Option<Vec<regpath_datagen::CovariateColumn>>,
    /// Penalty factor of each column of X.
    pub penalty_factor: Option<Vec<f64>>,
    /// A human-readable description of where the data came from.
    pub description: String,
}

impl LoadedInput {
    /// Feature names, if the input had them (CSV header, `.bim` SNP ids).
    pub fn names(&self) -> Option<Vec<&str>> {
        match &self.x {
            LoadedX::Dense(m) => m.names.as_ref().map(|n| n.iter().map(String::as_str).collect()),
            LoadedX::Bed { bed, columns: None, .. } => Some(bed.snp_ids().iter().collect()),
            LoadedX::Bed { bed, columns: Some(c), .. } => Some(c.iter().map(|&j| bed.snp_ids().get(j)).collect()),
        }
    }

    /// Number of columns of X.
    pub fn n_cols(&self) -> usize {
        match &self.x {
            LoadedX::Dense(m) => m.n_cols(),
            LoadedX::Bed { bed, columns, .. } => columns.as_ref().map_or(bed.n_snps(), Vec::len),
        }
    }

    /// Number of samples (rows of X).
    pub fn n_rows(&self) -> usize {
        match &self.x {
            LoadedX::Dense(m) => m.n_rows(),
            LoadedX::Bed { bed, rows, .. } => rows.as_ref().map_or(bed.n_samples(), |r| r.len()),
        }
    }
}

/// Where the event indicators of a survival response are (see
/// [`InputOptions::survival_status`]).
#[derive(Clone, Debug, PartialEq)]
pub enum SurvivalStatus {
    /// One 0/1 value per row of X (`.npy` or one-column CSV).
    File(PathBuf),
    /// A phenotype column (1-based, as `--pheno-col`) of the `--pheno` file or the `.fam`.
    Column(usize),
}

/// The signed survival time of one sample ([`regpath_solver::signed_times`]): `time` finite
/// and ≥ 0, `status` 1 (event) or 0 (censored); `at` names the sample in errors.
pub(crate) fn signed_survival(time: f64, status: f64, at: &dyn Fn() -> String) -> Result<f64> {
    if !time.is_finite() || time < 0.0 {
        bail!("--datafit cox needs survival times >= 0, but the time of {} is {time}", at());
    }
    if status != 0.0 && status != 1.0 {
        bail!("--datafit cox needs status 1 (event) or 0 (censored), but the status of {} is {status}", at());
    }
    Ok(signed_times(&[time], &[status])[0])
}

/// Reads the data, keeping a PLINK fileset packed, with the covariates and penalty factors
/// when given, and checks that y (and the covariates) have one value per row.
pub fn load_input(source: &DataSource, extra: &InputOptions) -> Result<LoadedInput> {
    let mut data = match source {
        DataSource::Files { x, y } => {
            if extra.keep.is_some() || extra.remove.is_some() {
                bail!("--keep and --remove select samples of a --bed fileset; with --x use --keep-rows");
            }
            if !extra.snps.is_empty() {
                bail!("--extract, --exclude and --maf select SNPs of a --bed fileset, not columns of --x");
            }
            let mut matrix = read_matrix(x)?;
            let mut y_values = read_vector(y)?;
            if y_values.len() != matrix.n_rows() {
                bail!("y has {} values but X has {} rows (samples); they must match", y_values.len(), matrix.n_rows());
            }
            match &extra.survival_status {
                Some(SurvivalStatus::File(status_path)) => {
                    let status = read_vector(status_path)?;
                    if status.len() != y_values.len() {
                        bail!(
                            "--status {} has {} values but --time {} has {}; they must match",
                            status_path.display(),
                            status.len(),
                            y.display(),
                            y_values.len()
                        );
                    }
                    for (i, (t, &d)) in y_values.iter_mut().zip(&status).enumerate() {
                        if t.is_nan() || d.is_nan() {
                            bail!(
                                "row {i} (0-based) has a missing time or status: leave such rows out with --keep-rows"
                            );
                        }
                        *t = signed_survival(*t, d, &|| format!("row {i} (0-based)"))?;
                    }
                }
                Some(SurvivalStatus::Column(_)) => bail!("--status-col applies to --bed; with --x give --status FILE"),
                None => {}
            }
            let n_all = matrix.n_rows();
            let kept_rows = match &extra.keep_rows {
                Some(path) => {
                    let rows = read_row_indices(path, n_all)?;
                    eprintln!("note: {} of {n_all} rows kept (--keep-rows {})", rows.len(), path.display());
                    matrix = Matrix::from_array(select_rows(matrix.view(), &rows), matrix.names.clone());
                    y_values = rows.iter().map(|&i| y_values[i]).collect();
                    Some(rows)
                }
                None => None,
            };
            let description = format!(
                "{} ({} x {}{}) and {}",
                x.display(),
                matrix.n_rows(),
                matrix.n_cols(),
                if matrix.is_zero_copy() { ", memory-mapped" } else { "" },
                y.display()
            );
            let covariates = match &extra.covariates {
                Some(path) => {
                    let mut c = read_covariate_matrix(path, n_all)?;
                    if let Some(rows) = &kept_rows {
                        c.values = select_rows(c.values.view(), rows);
                    }
                    Some(c)
                }
                None => None,
            };
            LoadedInput {
                x: LoadedX::Dense(matrix),
                y: y_values,
                covariates,
                covariate_columns: None,
                penalty_factor: None,
                description,
            }
        }
        DataSource::Bed { prefix, pheno, pheno_col } => {
            if extra.keep_rows.is_some() {
                bail!("--keep-rows selects rows of --x; with --bed use --keep or --remove (FID IID lists)");
            }
            load_bed(prefix, pheno.as_deref(), *pheno_col, extra)?
        }
        DataSource::Example => {
            let synthetic = generate(&FamilySpec::Uniform { n: 100, p: 10 }, 0)?;
            LoadedInput {
                x: LoadedX::Dense(Matrix::from_array(synthetic.x, None)),
                y: synthetic.y,
                covariates: None,
                covariate_columns: None,
                penalty_factor: None,
                description: "built-in example: uniform, n = 100, p = 10, y = 2x0 + 3x1 + N(0,1), seed 0".into(),
            }
        }
    };
    if matches!(source, DataSource::Example) {
        for (flag, given) in [
            ("--covariates", extra.covariates.is_some()),
            ("--keep", extra.keep.is_some()),
            ("--remove", extra.remove.is_some()),
            ("--keep-rows", extra.keep_rows.is_some()),
        ] {
            if given {
                bail!("{flag} needs --x or --bed data, not --example");
            }
        }
    }
    let n = data.n_rows();
    if data.y.len() != n {
        bail!("y has {} values but X has {} rows (samples); they must match", data.y.len(), n);
    }
    if let (Some(c), Some(path), false) = (&data.covariates, &extra.covariates, extra.simulated_phenotype) {
        check_covariates_do_not_explain_y(c, data.y.as_slice().unwrap_or(&[]), path)?;
    }
    if let Some(path) = &extra.penalty_factor {
        let table = data.x.snp_table();
        let factors = read_penalty_factor(path, data.n_cols(), table.as_ref().map(|t| &t.id))?;
        if factors.n_defaulted > 0 {
            eprintln!(
                "note: {} of {} SNPs are not listed in {} and keep penalty factor 1",
                factors.n_defaulted,
                data.n_cols(),
                path.display()
            );
        }
        if factors.n_unknown > 0 {
            eprintln!(
                "note: {} SNP IDs of {} are not among the {} SNPs fitted (ignored)",
                factors.n_unknown,
                path.display(),
                data.n_cols()
            );
        }
        data.penalty_factor = Some(factors.weights);
    }
    Ok(data)
}

/// Where phenotype column `k` is: "the .fam phenotype column 2 (field 7)",
/// "pheno.txt value column 1 (field 3)".
pub fn pheno_source(pheno: Option<&Path>, k: usize) -> String {
    match pheno {
        None => format!("the .fam phenotype column {k} (field {})", k.saturating_add(5)),
        Some(path) => format!("{} value column {k} (field {})", path.display(), k.saturating_add(2)),
    }
}

/// The phenotype of every `.fam` sample: column `k` of `pheno` (FID IID v1 v2 …) when given,
/// else phenotype column `k` of the `.fam` (1 = the sixth field).
pub fn bed_phenotypes(bed: &Bed, pheno: Option<&Path>, k: usize) -> Result<Vec<Option<f64>>, DataError> {
    match pheno {
        Some(path) => read_pheno_column(path, bed, k),
        None => bed.fam_phenotype_column(k),
    }
}

fn load_bed(prefix: &Path, pheno: Option<&Path>, pheno_col: usize, extra: &InputOptions) -> Result<LoadedInput> {
    let covariates = extra.covariates.as_deref();
    let bed = Bed::open(prefix)?;
    let label = || extra.phenotype_label.clone().unwrap_or_else(|| format!("--pheno-col {pheno_col}"));
    let n_all = bed.n_samples();
    let from = if extra.simulated_phenotype { "simulated".to_string() } else { pheno_source(pheno, pheno_col) };
    let (mut phenotypes, matched) = match pheno {
        _ if extra.simulated_phenotype => (vec![Some(0.0); n_all], None),
        Some(path) => {
            let matched = read_pheno_matched(path, &bed, pheno_col).with_context(label)?;
            (matched.values.clone(), Some(matched))
        }
        None => (bed.fam_phenotype_column(pheno_col).with_context(label)?, None),
    };
    if let Some(m) = &matched
        && m.n_absent == n_all
    {
        bail!(
            "none of the {n_all} samples of {} is in {}: {}",
            fileset_path(prefix, "fam").display(),
            pheno.map_or(String::new(), |p| p.display().to_string()),
            m.describe_unknown()
        );
    }
    if let Some(status) = &extra.survival_status {
        let SurvivalStatus::Column(k) = status else {
            bail!("--status FILE applies to --x; with --bed give --status-col K");
        };
        let status_from = pheno_source(pheno, *k);
        let events = bed_phenotypes(&bed, pheno, *k).with_context(|| format!("--status-col {k}"))?;
        let ids = bed.sample_ids();
        for (i, (time, event)) in phenotypes.iter_mut().zip(events).enumerate() {
            *time = match (*time, event) {
                (Some(t), Some(d)) => Some(signed_survival(t, d, &|| {
                    let (fid, iid) = &ids[i];
                    format!("sample {fid} {iid} (.fam line {}; time from {from}, status from {status_from})", i + 1)
                })?),
                _ => None,
            };
        }
    }
    let plink_coded = !extra.simulated_phenotype && code_phenotype(extra.datafit, &mut phenotypes, &from)?;
    let codes = if plink_coded { "0, -9 or NA" } else { "-9 or NA" };
    let unobserved = phenotypes.iter().filter(|v| v.is_none()).count();
    if unobserved > 0 {
        let why = match (&matched, pheno) {
            (Some(m), Some(path)) if !plink_coded => m.describe(path, codes),
            _ => format!("missing phenotype ({codes}) in {from}"),
        };
        eprintln!("note: {unobserved} of {n_all} samples dropped: {why}");
    } else if let (Some(m), Some(path)) = (&matched, pheno)
        && m.n_unknown > 0
    {
        eprintln!("note: {}: {}", path.display(), m.describe_unknown());
    }
    if phenotypes.iter().all(Option::is_none) {
        bail!(
            "no sample of {} has an observed phenotype in {from}: every value is missing ({codes})",
            prefix.display()
        );
    }
    for (flag, path, keep) in [("--keep", &extra.keep, true), ("--remove", &extra.remove, false)] {
        let Some(path) = path else { continue };
        let list = read_sample_list(path, bed.sample_ids())?;
        let mut dropped = 0;
        for (pheno, &listed) in phenotypes.iter_mut().zip(&list.listed) {
            if pheno.is_some() && listed != keep {
                *pheno = None;
                dropped += 1;
            }
        }
        let unknown = list.describe_unknown();
        if phenotypes.iter().all(Option::is_none) {
            let matched = list.listed.iter().filter(|l| **l).count();
            bail!(
                "{flag} {}: no sample with a phenotype is left ({matched} of its {} entries are .fam samples{unknown})",
                path.display(),
                list.n_entries
            );
        }
        eprintln!("note: {flag} {}: {dropped} samples with a phenotype left out{unknown}", path.display());
    }
    let table = match covariates {
        Some(path) => Some(covariate_table(path, &bed, &mut phenotypes)?),
        None => None,
    };
    let (rows, y) = observed_samples(&phenotypes);
    let dropped = n_all - rows.len();
    if rows.is_empty() {
        bail!(
            "no sample of {} has both a phenotype and every covariate in {}",
            prefix.display(),
            covariates.map_or(String::new(), |p| p.display().to_string())
        );
    }
    if dropped > 0 {
        eprintln!("note: {} of {n_all} samples kept", rows.len());
    }
    let selection = select_snps(&bed, (dropped > 0).then_some(rows.as_slice()), &extra.snps)?;
    if let Some(line) = selection.describe(&extra.snps) {
        eprintln!("note: {line}");
    }
    let description = format!(
        "{} ({} samples x {} SNPs, packed 2 bits each; y = {from})",
        prefix.display(),
        rows.len(),
        selection.n_kept()
    );
    let covariates = match &table {
        Some(table) => Some(table.rows(&rows)?),
        None => None,
    };
    let rows = if dropped > 0 { Some(rows) } else { None };
    Ok(LoadedInput {
        x: LoadedX::Bed { bed, rows, columns: selection.kept },
        y,
        covariates,
        covariate_columns: table.map(|t| t.columns),
        penalty_factor: None,
        description,
    })
}

/// Refuses covariates that explain y exactly: the residual of the least-squares fit of y on
/// the intercept and the covariates is `‖r‖² ≤ 10⁻¹⁰·‖y − ȳ‖²` (R² ≥ 1 − 10⁻¹⁰), which happens
/// when the phenotype itself (or a copy of it) is given as a covariate. Nothing is left for X
/// to explain and every certificate would be relative to a zero loss. The covariate most
/// correlated with y is named.
///
/// The fit is by modified Gram–Schmidt on the centered covariate columns (q is small; a
/// column in the span of the previous ones is skipped, the solver rejects it later with its
/// own message).
pub fn check_covariates_do_not_explain_y(c: &Covariates, y: &[f64], path: &Path) -> Result<()> {
    let n = y.len();
    if n < 2 || c.values.nrows() != n {
        return Ok(());
    }
    let center = |v: &mut Vec<f64>| {
        let m = v.iter().sum::<f64>() / n as f64;
        v.iter_mut().for_each(|x| *x -= m);
    };
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut r = y.to_vec();
    center(&mut r);
    let total = dot(&r, &r);
    if total == 0.0 {
        return Ok(());
    }
    let mut basis: Vec<Vec<f64>> = Vec::new();
    let mut best = (0.0_f64, 0usize);
    for (k, column) in c.values.columns().into_iter().enumerate() {
        let mut q: Vec<f64> = column.to_vec();
        center(&mut q);
        let norm0 = dot(&q, &q);
        if norm0 == 0.0 {
            continue;
        }
        let corr = dot(&q, &r).abs() / (norm0 * total).sqrt();
        if corr > best.0 {
            best = (corr, k);
        }
        for b in &basis {
            let t = dot(&q, b);
            q.iter_mut().zip(b).for_each(|(x, bi)| *x -= t * bi);
        }
        let norm = dot(&q, &q);
        if norm <= 1e-12 * norm0 {
            continue;
        }
        let inv = 1.0 / norm.sqrt();
        q.iter_mut().for_each(|x| *x *= inv);
        basis.push(q);
    }
    for b in &basis {
        let t = dot(&r, b);
        r.iter_mut().zip(b).for_each(|(x, bi)| *x -= t * bi);
    }
    let r2 = 1.0 - dot(&r, &r) / total;
    if r2 >= 1.0 - 1e-10 {
        bail!(
            "--covariates {}: the covariates explain the phenotype exactly (R² = {r2:.12}); covariate '{}' has \
             correlation {:.12} with it. Is the phenotype among the covariates? Nothing would be left for X to explain",
            path.display(),
            c.names[best.1],
            best.0
        );
    }
    Ok(())
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

/// A phenotype read from a PLINK fileset or phenotype file (`from` names it), coded as the
/// response of `datafit`: as read for a continuous response, as 0/1 labels for a binary one
/// ([`recode_case_control`]). Returns whether PLINK's 1/2 case/control coding was found.
pub fn code_phenotype(datafit: DatafitKind, phenotypes: &mut [Option<f64>], from: &str) -> Result<bool> {
    match datafit.response() {
        ResponseKind::Continuous | ResponseKind::Survival => Ok(false),
        ResponseKind::Binary => recode_case_control(phenotypes, from),
    }
}

/// Case/control labels as 0/1. Observed values all in {0, 1} are used as they are; values in
/// {0, 1, 2} with some 2 are PLINK's coding (1 = control, 2 = case, 0 = missing), recoded to
/// 0/1 with the zeros made missing. Returns whether the PLINK coding was found; any other
/// value is an error naming it and its sample position.
pub fn recode_case_control(phenotypes: &mut [Option<f64>], from: &str) -> Result<bool> {
    if let Some((i, v)) =
        phenotypes.iter().enumerate().find_map(|(i, v)| v.filter(|&v| v != 0.0 && v != 1.0 && v != 2.0).map(|v| (i, v)))
    {
        bail!(
            "--datafit logistic needs a case/control phenotype (0/1, or PLINK's 1 = control, 2 = case, 0/-9/NA missing), but {from} has {v} for sample {} (.fam line {})",
            i + 1,
            i + 1
        );
    }
    let plink = phenotypes.contains(&Some(2.0));
    if !plink {
        return Ok(false);
    }
    for v in phenotypes.iter_mut() {
        *v = match *v {
            Some(2.0) => Some(1.0),
            Some(1.0) => Some(0.0),
            _ => None,
        };
    }
    eprintln!("note: {from} read as PLINK case/control coding (2 = case -> 1, 1 = control -> 0, 0 = missing)");
    Ok(true)
}

/// Reads a `FID IID c1 … cq` covariate table for the `.fam` samples and marks the samples
/// without every covariate (absent from the file, or with a missing value) as unobserved in
/// `phenotypes`, reporting how many were dropped for which reason.
pub fn covariate_table(path: &Path, bed: &Bed, phenotypes: &mut [Option<f64>]) -> Result<CovariateTable> {
    let table = read_covariate_table(path, bed.sample_ids())?;
    let mut dropped = 0;
    for (pheno, values) in phenotypes.iter_mut().zip(&table.values) {
        if pheno.is_some() && values.is_none() {
            *pheno = None;
            dropped += 1;
        }
    }
    if dropped > 0 {
        eprintln!(
            "note: {} with a phenotype dropped: no complete covariates in {} ({} not in it, {} with a missing value, NA or -9)",
            crate::count(dropped, "sample"),
            path.display(),
            crate::count(table.n_absent, ".fam sample"),
            table.n_missing
        );
    }
    if table.n_unknown > 0 {
        eprintln!("note: {} lines of {} name samples not in the .fam (ignored)", table.n_unknown, path.display());
    }
    Ok(table)
}

/// The 1-based value column (after `FID IID`) of the phenotype file `path` whose header names
/// it `name`, as PLINK's `--pheno-name`: the header is the first line, starting `FID IID` or
/// `#FID IID` (or `#IID` / `IID` for PLINK 2 files without FID).
pub fn pheno_column_by_name(path: &Path, name: &str) -> Result<usize> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let header = text.lines().next().unwrap_or("");
    let fields: Vec<&str> = header.split_whitespace().collect();
    let ids = match fields.first().map(|f| f.trim_start_matches('#')) {
        Some("FID") if fields.get(1) == Some(&"IID") => 2,
        Some("IID") => 1,
        _ => bail!(
            "--pheno-name {name}: {} has no header line (its first line should start with FID IID, #FID IID or #IID)",
            path.display()
        ),
    };
    match fields[ids..].iter().position(|f| *f == name) {
        Some(k) => Ok(k + 1),
        None => bail!(
            "--pheno-name {name}: no such column in {} (its columns are {})",
            path.display(),
            fields[ids..].join(", ")
        ),
    }
}
