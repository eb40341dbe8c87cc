//! A progress bar on standard error for long runs, shared by `iampol lint` and the commands that
//! read `CloudTrail`: drawn only when standard error is a terminal, from the first second on
//! (a short run never shows one), and wiped when the work ends, before anything else is printed.
//!
//! ```text
//! [##########--------------------]  33% 120/360 files
//! ```

use std::io::{IsTerminal, Write};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long a run goes before the bar shows.
const DELAY: Duration = Duration::from_secs(1);
/// How often the bar is redrawn.
const TICK: Duration = Duration::from_millis(100);
/// The number of cells of the bar.
const WIDTH: usize = 30;

/// What the bar shows: how far along the work is, and a few words of numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Done over total, from 0 to 1 (clamped); `None` while the total is unknown.
    pub fraction: Option<f64>,
    /// What follows the percentage (`120/360 files`).
    pub text: String,
}

impl Status {
    /// `done` of `total` things; no fraction while `total` is 0.
    pub fn of(done: u64, total: u64, text: String) -> Self {
        #[expect(
            clippy::cast_precision_loss,
            reason = "a progress bar's numbers, for people"
        )]
        let fraction = (total > 0).then(|| done as f64 / total as f64);
        Self { fraction, text }
    }
}

/// The drawing state: when the run started and how wide the widest line drawn was.
#[derive(Debug)]
struct Bar {
    start: Instant,
    drawn: usize,
}

impl Bar {
    fn new(start: Instant) -> Self {
        Self { start, drawn: 0 }
    }

    /// What to write at `now`: nothing before [`DELAY`], then the line (starting with `\r`).
    fn tick(&mut self, now: Instant, status: &Status) -> Option<String> {
        if now.saturating_duration_since(self.start) < DELAY {
            return None;
        }
        let line = line(status);
        self.drawn = self.drawn.max(line.chars().count());
        Some(format!("\r{line}"))
    }

    /// What wipes the bar at the end: spaces over the widest line drawn; nothing if none was.
    fn finish(&self) -> Option<String> {
        (self.drawn > 0).then(|| format!("\r{}\r", " ".repeat(self.drawn)))
    }
}

/// One line of the bar, without the carriage return.
fn line(status: &Status) -> String {
    let fraction = status.fraction.map(|f| f.clamp(0.0, 1.0));
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_precision_loss,
        clippy::cast_sign_loss,
        reason = "a fraction in 0..=1 of a small width"
    )]
    let filled = fraction
        .map_or(0, |f| (f * WIDTH as f64) as usize)
        .min(WIDTH);
    let percent = fraction.map_or_else(|| "  ?%".to_string(), |f| format!("{:>3.0}%", f * 100.0));
    format!(
        "[{}{}] {percent} {} ",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        status.text
    )
}

/// Runs `work`; meanwhile, when `show` is set and standard error is a terminal, a thread draws
/// the bar that `status` describes (called with the time elapsed) until the work ends, then
/// wipes it. Without a terminal no thread starts.
pub fn while_running<T>(
    show: bool,
    status: impl Fn(Duration) -> Status + Sync,
    work: impl FnOnce() -> T,
) -> T {
    if !show || !std::io::stderr().is_terminal() {
        return work();
    }
    let start = Instant::now();
    let (stop, stopped) = mpsc::channel::<()>();
    let status = &status;
    std::thread::scope(|scope| {
        scope.spawn(move || draw(start, status, &stopped));
        let result = work();
        // Dropping the sender wakes the drawing thread at once; the scope waits for it to wipe
        // the bar, so that nothing printed next lands on the bar's line.
        drop(stop);
        result
    })
}

/// Redraws the bar every [`TICK`] until `stopped` disconnects, then wipes it.
fn draw(start: Instant, status: &impl Fn(Duration) -> Status, stopped: &mpsc::Receiver<()>) {
    let mut bar = Bar::new(start);
    let mut err = std::io::stderr();
    // Nothing is ever sent: the sender's drop ends the wait.
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
        let now = Instant::now();
        if let Some(text) = bar.tick(now, &status(now.saturating_duration_since(start))) {
            let _ = err.write_all(text.as_bytes());
            let _ = err.flush();
        }
    }
    if let Some(text) = bar.finish() {
        let _ = err.write_all(text.as_bytes());
        let _ = err.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(done: u64, total: u64) -> Status {
        Status::of(done, total, format!("{done}/{total} files"))
    }

    #[test]
    fn nothing_is_drawn_in_the_first_second() {
        let start = Instant::now();
        let mut bar = Bar::new(start);
        let early = start + Duration::from_millis(999);
        assert_eq!(bar.tick(early, &status(1, 2)), None);
        assert_eq!(bar.finish(), None, "nothing to wipe");
    }

    #[test]
    fn the_bar_fills_with_the_fraction_and_is_wiped_to_its_width() {
        let start = Instant::now();
        let mut bar = Bar::new(start);
        let later = start + Duration::from_secs(2);
        let drawn = bar.tick(later, &status(1, 3)).unwrap();
        assert_eq!(
            drawn,
            format!("\r[{}{}]  33% 1/3 files ", "#".repeat(10), "-".repeat(20))
        );
        let full = bar.tick(later, &status(360, 360)).unwrap();
        assert_eq!(full, format!("\r[{}] 100% 360/360 files ", "#".repeat(30)));
        // The widest line drawn is wiped, and the cursor goes back to the start of the line.
        let width = full.len() - 1;
        assert_eq!(bar.finish().unwrap(), format!("\r{}\r", " ".repeat(width)));
    }

    #[test]
    fn an_unknown_total_and_overshoots_stay_in_the_bar() {
        assert_eq!(
            line(&status(0, 0)),
            format!("[{}]   ?% 0/0 files ", "-".repeat(30))
        );
        // More done than the total known so far (a walk that is still finding files).
        assert_eq!(
            line(&status(5, 4)),
            format!("[{}] 100% 5/4 files ", "#".repeat(30))
        );
    }

    #[test]
    fn without_a_terminal_the_work_runs_without_a_bar() {
        // Standard error is not a terminal under `cargo test` capture; the status is never
        // asked for.
        let asked = std::sync::atomic::AtomicBool::new(false);
        let result = while_running(
            !std::io::stderr().is_terminal(),
            |_| {
                asked.store(true, std::sync::atomic::Ordering::Relaxed);
                status(0, 1)
            },
            || 7,
        );
        assert_eq!(result, 7);
        std::thread::sleep(TICK * 2);
        assert!(!asked.load(std::sync::atomic::Ordering::Relaxed));
    }
}
