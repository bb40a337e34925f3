//! Issue 23, items 1–2: results and files are never stale. A sweep reuses a task result only
//! while every input file of its dataset has the same content, and `--force` recomputes
//! everything; commands remove the output files they own but did not write this time.

mod common;

use common::small_genotype;

use std::fs;
use std::path::Path;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};

fn opts(out: &Path, force: bool) -> RunOptions {
    RunOptions { out: out.to_path_buf(), threads: Some(1), force, ..RunOptions::default() }
}

fn summary_n(out: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = h.iter().position(|c| c == "n").unwrap();
    r.records().map(|rec| rec.unwrap()[col].to_string()).collect()
}

#[test]
fn a_changed_input_file_is_recomputed_and_force_recomputes_everything() {
    use regpath_datagen::dataset::{OutputFormat, write_dataset};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let spec = small_genotype(60, 30);
    write_dataset(&data, &spec, 3, OutputFormat::Bed).unwrap();
    let config_path = dir.path().join("c.toml");
    fs::write(
        &config_path,
        "[[datasets]]\nname = \"g\"\nbed = \"data/geno\"\npheno = \"data/pheno.txt\"\n\
         [[penalties]]\npenalty = \"lasso\"\n[[penalties]]\npenalty = \"mcp\"\n[grid]\nn_alphas = 8\neps = 0.1\n",
    )
    .unwrap();
    let config = SweepConfig::from_file(&config_path).unwrap();
    let out = dir.path().join("out");
    let first = run_sweep(&config, &opts(&out, false)).unwrap();
    assert_eq!((first.tasks_run, first.tasks_resumed), (2, 0));
    assert_eq!(summary_n(&out), ["60", "60"]);

    // unchanged inputs: everything reused
    let again = run_sweep(&config, &opts(&out, false)).unwrap();
    assert_eq!((again.tasks_run, again.tasks_resumed), (0, 2));

    // the phenotype file is corrected: five samples become missing
    let pheno = fs::read_to_string(data.join("pheno.txt")).unwrap();
    let edited: String = pheno
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if (1..=5).contains(&i) { format!("{} {} NA\n", f[0], f[1]) } else { format!("{l}\n") }
        })
        .collect();
    fs::write(data.join("pheno.txt"), edited).unwrap();
    let changed = run_sweep(&config, &opts(&out, false)).unwrap();
    assert_eq!((changed.tasks_run, changed.tasks_resumed), (2, 0), "a changed input must not be reused");
    assert_eq!(changed.tasks_stale.len(), 2);
    assert_eq!(summary_n(&out), ["55", "55"]);

    // the same bytes written again (a new modification time) are the same input
    let same = fs::read(data.join("geno.bed")).unwrap();
    fs::write(data.join("geno.bed"), same).unwrap();
    let touched = run_sweep(&config, &opts(&out, false)).unwrap();
    assert_eq!((touched.tasks_run, touched.tasks_resumed), (0, 2));

    // one flipped genotype bit in the .bed is a different input
    let mut bed = fs::read(data.join("geno.bed")).unwrap();
    bed[3] ^= 0b11;
    fs::write(data.join("geno.bed"), &bed).unwrap();
    let flipped = run_sweep(&config, &opts(&out, false)).unwrap();
    assert_eq!(flipped.tasks_run, 2);

    // --force recomputes everything, even when nothing changed
    let forced = run_sweep(&config, &opts(&out, true)).unwrap();
    assert_eq!((forced.tasks_run, forced.tasks_resumed), (2, 0));
}

fn regpath() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_regpath"))
}

fn run_ok(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

#[test]
fn path_predict_and_gen_leave_no_file_of_an_earlier_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    run_ok(
        regpath()
            .args(["gen", "--family", "genotype", "--n", "80", "--p", "50", "--format", "bed", "--out"])
            .arg(&data),
    );
    let fit = d.join("fit");
    run_ok(
        regpath()
            .args(["path", "--penalty", "lasso", "--n-alphas", "5", "--eps", "0.1", "--bed"])
            .arg(data.join("geno"))
            .arg("--out")
            .arg(&fit),
    );
    assert!(fit.join("coefs.csv").exists());
    run_ok(
        regpath()
            .args(["path", "--penalty", "mcp", "--n-alphas", "5", "--eps", "0.1", "--no-coefs", "--bed"])
            .arg(data.join("geno"))
            .arg("--out")
            .arg(&fit),
    );
    assert!(!fit.join("coefs.csv").exists(), "the lasso's coefs.csv must not stay beside the new mcp model");
    assert!(fit.join("model.json").exists() && fit.join("path.csv").exists());

    // a failed run (bad input) removes nothing
    let before = std::fs::read(fit.join("path.csv")).unwrap();
    let out = regpath()
        .args(["path", "--penalty", "lasso", "--tol", "-1", "--bed"])
        .arg(data.join("geno"))
        .arg("--out")
        .arg(&fit)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read(fit.join("path.csv")).unwrap(), before);

    run_ok(
        regpath()
            .args(["path", "--penalty", "lasso", "--n-alphas", "5", "--eps", "0.1", "--bed"])
            .arg(data.join("geno"))
            .arg("--out")
            .arg(&fit),
    );
    let pred = d.join("pred");
    run_ok(
        regpath()
            .arg("predict")
            .arg("--fit")
            .arg(&fit)
            .arg("--bed")
            .arg(data.join("geno"))
            .arg("--pheno")
            .arg(data.join("pheno.txt"))
            .arg("--out")
            .arg(&pred),
    );
    assert!(pred.join("metrics.csv").exists());
    run_ok(regpath().arg("predict").arg("--fit").arg(&fit).arg("--bed").arg(data.join("geno")).arg("--out").arg(&pred));
    assert!(pred.join("predictions.csv").exists());
    assert!(!pred.join("metrics.csv").exists(), "metrics of the earlier prediction must go");

    // gen in the other format into the same folder
    run_ok(
        regpath()
            .args(["gen", "--family", "genotype", "--n", "80", "--p", "50", "--format", "npy", "--out"])
            .arg(&data),
    );
    assert!(data.join("X.npy").exists());
    for stale in ["geno.bed", "geno.bim", "geno.fam", "pheno.txt"] {
        assert!(!data.join(stale).exists(), "{stale} of the earlier bed dataset stayed");
    }
}

/// Issue 22, item 4: `path.csv` is written row by row as each alpha is certified, so a run
/// killed midway keeps its finished rows (and no model.json, which is written at the end).
#[test]
fn a_killed_path_keeps_its_finished_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_ok(
        regpath()
            .args([
                "gen", "--family", "genotype", "--n", "1000", "--p", "20000", "--seed", "1", "--format", "bed", "--out",
            ])
            .arg(d.join("g")),
    );
    let out = d.join("fit");
    let mut child = regpath()
        .args(["path", "--eps", "1e-4", "--n-alphas", "200", "--threads", "1", "--bed"])
        .arg(d.join("g/geno"))
        .arg("--out")
        .arg(&out)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let rows = |text: &str| text.lines().count().saturating_sub(1);
    let started = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(out.join("path.csv")).unwrap_or_default();
        if rows(&text) >= 3 {
            break;
        }
        assert!(started.elapsed().as_secs() < 60, "no rows streamed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run finished before it was killed; use a larger problem");
    let text = std::fs::read_to_string(out.join("path.csv")).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    assert_eq!(&header[0], "alpha_index");
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(records.len() >= 3 && records.len() < 200, "{} rows", records.len());
    for (k, rec) in records.iter().enumerate() {
        assert_eq!(rec.len(), header.len(), "row {k} is incomplete");
        assert_eq!(rec[0].parse::<usize>().unwrap(), k);
        assert!(&rec[header.iter().position(|h| h == "converged").unwrap()] == "true");
    }
    assert!(!out.join("model.json").exists(), "model.json is written only at the end");
}
