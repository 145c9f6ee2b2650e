//! numamove: migrations of pages NUMA balancing found on the wrong node,
//! and the time they took, every interval.

use clap::Parser;
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, output, AttachPoint, Column, Common, Output, Prog, Result, Spec, Value};

libtools::skel!("numamove");
use skel::{consts, NumamoveSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    numamove          # show page migrations' count and latency, every second
    numamove 5 3      # every five seconds, three lines
    numamove --json   # JSON Lines, one object per interval";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time at the end of the interval, HH:MM:SS"),
        ("NUMA_migrations", "misplaced-page migrations in the interval: NUMA balancing's hinting faults that found a page on another node than the CPU that touched it and moved it (or tried to); --json: migrations"),
        ("NUMA_migrations_ms", "the time those migrations took together, in milliseconds, rounded down; --json: migrations_ms"),
    ],
    overhead: "Two programs run per misplaced-page migration, at its start and its end (a \
timestamp kept by thread in a hash map, then two per-CPU counters); nothing is sent per \
migration and user space reads the counters once an interval. On the tracepoint route they also \
run, and return at once, for the system's other page migrations (compaction, memory hotplug, \
move_pages(2)). Migrations only happen where NUMA balancing is on (kernel.numa_balancing) on a \
machine with more than one node.",
    see_also: &["slabratetop", "drsnoop"],
    upstream: &[
        "NUMA_migrations_ms sums each migration's time in nanoseconds and rounds the interval's total down to milliseconds; upstream rounds each migration down to milliseconds before it adds, so that it shows 0 for any number of migrations under a millisecond each.",
        "Where neither fentry nor kprobes work, the migrate:mm_migrate_pages_start and mm_migrate_pages tracepoints time migrations whose reason is numa_misplaced: the migration proper, not the isolation of the page before it that upstream's migrate_misplaced_page times too, and not the attempts that failed to isolate the page.",
        "[interval] [count] and --json are additions; upstream prints every second until Ctrl-C.",
    ],
    hooks: crate::Hooks::Declared { object: "numamove", points: hooks },
};

/// Show page migrations of type NUMA misplaced, and the time they took,
/// every interval.
#[derive(Parser, Debug)]
#[command(name = "numamove", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Print a line every INTERVAL seconds (default: 1), COUNT times
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

/// migrate_misplaced_folio since 6.x, migrate_misplaced_page before.
const FUNCS: [&str; 2] = ["migrate_misplaced_folio", "migrate_misplaced_page"];

fn hooks() -> Vec<AttachPoint> {
    let mut point = AttachPoint::new("misplaced page migration");
    for f in FUNCS {
        point = point.or([Prog::fentry("fentry_migrate", f), Prog::fexit("fexit_migrate", f)]);
    }
    for f in FUNCS {
        point = point.or([Prog::kprobe("kprobe_migrate", f), Prog::kretprobe("kretprobe_migrate", f)]);
    }
    vec![point.or([
        Prog::tracepoint("tp_migrate_start", "migrate:mm_migrate_pages_start"),
        Prog::tracepoint("tp_migrate_done", "migrate:mm_migrate_pages"),
    ])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |_| Ok(()))?;

    let json = args.common.json;
    // libbpf-tools' layout: "%-10s %18s %18s".
    let out = Output::stdout(
        json,
        vec![
            Column::left("TIME", 10),
            Column::right("NUMA_migrations", 18).key("migrations"),
            Column::right("NUMA_migrations_ms", 18).key("migrations_ms"),
        ],
    );
    let interval = args.interval.or_every(1);
    let read = || maps::sum_percpu_all(&tool.maps.stats, consts::S_MAXSTAT as u32);
    // The base before the ready line: what happens after it is counted.
    let mut last = read()?;
    out.ready("NUMA page migrations");
    run::summaries(&interval, || {
        let now = read()?;
        let delta = |i: u64| now[i as usize].wrapping_sub(last[i as usize]);
        let time = output::now();
        let stamp = time.format("%H:%M:%S").to_string();
        out.row(&[
            if json { Value::Time(time) } else { Value::Str(&stamp) },
            Value::Uint(delta(consts::S_MIGRATIONS)),
            Value::Uint(delta(consts::S_LATENCY_NS) / 1_000_000),
        ]);
        last = now;
        Ok(out.end_report())
    })?;
    tool.report_dropped();
    Ok(())
}
