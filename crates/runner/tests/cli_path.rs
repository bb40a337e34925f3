//! `regpath path` as a user runs it: contract columns, and every bad input gets a clear
//! error, a non-zero exit and no output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array1, Array2, ShapeBuilder};
use regpath_datagen::io::npy_write::write_npy;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Self {
        Case { dir: tempfile::tempdir().unwrap() }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn s(&self, name: &str) -> String {
        self.path(name).to_string_lossy().into_owned()
    }
    /// A small valid problem: X.npy (Fortran f64), y.npy, X.csv with a header, y.csv.
    fn write_problem(&self) {
        let (n, p) = (20, 6);
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| ((i * 7 + j * 13) % 17) as f64 / 4.0 + j as f64);
        let y = Array1::from_shape_fn(n, |i| 2.0 * x[(i, 0)] - x[(i, 3)] + ((i * 5) % 3) as f64);
        write_npy(&self.path("X.npy"), &x).unwrap();
        write_npy(&self.path("y.npy"), &y).unwrap();
        let mut csv = String::from("a,b,c,d,e,f\n");
        for i in 0..n {
            let row: Vec<String> = (0..p).map(|j| x[(i, j)].to_string()).collect();
            csv.push_str(&row.join(","));
            csv.push('\n');
        }
        std::fs::write(self.path("X.csv"), csv).unwrap();
        let ycsv: String = y.iter().map(|v| format!("{v}\n")).collect();
        std::fs::write(self.path("y.csv"), ycsv).unwrap();
    }
}

fn assert_fails(out: &Output, needles: &[&str], out_dir: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "expected failure, got success; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "panic instead of an error: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
    }
    assert!(!out_dir.join("path.csv").exists(), "path.csv was written");
    assert!(!out_dir.join("coefs.csv").exists(), "coefs.csv was written");
}

#[test]
fn writes_contract_columns_for_npy_and_csv_inputs() {
    let c = Case::new();
    c.write_problem();
    for (x, y, named) in [("X.npy", "y.npy", false), ("X.csv", "y.csv", true)] {
        let out = c.path(&format!("out-{x}"));
        let o = regpath(&[
            "path",
            "--x",
            &c.s(x),
            "--y",
            &c.s(y),
            "--penalty",
            "enet",
            "--n-alphas",
            "12",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
        let header = path.lines().next().unwrap();
        for col in [
            "alpha_index",
            "alpha",
            "alpha_over_max",
            "nnz",
            "intercept",
            "objective",
            "certificate",
            "certificate_kind",
            "converged",
            "epochs",
            "time_s",
            "train_mse",
            "deviance_ratio",
            "stop_reason",
        ] {
            assert!(header.split(',').any(|h| h == col), "missing column {col}");
        }
        assert_eq!(path.lines().count(), 13);
        // deviance_ratio = 1 − train_mse / var(y) (R², var with 1/n)
        let y: Vec<f64> =
            std::fs::read_to_string(c.path("y.csv")).unwrap().lines().map(|l| l.parse().unwrap()).collect();
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let var = y.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / y.len() as f64;
        let cols: Vec<&str> = header.split(',').collect();
        let at = |name: &str| cols.iter().position(|h| *h == name).unwrap();
        for line in path.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (mse, ratio): (f64, f64) =
                (f[at("train_mse")].parse().unwrap(), f[at("deviance_ratio")].parse().unwrap());
            assert!((ratio - (1.0 - mse / var)).abs() < 1e-12, "{ratio} vs R² {}", 1.0 - mse / var);
        }
        let last = path.lines().last().unwrap();
        assert!(last.ends_with(",end_of_grid"), "{last}");
        assert!(path.lines().skip(1).all(|l| l.contains(",gap,true,")), "every alpha certified:\n{path}");
        let coefs = std::fs::read_to_string(out.join("coefs.csv")).unwrap();
        let coef_header = coefs.lines().next().unwrap();
        assert_eq!(coef_header, if named { "alpha_index,feature,coef,name" } else { "alpha_index,feature,coef" });
        if named {
            assert!(coefs.lines().skip(1).any(|l| l.ends_with(",a")), "feature names kept");
        }
    }
}

#[test]
fn no_coefs_and_max_nnz() {
    let c = Case::new();
    c.write_problem();
    let out = c.path("o");
    let o = regpath(&[
        "path",
        "--x",
        &c.s("X.npy"),
        "--y",
        &c.s("y.npy"),
        "--max-nnz",
        "1",
        "--no-coefs",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    assert!(!out.join("coefs.csv").exists());
    let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
    assert!(path.lines().last().unwrap().ends_with(",max_nnz"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--max-nnz"));
}

#[test]
fn alpha_list_does_not_swallow_following_flags() {
    let c = Case::new();
    let out = c.path("o");
    let o = regpath(&["path", "--example", "--alphas", "1,0.5", "--tol", "1e-8", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
    assert_eq!(path.lines().count(), 3);
}

/// A PLINK fileset is fitted in place (packed design) and gives the same path as its dense
/// decoding written to `.npy`.
#[test]
fn bed_input_matches_dense_input() {
    let c = Case::new();
    let data = c.path("g");
    let g = regpath(&[
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
        data.to_str().unwrap(),
    ]);
    assert!(g.status.success(), "{}", String::from_utf8_lossy(&g.stderr));
    let bed = regpath_datagen::Bed::open(&data.join("geno")).unwrap();
    write_npy(&c.path("X.npy"), &bed.to_dense(None)).unwrap();
    let (a, b) = (c.path("a"), c.path("b"));
    let prefix = data.join("geno");
    let fit_bed =
        regpath(&["path", "--bed", prefix.to_str().unwrap(), "--n-alphas", "20", "--out", a.to_str().unwrap()]);
    assert!(fit_bed.status.success(), "{}", String::from_utf8_lossy(&fit_bed.stderr));
    let y = data.join("y.npy");
    let fit_npy = regpath(&[
        "path",
        "--x",
        &c.s("X.npy"),
        "--y",
        y.to_str().unwrap(),
        "--n-alphas",
        "20",
        "--out",
        b.to_str().unwrap(),
    ]);
    assert!(fit_npy.status.success());
    let read = |d: &Path| -> Vec<(String, f64)> {
        std::fs::read_to_string(d.join("coefs.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (format!("{},{}", f[0], f[1]), f[2].parse().unwrap())
            })
            .collect()
    };
    let (ca, cb) = (read(&a), read(&b));
    assert_eq!(ca.len(), cb.len());
    for ((ka, va), (kb, vb)) in ca.iter().zip(&cb) {
        assert_eq!(ka, kb);
        assert!((va - vb).abs() < 1e-9 * (1.0 + vb.abs()), "{ka}: {va} vs {vb}");
    }
}

#[test]
fn example_runs() {
    let c = Case::new();
    let out = c.path("ex");
    let o = regpath(&["path", "--example", "--penalty", "scad", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
    assert!(path.lines().skip(1).all(|l| l.contains(",kkt,true,")));
}

#[test]
fn non_finite_values_are_located() {
    let c = Case::new();
    c.write_problem();
    let mut x = Array2::<f64>::zeros((4, 2).f());
    x[(2, 1)] = f64::NAN;
    write_npy(&c.path("nan.npy"), &x).unwrap();
    let out = c.path("o");
    let o = regpath(&["path", "--x", &c.s("nan.npy"), "--y", &c.s("y.npy"), "--out", out.to_str().unwrap()]);
    assert_fails(&o, &["NaN", "row 3, column 2 (1-based)"], &out);
    std::fs::write(c.path("inf.csv"), "1,2\n3,inf\n").unwrap();
    let o = regpath(&["path", "--x", &c.s("inf.csv"), "--y", &c.s("y.csv"), "--out", out.to_str().unwrap()]);
    assert_fails(&o, &["inf.csv"], &out);
    let mut y = Array1::<f64>::zeros(20);
    y[7] = f64::INFINITY;
    write_npy(&c.path("yinf.npy"), &y).unwrap();
    let o = regpath(&["path", "--x", &c.s("X.npy"), "--y", &c.s("yinf.npy"), "--out", out.to_str().unwrap()]);
    assert_fails(&o, &["yinf.npy", "inf"], &out);
}

#[test]
fn shape_problems() {
    let c = Case::new();
    c.write_problem();
    let out = c.path("o");
    let o = out.to_str().unwrap();
    write_npy(&c.path("short.npy"), &Array1::<f64>::zeros(19)).unwrap();
    assert_fails(&regpath(&["path", "--x", &c.s("X.npy"), "--y", &c.s("short.npy"), "--out", o]), &["19", "20"], &out);
    write_npy(&c.path("x1d.npy"), &Array1::<f64>::zeros(20)).unwrap();
    assert_fails(&regpath(&["path", "--x", &c.s("x1d.npy"), "--y", &c.s("y.npy"), "--out", o]), &["2-D"], &out);
    write_npy(&c.path("empty.npy"), &Array2::<f64>::zeros((0, 3).f())).unwrap();
    assert_fails(&regpath(&["path", "--x", &c.s("empty.npy"), "--y", &c.s("y.npy"), "--out", o]), &["empty"], &out);
}

#[test]
fn malformed_and_missing_files() {
    let c = Case::new();
    c.write_problem();
    let out = c.path("o");
    let o = out.to_str().unwrap();
    std::fs::write(c.path("bad.npy"), b"this is not numpy").unwrap();
    assert_fails(&regpath(&["path", "--x", &c.s("bad.npy"), "--y", &c.s("y.npy"), "--out", o]), &["bad.npy"], &out);
    let mut bytes = std::fs::read(c.path("X.npy")).unwrap();
    bytes.truncate(bytes.len() - 100);
    std::fs::write(c.path("trunc.npy"), bytes).unwrap();
    assert_fails(&regpath(&["path", "--x", &c.s("trunc.npy"), "--y", &c.s("y.npy"), "--out", o]), &["trunc.npy"], &out);
    std::fs::write(c.path("bad.csv"), "1,2\n3,abc\n").unwrap();
    assert_fails(
        &regpath(&["path", "--x", &c.s("bad.csv"), "--y", &c.s("y.csv"), "--out", o]),
        &["bad.csv", "abc"],
        &out,
    );
    std::fs::write(c.path("ragged.csv"), "1,2\n3\n").unwrap();
    assert_fails(
        &regpath(&["path", "--x", &c.s("ragged.csv"), "--y", &c.s("y.csv"), "--out", o]),
        &["ragged.csv"],
        &out,
    );
    assert_fails(&regpath(&["path", "--x", &c.s("nope.npy"), "--y", &c.s("y.npy"), "--out", o]), &["nope.npy"], &out);
    assert_fails(&regpath(&["path", "--bed", &c.s("nobed"), "--out", o]), &["nobed"], &out);
}

#[test]
fn invalid_parameters() {
    let c = Case::new();
    c.write_problem();
    let out = c.path("o");
    let o = out.to_str().unwrap();
    let x = c.s("X.npy");
    let y = c.s("y.npy");
    let base = ["path", "--x", x.as_str(), "--y", y.as_str(), "--out", o];
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec!["--penalty", "enet", "--l1-ratio", "0"], vec!["--l1-ratio", "(0, 1]"]),
        (vec!["--penalty", "enet", "--l1-ratio", "1.5"], vec!["--l1-ratio"]),
        (vec!["--penalty", "mcp", "--gamma", "1"], vec!["--gamma", "> 1"]),
        (vec!["--penalty", "scad", "--gamma", "2"], vec!["--gamma", "> 2"]),
        (vec!["--penalty", "lasso", "--gamma", "3"], vec!["--gamma"]),
        (vec!["--penalty", "group"], vec!["unknown penalty"]),
        (vec!["--alphas", "0.5,-1"], vec!["--alphas", "-1"]),
        (vec!["--alphas", "0.5,0"], vec!["--alphas"]),
        (vec!["--alphas", "0.5,NaN"], vec!["--alphas"]),
        (vec!["--alphas", "0.5,inf"], vec!["--alphas"]),
        (vec!["--alphas", "0.5,0.5"], vec!["more than once"]),
        (vec!["--n-alphas", "0"], vec!["--n-alphas"]),
        (vec!["--eps", "1.5"], vec!["--eps"]),
        (vec!["--tol", "0"], vec!["--tol"]),
        (vec!["--tol", "-1e-6"], vec!["--tol"]),
        (vec!["--max-epochs", "0"], vec!["--max-epochs"]),
        (vec!["--threads", "0"], vec!["--threads"]),
    ];
    for (extra, needles) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend(extra.iter());
        assert_fails(&regpath(&args), &needles, &out);
    }
}

#[test]
fn non_convex_mcp_without_standardization_is_refused() {
    let c = Case::new();
    let (n, p) = (30, 3);
    let x = Array2::from_shape_fn(
        (n, p).f(),
        |(i, j)| if j == 1 { 0.01 * (i % 2) as f64 } else { (i * (j + 2) % 7) as f64 },
    );
    write_npy(&c.path("X.npy"), &x).unwrap();
    write_npy(&c.path("y.npy"), &Array1::from_shape_fn(n, |i| (i % 5) as f64)).unwrap();
    let out = c.path("o");
    let o = regpath(&[
        "path",
        "--x",
        &c.s("X.npy"),
        "--y",
        &c.s("y.npy"),
        "--penalty",
        "mcp",
        "--no-standardize",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_fails(&o, &["column 1", "--no-standardize", "--gamma"], &out);
}

#[test]
fn unwritable_output_directory() {
    let c = Case::new();
    c.write_problem();
    std::fs::write(c.path("file"), "x").unwrap();
    let out = c.path("file").join("sub");
    let o = regpath(&["path", "--x", &c.s("X.npy"), "--y", &c.s("y.npy"), "--out", out.to_str().unwrap()]);
    assert_fails(&o, &["output directory"], &out);
}

#[test]
fn constant_y_explains_the_empty_grid() {
    let c = Case::new();
    c.write_problem();
    write_npy(&c.path("yc.npy"), &Array1::from_elem(20, 3.0)).unwrap();
    let out = c.path("o");
    let o = regpath(&["path", "--x", &c.s("X.npy"), "--y", &c.s("yc.npy"), "--out", out.to_str().unwrap()]);
    assert_fails(&o, &["y is constant", "--alphas"], &out);
}

/// The PLINK fixtures of the datagen crate (`small_ext`: a GEMMA-style extended `.fam`).
fn plink_fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datagen/tests/fixtures").join(name).to_string_lossy().into_owned()
}

/// (intercept, train_mse) of the first row (alpha_max: no coefficient yet, so the intercept is
/// the mean of the y that was fitted and train_mse its variance).
fn null_fit(out: &Path) -> (f64, f64) {
    let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
    let header: Vec<&str> = path.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = path.lines().nth(1).unwrap().split(',').collect();
    let col = |name: &str| row[header.iter().position(|h| *h == name).unwrap()].parse::<f64>().unwrap();
    assert_eq!(col("nnz"), 0.0);
    (col("intercept"), col("train_mse"))
}

fn mean_var(y: &[f64]) -> (f64, f64) {
    let m = y.iter().sum::<f64>() / y.len() as f64;
    (m, y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / y.len() as f64)
}

#[test]
fn pheno_col_picks_the_phenotype_column() {
    let c = Case::new();
    let prefix = plink_fixture("small_ext");
    let pheno = plink_fixture("small_ext.pheno");
    // (extra flags, y fitted, samples dropped)
    let cases: Vec<(Vec<&str>, Vec<f64>, usize)> = vec![
        (vec![], vec![1.5, 0.0, 2.25, -1.0, 3.0], 2),
        (vec!["--pheno-col", "1"], vec![1.5, 0.0, 2.25, -1.0, 3.0], 2),
        (vec!["--pheno-col", "2"], vec![10.0, 11.0, 13.0, 15.0, 16.0], 2),
        (vec!["--pheno-col", "3"], vec![0.5, 0.25, 1e-3, 7.0], 3),
        (vec!["--pheno-col", "4"], vec![-1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0], 0),
        (vec!["--pheno", pheno.as_str()], vec![7.0, 0.0, 10.5], 4),
        (vec!["--pheno", pheno.as_str(), "--pheno-col", "2"], vec![1.25, 8.0, 4.0], 4),
    ];
    for (i, (extra, y, dropped)) in cases.into_iter().enumerate() {
        let out = c.path(&format!("o{i}"));
        let mut args = vec!["path", "--bed", prefix.as_str(), "--n-alphas", "5", "--out", out.to_str().unwrap()];
        args.extend(extra.iter());
        let o = regpath(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{extra:?}: {stderr}");
        let (intercept, mse) = null_fit(&out);
        let (m, v) = mean_var(&y);
        assert!((intercept - m).abs() < 1e-12 * (1.0 + m.abs()), "{extra:?}: intercept {intercept}, mean {m}");
        assert!((mse - v).abs() < 1e-12 * (1.0 + v), "{extra:?}: train_mse {mse}, variance {v}");
        let note = if extra.contains(&"--pheno") {
            // which samples the file lacks, which it gives as missing, and its unknown lines
            format!(
                "{dropped} of 7 samples dropped: 2 not in {pheno}; 2 with a missing value (-9 or NA); 1 of its 6 lines name samples not in the .fam (e.g. famX indX)"
            )
        } else {
            format!("{dropped} of 7 samples dropped: missing phenotype (-9 or NA)")
        };
        assert_eq!(stderr.contains(&note), dropped > 0, "{extra:?}: {stderr}");
        assert!(stderr.contains(&format!("({} samples x 5 SNPs", y.len())), "{stderr}");
    }
}

#[test]
fn pheno_col_errors() {
    let c = Case::new();
    c.write_problem();
    let prefix = plink_fixture("small_ext");
    let pheno = plink_fixture("small_ext.pheno");
    let out = c.path("o");
    let o = out.to_str().unwrap();
    // Beyond the columns of some line: the error names the line and how many columns it has.
    assert_fails(
        &regpath(&["path", "--bed", &prefix, "--pheno-col", "5", "--out", o]),
        &[
            "--pheno-col 5",
            "small_ext.fam: line 1:",
            "phenotype column 5 (field 10)",
            "4 phenotype columns (fields 6 to 9)",
        ],
        &out,
    );
    assert_fails(
        &regpath(&["path", "--bed", &prefix, "--pheno", &pheno, "--pheno-col", "3", "--out", o]),
        &["small_ext.pheno: line 2:", "phenotype column 3 (field 5)", "2 value columns"],
        &out,
    );
    assert_fails(
        &regpath(&["path", "--bed", &prefix, "--pheno-col", "0", "--out", o]),
        &["--pheno-col", "at least 1"],
        &out,
    );
    assert_fails(&regpath(&["path", "--bed", &prefix, "--pheno-col", "-1", "--out", o]), &["--pheno-col"], &out);
    // Only for --bed.
    assert_fails(
        &regpath(&["path", "--x", &c.s("X.npy"), "--y", &c.s("y.npy"), "--pheno-col", "2", "--out", o]),
        &["--pheno-col applies to --bed only"],
        &out,
    );
    assert_fails(
        &regpath(&["path", "--example", "--pheno", &pheno, "--out", o]),
        &["--pheno applies to --bed only"],
        &out,
    );
    // A .fam line with fewer than 6 fields.
    for ext in ["bed", "bim", "fam"] {
        std::fs::copy(plink_fixture(&format!("small_ext.{ext}")), c.path(&format!("t.{ext}"))).unwrap();
    }
    let fam = std::fs::read_to_string(c.path("t.fam"))
        .unwrap()
        .replace("fam3\tind5\t0\t0\t0\t2.25\t-9\t1e-3\t-5", "fam3 ind5 0 0 0");
    std::fs::write(c.path("t.fam"), fam).unwrap();
    assert_fails(
        &regpath(&["path", "--bed", &c.s("t"), "--out", o]),
        &["t.fam: line 5: expected at least 6 fields", "found 5"],
        &out,
    );
}

/// Training R² of every row of `path.csv`: 1 − train_mse / (‖y − ȳ‖²/n).
fn path_r2(out: &Path, y: &[f64]) -> (Vec<f64>, String) {
    let path = std::fs::read_to_string(out.join("path.csv")).unwrap();
    let header: Vec<&str> = path.lines().next().unwrap().split(',').collect();
    let mse_col = header.iter().position(|h| *h == "train_mse").unwrap();
    let (_, var) = mean_var(y);
    let r2 =
        path.lines().skip(1).map(|l| 1.0 - l.split(',').nth(mse_col).unwrap().parse::<f64>().unwrap() / var).collect();
    let last = path.lines().last().unwrap().rsplit(',').next().unwrap().to_string();
    (r2, last)
}

#[test]
fn stop_saturated_ends_a_tall_path() {
    let c = Case::new();
    // n ≫ p, low noise: R² climbs from 0 to about 0.99 along the path.
    let (n, p) = (400, 20);
    let mut state: u64 = 12345;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    };
    let x = Array2::from_shape_fn((n, p).f(), |_| uniform());
    let y: Vec<f64> =
        (0..n).map(|i| (0..10).map(|j| x[(i, j)] / (j + 1) as f64).sum::<f64>() + 0.03 * uniform() + 1.0).collect();
    write_npy(&c.path("X.npy"), &x).unwrap();
    write_npy(&c.path("y.npy"), &Array1::from(y.clone())).unwrap();
    let (xs, ys) = (c.s("X.npy"), c.s("y.npy"));
    let run = |out: &Path, extra: &[&str]| {
        let mut args =
            vec!["path", "--x", xs.as_str(), "--y", ys.as_str(), "--n-alphas", "40", "--out", out.to_str().unwrap()];
        args.extend(extra);
        regpath(&args)
    };

    let full = c.path("full");
    let o = run(&full, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (r2_full, reason) = path_r2(&full, &y);
    assert_eq!((r2_full.len(), reason.as_str()), (40, "end_of_grid"));
    assert!(r2_full[39] > 0.95, "the full path saturates: {}", r2_full[39]);

    let cut = c.path("cut");
    let o = run(&cut, &["--stop-saturated", "0.9"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let (r2, reason) = path_r2(&cut, &y);
    assert_eq!(reason, "saturated");
    let k = r2.len() - 1;
    assert!(k > 0 && k < 39, "stopped at {k}");
    assert!(r2[k] >= 0.9 && r2[k - 1] < 0.9, "R² {} then {}", r2[k - 1], r2[k]);
    assert!(stderr.contains(&format!("path stopped early: alpha_index {k} reached training R² ")), "{stderr}");
    assert!(stderr.contains(">= --stop-saturated 0.9"), "{stderr}");
    // The rows before the stop are the full path's, and coefs.csv stops with path.csv.
    for (a, b) in r2.iter().zip(&r2_full) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let coefs = std::fs::read_to_string(cut.join("coefs.csv")).unwrap();
    let max_index = coefs.lines().skip(1).map(|l| l.split(',').next().unwrap().parse::<usize>().unwrap()).max();
    assert_eq!(max_index, Some(k));
    let only_stop_row = |text: &str| text.lines().skip(1).filter(|l| !l.ends_with(',')).count();
    assert_eq!(only_stop_row(&std::fs::read_to_string(cut.join("path.csv")).unwrap()), 1);

    // An R² the path never reaches: the whole grid.
    let o = run(&c.path("never"), &["--stop-saturated", "1"]);
    assert!(o.status.success());
    assert_eq!(path_r2(&c.path("never"), &y).1, "end_of_grid");

    for bad in ["0", "1.5", "NaN", "-0.5", "inf"] {
        let out = c.path("bad");
        assert_fails(&run(&out, &["--stop-saturated", bad]), &["--stop-saturated", "(0, 1]"], &out);
    }
    let out = c.path("bad");
    assert_fails(&run(&out, &["--stop-saturated", "high"]), &["--stop-saturated"], &out);
}

/// The progress bar is drawn only on a terminal: captured stderr has no bar, no carriage
/// returns and no escape sequences, only the summary lines.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let c = Case::new();
    let out = c.path("o");
    let o = regpath(&["path", "--example", "--out", out.to_str().unwrap()]);
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!stderr.contains('\r') && !stderr.contains('\x1b') && !stderr.contains("alphas  nnz"), "{stderr:?}");
    assert_eq!(stderr.lines().count(), 5, "{stderr}");
    assert!(stderr.lines().next().unwrap().starts_with("built-in example"), "{stderr}");
}

/// path.csv says what did the work: a tall problem's alphas solved by the active-set Newton
/// alone show their Newton steps where `epochs` and `coordinate_updates` are 0, and the
/// Newton work (`newton_passes`) that `scan_passes` does not count.
#[test]
fn path_csv_counts_newton_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["path", "--example", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(out.join("path.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name}"));
    let (epochs, newton, nnz) = (col("epochs"), col("newton_steps"), col("nnz"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let newton_only = rows
        .iter()
        .filter(|row| &row[epochs] == "0" && row[newton].parse::<u64>().unwrap() > 0 && &row[nnz] != "0")
        .count();
    assert!(newton_only > 0, "no alpha reports Newton steps without epochs");
    // and their work: an alpha solved by Newton steps alone did Gram entries or factor solves
    let newton_passes = col("newton_passes");
    for row in &rows {
        let work: f64 = row[newton_passes].parse().unwrap();
        assert!(work.is_finite() && work >= 0.0, "newton_passes {work}");
        if &row[epochs] == "0" && row[newton].parse::<u64>().unwrap() > 0 {
            assert!(work > 0.0, "alpha {} was solved by Newton steps, newton_passes is 0", &row[0]);
        }
    }
    let total: f64 = rows.iter().map(|row| row[newton_passes].parse::<f64>().unwrap()).sum();
    assert!(total > 0.0);
}
