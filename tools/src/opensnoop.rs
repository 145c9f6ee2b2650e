//! opensnoop: trace open(2), openat(2) and openat2(2) system-wide.


use clap::Parser;
use libtools::stacks::StackResolver;
use libtools::{lifecycle, names, output, table, AttachPoint, Column, Columns, Common, DurationArg};
use libtools::{NameArg, PidArg, Prog, Result, Spec, UidArg, Value};

libtools::skel!("opensnoop");
use skel::{types::event, OpensnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    opensnoop              # trace all open() syscalls
    opensnoop -T           # include timestamps
    opensnoop -U           # include UID
    opensnoop -x           # only show failed opens
    opensnoop -p 181       # only trace PID 181
    opensnoop -t 123       # only trace TID 123
    opensnoop -u 1000      # only trace UID 1000
    opensnoop -d 10        # trace for 10 seconds only
    opensnoop -n main      # only print process names containing \"main\"
    opensnoop -e           # show extended fields (FLAGS, MODE)
    opensnoop -f O_WRONLY -f O_RDWR   # only opens for writing
    opensnoop -F           # show full paths for relative paths
    opensnoop -c           # show calling functions
    opensnoop --json       # JSON Lines, one object per open";

pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "seconds since the tool started (-T)"),
        ("UID", "the user ID of the process (-U)"),
        ("PID", "the process ID (the thread group)"),
        ("COMM", "the task's name, at most 15 characters"),
        ("FD", "the file descriptor returned, or -1 when the open failed"),
        ("ERR", "the errno of a failed open, else 0; --json adds err_name (ENOENT)"),
        ("FLAGS", "the open flags in octal (-e)"),
        ("MODE", "the mode given with O_CREAT or O_TMPFILE, in octal (-e)"),
        ("PATH", "the path as the caller passed it (-F: made absolute); a path cut at 4095 bytes ends with ..."),
        ("CALLER", "-c: the header says PATH/CALLER, and under each open's line come the first two frames of the caller's user stack, innermost first, one a line, each under PATH: the function's name, or the file and offset (lib.so+0x1a2b) where it has none; a frame a program without frame pointers hid is missing or wrong; --json: callers, an array"),
    ],
    overhead: "Every open(2), openat(2) and openat2(2) on the system runs the entry and exit \
programs, filtered or not; each traced open costs a ring buffer event and a line of output. \
On a system opening tens of thousands of files a second the output itself becomes the cost: \
filter with -p, -u, -n or -x, or send the output to a file. Events the ring buffer had no room for \
are counted and reported at exit.",
    see_also: &["statsnoop", "execsnoop", "syscount"],
    upstream: &[
        "-c names each caller by its function only, where libbpf-tools' blazesym build adds :LINE when debug information has it: not done yet (the shared symbolizer runs without code information, to name frames fast).",
        "-c indents the callers to the PATH column with -e too, where libbpf-tools counts -e's two columns five characters short: kept, so that the callers stand under PATH.",
    ],
    hooks: crate::Hooks::Declared { object: "opensnoop", points: || hooks(false) },
};

/// Trace open family syscalls: open(2), openat(2) and openat2(2).
#[derive(Parser, Debug)]
#[command(name = "opensnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    /// Print extended fields: open flags (octal) and mode
    #[arg(short, long = "extended-fields")]
    extended: bool,
    #[command(flatten)]
    name: NameArg,
    #[command(flatten)]
    pid: PidArg,
    /// Only trace this thread ID
    #[arg(short, long)]
    tid: Option<u32>,
    /// Print a timestamp column
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    uid: UidArg,
    /// Print a UID column
    #[arg(short = 'U', long = "print-uid")]
    print_uid: bool,
    /// Only show failed opens
    #[arg(short = 'x', long)]
    failed: bool,
    /// Only show opens with this flag (O_WRONLY, O_CREAT, ...); repeatable, any matches
    #[arg(short = 'f', long = "flag", value_parser = names::parse_open_flag)]
    flags: Vec<i32>,
    /// Show the full path of relative paths (the kernel resolves them against the cwd or dirfd the call used)
    #[arg(short = 'F', long = "full-path")]
    full_path: bool,
    /// Show calling functions: the first two frames of the caller's user stack, under each open
    #[arg(short = 'c', long)]
    callers: bool,
    #[command(flatten)]
    common: Common,
}

/// -f filters: the O_* bits of which one must be set, and the accepted access modes.
fn flag_filter(flags: &[i32]) -> (u64, u32) {
    let (mut bits, mut accmodes) = (0u64, 0u32);
    for &f in flags {
        match f {
            libc::O_RDONLY | libc::O_WRONLY | libc::O_RDWR => accmodes |= 1 << f,
            f => bits |= f as u64,
        }
    }
    (bits, accmodes)
}

/// `full_path` (-F): the exits that make relative paths absolute, one
/// program at the three; kept apart so that opensnoop without -F does not
/// pay for their CO-RE relocations at start.
fn hooks(full_path: bool) -> Vec<AttachPoint> {
    let exit = |plain, spec| {
        let name = if full_path { "tp_exit_full" } else { plain };
        Prog::tracepoint(name, spec)
    };
    let raw_exit = if full_path { "raw_sys_exit_full" } else { "raw_sys_exit" };
    vec![
        AttachPoint::new("open entry")
            .or([
                Prog::tracepoint("tp_enter_open", "syscalls:sys_enter_open").optional(),
                Prog::tracepoint("tp_enter_openat", "syscalls:sys_enter_openat"),
                Prog::tracepoint("tp_enter_openat2", "syscalls:sys_enter_openat2").optional(),
            ])
            .or([Prog::raw_tp("raw_sys_enter", "sys_enter")]),
        AttachPoint::new("open exit")
            .or([
                exit("tp_exit_open", "syscalls:sys_exit_open").optional(),
                exit("tp_exit_openat", "syscalls:sys_exit_openat"),
                exit("tp_exit_openat2", "syscalls:sys_exit_openat2").optional(),
            ])
            .or([Prog::raw_tp(raw_exit, "sys_exit")]),
    ]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    args.pid.check()?;
    libtools::check_pid(args.tid)?;

    // 256 KiB: the storm in scripts/bench loses nothing with it (the reader
    // is woken at an eighth full), and its pages, mapped twice, are most of
    // the tool's memory: 3.7 MB peak RSS against 5.1 MB with 1 MiB.
    // chosen_only: the -F exits and the others are never both declared.
    let spec = Spec::hooks(hooks(args.full_path))
        .ring_size(256 << 10)
        .chosen_only();
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_pid = args.tid.unwrap_or(0);
        rodata.targ_uid = args.uid.filter();
        rodata.targ_failed = args.failed;
        (rodata.targ_flag_bits, rodata.targ_accmodes) = flag_filter(&args.flags);
        rodata.targ_callers = args.callers;
        Ok(())
    })?;

    let json = args.common.json;
    let path_header = if args.callers { "PATH/CALLER" } else { "PATH" };
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .when(args.print_uid, [Column::left("UID", 7)])
        .always(table::pid_comm(6, 16))
        .always([Column::right("FD", 3), Column::right("ERR", 3)])
        .when(args.extended, [Column::left("FLAGS", 8), Column::left("MODE", 4)])
        .always([Column::left(path_header, 0).key("path")])
        .when(json && args.callers, [Column::left("CALLERS", 0)])
        .stdout(json);
    // -c: each caller on a line of its own, under PATH.
    let indent = " ".repeat(out.columns().iter().rev().skip(1).map(|c| c.width + 1).sum());
    let mut resolver = StackResolver::new();
    let mut callers_text = Vec::new();

    let mut path = Vec::with_capacity(256);
    let unresolved = std::cell::Cell::new(0u64);
    let traced = tool.trace(&out, "open() syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        if args.name.skips(libtools::c_bytes(&e.comm)) {
            return;
        }
        path.clear();
        let given = libtools::sized(&e.path, e.path_len, e.truncated);
        // -F: the kernel made it absolute, unless it could not (deeper than
        // 64 directories, or a dirfd that is no open file).
        if args.full_path && !given.starts_with(b"/") {
            unresolved.set(unresolved.get() + 1);
        }
        path.extend_from_slice(&given);
        let (fd, err) = if e.ret >= 0 { (e.ret, 0) } else { (-1, -e.ret) };
        let flags = e.flags as i32;
        let has_mode = flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE;
        let mode = if e.mode == 0 && !has_mode {
            Value::NullAs("n/a")
        } else {
            Value::Octal(e.mode.into())
        };
        let callers = if args.callers {
            let addrs: Vec<u64> = e.callers.iter().copied().filter(|&a| a != 0).collect();
            resolver.user(e.pid, &addrs)
        } else {
            Vec::new()
        };
        let names: Vec<&[u8]> = callers.iter().map(|c| c.as_bytes()).collect();
        out.row_of(&[
            &[Value::now(), Value::Uint(e.uid.into())],
            &table::task(e.pid, &e.comm),
            &[
                Value::Int(fd.into()),
                Value::Errno(err),
                Value::Octal(e.flags),
                mode,
                Value::Bytes(&path),
                Value::Strings(&names),
            ],
        ]);
        if !json && !callers.is_empty() {
            callers_text.clear();
            for name in &names {
                callers_text.extend_from_slice(indent.as_bytes());
                output::escape_control(name, &mut callers_text);
                callers_text.push(b'\n');
            }
            out.text(std::str::from_utf8(&callers_text).unwrap_or("?\n"));
        }
    });
    if unresolved.get() > 0 {
        eprintln!(
            "opensnoop: {} relative paths could not be made absolute (printed as given)",
            unresolved.get()
        );
    }
    traced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes_and_bits_filter_apart() {
        let (bits, modes) = flag_filter(&[libc::O_WRONLY, libc::O_RDWR, libc::O_CREAT]);
        assert_eq!(bits, libc::O_CREAT as u64);
        assert_eq!(modes, 0b110);
        assert_eq!(flag_filter(&[libc::O_RDONLY]), (0, 1));
    }
}
