#!/usr/bin/env bash
# The real filesets of the biobank study (configs/biobank-study.toml), unpacked from Debian's
# packages into DIR (default data/biobank next to this repository's root):
#   HLC            GEMMA's human example, 427 x 358,499   (gemma-doc)
#   EUR_subset     1000 Genomes EUR subset, 379 x 54,051   (bolt-lmm-example)
#   mouse_hs1940   GEMMA's heterogeneous-stock mice, 1,940 x 12,226 (gemma-doc)
#
#   sudo apt-get install gemma-doc bolt-lmm-example
#   scripts/biobank_study_data.sh [DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/data/biobank}
mkdir -p "$out"
gemma=/usr/share/doc/gemma/example
bolt=/usr/share/doc/bolt-lmm/examples/examples.tar.xz
[ -d "$gemma" ] || { echo "missing $gemma: apt-get install gemma-doc" >&2; exit 1; }
[ -f "$bolt" ] || { echo "missing $bolt: apt-get install bolt-lmm-example" >&2; exit 1; }
for f in HLC mouse_hs1940; do
  for ext in bed bim fam; do
    if [ ! -s "$out/$f.$ext" ]; then
      zcat "$gemma/$f.$ext.gz" > "$out/$f.$ext.tmp"
      mv -f "$out/$f.$ext.tmp" "$out/$f.$ext"
    fi
  done
done
if [ ! -s "$out/EUR_subset.bed" ]; then
  tmp=$(mktemp -d)
  tar -xJf "$bolt" -C "$tmp"
  for ext in bed bim fam; do
    cp "$(find "$tmp" -name "EUR_subset.$ext" | head -1)" "$out/EUR_subset.$ext"
  done
  rm -rf "$tmp"
fi
ls -l "$out"
