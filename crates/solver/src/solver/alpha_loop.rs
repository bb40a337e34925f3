//! The outer loop of one alpha, shared by the path solvers ([`super::PathSolver`] for the
//! quadratic datafit, [`super::ProxNewtonSolver`] for the others):
//!
//! 1. solve the problem restricted to the working set S until its certificate is at most the
//!    inner tolerance (the algorithm is the solver's: coordinate descent and the active-set
//!    Newton, or proximal Newton);
//! 2. check every live feature outside S (exact gradients where their bounds are in doubt);
//!    violators join S and step 1 repeats (the quadratic solver also checks during step 1 on
//!    MCP/SCAD working sets beyond the Newton factor: `hot_sweeps.rs`);
//! 3. certify the whole problem. The point is done when the certificate is at most the
//!    tolerance; otherwise, unless the restricted solve stalled or the epoch budget is spent,
//!    the solver may screen with the failed certificate (Gap Safe), the inner tolerance
//!    shrinks tenfold and step 1 repeats.

/// How solving the working-set problem ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Solve {
    /// The restricted certificate reached the tolerance.
    Solved,
    /// The epoch budget ran out, or no step decreased the objective any more.
    Stalled,
    /// The objective has no finite minimizer along the iterate (a logistic fit whose
    /// predictor separates the samples): the path ends.
    Separated,
}

/// The steps of one alpha a path solver provides to [`solve_alpha`].
pub(super) trait AlphaSteps {
    /// The certificate of the whole problem at the current state.
    type Certificate;

    /// Step 1: the restricted problem on S to the certificate `tol`.
    fn solve_restricted(&mut self, alpha: f64, tol: f64) -> Solve;

    /// Step 2: makes every gradient outside S exact or bounded below its zero threshold, adds
    /// the violators to S and returns how many there were.
    fn admit_violators(&mut self, alpha: f64) -> usize;

    /// Step 3: the certificate of the whole problem.
    fn certify_all(&mut self, alpha: f64) -> Self::Certificate;

    /// The value of a certificate, compared with the tolerance.
    fn value(certificate: &Self::Certificate) -> f64;

    /// Whether the epoch budget of this alpha is spent.
    fn budget_spent(&self) -> bool;

    /// Called with a certificate above the tolerance before the next round (Gap Safe
    /// screening); nothing by default.
    fn after_uncertified(&mut self, _alpha: f64, _certificate: &Self::Certificate) {}
}

/// Runs the loop of the module docs at the tolerance `tol`: the final certificate and whether
/// it is at most `tol`, or `None` when the restricted solve found no finite minimizer.
pub(super) fn solve_alpha<S: AlphaSteps>(solver: &mut S, alpha: f64, tol: f64) -> Option<(S::Certificate, bool)> {
    let mut inner_tol = tol;
    loop {
        let outcome = solver.solve_restricted(alpha, inner_tol);
        if outcome == Solve::Separated {
            return None;
        }
        let solved = outcome == Solve::Solved;
        let violators = solver.admit_violators(alpha);
        if violators > 0 && solved {
            continue;
        }
        let certificate = solver.certify_all(alpha);
        if S::value(&certificate) <= tol {
            return Some((certificate, true));
        }
        if !solved || solver.budget_spent() {
            return Some((certificate, false));
        }
        solver.after_uncertified(alpha, &certificate);
        inner_tol *= 0.1;
    }
}
