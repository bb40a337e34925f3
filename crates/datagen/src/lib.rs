//! Synthetic datasets with known truth, and readers for the files genomics people have
//! (`.npy`, numeric CSV, PLINK 1 `.bed/.bim/.fam`).
//!
//! - [`families`]: the synthetic families ([`FamilySpec`], [`generate`]);
//! - [`io`]: readers ([`read_matrix`], [`read_vector`], [`Bed`], [`read_pheno`],
//!   [`read_pheno_column`], [`read_penalty_factor`], [`read_covariate_matrix`],
//!   [`read_covariate_table`]) and writers;
//! - [`dataset`]: writing a generated dataset to a folder, as `regpath gen` does;
//! - [`simulate`]: phenotypes simulated on a real PLINK fileset ([`simulate_phenotype`]), as
//!   `regpath gen --bed` does;
//! - [`survival`]: survival times from a Cox model on a genetic value (`regpath gen --survival`).

pub mod dataset;
pub mod error;
pub mod families;
pub mod io;
mod rng;
pub mod simulate;
pub mod survival;

pub use error::DataError;
pub use families::{FamilySpec, Synthetic, generate};
pub use io::bed::{Bed, PhenoMatch, observed_samples, read_pheno, read_pheno_column, read_pheno_matched};
pub use io::bed_write::write_bed;
pub use io::bim::{SnpTable, StringColumn};
pub use io::covariates::{
    CovariateColumn, CovariateTable, Covariates, read_covariate_matrix, read_covariate_table, read_covariate_table_as,
};
pub use io::matrix::{Matrix, read_matrix, read_vector};
pub use io::penalty_factor::{PenaltyFactors, read_penalty_factor};
pub use io::samples::{SampleList, read_row_indices, read_sample_list};
pub use io::snp_filter::{SnpFilter, SnpSelection, select_snps};
pub use simulate::{CausalSnps, SimulateSpec, Simulated, SnpScan, simulate_phenotype, simulate_phenotype_scanned};
