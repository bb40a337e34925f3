//! `regpath gen --survival [--censoring F]`: survival times from a Cox model on the genetic
//! value, for the synthetic genotype family (`.npy` and `.bed` output) and on a real fileset
//! (`gen --bed`). Checked independently of the generator: the same seed gives the same bytes,
//! the realized censored fraction is near F on a large n, η = Xβ recomputed from the written X
//! and β has the documented variance and orders the times (Harrell's C written out pair by
//! pair), the files are what `regpath path --datafit cox` reads, and bad flags are errors that
//! write nothing.

mod common;

use std::path::Path;

use common::{cox_path, fails, naive_cindex, ok, regpath, table};
use regpath_datagen::read_matrix;
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn meta(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap()
}

fn vector(path: &Path) -> Vec<f64> {
    regpath_datagen::read_vector(path).unwrap().to_vec()
}

fn generate(out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["gen", "--family", "genotype", "--k", "5", "--out", s(out)];
    args.extend_from_slice(extra);
    ok(&regpath(&args))
}

#[test]
fn same_seed_same_bytes_for_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<&str>); 2] = [
        ("npy", vec!["--n", "120", "--p", "30", "--survival", "--censoring", "0.4", "--seed", "5"]),
        ("bed", vec!["--n", "120", "--p", "30", "--survival", "--format", "bed", "--seed", "5"]),
    ];
    for (name, flags) in cases {
        let (a, b) = (dir.path().join(format!("{name}_a")), dir.path().join(format!("{name}_b")));
        generate(&a, &flags);
        generate(&b, &flags);
        let mut files: Vec<_> = std::fs::read_dir(&a).unwrap().map(|e| e.unwrap().file_name()).collect();
        files.sort();
        assert!(files.iter().any(|f| f == "time.npy") && files.iter().any(|f| f == "status.npy"), "{files:?}");
        assert!(!files.iter().any(|f| f == "y.npy"), "a survival dataset has no y.npy: {files:?}");
        for f in &files {
            assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{name}: {f:?}");
        }
        // another seed draws other times
        let c = dir.path().join(format!("{name}_c"));
        let mut other = flags.clone();
        *other.last_mut().unwrap() = "6";
        generate(&c, &other);
        assert_ne!(std::fs::read(a.join("time.npy")).unwrap(), std::fs::read(c.join("time.npy")).unwrap());
    }
    // the fileset's pheno.txt holds time and status; its .fam phenotype is missing
    let bed = dir.path().join("bed_a");
    let pheno = std::fs::read_to_string(bed.join("pheno.txt")).unwrap();
    assert_eq!(pheno.lines().next(), Some("FID IID time status"));
    let fam = std::fs::read_to_string(bed.join("geno.fam")).unwrap();
    assert!(fam.lines().all(|l| l.ends_with(" -9")), "{fam}");
    let (time, status) = (vector(&bed.join("time.npy")), vector(&bed.join("status.npy")));
    for (line, (t, d)) in pheno.lines().skip(1).zip(time.iter().zip(&status)) {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((f[2].parse::<f64>().unwrap(), f[3].parse::<f64>().unwrap()), (*t, *d));
    }
}

#[test]
fn the_censored_fraction_is_near_f_and_eta_orders_the_times() {
    let dir = tempfile::tempdir().unwrap();
    let n = 3000;
    for (f, h2) in [(0.3, 0.5), (0.0, 0.3), (0.7, 0.6)] {
        let out = dir.path().join(format!("c{f}"));
        let (fs, hs) = (f.to_string(), h2.to_string());
        let stderr = generate(
            &out,
            &["--n", &n.to_string(), "--p", "20", "--h2", &hs, "--survival", "--censoring", &fs, "--seed", "9"],
        );
        assert!(stderr.contains("survival:"), "{stderr}");
        let (time, status) = (vector(&out.join("time.npy")), vector(&out.join("status.npy")));
        assert_eq!((time.len(), status.len()), (n, n));
        assert!(time.iter().all(|t| t.is_finite() && *t >= 0.0));
        assert!(status.iter().all(|d| *d == 0.0 || *d == 1.0));
        let censored = status.iter().filter(|d| **d == 0.0).count() as f64 / n as f64;
        // binomial sd sqrt(F(1 − F)/n) <= 0.0092 at n = 3000: 4 sd
        assert!((censored - f).abs() < 0.037, "F = {f}: realized {censored}");
        if f == 0.0 {
            assert_eq!(censored, 0.0, "F = 0 censors nothing");
        }
        let m = meta(&out);
        assert_eq!(m["survival"], true);
        assert_eq!(m["censoring"].as_f64(), Some(f));
        assert!((m["event_fraction"].as_f64().unwrap() - (1.0 - censored)).abs() < 1e-12);
        // η = Xβ from the written files (X holds the true dosages: no missing calls)
        let x = read_matrix(&out.join("X.npy")).unwrap();
        let beta = vector(&out.join("beta.npy"));
        let eta: Vec<f64> = (0..n).map(|i| (0..beta.len()).map(|j| x.view()[(i, j)] * beta[j]).sum()).collect();
        let mean = eta.iter().sum::<f64>() / n as f64;
        let var = eta.iter().map(|e| (e - mean) * (e - mean)).sum::<f64>() / n as f64;
        let target = h2 / (1.0 - h2) * std::f64::consts::PI.powi(2) / 6.0;
        assert!((var - target).abs() < 1e-9 * target, "var(eta) = {var}, documented {target}");
        // a higher hazard gives a shorter time: C of the true η well above 1/2
        let c = naive_cindex(&time, &status, &eta);
        assert!(c > 0.65, "F = {f}, h2 = {h2}: C = {c}");
        // and the reversed predictor is as bad
        let neg: Vec<f64> = eta.iter().map(|e| -e).collect();
        assert!((naive_cindex(&time, &status, &neg) - (1.0 - c)).abs() < 1e-9);
    }
}

#[test]
fn path_datafit_cox_reads_what_gen_writes() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("npy");
    generate(&npy, &["--n", "300", "--p", "40", "--h2", "0.7", "--survival", "--seed", "2"]);
    let fit = dir.path().join("fit");
    ok(&regpath(&[
        "path",
        "--x",
        s(&npy.join("X.npy")),
        "--time",
        s(&npy.join("time.npy")),
        "--status",
        s(&npy.join("status.npy")),
        "--datafit",
        "cox",
        "--n-alphas",
        "15",
        "--out",
        s(&fit),
    ]));
    let (h, rows) = table(&fit.join("path.csv"));
    let nnz = h.iter().position(|c| c == "nnz").unwrap();
    assert!(rows.iter().any(|r| r[nnz].parse::<usize>().unwrap() >= 3), "the signal enters the path");
    // the fileset: pheno.txt's time and status columns
    let bed = dir.path().join("bed");
    generate(&bed, &["--n", "300", "--p", "40", "--survival", "--censoring", "0.2", "--format", "bed", "--seed", "2"]);
    let fit = dir.path().join("fit_bed");
    ok(&cox_path(&bed.join("geno"), &bed.join("pheno.txt"), &["--n-alphas", "10"], &fit));
    assert_eq!(table(&fit.join("path.csv")).1.len(), 10);
    // simulated on a real fileset: the same contract, the effects are Cox coefficients
    let sim = dir.path().join("sim");
    let args = |out: &Path| {
        regpath(&[
            "gen",
            "--bed",
            s(&bed.join("geno")),
            "--k",
            "4",
            "--h2",
            "0.5",
            "--survival",
            "--censoring",
            "0.25",
            "--seed",
            "8",
            "--out",
            s(out),
        ])
    };
    ok(&args(&sim));
    let again = dir.path().join("sim2");
    ok(&args(&again));
    for f in ["pheno.txt", "effects.txt", "meta.json"] {
        assert_eq!(std::fs::read(sim.join(f)).unwrap(), std::fs::read(again.join(f)).unwrap(), "{f}");
    }
    let m = meta(&sim);
    assert_eq!((m["survival"].as_bool(), m["censoring"].as_f64()), (Some(true), Some(0.25)));
    let pheno = std::fs::read_to_string(sim.join("pheno.txt")).unwrap();
    assert_eq!(pheno.lines().next(), Some("FID IID time status"));
    let events = pheno.lines().skip(1).filter(|l| l.ends_with(" 1")).count();
    assert_eq!(m["events"].as_u64(), Some(events as u64));
    let fit = dir.path().join("fit_sim");
    ok(&cox_path(&bed.join("geno"), &sim.join("pheno.txt"), &["--n-alphas", "10"], &fit));
}

#[test]
fn bad_survival_flags_are_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let base = ["gen", "--family", "genotype", "--n", "50", "--p", "20", "--out", s(&out)];
    let cases: [(&[&str], &str); 5] = [
        (&["--survival", "--binary"], "cannot be used with"),
        (&["--survival", "--censoring", "1"], "censoring (the expected censored fraction) must be in [0, 1), got 1"),
        (&["--survival", "--censoring", "-0.1"], "must be in [0, 1)"),
        (&["--censoring", "0.2"], "--survival"),
        (&["--survival", "--censoring", "0.9999"], "left no event"),
    ];
    for (flags, expected) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(flags);
        let stderr = fails(&regpath(&args));
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!out.exists(), "{flags:?} wrote {}", out.display());
    }
    let stderr =
        fails(&regpath(&["gen", "--family", "toeplitz", "--n", "50", "--p", "20", "--survival", "--out", s(&out)]));
    assert!(stderr.contains("--survival does not apply to family toeplitz"), "{stderr}");
    assert!(!out.exists());
}
