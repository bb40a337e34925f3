//! Loading X and y: `.npy`/CSV files, a PLINK fileset, or the built-in example.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use ndarray::{Array1, ArrayView2};
use regpath_datagen::{Bed, FamilySpec, Matrix, generate, observed_samples, read_matrix, read_pheno, read_vector};

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
    /// A PLINK 1 fileset; the phenotype from `pheno` (FID IID value) or the `.fam` file.
    Bed {
        /// Prefix of `.bed/.bim/.fam`.
        prefix: PathBuf,
        /// Optional phenotype file.
        pheno: Option<PathBuf>,
    },
    /// The teaching example: `uniform`, n = 100, p = 10, y = 2x₀ + 3x₁ + N(0, 1), seed 0.
    Example,
}

/// The design matrix as loaded: dense column-major values, or packed PLINK genotypes.
pub enum LoadedX {
    /// A dense matrix (memory-mapped `.npy` or an owned array).
    Dense(Matrix),
    /// A PLINK fileset used in place (2 bits per genotype), with the kept samples.
    Bed {
        /// The open fileset.
        bed: Bed,
        /// Samples kept (those with an observed phenotype), `None` for all.
        rows: Option<Vec<usize>>,
    },
}

/// X (dense or packed), y and a description, as `regpath path` uses them.
pub struct LoadedInput {
    /// The design matrix.
    pub x: LoadedX,
    /// The response, one value per row of X.
    pub y: Array1<f64>,
    /// A human-readable description of where the data came from.
    pub description: String,
}

impl LoadedInput {
    /// Feature names, if the input had them (CSV header, `.bim` SNP ids).
    pub fn names(&self) -> Option<&[String]> {
        match &self.x {
            LoadedX::Dense(m) => m.names.as_deref(),
            LoadedX::Bed { bed, .. } => Some(bed.snp_ids()),
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

/// Dense X (column-major), y and optional feature names.
pub struct LoadedData {
    matrix: Matrix,
    /// The response, one value per row of X.
    pub y: Array1<f64>,
    /// A human-readable description of where the data came from.
    pub description: String,
}

impl LoadedData {
    /// X, column-major.
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.matrix.view()
    }

    /// Feature names, if the input had them (CSV header, `.bim` SNP ids).
    pub fn names(&self) -> Option<&[String]> {
        self.matrix.names.as_deref()
    }
}

/// Reads the data with X dense (a PLINK fileset is decoded to f64, missing calls mean-imputed).
pub fn load(source: &DataSource) -> Result<LoadedData> {
    let input = load_input(source)?;
    let matrix = match input.x {
        LoadedX::Dense(m) => m,
        LoadedX::Bed { bed, rows } => Matrix::from_array(bed.to_dense(rows.as_deref()), Some(bed.snp_ids().to_vec())),
    };
    Ok(LoadedData { matrix, y: input.y, description: input.description })
}

/// Reads the data, keeping a PLINK fileset packed, and checks that y has one value per row.
pub fn load_input(source: &DataSource) -> Result<LoadedInput> {
    let data = match source {
        DataSource::Files { x, y } => {
            let matrix = read_matrix(x)?;
            let y_values = read_vector(y)?;
            let description = format!(
                "{} ({} x {}{}) and {}",
                x.display(),
                matrix.n_rows(),
                matrix.n_cols(),
                if matrix.is_zero_copy() { ", memory-mapped" } else { "" },
                y.display()
            );
            LoadedInput { x: LoadedX::Dense(matrix), y: y_values, description }
        }
        DataSource::Bed { prefix, pheno } => load_bed(prefix, pheno.as_deref())?,
        DataSource::Example => {
            let synthetic = generate(&FamilySpec::Uniform { n: 100, p: 10 }, 0)?;
            LoadedInput {
                x: LoadedX::Dense(Matrix::from_array(synthetic.x, None)),
                y: synthetic.y,
                description: "built-in example: uniform, n = 100, p = 10, y = 2x0 + 3x1 + N(0,1), seed 0".into(),
            }
        }
    };
    let n = data.n_rows();
    if data.y.len() != n {
        bail!("y has {} values but X has {} rows (samples); they must match", data.y.len(), n);
    }
    Ok(data)
}

fn load_bed(prefix: &Path, pheno: Option<&Path>) -> Result<LoadedInput> {
    let bed = Bed::open(prefix)?;
    let phenotypes = match pheno {
        Some(path) => read_pheno(path, &bed)?,
        None => bed.fam_phenotypes(),
    };
    let (rows, y) = observed_samples(&phenotypes);
    let dropped = bed.n_samples() - rows.len();
    if rows.is_empty() {
        let from = pheno.map_or_else(|| "the .fam sixth column".to_string(), |p| p.display().to_string());
        bail!("no sample of {} has an observed phenotype in {from} (all are -9 or NA)", prefix.display());
    }
    if dropped > 0 {
        eprintln!("note: {dropped} of {} samples dropped: missing phenotype (-9 or NA)", bed.n_samples());
    }
    let description =
        format!("{} ({} samples x {} SNPs, packed 2 bits each)", prefix.display(), rows.len(), bed.n_snps());
    let rows = if dropped > 0 { Some(rows) } else { None };
    Ok(LoadedInput { x: LoadedX::Bed { bed, rows }, y, description })
}
