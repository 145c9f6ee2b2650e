//! mountsnoop: the mount family of system calls with decoded arguments.

use clap::Parser;
use libtools::{lifecycle, mount, names, AttachPoint, Column, Columns, Common, LongDurationArg};
use libtools::{PidArg, Result, Spec, Value};

libtools::skel!("mountsnoop");
use skel::{types::event, MountsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    mountsnoop         # trace mount family syscalls
    mountsnoop -d      # detailed output (one line per column value)
    mountsnoop -p 1216 # only trace PID 1216";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time, HH:MM:SS (-t)"),
        ("COMM", "the task's name, at most 15 characters"),
        ("PID", "the process ID (the thread group)"),
        ("TID", "the thread ID"),
        ("MNT_NS", "the inode number of the caller's mount namespace"),
        ("OP", "the call: MOUNT, UMOUNT, FSOPEN, FSCONFIG, FSMOUNT or MOVE_MOUNT (--json only)"),
        ("RET", "the return value: 0, a file descriptor, or a negative errno (--json only)"),
        ("LAT_US", "how long the call took, in microseconds (--json only)"),
        ("CALL", "the call as C with its flags by name, as mount(\"none\", \"/mnt\", \"tmpfs\", MS_NOSUID, \"size=1m\") = 0; a failure shows = -ENAME, flag bits without a name show in hex, and strings are cut at 511 bytes without a mark; with -d, one KEY: value line per field instead (LAT in microseconds)"),
    ],
    overhead: "Each call of the six mount family system calls runs the entry and exit programs: the \
entry copies up to four strings from the caller's memory into a hash map entry by thread, the exit \
sends the whole event, over 2 KiB, to the ring buffer. -p filters in the kernel. These calls are \
rare outside container start-up and automounting, so the cost is negligible. Events the ring \
buffer had no room for are counted and reported at exit.",
    see_also: &["opensnoop", "execsnoop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "mountsnoop", points: hooks },
};

/// Trace mount(2), umount2(2), fsopen(2), fsconfig(2), fsmount(2) and
/// move_mount(2), with flags decoded by name.
#[derive(Parser, Debug)]
#[command(name = "mountsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// Include a timestamp column
    #[arg(short, long)]
    timestamp: bool,
    /// Detailed output: one line per value
    #[arg(short = 'd', long)]
    detailed: bool,
    #[command(flatten)]
    duration: LongDurationArg,
    #[command(flatten)]
    common: Common,
}

/// The calls by `enum mount_op` (bpf/mountsnoop.h), as libbpf-tools names them.
fn op_name(op: u32) -> &'static str {
    const OPS: [&str; 6] = [
        "MOUNT",
        "UMOUNT",
        "FSOPEN",
        "FSCONFIG",
        "FSMOUNT",
        "MOVE_MOUNT",
    ];
    OPS.get(op as usize).copied().unwrap_or("?")
}

fn hooks() -> Vec<AttachPoint> {
    // The new mount API arrived in 5.2.
    libtools::syscall_hooks!("mount calls", "mount returns";
        mount, umount, fsopen?, fsconfig?, fsmount?, move_mount?)
}

/// The call's flags by name; fsconfig(2) has none.
fn flags(e: &event) -> String {
    match e.op {
        0 => mount::mount_flags(e.flags),
        1 => mount::umount_flags(e.flags),
        2 => mount::fsopen_flags(e.flags),
        3 => String::new(),
        4 => mount::fsmount_flags(e.flags),
        _ => mount::move_mount_flags(e.flags),
    }
}

/// The call as C: `mount("none", "/mnt", "tmpfs", MS_NOSUID, "size=1m") = 0`.
fn call(e: &event, [s0, s1, s2, s3]: &[String; 4]) -> String {
    let (ret, flags) = (names::return_value(e.ret), flags(e));
    match e.op {
        0 => format!("mount(\"{s0}\", \"{s1}\", \"{s2}\", {flags}, \"{s3}\") = {ret}"),
        1 => format!("umount(\"{s1}\", {flags}) = {ret}"),
        2 => format!("fsopen(\"{s2}\", {flags}) = {ret}"),
        3 => {
            let cmd = mount::fsconfig_cmd(e.cmd);
            format!(
                "fsconfig({}, {cmd}, \"{s0}\", \"{s1}\", {}) = {ret}",
                e.fd1, e.aux
            )
        }
        4 => {
            let attrs = mount::mount_attrs(e.attr.into());
            format!("fsmount({}, {flags}, {attrs}) = {ret}", e.fd1)
        }
        _ => {
            let (from, to) = (names::dirfd(e.fd1), names::dirfd(e.fd2));
            format!("move_mount({from}, \"{s0}\", {to}, \"{s1}\", {flags}) = {ret}")
        }
    }
}

/// libbpf-tools' -d layout: one `KEY:   value` line per field, under the
/// time with -t.
fn detailed(e: &event, [s0, s1, s2, s3]: &[String; 4], time: bool) -> String {
    let comm = String::from_utf8_lossy(libtools::c_bytes(&e.comm)).into_owned();
    let mut lines = vec![
        ("PID", e.pid.to_string()),
        ("TID", e.tid.to_string()),
        ("COMM", comm),
        ("OP", op_name(e.op).to_string()),
        ("RET", names::return_value(e.ret)),
        ("LAT", format!("{}us", e.delta_ns / 1000)),
        ("MNT_NS", e.mnt_ns.to_string()),
    ];
    let flags = ("FLAGS", flags(e));
    match e.op {
        0 => lines.extend([
            ("FS", s2.clone()),
            ("SOURCE", s0.clone()),
            ("TARGET", s1.clone()),
            ("DATA", s3.clone()),
            flags,
        ]),
        1 => lines.extend([("TARGET", s1.clone()), flags]),
        2 => lines.extend([("FS", s2.clone()), flags]),
        3 => lines.extend([
            ("FD", e.fd1.to_string()),
            ("CMD", mount::fsconfig_cmd(e.cmd).to_string()),
            ("KEY", s0.clone()),
            ("VALUE", s1.clone()),
        ]),
        4 => lines.extend([
            ("FS_FD", e.fd1.to_string()),
            flags,
            ("ATTR_FLAGS", mount::mount_attrs(e.attr.into())),
        ]),
        _ => lines.extend([
            ("FROM_DFD", names::dirfd(e.fd1)),
            ("FROM_PATHNAME", s0.clone()),
            ("TO_DFD", names::dirfd(e.fd2)),
            ("TO_PATHNAME", s1.clone()),
            flags,
        ]),
    }
    let mut out = String::new();
    let indent = if time {
        out.push_str(&format!("{}\n", libtools::output::now().format("%H:%M:%S")));
        "    "
    } else {
        ""
    };
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    for (k, v) in lines {
        out.push_str(&format!("{indent}{:<width$}{v}\n", format!("{k}:")));
    }
    out.push('\n');
    out
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    let json = args.common.json;
    let detailed = args.detailed && !json;
    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .always([
            Column::left("COMM", 16),
            Column::left("PID", 7),
            Column::left("TID", 7),
            Column::left("MNT_NS", 11),
        ])
        .when(
            json,
            [
                Column::left("OP", 0),
                Column::left("RET", 0),
                Column::left("LAT_US", 0),
            ],
        )
        .always([Column::left("CALL", 0)])
        .stdout(json);
    if detailed {
        eprintln!("Tracing mount family syscalls... Hit Ctrl-C to end.");
    } else {
        out.ready("mount family syscalls");
    }

    tool.poll(&out, duration, |data| {
        let e: event = libtools::decode(data);
        let s = [&e.str0, &e.str1, &e.str2, &e.str3]
            .map(|b| String::from_utf8_lossy(libtools::c_bytes(b)).into_owned());
        if detailed {
            return out.text(&self::detailed(&e, &s, args.timestamp));
        }
        out.row(&[
            Value::now(),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
            Value::Uint(e.mnt_ns.into()),
            Value::Str(op_name(e.op)),
            Value::Int(e.ret.into()),
            Value::Uint(e.delta_ns / 1000),
            Value::Str(&call(&e, &s)),
        ]);
    })
}
