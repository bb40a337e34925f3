//! Column kernels: the two operations the coordinate loop spends its time in.
//!
//! Both take a raw column `x` (contiguous, length n), its centre `m` and a factor, and apply the
//! implicit centering `x − m·1` without ever materialising it. Sums use eight independent f64
//! accumulators so that the compiler can vectorise them; the summation order is fixed by the
//! code, so results do not depend on threads or on where the data lives.

const LANES: usize = 8;

/// Centered dot product `Σ_i (x_i − m)·v_i`.
#[inline]
pub fn centered_dot(x: &[f64], m: f64, v: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), v.len());
    let mut acc = [0.0f64; LANES];
    let xc = x.chunks_exact(LANES);
    let vc = v.chunks_exact(LANES);
    let (xr, vr) = (xc.remainder(), vc.remainder());
    for (xs, vs) in xc.zip(vc) {
        for l in 0..LANES {
            acc[l] += (xs[l] - m) * vs[l];
        }
    }
    let mut tail = 0.0;
    for (a, b) in xr.iter().zip(vr) {
        tail += (a - m) * b;
    }
    pairwise_lanes(&acc) + tail
}

/// Centered axpy `v_i += a·(x_i − m)`.
#[inline]
pub fn centered_axpy(x: &[f64], m: f64, a: f64, v: &mut [f64]) {
    debug_assert_eq!(x.len(), v.len());
    let shift = a * m;
    for (vi, xi) in v.iter_mut().zip(x) {
        *vi += a * xi - shift;
    }
}

/// Plain dot product `Σ_i x_i·v_i` (used for vectors that are not columns of X).
#[inline]
pub fn dot(x: &[f64], v: &[f64]) -> f64 {
    centered_dot(x, 0.0, v)
}

/// Squared Euclidean norm `Σ_i v_i²`.
#[inline]
pub fn sq_norm(v: &[f64]) -> f64 {
    dot(v, v)
}

/// Arithmetic mean `Σ_i v_i / n` (0 for an empty slice).
pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.iter().sum::<f64>() / v.len() as f64
}

#[inline]
fn pairwise_lanes(acc: &[f64; LANES]) -> f64 {
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centered_dot_matches_naive_sum() {
        for n in [0usize, 1, 7, 8, 9, 31, 100] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + 5.0).collect();
            let v: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let m = 5.0;
            let naive: f64 = x.iter().zip(&v).map(|(a, b)| (a - m) * b).sum();
            assert!((centered_dot(&x, m, &v) - naive).abs() < 1e-12, "n = {n}");
        }
    }

    #[test]
    fn centered_axpy_matches_naive_update() {
        let x = [1.0, 2.0, 4.0];
        let mut v = [0.5, 0.5, 0.5];
        centered_axpy(&x, 2.0, 3.0, &mut v);
        assert_eq!(v, [0.5 - 3.0, 0.5, 0.5 + 6.0]);
    }
}
