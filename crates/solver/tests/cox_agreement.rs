//! The Cox datafit against R glmnet `family = "cox"` (Breslow ties) on the committed fixture
//! of `scripts/make_glmnet_cox_fixture.R` (80 samples with tied event times, 20 columns on
//! wildly different scales), and every solution's KKT certificate recomputed here from the
//! partial likelihood written out term by term (O(n²), no code shared with the solver).

use std::ops::ControlFlow;
use std::path::PathBuf;

use ndarray::{Array2, ShapeBuilder};
use regpath_solver::{
    AlphaGrid, Cox, CoxTies, Datafit, DenseDesign, ElasticNet, Lasso, Mcp, PathOptions, Penalty, PenaltySpec, Ridge,
    Scad, concordance_index, fit_datafit_path, fit_datafit_path_spec,
};

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cox")
}

fn read_numbers(name: &str) -> Vec<f64> {
    std::fs::read_to_string(fixture_dir().join(name))
        .unwrap()
        .split([',', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap())
        .collect()
}

struct Problem {
    x: Array2<f64>,
    time: Vec<f64>,
    status: Vec<f64>,
}

fn problem() -> Problem {
    let values = read_numbers("X.csv");
    let time = read_numbers("time.csv");
    let status = read_numbers("status.csv");
    let n = time.len();
    let p = values.len() / n;
    // column-major (the design's layout), from the row-major CSV
    let mut x = Array2::zeros((n, p).f());
    for i in 0..n {
        for j in 0..p {
            x[(i, j)] = values[i * p + j];
        }
    }
    Problem { x, time, status }
}

/// `(1/n) Σ_{events i} [log Σ_{T_j ≥ T_i} e^{η_j} − η_i]` and its gradient in η, O(n²)
/// (Breslow); with Efron's ties the l-th of the d events tied at a time sees its risk set less
/// l/d of the tied events' weight.
fn naive_loss_and_gradient_with(ties: CoxTies, time: &[f64], status: &[f64], eta: &[f64]) -> (f64, Vec<f64>) {
    let n = time.len();
    let mut loss = 0.0;
    let mut grad = vec![0.0; n];
    let mut done: Vec<f64> = Vec::new();
    for i in (0..n).filter(|&i| status[i] == 1.0) {
        if done.contains(&time[i]) {
            continue;
        }
        done.push(time[i]);
        let tied: Vec<usize> = (0..n).filter(|&j| status[j] == 1.0 && time[j] == time[i]).collect();
        let risk: Vec<usize> = (0..n).filter(|&j| time[j] >= time[i]).collect();
        let total: f64 = risk.iter().map(|&j| eta[j].exp()).sum();
        let tied_total: f64 = tied.iter().map(|&j| eta[j].exp()).sum();
        let d = tied.len() as f64;
        for (l, &event) in tied.iter().enumerate() {
            let share = if ties == CoxTies::Efron { l as f64 / d } else { 0.0 };
            let u = total - share * tied_total;
            loss += u.ln() - eta[event];
            for &j in &risk {
                grad[j] += eta[j].exp() / u;
            }
            for &j in &tied {
                grad[j] -= share * eta[j].exp() / u;
            }
            grad[event] -= 1.0;
        }
    }
    (loss / n as f64, grad.iter().map(|g| g / n as f64).collect())
}

/// Column scales `s_j` (1/n RMS of the centred column).
fn scales(x: &Array2<f64>) -> Vec<f64> {
    let n = x.nrows() as f64;
    x.columns()
        .into_iter()
        .map(|c| {
            let mean = c.sum() / n;
            (c.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
        })
        .collect()
}

fn eta_of(x: &Array2<f64>, coefs: &[(usize, f64)]) -> Vec<f64> {
    (0..x.nrows()).map(|i| coefs.iter().map(|&(j, b)| x[(i, j)] * b).sum()).collect()
}

/// The objective and the relative KKT violation `max_j dist(−∇_j, ∂pen(t_j))/alpha_max` on the
/// working scale (`t_j = β_j s_j`, `∇_j = s_j·∂F/∂β_j`), recomputed from scratch.
fn independent_certificate<P: Penalty>(
    prob: &Problem,
    penalty: &P,
    alpha: f64,
    alpha_max: f64,
    coefs: &[(usize, f64)],
) -> (f64, f64) {
    independent_certificate_with(CoxTies::Breslow, prob, penalty, alpha, alpha_max, coefs)
}

fn independent_certificate_with<P: Penalty>(
    ties: CoxTies,
    prob: &Problem,
    penalty: &P,
    alpha: f64,
    alpha_max: f64,
    coefs: &[(usize, f64)],
) -> (f64, f64) {
    let s = scales(&prob.x);
    let eta = eta_of(&prob.x, coefs);
    let (loss, grad_eta) = naive_loss_and_gradient_with(ties, &prob.time, &prob.status, &eta);
    let mut beta = vec![0.0; prob.x.ncols()];
    coefs.iter().for_each(|&(j, b)| beta[j] = b);
    let mut worst = 0.0f64;
    let mut pen = 0.0;
    for j in 0..prob.x.ncols() {
        let t = beta[j] * s[j];
        let grad_t = (0..prob.x.nrows()).map(|i| prob.x[(i, j)] * grad_eta[i]).sum::<f64>() / s[j];
        worst = worst.max(penalty.weighted_subdiff_distance(t, grad_t, alpha, 1.0));
        if t != 0.0 {
            pen += penalty.weighted_value(t, alpha, 1.0);
        }
    }
    (loss + pen, worst / alpha_max)
}

struct Reference {
    alphas: Vec<f64>,
    objectives: Vec<f64>,
    coefs: Vec<Vec<(usize, f64)>>,
}

fn reference(name: &str) -> Reference {
    let alphas = read_numbers(&format!("{name}.alphas.txt"));
    let path = std::fs::read_to_string(fixture_dir().join(format!("{name}.path.csv"))).unwrap();
    let objectives = path.lines().skip(1).map(|l| l.split(',').nth(2).unwrap().parse().unwrap()).collect();
    let mut coefs = vec![Vec::new(); alphas.len()];
    let text = std::fs::read_to_string(fixture_dir().join(format!("{name}.coefs.csv"))).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        coefs[f[0].parse::<usize>().unwrap()].push((f[1].parse().unwrap(), f[2].parse().unwrap()));
    }
    Reference { alphas, objectives, coefs }
}

fn options(alphas: &[f64], tol: f64) -> PathOptions {
    PathOptions { grid: AlphaGrid::Explicit(alphas.to_vec()), tol, ..PathOptions::default() }
}

/// Each point: (alpha, alpha_over_max, objective, certificate, coefs).
type Points = Vec<(f64, f64, f64, f64, Vec<(usize, f64)>)>;

fn fit<P: Penalty>(prob: &Problem, penalty: P, options: &PathOptions) -> Points {
    let design = DenseDesign::new(prob.x.view(), true, true).unwrap();
    let cox = Cox::new(&prob.time, &prob.status, prob.x.nrows()).unwrap();
    let mut points = Vec::new();
    fit_datafit_path(&design, cox, penalty, options, |pt| {
        points.push((pt.alpha, pt.alpha_over_max, pt.objective, pt.certificate, pt.coefs.to_vec()));
        ControlFlow::Continue(())
    })
    .unwrap();
    points
}

fn agree_with_glmnet<P: Penalty + Copy>(name: &str, penalty: P) {
    let prob = problem();
    let reference = reference(name);
    // the Newton model uses the full Cox Hessian (docs/datafits.md), so the path is certified
    // far below the default tolerance (with the Hessian's diagonal, glmnet's weights, the
    // first version floored at 1e-9..1e-8)
    let points = fit(&prob, penalty, &options(&reference.alphas, 1e-10));
    assert_eq!(points.len(), reference.alphas.len());
    let alpha_max = points[0].0 / points[0].1;
    // glmnet's lambda.max is our alpha_max (same scaling of the objective)
    assert!((alpha_max - reference.alphas[0]).abs() <= 1e-10 * alpha_max, "{alpha_max} vs {}", reference.alphas[0]);
    for (k, (alpha, _, objective, certificate, coefs)) in points.iter().enumerate() {
        assert!(*certificate <= 1e-10, "{name} alpha {k}: certificate {certificate}");
        let (recomputed, kkt) = independent_certificate(&prob, &penalty, *alpha, alpha_max, coefs);
        assert!((recomputed - objective).abs() <= 1e-12 * objective.abs(), "{name} alpha {k}: objective");
        assert!(kkt <= 1.01e-10, "{name} alpha {k}: independent KKT {kkt}");
        let glmnet = reference.objectives[k];
        assert!(
            *objective <= glmnet + 1e-12 * glmnet.abs() && (objective - glmnet).abs() <= 1e-8 * glmnet.abs(),
            "{name} alpha {k}: objective {objective} vs glmnet {glmnet}"
        );
        // glmnet can leave rounding-level coefficients (4e-17 at lambda.max): the supports are
        // compared above 1e-12
        let theirs: Vec<(usize, f64)> = reference.coefs[k].iter().copied().filter(|&(_, b)| b.abs() > 1e-12).collect();
        let ours: Vec<usize> = coefs.iter().map(|&(j, _)| j).collect();
        assert_eq!(ours, theirs.iter().map(|&(j, _)| j).collect::<Vec<_>>(), "{name} alpha {k}: support");
        // within 1e-5 of the largest coefficient: ours is certified to 1e-10, glmnet's to ~1e-9, and
        // glmnet's objective is the higher one (the assertion above)
        let largest = theirs.iter().fold(0.0f64, |m, &(_, b)| m.max(b.abs()));
        for (&(j, a), &(_, b)) in coefs.iter().zip(&theirs) {
            assert!((a - b).abs() <= 1e-5 * largest, "{name} alpha {k} feature {j}: {a} vs glmnet {b}");
        }
    }
}

#[test]
fn lasso_path_agrees_with_glmnet_cox() {
    agree_with_glmnet("lasso", Lasso);
}

#[test]
fn elastic_net_path_agrees_with_glmnet_cox() {
    agree_with_glmnet("enet", ElasticNet { l1_ratio: 0.5 });
}

/// Every penalty on the default grid certifies every alpha at the default tolerance, by the
/// solver's own certificate and by the one recomputed here.
#[test]
fn every_penalty_certifies_every_alpha() {
    let prob = problem();
    let specs = [
        PenaltySpec::Lasso,
        PenaltySpec::Ridge,
        PenaltySpec::Enet { l1_ratio: 0.5 },
        PenaltySpec::Mcp { gamma: 3.0 },
        PenaltySpec::Scad { gamma: 3.7 },
    ];
    for (spec, ties) in specs.into_iter().flat_map(|s| [(s, CoxTies::Breslow), (s, CoxTies::Efron)]) {
        let design = DenseDesign::new(prob.x.view(), true, true).unwrap();
        let cox = Cox::new(&prob.time, &prob.status, prob.x.nrows()).unwrap().with_ties(ties);
        let options = PathOptions { grid: AlphaGrid::Geometric { n_alphas: 30, eps: 1e-2 }, ..PathOptions::default() };
        let mut points: Points = Vec::new();
        fit_datafit_path_spec(&design, cox, spec, &options, |pt| {
            points.push((pt.alpha, pt.alpha_over_max, pt.objective, pt.certificate, pt.coefs.to_vec()));
            ControlFlow::Continue(())
        })
        .unwrap();
        assert!(points.len() >= 20, "{spec:?} {ties:?}: {} points", points.len());
        let alpha_max = points[0].0 / points[0].1;
        for (k, (alpha, _, _, certificate, coefs)) in points.iter().enumerate() {
            assert!(*certificate <= 1e-6, "{spec:?} {ties:?} alpha {k}: {certificate}");
            let kkt = match spec {
                PenaltySpec::Lasso => independent_certificate_with(ties, &prob, &Lasso, *alpha, alpha_max, coefs).1,
                PenaltySpec::Ridge => independent_certificate_with(ties, &prob, &Ridge, *alpha, alpha_max, coefs).1,
                PenaltySpec::Enet { l1_ratio } => {
                    independent_certificate_with(ties, &prob, &ElasticNet { l1_ratio }, *alpha, alpha_max, coefs).1
                }
                PenaltySpec::Mcp { gamma } => {
                    independent_certificate_with(ties, &prob, &Mcp { gamma }, *alpha, alpha_max, coefs).1
                }
                PenaltySpec::Scad { gamma } => {
                    independent_certificate_with(ties, &prob, &Scad { gamma }, *alpha, alpha_max, coefs).1
                }
            };
            assert!(kkt <= 1.01e-6, "{spec:?} {ties:?} alpha {k}: recomputed KKT {kkt}");
        }
        // the fitted risk scores order the events better than chance
        let eta = eta_of(&prob.x, &points.last().unwrap().4);
        let c = concordance_index(&prob.time, &prob.status, &eta);
        assert!(c > 0.6, "{spec:?} {ties:?}: C-index {c}");
    }
}

/// A wide problem (p ≫ n) whose Lasso path runs its support up towards the number of events,
/// where the Cox Hessian's risk-set coupling matters: Lasso and ElasticNet certify every alpha
/// (by the KKT violation recomputed here), and the full-Hessian Newton model's exact
/// active-set solve is used (`newton_passes` > 0). With the Hessian's diagonal as the model
/// (the first version, glmnet's weights) the Lasso path stopped short of the tolerance.
#[test]
fn wide_paths_with_supports_near_the_event_count_are_certified() {
    let (n, p) = (80, 400);
    let mut state = 7u64;
    let mut uniform = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut x = Array2::zeros((n, p).f());
    for j in 0..p {
        for i in 0..n {
            // genotype-like codes 0/1/2 at frequency 0.3
            x[(i, j)] = f64::from(u8::from(uniform() < 0.3) + u8::from(uniform() < 0.3));
        }
    }
    let eta: Vec<f64> = (0..n).map(|i| (0..5).map(|j| 0.8 * x[(i, j)]).sum::<f64>()).collect();
    let mut time = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    for &e in &eta {
        let event = -uniform().ln() / e.exp();
        let censor = -uniform().ln() * 0.5;
        time.push(event.min(censor));
        status.push(if event <= censor { 1.0 } else { 0.0 });
    }
    let events = status.iter().sum::<f64>();
    assert!(events > 0.3 * n as f64 && events < 0.9 * n as f64, "{events} events");
    let prob = Problem { x, time, status };
    // the convex penalties: MCP and SCAD paths on this problem stall once their support
    // passes half the samples (docs/performance.md, "Cox")
    let specs = [PenaltySpec::Lasso, PenaltySpec::Enet { l1_ratio: 0.5 }];
    for spec in specs {
        let design = DenseDesign::new(prob.x.view(), true, true).unwrap();
        let cox = Cox::new(&prob.time, &prob.status, n).unwrap();
        let options = PathOptions { grid: AlphaGrid::Geometric { n_alphas: 40, eps: 1e-2 }, ..PathOptions::default() };
        let mut points: Points = Vec::new();
        let mut newton_passes = 0.0;
        fit_datafit_path_spec(&design, cox, spec, &options, |pt| {
            points.push((pt.alpha, pt.alpha_over_max, pt.objective, pt.certificate, pt.coefs.to_vec()));
            newton_passes += pt.newton_passes;
            ControlFlow::Continue(())
        })
        .unwrap();
        let alpha_max = points[0].0 / points[0].1;
        for (k, (alpha, _, objective, certificate, coefs)) in points.iter().enumerate() {
            assert!(*certificate <= 1e-6, "{spec:?} alpha {k}: {certificate}");
            let (recomputed, kkt) = match spec {
                PenaltySpec::Lasso => independent_certificate(&prob, &Lasso, *alpha, alpha_max, coefs),
                PenaltySpec::Enet { l1_ratio } => {
                    independent_certificate(&prob, &ElasticNet { l1_ratio }, *alpha, alpha_max, coefs)
                }
                _ => unreachable!("convex penalties only"),
            };
            assert!((recomputed - objective).abs() <= 1e-10 * objective.abs(), "{spec:?} alpha {k}: objective");
            assert!(kkt <= 1.01e-6, "{spec:?} alpha {k}: recomputed KKT {kkt}");
        }
        if spec == PenaltySpec::Lasso {
            let support = points.iter().map(|pt| pt.4.len()).max().unwrap();
            assert!(support as f64 >= 0.6 * events, "the Lasso support reaches {support} of {events} events");
            assert!(newton_passes > 0.0, "the exact full-Hessian solve ran");
        }
    }
}

fn efron_rows(name: &str) -> Vec<Vec<f64>> {
    std::fs::read_to_string(fixture_dir().join("../cox_efron").join(name))
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

/// The Efron and Breslow partial likelihoods at fixed coefficients against R
/// `survival::coxph(init = b, iter.max = 0)`'s log-likelihood (fixture of
/// `scripts/make_survival_efron_fixture.R`; the problem has tied event times).
#[test]
fn efron_and_breslow_losses_agree_with_survival_coxph() {
    let prob = problem();
    let n = prob.x.nrows();
    let (betas, reference) = (efron_rows("betas.csv"), efron_rows("loglik.csv"));
    assert_eq!(betas.len(), 5);
    for (b, expected) in betas.iter().zip(&reference) {
        let coefs: Vec<(usize, f64)> = b.iter().copied().enumerate().collect();
        let eta = eta_of(&prob.x, &coefs);
        let efron = Cox::new(&prob.time, &prob.status, n).unwrap().with_ties(CoxTies::Efron);
        let breslow = Cox::new(&prob.time, &prob.status, n).unwrap();
        let (e, br) = (efron.loss(&eta), breslow.loss(&eta));
        assert!((e - expected[0]).abs() <= 1e-12 * expected[0].abs(), "efron {e} vs coxph {}", expected[0]);
        assert!((br - expected[1]).abs() <= 1e-12 * expected[1].abs(), "breslow {br} vs coxph {}", expected[1]);
        assert!((e - br).abs() > 1e-3, "the fixture's ties make the two differ");
    }
}

/// Ridge-penalized Efron fits without standardization against
/// `coxph(Surv(time, status) ~ ridge(X, theta = n·alpha, scale = FALSE), ties = "efron")`:
/// the same objective, so the same coefficients.
#[test]
fn efron_ridge_path_agrees_with_survival_coxph() {
    let prob = problem();
    let n = prob.x.nrows();
    let reference = efron_rows("ridge.csv");
    let alphas: Vec<f64> = reference.iter().map(|row| row[0]).collect();
    let design = DenseDesign::new(prob.x.view(), true, false).unwrap();
    let cox = Cox::new(&prob.time, &prob.status, n).unwrap().with_ties(CoxTies::Efron);
    let mut points: Vec<(f64, Vec<(usize, f64)>)> = Vec::new();
    fit_datafit_path(&design, cox, Ridge, &options(&alphas, 1e-10), |pt| {
        assert!(pt.certificate <= 1e-10, "alpha {}: certificate {}", pt.alpha, pt.certificate);
        points.push((pt.certificate, pt.coefs.to_vec()));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(points.len(), alphas.len());
    for ((_, coefs), row) in points.iter().zip(&reference) {
        let theirs = &row[1..];
        let largest = theirs.iter().fold(0.0f64, |m, b| m.max(b.abs()));
        let mut ours = vec![0.0; theirs.len()];
        coefs.iter().for_each(|&(j, b)| ours[j] = b);
        for (j, (a, b)) in ours.iter().zip(theirs).enumerate() {
            assert!((a - b).abs() <= 1e-6 * largest, "alpha {} feature {j}: {a} vs coxph {b}", row[0]);
        }
    }
}
