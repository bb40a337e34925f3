//! `regpath sweep`: datasets × penalties × hyper-parameters × replicates, in parallel.

use std::path::PathBuf;

use anyhow::Result;

use crate::sweep::config::{Method, SweepConfig};
use crate::sweep::{DEFAULT_OUT, RunOptions, run_sweep};

/// Arguments of `regpath sweep`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SweepArgs {
    /// Sweep configuration (TOML); the built-in default sweep when omitted
    /// (`--print-config` shows it).
    pub config: Option<PathBuf>,
    /// Output directory. [default: the configuration's `out`, else ./regpath-sweep]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Threads; results do not depend on it. [default: the configuration's `threads`, else
    /// all cores]
    #[arg(long)]
    pub threads: Option<usize>,
    /// Master seed (overrides `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replicates of every dataset (overrides each `replicates`).
    #[arg(long)]
    pub replicates: Option<usize>,
    /// Number of alphas per path (overrides `grid.n_alphas`; drops `grid.alphas`). A sweep's
    /// grid defaults to 50 alphas down to 1e-2·alpha_max (`regpath path`: 100 down to 1e-3).
    #[arg(long)]
    pub n_alphas: Option<usize>,
    /// Smallest alpha / alpha_max (overrides `grid.eps`; drops `grid.alphas`). [default: the
    /// configuration's, else 1e-2]
    #[arg(long)]
    pub eps: Option<f64>,
    /// Certificate tolerance (overrides `solver.tol`). [default: the configuration's, else 1e-6]
    #[arg(long)]
    pub tol: Option<f64>,
    /// Epochs per alpha (overrides `solver.max_epochs`). [default: the configuration's, else
    /// 10000]
    #[arg(long)]
    pub max_epochs: Option<usize>,
    /// Choose alpha by K-fold cross-validation on the training part (sets
    /// `evaluation.method = "cv"`, `evaluation.folds = K`).
    #[arg(long, value_name = "K")]
    pub cv_folds: Option<usize>,
    /// Also draw the SVG figures (as `regpath plot DIR`).
    #[arg(long)]
    pub plot: bool,
    /// Also write DIR/report.html (as `regpath report DIR`).
    #[arg(long)]
    pub report: bool,
    /// Recompute every task: discard the results found in the output directory (of this or
    /// another configuration).
    #[arg(long)]
    pub force: bool,
    /// Print the resolved configuration as TOML and exit (a starting point for your own).
    #[arg(long)]
    pub print_config: bool,
    /// Run only piece K of N of the task list (balanced by estimated cost), writing its task
    /// files into --out; `regpath merge` assembles the tables once every piece is done. `slurm`
    /// takes K and N from the SLURM array task's environment.
    #[arg(long, value_name = "K/N|slurm")]
    pub shard: Option<String>,
    /// Start at most N tasks, then stop without writing tables (testing resumption).
    #[arg(long, hide = true, value_name = "N")]
    pub max_tasks: Option<usize>,
}

impl SweepArgs {
    /// The configuration with command-line overrides applied, validated.
    pub fn resolve(&self) -> Result<SweepConfig> {
        let mut config = match &self.config {
            Some(path) => SweepConfig::from_file(path)?,
            None => SweepConfig::default_sweep(),
        };
        if let Some(seed) = self.seed {
            config.seed = seed;
        }
        if let Some(r) = self.replicates {
            for d in &mut config.datasets {
                d.replicates = r;
            }
        }
        if self.n_alphas.is_some() || self.eps.is_some() {
            if config.grid.alphas.take().is_some() {
                eprintln!("note: --n-alphas/--eps replace the configuration's explicit grid.alphas");
            }
            config.grid.n_alphas = self.n_alphas.or(config.grid.n_alphas);
            config.grid.eps = self.eps.or(config.grid.eps);
        }
        if let Some(tol) = self.tol {
            config.solver.tol = tol;
        }
        if let Some(m) = self.max_epochs {
            config.solver.max_epochs = m;
        }
        if let Some(k) = self.cv_folds {
            config.evaluation.method = Method::Cv;
            config.evaluation.folds = Some(k);
            config.evaluation.validation = None;
        }
        if let Some(t) = self.threads {
            config.threads = Some(t);
        }
        if let Some(out) = &self.out {
            config.out = Some(out.clone());
        }
        config.validate().map_err(|e| {
            let msg = format!("{e:#}");
            anyhow::anyhow!(
                "invalid sweep configuration{}: {msg}",
                self.config.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default()
            )
        })?;
        Ok(config)
    }
}

/// What a sweep without a test part (`evaluation.test = 0`) says when its tables are written.
pub const NO_TEST_NOTE: &str = "evaluation.test = 0: there is no test part; every sample trains, CV chooses \
     alpha, the test_* columns of the tables are empty, and pairwise.csv and ranks.csv compare configurations \
     by the CV error at the chosen alpha (cv_error) instead of test error";

/// Runs `regpath sweep`.
pub fn run(args: &SweepArgs) -> Result<()> {
    let config = args.resolve()?;
    if args.print_config {
        print!("{}", toml::to_string_pretty(&config)?);
        return Ok(());
    }
    let out = config.out.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_OUT));
    let shard = args.shard.as_deref().map(crate::cluster::parse_shard).transpose()?;
    if shard.is_some() && args.plot {
        eprintln!("note: --plot is ignored with --shard; draw the figures with `regpath merge DIR --plot`");
    }
    if shard.is_some() && args.report {
        eprintln!("note: --report is ignored with --shard; write the page with `regpath merge DIR --report`");
    }
    let opts = RunOptions {
        out: out.clone(),
        threads: config.threads,
        force: args.force,
        max_tasks: args.max_tasks,
        progress: true,
        plot: args.plot,
        command_line: std::env::args().collect(),
        shard,
    };
    let outcome = run_sweep(&config, &opts)?;
    if let Some(first) = outcome.tasks_stale.first() {
        let n = outcome.tasks_stale.len();
        eprintln!(
            "note: {n} earlier task result{} (e.g. {first}) came from input files that have changed since; computed again",
            if n == 1 { "" } else { "s" }
        );
    }
    if let (Some(shard), true) = (shard, outcome.complete) {
        eprintln!(
            "piece {shard}: {} ({} computed, {} already done) on {} in {:.1} s; \
             merge with `regpath merge {}` once every piece is done",
            crate::count(outcome.tasks_total, "task"),
            outcome.tasks_run,
            outcome.tasks_resumed,
            crate::count(outcome.threads, "thread"),
            outcome.wall_time_s,
            out.display()
        );
        return Ok(());
    }
    if !outcome.complete {
        eprintln!(
            "stopped after {} of {} tasks ({} reused); run the same command again to resume",
            outcome.tasks_run + outcome.tasks_resumed,
            outcome.tasks_total,
            outcome.tasks_resumed
        );
        return Ok(());
    }
    eprintln!(
        "sweep: {} ({} computed, {} reused from an earlier run) on {} in {:.1} s",
        crate::count(outcome.tasks_total, "task"),
        outcome.tasks_run,
        outcome.tasks_resumed,
        crate::count(outcome.threads, "thread"),
        outcome.wall_time_s
    );
    if let Some(first) = outcome.chosen_at_grid_end.first() {
        eprintln!(
            "note: {} task(s) chose the smallest alpha of their grid (e.g. {first}); a lower eps may find a better model",
            outcome.chosen_at_grid_end.len()
        );
    }
    if !config.evaluation.has_test() {
        eprintln!("note: {NO_TEST_NOTE}");
    }
    for file in &outcome.written {
        eprintln!("wrote {}", file.display());
    }
    if let Some(page) = crate::report::after_run(&out, args.report)? {
        eprintln!("wrote {}", page.display());
    }
    Ok(())
}
