//! Writing a generated dataset to a folder, as `regpath gen` does: `X.npy`, `y.npy`,
//! `beta.npy` and `meta.json`, or for `genotype` a streamed PLINK fileset instead of `X.npy`.

use std::fs;
use std::path::{Path, PathBuf};

use ndarray::Array1;
use serde_json::{Value, json};

use crate::error::DataError;
use crate::families::genotype::{GenotypeModel, SnpKind, check_spec};
use crate::families::{FamilySpec, generate};
use crate::io::atomic::write_atomic;
use crate::io::bed::fileset_path;
use crate::io::bed_write::{BimRecord, FamRecord, write_bed, write_pheno, write_survival_pheno};
use crate::io::npy_write::write_npy;
use crate::survival::SurvivalDraw;

/// File name prefix of the PLINK fileset written by [`OutputFormat::Bed`].
pub const BED_PREFIX: &str = "geno";
/// File name of the phenotype file written by [`OutputFormat::Bed`].
pub const PHENO_FILE: &str = "pheno.txt";
/// SNPs generated per parallel chunk while streaming a `.bed` file.
const SNPS_PER_CHUNK: usize = 16_384;

/// How the design matrix is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// `X.npy`, n × p `f64` in Fortran order.
    Npy,
    /// `geno.bed/.bim/.fam` (the `.fam` sixth column is y) and `pheno.txt`; `genotype` only.
    Bed,
}

impl OutputFormat {
    fn name(self) -> &'static str {
        match self {
            OutputFormat::Npy => "npy",
            OutputFormat::Bed => "bed",
        }
    }
}

/// Generates `spec` from `seed` and writes it into `dir` (created if missing); returns the
/// `meta.json` content. Parameters are checked and the data generated before anything is
/// written; if writing fails, the files written so far are removed. Every file is written
/// atomically.
pub fn write_dataset(dir: &Path, spec: &FamilySpec, seed: u64, format: OutputFormat) -> Result<Value, DataError> {
    spec.validate()?;
    if format == OutputFormat::Bed && !matches!(spec, FamilySpec::Genotype { .. }) {
        return Err(DataError::parameter(format!(
            "format bed needs family genotype (dosages 0/1/2), got family {}",
            spec.name()
        )));
    }
    let created_dir = !dir.exists();
    let mut written: Vec<PathBuf> = Vec::new();
    let result = match format {
        OutputFormat::Npy => write_npy_files(dir, spec, seed, &mut written),
        OutputFormat::Bed => write_bed_files(dir, spec, seed, &mut written),
    };
    if result.is_err() {
        for path in &written {
            let _ = fs::remove_file(path);
        }
        if created_dir {
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

/// Creates `dir`, then records and performs each write.
fn create_dir(dir: &Path) -> Result<(), DataError> {
    fs::create_dir_all(dir).map_err(|e| DataError::io(dir, "create folder", e))?;
    remove_owned(dir)
}

/// Every file `regpath gen` may write into its folder, in either format.
pub const GEN_OUTPUTS: &[&str] = &[
    "X.npy",
    "y.npy",
    "time.npy",
    "status.npy",
    "beta.npy",
    "meta.json",
    "geno.bed",
    "geno.bim",
    "geno.fam",
    "pheno.txt",
];

/// Removes the files of [`GEN_OUTPUTS`] that an earlier run left in `dir`, so that a dataset
/// written in one format never sits beside the other format's files of an older dataset.
fn remove_owned(dir: &Path) -> Result<(), DataError> {
    for name in GEN_OUTPUTS {
        let path = dir.join(name);
        if path.is_file() {
            fs::remove_file(&path).map_err(|e| DataError::io(&path, "remove the earlier run's file", e))?;
        }
    }
    Ok(())
}

/// The generic meta fields shared by both formats.
fn meta(spec: &FamilySpec, seed: u64, format: OutputFormat, beta: &Array1<f64>, snr: f64, sigma: f64) -> Value {
    let mut m = serde_json::to_value(spec).expect("a spec serializes");
    let target = spec.target_snr();
    let h2_target = match *spec {
        FamilySpec::Genotype { h2, .. } => Some(h2),
        _ => target.map(|s| s / (1.0 + s)),
    };
    let extra = json!({
        "name": format!("{}_n{}_p{}_seed{}", spec.name(), spec.n(), spec.p(), seed),
        "seed": seed,
        "format": format.name(),
        "snr": snr,
        "h2": snr / (1.0 + snr),
        "snr_target": target,
        "h2_target": h2_target,
        "sigma": sigma,
        "nnz_beta": beta.iter().filter(|b| **b != 0.0).count(),
        "standardized_columns": false,
        "generator": concat!("regpath-datagen ", env!("CARGO_PKG_VERSION")),
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut m, extra) {
        m.extend(e);
    }
    if let FamilySpec::Genotype { prevalence: Some(_), .. } = *spec {
        m["phenotype"] = json!(
            "case/control by the liability-threshold model (h2, snr and sigma are those of the liability): \
             y.npy and pheno.txt hold 0/1, the .fam PLINK's 1 = control, 2 = case"
        );
    }
    if let FamilySpec::Genotype { survival: true, .. } = *spec {
        m["phenotype"] = json!(
            "survival times from a Cox model with an exponential baseline hazard, T = -log(U)/exp(eta), eta the \
             genetic value centered and scaled so that var(eta)/(var(eta) + pi^2/6) = h2 (h2, snr and sigma are \
             those of log T = -eta + W, var(W) = pi^2/6); independent exponential censoring at the rate that makes \
             the expected censored fraction `censoring`; time = min(T, C), status = 1 if T <= C (event), else 0 \
             (censored); beta holds the Cox coefficients (log hazard ratios)"
        );
    }
    if let FamilySpec::Genotype { dup_frac, mono_frac, missing_rate, .. } = *spec
        && (dup_frac > 0.0 || mono_frac > 0.0 || missing_rate > 0.0)
    {
        let counts = check_spec(spec).expect("the spec was validated");
        m["n_duplicates"] = json!(counts.duplicates);
        m["n_flipped"] = json!(counts.flipped);
        m["n_monomorphic"] = json!(counts.monomorphic);
        if missing_rate > 0.0 && format == OutputFormat::Npy {
            m["missing_imputation"] = json!(
                "missing calls hold the SNP's mean over its called samples, as the .bed reader and solver impute"
            );
        }
    }
    m
}

/// Writes `meta` as pretty JSON to `dir/meta.json`.
fn write_meta(dir: &Path, meta: &Value, written: &mut Vec<PathBuf>) -> Result<(), DataError> {
    let path = dir.join("meta.json");
    written.push(path.clone());
    write_atomic(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, meta).map_err(std::io::Error::other)?;
        std::io::Write::write_all(w, b"\n")
    })
    .map_err(|e| DataError::io(&path, "write", e))
}

/// Writes an array to `dir/name` and records it.
fn write_array<D: ndarray::Dimension>(
    dir: &Path,
    name: &str,
    a: &ndarray::Array<f64, D>,
    written: &mut Vec<PathBuf>,
) -> Result<(), DataError> {
    let path = dir.join(name);
    written.push(path.clone());
    write_npy(&path, a)
}

/// Writes `time.npy` and `status.npy` of a survival phenotype.
fn write_survival_arrays(dir: &Path, draw: &SurvivalDraw, written: &mut Vec<PathBuf>) -> Result<(), DataError> {
    write_array(dir, "time.npy", &Array1::from(draw.time.clone()), written)?;
    write_array(dir, "status.npy", &Array1::from(draw.status.clone()), written)
}

fn write_npy_files(dir: &Path, spec: &FamilySpec, seed: u64, written: &mut Vec<PathBuf>) -> Result<Value, DataError> {
    let data = generate(spec, seed)?;
    let mut m = meta(spec, seed, OutputFormat::Npy, &data.beta, data.snr, data.sigma);
    m["files"] = match &data.survival {
        Some(_) => json!({"x": "X.npy", "time": "time.npy", "status": "status.npy", "beta": "beta.npy"}),
        None => json!({"x": "X.npy", "y": "y.npy", "beta": "beta.npy"}),
    };
    if let FamilySpec::Genotype { prevalence: Some(_), .. } = *spec {
        let cases = data.y.iter().filter(|&&v| v == 1.0).count();
        m["cases"] = json!(cases);
        m["controls"] = json!(data.y.len() - cases);
    }
    if let Some(draw) = &data.survival {
        crate::survival::meta_fields(&mut m, draw);
    }
    create_dir(dir)?;
    write_array(dir, "X.npy", &data.x, written)?;
    match &data.survival {
        Some(draw) => write_survival_arrays(dir, draw, written)?,
        None => write_array(dir, "y.npy", &data.y, written)?,
    }
    write_array(dir, "beta.npy", &data.beta, written)?;
    write_meta(dir, &m, written)?;
    Ok(m)
}

/// Sample identifiers of generated filesets: FID = IID = `ind<i>`.
fn sample_id(i: usize) -> String {
    format!("ind{i}")
}

fn write_bed_files(dir: &Path, spec: &FamilySpec, seed: u64, written: &mut Vec<PathBuf>) -> Result<Value, DataError> {
    let model = GenotypeModel::from_spec(spec, seed)?;
    let pheno = model.phenotype()?;
    let mut m = meta(spec, seed, OutputFormat::Bed, &pheno.beta, pheno.snr, pheno.sigma);
    m["files"] = json!({
        "bed": format!("{BED_PREFIX}.bed"), "bim": format!("{BED_PREFIX}.bim"),
        "fam": format!("{BED_PREFIX}.fam"), "pheno": PHENO_FILE,
        "y": "y.npy", "beta": "beta.npy",
    });
    if let Some(draw) = &pheno.survival {
        m["files"] = json!({
            "bed": format!("{BED_PREFIX}.bed"), "bim": format!("{BED_PREFIX}.bim"),
            "fam": format!("{BED_PREFIX}.fam"), "pheno": PHENO_FILE,
            "time": "time.npy", "status": "status.npy", "beta": "beta.npy",
        });
        m["pheno_columns"] = json!("FID IID time status: --time-col 1 --status-col 2; the .fam phenotype is -9");
        crate::survival::meta_fields(&mut m, draw);
    }
    m["allele_counted"] = if model.defect_counts().flipped > 0 {
        json!("allele 1 (.bim column 5), A1 = 'A', except allele-flipped duplicates: A1 = 'G'")
    } else {
        json!("allele 1 (.bim column 5), A1 = 'A'")
    };
    if let Some(cases) = pheno.cases {
        m["cases"] = json!(cases);
        m["controls"] = json!(model.n() - cases);
    }
    create_dir(dir)?;
    // a survival phenotype has no single .fam value: -9 there, time and status in pheno.txt
    let records = |code: f64| -> Vec<FamRecord> {
        pheno
            .y
            .iter()
            .enumerate()
            .map(|(i, &v)| FamRecord {
                fid: sample_id(i),
                iid: sample_id(i),
                phenotype: pheno.survival.is_none().then_some(v + code),
            })
            .collect()
    };
    // case/control: PLINK's 1 = control, 2 = case in the .fam; 0/1 in pheno.txt and y.npy
    let fam = records(if pheno.cases.is_some() { 1.0 } else { 0.0 });
    let prefix = dir.join(BED_PREFIX);
    written.extend(["fam", "bim", "bed"].map(|e| fileset_path(&prefix, e)));
    // An allele-flipped duplicate counts the other allele of its source: its .bim says so.
    let bim = |j: usize| {
        let (a1, a2) =
            if matches!(model.snp_kind(j), SnpKind::Duplicate { flipped: true }) { ("G", "A") } else { ("A", "G") };
        BimRecord {
            chromosome: "1".to_string(),
            id: format!("snp{j}"),
            cm: 0.0,
            position: 1000 * (j as u64 + 1),
            allele1: a1.to_string(),
            allele2: a2.to_string(),
        }
    };
    write_bed(&prefix, &fam, model.p(), bim, model.packed_chunks(SNPS_PER_CHUNK))?;
    let pheno_path = dir.join(PHENO_FILE);
    written.push(pheno_path.clone());
    match &pheno.survival {
        Some(draw) => {
            let ids: Vec<(String, String)> = (0..model.n()).map(|i| (sample_id(i), sample_id(i))).collect();
            write_survival_pheno(&pheno_path, &ids, &draw.time, &draw.status)?;
            write_survival_arrays(dir, draw, written)?;
        }
        None => {
            write_pheno(&pheno_path, &records(0.0))?;
            write_array(dir, "y.npy", &pheno.y, written)?;
        }
    }
    write_array(dir, "beta.npy", &pheno.beta, written)?;
    write_meta(dir, &m, written)?;
    Ok(m)
}
