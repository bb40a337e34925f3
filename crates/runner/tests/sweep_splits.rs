//! A dataset's own split and folds (`split = "FILE"`, `folds = "FILE"`; docs/sweep.md, *Your
//! own split and folds*): the sweep uses exactly the files' parts and folds, for matrix datasets
//! (one value per line, or a `.npy` vector) and PLINK datasets (`FID IID VALUE` tables in any
//! order); every bad input is an error naming the file (and the line), with nothing written;
//! and the `splits/` file a sweep writes, given back as `split` and `folds`, reproduces its
//! tables.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_same_tables, small_genotype};
use regpath_datagen::FamilySpec;
use regpath_datagen::dataset::{OutputFormat, write_dataset};
use regpath_runner::sweep::config::SweepConfig;
use regpath_runner::sweep::{RunOptions, run_sweep};

fn opts(out: &Path) -> RunOptions {
    RunOptions { out: out.to_path_buf(), threads: Some(2), ..RunOptions::default() }
}

/// Whitespace-separated fields of each line of a text file.
fn lines(path: &Path) -> Vec<Vec<String>> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Writes the dataset `spec` into `dir/data` (next to the files already there).
fn write_into_data(dir: &Path, spec: &FamilySpec, format: OutputFormat) -> PathBuf {
    let (data, staging) = (dir.join("data"), dir.join("staging"));
    write_dataset(&staging, spec, 11, format).unwrap();
    fs::create_dir_all(&data).unwrap();
    for entry in fs::read_dir(&staging).unwrap() {
        let entry = entry.unwrap();
        if format == OutputFormat::Bed && !entry.file_name().to_string_lossy().starts_with("geno.") {
            continue; // the fileset only (its y.npy would replace the matrix dataset's)
        }
        fs::rename(entry.path(), data.join(entry.file_name())).unwrap();
    }
    fs::remove_dir_all(&staging).unwrap();
    data
}

/// A toeplitz `X.npy`/`y.npy` (n = 60, p = 20) in `dir/data`.
fn matrix_data(dir: &Path) -> PathBuf {
    write_into_data(dir, &FamilySpec::Toeplitz { n: 60, p: 20, rho: 0.3, k: 3, snr: 5.0 }, OutputFormat::Npy)
}

/// A genotype fileset `dir/data/geno` (n = 80, p = 30).
fn plink_data(dir: &Path) -> PathBuf {
    let spec = small_genotype(80, 30);
    write_into_data(dir, &spec, OutputFormat::Bed)
}

const PENALTIES: &str = "[[penalties]]\npenalty = \"lasso\"\n[[penalties]]\npenalty = \"mcp\"\n\
                         [grid]\nn_alphas = 8\neps = 0.05\n";

/// Writes `dir/NAME.toml` with `body` followed by the penalties and `evaluation`.
fn config(dir: &Path, name: &str, body: &str, evaluation: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, format!("seed = 4\n{body}\n{PENALTIES}[evaluation]\n{evaluation}\n")).unwrap();
    path
}

/// `(part, fold)` of each sample line of a written `splits/` file (after the ids).
fn parts_and_folds(split: &[Vec<String>]) -> Vec<(String, String)> {
    split[1..].iter().map(|l| (l[l.len() - 2].clone(), l[l.len() - 1].clone())).collect()
}

/// A matrix dataset: the split given one label per line (row order) and the folds as a `.npy`
/// vector (0 = not a training sample) are the ones used; with the split alone the folds are
/// random and the replicates differ only by them.
#[test]
fn matrix_dataset_uses_the_split_and_folds_of_its_files() {
    let dir = tempfile::tempdir().unwrap();
    matrix_data(dir.path());
    // rows 0, 5, 10, … test; the others train, folds 1, 2, 3 in turn
    let part = |i: usize| if i.is_multiple_of(5) { "test" } else { "train" };
    let split: String = (0..60).map(|i| format!("{}\n", part(i))).collect();
    fs::write(dir.path().join("data/split.txt"), format!("# my split\n{split}")).unwrap();
    let mut fold = vec![0.0f64; 60];
    let mut next = 0;
    for (i, f) in fold.iter_mut().enumerate() {
        if part(i) == "train" {
            *f = (next % 3 + 1) as f64;
            next += 1;
        }
    }
    regpath_datagen::io::npy_write::write_npy(&dir.path().join("data/folds.npy"), &ndarray::Array1::from(fold.clone()))
        .unwrap();
    let dataset = "[[datasets]]\nname = \"m\"\nx = \"data/X.npy\"\ny = \"data/y.npy\"\nsplit = \"data/split.txt\"";
    let cv = "method = \"cv\"\nfolds = 3\ntest = 0.5";

    // split and folds: every part and fold as in the files (evaluation.test's 0.5 is not used)
    let cfg = config(dir.path(), "both", &format!("{dataset}\nfolds = \"data/folds.npy\""), cv);
    let out = dir.path().join("both");
    assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&out)).unwrap().complete);
    let written = lines(&out.join("splits/m__r0.txt"));
    assert_eq!(written[0], ["row", "part", "fold"]);
    for (i, (p, f)) in parts_and_folds(&written).iter().enumerate() {
        assert_eq!(p, part(i), "row {i}");
        let want = if fold[i] == 0.0 { "NA".to_string() } else { (fold[i] as usize).to_string() };
        assert_eq!(f, &want, "row {i}");
    }
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    assert!(rows.iter().all(|s| (s.n_train, s.n_validation, s.n_test, s.folds) == (48, 0, 12, 3)));

    // the split alone, 2 replicates: same parts, folds drawn per replicate (sizes 16 each)
    let cfg = config(dir.path(), "split", &format!("{dataset}\nreplicates = 2"), cv);
    let out = dir.path().join("split");
    assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&out)).unwrap().complete);
    let (r0, r1) = (lines(&out.join("splits/m__r0.txt")), lines(&out.join("splits/m__r1.txt")));
    for s in [&r0, &r1] {
        let pf = parts_and_folds(s);
        assert!(pf.iter().enumerate().all(|(i, (p, _))| p == part(i)));
        for k in 1..=3 {
            assert_eq!(pf.iter().filter(|(_, f)| *f == k.to_string()).count(), 16);
        }
    }
    assert_ne!(r0, r1, "the replicates draw their own folds");

    // a `.npy` split (0 = train, 1 = test, 2 = validation) with method = "validation"
    let codes: Vec<f64> = (0..60).map(|i| [1.0, 0.0, 0.0, 2.0, 0.0][i % 5]).collect();
    regpath_datagen::io::npy_write::write_npy(&dir.path().join("data/split.npy"), &ndarray::Array1::from(codes))
        .unwrap();
    let cfg = config(
        dir.path(),
        "npy",
        "[[datasets]]\nname = \"m\"\nx = \"data/X.npy\"\ny = \"data/y.npy\"\nsplit = \"data/split.npy\"",
        "test = 0.2",
    );
    let out = dir.path().join("npy");
    assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&out)).unwrap().complete);
    let pf = parts_and_folds(&lines(&out.join("splits/m__r0.txt")));
    for (i, (p, f)) in pf.iter().enumerate() {
        assert_eq!(p, ["test", "train", "train", "validation", "train"][i % 5], "row {i}");
        assert_eq!(f, "NA");
    }
}

/// A PLINK dataset: `FID IID PART` and `FID IID FOLD` tables in their own order (with headers,
/// any case) assign each `.fam` sample its part and fold.
#[test]
fn plink_dataset_uses_the_split_and_folds_keyed_by_sample_ids() {
    let dir = tempfile::tempdir().unwrap();
    let data = plink_data(dir.path());
    let fam = lines(&data.join("geno.fam"));
    let part = |i: usize| if i % 4 == 1 { "test" } else { "train" };
    let fold = |i: usize| if part(i) == "test" { "NA".to_string() } else { (i % 3 + 1).to_string() };
    // reversed order: the ids, not the lines, place the samples
    let mut split = String::from("FID IID PART\n");
    let mut folds = String::from("#FID IID FOLD\n");
    for i in (0..fam.len()).rev() {
        split.push_str(&format!("{} {} {}\n", fam[i][0], fam[i][1], part(i)));
        folds.push_str(&format!("{}\t{}\t{}\n", fam[i][0], fam[i][1], fold(i)));
    }
    fs::write(data.join("split.txt"), split).unwrap();
    fs::write(data.join("folds.txt"), folds).unwrap();
    let cfg = config(
        dir.path(),
        "plink",
        "[[datasets]]\nbed = \"data/geno\"\nsplit = \"data/split.txt\"\nfolds = \"data/folds.txt\"",
        "method = \"cv\"",
    );
    let out = dir.path().join("out");
    assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&out)).unwrap().complete);
    let written = lines(&out.join("splits/geno__r0.txt"));
    assert_eq!(written[0], ["FID", "IID", "part", "fold"]);
    assert_eq!(written.len(), fam.len() + 1);
    for (i, w) in written[1..].iter().enumerate() {
        assert_eq!(w[..2], fam[i][..2]);
        assert_eq!((w[2].as_str(), &w[3]), (part(i), &fold(i)), "sample {i}");
    }
    let mut r = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let rows: Vec<regpath_runner::sweep::tables::SummaryRow> = r.deserialize().map(Result::unwrap).collect();
    assert!(rows.iter().all(|s| (s.n_train, s.n_test, s.folds) == (60, 20, 3)));
}

/// The `splits/` file of a sweep with random parts and folds, given back as `split` and
/// `folds` (and as `split` alone with a validation part), reproduces every table.
#[test]
fn a_written_split_given_back_reproduces_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    matrix_data(dir.path());
    plink_data(dir.path());
    let matrix = "[[datasets]]\nname = \"m\"\nx = \"data/X.npy\"\ny = \"data/y.npy\"";
    let plink = "[[datasets]]\nname = \"g\"\nbed = \"data/geno\"";
    let cv = "method = \"cv\"\nfolds = 3\ntest = 0.25";
    let validation = "test = 0.25\nvalidation = 0.25";
    for (label, evaluation, with_folds) in [("cv", cv, true), ("validation", validation, false)] {
        let cfg = config(dir.path(), &format!("random_{label}"), &format!("{matrix}\n{plink}"), evaluation);
        let random = dir.path().join(format!("random_{label}"));
        assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&random)).unwrap().complete);
        // the written splits, copied next to the data (the sweep owns its splits/ folder)
        let keep = |ds: &str| {
            let to = dir.path().join(format!("data/{label}_{ds}.txt"));
            fs::copy(random.join(format!("splits/{ds}__r0.txt")), &to).unwrap();
            to
        };
        let (m, g) = (keep("m"), keep("g"));
        let given = |path: &Path| {
            let mut keys = format!("split = \"{}\"", path.display());
            if with_folds {
                keys.push_str(&format!("\nfolds = \"{}\"", path.display()));
            }
            keys
        };
        let body = format!("{matrix}\n{}\n{plink}\n{}", given(&m), given(&g));
        let cfg = config(dir.path(), &format!("given_{label}"), &body, evaluation);
        let again = dir.path().join(format!("given_{label}"));
        assert!(run_sweep(&SweepConfig::from_file(&cfg).unwrap(), &opts(&again)).unwrap().complete);
        assert_same_tables(&random, &again);
        for ds in ["m", "g"] {
            let file = format!("splits/{ds}__r0.txt");
            assert_eq!(fs::read(random.join(&file)).unwrap(), fs::read(again.join(&file)).unwrap(), "{label} {file}");
        }
    }
}

/// Runs `regpath sweep CONFIG --out OUT`, which must fail and write nothing; its stderr.
fn sweep_error(cfg: &Path, out: &Path) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_regpath")).arg("sweep").arg(cfg).arg("--out").arg(out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(!run.status.success(), "{} succeeded", cfg.display());
    assert!(!out.exists(), "{}: an error wrote {}", cfg.display(), out.display());
    stderr
}

/// Every bad split or folds file is an error that names the file (and the line), exits non-zero
/// and writes nothing.
#[test]
fn bad_split_and_folds_files_are_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = plink_data(dir.path());
    matrix_data(dir.path());
    let fam = lines(&data.join("geno.fam"));
    let table = |header: &str, value: &dyn Fn(usize) -> String, rows: &mut dyn Iterator<Item = usize>| {
        let mut t = format!("{header}\n");
        for i in rows {
            t.push_str(&format!("{} {} {}\n", fam[i][0], fam[i][1], value(i)));
        }
        t
    };
    let good_part = |i: usize| if i % 4 == 1 { "test".to_string() } else { "train".to_string() };
    let good_fold = |i: usize| if i % 4 == 1 { "NA".to_string() } else { (i % 3 + 1).to_string() };
    let n = fam.len();
    let matrix = "[[datasets]]\nx = \"data/X.npy\"\ny = \"data/y.npy\"";
    let plink = "[[datasets]]\nbed = \"data/geno\"";
    let cv = "method = \"cv\"";
    let lines_of = |labels: &[&str]| -> String { (0..60).map(|i| format!("{}\n", labels[i % labels.len()])).collect() };

    // (case, file contents, dataset keys, evaluation, expected fragments of the message)
    let mut cases: Vec<(&str, String, String, &str, Vec<String>)> = vec![
        (
            "bad_label",
            lines_of(&["train", "train", "trian", "test"]),
            format!("{matrix}\nsplit = \"FILE\""),
            cv,
            vec!["line 3".into(), "\"trian\"".into(), "not train, validation or test".into()],
        ),
        (
            "short",
            lines_of(&["train", "test"]).lines().take(59).map(|l| format!("{l}\n")).collect(),
            format!("{matrix}\nsplit = \"FILE\""),
            cv,
            vec!["59 values for the dataset's 60 samples".into()],
        ),
        (
            "no_test",
            lines_of(&["train"]),
            format!("{matrix}\nsplit = \"FILE\""),
            cv,
            vec!["no sample is in the test part".into()],
        ),
        (
            "validation_with_cv",
            lines_of(&["train", "test", "validation"]),
            format!("{matrix}\nsplit = \"FILE\""),
            cv,
            vec!["line 3".into(), "validation part".into(), "method = \"cv\"".into()],
        ),
        (
            "no_validation",
            lines_of(&["train", "test"]),
            format!("{matrix}\nsplit = \"FILE\""),
            "test = 0.2",
            vec!["no sample is in the validation part".into()],
        ),
        (
            "test_with_test_zero",
            lines_of(&["train", "test"]),
            format!("{matrix}\nsplit = \"FILE\""),
            "method = \"cv\"\ntest = 0",
            vec!["line 2".into(), "evaluation.test = 0".into()],
        ),
        (
            "replicates_fixed",
            lines_of(&["train", "test", "validation"]),
            format!("{matrix}\nsplit = \"FILE\"\nreplicates = 3"),
            "test = 0.2",
            vec!["replicates = 3".into(), "repeat one fit".into()],
        ),
        (
            "missing_sample",
            table("FID IID part", &good_part, &mut (1..n)),
            format!("{plink}\nsplit = \"FILE\""),
            cv,
            vec![format!("1 of the dataset's {n} samples is not listed (first: {} {})", fam[0][0], fam[0][1])],
        ),
        (
            "unknown_id",
            table("FID IID part", &good_part, &mut (0..n)) + "nobody nobody train\n",
            format!("{plink}\nsplit = \"FILE\""),
            cv,
            vec![format!("line {}", n + 2), "sample nobody nobody is not in the .fam".into()],
        ),
        (
            "listed_twice",
            table("FID IID part", &good_part, &mut (0..n).chain([7])),
            format!("{plink}\nsplit = \"FILE\""),
            cv,
            vec![format!("line {}", n + 2), "listed twice".into()],
        ),
        (
            "fold_not_a_number",
            table("FID IID fold", &|i| if i == 5 { "x".into() } else { good_fold(i) }, &mut (0..n)),
            format!("{plink}\nfolds = \"FILE\""),
            cv,
            vec!["line 7".into(), "fold \"x\" is not a fold number".into()],
        ),
        (
            "fold_gap",
            table("FID IID fold", &|i| if good_fold(i) == "2" { "3".into() } else { good_fold(i) }, &mut (0..n)),
            format!("{plink}\nfolds = \"FILE\""),
            cv,
            vec!["fold 2 of 1..3 has no sample".into()],
        ),
        (
            "fold_count_differs",
            table("FID IID fold", &good_fold, &mut (0..n)),
            format!("{plink}\nfolds = \"FILE\""),
            "method = \"cv\"\nfolds = 4",
            vec!["3 folds but evaluation.folds is 4".into()],
        ),
        (
            "folds_with_validation",
            table("FID IID fold", &good_fold, &mut (0..n)),
            format!("{plink}\nfolds = \"FILE\""),
            "test = 0.2",
            vec!["CV folds need evaluation.method = \"cv\"".into()],
        ),
        (
            "a_test_sample_with_a_fold",
            table("FID IID fold", &|i| if i == 1 { "2".into() } else { good_fold(i) }, &mut (0..n)),
            format!("{plink}\nsplit = \"SPLIT\"\nfolds = \"FILE\""),
            cv,
            vec!["line 3".into(), "is in the test part (in the split file) but has fold 2".into()],
        ),
    ];
    // the split the last case's folds contradict
    fs::write(dir.path().join("data/split_ok.txt"), table("FID IID part", &good_part, &mut (0..n))).unwrap();
    for (case, contents, keys, evaluation, expected) in cases.drain(..) {
        let file = dir.path().join(format!("data/{case}.txt"));
        fs::write(&file, contents).unwrap();
        let keys = keys.replace("FILE", &format!("data/{case}.txt")).replace("SPLIT", "data/split_ok.txt");
        let cfg = config(dir.path(), case, &keys, evaluation);
        let stderr = sweep_error(&cfg, &dir.path().join(format!("out_{case}")));
        assert!(stderr.contains(&format!("{case}.txt")), "{case}: the message names no file: {stderr}");
        for e in &expected {
            assert!(stderr.contains(e.as_str()), "{case}: {e:?} not in: {stderr}");
        }
    }
}
