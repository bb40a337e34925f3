//! The sweep's verdict tables (`comparison.csv` statistics, `pairwise.csv`, `ranks.csv`,
//! `selection.csv`) recomputed independently from the per-replicate rows the sweep writes
//! (`summary.csv`, and `coefs.csv` for the chosen supports), with the formulas written out here:
//! Student t in closed form for 5 degrees of freedom, the exact signed-rank distribution by
//! enumeration, Friedman's statistic with its χ²₂ tail `e^{−x/2}`, Demšar's table for q₀.₀₅.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::Path;

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};

/// Two datasets with a truth, three configurations, six replicates (so t has 5 d.f.).
const CONFIG: &str = r#"
seed = 11

[[datasets]]
family = "toeplitz"
n = 70
p = 30
rho = [0.3, 0.8]
k = 5
snr = 2.0
replicates = 6

[[penalties]]
penalty = "lasso"
[[penalties]]
penalty = "enet"
l1_ratio = 0.5
[[penalties]]
penalty = "mcp"

[grid]
n_alphas = 15
eps = 0.02
"#;

const REPLICATES: usize = 6;
/// `t_{5, 0.975}` (scipy.stats.t.ppf(0.975, 5)).
const T_975_DF5: f64 = 2.570_581_835_636_314;
/// Nemenyi `q_0.05` for k = 3 (Demšar 2006, Table 5a, three digits).
const Q05_K3: f64 = 2.343;

type Row = HashMap<String, String>;

fn read(path: &Path) -> Vec<Row> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records().map(|rec| header.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect()
}

fn num(row: &Row, col: &str) -> Option<f64> {
    let v = row.get(col).unwrap_or_else(|| panic!("no column {col}"));
    (!v.is_empty()).then(|| v.parse().unwrap_or_else(|_| panic!("{col} = {v:?}")))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs())), "{what}: {a} vs {b}");
}

fn close_opt(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b, what),
        (None, None) => {}
        _ => panic!("{what}: {a:?} vs {b:?}"),
    }
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn sd(x: &[f64]) -> f64 {
    let m = mean(x);
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// Two-sided p-value of Student t with 5 degrees of freedom: with θ = atan(|t|/√5),
/// `P(|T| > |t|) = 1 − (2/π)(θ + sin θ (cos θ + (2/3) cos³ θ))`.
fn t_two_sided_df5(t: f64) -> f64 {
    let th = (t.abs() / 5f64.sqrt()).atan();
    let c = th.cos();
    1.0 - 2.0 / std::f64::consts::PI * (th + th.sin() * (c + 2.0 / 3.0 * c.powi(3)))
}

/// Holm's adjusted p-values.
fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (i, &k) in order.iter().enumerate() {
        running = running.max(((m - i) as f64 * p[k]).min(1.0));
        out[k] = running;
    }
    // ties get the same value whatever their order
    for i in 0..m {
        for j in 0..m {
            if p[i] == p[j] {
                out[i] = out[i].max(out[j]);
            }
        }
    }
    out
}

/// Mid-ranks (1-based) of `x` in increasing order.
fn midranks(x: &[f64]) -> Vec<f64> {
    x.iter()
        .map(|&v| {
            let below = x.iter().filter(|&&w| w < v).count() as f64;
            let equal = x.iter().filter(|&&w| w == v).count() as f64;
            below + (equal + 1.0) / 2.0
        })
        .collect()
}

/// Wilcoxon signed-rank, two-sided, zero differences dropped, by enumerating every sign pattern
/// of the (mid-)ranks: `min(1, 2 min(P(S ≤ w), P(S ≥ w)))`.
fn wilcoxon(d: &[f64]) -> f64 {
    let nz: Vec<f64> = d.iter().copied().filter(|v| *v != 0.0).collect();
    if nz.is_empty() {
        return 1.0;
    }
    let ranks = midranks(&nz.iter().map(|v| v.abs()).collect::<Vec<_>>());
    let w: f64 = nz.iter().zip(&ranks).filter(|(v, _)| **v > 0.0).map(|(_, r)| r).sum();
    let m = nz.len();
    let (mut le, mut ge) = (0u32, 0u32);
    for mask in 0u32..(1 << m) {
        let s: f64 = (0..m).filter(|i| mask & (1 << i) != 0).map(|i| ranks[i]).sum();
        le += (s <= w + 1e-9) as u32;
        ge += (s >= w - 1e-9) as u32;
    }
    let total = f64::from(1u32 << m);
    (2.0 * (f64::from(le) / total).min(f64::from(ge) / total)).min(1.0)
}

/// Ranks, 1 = largest, ties averaged.
fn ranks_desc(x: &[f64]) -> Vec<f64> {
    midranks(&x.iter().map(|v| -v).collect::<Vec<_>>())
}

fn jaccard(a: &BTreeSet<usize>, b: &BTreeSet<usize>) -> f64 {
    let union = a.union(b).count();
    if union == 0 { 1.0 } else { a.intersection(b).count() as f64 / union as f64 }
}

#[test]
fn verdict_tables_match_an_independent_recomputation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let mut config = SweepConfig::from_toml(CONFIG, None).unwrap();
    // keep every task's coefficients: the chosen supports are recomputed from coefs.csv
    let ids: Vec<String> = ["toeplitz_n70_p30_rho0.3_k5_snr2", "toeplitz_n70_p30_rho0.8_k5_snr2"]
        .iter()
        .flat_map(|d| {
            ["lasso", "enet_r0.5", "mcp_g3"]
                .iter()
                .flat_map(move |c| (0..REPLICATES).map(move |r| format!("{d}__{c}__r{r}")))
        })
        .collect();
    config.plot.coef_paths = Some(ids);
    config.validate().unwrap();
    let done = run_sweep(&config, &RunOptions { out: out.clone(), threads: Some(2), plot: true, ..Default::default() })
        .unwrap();
    assert!(done.complete);

    let summary = read(&out.join("summary.csv"));
    assert_eq!(summary.len(), 2 * 3 * REPLICATES);
    let config_of = |s: &Row| {
        let id = &s["task_id"];
        let rest = id.strip_prefix(&format!("{}__", s["dataset"])).unwrap();
        rest.rsplit_once("__r").unwrap().0.to_string()
    };
    // (dataset, configuration) → per replicate the summary row
    let mut groups: BTreeMap<(String, String), BTreeMap<usize, &Row>> = BTreeMap::new();
    for s in &summary {
        let r: usize = s["replicate"].parse().unwrap();
        groups.entry((s["dataset"].clone(), config_of(s))).or_default().insert(r, s);
    }
    assert_eq!(groups.len(), 6);
    assert!(groups.values().all(|g| g.len() == REPLICATES));
    let values = |key: &(String, String), col: &str| -> Vec<f64> {
        groups[key].values().map(|s| num(s, col).unwrap()).collect()
    };

    // chosen supports from coefs.csv at each task's chosen alpha
    let coefs = read(&out.join("coefs.csv"));
    let mut supports: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for s in &summary {
        supports.insert(s["task_id"].clone(), BTreeSet::new());
    }
    for c in &coefs {
        let s = summary.iter().find(|s| s["task_id"] == c["task_id"]).unwrap();
        if c["alpha_index"] == s["chosen_alpha_index"] && num(c, "coef").unwrap() != 0.0 {
            supports.get_mut(&c["task_id"]).unwrap().insert(c["feature"].parse().unwrap());
        }
    }

    // comparison.csv: mean, sd, 95 % t-interval of every metric; Jaccard stability
    let comparison = read(&out.join("comparison.csv"));
    assert_eq!(comparison.len(), 6);
    for row in &comparison {
        let key = (row["dataset"].clone(), row["configuration"].clone());
        assert_eq!(row["replicates"], REPLICATES.to_string());
        for (metric, col) in [
            ("test_r2", "chosen_test_r2"),
            ("test_mse", "chosen_test_mse"),
            ("nnz", "chosen_nnz"),
            ("f1", "chosen_f1"),
            ("precision", "chosen_precision"),
            ("recall", "chosen_recall"),
            ("coef_error", "chosen_coef_error"),
            ("full_passes", "path_full_passes"),
        ] {
            let x = values(&key, col);
            let (m, s) = (mean(&x), sd(&x));
            let half = T_975_DF5 * s / (REPLICATES as f64).sqrt();
            close(num(row, &format!("{metric}_mean")).unwrap(), m, &format!("{key:?} {metric}_mean"));
            close(num(row, &format!("{metric}_sd")).unwrap(), s, &format!("{key:?} {metric}_sd"));
            close(num(row, &format!("{metric}_ci_low")).unwrap(), m - half, &format!("{key:?} {metric}_ci_low"));
            close(num(row, &format!("{metric}_ci_high")).unwrap(), m + half, &format!("{key:?} {metric}_ci_high"));
        }
        for timing in ["path_time_s", "cv_time_s"] {
            for stat in ["mean", "sd", "ci_low", "ci_high"] {
                assert!(num(row, &format!("{timing}_{stat}")).is_some(), "{timing}_{stat}");
            }
        }
        let sets: Vec<&BTreeSet<usize>> = groups[&key].values().map(|s| &supports[&s["task_id"]]).collect();
        let mut pairs = Vec::new();
        for i in 0..sets.len() {
            for j in i + 1..sets.len() {
                pairs.push(jaccard(sets[i], sets[j]));
            }
        }
        close(num(row, "support_jaccard").unwrap(), mean(&pairs), &format!("{key:?} support_jaccard"));
    }

    // pairwise.csv: paired t, Holm, Wilcoxon over the shared replicates
    let pairwise = read(&out.join("pairwise.csv"));
    let metrics =
        [("test_r2", "chosen_test_r2"), ("test_mse", "chosen_test_mse"), ("nnz", "chosen_nnz"), ("f1", "chosen_f1")];
    // 2 datasets × 4 metrics × 3 pairs
    assert_eq!(pairwise.len(), 2 * 4 * 3);
    let mut p_by_block: BTreeMap<(String, String), Vec<(usize, f64)>> = BTreeMap::new();
    for (k, row) in pairwise.iter().enumerate() {
        let col = metrics.iter().find(|(m, _)| *m == row["metric"]).unwrap().1;
        let (a, b) = ((row["dataset"].clone(), row["a"].clone()), (row["dataset"].clone(), row["b"].clone()));
        let d: Vec<f64> = values(&b, col).iter().zip(values(&a, col)).map(|(vb, va)| vb - va).collect();
        let what = format!("{} {} {} vs {}", row["dataset"], row["metric"], row["a"], row["b"]);
        assert_eq!(row["n_pairs"], REPLICATES.to_string(), "{what}");
        let (m, s) = (mean(&d), sd(&d));
        close(num(row, "mean_diff").unwrap(), m, &what);
        let half = T_975_DF5 * s / (REPLICATES as f64).sqrt();
        if s > 0.0 {
            close(num(row, "ci_low").unwrap(), m - half, &what);
            close(num(row, "ci_high").unwrap(), m + half, &what);
            let p = t_two_sided_df5(m / (s / (REPLICATES as f64).sqrt()));
            assert!((num(row, "p_value").unwrap() - p).abs() < 1e-9, "{what}: p {} vs {p}", row["p_value"]);
        } else {
            // constant differences: p = 1 when all are zero, 0 otherwise
            assert_eq!(num(row, "p_value").unwrap(), if m == 0.0 { 1.0 } else { 0.0 }, "{what}");
        }
        let pw = wilcoxon(&d);
        assert!((num(row, "p_wilcoxon").unwrap() - pw).abs() < 1e-12, "{what}: wilcoxon {} vs {pw}", row["p_wilcoxon"]);
        p_by_block
            .entry((row["dataset"].clone(), row["metric"].clone()))
            .or_default()
            .push((k, num(row, "p_value").unwrap()));
    }
    for block in p_by_block.values() {
        let p: Vec<f64> = block.iter().map(|(_, p)| *p).collect();
        for ((k, _), adjusted) in block.iter().zip(holm(&p)) {
            close(num(&pairwise[*k], "p_holm").unwrap(), adjusted, "p_holm");
        }
    }

    // ranks.csv: rank by mean test R² per dataset, average ranks, Friedman, Nemenyi CD
    let ranks = read(&out.join("ranks.csv"));
    let datasets: Vec<String> = {
        let mut d: Vec<String> = summary.iter().map(|s| s["dataset"].clone()).collect();
        d.dedup();
        d
    };
    let configs = ["lasso", "enet_r0.5", "mcp_g3"];
    let mut per_dataset: Vec<Vec<f64>> = Vec::new();
    for d in &datasets {
        let means: Vec<f64> =
            configs.iter().map(|c| mean(&values(&(d.clone(), c.to_string()), "chosen_test_r2"))).collect();
        let r = ranks_desc(&means);
        for (j, c) in configs.iter().enumerate() {
            let row = ranks
                .iter()
                .find(|x| x["scope"] == "dataset" && &x["dataset"] == d && x["configuration"] == *c)
                .unwrap();
            assert_eq!(row["metric"], "test_r2");
            close(num(row, "mean").unwrap(), means[j], "rank mean");
            assert_eq!(num(row, "rank").unwrap(), r[j], "{d} {c}");
        }
        per_dataset.push(r);
    }
    let (n, k) = (datasets.len() as f64, configs.len() as f64);
    let rank_sums: Vec<f64> = (0..configs.len()).map(|j| per_dataset.iter().map(|r| r[j]).sum()).collect();
    let ties: f64 = per_dataset
        .iter()
        .map(|r| {
            let mut counts: BTreeMap<u64, f64> = BTreeMap::new();
            for v in r {
                *counts.entry(v.to_bits()).or_default() += 1.0;
            }
            counts.values().map(|t| t * t * t - t).sum::<f64>()
        })
        .sum();
    let c = 1.0 - ties / (n * k * (k * k - 1.0));
    let chi2 = (12.0 / (n * k * (k + 1.0)) * rank_sums.iter().map(|r| r * r).sum::<f64>() - 3.0 * n * (k + 1.0)) / c;
    let cd = Q05_K3 * (k * (k + 1.0) / (6.0 * n)).sqrt();
    for (j, cfg) in configs.iter().enumerate() {
        let row = ranks.iter().find(|x| x["scope"] == "average" && x["configuration"] == *cfg).unwrap();
        close(num(row, "rank").unwrap(), rank_sums[j] / n, "average rank");
        assert_eq!(row["datasets"], "2");
        close_opt(num(row, "friedman_chi2"), Some(chi2), "friedman_chi2");
        close_opt(num(row, "friedman_p"), Some((-chi2 / 2.0).exp()), "friedman_p");
        assert!((num(row, "nemenyi_cd").unwrap() - cd).abs() < 1e-3 * cd, "CD {} vs {cd}", row["nemenyi_cd"]);
    }

    // selection.csv: each feature's frequency in the chosen supports
    let selection = read(&out.join("selection.csv"));
    let mut expected_rows = 0;
    for (key, reps) in &groups {
        let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
        for s in reps.values() {
            for &j in &supports[&s["task_id"]] {
                *counts.entry(j).or_default() += 1;
            }
        }
        expected_rows += counts.len().min(50);
        for row in selection.iter().filter(|x| x["dataset"] == key.0 && x["configuration"] == key.1) {
            let j: usize = row["feature"].parse().unwrap();
            assert_eq!(row["selected"], counts[&j].to_string(), "{key:?} feature {j}");
            close(num(row, "frequency").unwrap(), counts[&j] as f64 / REPLICATES as f64, "frequency");
        }
    }
    assert_eq!(selection.len(), expected_rows);

    // path.csv: objective per alpha, non-increasing along each path (as alpha decreases)
    let path = read(&out.join("path.csv"));
    let mut last: HashMap<String, f64> = HashMap::new();
    for row in &path {
        let obj = num(row, "objective").unwrap();
        assert!(obj.is_finite() && obj >= 0.0);
        if let Some(prev) = last.insert(row["task_id"].clone(), obj) {
            assert!(obj <= prev * (1.0 + 1e-5), "{}: objective {obj} after {prev}", row["task_id"]);
        }
        assert!(num(row, "certificate").unwrap() <= 1e-6);
    }

    // figures: summary with CIs, critical difference (2 datasets), error vs nnz with the null model
    let figures = out.join("figures");
    for f in ["summary__test_r2.svg", "critical_difference.svg"] {
        let svg = fs::read_to_string(figures.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(svg.contains("<svg"), "{f}");
    }
    let cd_svg = fs::read_to_string(figures.join("critical_difference.svg")).unwrap();
    assert!(cd_svg.contains("CD = ") && configs.iter().all(|c| cd_svg.contains(c)));
    let nnz_svg = fs::read_to_string(figures.join(format!("error_vs_nnz__{}.svg", datasets[0]))).unwrap();
    assert!(nnz_svg.contains("nnz = 0") && nnz_svg.contains("one replicate"));
}

/// Rewrites a CSV file without the columns `drop` selects.
fn drop_columns(path: &Path, drop: impl Fn(&str) -> bool) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len()).filter(|&i| !drop(&header[i])).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(keep.iter().map(|&i| &header[i])).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        w.write_record(keep.iter().map(|&i| &rec[i])).unwrap();
    }
    fs::write(path, w.into_inner().unwrap()).unwrap();
}

/// `regpath plot` still draws a sweep written before these columns existed (no `objective` in
/// path.csv, no intervals or configuration ids in comparison.csv, no verdict tables).
#[test]
fn figures_of_an_earlier_sweep_are_still_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("old");
    let config = SweepConfig::from_toml(
        "seed = 1\n[[datasets]]\nfamily = \"uniform\"\nn = 60\np = 8\nreplicates = 2\n\
         [[penalties]]\npenalty = \"lasso\"\n[[penalties]]\npenalty = \"mcp\"\n[grid]\nn_alphas = 8\n",
        None,
    )
    .unwrap();
    run_sweep(&config, &RunOptions { out: out.clone(), threads: Some(1), ..Default::default() }).unwrap();
    drop_columns(&out.join("path.csv"), |c| c == "objective");
    drop_columns(&out.join("comparison.csv"), |c| {
        c.ends_with("_ci_low") || c.ends_with("_ci_high") || c == "configuration" || c == "support_jaccard"
    });
    for t in ["pairwise.csv", "ranks.csv", "selection.csv"] {
        fs::remove_file(out.join(t)).unwrap();
    }
    let written = regpath_runner::sweep::plot::plot_dir(&out).unwrap();
    let names: Vec<String> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(names.iter().any(|n| n.starts_with("error_vs_nnz__")), "{names:?}");
    assert!(!names.iter().any(|n| n.starts_with("summary__") || n == "critical_difference.svg"), "{names:?}");
}
