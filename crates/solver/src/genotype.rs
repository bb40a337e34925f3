//! A design over PLINK 1 SNP-major packed genotypes: 2 bits per entry, never expanded to f64.
//!
//! Byte layout (one SNP after another, `⌈n/4⌉` bytes each, sample i in bits `2(i mod 4)..`):
//! code `00` → 2 copies of allele 1, `01` → missing, `10` → 1, `11` → 0. A missing call is
//! imputed with the SNP's mean over the observed samples μ_j, so the raw value is
//! `x_ij ∈ {0, 1, 2, μ_j}`. Centering and scaling follow [`ColumnStats`]: with an intercept
//! `m_j` is the column mean (which equals μ_j), `s_j` the 1/n root mean square of
//! `x_j − m_j` when standardizing. Each SNP keeps a 4-entry table of working-scale values
//! `(x(code) − m_j)/s_j`, so `x̃_jᵀv = Σ_i table_j[code_i]·v_i` costs one table lookup per entry.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::design::{ColumnStats, Design, SCAN_BLOCK, scan_features};
use crate::error::SolverError;
use crate::genotype_kernels::{
    SCREENING_DOT_ERROR, axpy_run, dot_run, dot_run_f32, screening_dot_available, screening_dot_run, weighted_axpy_run,
    weighted_axpy_run_f32,
};
use crate::repack::repack_rows;

/// Packed genotypes viewed as a working-scale design.
#[derive(Clone, Debug)]
pub struct PackedGenotypeDesign<'a> {
    /// The fileset's bytes, or (with a row subset) the kept samples repacked at 2 bits each.
    packed: Cow<'a, [u8]>,
    /// Column j of the design is SNP `columns[j]` of `packed` (a SNP subset of an unrepacked
    /// fileset); `None` when column j is SNP j.
    columns: Option<Vec<usize>>,
    /// Bytes between consecutive SNPs in `packed`.
    bytes_per_snp: usize,
    /// The samples as byte-aligned runs of the packed layout ([`SampleSegment`]); `None`: the
    /// first n samples.
    segments: Option<Vec<SampleSegment>>,
    n: usize,
    p: usize,
    table: Vec<[f64; 4]>,
    /// Per SNP, the number of samples with each code (for [`Design::gram_row`]).
    code_counts: Vec<[u32; 4]>,
    /// The samples as a bit mask in the `.bed` layout: the low bit of each 2-bit slot of a
    /// little-endian 64-bit word is set for a sample (32 samples a word; padding excluded).
    keep_mask: Vec<u64>,
    stats: ColumnStats,
}

/// The low bit of every 2-bit slot.
const LOW_BITS: u64 = 0x5555_5555_5555_5555;

/// A run of consecutive samples of a packed layout: `len` samples from byte `byte` (sample
/// `4·byte`), which are the design's rows `offset..offset + len`. The 2-bit slots after the
/// last sample of a run, up to its byte's end, are padding, never read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SampleSegment {
    /// First byte of the run in each SNP's bytes.
    pub byte: usize,
    /// Samples in the run.
    pub len: usize,
    /// Row of the design of the run's first sample.
    pub offset: usize,
}

impl SampleSegment {
    /// Segments for runs given as `(first byte, samples)`, in that row order.
    pub fn runs(runs: &[(usize, usize)]) -> Vec<SampleSegment> {
        let mut offset = 0;
        runs.iter()
            .map(|&(byte, len)| {
                let s = SampleSegment { byte, len, offset };
                offset += len;
                s
            })
            .collect()
    }
}

impl<'a> PackedGenotypeDesign<'a> {
    /// Calls `f(bytes, rows)` for each run of the design's samples: SNP j's bytes from the
    /// run's first byte, and the design's rows of the run (all n rows at once when the samples
    /// are the fileset's, read in place).
    #[inline]
    fn for_each_run(&self, j: usize, mut f: impl FnMut(&[u8], std::ops::Range<usize>)) {
        let bytes = self.snp_bytes(j);
        match &self.segments {
            None => f(bytes, 0..self.n),
            Some(segs) => {
                for s in segs {
                    f(&bytes[s.byte..], s.offset..s.offset + s.len);
                }
            }
        }
    }

    /// Wraps SNP-major packed data of `n_samples` samples and `p` SNPs (the bytes after the
    /// `.bed` magic), keeping only `rows` (in order) when given.
    ///
    /// A row subset (samples with a missing phenotype dropped) is repacked once into a
    /// compact buffer of the kept samples, still 2 bits per entry (at most the size of the
    /// fileset's SNP data): every kernel then reads contiguous bytes instead of gathering one
    /// sample at a time, which made coordinate descent about 2× slower on subsets.
    pub fn new(
        packed: &'a [u8],
        n_samples: usize,
        p: usize,
        rows: Option<Vec<usize>>,
        fit_intercept: bool,
        standardize: bool,
    ) -> Result<Self, SolverError> {
        Self::with_columns(packed, n_samples, p, rows, None, fit_intercept, standardize)
    }

    /// Like [`PackedGenotypeDesign::new`] over `p_total` SNPs, with only the SNPs `columns`
    /// (increasing indices, when given) as the design's columns: column j is SNP
    /// `columns[j]`. Without a row subset the fileset is read in place through the index map;
    /// with one, only the kept SNPs are repacked.
    pub fn with_columns(
        packed: &'a [u8],
        n_samples: usize,
        p_total: usize,
        rows: Option<Vec<usize>>,
        columns: Option<Vec<usize>>,
        fit_intercept: bool,
        standardize: bool,
    ) -> Result<Self, SolverError> {
        let source_bytes_per_snp = n_samples.div_ceil(4);
        let n = rows.as_ref().map_or(n_samples, |r| r.len());
        if let Some(c) = &columns
            && (c.windows(2).any(|w| w[0] >= w[1]) || c.last().is_some_and(|&j| j >= p_total))
        {
            return Err(SolverError::InvalidParameter(format!(
                "SNP columns must be increasing indices below {p_total}"
            )));
        }
        let p = columns.as_ref().map_or(p_total, Vec::len);
        if n == 0 || p == 0 {
            return Err(SolverError::EmptyDesign { n, p });
        }
        if packed.len() < source_bytes_per_snp * p_total {
            return Err(SolverError::InvalidParameter(format!(
                "packed genotypes hold {} bytes, {} needed for {n_samples} samples x {p_total} SNPs",
                packed.len(),
                source_bytes_per_snp * p_total
            )));
        }
        if let Some(r) = &rows
            && let Some(&bad) = r.iter().find(|&&i| i >= n_samples)
        {
            return Err(SolverError::InvalidParameter(format!("sample index {bad} out of range (n = {n_samples})")));
        }
        let bytes_per_snp = n.div_ceil(4);
        let (packed, columns) = match &rows {
            None => (Cow::Borrowed(&packed[..source_bytes_per_snp * p_total]), columns),
            Some(rows) => (Cow::Owned(repack_rows(packed, source_bytes_per_snp, columns.as_deref(), p, rows)), None),
        };
        let design = PackedGenotypeDesign {
            packed,
            columns,
            bytes_per_snp,
            segments: None,
            n,
            p,
            table: Vec::new(),
            code_counts: Vec::new(),
            keep_mask: Vec::new(),
            stats: ColumnStats::with_capacity(p, fit_intercept, standardize),
        };
        Ok(design.with_statistics())
    }

    /// A design over the samples `segments` (byte-aligned runs, [`SampleSegment`]) of
    /// SNP-major packed data with `bytes_per_snp` bytes per SNP and `p` SNPs, read in place:
    /// nothing is copied, so the CV folds of a training part laid out fold after fold are
    /// the training part minus one run.
    pub fn from_segments(
        packed: &'a [u8],
        bytes_per_snp: usize,
        p: usize,
        segments: Vec<SampleSegment>,
        fit_intercept: bool,
        standardize: bool,
    ) -> Result<Self, SolverError> {
        let n: usize = segments.iter().map(|s| s.len).sum();
        if n == 0 || p == 0 {
            return Err(SolverError::EmptyDesign { n, p });
        }
        let mut next = 0;
        for s in &segments {
            if s.offset != next || s.byte + s.len.div_ceil(4) > bytes_per_snp {
                return Err(SolverError::InvalidParameter(format!(
                    "sample segment {s:?} is out of order or beyond the {bytes_per_snp} bytes of a SNP"
                )));
            }
            next += s.len;
        }
        if packed.len() < bytes_per_snp * p {
            return Err(SolverError::InvalidParameter(format!(
                "packed genotypes hold {} bytes, {} needed for {p} SNPs of {bytes_per_snp} bytes",
                packed.len(),
                bytes_per_snp * p
            )));
        }
        let design = PackedGenotypeDesign {
            packed: Cow::Borrowed(&packed[..bytes_per_snp * p]),
            columns: None,
            bytes_per_snp,
            segments: Some(segments),
            n,
            p,
            table: Vec::new(),
            code_counts: Vec::new(),
            keep_mask: Vec::new(),
            stats: ColumnStats::with_capacity(p, fit_intercept, standardize),
        };
        Ok(design.with_statistics())
    }

    /// The physical sample (slot in a SNP's bytes) of design row `i`.
    #[inline]
    fn physical(&self, i: usize) -> usize {
        match &self.segments {
            None => i,
            Some(segs) => {
                let s = segs.iter().rev().find(|s| s.offset <= i).expect("segments start at row 0");
                4 * s.byte + (i - s.offset)
            }
        }
    }

    /// Fills the kept-sample mask, the code counts and the per-SNP tables.
    fn with_statistics(mut self) -> Self {
        let (fit_intercept, standardize) = (self.stats.fit_intercept, self.stats.standardize);
        let bytes_per_snp = self.bytes_per_snp;
        let design = &mut self;
        design.keep_mask = vec![0u64; bytes_per_snp.div_ceil(8)];
        match design.segments.clone() {
            None => {
                for i in 0..design.n {
                    design.keep_mask[i / 32] |= 1u64 << (2 * (i % 32));
                }
            }
            Some(segs) => {
                for s in segs {
                    for i in 4 * s.byte..4 * s.byte + s.len {
                        design.keep_mask[i / 32] |= 1u64 << (2 * (i % 32));
                    }
                }
            }
        }
        let p = design.p;
        design.code_counts =
            (0..p).into_par_iter().with_min_len(SCAN_BLOCK).map(|j| design.counts(j).map(|c| c as u32)).collect();
        let per_snp: Vec<([f64; 4], f64, f64, f64, f64)> = (0..p)
            .into_par_iter()
            .with_min_len(SCAN_BLOCK)
            .map(|j| design.snp_stats(j, fit_intercept, standardize))
            .collect();
        for (table, m, s, inv, v) in per_snp {
            design.table.push(table);
            design.stats.center.push(m);
            design.stats.scale.push(s);
            design.stats.inv_scale.push(inv);
            design.stats.curvature.push(v);
        }
        self
    }

    #[inline]
    fn code(bytes: &[u8], i: usize) -> usize {
        ((bytes[i >> 2] >> ((i & 3) * 2)) & 3) as usize
    }

    #[inline]
    fn snp_bytes(&self, j: usize) -> &[u8] {
        let j = self.columns.as_ref().map_or(j, |c| c[j]);
        &self.packed[j * self.bytes_per_snp..(j + 1) * self.bytes_per_snp]
    }

    /// Code counts over the kept samples: `[#code0, #missing, #code2, #code3]`.
    /// Uses the `popcnt` instruction where the processor has it (checked at run time): the
    /// portable `count_ones` made this pass over the fileset take about 1 s per 500 MB.
    fn counts(&self, j: usize) -> [usize; 4] {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("popcnt") {
                // SAFETY: the processor supports popcnt (checked just above).
                return unsafe { self.counts_popcnt(j) };
            }
        }
        self.counts_portable(j)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn counts_popcnt(&self, j: usize) -> [usize; 4] {
        self.counts_portable(j)
    }

    #[inline(always)]
    fn counts_portable(&self, j: usize) -> [usize; 4] {
        let mut c = [0usize; 4];
        let bytes = self.snp_bytes(j);
        let mut add = |word: u64, keep: u64| {
            let masks = code_masks(word, keep);
            for (count, mask) in c.iter_mut().zip(masks) {
                *count += mask.count_ones() as usize;
            }
        };
        let whole = bytes.len() / 8;
        for (chunk, &keep) in bytes.chunks_exact(8).zip(&self.keep_mask) {
            add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")), keep);
        }
        for (w, &keep) in self.keep_mask.iter().enumerate().skip(whole) {
            add(self.word(j, w), keep);
        }
        c[3] = self.n - c[0] - c[1] - c[2];
        c
    }

    /// `(table, center, scale, inv_scale, curvature)` of SNP j from its code counts:
    /// μ = (2·c₀ + c₂)/(c₀ + c₂ + c₃), then the same rules as [`ColumnStats::compute`].
    fn snp_stats(&self, j: usize, fit_intercept: bool, standardize: bool) -> ([f64; 4], f64, f64, f64, f64) {
        let c = self.code_counts[j].map(|c| c as usize);
        let observed = c[0] + c[2] + c[3];
        let n = self.n as f64;
        let distinct = [c[0], c[2], c[3]].iter().filter(|&&k| k > 0).count();
        let mu = if observed > 0 { (2.0 * c[0] as f64 + c[2] as f64) / observed as f64 } else { 0.0 };
        let raw = [2.0, mu, 1.0, 0.0];
        let center = if fit_intercept { mu } else { 0.0 };
        let dead = if fit_intercept { distinct <= 1 } else { observed == 0 || (distinct == 1 && c[3] == observed) };
        let unit = if standardize { 0.0 } else { 1.0 };
        if dead {
            return ([0.0; 4], center, unit, 0.0, 0.0);
        }
        let q = (0..4).map(|k| c[k] as f64 * (raw[k] - center) * (raw[k] - center)).sum::<f64>() / n;
        if q.is_nan() || q <= 0.0 {
            return ([0.0; 4], center, unit, 0.0, 0.0);
        }
        let (scale, inv, curvature) = if standardize { (q.sqrt(), 1.0 / q.sqrt(), 1.0) } else { (1.0, 1.0, q) };
        let table =
            [(raw[0] - center) * inv, (raw[1] - center) * inv, (raw[2] - center) * inv, (raw[3] - center) * inv];
        (table, center, scale, inv, curvature)
    }
}

impl Design for PackedGenotypeDesign<'_> {
    fn n_samples(&self) -> usize {
        self.n
    }

    fn n_features(&self) -> usize {
        self.p
    }

    #[inline]
    fn dot(&self, j: usize, v: &[f64]) -> f64 {
        if self.stats.inv_scale[j] == 0.0 {
            return 0.0;
        }
        let t = &self.table[j];
        let mut sum = 0.0;
        self.for_each_run(j, |bytes, rows| sum += dot_run(t, bytes, &v[rows]));
        sum
    }

    #[inline]
    fn axpy(&self, j: usize, a: f64, v: &mut [f64]) {
        if self.stats.inv_scale[j] == 0.0 || a == 0.0 {
            return;
        }
        let t = self.table[j];
        let at = [a * t[0], a * t[1], a * t[2], a * t[3]];
        self.for_each_run(j, |bytes, rows| axpy_run(&at, bytes, &mut v[rows]));
    }

    fn stats(&self) -> &ColumnStats {
        &self.stats
    }

    fn packed_columns(&self) -> bool {
        true
    }

    /// `v_i += a·w_i·t[c_i]` by [`weighted_axpy_run`] (the table scaled by a).
    #[inline]
    fn weighted_axpy(&self, j: usize, a: f64, w: &[f64], v: &mut [f64]) {
        if self.stats.inv_scale[j] == 0.0 || a == 0.0 {
            return;
        }
        let t = self.table[j];
        let at = [a * t[0], a * t[1], a * t[2], a * t[3]];
        self.for_each_run(j, |bytes, rows| weighted_axpy_run(&at, bytes, &w[rows.clone()], &mut v[rows]));
    }

    /// `Σ_i t[c_i]·v_i` by [`dot_run_f32`] (the table rounded to f32).
    #[inline]
    fn dot_f32(&self, j: usize, v: &[f32]) -> f64 {
        if self.stats.inv_scale[j] == 0.0 {
            return 0.0;
        }
        let t = self.table[j].map(|x| x as f32);
        let mut sum = 0.0;
        self.for_each_run(j, |bytes, rows| sum += dot_run_f32(&t, bytes, &v[rows]));
        sum
    }

    /// `v_i += a·w_i·t[c_i]` by [`weighted_axpy_run_f32`] (the table scaled by a, then
    /// rounded to f32).
    #[inline]
    fn weighted_axpy_f32(&self, j: usize, a: f64, w: &[f32], v: &mut [f32]) {
        if self.stats.inv_scale[j] == 0.0 || a == 0.0 {
            return;
        }
        let at = self.table[j].map(|x| (a * x) as f32);
        self.for_each_run(j, |bytes, rows| weighted_axpy_run_f32(&at, bytes, &w[rows.clone()], &mut v[rows]));
    }

    /// `Σ_i w_i·t[c_i]²`: the dot product of w with the squared table.
    #[inline]
    fn weighted_sq_norm(&self, j: usize, w: &[f64]) -> f64 {
        if self.stats.inv_scale[j] == 0.0 {
            return 0.0;
        }
        let t = self.table[j];
        let t2 = [t[0] * t[0], t[1] * t[1], t[2] * t[2], t[3] * t[3]];
        let mut sum = 0.0;
        self.for_each_run(j, |bytes, rows| sum += dot_run(&t2, bytes, &w[rows]));
        sum
    }

    /// In f32 by [`screening_dot_run`] where that is faster (AVX-512; otherwise exact), on
    /// `v·s` with s a power of two that puts `max_i |v_i·s|` in [2⁶³, 2⁶⁴) (exact scaling; the f32
    /// values then stay far from overflow, n·|t|·2⁶⁴ < 2¹²⁸, and from the subnormal range
    /// except for entries far below the largest). With `Σ_i |t_j[c_i]·v_i| ≤ max_c |t_j[c]|·‖v‖₁`,
    /// ε = [`SCREENING_DOT_ERROR`]`·‖v‖₁/n` plus an absolute `2⁻¹⁰⁰·max_i|v_i|` per sample for
    /// roundings in the subnormal range (each at most 2⁻¹⁵⁰ in scaled units). Non-finite
    /// values fall back to the exact pass.
    fn screening_gradient<F>(&self, v: &[f64], out: &mut [f64], wanted: F) -> (usize, f64)
    where
        F: Fn(usize) -> bool + Sync,
    {
        let v_max = v.iter().fold(0.0f64, |m, &x| m.max(x.abs()));
        if !screening_dot_available() || !v_max.is_finite() || v_max == 0.0 {
            return (self.scaled_gradient(v, out, wanted), 0.0);
        }
        let scale = (2.0f64).powi(63 - v_max.log2().floor() as i32);
        if !scale.is_finite() || scale == 0.0 {
            return (self.scaled_gradient(v, out, wanted), 0.0);
        }
        let inv_n = 1.0 / self.n as f64;
        let unscale = inv_n / scale;
        let v32: Vec<f32> = v.iter().map(|&x| (x * scale) as f32).collect();
        let read = scan_features(out, &wanted, |j| {
            if self.stats.inv_scale[j] == 0.0 {
                return 0.0;
            }
            let t = &self.table[j];
            let mut sum = 0.0;
            self.for_each_run(j, |bytes, rows| sum += screening_dot_run(t, bytes, &v[rows.clone()], &v32[rows], scale));
            sum * unscale
        });
        if out.iter().any(|c| !c.is_finite()) {
            return (read + self.scaled_gradient(v, out, wanted), 0.0);
        }
        let v_l1: f64 = v.iter().map(|x| x.abs()).sum();
        (read, SCREENING_DOT_ERROR * v_l1 * inv_n + (2.0f64).powi(-100) * v_max)
    }

    /// `max_c |t_j[c]|` (0 for a dead column).
    fn entry_bound(&self, j: usize) -> f64 {
        if self.stats.inv_scale[j] == 0.0 {
            return 0.0;
        }
        self.table[j].iter().fold(0.0f64, |m, &t| m.max(t.abs()))
    }

    /// Row by row from code counts. (Decoding the new columns and taking one AVX-512 dot
    /// product per entry was measured slower: 94 s against 68 s of CPU for a 4-fold CV sweep
    /// of 20,000 × 100,000 genotypes, one thread, 2026-12-05.)
    fn gram_rows(&self, new: &[usize], others: &[usize]) -> Vec<Vec<f64>> {
        new.iter().map(|&j| self.gram_row(j, others)).collect()
    }

    fn column_head(&self, j: usize, out: &mut [f64]) {
        let (t, bytes) = (&self.table[j], self.snp_bytes(j));
        for (i, o) in out.iter_mut().enumerate() {
            *o = t[Self::code(bytes, self.physical(i))];
        }
    }
}

/// `N_ab = Σ_w popcount(masks_j[w][a] & mask_b(word w of SNP m))` for a, b ∈ {00, 01, 10}.
/// When neither SNP has a missing call among the samples (`complete`), the counts with code
/// `01` are 0 and only the four with a, b ∈ {00, 10} are counted (4 popcounts a word instead
/// of 9; the Gram rows of the active-set Newton were about half of a biobank CV run).
/// Uses the `popcnt` instruction where the processor has it (checked once at run time).
fn count_pairs(masks_j: &[[u64; 3]], bytes_m: &[u8], complete: bool) -> [[u32; 3]; 3] {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor supports popcnt (checked just above).
            return unsafe {
                if complete {
                    count_pairs_complete_popcnt(masks_j, bytes_m)
                } else {
                    count_pairs_popcnt(masks_j, bytes_m)
                }
            };
        }
    }
    if complete {
        count_pairs_portable::<false>(masks_j, bytes_m)
    } else {
        count_pairs_portable::<true>(masks_j, bytes_m)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn count_pairs_popcnt(masks_j: &[[u64; 3]], bytes_m: &[u8]) -> [[u32; 3]; 3] {
    count_pairs_portable::<true>(masks_j, bytes_m)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn count_pairs_complete_popcnt(masks_j: &[[u64; 3]], bytes_m: &[u8]) -> [[u32; 3]; 3] {
    count_pairs_portable::<false>(masks_j, bytes_m)
}

/// Whether [`count_pairs_complete_avx512`] can run (AVX-512F with VPOPCNTDQ, checked once).
fn vector_popcount() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512vpopcntdq")
                && !crate::genotype_kernels::portable_ab()
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The four counts of [`count_pairs`] for two complete SNPs, eight words (256 samples) per
/// step: `N_ab = Σ_w popcount(mask_a,j[w] & mask_b(word w of SNP m))`, a, b ∈ {00, 10}, with
/// the masks of j as two word arrays (`masks_00`, `masks_10`) and those of m computed from
/// its bytes in the vector registers. Whole 64-byte blocks are counted with `vpopcntq`, the
/// remaining words by [`count_pairs_portable`]; the counts are exact integers either way.
///
/// # Safety
/// The processor must support AVX-512F and AVX-512 VPOPCNTDQ ([`vector_popcount`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vpopcntdq,popcnt")]
unsafe fn count_pairs_complete_avx512(
    masks_j: &[[u64; 3]],
    masks_00: &[u64],
    masks_10: &[u64],
    bytes_m: &[u8],
) -> [[u32; 3]; 3] {
    use std::arch::x86_64::*;
    let blocks = (bytes_m.len() / 64).min(masks_00.len() / 8);
    let low = _mm512_set1_epi64(LOW_BITS as i64);
    let mut acc = [_mm512_setzero_si512(); 4];
    for block in 0..blocks {
        // SAFETY: block < bytes_m.len()/64 and < masks.len()/8: every load is in bounds
        let (word, j00, j10) = unsafe {
            (
                _mm512_loadu_si512(bytes_m.as_ptr().add(64 * block).cast()),
                _mm512_loadu_si512(masks_00.as_ptr().add(8 * block).cast()),
                _mm512_loadu_si512(masks_10.as_ptr().add(8 * block).cast()),
            )
        };
        let lo = _mm512_and_si512(word, low);
        let hi = _mm512_and_si512(_mm512_srli_epi64::<1>(word), low);
        let m00 = _mm512_andnot_si512(_mm512_or_si512(lo, hi), low);
        let m10 = _mm512_andnot_si512(lo, hi);
        acc[0] = _mm512_add_epi64(acc[0], _mm512_popcnt_epi64(_mm512_and_si512(j00, m00)));
        acc[1] = _mm512_add_epi64(acc[1], _mm512_popcnt_epi64(_mm512_and_si512(j00, m10)));
        acc[2] = _mm512_add_epi64(acc[2], _mm512_popcnt_epi64(_mm512_and_si512(j10, m00)));
        acc[3] = _mm512_add_epi64(acc[3], _mm512_popcnt_epi64(_mm512_and_si512(j10, m10)));
    }
    let mut inner = count_pairs_portable::<false>(&masks_j[8 * blocks..], &bytes_m[(64 * blocks).min(bytes_m.len())..]);
    let total = |v: __m512i| _mm512_reduce_add_epi64(v) as u32;
    inner[0][0] += total(acc[0]);
    inner[0][2] += total(acc[1]);
    inner[2][0] += total(acc[2]);
    inner[2][2] += total(acc[3]);
    inner
}

/// The counts; with `MISSING = false` only a, b ∈ {00, 10} (the others stay 0).
#[inline(always)]
fn count_pairs_portable<const MISSING: bool>(masks_j: &[[u64; 3]], bytes_m: &[u8]) -> [[u32; 3]; 3] {
    let mut inner = [[0u32; 3]; 3];
    let mut add = |mj: &[u64; 3], word: u64| {
        let mm = code_masks(word, u64::MAX);
        if MISSING {
            for a in 0..3 {
                for b in 0..3 {
                    inner[a][b] += (mj[a] & mm[b]).count_ones();
                }
            }
        } else {
            for a in [0, 2] {
                for b in [0, 2] {
                    inner[a][b] += (mj[a] & mm[b]).count_ones();
                }
            }
        }
    };
    let mut chunks = bytes_m.chunks_exact(8);
    let mut w = 0;
    for chunk in chunks.by_ref() {
        add(&masks_j[w], u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        w += 1;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        buf[..rest.len()].copy_from_slice(rest);
        add(&masks_j[w], u64::from_le_bytes(buf));
    }
    inner
}

/// Masks of codes `00`, `01` and `10` (low bit of each 2-bit slot), restricted to `keep`.
#[inline]
fn code_masks(word: u64, keep: u64) -> [u64; 3] {
    let lo = word & LOW_BITS;
    let hi = (word >> 1) & LOW_BITS;
    [!(lo | hi) & keep & LOW_BITS, lo & !hi & keep, hi & !lo & keep]
}

impl PackedGenotypeDesign<'_> {
    /// Gram entries from code co-occurrence counts, without decoding to f64:
    ///
    /// ```text
    /// x̃_jᵀx̃_m = Σ_{a,b ∈ codes} N_ab · table_j[a] · table_m[b],   N_ab = #{i kept : code_ij = a, code_im = b}
    /// ```
    ///
    /// The nine counts with a, b ∈ {00, 01, 10} are popcounts of code masks (32 samples per
    /// 64-bit word, ANDed with the kept-sample mask); the other seven follow from the
    /// per-SNP code counts (the margins of N). Exact in integers, about 10× fewer operations
    /// than a dot product with a decoded column.
    fn gram_row(&self, j: usize, others: &[usize]) -> Vec<f64> {
        let inv_n = 1.0 / self.n as f64;
        if self.stats.inv_scale[j] == 0.0 {
            return vec![0.0; others.len()];
        }
        let words = self.keep_mask.len();
        let masks_j: Vec<[u64; 3]> = (0..words).map(|w| code_masks(self.word(j, w), self.keep_mask[w])).collect();
        let vector = vector_popcount() && self.code_counts[j][1] == 0;
        let (masks_00, masks_10): (Vec<u64>, Vec<u64>) =
            if vector { masks_j.iter().map(|m| (m[0], m[2])).unzip() } else { (Vec::new(), Vec::new()) };
        let entry = |m: usize| -> f64 {
            if self.stats.inv_scale[m] == 0.0 {
                return 0.0;
            }
            let (cj, cm) = (self.code_counts[j], self.code_counts[m]);
            let complete = cj[1] == 0 && cm[1] == 0;
            let inner = if vector && complete {
                #[cfg(target_arch = "x86_64")]
                {
                    // SAFETY: `vector` holds only where the processor has AVX-512F and VPOPCNTDQ
                    unsafe { count_pairs_complete_avx512(&masks_j, &masks_00, &masks_10, self.snp_bytes(m)) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    count_pairs(&masks_j, self.snp_bytes(m), true)
                }
            } else {
                count_pairs(&masks_j, self.snp_bytes(m), complete)
            };
            let mut counts = [[0i64; 4]; 4];
            for a in 0..3 {
                for b in 0..3 {
                    counts[a][b] = inner[a][b] as i64;
                }
                counts[a][3] = cj[a] as i64 - (0..3).map(|b| inner[a][b] as i64).sum::<i64>();
                counts[3][a] = cm[a] as i64 - (0..3).map(|b| inner[b][a] as i64).sum::<i64>();
            }
            counts[3][3] = cm[3] as i64 - (0..3).map(|a| counts[a][3]).sum::<i64>();
            let (tj, tm) = (&self.table[j], &self.table[m]);
            let mut sum = 0.0;
            for a in 0..4 {
                let row: f64 = (0..4).map(|b| counts[a][b] as f64 * tm[b]).sum();
                sum += tj[a] * row;
            }
            sum * inv_n
        };
        if others.len() * words >= 1 << 12 {
            others.par_iter().with_min_len(64).map(|&m| entry(m)).collect()
        } else {
            others.iter().map(|&m| entry(m)).collect()
        }
    }

    /// Word w (samples 32w..32w+32) of SNP j, little-endian, zero-padded past the SNP's bytes.
    #[inline]
    fn word(&self, j: usize, w: usize) -> u64 {
        let bytes = self.snp_bytes(j);
        let start = 8 * w;
        if start + 8 <= bytes.len() {
            u64::from_le_bytes(bytes[start..start + 8].try_into().expect("8 bytes"))
        } else {
            let mut buf = [0u8; 8];
            buf[..bytes.len() - start].copy_from_slice(&bytes[start..]);
            u64::from_le_bytes(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DenseDesign;
    use ndarray::{Array2, ShapeBuilder};

    /// Packs dosages (3 = missing) into PLINK SNP-major bytes.
    fn pack(dosages: &Array2<u8>) -> Vec<u8> {
        let (n, p) = dosages.dim();
        let bps = n.div_ceil(4);
        let mut out = vec![0u8; bps * p];
        for j in 0..p {
            for i in 0..n {
                let code = match dosages[(i, j)] {
                    2 => 0u8,
                    3 => 1,
                    1 => 2,
                    _ => 3,
                };
                out[j * bps + i / 4] |= code << (2 * (i % 4));
            }
        }
        out
    }

    /// The same data decoded to f64 with mean imputation over the kept rows.
    fn dense(dosages: &Array2<u8>, rows: &[usize]) -> Array2<f64> {
        let p = dosages.ncols();
        let mut x = Array2::<f64>::zeros((rows.len(), p).f());
        for j in 0..p {
            let obs: Vec<f64> = rows.iter().map(|&i| dosages[(i, j)]).filter(|&d| d != 3).map(f64::from).collect();
            let mu = if obs.is_empty() { 0.0 } else { obs.iter().sum::<f64>() / obs.len() as f64 };
            for (r, &i) in rows.iter().enumerate() {
                let d = dosages[(i, j)];
                x[(r, j)] = if d == 3 { mu } else { f64::from(d) };
            }
        }
        x
    }

    /// The screening gradient is within its stated error `ε·a_j` of the exact one, for
    /// residuals of every magnitude (scaled into f32's range), with wide dynamic range inside
    /// one vector, on a design read in place and on one of segments; dead columns give 0.
    #[test]
    fn screening_gradients_are_within_their_error_bound() {
        let (n, p) = (1000, 9);
        let dosages = Array2::from_shape_fn((n, p), |(i, j)| {
            if j == 4 {
                1
            } else if j == 6 && i % 7 != 0 {
                0
            } else {
                ((i * (j + 3) + j * j) % 13 % 4) as u8
            }
        });
        let packed = pack(&dosages);
        let runs = [(0usize, 300usize), (100, 250), (200, 197)];
        let designs = [
            PackedGenotypeDesign::new(&packed, n, p, None, true, true).unwrap(),
            PackedGenotypeDesign::from_segments(&packed, n.div_ceil(4), p, SampleSegment::runs(&runs), true, true)
                .unwrap(),
        ];
        for design in &designs {
            let m = design.n_samples();
            for magnitude in [1e-300, 1e-30, 1.0, 1e30, 1e300] {
                let v: Vec<f64> = (0..m)
                    .map(|i| magnitude * (i as f64 * 0.77).sin() * if i % 5 == 0 { 1e-12 } else { 1.0 })
                    .collect();
                let wanted = |j: usize| j != 2;
                let (mut approx, mut exact) = (vec![7.0; p], vec![7.0; p]);
                let (read, eps) = design.screening_gradient(&v, &mut approx, wanted);
                design.scaled_gradient(&v, &mut exact, wanted);
                assert_eq!(read, p - 1);
                assert_eq!(approx[2], 7.0, "unwanted entries are left alone");
                for j in (0..p).filter(|&j| j != 2) {
                    let err = (approx[j] - exact[j]).abs();
                    assert!(
                        err <= eps * design.entry_bound(j),
                        "{magnitude}: column {j}: {err} > {eps}·{}",
                        design.entry_bound(j)
                    );
                }
                assert_eq!(approx[4], 0.0, "a monomorphic column is dead");
                if screening_dot_available() && (1e-30..=1e30).contains(&magnitude) {
                    assert!(eps > 0.0 && eps < 1e-6 * magnitude, "{magnitude}: ε = {eps}");
                }
            }
        }
    }

    #[test]
    fn segments_read_in_place_equal_the_repacked_rows() {
        // 37 samples laid out as runs at bytes 0, 3 and 6 (slots after each run are padding)
        let (n_phys, p) = (40, 7);
        let dosages = Array2::from_shape_fn((n_phys, p), |(i, j)| ((i * (j + 5) + 2 * j) % 11 % 4) as u8);
        let packed = pack(&dosages);
        let runs = [(0usize, 10usize), (3, 9), (6, 14)];
        let rows: Vec<usize> = runs.iter().flat_map(|&(b, len)| 4 * b..4 * b + len).collect();
        let bytes_per_snp = n_phys.div_ceil(4);
        for (intercept, standardize) in [(true, true), (false, true), (true, false)] {
            let a = PackedGenotypeDesign::from_segments(
                &packed,
                bytes_per_snp,
                p,
                SampleSegment::runs(&runs),
                intercept,
                standardize,
            )
            .unwrap();
            let b = PackedGenotypeDesign::new(&packed, n_phys, p, Some(rows.clone()), intercept, standardize).unwrap();
            assert_eq!(a.n_samples(), rows.len());
            let v: Vec<f64> = (0..rows.len()).map(|i| (i as f64 * 0.43).sin()).collect();
            for j in 0..p {
                assert_eq!(a.is_live(j), b.is_live(j));
                assert!((a.curvature(j) - b.curvature(j)).abs() < 1e-14);
                assert!((a.dot(j, &v) - b.dot(j, &v)).abs() < 1e-12, "dot {j}");
                let (mut x, mut y) = (v.clone(), v.clone());
                a.axpy(j, -0.3, &mut x);
                b.axpy(j, -0.3, &mut y);
                assert!(x.iter().zip(&y).all(|(u, w)| (u - w).abs() < 1e-12), "axpy {j}");
                let others: Vec<usize> = (0..p).collect();
                let (ga, gb) = (a.gram_row(j, &others), b.gram_row(j, &others));
                assert!(ga.iter().zip(&gb).all(|(u, w)| (u - w).abs() < 1e-12), "gram {j}");
                let (mut ha, mut hb) = (vec![0.0; 20], vec![0.0; 20]);
                a.column_head(j, &mut ha);
                b.column_head(j, &mut hb);
                assert_eq!(ha, hb);
            }
        }
        let bad = SampleSegment::runs(&[(0, 10), (9, 9)]);
        assert!(PackedGenotypeDesign::from_segments(&packed, bytes_per_snp, p, bad, true, true).is_err());
    }

    #[test]
    fn a_column_subset_is_the_design_of_those_columns() {
        let (n, p) = (19, 8);
        let dosages = Array2::from_shape_fn((n, p), |(i, j)| ((i * (j + 2) + 3 * j) % 9 % 4) as u8);
        let packed = pack(&dosages);
        let columns = vec![1, 4, 5, 7];
        let sub = dosages.select(ndarray::Axis(1), &columns);
        let packed_sub = pack(&sub);
        let subset: Vec<usize> = (0..n).filter(|i| i % 4 != 2).collect();
        for rows in [None, Some(subset)] {
            let a = PackedGenotypeDesign::with_columns(&packed, n, p, rows.clone(), Some(columns.clone()), true, true)
                .unwrap();
            let b = PackedGenotypeDesign::new(&packed_sub, n, columns.len(), rows.clone(), true, true).unwrap();
            assert_eq!(a.n_features(), columns.len());
            let m = rows.as_ref().map_or(n, Vec::len);
            let v: Vec<f64> = (0..m).map(|i| (i as f64 * 0.37).cos()).collect();
            for j in 0..columns.len() {
                assert_eq!(a.dot(j, &v).to_bits(), b.dot(j, &v).to_bits(), "column {j}");
                assert_eq!(a.curvature(j).to_bits(), b.curvature(j).to_bits());
            }
        }
        for bad in [vec![2, 2], vec![3, 1], vec![0, 8]] {
            assert!(PackedGenotypeDesign::with_columns(&packed, n, p, None, Some(bad), true, true).is_err());
        }
    }

    #[test]
    fn matches_dense_design_on_decoded_values() {
        let n = 23;
        let p = 9;
        let dosages = Array2::from_shape_fn((n, p), |(i, j)| match j {
            0 => 1, // constant: dead with an intercept
            1 => 0, // all zero: dead either way
            2 => {
                if i % 5 == 0 {
                    3
                } else {
                    2
                }
            } // constant apart from missing: dead
            _ => ((i * (j + 3) + j) % 7 % 4) as u8, // 0, 1, 2 and missing (3)
        });
        let packed = pack(&dosages);
        let all: Vec<usize> = (0..n).collect();
        let subset: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
        for rows in [None, Some(subset.clone())] {
            let kept = rows.clone().unwrap_or_else(|| all.clone());
            let x = dense(&dosages, &kept);
            for (intercept, standardize) in [(true, true), (true, false), (false, true), (false, false)] {
                let g = PackedGenotypeDesign::new(&packed, n, p, rows.clone(), intercept, standardize).unwrap();
                let d = DenseDesign::new(x.view(), intercept, standardize).unwrap();
                let v: Vec<f64> = (0..kept.len()).map(|i| (i as f64 * 0.61).sin()).collect();
                for j in 0..p {
                    assert_eq!(g.is_live(j), d.is_live(j), "live {j} ({intercept}, {standardize})");
                    assert!((g.curvature(j) - d.curvature(j)).abs() < 1e-12);
                    assert!((g.dot(j, &v) - d.dot(j, &v)).abs() < 1e-12, "dot {j}");
                    let mut a = v.clone();
                    let mut b = v.clone();
                    g.axpy(j, 0.7, &mut a);
                    d.axpy(j, 0.7, &mut b);
                    assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-12), "axpy {j}");
                }
                assert!(!g.is_live(1));
                if intercept {
                    assert!(!g.is_live(0) && !g.is_live(2));
                }
            }
        }
    }

    /// Gram rows from code counts equal the dot products of decoded columns, with missing
    /// calls, a row subset and a sample count that is not a multiple of 32 (padding bits).
    #[test]
    fn gram_rows_match_decoded_dot_products() {
        // 75 samples: only the word loop; 700: two 256-sample blocks of the AVX-512 count too
        for n in [75, 700] {
            gram_rows_match_decoded_dot_products_at(n);
        }
    }

    fn gram_rows_match_decoded_dot_products_at(n: usize) {
        let p = 12;
        // SNPs 1..4 have no missing call (code 3 here is missing): their pairs take the
        // four-count path, pairs with the others the nine-count one
        let dosages = Array2::from_shape_fn((n, p), |(i, j)| match j {
            0 => 1,
            1..=4 => ((i * (j + 5) + 3 * j + i / 7) % 9 % 3) as u8,
            _ => ((i * (j + 5) + 3 * j + i / 7) % 9 % 4) as u8,
        });
        assert!((1..=4).all(|j| dosages.column(j).iter().all(|&d| d != 3)));
        assert!((5..p).all(|j| dosages.column(j).iter().any(|&d| d == 3)));
        let packed = pack(&dosages);
        let subset: Vec<usize> = (0..n).filter(|i| i % 4 != 2).collect();
        for rows in [None, Some(subset)] {
            for (intercept, standardize) in [(true, true), (false, true), (false, false)] {
                let g = PackedGenotypeDesign::new(&packed, n, p, rows.clone(), intercept, standardize).unwrap();
                let kept = g.n_samples();
                let others: Vec<usize> = (0..p).collect();
                for j in 0..p {
                    let out = g.gram_row(j, &others);
                    let mut xj = vec![0.0; kept];
                    g.axpy(j, 1.0, &mut xj);
                    for (&m, &entry) in others.iter().zip(&out) {
                        let expected = g.dot(m, &xj) / kept as f64;
                        assert!((entry - expected).abs() < 1e-12, "G[{j}][{m}] = {entry}, decoded {expected}");
                    }
                }
            }
        }
    }
}
