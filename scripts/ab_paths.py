#!/usr/bin/env python3
"""A/B timing of two regpath binaries on the genomic-scale problems, interleaved.

Runs `regpath path` with each binary on the problems of scripts/genomic_scale.py (generated
there, under --data), alternating the order of the two binaries from one repeat to the next so
that both see the same machine load, and prints the median "fitted in" time of each and their
ratio as a Markdown table. With --covariates FILE it also times the equicorrelated Lasso with
and without those unpenalized covariates, using the second binary.

Usage: ab_paths.py BEFORE AFTER [--reps 3] [--data /work/data/genomic] [--only NAME,NAME]
                   [--covariates cov.npy]
"""
import argparse
import re
import statistics
import subprocess


def fit_seconds(binary, args, out):
    o = subprocess.run([binary, "path", *args, "--no-coefs", "--out", out], capture_output=True, text=True)
    m = re.search(r"fitted in ([0-9.]+) s", o.stderr)
    if not m:
        raise SystemExit(f"{binary} failed: {o.stderr[-500:]}")
    certified = "every alpha certified" in o.stderr
    return float(m.group(1)), certified


def interleaved(runs, reps):
    """runs: {tag: (binary, args)}; returns {tag: [seconds]}."""
    tags = list(runs)
    res = {t: [] for t in tags}
    for r in range(reps):
        for tag in tags if r % 2 == 0 else tags[::-1]:
            binary, args = runs[tag]
            seconds, certified = fit_seconds(binary, args, f"/tmp/ab_paths_{tag}")
            if not certified:
                raise SystemExit(f"{tag}: not every alpha certified")
            res[tag].append(seconds)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--data", default="/work/data/genomic")
    ap.add_argument("--only", default=None)
    ap.add_argument("--covariates", default=None)
    a = ap.parse_args()
    g = a.data
    eq = ["--x", f"{g}/equicorrelated_n1000_p100000_npy/X.npy", "--y", f"{g}/equicorrelated_n1000_p100000_npy/y.npy"]
    ge = ["--x", f"{g}/genotype_n1000_p100000_npy/X.npy", "--y", f"{g}/genotype_n1000_p100000_npy/y.npy"]
    bed = ["--bed", f"{g}/genotype_n1000_p1000000_bed/geno", "--pheno", f"{g}/genotype_n1000_p1000000_bed/pheno.txt",
           "--eps", "0.1"]
    configs = [("eq lasso 1t", eq + ["--penalty", "lasso", "--threads", "1"]),
               ("eq enet 1t", eq + ["--penalty", "enet", "--threads", "1"]),
               ("eq mcp 1t", eq + ["--penalty", "mcp", "--threads", "1"]),
               ("eq scad 1t", eq + ["--penalty", "scad", "--threads", "1"]),
               ("geno npy lasso 1t", ge + ["--penalty", "lasso", "--threads", "1"]),
               ("bed 1M lasso 2t", bed + ["--penalty", "lasso", "--threads", "2"])]
    if a.only:
        configs = [c for c in configs if c[0] in a.only.split(",")]
    print(f"| configuration | before (s) | after (s) | after / before |   ({a.reps} repeats, medians)")
    print("|---|---|---|---|")
    for name, args in configs:
        res = interleaved({"before": (a.before, args), "after": (a.after, args)}, a.reps)
        b, c = statistics.median(res["before"]), statistics.median(res["after"])
        print(f"| {name} | {b:.2f} | {c:.2f} | {c / b:.3f} |", flush=True)
    if a.covariates:
        args = eq + ["--penalty", "lasso", "--threads", "1"]
        res = interleaved({"without": (a.after, args), "with": (a.after, args + ["--covariates", a.covariates])},
                          a.reps)
        w, c = statistics.median(res["without"]), statistics.median(res["with"])
        print(f"\nequicorrelated 1000 x 100000 Lasso, 1 thread: without covariates {w:.2f} s, "
              f"with {a.covariates} {c:.2f} s, ratio {c / w:.3f}")


if __name__ == "__main__":
    main()
