//! regpath-solver: certified coordinate-descent regularization paths.
//!
//! The model is Design × Datafit × Penalty × Solver (docs/design.md §2), statically dispatched:
//! a [`Design`] gives working-scale column access (implicit centering and scaling over a
//! borrowed X), the datafit is the quadratic loss `1/(2n)‖y − b − Xβ‖²`, a [`Penalty`] gives
//! the exact coordinate minimizer, and [`fit_path`] runs warm-started cyclic coordinate descent
//! along an alpha grid with strong rules, Gap Safe screening, gradient bounds, an active-set
//! Newton solver on the working set (an up/downdated Cholesky factor of the support) and a
//! certificate (duality gap or KKT violation) at every alpha.

// Every module is private: the crate's public surface is the list of re-exports below.
mod anderson;
mod certificate;
mod cholesky;
mod covariates;
mod datafit;
mod datafit_kind;
mod design;
mod duplicates;
mod error;
mod genotype;
mod genotype_kernels;
mod grid;
mod kernels;
mod logistic;
mod measures;
mod newton;
mod options;
mod path;
mod penalty;
mod point;
mod repack;
mod rows;
mod solve_options;
mod solver;

pub use certificate::CertificateKind;
pub use covariates::WithCovariates;
pub use datafit::{
    Cox, CoxTies, Datafit, Logistic, Quadratic, Totals, concordance_index, signed_times, split_signed_times,
};
pub use datafit_kind::{CV_PROB_MIN, DatafitKind, ResponseKind, TestMeasures};
pub use design::{ColumnStats, DenseDesign, Design, SCAN_BLOCK};
pub use duplicates::ColumnCopy;
pub use error::SolverError;
pub use genotype::{PackedGenotypeDesign, SampleSegment};
/// `v_i += at[c_i]` over a run of packed PLINK codes `c_i` (4 a byte, from `bytes[0]`), with
/// AVX-512 where the processor has it.
pub use genotype_kernels::axpy_run as packed_axpy_run;
pub use grid::AlphaGrid;
pub use kernels::{centered_axpy, centered_dot};
pub use logistic::{
    hessian_weight, mean_deviance, mean_loss, null_loss, residual as logistic_residual, sigmoid, softplus,
};
pub use path::{
    BRIDGE_RATIO, PathOptions, PathPoint, PathSummary, Screening, SolveOptions, StopReason, bridge_alphas,
    fit_datafit_path, fit_datafit_path_spec, fit_path, fit_path_spec, train_r2,
};
pub use penalty::{
    DEFAULT_L1_RATIO, DEFAULT_MCP_GAMMA, DEFAULT_SCAD_GAMMA, ElasticNet, Lasso, Mcp, Penalty, PenaltySpec, Piece,
    Ridge, Scad, soft_threshold,
};
pub use repack::repack_rows as repack_samples;
pub use rows::DenseRowsDesign;
