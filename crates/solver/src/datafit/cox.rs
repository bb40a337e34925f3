//! The Cox proportional-hazards datafit: the negative partial log-likelihood for survival
//! times `T_i ≥ 0` and event indicators `δ_i ∈ {0, 1}` (1 = event, 0 = censored), with tied
//! event times handled by Breslow's approximation (glmnet's default) or Efron's
//! ([`CoxTies`]; R `survival::coxph`'s default):
//!
//! ```text
//! Breslow  F(η) = (1/n) Σ_k [ d_k log S_k − Σ_{i ∈ D_k} η_i ],
//! Efron    F(η) = (1/n) Σ_k [ Σ_{l=0}^{d_k−1} log(S_k − (l/d_k) E_k) − Σ_{i ∈ D_k} η_i ],
//!          S_k = Σ_{j ∈ R_k} e^{η_j},   E_k = Σ_{i ∈ D_k} e^{η_i},
//! ```
//!
//! over the distinct event times `t_k`, with `D_k` the events at `t_k`, `d_k = |D_k|` and the
//! risk set `R_k = {j : T_j ≥ t_k}`. Breslow lets tied events share one risk set; Efron removes
//! the tied events from it one `1/d_k` share at a time. Without ties the two are equal. F is
//! invariant to `η + c·1`, so no intercept is fitted.
//!
//! Both are sums of log-sum-exp terms `log u_kl`, `u_kl = Σ_j e^{η_j} v_klj` with
//! `v_kl = 1_{R_k} − a_l 1_{D_k}` (`a_l = l/d_k` for Efron, 0 for Breslow's d_k equal terms).
//! With, per event time, `a_k = Σ_l 1/u_kl`, `b_k = Σ_l 1/u_kl²`, `α_k = Σ_l a_l/u_kl`,
//! `β_k = Σ_l a_l/u_kl²`, `γ_k = Σ_l a_l²/u_kl²` (α = β = γ = 0 for Breslow), the cumulative
//! `A_j = Σ_{k : t_k ≤ T_j} a_k`, `B_j = Σ_{k : t_k ≤ T_j} b_k`, `w_j = e^{η_j}` and `k(j)` the
//! time group of an event j:
//!
//! - residual `r_j = −n ∂F/∂η_j = δ_j − w_j A_j + δ_j w_j α_{k(j)}` (Σ_j r_j = 0);
//! - Hessian diagonal `h_j = n ∂²F/∂η_j² = w_j A_j − w_j² B_j − δ_j [w_j α_{k(j)} −
//!   w_j² (2β_{k(j)} − γ_{k(j)})]` (glmnet's Newton weights for Breslow); the full Hessian is
//!   `Σ_kl [diag(q_kl) − q_kl q_klᵀ]`, `q_kl = w∘v_kl/u_kl`, which the Newton model uses
//!   (products in O(n), [`CoxHessian`]): with the diagonal alone, Newton steps converged
//!   linearly once the support neared the number of events (266 s against 22 s for the
//!   1,000 × 100,000 path of docs/performance.md). `diag(Σ_kl q_kl) = diag(w∘A − δ∘w∘α)`
//!   bounds it above at η (the weights of the majorize-minimize fallback, a local bound: the
//!   line search on F guards every step).
//!
//! Every sum is a cumulative sum over the samples sorted once by time: O(n) per evaluation.
//!
//! *Scaling.* Exponentials are taken relative to each risk set's own maximum,
//! `M_k = max_{j ∈ R_k} η_j` (non-increasing in k, since the risk sets shrink): the group
//! sums are kept as `S̃_k = e^{−M_k} S_k ∈ [1, n]` (and `ã_k = e^{M_k} a_k`, `b̃_k = e^{2M_k} b_k`,
//! likewise α, β, γ), a sample j of time group k as `ω_j = e^{η_j − M_k} ≤ 1`, and the
//! cumulative sums are carried forward with the factor `e^{M_k − M_{k−1}} ≤ 1`:
//!
//! ```text
//! w_j A_j = ω_j Ã_k,   Ã_k = e^{M_k − M_{k−1}} Ã_{k−1} + ã_k   (B̃ with the factor squared).
//! ```
//!
//! Every quantity is then bounded (`ã_k ≤ d_k²`), so nothing overflows or underflows to a
//! spurious 0·∞ however far apart the η are. A single shift `m = max η` (the first version)
//! let a late risk set whose η all sit ~745 below m underflow to a subnormal `S_k`: `b_k`
//! became ∞, the gradient NaN, and a nonconvex path past saturation reported a certificate
//! of 0 on it (500 × 5,000, MCP; a regression test below).
//!
//! The conjugate of F (a sum of log-sum-exp terms over nested risk sets) is not used here:
//! every certificate of a Cox path is the relative KKT violation.

use super::{Datafit, HessianProduct};
use crate::error::SolverError;

/// How tied event times enter the Cox partial likelihood (module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CoxTies {
    /// Tied events share one risk set (glmnet's default and only choice).
    #[default]
    Breslow,
    /// Tied events leave the risk set one `1/d` share at a time (R `survival::coxph`'s
    /// default; closer to the exact partial likelihood when ties are many).
    Efron,
}

impl CoxTies {
    /// `breslow` or `efron`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CoxTies::Breslow => "breslow",
            CoxTies::Efron => "efron",
        }
    }

    /// Parses `breslow` or `efron`.
    pub fn from_name(name: &str) -> Result<Self, SolverError> {
        match name {
            "breslow" => Ok(CoxTies::Breslow),
            "efron" => Ok(CoxTies::Efron),
            other => Err(SolverError::InvalidParameter(format!(
                "unknown ties method '{other}' for the cox datafit (expected breslow or efron)"
            ))),
        }
    }
}

/// The per-time-group sums of the module docs, scaled by the risk set's shift `M_k` (module
/// docs, *Scaling*): `ã, b̃, α̃, β̃, γ̃`, the risk-set sum `S̃`, the group's term of n·F before its
/// linear part, `Σ_l log u_kl` (with `M_k` added back), and `M_k` itself. All but `shift` are
/// 0 for a time without events.
#[derive(Clone, Copy, Debug, Default)]
struct GroupTerms {
    a: f64,
    b: f64,
    alpha: f64,
    beta: f64,
    gamma: f64,
    s: f64,
    log_term: f64,
    shift: f64,
}

/// The partial likelihood of right-censored survival data (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Cox {
    /// Event indicator δ_i (1.0 or 0.0) of each sample, in the caller's order.
    status: Vec<f64>,
    /// The handling of tied event times.
    ties: CoxTies,
    /// The samples in increasing time order (stable).
    order: Vec<usize>,
    /// `order[group_start[g]..group_start[g + 1]]` share one time; one entry past the end.
    group_start: Vec<usize>,
    /// Events d_g of each time group.
    group_events: Vec<f64>,
}

impl Cox {
    /// The datafit of times and event indicators for a design of n samples: both of length
    /// n, times finite and ≥ 0, status 0 or 1, at least one event.
    pub fn new(time: &[f64], status: &[f64], n: usize) -> Result<Self, SolverError> {
        if time.len() != n {
            return Err(SolverError::LengthMismatch { y_len: time.len(), n });
        }
        if status.len() != n {
            return Err(SolverError::LengthMismatch { y_len: status.len(), n });
        }
        if let Some((i, &v)) = time.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SolverError::NonFinite { what: "time", value: v, location: format!("position {i} (0-based)") });
        }
        if let Some((i, &v)) = time.iter().enumerate().find(|(_, v)| **v < 0.0) {
            return Err(SolverError::InvalidParameter(format!(
                "the cox datafit needs survival times >= 0, but time has {v} at position {i} (0-based)"
            )));
        }
        if let Some((i, &v)) = status.iter().enumerate().find(|(_, v)| **v != 0.0 && **v != 1.0) {
            return Err(SolverError::InvalidParameter(format!(
                "the cox datafit needs status 1 (event) or 0 (censored), but status has {v} at position {i} (0-based)"
            )));
        }
        if !status.contains(&1.0) {
            return Err(SolverError::InvalidParameter(format!(
                "no events: all {n} samples are censored (status 0), and a Cox model needs at least one event"
            )));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
        let mut group_start = Vec::new();
        let mut group_events = Vec::new();
        for (pos, &i) in order.iter().enumerate() {
            if pos == 0 || time[i] != time[order[pos - 1]] {
                group_start.push(pos);
                group_events.push(0.0);
            }
            *group_events.last_mut().expect("a group was opened") += status[i];
        }
        group_start.push(n);
        Ok(Cox { status: status.to_vec(), ties: CoxTies::Breslow, order, group_start, group_events })
    }

    /// The same data with tied event times handled by `ties` (Breslow by default).
    pub fn with_ties(mut self, ties: CoxTies) -> Self {
        self.ties = ties;
        self
    }

    /// The handling of tied event times.
    pub fn ties(&self) -> CoxTies {
        self.ties
    }

    /// The datafit of a survival response carried as one signed vector, XGBoost's
    /// `survival:cox` convention: `|y_i|` is the time, and a negative sign (−0.0 included)
    /// marks a censored sample ([`signed_times`] writes it).
    pub fn from_signed_times(y: &[f64], n: usize) -> Result<Self, SolverError> {
        let (time, status) = split_signed_times(y);
        Cox::new(&time, &status, n)
    }

    /// The members of time group g (indices into the caller's order).
    fn group(&self, g: usize) -> &[usize] {
        &self.order[self.group_start[g]..self.group_start[g + 1]]
    }

    /// `(ω, terms)`: `ω_i = e^{η_i − M_g}` for sample i of time group g, and per time group the
    /// scaled sums of the module docs over the risk-set sums `S̃_g = Σ_{j : T_j ≥ t_g}
    /// e^{η_j − M_g}` (and the tied events' `Ẽ_g` for Efron), `M_g = max_{j : T_j ≥ t_g} η_j`.
    fn risk_terms(&self, eta: &[f64]) -> (Vec<f64>, Vec<GroupTerms>) {
        let mut w = vec![0.0; eta.len()];
        let groups = self.group_events.len();
        let mut terms = vec![GroupTerms::default(); groups];
        let (mut running, mut m) = (0.0, f64::NEG_INFINITY);
        for g in (0..groups).rev() {
            let group_max = self.group(g).iter().map(|&i| eta[i]).fold(f64::NEG_INFINITY, f64::max);
            if group_max > m {
                // the risk set's maximum moves up: rescale the later members' sum
                running = rescaled(running, m - group_max);
                m = group_max;
            }
            for &i in self.group(g) {
                w[i] = (eta[i] - m).exp();
                running += w[i];
            }
            terms[g].shift = m;
            let d = self.group_events[g];
            if d == 0.0 {
                continue;
            }
            let s = running;
            terms[g] = match self.ties {
                CoxTies::Efron if d > 1.0 => {
                    let tied: f64 = self.group(g).iter().filter(|&&i| self.status[i] == 1.0).map(|&i| w[i]).sum();
                    let mut t = GroupTerms::default();
                    for l in 0..d as usize {
                        let share = l as f64 / d;
                        let u = s - share * tied;
                        let (inv, inv_sq) = (1.0 / u, 1.0 / (u * u));
                        t.a += inv;
                        t.b += inv_sq;
                        t.alpha += share * inv;
                        t.beta += share * inv_sq;
                        t.gamma += share * share * inv_sq;
                        t.log_term += m + u.ln();
                    }
                    t.s = s;
                    t.shift = m;
                    t
                }
                _ => GroupTerms {
                    a: d / s,
                    b: d / (s * s),
                    s,
                    log_term: d * (m + s.ln()),
                    shift: m,
                    ..GroupTerms::default()
                },
            };
        }
        (w, terms)
    }

    /// `Σ_g Σ_l (m + log u_gl) − Σ_{events} η_i`, times 1/n.
    fn loss_from(&self, eta: &[f64], terms: &[GroupTerms]) -> f64 {
        let log_terms: f64 =
            self.group_events.iter().zip(terms).filter(|(d, _)| **d > 0.0).map(|(_, t)| t.log_term).sum();
        let linear: f64 = self.status.iter().zip(eta).map(|(&d, &e)| d * e).sum();
        (log_terms - linear) / self.status.len() as f64
    }

    /// Calls `each(i, w_i·A_i, w_i²·B_i, own)` for every sample (module docs: `ω_i Ã_g` and
    /// `ω_i² B̃_g`, exact), `own` the scaled terms of sample i's time group g when i is an
    /// event there (its Efron corrections, to be multiplied by `ω_i`), `None` otherwise.
    fn for_each_risk_term(
        &self,
        w: &[f64],
        terms: &[GroupTerms],
        mut each: impl FnMut(usize, f64, f64, Option<&GroupTerms>),
    ) {
        let (mut a, mut b) = (0.0, 0.0);
        let mut shift = f64::INFINITY;
        for (g, t) in terms.iter().enumerate() {
            // Ã_g = e^{M_g − M_{g−1}} Ã_{g−1} + ã_g (M non-increasing: no overflow)
            a = rescaled(a, t.shift - shift);
            b = rescaled(b, 2.0 * (t.shift - shift));
            shift = t.shift;
            a += t.a;
            b += t.b;
            for &i in self.group(g) {
                let own = (self.status[i] == 1.0).then_some(t);
                each(i, w[i] * a, w[i] * w[i] * b, own);
            }
        }
    }
}

impl Datafit for Cox {
    fn name(&self) -> &'static str {
        "cox"
    }

    fn n_samples(&self) -> usize {
        self.status.len()
    }

    /// F(η + c) = F(η): no intercept.
    fn uses_intercept(&self) -> bool {
        false
    }

    fn null_intercept(&self) -> f64 {
        0.0
    }

    /// `F(0) = (1/n) Σ_k d_k log |R_k|`.
    fn null_loss(&self, _fit_intercept: bool) -> f64 {
        self.loss(&vec![0.0; self.status.len()])
    }

    fn loss(&self, eta: &[f64]) -> f64 {
        let (_, terms) = self.risk_terms(eta);
        self.loss_from(eta, &terms)
    }

    /// `r_j = δ_j − w_j A_j + δ_j w_j α_{k(j)}`.
    fn loss_and_residual(&self, eta: &[f64], r: &mut [f64]) -> f64 {
        let (w, terms) = self.risk_terms(eta);
        self.for_each_risk_term(&w, &terms, |i, wa, _, own| {
            r[i] = self.status[i] - wa + own.map_or(0.0, |t| w[i] * t.alpha);
        });
        self.loss_from(eta, &terms)
    }

    /// `h_j = w_j A_j − w_j² B_j − δ_j [w_j α − w_j² (2β − γ)]` (≥ 0; clamped at 0 against
    /// rounding).
    fn hessian_weights(&self, eta: &[f64], h: &mut [f64]) {
        let (w, terms) = self.risk_terms(eta);
        self.for_each_risk_term(&w, &terms, |i, wa, wwb, own| {
            let correction = own.map_or(0.0, |t| w[i] * t.alpha - w[i] * w[i] * (2.0 * t.beta - t.gamma));
            h[i] = (wa - wwb - correction).max(0.0);
        });
    }

    /// `h_j = w_j A_j − δ_j w_j α_{k(j)}`: `diag(Σ_kl q_kl) ≽ n∇²F(η)` (module docs).
    fn majorizer_weights(&self, eta: &[f64], h: &mut [f64]) {
        let (w, terms) = self.risk_terms(eta);
        self.for_each_risk_term(&w, &terms, |i, wa, _, own| h[i] = wa - own.map_or(0.0, |t| w[i] * t.alpha));
    }

    /// Not used: Cox paths are certified by the KKT violation.
    fn scaled_dual(&self, _r: &[f64], _s: f64) -> Option<f64> {
        None
    }

    /// No mean response: NaN.
    fn mean_squared_error(&self, _eta: &[f64]) -> f64 {
        f64::NAN
    }

    /// The full Hessian `Σ_kl [diag(q_kl) − q_kl q_klᵀ]` (`CoxHessian`, O(n) per product).
    fn hessian_at(&self, eta: &[f64]) -> Option<Box<dyn HessianProduct + '_>> {
        let (w, terms) = self.risk_terms(eta);
        let mut wa = vec![0.0; eta.len()];
        self.for_each_risk_term(&w, &terms, |i, a, _, _| wa[i] = a);
        let groups = self.group_events.len();
        Some(Box::new(CoxHessian {
            cox: self,
            w,
            wa,
            terms,
            group_term: Vec::with_capacity(groups),
            group_sums: Vec::with_capacity(groups),
        }))
    }

    /// Monotone likelihood: every event time has one event, whose η is strictly above every
    /// other η of its risk set (then F → 0 along κη, κ → ∞).
    fn separates(&self, eta: &[f64]) -> bool {
        let mut later_max = f64::NEG_INFINITY;
        for g in (0..self.group_events.len()).rev() {
            let members = self.group(g);
            let d = self.group_events[g];
            if d > 1.0 {
                return false;
            }
            if d == 1.0 {
                let event = members.iter().copied().find(|&i| self.status[i] == 1.0).expect("one event");
                let others = members.iter().filter(|&&i| i != event).map(|&i| eta[i]).fold(later_max, f64::max);
                if eta[event] <= others {
                    return false;
                }
            }
            later_max = members.iter().map(|&i| eta[i]).fold(later_max, f64::max);
        }
        true
    }
}

/// The Cox Hessian at one η, as an operator (module docs, in their scaled quantities: ω, and
/// the sums below relative to each group's shift `M_k`, carried with the factor
/// `e^{M_k − M_{k±1}} ≤ 1` from one group to the next). With
/// `U_k = Σ_{j ∈ R_k} w_j v_j` and `W_k = Σ_{i ∈ D_k} w_i v_i`, `Σ_l (w∘v_kl)ᵀv / u_kl² =
/// U_k b_k − W_k β_k`, and
///
/// ```text
/// (n∇²F(η) v)_i = w_i A_i v_i − w_i Σ_{k: t_k ≤ T_i} (U_k b_k − W_k β_k)
///                 + δ_i w_i [−α_k v_i + U_k β_k − W_k γ_k]   (k = k(i), Efron only),
/// ```
///
/// one cumulative sum from the latest time down (U_k) and one from the earliest up: O(n).
struct CoxHessian<'a> {
    cox: &'a Cox,
    /// `ω_i = e^{η_i − M_g}` (sample i in time group g).
    w: Vec<f64>,
    /// `w_i A_i` (the diagonal part).
    wa: Vec<f64>,
    /// The sums of each time group (module docs).
    terms: Vec<GroupTerms>,
    /// `U_g b_g − W_g β_g` per time group.
    group_term: Vec<f64>,
    /// `(U_g, W_g)` per time group.
    group_sums: Vec<(f64, f64)>,
}

impl HessianProduct for CoxHessian<'_> {
    fn apply(&mut self, v: &[f64], out: &mut [f64]) {
        let cox = self.cox;
        let groups = cox.group_events.len();
        self.group_term.clear();
        self.group_term.resize(groups, 0.0);
        let efron = cox.ties == CoxTies::Efron;
        // (U_g, W_g) is written for every group with events before it is read, and read only for
        // events: no clearing
        if efron && self.group_sums.len() != groups {
            self.group_sums.resize(groups, (0.0, 0.0));
        }
        let mut running = 0.0;
        let mut shift = f64::NEG_INFINITY;
        for g in (0..groups).rev() {
            // Ũ_g = e^{M_{g+1} − M_g} Ũ_{g+1} + Σ_{i in group g} ω_i v_i
            let m = self.terms[g].shift;
            running = rescaled(running, shift - m);
            shift = m;
            running += cox.group(g).iter().map(|&i| self.w[i] * v[i]).sum::<f64>();
            let d = cox.group_events[g];
            if d > 0.0 {
                let t = &self.terms[g];
                if efron {
                    let tied =
                        cox.group(g).iter().filter(|&&i| cox.status[i] == 1.0).map(|&i| self.w[i] * v[i]).sum::<f64>();
                    self.group_term[g] = running * t.b - tied * t.beta;
                    self.group_sums[g] = (running, tied);
                } else {
                    self.group_term[g] = d * running / (t.s * t.s);
                }
            }
        }
        // C_g = e^{M_g − M_{g−1}} C_{g−1} + term_g
        let mut c = 0.0;
        let mut shift = f64::INFINITY;
        let mut carry = |c: &mut f64, g: usize| {
            let m = self.terms[g].shift;
            *c = rescaled(*c, m - shift);
            shift = m;
        };
        if !efron {
            for (g, &term) in self.group_term.iter().enumerate() {
                carry(&mut c, g);
                c += term;
                for &i in cox.group(g) {
                    out[i] = self.wa[i] * v[i] - self.w[i] * c;
                }
            }
            return;
        }
        for (g, &term) in self.group_term.iter().enumerate() {
            carry(&mut c, g);
            c += term;
            let t = &self.terms[g];
            let (u, tied) = self.group_sums[g];
            for &i in cox.group(g) {
                out[i] = self.wa[i] * v[i] - self.w[i] * c;
                if cox.status[i] == 1.0 {
                    out[i] += self.w[i] * (-t.alpha * v[i] + u * t.beta - tied * t.gamma);
                }
            }
        }
    }
}

/// `x·e^{log_factor}`: a running sum re-expressed from one shift to the next (module docs,
/// *Scaling*; `log_factor ≤ 0` wherever a sum is carried). An empty sum stays 0 even across the
/// first, infinite shift (where `0·e^{±∞}` would be 0 or NaN).
#[inline]
fn rescaled(x: f64, log_factor: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x * log_factor.exp() }
}

/// One signed vector for times and event indicators: `y_i = T_i` for an event (status 1),
/// `−T_i` for a censored sample (status 0); see [`Cox::from_signed_times`].
pub fn signed_times(time: &[f64], status: &[f64]) -> Vec<f64> {
    time.iter().zip(status).map(|(&t, &d)| if d == 1.0 { t } else { -t }).collect()
}

/// `(time, status)` of a signed survival vector ([`signed_times`]): the sign bit marks
/// censoring, so that a censoring at time 0 (`−0.0`) survives the round trip.
pub fn split_signed_times(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    y.iter().map(|&v| (v.abs(), if v.is_sign_negative() { 0.0 } else { 1.0 })).unzip()
}

/// Harrell's concordance index of risk scores η (higher = earlier event): over the comparable
/// pairs (i, j) — `δ_i = 1` and `T_i < T_j`, or `T_i = T_j` with j censored (a sample censored
/// at an event time outlives it) — the share with `η_i > η_j`, ties in η counting ½, as R's
/// `survival::concordance` and glmnet's `Cindex`. NaN without a comparable pair. O(n log n):
/// the samples by decreasing time, each event counted against the later samples and the ones
/// censored at its time through a Fenwick tree over the ranks of η.
pub fn concordance_index(time: &[f64], status: &[f64], eta: &[f64]) -> f64 {
    let n = time.len();
    assert!(status.len() == n && eta.len() == n, "time, status and eta must have one value per sample");
    // ranks of η (ties share a rank), 1-based for the Fenwick tree
    let mut by_eta: Vec<usize> = (0..n).collect();
    by_eta.sort_by(|&a, &b| eta[a].total_cmp(&eta[b]));
    let mut rank = vec![0usize; n];
    let mut distinct = 0;
    for (pos, &i) in by_eta.iter().enumerate() {
        if pos == 0 || eta[i] != eta[by_eta[pos - 1]] {
            distinct += 1;
        }
        rank[i] = distinct;
    }
    let mut tree = vec![0u64; distinct + 1];
    let add = |tree: &mut Vec<u64>, mut k: usize| {
        while k <= distinct {
            tree[k] += 1;
            k += k & k.wrapping_neg();
        }
    };
    let count_le = |tree: &Vec<u64>, mut k: usize| {
        let mut total = 0u64;
        while k > 0 {
            total += tree[k];
            k -= k & k.wrapping_neg();
        }
        total
    };
    let mut by_time: Vec<usize> = (0..n).collect();
    by_time.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    // walk from the latest time down: the tree holds the samples with a strictly later time
    let (mut concordant, mut comparable) = (0.0f64, 0.0f64);
    let mut end = n;
    while end > 0 {
        let mut start = end - 1;
        while start > 0 && time[by_time[start - 1]] == time[by_time[end - 1]] {
            start -= 1;
        }
        let group = &by_time[start..end];
        let mut held = (n - end) as u64;
        for &i in group.iter().filter(|&&i| status[i] != 1.0) {
            add(&mut tree, rank[i]);
            held += 1;
        }
        for &i in group.iter().filter(|&&i| status[i] == 1.0) {
            if held > 0 {
                let below = count_le(&tree, rank[i] - 1);
                let tied = count_le(&tree, rank[i]) - below;
                concordant += below as f64 + 0.5 * tied as f64;
                comparable += held as f64;
            }
        }
        for &i in group.iter().filter(|&&i| status[i] == 1.0) {
            add(&mut tree, rank[i]);
        }
        end = start;
    }
    if comparable > 0.0 { concordant / comparable } else { f64::NAN }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partial likelihood written out term by term, O(n²): Breslow per event; Efron per
    /// distinct event time, its l-th tied event seeing the risk set less l/d of the tied ones.
    fn naive_loss_with(ties: CoxTies, time: &[f64], status: &[f64], eta: &[f64]) -> f64 {
        let n = time.len();
        let mut total = 0.0;
        let mut seen: Vec<f64> = Vec::new();
        for i in 0..n {
            if status[i] != 1.0 || seen.contains(&time[i]) {
                continue;
            }
            seen.push(time[i]);
            let tied: Vec<usize> = (0..n).filter(|&j| status[j] == 1.0 && time[j] == time[i]).collect();
            let d = tied.len() as f64;
            // relative to the risk set's own maximum c (log-sum-exp)
            let c = (0..n).filter(|&j| time[j] >= time[i]).map(|j| eta[j]).fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = (0..n).filter(|&j| time[j] >= time[i]).map(|j| (eta[j] - c).exp()).sum();
            let e: f64 = tied.iter().map(|&j| (eta[j] - c).exp()).sum();
            for (l, &j) in tied.iter().enumerate() {
                let share = if ties == CoxTies::Efron { l as f64 / d } else { 0.0 };
                total += c + (s - share * e).ln() - eta[j];
            }
        }
        total / n as f64
    }

    /// Breslow's residual, Newton weights and Hessian product written out per risk set,
    /// O(n²), each risk set's probabilities `p_kj = e^{η_j − LSE_k}` from its own log-sum-exp.
    fn naive_breslow_derivatives(time: &[f64], status: &[f64], eta: &[f64], v: &[f64]) -> [Vec<f64>; 3] {
        let n = time.len();
        let (mut r, mut h, mut hv) = (status.to_vec(), vec![0.0; n], vec![0.0; n]);
        let mut seen: Vec<f64> = Vec::new();
        for i in 0..n {
            if status[i] != 1.0 || seen.contains(&time[i]) {
                continue;
            }
            seen.push(time[i]);
            let d = (0..n).filter(|&j| status[j] == 1.0 && time[j] == time[i]).count() as f64;
            let set: Vec<usize> = (0..n).filter(|&j| time[j] >= time[i]).collect();
            let c = set.iter().map(|&j| eta[j]).fold(f64::NEG_INFINITY, f64::max);
            let lse = c + set.iter().map(|&j| (eta[j] - c).exp()).sum::<f64>().ln();
            let p: Vec<f64> = set.iter().map(|&j| (eta[j] - lse).exp()).collect();
            let pv: f64 = set.iter().zip(&p).map(|(&j, p)| p * v[j]).sum();
            for (&j, &pj) in set.iter().zip(&p) {
                r[j] -= d * pj;
                h[j] += d * (pj - pj * pj);
                hv[j] += d * pj * (v[j] - pv);
            }
        }
        [r, h, hv]
    }

    /// η spread over thousands (a saturated fit): late risk sets sit far below the overall
    /// maximum. Every quantity stays finite and matches the per-risk-set computation; with one
    /// shift for all of η the late risk sets underflowed and the gradient was NaN.
    #[test]
    fn widely_spread_predictors_keep_every_quantity_finite_and_exact() {
        let (time, status, base) = example();
        let n = time.len();
        // the later a sample's time, the lower its η, by 400 per unit of time
        let eta: Vec<f64> = base.iter().zip(&time).map(|(e, t)| e - 400.0 * t).collect();
        let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
        for ties in [CoxTies::Breslow, CoxTies::Efron] {
            let cox = Cox::new(&time, &status, n).unwrap().with_ties(ties);
            let mut r = vec![0.0; n];
            let loss = cox.loss_and_residual(&eta, &mut r);
            let naive = naive_loss_with(ties, &time, &status, &eta);
            assert!(
                loss.is_finite() && (loss - naive).abs() <= 1e-12 * naive.abs().max(1.0),
                "{ties:?}: {loss} vs {naive}"
            );
            let mut h = vec![0.0; n];
            cox.hessian_weights(&eta, &mut h);
            let mut hv = vec![0.0; n];
            cox.hessian_at(&eta).unwrap().apply(&v, &mut hv);
            let mut major = vec![0.0; n];
            cox.majorizer_weights(&eta, &mut major);
            for x in r.iter().chain(&h).chain(&hv).chain(&major) {
                assert!(x.is_finite(), "{ties:?}: r {r:?} h {h:?} hv {hv:?}");
            }
            if ties == CoxTies::Breslow {
                let [nr, nh, nhv] = naive_breslow_derivatives(&time, &status, &eta, &v);
                for j in 0..n {
                    assert!((r[j] - nr[j]).abs() < 1e-12, "residual {j}: {} vs {}", r[j], nr[j]);
                    assert!((h[j] - nh[j]).abs() < 1e-12, "weight {j}: {} vs {}", h[j], nh[j]);
                    assert!((hv[j] - nhv[j]).abs() < 1e-12, "product {j}: {} vs {}", hv[j], nhv[j]);
                }
            }
        }
        // the per-risk-set formulas agree with finite differences where those are accurate
        let [nr, nh, nhv] = naive_breslow_derivatives(&time, &status, &base, &v);
        let cox = Cox::new(&time, &status, n).unwrap();
        let (mut r, mut h, mut hv) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        cox.loss_and_residual(&base, &mut r);
        cox.hessian_weights(&base, &mut h);
        cox.hessian_at(&base).unwrap().apply(&v, &mut hv);
        for j in 0..n {
            assert!((r[j] - nr[j]).abs() < 1e-13 && (h[j] - nh[j]).abs() < 1e-13 && (hv[j] - nhv[j]).abs() < 1e-13);
        }
    }

    fn example() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        // ties in time (3.0 twice with two events, 5.0 with one event and one censoring)
        let time = vec![5.0, 3.0, 1.0, 3.0, 8.0, 5.0, 2.0, 9.0];
        let status = vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        let eta = vec![0.3, -1.2, 0.8, 0.1, -0.4, 2.0, 0.5, -0.7];
        (time, status, eta)
    }

    #[test]
    fn loss_matches_the_breslow_sum_and_its_gradient_and_hessian_match_finite_differences() {
        let (time, status, eta) = example();
        check_against_naive(CoxTies::Breslow, &time, &status, &eta);
    }

    #[test]
    fn efron_loss_gradient_and_hessian_match_the_naive_sum_and_finite_differences() {
        let (time, status, eta) = example();
        check_against_naive(CoxTies::Efron, &time, &status, &eta);
        // heavier ties: three events and a censoring at one time, two events at another
        let time = vec![4.0, 4.0, 4.0, 4.0, 1.0, 6.0, 6.0, 2.0, 7.0, 4.0];
        let status = vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0];
        let eta = vec![0.2, -0.5, 1.1, 0.7, -0.3, 0.4, -1.0, 0.9, 0.0, 0.6];
        check_against_naive(CoxTies::Efron, &time, &status, &eta);
        // Efron and Breslow differ with ties, agree without them
        let efron = Cox::new(&time, &status, 10).unwrap().with_ties(CoxTies::Efron);
        let breslow = Cox::new(&time, &status, 10).unwrap();
        assert!(efron.loss(&eta) < breslow.loss(&eta), "Efron's risk sets are smaller");
        let distinct: Vec<f64> = (0..10).map(|i| i as f64).collect();
        let efron = Cox::new(&distinct, &status, 10).unwrap().with_ties(CoxTies::Efron);
        let breslow = Cox::new(&distinct, &status, 10).unwrap();
        assert_eq!(efron.loss(&eta), breslow.loss(&eta));
    }

    /// The loss against the naive sum, the residual and the Newton weights against finite
    /// differences of it, the Hessian products against finite differences of the residual.
    fn check_against_naive(ties: CoxTies, time: &[f64], status: &[f64], eta: &[f64]) {
        let naive_loss = |time: &[f64], status: &[f64], eta: &[f64]| naive_loss_with(ties, time, status, eta);
        let eta = eta.to_vec();
        let n = time.len();
        let cox = Cox::new(time, status, n).unwrap().with_ties(ties);
        let mut r = vec![0.0; n];
        let loss = cox.loss_and_residual(&eta, &mut r);
        assert!((loss - naive_loss(time, status, &eta)).abs() < 1e-14, "{loss} vs {}", naive_loss(time, status, &eta));
        assert!((cox.loss(&eta) - loss).abs() < 1e-15);
        assert!(r.iter().sum::<f64>().abs() < 1e-14, "residuals sum to 0 (shift invariance)");
        let mut h = vec![0.0; n];
        cox.hessian_weights(&eta, &mut h);
        let step = 1e-5;
        for j in 0..n {
            let mut up = eta.clone();
            let mut down = eta.clone();
            up[j] += step;
            down[j] -= step;
            let derivative = (naive_loss(time, status, &up) - naive_loss(time, status, &down)) / (2.0 * step);
            assert!((-r[j] / n as f64 - derivative).abs() < 1e-9, "gradient {j}");
            let second = (naive_loss(time, status, &up) - 2.0 * naive_loss(time, status, &eta)
                + naive_loss(time, status, &down))
                / (step * step);
            assert!((h[j] / n as f64 - second).abs() < 1e-5, "hessian {j}: {} vs {second}", h[j] / n as f64);
        }
        // shift invariance, and no overflow far out
        let shifted: Vec<f64> = eta.iter().map(|e| e + 800.0).collect();
        assert!((cox.loss(&shifted) - loss).abs() < 1e-12);
        // the full Hessian: its products against finite differences of the gradient
        let mut hessian = cox.hessian_at(&eta).expect("cox has a full hessian");
        let v: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
        let mut hv = vec![0.0; n];
        hessian.apply(&v, &mut hv);
        let (mut r_up, mut r_down) = (vec![0.0; n], vec![0.0; n]);
        let up: Vec<f64> = eta.iter().zip(&v).map(|(e, v)| e + step * v).collect();
        let down: Vec<f64> = eta.iter().zip(&v).map(|(e, v)| e - step * v).collect();
        cox.loss_and_residual(&up, &mut r_up);
        cox.loss_and_residual(&down, &mut r_down);
        for i in 0..n {
            let fd = -(r_up[i] - r_down[i]) / (2.0 * step);
            assert!((hv[i] - fd).abs() < 1e-8, "hessian product {i}: {} vs {fd}", hv[i]);
        }
        let mut unit = vec![0.0; n];
        for j in 0..n {
            unit.iter_mut().for_each(|u| *u = 0.0);
            unit[j] = 1.0;
            hessian.apply(&unit, &mut hv);
            assert!((hv[j] - h[j]).abs() < 1e-14, "its diagonal is the Newton weights");
        }
        hessian.apply(&vec![1.0; n], &mut hv);
        assert!(hv.iter().all(|x| x.abs() < 1e-14), "shift invariance: H·1 = 0");
        drop(hessian);
        let mut majorizer = vec![0.0; n];
        cox.majorizer_weights(&eta, &mut majorizer);
        assert!(majorizer.iter().zip(&h).all(|(m, h)| m >= h));
    }

    #[test]
    fn null_loss_is_the_log_risk_set_sizes() {
        let (time, status, _) = example();
        let cox = Cox::new(&time, &status, 8).unwrap();
        // events at 2 (risk 7), 3 (two events, risk 6), 5 (risk 4), 9 (risk 1)
        let expected = (7f64.ln() + 2.0 * 6f64.ln() + 4f64.ln() + 1f64.ln()) / 8.0;
        assert!((cox.null_loss(false) - expected).abs() < 1e-15);
        assert!(!cox.uses_intercept());
    }

    #[test]
    fn separation_is_a_strict_ordering_of_single_events() {
        let time = [1.0, 2.0, 3.0, 4.0];
        let status = [1.0, 1.0, 0.0, 1.0];
        let cox = Cox::new(&time, &status, 4).unwrap();
        assert!(cox.separates(&[4.0, 3.0, 1.0, 0.0]));
        assert!(!cox.separates(&[4.0, 3.0, 3.5, 0.0]), "the censored sample outranks the event at time 2");
        let tied = Cox::new(&[1.0, 1.0, 2.0], &[1.0, 1.0, 0.0], 3).unwrap();
        assert!(!tied.separates(&[5.0, 4.0, 0.0]), "two events share a risk set");
    }

    #[test]
    fn bad_survival_data_are_errors_that_name_the_problem() {
        let e = Cox::new(&[1.0, -2.0], &[1.0, 0.0], 2).unwrap_err().to_string();
        assert!(e.contains("times >= 0") && e.contains("-2"), "{e}");
        let e = Cox::new(&[1.0, 2.0], &[1.0, 2.0], 2).unwrap_err().to_string();
        assert!(e.contains("status 1 (event) or 0"), "{e}");
        let e = Cox::new(&[1.0, 2.0], &[0.0, 0.0], 2).unwrap_err().to_string();
        assert!(e.contains("no events"), "{e}");
        let e = Cox::new(&[1.0, f64::NAN], &[1.0, 0.0], 2).unwrap_err().to_string();
        assert!(e.contains("time"), "{e}");
        assert!(Cox::new(&[1.0], &[1.0, 0.0], 2).is_err());
    }

    #[test]
    fn signed_times_round_trip_with_censoring_at_zero() {
        let time = [0.0, 0.0, 2.5, 7.0];
        let status = [1.0, 0.0, 0.0, 1.0];
        let y = signed_times(&time, &status);
        assert!(y[1].is_sign_negative() && y[1] == 0.0);
        assert_eq!(split_signed_times(&y), (time.to_vec(), status.to_vec()));
        assert_eq!(Cox::from_signed_times(&y, 4).unwrap(), Cox::new(&time, &status, 4).unwrap());
    }

    /// Harrell's C against the O(n²) definition, with ties in time and in η.
    #[test]
    fn concordance_index_counts_comparable_pairs() {
        let (time, status, mut eta) = example();
        eta[3] = eta[0]; // a tie in η
        let n = time.len();
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..n {
            for j in 0..n {
                if status[i] == 1.0 && (time[i] < time[j] || (time[i] == time[j] && status[j] == 0.0)) {
                    den += 1.0;
                    num += if eta[i] > eta[j] {
                        1.0
                    } else if eta[i] == eta[j] {
                        0.5
                    } else {
                        0.0
                    };
                }
            }
        }
        assert!((concordance_index(&time, &status, &eta) - num / den).abs() < 1e-15);
        assert!(concordance_index(&[1.0, 1.0], &[1.0, 1.0], &[0.0, 1.0]).is_nan());
    }
}
