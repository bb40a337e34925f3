//! regpath-solver: certified coordinate-descent regularization paths.
//!
//! The model is Design × Datafit × Penalty × Solver (docs/design.md §2), statically dispatched:
//! a [`Design`] gives working-scale column access (implicit centering and scaling over a
//! borrowed X), the datafit is the quadratic loss `1/(2n)‖y − b − Xβ‖²`, a [`Penalty`] gives
//! the exact coordinate minimizer, and [`fit_path`] runs warm-started cyclic coordinate descent
//! along an alpha grid with strong rules, Gap Safe screening, gradient bounds, an active-set
//! Newton solver on the working set (an up/downdated Cholesky factor of the support) and a
//! certificate (duality gap or KKT violation) at every alpha.

mod anderson;
pub mod certificate;
mod cholesky;
pub mod covariates;
pub mod datafit;
pub mod design;
pub mod duplicates;
pub mod error;
pub mod genotype;
pub mod grid;
pub mod kernels;
mod newton;
mod options;
pub mod path;
pub mod penalty;
mod solver;

pub use certificate::CertificateKind;
pub use covariates::WithCovariates;
pub use datafit::{Datafit, Quadratic};
pub use design::{ColumnStats, DenseDesign, Design};
pub use error::SolverError;
pub use genotype::PackedGenotypeDesign;
pub use grid::AlphaGrid;
pub use path::{PathOptions, PathPoint, PathSummary, Screening, StopReason, fit_path, fit_path_spec, train_r2};
pub use penalty::{ElasticNet, Lasso, Mcp, Penalty, PenaltySpec, Ridge, Scad};
