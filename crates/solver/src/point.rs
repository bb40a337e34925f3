//! What each solved alpha reports ([`PathPoint`]): built by the per-alpha solver, handed to
//! the path's callback.

use crate::certificate::CertificateKind;

/// One solved point of a path, handed to the caller's callback.
#[derive(Clone, Debug)]
pub struct PathPoint<'a> {
    /// 0-based position on the grid.
    pub alpha_index: usize,
    /// α.
    pub alpha: f64,
    /// α / alpha_max (NaN-free: 0 when alpha_max is 0).
    pub alpha_over_max: f64,
    /// Number of nonzero coefficients.
    pub nnz: usize,
    /// The intercept on the original scale (0 without intercept).
    pub intercept: f64,
    /// `P(β, b) = 1/(2n)‖y − b − Xβ‖² + Σ_j pen(β_j s_j)`.
    pub objective: f64,
    /// The certificate value (relative gap or relative KKT violation).
    pub certificate: f64,
    /// Which certificate.
    pub certificate_kind: CertificateKind,
    /// Whether `certificate ≤ tol` was reached within the epoch budget.
    pub converged: bool,
    /// Coordinate-descent epochs (sweeps of the working set or its active part) at this alpha.
    pub epochs: usize,
    /// Coordinate updates at this alpha.
    pub coordinate_updates: u64,
    /// Newton steps at this alpha: solves with a factored Hessian (the quadratic datafit's
    /// active-set Newton segment steps and ridge kernel solve, the logistic datafit's
    /// proximal-Newton steps, each of whose inner sweeps also count as epochs).
    pub newton_steps: u64,
    /// Wall time of this alpha alone, in seconds.
    pub time_s: f64,
    /// `‖y − b − Xβ‖²/n` (for the logistic datafit `‖y − σ(η)‖²/n`, the Brier score).
    pub train_mse: f64,
    /// The datafit's mean deviance: `train_mse` for the quadratic datafit, the mean binomial
    /// deviance `2·(1/n)Σ[log(1 + e^η) − yη]` for the logistic one.
    pub train_deviance: f64,
    /// `1 − loss/P(0)`: the share of the intercept-only loss explained (R² for the quadratic
    /// datafit, `1 − train_mse/(2·P(0))`; glmnet's `dev.ratio` for the logistic one); NaN
    /// when `P(0) = 0`.
    pub deviance_ratio: f64,
    /// Size of the final working set.
    pub working_set: usize,
    /// Features removed by Gap Safe screening at the end of this alpha.
    pub screened: usize,
    /// Columns read by gradient scans outside the working set, in full passes over X.
    pub scan_passes: f64,
    /// Floating-point work of the second-order models at this alpha (Gram entries at 2n
    /// flops each, Cholesky appends k², removals 3(k − i)², solves 2k², the ridge kernel
    /// 2n²·p, the logistic model's weighted Gram m²n and conjugate-gradient products 4mn, the
    /// Cox model's full-Hessian Gram 2m²n and its factor's appends, removals and solves), in
    /// full passes over X (2·n·p flops, p the live columns): with `scan_passes` and
    /// `coordinate_updates/p` it ranks the cost of alphas that coordinate descent and Newton
    /// solve in one unit.
    pub newton_passes: f64,
    /// Nonzero coefficients on the original scale, sorted by feature index.
    pub coefs: &'a [(usize, f64)],
}
