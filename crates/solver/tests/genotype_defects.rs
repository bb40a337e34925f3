//! Real genotypes are not in general position. These problems have what real filesets have —
//! exact duplicate and allele-flipped SNPs (perfect LD), monomorphic SNPs, missing calls,
//! haplotype blocks whose columns span only a few dimensions (exact linear dependencies beyond
//! copies, as in mice descended from a few founder strains), and Lasso supports that would
//! run past n — and every penalty must certify every alpha of the default grid, on the packed
//! `.bed` design and on the dense, mean-imputed matrix, recomputed independently.

mod common;

use common::*;
use ndarray::{Array2, ShapeBuilder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regpath_solver::{AlphaGrid, Design, PackedGenotypeDesign, PathOptions, PenaltySpec};

/// Dosages (3 = missing) of `n` samples whose two haplotypes in each block of `block` SNPs are
/// copies of one of `founders` founder haplotypes: every SNP of a block is a function of the
/// founder pair, so a block's columns span at most `founders·(founders+1)/2` dimensions, many
/// SNPs are exact copies or flips (complementary founder patterns give 2 − g) and some are
/// monomorphic. `missing` is the share of samples whose calls fail in a block.
struct FounderMosaic {
    dosages: Array2<u8>,
}

impl FounderMosaic {
    fn new(n: usize, p: usize, block: usize, founders: usize, missing: f64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut dosages = Array2::<u8>::zeros((n, p));
        for start in (0..p).step_by(block) {
            let haplotypes: Vec<(usize, usize)> =
                (0..n).map(|_| (rng.random_range(0..founders), rng.random_range(0..founders))).collect();
            // a sample's calls fail for a whole block (as a failed region does), so copies
            // within a block keep identical missing patterns
            let failed: Vec<bool> = (0..n).map(|_| rng.random_bool(missing)).collect();
            for j in start..(start + block).min(p) {
                let pattern: Vec<u8> = (0..founders).map(|_| u8::from(rng.random_bool(0.4))).collect();
                for (i, &(a, b)) in haplotypes.iter().enumerate() {
                    dosages[(i, j)] = if failed[i] { 3 } else { pattern[a] + pattern[b] };
                }
            }
        }
        FounderMosaic { dosages }
    }

    /// PLINK SNP-major bytes (00 → 2, 01 → missing, 10 → 1, 11 → 0).
    fn packed(&self) -> Vec<u8> {
        let (n, p) = self.dosages.dim();
        let bps = n.div_ceil(4);
        let mut out = vec![0u8; bps * p];
        for j in 0..p {
            for i in 0..n {
                let code = match self.dosages[(i, j)] {
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

    /// The dense matrix the packed design stands for: missing calls imputed with the SNP mean.
    fn dense(&self) -> Array2<f64> {
        let (n, p) = self.dosages.dim();
        let mut x = Array2::<f64>::zeros((n, p).f());
        for j in 0..p {
            let observed: Vec<f64> = (0..n).map(|i| self.dosages[(i, j)]).filter(|&d| d != 3).map(f64::from).collect();
            let mean = if observed.is_empty() { 0.0 } else { observed.iter().sum::<f64>() / observed.len() as f64 };
            for i in 0..n {
                let d = self.dosages[(i, j)];
                x[(i, j)] = if d == 3 { mean } else { f64::from(d) };
            }
        }
        x
    }
}

/// y from a few causal SNPs plus noise.
fn phenotype(x: &Array2<f64>, causal: &[usize], seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..x.nrows()).map(|i| causal.iter().map(|&j| x[(i, j)]).sum::<f64>() + rng.random_range(-1.0..1.0)).collect()
}

/// Fits on the packed design, checks every point against the dense recomputation and returns
/// the points and the largest epoch count of any alpha.
fn check_packed(mosaic: &FounderMosaic, y: &[f64], spec: PenaltySpec, opts: &PathOptions) -> (Vec<Fitted>, usize) {
    let (n, p) = mosaic.dosages.dim();
    let packed = mosaic.packed();
    let design = PackedGenotypeDesign::new(&packed, n, p, None, true, true).unwrap();
    let x = mosaic.dense();
    let (points, _, max_epochs) = fit_design(&design, y, spec, opts);
    for (k, pt) in points.iter().enumerate() {
        let (obj, cert, _) = reference_certificate(&x, y, spec, true, true, pt);
        assert!(pt.converged, "{spec:?} alpha {k}: not certified (reported {})", pt.certificate);
        assert!(cert <= opts.tol * 1.01 + 1e-12, "{spec:?} alpha {k}: recomputed certificate {cert}");
        assert!((obj - pt.objective).abs() <= 1e-9 * null_objective(y), "{spec:?} alpha {k}: objective");
    }
    (points, max_epochs)
}

/// Column j equals ±column k after centering and scaling.
fn copies_of_earlier_columns(x: &Array2<f64>) -> Vec<usize> {
    let (n, p) = x.dim();
    let standardized: Vec<Vec<f64>> = (0..p)
        .map(|j| {
            let m = x.column(j).sum() / n as f64;
            let s = (x.column(j).iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n as f64).sqrt();
            x.column(j).iter().map(|v| if s > 0.0 { (v - m) / s } else { 0.0 }).collect()
        })
        .collect();
    let same = |a: &[f64], b: &[f64], sign: f64| a.iter().zip(b).all(|(u, v)| (u - sign * v).abs() < 1e-9);
    (0..p)
        .filter(|&j| {
            standardized[j].iter().any(|v| *v != 0.0)
                && (0..j).any(|k| {
                    same(&standardized[j], &standardized[k], 1.0) || same(&standardized[j], &standardized[k], -1.0)
                })
        })
        .collect()
}

#[test]
fn founder_mosaic_has_the_defects_it_is_meant_to_have() {
    let mosaic = FounderMosaic::new(90, 240, 40, 4, 0.02, 11);
    let x = mosaic.dense();
    let copies = copies_of_earlier_columns(&x);
    assert!(copies.len() > 60, "only {} copied columns", copies.len());
    let monomorphic =
        (0..240).filter(|&j| mosaic.dosages.column(j).iter().all(|&d| d == 3 || d == mosaic.dosages[(0, j)])).count();
    assert!(monomorphic > 5, "only {monomorphic} monomorphic columns");
    let missing = mosaic.dosages.iter().filter(|&&d| d == 3).count() as f64 / (90.0 * 240.0);
    assert!((0.01..0.03).contains(&missing), "missing share {missing}");
}

#[test]
fn every_penalty_certifies_the_default_grid_on_founder_mosaics() {
    // 6 blocks of 4 founders: rank ≤ 60 < n = 100, so the path saturates long before 1e-3
    let mosaic = FounderMosaic::new(100, 240, 40, 4, 0.02, 5);
    let x = mosaic.dense();
    let y = phenotype(&x, &[3, 57, 130, 201], 9);
    let opts = options(100);
    for spec in all_penalties() {
        let (points, max_epochs) = check_packed(&mosaic, &y, spec, &opts);
        assert!(max_epochs < opts.max_epochs / 10, "{spec:?}: an alpha took {max_epochs} epochs");
        if !matches!(spec, PenaltySpec::Ridge | PenaltySpec::Enet { .. }) {
            // copies are reported at 0: their representative carries the coefficient
            let copies = copies_of_earlier_columns(&x);
            for pt in &points {
                assert!(copies.iter().all(|&j| pt.beta[j] == 0.0), "{spec:?}: a copied column is nonzero");
            }
        }
    }
}

#[test]
fn lasso_past_n_with_duplicates_certifies_with_and_without_merging() {
    // p ≫ n with every SNP duplicated three times: without merging, supports run past n
    let mosaic = FounderMosaic::new(60, 150, 15, 6, 0.0, 21);
    let base = mosaic.dense();
    let x = Array2::from_shape_fn((60, 450).f(), |(i, j)| base[(i, j % 150)]);
    let y = phenotype(&base, &[4, 77, 140], 3);
    let merged = PathOptions { grid: AlphaGrid::Geometric { n_alphas: 60, eps: 1e-3 }, ..PathOptions::default() };
    let unmerged = PathOptions { merge_copies: false, ..merged.clone() };
    let design = regpath_solver::DenseDesign::new(x.view(), true, true).unwrap();
    assert_eq!(design.n_features(), 450);
    let (a, _) = fit(&x, &y, PenaltySpec::Lasso, true, true, &merged);
    let (b, _) = fit(&x, &y, PenaltySpec::Lasso, true, true, &unmerged);
    for (k, (pa, pb)) in a.iter().zip(&b).enumerate() {
        for pt in [pa, pb] {
            let (obj, cert, _) = reference_certificate(&x, &y, PenaltySpec::Lasso, true, true, pt);
            assert!(pt.converged && cert <= 1.01e-6, "alpha {k}: certificate {cert}");
            assert!((obj - pt.objective).abs() <= 1e-10 * null_objective(&y));
        }
        // the same objective (to the tolerance), the merged one on a third of the columns
        assert!((pa.objective - pb.objective).abs() <= 2e-6 * null_objective(&y), "alpha {k}");
        assert!(pa.beta[150..].iter().all(|&v| v == 0.0), "merged copies stay at 0");
    }
}

#[test]
fn near_collinear_columns_do_not_stall_the_solver() {
    // pairs with |r| > 0.99 but not copies: a SNP and the same SNP with a few calls changed
    let mosaic = FounderMosaic::new(150, 120, 30, 5, 0.01, 8);
    let base = mosaic.dense();
    let x = Array2::from_shape_fn((150, 240).f(), |(i, j)| {
        let v = base[(i, j % 120)];
        if j >= 120 && i % 50 == j % 50 { (v + 1.0) % 3.0 } else { v }
    });
    let y = phenotype(&base, &[10, 50, 90], 4);
    let opts = options(100);
    for spec in all_penalties() {
        let (points, _) = fit(&x, &y, spec, true, true, &opts);
        for (k, pt) in points.iter().enumerate() {
            let (_, cert, _) = reference_certificate(&x, &y, spec, true, true, pt);
            assert!(pt.converged && cert <= 1.01e-6, "{spec:?} alpha {k}: certificate {cert}");
        }
    }
}

/// Case/control labels: 1 where the score is above its median.
fn above_the_median(score: &[f64]) -> Vec<f64> {
    let mut sorted = score.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    score.iter().map(|&s| f64::from(u8::from(s > median))).collect()
}

/// The logistic datafit reads a packed design in place (packed dot products and weighted
/// axpys in its Newton models' sweeps, `Design::packed_columns`): every penalty's path on the
/// packed `.bed` design, whole and as byte-aligned sample runs (the CV fold layout), equals
/// the path on the dense, mean-imputed matrix of the same samples: same supports, and
/// objectives within the certificates' reach (both ≤ tol·P(0) from the optimum).
#[test]
fn logistic_paths_on_packed_genotypes_equal_the_dense_matrix() {
    let mosaic = FounderMosaic::new(160, 200, 20, 6, 0.02, 41);
    let x = mosaic.dense();
    let score = phenotype(&x, &[4, 77, 150], 3);
    let labels = above_the_median(&score);
    let opts = PathOptions {
        datafit: regpath_solver::DatafitKind::Logistic,
        tol: 1e-8,
        grid: AlphaGrid::Geometric { n_alphas: 30, eps: 0.05 },
        ..PathOptions::default()
    };
    let (n, p) = mosaic.dosages.dim();
    let packed = mosaic.packed();
    // rows 0..64 and 96..160: two runs of whole bytes, skipping bytes 16..24
    let kept: Vec<usize> = (0..64).chain(96..160).collect();
    let runs = regpath_solver::SampleSegment::runs(&[(0, 64), (24, 64)]);
    // missing calls of the runs are imputed with the mean over the runs' samples
    let x_kept = FounderMosaic { dosages: mosaic.dosages.select(ndarray::Axis(0), &kept) }.dense();
    let y_kept: Vec<f64> = kept.iter().map(|&i| labels[i]).collect();
    let whole = PackedGenotypeDesign::new(&packed, n, p, None, true, true).unwrap();
    let runs_design = PackedGenotypeDesign::from_segments(&packed, n.div_ceil(4), p, runs, true, true).unwrap();
    let dense_whole = regpath_solver::DenseDesign::new(x.view(), true, true).unwrap();
    let dense_kept = regpath_solver::DenseDesign::new(x_kept.view(), true, true).unwrap();
    for spec in all_penalties() {
        let same = |case: &str, on_packed: Vec<Fitted>, on_dense: Vec<Fitted>| {
            assert_eq!(on_packed.len(), on_dense.len(), "{spec:?}, {case}: path lengths");
            for (k, (a, b)) in on_packed.iter().zip(&on_dense).enumerate() {
                assert!(
                    a.converged && b.converged,
                    "{spec:?}, {case}, alpha {k}: not certified (packed {} {}, dense {} {})",
                    a.converged,
                    a.certificate,
                    b.converged,
                    b.certificate
                );
                assert!(
                    (a.objective - b.objective).abs() <= 4.0 * opts.tol * std::f64::consts::LN_2,
                    "{spec:?}, {case}, alpha {k}: objective {} (packed) vs {} (dense)",
                    a.objective,
                    b.objective
                );
                assert_eq!(a.nnz, b.nnz, "{spec:?}, {case}, alpha {k}: nnz");
            }
        };
        same(
            "all samples",
            fit_design(&whole, &labels, spec, &opts).0,
            fit_design(&dense_whole, &labels, spec, &opts).0,
        );
        same(
            "two runs",
            fit_design(&runs_design, &y_kept, spec, &opts).0,
            fit_design(&dense_kept, &y_kept, spec, &opts).0,
        );
    }
}

/// The logistic Newton models' sweeps on packed genotypes run in single precision, on the
/// correction `u = r − q` only (the gradient at r stays exact): certificates far below f32's
/// resolution are still reached, and the objectives equal the dense (f64) matrix's. With the
/// model residual q itself in f32 the gradients would carry errors of ~1e-7 of ‖r‖, which a
/// 1e-9 gap cannot absorb (measured: certificate 1.3e-9 at the third alpha).
#[test]
fn logistic_sweeps_in_single_precision_reach_tight_certificates() {
    let mosaic = FounderMosaic::new(1024, 240, 20, 6, 0.02, 43);
    let x = mosaic.dense();
    let score = phenotype(&x, &[3, 60, 120, 200], 3);
    let labels = above_the_median(&score);
    let opts = PathOptions {
        datafit: regpath_solver::DatafitKind::Logistic,
        tol: 1e-9,
        grid: AlphaGrid::Geometric { n_alphas: 25, eps: 0.02 },
        ..PathOptions::default()
    };
    let (n, p) = mosaic.dosages.dim();
    let packed = mosaic.packed();
    let design = PackedGenotypeDesign::new(&packed, n, p, None, true, true).unwrap();
    let dense = regpath_solver::DenseDesign::new(x.view(), true, true).unwrap();
    for spec in [PenaltySpec::Lasso, PenaltySpec::Mcp { gamma: 3.0 }] {
        let on_packed = fit_design(&design, &labels, spec, &opts).0;
        let on_dense = fit_design(&dense, &labels, spec, &opts).0;
        assert_eq!(on_packed.len(), on_dense.len(), "{spec:?}: path lengths");
        for (k, (a, b)) in on_packed.iter().zip(&on_dense).enumerate() {
            assert!(a.converged && a.certificate <= opts.tol, "{spec:?}, alpha {k}: certificate {}", a.certificate);
            assert!(
                (a.objective - b.objective).abs() <= 4.0 * opts.tol * std::f64::consts::LN_2,
                "{spec:?}, alpha {k}: objective {} (packed) vs {} (dense)",
                a.objective,
                b.objective
            );
        }
    }
}
