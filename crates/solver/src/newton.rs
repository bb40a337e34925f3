//! Dense linear algebra behind the second-order steps: the cached Gram matrix of the features
//! the active-set Newton solver has used, and the n × n kernel for Ridge with p > n (both
//! factored by the one Cholesky of [`crate::cholesky`]).
//!
//! The active-set solver (`solver.rs`) minimises, on the support A with the coordinates on
//! fixed quadratic pieces of their penalties,
//!
//! ```text
//! f(t_A) = ‖ỹ − X̃_A t_A‖²/(2n) + Σ_a pen_a(t_a),   ∇²f = G_AA + diag(pen''_a),   G = X̃ᵀX̃/n,
//! ```
//!
//! factoring `∇²f` incrementally ([`crate::cholesky`]); the entries `G_ij = x̃_iᵀx̃_j/n` it
//! needs are cached here across steps and alphas, one materialised column and one dot product
//! per cached feature for each new feature.

use rayon::prelude::*;

use crate::design::Design;

/// Largest support handled by the active-set Newton solver. At this size the factor holds
/// 5,000² f64 (200 MB) and the Gram cache at most (1.25·5,000 + 512)² (≈ 360 MB); beyond it
/// coordinate descent carries on alone. 2,500 was too small for real cohorts of 2,500–5,000
/// samples (1000 Genomes has 2,504), whose Lasso supports pass 2,500 near the end of the grid.
pub const MAX_NEWTON_SUPPORT: usize = 5_000;

/// Cached Gram rows `x̃_iᵀx̃_j/n` for a growing set of features.
#[derive(Debug, Default)]
pub struct GramCache {
    /// Entries computed so far (each a dot product over the n samples).
    computed: u64,
    slot: Vec<u32>,
    members: Vec<usize>,
    rows: Vec<Vec<f64>>,
}

const ABSENT: u32 = u32::MAX;

impl GramCache {
    /// An empty cache for p features.
    pub fn new(p: usize) -> Self {
        GramCache { slot: vec![ABSENT; p], ..Default::default() }
    }

    /// Gram entries computed so far (each one dot product, or its popcount equivalent, over
    /// the n samples).
    pub fn entries_computed(&self) -> u64 {
        self.computed
    }

    /// Number of cached features.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether feature j is cached.
    pub fn contains(&self, j: usize) -> bool {
        self.slot[j] != ABSENT
    }

    /// Forgets every feature (when the cache would grow past its limit).
    pub fn clear(&mut self) {
        for &j in &self.members {
            self.slot[j] = ABSENT;
        }
        self.members.clear();
        self.rows.clear();
    }

    /// Keeps only the listed cached features (and their entries among themselves); the others
    /// are forgotten. Costs O(|keep|²) copies, no recomputation.
    pub fn retain(&mut self, keep: &[usize]) {
        let old_slots: Vec<usize> =
            keep.iter().filter(|&&j| self.slot[j] != ABSENT).map(|&j| self.slot[j] as usize).collect();
        let rows: Vec<Vec<f64>> =
            old_slots.iter().map(|&a| old_slots.iter().map(|&b| self.rows[a][b]).collect()).collect();
        let members: Vec<usize> = old_slots.iter().map(|&a| self.members[a]).collect();
        self.clear();
        for (slot, &j) in members.iter().enumerate() {
            self.slot[j] = slot as u32;
        }
        self.members = members;
        self.rows = rows;
    }

    /// Adds the features of `set` that are not cached yet, as one batch
    /// ([`Design::gram_rows`]: each cached column is read once for the whole batch).
    pub fn ensure<D: Design>(&mut self, design: &D, set: &[usize]) {
        let mut new: Vec<usize> = set.iter().copied().filter(|&j| self.slot[j] == ABSENT).collect();
        new.sort_unstable();
        new.dedup();
        if !new.is_empty() {
            self.insert_batch(design, &new);
        }
    }

    /// Inserts `new` (sorted, none cached): rows against the cached features, among the new
    /// ones, and the diagonal `v_j`.
    fn insert_batch<D: Design>(&mut self, design: &D, new: &[usize]) {
        self.computed += (new.len() * self.members.len() + new.len() * (new.len() - 1) / 2) as u64;
        let versus_cached = design.gram_rows(new, &self.members);
        let among_new = design.gram_rows(new, new);
        for (k, (&j, mut row)) in new.iter().zip(versus_cached).enumerate() {
            row.extend_from_slice(&among_new[k][..k]);
            row.push(design.curvature(j));
            for (existing, &g) in self.rows.iter_mut().zip(&row) {
                existing.push(g);
            }
            self.slot[j] = self.members.len() as u32;
            self.members.push(j);
            self.rows.push(row);
        }
    }

    /// The cache position of a cached feature (an index into every [`Self::row_of`] row).
    #[inline]
    pub fn slot(&self, j: usize) -> usize {
        debug_assert!(self.contains(j));
        self.slot[j] as usize
    }

    /// Gram row of a cached feature j, by cache position: `row_of(j)[slot(i)] = x̃_iᵀx̃_j/n`.
    #[inline]
    pub fn row_of(&self, j: usize) -> &[f64] {
        &self.rows[self.slot[j] as usize]
    }

    /// `x̃_iᵀx̃_j/n` for two cached features.
    #[inline]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.rows[self.slot[i] as usize][self.slot[j] as usize]
    }
}

/// Largest n for which ridge uses the n × n kernel (n² doubles are kept).
pub const MAX_KERNEL_SAMPLES: usize = 4_000;

/// Features decoded per block of [`kernel_matrix`] (`KERNEL_FEATURES·n` doubles of scratch).
const KERNEL_FEATURES: usize = 256;

/// Rows of `out` per matrix product (and per parallel task) of [`add_lower_gram`].
const GRAM_ROWS: usize = 96;

/// `out += A·Aᵀ` on the lower block triangle (A m × k with any strides, `out` m × m
/// row-major): for each block I of [`GRAM_ROWS`] rows, `out[I][0..end(I)] += A_I·A_{0..end(I)}ᵀ`
/// by ndarray's blocked `matrixmultiply`, the blocks in parallel. Entries right of each row
/// block's diagonal block are left as they were. Each entry is one product's sum over k in
/// the product's fixed order, so the result does not depend on the thread count.
pub(crate) fn add_lower_gram(a: ndarray::ArrayView2<'_, f64>, out: &mut [f64]) {
    use ndarray::{ArrayViewMut2, linalg::general_mat_mul, s};
    let m = a.nrows();
    debug_assert_eq!(out.len(), m * m);
    out.par_chunks_mut(GRAM_ROWS * m).enumerate().for_each(|(block, rows)| {
        let (start, count) = (block * GRAM_ROWS, rows.len() / m);
        let end = start + count;
        let mut rows = ArrayViewMut2::from_shape((count, m), rows).expect("block rows");
        let ai = a.slice(s![start..end, ..]);
        let aj = a.slice(s![..end, ..]);
        general_mat_mul(1.0, &ai, &aj.t(), 1.0, &mut rows.slice_mut(s![.., ..end]));
    });
}

/// The kernel `K = Σ_{j∈L} s_j·x̃_j x̃_jᵀ / n` (n × n, row-major) over the listed features L
/// with scales `s_j > 0` (the inverse penalty weights).
///
/// Features are taken in blocks B of [`KERNEL_FEATURES`]: the block's working-scale columns
/// `Z_c = √s_j·x̃_j` (c-th feature of B) are materialised as the rows of Z (|B| × n), and
/// `K += ZᵀZ` is computed on the lower block triangle by [`add_lower_gram`] (A = Zᵀ). The
/// upper triangle is mirrored at the end, so K is exactly symmetric. Each entry is summed
/// over the feature blocks in order, and within a block in the product's fixed order, so the
/// result does not depend on the thread count. The row-by-row rank-one updates this replaces ran at
/// about 12 GFlop/s and computed both triangles: at 1,000 × 10⁶ (a `.bed`, one thread) the
/// kernel took most of a 242 s ridge path.
pub fn kernel_matrix<D: Design>(design: &D, features: &[usize], scale: impl Fn(usize) -> f64) -> Vec<f64> {
    let n = design.n_samples();
    let mut kernel = vec![0.0; n * n];
    let mut block = vec![0.0; n * KERNEL_FEATURES.min(features.len())];
    for chunk in features.chunks(KERNEL_FEATURES) {
        let rows = &mut block[..chunk.len() * n];
        rows.iter_mut().for_each(|v| *v = 0.0);
        for (row, &j) in rows.chunks_mut(n).zip(chunk) {
            let s = scale(j);
            design.axpy(j, if s == 1.0 { 1.0 } else { s.sqrt() }, row);
        }
        let z = ndarray::ArrayView2::from_shape((chunk.len(), n), &*rows).expect("|B| × n block");
        add_lower_gram(z.t(), &mut kernel);
    }
    let inv_n = 1.0 / n as f64;
    for a in 0..n {
        for b in 0..a {
            let v = kernel[a * n + b] * inv_n;
            kernel[a * n + b] = v;
            kernel[b * n + a] = v;
        }
        kernel[a * n + a] *= inv_n;
    }
    kernel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batched_and_single_insertions_give_the_same_gram_entries() {
        let x = ndarray::Array2::from_shape_fn(ndarray::ShapeBuilder::f((40, 12)), |(i, j)| {
            ((i * 7 + j * 3) as f64 * 0.29).sin() + 0.1 * j as f64
        });
        let design = crate::design::DenseDesign::new(x.view(), true, true).unwrap();
        let (mut single, mut batched) = (GramCache::new(12), GramCache::new(12));
        single.ensure(&design, &[2, 7]);
        batched.ensure(&design, &[2, 7]);
        for j in [9, 0, 5, 11, 3] {
            single.ensure(&design, &[j]);
        }
        batched.ensure(&design, &[9, 0, 5, 11, 3, 9]);
        assert_eq!(batched.len(), 7, "duplicates in a batch are inserted once");
        for a in [2, 7, 9, 0, 5, 11, 3] {
            for b in [2, 7, 9, 0, 5, 11, 3] {
                let exact: f64 = (0..40)
                    .map(|i| {
                        let col = |j: usize| {
                            let c = x.column(j);
                            let m = c.mean().unwrap();
                            let s = (c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / 40.0).sqrt();
                            (c[i] - m) / s
                        };
                        col(a) * col(b)
                    })
                    .sum::<f64>()
                    / 40.0;
                assert!((batched.get(a, b) - exact).abs() < 1e-12, "G[{a}][{b}]");
                assert!((batched.get(a, b) - single.get(a, b)).abs() < 1e-14, "G[{a}][{b}]");
                assert_eq!(batched.get(a, b), batched.get(b, a), "symmetric");
            }
        }
    }

    #[test]
    fn retained_gram_entries_are_unchanged() {
        let x = ndarray::Array2::from_shape_fn(ndarray::ShapeBuilder::f((7, 5)), |(i, j)| {
            ((i * 5 + j) as f64 * 0.37).sin()
        });
        let design = crate::design::DenseDesign::new(x.view(), true, true).unwrap();
        let mut cache = GramCache::new(5);
        cache.ensure(&design, &[0, 1, 2, 3, 4]);
        let before: Vec<f64> = [(3, 1), (1, 1), (4, 3), (3, 4)].iter().map(|&(a, b)| cache.get(a, b)).collect();
        cache.retain(&[3, 1, 4]);
        assert_eq!(cache.len(), 3);
        assert!(!cache.contains(0) && !cache.contains(2) && cache.contains(4));
        let after: Vec<f64> = [(3, 1), (1, 1), (4, 3), (3, 4)].iter().map(|&(a, b)| cache.get(a, b)).collect();
        assert_eq!(before, after);
        cache.ensure(&design, &[0]);
        assert_eq!(cache.len(), 4);
    }

    /// The blocked kernel equals `Σ_j s_j x̃_j x̃_jᵀ/n` summed directly, is exactly symmetric,
    /// and does not depend on the thread count, with several feature blocks and a last row
    /// block shorter than the others.
    #[test]
    fn kernel_matrix_equals_the_direct_sum() {
        let (n, p) = (130, 2 * KERNEL_FEATURES + 37);
        let x = ndarray::Array2::from_shape_fn(ndarray::ShapeBuilder::f((n, p)), |(i, j)| {
            ((i * 13 + j * 7) as f64 * 0.173).sin() + 0.01 * (j % 5) as f64
        });
        let design = crate::design::DenseDesign::new(x.view(), true, true).unwrap();
        let features: Vec<usize> = (0..p).filter(|j| j % 11 != 3).collect();
        let scale = |j: usize| 0.5 + (j % 7) as f64 * 0.25;
        let kernel = kernel_matrix(&design, &features, scale);
        let mut column = vec![0.0; n];
        let mut direct = vec![0.0; n * n];
        for &j in &features {
            column.iter_mut().for_each(|v| *v = 0.0);
            design.axpy(j, 1.0, &mut column);
            for a in 0..n {
                for b in 0..n {
                    direct[a * n + b] += scale(j) * column[a] * column[b] / n as f64;
                }
            }
        }
        let largest = direct.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for a in 0..n {
            for b in 0..n {
                assert!((kernel[a * n + b] - direct[a * n + b]).abs() <= 1e-12 * largest, "K[{a}][{b}]");
                assert_eq!(kernel[a * n + b], kernel[b * n + a], "symmetric at ({a}, {b})");
            }
        }
        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        assert_eq!(one_thread.install(|| kernel_matrix(&design, &features, scale)), kernel);
    }
}
