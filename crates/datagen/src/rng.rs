//! Reproducible random streams: every stream is a ChaCha8 generator keyed by the master seed,
//! with a stream number derived from what it is for and an index (column, block, ...). The
//! numbers drawn therefore depend only on (seed, purpose, index), never on which thread runs.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a random stream is used for; part of its stream number.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Purpose {
    /// One stream per column of X.
    Column = 1,
    /// One stream per genotype LD block.
    Block = 2,
    /// The noise added to the signal.
    Noise = 3,
    /// Positions and values of the nonzero coefficients.
    Effects = 4,
    /// Shared factors (the common component of equicorrelated columns).
    Common = 5,
    /// Which genotype SNPs are duplicates, and which of those are allele-flipped.
    Duplicates = 6,
    /// The source SNP of each duplicate; one stream per genotype LD block.
    DuplicateSources = 7,
    /// Which genotype SNPs are monomorphic, and their genotype.
    Monomorphic = 8,
    /// Missing genotype calls; one stream per genotype LD block.
    Missing = 9,
    /// Which SNPs of a real fileset are causal (`simulate`).
    SimulateCausal = 10,
    /// The per-allele effects of the causal SNPs (`simulate`).
    SimulateEffects = 11,
    /// The environmental noise of a simulated phenotype (`simulate`).
    SimulateNoise = 12,
    /// Event times of a survival phenotype (`survival`).
    SurvivalTimes = 13,
    /// Censoring times of a survival phenotype (`survival`).
    Censoring = 14,
}

/// The generator for (`seed`, `purpose`, `index`); `index` must be below 2^56.
pub(crate) fn stream(seed: u64, purpose: Purpose, index: u64) -> ChaCha8Rng {
    debug_assert!(index < 1 << 56);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((purpose as u64) << 56) | index);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_distinct_and_reproducible() {
        let a: u64 = stream(1, Purpose::Column, 0).random();
        let b: u64 = stream(1, Purpose::Column, 1).random();
        let c: u64 = stream(1, Purpose::Block, 0).random();
        let d: u64 = stream(2, Purpose::Column, 0).random();
        assert_eq!(a, stream(1, Purpose::Column, 0).random::<u64>());
        assert!(a != b && a != c && a != d);
    }
}
