#!/bin/bash
# Written by `regpath slurm`: submits the array job, then the merge job that runs once
# every array task has succeeded. Run it again to rerun failed or cancelled pieces.
set -euo pipefail
cd results/biobank-study/slurm
array=$(sbatch --parsable array.sbatch)
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" merge.sbatch)
merge=${merge%%;*}
printf 'array %s\nmerge %s\n' "$array" "$merge" > jobs.tmp && mv jobs.tmp jobs
echo "submitted array job $array (12 tasks) and merge job $merge" >&2
