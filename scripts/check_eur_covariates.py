#!/usr/bin/env python3
"""Independent check of `regpath path --bed EUR_subset --covariates` (bolt-lmm-example data).

Decodes the PLINK fileset with numpy, aligns the phenotype and the covariates (QCOV1, QCOV2,
CAT_COV as a B indicator) by FID/IID as regpath does, recomputes alpha_max (least squares on
the intercept and covariates, then max |x̃_jᵀr₀|/n) and, for every row of path.csv, the
objective and the certificate (relative gap with the residual rescaled over the SNPs, and the
covariates' relative KKT violation) from coefs.csv alone. Also writes the dense problem
(/tmp/xc/d: X.npy, y.npy, C.csv) for a `--x` run or a glmnet comparison.

Usage: check_eur_covariates.py OUT_DIR   (data expected in /work/data: EUR_subset.*)
"""
# Independent check of regpath --bed --covariates on EUR_subset: decode, align, recompute the
# weighted-gap certificate from coefs.csv/path.csv; write dense X, y, C for a --x run.
import numpy as np, sys, csv, os
pre = "/work/data/EUR_subset"
ids = [tuple(l.split()[:2]) for l in open(pre + ".fam")]
n_all = len(ids); p = sum(1 for _ in open(pre + ".bim"))
ph = {}; cov = {}
for i, l in enumerate(open("/work/data/EUR_subset.pheno.covars")):
    f = l.split()
    if i == 0: continue
    ph[(f[0], f[1])] = None if f[2] in ("NA", "-9") else float(f[2])
    c = f[3:6]
    cov[(f[0], f[1])] = None if any(v in ("NA", "-9") for v in c) else (float(c[0]), float(c[1]), 1.0 if c[2] == "B" else 0.0)
keep = [i for i, k in enumerate(ids) if ph.get(k) is not None and cov.get(k) is not None]
print("kept", len(keep))
raw = np.fromfile(pre + ".bed", dtype=np.uint8); bps = (n_all + 3) // 4
packed = raw[3:3 + bps * p].reshape(p, bps)
codes = np.stack([(packed >> (2 * k)) & 3 for k in range(4)], axis=2).reshape(p, bps * 4)[:, :n_all][:, keep]
val = np.array([2.0, np.nan, 1.0, 0.0])[codes]
mean = np.nanmean(val, axis=1); mean = np.where(np.isnan(mean), 0, mean)
val = np.where(np.isnan(val), mean[:, None], val)
X = np.asfortranarray(val.T); y = np.array([ph[ids[i]] for i in keep]); C = np.array([cov[ids[i]] for i in keep])
os.makedirs("/tmp/xc/d", exist_ok=True)
np.save("/tmp/xc/d/X.npy", X); np.save("/tmp/xc/d/y.npy", y); np.savetxt("/tmp/xc/d/C.csv", C, delimiter=",", header="QCOV1,QCOV2,CAT_COV=B", comments="")
out = sys.argv[1]
n = len(y)
m = X.mean(0); s = np.sqrt(((X - m) ** 2).mean(0)); live = s > 0
Z = np.where(live, (X - m) / np.where(live, s, 1), 0)
Cz = (C - C.mean(0)) / C.std(0)
P0 = ((y - y.mean()) ** 2).mean() / 2
rows = list(csv.DictReader(open(out + "/path.csv")))
coefs = {}
for r in csv.DictReader(open(out + "/coefs.csv")):
    coefs.setdefault(int(r["alpha_index"]), []).append((int(r["feature"]), float(r["coef"])))
# alpha_max independently
Q = np.column_stack([np.ones(n), C]); b0 = np.linalg.lstsq(Q, y, rcond=None)[0]; r0 = y - Q @ b0
amax = np.max(np.abs(Z.T @ r0)) / n
worst = 0
for r in rows:
    k = int(r["alpha_index"]); a = float(r["alpha"])
    beta = np.zeros(p); g = np.zeros(3)
    for j, c in coefs.get(k, []):
        if j < p: beta[j] = c
        else: g[j - p] = c
    res = y - float(r["intercept"]) - X @ beta - C @ g
    t = beta * s
    obj = (res ** 2).mean() / 2 + a * np.abs(t).sum()
    xr = Z.T @ res; cu = np.abs(Cz.T @ res).max() / n
    sc = min(1.0, n * a / np.abs(xr).max())
    dual = -0.5 * sc * sc * (res @ res) + sc * (res @ (y - y.mean()))
    gap = (n * obj - dual) / n / P0
    cert = max(gap, cu / amax)
    worst = max(worst, cert)
    if abs(obj - float(r["objective"])) > 1e-9 * obj: print("objective mismatch", k, obj, r["objective"])
print("alpha_max", amax, "vs", rows[0]["alpha"], "worst independent certificate", worst, "rows", len(rows))
