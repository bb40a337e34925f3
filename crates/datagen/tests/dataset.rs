//! Writing whole datasets (what `regpath gen` does) and reading them back with the readers.

use std::fs;

use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_datagen::{Bed, FamilySpec, generate, read_matrix, read_pheno, read_vector};

fn genotype(n: usize, p: usize) -> FamilySpec {
    FamilySpec::Genotype {
        n,
        p,
        k: 5,
        h2: 0.6,
        maf_min: 0.05,
        maf_max: 0.5,
        block_size: 9,
        ld: 0.8,
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
fn npy_dataset_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/sub");
    let spec = FamilySpec::Toeplitz { n: 23, p: 17, rho: 0.3, k: 4, snr: 2.0 };
    let meta = write_dataset(&out, &spec, 5, OutputFormat::Npy).unwrap();
    let data = generate(&spec, 5).unwrap();
    let x = read_matrix(&out.join("X.npy")).unwrap();
    assert!(x.is_zero_copy(), "X.npy must be Fortran-order f64");
    assert_eq!(x.view(), data.x);
    assert_eq!(read_vector(&out.join("y.npy")).unwrap(), data.y);
    assert_eq!(read_vector(&out.join("beta.npy")).unwrap(), data.beta);
    let on_disk: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    assert_eq!(on_disk, meta);
    assert_eq!(meta["family"], "toeplitz");
    assert_eq!(meta["name"], "toeplitz_n23_p17_seed5");
    assert_eq!(meta["n"], 23);
    assert_eq!(meta["p"], 17);
    assert_eq!(meta["rho"], 0.3);
    assert_eq!(meta["k"], 4);
    assert_eq!(meta["seed"], 5);
    assert_eq!(meta["snr_target"], 2.0);
    assert_eq!(meta["snr"], data.snr);
    assert_eq!(meta["standardized_columns"], false);
    let h2 = meta["h2"].as_f64().unwrap();
    assert!((h2 - data.snr / (1.0 + data.snr)).abs() < 1e-15);
    let mut names: Vec<_> =
        fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["X.npy", "beta.npy", "meta.json", "y.npy"]);
}

#[test]
fn bed_dataset_matches_npy_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let spec = genotype(11, 40);
    let bed_dir = dir.path().join("bed");
    let meta = write_dataset(&bed_dir, &spec, 3, OutputFormat::Bed).unwrap();
    assert_eq!(meta["format"], "bed");
    assert!(!bed_dir.join("X.npy").exists());
    let data = generate(&spec, 3).unwrap();
    let bed = Bed::open(&bed_dir.join("geno")).unwrap();
    assert_eq!((bed.n_samples(), bed.n_snps()), (11, 40));
    assert_eq!(bed.to_dense(None), data.x);
    let fam: Vec<f64> = bed.fam_phenotypes().into_iter().map(Option::unwrap).collect();
    assert_eq!(fam, data.y.to_vec(), "fam phenotypes must round-trip exactly");
    let pheno = read_pheno(&bed_dir.join("pheno.txt"), &bed).unwrap();
    assert_eq!(pheno, bed.fam_phenotypes());
    assert_eq!(read_vector(&bed_dir.join("y.npy")).unwrap(), data.y);
    assert_eq!(read_vector(&bed_dir.join("beta.npy")).unwrap(), data.beta);
    assert_eq!(meta["snr"], data.snr);
    assert_eq!(meta["h2_target"], 0.6);
}

#[test]
fn errors_leave_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bad = FamilySpec::Toeplitz { n: 10, p: 5, rho: 0.5, k: 6, snr: 3.0 };
    assert!(write_dataset(&out, &bad, 0, OutputFormat::Npy).is_err());
    assert!(!out.exists());
    let not_genotype = FamilySpec::Uniform { n: 10, p: 5 };
    let msg = write_dataset(&out, &not_genotype, 0, OutputFormat::Bed).unwrap_err().to_string();
    assert!(msg.contains("format bed needs family genotype"), "{msg}");
    assert!(!out.exists());
    // Unwritable target: a file where the folder should be.
    let blocker = dir.path().join("blocker");
    fs::write(&blocker, "x").unwrap();
    let err = write_dataset(&blocker, &genotype(8, 10), 0, OutputFormat::Bed).unwrap_err();
    assert!(err.to_string().contains("blocker"), "{err}");
    assert_eq!(fs::read_to_string(&blocker).unwrap(), "x");
}

/// The spec with `prevalence` set (through its serialized form, as a sweep or `regpath gen`
/// builds it).
fn with_prevalence(spec: &FamilySpec, prevalence: f64) -> FamilySpec {
    let mut value = serde_json::to_value(spec).unwrap();
    value["prevalence"] = serde_json::json!(prevalence);
    serde_json::from_value(value).unwrap()
}

/// `prevalence` (case/control by the liability-threshold model): y is 0/1 with about K·n
/// cases, the cases are the samples with the largest quantitative phenotype (the liability of
/// the same seed), the `.fam` holds PLINK's 1/2 coding, `pheno.txt` and `y.npy` 0/1, and
/// `meta.json` the counts; without it the output is the quantitative phenotype, unchanged.
#[test]
fn case_control_phenotypes_by_liability_threshold() {
    let (n, k) = (20_000, 0.1);
    let quantitative = genotype(n, 60);
    let binary = with_prevalence(&quantitative, k);
    let liability = generate(&quantitative, 5).unwrap().y;
    let y = generate(&binary, 5).unwrap().y;
    assert!(y.iter().all(|&v| v == 0.0 || v == 1.0));
    let cases = y.iter().filter(|&&v| v == 1.0).count();
    // binomial(n, K) sd is 42; the threshold uses population moments of the liability
    assert!((cases as f64 - k * n as f64).abs() < 5.0 * (k * (1.0 - k) * n as f64).sqrt(), "{cases} cases");
    // cases are exactly the samples above one liability threshold
    let lowest_case = (0..n).filter(|&i| y[i] == 1.0).map(|i| liability[i]).fold(f64::INFINITY, f64::min);
    let highest_control = (0..n).filter(|&i| y[i] == 0.0).map(|i| liability[i]).fold(f64::NEG_INFINITY, f64::max);
    assert!(lowest_case > highest_control);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cc");
    let small = with_prevalence(&genotype(300, 60), k);
    write_dataset(&out, &small, 2, OutputFormat::Bed).unwrap();
    let y01 = read_vector(&out.join("y.npy")).unwrap();
    let bed = Bed::open(&out.join("geno")).unwrap();
    let fam = bed.fam_phenotypes();
    let pheno = read_pheno(&out.join("pheno.txt"), &bed).unwrap();
    for i in 0..300 {
        assert!(y01[i] == 0.0 || y01[i] == 1.0);
        assert_eq!(fam[i], Some(y01[i] + 1.0), "the .fam is PLINK's 1 = control, 2 = case");
        assert_eq!(pheno[i], Some(y01[i]), "pheno.txt is 0/1");
    }
    let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(out.join("meta.json")).unwrap()).unwrap();
    let cases = y01.iter().filter(|&&v| v == 1.0).count();
    assert_eq!(meta["cases"], cases);
    assert_eq!(meta["controls"], 300 - cases);
    assert_eq!(meta["prevalence"], k);

    let plain = dir.path().join("q");
    write_dataset(&plain, &genotype(300, 60), 2, OutputFormat::Bed).unwrap();
    let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(plain.join("meta.json")).unwrap()).unwrap();
    assert!(meta.get("prevalence").is_none() && meta.get("cases").is_none());
    let invalid = with_prevalence(&genotype(30, 60), 1.0);
    assert!(generate(&invalid, 1).unwrap_err().to_string().contains("prevalence must be in (0, 1)"));
}
