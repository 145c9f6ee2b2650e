//! Sampling: one software CPU-clock perf event per online CPU, at a
//! frequency or every so many nanoseconds of CPU clock, each running a BPF
//! `perf_event` program (runqlen, profile).

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

/// Open a CPU-clock sampling event on `cpu` at `rate`.
fn open_cpu_clock(cpu: u32, rate: Rate) -> std::io::Result<OwnedFd> {
    // SAFETY: an all-zero perf_event_attr is its documented default.
    let mut attr: libbpf_sys::perf_event_attr = unsafe { std::mem::zeroed() };
    attr.type_ = libbpf_sys::PERF_TYPE_SOFTWARE;
    attr.size = std::mem::size_of::<libbpf_sys::perf_event_attr>() as u32;
    attr.config = libbpf_sys::PERF_COUNT_SW_CPU_CLOCK as u64;
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

/// Run `prog` at `rate` on every online CPU, or on `only` one; the links
/// stop it when dropped.
pub fn attach_sampling(prog: &ProgramMut, rate: Rate, only: Option<u32>) -> Result<Vec<Link>> {
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
        let fd = match open_cpu_clock(cpu, rate) {
            Ok(fd) => fd,
            // A CPU that went offline since we read the list.
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => continue,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot open a CPU-clock perf event on CPU {cpu} at {rate}")
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
