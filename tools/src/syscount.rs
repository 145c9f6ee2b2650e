//! syscount: system calls counted (and timed) by syscall or by process.

use clap::Parser;
use libtools::{lifecycle, maps, metrics, periodic, syscalls, AttachPoint, CgroupArg, Column};
use libtools::{Common, Output, PidArg, Prog, Result, Spec, Value};

libtools::skel!("syscount");
use skel::{types::data_t, SyscountSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    syscount                   # print top 10 syscalls by count every second... at Ctrl-C
    syscount -p $(pidof dd)    # look only at a particular process
    syscount -t 1234           # look only at thread 1234
    syscount -L                # measure and sort output by latency
    syscount -P                # group statistics by pid, not by syscall
    syscount -x -i 5           # count only failed syscalls, print every 5 seconds
    syscount -e ENOENT -i 5    # count only syscalls failed with a given errno
    syscount -c CG             # only processes in cgroup (v2) CG
    syscount -l                # list the syscalls this tool knows";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the time of the report: a [HH:MM:SS] line over each table"),
        ("SYSCALL", "the syscall's name from the built-in table (x86_64, arm64), [unknown: NR] otherwise; --json adds its number as nr"),
        ("PID", "the process ID (-P)"),
        ("COMM", "the process's name at its latest counted call, at most 15 characters (-P)"),
        ("COUNT", "calls that returned in the interval (only failed ones with -x or -e); calls that never return, as exit_group(2), are not counted; rows busiest first, the top -T"),
        ("TIME (us)", "the total time spent in those calls, entry to return, in microseconds with three decimals; TIME (ms) with -m; --json key time_us or time_ms (-L)"),
    ],
    overhead: "The exit program runs at every syscall of every process and updates a hash map \
entry (the count, and with -L the time); with -L the entry program also stores a timestamp per \
thread. -p, -t and -c filter in the kernel, but the programs still run at every syscall, so on a \
syscall-heavy system the cost grows with the syscall rate. Nothing is sent per call: user space \
reads and clears the map once per interval (with --metrics it reads it, without clearing, at each scrape). The map holds 10240 syscalls or processes, and with -L \
the timestamp map 10240 threads in syscalls; calls beyond those are not counted.",
    see_also: &["statsnoop", "opensnoop", "funclatency"],
    upstream: &[
        "-t TID is bcc's (libbpf-tools has none) and cannot be given with -p, where bcc silently lets -p win: kept, because a thread outside the process would count nothing.",
        "bcc's --syscall NAME (count one syscall only) is not offered yet.",
    ],
    hooks: crate::Hooks::Declared { object: "syscount", points: hooks },
};

/// Summarize system calls: counts (and with -L time) by syscall or, with
/// -P, by process, printed every interval or at the end.
#[derive(Parser, Debug)]
#[command(name = "syscount", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// Only trace this thread ID
    #[arg(short = 't', long, conflicts_with = "pid")]
    tid: Option<u32>,
    #[command(flatten)]
    every: periodic::Every,
    /// Print only the top syscalls (or processes)
    #[arg(short = 'T', long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    top: u64,
    /// Trace only failed syscalls
    #[arg(short = 'x', long)]
    failures: bool,
    /// Trace only syscalls failed with this errno (a name like ENOENT, or a number)
    #[arg(short, long, value_parser = libtools::args::errno)]
    errno: Option<i32>,
    /// Collect syscall latency
    #[arg(short = 'L', long)]
    latency: bool,
    /// Display latency in milliseconds (default: microseconds)
    #[arg(short, long)]
    milliseconds: bool,
    /// Count by process and not by syscall
    #[arg(short = 'P', long)]
    process: bool,
    /// Print the syscalls this tool knows and exit
    #[arg(short, long)]
    list: bool,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    metrics: metrics::MetricsArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("syscall entry")
            .or([Prog::raw_tp("raw_sys_enter", "sys_enter")])
            .or([Prog::tracepoint("tp_sys_enter", "raw_syscalls:sys_enter")]),
        AttachPoint::new("syscall exit")
            .or([Prog::raw_tp("raw_sys_exit", "sys_exit")])
            .or([Prog::tracepoint("tp_sys_exit", "raw_syscalls:sys_exit")]),
    ]
}

pub fn run(args: Args) -> Result<()> {
    if args.list {
        let mut out = String::new();
        for (nr, name) in syscalls::table() {
            out.push_str(&format!("{nr:3}: {name}\n"));
        }
        libtools::output::print_or_quit(&out);
        return Ok(());
    }
    libtools::setup(&args.common)?;
    args.pid.check()?;
    libtools::check_tid(args.tid)?;

    let spec = Spec::hooks(hooks()).cgroup(&args.cgroup)?;
    let tool = lifecycle::start(SyscountSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_tid = args.tid.unwrap_or(0);
        rodata.targ_failed = args.failures;
        rodata.targ_errno = args.errno.unwrap_or(0);
        rodata.measure_latency = args.latency;
        rodata.count_by_process = args.process;
        Ok(())
    })?;

    if args.metrics.addr.is_some() {
        return serve(&args, &tool.maps.data, || tool.dropped());
    }

    let json = args.common.json;
    let unit = if args.milliseconds { "ms" } else { "us" };
    let mut columns = vec![Column::left("TIME", 0)];
    if args.process {
        columns.extend([Column::left("PID", 0), Column::left("COMM", 0)]);
    } else {
        columns.extend([Column::left("SYSCALL", 0), Column::left("NR", 0)]);
    }
    columns.push(Column::left("COUNT", 0));
    if args.latency {
        columns.push(Column::left("TIME", 0).key(if args.milliseconds {
            "time_ms"
        } else {
            "time_us"
        }));
    }
    let out = Output::stdout(json, columns);
    out.note(&format!(
        "Tracing syscalls, printing top {}... Ctrl+C to quit.
",
        args.top
    ));

    periodic::reports(&args.every, || {
        let mut vals: Vec<(u32, data_t)> = maps::drain_as(&tool.maps.data)?;
        if args.latency {
            vals.sort_by_key(|v| std::cmp::Reverse(v.1.total_ns));
        } else {
            vals.sort_by_key(|v| std::cmp::Reverse(v.1.count));
        }
        vals.truncate(args.top as usize);
        let now = libtools::output::now();
        let div = if args.milliseconds { 1e6 } else { 1e3 };
        if json {
            for (key, d) in &vals {
                let mut cells = vec![Value::Time(now)];
                let name;
                if args.process {
                    cells.extend([
                        Value::Uint((*key).into()),
                        Value::Bytes(libtools::c_bytes(&d.comm)),
                    ]);
                } else {
                    name = syscall_label(*key);
                    cells.extend([Value::Str(&name), Value::Uint((*key).into())]);
                }
                cells.push(Value::Uint(d.count));
                if args.latency {
                    cells.push(Value::Fixed(d.total_ns as f64 / div, 3));
                }
                out.row(&cells);
            }
        } else {
            // libbpf-tools' layout.
            let agg = if args.process {
                "PID    COMM"
            } else {
                "SYSCALL"
            };
            let mut s = format!("[{}]\n", now.format("%H:%M:%S"));
            if args.latency {
                s.push_str(&format!(
                    "{agg:<22} {:>8} {:>16}\n",
                    "COUNT",
                    format!("TIME ({unit})")
                ));
            } else {
                s.push_str(&format!("{agg:<22} {:>8}\n", "COUNT"));
            }
            for (key, d) in &vals {
                let label = if args.process {
                    format!(
                        "{key:<6} {:<15}",
                        String::from_utf8_lossy(libtools::c_bytes(&d.comm))
                    )
                } else {
                    syscall_label(*key)
                };
                if args.latency {
                    s.push_str(&format!(
                        "{label:<22} {:>8} {:>16.3}\n",
                        d.count,
                        d.total_ns as f64 / div
                    ));
                } else {
                    s.push_str(&format!("{label:<22} {:>8}\n", d.count));
                }
            }
            s.push('\n');
            out.text(&s);
        }
        Ok(out.end_report())
    })
}

fn syscall_label(nr: u32) -> String {
    syscalls::name(nr).map_or_else(|| format!("[unknown: {nr}]"), String::from)
}

/// --metrics: the running counts (never cleared) by syscall, or with -P by
/// process; with -L the time in those calls.
fn serve(args: &Args, data: &dyn libbpf_rs::MapCore, lost: impl Fn() -> u64) -> Result<()> {
    metrics::serve(
        &args.metrics,
        |m| {
            for (key, d) in maps::read_as::<u32, data_t>(data)? {
                let (pid, name) = (key.to_string(), syscall_label(key));
                let labels: &[(&str, &[u8])] = if args.process {
                    &[("pid", pid.as_bytes()), ("comm", libtools::c_bytes(&d.comm))]
                } else {
                    &[("syscall", name.as_bytes())]
                };
                m.counter("bpftk_syscalls", "System calls returned", labels, d.count as f64);
                if args.latency {
                    let secs = d.total_ns as f64 / 1e9;
                    m.counter("bpftk_syscall_seconds", "Time in system calls, entry to return", labels, secs);
                }
            }
            Ok(())
        },
        lost,
    )
}
