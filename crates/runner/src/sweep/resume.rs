//! The output directory and resumption.
//!
//! `DIR/sweep-config.json` holds the resolved configuration and its hash; `DIR/tasks/<id>.json`
//! holds each finished task, written atomically. A run with the same configuration reuses every
//! valid task file; a different configuration is refused unless `--force`, which first removes
//! the old results.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use regpath_datagen::io::atomic::write_atomic;
use serde_json::json;

use super::config::SweepConfig;
use super::plan::{Plan, fnv1a};
use super::tables::{TASK_FORMAT, TaskResult};

/// File holding the resolved configuration and its hash.
pub const STATE_FILE: &str = "sweep-config.json";
/// Folder of per-task results.
pub const TASKS_DIR: &str = "tasks";
/// Folder of figures.
pub const FIGURES_DIR: &str = "figures";
/// Folder of the chosen model of each task (`<task_id>.json`, `<task_id>.coefs.csv`).
pub const MODELS_DIR: &str = "models";
/// Folder of the split and folds of each replicate (`<dataset>__r<replicate>.txt`).
pub const SPLITS_DIR: &str = "splits";
/// Folder of the records of the pieces of a sharded sweep (`piece-K-of-N.json`).
pub const PIECES_DIR: &str = "pieces";
/// Tables written at the end of a sweep.
pub const TABLES: &[&str] =
    &["path.csv", "summary.csv", "comparison.csv", "coefs.csv", "pairwise.csv", "ranks.csv", "selection.csv"];
/// Tables and records written at the end of a sweep.
pub const OUTPUT_FILES: &[&str] = &[
    "path.csv",
    "summary.csv",
    "comparison.csv",
    "coefs.csv",
    "pairwise.csv",
    "ranks.csv",
    "selection.csv",
    "manifest.json",
];

/// The configuration as hashed: everything that can change a result (threads and the output
/// directory cannot, so they are left out).
pub fn hashed_config(config: &SweepConfig) -> SweepConfig {
    SweepConfig { threads: None, out: None, ..config.clone() }
}

/// Hex FNV-1a hash of the canonical JSON of [`hashed_config`].
pub fn config_hash(config: &SweepConfig) -> String {
    let text = serde_json::to_string(&hashed_config(config)).expect("the configuration serializes");
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// A sweep's output directory.
pub struct OutputDir {
    /// Its path.
    pub root: PathBuf,
    config_hash: String,
}

impl OutputDir {
    /// Checks `root` against the configuration hash without writing anything: `Ok(true)` if it
    /// holds results of another configuration (which `force` allows to discard).
    pub fn check(root: &Path, config_hash: &str, force: bool) -> Result<bool> {
        let state = root.join(STATE_FILE);
        let previous = if state.exists() {
            let text = fs::read_to_string(&state).with_context(|| format!("cannot read {}", state.display()))?;
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("config_hash").and_then(|h| h.as_str()).map(str::to_string))
                .or(Some(String::from("unreadable")))
        } else if root.join(TASKS_DIR).exists() {
            Some(String::from("unknown"))
        } else {
            None
        };
        match previous {
            Some(h) if h != config_hash => {
                if !force {
                    bail!(
                        "{} holds results of a different sweep configuration (hash {h}, this one {config_hash}); \
                         give --force to discard them, or choose another --out",
                        root.display()
                    );
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Creates the directory (clearing another configuration's results when `discard`) and
    /// records the configuration in [`STATE_FILE`] unless it is already there. `owned` are the
    /// ids of the tasks this run may compute: only their temporary files (left by an
    /// interrupted run) are removed, so that concurrent pieces of a sharded sweep never touch
    /// each other's files.
    pub fn create(
        root: &Path,
        config: &SweepConfig,
        config_hash: &str,
        discard: bool,
        owned: &[&str],
    ) -> Result<OutputDir> {
        if discard {
            for name in OUTPUT_FILES.iter().chain([&STATE_FILE]) {
                let path = root.join(name);
                if path.exists() {
                    fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
                }
            }
            for sub in [TASKS_DIR, FIGURES_DIR, PIECES_DIR, MODELS_DIR, SPLITS_DIR] {
                let path = root.join(sub);
                if path.exists() {
                    fs::remove_dir_all(&path).with_context(|| format!("cannot remove {}", path.display()))?;
                }
            }
        }
        let tasks = root.join(TASKS_DIR);
        fs::create_dir_all(&tasks).with_context(|| format!("cannot create output directory {}", tasks.display()))?;
        // Temporary files of an interrupted run of these tasks (`.<id>.json.tmp-<pid>`).
        if let Ok(entries) = fs::read_dir(&tasks) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let stale = name
                    .strip_prefix('.')
                    .and_then(|rest| rest.split_once(".json.tmp-"))
                    .is_some_and(|(id, _)| owned.contains(&id));
                if stale {
                    let _ = fs::remove_file(entry.path());
                }
            }
        }
        let state = root.join(STATE_FILE);
        if !state.exists() {
            let record = json!({
                "config_hash": config_hash,
                "config": super::resume::hashed_config(config),
            });
            let mut text = serde_json::to_string_pretty(&record).expect("the configuration serializes");
            text.push('\n');
            write_new(&state, text.as_bytes()).with_context(|| format!("cannot write {}", state.display()))?;
        }
        Ok(OutputDir { root: root.to_path_buf(), config_hash: config_hash.to_string() })
    }

    /// Opens an existing output directory of the configuration with hash `config_hash`
    /// without writing anything.
    pub fn open(root: &Path, config_hash: &str) -> OutputDir {
        OutputDir { root: root.to_path_buf(), config_hash: config_hash.to_string() }
    }

    fn task_path(&self, task_id: &str) -> PathBuf {
        self.root.join(TASKS_DIR).join(format!("{task_id}.json"))
    }

    /// Path of a piece's record.
    pub fn piece_path(&self, shard: super::shard::Shard) -> PathBuf {
        self.root.join(PIECES_DIR).join(format!("piece-{}-of-{}.json", shard.k, shard.n))
    }

    /// Writes a finished task atomically.
    pub fn write_task(&self, result: &TaskResult) -> Result<()> {
        let path = self.task_path(&result.task_id);
        write_atomic(&path, |w| serde_json::to_writer(&mut *w, result).map_err(std::io::Error::other))
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The finished tasks of this configuration among those `wanted`, indexed like
    /// `plan.tasks` (`None`: to do, or not wanted), and the ids of the tasks whose file holds a
    /// result computed from other input files (their dataset's content fingerprint differs):
    /// those are to do again. A file that is unreadable or from another configuration counts as
    /// not done.
    pub fn load_done(&self, plan: &Plan, wanted: &[bool]) -> (Vec<Option<TaskResult>>, Vec<String>) {
        let mut stale = Vec::new();
        let results = plan
            .tasks
            .iter()
            .zip(wanted)
            .map(|(task, &wanted)| {
                if !wanted {
                    return None;
                }
                let text = fs::read_to_string(self.task_path(&task.id)).ok()?;
                let r: TaskResult = serde_json::from_str(&text).ok()?;
                let same_task = r.format == TASK_FORMAT
                    && r.config_hash == self.config_hash
                    && r.task_id == task.id
                    && r.task_index == task.index;
                if same_task && r.input_hash != plan.datasets[task.dataset].input_hash {
                    stale.push(task.id.clone());
                    return None;
                }
                same_task.then_some(r)
            })
            .collect();
        (results, stale)
    }
}

/// Writes `path` with `bytes` unless it exists: a temporary file named after this host and
/// process is linked to `path` (an atomic create-if-absent, also on NFS), so that concurrent
/// pieces starting together never overwrite one another's copy.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}-{}", super::manifest::hostname(), std::process::id()));
    fs::write(&tmp, bytes)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}
