#!/usr/bin/env python3
"""Real PLINK filesets at default settings: time, full passes, epochs and certificates.

For each fileset PREFIX (optionally PREFIX:PHENO_FILE) and each penalty, runs
`regpath path --bed PREFIX [--pheno FILE] --penalty P --threads 1` with every other setting at
its default (100 alphas to 1e-3 * alpha_max, tol 1e-6, max 10,000 epochs) --reps times and
records the median fit time regpath reports, full passes, the largest epoch count of any alpha,
and the worst reported certificate. With --recompute, the certificate of every alpha is also
recomputed independently (numpy, from path.csv and coefs.csv) against the dense,
mean-imputed matrix decoded from the .bed, as `scripts/bed_to_npy.py` writes it.

Writes OUT/real_genotypes.csv (one row per run) and OUT/real_genotypes.md (medians).

Usage: real_genotypes.py PREFIX[:PHENO] ... [--penalties lasso enet mcp scad] [--reps 3]
       [--recompute] [--regpath target/release/regpath] [--out results/real]
"""
import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
GAMMA = {"mcp": 3.0, "scad": 3.7}


def decode(prefix, pheno):
    """Dense X (kept samples x SNPs, mean-imputed) and y, as regpath sees them."""
    fam = [line.split() for line in open(prefix + ".fam") if line.strip()]
    if pheno:
        values = {}
        for line in open(pheno):
            f = line.split()
            if len(f) >= 3:
                values[(f[0], f[1])] = f[2]
        raw_y = [values.get((f[0], f[1]), "NA") for f in fam]
    else:
        raw_y = [f[5] for f in fam]
    y = np.array([np.nan if v in ("NA", "-9") else float(v) for v in raw_y])
    keep = ~np.isnan(y)
    p = sum(1 for line in open(prefix + ".bim") if line.strip())
    n_all = len(fam)
    bps = (n_all + 3) // 4
    packed = np.fromfile(prefix + ".bed", dtype=np.uint8)[3:3 + bps * p].reshape(p, bps)
    codes = np.stack([(packed >> (2 * k)) & 3 for k in range(4)], axis=2).reshape(p, 4 * bps)[:, :n_all][:, keep]
    value = np.array([2.0, np.nan, 1.0, 0.0])[codes]
    mean = np.nan_to_num(np.nanmean(value, axis=1))
    value = np.where(np.isnan(value), mean[:, None], value)
    return np.asfortranarray(value.T), y[keep]


def pen_value(t, lam, penalty):
    a = np.abs(t)
    if penalty == "lasso":
        return lam * a
    if penalty == "enet":
        return lam * (0.5 * a + 0.25 * a * a)
    g = GAMMA[penalty]
    if penalty == "mcp":
        return np.where(a <= g * lam, lam * a - a * a / (2 * g), 0.5 * g * lam * lam)
    return np.where(a <= lam, lam * a, np.where(a <= g * lam, (2 * g * lam * a - a * a - lam * lam) / (2 * (g - 1)),
                                                0.5 * lam * lam * (g + 1)))


def recompute(X, y, out, penalty):
    """Worst recomputed certificate of a path (docs/design.md §3), standardized, with intercept."""
    n = X.shape[0]
    xbar = X.mean(axis=0)
    s = np.sqrt(((X - xbar) ** 2).mean(axis=0))
    live = s > 0
    yc = y - y.mean()
    p0 = 0.5 * yc @ yc / n
    rows = list(csv.DictReader(open(os.path.join(out, "path.csv"))))
    coefs = np.loadtxt(os.path.join(out, "coefs.csv"), delimiter=",", skiprows=1, usecols=(0, 1, 2), ndmin=2)
    amax = max(float(r["alpha"]) / float(r["alpha_over_max"]) for r in rows if float(r["alpha_over_max"]) > 0)
    worst = 0.0
    for r in rows:
        k, lam = int(r["alpha_index"]), float(r["alpha"])
        sel = coefs[coefs[:, 0] == k] if coefs.size else np.zeros((0, 3))
        beta = np.zeros(X.shape[1])
        beta[sel[:, 1].astype(int)] = sel[:, 2]
        resid = y - float(r["intercept"]) - X @ beta
        rc = resid - resid.mean()
        g = np.where(live, (X.T @ rc) / np.where(live, s, 1.0), 0.0) / n   # working-scale gradients
        t = beta * s
        if penalty in ("lasso", "enet"):
            rho = 1.0 if penalty == "lasso" else 0.5
            obj = 0.5 * resid @ resid / n + pen_value(t, lam, penalty).sum()
            l1, l2 = n * lam * rho, n * lam * (1 - rho)
            gj = n * g - l2 * t
            scale = min(1.0, l1 / np.abs(gj[live]).max())
            dual = -0.5 * scale ** 2 * (rc @ rc + l2 * t @ t) + scale * rc @ yc
            if l2 > 0:
                excess = np.maximum(np.abs(n * g[live]) - l1, 0.0)
                dual = max(dual, -0.5 * rc @ rc + rc @ yc - (excess ** 2).sum() / (2 * l2))
            cert = max(n * obj - dual, 0.0) / n / p0
        else:
            gam = GAMMA[penalty]
            a = np.abs(t)
            if penalty == "mcp":
                slope = np.maximum(lam - a / gam, 0.0)
            else:
                slope = np.where(a <= lam, lam, np.maximum(gam * lam - a, 0.0) / (gam - 1))
            viol = np.where(a > 0, np.abs(g - np.sign(t) * slope), np.maximum(np.abs(g) - lam, 0.0))
            cert = max(viol[live].max(), abs(resid.mean())) / amax
        worst = max(worst, cert)
    return worst


def run(regpath, prefix, pheno, penalty, out):
    cmd = [regpath, "path", "--bed", prefix, "--penalty", penalty, "--threads", "1", "--out", out]
    if pheno:
        cmd[4:4] = ["--pheno", pheno]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr}")
    fit = float(re.search(r"fitted in ([0-9.]+) s", proc.stderr).group(1))
    passes = float(re.search(r"([0-9.]+) full passes", proc.stderr).group(1))
    rows = list(csv.DictReader(open(os.path.join(out, "path.csv"))))
    return dict(fit_s=fit, full_passes=passes, n_alphas=len(rows),
                worst_reported=max(float(r["certificate"]) for r in rows),
                all_converged=all(r["converged"] == "true" for r in rows),
                max_epochs=max(int(r["epochs"]) for r in rows),
                max_nnz=max(int(r["nnz"]) for r in rows))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("filesets", nargs="+")
    ap.add_argument("--penalties", nargs="+", default=["lasso", "enet", "mcp", "scad"])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--recompute", action="store_true")
    ap.add_argument("--regpath", default=os.path.join(ROOT, "target", "release", "regpath"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "real"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for spec in a.filesets:
        prefix, _, pheno = spec.partition(":")
        name = os.path.basename(prefix)
        dense = decode(prefix, pheno or None) if a.recompute else None
        for penalty in a.penalties:
            for rep in range(a.reps):
                with tempfile.TemporaryDirectory() as tmp:
                    r = run(a.regpath, prefix, pheno or None, penalty, tmp)
                    if dense is not None and rep == 0:
                        r["worst_recomputed"] = recompute(dense[0], dense[1], tmp, penalty)
                r.update(fileset=name, penalty=penalty, rep=rep)
                print(f"{name:24s} {penalty:6s} rep {rep}: fit {r['fit_s']:.2f} s, {r['full_passes']} passes, "
                      f"max epochs {r['max_epochs']}, worst cert {r['worst_reported']:.2g}"
                      + (f" (recomputed {r['worst_recomputed']:.2g})" if 'worst_recomputed' in r else ""), flush=True)
                rows.append(r)
    fields = ["fileset", "penalty", "rep", "fit_s", "full_passes", "n_alphas", "max_epochs", "max_nnz",
              "worst_reported", "worst_recomputed", "all_converged"]
    with open(os.path.join(a.out, "real_genotypes.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})
    lines = ["| fileset | penalty | median fit (s) | full passes | max epochs at one alpha | max nnz | worst certificate "
             "(reported / recomputed) | every alpha certified |", "|---|---|---|---|---|---|---|---|"]
    for spec in a.filesets:
        name = os.path.basename(spec.partition(":")[0])
        for penalty in a.penalties:
            rs = [r for r in rows if r["fileset"] == name and r["penalty"] == penalty]
            rec = next((r["worst_recomputed"] for r in rs if "worst_recomputed" in r), None)
            lines.append(f"| {name} | {penalty} | {statistics.median(r['fit_s'] for r in rs):.2f} | {rs[0]['full_passes']} | "
                         f"{rs[0]['max_epochs']} | {rs[0]['max_nnz']} | {rs[0]['worst_reported']:.2e} / "
                         f"{'-' if rec is None else f'{rec:.2e}'} | {all(r['all_converged'] for r in rs)} |")
    with open(os.path.join(a.out, "real_genotypes.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
