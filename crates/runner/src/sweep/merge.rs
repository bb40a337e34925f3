//! `regpath merge DIR`: the tables of a sharded sweep, assembled from the task files its
//! pieces wrote into one directory.
//!
//! The configuration comes from `DIR/sweep-config.json` (written by the first piece), the task
//! list from planning it again, the rows from `DIR/tasks/<id>.json`. The tables are written by
//! the same code, from the same task results and in the same plan order as a single-machine
//! `regpath sweep`, so they are byte-identical to its tables apart from the timing columns.
//! Nothing is created or modified in DIR unless every task file is present and valid.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use super::config::SweepConfig;
use super::manifest::{self, Manifest, PieceRecord};
use super::plan::Plan;
use super::resume::{self, OutputDir, PIECES_DIR, STATE_FILE};
use super::tables::TaskResult;

/// How many missing task ids an error lists before summarizing.
const LISTED_MISSING: usize = 5;

/// What a merge did.
#[derive(Debug)]
pub struct MergeOutcome {
    /// Tasks in the sweep.
    pub tasks_total: usize,
    /// Piece records found.
    pub pieces: usize,
    /// Files written.
    pub written: Vec<PathBuf>,
}

/// Reads the configuration recorded in `DIR/sweep-config.json` and checks its hash.
pub fn recorded_config(dir: &Path) -> Result<(SweepConfig, String)> {
    let state = dir.join(STATE_FILE);
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let text = fs::read_to_string(&state).with_context(|| {
        format!("{} is not a sweep output directory: cannot read {}", dir.display(), state.display())
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", state.display()))?;
    let hash = value
        .get("config_hash")
        .and_then(|h| h.as_str())
        .with_context(|| format!("{} has no config_hash", state.display()))?
        .to_string();
    let config: SweepConfig = serde_json::from_value(value.get("config").cloned().unwrap_or_default())
        .with_context(|| format!("{}: the recorded configuration cannot be read", state.display()))?;
    let recomputed = resume::config_hash(&config);
    if recomputed != hash {
        bail!(
            "{}: the recorded configuration hashes to {recomputed}, not the recorded {hash} (written by another regpath version?)",
            state.display()
        );
    }
    Ok((config, hash))
}

/// The piece records in `DIR/pieces/`, ordered by N then K.
pub fn piece_records(dir: &Path) -> Result<Vec<PieceRecord>> {
    let folder = dir.join(PIECES_DIR);
    let mut records = Vec::new();
    let Ok(entries) = fs::read_dir(&folder) else { return Ok(records) };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with("piece-") && name.ends_with(".json")) {
            continue;
        }
        let text =
            fs::read_to_string(entry.path()).with_context(|| format!("cannot read {}", entry.path().display()))?;
        let record: PieceRecord =
            serde_json::from_str(&text).with_context(|| format!("{} is not a piece record", entry.path().display()))?;
        records.push(record);
    }
    records.sort_by_key(|r| (r.n, r.k));
    Ok(records)
}

/// Merges the task files of `dir` into its tables and manifest (and figures with `plot`).
pub fn merge(dir: &Path, plot: bool, command_line: Vec<String>) -> Result<MergeOutcome> {
    let clock = Instant::now();
    let (config, hash) = recorded_config(dir)?;
    let plan = Plan::new(&config).context("cannot plan the recorded configuration")?;
    let everything = vec![true; plan.tasks.len()];
    let (results, stale) = OutputDir::open(dir, &hash).load_done(&plan, &everything);
    let missing: Vec<&str> =
        plan.tasks.iter().zip(&results).filter(|(_, r)| r.is_none()).map(|(t, _)| t.id.as_str()).collect();
    if !missing.is_empty() {
        let shown = missing.iter().take(LISTED_MISSING).copied().collect::<Vec<_>>().join(", ");
        let more = if missing.len() > LISTED_MISSING { ", …" } else { "" };
        let changed = match stale.len() {
            0 => String::new(),
            n => format!(" ({n} of them hold results of input files that have changed since, e.g. {})", stale[0]),
        };
        bail!(
            "{} of {} tasks have no result in {}/tasks yet{changed}: {shown}{more}. Run the missing pieces \
             (resubmit the array: finished tasks are skipped), then merge again; nothing was written",
            missing.len(),
            plan.tasks.len(),
            dir.display()
        );
    }
    let pieces = piece_records(dir)?;
    let results: Vec<TaskResult> = results.into_iter().flatten().collect();
    let mut written = super::write_tables(dir, &results)?;
    written.extend(super::outputs::write_outputs(dir, &config, &plan, &results)?);
    let tasks_run: usize = pieces.iter().map(|p| p.tasks_run).sum::<usize>().min(plan.tasks.len());
    let manifest = Manifest {
        tasks_run,
        tasks_resumed: plan.tasks.len() - tasks_run,
        command_line,
        config: SweepConfig { out: Some(dir.to_path_buf()), ..config.clone() },
        pieces: Some(pieces.clone()),
        ..Manifest::new(&config, &hash, plan.tasks.len(), clock)
    };
    let path = dir.join("manifest.json");
    manifest::write_json(&path, &manifest)?;
    written.push(path);
    if !plot {
        crate::tables::remove_owned_outputs(dir, &[super::resume::FIGURES_DIR])?;
    }
    if plot {
        written.extend(super::plot::plot_dir(dir)?);
    }
    Ok(MergeOutcome { tasks_total: plan.tasks.len(), pieces: pieces.len(), written })
}
