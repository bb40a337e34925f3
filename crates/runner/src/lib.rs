//! The `regpath` command's library: one module per subcommand, plus data loading and tables.

pub mod cmd_gen;
pub mod cmd_merge;
pub mod cmd_path;
pub mod cmd_plot;
pub mod cmd_predict;
pub mod cmd_report;
pub mod cmd_slurm;
pub mod cmd_sweep;
pub mod held_out;
pub mod load;
pub mod model;
pub mod plink_codes;
pub mod predict;
pub mod report;
pub mod stats;
pub mod sweep;
pub mod tables;
