//! The data-fitting term of the objective (docs/design.md §3), separated from the penalty and
//! from the solver's machinery, as skglm and celer do.
//!
//! A datafit `F(η)` is a function of the linear predictor `η = b + X̃t`. What the solver needs
//! from it is small:
//!
//! - the loss value, and its gradient with respect to η (`∇F(η)`, through which the
//!   coordinate gradients `c_j = −x̃_jᵀ∇F(η)` are formed);
//! - a per-coordinate Lipschitz bound of `∂²F/∂t_j²` (the curvature of the coordinate step);
//! - the dual objective at a dual point built from the gradient, and the Gap Safe constant
//!   (the strong concavity of the dual, i.e. `1/L` for an L-smooth loss);
//! - the intercept update.
//!
//! The quadratic datafit writes everything through the residual `r = ỹ − X̃t` (the negative
//! gradient times n) and is the only one with an exact second-order model: its Hessian is the
//! Gram matrix `X̃ᵀX̃/n`, which the active-set Newton solver factors (docs/datafits.md explains
//! what a new datafit adds and where).

/// A smooth datafit with what the gap certificate and the solver need (see the module docs).
pub trait Datafit: Send + Sync + std::fmt::Debug {
    /// Name on the command line and in tables.
    fn name(&self) -> &'static str;
    /// `F` at the current state, from the whole-vector totals.
    fn loss(&self, totals: &Totals) -> f64;
    /// The dual objective `D(θ)/n` at the rescaled dual point `θ = s·[r; −√(B_j)·t_j]` of the
    /// elastic-net augmented problem (`l2 = B = nα(1−ρ)`; `Totals::t_sq` holds `Σ_j w_j t_j²`).
    fn scaled_dual(&self, totals: &Totals, s: f64, l2: f64) -> f64;
    /// Upper bound of `∂²F/∂t_j²` for a working column of curvature `v_j = ‖x̃_j‖²/n`.
    fn coordinate_lipschitz(&self, v_j: f64) -> f64;
    /// The Gap Safe sphere radius constant: the dual is `1/γ`-strongly concave and the optimum
    /// lies within `√(2·gap·γ)` of any feasible dual point (γ = 1 for the quadratic loss).
    fn gap_safe_constant(&self) -> f64;
    /// The intercept change that minimizes `F` along `b` at the current state, from the
    /// gradient `∇F(η)` (for the quadratic loss: the residual's mean).
    fn intercept_step(&self, residual: &[f64]) -> f64;
}

/// `F(η) = ‖ỹ − η‖²/(2n)` on centered data; gradient `−r/n` with `r = ỹ − η`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quadratic {
    n: f64,
}

impl Quadratic {
    /// The quadratic datafit on n samples.
    pub fn new(n: usize) -> Self {
        Quadratic { n: n as f64 }
    }
}

impl Datafit for Quadratic {
    fn name(&self) -> &'static str {
        "quadratic"
    }

    /// `‖r‖²/(2n)`.
    fn loss(&self, totals: &Totals) -> f64 {
        0.5 * totals.r_sq / self.n
    }

    /// `D(sr)/n = (−½s²(‖r‖² + B·Σ w_j t_j²) + s·rᵀỹ)/n`: the Lasso dual `−½‖θ‖² + θᵀỹ` of
    /// the augmented design `[X̃; diag(√(B w_j))]` at `θ = s·[r; −√(B w_j)·t]`.
    fn scaled_dual(&self, totals: &Totals, s: f64, l2: f64) -> f64 {
        (-0.5 * s * s * (totals.r_sq + l2 * totals.t_sq) + s * totals.r_dot_y) / self.n
    }

    /// `v_j`: the quadratic's coordinate curvature is exact.
    fn coordinate_lipschitz(&self, v_j: f64) -> f64 {
        v_j
    }

    fn gap_safe_constant(&self) -> f64 {
        1.0
    }

    /// `mean(r)`.
    fn intercept_step(&self, residual: &[f64]) -> f64 {
        crate::kernels::mean(residual)
    }
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
