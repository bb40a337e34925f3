//! Invalid input is an error naming the problem; awkward but valid input is not.

mod common;

use std::ops::ControlFlow;

use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{AlphaGrid, DenseDesign, PathOptions, PenaltySpec, SolverError, fit_path_spec};

fn run(
    x: &Array2<f64>,
    y: &[f64],
    spec: PenaltySpec,
    standardize: bool,
    opts: &PathOptions,
) -> Result<usize, SolverError> {
    let design = DenseDesign::new(x.view(), true, standardize)?;
    let mut count = 0;
    fit_path_spec(&design, y, spec, opts, |_| {
        count += 1;
        ControlFlow::Continue(())
    })?;
    Ok(count)
}

#[test]
fn wrong_y_length_and_non_finite_y() {
    let (x, y) = common::random_problem(10, 4, 0.0, 1);
    let err = run(&x, &y[..9], PenaltySpec::Lasso, true, &PathOptions::default()).unwrap_err();
    assert_eq!(err, SolverError::LengthMismatch { y_len: 9, n: 10 });
    let mut bad = y.clone();
    bad[4] = f64::INFINITY;
    let err = run(&x, &bad, PenaltySpec::Lasso, true, &PathOptions::default()).unwrap_err();
    assert!(err.to_string().contains("position 4"), "{err}");
}

#[test]
fn invalid_options() {
    let (x, y) = common::random_problem(10, 4, 0.0, 1);
    for opts in [
        PathOptions { tol: 0.0, ..PathOptions::default() },
        PathOptions { tol: -1.0, ..PathOptions::default() },
        PathOptions { tol: f64::NAN, ..PathOptions::default() },
        PathOptions { max_epochs: 0, ..PathOptions::default() },
        PathOptions { grid: AlphaGrid::Geometric { n_alphas: 0, eps: 1e-3 }, ..PathOptions::default() },
        PathOptions { grid: AlphaGrid::Explicit(vec![0.5, -0.1]), ..PathOptions::default() },
    ] {
        assert!(matches!(run(&x, &y, PenaltySpec::Lasso, true, &opts), Err(SolverError::InvalidParameter(_))));
    }
}

#[test]
fn constant_y_needs_explicit_alphas() {
    let (x, _) = common::random_problem(10, 4, 0.0, 1);
    let y = vec![2.5; 10];
    let err = run(&x, &y, PenaltySpec::Lasso, true, &PathOptions::default()).unwrap_err();
    assert!(err.to_string().contains("y is constant"), "{err}");
    let opts = PathOptions { grid: AlphaGrid::Explicit(vec![1.0, 0.1]), ..PathOptions::default() };
    assert_eq!(run(&x, &y, PenaltySpec::Lasso, true, &opts).unwrap(), 2);
}

#[test]
fn no_live_column_needs_explicit_alphas() {
    let x = Array2::from_elem((6, 3).f(), 4.0);
    let y = vec![1.0, 2.0, 0.0, 3.0, 1.0, 5.0];
    let err = run(&x, &y, PenaltySpec::Ridge, true, &PathOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no column of X varies"), "{err}");
}

#[test]
fn non_convex_coordinates_are_refused_without_standardization() {
    let (mut x, y) = common::random_problem(30, 5, 0.0, 2);
    x.column_mut(3).mapv_inplace(|v| v * 0.1); // curvature ≈ 0.01
    let err = run(&x, &y, PenaltySpec::Mcp { gamma: 3.0 }, false, &PathOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("column 3") && msg.contains("--no-standardize") && msg.contains("--gamma"), "{msg}");
    let err = run(&x, &y, PenaltySpec::Scad { gamma: 3.7 }, false, &PathOptions::default()).unwrap_err();
    assert!(err.to_string().contains("column 3"));
    // standardized, the same data is fine
    assert!(run(&x, &y, PenaltySpec::Mcp { gamma: 3.0 }, true, &common::options(10)).is_ok());
}

#[test]
fn alphas_above_alpha_max_give_zero_models() {
    let (x, y) = common::random_problem(20, 6, 0.0, 3);
    let opts = PathOptions { grid: AlphaGrid::Explicit(vec![1e6, 1e5]), ..PathOptions::default() };
    let (points, _) = common::fit(&x, &y, PenaltySpec::Lasso, true, true, &opts);
    assert!(points.iter().all(|p| p.nnz == 0 && p.converged));
    let ybar = y.iter().sum::<f64>() / 20.0;
    assert!((points[0].intercept - ybar).abs() < 1e-12);
}

#[test]
fn max_nnz_stops_the_path() {
    let (x, y) = common::random_problem(40, 30, 0.2, 4);
    let opts = PathOptions { max_nnz: Some(3), ..common::options(50) };
    let design = DenseDesign::new(x.view(), true, true).unwrap();
    let mut last = 0;
    let summary = fit_path_spec(&design, &y, PenaltySpec::Lasso, &opts, |p| {
        last = p.nnz;
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(summary.stop_reason, regpath_solver::StopReason::MaxNnz);
    assert!(summary.n_points < 50);
    assert!(last > 3);
}

/// Training R² of every point, computed from `train_mse` and y independently of the solver.
fn path_r2(
    x: &Array2<f64>,
    y: &[f64],
    intercept: bool,
    opts: &PathOptions,
) -> (Vec<f64>, Vec<f64>, regpath_solver::PathSummary) {
    let design = DenseDesign::new(x.view(), intercept, true).unwrap();
    let n = y.len() as f64;
    let center = if intercept { y.iter().sum::<f64>() / n } else { 0.0 };
    let null_mse = y.iter().map(|v| (v - center) * (v - center)).sum::<f64>() / n;
    let (mut r2, mut alphas) = (Vec::new(), Vec::new());
    let summary = fit_path_spec(&design, y, PenaltySpec::Lasso, opts, |p| {
        r2.push(1.0 - p.train_mse / null_mse);
        alphas.push(p.alpha);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert!((summary.null_objective - null_mse / 2.0).abs() <= 1e-12 * null_mse);
    (r2, alphas, summary)
}

#[test]
fn stop_saturated_ends_the_path_at_the_first_saturated_alpha() {
    use regpath_solver::StopReason;
    // Tall, low noise: R² climbs to about 0.97 along the path.
    let (x, y) = common::random_problem(200, 10, 0.0, 5);
    // Without intercept, R² is relative to ‖y‖²: drop the problem's offset of 3 first.
    let y0: Vec<f64> = y.iter().map(|v| v - 3.0).collect();
    for (intercept, y) in [(true, &y), (false, &y0)] {
        let (full, full_alphas, summary) = path_r2(&x, y, intercept, &common::options(50));
        assert_eq!((summary.stop_reason, summary.n_points), (StopReason::EndOfGrid, 50));
        assert!(full[49] > 0.9, "the full path must go past R² 0.9: {}", full[49]);
        let opts = PathOptions { stop_saturated: Some(0.9), ..common::options(50) };
        let (r2, _, summary) = path_r2(&x, y, intercept, &opts);
        assert_eq!(summary.stop_reason, StopReason::Saturated);
        assert_eq!(summary.stop_reason.as_str(), "saturated");
        let k = r2.len() - 1;
        assert!(k > 0 && k < 49, "stopped at {k}");
        assert!(r2[k] >= 0.9 && r2[k - 1] < 0.9, "R² {} then {}", r2[k - 1], r2[k]);
        assert_eq!(r2, full[..=k], "the same points as the full path, up to the stop");
        assert!(
            (regpath_solver::train_r2(0.5, summary.null_objective) - (1.0 - 0.25 / summary.null_objective)).abs()
                < 1e-15
        );
        // Saturated exactly at the last alpha of the grid: the grid ended anyway.
        let grid = PathOptions { grid: AlphaGrid::Explicit(full_alphas[..=k].to_vec()), ..opts.clone() };
        let (r2, _, summary) = path_r2(&x, y, intercept, &grid);
        assert_eq!((summary.stop_reason, r2.len()), (StopReason::EndOfGrid, k + 1));
        // A target never reached: the whole grid.
        let never = PathOptions { stop_saturated: Some(0.999), ..common::options(50) };
        assert_eq!(path_r2(&x, y, intercept, &never).2.n_points, 50);
    }
}

#[test]
fn stop_saturated_must_be_in_unit_interval() {
    for bad in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        let opts = PathOptions { stop_saturated: Some(bad), ..PathOptions::default() };
        let msg = opts.validate().unwrap_err().to_string();
        assert!(msg.contains("stop_saturated") && msg.contains("(0, 1]"), "{bad}: {msg}");
        let (x, y) = common::random_problem(20, 4, 0.0, 1);
        assert!(run(&x, &y, PenaltySpec::Lasso, true, &opts).is_err());
    }
    for good in [1e-9, 0.5, 1.0] {
        assert!(PathOptions { stop_saturated: Some(good), ..PathOptions::default() }.validate().is_ok());
    }
}
