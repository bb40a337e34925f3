//! SLURM job scripts for a sharded sweep (docs/cluster.md): an array job whose task K runs
//! piece K of N (`regpath sweep … --shard slurm`), a merge job that runs after the whole array
//! succeeded (`--dependency=afterok`), and a `submit.sh` that submits both.
//!
//! Layout under `DIR/slurm/`: `array.sbatch`, `merge.sbatch`, `submit.sh`, `jobs` (the job ids
//! of the last submission) and `logs/` (`%A_%a.{out,err}` for array tasks,
//! `merge_%j.{out,err}` for the merge).
//!
//! On the cluster, each array task finds its piece in its environment ([`array_shard`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use regpath_datagen::io::atomic::write_atomic;

use crate::sweep::Shard;

/// Folder of the scripts inside the sweep's output directory.
pub const SLURM_DIR: &str = "slurm";

/// What the job scripts run and with which resources.
#[derive(Clone, Debug)]
pub struct SlurmJob {
    /// The `regpath` binary, absolute.
    pub regpath: PathBuf,
    /// The sweep configuration, absolute (`None`: the built-in default sweep).
    pub config: Option<PathBuf>,
    /// The sweep's output directory, absolute (a shared filesystem).
    pub out: PathBuf,
    /// Working directory of the jobs (where `regpath slurm` ran), absolute.
    pub workdir: PathBuf,
    /// Number of pieces (array tasks).
    pub shards: usize,
    /// `--time` of each array task (and of the merge), `HH:MM:SS` or any SLURM time format.
    pub time: Option<String>,
    /// `--mem` of each array task, e.g. `4G`.
    pub mem: Option<String>,
    /// `--cpus-per-task` of each array task; the piece runs that many threads.
    pub cpus: usize,
    /// `--partition`.
    pub partition: Option<String>,
    /// Further `#SBATCH` arguments, verbatim (e.g. `--account=abc`).
    pub extra: Vec<String>,
    /// Job name.
    pub name: String,
    /// Draw the figures in the merge job.
    pub plot: bool,
}

/// Quotes a word for a POSIX shell (single quotes; embedded quotes closed and escaped).
pub fn shell_quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c)) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

fn quote_path(path: &Path) -> String {
    shell_quote(&path.to_string_lossy())
}

impl SlurmJob {
    /// The folder of the scripts.
    pub fn dir(&self) -> PathBuf {
        self.out.join(SLURM_DIR)
    }

    /// `#SBATCH` lines shared by both scripts.
    fn common_directives(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(t) = &self.time {
            lines.push(format!("#SBATCH --time={t}"));
        }
        if let Some(p) = &self.partition {
            lines.push(format!("#SBATCH --partition={p}"));
        }
        lines.extend(self.extra.iter().map(|a| format!("#SBATCH {a}")));
        lines
    }

    /// The array job: task K runs piece K of N.
    pub fn array_script(&self) -> String {
        let logs = self.dir().join("logs");
        let mut s = String::from("#!/bin/bash\n");
        s.push_str("# Written by `regpath slurm`: array task K runs piece K of N of the sweep (finished tasks\n");
        s.push_str("# are skipped, so resubmitting the array reruns only what failed or was cancelled).\n");
        s.push_str(&format!("#SBATCH --job-name={}\n", self.name));
        s.push_str(&format!("#SBATCH --array=1-{}\n", self.shards));
        s.push_str("#SBATCH --ntasks=1\n");
        s.push_str(&format!("#SBATCH --cpus-per-task={}\n", self.cpus));
        if let Some(m) = &self.mem {
            s.push_str(&format!("#SBATCH --mem={m}\n"));
        }
        for line in self.common_directives() {
            s.push_str(&line);
            s.push('\n');
        }
        s.push_str(&format!("#SBATCH --output={}\n", logs.join("%A_%a.out").display()));
        s.push_str(&format!("#SBATCH --error={}\n", logs.join("%A_%a.err").display()));
        s.push_str("set -euo pipefail\n");
        s.push_str(&format!("cd {}\n", quote_path(&self.workdir)));
        let config = self.config.as_ref().map(|c| format!(" {}", quote_path(c))).unwrap_or_default();
        s.push_str(&format!(
            "exec {} sweep{config} --out {} --shard slurm --threads \"${{SLURM_CPUS_PER_TASK:-{}}}\"\n",
            quote_path(&self.regpath),
            quote_path(&self.out),
            self.cpus
        ));
        s
    }

    /// The merge job (submitted with `--dependency=afterok:<array>`).
    pub fn merge_script(&self) -> String {
        let logs = self.dir().join("logs");
        let mut s = String::from("#!/bin/bash\n");
        s.push_str("# Written by `regpath slurm`: assembles the tables once every array task succeeded.\n");
        s.push_str(&format!("#SBATCH --job-name={}-merge\n", self.name));
        s.push_str("#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
        // a failed or cancelled array task makes the dependency unsatisfiable: drop the merge
        s.push_str("#SBATCH --kill-on-invalid-dep=yes\n");
        for line in self.common_directives() {
            s.push_str(&line);
            s.push('\n');
        }
        s.push_str(&format!("#SBATCH --output={}\n", logs.join("merge_%j.out").display()));
        s.push_str(&format!("#SBATCH --error={}\n", logs.join("merge_%j.err").display()));
        s.push_str("set -euo pipefail\n");
        s.push_str(&format!("cd {}\n", quote_path(&self.workdir)));
        let plot = if self.plot { " --plot" } else { "" };
        s.push_str(&format!("exec {} merge {}{plot}\n", quote_path(&self.regpath), quote_path(&self.out)));
        s
    }

    /// `submit.sh`: submits the array, then the merge depending on it; prints and records both ids.
    pub fn submit_script(&self) -> String {
        let dir = quote_path(&self.dir());
        format!(
            "#!/bin/bash\n\
             # Written by `regpath slurm`: submits the array job, then the merge job that runs once\n\
             # every array task has succeeded. Run it again to rerun failed or cancelled pieces.\n\
             set -euo pipefail\n\
             cd {dir}\n\
             array=$(sbatch --parsable array.sbatch)\n\
             array=${{array%%;*}}\n\
             merge=$(sbatch --parsable --dependency=afterok:\"$array\" merge.sbatch)\n\
             merge=${{merge%%;*}}\n\
             printf 'array %s\\nmerge %s\\n' \"$array\" \"$merge\" > jobs.tmp && mv jobs.tmp jobs\n\
             echo \"submitted array job $array ({} tasks) and merge job $merge\" >&2\n",
            self.shards
        )
    }

    /// Writes the three scripts (atomically, executable) and creates `logs/`; returns their paths.
    pub fn write(&self) -> Result<Vec<PathBuf>> {
        let dir = self.dir();
        let logs = dir.join("logs");
        fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
        let files = [
            (dir.join("array.sbatch"), self.array_script()),
            (dir.join("merge.sbatch"), self.merge_script()),
            (dir.join("submit.sh"), self.submit_script()),
        ];
        for (path, text) in &files {
            write_atomic(path, |w| std::io::Write::write_all(w, text.as_bytes()))
                .with_context(|| format!("cannot write {}", path.display()))?;
            make_executable(path)?;
        }
        Ok(files.into_iter().map(|(p, _)| p).collect())
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}

/// The job ids of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The array job.
    pub array: String,
    /// The merge job.
    pub merge: String,
}

/// Runs `DIR/slurm/submit.sh` and reads the job ids it recorded in `DIR/slurm/jobs`.
pub fn submit(slurm_dir: &Path) -> Result<Submitted> {
    let script = slurm_dir.join("submit.sh");
    let status = Command::new("bash")
        .arg(&script)
        .status()
        .with_context(|| format!("cannot run {} (is bash installed?)", script.display()))?;
    if !status.success() {
        bail!("{} failed ({status}): is SLURM's sbatch available and the cluster up?", script.display());
    }
    read_jobs(slurm_dir)
}

/// Reads `DIR/slurm/jobs` (`array <id>` and `merge <id>` lines).
pub fn read_jobs(slurm_dir: &Path) -> Result<Submitted> {
    let path = slurm_dir.join("jobs");
    let text = fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let find = |key: &str| {
        text.lines()
            .filter_map(|l| l.split_once(' '))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim().to_string())
            .with_context(|| format!("{} has no `{key}` line", path.display()))
    };
    Ok(Submitted { array: find("array")?, merge: find("merge")? })
}

/// The piece of a sweep (`--shard slurm`) that the current SLURM array task runs, from its
/// environment (`var`: `std::env::var`, or a table in tests): K = `SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` + 1,
/// N = `SLURM_ARRAY_TASK_COUNT`. Refuses a stepped array (`SLURM_ARRAY_TASK_STEP` ≠ 1) and a
/// non-contiguous one (`MAX − MIN + 1 ≠ COUNT`, e.g. `--array=1,3,8`), where ids would not
/// map one-to-one onto pieces.
pub fn array_shard(var: impl Fn(&str) -> Option<String>) -> Result<Shard> {
    let get = |name: &str| -> Result<usize> {
        let value = var(name).with_context(|| {
            format!("--shard slurm: {name} is not set (run it as a task of a SLURM job array: sbatch --array=1-N)")
        })?;
        value.trim().parse::<usize>().with_context(|| format!("--shard slurm: {name}={value} is not a whole number"))
    };
    let (id, min, max, count) = (
        get("SLURM_ARRAY_TASK_ID")?,
        get("SLURM_ARRAY_TASK_MIN")?,
        get("SLURM_ARRAY_TASK_MAX")?,
        get("SLURM_ARRAY_TASK_COUNT")?,
    );
    if let Some(step) = var("SLURM_ARRAY_TASK_STEP")
        && step.trim() != "1"
    {
        bail!("--shard slurm: the array has step {step}; submit a contiguous array without a step (--array=1-N)");
    }
    if max < min || max - min + 1 != count {
        bail!("--shard slurm: the array is not contiguous (ids {min}..{max} but {count} tasks); submit --array=1-N");
    }
    if id < min || id > max {
        bail!("--shard slurm: SLURM_ARRAY_TASK_ID={id} is outside {min}..{max}");
    }
    Ok(Shard { k: id - min + 1, n: count })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn slurm_array_ids_map_to_pieces() {
        let base = [("SLURM_ARRAY_TASK_MIN", "5"), ("SLURM_ARRAY_TASK_MAX", "8"), ("SLURM_ARRAY_TASK_COUNT", "4")];
        let mut vars = base.to_vec();
        vars.push(("SLURM_ARRAY_TASK_ID", "7"));
        assert_eq!(array_shard(env(&vars)).unwrap(), Shard { k: 3, n: 4 });
        vars.push(("SLURM_ARRAY_TASK_STEP", "1"));
        assert_eq!(array_shard(env(&vars)).unwrap(), Shard { k: 3, n: 4 });
    }

    #[test]
    fn slurm_refuses_stepped_noncontiguous_and_missing() {
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "7"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ];
        let err = array_shard(env(&stepped)).unwrap_err().to_string();
        assert!(err.contains("step 2"), "{err}");
        let sparse = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "8"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        let err = array_shard(env(&sparse)).unwrap_err().to_string();
        assert!(err.contains("not contiguous"), "{err}");
        let err = array_shard(env(&[])).unwrap_err().to_string();
        assert!(err.contains("SLURM_ARRAY_TASK_ID is not set"), "{err}");
    }

    fn job() -> SlurmJob {
        SlurmJob {
            regpath: "/opt/regpath/bin/regpath".into(),
            config: Some("/home/me/study it.toml".into()),
            out: "/shared/out".into(),
            workdir: "/home/me".into(),
            shards: 8,
            time: Some("02:00:00".into()),
            mem: Some("4G".into()),
            cpus: 4,
            partition: Some("short".into()),
            extra: vec!["--account=lab".into()],
            name: "regpath-study".into(),
            plot: true,
        }
    }

    #[test]
    fn array_script_runs_piece_k_of_n() {
        let s = job().array_script();
        for line in [
            "#SBATCH --array=1-8",
            "#SBATCH --cpus-per-task=4",
            "#SBATCH --mem=4G",
            "#SBATCH --time=02:00:00",
            "#SBATCH --partition=short",
            "#SBATCH --account=lab",
            "#SBATCH --output=/shared/out/slurm/logs/%A_%a.out",
            "#SBATCH --error=/shared/out/slurm/logs/%A_%a.err",
            "exec /opt/regpath/bin/regpath sweep '/home/me/study it.toml' --out /shared/out --shard slurm --threads \"${SLURM_CPUS_PER_TASK:-4}\"",
        ] {
            assert!(s.lines().any(|l| l == line), "missing {line:?} in\n{s}");
        }
        // every directive precedes the first command (sbatch stops reading them there)
        let first_command = s.lines().position(|l| !l.starts_with('#')).unwrap();
        assert!(s.lines().skip(first_command).all(|l| !l.starts_with("#SBATCH")));
    }

    #[test]
    fn merge_script_depends_and_plots() {
        let s = job().merge_script();
        assert!(s.contains("exec /opt/regpath/bin/regpath merge /shared/out --plot\n"), "{s}");
        assert!(s.contains("#SBATCH --output=/shared/out/slurm/logs/merge_%j.out"), "{s}");
        assert!(s.contains("--kill-on-invalid-dep=yes"));
        assert!(!s.contains("--mem"), "the merge needs no per-piece memory");
        let submit = job().submit_script();
        assert!(submit.contains("--dependency=afterok:\"$array\" merge.sbatch"), "{submit}");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a/b-c.toml"), "/a/b-c.toml");
        assert_eq!(shell_quote("it's here"), r"'it'\''s here'");
        assert_eq!(shell_quote(""), "''");
    }
}
