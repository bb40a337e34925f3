//! Synthetic data and dataset readers.
