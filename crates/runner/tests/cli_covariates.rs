//! `regpath path --covariates` and `--penalty-factor` as a user runs them: a PLINK fileset with
//! a covariate table (header, a categorical column, missing values, absent and unknown samples)
//! gives the same fit as the equivalent dense input; SNP-keyed weights match line-by-line
//! weights; every bad input is a clear error with no output file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

fn assert_fails(o: &Output, needles: &[&str], out: &Path) {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "expected failure: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
    }
    assert!(!out.join("path.csv").exists() && !out.join("coefs.csv").exists(), "output written");
}

/// coefs.csv as (alpha_index, feature) → (coef, name).
fn coefs(dir: &Path) -> BTreeMap<(usize, usize), (f64, String)> {
    let mut r = csv::Reader::from_path(dir.join("coefs.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    // the feature's name: `name`, or `snp` for a PLINK fileset (SNP id or covariate name)
    let name_col = header.iter().position(|h| h == "name" || h == "snp");
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let name = name_col.map(|k| rec[k].to_string()).unwrap_or_default();
            ((rec[0].parse().unwrap(), rec[1].parse().unwrap()), (rec[2].parse().unwrap(), name))
        })
        .collect()
}

/// path.csv rows as (nnz, certificate, converged).
fn path_rows(dir: &Path) -> Vec<(usize, f64, bool)> {
    let mut r = csv::Reader::from_path(dir.join("path.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let (nnz, cert, conv) = (col("nnz"), col("certificate"), col("converged"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[nnz].parse().unwrap(), rec[cert].parse().unwrap(), &rec[conv] == "true")
        })
        .collect()
}

struct Geno {
    dir: tempfile::TempDir,
}

impl Geno {
    /// `regpath gen --family genotype`, n = 61, p = 150, as a PLINK fileset.
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("g");
        ok(&regpath(&[
            "gen",
            "--family",
            "genotype",
            "--n",
            "61",
            "--p",
            "150",
            "--k",
            "5",
            "--seed",
            "4",
            "--format",
            "bed",
            "--out",
            out.to_str().unwrap(),
        ]));
        Geno { dir }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
    fn prefix(&self) -> String {
        self.s("g/geno")
    }
    fn bed(&self) -> regpath_datagen::Bed {
        regpath_datagen::Bed::open(&self.path("g/geno")).unwrap()
    }
}

fn age(i: usize) -> f64 {
    30.0 + ((i * 37) % 23) as f64
}

fn sex(i: usize) -> &'static str {
    if (i * 7).is_multiple_of(3) { "M" } else { "F" }
}

#[test]
fn bed_covariate_table_matches_dense_covariates() {
    let g = Geno::new();
    let bed = g.bed();
    let ids = bed.sample_ids().to_vec();
    // header, shuffled order, sample 3 absent, sample 10 with NA age, one unknown sample
    let mut table = String::from("FID IID age sex\n");
    for i in (0..ids.len()).rev() {
        if i == 3 {
            continue;
        }
        let a = if i == 10 { "NA".to_string() } else { age(i).to_string() };
        table.push_str(&format!("{} {} {a} {}\n", ids[i].0, ids[i].1, sex(i)));
    }
    table.push_str("nobody nobody 40 F\n");
    std::fs::write(g.path("cov.txt"), &table).unwrap();
    let a = g.path("a");
    let stderr = ok(&regpath(&[
        "path",
        "--bed",
        &g.prefix(),
        "--covariates",
        &g.s("cov.txt"),
        "--n-alphas",
        "20",
        "--out",
        a.to_str().unwrap(),
    ]));
    assert!(stderr.contains("2 samples with a phenotype dropped"), "{stderr}");
    assert!(stderr.contains("1 lines of") && stderr.contains("not in the .fam"), "{stderr}");
    assert!(stderr.contains("2 unpenalized covariates (age, sex=M)"), "{stderr}");

    // the same problem, dense: kept rows, covariates as CSV with the same names
    let kept: Vec<usize> = (0..ids.len()).filter(|&i| i != 3 && i != 10).collect();
    write_npy(&g.path("X.npy"), &bed.to_dense(Some(&kept))).unwrap();
    let y_all = regpath_datagen::read_vector(&g.path("g/y.npy")).unwrap();
    let y: String = kept.iter().map(|&i| format!("{}\n", y_all[i])).collect();
    std::fs::write(g.path("y.csv"), y).unwrap();
    let mut csv = String::from("age,sex=M\n");
    for &i in &kept {
        csv.push_str(&format!("{},{}\n", age(i), u8::from(sex(i) == "M")));
    }
    std::fs::write(g.path("cov.csv"), csv).unwrap();
    let b = g.path("b");
    ok(&regpath(&[
        "path",
        "--x",
        &g.s("X.npy"),
        "--y",
        &g.s("y.csv"),
        "--covariates",
        &g.s("cov.csv"),
        "--n-alphas",
        "20",
        "--out",
        b.to_str().unwrap(),
    ]));
    let (ca, cb) = (coefs(&a), coefs(&b));
    assert_eq!(ca.keys().collect::<Vec<_>>(), cb.keys().collect::<Vec<_>>());
    for (key, (va, name_a)) in &ca {
        let (vb, name_b) = &cb[key];
        assert!((va - vb).abs() <= 1e-9 * (1.0 + va.abs()), "{key:?}: {va} vs {vb}");
        if key.1 >= 150 {
            assert_eq!(name_a, name_b);
        }
    }
    for k in 0..20 {
        assert_eq!(ca[&(k, 150)].1, "age");
        assert_eq!(ca[&(k, 151)].1, "sex=M");
    }
    for (nnz, cert, converged) in path_rows(&a) {
        assert!(converged && cert <= 1e-6 && nnz <= 150);
    }
}

#[test]
fn snp_keyed_weights_match_line_weights() {
    let g = Geno::new();
    let bed = g.bed();
    let snps = bed.snp_ids().to_vec();
    let weight = |j: usize| match j % 7 {
        0 if j < 30 => 0.0,
        1 => 2.0,
        2 => 0.5,
        _ => 1.0,
    };
    // SNP-keyed, shuffled, with a header; the last SNP unlisted (weight 1)
    let mut keyed = String::from("SNP weight\n");
    for j in (0..snps.len() - 1).rev() {
        keyed.push_str(&format!("{} {}\n", snps[j], weight(j)));
    }
    std::fs::write(g.path("w_snp.txt"), keyed).unwrap();
    let lines: String =
        (0..snps.len()).map(|j| if j + 1 == snps.len() { "1\n".into() } else { format!("{}\n", weight(j)) }).collect();
    std::fs::write(g.path("w.txt"), lines).unwrap();
    let (a, b) = (g.path("a"), g.path("b"));
    for penalty in ["lasso", "mcp"] {
        let sa = ok(&regpath(&[
            "path",
            "--bed",
            &g.prefix(),
            "--penalty",
            penalty,
            "--penalty-factor",
            &g.s("w_snp.txt"),
            "--n-alphas",
            "20",
            "--out",
            a.to_str().unwrap(),
        ]));
        assert!(sa.contains("1 of 150 SNPs are not listed"), "{sa}");
        ok(&regpath(&[
            "path",
            "--bed",
            &g.prefix(),
            "--penalty",
            penalty,
            "--penalty-factor",
            &g.s("w.txt"),
            "--n-alphas",
            "20",
            "--out",
            b.to_str().unwrap(),
        ]));
        let (ca, cb) = (coefs(&a), coefs(&b));
        assert_eq!(ca, cb, "{penalty}: SNP-keyed and line weights give the same fit");
        for k in 0..20 {
            for j in (0..30).filter(|&j| weight(j) == 0.0) {
                assert!(ca.contains_key(&(k, j)), "{penalty}: unpenalized SNP {j} is 0 at alpha {k}");
            }
        }
        assert!(path_rows(&a).iter().all(|&(_, cert, conv)| conv && cert <= 1e-6));
    }
}

#[test]
fn bad_weights_and_covariates_are_clear_errors() {
    let g = Geno::new();
    let out = g.path("out");
    let o = out.to_str().unwrap();
    let p = g.prefix();
    let run = |extra: &[&str]| {
        let mut args = vec!["path", "--bed", p.as_str(), "--n-alphas", "5", "--out", o];
        args.extend_from_slice(extra);
        regpath(&args)
    };
    let write = |name: &str, text: &str| {
        std::fs::write(g.path(name), text).unwrap();
        g.s(name)
    };
    let negative = write("neg.txt", &"1\n".repeat(149).replace("1\n1\n1\n", "1\n-1\n1\n"));
    assert_fails(&run(&["--penalty-factor", &negative]), &["negative"], &out);
    let short = write("short.txt", &"1\n".repeat(149));
    assert_fails(&run(&["--penalty-factor", &short]), &["150"], &out);
    let zeros = write("zeros.txt", &"0\n".repeat(150));
    assert_fails(&run(&["--penalty-factor", &zeros]), &["every weight is 0"], &out);
    let unknown = write("unknown.txt", "rs_not_there 2\n");
    assert_fails(&run(&["--penalty-factor", &unknown]), &["rs_not_there", "is among the 150 SNPs fitted"], &out);
    let mut big = "1\n".repeat(150);
    big.replace_range(0..2, "3.5\n");
    let big = write("big.txt", &big);
    assert_fails(&run(&["--penalty", "mcp", "--penalty-factor", &big]), &["column 0", "3.5"], &out);

    let ids = g.bed().sample_ids().to_vec();
    let table = |f: &dyn Fn(usize) -> String| -> String {
        let mut t = String::from("FID IID a b\n");
        for (i, (fid, iid)) in ids.iter().enumerate() {
            t.push_str(&format!("{fid} {iid} {}\n", f(i)));
        }
        t
    };
    let constant = write("const.txt", &table(&|i| format!("{} 5", i % 4)));
    assert_fails(&run(&["--covariates", &constant]), &["covariate 2 is constant"], &out);
    let collinear = write("coll.txt", &table(&|i| format!("{} {}", i % 4, 2 * (i % 4) + 1)));
    assert_fails(&run(&["--covariates", &collinear]), &["covariate 2 is collinear"], &out);
    let infinite = write("inf.txt", &table(&|i| if i == 4 { "inf 1".into() } else { format!("{} {}", i % 4, i % 3) }));
    assert_fails(&run(&["--covariates", &infinite]), &["inf.txt"], &out);

    // dense inputs
    let x = ndarray::Array2::from_shape_fn(ndarray::ShapeBuilder::f((20, 4)), |(i, j)| ((i * 3 + j * 5) % 7) as f64);
    write_npy(&g.path("X.npy"), &x).unwrap();
    let y = write("y.csv", &(0..20).map(|i| format!("{}\n", i % 5)).collect::<String>());
    let rows = write("rows.csv", &"1\n".repeat(19));
    let xs = g.s("X.npy");
    let dense = |extra: &[&str]| {
        let mut args = vec!["path", "--x", xs.as_str(), "--y", y.as_str(), "--out", o];
        args.extend_from_slice(extra);
        regpath(&args)
    };
    assert_fails(&dense(&["--covariates", &rows]), &["20"], &out);
    let nan =
        write("nan.csv", &(0..20).map(|i| if i == 6 { "nan\n".into() } else { format!("{i}\n") }).collect::<String>());
    assert_fails(&dense(&["--covariates", &nan]), &["nan.csv"], &out);
    let ex = regpath(&["path", "--example", "--covariates", &rows, "--out", o]);
    assert_fails(&ex, &["--covariates"], &out);
}
