//! Plain progress lines for a sweep whose stderr is not a terminal: a SLURM job's output
//! file, `nohup`, a pipe. There the progress bar draws nothing, and a task of a biobank cell
//! (hours of CV folds) would leave its log empty until it ends. One line per unit whose data
//! are ready, per finished CV fold, per finished task, and a heartbeat for a path that has
//! printed nothing for [`HEARTBEAT`] (written when its next alpha is done), each stamped with
//! the time since the sweep started (the format; docs/sweep.md quotes a real run):
//!
//! ```text
//! [00:01:12] data ready: synthetic_n100000_p100000_k1000_h20.5 r0 (80000 training samples) in 72 s
//! [00:06:12] synthetic_…__mcp_g3__r0: CV fold 2/4 at alpha 44/100, nnz 6834, 300 s
//! [00:17:40] synthetic_…__mcp_g3__r0: CV fold 2/4 done: 47 alphas (stopped 10 after its best), 988 s
//! [00:41:03] task 1/1 done: synthetic_…__mcp_g3__r0 in 2391 s: alpha 36, nnz 2210, test R² 0.4810
//! ```
//!
//! On a terminal it stays silent (the bar shows the progress), so interactive output is
//! unchanged.

use std::fmt::Display;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::tables::TaskResult;

/// A path that has printed nothing for this long prints where it is.
pub const HEARTBEAT: Duration = Duration::from_secs(300);

/// The progress lines of one sweep run (module doc).
pub struct ProgressLog {
    enabled: bool,
    start: Instant,
    total: usize,
    done: AtomicUsize,
}

impl ProgressLog {
    /// Lines for `total` tasks, written only when `enabled`.
    pub fn new(enabled: bool, total: usize) -> ProgressLog {
        ProgressLog { enabled, start: Instant::now(), total, done: AtomicUsize::new(0) }
    }

    /// Lines when progress is wanted and stderr is not a terminal (where the bar draws).
    pub fn for_stderr(progress: bool, total: usize) -> ProgressLog {
        ProgressLog::new(progress && !std::io::stderr().is_terminal(), total)
    }

    /// `[hh:mm:ss] text` on stderr, the time since the sweep started.
    pub fn line(&self, text: impl Display) {
        if self.enabled {
            eprintln!("[{}] {text}", clock(self.start.elapsed()))
        }
    }

    /// The line of a finished task: its rank among this run's tasks, time, chosen alpha,
    /// support and test R² (or AUC, or concordance, whichever the datafit has).
    pub fn task_done(&self, result: &TaskResult, time_s: f64) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let s = &result.summary;
        let measure = match (s.chosen_test_r2, s.chosen_test_auc, s.chosen_test_cindex) {
            (Some(r2), _, _) => format!(", test R² {r2:.4}"),
            (None, Some(auc), _) => format!(", test AUC {auc:.4}"),
            (None, None, Some(c)) => format!(", test C-index {c:.4}"),
            _ => String::new(),
        };
        self.line(format_args!(
            "task {done}/{} done: {} in {}: alpha {}, nnz {}{measure}",
            self.total,
            result.task_id,
            seconds(time_s),
            s.chosen_alpha_index,
            s.chosen_nnz
        ));
    }

    /// A timer for one path's heartbeat.
    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat { enabled: self.enabled, last: Instant::now(), start: Instant::now() }
    }
}

/// When one path (a CV fold or a training path) last printed a line.
pub struct Heartbeat {
    enabled: bool,
    last: Instant,
    start: Instant,
}

impl Heartbeat {
    /// Whether [`HEARTBEAT`] has passed since the last line (and the clock restarts if so).
    pub fn due(&mut self) -> bool {
        self.due_at(Instant::now())
    }

    /// [`Heartbeat::due`] at the instant `now`.
    fn due_at(&mut self, now: Instant) -> bool {
        if !self.enabled || now.saturating_duration_since(self.last) < HEARTBEAT {
            return false;
        }
        self.last = now;
        true
    }

    /// Seconds since the path started.
    pub fn seconds(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// A duration for a progress line: `0.4 s`, `12 s`, `988 s`.
pub fn seconds(s: f64) -> String {
    if s < 10.0 { format!("{s:.1} s") } else { format!("{s:.0} s") }
}

/// `hh:mm:ss` (hours past 99 keep their digits).
fn clock(elapsed: Duration) -> String {
    let s = elapsed.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_hours_minutes_seconds() {
        assert_eq!(clock(Duration::from_secs(0)), "00:00:00");
        assert_eq!(clock(Duration::from_secs(3 * 3600 + 25 * 60 + 7)), "03:25:07");
        assert_eq!(clock(Duration::from_secs(123 * 3600)), "123:00:00");
        assert_eq!(seconds(0.04), "0.0 s");
        assert_eq!(seconds(9.94), "9.9 s");
        assert_eq!(seconds(987.6), "988 s");
    }

    #[test]
    fn a_heartbeat_is_due_once_per_period_and_never_when_disabled() {
        for enabled in [true, false] {
            let mut beat = ProgressLog::new(enabled, 1).heartbeat();
            let start = beat.last;
            assert!(!beat.due_at(start + HEARTBEAT / 2), "nothing is due before a period");
            assert_eq!(beat.due_at(start + HEARTBEAT), enabled);
            let next = start + HEARTBEAT + HEARTBEAT / 2;
            assert!(!beat.due_at(next), "the clock restarts after a heartbeat");
            assert_eq!(beat.due_at(start + HEARTBEAT * 2), enabled);
        }
    }
}
