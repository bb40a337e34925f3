#!/usr/bin/env python3
"""Peak memory of one feature-count task per size (results/feature-counts/memory.csv).

For each p of configs/feature-counts.toml (n = 1,000 genotypes) and each penalty given, runs a
one-task sweep (replicate 0 of that dataset and penalty, the study's grid and split) with
`/usr/bin/time -v`, one thread, and records the peak resident set size and the wall time next
to the size of the packed genotypes (n·p/4 bytes) and of the f64 matrix the sweep no longer
materializes (8·n·p bytes).

    python3 scripts/feature_counts_memory.py [--regpath target/release/regpath] [--out CSV]
"""

import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CONFIG = """name = "feature-counts-memory"
seed = 20261201
[[datasets]]
family = "genotype"
n = {n}
p = {p}
k = 10
h2 = 0.5
replicates = 1
[[penalties]]
penalty = "{penalty}"
{extra}
[grid]
n_alphas = 50
eps = 0.01
[solver]
tol = 1e-6
max_epochs = 10000
[evaluation]
method = "validation"
test = 0.2
validation = 0.2
[plot]
coef_paths = []   # as in the study, whose kept coefficient paths are two p = 1,000 tasks
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regpath", default=os.path.join(ROOT, "target", "release", "regpath"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "feature-counts", "memory.csv"))
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--p", default="1000,10000,100000,1000000")
    ap.add_argument("--penalties", default="lasso,ridge")
    args = ap.parse_args()
    if not os.path.exists("/usr/bin/time"):
        sys.exit("error: /usr/bin/time (GNU time) is needed: apt-get install time")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in [int(v) for v in args.p.split(",")]:
            for penalty in args.penalties.split(","):
                extra = "eps = 1e-4" if penalty == "ridge" else ""
                cfg = os.path.join(tmp, f"{penalty}_{p}.toml")
                with open(cfg, "w") as f:
                    f.write(CONFIG.format(n=args.n, p=p, penalty=penalty, extra=extra))
                out = os.path.join(tmp, f"out_{penalty}_{p}")
                start = time.monotonic()
                run = subprocess.run(
                    ["/usr/bin/time", "-v", args.regpath, "sweep", cfg, "--out", out, "--threads", "1"],
                    capture_output=True,
                    text=True,
                )
                wall = time.monotonic() - start
                if run.returncode != 0:
                    sys.exit(f"error: sweep failed for p = {p}, {penalty}:\n{run.stderr}")
                rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", run.stderr).group(1))
                row = {
                    "n": args.n,
                    "p": p,
                    "penalty": penalty,
                    "threads": 1,
                    "peak_rss_mb": round(rss_kb / 1024, 1),
                    "packed_genotypes_mb": round(args.n * p / 4 / 2**20, 1),
                    "dense_f64_mb": round(8 * args.n * p / 2**20, 1),
                    "wall_s": round(wall, 2),
                }
                print(row, flush=True)
                rows.append(row)
    tmp_out = args.out + ".tmp"
    with open(tmp_out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    os.replace(tmp_out, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
