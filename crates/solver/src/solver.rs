//! The per-alpha machinery: cyclic coordinate descent on a working set, screening, and the
//! certificate check against every feature.
//!
//! State, on the working scale: coefficients `t`, residual `r = ỹ − X̃t`, and for gradients
//! `c_j = x̃_jᵀr/n` three caches:
//!
//! - `c_ref` and `c_old`, exact at the residuals `r_ref` and `r_old` of the last two full
//!   passes. At any later residual r, with `r̂ = r_ref + β(r_ref − r_old)` the closest point of
//!   the line through them, `x̃_jᵀr̂/n = c_ref_j + β(c_ref_j − c_old_j)` is known without reading
//!   X, which bounds the gradient by Cauchy–Schwarz:
//!   `|c_j(r)| ≤ |c_ref_j + β(c_ref_j − c_old_j)| + √(v_j/n)·‖r − r̂‖`;
//! - `c_now`, exact at the current residual for the features whose stamp equals the current
//!   residual stamp (the stamp changes whenever `r` does).
//!
//! One alpha: build the working set S (nonzero coefficients plus the sequential strong rule),
//! drop Gap-Safe-screened features, run coordinate descent on S until the certificate of the
//! restricted problem is below the tolerance, then check every feature outside S — exactly
//! where its bound does not already prove `|c_j| ≤ ρα`, with a full pass when too many are in
//! doubt. Violators join S and the loop repeats; otherwise the certificate of the whole
//! problem is computed from exact gradients and bounds, and the point is done.

use std::time::Instant;

use rayon::prelude::*;

use crate::anderson::AndersonMemory;
use crate::certificate::{Certificate, CertificateAccumulator, Totals};
use crate::cholesky::UpdatableCholesky;
use crate::datafit::{Datafit, Quadratic};
use crate::design::{Design, SCAN_BLOCK};
use crate::duplicates::{ColumnCopy, find_copies};
use crate::error::SolverError;
use crate::kernels;
use crate::newton::{GramCache, MAX_KERNEL_SAMPLES, MAX_NEWTON_SUPPORT};
use crate::options::{PathOptions, PathPoint, Screening};
use crate::penalty::{Penalty, Piece};

mod active_set;
mod bounds;

/// When more than this share of live features would need an exact gradient, a full pass is
/// made instead, which also refreshes the reference residual of the bounds.
const FULL_PASS_SHARE: f64 = 0.1;
/// Minimum work (n × features) before a gradient scan is split across threads.
const PARALLEL_WORK: usize = 1 << 16;
/// Features that may always join the working set at once (see `working_set_growth`).
const MIN_WORKING_SET_GROWTH: usize = 256;
/// Working-set sweeps between two certificate checks, at most.
const CHECK_EVERY: usize = 10;

/// Path state for one design, response and penalty.
pub struct PathSolver<'a, D: Design, P: Penalty> {
    design: &'a D,
    datafit: Quadratic,
    penalty: P,
    /// Penalty factor w_j of every column (0 for covariates; all 1 by default).
    weights: Vec<f64>,
    /// Whether every weight is 1 (the ridge kernel needs it).
    unit_weights: bool,
    /// Columns of X proper (the first `p_x`; covariates follow).
    p_x: usize,
    /// The state every alpha without warm start begins from: t = 0 except the unpenalized
    /// columns, fitted exactly (the covariates-only model), and its residual.
    start_coefs: Vec<(usize, f64)>,
    start_residual: Vec<f64>,
    screening: Screening,
    warm_start: bool,
    tol: f64,
    max_epochs: usize,
    n: usize,
    /// The live columns the solver works on: every column with `v_j > 0`, less the copies.
    live: Vec<usize>,
    /// Membership mask of `live`.
    in_live: Vec<bool>,
    /// Live columns that copy a representative in `live` (see [`crate::duplicates`]); their
    /// coefficient stays 0 and they enter the certificate through their representative.
    copies: Vec<ColumnCopy>,
    /// √(v_j/n), the bound's slope.
    bound_slope: Vec<f64>,
    y_work: Vec<f64>,
    y_mean: f64,
    null_objective: f64,
    alpha_max: f64,
    t: Vec<f64>,
    r: Vec<f64>,
    r_ref: Vec<f64>,
    c_ref: Vec<f64>,
    /// The full pass before the last one (`has_old`): `c_old = X̃ᵀr_old/n`.
    r_old: Vec<f64>,
    c_old: Vec<f64>,
    has_old: bool,
    c_now: Vec<f64>,
    c_stamp: Vec<u64>,
    stamp: u64,
    in_working: Vec<bool>,
    screened: Vec<bool>,
    working: Vec<usize>,
    active: Vec<usize>,
    scratch_idx: Vec<usize>,
    scratch_val: Vec<f64>,
    scratch_scored: Vec<(f64, usize)>,
    scratch_pending: Vec<usize>,
    scratch_r: Vec<f64>,
    anderson: AndersonMemory,
    residual_dirty: bool,
    use_newton: bool,
    gram: GramCache,
    newton_matrix: Vec<f64>,
    /// Active-set Newton: the members A in factor order, their pieces, `H_AA = L Lᵀ`.
    members: Vec<usize>,
    member_pieces: Vec<Piece>,
    /// The curvature each member's diagonal of the factored H was built with.
    factor_curvature: Vec<f64>,
    is_member: Vec<bool>,
    factor: UpdatableCholesky,
    as_round_start: Vec<(usize, f64)>,
    as_c: Vec<f64>,
    as_g: Vec<f64>,
    as_d: Vec<f64>,
    kernel: Option<Vec<f64>>,
    coefs: Vec<(usize, f64)>,
    columns_scanned: u64,
    epochs: usize,
    updates: u64,
}

impl<'a, D: Design, P: Penalty> PathSolver<'a, D, P> {
    /// Validates the data against the penalty and makes the first full pass (for alpha_max).
    pub fn new(design: &'a D, y: &[f64], penalty: P, options: &PathOptions) -> Result<Self, SolverError> {
        let n = design.n_samples();
        let p = design.n_features();
        if y.len() != n {
            return Err(SolverError::LengthMismatch { y_len: y.len(), n });
        }
        if let Some((i, &v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SolverError::NonFinite { what: "y", value: v, location: format!("position {i} (0-based)") });
        }
        let stats = design.stats();
        let p_x = p - design.n_covariates();
        let weights = penalty_weights(options.penalty_factor.as_deref(), p_x, p)?;
        if let Some(j) = (p_x..p).find(|&j| !design.is_live(j)) {
            return Err(SolverError::Unpenalized(format!(
                "covariate {} is constant: it duplicates the intercept",
                j - p_x + 1
            )));
        }
        let mut live: Vec<usize> = (0..p).filter(|&j| design.is_live(j)).collect();
        if let Some(&j) = live.iter().find(|&&j| !penalty.coordinate_convex(stats.curvature[j], weights[j])) {
            return Err(non_convex_error(&penalty, j, stats.curvature[j], weights[j]));
        }
        let copies = if options.merge_copies && penalty.l2_weight() == 0.0 && penalty.l1_weight() > 0.0 {
            // a copy is merged into a representative of the same weight only
            let mut copies = find_copies(design, &live);
            copies.retain(|c| weights[c.column] == weights[c.representative]);
            copies
        } else {
            Vec::new()
        };
        let mut in_live = vec![false; p];
        live.iter().for_each(|&j| in_live[j] = true);
        copies.iter().for_each(|c| in_live[c.column] = false);
        live.retain(|&j| in_live[j]);
        let y_mean = if stats.fit_intercept { kernels::mean(y) } else { 0.0 };
        let y_work: Vec<f64> = y.iter().map(|&v| v - y_mean).collect();
        let null_objective = kernels::sq_norm(&y_work) / (2.0 * n as f64);
        let bound_slope = stats.curvature.iter().map(|&v| (v / n as f64).sqrt()).collect();
        let unit_weights = weights.iter().all(|&w| w == 1.0);
        let mut solver = PathSolver {
            design,
            datafit: Quadratic::new(n),
            penalty,
            weights,
            unit_weights,
            p_x,
            start_coefs: Vec::new(),
            start_residual: Vec::new(),
            screening: options.screening,
            warm_start: options.warm_start,
            tol: options.tol,
            max_epochs: options.max_epochs,
            n,
            live,
            in_live,
            copies,
            bound_slope,
            r: y_work.clone(),
            r_ref: y_work.clone(),
            y_work,
            y_mean,
            null_objective,
            alpha_max: 0.0,
            t: vec![0.0; p],
            c_ref: vec![0.0; p],
            r_old: vec![0.0; n],
            c_old: vec![0.0; p],
            has_old: false,
            c_now: vec![0.0; p],
            c_stamp: vec![0; p],
            stamp: 1,
            in_working: vec![false; p],
            screened: vec![false; p],
            working: Vec::new(),
            active: Vec::new(),
            scratch_idx: Vec::new(),
            scratch_val: Vec::new(),
            scratch_scored: Vec::new(),
            scratch_pending: Vec::new(),
            scratch_r: Vec::new(),
            anderson: AndersonMemory::default(),
            residual_dirty: false,
            use_newton: options.newton,
            gram: GramCache::new(p),
            newton_matrix: Vec::new(),
            members: Vec::new(),
            member_pieces: Vec::new(),
            factor_curvature: Vec::new(),
            is_member: vec![false; p],
            factor: UpdatableCholesky::with_limit(MAX_NEWTON_SUPPORT),
            as_round_start: Vec::new(),
            as_c: Vec::new(),
            as_g: Vec::new(),
            as_d: Vec::new(),
            kernel: None,
            coefs: Vec::new(),
            columns_scanned: 0,
            epochs: 0,
            updates: 0,
        };
        solver.fit_unpenalized()?;
        solver.full_pass();
        let (weights, c_ref) = (&solver.weights, &solver.c_ref);
        solver.alpha_max = solver
            .live
            .iter()
            .filter(|&&j| weights[j] > 0.0)
            .map(|&j| solver.penalty.alpha_max_at(c_ref[j], weights[j]))
            .fold(0.0, f64::max);
        Ok(solver)
    }

    /// The unpenalized live columns U (covariates and zero weights) at their exact
    /// least-squares fit with every penalized coefficient at 0, `t_U = G_UU⁻¹ X̃_Uᵀỹ/n`
    /// (`G = X̃ᵀX̃/n`, factored once in Cholesky form), and `r = ỹ − X̃_U t_U`: the model at
    /// alpha_max. Fails, naming the column, when G_UU is singular (a column collinear with the
    /// others before it).
    fn fit_unpenalized(&mut self) -> Result<(), SolverError> {
        let unpenalized: Vec<usize> = self.live.iter().copied().filter(|&j| self.weights[j] == 0.0).collect();
        if !unpenalized.is_empty() {
            let mut gram = GramCache::new(self.design.n_features());
            gram.ensure(self.design, &unpenalized);
            let mut factor = UpdatableCholesky::with_limit(unpenalized.len());
            for (a, &j) in unpenalized.iter().enumerate() {
                let row: Vec<f64> = unpenalized[..a].iter().map(|&m| gram.get(m, j)).collect();
                if !factor.append(&row, gram.get(j, j)) {
                    return Err(SolverError::Unpenalized(format!(
                        "the unpenalized {} is collinear with the unpenalized columns before it (intercept{}): their least-squares fit is not unique",
                        self.column_label(j),
                        if a > 0 { " and earlier covariates or zero-weight columns" } else { "" }
                    )));
                }
            }
            let inv_n = 1.0 / self.n as f64;
            let mut t_u: Vec<f64> = unpenalized.iter().map(|&j| self.design.dot(j, &self.y_work) * inv_n).collect();
            factor.solve(&mut t_u);
            for (&j, &t) in unpenalized.iter().zip(&t_u) {
                self.t[j] = t;
                self.design.axpy(j, -t, &mut self.r);
            }
            self.start_coefs = unpenalized.iter().copied().zip(t_u).collect();
            self.stamp += 1;
        }
        self.start_residual = self.r.clone();
        Ok(())
    }

    /// "covariate i" (1-based) or "column j" (0-based) of X.
    fn column_label(&self, j: usize) -> String {
        if j >= self.p_x { format!("covariate {}", j - self.p_x + 1) } else { format!("column {j} of X") }
    }

    /// `alpha_max = max_{j: w_j > 0} |x̃_jᵀ(ỹ − ŷ₀)| / (n·w_j·ρ)` over live columns, ŷ₀ the fit
    /// of the unpenalized columns alone.
    pub fn alpha_max(&self) -> f64 {
        self.alpha_max
    }

    /// The null objective `P(0) = ‖y − ȳ‖²/(2n)` (`‖y‖²/(2n)` without intercept): the loss of
    /// the intercept-only model.
    pub fn null_objective(&self) -> f64 {
        self.null_objective
    }

    /// Why alpha_max is zero, for the error message of the default grid.
    pub fn zero_alpha_max_reason(&self) -> &'static str {
        if self.live.is_empty() {
            "no column of X varies"
        } else if self.live.iter().all(|&j| self.weights[j] == 0.0) {
            "no penalized column of X varies"
        } else if self.null_objective == 0.0 {
            if self.design.stats().fit_intercept { "y is constant" } else { "y is all zeros" }
        } else {
            "y is orthogonal to every column of X"
        }
    }

    /// Full-pass equivalents read by gradient scans so far.
    pub fn total_scan_passes(&self) -> f64 {
        self.columns_scanned as f64 / self.live.len().max(1) as f64
    }

    /// Solves one alpha, warm-started from the current state, and describes the result.
    pub fn fit_alpha(&mut self, alpha_index: usize, alpha: f64, alpha_prev: f64) -> PathPoint<'_> {
        let started = Instant::now();
        let scanned_before = self.columns_scanned;
        self.epochs = 0;
        self.updates = 0;
        if !self.warm_start {
            self.reset_to_zero();
        }
        self.screened.iter_mut().for_each(|s| *s = false);
        self.build_working_set(alpha, alpha_prev);
        self.ridge_kernel_solve(alpha);
        if self.gap_safe_applies(alpha) {
            let cert = self.certify(alpha);
            self.gap_safe_screen(alpha, &cert);
        }
        let mut inner_tol = self.tol;
        let (certificate, converged) = loop {
            let solved = self.solve_working_set(alpha, inner_tol);
            let violators = self.check_outside(alpha);
            if violators > 0 && solved {
                continue;
            }
            let cert = self.certify(alpha);
            if cert.value <= self.tol {
                break (cert, true);
            }
            if !solved || self.epochs >= self.max_epochs {
                break (cert, false);
            }
            if self.gap_safe_applies(alpha) {
                self.gap_safe_screen(alpha, &cert);
            }
            inner_tol *= 0.1;
        };
        self.collect_coefs();
        let n = self.n as f64;
        let r_sq = kernels::sq_norm(&self.r);
        PathPoint {
            alpha_index,
            alpha,
            alpha_over_max: if self.alpha_max > 0.0 { alpha / self.alpha_max } else { 0.0 },
            nnz: self.coefs.iter().filter(|&&(j, _)| j < self.p_x).count(),
            intercept: self.intercept(),
            objective: certificate.primal,
            certificate: certificate.value,
            certificate_kind: certificate.kind,
            converged,
            epochs: self.epochs,
            coordinate_updates: self.updates,
            time_s: started.elapsed().as_secs_f64(),
            train_mse: r_sq / n,
            working_set: self.working.len(),
            screened: self.screened.iter().filter(|&&s| s).count(),
            scan_passes: (self.columns_scanned - scanned_before) as f64 / self.live.len().max(1) as f64,
            coefs: &self.coefs,
        }
    }

    fn reset_to_zero(&mut self) {
        self.t.iter_mut().for_each(|t| *t = 0.0);
        for &(j, t) in &self.start_coefs {
            self.t[j] = t;
        }
        self.r.copy_from_slice(&self.start_residual);
        self.stamp += 1;
    }

    /// S = {j : t_j ≠ 0 or never zero by screening} ∪ {j : |c_j| ≥ w_j·ρ(2α − α_prev)}
    /// (all live features without strong rules).
    fn build_working_set(&mut self, alpha: f64, alpha_prev: f64) {
        for &j in &self.working {
            self.in_working[j] = false;
        }
        self.working.clear();
        let level = 2.0 * alpha - alpha_prev;
        let model = self.bound_model();
        let mut candidates = std::mem::take(&mut self.scratch_scored);
        candidates.clear();
        for idx in 0..self.live.len() {
            let j = self.live[idx];
            if !self.screening.strong_rules || self.t[j] != 0.0 || self.always_working(j) {
                self.working.push(j);
            } else {
                let estimate = self.gradient_estimate(j, model);
                if estimate >= self.penalty.zero_threshold(level, self.weights[j]) {
                    candidates.push((estimate, j));
                }
            }
        }
        let cap = working_set_growth(self.working.len());
        keep_largest(&mut candidates, cap);
        self.working.extend(candidates.iter().map(|&(_, j)| j));
        self.working.sort_unstable();
        for &j in &self.working {
            self.in_working[j] = true;
        }
        self.scratch_scored = candidates;
    }

    /// Cyclic coordinate descent on S, with Anderson extrapolation every K sweeps, until the
    /// restricted certificate is ≤ `tol`. Returns false if the epoch budget ran out. On
    /// return, `c_now` is exact on S.
    fn solve_working_set(&mut self, alpha: f64, tol: f64) -> bool {
        let scale = if self.penalty.is_convex() {
            tol * self.null_objective.max(f64::MIN_POSITIVE)
        } else {
            let a = tol * self.alpha_max;
            a * a
        };
        let mut check_threshold = scale;
        let mut since_check = 0usize;
        let mut last_signature = (usize::MAX, 0u64);
        // a warm start usually has the right support up to a few features: try the
        // active-set Newton solve first, and after a failure only once the support is stable
        if self.restricted_certificate(alpha) <= tol {
            return true;
        }
        let mut newton_failed = !self.active_set_solve(alpha);
        self.anderson.reset(self.working.len(), self.n);
        if !newton_failed && self.restricted_certificate(alpha) <= tol {
            return true;
        }
        loop {
            if self.epochs >= self.max_epochs {
                self.refresh_residual();
                self.exact_gradients_on_working_set();
                return false;
            }
            let change = self.sweep_working(alpha);
            since_check += 1;
            let t = &self.t;
            if self.anderson.push(self.working.iter().map(|&j| t[j]), &self.r) {
                self.try_extrapolation(alpha);
            }
            if change <= check_threshold || since_check >= CHECK_EVERY {
                since_check = 0;
                if self.restricted_certificate(alpha) <= tol {
                    return true;
                }
                check_threshold *= 0.1;
                let signature = self.support_signature();
                let stable = signature == last_signature;
                last_signature = signature;
                if !newton_failed || stable {
                    newton_failed = !self.active_set_solve(alpha);
                    self.anderson.reset(self.working.len(), self.n);
                }
            }
        }
    }

    /// Ridge with more live features than samples: the exact solution from the n × n kernel
    /// `K = X̃X̃ᵀ/n` (computed once per path). Stationarity `c = X̃ᵀr/n = α·t` with
    /// `r = ỹ − X̃t` gives `(K + αI) r = α·ỹ` and then `t_j = x̃_jᵀr/(nα)`. The residual is then
    /// recomputed from t, and the usual loop certifies the point (typically one sweep).
    fn ridge_kernel_solve(&mut self, alpha: f64) {
        let ridge_like = self.penalty.l1_weight() == 0.0 && self.penalty.l2_weight() > 0.0;
        let n = self.n;
        if !ridge_like
            || !self.unit_weights
            || !self.use_newton
            || self.live.len() <= n
            || n > MAX_KERNEL_SAMPLES
            || alpha <= 0.0
        {
            return;
        }
        if self.kernel.is_none() {
            self.kernel = Some(crate::newton::kernel_matrix(self.design, &self.live));
        }
        let Some(kernel) = &self.kernel else { return };
        let mut h = std::mem::take(&mut self.newton_matrix);
        h.clear();
        h.extend_from_slice(kernel);
        let l2 = alpha * self.penalty.l2_weight();
        for a in 0..n {
            h[a * n + a] += l2;
        }
        let mut r: Vec<f64> = self.y_work.iter().map(|&v| l2 * v).collect();
        let solved = crate::newton::cholesky_solve(&mut h, n, &mut r);
        self.newton_matrix = h;
        if !solved {
            return;
        }
        self.r.copy_from_slice(&r);
        self.stamp += 1;
        self.full_pass();
        for idx in 0..self.live.len() {
            let j = self.live[idx];
            self.t[j] = self.c_now[j] / l2;
        }
        self.residual_dirty = true;
        self.refresh_residual();
    }

    /// A fingerprint of the support and signs on S: (size, hash).
    fn support_signature(&self) -> (usize, u64) {
        let mut count = 0;
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        for &j in &self.working {
            let t = self.t[j];
            if t != 0.0 {
                count += 1;
                let code = (j as u64) << 1 | u64::from(t > 0.0);
                hash = (hash ^ code).wrapping_mul(0x0100_0000_01b3);
            }
        }
        (count, hash)
    }

    /// Replaces (t, r) on S by their Anderson extrapolation if it lowers the objective
    /// `‖r‖²/(2n) + Σ_{j∈S} pen(t_j)`.
    fn try_extrapolation(&mut self, alpha: f64) {
        let mut coefs = std::mem::take(&mut self.scratch_val);
        let mut residual = std::mem::take(&mut self.scratch_r);
        coefs.resize(self.working.len(), 0.0);
        residual.resize(self.n, 0.0);
        if self.anderson.extrapolate(&mut coefs, &mut residual) {
            let inv_2n = 0.5 / self.n as f64;
            let weights = &self.weights;
            let pen = |coef: &mut dyn Iterator<Item = (f64, usize)>| -> f64 {
                coef.map(|(t, j)| self.penalty.weighted_value(t, alpha, weights[j])).sum::<f64>()
            };
            let current = kernels::sq_norm(&self.r) * inv_2n + pen(&mut self.working.iter().map(|&j| (self.t[j], j)));
            let proposed =
                kernels::sq_norm(&residual) * inv_2n + pen(&mut coefs.iter().zip(&self.working).map(|(&t, &j)| (t, j)));
            if proposed < current {
                for (&j, &c) in self.working.iter().zip(&coefs) {
                    self.t[j] = c;
                }
                std::mem::swap(&mut self.r, &mut residual);
                self.stamp += 1;
                self.residual_dirty = true;
            }
        }
        self.scratch_val = coefs;
        self.scratch_r = residual;
    }

    /// Recomputes `r = ỹ − Σ_j t_j x̃_j` from the coefficients (after extrapolations, whose
    /// residual is a linear combination subject to rounding).
    fn refresh_residual(&mut self) {
        if !self.residual_dirty {
            return;
        }
        self.residual_dirty = false;
        self.r.copy_from_slice(&self.y_work);
        for &j in &self.working {
            let t = self.t[j];
            if t != 0.0 {
                self.design.axpy(j, -t, &mut self.r);
            }
        }
        self.stamp += 1;
    }

    fn sweep_working(&mut self, alpha: f64) -> f64 {
        let working = std::mem::take(&mut self.working);
        let change = self.sweep(&working, alpha);
        self.working = working;
        change
    }

    /// One cyclic pass over `set`:
    /// `z = v_j t_j + x̃_jᵀr/n`, `t_j ← threshold(z, v_j, α)`, `r ← r − (t_j_new − t_j)·x̃_j`.
    /// Returns `max_j v_j·δ_j²`.
    fn sweep(&mut self, set: &[usize], alpha: f64) -> f64 {
        self.epochs += 1;
        let inv_n = 1.0 / self.n as f64;
        let curvature = &self.design.stats().curvature;
        let mut max_change = 0.0f64;
        let mut moved = false;
        for &j in set {
            let v = curvature[j];
            let old = self.t[j];
            let z = v * old + self.design.dot(j, &self.r) * inv_n;
            let new = self.penalty.weighted_threshold(z, v, alpha, self.weights[j]);
            let delta = new - old;
            if delta != 0.0 {
                self.design.axpy(j, -delta, &mut self.r);
                self.t[j] = new;
                self.updates += 1;
                moved = true;
                max_change = max_change.max(v * delta * delta);
            }
        }
        if moved {
            self.stamp += 1;
        }
        max_change
    }

    /// Exact `c_j` at the current residual for every j in S.
    fn exact_gradients_on_working_set(&mut self) {
        let working = std::mem::take(&mut self.working);
        self.exact_gradients(&working);
        self.working = working;
    }

    /// Exact `c_j = x̃_jᵀr/n` for the listed features (in parallel over fixed blocks when the
    /// work is large), stored in `c_now` with the current stamp.
    fn exact_gradients(&mut self, idx: &[usize]) {
        let mut pending = std::mem::take(&mut self.scratch_pending);
        pending.clear();
        pending.extend(idx.iter().copied().filter(|&j| self.c_stamp[j] != self.stamp));
        if pending.is_empty() {
            self.scratch_pending = pending;
            return;
        }
        let inv_n = 1.0 / self.n as f64;
        let design = self.design;
        let r = &self.r;
        self.scratch_val.clear();
        self.scratch_val.resize(pending.len(), 0.0);
        if pending.len() * self.n >= PARALLEL_WORK {
            self.scratch_val.par_chunks_mut(SCAN_BLOCK).zip(pending.par_chunks(SCAN_BLOCK)).for_each(|(out, js)| {
                for (o, &j) in out.iter_mut().zip(js) {
                    *o = design.dot(j, r);
                }
            });
        } else {
            for (o, &j) in self.scratch_val.iter_mut().zip(&pending) {
                *o = design.dot(j, r);
            }
        }
        for (&j, &c) in pending.iter().zip(&self.scratch_val) {
            let c = c * inv_n;
            self.c_now[j] = c;
            self.c_stamp[j] = self.stamp;
        }
        self.scratch_pending = pending;
    }

    /// The certificate of the problem restricted to S (exact gradients on S).
    fn restricted_certificate(&mut self, alpha: f64) -> f64 {
        self.refresh_residual();
        self.exact_gradients_on_working_set();
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        for &j in &self.working {
            acc.add(self.t[j], self.c_now[j], self.weights[j]);
        }
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max).value
    }

    /// Makes `c_now` exact, or bounded below the zero threshold, for every live feature
    /// outside S; adds the violators (`|c_j| > w_j·ρα`, not screened) to S and returns how many
    /// there were.
    fn check_outside(&mut self, alpha: f64) -> usize {
        let model = self.bound_model();
        self.scratch_idx.clear();
        for &j in &self.live {
            if self.in_working[j] || self.c_stamp[j] == self.stamp {
                continue;
            }
            if self.gradient_bound(j, model) > self.penalty.zero_threshold(alpha, self.weights[j]) {
                self.scratch_idx.push(j);
            }
        }
        if self.scratch_idx.len() as f64 > FULL_PASS_SHARE * self.live.len() as f64 {
            self.full_pass();
        } else {
            let idx = std::mem::take(&mut self.scratch_idx);
            self.columns_scanned += idx.len() as u64;
            self.exact_gradients(&idx);
            self.scratch_idx = idx;
        }
        let mut violators = std::mem::take(&mut self.scratch_scored);
        violators.clear();
        for idx in 0..self.live.len() {
            let j = self.live[idx];
            if self.in_working[j] || self.screened[j] || self.c_stamp[j] != self.stamp {
                continue;
            }
            if self.c_now[j].abs() > self.penalty.zero_threshold(alpha, self.weights[j]) {
                violators.push((self.c_now[j].abs(), j));
            }
        }
        keep_largest(&mut violators, working_set_growth(self.working.len()));
        for &(_, j) in &violators {
            self.in_working[j] = true;
            self.working.push(j);
        }
        let added = violators.len();
        self.scratch_scored = violators;
        added
    }

    /// Exact gradients of every live feature: `c_ref = c_now = X̃ᵀr/n`, `r_ref = r`.
    fn full_pass(&mut self) {
        let design = self.design;
        std::mem::swap(&mut self.c_old, &mut self.c_ref);
        std::mem::swap(&mut self.r_old, &mut self.r_ref);
        self.has_old = self.columns_scanned > 0;
        let in_live = &self.in_live;
        let read = design.scaled_gradient(&self.r, &mut self.c_ref, |j| in_live[j]);
        self.columns_scanned += read as u64;
        self.r_ref.copy_from_slice(&self.r);
        for &j in &self.live {
            self.c_now[j] = self.c_ref[j];
            self.c_stamp[j] = self.stamp;
        }
    }

    /// Whole-vector terms of the certificate at the current state.
    fn totals(&self, alpha: f64) -> Totals {
        let mut t_sq = 0.0;
        let mut penalty = 0.0;
        for &j in &self.working {
            let t = self.t[j];
            if t != 0.0 {
                let w = self.weights[j];
                t_sq += w * t * t;
                penalty += self.penalty.weighted_value(t, alpha, w);
            }
        }
        Totals {
            r_sq: kernels::sq_norm(&self.r),
            r_dot_y: kernels::dot(&self.r, &self.y_work),
            r_mean: if self.design.stats().fit_intercept { kernels::mean(&self.r) } else { 0.0 },
            t_sq,
            penalty,
        }
    }

    /// The certificate of the whole problem: exact gradients where known, and for the other
    /// live features (all with t_j = 0) the upper bound of [`Self::gradient_bound`], which can
    /// only make the certificate larger.
    fn certify(&mut self, alpha: f64) -> Certificate {
        self.active.clear();
        self.active.extend(self.working.iter().copied().filter(|&j| self.t[j] != 0.0));
        let active = std::mem::take(&mut self.active);
        self.exact_gradients(&active);
        self.active = active;
        let model = self.bound_model();
        let mut acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        for &j in &self.live {
            let w = self.weights[j];
            if self.c_stamp[j] == self.stamp {
                acc.add(self.t[j], self.c_now[j], w);
            } else {
                let bound = self.gradient_bound(j, model);
                if bound > self.penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, bound, w);
                }
            }
        }
        if !self.copies.is_empty() {
            // |c_copy| ≤ |c_rep| + δ·‖r‖₁/n, with the representative's exact gradient or bound
            let r_l1_over_n = self.r.iter().map(|v| v.abs()).sum::<f64>() / self.n as f64;
            for copy in &self.copies {
                let k = copy.representative;
                let c = if self.c_stamp[k] == self.stamp { self.c_now[k].abs() } else { self.gradient_bound(k, model) };
                let c = c + copy.deviation * r_l1_over_n;
                let w = self.weights[copy.column];
                if c > self.penalty.zero_threshold(alpha, w) {
                    acc.add(0.0, c, w);
                }
            }
        }
        acc.finish(&self.datafit, &self.totals(alpha), self.null_objective, self.alpha_max)
    }

    /// Whether feature j can never be zero by screening (`w_j·ρ = 0`: unpenalized, or a
    /// penalty without L1 part), so that it always belongs to the working set.
    fn always_working(&self, j: usize) -> bool {
        self.penalty.zero_threshold(1.0, self.weights[j]) == 0.0
    }

    fn gap_safe_applies(&self, alpha: f64) -> bool {
        self.screening.gap_safe && self.penalty.is_convex() && self.penalty.l1_weight() * alpha > 0.0
    }

    /// Gap Safe sphere test with the rescaled-residual dual point θ = s·[r; −√(B w) t]:
    /// feature j (with t_j = 0, w_j > 0) is zero at the optimum if
    /// `s·|x̃_jᵀr| + √(n v_j + w_j B)·√(2γ·gap_u) < w_j A` (γ the datafit's Gap Safe
    /// constant); it leaves S for the rest of this alpha. Unpenalized features never are.
    fn gap_safe_screen(&mut self, alpha: f64, cert: &Certificate) {
        let Some((s, gap_u)) = cert.scaled_dual else { return };
        let acc = CertificateAccumulator::new(&self.penalty, alpha, self.n);
        let (a, b) = (acc.l1(), acc.l2());
        let radius = (2.0 * self.datafit.gap_safe_constant() * gap_u).sqrt();
        let n = self.n as f64;
        let model = self.bound_model();
        let curvature = &self.design.stats().curvature;
        for &j in &self.live {
            let w = self.weights[j];
            if self.t[j] != 0.0 || self.screened[j] || w == 0.0 {
                continue;
            }
            let c = if self.c_stamp[j] == self.stamp { self.c_now[j].abs() } else { self.gradient_bound(j, model) };
            if s * n * c + (n * curvature[j] + w * b).sqrt() * radius < w * a {
                self.screened[j] = true;
            }
        }
        let screened = &self.screened;
        let in_working = &mut self.in_working;
        self.working.retain(|&j| {
            if screened[j] {
                in_working[j] = false;
                false
            } else {
                true
            }
        });
    }

    /// Nonzero coefficients on the original scale, `β_j = t_j / s_j`, sorted by feature.
    fn collect_coefs(&mut self) {
        let scale = &self.design.stats().scale;
        self.coefs.clear();
        self.coefs.extend(self.working.iter().filter(|&&j| self.t[j] != 0.0).map(|&j| (j, self.t[j] / scale[j])));
        self.coefs.sort_unstable_by_key(|&(j, _)| j);
    }

    /// `b = ȳ − Σ_j m_j β_j` (0 without intercept).
    fn intercept(&self) -> f64 {
        let center = &self.design.stats().center;
        if !self.design.stats().fit_intercept {
            return 0.0;
        }
        self.y_mean - self.coefs.iter().map(|&(j, b)| center[j] * b).sum::<f64>()
    }
}

/// How many features may join a working set of `size` at once (celer's doubling): a cold
/// start far below alpha_max, where the strong rule keeps nearly everything, then grows its
/// working set from the most violating features instead of sweeping all of them.
fn working_set_growth(size: usize) -> usize {
    size.max(MIN_WORKING_SET_GROWTH)
}

/// Keeps the `cap` entries with the largest scores (all of them if there are fewer).
fn keep_largest(scored: &mut Vec<(f64, usize)>, cap: usize) {
    if scored.len() > cap {
        scored.select_nth_unstable_by(cap - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(cap);
    }
}

/// The penalty factor of every column: the given weights for the `p_x` columns of X (checked:
/// that many, finite, non-negative, not all 0), 1 without them, and 0 for the covariates.
fn penalty_weights(given: Option<&[f64]>, p_x: usize, p: usize) -> Result<Vec<f64>, SolverError> {
    let mut weights = match given {
        None => vec![1.0; p_x],
        Some(w) => {
            if w.len() != p_x {
                return Err(SolverError::InvalidParameter(format!(
                    "the penalty factor has {} weights but X has {p_x} columns",
                    w.len()
                )));
            }
            if let Some((j, &v)) = w.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                return Err(SolverError::InvalidParameter(format!(
                    "penalty factor of column {j} is {v}: weights must be finite and >= 0"
                )));
            }
            if w.iter().all(|&v| v == 0.0) {
                return Err(SolverError::InvalidParameter(
                    "every penalty factor is 0: nothing is penalized".to_string(),
                ));
            }
            w.to_vec()
        }
    };
    weights.resize(p, 0.0);
    Ok(weights)
}

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

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;
    use crate::design::DenseDesign;
    use crate::penalty::Lasso;

    /// Columns sharing a common factor (correlation ≈ 0.5), from a fixed LCG; y depends on
    /// the first five.
    fn correlated_problem(n: usize, p: usize) -> (Array2<f64>, Vec<f64>) {
        let mut state = 42u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        };
        let common: Vec<f64> = (0..n).map(|_| next()).collect();
        let x = Array2::from_shape_fn((n, p).f(), |(i, _)| common[i] + next());
        let y = (0..n).map(|i| (0..5).map(|j| x[[i, j]] * (j as f64 + 1.0)).sum::<f64>() + next()).collect();
        (x, y)
    }

    /// Along a path, the gradient bound of every feature whose gradient is not known exactly
    /// is at least the exact |c_j| at the current residual, and the secant model is never
    /// worse than the last reference alone.
    #[test]
    fn gradient_bounds_hold_along_a_path() {
        let (x, y) = correlated_problem(60, 400);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let options = PathOptions::default();
        let mut solver = PathSolver::new(&design, &y, Lasso, &options).unwrap();
        let alpha_max = solver.alpha_max();
        let mut previous = alpha_max;
        let mut checked = 0;
        for k in 0..30 {
            let alpha = alpha_max * 0.85f64.powi(k);
            solver.fit_alpha(k as usize, alpha, previous);
            previous = alpha;
            // move the residual off the last reference, as the next alpha's first sweep does
            solver.sweep_working(alpha * 0.8);
            let model = solver.bound_model();
            let drift = solver.r.iter().zip(&solver.r_ref).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
            assert!(model.error <= drift * (1.0 + 1e-12), "secant error {} > drift {drift}", model.error);
            for j in 0..400 {
                let exact = design.dot(j, &solver.r) / 60.0;
                let bound = solver.gradient_bound(j, model);
                assert!(
                    bound >= exact.abs() * (1.0 - 1e-12) - 1e-15,
                    "feature {j}: bound {bound} < |c| {}",
                    exact.abs()
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 30 * 400);
    }
}
