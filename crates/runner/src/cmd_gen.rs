//! `regpath gen`: write a synthetic dataset to disk.

/// Arguments of `regpath gen`.
#[derive(clap::Args, Debug)]
pub struct GenArgs {}

/// Runs `regpath gen`.
pub fn run(_args: &GenArgs) -> anyhow::Result<()> {
    anyhow::bail!("regpath gen is not implemented yet")
}
