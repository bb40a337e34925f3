//! The `regpath` command's library: one module per subcommand, plus shared output helpers.

pub mod cmd_gen;
pub mod cmd_path;
