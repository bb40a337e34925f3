//! `regpath plot DIR`: SVG figures from a sweep's tables.

use std::path::PathBuf;

/// Arguments of `regpath plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// A sweep's output directory.
    pub dir: PathBuf,
}

/// Runs `regpath plot`.
pub fn run(_args: &PlotArgs) -> anyhow::Result<()> {
    anyhow::bail!("regpath plot is not implemented yet")
}
