#!/usr/bin/env bash
# Exports the two gene-expression datasets of configs/expression.toml into DIR (default
# data/expression): see scripts/expression_data.R for what they are. Needs Debian's
# r-bioc-all and r-bioc-bladderbatch (installed when missing and run as root).
#
#   scripts/expression_data.sh [DIR] [TOP]     (TOP > 0: keep the TOP most variable probesets)
set -euo pipefail
dir="${1:-data/expression}"
top="${2:-0}"
if ! Rscript -e 'suppressMessages({library(ALL); library(bladderbatch)})' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-bioc-all r-bioc-bladderbatch) >/dev/null
  else
    echo "install r-bioc-all and r-bioc-bladderbatch first (apt-get)" >&2
    exit 1
  fi
fi
exec Rscript "$(dirname "$0")/expression_data.R" "$dir" "$top"
