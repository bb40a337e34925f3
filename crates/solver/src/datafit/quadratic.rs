//! The quadratic datafit `F(η) = ‖ỹ − η‖²/(2n)` on centered data, written through the residual
//! `r = ỹ − X̃t` (the negative gradient times n). It is the one datafit with an exact
//! second-order model — its Hessian is the Gram matrix `X̃ᵀX̃/n`, which the active-set Newton
//! solver factors — and the one whose loss and dual are functions of a few whole-vector
//! totals ([`Totals`]), which the coordinate-descent solver keeps (docs/datafits.md).

use super::Totals;

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

    /// `F = ‖r‖²/(2n)`.
    pub fn loss(&self, totals: &Totals) -> f64 {
        0.5 * totals.r_sq / self.n
    }

    /// `D(sr)/n = (−½s²(‖r‖² + B·Σ w_j t_j²) + s·rᵀỹ)/n`: the Lasso dual `−½‖θ‖² + θᵀỹ` of
    /// the augmented design `[X̃; diag(√(B w_j))]` at `θ = s·[r; −√(B w_j)·t]`
    /// (`l2 = B = nα(1−ρ)`; `Totals::t_sq` holds `Σ_j w_j t_j²`).
    pub fn scaled_dual(&self, totals: &Totals, s: f64, l2: f64) -> f64 {
        (-0.5 * s * s * (totals.r_sq + l2 * totals.t_sq) + s * totals.r_dot_y) / self.n
    }

    /// The Gap Safe sphere radius constant: the dual is `1/γ`-strongly concave and the optimum
    /// lies within `√(2·gap·γ)` of any feasible dual point (γ = 1 for the quadratic loss).
    pub fn gap_safe_constant(&self) -> f64 {
        1.0
    }
}
