//! Loading X and y: `.npy`/CSV files, a PLINK fileset, or the built-in example.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ndarray::{Array1, ArrayView2};
use regpath_datagen::{
    Bed, DataError, FamilySpec, Matrix, generate, observed_samples, read_matrix, read_pheno_column, read_vector,
};

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
        DataSource::Bed { prefix, pheno, pheno_col } => load_bed(prefix, pheno.as_deref(), *pheno_col)?,
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

fn load_bed(prefix: &Path, pheno: Option<&Path>, pheno_col: usize) -> Result<LoadedInput> {
    let bed = Bed::open(prefix)?;
    let phenotypes = bed_phenotypes(&bed, pheno, pheno_col).with_context(|| format!("--pheno-col {pheno_col}"))?;
    let (rows, y) = observed_samples(&phenotypes);
    let dropped = bed.n_samples() - rows.len();
    let from = pheno_source(pheno, pheno_col);
    if rows.is_empty() {
        bail!("no sample of {} has an observed phenotype in {from} (all are -9 or NA)", prefix.display());
    }
    if dropped > 0 {
        eprintln!(
            "note: {dropped} of {} samples dropped: missing phenotype (-9 or NA) in {from}; {} kept",
            bed.n_samples(),
            rows.len()
        );
    }
    let description = format!(
        "{} ({} samples x {} SNPs, packed 2 bits each; y = {from})",
        prefix.display(),
        rows.len(),
        bed.n_snps()
    );
    let rows = if dropped > 0 { Some(rows) } else { None };
    Ok(LoadedInput { x: LoadedX::Bed { bed, rows }, y, description })
}
