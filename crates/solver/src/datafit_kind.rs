//! [`DatafitKind`]: the datafit a path is fitted with, picked at run time, and everything a
//! caller derives from that choice: what the response is ([`ResponseKind`]), how a linear
//! predictor becomes a prediction ([`DatafitKind::inverse_link`]), how held-out samples are
//! scored ([`DatafitKind::held_out_loss`], [`DatafitKind::held_out_score`],
//! [`DatafitKind::cv_loss`], [`DatafitKind::test_measures`], [`DatafitKind::metrics`]) and the
//! names those measures carry in output tables and messages.
//!
//! Callers hold a `DatafitKind` and call its methods; none branches on the datafit itself. A
//! new datafit is a new variant with an arm in each `match` below (and its path solver in
//! `path.rs`). Every measure takes the responses `y` and the linear predictors `η = b + Xβ`
//! of the same samples.

use crate::datafit::{Cox, CoxTies, Datafit, concordance_index, split_signed_times};
use crate::error::SolverError;
use crate::logistic::{mean_deviance, sigmoid};
use crate::measures::{auc, brier, misclassification, mse, r2};

/// cv.glmnet's clamp of predicted probabilities in the binomial deviance of a CV fold
/// ([`DatafitKind::cv_loss`]): `p ∈ [10⁻⁵, 1 − 10⁻⁵]`.
pub const CV_PROB_MIN: f64 = 1e-5;

/// The datafit of a path (docs/design.md §3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DatafitKind {
    /// `1/(2n)‖y − b − Xβ‖²`.
    #[default]
    Quadratic,
    /// `(1/n) Σ_i [log(1 + e^{η_i}) − y_i η_i]`, `η = b + Xβ`, y ∈ {0, 1}.
    Logistic,
    /// The partial likelihood `(1/n) Σ_k [d_k log Σ_{T_j ≥ t_k} e^{η_j} − Σ_{D_k} η_i]`
    /// (Breslow's ties; Efron's with [`CoxTies::Efron`], [`crate::Cox`]), `η = Xβ` (no
    /// intercept); y is a signed survival time ([`crate::signed_times`]).
    Cox(CoxTies),
}

/// What the response y of a datafit is, which decides how a reader codes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseKind {
    /// A real number (the quadratic datafit).
    Continuous,
    /// A 0/1 label (the logistic datafit). Readers recode PLINK's case/control coding (1 =
    /// control, 2 = case, 0 missing) to it.
    Binary,
    /// A survival time with its event indicator, carried as one signed value (the Cox
    /// datafit): `|y|` the time, a negative sign (−0.0 included) a censored sample. Readers
    /// build it from a time and a status column ([`crate::signed_times`]).
    Survival,
}

impl ResponseKind {
    /// The first value of `y` outside the response's domain: never for a continuous response,
    /// anything but 0 and 1 for a binary one.
    pub fn first_invalid(&self, y: &[f64]) -> Option<f64> {
        match self {
            ResponseKind::Continuous | ResponseKind::Survival => None,
            ResponseKind::Binary => y.iter().copied().find(|&v| v != 0.0 && v != 1.0),
        }
    }

    /// The domain, as error messages name it: `real` or `0/1`.
    pub fn domain(&self) -> &'static str {
        match self {
            ResponseKind::Continuous => "real",
            ResponseKind::Binary => "0/1",
            ResponseKind::Survival => "signed survival time",
        }
    }
}

/// The measures of a fit on a test part that a sweep reports (`test_*` columns of its
/// tables); `None` where the datafit does not define one, or the labels leave it undefined.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TestMeasures {
    /// Squared error of the predicted mean response: the MSE `Σ(y − η)²/n` (quadratic), the
    /// Brier score `Σ(y − σ(η))²/n` (logistic).
    pub mse: Option<f64>,
    /// `1 − Σ(y − η)²/Σ(y − ȳ)²` (quadratic; `None` for a constant y).
    pub r2: Option<f64>,
    /// Mean binomial deviance `(2/n)Σ[log(1 + e^η) − yη]` (logistic).
    pub deviance: Option<f64>,
    /// Area under the ROC curve of η (logistic; `None` with one class).
    pub auc: Option<f64>,
    /// Share of samples with `1{η > 0} ≠ y` (logistic).
    pub misclassification: Option<f64>,
    /// Harrell's concordance index of η (cox; `None` without a comparable pair).
    pub concordance: Option<f64>,
}

/// The mean partial-likelihood deviance `2F(η)` of samples with signed survival times y,
/// their own risk sets only (glmnet's `coxnet.deviance` per sample; cv.glmnet's
/// `grouped = FALSE`); NaN when they hold no event.
fn cox_deviance(ties: CoxTies, y: &[f64], eta: &[f64]) -> f64 {
    match Cox::from_signed_times(y, y.len()) {
        Ok(cox) => 2.0 * cox.with_ties(ties).loss(eta),
        Err(_) => f64::NAN,
    }
}

/// Harrell's C of η for signed survival times y (`None` without a comparable pair).
fn cox_concordance(y: &[f64], eta: &[f64]) -> Option<f64> {
    let (time, status) = split_signed_times(y);
    let c = concordance_index(&time, &status, eta);
    c.is_finite().then_some(c)
}

impl DatafitKind {
    /// `quadratic`, `logistic` or `cox`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "quadratic",
            DatafitKind::Logistic => "logistic",
            DatafitKind::Cox(_) => "cox",
        }
    }

    /// Parses `quadratic`, `logistic` or `cox`.
    pub fn from_name(name: &str) -> Result<Self, SolverError> {
        match name {
            "quadratic" => Ok(DatafitKind::Quadratic),
            "logistic" => Ok(DatafitKind::Logistic),
            "cox" => Ok(DatafitKind::Cox(CoxTies::Breslow)),
            other => Err(SolverError::InvalidParameter(format!(
                "unknown datafit '{other}' (expected quadratic, logistic or cox)"
            ))),
        }
    }

    /// The same datafit with tied Cox event times handled by `ties`: an error for any other
    /// datafit, unless `ties` is the default (Breslow), which they accept and ignore.
    pub fn with_ties(self, ties: CoxTies) -> Result<Self, SolverError> {
        match self {
            DatafitKind::Cox(_) => Ok(DatafitKind::Cox(ties)),
            _ if ties == CoxTies::Breslow => Ok(self),
            other => Err(SolverError::InvalidParameter(format!(
                "ties = {} applies to the cox datafit only, not to {}",
                ties.as_str(),
                other.as_str()
            ))),
        }
    }

    /// The ties of a Cox datafit (`None` for the others).
    pub fn ties(&self) -> Option<CoxTies> {
        match self {
            DatafitKind::Cox(ties) => Some(*ties),
            _ => None,
        }
    }

    /// The ratio eps of the default grid's smallest alpha to alpha_max: 10⁻³ for the quadratic
    /// datafit, 10⁻² for the logistic one (glmnet's choice for n < p; below it the fit
    /// approaches separation on wide data).
    pub fn default_eps(&self) -> f64 {
        match self {
            DatafitKind::Quadratic => 1e-3,
            DatafitKind::Logistic | DatafitKind::Cox(_) => 1e-2,
        }
    }

    /// Whether the model has an intercept when one is asked for: not for Cox, whose partial
    /// likelihood is invariant to a shift of η (`Datafit::uses_intercept`).
    pub fn has_intercept(&self) -> bool {
        !matches!(self, DatafitKind::Cox(_))
    }

    // ---- the response and the link ----

    /// What the response is: continuous (quadratic) or a 0/1 label (logistic).
    pub fn response(&self) -> ResponseKind {
        match self {
            DatafitKind::Quadratic => ResponseKind::Continuous,
            DatafitKind::Logistic => ResponseKind::Binary,
            DatafitKind::Cox(_) => ResponseKind::Survival,
        }
    }

    /// The prediction at a linear predictor η, as `regpath predict` writes it: `E[y | η]`, η
    /// itself (quadratic), the probability `σ(η) = 1/(1 + e^−η)` (logistic); for the Cox
    /// datafit, which has no mean response, the linear predictor η = log relative hazard
    /// (glmnet's `type = "link"`).
    ///
    /// The logistic arm evaluates `1/(1 + e^−η)` literally, as every `predictions.csv` so far
    /// was written: for η < 0 it may differ in the last bit from [`crate::sigmoid`] (which
    /// the measures use), and below η ≈ −709 it is 0 where `sigmoid` is subnormal.
    pub fn inverse_link(&self, eta: f64) -> f64 {
        match self {
            DatafitKind::Quadratic => eta,
            DatafitKind::Logistic => 1.0 / (1.0 + (-eta).exp()),
            DatafitKind::Cox(_) => eta,
        }
    }

    // ---- held-out measures ----

    /// The datafit's mean deviance on held-out samples, the loss that chooses alpha on a
    /// validation part or in a sweep's CV folds: the MSE `Σ(y − η)²/n` (quadratic), the mean
    /// binomial deviance `(2/n)Σ[log(1 + e^η) − yη]` (logistic, unclamped:
    /// [`crate::mean_deviance`]).
    pub fn held_out_loss(&self, y: &[f64], eta: &[f64]) -> f64 {
        match self {
            DatafitKind::Quadratic => mse(y, eta),
            DatafitKind::Logistic => mean_deviance(y, eta),
            DatafitKind::Cox(ties) => cox_deviance(*ties, y, eta),
        }
    }

    /// `(loss, score)` of held-out samples, the columns [`DatafitKind::held_out_columns`] of
    /// `regpath path --test-*`: the loss is [`DatafitKind::held_out_loss`]; the score is
    /// `R² = 1 − Σ(y − η)²/Σ(y − ȳ)²` (quadratic) or the AUC of η (logistic), `None` when
    /// undefined (constant y, one class).
    pub fn held_out_score(&self, y: &[f64], eta: &[f64]) -> (f64, Option<f64>) {
        let loss = self.held_out_loss(y, eta);
        match self {
            DatafitKind::Quadratic => (loss, r2(y, eta)),
            DatafitKind::Logistic => (loss, auc(y, eta)),
            DatafitKind::Cox(_) => (loss, cox_concordance(y, eta)),
        }
    }

    /// The mean held-out loss of a cross-validation fold as `cv.glmnet` measures it
    /// (`regpath path --cv-folds`): the squared error `Σ(y − η)²/n` (quadratic), the binomial
    /// deviance `−(2/n)Σ[y log p + (1 − y) log(1 − p)]` with `p = σ(η)` clamped to
    /// `[CV_PROB_MIN, 1 − CV_PROB_MIN]` (logistic).
    pub fn cv_loss(&self, y: &[f64], eta: &[f64]) -> f64 {
        let total: f64 = match self {
            DatafitKind::Quadratic => y.iter().zip(eta).map(|(&t, &e)| (t - e) * (t - e)).sum(),
            DatafitKind::Logistic => y
                .iter()
                .zip(eta)
                .map(|(&t, &e)| {
                    let p = sigmoid(e).clamp(CV_PROB_MIN, 1.0 - CV_PROB_MIN);
                    -2.0 * (t * p.ln() + (1.0 - t) * (1.0 - p).ln())
                })
                .sum(),
            DatafitKind::Cox(ties) => return cox_deviance(*ties, y, eta),
        };
        total / y.len() as f64
    }

    /// The measures of a sweep's test part (see [`TestMeasures`] for each formula): MSE and
    /// R² (quadratic); Brier score, mean binomial deviance, AUC and misclassification rate
    /// (logistic).
    pub fn test_measures(&self, y: &[f64], eta: &[f64]) -> TestMeasures {
        match self {
            DatafitKind::Quadratic => {
                TestMeasures { mse: Some(mse(y, eta)), r2: r2(y, eta), ..TestMeasures::default() }
            }
            DatafitKind::Logistic => TestMeasures {
                mse: Some(brier(y, eta)),
                r2: None,
                deviance: Some(mean_deviance(y, eta)),
                auc: auc(y, eta),
                misclassification: Some(misclassification(y, eta)),
                concordance: None,
            },
            DatafitKind::Cox(ties) => TestMeasures {
                deviance: Some(cox_deviance(*ties, y, eta)),
                concordance: cox_concordance(y, eta),
                ..TestMeasures::default()
            },
        }
    }

    /// The measures `regpath predict` writes to `metrics.csv`, one per column of
    /// [`DatafitKind::metric_columns`]: MSE and R² (quadratic); mean binomial deviance, AUC and
    /// misclassification rate (logistic). `None` where undefined (constant y, one class).
    pub fn metrics(&self, y: &[f64], eta: &[f64]) -> Vec<Option<f64>> {
        match self {
            DatafitKind::Quadratic => vec![Some(mse(y, eta)), r2(y, eta)],
            DatafitKind::Logistic => {
                vec![Some(mean_deviance(y, eta)), auc(y, eta), Some(misclassification(y, eta))]
            }
            DatafitKind::Cox(ties) => vec![Some(cox_deviance(*ties, y, eta)), cox_concordance(y, eta)],
        }
    }

    // ---- names in tables and messages ----

    /// The held-out loss's short name: `mse` or `deviance` (`cv.measure` of `model.json`).
    pub fn loss_name(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "mse",
            DatafitKind::Logistic | DatafitKind::Cox(_) => "deviance",
        }
    }

    /// The held-out loss in messages: `MSE` or `mean binomial deviance`.
    pub fn loss_label(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "MSE",
            DatafitKind::Logistic => "mean binomial deviance",
            DatafitKind::Cox(_) => "mean partial-likelihood deviance",
        }
    }

    /// The held-out loss in figure titles and axes: `mean squared error` or `mean binomial
    /// deviance`.
    pub fn loss_description(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "mean squared error",
            DatafitKind::Logistic => "mean binomial deviance",
            DatafitKind::Cox(_) => "mean partial-likelihood deviance",
        }
    }

    /// What a path that ends at `StopReason::Separated` found, for messages: the fit
    /// `separates the cases from the controls` (logistic) or `ranks every event above the rest
    /// of its risk set` (Cox: a monotone partial likelihood); either way no finite minimizer.
    pub fn separation_description(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "has no finite minimizer",
            DatafitKind::Logistic => "separates the cases from the controls",
            DatafitKind::Cox(_) => "ranks every event above the rest of its risk set",
        }
    }

    /// What `deviance_ratio` (`1 − loss/P(0)`) is called in messages: `training R²` or
    /// `deviance ratio`.
    pub fn deviance_ratio_label(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "training R²",
            DatafitKind::Logistic | DatafitKind::Cox(_) => "deviance ratio",
        }
    }

    /// The `path.csv` column of the training mean deviance (`PathPoint::train_deviance`):
    /// `train_mse` or `train_deviance`.
    pub fn train_loss_column(&self) -> &'static str {
        match self {
            DatafitKind::Quadratic => "train_mse",
            DatafitKind::Logistic | DatafitKind::Cox(_) => "train_deviance",
        }
    }

    /// The `path.csv` columns of [`DatafitKind::held_out_score`]: `test_mse, test_r2` or
    /// `test_deviance, test_auc`.
    pub fn held_out_columns(&self) -> [&'static str; 2] {
        match self {
            DatafitKind::Quadratic => ["test_mse", "test_r2"],
            DatafitKind::Logistic => ["test_deviance", "test_auc"],
            DatafitKind::Cox(_) => ["test_deviance", "test_cindex"],
        }
    }

    /// The `metrics.csv` columns of [`DatafitKind::metrics`] (after `alpha_index, nnz`).
    pub fn metric_columns(&self) -> &'static [&'static str] {
        match self {
            DatafitKind::Quadratic => &["mse", "r2"],
            DatafitKind::Logistic => &["deviance", "auc", "misclassification"],
            DatafitKind::Cox(_) => &["deviance", "cindex"],
        }
    }

    /// The sweep's metric that ranks configurations, and whether higher is better: mean test
    /// R² (quadratic: scale-free), mean test binomial deviance (logistic: the criterion that
    /// chose alpha).
    pub fn ranking_metric(&self) -> (&'static str, bool) {
        match self {
            DatafitKind::Quadratic => ("test_r2", true),
            DatafitKind::Logistic | DatafitKind::Cox(_) => ("test_deviance", false),
        }
    }

    /// The sweep's test metrics compared pairwise between configurations, the ranking metric
    /// first: `test_r2, test_mse` or `test_deviance, test_auc`.
    pub fn compared_metrics(&self) -> [&'static str; 2] {
        match self {
            DatafitKind::Quadratic => ["test_r2", "test_mse"],
            DatafitKind::Logistic => ["test_deviance", "test_auc"],
            DatafitKind::Cox(_) => ["test_deviance", "test_cindex"],
        }
    }

    /// The axis of a sweep's error-versus-sparsity figure: the test error, or with no test
    /// part the CV error.
    pub fn error_axis_label(&self, no_test: bool) -> &'static str {
        match (self, no_test) {
            (DatafitKind::Quadratic, true) => "CV error (MSE; no test part)",
            (DatafitKind::Quadratic, false) => "test MSE",
            (DatafitKind::Logistic, true) => "CV error (binomial deviance; no test part)",
            (DatafitKind::Logistic, false) => "test deviance (binomial)",
            (DatafitKind::Cox(_), true) => "CV error (partial-likelihood deviance; no test part)",
            (DatafitKind::Cox(_), false) => "test deviance (partial likelihood)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [DatafitKind; 3] = [DatafitKind::Quadratic, DatafitKind::Logistic, DatafitKind::Cox(CoxTies::Breslow)];

    #[test]
    fn names_round_trip() {
        for d in ALL {
            assert_eq!(DatafitKind::from_name(d.as_str()), Ok(d));
        }
        assert!(DatafitKind::from_name("poisson").is_err());
        assert_eq!(DatafitKind::default(), DatafitKind::Quadratic);
    }

    #[test]
    fn inverse_links() {
        assert_eq!(DatafitKind::Quadratic.inverse_link(-2.5), -2.5);
        assert_eq!(DatafitKind::Logistic.inverse_link(0.0), 0.5);
        // σ(ln 3) = 3/4, σ(−ln 3) = 1/4
        assert!((DatafitKind::Logistic.inverse_link(3f64.ln()) - 0.75).abs() < 1e-15);
        assert!((DatafitKind::Logistic.inverse_link(-(3f64.ln())) - 0.25).abs() < 1e-15);
        assert_eq!(DatafitKind::Logistic.inverse_link(800.0), 1.0);
        assert_eq!(DatafitKind::Logistic.inverse_link(-800.0), 0.0);
    }

    #[test]
    fn responses() {
        assert_eq!(DatafitKind::Quadratic.response().first_invalid(&[0.5, -3.0, 2.0]), None);
        assert_eq!(DatafitKind::Logistic.response().first_invalid(&[0.0, 1.0, 1.0]), None);
        assert_eq!(DatafitKind::Logistic.response().first_invalid(&[0.0, 2.0, 0.5]), Some(2.0));
        assert_eq!(DatafitKind::Logistic.response().domain(), "0/1");
    }

    #[test]
    fn quadratic_losses_by_hand() {
        // residuals (−1, 0, 2): MSE = 5/3; ȳ = 10/3, Σ(y − ȳ)² = 114/9
        let (y, eta) = ([1.0, 3.0, 6.0], [2.0, 3.0, 4.0]);
        let d = DatafitKind::Quadratic;
        assert!((d.held_out_loss(&y, &eta) - 5.0 / 3.0).abs() < 1e-15);
        assert_eq!(d.cv_loss(&y, &eta), d.held_out_loss(&y, &eta));
        let (loss, score) = d.held_out_score(&y, &eta);
        assert_eq!(loss, d.held_out_loss(&y, &eta));
        assert!((score.unwrap() - (1.0 - 45.0 / 114.0)).abs() < 1e-15);
        let m = d.test_measures(&y, &eta);
        assert_eq!((m.mse, m.r2, m.deviance, m.auc, m.misclassification), (Some(loss), score, None, None, None));
        assert_eq!(d.metrics(&y, &eta), vec![Some(loss), score]);
        assert_eq!(d.metrics(&y, &eta).len(), d.metric_columns().len());
        assert_eq!(d.cv_loss(&[1.0, 3.0], &[0.0, 1.0]), 2.5);
    }

    #[test]
    fn logistic_losses_by_hand() {
        let d = DatafitKind::Logistic;
        // η = 0: each sample's deviance is 2·log 2, whatever its label
        let (y, eta) = ([1.0, 0.0], [0.0, 0.0]);
        let ln2 = std::f64::consts::LN_2;
        assert!((d.held_out_loss(&y, &eta) - 2.0 * ln2).abs() < 1e-15);
        assert!((d.cv_loss(&y, &eta) - 2.0 * ln2).abs() < 1e-15);
        // y = (1, 0) at η = (ln 3, ln 3): p = 3/4; deviance = −(2/2)[log(3/4) + log(1/4)]
        // = log(16/3); the two scores tie, so AUC = 1/2; one of two is on the wrong side of
        // 1/2; Brier = ((1/4)² + (3/4)²)/2 = 5/16
        let eta = [3f64.ln(); 2];
        let dev = (16.0f64 / 3.0).ln();
        assert!((d.held_out_loss(&y, &eta) - dev).abs() < 1e-15);
        assert!((d.cv_loss(&y, &eta) - dev).abs() < 1e-15);
        let m = d.test_measures(&y, &eta);
        assert!((m.mse.unwrap() - 5.0 / 16.0).abs() < 1e-15);
        assert_eq!((m.r2, m.auc, m.misclassification), (None, Some(0.5), Some(0.5)));
        assert_eq!(m.deviance, Some(d.held_out_loss(&y, &eta)));
        assert_eq!(d.held_out_score(&y, &eta), (d.held_out_loss(&y, &eta), Some(0.5)));
        assert_eq!(d.metrics(&y, &eta), vec![m.deviance, m.auc, m.misclassification]);
        assert_eq!(d.metrics(&y, &eta).len(), d.metric_columns().len());
        // cv.glmnet's clamp: a case predicted at p = σ(−100) counts as p = 10⁻⁵, where the
        // unclamped deviance is 2·100 (up to e^−100)
        let clamped = d.cv_loss(&[1.0], &[-100.0]);
        assert!((clamped + 2.0 * CV_PROB_MIN.ln()).abs() < 1e-12, "{clamped}");
        assert!((d.held_out_loss(&[1.0], &[-100.0]) - 200.0).abs() < 1e-12);
        // one class: no AUC
        assert_eq!(d.held_out_score(&[1.0, 1.0], &[0.3, -0.2]).1, None);
    }

    #[test]
    fn cox_measures_by_hand() {
        let d = DatafitKind::Cox(CoxTies::Breslow);
        // times 1, 2 (censored), 3; η = 0: events at 1 (risk 3) and 3 (risk 1):
        // F = (log 3 + log 1)/3, deviance 2F
        let y = [1.0, -2.0, 3.0];
        let eta = [0.0; 3];
        assert!((d.held_out_loss(&y, &eta) - 2.0 * 3f64.ln() / 3.0).abs() < 1e-15);
        assert_eq!(d.cv_loss(&y, &eta), d.held_out_loss(&y, &eta));
        // comparable pairs (1, 2), (1, 3): both concordant with η decreasing in time
        assert_eq!(d.held_out_score(&y, &[2.0, 1.0, 0.0]).1, Some(1.0));
        assert_eq!(d.held_out_score(&y, &[0.0, 1.0, 2.0]).1, Some(0.0));
        assert!(d.held_out_loss(&[-1.0, -2.0], &[0.0, 0.0]).is_nan(), "no event");
        assert_eq!(d.inverse_link(-0.5), -0.5);
        assert_eq!(d.response().first_invalid(&y), None);
        assert_eq!(d.metrics(&y, &eta).len(), d.metric_columns().len());
        let m = d.test_measures(&y, &eta);
        assert_eq!((m.mse, m.r2, m.auc), (None, None, None));
        assert_eq!(m.deviance, Some(d.held_out_loss(&y, &eta)));
    }

    #[test]
    fn column_names() {
        assert_eq!(DatafitKind::Quadratic.train_loss_column(), "train_mse");
        assert_eq!(DatafitKind::Logistic.train_loss_column(), "train_deviance");
        assert_eq!(DatafitKind::Logistic.held_out_columns(), ["test_deviance", "test_auc"]);
        for d in ALL {
            // the ranking metric is the first compared one, and a held-out column of path.csv
            assert_eq!(d.ranking_metric().0, d.compared_metrics()[0]);
            assert!(d.held_out_columns().contains(&d.ranking_metric().0));
            assert_eq!(d.held_out_columns()[0], format!("test_{}", d.loss_name()));
        }
    }
}
