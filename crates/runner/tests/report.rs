//! `regpath report DIR`: the page of a sweep and of a path output, checked in a real browser.
//!
//! Headless Chromium (Debian's `chromium`; `.ci/run` installs it) is started by the test with
//! `--remote-debugging-port=0` and driven over the DevTools protocol (a WebSocket): it loads
//! each page from a `file://` URL and the test checks that no console error, uncaught
//! exception, log error (CSP violations, failed loads) or network request of any kind occurred,
//! that every figure file is inlined and drawn, that clicking a column header of a sortable
//! table reorders its rows (numerically, then reversed on a second click), and that
//! non-converged points are flagged. Without Chromium the browser part is skipped with a
//! message. The browser is killed when the test ends, also on failure.

use std::fs;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

const BIN: &str = env!("CARGO_BIN_EXE_regpath");

/// A small sweep with some points that do not converge (max_epochs = 3) and the scaling
/// figures (uniform at two p).
const CONFIG: &str = r#"
name = "report test <&>"
seed = 11

[[datasets]]
family = "toeplitz"
n = 60
p = 40
rho = 0.9
k = 4
replicates = 2

[[datasets]]
family = "uniform"
n = 50
p = [12, 30]

[[penalties]]
penalty = "lasso"

[[penalties]]
penalty = "mcp"

[grid]
n_alphas = 12
eps = 0.05

[solver]
max_epochs = 3
"#;

fn regpath(args: &[&str]) -> std::process::Output {
    let out = Command::new(BIN).args(args).output().expect("cannot run regpath");
    assert!(out.status.success(), "regpath {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A sweep output with figures, and its report.
fn sweep_output(dir: &Path) -> PathBuf {
    let out = dir.join("sweep");
    let config = SweepConfig::from_toml(CONFIG, None).unwrap();
    config.validate().unwrap();
    let opts = RunOptions { out: out.clone(), threads: Some(2), plot: true, ..RunOptions::default() };
    let outcome = run_sweep(&config, &opts).unwrap();
    assert!(outcome.complete);
    regpath(&["report", out.to_str().unwrap()]);
    out
}

/// A `regpath path` output (with `--report`) whose MCP path has non-converged points.
fn path_output(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let out = dir.join("path");
    regpath(
        &["gen", "--family", "toeplitz", "--n", "60", "--p", "200", "--rho", "0.9", "--k", "10", "--seed", "1"]
            .into_iter()
            .chain(["--out", data.to_str().unwrap()])
            .collect::<Vec<_>>(),
    );
    let (x, y) = (data.join("X.npy"), data.join("y.npy"));
    regpath(&[
        "path",
        "--x",
        x.to_str().unwrap(),
        "--y",
        y.to_str().unwrap(),
        "--penalty",
        "mcp",
        "--n-alphas",
        "30",
        "--max-epochs",
        "2",
        "--report",
        "--out",
        out.to_str().unwrap(),
    ]);
    out
}

/// Rows of a CSV file as maps of column name to value.
fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().clone();
    r.records().map(|rec| header.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect()).collect()
}

fn svg_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".svg")).collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn not_an_output_directory_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("path.csv"), "alpha_index,certificate\n0,0\n").unwrap();
    let out = Command::new(BIN).args(["report", dir.path().to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("manifest.json, summary.csv, comparison.csv") && err.contains("lacks model.json"), "{err}");
    assert!(!dir.path().join("report.html").exists());
    let out = Command::new(BIN).args(["report", dir.path().join("absent").to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a directory"));
}

/// A tiny sweep configuration in `dir` (uniform family, n = 40, the given `p` axis, Lasso, 5
/// alphas) and the output directory to use with it.
fn tiny_sweep(dir: &Path, p: &str) -> (PathBuf, PathBuf) {
    let config = dir.join("tiny.toml");
    let text = format!(
        "[[datasets]]\nfamily = \"uniform\"\nn = 40\np = {p}\n[[penalties]]\npenalty = \"lasso\"\n[grid]\nn_alphas = 5\n"
    );
    fs::write(&config, text).unwrap();
    (config, dir.join("s"))
}

#[test]
fn report_flags_write_the_page_and_a_run_without_them_removes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = tiny_sweep(dir.path(), "8");
    let (c, o) = (config.to_str().unwrap(), out.to_str().unwrap());
    let run = regpath(&["sweep", c, "--out", o, "--threads", "1", "--report"]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("report.html"));
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("<table id=\"comparison\" class=\"sortable\">"));
    // the same files give the same page
    regpath(&["report", o]);
    assert_eq!(fs::read_to_string(out.join("report.html")).unwrap(), page);
    // tables rewritten without --report: the old page goes
    regpath(&["sweep", c, "--out", o, "--threads", "1", "--force"]);
    assert!(!out.join("report.html").exists());
    regpath(&["merge", o, "--report"]);
    assert!(out.join("report.html").exists());

    let p = dir.path().join("p");
    regpath(&["path", "--example", "--report", "--out", p.to_str().unwrap()]);
    let page = fs::read_to_string(p.join("report.html")).unwrap();
    assert!(
        page.contains("<table id=\"path\" class=\"sortable\">") && page.contains("Every one of the 100 path points")
    );
    regpath(&["path", "--example", "--out", p.to_str().unwrap()]);
    assert!(!p.join("report.html").exists());
}

/// A sweep run in pieces: the page's pieces table shows each piece's peak memory, not the
/// list of its task ids (which the records keep).
#[test]
fn the_pieces_table_shows_peak_memory_not_task_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (config, out) = tiny_sweep(dir.path(), "[8, 12]");
    let (c, o) = (config.to_str().unwrap(), out.to_str().unwrap());
    for k in ["1/2", "2/2"] {
        regpath(&["sweep", c, "--out", o, "--threads", "1", "--shard", k]);
    }
    let record: Value =
        serde_json::from_str(&fs::read_to_string(out.join("pieces/piece-1-of-2.json")).unwrap()).unwrap();
    assert_eq!(record["task_ids"].as_array().map(Vec::len), Some(1), "{record}");
    regpath(&["merge", o, "--report"]);
    let page = fs::read_to_string(out.join("report.html")).unwrap();
    let table = &page[page.find("<table id=\"pieces\"").expect("a pieces table")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("peak_rss_mb"), "{table}");
    assert!(!table.contains("task_ids") && !table.contains("__lasso__"), "{table}");
}

#[test]
fn pages_render_in_a_real_browser() {
    let Some(chromium) = find_chromium() else {
        eprintln!("skipping: chromium not found");
        return;
    };
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let sweep = sweep_output(dir.path());
    let path = path_output(dir.path());
    let prepared = started.elapsed();
    let mut browser = Browser::launch(&chromium);
    let launched = started.elapsed();

    // --- the sweep page
    let figures = svg_files(&sweep.join("figures"));
    assert!(figures.len() >= 6, "{figures:?}");
    browser.open(&sweep.join("report.html"));
    let shown = browser.eval(
        "Array.from(document.querySelectorAll('figure.plot')).map(f => { const s = f.querySelector('svg'); \
         const r = s ? s.getBoundingClientRect() : {width: 0, height: 0}; \
         return [f.dataset.file, r.width, r.height, s ? s.querySelectorAll('*').length : 0]; })",
    );
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), figures.len(), "figures inlined: {shown:?}, files: {figures:?}");
    assert_eq!(browser.eval("document.querySelectorAll('svg').length").as_u64(), Some(figures.len() as u64));
    for (f, file) in shown.iter().zip(&figures) {
        assert_eq!(f[0].as_str(), Some(format!("figures/{file}").as_str()));
        assert!(f[1].as_f64().unwrap() > 200.0 && f[2].as_f64().unwrap() > 100.0, "{f:?} is not drawn");
        assert!(f[3].as_u64().unwrap() > 10, "{f:?} is empty");
    }
    assert_eq!(browser.eval("document.title").as_str(), Some("regpath sweep: report test <&>"));
    let summary = csv_rows(&sweep.join("summary.csv"));
    let ids: Vec<&str> = summary.iter().map(|r| r["task_id"].as_str()).collect();
    assert_eq!(browser.column("summary", "task_id"), ids);
    browser.check_sorting("summary", "chosen_test_mse");
    browser.check_sorting("comparison", "test_mse_mean");
    browser.check_sorting("worst", "worst_certificate");
    // the worst-certificate table: one row per task, the tasks with non-converged points flagged
    let path_rows = csv_rows(&sweep.join("path.csv"));
    let mut unconverged: Vec<&str> =
        path_rows.iter().filter(|r| r["converged"] == "false").map(|r| r["task_id"].as_str()).collect();
    unconverged.dedup();
    assert_eq!(browser.eval("document.querySelectorAll('#worst tbody tr').length").as_u64(), Some(ids.len() as u64));
    let flagged = browser
        .eval("Array.from(document.querySelectorAll('#worst tbody tr.flagged')).map(r => r.cells[1].textContent)");
    let mut flagged: Vec<&str> = flagged.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    flagged.sort_unstable_by_key(|id| ids.iter().position(|x| x == id));
    assert_eq!(flagged, unconverged);
    browser.assert_clean("sweep page");

    // --- the path page
    browser.open(&path.join("report.html"));
    assert_eq!(browser.eval("document.querySelectorAll('figure.plot').length").as_u64(), Some(0));
    let rows = csv_rows(&path.join("path.csv"));
    let not_converged = rows.iter().filter(|r| r["converged"] == "false").count();
    assert!(not_converged > 0, "the test expects an MCP path with points that did not converge");
    let marked = browser.eval(
        "Array.from(document.querySelectorAll('#path tbody tr.flagged')).map(r => r.querySelector('td.bad').textContent)",
    );
    assert_eq!(marked.as_array().unwrap().len(), not_converged);
    assert!(marked.as_array().unwrap().iter().all(|m| m.as_str() == Some("\u{2717} false")), "{marked:?}");
    let verdict = browser.eval("document.querySelector('.verdict').textContent");
    assert!(
        verdict.as_str().unwrap().contains(&format!("{not_converged} of {} path points did not converge", rows.len())),
        "{verdict}"
    );
    browser.check_sorting("path", "alpha");
    browser.assert_clean("path page");
    eprintln!(
        "browser test: outputs {:.1} s, chromium start {:.1} s, checks {:.1} s",
        prepared.as_secs_f64(),
        (launched - prepared).as_secs_f64(),
        (started.elapsed() - launched).as_secs_f64()
    );
}

/// Debian's `chromium` (or `chromium-browser` on PATH).
fn find_chromium() -> Option<PathBuf> {
    let fixed = PathBuf::from("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n))).find(|p| p.is_file())
}

/// The Chromium process, killed (with its process group) when dropped, also when a test fails.
struct Process {
    child: Child,
    log: PathBuf,
    _profile: tempfile::TempDir,
}

impl Process {
    fn stderr(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // the whole process group (renderer, GPU and zygote processes too), then the child
        let _ =
            Command::new("kill").args(["-KILL", "--", &format!("-{}", self.child.id())]).stderr(Stdio::null()).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long any one step may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A headless Chromium driven over the DevTools protocol.
struct Browser {
    process: Process,
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    /// Events of the current page.
    events: Vec<Value>,
    /// URL of the current page.
    url: String,
}

impl Browser {
    /// Starts Chromium and attaches to a new page target (a flat session on the browser's
    /// WebSocket).
    fn launch(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let log = profile.path().join("chromium-stderr.log");
        let data = profile.path().join("data");
        let child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", data.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(&log).unwrap())
            .process_group(0)
            .spawn()
            .expect("cannot start chromium");
        let mut process = Process { child, log, _profile: profile };
        let ws = connect(&mut process, &data);
        let mut browser =
            Browser { process, ws, session: String::new(), next_id: 0, events: Vec::new(), url: String::new() };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}), false);
        let target = target["targetId"].as_str().unwrap().to_string();
        let session = browser.call("Target.attachToTarget", json!({"targetId": target, "flatten": true}), false);
        browser.session = session["sessionId"].as_str().unwrap().to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}), true);
        }
        browser
    }

    fn stderr(&self) -> String {
        self.process.stderr()
    }

    /// Sends a command (to the page's session when `on_page`) and returns its result; events
    /// that arrive meanwhile are kept.
    fn call(&mut self, method: &str, params: Value, on_page: bool) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if on_page {
            message["sessionId"] = json!(self.session);
        }
        self.ws.send(Message::text(message.to_string())).unwrap();
        loop {
            let m = self.receive();
            if m["id"].as_u64() == Some(id) {
                assert!(m.get("error").is_none(), "{method} failed: {m}");
                return m["result"].clone();
            }
        }
    }

    /// The next message; an event of the page is recorded.
    fn receive(&mut self) -> Value {
        loop {
            let message = match self.ws.read() {
                Ok(m) => m,
                Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    panic!("no answer from chromium within {TIMEOUT:?}:\n{}", self.stderr())
                }
                Err(e) => panic!("DevTools connection: {e}\n{}", self.stderr()),
            };
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(text.as_str()).unwrap();
                if value.get("method").is_some() && value["sessionId"].as_str() == Some(self.session.as_str()) {
                    self.events.push(value.clone());
                }
                return value;
            }
        }
    }

    /// Loads a page and waits for its load event.
    fn open(&mut self, file: &Path) {
        self.url = file_url(file);
        self.events.clear();
        let result = self.call("Page.navigate", json!({"url": self.url}), true);
        assert!(result.get("errorText").is_none(), "cannot load {}: {result}", self.url);
        let start = Instant::now();
        while !self.events.iter().any(|e| e["method"] == "Page.loadEventFired") {
            assert!(start.elapsed() < TIMEOUT, "{} did not finish loading", self.url);
            self.receive();
        }
        // one frame and a little time for anything late (errors, requests) to be reported
        self.eval("new Promise(r => requestAnimationFrame(() => setTimeout(() => r(true), 100)))");
    }

    /// Evaluates an expression in the page (promises awaited) and returns its value.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            true,
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression} threw: {r}");
        r["result"]["value"].clone()
    }

    /// The sort keys of a column of a table (the `data-v` full value, else the text).
    fn column(&mut self, table: &str, name: &str) -> Vec<String> {
        let js = format!(
            "(() => {{ const t = document.getElementById({table:?}); \
             const c = Array.from(t.tHead.rows[0].cells).findIndex(h => h.textContent === {name:?}); \
             if (c < 0) throw new Error('no column ' + {name:?}); \
             return Array.from(t.tBodies[0].rows).map(r => {{ const d = r.cells[c]; const v = d.getAttribute('data-v'); \
             return v === null ? d.textContent.trim() : v; }}); }})()"
        );
        self.eval(&js).as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    }

    fn click_header(&mut self, table: &str, name: &str) -> String {
        let js = format!(
            "(() => {{ const h = Array.from(document.getElementById({table:?}).tHead.rows[0].cells)\
             .find(h => h.textContent === {name:?}); h.click(); return h.getAttribute('aria-sort'); }})()"
        );
        self.eval(&js).as_str().unwrap_or("").to_string()
    }

    /// Clicks a numeric column's header: its rows must then be in ascending numeric order (empty
    /// cells last); a second click: descending. The first column's order must have changed (at
    /// least one of the two orders differs from the original one) and keep the same rows.
    fn check_sorting(&mut self, table: &str, name: &str) {
        let first_name = self.eval(&format!("document.getElementById({table:?}).tHead.rows[0].cells[0].textContent"));
        let first_name = first_name.as_str().unwrap().to_string();
        let before = self.column(table, &first_name);
        assert_eq!(self.click_header(table, name), "ascending");
        let keys = numbers(&self.column(table, name));
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{table}.{name} not ascending: {keys:?}");
        let ascending = self.column(table, &first_name);
        assert_eq!(self.click_header(table, name), "descending");
        let keys = numbers(&self.column(table, name));
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{table}.{name} not descending: {keys:?}");
        assert!(keys.first() != keys.last(), "{table}.{name}: too few distinct values to test sorting");
        let descending = self.column(table, &first_name);
        assert!(
            ascending != before || descending != before,
            "sorting {table} by {name} did not change the order of {first_name}: {before:?}"
        );
        for order in [&ascending, &descending] {
            let (mut a, mut b) = (order.clone(), before.clone());
            a.sort();
            b.sort();
            assert_eq!(a, b, "sorting {table} lost or duplicated rows");
        }
    }

    /// No console error or warning of level error, no uncaught exception, no log error (CSP
    /// violations and failed loads are logged there), and no request but the page itself.
    fn assert_clean(&mut self, what: &str) {
        let mut problems = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or("") {
                "Runtime.exceptionThrown" => problems.push(format!("exception: {}", p["exceptionDetails"])),
                "Runtime.consoleAPICalled" if matches!(p["type"].as_str(), Some("error" | "assert")) => {
                    problems.push(format!("console.{}: {}", p["type"], p["args"]))
                }
                "Log.entryAdded" if p["entry"]["level"] == "error" => {
                    problems.push(format!("log: {}", p["entry"]["text"]))
                }
                "Network.requestWillBeSent" => {
                    let url = p["request"]["url"].as_str().unwrap_or("");
                    if url != self.url && !url.starts_with("data:") {
                        problems.push(format!("request: {url}"));
                    }
                }
                _ => {}
            }
        }
        assert!(problems.is_empty(), "{what}: {problems:#?}");
    }
}

/// Waits for Chromium to write the port of its DevTools endpoint into `DevToolsActivePort` and
/// opens that WebSocket.
fn connect(process: &mut Process, data: &Path) -> WebSocket<TcpStream> {
    let file = data.join("DevToolsActivePort");
    let start = Instant::now();
    let (port, endpoint) = loop {
        if let Ok(text) = fs::read_to_string(&file) {
            let mut lines = text.lines();
            if let (Some(port), Some(endpoint)) = (lines.next(), lines.next()) {
                break (port.trim().to_string(), endpoint.trim().to_string());
            }
        }
        if let Ok(Some(status)) = process.child.try_wait() {
            panic!("chromium exited ({status}) before listening:\n{}", process.stderr());
        }
        assert!(start.elapsed() < TIMEOUT, "chromium did not write {}:\n{}", file.display(), process.stderr());
        std::thread::sleep(Duration::from_millis(50));
    };
    let stream = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{endpoint}"), stream).unwrap();
    ws
}

/// Sort keys as numbers, empty cells last (as the page sorts them).
fn numbers(keys: &[String]) -> Vec<f64> {
    let n: Vec<f64> = keys.iter().filter(|k| !k.is_empty()).map(|k| k.parse::<f64>().unwrap()).collect();
    assert!(keys[n.len()..].iter().all(String::is_empty), "empty cells are not last: {keys:?}");
    n
}

/// `file://` URL of an absolute path, every byte outside [A-Za-z0-9/._~-] percent-encoded.
fn file_url(path: &Path) -> String {
    let abs = path.canonicalize().unwrap();
    let mut url = String::from("file://");
    for b in abs.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"/._~-".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}
