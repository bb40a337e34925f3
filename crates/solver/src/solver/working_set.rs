//! Working sets and the screening rules both datafits' solvers share: which features an
//! alpha starts from (sequential strong rules on exact gradients or bound estimates), which
//! outside features are in doubt (their gradient bound is above the zero threshold), and which
//! violate their KKT condition at t_j = 0 and join S. All read the gradients `c_j = x̃_jᵀr/n`
//! of the [`GradientCache`], whatever the datafit.

use super::gradients::{self, GradientCache};
use super::weights::PenaltyWeights;
use crate::penalty::Penalty;

/// When more than this share of live features would need an exact gradient, a full pass is
/// made instead, which also refreshes the reference residual of the bounds.
const FULL_PASS_SHARE: f64 = 0.1;
/// Features that may always join the working set at once (see `working_set_growth`).
const MIN_WORKING_SET_GROWTH: usize = 256;
/// The working set S of the current alpha: its features (sorted after each rebuild), a
/// membership mask, the Gap-Safe-screened features, and the support of the last certificate.
pub(super) struct WorkingSet {
    pub(super) features: Vec<usize>,
    pub(super) in_set: Vec<bool>,
    pub(super) screened: Vec<bool>,
    pub(super) active: Vec<usize>,
}

/// The working-set rules both datafits' solvers share: which features a new alpha starts
/// from, which outside features are in doubt, and which violate their KKT condition at t_j = 0.
/// All read the gradients `c_j = x̃_jᵀr/n` of the gradient cache, whatever the datafit.
pub(super) struct Rules<'s, P: Penalty> {
    pub(super) penalty: &'s P,
    pub(super) weights: &'s PenaltyWeights,
    pub(super) live: &'s [usize],
}

impl<P: Penalty> Rules<'_, P> {
    /// S = {j : t_j ≠ 0 or never zero by screening (w_j·ρ = 0)} ∪ {j : ĉ_j ≥ w_j·ρ·level}
    /// (the sequential strong rule at `level = 2α − α_prev`, with ĉ the exact gradient or the
    /// bound model's prediction), the candidates capped at [`working_set_growth`] by size; every
    /// live feature when `level` is `None` (no strong rules). S is sorted.
    pub(super) fn rebuild(
        &self,
        ws: &mut WorkingSet,
        t: &[f64],
        grad: &GradientCache,
        model: gradients::BoundModel,
        level: Option<f64>,
        candidates: &mut Vec<(f64, usize)>,
    ) {
        for &j in &ws.features {
            ws.in_set[j] = false;
        }
        ws.features.clear();
        candidates.clear();
        for &j in self.live {
            let w = self.weights[j];
            let always = self.penalty.zero_threshold(1.0, w) == 0.0;
            match level {
                Some(level) if t[j] == 0.0 && !always => {
                    let estimate = grad.estimate(j, model);
                    if estimate >= self.penalty.zero_threshold(level, w) {
                        candidates.push((estimate, j));
                    }
                }
                _ => ws.features.push(j),
            }
        }
        keep_largest(candidates, working_set_growth(ws.features.len()));
        ws.features.extend(candidates.iter().map(|&(_, j)| j));
        ws.features.sort_unstable();
        for &j in &ws.features {
            ws.in_set[j] = true;
        }
    }

    /// The live features outside S whose gradient is neither exact nor bounded below the zero
    /// threshold `w_j·ρα`, into `idx`; returns whether they are more than [`FULL_PASS_SHARE`] of
    /// the live features (then a full pass is cheaper than reading them one by one).
    pub(super) fn in_doubt(
        &self,
        ws: &WorkingSet,
        grad: &GradientCache,
        model: gradients::BoundModel,
        alpha: f64,
        idx: &mut Vec<usize>,
    ) -> bool {
        idx.clear();
        for &j in self.live {
            if ws.in_set[j] || grad.is_exact(j) {
                continue;
            }
            if grad.bound(j, model) > self.penalty.zero_threshold(alpha, self.weights[j]) {
                idx.push(j);
            }
        }
        idx.len() as f64 > FULL_PASS_SHARE * self.live.len() as f64
    }

    /// Adds to S the features outside it (not screened) whose exact gradient violates
    /// `|c_j| ≤ w_j·ρα`, the largest first, at most [`working_set_growth`]; returns how many.
    pub(super) fn add_violators(
        &self,
        ws: &mut WorkingSet,
        grad: &GradientCache,
        alpha: f64,
        violators: &mut Vec<(f64, usize)>,
    ) -> usize {
        violators.clear();
        for &j in self.live {
            if ws.in_set[j] || ws.screened[j] || !grad.is_exact(j) {
                continue;
            }
            if grad.c_now[j].abs() > self.penalty.zero_threshold(alpha, self.weights[j]) {
                violators.push((grad.c_now[j].abs(), j));
            }
        }
        keep_largest(violators, working_set_growth(ws.features.len()));
        for &(_, j) in violators.iter() {
            ws.in_set[j] = true;
            ws.features.push(j);
        }
        violators.len()
    }
}

/// How many features may join a working set of `size` at once (celer's doubling): a cold
/// start far below alpha_max, where the strong rule keeps nearly everything, then grows its
/// working set from the most violating features instead of sweeping all of them.
fn working_set_growth(size: usize) -> usize {
    size.max(MIN_WORKING_SET_GROWTH)
}

/// Keeps the `cap` entries with the largest scores (all of them if there are fewer).
pub(super) fn keep_largest(scored: &mut Vec<(f64, usize)>, cap: usize) {
    if scored.len() > cap {
        scored.select_nth_unstable_by(cap - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(cap);
    }
}
