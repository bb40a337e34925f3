//! Task planning: the cartesian product of dataset axes × penalty axes × replicates, with ids and
//! seeds derived from the master seed and each task's identity (never from a thread index).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use regpath_datagen::FamilySpec;
use regpath_solver::{DatafitKind, PenaltySpec, ResponseKind};
use serde_json::{Map, Value};

use super::config::{DatasetConfig, EvaluationConfig, Method, SweepConfig};
use super::fixed_split::FixedSplit;
use super::simulated::{SimulatedPhenotype, copy_groups};
use crate::load::{DataSource, InputOptions, LoadedInput, SurvivalStatus, load_input};

/// Where one dataset's samples come from.
#[derive(Clone)]
pub enum DataOrigin {
    /// Generated anew for each replicate from `(master seed, dataset id, replicate)`.
    Synthetic(FamilySpec),
    /// Read once from files and shared by every replicate (which then differ by their split).
    Loaded(Arc<LoadedFile>),
    /// The genotypes of a PLINK fileset, read once, with a phenotype simulated anew for each
    /// replicate from `(master seed, dataset id, replicate)` (`simulate = { … }`).
    Simulated(Arc<LoadedFile>, Arc<SimulatedPhenotype>),
}

/// A dataset read from files: X (a `.npy` in Fortran order memory-mapped, a PLINK fileset
/// packed), y, covariates and penalty factors as `regpath path` reads them (crate::load), and
/// the true coefficients when given.
pub struct LoadedFile {
    /// X, y, covariates and penalty factors.
    pub input: LoadedInput,
    /// True coefficients, when given.
    pub beta: Option<Vec<f64>>,
}

/// One point of a dataset entry's parameter axes.
#[derive(Clone)]
pub struct DatasetInstance {
    /// Id used in tables and task ids, e.g. `toeplitz_n300_p1000_rho0.5_k10_snr3`.
    pub id: String,
    /// `uniform`, `toeplitz`, …, `file` or `plink`.
    pub family: String,
    /// Samples.
    pub n: usize,
    /// Features.
    pub p: usize,
    /// Replicates.
    pub replicates: usize,
    /// Where the data come from.
    pub origin: DataOrigin,
    /// Fingerprint of the content of every input file of a file or PLINK dataset
    /// (`regpath_datagen::io::fingerprint`); empty for a synthetic one, whose data the
    /// configuration determines. Recorded in each task result: a result is reused only while
    /// its dataset's files are unchanged.
    pub input_hash: String,
    /// The dataset's own split and folds (`split`, `folds`), which replace the random ones.
    pub fixed: Option<Arc<FixedSplit>>,
}

/// One point of a penalty entry's axes.
#[derive(Clone, Debug)]
pub struct PenaltyInstance {
    /// Id, e.g. `lasso`, `enet_r0.5`, `mcp_g3`.
    pub id: String,
    /// The penalty.
    pub spec: PenaltySpec,
    /// Its own number of alphas, if set.
    pub n_alphas: Option<usize>,
    /// Its own eps, if set.
    pub eps: Option<f64>,
}

/// One path fit: a dataset instance × penalty instance × replicate.
#[derive(Clone, Debug)]
pub struct Task {
    /// Position in plan order (dataset, then penalty, then replicate); rows are sorted by it.
    pub index: usize,
    /// `<dataset>__<penalty>__r<replicate>`; also the name of its result file.
    pub id: String,
    /// Index into [`Plan::datasets`].
    pub dataset: usize,
    /// Index into [`Plan::penalties`].
    pub penalty: usize,
    /// 0-based replicate.
    pub replicate: usize,
}

/// Tasks that share one generated dataset and split: a dataset instance × replicate.
#[derive(Clone, Debug)]
pub struct Unit {
    /// Index into [`Plan::datasets`].
    pub dataset: usize,
    /// 0-based replicate.
    pub replicate: usize,
    /// Indices into [`Plan::tasks`].
    pub tasks: Vec<usize>,
    /// Seed of the synthetic data.
    pub data_seed: u64,
    /// Seed of the train/validation/test split and of the CV folds.
    pub split_seed: u64,
}

/// The expanded sweep.
pub struct Plan {
    /// Dataset instances in config order (axes expanded, first key slowest).
    pub datasets: Vec<DatasetInstance>,
    /// Penalty instances in config order.
    pub penalties: Vec<PenaltyInstance>,
    /// Tasks in plan order.
    pub tasks: Vec<Task>,
    /// Units in plan order (dataset, then replicate).
    pub units: Vec<Unit>,
    /// Task ids whose coefficient paths are kept.
    pub coef_tasks: Vec<String>,
}

/// 64-bit FNV-1a, a stable hash (unlike `std`'s, which may change between Rust versions).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// SplitMix64 finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A seed for `purpose` (`data`, `split`) of a dataset's replicate, from the master seed.
pub fn derive_seed(master: u64, purpose: &str, dataset_id: &str, replicate: usize) -> u64 {
    let key = format!("{purpose}\u{1f}{dataset_id}\u{1f}{replicate}");
    mix(master ^ mix(fnv1a(key.as_bytes())))
}

/// Formats a parameter value for an id: `0.5`, `3`, `1e-5` stays short and file-name safe.
fn fmt_value(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f}"),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

fn axis_values<T: serde::Serialize>(axis: &Option<super::config::Axis<T>>) -> Option<Vec<Value>> {
    axis.as_ref().map(|a| a.0.iter().map(|v| serde_json::to_value(v).expect("numbers serialize")).collect())
}

/// Expands a synthetic dataset entry into its instances (first key slowest).
fn expand_synthetic(entry: &DatasetConfig, index: usize) -> Result<Vec<DatasetInstance>> {
    let family = entry.family.expect("synthetic entry");
    let label = entry.name.clone().unwrap_or_else(|| family.name().to_string());
    let all: [(&str, Option<Vec<Value>>); 18] = [
        ("n", axis_values(&entry.n)),
        ("p", axis_values(&entry.p)),
        ("rho", axis_values(&entry.rho)),
        ("k", axis_values(&entry.k)),
        ("snr", axis_values(&entry.snr)),
        ("h2", axis_values(&entry.h2)),
        ("prevalence", axis_values(&entry.prevalence)),
        ("maf_min", axis_values(&entry.maf_min)),
        ("maf_max", axis_values(&entry.maf_max)),
        ("block_size", axis_values(&entry.block_size)),
        ("ld", axis_values(&entry.ld)),
        ("dup_frac", axis_values(&entry.dup_frac)),
        ("flip_frac", axis_values(&entry.flip_frac)),
        ("mono_frac", axis_values(&entry.mono_frac)),
        ("missing_rate", axis_values(&entry.missing_rate)),
        ("density", axis_values(&entry.density)),
        ("survival", (entry.survival == Some(true)).then(|| vec![Value::Bool(true)])),
        ("censoring", axis_values(&entry.censoring)),
    ];
    let axes: Vec<(&str, Vec<Value>)> = all.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
    let mut out = Vec::new();
    let mut counter = vec![0usize; axes.len()];
    loop {
        let mut map = Map::new();
        map.insert("family".into(), Value::String(family.name().into()));
        let mut id = label.clone();
        for (a, (key, values)) in axes.iter().enumerate() {
            let v = &values[counter[a]];
            map.insert((*key).into(), v.clone());
            match v {
                Value::Bool(_) => id.push_str(&format!("_{key}")),
                _ => id.push_str(&format!("_{key}{}", fmt_value(v))),
            }
        }
        let spec: FamilySpec = serde_json::from_value(Value::Object(map))
            .with_context(|| format!("datasets[{index}] ({id}): invalid parameter"))?;
        spec.validate().with_context(|| format!("datasets[{index}] ({id})"))?;
        out.push(DatasetInstance {
            id,
            family: family.name().to_string(),
            n: spec.n(),
            p: spec.p(),
            replicates: entry.replicates,
            origin: DataOrigin::Synthetic(spec),
            input_hash: String::new(),
            fixed: None,
        });
        // Odometer, last axis fastest.
        let mut a = axes.len();
        loop {
            if a == 0 {
                return Ok(out);
            }
            a -= 1;
            counter[a] += 1;
            if counter[a] < axes[a].1.len() {
                break;
            }
            counter[a] = 0;
        }
    }
}

/// Reads a file dataset entry (so that a missing or malformed file fails before any output),
/// through the loader of `regpath path`: a PLINK fileset stays packed, a Fortran-order `.npy`
/// memory-mapped. The phenotype is coded as the response of `datafit` (for the logistic
/// datafit, a PLINK phenotype coded 1/2 is recoded to 0/1).
fn load_files(
    entry: &DatasetConfig,
    index: usize,
    datafit: DatafitKind,
    e: &EvaluationConfig,
) -> Result<DatasetInstance> {
    let simulated = entry.simulate.is_some();
    let k = entry.time_col.or(entry.pheno_col).unwrap_or(1);
    let survival_status = match (&entry.status, entry.status_col) {
        (Some(file), _) => Some(SurvivalStatus::File(file.clone())),
        (None, Some(col)) => Some(SurvivalStatus::Column(col)),
        (None, None) => None,
    };
    let (source, stem_of, family, key) = match (&entry.x, entry.y.as_ref().or(entry.time.as_ref()), &entry.bed) {
        (Some(x), Some(y), None) => (DataSource::Files { x: x.clone(), y: y.clone() }, x, "file", "x"),
        (None, None, Some(prefix)) => (
            DataSource::Bed { prefix: prefix.clone(), pheno: entry.pheno.clone(), pheno_col: k },
            prefix,
            "plink",
            if entry.pheno.is_some() { "pheno" } else { "bed" },
        ),
        _ => bail!("datasets[{index}]: give `x` and `y`, or `bed`"),
    };
    let extra = InputOptions {
        covariates: entry.covariates.clone(),
        penalty_factor: entry.penalty_factor.clone(),
        datafit,
        phenotype_label: Some(format!("datasets[{index}].{key} (pheno_col = {k})")),
        simulated_phenotype: simulated,
        survival_status,
        snps: regpath_datagen::SnpFilter {
            extract: entry.extract.clone(),
            exclude: entry.exclude.clone(),
            maf: entry.maf,
        },
        ..InputOptions::default()
    };
    let input = load_input(&source, &extra).with_context(|| format!("datasets[{index}]"))?;
    let (n, p) = (input.n_rows(), input.n_cols());
    if simulated {
        eprintln!(
            "note: datasets[{index}]: phenotypes simulated on {}",
            input.description.replace("; y = simulated", "")
        );
    }
    let beta = match &entry.beta {
        Some(path) => {
            let b = regpath_datagen::read_vector(path).with_context(|| format!("datasets[{index}].beta"))?;
            if b.len() != p {
                bail!("datasets[{index}].beta has {} values but X has {p} columns", b.len());
            }
            Some(b.to_vec())
        }
        None => None,
    };
    let fixed = FixedSplit::read(entry, index, &input, e)?;
    if let Some(f) = &fixed
        && !simulated
        && entry.replicates > 1
        && f.fixes_everything(e.method)
    {
        bail!(
            "datasets[{index}]: replicates = {} but `{} = {}` fixes{} the samples of every part{}: the replicates \
             would repeat one fit (give replicates = 1, or leave the folds random)",
            entry.replicates,
            if entry.folds.is_some() { "folds" } else { "split" },
            entry
                .folds
                .as_ref()
                .or(entry.split.as_ref())
                .map_or(String::new(), |p| format!("{:?}", p.display().to_string())),
            if e.method == Method::Cv { " the CV folds and" } else { "" },
            if e.method == Method::Cv { "" } else { " (method = \"validation\" draws nothing else)" }
        );
    }
    let id = entry.name.clone().unwrap_or_else(|| {
        let stem = stem_of.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let base = if stem.is_empty() || stem.eq_ignore_ascii_case("x") {
            stem_of
                .parent()
                .and_then(|d| d.file_name())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("dataset{index}"))
        } else {
            stem
        };
        // Phenotype columns of one fileset are distinct datasets.
        match entry.time_col.or(entry.pheno_col) {
            _ if simulated => format!("{base}_sim"),
            Some(k) if k > 1 => format!("{base}_pheno{k}"),
            _ => base,
        }
    });
    Ok(DatasetInstance {
        id,
        family: family.into(),
        n,
        p,
        replicates: entry.replicates,
        origin: DataOrigin::Loaded(Arc::new(LoadedFile { input, beta })),
        input_hash: input_fingerprint(entry).with_context(|| format!("datasets[{index}]"))?,
        fixed: fixed.map(Arc::new),
    })
}

/// Expands a `bed` entry with `simulate = { … }` into one instance per point of its axes
/// (`<name>_k10_h20.5[_maf_alpha0][_prevalence0.3][_survival_censoring0.3]`), sharing the genotypes read once, their
/// SNP scan and their copy groups.
fn expand_simulated(
    entry: &DatasetConfig,
    index: usize,
    datafit: DatafitKind,
    e: &EvaluationConfig,
) -> Result<Vec<DatasetInstance>> {
    let sim = entry.simulate.as_ref().expect("simulated entry");
    if datafit.response() == ResponseKind::Binary && sim.prevalence.is_none() {
        bail!(
            "datasets[{index}].simulate: solver.datafit = \"{}\" needs a case/control phenotype: give \
             simulate.prevalence",
            datafit.as_str()
        );
    }
    let base = load_files(entry, index, datafit, e)?;
    let DataOrigin::Loaded(file) = &base.origin else { unreachable!("files are loaded") };
    let scan = Arc::new(SimulatedPhenotype::scan(&file.input).with_context(|| format!("datasets[{index}]"))?);
    let groups = match &file.input.x {
        crate::load::LoadedX::Bed { bed, rows, columns } => {
            Arc::new(copy_groups(bed, rows.as_deref(), columns.as_deref()))
        }
        crate::load::LoadedX::Dense(_) => bail!("datasets[{index}]: `simulate` needs `bed`"),
    };
    let k_values = &sim.k.0;
    let maf_alphas: Vec<Option<f64>> =
        sim.maf_alpha.as_ref().map_or(vec![None], |a| a.0.iter().map(|v| Some(*v)).collect());
    let prevalences: Vec<Option<f64>> =
        sim.prevalence.as_ref().map_or(vec![None], |a| a.0.iter().map(|v| Some(*v)).collect());
    let mut out = Vec::new();
    let label = entry.name.clone().unwrap_or_else(|| base.id.trim_end_matches("_sim").to_string());
    for &k in k_values {
        for &h2 in &sim.h2.0 {
            for &maf_alpha in &maf_alphas {
                for (&prevalence, censoring) in
                    prevalences.iter().flat_map(|p| sim.censorings().into_iter().map(move |c| (p, c)))
                {
                    let mut id = format!("{label}_k{k}_h2{h2}");
                    if let Some(a) = maf_alpha {
                        id.push_str(&format!("_maf_alpha{a}"));
                    }
                    if let Some(v) = prevalence {
                        id.push_str(&format!("_prevalence{v}"));
                    }
                    if let Some(f) = censoring {
                        id.push_str(&format!("_survival_censoring{f}"));
                    }
                    if k > scan.n_candidates() {
                        bail!(
                            "datasets[{index}].simulate.k = {k} is more than the {} polymorphic SNPs fitted",
                            scan.n_candidates()
                        );
                    }
                    let spec = regpath_datagen::SimulateSpec {
                        causal: regpath_datagen::CausalSnps::Random(k),
                        h2,
                        maf_alpha: maf_alpha.unwrap_or(regpath_datagen::simulate::DEFAULT_MAF_ALPHA),
                        prevalence,
                        censoring,
                    };
                    let phenotype = SimulatedPhenotype { spec, scan: scan.clone(), groups: groups.clone() };
                    out.push(DatasetInstance {
                        id,
                        family: "plink_simulated".into(),
                        origin: DataOrigin::Simulated(file.clone(), Arc::new(phenotype)),
                        ..base.clone()
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The files a file or PLINK dataset entry reads, keyed by what they are (`bed`, `bim`, `fam`,
/// `x`, `y`, `pheno`, …), in a fixed order.
pub fn entry_inputs(entry: &DatasetConfig) -> Vec<(&'static str, PathBuf)> {
    let mut inputs: Vec<(&'static str, PathBuf)> = Vec::new();
    if let Some(prefix) = &entry.bed {
        for ext in ["bed", "bim", "fam"] {
            inputs.push((ext, regpath_datagen::io::bed::fileset_path(prefix, ext)));
        }
    }
    let optional = [
        ("x", &entry.x),
        ("y", &entry.y),
        ("time", &entry.time),
        ("status", &entry.status),
        ("beta", &entry.beta),
        ("pheno", &entry.pheno),
        ("covariates", &entry.covariates),
        ("penalty_factor", &entry.penalty_factor),
        ("extract", &entry.extract),
        ("exclude", &entry.exclude),
        ("split", &entry.split),
        ("folds", &entry.folds),
    ];
    inputs.extend(optional.into_iter().filter_map(|(key, path)| path.clone().map(|p| (key, p))));
    inputs
}

/// The fingerprint of the content of every file [`entry_inputs`] lists.
pub fn input_fingerprint(entry: &DatasetConfig) -> Result<String> {
    let inputs = entry_inputs(entry);
    let refs: Vec<(&str, &std::path::Path)> = inputs.iter().map(|(k, p)| (*k, p.as_path())).collect();
    Ok(regpath_datagen::io::fingerprint::inputs_fingerprint(&refs)?)
}

fn expand_penalties(config: &SweepConfig) -> Result<Vec<PenaltyInstance>> {
    let mut out = Vec::new();
    for (i, entry) in config.penalties.iter().enumerate() {
        let ctx = || format!("penalties[{i}] ({})", entry.penalty);
        let base = PenaltySpec::from_name(&entry.penalty, None, None)
            .map_err(|e| anyhow::anyhow!("penalties[{i}].penalty: {e}"))?;
        let is_enet = matches!(base, PenaltySpec::Enet { .. });
        let has_gamma = matches!(base, PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. });
        if entry.l1_ratio.is_some() && !is_enet {
            bail!("penalties[{i}]: key `l1_ratio` applies to penalty enet only, not {}", base.name());
        }
        if entry.gamma.is_some() && !has_gamma {
            bail!("penalties[{i}]: key `gamma` applies to penalties mcp and scad only, not {}", base.name());
        }
        let values: Vec<Option<f64>> = match (&entry.l1_ratio, &entry.gamma) {
            (Some(a), _) | (_, Some(a)) => a.0.iter().map(|v| Some(*v)).collect(),
            _ => vec![None],
        };
        for v in values {
            let spec = if is_enet {
                PenaltySpec::from_name(base.name(), v, None)
            } else if has_gamma {
                PenaltySpec::from_name(base.name(), None, v)
            } else {
                Ok(base)
            }
            .map_err(|e| anyhow::anyhow!("{}: {e}", ctx()))?;
            let id = match spec {
                PenaltySpec::Enet { l1_ratio } => format!("enet_r{l1_ratio}"),
                PenaltySpec::Mcp { gamma } | PenaltySpec::Scad { gamma } => format!("{}_g{gamma}", spec.name()),
                _ => spec.name().to_string(),
            };
            if out.iter().any(|p: &PenaltyInstance| p.id == id) {
                bail!("{}: penalty {id} appears more than once", ctx());
            }
            out.push(PenaltyInstance { id, spec, n_alphas: entry.n_alphas, eps: entry.eps });
        }
    }
    Ok(out)
}

impl Plan {
    /// Expands a validated configuration; reads file datasets (errors name the entry).
    pub fn new(config: &SweepConfig) -> Result<Plan> {
        config.validate()?;
        let datafit = config.datafit()?;
        let mut datasets: Vec<DatasetInstance> = Vec::new();
        for (i, entry) in config.datasets.iter().enumerate() {
            let instances = if entry.family.is_some() {
                expand_synthetic(entry, i)?
            } else if entry.simulate.is_some() {
                expand_simulated(entry, i, datafit, &config.evaluation)?
            } else {
                vec![load_files(entry, i, datafit, &config.evaluation)?]
            };
            for inst in instances {
                if datasets.iter().any(|d| d.id == inst.id) {
                    bail!(
                        "datasets[{i}]: dataset id {} appears more than once (give the entries distinct `name`s)",
                        inst.id
                    );
                }
                check_split_sizes(config, &inst).with_context(|| format!("datasets[{i}] ({})", inst.id))?;
                datasets.push(inst);
            }
        }
        let penalties = expand_penalties(config)?;
        let mut tasks = Vec::new();
        let mut units = Vec::new();
        for (d, ds) in datasets.iter().enumerate() {
            let first_task = tasks.len();
            for (q, pen) in penalties.iter().enumerate() {
                for r in 0..ds.replicates {
                    tasks.push(Task {
                        index: tasks.len(),
                        id: format!("{}__{}__r{r}", ds.id, pen.id),
                        dataset: d,
                        penalty: q,
                        replicate: r,
                    });
                }
            }
            for r in 0..ds.replicates {
                units.push(Unit {
                    dataset: d,
                    replicate: r,
                    tasks: (first_task..tasks.len()).filter(|&t| tasks[t].replicate == r).collect(),
                    data_seed: derive_seed(config.seed, "data", &ds.id, r),
                    split_seed: derive_seed(config.seed, "split", &ds.id, r),
                });
            }
        }
        let coef_tasks = match &config.plot.coef_paths {
            Some(list) => {
                for id in list {
                    if !tasks.iter().any(|t| &t.id == id) {
                        let examples: Vec<&str> = tasks.iter().take(3).map(|t| t.id.as_str()).collect();
                        bail!("plot.coef_paths: no task has id {id} (task ids look like {})", examples.join(", "));
                    }
                }
                list.clone()
            }
            None => {
                let first: Vec<&Task> = tasks.iter().filter(|t| t.dataset == 0 && t.replicate == 0).collect();
                let mut chosen: Vec<String> = ["lasso", "mcp"]
                    .iter()
                    .filter_map(|name| first.iter().find(|t| penalties[t.penalty].spec.name() == *name))
                    .map(|t| t.id.clone())
                    .collect();
                if chosen.is_empty()
                    && let Some(t) = first.first()
                {
                    chosen.push(t.id.clone());
                }
                chosen
            }
        };
        Ok(Plan { datasets, penalties, tasks, units, coef_tasks })
    }
}

/// Sample counts of the parts: (train, validation, test).
pub fn split_sizes(n: usize, test: f64, validation: f64) -> (usize, usize, usize) {
    let n_test = ((n as f64) * test).round() as usize;
    let n_val = ((n as f64) * validation).round() as usize;
    (n.saturating_sub(n_test + n_val), n_val, n_test)
}

fn check_split_sizes(config: &SweepConfig, ds: &DatasetInstance) -> Result<()> {
    if ds.fixed.is_some() {
        // the files' parts were checked as they were read (FixedSplit::read)
        return Ok(());
    }
    let e = &config.evaluation;
    let (train, val, test) = split_sizes(ds.n, e.test, e.validation_fraction());
    if e.has_test() && test < 1 {
        bail!("n = {} leaves no test sample with evaluation.test = {}", ds.n, e.test);
    }
    if e.validation_fraction() > 0.0 && val < 1 {
        bail!("n = {} leaves no validation sample with evaluation.validation = {}", ds.n, e.validation_fraction());
    }
    let folds = e.folds();
    let min_train = if folds > 0 { 2 * folds } else { 2 };
    if train < min_train {
        bail!("n = {} leaves {train} training samples; at least {min_train} are needed", ds.n);
    }
    Ok(())
}
