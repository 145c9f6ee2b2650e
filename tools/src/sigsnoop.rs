//! sigsnoop: signals sent (kill(2), tkill(2), tgkill(2) and the kernel), and
//! killsnoop, bcc's kill(2)-only variant with its columns.

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
    sigsnoop -s 1,KILL,15 # trace SIGHUP, SIGKILL and SIGTERM only
    sigsnoop -n bash      # only signals sent by commands named like bash";

const KILLSNOOP_EXAMPLES: &str = "EXAMPLES:
    killsnoop             # trace all kill(2) calls
    killsnoop -x          # only show failed kills
    killsnoop -p 181      # only trace PID 181
    killsnoop -s 9        # only trace SIGKILL";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("PID", "the process ID of the sender; for a kernel-generated signal, of the task running when the kernel generated it"),
        ("COMM", "that thread's name, at most 15 characters"),
        ("SIG", "the signal's name (SIGTERM), SIG<n> for one without a name (real-time signals, 0)"),
        ("TPID", "the target: the pid given to kill(2), the thread ID given to tkill(2) or tgkill(2), or the task the kernel signalled; negative for kill(2) of a process group (-PGID) or of every process (-1)"),
        ("TCOMM", "the target's name when the signal was generated; - when none was (a failed call, signal 0); for a group, the last task signalled"),
        ("RESULT", "the call's return value, 0 or a negative errno (-3: ESRCH); 0 for kernel-generated signals"),
        ("SIG_NAME", "the signal's name, as SIG shows it (--json only)"),
        ("VIA", "kill, tkill, tgkill, or kernel: generated elsewhere (SIGCHLD, faults, timers, other calls such as rt_sigqueueinfo(2)) (--json only)"),
    ],
    overhead: "The kill(2), tkill(2) and tgkill(2) tracepoints run at each such call, and \
signal:signal_generate at every signal generated on the system, SIGCHLD at each process exit and \
timer signals included. A traced call costs a hash map update at entry and a ring buffer event at \
exit; a kernel-generated signal costs one event, unless -k or -x leaves those out. -p, -s, -k and \
-x filter in the kernel; -n is applied in user space, after the event is sent. Signals are seldom \
frequent enough to matter, except with many short-lived processes or fast interval timers. Events \
the ring buffer had no room for are counted and reported at exit.",
    see_also: &["killsnoop", "exitsnoop", "oomkill"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "sigsnoop", points: || hooks(false) },
};

pub const KILLSNOOP_DOC: crate::Doc = crate::Doc {
    columns: &[
        (
            "TIME",
            "the wall-clock time the event was printed, HH:MM:SS",
        ),
        ("PID", "the process ID of the caller of kill(2)"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        (
            "SIG",
            "the signal number (0 only checks that the target exists)",
        ),
        (
            "TPID",
            "the pid given to kill(2); negative for a process group (-PGID) or every process (-1)",
        ),
        (
            "RESULT",
            "the call's return value, 0 or a negative errno (-3: ESRCH)",
        ),
        (
            "SIG_NAME",
            "the signal's name (SIGKILL), SIG<n> for one without a name (--json only)",
        ),
        ("VIA", "always kill (--json only)"),
    ],
    overhead: "The kill(2) entry and exit tracepoints run at each kill(2) on the system: a hash \
map update at entry, a ring buffer event at exit. signal:signal_generate is attached as well and \
runs at every signal generated on the system, but costs only a hash map lookup for signals not \
sent by kill(2). -p, -s and -x filter in the kernel; -n is applied in user space, after the event \
is sent. kill(2) is seldom frequent enough to matter. Events the ring buffer had no room for are \
counted and reported at exit.",
    see_also: &["sigsnoop", "exitsnoop", "oomkill"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "sigsnoop", points: || hooks(true) },
};

/// What both tools filter on.
#[derive(clap::Args, Debug)]
struct Filters {
    /// Only show failed calls (with -x, kernel-generated signals are not shown)
    #[arg(short = 'x', long = "failed")]
    failed: bool,
    /// Only signals sent by this process ID
    #[arg(short, long)]
    pid: Option<u32>,
    /// Only these signals (comma-separated numbers or names: 9,TERM,SIGUSR1)
    #[arg(short, long, value_delimiter = ',', value_parser = libtools::args::signal)]
    signal: Vec<i32>,
    /// Only senders whose command name contains NAME
    #[arg(short, long)]
    name: Option<String>,
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
    /// Only signals sent by kill(2), tkill(2) and tgkill(2)
    #[arg(short = 'k', long = "kill")]
    kill: bool,
    #[command(flatten)]
    filters: Filters,
}

/// Trace signals sent by kill(2), as bcc's killsnoop.
#[derive(Parser, Debug)]
#[command(name = "killsnoop", version = libtools::version!(), after_help = KILLSNOOP_EXAMPLES)]
pub struct KillArgs {
    #[command(flatten)]
    filters: Filters,
}

fn hooks(kill_only: bool) -> Vec<AttachPoint> {
    let mut points = if kill_only {
        libtools::syscall_hooks!("kill entry", "kill exit"; kill)
    } else {
        libtools::syscall_hooks!("kill entry", "kill exit"; kill, tkill, tgkill)
    };
    points.push(
        AttachPoint::new("signal generated")
            .or([Prog::tracepoint("tp_generate", "signal:signal_generate")]),
    );
    points
}

pub fn run(a: Args) -> Result<()> {
    trace(a.filters, a.kill, false)
}

pub fn killsnoop_run(a: KillArgs) -> Result<()> {
    trace(a.filters, true, true)
}

const HOW: [&str; 4] = ["kernel", "kill", "tkill", "tgkill"];

fn trace(f: Filters, syscalls_only: bool, killsnoop: bool) -> Result<()> {
    libtools::setup(&f.common)?;
    let duration = f.duration.get()?;
    libtools::check_pid(f.pid)?;

    let spec = Spec::hooks(hooks(killsnoop));
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = f.pid.unwrap_or(0);
        rodata.targ_signals = f.signal.iter().fold(0u64, |m, &s| m | 1 << (s - 1));
        rodata.failed_only = f.failed;
        rodata.syscalls_only = syscalls_only;
        rodata.kill_only = killsnoop;
        Ok(())
    })?;

    // killsnoop keeps bcc's narrower layout, a number for SIG and no TCOMM.
    let json = f.common.json;
    let width = |kill: usize, sig: usize| if killsnoop { kill } else { sig };
    let out = Columns::new()
        .always([
            Column::left("TIME", width(9, 8)),
            Column::left("PID", 7),
            Column::left("COMM", 16),
            Column::left("SIG", width(4, 12)),
            Column::left("TPID", 7),
        ])
        .when(!killsnoop, [Column::left("TCOMM", 16)])
        .always([Column::left("RESULT", width(0, 6))])
        .when(json, [Column::left("SIG_NAME", 0), Column::left("VIA", 0)])
        .stdout(json);

    let name = f.name.as_deref().map(str::as_bytes);
    tool.trace(&out, "signals", duration, |data| {
        let e: event = libtools::decode(data);
        let comm = libtools::c_bytes(&e.comm);
        if name.is_some_and(|n| !libtools::contains_bytes(comm, n)) {
            return;
        }
        let sig_name =
            names::signal_name(e.sig).map_or_else(|| format!("SIG{}", e.sig), String::from);
        let tcomm = libtools::c_bytes(&e.tcomm);
        out.row(&[
            Value::now(),
            Value::Uint(e.pid.into()),
            Value::Bytes(comm),
            if killsnoop {
                Value::Int(e.sig.into())
            } else {
                Value::Str(&sig_name)
            },
            Value::Int((e.tpid as i32).into()),
            if tcomm.is_empty() {
                Value::NullAs("-")
            } else {
                Value::Bytes(tcomm)
            },
            Value::Int(e.ret.into()),
            Value::Str(&sig_name),
            Value::Str(HOW.get(e.how as usize).copied().unwrap_or("?")),
        ]);
    })
}
