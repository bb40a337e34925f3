//! A sharded sweep on a real SLURM cluster: `regpath slurm --submit` runs the default sweep in
//! 4 pieces and gives the single-machine tables; a piece cancelled mid-run is rerun by resubmitting the array, without
//! recomputing finished tasks.
//!
//! Needs a SLURM cluster, so it runs only when asked:
//! - `REGPATH_SLURM=local`: the test starts a single-node cluster with `scripts/slurm-local.sh
//!   start` (Debian, as root; installs slurm-wlm and munge when missing) and stops it at the end;
//!   `.ci/run` runs it this way;
//! - `REGPATH_SLURM=existing`: use the cluster `sbatch` already talks to (default partition).
//!
//! Otherwise it prints why it is skipped and passes.

mod common;

use common::assert_same_tables;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime};

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::plan::Plan;
use regpath_runner::sweep::shard::{self, Shard};

/// About a second per task, four tasks per piece: long enough to cancel a piece mid-run.
const SLOW: &str = r#"
name = "slurm-cancel"
seed = 5

[[datasets]]
family = "toeplitz"
n = 500
p = 20000
rho = 0.7
k = 10
snr = 2.0
replicates = 4

[[penalties]]
penalty = "lasso"

[[penalties]]
penalty = "mcp"

[[penalties]]
penalty = "enet"
l1_ratio = 0.5

[[penalties]]
penalty = "scad"

[grid]
n_alphas = 40
eps = 0.01

[evaluation]
method = "cv"
folds = 3
"#;

const TIMEOUT: Duration = Duration::from_secs(600);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

fn ok(program: &str, args: &[&str]) -> String {
    let out = run(program, args);
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn regpath(args: &[&str]) -> String {
    ok(env!("CARGO_BIN_EXE_regpath"), args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Stops the cluster the test started, also when the test fails.
struct Cluster {
    started: bool,
}

impl Cluster {
    fn start() -> Option<Cluster> {
        match std::env::var("REGPATH_SLURM").as_deref() {
            Ok("local") => {
                let script = repo_root().join("scripts/slurm-local.sh");
                ok("bash", &[s(&script), "start"]);
                Some(Cluster { started: true })
            }
            Ok("existing") => Some(Cluster { started: false }),
            _ => {
                eprintln!(
                    "skipped: no SLURM cluster requested. Set REGPATH_SLURM=local to start one with \
                     scripts/slurm-local.sh (Debian, root), or REGPATH_SLURM=existing to use yours; .ci/run does the former"
                );
                None
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.started {
            let script = repo_root().join("scripts/slurm-local.sh");
            let _ = Command::new("bash").args([s(&script), "stop"]).status();
        }
    }
}

/// `array <id>` / `merge <id>` from the output of `regpath slurm --submit`.
fn job_ids(stdout: &str) -> (String, String) {
    let find = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("no `{key}` line in:\n{stdout}"))
    };
    (find("array "), find("merge "))
}

/// State of every task of a job (`<array task or job id> STATE` per line), also after it ended.
fn states(job: &str) -> BTreeMap<String, String> {
    ok("squeue", &["-h", "-t", "all", "-j", job, "-o", "%K %T"])
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

fn finished(state: &str) -> bool {
    !matches!(state, "PENDING" | "RUNNING" | "CONFIGURING" | "COMPLETING" | "SUSPENDED" | "REQUEUED")
}

/// Waits until every task of `job` has ended; returns their states.
fn wait_for(job: &str, out: &Path) -> BTreeMap<String, String> {
    let start = Instant::now();
    loop {
        let st = states(job);
        if !st.is_empty() && st.values().all(|v| finished(v)) {
            return st;
        }
        if start.elapsed() > TIMEOUT {
            panic!("job {job} not finished after {TIMEOUT:?}: {st:?}\n{}", logs(out));
        }
        sleep(Duration::from_millis(200));
    }
}

fn logs(out: &Path) -> String {
    let mut text = String::new();
    if let Ok(entries) = fs::read_dir(out.join("slurm/logs")) {
        for e in entries.flatten() {
            text.push_str(&format!("--- {}\n{}", e.path().display(), fs::read_to_string(e.path()).unwrap_or_default()));
        }
    }
    text
}

fn task_files(dir: &Path) -> BTreeMap<String, (SystemTime, u64)> {
    fs::read_dir(dir.join("tasks"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name().to_string_lossy().ends_with(".json") && !e.file_name().to_string_lossy().starts_with('.')
        })
        .map(|e| {
            let m = e.metadata().unwrap();
            (e.file_name().to_string_lossy().into_owned(), (m.modified().unwrap(), m.len()))
        })
        .collect()
}

fn piece_record(dir: &Path, k: usize) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join(format!("pieces/piece-{k}-of-4.json"))).unwrap()).unwrap()
}

#[test]
fn sharded_sweep_on_a_real_slurm_cluster() {
    let Some(_cluster) = Cluster::start() else { return };
    println!("{}", ok("sinfo", &[]));
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();

    // 1. The default sweep (200 tasks) in four pieces gives the single-machine tables.
    let (single, sharded) = (dir.join("default-single"), dir.join("default-slurm"));
    let submitted = regpath(&["slurm", "--out", s(&sharded), "--shards", "4", "--submit"]);
    let (array, merge) = job_ids(&submitted);
    regpath(&["sweep", "--out", s(&single), "--threads", "1"]);
    let array_states = wait_for(&array, &sharded);
    let merge_states = wait_for(&merge, &sharded);
    assert!(array_states.values().all(|v| v == "COMPLETED"), "{array_states:?}\n{}", logs(&sharded));
    assert_eq!(array_states.len(), 4, "{array_states:?}");
    assert!(merge_states.values().all(|v| v == "COMPLETED"), "{merge_states:?}\n{}", logs(&sharded));
    assert_same_tables(&single, &sharded);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(sharded.join("manifest.json")).unwrap()).unwrap();
    let pieces = manifest["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 4);
    for p in pieces {
        let job = p["slurm_job"].as_str().unwrap();
        assert!(job.starts_with(&format!("{array}_")), "piece ran as {job}, array {array}");
    }
    // the job logs carry the plain progress lines (stderr is a file there): one line per task
    let text = logs(&sharded);
    let done_lines =
        text.lines().filter(|l| l.starts_with('[') && l.contains("] task ") && l.contains(" done: ")).count();
    assert_eq!(done_lines, 200, "one `task i/N done:` line per task in the job logs\n{text}");

    // 2. Cancel piece 2 mid-run, resubmit: finished tasks are kept, the tables are the same.
    let slow = dir.join("slow.toml");
    fs::write(&slow, SLOW).unwrap();
    let config = SweepConfig::from_file(&slow).unwrap();
    let plan = Plan::new(&config).unwrap();
    let second: Vec<String> =
        shard::tasks_of(&config, &plan, Shard { k: 2, n: 4 }).iter().map(|&t| plan.tasks[t].id.clone()).collect();
    assert!(second.len() >= 3, "piece 2 needs several tasks to be cancelled mid-run: {second:?}");
    let (single, sharded) = (dir.join("slow-single"), dir.join("slow-slurm"));
    let submitted = regpath(&["slurm", s(&slow), "--out", s(&sharded), "--shards", "4", "--submit"]);
    let (array, merge) = job_ids(&submitted);
    let start = Instant::now();
    loop {
        let done = task_files(&sharded);
        if second.iter().any(|id| done.contains_key(&format!("{id}.json"))) {
            break;
        }
        let st = states(&array);
        assert!(
            st.get("2").is_none_or(|v| !finished(v)),
            "piece 2 ended before a task file appeared: {st:?}\n{}",
            logs(&sharded)
        );
        assert!(start.elapsed() < TIMEOUT, "piece 2 wrote nothing within {TIMEOUT:?}\n{}", logs(&sharded));
        sleep(Duration::from_millis(50));
    }
    ok("scancel", &[&format!("{array}_2")]);
    let array_states = wait_for(&array, &sharded);
    assert_eq!(array_states.get("2").map(String::as_str), Some("CANCELLED"), "{array_states:?}");
    let merge_states = wait_for(&merge, &sharded);
    assert!(merge_states.values().all(|v| v != "COMPLETED"), "the merge must not run: {merge_states:?}");
    assert!(!sharded.join("path.csv").exists(), "no table before every piece is done");
    let kept = task_files(&sharded);
    let kept_of_second = second.iter().filter(|id| kept.contains_key(&format!("{id}.json"))).count();
    assert!(kept_of_second >= 1 && kept_of_second < second.len(), "piece 2 had {kept_of_second} of {second:?}");
    sleep(Duration::from_millis(1100)); // a rewritten file would get a later mtime

    // resubmit the same array (what a user does after a failure)
    let resubmitted = ok("bash", &[s(&sharded.join("slurm/submit.sh"))]);
    println!("{resubmitted}");
    let jobs = fs::read_to_string(sharded.join("slurm/jobs")).unwrap();
    let (array2, merge2) = job_ids(&jobs);
    assert_ne!(array2, array);
    regpath(&["sweep", s(&slow), "--out", s(&single), "--threads", "1"]);
    let array_states = wait_for(&array2, &sharded);
    assert!(array_states.values().all(|v| v == "COMPLETED"), "{array_states:?}\n{}", logs(&sharded));
    let merge_states = wait_for(&merge2, &sharded);
    assert!(merge_states.values().all(|v| v == "COMPLETED"), "{merge_states:?}\n{}", logs(&sharded));
    let after = task_files(&sharded);
    for (name, stamp) in &kept {
        assert_eq!(after.get(name), Some(stamp), "{name} was recomputed");
    }
    for k in [1, 3, 4] {
        let record = piece_record(&sharded, k);
        assert_eq!(record["tasks_run"], 0, "piece {k} recomputed tasks: {record}");
    }
    let record = piece_record(&sharded, 2);
    assert_eq!(record["tasks_resumed"].as_u64().unwrap() as usize, kept_of_second, "{record}");
    assert_eq!(record["tasks_run"].as_u64().unwrap() as usize, second.len() - kept_of_second, "{record}");
    let ids: Vec<&str> = record["task_ids"].as_array().expect("task_ids").iter().filter_map(|v| v.as_str()).collect();
    assert_eq!(ids, second.iter().map(String::as_str).collect::<Vec<_>>(), "piece 2 lists its tasks: {record}");
    let peak = record["peak_rss_mb"].as_f64().expect("a piece records its peak memory");
    assert!(peak > 1.0 && peak < 64.0 * 1024.0, "peak_rss_mb {peak}: {record}");
    assert_same_tables(&single, &sharded);
}
