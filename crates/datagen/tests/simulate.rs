//! Phenotypes simulated on a PLINK fileset (`regpath_datagen::simulate`): the heritability is
//! exact in the sample, `effects.txt` reproduces g when recomputed from the raw files by an
//! independent decoder, outputs depend only on the seed, monomorphic SNPs are never causal,
//! `maf_alpha` scales the effects as documented, and bad inputs are errors.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_datagen::families::genotype::{GenotypeModel, SnpKind};
use regpath_datagen::io::bed_write::{BimRecord, FamRecord, MISSING_DOSAGE, pack_snp, write_bed};
use regpath_datagen::simulate::{
    CausalSnps, SimulateSpec, Simulated, SnpScan, causal_indices, fileset_hash, read_causal_ids, simulate_phenotype,
    simulate_phenotype_scanned, simulation_meta, write_simulation,
};
use regpath_datagen::{Bed, FamilySpec};

/// A `genotype` family spec (h2 of the family's own phenotype is irrelevant here).
fn family(n: usize, p: usize, mono: f64, missing: f64) -> FamilySpec {
    FamilySpec::Genotype {
        n,
        p,
        k: 1,
        h2: 0.5,
        maf_min: 0.05,
        maf_max: 0.5,
        block_size: 20,
        ld: 0.9,
        dup_frac: 0.0,
        flip_frac: 0.0,
        mono_frac: mono,
        missing_rate: missing,
        prevalence: None,
        survival: false,
        censoring: None,
    }
}

/// Writes the family's fileset into `dir` and returns its prefix.
fn family_fileset(dir: &Path, spec: &FamilySpec, seed: u64) -> PathBuf {
    write_dataset(dir, spec, seed, OutputFormat::Bed).unwrap();
    dir.join("geno")
}

/// Writes a fileset from per-SNP dosages (0, 1, 2, [`MISSING_DOSAGE`]); SNP j is `rs<j>`
/// unless `ids` says otherwise.
fn handmade_fileset(dir: &Path, snps: &[Vec<u8>], ids: Option<&[&str]>) -> PathBuf {
    let n = snps[0].len();
    fs::create_dir_all(dir).unwrap();
    let prefix = dir.join("hand");
    let fam: Vec<FamRecord> =
        (0..n).map(|i| FamRecord { fid: format!("F{i}"), iid: format!("I{i}"), phenotype: None }).collect();
    let bim = |j: usize| BimRecord {
        chromosome: "2".into(),
        id: ids.map_or_else(|| format!("rs{j}"), |ids| ids[j].to_string()),
        cm: 0.0,
        position: 10 * j as u64 + 5,
        allele1: "C".into(),
        allele2: "T".into(),
    };
    let chunks = snps.iter().map(|d| {
        let mut out = vec![0u8; n.div_ceil(4)];
        pack_snp(d, &mut out);
        out
    });
    write_bed(&prefix, &fam, snps.len(), bim, chunks).unwrap();
    prefix
}

/// The fileset read back from its bytes with no help from the crate's reader.
struct Raw {
    n: usize,
    fam: Vec<(String, String)>,
    ids: Vec<String>,
    a1: Vec<String>,
    a2: Vec<String>,
    bed: Vec<u8>,
}

impl Raw {
    fn open(prefix: &Path) -> Raw {
        let with = |ext: &str| PathBuf::from(format!("{}.{ext}", prefix.display()));
        let fam: Vec<(String, String)> = fs::read_to_string(with("fam"))
            .unwrap()
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f[0].to_string(), f[1].to_string())
            })
            .collect();
        let (mut ids, mut a1, mut a2) = (Vec::new(), Vec::new(), Vec::new());
        for line in fs::read_to_string(with("bim")).unwrap().lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            ids.push(f[1].to_string());
            a1.push(f[4].to_string());
            a2.push(f[5].to_string());
        }
        let bed = fs::read(with("bed")).unwrap();
        assert_eq!(&bed[..3], &[0x6c, 0x1b, 0x01]);
        Raw { n: fam.len(), fam, ids, a1, a2, bed }
    }

    /// Copies of the `.bim` allele 1 at SNP j for the given samples (None = missing): PLINK
    /// code 00 = two copies of allele 1, 10 = one, 11 = none, 01 = missing.
    fn dosages(&self, j: usize, rows: &[usize]) -> Vec<Option<f64>> {
        let bps = self.n.div_ceil(4);
        let bytes = &self.bed[3 + j * bps..3 + (j + 1) * bps];
        rows.iter()
            .map(|&i| match (bytes[i / 4] >> (2 * (i % 4))) & 0b11 {
                0b00 => Some(2.0),
                0b10 => Some(1.0),
                0b11 => Some(0.0),
                _ => None,
            })
            .collect()
    }

    /// Σ_j effect_j·x_ij over the lines of a score file (`SNP A1 effect` header), a missing call
    /// at the mean of the called samples among `rows`; an effect on allele 2 counts 2 − x.
    fn score(&self, effects: &Path, rows: &[usize]) -> Vec<f64> {
        let text = fs::read_to_string(effects).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("SNP A1 effect"));
        let index: HashMap<&str, usize> = self.ids.iter().enumerate().map(|(j, id)| (id.as_str(), j)).collect();
        let mut g = vec![0.0; rows.len()];
        for line in lines {
            let f: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(f.len(), 3, "{line}");
            let j = index[f[0]];
            let b: f64 = f[2].parse().unwrap();
            let flip = if f[1] == self.a1[j] {
                false
            } else {
                assert_eq!(f[1], self.a2[j]);
                true
            };
            let x = self.dosages(j, rows);
            let called: Vec<f64> = x.iter().flatten().copied().collect();
            let mean = called.iter().sum::<f64>() / called.len() as f64;
            for (gi, xi) in g.iter_mut().zip(&x) {
                let v = xi.unwrap_or(mean);
                *gi += b * if flip { 2.0 - v } else { v };
            }
        }
        g
    }
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
}

fn spec(k: usize, h2: f64, maf_alpha: f64, prevalence: Option<f64>) -> SimulateSpec {
    SimulateSpec { causal: CausalSnps::Random(k), h2, maf_alpha, prevalence, censoring: None }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn heritability_is_exact_in_the_sample() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(300, 400, 0.05, 0.03), 3);
    let bed = Bed::open(&prefix).unwrap();
    let rows: Vec<usize> = (0..300).rev().step_by(3).collect();
    for (k, h2, alpha, seed) in [(1, 0.5, -1.0, 0), (5, 0.01, -1.0, 1), (50, 0.99, 0.0, 2), (300, 0.3, -0.5, 3)] {
        for subset in [None, Some(rows.as_slice())] {
            let sim = simulate_phenotype(&bed, subset, &spec(k, h2, alpha, None), seed).unwrap();
            let realized = variance(sim.g.as_slice().unwrap()) / variance(sim.y.as_slice().unwrap());
            assert!((realized - h2).abs() < 1e-12, "k = {k}, h2 = {h2}: realized {realized}");
            assert!((sim.h2 - h2).abs() < 1e-12, "reported {}", sim.h2);
            // noise orthogonal to the intercept and to g
            let e: Vec<f64> = sim.y.iter().zip(&sim.g).map(|(y, g)| y - g).collect();
            let n = e.len() as f64;
            let g_mean = sim.g.sum() / n;
            let e_mean = e.iter().sum::<f64>() / n;
            let cross: f64 = e.iter().zip(&sim.g).map(|(e, g)| e * (g - g_mean)).sum::<f64>() / n;
            let scale = (variance(&e) * sim.var_g).sqrt();
            assert!(e_mean.abs() < 1e-12 * (1.0 + e.iter().map(|v| v.abs()).fold(0.0, f64::max)), "{e_mean}");
            assert!(cross.abs() < 1e-12 * scale, "{cross} vs {scale}");
            assert_eq!(sim.y.len(), subset.map_or(300, <[usize]>::len));
        }
    }
}

#[test]
fn effects_file_reproduces_g_and_pheno_file_holds_y() {
    let dir = tempfile::tempdir().unwrap();
    // missing calls: g counts them at the SNP's mean over called samples
    let prefix = family_fileset(&dir.path().join("data"), &family(211, 500, 0.1, 0.05), 9);
    let bed = Bed::open(&prefix).unwrap();
    let s = spec(40, 0.4, -1.0, None);
    let sim = simulate_phenotype(&bed, None, &s, 5).unwrap();
    assert!(sim.missing_causal_calls > 0, "the test needs missing calls at causal SNPs");
    let meta = simulation_meta(&bed, &s, 5, &sim, &fileset_hash(&bed).unwrap());
    let out = dir.path().join("sim");
    let written = write_simulation(&out, &bed, None, &sim, &meta).unwrap();
    assert_eq!(written.len(), 3);

    let raw = Raw::open(&prefix);
    let all: Vec<usize> = (0..raw.n).collect();
    let g = raw.score(&out.join("effects.txt"), &all);
    for (i, (a, b)) in g.iter().zip(&sim.g).enumerate() {
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "sample {i}: score {a}, g {b}");
    }
    let text = fs::read_to_string(out.join("pheno.txt")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("FID IID phenotype"));
    let y: Vec<f64> = lines
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!((f[0], f[1]), (raw.fam[i].0.as_str(), raw.fam[i].1.as_str()));
            f[2].parse().unwrap()
        })
        .collect();
    assert_eq!(bits(&y), bits(sim.y.as_slice().unwrap()), "pheno.txt holds y at round-trip precision");
    let h2 = variance(&g) / variance(&y);
    assert!((h2 - 0.4).abs() < 1e-12, "{h2}");

    let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["k"], 40);
    assert_eq!(meta["h2"], 0.4);
    assert_eq!(meta["h2_realized"].as_f64(), Some(sim.h2));
    assert_eq!(meta["seed"], 5);
    assert_eq!(meta["maf_alpha"], -1.0);
    assert_eq!(meta["fileset"]["n_polymorphic"], 450);
    let ids: Vec<&str> = meta["causal"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let expected: Vec<&str> = sim.causal.iter().map(|&j| raw.ids[j].as_str()).collect();
    assert_eq!(ids, expected);
    assert!(meta.get("cases").is_none());
}

#[test]
fn same_seed_same_bytes_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    // n above the parallel chunk of samples, so threads really split the work
    let prefix = family_fileset(&dir.path().join("data"), &family(2100, 300, 0.0, 0.01), 1);
    let bed = Bed::open(&prefix).unwrap();
    let hash = fileset_hash(&bed).unwrap();
    let run = |seed: u64, name: &str, threads: usize| -> (Simulated, PathBuf) {
        let s = spec(25, 0.6, -1.0, Some(0.3));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let sim = pool.install(|| simulate_phenotype(&bed, None, &s, seed)).unwrap();
        let out = dir.path().join(name);
        write_simulation(&out, &bed, None, &sim, &simulation_meta(&bed, &s, seed, &sim, &hash)).unwrap();
        (sim, out)
    };
    let (a, da) = run(7, "a", 1);
    let (b, db) = run(7, "b", 2);
    let (c, dc) = run(8, "c", 2);
    assert_eq!(bits(a.liability.as_slice().unwrap()), bits(b.liability.as_slice().unwrap()));
    for f in ["pheno.txt", "effects.txt", "meta.json"] {
        assert_eq!(fs::read(da.join(f)).unwrap(), fs::read(db.join(f)).unwrap(), "{f}");
        assert_ne!(fs::read(da.join(f)).unwrap(), fs::read(dc.join(f)).unwrap(), "{f}");
    }
    assert_ne!(a.causal, c.causal);
}

#[test]
fn monomorphic_snps_are_never_causal() {
    let dir = tempfile::tempdir().unwrap();
    let n = 41;
    let m = MISSING_DOSAGE;
    // kinds by j % 6: all 0; all 1 (heterozygous only: one genotype); all 2 but missing calls;
    // all missing; polymorphic with one odd sample; polymorphic
    let snps: Vec<Vec<u8>> = (0..60)
        .map(|j| match j % 6 {
            0 => vec![0; n],
            1 => vec![1; n],
            2 => (0..n).map(|i| if i % 4 == 1 { m } else { 2 }).collect(),
            3 => vec![m; n],
            4 => (0..n).map(|i| if i == j % n { 1 } else { 0 }).collect(),
            _ => (0..n).map(|i| ((i * 7 + j) % 3) as u8).collect(),
        })
        .collect();
    let prefix = handmade_fileset(dir.path(), &snps, None);
    let bed = Bed::open(&prefix).unwrap();
    let scan = SnpScan::new(&bed, None).unwrap();
    assert_eq!(scan.n_polymorphic(), 20);
    for j in 0..60 {
        assert_eq!(scan.is_polymorphic(j), j % 6 >= 4, "SNP {j}");
    }
    let polymorphic: Vec<usize> = (0..60).filter(|j| j % 6 >= 4).collect();
    let all = simulate_phenotype_scanned(&bed, None, &scan, &spec(20, 0.5, -1.0, None), 0).unwrap();
    assert_eq!(all.causal, polymorphic);
    for seed in 0..30 {
        let sim = simulate_phenotype_scanned(&bed, None, &scan, &spec(3, 0.5, -1.0, None), seed).unwrap();
        assert!(sim.causal.iter().all(|j| j % 6 >= 4), "seed {seed}: {:?}", sim.causal);
    }
    let e = simulate_phenotype(&bed, None, &spec(21, 0.5, -1.0, None), 0).unwrap_err().to_string();
    assert!(e.contains("k = 21") && e.contains("only 20 of the 60 SNPs"), "{e}");
    // a listed monomorphic SNP is an error naming it
    let listed = SimulateSpec { causal: CausalSnps::Listed(vec![4, 13, 2]), ..spec(1, 0.5, -1.0, None) };
    let e = simulate_phenotype(&bed, None, &listed, 0).unwrap_err().to_string();
    assert!(e.contains("rs2") && e.contains("monomorphic") && e.contains("every called genotype is 2"), "{e}");
    assert!(e.contains("2 listed causal SNPs are monomorphic: rs2, rs13"), "{e}");
    // polymorphic in the fileset, monomorphic in a row subset: the subset decides
    let rows: Vec<usize> = (0..n).filter(|&i| i != 4 % n && i != 10 % n).collect();
    let sub = SnpScan::new(&bed, Some(&rows)).unwrap();
    assert!(!sub.is_polymorphic(4) && !sub.is_polymorphic(10) && sub.is_polymorphic(5));

    // the family's monomorphic SNPs, in a larger fileset
    let fam_spec = family(60, 600, 0.3, 0.02);
    let prefix = family_fileset(&dir.path().join("fam"), &fam_spec, 2);
    let model = GenotypeModel::from_spec(&fam_spec, 2).unwrap();
    let bed = Bed::open(&prefix).unwrap();
    let scan = SnpScan::new(&bed, None).unwrap();
    for j in 0..600 {
        if matches!(model.snp_kind(j), SnpKind::Monomorphic { .. }) {
            assert!(!scan.is_polymorphic(j));
        }
    }
    let sim = simulate_phenotype_scanned(&bed, None, &scan, &spec(scan.n_polymorphic(), 0.5, 0.0, None), 4).unwrap();
    assert_eq!(sim.causal.len(), scan.n_polymorphic());
    assert!(sim.causal.iter().all(|&j| !matches!(model.snp_kind(j), SnpKind::Monomorphic { .. })));
}

#[test]
fn maf_alpha_scales_the_effects() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(400, 3000, 0.0, 0.0), 11);
    let bed = Bed::open(&prefix).unwrap();
    let scan = SnpScan::new(&bed, None).unwrap();
    let k = 2000;
    let run = |alpha: f64| simulate_phenotype_scanned(&bed, None, &scan, &spec(k, 0.5, alpha, None), 3).unwrap();
    let (gcta, flat, steep) = (run(-1.0), run(0.0), run(-2.0));
    // the same seed draws the same causal SNPs and the same z: b(α) = z·[2f(1−f)]^(α/2) exactly
    assert_eq!(gcta.causal, flat.causal);
    for j in 0..k {
        let f = gcta.frequencies[j];
        let h = 2.0 * f * (1.0 - f);
        assert_eq!(f, scan.frequency(gcta.causal[j]));
        assert!((flat.effects[j] - gcta.effects[j] * h.sqrt()).abs() <= 1e-12 * flat.effects[j].abs());
        assert!((steep.effects[j] - gcta.effects[j] / h.sqrt()).abs() <= 1e-12 * steep.effects[j].abs());
    }
    // statistically: α = −1 gives unit variance per standardized SNP, α = 0 per allele
    let mean = |v: &mut dyn Iterator<Item = f64>| {
        let (s, c) = v.fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
        s / c as f64
    };
    let h = |f: f64| 2.0 * f * (1.0 - f);
    let per_std = mean(&mut gcta.effects.iter().zip(&gcta.frequencies).map(|(b, &f)| b * b * h(f)));
    let per_allele = mean(&mut flat.effects.iter().map(|b| b * b));
    // sd of a mean of 2000 χ²₁ values is 0.032
    assert!((per_std - 1.0).abs() < 0.15, "E[b² 2f(1−f)] = {per_std} with α = −1");
    assert!((per_allele - 1.0).abs() < 0.15, "E[b²] = {per_allele} with α = 0");
    // rarer SNPs get larger per-allele effects with α = −1 (expected ratio ≈ 3), not with α = 0
    let by_group = |sim: &Simulated, rare: bool| {
        mean(
            &mut sim
                .effects
                .iter()
                .zip(&sim.frequencies)
                .filter(|(_, f)| if rare { h(**f) < 0.2 } else { h(**f) > 0.4 })
                .map(|(b, _)| b * b),
        )
    };
    let ratio_gcta = by_group(&gcta, true) / by_group(&gcta, false);
    let ratio_flat = by_group(&flat, true) / by_group(&flat, false);
    assert!(ratio_gcta > 2.0, "{ratio_gcta}");
    assert!((ratio_flat - 1.0).abs() < 0.35, "{ratio_flat}");
}

#[test]
fn causal_snps_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(&dir.path().join("data"), &family(80, 200, 0.0, 0.0), 5);
    let bed = Bed::open(&prefix).unwrap();
    let file = dir.path().join("causal.txt");
    let indices = |text: &str| {
        fs::write(&file, text).unwrap();
        read_causal_ids(&file).and_then(|ids| causal_indices(&bed, &ids, &file))
    };
    assert_eq!(indices("snp7\n\n# a comment\nsnp3 0.25\n  snp150\tx y\n").unwrap(), vec![7, 3, 150]);
    // a header `SNP …` (an effects.txt of an earlier run) is skipped
    assert_eq!(indices("SNP A1 effect\nsnp9 A 0.1\nsnp1 A -2\n").unwrap(), vec![9, 1]);
    let e = indices("snp1\nrsX\nsnp2\nrsY\nrsZ\n").unwrap_err().to_string();
    assert!(e.contains("3 of the 5 causal SNP ids are not in") && e.contains("rsX, rsY, rsZ"), "{e}");
    let many: String = (0..8).map(|i| format!("bad{i}\n")).collect();
    let e = indices(&many).unwrap_err().to_string();
    assert!(e.contains("8 of the 8") && e.contains("bad0, bad1, bad2, bad3, bad4, …"), "{e}");
    let e = indices("snp1\nsnp2\nsnp1\n").unwrap_err().to_string();
    assert!(e.contains("line 3: SNP snp1 is listed twice (also line 1)"), "{e}");
    assert!(indices("\n# nothing\n").unwrap_err().to_string().contains("no SNP ids"));

    // the listed SNPs are the causal ones, in .bim order, whatever the file order
    let listed = indices("snp150\nsnp3\nsnp77\n").unwrap();
    let s = SimulateSpec { causal: CausalSnps::Listed(listed), ..spec(1, 0.2, -1.0, None) };
    let sim = simulate_phenotype(&bed, None, &s, 0).unwrap();
    assert_eq!(sim.causal, vec![3, 77, 150]);
    assert!((sim.h2 - 0.2).abs() < 1e-12);

    // an id the .bim has twice does not name one SNP
    let snps: Vec<Vec<u8>> = (0..3).map(|j| (0..10).map(|i| ((i + j) % 3) as u8).collect()).collect();
    let hand = handmade_fileset(&dir.path().join("hand"), &snps, Some(&["a", "b", "a"]));
    let hand = Bed::open(&hand).unwrap();
    fs::write(&file, "b\na\n").unwrap();
    let e = causal_indices(&hand, &read_causal_ids(&file).unwrap(), &file).unwrap_err().to_string();
    assert!(e.contains("line 2: SNP id a occurs 2 times"), "{e}");
}

#[test]
fn case_control_by_liability_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(2000, 300, 0.0, 0.0), 2);
    let bed = Bed::open(&prefix).unwrap();
    let quantitative = simulate_phenotype(&bed, None, &spec(30, 0.5, -1.0, None), 6).unwrap();
    let binary = simulate_phenotype(&bed, None, &spec(30, 0.5, -1.0, Some(0.2)), 6).unwrap();
    // the liability is the quantitative phenotype of the same seed
    assert_eq!(bits(binary.liability.as_slice().unwrap()), bits(quantitative.y.as_slice().unwrap()));
    let l = binary.liability.as_slice().unwrap();
    let n = l.len() as f64;
    let mean = l.iter().sum::<f64>() / n;
    // Φ⁻¹(0.8) = 0.8416212335729143
    let t = mean + variance(l).sqrt() * 0.8416212335729143;
    let t_sim = binary.threshold.unwrap();
    assert!((t_sim - t).abs() < 1e-8, "{t_sim} vs {t}");
    let cases = binary.y.iter().filter(|&&v| v == 1.0).count();
    assert!(binary.y.iter().all(|&v| v == 0.0 || v == 1.0));
    assert_eq!(Some(cases), binary.cases);
    for (y, l) in binary.y.iter().zip(l) {
        assert_eq!(*y == 1.0, *l > t_sim);
    }
    let share = cases as f64 / n;
    assert!((share - 0.2).abs() < 0.04, "{share}");
    // the meta says so
    let meta = simulation_meta(&bed, &spec(30, 0.5, -1.0, Some(0.2)), 6, &binary, &fileset_hash(&bed).unwrap());
    assert_eq!((meta["cases"].as_u64(), meta["controls"].as_u64()), (Some(cases as u64), Some(2000 - cases as u64)));
    assert_eq!(meta["prevalence"], 0.2);

    // ten samples can never exceed 4.7 standard deviations: no case is an error
    let rows: Vec<usize> = (0..10).collect();
    let e = simulate_phenotype(&bed, Some(&rows), &spec(5, 0.5, -1.0, Some(1e-6)), 0).unwrap_err().to_string();
    assert!(e.contains("prevalence 0.000001 gave no case among the 10 samples"), "{e}");
}

#[test]
fn row_subsets() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(150, 250, 0.1, 0.08), 8);
    let bed = Bed::open(&prefix).unwrap();
    let raw = Raw::open(&prefix);
    let s = spec(12, 0.7, -1.0, None);
    let all: Vec<usize> = (0..150).collect();
    let none = simulate_phenotype(&bed, None, &s, 1).unwrap();
    let every = simulate_phenotype(&bed, Some(&all), &s, 1).unwrap();
    assert_eq!(bits(none.y.as_slice().unwrap()), bits(every.y.as_slice().unwrap()));
    // a shuffled subset: frequencies and missing-call means are those of the subset
    let rows: Vec<usize> = (0..150).map(|i| (i * 37) % 150).filter(|i| i % 5 != 0).collect();
    let sub = simulate_phenotype(&bed, Some(&rows), &s, 1).unwrap();
    assert_eq!(sub.y.len(), rows.len());
    assert!((sub.h2 - 0.7).abs() < 1e-12);
    let out = dir.path().join("sub");
    let meta = simulation_meta(&bed, &s, 1, &sub, &fileset_hash(&bed).unwrap());
    write_simulation(&out, &bed, Some(&rows), &sub, &meta).unwrap();
    let g = raw.score(&out.join("effects.txt"), &rows);
    for (a, b) in g.iter().zip(&sub.g) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let pheno = fs::read_to_string(out.join("pheno.txt")).unwrap();
    let second = pheno.lines().nth(2).unwrap();
    assert!(second.starts_with(&format!("{} {} ", raw.fam[rows[1]].0, raw.fam[rows[1]].1)), "{second}");
}

#[test]
fn invalid_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(30, 50, 0.0, 0.0), 0);
    let bed = Bed::open(&prefix).unwrap();
    let err = |s: SimulateSpec, rows: Option<&[usize]>| simulate_phenotype(&bed, rows, &s, 0).unwrap_err().to_string();
    assert!(err(spec(0, 0.5, -1.0, None), None).contains("must be at least 1, got 0"));
    for h2 in [0.0, 1.0, -0.2, f64::NAN] {
        assert!(err(spec(2, h2, -1.0, None), None).contains("h2 must be in (0, 1)"), "{h2}");
    }
    for k in [0.0, 1.0, 2.0] {
        assert!(err(spec(2, 0.5, -1.0, Some(k)), None).contains("prevalence must be in (0, 1)"), "{k}");
    }
    assert!(err(spec(2, 0.5, f64::INFINITY, None), None).contains("maf_alpha must be finite"));
    assert!(err(spec(51, 0.5, -1.0, None), None).contains("k = 51"));
    assert!(err(spec(2, 0.5, -1.0, None), Some(&[0, 30])).contains("sample index 30 is out of range"));
    assert!(err(spec(1, 0.5, -1.0, None), Some(&[0, 1])).contains("at least 3 samples"));
    let listed = |v: Vec<usize>| SimulateSpec { causal: CausalSnps::Listed(v), ..spec(1, 0.5, -1.0, None) };
    assert!(err(listed(vec![3, 50]), None).contains("causal SNP index 50 is out of range"));
    assert!(err(listed(vec![3, 4, 3]), None).contains("causal SNP index 3 is listed twice"));
    assert!(err(listed(vec![]), None).contains("empty"));
}

#[test]
fn fileset_hash_is_xxh3_of_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = family_fileset(dir.path(), &family(13, 17, 0.0, 0.0), 0);
    let bed = Bed::open(&prefix).unwrap();
    let h = fileset_hash(&bed).unwrap();
    let of = |ext: &str| xxhash_rust::xxh3::xxh3_64(&fs::read(dir.path().join(format!("geno.{ext}"))).unwrap());
    assert_eq!((h.bed, h.bim, h.fam), (of("bed"), of("bim"), of("fam")));
    assert!(h.bed != h.bim && h.bim != h.fam);
}
