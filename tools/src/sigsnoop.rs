//! sigsnoop: signals sent (kill(2), tkill(2), tgkill(2) and the kernel), and
//! killsnoop, which is sigsnoop -k as in libbpf-tools.

use clap::Parser;
use libtools::{lifecycle, names, AttachPoint, Column, Columns, Common, DurationArg, Prog};
use libtools::{Result, Spec, Value};

libtools::skel!("sigsnoop");
use skel::{types::event, SigsnoopSkelBuilder as Builder};

const SIGSNOOP_EXAMPLES: &str = "EXAMPLES:
    sigsnoop              # trace signals system-wide
    sigsnoop -k           # trace signals sent by kill(2), tkill(2), tgkill(2) only
    sigsnoop -x           # trace failed kill family calls only
    sigsnoop -p 1216      # only trace signals sent by PID 1216
    sigsnoop -s 1,9,15    # trace SIGHUP, SIGKILL and SIGTERM only (names work too: 1,KILL,TERM)
    sigsnoop -n           # print signal names instead of numbers
    sigsnoop --comm bash  # only signals sent by commands named like bash";

const KILLSNOOP_EXAMPLES: &str = "EXAMPLES:
    killsnoop             # trace kill(2), tkill(2) and tgkill(2) calls
    killsnoop -x          # only show failed calls
    killsnoop -p 181      # only trace PID 181
    killsnoop -s 9        # only trace SIGKILL
    killsnoop -n          # print signal names instead of numbers";

/// What sigsnoop and killsnoop do differently from libbpf-tools' sigsnoop
/// (whose killsnoop is `sigsnoop -k`): one list for both.
static UPSTREAM: [&str; 6] = [
    "Without -k, a signal sent by kill(2), tkill(2) or tgkill(2) is shown once, at the call's return, with the call's result in RESULT (failed calls included), and signals the kernel generates with 0; upstream shows each generated signal with its si_errno and no failed calls: kept, a call's result is what -x is about.",
    "TCOMM is the name the target had when the signal was generated (for a process group, the last task signalled), read in the signal:signal_generate tracepoint on every kernel; upstream looks the target up by pid with bpf_task_from_pid() (kernel 6.1 and newer) and names a target that exists even when no signal was sent (signal 0, EPERM), where bpftk shows N/A: not done, it needs that kfunc from a tracepoint program.",
    "-s also takes names (TERM, SIGTERM) and real-time signals up to 64; upstream takes numbers 1-31: kept, a superset.",
    "--comm NAME keeps only senders whose name contains NAME, in user space; upstream has no such filter (bpftk's old -n NAME, which clashed with upstream's -n switch).",
    "With --json, sig is always the number and sig_name the name (null for signal 0), whatever -n says; via says which call sent the signal (kill, tkill, tgkill, or kernel): additions.",
    "killsnoop is sigsnoop -k, as upstream's killsnoop (a link to sigsnoop) is: it accepts -k and every other sigsnoop flag.",
];

const COLUMNS: &[(&str, &str)] = &[
    ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
    ("PID", "the process ID of the sender; for a kernel-generated signal, of the task running when the kernel generated it"),
    ("COMM", "that thread's name, at most 15 characters"),
    ("SIG", "the signal's number; with -n its name as upstream prints it (SIGTERM; SIGNAL-34 for a real-time signal, N/A for signal 0, which only checks that the target exists)"),
    ("TPID", "the target: the pid given to kill(2), the thread ID given to tkill(2) or tgkill(2), or the task the kernel signalled; negative for kill(2) of a process group (-PGID) or of every process (-1)"),
    ("TCOMM", "the target's name when the signal was generated; N/A when none was (a failed call, signal 0); for a group, the last task signalled"),
    ("RESULT", "the call's return value, 0 or a negative errno (-3: ESRCH); 0 for kernel-generated signals"),
    ("SIG_NAME", "the signal's name, as SIG shows it with -n; null for signal 0 (--json only)"),
    ("VIA", "kill, tkill, tgkill, or kernel: generated elsewhere (SIGCHLD, faults, timers, other calls such as rt_sigqueueinfo(2)) (--json only)"),
];

pub const DOC: crate::Doc = crate::Doc {
    columns: COLUMNS,
    overhead: "The kill(2), tkill(2) and tgkill(2) tracepoints run at each such call, and \
signal:signal_generate at every signal generated on the system, SIGCHLD at each process exit and \
timer signals included. A traced call costs a hash map update at entry and a ring buffer event at \
exit; a kernel-generated signal costs one event, unless -k or -x leaves those out. -p, -s, -k and \
-x filter in the kernel; --comm is applied in user space, after the event is sent. Signals are \
seldom frequent enough to matter, except with many short-lived processes or fast interval timers. \
Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["killsnoop", "exitsnoop", "oomkill"],
    upstream: &UPSTREAM,
    hooks: crate::Hooks::Declared { object: "sigsnoop", points: hooks },
};

pub const KILLSNOOP_DOC: crate::Doc = crate::Doc {
    columns: COLUMNS,
    overhead: "The kill(2), tkill(2) and tgkill(2) entry and exit tracepoints run at each such \
call on the system: a hash map update at entry, a ring buffer event at exit. \
signal:signal_generate is attached as well, to name the target, and runs at every signal \
generated on the system, but costs only a hash map lookup for signals these calls did not send. \
-p, -s and -x filter in the kernel; --comm is applied in user space, after the event is sent. \
These calls are seldom frequent enough to matter. Events the ring buffer had no room for are \
counted and reported at exit.",
    see_also: &["sigsnoop", "exitsnoop", "oomkill"],
    upstream: &UPSTREAM,
    hooks: crate::Hooks::Declared { object: "sigsnoop", points: hooks },
};

/// The flags of both tools: killsnoop is sigsnoop -k.
#[derive(clap::Args, Debug)]
struct Filters {
    /// Only show failed calls (with -x, kernel-generated signals are not shown)
    #[arg(short = 'x', long = "failed")]
    failed: bool,
    /// Only signals sent by kill(2), tkill(2) and tgkill(2) (always, in killsnoop)
    #[arg(short = 'k', long = "kill")]
    kill: bool,
    /// Only signals sent by this process ID
    #[arg(short, long)]
    pid: Option<u32>,
    /// Only these signals (comma-separated numbers or names: 9,TERM,SIGUSR1)
    #[arg(short, long, value_delimiter = ',', value_parser = libtools::args::signal)]
    signal: Vec<i32>,
    /// Print signal names instead of numbers
    #[arg(short = 'n', long = "name")]
    names: bool,
    /// Only senders whose command name contains COMM
    #[arg(long, value_name = "COMM")]
    comm: Option<String>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// Trace signals: kill(2), tkill(2) and tgkill(2) calls with their results,
/// and signals the kernel generates (SIGCHLD, SIGSEGV, timers...).
#[derive(Parser, Debug)]
#[command(name = "sigsnoop", version = libtools::version!(), after_help = SIGSNOOP_EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    filters: Filters,
}

/// Trace signals sent by kill(2), tkill(2) and tgkill(2): sigsnoop -k.
#[derive(Parser, Debug)]
#[command(name = "killsnoop", version = libtools::version!(), after_help = KILLSNOOP_EXAMPLES)]
pub struct KillArgs {
    #[command(flatten)]
    filters: Filters,
}

fn hooks() -> Vec<AttachPoint> {
    let mut points = libtools::syscall_hooks!("kill entry", "kill exit"; kill, tkill, tgkill);
    points.push(
        AttachPoint::new("signal generated")
            .or([Prog::tracepoint("tp_generate", "signal:signal_generate")]),
    );
    points
}

pub fn run(a: Args) -> Result<()> {
    trace(a.filters)
}

pub fn killsnoop_run(a: KillArgs) -> Result<()> {
    trace(Filters { kill: true, ..a.filters })
}

const HOW: [&str; 4] = ["kernel", "kill", "tkill", "tgkill"];

/// A signal's name as upstream's -n prints it: SIGTERM, SIGNAL-34 for a
/// real-time one; None for 0 (N/A) and past 64.
fn sig_name(sig: i32) -> Option<String> {
    match sig {
        1..=31 => names::signal_name(sig).map(String::from),
        32..=64 => Some(format!("SIGNAL-{sig}")),
        _ => None,
    }
}

fn trace(f: Filters) -> Result<()> {
    libtools::setup(&f.common)?;
    let duration = f.duration.get()?;
    libtools::check_pid(f.pid)?;

    let spec = Spec::hooks(hooks());
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = f.pid.unwrap_or(0);
        rodata.targ_signals = f.signal.iter().fold(0u64, |m, &s| m | 1 << (s - 1));
        rodata.targ_failed = f.failed;
        rodata.syscalls_only = f.kill;
        Ok(())
    })?;

    // libbpf-tools' layout: "%-8s %-7d %-16s %-12s %-7d %-16s %-6d".
    let json = f.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("PID", 7),
            Column::left("COMM", 16),
            Column::left("SIG", 12),
            Column::left("TPID", 7),
            Column::left("TCOMM", 16),
            Column::left("RESULT", 6),
        ])
        .when(json, [Column::left("SIG_NAME", 0), Column::left("VIA", 0)])
        .stdout(json);

    let comm_filter = f.comm.as_deref().map(str::as_bytes);
    let names = f.names && !json; // JSON: sig is the number, sig_name the name
    tool.trace(&out, "signals", duration, |data| {
        let e: event = libtools::decode(data);
        let comm = libtools::c_bytes(&e.comm);
        if comm_filter.is_some_and(|n| !libtools::contains_bytes(comm, n)) {
            return;
        }
        let name = sig_name(e.sig);
        let name_cell = name.as_deref().map_or(Value::NullAs("N/A"), Value::Str);
        let tcomm = libtools::c_bytes(&e.tcomm);
        out.row(&[
            Value::now(),
            Value::Uint(e.pid.into()),
            Value::Bytes(comm),
            if names {
                name_cell
            } else {
                Value::Int(e.sig.into())
            },
            Value::Int((e.tpid as i32).into()),
            if tcomm.is_empty() {
                Value::NullAs("N/A")
            } else {
                Value::Bytes(tcomm)
            },
            Value::Int(e.ret.into()),
            name_cell,
            Value::Str(HOW.get(e.how as usize).copied().unwrap_or("?")),
        ]);
    })
}
