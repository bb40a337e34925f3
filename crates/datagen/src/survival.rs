//! Survival times from a Cox proportional-hazards model, for `regpath gen --survival`
//! (docs/design.md §4): the synthetic `genotype` family and phenotypes simulated on a real
//! fileset use a genetic value as the linear predictor η.
//!
//! - **Scale of η.** With an exponential baseline hazard of rate 1, `T_i = −log(U_i)/e^{η_i}`
//!   (`U_i ~ U(0, 1]`), so `log T_i = −η_i + W_i` with `W_i = log(−log U_i)` a standard
//!   (minimum) extreme-value variable of variance π²/6 — the Cox model is a linear model on the
//!   log-time scale with that residual. As `--binary` puts h² on the liability scale (residual
//!   variance that of the liability's noise), `--survival` puts it on the log-time scale: the
//!   genetic value g is centered and scaled to `η = a·(g − ḡ)` with
//!   `var(η) = h²/(1 − h²)·π²/6` (sample variance, divisor n), i.e.
//!   `var(η)/(var(η) + var(W)) = h²`. The true Cox coefficients are `a` times the effects.
//! - **Censoring.** Independent exponential censoring `C_i = −log(V_i)/μ`. Given η,
//!   `P(C_i < T_i) = μ/(μ + e^{η_i})`, so the expected censored fraction
//!   `(1/n) Σ_i μ/(μ + e^{η_i})` increases from 0 (μ = 0) to 1 (μ → ∞); μ is its root at the
//!   target F (bisection on log μ), and F = 0 means no censoring (μ = 0, C = ∞).
//! - **Observed response.** `time = min(T, C)`, `status = 1{T ≤ C}` (1 = event).
//!
//! T and C draw from their own ChaCha8 streams keyed by the seed, so the same (η, F, seed)
//! gives the same bytes on any machine and thread count.

use rand::Rng;

use crate::error::DataError;
use crate::rng::{Purpose, stream};

/// The variance π²/6 of `log(−log U)`, the residual of `log T` in a Cox model with an
/// exponential baseline hazard: the scale on which `h2` is set.
pub const LOG_TIME_RESIDUAL_VARIANCE: f64 = std::f64::consts::PI * std::f64::consts::PI / 6.0;

/// Censored fraction when none is given (`gen --survival` without `--censoring`).
pub const DEFAULT_CENSORING: f64 = 0.3;

/// Survival times drawn from a Cox model, and how they were drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalDraw {
    /// The linear predictor η of each sample (centered, `var(η) = h²/(1 − h²)·π²/6`).
    pub eta: Vec<f64>,
    /// The factor a of `η = a·(g − ḡ)`.
    pub eta_scale: f64,
    /// Observed times `min(T, C)`.
    pub time: Vec<f64>,
    /// Event indicators `1{T ≤ C}` (1 = event, 0 = censored).
    pub status: Vec<f64>,
    /// The target censored fraction F.
    pub censoring: f64,
    /// The censoring rate μ (0 without censoring).
    pub censoring_rate: f64,
    /// The realized share of events, `Σ status / n`.
    pub event_fraction: f64,
}

impl SurvivalDraw {
    /// The response as one signed time per sample (the runner's convention,
    /// `regpath_solver::signed_times`): `time` for an event, `−time` for a censored sample.
    pub fn signed_times(&self) -> Vec<f64> {
        self.time.iter().zip(&self.status).map(|(&t, &d)| if d == 1.0 { t } else { -t }).collect()
    }

    /// Number of events.
    pub fn events(&self) -> usize {
        self.status.iter().filter(|&&d| d == 1.0).count()
    }
}

/// Checks a target censored fraction: F ∈ [0, 1).
pub fn check_censoring(censoring: f64) -> Result<(), DataError> {
    if (0.0..1.0).contains(&censoring) {
        Ok(())
    } else {
        Err(DataError::parameter(format!(
            "censoring (the expected censored fraction) must be in [0, 1), got {censoring}"
        )))
    }
}

/// The censoring rate μ ≥ 0 at which the expected censored fraction
/// `(1/n) Σ_i μ/(μ + e^{η_i})` equals `censoring` (0 for 0): bisection on log μ to relative
/// precision ~1e-15.
pub fn censoring_rate(eta: &[f64], censoring: f64) -> f64 {
    if censoring <= 0.0 || eta.is_empty() {
        return 0.0;
    }
    let expected = |mu: f64| eta.iter().map(|&e| mu / (mu + e.exp())).sum::<f64>() / eta.len() as f64;
    // bracket: expected(lo) < F < expected(hi)
    let (mut lo, mut hi) = (-1.0f64, 1.0f64);
    while expected(lo.exp()) > censoring {
        lo *= 2.0;
    }
    while expected(hi.exp()) < censoring {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if expected(mid.exp()) < censoring {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// `−log(U)` with U uniform on (0, 1]: an Exp(1) draw.
fn exp1(rng: &mut impl Rng) -> f64 {
    let u: f64 = rng.random();
    -(1.0 - u).ln()
}

/// Survival times for the genetic values `g` (see the module documentation): η scaled from g
/// for heritability `h2` on the log-time scale, T from an exponential baseline hazard, C
/// exponential at the rate that makes the expected censored fraction `censoring`.
///
/// Errors: `h2` outside (0, 1), `censoring` outside [0, 1), fewer than 2 samples, a constant g,
/// a draw without any event.
pub fn draw_survival(g: &[f64], h2: f64, censoring: f64, seed: u64) -> Result<SurvivalDraw, DataError> {
    check_censoring(censoring)?;
    if !(h2 > 0.0 && h2 < 1.0) {
        return Err(DataError::parameter(format!("h2 must be in (0, 1), got {h2}")));
    }
    let n = g.len();
    if n < 2 {
        return Err(DataError::parameter(format!("survival times need at least 2 samples, got {n}")));
    }
    let mean = g.iter().sum::<f64>() / n as f64;
    let var = g.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    if !(var > 0.0 && var.is_finite()) {
        return Err(DataError::parameter(format!(
            "the genetic value is constant over the {n} samples, so it cannot be the linear predictor of \
             survival times; change the seed, k or n"
        )));
    }
    let eta_scale = (h2 / (1.0 - h2) * LOG_TIME_RESIDUAL_VARIANCE / var).sqrt();
    let eta: Vec<f64> = g.iter().map(|v| eta_scale * (v - mean)).collect();
    let rate = censoring_rate(&eta, censoring);
    let mut times_rng = stream(seed, Purpose::SurvivalTimes, 0);
    let mut censor_rng = stream(seed, Purpose::Censoring, 0);
    let (mut time, mut status) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for &e in &eta {
        let t = exp1(&mut times_rng) / e.exp();
        let c = if rate > 0.0 { exp1(&mut censor_rng) / rate } else { f64::INFINITY };
        time.push(t.min(c));
        status.push(if t <= c { 1.0 } else { 0.0 });
    }
    let events = status.iter().filter(|&&d| d == 1.0).count();
    if events == 0 {
        return Err(DataError::parameter(format!(
            "censoring = {censoring} left no event among the {n} samples; lower censoring or raise n"
        )));
    }
    Ok(SurvivalDraw {
        eta,
        eta_scale,
        time,
        status,
        censoring,
        censoring_rate: rate,
        event_fraction: events as f64 / n as f64,
    })
}

/// The `meta.json` fields of a survival phenotype (synthetic or simulated on a fileset): the
/// target censored fraction, the censoring rate, the realized event counts and the scale of η.
pub fn meta_fields(m: &mut serde_json::Value, draw: &SurvivalDraw) {
    use serde_json::json;
    m["survival"] = json!(true);
    m["censoring"] = json!(draw.censoring);
    m["censoring_rate"] = json!(draw.censoring_rate);
    m["events"] = json!(draw.events());
    m["censored"] = json!(draw.time.len() - draw.events());
    m["event_fraction"] = json!(draw.event_fraction);
    m["censored_fraction"] = json!(1.0 - draw.event_fraction);
    m["eta_scale"] = json!(draw.eta_scale);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_gives_the_expected_censored_fraction() {
        let eta: Vec<f64> = (0..50).map(|i| (i as f64 - 25.0) / 10.0).collect();
        for f in [0.05, 0.3, 0.9] {
            let mu = censoring_rate(&eta, f);
            let expected = eta.iter().map(|&e| mu / (mu + e.exp())).sum::<f64>() / 50.0;
            assert!((expected - f).abs() < 1e-12, "{f}: {expected}");
        }
        assert_eq!(censoring_rate(&eta, 0.0), 0.0);
        // η = 0 everywhere: μ/(μ + 1) = F
        let mu = censoring_rate(&[0.0; 4], 0.25);
        assert!((mu - 1.0 / 3.0).abs() < 1e-12, "{mu}");
    }

    #[test]
    fn eta_has_the_target_variance_and_no_censoring_at_zero() {
        let g: Vec<f64> = (0..200).map(|i| ((i * 37) % 11) as f64).collect();
        let d = draw_survival(&g, 0.4, 0.0, 5).unwrap();
        let var = d.eta.iter().map(|e| e * e).sum::<f64>() / 200.0;
        assert!((var - 0.4 / 0.6 * LOG_TIME_RESIDUAL_VARIANCE).abs() < 1e-12);
        assert!(d.eta.iter().sum::<f64>().abs() < 1e-10);
        assert_eq!((d.events(), d.event_fraction, d.censoring_rate), (200, 1.0, 0.0));
        assert_eq!(d, draw_survival(&g, 0.4, 0.0, 5).unwrap());
        assert!(check_censoring(1.0).is_err() && check_censoring(-0.1).is_err() && check_censoring(0.0).is_ok());
        assert!(draw_survival(&[1.0; 5], 0.4, 0.3, 1).unwrap_err().to_string().contains("constant"));
    }
}
