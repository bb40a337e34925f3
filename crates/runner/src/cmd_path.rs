//! `regpath path`: fit one path.

/// Arguments of `regpath path`.
#[derive(clap::Args, Debug)]
pub struct PathArgs {}

/// Runs `regpath path`.
pub fn run(_args: &PathArgs) -> anyhow::Result<()> {
    anyhow::bail!("regpath path is not implemented yet")
}
