//! The active-set Newton solver on the working set (see [`PathSolver::active_set_solve`]).

use super::gradients::GradientCache;
use super::problem::Problem;
use super::{ActiveSet, MAX_NEWTON_SUPPORT, PathSolver, RoundBuffers};
use crate::design::Design;
use crate::penalty::{Penalty, Piece};

/// Cost of a factor append relative to its flop count in column reads (k²/2 flops against
/// 2n per column of an epoch): the append is a triangular solve on a row in cache, measured
/// far cheaper per flop than coordinate descent's column reads (with the full flop count, a
/// 123 × 12,625 expression elastic net past n chose coordinate descent and took 1.6×).
const FACTOR_COST_SHARE: f64 = 0.1;
/// Support growth per alpha charged to the Newton model at least (see
/// [`PathSolver::newton_pays`]).
const MIN_CHARGED_GROWTH: usize = 16;
/// Relative change of a member's piece curvature (the elastic net's `α(1−ρ)` along the grid)
/// up to which its factored diagonal is kept and Newton iterates instead of refactoring.
const STALE_CURVATURE: f64 = 0.3;
/// A Newton iteration on the members stops once `max_a |c_a − pen'(t_a)|` is below this
/// fraction of `ρα + α_max`.
const NEWTON_GRADIENT_TOL: f64 = 1e-13;

impl<D: Design, P: Penalty> PathSolver<'_, D, P> {
    /// Active-set Newton on S (docs/design.md §6, "second-order steps").
    ///
    /// On the members A (the support on S, or all of S for a penalty without L1 part) each
    /// coordinate sits on one quadratic piece of its penalty, so the objective restricted to
    /// A is quadratic with Hessian `H = G_AA + diag(e_A)` (`G = X̃ᵀX̃/n`, `e_a` the piece
    /// curvature) and the Newton step from t is `d = H⁻¹(c_A − pen'(t_A))`.
    ///
    /// 1. Step `t_A += τ·d`, where τ ≤ 1 stops at the first coordinate reaching the end of its
    ///    piece. On the segment the quadratic decreases monotonically. The gradients follow
    ///    without touching X: `G_AA d = (c_A − pen'(t_A)) − e_A∘d`, so
    ///    `c_A ← c_A − τ·(g − e_A∘d)` and `pen'(t_A) ← pen'(t_A) + τ·e_A∘d`.
    /// 2. A coordinate that reached 0 leaves A; one that reached an inner knee (MCP/SCAD)
    ///    moves to the next piece (the derivative is continuous there, only `e_a` changes).
    /// 3. After a full step (τ = 1) the residual is updated, exact gradients are taken on S,
    ///    and the violators `|c_j| > ρα` outside A join A with the sign of `c_j`.
    ///
    /// `H` stays factored ([`crate::cholesky::UpdatableCholesky`]): every change of A costs
    /// O(|A|²) instead of a refactorization. A member whose piece curvature moved (the elastic
    /// net's `α(1−ρ)` from one alpha to the next) keeps the diagonal `f_a` it was factored
    /// with while `|f_a − e_a| ≤ 0.3·max(|f_a|, |e_a|)`: the step then uses `G_AA + diag(f)`,
    /// the gradient update above uses `f` (it is `G_AA d` that must be exact), and the step
    /// repeats, contracting the gradient by about `|f − e|/(λ_min(G_AA) + f)` each time.
    ///
    /// Returns true when A is optimal and nothing on S violates its KKT condition; false when
    /// it gave up (a collinear or indefinite H, the support limit, or the step budget), leaving
    /// a valid state for coordinate descent to continue from.
    pub(super) fn active_set_solve(&mut self, alpha: f64) -> bool {
        if !self.newton.enabled {
            return false;
        }
        let keep_zeros = self.penalty.l1_weight() == 0.0;
        if !self.sync_members(alpha, keep_zeros) {
            return false;
        }
        let design = self.problem.design;
        let weights = &self.problem.weights;
        let model = &mut self.newton.model;
        let RoundBuffers { round_start, c: c_a, g, d, idx: violators } = &mut self.newton.buffers;
        debug_assert_eq!(model.factor.len(), model.members.len());
        let mut budget = 4 * self.ws.features.len() + 64;
        let mut blocked: Vec<usize> = Vec::new();
        loop {
            round_start.clear();
            round_start.extend(model.members.iter().map(|&j| (j, self.t[j])));
            c_a.clear();
            c_a.extend(model.members.iter().map(|&j| self.grad.c_now[j]));
            let mut ok = true;
            let mut last_gradient = f64::INFINITY;
            while !model.members.is_empty() {
                if budget == 0 {
                    ok = false;
                    break;
                }
                budget -= 1;
                g.clear();
                g.extend(c_a.iter().zip(&model.pieces).map(|(c, piece)| c - piece.slope));
                d.clear();
                d.extend_from_slice(g);
                model.factor.solve(d);
                self.counts.newton_steps += 1;
                let mut tau = 1.0;
                let mut blocking = (usize::MAX, 0.0);
                for (a, &j) in model.members.iter().enumerate() {
                    let (tj, dj, piece) = (self.t[j], d[a], model.pieces[a]);
                    let target = tj + dj;
                    let end = if target > piece.hi {
                        piece.hi
                    } else if target < piece.lo {
                        piece.lo
                    } else {
                        continue;
                    };
                    let ta = ((end - tj) / dj).clamp(0.0, 1.0);
                    if ta < tau {
                        tau = ta;
                        blocking = (a, end);
                    }
                }
                let mut residual_gradient = 0.0f64;
                for a in 0..model.members.len() {
                    let j = model.members[a];
                    let piece = &mut model.pieces[a];
                    let step = tau * d[a];
                    self.t[j] = if a == blocking.0 { blocking.1 } else { self.t[j] + step };
                    c_a[a] -= tau * (g[a] - model.factor_curvature[a] * d[a]);
                    piece.slope += piece.curvature * step;
                    residual_gradient = residual_gradient.max((c_a[a] - piece.slope).abs());
                }
                if blocking.0 == usize::MAX {
                    // exact Newton (factor curvature = piece curvature) is done in one step; with
                    // a stale factor the step repeats, contracting the gradient by about
                    // |f − e|/(λ_min(G) + f) each time
                    let done = residual_gradient
                        <= NEWTON_GRADIENT_TOL * (self.penalty.zero_threshold(alpha, 1.0) + self.alpha_max)
                        || residual_gradient >= model.slowest_contraction() * last_gradient;
                    last_gradient = residual_gradient;
                    if done {
                        break;
                    }
                    continue;
                }
                last_gradient = f64::INFINITY;
                let (a, end) = blocking;
                let j = model.members[a];
                let slope = model.pieces[a].slope;
                // an inner knee: continue on the next piece in the direction of motion
                let next_piece = (end != 0.0).then(|| {
                    let beyond = end + d[a].signum() * end.abs() * 1e-12;
                    Piece { slope, ..self.penalty.weighted_piece(beyond, alpha, weights[j]) }
                });
                if let Some(piece) = next_piece
                    && model.move_to_piece(a, piece)
                {
                    continue;
                }
                model.remove_member(a);
                let c = c_a.remove(a);
                if let Some(piece) = next_piece {
                    if !model.append_member(design, j, piece) {
                        ok = false;
                        break;
                    }
                    c_a.push(c);
                }
            }
            // the residual follows the coefficients once per round
            let mut moved = false;
            for &(j, t0) in round_start.iter() {
                let delta = self.t[j] - t0;
                if delta != 0.0 {
                    design.axpy(j, -delta, &mut self.r);
                    moved = true;
                }
            }
            if moved {
                self.grad.invalidate();
            }
            self.grad.exact(design, &self.r, &self.ws.features);
            if !ok {
                return false;
            }
            if keep_zeros {
                return true;
            }
            // violators outside A join with the sign of their gradient, largest first
            violators.clear();
            violators.extend(self.ws.features.iter().copied().filter(|&j| {
                let limit = self.penalty.zero_threshold(alpha, weights[j]) * (1.0 + 1e-12);
                !model.is_member[j] && self.t[j] == 0.0 && self.grad.c_now[j].abs() > limit && !blocked.contains(&j)
            }));
            violators.sort_unstable_by(|&a, &b| self.grad.c_now[b].abs().total_cmp(&self.grad.c_now[a].abs()));
            violators.truncate(16.max(model.members.len() / 4));
            let mut added = 0;
            let mut absorbed = false;
            model.bound_gram_cache();
            model.gram.ensure(design, violators);
            for &j in violators.iter() {
                if model.members.len() >= MAX_NEWTON_SUPPORT {
                    break;
                }
                let piece =
                    self.penalty.weighted_piece(self.grad.c_now[j].signum() * f64::MIN_POSITIVE, alpha, weights[j]);
                if model.append_member(design, j, piece) {
                    added += 1;
                } else {
                    let iterate = Iterate { t: &mut self.t, r: &mut self.r, grad: &mut self.grad };
                    absorbed |= model.absorb_dependent(&self.problem, &self.penalty, iterate, j, alpha);
                    if model.is_member[j] {
                        added += 1;
                    } else {
                        blocked.push(j);
                    }
                }
            }
            if absorbed {
                self.grad.exact(design, &self.r, &self.ws.features);
            }
            if added == 0 && !absorbed {
                return true;
            }
        }
    }

    /// Whether the active-set Newton model is expected to cost less than coordinate descent
    /// for this alpha, in units of one column read over the n samples:
    ///
    /// ```text
    /// Newton ≈ g·(c + m) + s·((k + g)³ − k³)/(6n)   CD ≈ 2·|S|·max(E − e, e)
    /// ```
    ///
    /// m features of S that are nonzero or violate their KKT condition are missing from the
    /// Gram cache of c features; g = min(m, max(growth, 16)) of them are charged, growth being
    /// how much the support grew from the alpha before the last to the last (violators are
    /// not a measure of it: on a support near n most of them never enter); k members are
    /// factored; E is the number of epochs recent alphas needed by coordinate descent and e the
    /// epochs spent on this one (E is learnt from alphas that coordinate descent solved
    /// alone). A Gram entry costs about one column read (a dot product, or popcounts of packed
    /// codes); the factor appends cost about k²/2 flops each, weighted by s =
    /// [`FACTOR_COST_SHARE`].
    ///
    /// Only the growth is charged: Gram rows are computed once and serve every later alpha, so
    /// features that joined the support while coordinate descent ran are a one-off debt that a
    /// settled support repays within a few alphas (p ≫ n equicorrelated Lasso: 100 coordinate
    /// descent epochs per alpha against a few triangular solves). While the support grows by
    /// hundreds of features per alpha (wide genotype data past the useful part of the path)
    /// every alpha pays hundreds of rows, hundreds of epochs' worth, and coordinate descent
    /// goes first.
    pub(super) fn newton_pays(&self, alpha: f64) -> bool {
        if !self.newton.enabled {
            return false;
        }
        let keep_zeros = self.penalty.l1_weight() == 0.0;
        let missing = self
            .ws
            .features
            .iter()
            .filter(|&&j| {
                let in_model = keep_zeros
                    || self.t[j] != 0.0
                    || self.problem.weights[j] == 0.0
                    || self.grad.c_now[j].abs() > self.penalty.zero_threshold(alpha, self.problem.weights[j]);
                in_model && !self.newton.model.gram.contains(j)
            })
            .count();
        if missing == 0 {
            return true;
        }
        let charged = missing.min(self.newton.support_growth.max(MIN_CHARGED_GROWTH)) as f64;
        let (cached, k, n) =
            (self.newton.model.gram.len() as f64, self.newton.model.members.len() as f64, self.problem.n as f64);
        let gram = charged * (cached + missing as f64);
        let factor = FACTOR_COST_SHARE * ((k + charged).powi(3) - k.powi(3)) / (6.0 * n);
        let spent = self.counts.epochs as f64;
        let epochs_left = (self.newton.cd_epochs - spent).max(spent).max(1.0);
        gram + factor <= 2.0 * self.ws.features.len() as f64 * epochs_left
    }

    /// Makes the members the support on S (all of S without an L1 part), each on the penalty
    /// piece of its current coefficient at this alpha; features that would make H singular
    /// are left out. Returns false if no member is left or the support is larger than
    /// [`MAX_NEWTON_SUPPORT`].
    pub(super) fn sync_members(&mut self, alpha: f64, keep_zeros: bool) -> bool {
        let design = self.problem.design;
        let weights = &self.problem.weights;
        let penalty = &self.penalty;
        let model = &mut self.newton.model;
        let member_wanted = |t: &[f64], j: usize| keep_zeros || t[j] != 0.0 || weights[j] == 0.0;
        let k_wanted = self.ws.features.iter().filter(|&&j| member_wanted(&self.t, j)).count();
        if k_wanted == 0 || k_wanted > MAX_NEWTON_SUPPORT {
            return false;
        }
        // members to drop: left the support, or their piece's curvature is too far from the
        // one factored (a stale factor only slows the Newton iteration down, see above)
        let stale = |model: &ActiveSet, t: &[f64], a: usize| {
            let j = model.members[a];
            let (f, e) = (model.factor_curvature[a], penalty.weighted_piece(t[j], alpha, weights[j]).curvature);
            // a concave piece factored at 0 was shifted on purpose (see `append_member`)
            let target = if f == 0.0 && e < 0.0 { 0.0 } else { e };
            !(member_wanted(t, j) && self.ws.in_set[j])
                || (f - target).abs() > STALE_CURVATURE * f.abs().max(target.abs())
        };
        let n_stale = (0..model.members.len()).filter(|&a| stale(model, &self.t, a)).count();
        if 8 * n_stale > model.members.len() {
            model.clear();
        } else {
            for a in (0..model.members.len()).rev() {
                if stale(model, &self.t, a) {
                    model.remove_member(a);
                }
            }
        }
        for (piece, &j) in model.pieces.iter_mut().zip(&model.members) {
            *piece = penalty.weighted_piece(self.t[j], alpha, weights[j]);
        }
        // a feature the factor refuses (its column is, to working precision, in the span of
        // the members: a rank-deficient support) stays outside A at its current value; the
        // Newton step optimizes the others and coordinate descent moves it
        let entering = &mut self.newton.buffers.idx;
        entering.clear();
        entering.extend(self.ws.features.iter().copied().filter(|&j| !model.is_member[j] && member_wanted(&self.t, j)));
        model.bound_gram_cache();
        model.gram.ensure(design, entering);
        let mut moved = false;
        for &j in &self.ws.features {
            if !model.is_member[j] && member_wanted(&self.t, j) {
                let piece = penalty.weighted_piece(self.t[j], alpha, weights[j]);
                if !model.append_member(design, j, piece) {
                    let iterate = Iterate { t: &mut self.t, r: &mut self.r, grad: &mut self.grad };
                    moved |= model.absorb_dependent(&self.problem, penalty, iterate, j, alpha);
                }
            }
        }
        let has_members = !model.members.is_empty();
        if moved {
            self.grad.exact(design, &self.r, &self.ws.features);
        }
        has_members
    }
}

/// The iterate the active-set model moves: coefficients, residual and gradient cache,
/// borrowed from the path solver.
struct Iterate<'s> {
    t: &'s mut [f64],
    r: &'s mut [f64],
    grad: &'s mut GradientCache,
}

impl ActiveSet {
    /// Forgets every member.
    fn clear(&mut self) {
        for &j in &self.members {
            self.is_member[j] = false;
        }
        self.members.clear();
        self.pieces.clear();
        self.factor_curvature.clear();
        self.factor.clear();
    }

    /// Lasso on a rank-deficient support: feature j (nonzero, or a violator at 0 entering with
    /// the sign of its gradient) was refused because `x̃_j ≈ X̃_A w`, `w = G_AA⁻¹ G_Aj`. Along
    /// `z = e_j − Σ_a w_a e_a` the fit does not change, and the penalty is linear on the
    /// current orthant with slope `g = pen'(t_j) − Σ_a w_a pen'(t_a)`; moving by `−sign(g)·z`
    /// (a LARS/homotopy drop step) lowers or keeps the objective until the first coordinate
    /// reaches 0, which leaves the support. Repeated until j is accepted or is itself 0; each
    /// step removes one nonzero, so it terminates. Only for the Lasso (an L2 part keeps H
    /// definite; for MCP/SCAD a refusal also means an indefinite H, not only a dependency).
    /// Returns whether any coefficient moved (the residual is kept exact; gradients are not).
    fn absorb_dependent<D: Design, P: Penalty>(
        &mut self,
        problem: &Problem<'_, D>,
        penalty: &P,
        it: Iterate<'_>,
        j: usize,
        alpha: f64,
    ) -> bool {
        let (design, weights) = (problem.design, &problem.weights);
        if !(penalty.is_convex() && penalty.l2_weight() == 0.0) || weights[j] == 0.0 {
            return false;
        }
        let mut moved = false;
        loop {
            let entering = it.t[j] == 0.0;
            let side = if entering { it.grad.c_now[j].signum() } else { it.t[j].signum() };
            if self.members.is_empty() || side == 0.0 {
                break;
            }
            self.gram.ensure(design, &[j]);
            self.absorb.clear();
            self.absorb.extend(self.members.iter().map(|&m| self.gram.get(m, j)));
            self.factor.solve(&mut self.absorb);
            let slope = |t: f64, m: usize| penalty.weighted_piece(t, alpha, weights[m]).slope;
            let g = slope(side, j)
                - self.members.iter().zip(&self.absorb).map(|(&m, &wa)| wa * slope(it.t[m], m)).sum::<f64>();
            // direction of t_j: descent, and into j's own orthant when it enters
            let dir = if g != 0.0 { -g.signum() } else { -side };
            if entering && dir != side {
                break;
            }
            // first coordinate to reach 0 along dir·z
            let mut tau = if entering || dir == side { f64::INFINITY } else { it.t[j].abs() };
            let mut blocking = None;
            for (a, &m) in self.members.iter().enumerate() {
                let delta = -dir * self.absorb[a];
                // an unpenalized member has no kink at 0: it never blocks
                if delta != 0.0 && delta.signum() != it.t[m].signum() && weights[m] != 0.0 {
                    let reach = it.t[m].abs() / delta.abs();
                    if reach < tau {
                        tau = reach;
                        blocking = Some(a);
                    }
                }
            }
            if !tau.is_finite() {
                break;
            }
            let tj = if blocking.is_none() { 0.0 } else { it.t[j] + dir * tau };
            let dj = tj - it.t[j];
            it.t[j] = tj;
            design.axpy(j, -dj, it.r);
            for (a, &m) in self.members.iter().enumerate() {
                let new = if Some(a) == blocking { 0.0 } else { it.t[m] - dir * tau * self.absorb[a] };
                let delta = new - it.t[m];
                if delta != 0.0 {
                    design.axpy(m, -delta, it.r);
                    it.t[m] = new;
                }
            }
            it.grad.invalidate();
            moved = true;
            match blocking {
                None => break,
                Some(a) => {
                    self.remove_member(a);
                    let t_j = if entering { side * f64::MIN_POSITIVE } else { it.t[j] };
                    let piece = penalty.weighted_piece(t_j, alpha, weights[j]);
                    if self.append_member(design, j, piece) {
                        break;
                    }
                }
            }
        }
        moved
    }

    /// Appends feature j on `piece` to the members and the factor (Gram entries from the
    /// cache). Returns false, changing nothing, if H would not be positive definite.
    fn append_member<D: Design>(&mut self, design: &D, j: usize, piece: Piece) -> bool {
        if !self.gram.contains(j) {
            self.bound_gram_cache();
        }
        self.gram.ensure(design, &self.members);
        self.gram.ensure(design, &[j]);
        let gram = &self.gram;
        self.row.clear();
        self.row.extend(self.members.iter().map(|&m| gram.get(m, j)));
        let mut factored = piece.curvature;
        let mut accepted = self.factor.append(&self.row, gram.get(j, j) + factored);
        if !accepted && piece.curvature < 0.0 {
            // MCP/SCAD on a concave piece with an indefinite H: factor G_AA + diag(max(e, 0))
            // instead. The step d = (G + F)⁻¹g then still lowers the objective on the pieces
            // (Δ ≤ −τgᵀd + ½τ²gᵀd for F ≥ E, τ ≤ 1) and repeats like a stale factor; along
            // negative curvature it runs to the end of a piece, where the pieces change.
            factored = 0.0;
            accepted = self.factor.append(&self.row, gram.get(j, j));
        }
        if accepted {
            self.members.push(j);
            self.pieces.push(piece);
            self.factor_curvature.push(factored);
            self.is_member[j] = true;
        }
        accepted
    }

    /// Moves member a onto `piece` (the next piece past an inner knee of MCP/SCAD), changing
    /// its factored diagonal in place ([`crate::cholesky::UpdatableCholesky::update_diagonal`])
    /// to the piece's curvature, or, as [`ActiveSet::append_member`] does, to 0 for a concave
    /// piece that would make H indefinite. Returns false, changing nothing, if neither is
    /// possible (the caller then removes the member and appends it again).
    fn move_to_piece(&mut self, a: usize, piece: Piece) -> bool {
        let (f, e) = (self.factor_curvature[a], piece.curvature);
        let factored = if e == f || self.factor.update_diagonal(a, e - f) {
            e
        } else if e < 0.0 && (f == 0.0 || self.factor.update_diagonal(a, -f)) {
            0.0
        } else {
            return false;
        };
        self.factor_curvature[a] = factored;
        self.pieces[a] = piece;
        true
    }

    /// The gradient contraction per repeated step below which the Newton iteration goes on:
    /// 0.5 with an exact or slightly stale factor, 0.9 when a concave piece was shifted (each
    /// repeat costs one solve, far less than an epoch of coordinate descent).
    fn slowest_contraction(&self) -> f64 {
        let shifted = self.factor_curvature.iter().zip(&self.pieces).any(|(&f, p)| f == 0.0 && p.curvature < 0.0);
        if shifted { 0.9 } else { 0.5 }
    }

    /// Keeps the Gram cache within `1.25·|A| + 512` features: past that, only the members'
    /// entries are kept (features that left the support are recomputed if they come back).
    fn bound_gram_cache(&mut self) {
        if self.gram.len() > self.members.len() + self.members.len() / 4 + 512 {
            self.gram.retain(&self.members);
        }
    }

    /// Removes the member at position a from the members and the factor.
    fn remove_member(&mut self, a: usize) {
        let j = self.members.remove(a);
        self.pieces.remove(a);
        self.factor_curvature.remove(a);
        self.factor.remove(a);
        self.is_member[j] = false;
    }
}
