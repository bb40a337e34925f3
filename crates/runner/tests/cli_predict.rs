//! `regpath predict`: a path fitted with `regpath path` applied to new samples — on the
//! training samples it reproduces the fitted values; on held-out samples of a fileset (split by
//! `--keep`) it equals X_test·β + b computed here independently, also after the SNPs of the
//! new fileset are reordered, a third of them have A1/A2 swapped and 1 % are dropped; allele
//! mismatches, `--no-coefs` fits and `--x` matrices.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_datagen::io::bed_write::{BimRecord, FamRecord, MISSING_DOSAGE, pack_snp};
use regpath_datagen::{Bed, FamilySpec, write_bed};

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = regpath(args);
    assert!(out.status.success(), "regpath {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    (header, r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect())
}

fn genotype(n: usize, p: usize, missing_rate: f64) -> FamilySpec {
    FamilySpec::Genotype {
        n,
        p,
        k: 5,
        h2: 0.6,
        maf_min: 0.05,
        maf_max: 0.5,
        block_size: 10,
        ld: 0.5,
        dup_frac: 0.0,
        flip_frac: 0.0,
        mono_frac: 0.0,
        missing_rate,
        prevalence: None,
        survival: false,
        censoring: None,
    }
}

/// Dosage of allele 1 of sample i at SNP j, `None` for a missing call.
fn dosage(bed: &Bed, j: usize, i: usize) -> Option<f64> {
    let mut out = [0.0];
    bed.decode_snp_raw(j, Some(&[i]), &mut out);
    (!out[0].is_nan()).then_some(out[0])
}

/// Coefficients (feature, coef) of each alpha_index from coefs.csv, and the intercepts.
fn fit_of(dir: &Path) -> (Vec<Vec<(usize, f64)>>, Vec<f64>) {
    let (h, path) = csv_rows(&dir.join("path.csv"));
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let intercepts: Vec<f64> = path.iter().map(|r| r[col("intercept")].parse().unwrap()).collect();
    let mut coefs = vec![Vec::new(); intercepts.len()];
    for r in csv_rows(&dir.join("coefs.csv")).1 {
        coefs[r[0].parse::<usize>().unwrap()].push((r[1].parse().unwrap(), r[2].parse().unwrap()));
    }
    (coefs, intercepts)
}

#[test]
fn held_out_scores_match_an_independent_computation_with_reordered_flipped_and_dropped_snps() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_dataset(&data, &genotype(250, 400, 0.02), 5, OutputFormat::Bed).unwrap();
    let prefix = data.join("geno");
    let bed = Bed::open(&prefix).unwrap();
    let n = bed.n_samples();
    let ids = bed.sample_ids().to_vec();
    let train: Vec<usize> = (0..n).filter(|i| i % 5 != 0).collect();
    let test: Vec<usize> = (0..n).filter(|i| i % 5 == 0).collect();
    let list = |rows: &[usize]| rows.iter().map(|&i| format!("{} {}\n", ids[i].0, ids[i].1)).collect::<String>();
    let (train_keep, test_keep) = (dir.path().join("train.keep"), dir.path().join("test.keep"));
    fs::write(&train_keep, list(&train)).unwrap();
    fs::write(&test_keep, list(&test)).unwrap();
    let fit = dir.path().join("fit");
    ok(&[
        "path",
        "--bed",
        s(&prefix),
        "--keep",
        s(&train_keep),
        "--penalty",
        "lasso",
        "--n-alphas",
        "20",
        "--out",
        s(&fit),
    ]);
    assert!(fit.join("model.json").exists());
    let (coefs, intercepts) = fit_of(&fit);
    let pheno = data.join("pheno.txt");

    // 1. on the training samples: metrics.csv reproduces path.csv's train_mse
    let on_train = dir.path().join("on-train");
    ok(&[
        "predict",
        "--fit",
        s(&fit),
        "--bed",
        s(&prefix),
        "--keep",
        s(&train_keep),
        "--pheno",
        s(&pheno),
        "--out",
        s(&on_train),
    ]);
    let (h, path) = csv_rows(&fit.join("path.csv"));
    let train_mse: Vec<f64> =
        path.iter().map(|r| r[h.iter().position(|c| c == "train_mse").unwrap()].parse().unwrap()).collect();
    let (_, metrics) = csv_rows(&on_train.join("metrics.csv"));
    assert_eq!(metrics.len(), train_mse.len());
    for (row, want) in metrics.iter().zip(&train_mse) {
        let got: f64 = row[2].parse().unwrap();
        assert!((got - want).abs() <= 1e-10 * want, "alpha {}: predicted MSE {got}, path.csv {want}", row[0]);
    }

    // 2. held-out samples against X_test·β + b, missing calls at the training mean
    let train_mean = |j: usize| {
        let called: Vec<f64> = train.iter().filter_map(|&i| dosage(&bed, j, i)).collect();
        called.iter().sum::<f64>() / called.len() as f64
    };
    let means: Vec<f64> = (0..bed.n_snps()).map(train_mean).collect();
    let expected = |dropped: &[bool]| -> Vec<Vec<f64>> {
        test.iter()
            .map(|&i| {
                (0..intercepts.len())
                    .map(|k| {
                        intercepts[k]
                            + coefs[k]
                                .iter()
                                .map(|&(j, c)| {
                                    let x = if dropped[j] { means[j] } else { dosage(&bed, j, i).unwrap_or(means[j]) };
                                    c * x
                                })
                                .sum::<f64>()
                    })
                    .collect()
            })
            .collect()
    };
    let check = |out: &Path, want: &[Vec<f64>]| {
        let (header, rows) = csv_rows(&out.join("predictions.csv"));
        assert_eq!(header[..3], ["FID", "IID", "pred_0"]);
        assert_eq!(rows.len(), test.len());
        for (r, (row, &i)) in rows.iter().zip(&test).enumerate() {
            assert_eq!((row[0].as_str(), row[1].as_str()), (ids[i].0.as_str(), ids[i].1.as_str()));
            for (k, w) in want[r].iter().enumerate() {
                let got: f64 = row[2 + k].parse().unwrap();
                assert!((got - w).abs() <= 1e-10 * (1.0 + w.abs()), "sample {i} alpha {k}: {got} vs {w}");
            }
        }
    };
    let held = dir.path().join("held");
    ok(&["predict", "--fit", s(&fit), "--bed", s(&prefix), "--keep", s(&test_keep), "--out", s(&held)]);
    let none_dropped = vec![false; bed.n_snps()];
    check(&held, &expected(&none_dropped));
    assert!(!held.join("metrics.csv").exists() && !held.join("missing_snps.txt").exists());

    // 2b. `path --test-keep` scores the same held-out samples at every alpha: its test_mse
    // equals the MSE of `predict --pheno` on them
    let scored = dir.path().join("scored");
    ok(&[
        "path",
        "--bed",
        s(&prefix),
        "--keep",
        s(&train_keep),
        "--test-keep",
        s(&test_keep),
        "--penalty",
        "lasso",
        "--n-alphas",
        "20",
        "--out",
        s(&scored),
    ]);
    let held_metrics = dir.path().join("held-metrics");
    ok(&[
        "predict",
        "--fit",
        s(&fit),
        "--bed",
        s(&prefix),
        "--keep",
        s(&test_keep),
        "--pheno",
        s(&pheno),
        "--out",
        s(&held_metrics),
    ]);
    let (h, rows) = csv_rows(&scored.join("path.csv"));
    assert_eq!(h[h.len() - 2..], ["test_mse", "test_r2"]);
    let (_, metrics) = csv_rows(&held_metrics.join("metrics.csv"));
    for (row, m) in rows.iter().zip(&metrics) {
        let (a, b): (f64, f64) = (row[h.len() - 2].parse().unwrap(), m[2].parse().unwrap());
        assert!((a - b).abs() <= 1e-12 * b, "{a} vs {b}");
        let (a, b): (f64, f64) = (row[h.len() - 1].parse().unwrap(), m[3].parse().unwrap());
        assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
    }

    // 3. the same samples in a fileset with SNPs reversed, every third one's A1/A2 swapped
    // (genotypes recoded 2 − g) and every 100th one dropped
    let p = bed.n_snps();
    let snps = bed.snp_table();
    let kept: Vec<usize> = (0..p).rev().filter(|j| j % 100 != 7).collect();
    let dropped: Vec<bool> = (0..p).map(|j| j % 100 == 7).collect();
    let swap = |j: usize| j.is_multiple_of(3);
    let fam: Vec<FamRecord> =
        ids.iter().map(|(f, i)| FamRecord { fid: f.clone(), iid: i.clone(), phenotype: None }).collect();
    let bps = n.div_ceil(4);
    let chunk: Vec<u8> = kept
        .iter()
        .flat_map(|&j| {
            let d: Vec<u8> = (0..n)
                .map(|i| match dosage(&bed, j, i) {
                    None => MISSING_DOSAGE,
                    Some(g) if swap(j) => (2.0 - g) as u8,
                    Some(g) => g as u8,
                })
                .collect();
            let mut out = vec![0u8; bps];
            pack_snp(&d, &mut out);
            out
        })
        .collect();
    let other = dir.path().join("other");
    let bim = |m: usize| {
        let j = kept[m];
        let (a1, a2) = (snps.allele1.get(j), snps.allele2.get(j));
        let (a1, a2) = if swap(j) { (a2, a1) } else { (a1, a2) };
        BimRecord {
            chromosome: snps.chromosome.get(j).to_string(),
            id: snps.id.get(j).to_string(),
            cm: 0.0,
            position: snps.position[j] as u64,
            allele1: a1.to_string(),
            allele2: a2.to_string(),
        }
    };
    write_bed(&other, &fam, kept.len(), bim, [chunk]).unwrap();
    let moved = dir.path().join("moved");
    let err = ok(&["predict", "--fit", s(&fit), "--bed", s(&other), "--keep", s(&test_keep), "--out", s(&moved)]);
    assert!(err.contains(&format!("{} absent", p - kept.len())), "{err}");
    check(&moved, &expected(&dropped));
    let missing = fs::read_to_string(moved.join("missing_snps.txt")).unwrap();
    let want_missing: Vec<&str> = (0..p).filter(|&j| dropped[j]).map(|j| snps.id.get(j)).collect();
    assert_eq!(missing.lines().collect::<Vec<_>>(), want_missing);

    // 4. an allele that matches neither way is an error naming the SNP, or skipped on request
    let bad_bim = other.with_extension("bim");
    let text = fs::read_to_string(&bad_bim).unwrap();
    let first = text.lines().next().unwrap().to_string();
    let f: Vec<&str> = first.split_whitespace().collect();
    let new_first = format!("{}\t{}\t0\t{}\tQ\tZ", f[0], f[1], f[3]);
    fs::write(&bad_bim, text.replacen(&first, &new_first, 1)).unwrap();
    let out = regpath(&["predict", "--fit", s(&fit), "--bed", s(&other), "--out", s(&dir.path().join("bad"))]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("SNP {}", f[1])));
    assert!(!dir.path().join("bad").exists(), "no output on error");
    let skipped = dir.path().join("skipped");
    ok(&[
        "predict",
        "--fit",
        s(&fit),
        "--bed",
        s(&other),
        "--skip-mismatched",
        "--alpha-index",
        "3,7",
        "--out",
        s(&skipped),
    ]);
    assert!(fs::read_to_string(skipped.join("mismatched_snps.txt")).unwrap().starts_with(f[1]));
    assert_eq!(csv_rows(&skipped.join("predictions.csv")).0, ["FID", "IID", "pred_3", "pred_7"]);
}

#[test]
fn matrices_no_coefs_and_bad_requests() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_dataset(&data, &genotype(120, 60, 0.0), 2, OutputFormat::Npy).unwrap();
    let (x, y) = (data.join("X.npy"), data.join("y.npy"));
    let fit = dir.path().join("fit");
    ok(&["path", "--x", s(&x), "--y", s(&y), "--penalty", "mcp", "--n-alphas", "15", "--out", s(&fit)]);
    let out = dir.path().join("pred");
    ok(&["predict", "--fit", s(&fit), "--x", s(&x), "--y", s(&y), "--out", s(&out)]);
    let (h, path) = csv_rows(&fit.join("path.csv"));
    let col = h.iter().position(|c| c == "train_mse").unwrap();
    let (mh, metrics) = csv_rows(&out.join("metrics.csv"));
    assert_eq!(mh, ["alpha_index", "nnz", "mse", "r2"]);
    for (m, p) in metrics.iter().zip(&path) {
        let (got, want): (f64, f64) = (m[2].parse().unwrap(), p[col].parse().unwrap());
        assert!((got - want).abs() <= 1e-10 * want, "{got} vs {want}");
    }
    assert_eq!(csv_rows(&out.join("predictions.csv")).0[0], "sample");

    // a --bed model cannot take --x and vice versa; a --no-coefs fit cannot be applied
    let narrow = dir.path().join("narrow.csv");
    fs::write(&narrow, "1,2\n3,4\n").unwrap();
    let bare = dir.path().join("bare");
    ok(&["path", "--x", s(&x), "--y", s(&y), "--no-coefs", "--out", s(&bare)]);
    for (args, says) in [
        (vec!["--fit", s(&bare), "--x", s(&x)], "--no-coefs"),
        (vec!["--fit", s(&fit), "--x", s(&x), "--alpha-index", "99"], "--alpha-index 99"),
        (vec!["--fit", s(&dir.path().join("nowhere")), "--x", s(&x)], "model.json"),
        (vec!["--fit", s(&fit), "--x", s(&narrow)], "has 2 columns but the model has 60 features"),
    ] {
        let mut all = vec!["predict"];
        all.extend(args);
        let o = dir.path().join("o");
        all.extend(["--out", s(&o)]);
        let run = regpath(&all);
        assert!(!run.status.success(), "{all:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(says), "{all:?}: {err}");
        assert!(!o.exists(), "no output on error");
    }
}
