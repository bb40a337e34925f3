//! With an orthonormal design (X̃ᵀX̃/n = I) the problem separates and every penalty's path is
//! its scalar rule applied to `c_j = x̃_jᵀ(y − ȳ)/n`: soft thresholding (Lasso), firm
//! thresholding (MCP), the three-piece SCAD rule, and `c_j/(1+α)` (Ridge).

mod common;

use common::fit;
use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{AlphaGrid, PathOptions, PenaltySpec};

/// Columns 1..=p of the 16 × 16 Sylvester–Hadamard matrix: ±1 entries, mean 0, RMS 1,
/// mutually orthogonal.
fn hadamard_design(p: usize) -> Array2<f64> {
    let n = 16;
    Array2::from_shape_fn((n, p).f(), |(i, j)| if ((i & (j + 1)).count_ones()) % 2 == 0 { 1.0 } else { -1.0 })
}

fn soft(z: f64, a: f64) -> f64 {
    z.signum() * (z.abs() - a).max(0.0)
}

fn expected(spec: PenaltySpec, c: f64, a: f64) -> f64 {
    match spec {
        PenaltySpec::Lasso => soft(c, a),
        PenaltySpec::Ridge => c / (1.0 + a),
        PenaltySpec::Enet { l1_ratio: r } => soft(c, a * r) / (1.0 + a * (1.0 - r)),
        PenaltySpec::Mcp { gamma: g } => {
            if c.abs() <= g * a {
                soft(c, a) / (1.0 - 1.0 / g)
            } else {
                c
            }
        }
        PenaltySpec::Scad { gamma: g } => {
            if c.abs() <= 2.0 * a {
                soft(c, a)
            } else if c.abs() <= g * a {
                ((g - 1.0) * c - c.signum() * g * a) / (g - 2.0)
            } else {
                c
            }
        }
    }
}

#[test]
fn orthonormal_design_paths_match_scalar_rules() {
    let p = 10;
    let x = hadamard_design(p);
    for i in 0..16 {
        for j in 0..p {
            assert_eq!(x.column(j).sum(), 0.0);
            if i < p && i != j {
                assert_eq!(x.column(i).dot(&x.column(j)), 0.0);
            }
        }
    }
    let y: Vec<f64> = (0..16).map(|i| 1.0 + ((i * 37 % 11) as f64 - 5.0) * 0.3 + (i as f64 * 0.7).sin()).collect();
    let ybar = y.iter().sum::<f64>() / 16.0;
    let c: Vec<f64> = (0..p).map(|j| (0..16).map(|i| x[(i, j)] * (y[i] - ybar)).sum::<f64>() / 16.0).collect();
    let specs = [
        PenaltySpec::Lasso,
        PenaltySpec::Ridge,
        PenaltySpec::Enet { l1_ratio: 0.4 },
        PenaltySpec::Mcp { gamma: 3.0 },
        PenaltySpec::Scad { gamma: 3.7 },
    ];
    for spec in specs {
        let opts = PathOptions {
            tol: 1e-13,
            grid: AlphaGrid::Geometric { n_alphas: 30, eps: 1e-2 },
            ..PathOptions::default()
        };
        let (points, _) = fit(&x, &y, spec, true, true, &opts);
        assert_eq!(points.len(), 30);
        for pt in &points {
            assert!(pt.converged);
            for j in 0..p {
                let want = expected(spec, c[j], pt.alpha);
                assert!(
                    (pt.beta[j] - want).abs() < 1e-7 * (1.0 + want.abs()),
                    "{spec:?} alpha {} feature {j}: {} vs {want}",
                    pt.alpha,
                    pt.beta[j]
                );
            }
            let mean_pred: f64 = (0..p).map(|j| x.column(j).sum() * pt.beta[j]).sum::<f64>() / 16.0;
            assert!((pt.intercept - (ybar - mean_pred)).abs() < 1e-12);
        }
    }
}

/// Ridge on a general (non-orthogonal) design matches the normal equations
/// `(X̃ᵀX̃/n + αI) t = X̃ᵀỹ/n`, solved directly by Gaussian elimination.
#[test]
fn ridge_matches_direct_linear_solve() {
    let (x, y) = common::random_problem(30, 8, 0.5, 11);
    let (n, p) = x.dim();
    let opts = PathOptions { tol: 1e-14, grid: AlphaGrid::Explicit(vec![0.05, 0.5, 3.0]), ..PathOptions::default() };
    let (points, _) = fit(&x, &y, PenaltySpec::Ridge, true, false, &opts);
    let means: Vec<f64> = (0..p).map(|j| x.column(j).mean().unwrap()).collect();
    let ybar = y.iter().sum::<f64>() / n as f64;
    for pt in &points {
        let mut a = vec![vec![0.0; p + 1]; p];
        for r in 0..p {
            for s in 0..p {
                a[r][s] = (0..n).map(|i| (x[(i, r)] - means[r]) * (x[(i, s)] - means[s])).sum::<f64>() / n as f64;
            }
            a[r][r] += pt.alpha;
            a[r][p] = (0..n).map(|i| (x[(i, r)] - means[r]) * (y[i] - ybar)).sum::<f64>() / n as f64;
        }
        for col in 0..p {
            let piv = (col..p).max_by(|&i, &k| a[i][col].abs().total_cmp(&a[k][col].abs())).unwrap();
            a.swap(col, piv);
            for row in 0..p {
                if row != col {
                    let f = a[row][col] / a[col][col];
                    for k in col..=p {
                        a[row][k] -= f * a[col][k];
                    }
                }
            }
        }
        for j in 0..p {
            let want = a[j][p] / a[j][j];
            assert!(
                (pt.beta[j] - want).abs() < 1e-6 * (1.0 + want.abs()),
                "alpha {}: {} vs {want}",
                pt.alpha,
                pt.beta[j]
            );
        }
    }
}
