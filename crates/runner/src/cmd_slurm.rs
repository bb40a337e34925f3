//! `regpath slurm`: SLURM job-array scripts that run a sweep in N pieces and merge them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::cluster::slurm::{self, SlurmJob};
use crate::cmd_sweep::SweepArgs;
use crate::sweep::plan::Plan;
use crate::sweep::resume::{self, OutputDir};
use crate::sweep::shard;

/// Arguments of `regpath slurm`.
#[derive(clap::Args, Debug)]
pub struct SlurmArgs {
    /// Sweep configuration (TOML); the built-in default sweep when omitted.
    pub config: Option<PathBuf>,
    /// Output directory, on a filesystem every node of the cluster sees.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of pieces: array tasks 1..N, each running `regpath sweep --shard slurm`.
    #[arg(long, value_name = "N")]
    pub shards: usize,
    /// Time limit of each array task and of the merge job (SLURM format, e.g. 02:00:00).
    #[arg(long, value_name = "HH:MM:SS")]
    pub time: Option<String>,
    /// Memory of each array task (SLURM format, e.g. 4G).
    #[arg(long, value_name = "SIZE")]
    pub mem: Option<String>,
    /// CPUs of each array task; the piece runs that many threads.
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub cpus: usize,
    /// Partition of both jobs.
    #[arg(long, value_name = "P")]
    pub partition: Option<String>,
    /// A further sbatch argument for both jobs, verbatim (repeatable), e.g. --sbatch-arg=--account=lab.
    #[arg(long = "sbatch-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub sbatch_arg: Vec<String>,
    /// Draw the figures in the merge job.
    #[arg(long)]
    pub plot: bool,
    /// Submit the jobs (runs DIR/slurm/submit.sh) and print their ids.
    #[arg(long)]
    pub submit: bool,
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("cannot make {} absolute", path.display()))
}

/// Runs `regpath slurm`.
pub fn run(args: &SlurmArgs) -> Result<()> {
    if args.shards == 0 {
        bail!("--shards must be at least 1");
    }
    if args.cpus == 0 {
        bail!("--cpus must be at least 1");
    }
    for (flag, value) in [("--time", &args.time), ("--mem", &args.mem), ("--partition", &args.partition)] {
        if let Some(v) = value
            && (v.trim().is_empty() || v.contains(char::is_whitespace))
        {
            bail!("{flag} {v:?}: give a single word (e.g. --time 02:00:00, --mem 4G)");
        }
    }
    if let Some(bad) = args.sbatch_arg.iter().find(|a| !a.starts_with('-') || a.contains('\n')) {
        bail!("--sbatch-arg {bad:?}: give one sbatch option per flag, e.g. --sbatch-arg=--account=lab");
    }
    // The jobs run the configuration by absolute path, so that its relative data paths resolve
    // the same way on every node.
    let config_path = match &args.config {
        Some(p) => {
            if !p.is_file() {
                bail!("cannot read sweep configuration {}: no such file", p.display());
            }
            Some(absolute(p)?)
        }
        None => None,
    };
    let out = absolute(&args.out)?;
    let sweep_args = SweepArgs { config: config_path.clone(), out: Some(out.clone()), ..SweepArgs::default() };
    let config = sweep_args.resolve()?;
    let plan = Plan::new(&config)?;
    let hash = resume::config_hash(&config);
    OutputDir::check(&out, &hash, false)?;
    OutputDir::create(&out, &config, &hash, false, &[])?;
    let regpath = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot locate the regpath binary to call from the job scripts")?;
    let name = format!("regpath-{}", config.name.clone().unwrap_or_else(|| "sweep".into()))
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let job = SlurmJob {
        regpath,
        config: config_path,
        out: out.clone(),
        workdir: std::env::current_dir().context("cannot read the working directory")?,
        shards: args.shards,
        time: args.time.clone(),
        mem: args.mem.clone(),
        cpus: args.cpus,
        partition: args.partition.clone(),
        extra: args.sbatch_arg.clone(),
        name,
        plot: args.plot,
    };
    for file in job.write()? {
        eprintln!("wrote {}", file.display());
    }
    let pieces = shard::assign(&config, &plan, args.shards);
    let empty = (0..args.shards).filter(|k| !pieces.contains(k)).count();
    eprintln!(
        "{} tasks in {} pieces{}",
        plan.tasks.len(),
        args.shards,
        if empty > 0 { format!(" ({empty} of them empty: fewer tasks than pieces)") } else { String::new() }
    );
    if args.submit {
        let ids = slurm::submit(&job.dir())?;
        println!("array {}", ids.array);
        println!("merge {}", ids.merge);
        eprintln!("job ids written to {}", job.dir().join("jobs").display());
    } else {
        eprintln!("submit with: bash {}", job.dir().join("submit.sh").display());
    }
    Ok(())
}
