//! The tools that report every `-i INTERVAL` seconds for `-d DURATION`
//! seconds (syscount, funclatency), where the summary tools of bcc take
//! positional `[interval] [count]` (run::summaries), and the ready line of
//! tools that word their own.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use crate::output::{Format, Output};
use crate::run::{self, Deadline};

/// `line` on stdout before the first report, or on stderr with --json,
/// where stdout holds only JSON; scripts and tests wait for it.
pub fn ready_line<W: Write>(out: &Output<W>, line: &str) {
    match out.format() {
        Format::Table => out.text(&format!("{line}\n")),
        Format::Json => eprintln!("{line}"),
    }
    out.flush();
}

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
