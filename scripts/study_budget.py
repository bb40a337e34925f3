#!/usr/bin/env python3
"""The wall time of a whole study run in one go, and whether it reproduced the committed study.

    scripts/study_budget.py OUT.csv RUN_DIR:COMMITTED_DIR [RUN_DIR:COMMITTED_DIR ...]

Each RUN_DIR is a finished, merged sweep (`regpath slurm … --submit` or `regpath sweep`) of a
configuration whose committed results are in COMMITTED_DIR (e.g. a run of
configs/biobank-study.toml against results/biobank-study). From each RUN_DIR/manifest.json
(its pieces' `started_at`/`finished_at`, and the merge's own window) it takes when the run
started and ended; the study's wall time runs from the earliest start to the latest end over
all runs. Each task of the run is then compared with the committed one (same task_id in
summary.csv): the chosen alpha index, and with it the chosen support size and the test R² to
six digits (the same model).

Writes OUT.csv (one row per run and a `whole study` row: start, end, wall time, tasks, CV + path
seconds summed over tasks, how many tasks chose the same alpha and the same model as the
committed results) through a temporary file and a rename, and prints the same table and the
tasks whose model differs. Exits 1 when a committed task was not run.
"""

import csv
import json
import os
import sys
from datetime import datetime

COLUMNS = [
    "run", "config", "git_revision", "threads", "pieces", "started_at", "finished_at", "wall_time_s",
    "tasks", "cv_plus_path_s_summed", "same_chosen_alpha", "same_chosen_model", "committed",
]


def when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")


def window(manifest: dict) -> tuple:
    """(start, end) of a run: its pieces' earliest start to the later of their last finish
    and the merge's finish."""
    pieces = manifest.get("pieces") or []
    starts = [when(p["started_at"]) for p in pieces] or [when(manifest["started_at"])]
    ends = [when(p["finished_at"]) for p in pieces] + [when(manifest["finished_at"])]
    return min(starts), max(ends)


def summary(path: str) -> dict:
    with open(os.path.join(path, "summary.csv"), newline="") as f:
        return {row["task_id"]: row for row in csv.DictReader(f)}


def same_model(a: dict, b: dict) -> bool:
    return (
        a["chosen_alpha_index"] == b["chosen_alpha_index"]
        and a["chosen_nnz"] == b["chosen_nnz"]
        and abs(float(a["chosen_test_r2"]) - float(b["chosen_test_r2"])) < 5e-7
    )


def main() -> int:
    if len(sys.argv) < 3 or any(":" not in a for a in sys.argv[2:]):
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    rows, differ = [], []
    first, last, tasks, seconds, same, alpha_same = None, None, 0, 0.0, 0, 0
    for pair in sys.argv[2:]:
        run, committed = pair.split(":", 1)
        with open(os.path.join(run, "manifest.json")) as f:
            manifest = json.load(f)
        start, end = window(manifest)
        mine, theirs = summary(run), summary(committed)
        missing = sorted(set(theirs) - set(mine))
        if missing:
            print(f"{run}: {len(missing)} committed tasks not run, e.g. {missing[0]}", file=sys.stderr)
            return 1
        run_seconds = sum(float(r["cv_time_s"]) + float(r["path_time_s"]) for r in mine.values())
        run_same = run_alpha = 0
        for task_id, row in mine.items():
            old = theirs.get(task_id)
            if old is not None and old["chosen_alpha_index"] == row["chosen_alpha_index"]:
                run_alpha += 1
            if old is not None and same_model(row, old):
                run_same += 1
            else:
                differ.append((task_id, old, row))
        pieces = manifest.get("pieces") or []
        revisions = sorted({p.get("git_revision", "")[:7] for p in pieces} or {manifest["git_revision"][:7]})
        rows.append({
            "run": run,
            "config": manifest["config"]["name"],
            "git_revision": " ".join(revisions),
            "threads": max([p.get("threads", 0) for p in pieces] or [manifest["threads"]]),
            "pieces": len(pieces) or 1,
            "started_at": start.isoformat() + "Z",
            "finished_at": end.isoformat() + "Z",
            "wall_time_s": round((end - start).total_seconds()),
            "tasks": len(mine),
            "cv_plus_path_s_summed": round(run_seconds, 1),
            "same_chosen_alpha": run_alpha,
            "same_chosen_model": run_same,
            "committed": committed,
        })
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
        tasks, seconds, same = tasks + len(mine), seconds + run_seconds, same + run_same
        alpha_same += run_alpha
    rows.append({
        "run": "whole study", "config": "", "git_revision": "", "threads": "", "pieces": "",
        "started_at": first.isoformat() + "Z", "finished_at": last.isoformat() + "Z",
        "wall_time_s": round((last - first).total_seconds()), "tasks": tasks,
        "cv_plus_path_s_summed": round(seconds, 1), "same_chosen_alpha": alpha_same,
        "same_chosen_model": same, "committed": "",
    })
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, out)
    for row in rows:
        print(", ".join(f"{k} {row[k]}" for k in COLUMNS if row[k] != ""))
    for task_id, old, new in differ:
        if old is None:
            print(f"{task_id}: not in the committed results")
            continue
        print(
            f"{task_id}: alpha {old['chosen_alpha_index']} -> {new['chosen_alpha_index']}, "
            f"nnz {old['chosen_nnz']} -> {new['chosen_nnz']}, "
            f"test R2 {float(old['chosen_test_r2']):.6f} -> {float(new['chosen_test_r2']):.6f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
