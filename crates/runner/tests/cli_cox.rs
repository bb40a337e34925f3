//! `regpath path --datafit cox` and `regpath predict` on a Cox model, end to end: the path of
//! the CLI equals the library's on the glmnet fixture of the solver crate
//! (`crates/solver/tests/fixtures/cox`), every alpha is certified by the KKT violation, the
//! intercept is 0; cross-validation and `predict` give the C-index, recomputed here pair by
//! pair; a PLINK fileset with time and status columns (missing values dropped and counted);
//! and survival inputs that are wrong are clear errors that write nothing.

mod common;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use common::{cox_path, fails, naive_cindex, ok, regpath, table};
use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{Cox, CoxTies, DenseDesign, Lasso, PathOptions, fit_datafit_path};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../solver/tests/fixtures/cox")
}

fn numbers(path: &Path) -> Vec<f64> {
    std::fs::read_to_string(path)
        .unwrap()
        .split([',', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

fn column(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `regpath gen --family genotype --format bed` of n × p with k causal SNPs into `out`
/// (`out/geno.*`, `out/pheno.txt`), with `extra` flags (e.g. `--survival`).
fn gen_bed(out: &Path, n: usize, p: usize, k: usize, seed: u64, extra: &[&str]) {
    let (n, p, k, seed) = (n.to_string(), p.to_string(), k.to_string(), seed.to_string());
    let mut args = vec!["gen", "--family", "genotype", "--n", &n, "--p", &p, "--k", &k, "--format", "bed"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--seed", &seed, "--out", s(out)]);
    ok(&regpath(&args));
}

#[test]
fn the_cli_path_is_the_library_path_certified_by_kkt() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let f = fixture();
    ok(&regpath(&[
        "path",
        "--x",
        s(&f.join("X.csv")),
        "--time",
        s(&f.join("time.csv")),
        "--status",
        s(&f.join("status.csv")),
        "--datafit",
        "cox",
        "--n-alphas",
        "40",
        "--out",
        s(&out),
    ]));
    let (h, rows) = table(&out.join("path.csv"));
    assert_eq!(rows.len(), 40);
    let (nnz, cert, kind, intercept, objective) = (
        column(&h, "nnz"),
        column(&h, "certificate"),
        column(&h, "certificate_kind"),
        column(&h, "intercept"),
        column(&h, "objective"),
    );
    assert!(h.iter().any(|c| c == "train_deviance"));
    // the library on the same data and grid
    let values = numbers(&f.join("X.csv"));
    let (time, status) = (numbers(&f.join("time.csv")), numbers(&f.join("status.csv")));
    let n = time.len();
    let p = values.len() / n;
    let mut x = Array2::zeros((n, p).f());
    for i in 0..n {
        for j in 0..p {
            x[(i, j)] = values[i * p + j];
        }
    }
    let design = DenseDesign::new(x.view(), true, true).unwrap();
    let options = PathOptions {
        grid: regpath_solver::AlphaGrid::Geometric { n_alphas: 40, eps: 1e-2 },
        ..PathOptions::default()
    };
    let mut library = Vec::new();
    fit_datafit_path(&design, Cox::new(&time, &status, n).unwrap(), Lasso, &options, |pt| {
        library.push((pt.nnz, pt.objective));
        ControlFlow::Continue(())
    })
    .unwrap();
    for (row, (lib_nnz, lib_objective)) in rows.iter().zip(&library) {
        assert_eq!(row[kind], "kkt");
        assert!(row[cert].parse::<f64>().unwrap() <= 1e-6);
        assert_eq!(row[intercept].parse::<f64>().unwrap(), 0.0, "no intercept in a Cox model");
        assert_eq!(row[nnz].parse::<usize>().unwrap(), *lib_nnz);
        let o: f64 = row[objective].parse().unwrap();
        assert!((o - lib_objective).abs() <= 1e-15 * lib_objective.abs(), "{o} vs {lib_objective}");
    }
    let model = std::fs::read_to_string(out.join("model.json")).unwrap();
    assert!(model.contains("\"fit_intercept\":false"), "model.json says no intercept: {}", &model[..200]);
}

#[test]
fn cross_validation_and_predict_report_the_concordance_index() {
    let dir = tempfile::tempdir().unwrap();
    let (fit, pred) = (dir.path().join("fit"), dir.path().join("pred"));
    let f = fixture();
    let (x, t, d) = (f.join("X.csv"), f.join("time.csv"), f.join("status.csv"));
    let stderr = ok(&regpath(&[
        "path",
        "--x",
        s(&x),
        "--time",
        s(&t),
        "--status",
        s(&d),
        "--datafit",
        "cox",
        "--cv-folds",
        "5",
        "--out",
        s(&fit),
    ]));
    assert!(stderr.contains("every alpha certified"), "{stderr}");
    let (h, rows) = table(&fit.join("path.csv"));
    let choice = column(&h, "cv_choice");
    assert!(rows.iter().any(|r| r[choice] == "min") && rows.iter().any(|r| r[choice] == "1se"));
    ok(&regpath(&[
        "predict",
        "--fit",
        s(&fit),
        "--x",
        s(&x),
        "--y",
        s(&t),
        "--status",
        s(&d),
        "--alpha",
        "min",
        "--out",
        s(&pred),
    ]));
    let (ph, prows) = table(&pred.join("predictions.csv"));
    assert_eq!(ph.len(), 2);
    let eta: Vec<f64> = prows.iter().map(|r| r[1].parse().unwrap()).collect();
    let (mh, mrows) = table(&pred.join("metrics.csv"));
    assert_eq!(mh, ["alpha_index", "nnz", "deviance", "cindex"]);
    let cindex: f64 = mrows[0][column(&mh, "cindex")].parse().unwrap();
    let (time, status) = (numbers(&t), numbers(&d));
    assert!((cindex - naive_cindex(&time, &status, &eta)).abs() < 1e-12);
    assert!(cindex > 0.7, "the chosen model orders the events: C = {cindex}");
    // the deviance is twice the mean partial likelihood at the written linear predictor
    let deviance: f64 = mrows[0][column(&mh, "deviance")].parse().unwrap();
    let cox = Cox::new(&time, &status, time.len()).unwrap();
    let expected = 2.0 * regpath_solver::Datafit::loss(&cox, &eta);
    assert!((deviance - expected).abs() <= 1e-12 * expected, "{deviance} vs {expected}");
}

#[test]
fn a_plink_fileset_with_time_and_status_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("g");
    gen_bed(&data, 300, 200, 5, 3, &[]);
    // times from the fileset's own phenotype (a genetic signal), 1 in 4 censored, 3 missing
    let pheno = std::fs::read_to_string(data.join("pheno.txt")).unwrap();
    let mut table_text = String::from("FID IID time status\n");
    for (i, line) in pheno.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let y: f64 = f[2].parse().unwrap();
        let time = (-y / 4.0).exp() * (1.0 + (i % 7) as f64 / 10.0);
        let status = if i % 4 == 0 { "0" } else { "1" };
        let time = if i < 3 { "NA".to_string() } else { format!("{time}") };
        table_text.push_str(&format!("{} {} {time} {status}\n", f[0], f[1]));
    }
    let pheno_path = dir.path().join("surv.txt");
    std::fs::write(&pheno_path, table_text).unwrap();
    let out = dir.path().join("fit");
    let stderr = ok(&cox_path(&data.join("geno"), &pheno_path, &[], &out));
    assert!(stderr.contains("3 of 300 samples dropped"), "{stderr}");
    let (h, rows) = table(&out.join("path.csv"));
    let nnz = column(&h, "nnz");
    assert!(rows.iter().any(|r| r[nnz].parse::<usize>().unwrap() >= 3), "the signal enters the path");
}

#[test]
fn wrong_survival_inputs_are_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let (x, t, d) = (f.join("X.csv"), f.join("time.csv"), f.join("status.csv"));
    let write = |name: &str, values: &[f64]| {
        let path = dir.path().join(name);
        std::fs::write(&path, values.iter().map(|v| format!("{v}\n")).collect::<String>()).unwrap();
        path
    };
    let time = numbers(&t);
    let status = numbers(&d);
    let mut negative = time.clone();
    negative[4] = -1.0;
    let mut bad_status = status.clone();
    bad_status[7] = 2.0;
    let censored = vec![0.0; status.len()];
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--time".into(), s(&write("neg.txt", &negative)).into(), "--status".into(), s(&d).into()], "times >= 0"),
        (
            vec!["--time".into(), s(&t).into(), "--status".into(), s(&write("st.txt", &bad_status)).into()],
            "status 1 (event) or 0",
        ),
        (vec!["--time".into(), s(&t).into(), "--status".into(), s(&write("c.txt", &censored)).into()], "no events"),
        (
            vec!["--time".into(), s(&t).into(), "--status".into(), s(&write("short.txt", &status[..10])).into()],
            "must match",
        ),
    ];
    for (flags, expected) in cases {
        let out = dir.path().join("out");
        let mut args = vec!["path", "--x", s(&x), "--datafit", "cox", "--out", s(&out)];
        args.extend(flags.iter().map(String::as_str));
        let stderr = fails(&regpath(&args));
        assert!(stderr.contains(expected), "{expected}: {stderr}");
        assert!(!out.join("path.csv").exists());
    }
    let out = dir.path().join("out");
    let stderr = fails(&regpath(&["path", "--x", s(&x), "--y", s(&t), "--datafit", "cox", "--out", s(&out)]));
    assert!(stderr.contains("--datafit cox needs survival times"), "{stderr}");
    let stderr = fails(&regpath(&["path", "--x", s(&x), "--time", s(&t), "--status", s(&d), "--out", s(&out)]));
    assert!(stderr.contains("survival response of --datafit cox"), "{stderr}");
    let held_out = |extra: &[&str]| {
        let mut args = vec![
            "path",
            "--x",
            s(&x),
            "--time",
            s(&t),
            "--status",
            s(&d),
            "--datafit",
            "cox",
            "--test-x",
            s(&x),
            "--test-y",
            s(&t),
            "--out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        fails(&regpath(&args))
    };
    let stderr = held_out(&[]);
    assert!(stderr.contains("give --test-status FILE"), "{stderr}");
    let stderr = held_out(&["--test-status", s(&write("c2.txt", &censored))]);
    assert!(stderr.contains("no held-out sample has an event"), "{stderr}");
    let stderr = held_out(&["--test-status", s(&write("st2.txt", &bad_status))]);
    assert!(stderr.contains("status 1 (event) or 0"), "{stderr}");
    let stderr = fails(&regpath(&[
        "path",
        "--x",
        s(&x),
        "--y",
        s(&t),
        "--test-x",
        s(&x),
        "--test-y",
        s(&t),
        "--test-status",
        s(&d),
        "--out",
        s(&out),
    ]));
    assert!(stderr.contains("--test-status gives the event indicators of --datafit cox"), "{stderr}");
    assert!(!out.join("path.csv").exists());
}

/// `--test-x/--test-y/--test-status` and `--test-bed` score held-out samples at every alpha:
/// `test_deviance` and `test_cindex` of path.csv equal `regpath predict`'s metrics on the same
/// samples, and the C-index is recomputed here pair by pair from predict's linear predictor.
#[test]
fn held_out_scoring_equals_predict() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = (dir.path().join("train"), dir.path().join("test"));
    for (out, seed) in [(&train, "4"), (&test, "5")] {
        ok(&regpath(&[
            "gen",
            "--family",
            "genotype",
            "--n",
            "200",
            "--p",
            "40",
            "--k",
            "4",
            "--h2",
            "0.6",
            "--survival",
            "--seed",
            seed,
            "--out",
            s(out),
        ]));
    }
    // the test draw has other causal SNPs: what is compared is the scoring, not the model
    let fit = dir.path().join("fit");
    let (tx, tt, td) = (test.join("X.npy"), test.join("time.npy"), test.join("status.npy"));
    ok(&regpath(&[
        "path",
        "--x",
        s(&train.join("X.npy")),
        "--time",
        s(&train.join("time.npy")),
        "--status",
        s(&train.join("status.npy")),
        "--datafit",
        "cox",
        "--n-alphas",
        "12",
        "--test-x",
        s(&tx),
        "--test-y",
        s(&tt),
        "--test-status",
        s(&td),
        "--out",
        s(&fit),
    ]));
    let (h, rows) = table(&fit.join("path.csv"));
    assert_eq!(&h[h.len() - 2..], ["test_deviance", "test_cindex"]);
    let pred = dir.path().join("pred");
    ok(&regpath(&["predict", "--fit", s(&fit), "--x", s(&tx), "--y", s(&tt), "--status", s(&td), "--out", s(&pred)]));
    let (mh, mrows) = table(&pred.join("metrics.csv"));
    assert_eq!(mrows.len(), rows.len());
    let (ph, prows) = table(&pred.join("predictions.csv"));
    let npy = |p: &Path| regpath_datagen::read_vector(p).unwrap().to_vec();
    let (time, status) = (npy(&tt), npy(&td));
    let (dev, cidx) = (column(&h, "test_deviance"), column(&h, "test_cindex"));
    for (k, (row, m)) in rows.iter().zip(&mrows).enumerate() {
        let path_dev: f64 = row[dev].parse().unwrap();
        let path_c: f64 = row[cidx].parse().unwrap();
        let pred_dev: f64 = m[column(&mh, "deviance")].parse().unwrap();
        let pred_c: f64 = m[column(&mh, "cindex")].parse().unwrap();
        assert!((path_dev - pred_dev).abs() <= 1e-12 * pred_dev.abs(), "alpha {k}: {path_dev} vs {pred_dev}");
        assert!((path_c - pred_c).abs() <= 1e-12, "alpha {k}: {path_c} vs {pred_c}");
        let eta: Vec<f64> = prows.iter().map(|r| r[1 + k].parse().unwrap()).collect();
        assert!((path_c - naive_cindex(&time, &status, &eta)).abs() < 1e-12, "alpha {k}");
    }
    assert!(ph.len() == rows.len() + 1, "{ph:?}");
    // a fileset: --test-bed with the training --time-col/--status-col
    let bed = dir.path().join("bed");
    gen_bed(&bed, 240, 40, 4, 6, &["--survival"]);
    let (prefix, pheno) = (bed.join("geno"), bed.join("pheno.txt"));
    let keep = dir.path().join("keep.txt");
    let held = dir.path().join("held.txt");
    let ids: Vec<String> = (0..240).map(|i| format!("ind{i} ind{i}\n")).collect();
    std::fs::write(&keep, ids[..180].concat()).unwrap();
    std::fs::write(&held, ids[180..].concat()).unwrap();
    let fit = dir.path().join("fit_bed");
    ok(&cox_path(&prefix, &pheno, &["--keep", s(&keep), "--test-keep", s(&held), "--n-alphas", "8"], &fit));
    let (h, rows) = table(&fit.join("path.csv"));
    let pred = dir.path().join("pred_bed");
    ok(&regpath(&[
        "predict",
        "--fit",
        s(&fit),
        "--bed",
        s(&prefix),
        "--pheno",
        s(&pheno),
        "--pheno-col",
        "1",
        "--status-col",
        "2",
        "--keep",
        s(&held),
        "--out",
        s(&pred),
    ]));
    let (mh, mrows) = table(&pred.join("metrics.csv"));
    assert_eq!(mrows.len(), rows.len());
    for (row, m) in rows.iter().zip(&mrows) {
        let (a, b): (f64, f64) =
            (row[column(&h, "test_cindex")].parse().unwrap(), m[column(&mh, "cindex")].parse().unwrap());
        assert!((a - b).abs() <= 1e-12, "{a} vs {b}");
        let (a, b): (f64, f64) =
            (row[column(&h, "test_deviance")].parse().unwrap(), m[column(&mh, "deviance")].parse().unwrap());
        assert!((a - b).abs() <= 1e-12 * b.abs(), "{a} vs {b}");
    }
}

/// `--ties efron` end to end on the fixture's tied event times: the objective of every alpha is
/// Efron's partial likelihood (recomputed here from the written coefficients' linear
/// predictor) plus the penalty, below Breslow's at the same coefficients; `model.json` records
/// the ties and `predict` scores with them; `--ties` on another datafit, or an unknown value,
/// is an error that writes nothing.
#[test]
fn efron_ties_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (fit, pred) = (dir.path().join("fit"), dir.path().join("pred"));
    let f = fixture();
    let (x, t, d) = (f.join("X.csv"), f.join("time.csv"), f.join("status.csv"));
    let args = |out: &Path, extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["path", "--x", s(&x), "--time", s(&t), "--status", s(&d), "--datafit", "cox"]
            .iter()
            .map(|v| v.to_string())
            .collect();
        a.extend(extra.iter().map(|v| v.to_string()));
        a.extend(["--n-alphas".into(), "20".into(), "--out".into(), s(out).into()]);
        a
    };
    let stderr = ok(&regpath(&args(&fit, &["--ties", "efron"]).iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(stderr.contains("every alpha certified"), "{stderr}");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fit.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["ties"], "efron");
    let (time, status) = (numbers(&t), numbers(&d));
    let n = time.len();
    let efron = Cox::new(&time, &status, n).unwrap().with_ties(CoxTies::Efron);
    let breslow = Cox::new(&time, &status, n).unwrap();
    // the last alpha (index 19) through predict: η, and the deviance under Efron's ties
    ok(&regpath(&[
        "predict",
        "--fit",
        s(&fit),
        "--x",
        s(&x),
        "--y",
        s(&t),
        "--status",
        s(&d),
        "--alpha",
        "19",
        "--out",
        s(&pred),
    ]));
    let (_, prows) = table(&pred.join("predictions.csv"));
    let eta: Vec<f64> = prows.iter().map(|r| r[1].parse().unwrap()).collect();
    let (mh, mrows) = table(&pred.join("metrics.csv"));
    let deviance: f64 = mrows[0][column(&mh, "deviance")].parse().unwrap();
    let expected = 2.0 * regpath_solver::Datafit::loss(&efron, &eta);
    assert!((deviance - expected).abs() <= 1e-12 * expected, "{deviance} vs Efron's {expected}");
    let other = 2.0 * regpath_solver::Datafit::loss(&breslow, &eta);
    assert!((deviance - other).abs() > 1e-4, "the ties make Efron's deviance differ from Breslow's");
    // the path's train deviance at the last alpha is Efron's
    let (h, rows) = table(&fit.join("path.csv"));
    let last = rows.last().unwrap();
    let train: f64 = last[column(&h, "train_deviance")].parse().unwrap();
    assert!((train - expected).abs() <= 1e-9 * expected, "train deviance {train} vs {expected}");
    // Breslow by default: a different path
    let breslow_fit = dir.path().join("breslow");
    ok(&regpath(&args(&breslow_fit, &[]).iter().map(String::as_str).collect::<Vec<_>>()));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(breslow_fit.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["ties"], "breslow");
    // errors
    let out = dir.path().join("bad");
    let err = fails(&regpath(&args(&out, &["--ties", "exact"]).iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(err.contains("unknown ties method 'exact'"), "{err}");
    assert!(!out.exists(), "nothing written");
    let out = dir.path().join("bad2");
    let err = fails(&regpath(&["path", "--x", s(&x), "--y", s(&t), "--ties", "efron", "--out", s(&out)]));
    assert!(err.contains("--ties is for --datafit cox"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// MCP on survival genotypes past saturation (200 × 1,000, 20 causal SNPs): the fit's η
/// spread over hundreds, so with one exponential shift for all of η the late risk sets
/// underflowed; 17 of the 42 alphas stayed uncertified after 10,000 epochs each (and on a
/// 500 × 5,000 fileset 41 alphas read a certificate of exactly 0 from a NaN gradient). Scaled
/// per risk set, every written alpha is certified, and the path ends where the fit ranks every
/// event above the rest of its risk set, with a message saying so.
#[test]
fn a_saturating_mcp_path_is_certified_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("g");
    gen_bed(&data, 200, 1000, 20, 5, &["--h2", "0.5", "--survival"]);
    let out = dir.path().join("fit");
    let stderr = ok(&cox_path(&data.join("geno"), &data.join("pheno.txt"), &["--penalty", "mcp"], &out));
    assert!(stderr.contains("every alpha certified"), "{stderr}");
    let (h, rows) = table(&out.join("path.csv"));
    let (certificate, converged, nnz) = (column(&h, "certificate"), column(&h, "converged"), column(&h, "nnz"));
    for row in &rows {
        let c: f64 = row[certificate].parse().unwrap();
        assert!(c.is_finite() && c <= 1e-6 && row[converged] == "true", "{row:?}");
    }
    assert!(rows.iter().any(|r| r[nnz].parse::<usize>().unwrap() > 50), "the path reaches saturation");
    let stop = &rows.last().unwrap()[column(&h, "stop_reason")];
    if stop == "separated" {
        assert!(stderr.contains("ranks every event above the rest of its risk set"), "{stderr}");
    }
}
