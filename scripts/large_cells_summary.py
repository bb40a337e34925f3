#!/usr/bin/env python3
"""Summarize the finished tasks of a partly run sweep (e.g. configs/biobank-study-large.toml).

    scripts/large_cells_summary.py SWEEP_OUT_DIR OUT.csv

`regpath merge` assembles the tables only once every piece is done. This reads what is
there: each finished task file (SWEEP_OUT_DIR/tasks/*.json, its `summary` row) and the piece
records (SWEEP_OUT_DIR/pieces/*.json: a task belongs to the piece whose run, started_at to
finished_at, contains its file's modification time, which gives the git revision of the binary
that ran it; a task of a piece still running has none),
and writes one row per finished task: cell, penalty, time (CV + final path), test R², nnz,
support recovery and worst certificate. The output is written to a temporary file and renamed,
so an interrupted run leaves no partial table.
"""

import csv
import glob
import json
import os
import sys
from datetime import datetime

COLUMNS = [
    "task_id", "dataset", "n", "p", "true_nnz", "penalty", "cv_time_s", "path_time_s",
    "cv_plus_path_s", "chosen_alpha_index", "chosen_nnz", "chosen_test_r2", "chosen_f1",
    "worst_certificate", "all_converged", "stop_reason", "git_revision", "finished_by",
]


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root, out = sys.argv[1], sys.argv[2]
    tasks = sorted(glob.glob(os.path.join(root, "tasks", "*.json")))
    if not tasks:
        print(f"error: no task files in {root}/tasks", file=sys.stderr)
        return 1
    # which piece (and so which binary) ran each task: the piece whose run window holds the
    # task file's modification time
    windows = []
    for path in sorted(glob.glob(os.path.join(root, "pieces", "*.json"))):
        piece = json.load(open(path))
        start = datetime.fromisoformat(piece["started_at"].replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(piece["finished_at"].replace("Z", "+00:00")).timestamp()
        windows.append((start, end + 1.0, piece.get("git_revision", "")[:7], piece.get("slurm_job") or piece["shard"]))
    rows = []
    for path in tasks:
        s = json.load(open(path))["summary"]
        mtime = os.path.getmtime(path)
        revision, job = next(((rev, job) for start, end, rev, job in windows if start <= mtime <= end), ("", ""))
        rows.append({
            "task_id": s["task_id"], "dataset": s["dataset"], "n": s["n"], "p": s["p"],
            "true_nnz": s["true_nnz"], "penalty": s["penalty"],
            "cv_time_s": f"{s['cv_time_s']:.1f}", "path_time_s": f"{s['path_time_s']:.1f}",
            "cv_plus_path_s": f"{s['cv_time_s'] + s['path_time_s']:.1f}",
            "chosen_alpha_index": s["chosen_alpha_index"], "chosen_nnz": s["chosen_nnz"],
            "chosen_test_r2": f"{s['chosen_test_r2']:.4f}", "chosen_f1": f"{s['chosen_f1']:.3f}",
            "worst_certificate": f"{s['worst_certificate']:.2e}", "all_converged": s["all_converged"],
            "stop_reason": s["stop_reason"], "git_revision": revision, "finished_by": job,
        })
    rows.sort(key=lambda r: (-int(r["n"]), -int(r["p"]), int(r["true_nnz"]), r["penalty"]))
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, out)
    print(f"wrote {out}: {len(rows)} finished tasks", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
