//! What every figure shares (sweep figures and `regpath path --plot` alike): the size, the
//! colours, the legend, drawing errors, penalty labels and atomic SVG writing. The figure
//! modules (`plot`, `plot_scaling`, `plot_verdict`, `crate::path_plot`) import it; it imports
//! none of them.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::prelude::*;
use regpath_datagen::io::atomic::write_atomic;

/// Tableau-10 colours, one per penalty configuration (cycled).
pub(crate) const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

pub(crate) const SIZE: (u32, u32) = (1100, 600);
/// Width of the plotting part; the legend is drawn to its right.
pub(crate) const CHART_WIDTH: u32 = 820;

/// A legend entry's symbol.
pub(crate) enum Mark {
    /// A line of this colour and width.
    Line(RGBColor, u32),
    /// A ring of this colour.
    Ring(RGBColor),
}

/// Draws a legend in its own area (outside the plot, so it never hides data).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, Mark)],
) -> Result<()> {
    let style = ("sans-serif", 14).into_font().color(&BLACK);
    for (i, (label, mark)) in entries.iter().enumerate() {
        let y = 60 + 24 * i as i32;
        match mark {
            Mark::Line(c, w) => area.draw(&PathElement::new(vec![(10, y), (40, y)], c.stroke_width(*w))),
            Mark::Ring(c) => area.draw(&Circle::new((25, y), 6, c.stroke_width(2))),
        }
        .map_err(plot_err)?;
        area.draw(&Text::new(label.clone(), (50, y - 7), style.clone())).map_err(plot_err)?;
    }
    Ok(())
}

/// A drawing error as an `anyhow` error.
pub(crate) fn plot_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e:?}")
}

/// A legend label for a penalty configuration.
pub(crate) fn penalty_label(penalty: &str, l1_ratio: Option<f64>, gamma: Option<f64>) -> String {
    match (l1_ratio, gamma) {
        (Some(r), _) => format!("{penalty} (l1_ratio = {r})"),
        (_, Some(g)) => format!("{penalty} (gamma = {g})"),
        _ => penalty.to_string(),
    }
}

/// Writes an SVG text atomically.
pub(crate) fn write_svg(path: &Path, svg: &str) -> Result<()> {
    write_atomic(path, |w| std::io::Write::write_all(w, svg.as_bytes()))
        .with_context(|| format!("cannot write {}", path.display()))
}
