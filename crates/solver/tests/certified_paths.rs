//! Every point of every path carries a certificate that an independent recomputation agrees
//! with, on problems of several shapes and on awkward data.

mod common;

use common::*;
use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{PathOptions, PenaltySpec, Screening};

fn check_path(x: &Array2<f64>, y: &[f64], spec: PenaltySpec, intercept: bool, standardize: bool, opts: &PathOptions) {
    let (points, amax) = fit(x, y, spec, intercept, standardize, opts);
    assert!(!points.is_empty());
    for (k, pt) in points.iter().enumerate() {
        let (obj, cert, ref_amax) = reference_certificate(x, y, spec, intercept, standardize, pt);
        assert!((ref_amax - amax).abs() <= 1e-9 * amax.max(1.0), "alpha_max {amax} vs {ref_amax}");
        assert!(pt.converged, "{spec:?} point {k} did not converge (cert {})", pt.certificate);
        assert!(pt.certificate <= opts.tol, "{spec:?} point {k}: reported {}", pt.certificate);
        assert!(
            cert <= opts.tol * 1.01 + 1e-12,
            "{spec:?} point {k}: recomputed certificate {cert} (reported {})",
            pt.certificate
        );
        assert!(
            (obj - pt.objective).abs() <= 1e-10 * null_objective(y),
            "{spec:?} point {k}: objective {} vs {obj}",
            pt.objective
        );
        assert_eq!(pt.nnz, pt.beta.iter().filter(|b| **b != 0.0).count());
    }
    if !matches!(spec, PenaltySpec::Ridge) && matches!(opts.grid, regpath_solver::AlphaGrid::Geometric { .. }) {
        assert_eq!(points[0].nnz, 0, "{spec:?}: all coefficients are zero at alpha_max");
    }
}

#[test]
fn wide_correlated_problems_are_certified_for_every_penalty() {
    let (x, y) = random_problem(60, 300, 0.5, 1);
    for spec in all_penalties() {
        check_path(&x, &y, spec, true, true, &options(40));
    }
}

#[test]
fn tall_problems_are_certified_for_every_penalty() {
    let (x, y) = random_problem(400, 30, 0.3, 2);
    for spec in all_penalties() {
        check_path(&x, &y, spec, true, true, &options(30));
    }
}

#[test]
fn unstandardized_and_no_intercept_paths_are_certified() {
    let (mut x, y) = random_problem(80, 50, 0.2, 3);
    for j in 0..50 {
        let s = 0.5 + (j % 3) as f64 * 0.4;
        x.column_mut(j).mapv_inplace(|v| v * s);
    }
    for spec in [PenaltySpec::Lasso, PenaltySpec::Ridge, PenaltySpec::Enet { l1_ratio: 0.3 }] {
        check_path(&x, &y, spec, true, false, &options(25));
        check_path(&x, &y, spec, false, true, &options(25));
        check_path(&x, &y, spec, false, false, &options(25));
    }
    for spec in [PenaltySpec::Mcp { gamma: 4.0 }, PenaltySpec::Scad { gamma: 4.0 }] {
        check_path(&x, &y, spec, true, true, &options(25));
        check_path(&x, &y, spec, false, true, &options(25));
    }
}

/// Columns on wildly different scales, exact duplicates and dead columns (all-zero and
/// constant) are valid data: the path is certified and dead columns stay at zero.
#[test]
fn awkward_columns_are_handled() {
    let (x0, y) = random_problem(50, 40, 0.4, 4);
    let n = 50;
    let p = 46;
    let mut x = Array2::<f64>::zeros((n, p).f());
    for j in 0..40 {
        let s = 10f64.powi((j as i32 % 7) - 3);
        for i in 0..n {
            x[(i, j)] = x0[(i, j)] * s + if j % 5 == 0 { 1e3 } else { 0.0 };
        }
    }
    for i in 0..n {
        x[(i, 40)] = x[(i, 0)];
        x[(i, 41)] = x[(i, 0)];
        x[(i, 42)] = 0.0;
        x[(i, 43)] = 7.25;
        x[(i, 44)] = x[(i, 3)] * 2.0;
        x[(i, 45)] = 0.1;
    }
    for spec in all_penalties() {
        let opts = options(30);
        check_path(&x, &y, spec, true, true, &opts);
        let (points, _) = fit(&x, &y, spec, true, true, &opts);
        for pt in &points {
            assert_eq!(pt.beta[42], 0.0);
            assert_eq!(pt.beta[43], 0.0);
            assert_eq!(pt.beta[45], 0.0);
        }
    }
}

/// p ≫ n down to 1e-3·alpha_max, where the support fills up to n and the active-set Newton
/// solver meets collinear columns: exact copies, a scaled copy, and a column equal to the sum
/// of two others. Every point is still certified.
#[test]
fn wide_problems_with_collinear_columns_are_certified_to_saturation() {
    let (x0, y) = random_problem(30, 200, 0.5, 8);
    let (n, p) = (30, 206);
    let mut x = Array2::<f64>::zeros((n, p).f());
    for i in 0..n {
        for j in 0..200 {
            x[(i, j)] = x0[(i, j)];
        }
        x[(i, 200)] = x0[(i, 0)];
        x[(i, 201)] = x0[(i, 1)];
        x[(i, 202)] = x0[(i, 1)];
        x[(i, 203)] = -3.0 * x0[(i, 2)];
        x[(i, 204)] = x0[(i, 3)] + x0[(i, 4)];
        x[(i, 205)] = x0[(i, 5)] - x0[(i, 6)] + x0[(i, 7)];
    }
    for spec in all_penalties() {
        let opts = options(50);
        check_path(&x, &y, spec, true, true, &opts);
        let (points, _) = fit(&x, &y, spec, true, true, &opts);
        if !matches!(spec, PenaltySpec::Ridge) {
            let last = points.last().unwrap();
            assert!(last.nnz >= 10, "{spec:?}: the path reaches a large support ({} nonzero)", last.nnz);
        }
    }
}

/// Explicit alphas far below alpha_max, on more features than a working set may take at
/// once: the working set grows from the most violating features and the points are certified.
#[test]
fn explicit_small_alphas_on_wide_data_are_certified() {
    let (x, y) = random_problem(50, 1500, 0.5, 9);
    for spec in all_penalties() {
        let (_, amax) = fit(&x, &y, spec, true, true, &options(2));
        let alphas = vec![0.05 * amax, 0.01 * amax];
        let opts = PathOptions { grid: regpath_solver::AlphaGrid::Explicit(alphas), ..PathOptions::default() };
        check_path(&x, &y, spec, true, true, &opts);
    }
}

#[test]
fn warm_and_cold_starts_reach_the_same_objective() {
    let (x, y) = random_problem(40, 120, 0.5, 5);
    for spec in [PenaltySpec::Lasso, PenaltySpec::Ridge, PenaltySpec::Enet { l1_ratio: 0.7 }] {
        let warm = options(20);
        let cold = PathOptions { warm_start: false, ..warm.clone() };
        let (a, _) = fit(&x, &y, spec, true, true, &warm);
        let (b, _) = fit(&x, &y, spec, true, true, &cold);
        assert_eq!(a.len(), b.len());
        let p0 = null_objective(&y);
        for (pa, pb) in a.iter().zip(&b) {
            // both are within 1e-6·P(0) of the optimum, so they agree to 2e-6·P(0)
            let rel = (pa.objective - pb.objective).abs() / p0;
            assert!(rel < 2e-6, "{spec:?} alpha {}: {} vs {}", pa.alpha, pa.objective, pb.objective);
        }
    }
}

/// Both option sets give certified paths (the second checked independently) and, for the
/// convex penalties, the same objectives to within the certificate tolerance. (Non-convex
/// penalties: both are certified stationary points, maybe different ones.)
fn assert_same_certified_objectives(x: &Array2<f64>, y: &[f64], spec: PenaltySpec, a: &PathOptions, b: &PathOptions) {
    check_path(x, y, spec, true, true, b);
    if matches!(spec, PenaltySpec::Mcp { .. } | PenaltySpec::Scad { .. }) {
        return;
    }
    let (pa, _) = fit(x, y, spec, true, true, a);
    let (pb, _) = fit(x, y, spec, true, true, b);
    let p0 = null_objective(y);
    for (u, v) in pa.iter().zip(&pb) {
        let rel = (u.objective - v.objective).abs() / p0;
        assert!(rel < 2e-6, "{spec:?}: {} vs {}", u.objective, v.objective);
    }
}

#[test]
fn screening_changes_speed_not_results() {
    let (x, y) = random_problem(50, 200, 0.6, 6);
    for spec in all_penalties() {
        let with = options(25);
        let without = PathOptions { screening: Screening::none(), ..with.clone() };
        assert_same_certified_objectives(&x, &y, spec, &with, &without);
    }
}

/// Plain coordinate descent (no active-set Newton steps) reaches the same certified
/// objectives as the default solver.
#[test]
fn newton_steps_change_speed_not_results() {
    let (x, y) = random_problem(40, 300, 0.5, 10);
    for spec in all_penalties() {
        let with = options(30);
        let without = PathOptions { newton: false, ..with.clone() };
        assert_same_certified_objectives(&x, &y, spec, &with, &without);
    }
}

#[test]
fn tighter_tolerances_are_met() {
    let (x, y) = random_problem(70, 90, 0.5, 7);
    for spec in all_penalties() {
        let opts = PathOptions { tol: 1e-10, ..options(15) };
        check_path(&x, &y, spec, true, true, &opts);
    }
}

/// The parallel scans use fixed feature blocks, so a path is bit-for-bit the same on one
/// thread and on several (here large enough that every scan is split).
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let (x, y) = random_problem(200, 3000, 0.5, 11);
    let in_pool = |threads: usize, spec: PenaltySpec| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| fit(&x, &y, spec, true, true, &options(40)).0)
    };
    for spec in all_penalties() {
        let one = in_pool(1, spec);
        let three = in_pool(3, spec);
        assert_eq!(one.len(), three.len());
        for (a, b) in one.iter().zip(&three) {
            assert_eq!(a.beta, b.beta, "{spec:?} at alpha {}", a.alpha);
            assert_eq!(a.intercept.to_bits(), b.intercept.to_bits());
            assert_eq!(a.certificate.to_bits(), b.certificate.to_bits());
        }
    }
}
