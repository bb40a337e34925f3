//! Issue 23: PLINK's conventions as users type them, and messages that name the real cause.
//! SNPs at negative base-pair positions are left out as PLINK leaves them out; `--extract`,
//! `--exclude` and `--maf` select the SNPs PLINK selects (checked against `plink1.9` when it is
//! installed) and fit exactly the selected columns; PLINK 2's sample-list and phenotype headers
//! are read; unmatched IDs, swapped FID/IID and a phenotype given as a covariate are named.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regpath_datagen::io::npy_write::write_npy;

fn regpath(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regpath")).args(args).output().expect("run regpath")
}

fn ok(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stderr}");
    stderr
}

/// The first line of stderr of a failed run, which must leave no output in `out`.
fn error_line(o: &Output, out: &Path) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success(), "expected a failure: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.join("path.csv").exists(), "output written on failure");
    stderr.lines().find(|l| l.starts_with("error:")).unwrap_or_default().to_string()
}

struct Data {
    dir: tempfile::TempDir,
}

impl Data {
    /// 120 samples (FID `f<i>`, IID `i<i>`), 60 SNPs, SNPs 3, 10, 11 at position -9.
    fn new() -> Data {
        let dir = tempfile::tempdir().unwrap();
        let g = dir.path().join("g");
        ok(&regpath(&[
            "gen",
            "--family",
            "genotype",
            "--n",
            "120",
            "--p",
            "60",
            "--k",
            "5",
            "--seed",
            "4",
            "--format",
            "bed",
            "--out",
            g.to_str().unwrap(),
        ]));
        let fam: String = fs::read_to_string(g.join("geno.fam"))
            .unwrap()
            .lines()
            .enumerate()
            .map(|(i, l)| {
                let f: Vec<&str> = l.split_whitespace().collect();
                format!("f{i} i{i} {}\n", f[2..].join(" "))
            })
            .collect();
        fs::write(g.join("geno.fam"), fam).unwrap();
        let pheno: String = fs::read_to_string(g.join("pheno.txt"))
            .unwrap()
            .lines()
            .skip(1)
            .enumerate()
            .map(|(i, l)| format!("f{i} i{i} {}\n", l.split_whitespace().nth(2).unwrap()))
            .collect();
        fs::write(g.join("pheno.txt"), format!("FID IID y\n{pheno}")).unwrap();
        let bim: String = fs::read_to_string(g.join("geno.bim"))
            .unwrap()
            .lines()
            .enumerate()
            .map(|(j, l)| {
                let mut f: Vec<String> = l.split_whitespace().map(str::to_string).collect();
                if [3, 10, 11].contains(&j) {
                    f[3] = "-9".into();
                }
                f.join("\t") + "\n"
            })
            .collect();
        fs::write(g.join("geno.bim"), bim).unwrap();
        Data { dir }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn s(&self, name: &str) -> String {
        self.p(name).to_string_lossy().into_owned()
    }

    fn fit(&self, extra: &[&str], out: &str) -> String {
        let mut args = vec!["path", "--bed", "PREFIX", "--pheno", "PHENO", "--n-alphas", "8", "--eps", "0.05"];
        let (prefix, pheno, o) = (self.s("g/geno"), self.s("g/pheno.txt"), self.s(out));
        args[2] = &prefix;
        args[4] = &pheno;
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", &o]);
        ok(&regpath(&args))
    }
}

/// The SNP ids of a fit's model.json.
fn model_snps(dir: &Path) -> Vec<String> {
    let model: serde_json::Value = serde_json::from_str(&fs::read_to_string(dir.join("model.json")).unwrap()).unwrap();
    model["features"]["id"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn objectives(dir: &Path) -> Vec<f64> {
    let mut r = csv::Reader::from_path(dir.join("path.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let k = h.iter().position(|c| c == "objective").unwrap();
    r.records().map(|rec| rec.unwrap()[k].parse().unwrap()).collect()
}

/// Minor allele frequency of every SNP, decoded independently of the crate's reader.
fn mafs(prefix: &Path, n: usize) -> Vec<f64> {
    let bytes = fs::read(prefix.with_extension("bed")).unwrap();
    let bps = n.div_ceil(4);
    bytes[3..]
        .chunks(bps)
        .map(|snp| {
            let (mut a1, mut called) = (0usize, 0usize);
            for i in 0..n {
                match (snp[i / 4] >> (2 * (i % 4))) & 3 {
                    0 => (a1, called) = (a1 + 2, called + 1),
                    2 => (a1, called) = (a1 + 1, called + 1),
                    3 => called += 1,
                    _ => {}
                }
            }
            let f = a1 as f64 / (2 * called) as f64;
            f.min(1.0 - f)
        })
        .collect()
}

#[test]
fn negative_positions_extract_exclude_and_maf_select_the_columns_plink_selects() {
    let d = Data::new();
    let ids: Vec<String> = (0..60).map(|j| format!("snp{j}")).collect();
    let all = d.fit(&[], "all");
    assert!(
        all.contains("note: 57 of 60 SNPs used; removed: 3 at a negative base-pair position (excluded as PLINK does)"),
        "{all}"
    );
    let kept: Vec<String> = (0..60).filter(|j| ![3, 10, 11].contains(j)).map(|j| ids[j].clone()).collect();
    assert_eq!(model_snps(&d.p("all")), kept);

    fs::write(d.p("extract.txt"), "snp1 snp2 snp3\nsnp20\nrsNOPE\n").unwrap();
    for j in 30..60 {
        fs::write(d.p("extract.txt"), fs::read_to_string(d.p("extract.txt")).unwrap() + &format!("snp{j}\n")).unwrap();
    }
    fs::write(d.p("exclude.txt"), "snp40\nsnp41\n").unwrap();
    let sel = d.fit(&["--extract", &d.s("extract.txt"), "--exclude", &d.s("exclude.txt"), "--maf", "0.1"], "sel");
    let maf = mafs(&d.p("g/geno"), 120);
    let expected: Vec<usize> = (0..60)
        .filter(|j| ![3, 10, 11].contains(j))
        .filter(|&j| [1, 2, 3, 20].contains(&j) || j >= 30)
        .filter(|&j| j != 40 && j != 41)
        .filter(|&j| maf[j] >= 0.1)
        .collect();
    let got = model_snps(&d.p("sel"));
    assert_eq!(got, expected.iter().map(|&j| ids[j].clone()).collect::<Vec<_>>(), "{sel}");
    assert!(sel.contains("1 listed ids are not in the .bim"), "{sel}");
    assert!(expected.len() < 33, "the maf rule must remove some SNPs in this test");

    // the same fit as the selected columns written densely
    let bed = regpath_datagen::Bed::open(&d.p("g/geno")).unwrap();
    let dense = bed.to_dense(None).select(ndarray::Axis(1), &expected);
    write_npy(&d.p("Xsel.npy"), &dense).unwrap();
    let pheno = fs::read_to_string(d.p("g/pheno.txt")).unwrap();
    let y: Vec<f64> = pheno.lines().skip(1).map(|l| l.split_whitespace().nth(2).unwrap().parse().unwrap()).collect();
    write_npy(&d.p("y.npy"), &ndarray::Array1::from(y)).unwrap();
    ok(&regpath(&[
        "path",
        "--x",
        &d.s("Xsel.npy"),
        "--y",
        &d.s("y.npy"),
        "--n-alphas",
        "8",
        "--eps",
        "0.05",
        "--out",
        &d.s("dense"),
    ]));
    let (a, b) = (objectives(&d.p("sel")), objectives(&d.p("dense")));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-12 * x.abs(), "objective {x} vs {y}");
    }

    // PLINK 1.9 selects the same SNPs (--nonfounders: every sample counts for the frequencies)
    let Ok(plink) = Command::new("plink1.9")
        .args(["--bfile", &d.s("g/geno"), "--extract", &d.s("extract.txt"), "--exclude", &d.s("exclude.txt")])
        .args(["--maf", "0.1", "--nonfounders", "--write-snplist", "--out", &d.s("plink")])
        .output()
    else {
        eprintln!("skipping the plink1.9 cross-check: plink1.9 not found");
        return;
    };
    assert!(plink.status.success(), "{}", String::from_utf8_lossy(&plink.stdout));
    let listed: Vec<String> = fs::read_to_string(d.p("plink.snplist")).unwrap().lines().map(str::to_string).collect();
    assert_eq!(got, listed, "regpath and plink1.9 select different SNPs");
}

#[test]
fn plink2_sample_lists_and_phenotype_headers() {
    let d = Data::new();
    let kept: Vec<usize> = (0..120).filter(|i| i % 3 != 0).collect();
    let plink1: String = kept.iter().map(|i| format!("f{i} i{i}\n")).collect();
    fs::write(d.p("k1.txt"), &plink1).unwrap();
    fs::write(d.p("k2.txt"), format!("#FID IID\n{plink1}")).unwrap();
    fs::write(d.p("k3.txt"), format!("#IID\n{}", kept.iter().map(|i| format!("i{i}\n")).collect::<String>())).unwrap();
    fs::write(d.p("k4.txt"), kept.iter().map(|i| format!("i{i}\n")).collect::<String>()).unwrap();
    d.fit(&["--keep", &d.s("k1.txt")], "k1");
    for k in ["k2", "k3", "k4"] {
        let stderr = d.fit(&["--keep", &d.s(&format!("{k}.txt"))], k);
        assert!(stderr.contains("(80 samples x 57 SNPs"), "{k}: {stderr}");
        assert_eq!(objectives(&d.p("k1")), objectives(&d.p(k)), "{k}");
    }
    // PLINK 2 phenotype file with a #IID header
    let pheno = fs::read_to_string(d.p("g/pheno.txt")).unwrap();
    let iid: String =
        pheno.lines().skip(1).map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" ") + "\n").collect();
    fs::write(d.p("g/pheno2.txt"), format!("#IID y\n{iid}")).unwrap();
    fs::copy(d.p("g/pheno.txt"), d.p("g/pheno1.txt")).unwrap();
    fs::copy(d.p("g/pheno2.txt"), d.p("g/pheno.txt")).unwrap();
    d.fit(&[], "iid_pheno");
    fs::copy(d.p("g/pheno1.txt"), d.p("g/pheno.txt")).unwrap();
    d.fit(&[], "fid_pheno");
    assert_eq!(objectives(&d.p("iid_pheno")), objectives(&d.p("fid_pheno")));
}

#[test]
fn messages_name_the_real_cause() {
    let d = Data::new();
    let prefix = d.s("g/geno");
    let out = d.p("bad");
    let o = out.to_str().unwrap();
    // FID and IID swapped in the phenotype file
    let pheno = fs::read_to_string(d.p("g/pheno.txt")).unwrap();
    let swapped: String = pheno
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {}\n", f[1], f[0], f[2])
        })
        .collect();
    fs::write(d.p("swapped.txt"), swapped).unwrap();
    let e = error_line(&regpath(&["path", "--bed", &prefix, "--pheno", &d.s("swapped.txt"), "--out", o]), &out);
    assert_eq!(
        e,
        format!(
            "error: none of the 120 samples of {prefix}.fam is in {}: 120 of its 120 lines name samples not in the \
             .fam (e.g. i0 f0, i1 f1, i2 f2); 120 of those lines match a .fam sample with FID and IID swapped: the \
             file must give FID first, then IID",
            d.s("swapped.txt")
        )
    );
    // a keep file that matches nobody
    fs::write(d.p("nobody.txt"), "x y\nz w\n").unwrap();
    let e = error_line(
        &regpath(&["path", "--bed", &prefix, "--pheno", &d.s("g/pheno.txt"), "--keep", &d.s("nobody.txt"), "--out", o]),
        &out,
    );
    assert_eq!(
        e,
        format!(
            "error: --keep {}: no sample with a phenotype is left (0 of its 2 entries are .fam samples; 2 of its 2 \
             entries name samples not in the .fam (e.g. x y, z w))",
            d.s("nobody.txt")
        )
    );
    // the phenotype file given as covariates
    let e = error_line(
        &regpath(&[
            "path",
            "--bed",
            &prefix,
            "--pheno",
            &d.s("g/pheno.txt"),
            "--covariates",
            &d.s("g/pheno.txt"),
            "--out",
            o,
        ]),
        &out,
    );
    assert!(
        e.starts_with(&format!(
            "error: --covariates {}: the covariates explain the phenotype exactly (R² = 1.000000000000); covariate 'y' has correlation 1.000000000000",
            d.s("g/pheno.txt")
        )),
        "{e}"
    );
    // a covariate collinear with y (an affine copy) next to an unrelated one
    let cov: String = pheno
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let y: f64 = f[2].parse().unwrap();
            format!("{} {} {} {}\n", f[0], f[1], (i % 7) as f64, 3.0 - 2.0 * y)
        })
        .collect();
    fs::write(d.p("cov.txt"), format!("FID IID age score\n{cov}")).unwrap();
    let e = error_line(
        &regpath(&[
            "path",
            "--bed",
            &prefix,
            "--pheno",
            &d.s("g/pheno.txt"),
            "--covariates",
            &d.s("cov.txt"),
            "--out",
            o,
        ]),
        &out,
    );
    assert!(e.contains("covariate 'score' has correlation 1.0000000000"), "{e}");
}

/// `coefs.csv` of a `--bed` fit names each SNP and its counted allele, so that `plink --score`
/// on the SNP rows of one alpha reproduces `regpath predict` up to the intercept.
#[test]
fn coefs_csv_is_a_plink_score_file() {
    let d = Data::new();
    d.fit(&[], "fit");
    let coefs = fs::read_to_string(d.p("fit/coefs.csv")).unwrap();
    assert!(coefs.starts_with("alpha_index,feature,coef,snp,a1,a2\n"), "{coefs}");
    let bim = fs::read_to_string(d.p("g/geno.bim")).unwrap();
    let bim: Vec<Vec<&str>> = bim.lines().map(|l| l.split_whitespace().collect()).collect();
    let kept: Vec<usize> = (0..60).filter(|j| ![3, 10, 11].contains(j)).collect();
    let k = 7;
    let mut score = String::new();
    for line in coefs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let j: usize = f[1].parse().unwrap();
        let record = &bim[kept[j]];
        assert_eq!((f[3], f[4], f[5]), (record[1], record[4], record[5]), "feature {j}");
        if f[0] == k.to_string() {
            score.push_str(&format!("{} {} {}\n", f[3], f[4], f[2]));
        }
    }
    assert!(!score.is_empty());
    fs::write(d.p("score.txt"), &score).unwrap();
    ok(&regpath(&[
        "predict",
        "--fit",
        &d.s("fit"),
        "--bed",
        &d.s("g/geno"),
        "--alpha-index",
        &k.to_string(),
        "--out",
        &d.s("pred"),
    ]));
    let model: serde_json::Value = serde_json::from_str(&fs::read_to_string(d.p("fit/model.json")).unwrap()).unwrap();
    let intercept = model["intercepts"][k].as_f64().unwrap();
    let preds: Vec<f64> = fs::read_to_string(d.p("pred/predictions.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse::<f64>().unwrap() - intercept)
        .collect();
    let Ok(plink) = Command::new("plink1.9")
        .args(["--bfile", &d.s("g/geno"), "--score", &d.s("score.txt"), "1", "2", "3", "sum", "--out", &d.s("plink")])
        .output()
    else {
        eprintln!("skipping the plink1.9 --score comparison: plink1.9 not found");
        return;
    };
    assert!(plink.status.success(), "{}", String::from_utf8_lossy(&plink.stdout));
    let profile = fs::read_to_string(d.p("plink.profile")).unwrap();
    let sums: Vec<f64> =
        profile.lines().skip(1).map(|l| l.split_whitespace().last().unwrap().parse().unwrap()).collect();
    assert_eq!(sums.len(), preds.len());
    let scale = preds.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    for (i, (s, p)) in sums.iter().zip(&preds).enumerate() {
        // PLINK prints 6 significant digits
        assert!((s - p).abs() <= 1e-5 * scale.max(1e-12) + 5e-6 * p.abs(), "sample {i}: plink {s}, regpath {p}");
    }
}

/// PLINK's `--pheno-name`: the column picked by its header name fits what `--pheno-col`
/// fits; an unknown name, or a file without a header, is an error that names the columns.
#[test]
fn pheno_name_picks_the_column_by_header() {
    let data = Data::new();
    let values: String = fs::read_to_string(data.p("g/pheno.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            let f: Vec<&str> = l.split_whitespace().collect();
            format!("{} {} {} {}\n", f[0], f[1], (i % 7) as f64 - 3.0, f[2])
        })
        .collect();
    data.fit(&[], "by_default");
    // the fits read g/pheno.txt: now with a column before y
    fs::write(data.p("g/pheno.txt"), format!("FID IID other y\n{values}")).unwrap();
    let two = data.s("g/pheno.txt");
    data.fit(&["--pheno-name", "y"], "by_name");
    data.fit(&["--pheno-col", "2"], "by_col");
    assert_eq!(objectives(&data.p("by_name")), objectives(&data.p("by_col")));
    assert_eq!(objectives(&data.p("by_name")), objectives(&data.p("by_default")));
    let out = data.p("unknown");
    let o = regpath(&[
        "path",
        "--bed",
        &data.s("g/geno"),
        "--pheno",
        &two,
        "--pheno-name",
        "height",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        error_line(&o, &out),
        format!("error: --pheno-name height: no such column in {two} (its columns are other, y)")
    );
    fs::write(data.p("headless.txt"), values).unwrap();
    let o = regpath(&[
        "path",
        "--bed",
        &data.s("g/geno"),
        "--pheno",
        &data.s("headless.txt"),
        "--pheno-name",
        "y",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(error_line(&o, &out).contains("has no header line"));
}
