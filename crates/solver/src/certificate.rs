//! Optimality certificates (docs/design.md §3), computed on the working scale.
//!
//! Write the problem un-normalised (multiplied by n), with `A = nαρ`, `B = nα(1−ρ)`
//! (ρ = the L1 weight, 1−ρ the L2 weight) and penalty factors w_j:
//!
//! ```text
//! n·P(t) = ½‖r‖² + Σ_j w_j (A|t_j| + B/2·t_j²),      r = ỹ − X̃t  (ỹ centered when an intercept is fitted)
//! ```
//!
//! *Convex penalties* — relative duality gap `(P − D)/P(0)`, `P(0) = ‖ỹ‖²/(2n)`, with the
//! larger of two dual values:
//!
//! - rescaled residual (A > 0): with `G_j = x̃_jᵀr − w_j B·t_j` and
//!   `s = min(1, min_j w_j A/|G_j|)` over the penalized features,
//!   `D₁ = −½s²(‖r‖² + B Σ_j w_j t_j²) + s·rᵀỹ` (the Lasso dual of the augmented design
//!   `[X̃; diag(√(B w_j))]`, so also valid for the elastic net);
//! - unconstrained elastic-net dual (B > 0, valid for pure ridge):
//!   `D₂ = −½‖r‖² + rᵀỹ − Σ_j (|x̃_jᵀr| − w_j A)₊² / (2 w_j B)`.
//!
//! Unpenalized features (w_j = 0: covariates, zero penalty factors) require `x̃_jᵀθ = 0`; the
//! solver fits them exactly, and the certificate is the larger of the relative gap and their
//! relative KKT violation `max_u |x̃_uᵀr|/(n·alpha_max)`.
//!
//! *MCP/SCAD* — relative KKT violation `max_j dist(−∇_j, w_j·∂pen(t_j)) / alpha_max` with
//! `∇_j = −x̃_jᵀr/n`, together with `|mean(r)|/alpha_max` when the intercept is fitted.
//!
//! Features whose gradient is not computed exactly must be known (by a bound) to satisfy
//! `|x̃_jᵀr|/n ≤ w_j ρα` with `t_j = 0`: they then contribute nothing to either dual nor to the
//! KKT violation, so leaving them out keeps the certificate exact.

use crate::datafit::{Quadratic, Totals};
use crate::penalty::Penalty;

/// Which certificate a path point carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertificateKind {
    /// Relative duality gap (convex penalties).
    Gap,
    /// Relative KKT violation (MCP, SCAD).
    Kkt,
}

impl CertificateKind {
    /// `gap` or `kkt`, as written in tables.
    pub fn as_str(&self) -> &'static str {
        match self {
            CertificateKind::Gap => "gap",
            CertificateKind::Kkt => "kkt",
        }
    }
}

/// `max(a, b)`, but NaN when either is NaN. `f64::max` returns the other operand for a NaN,
/// so a certificate built with it would read 0 (certified) from a NaN gradient or loss.
#[inline]
pub fn max_or_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) }
}

/// Relative KKT violation of the unpenalized block (`max_u |c_u|/alpha_max`) up to which the
/// rescaled residual counts as a feasible dual point for Gap Safe screening.
const UNPENALIZED_FEASIBLE: f64 = 1e-10;

/// Accumulates per-feature terms of a certificate from exact gradients `c_j = x̃_jᵀr/n`.
///
/// With weights, feature j has `A_j = w_j·A` and `B_j = w_j·B`, the dual feasibility
/// constraint is `|x̃_jᵀθ − B_j t_j| ≤ A_j` and the elastic-net dual term is
/// `(|x̃_jᵀr| − A_j)₊²/(2B_j)`. An unpenalized feature (w_j = 0) constrains the dual to
/// `x̃_jᵀθ = 0`: the solver fits those coefficients exactly, the residual is orthogonal to them
/// up to rounding, and what is left, `max_u |c_u|/alpha_max`, is reported alongside the gap
/// (the certificate is the larger of the two).
#[derive(Clone, Copy, Debug)]
pub struct CertificateAccumulator<'p, P: Penalty> {
    penalty: &'p P,
    alpha: f64,
    n: f64,
    /// `A = nαρ`.
    l1: f64,
    /// `B = nα(1−ρ)`.
    l2: f64,
    /// `max_j |G_j|/w_j` over penalized features, `G_j = x̃_jᵀr − B_j t_j`.
    max_dual_norm: f64,
    /// `Σ_j (|x̃_jᵀr| − A_j)₊²/w_j` over penalized features.
    excess_sq: f64,
    /// `max_j dist(−∇_j, w_j·∂pen(t_j))` (nonconvex penalties; every feature).
    max_kkt: f64,
    /// `max_u |c_u|` over unpenalized features (convex penalties).
    max_unpenalized: f64,
    /// Whether `max_kkt` is accumulated (always for nonconvex penalties).
    kkt: bool,
}

impl<'p, P: Penalty> CertificateAccumulator<'p, P> {
    /// An empty accumulator for level α on n samples.
    pub fn new(penalty: &'p P, alpha: f64, n: usize) -> Self {
        let n = n as f64;
        CertificateAccumulator {
            penalty,
            alpha,
            n,
            l1: n * alpha * penalty.l1_weight(),
            l2: n * alpha * penalty.l2_weight(),
            max_dual_norm: 0.0,
            excess_sq: 0.0,
            max_kkt: 0.0,
            max_unpenalized: 0.0,
            kkt: !penalty.is_convex(),
        }
    }

    /// Also accumulates the KKT violation for a convex penalty (for a datafit whose conjugate
    /// is not known, so that the certificate is the KKT violation).
    pub fn with_kkt(mut self, kkt: bool) -> Self {
        self.kkt |= kkt;
        self
    }

    /// Adds a feature with working coefficient `t`, exact gradient `c = x̃_jᵀr/n` and penalty
    /// weight `w`.
    #[inline]
    pub fn add(&mut self, t: f64, c: f64, w: f64) {
        if c.is_nan() || t.is_nan() {
            // both finishers read these two through `max_or_nan`: the certificate is NaN
            self.max_kkt = f64::NAN;
            self.max_unpenalized = f64::NAN;
            return;
        }
        if self.kkt {
            let d = self.penalty.weighted_subdiff_distance(t, -c, self.alpha, w);
            if d > self.max_kkt || d.is_nan() {
                self.max_kkt = max_or_nan(self.max_kkt, d);
            }
            if !self.penalty.is_convex() {
                return;
            }
        }
        if w == 0.0 {
            let d = c.abs();
            if d > self.max_unpenalized || d.is_nan() {
                self.max_unpenalized = max_or_nan(self.max_unpenalized, d);
            }
        } else if w == 1.0 {
            let xr = self.n * c;
            let g = (xr - self.l2 * t).abs();
            if g > self.max_dual_norm || g.is_nan() {
                self.max_dual_norm = g;
            }
            let e = xr.abs() - self.l1;
            if e > 0.0 {
                self.excess_sq += e * e;
            }
        } else {
            let xr = self.n * c;
            let g = (xr - w * self.l2 * t).abs() / w;
            if g > self.max_dual_norm || g.is_nan() {
                self.max_dual_norm = g;
            }
            let e = xr.abs() - w * self.l1;
            if e > 0.0 {
                self.excess_sq += e * e / w;
            }
        }
    }

    /// The certificate, from the accumulated terms and whole-vector quantities. The datafit
    /// supplies the loss and the dual objective ([`Quadratic`]).
    pub fn finish(&self, datafit: &Quadratic, totals: &Totals, null_objective: f64, alpha_max: f64) -> Certificate {
        let norm = if alpha_max > 0.0 { alpha_max } else { 1.0 };
        if self.penalty.is_convex() {
            let loss = datafit.loss(totals);
            let primal_u = self.n * (loss + totals.penalty);
            let mut dual = f64::NEG_INFINITY;
            let mut scaled_dual = None;
            if self.l1 > 0.0 {
                // θ = s·[r; −√(B_j) t_j]: s·|G_j| ≤ A_j for every penalized j
                let s = if self.max_dual_norm > self.l1 { self.l1 / self.max_dual_norm } else { 1.0 };
                let d1 = self.n * datafit.scaled_dual(totals, s, self.l2);
                dual = dual.max(d1);
                scaled_dual = Some((s, (primal_u - d1).max(0.0)));
            }
            if self.l2 > 0.0 {
                let d2 = self.n * datafit.scaled_dual(totals, 1.0, 0.0) - self.excess_sq / (2.0 * self.l2);
                dual = dual.max(d2);
            }
            // Gap Safe needs a feasible dual point: only when the unpenalized block is fitted
            // to rounding (X_uᵀr ≈ 0), as it is after an exact solve of that block
            if self.max_unpenalized > UNPENALIZED_FEASIBLE * norm {
                scaled_dual = None;
            }
            let gap = max_or_nan(primal_u - dual, 0.0) / self.n;
            let gap = if null_objective > 0.0 { gap / null_objective } else { gap };
            let value = max_or_nan(gap, self.max_unpenalized / norm);
            Certificate { kind: CertificateKind::Gap, value, primal: primal_u / self.n, scaled_dual }
        } else {
            let v = max_or_nan(self.max_kkt, totals.r_mean.abs()) / norm;
            Certificate {
                kind: CertificateKind::Kkt,
                value: v,
                primal: datafit.loss(totals) + totals.penalty,
                scaled_dual: None,
            }
        }
    }

    /// The accumulated per-feature terms, for a datafit that forms its own dual objective
    /// (the logistic one, whose dual is not a function of [`Totals`]).
    pub fn terms(&self) -> CertificateTerms {
        CertificateTerms {
            max_dual_norm: self.max_dual_norm,
            excess_sq: self.excess_sq,
            max_kkt: self.max_kkt,
            max_unpenalized: self.max_unpenalized,
        }
    }

    /// `A = nαρ`.
    pub fn l1(&self) -> f64 {
        self.l1
    }

    /// `B = nα(1−ρ)`.
    pub fn l2(&self) -> f64 {
        self.l2
    }
}

/// The per-feature terms of [`CertificateAccumulator`] (un-normalised, see its fields).
#[derive(Clone, Copy, Debug)]
pub struct CertificateTerms {
    /// `max_j |x̃_jᵀr − w_j B t_j|/w_j` over penalized features.
    pub max_dual_norm: f64,
    /// `Σ_j (|x̃_jᵀr| − w_j A)₊²/w_j` over penalized features.
    pub excess_sq: f64,
    /// `max_j dist(−∇_j, w_j·∂pen(t_j))` (nonconvex penalties).
    pub max_kkt: f64,
    /// `max_u |c_u|` over unpenalized features (convex penalties).
    pub max_unpenalized: f64,
}

/// A certificate for one point.
#[derive(Clone, Copy, Debug)]
pub struct Certificate {
    /// Gap or KKT.
    pub kind: CertificateKind,
    /// The relative value compared with the tolerance.
    pub value: f64,
    /// The primal objective `P`.
    pub primal: f64,
    /// For a gap with an L1 part: the dual scaling s and the un-normalised gap `n(P − D₁)`
    /// of the rescaled-residual dual point, which Gap Safe screening uses.
    pub scaled_dual: Option<(f64, f64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::penalty::{Lasso, Mcp};

    /// A NaN gradient or loss gives a NaN certificate (never ≤ tol), whichever term holds it:
    /// `f64::max` would have returned the other term, 0 here, and certified the point.
    #[test]
    fn a_nan_term_makes_the_certificate_nan_not_zero() {
        assert!(max_or_nan(f64::NAN, 0.0).is_nan() && max_or_nan(0.0, f64::NAN).is_nan());
        assert_eq!(max_or_nan(1.0, 2.0), 2.0);
        let datafit = Quadratic::new(4);
        let totals = Totals { r_sq: 1.0, r_dot_y: 1.0, r_mean: 0.0, t_sq: 0.0, penalty: 0.0 };
        let mcp = Mcp { gamma: 3.0 };
        let mut acc = CertificateAccumulator::new(&mcp, 0.5, 4);
        acc.add(0.0, 0.1, 1.0);
        acc.add(0.0, f64::NAN, 1.0);
        acc.add(0.0, 0.2, 1.0);
        let certificate = acc.finish(&datafit, &totals, 1.0, 1.0);
        assert_eq!(certificate.kind, CertificateKind::Kkt);
        assert!(certificate.value.is_nan(), "{}", certificate.value);
        // the same without the NaN: a clean 0 (every |gradient| ≤ alpha at t = 0)
        let mut acc = CertificateAccumulator::new(&mcp, 0.5, 4);
        acc.add(0.0, 0.1, 1.0);
        assert_eq!(acc.finish(&datafit, &totals, 1.0, 1.0).value, 0.0);
        // a NaN loss under a convex penalty: the gap is NaN, not clamped to 0
        let lasso = Lasso;
        let mut acc = CertificateAccumulator::new(&lasso, 0.5, 4);
        acc.add(0.0, 0.1, 1.0);
        let nan_totals = Totals { r_sq: f64::NAN, ..totals };
        let certificate = acc.finish(&datafit, &nan_totals, 1.0, 1.0);
        assert_eq!(certificate.kind, CertificateKind::Gap);
        assert!(certificate.value.is_nan(), "{}", certificate.value);
    }
}
