//! SVG figures from a sweep's tables (plotters, SVG backend only; no system fonts needed):
//!
//! - `figures/error_vs_nnz__<dataset>.svg`: test MSE against nnz along each penalty's path
//!   (mean over replicates at each alpha), with each replicate's chosen model marked;
//! - `figures/coef_path__<task_id>.svg`: the coefficient paths of each task in
//!   `plot.coef_paths` (`coefs.csv`), the truly nonzero coefficients coloured, with the chosen
//!   alpha marked.
//!
//! - `figures/vs_p__<group>__<metric>.svg` and `figures/vs_n__<group>__<metric>.svg`: when
//!   synthetic datasets differ only in p (or only in n; `<group>` is their id without that
//!   part), the chosen model's test R² with the expected R² of genotypes
//!   ([`super::plot_scaling`]), and log–log its nnz, path time, CV time and path work (full
//!   passes over X), one line per penalty (mean over replicates).
//!
//! - `figures/summary__<metric>.svg` and `figures/critical_difference.svg`: the verdict's
//!   figures ([`super::plot_verdict`]).
//!
//! Each figure is rendered in memory and written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::prelude::*;

use super::plot_style::{CHART_WIDTH, COLORS, Mark, SIZE, draw_legend, penalty_label, plot_err, write_svg};
use super::plot_verdict::{bars_from_comparison, bars_from_summary, critical_difference_figure, summary_figure};
use super::resume::FIGURES_DIR;
use super::tables::{CV_ERROR, CoefRow, ComparisonRow, SummaryRow, SweepPathRow, read_table, sweep_datafit};
use super::verdict::{RankRow, rank_metric};

/// A file-name-safe version of an id.
fn safe(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect()
}

/// Draws every figure of the sweep in `dir` into `dir/figures/`; returns the files written.
pub fn plot_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let path_csv = dir.join("path.csv");
    if !path_csv.exists() {
        bail!("{} has no path.csv: is it the output directory of a finished `regpath sweep`?", dir.display());
    }
    let path: Vec<SweepPathRow> = read_table(&path_csv)?;
    let summary: Vec<SummaryRow> = read_table(&dir.join("summary.csv"))?;
    let coefs: Vec<CoefRow> =
        if dir.join("coefs.csv").exists() { read_table(&dir.join("coefs.csv"))? } else { Vec::new() };
    let figures = dir.join(FIGURES_DIR);
    std::fs::create_dir_all(&figures).with_context(|| format!("cannot create {}", figures.display()))?;
    let mut written = Vec::new();
    let mut datasets: Vec<&str> = Vec::new();
    for s in &summary {
        if !datasets.contains(&s.dataset.as_str()) {
            datasets.push(&s.dataset);
        }
    }
    for ds in datasets {
        let file = figures.join(format!("error_vs_nnz__{}.svg", safe(ds)));
        write_svg(&file, &error_vs_nnz(ds, &path, &summary)?)?;
        written.push(file);
    }
    let comparison_csv = dir.join("comparison.csv");
    if comparison_csv.exists() {
        let comparison: Vec<ComparisonRow> = read_table(&comparison_csv)?;
        // a table of an earlier version has no configuration column and no intervals
        if comparison.iter().all(|c| !c.configuration.is_empty()) {
            let (metric, _) = rank_metric(&summary);
            let bars = if metric == CV_ERROR {
                bars_from_summary(&summary, metric)
            } else {
                bars_from_comparison(&comparison, metric)
            };
            let file = figures.join(format!("summary__{metric}.svg"));
            write_svg(&file, &summary_figure(&bars, metric)?)?;
            written.push(file);
        }
    }
    let ranks_csv = dir.join("ranks.csv");
    if ranks_csv.exists() {
        let ranks: Vec<RankRow> = read_table(&ranks_csv)?;
        if let Some(svg) = critical_difference_figure(&ranks)? {
            let file = figures.join("critical_difference.svg");
            write_svg(&file, &svg)?;
            written.push(file);
        }
    }
    for (name, svg) in scaling_figures(&summary)? {
        let file = figures.join(format!("{name}.svg"));
        write_svg(&file, &svg)?;
        written.push(file);
    }
    let mut coef_tasks: Vec<&str> = Vec::new();
    for c in &coefs {
        if !coef_tasks.contains(&c.task_id.as_str()) {
            coef_tasks.push(&c.task_id);
        }
    }
    for task in coef_tasks {
        let file = figures.join(format!("coef_path__{}.svg", safe(task)));
        write_svg(&file, &coef_path(task, &path, &summary, &coefs)?)?;
        written.push(file);
    }
    Ok(written)
}

type PenaltyKey = (String, Option<u64>, Option<u64>);

fn key_of(penalty: &str, l1_ratio: Option<f64>, gamma: Option<f64>) -> PenaltyKey {
    (penalty.to_string(), l1_ratio.map(f64::to_bits), gamma.map(f64::to_bits))
}

/// Where the null model (nnz = 0) sits on the log nnz axis of [`error_vs_nnz`]: at its left
/// edge, left of a dashed line, labelled `0`.
const NULL_X: f64 = 0.5;

/// An nnz value on the log axis of [`error_vs_nnz`]: itself, or [`NULL_X`] below 1/2.
fn nnz_x(nnz: f64) -> f64 {
    if nnz < NULL_X { NULL_X } else { nnz }
}

/// Test error against nnz for each penalty configuration on one dataset: the test MSE, or for
/// logistic tasks the test mean binomial deviance. Thick lines: the mean over replicates at each
/// alpha; thin faint lines: each replicate's path; rings: each replicate's chosen model. The
/// null model (nnz = 0) is drawn at [`NULL_X`], left of a dashed line.
fn error_vs_nnz(dataset: &str, path: &[SweepPathRow], summary: &[SummaryRow]) -> Result<String> {
    let rows: Vec<&SweepPathRow> = path.iter().filter(|r| r.dataset == dataset).collect();
    let chosen: Vec<&SummaryRow> = summary.iter().filter(|s| s.dataset == dataset).collect();
    let p = rows.first().map_or(1, |r| r.p);
    // without a test part (`evaluation.test = 0`) the held-out error is the CV error
    let no_test = rows.iter().all(|r| r.test_mse.is_none() && r.test_deviance.is_none());
    let error = |r: &SweepPathRow| if no_test { r.cv_mse } else { r.test_deviance.or(r.test_mse) };
    // Penalty configurations in order of appearance; per alpha index the mean over replicates.
    let mut order: Vec<(PenaltyKey, String)> = Vec::new();
    let mut curves: BTreeMap<PenaltyKey, BTreeMap<usize, (f64, f64, usize)>> = BTreeMap::new();
    let mut replicate_paths: BTreeMap<(PenaltyKey, usize), Vec<(f64, f64)>> = BTreeMap::new();
    for r in &rows {
        let key = key_of(&r.penalty, r.l1_ratio, r.gamma);
        if !order.iter().any(|(k, _)| *k == key) {
            order.push((key.clone(), penalty_label(&r.penalty, r.l1_ratio, r.gamma)));
        }
        let curve = curves.entry(key.clone()).or_default();
        let Some(err) = error(r) else { continue };
        let e = curve.entry(r.alpha_index).or_insert((0.0, 0.0, 0));
        e.0 += r.nnz as f64;
        e.1 += err;
        e.2 += 1;
        replicate_paths.entry((key, r.replicate)).or_default().push((nnz_x(r.nnz as f64), err));
    }
    let replicates = chosen.iter().map(|s| s.replicate).max().map_or(0, |m| m + 1);
    let points: Vec<Vec<(f64, f64)>> = order
        .iter()
        .map(|(key, _)| curves[key].values().map(|&(nnz, mse, c)| (nnz_x(nnz / c as f64), mse / c as f64)).collect())
        .collect();
    let marks: Vec<Vec<(f64, f64)>> = order
        .iter()
        .map(|(key, _)| {
            chosen
                .iter()
                .filter(|s| key_of(&s.penalty, s.l1_ratio, s.gamma) == *key)
                .filter_map(|s| {
                    let y = if no_test {
                        (s.chosen_selection_mse.is_finite()).then_some(s.chosen_selection_mse)
                    } else {
                        s.chosen_test_deviance.or(s.chosen_test_mse)
                    };
                    Some((nnz_x(s.chosen_nnz as f64), y?))
                })
                .collect()
        })
        .collect();
    let ys =
        replicate_paths.values().flatten().chain(marks.iter().flatten()).map(|&(_, y)| y).filter(|y| y.is_finite());
    let (mut y0, mut y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| (a.min(y), b.max(y)));
    if !y0.is_finite() {
        (y0, y1) = (0.0, 1.0);
    }
    let pad = ((y1 - y0) * 0.05).max(1e-12);
    let x1 = (p as f64 * 1.5).max(2.0);
    let y_label = sweep_datafit(rows.iter().map(|r| r.datafit.as_str())).error_axis_label(no_test);
    let what = if no_test { "CV error" } else { "test error" };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut legend: Vec<(String, Mark)> = Vec::new();
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("{dataset}: {what} vs sparsity"), ("sans-serif", 20))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d((0.4f64..x1).log_scale(), (y0 - pad)..(y1 + pad))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("nonzero coefficients (nnz, log scale; p = {p}; null model at the left edge)"))
            .y_desc(y_label)
            .x_label_formatter(&|v| if *v < 0.75 { "0".to_string() } else { format!("{v}") })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        // the break between the null model and nnz ≥ 1
        chart
            .draw_series(DashedLineSeries::new(
                [(0.75, y0 - pad), (0.75, y1 + pad)],
                4,
                4,
                BLACK.mix(0.4).stroke_width(1),
            ))
            .map_err(plot_err)?;
        chart
            .draw_series([Text::new("nnz = 0", (0.41, y1 + pad * 0.2), ("sans-serif", 12).into_font())])
            .map_err(plot_err)?;
        for (i, ((key, label), pts)) in order.iter().zip(&points).enumerate() {
            let color = COLORS[i % COLORS.len()];
            for ((k, _), line) in replicate_paths.range((key.clone(), 0)..=(key.clone(), usize::MAX)) {
                debug_assert_eq!(k, key);
                chart
                    .draw_series(LineSeries::new(line.iter().copied(), color.mix(0.3).stroke_width(1)))
                    .map_err(plot_err)?;
            }
            chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(3))).map_err(plot_err)?;
            legend.push((label.clone(), Mark::Line(color, 3)));
            chart
                .draw_series(marks[i].iter().map(|&(x, y)| Circle::new((x, y), 6, color.stroke_width(2))))
                .map_err(plot_err)?;
        }
        legend.push((format!("thick: mean over {replicates} replicate(s)"), Mark::Line(BLACK, 3)));
        legend.push(("  at each alpha of the path".into(), Mark::Line(WHITE, 1)));
        legend.push(("thin: one replicate's path".into(), Mark::Line(RGBColor(170, 170, 170), 1)));
        legend.push(("model chosen on validation/CV".into(), Mark::Ring(BLACK)));
        legend.push(("  (one ring per replicate)".into(), Mark::Line(WHITE, 1)));
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// Coefficient paths of one task.
fn coef_path(task: &str, path: &[SweepPathRow], summary: &[SummaryRow], coefs: &[CoefRow]) -> Result<String> {
    let grid: Vec<&SweepPathRow> = path.iter().filter(|r| r.task_id == task).collect();
    if grid.is_empty() {
        bail!("coefs.csv names task {task}, which path.csv does not have");
    }
    let s = summary.iter().find(|s| s.task_id == task);
    let mut features: BTreeMap<usize, (Vec<f64>, Option<f64>)> = BTreeMap::new();
    for c in coefs.iter().filter(|c| c.task_id == task) {
        let e = features.entry(c.feature).or_insert_with(|| (vec![0.0; grid.len()], c.true_coef));
        if c.alpha_index < grid.len() {
            e.0[c.alpha_index] = c.coef;
        }
    }
    // x = log10(alpha / alpha_max): readable ticks on a linear axis.
    let xs: Vec<f64> = grid.iter().map(|r| r.alpha_over_max.max(1e-300).log10()).collect();
    let (mut y0, mut y1) = (0.0f64, 0.0f64);
    for (v, _) in features.values() {
        for &c in v {
            y0 = y0.min(c);
            y1 = y1.max(c);
        }
    }
    if y1 - y0 <= 0.0 {
        (y0, y1) = (-1.0, 1.0);
    }
    let pad = (y1 - y0) * 0.05;
    let x0 = xs.iter().copied().fold(f64::INFINITY, f64::min).min(-1e-3);
    let x1 = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(0.0);
    let truth_known = features.values().any(|(_, t)| t.is_some());
    let k = s.and_then(|s| s.true_nnz).unwrap_or(0);

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut legend: Vec<(String, Mark)> = Vec::new();
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("coefficient paths: {task}"), ("sans-serif", 16))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("log10(alpha / alpha_max)  (the path runs right to left)")
            .y_desc("coefficient (original scale)")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        let grey = RGBColor(170, 170, 170);
        let mut colored = 0;
        // Other features first (grey, underneath), then the true ones.
        for pass in [false, true] {
            for (vals, truth) in features.values() {
                let is_true = truth.is_some_and(|t| t != 0.0) || !truth_known;
                if is_true != pass {
                    continue;
                }
                let color = if is_true {
                    colored += 1;
                    COLORS[(colored - 1) % COLORS.len()]
                } else {
                    grey
                };
                chart
                    .draw_series(LineSeries::new(
                        xs.iter().copied().zip(vals.iter().copied()),
                        color.stroke_width(if is_true { 2 } else { 1 }),
                    ))
                    .map_err(plot_err)?;
            }
        }
        if truth_known {
            let nonzero_shown = features.values().filter(|(_, t)| t.is_some_and(|t| t != 0.0)).count();
            legend.push((format!("truly nonzero ({nonzero_shown} of {k} entered)"), Mark::Line(COLORS[0], 2)));
            legend.push(("  (one colour per feature)".into(), Mark::Line(WHITE, 1)));
            legend.push(("truly zero features".into(), Mark::Line(grey, 1)));
        } else {
            legend.push(("features (truth unknown)".into(), Mark::Line(COLORS[0], 2)));
        }
        if let Some(s) = s {
            let a = s.chosen_alpha_over_max.max(1e-300).log10();
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(a, y0 - pad), (a, y1 + pad)],
                    BLACK.stroke_width(1),
                )))
                .map_err(plot_err)?;
            legend.push((format!("alpha chosen ({})", s.selection), Mark::Line(BLACK, 1)));
            let error = match (s.chosen_test_mse, s.chosen_test_deviance) {
                (Some(mse), _) => format!("test MSE = {mse:.3}"),
                (None, Some(deviance)) => format!("test deviance = {deviance:.3}"),
                (None, None) => format!("CV error = {:.3} (no test part)", s.chosen_selection_mse),
            };
            legend.push((format!("  nnz = {}, {error}", s.chosen_nnz), Mark::Line(WHITE, 1)));
        }
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The per-task quantities drawn against n or p: (file name part, axis label, value).
type Metric = (&'static str, &'static str, fn(&SummaryRow) -> f64);

const SCALING_METRICS: [Metric; 4] = [
    ("nnz", "nonzero coefficients of the chosen model", |s| s.chosen_nnz as f64),
    ("time", "training path time (s)", |s| s.path_time_s),
    ("cv_time", "cross-validation time (s)", |s| s.cv_time_s),
    ("full_passes", "training path work (full passes over X)", |s| s.path_full_passes),
];

/// A figure against n or p: its file name (without `.svg`) and SVG text.
type ScalingFigure = (String, String);

/// For every group of synthetic datasets that differ only in p (or only in n;
/// [`super::plot_scaling::siblings`]): the chosen models' test R² (with the expectation for
/// genotypes) and, log–log, nnz, path time, CV time and path work.
fn scaling_figures(summary: &[SummaryRow]) -> Result<Vec<ScalingFigure>> {
    let mut out = Vec::new();
    for axis in ["p", "n"] {
        for group in super::plot_scaling::siblings(summary, axis) {
            let stem = format!("vs_{axis}__{}", safe(&group.key));
            if let Some(svg) = super::plot_scaling::r2_figure(&group)? {
                out.push((format!("{stem}__test_r2"), svg));
            }
            for (name, label, value) in SCALING_METRICS {
                if group.rows.iter().all(|s| !value(s).is_finite()) {
                    continue;
                }
                out.push((format!("{stem}__{name}"), against_axis(&group, label, value)?));
            }
        }
    }
    Ok(out)
}

/// One metric against n or p, one line per penalty configuration (mean over replicates at each
/// point; non-positive means are left out of the log scale).
fn against_axis(
    group: &super::plot_scaling::Siblings<'_>,
    label: &str,
    value: fn(&SummaryRow) -> f64,
) -> Result<String> {
    let axis_of = |s: &SummaryRow| if group.axis == "n" { s.n } else { s.p };
    let rows = &group.rows;
    let mut order: Vec<(PenaltyKey, String)> = Vec::new();
    let mut sums: BTreeMap<PenaltyKey, BTreeMap<usize, (f64, usize)>> = BTreeMap::new();
    for s in rows {
        let key = key_of(&s.penalty, s.l1_ratio, s.gamma);
        if !order.iter().any(|(k, _)| *k == key) {
            order.push((key.clone(), penalty_label(&s.penalty, s.l1_ratio, s.gamma)));
        }
        let e = sums.entry(key).or_default().entry(axis_of(s)).or_insert((0.0, 0));
        e.0 += value(s);
        e.1 += 1;
    }
    let lines: Vec<Vec<(f64, f64)>> = order
        .iter()
        .map(|(key, _)| {
            sums[key].iter().map(|(&x, &(v, c))| (x as f64, v / c as f64)).filter(|&(_, v)| v > 0.0).collect()
        })
        .collect();
    let all = lines.iter().flatten();
    let (x0, x1) = all.clone().fold((f64::INFINITY, 0.0f64), |(a, b), &(x, _)| (a.min(x), b.max(x)));
    let (y0, y1) = all.fold((f64::INFINITY, 0.0f64), |(a, b), &(_, y)| (a.min(y), b.max(y)));
    let (y0, y1) = if y0.is_finite() && y1 > 0.0 { (y0 / 1.5, y1 * 1.5) } else { (0.1, 10.0) };
    let (x0, x1) = if x0.is_finite() { (x0 / 1.5, x1 * 1.5) } else { (1.0, 10.0) };
    let replicates = rows.iter().map(|s| s.replicate).max().map_or(0, |m| m + 1);
    let axis_name = if group.axis == "n" { "samples n" } else { "features p" };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("{}: {label} against {}", group.key, group.axis), ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("{axis_name} (log scale)"))
            .y_desc(format!("{label} (log scale)"))
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .y_label_formatter(&|v| short_number(*v))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        let mut legend: Vec<(String, Mark)> = Vec::new();
        for (i, ((_, name), pts)) in order.iter().zip(&lines).enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2))).map_err(plot_err)?;
            chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 4, color.filled()))).map_err(plot_err)?;
            legend.push((name.clone(), Mark::Line(color, 2)));
        }
        legend.push((format!("mean over {replicates} replicate(s)"), Mark::Line(WHITE, 1)));
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A tick label for a log axis: `1500`, `2.5`, `0.031`, `4.2e-5`.
fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else if a >= 1e-2 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    }
}
