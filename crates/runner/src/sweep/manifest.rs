//! `manifest.json`: what ran, where, with which versions.

use std::path::Path;
use std::process::Command;
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
}

/// `rustc --version` captured by the build script.
pub fn rustc_version() -> Option<String> {
    option_env!("REGPATH_RUSTC_VERSION").filter(|s| !s.is_empty()).map(str::to_string)
}

/// The git revision and dirtiness of the source tree this binary was built from, if it still
/// exists and `git` is available.
pub fn git_revision() -> (Option<String>, Option<bool>) {
    let dir = env!("CARGO_MANIFEST_DIR");
    if !Path::new(dir).exists() {
        return (None, None);
    }
    let run = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").arg("-C").arg(dir).args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let rev = run(&["rev-parse", "HEAD"]).filter(|s| !s.is_empty());
    let dirty =
        rev.as_ref().and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"])).map(|s| !s.is_empty());
    (rev, dirty)
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

/// Writes the manifest atomically as pretty JSON.
pub fn write(path: &Path, manifest: &Manifest) -> Result<()> {
    write_atomic(path, |w| {
        serde_json::to_writer_pretty(&mut *w, manifest).map_err(std::io::Error::other)?;
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
}
