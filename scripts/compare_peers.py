#!/usr/bin/env python3
"""Compare regpath with peer solvers on one problem, at equal certified accuracy.

`--datafit logistic --problem DIR` compares logistic (case/control) paths instead, with
glmnet binomial, adelie, biglasso, skglm and ncvreg: see scripts/peers_logistic.py.

For one problem (a folder with X.npy, y.npy and optionally meta.json, or a family generated
with `regpath gen`) and each penalty, this script fits the same 100-alpha path (docs/design.md §3
objective and grid) with regpath and with every available peer, recomputes every tool's
certificate from the coefficients it returned, and writes results/peers/<problem>.csv.

Fairness rules
--------------
* Same data for every tool: the problem's columns are centered and scaled to unit 1/n root
  mean square once, before any tool runs (dead columns are left at zero). On such data
  standardizing and not standardizing are the same, so scikit-learn, celer and skglm (which
  never standardize), glmnet (standardize=FALSE), ncvreg and biglasso (which always
  standardize) and regpath (--no-standardize) all solve the same problem. `--raw` skips this
  step (regpath then gets --no-standardize and ncvreg/biglasso are skipped).
* Same grid: alpha_max = max_j |x_j'(y - ybar)| / (n rho) (rho = l1_ratio for the elastic net,
  1 for lasso/mcp/scad, 1e-3 for ridge), `--n-alphas` values geometric down to
  eps * alpha_max, passed explicitly to every tool (regpath via --alphas).
* Same objective: 1/(2n)||y - b - X beta||^2 + sum_j pen(beta_j), scikit-learn's elastic-net
  scaling. glmnet scales y by its standard deviation s_y internally, which changes its ridge
  part; it is called with alpha_g = rho / (rho + s_y (1 - rho)) and
  lambda_g = alpha (rho + s_y (1 - rho)), which is exactly the same objective.
* Same accuracy, judged here: the relative duality gap (P - D) / P(0) for lasso, enet and ridge
  (dual point: the centered residual, both rescaled into the lasso-feasible set and as is for
  the elastic-net dual, the larger dual value kept), and for mcp/scad the largest KKT
  violation max_j dist(-grad_j, subdiff pen(beta_j)) / alpha_max together with
  |mean residual| / alpha_max. The intercept a tool returns is used as is (tools fitted on
  pre-centered data get b = ybar - xbar'beta). A path is accepted when its worst certificate
  is <= --target (default 1e-6, regpath's default tolerance) at every alpha.
* Tolerance search: each peer's own tolerance setting is tightened in half-decade steps from
  its default until the recomputed worst certificate reaches the target (one fit per step,
  stopped at the first failure to finish within --time-cap). The loosest setting that reaches
  it is then timed ("equal_accuracy" rows); the peer's default setting is timed too
  ("default" rows); search steps are kept as "search" rows (one untimed-warm-up fit each).
* Timing: every tool runs in its own child process with one thread (OMP/BLAS/numba env vars,
  regpath --threads 1). In a timed job the path is fitted once as a warm-up (excluded: page
  cache, JIT compilation, lazy imports), then up to --nrep times (fewer when --budget seconds
  would be exceeded); the median is reported, data loading excluded. regpath's time is the fit
  time it reports (milliseconds). Peak memory is the child's peak resident set size
  (os.wait4 rusage), which includes the interpreter and the loaded data.

Usage
-----
  python scripts/compare_peers.py --gen equicorrelated --n 100 --p 1000
  python scripts/compare_peers.py --gen genotype --n 500 --p 10000 --eps 1e-2
  python scripts/compare_peers.py --problem DIR [--penalties lasso enet] [--tools sklearn glmnet]
  python scripts/compare_peers.py --gen toeplitz --penalties enet mcp --l1-ratio 0.2 --gamma 2.5
  python scripts/compare_peers.py --suite --out results/peers   # refresh the committed results
  python scripts/compare_peers.py --summarize results/peers/*.csv   # rewrite the .md tables

Results (<problem>.csv and <problem>.md) go to a scratch folder, $TMPDIR/regpath-peers/results,
unless --out names another: the committed results/peers/ is only written when asked for
explicitly (`--out results/peers`).

`--l1-ratio R` (default 0.5) is the elastic net's mixing rho; `--gamma G` is the MCP and SCAD
concavity gamma (default 3 for mcp, 3.7 for scad; G > 1 for mcp, G > 2 for scad). Every tool
gets the same values; they are written to the CSV's l1_ratio and gamma columns.

`--peer-opt TOOL:KEY=VALUE` (repeatable) passes an option of one tool's own through to its call:
an argument of glmnet(), ncvreg() or biglasso() (VALUE an R expression), a keyword argument of
scikit-learn's enet_path, celer_path, skglm's AndersonCD or adelie's grpnet (VALUE a Python
literal, else a string), or a `regpath path` flag (`regpath:max-epochs=1000` is
`--max-epochs 1000`; `regpath:KEY` alone a flag without value). For example

  python scripts/compare_peers.py --gen toeplitz --penalties enet --tools regpath glmnet \
      --peer-opt glmnet:thresh=1e-10 --peer-opt glmnet:type.gaussian='"naive"'

An option overrides the script's own setting of that argument in every fit of the tool (so
`glmnet:thresh=…` fixes glmnet's tolerance: its "default" row uses it and the tolerance search
repeats the same fit). The options of each tool are written to the notes of its rows
(`opts: thresh=1e-10`).

Runtime
-------
Each tool x penalty runs its default setting (a warm-up fit plus up to --nrep timed fits, at most
--budget s), a tolerance search (at most --search-budget s) and the equal-accuracy setting
(warm-up plus timed fits); every fit is capped at --time-cap s and each job pays its process
start-up (1-2 s for R). Measured from the committed CSVs (all eight tools, five penalties, one
thread): the fits of `--gen equicorrelated --n 100 --p 1000` add up to 314 s (156 jobs: about
8 min in all), `--n 500 --p 10000` to 754 s (130 jobs: about 16 min), the genotype problem
to 315 s (116 jobs: about 8 min); `--suite` takes 30-40 min. The script prints an upper bound
when it starts and one progress line per tool and penalty (then one per job) while it runs.

The Python peers come from the interpreter running this script (see
scripts/requirements-peers.txt); adelie (numpy < 2) from ~/.regpath-peers/venv-adelie or
$ADELIE_PYTHON; glmnet, ncvreg and biglasso from `Rscript`. A tool that cannot be imported is
skipped with a note in the CSV.
"""

import argparse
import ast
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

PENALTIES = ("lasso", "ridge", "enet", "mcp", "scad")
L1_RATIO = {"lasso": 1.0, "ridge": 0.0, "enet": 0.5, "mcp": 1.0, "scad": 1.0}
GRID_RHO = {"lasso": 1.0, "ridge": 1e-3, "enet": 0.5, "mcp": 1.0, "scad": 1.0}
GAMMA = {"mcp": 3.0, "scad": 3.7}
TOOLS = ("regpath", "sklearn", "celer", "skglm", "glmnet", "adelie", "ncvreg", "biglasso")
SUPPORTS = {
    "regpath": set(PENALTIES),
    "sklearn": {"lasso", "enet"},
    "celer": {"lasso", "enet"},
    "skglm": {"lasso", "enet", "mcp", "scad"},
    "glmnet": {"lasso", "enet", "ridge"},
    "adelie": {"lasso", "enet", "ridge"},
    "ncvreg": {"lasso", "enet", "mcp", "scad"},
    "biglasso": {"lasso", "enet"},
}
PY_TOOLS = ("sklearn", "celer", "skglm", "adelie")
R_TOOLS = ("glmnet", "ncvreg", "biglasso")
# Tools that always standardize X: exact only on standardized problems.
ALWAYS_STANDARDIZE = ("ncvreg", "biglasso")
HALF_DECADE = math.sqrt(10.0)
CSV_FIELDS = [
    "problem", "n", "p", "tool", "version", "penalty", "l1_ratio", "gamma", "tol_mode", "tol_setting",
    "status", "n_timed", "path_time_s", "path_time_min_s", "times_s", "warmup_s", "worst_certificate",
    "certificate_kind", "reached_target", "target", "n_alphas_returned", "peak_rss_mb", "threads",
    "eps", "n_alphas", "notes",
]


def set_hyperparameters(l1_ratio, gamma, penalties, error):
    """Sets the elastic net's rho (and its grid's rho) and the MCP/SCAD gamma used by every tool;
    `gamma=None` keeps the defaults (3 for mcp, 3.7 for scad). Calls `error(message)` on invalid
    values."""
    if not 0.0 < l1_ratio < 1.0:
        error(f"--l1-ratio must be in (0, 1), got {l1_ratio}")
    L1_RATIO["enet"] = GRID_RHO["enet"] = l1_ratio
    if gamma is None:
        return
    for penalty, bound in (("mcp", 1.0), ("scad", 2.0)):
        if penalty in penalties and not gamma > bound:
            error(f"--gamma must be > {bound:g} for {penalty}, got {gamma}")
        GAMMA[penalty] = gamma


def parse_peer_opts(items, error):
    """`--peer-opt TOOL:KEY=VALUE` items as {tool: [(key, value or None)]}, in order."""
    out = {}
    for item in items:
        tool, sep, kv = item.partition(":")
        key, eq, value = kv.partition("=")
        if not sep or tool not in TOOLS or not key.strip():
            error(f"--peer-opt {item!r}: expected TOOL:KEY=VALUE or TOOL:KEY with TOOL one of {', '.join(TOOLS)}")
        out.setdefault(tool, []).append((key.strip(), value if eq else None))
    return out


def peer_opts_note(opts):
    """`opts: thresh=1e-10 maxit=1e6`, the notes of a tool's rows."""
    return "opts: " + " ".join(k if v is None else f"{k}={v}" for k, v in opts)


def fmt_num(v, spec):
    """`v` formatted with `spec` when it is a number, else as is ("" stays "")."""
    return format(v, spec) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)


# --------------------------------------------------------------------------- the problem
def regpath_binary(path):
    if path:
        return path
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cand = os.path.join(root, "target", "release", "regpath")
    return cand if os.path.exists(cand) else (shutil.which("regpath") or cand)


def generate_problem(args, workdir):
    """Runs `regpath gen` into workdir/raw/<name> (reused when it exists)."""
    name = f"{args.gen}_n{args.n}_p{args.p}_seed{args.seed}"
    extra = []
    for flag in ("rho", "k", "snr", "h2"):
        v = getattr(args, flag)
        if v is not None:
            extra += [f"--{flag}", str(v)]
            name += f"_{flag}{v}"
    out = os.path.join(workdir, "raw", name)
    if not os.path.exists(os.path.join(out, "meta.json")):
        cmd = [args.regpath, "gen", "--family", args.gen, "--n", str(args.n), "--p", str(args.p),
               "--seed", str(args.seed), "--out", out] + extra
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out, name


def prepare_problem(src, name, workdir, raw):
    """Loads the problem, standardizes its columns (unless raw) and writes the copy every tool
    reads: X.npy (Fortran f64), y.npy, X.f64 / y.f64 (raw little-endian, for R)."""
    X = np.load(os.path.join(src, "X.npy"))
    y = np.load(os.path.join(src, "y.npy")).astype(np.float64).ravel()
    X = np.asfortranarray(X, dtype=np.float64)
    if not raw:
        mean = X.mean(axis=0)
        X -= mean
        scale = np.sqrt((X * X).mean(axis=0))
        live = scale > 0
        X[:, live] /= scale[live]
        X[:, ~live] = 0.0
        name = name + "_std"
    dst = os.path.join(workdir, name)
    os.makedirs(dst, exist_ok=True)
    np.save(os.path.join(dst, "X.npy"), X)
    np.save(os.path.join(dst, "y.npy"), y)
    X.ravel(order="F").astype("<f8").tofile(os.path.join(dst, "X.f64"))
    y.astype("<f8").tofile(os.path.join(dst, "y.f64"))
    with open(os.path.join(dst, "meta.json"), "w") as f:
        json.dump({"name": name, "source": os.path.abspath(src), "standardized_columns": not raw,
                   "n": int(X.shape[0]), "p": int(X.shape[1])}, f, indent=1)
    return dst, X, y


def alpha_grid(X, y, penalty, n_alphas, eps):
    n = X.shape[0]
    yc = y - y.mean()
    corr = X.T @ yc - X.mean(axis=0) * yc.sum()
    amax = np.max(np.abs(corr)) / (n * GRID_RHO[penalty])
    return amax * np.geomspace(1.0, eps, n_alphas), amax


# --------------------------------------------------------------------------- certificates
def pen_value(A, alphas, penalty):
    """Sum over features of pen(|beta|) for every alpha (A = |W|, p x K)."""
    lam = alphas[None, :]
    if penalty in ("lasso", "enet", "ridge"):
        r = L1_RATIO[penalty]
        return (lam * (r * A + 0.5 * (1 - r) * A * A)).sum(0)
    g = GAMMA[penalty]
    if penalty == "mcp":
        v = np.where(A <= g * lam, lam * A - A * A / (2 * g), 0.5 * g * lam * lam)
    else:
        v = np.where(A <= lam, lam * A,
                     np.where(A <= g * lam, (2 * g * lam * A - A * A - lam * lam) / (2 * (g - 1)),
                              0.5 * lam * lam * (g + 1)))
    return v.sum(0)


def pen_slope(A, lam, penalty):
    """pen'(|t|) for t != 0."""
    g = GAMMA[penalty]
    if penalty == "mcp":
        return np.maximum(lam - A / g, 0.0)
    return np.where(A <= lam, lam, np.maximum(g * lam - A, 0.0) / (g - 1))


def certificates(X, y, W, b, alphas, penalty, amax1):
    """Per-alpha certificate (docs/design.md §3) from coefficients W (p x K, NaN columns = not returned)
    and intercepts b (K; NaN = take the optimal one for W). Returns (cert array, kind)."""
    n = X.shape[0]
    ok = ~np.isnan(W).any(axis=0)
    Wz = np.where(np.isnan(W), 0.0, W)
    xbar = X.mean(axis=0)
    ybar = y.mean()
    fitted = X @ Wz
    b_opt = ybar - xbar @ Wz
    b = np.where(np.isnan(b), b_opt, b)
    R = y[:, None] - b[None, :] - fitted                    # residuals with the returned intercept
    Rc = R - R.mean(axis=0)[None, :]                        # centered: 1'theta = 0
    G = (X.T @ Rc) / n                                      # x_j'r/n (columns of Rc sum to 0)
    yc = y - ybar
    p0 = 0.5 * (yc @ yc) / n
    if penalty in ("lasso", "enet", "ridge"):
        r = L1_RATIO[penalty]
        lam1, lam2 = alphas * r, alphas * (1 - r)
        obj = 0.5 * (R * R).sum(0) / n + pen_value(np.abs(Wz), alphas, penalty)

        def dual(U, GU):
            d = U.T @ yc - 0.5 * n * (U * U).sum(0)
            if r < 1.0:
                excess = np.maximum(np.abs(GU) - lam1, 0.0)
                d = d - (excess ** 2).sum(0) / (2 * lam2)
            return d

        U = Rc / n
        best = dual(U, G) if r < 1.0 else np.full(len(alphas), -np.inf)
        if r > 0.0:
            scale = np.maximum(1.0, np.max(np.abs(G), axis=0) / lam1)
            best = np.maximum(best, dual(U / scale, G / scale))
        cert = (obj - best) / p0 if p0 > 0 else obj - best
        kind = "gap"
    else:
        A = np.abs(Wz)
        lam = alphas[None, :]
        viol_nz = np.abs(G - np.sign(Wz) * pen_slope(A, lam, penalty))
        viol_z = np.maximum(np.abs(G) - lam, 0.0)
        cert = np.where(A > 0, viol_nz, viol_z).max(0)
        cert = np.maximum(cert, np.abs(R.mean(axis=0))) / amax1
        kind = "kkt"
    return np.where(ok, cert, np.nan), kind


# --------------------------------------------------------------------------- tolerances
def tol_ladder(tool, penalty, amax1):
    """(default setting, settings tried in the search, loosest first). Each peer's native knob:
    sklearn/celer: duality gap <= tol * ||y||^2 / n; skglm: absolute max KKT violation;
    glmnet: max weighted squared coefficient change (y scaled to sd 1); adelie: its CD tol;
    ncvreg/biglasso: max coefficient change (relative)."""
    default, tightest = {
        "sklearn": (1e-4, 1e-15), "celer": (1e-6, 1e-15),
        "skglm": (1e-4, 1e-12 * amax1), "glmnet": (1e-7, 1e-16), "adelie": (1e-7, 1e-16),
        "ncvreg": (1e-4, 1e-12), "biglasso": (1e-7, 1e-16),
    }[tool]
    steps, t = [], default
    while t >= tightest * 0.999:
        steps.append(float(f"{t:.3g}"))
        t /= HALF_DECADE
    return default, steps


# --------------------------------------------------------------------------- python worker
def py_value(text):
    """A --peer-opt value for a Python tool: a Python literal, else the string itself."""
    if text is None:
        return True
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def py_fit(tool, penalty, X, yc, y, alphas, tol, default_mode, opts=()):
    """Fits one path; returns (W p x K, b K). X, yc: the (centered) data. `opts`: the tool's
    --peer-opt (key, value) pairs, which override the keyword arguments set here."""
    extra = {k: py_value(v) for k, v in opts}
    r = L1_RATIO[penalty]
    p, k = X.shape[1], len(alphas)
    nan_b = np.full(k, np.nan)
    if tool == "sklearn":
        from sklearn.linear_model import enet_path
        kw = dict({} if default_mode else {"max_iter": 1_000_000}, l1_ratio=r, alphas=alphas, tol=tol)
        _, coefs, _ = enet_path(X, yc, **{**kw, **extra})
        return coefs, nan_b
    if tool == "celer":
        from celer import celer_path
        kw = dict({} if default_mode else {"max_iter": 1000, "max_epochs": 1_000_000}, alphas=alphas,
                  l1_ratio=r, tol=tol)
        _, coefs, _ = celer_path(X, yc, "lasso", **{**kw, **extra})
        return coefs, nan_b
    if tool == "skglm":
        from skglm.datafits import Quadratic
        from skglm.penalties import L1, SCAD, L1_plus_L2, MCPenalty
        from skglm.solvers import AndersonCD
        pen = {"lasso": lambda: L1(alphas[0]), "enet": lambda: L1_plus_L2(alphas[0], r),
               "mcp": lambda: MCPenalty(alphas[0], GAMMA["mcp"]),
               "scad": lambda: SCAD(alphas[0], GAMMA["scad"])}[penalty]()
        kw = dict({} if default_mode else {"max_iter": 1000, "max_epochs": 1_000_000}, tol=tol,
                  fit_intercept=False)
        solver = AndersonCD(**{**kw, **extra})
        _, coefs, _ = solver.path(X, yc, Quadratic(), pen, alphas=alphas)
        return coefs, nan_b
    if tool == "adelie":
        import adelie as ad
        kw = dict(alpha=r, lmda_path=alphas, tol=tol, early_exit=False, intercept=True, progress_bar=False,
                  n_threads=1, **({} if default_mode else {"max_iters": 10**8}))
        st = ad.solver.grpnet(X, ad.glm.gaussian(y), **{**kw, **extra})
        W = np.full((p, k), np.nan)
        b = np.full(k, np.nan)
        m = len(st.lmdas)
        W[:, :m] = st.betas.toarray().T
        b[:m] = st.intercepts
        return W, b
    raise ValueError(tool)


def py_version(tool):
    mod = {"sklearn": "sklearn", "celer": "celer", "skglm": "skglm", "adelie": "adelie"}[tool]
    return __import__(mod).__version__


def worker(spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    prefix, tool, penalty = spec["prefix"], spec["tool"], spec["penalty"]
    set_hyperparameters(spec["l1_ratio"], spec["gamma"], [penalty], sys.exit)
    prog = open(prefix + ".progress", "a", buffering=1)
    X = np.load(os.path.join(spec["data"], "X.npy"))
    y = np.load(os.path.join(spec["data"], "y.npy"))
    alphas = np.fromfile(prefix + ".alphas.f64")
    X = np.asfortranarray(X - X.mean(axis=0)) if spec["center"] else X   # outside the timing
    yc = y - y.mean()
    # JIT/import warm-up on a slice, so that even a search fit (no full warm-up) pays no
    # compilation or import cost.
    Xs = np.asfortranarray(X[:, : min(X.shape[1], 200)])
    amax_s = np.max(np.abs(Xs.T @ yc)) / (len(y) * GRID_RHO[penalty])
    py_fit(tool, penalty, Xs, yc, y, amax_s * np.array([1.0, 0.5, 0.25]), spec["tol"], spec["default_mode"],
           spec["opts"])
    prog.write("ready\n")
    times = []
    while len(times) < spec["runs"]:
        t0 = time.perf_counter()
        W, b = py_fit(tool, penalty, X, yc, y, alphas, spec["tol"], spec["default_mode"], spec["opts"])
        times.append(time.perf_counter() - t0)
        prog.write(f"{times[-1]}\n")
        if spec["warmup"] and len(times) == 1:
            # Budget for the timed runs, from the warm-up's length.
            spec["runs"] = 1 + max(1, min(spec["nrep"], int(spec["budget"] // max(times[0], 1e-9))))
    np.save(prefix + ".coef.npy", np.asarray(W, dtype=np.float64))
    np.save(prefix + ".b0.npy", np.asarray(b, dtype=np.float64))
    with open(prefix + ".out.json", "w") as f:
        json.dump({"times": times, "version": py_version(tool)}, f)


# --------------------------------------------------------------------------- R worker
R_WORKER = r"""
args <- commandArgs(trailingOnly = TRUE)
data <- args[1]; prefix <- args[2]; tool <- args[3]; penalty <- args[4]
l1 <- as.numeric(args[5]); gam <- as.numeric(args[6]); tol <- as.numeric(args[7])
runs <- as.integer(args[8]); warm <- args[9] == "1"; nrep <- as.integer(args[10])
budget <- as.numeric(args[11]); default_mode <- args[12] == "1"
n <- as.integer(args[13]); p <- as.integer(args[14])
# --peer-opt KEY=VALUE (VALUE an R expression): override the arguments set below
opts <- if (length(args) > 14) args[15:length(args)] else character(0)
extra <- setNames(lapply(opts, function(o) eval(parse(text = sub("^[^=]*=", "", o)))), sub("=.*$", "", opts))
call_with <- function(f, a) do.call(f, modifyList(a, extra))
rd <- function(f, k) { con <- file(f, "rb"); on.exit(close(con)); readBin(con, "double", k, size = 8, endian = "little") }
X <- matrix(rd(file.path(data, "X.f64"), n * p), n, p)
y <- rd(file.path(data, "y.f64"), n)
alphas <- rd(paste0(prefix, ".alphas.f64"), 100000)
K <- length(alphas)
prog <- paste0(prefix, ".progress")
if (tool == "glmnet") {
  suppressPackageStartupMessages(library(glmnet))
  sy <- sqrt(mean((y - mean(y))^2))
  cfac <- l1 + sy * (1 - l1)
  ag <- l1 / cfac; lam <- alphas * cfac
  glmnet.control(fdev = 0, devmax = 1)   # never stop the path early: every alpha is returned
  fit <- function() call_with(glmnet, list(x = X, y = y, family = "gaussian", alpha = ag, lambda = lam,
                                           standardize = FALSE, intercept = TRUE, thresh = tol,
                                           maxit = if (default_mode) 1e5 else 1e8))
  grab <- function(f) list(beta = as.matrix(f$beta), a0 = as.numeric(f$a0), lam = f$lambda / cfac)
  version <- as.character(packageVersion("glmnet"))
} else if (tool == "ncvreg") {
  suppressPackageStartupMessages(library(ncvreg))
  pen <- switch(penalty, lasso = "lasso", enet = "lasso", mcp = "MCP", scad = "SCAD")
  fit <- function() call_with(ncvreg, list(X = X, y = y, family = "gaussian", penalty = pen, gamma = gam,
                                           alpha = l1, lambda = alphas, eps = tol,
                                           max.iter = if (default_mode) 10000 else 1e9, warn = FALSE))
  grab <- function(f) { cf <- coef(f); list(beta = cf[-1, , drop = FALSE], a0 = cf[1, ], lam = f$lambda) }
  version <- as.character(packageVersion("ncvreg"))
} else if (tool == "biglasso") {
  suppressPackageStartupMessages(library(biglasso))
  Xb <- as.big.matrix(X)
  fit <- function() call_with(biglasso, list(X = Xb, y = y, family = "gaussian",
                                             penalty = if (penalty == "enet") "enet" else "lasso",
                                             alpha = l1, lambda = alphas, eps = tol,
                                             max.iter = if (default_mode) 1000 else 1e9, ncores = 1,
                                             warn = FALSE))
  grab <- function(f) { cf <- as.matrix(coef(f)); list(beta = cf[-1, , drop = FALSE], a0 = cf[1, ], lam = f$lambda) }
  version <- as.character(packageVersion("biglasso"))
} else stop("unknown tool ", tool)
cat("ready\n", file = prog, append = TRUE)
times <- numeric(0)
while (length(times) < runs) {
  t0 <- proc.time()[["elapsed"]]
  f <- fit()
  times <- c(times, proc.time()[["elapsed"]] - t0)
  cat(times[length(times)], "\n", file = prog, append = TRUE)
  if (warm && length(times) == 1) runs <- 1 + max(1, min(nrep, floor(budget / max(times[1], 1e-9))))
}
g <- grab(f)
B <- matrix(NaN, p, K); a0 <- rep(NaN, K)
idx <- match(signif(g$lam, 10), signif(alphas, 10))
keep <- !is.na(idx)
B[, idx[keep]] <- as.matrix(g$beta)[, keep, drop = FALSE]; a0[idx[keep]] <- g$a0[keep]
con <- file(paste0(prefix, ".coef.f64"), "wb"); writeBin(as.double(B), con, size = 8, endian = "little"); close(con)
con <- file(paste0(prefix, ".b0.f64"), "wb"); writeBin(as.double(a0), con, size = 8, endian = "little"); close(con)
writeLines(c(version, format(times, digits = 10)), paste0(prefix, ".out.txt"))
"""


# --------------------------------------------------------------------------- supervision
def child_env():
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "RAYON_NUM_THREADS"):
        env[k] = "1"
    return env


def supervise(cmd, progress, cap, startup, log):
    """Runs cmd; kills it when one fit takes longer than `cap` seconds (the first event may
    take `startup` more). Returns (status, peak RSS in MB)."""
    open(progress, "a").close()
    with open(log, "w") as lf:
        proc = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, env=child_env())
    t_last, n_last, status = time.time(), 0, None
    while True:
        pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(st)
            status = "ok" if proc.returncode == 0 else f"error(rc={proc.returncode})"
            return status, ru.ru_maxrss / 1024.0
        with open(progress) as f:
            k = sum(1 for _ in f)
        if k != n_last:
            n_last, t_last = k, time.time()
        limit = cap + (startup if n_last == 0 else 0.0)
        if time.time() - t_last > limit:
            proc.kill()
            _, st, ru = os.wait4(proc.pid, 0)
            return "timeout", ru.ru_maxrss / 1024.0
        time.sleep(0.05)


def tail(path, k=3):
    try:
        with open(path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        return " | ".join(lines[-k:])[:300]
    except OSError:
        return ""


class Runner:
    def __init__(self, args, data_dir, X, y, tmp):
        self.a, self.data, self.X, self.y, self.tmp = args, data_dir, X, y, tmp
        self.n, self.p = X.shape
        self.r_script = os.path.join(tmp, "peer_worker.R")
        with open(self.r_script, "w") as f:
            f.write(R_WORKER)
        self.counter = 0

    def job(self, tool, penalty, alphas, tol, timed, default_mode):
        """One child process: a fit (search) or warm-up + timed repeats. Returns a dict with
        status, times (warm-up first when timed), W, b, version, rss."""
        self.counter += 1
        prefix = os.path.join(self.tmp, f"{self.counter:04d}_{tool}_{penalty}")
        alphas.astype("<f8").tofile(prefix + ".alphas.f64")
        runs = 2 if timed else 1
        a = self.a
        startup = 60.0  # imports, data loading and JIT warm-up before the first fit
        if tool == "regpath":
            return self.regpath_job(penalty, alphas, tol, timed, prefix)
        if tool in PY_TOOLS:
            exe = sys.executable
            if tool == "adelie":
                exe = os.environ.get("ADELIE_PYTHON") or os.path.expanduser("~/.regpath-peers/venv-adelie/bin/python")
            spec = dict(prefix=prefix, tool=tool, penalty=penalty, data=self.data, tol=tol, runs=runs,
                        warmup=timed, nrep=a.nrep, budget=a.budget, default_mode=default_mode,
                        center=tool != "adelie", l1_ratio=L1_RATIO["enet"], gamma=GAMMA.get(penalty),
                        opts=a.peer_opts.get(tool, []))
            with open(prefix + ".spec.json", "w") as f:
                json.dump(spec, f)
            cmd = [exe, os.path.abspath(__file__), "--worker", prefix + ".spec.json"]
        else:
            cmd = ["Rscript", "--vanilla", self.r_script, self.data, prefix, tool, penalty,
                   repr(L1_RATIO[penalty]), repr(GAMMA.get(penalty, 3.0)), repr(float(tol)), str(runs),
                   "1" if timed else "0", str(a.nrep), str(a.budget), "1" if default_mode else "0",
                   str(self.n), str(self.p)]
            cmd += [f"{k}={'TRUE' if v is None else v}" for k, v in a.peer_opts.get(tool, [])]
        status, rss = supervise(cmd, prefix + ".progress", a.time_cap, startup, prefix + ".log")
        res = dict(status=status, rss=rss, times=[], W=None, b=None, version="")
        if status != "ok":
            res["note"] = tail(prefix + ".log")
            return res
        if tool in PY_TOOLS:
            with open(prefix + ".out.json") as f:
                out = json.load(f)
            res.update(times=out["times"], version=out["version"], W=np.load(prefix + ".coef.npy"),
                       b=np.load(prefix + ".b0.npy"))
        else:
            with open(prefix + ".out.txt") as f:
                lines = f.read().split()
            res.update(version=lines[0], times=[float(t) for t in lines[1:]],
                       W=np.fromfile(prefix + ".coef.f64").reshape(self.p, len(alphas), order="F"),
                       b=np.fromfile(prefix + ".b0.f64"))
        for ext in (".coef.npy", ".coef.f64"):
            if os.path.exists(prefix + ext):
                os.remove(prefix + ext)
        return res

    def regpath_job(self, penalty, alphas, tol, timed, prefix):
        a = self.a
        base = [a.regpath, "path", "--x", os.path.join(self.data, "X.npy"), "--y", os.path.join(self.data, "y.npy"),
                "--penalty", penalty, "--alphas", ",".join(repr(float(v)) for v in alphas), "--tol", repr(tol),
                "--threads", "1"]
        if penalty == "enet":
            base += ["--l1-ratio", repr(L1_RATIO[penalty])]
        if penalty in GAMMA:
            base += ["--gamma", repr(GAMMA[penalty])]
        if a.raw:
            base += ["--no-standardize"]
        for key, value in a.peer_opts.get("regpath", []):
            base += ["--" + key.lstrip("-")] + ([] if value is None else [value])
        times, rss, status, out = [], 0.0, "ok", prefix + ".out"
        runs = 1 + (a.nrep if timed else 0)
        i = 0
        while i < runs:
            prog = prefix + f".{i}.progress"
            status, r = supervise(base + ["--out", out], prog, a.time_cap, 30.0, prefix + f".{i}.log")
            rss = max(rss, r)
            if status != "ok":
                break
            times.append(self.regpath_fit_time(prefix + f".{i}.log"))
            if timed and i == 0:
                runs = 1 + max(1, min(a.nrep, int(a.budget // max(times[0], 1e-9))))
            i += 1
        res = dict(status=status, rss=rss, times=times, W=None, b=None, version=self.regpath_version())
        if status != "ok":
            res["note"] = tail(prefix + f".{i}.log")
            return res
        K, p = len(alphas), self.p
        W = np.zeros((p, K))
        b = np.full(K, np.nan)
        path = np.genfromtxt(os.path.join(out, "path.csv"), delimiter=",", names=True, dtype=None, encoding="utf-8")
        idx = np.atleast_1d(path["alpha_index"]).astype(int)
        b[idx] = np.atleast_1d(path["intercept"])
        mask = np.ones(K, bool)
        mask[idx] = False
        W[:, mask] = np.nan
        coefs = np.loadtxt(os.path.join(out, "coefs.csv"), delimiter=",", skiprows=1, usecols=(0, 1, 2), ndmin=2)
        if coefs.size:
            W[coefs[:, 1].astype(int), coefs[:, 0].astype(int)] = coefs[:, 2]
        res.update(W=W, b=b, regpath_max_cert=float(np.max(np.atleast_1d(path["certificate"]))))
        shutil.rmtree(out, ignore_errors=True)
        return res

    @staticmethod
    def regpath_fit_time(log):
        """The fit time regpath prints (`fitted in X s`), data reading and CSV writing excluded."""
        with open(log, errors="replace") as f:
            text = f.read()
        key = "fitted in "
        i = text.find(key)
        if i < 0:
            raise RuntimeError(f"no fit time in {log}: {text[-300:]}")
        return float(text[i + len(key):].split()[0])

    def regpath_version(self):
        try:
            return subprocess.run([self.a.regpath, "--version"], capture_output=True, text=True).stdout.split()[-1]
        except Exception:  # pragma: no cover
            return ""


# --------------------------------------------------------------------------- availability
def available(tool, args):
    """(True, '') or (False, reason)."""
    if tool == "regpath":
        ok = os.path.exists(args.regpath)
        return ok, "" if ok else f"regpath binary not found at {args.regpath} (cargo build --release -p regpath-runner)"
    if tool in PY_TOOLS:
        exe = sys.executable
        if tool == "adelie":
            exe = os.environ.get("ADELIE_PYTHON") or os.path.expanduser("~/.regpath-peers/venv-adelie/bin/python")
            if not os.path.exists(exe):
                return False, f"adelie interpreter {exe} not found (set ADELIE_PYTHON)"
        mod = {"sklearn": "sklearn", "celer": "celer", "skglm": "skglm", "adelie": "adelie"}[tool]
        r = subprocess.run([exe, "-c", f"import {mod}"], capture_output=True, text=True)
        return r.returncode == 0, "" if r.returncode == 0 else f"python module {mod} not importable"
    if shutil.which("Rscript") is None:
        return False, "Rscript not found"
    r = subprocess.run(["Rscript", "-e", f"suppressPackageStartupMessages(library({tool}))"],
                       capture_output=True, text=True)
    return r.returncode == 0, "" if r.returncode == 0 else f"R package {tool} not installed"


# --------------------------------------------------------------------------- driver
def median(v):
    return float(np.median(v)) if v else float("nan")


# The committed comparison (docs/performance.md): problem arguments and per-problem limits.
SUITE = [
    ["--gen", "equicorrelated", "--n", "100", "--p", "1000", "--eps", "1e-3",
     "--time-cap", "30", "--search-budget", "90", "--budget", "20"],
    ["--gen", "equicorrelated", "--n", "500", "--p", "10000", "--eps", "1e-2",
     "--time-cap", "60", "--search-budget", "120", "--budget", "30"],
    ["--gen", "genotype", "--n", "500", "--p", "10000", "--eps", "1e-2",
     "--time-cap", "60", "--search-budget", "120", "--budget", "30"],
]


def run_suite(argv):
    """`--suite`: runs the committed problems one after the other (each in one go, so that its
    ratios come from one run); other arguments (--regpath, --out, --tools, ...) are passed on."""
    rest = [a for a in argv if a != "--suite"]
    for entry in SUITE:
        cmd = [sys.executable, os.path.abspath(__file__)] + entry + rest
        print("+", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)


def main():
    argv = sys.argv[1:]
    if "--datafit" in argv:
        k = argv.index("--datafit")
        datafit = argv[k + 1] if k + 1 < len(argv) else ""
        rest = argv[:k] + argv[k + 2:]
        if datafit == "logistic":
            # case/control paths: glmnet binomial, adelie, biglasso, skglm, ncvreg (scripts/peers_logistic.py)
            sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
            import peers_logistic
            return peers_logistic.main(rest)
        if datafit != "quadratic":
            sys.exit(f"--datafit must be quadratic or logistic, got {datafit!r}")
        sys.argv = [sys.argv[0]] + rest
    if "--suite" in sys.argv[1:]:
        return run_suite(sys.argv[1:])
    if sys.argv[1:2] == ["--summarize"]:
        return resummarize(sys.argv[2:])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--problem", help="folder with X.npy, y.npy (and meta.json)")
    src.add_argument("--gen", choices=["equicorrelated", "toeplitz", "genotype", "uniform"],
                     help="generate the problem with `regpath gen`")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--p", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rho", type=float)
    ap.add_argument("--k", type=int)
    ap.add_argument("--snr", type=float)
    ap.add_argument("--h2", type=float)
    ap.add_argument("--penalties", nargs="+", default=list(PENALTIES), choices=PENALTIES)
    ap.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--eps", type=float, default=1e-3)
    ap.add_argument("--target", type=float, default=1e-6, help="certificate every tool must reach (regpath's tol)")
    ap.add_argument("--nrep", type=int, default=3, help="timed repeats after the warm-up")
    ap.add_argument("--budget", type=float, default=40.0, help="seconds for a job's timed repeats (>= 1 repeat)")
    ap.add_argument("--time-cap", type=float, default=60.0, help="seconds allowed for one path fit")
    ap.add_argument("--search-budget", type=float, default=150.0,
                    help="seconds of tolerance search per tool and penalty before giving up")
    ap.add_argument("--raw", action="store_true", help="do not standardize the problem's columns")
    ap.add_argument("--regpath", default=None, help="regpath binary (default target/release/regpath)")
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "regpath-peers", "results"),
                    help="folder of <problem>.csv and .md (default: a scratch folder; give --out results/peers "
                         "to refresh the committed results)")
    ap.add_argument("--l1-ratio", type=float, default=L1_RATIO["enet"],
                    help="elastic-net mixing rho in (0, 1) (default 0.5)")
    ap.add_argument("--gamma", type=float, default=None,
                    help="MCP/SCAD concavity (default 3 for mcp, 3.7 for scad; > 1 for mcp, > 2 for scad)")
    ap.add_argument("--peer-opt", action="append", default=[], metavar="TOOL:KEY=VALUE",
                    help="pass an option through to one tool's call (repeatable; see the module docstring)")
    ap.add_argument("--work", default=None, help="scratch folder for problems (default: a temp dir)")
    ap.add_argument("--name", default=None, help="problem name in the CSV (default: from the family/folder)")
    ap.add_argument("--suite", action="store_true", help="run the committed problems (see SUITE)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker)
    set_hyperparameters(args.l1_ratio, args.gamma, args.penalties, ap.error)
    args.peer_opts = parse_peer_opts(args.peer_opt, ap.error)
    for tool, opts in args.peer_opts.items():
        print(f"{tool}: {peer_opts_note(opts)}", flush=True)
    args.regpath = regpath_binary(args.regpath)
    work = args.work or os.path.join(tempfile.gettempdir(), "regpath-peers-work")
    os.makedirs(work, exist_ok=True)
    if args.gen:
        src_dir, name = generate_problem(args, work)
    elif args.problem:
        src_dir = args.problem
        name = os.path.basename(os.path.normpath(src_dir))
        meta_path = os.path.join(src_dir, "meta.json")
        if os.path.exists(meta_path):
            with open(meta_path) as f:
                name = json.load(f).get("name", name)
    else:
        ap.error("give --problem DIR or --gen FAMILY")
    name = args.name or name
    data_dir, X, y = prepare_problem(src_dir, name, work, args.raw)
    n, p = X.shape
    tmp = tempfile.mkdtemp(prefix="jobs_", dir=work)
    runner = Runner(args, data_dir, X, y, tmp)
    os.makedirs(args.out, exist_ok=True)
    out_csv = os.path.join(args.out, f"{name}.csv")
    rows = []
    avail = {t: available(t, args) for t in args.tools}
    _, amax1 = alpha_grid(X, y, "lasso", 2, 0.5)
    t_start = time.time()

    def emit(row):
        base = dict(problem=name, n=n, p=p, target=args.target, threads=1, eps=args.eps, n_alphas=args.n_alphas)
        base.update(row)
        rows.append({k: base.get(k, "") for k in CSV_FIELDS})
        tmp_csv = out_csv + ".tmp"
        with open(tmp_csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp_csv, out_csv)
        r = rows[-1]
        print(f"[{time.time() - t_start:7.1f}s]   {r['tool']:9s} {r['penalty']:5s} {r['tol_mode']:14s} "
              f"tol={fmt_num(r['tol_setting'], '.3g'):9s} {r['status']:10s} "
              f"time={fmt_num(r['path_time_s'], '.4g'):9s} cert={fmt_num(r['worst_certificate'], '.2e'):9s} "
              f"{r['notes']}", flush=True)

    def row_from(tool, penalty, mode, tol, res, alphas, timed):
        cert, kind = (None, "")
        worst, n_ret = "", ""
        if res["W"] is not None:
            c, kind = certificates(X, y, res["W"], res["b"], alphas, penalty, amax1)
            n_ret = int(np.sum(~np.isnan(c)))
            worst = float(np.nanmax(c)) if n_ret == len(alphas) else float("inf")
            cert = worst
        times = res["times"]
        timed_runs = times[1:] if timed else times
        note = res.get("note", "")
        if tool in runner.a.peer_opts:
            note = (note + " " + peer_opts_note(runner.a.peer_opts[tool])).strip()
        if res["W"] is not None and n_ret < len(alphas):
            note = (note + f" only {n_ret} of {len(alphas)} alphas returned").strip()
        return dict(tool=tool, version=res["version"], penalty=penalty, l1_ratio=L1_RATIO[penalty],
                    gamma=GAMMA.get(penalty, ""), tol_mode=mode, tol_setting=tol, status=res["status"],
                    n_timed=len(timed_runs), path_time_s=median(timed_runs) if timed_runs else "",
                    path_time_min_s=min(timed_runs) if timed_runs else "",
                    times_s=";".join(f"{t:.6g}" for t in timed_runs),
                    warmup_s=f"{times[0]:.6g}" if (timed and times) else "",
                    worst_certificate=worst, certificate_kind=kind,
                    reached_target=(cert is not None and cert <= args.target),
                    n_alphas_returned=n_ret, peak_rss_mb=round(res["rss"], 1), notes=note)

    for tool, (ok, why) in avail.items():
        if not ok:
            emit(dict(tool=tool, status="skipped", notes=why))
    pairs = [(t, pen) for pen in args.penalties for t in args.tools
             if avail[t][0] and pen in SUPPORTS[t] and not (t in ALWAYS_STANDARDIZE and args.raw)]
    per_pair = args.time_cap * (1 + args.nrep) + args.search_budget + args.time_cap * (1 + args.nrep)
    print(f"{name} (n = {n}, p = {p}): {len(pairs)} tool x penalty runs, l1_ratio = {L1_RATIO['enet']:g}, "
          f"gamma = {GAMMA['mcp']:g} (mcp) / {GAMMA['scad']:g} (scad); at most ~{len(pairs) * per_pair / 60:.0f} min "
          f"with these limits (usually far less; see the docstring's Runtime); results in {args.out}", flush=True)
    done = 0
    for penalty in args.penalties:
        alphas, _ = alpha_grid(X, y, penalty, args.n_alphas, args.eps)
        for tool in args.tools:
            if not avail[tool][0]:
                continue
            if penalty not in SUPPORTS[tool]:
                continue
            if tool in ALWAYS_STANDARDIZE and args.raw:
                emit(dict(tool=tool, penalty=penalty, status="skipped",
                          notes="always standardizes X; not comparable with --raw"))
                continue
            done += 1
            print(f"[{time.time() - t_start:7.1f}s] ({done}/{len(pairs)}) {tool} {penalty}: "
                  + ("timed fits" if tool == "regpath" else "default setting, tolerance search, equal accuracy"),
                  flush=True)
            if tool == "regpath":
                res = runner.job(tool, penalty, alphas, args.target, True, True)
                row = row_from(tool, penalty, "default", args.target, res, alphas, True)
                if "regpath_max_cert" in res:
                    row["notes"] = f"regpath's own worst certificate {res['regpath_max_cert']:.3g}"
                emit(row)
                continue
            default, ladder = tol_ladder(tool, penalty, amax1)
            # the default setting, timed
            res = runner.job(tool, penalty, alphas, default, True, True)
            row = row_from(tool, penalty, "default", default, res, alphas, True)
            emit(row)
            if res["status"] == "timeout":
                # Tighter settings only take longer: no search.
                emit(dict(tool=tool, version=row["version"], penalty=penalty, l1_ratio=L1_RATIO[penalty],
                          gamma=GAMMA.get(penalty, ""), tol_mode="equal_accuracy", status="not_reached",
                          notes=f"the default setting already exceeded the {args.time_cap:g} s cap"))
                continue
            # the search: loosest setting (with iteration limits lifted) reaching the target
            found, why, best, since_best, spent = None, f"no setting down to {ladder[-1]:.3g}", math.inf, 0, 0.0
            for tol in ladder:
                t0 = time.time()
                res = runner.job(tool, penalty, alphas, tol, False, False)
                spent += time.time() - t0
                row = row_from(tool, penalty, "search", tol, res, alphas, False)
                emit(row)
                if res["status"] != "ok":
                    why = f"setting {tol:.3g}: {res['status']}"
                    break
                if row["reached_target"]:
                    found = tol
                    break
                cert = row["worst_certificate"]
                if cert < best / 1.5:
                    best, since_best = cert, 0
                else:
                    since_best += 1
                if since_best >= 3:
                    why = f"certificate stagnated near {best:.3g} (3 tighter settings gained < 1.5x)"
                    break
                if spent > args.search_budget:
                    why = f"search budget of {args.search_budget:g} s spent at setting {tol:.3g}"
                    break
            if found is None:
                emit(dict(tool=tool, version=row["version"], penalty=penalty, l1_ratio=L1_RATIO[penalty],
                          gamma=GAMMA.get(penalty, ""), tol_mode="equal_accuracy", status="not_reached",
                          notes=f"{why}; best worst certificate {best if best < math.inf else row['worst_certificate']}"))
                continue
            res = runner.job(tool, penalty, alphas, found, True, False)
            emit(row_from(tool, penalty, "equal_accuracy", found, res, alphas, True))
    shutil.rmtree(tmp, ignore_errors=True)
    summary = summarize(rows, args.target)
    md_path = os.path.join(args.out, f"{name}.md")
    with open(md_path, "w") as f:
        f.write(summary)
    print(summary)
    print(f"wrote {out_csv} and {md_path} in {time.time() - t_start:.0f} s")


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def summarize(rows, target):
    """Markdown table: regpath's time over the fastest peer's at equal certified accuracy.
    Works on the rows as written (numbers) or as read back from the CSV (strings)."""
    out = ["| penalty | regpath time (s) | regpath worst cert | fastest peer at equal accuracy (its tol) | "
           "peer time (s) | regpath / peer | fastest peer at its default tol: time (s), worst cert | "
           "peers not reaching the target: last search fit (s), its worst cert |",
           "|---|---|---|---|---|---|---|---|"]
    pens = []
    for r in rows:
        if r["penalty"] and r["penalty"] not in pens:
            pens.append(r["penalty"])
    ok = lambda r: r["status"] == "ok" and _num(r["path_time_s"]) is not None  # noqa: E731
    for pen in pens:
        mine = [r for r in rows if r["penalty"] == pen]
        rp = [r for r in mine if r["tool"] == "regpath"]
        peers = [r for r in mine if r["tool"] != "regpath" and r["tol_mode"] == "equal_accuracy"]
        good = [r for r in peers if ok(r) and str(r["reached_target"]) == "True"]
        bad = []
        for r in peers:
            if r in good:
                continue
            last = [q for q in mine if q["tool"] == r["tool"] and q["tol_mode"] in ("search", "default")]
            fits = [q for q in last if ok(q) and _num(q["worst_certificate"]) is not None]
            if fits:
                q = fits[-1]
                bad.append(f"{r['tool']}: {_num(q['path_time_s']):.3g}, {_num(q['worst_certificate']):.2g}")
            else:
                bad.append(f"{r['tool']}: {last[-1]['status'] if last else r['status']}")
        dflt = [r for r in mine if r["tool"] != "regpath" and r["tol_mode"] == "default" and ok(r)]
        if rp and ok(rp[0]):
            rp_t = _num(rp[0]["path_time_s"])
            rp_s, rp_cs = f"{rp_t:.3g}", f"{_num(rp[0]['worst_certificate']):.2g}"
        else:
            rp_t, rp_s, rp_cs = None, (rp[0]["status"] if rp else "not run"), "-"
        d = min(dflt, key=lambda r: _num(r["path_time_s"])) if dflt else None
        d_s = f"{d['tool']}: {_num(d['path_time_s']):.3g}, {_num(d['worst_certificate']):.2g}" if d else "-"
        bad_s = "; ".join(bad) or "-"
        if good:
            best = min(good, key=lambda r: _num(r["path_time_s"]))
            bt = _num(best["path_time_s"])
            ratio = f"{rp_t / bt:.3g}" if rp_t else "-"
            out.append(f"| {pen} | {rp_s} | {rp_cs} | {best['tool']} ({_num(best['tol_setting']):.3g}) | "
                       f"{bt:.3g} | {ratio} | {d_s} | {bad_s} |")
        else:
            out.append(f"| {pen} | {rp_s} | {rp_cs} | none | - | - | {d_s} | {bad_s} |")
    out.append("")
    out.append(f"Equal accuracy: worst recomputed certificate <= {target:g} at every alpha of the path.")
    return "\n".join(out) + "\n"


def resummarize(paths):
    """`--summarize CSV...`: rewrites each CSV's Markdown table next to it."""
    for path in paths:
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        target = _num(rows[0]["target"]) if rows else 1e-6
        md = os.path.splitext(path)[0] + ".md"
        with open(md, "w") as f:
            f.write(summarize(rows, target))
        print(open(md).read())


if __name__ == "__main__":
    sys.exit(main())
