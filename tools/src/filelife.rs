//! filelife: files created and deleted while tracing, with how long they
//! lived.

use clap::Parser;
use libtools::{lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg, Helper, PidArg};
use libtools::{Prog, Result, Spec, Value};

libtools::skel!("filelife");
use skel::{types::event, FilelifeSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    filelife           # trace the lifespan of short-lived files
    filelife -p 181    # only files created by PID 181
    filelife -d 10     # trace for 10 seconds only
    filelife --json    # JSON Lines, one object per deleted file";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time of the deletion, HH:MM:SS"),
        ("PID", "the process that deleted the file (--json also has the thread, tid, and the creator, creator_pid)"),
        ("COMM", "the deleting thread's name"),
        ("AGE(s)", "seconds from the file's creation to its deletion, with two decimals; --json key age_s"),
        ("FILE", "the file's name, its last path component"),
    ],
    overhead: "The creation hooks run at every file creation and at every open (vfs_open, or the \
exit of every open syscall on the syscall route, which looks the new descriptor up in the task's \
file table), and store a time per created file in a hash map; the deletion hooks run at every \
unlink and rename. On the syscall route an unlink or rename walks the map of created files twice (at entry and exit), \
so its cost grows with the files created and not yet deleted, up to 10240. Only deletions of files \
seen created send an event. A creation the full map cannot hold is counted as lost and reported at \
exit.",
    see_also: &["opensnoop", "vfsstat", "filetop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "filelife", points: hooks },
};

/// Trace the lifespan of short-lived files: files created and then deleted
/// while tracing, with their ages. A file is seen created by
/// security_inode_create, security_inode_mknod (FIFOs, device nodes, unix
/// sockets) and vfs_open, or where the kernel offers neither fentry nor
/// kprobes, by the open, mknod and bind syscalls (the files they created,
/// found through the new descriptor or the path); deleted by vfs_unlink and
/// vfs_rename over it, or by the unlink and rename syscalls. The syscall
/// route needs Linux 5.13 (bpf_for_each_map_elem), and 5.17 (bpf_loop) to
/// see mknod and bind; it does not see files created or deleted by
/// io_uring, and counts as lost the creations whose path goes through a
/// symbolic link that is not kept in its inode.
#[derive(Parser, Debug)]
#[command(name = "filelife", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    let tp = Prog::tracepoint;
    let walk = |name, spec| tp(name, spec).optional().needs(&[Helper::LOOP]);
    // The deletions' marking goes through the map of created files.
    let marks = |name, spec| tp(name, spec).needs(&[Helper::FOR_EACH_MAP_ELEM]);
    vec![
        AttachPoint::new("file create")
            .or([
                Prog::fentry("fentry_security_inode_create", "security_inode_create"),
                Prog::fentry("fentry_security_inode_mknod", "security_inode_mknod"),
                Prog::fentry("fentry_vfs_open", "vfs_open"),
            ])
            .or([
                Prog::kprobe("kprobe_security_inode_create", "security_inode_create"),
                Prog::kprobe("kprobe_security_inode_mknod", "security_inode_mknod"),
                Prog::kprobe("kprobe_vfs_open", "vfs_open"),
            ])
            .or([
                tp("tp_exit_open", "syscalls:sys_exit_open").optional(),
                tp("tp_exit_openat", "syscalls:sys_exit_openat"),
                tp("tp_exit_openat2", "syscalls:sys_exit_openat2").optional(),
                tp("tp_exit_creat", "syscalls:sys_exit_creat").optional(),
                // The walk of the path: left out before 5.17 (no bpf_loop).
                walk("tp_enter_mknod", "syscalls:sys_enter_mknod"),
                walk("tp_enter_mknodat", "syscalls:sys_enter_mknodat"),
                walk("tp_enter_bind", "syscalls:sys_enter_bind"),
                // One program at the three exits.
                walk("tp_exit_create_path", "syscalls:sys_exit_mknod"),
                walk("tp_exit_create_path", "syscalls:sys_exit_mknodat"),
                walk("tp_exit_create_path", "syscalls:sys_exit_bind"),
            ]),
        AttachPoint::new("file delete")
            .or([
                Prog::fexit("fexit_vfs_unlink", "vfs_unlink"),
                Prog::fexit("fexit_vfs_rename", "vfs_rename"),
            ])
            .or([
                Prog::kprobe("kprobe_vfs_unlink", "vfs_unlink"),
                Prog::kretprobe("kretprobe_vfs_unlink", "vfs_unlink"),
                Prog::kprobe("kprobe_vfs_rename", "vfs_rename"),
                Prog::kretprobe("kretprobe_vfs_rename", "vfs_rename"),
            ])
            // One program at the five entries, one at the five exits.
            .or([
                marks("tp_enter_delete", "syscalls:sys_enter_unlink").optional(),
                marks("tp_enter_delete", "syscalls:sys_enter_unlinkat"),
                marks("tp_enter_delete", "syscalls:sys_enter_rename").optional(),
                marks("tp_enter_delete", "syscalls:sys_enter_renameat").optional(),
                marks("tp_enter_delete", "syscalls:sys_enter_renameat2"),
                marks("tp_exit_delete", "syscalls:sys_exit_unlink").optional(),
                marks("tp_exit_delete", "syscalls:sys_exit_unlinkat"),
                marks("tp_exit_delete", "syscalls:sys_exit_rename").optional(),
                marks("tp_exit_delete", "syscalls:sys_exit_renameat").optional(),
                marks("tp_exit_delete", "syscalls:sys_exit_renameat2"),
            ]),
    ]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("TIME", 8), Column::left("PID", 6)])
        .when(json, [Column::left("TID", 6)])
        .always([Column::left("COMM", 16)])
        .when(json, [Column::left("CREATOR_PID", 6)])
        .always([Column::left("AGE(s)", 7), Column::left("FILE", 0)])
        .stdout(json);

    tool.trace(&out, "the lifespan of short-lived files", duration, |data| {
        let e: event = libtools::decode(data);
        let name = &libtools::c_bytes(&e.name)[..(e.name_len as usize).min(e.name.len())];
        out.row(&[
            Value::now(),
            Value::Uint(e.pid.into()),
            Value::Uint(e.tid.into()),
            table::comm_cell(json, 16, &e.comm),
            Value::Uint(e.creator_pid.into()),
            Value::Fixed(e.age_ns as f64 / 1e9, 2),
            Value::Bytes(name),
        ]);
    })
}
