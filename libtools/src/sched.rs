//! Hooks shared by the scheduler tools (runqlat, runqslower, cpudist,
//! offcputime, wakeuptime): a task made runnable (sched_wakeup, sched_wakeup_new) and a
//! task switched to (sched_switch). Their BPF programs carry these names
//! (bpf/sched_hooks.bpf.h).

use crate::{AttachPoint, Prog};

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
