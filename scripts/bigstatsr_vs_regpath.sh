#!/usr/bin/env bash
# A cross-validated polygenic model of one PLINK fileset by regpath and by bigstatsr, on the same
# 80/20 split, back to back, each with NCORES threads: time (whole command), peak memory, test
# R² and nnz. bigstatsr must be installed (see the header of scripts/bigstatsr_compare.R).
#
#   scripts/bigstatsr_vs_regpath.sh PREFIX PHENO TRAIN_KEEP TEST_KEEP NCORES OUTDIR [logistic]
#
# regpath: `path --keep TRAIN --test-keep TEST --cv-folds 4 --patience 10 --n-alphas 200
# --eps 1e-4` (bigstatsr's defaults: K = 4, n.abort = 10, nlambda = 200, lambda.min.ratio =
# 1e-4); the reported model is the CV choice alpha_min, scored on TEST. bigstatsr:
# big_spLinReg / big_spLogReg(K = 4) on TRAIN, predicted on TEST; its one-off .bed -> FBM
# conversion is timed separately (convert_s) and not counted in fit_s.
# Writes OUTDIR/regpath/ (the path output), OUTDIR/bigstatsr.csv and OUTDIR/comparison.csv.
set -euo pipefail
[ $# -ge 6 ] || { sed -n 2,13p "$0"; exit 2; }
prefix=$1 pheno=$2 train=$3 test=$4 ncores=$5 out=$6 datafit=${7:-quadratic}
here=$(cd "$(dirname "$0")" && pwd)
regpath=${REGPATH:-$here/../target/release/regpath}
mkdir -p "$out"
extra=()
[ "$datafit" = logistic ] && extra=(--datafit logistic)
/usr/bin/time -v "$regpath" path --bed "$prefix" --pheno "$pheno" --keep "$train" --test-keep "$test" \
  --cv-folds 4 --patience 10 --n-alphas 200 --eps 1e-4 --threads "$ncores" "${extra[@]}" \
  --out "$out/regpath" 2> "$out/regpath.time"
/usr/bin/time -v Rscript "$here/bigstatsr_compare.R" "$prefix" "$pheno" "$train" "$test" "$ncores" \
  "$out/bigstatsr.csv" ${7:+logistic} 2> "$out/bigstatsr.time"
python3 - "$out" <<'EOF'
import csv, re, sys
out = sys.argv[1]
def time_v(path):
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    parts = [float(x) for x in wall.split(":")]
    seconds = sum(v * 60 ** (len(parts) - 1 - i) for i, v in enumerate(parts))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024
    return seconds, rss
rows = list(csv.DictReader(open(f"{out}/regpath/path.csv")))
chosen = next(r for r in rows if "min" in r.get("cv_choice", ""))
worst = max(float(r["certificate"]) for r in rows)
score = "test_r2" if "test_r2" in chosen else "test_auc"
wall, rss = time_v(f"{out}/regpath.time")
b = next(csv.DictReader(open(f"{out}/bigstatsr.csv")))
bwall, brss = time_v(f"{out}/bigstatsr.time")
with open(f"{out}/comparison.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["tool", "command_s", "fit_s", "peak_rss_mb", "test_score", "nnz", "worst_certificate"])
    w.writerow(["regpath", f"{wall:.2f}", "", f"{rss:.0f}", chosen[score], chosen["nnz"], f"{worst:.2e}"])
    w.writerow(["bigstatsr", f"{bwall:.2f}", b["fit_s"], f"{brss:.0f}", b["test_r2"], b["nnz"], ""])
print(open(f"{out}/comparison.csv").read())
EOF
