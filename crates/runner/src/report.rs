//! `regpath report DIR`: one self-contained HTML page, `DIR/report.html`, for the output
//! directory of a sweep (`regpath sweep`, `regpath merge`) or of one path (`regpath path`);
//! docs/sweep.md, *Reports*.
//!
//! The page references nothing outside itself: no script, style sheet, font, image or favicon
//! is fetched (a Content-Security-Policy of `default-src 'none'` says so to the browser), the
//! figures are the SVG markup of `figures/*.svg` inlined after sanitizing (only SVG elements,
//! no scripts, event handlers or external references), and a small inline script makes the
//! tables of class `sortable` sortable by clicking a column header.
//!
//! Tables are rendered generically — every column of the CSV file, in its order, so columns
//! added by later versions appear without a change here — with numbers shown to 4 significant
//! digits (certificates in scientific notation) and the full value in the cell's `title` and
//! `data-v` attributes (the sort key). Only `certificate`-like and `converged`-like columns get
//! a special treatment. Columns that are empty in every row are left out and named under the
//! table. The page depends only on the directory's files: the same files give the same bytes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use regpath_datagen::io::atomic::write_atomic;
use serde_json::Value;

/// File name of the report inside the directory.
pub const REPORT_FILE: &str = "report.html";

/// Files that make a directory a sweep output.
const SWEEP_FILES: [&str; 3] = ["manifest.json", "summary.csv", "comparison.csv"];
/// Files that make a directory a `regpath path` output.
const PATH_FILES: [&str; 2] = ["path.csv", "model.json"];
/// Non-converged path points listed individually in a sweep report (the rest are counted).
const LISTED_UNCONVERGED: usize = 200;

/// What kind of output directory a report is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A sweep: `manifest.json`, `summary.csv`, `comparison.csv` (and `sweep-config.json`,
    /// `path.csv`, `coefs.csv`, `figures/*.svg`).
    Sweep,
    /// One path: `path.csv` and `model.json` (and `coefs.csv`, figures if any).
    Path,
}

/// Tells a sweep output from a path output; anything else is an error naming the missing files.
pub fn detect(dir: &Path) -> Result<Kind> {
    if !dir.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let missing = |names: &[&str]| -> Vec<String> {
        names.iter().filter(|n| !dir.join(n).is_file()).map(|n| n.to_string()).collect()
    };
    let sweep = missing(&SWEEP_FILES);
    if sweep.is_empty() {
        return Ok(Kind::Sweep);
    }
    let path = missing(&PATH_FILES);
    if path.is_empty() {
        return Ok(Kind::Path);
    }
    bail!(
        "{} is neither a sweep output directory (it lacks {}) nor a `regpath path` output directory (it lacks {})",
        dir.display(),
        sweep.join(", "),
        path.join(", ")
    )
}

/// Writes `DIR/report.html` atomically and returns its path. Nothing is written on error.
pub fn write_report(dir: &Path) -> Result<PathBuf> {
    let html = render(dir)?;
    let file = dir.join(REPORT_FILE);
    write_atomic(&file, |w| std::io::Write::write_all(w, html.as_bytes()))
        .with_context(|| format!("cannot write {}", file.display()))?;
    Ok(file)
}

/// For a command that has just (re)written the tables of `dir` (`sweep`, `merge`, `path`):
/// writes the report when `write` (returning its path), and otherwise removes a report of an
/// earlier run, which would show other data.
pub fn after_run(dir: &Path, write: bool) -> Result<Option<PathBuf>> {
    if write {
        return write_report(dir).map(Some);
    }
    crate::tables::remove_owned_outputs(dir, &[REPORT_FILE])?;
    Ok(None)
}

/// The report of `dir` as HTML.
pub fn render(dir: &Path) -> Result<String> {
    match detect(dir)? {
        Kind::Sweep => render_sweep(dir),
        Kind::Path => render_path(dir),
    }
}

// ---------------------------------------------------------------------------------------------
// HTML helpers

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A number to 4 significant digits: fixed notation for magnitudes in [1e-3, 1e6), scientific
/// otherwise (or always, with `scientific`), trailing zeros removed.
pub fn compact(x: f64, scientific: bool) -> String {
    if x.is_nan() {
        return "NaN".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    let e = x.abs().log10().floor() as i32;
    if !scientific && (-3..6).contains(&e) {
        let decimals = (3 - e).max(0) as usize;
        let s = format!("{x:.decimals$}");
        let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
        return if s == "-0" { "0".to_string() } else { s };
    }
    let s = format!("{x:.3e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let mantissa =
                if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
            format!("{mantissa}e{exp}")
        }
        None => s,
    }
}

/// How a column is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    /// Numbers to 4 significant digits, text as is.
    Plain,
    /// A certificate: numbers in scientific notation.
    Certificate,
    /// `true`/`false`: `false` is flagged, and so is its row.
    Converged,
}

fn column_kind(name: &str) -> Column {
    if name == "converged" || name.ends_with("_converged") {
        Column::Converged
    } else if name.contains("certificate") {
        Column::Certificate
    } else {
        Column::Plain
    }
}

/// An integer as the CSV writes it (digits, optional minus sign).
fn is_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Appends one `<td>`. Returns whether the cell flags its row (a `converged` value `false`).
fn push_cell(out: &mut String, raw: &str, kind: Column) -> bool {
    let raw_trim = raw.trim();
    if raw_trim.is_empty() {
        out.push_str("<td class=\"na\"></td>");
        return false;
    }
    if kind == Column::Converged {
        return match raw_trim {
            "false" => {
                out.push_str("<td class=\"bad\" data-v=\"false\">\u{2717} false</td>");
                true
            }
            "true" => {
                out.push_str("<td class=\"ok\">true</td>");
                false
            }
            other => {
                let _ = write!(out, "<td>{}</td>", escape(other));
                false
            }
        };
    }
    if is_integer(raw_trim) {
        let _ = write!(out, "<td class=\"num\">{}</td>", escape(raw_trim));
        return false;
    }
    match raw_trim.parse::<f64>() {
        Ok(x) => {
            let shown = compact(x, kind == Column::Certificate);
            if shown == raw_trim {
                let _ = write!(out, "<td class=\"num\">{}</td>", escape(&shown));
            } else {
                let full = escape(raw_trim);
                let _ = write!(out, "<td class=\"num\" title=\"{full}\" data-v=\"{full}\">{}</td>", escape(&shown));
            }
        }
        Err(_) => {
            let _ = write!(out, "<td>{}</td>", escape(raw_trim));
        }
    }
    false
}

/// A table read from a CSV file (or built): a header and string cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a CSV file with a header row (short rows are padded with empty cells).
    pub fn read(path: &Path) -> Result<Table> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header: Vec<String> = reader
            .headers()
            .with_context(|| format!("{}: cannot read the header", path.display()))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{}: malformed row {}", path.display(), i + 2))?;
            let mut row: Vec<String> = record.iter().map(str::to_string).collect();
            row.resize(header.len(), String::new());
            rows.push(row);
        }
        Ok(Table { header, rows })
    }
}

/// How to render a table.
struct TableStyle<'a> {
    /// `id` of the `<table>`.
    id: &'a str,
    /// Clickable headers.
    sortable: bool,
    /// Columns to show even when empty in every row.
    keep_empty: bool,
}

/// Renders a table inside a scrollable container; columns empty in every row are left out and
/// named in a note below it.
fn push_table(out: &mut String, table: &Table, style: &TableStyle<'_>) {
    let shown: Vec<usize> = (0..table.header.len())
        .filter(|&c| style.keep_empty || table.rows.iter().any(|r| !r[c].trim().is_empty()))
        .collect();
    let kinds: Vec<Column> = table.header.iter().map(|h| column_kind(h)).collect();
    let class = if style.sortable { " class=\"sortable\"" } else { "" };
    let _ = write!(out, "<div class=\"scroll\"><table id=\"{}\"{class}>\n<thead><tr>", escape(style.id));
    for &c in &shown {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(&table.header[c]));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut cells = String::new();
    for row in &table.rows {
        cells.clear();
        let mut flagged = false;
        for &c in &shown {
            flagged |= push_cell(&mut cells, &row[c], kinds[c]);
        }
        out.push_str(if flagged { "<tr class=\"flagged\">" } else { "<tr>" });
        out.push_str(&cells);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    let hidden: Vec<&str> =
        (0..table.header.len()).filter(|c| !shown.contains(c)).map(|c| table.header[c].as_str()).collect();
    let _ = write!(out, "<p class=\"note\">{} row{}", table.rows.len(), plural(table.rows.len()));
    if style.sortable {
        out.push_str("; click a column header to sort");
    }
    if !hidden.is_empty() {
        let _ = write!(out, ". Empty in every row, not shown: {}", escape(&hidden.join(", ")));
    }
    out.push_str(".</p>\n");
}

/// An integer with thousands separators (10,000).
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A key–value list (`<dl>`) of already escaped HTML values.
fn push_pairs(out: &mut String, pairs: &[(String, String)]) {
    out.push_str("<dl class=\"kv\">\n");
    for (k, v) in pairs {
        let _ = writeln!(out, "<dt>{}</dt><dd>{v}</dd>", escape(k));
    }
    out.push_str("</dl>\n");
}

/// A JSON scalar as text (`None` for arrays and objects).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// An array of JSON objects as a table: the columns of `order` that occur, then every other
/// key in first-seen order.
fn objects_table(items: &[Value], order: &[&str]) -> Table {
    let mut header: Vec<String> = Vec::new();
    for key in order {
        if items.iter().any(|item| item.get(key).is_some()) {
            header.push(key.to_string());
        }
    }
    for item in items {
        if let Value::Object(map) = item {
            for k in map.keys() {
                if !header.contains(k) {
                    header.push(k.clone());
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|item| {
            header
                .iter()
                .map(|h| match item.get(h) {
                    Some(v) => scalar_text(v).unwrap_or_else(|| v.to_string()),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    Table { header, rows }
}

fn read_json(path: &Path) -> Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Removes `null`s (TOML has none) from a JSON value.
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            Value::Object(map.iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), strip_nulls(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// A sweep configuration as TOML, in the order of `regpath sweep --print-config` (a
/// configuration this version cannot read: its keys in alphabetical order), else pretty JSON.
fn config_text(config: &Value) -> (&'static str, String) {
    let typed = serde_json::from_value::<crate::sweep::config::SweepConfig>(config.clone())
        .ok()
        .and_then(|c| toml::to_string(&c).ok());
    match typed.or_else(|| toml::to_string(&strip_nulls(config)).ok()) {
        Some(text) => ("TOML", text),
        None => ("JSON", serde_json::to_string_pretty(config).unwrap_or_default()),
    }
}

/// A command line as a shell would take it back.
fn shell_line(args: &[Value]) -> String {
    args.iter()
        .filter_map(|a| a.as_str())
        .map(|a| {
            let plain = !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
            if plain { a.to_string() } else { format!("'{}'", a.replace('\'', "'\\''")) }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Appends a label and its (escaped) HTML value to a key–value list.
fn add(pairs: &mut Vec<(String, String)>, label: &str, html: String) {
    pairs.push((label.to_string(), html));
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// The certificates of one task's path points.
#[derive(Clone, Debug)]
struct TaskCertificates {
    task_index: String,
    task_id: String,
    kind: String,
    /// Largest certificate (NaN counts as the largest).
    worst: f64,
    worst_raw: String,
    worst_alpha_index: String,
    points: usize,
    not_converged: usize,
}

/// What `path.csv` says about certificates.
struct Certificates {
    tasks: Vec<TaskCertificates>,
    /// The non-converged rows (at most [`LISTED_UNCONVERGED`]).
    unconverged: Table,
    /// All non-converged rows.
    unconverged_total: usize,
    points: usize,
}

/// Reads `path.csv` row by row (it can be large), keeping per task the largest certificate and
/// the number of non-converged points. `None` when it has no `certificate` column.
fn certificates(path_csv: &Path) -> Result<Option<Certificates>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path_csv)
        .with_context(|| format!("cannot read {}", path_csv.display()))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{}: cannot read the header", path_csv.display()))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(cert_col) = col("certificate") else { return Ok(None) };
    let (id_col, index_col, kind_col) = (col("task_id"), col("task_index"), col("certificate_kind"));
    let (conv_col, alpha_col) = (col("converged"), col("alpha_index"));
    let mut tasks: Vec<TaskCertificates> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut unconverged = Table { header: header.clone(), rows: Vec::new() };
    let (mut unconverged_total, mut points) = (0, 0);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).with_context(|| format!("{}: malformed row", path_csv.display()))? {
        points += 1;
        let get = |c: Option<usize>| c.and_then(|c| record.get(c)).unwrap_or("").trim();
        let id = get(id_col);
        let slot = match by_id.get(id) {
            Some(&i) => i,
            None => {
                by_id.insert(id.to_string(), tasks.len());
                tasks.push(TaskCertificates {
                    task_index: get(index_col).to_string(),
                    task_id: id.to_string(),
                    kind: get(kind_col).to_string(),
                    worst: f64::NEG_INFINITY,
                    worst_raw: String::new(),
                    worst_alpha_index: String::new(),
                    points: 0,
                    not_converged: 0,
                });
                tasks.len() - 1
            }
        };
        let task = &mut tasks[slot];
        task.points += 1;
        let raw = get(Some(cert_col));
        let value = raw.parse::<f64>().unwrap_or(f64::NAN);
        if (value.is_nan() && !task.worst.is_nan()) || value > task.worst {
            task.worst = value;
            task.worst_raw = raw.to_string();
            task.worst_alpha_index = get(alpha_col).to_string();
        }
        if get(conv_col) == "false" {
            task.not_converged += 1;
            unconverged_total += 1;
            if unconverged.rows.len() < LISTED_UNCONVERGED {
                let mut row: Vec<String> = record.iter().map(str::to_string).collect();
                row.resize(header.len(), String::new());
                unconverged.rows.push(row);
            }
        }
    }
    Ok(Some(Certificates { tasks, unconverged, unconverged_total, points }))
}

/// The sentence that sums up the certificates.
fn certificate_verdict(c: &Certificates, tol: Option<f64>) -> String {
    let worst = c.tasks.iter().max_by(|a, b| {
        if a.worst.is_nan() {
            std::cmp::Ordering::Greater
        } else if b.worst.is_nan() {
            std::cmp::Ordering::Less
        } else {
            a.worst.total_cmp(&b.worst)
        }
    });
    let tol_text = tol.map(|t| format!(" (tol {})", compact(t, true))).unwrap_or_default();
    let mut s = String::new();
    match c.unconverged_total {
        0 => {
            let _ = write!(
                s,
                "<p class=\"verdict ok\">\u{2713} Every one of the {} path points converged{tol_text}.",
                thousands(c.points)
            );
        }
        n => {
            let tasks = c.tasks.iter().filter(|t| t.not_converged > 0).count();
            let _ = write!(
                s,
                "<p class=\"verdict bad\">\u{26a0} {} of {} path points did not converge{tol_text}",
                thousands(n),
                thousands(c.points)
            );
            if c.tasks.len() > 1 || !c.tasks.first().is_some_and(|t| t.task_id.is_empty()) {
                let _ = write!(s, ", in {tasks} of {} tasks", c.tasks.len());
            }
            s.push('.');
        }
    }
    if let Some(w) = worst {
        let _ = write!(
            s,
            " Largest certificate: <span class=\"num\" title=\"{}\">{}</span>",
            escape(&w.worst_raw),
            escape(&compact(w.worst, true))
        );
        if !w.kind.is_empty() {
            let _ = write!(s, " ({})", escape(&w.kind));
        }
        if !w.task_id.is_empty() {
            let _ = write!(s, ", task {}", escape(&w.task_id));
        }
        if !w.worst_alpha_index.is_empty() {
            let _ = write!(s, ", alpha_index {}", escape(&w.worst_alpha_index));
        }
        s.push('.');
    }
    s.push_str("</p>\n");
    s
}

/// The per-task table of worst certificates (a non-converged task flagged with a marker).
fn push_worst_table(out: &mut String, c: &Certificates) {
    let header =
        ["task_index", "task_id", "certificate_kind", "worst_certificate", "at_alpha_index", "points", "not_converged"];
    let _ = write!(out, "<div class=\"scroll\"><table id=\"worst\" class=\"sortable\">\n<thead><tr>");
    for h in header {
        let _ = write!(out, "<th scope=\"col\">{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for t in &c.tasks {
        out.push_str(if t.not_converged > 0 { "<tr class=\"flagged\">" } else { "<tr>" });
        push_cell(out, &t.task_index, Column::Plain);
        push_cell(out, &t.task_id, Column::Plain);
        push_cell(out, &t.kind, Column::Plain);
        push_cell(out, &t.worst_raw, Column::Certificate);
        push_cell(out, &t.worst_alpha_index, Column::Plain);
        push_cell(out, &t.points.to_string(), Column::Plain);
        if t.not_converged > 0 {
            let _ = write!(
                out,
                "<td class=\"num bad\" data-v=\"{n}\" title=\"{n} point{} did not converge\">\u{26a0} {n}</td>",
                plural(t.not_converged),
                n = t.not_converged
            );
        } else {
            out.push_str("<td class=\"num\">0</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">{} task{}; rows with non-converged points are marked \u{26a0}.</p>",
        c.tasks.len(),
        plural(c.tasks.len())
    );
}

// ---------------------------------------------------------------------------------------------
// Figures

/// SVG elements kept in an inlined figure; any other element is dropped with its content.
const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "title",
    "desc",
    "metadata",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "path",
    "text",
    "tspan",
    "textpath",
    "clippath",
    "mask",
    "lineargradient",
    "radialgradient",
    "stop",
    "pattern",
    "symbol",
    "use",
    "marker",
    "image",
    "switch",
];

/// Whether an attribute may stay: no event handlers, and references only inside the figure
/// (`#id`) or to an embedded raster image.
fn attribute_allowed(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let lower = value.trim().to_ascii_lowercase();
    if name.starts_with("on") || name == "style" && (lower.contains("url(") || lower.contains("@import")) {
        return false;
    }
    if name == "href" || name.ends_with(":href") || name == "src" {
        return lower.starts_with('#')
            || ["png", "jpeg", "gif", "webp"].iter().any(|t| lower.starts_with(&format!("data:image/{t}")));
    }
    if lower.contains("url(") {
        return lower
            .replace(' ', "")
            .split("url(")
            .skip(1)
            .all(|r| r.starts_with('#') || r.starts_with("'#") || r.starts_with("\"#"));
    }
    !lower.starts_with("javascript:")
}

/// Position just after the `>` that closes the tag starting at `start` (quotes respected).
fn tag_end(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate().skip(start + 1) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i + 1),
            None => {}
        }
    }
    None
}

/// A tag of an SVG file, rebuilt.
struct Tag {
    /// Element name without namespace prefix, as written (`linearGradient`).
    name: String,
    /// `</name>`.
    closing: bool,
    /// `<name … />`.
    self_closing: bool,
    /// `<name` plus the allowed attributes, each as `name="value"`, plus `>` or `/>`.
    text: String,
}

/// XML names as regpath accepts them in an inlined figure (element and attribute names).
fn plain_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// The tag `<name attr="v" …>` or `</name>` rebuilt with its allowed attributes only (see
/// [`attribute_allowed`]; attributes with unusual names are dropped); `None` for a tag whose
/// name is not a plain XML name.
fn clean_tag(tag: &str) -> Option<Tag> {
    let inner = &tag[1..tag.len() - 1];
    let closing = inner.starts_with('/');
    let inner = inner.trim_start_matches('/');
    let self_closing = !closing && inner.trim_end().ends_with('/');
    let inner = inner.trim_end().trim_end_matches('/');
    let name_end = inner.find(|c: char| c.is_whitespace()).unwrap_or(inner.len());
    let full = &inner[..name_end];
    if !plain_name(full) {
        return None;
    }
    let name = full.rsplit(':').next().unwrap_or(full).to_string();
    if closing {
        return Some(Tag { text: format!("</{name}>"), name, closing, self_closing });
    }
    let mut out = format!("<{name}");
    let rest = &inner.as_bytes()[name_end..];
    let mut i = 0;
    while i < rest.len() {
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < rest.len() && !rest[i].is_ascii_whitespace() && rest[i] != b'=' {
            i += 1;
        }
        if start == i {
            i += 1;
            continue;
        }
        let attr_name = &inner[name_end + start..name_end + i];
        while i < rest.len() && rest[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = "";
        if i < rest.len() && rest[i] == b'=' {
            i += 1;
            while i < rest.len() && rest[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < rest.len() && (rest[i] == b'"' || rest[i] == b'\'') {
                let q = rest[i];
                let v_start = i + 1;
                i += 1;
                while i < rest.len() && rest[i] != q {
                    i += 1;
                }
                value = &inner[name_end + v_start..name_end + i.min(rest.len())];
                i += 1;
            } else {
                let v_start = i;
                while i < rest.len() && !rest[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = &inner[name_end + v_start..name_end + i];
            }
        }
        if plain_name(attr_name) && attribute_allowed(attr_name, value) {
            // XML attribute values are already escaped, but may hold a quote of the other kind
            let _ = write!(out, " {attr_name}=\"{}\"", value.replace('"', "&quot;").replace('<', "&lt;"));
        }
    }
    out.push_str(if self_closing { "/>" } else { ">" });
    Some(Tag { name, closing, self_closing, text: out })
}

/// Elements whose tags are dropped but whose content is kept (a link's drawing).
const TRANSPARENT_ELEMENTS: &[&str] = &["a"];

/// The markup of an SVG file made safe to inline: the first `<svg>` element only (no XML
/// prolog, doctype or comments; CDATA becomes escaped text), SVG drawing elements only
/// (scripts, `foreignObject`, `style` and any other element dropped with their content; the
/// tags of links dropped), no event handlers and no external references, every element closed.
/// A root without `viewBox` gets one from its width and height so that it scales. `None` when
/// the file has no `<svg>` element.
pub fn sanitize_svg(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<svg")?;
    let (s, lower) = (&text[start..], &lower[start..]);
    let mut out = String::with_capacity(s.len());
    // open elements written so far (the root first)
    let mut open: Vec<String> = Vec::new();
    // an element being dropped, and the depth of its nesting
    let mut skipping: Option<(String, usize)> = None;
    let mut i = 0;
    while i < s.len() {
        let Some(lt) = s[i..].find('<').map(|k| i + k) else { break };
        if skipping.is_none() && !open.is_empty() {
            out.push_str(&s[i..lt]);
        }
        let rest = &lower[lt..];
        if rest.starts_with("<!--") {
            i = rest.find("-->").map_or(s.len(), |k| lt + k + 3);
            continue;
        }
        if rest.starts_with("<![cdata[") {
            let close = rest.find("]]>").map_or(s.len(), |k| lt + k);
            if skipping.is_none() && !open.is_empty() {
                out.push_str(&escape(&s[(lt + 9).min(close)..close]));
            }
            i = (close + 3).min(s.len());
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            i = rest.find('>').map_or(s.len(), |k| lt + k + 1);
            continue;
        }
        let Some(gt) = tag_end(s, lt) else { break };
        i = gt;
        let Some(tag) = clean_tag(&s[lt..gt]) else {
            continue;
        };
        let key = tag.name.to_ascii_lowercase();
        if let Some((skipped, depth)) = &mut skipping {
            if *skipped == key {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skipping = None;
                    }
                } else if !tag.self_closing {
                    *depth += 1;
                }
            }
            continue;
        }
        if TRANSPARENT_ELEMENTS.contains(&key.as_str()) {
            continue;
        }
        if !SVG_ELEMENTS.contains(&key.as_str()) {
            if !tag.closing && !tag.self_closing {
                skipping = Some((key, 1));
            }
            continue;
        }
        if tag.closing {
            // close up to the matching open element; a stray closing tag is dropped
            if let Some(at) = open.iter().rposition(|n| n.eq_ignore_ascii_case(&tag.name)) {
                for name in open.drain(at..).rev() {
                    let _ = write!(out, "</{name}>");
                }
            }
            if open.is_empty() {
                break;
            }
        } else if open.is_empty() {
            out.push_str(&with_view_box(&tag.text));
            if tag.self_closing {
                break;
            }
            open.push(tag.name);
        } else {
            out.push_str(&tag.text);
            if !tag.self_closing {
                open.push(tag.name);
            }
        }
    }
    for name in open.drain(..).rev() {
        let _ = write!(out, "</{name}>");
    }
    Some(out)
}

/// Adds `viewBox="0 0 W H"` to a root `<svg …>` tag that has numeric width and height and no
/// viewBox.
fn with_view_box(tag: &str) -> String {
    if tag.to_ascii_lowercase().contains("viewbox=") {
        return tag.to_string();
    }
    let attr = |name: &str| -> Option<f64> {
        let key = format!(" {name}=\"");
        let from = tag.find(&key)? + key.len();
        let len = tag[from..].find('"')?;
        tag[from..from + len].trim_end_matches("px").parse().ok()
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => tag.replacen("<svg", &format!("<svg viewBox=\"0 0 {w} {h}\""), 1),
        _ => tag.to_string(),
    }
}

/// The `*.svg` files of the given folders, sorted by name within each folder.
fn svg_files(folders: &[PathBuf]) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for folder in folders {
        let Ok(entries) = fs::read_dir(folder) else { continue };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg")))
            .collect();
        files.sort();
        all.extend(files);
    }
    all
}

/// A heading for a group of figures, from the file name's prefix before `__`.
fn figure_group(prefix: &str) -> String {
    match prefix {
        "error_vs_nnz" => "Test error against the number of nonzero coefficients".to_string(),
        "coef_path" => "Coefficient paths".to_string(),
        "vs_p" => "Against the number of features p".to_string(),
        other => other.replace('_', " "),
    }
}

/// Inlines every figure, grouped by file-name prefix. Returns how many were inlined.
fn push_figures(out: &mut String, dir: &Path, files: &[PathBuf]) -> Result<usize> {
    let mut groups: Vec<(String, Vec<&PathBuf>)> = Vec::new();
    for f in files {
        let stem = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = stem.split_once("__").map_or("other", |(p, _)| p).to_string();
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, list)) => list.push(f),
            None => groups.push((prefix, vec![f])),
        }
    }
    let mut inlined = 0;
    for (prefix, list) in groups {
        let _ = writeln!(out, "<h3>{}</h3>\n<div class=\"figures\">", escape(&figure_group(&prefix)));
        for f in list {
            let rel = f.strip_prefix(dir).unwrap_or(f).to_string_lossy().into_owned();
            let text = fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
            let name = escape(&rel);
            match sanitize_svg(&text) {
                Some(svg) => {
                    let _ = writeln!(
                        out,
                        "<figure class=\"plot\" data-file=\"{name}\">{svg}<figcaption>{name}</figcaption></figure>"
                    );
                    inlined += 1;
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<figure class=\"missing\"><p class=\"bad\">{name} holds no SVG drawing.</p></figure>"
                    );
                }
            }
        }
        out.push_str("</div>\n");
    }
    Ok(inlined)
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The start of the page, up to `<main>`.
fn page_start(out: &mut String, title: &str, subtitle: &str, sections: &[(&str, &str)]) {
    let title = escape(title);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <meta name=\"generator\" content=\"regpath {}\">\n<title>{title}</title>\n\
         <link rel=\"icon\" href=\"data:,\">\n<style>{CSS}</style>\n</head>\n<body>\n\
         <header><h1>{title}</h1><p>{}</p></header>\n<nav>",
        env!("CARGO_PKG_VERSION"),
        escape(subtitle)
    );
    for (id, label) in sections {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", escape(label));
    }
    out.push_str("</nav>\n<main>\n");
}

fn page_end(out: &mut String, dir: &Path) {
    let _ = write!(
        out,
        "</main>\n<footer>Written by <code>regpath report</code> (regpath {}) from the files of {}; \
         self-contained: nothing is fetched.</footer>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&dir_name(dir))
    );
}

fn dir_name(dir: &Path) -> String {
    let abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    abs.file_name().map_or_else(|| abs.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The files of the directory and their sizes (sub-folders: number of files).
fn push_files(out: &mut String, dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut items: Vec<(String, String)> = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == REPORT_FILE {
            continue;
        }
        let Ok(meta) = e.metadata() else { continue };
        let what = if meta.is_dir() {
            let n = fs::read_dir(e.path()).map(|d| d.count()).unwrap_or(0);
            format!("folder, {n} entr{}", if n == 1 { "y" } else { "ies" })
        } else {
            human_size(meta.len())
        };
        items.push((if meta.is_dir() { format!("{name}/") } else { name }, what));
    }
    items.sort();
    out.push_str("<ul class=\"files\">");
    for (name, what) in items {
        let _ = write!(out, "<li><code>{}</code> <span class=\"note\">{}</span></li>", escape(&name), escape(&what));
    }
    out.push_str("</ul>\n");
}

fn human_size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// Tables of a directory that a report shows in their own section or summarizes.
const OWN_TABLES: &[&str] = &["path.csv", "summary.csv", "comparison.csv", "coefs.csv"];
/// Other CSV files larger than this are named, not shown.
const OTHER_TABLE_MAX_BYTES: u64 = 2 << 20;

/// The other `*.csv` files of the directory (not [`OWN_TABLES`]), sorted by name.
fn other_tables(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
        .filter(|p| !p.file_name().is_some_and(|n| OWN_TABLES.iter().any(|t| n == *t)))
        .collect();
    files.sort();
    files
}

/// A section with every other CSV file of the directory as a sortable table.
fn push_other_tables(out: &mut String, files: &[PathBuf]) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    out.push_str("<section id=\"other-tables\"><h2>Other tables</h2>\n");
    for (i, file) in files.iter().enumerate() {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let _ = writeln!(out, "<h3><code>{}</code></h3>", escape(&name));
        let size = fs::metadata(file).map(|m| m.len()).unwrap_or(0);
        if size > OTHER_TABLE_MAX_BYTES {
            let _ = writeln!(out, "<p class=\"note\">{}: not shown.</p>", human_size(size));
            continue;
        }
        let table = Table::read(file)?;
        push_table(out, &table, &TableStyle { id: &format!("other-{i}"), sortable: true, keep_empty: false });
    }
    out.push_str("</section>\n");
    Ok(())
}

/// Columns of the pieces table, in this order (unknown fields follow).
const PIECE_COLUMNS: &[&str] = &[
    "shard",
    "host",
    "threads",
    "slurm_job",
    "started_at",
    "finished_at",
    "wall_time_s",
    "peak_rss_mb",
    "tasks_assigned",
    "tasks_run",
    "tasks_resumed",
    "estimated_cost",
    "regpath_version",
    "git_revision",
    "k",
    "n",
];

/// For a sweep run in pieces: "from START to END; longest piece W s, all pieces T s".
fn pieces_span(pieces: &[Value]) -> Option<String> {
    let text = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
    let start = pieces.iter().filter_map(|p| text(p, "started_at")).min()?;
    let end = pieces.iter().filter_map(|p| text(p, "finished_at")).max()?;
    let walls: Vec<f64> = pieces.iter().filter_map(|p| p.get("wall_time_s").and_then(Value::as_f64)).collect();
    let longest = walls.iter().copied().fold(0.0, f64::max);
    Some(format!(
        "from {start} to {end}; longest piece {} s, all pieces {} s",
        compact(longest, false),
        compact(walls.iter().sum(), false)
    ))
}

/// A JSON value as escaped HTML text for a key–value list.
fn value_html(v: &Value) -> String {
    escape(&scalar_text(v).unwrap_or_else(|| v.to_string()))
}

fn render_sweep(dir: &Path) -> Result<String> {
    let manifest = read_json(&dir.join("manifest.json"))?;
    let state = dir.join("sweep-config.json");
    let state = if state.is_file() { Some(read_json(&state)?) } else { None };
    let config = state.as_ref().and_then(|s| s.get("config")).or_else(|| manifest.get("config")).cloned();
    let name = config.as_ref().and_then(|c| c.get("name")).and_then(Value::as_str).map(str::to_string);
    let comparison = Table::read(&dir.join("comparison.csv"))?;
    let summary = Table::read(&dir.join("summary.csv"))?;
    let path_csv = dir.join("path.csv");
    let certs = if path_csv.is_file() { certificates(&path_csv)? } else { None };
    let figures = svg_files(&[dir.join("figures")]);
    let tol = config.as_ref().and_then(|c| c.pointer("/solver/tol")).and_then(Value::as_f64);

    let title = format!("regpath sweep: {}", name.clone().unwrap_or_else(|| dir_name(dir)));
    let pieces: Vec<Value> = manifest.get("pieces").and_then(Value::as_array).cloned().unwrap_or_default();
    let span = pieces_span(&pieces);
    let threads = manifest.get("threads").and_then(Value::as_u64);
    let run = match &span {
        Some(span) => format!("run in {} pieces, {span}", pieces.len()),
        None => format!(
            "run {} ({} thread{}, {} s)",
            manifest.get("started_at").and_then(Value::as_str).unwrap_or("at an unrecorded time"),
            threads.map_or_else(|| "?".to_string(), |t| t.to_string()),
            plural(threads.unwrap_or(0) as usize),
            manifest.get("wall_time_s").and_then(Value::as_f64).map_or_else(|| "?".to_string(), |t| compact(t, false)),
        ),
    };
    let subtitle = format!(
        "{} task{}, {} configuration{} compared; {run}",
        summary.rows.len(),
        plural(summary.rows.len()),
        comparison.rows.len(),
        plural(comparison.rows.len()),
    );
    let mut sections = vec![
        ("run", "Run"),
        ("comparison-section", "Comparison"),
        ("certificates", "Certificates"),
        ("summary-section", "Tasks"),
    ];
    let others = other_tables(dir);
    if !others.is_empty() {
        sections.push(("other-tables", "Other tables"));
    }
    if !figures.is_empty() {
        sections.push(("figures", "Figures"));
    }
    sections.push(("configuration", "Configuration"));
    let mut out = String::new();
    page_start(&mut out, &title, &subtitle, &sections);

    // the run: manifest fields, the pieces of a sharded run, the files
    out.push_str("<section id=\"run\"><h2>Run</h2>\n");
    let get = |k: &str| manifest.get(k);
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut known: Vec<&str> = vec!["config", "pieces", "command_line"];
    if let Some(v) = get("regpath_version") {
        add(&mut pairs, "regpath version", value_html(v));
    }
    if let Some(v) = get("git_revision") {
        let dirty = match get("git_dirty").and_then(Value::as_bool) {
            Some(true) => " <span class=\"note\">(uncommitted changes)</span>",
            _ => "",
        };
        let rev = if v.is_null() { "unknown".to_string() } else { value_html(v) };
        add(&mut pairs, "git revision", format!("<code>{rev}</code>{dirty}"));
    }
    let mut hosts: Vec<String> = Vec::new();
    if let Some(h) = get("host").and_then(Value::as_str) {
        hosts.push(h.to_string());
    }
    for p in &pieces {
        if let Some(h) = p.get("host").and_then(Value::as_str)
            && !hosts.iter().any(|x| x == h)
        {
            hosts.push(h.to_string());
        }
    }
    if !hosts.is_empty() {
        let suffix = if pieces.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"note\">({} piece{})</span>", pieces.len(), plural(pieces.len()))
        };
        add(&mut pairs, "host", format!("{}{suffix}", escape(&hosts.join(", "))));
    }
    for (key, label) in [
        ("threads", "threads"),
        ("started_at", "started"),
        ("finished_at", "finished"),
        ("wall_time_s", if pieces.is_empty() { "wall time (s)" } else { "wall time of the merge (s)" }),
        ("tasks_total", "tasks"),
        ("tasks_run", "tasks computed"),
        ("tasks_resumed", "tasks reused"),
        ("seed", "seed"),
        ("config_hash", "configuration hash"),
    ] {
        if let Some(v) = get(key) {
            let html = match v.as_f64() {
                Some(x) if key == "wall_time_s" => compact(x, false),
                _ => value_html(v),
            };
            add(&mut pairs, label, html);
        }
    }
    known.extend(["regpath_version", "git_revision", "git_dirty", "host", "threads", "started_at", "finished_at"]);
    known.extend(["wall_time_s", "tasks_total", "tasks_run", "tasks_resumed", "seed", "config_hash"]);
    if let Value::Object(map) = &manifest {
        for (k, v) in map {
            if known.contains(&k.as_str()) {
                continue;
            }
            let html = match v {
                Value::Array(_) | Value::Object(_) => format!("<code>{}</code>", escape(&v.to_string())),
                _ => value_html(v),
            };
            add(&mut pairs, &k.replace('_', " "), html);
        }
    }
    if let Some(span) = &span {
        add(&mut pairs, "pieces", escape(&format!("{}, {span}", pieces.len())));
    }
    if let Some(Value::Array(args)) = get("command_line") {
        add(&mut pairs, "command line", format!("<code>{}</code>", escape(&shell_line(args))));
    }
    push_pairs(&mut out, &pairs);
    if !pieces.is_empty() {
        out.push_str("<h3>Pieces</h3>\n");
        // the task ids of a piece would fill a cell per piece: the counts say enough here
        let shown: Vec<Value> = pieces
            .iter()
            .cloned()
            .map(|mut piece| {
                if let Value::Object(map) = &mut piece {
                    map.remove("task_ids");
                }
                piece
            })
            .collect();
        push_table(
            &mut out,
            &objects_table(&shown, PIECE_COLUMNS),
            &TableStyle { id: "pieces", sortable: true, keep_empty: false },
        );
    }
    out.push_str("<h3>Files</h3>\n");
    push_files(&mut out, dir);
    out.push_str("</section>\n");

    out.push_str(
        "<section id=\"comparison-section\"><h2>Comparison</h2>\n<p class=\"note\">One row per dataset \u{d7} \
         penalty configuration: the chosen models of all replicates (<code>comparison.csv</code>).</p>\n",
    );
    push_table(&mut out, &comparison, &TableStyle { id: "comparison", sortable: true, keep_empty: false });
    out.push_str("</section>\n");

    out.push_str("<section id=\"certificates\"><h2>Certificates</h2>\n");
    match &certs {
        Some(c) => {
            out.push_str(&certificate_verdict(c, tol));
            out.push_str(
                "<p class=\"note\">The worst (largest) certificate of each task's path: relative duality \
                 gap (<code>gap</code>) or relative KKT violation (<code>kkt</code>), from <code>path.csv</code>.</p>\n",
            );
            push_worst_table(&mut out, c);
            if c.unconverged_total > 0 {
                let _ = writeln!(
                    out,
                    "<h3>Points that did not converge</h3>\n<p class=\"note\">{}</p>",
                    if c.unconverged_total > c.unconverged.rows.len() {
                        format!("The first {} of {}.", c.unconverged.rows.len(), c.unconverged_total)
                    } else {
                        "Their rows of path.csv.".to_string()
                    }
                );
                push_table(
                    &mut out,
                    &c.unconverged,
                    &TableStyle { id: "unconverged", sortable: true, keep_empty: false },
                );
            }
        }
        None => out.push_str("<p class=\"note\">No <code>path.csv</code> with a certificate column.</p>\n"),
    }
    out.push_str("</section>\n");

    out.push_str(
        "<section id=\"summary-section\"><h2>Tasks</h2>\n<p class=\"note\">One row per task: the chosen \
         model (<code>summary.csv</code>).</p>\n",
    );
    push_table(&mut out, &summary, &TableStyle { id: "summary", sortable: true, keep_empty: false });
    out.push_str("</section>\n");
    push_other_tables(&mut out, &others)?;

    if !figures.is_empty() {
        out.push_str("<section id=\"figures\"><h2>Figures</h2>\n");
        push_figures(&mut out, dir, &figures)?;
        out.push_str("</section>\n");
    }

    out.push_str("<section id=\"configuration\"><h2>Configuration</h2>\n");
    match &config {
        Some(c) => {
            let (format, text) = config_text(c);
            let _ = writeln!(
                out,
                "<p class=\"note\">The resolved configuration (defaults filled in, command-line flags applied), as {format}.</p>\n<pre>{}</pre>",
                escape(&text)
            );
        }
        None => out.push_str("<p class=\"note\">No configuration recorded.</p>\n"),
    }
    out.push_str("</section>\n");
    page_end(&mut out, dir);
    Ok(out)
}

/// The parts of `model.json` a report shows (the rest, such as the feature table, is skipped
/// without being built).
#[derive(serde::Deserialize)]
struct ModelSummary {
    #[serde(default)]
    regpath_version: Option<String>,
    #[serde(default)]
    datafit: Option<String>,
    #[serde(default)]
    penalty: Option<String>,
    #[serde(default)]
    l1_ratio: Option<f64>,
    #[serde(default)]
    gamma: Option<f64>,
    #[serde(default)]
    fit_intercept: Option<bool>,
    #[serde(default)]
    standardize: Option<bool>,
    #[serde(default)]
    tol: Option<f64>,
    #[serde(default)]
    alphas: Vec<f64>,
    #[serde(default)]
    alpha_over_max: Vec<f64>,
    #[serde(default)]
    n_features: Option<usize>,
    #[serde(default)]
    covariates: Vec<String>,
    #[serde(default)]
    training: Option<TrainingSummary>,
}

#[derive(serde::Deserialize)]
struct TrainingSummary {
    #[serde(default)]
    samples: Option<usize>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    data_hash: Option<String>,
}

fn render_path(dir: &Path) -> Result<String> {
    let model_path = dir.join("model.json");
    let file = fs::File::open(&model_path).with_context(|| format!("cannot read {}", model_path.display()))?;
    let model: ModelSummary = serde_json::from_reader(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a regpath model", model_path.display()))?;
    let path_csv = dir.join("path.csv");
    let table = Table::read(&path_csv)?;
    let certs = certificates(&path_csv)?;
    let figures = svg_files(&[dir.to_path_buf(), dir.join("figures")]);
    let training = model.training.as_ref();

    let penalty = model.penalty.clone().unwrap_or_else(|| "?".to_string());
    let mut penalty_text = penalty.clone();
    if let Some(r) = model.l1_ratio {
        let _ = write!(penalty_text, " (l1_ratio {})", compact(r, false));
    }
    if let Some(g) = model.gamma {
        let _ = write!(penalty_text, " (gamma {})", compact(g, false));
    }
    let source = training.and_then(|t| t.source.clone()).unwrap_or_default();
    let title =
        format!("regpath path: {penalty}{}", if source.is_empty() { String::new() } else { format!(" on {source}") });
    let subtitle = format!(
        "{} {} path, {} alphas, {} samples \u{d7} {} features",
        model.datafit.as_deref().unwrap_or("?"),
        penalty_text,
        table.rows.len(),
        training.and_then(|t| t.samples).map_or_else(|| "?".to_string(), |n| n.to_string()),
        model.n_features.map_or_else(|| "?".to_string(), |n| n.to_string()),
    );
    let mut sections = vec![("model", "Model"), ("certificates", "Certificates"), ("path-section", "Path")];
    let others = other_tables(dir);
    if !others.is_empty() {
        sections.push(("other-tables", "Other tables"));
    }
    if !figures.is_empty() {
        sections.push(("figures", "Figures"));
    }
    let mut out = String::new();
    page_start(&mut out, &title, &subtitle, &sections);

    out.push_str("<section id=\"model\"><h2>Model</h2>\n");
    let mut pairs: Vec<(String, String)> = Vec::new();
    let opt = |v: Option<String>| v.map(|s| escape(&s));
    let mut add = |label: &str, html: Option<String>| {
        if let Some(h) = html {
            pairs.push((label.to_string(), h));
        }
    };
    add("datafit", opt(model.datafit.clone()));
    add("penalty", Some(escape(&penalty_text)));
    add("samples (n)", opt(training.and_then(|t| t.samples).map(|n| n.to_string())));
    add("features (p)", opt(model.n_features.map(|n| n.to_string())));
    if !model.covariates.is_empty() {
        add(
            "unpenalized covariates",
            Some(format!("{} ({})", model.covariates.len(), escape(&model.covariates.join(", ")))),
        );
    }
    add("source", opt(training.and_then(|t| t.source.clone())));
    add("intercept", opt(model.fit_intercept.map(|b| b.to_string())));
    add("standardized", opt(model.standardize.map(|b| b.to_string())));
    add("tolerance", opt(model.tol.map(|t| compact(t, true))));
    if let (Some(first), Some(last)) = (model.alphas.first(), model.alphas.last()) {
        let max = match model.alpha_over_max.first() {
            Some(&r) if r > 0.0 => first / r,
            _ => *first,
        };
        add(
            "alphas",
            Some(format!("{}, from {} down to {}", model.alphas.len(), compact(*first, false), compact(*last, false))),
        );
        add("alpha_max", Some(compact(max, false)));
        if let Some(r) = model.alpha_over_max.last() {
            add("smallest alpha / alpha_max", Some(compact(*r, false)));
        }
    }
    add("training data hash", opt(training.and_then(|t| t.data_hash.clone())).map(|h| format!("<code>{h}</code>")));
    add("regpath version", opt(model.regpath_version.clone()));
    push_pairs(&mut out, &pairs);
    out.push_str("<h3>Files</h3>\n");
    push_files(&mut out, dir);
    out.push_str("</section>\n");

    out.push_str("<section id=\"certificates\"><h2>Certificates</h2>\n");
    match &certs {
        Some(c) => {
            out.push_str(&certificate_verdict(c, model.tol));
            if c.unconverged_total > 0 {
                out.push_str(
                    "<p class=\"note\">The rows of the points that did not converge are marked in the path table \
                     below (<code>converged</code> \u{2717} false).</p>\n",
                );
            }
        }
        None => out.push_str("<p class=\"note\">path.csv has no certificate column.</p>\n"),
    }
    out.push_str("</section>\n");

    out.push_str("<section id=\"path-section\"><h2>Path</h2>\n<p class=\"note\">One row per alpha (<code>path.csv</code>).</p>\n");
    push_table(&mut out, &table, &TableStyle { id: "path", sortable: true, keep_empty: false });
    out.push_str("</section>\n");
    push_other_tables(&mut out, &others)?;

    if !figures.is_empty() {
        out.push_str("<section id=\"figures\"><h2>Figures</h2>\n");
        push_figures(&mut out, dir, &figures)?;
        out.push_str("</section>\n");
    }
    page_end(&mut out, dir);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Style and script

const CSS: &str = r#"
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f5f6f8;color:#1c2430;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#1f3a5f;color:#fff;padding:16px 28px 14px}
header h1{margin:0;font-size:21px;font-weight:600;word-break:break-word}
header p{margin:4px 0 0;color:#d5deea}
nav{background:#fff;border-bottom:1px solid #dde2e8;padding:8px 28px}
nav a{color:#1f5fa8;text-decoration:none;margin-right:18px;font-weight:500}
nav a:hover{text-decoration:underline}
main{padding:4px 28px 24px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:16px 0;padding:10px 18px 12px}
h2{font-size:17px;margin:6px 0 8px}
h3{font-size:14px;margin:14px 0 6px;color:#33415a}
code,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono",monospace;font-size:12px}
pre{background:#f3f5f8;border:1px solid #e3e7ec;border-radius:4px;padding:10px 12px;overflow:auto;max-height:60vh;margin:6px 0}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:4px 0 8px}
dl.kv dt{color:#56606d}
dl.kv dd{margin:0;word-break:break-word}
.note{color:#5b6573;font-size:12.5px;margin:6px 0}
.verdict{font-weight:600;margin:6px 0}
.ok{color:#067647}
.bad{color:#b42318}
ul.files{columns:3 260px;margin:4px 0;padding-left:18px}
.scroll{max-height:72vh;overflow:auto;border:1px solid #e3e7ec;border-radius:4px}
table{border-collapse:separate;border-spacing:0;font-size:12.5px;width:max-content;min-width:100%}
th,td{padding:3px 9px;border-bottom:1px solid #edf0f3;white-space:nowrap;text-align:left}
thead th{position:sticky;top:0;z-index:1;background:#e9eef4;font-weight:600;border-bottom:1px solid #cfd7e1}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even) td{background-color:#fafbfc}
tbody tr.flagged td{background-color:#fff0ee}
tbody tr:hover td{background-color:#eef4fb}
td.bad{font-weight:600}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:hover{background:#dce5ef}
table.sortable th::after{content:"\2195";margin-left:4px;color:#9aa5b4;font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:"\25B2";color:#1f5fa8}
table.sortable th[aria-sort=descending]::after{content:"\25BC";color:#1f5fa8}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,760px),1fr));gap:12px}
figure{margin:0;border:1px solid #e3e7ec;border-radius:4px;padding:6px;background:#fff;max-width:1120px}
figure svg{display:block;width:100%;height:auto}
figcaption{font-size:11.5px;color:#5b6573;margin-top:4px;word-break:break-all}
footer{color:#7a8493;font-size:12px;padding:0 28px 24px}
"#;

/// Sorting by a click on a header of a `table.sortable`: numerically when both keys are numbers
/// (the key is the cell's `data-v`, its full value, else its text), as text otherwise; empty
/// cells last; a second click reverses. `aria-sort` on the header shows the order.
const SCRIPT: &str = r#"
(function () {
  "use strict";
  function key(cell) {
    if (!cell) return "";
    var v = cell.getAttribute("data-v");
    return (v === null ? cell.textContent : v).trim();
  }
  function num(s) {
    if (s === "") return null;
    if (s === "inf" || s === "+inf") return Infinity;
    if (s === "-inf") return -Infinity;
    var x = Number(s);
    return isNaN(x) ? null : x;
  }
  function compare(a, b) {
    if (a === "" || b === "") return (a === "") - (b === "");
    var x = num(a), y = num(b);
    if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : 0;
    if (x !== null) return -1;
    if (y !== null) return 1;
    return a.localeCompare(b, undefined, {numeric: true});
  }
  function sortBy(table, th, col) {
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var heads = table.tHead.rows[0].cells;
    for (var i = 0; i < heads.length; i++) heads[i].removeAttribute("aria-sort");
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (r, i) {
      return {row: r, k: key(r.cells[col]), i: i};
    });
    rows.sort(function (a, b) {
      var empty = (a.k === "") - (b.k === "");
      if (empty !== 0) return empty;
      return dir * compare(a.k, b.k) || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r.row); });
    body.appendChild(frag);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Sort by " + th.textContent;
      th.addEventListener("click", function () { sortBy(table, th, col); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, th, col); }
      });
    });
  });
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_the_five_characters() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(compact(0.929205709779209, false), "0.9292");
        assert_eq!(compact(1.0, false), "1");
        assert_eq!(compact(12.0, false), "12");
        assert_eq!(compact(123456.7, false), "123457");
        assert_eq!(compact(1234567.0, false), "1.235e6");
        assert_eq!(compact(0.00012345, false), "1.234e-4");
        assert_eq!(compact(-0.0004, false), "-4e-4");
        assert_eq!(compact(0.001, false), "0.001");
        assert_eq!(compact(4.730122162018728e-16, true), "4.73e-16");
        assert_eq!(compact(1e-6, true), "1e-6");
        assert_eq!(compact(0.5, true), "5e-1");
        assert_eq!(compact(f64::NAN, false), "NaN");
        assert_eq!(compact(f64::NEG_INFINITY, false), "-inf");
        assert_eq!(compact(-0.0, false), "0");
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(10000), "10,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn cells_keep_the_full_value() {
        let mut s = String::new();
        push_cell(&mut s, "0.929205709779209", Column::Plain);
        assert_eq!(s, "<td class=\"num\" title=\"0.929205709779209\" data-v=\"0.929205709779209\">0.9292</td>");
        s.clear();
        push_cell(&mut s, "4153701966456911851", Column::Plain);
        assert_eq!(s, "<td class=\"num\">4153701966456911851</td>");
        s.clear();
        assert!(push_cell(&mut s, "false", Column::Converged));
        assert!(s.contains("class=\"bad\""));
        s.clear();
        push_cell(&mut s, "<b>&", Column::Plain);
        assert_eq!(s, "<td>&lt;b&gt;&amp;</td>");
    }

    #[test]
    fn svg_is_sanitized() {
        let svg = r##"<?xml version="1.0"?><!DOCTYPE svg><!-- c --><svg width="100" height="50" xmlns="http://www.w3.org/2000/svg" onload="alert(1)">
<script>alert("x")</script><style>@import url(http://x/y.css);</style>
<a href="http://example.invalid/"><rect width="1" height="1"/></a>
<foreignObject><div>html</div></foreignObject>
<rect x="0" fill="url(http://x/p)" stroke="url(#grad)"/>
<use href="#a"/><use xlink:href="http://x/s.svg#a"/><image href="data:image/png;base64,AAAA"/>
<text x="1" y='2'>a &amp; b &lt; c</text><SCRIPT type="x">bad()</SCRIPT></svg>trailing"##;
        let out = sanitize_svg(svg).unwrap();
        assert!(out.starts_with("<svg viewBox=\"0 0 100 50\" width=\"100\""), "{out}");
        assert!(out.ends_with("</svg>"), "{out}");
        for bad in [
            "script",
            "onload",
            "alert",
            "@import",
            "http://x",
            "example.invalid",
            "foreignObject",
            "<div",
            "<a ",
            "style",
        ] {
            assert!(!out.contains(bad), "{bad} in {out}");
        }
        assert!(out.contains("stroke=\"url(#grad)\""), "{out}");
        assert!(out.contains("<use href=\"#a\"/>"), "{out}");
        assert!(out.contains("data:image/png"), "{out}");
        assert!(out.contains("<text x=\"1\" y=\"2\">a &amp; b &lt; c</text>"), "{out}");
        assert!(sanitize_svg("<html>no drawing</html>").is_none());
        // elements are always closed, CDATA is text, link tags go but their drawing stays
        let out = sanitize_svg(
            "<svg><g><a href=\"x\"><circle r=\"1\"/></a><text><![CDATA[</svg><script>x</script>]]></text><style>",
        )
        .unwrap();
        assert_eq!(out, "<svg><g><circle r=\"1\"/><text>&lt;/svg&gt;&lt;script&gt;x&lt;/script&gt;</text></g></svg>");
        let out = sanitize_svg("<svg><linearGradient id=\"g\" x&y=\"1\" onclick='a()'></linearGradient></svg><script>")
            .unwrap();
        assert_eq!(out, "<svg><linearGradient id=\"g\"></linearGradient></svg>");
    }

    #[test]
    fn plotters_figures_pass_unchanged_apart_from_layout() {
        let svg = "<svg width=\"1100\" height=\"600\" viewBox=\"0 0 1100 600\" xmlns=\"http://www.w3.org/2000/svg\">\n\
                   <rect x=\"0\" y=\"0\" width=\"1100\" height=\"600\" opacity=\"1\" fill=\"#FFFFFF\" stroke=\"none\"/>\n\
                   <text x=\"410\" y=\"20\" dy=\"0.76em\">\nuniform, n = 300\n</text>\n</svg>\n";
        assert_eq!(sanitize_svg(svg).unwrap(), svg.trim_end());
    }

    #[test]
    fn detection_names_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let e = format!("{:#}", detect(dir.path()).unwrap_err());
        assert!(e.contains("manifest.json, summary.csv, comparison.csv") && e.contains("path.csv, model.json"), "{e}");
        fs::write(dir.path().join("path.csv"), "alpha_index,certificate\n0,1e-9\n").unwrap();
        let e = format!("{:#}", detect(dir.path()).unwrap_err());
        assert!(e.contains("lacks model.json"), "{e}");
        let e = format!("{:#}", write_report(&dir.path().join("nope")).unwrap_err());
        assert!(e.contains("is not a directory"), "{e}");
        assert!(!dir.path().join(REPORT_FILE).exists());
    }

    #[test]
    fn unknown_columns_are_rendered_and_empty_ones_named() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("manifest.json"), r#"{"regpath_version":"9.9","threads":2,"host":"h<1>","future_field":"x"}"#)
            .unwrap();
        fs::write(d.join("summary.csv"), "task_id,cv_mean,ci_low,all_converged,unused\nt&1,0.123456,1e-300,false,\n")
            .unwrap();
        fs::write(d.join("comparison.csv"), "dataset,new_metric\nd,3.5\n").unwrap();
        fs::write(d.join("memory.csv"), "task,peak_mb\nx,75.25\n").unwrap();
        fs::write(
            d.join("path.csv"),
            "task_index,task_id,alpha_index,certificate,certificate_kind,converged\n0,t&1,0,1e-9,gap,true\n0,t&1,1,0.5,gap,false\n",
        )
        .unwrap();
        let html = render(d).unwrap();
        for needle in [
            "<th scope=\"col\">cv_mean</th>",
            "<th scope=\"col\">ci_low</th>",
            "<th scope=\"col\">new_metric</th>",
            "title=\"0.123456\"",
            "t&amp;1",
            "h&lt;1&gt;",
            "future field",
            "not shown: unused",
            "<tr class=\"flagged\">",
            "1 of 2 path points did not converge",
            "<h3><code>memory.csv</code></h3>",
            "<th scope=\"col\">peak_mb</th>",
        ] {
            assert!(html.contains(needle), "{needle} missing");
        }
        assert!(!html.contains("t&1"));
    }
}
