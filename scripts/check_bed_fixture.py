#!/usr/bin/env python3
"""Decode the committed PLINK fixture with an independent reader (PyPI's bed-reader).

Writes crates/datagen/tests/fixtures/small_expected.csv: one row per sample (.fam order), one
column per SNP (.bim order), the dosage of allele 1 (the .bim fifth column; bed-reader's
count_A1=True, the same convention as regpath: 00 -> 2, 01 -> missing, 10 -> 1, 11 -> 0),
and "NA" for a missing call. The Rust test `bed_fixture_matches_independent_decoder` compares
`Bed::decode_snp_raw` against this file.

    python3 -m venv /tmp/venv-bed && /tmp/venv-bed/bin/pip install -r scripts/requirements-dev.txt
    /tmp/venv-bed/bin/python scripts/check_bed_fixture.py          # (re)write the CSV
    /tmp/venv-bed/bin/python scripts/check_bed_fixture.py --check  # fail if it differs
"""

import argparse
import io
import math
import pathlib
import sys

import numpy as np
from bed_reader import open_bed

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "crates" / "datagen" / "tests" / "fixtures"


def decode(prefix: pathlib.Path) -> str:
    with open_bed(prefix.with_suffix(".bed"), count_A1=True) as bed:
        values = bed.read(dtype="float64", order="F")
        snps = list(bed.sid)
        iids = list(bed.iid)
    out = io.StringIO()
    out.write("iid," + ",".join(snps) + "\n")
    for i, iid in enumerate(iids):
        cells = ["NA" if math.isnan(v) else str(int(v)) for v in values[i, :]]
        out.write(iid + "," + ",".join(cells) + "\n")
    assert np.all(np.isnan(values) | np.isin(values, [0.0, 1.0, 2.0]))
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--prefix", type=pathlib.Path, default=FIXTURES / "small")
    parser.add_argument("--out", type=pathlib.Path, default=FIXTURES / "small_expected.csv")
    args = parser.parse_args()
    text = decode(args.prefix)
    if args.check:
        if not args.out.exists() or args.out.read_text() != text:
            print(f"{args.out} differs from bed-reader's decoding:\n{text}", file=sys.stderr)
            return 1
        print(f"{args.out}: matches bed-reader")
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
