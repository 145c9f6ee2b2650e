//! The tools that report every `-i INTERVAL` seconds for `-d DURATION`
//! seconds (syscount, funclatency), where the summary tools of bcc take
//! positional `[interval] [count]` (run::summaries).

use std::time::Duration;

use anyhow::Result;

use crate::run::{self, Deadline};

/// Wait, `report`, and go on every `interval` seconds until `duration`
/// seconds have passed, a signal, or `report` returning false (the reader
/// has gone). Without an interval one report, at the end (of the duration,
/// or at Ctrl-C).
pub fn reports(
    interval: Option<u64>,
    duration: Option<u64>,
    mut report: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let deadline = Deadline::after(duration.map(Duration::from_secs));
    loop {
        let wait = match interval {
            Some(i) => Some(deadline.remaining(Duration::from_secs(i))),
            None => duration.map(|_| deadline.remaining(Duration::MAX)),
        };
        run::sleep_for(wait);
        if !report()? || interval.is_none() || run::stopping() || deadline.passed() {
            return Ok(());
        }
    }
}
