//! Columns that are copies of one another on the working scale, `x̃_j = σ·x̃_k` with σ = ±1
//! (exact duplicates and allele flips of a SNP: perfect LD), found once per path.
//!
//! Real genotype data is not in general position: on GEMMA's mouse example about a fifth of
//! the polymorphic SNPs copy another one. Copies make the support Gram matrix singular (the
//! active-set Newton factor refuses them), let the Lasso support grow past n, and cost a full
//! pass each time they are read. For penalties without an L2 part (Lasso, MCP, SCAD) a group
//! `{k} ∪ D` of copies can be solved on its representative k alone and reported with the whole
//! coefficient on k and 0 on every copy:
//!
//! - the fit only sees `Σ_{j∈group} σ_j t_j`, and for the Lasso any split with signs agreeing
//!   has the same penalty, so the all-on-k split is optimal whenever the reduced solution is;
//! - for MCP and SCAD, pen is concave on each half-line, so concentrating the mass on one
//!   member never increases the penalty, and the point is stationary for the original
//!   problem: a copy at 0 has `|c_j| = |c_k| ≤ α` (the representative's own stationarity
//!   `c_k = pen'(t_k)` with `|pen'| ≤ α`), inside `∂pen(0) = [−α, α]`.
//!
//! A penalty with an L2 part has a unique, equal split and a non-singular Hessian, so it is
//! solved on every column. The certificate is always taken over the original columns: a copy
//! contributes the gradient `|c_j| ≤ |c_k| + δ_j·‖r‖₁/n`, where `δ_j = max_i |x̃_ij − σ x̃_ik|`
//! is measured when the copy is detected (0 for bit-identical working columns; rounding-level
//! for flips), so a copy that is merely rounding-close is still certified rigorously.
//!
//! Detection: the first 64 working values of each live column are sign-normalised (the first
//! entry above `1e-9·max` made positive), quantised to `2⁻²⁰·max` and hashed; only columns whose
//! heads collide are hashed whole the same way, columns with equal hashes are compared
//! exactly, and accepted as copies when `δ_j ≤ 1e-9·‖x̃_k‖_∞`. On continuous data this reads 64
//! rows per column; at worst one full pass over X. In parallel over fixed blocks (the result
//! does not depend on the thread count).

use rayon::prelude::*;

use crate::design::{Design, SCAN_BLOCK};

/// Largest accepted `max_i |x̃_ij − σ x̃_ik| / ‖x̃_k‖_∞` for a copy.
const COPY_TOLERANCE: f64 = 1e-9;
/// Quantisation step of the hash, relative to the largest magnitude hashed.
const HASH_STEP: f64 = 1.0 / (1u64 << 20) as f64;
/// Entries of the cheap first-stage signature.
const HEAD_ROWS: usize = 64;

/// A live column that copies a representative: `x̃_column ≈ sign·x̃_representative`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ColumnCopy {
    /// The copied column (0-based).
    pub column: usize,
    /// The representative it copies (the lowest index of its group).
    pub representative: usize,
    /// +1 for a duplicate, −1 for a flip.
    pub sign: f64,
    /// `δ = max_i |x̃_i,column − sign·x̃_i,representative|` (0 for an exact copy).
    pub deviation: f64,
}

/// Finds, among `live` (increasing column indices), every column that copies an earlier one.
/// The returned copies are sorted by column; their representatives are never copies.
pub fn find_copies<D: Design>(design: &D, live: &[usize]) -> Vec<ColumnCopy> {
    let n = design.n_samples();
    // stage 1: a signature of the first HEAD_ROWS entries of every column (cheap: continuous
    // data, where nothing is copied, stops here); stage 2: whole-column signatures for the
    // columns whose heads collide; stage 3: exact comparison within equal signatures
    let mut keyed = signatures(design, live, n.min(HEAD_ROWS));
    let candidates: Vec<usize> = colliding(&mut keyed).into_iter().flatten().collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut keyed = signatures(design, &candidates, n);
    let groups = colliding(&mut keyed);
    let mut copies: Vec<ColumnCopy> =
        groups.par_iter().flat_map_iter(|members| compare_group(design, members)).collect();
    copies.sort_unstable_by_key(|c| c.column);
    copies
}

/// `(signature of the first len working values, column)` for each listed column, in
/// parallel over fixed blocks ([`Design::column_head`]; len = n hashes the whole column).
fn signatures<D: Design>(design: &D, columns: &[usize], len: usize) -> Vec<(u64, usize)> {
    columns
        .par_chunks(SCAN_BLOCK)
        .flat_map_iter(|block| {
            let mut values = vec![0.0; len];
            block
                .iter()
                .map(move |&j| {
                    design.column_head(j, &mut values);
                    (signature(&values), j)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Sorts (signature, column) pairs and returns the groups (sorted columns) of equal
/// signatures with more than one member.
fn colliding(keyed: &mut [(u64, usize)]) -> Vec<Vec<usize>> {
    keyed.sort_unstable();
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=keyed.len() {
        if i == keyed.len() || keyed[i].0 != keyed[start].0 {
            if i - start > 1 {
                groups.push(keyed[start..i].iter().map(|&(_, j)| j).collect());
            }
            start = i;
        }
    }
    groups
}

/// Within one hash group (sorted by column), each column is compared with the group's
/// earlier representatives and becomes a copy of the first it matches.
fn compare_group<D: Design>(design: &D, members: &[usize]) -> Vec<ColumnCopy> {
    let n = design.n_samples();
    let mut representatives: Vec<(usize, Vec<f64>, f64)> = Vec::new();
    let mut copies = Vec::new();
    for &j in members {
        let column = materialise(design, j, n);
        let found = representatives.iter().find_map(|(k, rep, rep_max)| {
            let sign = orientation(rep, *rep_max) * orientation(&column, max_abs(&column));
            let deviation = column.iter().zip(rep).map(|(&a, &b)| (a - sign * b).abs()).fold(0.0, f64::max);
            (deviation <= COPY_TOLERANCE * rep_max).then_some(ColumnCopy {
                column: j,
                representative: *k,
                sign,
                deviation,
            })
        });
        match found {
            Some(copy) => copies.push(copy),
            None => {
                let m = max_abs(&column);
                representatives.push((j, column, m));
            }
        }
    }
    copies
}

/// The working column `x̃_j` as a dense vector.
fn materialise<D: Design>(design: &D, j: usize, n: usize) -> Vec<f64> {
    let mut column = vec![0.0; n];
    design.column_head(j, &mut column);
    column
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0f64, |m, &x| m.max(x.abs()))
}

/// The sign of the first entry above `COPY_TOLERANCE·‖v‖_∞` (1 for a zero vector).
fn orientation(v: &[f64], max: f64) -> f64 {
    let floor = COPY_TOLERANCE * max;
    v.iter().find(|x| x.abs() > floor).map_or(1.0, |&x| if x < 0.0 { -1.0 } else { 1.0 })
}

/// A hash of the sign-normalised values quantised to `HASH_STEP·max|v|`: equal for exact
/// copies and flips (up to values within rounding of a quantisation boundary, which only costs
/// a missed merge).
fn signature(values: &[f64]) -> u64 {
    let max = max_abs(values);
    let scale = orientation(values, max) / (HASH_STEP * max.max(f64::MIN_POSITIVE));
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &v in values {
        let q = (v * scale).round() as i64 as u64;
        hash = (hash.rotate_left(5) ^ q).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    hash
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;
    use crate::design::DenseDesign;

    #[test]
    fn finds_duplicates_and_flips_but_not_near_copies() {
        let n = 50;
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) % 3) as f64
        };
        let base: Vec<Vec<f64>> = (0..4).map(|_| (0..n).map(|_| next()).collect()).collect();
        // columns: 0 base0, 1 base1, 2 = base0, 3 = 2 − base1 (flip), 4 base2, 5 = base0 + 1e-3 on one row,
        // 6 = 3·base2 + 5 (a copy after standardization), 7 base3
        let cols: Vec<Vec<f64>> = vec![
            base[0].clone(),
            base[1].clone(),
            base[0].clone(),
            base[1].iter().map(|g| 2.0 - g).collect(),
            base[2].clone(),
            base[0].iter().enumerate().map(|(i, g)| if i == 3 { g + 1e-3 } else { *g }).collect(),
            base[2].iter().map(|g| 3.0 * g + 5.0).collect(),
            base[3].clone(),
        ];
        let x = Array2::from_shape_fn((n, cols.len()).f(), |(i, j)| cols[j][i]);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let live: Vec<usize> = (0..cols.len()).collect();
        let copies = find_copies(&design, &live);
        let found: Vec<(usize, usize, f64)> = copies.iter().map(|c| (c.column, c.representative, c.sign)).collect();
        assert_eq!(found, vec![(2, 0, 1.0), (3, 1, -1.0), (6, 4, 1.0)]);
        assert_eq!(copies[0].deviation, 0.0, "a bit-identical copy has no deviation");
        assert!(copies.iter().all(|c| c.deviation <= 1e-12));
        // without standardization, the scaled copy is no longer a copy
        let raw = DenseDesign::new(x.view(), true, false).unwrap();
        let found: Vec<usize> = find_copies(&raw, &live).iter().map(|c| c.column).collect();
        assert_eq!(found, vec![2, 3]);
    }

    #[test]
    fn does_not_depend_on_the_thread_count() {
        let n = 30;
        let p = 3 * SCAN_BLOCK + 17;
        let x = Array2::from_shape_fn((n, p).f(), |(i, j)| ((i * 7 + (j % 97) * 13) % 5) as f64);
        let design = DenseDesign::new(x.view(), true, true).unwrap();
        let live: Vec<usize> = (0..p).filter(|&j| design.is_live(j)).collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| find_copies(&design, &live))
        };
        let one = run(1);
        assert!(one.len() > p / 2, "columns repeat with period 97: {} copies", one.len());
        assert_eq!(one, run(3));
    }
}
