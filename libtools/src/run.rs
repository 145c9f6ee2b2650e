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
    let action = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        unsafe { sigaction(sig, &action) }.context("cannot install signal handler")?;
    }
    Ok(())
}

/// True once SIGINT or SIGTERM arrived.
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
        Deadline(d.map(|d| Instant::now() + d))
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
        let n = rb.poll_raw(deadline.remaining(Duration::from_millis(100)));
        if n < 0 && n != -libc::EINTR {
            bail!(
                "cannot poll the ring buffer: {}",
                std::io::Error::from_raw_os_error(-n)
            );
        }
        out.flush();
    }
    // Events already in the buffer when we were told to stop still count.
    rb.consume_raw();
    out.flush();
    Ok(())
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
