//! `manifest.json`: what ran, where, with which versions.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use regpath_datagen::io::atomic::write_atomic;
use serde::Serialize;

use super::config::SweepConfig;

/// The provenance record written as `manifest.json`.
#[derive(Debug, Serialize)]
pub struct Manifest {
    /// `regpath` version.
    pub regpath_version: &'static str,
    /// `git rev-parse HEAD` of the source tree the binary was built from, when available.
    pub git_revision: Option<String>,
    /// Whether that tree had uncommitted changes to tracked files.
    pub git_dirty: Option<bool>,
    /// `rustc --version` of the compiler that built the binary.
    pub rustc_version: Option<String>,
    /// CPU model (`/proc/cpuinfo`).
    pub cpu_model: Option<String>,
    /// Logical CPUs available to the process.
    pub cpus_available: usize,
    /// Operating system and architecture.
    pub os: String,
    /// Threads in the pool.
    pub threads: usize,
    /// Master seed.
    pub seed: u64,
    /// Hash of the resolved configuration (without threads and output directory).
    pub config_hash: String,
    /// Start of this run (UTC, RFC 3339).
    pub started_at: String,
    /// End of this run.
    pub finished_at: String,
    /// Wall time of this run, seconds.
    pub wall_time_s: f64,
    /// Tasks in the sweep.
    pub tasks_total: usize,
    /// Tasks computed by this run.
    pub tasks_run: usize,
    /// Tasks reused from an earlier, interrupted run of the same configuration.
    pub tasks_resumed: usize,
    /// The command line.
    pub command_line: Vec<String>,
    /// The resolved configuration (defaults filled in, command-line overrides applied).
    pub config: SweepConfig,
    /// For tables assembled by `regpath merge`: the record of every piece found in
    /// `pieces/` (host, threads, times), ordered by N then K. Absent for a single-machine run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pieces: Option<Vec<PieceRecord>>,
}

/// What one piece of a sharded sweep (`regpath sweep --shard K/N`) did, written to
/// `DIR/pieces/piece-K-of-N.json` when it finishes (a rerun of the piece replaces it).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PieceRecord {
    /// `K/N`.
    pub shard: String,
    /// This piece (1-based).
    pub k: usize,
    /// Number of pieces.
    pub n: usize,
    /// Host name of the machine that ran it.
    pub host: String,
    /// Threads in its pool.
    pub threads: usize,
    /// `SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID` (or `SLURM_JOB_ID`) when run under SLURM.
    pub slurm_job: Option<String>,
    /// Start (UTC, RFC 3339).
    pub started_at: String,
    /// End.
    pub finished_at: String,
    /// Wall time, seconds.
    pub wall_time_s: f64,
    /// Tasks assigned to this piece.
    pub tasks_assigned: usize,
    /// Their ids, in plan order (absent in records of older versions).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_ids: Vec<String>,
    /// Tasks it computed.
    pub tasks_run: usize,
    /// Tasks it found already done.
    pub tasks_resumed: usize,
    /// Estimated cost of its tasks (`n·p·n_alphas·(1 + folds)`, summed).
    pub estimated_cost: f64,
    /// `regpath` version.
    pub regpath_version: String,
    /// Git revision of the binary's source tree, when known.
    pub git_revision: Option<String>,
    /// Peak resident memory of the piece's process, MB ([`peak_rss_mb`]; absent in records of
    /// older versions and off Linux). With one task per piece, that task's peak.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_rss_mb: Option<f64>,
}

/// Peak resident set size of this process so far, in MB (`VmHWM` of `/proc/self/status`,
/// kB / 1024), where the kernel reports it.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024.0)
}

/// This machine's host name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`, else `unknown`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The SLURM job this process runs in: `<array job>_<array task>` for an array task, else the
/// job id; `None` outside SLURM.
pub fn slurm_job() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
    match (var("SLURM_ARRAY_JOB_ID"), var("SLURM_ARRAY_TASK_ID")) {
        (Some(job), Some(task)) => Some(format!("{job}_{task}")),
        _ => var("SLURM_JOB_ID"),
    }
}

/// `rustc --version` captured by the build script.
pub fn rustc_version() -> Option<String> {
    option_env!("REGPATH_RUSTC_VERSION").filter(|s| !s.is_empty()).map(str::to_string)
}

/// The git revision and dirtiness of the source tree this binary was built from, captured by
/// the build script (`None` when it was not built from a git checkout or `git` was missing).
/// A binary copied elsewhere, or run after its checkout moved on, still reports its own build.
pub fn git_revision() -> (Option<String>, Option<bool>) {
    let revision = option_env!("REGPATH_GIT_REVISION").filter(|s| !s.is_empty()).map(str::to_string);
    let dirty = match option_env!("REGPATH_GIT_DIRTY") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    };
    (revision, dirty)
}

/// The first `model name` of `/proc/cpuinfo`.
pub fn cpu_model() -> Option<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    text.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

impl Manifest {
    /// The fields every manifest shares, for a run that started at `clock` (wall time and
    /// finish time are taken now); the caller sets the rest.
    pub fn new(config: &SweepConfig, config_hash: &str, tasks_total: usize, clock: std::time::Instant) -> Manifest {
        let (git_revision, git_dirty) = git_revision();
        let now = SystemTime::now();
        Manifest {
            regpath_version: env!("CARGO_PKG_VERSION"),
            git_revision,
            git_dirty,
            rustc_version: rustc_version(),
            cpu_model: cpu_model(),
            cpus_available: std::thread::available_parallelism().map_or(1, |n| n.get()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            threads: 1,
            seed: config.seed,
            config_hash: config_hash.to_string(),
            started_at: rfc3339(now - clock.elapsed()),
            finished_at: rfc3339(now),
            wall_time_s: clock.elapsed().as_secs_f64(),
            tasks_total,
            tasks_run: 0,
            tasks_resumed: 0,
            command_line: Vec::new(),
            config: config.clone(),
            pieces: None,
        }
    }
}

/// Writes a record atomically as pretty JSON.
pub fn write_json<T: Serialize>(path: &Path, record: &T) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, record).map_err(std::io::Error::other)?;
        std::io::Write::write_all(w, b"\n")
    })
    .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_827_696)), "2000-02-29T12:34:56Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_775_001_600)), "2026-04-01T00:00:00Z");
    }

    /// The revision is the one captured at build time: in a checkout, the HEAD the test
    /// binary was just built from.
    #[test]
    fn revision_is_the_build_trees() {
        let head = std::process::Command::new("git")
            .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
        let (revision, dirty) = git_revision();
        match head {
            Some(head) => {
                assert_eq!(revision.as_deref(), Some(head.as_str()));
                assert!(dirty.is_some(), "a checkout's build records whether it was dirty");
            }
            None => assert_eq!(revision, None, "no checkout, no revision"),
        }
    }

    #[test]
    fn peak_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let mb = peak_rss_mb().expect("VmHWM on Linux");
            assert!(mb > 0.1 && mb < 1e6, "{mb} MB");
        }
    }
}
