//! The verdict's figures (docs/sweep.md, Figures):
//!
//! - `figures/summary__<metric>.svg`: each configuration's mean test R² (logistic sweeps: mean
//!   test deviance; without a test part the CV error at the chosen alpha, from `summary.csv`)
//!   with its 95 % t-interval over replicates (`comparison.csv`), one panel per
//!   dataset, configurations side by side in one colour each;
//! - `figures/critical_difference.svg` (two or more datasets): the average ranks of `ranks.csv`
//!   on one axis (1 = best, left), the Nemenyi critical difference as a bar, and thick lines
//!   joining configurations whose average ranks differ by less than it (Demšar 2006, Fig. 1).

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::plot_style::{COLORS, plot_err};
use super::tables::{ComparisonRow, SummaryRow, configuration_id, stat, summary_metric};
use super::verdict::RankRow;

/// Panels per row of the summary figure.
const PANELS_PER_ROW: usize = 3;

/// One configuration's mean of a metric on one dataset, with its 95 % t-interval.
pub struct SummaryBar {
    /// Dataset id.
    pub dataset: String,
    /// Configuration id.
    pub configuration: String,
    /// Mean over replicates (`None`: no value).
    pub mean: Option<f64>,
    /// Lower end of the interval.
    pub ci_low: Option<f64>,
    /// Upper end of the interval.
    pub ci_high: Option<f64>,
}

/// The bars of `metric` (`test_r2` or `test_deviance`) from `comparison.csv`'s rows.
pub fn bars_from_comparison(comparison: &[ComparisonRow], metric: &str) -> Vec<SummaryBar> {
    comparison
        .iter()
        .map(|c| {
            let (mean, ci_low, ci_high) = match metric {
                "test_deviance" => (c.test_deviance_mean, c.test_deviance_ci_low, c.test_deviance_ci_high),
                _ => (c.test_r2_mean, c.test_r2_ci_low, c.test_r2_ci_high),
            };
            SummaryBar { dataset: c.dataset.clone(), configuration: c.configuration.clone(), mean, ci_low, ci_high }
        })
        .collect()
}

/// The bars of a summary metric (e.g. `cv_error`, which `comparison.csv` does not hold) from
/// `summary.csv`'s rows: per dataset × configuration, [`super::tables::stat`] over replicates.
pub fn bars_from_summary(summary: &[SummaryRow], metric: &str) -> Vec<SummaryBar> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for s in summary {
        let k = (s.dataset.clone(), configuration_id(s));
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys.into_iter()
        .map(|(dataset, configuration)| {
            let values: Vec<f64> = summary
                .iter()
                .filter(|s| s.dataset == dataset && configuration_id(s) == configuration)
                .filter_map(|s| summary_metric(s, metric))
                .collect();
            let st = stat(&values);
            SummaryBar { dataset, configuration, mean: st.mean, ci_low: st.ci_low, ci_high: st.ci_high }
        })
        .collect()
}

/// The summary figure of `metric` (`test_r2`, `test_deviance` or `cv_error`) from its bars.
pub fn summary_figure(bars: &[SummaryBar], metric: &str) -> Result<String> {
    let mut datasets: Vec<&str> = Vec::new();
    let mut configs: Vec<&str> = Vec::new();
    for c in bars {
        if !datasets.contains(&c.dataset.as_str()) {
            datasets.push(&c.dataset);
        }
        if !configs.contains(&c.configuration.as_str()) {
            configs.push(&c.configuration);
        }
    }
    let cols = datasets.len().clamp(1, PANELS_PER_ROW);
    let rows = datasets.len().div_ceil(PANELS_PER_ROW).max(1);
    let legend_width = 260u32;
    let size = ((360 * cols) as u32 + legend_width, 60 + 330 * rows as u32);
    let k = configs.len().max(1) as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (plots, legend) = root.split_horizontally(size.0 - legend_width);
        let label = match metric {
            "test_deviance" => "test deviance (lower is better)",
            "cv_error" => "CV error at the chosen alpha, no test part (lower is better)",
            _ => "test R²",
        };
        let plots = plots
            .titled(&format!("{label}: mean and 95 % t-interval over replicates"), ("sans-serif", 18))
            .map_err(plot_err)?;
        let panels = plots.split_evenly((rows, cols));
        for (panel, dataset) in panels.iter().zip(&datasets) {
            let points: Vec<(usize, f64, f64, f64)> = bars
                .iter()
                .filter(|c| c.dataset == *dataset)
                .filter_map(|c| {
                    let j = configs.iter().position(|x| *x == c.configuration)?;
                    let m = c.mean?;
                    Some((j, m, c.ci_low.unwrap_or(m), c.ci_high.unwrap_or(m)))
                })
                .collect();
            let (mut y0, mut y1) = points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &(_, _, lo, hi)| (a.min(lo), b.max(hi)));
            if !(y0.is_finite() && y1.is_finite()) {
                (y0, y1) = (0.0, 1.0);
            }
            let pad = ((y1 - y0) * 0.08).max(1e-9);
            let mut chart = ChartBuilder::on(panel)
                .caption(short(dataset, 40), ("sans-serif", 13))
                .margin(10)
                .x_label_area_size(10)
                .y_label_area_size(60)
                .build_cartesian_2d(-0.5..k - 0.5, (y0 - pad)..(y1 + pad))
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(0)
                .y_labels(6)
                .light_line_style(WHITE.mix(0.0))
                .draw()
                .map_err(plot_err)?;
            for &(j, m, lo, hi) in &points {
                let color = COLORS[j % COLORS.len()];
                let x = j as f64;
                let style = color.stroke_width(2);
                let bar = [
                    PathElement::new(vec![(x, lo), (x, hi)], style),
                    PathElement::new(vec![(x - 0.12, lo), (x + 0.12, lo)], style),
                    PathElement::new(vec![(x - 0.12, hi), (x + 0.12, hi)], style),
                ];
                chart.draw_series(bar).map_err(plot_err)?;
                chart.draw_series([Circle::new((x, m), 5, color.filled())]).map_err(plot_err)?;
            }
        }
        let style = ("sans-serif", 14).into_font().color(&BLACK);
        for (j, c) in configs.iter().enumerate() {
            let y = 70 + 24 * j as i32;
            legend.draw(&Circle::new((20, y), 5, COLORS[j % COLORS.len()].filled())).map_err(plot_err)?;
            legend.draw(&Text::new(short(c, 30), (35, y - 7), style.clone())).map_err(plot_err)?;
        }
        let y = 80 + 24 * configs.len() as i32;
        legend.draw(&Text::new("dot: mean; bar: 95 % CI", (10, y), style.clone())).map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The critical-difference diagram of the `average` rows of `ranks.csv`; `None` without a
/// critical difference (fewer than 2 datasets or configurations).
pub fn critical_difference_figure(ranks: &[RankRow]) -> Result<Option<String>> {
    let mut avg: Vec<(&str, f64)> =
        ranks.iter().filter(|r| r.scope == "average").map(|r| (r.configuration.as_str(), r.rank)).collect();
    let Some(first) = ranks.iter().find(|r| r.scope == "average") else { return Ok(None) };
    let Some(cd) = first.nemenyi_cd else { return Ok(None) };
    if avg.len() < 2 || avg.iter().any(|(_, r)| !r.is_finite()) {
        return Ok(None);
    }
    avg.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    let k = avg.len();
    let height = 200 + 28 * k as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let p_text = first.friedman_p.map_or(String::new(), |p| {
            if p < 1e-3 { format!(", Friedman p = {p:.1e}") } else { format!(", Friedman p = {p:.3}") }
        });
        let title = format!(
            "average rank by {} over {} datasets (1 = best); Nemenyi CD = {cd:.3} at 0.05{p_text}",
            first.metric, first.datasets
        );
        let root = root.titled(&title, ("sans-serif", 16)).map_err(plot_err)?;
        let kf = k as f64;
        // x: rank, left = best; y: 0 at the bottom, the axis at y = kf + 2
        let mut chart = ChartBuilder::on(&root)
            .margin_left(220)
            .margin_right(220)
            .margin_top(10)
            .build_cartesian_2d(0.8..kf + 0.2, 0.0..kf + 4.0)
            .map_err(plot_err)?;
        let axis = kf + 2.0;
        let black = BLACK.stroke_width(1);
        chart.draw_series([PathElement::new(vec![(1.0, axis), (kf, axis)], black)]).map_err(plot_err)?;
        let font = ("sans-serif", 13).into_font();
        for t in 1..=k {
            let x = t as f64;
            chart.draw_series([PathElement::new(vec![(x, axis), (x, axis + 0.25)], black)]).map_err(plot_err)?;
            chart.draw_series([Text::new(t.to_string(), (x - 0.02, axis + 0.9), font.clone())]).map_err(plot_err)?;
        }
        // the critical difference, from rank 1
        let cd_y = kf + 3.4;
        chart
            .draw_series([PathElement::new(vec![(1.0, cd_y), ((1.0 + cd).min(kf + 0.2), cd_y)], BLACK.stroke_width(3))])
            .map_err(plot_err)?;
        chart.draw_series([Text::new(format!("CD = {cd:.3}"), (1.0, cd_y + 0.5), font.clone())]).map_err(plot_err)?;
        // each configuration: a drop line from the axis to its label (better half left)
        let half = k.div_ceil(2);
        for (i, &(name, rank)) in avg.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let (level, edge, h) = if i < half {
                (axis - 1.2 - i as f64, 0.8, HPos::Right)
            } else {
                (axis - 1.2 - (k - 1 - i) as f64, kf + 0.2, HPos::Left)
            };
            chart
                .draw_series([PathElement::new(
                    vec![(rank, axis), (rank, level), (edge, level)],
                    color.stroke_width(2),
                )])
                .map_err(plot_err)?;
            let text = format!(" {} ({rank:.2}) ", short(name, 28));
            let style = font.clone().color(&color).pos(Pos::new(h, VPos::Center));
            chart.draw_series([Text::new(text, (edge, level), style)]).map_err(plot_err)?;
        }
        // groups whose ranks differ by less than CD (maximal runs in rank order)
        let mut level = axis - 0.5;
        let mut last_end = 0;
        for i in 0..k {
            let j = (i..k).take_while(|&j| avg[j].1 - avg[i].1 < cd).last().unwrap_or(i);
            if j > i && j > last_end {
                chart
                    .draw_series([PathElement::new(
                        vec![(avg[i].1 - 0.03, level), (avg[j].1 + 0.03, level)],
                        BLACK.stroke_width(4),
                    )])
                    .map_err(plot_err)?;
                level -= 0.3;
                last_end = j;
            }
        }
        root.present().map_err(plot_err)?;
    }
    Ok(Some(svg))
}

/// `s` cut to `max` characters (with `…`).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { s.chars().take(max - 1).chain(['…']).collect() }
}
