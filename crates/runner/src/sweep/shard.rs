//! Splitting a sweep into N pieces (docs/cluster.md): piece K of N runs only its share of the
//! task list, so that N machines (or the N tasks of a SLURM job array) together run the sweep
//! once, and `regpath merge` assembles their task files.
//!
//! Tasks are balanced by estimated cost, not by count. The cost of a task is
//!
//! ```text
//! cost = n · p · n_alphas · (1 + folds)
//! ```
//!
//! (one full pass over X per alpha, once for the training path and once per CV fold). The
//! assignment is the greedy "longest processing time first" rule: tasks in decreasing cost
//! (ties by plan order) each go to the piece with the smallest total so far (ties to the lowest
//! piece). It depends only on the configuration and N, never on the machine, the thread count
//! or what is already done, so every piece computes the same assignment independently; its
//! makespan is at most 4/3 of the optimum (Graham, 1969). A piece may be empty.

use anyhow::{Context, Result, bail};

use super::config::{GridConfig, SweepConfig};
use super::plan::{Plan, Task};

/// Piece `k` (1-based) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This piece, 1..=n.
    pub k: usize,
    /// Number of pieces.
    pub n: usize,
}

impl Shard {
    /// Parses `K/N` (1 ≤ K ≤ N). `--shard slurm`, the piece of the current SLURM array task,
    /// is resolved before this by `crate::cluster::parse_shard`.
    pub fn parse(text: &str) -> Result<Shard> {
        let (k, n) = text
            .split_once('/')
            .with_context(|| format!("--shard {text}: expected K/N (e.g. 2/8, piece 2 of 8) or `slurm`"))?;
        let parse = |s: &str, what: &str| -> Result<usize> {
            s.trim().parse::<usize>().with_context(|| format!("--shard {text}: {what} `{s}` is not a whole number"))
        };
        let (k, n) = (parse(k, "K")?, parse(n, "N")?);
        if n == 0 || k == 0 || k > n {
            bail!("--shard {text}: need 1 <= K <= N (pieces are numbered from 1)");
        }
        Ok(Shard { k, n })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// Number of alphas a task's path is planned with (its penalty's own, else the grid's).
fn planned_alphas(grid: &GridConfig, own: Option<usize>) -> usize {
    match &grid.alphas {
        Some(list) => list.len(),
        None => own.unwrap_or(grid.n_alphas()),
    }
}

/// Estimated cost of a task: `n · p · n_alphas · (1 + folds)` (see the module doc).
pub fn task_cost(config: &SweepConfig, plan: &Plan, task: &Task) -> f64 {
    let ds = &plan.datasets[task.dataset];
    let alphas = planned_alphas(&config.grid, plan.penalties[task.penalty].n_alphas);
    ds.n as f64 * ds.p as f64 * alphas as f64 * (1 + config.evaluation.folds()) as f64
}

/// The piece (0-based) of every task, in plan order, for `pieces` pieces.
pub fn assign(config: &SweepConfig, plan: &Plan, pieces: usize) -> Vec<usize> {
    let costs: Vec<f64> = plan.tasks.iter().map(|t| task_cost(config, plan, t)).collect();
    assign_costs(&costs, pieces)
}

/// Longest processing time first: the piece (0-based) of each cost.
pub fn assign_costs(costs: &[f64], pieces: usize) -> Vec<usize> {
    assert!(pieces > 0, "at least one piece");
    let mut order: Vec<usize> = (0..costs.len()).collect();
    // decreasing cost, ties in plan order (a stable sort keeps them)
    order.sort_by(|&a, &b| costs[b].total_cmp(&costs[a]));
    let mut load = vec![0.0f64; pieces];
    let mut piece = vec![0usize; costs.len()];
    for t in order {
        let (lightest, _) =
            load.iter().enumerate().fold((0, f64::INFINITY), |best, (i, &l)| if l < best.1 { (i, l) } else { best });
        piece[t] = lightest;
        load[lightest] += costs[t];
    }
    piece
}

/// Which tasks (plan indices) piece `shard` runs.
pub fn tasks_of(config: &SweepConfig, plan: &Plan, shard: Shard) -> Vec<usize> {
    assign(config, plan, shard.n).into_iter().enumerate().filter(|&(_, p)| p + 1 == shard.k).map(|(t, _)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!(Shard::parse("2/8").unwrap(), Shard { k: 2, n: 8 });
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap(), Shard { k: 1, n: 1 });
        for bad in ["0/3", "4/3", "1/0", "a/3", "3", "1/2/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn longest_first_balances_and_covers_every_task_once() {
        let costs = [7.0, 5.0, 4.0, 4.0, 3.0, 3.0, 1.0];
        let piece = assign_costs(&costs, 3);
        let mut load = [0.0; 3];
        for (t, &p) in piece.iter().enumerate() {
            load[p] += costs[t];
        }
        // by hand: 7→A, 5→B, 4→C, 4→C, 3→B, 3→A, 1→B (ties to the lowest piece); the optimum
        // is 9/9/9 and LPT stays within 4/3 of it
        assert_eq!(load, [10.0, 9.0, 8.0], "{piece:?}");
        // more pieces than tasks: some pieces are empty, every task is still placed once
        let piece = assign_costs(&[2.0, 1.0], 4);
        assert_eq!(piece, vec![0, 1]);
        // deterministic
        assert_eq!(assign_costs(&costs, 3), assign_costs(&costs, 3));
    }
}
