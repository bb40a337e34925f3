//! `regpath path --datafit logistic` end to end: agreement with R's glmnet (binomial) on the
//! committed fixture `tests/fixtures/reference/logistic` (written by
//! `scripts/make_glmnet_logistic_fixture.R`), certificates recomputed here from the CSVs, the
//! output columns, label coding (0/1, PLINK 1/2 from a `.fam`), one-class and invalid labels,
//! and separation (MCP on wide data ends with `stop_reason = separated`, never a NaN).

mod common;

use std::path::{Path, PathBuf};

use common::{fails, ok, regpath, table};
use ndarray::{Array1, Array2, ShapeBuilder};
use regpath_datagen::io::npy_write::write_npy;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference/logistic")
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let (header, rows) = table(path);
    let k = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    rows.into_iter().map(|r| r[k].clone()).collect()
}

fn numbers(path: &Path, name: &str) -> Vec<f64> {
    column(path, name).iter().map(|v| v.parse().unwrap()).collect()
}

/// Dense matrix (rows) from a headerless CSV.
fn read_rows(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(|v| v.trim().parse().unwrap()).collect())
        .collect()
}

/// Coefficients per alpha index: `coefs[k][j]`.
fn coefficients(path: &Path, k_count: usize, p: usize) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; p]; k_count];
    let (_, rows) = table(path);
    for r in rows {
        let (k, j, v): (usize, usize, f64) = (r[0].parse().unwrap(), r[1].parse().unwrap(), r[2].parse().unwrap());
        out[k][j] = v;
    }
    out
}

fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The logistic loss `(1/n) Σ log(1 + e^η) − yη` and the residual `y − σ(η)`.
fn loss_and_residual(x: &[Vec<f64>], y: &[f64], b: f64, beta: &[f64]) -> (f64, Vec<f64>) {
    let mut loss = 0.0;
    let mut r = Vec::with_capacity(y.len());
    for (row, &yi) in x.iter().zip(y) {
        let eta = b + row.iter().zip(beta).map(|(a, c)| a * c).sum::<f64>();
        loss += if yi == 1.0 { softplus(-eta) } else { softplus(eta) };
        r.push(yi - sigmoid(eta));
    }
    (loss / y.len() as f64, r)
}

/// Column RMS after centring (the standardization scale).
fn scales(x: &[Vec<f64>]) -> Vec<f64> {
    let n = x.len() as f64;
    (0..x[0].len())
        .map(|j| {
            let m = x.iter().map(|r| r[j]).sum::<f64>() / n;
            (x.iter().map(|r| (r[j] - m).powi(2)).sum::<f64>() / n).sqrt()
        })
        .collect()
}

/// regpath at glmnet's lambdas (α = λ, l1_ratio = glmnet's alpha) reaches glmnet's objective
/// (thresh = 1e-14) to 1e-10 of P(0), with the same coefficients; the KKT conditions,
/// recomputed here from regpath's CSVs, hold to 1e-6 of alpha_max.
#[test]
fn agrees_with_glmnet_binomial() {
    let x_csv = fixture().join("X.csv");
    let y_csv = fixture().join("y.csv");
    let x = read_rows(&x_csv);
    let y: Vec<f64> = std::fs::read_to_string(&y_csv).unwrap().lines().map(|v| v.trim().parse().unwrap()).collect();
    let (n, p) = (x.len(), x[0].len());
    let s = scales(&x);
    let ybar = y.iter().sum::<f64>() / n as f64;
    let null = -(ybar * ybar.ln() + (1.0 - ybar) * (1.0 - ybar).ln());
    for (reference, l1_ratio) in [("lasso", 1.0), ("enet", 0.5)] {
        let alphas = std::fs::read_to_string(fixture().join(format!("{reference}.alphas.txt"))).unwrap();
        let alphas: Vec<&str> = alphas.lines().collect();
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("fit");
        let l1 = l1_ratio.to_string();
        let mut args = vec![
            "path",
            "--x",
            x_csv.to_str().unwrap(),
            "--y",
            y_csv.to_str().unwrap(),
            "--datafit",
            "logistic",
            "--tol",
            "1e-10",
            "--out",
            out.to_str().unwrap(),
        ];
        let joined = alphas.join(",");
        args.extend(["--alphas", &joined]);
        if reference == "enet" {
            args.extend(["--penalty", "enet", "--l1-ratio", &l1]);
        }
        ok(&regpath(&args));
        let ours_objective = numbers(&out.join("path.csv"), "objective");
        let ours_intercept = numbers(&out.join("path.csv"), "intercept");
        let glmnet_objective = numbers(&fixture().join(format!("{reference}.path.csv")), "objective");
        let k_count = alphas.len();
        let ours = coefficients(&out.join("coefs.csv"), k_count, p);
        let theirs = coefficients(&fixture().join(format!("{reference}.coefs.csv")), k_count, p);
        let alpha_max: f64 = alphas[0].parse::<f64>().unwrap();
        for k in 0..k_count {
            let alpha: f64 = alphas[k].parse().unwrap();
            // our objective, recomputed from the CSVs, is the reported one
            let (loss, r) = loss_and_residual(&x, &y, ours_intercept[k], &ours[k]);
            let pen: f64 = (0..p)
                .map(|j| {
                    let t = ours[k][j] * s[j];
                    alpha * (l1_ratio * t.abs() + 0.5 * (1.0 - l1_ratio) * t * t)
                })
                .sum();
            assert!((loss + pen - ours_objective[k]).abs() <= 1e-13, "{reference} k {k}: objective");
            assert!(
                (ours_objective[k] - glmnet_objective[k]).abs() <= 1e-10 * null,
                "{reference} k {k}: regpath {} vs glmnet {}",
                ours_objective[k],
                glmnet_objective[k]
            );
            for j in 0..p {
                assert!(
                    ((ours[k][j] - theirs[k][j]) * s[j]).abs() <= 1e-4,
                    "{reference} k {k} feature {j}: {} vs {}",
                    ours[k][j],
                    theirs[k][j]
                );
            }
            // KKT on the working scale: c_j = x̃_jᵀr/n
            let mean_r = r.iter().sum::<f64>() / n as f64;
            assert!(mean_r.abs() <= 1e-6 * alpha_max, "{reference} k {k}: mean residual {mean_r}");
            for j in 0..p {
                let m = x.iter().map(|row| row[j]).sum::<f64>() / n as f64;
                let c = x.iter().zip(&r).map(|(row, ri)| (row[j] - m) / s[j] * ri).sum::<f64>() / n as f64;
                let t = ours[k][j] * s[j];
                let l2 = alpha * (1.0 - l1_ratio) * t;
                let violation = if t == 0.0 {
                    (c.abs() - alpha * l1_ratio).max(0.0)
                } else {
                    (c - l2 - alpha * l1_ratio * t.signum()).abs()
                };
                assert!(violation <= 1e-6 * alpha_max, "{reference} k {k} feature {j}: KKT {violation}");
            }
        }
    }
}

/// A small logistic problem: n × p uniform X (column-major .npy) and y = 1{x0 + x1 + noise > 1};
/// returns the two paths and X's rows and y.
fn write_problem(dir: &Path, n: usize, p: usize, separable: bool) -> (String, String, Vec<Vec<f64>>, Vec<f64>) {
    let mut state = 7u64;
    let mut next = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let x: Vec<f64> = (0..n * p).map(|_| next()).collect(); // column-major: x[j*n + i]
    let y: Vec<f64> = (0..n)
        .map(|i| {
            let noise = if separable { 0.0 } else { next() - 0.5 };
            f64::from(u8::from(x[i] + x[n + i] + noise > 1.0))
        })
        .collect();
    let (xp, yp) = (dir.join("X.npy"), dir.join("y.npy"));
    let matrix = Array2::from_shape_vec((n, p).f(), x).unwrap();
    write_npy(&xp, &matrix).unwrap();
    write_npy(&yp, &Array1::from(y.clone())).unwrap();
    let rows = (0..n).map(|i| matrix.row(i).to_vec()).collect();
    (xp.to_string_lossy().into_owned(), yp.to_string_lossy().into_owned(), rows, y)
}

#[test]
fn logistic_tables_and_default_grid() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, xs, ys) = write_problem(dir.path(), 120, 30, false);
    let out = dir.path().join("fit");
    let stderr = ok(&regpath(&["path", "--x", &x, "--y", &y, "--datafit", "logistic", "--out", out.to_str().unwrap()]));
    assert!(stderr.contains("logistic lasso path"), "{stderr}");
    let path = out.join("path.csv");
    let (header, rows) = table(&path);
    assert!(header.contains(&"train_deviance".to_string()) && !header.contains(&"train_mse".to_string()), "{header:?}");
    assert_eq!(rows.len(), 100);
    // the default grid ends at 1e-2·alpha_max
    let ratio = numbers(&path, "alpha_over_max");
    assert!((ratio[99] - 1e-2).abs() < 1e-12, "{}", ratio[99]);
    // train_deviance = 2·loss and deviance_ratio = 1 − loss/P(0), recomputed from the coefficients
    let coefs = coefficients(&out.join("coefs.csv"), 100, 30);
    let intercept = numbers(&path, "intercept");
    let deviance = numbers(&path, "train_deviance");
    let ratio = numbers(&path, "deviance_ratio");
    let ybar = ys.iter().sum::<f64>() / ys.len() as f64;
    let null = -(ybar * ybar.ln() + (1.0 - ybar) * (1.0 - ybar).ln());
    for k in [0, 50, 99] {
        let (loss, _) = loss_and_residual(&xs, &ys, intercept[k], &coefs[k]);
        assert!((deviance[k] - 2.0 * loss).abs() <= 1e-12, "k {k}");
        assert!((ratio[k] - (1.0 - loss / null)).abs() <= 1e-12, "k {k}");
    }
    assert!(column(&path, "converged").iter().all(|c| c == "true"));
    assert!(numbers(&path, "certificate").iter().all(|&c| c <= 1e-6));
    assert_eq!(column(&path, "stop_reason")[99], "end_of_grid");
}

/// Separable wide data: MCP ends early with `separated` (every written number finite, every
/// written point certified); the Lasso has a minimizer at every alpha > 0 and runs its grid.
#[test]
fn separation_ends_nonconvex_paths_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y, _, _) = write_problem(dir.path(), 40, 200, true);
    for penalty in ["mcp", "scad", "lasso"] {
        let out = dir.path().join(penalty);
        let stderr = ok(&regpath(&[
            "path",
            "--x",
            &x,
            "--y",
            &y,
            "--datafit",
            "logistic",
            "--penalty",
            penalty,
            "--out",
            out.to_str().unwrap(),
        ]));
        let path = out.join("path.csv");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.to_lowercase().contains("nan") && !text.contains("inf"), "{text}");
        let stop = column(&path, "stop_reason");
        let last = stop.last().unwrap();
        if penalty == "lasso" {
            assert_eq!(last, "end_of_grid", "{stderr}");
        } else {
            assert_eq!(last, "separated", "{stderr}");
            assert!(stop.len() < 100);
            assert!(stderr.contains("separates the cases from the controls"), "{stderr}");
        }
        assert!(numbers(&path, "certificate").iter().all(|&c| c <= 1e-6), "{penalty}: {text}");
    }
}

#[test]
fn invalid_labels_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (x, _, _, _) = write_problem(dir.path(), 30, 5, false);
    let cases = [
        (vec![1.0; 30], "one class only"),
        ((0..30).map(|i| f64::from(i % 3)).collect::<Vec<_>>(), "y has 2 at position 2"),
        ((0..30).map(|i| if i == 4 { 0.5 } else { f64::from(i % 2) }).collect(), "0.5 at position 4"),
    ];
    for (k, (values, message)) in cases.iter().enumerate() {
        let y = dir.path().join(format!("y{k}.npy"));
        write_npy(&y, &Array1::from(values.clone())).unwrap();
        let out = dir.path().join(format!("out{k}"));
        let stderr = fails(&regpath(&[
            "path",
            "--x",
            &x,
            "--y",
            y.to_str().unwrap(),
            "--datafit",
            "logistic",
            "--out",
            out.to_str().unwrap(),
        ]));
        assert!(stderr.contains(message), "{stderr}");
        assert!(!out.join("path.csv").exists());
    }
    let out = dir.path().join("bad");
    let stderr = fails(&regpath(&["path", "--example", "--datafit", "probit", "--out", out.to_str().unwrap()]));
    assert!(stderr.contains("unknown datafit 'probit'"), "{stderr}");
}

/// A `.bed` fileset whose `.fam` holds PLINK's 1/2 coding (with one 0 = missing) fits exactly
/// the same path as its dense 0/1 copy without that sample.
#[test]
fn plink_case_control_coding_is_recoded() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "150",
        "--p",
        "300",
        "--binary",
        "--prevalence",
        "0.4",
        "--seed",
        "3",
        "--format",
        "bed",
        "--out",
        &d("bed"),
    ]));
    ok(&regpath(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "150",
        "--p",
        "300",
        "--binary",
        "--prevalence",
        "0.4",
        "--seed",
        "3",
        "--out",
        &d("npy"),
    ]));
    // the .fam is 1/2-coded; mark sample 0 missing with PLINK's 0
    let fam_path = dir.path().join("bed/geno.fam");
    let fam = std::fs::read_to_string(&fam_path).unwrap();
    let phenos: Vec<&str> = fam.lines().map(|l| l.split_whitespace().nth(5).unwrap()).collect();
    assert!(phenos.iter().all(|v| *v == "1" || *v == "2") && phenos.contains(&"2"), "{phenos:?}");
    let edited: Vec<String> = fam
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<&str> = l.split_whitespace().collect();
            if i == 0 {
                f[5] = "0";
            }
            f.join(" ")
        })
        .collect();
    std::fs::write(&fam_path, edited.join("\n") + "\n").unwrap();
    let stderr = ok(&regpath(&[
        "path",
        "--bed",
        &d("bed/geno"),
        "--datafit",
        "logistic",
        "--n-alphas",
        "20",
        "--out",
        &d("fit_bed"),
    ]));
    assert!(stderr.contains("PLINK case/control coding"), "{stderr}");
    assert!(stderr.contains("1 of 150 samples dropped"), "{stderr}");
    // the dense copy without row 0
    let rows: Vec<String> = (1..150).map(|i| i.to_string()).collect();
    std::fs::write(dir.path().join("rows.txt"), rows.join("\n")).unwrap();
    ok(&regpath(&[
        "path",
        "--x",
        &d("npy/X.npy"),
        "--y",
        &d("npy/y.npy"),
        "--keep-rows",
        &d("rows.txt"),
        "--datafit",
        "logistic",
        "--n-alphas",
        "20",
        "--out",
        &d("fit_npy"),
    ]));
    let a = numbers(&dir.path().join("fit_bed/path.csv"), "objective");
    let b = numbers(&dir.path().join("fit_npy/path.csv"), "objective");
    assert_eq!(a.len(), b.len());
    for (u, v) in a.iter().zip(&b) {
        assert!((u - v).abs() <= 1e-9 * u.abs(), "{u} vs {v}");
    }
}
