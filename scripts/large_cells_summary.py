#!/usr/bin/env python3
"""Summarize the finished tasks of a partly run sweep (e.g. configs/biobank-study-large.toml).

    scripts/large_cells_summary.py SWEEP_OUT_DIR OUT.csv [--previous OLD.csv]

`regpath merge` assembles the tables only once every piece is done. This reads what is
there: each finished task file (SWEEP_OUT_DIR/tasks/*.json, its `summary` row) and the piece
records (SWEEP_OUT_DIR/pieces/*.json: a task belongs to the piece whose `task_ids` list it, or,
for records without that list, to the piece whose run, started_at to finished_at, contains the
task file's modification time; that gives the git revision of the binary that ran it; a task
of a piece still running has none; the window of SWEEP_OUT_DIR/manifest.json counts too when
it records one unsharded run),
and writes one row per finished task: cell, penalty, time (CV + final path), test R², nnz,
support recovery and worst certificate, and the peak memory of the piece's process when that
piece ran this one task alone (`peak_rss_mb` of its record). `--previous OLD.csv` carries
over, unchanged, the rows of OLD.csv (an earlier run's table) whose task has no file here.
The output is written to a temporary file and renamed, so an interrupted run leaves no
partial table.
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
    "worst_certificate", "all_converged", "stop_reason", "git_revision", "finished_by", "peak_rss_mb",
]


def main() -> int:
    args = sys.argv[1:]
    previous = None
    if len(args) == 4 and args[2] == "--previous":
        previous, args = args[3], args[:2]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    root, out = args
    tasks = sorted(glob.glob(os.path.join(root, "tasks", "*.json")))
    if not tasks:
        print(f"error: no task files in {root}/tasks", file=sys.stderr)
        return 1
    # which piece (and so which binary) ran each task: (revision, piece, peak memory when the
    # piece ran that task alone), by the record's task_ids, else by its run window
    by_id, windows = {}, []
    for path in sorted(glob.glob(os.path.join(root, "pieces", "*.json"))):
        piece = json.load(open(path))
        alone = piece.get("tasks_run") == 1 and piece.get("peak_rss_mb") is not None
        who = ((piece.get("git_revision") or "")[:7], piece.get("slurm_job") or piece["shard"],
               f"{piece['peak_rss_mb']:.0f}" if alone else "")
        if piece.get("task_ids"):
            by_id.update((task_id, who) for task_id in piece["task_ids"])
            continue
        start = datetime.fromisoformat(piece["started_at"].replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(piece["finished_at"].replace("Z", "+00:00")).timestamp()
        windows.append((start, end + 1.0, who))
    # a single (unsharded) run of the sweep: its manifest's window and revision
    manifest = os.path.join(root, "manifest.json")
    if os.path.exists(manifest):
        run = json.load(open(manifest))
        if not run.get("pieces") and run.get("started_at") and run.get("finished_at"):
            start = datetime.fromisoformat(run["started_at"].replace("Z", "+00:00")).timestamp()
            end = datetime.fromisoformat(run["finished_at"].replace("Z", "+00:00")).timestamp()
            who = ((run.get("git_revision") or "")[:7], f"sweep, {run.get('threads', '?')} threads", "")
            windows.append((start, end + 1.0, who))
    rows = []
    for path in tasks:
        s = json.load(open(path))["summary"]
        mtime = os.path.getmtime(path)
        # a run window is ambiguous when pieces ran at the same time: task_ids are not
        revision, job, peak = by_id.get(s["task_id"]) or next(
            (who for start, end, who in windows if start <= mtime <= end), ("", "", ""))
        rows.append({
            "task_id": s["task_id"], "dataset": s["dataset"], "n": s["n"], "p": s["p"],
            "true_nnz": s["true_nnz"], "penalty": s["penalty"],
            "cv_time_s": f"{s['cv_time_s']:.1f}", "path_time_s": f"{s['path_time_s']:.1f}",
            "cv_plus_path_s": f"{s['cv_time_s'] + s['path_time_s']:.1f}",
            "chosen_alpha_index": s["chosen_alpha_index"], "chosen_nnz": s["chosen_nnz"],
            "chosen_test_r2": f"{s['chosen_test_r2']:.4f}", "chosen_f1": f"{s['chosen_f1']:.3f}",
            "worst_certificate": f"{s['worst_certificate']:.2e}", "all_converged": s["all_converged"],
            "stop_reason": s["stop_reason"], "git_revision": revision, "finished_by": job,
            "peak_rss_mb": peak,
        })
    if previous:
        have = {r["task_id"] for r in rows}
        for old in csv.DictReader(open(previous)):
            if old["task_id"] not in have:
                rows.append({c: old.get(c, "") for c in COLUMNS})
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
