//! SVG figures of one `regpath path` output (`regpath plot DIR`, `regpath path --plot`), as R's
//! `plot.glmnet` and `plot.cv.glmnet` draw them, into `DIR/figures/`:
//!
//! - `path_coefs_log_alpha.svg`: every coefficient that is ever nonzero (original scale)
//!   against ln α, the path running right to left;
//! - `path_coefs_l1.svg`: the same against the L1 norm `Σ_j |β_j|` of X's coefficients at each
//!   alpha (covariates excluded);
//! - `path_cv.svg` (only with cross-validation): `cv_mean` against ln α with `±cv_se` bars, and
//!   alpha_min and alpha_1se marked by vertical lines;
//! - `path_certificate.svg`: the certificate of each alpha (log scale) and the tolerance.
//!
//! Each figure is rendered in memory and written atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::prelude::*;
use regpath_solver::DatafitKind;

use crate::sweep::plot_style::{CHART_WIDTH, COLORS, Mark, SIZE, draw_legend, plot_err, write_svg};
use crate::sweep::resume::FIGURES_DIR;

/// Files the figures of a path are written to, inside `DIR/figures/`.
pub const PATH_FIGURES: [&str; 4] =
    ["path_coefs_log_alpha.svg", "path_coefs_l1.svg", "path_cv.svg", "path_certificate.svg"];

/// Whether `dir` holds the output of `regpath path` (a `model.json` beside `path.csv`).
pub fn is_path_output(dir: &Path) -> bool {
    dir.join("model.json").is_file() && dir.join("path.csv").is_file() && !dir.join("summary.csv").exists()
}

/// What the figures read of `path.csv` and `model.json`.
struct PathTable {
    alpha: Vec<f64>,
    certificate: Vec<f64>,
    /// `(cv_mean, cv_se)` per alpha, when the fit was cross-validated (NaN where empty).
    cv: Option<Vec<(f64, f64)>>,
    /// alpha_index of alpha_min and alpha_1se.
    choice: Option<(usize, usize)>,
    tol: f64,
    /// The datafit (its held-out loss is the CV measure).
    datafit: DatafitKind,
    /// Columns of X (coefficients of later features are covariates).
    p: usize,
}

fn read_path(dir: &Path) -> Result<PathTable> {
    let file = dir.join("path.csv");
    let mut reader = csv::Reader::from_path(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let header = reader.headers().with_context(|| format!("{}: cannot read the header", file.display()))?.clone();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (Some(ia), Some(ic)) = (at("alpha"), at("certificate")) else {
        bail!("{}: no alpha or certificate column: is it the path.csv of `regpath path`?", file.display());
    };
    let (im, is) = (at("cv_mean"), at("cv_se"));
    let number = |v: &str| if v.is_empty() { f64::NAN } else { v.parse().unwrap_or(f64::NAN) };
    let (mut alpha, mut certificate, mut cv) = (Vec::new(), Vec::new(), Vec::new());
    for (line, record) in reader.records().enumerate() {
        let r = record.with_context(|| format!("{}: malformed row {}", file.display(), line + 2))?;
        alpha.push(number(&r[ia]));
        certificate.push(number(&r[ic]));
        if let (Some(im), Some(is)) = (im, is) {
            cv.push((number(&r[im]), number(&r[is])));
        }
    }
    let model: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("model.json"))
            .with_context(|| format!("cannot read {}", dir.join("model.json").display()))?,
    )
    .with_context(|| format!("{} is not a regpath model", dir.join("model.json").display()))?;
    let index = |key: &str| model["cv"][key].as_u64().map(|v| v as usize);
    let choice = index("alpha_min_index").zip(index("alpha_1se_index"));
    Ok(PathTable {
        alpha,
        certificate,
        cv: im.is_some().then_some(cv),
        choice,
        tol: model["tol"].as_f64().unwrap_or(f64::NAN),
        datafit: model["datafit"].as_str().and_then(|d| DatafitKind::from_name(d).ok()).unwrap_or_default(),
        p: model["n_features"].as_u64().map_or(usize::MAX, |v| v as usize),
    })
}

/// Coefficients per feature (`values[k]` at alpha_index k) and each feature's label.
fn read_coefs(dir: &Path, n_alphas: usize) -> Result<BTreeMap<usize, (String, Vec<f64>)>> {
    let file = dir.join("coefs.csv");
    let mut out: BTreeMap<usize, (String, Vec<f64>)> = BTreeMap::new();
    if !file.exists() {
        return Ok(out);
    }
    let mut reader = csv::Reader::from_path(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let header = reader.headers().with_context(|| format!("{}: cannot read the header", file.display()))?.clone();
    let at = |name: &str| header.iter().position(|h| h == name);
    let (Some(ik), Some(ij), Some(ib)) = (at("alpha_index"), at("feature"), at("coef")) else {
        bail!("{}: expected the columns alpha_index, feature and coef", file.display());
    };
    let iname = at("snp").or(at("name"));
    for (line, record) in reader.records().enumerate() {
        let r = record.with_context(|| format!("{}: malformed row {}", file.display(), line + 2))?;
        let bad = || format!("{}: row {}: bad alpha_index, feature or coef", file.display(), line + 2);
        let k: usize = r[ik].parse().with_context(bad)?;
        let j: usize = r[ij].parse().with_context(bad)?;
        let c: f64 = r[ib].parse().with_context(bad)?;
        if k >= n_alphas {
            continue;
        }
        let name = iname.map(|i| r[i].to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("x{j}"));
        out.entry(j).or_insert_with(|| (name, vec![0.0; n_alphas])).1[k] = c;
    }
    Ok(out)
}

/// Draws the figures of the path output `dir` into `dir/figures/`; returns the files written.
pub fn plot_path_dir(dir: &Path) -> Result<Vec<PathBuf>> {
    let table = read_path(dir)?;
    if table.alpha.is_empty() {
        bail!("{}: path.csv has no rows", dir.display());
    }
    let coefs = read_coefs(dir, table.alpha.len())?;
    let figures = dir.join(FIGURES_DIR);
    std::fs::create_dir_all(&figures).with_context(|| format!("cannot create {}", figures.display()))?;
    let ln_alpha: Vec<f64> = table.alpha.iter().map(|a| a.max(1e-300).ln()).collect();
    let mut written = Vec::new();
    let mut put = |name: &str, svg: String| -> Result<()> {
        let file = figures.join(name);
        write_svg(&file, &svg)?;
        written.push(file);
        Ok(())
    };
    let marks = |xs: &[f64]| table.choice.map(|(m, s)| (xs[m], xs[s]));
    put(
        PATH_FIGURES[0],
        coefficient_figure(&ln_alpha, &coefs, "ln(alpha)  (the path runs right to left)", marks(&ln_alpha))?,
    )?;
    let l1: Vec<f64> = (0..table.alpha.len())
        .map(|k| coefs.iter().filter(|(j, _)| **j < table.p).map(|(_, (_, v))| v[k].abs()).sum())
        .collect();
    put(PATH_FIGURES[1], coefficient_figure(&l1, &coefs, "L1 norm of the coefficients of X", marks(&l1))?)?;
    if let (Some(cv), Some(choice)) = (&table.cv, table.choice) {
        put(PATH_FIGURES[2], cv_figure(&ln_alpha, cv, choice, table.datafit)?)?;
    }
    put(PATH_FIGURES[3], certificate_figure(&ln_alpha, &table.certificate, table.tol)?)?;
    Ok(written)
}

/// `(min, max)` of finite values, padded by 5 % (a unit range when empty or flat).
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-12 * hi.abs().max(1.0));
    (lo - pad, hi + pad)
}

/// Coefficient paths against `xs` (one colour per feature, cycled), with the CV choices.
fn coefficient_figure(
    xs: &[f64],
    coefs: &BTreeMap<usize, (String, Vec<f64>)>,
    x_label: &str,
    marks: Option<(f64, f64)>,
) -> Result<String> {
    let (x0, x1) = range(xs.iter().copied());
    let (y0, y1) = range(coefs.values().flat_map(|(_, v)| v.iter().copied()).chain([0.0]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut chart = ChartBuilder::on(&left)
            .caption(
                format!("coefficient paths against {}", x_label.split("  ").next().unwrap_or("")),
                ("sans-serif", 18),
            )
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("coefficient (original scale)")
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        let mut legend: Vec<(String, Mark)> = Vec::new();
        // in the order the features enter the path (the legend names the first ones)
        let mut order: Vec<&(String, Vec<f64>)> = coefs.values().collect();
        order.sort_by_key(|(_, v)| v.iter().position(|&c| c != 0.0).unwrap_or(usize::MAX));
        if !order.is_empty() {
            legend.push(("in the order they enter:".into(), Mark::Line(WHITE, 1)));
        }
        for (i, (name, values)) in order.into_iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            chart
                .draw_series(LineSeries::new(xs.iter().copied().zip(values.iter().copied()), color.stroke_width(2)))
                .map_err(plot_err)?;
            if i < 15 {
                legend.push((name.clone(), Mark::Line(color, 2)));
            }
        }
        if coefs.len() > 15 {
            legend.push((format!("… {} features in all", coefs.len()), Mark::Line(WHITE, 1)));
        }
        if coefs.is_empty() {
            legend.push(("no nonzero coefficient (or --no-coefs)".into(), Mark::Line(WHITE, 1)));
        }
        draw_choices(&mut chart, marks, (y0, y1), &mut legend)?;
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// Vertical lines at alpha_min (solid) and alpha_1se (dashed), with legend entries.
fn draw_choices<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    marks: Option<(f64, f64)>,
    (y0, y1): (f64, f64),
    legend: &mut Vec<(String, Mark)>,
) -> Result<()> {
    let Some((min, one_se)) = marks else { return Ok(()) };
    let grey = RGBColor(90, 90, 90);
    chart
        .draw_series(std::iter::once(PathElement::new(vec![(min, y0), (min, y1)], BLACK.stroke_width(1))))
        .map_err(plot_err)?;
    let steps = 40;
    let dashes = (0..steps).step_by(2).map(|i| {
        let a = y0 + (y1 - y0) * i as f64 / steps as f64;
        let b = y0 + (y1 - y0) * (i + 1) as f64 / steps as f64;
        PathElement::new(vec![(one_se, a), (one_se, b)], grey.stroke_width(1))
    });
    chart.draw_series(dashes).map_err(plot_err)?;
    legend.push(("alpha_min (lowest cv_mean)".into(), Mark::Line(BLACK, 1)));
    legend.push(("alpha_1se (dashed)".into(), Mark::Line(grey, 1)));
    Ok(())
}

/// The CV curve with ±1 SE bars (plot.cv.glmnet).
fn cv_figure(xs: &[f64], cv: &[(f64, f64)], choice: (usize, usize), datafit: DatafitKind) -> Result<String> {
    let points: Vec<(f64, f64, f64)> =
        xs.iter().zip(cv).filter(|(_, (m, _))| m.is_finite()).map(|(&x, &(m, s))| (x, m, s)).collect();
    let (x0, x1) = range(xs.iter().copied());
    let (y0, y1) = range(points.iter().flat_map(|&(_, m, s)| [m - s, m + s]));
    let label = format!("CV {}", datafit.loss_description());
    let red = RGBColor(214, 39, 40);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut chart = ChartBuilder::on(&left)
            .caption(format!("cross-validation: {label}"), ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("ln(alpha)  (the path runs right to left)")
            .y_desc(&label)
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(
                points.iter().map(|&(x, m, s)| PathElement::new(vec![(x, m - s), (x, m + s)], grey.stroke_width(1))),
            )
            .map_err(plot_err)?;
        chart.draw_series(points.iter().map(|&(x, m, _)| Circle::new((x, m), 3, red.filled()))).map_err(plot_err)?;
        let mut legend = vec![
            ("cv_mean".to_string(), Mark::Ring(red)),
            ("± cv_se (standard error over folds)".to_string(), Mark::Line(grey, 1)),
        ];
        draw_choices(&mut chart, Some((xs[choice.0], xs[choice.1])), (y0, y1), &mut legend)?;
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The certificate of each alpha on a log scale, with the tolerance.
fn certificate_figure(xs: &[f64], certificate: &[f64], tol: f64) -> Result<String> {
    const FLOOR: f64 = 1e-18;
    let ys: Vec<f64> = certificate.iter().map(|c| c.max(FLOOR)).collect();
    let (x0, x1) = range(xs.iter().copied());
    let lo = ys.iter().copied().chain([tol]).filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
    let hi = ys.iter().copied().chain([tol]).filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    let (y0, y1) = if lo.is_finite() && hi > 0.0 { (lo / 10.0, hi * 10.0) } else { (1e-18, 1.0) };
    let blue = COLORS[0];
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (left, right) = root.split_horizontally(CHART_WIDTH);
        let mut chart = ChartBuilder::on(&left)
            .caption("certificate per alpha", ("sans-serif", 18))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(75)
            .build_cartesian_2d(x0..x1, (y0..y1).log_scale())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("ln(alpha)  (the path runs right to left)")
            .y_desc("certificate (gap or KKT, log scale)")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(LineSeries::new(xs.iter().copied().zip(ys.iter().copied()), blue.stroke_width(1)))
            .map_err(plot_err)?;
        chart
            .draw_series(xs.iter().zip(&ys).map(|(&x, &y)| Circle::new((x, y), 3, blue.filled())))
            .map_err(plot_err)?;
        let red = RGBColor(214, 39, 40);
        if tol.is_finite() && tol > 0.0 {
            chart
                .draw_series(std::iter::once(PathElement::new(vec![(x0, tol), (x1, tol)], red.stroke_width(1))))
                .map_err(plot_err)?;
        }
        let legend = vec![
            ("certificate".to_string(), Mark::Ring(blue)),
            (format!("tolerance {tol:e}"), Mark::Line(red, 1)),
            (format!("(values below {FLOOR:e} drawn at it)"), Mark::Line(WHITE, 1)),
        ];
        draw_legend(&right, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
