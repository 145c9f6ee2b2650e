//! mountsnoop: the mount family of system calls with decoded arguments.

use std::mem::MaybeUninit;

use clap::Parser;
use libbpf_rs::skel::{Skel, SkelBuilder};
use libtools::names::{errno_name, flag_names};
use libtools::{bpf, run, AttachPoint, Column, Common, HookPlan, Output, Prog, Result, Value};

mod skel {
    libtools::skel!("mountsnoop");
}
use skel::{types::event, MountsnoopSkelBuilder};

unsafe impl plain::Plain for event {}

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
};

/// Trace mount(2), umount2(2), fsopen(2), fsconfig(2), fsmount(2) and
/// move_mount(2), with flags decoded by name.
///
/// Hooks: the syscalls:sys_{enter,exit}_* tracepoints of those calls (the
/// new mount API's where the kernel has them).
#[derive(Parser, Debug)]
#[command(name = "mountsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Only trace this process ID
    #[arg(short, long)]
    pid: Option<u32>,
    /// Include a timestamp column
    #[arg(short, long)]
    timestamp: bool,
    /// Detailed output: one line per value
    #[arg(short = 'd', long)]
    detailed: bool,
    /// Trace for this many seconds
    #[arg(long, allow_negative_numbers = true)]
    duration: Option<i64>,
    #[command(flatten)]
    common: Common,
}

const MS: &[(u64, &str)] = &[
    (1 << 0, "MS_RDONLY"),
    (1 << 1, "MS_NOSUID"),
    (1 << 2, "MS_NODEV"),
    (1 << 3, "MS_NOEXEC"),
    (1 << 4, "MS_SYNCHRONOUS"),
    (1 << 5, "MS_REMOUNT"),
    (1 << 6, "MS_MANDLOCK"),
    (1 << 7, "MS_DIRSYNC"),
    (1 << 8, "MS_NOSYMFOLLOW"),
    (1 << 10, "MS_NOATIME"),
    (1 << 11, "MS_NODIRATIME"),
    (1 << 12, "MS_BIND"),
    (1 << 13, "MS_MOVE"),
    (1 << 14, "MS_REC"),
    (1 << 15, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
    (1 << 30, "MS_ACTIVE"),
    (1 << 31, "MS_NOUSER"),
];

/// The magic number old programs put in the top half of mount(2)'s flags;
/// the kernel then ignores that half (MS_MGC_MSK), and so do we.
const MS_MGC_VAL: u64 = 0xC0ED_0000;
const MS_MGC_MSK: u64 = 0xFFFF_0000;

/// mount(2)'s flags by name.
fn mount_flags(flags: u64) -> String {
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        let rest = flags & !MS_MGC_MSK;
        if rest == 0 {
            return "MS_MGC_VAL".into();
        }
        return format!("MS_MGC_VAL | {}", flag_names(rest, MS));
    }
    flag_names(flags, MS)
}

const UMOUNT: &[(u64, &str)] = &[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
];
const FSOPEN: &[(u64, &str)] = &[(1, "FSOPEN_CLOEXEC")];
const FSMOUNT: &[(u64, &str)] = &[(1, "FSMOUNT_CLOEXEC")];
const MOUNT_ATTR: &[(u64, &str)] = &[
    (0x01, "MOUNT_ATTR_RDONLY"),
    (0x02, "MOUNT_ATTR_NOSUID"),
    (0x04, "MOUNT_ATTR_NODEV"),
    (0x08, "MOUNT_ATTR_NOEXEC"),
    (0x10, "MOUNT_ATTR_NOATIME"),
    (0x20, "MOUNT_ATTR_STRICTATIME"),
    (0x80, "MOUNT_ATTR_NODIRATIME"),
    (0x10_0000, "MOUNT_ATTR_IDMAP"),
    (0x20_0000, "MOUNT_ATTR_NOSYMFOLLOW"),
];
const MOVE_MOUNT: &[(u64, &str)] = &[
    (0x001, "MOVE_MOUNT_F_SYMLINKS"),
    (0x002, "MOVE_MOUNT_F_AUTOMOUNTS"),
    (0x004, "MOVE_MOUNT_F_EMPTY_PATH"),
    (0x010, "MOVE_MOUNT_T_SYMLINKS"),
    (0x020, "MOVE_MOUNT_T_AUTOMOUNTS"),
    (0x040, "MOVE_MOUNT_T_EMPTY_PATH"),
    (0x100, "MOVE_MOUNT_SET_GROUP"),
    (0x200, "MOVE_MOUNT_BENEATH"),
];
const FSCONFIG_CMDS: [&str; 9] = [
    "FSCONFIG_SET_FLAG",
    "FSCONFIG_SET_STRING",
    "FSCONFIG_SET_BINARY",
    "FSCONFIG_SET_PATH",
    "FSCONFIG_SET_PATH_EMPTY",
    "FSCONFIG_SET_FD",
    "FSCONFIG_CMD_CREATE",
    "FSCONFIG_CMD_RECONFIGURE",
    "FSCONFIG_CMD_CREATE_EXCL",
];
const OPS: [&str; 6] = [
    "MOUNT",
    "UMOUNT",
    "FSOPEN",
    "FSCONFIG",
    "FSMOUNT",
    "MOVE_MOUNT",
];

fn hooks() -> Vec<AttachPoint> {
    let calls = [
        "mount",
        "umount",
        "fsopen",
        "fsconfig",
        "fsmount",
        "move_mount",
    ];
    let progs = |dir: &'static str, names: [&'static str; 6]| -> Vec<Prog> {
        calls
            .iter()
            .zip(names)
            .map(|(c, n)| {
                let p = Prog::tracepoint(n, &format!("syscalls:sys_{dir}_{c}"));
                // The new mount API arrived in 5.2.
                if *c == "mount" || *c == "umount" {
                    p
                } else {
                    p.optional()
                }
            })
            .collect()
    };
    vec![
        AttachPoint::new("mount calls").or(progs(
            "enter",
            [
                "tp_enter_mount",
                "tp_enter_umount",
                "tp_enter_fsopen",
                "tp_enter_fsconfig",
                "tp_enter_fsmount",
                "tp_enter_move_mount",
            ],
        )),
        AttachPoint::new("mount returns").or(progs(
            "exit",
            [
                "tp_exit_mount",
                "tp_exit_umount",
                "tp_exit_fsopen",
                "tp_exit_fsconfig",
                "tp_exit_fsmount",
                "tp_exit_move_mount",
            ],
        )),
    ]
}

pub fn main() -> ! {
    libtools::main("mountsnoop", run)
}

/// A return value as libbpf-tools shows it: `0`, `-ENOENT`, or an fd.
fn result(ret: i32) -> String {
    match ret {
        r if r < 0 => errno_name(-r).map_or_else(|| r.to_string(), |n| format!("-{n}")),
        r => r.to_string(),
    }
}

fn fd(fd: i32) -> String {
    if fd == -100 {
        "AT_FDCWD".into()
    } else {
        fd.to_string()
    }
}

/// The call as C: `mount("none", "/mnt", "tmpfs", MS_NOSUID, "size=1m") = 0`.
fn call(e: &event, s: &[String; 4]) -> String {
    let ret = result(e.ret);
    match e.op {
        0 => format!(
            "mount(\"{}\", \"{}\", \"{}\", {}, \"{}\") = {ret}",
            s[0],
            s[1],
            s[2],
            mount_flags(e.flags),
            s[3]
        ),
        1 => format!(
            "umount(\"{}\", {}) = {ret}",
            s[1],
            flag_names(e.flags, UMOUNT)
        ),
        2 => format!(
            "fsopen(\"{}\", {}) = {ret}",
            s[2],
            flag_names(e.flags, FSOPEN)
        ),
        3 => format!(
            "fsconfig({}, {}, \"{}\", \"{}\", {}) = {ret}",
            e.fd1,
            cmd(e.cmd),
            s[0],
            s[1],
            e.aux
        ),
        4 => format!(
            "fsmount({}, {}, {}) = {ret}",
            e.fd1,
            flag_names(e.flags, FSMOUNT),
            flag_names(e.attr.into(), MOUNT_ATTR)
        ),
        _ => format!(
            "move_mount({}, \"{}\", {}, \"{}\", {}) = {ret}",
            fd(e.fd1),
            s[0],
            fd(e.fd2),
            s[1],
            flag_names(e.flags, MOVE_MOUNT)
        ),
    }
}

fn cmd(c: i32) -> &'static str {
    usize::try_from(c)
        .ok()
        .and_then(|c| FSCONFIG_CMDS.get(c))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// libbpf-tools' -d layout: one `KEY:   value` line per field.
fn detailed(e: &event, s: &[String; 4], indent: &str) -> String {
    let mut lines = vec![
        ("PID", e.pid.to_string()),
        ("TID", e.tid.to_string()),
        (
            "COMM",
            String::from_utf8_lossy(libtools::c_bytes(&e.comm)).into_owned(),
        ),
        ("OP", OPS.get(e.op as usize).unwrap_or(&"?").to_string()),
        ("RET", result(e.ret)),
        ("LAT", format!("{}us", e.delta_ns / 1000)),
        ("MNT_NS", e.mnt_ns.to_string()),
    ];
    match e.op {
        0 => lines.extend([
            ("FS", s[2].clone()),
            ("SOURCE", s[0].clone()),
            ("TARGET", s[1].clone()),
            ("DATA", s[3].clone()),
            ("FLAGS", mount_flags(e.flags)),
        ]),
        1 => lines.extend([
            ("TARGET", s[1].clone()),
            ("FLAGS", flag_names(e.flags, UMOUNT)),
        ]),
        2 => lines.extend([("FS", s[2].clone()), ("FLAGS", flag_names(e.flags, FSOPEN))]),
        3 => lines.extend([
            ("FD", e.fd1.to_string()),
            ("CMD", cmd(e.cmd).to_string()),
            ("KEY", s[0].clone()),
            ("VALUE", s[1].clone()),
        ]),
        4 => lines.extend([
            ("FS_FD", e.fd1.to_string()),
            ("FLAGS", flag_names(e.flags, FSMOUNT)),
            ("ATTR_FLAGS", flag_names(e.attr.into(), MOUNT_ATTR)),
        ]),
        _ => lines.extend([
            ("FROM_DFD", fd(e.fd1)),
            ("FROM_PATHNAME", s[0].clone()),
            ("TO_DFD", fd(e.fd2)),
            ("TO_PATHNAME", s[1].clone()),
            ("FLAGS", flag_names(e.flags, MOVE_MOUNT)),
        ]),
    }
    let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 2;
    let mut out = String::new();
    for (k, v) in lines {
        out.push_str(&format!("{indent}{:<width$}{v}\n", format!("{k}:")));
    }
    out.push('\n');
    out
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    libtools::check_pid(args.pid)?;

    let mut storage = MaybeUninit::uninit();
    let mut open = MountsnoopSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("mountsnoop has rodata");
    rodata.targ_tgid = args.pid.unwrap_or(0);

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    let _links = plan.attach(skel.object())?;

    let json = args.common.json;
    let table = !json && !args.detailed;
    let mut columns = Vec::new();
    if args.timestamp {
        columns.push(Column::left("TIME", 8));
    }
    columns.extend([
        Column::left("COMM", 16),
        Column::left("PID", 7),
        Column::left("TID", 7),
        Column::left("MNT_NS", 11),
    ]);
    if json {
        columns.extend([
            Column::left("OP", 0),
            Column::left("RET", 0),
            Column::left("LAT_US", 0),
        ]);
    }
    columns.push(Column::left("CALL", 0));
    let out = Output::stdout(json, columns);
    if table || json {
        out.ready("mount family syscalls");
    } else {
        eprintln!("Tracing mount family syscalls... Hit Ctrl-C to end.");
    }

    run::poll_events(&skel.maps.events, duration, &out, |data| {
        let e: event = libtools::decode(data);
        let s = [&e.str0, &e.str1, &e.str2, &e.str3]
            .map(|b| String::from_utf8_lossy(libtools::c_bytes(b)).into_owned());
        if args.detailed && !json {
            let mut text = String::new();
            let indent = if args.timestamp {
                text.push_str(&format!("{}\n", libtools::output::now().format("%H:%M:%S")));
                "    "
            } else {
                ""
            };
            text.push_str(&detailed(&e, &s, indent));
            out.text(&text);
            return;
        }
        let call = call(&e, &s);
        let mut cells = Vec::with_capacity(9);
        if args.timestamp {
            cells.push(Value::Time(libtools::output::now()));
        }
        cells.extend([
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
            Value::Uint(e.mnt_ns.into()),
        ]);
        if json {
            cells.extend([
                Value::Str(OPS.get(e.op as usize).unwrap_or(&"?")),
                Value::Int(e.ret.into()),
                Value::Uint(e.delta_ns / 1000),
            ]);
        }
        cells.push(Value::Str(&call));
        out.row(&cells);
    })?;
    bpf::report_dropped(skel.object());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_magic_number_is_named_and_not_read_as_flags() {
        assert_eq!(mount_flags(0xC0ED_0000), "MS_MGC_VAL");
        assert_eq!(
            mount_flags(0xC0ED_0000 | 1 | (1 << 12)),
            "MS_MGC_VAL | MS_RDONLY | MS_BIND"
        );
        // Without the magic number the top half holds real flags.
        assert_eq!(mount_flags((1 << 14) | (1 << 18)), "MS_REC | MS_PRIVATE");
        assert_eq!(mount_flags(0), "0x0");
    }
}
