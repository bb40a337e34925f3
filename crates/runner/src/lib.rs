//! The `regpath` command's library: one module per subcommand, plus data loading and tables.

pub mod cluster;
pub mod cmd_gen;
pub mod cmd_merge;
pub mod cmd_path;
pub mod cmd_plot;
pub mod cmd_predict;
pub mod cmd_report;
pub mod cmd_slurm;
pub mod cmd_sweep;
pub mod cv;
pub mod held_out;
pub mod load;
pub mod model;
pub mod path_plot;
pub mod plink_codes;
pub mod predict;
pub mod report;
pub mod stats;
pub mod sweep;
pub mod tables;

/// The message of an error and its causes, each cause printed once: `context: cause: …`,
/// leaving out a cause whose text the message already holds (an I/O error that a file error
/// quotes and also reports as its source would otherwise appear twice).
pub fn error_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// `n` and the noun, singular for 1: "1 alpha", "3 alphas", "1 thread". `noun` is the singular;
/// the plural adds "s" (every noun used with it does).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
