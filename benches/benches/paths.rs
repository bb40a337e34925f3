//! Whole 100-alpha paths for each penalty on several shapes (default options: warm starts,
//! every screening technique, tolerance 1e-6), and the same paths with warm starts and each
//! screening technique switched off, so that each technique's effect is visible.
//!
//! Shapes and variants are listed in `regpath_benches` (`path_cases`, `technique_cases`,
//! `variants`). Before timing, every path is fitted once to record its convergence, worst
//! certificate and number of full passes over X (joined to the timings by `zz_summary`).

use std::ops::ControlFlow;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, criterion_group, criterion_main, measurement::WallTime};
use regpath_benches::{
    Budget, Data, PathCase, PathFacts, TechniqueCase, Variant, default_variant, init, path_cases, penalty_label,
    technique_cases, variants,
};
use regpath_solver::{DenseDesign, PathSummary, PenaltySpec, fit_path_spec};

/// Fits one path, returning its summary, worst certificate and total epochs.
fn fit(
    design: &DenseDesign<'_>,
    y: &[f64],
    spec: PenaltySpec,
    eps: f64,
    variant: &Variant,
) -> (PathSummary, f64, usize) {
    let options = regpath_benches::path_options(eps, variant);
    let mut worst = 0.0f64;
    let mut epochs = 0;
    let summary = fit_path_spec(design, y, spec, &options, |pt| {
        worst = worst.max(pt.certificate);
        epochs += pt.epochs;
        ControlFlow::Continue(())
    })
    .expect("benchmark path fits");
    (summary, worst, epochs)
}

/// Benchmarks one (case, penalty, variant) in `group` under `function/parameter`.
fn bench_one(
    group: &mut BenchmarkGroup<'_, WallTime>,
    group_name: &str,
    function: &str,
    case: &PathCase,
    data: &Data,
    spec: PenaltySpec,
    variant: &Variant,
) {
    let design = DenseDesign::new(data.x.view(), true, true).expect("valid design");
    let parameter = case.label();
    let id = BenchmarkId::new(function, &parameter);
    let full_id = format!("{group_name}/{function}/{parameter}");
    if !filter_matches(&full_id) {
        return;
    }
    let (summary, worst, epochs) = fit(&design, &data.y, spec, case.eps, variant);
    eprintln!("{full_id}: one untimed fit took {:.3} s, {:.1} full passes over X", summary.time_s, summary.scan_passes);
    PathFacts::new(full_id, case.shape.dims(), &summary, worst, epochs).record();
    group.bench_function(id, |b| b.iter(|| fit(&design, &data.y, spec, case.eps, variant)));
}

/// Whether the benchmark filter given on the command line (if any) can select this id, so
/// that `cargo bench -- kernels` does not generate data and fit paths it will not time.
/// Criterion's filter is a regular expression; a plain substring test is used here, and any
/// filter with regex metacharacters is treated as matching everything.
fn filter_matches(full_id: &str) -> bool {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut filter = None;
    let mut skip_next = false;
    for (i, a) in args.iter().enumerate() {
        if skip_next {
            skip_next = false;
            continue;
        }
        if a.starts_with("--") {
            // Options of criterion that take a value.
            skip_next = matches!(
                a.as_str(),
                "--save-baseline"
                    | "--baseline"
                    | "--baseline-lenient"
                    | "--load-baseline"
                    | "--sample-size"
                    | "--warm-up-time"
                    | "--measurement-time"
                    | "--nresamples"
                    | "--noise-threshold"
                    | "--confidence-level"
                    | "--significance-level"
                    | "--profile-time"
                    | "--plotting-backend"
                    | "--output-format"
                    | "--color"
                    | "--format"
            ) && i + 1 < args.len();
            continue;
        }
        filter = Some(a.clone());
    }
    match filter {
        None => true,
        Some(f) if f.chars().any(|c| "\\.^$|?*+()[]{}".contains(c)) => true,
        Some(f) => full_id.contains(&f),
    }
}

fn paths(c: &mut Criterion) {
    init();
    let mut group = c.benchmark_group("path");
    Budget::PATH.apply(&mut group);
    let variant = default_variant();
    for case in path_cases() {
        let wanted: Vec<PenaltySpec> = case
            .penalties
            .iter()
            .copied()
            .filter(|s| filter_matches(&format!("path/{}/{}", penalty_label(s), case.label())))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let data = case.shape.generate();
        for spec in wanted {
            bench_one(&mut group, "path", &penalty_label(&spec), &case, &data, spec, &variant);
        }
    }
    group.finish();
}

fn techniques(c: &mut Criterion) {
    init();
    let mut group = c.benchmark_group("technique");
    Budget::PATH.apply(&mut group);
    for TechniqueCase { case, cold } in technique_cases() {
        let mut data = None;
        for spec in &case.penalties {
            for variant in variants().into_iter().filter(|v| cold || v.warm_start) {
                let function = format!("{}_{}", penalty_label(spec), variant.name);
                if !filter_matches(&format!("technique/{function}/{}", case.label())) {
                    continue;
                }
                let data = data.get_or_insert_with(|| case.shape.generate());
                bench_one(&mut group, "technique", &function, &case, data, *spec, &variant);
            }
        }
    }
    group.finish();
}

criterion_group!(benches, paths, techniques);
criterion_main!(benches);
