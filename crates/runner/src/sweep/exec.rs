//! Running the tasks: each dataset replicate (a unit) is generated or read and split once, its
//! training design built once and shared by its penalty tasks, which run in parallel on the
//! rayon pool (their CV folds in parallel too). Each finished task is written atomically to
//! `tasks/<task_id>.json` before it counts as done.

use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::data::prepare_unit;
use super::plan::Task;
use super::resume::OutputDir;
use super::tables::TaskResult;
use super::task::{SweepContext, run_task};

/// Runs every task marked in `todo` (plan order), in the current rayon pool, writing each to
/// `dir` and storing it in `results`; returns how many ran. With `max_tasks`, starts at most
/// that many (to simulate an interruption in tests).
pub fn execute(
    ctx: SweepContext<'_>,
    dir: &OutputDir,
    todo: &[bool],
    results: &mut [Option<TaskResult>],
    max_tasks: Option<usize>,
    progress: bool,
) -> Result<usize> {
    let count = todo.iter().filter(|t| **t).count();
    let bar = if progress {
        ProgressBar::with_draw_target(Some(count as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} tasks  {per_sec}  eta {eta}  {msg}",
        )
        .expect("valid template"),
    );
    let started = AtomicUsize::new(0);
    let claim = || max_tasks.is_none_or(|m| started.fetch_add(1, Ordering::SeqCst) < m);
    let limit_reached = || max_tasks.is_some_and(|m| started.load(Ordering::SeqCst) >= m);
    let (config, plan) = (ctx.config, ctx.plan);
    let new: Vec<TaskResult> = plan
        .units
        .par_iter()
        .map(|unit| -> Result<Vec<TaskResult>> {
            let pending: Vec<&Task> = unit.tasks.iter().filter(|&&t| todo[t]).map(|&t| &plan.tasks[t]).collect();
            if pending.is_empty() || limit_reached() {
                return Ok(Vec::new());
            }
            let prepared = std::time::Instant::now();
            let data = prepare_unit(config, plan, unit)?;
            ctx.log.line(format_args!(
                "data ready: {} r{} ({} training samples) in {}",
                plan.datasets[unit.dataset].id,
                unit.replicate,
                data.n_rows(super::part::Part::Train),
                super::progress_log::seconds(prepared.elapsed().as_secs_f64())
            ));
            let mut scratch = None;
            let design = data.fit_design(config, None, &mut scratch)?;
            let out: Vec<Option<TaskResult>> = pending
                .par_iter()
                .map(|task| -> Result<Option<TaskResult>> {
                    if !claim() {
                        return Ok(None);
                    }
                    let started = std::time::Instant::now();
                    let result = run_task(ctx, task, unit, &data, &design)?;
                    dir.write_task(&result)?;
                    ctx.log.task_done(&result, started.elapsed().as_secs_f64());
                    bar.inc(1);
                    Ok(Some(result))
                })
                .collect::<Result<_>>()?;
            Ok(out.into_iter().flatten().collect())
        })
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    bar.finish_and_clear();
    let ran = new.len();
    for r in new {
        let i = r.task_index;
        results[i] = Some(r);
    }
    Ok(ran)
}
