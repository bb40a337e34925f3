//! The data-fitting term of the objective (docs/design.md §3, docs/datafits.md), separated
//! from the penalty and from the solvers' machinery, as skglm and celer do.
//!
//! A datafit `F(η)` is a function of the linear predictor `η = b + X̃t` (no intercept for
//! shift-invariant datafits). The solvers see it through the coordinate gradients
//! `c_j = x̃_jᵀr/n` of its *residual* `r = −n∇F(η)`, so that the gradient cache, the
//! working-set rules, the KKT checks and the per-feature half of every certificate are the
//! same for every datafit. What a datafit supplies is the [`Datafit`] contract below: the loss,
//! the residual, the Hessian weights of a Newton model, and the dual objective computed from
//! vectors where the conjugate is known.
//!
//! - [`Quadratic`]: `‖ỹ − η‖²/(2n)`; solved by coordinate descent and the active-set Newton
//!   solver, which are exact for it only, through whole-vector [`Totals`].
//! - [`Logistic`]: the binomial log-likelihood; solved by the proximal Newton solver, generic
//!   over [`Datafit`].
//! - [`Cox`]: the Breslow partial likelihood of survival data; the same solver.

mod cox;
mod logistic;
mod quadratic;

pub use cox::{Cox, CoxTies, concordance_index, signed_times, split_signed_times};
pub use logistic::Logistic;
pub use quadratic::Quadratic;

/// What the proximal Newton solver needs from a smooth datafit `F(η) = (1/n) Σ_i f_i(η)`
/// (module docs). Vectors have one entry per sample.
pub trait Datafit: Send + Sync + std::fmt::Debug {
    /// Name on the command line and in tables.
    fn name(&self) -> &'static str;
    /// Number of samples n.
    fn n_samples(&self) -> usize;
    /// Whether η carries an intercept: false for a datafit with `F(η + c·1) = F(η)` (no
    /// intercept is then fitted, whatever the design's centering).
    fn uses_intercept(&self) -> bool {
        true
    }
    /// The intercept of the best constant predictor (the null model's b), when an intercept
    /// is fitted.
    fn null_intercept(&self) -> f64;
    /// `P(0)`: the loss of the null model (the best constant predictor with an intercept,
    /// η = 0 without one) — the scale of the relative duality gap and of the deviance ratio.
    fn null_loss(&self, fit_intercept: bool) -> f64;
    /// `F(η)`.
    fn loss(&self, eta: &[f64]) -> f64;
    /// `F(η)`, and the residual `r = −n∇F(η)` into `r`.
    fn loss_and_residual(&self, eta: &[f64], r: &mut [f64]) -> f64;
    /// The Hessian weights `h` of the Newton model `F(η + d) ≈ F(η) − rᵀd/n + Σ_i h_i d_i²/(2n)`
    /// (the diagonal of `n∇²F(η)`).
    fn hessian_weights(&self, eta: &[f64], h: &mut [f64]);
    /// Weights `h` of a model that majorizes `F` along every step from η
    /// (`n∇²F(η + d) ≼ diag(h)`), for the majorize-minimize fallback of non-convex penalties.
    fn majorizer_weights(&self, eta: &[f64], h: &mut [f64]);
    /// The datafit part `−F*(−θ)` of the dual objective at `θ = s·r/n`, when the conjugate is
    /// known and finite there (`None`: the certificate is the KKT violation).
    fn scaled_dual(&self, r: &[f64], s: f64) -> Option<f64>;
    /// `(1/n) Σ_i (y_i − μ(η_i))²` for the mean μ of the response (the Brier score of
    /// probabilities), reported as `train_mse`; NaN when the response has no such mean.
    fn mean_squared_error(&self, eta: &[f64]) -> f64;
    /// Whether η separates the data: the loss decreases without bound along η scaled up, so
    /// that a penalty flat beyond a point leaves the objective without a finite minimizer.
    fn separates(&self, eta: &[f64]) -> bool;
    /// The exact Hessian `n∇²F(η)` as an operator, for a datafit whose Hessian is not the
    /// diagonal of [`Datafit::hessian_weights`] (Cox: the risk sets couple the samples).
    /// `None` (the default): `diag(h)` is the Hessian, as for the quadratic and logistic
    /// losses, whose samples are independent.
    fn hessian_at(&self, _eta: &[f64]) -> Option<Box<dyn HessianProduct + '_>> {
        None
    }
}

/// `out = n∇²F(η)·v` at the η it was prepared at ([`Datafit::hessian_at`]); O(n) per product.
pub trait HessianProduct {
    /// `out = n∇²F(η)·v` (`v` and `out` of length n).
    fn apply(&mut self, v: &[f64], out: &mut [f64]);
}

/// Whole-vector quantities a certificate needs besides the per-feature terms.
#[derive(Clone, Copy, Debug, Default)]
pub struct Totals {
    /// `‖r‖²`.
    pub r_sq: f64,
    /// `rᵀỹ`.
    pub r_dot_y: f64,
    /// `mean(r)` (0 when no intercept is fitted).
    pub r_mean: f64,
    /// `Σ_j w_j t_j²`.
    pub t_sq: f64,
    /// `Σ_j w_j·pen(t_j)`.
    pub penalty: f64,
}
