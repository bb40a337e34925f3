//! Content fingerprints of input files: what a sweep's task key records so that a result is
//! reused only while every file it read is byte-for-byte the same.
//!
//! A file's fingerprint is XXH3-64 over its bytes, read through a memory map in fixed chunks of
//! [`CHUNK`] bytes hashed in parallel; the chunk digests (little-endian, in file order) and the
//! file length are then hashed once more:
//!
//! ```text
//! F(file) = XXH3-64( len ‖ XXH3-64(chunk₀) ‖ XXH3-64(chunk₁) ‖ … )
//! ```
//!
//! The chunking is fixed, so the value does not depend on the thread count. Any change of a
//! byte changes the digest of its chunk and so, up to a 64-bit hash collision (probability
//! about 2⁻⁶⁴ per change; XXH3 is not a cryptographic hash, nobody is assumed to forge inputs),
//! the fingerprint. Modification times are not used: a copied or touched file with the same
//! bytes keeps its fingerprint, a file edited within the same second does not.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

use crate::error::DataError;

/// Bytes hashed per parallel chunk (16 MiB).
pub const CHUNK: usize = 1 << 24;

/// The fingerprint of one file's content (see the module documentation), as 16 hex digits.
pub fn file_fingerprint(path: &Path) -> Result<String, DataError> {
    let file = File::open(path).map_err(|e| DataError::open(path, e))?;
    let len = file.metadata().map_err(|e| DataError::io(path, "read", e))?.len();
    let digests: Vec<u64> = if len == 0 {
        Vec::new()
    } else {
        // SAFETY: the map is read-only and dropped before returning; a file truncated by
        // another process while it is hashed would fault, as any reader of a changing file.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| DataError::io(path, "map", e))?;
        map.par_chunks(CHUNK).map(xxh3_64).collect()
    };
    let mut buf = Vec::with_capacity(8 * (digests.len() + 1));
    buf.extend_from_slice(&len.to_le_bytes());
    for d in digests {
        buf.extend_from_slice(&d.to_le_bytes());
    }
    Ok(format!("{:016x}", xxh3_64(&buf)))
}

/// One fingerprint for a list of named inputs (`key=path` pairs, e.g. `bed=…/geno.bed`):
/// XXH3-64 over `key \x1f fingerprint \x1e` for each, in the given order.
pub fn inputs_fingerprint(inputs: &[(&str, &Path)]) -> Result<String, DataError> {
    let mut text = String::new();
    for (key, path) in inputs {
        text.push_str(key);
        text.push('\u{1f}');
        text.push_str(&file_fingerprint(path)?);
        text.push('\u{1e}');
    }
    Ok(format!("{:016x}", xxh3_64(text.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_changed_byte_changes_the_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let mut bytes: Vec<u8> = (0..(CHUNK + 1000)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let before = file_fingerprint(&path).unwrap();
        assert_eq!(before, file_fingerprint(&path).unwrap());
        for at in [0, CHUNK - 1, CHUNK, bytes.len() - 1] {
            bytes[at] ^= 1;
            std::fs::write(&path, &bytes).unwrap();
            assert_ne!(before, file_fingerprint(&path).unwrap(), "byte {at}");
            bytes[at] ^= 1;
        }
        // a longer file with the same prefix differs
        bytes.push(0);
        std::fs::write(&path, &bytes).unwrap();
        assert_ne!(before, file_fingerprint(&path).unwrap());
        // the empty file has a fingerprint too
        std::fs::write(&path, b"").unwrap();
        assert_eq!(file_fingerprint(&path).unwrap().len(), 16);
    }

    #[test]
    fn inputs_are_keyed() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"1 2 3").unwrap();
        std::fs::write(&b, b"4 5 6").unwrap();
        let ab = inputs_fingerprint(&[("x", &a), ("y", &b)]).unwrap();
        assert_ne!(ab, inputs_fingerprint(&[("x", &b), ("y", &a)]).unwrap());
        assert_ne!(ab, inputs_fingerprint(&[("y", &a), ("x", &b)]).unwrap());
        assert!(inputs_fingerprint(&[("x", &dir.path().join("missing"))]).is_err());
    }
}
