//! Sweep inputs and outputs beyond the tables: a sweep without a test part (`evaluation.test =
//! 0` with CV), the chosen model of each task as a `regpath predict` model, SNP ids in
//! `coefs.csv`, and the split and folds of each replicate.

use std::fs;
use std::path::Path;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};

fn opts(out: &Path) -> RunOptions {
    RunOptions { out: out.to_path_buf(), threads: Some(2), ..RunOptions::default() }
}

/// The header and rows of a CSV file.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// The values of column `name` of a CSV file.
fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, rows) = table(path);
    let k = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} not in {}", path.display()));
    rows.into_iter().map(|mut r| r.swap_remove(k)).collect()
}

const NO_TEST: &str = r#"
seed = 3
[[datasets]]
family = "toeplitz"
n = 60
p = 30
k = 3
replicates = 3
[[datasets]]
family = "uniform"
n = 40
p = 8
replicates = 3
[[penalties]]
penalty = "lasso"
[[penalties]]
penalty = "mcp"
[grid]
n_alphas = 10
eps = 0.05
[evaluation]
method = "cv"
folds = 3
test = 0
"#;

/// `test = 0` is refused with method `validation` (naming the key) and out of [0, 1).
#[test]
fn test_zero_needs_cross_validation() {
    let e = SweepConfig::from_toml(&NO_TEST.replace("method = \"cv\"\nfolds = 3\n", ""), None)
        .and_then(|c| c.validate())
        .unwrap_err();
    let e = format!("{e:#}");
    assert!(e.contains("evaluation.test = 0 needs method = \"cv\""), "{e}");
    let e = SweepConfig::from_toml(&NO_TEST.replace("test = 0", "test = -0.1"), None)
        .and_then(|c| c.validate())
        .unwrap_err();
    assert!(format!("{e:#}").contains("evaluation.test must be a fraction in (0, 1)"), "{e:#}");
}

/// Without a test part every sample trains, CV chooses alpha, every test column is empty, the
/// verdict compares configurations by the CV error at the chosen alpha, and the figures draw the
/// CV error instead of an empty test error.
#[test]
fn a_sweep_without_a_test_part() {
    let dir = tempfile::tempdir().unwrap();
    let config = SweepConfig::from_toml(NO_TEST, None).unwrap();
    let out = dir.path().join("out");
    let outcome = run_sweep(&config, &RunOptions { plot: true, ..opts(&out) }).unwrap();
    assert!(outcome.complete);
    let summary = out.join("summary.csv");
    assert!(column(&summary, "n_test").iter().all(|v| v == "0"));
    assert_eq!(column(&summary, "n_train").iter().filter(|v| *v == "60").count(), 6, "every sample trains");
    for col in ["chosen_test_mse", "chosen_test_r2", "oracle_test_mse", "cv1se_test_mse", "cv1se_test_r2"] {
        assert!(column(&summary, col).iter().all(String::is_empty), "{col} is not empty");
    }
    assert!(column(&summary, "chosen_selection_mse").iter().all(|v| v.parse::<f64>().unwrap() > 0.0));
    let path = out.join("path.csv");
    for col in ["test_mse", "test_r2", "test_deviance", "test_auc"] {
        assert!(column(&path, col).iter().all(String::is_empty), "path.csv {col} is not empty");
    }
    assert!(column(&path, "cv_mse").iter().all(|v| !v.is_empty()));
    let comparison = out.join("comparison.csv");
    for col in ["test_mse_mean", "test_r2_mean", "test_r2_ci_low", "cv1se_test_mse_mean"] {
        assert!(column(&comparison, col).iter().all(String::is_empty), "comparison.csv {col} is not empty");
    }
    assert!(column(&comparison, "nnz_mean").iter().all(|v| !v.is_empty()));
    // the verdict: by CV error, lower is better
    let metrics = column(&out.join("pairwise.csv"), "metric");
    assert!(metrics.contains(&"cv_error".to_string()), "{metrics:?}");
    assert!(metrics.iter().all(|m| !m.starts_with("test_")), "{metrics:?}");
    let ranks = out.join("ranks.csv");
    assert!(column(&ranks, "metric").iter().all(|m| m == "cv_error"));
    let (header, rows) = table(&ranks);
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let dataset_rows: Vec<&Vec<String>> = rows.iter().filter(|r| r[at("scope")] == "dataset").collect();
    assert_eq!(dataset_rows.len(), 4);
    for d in ["toeplitz_n60_p30_k3", "uniform_n40_p8"] {
        let mut of: Vec<(f64, f64)> = dataset_rows
            .iter()
            .filter(|r| r[at("dataset")] == d)
            .map(|r| (r[at("mean")].parse().unwrap(), r[at("rank")].parse().unwrap()))
            .collect();
        of.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(of.iter().map(|x| x.1).collect::<Vec<_>>(), [1.0, 2.0], "{d}: lower CV error ranks first");
    }
    // figures: the CV error, no empty test panel
    let figures = out.join("figures");
    let summary_svg = fs::read_to_string(figures.join("summary__cv_error.svg")).unwrap();
    assert!(summary_svg.contains("CV error at the chosen alpha"));
    assert!(!figures.join("summary__test_r2.svg").exists());
    let nnz_svg = fs::read_to_string(figures.join("error_vs_nnz__uniform_n40_p8.svg")).unwrap();
    assert!(nnz_svg.contains("CV error (MSE; no test part)") && !nnz_svg.contains("test MSE"));
    assert!(figures.join("critical_difference.svg").exists());
}

/// A small genotype family (k = 3, h2 = 0.5, blocks of 5 SNPs, moderate LD), with missing calls.
fn small_genotype(n: usize, p: usize) -> regpath_datagen::FamilySpec {
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
        missing_rate: 0.02,
        prevalence: None,
        survival: false,
        censoring: None,
    }
}

/// Whitespace-separated fields of each line of a text file.
fn lines(path: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// On a PLINK fileset: each replicate's split is written with the `.fam` ids; the chosen model
/// of each task is a model file that `regpath predict --model` applies, and its predictions of
/// the test part give the sweep's own `chosen_test_mse`; `coefs.csv` names SNPs and alleles.
#[test]
fn plink_sweep_writes_models_that_predict_applies_and_its_splits() {
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_dataset(&data, &small_genotype(80, 30), 5, OutputFormat::Bed).unwrap();
    let config_path = dir.path().join("plink.toml");
    fs::write(
        &config_path,
        "[[datasets]]\nbed = \"data/geno\"\nreplicates = 2\n[[penalties]]\npenalty = \"lasso\"\n\
         [[penalties]]\npenalty = \"mcp\"\n[grid]\nn_alphas = 10\neps = 0.05\n\
         [evaluation]\ntest = 0.25\nvalidation = 0.25\n",
    )
    .unwrap();
    let config = SweepConfig::from_file(&config_path).unwrap();
    let out = dir.path().join("out");
    // an earlier run's model of a task this configuration does not have is removed
    fs::create_dir_all(out.join("models")).unwrap();
    fs::write(out.join("models/old__lasso__r0.json"), "{}").unwrap();
    assert!(run_sweep(&config, &opts(&out)).unwrap().complete);
    assert!(!out.join("models/old__lasso__r0.json").exists());

    // the split: one line per .fam sample, in .fam order, parts of the summary's sizes
    let fam = lines(&data.join("geno.fam"));
    let split = lines(&out.join("splits/geno__r1.txt"));
    assert_eq!(split[0], ["FID", "IID", "part", "fold"]);
    assert_eq!(split.len(), fam.len() + 1);
    for (s, f) in split[1..].iter().zip(&fam) {
        assert_eq!(s[..2], f[..2]);
        assert_eq!(s[3], "NA", "no CV: no fold");
    }
    let count = |part: &str| split[1..].iter().filter(|s| s[2] == part).count();
    assert_eq!((count("train"), count("validation"), count("test")), (40, 20, 20));
    assert_ne!(lines(&out.join("splits/geno__r0.txt")), split, "replicates draw their own split");

    let summary = out.join("summary.csv");
    let tasks = column(&summary, "task_id");
    let test_mse = column(&summary, "chosen_test_mse");
    let chosen_nnz = column(&summary, "chosen_nnz");
    let y: Vec<f64> = fam.iter().map(|f| f[5].parse().unwrap()).collect();
    for (t, task) in tasks.iter().enumerate() {
        let model = out.join(format!("models/{task}.json"));
        let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&model).unwrap()).unwrap();
        assert_eq!(json["features"]["kind"], "bed");
        assert_eq!(json["alphas"].as_array().unwrap().len(), 1);
        assert_eq!(json["nnz"][0].to_string(), chosen_nnz[t]);
        assert_eq!(json["training"]["samples"], 40);
        let pred_dir = dir.path().join(format!("pred_{task}"));
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_regpath"))
            .args(["predict", "--model"])
            .arg(&model)
            .arg("--bed")
            .arg(data.join("geno"))
            .arg("--out")
            .arg(&pred_dir)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let (header, rows) = table(&pred_dir.join("predictions.csv"));
        assert_eq!(header, ["FID", "IID", "pred_0"]);
        let replicate = task.rsplit_once("__r").unwrap().1;
        let split = lines(&out.join(format!("splits/geno__r{replicate}.txt")));
        let (mut sse, mut n) = (0.0, 0);
        for ((s, row), y) in split[1..].iter().zip(&rows).zip(&y) {
            assert_eq!(s[..2], row[..2]);
            if s[2] == "test" {
                let pred: f64 = row[2].parse().unwrap();
                sse += (y - pred) * (y - pred);
                n += 1;
            }
        }
        let mse = sse / n as f64;
        let want: f64 = test_mse[t].parse().unwrap();
        assert!((mse - want).abs() <= 1e-10 * want, "{task}: predict's test MSE {mse} vs the sweep's {want}");
    }

    // coefs.csv: SNP id and alleles from the .bim
    let bim = lines(&data.join("geno.bim"));
    let (header, rows) = table(&out.join("coefs.csv"));
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        let j: usize = r[at("feature")].parse().unwrap();
        assert_eq!((&r[at("snp")], &r[at("a1")], &r[at("a2")]), (&bim[j][1], &bim[j][4], &bim[j][5]));
    }
}

/// With CV, the split file gives every training sample its fold (sizes differing by at most
/// one), and a synthetic dataset's split names rows; its models are matrix models.
#[test]
fn cv_folds_in_the_split_of_a_synthetic_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let config = SweepConfig::from_toml(NO_TEST, None).unwrap();
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out)).unwrap().complete);
    let split = lines(&out.join("splits/uniform_n40_p8__r2.txt"));
    assert_eq!(split[0], ["row", "part", "fold"]);
    assert_eq!(split.len(), 41);
    let mut sizes = [0usize; 3];
    for (i, s) in split[1..].iter().enumerate() {
        assert_eq!(s[0], i.to_string());
        assert_eq!(s[1], "train", "test = 0: every sample trains");
        sizes[s[2].parse::<usize>().unwrap() - 1] += 1;
    }
    assert_eq!(sizes.iter().sum::<usize>(), 40);
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
    let json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("models/uniform_n40_p8__lasso__r2.json")).unwrap()).unwrap();
    assert_eq!(json["features"]["kind"], "matrix");
    assert!(json["cv"].is_null());
    // coefs.csv of a synthetic dataset has the SNP columns, empty
    let snp = column(&out.join("coefs.csv"), "snp");
    assert!(!snp.is_empty() && snp.iter().all(String::is_empty));
}

/// The files of a folder, by name.
fn folder(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), fs::read(e.path()).unwrap()))
        .collect()
}

/// A sweep run in two pieces and merged writes the same models and splits as one run.
#[test]
fn merge_writes_the_models_and_splits_of_a_single_run() {
    use regpath_runner::sweep::Shard;
    let dir = tempfile::tempdir().unwrap();
    let config = SweepConfig::from_toml(NO_TEST, None).unwrap();
    let single = dir.path().join("single");
    assert!(run_sweep(&config, &opts(&single)).unwrap().complete);
    let pieces = dir.path().join("pieces");
    for k in 1..=2 {
        let o = RunOptions { shard: Some(Shard { k, n: 2 }), ..opts(&pieces) };
        assert!(run_sweep(&config, &o).unwrap().complete);
    }
    assert!(!pieces.join("models").exists(), "a piece writes no models");
    regpath_runner::sweep::merge::merge(&pieces, false, Vec::new()).unwrap();
    let models = folder(&single.join("models"));
    assert_eq!(models.len(), 2 * 12, "a model and its coefficients per task");
    assert_eq!(folder(&pieces.join("models")), models);
    assert_eq!(folder(&pieces.join("splits")), folder(&single.join("splits")));
    assert_eq!(folder(&single.join("splits")).len(), 6);
}

/// A path with more nonzero coefficients over its alphas than a task keeps (ridge: 100 alphas
/// × 45,000 features, past `MODEL_BUDGET`) still writes its chosen model: with a validation
/// part the choice is known as the path runs, and only the best alpha so far is kept.
#[test]
fn a_long_ridge_path_keeps_its_chosen_model() {
    let p = 45_000;
    assert!(100 * p > regpath_runner::sweep::tables::MODEL_BUDGET);
    let dir = tempfile::tempdir().unwrap();
    let config = SweepConfig::from_toml(
        &format!(
            r#"
seed = 5
[[datasets]]
family = "uniform"
n = 120
p = {p}
[[penalties]]
penalty = "ridge"
[grid]
n_alphas = 100
eps = 1e-3
[evaluation]
method = "validation"
"#
        ),
        None,
    )
    .unwrap();
    let out = dir.path().join("out");
    assert!(run_sweep(&config, &opts(&out)).unwrap().complete);
    let task = format!("uniform_n120_p{p}__ridge__r0");
    let chosen: usize = column(&out.join("summary.csv"), "chosen_alpha_index")[0].parse().unwrap();
    let alpha: f64 = column(&out.join("path.csv"), "alpha")[chosen].parse().unwrap();
    let model: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join(format!("models/{task}.json"))).unwrap()).unwrap();
    assert_eq!(model["alphas"][0].as_f64().unwrap(), alpha, "the model is the chosen alpha's");
    let coefs = table(&out.join(format!("models/{task}.coefs.csv"))).1;
    assert_eq!(coefs.len(), p, "ridge: every coefficient of the chosen alpha");
}
