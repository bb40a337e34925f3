//! Issue 23, items 9–10: a score adjusted for covariates can be evaluated. `regpath predict`
//! reads the new samples' covariates (`--covariates`, columns by name, categorical levels
//! encoded as in training) and `regpath path --test-keep` scores held-out samples with their
//! covariates; both agree with a prediction recomputed here from coefs.csv, the genotypes and
//! the covariate table. Predict says when no phenotype is given, reads `--pheno-col` as `path`
//! does, and has `--remove` and `--threads`.

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    let k = h.iter().position(|c| c == name).unwrap_or_else(|| panic!("{name} not in {}", path.display()));
    r.records().map(|rec| rec.unwrap()[k].to_string()).collect()
}

#[test]
fn covariate_adjusted_scores_are_predicted_and_held_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "150",
        "--p",
        "80",
        "--k",
        "4",
        "--seed",
        "2",
        "--format",
        "bed",
        "--out",
        &d("g"),
    ]));
    let fam = fs::read_to_string(d("g/geno.fam")).unwrap();
    let ids: Vec<(String, String)> = fam
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    // covariates: a numeric one, a 3-level batch (reference A), one sample missing a value
    let batch = |i: usize| ["A", "B", "C"][(i * 7) % 3];
    let age = |i: usize| 20.0 + ((i * 13) % 29) as f64;
    let mut cov = String::from("FID IID age batch\n");
    for (i, (f, s)) in ids.iter().enumerate() {
        let a = if i == 4 { "NA".to_string() } else { age(i).to_string() };
        cov.push_str(&format!("{f} {s} {a} {}\n", batch(i)));
    }
    fs::write(d("cov.txt"), &cov).unwrap();
    let test: Vec<usize> = (0..150).filter(|i| i % 4 == 0).collect();
    let train: Vec<usize> = (0..150).filter(|i| i % 4 != 0).collect();
    let list = |rows: &[usize]| rows.iter().map(|&i| format!("{} {}\n", ids[i].0, ids[i].1)).collect::<String>();
    fs::write(d("train.txt"), list(&train)).unwrap();
    fs::write(d("test.txt"), list(&test)).unwrap();
    ok(&regpath(&[
        "path",
        "--bed",
        &d("g/geno"),
        "--pheno",
        &d("g/pheno.txt"),
        "--covariates",
        &d("cov.txt"),
        "--keep",
        &d("train.txt"),
        "--test-keep",
        &d("test.txt"),
        "--n-alphas",
        "10",
        "--eps",
        "0.05",
        "--out",
        &d("fit"),
    ]));
    let test_mse: Vec<f64> =
        column(&dir.path().join("fit/path.csv"), "test_mse").iter().map(|v| v.parse().unwrap()).collect();

    // predict on the test samples (sample 4 lacks age: --test-keep and predict both skip it)
    let stderr = ok(&regpath(&[
        "predict",
        "--fit",
        &d("fit"),
        "--bed",
        &d("g/geno"),
        "--keep",
        &d("test.txt"),
        "--covariates",
        &d("cov.txt"),
        "--pheno",
        &d("g/pheno.txt"),
        "--threads",
        "1",
        "--out",
        &d("pred"),
    ]));
    assert!(stderr.contains("SNPs with a nonzero coefficient at the requested alphas:"), "{stderr}");
    let mse: Vec<f64> =
        column(&dir.path().join("pred/metrics.csv"), "mse").iter().map(|v| v.parse().unwrap()).collect();
    for (a, b) in mse.iter().zip(&test_mse) {
        assert!((a - b).abs() <= 1e-12 * b, "predict mse {a} vs path test_mse {b}");
    }

    // an independent recomputation at alpha 6: b + Σ β_j g_ij + γ_age·age + γ_B·[B] + γ_C·[C]
    let k = 6;
    let model: serde_json::Value = serde_json::from_str(&fs::read_to_string(d("fit/model.json")).unwrap()).unwrap();
    let intercept = model["intercepts"][k].as_f64().unwrap();
    let coefs = fs::read_to_string(d("fit/coefs.csv")).unwrap();
    let mut beta: HashMap<usize, f64> = HashMap::new();
    let mut gamma: HashMap<String, f64> = HashMap::new();
    for line in coefs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != k.to_string() {
            continue;
        }
        let j: usize = f[1].parse().unwrap();
        if j < 80 {
            beta.insert(j, f[2].parse().unwrap())
        } else {
            gamma.insert(f[3].to_string(), f[2].parse().unwrap())
        };
    }
    assert_eq!(gamma.len(), 3, "age, batch=B, batch=C: {gamma:?}");
    let bed = regpath_datagen::Bed::open(Path::new(&d("g/geno"))).unwrap();
    let x = bed.to_dense(None);
    let scored: Vec<usize> = test.iter().copied().filter(|&i| i != 4).collect();
    let preds = fs::read_to_string(d("pred/predictions.csv")).unwrap();
    let header: Vec<&str> = preds.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == format!("pred_{k}")).unwrap();
    let rows: Vec<Vec<String>> = preds.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect();
    assert_eq!(rows.len(), scored.len());
    for (row, &i) in rows.iter().zip(&scored) {
        assert_eq!((row[0].as_str(), row[1].as_str()), (ids[i].0.as_str(), ids[i].1.as_str()));
        let mut eta = intercept + gamma["age"] * age(i);
        for level in ["B", "C"] {
            if batch(i) == level {
                eta += gamma[&format!("batch={level}")];
            }
        }
        eta += beta.iter().map(|(&j, &b)| b * x[[i, j]]).sum::<f64>();
        let got: f64 = row[col].parse().unwrap();
        assert!((got - eta).abs() <= 1e-10 * (1.0 + eta.abs()), "sample {i}: {got} vs {eta}");
    }

    // --remove gives the same samples as --keep of the complement
    ok(&regpath(&[
        "predict",
        "--fit",
        &d("fit"),
        "--bed",
        &d("g/geno"),
        "--remove",
        &d("train.txt"),
        "--covariates",
        &d("cov.txt"),
        "--out",
        &d("pred_rm"),
    ]));
    let a = fs::read_to_string(d("pred/predictions.csv")).unwrap();
    let b = fs::read_to_string(d("pred_rm/predictions.csv")).unwrap();
    assert_eq!(a, b);

    // errors: covariates missing, a level without a coefficient, covariates for a model without
    let bad = |args: &[&str], needle: &str| {
        let fit = d("fit");
        let mut all = vec!["predict", "--fit", &fit[..]];
        all.extend_from_slice(args);
        let out = d("bad");
        all.extend_from_slice(&["--out", &out]);
        let o = regpath(&all);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && stderr.contains(needle), "{args:?}: {stderr}");
        assert!(!Path::new(&out).join("predictions.csv").exists());
    };
    let geno = d("g/geno");
    bad(
        &["--bed", &geno],
        "the model has 3 unpenalized covariates (age, batch=B, batch=C): give the new samples' values with --covariates FILE",
    );
    fs::write(d("cov_d.txt"), cov.replace(" C\n", " D\n")).unwrap();
    bad(&["--bed", &geno, "--covariates", &d("cov_d.txt")], "level 'D' is not one of the training levels (A, B, C)");
}

#[test]
fn predict_says_which_phenotype_it_scores() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "100",
        "--p",
        "40",
        "--seed",
        "3",
        "--format",
        "bed",
        "--out",
        &d("g"),
    ]));
    ok(&regpath(&["path", "--bed", &d("g/geno"), "--n-alphas", "5", "--eps", "0.1", "--out", &d("fit")]));
    let none = ok(&regpath(&["predict", "--fit", &d("fit"), "--bed", &d("g/geno"), "--out", &d("p0")]));
    assert!(
        none.contains(
            "note: no phenotype given (--pheno FILE, or --pheno-col K for the .fam), so metrics.csv is not written"
        ),
        "{none}"
    );
    // --pheno-col without --pheno: the .fam phenotype column, as in `regpath path`
    let fam =
        ok(&regpath(&["predict", "--fit", &d("fit"), "--bed", &d("g/geno"), "--pheno-col", "1", "--out", &d("p1")]));
    assert!(fam.contains("phenotype for metrics.csv: the .fam phenotype column 1 (field 6)"), "{fam}");
    let file = ok(&regpath(&[
        "predict",
        "--fit",
        &d("fit"),
        "--bed",
        &d("g/geno"),
        "--pheno",
        &d("g/pheno.txt"),
        "--out",
        &d("p2"),
    ]));
    assert!(file.contains("value column 1 (field 3)"), "{file}");
    // the .fam holds the same phenotype as pheno.txt: the same metrics
    assert_eq!(fs::read_to_string(d("p1/metrics.csv")).unwrap(), fs::read_to_string(d("p2/metrics.csv")).unwrap());
}
