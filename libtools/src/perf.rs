//! Sampling: one perf event per online CPU, the software CPU clock (at a
//! frequency or every so many nanoseconds of it) or a hardware counter
//! (every so many of its events), each running a BPF `perf_event` program
//! (runqlen, profile, llcstat).

use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};

use anyhow::{bail, Context, Result};
use libbpf_rs::libbpf_sys;
use libbpf_rs::{Link, ProgramMut};

/// The online CPUs, from /sys/devices/system/cpu/online (`0-3,6`).
pub fn online_cpus() -> Result<Vec<u32>> {
    let path = "/sys/devices/system/cpu/online";
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
    parse_cpu_list(text.trim()).with_context(|| format!("{path}: cannot parse {text:?}"))
}

fn parse_cpu_list(s: &str) -> Result<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => cpus.extend(a.parse::<u32>()?..=b.parse::<u32>()?),
            None => cpus.push(part.parse()?),
        }
    }
    Ok(cpus)
}

/// A `--cpu N` filter must name an online CPU: a filter on any other
/// traces nothing, without a word.
pub fn check_cpu(cpu: Option<u32>) -> Result<()> {
    if let Some(c) = cpu {
        let online = online_cpus()?;
        if !online.contains(&c) {
            bail!("CPU {c} is not online (online: {online:?})");
        }
    }
    Ok(())
}

/// How often a sampling event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// This many times a second (perf's `sample_freq`).
    Hertz(u64),
    /// Once every this many events (perf's `sample_period`): of the CPU
    /// clock, nanoseconds.
    Every(u64),
}

impl std::fmt::Display for Rate {
    /// bcc's words: `49 Hertz`, `every 1000000 events`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rate::Hertz(n) => write!(f, "{n} Hertz"),
            Rate::Every(n) => write!(f, "every {n} events"),
        }
    }
}

/// What a sampling event counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The software CPU clock (PERF_COUNT_SW_CPU_CLOCK): nanoseconds on CPU.
    CpuClock,
    /// Last-level cache references (PERF_COUNT_HW_CACHE_REFERENCES).
    CacheReferences,
    /// Last-level cache misses (PERF_COUNT_HW_CACHE_MISSES).
    CacheMisses,
}

impl Event {
    fn type_config(self) -> (u32, u32) {
        match self {
            Event::CpuClock => (
                libbpf_sys::PERF_TYPE_SOFTWARE,
                libbpf_sys::PERF_COUNT_SW_CPU_CLOCK,
            ),
            Event::CacheReferences => (
                libbpf_sys::PERF_TYPE_HARDWARE,
                libbpf_sys::PERF_COUNT_HW_CACHE_REFERENCES,
            ),
            Event::CacheMisses => (
                libbpf_sys::PERF_TYPE_HARDWARE,
                libbpf_sys::PERF_COUNT_HW_CACHE_MISSES,
            ),
        }
    }

    /// What error lines call it.
    fn label(self) -> &'static str {
        match self {
            Event::CpuClock => "CPU-clock",
            _ => self.name(),
        }
    }

    /// The kernel's name for it, for error lines.
    fn name(self) -> &'static str {
        match self {
            Event::CpuClock => "PERF_COUNT_SW_CPU_CLOCK",
            Event::CacheReferences => "PERF_COUNT_HW_CACHE_REFERENCES",
            Event::CacheMisses => "PERF_COUNT_HW_CACHE_MISSES",
        }
    }
}

/// Open a sampling event of `event` on `cpu` at `rate`.
fn open_event(event: Event, cpu: u32, rate: Rate) -> std::io::Result<OwnedFd> {
    let (type_, config) = event.type_config();
    // SAFETY: an all-zero perf_event_attr is its documented default.
    let mut attr: libbpf_sys::perf_event_attr = unsafe { std::mem::zeroed() };
    attr.type_ = type_;
    attr.size = std::mem::size_of::<libbpf_sys::perf_event_attr>() as u32;
    attr.config = config as u64;
    match rate {
        Rate::Hertz(freq) => {
            attr.__bindgen_anon_1.sample_freq = freq;
            attr.set_freq(1);
        }
        Rate::Every(period) => attr.__bindgen_anon_1.sample_period = period,
    }
    // SAFETY: attr is a complete perf_event_attr that outlives the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            &attr as *const _,
            -1,
            cpu as libc::c_int,
            -1,
            libbpf_sys::PERF_FLAG_FD_CLOEXEC as libc::c_ulong,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: perf_event_open just returned this descriptor; nobody else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Whether this machine counts `event`: a trial open on the first online
/// CPU (hardware counters are missing on most virtual machines).
pub fn available(event: Event) -> bool {
    let first = online_cpus().ok().and_then(|c| c.first().copied());
    first.is_some_and(|cpu| open_event(event, cpu, Rate::Every(u64::MAX >> 1)).is_ok())
}

/// Run `prog` at `rate` of the CPU clock on every online CPU, or on `only`
/// one; the links stop it when dropped.
pub fn attach_sampling(prog: &ProgramMut, rate: Rate, only: Option<u32>) -> Result<Vec<Link>> {
    attach_event(prog, Event::CpuClock, rate, only)
}

/// [`attach_sampling`] for any event: a hardware counter the machine lacks
/// (most virtual machines have no PMU) is one line that says so.
pub fn attach_event(
    prog: &ProgramMut,
    event: Event,
    rate: Rate,
    only: Option<u32>,
) -> Result<Vec<Link>> {
    match rate {
        Rate::Hertz(0) => bail!("invalid frequency 0: must be at least 1 Hz"),
        Rate::Every(0) => bail!("invalid sample period 0: must be at least 1 event"),
        _ => {}
    }
    check_cpu(only)?;
    let cpus = match only {
        Some(c) => vec![c],
        None => online_cpus()?,
    };
    let mut links = Vec::new();
    for cpu in cpus {
        let fd = match open_event(event, cpu, rate) {
            Ok(fd) => fd,
            // A CPU that went offline since we read the list.
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => continue,
            Err(e)
                if event != Event::CpuClock
                    && matches!(e.raw_os_error(), Some(libc::ENOENT | libc::EOPNOTSUPP)) =>
            {
                bail!(
                    "this machine has no hardware counter for {} (perf_event_open on CPU {cpu}: {e}): \
                     a virtual machine without a virtual PMU, or a CPU the kernel's perf driver does not know",
                    event.name()
                )
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot open a {} perf event on CPU {cpu} at {rate}",
                        event.label()
                    )
                })
            }
        };
        // libbpf's link owns the perf event fd from here on.
        let raw = fd.into_raw_fd();
        let link = prog
            .attach_perf_event(raw)
            .with_context(|| format!("cannot attach the sampling program on CPU {cpu}"));
        match link {
            Ok(l) => links.push(l),
            Err(e) => {
                // SAFETY: the attach failed, so the link never took the fd: it is ours to close.
                drop(unsafe { OwnedFd::from_raw_fd(raw) });
                return Err(e);
            }
        }
    }
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists() {
        assert_eq!(parse_cpu_list("0").unwrap(), [0]);
        assert_eq!(parse_cpu_list("0-3,6").unwrap(), [0, 1, 2, 3, 6]);
        assert!(parse_cpu_list("x").is_err());
        assert!(!online_cpus().unwrap().is_empty());
    }
}
