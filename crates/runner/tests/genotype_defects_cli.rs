//! End to end on genotypes with the defects of real data (duplicated and allele-flipped SNPs,
//! monomorphic SNPs, missing calls, long LD blocks): `regpath gen` writes the same dataset as
//! a PLINK fileset and as a dense `.npy`, and `regpath path` must certify every alpha of the
//! default grid for every sparse penalty on both, with the same objectives.

use std::path::Path;
use std::process::Command;

fn regpath(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath");
    assert!(out.status.success(), "regpath {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// (objective, certificate, converged, stop_reason) per row of path.csv.
fn read_path(dir: &Path) -> Vec<(f64, f64, bool, String)> {
    let mut reader = csv::Reader::from_path(dir.join("path.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (obj, cert, conv, stop) = (col("objective"), col("certificate"), col("converged"), col("stop_reason"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[obj].parse().unwrap(), r[cert].parse().unwrap(), &r[conv] == "true", r[stop].to_string())
        })
        .collect()
}

#[test]
fn defective_genotypes_certify_on_bed_and_npy_alike() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let common = [
        "gen",
        "--family",
        "genotype",
        "--n",
        "150",
        "--p",
        "1200",
        "--k",
        "8",
        "--seed",
        "3",
        "--dup-frac",
        "0.2",
        "--flip-frac",
        "0.5",
        "--mono-frac",
        "0.1",
        "--missing-rate",
        "0.02",
        "--ld",
        "0.98",
    ];
    regpath(&[&common[..], &["--format", "bed", "--out", &d("bed")]].concat());
    regpath(&[&common[..], &["--format", "npy", "--out", &d("npy")]].concat());
    let prefix = std::fs::read_dir(dir.path().join("bed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "bed"))
        .expect("a .bed file")
        .with_extension("");
    let prefix = prefix.to_string_lossy().into_owned();
    let pheno = std::fs::read_dir(dir.path().join("bed"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("pheno"))
        .expect("a phenotype file");
    let pheno = pheno.to_string_lossy().into_owned();
    for penalty in ["lasso", "enet", "mcp", "scad"] {
        let (out_bed, out_npy) = (d(&format!("fit_bed_{penalty}")), d(&format!("fit_npy_{penalty}")));
        regpath(&[
            "path",
            "--bed",
            &prefix,
            "--pheno",
            &pheno,
            "--penalty",
            penalty,
            "--threads",
            "1",
            "--out",
            &out_bed,
        ]);
        regpath(&[
            "path",
            "--x",
            &d("npy/X.npy"),
            "--y",
            &d("npy/y.npy"),
            "--penalty",
            penalty,
            "--threads",
            "2",
            "--out",
            &out_npy,
        ]);
        let (a, b) = (read_path(Path::new(&out_bed)), read_path(Path::new(&out_npy)));
        assert_eq!(a.len(), 100, "{penalty}: the default grid runs to its end");
        assert_eq!(a.len(), b.len());
        let null_objective = a[0].0;
        for (k, (ra, rb)) in a.iter().zip(&b).enumerate() {
            assert!(ra.2 && ra.1 <= 1e-6, "{penalty} .bed alpha {k}: certificate {}", ra.1);
            assert!(rb.2 && rb.1 <= 1e-6, "{penalty} .npy alpha {k}: certificate {}", rb.1);
            // same data, two readers and two designs: the same objective to the tolerance (the
            // non-convex penalties may land on different stationary points, so only the convex
            // ones are compared)
            if penalty == "lasso" || penalty == "enet" {
                assert!((ra.0 - rb.0).abs() <= 2e-6 * null_objective, "{penalty} alpha {k}: {} vs {}", ra.0, rb.0);
            }
        }
        assert_eq!(a.last().unwrap().3, "end_of_grid");
    }
}
