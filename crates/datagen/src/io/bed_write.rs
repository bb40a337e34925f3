//! Writing PLINK 1 filesets, streaming the `.bed` data chunk by chunk.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use crate::error::DataError;
use crate::io::atomic::write_atomic;
use crate::io::bed::{BED_MAGIC, bytes_per_snp, fileset_path};

/// The dosage code [`pack_snp`] reads as a missing call.
pub const MISSING_DOSAGE: u8 = 3;

/// One `.fam` line; father, mother and sex are written as `0` (unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct FamRecord {
    /// Family ID.
    pub fid: String,
    /// Individual ID.
    pub iid: String,
    /// Phenotype (sixth column); `None` is written as `-9`.
    pub phenotype: Option<f64>,
}

/// One `.bim` line.
#[derive(Debug, Clone, PartialEq)]
pub struct BimRecord {
    /// Chromosome code.
    pub chromosome: String,
    /// SNP identifier.
    pub id: String,
    /// Genetic position in centimorgans (0 if unknown).
    pub cm: f64,
    /// Base-pair position.
    pub position: u64,
    /// Allele 1, the allele whose copies the dosages count.
    pub allele1: String,
    /// Allele 2.
    pub allele2: String,
}

/// Packs one SNP's dosages of allele 1 (0, 1, 2, or [`MISSING_DOSAGE`]) into
/// `ceil(n / 4)` bytes of PLINK 2-bit codes; padding bits are 0.
///
/// # Panics
/// If `out.len() != ceil(dosages.len() / 4)` or a dosage is above 3.
pub fn pack_snp(dosages: &[u8], out: &mut [u8]) {
    assert_eq!(out.len(), bytes_per_snp(dosages.len()), "output length");
    const CODE: [u8; 4] = [0b11, 0b10, 0b00, 0b01];
    out.fill(0);
    for (i, &d) in dosages.iter().enumerate() {
        out[i >> 2] |= CODE[d as usize] << ((i & 3) * 2);
    }
}

/// Converts f64 dosages (0, 1, 2, NaN for missing) to the codes [`pack_snp`] takes.
/// Returns `None` if a value is not 0, 1, 2 or NaN.
pub fn dosage_codes(values: &[f64]) -> Option<Vec<u8>> {
    values
        .iter()
        .map(|&v| match v {
            _ if v.is_nan() => Some(MISSING_DOSAGE),
            0.0 => Some(0),
            1.0 => Some(1),
            2.0 => Some(2),
            _ => None,
        })
        .collect()
}

/// Formats a phenotype for `.fam`: round-trip precision, `-9` for missing.
fn phenotype_text(v: Option<f64>) -> String {
    v.map_or_else(|| "-9".to_string(), |v| format!("{v}"))
}

/// Writes `PREFIX.fam`, `PREFIX.bim` and `PREFIX.bed`, each atomically.
///
/// `bim(j)` describes SNP j, for j in `0..n_snps`. `chunks` yields the packed SNP-major data
/// (see [`pack_snp`]) of consecutive SNPs, any whole number of SNPs per chunk, in order; it is
/// consumed as it is written, so the fileset never has to fit in memory. If anything fails, the
/// three files are removed.
pub fn write_bed<B, I>(prefix: &Path, fam: &[FamRecord], n_snps: usize, bim: B, chunks: I) -> Result<(), DataError>
where
    B: Fn(usize) -> BimRecord,
    I: IntoIterator<Item = Vec<u8>>,
{
    let paths = ["fam", "bim", "bed"].map(|e| fileset_path(prefix, e));
    let result = write_all(&paths, fam, n_snps, bim, chunks);
    if result.is_err() {
        for p in &paths {
            let _ = fs::remove_file(p);
        }
    }
    result
}

fn write_all<B, I>(
    paths: &[std::path::PathBuf; 3],
    fam: &[FamRecord],
    n_snps: usize,
    bim: B,
    chunks: I,
) -> Result<(), DataError>
where
    B: Fn(usize) -> BimRecord,
    I: IntoIterator<Item = Vec<u8>>,
{
    let [fam_path, bim_path, bed_path] = paths;
    write_atomic(fam_path, |w| {
        for r in fam {
            writeln!(w, "{} {} 0 0 0 {}", r.fid, r.iid, phenotype_text(r.phenotype))?;
        }
        Ok(())
    })
    .map_err(|e| DataError::io(fam_path, "write", e))?;
    write_atomic(bim_path, |w| {
        for j in 0..n_snps {
            let r = bim(j);
            writeln!(w, "{}\t{}\t{}\t{}\t{}\t{}", r.chromosome, r.id, r.cm, r.position, r.allele1, r.allele2)?;
        }
        Ok(())
    })
    .map_err(|e| DataError::io(bim_path, "write", e))?;
    let expected = n_snps as u64 * bytes_per_snp(fam.len()) as u64;
    write_atomic(bed_path, |w| {
        w.write_all(&BED_MAGIC)?;
        let mut written = 0u64;
        for chunk in chunks {
            w.write_all(&chunk)?;
            written += chunk.len() as u64;
        }
        if written != expected {
            return Err(io::Error::other(format!(
                "wrote {written} genotype bytes, expected {expected} for {} samples x {n_snps} SNPs",
                fam.len()
            )));
        }
        Ok(())
    })
    .map_err(|e| DataError::io(bed_path, "write", e))
}

/// Writes a PLINK phenotype file `FID IID value` (with a header line) atomically; missing
/// values are written as `-9`.
pub fn write_pheno(path: &Path, fam: &[FamRecord]) -> Result<(), DataError> {
    write_atomic(path, |w| {
        writeln!(w, "FID IID phenotype")?;
        for r in fam {
            writeln!(w, "{} {} {}", r.fid, r.iid, phenotype_text(r.phenotype))?;
        }
        Ok(())
    })
    .map_err(|e| DataError::io(path, "write", e))
}

/// Writes a survival phenotype file: a header `FID IID time status`, then one line per
/// sample (`ids[i]`), the time with round-trip precision and the status 1 (event) or 0
/// (censored) — `regpath path --pheno FILE --time-col 1 --status-col 2` reads it.
pub fn write_survival_pheno(
    path: &Path,
    ids: &[(String, String)],
    time: &[f64],
    status: &[f64],
) -> Result<(), DataError> {
    write_atomic(path, |w| {
        writeln!(w, "FID IID time status")?;
        for (((fid, iid), t), d) in ids.iter().zip(time).zip(status) {
            writeln!(w, "{fid} {iid} {t} {d}")?;
        }
        Ok(())
    })
    .map_err(|e| DataError::io(path, "write", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_codes_lowest_bits_first() {
        // samples: 2, missing, 1, 0 | 2  ->  byte0 = 11 10 01 00 = 0xE4, byte1 = 00
        let mut out = [0xffu8; 2];
        pack_snp(&[2, MISSING_DOSAGE, 1, 0, 2], &mut out);
        assert_eq!(out, [0b1110_0100, 0b0000_0000]);
    }

    #[test]
    fn dosage_codes_reject_non_dosages() {
        assert_eq!(dosage_codes(&[0.0, 1.0, 2.0, f64::NAN]), Some(vec![0, 1, 2, 3]));
        assert_eq!(dosage_codes(&[0.5]), None);
    }
}
