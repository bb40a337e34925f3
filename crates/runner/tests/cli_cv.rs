//! Issue 25, item 1: `regpath path --cv-folds K | --foldid FILE | --fold-groups FILE
//! [--patience N] [--seed S]` and `regpath predict --alpha min|1se|INDEX`: outputs, folds that
//! keep groups together, the agreement of dense and packed CV, and every bad input a clear
//! error with nothing written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(args: &[&str]) -> String {
    let o = regpath(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "regpath {args:?} failed: {stderr}");
    stderr
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A genotype fileset of 60 samples × 200 SNPs (`DIR/geno.*`) and its `.npy` twin.
fn genotypes(dir: &Path) -> PathBuf {
    let g = dir.join("g");
    ok(&[
        "gen",
        "--family",
        "genotype",
        "--n",
        "60",
        "--p",
        "200",
        "--k",
        "5",
        "--seed",
        "3",
        "--format",
        "bed",
        "--out",
        s(&g),
    ]);
    g
}

fn column(path: &Path, name: &str) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let i = r.headers().unwrap().iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    r.records().map(|rec| rec.unwrap()[i].to_string()).collect()
}

/// The first line of stderr of a failing run, after checking the exit status and that `out`
/// holds no output.
fn failure(args: &[&str], out: &Path) -> String {
    let o = regpath(args);
    assert!(!o.status.success(), "regpath {args:?} should fail");
    for f in ["path.csv", "coefs.csv", "model.json", "folds.txt", "predictions.csv"] {
        assert!(!out.join(f).exists(), "{f} written by a failing run {args:?}");
    }
    String::from_utf8_lossy(&o.stderr).lines().next().unwrap_or("").to_string()
}

#[test]
fn bed_cv_with_fold_groups_keeps_groups_together_and_equals_the_dense_fit() {
    let dir = tempfile::tempdir().unwrap();
    let g = genotypes(dir.path());
    let prefix = g.join("geno");
    // groups of 4 consecutive samples: 15 groups dealt to 5 folds
    let fam = std::fs::read_to_string(g.join("geno.fam")).unwrap();
    let ids: Vec<(String, String)> = fam
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].to_string())
        })
        .collect();
    let groups = dir.path().join("groups.txt");
    let text: String = ids.iter().enumerate().map(|(i, (f, d))| format!("{f} {d} fam{}\n", i / 4)).collect();
    std::fs::write(&groups, format!("FID IID group\n{text}")).unwrap();
    let out = dir.path().join("bed");
    let stderr = ok(&[
        "path",
        "--bed",
        s(&prefix),
        "--fold-groups",
        s(&groups),
        "--cv-folds",
        "5",
        "--n-alphas",
        "20",
        "--out",
        s(&out),
    ]);
    assert!(stderr.contains("cross-validation: 5 folds"), "{stderr}");
    let folds = std::fs::read_to_string(out.join("folds.txt")).unwrap();
    let mut lines = folds.lines();
    assert_eq!(lines.next(), Some("FID IID fold"));
    let mut fold_of_group: HashMap<usize, String> = HashMap::new();
    let mut per_fold: HashMap<String, usize> = HashMap::new();
    let mut dense_foldid = String::new();
    for (i, line) in lines.enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((f[0], f[1]), (ids[i].0.as_str(), ids[i].1.as_str()));
        let previous = fold_of_group.entry(i / 4).or_insert_with(|| f[2].to_string());
        assert_eq!(previous, f[2], "group {} split across folds", i / 4);
        *per_fold.entry(f[2].to_string()).or_default() += 1;
        dense_foldid.push_str(&format!("{}\n", f[2]));
    }
    assert_eq!(per_fold.len(), 5);
    assert!(per_fold.values().all(|&c| c == 12), "balanced: 3 groups of 4 per fold: {per_fold:?}");

    // the same folds on the dense twin (y.npy, X from the .bed): the same curve
    let x = dir.path().join("X.npy");
    let y = g.join("y.npy");
    dense_twin(&prefix, &x);
    let foldid = dir.path().join("foldid.txt");
    std::fs::write(&foldid, dense_foldid).unwrap();
    let dense = dir.path().join("dense");
    ok(&["path", "--x", s(&x), "--y", s(&y), "--foldid", s(&foldid), "--n-alphas", "20", "--out", s(&dense)]);
    let (a, b) = (column(&out.join("path.csv"), "cv_mean"), column(&dense.join("path.csv"), "cv_mean"));
    assert_eq!(a.len(), 20);
    for (u, v) in a.iter().zip(&b) {
        let (u, v): (f64, f64) = (u.parse().unwrap(), v.parse().unwrap());
        assert!((u / v - 1.0).abs() < 1e-6, "packed {u} vs dense {v}");
    }
    assert_eq!(column(&out.join("path.csv"), "cv_choice"), column(&dense.join("path.csv"), "cv_choice"));

    // predict: alpha_1se by default, --alpha min, an index
    let pred = dir.path().join("pred");
    let stderr = ok(&["predict", "--fit", s(&out), "--bed", s(&prefix), "--out", s(&pred)]);
    assert!(stderr.contains("predicting at alpha_1se"), "{stderr}");
    let one_se = column(&out.join("path.csv"), "cv_choice").iter().position(|c| c.contains("1se")).unwrap();
    let header = std::fs::read_to_string(pred.join("predictions.csv")).unwrap();
    assert!(header.lines().next().unwrap().contains(&format!("{one_se}")), "{header}");
    ok(&["predict", "--fit", s(&out), "--bed", s(&prefix), "--alpha", "min", "--out", s(&pred)]);
    ok(&["predict", "--fit", s(&out), "--bed", s(&prefix), "--alpha", "3", "--out", s(&pred)]);
}

/// Writes the genotypes of a PLINK fileset as a Fortran-order f64 `.npy` (no missing calls in
/// the generated data), through `regpath`'s own reader being out of reach here: decoded by hand.
fn dense_twin(prefix: &Path, x: &Path) {
    let bed = std::fs::read(prefix.with_extension("bed")).unwrap();
    let n = std::fs::read_to_string(prefix.with_extension("fam")).unwrap().lines().count();
    let p = std::fs::read_to_string(prefix.with_extension("bim")).unwrap().lines().count();
    let bps = n.div_ceil(4);
    let mut values = Vec::with_capacity(n * p);
    for j in 0..p {
        for i in 0..n {
            let code = (bed[3 + j * bps + i / 4] >> (2 * (i % 4))) & 3;
            values.push(match code {
                0 => 2.0,
                2 => 1.0,
                3 => 0.0,
                _ => panic!("missing call"),
            });
        }
    }
    let header = format!("{{'descr': '<f8', 'fortran_order': True, 'shape': ({n}, {p}), }}");
    let mut h = header.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&h);
    for v in values {
        bytes.extend_from_slice(&f64::to_le_bytes(v));
    }
    std::fs::write(x, bytes).unwrap();
}

#[test]
fn random_folds_depend_on_the_seed_and_patience_ends_the_path_at_alpha_min() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    ok(&["path", "--example", "--cv-folds", "4", "--seed", "5", "--out", s(&a)]);
    ok(&["path", "--example", "--cv-folds", "4", "--seed", "6", "--out", s(&b)]);
    let (fa, fb) =
        (std::fs::read_to_string(a.join("folds.txt")).unwrap(), std::fs::read_to_string(b.join("folds.txt")).unwrap());
    assert_ne!(fa, fb);
    assert_eq!(fa.lines().count(), 101, "a header and 100 samples");
    let stderr = ok(&["path", "--example", "--cv-folds", "4", "--seed", "5", "--patience", "5", "--out", s(&c)]);
    let marks = column(&c.join("path.csv"), "cv_choice");
    let stop = column(&c.join("path.csv"), "stop_reason");
    assert!(marks.last().unwrap().starts_with("min"), "the path ends at alpha_min: {marks:?}");
    if stop.len() < 100 {
        assert_eq!(stop.last().unwrap(), "no_improvement", "{stderr}");
    }
}

#[test]
fn bad_fold_input_is_a_clear_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let ex = |extra: &[&str]| {
        let mut a = vec!["path", "--example"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--out", s(&out)]);
        a.iter().map(|v| v.to_string()).collect::<Vec<String>>()
    };
    let run = |args: Vec<String>| failure(&args.iter().map(String::as_str).collect::<Vec<_>>(), &out);
    let short = file("short.txt", &"1\n2\n".repeat(49));
    assert_eq!(
        run(ex(&["--foldid", s(&short)])),
        format!("error: --foldid {}: 98 values for 100 samples (one per line, in row order)", short.display())
    );
    let gap = file("gap.txt", &"1\n2\n4\n4\n".repeat(25));
    assert_eq!(
        run(ex(&["--foldid", s(&gap)])),
        format!(
            "error: --foldid {}: fold 3 of 1..4 has no sample (fold numbers must be 1..K, every one used)",
            gap.display()
        )
    );
    let good = file("good.txt", &"1\n2\n3\n4\n".repeat(25));
    assert_eq!(
        run(ex(&["--foldid", s(&good), "--cv-folds", "5"])),
        format!("error: --foldid {} has 4 folds but --cv-folds is 5", good.display())
    );
    let zero = file("zero.txt", &format!("0\n{}", "1\n2\n".repeat(49) + "1\n"));
    assert_eq!(
        run(ex(&["--foldid", s(&zero)])),
        format!("error: --foldid {}: line 1: fold \"0\" is not a positive integer", zero.display())
    );
    assert_eq!(run(ex(&["--cv-folds", "1"])), "error: --cv-folds must be at least 2, got 1");
    assert_eq!(run(ex(&["--cv-folds", "101"])), "error: --cv-folds 101: more folds than the 100 samples");
    let groups = file("groups.txt", &"a\nb\nc\n".repeat(33));
    assert_eq!(
        run(ex(&["--fold-groups", s(&groups)])),
        format!("error: --fold-groups {}: 99 values for 100 samples (one per line, in row order)", groups.display())
    );
    let groups = file("groups3.txt", &("a\nb\nc\n".repeat(33) + "a\n"));
    assert_eq!(
        run(ex(&["--fold-groups", s(&groups), "--cv-folds", "4"])),
        format!("error: --cv-folds 4: more folds than the 3 groups of --fold-groups {}", groups.display())
    );
    assert_eq!(
        run(ex(&["--patience", "3"])),
        "error: --patience stops the CV folds early: give --cv-folds K, --foldid FILE or --fold-groups FILE"
    );

    // PLINK fold files: unknown sample ids, samples missing from a groups file
    let g = genotypes(dir.path());
    let prefix = g.join("geno");
    let bed = |extra: &[&str]| {
        let mut a = vec!["path".to_string(), "--bed".into(), s(&prefix).into()];
        a.extend(extra.iter().map(|v| v.to_string()));
        a.extend(["--out".to_string(), s(&out).into()]);
        a
    };
    let listed: String = (0..60).map(|i| format!("ind{i} ind{i} {}\n", 1 + i % 3)).collect();
    let unknown = file("unknown.txt", &format!("{listed}nobody nobody 1\n"));
    assert_eq!(
        run(bed(&["--foldid", s(&unknown)])),
        format!("error: --foldid {}: 1 sample id is not in the .fam (first: nobody nobody)", unknown.display())
    );
    let partial: String = (0..57).map(|i| format!("ind{i} ind{i} g{}\n", i % 7)).collect();
    let partial = file("partial.txt", &partial);
    assert_eq!(
        run(bed(&["--fold-groups", s(&partial), "--cv-folds", "3"])),
        format!(
            "error: --fold-groups {}: 3 of the 60 fitted samples are not listed (first: ind57 ind57)",
            partial.display()
        )
    );

    // predict --alpha 1se on a fit without CV
    let plain = dir.path().join("plain");
    ok(&["path", "--example", "--out", s(&plain)]);
    let pred = dir.path().join("pred");
    let x = dir.path().join("x.csv");
    std::fs::write(&x, "1,2,3,4,5,6,7,8,9,10\n").unwrap();
    assert_eq!(
        failure(&["predict", "--fit", s(&plain), "--x", s(&x), "--alpha", "1se", "--out", s(&pred)], &pred),
        format!(
            "error: --alpha 1se: the fit in {} has no cross-validation (fit it with --cv-folds K); give --alpha INDEX",
            plain.display()
        )
    );
}

#[test]
fn plot_of_a_path_output_draws_the_coefficient_paths_the_cv_curve_and_the_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let (cv, plain) = (dir.path().join("cv"), dir.path().join("plain"));
    ok(&["path", "--example", "--cv-folds", "5", "--n-alphas", "30", "--out", s(&cv)]);
    let stderr = ok(&["plot", s(&cv)]);
    let names = ["path_coefs_log_alpha.svg", "path_coefs_l1.svg", "path_cv.svg", "path_certificate.svg"];
    for name in names {
        let svg = std::fs::read_to_string(cv.join("figures").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(svg.contains("<svg") && stderr.contains(name), "{name}");
    }
    // one error bar per alpha on the CV curve, and the two chosen alphas in the legend
    let curve = std::fs::read_to_string(cv.join("figures/path_cv.svg")).unwrap();
    assert!(curve.matches("<circle").count() >= 30, "a point per alpha");
    assert!(curve.contains("alpha_min") && curve.contains("alpha_1se"));
    // the report of the path inlines them
    ok(&["report", s(&cv)]);
    let page = std::fs::read_to_string(cv.join("report.html")).unwrap();
    for name in names {
        assert!(page.contains(name), "report without {name}");
    }
    // path --plot without CV: no CV curve
    let stderr = ok(&["path", "--example", "--plot", "--out", s(&plain)]);
    assert!(stderr.contains("path_coefs_l1.svg"), "{stderr}");
    assert!(plain.join("figures/path_certificate.svg").exists());
    assert!(!plain.join("figures/path_cv.svg").exists());
}

#[test]
fn cv_with_covariates_and_a_path_cut_short_by_max_nnz() {
    let dir = tempfile::tempdir().unwrap();
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cv");
    let cov = dir.path().join("cov.csv");
    std::fs::write(&cov, (0..120).map(|i| format!("{}\n", (i * 7) % 5)).collect::<String>()).unwrap();
    let out = dir.path().join("cov");
    let x = fx.join("gaussian.X.csv");
    let y = fx.join("gaussian.y.csv");
    ok(&[
        "path",
        "--x",
        s(&x),
        "--y",
        s(&y),
        "--covariates",
        s(&cov),
        "--cv-folds",
        "5",
        "--n-alphas",
        "20",
        "--out",
        s(&out),
    ]);
    let mean = column(&out.join("path.csv"), "cv_mean");
    assert!(mean.iter().all(|m| m.parse::<f64>().is_ok_and(f64::is_finite)), "{mean:?}");

    // --patience runs the folds first; --max-nnz may end the full path before their curve
    let short = dir.path().join("short");
    ok(&[
        "path",
        "--x",
        s(&x),
        "--y",
        s(&y),
        "--cv-folds",
        "5",
        "--patience",
        "30",
        "--max-nnz",
        "3",
        "--out",
        s(&short),
    ]);
    let marks = column(&short.join("path.csv"), "cv_choice");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(short.join("model.json")).unwrap()).unwrap();
    let min = model["cv"]["alpha_min_index"].as_u64().unwrap() as usize;
    assert!(min < marks.len() && marks[min].starts_with("min"), "{marks:?}");
}
