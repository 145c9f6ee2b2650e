//! memleak: outstanding (not yet freed) allocations by the stack that made
//! them, every interval: a process's (libc's allocators) or the kernel's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use libtools::child::HeldCommand;
use libtools::output::{self, Format};
use libtools::stacks::{self, StackResolver, StackStorage};
use libtools::{bail, elf, env, lifecycle, run, verbose, AttachPoint, Common, Output, Prog};
use libtools::{Result, Spec, Value};

libtools::skel!("memleak");
use skel::{consts, types::alloc_info, types::combined_alloc_info, types::event};
use skel::MemleakSkelBuilder as Builder;

const EXAMPLES: &str = "EXAMPLES:
    memleak -p $(pidof allocs)     # outstanding allocations of a process, every 5 seconds
    memleak -p $(pidof allocs) -t  # ... and each allocator call and free
    memleak -ap $(pidof allocs) 10 # ... with addresses and sizes, every 10 seconds
    memleak -c './allocs'          # run the command and trace its allocations
    memleak                        # kernel allocations, every 5 seconds
    memleak -o 60000               # kernel allocations at least a minute old
    memleak -s 5                   # trace roughly every 5th allocation
    memleak --sort count           # the stacks with the most allocations first
    memleak -p $(pidof allocs) -S je_ -O jemalloc  # a process using jemalloc
    memleak --json -p 185 1 3      # JSON Lines, one object per stack per report";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("[HH:MM:SS] Top N stacks with outstanding allocations:", "the heading of each report, every INTERVAL seconds: the wall-clock time and how many stacks follow (at most -T)"),
        ("BYTES bytes in N allocations from stack", "a stack's outstanding allocations: not yet freed, at least -o milliseconds old (all of them with -C), their bytes and their number; largest first (most allocations first with --sort count); --json gives bytes and allocations"),
        ("addr = ADDRESS size = SIZE", "each of those allocations, under its stack's line (-a); --json gives addresses (hex strings) and sizes"),
        ("STACK", "the frames of the stack that allocated, innermost first, a line each: its address and function; the process's user stack with -p or -c (user_stack in --json), else the kernel's (kernel_stack); [unknown] where no symbol names an address"),
        ("alloc entered / alloc exited / free entered", "with -t, a line for each allocator call (size), its return (size and address) and each free of a traced allocation (address and size), as they happen; --json gives event, pid, size and address"),
    ],
    overhead: "User mode (-p, -c) puts a uprobe on the entry and a uretprobe on the return of each \
allocator function of the process's libc, and a uprobe on free and munmap: a trap into the kernel \
at every call and return, which makes an allocation-heavy program several times slower; at each \
allocation the user stack is walked and an entry added to a hash map by address, removed at its \
free. The probes fire for that process only. Kernel mode runs a program at every kmalloc, \
kmem_cache_alloc, page allocation and their frees on the whole system: tens or hundreds of \
thousands a second on a busy host, each allocation walking the kernel stack. -s N keeps one \
allocation in N (chosen by the time's remainder, as upstream does), -z and -Z filter by size in \
the kernel. The map holds 1,000,000 outstanding allocations: preallocated in kernel mode, as upstream's \
(about 100 MB of kernel memory while it runs: a map that allocated as it went would record its \
own allocations), allocated as they come in user mode; allocations beyond it are counted as \
lost at exit. Each report reads the whole map, in batches.",
    see_also: &["stackcount", "offcputime", "oomkill"],
    upstream: &[
        "Frames are printed as bcc prints them, a tab-indented line of address and function, \
innermost first, the function's name without offset or module; libbpf-tools numbers them and adds \
offset and module. The bytes line and -a's lines are tab-indented as bcc's are.",
        "Stacks are listed largest first, as libbpf-tools lists them; bcc lists them smallest first. \
The heading's time is zero-padded (bcc's); libbpf-tools prints [9:5:3]. N is the number of stacks \
shown, as libbpf-tools counts it; bcc prints -T.",
        "-o defaults to 500 ms, as bcc's does and as libbpf-tools means to (it takes 500 ns).",
        "Kernel mode uses raw_tp (else tp_btf) programs on the kmem tracepoints, where libbpf-tools \
uses classic tracepoints; pages are keyed by their struct page address instead of the pfn, so -a \
shows that address for page allocations.",
        "--percpu adds the percpu tracepoints to the kernel ones, as libbpf-tools does (bcc traces \
them instead of the others).",
        "-O OBJ takes libbpf-tools' libc.so.6 or bcc's c (the default), a library name stem, or a \
path; with -p the library that process has mapped is probed. The uprobes fire for the traced \
process only, as upstream's do; posix_memalign's failures are not counted as allocations.",
        "The ready line is libbpf-tools' Tracing outstanding memory allocs...  Hit Ctrl-C to end \
(on stderr with --json), printed once every probe is attached; bcc prints Attaching to pid N. With \
-c the command is held before its exec until then, and the tool ends, after a last report, when \
the command exits, as libbpf-tools does.",
        "--sort (bcc's), --json, --stack-storage-size (16384 stacks, where libbpf-tools has 10240) \
and --perf-max-stack-depth are kept; -t prints the events on standard output instead of \
bpf_trace_printk's trace_pipe, with the reports.",
    ],
    hooks: crate::Hooks::Declared { object: "memleak", points: all_hooks },
};

/// How the stacks of a report are ordered.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SortKey {
    Size,
    Count,
}

/// Trace outstanding memory allocations that weren't freed: a process's
/// made with libc's functions (-p, -c), else the kernel's (kmalloc,
/// kmem_cache_alloc, pages); a report of the top stacks every INTERVAL.
#[derive(Parser, Debug)]
#[command(name = "memleak", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Process ID to trace; if not specified, trace kernel allocs
    #[arg(short, long, conflicts_with = "command")]
    pid: Option<u32>,
    /// Print trace messages for each alloc/free call
    #[arg(short, long)]
    trace: bool,
    /// Show allocation addresses and sizes as well as call stacks
    #[arg(short = 'a', long)]
    show_allocs: bool,
    /// Prune allocations younger than this age in milliseconds
    #[arg(short = 'o', long, value_name = "AGE_MS", default_value_t = 500)]
    older: u64,
    /// Execute and trace the specified command
    #[arg(short, long, value_name = "COMMAND")]
    command: Option<String>,
    /// Show combined allocation statistics only
    #[arg(short = 'C', long)]
    combined_only: bool,
    /// Workaround to alleviate misjudgments when free is missing
    #[arg(short = 'F', long)]
    wa_missing_free: bool,
    /// Sample every N-th allocation to decrease the overhead
    #[arg(short, long, value_name = "SAMPLE_RATE", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    sample_rate: u64,
    /// Display only this many top allocating stacks (by size)
    #[arg(short = 'T', long, value_name = "TOP_STACKS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    top: u64,
    /// Capture only allocations larger than or equal to this size
    #[arg(short = 'z', long, value_name = "MIN_SIZE")]
    min_size: Option<u64>,
    /// Capture only allocations smaller than or equal to this size
    #[arg(short = 'Z', long, value_name = "MAX_SIZE")]
    max_size: Option<u64>,
    /// Attach to allocator functions in the specified object (libc.so.6, c, or a path)
    #[arg(short = 'O', long, value_name = "OBJECT", default_value = "c")]
    obj: String,
    /// Trace percpu allocations
    #[arg(short = 'P', long)]
    percpu: bool,
    /// Memory allocator symbols prefix
    #[arg(short = 'S', long, value_name = "SYMBOLS_PREFIX", default_value = "")]
    symbols_prefix: String,
    /// Report sorted by this key
    #[arg(long, value_enum, default_value = "size")]
    sort: SortKey,
    #[command(flatten)]
    storage: StackStorage,
    /// Interval in seconds to print outstanding allocations
    #[arg(default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// Number of times to print the report before exiting
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    #[command(flatten)]
    common: Common,
}

/// The kernel's allocators: tracepoint, its tp_btf and raw_tp programs, and
/// whether this kernel may lack it (the _node ones are gone in 6.1).
const KERNEL_HOOKS: &[(&str, &str, &str, bool)] = &[
    ("kmalloc", "tp_btf_kmalloc", "raw_kmalloc", false),
    ("kmalloc_node", "tp_btf_kmalloc_node", "raw_kmalloc_node", true),
    ("kmem_cache_alloc", "tp_btf_kmem_cache_alloc", "raw_kmem_cache_alloc", false),
    ("kmem_cache_alloc_node", "tp_btf_kmem_cache_alloc_node", "raw_kmem_cache_alloc_node", true),
    ("kfree", "tp_btf_kfree", "raw_kfree", false),
    ("kmem_cache_free", "tp_btf_kmem_cache_free", "raw_kmem_cache_free", false),
    ("mm_page_alloc", "tp_btf_mm_page_alloc", "raw_mm_page_alloc", false),
    ("mm_page_free", "tp_btf_mm_page_free", "raw_mm_page_free", false),
    ("percpu_alloc_percpu", "tp_btf_percpu_alloc", "raw_percpu_alloc", false),
    ("percpu_free_percpu", "tp_btf_percpu_free", "raw_percpu_free", false),
];

fn kernel_hooks_for(percpu: bool) -> Vec<AttachPoint> {
    KERNEL_HOOKS
        .iter()
        .filter(|(tp, ..)| percpu || !tp.starts_with("percpu"))
        .map(|&(tp, btf, raw, optional)| {
            // raw_tp first: both read the raw arguments, and 6.1's and
            // 6.12's verifiers refuse tp_btf's read of the `const void *`
            // object ("invalid bpf_context access off=8", kernel matrix).
            let point = AttachPoint::new(tp)
                .or([Prog::raw_tp(raw, tp)])
                .or([Prog::tp_btf(btf, tp)]);
            if optional {
                point.optional()
            } else {
                point
            }
        })
        .collect()
}

/// Every hook: the kernel's, --percpu's too, and the uprobes (-p, -c) as
/// they are on the process's libc.
fn all_hooks() -> Vec<AttachPoint> {
    let mut points = kernel_hooks_for(true);
    points.extend(USER_HOOKS.iter().map(|&(func, enter, exit, _)| user_point("libc", func, func, enter, exit, None)));
    points
}

/// The uprobe (and uretprobe) on `sym` of the library at `path`, for `pid`.
fn user_point(path: &str, func: &'static str, sym: &str, enter: &'static str, exit: Option<&'static str>, pid: Option<u32>) -> AttachPoint {
    let mut progs = vec![Prog::uprobe(enter, path, sym).in_process(pid)];
    if let Some(exit) = exit {
        progs.push(Prog::uretprobe(exit, path, sym).in_process(pid));
    }
    AttachPoint::new(func).or(progs)
}

/// libc's allocators: function, entry program, return program (none for
/// the frees), and whether a libc must have it (upstream lets valloc,
/// pvalloc and aligned_alloc be missing, and mmap, mremap and munmap with -S).
const USER_HOOKS: &[(&str, &str, Option<&str>, bool)] = &[
    ("malloc", "malloc_enter", Some("malloc_exit"), true),
    ("calloc", "calloc_enter", Some("calloc_exit"), true),
    ("realloc", "realloc_enter", Some("realloc_exit"), true),
    ("mmap", "mmap_enter", Some("mmap_exit"), true),
    ("mremap", "mremap_enter", Some("mremap_exit"), true),
    ("posix_memalign", "posix_memalign_enter", Some("posix_memalign_exit"), true),
    ("memalign", "memalign_enter", Some("memalign_exit"), true),
    ("free", "free_enter_prog", None, true),
    ("munmap", "munmap_enter", None, true),
    ("valloc", "valloc_enter", Some("valloc_exit"), false),
    ("pvalloc", "pvalloc_enter", Some("pvalloc_exit"), false),
    ("aligned_alloc", "aligned_alloc_enter", Some("aligned_alloc_exit"), false),
];

fn user_hooks(lib: &Path, prefix: &str, pid: u32) -> Result<Vec<AttachPoint>> {
    let path = lib.to_string_lossy();
    let mut points = Vec::new();
    for &(func, enter, exit, required) in USER_HOOKS {
        let sym = format!("{prefix}{func}");
        if !elf::defines(lib, &sym) {
            let mapping = matches!(func, "mmap" | "mremap" | "munmap");
            if required && (prefix.is_empty() || !mapping) {
                bail!("{} does not define {sym}", lib.display());
            }
            verbose!("{} does not define {sym}: not traced", lib.display());
            continue;
        }
        points.push(user_point(&path, func, &sym, enter, exit, Some(pid)));
    }
    Ok(points)
}

/// The allocator's file: -O as libbpf-tools spells it (libc.so.6), as bcc
/// does (c), or a path; with the process's own mapping of it first.
fn library(obj: &str, prefix: &str, pid: u32) -> Result<PathBuf> {
    let stem = match obj.strip_prefix("lib").and_then(|r| r.split_once(".so")) {
        Some((stem, _)) if !obj.contains('/') && !stem.is_empty() => stem,
        _ => obj,
    };
    elf::resolve_function(stem, &format!("{prefix}malloc"), Some(pid))
        .map_err(|e| libtools::anyhow!("-O {obj}: {e}"))
}

/// CLOCK_MONOTONIC in nanoseconds: bpf_ktime_get_ns()'s clock.
fn ktime_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// One stack's outstanding allocations in a report.
#[derive(Default)]
struct Outstanding {
    size: u64,
    count: u64,
    addrs: Vec<u64>,
    sizes: Vec<u64>,
}

struct Report<'a> {
    out: &'a Output,
    args: &'a Args,
    pid: Option<u32>,
    resolver: StackResolver,
}

impl Report<'_> {
    /// Gather the outstanding allocations by stack and print the top ones.
    fn print(&mut self, tool: &skel::MemleakSkel) -> Result<bool> {
        let args = self.args;
        let mut by_stack: HashMap<i32, Outstanding> = HashMap::new();
        let mut missing = (0u64, 0u64); // lost stacks, of which hash collisions
        let lost = |id: i32, n: u64, missing: &mut (u64, u64)| {
            if stacks::stack_lost(id) {
                missing.0 += n;
                missing.1 += if id == -libc::EEXIST { n } else { 0 };
            }
        };
        if args.combined_only {
            let all: Vec<(u64, combined_alloc_info)> = libtools::maps::read_live_as(&tool.maps.combined_allocs)?;
            for (id, c) in all {
                let id = id as i64 as i32;
                if id < 0 {
                    lost(id, c.number_of_allocs, &mut missing);
                    continue;
                }
                let o = by_stack.entry(id).or_default();
                o.size += c.total_size;
                o.count += c.number_of_allocs;
            }
        } else {
            let min_age = args.older.saturating_mul(1_000_000);
            let now = ktime_ns();
            let mut all: Vec<(u64, alloc_info)> = libtools::maps::read_live_as(&tool.maps.allocs)?;
            // -a lists a stack's allocations by address.
            all.sort_unstable_by_key(|(addr, _)| *addr);
            for (addr, a) in all {
                if now.saturating_sub(min_age) < a.timestamp_ns {
                    continue;
                }
                if a.stack_id < 0 {
                    lost(a.stack_id, 1, &mut missing);
                    continue;
                }
                let o = by_stack.entry(a.stack_id).or_default();
                o.size += a.size;
                o.count += 1;
                if args.show_allocs {
                    o.addrs.push(addr);
                    o.sizes.push(a.size);
                }
            }
        }
        let mut shown: Vec<(i32, Outstanding)> = by_stack.into_iter().collect();
        match args.sort {
            SortKey::Size => shown.sort_by(|a, b| (b.1.size, b.1.count, a.0).cmp(&(a.1.size, a.1.count, b.0))),
            SortKey::Count => shown.sort_by(|a, b| (b.1.count, b.1.size, a.0).cmp(&(a.1.count, a.1.size, b.0))),
        }
        shown.truncate(args.top as usize);

        let now = output::now();
        let heading = format!(
            "[{}] Top {} stacks with outstanding allocations:\n",
            now.format("%H:%M:%S"),
            shown.len()
        );
        if self.out.format() != Format::Json {
            self.out.text(&heading);
        }
        let stack_key = if self.pid.is_some() { "user_stack" } else { "kernel_stack" };
        for (id, o) in &shown {
            let addrs = stacks::stack_addrs(&tool.maps.stackmap, *id).unwrap_or_default();
            let frames = match self.pid {
                Some(pid) => self.resolver.user(pid, &addrs),
                None => self.resolver.kernel(&addrs),
            };
            // Kernel frames drop the BPF program's own: align from the end.
            let skip = addrs.len() - frames.len();
            let mut text = format!("\t{} bytes in {} allocations from stack\n", o.size, o.count);
            for (a, s) in o.addrs.iter().zip(&o.sizes) {
                text.push_str(&format!("\taddr = {a:#x} size = {s}\n"));
            }
            for (a, f) in addrs[skip..].iter().zip(&frames) {
                text.push_str(&format!("\t\t{a:#018x}\t{}\n", output::escaped(f.as_bytes())));
            }
            let frame_bytes = stacks::frame_bytes(&frames);
            let hex: Vec<String> = o.addrs.iter().map(|a| format!("{a:#x}")).collect();
            let hex: Vec<&[u8]> = hex.iter().map(|h| h.as_bytes()).collect();
            let mut fields = vec![
                ("time", Value::Time(now)),
                ("bytes", Value::Uint(o.size)),
                ("allocations", Value::Uint(o.count)),
                ("stack_id", Value::Int((*id).into())),
                (stack_key, Value::Strings(&frame_bytes)),
            ];
            if args.show_allocs {
                fields.push(("addresses", Value::Strings(&hex)));
                fields.push(("sizes", Value::Uints(&o.sizes)));
            }
            self.out.record(&text, &fields);
        }
        if missing.0 > 0 {
            eprintln!(
                "memleak: WARNING: {} stack traces could not be displayed due to memory shortage, including {} caused by hash collisions. Consider increasing --stack-storage-size.",
                missing.0, missing.1
            );
        }
        Ok(self.out.end_report())
    }
}

/// One -t event, as upstream words it.
fn trace_line(out: &Output, data: &[u8]) {
    let e: event = libtools::decode(data);
    let address = format!("{:#x}", e.address);
    let (kind, line) = match u64::from(e.kind) {
        consts::MEMLEAK_ALLOC_ENTER => ("alloc_enter", format!("alloc entered, size = {}\n", e.size)),
        consts::MEMLEAK_ALLOC_EXIT => (
            "alloc_exit",
            format!("alloc exited, size = {}, result = {address}\n", e.size),
        ),
        _ => ("free", format!("free entered, address = {address}, size = {}\n", e.size)),
    };
    let address = match u64::from(e.kind) {
        consts::MEMLEAK_ALLOC_ENTER => Value::Null,
        _ => Value::Str(&address),
    };
    out.record(
        &line,
        &[
            ("event", Value::Str(kind)),
            ("pid", Value::Uint(e.pid.into())),
            ("size", Value::Uint(e.size)),
            ("address", address),
        ],
    );
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    if let (Some(min), Some(max)) = (args.min_size, args.max_size) {
        if min > max {
            bail!("min size (-z) can't be greater than max size (-Z)");
        }
    }
    libtools::check_pid(args.pid)?;
    let mut child = args.command.as_deref().map(HeldCommand::spawn).transpose()?;
    let pid = args.pid.or(child.as_ref().map(HeldCommand::pid));
    let points = match pid {
        Some(pid) => user_hooks(&library(&args.obj, &args.symbols_prefix, pid)?, &args.symbols_prefix, pid)?,
        None => kernel_hooks_for(args.percpu),
    };

    let spec = Spec::hooks(points).chosen_only();
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = pid.unwrap_or(0);
        rodata.min_size = args.min_size.unwrap_or(0);
        rodata.max_size = args.max_size.unwrap_or(u64::MAX);
        rodata.page_size = env::page_size();
        rodata.sample_rate = args.sample_rate;
        rodata.trace_all = args.trace;
        rodata.wa_missing_free = args.wa_missing_free;
        rodata.combined_only = args.combined_only;
        rodata.stack_flags = match pid {
            Some(_) => libbpf_rs::libbpf_sys::BPF_F_USER_STACK.into(),
            None => 0,
        };
        if pid.is_some() {
            // See bpf/memleak.bpf.c: no feedback from a process's mallocs.
            open.maps.allocs.set_map_flags(libbpf_rs::libbpf_sys::BPF_F_NO_PREALLOC)?;
        }
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let out = Output::stdout(args.common.json, Vec::new());
    // libbpf-tools' line (bcc's says "Attaching to pid N"); on stderr with --json.
    out.note("Tracing outstanding memory allocs...  Hit Ctrl-C to end\n");
    if let Some(c) = child.as_mut() {
        c.release()?;
    }
    let mut rb = libbpf_rs::RingBufferBuilder::new();
    rb.add(&tool.maps.events, |data: &[u8]| {
        trace_line(&out, data);
        0
    })?;
    let rb = rb.build()?;
    let step = Duration::from_millis(100);
    let mut report = Report {
        out: &out,
        args: &args,
        pid,
        resolver: StackResolver::new(),
    };
    // Its map now (-c has exec'd by now): its frames are named from its
    // files should it exit before a report.
    if let Some(pid) = pid {
        report.resolver.remember(pid);
    }
    let mut left = args.count;
    let mut ended = false;
    while !ended {
        let deadline = run::Deadline::after(Some(Duration::from_secs(args.interval)));
        while !run::stopping() && !deadline.passed() {
            // SIGINT, SIGTERM: the loop's condition sees them.
            let n = rb.poll_raw(deadline.remaining(step));
            if n < 0 && n != -libc::EINTR {
                bail!("cannot poll the ring buffer: {}", std::io::Error::from_raw_os_error(-n));
            }
            out.flush();
            if child.as_mut().is_some_and(|c| c.exited()) {
                ended = true;
                break;
            }
        }
        rb.consume_raw();
        if let Some(pid) = pid.filter(|p| Path::new(&format!("/proc/{p}/maps")).exists()) {
            report.resolver.remember_again(pid);
        }
        if !report.print(&tool)? || run::stopping() {
            break;
        }
        if let Some(n) = left.as_mut() {
            *n -= 1;
            ended |= *n == 0;
        }
    }
    tool.report_dropped();
    Ok(())
}
