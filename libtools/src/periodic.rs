//! The tools that report every `-i INTERVAL` seconds for `-d DURATION`
//! seconds (syscount, funclatency), where the summary tools of bcc take
//! positional `[interval] [count]` (run::summaries).

use std::time::Duration;

use anyhow::Result;

use crate::run::{self, Deadline};

/// `-i/--interval` and `-d/--duration`, in seconds.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct Every {
    /// Print a summary every INTERVAL seconds
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: Option<u64>,
    /// Trace for this many seconds in total
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,
}

/// Wait, `report`, and go on every `interval` seconds until `duration`
/// seconds have passed, a signal, or `report` returning false (the reader
/// has gone). Without an interval one report, at the end (of the duration,
/// or at Ctrl-C).
pub fn reports(every: &Every, mut report: impl FnMut() -> Result<bool>) -> Result<()> {
    let Every { interval, duration } = *every;
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
