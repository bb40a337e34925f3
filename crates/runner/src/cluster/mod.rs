//! Running a sweep on a cluster (docs/cluster.md): its pieces (`sweep::shard`) as the tasks
//! of a SLURM job array, and the merge as a job that depends on them.
//!
//! - [`slurm`]: the job scripts that `regpath slurm` writes and submits, and the piece of the
//!   current array task (`regpath sweep --shard slurm`).
//!
//! This module builds on `sweep` (the plan, its pieces, the output folder); nothing in `sweep`
//! imports it, so a sweep runs the same with or without a cluster.

pub mod slurm;

use anyhow::Result;

use crate::sweep::Shard;

/// The piece named by `--shard`: `K/N` ([`Shard::parse`]), or `slurm` for the piece of the
/// current SLURM array task ([`slurm::array_shard`]).
pub fn parse_shard(text: &str) -> Result<Shard> {
    if text.trim().eq_ignore_ascii_case("slurm") {
        return slurm::array_shard(|name| std::env::var(name).ok());
    }
    Shard::parse(text)
}
