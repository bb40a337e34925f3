//! Shared helpers for the solver's integration tests: random problems and an independent
//! certificate recomputed from original-scale coefficients (the same formulas as docs/design.md §3,
//! written directly on dense matrices without any of the solver's code).
#![allow(dead_code)]

use std::ops::ControlFlow;

use ndarray::{Array1, Array2, ShapeBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use regpath_solver::{DenseDesign, Design, PathOptions, PenaltySpec, SolverError, fit_path_spec};

/// A fitted point as a user sees it: original-scale coefficients and intercept.
#[derive(Clone, Debug)]
pub struct Fitted {
    pub alpha: f64,
    pub beta: Vec<f64>,
    pub intercept: f64,
    pub objective: f64,
    pub certificate: f64,
    pub converged: bool,
    pub nnz: usize,
}

/// Fits a path and returns every point densely.
pub fn fit(
    x: &Array2<f64>,
    y: &[f64],
    spec: PenaltySpec,
    intercept: bool,
    standardize: bool,
    options: &PathOptions,
) -> (Vec<Fitted>, f64) {
    let design = DenseDesign::new(x.view(), intercept, standardize).unwrap();
    let (points, alpha_max, _) = fit_design(&design, y, spec, options);
    (points, alpha_max)
}

/// Fits a path on any design; returns every point densely, alpha_max and the largest epoch
/// count of any alpha.
pub fn fit_design<D: Design>(
    design: &D,
    y: &[f64],
    spec: PenaltySpec,
    options: &PathOptions,
) -> (Vec<Fitted>, f64, usize) {
    try_fit_design(design, y, spec, options).unwrap()
}

/// [`fit_design`], with the solver's error for invalid input.
pub fn try_fit_design<D: Design>(
    design: &D,
    y: &[f64],
    spec: PenaltySpec,
    options: &PathOptions,
) -> Result<(Vec<Fitted>, f64, usize), SolverError> {
    let p = design.n_features();
    let mut out = Vec::new();
    let mut max_epochs = 0;
    let summary = fit_path_spec(design, y, spec, options, |pt| {
        let mut beta = vec![0.0; p];
        for &(j, b) in pt.coefs {
            beta[j] = b;
        }
        max_epochs = max_epochs.max(pt.epochs);
        out.push(Fitted {
            alpha: pt.alpha,
            beta,
            intercept: pt.intercept,
            objective: pt.objective,
            certificate: pt.certificate,
            converged: pt.converged,
            nnz: pt.nnz,
        });
        ControlFlow::Continue(())
    })?;
    Ok((out, summary.alpha_max, max_epochs))
}

/// Gaussian X (column-major) with pairwise correlation `rho` between neighbours' latent
/// factors, column scales `scales[j % len]`, and y from a sparse truth plus noise.
pub fn random_problem(n: usize, p: usize, rho: f64, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = Array2::<f64>::zeros((n, p).f());
    for i in 0..n {
        let shared: f64 = rng.sample(StandardNormal);
        for j in 0..p {
            let e: f64 = rng.sample(StandardNormal);
            x[(i, j)] = rho.sqrt() * shared + (1.0 - rho).sqrt() * e;
        }
    }
    let k = p.min(5);
    let mut y = vec![0.0; n];
    for i in 0..n {
        let mut s = 0.0;
        for j in 0..k {
            s += x[(i, j * (p / k))] * (if j % 2 == 0 { 1.5 } else { -1.0 });
        }
        let e: f64 = rng.sample(StandardNormal);
        y[i] = s + 0.5 * e + 3.0;
    }
    (x, y)
}

/// `pen(t)` at level a (unit weight), written out independently of the solver.
pub fn pen_value(spec: PenaltySpec, t: f64, a: f64) -> f64 {
    let at = t.abs();
    match spec {
        PenaltySpec::Lasso => a * at,
        PenaltySpec::Ridge => 0.5 * a * t * t,
        PenaltySpec::Enet { l1_ratio: r } => a * (r * at + 0.5 * (1.0 - r) * t * t),
        PenaltySpec::Mcp { gamma: g } => {
            if at <= g * a {
                a * at - t * t / (2.0 * g)
            } else {
                0.5 * g * a * a
            }
        }
        PenaltySpec::Scad { gamma: g } => {
            if at <= a {
                a * at
            } else if at <= g * a {
                (2.0 * g * a * at - t * t - a * a) / (2.0 * (g - 1.0))
            } else {
                a * a * (g + 1.0) / 2.0
            }
        }
    }
}

fn kkt_dist(spec: PenaltySpec, t: f64, grad: f64, a: f64) -> f64 {
    let at = t.abs();
    let s = t.signum();
    if t == 0.0 {
        return (grad.abs() - a).max(0.0);
    }
    match spec {
        PenaltySpec::Mcp { gamma: g } => {
            if at < g * a {
                (grad + a * s - t / g).abs()
            } else {
                grad.abs()
            }
        }
        PenaltySpec::Scad { gamma: g } => {
            if at <= a {
                (grad + a * s).abs()
            } else if at <= g * a {
                (grad + (g * a * s - t) / (g - 1.0)).abs()
            } else {
                grad.abs()
            }
        }
        _ => unreachable!(),
    }
}

/// Independent certificate of one point: (objective, certificate, alpha_max).
pub fn reference_certificate(
    x: &Array2<f64>,
    y: &[f64],
    spec: PenaltySpec,
    intercept: bool,
    standardize: bool,
    pt: &Fitted,
) -> (f64, f64, f64) {
    let (n, p) = x.dim();
    let nf = n as f64;
    let y = Array1::from(y.to_vec());
    let ybar = if intercept { y.mean().unwrap() } else { 0.0 };
    let mut z = x.clone();
    let mut scale = vec![1.0; p];
    let mut live = vec![true; p];
    for j in 0..p {
        let mut col = z.column_mut(j);
        let m = if intercept { col.mean().unwrap() } else { 0.0 };
        col.mapv_inplace(|v| v - m);
        let rms = (col.iter().map(|v| v * v).sum::<f64>() / nf).sqrt();
        live[j] = rms > 1e-12 * (1.0 + m.abs());
        if standardize && live[j] {
            scale[j] = rms;
        }
        let s = scale[j];
        if live[j] {
            col.mapv_inplace(|v| v / s);
        } else {
            col.fill(0.0);
        }
    }
    let yc = &y - ybar;
    let p0 = yc.dot(&yc) / (2.0 * nf);
    let rho = match spec {
        PenaltySpec::Lasso | PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. } => 1.0,
        PenaltySpec::Ridge => 0.0,
        PenaltySpec::Enet { l1_ratio } => l1_ratio,
    };
    let grid_rho = if rho > 0.0 { rho } else { 1e-3 };
    let amax = (0..p).filter(|&j| live[j]).map(|j| z.column(j).dot(&yc).abs() / nf).fold(0.0, f64::max) / grid_rho;
    let beta = Array1::from(pt.beta.clone());
    let resid = &y - pt.intercept - x.dot(&beta);
    let t: Vec<f64> = (0..p).map(|j| pt.beta[j] * scale[j]).collect();
    let a = pt.alpha;
    let pen: f64 = t.iter().map(|&tj| pen_value(spec, tj, a)).sum();
    let obj = resid.dot(&resid) / (2.0 * nf) + pen;
    let rmean = if intercept { resid.mean().unwrap() } else { 0.0 };
    let rc = &resid - rmean;
    let xtr: Vec<f64> = (0..p).map(|j| z.column(j).dot(&rc)).collect();
    let cert = if matches!(spec, PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. }) {
        let mut worst = 0.0f64;
        for j in 0..p {
            if live[j] {
                worst = worst.max(kkt_dist(spec, t[j], -xtr[j] / nf, a));
            }
        }
        worst.max(rmean.abs()) / if amax > 0.0 { amax } else { 1.0 }
    } else {
        let big_a = nf * a * rho;
        let big_b = nf * a * (1.0 - rho);
        let t_sq: f64 = t.iter().map(|v| v * v).sum();
        let mut dual = f64::NEG_INFINITY;
        if big_a > 0.0 {
            let m = (0..p).filter(|&j| live[j]).map(|j| (xtr[j] - big_b * t[j]).abs()).fold(0.0, f64::max);
            let s = if m <= big_a { 1.0 } else { big_a / m };
            dual = dual.max(-0.5 * s * s * (rc.dot(&rc) + big_b * t_sq) + s * rc.dot(&yc));
        }
        if big_b > 0.0 {
            let ex: f64 = (0..p).filter(|&j| live[j]).map(|j| (xtr[j].abs() - big_a).max(0.0).powi(2)).sum();
            dual = dual.max(-0.5 * rc.dot(&rc) + yc.dot(&rc) - ex / (2.0 * big_b));
        }
        let gap = (nf * obj - dual).max(0.0) / nf;
        if p0 > 0.0 { gap / p0 } else { gap }
    };
    (obj, cert, amax)
}

/// Default options with a given number of alphas.
pub fn options(n_alphas: usize) -> PathOptions {
    PathOptions { grid: regpath_solver::AlphaGrid::Geometric { n_alphas, eps: 1e-3 }, ..PathOptions::default() }
}

pub fn all_penalties() -> Vec<PenaltySpec> {
    vec![
        PenaltySpec::Lasso,
        PenaltySpec::Ridge,
        PenaltySpec::Enet { l1_ratio: 0.5 },
        PenaltySpec::Mcp { gamma: 3.0 },
        PenaltySpec::Scad { gamma: 3.7 },
    ]
}

/// `P(0) = ‖y − ȳ‖²/(2n)`.
pub fn null_objective(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let m = y.iter().sum::<f64>() / n;
    y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (2.0 * n)
}
