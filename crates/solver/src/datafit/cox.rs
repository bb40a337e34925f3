//! The Cox proportional-hazards datafit: the negative Breslow partial log-likelihood
//! (glmnet's `family = "cox"` with its default ties), for survival times `T_i ≥ 0` and event
//! indicators `δ_i ∈ {0, 1}` (1 = event, 0 = censored):
//!
//! ```text
//! F(η) = (1/n) Σ_k [ d_k log S_k − Σ_{i ∈ D_k} η_i ],   S_k = Σ_{j ∈ R_k} e^{η_j},
//! ```
//!
//! over the distinct event times `t_k`, with `D_k` the events at `t_k`, `d_k = |D_k|` and the
//! risk set `R_k = {j : T_j ≥ t_k}` (Breslow: tied events share one risk set). F is invariant
//! to `η + c·1`, so no intercept is fitted.
//!
//! With `A_j = Σ_{k : t_k ≤ T_j} d_k/S_k` and `B_j = Σ_{k : t_k ≤ T_j} d_k/S_k²`:
//!
//! - residual `r_j = −n ∂F/∂η_j = δ_j − e^{η_j} A_j` (Σ_j r_j = 0);
//! - Hessian diagonal `n ∂²F/∂η_j² = e^{η_j} A_j − e^{2η_j} B_j` (glmnet's Newton weights);
//!   the full Hessian is `Σ_k d_k (diag(p_k) − p_k p_kᵀ)` with `p_k` the softmax of η over
//!   `R_k`, which the Newton model uses (products in O(n), [`CoxHessian`]): with the diagonal
//!   alone, Newton steps converged linearly once the support neared the number of events
//!   (266 s against 22 s for the 1,000 × 100,000 path of docs/performance.md). `diag(e^{η} A)`
//!   bounds it above at η (the weights of the majorize-minimize fallback, a local bound: the
//!   line search on F guards every step).
//!
//! Every sum is a cumulative sum over the samples sorted once by time: O(n) per evaluation.
//! Exponentials are taken relative to `m = max η` (`S_k` and `A_j` rescale, `e^{η_j}A_j` does
//! not), so no evaluation overflows.
//!
//! The conjugate of F (a sum of log-sum-exp terms over nested risk sets) is not used here:
//! every certificate of a Cox path is the relative KKT violation.

use super::{Datafit, HessianProduct};
use crate::error::SolverError;

/// The Breslow partial likelihood of right-censored survival data (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct Cox {
    /// Event indicator δ_i (1.0 or 0.0) of each sample, in the caller's order.
    status: Vec<f64>,
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
        Ok(Cox { status: status.to_vec(), order, group_start, group_events })
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

    /// `(m, w, S)`: `m = max η`, `w_i = e^{η_i − m}` and, per time group, the risk-set sum
    /// `S_g = Σ_{j : T_j ≥ t_g} w_j`.
    fn risk_sums(&self, eta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let m = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let w: Vec<f64> = eta.iter().map(|&e| (e - m).exp()).collect();
        let groups = self.group_events.len();
        let mut sums = vec![0.0; groups];
        let mut running = 0.0;
        for g in (0..groups).rev() {
            running += self.group(g).iter().map(|&i| w[i]).sum::<f64>();
            sums[g] = running;
        }
        (m, w, sums)
    }

    /// `Σ_g d_g (m + log S_g) − Σ_{events} η_i`, times 1/n.
    fn loss_from(&self, eta: &[f64], m: f64, sums: &[f64]) -> f64 {
        let log_terms: f64 =
            self.group_events.iter().zip(sums).filter(|(d, _)| **d > 0.0).map(|(&d, &s)| d * (m + s.ln())).sum();
        let linear: f64 = self.status.iter().zip(eta).map(|(&d, &e)| d * e).sum();
        (log_terms - linear) / self.status.len() as f64
    }

    /// Calls `each(i, w_i·A_i, w_i²·B_i)` for every sample (module docs, relative to m).
    fn for_each_risk_term(&self, w: &[f64], sums: &[f64], mut each: impl FnMut(usize, f64, f64)) {
        let (mut a, mut b) = (0.0, 0.0);
        for (g, (&d, &s)) in self.group_events.iter().zip(sums).enumerate() {
            if d > 0.0 {
                a += d / s;
                b += d / (s * s);
            }
            for &i in self.group(g) {
                each(i, w[i] * a, w[i] * w[i] * b);
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
        let (m, _, sums) = self.risk_sums(eta);
        self.loss_from(eta, m, &sums)
    }

    /// `r_j = δ_j − e^{η_j} A_j`.
    fn loss_and_residual(&self, eta: &[f64], r: &mut [f64]) -> f64 {
        let (m, w, sums) = self.risk_sums(eta);
        self.for_each_risk_term(&w, &sums, |i, wa, _| r[i] = self.status[i] - wa);
        self.loss_from(eta, m, &sums)
    }

    /// `h_j = e^{η_j} A_j − e^{2η_j} B_j` (≥ 0; clamped at 0 against rounding).
    fn hessian_weights(&self, eta: &[f64], h: &mut [f64]) {
        let (_, w, sums) = self.risk_sums(eta);
        self.for_each_risk_term(&w, &sums, |i, wa, wwb| h[i] = (wa - wwb).max(0.0));
    }

    /// `h_j = e^{η_j} A_j`: `diag(e^{η} A) ≽ n∇²F(η)` (module docs).
    fn majorizer_weights(&self, eta: &[f64], h: &mut [f64]) {
        let (_, w, sums) = self.risk_sums(eta);
        self.for_each_risk_term(&w, &sums, |i, wa, _| h[i] = wa);
    }

    /// Not used: Cox paths are certified by the KKT violation.
    fn scaled_dual(&self, _r: &[f64], _s: f64) -> Option<f64> {
        None
    }

    /// No mean response: NaN.
    fn mean_squared_error(&self, _eta: &[f64]) -> f64 {
        f64::NAN
    }

    /// The full Hessian `Σ_k d_k (diag(p_k) − p_k p_kᵀ)` (`CoxHessian`, O(n) per product).
    fn hessian_at(&self, eta: &[f64]) -> Option<Box<dyn HessianProduct + '_>> {
        let (_, w, sums) = self.risk_sums(eta);
        let mut wa = vec![0.0; eta.len()];
        self.for_each_risk_term(&w, &sums, |i, a, _| wa[i] = a);
        Some(Box::new(CoxHessian { cox: self, w, wa, sums, group_term: Vec::with_capacity(self.group_events.len()) }))
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

/// The Cox Hessian at one η, as an operator. With `p_k = w_{R_k}/S_k` (w = e^{η−m}):
///
/// ```text
/// (n∇²F(η) v)_i = Σ_{k: i ∈ R_k} d_k [p_ki v_i − p_ki (p_kᵀv)] = w_i A_i v_i − w_i Σ_{k: t_k ≤ T_i} d_k U_k/S_k²,
/// U_k = Σ_{j ∈ R_k} w_j v_j,
/// ```
///
/// one cumulative sum from the latest time down (U_k) and one from the earliest up: O(n).
struct CoxHessian<'a> {
    cox: &'a Cox,
    /// `w_i = e^{η_i − m}`.
    w: Vec<f64>,
    /// `w_i A_i` (the diagonal part).
    wa: Vec<f64>,
    /// Risk-set sums `S_g` per time group.
    sums: Vec<f64>,
    /// `d_g U_g/S_g²` per time group.
    group_term: Vec<f64>,
}

impl HessianProduct for CoxHessian<'_> {
    fn apply(&mut self, v: &[f64], out: &mut [f64]) {
        let cox = self.cox;
        let groups = cox.group_events.len();
        self.group_term.clear();
        self.group_term.resize(groups, 0.0);
        let mut running = 0.0;
        for g in (0..groups).rev() {
            running += cox.group(g).iter().map(|&i| self.w[i] * v[i]).sum::<f64>();
            let d = cox.group_events[g];
            if d > 0.0 {
                let s = self.sums[g];
                self.group_term[g] = d * running / (s * s);
            }
        }
        let mut c = 0.0;
        for (g, &term) in self.group_term.iter().enumerate() {
            c += term;
            for &i in cox.group(g) {
                out[i] = self.wa[i] * v[i] - self.w[i] * c;
            }
        }
    }
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

    /// The partial likelihood written out term by term, O(n²).
    fn naive_loss(time: &[f64], status: &[f64], eta: &[f64]) -> f64 {
        let n = time.len();
        let mut total = 0.0;
        for i in 0..n {
            if status[i] == 1.0 {
                let s: f64 = (0..n).filter(|&j| time[j] >= time[i]).map(|j| eta[j].exp()).sum();
                total += s.ln() - eta[i];
            }
        }
        total / n as f64
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
        let n = time.len();
        let cox = Cox::new(&time, &status, n).unwrap();
        let mut r = vec![0.0; n];
        let loss = cox.loss_and_residual(&eta, &mut r);
        assert!((loss - naive_loss(&time, &status, &eta)).abs() < 1e-14);
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
            let derivative = (naive_loss(&time, &status, &up) - naive_loss(&time, &status, &down)) / (2.0 * step);
            assert!((-r[j] / n as f64 - derivative).abs() < 1e-9, "gradient {j}");
            let second = (naive_loss(&time, &status, &up) - 2.0 * naive_loss(&time, &status, &eta)
                + naive_loss(&time, &status, &down))
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
