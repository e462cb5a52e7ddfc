//! Progress lines for long computations (forests, grid searches, bootstraps).

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts finished work items and prints a line to standard output at each quarter
/// (`random forest: 150/300 trees`), which a notebook shows under the cell while it
/// runs (standard output, so Jupyter shows it as plain text, not as a pink error box). Lines carry no timings, so two runs print the same text. Safe to share
/// between threads; quarters are printed once each, in order.
///
/// ```
/// let p = ai4med::display::Progress::new("demo", 4, "steps", false);
/// for _ in 0..4 { p.tick(); }
/// assert_eq!(p.done(), 4);
/// ```
#[derive(Debug)]
pub struct Progress {
    label: String,
    unit: String,
    total: usize,
    enabled: bool,
    done: AtomicUsize,
    printed: Mutex<usize>,
}

impl Progress {
    /// A counter over `total` items called `unit`; prints only when `enabled`.
    pub fn new(label: impl Into<String>, total: usize, unit: impl Into<String>, enabled: bool) -> Self {
        Progress { label: label.into(), unit: unit.into(), total, enabled, done: AtomicUsize::new(0), printed: Mutex::new(0) }
    }
    /// Records one finished item.
    pub fn tick(&self) {
        let d = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.enabled || self.total == 0 {
            return;
        }
        let quarter = d * 4 / self.total;
        if let Ok(mut printed) = self.printed.lock() {
            while *printed < quarter.min(4) {
                *printed += 1;
                let at = (*printed * self.total).div_ceil(4);
                println!("{}: {}/{} {}", self.label, at, self.total, self.unit);
                let _ = std::io::Write::flush(&mut std::io::stdout());
            }
        }
    }
    /// Items finished so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::SeqCst)
    }
}
