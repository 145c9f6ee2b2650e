//! execsnoop: trace execve(2) and execveat(2) system-wide, with arguments.

use std::time::Instant;

use clap::Parser;
use libtools::{argv, lifecycle, AttachPoint, CgroupArg, Column, Columns, Common, DurationArg};
use libtools::{NameArg, Prog, Result, Spec, UidArg, Value};

libtools::skel!("execsnoop");
use skel::{types::event, ExecsnoopSkelBuilder as Builder};

/// The most arguments the BPF side can hold.
const TOTAL_MAX_ARGS: u32 = skel::consts::EXECSNOOP_TOTAL_MAX_ARGS as u32;

const EXAMPLES: &str = "EXAMPLES:
    execsnoop              # trace all exec() syscalls
    execsnoop -x           # include failed exec()s
    execsnoop -T           # include time (HH:MM:SS)
    execsnoop -t           # include time (seconds since start)
    execsnoop -U           # include UID
    execsnoop -u 1000      # only trace UID 1000
    execsnoop -P 181       # only trace new processes whose parent PID is 181
    execsnoop -c /sys/fs/cgroup/system.slice/cron.service  # only trace this cgroup
    execsnoop -q           # add \"quotemarks\" around arguments
    execsnoop -n main      # only print command names containing \"main\"
    execsnoop -l tpkg      # only print commands whose arguments contain \"tpkg\"
    execsnoop --max-args 5 # read at most 5 arguments
    execsnoop --json       # JSON Lines, arguments as an array";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since tracing started, to the millisecond (-t)"),
        ("TIME", "the wall-clock time, HH:MM:SS (-T)"),
        ("UID", "the user ID of the caller (-U)"),
        ("PCOMM", "the task's name after the call: the new program's after an exec that worked, the caller's after one that failed; at most 15 characters"),
        ("PID", "the process ID (the thread group)"),
        ("PPID", "the parent's process ID"),
        ("RET", "0, or (-x) the negative errno of a failed exec, as -2 for ENOENT"),
        ("ARGS", "the path given to exec (not argv[0]), then argv[1] onwards, joined by spaces (-q: each in quotes); an argument that fills its 128-byte buffer is cut at 127 bytes and ends with ..., and a list cut at --max-args (the path counts as one) ends with a space and ...; --json: an array"),
        ("ARGS_TRUNCATED", "1 when argv held more than --max-args entries, else 0 (--json only)"),
        ("ARGS_UNREAD", "1 when an argument could be read neither from the caller's memory nor from the new program's, else 0 (--json only); the table ends such a list with [unread], and a count is printed at exit"),
    ],
    overhead: "Every execve(2) and execveat(2) on the system runs the entry and exit programs: the entry \
copies the path and up to --max-args arguments from the caller's memory into a hash map entry, the \
exit sends them with the result as one ring buffer event. Where the caller's memory could not be \
read (a fork()ed child that passes string literals it has not touched yet), a program on \
sched_process_exec reads them again from the new program's stack, where the kernel copied them. -u, -P, -c and the failure test are \
applied in the kernel; -n and -l only in user space, once the event has been sent. Exec rates are \
modest on most systems, but builds and shell loops can run many programs a second, each paying for \
a copy of its arguments. On kernels without the exec syscall tracepoints, the fallback raw \
sys_enter and sys_exit programs run on every system call of every process, not only exec. Events \
the ring buffer had no room for are counted and reported at exit.",
    see_also: &["exitsnoop", "threadsnoop", "bashreadline"],
    upstream: &[
        "Arguments a fork()ed child passes as string literals it has not touched yet are read again from the new program's stack: libbpf-tools prints none for them (the usual case of a program that runs others); what can be read nowhere ends with [unread] and is counted at exit.",
        "An exec from a thread other than the process's leader is shown; libbpf-tools loses it (the thread takes the leader's id on the way).",
        "--json (ARGS as an array, ARGS_TRUNCATED, ARGS_UNREAD) is bpftk's; the table is libbpf-tools'.",
        "bcc's execsnoop.py has no -C or -M flag (no CPU filter, nothing by that letter): its extras beyond libbpf-tools are -P PPID, here already, and --cgroupmap/--mntnsmap, pinned-map filters of bcc's container tooling that -c CGROUP covers here.",
    ],
    hooks: crate::Hooks::Declared { object: "execsnoop", points: hooks },
};

/// Trace exec() syscalls: execve(2) and execveat(2), with their arguments.
#[derive(Parser, Debug)]
#[command(name = "execsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    /// Print a time column (HH:MM:SS)
    #[arg(short = 'T', long)]
    time: bool,
    /// Print a timestamp column (seconds since tracing started)
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Include failed exec()s
    #[arg(short = 'x', long)]
    fails: bool,
    #[command(flatten)]
    uid: UidArg,
    /// Add "quotemarks" around arguments
    #[arg(short, long)]
    quote: bool,
    #[command(flatten)]
    name: NameArg,
    /// Only print commands whose arguments contain LINE
    #[arg(short, long)]
    line: Option<String>,
    /// Print a UID column
    #[arg(short = 'U', long = "print-uid")]
    print_uid: bool,
    /// Read at most this many arguments (1 to 60), dropping the rest
    #[arg(long, default_value_t = skel::consts::EXECSNOOP_DEFAULT_MAX_ARGS as u32, value_parser = clap::value_parser!(u32).range(1..=TOTAL_MAX_ARGS as i64))]
    max_args: u32,
    /// Only trace new processes whose parent has this process ID
    #[arg(short = 'P', long)]
    ppid: Option<u32>,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    let mut points = libtools::syscall_hooks!("exec entry", "exec exit"; execve, execveat?; raw);
    // argv again from the new image where the caller's memory failed.
    points.push(AttachPoint::new("new program image").or([Prog::raw_tp(
        "raw_exec_image",
        "sched_process_exec",
    )]));
    points
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    libtools::check_pid(args.ppid)?;

    let spec = Spec::hooks(hooks())
        .ring_size(1 << 20)
        .cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_uid = args.uid.filter();
        rodata.targ_ppid = args.ppid.unwrap_or(0);
        rodata.targ_failed = args.fails;
        rodata.max_args = args.max_args;
        Ok(())
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME(s)", 8).key("time_s")])
        .when(args.time, [Column::left("TIME", 8)])
        .when(args.print_uid, [Column::left("UID", 6)])
        .always([
            Column::left("PCOMM", 16),
            Column::left("PID", 6),
            Column::left("PPID", 6),
            Column::right("RET", 3),
            Column::left("ARGS", 0),
        ])
        .when(json, [Column::left("ARGS_TRUNCATED", 0), Column::left("ARGS_UNREAD", 0)])
        .stdout(json);

    let start = Instant::now();
    let line = args.line.as_deref().map(str::as_bytes);
    let mut joined = Vec::with_capacity(256);
    let unread_execs = std::cell::Cell::new(0u64);
    let traced = tool.trace(&out, "exec() syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        let comm = libtools::c_bytes(&e.comm);
        if args.name.skips(comm) {
            return;
        }
        let raw = libtools::raw_bytes(&e.args);
        let raw = &raw[..(e.args_size as usize).min(raw.len())];
        let split = argv::split(raw, e.args_count, e.cut_args);
        let list: Vec<&[u8]> = split.iter().map(|a| a.as_ref()).collect();
        let truncated = e.truncated != 0;
        if let Some(l) = line {
            argv::join_into(&list, false, false, &mut joined);
            if !libtools::contains_bytes(&joined, l) {
                return;
            }
        }
        argv::join_into(&list, args.quote, truncated, &mut joined);
        let unread = e.unread != 0;
        if unread {
            unread_execs.set(unread_execs.get() + 1);
            if !json {
                let sep: &[u8] = if joined.is_empty() { b"" } else { b" " };
                joined.extend_from_slice(sep);
                joined.extend_from_slice(b"[unread]");
            }
        }
        out.row(&[
            Value::Fixed(start.elapsed().as_secs_f64(), 3),
            Value::now(),
            Value::Uint(e.uid.into()),
            Value::Bytes(comm),
            Value::Uint(e.pid.into()),
            Value::Uint(e.ppid.into()),
            Value::Int(e.ret.into()),
            if json {
                Value::Strings(&list)
            } else if args.quote {
                // Escaped by join_into already: printed as it is.
                Value::Str(std::str::from_utf8(&joined).unwrap_or("?"))
            } else {
                Value::Bytes(&joined)
            },
            Value::Uint(truncated.into()),
            Value::Uint(unread.into()),
        ]);
    });
    if unread_execs.get() > 0 {
        eprintln!(
            "execsnoop: {} execs had arguments that could not be read (marked [unread])",
            unread_execs.get()
        );
    }
    traced
}
