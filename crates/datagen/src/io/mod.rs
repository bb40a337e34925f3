//! Dataset input and output.

pub mod atomic;
pub mod bed;
pub mod bed_write;
pub mod bim;
pub mod cell;
pub mod covariates;
pub mod fingerprint;
pub mod matrix;
mod npy;
pub mod npy_write;
pub mod penalty_factor;
pub mod samples;
pub mod snp_filter;
mod text;
