#!/usr/bin/env python3
"""Print the reference values of the tests of `crates/runner/src/stats.rs`.

The Rust tests do not run Python: the numbers printed here are pasted into them (shortest
round-trip `repr`, i.e. full double precision). Re-run after changing a case:

    pip install scipy numpy statsmodels mpmath
    python3 scripts/stats_reference.py

Values were generated with the versions printed on the first line (scipy 1.17.1, numpy 2.4.6,
statsmodels 0.15.0 when written). What is matched, per function:

- `t_quantile`, `t_cdf`, `normal_*`, `chi2_sf`, `betainc`, `ln_gamma`, `gamma_q`:
  scipy.stats / scipy.special.
- `ln_beta`: mpmath at 40 digits (scipy.special.betaln is off by 3e-13 at (500, 0.5)).
- `t_interval`: scipy.stats.ttest_1samp(x, 0).confidence_interval(0.95).
- `paired_t(a, b)`: scipy.stats.ttest_rel(b, a) (difference b - a) and its confidence_interval().
- `holm`: statsmodels.stats.multitest.multipletests(p, method='holm')[1].
- `wilcoxon_signed_rank(a, b)`: scipy.stats.wilcoxon(b, a) with its defaults (zero_method='wilcox',
  correction=False, method='auto'): exact if n <= 50 with no ties and no zeros; an exact
  sign-flip permutation test if ties or zeros and n <= 13; else the normal approximation with
  tie correction. n counts the zero differences.
- `friedman`: scipy.stats.friedmanchisquare(*matrix.T) (rows = blocks, columns = treatments).
- `studentized_range_quantile(p, k)`: scipy.stats.studentized_range.ppf(p, k, np.inf).
"""

import mpmath
import numpy as np
import scipy
import scipy.special as sp
import scipy.stats as st
import statsmodels
from statsmodels.stats.multitest import multipletests


def r(x):
    """Shortest round-trip repr of a float, as a Rust literal."""
    x = float(x)
    if np.isnan(x):
        return "f64::NAN"
    if np.isinf(x):
        return "f64::INFINITY" if x > 0 else "f64::NEG_INFINITY"
    s = repr(x)
    if "e" not in s and "." not in s:
        s += ".0"
    return s


def arr(xs):
    return "&[" + ", ".join(r(x) for x in xs) + "]"


print(f"// scipy {scipy.__version__}, numpy {np.__version__}, statsmodels {statsmodels.__version__}, mpmath {mpmath.__version__}")

print("\n// ln_gamma: (x, scipy.special.gammaln(x))")
for x in [0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 57.25, 500.0, 1e5]:
    print(f"({r(x)}, {r(sp.gammaln(x))}),")

print("\n// ln_beta: (a, b, ln B(a, b) by mpmath at 40 digits); scipy.special.betaln's error in a comment")
mpmath.mp.dps = 40
for a, b in [(0.5, 0.5), (3.0, 7.0), (500.0, 0.5), (40.0, 60.0), (1e4, 2.5), (15.0, 1e5), (9.5, 10.5)]:
    exact = mpmath.log(mpmath.beta(a, b))
    print(f"({r(a)}, {r(b)}, {r(exact)}), // scipy betaln error {float(sp.betaln(a, b) - exact):.1e}")

print("\n// betainc: (a, b, x, scipy.special.betainc(a, b, x))")
for a, b, x in [(0.5, 0.5, 0.3), (2.0, 3.0, 0.4), (10.0, 0.5, 0.9), (0.5, 14.5, 0.01), (500.0, 0.5, 0.996),
                (3.0, 7.0, 0.999), (40.0, 60.0, 0.35)]:
    print(f"({r(a)}, {r(b)}, {r(x)}, {r(sp.betainc(a, b, x))}),")

print("\n// gamma_q (upper regularized): (a, x, scipy.special.gammaincc(a, x))")
for a, x in [(0.5, 0.01), (0.5, 2.0), (1.0, 3.0), (2.5, 1.0), (2.5, 10.0), (10.0, 3.0), (10.0, 30.0), (50.0, 45.0)]:
    print(f"({r(a)}, {r(x)}, {r(sp.gammaincc(a, x))}),")

print("\n// normal: (x, norm.cdf(x))")
for x in [-30.0, -8.0, -1.96, -0.5, 0.0, 0.3, 1.0, 2.5, 6.0]:
    print(f"({r(x)}, {r(st.norm.cdf(x))}),")
print("\n// normal quantile: (p, norm.ppf(p))")
for p in [1e-300, 1e-10, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999999]:
    print(f"({r(p)}, {r(st.norm.ppf(p))}),")

print("\n// t quantile: (p, df, t.ppf(p, df))")
for df in [1.0, 2.0, 4.0, 9.0, 29.0, 1000.0]:
    for p in [0.975, 0.995, 0.6, 0.025, 1e-8]:
        print(f"({r(p)}, {r(df)}, {r(st.t.ppf(p, df))}),")
for p, df in [(0.9, 2.5), (0.999, 3.3), (0.3, 0.7)]:
    print(f"({r(p)}, {r(df)}, {r(st.t.ppf(p, df))}),")

print("\n// t cdf: (x, df, t.cdf(x, df))")
for df in [1.0, 2.5, 4.0, 29.0, 1000.0]:
    for x in [-3.5, -1.0, 0.0, 0.3, 2.0, 10.0, 1e3]:
        print(f"({r(x)}, {r(df)}, {r(st.t.cdf(x, df))}),")

print("\n// chi2 sf: (x, df, chi2.sf(x, df))")
for x, df in [(0.5, 1.0), (3.84, 1.0), (7.0, 3.0), (20.0, 4.0), (1.0, 9.0), (60.0, 9.0)]:
    print(f"({r(x)}, {r(df)}, {r(st.chi2.sf(x, df))}),")

print("\n// t_interval 95 %: (values, mean, sd, low, high)")
for x in [[0.81, 0.79, 0.85, 0.80, 0.83], [1.0, 3.0], [2.5, -1.0, 0.25, 7.5, 3.0, 3.0, -2.0, 0.125, 4.0, 1.0]]:
    x = np.array(x)
    ci = st.ttest_1samp(x, 0.0).confidence_interval(0.95)
    print(f"({arr(x)}, {r(x.mean())}, {r(x.std(ddof=1))}, {r(ci.low)}, {r(ci.high)}),")
x = np.array([0.81, 0.79, 0.85, 0.80, 0.83])
ci = st.ttest_1samp(x, 0.0).confidence_interval(0.9)
print(f"// level 0.9 on the first: ({r(ci.low)}, {r(ci.high)})")

print("\n// paired t: (a, b, mean_diff, ci_low, ci_high, p) with ttest_rel(b, a)")
cases = [
    ([0.71, 0.69, 0.75, 0.70, 0.73, 0.68, 0.74, 0.72], [0.73, 0.70, 0.78, 0.70, 0.76, 0.69, 0.77, 0.75]),
    ([5.0, 4.0, 6.5, 7.0, 3.0, 5.5], [4.0, 4.5, 5.0, 6.0, 1.0, 5.0]),  # mostly negative b - a
    ([1.0, 2.0], [1.5, 3.5]),  # n = 2
    ([1.0, 2.0, 3.0, 4.0], [2.5, 3.5, 4.5, 5.5]),  # constant nonzero difference: p = 0
    ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),  # all differences zero: scipy gives nan
]
for a, b in cases:
    a, b = np.array(a), np.array(b)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = st.ttest_rel(b, a)
            ci = res.confidence_interval(0.95)
    print(f"({arr(a)}, {arr(b)}, {r((b - a).mean())}, {r(ci.low)}, {r(ci.high)}, {r(res.pvalue)}),")

print("\n// holm: (p, adjusted)")
for p in [[0.01, 0.04, 0.03, 0.04, 0.005, 0.5, 0.03], [0.2, 0.9, 0.01], [0.3], [0.04, 0.04, 0.04]]:
    adj = multipletests(p, method="holm")[1]
    print(f"({arr(p)}, {arr(adj)}),")

print("\n// wilcoxon: (a, b, p) with wilcoxon(b, a); method noted")
rng = np.random.default_rng(26)
wcases = []
# exact, n = 5, 8, 12: distinct |differences|, no zeros
wcases.append(("exact n=5", [1.0, 2.0, 3.0, 4.0, 5.0], [1.5, 1.0, 5.0, 8.5, 7.25]))
wcases.append(("exact n=8", [0.1 * i for i in range(8)], [0.1 * i + d for i, d in
                                                          enumerate([0.3, -0.05, 0.41, 0.77, -0.12, 0.5, 0.21, 0.9])]))
a12 = np.round(rng.normal(size=12), 3)
wcases.append(("exact n=12", list(a12), list(a12 + np.array([0.5, -1.25, 0.375, 2.0, 1.5, -0.0625, 0.875, 1.125, -0.25,
                                                             0.625, 1.75, 0.1875]))))
# the smallest possible exact p for n=5 (all positive)
wcases.append(("exact n=5 all positive", [0.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]))
# ties, n = 20 -> normal approximation with tie correction
d20 = [1.0, -2.0, 3.0, 3.0, 4.0, -1.0, 2.0, 5.0, 5.0, 5.0, 6.0, -3.0, 7.0, 2.0, 8.0, 1.0, -4.0, 9.0, 6.0, 2.0]
wcases.append(("ties n=20 normal", [0.0] * 20, d20))
# zeros, n = 9 (<= 13) -> exact sign-flip permutation (zeros dropped)
d9 = [0.5, 0.0, -0.25, 1.5, 2.0, 0.0, 0.75, 3.0, -1.0]
wcases.append(("zeros n=9 permutation", [0.0] * 9, d9))
# ties, n = 10 (<= 13) -> exact sign-flip permutation with mid-ranks
d10 = [1.0, 1.0, -1.0, 2.0, 3.0, 3.0, -2.0, 4.0, 5.0, 5.0]
wcases.append(("ties n=10 permutation", [0.0] * 10, d10))
# zeros, n = 16 -> normal approximation
d16 = [0.5, 0.0, -0.25, 1.5, 2.0, 0.0, 0.75, 3.0, -1.0, 1.25, 2.5, -0.125, 0.0, 1.75, 4.0, 2.25]
wcases.append(("zeros n=16 normal", [0.0] * 16, d16))
# n = 60, no ties -> normal approximation (n > 50)
a60 = np.round(rng.normal(size=60), 6)
b60 = np.round(a60 + rng.normal(loc=0.3, size=60), 6)
wcases.append(("n=60 normal", list(a60), list(b60)))
# n = 40, no ties -> exact
a40 = np.round(rng.normal(size=40), 6)
b40 = np.round(a40 + rng.normal(loc=0.2, size=40), 6)
wcases.append(("n=40 exact", list(a40), list(b40)))
for name, a, b in wcases:
    a, b = np.array(a), np.array(b)
    p = st.wilcoxon(b, a).pvalue
    print(f"// {name}\n({arr(a)}, {arr(b)}, {r(p)}),")
print(f"// all zero differences: scipy gives {st.wilcoxon(np.zeros(4), np.zeros(4)).pvalue} (ours: 1.0)")

print("\n// friedman: (rows = blocks, chi2, p) with friedmanchisquare(*m.T)")
fcases = [
    [[0.81, 0.80, 0.85, 0.79], [0.70, 0.70, 0.72, 0.69], [0.91, 0.92, 0.92, 0.90], [0.60, 0.61, 0.65, 0.61],
     [0.75, 0.74, 0.78, 0.74], [0.88, 0.88, 0.88, 0.87]],
    [[1.0, 2.0, 3.0], [2.0, 3.0, 1.0], [1.0, 3.0, 2.0], [1.5, 2.5, 3.5], [3.0, 1.0, 2.0]],
]
for m in fcases:
    m = np.array(m)
    res = st.friedmanchisquare(*m.T)
    rows = ", ".join("vec!" + arr(row)[1:] for row in m)
    print(f"(vec![{rows}], {r(res.statistic)}, {r(res.pvalue)}),")

print("\n// studentized range, infinite df: (k, ppf(0.95, k, inf) / sqrt(2))")
for k in range(2, 11):
    print(f"({k}, {r(st.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2))}),")
for k in [20, 50]:
    print(f"({k}, {r(st.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2))}),")
print("// (q, k, cdf(q, k, inf))")
for q, k in [(1.0, 2), (3.0, 3), (3.5, 5), (5.0, 10), (2.0, 4)]:
    print(f"({r(q)}, {k}, {r(st.studentized_range.cdf(q, k, np.inf))}),")
print("// (p, k, ppf(p, k, inf))")
for p, k in [(0.9, 3), (0.99, 6), (0.5, 4)]:
    print(f"({r(p)}, {k}, {r(st.studentized_range.ppf(p, k, np.inf))}),")
print("// Nemenyi CD (k, n, alpha=0.05)")
for k, n in [(4, 10), (7, 25)]:
    q = st.studentized_range.ppf(0.95, k, np.inf) / np.sqrt(2)
    print(f"({k}, {n}, {r(q * np.sqrt(k * (k + 1) / (6.0 * n)))}),")
