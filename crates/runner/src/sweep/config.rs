//! The sweep configuration (TOML): datasets with parameter axes, penalties with their axes, the
//! alpha grid, solver options, evaluation (validation split or K-fold CV), seed, threads, output
//! directory and plots.
//!
//! Every table rejects unknown keys (the error names the key); values are checked by
//! [`SweepConfig::validate`], whose messages name the offending key (`datasets[1].rho`, …).
//! [`DEFAULT_CONFIG`] is the built-in default sweep.

use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The built-in default sweep (`regpath sweep` with no configuration file).
pub const DEFAULT_CONFIG: &str = include_str!("default.toml");

/// Default master seed.
pub const DEFAULT_SEED: u64 = 20_260_401;

/// A parameter axis: one value or a list of values (`rho = 0.5` or `rho = [0.2, 0.5, 0.8]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis<T>(pub Vec<T>);

impl<T: Serialize> Serialize for Axis<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Axis<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AxisVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for AxisVisitor<T> {
            type Value = Axis<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a list of numbers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(v) = seq.next_element()? {
                    values.push(v);
                }
                if values.is_empty() {
                    return Err(de::Error::custom("an empty list (give at least one value)"));
                }
                Ok(Axis(values))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(de::value::I64Deserializer::new(v)).map(|t| Axis(vec![t]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(de::value::U64Deserializer::new(v)).map(|t| Axis(vec![t]))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(de::value::F64Deserializer::new(v)).map(|t| Axis(vec![t]))
            }
        }
        d.deserialize_any(AxisVisitor(PhantomData))
    }
}

/// A whole sweep.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    /// A label for the sweep (recorded in the manifest).
    #[serde(default)]
    pub name: Option<String>,
    /// Master seed: every dataset, split and fold seed derives from it and the task's identity.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Worker threads (default: all cores). Does not change any result, so it is not part of
    /// the configuration hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// Output directory (default `regpath-sweep`). Not part of the configuration hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<PathBuf>,
    /// The datasets (`[[datasets]]`).
    #[serde(default)]
    pub datasets: Vec<DatasetConfig>,
    /// The penalties (`[[penalties]]`).
    #[serde(default)]
    pub penalties: Vec<PenaltyConfig>,
    /// The alpha grid.
    #[serde(default)]
    pub grid: GridConfig,
    /// Solver options.
    #[serde(default)]
    pub solver: SolverConfig,
    /// How alpha is chosen and the chosen model evaluated.
    #[serde(default)]
    pub evaluation: EvaluationConfig,
    /// Figures.
    #[serde(default)]
    pub plot: PlotConfig,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

/// Synthetic family names accepted in `family = "…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// X ~ U(0, 1), y = 2x₀ + 3x₁ + N(0, 1).
    Uniform,
    /// Pairwise correlation ρ (glmnet 2010).
    Equicorrelated,
    /// AR(1) correlation ρ^|i−j|, k effects.
    Toeplitz,
    /// SNP dosages with LD blocks, k causal SNPs, heritability h².
    Genotype,
    /// Sparse Gaussian design.
    SparseX,
}

impl Family {
    /// Name as written in configs.
    pub fn name(self) -> &'static str {
        match self {
            Family::Uniform => "uniform",
            Family::Equicorrelated => "equicorrelated",
            Family::Toeplitz => "toeplitz",
            Family::Genotype => "genotype",
            Family::SparseX => "sparse_x",
        }
    }

    /// The parameter keys this family accepts besides `n` and `p`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Family::Uniform => &[],
            Family::Equicorrelated => &["rho", "snr"],
            Family::Toeplitz => &["rho", "k", "snr"],
            Family::Genotype => &[
                "k",
                "h2",
                "maf_min",
                "maf_max",
                "block_size",
                "ld",
                "dup_frac",
                "flip_frac",
                "mono_frac",
                "missing_rate",
                "prevalence",
                "survival",
                "censoring",
            ],
            Family::SparseX => &["density", "k", "snr"],
        }
    }
}

/// One `[[datasets]]` entry: a synthetic family with parameter axes, or files.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatasetConfig {
    /// Label used in dataset ids (default: the family name, or the file's stem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Synthetic family.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// Samples (axis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<Axis<usize>>,
    /// Features (axis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<Axis<usize>>,
    /// Correlation ρ (axis; equicorrelated, toeplitz).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<Axis<f64>>,
    /// Nonzero effects (axis; toeplitz, genotype, sparse_x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<Axis<usize>>,
    /// Signal-to-noise ratio (axis; equicorrelated, toeplitz, sparse_x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snr: Option<Axis<f64>>,
    /// Heritability (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2: Option<Axis<f64>>,
    /// Case share of a case/control phenotype by the liability-threshold model (axis;
    /// genotype): y is 0/1, h2 is on the liability scale (`regpath gen --binary --prevalence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevalence: Option<Axis<f64>>,
    /// Smallest allele frequency (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maf_min: Option<Axis<f64>>,
    /// Largest allele frequency (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maf_max: Option<Axis<f64>>,
    /// SNPs per LD block (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_size: Option<Axis<usize>>,
    /// LD correlation within blocks (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ld: Option<Axis<f64>>,
    /// Fraction of SNPs that are exact copies of an earlier SNP of their block (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dup_frac: Option<Axis<f64>>,
    /// Fraction of the duplicates that are allele-flipped, 2 − g (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flip_frac: Option<Axis<f64>>,
    /// Fraction of monomorphic SNPs (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mono_frac: Option<Axis<f64>>,
    /// Per-call probability of a missing genotype, mean-imputed per SNP (axis; genotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_rate: Option<Axis<f64>>,
    /// Fraction of nonzero entries of X (axis; sparse_x).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<Axis<f64>>,
    /// A survival phenotype from a Cox model on the genetic value (genotype; `regpath gen
    /// --survival`): h2 on the log-time scale, y the signed time. For `solver.datafit = "cox"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival: Option<bool>,
    /// Expected censored fraction of a survival phenotype, in [0, 1) (axis; genotype with
    /// `survival = true`; default 0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring: Option<Axis<f64>>,
    /// X file (`.npy` or CSV).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<PathBuf>,
    /// y file (`.npy` or one-column CSV), with `x`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<PathBuf>,
    /// Survival times (>= 0) of the rows of `x`, instead of `y`, with `status`
    /// (`solver.datafit = "cox"`; `regpath path --time`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<PathBuf>,
    /// Event indicators (1 = event, 0 = censored) of the rows of `x`, with `time`
    /// (`regpath path --status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PathBuf>,
    /// Optional true coefficients (`.npy` or CSV), with `x`: enables support-recovery columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta: Option<PathBuf>,
    /// PLINK 1 fileset prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bed: Option<PathBuf>,
    /// Phenotype file for `bed` (FID IID v1 v2 …); default the `.fam` phenotype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pheno: Option<PathBuf>,
    /// Which phenotype column of a `bed` dataset (1-based, default 1, as `regpath path
    /// --pheno-col`): of the `.fam` counted from its sixth field (GEMMA's extended `.fam`), or of
    /// `pheno` counted from its first value column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pheno_col: Option<usize>,
    /// The survival-time column of a `bed` dataset (1-based, as `pheno_col`), instead of
    /// `pheno_col`, with `status_col` (`solver.datafit = "cox"`; `regpath path --time-col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_col: Option<usize>,
    /// The event-indicator column (1 = event, 0 = censored) of a `bed` dataset, with
    /// `time_col` (`regpath path --status-col`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_col: Option<usize>,
    /// Unpenalized covariates (file and PLINK datasets), as `regpath path --covariates`: `.npy`
    /// or CSV with one row per sample of `x`, or a `FID IID c1 … cq` table for `bed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariates: Option<PathBuf>,
    /// Penalty factor of each column of X (file and PLINK datasets), as `regpath path
    /// --penalty-factor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_factor: Option<PathBuf>,
    /// SNP ids to fit, others left out (`bed` datasets; PLINK's `--extract`, as `regpath path
    /// --extract`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extract: Option<PathBuf>,
    /// SNP ids to leave out (`bed` datasets; PLINK's `--exclude`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<PathBuf>,
    /// Smallest minor allele frequency fitted (`bed` datasets; PLINK's `--maf`, over every
    /// sample with a phenotype).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maf: Option<f64>,
    /// Phenotypes simulated on the genotypes of a `bed` dataset, a new one per replicate
    /// (`regpath gen --bed`): `simulate = { k = …, h2 = …, maf_alpha = …, prevalence = … }`,
    /// each key an axis. The true effects enable the support-recovery columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simulate: Option<SimulateConfig>,
    /// The dataset's own train/validation/test assignment (file and PLINK datasets;
    /// `sweep::fixed_split`): every replicate uses it instead of a random split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<PathBuf>,
    /// The dataset's own CV folds (file and PLINK datasets, `method = "cv"`;
    /// `sweep::fixed_split`): a 1-based fold per training sample, `NA` for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<PathBuf>,
    /// Replicates: new data (synthetic) and a new random split (all datasets) per replicate.
    #[serde(default = "one")]
    pub replicates: usize,
}

fn one() -> usize {
    1
}

/// `simulate = { … }` of a `bed` dataset: the axes of [`regpath_datagen::SimulateSpec`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SimulateConfig {
    /// Causal SNPs, drawn uniformly among the polymorphic SNPs fitted (axis).
    pub k: Axis<usize>,
    /// Heritability var(g)/var(y), exact in the sample; on the liability scale with
    /// `prevalence` (axis).
    pub h2: Axis<f64>,
    /// α of the per-allele effect variance [2f(1 − f)]^α (axis; default −1, GCTA's model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maf_alpha: Option<Axis<f64>>,
    /// Case share of a case/control phenotype by the liability threshold (axis; y is 0/1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevalence: Option<Axis<f64>>,
    /// A survival phenotype from a Cox model on g (`regpath gen --bed … --survival`): h2 on
    /// the log-time scale. For `solver.datafit = "cox"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survival: Option<bool>,
    /// Expected censored fraction of the survival phenotype, in [0, 1) (axis; with
    /// `survival = true`; default 0.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censoring: Option<Axis<f64>>,
}

impl SimulateConfig {
    /// Whether the simulated phenotype is a survival one.
    pub fn is_survival(&self) -> bool {
        self.survival == Some(true)
    }

    /// The censoring values to simulate: `None` (not survival), or each value of `censoring`
    /// (default [`regpath_datagen::survival::DEFAULT_CENSORING`]).
    pub fn censorings(&self) -> Vec<Option<f64>> {
        match (self.is_survival(), &self.censoring) {
            (false, _) => vec![None],
            (true, None) => vec![Some(regpath_datagen::survival::DEFAULT_CENSORING)],
            (true, Some(a)) => a.0.iter().map(|v| Some(*v)).collect(),
        }
    }
}

impl DatasetConfig {
    /// The family-parameter keys present in this entry, with whether each is set.
    fn family_keys(&self) -> [(&'static str, bool); 18] {
        [
            ("n", self.n.is_some()),
            ("p", self.p.is_some()),
            ("rho", self.rho.is_some()),
            ("k", self.k.is_some()),
            ("snr", self.snr.is_some()),
            ("h2", self.h2.is_some()),
            ("prevalence", self.prevalence.is_some()),
            ("maf_min", self.maf_min.is_some()),
            ("maf_max", self.maf_max.is_some()),
            ("block_size", self.block_size.is_some()),
            ("ld", self.ld.is_some()),
            ("dup_frac", self.dup_frac.is_some()),
            ("flip_frac", self.flip_frac.is_some()),
            ("mono_frac", self.mono_frac.is_some()),
            ("missing_rate", self.missing_rate.is_some()),
            ("density", self.density.is_some()),
            ("survival", self.survival.is_some()),
            ("censoring", self.censoring.is_some()),
        ]
    }

    /// Whether the dataset's response is a survival one: a synthetic or simulated phenotype with
    /// `survival = true`, or files with `time`/`status` (`time_col`/`status_col`).
    pub fn is_survival(&self) -> bool {
        self.survival == Some(true)
            || self.simulate.as_ref().is_some_and(SimulateConfig::is_survival)
            || self.time.is_some()
            || self.status.is_some()
            || self.time_col.is_some()
            || self.status_col.is_some()
    }

    fn file_keys(&self) -> [(&'static str, bool); 18] {
        [
            ("split", self.split.is_some()),
            ("folds", self.folds.is_some()),
            ("simulate", self.simulate.is_some()),
            ("extract", self.extract.is_some()),
            ("exclude", self.exclude.is_some()),
            ("maf", self.maf.is_some()),
            ("covariates", self.covariates.is_some()),
            ("penalty_factor", self.penalty_factor.is_some()),
            ("x", self.x.is_some()),
            ("y", self.y.is_some()),
            ("beta", self.beta.is_some()),
            ("bed", self.bed.is_some()),
            ("pheno", self.pheno.is_some()),
            ("pheno_col", self.pheno_col.is_some()),
            ("time", self.time.is_some()),
            ("status", self.status.is_some()),
            ("time_col", self.time_col.is_some()),
            ("status_col", self.status_col.is_some()),
        ]
    }
}

/// One `[[penalties]]` entry.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PenaltyConfig {
    /// `lasso`, `ridge`, `enet`, `mcp` or `scad`.
    pub penalty: String,
    /// Elastic-net mixing (axis; enet only; default 0.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l1_ratio: Option<Axis<f64>>,
    /// γ (axis; mcp default 3, scad default 3.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<Axis<f64>>,
    /// Number of alphas for this penalty (overrides `grid.n_alphas`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_alphas: Option<usize>,
    /// Smallest alpha / alpha_max for this penalty (overrides `grid.eps`; ridge usually needs a
    /// smaller value, its alpha_max being 1000 times larger by glmnet's convention).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
}

/// `[grid]`: alphas relative to each training set's alpha_max, or an explicit absolute list.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    /// Number of alphas (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n_alphas: Option<usize>,
    /// Smallest alpha / alpha_max (default 0.01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// Explicit absolute alphas (instead of `n_alphas`/`eps`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alphas: Option<Vec<f64>>,
    /// Stop each path after the first alpha with more nonzero coefficients than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_nnz: Option<usize>,
    /// Stop each path at the first alpha whose training R² reaches this value, in (0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_saturated: Option<f64>,
    /// Early stopping on held-out error: a path stops after this many consecutive alphas whose
    /// held-out error (validation loss; for a CV fold, its held-out fold's) is not below the
    /// best so far (`stop_reason = no_improvement`). 0 (the default) is off. With CV the folds
    /// run first and the training path stops at the CV-chosen alpha.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
}

/// Default number of alphas in a sweep.
pub const DEFAULT_N_ALPHAS: usize = 50;
/// Default eps in a sweep.
pub const DEFAULT_EPS: f64 = 1e-2;

impl GridConfig {
    /// `n_alphas` with its default.
    pub fn n_alphas(&self) -> usize {
        self.n_alphas.unwrap_or(DEFAULT_N_ALPHAS)
    }
    /// `eps` with its default.
    pub fn eps(&self) -> f64 {
        self.eps.unwrap_or(DEFAULT_EPS)
    }
}

/// `[solver]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SolverConfig {
    /// Certificate tolerance at every alpha (default 1e-6).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Epochs allowed per alpha (default 10,000).
    #[serde(default = "default_max_epochs")]
    pub max_epochs: usize,
    /// Standardize columns (default true).
    #[serde(default = "yes")]
    pub standardize: bool,
    /// Fit an intercept (default true).
    #[serde(default = "yes")]
    pub intercept: bool,
    /// The datafit of every task: `quadratic` (default), `logistic` (0/1 labels; PLINK's 1/2
    /// coding of a `.fam` or phenotype file is recoded) or `cox` (a survival response in every
    /// dataset). Logistic tasks choose alpha by mean binomial deviance and report test deviance,
    /// AUC and misclassification; Cox tasks by the partial-likelihood deviance of the held-out
    /// samples, and report test deviance and C-index.
    #[serde(default = "quadratic")]
    pub datafit: String,
    /// Tied event times of `datafit = "cox"`: `breslow` (default, glmnet's) or `efron`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ties: Option<String>,
}

fn quadratic() -> String {
    "quadratic".to_string()
}

fn default_tol() -> f64 {
    1e-6
}
fn default_max_epochs() -> usize {
    10_000
}
fn yes() -> bool {
    true
}

impl Default for SolverConfig {
    fn default() -> Self {
        SolverConfig {
            tol: default_tol(),
            max_epochs: default_max_epochs(),
            standardize: true,
            intercept: true,
            datafit: quadratic(),
            ties: None,
        }
    }
}

/// How alpha is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Training / validation / test split: alpha minimizes the validation MSE.
    #[default]
    Validation,
    /// K-fold cross-validation on the training part (minimum and one-standard-error rule).
    Cv,
}

impl Method {
    /// `validation` or `cv`.
    pub fn name(self) -> &'static str {
        match self {
            Method::Validation => "validation",
            Method::Cv => "cv",
        }
    }
}

/// `[evaluation]`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EvaluationConfig {
    /// `validation` (default) or `cv`.
    #[serde(default)]
    pub method: Method,
    /// Fraction of the samples held out as the test part (never used to choose alpha;
    /// default 0.2). 0 (only with `method = "cv"`) leaves no test part: every sample trains,
    /// CV chooses alpha and the test metrics are empty.
    #[serde(default = "default_test")]
    pub test: f64,
    /// Fraction of the samples used to choose alpha (`method = "validation"`; default 0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<f64>,
    /// Folds of the cross-validation on the training part (`method = "cv"`; default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
}

fn default_test() -> f64 {
    0.2
}

/// Default validation fraction.
pub const DEFAULT_VALIDATION: f64 = 0.2;
/// Default number of CV folds.
pub const DEFAULT_FOLDS: usize = 5;

impl Default for EvaluationConfig {
    fn default() -> Self {
        EvaluationConfig { method: Method::Validation, test: default_test(), validation: None, folds: None }
    }
}

impl EvaluationConfig {
    /// Whether there is a test part (`test > 0`); without one every test metric is empty.
    pub fn has_test(&self) -> bool {
        self.test > 0.0
    }

    /// Validation fraction (0 with CV).
    pub fn validation_fraction(&self) -> f64 {
        match self.method {
            Method::Validation => self.validation.unwrap_or(DEFAULT_VALIDATION),
            Method::Cv => 0.0,
        }
    }
    /// Folds (0 without CV).
    pub fn folds(&self) -> usize {
        match self.method {
            Method::Validation => 0,
            Method::Cv => self.folds.unwrap_or(DEFAULT_FOLDS),
        }
    }
}

/// `[plot]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlotConfig {
    /// Task ids whose coefficient paths are kept (`coefs.csv`) and drawn. Default: the first
    /// `lasso` and `mcp` tasks (in plan order) of the first dataset's replicate 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coef_paths: Option<Vec<String>>,
}

impl SweepConfig {
    /// Parses a TOML configuration; relative file paths are resolved against `base_dir`.
    pub fn from_toml(text: &str, base_dir: Option<&Path>) -> Result<Self> {
        let mut config: SweepConfig = toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))?;
        if let Some(base) = base_dir {
            for d in &mut config.datasets {
                let paths = [
                    &mut d.x,
                    &mut d.y,
                    &mut d.time,
                    &mut d.status,
                    &mut d.beta,
                    &mut d.bed,
                    &mut d.pheno,
                    &mut d.covariates,
                    &mut d.penalty_factor,
                    &mut d.extract,
                    &mut d.exclude,
                    &mut d.split,
                    &mut d.folds,
                ];
                for path in paths.into_iter().flatten() {
                    if path.is_relative() {
                        *path = base.join(&*path);
                    }
                }
            }
            if let Some(out) = &mut config.out
                && out.is_relative()
            {
                *out = base.join(&*out);
            }
        }
        Ok(config)
    }

    /// Reads and parses a configuration file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read sweep configuration {}", path.display()))?;
        let base = path.parent().filter(|p| !p.as_os_str().is_empty());
        Self::from_toml(&text, base).with_context(|| format!("invalid sweep configuration {}", path.display()))
    }

    /// The built-in default sweep.
    pub fn default_sweep() -> Self {
        Self::from_toml(DEFAULT_CONFIG, None).expect("the built-in default sweep parses")
    }

    /// The datafit of `[solver] datafit`.
    pub fn datafit(&self) -> Result<regpath_solver::DatafitKind> {
        let datafit = regpath_solver::DatafitKind::from_name(&self.solver.datafit)
            .map_err(|e| anyhow::anyhow!("solver.datafit: {e}"))?;
        let Some(ties) = &self.solver.ties else { return Ok(datafit) };
        if datafit.ties().is_none() {
            anyhow::bail!("solver.ties is for solver.datafit = \"cox\", not \"{}\"", datafit.as_str());
        }
        let ties = regpath_solver::CoxTies::from_name(ties).map_err(|e| anyhow::anyhow!("solver.ties: {e}"))?;
        Ok(datafit.with_ties(ties)?)
    }

    /// Checks every value that does not need the data; messages name the key.
    pub fn validate(&self) -> Result<()> {
        if self.datasets.is_empty() {
            bail!("no datasets: add at least one [[datasets]] table");
        }
        if self.penalties.is_empty() {
            bail!("no penalties: add at least one [[penalties]] table");
        }
        if self.threads == Some(0) {
            bail!("threads must be at least 1, got 0");
        }
        let datafit = self.datafit()?;
        for (i, d) in self.datasets.iter().enumerate() {
            validate_dataset(d).with_context(|| format!("datasets[{i}]"))?;
            validate_response(d, datafit).with_context(|| format!("datasets[{i}]"))?;
        }
        let g = &self.grid;
        if g.alphas.is_some() && (g.n_alphas.is_some() || g.eps.is_some()) {
            bail!("grid: give either alphas (absolute) or n_alphas/eps (relative to alpha_max), not both");
        }
        self.path_options(None, None, None)?;
        for (i, p) in self.penalties.iter().enumerate() {
            if g.alphas.is_some() && (p.n_alphas.is_some() || p.eps.is_some()) {
                bail!("penalties[{i}]: n_alphas/eps cannot be combined with an explicit grid.alphas");
            }
            if let Some(eps) = p.eps
                && !(eps > 0.0 && eps < 1.0)
            {
                bail!("penalties[{i}].eps must be in (0, 1), got {eps}");
            }
            if p.n_alphas == Some(0) {
                bail!("penalties[{i}].n_alphas must be at least 1, got 0");
            }
        }
        if g.max_nnz == Some(0) {
            bail!("grid.max_nnz must be at least 1, got 0");
        }
        let e = &self.evaluation;
        if e.test == 0.0 {
            if e.method == Method::Validation {
                bail!(
                    "evaluation.test = 0 needs method = \"cv\": with method = \"validation\" every model would be \
                     chosen and scored without held-out test data (give evaluation.test in (0, 1), or method = \"cv\")"
                );
            }
        } else if !(e.test > 0.0 && e.test < 1.0) {
            bail!(
                "evaluation.test must be a fraction in (0, 1) (or 0 with method = \"cv\": no test part), got {}",
                e.test
            );
        }
        match e.method {
            Method::Validation => {
                if e.folds.is_some() {
                    bail!("evaluation.folds applies to method = \"cv\" only (method is \"validation\")");
                }
                let v = e.validation_fraction();
                if !(v > 0.0 && v < 1.0) {
                    bail!("evaluation.validation must be a fraction in (0, 1), got {v}");
                }
                if e.test + v >= 1.0 {
                    bail!(
                        "evaluation.test + evaluation.validation must leave samples for training (< 1), got {} + {v}",
                        e.test
                    );
                }
            }
            Method::Cv => {
                if e.validation.is_some() {
                    bail!("evaluation.validation applies to method = \"validation\" only (method is \"cv\")");
                }
                if e.folds() < 2 {
                    bail!("evaluation.folds must be at least 2, got {}", e.folds());
                }
            }
        }
        Ok(())
    }

    /// Solver options for a path: explicit alphas if given, else the configured grid with a
    /// penalty's own `n_alphas`/`eps` when set.
    pub fn path_options(
        &self,
        explicit: Option<Vec<f64>>,
        n_alphas: Option<usize>,
        eps: Option<f64>,
    ) -> Result<regpath_solver::PathOptions> {
        use regpath_solver::{AlphaGrid, PathOptions};
        let datafit = self.datafit()?;
        let grid = match (explicit, &self.grid.alphas) {
            (Some(list), _) => AlphaGrid::Explicit(list),
            (None, Some(list)) => AlphaGrid::Explicit(list.clone()),
            (None, None) => AlphaGrid::Geometric {
                n_alphas: n_alphas.unwrap_or(self.grid.n_alphas()),
                eps: eps.unwrap_or(self.grid.eps()),
            },
        };
        let options = PathOptions {
            datafit,
            grid,
            tol: self.solver.tol,
            max_epochs: self.solver.max_epochs,
            max_nnz: self.grid.max_nnz,
            stop_saturated: self.grid.stop_saturated,
            ..PathOptions::default()
        };
        options.validate().map_err(|e| {
            let msg = e.to_string();
            let key = if msg.starts_with("tol") || msg.starts_with("max_epochs") { "solver" } else { "grid" };
            anyhow::anyhow!(
                "{key}.{}",
                msg.replace("the alpha list", "alphas: the list").replace("every alpha", "alphas: every value")
            )
        })?;
        Ok(options)
    }
}

fn validate_dataset(d: &DatasetConfig) -> Result<()> {
    if d.replicates == 0 {
        bail!("replicates must be at least 1, got 0");
    }
    let set_files: Vec<&str> = d.file_keys().iter().filter(|(_, s)| *s).map(|(k, _)| *k).collect();
    match d.family {
        Some(family) => {
            if let Some(k) = set_files.first() {
                bail!("key `{k}` cannot be combined with `family` (a dataset is either synthetic or read from files)");
            }
            if d.n.is_none() || d.p.is_none() {
                bail!("family {} needs `n` and `p`", family.name());
            }
            let allowed = family.parameters();
            for (key, set) in d.family_keys() {
                if set && key != "n" && key != "p" && !allowed.contains(&key) {
                    bail!(
                        "key `{key}` does not apply to family {} (it takes n, p{}{})",
                        family.name(),
                        if allowed.is_empty() { "" } else { ", " },
                        allowed.join(", ")
                    );
                }
            }
        }
        None => {
            if let Some((k, _)) = d.family_keys().iter().find(|(_, s)| *s) {
                bail!(
                    "key `{k}` needs `family` (files take x, y or time and status, beta, or bed, pheno, pheno_col or time_col and status_col, extract, exclude, maf, simulate, and covariates, penalty_factor, split, folds)"
                );
            }
            match (&d.x, &d.bed) {
                (Some(_), Some(_)) => bail!("give either `x` (with `y`) or `bed`, not both"),
                (Some(_), None) => {
                    match (&d.y, &d.time, &d.status) {
                        (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                        (None, None, None) => bail!("`x` needs `y` (the response file), or `time` and `status`"),
                        (Some(_), _, _) => bail!("give `y`, or `time` and `status` (survival), not both"),
                        (None, Some(_), None) => bail!("`time` needs `status` (the event indicators)"),
                        (None, None, Some(_)) => bail!("`status` needs `time` (the survival times)"),
                    }
                    for (key, set) in [("time_col", d.time_col.is_some()), ("status_col", d.status_col.is_some())] {
                        if set {
                            bail!("`{key}` applies to `bed` datasets (with `x` give `time` and `status` files)");
                        }
                    }
                    if d.pheno.is_some() {
                        bail!("`pheno` applies to `bed` datasets only");
                    }
                    if d.simulate.is_some() {
                        bail!("`simulate` draws phenotypes on the genotypes of `bed` datasets only");
                    }
                    if d.pheno_col.is_some() {
                        bail!("`pheno_col` applies to `bed` datasets only");
                    }
                    for (key, set) in
                        [("extract", d.extract.is_some()), ("exclude", d.exclude.is_some()), ("maf", d.maf.is_some())]
                    {
                        if set {
                            bail!("`{key}` selects SNPs of `bed` datasets only");
                        }
                    }
                }
                (None, Some(_)) => {
                    if d.y.is_some() || d.beta.is_some() {
                        bail!("`bed` datasets take `pheno`, not `y`/`beta`");
                    }
                    if d.time.is_some() || d.status.is_some() {
                        bail!(
                            "`bed` datasets take `time_col` and `status_col` (columns of `pheno` or the .fam), not `time`/`status` files"
                        );
                    }
                    match (d.time_col, d.status_col) {
                        (Some(_), None) => bail!("`time_col` needs `status_col` (the event-indicator column)"),
                        (None, Some(_)) => bail!("`status_col` needs `time_col` (the survival-time column)"),
                        (Some(t), Some(s)) => {
                            if t == 0 || s == 0 {
                                bail!(
                                    "time_col and status_col are 1-based (1 is the .fam sixth field, or the first value column of `pheno`)"
                                );
                            }
                            if d.pheno_col.is_some() {
                                bail!("`time_col` replaces `pheno_col` (the survival time is the phenotype column)");
                            }
                            if d.simulate.is_some() {
                                bail!(
                                    "`time_col`/`status_col` cannot be combined with `simulate` (the phenotype is simulated: give simulate.survival = true)"
                                );
                            }
                        }
                        (None, None) => {}
                    }
                    if let Some(maf) = d.maf
                        && !(0.0..=0.5).contains(&maf)
                    {
                        bail!("maf must be in [0, 0.5], got {maf}");
                    }
                    if let Some(sim) = &d.simulate {
                        validate_simulate(d, sim)?;
                    }
                    if d.pheno_col == Some(0) {
                        bail!(
                            "pheno_col must be at least 1 (1 is the .fam sixth field, or the first value column of \
                             `pheno`), got 0"
                        );
                    }
                }
                (None, None) => bail!("give `family` (synthetic), `x` and `y` (files) or `bed` (PLINK)"),
            }
        }
    }
    Ok(())
}

/// A survival dataset goes with `solver.datafit = "cox"`, and a Cox sweep needs a survival
/// response in every dataset.
fn validate_response(d: &DatasetConfig, datafit: regpath_solver::DatafitKind) -> Result<()> {
    let cox = datafit.response() == regpath_solver::ResponseKind::Survival;
    match (cox, d.is_survival()) {
        (true, false) => bail!(
            "solver.datafit = \"{}\" needs a survival response: give `survival = true` (family genotype, or in \
             `simulate`), `time` and `status` (with `x`), or `time_col` and `status_col` (with `bed`)",
            datafit.as_str()
        ),
        (false, true) => bail!(
            "a survival response (survival, time/status, time_col/status_col) is for solver.datafit = \"cox\", \
             not \"{}\"",
            datafit.as_str()
        ),
        _ => Ok(()),
    }
}

/// `simulate` replaces the phenotype: no `pheno`/`pheno_col`; every axis value is checked as
/// `regpath gen --bed` checks its flags.
fn validate_simulate(d: &DatasetConfig, sim: &SimulateConfig) -> Result<()> {
    for (key, set) in [("pheno", d.pheno.is_some()), ("pheno_col", d.pheno_col.is_some())] {
        if set {
            bail!("`{key}` cannot be combined with `simulate` (the phenotype is simulated)");
        }
    }
    let maf_alphas = sim.maf_alpha.as_ref().map_or(vec![regpath_datagen::simulate::DEFAULT_MAF_ALPHA], |a| a.0.clone());
    let prevalences: Vec<Option<f64>> =
        sim.prevalence.as_ref().map_or(vec![None], |a| a.0.iter().map(|v| Some(*v)).collect());
    if sim.censoring.is_some() && !sim.is_survival() {
        bail!("simulate.censoring applies to a survival phenotype: give simulate.survival = true");
    }
    if sim.is_survival() && sim.prevalence.is_some() {
        bail!("simulate.survival and simulate.prevalence cannot be combined (a phenotype is survival or case/control)");
    }
    for &k in &sim.k.0 {
        for &h2 in &sim.h2.0 {
            for &maf_alpha in &maf_alphas {
                for &prevalence in &prevalences {
                    for censoring in sim.censorings() {
                        let spec = regpath_datagen::SimulateSpec {
                            causal: regpath_datagen::CausalSnps::Random(k),
                            h2,
                            maf_alpha,
                            prevalence,
                            censoring,
                        };
                        spec.validate().map_err(|e| anyhow::anyhow!("simulate: {e}"))?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::plan::Plan;
    use regpath_datagen::FamilySpec;

    const PENALTY: &str = "[[penalties]]\npenalty = \"lasso\"\n";

    #[test]
    fn genotype_defect_keys_reach_the_spec() {
        let text = format!(
            "{PENALTY}[[datasets]]\nfamily = \"genotype\"\nn = 40\np = 100\n\
             dup_frac = [0.0, 0.2]\nflip_frac = 0.5\nmono_frac = 0.1\nmissing_rate = 0.02\n"
        );
        let config = SweepConfig::from_toml(&text, None).unwrap();
        config.validate().unwrap();
        let plan = Plan::new(&config).unwrap();
        assert_eq!(plan.datasets.len(), 2);
        assert_eq!(plan.datasets[1].id, "genotype_n40_p100_dup_frac0.2_flip_frac0.5_mono_frac0.1_missing_rate0.02");
        let crate::sweep::plan::DataOrigin::Synthetic(spec) = &plan.datasets[1].origin else {
            panic!("a synthetic dataset");
        };
        assert!(matches!(*spec, FamilySpec::Genotype { dup_frac, flip_frac, mono_frac, missing_rate, .. }
            if dup_frac == 0.2 && flip_frac == 0.5 && mono_frac == 0.1 && missing_rate == 0.02));
    }

    #[test]
    fn genotype_defect_keys_are_checked() {
        let plan_err = |extra: &str| {
            let text = format!("{PENALTY}[[datasets]]\nfamily = \"{extra}\n");
            match SweepConfig::from_toml(&text, None).and_then(|c| c.validate().and_then(|()| Plan::new(&c))) {
                Ok(_) => panic!("expected an error for {extra}"),
                Err(e) => format!("{e:#}"),
            }
        };
        let e = plan_err("toeplitz\"\nn = 40\np = 100\nmissing_rate = 0.1");
        assert!(e.contains("key `missing_rate` does not apply to family toeplitz"), "{e}");
        let e = plan_err("genotype\"\nn = 40\np = 100\nmono_frac = 1.5");
        assert!(e.contains("mono_frac must be in [0, 1), got 1.5"), "{e}");
        let e = plan_err("genotype\"\nn = 40\np = 100\ndup_fraction = 0.1");
        assert!(e.contains("dup_fraction"), "{e}");
    }
}
