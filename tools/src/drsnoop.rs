//! drsnoop: direct reclaim, a task reclaiming memory itself in an
//! allocation, with its latency and the pages it freed.

use clap::Parser;
use libtools::{bail, env, lifecycle, output, AttachPoint, Column, Columns, Common, DurationArg};
use libtools::{NameArg, PidArg, Prog, Result, SinceFirst, Spec, UidArg, Value};

libtools::skel!("drsnoop");
use skel::{consts, types::event, DrsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    drsnoop           # trace all direct reclaim events
    drsnoop -p 123    # trace pid 123
    drsnoop -t 123    # trace tid 123 (use for threads only)
    drsnoop -u 1000   # trace UID 1000 only
    drsnoop -U        # include the UID column
    drsnoop -T        # include seconds since the first event
    drsnoop -n main   # only print tasks whose name contains \"main\"
    drsnoop -d 10     # trace for 10 seconds only
    drsnoop -e        # also show the system's free memory when each reclaim began";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("TIME(s)", "seconds since the first event shown, at the reclaim's end (-T)"),
        ("UID", "the task's user ID (-U; always in --json)"),
        ("COMM", "the name of the task that reclaimed, at most 15 characters"),
        ("TID", "its thread ID"),
        ("LAT(ms)", "milliseconds the reclaim took, from its beginning to its end, with three decimals"),
        ("PAGES", "pages it reclaimed (freed)"),
        ("FREE(KB)", "the system's free memory, in KiB, when it began: vm_zone_stat's NR_FREE_PAGES (-e)"),
        ("PID", "the process ID (the thread group) (--json only)"),
        ("RECLAIM", "global: the system was short of free pages; memcg: the task's memory cgroup was at its limit (--json only)"),
    ],
    overhead: "The tracepoints fire only when a task has to reclaim memory itself: rare on a \
healthy system, frequent under memory pressure or with a memory cgroup at its limit, where each \
reclaim costs a hash map update at its beginning and a ring buffer event at its end (-p, -t and -u \
filter in the kernel, -n in user space). Under heavy pressure a task can reclaim thousands of \
times a second, and so many lines are printed. The map holds 8192 reclaims in flight. Events the \
ring buffer had no room for are counted and reported at exit.",
    see_also: &["oomkill", "cachestat", "offcputime"],
    upstream: &[
        "A reclaim a task does because its memory cgroup is at its limit (tracepoints mm_vmscan_memcg_reclaim_begin/end) is shown as well, RECLAIM memcg in --json; upstream traces the system-wide direct reclaim only (mm_vmscan_direct_reclaim_begin/end), and so shows nothing in a container at its limit: added, the task stalls in the same way.",
        "-T, -U, -u UID and -n NAME are bcc's; bcc's -v (free memory) is libbpf-tools' -e here, as -v is the verbose flag. --json is an addition.",
        "-e needs vm_zone_stat's address in /proc/kallsyms, as upstream does; on a kernel built without CONFIG_KALLSYMS_ALL it is one error line, where upstream fails to start too.",
    ],
    hooks: crate::Hooks::Declared { object: "drsnoop", points: hooks },
};

/// Trace direct reclaim: tasks that reclaimed memory themselves, stalled in
/// an allocation, with the time it took and the pages they freed.
#[derive(Parser, Debug)]
#[command(name = "drsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    /// Extended fields: the system's free memory when each reclaim began
    #[arg(short, long)]
    extended: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Only trace this thread ID
    #[arg(short, long)]
    tid: Option<u32>,
    #[command(flatten)]
    uid: UidArg,
    /// Include a UID column
    #[arg(short = 'U', long)]
    print_uid: bool,
    /// Include seconds since the first event (TIME(s))
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    name: NameArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    type Kind = fn(&'static str, &str) -> Prog;
    let pair = |kind: Kind, [begin, end]: [&'static str; 2], tp: &str| {
        [kind(begin, &format!("mm_vmscan_{tp}_begin")), kind(end, &format!("mm_vmscan_{tp}_end"))]
    };
    vec![
        AttachPoint::new("direct reclaim")
            .or(pair(Prog::tp_btf, ["tp_btf_direct_begin", "tp_btf_direct_end"], "direct_reclaim"))
            .or(pair(Prog::raw_tp, ["raw_direct_begin", "raw_direct_end"], "direct_reclaim")),
        // Kernels without memory cgroups (CONFIG_MEMCG) lack these.
        AttachPoint::new("cgroup reclaim")
            .or(pair(Prog::tp_btf, ["tp_btf_memcg_begin", "tp_btf_memcg_end"], "memcg_reclaim"))
            .or(pair(Prog::raw_tp, ["raw_memcg_begin", "raw_memcg_end"], "memcg_reclaim"))
            .optional(),
    ]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    libtools::check_tid(args.tid)?;
    let vm_zone_stat = match args.extended {
        false => 0,
        true => match env::kernel_symbol("vm_zone_stat") {
            Some(addr) => addr,
            None => bail!("-e needs the address of vm_zone_stat, which /proc/kallsyms does not list (a kernel built without CONFIG_KALLSYMS_ALL)"),
        },
    };

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_tid = args.tid.unwrap_or(0);
        rodata.targ_uid = args.uid.filter();
        rodata.vm_zone_stat_kaddr = vm_zone_stat;
        Ok(())
    })?;
    if tool.plan().kind_of("cgroup reclaim").is_none() {
        libtools::verbose!("no memory cgroup tracepoints: system-wide direct reclaim only");
    }

    // libbpf-tools' layout: "%-8s %-16s %-6d %8.3f %5lld" and " %8llu";
    // bcc's -T "%-14.9f" and -U "%-6d" before COMM.
    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("TIME", 8)])
        .when(args.timestamp, [Column::left("TIME(s)", 14)])
        .when(args.print_uid || json, [Column::left("UID", 6)])
        .always([
            Column::left("COMM", 16),
            Column::left("TID", 6),
            Column::right("LAT(ms)", 8).key("lat_ms"),
            Column::right("PAGES", 5),
        ])
        .when(args.extended, [Column::right("FREE(KB)", 8).key("free_kb")])
        .when(json, [Column::left("PID", 0), Column::left("RECLAIM", 0)])
        .stdout(json);
    if !json {
        out.text(&output::tracing_line("direct reclaim events", duration));
    }
    let since = SinceFirst::new();
    let page_kib = env::page_size() / 1024;
    tool.trace(&out, "direct reclaim events", duration, |data| {
        let e: event = libtools::decode(data);
        let comm = libtools::c_bytes(&e.comm);
        if args.name.skips(comm) {
            return;
        }
        let memcg = u64::from(e.kind) == consts::DRSNOOP_MEMCG;
        out.row(&[
            Value::now(),
            Value::Fixed(since.ns(e.ts_ns) as f64 / 1e9, 9),
            Value::Uint(e.uid.into()),
            Value::Bytes(comm),
            Value::Uint(e.tid.into()),
            Value::Fixed(e.delta_ns as f64 / 1e6, 3),
            Value::Uint(e.nr_reclaimed),
            Value::Uint(e.nr_free_pages * page_kib),
            Value::Uint(e.pid.into()),
            Value::Str(if memcg { "memcg" } else { "global" }),
        ]);
    })
}
