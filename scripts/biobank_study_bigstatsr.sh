#!/usr/bin/env bash
# regpath against bigstatsr on the synthetic n = 10^4 cells of the biobank study, and on one
# n = 10^5 fileset, side by side: results/biobank-study/bigstatsr.csv.
#
#   scripts/biobank_study_bigstatsr.sh STUDY_DIR WORK_DIR [NCORES] [N100K_PREFIX ...]
#
# For each synthetic cell with n = 10,000 in STUDY_DIR/summary.csv the genotypes are written
# again with `regpath gen --family genotype … --seed <data_seed>` (the generator the sweep
# used, so the same data), the replicate's train/test split is read from
# STUDY_DIR/splits/<dataset>__r0.txt, and scripts/bigstatsr_vs_regpath.sh fits both tools on
# it (regpath: `path --cv-folds 4 --patience 10 --n-alphas 200 --eps 1e-4`, bigstatsr:
# `big_spLinReg(K = 4)`, their defaults). Each N100K_PREFIX (optional, any number) is a fileset
# written by `regpath gen --family genotype --n 100000 … --format bed` with its pheno.txt and
# meta.json; it is split 80/20 at random (seed 5). bigstatsr and bigsnpr must be installed (see the header of
# scripts/bigstatsr_compare.R). WORK_DIR receives the filesets (about 0.3 GB per n = 10^4
# cell) and each comparison's output.
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,16p "$0"; exit 2; }
study=$1 work=$2 ncores=${3:-2}
shift $(( $# >= 3 ? 3 : 2 ))
here=$(cd "$(dirname "$0")" && pwd)
regpath=${REGPATH:-$here/../target/release/regpath}
mkdir -p "$work"
out_csv="$study/bigstatsr.csv"
tmp_csv="$work/bigstatsr.csv.tmp"
echo "cell,n,p,k,tool,command_s,fit_s,peak_rss_mb,test_r2,nnz,worst_certificate" > "$tmp_csv"

# one comparison: CELL N P K PREFIX PHENO TRAIN TEST
compare() {
  local cell=$1 n=$2 p=$3 k=$4 prefix=$5 pheno=$6 train=$7 test=$8
  echo "== $cell: regpath and bigstatsr on $ncores cores" >&2
  REGPATH=$regpath "$here/bigstatsr_vs_regpath.sh" "$prefix" "$pheno" "$train" "$test" "$ncores" "$work/$cell" > /dev/null
  tail -n +2 "$work/$cell/comparison.csv" | sed "s/^/$cell,$n,$p,$k,/" >> "$tmp_csv"
}

python3 - "$study" <<'PY' > "$work/cells.txt"
import csv, sys
rows = list(csv.DictReader(open(f"{sys.argv[1]}/summary.csv")))
seen = set()
for r in rows:
    if r["family"] == "genotype" and r["n"] == "10000" and r["replicate"] == "0" and r["dataset"] not in seen:
        seen.add(r["dataset"])
        k = [t[1:] for t in r["dataset"].split("_") if t.startswith("k")][0]
        print(r["dataset"], r["n"], r["p"], k, r["data_seed"])
PY
while read -r cell n p k seed; do
  dir="$work/data/$cell"
  [ -s "$dir/geno.bed" ] || "$regpath" gen --family genotype --n "$n" --p "$p" --k "$k" --h2 0.5 \
    --seed "$seed" --format bed --out "$dir" 2> /dev/null
  awk 'NR > 1 && $2 == "train" {print "ind" $1, "ind" $1}' "$study/splits/${cell}__r0.txt" > "$dir/train.txt"
  awk 'NR > 1 && $2 == "test" {print "ind" $1, "ind" $1}' "$study/splits/${cell}__r0.txt" > "$dir/test.txt"
  compare "$cell" "$n" "$p" "$k" "$dir/geno" "$dir/pheno.txt" "$dir/train.txt" "$dir/test.txt"
done < "$work/cells.txt"

for big in "$@"; do
  n=$(wc -l < "$big.fam") p=$(wc -l < "$big.bim")
  k=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['k'])" "$(dirname "$big")/meta.json" 2>/dev/null || echo "")
  cell="synthetic_n${n}_p${p}_k${k}_h20.5"
  python3 - "$big.fam" "$work" "$cell" <<'PY'
import random, sys
ids = [l.split()[:2] for l in open(sys.argv[1])]
random.seed(5); random.shuffle(ids)
cut = int(0.8 * len(ids))
open(f"{sys.argv[2]}/{sys.argv[3]}_train.txt", "w").writelines(f"{a} {b}\n" for a, b in ids[:cut])
open(f"{sys.argv[2]}/{sys.argv[3]}_test.txt", "w").writelines(f"{a} {b}\n" for a, b in ids[cut:])
PY
  compare "$cell" "$n" "$p" "$k" "$big" "$(dirname "$big")/pheno.txt" "$work/${cell}_train.txt" "$work/${cell}_test.txt"
done
mv -f "$tmp_csv" "$out_csv"
cat "$out_csv"
