//! The `genotype` family's defect options (duplicates, allele flips, monomorphic SNPs, missing
//! calls): exact counts, the `.bed` and dense formats agreeing, independence of the options'
//! random streams, thread-count invariance, and parameter checks.

use std::collections::HashMap;
use std::fs;

use ndarray::{Array2, ArrayView1};
use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_datagen::families::genotype::{DefectCounts, GenotypeModel, SnpKind, check_spec, impute_column};
use regpath_datagen::{Bed, FamilySpec, generate};

/// Parameters of a genotype spec under test (defaults: all defects off).
#[derive(Clone, Copy)]
struct G {
    n: usize,
    p: usize,
    k: usize,
    block_size: usize,
    ld: f64,
    maf: (f64, f64),
    dup: f64,
    flip: f64,
    mono: f64,
    missing: f64,
}

impl G {
    fn new(n: usize, p: usize) -> G {
        G { n, p, k: 10, block_size: 20, ld: 0.9, maf: (0.05, 0.5), dup: 0.0, flip: 0.0, mono: 0.0, missing: 0.0 }
    }

    fn spec(self) -> FamilySpec {
        FamilySpec::Genotype {
            n: self.n,
            p: self.p,
            k: self.k,
            h2: 0.5,
            maf_min: self.maf.0,
            maf_max: self.maf.1,
            block_size: self.block_size,
            ld: self.ld,
            dup_frac: self.dup,
            flip_frac: self.flip,
            mono_frac: self.mono,
            missing_rate: self.missing,
            prevalence: None,
            survival: false,
            censoring: None,
        }
    }

    fn model(self, seed: u64) -> GenotypeModel {
        GenotypeModel::from_spec(&self.spec(), seed).unwrap()
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Column j as exact dosage bytes (the matrix must hold only 0, 1, 2).
fn column_key(x: &Array2<f64>, j: usize) -> Vec<u8> {
    x.column(j)
        .iter()
        .map(|&v| {
            assert!(v == 0.0 || v == 1.0 || v == 2.0, "not a dosage: {v}");
            v as u8
        })
        .collect()
}

/// Duplicated columns found from the matrix alone. Columns fall into classes {g, 2 − g}; in
/// each class the first column is the original, and a later column is a copy when it equals
/// the original, a flipped copy when it is 2 − original. (Two flipped copies of one SNP equal
/// each other, so "equals some earlier column" alone would miscount them.)
fn find_copies(x: &Array2<f64>) -> (Vec<usize>, Vec<usize>) {
    let mut originals: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let (mut copies, mut flips) = (Vec::new(), Vec::new());
    for j in 0..x.ncols() {
        let key = column_key(x, j);
        let flipped: Vec<u8> = key.iter().map(|d| 2 - d).collect();
        let class = key.clone().min(flipped);
        match originals.get(&class) {
            Some(original) if *original == key => copies.push(j),
            Some(_) => flips.push(j),
            None => {
                originals.insert(class, key);
            }
        }
    }
    (copies, flips)
}

fn is_constant(c: ArrayView1<f64>) -> bool {
    c.iter().all(|&v| v == c[0])
}

#[test]
fn duplicates_are_exact_copies_and_flips_of_an_earlier_snp_of_their_block() {
    let g = G { dup: 0.2, flip: 0.5, ..G::new(400, 1000) };
    let model = g.model(5);
    assert_eq!(model.defect_counts(), DefectCounts { duplicates: 200, flipped: 100, monomorphic: 0 });
    let d = model.generate().unwrap();
    let (copies, flips) = find_copies(&d.x);
    assert_eq!(copies.len(), 200 - 100, "exact copies");
    assert_eq!(flips.len(), 100, "flipped copies");
    for &j in &copies {
        assert_eq!(model.snp_kind(j), SnpKind::Duplicate { flipped: false }, "SNP {j}");
    }
    for &j in &flips {
        assert_eq!(model.snp_kind(j), SnpKind::Duplicate { flipped: true }, "SNP {j}");
    }
    // Each duplicate copies an earlier SNP of its own block, which is not itself a duplicate.
    for j in copies.iter().chain(&flips).copied() {
        let block_start = j - j % 20;
        assert!(j % 20 != 0, "the first SNP of a block is never a duplicate");
        let key = column_key(&d.x, j);
        let found = (block_start..j).any(|i| {
            let other = column_key(&d.x, i);
            model.snp_kind(i) == SnpKind::Ordinary && (other == key || other.iter().zip(&key).all(|(a, b)| a + b == 2))
        });
        assert!(found, "duplicate {j} has no source in its block");
    }
    // No column is constant: duplicates copy ordinary SNPs only.
    assert!(d.x.columns().into_iter().all(|c| !is_constant(c)));
}

#[test]
fn flip_frac_bounds_and_monotone_flips() {
    let all = G { dup: 0.1, flip: 1.0, ..G::new(50, 400) }.model(2);
    assert_eq!(all.defect_counts().flipped, 40);
    let none = G { dup: 0.1, ..G::new(50, 400) }.model(2);
    let half = G { dup: 0.1, flip: 0.5, ..G::new(50, 400) }.model(2);
    // Same duplicates whatever flip_frac; the flipped ones are nested.
    for j in 0..400 {
        let is_dup = |m: &GenotypeModel| matches!(m.snp_kind(j), SnpKind::Duplicate { .. });
        assert_eq!(is_dup(&all), is_dup(&none));
        assert_eq!(is_dup(&all), is_dup(&half));
        assert_ne!(none.snp_kind(j), SnpKind::Duplicate { flipped: true });
        if half.snp_kind(j) == (SnpKind::Duplicate { flipped: true }) {
            assert_eq!(all.snp_kind(j), SnpKind::Duplicate { flipped: true });
        }
    }
}

#[test]
fn monomorphic_snps_are_constant_and_never_causal() {
    // Many causal SNPs, so that a monomorphic causal SNP would be likely if it were allowed.
    let g = G { k: 300, mono: 0.1, ..G::new(400, 1000) };
    let model = g.model(8);
    let d = model.generate().unwrap();
    let constant: Vec<usize> = (0..1000).filter(|&j| is_constant(d.x.column(j))).collect();
    assert_eq!(constant.len(), 100);
    let values: Vec<f64> = constant.iter().map(|&j| d.x[[0, j]]).collect();
    assert!(values.iter().all(|&v| v == 0.0 || v == 2.0), "{values:?}");
    assert!(values.contains(&0.0) && values.contains(&2.0), "both homozygous genotypes occur");
    for &j in &constant {
        assert_eq!(d.beta[j], 0.0, "monomorphic SNP {j} is causal");
        assert!(matches!(model.snp_kind(j), SnpKind::Monomorphic { .. }));
    }
    assert_eq!(d.beta.iter().filter(|b| **b != 0.0).count(), 300);
}

#[test]
fn missing_calls_in_bed_and_dense_x_agree() {
    let g = G { dup: 0.2, flip: 0.5, mono: 0.1, missing: 0.05, ..G::new(301, 2000) };
    let spec = g.spec();
    let dir = tempfile::tempdir().unwrap();
    let meta = write_dataset(&dir.path().join("bed"), &spec, 3, OutputFormat::Bed).unwrap();
    assert_eq!((meta["n_duplicates"].as_u64(), meta["n_flipped"].as_u64()), (Some(400), Some(200)));
    assert_eq!(meta["n_monomorphic"], 200);
    assert_eq!(meta["missing_rate"], 0.05);
    let bed = Bed::open(&dir.path().join("bed/geno")).unwrap();
    let (n, p) = (301, 2000);
    let mut raw = vec![0.0; n];
    let mut missing = 0usize;
    let mut columns = Vec::with_capacity(p);
    for j in 0..p {
        bed.decode_snp_raw(j, None, &mut raw);
        missing += raw.iter().filter(|v| v.is_nan()).count();
        columns.push(raw.clone());
    }
    let share = missing as f64 / (n * p) as f64;
    assert!((share - 0.05).abs() < 0.005, "missing share {share}");
    // The dense X is the .bed decoded with the reader's mean imputation, bit for bit.
    let dense = generate(&spec, 3).unwrap();
    assert_eq!(bed.to_dense(None), dense.x);
    let npy_meta = write_dataset(&dir.path().join("npy"), &spec, 3, OutputFormat::Npy).unwrap();
    assert!(npy_meta["missing_imputation"].as_str().unwrap().contains("mean"));
    // Duplicates share their source's missing calls: exact copies of the observed data.
    let model = g.model(3);
    let same = |a: &[f64], b: &[f64], flip: bool| {
        a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || (if flip { 2.0 - y } else { *y }) == *x)
    };
    let mut checked = 0;
    for j in 0..p {
        if let SnpKind::Duplicate { flipped } = model.snp_kind(j) {
            let start = j - j % 20;
            assert!((start..j).any(|i| same(&columns[j], &columns[i], flipped)), "duplicate {j}");
            checked += 1;
        }
        if let SnpKind::Monomorphic { dosage } = model.snp_kind(j) {
            assert!(columns[j].iter().all(|v| v.is_nan() || *v == f64::from(dosage)));
            assert!(is_constant(dense.x.column(j)), "an imputed monomorphic SNP stays constant");
        }
    }
    assert_eq!(checked, 400);
    // The .bim lists the alleles of flipped duplicates the other way round.
    let bim = fs::read_to_string(dir.path().join("bed/geno.bim")).unwrap();
    for (j, line) in bim.lines().enumerate() {
        let alleles: Vec<&str> = line.split('\t').skip(4).collect();
        let want = if model.snp_kind(j) == (SnpKind::Duplicate { flipped: true }) { ["G", "A"] } else { ["A", "G"] };
        assert_eq!(alleles, want, "SNP {j}");
    }
}

#[test]
fn imputation_is_the_mean_of_called_genotypes() {
    let mut out = [0.0; 5];
    impute_column(&[2, 3, 1, 0, 3], &mut out);
    assert_eq!(out, [2.0, 1.0, 1.0, 0.0, 1.0]);
    impute_column(&[2, 3, 2, 1, 3], &mut out);
    assert_eq!(out, [2.0, 5.0 / 3.0, 2.0, 1.0, 5.0 / 3.0]);
    let mut two = [7.0; 2];
    impute_column(&[3, 3], &mut two);
    assert_eq!(two, [0.0, 0.0]);
}

#[test]
fn phenotype_uses_true_genotypes_and_ignores_missing_calls() {
    let base = G { dup: 0.2, flip: 0.3, mono: 0.1, ..G::new(60, 300) };
    let with_missing = G { missing: 0.1, ..base };
    let (a, b) = (base.model(4), with_missing.model(4));
    let (da, db) = (a.generate().unwrap(), b.generate().unwrap());
    assert_eq!(da.y, db.y);
    assert_eq!(da.beta, db.beta);
    assert_eq!(da.snr, db.snr);
    // Missing calls only hide true genotypes: every call still present is unchanged.
    let mut hidden = 0;
    for blk in 0..a.n_blocks() {
        for (&t, &o) in a.block(blk).iter().zip(&b.block(blk)) {
            if o == 3 {
                hidden += 1;
            } else {
                assert_eq!(o, t);
            }
        }
    }
    let share = hidden as f64 / (60 * 300) as f64;
    assert!((share - 0.1).abs() < 0.02, "missing share {share}");
}

#[test]
fn options_leave_each_other_and_ordinary_snps_alone() {
    let base = G::new(40, 600);
    let plain = base.model(6).generate().unwrap();
    let mono = G { mono: 0.15, ..base }.model(6);
    let both = G { mono: 0.15, dup: 0.25, flip: 0.5, ..base }.model(6);
    let dup = G { dup: 0.25, flip: 0.5, ..base }.model(6);
    let both_x = both.generate().unwrap().x;
    let mut ordinary = 0;
    for j in 0..600 {
        // Turning duplicates on does not move a monomorphic SNP.
        let is_mono = |m: &GenotypeModel| matches!(m.snp_kind(j), SnpKind::Monomorphic { .. });
        assert_eq!(is_mono(&mono), is_mono(&both), "SNP {j}");
        // An SNP that stays ordinary is the same column as with every option off.
        if both.snp_kind(j) == SnpKind::Ordinary {
            assert_eq!(both_x.column(j), plain.x.column(j), "SNP {j}");
            ordinary += 1;
        }
        if dup.snp_kind(j) == SnpKind::Ordinary {
            ordinary += 1;
        }
    }
    assert_eq!(ordinary, (600 - 90 - 150) + (600 - 150));
    // The duplicates' draws avoid monomorphic SNPs, so most duplicates stay where they were.
    let kept = (0..600)
        .filter(|&j| {
            matches!(dup.snp_kind(j), SnpKind::Duplicate { .. })
                && matches!(both.snp_kind(j), SnpKind::Duplicate { .. })
        })
        .count();
    assert!(kept > 105, "{kept} of 150 duplicates kept their place");
}

#[test]
fn defects_are_the_same_for_any_thread_count_and_chunking() {
    let spec = G { block_size: 7, dup: 0.2, flip: 0.5, mono: 0.1, missing: 0.03, ..G::new(37, 503) }.spec();
    let model = GenotypeModel::from_spec(&spec, 11).unwrap();
    let one = in_pool(1, || generate(&spec, 11).unwrap());
    let two = in_pool(2, || generate(&spec, 11).unwrap());
    let three = in_pool(3, || generate(&spec, 11).unwrap());
    for other in [&two, &three] {
        assert_eq!(one.x, other.x);
        assert_eq!(one.y, other.y);
        assert_eq!(one.beta, other.beta);
    }
    let packed: Vec<Vec<u8>> = [(1, 10), (2, 10), (3, 1 << 20), (2, 1)]
        .into_iter()
        .map(|(threads, chunk)| in_pool(threads, || model.packed_chunks(chunk).flatten().collect()))
        .collect();
    assert!(packed.iter().all(|p| *p == packed[0]));
    assert!(packed[0].iter().any(|&byte| (0..4).any(|s| (byte >> (2 * s)) & 3 == 1)), "has missing codes");
    let other_seed = generate(&spec, 12).unwrap();
    assert_ne!(one.x, other_seed.x);
}

#[test]
fn near_perfect_ld_is_allowed() {
    let g = G { ld: 0.999, block_size: 50, maf: (0.3, 0.3), ..G::new(2000, 200) };
    let d = g.model(1).generate().unwrap();
    let corr = |a: usize, b: usize| {
        let (x, y) = (d.x.column(a), d.x.column(b));
        let (mx, my) = (x.mean().unwrap(), y.mean().unwrap());
        let sxy: f64 = x.iter().zip(&y).map(|(u, v)| (u - mx) * (v - my)).sum();
        let sxx: f64 = x.iter().map(|u| (u - mx) * (u - mx)).sum();
        let syy: f64 = y.iter().map(|v| (v - my) * (v - my)).sum();
        sxy / (sxx * syy).sqrt()
    };
    let within: Vec<f64> = (0..199).filter(|j| (j + 1) % 50 != 0).map(|j| corr(j, j + 1)).collect();
    let mean = within.iter().sum::<f64>() / within.len() as f64;
    assert!(mean > 0.95, "neighbouring SNPs at ld = 0.999: mean correlation {mean}");
    assert!(corr(0, 49) > 0.7, "a whole block stays correlated: {}", corr(0, 49));
    assert!(corr(49, 50).abs() < 0.1, "blocks stay independent");
    let err = G { ld: 1.0, ..g }.spec().validate().unwrap_err().to_string();
    assert!(err.contains("ld must be in [0, 1)"), "{err}");
}

#[test]
fn invalid_defect_parameters_are_clear_errors() {
    let base = G::new(50, 100);
    let cases: Vec<(G, &str)> = vec![
        (G { dup: 1.0, ..base }, "dup_frac must be in [0, 1)"),
        (G { dup: -0.1, ..base }, "dup_frac must be in [0, 1)"),
        (G { dup: f64::NAN, ..base }, "dup_frac must be in [0, 1)"),
        (G { flip: 1.5, ..base }, "flip_frac"),
        (G { mono: 1.0, ..base }, "mono_frac must be in [0, 1)"),
        (G { missing: 1.0, ..base }, "missing_rate must be in [0, 1)"),
        (G { missing: -0.5, ..base }, "missing_rate must be in [0, 1)"),
        // block_size 1: no SNP has an earlier SNP in its block to copy.
        (G { dup: 0.1, block_size: 1, ..base }, "dup_frac = 0.1 asks for 10 duplicate SNPs"),
        // 100 SNPs in 5 blocks: 95 can be duplicates or monomorphic.
        (G { dup: 0.5, mono: 0.46, ..base }, "besides 46 monomorphic SNPs"),
        (G { k: 60, mono: 0.4, ..base }, "never causal (k = 60)"),
    ];
    for (g, want) in cases {
        let spec = g.spec();
        let err = spec.validate().expect_err(want).to_string();
        assert!(err.starts_with("invalid parameter:") && err.contains(want), "{err}");
        assert!(generate(&spec, 0).is_err());
    }
    // The limits themselves are fine: flip_frac = 1, and 95 duplicates in 5 blocks of 20.
    assert_eq!(check_spec(&G { dup: 0.95, flip: 1.0, ..base }.spec()).unwrap().duplicates, 95);
    let d = G { dup: 0.95, flip: 1.0, ..base }.model(0).generate().unwrap();
    let (copies, flips) = find_copies(&d.x);
    assert_eq!(copies.len() + flips.len(), 95);
    // flip_frac without duplicates has nothing to flip and is not an error.
    assert_eq!(check_spec(&G { flip: 0.5, ..base }.spec()).unwrap(), DefectCounts::default());
}

#[test]
fn defect_keys_in_json_with_defaults() {
    let g: FamilySpec = serde_json::from_str(r#"{"family": "genotype", "n": 5, "p": 9, "dup_frac": 0.25}"#).unwrap();
    assert!(matches!(g, FamilySpec::Genotype { dup_frac, flip_frac, mono_frac, missing_rate, .. }
        if dup_frac == 0.25 && flip_frac == 0.0 && mono_frac == 0.0 && missing_rate == 0.0));
    let back = serde_json::to_value(&g).unwrap();
    assert_eq!(back["dup_frac"], 0.25);
    assert_eq!(back["missing_rate"], 0.0);
    let typo = serde_json::from_str::<FamilySpec>(r#"{"family": "genotype", "n": 5, "p": 9, "dup_fraction": 0.2}"#);
    assert!(typo.unwrap_err().to_string().contains("dup_fraction"));
}
