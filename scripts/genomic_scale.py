#!/usr/bin/env python3
"""Genomic-scale measurements of `regpath path`: time, full passes and peak memory.

Generates (with `regpath gen`, reused when present) and fits:

* `equicorrelated` rho = 0.5, n = 1,000, p = 100,000 (X.npy, 0.8 GB): 100-alpha paths down to
  1e-3 * alpha_max for lasso, enet (l1_ratio 0.5), mcp and scad, on 1 and 2 threads;
* `genotype` n = 1,000, p = 100,000 as a Fortran-order f64 X.npy (0.8 GB): Lasso path, peak
  memory against the bytes of X;
* `genotype` n = 1,000, p = 1,000,000 as a PLINK .bed fileset (0.25 GB): 100-alpha Lasso path
  down to 0.1 * alpha_max on 2 threads (with --threads-list 1 2, also on 1 thread).

Each configuration runs --reps times as a child process; the table gives the median fit time
that regpath reports (data loading excluded), the wall time of the whole command, full passes
over X, the worst certificate, and the child's peak resident set size (os.wait4). Repeats of
the 1- and 2-thread runs are interleaved so that both see the same machine load.

Writes OUT/genomic_scale.csv (one row per run) and OUT/genomic_scale.md (medians).

Usage: python3 scripts/genomic_scale.py [--regpath target/release/regpath] [--work /tmp/regpath-genomic]
       [--out results/genomic] [--reps 3] [--skip-1m]
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def generate(regpath, work, family, n, p, fmt):
    out = os.path.join(work, f"{family}_n{n}_p{p}_{fmt}")
    if not os.path.exists(os.path.join(out, "meta.json")):
        cmd = [regpath, "gen", "--family", family, "--n", str(n), "--p", str(p), "--seed", "1", "--format", fmt, "--out", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return out


def run_path(regpath, args, out_dir):
    """Runs one `regpath path` child; returns (wall seconds, peak RSS bytes, stderr text)."""
    cmd = [regpath, "path", *args, "--no-coefs", "--out", out_dir]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"regpath failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss * 1024, err


def path_facts(out_dir):
    rows = list(csv.DictReader(open(os.path.join(out_dir, "path.csv"))))
    return dict(
        fit_s=sum(float(r["time_s"]) for r in rows),
        passes=sum(float(r["scan_passes"]) for r in rows),
        worst_certificate=max(float(r["certificate"]) for r in rows),
        all_converged=all(r["converged"] == "true" for r in rows),
        n_alphas=len(rows),
        nnz_last=int(rows[-1]["nnz"]),
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regpath", default=os.path.join(ROOT, "target", "release", "regpath"))
    ap.add_argument("--work", default="/tmp/regpath-genomic")
    ap.add_argument("--out", default=os.path.join(ROOT, "results", "genomic"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--threads-list", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--penalties", nargs="+", default=["lasso", "enet", "mcp", "scad"])
    ap.add_argument("--skip-1m", action="store_true", help="skip the 1,000,000-SNP .bed problem")
    a = ap.parse_args()
    if not os.path.exists(a.regpath):
        sys.exit(f"{a.regpath} not found: run `cargo build --release` first")
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)

    equi = generate(a.regpath, a.work, "equicorrelated", 1000, 100_000, "npy")
    geno = generate(a.regpath, a.work, "genotype", 1000, 100_000, "npy")
    configs = []  # (problem, x_bytes, penalty, extra args, thread list)
    equi_args = ["--x", f"{equi}/X.npy", "--y", f"{equi}/y.npy"]
    for pen in a.penalties:
        configs.append(("equicorrelated_n1000_p100000", 1000 * 100_000 * 8, pen, equi_args + ["--penalty", pen], a.threads_list))
    geno_args = ["--x", f"{geno}/X.npy", "--y", f"{geno}/y.npy"]
    configs.append(("genotype_n1000_p100000_npy", 1000 * 100_000 * 8, "lasso", geno_args, a.threads_list))
    if not a.skip_1m:
        bed = generate(a.regpath, a.work, "genotype", 1000, 1_000_000, "bed")
        bed_args = ["--bed", f"{bed}/geno", "--pheno", f"{bed}/pheno.txt", "--eps", "0.1"]
        configs.append(("genotype_n1000_p1000000_bed", 1000 * 1_000_000 // 4, "lasso", bed_args, a.threads_list))

    rows = []
    scratch = os.path.join(a.work, "out")
    for problem, x_bytes, pen, args, threads_list in configs:
        for rep in range(a.reps):
            for threads in threads_list:
                wall, rss, _ = run_path(a.regpath, args + ["--threads", str(threads)], scratch)
                facts = path_facts(scratch)
                row = dict(problem=problem, penalty=pen, threads=threads, rep=rep, wall_s=round(wall, 3),
                           peak_rss_mb=round(rss / 2**20, 1), x_mb=round(x_bytes / 2**20, 1),
                           rss_over_x=round(rss / x_bytes, 3), **facts)
                rows.append(row)
                print(f"{problem:32s} {pen:6s} threads {threads} rep {rep}: fit {facts['fit_s']:.2f} s, "
                      f"{facts['passes']:.1f} passes, worst cert {facts['worst_certificate']:.2e}, "
                      f"peak {row['peak_rss_mb']:.0f} MB ({row['rss_over_x']:.2f}x X)", flush=True)

    with open(os.path.join(a.out, "genomic_scale.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)

    lines = ["| problem | penalty | threads | median fit (s) | median wall (s) | full passes | worst certificate | all certified | peak RSS (MB) | peak / X |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    groups = {}
    for r in rows:
        groups.setdefault((r["problem"], r["penalty"], r["threads"]), []).append(r)
    for (problem, pen, threads), rs in groups.items():
        med = lambda k: statistics.median(r[k] for r in rs)
        lines.append(f"| {problem} | {pen} | {threads} | {med('fit_s'):.2f} | {med('wall_s'):.2f} | {med('passes'):.1f} | "
                     f"{max(r['worst_certificate'] for r in rs):.1e} | {all(r['all_converged'] for r in rs)} | "
                     f"{max(r['peak_rss_mb'] for r in rs):.0f} | {max(r['rss_over_x'] for r in rs):.3f} |")
    ratios = []
    for (problem, pen, threads), rs in groups.items():
        if threads == 2 and (problem, pen, 1) in groups:
            one = statistics.median(r["fit_s"] for r in groups[(problem, pen, 1)])
            two = statistics.median(r["fit_s"] for r in rs)
            ratios.append(f"| {problem} | {pen} | {two / one:.2f} |")
    if ratios:
        lines += ["", "2-thread / 1-thread median fit time:", "", "| problem | penalty | ratio |", "|---|---|---|"] + ratios
    with open(os.path.join(a.out, "genomic_scale.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"wrote {a.out}/genomic_scale.csv and {a.out}/genomic_scale.md")


if __name__ == "__main__":
    main()
