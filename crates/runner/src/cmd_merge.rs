//! `regpath merge DIR`: the tables of a sweep run in pieces (`regpath sweep --shard K/N`).

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `regpath merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The sweep's output directory, into which every piece wrote its task files.
    pub dir: PathBuf,
    /// Also draw the SVG figures (as `regpath plot DIR`).
    #[arg(long)]
    pub plot: bool,
    /// Also write DIR/report.html (as `regpath report DIR`).
    #[arg(long)]
    pub report: bool,
}

/// Runs `regpath merge`.
pub fn run(args: &MergeArgs) -> Result<()> {
    let outcome = crate::sweep::merge::merge(&args.dir, args.plot, std::env::args().collect())?;
    eprintln!(
        "merge: {} from {}",
        crate::count(outcome.tasks_total, "task"),
        crate::count(outcome.pieces, "piece record")
    );
    if let Ok((config, _)) = crate::sweep::merge::recorded_config(&args.dir)
        && !config.evaluation.has_test()
    {
        eprintln!("note: {}", crate::cmd_sweep::NO_TEST_NOTE);
    }
    for file in &outcome.written {
        eprintln!("wrote {}", file.display());
    }
    if let Some(page) = crate::report::after_run(&args.dir, args.report)? {
        eprintln!("wrote {}", page.display());
    }
    Ok(())
}
