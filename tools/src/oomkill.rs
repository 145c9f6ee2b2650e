//! oomkill: OOM killer victims, who triggered the kill, and memory figures.

use clap::Parser;
use libtools::{lifecycle, AttachPoint, Column, Columns, Common, DurationArg, Prog, Result};
use libtools::{Spec, Value};

libtools::skel!("oomkill");
use skel::{types::event, OomkillSkelBuilder as Builder};

const UNKNOWN: u64 = u64::MAX;

const EXAMPLES: &str = "EXAMPLES:
    oomkill             # trace OOM killer
    oomkill --json      # one JSON object per kill";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time, HH:MM:SS (the table has no heading line)"),
        ("EVENT", "Triggered by PID N (\"comm\"), OOM kill of PID N (\"comm\"), then what the hook knows: N pages with the kprobe, or the victim's total-vm, anon-rss, file-rss, shmem-rss and pgtables in kB, uid and oom_score_adj where the tracepoint carries them; last, loadavg: and the contents of /proc/loadavg"),
        ("FPID", "the process ID of the task that triggered the kill, the one allocating memory (--json only)"),
        ("FCOMM", "that task's name (--json only)"),
        ("TPID", "the victim's ID: its process ID with the kprobe, the thread ID the kernel marked with the tracepoint (--json only)"),
        ("TCOMM", "the victim's name (--json only)"),
        ("PAGES", "the memory the victim was weighed against (RAM and swap, or a cgroup's limit), in pages; null with the tracepoint (--json only)"),
        ("TOTAL_VM_KB", "the victim's virtual memory size in kB; null unless the tracepoint carries it (--json only)"),
        ("ANON_RSS_KB", "the victim's resident anonymous memory in kB; null like TOTAL_VM_KB (--json only)"),
        ("FILE_RSS_KB", "the victim's resident file-backed memory in kB; null like TOTAL_VM_KB (--json only)"),
        ("SHMEM_RSS_KB", "the victim's resident shared memory in kB; null like TOTAL_VM_KB (--json only)"),
        ("PGTABLES_KB", "the victim's page tables in kB; null like TOTAL_VM_KB (--json only)"),
        ("UID", "the victim's user ID; null like TOTAL_VM_KB (--json only)"),
        ("OOM_SCORE_ADJ", "the victim's oom_score_adj; null like TOTAL_VM_KB (--json only)"),
        ("LOADAVG", "/proc/loadavg as read when the kill was printed (--json only)"),
    ],
    overhead: "The hook fires only when the OOM killer picks a victim, which is rare: each kill costs one \
ring buffer event and a read of /proc/loadavg, and the tool costs nothing measurable while it \
waits. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["exitsnoop", "killsnoop", "sigsnoop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "oomkill", points: hooks },
};

/// Trace the OOM killer: the victim, the task that triggered the kill, the
/// victim's memory, and the load average, one line per kill.
#[derive(Parser, Debug)]
#[command(name = "oomkill", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// The columns --json has in place of EVENT.
const JSON_ONLY: &str = "FPID FCOMM TPID TCOMM PAGES TOTAL_VM_KB ANON_RSS_KB FILE_RSS_KB \
SHMEM_RSS_KB PGTABLES_KB UID OOM_SCORE_ADJ LOADAVG";

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("OOM kill")
        .or([Prog::tracepoint("tp_mark_victim", "oom:mark_victim")])
        .or([Prog::kprobe("kprobe_oom_kill_process", "oom_kill_process")])]
}

fn known(v: u64) -> Value<'static> {
    if v == UNKNOWN {
        Value::Null
    } else {
        Value::Uint(v)
    }
}

/// Before 6.1 oom:mark_victim records only the victim's pid: its name
/// from /proc, while the process is still there.
fn victim_comm(e: &mut event) {
    if let Ok(name) = std::fs::read(format!("/proc/{}/comm", e.tpid)) {
        libtools::set_c_bytes(&mut e.tcomm, name.strip_suffix(b"\n").unwrap_or(&name));
    }
}

/// libbpf-tools' sentence, with the figures this hook knows.
fn sentence(e: &event, loadavg: &str) -> String {
    let comm = |c: &[std::ffi::c_char]| String::from_utf8_lossy(libtools::c_bytes(c)).into_owned();
    let mut s = format!(
        "Triggered by PID {} (\"{}\"), OOM kill of PID {} (\"{}\")",
        e.fpid,
        comm(&e.fcomm),
        e.tpid,
        comm(&e.tcomm)
    );
    if e.pages != UNKNOWN {
        s.push_str(&format!(", {} pages", e.pages));
    }
    for (name, v) in [
        ("total-vm", e.total_vm_kb),
        ("anon-rss", e.anon_rss_kb),
        ("file-rss", e.file_rss_kb),
        ("shmem-rss", e.shmem_rss_kb),
        ("pgtables", e.pgtables_kb),
    ] {
        if v != UNKNOWN {
            s.push_str(&format!(", {name} {v}kB"));
        }
    }
    if e.uid != u32::MAX {
        s.push_str(&format!(
            ", uid {}, oom_score_adj {}",
            e.uid, e.oom_score_adj
        ));
    }
    s.push_str(&format!(", loadavg: {loadavg}"));
    s
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks());
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("TIME", 8)])
        .when(!json, [Column::left("EVENT", 0)])
        .when(json, JSON_ONLY.split(' ').map(|h| Column::left(h, 0)))
        .stdout(json);
    if json {
        out.ready("OOM kills");
    } else {
        // libbpf-tools prints no header, only this line.
        out.text("Tracing OOM kills... Ctrl-C to stop.\n");
        out.flush();
    }

    tool.poll(&out, duration, |data| {
        let mut e: event = libtools::decode(data);
        if e.tcomm[0] == 0 {
            victim_comm(&mut e);
        }
        let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let loadavg = loadavg.trim();
        let (uid, adj) = if e.uid == u32::MAX {
            (Value::Null, Value::Null)
        } else {
            (
                Value::Uint(e.uid.into()),
                Value::Int(e.oom_score_adj.into()),
            )
        };
        out.row(&[
            Value::now(),
            Value::Str(&sentence(&e, loadavg)),
            Value::Uint(e.fpid.into()),
            Value::Bytes(libtools::c_bytes(&e.fcomm)),
            Value::Uint(e.tpid.into()),
            Value::Bytes(libtools::c_bytes(&e.tcomm)),
            known(e.pages),
            known(e.total_vm_kb),
            known(e.anon_rss_kb),
            known(e.file_rss_kb),
            known(e.shmem_rss_kb),
            known(e.pgtables_kb),
            uid,
            adj,
            Value::Str(loadavg),
        ]);
    })
}
