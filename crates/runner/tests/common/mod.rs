//! Helpers shared by the runner's tests: running the binary and reading its CSV tables,
//! comparing tables without their timing columns, and a small genotype family.
// each test crate that includes this module uses a part of it
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `regpath` binary of this build with `args`.
pub fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

/// `regpath path --datafit cox` on a fileset with a `FID IID time status` table, and `extra`.
pub fn cox_path(prefix: &Path, pheno: &Path, extra: &[&str], out: &Path) -> Output {
    let mut args = vec![
        "path",
        "--bed",
        prefix.to_str().unwrap(),
        "--pheno",
        pheno.to_str().unwrap(),
        "--time-col",
        "1",
        "--status-col",
        "2",
        "--datafit",
        "cox",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    regpath(&args)
}

/// Asserts the run succeeded; returns its stderr.
pub fn ok(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

/// Asserts the run failed cleanly (a non-zero exit, no panic); returns its stderr.
pub fn fails(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "expected a failure, got success: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A CSV table as (header, rows of fields).
pub fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    (header, rows)
}

/// The tables a finished sweep writes.
pub const TABLES: [&str; 7] =
    ["path.csv", "summary.csv", "comparison.csv", "coefs.csv", "pairwise.csv", "ranks.csv", "selection.csv"];

/// A CSV file with every column whose name contains `time_s` removed.
pub fn without_timing(path: &Path) -> String {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len()).filter(|&i| !header[i].contains("time_s")).collect();
    let mut out = keep.iter().map(|&i| header[i].to_string()).collect::<Vec<_>>().join(",");
    out.push('\n');
    for rec in r.records() {
        let rec = rec.unwrap();
        out.push_str(&keep.iter().map(|&i| rec[i].to_string()).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

/// Asserts that the tables of two sweep directories are identical apart from timings.
pub fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        assert_eq!(without_timing(&a.join(t)), without_timing(&b.join(t)), "{t} differs");
    }
}

/// A small genotype family (k = 3, h2 = 0.5, blocks of 5 SNPs, moderate LD, no defects).
pub fn small_genotype(n: usize, p: usize) -> regpath_datagen::FamilySpec {
    regpath_datagen::FamilySpec::Genotype {
        n,
        p,
        k: 3,
        h2: 0.5,
        maf_min: 0.05,
        maf_max: 0.5,
        block_size: 5,
        ld: 0.5,
        dup_frac: 0.0,
        flip_frac: 0.0,
        mono_frac: 0.0,
        missing_rate: 0.0,
        prevalence: None,
        survival: false,
        censoring: None,
    }
}

/// Harrell's C written out pair by pair (an O(n²) reference for the solver's O(n log n) one):
/// over the pairs with `δ_i = 1` and `T_i < T_j`, or tied times with j censored, the share with
/// `η_i > η_j`, ties in η counting ½.
pub fn naive_cindex(time: &[f64], status: &[f64], eta: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..time.len() {
        for j in 0..time.len() {
            if status[i] == 1.0 && (time[i] < time[j] || (time[i] == time[j] && status[j] == 0.0)) {
                den += 1.0;
                num += if eta[i] > eta[j] {
                    1.0
                } else if eta[i] == eta[j] {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    num / den
}
