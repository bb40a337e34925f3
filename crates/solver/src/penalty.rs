//! Separable penalties and their exact one-dimensional minimizers (docs/design.md §3).
//!
//! Every penalty acts on a working-scale coefficient `t` with regularization level `α`.
//! The coordinate problem solved by [`Penalty::threshold`] is
//!
//! ```text
//! argmin_t  v/2·t² − z·t + pen(t)
//! ```
//!
//! with curvature `v = ‖x̃_j‖²/n > 0` and `z = v·t_old + x̃_jᵀr/n`. [`Penalty::subdiff_distance`]
//! is `dist(−g, ∂pen(t))` with `g = −x̃_jᵀr/n` the gradient of the datafit (the Clarke
//! subdifferential for MCP and SCAD), which is what the KKT certificate measures.

use serde::{Deserialize, Serialize};

use crate::error::SolverError;

/// Soft-thresholding `S(z, λ) = sign(z)·max(|z| − λ, 0)`.
#[inline]
pub fn soft_threshold(z: f64, lambda: f64) -> f64 {
    if z > lambda {
        z - lambda
    } else if z < -lambda {
        z + lambda
    } else {
        0.0
    }
}

/// A separable, per-feature weighted penalty `Σ_j w_j·pen(t_j)`, statically dispatched in the
/// coordinate loop (docs/design.md §3).
///
/// An implementation defines `pen` at unit weight (`value`, `threshold`, `subdiff_distance`,
/// `local_piece`); the solver only calls the weighted forms (`weighted_*`, `zero_threshold`,
/// `coordinate_convex`, `alpha_max_at`), whose provided definitions follow from
///
/// ```text
/// argmin_t v/2·t² − z·t + w·pen(t) = argmin_t (v/w)/2·t² − (z/w)·t + pen(t)     (w > 0),
/// dist(−g, w·∂pen(t)) = w·dist(−g/w, ∂pen(t)),
/// ```
///
/// and `w = 0` (an unpenalized feature) makes the coordinate problem plain least squares,
/// `t = z/v`, with `dist = |g|`. At `w = 1` every weighted form returns exactly the unit one.
pub trait Penalty: Send + Sync + std::fmt::Debug {
    /// `pen(t)` at level α (unit weight).
    fn value(&self, t: f64, alpha: f64) -> f64;
    /// The exact minimizer of `v/2·t² − z·t + pen(t)` (requires [`Penalty::curvature_ok`]).
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64;
    /// `dist(−g, ∂pen(t))`: 0 exactly when t is stationary for gradient g.
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64;
    /// The weight ρ of the L1 part: at unit weight `t = 0` is optimal iff `|g| ≤ ρ·α`.
    fn l1_weight(&self) -> f64;
    /// The ρ of the grid's `alpha_max = max_j |x̃_jᵀ ỹ|/(n·w_j·ρ)`: the L1 weight, except for
    /// ridge, which has none and uses glmnet's ρ = 10⁻³.
    fn grid_factor(&self) -> f64 {
        self.l1_weight()
    }
    /// The weight of the L2 part: `pen` contains `l2_weight·α/2·t²` (convex penalties only).
    fn l2_weight(&self) -> f64;
    /// Whether the penalty is convex (duality-gap certificate) or not (KKT certificate).
    fn is_convex(&self) -> bool;
    /// Whether the unit-weight coordinate problem with curvature `v` is strictly convex
    /// (MCP: γ·v > 1; SCAD: γ > 1 + 1/v; always true for convex penalties).
    fn curvature_ok(&self, v: f64) -> bool;
    /// The name used on the command line and in tables.
    fn name(&self) -> &'static str;
    /// γ of MCP and SCAD.
    fn gamma(&self) -> Option<f64> {
        None
    }
    /// The quadratic piece of `pen` containing `t ≠ 0`: on the interval `[lo, hi]` (values of
    /// t, same sign as t), `pen'(u) = slope + curvature·(u − t)`. Used by Newton steps.
    fn local_piece(&self, t: f64, alpha: f64) -> Piece;

    /// `w·pen(t)`.
    #[inline]
    fn weighted_value(&self, t: f64, alpha: f64, w: f64) -> f64 {
        if w == 1.0 { self.value(t, alpha) } else { w * self.value(t, alpha) }
    }
    /// The exact minimizer of `v/2·t² − z·t + w·pen(t)`: `threshold(z/w, v/w, α)`, or `z/v`
    /// when `w = 0` (requires [`Penalty::coordinate_convex`]).
    #[inline]
    fn weighted_threshold(&self, z: f64, v: f64, alpha: f64, w: f64) -> f64 {
        if w == 1.0 {
            self.threshold(z, v, alpha)
        } else if w == 0.0 {
            z / v
        } else {
            self.threshold(z / w, v / w, alpha)
        }
    }
    /// `dist(−g, w·∂pen(t))` (`|g|` when `w = 0`).
    #[inline]
    fn weighted_subdiff_distance(&self, t: f64, g: f64, alpha: f64, w: f64) -> f64 {
        if w == 1.0 {
            self.subdiff_distance(t, g, alpha)
        } else if w == 0.0 {
            g.abs()
        } else {
            w * self.subdiff_distance(t, g / w, alpha)
        }
    }
    /// The piece of `w·pen` around t: the unit piece with slope and curvature times w; for
    /// `w = 0` the whole line with slope and curvature 0 (t may then be 0).
    #[inline]
    fn weighted_piece(&self, t: f64, alpha: f64, w: f64) -> Piece {
        if w == 0.0 {
            return Piece { slope: 0.0, curvature: 0.0, lo: f64::NEG_INFINITY, hi: f64::INFINITY };
        }
        let piece = self.local_piece(t, alpha);
        if w == 1.0 { piece } else { Piece { slope: w * piece.slope, curvature: w * piece.curvature, ..piece } }
    }
    /// `w·ρ·α`: `t = 0` is optimal for the coordinate iff `|g| ≤ zero_threshold`. Zero for an
    /// unpenalized feature and for a penalty without L1 part: such a feature is never zero by
    /// screening and always belongs to the working set.
    #[inline]
    fn zero_threshold(&self, alpha: f64, w: f64) -> f64 {
        w * self.l1_weight() * alpha
    }
    /// Whether the coordinate problem of `w·pen` with curvature v is strictly convex:
    /// `curvature_ok(v/w)` (MCP: w < γ·v; SCAD: w < (γ − 1)·v); always for w = 0.
    #[inline]
    fn coordinate_convex(&self, v: f64, w: f64) -> bool {
        w == 0.0 || self.curvature_ok(v / w)
    }
    /// The smallest α at which `t = 0` is optimal for a feature with gradient `c` at zero and
    /// weight `w > 0`: `|c|/(w·ρ)` (ρ the [`Penalty::grid_factor`]).
    #[inline]
    fn alpha_max_at(&self, c: f64, w: f64) -> f64 {
        c.abs() / (w * self.grid_factor())
    }
}

/// One quadratic piece of a penalty around a nonzero coefficient (see
/// [`Penalty::local_piece`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Piece {
    /// `pen'(t)`.
    pub slope: f64,
    /// `pen''` on the piece.
    pub curvature: f64,
    /// Lower end of the piece (a value of t).
    pub lo: f64,
    /// Upper end of the piece.
    pub hi: f64,
}

/// The piece `[0, ∞)` or `(−∞, 0]` of an L1 + L2 penalty around t ≠ 0.
fn signed_piece(t: f64, slope: f64, curvature: f64) -> Piece {
    let (lo, hi) = if t > 0.0 { (0.0, f64::INFINITY) } else { (f64::NEG_INFINITY, 0.0) };
    Piece { slope, curvature, lo, hi }
}

/// The piece between |t| = a and |t| = b (0 ≤ a < b ≤ ∞) on t's side.
fn magnitude_piece(t: f64, slope: f64, curvature: f64, a: f64, b: f64) -> Piece {
    let (lo, hi) = if t > 0.0 { (a, b) } else { (-b, -a) };
    Piece { slope, curvature, lo, hi }
}

/// `pen(t) = α|t|`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lasso;

/// `pen(t) = α/2·t²`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ridge;

/// `pen(t) = α·(ρ|t| + (1−ρ)/2·t²)` with `l1_ratio` ρ ∈ (0, 1].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ElasticNet {
    /// ρ, the share of the L1 part.
    pub l1_ratio: f64,
}

/// Minimax concave penalty: `α|t| − t²/(2γ)` if `|t| ≤ γα`, else `γα²/2`; γ > 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mcp {
    /// γ > 1.
    pub gamma: f64,
}

/// SCAD: `α|t|` if `|t| ≤ α`; `(2γα|t| − t² − α²)/(2(γ−1))` if `α < |t| ≤ γα`;
/// `α²(γ+1)/2` beyond; γ > 2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scad {
    /// γ > 2.
    pub gamma: f64,
}

/// `dist(−g, ∂(λ|·|)(t) + μ·t)` for a convex L1 + L2 penalty.
#[inline]
fn l1_l2_distance(t: f64, g: f64, l1: f64, l2: f64) -> f64 {
    if t == 0.0 { (g.abs() - l1).max(0.0) } else { (g + l1 * t.signum() + l2 * t).abs() }
}

impl Penalty for Lasso {
    fn value(&self, t: f64, alpha: f64) -> f64 {
        alpha * t.abs()
    }
    /// `S(z, α)/v`.
    #[inline]
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64 {
        soft_threshold(z, alpha) / v
    }
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64 {
        l1_l2_distance(t, g, alpha, 0.0)
    }
    fn l1_weight(&self) -> f64 {
        1.0
    }
    fn l2_weight(&self) -> f64 {
        0.0
    }
    fn is_convex(&self) -> bool {
        true
    }
    fn curvature_ok(&self, _v: f64) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "lasso"
    }
    fn local_piece(&self, t: f64, alpha: f64) -> Piece {
        signed_piece(t, alpha * t.signum(), 0.0)
    }
}

impl Penalty for Ridge {
    fn value(&self, t: f64, alpha: f64) -> f64 {
        0.5 * alpha * t * t
    }
    /// `z/(v + α)`.
    #[inline]
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64 {
        z / (v + alpha)
    }
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64 {
        (g + alpha * t).abs()
    }
    fn l1_weight(&self) -> f64 {
        0.0
    }
    fn grid_factor(&self) -> f64 {
        1e-3
    }
    fn l2_weight(&self) -> f64 {
        1.0
    }
    fn is_convex(&self) -> bool {
        true
    }
    fn curvature_ok(&self, _v: f64) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "ridge"
    }
    fn local_piece(&self, t: f64, alpha: f64) -> Piece {
        Piece { slope: alpha * t, curvature: alpha, lo: f64::NEG_INFINITY, hi: f64::INFINITY }
    }
}

impl Penalty for ElasticNet {
    fn value(&self, t: f64, alpha: f64) -> f64 {
        alpha * (self.l1_ratio * t.abs() + 0.5 * (1.0 - self.l1_ratio) * t * t)
    }
    /// `S(z, αρ)/(v + α(1−ρ))`.
    #[inline]
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64 {
        soft_threshold(z, alpha * self.l1_ratio) / (v + alpha * (1.0 - self.l1_ratio))
    }
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64 {
        l1_l2_distance(t, g, alpha * self.l1_ratio, alpha * (1.0 - self.l1_ratio))
    }
    fn l1_weight(&self) -> f64 {
        self.l1_ratio
    }
    fn l2_weight(&self) -> f64 {
        1.0 - self.l1_ratio
    }
    fn is_convex(&self) -> bool {
        true
    }
    fn curvature_ok(&self, _v: f64) -> bool {
        true
    }
    fn name(&self) -> &'static str {
        "enet"
    }
    fn local_piece(&self, t: f64, alpha: f64) -> Piece {
        let l2 = alpha * (1.0 - self.l1_ratio);
        signed_piece(t, alpha * self.l1_ratio * t.signum() + l2 * t, l2)
    }
}

impl Penalty for Mcp {
    fn value(&self, t: f64, alpha: f64) -> f64 {
        let a = t.abs();
        if a <= self.gamma * alpha { alpha * a - t * t / (2.0 * self.gamma) } else { 0.5 * self.gamma * alpha * alpha }
    }
    /// Firm thresholding generalised to curvature v (γv > 1):
    /// `0` if `|z| ≤ α`; `S(z, α)/(v − 1/γ)` if `|z| ≤ γαv`; `z/v` beyond.
    #[inline]
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64 {
        let a = z.abs();
        if a <= alpha {
            0.0
        } else if a <= self.gamma * alpha * v {
            soft_threshold(z, alpha) / (v - 1.0 / self.gamma)
        } else {
            z / v
        }
    }
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64 {
        let a = t.abs();
        if t == 0.0 {
            (g.abs() - alpha).max(0.0)
        } else if a < self.gamma * alpha {
            (g + alpha * t.signum() - t / self.gamma).abs()
        } else {
            g.abs()
        }
    }
    fn l1_weight(&self) -> f64 {
        1.0
    }
    fn l2_weight(&self) -> f64 {
        0.0
    }
    fn is_convex(&self) -> bool {
        false
    }
    fn curvature_ok(&self, v: f64) -> bool {
        self.gamma * v > 1.0
    }
    fn name(&self) -> &'static str {
        "mcp"
    }
    fn gamma(&self) -> Option<f64> {
        Some(self.gamma)
    }
    fn local_piece(&self, t: f64, alpha: f64) -> Piece {
        let knee = self.gamma * alpha;
        if t.abs() < knee {
            magnitude_piece(t, alpha * t.signum() - t / self.gamma, -1.0 / self.gamma, 0.0, knee)
        } else {
            magnitude_piece(t, 0.0, 0.0, knee, f64::INFINITY)
        }
    }
}

impl Penalty for Scad {
    fn value(&self, t: f64, alpha: f64) -> f64 {
        let a = t.abs();
        let g = self.gamma;
        if a <= alpha {
            alpha * a
        } else if a <= g * alpha {
            (2.0 * g * alpha * a - t * t - alpha * alpha) / (2.0 * (g - 1.0))
        } else {
            alpha * alpha * (g + 1.0) / 2.0
        }
    }
    /// The three-piece SCAD rule generalised to curvature v (γ > 1 + 1/v):
    /// `S(z, α)/v` if `|z| ≤ α(1 + v)`; `S((γ−1)z, γα)/((γ−1)v − 1)` if `|z| ≤ γαv`;
    /// `z/v` beyond.
    #[inline]
    fn threshold(&self, z: f64, v: f64, alpha: f64) -> f64 {
        let a = z.abs();
        let g = self.gamma;
        if a <= alpha * (1.0 + v) {
            soft_threshold(z, alpha) / v
        } else if a <= g * alpha * v {
            soft_threshold((g - 1.0) * z, g * alpha) / ((g - 1.0) * v - 1.0)
        } else {
            z / v
        }
    }
    fn subdiff_distance(&self, t: f64, g: f64, alpha: f64) -> f64 {
        let a = t.abs();
        let gm = self.gamma;
        if t == 0.0 {
            (g.abs() - alpha).max(0.0)
        } else if a <= alpha {
            (g + alpha * t.signum()).abs()
        } else if a <= gm * alpha {
            (g + (gm * alpha * t.signum() - t) / (gm - 1.0)).abs()
        } else {
            g.abs()
        }
    }
    fn l1_weight(&self) -> f64 {
        1.0
    }
    fn l2_weight(&self) -> f64 {
        0.0
    }
    fn is_convex(&self) -> bool {
        false
    }
    fn curvature_ok(&self, v: f64) -> bool {
        self.gamma > 1.0 + 1.0 / v
    }
    fn name(&self) -> &'static str {
        "scad"
    }
    fn gamma(&self) -> Option<f64> {
        Some(self.gamma)
    }
    fn local_piece(&self, t: f64, alpha: f64) -> Piece {
        let (a, g) = (t.abs(), self.gamma);
        if a <= alpha {
            magnitude_piece(t, alpha * t.signum(), 0.0, 0.0, alpha)
        } else if a <= g * alpha {
            magnitude_piece(t, (g * alpha * t.signum() - t) / (g - 1.0), -1.0 / (g - 1.0), alpha, g * alpha)
        } else {
            magnitude_piece(t, 0.0, 0.0, g * alpha, f64::INFINITY)
        }
    }
}

/// A penalty chosen at run time; dispatched once per path to a monomorphised solver.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "penalty", rename_all = "snake_case", deny_unknown_fields)]
pub enum PenaltySpec {
    /// [`Lasso`].
    Lasso,
    /// [`Ridge`].
    Ridge,
    /// [`ElasticNet`].
    Enet {
        /// ρ ∈ (0, 1].
        l1_ratio: f64,
    },
    /// [`Mcp`].
    Mcp {
        /// γ > 1.
        gamma: f64,
    },
    /// [`Scad`].
    Scad {
        /// γ > 2.
        gamma: f64,
    },
}

/// Default `l1_ratio` of the elastic net.
pub const DEFAULT_L1_RATIO: f64 = 0.5;
/// Default γ of MCP.
pub const DEFAULT_MCP_GAMMA: f64 = 3.0;
/// Default γ of SCAD.
pub const DEFAULT_SCAD_GAMMA: f64 = 3.7;

impl PenaltySpec {
    /// Builds a spec from a name (`lasso`, `ridge`, `enet`, `mcp`, `scad`) and the optional
    /// parameters, applying defaults and validating ranges. A parameter that the penalty does
    /// not use is an error rather than silently ignored.
    pub fn from_name(name: &str, l1_ratio: Option<f64>, gamma: Option<f64>) -> Result<Self, SolverError> {
        let spec = match name {
            "lasso" | "l1" => PenaltySpec::Lasso,
            "ridge" | "l2" => PenaltySpec::Ridge,
            "enet" | "elasticnet" | "elastic_net" => {
                PenaltySpec::Enet { l1_ratio: l1_ratio.unwrap_or(DEFAULT_L1_RATIO) }
            }
            "mcp" => PenaltySpec::Mcp { gamma: gamma.unwrap_or(DEFAULT_MCP_GAMMA) },
            "scad" => PenaltySpec::Scad { gamma: gamma.unwrap_or(DEFAULT_SCAD_GAMMA) },
            other => {
                return Err(SolverError::InvalidParameter(format!(
                    "unknown penalty '{other}' (expected lasso, ridge, enet, mcp or scad)"
                )));
            }
        };
        if l1_ratio.is_some() && !matches!(spec, PenaltySpec::Enet { .. }) {
            return Err(SolverError::InvalidParameter(format!(
                "--l1-ratio applies to the enet penalty only, not {}",
                spec.name()
            )));
        }
        if gamma.is_some() && !matches!(spec, PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. }) {
            return Err(SolverError::InvalidParameter(format!(
                "--gamma applies to the mcp and scad penalties only, not {}",
                spec.name()
            )));
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Checks the parameter ranges: `l1_ratio ∈ (0, 1]`, MCP `γ > 1`, SCAD `γ > 2`, all finite.
    pub fn validate(&self) -> Result<(), SolverError> {
        match *self {
            PenaltySpec::Enet { l1_ratio } if !(l1_ratio > 0.0 && l1_ratio <= 1.0) => {
                Err(SolverError::InvalidParameter(format!("l1_ratio must be in (0, 1], got {l1_ratio}")))
            }
            PenaltySpec::Mcp { gamma } if !(gamma > 1.0 && gamma.is_finite()) => {
                Err(SolverError::InvalidParameter(format!("gamma for mcp must be a finite number > 1, got {gamma}")))
            }
            PenaltySpec::Scad { gamma } if !(gamma > 2.0 && gamma.is_finite()) => {
                Err(SolverError::InvalidParameter(format!("gamma for scad must be a finite number > 2, got {gamma}")))
            }
            _ => Ok(()),
        }
    }

    /// The penalty's short name.
    pub fn name(&self) -> &'static str {
        match self {
            PenaltySpec::Lasso => "lasso",
            PenaltySpec::Ridge => "ridge",
            PenaltySpec::Enet { .. } => "enet",
            PenaltySpec::Mcp { .. } => "mcp",
            PenaltySpec::Scad { .. } => "scad",
        }
    }

    /// `l1_ratio` for enet, otherwise `None`.
    pub fn l1_ratio(&self) -> Option<f64> {
        match *self {
            PenaltySpec::Enet { l1_ratio } => Some(l1_ratio),
            _ => None,
        }
    }

    /// γ for MCP/SCAD, otherwise `None`.
    pub fn gamma(&self) -> Option<f64> {
        match *self {
            PenaltySpec::Mcp { gamma } | PenaltySpec::Scad { gamma } => Some(gamma),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brute-force minimizer of `v/2 t² − z t + pen(t)` on a fine grid around the answer.
    fn brute<P: Penalty>(p: &P, z: f64, v: f64, alpha: f64) -> f64 {
        let obj = |t: f64| 0.5 * v * t * t - z * t + p.value(t, alpha);
        let (mut best, mut best_t) = (f64::INFINITY, 0.0);
        let span = 2.0 * (z.abs() / v + 1.0);
        let steps = 400_000;
        for k in 0..=steps {
            let t = -span + 2.0 * span * k as f64 / steps as f64;
            let o = obj(t);
            if o < best {
                best = o;
                best_t = t;
            }
        }
        best_t
    }

    fn check_threshold<P: Penalty>(p: P, v: f64) {
        let alpha = 0.7;
        for k in -40..=40 {
            let z = k as f64 * 0.13;
            let t = p.threshold(z, v, alpha);
            let b = brute(&p, z, v, alpha);
            let obj = |t: f64| 0.5 * v * t * t - z * t + p.value(t, alpha);
            assert!(obj(t) <= obj(b) + 1e-9, "{}: z = {z}, v = {v}: {t} vs brute {b}", p.name());
            // the minimizer is stationary: −(v t − z) ∈ ∂pen(t)
            assert!(p.subdiff_distance(t, v * t - z, alpha) < 1e-12, "{} z = {z}", p.name());
        }
    }

    #[test]
    fn thresholds_are_exact_minimizers() {
        for v in [1.0, 0.6, 2.5] {
            check_threshold(Lasso, v);
            check_threshold(Ridge, v);
            check_threshold(ElasticNet { l1_ratio: 0.3 }, v);
            check_threshold(Mcp { gamma: 3.0 }, v);
            check_threshold(Scad { gamma: 3.7 }, v);
        }
    }

    /// Each piece's slope is the derivative of `value`, and its curvature the second derivative.
    #[test]
    fn local_pieces_match_finite_differences() {
        fn check<P: Penalty>(p: P) {
            let alpha = 0.8;
            for k in 1..60 {
                for sign in [1.0, -1.0] {
                    let t = sign * k as f64 * 0.07;
                    let piece = p.local_piece(t, alpha);
                    assert!(piece.lo <= t && t <= piece.hi, "{} t = {t}", p.name());
                    let h = 1e-4;
                    if t - h < piece.lo || t + h > piece.hi {
                        continue;
                    }
                    let d = (p.value(t + h, alpha) - p.value(t - h, alpha)) / (2.0 * h);
                    assert!((d - piece.slope).abs() < 1e-8, "{} t = {t}: {d} vs {}", p.name(), piece.slope);
                    let dd = (p.value(t + h, alpha) - 2.0 * p.value(t, alpha) + p.value(t - h, alpha)) / (h * h);
                    assert!((dd - piece.curvature).abs() < 1e-4, "{} t = {t}: {dd} vs {}", p.name(), piece.curvature);
                }
            }
        }
        check(Lasso);
        check(Ridge);
        check(ElasticNet { l1_ratio: 0.3 });
        check(Mcp { gamma: 3.0 });
        check(Scad { gamma: 3.7 });
    }

    #[test]
    fn mcp_is_firm_thresholding_at_unit_curvature() {
        let p = Mcp { gamma: 3.0 };
        let a = 1.0;
        assert_eq!(p.threshold(0.9, 1.0, a), 0.0);
        assert!((p.threshold(2.0, 1.0, a) - 1.5).abs() < 1e-15); // (2−1)/(1−1/3)
        assert_eq!(p.threshold(3.5, 1.0, a), 3.5);
    }

    #[test]
    fn scad_three_pieces_at_unit_curvature() {
        let p = Scad { gamma: 3.7 };
        let a = 1.0;
        assert_eq!(p.threshold(1.5, 1.0, a), 0.5);
        let z = 3.0;
        assert!((p.threshold(z, 1.0, a) - ((3.7 - 1.0) * z - 3.7) / (3.7 - 2.0)).abs() < 1e-14);
        assert_eq!(p.threshold(5.0, 1.0, a), 5.0);
    }

    #[test]
    fn spec_validation_names_the_problem() {
        assert!(PenaltySpec::from_name("enet", Some(0.0), None).unwrap_err().to_string().contains("l1_ratio"));
        assert!(PenaltySpec::from_name("enet", Some(1.5), None).is_err());
        assert!(PenaltySpec::from_name("enet", Some(1.0), None).is_ok());
        assert!(PenaltySpec::from_name("mcp", None, Some(1.0)).unwrap_err().to_string().contains("gamma"));
        assert!(PenaltySpec::from_name("scad", None, Some(2.0)).is_err());
        assert!(PenaltySpec::from_name("scad", None, Some(f64::NAN)).is_err());
        assert!(PenaltySpec::from_name("lasso", None, Some(3.0)).is_err());
        assert!(PenaltySpec::from_name("lasso", Some(0.5), None).is_err());
        assert!(PenaltySpec::from_name("group", None, None).unwrap_err().to_string().contains("unknown penalty"));
        assert_eq!(PenaltySpec::from_name("mcp", None, None).unwrap(), PenaltySpec::Mcp { gamma: 3.0 });
    }

    #[test]
    fn curvature_conditions() {
        assert!(Mcp { gamma: 3.0 }.curvature_ok(0.5));
        assert!(!Mcp { gamma: 3.0 }.curvature_ok(0.3));
        assert!(Scad { gamma: 3.7 }.curvature_ok(1.0));
        assert!(!Scad { gamma: 3.7 }.curvature_ok(0.3));
    }
}
