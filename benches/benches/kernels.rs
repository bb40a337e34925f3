//! Kernel benchmarks: the centered column dot product and axpy, every penalty's exact
//! one-dimensional minimizer, and one full coordinate-descent epoch over a dense design.
//! Throughput is reported in elements per second (vector entries, thresholded values, or
//! design entries per epoch).

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use regpath_benches::{Budget, Shape, penalties, penalty_label};
use regpath_solver::{DenseDesign, Design, ElasticNet, Lasso, Mcp, Penalty, PenaltySpec, Ridge, Scad};
use regpath_solver::{centered_axpy, centered_dot};

/// Vector lengths of the column kernels: in L1, in L2/L3, and from main memory.
const LENGTHS: [usize; 3] = [1_000, 100_000, 4_000_000];

/// Values thresholded per iteration of the penalty benchmarks.
const THRESHOLD_BATCH: usize = 4096;

/// Deterministic pseudo-random values in [-1, 1) (a small LCG: no dependency, no seeding).
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn column_kernels(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernels");
    Budget::KERNEL.apply(&mut group);
    for &n in &LENGTHS {
        let x = values(n, 1);
        let v = values(n, 2);
        let m = x.iter().sum::<f64>() / n as f64;
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("centered_dot", n), &n, |b, _| {
            b.iter(|| centered_dot(black_box(&x), black_box(m), black_box(&v)))
        });
        let mut w = v.clone();
        group.bench_with_input(BenchmarkId::new("centered_axpy", n), &n, |b, _| {
            // Alternating signs keep w bounded however many iterations run.
            let mut a = 1e-3;
            b.iter(|| {
                a = -a;
                centered_axpy(black_box(&x), black_box(m), black_box(a), black_box(&mut w));
            })
        });
    }
    group.finish();
}

/// Sum of `threshold(z, v, α)` over a batch (α = 1, z spread over [-4, 4] so that every
/// branch of MCP and SCAD is taken, curvatures in [1, 2)).
fn threshold_sum<P: Penalty>(pen: P, z: &[f64], v: &[f64]) -> f64 {
    z.iter().zip(v).map(|(&z, &v)| pen.threshold(z, v, 1.0)).sum()
}

fn thresholds(c: &mut Criterion) {
    let mut group = c.benchmark_group("threshold");
    Budget::KERNEL.apply(&mut group);
    group.throughput(Throughput::Elements(THRESHOLD_BATCH as u64));
    let z: Vec<f64> = values(THRESHOLD_BATCH, 3).iter().map(|u| 4.0 * u).collect();
    let v: Vec<f64> = values(THRESHOLD_BATCH, 4).iter().map(|u| 1.5 + 0.5 * u).collect();
    for spec in penalties() {
        let id = BenchmarkId::new(penalty_label(&spec), THRESHOLD_BATCH);
        group.bench_function(id, |b| match spec {
            PenaltySpec::Lasso => b.iter(|| threshold_sum(Lasso, black_box(&z), black_box(&v))),
            PenaltySpec::Ridge => b.iter(|| threshold_sum(Ridge, black_box(&z), black_box(&v))),
            PenaltySpec::Enet { l1_ratio } => {
                b.iter(|| threshold_sum(ElasticNet { l1_ratio }, black_box(&z), black_box(&v)))
            }
            PenaltySpec::Mcp { gamma } => b.iter(|| threshold_sum(Mcp { gamma }, black_box(&z), black_box(&v))),
            PenaltySpec::Scad { gamma } => b.iter(|| threshold_sum(Scad { gamma }, black_box(&z), black_box(&v))),
        });
    }
    group.finish();
}

/// Coordinate-descent state: working-scale coefficients and the residual `y − ȳ − X̃β`.
#[derive(Clone)]
struct CdState {
    beta: Vec<f64>,
    r: Vec<f64>,
}

/// One cyclic epoch over every live column: `z = v_j·β_j + x̃_jᵀr/n`, the penalty's exact
/// minimizer, and the residual update (skipped when the coefficient does not move).
fn epoch<D: Design, P: Penalty>(design: &D, pen: &P, alpha: f64, state: &mut CdState) {
    let inv_n = 1.0 / design.n_samples() as f64;
    for j in 0..design.n_features() {
        let v = design.curvature(j);
        if v <= 0.0 {
            continue;
        }
        let old = state.beta[j];
        let z = v * old + design.dot(j, &state.r) * inv_n;
        let new = pen.threshold(z, v, alpha);
        if new != old {
            design.axpy(j, old - new, &mut state.r);
            state.beta[j] = new;
        }
    }
}

fn bench_epoch<P: Penalty>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    design: &DenseDesign<'_>,
    y: &[f64],
    pen: P,
    label: &str,
    shape: &str,
) {
    let n = design.n_samples();
    let ybar = y.iter().sum::<f64>() / n as f64;
    let r0: Vec<f64> = y.iter().map(|v| v - ybar).collect();
    let mut grad = vec![0.0; design.n_features()];
    design.scaled_gradient(&r0, &mut grad, |_| true);
    let alpha_max = grad.iter().fold(0.0f64, |m, g| m.max(g.abs())) / pen.grid_factor();
    // A mid-path alpha, in the state reached after a few epochs from zero: the epoch that is
    // timed is a typical one, not the first.
    let alpha = 0.1 * alpha_max;
    let mut warm = CdState { beta: vec![0.0; design.n_features()], r: r0 };
    for _ in 0..5 {
        epoch(design, &pen, alpha, &mut warm);
    }
    c.bench_function(BenchmarkId::new(label, shape), |b| {
        b.iter_batched_ref(|| warm.clone(), |s| epoch(design, &pen, alpha, s), BatchSize::LargeInput)
    });
}

fn cd_epoch(c: &mut Criterion) {
    let shape = Shape::Equicorrelated { n: 500, p: 10_000 };
    let data = shape.generate();
    let design = DenseDesign::new(data.x.view(), true, true).expect("valid design");
    let (n, p) = shape.dims();
    let mut group = c.benchmark_group("cd_epoch");
    Budget::KERNEL.apply(&mut group);
    group.throughput(Throughput::Elements((n * p) as u64));
    let label = shape.label();
    for spec in penalties() {
        let name = penalty_label(&spec);
        match spec {
            PenaltySpec::Lasso => bench_epoch(&mut group, &design, &data.y, Lasso, &name, &label),
            PenaltySpec::Ridge => bench_epoch(&mut group, &design, &data.y, Ridge, &name, &label),
            PenaltySpec::Enet { l1_ratio } => {
                bench_epoch(&mut group, &design, &data.y, ElasticNet { l1_ratio }, &name, &label)
            }
            PenaltySpec::Mcp { gamma } => bench_epoch(&mut group, &design, &data.y, Mcp { gamma }, &name, &label),
            PenaltySpec::Scad { gamma } => bench_epoch(&mut group, &design, &data.y, Scad { gamma }, &name, &label),
        }
    }
    group.finish();
}

criterion_group!(benches, column_kernels, thresholds, cd_epoch);
criterion_main!(benches);
