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

fn hooks() -> Vec<AttachPoint> {
    // Each function: its fentry (fexit) and kprobe (kretprobe) programs.
    let entry_exit = |func: &str, name: &'static str, optional: bool| {
        let opt = |p: Prog| if optional { p.optional() } else { p };
        let leak = |s: String| -> &'static str { s.leak() };
        (
            [
                opt(Prog::fentry(leak(format!("fentry_{name}")), func)),
                opt(Prog::fexit(leak(format!("fexit_{name}")), func)),
            ],
            [
                opt(Prog::kprobe(leak(format!("kprobe_{name}")), func)),
                opt(Prog::kretprobe(leak(format!("kretprobe_{name}")), func)),
            ],
        )
    };
    // page_cache_ra_order since 5.18.
    let (f_unbounded, k_unbounded) = entry_exit("page_cache_ra_unbounded", "ra_unbounded", false);
    let (f_order, k_order) = entry_exit("page_cache_ra_order", "ra_order", true);
    let allocs = ["filemap_alloc_folio_noprof", "filemap_alloc_folio"];
    let mut alloc = AttachPoint::new("page cache allocations");
    for f in allocs {
        alloc = alloc.or([Prog::fexit("fexit_alloc_folio", f)]);
    }
    alloc = alloc.or([Prog::fexit("fexit_page_cache_alloc", "__page_cache_alloc")]);
    for f in allocs.into_iter().chain(["__page_cache_alloc"]) {
        alloc = alloc.or([Prog::kretprobe("kretprobe_alloc", f)]);
    }
    let accessed = ["folio_mark_accessed", "mark_page_accessed"];
    let mut access = AttachPoint::new("page accesses");
    for f in accessed {
        access = access.or([Prog::fentry("fentry_accessed", f)]);
    }
    for f in accessed {
        access = access.or([Prog::kprobe("kprobe_accessed", f)]);
    }
    vec![
        AttachPoint::new("readahead calls").or(f_unbounded.into_iter().chain(f_order)).or(k_unbounded
            .into_iter()
            .chain(k_order)),
        alloc,
        access,
    ]
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
