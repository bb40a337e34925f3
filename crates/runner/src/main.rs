//! `regpath`: certified regularization paths for sparse linear regression.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Certified regularization paths (Lasso, Ridge, ElasticNet, MCP, SCAD) for wide data.
#[derive(Parser)]
#[command(name = "regpath", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fit one regularization path and write path.csv and coefs.csv.
    Path(Box<regpath_runner::cmd_path::PathArgs>),
    /// Generate a synthetic dataset (X.npy, y.npy, beta.npy, meta.json, or a PLINK fileset), or
    /// simulate a phenotype on a real PLINK fileset (--bed).
    Gen(regpath_runner::cmd_gen::GenArgs),
    /// Run a sweep of datasets x penalties x hyper-parameters and write comparison tables.
    Sweep(regpath_runner::cmd_sweep::SweepArgs),
    /// Draw SVG figures from a sweep's output directory.
    Plot(regpath_runner::cmd_plot::PlotArgs),
    /// Apply a fitted path (regpath path --out DIR) to new samples: predictions and metrics.
    Predict(regpath_runner::cmd_predict::PredictArgs),
    /// Assemble the tables of a sweep run in pieces (sweep --shard K/N) from its task files.
    Merge(regpath_runner::cmd_merge::MergeArgs),
    /// Write DIR/report.html: one self-contained page for a sweep or a path output directory.
    Report(regpath_runner::cmd_report::ReportArgs),
    /// Write (and optionally submit) SLURM job-array scripts that run a sweep in N pieces and merge them.
    Slurm(regpath_runner::cmd_slurm::SlurmArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Path(args) => regpath_runner::cmd_path::run(&args),
        Command::Gen(args) => regpath_runner::cmd_gen::run(&args),
        Command::Sweep(args) => regpath_runner::cmd_sweep::run(&args),
        Command::Plot(args) => regpath_runner::cmd_plot::run(&args),
        Command::Predict(args) => regpath_runner::cmd_predict::run(&args),
        Command::Merge(args) => regpath_runner::cmd_merge::run(&args),
        Command::Slurm(args) => regpath_runner::cmd_slurm::run(&args),
        Command::Report(args) => regpath_runner::cmd_report::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", regpath_runner::error_message(&err));
            ExitCode::FAILURE
        }
    }
}
