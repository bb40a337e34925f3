//! Sample selection in `regpath path`: `--keep`/`--remove` (PLINK `FID IID` lists) on a `.bed`
//! fileset and `--keep-rows` on `--x` fit exactly the selected samples (the same path as the
//! subset written out densely); IDs not in the fileset are counted; misuse is a clear error.

use std::path::Path;
use std::process::{Command, Output};

use regpath_datagen::io::npy_write::write_npy;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

/// coefs.csv without its name column, and path.csv's objectives.
fn fit_summary(dir: &Path) -> (Vec<(String, f64)>, Vec<f64>) {
    let coefs = read(dir, "coefs.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (format!("{},{}", f[0], f[1]), f[2].parse().unwrap())
        })
        .collect();
    let path = read(dir, "path.csv");
    let header: Vec<&str> = path.lines().next().unwrap().split(',').collect();
    let obj = header.iter().position(|h| *h == "objective").unwrap();
    let objectives = path.lines().skip(1).map(|l| l.split(',').nth(obj).unwrap().parse().unwrap()).collect();
    (coefs, objectives)
}

fn assert_same_fit(a: &Path, b: &Path) {
    let ((ca, oa), (cb, ob)) = (fit_summary(a), fit_summary(b));
    assert_eq!(ca.len(), cb.len());
    for ((ka, va), (kb, vb)) in ca.iter().zip(&cb) {
        assert_eq!(ka, kb);
        assert!((va - vb).abs() <= 1e-9 * (1.0 + va.abs()), "{ka}: {va} vs {vb}");
    }
    for (x, y) in oa.iter().zip(&ob) {
        assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-300), "objective {x} vs {y}");
    }
}

#[test]
fn keep_remove_and_keep_rows_fit_the_selected_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name);
    let s = |name: &str| d(name).to_string_lossy().into_owned();
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "80",
        "--p",
        "120",
        "--k",
        "4",
        "--seed",
        "2",
        "--format",
        "bed",
        "--out",
        &s("g"),
    ]));
    let bed = regpath_datagen::Bed::open(&d("g/geno")).unwrap();
    let ids = bed.sample_ids().to_vec();
    let kept: Vec<usize> = (0..80).filter(|i| i % 5 != 0).collect();
    let left_out: Vec<usize> = (0..80).filter(|i| i % 5 == 0).collect();
    let list = |rows: &[usize]| -> String {
        let mut t: String = rows.iter().map(|&i| format!("{} {} extra\n", ids[i].0, ids[i].1)).collect();
        t.push_str("nobody nobody\n");
        t
    };
    std::fs::write(d("keep.txt"), list(&kept)).unwrap();
    std::fs::write(d("remove.txt"), list(&left_out)).unwrap();
    let prefix = s("g/geno");
    let sk = ok(&regpath(&["path", "--bed", &prefix, "--keep", &s("keep.txt"), "--n-alphas", "15", "--out", &s("k")]));
    assert!(
        sk.contains("16 samples with a phenotype left out")
            && sk.contains("1 of its 65 entries name samples not in the .fam (e.g. nobody nobody)"),
        "{sk}"
    );
    assert!(sk.contains("(64 samples x 120 SNPs"), "{sk}");
    ok(&regpath(&["path", "--bed", &prefix, "--remove", &s("remove.txt"), "--n-alphas", "15", "--out", &s("r")]));

    // the same samples written densely, fitted without selection, and with --keep-rows
    write_npy(&d("X_kept.npy"), &bed.to_dense(Some(&kept))).unwrap();
    write_npy(&d("X_all.npy"), &bed.to_dense(None)).unwrap();
    let y_all = regpath_datagen::read_vector(&d("g/y.npy")).unwrap();
    let y_kept: String = kept.iter().map(|&i| format!("{}\n", y_all[i])).collect();
    std::fs::write(d("y_kept.csv"), y_kept).unwrap();
    let rows: String = kept.iter().rev().map(|i| format!("{i}\n")).collect();
    std::fs::write(d("rows.txt"), rows).unwrap();
    ok(&regpath(&["path", "--x", &s("X_kept.npy"), "--y", &s("y_kept.csv"), "--n-alphas", "15", "--out", &s("dense")]));
    let sr = ok(&regpath(&[
        "path",
        "--x",
        &s("X_all.npy"),
        "--y",
        &s("g/y.npy"),
        "--keep-rows",
        &s("rows.txt"),
        "--n-alphas",
        "15",
        "--out",
        &s("rows"),
    ]));
    assert!(sr.contains("64 of 80 rows kept"), "{sr}");
    for other in ["r", "dense", "rows"] {
        assert_same_fit(&d("k"), &d(other));
    }

    // misuse: clear errors, no output
    let fails = |args: &[&str], needle: &str| {
        let out = d("bad");
        let mut all = args.to_vec();
        all.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let o = regpath(&all);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!out.join("path.csv").exists());
    };
    fails(&["path", "--x", &s("X_all.npy"), "--y", &s("g/y.npy"), "--keep", &s("keep.txt")], "--keep-rows");
    fails(&["path", "--bed", &prefix, "--keep-rows", &s("rows.txt")], "--keep or --remove");
    std::fs::write(d("far.txt"), "3\n80\n").unwrap();
    fails(
        &["path", "--x", &s("X_all.npy"), "--y", &s("g/y.npy"), "--keep-rows", &s("far.txt")],
        "row 80 is out of range",
    );
    std::fs::write(d("twice.txt"), "3\n3\n").unwrap();
    fails(&["path", "--x", &s("X_all.npy"), "--y", &s("g/y.npy"), "--keep-rows", &s("twice.txt")], "listed twice");
    std::fs::write(d("one.txt"), "nobody\n").unwrap();
    fails(
        &["path", "--bed", &prefix, "--keep", &s("one.txt")],
        "no sample with a phenotype is left (0 of its 1 entries are .fam samples; 1 of its 1 entries name samples not in the .fam (e.g. nobody))",
    );
    fails(&["path", "--example", "--keep", &s("keep.txt")], "--keep needs --x or --bed");
}
