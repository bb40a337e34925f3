//! PLINK 1 `.bed/.bim/.fam`: the committed fixture against an independent decoder, write/read
//! round trips, phenotype files and every malformed-file case.

use std::fs;
use std::path::{Path, PathBuf};

use regpath_datagen::io::bed_write::{BimRecord, FamRecord, dosage_codes, pack_snp, write_pheno};
use regpath_datagen::{Bed, DataError, observed_samples, read_pheno, read_pheno_column, write_bed};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// small_expected.csv (written by scripts/check_bed_fixture.py with bed-reader): one row per
/// sample, one column per SNP, NA for missing. Returns (SNP ids, rows).
fn expected() -> (Vec<String>, Vec<Vec<f64>>) {
    let text = fs::read_to_string(fixtures().join("small_expected.csv")).unwrap();
    let mut lines = text.lines();
    let ids = lines.next().unwrap().split(',').skip(1).map(str::to_string).collect();
    let rows = lines
        .map(|l| l.split(',').skip(1).map(|c| if c == "NA" { f64::NAN } else { c.parse().unwrap() }).collect())
        .collect();
    (ids, rows)
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

#[test]
fn bed_fixture_matches_independent_decoder() {
    let bed = Bed::open(&fixtures().join("small")).unwrap();
    let (ids, rows) = expected();
    assert_eq!(bed.n_samples(), 7);
    assert_eq!(bed.n_snps(), 5);
    assert_eq!(bed.snp_ids().to_vec(), ids);
    assert_eq!(bed.sample_ids()[2], ("fam2".to_string(), "ind3".to_string()));
    let mut col = vec![0.0; 7];
    let mut missing = 0;
    for j in 0..5 {
        bed.decode_snp_raw(j, None, &mut col);
        for i in 0..7 {
            assert!(same(col[i], rows[i][j]), "sample {i}, SNP {j}: {} vs {}", col[i], rows[i][j]);
            missing += usize::from(col[i].is_nan());
        }
    }
    assert!(missing >= 4, "the fixture must exercise missing calls");
    // Our writer packs the independent decoding back into the same bytes.
    let bps = bed.bytes_per_snp();
    for j in 0..5 {
        let values: Vec<f64> = rows.iter().map(|r| r[j]).collect();
        let mut packed = vec![0; bps];
        pack_snp(&dosage_codes(&values).unwrap(), &mut packed);
        assert_eq!(packed, bed.packed()[j * bps..(j + 1) * bps], "SNP {j}");
    }
}

#[test]
fn decode_imputes_mean_over_selected_rows() {
    let bed = Bed::open(&fixtures().join("small.bed")).unwrap();
    // rs1 = [0, 1, 2, NA, 2, 1, 0]: mean of called = 1.0
    let mut col = vec![0.0; 7];
    bed.decode_snp(0, None, &mut col);
    assert_eq!(col, vec![0.0, 1.0, 2.0, 1.0, 2.0, 1.0, 0.0]);
    // rows 3, 2, 0 (reordered): [NA, 2, 0] -> mean 1.0
    let mut sub = vec![0.0; 3];
    bed.decode_snp(0, Some(&[3, 2, 0]), &mut sub);
    assert_eq!(sub, vec![1.0, 2.0, 0.0]);
    // rs3 = [NA, NA, 0, 1, 0, 1, NA] over rows 0, 3, 5: [NA, 1, 1] -> 1
    bed.decode_snp(2, Some(&[0, 3, 5]), &mut sub);
    assert_eq!(sub, vec![1.0, 1.0, 1.0]);
    let x = bed.to_dense(Some(&[6, 0]));
    assert_eq!(x.dim(), (2, 5));
    assert!(x.t().is_standard_layout(), "column-major");
    assert_eq!(x.row(0).to_vec(), vec![0.0, 2.0, 0.0, 2.0, 1.0]);
    // rs3 over rows 6, 0: both missing -> imputed 0
    assert_eq!(x[[1, 2]], 0.0);
}

#[test]
fn fam_and_pheno_file_phenotypes() {
    let bed = Bed::open(&fixtures().join("small")).unwrap();
    assert_eq!(bed.fam_phenotypes(), vec![Some(1.5), None, Some(0.0), None, Some(2.25), Some(-1.0), Some(3.0)]);
    let pheno = read_pheno(&fixtures().join("small.pheno"), &bed).unwrap();
    assert_eq!(pheno, vec![None, Some(7.0), Some(0.0), None, None, Some(10.5), None]);
    let (rows, y) = observed_samples(&pheno);
    assert_eq!(rows, vec![1, 2, 5]);
    assert_eq!(y.to_vec(), vec![7.0, 0.0, 10.5]);
}

/// GEMMA's extended `.fam`: phenotype columns in fields 6, 7, …; `k` counts from field 6.
#[test]
fn extended_fam_phenotype_columns() {
    let bed = Bed::open(&fixtures().join("small_ext")).unwrap();
    assert_eq!((bed.n_samples(), bed.n_snps()), (7, 5));
    assert_eq!(bed.sample_ids()[2], ("fam2".to_string(), "ind3".to_string()));
    // Column 1 is field 6, the same as the plain fixture's.
    let plain = Bed::open(&fixtures().join("small")).unwrap();
    assert_eq!(bed.fam_phenotypes(), plain.fam_phenotypes());
    assert_eq!(bed.fam_phenotype_column(1).unwrap(), plain.fam_phenotypes());
    assert_eq!(
        bed.fam_phenotype_column(2).unwrap(),
        vec![Some(10.0), Some(11.0), None, Some(13.0), None, Some(15.0), Some(16.0)]
    );
    assert_eq!(
        bed.fam_phenotype_column(3).unwrap(),
        vec![None, Some(0.5), Some(0.25), None, Some(1e-3), None, Some(7.0)]
    );
    let col4 = bed.fam_phenotype_column(4).unwrap();
    assert_eq!(col4, (1..=7).map(|v| Some(-(v as f64))).collect::<Vec<_>>());
    // Missing values are dropped and counted per column.
    for (k, kept) in [(1, 5), (2, 5), (3, 4), (4, 7)] {
        let (rows, y) = observed_samples(&bed.fam_phenotype_column(k).unwrap());
        assert_eq!((rows.len(), y.len()), (kept, kept), "column {k}");
    }
    let (rows, y) = observed_samples(&bed.fam_phenotype_column(3).unwrap());
    assert_eq!(rows, vec![1, 2, 4, 6]);
    assert_eq!(y.to_vec(), vec![0.5, 0.25, 1e-3, 7.0]);
    assert_eq!((bed.fam_phenotype_count(0), bed.fam_phenotype_count(6)), (4, 5));
    assert_eq!(plain.fam_phenotype_count(3), 1);
    // The genotypes do not depend on the .fam layout.
    assert_eq!(bed.to_dense(None), plain.to_dense(None));
}

#[test]
fn extended_fam_column_out_of_range() {
    let bed = Bed::open(&fixtures().join("small_ext")).unwrap();
    // Only the last line has a fifth phenotype column: the first line lacks it.
    let msg = bed.fam_phenotype_column(5).unwrap_err().to_string();
    assert!(
        msg.contains("small_ext.fam: line 1: phenotype column 5 (field 10) requested, but this line has 4 phenotype columns (fields 6 to 9)"),
        "{msg}"
    );
    let msg = bed.fam_phenotype_column(0).unwrap_err().to_string();
    assert!(msg.contains("at least 1"), "{msg}");
    let msg = bed.fam_phenotype_column(usize::MAX).unwrap_err().to_string();
    assert!(msg.contains("line 1: phenotype column"), "{msg}");
    let plain = Bed::open(&fixtures().join("small")).unwrap();
    let msg = plain.fam_phenotype_column(2).unwrap_err().to_string();
    assert!(msg.contains("small.fam: line 1: phenotype column 2 (field 7) requested, but this line has only 1 phenotype column (field 6)"), "{msg}");
    // A non-numeric value in an extra column fails only when that column is asked for.
    let (_dir, prefix) = damaged(|p| {
        fs::copy(fixtures().join("small_ext.fam"), ext(p, "fam")).unwrap();
        let fam = fs::read_to_string(ext(p, "fam")).unwrap().replace("\t0.25\t", "\tlow\t");
        fs::write(ext(p, "fam"), fam).unwrap();
    });
    let bed = Bed::open(&prefix).unwrap();
    assert!(bed.fam_phenotype_column(2).is_ok());
    let msg = bed.fam_phenotype_column(3).unwrap_err().to_string();
    assert!(msg.contains("t.fam: line 3, column 8: 'low' is not a number"), "{msg}");
}

#[test]
fn pheno_file_value_columns() {
    let bed = Bed::open(&fixtures().join("small_ext")).unwrap();
    let path = fixtures().join("small_ext.pheno");
    let first = vec![None, Some(7.0), Some(0.0), None, None, Some(10.5), None];
    assert_eq!(read_pheno(&path, &bed).unwrap(), first);
    assert_eq!(read_pheno_column(&path, &bed, 1).unwrap(), first);
    assert_eq!(
        read_pheno_column(&path, &bed, 2).unwrap(),
        vec![Some(1.25), Some(8.0), None, None, None, None, Some(4.0)]
    );
    let msg = read_pheno_column(&path, &bed, 3).unwrap_err().to_string();
    assert!(
        msg.contains("small_ext.pheno: line 2: phenotype column 3 (field 5) requested, but this line has 2 value columns (fields 3 to 4)"),
        "{msg}"
    );
    assert!(read_pheno_column(&path, &bed, 0).unwrap_err().to_string().contains("at least 1"));
    assert!(read_pheno_column(&path, &bed, usize::MAX).unwrap_err().to_string().contains("line 2: phenotype column"));
    let dir = tempfile::tempdir().unwrap();
    let ragged = dir.path().join("ragged.pheno");
    fs::write(&ragged, "fam1 ind1 1 2\nfam1 ind2 3\n").unwrap();
    let msg = read_pheno_column(&ragged, &bed, 2).unwrap_err().to_string();
    assert!(
        msg.contains("line 2: phenotype column 2 (field 4) requested, but this line has only 1 value column (field 3)"),
        "{msg}"
    );
    assert_eq!(read_pheno_column(&ragged, &bed, 1).unwrap()[..2], [Some(1.0), Some(3.0)]);
}

fn write_fileset(dir: &Path, name: &str, columns: &[Vec<f64>], n: usize) -> PathBuf {
    let prefix = dir.join(name);
    let fam: Vec<FamRecord> = (0..n)
        .map(|i| FamRecord {
            fid: format!("f{i}"),
            iid: format!("i{i}"),
            phenotype: if i % 3 == 0 { None } else { Some(i as f64 * 0.1) },
        })
        .collect();
    let bim = |j: usize| BimRecord {
        chromosome: "1".into(),
        id: format!("snp{j}"),
        cm: 0.0,
        position: j as u64 + 1,
        allele1: "A".into(),
        allele2: "C".into(),
    };
    let bps = n.div_ceil(4);
    // Two chunks of unequal size, to exercise streaming.
    let packed: Vec<Vec<u8>> = columns
        .chunks(2)
        .map(|chunk| {
            let mut out = vec![0u8; chunk.len() * bps];
            for (c, o) in chunk.iter().zip(out.chunks_mut(bps)) {
                pack_snp(&dosage_codes(c).unwrap(), o);
            }
            out
        })
        .collect();
    write_bed(&prefix, &fam, columns.len(), bim, packed).unwrap();
    prefix
}

#[test]
fn round_trip_with_missing_calls_and_odd_n() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1usize, 5, 6, 7, 8, 9, 13] {
        let columns: Vec<Vec<f64>> = (0..5)
            .map(|j| {
                (0..n)
                    .map(|i| match (i * 7 + j * 3) % 5 {
                        0 => f64::NAN,
                        r => (r % 3) as f64,
                    })
                    .collect()
            })
            .collect();
        let prefix = write_fileset(dir.path(), &format!("rt{n}"), &columns, n);
        let bed = Bed::open(&prefix).unwrap();
        assert_eq!((bed.n_samples(), bed.n_snps()), (n, 5));
        assert_eq!(fs::metadata(bed.bed_path()).unwrap().len(), 3 + 5 * n.div_ceil(4) as u64);
        let mut col = vec![0.0; n];
        for (j, want) in columns.iter().enumerate() {
            bed.decode_snp_raw(j, None, &mut col);
            assert!(col.iter().zip(want).all(|(a, b)| same(*a, *b)), "n {n}, SNP {j}");
        }
        assert_eq!(bed.snp_ids().get(4), "snp4");
        let fam = bed.fam_phenotypes();
        assert_eq!(fam[0], None);
        if n > 2 {
            assert_eq!(fam[2], Some(0.2));
        }
    }
}

#[test]
fn pheno_file_written_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let columns = vec![vec![0.0, 1.0, 2.0, 1.0, 0.0]];
    let prefix = write_fileset(dir.path(), "p", &columns, 5);
    let bed = Bed::open(&prefix).unwrap();
    let fam: Vec<FamRecord> = bed
        .sample_ids()
        .iter()
        .enumerate()
        .map(|(i, (f, s))| FamRecord {
            fid: f.clone(),
            iid: s.clone(),
            phenotype: (i != 1).then_some(i as f64 + 0.125),
        })
        .collect();
    let path = dir.path().join("pheno.txt");
    write_pheno(&path, &fam).unwrap();
    let got = read_pheno(&path, &bed).unwrap();
    assert_eq!(got, vec![Some(0.125), None, Some(2.125), Some(3.125), Some(4.125)]);
}

/// Copies the fixture into a temporary folder as `t.*`, then lets `damage` alter it.
fn damaged(damage: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["bed", "bim", "fam"] {
        fs::copy(fixtures().join(format!("small.{ext}")), dir.path().join(format!("t.{ext}"))).unwrap();
    }
    let prefix = dir.path().join("t");
    damage(&prefix);
    (dir, prefix)
}

fn open_err(damage: impl FnOnce(&Path)) -> String {
    let (_dir, prefix) = damaged(damage);
    Bed::open(&prefix).unwrap_err().to_string()
}

fn ext(prefix: &Path, e: &str) -> PathBuf {
    prefix.with_extension(e)
}

#[test]
fn wrong_magic() {
    let msg = open_err(|p| {
        let mut b = fs::read(ext(p, "bed")).unwrap();
        b[2] = 0x00;
        fs::write(ext(p, "bed"), b).unwrap();
    });
    assert!(msg.contains("t.bed: not a PLINK 1 SNP-major .bed file (magic bytes 6c 1b 00"), "{msg}");
    let msg = open_err(|p| fs::write(ext(p, "bed"), b"PK\x03\x04rest").unwrap());
    assert!(msg.contains("magic bytes 50 4b 03"), "{msg}");
    let msg = open_err(|p| fs::write(ext(p, "bed"), b"l").unwrap());
    assert!(msg.contains("only 1 bytes"), "{msg}");
}

#[test]
fn truncated_bed() {
    let msg = open_err(|p| {
        let b = fs::read(ext(p, "bed")).unwrap();
        fs::write(ext(p, "bed"), &b[..b.len() - 1]).unwrap();
    });
    assert!(msg.contains("t.bed: truncated: expected 13 bytes for 7 samples") && msg.contains("found 12"), "{msg}");
}

#[test]
fn fam_sample_count_mismatch() {
    // 12 samples need 3 bytes per SNP: the 2-byte-per-SNP .bed is too short for them.
    let msg = open_err(|p| {
        let mut fam = fs::read_to_string(ext(p, "fam")).unwrap();
        for i in 0..5 {
            fam.push_str(&format!("x x{i} 0 0 0 -9\n"));
        }
        fs::write(ext(p, "fam"), fam).unwrap();
    });
    assert!(msg.contains("12 samples") && msg.contains("expected 18 bytes"), "{msg}");
    // 3 samples need 1 byte per SNP: the .bed is too long for them.
    let msg = open_err(|p| {
        let fam = fs::read_to_string(ext(p, "fam")).unwrap();
        let three: String = fam.lines().take(3).map(|l| format!("{l}\n")).collect();
        fs::write(ext(p, "fam"), three).unwrap();
    });
    assert!(msg.contains("does not match 3 samples") && msg.contains("expected 8 bytes"), "{msg}");
}

#[test]
fn bim_snp_count_mismatch() {
    let msg = open_err(|p| {
        let bim = fs::read_to_string(ext(p, "bim")).unwrap();
        let four: String = bim.lines().take(4).map(|l| format!("{l}\n")).collect();
        fs::write(ext(p, "bim"), four).unwrap();
    });
    assert!(msg.contains("4 SNPs") && msg.contains("expected 11 bytes"), "{msg}");
    let msg = open_err(|p| {
        let mut bim = fs::read_to_string(ext(p, "bim")).unwrap();
        bim.push_str("1\trs6\t0\t6000\tA\tG\n");
        fs::write(ext(p, "bim"), bim).unwrap();
    });
    assert!(msg.contains("truncated") && msg.contains("6 SNPs"), "{msg}");
}

#[test]
fn malformed_fam_and_bim_lines() {
    let msg = open_err(|p| {
        let fam = fs::read_to_string(ext(p, "fam")).unwrap().replace("2.25", "tall");
        fs::write(ext(p, "fam"), fam).unwrap();
    });
    assert!(msg.contains("t.fam: line 5, column 6: 'tall' is not a number"), "{msg}");
    let msg = open_err(|p| {
        let fam = fs::read_to_string(ext(p, "fam")).unwrap().replace("fam2 ind3 ind1 ind2 1 0", "fam2 ind3");
        fs::write(ext(p, "fam"), fam).unwrap();
    });
    assert!(msg.contains("t.fam: line 3: expected at least 6 fields"), "{msg}");
    let msg = open_err(|p| {
        let fam = fs::read_to_string(ext(p, "fam")).unwrap().replace("fam3 ind6 0 0 1 -1", "fam3 ind6 0 0 1");
        fs::write(ext(p, "fam"), fam).unwrap();
    });
    assert!(
        msg.contains("t.fam: line 6: expected at least 6 fields (FID IID father mother sex phenotype), found 5"),
        "{msg}"
    );
    let msg = open_err(|p| {
        let bim = fs::read_to_string(ext(p, "bim")).unwrap().replace("rs2\t0.5\t", "rs2\t");
        fs::write(ext(p, "bim"), bim).unwrap();
    });
    assert!(msg.contains("t.bim: line 2: expected 6 fields"), "{msg}");
    let msg = open_err(|p| fs::write(ext(p, "fam"), "").unwrap());
    assert!(msg.contains("t.fam: no samples"), "{msg}");
}

#[test]
fn missing_files() {
    for e in ["bed", "bim", "fam"] {
        let (_dir, prefix) = damaged(|p| fs::remove_file(ext(p, e)).unwrap());
        let err = Bed::open(&prefix).unwrap_err();
        assert!(matches!(err, DataError::Open { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains(&format!("t.{e}: cannot open")), "{msg}");
    }
}

#[test]
fn non_numeric_phenotype_file() {
    let bed = Bed::open(&fixtures().join("small")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.pheno");
    fs::write(&path, "FID IID y\nfam1 ind1 1.0\nfam1 ind2 high\n").unwrap();
    let msg = read_pheno(&path, &bed).unwrap_err().to_string();
    assert!(msg.contains("bad.pheno: line 3, column 3: 'high' is not a number"), "{msg}");
    fs::write(&path, "fam1 ind1\n").unwrap();
    let msg = read_pheno(&path, &bed).unwrap_err().to_string();
    assert!(msg.contains("line 1: expected 3 fields"), "{msg}");
    fs::write(&path, "fam1 ind1 1\nfam1 ind1 2\n").unwrap();
    let msg = read_pheno(&path, &bed).unwrap_err().to_string();
    assert!(msg.contains("line 2: sample fam1 ind1 is listed twice"), "{msg}");
    let missing = dir.path().join("none.pheno");
    let msg = read_pheno(&missing, &bed).unwrap_err().to_string();
    assert!(msg.contains("none.pheno: cannot open"), "{msg}");
}
