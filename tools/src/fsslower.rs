//! fsslower: one file system's reads, writes, opens and fsyncs slower than
//! a threshold; ext4slower, xfsslower, ... are its aliases.

use clap::Parser;
use libtools::args::PidArg;
use libtools::fs::{self, FsArg};
use libtools::output::{self, escaped};
use libtools::{lifecycle, AttachPoint, Column, Columns, Common, DurationArg, Output, Result, Spec, Value};

libtools::skel!("fsslower");
use skel::{types::fs_event, FsslowerSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    fsslower -t ext4             # trace ext4 operations slower than 10 ms
    fsslower -t nfs -p 1216      # trace nfs operations with PID 1216 only
    fsslower -t xfs -c -d 1      # trace xfs operations for 1s with csv output
    fsslower -t btrfs -m 0       # every btrfs operation
    fsslower -t ext4 --json      # JSON Lines, one object per operation";
/// An alias's examples (`libtools::fs::preset`).
pub const ALIAS_EXAMPLES: &str = "EXAMPLES:
    {alias}             # trace {fs} operations slower than 10 ms
    {alias} 1           # trace {fs} operations slower than 1 ms
    {alias} -m 0        # every {fs} operation
    {alias} -p 1216     # trace PID 1216 only
    {alias} -c -d 1     # trace for 1s with csv output";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the operation ended, HH:MM:SS"),
        ("COMM", "the name of the thread that made it"),
        ("PID", "its process ID (--json also has the thread's, tid)"),
        ("T", "the operation: R read, W write, O open, F fsync"),
        ("BYTES", "a read's or write's bytes done (a negative errno for a failure); 0 for an open; for an fsync the range synced, LL_MAX for the whole file (null in --json)"),
        ("OFF_KB", "the file offset where the read or write began, in KiB (rounded down)"),
        ("LAT(ms)", "from the call to its return, in milliseconds; only calls slower than MIN_MS"),
        ("FILENAME", "the file's name (its last path component)"),
    ],
    overhead: "Every read, write, open and fsync of the traced file system (or, by the syscall route, \
every read, write, open and fsync syscall on the system) stores a start time in a hash map by thread, \
and its return looks it up; only calls slower than MIN_MS cost a ring buffer event, so the output \
stays small unless MIN_MS is low (-m 0 reports every call). The syscall route resolves each \
descriptor through the task's file table and compares the file's superblock with the file system's \
magic, so it follows the rate of all file I/O; -v says what it does not see (mmap page faults, \
io_uring, kernel-internal I/O). -p filters in the kernel. At most 10240 calls in flight are timed \
at once; calls beyond that, and events the ring buffer had no room for, are counted as lost and \
reported at exit.",
    see_also: &["fsdist", "biosnoop", "filetop", "opensnoop"],
    upstream: &[],
    hooks: crate::Hooks::Described(FS_HOOKS),
};

/// How fsslower and fsdist hook in, for the family's own page.
pub const FS_HOOKS: &str = "the read_iter, write_iter, open and fsync functions (fsdist: and getattr) \
of the file system -t names, fentry+fexit else kprobe+kretprobe (ext4's are ext4_file_read_iter, \
ext4_file_write_iter, ext4_file_open, ext4_sync_file and ext4_file_getattr; each alias's page names its own); \
else the syscall tracepoints of read(2), readv(2), pread64(2), preadv(2), preadv2(2), the writes alike, \
open(2), creat(2), openat(2), openat2(2), fsync(2), fdatasync(2) (fsdist: fstat(2), fstatat(2) and statx(2) \
of a descriptor), entry and exit, for the files whose superblock is the file system's.";

/// An alias's hooks, those of its file system.
pub fn hooks_for(fs: &str) -> Vec<AttachPoint> {
    fs::op_hooks(fs::by_name(fs).expect("an alias of a known file system"), false)
}

/// Trace file system operations slower than a threshold: reads, writes,
/// opens and fsyncs, one line each.
#[derive(Parser, Debug)]
#[command(name = "fsslower", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    fs: FsArg,
    #[command(flatten)]
    pid: PidArg,
    /// Min latency to trace, in ms (default 10; 0 traces every operation)
    #[arg(short, long, value_name = "MIN_MS", conflicts_with = "min_ms")]
    min: Option<u64>,
    /// The same as -m, as bcc's ext4slower takes it
    #[arg(value_name = "MIN_MS")]
    min_ms: Option<u64>,
    /// Output as csv
    #[arg(short, long, short_alias = 'j', conflicts_with = "json")]
    csv: bool,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

const OPS: [char; 4] = ['R', 'W', 'O', 'F'];

/// A CSV field: escaped, and quoted where it holds a comma or a quote.
fn csv_field(b: &[u8]) -> String {
    let s = escaped(b);
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    let fs = args.fs.fs;
    let min_ms = args.min.or(args.min_ms).unwrap_or(10);
    let spec = Spec::hooks(fs::op_hooks(fs, false)).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.min_lat_ns = min_ms.saturating_mul(1_000_000);
        rodata.fs_magic = fs.magic;
        Ok(())
    })?;
    fs::note_blind_spots(tool.plan(), fs);

    let op = |e: &fs_event| OPS.get(e.op as usize).copied().unwrap_or('?');
    if args.csv {
        let out = Output::stdout(false, Vec::new());
        out.note("ENDTIME_ns,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_us,FILE\n");
        return tool.poll(&out, duration, |data| {
            let e: fs_event = libtools::decode(data);
            let size = if e.size == i64::MAX { "LL_MAX".into() } else { e.size.to_string() };
            out.text(&format!(
                "{},{},{},{},{size},{},{},{}\n",
                e.end_ns,
                csv_field(libtools::c_bytes(&e.comm)),
                e.pid,
                op(&e),
                e.offset,
                e.delta_us,
                csv_field(libtools::c_bytes(&e.file)),
            ));
        });
    }
    let json = args.common.json;
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("COMM", 16),
            Column::left("PID", 7),
            Column::left("T", 1),
            Column::left("BYTES", 7),
            Column::left("OFF_KB", 8),
            Column::right("LAT(ms)", 7).key("lat_ms"),
            Column::left("FILENAME", 0),
        ])
        .when(json, [Column::left("TID", 0)])
        .stdout(json);
    if !json {
        let over = if min_ms > 0 { format!(" slower than {min_ms} ms") } else { String::new() };
        out.text(&output::tracing_line(&format!("{} operations{over}", fs.name), duration));
    }
    tool.trace(&out, &format!("{} operations", fs.name), duration, |data| {
        let e: fs_event = libtools::decode(data);
        let t = [op(&e) as u8];
        out.row(&[
            Value::now(),
            Value::Bytes(libtools::c_bytes(&e.comm)),
            Value::Uint(e.pid.into()),
            Value::Str(std::str::from_utf8(&t).unwrap_or("?")),
            if e.size == i64::MAX { Value::NullAs("LL_MAX") } else { Value::Int(e.size) },
            Value::Int(e.offset / 1024),
            Value::Fixed(e.delta_us as f64 / 1000.0, 2),
            Value::Bytes(libtools::c_bytes(&e.file)),
            Value::Uint(e.tid.into()),
        ]);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_where_needed() {
        assert_eq!(csv_field(b"plain"), "plain");
        assert_eq!(csv_field(b"a,b"), "\"a,b\"");
        assert_eq!(csv_field(b"say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(csv_field(b"\x1b[2J"), escaped(b"\x1b[2J"));
    }
}
