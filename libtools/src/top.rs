//! What a top-like tool (tcptop) does each interval: drain its map of
//! counters, and print before its rows, as libbpf-tools' do, a clear-screen
//! sequence, the time and load averages; and how wide its PID column is.

use std::fmt::Write as _;

use anyhow::Result;
use chrono::{DateTime, Local};
use libbpf_rs::MapCore;

use crate::maps;

/// `[INTERVAL] [COUNT]`, `-C` and `-r ROWS`, as libbpf-tools' top-like
/// tools spell them (biotop, filetop): every second by default.
#[derive(clap::Args, Debug, Clone)]
pub struct TopArgs {
    /// Output interval, seconds
    #[arg(value_name = "INTERVAL", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: u64,
    /// Number of outputs
    #[arg(value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Don't clear the screen
    #[arg(short = 'C', long = "noclear")]
    pub no_clear: bool,
    /// Maximum rows to print
    #[arg(short, long, alias = "maxrows", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub rows: u64,
}

impl TopArgs {
    /// The `Tracing... Output every N secs.` line they start with.
    pub fn tracing_line(&self) -> String {
        format!(
            "Tracing... Output every {} secs. Hit Ctrl-C to end.\n",
            self.interval
        )
    }

    /// The summary loop's interval and count.
    pub fn every(&self) -> crate::run::Interval {
        crate::run::Interval {
            interval: Some(self.interval),
            count: self.count,
        }
    }
}

/// Every entry of a map of counters, decoded, the map left empty for the
/// next interval.
pub fn drain<K, V>(map: &dyn MapCore) -> Result<Vec<(K, V)>>
where
    K: plain::Plain + Default,
    V: plain::Plain + Default,
{
    Ok(maps::drain(map)?
        .iter()
        .map(|(k, v)| (crate::decode(k), crate::decode(v)))
        .collect())
}

/// The PID column fits the largest pid (kernel.pid_max), 6 at least.
pub fn pid_width() -> usize {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .map(|s| s.trim().len())
        .unwrap_or(7)
        .max(6)
}

/// The start of one interval's screen: `clear` it, then unless `quiet`
/// a line `HH:MM:SS loadavg: ...` from /proc/loadavg.
pub fn screen(clear: bool, quiet: bool, now: DateTime<Local>) -> String {
    let mut s = String::new();
    if clear {
        s.push_str("\x1b[H\x1b[2J");
    }
    if !quiet {
        if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
            let _ = writeln!(s, "{:>8} loadavg: {load}", now.format("%H:%M:%S"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screen_clears_and_shows_the_load() {
        let s = screen(true, false, crate::output::now());
        assert!(s.starts_with("\x1b[H\x1b[2J"));
        assert!(s.contains(" loadavg: "), "{s:?}");
        assert_eq!(screen(false, true, crate::output::now()), "");
        assert!(pid_width() >= 6);
    }
}
