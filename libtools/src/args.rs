//! Flags several tools define alike, each a struct a tool flattens
//! (`#[command(flatten)]`) where the flag stands in its `--help`, with the
//! check or conversion that goes with it; and the value parsers tools share.

use std::time::Duration;

use anyhow::Result;

use crate::names;

/// `-d/--duration SECONDS`. Negative numbers parse, so that the check
/// (`get`) says what is wrong rather than clap taking `-1` for a flag.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DurationArg {
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
}

/// `--duration SECONDS`, for the tools whose `-d` means something else.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LongDurationArg {
    /// Trace for this many seconds
    #[arg(long, allow_negative_numbers = true)]
    pub duration: Option<i64>,
}

impl DurationArg {
    /// The duration, which must be positive (`run::duration`).
    pub fn get(&self) -> Result<Option<Duration>> {
        crate::run::duration(self.duration)
    }
}

impl LongDurationArg {
    /// The duration, which must be positive (`run::duration`).
    pub fn get(&self) -> Result<Option<Duration>> {
        crate::run::duration(self.duration)
    }
}

/// `-p/--pid PID`: one process to trace, which must exist
/// ([`crate::check_pid`], done by `Spec::pid` or [`PidArg::check`]).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PidArg {
    /// Only trace this process ID
    #[arg(short, long)]
    pub pid: Option<u32>,
}

impl PidArg {
    pub fn check(&self) -> Result<()> {
        crate::check_pid(self.pid)
    }

    /// The BPF side's filter value: the PID, or 0 for every process.
    pub fn tgid(&self) -> u32 {
        self.pid.unwrap_or(0)
    }
}

/// `-n/--name NAME`: only the tasks whose name contains NAME, checked in
/// user space as bcc does.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NameArg {
    /// Only print processes whose name contains NAME
    #[arg(short, long, value_parser = comm_pattern)]
    pub name: Option<String>,
}

/// A part of a task name: no longer than a name can be, or it would never match.
fn comm_pattern(s: &str) -> std::result::Result<String, String> {
    let max = 15; // TASK_COMM_LEN less its NUL
    if s.len() > max {
        return Err(format!(
            "{} bytes: a process name has at most {max}, so this would match nothing",
            s.len()
        ));
    }
    Ok(s.to_string())
}

impl NameArg {
    /// True when `comm` is to be left out.
    pub fn skips(&self, comm: &[u8]) -> bool {
        self.name
            .as_ref()
            .is_some_and(|n| !crate::contains_bytes(comm, n.as_bytes()))
    }
}

/// `-u/--uid UID`: one user to trace.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct UidArg {
    /// Only trace this user ID
    // u32::MAX is (uid_t)-1, no user: the BPF side's "every user".
    #[arg(short, long, value_parser = clap::value_parser!(u32).range(0..u32::MAX as i64))]
    pub uid: Option<u32>,
}

impl UidArg {
    /// The BPF side's filter value: the UID, or `u32::MAX` for every user.
    pub fn filter(&self) -> u32 {
        self.uid.unwrap_or(u32::MAX)
    }
}

/// A threshold in milliseconds, decimals allowed: positive, finite, under
/// 10^9.
pub fn positive_ms(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 && ms < 1e9 => Ok(ms),
        _ => Err(format!(
            "invalid minimum latency {s}: a positive number of milliseconds"
        )),
    }
}

/// An errno by name (ENOENT) or number.
pub fn errno(s: &str) -> std::result::Result<i32, String> {
    names::parse_errno(s)
        .ok_or_else(|| format!("not an errno: {s} (a name like ENOENT or a number)"))
}

/// A signal by number (1-64) or name (TERM, SIGTERM).
pub fn signal(s: &str) -> std::result::Result<i32, String> {
    names::parse_signal(s)
        .ok_or_else(|| format!("not a signal: {s} (a number 1-64 or a name like TERM)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_latency_is_positive_milliseconds() {
        assert_eq!(positive_ms("0.1"), Ok(0.1));
        assert_eq!(positive_ms("2"), Ok(2.0));
        assert!(positive_ms("0").is_err());
        assert!(positive_ms("-1").is_err());
        assert!(positive_ms("abc").is_err());
        assert!(positive_ms("nan").is_err());
    }

    #[test]
    fn errnos_and_signals_by_name_or_number() {
        assert_eq!(errno("ENOENT"), Ok(libc::ENOENT));
        assert!(errno("ENOTHING").unwrap_err().contains("not an errno"));
        assert_eq!(signal("TERM"), Ok(libc::SIGTERM));
        assert!(signal("NOPE").unwrap_err().contains("not a signal"));
    }

    #[test]
    fn names_match_as_substrings() {
        let n = NameArg {
            name: Some("thon".into()),
        };
        assert!(!n.skips(b"python3"));
        assert!(n.skips(b"cat"));
        assert!(!NameArg::default().skips(b"cat"));
    }

    #[test]
    fn durations_are_checked() {
        let d = |s| DurationArg { duration: Some(s) };
        assert_eq!(d(2).get().unwrap(), Some(Duration::from_secs(2)));
        assert!(d(-1).get().is_err());
        assert_eq!(DurationArg::default().get().unwrap(), None);
    }
}
