//! `regpath plot DIR`: SVG figures from a sweep's tables, or of one `regpath path` output.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `regpath plot`.
#[derive(clap::Args, Debug)]
pub struct PlotArgs {
    /// A sweep's output directory (with path.csv, summary.csv and coefs.csv), or the output of
    /// `regpath path` (path.csv, model.json, coefs.csv: coefficient paths against ln alpha and
    /// the L1 norm, the CV curve, the certificates); figures go to DIR/figures/.
    pub dir: PathBuf,
}

/// Runs `regpath plot`.
pub fn run(args: &PlotArgs) -> Result<()> {
    let written = if crate::path_plot::is_path_output(&args.dir) {
        crate::path_plot::plot_path_dir(&args.dir)?
    } else {
        crate::sweep::plot::plot_dir(&args.dir)?
    };
    for file in &written {
        eprintln!("wrote {}", file.display());
    }
    Ok(())
}
