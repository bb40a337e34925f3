//! `model.json`: what `regpath predict` needs to apply a fitted path to new samples
//! (docs/predict.md).
//!
//! The coefficients stay in `coefs.csv`, on the original scale of X, so a prediction is
//! `η = b_k + Σ_j β_kj·x_j (+ Σ_c γ_kc·z_c)` with no standardization parameters. What is
//! recorded here is everything else: the alphas and intercepts, the datafit and penalty, the
//! identity of every feature (for a PLINK fileset its `.bim` record and its training mean, the
//! mean dosage of allele 1 over the called genotypes of the samples the path was fitted on —
//! the value a missing call or an absent SNP takes), and a hash of the training data.

use std::path::Path;

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use regpath_datagen::io::atomic::write_atomic;
use regpath_datagen::{Bed, SnpTable, StringColumn};
use regpath_solver::DatafitKind;
use serde::{Deserialize, Serialize};

use crate::load::{LoadedInput, LoadedX};

/// `format` of a model file.
pub const MODEL_FORMAT: &str = "regpath-model";
/// Layout version.
pub const MODEL_VERSION: u32 = 1;
/// File name inside a `regpath path` output directory.
pub const MODEL_FILE: &str = "model.json";

/// A fitted path, as `model.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    /// Always [`MODEL_FORMAT`].
    pub format: String,
    /// [`MODEL_VERSION`].
    pub version: u32,
    /// `regpath` version that wrote it.
    pub regpath_version: String,
    /// `quadratic`, `logistic` (predictions are then probabilities σ(η)) or `cox` (the
    /// linear predictor η); see [`Model::datafit_kind`].
    pub datafit: String,
    /// The ties of a Cox model, `breslow` or `efron` (absent for the other datafits, and in
    /// models written before Efron's ties existed: Breslow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ties: Option<String>,
    /// `lasso`, `ridge`, `enet`, `mcp` or `scad`.
    pub penalty: String,
    /// Elastic-net mixing.
    pub l1_ratio: Option<f64>,
    /// γ of MCP/SCAD.
    pub gamma: Option<f64>,
    /// An intercept was fitted (never for Cox: its likelihood ignores a shift of η).
    pub fit_intercept: bool,
    /// Columns were standardized for the fit (coefficients are on the original scale anyway).
    pub standardize: bool,
    /// Certificate tolerance.
    pub tol: f64,
    /// α of each path point (`alpha_index` order).
    pub alphas: Vec<f64>,
    /// α / alpha_max.
    pub alpha_over_max: Vec<f64>,
    /// Intercept b_k of each point (original scale).
    pub intercepts: Vec<f64>,
    /// Nonzero coefficients of X at each point.
    pub nnz: Vec<usize>,
    /// File of the coefficients, relative to the model's folder; `None` when fitted with
    /// `--no-coefs` (such a fit cannot be applied).
    pub coefs: Option<String>,
    /// Columns of X (covariates excluded).
    pub n_features: usize,
    /// Identity of the columns of X.
    pub features: Features,
    /// Names of the unpenalized covariates (features `n_features + i` in `coefs.csv`).
    pub covariates: Vec<String>,
    /// For a PLINK covariate table (`--bed --covariates`), its columns and their encoding
    /// (numeric, or categorical with every level, the first the dropped reference), so that a
    /// new cohort's table is encoded into the same columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covariate_columns: Option<Vec<regpath_datagen::CovariateColumn>>,
    /// The training data.
    pub training: Training,
    /// Cross-validation (`regpath path --cv-folds …`): the chosen alphas and the fold file;
    /// absent without CV.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<crate::cv::CvRecord>,
}

/// Identity of the columns of X. In JSON an object tagged by `kind`: `{"kind": "matrix",
/// "names": [...] | null}` or `{"kind": "bed", "id": [...], "chromosome": [...], "position":
/// [...], "a1": [...], "a2": [...], "mean": [...]}`, read without buffering (a serde-tagged
/// enum would first copy the 10⁶-entry SNP table into an intermediate tree).
#[derive(Clone, Debug, Deserialize)]
#[serde(try_from = "FeaturesJson")]
pub enum Features {
    /// A dense matrix (`--x`): columns by position, with names when the file had a header.
    Matrix {
        /// Column names, when known.
        names: Option<Vec<String>>,
    },
    /// A PLINK fileset (`--bed`): per SNP its `.bim` record and training mean.
    Bed {
        /// The `.bim` records (allele 1 is the allele whose copies the dosages count).
        snps: Box<SnpTable>,
        /// Mean dosage of allele 1 over the called genotypes of the training samples.
        mean: Vec<f64>,
    },
}

/// [`Features`] as it reads from JSON: every field optional, checked by `try_from`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturesJson {
    kind: String,
    #[serde(default)]
    names: Option<Vec<String>>,
    id: Option<StringColumn>,
    chromosome: Option<StringColumn>,
    position: Option<Vec<i64>>,
    a1: Option<StringColumn>,
    a2: Option<StringColumn>,
    mean: Option<Vec<f64>>,
}

impl TryFrom<FeaturesJson> for Features {
    type Error = String;
    fn try_from(f: FeaturesJson) -> Result<Features, String> {
        match f.kind.as_str() {
            "matrix" => Ok(Features::Matrix { names: f.names }),
            "bed" => {
                let missing = |what: &str| format!("features of kind bed without `{what}`");
                let snps = Box::new(SnpTable {
                    id: f.id.ok_or_else(|| missing("id"))?,
                    chromosome: f.chromosome.ok_or_else(|| missing("chromosome"))?,
                    position: f.position.ok_or_else(|| missing("position"))?,
                    allele1: f.a1.ok_or_else(|| missing("a1"))?,
                    allele2: f.a2.ok_or_else(|| missing("a2"))?,
                });
                Ok(Features::Bed { snps, mean: f.mean.ok_or_else(|| missing("mean"))? })
            }
            other => Err(format!("unknown kind of features `{other}` (expected matrix or bed)")),
        }
    }
}

impl Serialize for Features {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Features::Matrix { names } => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("kind", "matrix")?;
                map.serialize_entry("names", names)?;
                map.end()
            }
            Features::Bed { snps, mean } => {
                let mut map = serializer.serialize_map(Some(7))?;
                map.serialize_entry("kind", "bed")?;
                map.serialize_entry("id", &snps.id)?;
                map.serialize_entry("chromosome", &snps.chromosome)?;
                map.serialize_entry("position", &snps.position)?;
                map.serialize_entry("a1", &snps.allele1)?;
                map.serialize_entry("a2", &snps.allele2)?;
                map.serialize_entry("mean", mean)?;
                map.end()
            }
        }
    }
}

/// The training data.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Training {
    /// Samples fitted.
    pub samples: usize,
    /// Where they came from.
    pub source: String,
    /// 64-bit fingerprint (hex) of the training data — FNV-1a over 8-byte little-endian words,
    /// each step `h = ((h ⊕ w)·P) ⊕ ((h ⊕ w)·P >> 32)` — of the values of X as stored (the
    /// `.bed` bytes, zero-padded to whole words, or the matrix in memory order), the indices of
    /// the samples used and y.
    pub data_hash: String,
}

/// One path point, as `regpath path` reports it.
pub struct PointRecord {
    /// α.
    pub alpha: f64,
    /// α / alpha_max.
    pub alpha_over_max: f64,
    /// Intercept.
    pub intercept: f64,
    /// Nonzero coefficients.
    pub nnz: usize,
}

/// Incremental FNV-1a over 64-bit words, with a fold of the high half into the low one at each
/// step (plain word-wise FNV never carries high bits down). Byte-wise FNV-1a took ~1 s on an
/// 800 MB matrix; by words it runs at memory speed.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn word(&mut self, w: u64) {
        let h = (self.0 ^ w).wrapping_mul(0x0100_0000_01b3);
        self.0 = h ^ (h >> 32);
    }

    /// Hashes `bytes` as little-endian words, the last one zero-padded.
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(last));
        }
    }
}

/// Mean dosage of allele 1 of the SNPs `columns` (every SNP when `None`) over the called
/// genotypes of `rows` (all samples when `None`); 0 for a SNP with no call. PLINK codes: `00`
/// → 2, `10` → 1, `11` → 0, `01` missing.
pub fn snp_means(bed: &Bed, rows: Option<&[usize]>, columns: Option<&[usize]>) -> Vec<f64> {
    let bps = bed.bytes_per_snp();
    let packed = bed.packed();
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..bed.n_samples()).collect();
            &all
        }
    };
    let p = columns.map_or(bed.n_snps(), <[usize]>::len);
    let mask = crate::plink_codes::sample_mask(bps, rows.iter().copied());
    (0..p)
        .into_par_iter()
        .with_min_len(256)
        .map(|j| {
            let j = columns.map_or(j, |c| c[j]);
            crate::plink_codes::called_mean_masked(&packed[j * bps..(j + 1) * bps], &mask, rows.len())
        })
        .collect()
}

/// Builds the model of a fitted path on `data`.
#[allow(clippy::too_many_arguments)]
pub fn build(
    data: &LoadedInput,
    datafit: DatafitKind,
    spec: regpath_solver::PenaltySpec,
    fit_intercept: bool,
    standardize: bool,
    tol: f64,
    points: &[PointRecord],
    with_coefs: bool,
) -> Result<Model> {
    let mut hash = Fnv::new();
    let (features, samples) = match &data.x {
        LoadedX::Dense(m) => {
            match m.view().as_slice_memory_order() {
                Some(values) => values.iter().for_each(|v| hash.word(v.to_bits())),
                None => m.view().iter().for_each(|v| hash.word(v.to_bits())),
            }
            (Features::Matrix { names: m.names.clone() }, m.n_rows())
        }
        LoadedX::Bed { bed, rows, columns } => {
            hash.write(bed.packed());
            if let Some(rows) = rows {
                rows.iter().for_each(|&i| hash.word(i as u64));
            }
            if let Some(columns) = columns {
                hash.word(u64::MAX);
                columns.iter().for_each(|&j| hash.word(j as u64));
            }
            let mean = snp_means(bed, rows.as_deref(), columns.as_deref());
            let samples = rows.as_ref().map_or(bed.n_samples(), |r| r.len());
            let snps = data.x.snp_table().expect("a PLINK design").into_owned();
            (Features::Bed { snps: Box::new(snps), mean }, samples)
        }
    };
    data.y.iter().for_each(|v| hash.word(v.to_bits()));
    Ok(Model {
        format: MODEL_FORMAT.into(),
        version: MODEL_VERSION,
        regpath_version: env!("CARGO_PKG_VERSION").into(),
        datafit: datafit.as_str().into(),
        ties: datafit.ties().map(|t| t.as_str().into()),
        penalty: spec.name().into(),
        l1_ratio: spec.l1_ratio(),
        gamma: spec.gamma(),
        fit_intercept: fit_intercept && datafit.has_intercept(),
        standardize,
        tol,
        alphas: points.iter().map(|p| p.alpha).collect(),
        alpha_over_max: points.iter().map(|p| p.alpha_over_max).collect(),
        intercepts: points.iter().map(|p| p.intercept).collect(),
        nnz: points.iter().map(|p| p.nnz).collect(),
        coefs: with_coefs.then(|| "coefs.csv".to_string()),
        n_features: data.n_cols(),
        features,
        covariates: data.covariates.as_ref().map(|c| c.names.clone()).unwrap_or_default(),
        covariate_columns: data.covariate_columns.clone(),
        training: Training { samples, source: data.description.clone(), data_hash: format!("{:016x}", hash.0) },
        cv: None,
    })
}

/// Writes the model atomically as JSON.
pub fn write(path: &Path, model: &Model) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer(&mut *w, model).map_err(std::io::Error::other)?;
        std::io::Write::write_all(w, b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

impl Model {
    /// The datafit the path was fitted with (an error for a name this version does not know).
    pub fn datafit_kind(&self) -> Result<DatafitKind> {
        let datafit = DatafitKind::from_name(&self.datafit).map_err(|e| anyhow::anyhow!("the model's datafit: {e}"))?;
        let Some(ties) = &self.ties else { return Ok(datafit) };
        let ties = regpath_solver::CoxTies::from_name(ties).map_err(|e| anyhow::anyhow!("the model's ties: {e}"))?;
        datafit.with_ties(ties).map_err(|e| anyhow::anyhow!("the model's ties: {e}"))
    }
}

/// Reads `DIR/model.json` of a `regpath path` output directory.
pub fn read(dir: &Path) -> Result<Model> {
    let path = dir.join(MODEL_FILE);
    if !path.is_file() {
        bail!("cannot read {}: is {} the output directory of `regpath path`?", path.display(), dir.display());
    }
    read_file(&path)
}

/// Reads a model file: a `regpath path` output's `model.json`, or a sweep's chosen model
/// `models/<task_id>.json` (its `coefs` file is relative to the model file's folder).
pub fn read_file(path: &Path) -> Result<Model> {
    let path = path.to_path_buf();
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read model file {}", path.display()))?;
    let model: Model =
        serde_json::from_str(&text).with_context(|| format!("{} is not a regpath model", path.display()))?;
    if model.format != MODEL_FORMAT || model.version != MODEL_VERSION {
        bail!("{}: format {} version {} is not supported", path.display(), model.format, model.version);
    }
    let k = model.alphas.len();
    if model.intercepts.len() != k || model.nnz.len() != k {
        bail!("{}: {k} alphas but {} intercepts", path.display(), model.intercepts.len());
    }
    if let Features::Bed { snps, mean } = &model.features {
        let p = model.n_features;
        let lengths = [snps.id.len(), snps.chromosome.len(), snps.position.len(), snps.allele1.len()];
        if lengths.into_iter().chain([snps.allele2.len(), mean.len()]).any(|l| l != p) {
            bail!("{}: the SNP table does not have {p} entries", path.display());
        }
    }
    Ok(model)
}
