#!/usr/bin/env python3
"""Logistic paths: regpath against glmnet (binomial), adelie (grpnet, binomial GLM), biglasso
(binomial, Lasso/ElasticNet; needs R's biglasso), skglm (ProxNewton) and ncvreg (MCP/SCAD), on
one case/control problem, at the same recomputed certificate. adelie pins numpy<2: give its interpreter with --adelie-python (or $ADELIE_PYTHON),
e.g. a venv with `pip install "numpy<2" scipy adelie==1.1.52`.

Called by `scripts/compare_peers.py --datafit logistic ...` (or directly). For one problem (a
folder with X.npy and a 0/1 y.npy) and each penalty it fits the same path with every tool and
recomputes every tool's certificate here, in numpy, from the coefficients it returned:

* Same data: X's columns are centered and scaled to unit 1/n RMS once (dead columns left at 0),
  so standardizing or not is the same for every tool (regpath gets --no-standardize).
* Same objective: (1/n) sum_i [log(1 + e^eta_i) - y_i eta_i] + alpha * sum_j pen(beta_j),
  eta = b + X beta (glmnet's binomial objective with lambda = alpha; skglm's Logistic datafit
  with y in {-1, 1}; ncvreg's binomial objective, lambda = alpha).
* Same grid: alpha_max = max_j |x_j'(y - ybar)|/(n rho) (rho = 0.5 for the ElasticNet), --n-alphas values geometric down to
  --eps * alpha_max (default 100 to 1e-2), passed explicitly to every tool.
* Same accuracy, judged here: Lasso/ElasticNet (l1_ratio 0.5) — the relative duality gap (P - D)/P(0), P(0) the binary
  entropy of ybar, after the intercept is re-fitted exactly for the returned beta (Newton),
  theta = (y - sigmoid(eta))/n rescaled into the feasible set; MCP/SCAD — the relative KKT
  violation max_j dist(-grad_j, d pen(beta_j)) / alpha_max, with |mean residual|/alpha_max.
  Each peer runs at its default tolerance and at a tightened one (glmnet thresh 1e-12, adelie
  tol 1e-14, biglasso eps 1e-12, skglm tol 1e-10, ncvreg eps 1e-10); the worst certificate of each run is reported with its time.
* Timing: one thread for every tool; a warm-up fit, then the median of --nrep fits (regpath:
  the fit time it reports; R: system.time around the call; Python: perf_counter).

Writes OUT/peers_<problem>.csv and prints a table.
Results go to a scratch folder ($TMPDIR/regpath-peers/logistic) unless --out names another: the
committed results/logistic is written only when asked for (`--out results/logistic`).
`--peer-opt TOOL:KEY=VALUE` (repeatable; TOOL glmnet, biglasso or ncvreg, VALUE an R expression)
overrides or adds one argument of that peer's call, in its default and its tightened run alike
(e.g. `--peer-opt glmnet:thresh=1e-9`); the rows' `setting` names it.
"""
import argparse
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GAMMA = {"mcp": 3.0, "scad": 3.7}
RHO = {"lasso": 1.0, "enet": 0.5}
ENV1 = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "NUMBA_NUM_THREADS": "1"}


def expit(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def loss(y, eta):
    return np.logaddexp(0.0, -(2.0 * y - 1.0) * eta).mean()


def resid(y, eta):
    return np.where(y == 1.0, expit(-eta), -expit(eta))


def xlogx(p):
    return np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)


def pen(t, a, penalty):
    x = np.abs(t)
    if penalty in RHO:
        rho = RHO[penalty]
        return a * (rho * x + 0.5 * (1 - rho) * t * t)
    g = GAMMA[penalty]
    if penalty == "mcp":
        return np.where(x <= g * a, a * x - x * x / (2 * g), 0.5 * g * a * a)
    return np.where(x <= a, a * x, np.where(x <= g * a, (2 * g * a * x - x * x - a * a) / (2 * (g - 1)), 0.5 * a * a * (g + 1)))


def certificates(Z, y, B, b0, alphas, penalty, amax):
    """Worst certificate over the path (see the module docs); B is p x K, b0 length K."""
    n = len(y)
    ybar = y.mean()
    p0 = -(ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar))
    worst = 0.0
    for k, a in enumerate(alphas):
        beta = B[:, k]
        eta = b0[k] + Z @ beta
        if not np.all(np.isfinite(eta)):
            return float("inf")
        if penalty in RHO:
            rho = RHO[penalty]
            P = loss(y, eta) + pen(beta, a, penalty).sum()
            for _ in range(60):
                d = resid(y, eta)
                if abs(d.mean()) < 1e-16:
                    break
                eta = eta + d.sum() / (expit(eta) * expit(-eta)).sum()
            d = resid(y, eta)
            P2 = loss(y, eta) + pen(beta, a, penalty).sum()
            v = Z.T @ d / n
            if rho == 1.0:
                m = np.abs(v).max() / a
                s = 1.0 if m <= 1 else 1.0 / m
                D = -(xlogx(y - s * d) + xlogx(1 - y + s * d)).sum() / n
            else:  # conjugate of the whole elastic-net penalty
                ex = np.maximum(np.abs(v) - a * rho, 0.0)
                D = -(xlogx(y - d) + xlogx(1 - y + d)).sum() / n - (ex * ex).sum() / (2 * a * (1 - rho))
            cert = max(P - D, 0.0) / p0 + max(P - P2, 0.0) / p0
        else:
            d = resid(y, eta)
            grad = -Z.T @ d / n
            g = GAMMA[penalty]
            x = np.abs(beta)
            slope = np.maximum(a - x / g, 0.0) if penalty == "mcp" else np.where(x <= a, a, np.maximum(g * a - x, 0.0) / (g - 1))
            viol = np.where(x > 0, np.abs(grad + np.sign(beta) * slope), np.maximum(np.abs(grad) - a, 0.0))
            cert = max(viol.max(), abs(d.mean())) / amax
        worst = max(worst, cert)
    return worst


def run_regpath(binary, work, penalty, alphas, nrep):
    out = os.path.join(work, "regpath_" + penalty)
    extra = ["--l1-ratio", str(RHO[penalty])] if penalty == "enet" else []
    cmd = [binary, "path", *extra, "--x", os.path.join(work, "Z.npy"), "--y", os.path.join(work, "y.npy"),
           "--datafit", "logistic", "--penalty", penalty, "--no-standardize", "--threads", "1",
           "--alphas", ",".join(repr(float(a)) for a in alphas), "--out", out]
    times = []
    for _ in range(nrep + 1):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV1)
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        times.append(float(proc.stderr.split("fitted in ")[1].split(" s")[0]))
    rows = list(csv.DictReader(open(os.path.join(out, "path.csv"))))
    K = len(rows)
    p = np.load(os.path.join(work, "Z.npy"), mmap_mode="r").shape[1]
    B = np.zeros((p, K))
    for r in csv.DictReader(open(os.path.join(out, "coefs.csv"))):
        B[int(r["feature"]), int(r["alpha_index"])] = float(r["coef"])
    b0 = np.array([float(r["intercept"]) for r in rows])
    return statistics.median(times[1:]), B, b0, K, rows[-1]["stop_reason"]


def r_call(function, args, opts):
    """`function(k=v, ...)` from the ordered (key, R expression) pairs `args`, each --peer-opt
    (key, value) overriding the pair of the same key or appended (a bare key as TRUE)."""
    merged = dict(args)
    for key, value in opts:
        merged[key] = "TRUE" if value is None else value
    return f"{function}(" + ", ".join(v if k.startswith("_") else f"{k}={v}" for k, v in merged.items()) + ")"


def run_r(work, tool, penalty, alphas, tight, nrep, opts=()):
    """glmnet or biglasso (lasso/enet) or ncvreg (mcp/scad) in Rscript, with --peer-opt `opts`
    overriding or extending its arguments; returns (median seconds, B, b0)."""
    Zb = os.path.join(work, "Z.f64")
    Z = np.load(os.path.join(work, "Z.npy"), mmap_mode="r")
    n, p = Z.shape
    if not os.path.exists(Zb):
        np.asfortranarray(Z).T.tofile(Zb)  # column-major doubles
        np.savetxt(os.path.join(work, "y.txt"), np.load(os.path.join(work, "y.npy")))
    lam = os.path.join(work, "lambda.txt")
    np.savetxt(lam, alphas)
    out = os.path.join(work, f"{tool}_{penalty}_{int(tight)}")
    if tool == "glmnet":
        call = r_call("glmnet", [("_x", "X"), ("_y", "y"), ("family", "'binomial'"), ("standardize", "FALSE"),
                                 ("alpha", f"{RHO[penalty]}"), ("lambda", "lam")]
                      + ([("thresh", "1e-12"), ("maxit", "1e7")] if tight else []), opts)
        extract = "B <- as.matrix(fit$beta); b0 <- fit$a0"
        lib = "glmnet"
    elif tool == "biglasso":
        # X converted to a big.matrix once, outside the timing; biglasso standardizes
        # internally, which is the identity on the already standardized Z
        call = r_call("biglasso", [("_x", "XB"), ("_y", "y"), ("family", "'binomial'"),
                                   ("penalty", f"'{'lasso' if penalty == 'lasso' else 'enet'}'"),
                                   ("alpha", f"{RHO[penalty]}"), ("lambda", "lam"), ("ncores", "1")]
                      + ([("eps", "1e-12"), ("max.iter", "1e7")] if tight else []), opts)
        extract = "B <- as.matrix(fit$beta[-1, , drop=FALSE]); b0 <- as.numeric(fit$beta[1, ])"
        lib = "biglasso"
    else:
        call = r_call("ncvreg", [("_x", "X"), ("_y", "y"), ("family", "'binomial'"), ("penalty", f"'{penalty.upper()}'"),
                                 ("gamma", f"{GAMMA[penalty]}"), ("lambda", "lam")]
                      + ([("eps", "1e-10"), ("max.iter", "1e7")] if tight else [("max.iter", "1e6")])
                      + [("warn", "FALSE")], opts)
        extract = "B <- fit$beta[-1, , drop=FALSE]; b0 <- fit$beta[1, ]"
        lib = "ncvreg"
    script = f"""
suppressPackageStartupMessages(library({lib}))
X <- matrix(readBin('{Zb}', 'double', {n} * {p}), {n}, {p}); y <- scan('{work}/y.txt', quiet=TRUE); lam <- scan('{lam}', quiet=TRUE)
{"XB <- as.big.matrix(X)" if tool == "biglasso" else ""}
times <- c()
for (i in 0:{nrep}) {{ t <- system.time(fit <- {call})[['elapsed']]; if (i > 0) times <- c(times, t) }}
{extract}
write.table(B, '{out}.B.txt', row.names=FALSE, col.names=FALSE)
write.table(b0, '{out}.b0.txt', row.names=FALSE, col.names=FALSE)
cat(median(times), '\\n', file='{out}.time.txt')
"""
    proc = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, env=ENV1)
    if proc.returncode != 0:
        print(f"{tool} failed: {proc.stderr[-500:]}", file=sys.stderr)
        return None
    B = np.loadtxt(out + ".B.txt", ndmin=2)
    b0 = np.loadtxt(out + ".b0.txt", ndmin=1)
    return float(open(out + ".time.txt").read()), B, b0


def run_skglm(work, penalty, alphas, tight, nrep):
    from skglm import GeneralizedLinearEstimator
    from skglm.datafits import Logistic
    from skglm.penalties import L1, L1_plus_L2, MCPenalty, SCAD
    from skglm.solvers import ProxNewton
    Z = np.load(os.path.join(work, "Z.npy"))
    y = np.load(os.path.join(work, "y.npy"))
    ys = 2.0 * y - 1.0
    tol = 1e-10 if tight else 1e-4

    def path():
        B = np.zeros((Z.shape[1], len(alphas)))
        b0 = np.zeros(len(alphas))
        est = None
        for k, a in enumerate(alphas):
            p = L1(a) if penalty == "lasso" else L1_plus_L2(a, RHO[penalty]) if penalty == "enet" else (MCPenalty(a, GAMMA[penalty]) if penalty == "mcp" else SCAD(a, GAMMA[penalty]))
            solver = ProxNewton(fit_intercept=True, tol=tol, max_iter=1000, warm_start=True)
            new = GeneralizedLinearEstimator(datafit=Logistic(), penalty=p, solver=solver)
            if est is not None:
                new.coef_, new.intercept_ = est.coef_.copy(), est.intercept_
            new.fit(Z, ys)
            est = new
            B[:, k] = est.coef_
            b0[k] = est.intercept_
        return B, b0

    times = []
    for i in range(nrep + 1):
        t = time.perf_counter()
        B, b0 = path()
        if i > 0:
            times.append(time.perf_counter() - t)
    return statistics.median(times), B, b0


ADELIE_WORKER = r"""
import sys, time, json, numpy as np, adelie as ad
work, alpha, tol, nrep, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
Z = np.asfortranarray(np.load(work + "/Z.npy"))
y = np.load(work + "/y.npy").astype(float)
lam = np.loadtxt(out + ".lambda.txt", ndmin=1)
times = []
for i in range(nrep + 1):
    t = time.perf_counter()
    state = ad.grpnet(X=Z, glm=ad.glm.binomial(y=y), alpha=alpha, lmda_path=lam, intercept=True, tol=tol,
                      early_exit=False, n_threads=1, progress_bar=False)
    if i > 0:
        times.append(time.perf_counter() - t)
B = state.betas.toarray().T
np.save(out + ".B.npy", B)
np.save(out + ".b0.npy", np.asarray(state.intercepts))
json.dump({"time": float(np.median(times))}, open(out + ".json", "w"))
"""


def run_adelie(work, penalty, alphas, tight, nrep, python):
    """adelie's grpnet (binomial GLM, IRLS with screening) in its own interpreter (it pins
    numpy<2); singleton groups, so its penalty is alpha·(rho|b| + (1-rho)b²/2) as here."""
    out = os.path.join(work, f"adelie_{penalty}_{int(tight)}")
    np.savetxt(out + ".lambda.txt", alphas)
    tol = 1e-14 if tight else 1e-7
    proc = subprocess.run([python, "-c", ADELIE_WORKER, work, str(RHO[penalty]), str(tol), str(nrep), out],
                          capture_output=True, text=True, env=ENV1)
    if proc.returncode != 0:
        print(f"adelie failed: {proc.stderr[-800:]}", file=sys.stderr)
        return None
    B = np.load(out + ".B.npy")
    b0 = np.load(out + ".b0.npy")
    return json.load(open(out + ".json"))["time"], B, b0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problem", required=True, help="folder with X.npy and a 0/1 y.npy")
    ap.add_argument("--penalties", nargs="+", default=["lasso"], choices=["lasso", "enet", "mcp", "scad"])
    ap.add_argument("--peers", nargs="+", default=["glmnet", "skglm", "ncvreg"],
                    choices=["glmnet", "skglm", "ncvreg", "adelie", "biglasso"])
    ap.add_argument("--adelie-python",
                    default=os.environ.get("ADELIE_PYTHON")
                    or os.path.expanduser("~/.regpath-peers/venv-adelie/bin/python"),
                    help="interpreter with adelie installed (adelie pins numpy<2; default $ADELIE_PYTHON, "
                         "else ~/.regpath-peers/venv-adelie, as compare_peers.py)")
    ap.add_argument("--n-alphas", type=int, default=100)
    ap.add_argument("--eps", type=float, default=1e-2)
    ap.add_argument("--nrep", type=int, default=3)
    ap.add_argument("--regpath", default=os.path.join(ROOT, "target", "release", "regpath"))
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "regpath-peers", "logistic"),
                    help="folder of peers_<problem>.csv (default: a scratch folder; the committed "
                         "results/logistic is written only when named here)")
    ap.add_argument("--peer-opt", action="append", default=[], metavar="TOOL:KEY=VALUE",
                    help="an argument of an R peer's call (glmnet, biglasso, ncvreg; VALUE an R expression), "
                         "overriding the script's own (also in the tightened run); repeatable")
    args = ap.parse_args(argv)
    args.peer_opts = {}
    for item in args.peer_opt:
        tool, sep, kv = item.partition(":")
        key, eq, value = kv.partition("=")
        if not sep or tool not in ("glmnet", "biglasso", "ncvreg") or not key.strip():
            ap.error(f"--peer-opt {item!r}: expected TOOL:KEY=VALUE with TOOL one of glmnet, biglasso, ncvreg")
        args.peer_opts.setdefault(tool, []).append((key.strip(), value if eq else None))
    os.makedirs(args.out, exist_ok=True)
    name = os.path.basename(os.path.normpath(args.problem))
    X = np.load(os.path.join(args.problem, "X.npy"))
    y = np.load(os.path.join(args.problem, "y.npy")).astype(float)
    if not np.all((y == 0) | (y == 1)):
        sys.exit("y must be 0/1")
    m = X.mean(axis=0)
    s = np.sqrt(((X - m) ** 2).mean(axis=0))
    Z = np.asfortranarray(np.where(s > 0, (X - m) / np.where(s > 0, s, 1.0), 0.0))
    del X
    n = len(y)
    amax = np.abs(Z.T @ (y - y.mean())).max() / n
    ladder = np.exp(np.linspace(0.0, math.log(args.eps), args.n_alphas))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        np.save(os.path.join(work, "Z.npy"), Z)
        np.save(os.path.join(work, "y.npy"), y)
        for penalty in args.penalties:
            alphas = amax / RHO.get(penalty, 1.0) * ladder  # alpha_max = max|x'(y - ybar)|/(n rho)
            t, B, b0, K, stop = run_regpath(args.regpath, work, penalty, alphas, args.nrep)
            cert = certificates(Z, y, B, b0, alphas[:K], penalty, amax)
            rows.append(dict(problem=name, n=n, p=Z.shape[1], penalty=penalty, tool="regpath", setting="tol 1e-6",
                             time_s=t, alphas=K, worst_certificate=cert, stop=stop))
            print(rows[-1], flush=True)
            for peer in args.peers:
                if (peer in ("glmnet", "adelie", "biglasso") and penalty not in RHO) or (peer == "ncvreg" and penalty in RHO):
                    continue
                for tight in (False, True):
                    if peer == "skglm":
                        res = run_skglm(work, penalty, alphas[:K], tight, args.nrep)
                    elif peer == "adelie":
                        res = run_adelie(work, penalty, alphas[:K], tight, args.nrep, args.adelie_python)
                    else:
                        res = run_r(work, peer, penalty, alphas[:K], tight, args.nrep, args.peer_opts.get(peer, []))
                    if res is None:
                        continue
                    tp, Bp, b0p = res
                    kk = min(K, Bp.shape[1])
                    cert = certificates(Z, y, Bp[:, :kk], b0p[:kk], alphas[:kk], penalty, amax)
                    setting = {"glmnet": ("thresh 1e-7 (default)", "thresh 1e-12"),
                               "skglm": ("tol 1e-4 (default)", "tol 1e-10"),
                               "ncvreg": ("eps 1e-4 (default)", "eps 1e-10"),
                               "adelie": ("tol 1e-7 (default)", "tol 1e-14"),
                               "biglasso": ("eps 1e-7 (default)", "eps 1e-12")}[peer][int(tight)]
                    if args.peer_opts.get(peer):
                        setting += " " + " ".join(k if v is None else f"{k}={v}" for k, v in args.peer_opts[peer])
                    rows.append(dict(problem=name, n=n, p=Z.shape[1], penalty=penalty, tool=peer, setting=setting,
                                     time_s=tp, alphas=kk, worst_certificate=cert, stop=""))
                    print(rows[-1], flush=True)
    path = os.path.join(args.out, f"peers_{name}.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("wrote", path)


if __name__ == "__main__":
    main()
