//! Small, exact statistics for the sweep's "which penalty is best" tables (issue 26).
//!
//! Pure functions in `f64`, no dependencies: descriptive statistics and a t interval, the paired
//! t test, Holm's step-down adjustment, the Wilcoxon signed-rank test, the Friedman test, average
//! ranks with the Nemenyi critical difference (Demšar 2006), and Jaccard similarity of supports.
//!
//! The special functions are written out here, each with its formula and reference:
//! [`ln_gamma`] (Lanczos), the regularized incomplete gamma [`gamma_p`]/[`gamma_q`] (series and
//! Lentz continued fraction), the regularized incomplete beta [`betainc`] (Lentz continued
//! fraction), the normal, Student t and chi-square distributions built on them, and the
//! studentized range distribution with infinitely many degrees of freedom (numerical integration).
//! Quantiles are found by bracketed Newton iteration to ~1e-14 relative.
//!
//! Reference values come from scipy 1.17.1 and statsmodels 0.15.0, and mpmath 1.3.0 for
//! [`ln_beta`] (`scripts/stats_reference.py` prints them; the tests carry them as literals). What
//! each function matches, and where it deliberately differs, is stated on it.
//!
//! Conventions: a statistic that is undefined for the given input (too few values, zero blocks)
//! is `NaN`, never a panic; mismatched lengths of paired inputs are a programming error and panic.
//!
//! References:
//! - C. Lanczos (1964), "A precision approximation of the gamma function", SIAM J. Numer. Anal. B 1.
//! - W. H. Press et al. (2007), *Numerical Recipes*, 3rd ed., §6.1 (`gammln`), §6.2 (`gammp`,
//!   `gammq`), §6.4 (`betai`, `betacf`), §5.2 (modified Lentz method).
//! - P. J. Acklam (2003), "An algorithm for computing the inverse normal cumulative distribution
//!   function" (rational initial approximation, refined here by Halley steps).
//! - S. Holm (1979), "A simple sequentially rejective multiple test procedure", Scand. J. Stat. 6.
//! - F. Wilcoxon (1945), "Individual comparisons by ranking methods", Biometrics Bulletin 1.
//! - M. Friedman (1937), JASA 32; J. Demšar (2006), "Statistical comparisons of classifiers over
//!   multiple data sets", JMLR 7.
//! - M. D. Copenhaver, B. Holland (1988), "Computation of the distribution of the maximum
//!   studentized range statistic", J. Stat. Comput. Simul. 30.

use std::f64::consts::{PI, SQRT_2};

/// Iteration cap of the series and continued fractions (they converge in far fewer steps for
/// the arguments met here; the cap only guards against non-termination).
const MAX_ITER: usize = 100_000;
/// Relative convergence threshold of the series and continued fractions.
const SERIES_EPS: f64 = f64::EPSILON;
/// Floor that keeps the Lentz recurrences away from division by zero.
const FPMIN: f64 = f64::MIN_POSITIVE / f64::EPSILON;

/// `true` unless `x > 0` (so also for NaN): the domain check of the special functions.
fn not_positive(x: f64) -> bool {
    x.is_nan() || x <= 0.0
}

// ---------------------------------------------------------------------------------------------
// Descriptive statistics and the t interval
// ---------------------------------------------------------------------------------------------

/// Arithmetic mean `x̄ = (1/n) Σ xᵢ`; `NaN` for an empty slice.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation with the `n − 1` denominator, `s = √(Σ (xᵢ − x̄)² / (n − 1))`
/// (two-pass, like `numpy.std(ddof=1)`); `NaN` for `n < 2`.
pub fn sample_sd(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 2 {
        return f64::NAN;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|&x| (x - m) * (x - m)).sum();
    (ss / (n - 1) as f64).sqrt()
}

/// Two-sided Student t confidence interval for the mean at confidence `level` (e.g. 0.95):
/// `x̄ ± t_{n−1, (1+level)/2} · s / √n`, with `s` = [`sample_sd`] and `t_{ν,p}` = [`t_quantile`].
///
/// Returns `(NaN, NaN)` for `n < 2` (no spread estimate) or a `level` outside (0, 1), and
/// `(x̄, x̄)` when `s = 0` (as scipy's `ttest_1samp(...).confidence_interval()`).
/// Matches scipy's `ttest_1samp(values, 0).confidence_interval(level)`.
pub fn t_interval(values: &[f64], level: f64) -> (f64, f64) {
    let n = values.len();
    if n < 2 || !(level > 0.0 && level < 1.0) {
        return (f64::NAN, f64::NAN);
    }
    let m = mean(values);
    let s = sample_sd(values);
    if s == 0.0 {
        return (m, m);
    }
    let half = t_quantile(0.5 + 0.5 * level, (n - 1) as f64) * s / (n as f64).sqrt();
    (m - half, m + half)
}

// ---------------------------------------------------------------------------------------------
// Special functions
// ---------------------------------------------------------------------------------------------

/// Lanczos coefficients for `g = 7`, `n = 9` (relative error of `Γ` below ~1e-15 for `x > 0`),
/// with the digits as published.
const LANCZOS_G: f64 = 7.0;
#[allow(clippy::excessive_precision)]
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_93,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_13,
    -176.615_029_162_140_59,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_571_6e-6,
    1.505_632_735_149_311_6e-7,
];

/// Natural logarithm of the gamma function, `ln Γ(x)`, for `x > 0` (`NaN` otherwise).
///
/// Lanczos (1964) approximation with `g = 7`, 9 terms: for `x ≥ ½`, with `y = x − 1` and
/// `t = y + g + ½`,
/// `ln Γ(x) = ½ ln(2π) + (y + ½) ln t − t + ln(c₀ + Σ_{i=1}^{8} cᵢ / (y + i))`;
/// for `0 < x < ½` the reflection formula `ln Γ(x) = ln(π / sin(πx)) − ln Γ(1 − x)`.
/// Absolute error ~1e-15 near the zeros at 1 and 2, relative ~1e-15 elsewhere.
pub fn ln_gamma(x: f64) -> f64 {
    if not_positive(x) {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x < 0.5 {
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let y = x - 1.0;
    let mut a = LANCZOS[0];
    for (i, &c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (y + i as f64);
    }
    let t = y + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (y + 0.5) * t.ln() - t + a.ln()
}

/// Stirling-series remainder `c(x) = ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π)
/// = Σ_{k≥1} B₂ₖ / (2k(2k−1) x^{2k−1})` for `x ≥ 10` (7 terms; the next is below 3e-17 there).
fn stirling_correction(x: f64) -> f64 {
    let r = 1.0 / x;
    let r2 = r * r;
    r * (1.0 / 12.0
        - r2 * (1.0 / 360.0
            - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 * (1.0 / 1188.0 - r2 * (691.0 / 360360.0 - r2 / 156.0))))))
}

/// Natural logarithm of the beta function, `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b)`, for
/// `a, b > 0` (`NaN` otherwise). With `p = min(a, b)`, `q = max(a, b)` and `c` the Stirling
/// remainder (`ln Γ(x) = (x−½) ln x − x + ½ ln 2π + c(x)`), the large terms are cancelled
/// analytically, as in R's `lbeta`, so the result keeps full absolute precision:
/// - `p ≥ 10`: `−½ ln q + ½ ln 2π + c(p) + c(q) − c(p+q) + (p−½) ln(p/(p+q)) + q ln1p(−p/(p+q))`;
/// - `p < 10 ≤ q`: `ln Γ(p) + c(q) − c(p+q) + p − p ln(p+q) + (q−½) ln1p(−p/(p+q))`;
/// - otherwise the three [`ln_gamma`] values.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    if not_positive(a) || not_positive(b) {
        return f64::NAN;
    }
    let (p, q) = if a < b { (a, b) } else { (b, a) };
    let pq = p + q;
    if p >= 10.0 {
        let corr = stirling_correction(p) + stirling_correction(q) - stirling_correction(pq);
        -0.5 * q.ln() + 0.5 * (2.0 * PI).ln() + corr + (p - 0.5) * (p / pq).ln() + q * (-p / pq).ln_1p()
    } else if q >= 10.0 {
        let corr = stirling_correction(q) - stirling_correction(pq);
        ln_gamma(p) + corr + p - p * pq.ln() + (q - 0.5) * (-p / pq).ln_1p()
    } else {
        ln_gamma(p) + ln_gamma(q) - ln_gamma(pq)
    }
}

/// `ln(e^{−x} xᵃ / Γ(a))`, the common prefactor of the incomplete gamma series and fraction.
/// For `a ≥ 10`, with `u = (x − a)/a`, it equals `−a (u − ln1p(u)) + ½ ln(a/2π) − c(a)` (Stirling
/// remainder `c`), which avoids the cancellation of terms of size `a ln a`.
fn ln_gamma_prefactor(a: f64, x: f64) -> f64 {
    if a >= 10.0 {
        let u = (x - a) / a;
        -a * (u - u.ln_1p()) + 0.5 * (a / (2.0 * PI)).ln() - stirling_correction(a)
    } else {
        -x + a * x.ln() - ln_gamma(a)
    }
}

/// Series `P(a, x) = e^{−x} xᵃ / Γ(a) · Σ_{n≥0} xⁿ / (a (a+1) ⋯ (a+n))` (NR §6.2), for `x < a + 1`.
fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut term = 1.0 / a;
    let mut sum = term;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * SERIES_EPS {
            break;
        }
    }
    sum * ln_gamma_prefactor(a, x).exp()
}

/// Continued fraction `Q(a, x) = e^{−x} xᵃ / Γ(a) · 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− ⋯)))`
/// evaluated by the modified Lentz method (NR §6.2, `gcf`), for `x ≥ a + 1`.
fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / FPMIN;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = b + an / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < SERIES_EPS {
            break;
        }
    }
    ln_gamma_prefactor(a, x).exp() * h
}

/// Regularized lower incomplete gamma function `P(a, x) = γ(a, x)/Γ(a) = (1/Γ(a)) ∫₀ˣ t^{a−1} e^{−t} dt`
/// for `a > 0`, `x ≥ 0` (`NaN` otherwise). Series for `x < a + 1`, else `1 − Q` by the continued
/// fraction (Numerical Recipes §6.2).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if not_positive(a) || x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return 1.0;
    }
    if x < a + 1.0 { gamma_p_series(a, x) } else { 1.0 - gamma_q_fraction(a, x) }
}

/// Regularized upper incomplete gamma function `Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x)
/// = (1/Γ(a)) ∫ₓ^∞ t^{a−1} e^{−t} dt` for `a > 0`, `x ≥ 0` (`NaN` otherwise). Continued fraction
/// (modified Lentz) for `x ≥ a + 1`, so small upper tails keep full relative precision; else
/// `1 − P` by the series (Numerical Recipes §6.2).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if not_positive(a) || x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 { 1.0 - gamma_p_series(a, x) } else { gamma_q_fraction(a, x) }
}

/// Continued fraction of the incomplete beta function (NR §6.4, `betacf`), modified Lentz:
/// `I_x(a,b) = xᵃ(1−x)ᵇ / (a B(a,b)) · 1/(1+ d₁/(1+ d₂/(1+ ⋯)))` with
/// `d_{2m+1} = −(a+m)(a+b+m) x / ((a+2m)(a+2m+1))`, `d_{2m} = m(b−m) x / ((a+2m−1)(a+2m))`.
fn betacf(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < SERIES_EPS {
            break;
        }
    }
    h
}

/// `(I_x(a,b), 1 − I_x(a,b))` given both `x` and `y = 1 − x` (so a caller that knows `y` exactly
/// loses nothing to `1 − x`). The side computed by the continued fraction is the one with
/// `x < (a+1)/(a+b+2)` (NR §6.4); it has full relative precision, the other is its complement.
fn betainc_pair(a: f64, b: f64, x: f64, y: f64) -> (f64, f64) {
    if x.is_nan() || y.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if x <= 0.0 {
        return (0.0, 1.0);
    }
    if y <= 0.0 {
        return (1.0, 0.0);
    }
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let ln_front = a * ln_x + b * ln_y - ln_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        let v = ln_front.exp() * betacf(a, b, x) / a;
        (v, 1.0 - v)
    } else {
        let w = ln_front.exp() * betacf(b, a, y) / b;
        (1.0 - w, w)
    }
}

/// Regularized incomplete beta function `I_x(a, b) = B(x; a, b)/B(a, b)
/// = (1/B(a,b)) ∫₀ˣ t^{a−1} (1−t)^{b−1} dt` for `a, b > 0`, `0 ≤ x ≤ 1` (`NaN` otherwise),
/// with `B(a, b) = Γ(a)Γ(b)/Γ(a+b)` ([`ln_beta`]). Continued fraction by the modified Lentz method, applied to
/// `I_x(a,b)` if `x < (a+1)/(a+b+2)` and otherwise through `I_x(a,b) = 1 − I_{1−x}(b,a)`
/// (Numerical Recipes §6.4).
pub fn betainc(a: f64, b: f64, x: f64) -> f64 {
    if not_positive(a) || not_positive(b) || !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    betainc_pair(a, b, x, 1.0 - x).0
}

// ---------------------------------------------------------------------------------------------
// Normal, Student t and chi-square distributions
// ---------------------------------------------------------------------------------------------

/// Standard normal density `φ(z) = e^{−z²/2} / √(2π)`.
pub fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// Standard normal distribution function `Φ(z) = ½ erfc(−z/√2)`, computed as
/// `Φ(z) = ½ Q(½, z²/2)` for `z < 0` and `½ + ½ P(½, z²/2)` for `z ≥ 0` (since
/// `erfc(x) = Q(½, x²)`), so lower tails keep full relative precision.
pub fn normal_cdf(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let h = 0.5 * z * z;
    if z < 0.0 { 0.5 * gamma_q(0.5, h) } else { 0.5 + 0.5 * gamma_p(0.5, h) }
}

/// Standard normal quantile `Φ⁻¹(p)` for `0 ≤ p ≤ 1` (`∓∞` at 0 and 1, `NaN` outside).
///
/// Acklam's (2003) rational approximation (relative error 1.2e-9) refined by Halley steps
/// `x ← x − u/(1 + x u/2)`, `u = (Φ(x) − p)/φ(x)`, to full precision. For `p > ½` it returns
/// `−Φ⁻¹(1 − p)` (`1 − p` is exact there), so both tails use the precise lower-tail `Φ`.
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p > 0.5 {
        return -normal_quantile_lower(1.0 - p);
    }
    normal_quantile_lower(p)
}

/// `Φ⁻¹(p)` for `0 < p ≤ ½` (Acklam's approximation plus Halley refinement).
fn normal_quantile_lower(p: f64) -> f64 {
    // Acklam's published coefficients, digits as published.
    #[allow(clippy::excessive_precision)]
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_690e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let mut x = if p < 0.024_25 {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    };
    for _ in 0..3 {
        let u = (normal_cdf(x) - p) / normal_pdf(x);
        let step = u / (1.0 + 0.5 * x * u);
        x -= step;
        if step.abs() <= 1e-16 * x.abs() {
            break;
        }
    }
    x
}

/// Student t density `f(t; ν) = Γ((ν+1)/2) / (√(νπ) Γ(ν/2)) · (1 + t²/ν)^{−(ν+1)/2}`, the constant
/// computed as `1/(√ν B(ν/2, ½))` ([`ln_beta`]).
pub fn t_pdf(t: f64, df: f64) -> f64 {
    if df.is_infinite() {
        return normal_pdf(t);
    }
    let ln_c = -ln_beta(0.5 * df, 0.5) - 0.5 * df.ln();
    (ln_c - 0.5 * (df + 1.0) * ln_1p_t2_over_df(t, df)).exp()
}

/// `ln(1 + t²/ν)`, without overflowing `t²` for `|t| > 1e150`.
fn ln_1p_t2_over_df(t: f64, df: f64) -> f64 {
    let t = t.abs();
    if t < 1e150 { (t * t / df).ln_1p() } else { 2.0 * t.ln() - df.ln() + (df / t / t).ln_1p() }
}

/// Upper tail `P(T > t)` for `t ≥ 0`: `½ I_{ν/(ν+t²)}(ν/2, ½)`, with `x = ν/(ν+t²)` and
/// `1 − x = t²/(ν+t²)` both formed directly. Where `x < e^{−600}` (so `x` may underflow) the
/// leading term of the continued fraction is exact to `O(x)` relative:
/// `½ I_x(ν/2, ½) = ½ x^{ν/2} / ((ν/2) B(ν/2, ½))`, evaluated from `ln x = −ln(1 + t²/ν)`.
fn t_upper_tail(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return f64::NAN;
    }
    if df.is_infinite() {
        return normal_cdf(-t);
    }
    if t.is_infinite() {
        return 0.0;
    }
    let ln_x = -ln_1p_t2_over_df(t, df);
    if ln_x < -600.0 {
        let a = 0.5 * df;
        return 0.5 * (a * ln_x - a.ln() - ln_beta(a, 0.5)).exp();
    }
    let t2 = t * t;
    let den = df + t2;
    0.5 * betainc_pair(0.5 * df, 0.5, df / den, t2 / den).0
}

/// Student t distribution function with `ν = df > 0` degrees of freedom (any real `ν`; `∞` gives
/// the normal): `F(t; ν) = 1 − ½ I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0` and `½ I_{ν/(ν+t²)}(ν/2, ½)`
/// for `t < 0` ([`betainc`]); the tail is computed directly, so `F(t)` for `t ≪ 0` keeps full
/// relative precision. `NaN` for `df ≤ 0` or NaN arguments.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || not_positive(df) {
        return f64::NAN;
    }
    if t < 0.0 { t_upper_tail(-t, df) } else { 1.0 - t_upper_tail(t, df) }
}

/// Student t survival function `1 − F(t; ν) = F(−t; ν)` (see [`t_cdf`]).
pub fn t_sf(t: f64, df: f64) -> f64 {
    t_cdf(-t, df)
}

/// Student t quantile `F⁻¹(p; ν)` for `0 ≤ p ≤ 1`, `ν = df > 0` (`∓∞` at 0 and 1; `NaN` outside).
///
/// With the tail probability `q = min(p, 1 − p)`, solves `½ I_{ν/(ν+t²)}(ν/2, ½) = q` for `t ≥ 0`
/// by Newton's method on `t` (derivative: minus the density [`t_pdf`]) inside a shrinking bracket
/// with bisection fallback, to ~1e-14 relative; the sign is that of `p − ½`. Starting point: the
/// better (in `|ln(tail/q)|`) of the Cornish–Fisher expansion around `z = Φ⁻¹(1 − q)` to `ν⁻⁴`
/// and the power-tail asymptote `t ≈ (c_ν ν^{(ν−1)/2} / q)^{1/ν}`, `c_ν` the density's constant.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || not_positive(df) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    if df.is_infinite() {
        return normal_quantile(p);
    }
    let q = p.min(1.0 - p);
    let t = t_upper_quantile(q, df);
    if p < 0.5 { -t } else { t }
}

/// `t ≥ 0` with `P(T > t) = q`, `0 < q < ½`.
fn t_upper_quantile(q: f64, df: f64) -> f64 {
    // Cornish–Fisher expansion of the t quantile around the normal one (Abramowitz & Stegun 26.7.5).
    let z = -normal_quantile(q);
    let (z2, z3) = (z * z, z * z * z);
    let z5 = z3 * z2;
    let z7 = z5 * z2;
    let z9 = z7 * z2;
    let g1 = (z3 + z) / 4.0;
    let g2 = (5.0 * z5 + 16.0 * z3 + 3.0 * z) / 96.0;
    let g3 = (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / 384.0;
    let g4 = (79.0 * z9 + 776.0 * z7 + 1482.0 * z5 - 1920.0 * z3 - 945.0 * z) / 92160.0;
    let cf = z + g1 / df + g2 / (df * df) + g3 / (df * df * df) + g4 / (df * df * df * df);
    // Power-tail asymptote P(T > t) ≈ c_ν ν^{(ν−1)/2} t^{−ν}.
    let ln_c = -ln_beta(0.5 * df, 0.5) - 0.5 * df.ln();
    let tail = ((ln_c + 0.5 * (df - 1.0) * df.ln() - q.ln()) / df).exp().min(f64::MAX);
    let badness = |t: f64| {
        if t.is_finite() && t > 0.0 { (t_upper_tail(t, df) / q).ln().abs() } else { f64::INFINITY }
    };
    let start = if badness(cf) <= badness(tail) { cf } else { tail };
    let start = if start.is_finite() && start > 0.0 { start.min(f64::MAX) } else { 1.0 };
    if t_upper_tail(f64::MAX, df) > q {
        // The quantile is beyond the largest f64 (only for small ν and tiny q).
        return f64::INFINITY;
    }
    // g(t) = q − tail(t) is increasing in t, with g(0) = q − ½ < 0 and g(f64::MAX) ≥ 0.
    newton_increasing(start, 0.0, f64::INFINITY, 1e-14, |t| (q - t_upper_tail(t, df), t_pdf(t, df)))
}

/// Root of an increasing function `g` on `[lo, hi]` (`hi` may be `∞`), `g(lo) ≤ 0 ≤ g(hi)`:
/// Newton steps `x ← x − g(x)/g′(x)` while they stay inside the bracket (which every evaluation
/// shrinks), else bisection (geometric when the bracket spans more than a factor 4, doubling
/// while `hi = ∞`). Stops when a step or the bracket falls below `rel_tol` relative.
fn newton_increasing(
    start: f64,
    mut lo: f64,
    mut hi: f64,
    rel_tol: f64,
    g_and_slope: impl Fn(f64) -> (f64, f64),
) -> f64 {
    let mut x = start;
    for _ in 0..200 {
        let (g, slope) = g_and_slope(x);
        if g == 0.0 {
            return x;
        }
        if g < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let mut next = x - g / slope;
        if !(next > lo && next < hi) {
            next = if hi.is_infinite() {
                (2.0 * lo.max(1.0)).min(f64::MAX)
            } else if lo > 0.0 && hi > 4.0 * lo {
                (lo * hi).sqrt()
            } else {
                0.5 * (lo + hi)
            };
        }
        if (next - x).abs() <= rel_tol * next.abs() || (hi.is_finite() && hi - lo <= rel_tol * hi.abs()) {
            return next;
        }
        x = next;
    }
    x
}

/// Chi-square survival function with `k = df > 0` degrees of freedom:
/// `P(χ²_k > x) = Q(k/2, x/2)` ([`gamma_q`]); 1 for `x ≤ 0`, `NaN` for `df ≤ 0` or NaN `x`.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || not_positive(df) {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(0.5 * df, 0.5 * x)
}

// ---------------------------------------------------------------------------------------------
// Paired tests and multiplicity
// ---------------------------------------------------------------------------------------------

/// Result of [`paired_t`]: the differences are `dᵢ = bᵢ − aᵢ`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedTest {
    /// Number of pairs `n`.
    pub n_pairs: usize,
    /// `d̄ = (1/n) Σ (bᵢ − aᵢ)` (positive: `b` is larger on average).
    pub mean_diff: f64,
    /// Lower end of the 95 % interval `d̄ − t_{n−1, 0.975} s_d/√n`.
    pub ci_low: f64,
    /// Upper end of the 95 % interval `d̄ + t_{n−1, 0.975} s_d/√n`.
    pub ci_high: f64,
    /// Two-sided p-value `2 P(T_{n−1} > |d̄| √n / s_d)`.
    pub p_value: f64,
}

/// Paired t test of `b` against `a` on the differences `dᵢ = bᵢ − aᵢ`:
/// `t = d̄ / (s_d/√n)`, two-sided `p = 2 (1 − F(|t|; n−1))`, 95 % interval
/// `d̄ ± t_{n−1, 0.975} s_d/√n` (`s_d` = [`sample_sd`] of the differences).
///
/// Matches scipy's `ttest_rel(b, a)` and its `confidence_interval(0.95)`, except for degenerate
/// inputs, where it does this:
/// - `s_d = 0` and `d̄ = 0` (all differences zero): `p = 1`, interval `[0, 0]` (scipy: `p = NaN`);
/// - `s_d = 0` and `d̄ ≠ 0` (constant nonzero difference): `p = 0`, interval `[d̄, d̄]` (as scipy,
///   whose statistic is `±∞`). Exactly constant only: differences that vary in the last bits
///   (e.g. `b = a + 0.1` in floating point) are an ordinary, tiny-variance case;
/// - `n < 2`: `mean_diff` as defined (NaN if `n = 0`), interval and p-value `NaN`;
/// - a NaN in the data: everything but `n_pairs` is `NaN` (scipy's `nan_policy='propagate'`).
///
/// # Panics
/// If `a` and `b` differ in length.
pub fn paired_t(a: &[f64], b: &[f64]) -> PairedTest {
    assert_eq!(a.len(), b.len(), "paired_t: the two samples must have the same length");
    let d: Vec<f64> = a.iter().zip(b).map(|(&x, &y)| y - x).collect();
    let n = d.len();
    let mean_diff = mean(&d);
    let nan = PairedTest { n_pairs: n, mean_diff, ci_low: f64::NAN, ci_high: f64::NAN, p_value: f64::NAN };
    if n < 2 {
        return nan;
    }
    let s = sample_sd(&d);
    if s == 0.0 {
        let p_value = if mean_diff == 0.0 { 1.0 } else { 0.0 };
        return PairedTest { n_pairs: n, mean_diff, ci_low: mean_diff, ci_high: mean_diff, p_value };
    }
    let se = s / (n as f64).sqrt();
    let df = (n - 1) as f64;
    let half = t_quantile(0.975, df) * se;
    let t = mean_diff / se;
    // Not `f64::min`, which would turn a NaN (from NaN data) into 1.
    let p_value = 2.0 * t_upper_tail(t.abs(), df);
    let p_value = if p_value > 1.0 { 1.0 } else { p_value };
    PairedTest { n_pairs: n, mean_diff, ci_low: mean_diff - half, ci_high: mean_diff + half, p_value }
}

/// Holm's (1979) step-down adjusted p-values: with `p₍₁₎ ≤ … ≤ p₍ₘ₎` the sorted p-values,
/// `p̃₍ᵢ₎ = min(1, max_{j ≤ i} (m − j + 1) p₍ⱼ₎)`, returned in the input order (monotone in the
/// sorted order, capped at 1). Ties give equal adjusted values whatever their order. Matches
/// statsmodels' `multipletests(p, method='holm')[1]`. Inputs are taken to be in `[0, 1]`; a NaN
/// input gives unspecified (but non-panicking) output.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p_values[i]).min(1.0));
        out[i] = running;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Ranks
// ---------------------------------------------------------------------------------------------

/// Ranks `1..=n` of `values` in increasing order of `key`, ties (equal keys, or both NaN) given the
/// average of the ranks they span; also returns the sizes of the tie groups (size ≥ 2 only).
fn rank_by_key(keys: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let n = keys.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| keys[i].total_cmp(&keys[j]));
    let same = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
    let mut ranks = vec![0.0; n];
    let mut ties = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && same(keys[order[end]], keys[order[start]]) {
            end += 1;
        }
        // Positions start..end (0-based) share the average of ranks start+1..=end.
        let r = 0.5 * ((start + 1 + end) as f64);
        for &i in &order[start..end] {
            ranks[i] = r;
        }
        if end - start > 1 {
            ties.push(end - start);
        }
        start = end;
    }
    (ranks, ties)
}

/// Sort key: NaN last (worst), `−0.0` folded into `+0.0`, negated when higher is better.
fn rank_key(v: f64, higher_is_better: bool) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if higher_is_better {
        -v + 0.0
    } else {
        v + 0.0
    }
}

/// Ranks of the values of one block, 1 = best: the largest value if `higher_is_better`, the
/// smallest otherwise; tied values get the average of the ranks they span (e.g. two values tied
/// for best both get 1.5). NaN counts as worse than any number (tied NaNs share a rank).
pub fn rank_block(values: &[f64], higher_is_better: bool) -> Vec<f64> {
    let keys: Vec<f64> = values.iter().map(|&v| rank_key(v, higher_is_better)).collect();
    rank_by_key(&keys).0
}

/// Per-block ranks and their means, the input of the Nemenyi comparison (Demšar 2006, §3.2.2).
#[derive(Clone, Debug, PartialEq)]
pub struct AverageRanks {
    /// `r_{ij}`: rank of treatment `j` in block `i` ([`rank_block`]).
    pub per_block: Vec<Vec<f64>>,
    /// `R_j = (1/N) Σᵢ r_{ij}`, the mean rank of treatment `j` over the `N` blocks.
    pub mean: Vec<f64>,
}

/// Average ranks over blocks (rows = blocks, e.g. datasets; columns = treatments, e.g.
/// configurations): `r_{ij}` = [`rank_block`] of row `i` (1 = best, ties averaged) and
/// `R_j = (1/N) Σᵢ r_{ij}`. No blocks gives empty vectors.
///
/// # Panics
/// If the rows differ in length.
pub fn average_ranks<R: AsRef<[f64]>>(blocks: &[R], higher_is_better: bool) -> AverageRanks {
    let k = blocks.first().map_or(0, |r| r.as_ref().len());
    let per_block: Vec<Vec<f64>> = blocks
        .iter()
        .map(|row| {
            assert_eq!(row.as_ref().len(), k, "average_ranks: every block must have the same number of treatments");
            rank_block(row.as_ref(), higher_is_better)
        })
        .collect();
    let n = per_block.len();
    let mean = if n == 0 {
        Vec::new()
    } else {
        (0..k).map(|j| per_block.iter().map(|r| r[j]).sum::<f64>() / n as f64).collect()
    };
    AverageRanks { per_block, mean }
}

// ---------------------------------------------------------------------------------------------
// Wilcoxon signed-rank and Friedman tests
// ---------------------------------------------------------------------------------------------

/// Largest number of pairs (zeros included) for which scipy's `method='auto'` uses an exact
/// null distribution.
const WILCOXON_EXACT_MAX_N: usize = 50;
/// Largest number of pairs (zeros included) for which scipy's `method='auto'`, with ties or zeros,
/// runs its sign-flip permutation test, which is then exhaustive (`2ⁿ ≤ 9999` resamples).
const WILCOXON_PERMUTATION_MAX_N: usize = 13;

/// Two-sided p-value `min(1, 2 min(P(S ≤ s), P(S ≥ s)))` of the exact sign-flip distribution of
/// `S = Σ_{i: sign +} wᵢ` (each sign ± with probability ½), `w` the (doubled, hence integral)
/// ranks and `s` the observed (doubled) statistic; counts by dynamic programming over sums.
fn signed_rank_exact_p(doubled_ranks: &[u64], observed: u64) -> f64 {
    let total: u64 = doubled_ranks.iter().sum();
    let mut counts = vec![0u64; total as usize + 1];
    counts[0] = 1;
    let mut reach = 0usize;
    for &w in doubled_ranks {
        let w = w as usize;
        for s in (0..=reach).rev() {
            let c = counts[s];
            if c > 0 {
                counts[s + w] += c;
            }
        }
        reach += w;
    }
    let n_flips = (2.0f64).powi(doubled_ranks.len() as i32);
    let le: u64 = counts[..=observed as usize].iter().sum();
    let ge: u64 = counts[observed as usize..].iter().sum();
    (2.0 * (le.min(ge) as f64) / n_flips).min(1.0)
}

/// Wilcoxon signed-rank test of `b` against `a`, two-sided p-value, on the differences
/// `dᵢ = bᵢ − aᵢ` with zero differences dropped (Wilcoxon's `zero_method='wilcox'`).
///
/// With `m` nonzero differences ranked by `|dᵢ|` (ties averaged) and `W⁺` the sum of the ranks of
/// the positive ones, this reproduces scipy 1.17's `wilcoxon(b, a)` with its defaults
/// (`method='auto'`, `correction=False`), where `n` counts all pairs, zeros included:
/// - `n ≤ 50`, no ties and no zeros: exact null distribution of `W⁺` (all `2^m` sign patterns of
///   the ranks `1..m`), `p = min(1, 2 min(P(W⁺ ≤ w), P(W⁺ ≥ w)))`;
/// - ties or zeros and `n ≤ 13`: scipy's exhaustive sign-flip permutation test, i.e. the same
///   formula under the exact conditional distribution of `W⁺` given the mid-ranks;
/// - otherwise the normal approximation without continuity correction:
///   `z = (W⁺ − m(m+1)/4) / σ`, `σ² = (m(m+1)(2m+1) − ½ Σ (t³ − t)) / 24` over tie groups of size
///   `t`, and `p = 2 Φ(−|z|)`.
///
/// All differences zero gives 1.0 (as scipy up to 13 pairs; beyond, scipy's normal approximation
/// gives NaN, 0/0); no pairs at all, or a NaN difference, gives `NaN`
/// (scipy's `nan_policy='propagate'`).
///
/// # Panics
/// If `a` and `b` differ in length.
pub fn wilcoxon_signed_rank(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "wilcoxon_signed_rank: the two samples must have the same length");
    let n_total = a.len();
    if n_total == 0 {
        return f64::NAN;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(&x, &y)| y - x).filter(|&d| d != 0.0).collect();
    if d.iter().any(|d| d.is_nan()) {
        return f64::NAN;
    }
    let m = d.len();
    if m == 0 {
        return 1.0;
    }
    let has_zeros = m < n_total;
    let abs: Vec<f64> = d.iter().map(|x| x.abs()).collect();
    let (ranks, ties) = rank_by_key(&abs);
    let w_plus: f64 = d.iter().zip(&ranks).filter(|&(&x, _)| x > 0.0).map(|(_, &r)| r).sum();
    let exact = n_total <= WILCOXON_EXACT_MAX_N && ties.is_empty() && !has_zeros;
    let permutation = !exact && n_total <= WILCOXON_PERMUTATION_MAX_N;
    if exact || permutation {
        // Mid-ranks are multiples of ½: doubled, every rank and W⁺ are integers.
        let doubled: Vec<u64> = ranks.iter().map(|&r| (2.0 * r).round() as u64).collect();
        return signed_rank_exact_p(&doubled, (2.0 * w_plus).round() as u64);
    }
    let mf = m as f64;
    let mean_w = mf * (mf + 1.0) / 4.0;
    let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum();
    let sd_w = ((mf * (mf + 1.0) * (2.0 * mf + 1.0) - 0.5 * tie_term) / 24.0).sqrt();
    let z = (w_plus - mean_w) / sd_w;
    (2.0 * normal_cdf(-z.abs())).min(1.0)
}

/// Friedman test for `k` treatments (columns, e.g. configurations) measured on `N` blocks (rows,
/// e.g. datasets); returns `(χ²_F, p)`. Within each block the values are ranked (ties averaged;
/// the direction does not matter, the statistic is symmetric in it), `R_j` is the rank sum of
/// treatment `j`, and
/// `χ²_F = (12/(N k (k+1)) Σ_j R_j² − 3N(k+1)) / C`,
/// `C = 1 − Σ_{tie groups} (t³ − t) / (N k (k² − 1))`,
/// `p = P(χ²_{k−1} > χ²_F)` ([`chi2_sf`]). Matches scipy's `friedmanchisquare(*matrix.T)`
/// (which requires `k ≥ 3`; `k = 2` is computed by the same formula here).
///
/// `(NaN, NaN)` for no blocks, `k < 2`, or every block entirely tied (`C = 0`). A NaN value ranks
/// last in its block, as in [`rank_block`] (scipy would propagate NaN instead).
///
/// # Panics
/// If the rows differ in length.
pub fn friedman<R: AsRef<[f64]>>(blocks: &[R]) -> (f64, f64) {
    let n = blocks.len();
    let k = blocks.first().map_or(0, |r| r.as_ref().len());
    if n == 0 || k < 2 {
        return (f64::NAN, f64::NAN);
    }
    let mut rank_sums = vec![0.0; k];
    let mut tie_term = 0.0;
    for row in blocks {
        let row = row.as_ref();
        assert_eq!(row.len(), k, "friedman: every block must have the same number of treatments");
        let keys: Vec<f64> = row.iter().map(|&v| rank_key(v, false)).collect();
        let (ranks, ties) = rank_by_key(&keys);
        for (s, r) in rank_sums.iter_mut().zip(&ranks) {
            *s += r;
        }
        tie_term += ties.iter().map(|&t| (t * (t * t - 1)) as f64).sum::<f64>();
    }
    let (nf, kf) = (n as f64, k as f64);
    let c = 1.0 - tie_term / (kf * (kf * kf - 1.0) * nf);
    if c <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let ss: f64 = rank_sums.iter().map(|r| r * r).sum();
    let chi2 = (12.0 / (kf * nf * (kf + 1.0)) * ss - 3.0 * nf * (kf + 1.0)) / c;
    (chi2, chi2_sf(chi2, kf - 1.0))
}

// ---------------------------------------------------------------------------------------------
// Studentized range and the Nemenyi critical difference
// ---------------------------------------------------------------------------------------------

/// Half-width of the integration range in `z` and the trapezoid step. The integrands are entire
/// functions decaying like `φ(z)`, for which the trapezoid rule converges geometrically in `1/h`;
/// at `h = 0.01` and `|z| ≤ 12` the error is far below 1e-15.
const SR_Z_MAX: f64 = 12.0;
const SR_STEP: f64 = 0.01;

/// `Φ(z) − Φ(z − q)` for `q ≥ 0`, from the side (lower or upper tails) where it does not cancel.
fn normal_interval_mass(z: f64, q: f64) -> f64 {
    if z - 0.5 * q > 0.0 { normal_cdf(-(z - q)) - normal_cdf(-z) } else { normal_cdf(z) - normal_cdf(z - q) }
}

/// `(F(q), F′(q))` of the range of `k` iid standard normals (see [`studentized_range_cdf`]), by the
/// trapezoid rule on a uniform grid over `[−12, 12]`.
fn studentized_range_cdf_and_pdf(q: f64, k: usize) -> (f64, f64) {
    let kf = k as f64;
    let steps = (2.0 * SR_Z_MAX / SR_STEP).round() as usize;
    let (mut f, mut fp) = (0.0, 0.0);
    for i in 0..=steps {
        let z = -SR_Z_MAX + i as f64 * SR_STEP;
        let phi = normal_pdf(z);
        if phi == 0.0 {
            continue;
        }
        let w = if i == 0 || i == steps { 0.5 } else { 1.0 };
        let mass = normal_interval_mass(z, q);
        let pow_k2 = mass.powi(k as i32 - 2);
        f += w * phi * pow_k2 * mass;
        fp += w * phi * normal_pdf(z - q) * pow_k2;
    }
    (kf * f * SR_STEP, kf * (kf - 1.0) * fp * SR_STEP)
}

/// Distribution function of the studentized range with infinitely many degrees of freedom, i.e.
/// of the range `R = max Zᵢ − min Zᵢ` of `k ≥ 2` iid standard normals (Hartley 1942;
/// Copenhaver & Holland 1988):
/// `P(R ≤ q) = k ∫_{−∞}^{∞} φ(z) [Φ(z) − Φ(z − q)]^{k−1} dz`,
/// integrated by the trapezoid rule (step 0.01 over `[−12, 12]`, ~1e-14 absolute).
/// 0 for `q ≤ 0`; `NaN` for `k < 2` or NaN `q`. Matches scipy's
/// `studentized_range.cdf(q, k, np.inf)`.
pub fn studentized_range_cdf(q: f64, k: usize) -> f64 {
    if k < 2 || q.is_nan() {
        return f64::NAN;
    }
    if q <= 0.0 {
        return 0.0;
    }
    if q.is_infinite() {
        return 1.0;
    }
    studentized_range_cdf_and_pdf(q, k).0.min(1.0)
}

/// Quantile of the studentized range with infinitely many degrees of freedom (see
/// [`studentized_range_cdf`]): the `q` with `P(R ≤ q) = p`, `0 < p < 1`, by bracketed Newton
/// iteration with the density `k(k−1) ∫ φ(z) φ(z−q) [Φ(z) − Φ(z−q)]^{k−2} dz`, started at the
/// Bonferroni-type value `√2 Φ⁻¹(1 − (1−p)/(k(k−1)))`. `NaN` for `k < 2` or `p ∉ (0, 1)`.
/// Matches scipy's `studentized_range.ppf(p, k, np.inf)`.
pub fn studentized_range_quantile(p: f64, k: usize) -> f64 {
    if k < 2 || !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    let kf = k as f64;
    let start = SQRT_2 * normal_quantile(1.0 - (1.0 - p) / (kf * (kf - 1.0)));
    let start = if start > 0.0 && start.is_finite() { start } else { 1.0 };
    newton_increasing(start, 0.0, f64::INFINITY, 1e-13, |q| {
        let (f, fp) = studentized_range_cdf_and_pdf(q, k);
        (f - p, fp)
    })
}

/// Critical value `q_α` of the Nemenyi test (Demšar 2006, Table 5a): the `1 − α` quantile of the
/// studentized range of `k` means with infinite degrees of freedom divided by `√2`,
/// `q_α = studentized_range_quantile(1 − α, k) / √2` (1.960, 2.343, 2.569, 2.728, 2.850, 2.949,
/// 3.031, 3.102, 3.164 for `k = 2..10` at `α = 0.05`). `NaN` for `k < 2` or `α ∉ (0, 1)`.
pub fn nemenyi_q_alpha(k: usize, alpha: f64) -> f64 {
    studentized_range_quantile(1.0 - alpha, k) / SQRT_2
}

/// Nemenyi critical difference of average ranks (Demšar 2006, §3.2.2): two of `k` treatments
/// compared over `N = n_blocks` blocks differ significantly at level `α` when their average ranks
/// ([`average_ranks`]) differ by at least `CD = q_α √(k(k+1) / (6N))`, `q_α` = [`nemenyi_q_alpha`].
/// `NaN` for `k < 2`, `N = 0` or `α ∉ (0, 1)`.
pub fn nemenyi_critical_difference(k: usize, n_blocks: usize, alpha: f64) -> f64 {
    if n_blocks == 0 {
        return f64::NAN;
    }
    let kf = k as f64;
    nemenyi_q_alpha(k, alpha) * (kf * (kf + 1.0) / (6.0 * n_blocks as f64)).sqrt()
}

// ---------------------------------------------------------------------------------------------
// Support stability
// ---------------------------------------------------------------------------------------------

fn as_set(items: &[usize]) -> Vec<usize> {
    let mut v = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

fn jaccard_sorted(a: &[usize], b: &[usize]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

/// Jaccard similarity `|A ∩ B| / |A ∪ B|` of two supports, taken as sets of feature indices (order
/// and repeats ignored). Two empty supports are identical: 1.0.
pub fn jaccard(a: &[usize], b: &[usize]) -> f64 {
    jaccard_sorted(&as_set(a), &as_set(b))
}

/// Mean Jaccard similarity over all `s(s−1)/2` unordered pairs of `s` supports,
/// `(2/(s(s−1))) Σ_{i<j} J(Aᵢ, Aⱼ)` ([`jaccard`]); `NaN` for fewer than 2 supports.
pub fn mean_pairwise_jaccard<S: AsRef<[usize]>>(supports: &[S]) -> f64 {
    let s = supports.len();
    if s < 2 {
        return f64::NAN;
    }
    let sets: Vec<Vec<usize>> = supports.iter().map(|x| as_set(x.as_ref())).collect();
    let mut total = 0.0;
    for i in 0..s {
        for j in i + 1..s {
            total += jaccard_sorted(&sets[i], &sets[j]);
        }
    }
    total / (s * (s - 1) / 2) as f64
}

#[cfg(test)]
mod tests {
    //! Reference values: `python3 scripts/stats_reference.py` (scipy 1.17.1, numpy 2.4.6,
    //! statsmodels 0.15.0, mpmath 1.3.0), pasted with full precision. Observed agreement is
    //! ~1e-14 relative or better throughout (scipy's own studentized range included); the
    //! tolerances (mostly 1e-12) leave room for other platforms' `libm`.

    use super::*;

    /// `|actual − expected| ≤ rel·|expected| + abs`.
    #[track_caller]
    fn close(actual: f64, expected: f64, rel: f64, abs: f64, what: &str) {
        if expected.is_nan() {
            assert!(actual.is_nan(), "{what}: expected NaN, got {actual}");
            return;
        }
        let err = (actual - expected).abs();
        assert!(
            err <= rel * expected.abs() + abs,
            "{what}: got {actual:e}, expected {expected:e} (error {err:e}, relative {:e})",
            err / expected.abs()
        );
    }

    #[test]
    fn ln_gamma_matches_scipy() {
        let cases = [
            (0.1, 2.252712651734206),
            (0.5, 0.5723649429247),
            (1.0, 0.0),
            (1.5, -0.12078223763524526),
            (2.0, 0.0),
            (3.7, 1.428072326665388),
            (10.0, 12.801827480081469),
            (57.25, 173.36191283062726),
            (500.0, 2605.115850361734),
            (100000.0, 1051287.7089736569),
        ];
        for (x, want) in cases {
            close(ln_gamma(x), want, 1e-13, 1e-14, &format!("ln_gamma({x})"));
        }
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.5).is_nan());
    }

    #[test]
    fn ln_beta_matches_mpmath() {
        // mpmath at 40 digits (scipy.special.betaln is off by up to 1e-10 relative on these).
        let cases = [
            (0.5, 0.5, 1.1447298858494002),
            (3.0, 7.0, -5.529429087511423),
            (500.0, 0.5, -2.5346891063280625),
            (40.0, 60.0, -67.96861624748244),
            (10000.0, 2.5, -22.74135554696871),
            (15.0, 100000.0, -147.50371074106843),
            (9.5, 10.5, -13.709925546998463),
        ];
        for (a, b, want) in cases {
            close(ln_beta(a, b), want, 1e-14, 0.0, &format!("ln_beta({a}, {b})"));
            close(ln_beta(b, a), want, 1e-14, 0.0, &format!("ln_beta({b}, {a})"));
        }
        assert!(ln_beta(0.0, 1.0).is_nan());
    }

    #[test]
    fn betainc_matches_scipy() {
        let cases = [
            (0.5, 0.5, 0.3, 0.36901011956554536),
            (2.0, 3.0, 0.4, 0.5247999999999999),
            (10.0, 0.5, 0.9, 0.15164090963470994),
            (0.5, 14.5, 0.01, 0.4075167169841513),
            (500.0, 0.5, 0.996, 0.045338095197252064),
            (3.0, 7.0, 0.999, 1.0),
            (40.0, 60.0, 0.35, 0.15345812249917395),
        ];
        for (a, b, x, want) in cases {
            close(betainc(a, b, x), want, 1e-12, 0.0, &format!("betainc({a}, {b}, {x})"));
        }
        assert_eq!(betainc(2.0, 3.0, 0.0), 0.0);
        assert_eq!(betainc(2.0, 3.0, 1.0), 1.0);
        assert!(betainc(2.0, 3.0, 1.5).is_nan());
    }

    #[test]
    fn incomplete_gamma_matches_scipy() {
        let cases = [
            (0.5, 0.01, 0.887537083981715),
            (0.5, 2.0, 0.04550026389635857),
            (1.0, 3.0, 0.04978706836786395),
            (2.5, 1.0, 0.8491450360846096),
            (2.5, 10.0, 0.0012497305630313773),
            (10.0, 3.0, 0.9988975118698845),
            (10.0, 30.0, 7.121750862815593e-06),
            (50.0, 45.0, 0.7531979655998298),
        ];
        for (a, x, want) in cases {
            close(gamma_q(a, x), want, 1e-12, 0.0, &format!("gamma_q({a}, {x})"));
            close(gamma_p(a, x), 1.0 - want, 1e-12, 1e-15, &format!("gamma_p({a}, {x})"));
        }
    }

    #[test]
    fn normal_matches_scipy() {
        let cdf = [
            (-30.0, 4.906713927147908e-198),
            (-8.0, 6.22096057427174e-16),
            (-1.96, 0.024997895148220435),
            (-0.5, 0.3085375387259869),
            (0.0, 0.5),
            (0.3, 0.6179114221889526),
            (1.0, 0.8413447460685429),
            (2.5, 0.9937903346742238),
            (6.0, 0.9999999990134123),
        ];
        for (z, want) in cdf {
            close(normal_cdf(z), want, 1e-12, 0.0, &format!("normal_cdf({z})"));
        }
        let ppf = [
            (1e-300, -37.0470962993612),
            (1e-10, -6.361340902404056),
            (0.001, -3.090232306167813),
            (0.025, -1.9599639845400545),
            (0.3, -0.5244005127080409),
            (0.5, 0.0),
            (0.8, 0.8416212335729143),
            (0.975, 1.959963984540054),
            (0.999999, 4.753424308817087),
        ];
        for (p, want) in ppf {
            close(normal_quantile(p), want, 1e-13, 0.0, &format!("normal_quantile({p})"));
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
    }

    /// scipy `t.ppf(p, df)`.
    const T_PPF: [(f64, f64, f64); 33] = [
        (0.975, 1.0, 12.706204736174694),
        (0.995, 1.0, 63.656741162871526),
        (0.6, 1.0, 0.32491969623290634),
        (0.025, 1.0, -12.706204736174705),
        (1e-08, 1.0, -31830988.61837906),
        (0.975, 2.0, 4.302652729749462),
        (0.995, 2.0, 9.924843200918287),
        (0.6, 2.0, 0.2886751345948128),
        (0.025, 2.0, -4.302652729749464),
        (1e-08, 2.0, -7071.067705799458),
        (0.975, 4.0, 2.7764451051977934),
        (0.995, 4.0, 4.604094871349992),
        (0.6, 4.0, 0.2707222947075976),
        (0.025, 4.0, -2.7764451051977943),
        (1e-08, 4.0, -131.59473694062356),
        (0.975, 9.0, 2.262157162798205),
        (0.995, 9.0, 3.249835541592126),
        (0.6, 9.0, 0.260955336473911),
        (0.025, 9.0, -2.2621571627982053),
        (1e-08, 9.0, -18.283967455910624),
        (0.975, 29.0, 2.045229642132703),
        (0.995, 29.0, 2.756385903670605),
        (0.6, 29.0, 0.25568363457125604),
        (0.025, 29.0, -2.045229642132704),
        (1e-08, 29.0, -7.6416831323814405),
        (0.975, 1000.0, 1.9623390808264083),
        (0.995, 1000.0, 2.580754698065951),
        (0.6, 1000.0, 0.25341451583949876),
        (0.025, 1000.0, -1.9623390808264085),
        (1e-08, 1000.0, -5.657912337679105),
        (0.9, 2.5, 1.7302509288071766),
        (0.999, 3.3, 8.9515951094625),
        (0.3, 0.7, -0.835441155706963),
    ];

    #[test]
    fn t_quantile_matches_scipy() {
        for (p, df, want) in T_PPF {
            close(t_quantile(p, df), want, 1e-12, 0.0, &format!("t_quantile({p}, {df})"));
        }
        // Closed forms: ν = 1 is Cauchy, t = tan(π(p − ½)); ν = 2: t = (2p − 1)/√(2p(1 − p)).
        for p in [1e-12, 0.01, 0.2, 0.45, 0.7, 0.9999] {
            // tan(π(p − ½)) = −cot(πp), written so that small p loses nothing.
            let cauchy = if p < 0.5 { -1.0 / (PI * p).tan() } else { 1.0 / (PI * (1.0 - p)).tan() };
            close(t_quantile(p, 1.0), cauchy, 1e-12, 0.0, "Cauchy quantile");
            close(t_quantile(p, 2.0), (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt(), 1e-12, 0.0, "t2 quantile");
        }
        assert_eq!(t_quantile(0.5, 7.0), 0.0);
        assert_eq!(t_quantile(1.0, 7.0), f64::INFINITY);
        assert!(t_quantile(0.5, 0.0).is_nan() && t_quantile(1.5, 3.0).is_nan());
        close(t_quantile(0.975, f64::INFINITY), 1.959963984540054, 1e-13, 0.0, "t_quantile(.975, inf)");
    }

    #[test]
    fn t_cdf_matches_scipy_and_inverts_the_quantile() {
        let cases = [
            (-3.5, 1.0, 0.08858553278290476),
            (-1.0, 1.0, 0.25000000000000006),
            (0.0, 1.0, 0.5),
            (0.3, 1.0, 0.5927735790777423),
            (2.0, 1.0, 0.8524163823495667),
            (10.0, 1.0, 0.9682744825694465),
            (1000.0, 1.0, 0.9996816902199195),
            (-3.5, 2.5, 0.026172773480160172),
            (-1.0, 2.5, 0.20203051363913682),
            (0.0, 2.5, 0.5),
            (0.3, 2.5, 0.6063288142524014),
            (2.0, 2.5, 0.9213042521210171),
            (10.0, 2.5, 0.9977792521163463),
            (1000.0, 2.5, 0.9999999772525361),
            (-3.5, 4.0, 0.012448081730111374),
            (-1.0, 4.0, 0.18695048315002943),
            (0.0, 4.0, 0.5),
            (0.3, 4.0, 0.6104392858612702),
            (2.0, 4.0, 0.9419417382415922),
            (10.0, 4.0, 0.999718998188642),
            (1000.0, 4.0, 0.9999999999970001),
            (-3.5, 29.0, 0.0007622231573273012),
            (-1.0, 29.0, 0.16279099400809682),
            (0.0, 29.0, 0.5),
            (0.3, 29.0, 0.6168414533355161),
            (2.0, 29.0, 0.9725281814085164),
            (10.0, 29.0, 0.9999999999670007),
            (1000.0, 29.0, 1.0),
            (-3.5, 1000.0, 0.0002428871729839163),
            (-1.0, 1000.0, 0.15877620904233627),
            (0.0, 1000.0, 0.5),
            (0.3, 1000.0, 0.617880247916378),
            (2.0, 1000.0, 0.9771148267533741),
            (10.0, 1000.0, 1.0),
            (1000.0, 1000.0, 1.0),
        ];
        for (x, df, want) in cases {
            close(t_cdf(x, df), want, 1e-12, 0.0, &format!("t_cdf({x}, {df})"));
            close(t_sf(-x, df), want, 1e-12, 0.0, &format!("t_sf({}, {df})", -x));
        }
        for (p, df, _) in T_PPF {
            close(t_cdf(t_quantile(p, df), df), p, 1e-12, 0.0, &format!("t_cdf(t_quantile({p}, {df}))"));
        }
        assert_eq!(t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
    }

    #[test]
    fn t_quantile_round_trips_in_the_far_tails() {
        for df in [0.5, 1.0, 3.0, 30.0, 1e4, 1e6] {
            for p in [1e-300, 1e-100, 1e-20, 1e-3, 0.3, 0.4999] {
                let t = t_quantile(p, df);
                if t.is_infinite() {
                    // Beyond f64: only for tiny ν (0.5 here), where t ~ p^{−1/ν}.
                    assert!(df < 1.0 && p < 1e-100 && t < 0.0, "t_quantile({p}, {df}) = {t}");
                    continue;
                }
                close(t_cdf(t, df), p, 1e-11, 0.0, &format!("t_cdf(t_quantile({p}, {df}))"));
                if p >= 1e-3 {
                    // (1 − p is 1.0 in f64 for the tiny p.)
                    close(t_quantile(1.0 - p, df), -t, 1e-11, 0.0, &format!("symmetry at ({p}, {df})"));
                }
            }
        }
        close(t_quantile(0.975, 1e9), normal_quantile(0.975), 1e-8, 0.0, "large df");
    }

    #[test]
    fn chi2_sf_matches_scipy() {
        let cases = [
            (0.5, 1.0, 0.47950012218695337),
            (3.84, 1.0, 0.05004352124870519),
            (7.0, 3.0, 0.07189777249646509),
            (20.0, 4.0, 0.0004993992273873336),
            (1.0, 9.0, 0.9994375026978325),
            (60.0, 9.0, 1.3406780483959625e-09),
        ];
        for (x, df, want) in cases {
            close(chi2_sf(x, df), want, 1e-12, 0.0, &format!("chi2_sf({x}, {df})"));
        }
        assert_eq!(chi2_sf(0.0, 3.0), 1.0);
    }

    #[test]
    fn mean_sd_and_t_interval_match_scipy() {
        let cases: [(&[f64], f64, f64, f64, f64); 3] = [
            (
                &[0.81, 0.79, 0.85, 0.8, 0.83],
                0.8160000000000001,
                0.024083189157584558,
                0.7860967710610961,
                0.845903228938904,
            ),
            (&[1.0, 3.0], 2.0, SQRT_2, -10.706204736174694, 14.706204736174694),
            (
                &[2.5, -1.0, 0.25, 7.5, 3.0, 3.0, -2.0, 0.125, 4.0, 1.0],
                1.8375,
                2.7651413968266514,
                -0.14056299420531548,
                3.8155629942053153,
            ),
        ];
        for (x, m, s, lo, hi) in cases {
            close(mean(x), m, 1e-14, 0.0, "mean");
            close(sample_sd(x), s, 1e-13, 0.0, "sd");
            let (l, h) = t_interval(x, 0.95);
            close(l, lo, 1e-12, 0.0, "t_interval low");
            close(h, hi, 1e-12, 0.0, "t_interval high");
        }
        let (l, h) = t_interval(&[0.81, 0.79, 0.85, 0.8, 0.83], 0.9);
        close(l, 0.793039307424142, 1e-12, 0.0, "t_interval(0.9) low");
        close(h, 0.8389606925758581, 1e-12, 0.0, "t_interval(0.9) high");
        assert!(mean(&[]).is_nan());
        assert!(sample_sd(&[1.0]).is_nan());
        let (l, h) = t_interval(&[1.0], 0.95);
        assert!(l.is_nan() && h.is_nan());
        assert_eq!(t_interval(&[2.0, 2.0, 2.0], 0.95), (2.0, 2.0));
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn paired_t_matches_scipy() {
        // (a, b, mean_diff, ci_low, ci_high, p) from ttest_rel(b, a).
        let cases: [(&[f64], &[f64], f64, f64, f64, f64); 4] = [
            (
                &[0.71, 0.69, 0.75, 0.7, 0.73, 0.68, 0.74, 0.72],
                &[0.73, 0.7, 0.78, 0.7, 0.76, 0.69, 0.77, 0.75],
                0.020000000000000004,
                0.010007638764660605,
                0.029992361235339403,
                0.0021254521977628147,
            ),
            (
                &[5.0, 4.0, 6.5, 7.0, 3.0, 5.5],
                &[4.0, 4.5, 5.0, 6.0, 1.0, 5.0],
                -0.9166666666666666,
                -1.820441387136627,
                -0.012891946196706416,
                0.047828429596299196,
            ),
            (&[1.0, 2.0], &[1.5, 3.5], 1.0, -5.353102368087347, 7.353102368087347, 0.2951672353008665),
            (&[1.0, 2.0, 3.0, 4.0], &[2.5, 3.5, 4.5, 5.5], 1.5, 1.5, 1.5, 0.0),
        ];
        for (a, b, md, lo, hi, p) in cases {
            let r = paired_t(a, b);
            assert_eq!(r.n_pairs, a.len());
            close(r.mean_diff, md, 1e-12, 0.0, "mean_diff");
            close(r.ci_low, lo, 1e-12, 0.0, "ci_low");
            close(r.ci_high, hi, 1e-12, 0.0, "ci_high");
            close(r.p_value, p, 1e-12, 0.0, "p_value");
        }
        // All differences zero: scipy gives p = NaN, interval [0, 0]; we give p = 1.
        let r = paired_t(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]);
        assert_eq!((r.mean_diff, r.ci_low, r.ci_high, r.p_value), (0.0, 0.0, 0.0, 1.0));
        // Swapping the samples flips the difference and keeps p.
        let (a, b) = (cases[1].0, cases[1].1);
        let (r, s) = (paired_t(a, b), paired_t(b, a));
        assert_eq!(r.mean_diff, -s.mean_diff);
        close(r.p_value, s.p_value, 1e-15, 0.0, "swap p");
        // n < 2.
        let r = paired_t(&[1.0], &[3.0]);
        assert_eq!((r.n_pairs, r.mean_diff), (1, 2.0));
        assert!(r.ci_low.is_nan() && r.ci_high.is_nan() && r.p_value.is_nan());
        assert!(paired_t(&[], &[]).mean_diff.is_nan());
        assert!(paired_t(&[1.0, 2.0, 3.0], &[1.0, f64::NAN, 3.0]).p_value.is_nan());
    }

    #[test]
    #[should_panic(expected = "same length")]
    fn paired_t_rejects_mismatched_lengths() {
        paired_t(&[1.0, 2.0], &[1.0]);
    }

    #[test]
    fn holm_matches_statsmodels() {
        let cases: [(&[f64], &[f64]); 4] = [
            (&[0.01, 0.04, 0.03, 0.04, 0.005, 0.5, 0.03], &[0.06, 0.15, 0.15, 0.15, 0.035, 0.5, 0.15]),
            (&[0.2, 0.9, 0.01], &[0.4, 0.9, 0.03]),
            (&[0.3], &[0.3]),
            (&[0.04, 0.04, 0.04], &[0.12, 0.12, 0.12]),
        ];
        for (p, want) in cases {
            let got = holm(p);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(want) {
                close(*g, *w, 1e-15, 0.0, "holm");
            }
        }
        assert!(holm(&[]).is_empty());
        assert_eq!(holm(&[0.6, 0.7]), vec![1.0, 1.0]);
    }

    /// `(a, b, p)` from scipy `wilcoxon(b, a)` (defaults).
    #[allow(clippy::type_complexity)]
    const WILCOXON: [(&str, &[f64], &[f64], f64); 10] = [
        ("exact n=5", &[1.0, 2.0, 3.0, 4.0, 5.0], &[1.5, 1.0, 5.0, 8.5, 7.25], 0.1875),
        (
            "exact n=8",
            &[0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001],
            &[0.3, 0.05, 0.61, 1.07, 0.28, 1.0, 0.81, 1.6],
            0.0390625,
        ),
        (
            "exact n=12",
            &[-1.925, -3.019, 1.154, 1.563, 1.33, -0.43, -0.073, -0.292, 1.368, 0.872, 0.058, 0.708],
            &[
                -1.425,
                -4.269,
                1.529,
                3.5629999999999997,
                2.83,
                -0.4925,
                0.802,
                0.833,
                1.118,
                1.4969999999999999,
                1.808,
                0.8955,
            ],
            0.04248046875,
        ),
        ("exact n=5 all positive", &[0.0, 0.0, 0.0, 0.0, 0.0], &[1.0, 2.0, 3.0, 4.0, 5.0], 0.0625),
        (
            "ties n=20 normal",
            &[0.0; 20],
            &[1.0, -2.0, 3.0, 3.0, 4.0, -1.0, 2.0, 5.0, 5.0, 5.0, 6.0, -3.0, 7.0, 2.0, 8.0, 1.0, -4.0, 9.0, 6.0, 2.0],
            0.003968634618969631,
        ),
        ("zeros n=9 permutation", &[0.0; 9], &[0.5, 0.0, -0.25, 1.5, 2.0, 0.0, 0.75, 3.0, -1.0], 0.15625),
        ("ties n=10 permutation", &[0.0; 10], &[1.0, 1.0, -1.0, 2.0, 3.0, 3.0, -2.0, 4.0, 5.0, 5.0], 0.03515625),
        (
            "zeros n=16 normal",
            &[0.0; 16],
            &[0.5, 0.0, -0.25, 1.5, 2.0, 0.0, 0.75, 3.0, -1.0, 1.25, 2.5, -0.125, 0.0, 1.75, 4.0, 2.25],
            0.008774633060101173,
        ),
        (
            "n=60 normal",
            &[
                1.360306, 0.374525, -1.085517, -0.074795, -0.426657, -1.591847, -2.045856, 0.148713, -1.045382,
                0.414322, -0.800215, 0.803028, 0.885075, 0.382262, -1.199264, -2.041253, 2.141861, -0.053455, 2.049266,
                -0.237602, -1.179114, 0.003818, -1.233337, 0.046947, 1.645894, 0.901276, 3.10097, 0.370848, 0.348298,
                -0.902785, -0.929663, 0.27654, -0.887805, -0.313289, -0.304203, -1.155383, 2.340307, -1.940122,
                0.15619, 1.000301, 1.137554, -0.414756, -1.031873, 2.47802, 2.222745, 0.180076, 0.051612, 0.132306,
                -1.112358, -0.015769, 1.138836, 0.782897, -0.935211, 0.81647, -0.821518, -1.641545, 0.393283, 0.686879,
                1.5289, -0.839869,
            ],
            &[
                2.766619, 1.260019, -0.497899, -0.183006, -0.35547, -0.758051, -1.383004, -0.760201, -1.334424,
                0.633321, 0.509519, 1.590474, 1.158462, 0.429519, 0.732814, -2.208365, 1.64961, -0.213199, 2.717386,
                0.068427, -1.437419, -0.175356, -0.383121, 0.842877, 2.279977, 0.24568, 3.41619, 1.924086, -0.087603,
                1.143821, -0.38156, 1.567039, -1.610857, 1.419541, 0.09444, -0.397082, 3.407247, 0.039529, 0.34708,
                2.006544, 1.716373, -1.577153, -1.834337, 1.426851, 2.463776, 0.806452, 0.95739, 1.532352, -0.450456,
                -0.904253, 3.317672, 1.341166, -1.165611, -0.43634, 0.13879, -2.818772, 1.977847, 1.290163, 0.082408,
                -0.93929,
            ],
            0.002800654807425206,
        ),
        (
            "n=40 exact",
            &[
                1.906255, -1.898352, -0.517018, -2.148866, 0.130914, 1.867771, -0.057285, -0.156174, -0.353883,
                -0.31201, -0.391219, 0.661766, 1.046293, -2.445045, -2.737119, 1.003725, 1.002379, -1.535823,
                -0.352927, 0.296248, 0.673483, 0.075066, 0.254974, -0.286122, 0.736055, -0.084233, -0.317618, -0.41058,
                -0.777906, 0.638991, 0.252583, 0.207352, -0.37041, 0.690078, 0.231934, -1.223054, -2.597747, -0.571117,
                -0.160819, 2.054861,
            ],
            &[
                3.475497, -0.928612, 2.106148, -2.540165, 0.486196, 2.868813, 0.09823, -0.16974, 0.24666, -0.299887,
                0.964601, -1.153646, 1.692079, -0.539418, -3.170713, 0.351951, 1.510619, -1.375603, 0.322673,
                -0.028672, 1.11805, 0.972142, -1.892101, -0.144754, 1.424492, -1.129478, -1.449069, 0.654477, -1.30263,
                1.105476, 1.23337, 1.199051, -1.797652, 1.080438, -0.25577, -3.181402, -2.104237, 0.407602, -0.403373,
                2.820535,
            ],
            0.12810258085846726,
        ),
    ];

    #[test]
    fn wilcoxon_matches_scipy() {
        for (name, a, b, want) in WILCOXON {
            close(wilcoxon_signed_rank(a, b), want, 1e-12, 0.0, name);
            // Two-sided: symmetric in the samples.
            close(wilcoxon_signed_rank(b, a), want, 1e-12, 0.0, name);
        }
        assert_eq!(wilcoxon_signed_rank(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]), 1.0);
        assert!(wilcoxon_signed_rank(&[1.0, 2.0], &[f64::NAN, 3.0]).is_nan());
        assert!(wilcoxon_signed_rank(&[], &[]).is_nan());
        // One nonzero pair: W⁺ ∈ {0, 1} each with probability ½, p = 1.
        assert_eq!(wilcoxon_signed_rank(&[0.0], &[2.0]), 1.0);
    }

    #[test]
    fn friedman_matches_scipy() {
        let cases: [(Vec<Vec<f64>>, f64, f64); 2] = [
            (
                vec![
                    vec![0.81, 0.8, 0.85, 0.79],
                    vec![0.7, 0.7, 0.72, 0.69],
                    vec![0.91, 0.92, 0.92, 0.9],
                    vec![0.6, 0.61, 0.65, 0.61],
                    vec![0.75, 0.74, 0.78, 0.74],
                    vec![0.88, 0.88, 0.88, 0.87],
                ],
                12.173076923076936,
                0.006813188036150224,
            ),
            (
                vec![
                    vec![1.0, 2.0, 3.0],
                    vec![2.0, 3.0, 1.0],
                    vec![1.0, 3.0, 2.0],
                    vec![1.5, 2.5, 3.5],
                    vec![3.0, 1.0, 2.0],
                ],
                1.2000000000000028,
                0.5488116360940257,
            ),
        ];
        for (m, chi2, p) in &cases {
            let (c, q) = friedman(m);
            close(c, *chi2, 1e-12, 0.0, "friedman chi2");
            close(q, *p, 1e-12, 0.0, "friedman p");
        }
        let (c, p) = friedman(&[vec![1.0, 1.0, 1.0], vec![2.0, 2.0, 2.0]]);
        assert!(c.is_nan() && p.is_nan());
        let (c, p) = friedman::<Vec<f64>>(&[]);
        assert!(c.is_nan() && p.is_nan());
    }

    #[test]
    fn ranks_best_first_with_ties_averaged() {
        assert_eq!(rank_block(&[0.8, 0.9, 0.8, 0.7], true), vec![2.5, 1.0, 2.5, 4.0]);
        assert_eq!(rank_block(&[0.8, 0.9, 0.8, 0.7], false), vec![2.5, 4.0, 2.5, 1.0]);
        // NaN is worst in either direction; −0.0 ties with 0.0.
        assert_eq!(rank_block(&[f64::NAN, 1.0, -0.0, 0.0], true), vec![4.0, 1.0, 2.5, 2.5]);
        assert_eq!(rank_block(&[f64::NAN, 1.0, f64::NAN], false), vec![2.5, 1.0, 2.5]);
        let r = average_ranks(&[vec![0.9, 0.8, 0.7], vec![0.6, 0.8, 0.8], vec![0.5, 0.4, 0.6]], true);
        assert_eq!(r.per_block, vec![vec![1.0, 2.0, 3.0], vec![3.0, 1.5, 1.5], vec![2.0, 3.0, 1.0]]);
        assert_eq!(r.mean, vec![2.0, 6.5 / 3.0, 5.5 / 3.0]);
        let empty = average_ranks::<Vec<f64>>(&[], true);
        assert!(empty.per_block.is_empty() && empty.mean.is_empty());
    }

    #[test]
    fn studentized_range_matches_scipy_and_demsar() {
        // scipy studentized_range.ppf(0.95, k, inf)/√2.
        let q = [
            (2, 1.9599639845400534),
            (3, 2.343700586378409),
            (4, 2.569031772546482),
            (5, 2.7277743708703763),
            (6, 2.8497054196100016),
            (7, 2.9483200175296744),
            (8, 3.030878449614413),
            (9, 3.1017303413033805),
            (10, 3.163683577053373),
            (20, 3.5437991315177815),
            (50, 3.9923432900094076),
        ];
        for (k, want) in q {
            close(nemenyi_q_alpha(k, 0.05), want, 1e-12, 0.0, &format!("q_0.05(k={k})"));
        }
        // Demšar (2006), Table 5a, three decimals.
        let demsar = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164];
        for (k, want) in (2..=10).zip(demsar) {
            // The table's last digit is not always rounded (k = 3: 2.34370 is printed 2.343).
            close(nemenyi_q_alpha(k, 0.05), want, 0.0, 1e-3, &format!("Demšar q_0.05(k={k})"));
        }
        let cdf = [
            (1.0, 2, 0.5204998778130465),
            (3.0, 3, 0.9144574283450421),
            (3.5, 5, 0.9036615360345732),
            (5.0, 10, 0.9851425621122164),
            (2.0, 4, 0.5096305900194505),
        ];
        for (x, k, want) in cdf {
            close(studentized_range_cdf(x, k), want, 1e-12, 0.0, &format!("ptukey({x}, {k})"));
        }
        let ppf = [(0.9, 3, 2.9023802134282515), (0.99, 6, 4.757047249408221), (0.5, 4, 1.9783204855397125)];
        for (p, k, want) in ppf {
            close(studentized_range_quantile(p, k), want, 1e-12, 0.0, &format!("qtukey({p}, {k})"));
        }
        for k in [2, 30, 100] {
            for p in [0.05, 0.5, 0.999] {
                let q = studentized_range_quantile(p, k);
                close(studentized_range_cdf(q, k), p, 1e-12, 0.0, &format!("ptukey(qtukey({p}, {k}))"));
            }
        }
        // k = 2: the range is |Z₁ − Z₂| ~ √2 |N(0,1)|.
        close(studentized_range_quantile(0.95, 2), SQRT_2 * normal_quantile(0.975), 1e-12, 0.0, "k=2");
        assert!(studentized_range_cdf(1.0, 1).is_nan());
        assert_eq!(studentized_range_cdf(0.0, 3), 0.0);
    }

    #[test]
    fn nemenyi_cd_matches_scipy() {
        close(nemenyi_critical_difference(4, 10, 0.05), 1.4832311854364129, 1e-12, 0.0, "CD(4, 10)");
        close(nemenyi_critical_difference(7, 25, 0.05), 1.8014532871044349, 1e-12, 0.0, "CD(7, 25)");
        assert!(nemenyi_critical_difference(4, 0, 0.05).is_nan());
        assert!(nemenyi_critical_difference(1, 10, 0.05).is_nan());
        assert!(nemenyi_critical_difference(4, 10, 1.5).is_nan());
    }

    #[test]
    fn jaccard_of_supports() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[3, 1, 2, 2], &[2, 3, 1]), 1.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert_eq!(jaccard(&[1], &[]), 0.0);
        assert_eq!(jaccard(&[1, 2], &[3]), 0.0);
        // Pairs: {1,2,3}-{2,3,4} = 1/2, {1,2,3}-{} = 0, {2,3,4}-{} = 0.
        close(mean_pairwise_jaccard(&[vec![1, 2, 3], vec![2, 3, 4], vec![]]), 0.5 / 3.0, 1e-15, 0.0, "mean J");
        assert_eq!(mean_pairwise_jaccard(&[vec![5usize, 7], vec![7, 5]]), 1.0);
        assert!(mean_pairwise_jaccard(&[vec![1usize]]).is_nan());
        assert!(mean_pairwise_jaccard::<Vec<usize>>(&[]).is_nan());
    }
}
