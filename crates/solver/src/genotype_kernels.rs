//! The inner loops over one run of packed genotypes: `Σ_i t[c_i]·v_i` and `v_i += at[c_i]`,
//! where `c_i` is the 2-bit code of sample i (sample i of the run in bits `2(i mod 4)` of byte
//! `i/4`) and `t`/`at` a SNP's 4-entry table of working-scale values.
//!
//! With AVX-512 (checked at run time) 8 samples are decoded at once: their 16 bits are
//! broadcast to 8 lanes and shifted right by 0, 2, …, 14 (`vpsrlvq`), and `vpermpd` picks
//! `t[c_i]` from the table repeated twice (it reads the low 3 bits of each lane, so the bit
//! above the code selects the same entry), then one fused multiply-add (dot) or add (axpy).
//! That replaces 8 scalar table lookups and multiply-adds. Elsewhere the portable loops run.
//! Both give the same sums up to rounding (the summation order differs).

/// `Σ_i t[c_i]·v_i` over the `v.len()` samples of a run starting at `bytes[0]`.
#[inline]
pub fn dot_run(t: &[f64; 4], bytes: &[u8], v: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 32 && std::arch::is_x86_feature_detected!("avx512f") && !portable_ab() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            return unsafe { avx512::dot_run(t, bytes, v) };
        }
    }
    dot_run_portable(t, bytes, v)
}

/// Relative error bound of [`screening_dot_run`]: `|result − Σ_i t[c_i]·v_i| ≤
/// SCREENING_DOT_ERROR·Σ_i |t[c_i]·v_i|`.
///
/// Derivation: the table and `v` are rounded to f32 (one rounding each, relative error ≤ u =
/// 2⁻²⁴); the f32 products are exact inside the fused multiply-adds; each lane of the two f32
/// accumulators takes at most 8 of them per chunk of 256 samples (≤ 8 roundings), the two
/// accumulators are added (1) and their 16 lanes reduced (4 levels). So every term passes
/// through at most 15 f32 roundings, |error| ≤ γ₁₅ ≤ 15.1u of its magnitude; the chunk sums and
/// the tail (fewer than 64 samples, summed in f64) are added in f64, whose error is below
/// 2⁻⁵³ per addition. 32u covers all of it with room to spare.
pub const SCREENING_DOT_ERROR: f64 = 32.0 / (1u64 << 24) as f64;

/// Whether [`screening_dot_run`] runs in f32 (AVX-512 present and not disabled); otherwise
/// it is exact and there is no point in calling it.
pub fn screening_dot_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f") && !portable_ab()
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `scale·Σ_i t[c_i]·v_i` for screening: 16 samples per vector in f32 (twice the rate of
/// [`dot_run`]), within [`SCREENING_DOT_ERROR`] relative to `scale·Σ_i |t[c_i]·v_i|` (normal
/// range; see [`crate::PackedGenotypeDesign`]'s `screening_gradient` for the subnormal one).
/// `v32` is `v·scale` rounded to f32 (the tail of fewer than 64 samples is summed from `v` in
/// f64). Exact (the f64 kernel) where AVX-512 is absent.
#[inline]
pub fn screening_dot_run(t: &[f64; 4], bytes: &[u8], v: &[f64], v32: &[f32], scale: f64) -> f64 {
    debug_assert_eq!(v.len(), v32.len());
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 64 && screening_dot_available() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            return unsafe { avx512::screening_dot_run(t, bytes, v, v32, scale) };
        }
    }
    dot_run(t, bytes, v) * scale
}

/// `v_i += at[c_i]` over the `v.len()` samples of a run starting at `bytes[0]`.
#[inline]
pub fn axpy_run(at: &[f64; 4], bytes: &[u8], v: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 32 && std::arch::is_x86_feature_detected!("avx512f") && !portable_ab() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            unsafe { avx512::axpy_run(at, bytes, v) };
            return;
        }
    }
    axpy_run_portable(at, bytes, v)
}

/// `v_i += at[c_i]·w_i` over the `v.len()` samples of a run starting at `bytes[0]` (`w` as
/// long as `v`): the weighted axpy of a logistic Newton model's coordinate sweep.
#[inline]
pub fn weighted_axpy_run(at: &[f64; 4], bytes: &[u8], w: &[f64], v: &mut [f64]) {
    debug_assert_eq!(w.len(), v.len());
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 32 && std::arch::is_x86_feature_detected!("avx512f") && !portable_ab() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            unsafe { avx512::weighted_axpy_run(at, bytes, w, v) };
            return;
        }
    }
    weighted_axpy_run_portable(at, bytes, w, v)
}

/// `REGPATH_PORTABLE_KERNELS=1` forces the portable loops (A/B measurements, checks of the
/// vector kernels on a machine that has them).
/// `Σ_i t[c_i]·v_i` in single precision, for the model sweeps of a Newton step, which work on
/// a small correction in f32 (see `prox_newton.rs`, `SweepResidual`): 16 samples per vector,
/// each chunk of 256 samples summed in f32 and the chunk sums added in f64 (relative error
/// within [`SCREENING_DOT_ERROR`] of `Σ_i |t[c_i]·v_i|`, the same derivation; the tail summed
/// in f64). The portable loop accumulates in f64.
#[inline]
pub fn dot_run_f32(t: &[f32; 4], bytes: &[u8], v: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 64 && screening_dot_available() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            return unsafe { avx512::dot_run_f32(t, bytes, v) };
        }
    }
    dot_run_f32_portable(t, bytes, v)
}

/// `v_i += at[c_i]·w_i` in single precision, 16 samples per vector (one fused rounding per
/// sample) with AVX-512.
#[inline]
pub fn weighted_axpy_run_f32(at: &[f32; 4], bytes: &[u8], w: &[f32], v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if v.len() >= 64 && screening_dot_available() {
            // SAFETY: the processor supports AVX-512F (checked just above).
            unsafe { avx512::weighted_axpy_run_f32(at, bytes, w, v) };
            return;
        }
    }
    weighted_axpy_run_f32_portable(at, bytes, w, v);
}

/// The portable single-precision dot (f64 accumulators).
pub fn dot_run_f32_portable(t: &[f32; 4], bytes: &[u8], v: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    for (b, vs) in bytes.iter().zip(v.chunks(4)) {
        let b = *b as usize;
        for (k, &vi) in vs.iter().enumerate() {
            acc[k] += f64::from(t[(b >> (2 * k)) & 3] * vi);
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3])
}

/// The portable single-precision weighted axpy.
pub fn weighted_axpy_run_f32_portable(at: &[f32; 4], bytes: &[u8], w: &[f32], v: &mut [f32]) {
    for ((b, ws), vs) in bytes.iter().zip(w.chunks(4)).zip(v.chunks_mut(4)) {
        let b = *b as usize;
        for (k, (vi, &wi)) in vs.iter_mut().zip(ws).enumerate() {
            *vi += at[(b >> (2 * k)) & 3] * wi;
        }
    }
}

pub(crate) fn portable_ab() -> bool {
    static P: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *P.get_or_init(|| std::env::var_os("REGPATH_PORTABLE_KERNELS").is_some())
}

/// The portable dot: four accumulators, one per slot of a byte.
pub fn dot_run_portable(t: &[f64; 4], bytes: &[u8], v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    for (b, vs) in bytes.iter().zip(v.chunks(4)) {
        let b = *b as usize;
        for (k, &vi) in vs.iter().enumerate() {
            acc[k] += t[(b >> (2 * k)) & 3] * vi;
        }
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3])
}

/// The portable axpy.
pub fn axpy_run_portable(at: &[f64; 4], bytes: &[u8], v: &mut [f64]) {
    for (b, vs) in bytes.iter().zip(v.chunks_mut(4)) {
        let b = *b as usize;
        for (k, vi) in vs.iter_mut().enumerate() {
            *vi += at[(b >> (2 * k)) & 3];
        }
    }
}

/// The portable weighted axpy.
pub fn weighted_axpy_run_portable(at: &[f64; 4], bytes: &[u8], w: &[f64], v: &mut [f64]) {
    for ((b, ws), vs) in bytes.iter().zip(w.chunks(4)).zip(v.chunks_mut(4)) {
        let b = *b as usize;
        for (k, (vi, &wi)) in vs.iter_mut().zip(ws).enumerate() {
            *vi += at[(b >> (2 * k)) & 3] * wi;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// The table twice (indices 0..8, of which `vpermpd` reads the low 3 bits).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn table(t: &[f64; 4]) -> __m512d {
        _mm512_setr_pd(t[0], t[1], t[2], t[3], t[0], t[1], t[2], t[3])
    }

    /// `t[c]` for the 8 samples whose codes are the 16 bits `word`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn lookup(word: u64, table: __m512d, shifts: __m512i) -> __m512d {
        let idx = _mm512_srlv_epi64(_mm512_set1_epi64(word as i64), shifts);
        _mm512_permutexvar_pd(idx, table)
    }

    #[target_feature(enable = "avx512f")]
    pub fn dot_run(t: &[f64; 4], bytes: &[u8], v: &[f64]) -> f64 {
        let table = table(t);
        let shifts = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let (mut a0, mut a1) = (_mm512_setzero_pd(), _mm512_setzero_pd());
        let blocks = v.len() / 32;
        for k in 0..blocks {
            // 32 samples: 8 bytes of codes, 4 groups of 8 samples
            let w = u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
            let x = &v[32 * k..32 * k + 32];
            // SAFETY: each load reads 8 of the 32 values of `x`.
            let load = |g: usize| unsafe { _mm512_loadu_pd(x.as_ptr().add(8 * g)) };
            a0 = _mm512_fmadd_pd(lookup(w, table, shifts), load(0), a0);
            a1 = _mm512_fmadd_pd(lookup(w >> 16, table, shifts), load(1), a1);
            a0 = _mm512_fmadd_pd(lookup(w >> 32, table, shifts), load(2), a0);
            a1 = _mm512_fmadd_pd(lookup(w >> 48, table, shifts), load(3), a1);
        }
        let done = 32 * blocks;
        _mm512_reduce_add_pd(_mm512_add_pd(a0, a1)) + super::dot_run_portable(t, &bytes[done / 4..], &v[done..])
    }

    /// See [`super::screening_dot_run`]: the whole blocks of 64 samples by [`dot_run_f32`] on
    /// the scaled f32 values (chunks of 4 blocks in two f32 accumulators, each chunk's sum
    /// added in f64), the tail from the f64 values.
    #[target_feature(enable = "avx512f")]
    pub fn screening_dot_run(t: &[f64; 4], bytes: &[u8], v: &[f64], v32: &[f32], scale: f64) -> f64 {
        let done = 64 * (v32.len() / 64);
        dot_run_f32(&t.map(|x| x as f32), bytes, &v32[..done])
            + super::dot_run_portable(t, &bytes[done / 4..], &v[done..]) * scale
    }

    /// The table four times and the shifts that decode 16 samples from 32 bits.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn table_f32(t: &[f32; 4]) -> (__m512, __m512i) {
        let [t0, t1, t2, t3] = *t;
        let table = _mm512_setr_ps(t0, t1, t2, t3, t0, t1, t2, t3, t0, t1, t2, t3, t0, t1, t2, t3);
        (table, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30))
    }

    /// `t[c]` for the 16 samples whose codes are the 4 bytes at `bytes[0..4]`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn lookup_f32(bytes: &[u8], table: __m512, shifts: __m512i) -> __m512 {
        let word = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word as i32), shifts), table)
    }

    /// See [`super::dot_run_f32`].
    #[target_feature(enable = "avx512f")]
    pub fn dot_run_f32(t: &[f32; 4], bytes: &[u8], v: &[f32]) -> f64 {
        let (table, shifts) = table_f32(t);
        let mut total = 0.0f64;
        let blocks = v.len() / 64;
        let mut k = 0;
        while k < blocks {
            let end = (k + 4).min(blocks);
            let (mut a0, mut a1) = (_mm512_setzero_ps(), _mm512_setzero_ps());
            while k < end {
                let (b, x) = (&bytes[16 * k..16 * k + 16], &v[64 * k..64 * k + 64]);
                // SAFETY: each load reads 16 of the 64 values of `x`.
                let load = |g: usize| unsafe { _mm512_loadu_ps(x.as_ptr().add(16 * g)) };
                a0 = _mm512_fmadd_ps(lookup_f32(b, table, shifts), load(0), a0);
                a1 = _mm512_fmadd_ps(lookup_f32(&b[4..], table, shifts), load(1), a1);
                a0 = _mm512_fmadd_ps(lookup_f32(&b[8..], table, shifts), load(2), a0);
                a1 = _mm512_fmadd_ps(lookup_f32(&b[12..], table, shifts), load(3), a1);
                k += 1;
            }
            total += f64::from(_mm512_reduce_add_ps(_mm512_add_ps(a0, a1)));
        }
        let done = 64 * blocks;
        total + super::dot_run_f32_portable(t, &bytes[done / 4..], &v[done..])
    }

    /// See [`super::weighted_axpy_run_f32`].
    #[target_feature(enable = "avx512f")]
    pub fn weighted_axpy_run_f32(at: &[f32; 4], bytes: &[u8], w: &[f32], v: &mut [f32]) {
        let (table, shifts) = table_f32(at);
        let blocks = v.len() / 64;
        for k in 0..blocks {
            let (b, x, ws) = (&bytes[16 * k..16 * k + 16], &mut v[64 * k..64 * k + 64], &w[64 * k..64 * k + 64]);
            for g in 0..4 {
                let value = lookup_f32(&b[4 * g..], table, shifts);
                // SAFETY: the loads and the store touch values 16g..16g + 16 of the 64 of
                // `x` and `ws`.
                unsafe {
                    let q = x.as_mut_ptr().add(16 * g);
                    let weight = _mm512_loadu_ps(ws.as_ptr().add(16 * g));
                    _mm512_storeu_ps(q, _mm512_fmadd_ps(value, weight, _mm512_loadu_ps(q)));
                }
            }
        }
        let done = 64 * blocks;
        super::weighted_axpy_run_f32_portable(at, &bytes[done / 4..], &w[done..], &mut v[done..]);
    }

    #[target_feature(enable = "avx512f")]
    pub fn axpy_run(at: &[f64; 4], bytes: &[u8], v: &mut [f64]) {
        let table = table(at);
        let shifts = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let blocks = v.len() / 32;
        for k in 0..blocks {
            let w = u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
            let x = &mut v[32 * k..32 * k + 32];
            for g in 0..4 {
                let add = lookup(w >> (16 * g), table, shifts);
                // SAFETY: the load and the store touch values 8g..8g + 8 of the 32 of `x`.
                unsafe {
                    let q = x.as_mut_ptr().add(8 * g);
                    _mm512_storeu_pd(q, _mm512_add_pd(_mm512_loadu_pd(q), add));
                }
            }
        }
        let done = 32 * blocks;
        super::axpy_run_portable(at, &bytes[done / 4..], &mut v[done..]);
    }

    #[target_feature(enable = "avx512f")]
    pub fn weighted_axpy_run(at: &[f64; 4], bytes: &[u8], w: &[f64], v: &mut [f64]) {
        let table = table(at);
        let shifts = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
        let blocks = v.len() / 32;
        for k in 0..blocks {
            let word = u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().expect("8 bytes"));
            let (x, ws) = (&mut v[32 * k..32 * k + 32], &w[32 * k..32 * k + 32]);
            for g in 0..4 {
                let value = lookup(word >> (16 * g), table, shifts);
                // SAFETY: the loads and the store touch values 8g..8g + 8 of the 32 of `x`
                // and `ws`.
                unsafe {
                    let q = x.as_mut_ptr().add(8 * g);
                    let weight = _mm512_loadu_pd(ws.as_ptr().add(8 * g));
                    _mm512_storeu_pd(q, _mm512_fmadd_pd(value, weight, _mm512_loadu_pd(q)));
                }
            }
        }
        let done = 32 * blocks;
        super::weighted_axpy_run_portable(at, &bytes[done / 4..], &w[done..], &mut v[done..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector kernels equal the portable loops for every run length around the block
    /// size (tails included), for bytes with every code.
    #[test]
    fn kernels_equal_the_portable_loops() {
        let t = [0.75, -0.125, 0.5, -1.25];
        for len in [1usize, 5, 31, 32, 33, 63, 64, 100, 257, 1000, 4099] {
            let bytes: Vec<u8> = (0..len.div_ceil(4)).map(|k| (k * 37 + 11) as u8).collect();
            let v: Vec<f64> = (0..len).map(|i| (i as f64 * 0.37).sin()).collect();
            let (fast, slow) = (dot_run(&t, &bytes, &v), dot_run_portable(&t, &bytes, &v));
            let scale = 1024.0;
            let v32: Vec<f32> = v.iter().map(|&x| (x * scale) as f32).collect();
            let screening = screening_dot_run(&t, &bytes, &v, &v32, scale) / scale;
            let magnitude: f64 =
                v.iter().enumerate().map(|(i, &vi)| (t[(bytes[i / 4] as usize >> (2 * (i % 4))) & 3] * vi).abs()).sum();
            assert!(
                (screening - slow).abs() <= SCREENING_DOT_ERROR * magnitude,
                "screening dot, {len} samples: {screening} vs {slow}"
            );
            assert!((fast - slow).abs() <= 1e-13 * (1.0 + slow.abs()), "dot, {len} samples: {fast} vs {slow}");
            let (mut a, mut b) = (v.clone(), v.clone());
            axpy_run(&t, &bytes, &mut a);
            axpy_run_portable(&t, &bytes, &mut b);
            assert_eq!(a, b, "axpy, {len} samples");
            let w: Vec<f64> = (0..len).map(|i| 0.1 + (i as f64 * 0.71).cos().abs()).collect();
            let (mut a, mut b) = (v.clone(), v.clone());
            weighted_axpy_run(&t, &bytes, &w, &mut a);
            weighted_axpy_run_portable(&t, &bytes, &w, &mut b);
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!((x - y).abs() <= 1e-15 * (1.0 + y.abs()), "weighted axpy, {len} samples, {i}: {x} vs {y}");
            }
            let t32 = t.map(|x| x as f32);
            let (v32, w32): (Vec<f32>, Vec<f32>) =
                (v.iter().map(|&x| x as f32).collect(), w.iter().map(|&x| x as f32).collect());
            let exact32 = dot_run_portable(&t, &bytes, &v32.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
            let (fast, slow) = (dot_run_f32(&t32, &bytes, &v32), dot_run_f32_portable(&t32, &bytes, &v32));
            for (name, value) in [("fast", fast), ("portable", slow)] {
                assert!(
                    (value - exact32).abs() <= SCREENING_DOT_ERROR * magnitude,
                    "f32 dot ({name}), {len} samples: {value} vs {exact32}"
                );
            }
            let (mut a, mut b) = (v32.clone(), v32.clone());
            weighted_axpy_run_f32(&t32, &bytes, &w32, &mut a);
            weighted_axpy_run_f32_portable(&t32, &bytes, &w32, &mut b);
            for (i, (x, y)) in a.iter().zip(&b).enumerate() {
                assert!((x - y).abs() <= 1e-6 * (1.0 + y.abs()), "f32 weighted axpy, {len} samples, {i}: {x} vs {y}");
            }
        }
    }
}
