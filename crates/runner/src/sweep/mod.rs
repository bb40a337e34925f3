//! Sweeps (docs/design.md §4–§5): datasets × penalties × hyper-parameters × replicates in parallel,
//! with sparsity-versus-error tables, figures and a provenance record.
//!
//! - [`config`]: the TOML configuration and the built-in default sweep;
//! - [`plan`]: the expanded tasks and their seeds;
//! - [`part`]: the training, validation and test parts of a unit's samples;
//! - [`data`]: a unit's data, split into parts and folds (genotypes stay packed);
//! - [`exec`]: parallel execution of the tasks;
//! - [`task`]: one task: training path, cross-validation, selection, rows;
//! - [`metrics`]: errors, support recovery, selection rules;
//! - [`tables`]: `path.csv`, `summary.csv`, `comparison.csv`, `coefs.csv`;
//! - [`verdict`]: `pairwise.csv`, `ranks.csv`, `selection.csv` (paired tests, ranks, stability);
//! - [`resume`]: the output directory, per-task results and resumption;
//! - [`shard`]: splitting the task list into N cost-balanced pieces (run on N machines, or as
//!   a SLURM job array by `crate::cluster`);
//! - [`merge`]: assembling the tables from the task files of every piece;
//! - [`manifest`]: the provenance record `manifest.json`;
//! - [`outputs`]: each task's chosen model (`models/`) and each replicate's split (`splits/`);
//! - [`plot`], [`plot_verdict`], [`plot_scaling`]: SVG figures, on the shared [`plot_style`].

pub mod config;
pub mod data;
pub mod exec;
pub mod fixed_split;
pub mod manifest;
pub mod merge;
pub mod metrics;
pub mod outputs;
pub mod part;
pub mod plan;
pub mod plot;
pub mod plot_scaling;
pub mod plot_style;
pub mod plot_verdict;
pub mod progress_log;
pub mod resume;
pub mod shard;
pub mod simulated;
pub mod tables;
pub mod task;
pub mod verdict;

use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use anyhow::{Result, bail};

use crate::cmd_path::thread_pool;
use config::SweepConfig;
use manifest::PieceRecord;
use plan::Plan;
use resume::OutputDir;
pub use shard::Shard;
use tables::{TaskResult, comparison, write_table};

/// Default output directory.
pub const DEFAULT_OUT: &str = "regpath-sweep";

/// How to run a sweep (besides its configuration).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Discard another configuration's results in `out`.
    pub force: bool,
    /// Start at most this many tasks, then stop without writing tables (simulates an
    /// interruption).
    pub max_tasks: Option<usize>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
    /// Draw the figures after the tables.
    pub plot: bool,
    /// The command line, for the manifest.
    pub command_line: Vec<String>,
    /// Run only this piece of the task list (`--shard K/N`).
    pub shard: Option<Shard>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            out: PathBuf::from(DEFAULT_OUT),
            threads: None,
            force: false,
            max_tasks: None,
            progress: false,
            plot: false,
            command_line: Vec::new(),
            shard: None,
        }
    }
}

/// What a sweep run did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Every task is done and the tables are written (for a piece: every task of the piece is
    /// done and its record written).
    pub complete: bool,
    /// Tasks in the sweep (in the piece).
    pub tasks_total: usize,
    /// Tasks computed by this run.
    pub tasks_run: usize,
    /// Tasks reused from an earlier run.
    pub tasks_resumed: usize,
    /// Tasks whose earlier result was computed from input files that have changed since (and
    /// which this run therefore computed again).
    pub tasks_stale: Vec<String>,
    /// Threads used.
    pub threads: usize,
    /// Wall time, seconds.
    pub wall_time_s: f64,
    /// Files written (tables, manifest, figures).
    pub written: Vec<PathBuf>,
    /// Tasks that ran to the end of their grid and chose its smallest alpha (extend the grid:
    /// lower `eps`).
    pub chosen_at_grid_end: Vec<String>,
}

/// Runs a sweep: validates and plans (reading file datasets) before writing anything, then
/// runs the unfinished tasks and writes the tables, the manifest and optionally the figures.
/// With `opts.shard`, runs only that piece's tasks and records the piece instead of writing
/// tables (`regpath merge` assembles them).
pub fn run_sweep(config: &SweepConfig, opts: &RunOptions) -> Result<Outcome> {
    let started_at = SystemTime::now();
    let clock = Instant::now();
    let plan = Plan::new(config)?;
    let hash = resume::config_hash(config);
    if opts.shard.is_some() && opts.force {
        bail!(
            "--force cannot be combined with --shard: it would discard the other pieces' results (clear the directory yourself)"
        );
    }
    let owned: Vec<bool> = match opts.shard {
        Some(shard) => {
            let mine = shard::tasks_of(config, &plan, shard);
            let mut owned = vec![false; plan.tasks.len()];
            for t in mine {
                owned[t] = true;
            }
            owned
        }
        None => vec![true; plan.tasks.len()],
    };
    let owned_ids: Vec<&str> = plan.tasks.iter().zip(&owned).filter(|(_, o)| **o).map(|(t, _)| t.id.as_str()).collect();
    let pool = thread_pool(opts.threads)?;
    let threads = pool.current_num_threads();
    // --force recomputes everything, whatever the directory holds.
    let discard = OutputDir::check(&opts.out, &hash, opts.force)? || opts.force;
    let dir = OutputDir::create(&opts.out, config, &hash, discard, &owned_ids)?;
    let (mut results, stale) = dir.load_done(&plan, &owned);
    let tasks_resumed = results.iter().filter(|r| r.is_some()).count();
    let todo: Vec<bool> = owned.iter().zip(&results).map(|(o, r)| *o && r.is_none()).collect();
    let tasks_run = pool.install(|| {
        let to_run = todo.iter().filter(|t| **t).count();
        let to_run = opts.max_tasks.map_or(to_run, |m| m.min(to_run));
        let log = progress_log::ProgressLog::for_stderr(opts.progress, to_run);
        let ctx = task::SweepContext { config, plan: &plan, config_hash: &hash, log: &log };
        exec::execute(ctx, &dir, &todo, &mut results, opts.max_tasks, opts.progress)
    })?;
    let mut outcome = Outcome {
        complete: false,
        tasks_total: owned_ids.len(),
        tasks_run,
        tasks_resumed,
        tasks_stale: stale,
        threads,
        wall_time_s: clock.elapsed().as_secs_f64(),
        written: Vec::new(),
        chosen_at_grid_end: Vec::new(),
    };
    if owned.iter().zip(&results).any(|(o, r)| *o && r.is_none()) {
        return Ok(outcome);
    }
    if let Some(shard) = opts.shard {
        let (git_revision, _) = manifest::git_revision();
        let record = PieceRecord {
            shard: shard.to_string(),
            k: shard.k,
            n: shard.n,
            host: manifest::hostname(),
            threads,
            slurm_job: manifest::slurm_job(),
            started_at: manifest::rfc3339(started_at),
            finished_at: manifest::rfc3339(SystemTime::now()),
            wall_time_s: clock.elapsed().as_secs_f64(),
            tasks_assigned: owned_ids.len(),
            task_ids: owned_ids.iter().map(|id| id.to_string()).collect(),
            tasks_run,
            tasks_resumed,
            estimated_cost: plan
                .tasks
                .iter()
                .zip(&owned)
                .filter(|(_, o)| **o)
                .map(|(t, _)| shard::task_cost(config, &plan, t))
                .sum(),
            regpath_version: env!("CARGO_PKG_VERSION").to_string(),
            git_revision,
            peak_rss_mb: manifest::peak_rss_mb(),
        };
        let path = dir.piece_path(shard);
        manifest::write_json(&path, &record)?;
        outcome.written.push(path);
        outcome.complete = true;
        outcome.wall_time_s = clock.elapsed().as_secs_f64();
        return Ok(outcome);
    }
    let results: Vec<TaskResult> = results.into_iter().flatten().collect();
    outcome.chosen_at_grid_end = chosen_at_grid_end(&results);
    outcome.written = write_tables(&opts.out, &results)?;
    outcome.written.extend(outputs::write_outputs(&opts.out, config, &plan, &results)?);
    let manifest = manifest::Manifest {
        threads,
        started_at: manifest::rfc3339(started_at),
        tasks_run,
        tasks_resumed,
        command_line: opts.command_line.clone(),
        config: SweepConfig { threads: Some(threads), out: Some(opts.out.clone()), ..config.clone() },
        pieces: None,
        ..manifest::Manifest::new(config, &hash, plan.tasks.len(), clock)
    };
    let manifest_path = opts.out.join("manifest.json");
    manifest::write_json(&manifest_path, &manifest)?;
    outcome.written.push(manifest_path);
    if opts.plot {
        outcome.written.extend(plot::plot_dir(&opts.out)?);
    } else {
        // figures of an earlier run may show other data: they go unless drawn again
        crate::tables::remove_owned_outputs(&opts.out, &[resume::FIGURES_DIR])?;
    }
    outcome.complete = true;
    outcome.wall_time_s = clock.elapsed().as_secs_f64();
    Ok(outcome)
}

/// Tasks that ran to the end of their grid and chose its smallest alpha (a path cut short by
/// max_nnz or stop_saturated ends before its grid does: no lower eps would help it).
fn chosen_at_grid_end(results: &[TaskResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.summary.stop_reason == "end_of_grid")
        .filter(|r| r.summary.n_alphas > 1 && r.summary.chosen_alpha_index + 1 == r.summary.n_alphas)
        .map(|r| r.task_id.clone())
        .collect()
}

/// Writes `path.csv`, `summary.csv`, `comparison.csv`, `coefs.csv`, `pairwise.csv`, `ranks.csv`
/// and `selection.csv` from the task results (in plan order).
pub fn write_tables(out: &std::path::Path, results: &[TaskResult]) -> Result<Vec<PathBuf>> {
    let path_rows: Vec<_> = results.iter().flat_map(|r| r.path.iter().cloned()).collect();
    let summary: Vec<_> = results.iter().map(|r| r.summary.clone()).collect();
    let coefs: Vec<_> = results.iter().flat_map(|r| r.coefs.iter().cloned()).collect();
    let supports: Vec<Option<Vec<usize>>> = results.iter().map(|r| r.chosen_support.clone()).collect();
    let file = |name: &str| out.join(name);
    write_table(&file("path.csv"), &path_rows)?;
    write_table(&file("summary.csv"), &summary)?;
    write_table(&file("comparison.csv"), &comparison(&summary, &supports))?;
    write_table(&file("coefs.csv"), &coefs)?;
    write_table(&file("pairwise.csv"), &verdict::pairwise(&summary))?;
    write_table(&file("ranks.csv"), &verdict::ranks(&summary))?;
    write_table(&file("selection.csv"), &verdict::selection(&summary, &supports))?;
    Ok(resume::TABLES.iter().map(|name| file(name)).collect())
}
