//! Loading BPF objects: libbpf's log routed to -v, load failures turned into
//! one line that names the program and what the kernel said, and the count
//! of events that found the ring buffer full.

use std::collections::VecDeque;
use std::sync::Mutex;

use anyhow::{anyhow, Result};
use libbpf_rs::skel::OpenSkel;
use libbpf_rs::{libbpf_sys, MapCore, MapType, Object, OpenObject, PrintLevel};

use crate::env;
use crate::hooks::{self, HookPlan};
use crate::{is_verbose, tool_name};

/// The last lines libbpf printed, to explain a failed load.
static LOG: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());
const LOG_KEEP: usize = 200;

fn libbpf_print(level: PrintLevel, msg: String) {
    if is_verbose() {
        eprint!("{msg}");
    }
    if level != PrintLevel::Debug || is_verbose() {
        let mut log = LOG.lock().unwrap_or_else(|e| e.into_inner());
        for line in msg.lines() {
            if log.len() == LOG_KEEP {
                log.pop_front();
            }
            log.push_back(line.to_string());
        }
    }
}

pub(crate) fn route_libbpf_log() {
    let level = if is_verbose() {
        PrintLevel::Debug
    } else {
        PrintLevel::Warn
    };
    libbpf_rs::set_print(Some((level, libbpf_print)));
}

/// The most telling line of libbpf's log about a failed load: the verifier's
/// complaint (the last line of the program's load log before the statistics),
/// or else libbpf's own last word.
fn explain_failure(log: &VecDeque<String>) -> Option<String> {
    let lines: Vec<&str> = log.iter().map(|s| s.trim()).collect();
    if let Some(end) = lines
        .iter()
        .rposition(|l| l.contains("-- END PROG LOAD LOG --"))
    {
        let begin = lines[..end]
            .iter()
            .rposition(|l| l.contains("-- BEGIN PROG LOAD LOG --"))?;
        return lines[begin + 1..end]
            .iter()
            .rev()
            .find(|l| {
                !l.is_empty()
                    && !l.starts_with("processed ")
                    && !l.starts_with("verification time")
                    && !l.starts_with("stack depth")
            })
            .map(|l| format!("verifier: {l}"));
    }
    lines
        .iter()
        .rev()
        .find(|l| l.contains("failed") || l.contains("error"))
        .map(|l| l.trim_start_matches("libbpf: ").to_string())
}

/// From 6.1 on (bpf_mem_alloc), a hash map marked BPF_F_NO_PREALLOC takes
/// the elements a program inserts from per-CPU caches. Before, each one is
/// a kmalloc from wherever the program runs, which under the run-queue lock
/// in sched_switch can deadlock; the kernel warns "trace type BPF program
/// uses run-time allocation". There such maps are preallocated.
const RUNTIME_ALLOC_SAFE: (u32, u32) = (6, 1);

fn preallocate_hash_maps(obj: &mut OpenObject) {
    let no_prealloc = libbpf_sys::BPF_F_NO_PREALLOC;
    for mut map in obj.maps_mut() {
        let hash = matches!(
            map.map_type(),
            MapType::Hash | MapType::PercpuHash | MapType::LruHash | MapType::LruPercpuHash
        );
        let flags = map.map_flags();
        if hash && flags & no_prealloc != 0 {
            // Fails only once loaded, which this object is not.
            let _ = map.set_map_flags(flags & !no_prealloc);
        }
    }
}

/// Apply the hook plan, load, and stop here under `BPFTK_LOAD_ONLY=1`.
pub fn load<'obj, S: OpenSkel<'obj>>(mut open: S, plan: &HookPlan) -> Result<S::Output> {
    plan.apply(open.open_object_mut())?;
    if env::kernel_version().is_none_or(|v| v < RUNTIME_ALLOC_SAFE) {
        preallocate_hash_maps(open.open_object_mut());
    }
    LOG.lock().unwrap_or_else(|e| e.into_inner()).clear();
    let loaded = open.load().map_err(|e| {
        if let Some(limit) = env::fd_limit_problem() {
            return anyhow!("cannot load the BPF programs: {limit}");
        }
        let log = LOG.lock().unwrap_or_else(|e| e.into_inner());
        let what = match explain_failure(&log) {
            Some(why) => format!("{e}; {why}"),
            None => e.to_string(),
        };
        let progs: Vec<String> = plan
            .programs()
            .map(|g| format!("{} ({} {})", g.name, g.target.kind(), g.target))
            .collect();
        anyhow!(
            "cannot load the BPF programs [{}]: {what}",
            progs.join(", ")
        )
    })?;
    if hooks::load_only() {
        let progs: Vec<&str> = plan.programs().map(|g| g.name).collect();
        eprintln!("{}: loaded {}", tool_name(), progs.join(" "));
        std::process::exit(0);
    }
    Ok(loaded)
}

/// Events the BPF side could not put in the ring buffer (summed over CPUs).
pub fn dropped_events(obj: &Object) -> u64 {
    let Some(map) = obj.maps().find(|m| m.name() == "dropped_events") else {
        return 0;
    };
    match map.lookup_percpu(&0u32.to_ne_bytes(), libbpf_rs::MapFlags::ANY) {
        Ok(Some(per_cpu)) => per_cpu
            .iter()
            .filter_map(|v| {
                v.get(..8)
                    .map(|b| u64::from_ne_bytes(b.try_into().unwrap()))
            })
            .sum(),
        _ => 0,
    }
}

/// Say on stderr how many events were lost, if any (always under -v).
pub fn report_dropped(obj: &Object) {
    let n = dropped_events(obj);
    if n > 0 || is_verbose() {
        eprintln!(
            "{}: {n} events lost (ring buffer or in-flight map full)",
            tool_name()
        );
    }
}

/// Size the `events` ring buffer before load (bytes, rounded up to a power of two pages).
pub fn set_ring_size(open: &mut libbpf_rs::OpenObject, bytes: u32) -> Result<()> {
    let size = bytes.max(4096).next_power_of_two();
    let mut map = open
        .maps_mut()
        .find(|m| m.name() == "events")
        .ok_or_else(|| anyhow!("internal error: no events ring buffer"))?;
    map.set_max_entries(size)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_complaint_is_found() {
        let log: VecDeque<String> = [
            "libbpf: prog 'x': BPF program load failed: Permission denied",
            "libbpf: prog 'x': -- BEGIN PROG LOAD LOG --",
            "0: (b7) r0 = 0",
            "1: (79) r1 = *(u64 *)(r1 +0)",
            "R1 invalid mem access 'scalar'",
            "processed 2 insns (limit 1000000) max_states_per_insn 0",
            "-- END PROG LOAD LOG --",
            "libbpf: prog 'x': failed to load: -13",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            explain_failure(&log).unwrap(),
            "verifier: R1 invalid mem access 'scalar'"
        );
    }

    #[test]
    fn libbpf_error_without_verifier_log() {
        let log: VecDeque<String> =
            ["libbpf: prog 'f': failed to find kernel BTF type ID of 'nope': -3"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        assert_eq!(
            explain_failure(&log).unwrap(),
            "prog 'f': failed to find kernel BTF type ID of 'nope': -3"
        );
    }
}
