//! The run loop: SIGINT/SIGTERM stop it cleanly, `-d DURATION` ends it, and
//! ring buffer events go to the tool's handler in batches.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use libbpf_rs::{MapCore, RingBufferBuilder};
use nix::sys::signal::{sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};

use crate::output::Output;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

pub(crate) fn install_signal_handlers() -> Result<()> {
    // No SA_RESTART: a blocking poll returns EINTR and the loop notices at once.
    // SA_RESETHAND: the first signal asks for a clean stop (the summary, the
    // report); a second one of the same kind, while a large report is still
    // being named or written, ends the tool at once, as the user asked twice.
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESETHAND,
        SigSet::empty(),
    );
    // SIGHUP too: a closed terminal or ssh session ends the trace with its summary.
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { sigaction(sig, &action) }.context("cannot install signal handler")?;
    }
    Ok(())
}

/// Stop as if a stop signal had come: standard output is gone.
pub(crate) fn request_stop() {
    STOP.store(true, Ordering::Relaxed);
}

/// True once SIGINT, SIGTERM or SIGHUP arrived, or output failed.
pub fn stopping() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// `-d DURATION` in seconds: must be positive.
pub fn duration(secs: Option<i64>) -> Result<Option<Duration>> {
    match secs {
        None => Ok(None),
        Some(s) if s > 0 => Ok(Some(Duration::from_secs(s as u64))),
        Some(s) => bail!("invalid duration {s}: must be a positive number of seconds"),
    }
}

/// A deadline, or none; `wait` sleeps until it, a signal, or `step`.
pub struct Deadline(Option<Instant>);

impl Deadline {
    pub fn after(d: Option<Duration>) -> Self {
        // A deadline past what the clock can hold is no deadline.
        Deadline(d.and_then(|d| Instant::now().checked_add(d)))
    }
    pub fn passed(&self) -> bool {
        self.0.is_some_and(|t| Instant::now() >= t)
    }
    /// Time left, capped at `cap`.
    pub fn remaining(&self, cap: Duration) -> Duration {
        self.0.map_or(cap, |t| {
            t.saturating_duration_since(Instant::now()).min(cap)
        })
    }
}

/// Poll the `events` ring buffer, handing each event to `on_event`, until a
/// signal, the duration, or a closed output. Output is flushed after each batch.
/// How often the ring buffer is read when the BPF side sends no wakeup
/// (it wakes us only when the buffer fills up): the most an event waits.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

pub fn poll_events<W: std::io::Write>(
    events: &dyn MapCore,
    duration: Option<Duration>,
    out: &Output<W>,
    mut on_event: impl FnMut(&[u8]),
) -> Result<()> {
    let mut builder = RingBufferBuilder::new();
    builder.add(events, |data: &[u8]| {
        on_event(data);
        0
    })?;
    let rb = builder.build()?;
    let deadline = Deadline::after(duration);
    while !stopping() && !deadline.passed() && !out.is_broken() {
        let n = rb.poll_raw(deadline.remaining(POLL_INTERVAL));
        if n < 0 && n != -libc::EINTR {
            bail!(
                "cannot poll the ring buffer: {}",
                std::io::Error::from_raw_os_error(-n)
            );
        }
        // A poll that timed out consumed nothing: take what came without a wakeup.
        rb.consume_raw();
        out.flush();
    }
    // Events already in the buffer when we were told to stop still count.
    rb.consume_raw();
    out.flush();
    Ok(())
}

/// `[INTERVAL] [COUNT]`, the positional arguments of every summary tool.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Interval {
    /// Print a summary every INTERVAL seconds (default: one, at Ctrl-C)
    #[arg(value_name = "INTERVAL", value_parser = clap::value_parser!(u64).range(1..))]
    pub interval: Option<u64>,
    /// Stop after COUNT summaries
    #[arg(value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
}

impl Interval {
    /// These, with an interval of `secs` where none was given: the tools
    /// that print a line per interval from the start (vfsstat, cachestat).
    pub fn or_every(&self, secs: u64) -> Interval {
        Interval {
            interval: Some(self.interval.unwrap_or(secs)),
            ..self.clone()
        }
    }
}

/// The summary loop: wait an interval (or until SIGINT/SIGTERM), `print`,
/// and go on until COUNT summaries, a signal, or `print` returning false
/// (the reader has gone). A signal mid-interval still prints that interval.
pub fn summaries(iv: &Interval, print: impl FnMut() -> Result<bool>) -> Result<()> {
    summaries_waiting(iv, sleep, print)
}

/// [`summaries`] with the tool's own wait for an interval (None: until a
/// stop signal), for stack tools that note new processes' memory maps
/// while they wait ([`crate::stacks::StackResolver::trace`]).
pub fn summaries_waiting(
    iv: &Interval,
    mut wait: impl FnMut(Option<Duration>),
    mut print: impl FnMut() -> Result<bool>,
) -> Result<()> {
    let mut left = iv.count;
    loop {
        wait(iv.interval.map(Duration::from_secs));
        if !print()? || stopping() {
            return Ok(());
        }
        if let Some(n) = left.as_mut() {
            *n -= 1;
            if *n == 0 {
                return Ok(());
            }
        }
    }
}

/// Trace for `d` (until a stop signal with None): the wait of the tools
/// that report once, at the end.
pub fn sleep_for(d: Option<Duration>) {
    let deadline = Deadline::after(d);
    while !stopping() && !deadline.passed() {
        sleep(Some(deadline.remaining(Duration::from_secs(1))));
    }
}

/// Sleep for `d` (for ever with None), or until a stop signal. Sleeps are
/// at most a second, so a signal that lands just before one is noticed soon.
pub fn sleep(d: Option<Duration>) {
    let end = d.and_then(|d| Instant::now().checked_add(d));
    while !stopping() {
        let left = match end {
            Some(e) => e.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(1),
        };
        if left.is_zero() {
            return;
        }
        let step = left.min(Duration::from_secs(1));
        let ts = libc::timespec {
            tv_sec: step.as_secs() as libc::time_t,
            tv_nsec: step.subsec_nanos() as libc::c_long,
        };
        // EINTR (the signal) ends it early; the loop then sees `stopping`.
        // SAFETY: ts is a valid timespec; no remainder is asked for.
        unsafe { libc::nanosleep(&ts, std::ptr::null_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_must_be_positive() {
        assert_eq!(duration(None).unwrap(), None);
        assert_eq!(duration(Some(2)).unwrap(), Some(Duration::from_secs(2)));
        assert!(duration(Some(0)).is_err());
        let e = duration(Some(-1)).unwrap_err().to_string();
        assert!(e.contains("invalid duration -1"), "{e}");
    }
}
