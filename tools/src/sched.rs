//! Hooks shared by the scheduler tools (runqlat, runqslower, cpudist,
//! offcputime): a task made runnable (sched_wakeup, sched_wakeup_new) and a
//! task switched to (sched_switch). Their BPF programs carry these names.

use libbpf_rs::MapCore;
use libtools::hist::Summary;
use libtools::{maps, AttachPoint, Prog, Result, Value};

pub fn wakeup_and_switch_hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("wakeup")
            .or([
                Prog::tp_btf("tp_btf_wakeup", "sched_wakeup"),
                Prog::tp_btf("tp_btf_wakeup_new", "sched_wakeup_new"),
            ])
            .or([
                Prog::raw_tp("raw_wakeup", "sched_wakeup"),
                Prog::raw_tp("raw_wakeup_new", "sched_wakeup_new"),
            ]),
        AttachPoint::new("switch")
            .or([Prog::tp_btf("tp_btf_switch", "sched_switch")])
            .or([Prog::raw_tp("raw_switch", "sched_switch")]),
    ]
}

pub fn switch_hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("switch")
        .or([Prog::tp_btf("tp_btf_switch", "sched_switch")])
        .or([Prog::raw_tp("raw_switch", "sched_switch")])]
}

/// One interval of per-key histograms (a map of bpf/hist.h's `struct hist`
/// by u32 key, read and cleared): `LABEL = KEY comm` sections, or a single
/// histogram without a label. `parts` gives a value's slots and comm.
pub fn print_hists<H: plain::Plain + Default>(
    summary: &Summary,
    map: &dyn MapCore,
    label: Option<&str>,
    parts: impl Fn(&H) -> (&[u64], &[std::ffi::c_char]),
) -> Result<bool> {
    let mut hists: Vec<(u32, H)> = maps::drain(map)?
        .iter()
        .map(|(k, v)| (libtools::decode(k), libtools::decode(v)))
        .collect();
    hists.sort_by_key(|(k, _)| *k);
    summary.begin();
    for (key, h) in &hists {
        let (slots, comm) = parts(h);
        let comm = libtools::c_bytes(comm);
        match label {
            Some(label) => {
                let heading = format!("{label} = {key} {}", String::from_utf8_lossy(comm));
                let fields = [
                    (label, Value::Uint((*key).into())),
                    ("comm", Value::Bytes(comm)),
                ];
                summary.section(Some(&heading), &fields, slots);
            }
            None => summary.section(None, &[], slots),
        }
    }
    Ok(summary.end())
}
