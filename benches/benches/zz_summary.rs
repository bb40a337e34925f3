//! Writes `results/bench/criterion.csv` from criterion's estimates.
//!
//! This is a bench target (`harness = false`) named so that cargo runs it after the others
//! (bench targets run in alphabetical order). It times nothing: it walks the criterion
//! directory (`target/criterion`, or `$CRITERION_HOME`, or `$CARGO_TARGET_DIR/criterion`),
//! reads every `*/new/benchmark.json` and `*/new/estimates.json`, joins the path facts the
//! path benches recorded (convergence, worst certificate, full passes over X), and writes one
//! row per benchmark, sorted by id. It only writes when run by `cargo bench` (criterion's
//! `--bench` flag) without `--test`, and only when it found estimates, so neither `cargo test
//! --benches` nor the smoke run `cargo bench -- --test` replaces the committed CSV.
//!
//! Every benchmark found in the criterion directory is listed, with the time its estimates
//! were written (`measured_at`); delete `target/criterion` first for a summary of one run only.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::UNIX_EPOCH;

use regpath_benches::{FACTS_FILE, criterion_dir, threads, workspace_root};
use serde_json::Value;

/// Groups written by this package's benches; anything else in the criterion directory is
/// ignored.
const GROUPS: [&str; 5] = ["kernels", "threshold", "cd_epoch", "path", "technique"];

const HEADER: &str = "group,function,parameter,full_id,n,p,median_s,ci_lower_s,ci_upper_s,confidence_level,\
mean_s,std_dev_s,throughput_unit,throughput_per_iter,throughput_per_s,n_points,all_converged,\
worst_certificate,scan_passes,epochs,threads,git_commit,measured_at_unix";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test" || a == "--list") {
        // Test or smoke mode (`cargo test --benches`, `cargo bench -- --test`): nothing was
        // measured, so the committed summary is left alone.
        return;
    }
    let dir = criterion_dir();
    let out = workspace_root().join("results").join("bench").join("criterion.csv");
    match summarise(&dir, &out) {
        Ok(rows) => println!("zz_summary: wrote {rows} benchmarks from {} to {}", dir.display(), out.display()),
        Err(e) => {
            eprintln!("zz_summary: could not write {}: {e}", out.display());
            std::process::exit(1);
        }
    }
}

fn summarise(dir: &Path, out: &Path) -> Result<usize, String> {
    let mut found = Vec::new();
    find_new_dirs(dir, &mut found);
    let facts = read_facts(&dir.join(FACTS_FILE));
    let commit = git_commit();
    let mut rows = BTreeMap::new();
    for new_dir in found {
        if let Some((id, row)) = row_for(&new_dir, &facts, &commit) {
            rows.insert(id, row);
        }
    }
    if rows.is_empty() {
        return Err(format!("no criterion estimates under {}; the existing summary is kept", dir.display()));
    }
    let mut text = String::from(HEADER);
    text.push('\n');
    for row in rows.values() {
        text.push_str(row);
        text.push('\n');
    }
    let parent = out.parent().ok_or("output has no parent directory")?;
    fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let tmp = parent.join(".criterion.csv.tmp");
    fs::write(&tmp, text).map_err(|e| e.to_string())?;
    fs::rename(&tmp, out).map_err(|e| e.to_string())?;
    Ok(rows.len())
}

/// Every directory named `new` holding a `benchmark.json`, below `dir`.
fn find_new_dirs(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") && path.join("benchmark.json").is_file() {
            found.push(path);
        } else if path.file_name().is_none_or(|n| n != "base" && n != "report") {
            find_new_dirs(&path, found);
        }
    }
}

/// Path facts by full id: the last line recorded for each id wins.
fn read_facts(path: &Path) -> BTreeMap<String, Vec<String>> {
    let mut facts = BTreeMap::new();
    if let Ok(text) = fs::read_to_string(path) {
        for line in text.lines() {
            let fields: Vec<String> = line.split(',').map(str::to_owned).collect();
            if fields.len() == 8 {
                facts.insert(fields[0].clone(), fields[1..].to_vec());
            }
        }
    }
    facts
}

fn git_commit() -> String {
    let root = workspace_root();
    let head = Command::new("git").arg("-C").arg(&root).args(["rev-parse", "--short=12", "HEAD"]).output();
    let Ok(head) = head else { return String::new() };
    let mut id = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    let dirty = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["status", "--porcelain", "--untracked-files=no", "--", "crates", "benches", "Cargo.toml", "Cargo.lock"])
        .output()
        .is_ok_and(|o| !o.stdout.is_empty());
    if dirty && !id.is_empty() {
        id.push_str("-dirty");
    }
    id
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&fs::read_to_string(path).ok()?).ok()
}

/// One CSV row (and its sort key) for a `new` directory.
fn row_for(new_dir: &Path, facts: &BTreeMap<String, Vec<String>>, commit: &str) -> Option<(String, String)> {
    let bench = read_json(&new_dir.join("benchmark.json"))?;
    let est_path = new_dir.join("estimates.json");
    let est = read_json(&est_path)?;
    let group = bench["group_id"].as_str()?.to_owned();
    if !GROUPS.contains(&group.as_str()) {
        return None;
    }
    let function = bench["function_id"].as_str().unwrap_or("").to_owned();
    let parameter = bench["value_str"].as_str().unwrap_or("").to_owned();
    let full_id = bench["full_id"].as_str()?.to_owned();
    let ns = |stat: &str, field: &str| est[stat][field].as_f64();
    let median_ns = ns("median", "point_estimate")?;
    let ci = &est["median"]["confidence_interval"];
    let (unit, per_iter) = match &bench["throughput"] {
        Value::Object(map) => {
            map.iter().next().and_then(|(k, v)| v.as_u64().map(|v| (k.to_lowercase(), v as f64))).unwrap_or_default()
        }
        _ => (String::new(), 0.0),
    };
    let per_s = if per_iter > 0.0 { format!("{}", per_iter / (median_ns * 1e-9)) } else { String::new() };
    let measured_at = fs::metadata(&est_path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs().to_string())
        .unwrap_or_default();
    let secs = |v: Option<f64>| v.map(|v| format!("{}", v * 1e-9)).unwrap_or_default();
    // n, p, n_points, all_converged, worst_certificate, scan_passes, epochs: only for paths.
    let f = facts.get(&full_id);
    let fact = |i: usize| f.map(|f| f[i].clone()).unwrap_or_default();
    let (n, p) = (fact(0), fact(1));
    let (n, p) = if n.is_empty() { kernel_dims(&group, &parameter) } else { (n, p) };
    let path_threads = if group == "path" || group == "technique" { threads().to_string() } else { String::new() };
    let fields = [
        csv_field(&group),
        csv_field(&function),
        csv_field(&parameter),
        csv_field(&full_id),
        n,
        p,
        secs(Some(median_ns)),
        secs(ci["lower_bound"].as_f64()),
        secs(ci["upper_bound"].as_f64()),
        ci["confidence_level"].as_f64().map(|c| c.to_string()).unwrap_or_default(),
        secs(ns("mean", "point_estimate")),
        secs(ns("std_dev", "point_estimate")),
        unit,
        if per_iter > 0.0 { format!("{per_iter}") } else { String::new() },
        per_s,
        fact(2),
        fact(3),
        fact(4),
        fact(5),
        fact(6),
        path_threads,
        csv_field(commit),
        measured_at,
    ];
    Some((full_id, fields.join(",")))
}

/// n and p of the kernel benchmarks, read from their parameters (`eq_n500_p10000`, or a
/// vector length for the column kernels).
fn kernel_dims(group: &str, parameter: &str) -> (String, String) {
    match group {
        "kernels" => (parameter.to_owned(), String::new()),
        "cd_epoch" => {
            let num = |tag: &str| {
                parameter
                    .split('_')
                    .find_map(|part| part.strip_prefix(tag).filter(|d| d.chars().all(|c| c.is_ascii_digit())))
                    .unwrap_or("")
                    .to_owned()
            };
            (num("n"), num("p"))
        }
        _ => (String::new(), String::new()),
    }
}
