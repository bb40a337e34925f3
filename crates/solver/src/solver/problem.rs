//! The problem skeleton both datafits' solvers share, set up once: the response checks, the
//! penalty weights, the live columns (`v_j > 0`, less the copies of [`crate::duplicates`]),
//! the solve options; and the steps that only read the design and the gradients, whatever the
//! datafit: full gradient passes, the check of the features outside the working set, the
//! per-feature half of the certificate, alpha_max and the coefficients on the original scale.
//!
//! A datafit's solver owns the iterate (t, the intercept, its residual `r = −n∇F(η)`) and
//! adds the whole-vector half of the certificate (the dual objective from its vectors).

use super::gradients::GradientCache;
use super::weights::PenaltyWeights;
use super::working_set::{Rules, WorkingSet};
use crate::certificate::CertificateAccumulator;
use crate::design::Design;
use crate::duplicates::{ColumnCopy, find_copies};
use crate::error::SolverError;
use crate::penalty::Penalty;
use crate::solve_options::SolveOptions;

/// Work done: columns read by gradient scans (whole path), and per alpha the epochs,
/// coordinate updates and Newton steps.
#[derive(Default)]
pub(super) struct Counters {
    pub(super) columns_scanned: u64,
    pub(super) epochs: usize,
    pub(super) updates: u64,
    /// Solves with a factored Hessian: segment steps of the active-set Newton, the ridge
    /// kernel solve, the logistic datafit's proximal-Newton steps.
    pub(super) newton_steps: u64,
    /// Flops of ridge kernels built (2n² per penalized column).
    pub(super) kernel_flops: u64,
    /// Rounds of hot sweeps (`hot_sweeps.rs`).
    pub(super) hot_rounds: u64,
}

/// What every solver of one design, penalty weighting and options shares (module docs).
pub(super) struct Problem<'a, D: Design> {
    pub(super) design: &'a D,
    /// Penalty factor w_j of every column (0 for covariates; all 1 by default).
    pub(super) weights: PenaltyWeights,
    /// Columns of X proper (the first `p_x`; covariates follow).
    pub(super) p_x: usize,
    pub(super) n: usize,
    /// The live columns the solver works on: every column with `v_j > 0`, less the copies.
    pub(super) live: Vec<usize>,
    /// Membership mask of `live`.
    pub(super) in_live: Vec<bool>,
    /// Live columns that copy a representative in `live` (see [`crate::duplicates`]); their
    /// coefficient stays 0 and they enter the certificate through their representative.
    pub(super) copies: Vec<ColumnCopy>,
    pub(super) settings: SolveOptions,
}

/// Checks that y has one finite value per sample.
pub(super) fn check_response<D: Design>(design: &D, y: &[f64]) -> Result<(), SolverError> {
    let n = design.n_samples();
    if y.len() != n {
        return Err(SolverError::LengthMismatch { y_len: y.len(), n });
    }
    if let Some((i, &v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SolverError::NonFinite { what: "y", value: v, location: format!("position {i} (0-based)") });
    }
    Ok(())
}

impl<'a, D: Design> Problem<'a, D> {
    /// The live columns and weights of `design` under `penalty`. `coordinate_convex`: every
    /// live column's coordinate problem must be convex at its curvature `v_j` (the quadratic
    /// datafit's exact coordinate minimizer; the logistic one damps its models instead).
    /// Copies are merged for penalties with an L1 part and no L2 part when
    /// `options.merge_copies`, into a representative of the same weight only.
    pub(super) fn new<P: Penalty>(
        design: &'a D,
        penalty: &P,
        options: &SolveOptions,
        coordinate_convex: bool,
    ) -> Result<Self, SolverError> {
        let n = design.n_samples();
        let p = design.n_features();
        let stats = design.stats();
        let p_x = p - design.n_covariates();
        let weights = PenaltyWeights::new(options.penalty_factor.as_deref(), p_x, p)?;
        if let Some(j) = (p_x..p).find(|&j| !design.is_live(j)) {
            return Err(SolverError::Unpenalized(format!(
                "covariate {} is constant: it duplicates the intercept",
                j - p_x + 1
            )));
        }
        let mut live: Vec<usize> = (0..p).filter(|&j| design.is_live(j)).collect();
        if coordinate_convex
            && let Some(&j) = live.iter().find(|&&j| !penalty.coordinate_convex(stats.curvature[j], weights[j]))
        {
            return Err(non_convex_error(penalty, j, stats.curvature[j], weights[j]));
        }
        let copies = if options.merge_copies && penalty.l2_weight() == 0.0 && penalty.l1_weight() > 0.0 {
            // a copy is merged into a representative of the same weight only; unpenalized
            // columns are never merged (collinear ones are an error of the unpenalized fit)
            let penalized: Vec<usize> = live.iter().copied().filter(|&j| weights[j] > 0.0).collect();
            let mut copies = find_copies(design, &penalized);
            copies.retain(|c| weights[c.column] == weights[c.representative]);
            copies
        } else {
            Vec::new()
        };
        let mut in_live = vec![false; p];
        live.iter().for_each(|&j| in_live[j] = true);
        copies.iter().for_each(|c| in_live[c.column] = false);
        live.retain(|&j| in_live[j]);
        Ok(Problem { design, weights, p_x, n, live, in_live, copies, settings: options.clone() })
    }

    /// "covariate i" (1-based) or "column j" (0-based) of X.
    pub(super) fn column_label(&self, j: usize) -> String {
        if j >= self.p_x { format!("covariate {}", j - self.p_x + 1) } else { format!("column {j} of X") }
    }

    /// The unpenalized live columns U (covariates and zero weights).
    pub(super) fn unpenalized(&self) -> Vec<usize> {
        self.live.iter().copied().filter(|&j| self.weights[j] == 0.0).collect()
    }

    /// An empty working set over the design's columns.
    pub(super) fn empty_working_set(&self) -> WorkingSet {
        let p = self.design.n_features();
        WorkingSet { features: Vec::new(), in_set: vec![false; p], screened: vec![false; p], active: Vec::new() }
    }

    /// `alpha_max = max_{j live, w_j > 0} |c_j|/(w_j ρ)` (the penalty's own form) from the
    /// gradients `c_ref` of the first full pass.
    pub(super) fn alpha_max<P: Penalty>(&self, penalty: &P, c_ref: &[f64]) -> f64 {
        self.live
            .iter()
            .filter(|&&j| self.weights[j] > 0.0)
            .map(|&j| penalty.alpha_max_at(c_ref[j], self.weights[j]))
            .fold(0.0, f64::max)
    }

    /// Why alpha_max is zero, for the error message of the default grid (`null_reason`: the
    /// datafit's reason when its null loss is zero, if it can be).
    pub(super) fn zero_alpha_max_reason(&self, null_reason: Option<&'static str>) -> &'static str {
        if self.live.is_empty() {
            "no column of X varies"
        } else if self.live.iter().all(|&j| self.weights[j] == 0.0) {
            "no penalized column of X varies"
        } else if let Some(reason) = null_reason {
            reason
        } else {
            "y is orthogonal to every column of X"
        }
    }

    /// Columns read, in full passes over the live columns.
    pub(super) fn passes(&self, columns: u64) -> f64 {
        columns as f64 / self.live.len().max(1) as f64
    }

    /// Exact gradients of every live feature at the residual r (a new reference for the
    /// bounds).
    pub(super) fn full_pass(&self, grad: &mut GradientCache, r: &[f64], counts: &mut Counters) {
        let has_old = counts.columns_scanned > 0;
        let read = grad.full_pass(self.design, r, (&self.live, &self.in_live), has_old, false);
        counts.columns_scanned += read as u64;
    }

    /// Makes `c_now` exact, or bounded below the zero threshold, for every live feature
    /// outside S (a full pass when too many are in doubt); adds the violators to S and returns
    /// how many there were (see [`Rules`]). `idx` and `scored` are scratch.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_outside<P: Penalty>(
        &self,
        penalty: &P,
        ws: &mut WorkingSet,
        grad: &mut GradientCache,
        r: &[f64],
        alpha: f64,
        counts: &mut Counters,
        idx: &mut Vec<usize>,
        scored: &mut Vec<(f64, usize)>,
    ) -> usize {
        let model = grad.bound_model(r);
        let rules = Rules { penalty, weights: &self.weights, live: &self.live };
        if rules.in_doubt(ws, grad, model, alpha, idx) {
            // a screening pass, then exact gradients where its bounds are not below the
            // threshold (all of them after an exact pass)
            let has_old = counts.columns_scanned > 0;
            counts.columns_scanned += grad.full_pass(self.design, r, (&self.live, &self.in_live), has_old, true) as u64;
            rules.in_doubt(ws, grad, grad.bound_model(r), alpha, idx);
            counts.columns_scanned += grad.exact(self.design, r, idx) as u64;
        } else {
            let read = grad.exact(self.design, r, idx);
            counts.columns_scanned += read as u64;
        }
        rules.add_violators(ws, grad, alpha, scored)
    }

    /// The per-feature half of the certificate at the residual r: every live feature with its
    /// exact gradient where known (`t_j` and `c_j`), otherwise (t_j = 0 there) its gradient
    /// bound when that exceeds the zero threshold — a bound can only make the certificate
    /// larger; and each copy through its representative,
    /// `|c_copy| ≤ |c_rep| + δ·‖r‖₁/n` (δ the copy's deviation, see [`crate::duplicates`]).
    pub(super) fn accumulate_certificate<P: Penalty>(
        &self,
        acc: &mut CertificateAccumulator<'_, P>,
        penalty: &P,
        alpha: f64,
        t: &[f64],
        grad: &GradientCache,
        r: &[f64],
    ) {
        let model = grad.bound_model(r);
        for &j in &self.live {
            let w = self.weights[j];
            if grad.is_exact(j) {
                acc.add(t[j], grad.c_now[j], w);
            } else {
                let bound = grad.bound(j, model);
                if bound > penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, bound, w);
                }
            }
        }
        if !self.copies.is_empty() {
            let r_l1_over_n = r.iter().map(|v| v.abs()).sum::<f64>() / self.n as f64;
            for copy in &self.copies {
                let c = grad.exact_or_bound(copy.representative, model) + copy.deviation * r_l1_over_n;
                let w = self.weights[copy.column];
                if c > penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, c, w);
                }
            }
        }
    }

    /// Nonzero coefficients of S on the original scale, `β_j = t_j / s_j`, sorted by feature,
    /// into `coefs`.
    pub(super) fn collect_coefs(&self, features: &[usize], t: &[f64], coefs: &mut Vec<(usize, f64)>) {
        let scale = &self.design.stats().scale;
        coefs.clear();
        coefs.extend(features.iter().filter(|&&j| t[j] != 0.0).map(|&j| (j, t[j] / scale[j])));
        coefs.sort_unstable_by_key(|&(j, _)| j);
    }

    /// `b₀ − Σ_j m_j β_j` for the nonzero `coefs` (`b₀` the working-scale intercept: ȳ for
    /// the quadratic datafit, b for the others; 0 without intercept).
    pub(super) fn intercept(&self, b0: f64, coefs: &[(usize, f64)]) -> f64 {
        let stats = self.design.stats();
        if !stats.fit_intercept {
            return 0.0;
        }
        b0 - coefs.iter().map(|&(j, b)| stats.center[j] * b).sum::<f64>()
    }
}

/// The error for a live column whose coordinate problem under MCP/SCAD is not convex at its
/// curvature (naming the weight when it is not 1).
fn non_convex_error<P: Penalty>(penalty: &P, column: usize, curvature: f64, weight: f64) -> SolverError {
    if weight != 1.0 {
        let gamma = penalty.gamma().unwrap_or(f64::NAN);
        let limit = if penalty.name() == "mcp" { gamma * curvature } else { (gamma - 1.0) * curvature };
        return SolverError::WeightTooLarge { penalty: penalty.name(), gamma, weight, column, curvature, limit };
    }
    let condition = if penalty.name() == "mcp" { "gamma * v > 1" } else { "gamma > 1 + 1/v" };
    SolverError::NonConvexCoordinate {
        penalty: penalty.name(),
        gamma: penalty.gamma().unwrap_or(f64::NAN),
        column,
        curvature,
        condition,
    }
}
