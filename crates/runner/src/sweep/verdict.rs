//! The sweep's verdict (docs/sweep.md): which configuration is best, with the uncertainty of the
//! replicates.
//!
//! - `pairwise.csv`: paired comparisons of every two configurations of a dataset, replicate by
//!   replicate (replicates share their data, split and folds): paired t interval and test, Holm's
//!   adjustment over the pairs of a dataset and metric, Wilcoxon's signed-rank test;
//! - `ranks.csv`: the rank of each configuration on each dataset by its mean test R² (logistic
//!   sweeps: mean test deviance), the average rank over datasets, Friedman's test and the
//!   Nemenyi critical difference (Demšar 2006);
//! - `selection.csv`: how often each feature is in the chosen support across replicates.
//!
//! The statistics are those of [`crate::stats`] (tested against scipy and statsmodels).

use regpath_solver::DatafitKind;
use serde::{Deserialize, Serialize};

use super::tables::{CV_ERROR, SummaryRow, configuration_id, summary_metric, sweep_datafit};
use crate::stats;

/// Significance level of the Nemenyi critical difference.
pub const NEMENYI_ALPHA: f64 = 0.05;

/// Features listed per configuration in `selection.csv` (the most frequently selected).
pub const TOP_FEATURES: usize = 50;

/// One row of `pairwise.csv`: configurations `a` and `b` of one dataset compared on one metric
/// over the replicates where both have a value.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct PairwiseRow {
    /// Dataset id.
    pub dataset: String,
    /// Metric (a `comparison.csv` metric name: `test_r2`, `test_mse`, `nnz`, `f1`, …).
    pub metric: String,
    /// First configuration (earlier in plan order).
    pub a: String,
    /// Second configuration.
    pub b: String,
    /// Replicates where both have a value.
    pub n_pairs: usize,
    /// Mean difference `d̄ = (1/n) Σ (bᵢ − aᵢ)` over those replicates.
    pub mean_diff: Option<f64>,
    /// Lower end of the 95 % paired t-interval `d̄ ∓ t_{n−1, 0.975} s_d/√n`.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// Two-sided paired t-test, `t = d̄/(s_d/√n)` on `n − 1` degrees of freedom.
    pub p_value: Option<f64>,
    /// `p_value` adjusted by Holm's step-down method over the pairs of this dataset and metric.
    pub p_holm: Option<f64>,
    /// Two-sided Wilcoxon signed-rank test on the same differences (exact for small `n`).
    pub p_wilcoxon: Option<f64>,
}

/// One row of `ranks.csv`.
///
/// `scope = dataset` rows: a configuration's mean `metric` over the replicates of one dataset and
/// its rank among the configurations there (1 = best, ties averaged). `scope = average` rows
/// (empty `dataset`): its average rank over the datasets `R_j = (1/N) Σᵢ r_ij`, with Friedman's
/// `χ²_F` and p-value and the Nemenyi critical difference `CD = q_0.05 √(k(k+1)/(6N))` (equal on
/// every average row; empty for fewer than 2 datasets).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RankRow {
    /// `dataset` or `average`.
    pub scope: String,
    /// Dataset id (empty for `average`).
    pub dataset: String,
    /// Configuration id.
    pub configuration: String,
    /// The ranking metric: `test_r2` (higher is better) or, for logistic sweeps, `test_deviance`
    /// (lower is better).
    pub metric: String,
    /// Mean of the metric over the dataset's replicates (`dataset` rows).
    pub mean: Option<f64>,
    /// Rank (`dataset` rows) or average rank (`average` rows).
    pub rank: f64,
    /// Datasets ranked (N).
    pub datasets: usize,
    /// Friedman statistic `χ²_F` over the datasets (`average` rows).
    pub friedman_chi2: Option<f64>,
    /// Its p-value, `P(χ²_{k−1} > χ²_F)`.
    pub friedman_p: Option<f64>,
    /// Nemenyi critical difference of average ranks at α = 0.05.
    pub nemenyi_cd: Option<f64>,
}

/// One row of `selection.csv`: a feature of the chosen supports of one configuration.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SelectionRow {
    /// Dataset id.
    pub dataset: String,
    /// Configuration id.
    pub configuration: String,
    /// 0-based column of X.
    pub feature: usize,
    /// Replicates whose chosen support contains it.
    pub selected: usize,
    /// Replicates with a recorded support.
    pub replicates: usize,
    /// `selected / replicates`.
    pub frequency: f64,
}

/// The datafit of the sweep's tasks (a sweep has one).
fn datafit_of(summary: &[SummaryRow]) -> DatafitKind {
    sweep_datafit(summary.iter().map(|s| s.datafit.as_str()))
}

/// Whether the sweep has no test part (`evaluation.test = 0` with CV): no task scored a test
/// sample, so every test metric is empty.
pub fn has_no_test(summary: &[SummaryRow]) -> bool {
    !summary.is_empty() && summary.iter().all(|s| s.n_test == 0 && s.chosen_test_mse.is_none())
}

/// The metric that ranks configurations and whether higher is better: the datafit's
/// [`DatafitKind::ranking_metric`], mean test R² (scale-free: each replicate's error relative
/// to its own test variance), or for logistic sweeps the mean test binomial deviance (the
/// criterion that chose alpha). Without a test part ([`has_no_test`]): the CV error at the
/// chosen alpha, `cv_error` (lower is better; see [`summary_metric`]).
pub fn rank_metric(summary: &[SummaryRow]) -> (&'static str, bool) {
    if has_no_test(summary) { (CV_ERROR, false) } else { datafit_of(summary).ranking_metric() }
}

/// The metrics compared pairwise: the datafit's [`DatafitKind::compared_metrics`] (test R² and
/// MSE; logistic: deviance and AUC), nnz and F1; without a test part, the CV error at the
/// chosen alpha (`cv_error`), nnz and F1.
pub fn pairwise_metrics(summary: &[SummaryRow]) -> Vec<&'static str> {
    if has_no_test(summary) {
        vec![CV_ERROR, "nnz", "f1"]
    } else {
        let [first, second] = datafit_of(summary).compared_metrics();
        vec![first, second, "nnz", "f1"]
    }
}

/// Items in order of first appearance.
fn distinct<T: PartialEq + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Per replicate, the metric of one configuration on one dataset.
fn by_replicate(summary: &[SummaryRow], dataset: &str, config: &str, metric: &str) -> Vec<(usize, f64)> {
    summary
        .iter()
        .filter(|s| s.dataset == dataset && configuration_id(s) == config)
        .filter_map(|s| summary_metric(s, metric).map(|v| (s.replicate, v)))
        .collect()
}

/// `pairwise.csv`: for each dataset, metric of [`pairwise_metrics`] (skipped when no
/// configuration has a value, e.g. F1 without a truth) and pair of configurations (`a` before
/// `b` in plan order), the paired statistics of `b − a` over the shared replicates
/// ([`stats::paired_t`], [`stats::holm`], [`stats::wilcoxon_signed_rank`]).
pub fn pairwise(summary: &[SummaryRow]) -> Vec<PairwiseRow> {
    let mut rows = Vec::new();
    for dataset in distinct(summary.iter().map(|s| s.dataset.as_str())) {
        let configs = distinct(summary.iter().filter(|s| s.dataset == dataset).map(configuration_id));
        for metric in pairwise_metrics(summary) {
            let values: Vec<Vec<(usize, f64)>> =
                configs.iter().map(|c| by_replicate(summary, dataset, c, metric)).collect();
            if values.iter().all(Vec::is_empty) {
                continue;
            }
            let first = rows.len();
            for i in 0..configs.len() {
                for j in i + 1..configs.len() {
                    let (a, b): (Vec<f64>, Vec<f64>) = values[i]
                        .iter()
                        .filter_map(|&(r, va)| values[j].iter().find(|(q, _)| *q == r).map(|&(_, vb)| (va, vb)))
                        .unzip();
                    let t = stats::paired_t(&a, &b);
                    rows.push(PairwiseRow {
                        dataset: dataset.to_string(),
                        metric: metric.to_string(),
                        a: configs[i].clone(),
                        b: configs[j].clone(),
                        n_pairs: t.n_pairs,
                        mean_diff: finite(t.mean_diff),
                        ci_low: finite(t.ci_low),
                        ci_high: finite(t.ci_high),
                        p_value: finite(t.p_value),
                        p_holm: None,
                        p_wilcoxon: finite(stats::wilcoxon_signed_rank(&a, &b)),
                    });
                }
            }
            // Holm over the pairs of this dataset and metric that have a p-value
            let tested: Vec<usize> = (first..rows.len()).filter(|&k| rows[k].p_value.is_some()).collect();
            let p: Vec<f64> = tested.iter().filter_map(|&k| rows[k].p_value).collect();
            for (&k, adjusted) in tested.iter().zip(stats::holm(&p)) {
                rows[k].p_holm = finite(adjusted);
            }
        }
    }
    rows
}

/// `ranks.csv` (see [`RankRow`]): configurations ranked on each dataset by the mean of
/// [`rank_metric`] ([`stats::rank_block`]; a configuration without a value ranks last), their
/// average ranks ([`stats::average_ranks`]), [`stats::friedman`] and
/// [`stats::nemenyi_critical_difference`] with the datasets as blocks.
pub fn ranks(summary: &[SummaryRow]) -> Vec<RankRow> {
    let (metric, higher_is_better) = rank_metric(summary);
    let datasets = distinct(summary.iter().map(|s| s.dataset.as_str()));
    let configs = distinct(summary.iter().map(configuration_id));
    let means: Vec<Vec<f64>> = datasets
        .iter()
        .map(|d| {
            configs
                .iter()
                .map(|c| {
                    let v: Vec<f64> = by_replicate(summary, d, c, metric).into_iter().map(|(_, v)| v).collect();
                    if v.is_empty() { f64::NAN } else { stats::mean(&v) }
                })
                .collect()
        })
        .collect();
    let average = stats::average_ranks(&means, higher_is_better);
    let n = datasets.len();
    let (chi2, p, cd) = if n >= 2 && configs.len() >= 2 {
        let (chi2, p) = stats::friedman(&means);
        (finite(chi2), finite(p), finite(stats::nemenyi_critical_difference(configs.len(), n, NEMENYI_ALPHA)))
    } else {
        (None, None, None)
    };
    let mut rows = Vec::new();
    for (i, d) in datasets.iter().enumerate() {
        for (j, c) in configs.iter().enumerate() {
            rows.push(RankRow {
                scope: "dataset".into(),
                dataset: d.to_string(),
                configuration: c.clone(),
                metric: metric.into(),
                mean: finite(means[i][j]),
                rank: average.per_block[i][j],
                datasets: 1,
                ..RankRow::default()
            });
        }
    }
    for (j, c) in configs.iter().enumerate() {
        rows.push(RankRow {
            scope: "average".into(),
            dataset: String::new(),
            configuration: c.clone(),
            metric: metric.into(),
            mean: None,
            rank: average.mean[j],
            datasets: n,
            friedman_chi2: chi2,
            friedman_p: p,
            nemenyi_cd: cd,
        });
    }
    rows
}

/// `selection.csv`: for each dataset × configuration, the [`TOP_FEATURES`] features most often in
/// the chosen supports of its replicates (frequency decreasing, then feature increasing), among
/// those selected at least once. `supports` is parallel to `summary` (`None`: not recorded).
pub fn selection(summary: &[SummaryRow], supports: &[Option<Vec<usize>>]) -> Vec<SelectionRow> {
    let keys: Vec<(String, String)> = summary.iter().map(|s| (s.dataset.clone(), configuration_id(s))).collect();
    let mut rows = Vec::new();
    for (dataset, config) in distinct(keys.iter().cloned()) {
        let chosen: Vec<&[usize]> = (0..summary.len())
            .filter(|&i| keys[i].0 == dataset && keys[i].1 == config)
            .filter_map(|i| supports.get(i).and_then(|s| s.as_deref()))
            .collect();
        let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
        for support in &chosen {
            let features: std::collections::BTreeSet<usize> = support.iter().copied().collect();
            for j in features {
                *counts.entry(j).or_default() += 1;
            }
        }
        let mut features: Vec<(usize, usize)> = counts.into_iter().collect();
        features.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        for (feature, selected) in features.into_iter().take(TOP_FEATURES) {
            rows.push(SelectionRow {
                dataset: dataset.clone(),
                configuration: config.clone(),
                feature,
                selected,
                replicates: chosen.len(),
                frequency: selected as f64 / chosen.len() as f64,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(dataset: &str, config: &str, replicate: usize, r2: f64, nnz: usize) -> SummaryRow {
        SummaryRow {
            task_id: format!("{dataset}__{config}__r{replicate}"),
            dataset: dataset.into(),
            replicate,
            datafit: "quadratic".into(),
            chosen_test_r2: Some(r2),
            chosen_test_mse: Some(1.0 - r2),
            chosen_nnz: nnz,
            ..SummaryRow::default()
        }
    }

    #[test]
    fn pairs_are_matched_by_replicate_and_adjusted_per_metric() {
        // b − a = (0.1, 0.2, 0.3) on the shared replicates 0..3; replicate 3 only in a.
        let mut s = vec![row("d", "lasso", 3, 0.9, 1)];
        for r in 0..3 {
            s.push(row("d", "lasso", r, 0.5, 4));
            s.push(row("d", "mcp_g3", r, 0.5 + 0.1 * (r + 1) as f64, 2));
            s.push(row("d", "ridge", r, 0.4, 9));
        }
        let rows = pairwise(&s);
        // no truth: f1 is skipped; 3 metrics × 3 pairs
        assert_eq!(rows.len(), 9);
        let r = rows.iter().find(|r| r.metric == "test_r2" && r.a == "lasso" && r.b == "mcp_g3").unwrap();
        assert_eq!(r.n_pairs, 3);
        assert!((r.mean_diff.unwrap() - 0.2).abs() < 1e-12);
        // exact signed-rank with three positive differences: p = 2/8
        assert!((r.p_wilcoxon.unwrap() - 0.25).abs() < 1e-12);
        let holm: Vec<_> = rows.iter().filter(|r| r.metric == "test_r2").map(|r| r.p_holm).collect();
        assert!(holm.iter().all(Option::is_some));
        assert!(rows.iter().all(|r| r.p_holm >= r.p_value));
    }

    #[test]
    fn ranks_average_over_datasets_with_ties() {
        let mut s = Vec::new();
        for (d, vals) in [("d1", [0.9, 0.8, 0.8]), ("d2", [0.5, 0.7, 0.6])] {
            for (c, v) in ["a", "b", "c"].iter().zip(vals) {
                s.push(row(d, c, 0, v, 1));
            }
        }
        let rows = ranks(&s);
        let rank = |scope: &str, d: &str, c: &str| {
            rows.iter().find(|r| r.scope == scope && r.dataset == d && r.configuration == c).unwrap().rank
        };
        assert_eq!(rank("dataset", "d1", "b"), 2.5);
        assert_eq!(rank("dataset", "d2", "b"), 1.0);
        assert_eq!(rank("average", "", "a"), 2.0);
        let avg = rows.iter().find(|r| r.scope == "average").unwrap();
        assert_eq!(avg.datasets, 2);
        assert!(avg.friedman_chi2.is_some() && avg.nemenyi_cd.unwrap() > 2.0);
    }

    #[test]
    fn degenerate_inputs_give_empty_fields_not_panics() {
        assert!(pairwise(&[]).is_empty() && ranks(&[]).is_empty() && selection(&[], &[]).is_empty());
        // one replicate: a difference but no spread, so no interval and no p-value
        let s = vec![row("d", "lasso", 0, 0.5, 3), row("d", "ridge", 0, 0.4, 9)];
        let rows = pairwise(&s);
        assert!(rows.iter().all(|r| r.n_pairs == 1 && r.mean_diff.is_some()));
        assert!(rows.iter().all(|r| r.ci_low.is_none() && r.p_value.is_none() && r.p_holm.is_none()));
        // one dataset: ranks but no Friedman test or critical difference
        let r = ranks(&s);
        assert_eq!(r.len(), 4);
        assert!(r.iter().all(|r| r.friedman_p.is_none() && r.nemenyi_cd.is_none()));
        // a configuration without the metric ranks last
        let mut s = s;
        s[0].chosen_test_r2 = None;
        let r = ranks(&s);
        assert_eq!(r.iter().find(|r| r.scope == "dataset" && r.configuration == "lasso").unwrap().rank, 2.0);
    }

    #[test]
    fn without_a_test_part_configurations_are_ranked_and_paired_by_cv_error() {
        let mut s = Vec::new();
        for (c, cv) in [("lasso", [0.30, 0.32]), ("mcp_g3", [0.20, 0.25]), ("ridge", [0.40, 0.41])] {
            for (r, v) in cv.into_iter().enumerate() {
                s.push(SummaryRow {
                    chosen_test_r2: None,
                    chosen_test_mse: None,
                    selection: "cv".into(),
                    chosen_selection_mse: v,
                    ..row("d", c, r, 0.0, 3)
                });
            }
        }
        assert!(has_no_test(&s));
        assert_eq!(rank_metric(&s), ("cv_error", false));
        let r = ranks(&s);
        let rank = |c: &str| r.iter().find(|r| r.scope == "dataset" && r.configuration == c).unwrap();
        assert_eq!((rank("mcp_g3").rank, rank("lasso").rank, rank("ridge").rank), (1.0, 2.0, 3.0));
        assert!((rank("lasso").mean.unwrap() - 0.31).abs() < 1e-12);
        assert!(r.iter().all(|r| r.metric == "cv_error"));
        let p = pairwise(&s);
        assert!(p.iter().all(|r| r.metric == "cv_error" || r.metric == "nnz"), "no test metric: {p:?}");
        let d = p.iter().find(|r| r.metric == "cv_error" && r.a == "lasso" && r.b == "mcp_g3").unwrap();
        assert!((d.mean_diff.unwrap() + 0.085).abs() < 1e-12);
    }

    #[test]
    fn selection_frequencies() {
        let s: Vec<SummaryRow> = (0..4).map(|r| row("d", "lasso", r, 0.5, 2)).collect();
        let supports = vec![Some(vec![1, 5]), Some(vec![5]), None, Some(vec![5, 7])];
        let rows = selection(&s, &supports);
        assert_eq!(rows.iter().map(|r| (r.feature, r.selected)).collect::<Vec<_>>(), vec![(5, 3), (1, 1), (7, 1)]);
        assert!(rows.iter().all(|r| r.replicates == 3));
        assert!((rows[0].frequency - 1.0).abs() < 1e-15);
    }
}
