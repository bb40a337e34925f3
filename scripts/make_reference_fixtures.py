#!/usr/bin/env python3
"""Write the reference-agreement fixtures of `crates/runner/tests/reference_agreement.rs`.

Three small problems (X.csv, y.csv), and on each the paths of independent solvers over an
explicit alpha list (docs/design.md §3 objective):

- scikit-learn `enet_path` (Lasso, l1_ratio = 1, and ElasticNet) on the centred data, which is
  regpath's objective with `--no-standardize` (intercept = mean(y) - mean(X) @ beta);
- glmnet (R, `scripts/make_glmnet_fixture.R`) standardized Lasso, which is regpath's default
  (standardized) Lasso with glmnet's lambda equal to regpath's alpha.

glmnet convention, verified here numerically: with standardize=TRUE glmnet's lambda is exactly
regpath's alpha for the objective on the original y (glmnet scales y by its 1/n standard
deviation internally and scales lambda back; for the Lasso the two are equivalent), with the
1/n column variance: the glmnet coefficients have relative duality gaps ~1e-15 under regpath's
objective. (For 0 < l1_ratio < 1 the y scaling changes the ridge part, hence Lasso only.)

For every reference path the script recomputes, from the coefficients it writes, regpath's
objective and relative duality gap (the test recomputes them again) and prints them, so a
convention mismatch shows as a large gap. The data are rounded to 6 significant digits before
anything is fitted, so the CSV files hold exactly the problem that was solved.

    python3 -m venv /tmp/venv-ref && /tmp/venv-ref/bin/pip install -r scripts/requirements-dev.txt
    /tmp/venv-ref/bin/python scripts/make_reference_fixtures.py   # needs Rscript with glmnet

Output, under crates/runner/tests/fixtures/reference/:
    manifest.json                    the cases the Rust test runs
    PROBLEM/X.csv, PROBLEM/y.csv     data (no header; one row per sample)
    PROBLEM/REF.path.csv             alpha_index, alpha, intercept, objective, rel_gap
    PROBLEM/REF.coefs.csv            alpha_index, feature, coef (nonzero only, original scale)
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import sklearn
from sklearn.linear_model import enet_path

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "runner" / "tests" / "fixtures" / "reference"
R_SCRIPT = ROOT / "scripts" / "make_glmnet_fixture.R"

SKLEARN_TOL = 1e-13
SKLEARN_MAX_ITER = 1_000_000
# glmnet's `thresh` bounds max_j xv_j * (change of beta_j)^2 relative to the null deviance, a
# squared scale: 1e-14 still leaves relative duality gaps ~1e-7 (active-set KKT off by ~5e-6),
# 1e-20 about 1e-11, 1e-30 about 1e-15 (measured on these fixtures).
GLMNET_THRESH = 1e-30
# Fixtures under OUT written by other scripts (this one leaves them alone); listed in
# manifest.json so that the directory stays self-describing.
OTHER_FIXTURES = [
    {
        "name": "weighted",
        "generator": "scripts/make_glmnet_weighted_fixture.R",
        "manifest": "weighted/manifest.json",
        "test": "tests/penalty_factor_agreement.rs",
        "description": "penalty factors (--penalty-factor) and unpenalized covariates (--covariates) against R glmnet "
        "penalty.factor",
    },
]


def round_sig(a, digits=6):
    return np.array([float(f"{v:.{digits}g}") for v in np.ravel(a)]).reshape(np.shape(a))


def toeplitz_chol(p, rho):
    idx = np.arange(p)
    cov = rho ** np.abs(idx[:, None] - idx[None, :])
    return np.linalg.cholesky(cov)


def make_problems():
    """name -> (X, y, description), already rounded to what the CSV files hold."""
    rng = np.random.default_rng(20240611)
    problems = {}

    # tall: n = 40, p = 15, AR(0.5) correlation, columns on scales 10^-1.5 .. 10^1.5, offsets.
    n, p = 40, 15
    z = rng.standard_normal((n, p)) @ toeplitz_chol(p, 0.5).T
    scales = 10.0 ** rng.uniform(-1.5, 1.5, p)
    x = z * scales + rng.uniform(-5, 5, p)
    beta_std = np.zeros(p)
    beta_std[[0, 3, 7, 11, 14]] = [2.0, -1.5, 1.0, 0.7, -0.5]
    y = 3.0 + z @ beta_std + rng.standard_normal(n)
    problems["tall"] = (x, y, "n=40, p=15, AR(0.5) columns on scales 10^-1.5..10^1.5 with offsets, 5 effects")

    # wide: n = 30, p = 80, Toeplitz 0.9 correlation, scales 10^-1 .. 10^1.
    n, p = 30, 80
    z = rng.standard_normal((n, p)) @ toeplitz_chol(p, 0.9).T
    scales = 10.0 ** rng.uniform(-1.0, 1.0, p)
    x = z * scales + rng.uniform(-2, 2, p)
    beta_std = np.zeros(p)
    beta_std[[2, 10, 25, 40, 41, 70]] = [1.5, -1.0, 1.0, 0.8, -0.8, 0.6]
    y = -1.0 + z @ beta_std + 0.5 * rng.standard_normal(n)
    problems["wide"] = (x, y, "n=30, p=80, Toeplitz(0.9) columns on scales 10^-1..10^1, 6 effects")

    # degenerate: n = 25, p = 12, column 4 duplicates column 1, column 7 is constant.
    n, p = 25, 12
    z = rng.standard_normal((n, p)) @ toeplitz_chol(p, 0.3).T
    scales = 10.0 ** rng.uniform(-1.0, 1.0, p)
    x = z * scales
    x[:, 4] = x[:, 1]
    x[:, 7] = 2.5
    y = 0.5 + 1.2 * z[:, 1] - z[:, 5] + 0.6 * z[:, 9] + 0.7 * rng.standard_normal(n)
    problems["degenerate"] = (x, y, "n=25, p=12, column 4 duplicates column 1, column 7 constant")

    out = {}
    for name, (x, y, desc) in problems.items():
        x = round_sig(x)
        y = round_sig(y)
        out[name] = (x, y, desc)
    xd = out["degenerate"][0]
    assert np.array_equal(xd[:, 4], xd[:, 1]) and np.all(xd[:, 7] == 2.5)
    return out


def fmt(v):
    return repr(float(v))


def write_data(dirpath, x, y):
    dirpath.mkdir(parents=True, exist_ok=True)
    with open(dirpath / "X.csv", "w") as f:
        for row in x:
            f.write(",".join(f"{v:.6g}" for v in row) + "\n")
    with open(dirpath / "y.csv", "w") as f:
        for v in y:
            f.write(f"{v:.6g}\n")
    # Re-read: the fits below use exactly the doubles that the CSV text denotes.
    xr = np.loadtxt(dirpath / "X.csv", delimiter=",", ndmin=2)
    yr = np.loadtxt(dirpath / "y.csv", ndmin=1)
    assert np.array_equal(xr, x) and np.array_equal(yr, y)
    return xr, yr


def scales_of(x, standardize):
    xc = x - x.mean(axis=0)
    if not standardize:
        s = np.ones(x.shape[1])
        s[np.all(xc == 0, axis=0)] = 0.0
        return s
    return np.sqrt((xc**2).mean(axis=0))


def alpha_max(x, y, standardize, l1_ratio):
    n = len(y)
    s = scales_of(x, standardize)
    live = s > 0
    xt = (x[:, live] - x[:, live].mean(axis=0)) / s[live]
    return np.max(np.abs(xt.T @ (y - y.mean()))) / (n * l1_ratio)


def grid(amax, k):
    """One alpha above alpha_max (all zeros), then k geometric points 0.9..0.01 of alpha_max,
    each rounded to 6 significant digits so that the decimal string is exact."""
    alphas = np.concatenate([[1.05 * amax], np.geomspace(0.9 * amax, 0.01 * amax, k)])
    alphas = round_sig(alphas)
    assert len(np.unique(alphas)) == len(alphas)
    return alphas


def objective_and_gap(x, y, beta, intercept, alpha, l1_ratio, standardize):
    """regpath's objective (original scale) and relative duality gap (working scale)."""
    n = len(y)
    s = scales_of(x, standardize)
    live = s > 0
    assert np.all(beta[~live] == 0)
    xt = (x[:, live] - x[:, live].mean(axis=0)) / s[live]
    t = beta[live] * s[live]
    yc = y - y.mean()
    r_full = y - intercept - x @ beta
    a1, a2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    obj = (r_full @ r_full) / (2 * n) + a1 * np.abs(t).sum() + a2 / 2 * (t @ t)
    # Gap on the centred working-scale problem (intercept profiled out), as regpath certifies it.
    r = yc - xt @ t
    p_val = (r @ r) / (2 * n) + a1 * np.abs(t).sum() + a2 / 2 * (t @ t)
    grad = xt.T @ r - n * a2 * t
    dnorm = np.max(np.abs(grad)) if grad.size else 0.0
    scale = 1.0 if dnorm <= n * a1 else n * a1 / dnorm
    d_val = scale * (yc @ r) / n - scale**2 * ((r @ r) + n * a2 * (t @ t)) / (2 * n)
    if a2 > 0:
        # Unconstrained ElasticNet dual at the residual (penalty conjugate (|u| - a1)_+^2 / (2 a2)).
        conj = np.sum(np.maximum(np.abs(xt.T @ r) / n - a1, 0.0) ** 2) / (2 * a2)
        d_val = max(d_val, (yc @ r) / n - (r @ r) / (2 * n) - conj)
    p0 = (yc @ yc) / (2 * n)
    return obj, (p_val - d_val) / p0


def sklearn_reference(x, y, alphas, l1_ratio):
    xc = x - x.mean(axis=0)
    yc = y - y.mean()
    a_desc = np.sort(alphas)[::-1]
    _, coefs, _ = enet_path(
        np.asfortranarray(xc),
        yc,
        l1_ratio=l1_ratio,
        alphas=a_desc,
        tol=SKLEARN_TOL,
        max_iter=SKLEARN_MAX_ITER,
        precompute=False,
    )
    betas = coefs.T  # (k, p)
    intercepts = y.mean() - betas @ x.mean(axis=0)
    return a_desc, betas, intercepts


def glmnet_reference(dirpath, alphas):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "lambda.txt").write_text("".join(f"{fmt(a)}\n" for a in np.sort(alphas)[::-1]))
        out = tmp / "glmnet.csv"
        subprocess.run(
            ["Rscript", str(R_SCRIPT), str(dirpath / "X.csv"), str(dirpath / "y.csv"), str(tmp / "lambda.txt"),
             str(out), repr(GLMNET_THRESH)],
            check=True,
        )
        m = np.loadtxt(out, delimiter=",", skiprows=1, ndmin=2)
        version = (tmp / "glmnet.csv.version").read_text().strip()
    lam, a0, betas = m[:, 0], m[:, 1], m[:, 2:]
    a_desc = np.sort(alphas)[::-1]
    # glmnet works with lambda / sd(y) internally and reports it multiplied back.
    assert len(lam) == len(alphas) and np.max(np.abs(lam / a_desc - 1)) < 1e-14
    return a_desc, betas, a0, version


def write_reference(dirpath, name, x, y, alphas, betas, intercepts, l1_ratio, standardize):
    gaps = []
    with open(dirpath / f"{name}.path.csv", "w") as fp, open(dirpath / f"{name}.coefs.csv", "w") as fc:
        fp.write("alpha_index,alpha,intercept,objective,rel_gap\n")
        fc.write("alpha_index,feature,coef\n")
        for i, (a, b, c) in enumerate(zip(alphas, betas, intercepts)):
            obj, gap = objective_and_gap(x, y, b, c, a, l1_ratio, standardize)
            gaps.append(gap)
            # A larger gap means an unconverged peer or a convention mismatch: do not write it.
            assert gap < 1e-11, f"{name}: relative duality gap {gap:.2e} at alpha {a}"
            fp.write(f"{i},{fmt(a)},{fmt(c)},{fmt(obj)},{fmt(gap)}\n")
            for j in np.flatnonzero(b):
                fc.write(f"{i},{j},{fmt(b[j])}\n")
    return max(gaps)


def main():
    if shutil.which("Rscript") is None:
        sys.exit("Rscript (with the glmnet package) is needed for the glmnet reference")
    OUT.mkdir(parents=True, exist_ok=True)
    manifest = {
        "generator": "scripts/make_reference_fixtures.py",
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "problems": [],
    }
    for name, (x, y, desc) in make_problems().items():
        d = OUT / name
        x, y = write_data(d, x, y)
        # Coefficients are compared directly only where they are well determined. With the
        # duplicated column the Lasso coefficients are not unique, and the ElasticNet ones are
        # unique but the objective is only alpha*(1 - l1_ratio)-strongly convex along
        # beta_1 - beta_4, so a certified solution may split them unevenly (the test then checks
        # the strong-convexity bound implied by the duality gaps instead).
        compare = name != "degenerate"
        refs = []
        k = 8 if name == "wide" else 10

        for penalty, rho in [("lasso", 1.0), ("enet", 0.5 if name != "wide" else 0.7)]:
            alphas = grid(alpha_max(x, y, False, rho), k)
            a_desc, betas, b0 = sklearn_reference(x, y, alphas, rho)
            ref = f"sklearn_{penalty}"
            gap = write_reference(d, ref, x, y, a_desc, betas, b0, rho, False)
            print(f"{name:10s} {ref:16s} max rel gap {gap:.2e}  nnz {[int((b != 0).sum()) for b in betas]}")
            refs.append({
                "name": ref,
                "tool": f"scikit-learn {sklearn.__version__} enet_path(tol={SKLEARN_TOL}) on centred data",
                "penalty": penalty,
                "l1_ratio": rho,
                "standardize": False,
                "compare_coefficients": compare,
            })

        alphas = grid(alpha_max(x, y, True, 1.0), k)
        lam, betas, b0, gver = glmnet_reference(d, alphas)
        assert np.array_equal(lam, np.sort(alphas)[::-1])
        gap = write_reference(d, "glmnet_lasso", x, y, lam, betas, b0, 1.0, True)
        print(f"{name:10s} {'glmnet_lasso':16s} max rel gap {gap:.2e}  nnz {[int((b != 0).sum()) for b in betas]}")
        manifest["versions"]["glmnet"] = gver
        refs.append({
            "name": "glmnet_lasso",
            "tool": f"R glmnet {gver} (standardize=TRUE, thresh={GLMNET_THRESH}), lambda = alpha",
            "penalty": "lasso",
            "l1_ratio": 1.0,
            "standardize": True,
            "compare_coefficients": compare,
        })
        manifest["problems"].append({"name": name, "n": x.shape[0], "p": x.shape[1], "description": desc,
                                     "references": refs})

    manifest["other_fixtures"] = OTHER_FIXTURES
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT.relative_to(ROOT)} ({total / 1024:.1f} KiB)")


if __name__ == "__main__":
    main()
