//! cachestat: page cache hits, misses and dirties every interval, with the
//! buffer and page cache sizes from /proc/meminfo.

use clap::Parser;
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, AttachPoint, Column, Columns, Common, Prog, Result, Spec, Value};

libtools::skel!("cachestat");
use skel::{consts, CachestatSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    cachestat          # shows hits and misses to the file system page cache
    cachestat -T       # include timestamps
    cachestat 1 10     # print 1 second summaries, 10 times
    cachestat --json   # JSON Lines, one object per interval";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time at the end of the interval, HH:MM:SS (-T)"),
        ("HITS", "page cache accesses that found their page: accesses (folio_mark_accessed calls, less the mark_buffer_dirty calls) less the misses, never below 0; - where this kernel offers neither fentry nor kprobes (no tracepoint sees accesses)"),
        ("MISSES", "pages added to the page cache, less the pages dirtied (a write that adds a page is no read miss), never below 0, nor above the accesses where those are counted"),
        ("DIRTIES", "buffers marked dirty (mark_buffer_dirty calls, which filesystems with buffer heads such as ext4 make for each block written)"),
        ("HITRATIO", "HITS as a percentage of HITS plus MISSES, two decimals (0.00% with neither); - where HITS is; --json: the number, hitratio"),
        ("BUFFERS_MB", "Buffers from /proc/meminfo, in MiB"),
        ("CACHED_MB", "Cached from /proc/meminfo, in MiB"),
    ],
    overhead: "A program adds one to a per-CPU counter at every page cache access, every page \
added to the page cache, and every page and buffer dirtied; nothing is sent per call and user space \
reads the counters once an interval. Page cache accesses are frequent (every read(2) of cached data \
makes some), so the cost follows the rate of file I/O, a few tens of nanoseconds a call. Counts are \
of calls: on kernels with large folios, a folio of many pages counts once. Where the kernel offers \
neither fentry nor kprobes, the additions, dirtied pages and dirtied buffers come from tracepoints \
in the same functions (filemap:mm_filemap_add_to_page_cache, writeback:writeback_dirty_folio, \
block:block_dirty_buffer); no tracepoint sees an access, so HITS and HITRATIO are then - (null in \
--json) and MISSES is not capped by them. -v names the hook of each counter.",
    see_also: &["filetop", "vfsstat", "readahead"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "cachestat", points: hooks },
};

/// Count cache kernel function calls: page cache hits, misses and dirties,
/// and the buffer and cache sizes, every interval.
#[derive(Parser, Debug)]
#[command(name = "cachestat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Print a timestamp (HH:MM:SS) on each line
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Print a line every INTERVAL seconds (default: 1), COUNT times
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

/// The point whose absence leaves HITS and HITRATIO unknown.
const ACCESSES: &str = "accesses (HITS)";

/// A counter's hooks: its kernel function (each name it has had, the
/// current first) with fentry and kprobe programs, and the tracepoints in
/// that function (each name, the current first) with their program.
struct Counter {
    what: &'static str,
    funcs: &'static [&'static str],
    fentry: &'static str,
    kprobe: &'static str,
    tracepoints: &'static [&'static str],
    tracepoint: &'static str,
}

/// In the order of the C_ constants.
const COUNTERS: [Counter; consts::C_MAX as usize] = [
    Counter {
        what: ACCESSES,
        funcs: &["folio_mark_accessed", "mark_page_accessed"],
        fentry: "fentry_accessed",
        kprobe: "kprobe_accessed",
        tracepoints: &[],
        tracepoint: "",
    },
    Counter {
        what: "pages added (MISSES)",
        funcs: &["filemap_add_folio", "add_to_page_cache_lru"],
        fentry: "fentry_added",
        kprobe: "kprobe_added",
        tracepoints: &["filemap:mm_filemap_add_to_page_cache"],
        tracepoint: "tp_added",
    },
    Counter {
        what: "pages dirtied (MISSES)",
        funcs: &["folio_account_dirtied", "account_page_dirtied"],
        fentry: "fentry_dirtied",
        kprobe: "kprobe_dirtied",
        tracepoints: &["writeback:writeback_dirty_folio", "writeback:writeback_dirty_page"],
        tracepoint: "tp_dirtied",
    },
    Counter {
        what: "buffers dirtied (DIRTIES)",
        funcs: &["mark_buffer_dirty"],
        fentry: "fentry_buffer_dirtied",
        kprobe: "kprobe_buffer_dirtied",
        tracepoints: &["block:block_dirty_buffer"],
        tracepoint: "tp_buffer_dirtied",
    },
];

/// No tracepoint sees an access: without fentry and kprobes, no HITS.
fn hooks() -> Vec<AttachPoint> {
    COUNTERS
        .iter()
        .map(|c| {
            let p = AttachPoint::new(c.what)
                .or_each(c.funcs, |f| Prog::fentry(c.fentry, f))
                .or_each(c.funcs, |f| Prog::kprobe(c.kprobe, f))
                .or_each(c.tracepoints, |t| Prog::tracepoint(c.tracepoint, t));
            if c.tracepoints.is_empty() {
                p.optional()
            } else {
                p
            }
        })
        .collect()
}

/// One interval's counts, as libbpf-tools figures them.
#[derive(Debug, PartialEq)]
struct Figures {
    hits: Option<u64>,
    misses: u64,
    dirties: u64,
    /// Percent.
    ratio: Option<f64>,
}

/// `d`: the counters' increments, in the order of the C_ constants;
/// `accesses`: whether this kernel counts them.
fn figures(d: &[u64], accesses: bool) -> Figures {
    let at = |i: u64| d[i as usize] as i64;
    let mut misses = (at(consts::C_ADDED) - at(consts::C_DIRTIED)).max(0);
    let dirties = d[consts::C_BUFFER_DIRTIED as usize];
    if !accesses {
        return Figures { hits: None, misses: misses as u64, dirties, ratio: None };
    }
    let total = (at(consts::C_ACCESSED) - at(consts::C_BUFFER_DIRTIED)).max(0);
    // More misses than accesses: readahead added pages not read yet.
    misses = misses.min(total);
    let hits = total - misses;
    let ratio = if total > 0 { 100.0 * hits as f64 / total as f64 } else { 0.0 };
    Figures { hits: Some(hits as u64), misses: misses as u64, dirties, ratio: Some(ratio) }
}

/// Buffers and Cached from /proc/meminfo, in KiB.
fn meminfo() -> Result<[u64; 2]> {
    libtools::env::meminfo_kib(["Buffers", "Cached"])
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    meminfo()?;
    let tool = lifecycle::start(CachestatSkelBuilder::default(), Spec::hooks(hooks()), |_| Ok(()))?;
    let accesses = tool.plan().kind_of(ACCESSES).is_some();

    let out = Columns::new()
        .when(args.timestamp, [Column::left("TIME", 8)])
        .always([
            Column::right("HITS", 8),
            Column::right("MISSES", 8),
            Column::right("DIRTIES", 8),
            Column::right("HITRATIO", 8),
            Column::right("BUFFERS_MB", 12),
            Column::right("CACHED_MB", 10),
        ])
        .stdout(args.common.json);
    let json = args.common.json;
    let interval = args.interval.or_every(1);
    let read = || maps::sum_percpu_all(&tool.maps.stats, consts::C_MAX as u32);
    // The base before the ready line: what happens after it is counted.
    let mut last = read()?;
    out.ready("page cache");
    run::summaries(&interval, || {
        let now = read()?;
        let d: Vec<u64> = now.iter().zip(&last).map(|(n, l)| n.wrapping_sub(*l)).collect();
        last = now;
        let f = figures(&d, accesses);
        let [buffers, cached] = meminfo()?;
        let ratio = f.ratio.map(|r| format!("{r:.2}%"));
        out.row(&[
            Value::now(),
            f.hits.map_or(Value::Null, Value::Uint),
            Value::Uint(f.misses),
            Value::Uint(f.dirties),
            match (&ratio, f.ratio) {
                (Some(_), Some(r)) if json => Value::Fixed(r, 2),
                (Some(text), _) => Value::Str(text),
                _ => Value::Null,
            },
            Value::Uint(buffers / 1024),
            Value::Uint(cached / 1024),
        ]);
        Ok(out.end_report())
    })?;
    tool.report_dropped();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(accessed: u64, added: u64, dirtied: u64, buffers: u64) -> [u64; 4] {
        let mut d = [0; 4];
        d[consts::C_ACCESSED as usize] = accessed;
        d[consts::C_ADDED as usize] = added;
        d[consts::C_DIRTIED as usize] = dirtied;
        d[consts::C_BUFFER_DIRTIED as usize] = buffers;
        d
    }

    #[test]
    fn figures_as_libbpf_tools_has_them() {
        // 100 accesses less 10 buffer dirties; 30 added less 5 dirtied.
        let f = figures(&counts(100, 30, 5, 10), true);
        assert_eq!((f.hits, f.misses, f.dirties), (Some(65), 25, 10));
        assert!((f.ratio.unwrap() - 100.0 * 65.0 / 90.0).abs() < 1e-9);
        // Readahead: more added than accessed; misses capped, no hits.
        let f = figures(&counts(10, 50, 0, 0), true);
        assert_eq!((f.hits, f.misses, f.ratio), (Some(0), 10, Some(0.0)));
        // Writes that dirty more than they add: no negative misses.
        let f = figures(&counts(0, 2, 9, 20), true);
        assert_eq!((f.hits, f.misses, f.ratio), (Some(0), 0, Some(0.0)));
    }

    #[test]
    fn without_accesses_hits_are_unknown_and_misses_uncapped() {
        let f = figures(&counts(0, 50, 8, 3), false);
        assert_eq!(f, Figures { hits: None, misses: 42, dirties: 3, ratio: None });
    }
}
