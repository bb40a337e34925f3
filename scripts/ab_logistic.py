#!/usr/bin/env python3
"""Interleaved A/B timing of two regpath binaries on logistic paths (issue 24): three repeats,
the order alternating, medians of the whole command's wall time. Data: scripts/expression_data.R
(all_bt, bladder_cc under /work/data/expression), EUR_subset with a case/control recoding of its
phenotype (written to /tmp/ab_logistic_cc.txt: PHENO > 0 = case, NA missing), and the 20,000 x 100,000 case/control fileset of
docs/performance.md (/work/data/bb). Usage: ab_logistic.py BEFORE AFTER"""
import re, statistics, subprocess, sys
if len(sys.argv) != 3:
    sys.exit(__doc__)
before, after = sys.argv[1], sys.argv[2]
with open("/work/data/eur/EUR_subset.pheno.covars") as src, open("/tmp/ab_logistic_cc.txt", "w") as dst:
    dst.write("FID IID CC\n")
    for line in list(src)[1:]:
        f = line.split()
        dst.write(f"{f[0]} {f[1]} {'NA' if f[2] == 'NA' else (2 if float(f[2]) > 0 else 1)}\n")
E = "/work/data/expression"; G = "/work/data/genomic"
configs = [
    ("ALL T vs B cell, enet, 1t", ["--x", f"{E}/all_bt/X.npy", "--y", f"{E}/all_bt/y.npy", "--penalty", "enet", "--threads", "1"]),
    ("bladder cancer vs rest, lasso, 1t", ["--x", f"{E}/bladder_cc/X.npy", "--y", f"{E}/bladder_cc/y.npy", "--penalty", "lasso", "--threads", "1"]),
    ("bladder cancer vs rest, mcp, 1t", ["--x", f"{E}/bladder_cc/X.npy", "--y", f"{E}/bladder_cc/y.npy", "--penalty", "mcp", "--threads", "1"]),
    ("EUR_subset case/control enet, 1t", ["--bed", "/work/data/eur/EUR_subset", "--pheno", "/tmp/ab_logistic_cc.txt", "--penalty", "enet", "--threads", "1"]),
    ("20k x 100k case/control, 4-fold CV + patience, 2t", ["--bed", "/work/data/bb/g20kcc/geno", "--pheno", "/work/data/bb/g20kcc/pheno.txt", "--keep", "/work/data/bb/train.txt", "--test-keep", "/work/data/bb/test.txt", "--cv-folds", "4", "--patience", "10", "--n-alphas", "200", "--eps", "1e-4", "--threads", "2"]),
]
def run(binary, args):
    o = subprocess.run(["/usr/bin/time", "-f", "WALL %e", binary, "path", "--datafit", "logistic", *args, "--no-coefs", "--out", "/tmp/ab_log_out"], capture_output=True, text=True)
    m = re.search(r"WALL ([0-9.]+)", o.stderr)
    if o.returncode != 0 or not m:
        raise SystemExit(o.stderr[-800:])
    return float(m.group(1))
print("| configuration (logistic) | before (s) | after (s) | after / before |   (3 repeats, interleaved, medians of the whole command)")
print("|---|---|---|---|")
for name, args in configs:
    res = {"b": [], "a": []}
    for r in range(3):
        order = [("b", before), ("a", after)] if r % 2 == 0 else [("a", after), ("b", before)]
        for tag, binary in order:
            res[tag].append(run(binary, args))
    b, a = statistics.median(res["b"]), statistics.median(res["a"])
    print(f"| {name} | {b:.2f} | {a:.2f} | {a / b:.3f} |", flush=True)
