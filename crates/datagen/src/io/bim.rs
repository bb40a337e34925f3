//! The `.bim` table of a PLINK fileset, stored by column.
//!
//! A `.bim` of 10⁶ SNPs as `Vec<String>` per field costs 5·10⁶ heap strings (~ 24 bytes of
//! header plus a ≥ 32-byte allocation each, ~ 300 MB); stored as one text buffer per column
//! with end offsets ([`StringColumn`]) it costs the characters plus 4 bytes per entry
//! (~ 40 MB for ids of ~ 10 characters, one-letter alleles and chromosome codes).

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::de::{SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::DataError;

/// A list of strings stored in one buffer: entry `j` is `text[ends[j-1]..ends[j]]`
/// (`ends[-1] = 0`). Serialized as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringColumn {
    text: String,
    ends: Vec<u32>,
}

impl StringColumn {
    /// An empty column.
    pub fn new() -> StringColumn {
        StringColumn::default()
    }

    /// Appends `s`.
    ///
    /// # Panics
    /// When the column's text would pass 4 GiB (u32 offsets).
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        let end = u32::try_from(self.text.len()).expect("a StringColumn holds at most 4 GiB of text");
        self.ends.push(end);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Entry `j`.
    ///
    /// # Panics
    /// If `j >= len()`.
    pub fn get(&self, j: usize) -> &str {
        let start = if j == 0 { 0 } else { self.ends[j - 1] as usize };
        &self.text[start..self.ends[j] as usize]
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(move |j| self.get(j))
    }

    /// The entries as owned strings.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl<S: AsRef<str>> FromIterator<S> for StringColumn {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> StringColumn {
        let mut column = StringColumn::new();
        iter.into_iter().for_each(|s| column.push(s.as_ref()));
        column
    }
}

impl Serialize for StringColumn {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for s in self.iter() {
            seq.serialize_element(s)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for StringColumn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<StringColumn, D::Error> {
        struct ColumnVisitor;

        /// Receives one string without allocating it.
        struct Entry<'a>(&'a mut StringColumn);

        impl<'de> serde::de::DeserializeSeed<'de> for Entry<'_> {
            type Value = ();
            fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
                deserializer.deserialize_str(self)
            }
        }

        impl Visitor<'_> for Entry<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
                if self.0.text.len() + s.len() > u32::MAX as usize {
                    return Err(E::custom("a string list holds more than 4 GiB of text"));
                }
                self.0.push(s);
                Ok(())
            }
        }

        impl<'de> Visitor<'de> for ColumnVisitor {
            type Value = StringColumn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StringColumn, A::Error> {
                let mut column = StringColumn::new();
                if let Some(n) = seq.size_hint() {
                    column.ends.reserve(n);
                }
                while seq.next_element_seed(Entry(&mut column))?.is_some() {}
                column.text.shrink_to_fit();
                Ok(column)
            }
        }

        deserializer.deserialize_seq(ColumnVisitor)
    }
}

/// The `.bim` records of a fileset, by column (the cM field is not kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnpTable {
    /// Chromosome codes.
    pub chromosome: StringColumn,
    /// SNP ids.
    pub id: StringColumn,
    /// Base-pair positions (negative values kept: PLINK marks excluded variants so, and real
    /// files have `-9`).
    pub position: Vec<i64>,
    /// Allele 1, whose copies the dosages count.
    pub allele1: StringColumn,
    /// Allele 2.
    pub allele2: StringColumn,
}

impl SnpTable {
    /// Number of SNPs.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// No SNPs.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The records of the SNPs `cols` (indices into this table), in that order.
    pub fn subset(&self, cols: &[usize]) -> SnpTable {
        let mut out = SnpTable::default();
        for &j in cols {
            out.push(
                self.chromosome.get(j),
                self.id.get(j),
                self.position[j],
                self.allele1.get(j),
                self.allele2.get(j),
            );
        }
        out
    }

    /// Appends one record.
    pub fn push(&mut self, chromosome: &str, id: &str, position: i64, allele1: &str, allele2: &str) {
        self.chromosome.push(chromosome);
        self.id.push(id);
        self.position.push(position);
        self.allele1.push(allele1);
        self.allele2.push(allele2);
    }

    /// Reads a `.bim` file line by line: six whitespace-separated fields (chromosome, SNP id,
    /// cM, position, allele 1, allele 2) per non-blank line, the position a whole number.
    pub fn read(path: &Path) -> Result<SnpTable, DataError> {
        let file = File::open(path).map_err(|e| DataError::open(path, e))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut table = SnpTable::default();
        let mut line = String::new();
        let mut number = 0u64;
        loop {
            line.clear();
            let read = reader.read_line(&mut line).map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => DataError::format(path, "not a text file (invalid UTF-8)"),
                _ => DataError::io(path, "read", e),
            })?;
            if read == 0 {
                break;
            }
            number += 1;
            if line.trim().is_empty() {
                continue;
            }
            let bad = |what: String| DataError::format(path, format!("line {number}: {what}"));
            let mut fields = line.split_whitespace();
            let f: [Option<&str>; 6] = std::array::from_fn(|_| fields.next());
            let extra = fields.count();
            let [Some(chromosome), Some(id), Some(_cm), Some(position), Some(a1), Some(a2)] = f else {
                let found = f.iter().flatten().count();
                return Err(bad(format!(
                    "expected 6 fields (chromosome SNP cM position allele1 allele2), found {found}"
                )));
            };
            if extra > 0 {
                return Err(bad(format!(
                    "expected 6 fields (chromosome SNP cM position allele1 allele2), found {}",
                    6 + extra
                )));
            }
            let position: i64 =
                position.parse().map_err(|_| bad(format!("position `{position}` is not a whole number")))?;
            if table.id.text.len() + id.len() > u32::MAX as usize {
                return Err(bad("the SNP ids hold more than 4 GiB of text".into()));
            }
            table.push(chromosome, id, position, a1, a2);
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_keeps_entries_including_empty_ones() {
        let c: StringColumn = ["rs1", "", "chr1:12:A:G"].into_iter().collect();
        assert_eq!(c.len(), 3);
        assert_eq!(c.to_vec(), vec!["rs1", "", "chr1:12:A:G"]);
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"["rs1","","chr1:12:A:G"]"#);
        let back: StringColumn = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let escaped: StringColumn = serde_json::from_str(r#"["a\"b","\u00e9"]"#).unwrap();
        assert_eq!(escaped.to_vec(), vec!["a\"b", "é"]);
        assert!(serde_json::from_str::<StringColumn>(r#"["a",1]"#).is_err());
    }

    #[test]
    fn bim_lines_are_checked() {
        let dir = std::env::temp_dir().join(format!("regpath-bim-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.bim");
        std::fs::write(&path, "1 rs1 0 100 A G\n\n1\trs2\t0.5\t-9\tT\tC\n").unwrap();
        let t = SnpTable::read(&path).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!((t.id.get(1), t.position[1], t.allele1.get(1), t.allele2.get(1)), ("rs2", -9, "T", "C"));
        std::fs::write(&path, "1 rs1 0 100 A G\n1 rs2 0 100 A\n").unwrap();
        let e = SnpTable::read(&path).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("found 5"), "{e}");
        std::fs::write(&path, "1 rs1 0 1e5 A G\n").unwrap();
        let e = SnpTable::read(&path).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("`1e5`"), "{e}");
        std::fs::write(&path, "1 rs1 0 100 A G x\n").unwrap();
        let e = SnpTable::read(&path).unwrap_err().to_string();
        assert!(e.contains("found 7"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
