//! filetop: file reads and writes by thread, like top: calls and kilobytes
//! per file every interval.

use std::fmt::Write as _;

use clap::{Parser, ValueEnum};
use libtools::output::{escaped, Format};
use libtools::args::PidArg;
use libtools::top::{self, TopArgs};
use libtools::{lifecycle, run, AttachPoint, Column, Common, Output, Prog, Result, Spec, Value};

libtools::skel!("filetop");
use skel::{types::file_id, types::file_stat, FiletopSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    filetop            # file I/O top, refresh every 1s
    filetop -p 1216    # only trace PID 1216
    filetop 5 10       # 5s summaries, 10 times
    filetop -a -s wbytes -C   # every kind of file, by KB written, no clearing
    filetop --json 1 3 # JSON Lines, a row per thread and file";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS loadavg:", "the time, then /proc/loadavg: the 1, 5 and 15 minute load averages, running/total tasks and the last PID"),
        ("TID", "the thread that read or wrote (--json also has its process ID, pid)"),
        ("COMM", "the thread's name"),
        ("READS", "read calls in the interval (vfs_read: read(2) and pread64(2))"),
        ("WRITES", "write calls in the interval (vfs_write: write(2) and pwrite64(2))"),
        ("R_Kb", "KiB the reads asked for, rounded down (not what they returned, as libbpf-tools counts); --json key r_kb"),
        ("W_Kb", "KiB the writes asked for, rounded down; --json key w_kb"),
        ("T", "the file's type: R regular, S socket, O other (pipes, devices...; those with -a only)"),
        ("FILE", "the file's name (its last path component)"),
        ("TIME", "the interval's time (--json only)"),
    ],
    overhead: "A program runs at every vfs_read and vfs_write on the system (or at every read(2), \
pread64(2), write(2) and pwrite64(2), looking the descriptor up in the task's file table, where the \
kernel offers neither fentry nor kprobes), and adds to a hash map entry per thread and file in the \
kernel; nothing is sent per call and user space reads and clears the map every interval. Reads and \
writes are the most frequent calls on most systems, so the cost follows their rate. -p filters in \
the kernel. The map holds 10240 threads and files per interval; calls beyond that are counted as \
lost and reported at exit.",
    see_also: &["biotop", "vfsstat", "opensnoop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "filetop", points: hooks },
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Sort {
    All,
    Reads,
    Writes,
    Rbytes,
    Wbytes,
}

/// Trace file reads/writes by process, like top: calls and kilobytes per
/// thread and file in each interval, the busiest first.
#[derive(Parser, Debug)]
#[command(name = "filetop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    top: TopArgs,
    /// Include special files (sockets, pipes, devices)
    #[arg(short, long)]
    all: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Sort columns: all, reads, writes, rbytes or wbytes
    #[arg(short, long, value_enum, default_value = "all")]
    sort: Sort,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    let point = |what, func: &str, fentry, kprobe, calls: [(&'static str, &str); 2]| {
        AttachPoint::new(what)
            .or([Prog::fentry(fentry, func)])
            .or([Prog::kprobe(kprobe, func)])
            .or(calls.map(|(name, tp)| Prog::tracepoint(name, tp)))
    };
    vec![
        point("read", "vfs_read", "fentry_vfs_read", "kprobe_vfs_read", [
            ("tp_enter_read", "syscalls:sys_enter_read"),
            ("tp_enter_pread64", "syscalls:sys_enter_pread64"),
        ]),
        point("write", "vfs_write", "fentry_vfs_write", "kprobe_vfs_write", [
            ("tp_enter_write", "syscalls:sys_enter_write"),
            ("tp_enter_pwrite64", "syscalls:sys_enter_pwrite64"),
        ]),
    ]
}

/// libbpf-tools' order: the largest first by the chosen measure.
fn sort(rows: &mut [(file_id, file_stat)], by: Sort) {
    rows.sort_by_key(|(k, v)| {
        let key = match by {
            Sort::All => v.reads + v.writes + v.read_bytes + v.write_bytes,
            Sort::Reads => v.reads,
            Sort::Writes => v.writes,
            Sort::Rbytes => v.read_bytes,
            Sort::Wbytes => v.write_bytes,
        };
        (std::cmp::Reverse(key), k.tid, k.inode)
    });
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let tool = lifecycle::start(FiletopSkelBuilder::default(), Spec::hooks(hooks()).pid(&args.pid)?, |open| {
        let rodata = open.rodata()?;
                rodata.regular_file_only = !args.all;
        Ok(())
    })?;

    let heads = ["TIME", "PID", "TID", "COMM", "READS", "WRITES", "R_Kb", "W_Kb", "T", "FILE"];
    let out = Output::stdout(args.common.json, heads.map(|h| Column::left(h, 0)).into());
    out.note(&args.top.tracing_line());
    run::summaries(&args.top.every(), || {
        let mut rows = top::drain::<file_id, file_stat>(&tool.maps.entries)?;
        sort(&mut rows, args.sort);
        rows.truncate(args.top.rows as usize);
        let now = libtools::output::now();
        if out.format() == Format::Json {
            for (_, v) in &rows {
                let kinds = [v.kind as u8];
                out.row(&[
                    Value::Time(now),
                    Value::Uint(v.pid.into()),
                    Value::Uint(v.tid.into()),
                    Value::Bytes(libtools::c_bytes(&v.comm)),
                    Value::Uint(v.reads),
                    Value::Uint(v.writes),
                    Value::Uint(v.read_bytes / 1024),
                    Value::Uint(v.write_bytes / 1024),
                    Value::Str(std::str::from_utf8(&kinds).unwrap_or("?")),
                    Value::Bytes(libtools::c_bytes(&v.filename)),
                ]);
            }
        } else {
            let mut s = top::screen(!args.top.no_clear, false, now);
            let _ = writeln!(s, "{:<7} {:<16} {:<6} {:<6} {:<7} {:<7} {:1} FILE",
                "TID", "COMM", "READS", "WRITES", "R_Kb", "W_Kb", "T");
            for (_, v) in &rows {
                let comm = escaped(libtools::c_bytes(&v.comm));
                let file = escaped(libtools::c_bytes(&v.filename));
                let _ = writeln!(s, "{:<7} {:<16} {:<6} {:<6} {:<7} {:<7} {} {}",
                    v.tid, comm, v.reads, v.writes,
                    v.read_bytes / 1024, v.write_bytes / 1024, v.kind as u8 as char,
                    file);
            }
            out.text(&s);
        }
        Ok(out.end_report())
    })?;
    tool.report_dropped();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_first_by_the_chosen_measure() {
        let mut rows = [(1, 5, 0, 100, 0), (2, 1, 9, 0, 9000), (3, 2, 0, 5000, 0)].map(|(tid, reads, writes, rb, wb)| {
            let k = file_id { tid, ..Default::default() };
            (k, file_stat { tid, reads, writes, read_bytes: rb, write_bytes: wb, ..Default::default() })
        });
        let tids = |rows: &[(file_id, file_stat)]| rows.iter().map(|r| r.0.tid).collect::<Vec<_>>();
        sort(&mut rows, Sort::Reads);
        assert_eq!(tids(&rows), [1, 3, 2]);
        sort(&mut rows, Sort::Writes);
        assert_eq!(tids(&rows), [2, 1, 3]);
        sort(&mut rows, Sort::Rbytes);
        assert_eq!(tids(&rows), [3, 1, 2]);
        sort(&mut rows, Sort::All);
        assert_eq!(tids(&rows), [2, 3, 1]);
    }
}
