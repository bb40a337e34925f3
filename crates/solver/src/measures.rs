//! Held-out measures of a fitted point: responses `y` against linear predictors `η` (for the
//! quadratic datafit the predictions themselves). [`crate::DatafitKind`] picks which ones a
//! datafit reports; the binomial deviance is `logistic::mean_deviance`.
//!
//! Every function is sequential and sums in index order, so results do not depend on threads.

use crate::logistic::sigmoid;

/// Mean squared error `Σ(y − ŷ)²/n` (NaN for empty input).
pub fn mse(y: &[f64], pred: &[f64]) -> f64 {
    let sse: f64 = y.iter().zip(pred).map(|(a, b)| (a - b) * (a - b)).sum();
    sse / y.len() as f64
}

/// Coefficient of determination `1 − Σ(y − ŷ)² / Σ(y − ȳ)²` with ȳ the mean of these `y`;
/// `None` when `y` is constant.
pub fn r2(y: &[f64], pred: &[f64]) -> Option<f64> {
    let mean = y.iter().sum::<f64>() / y.len() as f64;
    let sst: f64 = y.iter().map(|a| (a - mean) * (a - mean)).sum();
    let sse: f64 = y.iter().zip(pred).map(|(a, b)| (a - b) * (a - b)).sum();
    (sst > 0.0).then(|| 1.0 - sse / sst)
}

/// Brier score `Σ(y − σ(η))²/n`: the squared error of the predicted probabilities.
pub fn brier(y: &[f64], eta: &[f64]) -> f64 {
    y.iter().zip(eta).map(|(&a, &e)| (a - sigmoid(e)).powi(2)).sum::<f64>() / y.len() as f64
}

/// Share of samples with `1{η > 0} ≠ y`.
pub fn misclassification(y: &[f64], eta: &[f64]) -> f64 {
    y.iter().zip(eta).filter(|&(&a, &e)| (e > 0.0) != (a == 1.0)).count() as f64 / y.len() as f64
}

/// Area under the ROC curve of scores for 0/1 labels, by the Mann–Whitney rank sum with tied
/// scores given their average rank: `(R₁ − n₁(n₁ + 1)/2)/(n₁ n₀)`; `None` with one class.
pub fn auc(y: &[f64], scores: &[f64]) -> Option<f64> {
    let n1 = y.iter().filter(|&&v| v == 1.0).count();
    let n0 = y.len() - n1;
    if n1 == 0 || n0 == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += order[i..=j].iter().filter(|&&k| y[k] == 1.0).count() as f64 * average;
        i = j + 1;
    }
    let (n1, n0) = (n1 as f64, n0 as f64);
    Some((rank_sum - n1 * (n1 + 1.0) / 2.0) / (n1 * n0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ordered_pairs_with_ties_as_halves() {
        // pairs (case, control): scores 0.9>0.1, 0.9>0.5, 0.5=0.5 (half), 0.5>0.1 → 3.5/4
        let y = [1.0, 0.0, 1.0, 0.0];
        let s = [0.9, 0.1, 0.5, 0.5];
        assert_eq!(auc(&y, &s), Some(3.5 / 4.0));
        assert_eq!(auc(&[1.0, 1.0], &[0.1, 0.2]), None);
        assert_eq!(auc(&[0.0, 1.0], &[0.2, 0.1]), Some(0.0));
        assert_eq!(misclassification(&[1.0, 0.0, 1.0], &[0.3, 0.2, -1.0]), 2.0 / 3.0);
    }

    #[test]
    fn errors_by_hand() {
        // ŷ = (2, 3, 4), y = (1, 3, 6): residuals (−1, 0, 2), MSE = 5/3; ȳ = 10/3,
        // SST = 49/9 + 1/9 + 64/9 = 114/9.
        let (y, pred) = ([1.0, 3.0, 6.0], [2.0, 3.0, 4.0]);
        assert!((mse(&y, &pred) - 5.0 / 3.0).abs() < 1e-15);
        assert!((r2(&y, &pred).unwrap() - (1.0 - 5.0 / (114.0 / 9.0))).abs() < 1e-15);
        assert_eq!(r2(&[2.0, 2.0], &[1.0, 2.0]), None);
        // η = 0 predicts 1/2 for every label: Brier = 1/4
        assert_eq!(brier(&[1.0, 0.0], &[0.0, 0.0]), 0.25);
    }
}
