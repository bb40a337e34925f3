//! Dataset input and output.

pub mod atomic;
