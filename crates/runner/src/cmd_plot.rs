//! `regpath plot DIR`: SVG figures from a sweep's tables.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `regpath plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// A sweep's output directory (with path.csv, summary.csv and coefs.csv); figures go to
    /// DIR/figures/.
    pub dir: PathBuf,
}

/// Runs `regpath plot`.
pub fn run(args: &PlotArgs) -> Result<()> {
    let written = crate::sweep::plot::plot_dir(&args.dir)?;
    for file in &written {
        eprintln!("wrote {}", file.display());
    }
    Ok(())
}
