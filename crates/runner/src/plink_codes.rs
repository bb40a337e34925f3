//! PLINK 1 `.bed` genotype codes, as the runner reads them outside the solver (predictions,
//! training means): sample i of a SNP sits in bits `2(i mod 4)..` of byte `i/4`; code `00` →
//! 2 copies of allele 1, `10` → 1, `11` → 0, `01` → missing.

/// The missing-call code.
pub const MISSING: u8 = 1;

/// Code → dosage of allele 1 (0 for the missing code; callers test [`MISSING`] first).
pub const DOSAGE: [f64; 4] = [2.0, 0.0, 1.0, 0.0];

/// The code of sample `i` in the bytes of one SNP.
#[inline]
pub fn code(snp: &[u8], i: usize) -> u8 {
    (snp[i >> 2] >> ((i & 3) * 2)) & 3
}

/// Mean dosage of allele 1 over the called genotypes of the samples `rows` of one SNP,
/// μ = Σ_called g / #called (0 when none is called).
pub fn called_mean(snp: &[u8], rows: impl IntoIterator<Item = usize>) -> f64 {
    let (sum, called) = rows.into_iter().fold((0.0, 0usize), |(s, k), i| match code(snp, i) {
        MISSING => (s, k),
        c => (s + DOSAGE[c as usize], k + 1),
    });
    if called > 0 { sum / called as f64 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_means_by_hand() {
        // samples 0..5: dosages 2, missing, 1, 0, 2 (codes 0, 1, 2, 3, 0)
        let snp = [0b11_10_01_00u8, 0];
        assert_eq!((0..5).map(|i| code(&snp, i)).collect::<Vec<_>>(), vec![0, 1, 2, 3, 0]);
        assert_eq!(called_mean(&snp, 0..5), 5.0 / 4.0);
        assert_eq!(called_mean(&snp, [1]), 0.0);
    }
}
