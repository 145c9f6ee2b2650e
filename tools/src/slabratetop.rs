//! slabratetop: kernel slab (kmem cache) allocations by cache, like top:
//! allocations and bytes per cache every interval.

use std::fmt::Write as _;

use clap::{Parser, ValueEnum};
use libtools::args::PidArg;
use libtools::hooks::HookKind;
use libtools::output::{escaped, Format};
use libtools::top::{self, TopArgs};
use libtools::{lifecycle, run, AttachPoint, Column, Common, Output, Prog, Result, Spec, Value};

libtools::skel!("slabratetop");
use skel::{types::slabrate_info, SlabratetopSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    slabratetop            # slab rate top, refresh every 1s
    slabratetop -p 181     # only trace PID 181
    slabratetop -s count   # sort columns by count
    slabratetop -r 100     # print 100 rows
    slabratetop 5 10       # 5s summaries, 10 times
    slabratetop --json 1 3 # JSON Lines, a row per cache";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS loadavg:", "the time, then /proc/loadavg: the 1, 5 and 15 minute load averages, running/total tasks and the last PID"),
        ("CACHE", "the kmem cache's name, at most 31 characters (as libbpf-tools cuts it); where caches are merged (slab_nomerge off) the name of the cache that absorbed the others, as /proc/slabinfo lists it"),
        ("ALLOCS", "allocations from the cache in the interval"),
        ("BYTES", "ALLOCS times the cache's object size with its metadata and alignment (the kernel's kmem_cache size, /proc/slabinfo's objsize, /sys/kernel/slab/CACHE/slab_size)"),
        ("TIME", "the interval's time (--json only)"),
    ],
    overhead: "A program runs at every allocation from a kmem cache on the system (files, dentries, \
inodes, socket buffers, VMAs, ...: often hundreds of thousands a second on a busy server), and adds \
to a hash map entry for the cache, in the kernel; nothing is sent per allocation and user space \
reads and clears the map every interval. -p filters in the kernel, at the same cost per allocation. \
The map holds 10240 caches; allocations beyond that are counted as lost and reported at exit.",
    see_also: &["cachestat", "drsnoop", "oomkill"],
    upstream: &[
        "The kmem:kmem_cache_alloc tracepoint (tp_btf, else raw_tp) is preferred to libbpf-tools' kprobe on kmem_cache_alloc (kmem_cache_alloc_noprof since 6.10): it also counts kmem_cache_alloc_lru() and kmem_cache_alloc_node() (dentries and inodes among them), which upstream misses, and works without kprobes. Allocations that failed are counted too, as upstream counts them. Where the tracepoint does not pass the cache (older kernels: its third argument is checked in the kernel's BTF, not the version), fentry or a kprobe on the function is used, and counts as upstream does.",
        "Caches of the same name are summed into one line, as bcc's slabratetop does; libbpf-tools prints one line per cache (several alike on kernels before 5.9, with a cache per memory cgroup).",
        "-s also takes the column names: cache (name), allocs (count) and bytes (size). -r has no upper limit (libbpf-tools cuts it to 10240, the map's size). bcc's --maxrows is -r's long alias. --json is an addition.",
        "The rows are preceded by bcc's \"Tracing... Output every N secs.\" line (on stderr with --json).",
    ],
    hooks: crate::Hooks::Declared { object: "slabratetop", points: hooks },
};

/// libbpf-tools' -s values, with the columns' names as aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Sort {
    #[value(alias = "cache")]
    Name,
    #[value(alias = "allocs")]
    Count,
    #[value(alias = "bytes")]
    Size,
}

/// Trace slab kmem cache allocations, like top: allocations and bytes per
/// kernel memory cache in each interval, the biggest first.
#[derive(Parser, Debug)]
#[command(name = "slabratetop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    top: TopArgs,
    #[command(flatten)]
    pid: PidArg,
    /// Sort columns: name, count or size
    #[arg(short, long, value_enum, default_value = "size")]
    sort: Sort,
    #[command(flatten)]
    common: Common,
}

const TRACEPOINT: &str = "kmem_cache_alloc";
const FUNCS: [&str; 2] = ["kmem_cache_alloc_noprof", "kmem_cache_alloc"];

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("cache allocation")
        .or([Prog::tp_btf("tp_btf_kmem_cache_alloc", TRACEPOINT)])
        .or([Prog::raw_tp("raw_kmem_cache_alloc", TRACEPOINT)])
        .or_each(&FUNCS, |f| Prog::fentry("fentry_kmem_cache_alloc", f))
        .or_each(&FUNCS, |f| Prog::kprobe("kprobe_kmem_cache_alloc", f))]
}

/// [`hooks`] without the tracepoint where it does not pass the cache
/// (`struct kmem_cache *s`, its third argument on 6.1 and later at least).
fn hooks_here() -> Vec<AttachPoint> {
    let mut points = hooks();
    if libtools::btf::tracepoint_arg_is_ptr_to(TRACEPOINT, 2, "kmem_cache") != Some(true) {
        libtools::verbose!("the {TRACEPOINT} tracepoint does not pass the cache here: not used");
        let tracepoint = |alt: &Vec<Prog>| matches!(alt[0].target.kind(), HookKind::TpBtf | HookKind::RawTp);
        points[0].alternatives.retain(|alt| !tracepoint(alt));
    }
    points
}

/// One line per cache name (bcc's key): caches alike in name summed.
fn by_name(entries: Vec<(u64, slabrate_info)>) -> Vec<slabrate_info> {
    let mut rows: Vec<slabrate_info> = Vec::new();
    for (_, v) in entries {
        match rows.iter_mut().find(|r| libtools::c_bytes(&r.name) == libtools::c_bytes(&v.name)) {
            Some(r) => (r.count, r.size) = (r.count + v.count, r.size + v.size),
            None => rows.push(v),
        }
    }
    rows
}

/// libbpf-tools' order: names A to Z ignoring case, else the largest first.
fn sort(rows: &mut [slabrate_info], by: Sort) {
    let name = |r: &slabrate_info| libtools::c_bytes(&r.name).to_ascii_lowercase();
    match by {
        Sort::Name => rows.sort_by_key(name),
        Sort::Count => rows.sort_by_key(|r| (std::cmp::Reverse(r.count), name(r))),
        Sort::Size => rows.sort_by_key(|r| (std::cmp::Reverse(r.size), name(r))),
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let spec = Spec::hooks(hooks_here()).pid(&args.pid)?;
    let tool = lifecycle::start(SlabratetopSkelBuilder::default(), spec, |_| Ok(()))?;

    let heads = ["TIME", "CACHE", "ALLOCS", "BYTES"];
    let out = Output::stdout(args.common.json, heads.map(|h| Column::left(h, 0)).into());
    out.note(&args.top.tracing_line());
    run::summaries(&args.top.every(), || {
        let mut rows = by_name(top::drain::<u64, slabrate_info>(&tool.maps.slab_entries)?);
        sort(&mut rows, args.sort);
        rows.truncate(args.top.rows as usize);
        let now = libtools::output::now();
        if out.format() == Format::Json {
            for r in &rows {
                let name = libtools::c_bytes(&r.name);
                out.row(&[Value::Time(now), Value::Bytes(name), Value::Uint(r.count), Value::Uint(r.size)]);
            }
        } else {
            // libbpf-tools' layout: "%-32s %6s %10s", a blank line after the rows.
            let mut s = top::screen(!args.top.no_clear, false, now);
            let _ = writeln!(s, "{:<32} {:>6} {:>10}", "CACHE", "ALLOCS", "BYTES");
            for r in &rows {
                let name = escaped(libtools::c_bytes(&r.name));
                let _ = writeln!(s, "{:<32} {:>6} {:>10}", name, r.count, r.size);
            }
            s.push('\n');
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

    fn info(name: &str, count: u64, size: u64) -> (u64, slabrate_info) {
        let mut v = slabrate_info { count, size, ..Default::default() };
        for (d, s) in v.name.iter_mut().zip(name.bytes()) {
            *d = s as _;
        }
        (0, v)
    }

    #[test]
    fn caches_alike_in_name_are_summed_and_sorted() {
        let entries = vec![info("filp", 10, 1920), info("dentry", 3, 576), info("Acpi", 1, 9000), info("filp", 2, 384)];
        let mut rows = by_name(entries);
        let names = |rows: &[slabrate_info]| {
            rows.iter().map(|r| String::from_utf8_lossy(libtools::c_bytes(&r.name)).into_owned()).collect::<Vec<_>>()
        };
        assert_eq!((rows[0].count, rows[0].size), (12, 2304));
        sort(&mut rows, Sort::Size);
        assert_eq!(names(&rows), ["Acpi", "filp", "dentry"]);
        sort(&mut rows, Sort::Count);
        assert_eq!(names(&rows), ["filp", "dentry", "Acpi"]);
        sort(&mut rows, Sort::Name);
        assert_eq!(names(&rows), ["Acpi", "dentry", "filp"]);
    }
}
