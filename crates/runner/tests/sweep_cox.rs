//! Sweeps with `solver.datafit = "cox"`: a dataset of files (`x`, `time`, `status`, `beta`)
//! with its own split (`split = FILE`, validation) and a synthetic genotype family with
//! `survival = true` under cross-validation. The chosen models' held-out C-index
//! (`chosen_test_cindex`) is recomputed here from the written model coefficients, the
//! dataset's files and the written split; and a Cox sweep with a dataset that has no survival
//! response (or the reverse) is a clear error that writes nothing.

mod common;

use std::path::Path;

use common::{fails, naive_cindex, ok, regpath};
use regpath_datagen::{read_matrix, read_vector};
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.deserialize().map(|row| row.unwrap()).collect()
}

/// Harrell's C pair by pair: `δ_i = 1` and `T_i < T_j` (or tied with j censored); ties in η ½.
#[test]
fn a_cox_sweep_with_a_fixed_split_and_with_cv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "200",
        "--p",
        "30",
        "--k",
        "4",
        "--h2",
        "0.6",
        "--survival",
        "--seed",
        "3",
        "--out",
        s(&data),
    ]));
    // the dataset's own split: every fifth row tests, the next validates
    let parts: Vec<&str> = (0..200)
        .map(|i| match i % 5 {
            0 => "test",
            1 => "validation",
            _ => "train",
        })
        .collect();
    std::fs::write(dir.path().join("split.txt"), parts.iter().map(|p| format!("{p}\n")).collect::<String>()).unwrap();
    let files =
        "x = \"data/X.npy\"\ntime = \"data/time.npy\"\nstatus = \"data/status.npy\"\nbeta = \"data/beta.npy\"\n";
    let config = format!(
        "seed = 5\n[[datasets]]\nname = \"fixed\"\n{files}split = \"split.txt\"\n\
         [[datasets]]\nname = \"cvfile\"\n{files}\
         [[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 12\n[solver]\ndatafit = \"cox\"\n"
    );
    let synthetic_config = "seed = 5\n[[datasets]]\nfamily = \"genotype\"\nn = 160\np = 30\nk = 3\nh2 = 0.6\n\
         survival = true\ncensoring = 0.4\n[[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 10\n\
         [solver]\ndatafit = \"cox\"\n[evaluation]\nmethod = \"cv\"\nfolds = 3\n";
    // the file datasets: one with the fixed split (validation), one with CV on a random split
    let validation = dir.path().join("validation.toml");
    std::fs::write(&validation, &config).unwrap();
    let out = dir.path().join("sweep");
    ok(&regpath(&["sweep", s(&validation), "--out", s(&out)]));
    let cv_file = dir.path().join("cv_file.toml");
    let cv_config = format!(
        "seed = 5\n[[datasets]]\nname = \"cvfile\"\n{files}[[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 12\n\
         [solver]\ndatafit = \"cox\"\n[evaluation]\nmethod = \"cv\"\nfolds = 3\n"
    );
    std::fs::write(&cv_file, cv_config).unwrap();
    let cv_out = dir.path().join("sweep_cv");
    ok(&regpath(&["sweep", s(&cv_file), "--out", s(&cv_out)]));
    let x = read_matrix(&data.join("X.npy")).unwrap();
    let time = read_vector(&data.join("time.npy")).unwrap().to_vec();
    let status = read_vector(&data.join("status.npy")).unwrap().to_vec();
    for (dir_out, selection) in [(&out, "validation"), (&cv_out, "cv")] {
        let summary = rows(&dir_out.join("summary.csv"));
        assert_eq!(summary.len(), if selection == "cv" { 1 } else { 2 });
        for row in &summary {
            assert_eq!((row["datafit"].as_str(), row["selection"].as_str()), ("cox", selection));
            let task = &row["task_id"];
            // the test rows of the written split
            let split =
                std::fs::read_to_string(dir_out.join("splits").join(format!("{}__r0.txt", row["dataset"]))).unwrap();
            let test: Vec<usize> = split
                .lines()
                .skip(1)
                .filter_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f[1] == "test").then(|| f[0].parse().unwrap())
                })
                .collect();
            if row["dataset"] == "fixed" {
                assert_eq!(test, (0..200).filter(|i| i % 5 == 0).collect::<Vec<_>>(), "the dataset's own split");
            }
            assert_eq!(test.len().to_string(), row["n_test"]);
            // η = Xβ̂ of the chosen model on the test rows (no intercept in a Cox model)
            let model: Value = serde_json::from_str(
                &std::fs::read_to_string(dir_out.join("models").join(format!("{task}.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!(model["datafit"], "cox");
            assert_eq!(model["intercepts"][0].as_f64(), Some(0.0));
            assert_eq!(model["fit_intercept"], false, "a Cox model has no intercept");
            let coefs = rows(&dir_out.join("models").join(format!("{task}.coefs.csv")));
            assert_eq!(coefs.len().to_string(), row["chosen_nnz"]);
            let eta: Vec<f64> = test
                .iter()
                .map(|&i| {
                    coefs
                        .iter()
                        .map(|c| {
                            x.view()[(i, c["feature"].parse::<usize>().unwrap())] * c["coef"].parse::<f64>().unwrap()
                        })
                        .sum()
                })
                .collect();
            let t: Vec<f64> = test.iter().map(|&i| time[i]).collect();
            let d: Vec<f64> = test.iter().map(|&i| status[i]).collect();
            let c = naive_cindex(&t, &d, &eta);
            let written: f64 = row["chosen_test_cindex"].parse().unwrap();
            assert!((written - c).abs() < 1e-12, "{task}: {written} vs {c}");
            assert!(c > 0.6, "{task}: the chosen model orders the test events, C = {c}");
            assert!(row["chosen_test_deviance"].parse::<f64>().unwrap() > 0.0);
            for empty in ["chosen_test_mse", "chosen_test_r2", "chosen_test_auc"] {
                assert_eq!(row[empty], "", "{empty}");
            }
            // the truth is known: support recovery
            assert_eq!(row["true_nnz"], "4");
            assert!(!row["chosen_f1"].is_empty());
        }
        // path.csv has a C-index per alpha and comparison.csv its mean
        let path = rows(&dir_out.join("path.csv"));
        assert!(path.iter().all(|r| !r["test_cindex"].is_empty() && !r["test_deviance"].is_empty()));
        // a survival response has no mean: no training MSE (not NaN)
        assert!(path.iter().all(|r| r["train_mse"].is_empty()), "{:?}", path[0]["train_mse"]);
        let comparison = rows(&dir_out.join("comparison.csv"));
        assert!(comparison.iter().all(|r| !r["test_cindex_mean"].is_empty()));
        if selection == "cv" {
            assert!(path.iter().any(|r| !r["cv_mse"].is_empty()), "CV on the partial-likelihood deviance");
        }
    }
    // a synthetic survival family under CV
    let synthetic = dir.path().join("synthetic.toml");
    std::fs::write(&synthetic, synthetic_config).unwrap();
    let syn_out = dir.path().join("sweep_syn");
    ok(&regpath(&["sweep", s(&synthetic), "--out", s(&syn_out)]));
    let summary = rows(&syn_out.join("summary.csv"));
    assert_eq!(summary[0]["dataset"], "genotype_n160_p30_k3_h20.6_survival_censoring0.4");
    assert!(summary[0]["chosen_test_cindex"].parse::<f64>().unwrap() > 0.5);
    assert_eq!(summary[0]["true_nnz"], "3");
    // same configuration, same tables
    let again = dir.path().join("sweep_syn2");
    ok(&regpath(&["sweep", s(&synthetic), "--out", s(&again)]));
    common::assert_same_tables(&syn_out, &again);
    // Efron's ties: the simulated times are continuous (no tied events), so Efron's partial
    // likelihood is Breslow's and the tables are the same
    let efron = dir.path().join("efron.toml");
    let efron_config = synthetic_config.replace("datafit = \"cox\"\n", "datafit = \"cox\"\nties = \"efron\"\n");
    assert!(efron_config.contains("ties"));
    std::fs::write(&efron, efron_config).unwrap();
    let efron_out = dir.path().join("sweep_efron");
    ok(&regpath(&["sweep", s(&efron), "--out", s(&efron_out)]));
    let efron_summary = rows(&efron_out.join("summary.csv"));
    assert_eq!(efron_summary[0]["chosen_test_cindex"], summary[0]["chosen_test_cindex"]);
    assert_eq!(efron_summary[0]["chosen_nnz"], summary[0]["chosen_nnz"]);
}

#[test]
fn a_cox_sweep_needs_survival_data_and_survival_data_needs_cox() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[datasets]]\nfamily = \"toeplitz\"\nn = 50\np = 10\n[solver]\ndatafit = \"cox\"\n",
            "solver.datafit = \"cox\" needs a survival response",
        ),
        (
            "[[datasets]]\nfamily = \"genotype\"\nn = 50\np = 10\nsurvival = true\n",
            "a survival response (survival, time/status, time_col/status_col) is for solver.datafit = \"cox\", not \"quadratic\"",
        ),
        (
            "[[datasets]]\nfamily = \"genotype\"\nn = 50\np = 10\nsurvival = true\nprevalence = 0.2\n[solver]\ndatafit = \"cox\"\n",
            "survival and prevalence",
        ),
        (
            "[[datasets]]\nfamily = \"genotype\"\nn = 50\np = 10\ncensoring = 0.2\n[solver]\ndatafit = \"cox\"\n",
            "needs a survival response",
        ),
        (
            "[[datasets]]\nfamily = \"genotype\"\nn = 50\np = 10\nsurvival = true\ncensoring = 1.5\n[solver]\ndatafit = \"cox\"\n",
            "censoring (the expected censored fraction) must be in [0, 1), got 1.5",
        ),
        (
            "[[datasets]]\nfamily = \"toeplitz\"\nn = 50\np = 10\nsurvival = true\n[solver]\ndatafit = \"cox\"\n",
            "key `survival` does not apply to family toeplitz",
        ),
        ("[[datasets]]\nx = \"X.npy\"\ntime = \"t.npy\"\n[solver]\ndatafit = \"cox\"\n", "`time` needs `status`"),
        (
            "[[datasets]]\nbed = \"g\"\nsimulate = { k = 2, h2 = 0.5, survival = true, prevalence = 0.1 }\n[solver]\ndatafit = \"cox\"\n",
            "simulate.survival and simulate.prevalence cannot be combined",
        ),
        (
            "[[datasets]]\nbed = \"g\"\nsimulate = { k = 2, h2 = 0.5, censoring = 0.1 }\n[solver]\ndatafit = \"cox\"\n",
            "simulate.censoring applies to a survival phenotype",
        ),
        (
            "[[datasets]]\nfamily = \"toeplitz\"\nn = 50\np = 10\n[solver]\nties = \"efron\"\n",
            "solver.ties is for solver.datafit = \"cox\", not \"quadratic\"",
        ),
        (
            "[[datasets]]\nfamily = \"genotype\"\nn = 50\np = 10\nsurvival = true\n[solver]\ndatafit = \"cox\"\nties = \"exact\"\n",
            "solver.ties: unknown ties method 'exact'",
        ),
    ];
    for (i, (datasets, expected)) in cases.iter().enumerate() {
        let config = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&config, format!("[[penalties]]\npenalty = \"lasso\"\n{datasets}")).unwrap();
        let out = dir.path().join(format!("out{i}"));
        let stderr = fails(&regpath(&["sweep", s(&config), "--out", s(&out)]));
        assert!(stderr.contains(expected), "case {i}: expected {expected:?} in {stderr}");
        assert!(!out.join("summary.csv").exists(), "case {i}");
    }
}
