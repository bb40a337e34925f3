//! Sweeps over phenotypes simulated on a PLINK fileset (`simulate = { k, h2, … }` on a `bed`
//! dataset), as a user runs them: each replicate's phenotype is exactly the one
//! `regpath gen --bed --seed <data_seed>` writes (so a sweep on that file gives the same
//! tables), replicates differ, the truth enables the support columns with exact copies of a
//! causal SNP counted as finding it (recomputed here from the decoded genotypes), and bad
//! configurations are clear errors.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regpath_datagen::Bed;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(args: &[&str]) -> String {
    let o = regpath(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "regpath {args:?} failed: {stderr}");
    stderr
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A synthetic fileset with exact copies (duplicated and allele-flipped SNPs), monomorphic SNPs
/// and missing calls, as real genotypes have.
fn fileset(dir: &Path) -> PathBuf {
    ok(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "160",
        "--p",
        "300",
        "--seed",
        "4",
        "--dup-frac",
        "0.3",
        "--flip-frac",
        "0.5",
        "--mono-frac",
        "0.05",
        "--missing-rate",
        "0.01",
        "--format",
        "bed",
        "--out",
        &s(dir),
    ]);
    dir.join("geno")
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    r.records().map(|rec| header.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()).collect()
}

fn write_config(path: &Path, out: &Path, dataset: &str) {
    let text = format!(
        "seed = 11\nout = \"{}\"\n{dataset}\n[[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 30\neps = 0.02\n\
         [evaluation]\nmethod = \"cv\"\nfolds = 3\n",
        s(out)
    );
    fs::write(path, text).unwrap();
}

#[test]
fn a_simulated_replicate_is_the_gen_phenotype_of_its_data_seed() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"));
    let sim_out = dir.path().join("sim");
    let cfg = dir.path().join("sim.toml");
    write_config(
        &cfg,
        &sim_out,
        &format!(
            "[[datasets]]\nname = \"g\"\nbed = \"{}\"\nsimulate = {{ k = 6, h2 = 0.6 }}\nreplicates = 2",
            s(&prefix)
        ),
    );
    ok(&["sweep", &s(&cfg)]);
    let summary = rows(&sim_out.join("summary.csv"));
    assert_eq!(summary.len(), 2);
    assert!(summary.iter().all(|r| r["dataset"] == "g_k6_h20.6" && r["true_nnz"] == "6"), "{summary:?}");
    assert_ne!(summary[0]["data_seed"], summary[1]["data_seed"], "each replicate draws its own phenotype");
    assert_ne!(summary[0]["chosen_alpha"], summary[1]["chosen_alpha"]);
    assert!(summary.iter().all(|r| !r["chosen_f1"].is_empty() && !r["chosen_recall"].is_empty()));

    // the same phenotype from `regpath gen --bed` with replicate 0's data seed, fitted by a
    // sweep whose dataset has the same id (so the same split and folds): the same tables
    let gen_out = dir.path().join("gen");
    ok(&[
        "gen",
        "--bed",
        &s(&prefix),
        "--k",
        "6",
        "--h2",
        "0.6",
        "--seed",
        &summary[0]["data_seed"],
        "--out",
        &s(&gen_out),
    ]);
    let file_out = dir.path().join("file");
    let cfg = dir.path().join("file.toml");
    write_config(
        &cfg,
        &file_out,
        &format!(
            "[[datasets]]\nname = \"g_k6_h20.6\"\nbed = \"{}\"\npheno = \"{}\"\nreplicates = 1",
            s(&prefix),
            s(&gen_out.join("pheno.txt"))
        ),
    );
    ok(&["sweep", &s(&cfg)]);
    let from_file = rows(&file_out.join("path.csv"));
    let simulated: Vec<_> = rows(&sim_out.join("path.csv")).into_iter().filter(|r| r["replicate"] == "0").collect();
    assert_eq!(from_file.len(), simulated.len());
    for (a, b) in from_file.iter().zip(&simulated) {
        for key in ["alpha", "nnz", "train_mse", "cv_mse", "test_mse", "objective"] {
            assert_eq!(a[key], b[key], "{key} at alpha {}", a["alpha_index"]);
        }
        assert!(a["f1"].is_empty() && !b["f1"].is_empty(), "only the simulated dataset has a truth");
    }

    // the truth in coefs.csv is effects.txt's effect of each SNP
    let bed = Bed::open(&prefix).unwrap();
    let effects: HashMap<String, f64> = fs::read_to_string(gen_out.join("effects.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[2].parse().unwrap())
        })
        .collect();
    let mut checked = 0;
    for r in rows(&sim_out.join("coefs.csv")).iter().filter(|r| r["task_id"].ends_with("__r0")) {
        let snp = bed.snp_ids().get(r["feature"].parse().unwrap()).to_string();
        let truth: f64 = r["true_coef"].parse().unwrap();
        assert_eq!(truth, effects.get(&snp).copied().unwrap_or(0.0), "true_coef of {snp}");
        checked += usize::from(truth != 0.0);
    }
    assert!(checked > 0, "some selected SNP is causal");
}

/// Column j of the fileset as raw dosages (NaN at missing calls).
fn dosages(bed: &Bed, j: usize) -> Vec<f64> {
    let mut x = vec![0.0; bed.n_samples()];
    bed.decode_snp_raw(j, None, &mut x);
    x
}

/// Whether columns a and b are identical or allele-flipped copies (missing calls at the same
/// samples).
fn copies(a: &[f64], b: &[f64]) -> bool {
    let same = |f: &dyn Fn(f64) -> f64| a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || f(*x) == *y);
    same(&|x| x) || same(&|x| 2.0 - x)
}

#[test]
fn support_counts_an_exact_copy_of_a_causal_snp_as_found() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"));
    let out = dir.path().join("out");
    let cfg = dir.path().join("sim.toml");
    write_config(
        &cfg,
        &out,
        &format!("[[datasets]]\nname = \"g\"\nbed = \"{}\"\nsimulate = {{ k = 60, h2 = 0.9 }}", s(&prefix)),
    );
    ok(&["sweep", &s(&cfg)]);
    let summary = rows(&out.join("summary.csv"));
    // the whole truth: the causal SNPs of the replicate's data seed, from `gen --bed`
    let gen_out = dir.path().join("gen");
    ok(&[
        "gen",
        "--bed",
        &s(&prefix),
        "--k",
        "60",
        "--h2",
        "0.9",
        "--seed",
        &summary[0]["data_seed"],
        "--out",
        &s(&gen_out),
    ]);
    let bed = Bed::open(&prefix).unwrap();
    let index: HashMap<&str, usize> = bed.snp_ids().iter().enumerate().map(|(j, id)| (id, j)).collect();
    let causal: Vec<usize> = fs::read_to_string(gen_out.join("effects.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| index[l.split_whitespace().next().unwrap()])
        .collect();
    assert_eq!(causal.len(), 60);
    // copy groups from the decoded genotypes: the causal SNPs, and each causal group's members
    let columns: Vec<Vec<f64>> = (0..bed.n_snps()).map(|j| dosages(&bed, j)).collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &c in &causal {
        if !groups.iter().any(|g| copies(&columns[g[0]], &columns[c])) {
            groups.push((0..bed.n_snps()).filter(|&j| copies(&columns[j], &columns[c])).collect());
        }
    }
    let with_copies = groups.iter().filter(|g| g.len() > 1).count();
    assert!(with_copies > 0, "the fileset gives some causal SNP an exact copy");
    let mut selected: HashMap<String, Vec<usize>> = HashMap::new();
    for r in rows(&out.join("coefs.csv")).into_iter().filter(|r| r["task_id"] == summary[0]["task_id"]) {
        selected.entry(r["alpha_index"].clone()).or_default().push(r["feature"].parse().unwrap());
    }
    let mut credited = 0;
    let path: Vec<_> =
        rows(&out.join("path.csv")).into_iter().filter(|r| r["task_id"] == summary[0]["task_id"]).collect();
    for r in &path {
        let chosen = selected.get(&r["alpha_index"]).cloned().unwrap_or_default();
        let found = groups.iter().filter(|g| g.iter().any(|j| chosen.contains(j))).count();
        let strict = causal.iter().filter(|c| chosen.contains(c)).count();
        let counts: Vec<usize> =
            ["true_positives", "false_positives", "false_negatives"].map(|k| r[k].parse().unwrap()).to_vec();
        assert_eq!(counts, vec![found, chosen.len() - found, groups.len() - found], "alpha {}", r["alpha_index"]);
        credited += usize::from(found > strict);
    }
    assert!(path.len() > 10);
    assert!(credited > 0, "some path point selects a copy of a causal SNP instead of the SNP itself");
}

#[test]
fn bad_simulate_configurations_are_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"));
    let cases = [
        ("simulate = { k = 0, h2 = 0.5 }", "at least 1"),
        ("simulate = { k = 5, h2 = 1.0 }", "h2 must be in (0, 1)"),
        ("simulate = { k = 100000, h2 = 0.5 }", "polymorphic SNPs"),
        ("simulate = { k = 5, h2 = 0.5, prevalence = 1.5 }", "prevalence"),
        ("simulate = { k = 5, h2 = 0.5, colour = 1 }", "colour"),
        ("simulate = { k = 5, h2 = 0.5 }\npheno_col = 1", "cannot be combined with `simulate`"),
    ];
    for (i, (line, expected)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let cfg = dir.path().join(format!("c{i}.toml"));
        write_config(&cfg, &out, &format!("[[datasets]]\nbed = \"{}\"\n{line}", s(&prefix)));
        let o = regpath(&["sweep", &s(&cfg)]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{line}: should fail");
        assert!(stderr.contains(expected), "{line}: expected '{expected}' in: {stderr}");
        assert!(!out.join("summary.csv").exists(), "{line}: nothing written");
    }
    // a case/control datafit needs a case/control simulation
    let out = dir.path().join("logistic");
    let cfg = dir.path().join("logistic.toml");
    write_config(&cfg, &out, &format!("[[datasets]]\nbed = \"{}\"\nsimulate = {{ k = 5, h2 = 0.5 }}", s(&prefix)));
    let text = fs::read_to_string(&cfg).unwrap() + "[solver]\ndatafit = \"logistic\"\n";
    fs::write(&cfg, text).unwrap();
    let o = regpath(&["sweep", &s(&cfg)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("simulate.prevalence"));
}
