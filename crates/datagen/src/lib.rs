//! Synthetic datasets with known truth, and readers for the files genomics people have
//! (`.npy`, numeric CSV, PLINK 1 `.bed/.bim/.fam`).

pub mod io;
