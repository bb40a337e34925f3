#!/usr/bin/env python3
"""Decode a PLINK 1 fileset into the dense problem regpath fits with `--bed`.

Writes OUT/X.npy (n x p, f64, Fortran order: allele-1 counts, missing calls imputed with the
SNP's mean over the kept samples, exactly as regpath's packed design does), OUT/y.npy and
OUT/meta.json. Samples whose phenotype is missing (NA, -9, or absent) are dropped, as
`regpath path --bed` does. Used to run peers (glmnet, adelie, ...) on real genotypes and to
recompute certificates independently; numpy only.

Usage: bed_to_npy.py PREFIX OUT [--pheno-col K]   (K: 1-based phenotype column of the .fam, from column 6)
"""
import argparse
import json
import os

import numpy as np


def read_fam(path, pheno_col):
    ids, y = [], []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if not fields:
                continue
            ids.append((fields[0], fields[1]))
            v = fields[4 + pheno_col] if len(fields) > 4 + pheno_col else "NA"
            y.append(np.nan if v in ("NA", "-9", "nan") else float(v))
    return ids, np.array(y)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefix")
    ap.add_argument("out")
    ap.add_argument("--pheno-col", type=int, default=1)
    a = ap.parse_args()
    ids, y = read_fam(a.prefix + ".fam", a.pheno_col)
    n_all = len(ids)
    with open(a.prefix + ".bim") as f:
        p = sum(1 for line in f if line.strip())
    raw = np.fromfile(a.prefix + ".bed", dtype=np.uint8)
    assert raw[:3].tolist() == [0x6C, 0x1B, 0x01], "not a SNP-major .bed"
    bps = (n_all + 3) // 4
    packed = raw[3:3 + bps * p].reshape(p, bps)
    codes = np.stack([(packed >> (2 * k)) & 3 for k in range(4)], axis=2).reshape(p, bps * 4)[:, :n_all]
    keep = ~np.isnan(y)
    codes = codes[:, keep]
    value = np.array([2.0, np.nan, 1.0, 0.0])[codes]  # p x n
    mean = np.nanmean(np.where(np.isnan(value), np.nan, value), axis=1)
    mean = np.where(np.isnan(mean), 0.0, mean)
    value = np.where(np.isnan(value), mean[:, None], value)
    x = np.asfortranarray(value.T)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "X.npy"), x)
    np.save(os.path.join(a.out, "y.npy"), y[keep])
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"name": os.path.basename(a.prefix), "source": a.prefix, "n": int(keep.sum()), "p": p,
                   "dropped_samples": int((~keep).sum()), "standardized_columns": False}, f, indent=1)
    print(f"{a.prefix}: kept {keep.sum()} of {n_all} samples, {p} SNPs -> {a.out}")


if __name__ == "__main__":
    main()
