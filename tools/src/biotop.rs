//! biotop: block I/O by process, like top: I/Os, kilobytes and average
//! latency per process, disk and direction, every interval.

use std::fmt::Write as _;

use clap::{Parser, ValueEnum};
use libtools::output::Format;
use libtools::run;
use libtools::args::PidArg;
use libtools::top::TopArgs;
use libtools::{disks, lifecycle, top, CgroupArg, Column, Common, Output, Result, Spec, Value};

libtools::skel!("biotop");
use skel::{types::io_key, types::io_val, BiotopSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    biotop            # block I/O top, refresh every 1s
    biotop 5 10       # 5s summaries, 10 times
    biotop -C -r 5    # the 5 busiest, without clearing the screen
    biotop -s bytes   # busiest by Kbytes
    biotop --json 1 3 # JSON Lines, a row per process, disk and direction";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS loadavg:", "the time, then /proc/loadavg: the 1, 5 and 15 minute load averages, running/total tasks and the last PID"),
        ("PID", "the process that started the I/O (at block_io_start, else where it entered the OS queue, else where it was issued)"),
        ("COMM", "its thread's name"),
        ("D", "the direction: W for writes, R for everything else"),
        ("MAJ", "the disk's major device number"),
        ("MIN", "the disk's minor device number"),
        ("DISK", "the disk, named from /proc/partitions, else ?"),
        ("I/O", "requests completed in the interval; --json key io"),
        ("Kbytes", "their size in KiB, rounded down"),
        ("AVGms", "their average time from issue to completion, in milliseconds, two decimals; --json key avg_ms"),
        ("TIME", "the interval's time (--json only)"),
    ],
    overhead: "Three programs run for every block I/O request on the system: where it starts and at \
its issue they update a hash map entry for the request, and at its completion they add it to a hash \
map of counters by process, disk and direction, in the kernel. Nothing is sent per I/O; user space \
reads and clears the counters every interval. -p and -c filter in the kernel. The maps hold 10240 \
requests in flight and 10240 counters per interval; I/O beyond that is counted as lost and reported \
at exit.",
    see_also: &["biosnoop", "biolatency", "tcptop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "biotop", points: disks::stage_hooks },
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Sort {
    All,
    Io,
    Bytes,
    Time,
}

/// Trace block I/O by process, like top: I/Os, Kbytes and average
/// latency per process, disk and direction in each interval, the busiest
/// first.
#[derive(Parser, Debug)]
#[command(name = "biotop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    top: TopArgs,
    /// Sort by: all (I/Os + bytes + time), io, bytes or time
    #[arg(short, long, value_enum, default_value = "all")]
    sort: Sort,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

/// libbpf-tools' order: the largest first by the chosen measure.
fn sort(rows: &mut [(io_key, io_val)], by: Sort) {
    rows.sort_by_key(|(k, v)| {
        let key = match by {
            Sort::All => v.io as u64 + v.bytes + v.us,
            Sort::Io => v.io.into(),
            Sort::Bytes => v.bytes,
            Sort::Time => v.us,
        };
        (std::cmp::Reverse(key), k.pid)
    });
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let spec = Spec::hooks(disks::stage_hooks()).pid(&args.pid)?.cgroup(&args.cgroup)?;
    let tool = lifecycle::start(BiotopSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
                rodata.block_rq_queue_arg = disks::rq_queue_arg();
        Ok(())
    })?;

    let columns = ["TIME", "PID", "COMM", "D", "MAJ", "MIN", "DISK", "I/O", "Kbytes", "AVGms"];
    let mut columns: Vec<Column> = columns.map(|h| Column::left(h, 0)).into();
    (columns[7], columns[9]) = (Column::left("I/O", 0).key("io"), Column::left("AVGms", 0).key("avg_ms"));
    let out = Output::stdout(args.common.json, columns);
    out.note(&args.top.tracing_line());
    let mut disks = disks::Names::load();
    run::summaries(&args.top.every(), || {
        let mut rows = top::drain::<io_key, io_val>(&tool.maps.counts)?;
        sort(&mut rows, args.sort);
        rows.truncate(args.top.rows as usize);
        let now = libtools::output::now();
        let mut screen = top::screen(!args.top.no_clear, false, now);
        if out.format() == Format::Table {
            let _ = writeln!(screen, "{:<7} {:<16} {:1} {:<3} {:<3} {:<8} {:>5} {:>7} {:>6}",
                "PID", "COMM", "D", "MAJ", "MIN", "DISK", "I/O", "Kbytes", "AVGms");
        }
        for (k, v) in &rows {
            let disk = disks.get(k.dev).unwrap_or("?").to_string();
            let comm = libtools::c_bytes(&k.comm);
            let (maj, min) = (k.dev >> 20, k.dev & 0xfffff);
            let avg_ms = if v.io > 0 { v.us as f64 / 1000.0 / v.io as f64 } else { 0.0 };
            let d = if k.write != 0 { "W" } else { "R" };
            if out.format() == Format::Json {
                out.row(&[
                    Value::Time(now),
                    Value::Uint(k.pid.into()),
                    Value::Bytes(comm),
                    Value::Str(d),
                    Value::Uint(maj.into()),
                    Value::Uint(min.into()),
                    Value::Str(&disk),
                    Value::Uint(v.io.into()),
                    Value::Uint(v.bytes / 1024),
                    Value::Fixed(avg_ms, 2),
                ]);
                continue;
            }
            let comm = libtools::output::escaped(comm);
            let _ = writeln!(screen, "{:<7} {:<16} {:1} {:<3} {:<3} {:<8} {:>5} {:>7} {:>6.2}",
                k.pid, comm, d, maj, min, disk, v.io, v.bytes / 1024, avg_ms);
        }
        if out.format() == Format::Table {
            out.text(&screen);
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
        let mut rows = [(1, 10, 100, 5), (2, 1, 5000, 1), (3, 3, 10, 9000)].map(|(pid, io, bytes, us)| {
            let k = io_key { pid, ..Default::default() };
            (k, io_val { io, bytes, us, ..Default::default() })
        });
        let pids = |rows: &[(io_key, io_val)]| rows.iter().map(|r| r.0.pid).collect::<Vec<_>>();
        sort(&mut rows, Sort::Io);
        assert_eq!(pids(&rows), [1, 3, 2]);
        sort(&mut rows, Sort::Bytes);
        assert_eq!(pids(&rows), [2, 1, 3]);
        sort(&mut rows, Sort::Time);
        assert_eq!(pids(&rows), [3, 1, 2]);
        sort(&mut rows, Sort::All);
        assert_eq!(pids(&rows), [3, 2, 1]);
    }
}
