//! Issue 23, item 11: what a person reads. Every `--help` states its defaults in one style
//! (`[default: …]`, `--tol` as `1e-6`), errors print their cause once, and counts read right
//! in the singular.

use std::process::{Command, Output};

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

#[test]
fn help_states_defaults_in_one_style() {
    for command in ["path", "gen", "sweep", "predict", "plot", "merge", "slurm"] {
        let o = regpath(&[command, "--help"]);
        assert!(o.status.success());
        let help = String::from_utf8_lossy(&o.stdout).replace('\n', " ");
        // every mention of a default is clap's `[default: …]`
        let mut rest = help.as_str();
        while let Some(at) = rest.find("default") {
            let before = &rest[..at];
            let is_bracket = before.ends_with('[');
            let is_word = ["built-in ", "the ", "own ", "grid "].iter().any(|w| before.ends_with(w));
            assert!(
                is_bracket || is_word,
                "{command} --help: a default outside [default: …]: …{}…",
                &rest[at.saturating_sub(40)..(at + 40).min(rest.len())]
            );
            rest = &rest[at + 7..];
        }
    }
    let path = String::from_utf8_lossy(&regpath(&["path", "--help"]).stdout).into_owned();
    assert!(path.contains("[default: 1e-6]"), "{path}");
    assert!(path.contains("[default: 1e-3; 1e-2 for --datafit logistic]"), "{path}");
    assert!(path.contains("50 alphas down to 1e-2·alpha_max"), "the sweep's grid must be stated: {path}");
}

#[test]
fn errors_print_their_cause_once_and_counts_read_right() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = regpath(&["path", "--bed", "/nonexistent/geno", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    let first = stderr.lines().next().unwrap();
    assert!(first.starts_with("error: /nonexistent/geno.bed: cannot open: "), "{first}");
    let cause = first.trim_start_matches("error: /nonexistent/geno.bed: cannot open: ");
    assert_eq!(first.matches(cause).count(), 1, "the cause is printed twice: {first}");

    let o = regpath(&["path", "--example", "--alphas", "0.1", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("lasso path, 1 alpha (alpha_max"), "{stderr}");
}

/// A run that fails on its input after the output directory was made ready (here the
/// held-out samples, read after the training data) leaves no empty directory behind; a
/// directory that existed before stays.
#[test]
fn a_failed_run_leaves_no_directory_it_created() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new").join("o");
    let args = |out: &str| -> Vec<String> {
        ["path", "--example", "--test-x", "/nonexistent/x.npy", "--test-y", "/nonexistent/y.npy", "--out", out]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let o = Command::new(env!("CARGO_BIN_EXE_regpath")).args(args(out.to_str().unwrap())).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(stderr.contains("/nonexistent/x.npy"), "{stderr}");
    assert!(!out.exists(), "the failed run left {} behind", out.display());

    let existing = dir.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_regpath")).args(args(existing.to_str().unwrap())).output().unwrap();
    assert!(!o.status.success());
    assert!(existing.is_dir(), "a directory the run did not create is kept");
}
