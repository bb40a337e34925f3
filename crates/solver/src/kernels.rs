//! Column kernels: the two operations the coordinate loop spends its time in.
//!
//! Both take a raw column `x` (contiguous, length n), its centre `m` and a factor, and apply the
//! implicit centering `x − m·1` without ever materialising it. Sums use eight independent f64
//! accumulators so that the compiler can vectorise them; the summation order is fixed by the
//! code, so results do not depend on threads or on where the data lives.
//!
//! Each kernel is compiled twice: for the baseline x86-64 (SSE2, two f64 a vector) and with
//! AVX2 (four a vector), chosen at run time. Both compute the same operations in the same
//! order (no fused multiply-add, independent accumulators), so they give the same bits.

const LANES: usize = 8;

/// Whether the AVX2 copies of the kernels run (checked once per call, a cached flag).
#[inline(always)]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines `$name` dispatching to an AVX2 copy of the body `$portable` when the processor
/// has AVX2.
macro_rules! multiversion {
    ($(#[$meta:meta])* pub fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? => $portable:ident, $avx2:ident) => {
        $(#[$meta])*
        #[inline]
        pub fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                if has_avx2() {
                    // SAFETY: the processor supports AVX2 (checked just above).
                    return unsafe { $avx2($($arg),*) };
                }
            }
            $portable($($arg),*)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $avx2($($arg: $ty),*) $(-> $ret)? {
            $portable($($arg),*)
        }
    };
}

multiversion! {
    /// Centered dot product `Σ_i (x_i − m)·v_i`.
    pub fn centered_dot(x: &[f64], m: f64, v: &[f64]) -> f64 => centered_dot_portable, centered_dot_avx2
}

multiversion! {
    /// Centered axpy `v_i += a·(x_i − m)`.
    pub fn centered_axpy(x: &[f64], m: f64, a: f64, v: &mut [f64]) => centered_axpy_portable, centered_axpy_avx2
}

multiversion! {
    /// `y_i −= a·x_i` (the column updates of triangular solves).
    pub fn sub_scaled(y: &mut [f64], a: f64, x: &[f64]) => sub_scaled_portable, sub_scaled_avx2
}

#[inline(always)]
fn sub_scaled_portable(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi -= a * xi;
    }
}

#[inline(always)]
fn centered_dot_portable(x: &[f64], m: f64, v: &[f64]) -> f64 {
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

#[inline(always)]
fn centered_axpy_portable(x: &[f64], m: f64, a: f64, v: &mut [f64]) {
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

    /// The AVX2 copies give the same bits as the portable ones.
    #[test]
    fn dispatched_kernels_equal_the_portable_ones() {
        for n in [0usize, 3, 8, 17, 64, 1001] {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin() + 5.0).collect();
            let v: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            assert_eq!(centered_dot(&x, 4.9, &v).to_bits(), centered_dot_portable(&x, 4.9, &v).to_bits());
            let (mut a, mut b) = (v.clone(), v.clone());
            centered_axpy(&x, 4.9, -0.7, &mut a);
            centered_axpy_portable(&x, 4.9, -0.7, &mut b);
            assert_eq!(a, b);
            sub_scaled(&mut a, 1.1, &x);
            sub_scaled_portable(&mut b, 1.1, &x);
            assert_eq!(a, b);
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
