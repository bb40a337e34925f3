//! Sharded sweeps without a cluster: `regpath sweep --shard K/N`, `regpath merge` and the
//! scripts of `regpath slurm` (the real-SLURM run is in `slurm.rs`).

mod common;

use common::assert_same_tables;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::plan::Plan;
use regpath_runner::sweep::shard::{self, Shard};

const CONFIG: &str = r#"
name = "shards"
seed = 11

[[datasets]]
family = "toeplitz"
n = [60, 90]
p = 50
rho = 0.5
k = 4
replicates = 2

[[datasets]]
family = "genotype"
n = 80
p = 120
k = 4
h2 = 0.5

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
"#;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let out = regpath(args);
    assert!(out.status.success(), "regpath {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir` with its modification time and size.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.modified().unwrap(), m.len()));
            }
        }
    }
    out
}

#[test]
fn pieces_partition_the_tasks_by_cost() {
    let config = SweepConfig::from_toml(CONFIG, None).unwrap();
    let plan = Plan::new(&config).unwrap();
    for n in [1, 2, 3, 7, 20] {
        let mut seen = vec![0; plan.tasks.len()];
        let mut loads = Vec::new();
        for k in 1..=n {
            let mine = shard::tasks_of(&config, &plan, Shard { k, n });
            loads.push(mine.iter().map(|&t| shard::task_cost(&config, &plan, &plan.tasks[t])).sum::<f64>());
            for t in mine {
                seen[t] += 1;
            }
        }
        assert!(seen.iter().all(|&c| c == 1), "N = {n}: every task in exactly one piece");
        // greedy longest-first: no piece exceeds the mean load by more than the largest task
        let largest = plan.tasks.iter().map(|t| shard::task_cost(&config, &plan, t)).fold(0.0, f64::max);
        let mean = loads.iter().sum::<f64>() / n as f64;
        assert!(loads.iter().all(|&l| l <= mean + largest), "N = {n}: {loads:?}");
    }
    // the biggest datasets' tasks are spread, not given to one piece
    let two = shard::assign(&config, &plan, 2);
    let big: Vec<usize> =
        plan.tasks.iter().filter(|t| plan.datasets[t.dataset].n == 90).map(|t| two[t.index]).collect();
    assert!(big.contains(&0) && big.contains(&1), "{big:?}");
}

#[test]
fn sharded_sweep_merges_to_the_single_run_tables() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    fs::write(&cfg, CONFIG).unwrap();
    let single = dir.path().join("single");
    let pieces = dir.path().join("pieces");
    ok(&["sweep", s(&cfg), "--out", s(&single), "--threads", "2"]);

    // pieces 1..3 of 4 (different thread counts), then merge refuses and writes nothing
    for (k, threads) in [(1, "1"), (2, "2"), (3, "1")] {
        let out = ok(&["sweep", s(&cfg), "--out", s(&pieces), "--shard", &format!("{k}/4"), "--threads", threads]);
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("piece {k}/4")));
        assert!(!pieces.join("path.csv").exists(), "a piece writes no table");
    }
    let before = snapshot(&pieces);
    let merge = regpath(&["merge", s(&pieces)]);
    assert!(!merge.status.success());
    let err = String::from_utf8_lossy(&merge.stderr);
    assert!(err.contains("tasks have no result") && err.contains("__r"), "{err}");
    assert_eq!(snapshot(&pieces), before, "a failed merge must not touch the directory");

    // a piece with another configuration in the same directory is refused
    let other = dir.path().join("other.toml");
    fs::write(&other, CONFIG.replace("seed = 11", "seed = 12")).unwrap();
    let refused = regpath(&["sweep", s(&other), "--out", s(&pieces), "--shard", "4/4"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("different sweep configuration"));
    let forced = regpath(&["sweep", s(&other), "--out", s(&pieces), "--shard", "4/4", "--force"]);
    assert!(!forced.status.success());
    assert!(String::from_utf8_lossy(&forced.stderr).contains("--force cannot be combined with --shard"));
    assert_eq!(snapshot(&pieces), before);

    ok(&["sweep", s(&cfg), "--out", s(&pieces), "--shard", "4/4"]);
    // a piece run again finds its tasks done and computes nothing
    let tasks_before = snapshot(&pieces.join("tasks"));
    let again = ok(&["sweep", s(&cfg), "--out", s(&pieces), "--shard", "2/4"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 computed"));
    assert_eq!(snapshot(&pieces.join("tasks")), tasks_before);

    ok(&["merge", s(&pieces)]);
    assert_same_tables(&single, &pieces);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(pieces.join("manifest.json")).unwrap()).unwrap();
    let recorded = manifest["pieces"].as_array().unwrap();
    assert_eq!(recorded.len(), 4);
    for (i, p) in recorded.iter().enumerate() {
        assert_eq!(p["shard"], format!("{}/4", i + 1));
        assert!(p["host"].as_str().is_some_and(|h| !h.is_empty()));
        assert!(p["threads"].as_u64().unwrap() >= 1);
        assert!(p["wall_time_s"].as_f64().is_some());
    }
    let assigned: u64 = recorded.iter().map(|p| p["tasks_assigned"].as_u64().unwrap()).sum();
    assert_eq!(assigned, manifest["tasks_total"].as_u64().unwrap());
}

#[test]
fn shard_and_merge_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for (bad, says) in [("0/3", "1 <= K <= N"), ("5/4", "1 <= K <= N"), ("two/4", "not a whole number"), ("3", "K/N")] {
        let run = regpath(&["sweep", "--out", s(&out), "--shard", bad]);
        assert!(!run.status.success());
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(says), "--shard {bad}: {err}");
    }
    let run = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["sweep", "--out", s(&out), "--shard", "slurm"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("SLURM_ARRAY_TASK_ID is not set"));
    let run = Command::new(env!("CARGO_BIN_EXE_regpath"))
        .args(["sweep", "--out", s(&out), "--shard", "slurm"])
        .envs([
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("step 2"));
    assert!(!out.exists(), "refused pieces write nothing");

    let run = regpath(&["merge", s(&out)]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a directory"));
    fs::create_dir(&out).unwrap();
    let run = regpath(&["merge", s(&out)]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("not a sweep output directory"));
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn slurm_writes_array_merge_and_submit_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    fs::write(&cfg, CONFIG).unwrap();
    let out = dir.path().join("out");
    ok(&[
        "slurm",
        s(&cfg),
        "--out",
        s(&out),
        "--shards",
        "3",
        "--time",
        "00:10:00",
        "--mem",
        "1G",
        "--cpus",
        "2",
        "--sbatch-arg=--account=lab",
        "--plot",
    ]);
    let slurm = out.join("slurm");
    let array = fs::read_to_string(slurm.join("array.sbatch")).unwrap();
    let binary = fs::canonicalize(env!("CARGO_BIN_EXE_regpath")).unwrap();
    for line in [
        "#SBATCH --array=1-3".to_string(),
        "#SBATCH --cpus-per-task=2".into(),
        "#SBATCH --time=00:10:00".into(),
        "#SBATCH --mem=1G".into(),
        "#SBATCH --account=lab".into(),
        format!("#SBATCH --output={}/logs/%A_%a.out", slurm.display()),
        format!(
            "exec {} sweep {} --out {} --shard slurm --threads \"${{SLURM_CPUS_PER_TASK:-2}}\"",
            binary.display(),
            cfg.display(),
            out.display()
        ),
    ] {
        assert!(array.lines().any(|l| l == line), "missing {line:?} in\n{array}");
    }
    let merge = fs::read_to_string(slurm.join("merge.sbatch")).unwrap();
    assert!(merge.contains(&format!("exec {} merge {} --plot", binary.display(), out.display())), "{merge}");
    let submit = fs::read_to_string(slurm.join("submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok"));
    assert!(slurm.join("logs").is_dir());
    // the output directory records the configuration: another one is refused
    let other = dir.path().join("other.toml");
    fs::write(&other, CONFIG.replace("seed = 11", "seed = 12")).unwrap();
    let run = regpath(&["slurm", s(&other), "--out", s(&out), "--shards", "3"]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("different sweep configuration"));
    // invalid resources are named
    let run = regpath(&["slurm", s(&cfg), "--out", s(&out), "--shards", "0"]);
    assert!(!run.status.success() && String::from_utf8_lossy(&run.stderr).contains("--shards"));
    let run = regpath(&["slurm", s(&cfg), "--out", s(&out), "--shards", "2", "--mem", "4 G"]);
    assert!(!run.status.success() && String::from_utf8_lossy(&run.stderr).contains("--mem"));
}

/// A piece run as a batch job (stderr captured, not a terminal) writes plain progress lines:
/// one per unit whose data are ready, one per finished CV fold and one per finished task,
/// each stamped `[hh:mm:ss]`.
#[test]
fn a_piece_logs_its_progress_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    fs::write(&cfg, CONFIG).unwrap();
    let config = SweepConfig::from_toml(CONFIG, None).unwrap();
    let plan = Plan::new(&config).unwrap();
    let mine = shard::tasks_of(&config, &plan, Shard { k: 2, n: 3 });
    assert!(mine.len() >= 2, "the piece has several tasks");
    let out = ok(&["sweep", s(&cfg), "--out", s(&dir.path().join("o")), "--shard", "2/3", "--threads", "1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    let stamped = |line: &str| {
        let b = line.as_bytes();
        b.len() > 10 && b[0] == b'[' && b[3] == b':' && b[6] == b':' && b[9] == b']'
    };
    let lines: Vec<&str> = err.lines().filter(|l| stamped(l)).collect();
    let total = mine.len();
    for (rank, _) in mine.iter().enumerate() {
        let head = format!("task {}/{total} done: ", rank + 1);
        assert!(lines.iter().any(|l| l.contains(&head)), "no `{head}` line in:\n{err}");
    }
    for &t in &mine {
        let id = &plan.tasks[t].id;
        let done = lines.iter().filter(|l| l.contains("] task ") && l.contains(id.as_str())).count();
        assert_eq!(done, 1, "task {id}: one line when it is done\n{err}");
        for fold in 1..=3 {
            let line = format!("{id}: CV fold {fold}/3 done: ");
            let found = lines.iter().any(|l| l.contains(&line) && l.contains(" alphas (the whole grid), "));
            assert!(found, "no `{line}… (the whole grid)` line in:\n{err}");
        }
    }
    let units: std::collections::BTreeSet<_> =
        mine.iter().map(|&t| (plan.tasks[t].dataset, plan.tasks[t].replicate)).collect();
    assert_eq!(lines.iter().filter(|l| l.contains("] data ready: ")).count(), units.len(), "{err}");
    assert!(lines.iter().all(|l| !l.contains("NaN")), "{err}");
}
