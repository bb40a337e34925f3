#!/usr/bin/env python3
"""Recompute a sweep's verdict tables from its summary.csv with scipy and compare.

    pip install scipy numpy
    python3 scripts/check_verdict_scipy.py results/expression [results/default ...]

An independent check of `pairwise.csv`, `ranks.csv` and the t-intervals of `comparison.csv`
(docs/sweep.md): everything is recomputed here from the per-replicate values of `summary.csv`,
with scipy's implementations, not regpath's (`crates/runner/src/stats.rs`):

- comparison.csv: for test_r2 (or the logistic/no-test metric) and nnz, the mean, sample sd and
  95 % interval `scipy.stats.ttest_1samp(x, 0).confidence_interval(0.95)`;
- pairwise.csv: for each dataset, metric and pair of configurations (a before b in the order of
  summary.csv), the differences b - a over the replicates both have:
  `scipy.stats.ttest_rel(b, a)` (p-value and `confidence_interval(0.95)`), Holm's step-down
  adjustment over the pairs of the dataset and metric (written out here: scipy has no Holm), and
  `scipy.stats.wilcoxon(b, a)` with its defaults (method='auto': exact without ties and zeros up
  to 50 pairs, an exact sign-flip permutation test with ties or zeros up to 13, else the normal
  approximation);
- ranks.csv: per dataset the ranks of the configurations' mean metric
  (`scipy.stats.rankdata`, ties averaged, 1 = best), their average over datasets,
  `scipy.stats.friedmanchisquare` over the datasets as blocks, and the Nemenyi critical
  difference `studentized_range.ppf(0.95, k, inf) / sqrt(2) * sqrt(k (k + 1) / (6 N))`.

Two documented conventions of regpath's where scipy returns NaN are applied here too: a paired
t-test whose differences are all equal has p = 1 (all zero) or 0 (otherwise) and the interval
[d, d]; a Wilcoxon test whose differences are all zero has p = 1 (scipy agrees up to 13
pairs; beyond, its normal approximation divides 0 by 0).

Every number must agree to a relative 1e-9 (absolute 1e-12 near 0). Exits 1 on any
disagreement, printing each; prints the number of values compared per table otherwise.
"""

import csv
import math
import sys
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

REL, ABS = 1e-9, 1e-12

# summary.csv column of each metric name of pairwise.csv / ranks.csv / comparison.csv
COLUMN = {
    "test_r2": "chosen_test_r2",
    "test_mse": "chosen_test_mse",
    "test_deviance": "chosen_test_deviance",
    "test_auc": "chosen_test_auc",
    "nnz": "chosen_nnz",
    "f1": "chosen_f1",
    "cv_error": "chosen_selection_mse",
}
HIGHER_IS_BETTER = {"test_r2": True, "test_auc": True, "test_deviance": False, "cv_error": False}


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    return float(text) if text != "" else math.nan


def configuration(row):
    """The middle part of `<dataset>__<configuration>__r<replicate>`."""
    rest = row["task_id"][len(row["dataset"]) + 2 :]
    return rest.rsplit("__r", 1)[0]


def distinct(items):
    out = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


class Checker:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.compared = {}

    def same(self, table, where, got, want):
        """Compares a table's cell (text) with a recomputed value (NaN: the cell must be empty)."""
        self.compared[table] = self.compared.get(table, 0) + 1
        g = num(got)
        if math.isnan(want) or math.isnan(g):
            if not (math.isnan(want) and math.isnan(g)):
                self.failures.append(f"{table} {where}: {got!r} vs scipy {want!r}")
            return
        if abs(g - want) > max(REL * max(abs(g), abs(want)), ABS):
            self.failures.append(f"{table} {where}: {g!r} vs scipy {want!r} (diff {g - want:.3e})")


def values(summary, dataset, config, metric):
    """{replicate: value} of one configuration on one dataset (missing values left out)."""
    out = {}
    for s in summary:
        if s["dataset"] == dataset and configuration(s) == config:
            v = num(s[COLUMN[metric]])
            if not math.isnan(v):
                out[int(s["replicate"])] = v
    return out


def paired(a, b):
    """(mean, ci_low, ci_high, p) of b - a, scipy's paired t with regpath's constant-difference rule."""
    d = b - a
    n = len(d)
    if n < 2:
        return (float(np.mean(d)) if n else math.nan, math.nan, math.nan, math.nan)
    mean = float(np.mean(d))
    if np.std(d, ddof=1) == 0.0:
        return (mean, mean, mean, 1.0 if mean == 0.0 else 0.0)
    res = stats.ttest_rel(b, a)
    ci = res.confidence_interval(0.95)
    return (mean, float(ci.low), float(ci.high), float(res.pvalue))


def wilcoxon(a, b):
    d = b - a
    if len(d) == 0:
        return math.nan
    if np.all(d == 0):
        # scipy: 1 up to 13 pairs (its permutation test), NaN beyond (0/0 in the normal
        # approximation); regpath: 1 (no evidence of a difference)
        return 1.0
    return float(stats.wilcoxon(b, a).pvalue)


def holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


def logistic(summary):
    return any(s["datafit"] == "logistic" for s in summary)


def no_test(summary):
    return all(s["n_test"] == "0" and s["chosen_test_mse"] == "" for s in summary)


def pairwise_metrics(summary):
    if no_test(summary):
        return ["cv_error", "nnz", "f1"]
    if logistic(summary):
        return ["test_deviance", "test_auc", "nnz", "f1"]
    return ["test_r2", "test_mse", "nnz", "f1"]


def rank_metric(summary):
    if no_test(summary):
        return "cv_error"
    return "test_deviance" if logistic(summary) else "test_r2"


def check_comparison(c, summary, comparison):
    datasets = distinct(s["dataset"] for s in summary)
    metrics = [rank_metric(summary), "nnz"]
    rows = {(r["dataset"], r["configuration"]): r for r in comparison}
    for d in datasets:
        for config in distinct(configuration(s) for s in summary if s["dataset"] == d):
            row = rows[(d, config)]
            for m in metrics:
                x = np.array(list(values(summary, d, config, m).values()))
                if len(x) == 0:
                    continue
                where = f"{d} {config} {m}"
                c.same("comparison.csv", where + " mean", row[f"{m}_mean"], float(np.mean(x)))
                if len(x) < 2:
                    continue
                sd = float(np.std(x, ddof=1))
                c.same("comparison.csv", where + " sd", row[f"{m}_sd"], sd)
                if sd == 0.0:
                    low = high = float(np.mean(x))
                else:
                    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
                    low, high = float(ci.low), float(ci.high)
                c.same("comparison.csv", where + " ci_low", row[f"{m}_ci_low"], low)
                c.same("comparison.csv", where + " ci_high", row[f"{m}_ci_high"], high)


def check_pairwise(c, summary, pairwise):
    want = []
    for d in distinct(s["dataset"] for s in summary):
        configs = distinct(configuration(s) for s in summary if s["dataset"] == d)
        for m in pairwise_metrics(summary):
            vals = [values(summary, d, config, m) for config in configs]
            if all(len(v) == 0 for v in vals):
                continue
            rows = []
            for i in range(len(configs)):
                for j in range(i + 1, len(configs)):
                    shared = [r for r in vals[i] if r in vals[j]]
                    a = np.array([vals[i][r] for r in shared])
                    b = np.array([vals[j][r] for r in shared])
                    mean, low, high, p = paired(a, b)
                    rows.append([d, m, configs[i], configs[j], len(shared), mean, low, high, p, math.nan, wilcoxon(a, b)])
            tested = [k for k, r in enumerate(rows) if not math.isnan(r[8])]
            for k, adj in zip(tested, holm([rows[k][8] for k in tested])):
                rows[k][9] = adj
            want.extend(rows)
    keys = [(r["dataset"], r["metric"], r["a"], r["b"]) for r in pairwise]
    if keys != [tuple(w[:4]) for w in want]:
        c.failures.append(f"pairwise.csv: rows {len(keys)} differ from the recomputed {len(want)} (dataset, metric, a, b)")
        return
    cols = ["mean_diff", "ci_low", "ci_high", "p_value", "p_holm", "p_wilcoxon"]
    for row, w in zip(pairwise, want):
        where = " ".join(w[:4])
        if int(row["n_pairs"]) != w[4]:
            c.failures.append(f"pairwise.csv {where}: n_pairs {row['n_pairs']} vs {w[4]}")
        for col, v in zip(cols, w[5:]):
            c.same("pairwise.csv", f"{where} {col}", row[col], v)


def check_ranks(c, summary, ranks):
    metric = rank_metric(summary)
    higher = HIGHER_IS_BETTER[metric]
    datasets = distinct(s["dataset"] for s in summary)
    configs = distinct(configuration(s) for s in summary)
    means = np.array(
        [
            [np.mean(list(v.values())) if (v := values(summary, d, config, metric)) else np.nan for config in configs]
            for d in datasets
        ]
    )
    # rank 1 = best; a configuration without a value ranks last
    keys = np.where(np.isnan(means), np.inf, -means if higher else means)
    per = np.array([stats.rankdata(row, method="average") for row in keys])
    average = per.mean(axis=0)
    n, k = len(datasets), len(configs)
    if n >= 2 and k >= 3:
        chi2, p = stats.friedmanchisquare(*per.T)
    elif n >= 2 and k == 2:
        # scipy needs 3 treatments; the same formula with tie correction, written out
        ss = np.sum(per.sum(axis=0) ** 2)
        ties = sum(t * (t * t - 1) for row in per for t in np.unique(row, return_counts=True)[1])
        corr = 1 - ties / (k * (k * k - 1) * n)
        chi2 = (12 / (n * k * (k + 1)) * ss - 3 * n * (k + 1)) / corr
        p = stats.chi2.sf(chi2, k - 1)
    else:
        chi2 = p = math.nan
    cd = (
        stats.studentized_range.ppf(0.95, k, np.inf) / math.sqrt(2) * math.sqrt(k * (k + 1) / (6 * n))
        if n >= 2 and k >= 2
        else math.nan
    )
    got = {(r["scope"], r["dataset"], r["configuration"]): r for r in ranks}
    if len(got) != n * k + k:
        c.failures.append(f"ranks.csv: {len(got)} rows, expected {n * k + k}")
    for i, d in enumerate(datasets):
        for j, config in enumerate(configs):
            r = got.get(("dataset", d, config))
            if r is None:
                c.failures.append(f"ranks.csv: no row for {d} {config}")
                continue
            if r["metric"] != metric:
                c.failures.append(f"ranks.csv {d} {config}: metric {r['metric']} vs {metric}")
            c.same("ranks.csv", f"{d} {config} mean", r["mean"], float(means[i, j]))
            c.same("ranks.csv", f"{d} {config} rank", r["rank"], float(per[i, j]))
    for j, config in enumerate(configs):
        r = got.get(("average", "", config))
        if r is None:
            c.failures.append(f"ranks.csv: no average row for {config}")
            continue
        c.same("ranks.csv", f"average {config} rank", r["rank"], float(average[j]))
        c.same("ranks.csv", f"average {config} friedman_chi2", r["friedman_chi2"], float(chi2))
        c.same("ranks.csv", f"average {config} friedman_p", r["friedman_p"], float(p))
        c.same("ranks.csv", f"average {config} nemenyi_cd", r["nemenyi_cd"], float(cd))


def check(directory):
    d = Path(directory)
    c = Checker(str(d))
    summary = read(d / "summary.csv")
    check_comparison(c, summary, read(d / "comparison.csv"))
    check_pairwise(c, summary, read(d / "pairwise.csv"))
    check_ranks(c, summary, read(d / "ranks.csv"))
    return c


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    print(f"scipy {scipy.__version__}, numpy {np.__version__}")
    bad = False
    for directory in argv[1:]:
        c = check(directory)
        counts = ", ".join(f"{t}: {k} values" for t, k in c.compared.items())
        if c.failures:
            bad = True
            print(f"{directory}: {len(c.failures)} disagreement(s) ({counts})")
            for f in c.failures[:50]:
                print("  " + f)
        else:
            print(f"{directory}: agrees with scipy to 1e-9 ({counts})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
