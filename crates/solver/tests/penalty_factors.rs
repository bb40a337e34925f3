//! Penalty factors (per-feature weights w_j, zeros included) and unpenalized covariates
//! (docs/design.md §3): certificates recomputed independently from original-scale output,
//! the covariates-only model at alpha_max against ordinary least squares, equivalences that
//! follow from the definition, and the errors on bad weights and covariates.

mod common;

use common::{Fitted, all_penalties, null_objective, options, pen_value, random_problem, try_fit_design};
use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{DenseDesign, PathOptions, PenaltySpec, SolverError, WithCovariates};

/// Fits a path with options (weights inside) on X, optionally with covariates; points hold
/// p + q coefficients (covariates last).
fn fit_weighted(
    x: &Array2<f64>,
    covariates: Option<&Array2<f64>>,
    y: &[f64],
    spec: PenaltySpec,
    opts: &PathOptions,
) -> Result<(Vec<Fitted>, f64), SolverError> {
    let design = DenseDesign::new(x.view(), true, true)?;
    match covariates {
        Some(c) => {
            let with = WithCovariates::new(&design, c.view())?;
            try_fit_design(&with, y, spec, opts)
        }
        None => try_fit_design(&design, y, spec, opts),
    }
    .map(|(points, alpha_max, _)| (points, alpha_max))
}

/// Column j centered, and scaled to unit 1/n RMS; (working column, scale).
fn standardized(col: ndarray::ArrayView1<'_, f64>) -> (Vec<f64>, f64) {
    let n = col.len() as f64;
    let m = col.sum() / n;
    let s = (col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
    (col.iter().map(|v| (v - m) / s).collect(), s)
}

/// Least squares `min ‖y − Zb‖` by the normal equations (Gaussian elimination with partial
/// pivoting), for the small unpenalized blocks of these tests.
fn least_squares(z: &[Vec<f64>], y: &[f64]) -> Vec<f64> {
    let k = z.len();
    let mut a = vec![vec![0.0; k + 1]; k];
    for i in 0..k {
        for j in 0..k {
            a[i][j] = z[i].iter().zip(&z[j]).map(|(u, v)| u * v).sum();
        }
        a[i][k] = z[i].iter().zip(y).map(|(u, v)| u * v).sum();
    }
    for c in 0..k {
        let piv = (c..k).max_by(|&r, &s| a[r][c].abs().total_cmp(&a[s][c].abs())).unwrap();
        a.swap(c, piv);
        for r in 0..k {
            if r != c {
                let f = a[r][c] / a[c][c];
                for m in c..=k {
                    a[r][m] -= f * a[c][m];
                }
            }
        }
    }
    (0..k).map(|i| a[i][k] / a[i][i]).collect()
}

/// `dist(−g, w·∂pen(t))` written out for MCP and SCAD.
fn weighted_kkt(spec: PenaltySpec, t: f64, g: f64, a: f64, w: f64) -> f64 {
    if w == 0.0 {
        return g.abs();
    }
    let (at, s) = (t.abs(), t.signum());
    if t == 0.0 {
        return (g.abs() - w * a).max(0.0);
    }
    let slope = match spec {
        PenaltySpec::Mcp { gamma } if at < gamma * a => a * s - t / gamma,
        PenaltySpec::Scad { .. } if at <= a => a * s,
        PenaltySpec::Scad { gamma } if at <= gamma * a => (gamma * a * s - t) / (gamma - 1.0),
        _ => 0.0,
    };
    (g + w * slope).abs()
}

/// The certificate of docs/design.md §3 with weights and covariates, recomputed from X, C, y
/// and the original-scale output alone: (objective, certificate).
fn reference(
    x: &Array2<f64>,
    c: Option<&Array2<f64>>,
    y: &[f64],
    w: &[f64],
    spec: PenaltySpec,
    alpha_max: f64,
    pt: &Fitted,
) -> (f64, f64) {
    let (n, p) = x.dim();
    let nf = n as f64;
    let mut cols: Vec<(Vec<f64>, f64, f64)> = (0..p)
        .map(|j| {
            let (z, s) = standardized(x.column(j));
            (z, s, w[j])
        })
        .collect();
    if let Some(c) = c {
        for k in 0..c.ncols() {
            let (z, s) = standardized(c.column(k));
            cols.push((z, s, 0.0));
        }
    }
    let mut fitted = vec![pt.intercept; n];
    for (j, &b) in pt.beta.iter().enumerate() {
        let col = if j < p { x.column(j).to_vec() } else { c.unwrap().column(j - p).to_vec() };
        for i in 0..n {
            fitted[i] += b * col[i];
        }
    }
    let r: Vec<f64> = (0..n).map(|i| y[i] - fitted[i]).collect();
    let rmean = r.iter().sum::<f64>() / nf;
    let rc: Vec<f64> = r.iter().map(|v| v - rmean).collect();
    let ybar = y.iter().sum::<f64>() / nf;
    let yc: Vec<f64> = y.iter().map(|v| v - ybar).collect();
    let a = pt.alpha;
    let t: Vec<f64> = cols.iter().zip(&pt.beta).map(|((_, s, _), b)| b * s).collect();
    let pen: f64 = cols.iter().zip(&t).map(|((_, _, wj), &tj)| wj * pen_value(spec, tj, a)).sum();
    let obj = rc.iter().map(|v| v * v).sum::<f64>() / (2.0 * nf) + rmean * rmean / 2.0 + pen;
    let xtr: Vec<f64> = cols.iter().map(|(z, _, _)| z.iter().zip(&rc).map(|(u, v)| u * v).sum()).collect();
    let cert = if matches!(spec, PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. }) {
        let worst = (0..cols.len()).map(|j| weighted_kkt(spec, t[j], -xtr[j] / nf, a, cols[j].2)).fold(0.0, f64::max);
        worst.max(rmean.abs()) / alpha_max
    } else {
        let rho = match spec {
            PenaltySpec::Lasso => 1.0,
            PenaltySpec::Ridge => 0.0,
            PenaltySpec::Enet { l1_ratio } => l1_ratio,
            _ => unreachable!(),
        };
        let (big_a, big_b) = (nf * a * rho, nf * a * (1.0 - rho));
        let penalized: Vec<usize> = (0..cols.len()).filter(|&j| cols[j].2 > 0.0).collect();
        let wt_sq: f64 = penalized.iter().map(|&j| cols[j].2 * t[j] * t[j]).sum();
        let r_sq: f64 = rc.iter().map(|v| v * v).sum();
        let r_y: f64 = rc.iter().zip(&yc).map(|(u, v)| u * v).sum();
        let mut dual = f64::NEG_INFINITY;
        if big_a > 0.0 {
            let m =
                penalized.iter().map(|&j| (xtr[j] - big_b * cols[j].2 * t[j]).abs() / cols[j].2).fold(0.0, f64::max);
            let s = if m <= big_a { 1.0 } else { big_a / m };
            dual = dual.max(-0.5 * s * s * (r_sq + big_b * wt_sq) + s * r_y);
        }
        if big_b > 0.0 {
            let ex: f64 =
                penalized.iter().map(|&j| (xtr[j].abs() - big_a * cols[j].2).max(0.0).powi(2) / cols[j].2).sum();
            dual = dual.max(-0.5 * r_sq + r_y - ex / (2.0 * big_b));
        }
        let gap = (nf * obj - dual).max(0.0) / nf / null_objective(y);
        let unpenalized = (0..cols.len()).filter(|&j| cols[j].2 == 0.0).map(|j| xtr[j].abs() / nf).fold(0.0, f64::max);
        gap.max(unpenalized / alpha_max)
    };
    (obj, cert)
}

/// alpha_max recomputed: the unpenalized columns (with the intercept) fitted by least squares,
/// then `max_{w_j > 0} |x̃_jᵀr₀|/(n·w_j·ρ)`.
fn reference_alpha_max(x: &Array2<f64>, c: Option<&Array2<f64>>, y: &[f64], w: &[f64], grid_rho: f64) -> f64 {
    let (n, p) = x.dim();
    let mut z: Vec<Vec<f64>> = vec![vec![1.0; n]];
    z.extend((0..p).filter(|&j| w[j] == 0.0).map(|j| x.column(j).to_vec()));
    if let Some(c) = c {
        z.extend((0..c.ncols()).map(|k| c.column(k).to_vec()));
    }
    let b = least_squares(&z, y);
    let r: Vec<f64> = (0..n).map(|i| y[i] - z.iter().zip(&b).map(|(col, bk)| col[i] * bk).sum::<f64>()).collect();
    (0..p)
        .filter(|&j| w[j] > 0.0)
        .map(|j| {
            let (zj, _) = standardized(x.column(j));
            zj.iter().zip(&r).map(|(u, v)| u * v).sum::<f64>().abs() / (n as f64 * w[j] * grid_rho)
        })
        .fold(0.0, f64::max)
}

/// Weights with zeros, below and above 1 (at most 2.5, inside MCP's γ·v = 3 and SCAD's
/// (γ − 1)·v = 2.7 on standardized columns).
fn mixed_weights(p: usize) -> Vec<f64> {
    let cycle = [1.0, 0.5, 2.5, 1.0, 0.0, 1.7, 0.3, 1.0, 2.0, 1.2];
    (0..p).map(|j| cycle[j % cycle.len()]).collect()
}

/// Two covariates on very different scales, one of them a 0/1 batch indicator; y depends on both.
fn covariates_for(x: &Array2<f64>, y: &mut [f64]) -> Array2<f64> {
    let n = x.nrows();
    let mut c = Array2::zeros((n, 2).f());
    for i in 0..n {
        c[(i, 0)] = 1000.0 * ((i as f64 * 0.37).sin() + 0.2 * x[(i, 3)]);
        c[(i, 1)] = f64::from(i % 3 == 0);
        y[i] += 0.002 * c[(i, 0)] - 1.5 * c[(i, 1)];
    }
    c
}

#[test]
fn weighted_paths_with_covariates_are_certified_for_every_penalty() {
    for (n, p, seed) in [(80, 150, 11), (200, 40, 12)] {
        let (x, mut y) = random_problem(n, p, 0.4, seed);
        let c = covariates_for(&x, &mut y);
        let w = mixed_weights(p);
        let opts = PathOptions { penalty_factor: Some(w.clone()), ..options(40) };
        for spec in all_penalties() {
            for cov in [None, Some(&c)] {
                let (points, alpha_max) = fit_weighted(&x, cov, &y, spec, &opts).unwrap();
                let grid_rho = match spec {
                    PenaltySpec::Ridge => 1e-3,
                    PenaltySpec::Enet { l1_ratio } => l1_ratio,
                    _ => 1.0,
                };
                let expected = reference_alpha_max(&x, cov, &y, &w, grid_rho);
                assert!(
                    (alpha_max - expected).abs() <= 1e-9 * expected,
                    "{} n={n}: alpha_max {alpha_max} vs {expected}",
                    spec.name()
                );
                assert_eq!(points.len(), 40);
                for pt in &points {
                    assert!(pt.converged, "{} n={n} alpha {}: not converged", spec.name(), pt.alpha);
                    let (obj, cert) = reference(&x, cov, &y, &w, spec, alpha_max, pt);
                    assert!(
                        cert <= 1e-6 * (1.0 + 1e-6) + 1e-12,
                        "{} n={n} cov={} alpha {}: independent certificate {cert:e} (solver {:e})",
                        spec.name(),
                        cov.is_some(),
                        pt.alpha,
                        pt.certificate
                    );
                    assert!((obj - pt.objective).abs() <= 1e-9 * obj.abs().max(1e-300), "{}", spec.name());
                    let nnz_x = pt.beta[..p].iter().filter(|&&b| b != 0.0).count();
                    assert_eq!(pt.nnz, nnz_x, "nnz counts the columns of X only");
                    // unpenalized columns are in the model at every alpha
                    for j in (0..p).filter(|&j| w[j] == 0.0) {
                        assert!(pt.beta[j] != 0.0, "{}: unpenalized column {j} is 0", spec.name());
                    }
                }
            }
        }
    }
}

#[test]
fn the_model_at_alpha_max_is_least_squares_on_the_covariates() {
    let (x, mut y) = random_problem(120, 60, 0.3, 5);
    let c = covariates_for(&x, &mut y);
    for spec in all_penalties() {
        let (points, _) = fit_weighted(&x, Some(&c), &y, spec, &options(5)).unwrap();
        let first = &points[0];
        if spec == PenaltySpec::Ridge {
            continue; // ridge's alpha_max (ρ = 1e-3) leaves small nonzero coefficients
        }
        assert_eq!(first.nnz, 0, "{}", spec.name());
        let z = vec![vec![1.0; 120], c.column(0).to_vec(), c.column(1).to_vec()];
        let ols = least_squares(&z, &y);
        let got = [first.intercept, first.beta[60], first.beta[61]];
        for k in 0..3 {
            assert!((got[k] - ols[k]).abs() <= 1e-9 * (1.0 + ols[k].abs()), "{}: {got:?} vs OLS {ols:?}", spec.name());
        }
    }
}

#[test]
fn a_zero_weight_column_is_the_same_as_a_covariate() {
    let (x, y) = random_problem(90, 30, 0.3, 8);
    let moved = 7;
    let mut w = vec![1.0; 30];
    w[moved] = 0.0;
    let rest: Vec<usize> = (0..30).filter(|&j| j != moved).collect();
    let x_rest = Array2::from_shape_fn((90, 29).f(), |(i, k)| x[(i, rest[k])]);
    let c = Array2::from_shape_fn((90, 1).f(), |(i, _)| x[(i, moved)]);
    for spec in all_penalties() {
        let grid = regpath_solver::AlphaGrid::Explicit(vec![0.5, 0.2, 0.05, 0.01]);
        let a = PathOptions { penalty_factor: Some(w.clone()), grid: grid.clone(), tol: 1e-10, ..options(4) };
        let b = PathOptions { grid, tol: 1e-10, ..options(4) };
        let (pa, _) = fit_weighted(&x, None, &y, spec, &a).unwrap();
        let (pb, _) = fit_weighted(&x_rest, Some(&c), &y, spec, &b).unwrap();
        for (u, v) in pa.iter().zip(&pb) {
            assert!((u.objective - v.objective).abs() <= 1e-8 * u.objective, "{}", spec.name());
            assert!((u.beta[moved] - v.beta[29]).abs() <= 1e-4 * (1.0 + u.beta[moved].abs()), "{}", spec.name());
        }
    }
}

#[test]
fn unit_weights_are_no_weights_and_uniform_weights_rescale_alpha() {
    let (x, y) = random_problem(70, 120, 0.5, 3);
    for spec in [PenaltySpec::Lasso, PenaltySpec::Enet { l1_ratio: 0.5 }, PenaltySpec::Ridge] {
        let plain = fit_weighted(&x, None, &y, spec, &options(20)).unwrap();
        let ones = PathOptions { penalty_factor: Some(vec![1.0; 120]), ..options(20) };
        let unit = fit_weighted(&x, None, &y, spec, &ones).unwrap();
        assert_eq!(plain.1, unit.1);
        for (u, v) in plain.0.iter().zip(&unit.0) {
            assert_eq!(u.beta, v.beta, "{}: weights of 1 change nothing, bit for bit", spec.name());
        }
        // w_j = 2 for all j at alpha is the unweighted problem at 2·alpha
        let alphas = vec![0.4, 0.1, 0.02];
        let doubled: Vec<f64> = alphas.iter().map(|a| 2.0 * a).collect();
        let twos = PathOptions {
            penalty_factor: Some(vec![2.0; 120]),
            grid: regpath_solver::AlphaGrid::Explicit(alphas),
            tol: 1e-10,
            ..options(3)
        };
        let base = PathOptions { grid: regpath_solver::AlphaGrid::Explicit(doubled), tol: 1e-10, ..options(3) };
        let (a, amax_a) = fit_weighted(&x, None, &y, spec, &twos).unwrap();
        let (b, amax_b) = fit_weighted(&x, None, &y, spec, &base).unwrap();
        assert!((2.0 * amax_a - amax_b).abs() <= 1e-12 * amax_b, "alpha_max scales with 1/w");
        for (u, v) in a.iter().zip(&b) {
            assert!((u.objective - v.objective).abs() <= 1e-9 * u.objective, "{}", spec.name());
        }
    }
}

fn fit_error(x: &Array2<f64>, c: Option<&Array2<f64>>, y: &[f64], spec: PenaltySpec, w: Option<Vec<f64>>) -> String {
    let opts = PathOptions { penalty_factor: w, ..options(5) };
    fit_weighted(x, c, y, spec, &opts).expect_err("an error").to_string()
}

#[test]
fn bad_weights_and_covariates_are_errors_that_name_the_problem() {
    let (x, y) = random_problem(50, 10, 0.2, 1);
    let mut w = vec![1.0; 10];
    w[3] = -1.0;
    assert!(fit_error(&x, None, &y, PenaltySpec::Lasso, Some(w)).contains("column 3"));
    let mut w = vec![1.0; 10];
    w[2] = f64::NAN;
    assert!(fit_error(&x, None, &y, PenaltySpec::Lasso, Some(w)).contains("column 2"));
    assert!(fit_error(&x, None, &y, PenaltySpec::Lasso, Some(vec![1.0; 9])).contains("9 weights but X has 10"));
    assert!(fit_error(&x, None, &y, PenaltySpec::Lasso, Some(vec![0.0; 10])).contains("nothing is penalized"));
    let mut w = vec![1.0; 10];
    w[6] = 3.5;
    let msg = fit_error(&x, None, &y, PenaltySpec::Mcp { gamma: 3.0 }, Some(w.clone()));
    assert!(msg.contains("column 6") && msg.contains("3.5"), "{msg}");
    assert!(fit_error(&x, None, &y, PenaltySpec::Scad { gamma: 3.7 }, Some(w.clone())).contains("column 6"));
    assert!(
        fit_weighted(&x, None, &y, PenaltySpec::Lasso, &PathOptions { penalty_factor: Some(w), ..options(5) }).is_ok()
    );

    let constant = Array2::from_shape_fn((50, 2).f(), |(i, k)| if k == 0 { i as f64 } else { 4.0 });
    assert!(fit_error(&x, Some(&constant), &y, PenaltySpec::Lasso, None).contains("covariate 2 is constant"));
    let collinear = Array2::from_shape_fn((50, 3).f(), |(i, k)| match k {
        0 => i as f64,
        1 => (i as f64).sin(),
        _ => 2.0 * i as f64 - 3.0 * (i as f64).sin() + 1.0,
    });
    assert!(fit_error(&x, Some(&collinear), &y, PenaltySpec::Lasso, None).contains("covariate 3 is collinear"));
    let mut nan = Array2::zeros((50, 1).f());
    nan[(7, 0)] = f64::INFINITY;
    assert!(fit_error(&x, Some(&nan), &y, PenaltySpec::Lasso, None).contains("row 7"));
    let short = Array2::zeros((49, 1).f());
    assert!(fit_error(&x, Some(&short), &y, PenaltySpec::Lasso, None).contains("49 rows"));
}
