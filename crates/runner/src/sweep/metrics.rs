//! Predictions, sparsity and support-recovery metrics, and the rules that choose alpha. The
//! held-out error measures are the datafit's (`regpath_solver::DatafitKind`: MSE and R², or
//! binomial deviance, AUC, Brier score and misclassification).
//!
//! Every function is sequential and sums in index order, so results do not depend on threads.

use ndarray::ArrayView2;

/// `pred = b + X·β` for sparse `β` (`coefs` = (feature, value)); `x` column-major.
///
/// Features `j ≥ p` (p the columns of X) are the covariates `c`, column `j − p`.
pub fn predict(
    x: ArrayView2<'_, f64>,
    covariates: Option<ArrayView2<'_, f64>>,
    intercept: f64,
    coefs: &[(usize, f64)],
    pred: &mut [f64],
) {
    pred.fill(intercept);
    let p = x.ncols();
    for &(j, c) in coefs {
        let col = match &covariates {
            Some(cov) if j >= p => cov.column(j - p),
            _ => x.column(j),
        };
        for (p, v) in pred.iter_mut().zip(col.iter()) {
            *p += c * v;
        }
    }
}

/// `‖β̂ − β*‖₂` for sparse `β̂` (sorted by feature) and dense `β*`.
pub fn coef_error(coefs: &[(usize, f64)], truth: &[f64]) -> f64 {
    let mut next = coefs.iter().peekable();
    let mut sum = 0.0;
    for (j, &b) in truth.iter().enumerate() {
        let est = match next.peek() {
            Some(&&(k, c)) if k == j => {
                next.next();
                c
            }
            _ => 0.0,
        };
        sum += (est - b) * (est - b);
    }
    sum.sqrt()
}

/// Support recovery of a selected set against the true support.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Support {
    /// Selected and truly nonzero.
    pub true_positives: usize,
    /// Selected but truly zero.
    pub false_positives: usize,
    /// Truly nonzero but not selected.
    pub false_negatives: usize,
    /// TP / (TP + FP); `None` when nothing is selected.
    pub precision: Option<f64>,
    /// TP / (TP + FN); `None` when the true support is empty.
    pub recall: Option<f64>,
    /// 2TP / (2TP + FP + FN); `None` when both sets are empty.
    pub f1: Option<f64>,
}

/// Support metrics of the nonzero `coefs` (sorted by feature) against the true `beta`.
pub fn support(coefs: &[(usize, f64)], truth: &[f64]) -> Support {
    // covariates (features past X's columns) are not selected features
    let of_x = coefs.iter().filter(|&&(j, _)| j < truth.len());
    let tp = of_x.clone().filter(|&&(j, c)| c != 0.0 && truth[j] != 0.0).count();
    let selected = of_x.filter(|&&(_, c)| c != 0.0).count();
    let actual = truth.iter().filter(|b| **b != 0.0).count();
    support_from_counts(tp, selected, actual)
}

/// Support metrics counted by copy group (`groups[j]`: the group of column j, equal for exact
/// copies; see `sweep::simulated`): TP = causal groups with at least one selected member,
/// selected = nonzero coefficients of X, actual = distinct causal groups. A selected copy of a
/// causal SNP is a true positive; two selected members of one causal group count once in TP
/// and twice in `selected` (so the second lowers the precision).
pub fn support_by_group(coefs: &[(usize, f64)], truth: &[f64], groups: &[u32]) -> Support {
    let causal: std::collections::BTreeSet<u32> =
        truth.iter().enumerate().filter(|(_, b)| **b != 0.0).map(|(j, _)| groups[j]).collect();
    let selected: Vec<usize> = coefs.iter().filter(|&&(j, c)| j < truth.len() && c != 0.0).map(|&(j, _)| j).collect();
    let found: std::collections::BTreeSet<u32> =
        selected.iter().map(|&j| groups[j]).filter(|g| causal.contains(g)).collect();
    support_from_counts(found.len(), selected.len(), causal.len())
}

/// Support metrics from counts: true positives, selected, truly nonzero.
pub fn support_from_counts(tp: usize, selected: usize, actual: usize) -> Support {
    let fp = selected - tp;
    let fn_ = actual - tp;
    let ratio = |a: usize, b: usize| (b > 0).then(|| a as f64 / b as f64);
    Support {
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        precision: ratio(tp, selected),
        recall: ratio(tp, actual),
        f1: ratio(2 * tp, 2 * tp + fp + fn_),
    }
}

/// Index of the smallest value, the first one on ties (the largest alpha, i.e. the sparser
/// model); NaNs are never chosen. `None` for an empty or all-NaN slice.
pub fn argmin_first(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, v) in values.iter().enumerate() {
        if v.is_nan() {
            continue;
        }
        if best.is_none_or(|b| *v < values[b]) {
            best = Some(i);
        }
    }
    best
}

/// The one-standard-error rule: the first index (largest alpha) whose mean CV error is at most
/// the minimum's mean plus the minimum's standard error.
pub fn one_se_index(mean: &[f64], se: &[f64]) -> Option<usize> {
    let best = argmin_first(mean)?;
    let bound = mean[best] + se[best];
    mean.iter().position(|m| *m <= bound)
}

/// Mean and sample standard deviation (n − 1 denominator; `None` for fewer than 2 values).
pub fn mean_sd(values: &[f64]) -> (Option<f64>, Option<f64>) {
    if values.is_empty() {
        return (None, None);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (Some(mean), None);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (Some(mean), Some(var.sqrt()))
}

/// Mean and standard error of the mean (sd/√K) across folds.
pub fn mean_se(values: &[f64]) -> (f64, f64) {
    let (mean, sd) = mean_sd(values);
    (mean.unwrap_or(f64::NAN), sd.map_or(0.0, |s| s / (values.len() as f64).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;

    use approx::assert_abs_diff_eq;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn prediction_by_hand() {
        // X = [[1, 2], [3, 4], [5, 6]] column-major; β = (0, 0.5), b = 1 → ŷ = (2, 3, 4).
        let x = Array2::from_shape_vec((3, 2).f(), vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]).unwrap();
        let mut pred = vec![0.0; 3];
        predict(x.view(), None, 1.0, &[(1, 0.5)], &mut pred);
        assert_eq!(pred, vec![2.0, 3.0, 4.0]);
        // a covariate (feature p = 2) adds its column
        let z = Array2::from_shape_vec((3, 1).f(), vec![1.0, 0.0, -1.0]).unwrap();
        predict(x.view(), Some(z.view()), 1.0, &[(1, 0.5), (2, 2.0)], &mut pred);
        assert_eq!(pred, vec![4.0, 3.0, 2.0]);
    }

    #[test]
    fn coefficient_error_by_hand() {
        // β̂ = (0, 1, 0, 4), β* = (1, 1, 2, 0): ‖(−1, 0, −2, 4)‖ = √21.
        assert_abs_diff_eq!(coef_error(&[(1, 1.0), (3, 4.0)], &[1.0, 1.0, 2.0, 0.0]), 21f64.sqrt(), epsilon = 1e-15);
        assert_eq!(coef_error(&[], &[3.0, 4.0]), 5.0);
    }

    #[test]
    fn support_by_hand() {
        // Selected {0, 2, 5}, truth {0, 1, 2, 3}: TP 2, FP 1, FN 2; P = 2/3, R = 1/2, F1 = 4/7.
        let truth = [1.0, -1.0, 0.5, 2.0, 0.0, 0.0];
        let s = support(&[(0, 0.3), (2, 0.1), (5, -0.2)], &truth);
        assert_eq!((s.true_positives, s.false_positives, s.false_negatives), (2, 1, 2));
        assert_abs_diff_eq!(s.precision.unwrap(), 2.0 / 3.0);
        assert_abs_diff_eq!(s.recall.unwrap(), 0.5);
        assert_abs_diff_eq!(s.f1.unwrap(), 4.0 / 7.0);
        let empty = support(&[], &truth);
        assert_eq!(empty.precision, None);
        assert_eq!(empty.recall, Some(0.0));
        assert_eq!(empty.f1, Some(0.0));
        assert_eq!(support(&[], &[0.0, 0.0]).f1, None);
    }

    #[test]
    fn support_by_copy_group_by_hand() {
        // Columns 0..6; groups: {0, 3} copies, {1, 4} copies, 2 and 5 alone. Causal 3 and 2.
        let truth = [0.0, 0.0, 0.5, 1.0, 0.0, 0.0];
        let groups = [0, 1, 2, 0, 1, 5];
        // Selecting the copy 0 of causal 3 finds its group: TP 1, FP 1 (column 4), FN 1 (2).
        let s = support_by_group(&[(0, 0.3), (4, 0.1)], &truth, &groups);
        assert_eq!((s.true_positives, s.false_positives, s.false_negatives), (1, 1, 1));
        // The strict rule counts it as a miss.
        assert_eq!(support(&[(0, 0.3), (4, 0.1)], &truth).true_positives, 0);
        // Both members of the group selected: the group counts once, the second member is a
        // false positive.
        let s = support_by_group(&[(0, 0.3), (2, 0.1), (3, 0.2)], &truth, &groups);
        assert_eq!((s.true_positives, s.false_positives, s.false_negatives), (2, 1, 0));
        // Two causal SNPs in one group count as one true effect.
        let s = support_by_group(&[(3, 1.0)], &[1.0, 0.0, 0.0, 1.0, 0.0, 0.0], &groups);
        assert_eq!((s.true_positives, s.false_positives, s.false_negatives), (1, 0, 0));
    }

    #[test]
    fn selection_rules() {
        assert_eq!(argmin_first(&[3.0, 1.0, 2.0, 1.0]), Some(1));
        assert_eq!(argmin_first(&[f64::NAN, 2.0]), Some(1));
        assert_eq!(argmin_first(&[]), None);
        // Minimum 1.0 at index 3 with se 0.5: first mean ≤ 1.5 is index 1.
        let mean = [3.0, 1.4, 1.2, 1.0, 1.1];
        let se = [0.1, 0.1, 0.1, 0.5, 0.1];
        assert_eq!(one_se_index(&mean, &se), Some(1));
    }

    #[test]
    fn mean_and_spread() {
        let (m, s) = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        assert_abs_diff_eq!(m.unwrap(), 2.5);
        assert_abs_diff_eq!(s.unwrap(), (5.0f64 / 3.0).sqrt(), epsilon = 1e-15);
        assert_eq!(mean_sd(&[7.0]), (Some(7.0), None));
        let (m, se) = mean_se(&[1.0, 3.0]);
        assert_eq!(m, 2.0);
        assert_abs_diff_eq!(se, 2f64.sqrt() / 2f64.sqrt(), epsilon = 1e-15);
    }
}
