//! Coarse grids and single alphas: a request for a few alphas far apart (or one alpha far
//! below alpha_max) is bridged by internal warm starts, so that it returns the point of the
//! default path at that alpha, doing no more work than that path does to reach it; and every
//! point's work columns say what did the work (Newton steps included).

mod common;

use std::ops::ControlFlow;

use common::*;
use regpath_solver::{AlphaGrid, DenseDesign, PathOptions, PenaltySpec, bridge_alphas, fit_path_spec};

/// One reported point: alpha, dense coefficients, objective and the work columns.
struct Point {
    alpha: f64,
    beta: Vec<f64>,
    objective: f64,
    certificate: f64,
    epochs: usize,
    updates: u64,
    newton_steps: u64,
    scan_passes: f64,
}

fn run(x: &ndarray::Array2<f64>, y: &[f64], spec: PenaltySpec, grid: AlphaGrid) -> Vec<Point> {
    let design = DenseDesign::new(x.view(), true, true).unwrap();
    let options = PathOptions { grid, tol: 1e-8, ..PathOptions::default() };
    let mut points = Vec::new();
    fit_path_spec(&design, y, spec, &options, |pt| {
        let mut beta = vec![0.0; x.ncols()];
        for &(j, b) in pt.coefs {
            beta[j] = b;
        }
        points.push(Point {
            alpha: pt.alpha,
            beta,
            objective: pt.objective,
            certificate: pt.certificate,
            epochs: pt.epochs,
            updates: pt.coordinate_updates,
            newton_steps: pt.newton_steps,
            scan_passes: pt.scan_passes,
        });
        ControlFlow::Continue(())
    })
    .unwrap();
    points
}

fn support(beta: &[f64]) -> Vec<usize> {
    beta.iter().enumerate().filter(|(_, b)| **b != 0.0).map(|(j, _)| j).collect()
}

#[test]
fn bridge_alphas_fill_coarse_steps_at_the_default_spacing() {
    let mut out = Vec::new();
    bridge_alphas(1.0, 0.95, &mut out);
    assert!(out.is_empty(), "a step finer than the default grid's is solved directly");
    bridge_alphas(1.0, 1e-3, &mut out);
    assert_eq!(out.len(), 98, "three decades take the default grid's 99 steps");
    assert!(out.windows(2).all(|w| w[0] > w[1] && w[1] / w[0] >= regpath_solver::BRIDGE_RATIO));
    assert!(out[0] < 1.0 && *out.last().unwrap() > 1e-3);
    assert!(out.last().unwrap() * regpath_solver::BRIDGE_RATIO <= 1e-3 * 1.0001);
}

/// The default path's point k and the same alpha requested alone: same solution (for MCP the
/// same local minimizer, which only the path defines), and no more work than the path spends
/// on points 0..=k.
#[test]
fn a_single_alpha_is_the_default_paths_point_at_no_more_work() {
    let (x, y) = random_problem(120, 400, 0.6, 7);
    for spec in [PenaltySpec::Lasso, PenaltySpec::Enet { l1_ratio: 0.5 }, PenaltySpec::Mcp { gamma: 3.0 }] {
        let path = run(&x, &y, spec, AlphaGrid::default());
        let k = 80.min(path.len() - 1);
        let single = run(&x, &y, spec, AlphaGrid::Explicit(vec![path[k].alpha]));
        assert_eq!(single.len(), 1);
        let (a, b) = (&path[k], &single[0]);
        assert_eq!(a.alpha, b.alpha);
        assert!(b.certificate <= 1e-8, "{spec:?}: certificate {}", b.certificate);
        assert_eq!(support(&a.beta), support(&b.beta), "{spec:?}: supports differ");
        let scale = null_objective(&y);
        assert!(
            (a.objective - b.objective).abs() <= 2e-8 * scale,
            "{spec:?}: objectives {} vs {}",
            a.objective,
            b.objective
        );
        let path_epochs: usize = path[..=k].iter().map(|p| p.epochs).sum();
        let path_newton: u64 = path[..=k].iter().map(|p| p.newton_steps).sum();
        let path_updates: u64 = path[..=k].iter().map(|p| p.updates).sum();
        let path_scans: f64 = path[..=k].iter().map(|p| p.scan_passes).sum();
        // the internal grid equals the default one up to rounding of the alphas, which can move
        // an epoch count by a few: 10 % is far below what a cold or distant warm start costs
        let within = |single: f64, path: f64| single <= 1.1 * path;
        assert!(
            within(b.epochs as f64, path_epochs as f64)
                && within(b.newton_steps as f64, path_newton as f64)
                && within(b.updates as f64, path_updates as f64),
            "{spec:?}: single alpha did epochs {} / Newton {} / updates {}, the path to it {path_epochs} / {path_newton} / {path_updates}",
            b.epochs,
            b.newton_steps,
            b.updates
        );
        assert!(within(b.scan_passes, path_scans), "{spec:?}: scans {} vs {path_scans}", b.scan_passes);
    }
}

/// Three alphas over three decades: each has the objective of the default path's point at
/// that alpha (refitted on a grid through it), at no more work than the default path.
#[test]
fn a_coarse_grid_costs_no_more_than_the_default_path() {
    let (x, y) = random_problem(80, 300, 0.5, 3);
    let spec = PenaltySpec::Lasso;
    let coarse = run(&x, &y, spec, AlphaGrid::Geometric { n_alphas: 3, eps: 1e-3 });
    let path = run(&x, &y, spec, AlphaGrid::default());
    assert_eq!(coarse.len(), 3);
    let scale = null_objective(&y);
    for (point, k) in coarse.iter().zip([0, 49, 99]) {
        // the middle alpha lies between the default grid's points 49 and 50: compare with a
        // default-spaced path through it
        let reference = if k == 49 {
            let through = run(&x, &y, spec, AlphaGrid::Geometric { n_alphas: 51, eps: point.alpha / path[0].alpha });
            through.into_iter().last().unwrap()
        } else {
            run(&x, &y, spec, AlphaGrid::Geometric { n_alphas: k + 1, eps: path[k.max(1)].alpha / path[0].alpha })
                .into_iter()
                .last()
                .unwrap()
        };
        assert!((point.alpha - reference.alpha).abs() <= 1e-12 * reference.alpha);
        assert!(
            (point.objective - reference.objective).abs() <= 2e-8 * scale,
            "alpha {}: objective {} vs {}",
            point.alpha,
            point.objective,
            reference.objective
        );
    }
    let total = |points: &[Point]| -> (usize, u64, u64) {
        points.iter().fold((0, 0, 0), |(e, n, u), p| (e + p.epochs, n + p.newton_steps, u + p.updates))
    };
    let (ce, cn, cu) = total(&coarse);
    let (pe, pn, pu) = total(&path);
    assert!(
        ce as f64 <= 1.1 * pe as f64 && cn as f64 <= 1.1 * pn as f64 && cu as f64 <= 1.1 * pu as f64,
        "3 alphas did epochs {ce} / Newton {cn} / updates {cu}, the default 100 {pe} / {pn} / {pu}"
    );
}

/// The work columns say what did the work: on a tall problem the active-set Newton solves
/// whole alphas without an epoch, and those points report their Newton steps.
#[test]
fn newton_solved_points_report_newton_steps() {
    let (x, y) = random_problem(400, 40, 0.3, 5);
    let path = run(&x, &y, PenaltySpec::Lasso, AlphaGrid::default());
    let mut newton_only = 0;
    for w in path.windows(2) {
        let moved = support(&w[0].beta) != support(&w[1].beta) || w[0].beta != w[1].beta;
        let p = &w[1];
        if moved {
            assert!(
                p.epochs > 0 || p.newton_steps > 0,
                "alpha {}: coefficients moved with no epoch and no Newton step",
                p.alpha
            );
        }
        if moved && p.epochs == 0 {
            newton_only += 1;
        }
    }
    assert!(newton_only > 0, "expected points solved by Newton steps alone");
}
