#!/usr/bin/env python3
"""Markdown tables of a biobank-study sweep (results/biobank-study/): for each dataset the
chosen model's test R², nnz, F1 (support recovery counted by copy group) and the CV + final
path seconds of every penalty, and for the synthetic cells the expected R² of a polygenic
predictor h²/(1 + M/(n_train·h²)), M = p/20 (Daetwyler et al. 2008).

    python3 scripts/biobank_study_summary.py results/biobank-study > tables.md
"""
import csv
import sys
from collections import OrderedDict


def main(study):
    rows = list(csv.DictReader(open(f"{study}/summary.csv")))
    penalties = list(OrderedDict.fromkeys(r["penalty"] + (f" ρ={r['l1_ratio']}" if r["l1_ratio"] else "")
                                          + (f" γ={r['gamma']}" if r["gamma"] else "") for r in rows))
    by_ds = OrderedDict()
    for r in rows:
        label = r["penalty"] + (f" ρ={r['l1_ratio']}" if r["l1_ratio"] else "") + (f" γ={r['gamma']}" if r["gamma"] else "")
        by_ds.setdefault(r["dataset"], {}).setdefault(label, []).append(r)

    def mean(values):
        values = [float(v) for v in values if v not in ("", None)]
        return sum(values) / len(values) if values else float("nan")

    for title, key, fmt in [("Test R² of the CV-chosen model", "chosen_test_r2", "{:.3f}"),
                            ("Nonzero coefficients of the chosen model", "chosen_nnz", "{:.0f}"),
                            ("F1 of the chosen support (copies of a causal SNP count as found)", "chosen_f1", "{:.2f}"),
                            ("Seconds: CV (4 folds, patience 10) + final path, one thread", None, "{:.1f}")]:
        print(f"### {title}\n")
        extra = " | expected R² |" if key == "chosen_test_r2" else " |"
        print("| dataset | n | p | " + " | ".join(penalties) + extra)
        print("|---|---:|---:|" + "---:|" * len(penalties) + ("---:|" if key == "chosen_test_r2" else ""))
        for ds, cells in by_ds.items():
            first = next(iter(cells.values()))[0]
            values = []
            for pen in penalties:
                rs = cells.get(pen, [])
                if key is None:
                    v = mean([float(r["cv_time_s"] or 0) + float(r["path_time_s"]) for r in rs])
                else:
                    v = mean([r[key] for r in rs])
                values.append(fmt.format(v) if v == v else "–")
            line = f"| {ds} | {first['n']} | {first['p']} | " + " | ".join(values) + " |"
            if key == "chosen_test_r2":
                if first["family"] == "genotype":
                    h2 = float([t[2:] for t in ds.split("_") if t.startswith("h2")][0])
                    m = int(first["p"]) / 20
                    nt = int(first["n_train"])
                    line += f" {h2 / (1 + m / (nt * h2)):.3f} |"
                else:
                    line += " |"
            print(line)
        print()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/biobank-study")
