//! Agreement of `regpath path` with independent solvers, and certified KKT conditions for the
//! nonconvex penalties, on the small committed problems in `tests/fixtures/reference`
//! (written by `scripts/make_reference_fixtures.py`; no Python or R is needed here).
//!
//! - Lasso and ElasticNet with `--no-standardize` against scikit-learn's `enet_path` on the
//!   centred data, and the standardized Lasso against R's glmnet (lambda = alpha), over exactly
//!   the alphas the references used.
//! - MCP and SCAD (standardized, default γ): the KKT conditions of docs/design.md §3, recomputed here
//!   from X, y, `path.csv` and `coefs.csv` alone.
//!
//! Everything is recomputed in this file from the CSV numbers: objective, relative duality gap,
//! KKT violation. Tolerances (see `COEF_TOL` and `agreement`):
//! - objectives: both solutions lie above the optimum by at most their duality gap, so
//!   |P_regpath − P_ref| ≤ max(gap_regpath, gap_ref)·P(0) (plus floating-point slack);
//! - predictions: the loss is (1/n)-strongly convex in the fitted values, so
//!   ‖X_c(β_a − β_b)‖/√n ≤ sd(y)·(√gap_a + √gap_b) — this holds even when coefficients are not
//!   unique (duplicated column);
//! - coefficients, where unique: scaled by the column's centred RMS and by sd(y), within
//!   `COEF_TOL`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `--tol` given to regpath for the comparisons (relative duality gap at every alpha).
const GAP_TOL: f64 = 1e-12;
/// `--tol` given to regpath for MCP/SCAD (KKT violation relative to alpha_max).
const KKT_TOL: f64 = 1e-10;
/// Agreement of well-determined coefficients, as max_j σ_j·|β_regpath,j − β_ref,j| / sd(y) with
/// σ_j the centred RMS of column j (the change of column j's contribution to the fit, in units
/// of sd(y)). What the certificates imply: at relative gaps ≤ 1e-12 the fitted values agree to
/// 2e-6·sd(y), and working-scale coefficients to 2e-6·sd(y)/√μ (μ the strong-convexity modulus:
/// ≥ α(1−ρ) for the ElasticNet, a restricted eigenvalue for the Lasso). Measured (on
/// these fixtures, regpath --tol 1e-12): Lasso ≤ 8e-12 against both peers; ElasticNet ≤ 1.4e-7
/// (regpath stops once its gap is ≤ 1e-12, which along weakly curved directions leaves ~1e-7).
/// 1e-6 is thus within what the certificates guarantee and ~7× above the worst measurement.
const COEF_TOL: f64 = 1e-6;
/// Floating-point floor added to recomputed relative gaps (values are O(1); sums of ≤ 80 terms).
const FP_GAP: f64 = 1e-14;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference")
}

// ---------------------------------------------------------------------------------------------
// Data and the objective, recomputed independently of regpath.

struct Problem {
    name: String,
    dir: PathBuf,
    n: usize,
    p: usize,
    /// Columns of X.
    cols: Vec<Vec<f64>>,
    y: Vec<f64>,
    means: Vec<f64>,
    /// Centred root mean square of each column.
    rms: Vec<f64>,
    y_mean: f64,
    /// P(0) = ‖y − ȳ‖²/(2n).
    p0: f64,
}

fn parse_f64(s: &str) -> f64 {
    s.trim().parse().unwrap_or_else(|e| panic!("bad number {s:?}: {e}"))
}

impl Problem {
    fn load(name: &str) -> Self {
        let dir = fixtures().join(name);
        let x_text = std::fs::read_to_string(dir.join("X.csv")).unwrap();
        let rows: Vec<Vec<f64>> =
            x_text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.split(',').map(parse_f64).collect()).collect();
        let y: Vec<f64> = std::fs::read_to_string(dir.join("y.csv"))
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(parse_f64)
            .collect();
        let (n, p) = (rows.len(), rows[0].len());
        assert_eq!(y.len(), n);
        let cols: Vec<Vec<f64>> = (0..p).map(|j| rows.iter().map(|r| r[j]).collect()).collect();
        let means: Vec<f64> = cols.iter().map(|c| c.iter().sum::<f64>() / n as f64).collect();
        let rms: Vec<f64> = cols
            .iter()
            .zip(&means)
            .map(|(c, m)| (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt())
            .collect();
        let y_mean = y.iter().sum::<f64>() / n as f64;
        let p0 = y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum::<f64>() / (2.0 * n as f64);
        Problem { name: name.to_string(), dir, n, p, cols, y, means, rms, y_mean, p0 }
    }

    fn sd_y(&self) -> f64 {
        (2.0 * self.p0).sqrt()
    }

    /// s_j of docs/design.md §3 (the intercept is always fitted here); 0 marks a dead column.
    fn scales(&self, standardize: bool) -> Vec<f64> {
        if standardize {
            return self.rms.clone();
        }
        (0..self.p).map(|j| if self.cols[j].iter().all(|&v| v - self.means[j] == 0.0) { 0.0 } else { 1.0 }).collect()
    }

    /// x̃_jᵀ v for the working-scale column j (centred, divided by s_j).
    fn xt_dot(&self, j: usize, s: f64, v: &[f64]) -> f64 {
        self.cols[j].iter().zip(v).map(|(x, v)| (x - self.means[j]) * v).sum::<f64>() / s
    }

    /// y − b − Xβ.
    fn residual(&self, b: f64, beta: &[f64]) -> Vec<f64> {
        let mut r: Vec<f64> = self.y.iter().map(|v| v - b).collect();
        for (j, &bj) in beta.iter().enumerate() {
            if bj != 0.0 {
                for (ri, x) in r.iter_mut().zip(&self.cols[j]) {
                    *ri -= x * bj;
                }
            }
        }
        r
    }

    /// (y − ȳ) − X_c β: the residual with the intercept profiled out.
    fn centred_residual(&self, beta: &[f64]) -> Vec<f64> {
        let mut r: Vec<f64> = self.y.iter().map(|v| v - self.y_mean).collect();
        for (j, &bj) in beta.iter().enumerate() {
            if bj != 0.0 {
                for (ri, x) in r.iter_mut().zip(&self.cols[j]) {
                    *ri -= (x - self.means[j]) * bj;
                }
            }
        }
        r
    }

    fn alpha_max(&self, standardize: bool, l1_ratio: f64) -> f64 {
        let s = self.scales(standardize);
        let yc: Vec<f64> = self.y.iter().map(|v| v - self.y_mean).collect();
        (0..self.p).filter(|&j| s[j] > 0.0).map(|j| self.xt_dot(j, s[j], &yc).abs()).fold(0.0, f64::max)
            / (self.n as f64 * l1_ratio)
    }
}

#[derive(Clone, Copy, Debug)]
enum Pen {
    Enet { alpha: f64, l1_ratio: f64 },
    Mcp { alpha: f64, gamma: f64 },
    Scad { alpha: f64, gamma: f64 },
}

impl Pen {
    fn value(self, t: f64) -> f64 {
        let a = t.abs();
        match self {
            Pen::Enet { alpha, l1_ratio } => alpha * (l1_ratio * a + (1.0 - l1_ratio) / 2.0 * t * t),
            Pen::Mcp { alpha, gamma } => {
                if a <= gamma * alpha {
                    alpha * a - t * t / (2.0 * gamma)
                } else {
                    gamma * alpha * alpha / 2.0
                }
            }
            Pen::Scad { alpha, gamma } => {
                if a <= alpha {
                    alpha * a
                } else if a <= gamma * alpha {
                    (2.0 * gamma * alpha * a - t * t - alpha * alpha) / (2.0 * (gamma - 1.0))
                } else {
                    alpha * alpha * (gamma + 1.0) / 2.0
                }
            }
        }
    }

    /// dist(u, ∂pen(t)).
    fn dist_to_subdiff(self, u: f64, t: f64) -> f64 {
        let (alpha, smooth) = match self {
            Pen::Enet { alpha, l1_ratio } => (alpha * l1_ratio, alpha * (1.0 - l1_ratio) * t),
            Pen::Mcp { alpha, gamma } => (alpha, if t.abs() <= gamma * alpha { -t / gamma } else { f64::NAN }),
            Pen::Scad { alpha, gamma } => {
                let a = t.abs();
                if a <= alpha {
                    (alpha, 0.0)
                } else if a <= gamma * alpha {
                    return (u - (gamma * alpha * t.signum() - t) / (gamma - 1.0)).abs();
                } else {
                    return u.abs();
                }
            }
        };
        if smooth.is_nan() {
            return u.abs(); // MCP beyond γα: flat.
        }
        if t == 0.0 { ((u - smooth).abs() - alpha).max(0.0) } else { (u - smooth - alpha * t.signum()).abs() }
    }
}

/// A solution read from CSV files: intercept and original-scale coefficients at one alpha.
#[derive(Clone, Debug)]
struct Sol {
    alpha_text: String,
    alpha: f64,
    intercept: f64,
    beta: Vec<f64>,
    /// The path file's own columns (regpath: objective, certificate, kind, converged).
    extra: HashMap<String, String>,
}

fn objective(pb: &Problem, s: &[f64], sol: &Sol, pen: Pen) -> f64 {
    let r = pb.residual(sol.intercept, &sol.beta);
    let loss = r.iter().map(|v| v * v).sum::<f64>() / (2.0 * pb.n as f64);
    loss + (0..pb.p).filter(|&j| s[j] > 0.0).map(|j| pen.value(sol.beta[j] * s[j])).sum::<f64>()
}

/// Objective with the intercept profiled out (= objective when the intercept is optimal).
fn profiled_objective(pb: &Problem, s: &[f64], beta: &[f64], pen: Pen) -> f64 {
    let r = pb.centred_residual(beta);
    let loss = r.iter().map(|v| v * v).sum::<f64>() / (2.0 * pb.n as f64);
    loss + (0..pb.p).filter(|&j| s[j] > 0.0).map(|j| pen.value(beta[j] * s[j])).sum::<f64>()
}

/// Relative duality gap (P − D(θ))/P(0) of the Lasso/ElasticNet on the centred working-scale
/// problem (docs/design.md §3): θ the residual rescaled into the dual feasible set (scikit-learn's dual
/// point) and, with an L2 part, also the unconstrained ElasticNet dual; the larger dual value.
fn rel_gap(pb: &Problem, s: &[f64], beta: &[f64], alpha: f64, l1_ratio: f64) -> f64 {
    let n = pb.n as f64;
    let (a1, a2) = (alpha * l1_ratio, alpha * (1.0 - l1_ratio));
    let yc: Vec<f64> = pb.y.iter().map(|v| v - pb.y_mean).collect();
    let r = pb.centred_residual(beta);
    let live: Vec<usize> = (0..pb.p).filter(|&j| s[j] > 0.0).collect();
    let t: Vec<f64> = live.iter().map(|&j| beta[j] * s[j]).collect();
    let t2: f64 = t.iter().map(|v| v * v).sum();
    let l1: f64 = t.iter().map(|v| v.abs()).sum();
    let rr: f64 = r.iter().map(|v| v * v).sum();
    let primal = rr / (2.0 * n) + a1 * l1 + a2 / 2.0 * t2;
    let dual_norm =
        live.iter().zip(&t).map(|(&j, tj)| (pb.xt_dot(j, s[j], &r) - n * a2 * tj).abs()).fold(0.0, f64::max);
    let c = if dual_norm <= n * a1 { 1.0 } else { n * a1 / dual_norm };
    let yr: f64 = yc.iter().zip(&r).map(|(a, b)| a * b).sum();
    let mut dual = c * yr / n - c * c * (rr + n * a2 * t2) / (2.0 * n);
    if a2 > 0.0 {
        // The unconstrained ElasticNet dual at θ = r: (1/n)yᵀr − ‖r‖²/(2n) − Σ_j h*(x̃_jᵀr/n),
        // h*(u) = (|u| − α₁)₊² / (2α₂) the conjugate of the penalty. The larger dual value wins.
        let conj: f64 = live.iter().map(|&j| ((pb.xt_dot(j, s[j], &r) / n).abs() - a1).max(0.0).powi(2)).sum();
        dual = dual.max(yr / n - rr / (2.0 * n) - conj / (2.0 * a2));
    }
    (primal - dual) / pb.p0
}

/// Largest KKT violation relative to alpha_max (docs/design.md §3), and |mean residual|/alpha_max.
fn kkt_violation(pb: &Problem, s: &[f64], sol: &Sol, pen: Pen, alpha_max: f64) -> (f64, f64) {
    let n = pb.n as f64;
    let r = pb.residual(sol.intercept, &sol.beta);
    let mut worst: f64 = 0.0;
    for j in (0..pb.p).filter(|&j| s[j] > 0.0) {
        let minus_grad = pb.xt_dot(j, s[j], &r) / n;
        worst = worst.max(pen.dist_to_subdiff(minus_grad, sol.beta[j] * s[j]));
    }
    let mean_r = r.iter().sum::<f64>() / n;
    (worst / alpha_max, mean_r.abs() / alpha_max)
}

// ---------------------------------------------------------------------------------------------
// CSV files: references and regpath output share the layout (path file + long coefficients).

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    rdr.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect()
}

fn read_path(path_csv: &Path, coefs_csv: &Path, p: usize) -> Vec<Sol> {
    let mut sols: Vec<Sol> = read_csv(path_csv)
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            assert_eq!(row["alpha_index"].parse::<usize>().unwrap(), i, "{}", path_csv.display());
            Sol {
                alpha_text: row["alpha"].clone(),
                alpha: parse_f64(&row["alpha"]),
                intercept: parse_f64(&row["intercept"]),
                beta: vec![0.0; p],
                extra: row,
            }
        })
        .collect();
    for row in read_csv(coefs_csv) {
        let i: usize = row["alpha_index"].parse().unwrap();
        let j: usize = row["feature"].parse().unwrap();
        assert!(sols[i].beta[j] == 0.0, "duplicate coefficient ({i}, {j}) in {}", coefs_csv.display());
        sols[i].beta[j] = parse_f64(&row["coef"]);
        assert!(sols[i].beta[j] != 0.0, "coefs.csv lists a zero coefficient");
    }
    sols
}

fn run_regpath(pb: &Problem, args: &[String], out: &Path) -> Vec<Sol> {
    let x = pb.dir.join("X.csv");
    let y = pb.dir.join("y.csv");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regpath"));
    cmd.arg("path").arg("--x").arg(&x).arg("--y").arg(&y).args(args).args(["--threads", "1"]).arg("--out").arg(out);
    let o = cmd.output().expect("run regpath");
    assert!(o.status.success(), "regpath {args:?} on {} failed: {}", pb.name, String::from_utf8_lossy(&o.stderr));
    read_path(&out.join("path.csv"), &out.join("coefs.csv"), pb.p)
}

// ---------------------------------------------------------------------------------------------
// Agreement with scikit-learn and glmnet.

#[derive(serde::Deserialize)]
struct Manifest {
    problems: Vec<ManifestProblem>,
}

#[derive(serde::Deserialize)]
struct ManifestProblem {
    name: String,
    n: usize,
    p: usize,
    references: Vec<Reference>,
}

#[derive(serde::Deserialize)]
struct Reference {
    name: String,
    tool: String,
    penalty: String,
    l1_ratio: f64,
    standardize: bool,
    compare_coefficients: bool,
}

fn manifest() -> Manifest {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap()).unwrap()
}

/// Worst differences over one path, for the failure message and `--nocapture` output.
#[derive(Default, Debug)]
struct Agreement {
    coef_scaled: f64,
    coef_abs: f64,
    coef_rel: f64,
    pred: f64,
    pred_bound: f64,
    objective: f64,
    objective_bound: f64,
    gap_regpath: f64,
    gap_ref: f64,
    enet_dt: f64,
    enet_dt_bound: f64,
}

fn agreement(pb: &Problem, r: &Reference, out: &Path) -> Agreement {
    let reference =
        read_path(&pb.dir.join(format!("{}.path.csv", r.name)), &pb.dir.join(format!("{}.coefs.csv", r.name)), pb.p);
    let alphas: Vec<&str> = reference.iter().map(|s| s.alpha_text.as_str()).collect();
    let mut args: Vec<String> = vec!["--penalty".into(), r.penalty.clone(), format!("--alphas={}", alphas.join(","))];
    if r.penalty == "enet" {
        args.extend(["--l1-ratio".into(), r.l1_ratio.to_string()]);
    }
    if !r.standardize {
        args.push("--no-standardize".into());
    }
    args.extend(["--tol".into(), GAP_TOL.to_string()]);
    let ours = run_regpath(pb, &args, out);
    assert_eq!(ours.len(), reference.len(), "{}/{}: number of alphas", pb.name, r.name);

    let s = pb.scales(r.standardize);
    let sd_y = pb.sd_y();
    let mut a = Agreement::default();
    for (k, (mine, theirs)) in ours.iter().zip(&reference).enumerate() {
        let ctx = format!("{}/{} ({}), alpha #{k} = {}", pb.name, r.name, r.tool, theirs.alpha_text);
        assert_eq!(mine.alpha, theirs.alpha, "{ctx}: alpha");
        assert_eq!(mine.extra["converged"], "true", "{ctx}");
        assert_eq!(mine.extra["certificate_kind"], "gap", "{ctx}");
        for j in (0..pb.p).filter(|&j| s[j] == 0.0) {
            assert_eq!(mine.beta[j], 0.0, "{ctx}: dead column {j} has a coefficient");
        }
        let pen = Pen::Enet { alpha: mine.alpha, l1_ratio: r.l1_ratio };

        // Certificates, recomputed: regpath's own claim holds, and the reference is converged.
        let g_mine = rel_gap(pb, &s, &mine.beta, mine.alpha, r.l1_ratio);
        let g_ref = rel_gap(pb, &s, &theirs.beta, theirs.alpha, r.l1_ratio);
        assert!(g_mine <= GAP_TOL + FP_GAP, "{ctx}: recomputed regpath gap {g_mine:e} > --tol {GAP_TOL:e}");
        assert!(g_ref <= 1e-11, "{ctx}: reference gap {g_ref:e} (fixture not converged?)");
        let certificate = parse_f64(&mine.extra["certificate"]);
        assert!((certificate - g_mine).abs() <= FP_GAP, "{ctx}: certificate {certificate:e} vs recomputed {g_mine:e}");
        a.gap_regpath = a.gap_regpath.max(g_mine);
        a.gap_ref = a.gap_ref.max(g_ref);
        let (g_mine, g_ref) = (g_mine.max(0.0) + FP_GAP, g_ref.max(0.0) + FP_GAP);

        // The objective column is the objective of the written solution.
        let obj_col = parse_f64(&mine.extra["objective"]);
        let obj = objective(pb, &s, mine, pen);
        assert!((obj_col - obj).abs() <= 1e-13 * pb.p0, "{ctx}: objective column {obj_col} vs recomputed {obj}");
        // regpath's intercept is the optimal one for its coefficients.
        let p_mine = profiled_objective(pb, &s, &mine.beta, pen);
        assert!(obj - p_mine <= 1e-13 * pb.p0, "{ctx}: intercept not optimal ({obj} vs {p_mine})");

        // Objectives: both within their gap of the optimum.
        let p_ref = profiled_objective(pb, &s, &theirs.beta, pen);
        let bound = g_mine.max(g_ref) * pb.p0;
        a.objective = a.objective.max((p_mine - p_ref).abs() / pb.p0);
        a.objective_bound = a.objective_bound.max(bound / pb.p0);
        assert!((p_mine - p_ref).abs() <= bound, "{ctx}: objectives {p_mine} vs {p_ref} differ by more than {bound:e}");

        // Predictions (with each side's own intercept): strong convexity in the fitted values.
        let r_mine = pb.residual(mine.intercept, &mine.beta);
        let r_ref = pb.residual(theirs.intercept, &theirs.beta);
        let rms = (r_mine.iter().zip(&r_ref).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / pb.n as f64).sqrt();
        let bound = sd_y * (g_mine.sqrt() + g_ref.sqrt());
        a.pred = a.pred.max(rms / sd_y);
        a.pred_bound = a.pred_bound.max(bound / sd_y);
        assert!(rms <= bound, "{ctx}: RMS prediction difference {rms:e} > {bound:e}");

        // ElasticNet: the working-scale objective is α(1−ρ)-strongly convex, so
        // ‖t_a − t_b‖ ≤ (√(2·gap_a·P0) + √(2·gap_b·P0)) / √(α(1−ρ)) — rigorous, even with the
        // duplicated column.
        if r.l1_ratio < 1.0 {
            let dt = (0..pb.p).map(|j| ((mine.beta[j] - theirs.beta[j]) * s[j]).powi(2)).sum::<f64>().sqrt();
            let mu = mine.alpha * (1.0 - r.l1_ratio);
            let bound = ((2.0 * g_mine * pb.p0).sqrt() + (2.0 * g_ref * pb.p0).sqrt()) / mu.sqrt();
            a.enet_dt = a.enet_dt.max(dt);
            a.enet_dt_bound = a.enet_dt_bound.max(bound);
            assert!(dt <= bound, "{ctx}: working-scale coefficient distance {dt:e} > {bound:e}");
        }

        // Coefficients, where well determined (not on the problem with a duplicated column).
        let big = theirs.beta.iter().map(|b| b.abs()).fold(0.0, f64::max);
        for j in 0..pb.p {
            let d = (mine.beta[j] - theirs.beta[j]).abs();
            a.coef_abs = a.coef_abs.max(d);
            a.coef_scaled = a.coef_scaled.max(pb.rms[j] * d / sd_y);
            if theirs.beta[j].abs() > 1e-3 * big {
                a.coef_rel = a.coef_rel.max(d / theirs.beta[j].abs());
            }
            if r.compare_coefficients {
                assert!(
                    pb.rms[j] * d <= COEF_TOL * sd_y,
                    "{ctx}: coefficient {j}: regpath {} vs {} (scaled difference {:e})",
                    mine.beta[j],
                    theirs.beta[j],
                    pb.rms[j] * d / sd_y
                );
            }
        }
    }
    a
}

#[test]
fn agrees_with_sklearn_enet_path_and_glmnet_lasso() {
    let m = manifest();
    assert_eq!(m.problems.len(), 3);
    let tmp = tempfile::tempdir().unwrap();
    for mp in &m.problems {
        let pb = Problem::load(&mp.name);
        assert_eq!((pb.n, pb.p), (mp.n, mp.p), "{}", mp.name);
        for r in &mp.references {
            let a = agreement(&pb, r, &tmp.path().join(format!("{}-{}", mp.name, r.name)));
            eprintln!(
                "{:10} {:13} coef: scaled {:.1e} abs {:.1e} rel(|b|>1e-3 max) {:.1e} | pred {:.1e} (bound {:.1e}) | \
                 objective {:.1e} (bound {:.1e}) | gaps regpath {:.1e} ref {:.1e} | enet ‖Δt‖ {:.1e} (bound {:.1e})",
                mp.name,
                r.name,
                a.coef_scaled,
                a.coef_abs,
                a.coef_rel,
                a.pred,
                a.pred_bound,
                a.objective,
                a.objective_bound,
                a.gap_regpath,
                a.gap_ref,
                a.enet_dt,
                a.enet_dt_bound
            );
        }
    }
}

/// The fixtures are what the manifest says: the alpha above alpha_max gives zeros on both sides,
/// the degenerate problem really has a duplicated and a constant column.
#[test]
fn fixtures_are_as_described() {
    let d = Problem::load("degenerate");
    assert_eq!(d.cols[4], d.cols[1]);
    assert!(d.cols[7].iter().all(|&v| v == d.cols[7][0]));
    assert_eq!(d.rms[7], 0.0);
    for mp in manifest().problems {
        let pb = Problem::load(&mp.name);
        for r in &mp.references {
            let reference = read_path(
                &pb.dir.join(format!("{}.path.csv", r.name)),
                &pb.dir.join(format!("{}.coefs.csv", r.name)),
                pb.p,
            );
            let amax = pb.alpha_max(r.standardize, r.l1_ratio);
            assert!(reference[0].alpha > amax && reference[1].alpha < amax, "{}/{}", mp.name, r.name);
            assert!(reference[0].beta.iter().all(|&b| b == 0.0));
            assert!(reference.windows(2).all(|w| w[0].alpha > w[1].alpha));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// MCP and SCAD: KKT conditions recomputed from the output files.

#[test]
fn mcp_and_scad_satisfy_kkt_conditions() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["tall", "wide", "degenerate"] {
        let pb = Problem::load(name);
        let s = pb.scales(true);
        let amax = pb.alpha_max(true, 1.0);
        for (penalty, gamma) in [("mcp", 3.0), ("scad", 3.7)] {
            let out = tmp.path().join(format!("{name}-{penalty}"));
            let args: Vec<String> =
                ["--penalty", penalty, "--n-alphas", "30", "--tol", &KKT_TOL.to_string()].map(String::from).to_vec();
            let sols = run_regpath(&pb, &args, &out);
            assert_eq!(sols.len(), 30, "{name}/{penalty}");
            let (mut worst, mut worst_mean) = (0.0_f64, 0.0_f64);
            for (k, sol) in sols.iter().enumerate() {
                let ctx = format!("{name}/{penalty}, alpha #{k} = {}", sol.alpha_text);
                let pen = match penalty {
                    "mcp" => Pen::Mcp { alpha: sol.alpha, gamma },
                    _ => Pen::Scad { alpha: sol.alpha, gamma },
                };
                assert_eq!(sol.extra["converged"], "true", "{ctx}");
                assert_eq!(sol.extra["certificate_kind"], "kkt", "{ctx}");
                let over = parse_f64(&sol.extra["alpha_over_max"]);
                assert!((over * amax / sol.alpha - 1.0).abs() < 1e-12, "{ctx}: alpha_over_max {over} (amax {amax})");
                for j in (0..pb.p).filter(|&j| s[j] == 0.0) {
                    assert_eq!(sol.beta[j], 0.0, "{ctx}: dead column {j} has a coefficient");
                }

                let (kkt, mean_r) = kkt_violation(&pb, &s, sol, pen, amax);
                worst = worst.max(kkt);
                worst_mean = worst_mean.max(mean_r);
                // 1e-13: rounding of x̃ᵀr/n relative to alpha_max (|x̃ᵀr/n| ≤ ~alpha_max).
                assert!(kkt <= KKT_TOL + 1e-13, "{ctx}: KKT violation {kkt:e} > {KKT_TOL:e}");
                assert!(mean_r <= KKT_TOL + 1e-13, "{ctx}: |mean residual|/alpha_max = {mean_r:e}");
                let certificate = parse_f64(&sol.extra["certificate"]);
                assert!(
                    (certificate - kkt.max(mean_r)).abs() <= 1e-13,
                    "{ctx}: certificate {certificate:e} vs recomputed {kkt:e} (mean residual {mean_r:e})"
                );

                let obj_col = parse_f64(&sol.extra["objective"]);
                let obj = objective(&pb, &s, sol, pen);
                assert!((obj_col - obj).abs() <= 1e-13 * pb.p0, "{ctx}: objective column {obj_col} vs {obj}");
            }
            eprintln!(
                "{name:10} {penalty:4}: worst KKT violation {worst:.1e}, |mean r| {worst_mean:.1e} (x alpha_max)"
            );
        }
    }
}
