//! readahead: pages brought in by readahead, those never used, and how
//! long the used ones waited for their first access.

use clap::Parser;
use libtools::hist::{Scale, Summary};
use libtools::{lifecycle, maps, run, AttachPoint, Common, DurationArg, Prog, Result, Spec, Value};

libtools::skel!("readahead");
use skel::{types::readahead_stats, ReadaheadSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    readahead              # summarize on-CPU time as a histogram
    readahead -d 10        # trace for 10 seconds only
    readahead --json       # one JSON object at the end";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("Readahead unused/total pages", "pages (folios) allocated by readahead while tracing that were not accessed by the end / all of them; --json keys unused and total"),
        ("msecs", "the histogram: milliseconds from a readahead page's allocation to its first access (folio_mark_accessed), for the pages that were accessed"),
    ],
    overhead: "Programs run at each entry and return of the kernel's readahead functions, at \
each page cache allocation (returning at once outside readahead), and at every page cache access \
(folio_mark_accessed: every read(2) of cached data makes some), which looks the page up in a hash \
map of readahead pages not used yet. The cost follows the rate of file I/O. Counts are of calls: on \
kernels with large folios, a folio of many pages counts once. Pages that readahead brought in and \
the kernel evicted unused stay in the map: 131072 pages at most; readahead pages beyond that, and \
threads in readahead beyond 10240, are counted as lost and reported at exit. The kernel has no \
tracepoint at a page's access: this tool needs fentry or kprobes, and says so where it has neither.",
    see_also: &["cachestat", "biopattern", "filetop"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "readahead", points: hooks },
};

/// Show fs automatic read-ahead usage: how many readahead pages were used,
/// and a histogram of how long they stayed unused.
#[derive(Parser, Debug)]
#[command(name = "readahead", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// Where readahead runs: page_cache_ra_order (5.18+) calls
/// page_cache_ra_unbounded, or allocates itself.
const RA_UNBOUNDED: &str = "page_cache_ra_unbounded";
const RA_ORDER: &str = "page_cache_ra_order";
/// The page cache's allocation, named anew in 5.16 and 6.10.
const ALLOCS: [&str; 3] = ["filemap_alloc_folio_noprof", "filemap_alloc_folio", "__page_cache_alloc"];
const ACCESSES: [&str; 2] = ["folio_mark_accessed", "mark_page_accessed"];

fn hooks() -> Vec<AttachPoint> {
    let calls = AttachPoint::new("readahead calls")
        .or([
            Prog::fentry("fentry_ra_unbounded", RA_UNBOUNDED),
            Prog::fexit("fexit_ra_unbounded", RA_UNBOUNDED),
            Prog::fentry("fentry_ra_order", RA_ORDER).optional(),
            Prog::fexit("fexit_ra_order", RA_ORDER).optional(),
        ])
        .or([
            Prog::kprobe("kprobe_ra_unbounded", RA_UNBOUNDED),
            Prog::kretprobe("kretprobe_ra_unbounded", RA_UNBOUNDED),
            Prog::kprobe("kprobe_ra_order", RA_ORDER).optional(),
            Prog::kretprobe("kretprobe_ra_order", RA_ORDER).optional(),
        ]);
    // __page_cache_alloc returns a page, its own fexit program's argument.
    let alloc = AttachPoint::new("page cache allocations")
        .or_each(&ALLOCS[..2], |f| Prog::fexit("fexit_alloc_folio", f))
        .or([Prog::fexit("fexit_page_cache_alloc", ALLOCS[2])])
        .or_each(&ALLOCS, |f| Prog::kretprobe("kretprobe_alloc", f));
    let access = AttachPoint::new("page accesses")
        .or_each(&ACCESSES, |f| Prog::fentry("fentry_accessed", f))
        .or_each(&ACCESSES, |f| Prog::kprobe("kprobe_accessed", f));
    vec![calls, alloc, access]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    let mut tool = lifecycle::start(ReadaheadSkelBuilder::default(), Spec::hooks(hooks()), |_| Ok(()))?;

    let summary = Summary::new(args.common.json, "msecs", Scale::Log2, false);
    summary.ready_line("Tracing fs read-ahead ... Hit Ctrl-C to end.");
    run::sleep_for(duration);
    // Detached first: no page is then counted used and not in the total.
    tool.detach();
    let s: readahead_stats = maps::take(&tool.maps.stats, 0)?.unwrap_or_default();
    let unused = s.total.saturating_sub(s.used);
    summary.text(&format!("\nReadahead unused/total pages: {unused}/{}\n", s.total));
    let key = [("unused", Value::Uint(unused)), ("total", Value::Uint(s.total))];
    summary.section(None, &key, &s.unused_ms.slots);
    summary.end();
    tool.report_dropped();
    Ok(())
}
