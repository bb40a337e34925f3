//! Issue 22, item 1: early stopping on held-out error (`[grid] patience = N`). A stopped path
//! chooses the same alpha as the full path whenever the held-out curve has no second minimum
//! more than N alphas after the first; CV folds are the full folds cut short, so the CV curve
//! is the full one over the alphas every fold reached.

use std::collections::BTreeMap;
use std::path::Path;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::tables::{SummaryRow, SweepPathRow};
use regpath_runner::sweep::{RunOptions, run_sweep};

fn sweep(text: &str, out: &Path) {
    let config = SweepConfig::from_toml(text, None).unwrap();
    let opts = RunOptions { out: out.to_path_buf(), threads: Some(2), ..RunOptions::default() };
    assert!(run_sweep(&config, &opts).unwrap().complete);
}

fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    csv::Reader::from_path(path).unwrap().deserialize().map(Result::unwrap).collect()
}

fn by_task(rows: Vec<SweepPathRow>) -> BTreeMap<String, Vec<SweepPathRow>> {
    let mut map: BTreeMap<String, Vec<SweepPathRow>> = BTreeMap::new();
    for r in rows {
        map.entry(r.task_id.clone()).or_default().push(r);
    }
    map
}

const DATA: &str = r#"
seed = 11
[[datasets]]
family = "toeplitz"
n = 300
p = 200
rho = 0.5
k = 6
snr = 2
replicates = 3
[[datasets]]
family = "genotype"
n = 300
p = 400
k = 10
h2 = 0.5
replicates = 2
[[penalties]]
penalty = "lasso"
[[penalties]]
penalty = "mcp"
[[penalties]]
penalty = "enet"
l1_ratio = 0.5
[grid]
n_alphas = 60
eps = 0.001
"#;

/// The first index at which `patience` consecutive values are not below the best so far.
fn trigger(curve: &[f64], patience: usize) -> Option<usize> {
    let (mut best, mut since) = (f64::INFINITY, 0);
    for (k, &v) in curve.iter().enumerate() {
        if v < best {
            (best, since) = (v, 0);
        } else {
            since += 1;
        }
        if since >= patience {
            return Some(k);
        }
    }
    None
}

fn argmin(curve: &[f64]) -> usize {
    (0..curve.len()).fold(0, |b, k| if curve[k] < curve[b] { k } else { b })
}

#[test]
fn validation_patience_stops_where_the_rule_says_and_keeps_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let (full, early) = (dir.path().join("full"), dir.path().join("early"));
    sweep(DATA, &full);
    let patience = 4;
    sweep(&format!("{DATA}patience = {patience}\n"), &early);
    let (fp, ep) = (by_task(read(&full.join("path.csv"))), by_task(read(&early.join("path.csv"))));
    let fs: Vec<SummaryRow> = read(&full.join("summary.csv"));
    let es: Vec<SummaryRow> = read(&early.join("summary.csv"));
    let mut stopped = 0;
    for (f, e) in fs.iter().zip(&es) {
        assert_eq!(f.task_id, e.task_id);
        let curve: Vec<f64> = fp[&f.task_id].iter().map(|r| r.validation_mse.unwrap()).collect();
        let rows = &ep[&e.task_id];
        // the stopped rows are the full path's first rows
        for (a, b) in rows.iter().zip(&fp[&f.task_id]) {
            assert_eq!((a.alpha, a.nnz, a.validation_mse), (b.alpha, b.nnz, b.validation_mse));
        }
        match trigger(&curve, patience) {
            Some(s) if s + 1 < curve.len() => {
                stopped += 1;
                assert_eq!(rows.len(), s + 1, "{}: stops right at the trigger", e.task_id);
                assert_eq!(e.stop_reason, "no_improvement");
                // no second minimum after the stop: the same choice
                if argmin(&curve) <= s {
                    assert_eq!(e.chosen_alpha_index, f.chosen_alpha_index, "{}", e.task_id);
                } else {
                    assert!(e.chosen_alpha_index < f.chosen_alpha_index);
                }
            }
            _ => {
                assert_eq!(rows.len(), curve.len());
                assert_eq!(e.chosen_alpha_index, f.chosen_alpha_index);
            }
        }
    }
    assert!(stopped >= fs.len() / 2, "only {stopped} of {} paths stopped early", fs.len());
}

#[test]
fn cv_patience_runs_the_folds_first_and_stops_the_training_path_at_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let (full, early) = (dir.path().join("full"), dir.path().join("early"));
    let cv = format!("{DATA}[evaluation]\nmethod = \"cv\"\nfolds = 4\n");
    sweep(&cv, &full);
    sweep(&cv.replace("eps = 0.001\n", "eps = 0.001\npatience = 5\n"), &early);
    let (fp, ep) = (by_task(read(&full.join("path.csv"))), by_task(read(&early.join("path.csv"))));
    let fs: Vec<SummaryRow> = read(&full.join("summary.csv"));
    let es: Vec<SummaryRow> = read(&early.join("summary.csv"));
    let mut shorter = 0;
    for (f, e) in fs.iter().zip(&es) {
        let (frows, erows) = (&fp[&f.task_id], &ep[&e.task_id]);
        // the CV curve is the full one, bit for bit, where the stopped folds reached
        for (a, b) in erows.iter().zip(frows) {
            assert_eq!((a.alpha, a.cv_mse, a.cv_se), (b.alpha, b.cv_mse, b.cv_se), "{}", e.task_id);
        }
        assert_eq!(erows.len(), e.chosen_alpha_index + 1, "{}: the training path ends at the choice", e.task_id);
        assert_eq!(e.chosen_alpha_index, f.chosen_alpha_index, "{}: unimodal CV curves, same choice", e.task_id);
        assert_eq!(e.cv1se_alpha_index, f.cv1se_alpha_index, "{}", e.task_id);
        assert_eq!(e.chosen_test_mse, f.chosen_test_mse);
        shorter += usize::from(erows.len() < frows.len());
        assert!(e.stop_reason == "no_improvement" || erows.len() == frows.len());
    }
    assert!(shorter >= fs.len() / 2, "{shorter}");
}
