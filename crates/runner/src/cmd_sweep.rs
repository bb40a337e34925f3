//! `regpath sweep`: datasets × penalties × hyper-parameters × replicates, in parallel.

use std::path::PathBuf;

/// Arguments of `regpath sweep`.
#[derive(clap::Args, Debug)]
pub struct SweepArgs {
    /// Sweep configuration (TOML); the built-in default sweep when omitted.
    pub config: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Runs `regpath sweep`.
pub fn run(_args: &SweepArgs) -> anyhow::Result<()> {
    anyhow::bail!("regpath sweep is not implemented yet")
}
