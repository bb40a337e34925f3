//! `regpath path --penalty-factor W.txt [--covariates C.csv]` against R's glmnet with
//! `penalty.factor`, on the committed problem `tests/fixtures/reference/weighted` (written by
//! `scripts/make_glmnet_weighted_fixture.R`; no R is needed here).
//!
//! regpath minimizes 1/(2n)‖y − b − Xβ − Cγ‖² + α Σ_j w_j s_j |β_j| with the weights w as given
//! (w_j = 0: unpenalized) and the covariates C always unpenalized. glmnet rescales its
//! `penalty.factor` to sum to nvars (p + q when the covariates are extra columns with factor 0,
//! p without), so the same problem is glmnet's lambda = α·Σ_j pf_j / nvars; the fixture records
//! both the lambdas and the alphas, and the test recomputes the conversion.
//!
//! Everything below is recomputed in this file from the CSV numbers, for both regpath's and
//! glmnet's solution, with the unpenalized block U = [1, X_u, C] (intercept, the columns with
//! w_j = 0, the covariates) handled by exact projection (Gram–Schmidt):
//!
//! - the weighted objective P at each side's own intercept, β and γ, and a relative duality gap
//!   of the penalized block with U profiled out (dual point: the projected residual, rescaled
//!   into the feasible set |x̃_jᵀθ|/n ≤ α w_j). With ΔU = P − P_profiled (≥ 0, the excess of the
//!   side's own intercept/γ/β_u over the optimal ones for its penalized β),
//!   ĝ = gap + ΔU/P(0) bounds P − P* relative to P(0) = ‖y − ȳ‖²/(2n), rigorously;
//! - objectives: |P_regpath − P_glmnet| ≤ max(ĝ_regpath, ĝ_glmnet)·P(0) (+ floating slack);
//! - KKT: the residuals r = y − b − Xβ − Cγ satisfy ‖r − r*‖/√n ≤ sd(y)·√ĝ (the loss is
//!   (1/n)-strongly convex in the fitted values; r − r_profiled ∈ span U is orthogonal to
//!   r_profiled − r*), and every working-scale column has ‖x̃_j‖/√n = 1, so each x̃_jᵀr/n is
//!   within sd(y)·√ĝ of its value at the optimum: unpenalized columns (and the intercept)
//!   |x̃_uᵀr|/n ≤ sd(y)·√ĝ, penalized ones |x̃_jᵀr|/n ≤ α w_j + sd(y)·√ĝ, with equality (within
//!   the same tolerance) where β_j ≠ 0 (this last part presumes the support and signs of the
//!   optimum, which the coefficient comparison checks);
//! - coefficients (β and γ), as in reference_agreement.rs: σ_j·|β_regpath,j − β_glmnet,j| ≤
//!   `COEF_TOL`·sd(y), σ_j the centred RMS of the column (no duplicated columns here, and the
//!   Lasso solutions are unique: n = 60 > nnz).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `--tol` given to regpath (relative duality gap at every alpha).
const GAP_TOL: f64 = 1e-12;
/// What we require of the gap recomputed here for regpath's solution. Our dual point (the
/// projected residual, rescaled) need not be the one regpath certifies with, so the recomputed
/// value may exceed regpath's own certificate (≤ `GAP_TOL`); 1e-10 = 100 × `GAP_TOL` still pins
/// regpath's objective to within 1e-10·P(0) of the optimum and its fitted values to 1e-5·sd(y).
/// The objective and KKT checks use the recomputed values themselves, so they stay rigorous.
const RECOMPUTED_GAP_TOL: f64 = 1e-10;
/// The glmnet reference is converged far beyond that (thresh = 1e-30: recomputed gaps ≤ 6.2e-15,
/// KKT violations ≤ 5.3e-16·alpha_max in the R script); a larger value means a broken fixture.
const REF_GAP_TOL: f64 = 1e-13;
/// Coefficient agreement, as in reference_agreement.rs (scaled by the column's centred RMS and
/// by sd(y)): at relative gaps ≤ 1e-12 the fitted values agree to 2e-6·sd(y) and the Lasso
/// coefficients there agreed to ≤ 8e-12 with glmnet; 1e-6 is within what the certificates imply.
const COEF_TOL: f64 = 1e-6;
/// Floating-point floor on relative gaps and objective differences (values O(1), sums of ≤ 60
/// products).
const FP_GAP: f64 = 1e-14;
/// Floating-point floor on KKT quantities, relative to alpha_max (x̃_jᵀr/n ≈ alpha_max at most).
const FP_KKT: f64 = 1e-13;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference/weighted")
}

fn parse_f64(s: &str) -> f64 {
    s.trim().parse().unwrap_or_else(|e| panic!("bad number {s:?}: {e}"))
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Columns of a headerless numeric CSV file.
fn read_columns(path: &Path) -> Vec<Vec<f64>> {
    let rows: Vec<Vec<f64>> = read_lines(path).iter().map(|l| l.split(',').map(parse_f64).collect()).collect();
    let width = rows[0].len();
    assert!(rows.iter().all(|r| r.len() == width), "{}: ragged rows", path.display());
    (0..width).map(|j| rows.iter().map(|r| r[j]).collect()).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

// ---------------------------------------------------------------------------------------------
// The fixture.

#[derive(serde::Deserialize)]
struct Manifest {
    n: usize,
    p: usize,
    q: usize,
    unpenalized_columns: Vec<usize>,
    references: Vec<ManifestRef>,
}

#[derive(serde::Deserialize)]
struct ManifestRef {
    name: String,
    covariates: bool,
    nvars: usize,
    sum_pf: f64,
    tool: String,
}

fn manifest() -> Manifest {
    serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("manifest.json")).unwrap()).unwrap()
}

/// The fitted problem: X's p columns, then (with covariates) C's q columns, each with its weight
/// (0 for the covariates), and an orthonormal basis of the unpenalized block U = [1, X_u, C].
struct Problem {
    n: usize,
    /// Columns of X.
    p: usize,
    /// Columns of X, then the covariates.
    cols: Vec<Vec<f64>>,
    weights: Vec<f64>,
    y: Vec<f64>,
    means: Vec<f64>,
    /// Centred 1/n root mean square of each column (s_j).
    rms: Vec<f64>,
    /// Orthonormal basis of span U.
    basis: Vec<Vec<f64>>,
    /// P(0) = ‖y − ȳ‖²/(2n).
    p0: f64,
}

impl Problem {
    fn load(with_covariates: bool) -> Self {
        let dir = fixture_dir();
        let mut cols = read_columns(&dir.join("X.csv"));
        let y: Vec<f64> = read_lines(&dir.join("y.csv")).iter().map(|l| parse_f64(l)).collect();
        let mut weights: Vec<f64> = read_lines(&dir.join("weights.txt")).iter().map(|l| parse_f64(l)).collect();
        let (n, p) = (y.len(), cols.len());
        assert_eq!(weights.len(), p, "weights.txt: one weight per column of X");
        assert!(cols.iter().all(|c| c.len() == n));
        if with_covariates {
            let c = read_columns(&dir.join("covariates.csv"));
            assert!(c.iter().all(|c| c.len() == n));
            weights.extend(std::iter::repeat_n(0.0, c.len()));
            cols.extend(c);
        }
        let means: Vec<f64> = cols.iter().map(|c| c.iter().sum::<f64>() / n as f64).collect();
        let rms: Vec<f64> = cols
            .iter()
            .zip(&means)
            .map(|(c, m)| (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt())
            .collect();
        assert!(rms.iter().all(|&s| s > 0.0), "no constant columns in this fixture");
        let y_mean = y.iter().sum::<f64>() / n as f64;
        let p0 = y.iter().map(|v| (v - y_mean) * (v - y_mean)).sum::<f64>() / (2.0 * n as f64);

        // Modified Gram–Schmidt, each vector orthogonalized twice ("twice is enough").
        let mut basis: Vec<Vec<f64>> = Vec::new();
        let unpenalized = std::iter::once(vec![1.0; n])
            .chain((0..cols.len()).filter(|&j| weights[j] == 0.0).map(|j| cols[j].clone()));
        for mut v in unpenalized {
            let norm0 = dot(&v, &v).sqrt();
            for _ in 0..2 {
                for b in &basis {
                    let c = dot(b, &v);
                    v.iter_mut().zip(b).for_each(|(v, b)| *v -= c * b);
                }
            }
            let norm = dot(&v, &v).sqrt();
            assert!(norm > 1e-8 * norm0, "unpenalized block is rank deficient");
            v.iter_mut().for_each(|v| *v /= norm);
            basis.push(v);
        }
        Problem { n, p, cols, weights, y, means, rms, basis, p0 }
    }

    fn n_cols(&self) -> usize {
        self.cols.len()
    }

    fn sd_y(&self) -> f64 {
        (2.0 * self.p0).sqrt()
    }

    /// v minus its projection on span U.
    fn project_out(&self, v: &mut [f64]) {
        for _ in 0..2 {
            for b in &self.basis {
                let c = dot(b, v);
                v.iter_mut().zip(b).for_each(|(v, b)| *v -= c * b);
            }
        }
    }

    /// x̃_jᵀ v for the working-scale column j (centred, divided by s_j).
    fn xt_dot(&self, j: usize, v: &[f64]) -> f64 {
        self.cols[j].iter().zip(v).map(|(x, v)| (x - self.means[j]) * v).sum::<f64>() / self.rms[j]
    }

    /// y − b − Σ_j x_j coef_j (coef: X's columns, then the covariates').
    fn residual(&self, b: f64, coef: &[f64]) -> Vec<f64> {
        let mut r: Vec<f64> = self.y.iter().map(|v| v - b).collect();
        for (j, &c) in coef.iter().enumerate() {
            if c != 0.0 {
                r.iter_mut().zip(&self.cols[j]).for_each(|(r, x)| *r -= x * c);
            }
        }
        r
    }

    fn penalty(&self, alpha: f64, coef: &[f64]) -> f64 {
        alpha * (0..self.n_cols()).map(|j| self.weights[j] * self.rms[j] * coef[j].abs()).sum::<f64>()
    }

    fn objective(&self, alpha: f64, sol: &Sol) -> f64 {
        let r = self.residual(sol.intercept, &sol.coef);
        dot(&r, &r) / (2.0 * self.n as f64) + self.penalty(alpha, &sol.coef)
    }

    /// (P with the unpenalized block profiled out, relative duality gap of the penalized block).
    fn profiled_gap(&self, alpha: f64, coef: &[f64]) -> (f64, f64) {
        let n = self.n as f64;
        let mut qy = self.y.clone();
        self.project_out(&mut qy);
        let penalized: Vec<usize> = (0..self.n_cols()).filter(|&j| self.weights[j] > 0.0).collect();
        let mut r = self.y.clone();
        for &j in &penalized {
            if coef[j] != 0.0 {
                r.iter_mut().zip(&self.cols[j]).for_each(|(r, x)| *r -= x * coef[j]);
            }
        }
        self.project_out(&mut r);
        let rr = dot(&r, &r);
        let primal = rr / (2.0 * n) + self.penalty(alpha, coef);
        // θ = c·r with |x̃_jᵀθ|/n ≤ α w_j (θ ⟂ U already); c maximizes the dual on [0, c_max].
        let c_max =
            penalized.iter().map(|&j| alpha * self.weights[j] * n / self.xt_dot(j, &r).abs()).fold(1.0, f64::min);
        let yr = dot(&qy, &r);
        let c = if rr > 0.0 { (yr / rr).clamp(0.0, c_max) } else { 0.0 };
        let dual = c * yr / n - c * c * rr / (2.0 * n);
        (primal, (primal - dual) / self.p0)
    }

    /// alpha at which all penalized coefficients vanish: max_j |x̃_jᵀ Q y|/(n w_j).
    fn alpha_max(&self) -> f64 {
        let mut qy = self.y.clone();
        self.project_out(&mut qy);
        (0..self.n_cols())
            .filter(|&j| self.weights[j] > 0.0)
            .map(|j| self.xt_dot(j, &qy).abs() / (self.n as f64 * self.weights[j]))
            .fold(0.0, f64::max)
    }
}

/// A solution read from CSV files.
#[derive(Clone, Debug)]
struct Sol {
    alpha_text: String,
    alpha: f64,
    intercept: f64,
    /// Original scale: X's columns, then the covariates'.
    coef: Vec<f64>,
    /// The path file's own columns.
    extra: HashMap<String, String>,
    /// `name` column of coefs.csv, by feature (regpath output only, when present).
    names: HashMap<usize, String>,
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let mut rdr = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect();
    (headers, rows)
}

fn read_path(path_csv: &Path, coefs_csv: &Path, width: usize) -> Vec<Sol> {
    let mut sols: Vec<Sol> = read_csv(path_csv)
        .1
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            assert_eq!(row["alpha_index"].parse::<usize>().unwrap(), i, "{}", path_csv.display());
            Sol {
                alpha_text: row["alpha"].clone(),
                alpha: parse_f64(&row["alpha"]),
                intercept: parse_f64(&row["intercept"]),
                coef: vec![0.0; width],
                extra: row,
                names: HashMap::new(),
            }
        })
        .collect();
    let (headers, rows) = read_csv(coefs_csv);
    let named = headers.iter().any(|h| h == "name");
    for row in rows {
        let i: usize = row["alpha_index"].parse().unwrap();
        let j: usize = row["feature"].parse().unwrap();
        assert!(j < width, "feature {j} out of range (p + q = {width}) in {}", coefs_csv.display());
        assert!(sols[i].coef[j] == 0.0, "duplicate coefficient ({i}, {j}) in {}", coefs_csv.display());
        sols[i].coef[j] = parse_f64(&row["coef"]);
        assert!(sols[i].coef[j] != 0.0, "{} lists a zero coefficient", coefs_csv.display());
        if named {
            sols[i].names.insert(j, row["name"].clone());
        }
    }
    sols
}

// ---------------------------------------------------------------------------------------------
// The comparison.

/// Worst values over one path, for the failure message and `--nocapture` output.
#[derive(Default, Debug)]
struct Agreement {
    coef_scaled: f64,
    objective: f64,
    objective_bound: f64,
    gap_regpath: f64,
    gap_ref: f64,
    kkt_unpen_regpath: f64,
    kkt_pen_regpath: f64,
    kkt_unpen_ref: f64,
    kkt_pen_ref: f64,
    kkt_bound: f64,
}

/// Certificate-implied suboptimality ĝ (relative to P(0)) of a solution, and the objective at
/// its own intercept and coefficients.
fn certify(pb: &Problem, alpha: f64, sol: &Sol, ctx: &str) -> (f64, f64) {
    let own = pb.objective(alpha, sol);
    let (profiled, gap) = pb.profiled_gap(alpha, &sol.coef);
    // The profiled objective is the minimum over the unpenalized block: own ≥ profiled.
    assert!(own - profiled >= -FP_GAP * pb.p0, "{ctx}: objective {own} below its profiled value {profiled}");
    (gap.max(0.0) + ((own - profiled) / pb.p0).max(0.0), own)
}

/// Worst KKT violations (unpenalized block incl. the intercept, penalized columns), relative to
/// alpha_max; asserts them against `bound` (absolute, sd(y)·√ĝ) plus the floating floor.
fn kkt(pb: &Problem, alpha: f64, sol: &Sol, alpha_max: f64, bound: f64, ctx: &str) -> (f64, f64) {
    let n = pb.n as f64;
    let r = pb.residual(sol.intercept, &sol.coef);
    let tol = bound + FP_KKT * alpha_max;
    let mean_r = (r.iter().sum::<f64>() / n).abs();
    assert!(mean_r <= tol, "{ctx}: |mean residual| {mean_r:e} > {tol:e} (intercept not optimal)");
    let (mut unpen, mut pen) = (mean_r, 0.0_f64);
    for j in 0..pb.n_cols() {
        let g = pb.xt_dot(j, &r) / n;
        let w = pb.weights[j];
        let t = sol.coef[j] * pb.rms[j];
        if w == 0.0 {
            assert!(g.abs() <= tol, "{ctx}: unpenalized column {j}: |x̃ᵀr|/n = {:e} > {tol:e}", g.abs());
            unpen = unpen.max(g.abs());
        } else {
            let v = if t == 0.0 { (g.abs() - alpha * w).max(0.0) } else { (g - alpha * w * t.signum()).abs() };
            assert!(
                v <= tol,
                "{ctx}: penalized column {j} (w = {w}, β = {}): x̃ᵀr/n = {g:e} vs α·w = {:e}, violation {v:e} > {tol:e}",
                sol.coef[j],
                alpha * w
            );
            pen = pen.max(v);
        }
    }
    (unpen / alpha_max, pen / alpha_max)
}

fn reference(pb: &Problem, name: &str) -> Vec<Sol> {
    let dir = fixture_dir();
    read_path(&dir.join(format!("{name}.path.csv")), &dir.join(format!("{name}.coefs.csv")), pb.n_cols())
}

/// The alphas file's text, after checking alpha = lambda·nvars/Σpf against the lambdas file.
fn alphas_text(r: &ManifestRef, pb: &Problem) -> Vec<String> {
    let dir = fixture_dir();
    let alphas = read_lines(&dir.join(format!("{}.alphas.txt", r.name)));
    let lambdas = read_lines(&dir.join(format!("{}.lambda.txt", r.name)));
    assert_eq!(alphas.len(), lambdas.len());
    assert_eq!(r.nvars, pb.n_cols(), "{}: glmnet's nvars", r.name);
    let sum_pf: f64 = pb.weights.iter().sum();
    assert!((sum_pf - r.sum_pf).abs() <= 1e-14 * sum_pf, "{}: sum of penalty factors", r.name);
    for (a, l) in alphas.iter().zip(&lambdas) {
        let expected = parse_f64(l) * r.nvars as f64 / sum_pf;
        assert!((parse_f64(a) / expected - 1.0).abs() <= 1e-15, "{}: alpha {a} vs lambda {l}·nvars/Σpf", r.name);
    }
    assert!(alphas.windows(2).all(|w| parse_f64(&w[0]) > parse_f64(&w[1])), "{}: alphas decrease", r.name);
    alphas
}

fn run_regpath(pb: &Problem, with_covariates: bool, alphas: &[String], out: &Path) -> Vec<Sol> {
    let dir = fixture_dir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_regpath"));
    cmd.arg("path").arg("--x").arg(dir.join("X.csv")).arg("--y").arg(dir.join("y.csv"));
    cmd.arg("--penalty-factor").arg(dir.join("weights.txt"));
    if with_covariates {
        cmd.arg("--covariates").arg(dir.join("covariates.csv"));
    }
    cmd.arg(format!("--alphas={}", alphas.join(",")));
    cmd.args(["--tol", &GAP_TOL.to_string(), "--threads", "1"]).arg("--out").arg(out);
    let o = cmd.output().expect("run regpath");
    assert!(o.status.success(), "regpath {cmd:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    read_path(&out.join("path.csv"), &out.join("coefs.csv"), pb.n_cols())
}

fn agreement(with_covariates: bool) {
    let m = manifest();
    let r = m.references.iter().find(|r| r.covariates == with_covariates).expect("reference in manifest.json");
    let pb = Problem::load(with_covariates);
    assert_eq!((pb.n, pb.p, pb.n_cols()), (m.n, m.p, if with_covariates { m.p + m.q } else { m.p }));
    let alphas = alphas_text(r, &pb);
    let theirs = reference(&pb, &r.name);
    assert_eq!(theirs.len(), alphas.len());
    let tmp = tempfile::tempdir().unwrap();
    let ours = run_regpath(&pb, with_covariates, &alphas, tmp.path());
    assert_eq!(ours.len(), theirs.len(), "{}: number of alphas", r.name);

    let alpha_max = pb.alpha_max();
    let sd_y = pb.sd_y();
    let mut a = Agreement::default();
    for (k, (mine, theirs)) in ours.iter().zip(&theirs).enumerate() {
        let ctx = format!("{} ({}), alpha #{k} = {}", r.name, r.tool, alphas[k]);
        assert_eq!(mine.alpha, parse_f64(&alphas[k]), "{ctx}: alpha");
        assert_eq!(theirs.alpha, mine.alpha, "{ctx}: alpha of the reference");
        let alpha = mine.alpha;

        // regpath's own claims.
        assert_eq!(mine.extra["converged"], "true", "{ctx}");
        assert_eq!(mine.extra["certificate_kind"], "gap", "{ctx}");
        let certificate = parse_f64(&mine.extra["certificate"]);
        assert!(certificate <= GAP_TOL, "{ctx}: certificate {certificate:e} > --tol {GAP_TOL:e}");
        let nnz: usize = mine.extra["nnz"].parse().unwrap();
        let listed = mine.coef.iter().filter(|&&c| c != 0.0).count();
        assert!(nnz == listed || nnz + (pb.n_cols() - pb.p) == listed, "{ctx}: nnz {nnz}, coefs.csv lists {listed}");

        // Covariates: listed after X's columns, named cov1, cov2, ….
        if with_covariates {
            for i in 0..pb.n_cols() - pb.p {
                let j = pb.p + i;
                assert!(mine.coef[j] != 0.0, "{ctx}: covariate {i} (feature {j}) missing from coefs.csv");
                assert_eq!(
                    mine.names.get(&j).map(String::as_str),
                    Some(format!("cov{}", i + 1).as_str()),
                    "{ctx}: name of feature {j}"
                );
            }
        }

        // Objectives and certificates, recomputed.
        let (g_mine, p_mine) = certify(&pb, alpha, mine, &ctx);
        let (g_ref, p_ref) = certify(&pb, alpha, theirs, &ctx);
        let obj_col = parse_f64(&mine.extra["objective"]);
        assert!((obj_col - p_mine).abs() <= 1e-13 * pb.p0, "{ctx}: objective column {obj_col} vs recomputed {p_mine}");
        assert!(g_ref <= REF_GAP_TOL, "{ctx}: glmnet's suboptimality bound {g_ref:e} (fixture not converged?)");
        assert!(g_mine <= RECOMPUTED_GAP_TOL, "{ctx}: regpath's recomputed suboptimality bound {g_mine:e}");
        a.gap_regpath = a.gap_regpath.max(g_mine);
        a.gap_ref = a.gap_ref.max(g_ref);
        let bound = (g_mine.max(g_ref) + FP_GAP) * pb.p0;
        a.objective = a.objective.max((p_mine - p_ref).abs() / pb.p0);
        a.objective_bound = a.objective_bound.max(bound / pb.p0);
        assert!((p_mine - p_ref).abs() <= bound, "{ctx}: objectives {p_mine} vs {p_ref} differ by more than {bound:e}");

        // KKT conditions of both solutions (unpenalized block: x̃_uᵀr ≈ 0; penalized: weighted).
        let kkt_mine = sd_y * g_mine.sqrt();
        let kkt_ref = sd_y * g_ref.sqrt();
        let (u, p) = kkt(&pb, alpha, mine, alpha_max, kkt_mine, &format!("{ctx}, regpath"));
        a.kkt_unpen_regpath = a.kkt_unpen_regpath.max(u);
        a.kkt_pen_regpath = a.kkt_pen_regpath.max(p);
        let (u, p) = kkt(&pb, alpha, theirs, alpha_max, kkt_ref, &format!("{ctx}, glmnet"));
        a.kkt_unpen_ref = a.kkt_unpen_ref.max(u);
        a.kkt_pen_ref = a.kkt_pen_ref.max(p);
        a.kkt_bound = a.kkt_bound.max((kkt_mine + FP_KKT * alpha_max) / alpha_max);

        // Coefficients (X's and the covariates'), scaled by the column's centred RMS and sd(y).
        for j in 0..pb.n_cols() {
            let d = pb.rms[j] * (mine.coef[j] - theirs.coef[j]).abs() / sd_y;
            a.coef_scaled = a.coef_scaled.max(d);
            assert!(
                d <= COEF_TOL,
                "{ctx}: coefficient {j} (w = {}): regpath {} vs glmnet {} (scaled difference {d:e})",
                pb.weights[j],
                mine.coef[j],
                theirs.coef[j]
            );
        }
    }
    eprintln!(
        "{:15} coef scaled {:.1e} | objective {:.1e} (bound {:.1e}) | suboptimality regpath {:.1e} glmnet {:.1e} | \
         KKT/alpha_max regpath unpenalized {:.1e} penalized {:.1e}, glmnet {:.1e} {:.1e} (regpath bound {:.1e})",
        r.name,
        a.coef_scaled,
        a.objective,
        a.objective_bound,
        a.gap_regpath,
        a.gap_ref,
        a.kkt_unpen_regpath,
        a.kkt_pen_regpath,
        a.kkt_unpen_ref,
        a.kkt_pen_ref,
        a.kkt_bound
    );
}

#[test]
fn penalty_factor_and_covariates_agree_with_glmnet() {
    agreement(true);
}

#[test]
fn penalty_factor_agrees_with_glmnet() {
    agreement(false);
}

/// The fixture is what the manifest says, and the glmnet references are certified by this
/// file's own recomputation (no regpath involved): the first alpha is alpha_max (only the
/// unpenalized block is nonzero), and every solution is converged with KKT conditions met.
#[test]
fn fixture_is_as_described() {
    let m = manifest();
    assert_eq!(m.references.len(), 2);
    let dir = fixture_dir();
    let covs = read_columns(&dir.join("covariates.csv"));
    assert_eq!(covs.len(), m.q);
    assert!(covs[1].iter().all(|&v| v == 0.0 || v == 1.0) && covs[1].contains(&0.0) && covs[1].contains(&1.0));
    for with_covariates in [true, false] {
        let pb = Problem::load(with_covariates);
        let r = m.references.iter().find(|r| r.covariates == with_covariates).unwrap();
        let zeros: Vec<usize> = (0..pb.p).filter(|&j| pb.weights[j] == 0.0).collect();
        assert_eq!(zeros, m.unpenalized_columns);
        assert!(pb.weights.iter().all(|&w| w >= 0.0));
        assert!(pb.weights[..pb.p].iter().any(|&w| w > 1.0) && pb.weights[..pb.p].iter().any(|&w| w > 0.0 && w < 1.0));
        let alphas = alphas_text(r, &pb);
        let sols = reference(&pb, &r.name);
        let alpha_max = pb.alpha_max();
        assert!(
            (sols[0].alpha / alpha_max - 1.0).abs() < 1e-12,
            "{}: first alpha {} vs alpha_max {alpha_max}",
            r.name,
            sols[0].alpha
        );
        assert!(
            (0..pb.n_cols()).all(|j| (pb.weights[j] > 0.0) == (sols[0].coef[j] == 0.0)),
            "{}: support at alpha_max",
            r.name
        );
        let (mut worst_gap, mut worst_kkt) = (0.0_f64, 0.0_f64);
        for (k, sol) in sols.iter().enumerate() {
            let ctx = format!("{} alpha #{k} = {}", r.name, sol.alpha_text);
            assert_eq!(sol.alpha, parse_f64(&alphas[k]), "{ctx}");
            let (g, p) = certify(&pb, sol.alpha, sol, &ctx);
            assert!(g <= REF_GAP_TOL, "{ctx}: suboptimality bound {g:e}");
            let recorded = parse_f64(&sol.extra["objective"]);
            assert!((recorded - p).abs() <= 1e-13 * pb.p0, "{ctx}: objective {recorded} vs {p}");
            // glmnet at thresh 1e-30 meets the KKT conditions to rounding, far inside sd(y)·√ĝ.
            let (u, pen) = kkt(&pb, sol.alpha, sol, alpha_max, 0.0, &ctx);
            worst_gap = worst_gap.max(g);
            worst_kkt = worst_kkt.max(u).max(pen);
        }
        eprintln!("{:15} glmnet: worst suboptimality bound {worst_gap:.1e}, KKT {worst_kkt:.1e}·alpha_max", r.name);
    }
}
