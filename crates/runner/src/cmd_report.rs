//! `regpath report DIR`: one self-contained HTML page for a sweep or a path output directory.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `regpath report`.
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The output directory of `regpath sweep` (or `merge`) or of `regpath path`; the page is
    /// written to DIR/report.html.
    pub dir: PathBuf,
}

/// Runs `regpath report`.
pub fn run(args: &ReportArgs) -> Result<()> {
    let file = crate::report::write_report(&args.dir)?;
    eprintln!("wrote {}", file.display());
    Ok(())
}
