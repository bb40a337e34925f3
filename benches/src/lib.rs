//! Shared settings for the regpath benchmarks.
