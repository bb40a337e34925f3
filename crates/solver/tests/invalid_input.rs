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
