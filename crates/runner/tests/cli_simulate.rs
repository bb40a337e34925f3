//! `regpath gen --bed PREFIX`: phenotypes simulated on a PLINK fileset, as a user runs it —
//! the files and the summary, reproducibility, every bad input an error that writes nothing,
//! and agreement of `effects.txt` with `plink1.9 --score … sum` when PLINK 1.9 is installed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regpath_datagen::Bed;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(args: &[&str]) -> String {
    let o = regpath(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "regpath {args:?} failed: {stderr}");
    stderr
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// `regpath gen --family genotype --format bed` into `dir`; returns the fileset prefix.
fn fileset(dir: &Path, n: usize, p: usize, extra: &[&str]) -> PathBuf {
    let (n, p) = (n.to_string(), p.to_string());
    let args =
        [&["gen", "--family", "genotype", "--n", &n, "--p", &p, "--seed", "2", "--format", "bed"], extra].concat();
    ok(&[&args[..], &["--out", &s(dir)]].concat());
    dir.join("geno")
}

/// The values of a `FID IID value` file with a header, in order.
fn values(path: &Path) -> Vec<f64> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("FID IID phenotype"));
    lines.map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap()).collect()
}

/// g recomputed from `effects.txt` and the fileset through the `.bed` reader (missing calls at
/// the SNP's mean over the called samples).
fn score(prefix: &Path, effects: &Path) -> Vec<f64> {
    let bed = Bed::open(prefix).unwrap();
    let index: std::collections::HashMap<&str, usize> =
        bed.snp_ids().iter().enumerate().map(|(j, id)| (id, j)).collect();
    let mut g = vec![0.0; bed.n_samples()];
    let mut x = vec![0.0; bed.n_samples()];
    let text = fs::read_to_string(effects).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("SNP A1 effect"));
    for line in lines {
        let f: Vec<&str> = line.split_whitespace().collect();
        let j = index[f[0]];
        assert_eq!(f[1], bed.snp_table().allele1.get(j), "effects are on allele 1");
        let b: f64 = f[2].parse().unwrap();
        bed.decode_snp(j, None, &mut x);
        g.iter_mut().zip(&x).for_each(|(g, x)| *g += b * x);
    }
    g
}

fn variance(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n
}

fn meta(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap()
}

#[test]
fn simulates_writes_and_fits() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"), 120, 400, &["--mono-frac", "0.1", "--missing-rate", "0.02"]);
    let out = dir.path().join("sim");
    let stderr = ok(&["gen", "--bed", &s(&prefix), "--k", "10", "--h2", "0.4", "--seed", "3", "--out", &s(&out)]);
    assert!(stderr.contains("10 causal SNPs among 360 polymorphic kept of 400 SNPs"), "{stderr}");
    assert!(stderr.contains("h2 = 0.4 (realized 0.4"), "{stderr}");
    assert!(stderr.contains("pheno.txt, effects.txt, meta.json"), "{stderr}");
    let mut files: Vec<String> =
        fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["effects.txt", "meta.json", "pheno.txt"]);

    let y = values(&out.join("pheno.txt"));
    assert_eq!(y.len(), 120);
    let fam = fs::read_to_string(prefix.with_extension("fam")).unwrap();
    let pheno = fs::read_to_string(out.join("pheno.txt")).unwrap();
    for (f, p) in fam.lines().zip(pheno.lines().skip(1)) {
        let ids = |l: &str| l.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
        assert_eq!(ids(f), ids(p));
    }
    let g = score(&prefix, &out.join("effects.txt"));
    let h2 = variance(&g) / variance(&y);
    assert!((h2 - 0.4).abs() < 1e-12, "{h2}");
    assert_eq!(fs::read_to_string(out.join("effects.txt")).unwrap().lines().count(), 11);
    let m = meta(&out);
    assert_eq!((m["k"].as_u64(), m["seed"].as_u64(), m["h2"].as_f64()), (Some(10), Some(3), Some(0.4)));
    assert!((m["h2_realized"].as_f64().unwrap() - 0.4).abs() < 1e-12);
    assert_eq!(m["maf_alpha"], -1.0);
    assert_eq!(m["causal"].as_array().unwrap().len(), 10);
    let bed_hash = xxhash_rust::xxh3::xxh3_64(&fs::read(prefix.with_extension("bed")).unwrap());
    assert_eq!(m["fileset"]["bed_xxh3"].as_str().unwrap(), format!("{bed_hash:016x}"));

    // the simulated phenotype is a phenotype file `regpath path` reads
    let fit = dir.path().join("fit");
    ok(&["path", "--bed", &s(&prefix), "--pheno", &s(&out.join("pheno.txt")), "--n-alphas", "10", "--out", &s(&fit)]);
    assert_eq!(fs::read_to_string(fit.join("path.csv")).unwrap().lines().count(), 11);

    // case/control: 0/1 in pheno.txt, fitted by the logistic datafit
    let cc = dir.path().join("cc");
    let stderr = ok(&[
        "gen",
        "--bed",
        &s(&prefix),
        "--k",
        "10",
        "--h2",
        "0.4",
        "--seed",
        "3",
        "--binary",
        "--prevalence",
        "0.3",
        "--maf-alpha",
        "-0.5",
        "--out",
        &s(&cc),
    ]);
    let y01 = values(&cc.join("pheno.txt"));
    let cases = y01.iter().filter(|&&v| v == 1.0).count();
    assert!(y01.iter().all(|&v| v == 0.0 || v == 1.0));
    assert!(stderr.contains(&format!("{cases} cases and {} controls (prevalence 0.3)", 120 - cases)), "{stderr}");
    let m = meta(&cc);
    assert_eq!(
        (m["cases"].as_u64(), m["prevalence"].as_f64(), m["maf_alpha"].as_f64()),
        (Some(cases as u64), Some(0.3), Some(-0.5))
    );
    let fit = dir.path().join("fit_cc");
    ok(&[
        "path",
        "--bed",
        &s(&prefix),
        "--pheno",
        &s(&cc.join("pheno.txt")),
        "--datafit",
        "logistic",
        "--n-alphas",
        "5",
        "--out",
        &s(&fit),
    ]);

    // --causal: the listed SNPs, in .bim order; --k may repeat their number
    let list = dir.path().join("causal.txt");
    fs::write(&list, "snp300\nsnp5 0.3\n").unwrap();
    let chosen = dir.path().join("chosen");
    ok(&["gen", "--bed", &s(&prefix), "--causal", &s(&list), "--k", "2", "--h2", "0.5", "--out", &s(&chosen)]);
    let m = meta(&chosen);
    assert_eq!(m["causal"], serde_json::json!(["snp5", "snp300"]));
    assert_eq!(m["causal_given"], true);
    // an effects.txt of an earlier run is a causal list too (its header is skipped)
    let again = dir.path().join("again");
    ok(&["gen", "--bed", &s(&prefix), "--causal", &s(&out.join("effects.txt")), "--h2", "0.4", "--out", &s(&again)]);
    assert_eq!(meta(&again)["causal"], meta(&out)["causal"]);
}

#[test]
fn same_seed_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"), 60, 200, &[]);
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        ok(&["gen", "--bed", &s(&prefix), "--k", "7", "--h2", "0.25", "--seed", seed, "--out", &s(&out)]);
        out
    };
    let (a, b, c) = (run("a", "11"), run("b", "11"), run("c", "12"));
    for f in ["pheno.txt", "effects.txt", "meta.json"] {
        assert_eq!(fs::read(a.join(f)).unwrap(), fs::read(b.join(f)).unwrap(), "{f}");
        assert_ne!(fs::read(a.join(f)).unwrap(), fs::read(c.join(f)).unwrap(), "{f}");
    }
}

#[test]
fn bad_inputs_fail_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = fileset(&dir.path().join("data"), 40, 100, &["--mono-frac", "0.1"]);
    let p = s(&prefix);
    let list = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        s(&path)
    };
    let unknown = list("unknown.txt", "snp1\nrs9\nsnp2\nrs10\n");
    let twice = list("twice.txt", "snp1\nsnp2\nsnp1\n");
    let two = list("two.txt", "snp1\nsnp2\n");
    // which SNPs the family made monomorphic
    let bed = Bed::open(&prefix).unwrap();
    let mut x = vec![0.0; 40];
    let mono = (0..100)
        .find(|&j| {
            bed.decode_snp(j, None, &mut x);
            x.iter().all(|&v| v == x[0])
        })
        .unwrap();
    let mono_list = list("mono.txt", &format!("snp{mono}\n"));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--k", "0", "--h2", "0.5"], "k (the number of causal SNPs) must be at least 1, got 0"),
        (vec!["--k", "91", "--h2", "0.5"], "k = 91 causal SNPs asked for, but only 90 of the 100 SNPs"),
        (vec!["--k", "3", "--h2", "1"], "h2 must be in (0, 1), got 1"),
        (vec!["--k", "3", "--h2", "0"], "h2 must be in (0, 1), got 0"),
        (vec!["--k", "3", "--h2", "0.5", "--binary", "--prevalence", "1.5"], "prevalence must be in (0, 1), got 1.5"),
        (vec!["--k", "3", "--h2", "0.5", "--maf-alpha", "nan"], "maf_alpha must be finite"),
        (vec!["--causal", &unknown, "--h2", "0.5"], "2 of the 4 causal SNP ids are not in"),
        (vec!["--causal", &twice, "--h2", "0.5"], "line 3: SNP snp1 is listed twice (also line 1)"),
        (vec!["--causal", &two, "--k", "3", "--h2", "0.5"], "--k 3 disagrees with the 2 SNPs listed in"),
        (vec!["--causal", &mono_list, "--h2", "0.5"], "is monomorphic among the 40 samples"),
        (vec!["--h2", "0.5"], "--bed needs --k K (the number of causal SNPs) or --causal FILE"),
    ];
    for (i, (flags, want)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let out_s = s(&out);
        let args = [&["gen", "--bed", &p][..], flags, &["--out", &out_s]].concat();
        let o = regpath(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stderr.contains(want), "{args:?}: stderr lacks {want:?}: {stderr}");
        assert!(!out.exists(), "{args:?} created {}", out.display());
    }
    assert!(
        regpath(&["gen", "--bed", &p, "--k", "3", "--h2", "0.5", "--out", &s(&dir.path().join("fine"))])
            .status
            .success()
    );

    // an existing output folder keeps its other files and gets none of ours
    let existing = dir.path().join("existing");
    fs::create_dir(&existing).unwrap();
    fs::write(existing.join("keep.txt"), "x").unwrap();
    let o = regpath(&["gen", "--bed", &p, "--k", "0", "--h2", "0.5", "--out", &s(&existing)]);
    assert!(!o.status.success());
    let names: Vec<_> = fs::read_dir(&existing).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["keep.txt"]);

    // a missing or broken fileset
    let out = dir.path().join("nofileset");
    let o = regpath(&["gen", "--bed", &s(&dir.path().join("nope")), "--k", "3", "--h2", "0.5", "--out", &s(&out)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && stderr.contains("nope.bed: cannot open"), "{stderr}");
    assert!(!out.exists());

    // clap: --bed excludes the family flags and needs --h2; --causal and --maf-alpha need --bed
    for (args, want) in [
        (vec!["--bed", &p, "--family", "genotype", "--k", "2", "--h2", "0.5"], "cannot be used with '--family"),
        (vec!["--bed", &p, "--n", "10", "--k", "2", "--h2", "0.5"], "cannot be used with '--n"),
        (vec!["--bed", &p, "--p", "10", "--k", "2", "--h2", "0.5"], "cannot be used with '--p"),
        (vec!["--bed", &p, "--snr", "1", "--k", "2", "--h2", "0.5"], "cannot be used with"),
        (vec!["--bed", &p, "--format", "bed", "--k", "2", "--h2", "0.5"], "cannot be used with '--format"),
        (vec!["--bed", &p, "--k", "2"], "--h2"),
        (vec!["--family", "genotype", "--n", "10", "--p", "20", "--maf-alpha", "0"], "--bed"),
        (vec!["--k", "2", "--h2", "0.5"], "--family"),
    ] {
        let out = dir.path().join("clap");
        let o = regpath(&[&["gen"][..], &args, &["--out", &s(&out)]].concat());
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
        assert!(!out.exists());
    }
}

/// `plink1.9`, if it is on PATH.
fn plink() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("plink1.9")).find(|p| p.is_file())
}

/// PLINK 1.9's `--score effects.txt 1 2 3 header sum` (plus `extra` flags): SCORESUM per
/// sample, in .fam order.
fn plink_score(plink: &Path, prefix: &Path, effects: &Path, out: &Path, extra: &[&str]) -> Vec<f64> {
    let o = Command::new(plink)
        .args(["--bfile", &s(prefix), "--score", &s(effects), "1", "2", "3", "header", "sum", "--out", &s(out)])
        .args(extra)
        .output()
        .expect("run plink1.9");
    assert!(o.status.success(), "plink1.9 failed: {}", String::from_utf8_lossy(&o.stdout));
    let text = fs::read_to_string(out.with_extension("profile")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let col = header.iter().position(|h| *h == "SCORESUM").expect("SCORESUM column");
    lines.map(|l| l.split_whitespace().nth(col).unwrap().parse().unwrap()).collect()
}

/// PLINK prints 6 significant digits: |printed − g| ≤ half a unit in the 6th digit.
fn assert_same_to_printed_precision(plink: &[f64], g: &[f64]) {
    assert_eq!(plink.len(), g.len());
    for (i, (a, b)) in plink.iter().zip(g).enumerate() {
        assert!((a - b).abs() <= 5.0e-6 * b.abs() * (1.0 + 1e-9) + 1e-12, "sample {i}: plink {a}, regpath g {b}");
    }
}

#[test]
fn effects_file_is_a_plink_score_file() {
    let Some(plink) = plink() else {
        eprintln!("skipped: plink1.9 is not on PATH (Debian package plink1.9)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // without missing calls the agreement is exact to PLINK's printed precision; with them too,
    // since PLINK imputes a missing call at 2·(allele frequency), computed over founders — and
    // every sample of these filesets is a founder
    for (name, extra) in [("complete", &[][..]), ("missing", &["--missing-rate", "0.05"][..])] {
        let prefix = fileset(&dir.path().join(name), 300, 500, extra);
        let out = dir.path().join(format!("sim-{name}"));
        ok(&["gen", "--bed", &s(&prefix), "--k", "40", "--h2", "0.5", "--seed", "9", "--out", &s(&out)]);
        let g = score(&prefix, &out.join("effects.txt"));
        let y = values(&out.join("pheno.txt"));
        assert!((variance(&g) / variance(&y) - 0.5).abs() < 1e-12);
        let scored =
            plink_score(&plink, &prefix, &out.join("effects.txt"), &dir.path().join(format!("plink-{name}")), &[]);
        assert_same_to_printed_precision(&scored, &g);
    }
}

/// GEMMA's mouse HS example (package gemma-doc): 1,940 mice, all with parents in the `.fam`
/// (extended, GEMMA style: phenotypes in fields 6 to 11), 12,226 SNPs of which 1,926 have
/// position −9 in the `.bim` and 1,230 are monomorphic, no missing call.
#[test]
fn gemma_mouse_hs_fileset() {
    let source = Path::new("/usr/share/doc/gemma/example");
    if !source.join("mouse_hs1940.bed.gz").is_file() {
        eprintln!("skipped: {}/mouse_hs1940.bed.gz is absent (Debian package gemma-doc)", source.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for ext in ["bed", "bim", "fam"] {
        let o = Command::new("zcat").arg(source.join(format!("mouse_hs1940.{ext}.gz"))).output().expect("zcat");
        assert!(o.status.success());
        fs::write(dir.path().join(format!("mouse.{ext}")), o.stdout).unwrap();
    }
    let prefix = dir.path().join("mouse");
    let out = dir.path().join("sim");
    let stderr = ok(&["gen", "--bed", &s(&prefix), "--k", "100", "--h2", "0.3", "--seed", "1", "--out", &s(&out)]);
    assert!(stderr.contains("100 causal SNPs among 9286 polymorphic kept of 12226 SNPs"), "{stderr}");
    assert!(
        stderr.contains(
            "10300 of 12226 SNPs used; removed: 1926 at a negative base-pair position (excluded as PLINK does)"
        ),
        "{stderr}"
    );
    let y = values(&out.join("pheno.txt"));
    assert_eq!(y.len(), 1940);
    let g = score(&prefix, &out.join("effects.txt"));
    assert!((variance(&g) / variance(&y) - 0.3).abs() < 1e-12);
    let m = meta(&out);
    assert_eq!(m["fileset"]["n_polymorphic"], 9286);
    assert_eq!(m["missing_causal_calls"], 0);
    if let Some(plink) = plink() {
        // PLINK 1.9 drops variants with a negative position at load time; regpath never draws
        // them, so PLINK scores every causal SNP. --nonfounders: every mouse has parents, and
        // PLINK would otherwise compute allele frequencies over founders only (none here)
        let bed = Bed::open(&prefix).unwrap();
        let table = bed.snp_table();
        let effects = fs::read_to_string(out.join("effects.txt")).unwrap();
        for line in effects.lines().skip(1) {
            let id = line.split_whitespace().next().unwrap();
            let j = table.id.iter().position(|x| x == id).unwrap();
            assert!(table.position[j] >= 0, "causal SNP {id} at a negative position");
        }
        let scored =
            plink_score(&plink, &prefix, &out.join("effects.txt"), &dir.path().join("plink"), &["--nonfounders"]);
        assert_same_to_printed_precision(&scored, &g);
    }
}
