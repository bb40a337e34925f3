//! The binomial log-likelihood (logistic datafit) and its Fenchel dual, evaluated without
//! overflow or cancellation (docs/design.md §3).
//!
//! For labels `y_i ∈ {0, 1}` and linear predictor `η = b + X̃t` the datafit is
//!
//! ```text
//! F(η) = (1/n) Σ_i f_i(η_i),   f_i(η) = log(1 + e^η) − y_i η = softplus(−(2y_i − 1)·η),
//! ```
//!
//! with gradient `∇F = −r/n`, `r_i = y_i − σ(η_i)` (the *residual*), and Hessian
//! `diag(σ(η)(1 − σ(η)))/n ≼ I/(4n)`. The conjugate is `f_i*(u) = h(u + y_i)` on
//! `u + y_i ∈ [0, 1]`, `h(p) = p log p + (1 − p) log(1 − p)`, so that at a dual point
//! `θ = s·r/n` the datafit part of the dual objective is
//!
//! ```text
//! D_F(θ) = −(1/n) Σ_i h(y_i − s·r_i),
//! ```
//!
//! which is finite for every s ∈ [0, 1] because `y_i − s r_i = (1 − s)y_i + s σ(η_i) ∈ [0, 1]`.

/// `log(1 + e^x)` without overflow: `max(x, 0) + log1p(e^−|x|)`.
#[inline]
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// `σ(x) = 1/(1 + e^−x)` without overflow.
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `f(η) = log(1 + e^η) − yη` for `y ∈ {0, 1}`: `softplus(−(2y − 1)η)`.
#[inline]
pub fn sample_loss(y: f64, eta: f64) -> f64 {
    if y == 1.0 { softplus(-eta) } else { softplus(eta) }
}

/// `r = y − σ(η)` without cancellation: `σ(−η)` for y = 1, `−σ(η)` for y = 0.
#[inline]
pub fn residual(y: f64, eta: f64) -> f64 {
    if y == 1.0 { sigmoid(-eta) } else { -sigmoid(eta) }
}

/// `(f(η), y − σ(η))` with one exponential and one logarithm: with `a = e^−|η|`,
/// `softplus(±η) = max(±η, 0) + log1p(a)` and `σ(−|η|) = a/(1 + a)`.
#[inline]
pub fn loss_and_residual(y: f64, eta: f64) -> (f64, f64) {
    let a = (-eta.abs()).exp();
    let log_term = a.ln_1p();
    let small = a / (1.0 + a); // σ(−|η|)
    let large = 1.0 / (1.0 + a); // σ(|η|)
    if y == 1.0 {
        // f = softplus(−η), r = σ(−η)
        ((-eta).max(0.0) + log_term, if eta >= 0.0 { small } else { large })
    } else {
        // f = softplus(η), r = −σ(η)
        (eta.max(0.0) + log_term, if eta >= 0.0 { -large } else { -small })
    }
}

/// The Hessian weight `σ(η)(1 − σ(η)) = σ(η)σ(−η)`.
#[inline]
pub fn hessian_weight(eta: f64) -> f64 {
    let a = (-eta.abs()).exp();
    a / ((1.0 + a) * (1.0 + a))
}

/// `F(η) = (1/n) Σ_i f(y_i, η_i)`.
pub fn mean_loss(y: &[f64], eta: &[f64]) -> f64 {
    debug_assert_eq!(y.len(), eta.len());
    if y.is_empty() {
        return 0.0;
    }
    y.iter().zip(eta).map(|(&y, &e)| sample_loss(y, e)).sum::<f64>() / y.len() as f64
}

/// `x log x` with `0 log 0 = 0`.
#[inline]
fn xlogx(x: f64) -> f64 {
    if x > 0.0 { x * x.ln() } else { 0.0 }
}

/// The binary entropy term `h(p) = p log p + (1 − p) log(1 − p)` (≤ 0), clamped to [0, 1].
#[inline]
pub fn neg_entropy(p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    xlogx(p) + xlogx(1.0 - p)
}

/// The datafit part of the dual objective at `θ = s·r/n`: `−(1/n) Σ_i h(y_i − s·r_i)`
/// (see the module docs). The argument of h is computed as `(1 − s)y + s·σ(η)` in the form
/// that keeps both `p` and `1 − p` accurate: `p = y − s r`, `1 − p = (1 − y) + s r`.
pub fn scaled_dual(y: &[f64], r: &[f64], s: f64) -> f64 {
    if y.is_empty() {
        return 0.0;
    }
    let total: f64 = y
        .iter()
        .zip(r)
        .map(|(&y, &r)| {
            let p = (y - s * r).clamp(0.0, 1.0);
            let q = ((1.0 - y) + s * r).clamp(0.0, 1.0);
            xlogx(p) + xlogx(q)
        })
        .sum();
    -total / y.len() as f64
}

/// The loss of the best constant predictor: the binary entropy `−h(ȳ)` of the case share ȳ
/// (with an intercept), or `log 2` (η = 0, without one). This is `P(0)`, the scale of the
/// relative duality gap and of the deviance ratio.
pub fn null_loss(y: &[f64], fit_intercept: bool) -> f64 {
    if !fit_intercept {
        return std::f64::consts::LN_2;
    }
    let mean = y.iter().sum::<f64>() / y.len().max(1) as f64;
    -neg_entropy(mean)
}

/// The mean binomial deviance `2F(η)` (glmnet's `deviance/n`).
pub fn mean_deviance(y: &[f64], eta: &[f64]) -> f64 {
    2.0 * mean_loss(y, eta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_forms_match_the_naive_formulas() {
        for &eta in &[-30.0, -3.0, -0.5, 0.0, 0.7, 4.0, 25.0] {
            let s = 1.0 / (1.0 + f64::exp(-eta));
            assert!((sigmoid(eta) - s).abs() < 1e-15);
            assert!((softplus(eta) - (1.0 + f64::exp(eta)).ln()).abs() < 1e-13);
            assert!((residual(1.0, eta) - (1.0 - s)).abs() < 1e-15);
            assert!((residual(0.0, eta) + s).abs() < 1e-15);
            assert!((hessian_weight(eta) - s * (1.0 - s)).abs() < 1e-15);
            for y in [0.0, 1.0] {
                let (f, r) = loss_and_residual(y, eta);
                assert!((f - sample_loss(y, eta)).abs() < 1e-15 * (1.0 + f));
                assert!((r - residual(y, eta)).abs() < 1e-16);
            }
            assert!((sample_loss(1.0, eta) - ((1.0 + f64::exp(eta)).ln() - eta)).abs() < 1e-12);
        }
        // no overflow far out
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(sample_loss(1.0, 800.0) >= 0.0 && sample_loss(0.0, -800.0) >= 0.0);
        assert!(residual(1.0, -800.0) == 1.0);
    }

    /// Weak duality and its tightness: at the unpenalized optimum of a one-parameter model
    /// (the intercept, η = logit(ȳ)), `F = D_F(θ)` with θ = r/n; away from it `F > D_F`.
    #[test]
    fn dual_is_tight_at_the_intercept_only_optimum() {
        let y = [1.0, 0.0, 0.0, 1.0, 1.0];
        let mean = 0.6f64;
        let b = (mean / (1.0 - mean)).ln();
        let eta = [b; 5];
        let r: Vec<f64> = y.iter().zip(&eta).map(|(&y, &e)| residual(y, e)).collect();
        let primal = mean_loss(&y, &eta);
        assert!((primal - null_loss(&y, true)).abs() < 1e-15);
        assert!((primal - scaled_dual(&y, &r, 1.0)).abs() < 1e-15);
        // s = 0 gives the dual of the all-labels point: −h(y) = 0 ≤ F
        assert!(scaled_dual(&y, &r, 0.0) <= primal);
    }
}
