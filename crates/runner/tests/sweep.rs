//! `regpath sweep`: configuration, planning, reproducibility across thread counts, resumption,
//! refusal of a foreign output directory, file datasets, CV, the (reduced) default sweep and
//! the command line.

mod common;

use common::{TABLES, assert_same_tables, small_genotype};
use std::fs;
use std::path::Path;
use std::process::Command;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::plan::Plan;
use regpath_runner::sweep::{RunOptions, run_sweep};

const SMALL: &str = r#"
seed = 7

[[datasets]]
family = "toeplitz"
n = [60, 80]
p = 40
rho = 0.5
k = 4
replicates = 2

[[datasets]]
family = "uniform"
n = 50
p = 12

[[penalties]]
penalty = "lasso"

[[penalties]]
penalty = "enet"
l1_ratio = [0.3, 0.8]

[[penalties]]
penalty = "mcp"

[grid]
n_alphas = 12
eps = 0.05
"#;

fn parse(text: &str) -> anyhow::Result<SweepConfig> {
    let c = SweepConfig::from_toml(text, None)?;
    c.validate()?;
    Ok(c)
}

fn err(text: &str) -> String {
    match parse(text).and_then(|c| Plan::new(&c).map(|_| ())) {
        Ok(()) => panic!("expected an error for:\n{text}"),
        Err(e) => format!("{e:#}"),
    }
}

fn opts(out: &Path, threads: usize) -> RunOptions {
    RunOptions { out: out.to_path_buf(), threads: Some(threads), ..RunOptions::default() }
}

#[test]
fn good_config_plans_the_cartesian_product() {
    let config = parse(SMALL).unwrap();
    let plan = Plan::new(&config).unwrap();
    // toeplitz: 2 sizes; uniform: 1 → 3 dataset instances; penalties 1 + 2 + 1 = 4.
    assert_eq!(plan.datasets.len(), 3);
    assert_eq!(plan.penalties.len(), 4);
    let ids: Vec<&str> = plan.penalties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["lasso", "enet_r0.3", "enet_r0.8", "mcp_g3"]);
    assert_eq!(plan.datasets[0].id, "toeplitz_n60_p40_rho0.5_k4");
    // Tasks: 2 toeplitz sizes × 4 penalties × 2 replicates + 1 × 4 × 1 = 20; units 2·2 + 1 = 5.
    assert_eq!(plan.tasks.len(), 20);
    assert_eq!(plan.units.len(), 5);
    assert!(plan.tasks.iter().enumerate().all(|(i, t)| t.index == i));
    assert_eq!(plan.tasks[1].id, "toeplitz_n60_p40_rho0.5_k4__lasso__r1");
    // Seeds depend on the dataset and replicate, not on the order of execution.
    assert_ne!(plan.units[0].data_seed, plan.units[1].data_seed);
    let again = Plan::new(&config).unwrap();
    assert_eq!(plan.units[3].split_seed, again.units[3].split_seed);
    // Default coefficient paths: lasso and mcp of the first dataset's replicate 0.
    assert_eq!(plan.coef_tasks, ["toeplitz_n60_p40_rho0.5_k4__lasso__r0", "toeplitz_n60_p40_rho0.5_k4__mcp_g3__r0"]);
}

#[test]
fn axes_multiply() {
    let config = parse(
        r#"
        [[datasets]]
        family = "genotype"
        n = [40, 50]
        p = [30, 60, 90]
        h2 = [0.3, 0.6]
        replicates = 3
        [[penalties]]
        penalty = "scad"
        gamma = [2.5, 3.7, 5]
        [[penalties]]
        penalty = "ridge"
        "#,
    )
    .unwrap();
    let plan = Plan::new(&config).unwrap();
    assert_eq!(plan.datasets.len(), 12);
    assert_eq!(plan.penalties.len(), 4);
    assert_eq!(plan.tasks.len(), 12 * 4 * 3);
    assert_eq!(plan.units.len(), 12 * 3);
    assert_eq!(plan.datasets[1].id, "genotype_n40_p30_h20.6");
}

#[test]
fn unknown_keys_are_named() {
    assert!(err("sed = 3\n[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n").contains("sed"));
    let e = err("[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\nrhoo = 1\n[[penalties]]\npenalty = \"lasso\"\n");
    assert!(e.contains("rhoo"), "{e}");
    let e = err(
        "[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n[[penalties]]\npenalty = \"lasso\"\n[grid]\nepsilon = 0.1\n",
    );
    assert!(e.contains("epsilon"), "{e}");
    // A key that exists but does not apply to the family.
    let e = err("[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\nrho = 0.5\n[[penalties]]\npenalty = \"lasso\"\n");
    assert!(e.contains("rho") && e.contains("uniform"), "{e}");
    let e = err("[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n[[penalties]]\npenalty = \"lasso\"\ngamma = 3\n");
    assert!(e.contains("gamma"), "{e}");
}

#[test]
fn bad_values_are_named() {
    let base = "[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nfamily = \"toeplitz\"\nn = 50\np = 20\n";
    let e = err(&format!("{base}rho = 1.5\n"));
    assert!(e.contains("rho"), "{e}");
    let e = err(&format!("{base}[grid]\nn_alphas = 0\n"));
    assert!(e.contains("n_alphas"), "{e}");
    let e = err(&format!("{base}[grid]\neps = 2.0\n"));
    assert!(e.contains("eps"), "{e}");
    let e = err(&format!("{base}[evaluation]\ntest = 1.2\n"));
    assert!(e.contains("evaluation.test"), "{e}");
    let e = err(&format!("{base}[evaluation]\nmethod = \"cv\"\nvalidation = 0.2\n"));
    assert!(e.contains("evaluation.validation"), "{e}");
    let e = err(&format!("{base}[solver]\ntol = -1.0\n"));
    assert!(e.contains("tol"), "{e}");
    let e = err("[[penalties]]\npenalty = \"lasoo\"\n[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n");
    assert!(e.contains("lasoo"), "{e}");
    let e = err("[[penalties]]\npenalty = \"mcp\"\ngamma = 0.5\n[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n");
    assert!(e.contains("gamma"), "{e}");
    let e = err("[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nfamily = \"uniform\"\nn = \"many\"\np = 5\n");
    assert!(e.contains('n'), "{e}");
    let e = err(
        "[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nx = \"/nonexistent/X.npy\"\ny = \"/nonexistent/y.npy\"\n",
    );
    assert!(e.contains("/nonexistent/X.npy"), "{e}");
    let e = err("[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nfamily = \"uniform\"\nn = 3\np = 5\n");
    assert!(e.contains("n = 3"), "{e}");
}

#[test]
fn tables_do_not_depend_on_threads() {
    let config = parse(SMALL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("t1"), dir.path().join("t2"));
    let one = run_sweep(&config, &opts(&a, 1)).unwrap();
    let two = run_sweep(&config, &opts(&b, 2)).unwrap();
    assert!(one.complete && two.complete);
    assert_eq!(one.tasks_run, 20);
    assert_same_tables(&a, &b);
    // Sorted by task: path.csv's task_index never decreases; one summary row per task.
    let summary = fs::read_to_string(a.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 21);
    let comparison = fs::read_to_string(a.join("comparison.csv")).unwrap();
    assert_eq!(comparison.lines().count(), 1 + 3 * 4);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["threads"], 1);
    assert_eq!(manifest["seed"], 7);
    assert!(manifest["config"]["datasets"].is_array());
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_tables() {
    let config = parse(SMALL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (full, resumed) = (dir.path().join("full"), dir.path().join("resumed"));
    run_sweep(&config, &opts(&full, 2)).unwrap();

    let first = run_sweep(&config, &RunOptions { max_tasks: Some(7), ..opts(&resumed, 2) }).unwrap();
    assert!(!first.complete);
    assert_eq!(first.tasks_run, 7);
    assert!(!resumed.join("summary.csv").exists());
    assert_eq!(fs::read_dir(resumed.join("tasks")).unwrap().count(), 7);

    let second = run_sweep(&config, &opts(&resumed, 1)).unwrap();
    assert!(second.complete);
    assert_eq!((second.tasks_resumed, second.tasks_run), (7, 13));
    assert_same_tables(&full, &resumed);

    // Nothing left to do: a third run recomputes nothing and writes the same tables.
    let third = run_sweep(&config, &opts(&resumed, 2)).unwrap();
    assert_eq!((third.tasks_resumed, third.tasks_run), (20, 0));
    assert_same_tables(&full, &resumed);
}

#[test]
fn a_different_configuration_is_refused_without_force() {
    let config = parse(SMALL).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    run_sweep(&config, &RunOptions { max_tasks: Some(2), ..opts(&out, 2) }).unwrap();
    let other = SweepConfig { seed: 8, ..config.clone() };
    let e = format!("{:#}", run_sweep(&other, &opts(&out, 2)).unwrap_err());
    assert!(e.contains("different sweep configuration") && e.contains("--force"), "{e}");
    assert_eq!(fs::read_dir(out.join("tasks")).unwrap().count(), 2);
    // Threads do not change results, so they are not part of the configuration.
    let more_threads = SweepConfig { threads: Some(1), ..config.clone() };
    run_sweep(&more_threads, &RunOptions { max_tasks: Some(0), ..opts(&out, 1) }).unwrap();
    let forced = run_sweep(&other, &RunOptions { force: true, ..opts(&out, 2) }).unwrap();
    assert!(forced.complete);
    assert_eq!((forced.tasks_resumed, forced.tasks_run), (0, 20));
}

#[test]
fn file_datasets_and_cross_validation() {
    use regpath_datagen::FamilySpec;
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = FamilySpec::Toeplitz { n: 90, p: 30, rho: 0.3, k: 3, snr: 5.0 };
    write_dataset(&data, &spec, 11, OutputFormat::Npy).unwrap();
    let config_path = dir.path().join("cv.toml");
    fs::write(
        &config_path,
        r#"
        [[datasets]]
        name = "mine"
        x = "data/X.npy"
        y = "data/y.npy"
        beta = "data/beta.npy"
        replicates = 2
        [[penalties]]
        penalty = "lasso"
        [[penalties]]
        penalty = "scad"
        [grid]
        n_alphas = 15
        eps = 0.02
        [evaluation]
        method = "cv"
        folds = 3
        test = 0.25
        "#,
    )
    .unwrap();
    let config = SweepConfig::from_file(&config_path).unwrap();
    let out = dir.path().join("out");
    let outcome = run_sweep(&config, &RunOptions { plot: true, ..opts(&out, 2) }).unwrap();
    assert!(outcome.complete);
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4);
    for s in &rows {
        assert_eq!((s.n_train, s.n_validation, s.n_test, s.folds), (67, 0, 23, 3));
        assert_eq!(s.selection, "cv");
        assert_eq!(s.family, "file");
        assert!(s.data_seed.is_none());
        let one_se = s.cv1se_alpha_index.unwrap();
        assert!(one_se <= s.chosen_alpha_index, "the 1-SE alpha is at least the minimum's");
        assert!(s.chosen_f1.is_some() && s.true_nnz == Some(3));
    }
    let path = fs::read_to_string(out.join("path.csv")).unwrap();
    let header: Vec<&str> = path.lines().next().unwrap().split(',').collect();
    let cv = header.iter().position(|h| *h == "cv_mse").unwrap();
    assert!(path.lines().skip(1).all(|l| !l.split(',').nth(cv).unwrap().is_empty()));
    assert!(out.join("figures/error_vs_nnz__mine.svg").exists());
    assert!(out.join("figures/coef_path__mine__lasso__r0.svg").exists());
}

/// The built-in default sweep, shrunk (small n, p, one replicate, short grid), runs end to end
/// with figures.
#[test]
fn reduced_default_sweep_finishes() {
    let mut config = SweepConfig::default_sweep();
    config.validate().unwrap();
    assert_eq!(config.penalties.len(), 5);
    let full_plan = Plan::new(&config).unwrap();
    assert!(full_plan.coef_tasks.iter().all(|id| full_plan.tasks.iter().any(|t| &t.id == id)));
    for d in &mut config.datasets {
        d.n = Some(regpath_runner::sweep::config::Axis(vec![60]));
        d.p = Some(regpath_runner::sweep::config::Axis(vec![30]));
        d.replicates = 1;
    }
    config.grid.n_alphas = Some(8);
    config.plot.coef_paths = None;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default");
    let outcome = run_sweep(&config, &RunOptions { plot: true, ..opts(&out, 2) }).unwrap();
    assert!(outcome.complete);
    for f in TABLES.iter().chain(&["manifest.json", "sweep-config.json"]) {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let figures: Vec<_> = fs::read_dir(out.join("figures")).unwrap().collect();
    assert!(figures.len() >= 3);
    let svg = fs::read_to_string(out.join("figures").read_dir().unwrap().next().unwrap().unwrap().path()).unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"));
}

#[test]
fn command_line_errors_leave_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    fs::write(
        &bad,
        "[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\nsize = 3\n[[penalties]]\npenalty = \"lasso\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["sweep", bad.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("size") && stderr.contains("bad.toml"), "{stderr}");
    assert!(!out.exists());

    let run = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["sweep", dir.path().join("missing.toml").to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("missing.toml"));
    assert!(!out.exists());

    let run = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["sweep", "--threads", "0", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("threads"));
    assert!(!out.exists());

    let run = Command::new(env!("CARGO_BIN_EXE_regpath")).args(["sweep", "--print-config"]).output().unwrap();
    assert!(run.status.success());
    let printed = String::from_utf8_lossy(&run.stdout);
    let reparsed = SweepConfig::from_toml(&printed, None).unwrap();
    assert_eq!(reparsed, SweepConfig::default_sweep());

    let run = Command::new(env!("CARGO_BIN_EXE_regpath")).args(["plot", out.to_str().unwrap()]).output().unwrap();
    assert!(!run.status.success());
}

/// `pheno_col` picks a phenotype column of a GEMMA-style extended `.fam` (or of `pheno`), and
/// each phenotype column of one fileset is its own dataset.
#[test]
fn plink_datasets_take_a_phenotype_column() {
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    use regpath_runner::sweep::plan::DataOrigin;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = small_genotype(60, 25);
    write_dataset(&data, &spec, 3, OutputFormat::Bed).unwrap();
    // Extend the .fam: field 7 = 100 + line index, NA on every 4th line; field 8 on some lines only.
    let fam = fs::read_to_string(data.join("geno.fam")).unwrap();
    let extended: String = fam
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let v = if i % 4 == 0 { "NA".to_string() } else { format!("{}", 100 + i) };
            let extra = if i == 5 { "\t1" } else { "" };
            format!("{l}\t{v}{extra}\n")
        })
        .collect();
    fs::write(data.join("geno.fam"), extended).unwrap();
    let config_path = dir.path().join("plink.toml");
    let write = |datasets: &str| {
        fs::write(
            &config_path,
            format!("{datasets}\n[[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 8\neps = 0.1\n"),
        )
        .unwrap();
        SweepConfig::from_file(&config_path)
    };
    let config = write(
        "[[datasets]]\nbed = \"data/geno\"\n[[datasets]]\nbed = \"data/geno\"\npheno_col = 2\n\
         [[datasets]]\nname = \"p2\"\nbed = \"data/geno\"\npheno = \"data/pheno.txt\"\npheno_col = 1\n",
    )
    .unwrap();
    let plan = Plan::new(&config).unwrap();
    let ids: Vec<&str> = plan.datasets.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["geno", "geno_pheno2", "p2"]);
    let y = |d: usize| match &plan.datasets[d].origin {
        DataOrigin::Loaded(file) => file.input.y.to_vec(),
        DataOrigin::Synthetic(_) | DataOrigin::Simulated(..) => panic!("a file dataset"),
    };
    assert_eq!(plan.datasets[0].n, 60);
    assert_eq!(plan.datasets[1].n, 45);
    let want: Vec<f64> = (0..60).filter(|i| i % 4 != 0).map(|i| (100 + i) as f64).collect();
    assert_eq!(y(1), want);
    assert_eq!(y(0), y(2), "column 6 of the .fam and pheno.txt hold the same y");
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out, 1)).unwrap().complete);
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.lines().any(|l| l.contains("geno_pheno2__lasso__r0")), "{summary}");

    // Errors name the dataset, the line and the columns there are.
    let config = write("[[datasets]]\nbed = \"data/geno\"\npheno_col = 3\n").unwrap();
    let e = format!("{:#}", Plan::new(&config).err().unwrap());
    assert!(
        e.contains("datasets[0]: datasets[0].bed (pheno_col = 3)")
            && e.contains(
                "geno.fam: line 1: phenotype column 3 (field 8) requested, but this line has 2 phenotype columns"
            ),
        "{e}"
    );
    let config = write("[[datasets]]\nbed = \"data/geno\"\npheno = \"data/pheno.txt\"\npheno_col = 2\n").unwrap();
    let e = format!("{:#}", Plan::new(&config).err().unwrap());
    assert!(e.contains("datasets[0].pheno (pheno_col = 2)") && e.contains("pheno.txt: line 2"), "{e}");
    let e =
        format!("{:#}", write("[[datasets]]\nbed = \"data/geno\"\npheno_col = 0\n").unwrap().validate().unwrap_err());
    assert!(e.contains("datasets[0]") && e.contains("pheno_col must be at least 1"), "{e}");
    let e = err("[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nx = \"X.npy\"\ny = \"y.npy\"\npheno_col = 2\n");
    assert!(e.contains("`pheno_col` applies to `bed` datasets only"), "{e}");
    let e =
        err("[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\npheno_col = 2\n");
    assert!(e.contains("`pheno_col` cannot be combined with `family`"), "{e}");
}

/// `grid.stop_saturated` ends each training path at the first alpha whose training R² reaches
/// it; CV folds then fit exactly those alphas.
#[test]
fn stop_saturated_in_a_sweep() {
    let text = r#"
        [[datasets]]
        family = "toeplitz"
        n = 120
        p = 30
        k = 3
        snr = 10.0
        [[penalties]]
        penalty = "lasso"
        [[penalties]]
        penalty = "mcp"
        [grid]
        n_alphas = 30
        eps = 0.001
        stop_saturated = 0.6
        [evaluation]
        method = "cv"
        folds = 3
        "#;
    let config = parse(text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out, 2)).unwrap().complete);
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let path = fs::read_to_string(out.join("path.csv")).unwrap();
    let header: Vec<&str> = path.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for s in &rows {
        assert_eq!(s.stop_reason, "saturated", "{}", s.task_id);
        assert!(s.n_alphas > 1 && s.n_alphas < 30, "{}: {} alphas", s.task_id, s.n_alphas);
        let lines: Vec<Vec<&str>> = path
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[col("task_id")] == s.task_id)
            .collect();
        assert_eq!(lines.len(), s.n_alphas);
        assert!(lines.iter().all(|f| !f[col("cv_mse")].is_empty()), "every fitted alpha has a CV error");
    }
    let base = "[[penalties]]\npenalty = \"lasso\"\n[[datasets]]\nfamily = \"uniform\"\nn = 50\np = 5\n[grid]\n";
    for bad in ["0.0", "1.5", "nan", "-1.0"] {
        let e = err(&format!("{base}stop_saturated = {bad}\n"));
        assert!(e.contains("grid.stop_saturated") && e.contains("(0, 1]"), "{bad}: {e}");
    }
}

/// A file dataset with unpenalized covariates and penalty factors: every task certifies, the
/// zero-weight column and the covariates are in the model at every alpha (`coefs.csv`, features
/// p and p + 1 for the covariates), and since y depends strongly on the covariates the chosen
/// test error is far below that of the same dataset without them.
#[test]
fn covariates_and_penalty_factors_in_a_sweep() {
    use regpath_datagen::FamilySpec;
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = FamilySpec::Toeplitz { n: 150, p: 30, rho: 0.3, k: 3, snr: 5.0 };
    write_dataset(&data, &spec, 5, OutputFormat::Npy).unwrap();
    let x = regpath_datagen::read_matrix(&data.join("X.npy")).unwrap();
    let y = regpath_datagen::read_vector(&data.join("y.npy")).unwrap();
    let (mut cov, mut y_shifted) = (String::from("age,batch\n"), String::new());
    for i in 0..150 {
        let age = 40.0 + 15.0 * ((i as f64) * 0.7).sin();
        let batch = f64::from(i % 4 == 0);
        cov.push_str(&format!("{age},{batch}\n"));
        y_shifted.push_str(&format!("{}\n", y[i] + 0.5 * age - 4.0 * batch + 0.3 * x.view()[(i, 0)]));
    }
    fs::write(data.join("cov.csv"), cov).unwrap();
    fs::write(data.join("y_cov.csv"), y_shifted).unwrap();
    let weights: String =
        (0..30).map(|j| if j == 0 { "0\n".to_string() } else { format!("{}\n", 1.0 + (j % 3) as f64 * 0.5) }).collect();
    fs::write(data.join("w.txt"), weights).unwrap();
    let config_path = dir.path().join("cov.toml");
    fs::write(
        &config_path,
        r#"
        [[datasets]]
        name = "with"
        x = "data/X.npy"
        y = "data/y_cov.csv"
        covariates = "data/cov.csv"
        penalty_factor = "data/w.txt"
        [[datasets]]
        name = "without"
        x = "data/X.npy"
        y = "data/y_cov.csv"
        [[penalties]]
        penalty = "lasso"
        [[penalties]]
        penalty = "mcp"
        [grid]
        n_alphas = 15
        eps = 0.02
        [evaluation]
        method = "cv"
        folds = 3
        test = 0.25
        "#,
    )
    .unwrap();
    let config = SweepConfig::from_file(&config_path).unwrap();
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out, 2)).unwrap().complete);
    let mut r = csv::Reader::from_path(out.join("path.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SweepPathRow> = r.deserialize().map(Result::unwrap).collect();
    assert!(rows.iter().all(|row| row.converged && row.certificate <= 1e-6 && row.nnz <= 30));
    let mut r = csv::Reader::from_path(out.join("coefs.csv")).unwrap();
    let coefs: Vec<regpath_runner::sweep::tables::CoefRow> = r.deserialize().map(Result::unwrap).collect();
    let with: Vec<_> = coefs.iter().filter(|c| c.task_id.starts_with("with")).collect();
    for k in 0..15 {
        for feature in [0, 30, 31] {
            assert!(
                with.iter().any(|c| c.alpha_index == k && c.feature == feature && c.coef != 0.0),
                "alpha {k}: unpenalized feature {feature} missing"
            );
        }
    }
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let summary: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    for penalty in ["lasso", "mcp"] {
        let test = |name: &str| {
            summary.iter().find(|s| s.dataset == name && s.penalty == penalty).and_then(|s| s.chosen_test_mse).unwrap()
        };
        assert!(test("with") < 0.5 * test("without"), "{penalty}: {} vs {}", test("with"), test("without"));
    }
}

/// A PLINK dataset with a covariate table (a categorical column, one sample with NA) and
/// SNP-keyed penalty factors: the sample is left out, and the covariates' indicator columns
/// and the zero-weight SNPs are in the model at every alpha.
#[test]
fn plink_covariates_and_penalty_factors_in_a_sweep() {
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = small_genotype(80, 40);
    write_dataset(&data, &spec, 9, OutputFormat::Bed).unwrap();
    let fam = fs::read_to_string(data.join("geno.fam")).unwrap();
    let mut table = String::from("FID IID pc1 batch\n");
    for (i, line) in fam.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let pc1 = if i == 7 { "NA".to_string() } else { format!("{}", ((i * 13) % 17) as f64 / 17.0) };
        table.push_str(&format!("{} {} {pc1} {}\n", f[0], f[1], ["A", "B", "C"][i % 3]));
    }
    fs::write(data.join("cov.txt"), table).unwrap();
    let bim = fs::read_to_string(data.join("geno.bim")).unwrap();
    let snps: Vec<&str> = bim.lines().map(|l| l.split_whitespace().nth(1).unwrap()).collect();
    fs::write(data.join("w.txt"), format!("{} 0\n{} 0\n{} 2\n", snps[0], snps[1], snps[2])).unwrap();
    let config_path = dir.path().join("plink_cov.toml");
    fs::write(
        &config_path,
        r#"
        [[datasets]]
        name = "g"
        bed = "data/geno"
        covariates = "data/cov.txt"
        penalty_factor = "data/w.txt"
        [[penalties]]
        penalty = "lasso"
        [grid]
        n_alphas = 10
        eps = 0.05
        "#,
    )
    .unwrap();
    let config = SweepConfig::from_file(&config_path).unwrap();
    let plan = Plan::new(&config).unwrap();
    assert_eq!((plan.datasets[0].n, plan.datasets[0].p), (79, 40), "the sample with NA is left out");
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out, 1)).unwrap().complete);
    let mut r = csv::Reader::from_path(out.join("coefs.csv")).unwrap();
    let coefs: Vec<regpath_runner::sweep::tables::CoefRow> = r.deserialize().map(Result::unwrap).collect();
    for k in 0..10 {
        for feature in [0, 1, 40, 41, 42] {
            assert!(
                coefs.iter().any(|c| c.alpha_index == k && c.feature == feature && c.coef != 0.0),
                "alpha {k}: unpenalized feature {feature} missing"
            );
        }
    }
    assert!(!coefs.iter().any(|c| c.feature > 42));
}

/// `[solver] datafit = "logistic"` on case/control genotypes (`prevalence`): CV picks alpha by
/// mean binomial deviance, the test columns are deviance, AUC and misclassification (recomputed
/// here from their definitions' bounds), R² is empty, and every written point is certified.
#[test]
fn logistic_sweep_reports_deviance_auc_and_misclassification() {
    let text = r#"
        seed = 11
        [[datasets]]
        family = "genotype"
        n = 300
        p = 200
        k = 5
        h2 = 0.8
        prevalence = 0.4
        [[penalties]]
        penalty = "lasso"
        [[penalties]]
        penalty = "mcp"
        [solver]
        datafit = "logistic"
        [grid]
        n_alphas = 20
        [evaluation]
        method = "cv"
        folds = 3
        "#;
    let config = parse(text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out, 2)).unwrap().complete);
    let mut r = csv::Reader::from_path(out.join("path.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SweepPathRow> = r.deserialize().map(Result::unwrap).collect();
    assert!(!rows.is_empty());
    for row in &rows {
        assert_eq!(row.datafit, "logistic");
        assert!(row.test_r2.is_none());
        let auc = row.test_auc.unwrap();
        assert!((0.0..=1.0).contains(&auc));
        let mis = row.test_misclassification.unwrap();
        assert!((0.0..=1.0).contains(&mis));
        assert!(row.test_deviance.unwrap() > 0.0);
        // a CV fold of MCP may separate before the training path does: no CV error there
        assert!(row.cv_mse.is_some_and(|v| v > 0.0) || (row.penalty == "mcp" && row.cv_mse.is_none()));
        assert!(row.certificate <= 1e-6 && row.converged, "{}: {}", row.task_id, row.certificate);
    }
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let summary: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    for s in &summary {
        let task: Vec<&regpath_runner::sweep::tables::SweepPathRow> =
            rows.iter().filter(|r| r.task_id == s.task_id).collect();
        // the chosen alpha minimizes the CV deviance (first minimum)
        let best = task.iter().filter_map(|r| r.cv_mse).fold(f64::INFINITY, f64::min);
        assert_eq!(task[s.chosen_alpha_index].cv_mse.unwrap(), best);
        assert_eq!(s.chosen_test_auc, task[s.chosen_alpha_index].test_auc);
        // the signal is strong: the chosen model ranks cases above controls
        assert!(s.chosen_test_auc.unwrap() > 0.6, "{}: AUC {:?}", s.task_id, s.chosen_test_auc);
    }
    let comparison = fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert!(comparison.lines().next().unwrap().contains("test_auc_mean"));
}

/// Genotypes stay packed in a sweep: a PLINK fileset and the same matrix as a dense `.npy`
/// (same dataset name, so the same split and folds) give the same models — nnz and chosen
/// alpha exactly, errors to round-off (the packed and dense kernels sum in different orders).
#[test]
fn packed_genotypes_match_their_dense_copy() {
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let spec = small_genotype(120, 300);
    write_dataset(&dir.path().join("bed"), &spec, 9, OutputFormat::Bed).unwrap();
    write_dataset(&dir.path().join("npy"), &spec, 9, OutputFormat::Npy).unwrap();
    let tail = "[[penalties]]\npenalty = \"lasso\"\n[[penalties]]\npenalty = \"mcp\"\n[grid]\nn_alphas = 12\n\
                [evaluation]\nmethod = \"cv\"\nfolds = 3\n";
    let entries = [
        format!("[[datasets]]\nname = \"g\"\nbed = \"{}/bed/geno\"\n", dir.path().display()),
        format!("[[datasets]]\nname = \"g\"\nx = \"{0}/npy/X.npy\"\ny = \"{0}/npy/y.npy\"\n", dir.path().display()),
    ];
    let mut summaries = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let config = parse(&format!("seed = 4\n{entry}{tail}")).unwrap();
        let out = dir.path().join(format!("out{i}"));
        assert!(run_sweep(&config, &opts(&out, 2)).unwrap().complete);
        let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
        let header = r.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        summaries.push((header, rows));
    }
    let (header, packed) = &summaries[0];
    let (_, dense) = &summaries[1];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(packed.len(), dense.len());
    for (a, b) in packed.iter().zip(dense) {
        for exact in ["task_id", "chosen_alpha_index", "chosen_nnz", "n_train", "n_test", "stop_reason"] {
            assert_eq!(a[col(exact)], b[col(exact)], "{exact}");
        }
        for close in ["alpha_max", "chosen_test_mse", "chosen_selection_mse", "oracle_test_mse"] {
            let (x, y): (f64, f64) = (a[col(close)].parse().unwrap(), b[col(close)].parse().unwrap());
            assert!((x - y).abs() <= 1e-7 * y.abs().max(1e-12), "{close}: packed {x} dense {y}");
        }
    }
}

/// Datasets that differ only in p get a test R² figure with the expectation for genotypes and
/// log–log figures of nnz, time, CV time and full passes against p; datasets that differ in k
/// as well are never mixed; `full_passes` adds up to `path_full_passes`.
#[test]
fn figures_against_p_and_full_passes() {
    let dir = tempfile::tempdir().unwrap();
    let config = parse(
        "seed = 2\n[[datasets]]\nfamily = \"genotype\"\nn = 80\np = [30, 90]\nk = [3, 4]\nreplicates = 2\n\
         [[penalties]]\npenalty = \"lasso\"\n[[penalties]]\npenalty = \"mcp\"\n[grid]\nn_alphas = 8\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = run_sweep(&config, &RunOptions { plot: true, ..opts(&out, 2) }).unwrap();
    for k in [3, 4] {
        for metric in ["test_r2", "nnz", "time", "full_passes"] {
            let file = out.join(format!("figures/vs_p__genotype_n80_k{k}__{metric}.svg"));
            assert!(run.written.contains(&file), "{metric} figure missing");
            let svg = fs::read_to_string(&file).unwrap();
            assert!(svg.contains("<svg") && svg.contains("lasso") && svg.contains("mcp"), "{metric}");
            if metric == "test_r2" {
                assert!(svg.contains("Daetwyler"), "the expectation is drawn");
            }
        }
    }
    assert!(!run.written.iter().any(|f| f.to_string_lossy().contains("vs_n__")), "n does not vary");
    let path: Vec<regpath_runner::sweep::tables::SweepPathRow> =
        regpath_runner::sweep::tables::read_table(&out.join("path.csv")).unwrap();
    let summary: Vec<regpath_runner::sweep::tables::SummaryRow> =
        regpath_runner::sweep::tables::read_table(&out.join("summary.csv")).unwrap();
    for s in &summary {
        let total: f64 = path.iter().filter(|r| r.task_id == s.task_id).map(|r| r.full_passes).sum();
        assert!(total > 0.0 && (total - s.path_full_passes).abs() <= 1e-9 * total, "{}", s.task_id);
    }
}
