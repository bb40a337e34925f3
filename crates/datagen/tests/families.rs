//! The synthetic families: shapes, determinism (seed, thread count) and statistical signatures.

use ndarray::{Array2, ArrayView1};
use regpath_datagen::families::genotype::GenotypeModel;
use regpath_datagen::{FamilySpec, Synthetic, generate};

fn corr(a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    let (ma, mb) = (a.mean().unwrap(), b.mean().unwrap());
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

fn is_fortran(x: &Array2<f64>) -> bool {
    x.t().is_standard_layout()
}

fn all_families(n: usize, p: usize) -> Vec<FamilySpec> {
    vec![
        FamilySpec::Uniform { n, p },
        FamilySpec::Equicorrelated { n, p, rho: 0.5, snr: 3.0 },
        FamilySpec::Toeplitz { n, p, rho: 0.5, k: 3, snr: 3.0 },
        FamilySpec::Genotype {
            n,
            p,
            k: 3,
            h2: 0.5,
            maf_min: 0.05,
            maf_max: 0.5,
            block_size: 7,
            ld: 0.9,
            dup_frac: 0.0,
            flip_frac: 0.0,
            mono_frac: 0.0,
            missing_rate: 0.0,
            prevalence: None,
            survival: false,
            censoring: None,
        },
        FamilySpec::SparseX { n, p, density: 0.3, k: 3, snr: 3.0 },
    ]
}

fn same(a: &Synthetic, b: &Synthetic) -> bool {
    a.x == b.x && a.y == b.y && a.beta == b.beta && a.snr == b.snr
}

#[test]
fn shapes_and_layout() {
    for spec in all_families(30, 45) {
        let d = generate(&spec, 1).unwrap();
        assert_eq!(d.x.dim(), (30, 45), "{}", spec.name());
        assert_eq!(d.y.len(), 30);
        assert_eq!(d.beta.len(), 45);
        assert!(is_fortran(&d.x), "{} must be column-major", spec.name());
        assert!(d.snr > 0.0 && d.sigma > 0.0);
        assert!(d.x.iter().chain(&d.y).all(|v| v.is_finite()));
    }
}

#[test]
fn deterministic_in_seed_and_thread_count() {
    for spec in all_families(40, 64) {
        let a = in_pool(1, || generate(&spec, 7).unwrap());
        let b = in_pool(2, || generate(&spec, 7).unwrap());
        let c = in_pool(3, || generate(&spec, 7).unwrap());
        assert!(same(&a, &b) && same(&a, &c), "{}: thread count changed the data", spec.name());
        let d = generate(&spec, 8).unwrap();
        assert!(a.x != d.x && a.y != d.y, "{}: seed did not change the data", spec.name());
    }
}

/// FNV-1a over the bit patterns: a fingerprint of the exact bytes.
fn fingerprint(values: impl IntoIterator<Item = f64>) -> u64 {
    values.into_iter().fold(0xcbf29ce484222325u64, |h, v| {
        v.to_bits().to_le_bytes().iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100000001b3))
    })
}

/// Guards "the same bytes on any machine": a change of random streams, algorithm or crate
/// version shows up here. Update the constants only on purpose (and say so in the changelog).
#[test]
fn golden_fingerprints() {
    let got: Vec<u64> = all_families(9, 11)
        .iter()
        .map(|s| {
            let d = generate(s, 2024).unwrap();
            fingerprint(d.x.iter().chain(&d.y).chain(&d.beta).copied())
        })
        .collect();
    let expected: Vec<u64> = GOLDEN.to_vec();
    assert_eq!(got, expected, "fingerprints changed: {got:#x?}");
}

const GOLDEN: [u64; 5] =
    [3024543928376883430, 11666298647955408828, 14251510712161034570, 1877393380457702694, 13895529207344309350];

#[test]
fn uniform_signature() {
    let d = generate(&FamilySpec::Uniform { n: 4000, p: 3 }, 3).unwrap();
    assert!(d.x.iter().all(|&v| (0.0..1.0).contains(&v)));
    assert_eq!(d.beta.to_vec(), vec![2.0, 3.0, 0.0]);
    assert_eq!(d.sigma, 1.0);
    let resid = &d.y - &d.x.dot(&d.beta);
    let var = resid.var(0.0);
    assert!((var - 1.0).abs() < 0.1, "noise variance {var}");
    // Var(2U + 3U') = 13/12; realized SNR near 13/12.
    assert!((d.snr - 13.0 / 12.0).abs() < 0.15, "snr {}", d.snr);
    for j in 0..3 {
        let m = d.x.column(j).mean().unwrap();
        assert!((m - 0.5).abs() < 0.03);
    }
}

#[test]
fn equicorrelated_signature() {
    let spec = FamilySpec::Equicorrelated { n: 5000, p: 8, rho: 0.5, snr: 3.0 };
    let d = generate(&spec, 11).unwrap();
    for i in 0..8 {
        for j in (i + 1)..8 {
            let r = corr(d.x.column(i), d.x.column(j));
            assert!((r - 0.5).abs() < 0.06, "corr({i},{j}) = {r}");
        }
    }
    assert_eq!(d.beta[0], -1.0);
    assert!((d.beta[1] - (-0.1f64).exp()).abs() < 1e-15);
    assert!((d.beta[2] + (-0.2f64).exp()).abs() < 1e-15);
    assert!((d.snr - 3.0).abs() < 0.3, "snr {}", d.snr);
    let signal = d.x.dot(&d.beta);
    let noise_var = (&d.y - &signal).var(0.0);
    assert!((signal.var(0.0) / noise_var - d.snr).abs() < 1e-9);
}

#[test]
fn toeplitz_signature() {
    let spec = FamilySpec::Toeplitz { n: 5000, p: 30, rho: 0.6, k: 4, snr: 2.0 };
    let d = generate(&spec, 5).unwrap();
    for lag in [1usize, 2, 3, 6] {
        let want = 0.6f64.powi(lag as i32);
        let mean: f64 =
            (0..30 - lag).map(|j| corr(d.x.column(j), d.x.column(j + lag))).sum::<f64>() / (30 - lag) as f64;
        assert!((mean - want).abs() < 0.03, "lag {lag}: {mean} vs {want}");
    }
    for j in [0, 15, 29] {
        let v = d.x.column(j).var(0.0);
        assert!((v - 1.0).abs() < 0.08, "column {j} variance {v}");
    }
    let nz: Vec<f64> = d.beta.iter().copied().filter(|b| *b != 0.0).collect();
    assert_eq!(nz.len(), 4);
    assert!(nz.iter().all(|b| b.abs() == 1.0));
    assert!((d.snr - 2.0).abs() < 0.2, "snr {}", d.snr);
}

#[test]
fn sparse_x_signature() {
    let spec = FamilySpec::SparseX { n: 2000, p: 50, density: 0.1, k: 5, snr: 3.0 };
    let d = generate(&spec, 9).unwrap();
    let nonzero = d.x.iter().filter(|v| **v != 0.0).count() as f64 / d.x.len() as f64;
    assert!((nonzero - 0.1).abs() < 0.01, "density {nonzero}");
    assert_eq!(d.beta.iter().filter(|b| **b != 0.0).count(), 5);
    assert!((d.snr - 3.0).abs() < 0.3);
}

fn genotype_spec(n: usize, p: usize, k: usize, block_size: usize) -> FamilySpec {
    FamilySpec::Genotype {
        n,
        p,
        k,
        h2: 0.4,
        maf_min: 0.1,
        maf_max: 0.4,
        block_size,
        ld: 0.9,
        dup_frac: 0.0,
        flip_frac: 0.0,
        mono_frac: 0.0,
        missing_rate: 0.0,
        prevalence: None,
        survival: false,
        censoring: None,
    }
}

#[test]
fn genotype_signature() {
    let (n, p, bs) = (3000, 200, 10);
    let d = generate(&genotype_spec(n, p, 8, bs), 21).unwrap();
    assert!(d.x.iter().all(|v| [0.0, 1.0, 2.0].contains(v)));
    let mut freqs = Vec::new();
    for j in 0..p {
        let f = d.x.column(j).mean().unwrap() / 2.0;
        assert!((0.07..=0.43).contains(&f), "SNP {j} allele frequency {f}");
        freqs.push(f);
    }
    // frequencies are spread over the range, not all in the middle
    assert!(freqs.iter().any(|&f| f < 0.17) && freqs.iter().any(|&f| f > 0.33));
    let (mut within, mut across) = (Vec::new(), Vec::new());
    for j in 0..p - 1 {
        let r = corr(d.x.column(j), d.x.column(j + 1));
        if (j + 1) % bs == 0 {
            across.push(r);
        } else {
            within.push(r);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(&within) > 0.35, "within-block correlation {}", mean(&within));
    assert!(mean(&across).abs() < 0.02, "across-block correlation {}", mean(&across));
    assert!(across.iter().all(|r| r.abs() < 0.1), "{across:?}");
    assert_eq!(d.beta.iter().filter(|b| **b != 0.0).count(), 8);
    let h2 = d.snr / (1.0 + d.snr);
    assert!((h2 - 0.4).abs() < 0.03, "realized h2 {h2}");
}

#[test]
fn genotype_stream_matches_in_memory_and_thread_count() {
    let spec = genotype_spec(13, 101, 4, 6);
    let model = GenotypeModel::from_spec(&spec, 4).unwrap();
    let dense = model.generate().unwrap();
    let one: Vec<u8> = in_pool(1, || model.packed_chunks(12).flatten().collect());
    let two: Vec<u8> = in_pool(2, || model.packed_chunks(12).flatten().collect());
    let big: Vec<u8> = model.packed_chunks(1 << 20).flatten().collect();
    assert_eq!(one, two);
    assert_eq!(one, big);
    let bps = 13usize.div_ceil(4);
    assert_eq!(one.len(), 101 * bps);
    for j in 0..101 {
        for i in 0..13 {
            let code = (one[j * bps + i / 4] >> (2 * (i % 4))) & 3;
            let dosage = [2.0, f64::NAN, 1.0, 0.0][code as usize];
            assert_eq!(dosage, dense.x[[i, j]], "sample {i}, SNP {j}");
        }
    }
    let pheno = model.phenotype().unwrap();
    assert_eq!(pheno.y, dense.y);
    assert_eq!(pheno.beta, dense.beta);
}

#[test]
fn invalid_parameters_are_errors() {
    let bad = [
        FamilySpec::Uniform { n: 0, p: 5 },
        FamilySpec::Uniform { n: 10, p: 0 },
        FamilySpec::Uniform { n: 10, p: 1 },
        FamilySpec::Equicorrelated { n: 10, p: 5, rho: 1.0, snr: 3.0 },
        FamilySpec::Equicorrelated { n: 10, p: 5, rho: -0.1, snr: 3.0 },
        FamilySpec::Equicorrelated { n: 10, p: 5, rho: 0.5, snr: 0.0 },
        FamilySpec::Toeplitz { n: 10, p: 5, rho: 0.5, k: 6, snr: 3.0 },
        FamilySpec::Toeplitz { n: 10, p: 5, rho: 0.5, k: 2, snr: f64::NAN },
        FamilySpec::SparseX { n: 10, p: 5, density: 0.0, k: 1, snr: 3.0 },
        genotype_spec(10, 5, 6, 2),
        FamilySpec::Genotype {
            n: 10,
            p: 5,
            k: 1,
            h2: 1.0,
            maf_min: 0.1,
            maf_max: 0.4,
            block_size: 2,
            ld: 0.5,
            dup_frac: 0.0,
            flip_frac: 0.0,
            mono_frac: 0.0,
            missing_rate: 0.0,
            prevalence: None,
            survival: false,
            censoring: None,
        },
        FamilySpec::Genotype {
            n: 10,
            p: 5,
            k: 1,
            h2: 0.5,
            maf_min: 0.3,
            maf_max: 0.2,
            block_size: 2,
            ld: 0.5,
            dup_frac: 0.0,
            flip_frac: 0.0,
            mono_frac: 0.0,
            missing_rate: 0.0,
            prevalence: None,
            survival: false,
            censoring: None,
        },
        FamilySpec::Genotype {
            n: 10,
            p: 5,
            k: 1,
            h2: 0.5,
            maf_min: 0.1,
            maf_max: 0.6,
            block_size: 2,
            ld: 0.5,
            dup_frac: 0.0,
            flip_frac: 0.0,
            mono_frac: 0.0,
            missing_rate: 0.0,
            prevalence: None,
            survival: false,
            censoring: None,
        },
        FamilySpec::Genotype {
            n: 10,
            p: 5,
            k: 1,
            h2: 0.5,
            maf_min: 0.1,
            maf_max: 0.4,
            block_size: 0,
            ld: 0.5,
            dup_frac: 0.0,
            flip_frac: 0.0,
            mono_frac: 0.0,
            missing_rate: 0.0,
            prevalence: None,
            survival: false,
            censoring: None,
        },
    ];
    for spec in bad {
        let err = spec.validate().expect_err(&format!("{spec:?} should be rejected"));
        assert!(err.to_string().starts_with("invalid parameter:"), "{err}");
        assert!(generate(&spec, 0).is_err());
    }
}

#[test]
fn spec_from_json_with_defaults_and_strict_fields() {
    let spec: FamilySpec = serde_json::from_str(r#"{"family": "toeplitz", "n": 50, "p": 20, "k": 3}"#).unwrap();
    assert_eq!(spec, FamilySpec::Toeplitz { n: 50, p: 20, rho: 0.5, k: 3, snr: 3.0 });
    let g: FamilySpec = serde_json::from_str(r#"{"family": "genotype", "n": 5, "p": 9}"#).unwrap();
    assert_eq!(g.name(), "genotype");
    assert!(matches!(g, FamilySpec::Genotype { h2, block_size: 20, .. } if h2 == 0.5));
    let unknown = serde_json::from_str::<FamilySpec>(r#"{"family": "uniform", "n": 5, "p": 9, "rho": 0.1}"#);
    assert!(unknown.unwrap_err().to_string().contains("rho"));
    assert!(serde_json::from_str::<FamilySpec>(r#"{"family": "nope", "n": 5, "p": 9}"#).is_err());
    let back = serde_json::to_value(&spec).unwrap();
    assert_eq!(back["family"], "toeplitz");
}

#[test]
fn genotype_phenotype_consistent_with_many_causal_blocks() {
    // 1,500 blocks all causal: the phenotype is computed over several groups of blocks.
    let spec = FamilySpec::Genotype {
        n: 20,
        p: 3000,
        k: 3000,
        h2: 0.5,
        maf_min: 0.05,
        maf_max: 0.5,
        block_size: 2,
        ld: 0.5,
        dup_frac: 0.0,
        flip_frac: 0.0,
        mono_frac: 0.0,
        missing_rate: 0.0,
        prevalence: None,
        survival: false,
        censoring: None,
    };
    let d = generate(&spec, 1).unwrap();
    assert!(d.beta.iter().all(|b| *b != 0.0));
    let signal = d.x.dot(&d.beta);
    let noise = &d.y - &signal;
    let snr = signal.var(0.0) / noise.var(0.0);
    assert!((snr / d.snr - 1.0).abs() < 1e-9, "{snr} vs {}", d.snr);
}
