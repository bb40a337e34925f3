//! Figures of how the chosen models change with the size of the data: for synthetic datasets
//! that differ only in n (or only in p), the chosen model's test R² against n (against p), one
//! line per penalty, with the expected R² of a polygenic predictor drawn for the `genotype`
//! family (Daetwyler et al. 2008):
//!
//! ```text
//! E[R²] = h² / (1 + M / (n_train · h²)),   M = p / block_size
//! ```
//!
//! M is the number of independent chromosome segments; in the synthetic genotypes the LD
//! blocks are independent, so M = p / block_size (the family's defaults h² = 0.5 and
//! block_size = 20 unless the dataset id sets them).
//! The formula assumes every segment carries a small effect: it is the expectation for a
//! polygenic architecture, and a sparse one (few causal SNPs) can be predicted better than it
//! says. R² (not MSE) is drawn because datasets of different sizes have different var(y).
//!
//! Datasets are grouped by their id with the `_n<N>` (or `_p<P>`) part removed, so that
//! datasets that differ in anything else (k, h², …) are never averaged together.

use std::collections::BTreeMap;

use anyhow::Result;
use plotters::prelude::*;

use super::plot_style::{CHART_WIDTH, COLORS, Mark, SIZE, draw_legend, penalty_label, plot_err};
use super::tables::SummaryRow;

/// The sibling datasets along one size axis.
pub struct Siblings<'a> {
    /// The shared id (the dataset id with the axis part removed).
    pub key: String,
    /// `n` or `p`.
    pub axis: &'static str,
    /// The tasks of those datasets.
    pub rows: Vec<&'a SummaryRow>,
}

/// The value of `_<key><value>` in a dataset id (the synthetic ids are built that way), and
/// the id without that part.
fn id_part(id: &str, key: &str) -> Option<(f64, String)> {
    let tag = format!("_{key}");
    let mut search = 0;
    while let Some(found) = id[search..].find(&tag) {
        let start = search + found;
        let rest = &id[start + tag.len()..];
        let len = rest.find('_').unwrap_or(rest.len());
        if let Ok(v) = rest[..len].parse::<f64>() {
            let without = format!("{}{}", &id[..start], &rest[len..]);
            return Some((v, without));
        }
        search = start + tag.len();
    }
    None
}

/// Groups of synthetic datasets (`family` not `plink`/`file`) that span two or more values of
/// `axis` (`n` or `p`) and agree on everything else.
pub fn siblings<'a>(summary: &'a [SummaryRow], axis: &'static str) -> Vec<Siblings<'a>> {
    let mut groups: Vec<Siblings<'a>> = Vec::new();
    for s in summary.iter().filter(|s| !s.family.starts_with("plink") && s.family != "file") {
        let Some((_, key)) = id_part(&s.dataset, axis) else { continue };
        match groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.rows.push(s),
            None => groups.push(Siblings { key, axis, rows: vec![s] }),
        }
    }
    groups.retain(|g| {
        let mut values: Vec<usize> = g.rows.iter().map(|s| if axis == "n" { s.n } else { s.p }).collect();
        values.sort_unstable();
        values.dedup();
        values.len() >= 2
    });
    groups
}

/// Daetwyler's expected R² at `n_train` training samples, p SNPs, heritability h2 and LD
/// blocks of `block_size` SNPs.
pub fn expected_r2(h2: f64, n_train: f64, p: f64, block_size: f64) -> f64 {
    let m = p / block_size;
    h2 / (1.0 + m / (n_train * h2))
}

/// The chosen models' test R² against the group's axis (log scale), one line per penalty
/// (mean over replicates), and the expectation for the `genotype` family. `None` when no task
/// has a test R² (a logistic or test-less sweep).
pub fn r2_figure(group: &Siblings<'_>) -> Result<Option<String>> {
    let axis_of = |s: &SummaryRow| if group.axis == "n" { s.n } else { s.p } as f64;
    let mut order: Vec<String> = Vec::new();
    let mut sums: BTreeMap<String, BTreeMap<u64, (f64, usize)>> = BTreeMap::new();
    for s in &group.rows {
        let Some(r2) = s.chosen_test_r2 else { continue };
        let label = penalty_label(&s.penalty, s.l1_ratio, s.gamma);
        if !order.contains(&label) {
            order.push(label.clone());
        }
        let e = sums.entry(label).or_default().entry(axis_of(s) as u64).or_insert((0.0, 0));
        e.0 += r2;
        e.1 += 1;
    }
    if order.is_empty() {
        return Ok(None);
    }
    let lines: Vec<Vec<(f64, f64)>> =
        order.iter().map(|l| sums[l].iter().map(|(&x, &(v, c))| (x as f64, v / c as f64)).collect()).collect();
    // the expectation, for the genotype family with its h2 (and block size) in the id
    let genotype = group.rows.iter().all(|s| s.family == "genotype");
    // parameters not in the id are the family's defaults
    use regpath_datagen::families::genotype::{DEFAULT_BLOCK_SIZE, DEFAULT_H2};
    let h2 = Some(id_part(&group.rows[0].dataset, "h2").map_or(DEFAULT_H2, |(v, _)| v));
    let block = id_part(&group.rows[0].dataset, "block_size").map_or(DEFAULT_BLOCK_SIZE as f64, |(v, _)| v);
    let expected: Vec<(f64, f64)> = match (genotype, h2) {
        (true, Some(h2)) => {
            let mut points: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
            for s in &group.rows {
                points.insert(axis_of(s) as u64, (s.n_train as f64, s.p as f64));
            }
            points.iter().map(|(&x, &(nt, p))| (x as f64, expected_r2(h2, nt, p, block))).collect()
        }
        _ => Vec::new(),
    };
    let all = lines.iter().flatten().chain(&expected);
    let (x0, x1) = all.clone().fold((f64::INFINITY, 0.0f64), |(a, b), &(x, _)| (a.min(x), b.max(x)));
    let (y0, y1) = all.fold((0.0f64, 0.0f64), |(a, b), &(_, y)| (a.min(y), b.max(y)));
    let (y0, y1) = (y0 - 0.05, (y1 + 0.05).max(0.1));
    let replicates = group.rows.iter().map(|s| s.replicate).max().map_or(0, |m| m + 1);
    let axis_name = if group.axis == "n" { "samples n" } else { "features p" };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("{}: test R² against {}", group.key, group.axis), ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d((x0 / 1.5..x1 * 1.5).log_scale(), y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(format!("{axis_name} (log scale)"))
            .y_desc("test R² of the chosen model")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        let mut legend: Vec<(String, Mark)> = Vec::new();
        for (i, (name, pts)) in order.iter().zip(&lines).enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2))).map_err(plot_err)?;
            chart.draw_series(pts.iter().map(|&(x, y)| Circle::new((x, y), 4, color.filled()))).map_err(plot_err)?;
            legend.push((name.clone(), Mark::Line(color, 2)));
        }
        if !expected.is_empty() {
            chart
                .draw_series(DashedLineSeries::new(expected.iter().copied(), 6, 4, BLACK.stroke_width(2)))
                .map_err(plot_err)?;
            legend.push(("h²/(1 + M/(n_train·h²)),".into(), Mark::Line(BLACK, 2)));
            legend.push((format!("  M = p/{block} (Daetwyler 2008)"), Mark::Line(WHITE, 1)));
        }
        legend.push((format!("mean over {replicates} replicate(s)"), Mark::Line(WHITE, 1)));
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_parts_are_found_and_removed() {
        let id = "synthetic_n10000_p100000_k10_h20.5";
        assert_eq!(id_part(id, "n"), Some((10000.0, "synthetic_p100000_k10_h20.5".into())));
        assert_eq!(id_part(id, "p"), Some((100000.0, "synthetic_n10000_k10_h20.5".into())));
        assert_eq!(id_part(id, "h2"), Some((0.5, "synthetic_n10000_p100000_k10".into())));
        assert_eq!(id_part(id, "rho"), None);
        // a tag whose value is not a number is skipped (`_nX`), the next one is used
        assert_eq!(id_part("a_nx_n5", "n"), Some((5.0, "a_nx".into())));
    }

    #[test]
    fn daetwyler_expectation_by_hand() {
        // h2 = 0.5, n = 10,000, p = 100,000 in blocks of 20: M = 5,000, 0.5/(1 + 5000/5000) = 0.25
        assert!((expected_r2(0.5, 10_000.0, 100_000.0, 20.0) - 0.25).abs() < 1e-15);
        // the limit of many samples is h2
        assert!((expected_r2(0.5, 1e12, 1e5, 20.0) - 0.5).abs() < 1e-6);
    }
}
