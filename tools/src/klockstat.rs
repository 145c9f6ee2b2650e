//! klockstat: kernel lock waits and hold times, summed by the caller that
//! took the lock (its kernel stack) or by thread.

use std::cmp::Reverse;
use std::fmt::Write as _;

use clap::Parser;
use libtools::output::{escaped, Format};
use libtools::periodic::{self, Every};
use libtools::stacks::{stack_addrs, StackResolver, StackStorage};
use libtools::{bail, env, lifecycle, maps, AttachPoint, Column, Common, HookKind, Output};
use libtools::{PidArg, Prog, Result, Spec, Value};

libtools::skel!("klockstat");
use skel::{consts, types::lock_stat, KlockstatSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    klockstat                     # trace system wide until Ctrl-C
    klockstat -d 5                # trace for 5 seconds
    klockstat -i 5                # print stats every 5 seconds
    klockstat -p 181              # trace process 181 only
    klockstat -t 181              # trace thread 181 only
    klockstat -c pipe_            # print only for lock callers with 'pipe_' prefix
    klockstat -L cgroup_mutex     # trace the cgroup_mutex lock only (accepts addr too)
    klockstat -S acq_count        # sort lock acquired results by acquire count
    klockstat -S hld_total        # sort lock held results by total held time
    klockstat -S acq_count,hld_total  # combination of above
    klockstat -n 3                # display top 3 locks/threads
    klockstat -s 6                # display 6 stack entries per lock
    klockstat -P                  # print stats per thread
    klockstat --json -d 5         # JSON Lines, an object per caller and table";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("Caller", "the kernel function that took the lock: the first frame of its stack outside the lock functions (and the BPF and tracing frames), as function+0xoffset; Unknown where kallsyms has no symbol. With -s N, the N-1 frames above it follow, a line each, then a line Max PID, COMM, Lock (the lock's kernel symbol where it is a static one, else no-ksym) and its address of the longest wait or hold, and the kind of lock"),
        ("Tid  Comm", "in place of Caller with -P: the thread ID and its name"),
        ("Avg Wait", "the average time waited for the lock, with a unit (ns, us, ms, s, m, h) as upstream prints it"),
        ("Count", "acquisitions: on the fentry and kprobe routes every call of a lock function that took the lock; on the contention route only those that had to wait (were contended)"),
        ("Max Wait", "the longest wait"),
        ("Total Wait", "all waits added up"),
        ("Avg Hold, Max Hold, Total Hold", "the same for the time from acquiring the lock to its unlock, in the second table (fentry and kprobe routes only)"),
        ("HH:MM:SS", "the time before each report (-T)"),
        ("--json", "an object per row: time, stat (wait or hold), caller (null with -P), tid and comm (-P, else null), avg_ns, count, max_ns, total_ns, max_pid, max_tid and max_comm (the thread of the longest), lock (its symbol, or null), lock_addr, lock_kind (mutex, rwsem:read, rwsem:write, spinlock, rwlock:read, rwlock:write, rtmutex, percpu-rwsem:read, percpu-rwsem:write, semaphore; with +spin where a mutex was spun on) and stack (the caller and the -s frames above it)"),
    ],
    overhead: "Every lock operation the hooks see runs a program. On the fentry and kprobe \
routes that is every mutex and rwsem lock and unlock on the system, contended or not, which are \
among the most frequent calls in the kernel: each walks the kernel stack into the stack map and \
updates two hash maps, so expect a noticeable slowdown of lock-heavy work (kprobes cost more than \
fentry). On the contention route (lock:contention_begin/end) only contended acquisitions run it, \
of every kind of lock, spinlocks included: cheap on a quiet system, busy exactly where locks are \
fought over. -p, -t and -L filter in the kernel; -c, -n and -S in user space. At most 10240 \
stacks (or threads with -P) and 10240 waits in flight are kept; acquisitions beyond that, or whose \
stack did not fit the stack map (--stack-storage-size), are counted as lost and reported at exit.",
    see_also: &["offcputime", "wakeuptime", "stackcount", "runqlat"],
    upstream: &[
        "Where the kernel offers neither fentry nor kprobes, the lock:contention_begin/end tracepoints (Linux 5.19 and later) are used: they give the waits of contended acquisitions of every kind of lock (spinlocks, rwlocks, rtmutexes, semaphores and percpu rwsems too), not the uncontended ones, and no hold times; the hold table is then left out, and a line on stderr says so once. Upstream needs fentry or kprobes.",
        "The kind of each lock is shown (after the Max PID line with -s, and as lock_kind in --json); upstream does not name it.",
        "Upstream's netlink message type and ioctl of the longest wait or hold (with -s) are not shown.",
        "--stack-storage-size is bcc's; --perf-max-stack-depth limits the frames stored. --json is an addition.",
        "-L by name needs the lock in /proc/kallsyms: static locks are there only on kernels built with CONFIG_KALLSYMS_ALL; an address (0x...) always works.",
    ],
    hooks: crate::Hooks::Declared { object: "klockstat", points: hooks },
};

/// Trace kernel lock waits and hold times: mutexes and rw semaphores by
/// the caller that took them, or by thread (-P); with only the lock
/// contention tracepoints, the waits of contended locks of every kind.
#[derive(Parser, Debug)]
#[command(name = "klockstat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// Filter by thread ID
    #[arg(short, long)]
    tid: Option<u32>,
    /// Filter by caller string prefix
    #[arg(short, long, value_name = "FUNC")]
    caller: Option<String>,
    /// Filter by specific lock: a kernel symbol (a static lock) or an address (0x...)
    #[arg(short = 'L', long, value_name = "LOCK")]
    lock: Option<String>,
    /// Number of locks or threads to print
    #[arg(short = 'n', long = "locks", value_name = "NR_LOCKS",
          value_parser = clap::value_parser!(u64).range(1..))]
    nr_locks: Option<u64>,
    /// Number of stack entries to print per lock
    #[arg(short = 's', long = "stacks", value_name = "NR_STACKS", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..))]
    nr_stacks: u64,
    /// Sort by field: acq_[max|total|count] and hld_[max|total|count], one
    /// or both comma-separated
    #[arg(short = 'S', long, value_name = "SORT", value_parser = parse_sort,
          default_value = "acq_max,hld_max")]
    sort: Sort,
    #[command(flatten)]
    every: Every,
    /// Reset stats each interval
    #[arg(short = 'R', long)]
    reset: bool,
    /// Print timestamp
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Print per-thread stats
    #[arg(short = 'P', long = "per-thread")]
    per_thread: bool,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Max,
    Total,
    Count,
}

/// `-S`: the order of the wait table and of the hold table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sort {
    acq: Field,
    hld: Field,
}

fn parse_sort(s: &str) -> std::result::Result<Sort, String> {
    let mut sort = Sort { acq: Field::Max, hld: Field::Max };
    let parts: Vec<&str> = s.split(',').collect();
    if parts.len() > 2 {
        return Err(format!("bad sort string {s}: at most one acq_ and one hld_ field"));
    }
    for p in parts {
        let field = match p.get(4..) {
            Some("max") => Field::Max,
            Some("total") => Field::Total,
            Some("count") => Field::Count,
            _ => return Err(format!("bad sort field {p}: acq_[max|total|count] or hld_[max|total|count]")),
        };
        match &p[..4] {
            "acq_" => sort.acq = field,
            "hld_" => sort.hld = field,
            _ => return Err(format!("bad sort field {p}: acq_[max|total|count] or hld_[max|total|count]")),
        }
    }
    Ok(sort)
}

/// The lock functions upstream hooks, by the name of their programs (a
/// blocking lock, a trylock or an unlock), their twin under
/// CONFIG_DEBUG_LOCK_ALLOC, and whether every kernel has them.
enum Role {
    Lock,
    Trylock,
    Unlock,
}

macro_rules! lock_fn {
    ($role:ident $func:ident $nested:expr, $always:expr) => {
        (
            Role::$role,
            stringify!($func),
            $nested,
            $always,
            [
                concat!("fentry_", stringify!($func)),
                concat!("fexit_", stringify!($func)),
                concat!("kprobe_", stringify!($func)),
                concat!("kretprobe_", stringify!($func)),
            ],
        )
    };
}

type LockFn = (Role, &'static str, Option<&'static str>, bool, [&'static str; 4]);

const LOCK_FNS: [LockFn; 14] = [
    lock_fn!(Lock mutex_lock Some("mutex_lock_nested"), true),
    lock_fn!(Lock mutex_lock_interruptible Some("mutex_lock_interruptible_nested"), false),
    lock_fn!(Lock mutex_lock_killable Some("mutex_lock_killable_nested"), false),
    lock_fn!(Trylock mutex_trylock None, false),
    lock_fn!(Unlock mutex_unlock None, true),
    lock_fn!(Lock down_read Some("down_read_nested"), true),
    lock_fn!(Lock down_read_interruptible None, false),
    lock_fn!(Lock down_read_killable Some("down_read_killable_nested"), false),
    lock_fn!(Trylock down_read_trylock None, false),
    lock_fn!(Unlock up_read None, true),
    lock_fn!(Lock down_write Some("down_write_nested"), true),
    lock_fn!(Lock down_write_killable Some("down_write_killable_nested"), false),
    lock_fn!(Trylock down_write_trylock None, false),
    lock_fn!(Unlock up_write None, true),
];

/// One alternative on the lock functions: fentry/fexit or kprobes, on the
/// plain names or on their _nested twins.
fn lock_functions(kind: HookKind, nested: bool) -> Vec<Prog> {
    let fentry = kind == HookKind::Fentry;
    type Make = fn(&'static str, &str) -> Prog;
    let (entry, exit): (Make, Make) =
        if fentry { (Prog::fentry, Prog::fexit) } else { (Prog::kprobe, Prog::kretprobe) };
    let mut progs = Vec::new();
    for (role, func, twin, always, names) in LOCK_FNS {
        let target = if nested { twin.unwrap_or(func) } else { func };
        let [enter_name, exit_name] = if fentry { [names[0], names[1]] } else { [names[2], names[3]] };
        let mut add = |p: Prog| progs.push(if always { p } else { p.optional() });
        match role {
            Role::Lock => {
                add(entry(enter_name, target));
                add(exit(exit_name, target));
            }
            Role::Trylock if fentry => add(exit(exit_name, target)),
            Role::Trylock => {
                add(entry(enter_name, target));
                add(exit(exit_name, target));
            }
            Role::Unlock => add(entry(enter_name, target)),
        }
    }
    progs
}

const POINT: &str = "lock functions";

/// The note under the ready line where only the contention tracepoints are.
const WAITS_ONLY: &str = "No hold times: this kernel offers neither fentry nor kprobes; \
waits of contended locks only (lock:contention_begin/end)\n";

fn hooks() -> Vec<AttachPoint> {
    let contention = |kind: fn(&'static str, &str) -> Prog, [begin, end]: [&'static str; 2]| {
        [kind(begin, "contention_begin"), kind(end, "contention_end")]
    };
    vec![AttachPoint::new(POINT)
        .or(lock_functions(HookKind::Fentry, false))
        .or(lock_functions(HookKind::Fentry, true))
        .or(lock_functions(HookKind::Kprobe, false))
        .or(lock_functions(HookKind::Kprobe, true))
        .or(contention(Prog::tp_btf, ["tp_btf_contention_begin", "tp_btf_contention_end"]))
        .or(contention(Prog::raw_tp, ["raw_contention_begin", "raw_contention_end"]))]
}

/// The address `-L` names: a kernel symbol, else a number in hex (0x...).
fn lock_addr(lock: &str) -> Result<u64> {
    if let Some(addr) = env::kernel_symbol(lock) {
        return Ok(addr);
    }
    match lock.strip_prefix("0x").map(|h| u64::from_str_radix(h, 16)) {
        Some(Ok(addr)) if addr != 0 => Ok(addr),
        _ => bail!("failed to find lock {lock}: neither a symbol in /proc/kallsyms nor an address (0x...)"),
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_tid(args.tid)?;
    if args.per_thread && args.nr_stacks != 1 {
        bail!("--per-thread and --stacks cannot be used together");
    }
    let targ_lock = args.lock.as_deref().map(lock_addr).transpose()?.unwrap_or(0);
    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_pid = args.tid.unwrap_or(0);
        rodata.targ_lock = targ_lock;
        rodata.per_thread = args.per_thread;
        args.storage.apply(&mut open.maps.stackmap)
    })?;
    let holds = matches!(tool.plan().kind_of(POINT), Some(HookKind::Fentry | HookKind::Kprobe));

    let columns = ["TIME", "STAT", "CALLER", "TID", "COMM", "AVG_NS", "COUNT", "MAX_NS", "TOTAL_NS",
        "MAX_PID", "MAX_TID", "MAX_COMM", "LOCK", "LOCK_ADDR", "LOCK_KIND", "STACK"];
    let out = Output::stdout(args.common.json, columns.map(|h| Column::left(h, 0)).into());
    out.note("Tracing mutex/sem lock events...  Hit Ctrl-C to end\n");
    if !holds {
        out.note(WAITS_ONLY);
    }
    let mut resolver = StackResolver::new();
    periodic::reports(&args.every, || {
        let entries = match args.reset {
            true => maps::drain_as::<u32, lock_stat>(&tool.maps.stat_map)?,
            false => maps::read_as::<u32, lock_stat>(&tool.maps.stat_map)?,
        };
        let mut stats = Vec::new();
        for (key, ls) in entries {
            let frames = match args.per_thread {
                true => Vec::new(),
                false => stack_addrs(&tool.maps.stackmap, key as i32)
                    .map(|a| resolver.kernel_symbols(&a))
                    .unwrap_or_default(),
            };
            let at = caller_index(&frames);
            let caller = frames.get(at).and_then(|f| f.as_ref());
            if let (Some(want), Some((name, _))) = (&args.caller, caller) {
                if args.per_thread || !name.starts_with(want.as_str()) {
                    continue;
                }
            }
            let frames: Vec<String> = frames.iter().skip(at).map(frame).collect();
            stats.push(Stat { key, ls, frames });
        }
        let now = libtools::output::now();
        let mut report = Report { args: &args, out: &out, resolver: &mut resolver, now, text: "\n".into() };
        if args.timestamp {
            let _ = writeln!(report.text, "{:<8}", now.format("%H:%M:%S"));
        }
        report.table(&mut stats, Wait);
        if holds {
            report.table(&mut stats, Hold);
        }
        if out.format() == Format::Table {
            out.text(&report.text);
        }
        Ok(out.end_report())
    })?;
    if out.format() == Format::Table {
        out.text("Exiting trace of mutex/sem locks\n");
        out.flush();
    }
    tool.report_dropped();
    Ok(())
}

/// One caller's stack (or one thread's, -P) and its figures.
struct Stat {
    key: u32,
    ls: lock_stat,
    /// From the caller outwards, as `function+0xoffset`.
    frames: Vec<String>,
}

/// Which table: the waits or the holds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Wait,
    Hold,
}
use Table::{Hold, Wait};

/// A table's figures of one stat: count, total, max, max's task id, lock, comm.
fn figures(ls: &lock_stat, t: Table) -> (u64, u64, u64, u64, u64, &[std::ffi::c_char]) {
    match t {
        Wait => (ls.acq_count, ls.acq_total_time, ls.acq_max_time, ls.acq_max_id, ls.acq_max_lock_ptr, &ls.acq_max_comm),
        Hold => (ls.hld_count, ls.hld_total_time, ls.hld_max_time, ls.hld_max_id, ls.hld_max_lock_ptr, &ls.hld_max_comm),
    }
}

struct Report<'a> {
    args: &'a Args,
    out: &'a Output,
    resolver: &'a mut StackResolver,
    now: libtools::output::Time,
    text: String,
}

impl Report<'_> {
    /// libbpf-tools' layout: a header, then "%37s %9s %8llu %10s %12s" a
    /// row; with -s N, a header before each row and the frames and the
    /// longest's thread and lock after it.
    fn table(&mut self, stats: &mut [Stat], t: Table) {
        let by = match t {
            Wait => self.args.sort.acq,
            Hold => self.args.sort.hld,
        };
        stats.sort_by_key(|s| {
            let (count, total, max, ..) = figures(&s.ls, t);
            Reverse(match by {
                Field::Max => max,
                Field::Total => total,
                Field::Count => count,
            })
        });
        let limit = self.args.nr_locks.unwrap_or(u64::MAX) as usize;
        let shown = stats.iter().filter(|s| figures(&s.ls, t).0 > 0).take(limit);
        let (what, head) = match t {
            Wait => ("wait", "  Avg Wait    Count   Max Wait   Total Wait"),
            Hold => ("hold", "  Avg Hold    Count   Max Hold   Total Hold"),
        };
        let per_thread = self.args.per_thread;
        let many = self.args.nr_stacks > 1;
        for (i, s) in shown.enumerate() {
            let (count, total, max, max_id, lock, comm) = figures(&s.ls, t);
            let comm = libtools::c_bytes(comm);
            let lock_name = self.lock_name(lock);
            let kind = lock_kind(s.ls.flags);
            let nr = self.args.nr_stacks as usize;
            if self.out.format() == Format::Json {
                let frames: Vec<&[u8]> = s.frames.iter().take(nr).map(|f| f.as_bytes()).collect();
                let caller = s.frames.first().map(|f| f.as_bytes());
                let lock_addr = format!("0x{lock:x}");
                self.out.row(&[
                    Value::Time(self.now),
                    Value::Str(what),
                    caller.filter(|_| !per_thread).map_or(Value::Null, Value::Bytes),
                    or_null(per_thread, Value::Uint(s.key.into())),
                    or_null(per_thread, Value::Bytes(comm)),
                    Value::Uint(total / count),
                    Value::Uint(count),
                    Value::Uint(max),
                    Value::Uint(total),
                    Value::Uint(max_id >> 32),
                    Value::Uint(max_id & 0xffff_ffff),
                    Value::Bytes(comm),
                    lock_name.as_deref().map_or(Value::Null, Value::Str),
                    Value::Str(&lock_addr),
                    Value::Str(&kind),
                    Value::Strings(&frames),
                ]);
                continue;
            }
            if i == 0 || many {
                let first = if per_thread { "                Tid              Comm" } else { "Caller" };
                let _ = writeln!(self.text, "\n{first:>37}{head}");
            }
            let caller = match per_thread {
                true => format!("{}  {:>16}", s.key, escaped(comm)),
                false => escaped(s.frames.first().map_or("Unknown", |f| f.as_str()).as_bytes()),
            };
            let _ = writeln!(self.text, "{caller:>37} {:>9} {count:>8} {:>10} {:>12}",
                time(total / count), time(max), time(total));
            if per_thread || !many {
                continue;
            }
            for f in s.frames.iter().take(nr).skip(1) {
                let _ = writeln!(self.text, "{:>37}", escaped(f.as_bytes()));
            }
            let _ = writeln!(self.text, "                              Max PID {}, COMM {}, Lock {} (0x{lock:x}) kind {kind}",
                max_id >> 32, escaped(comm), escaped(lock_name.as_deref().unwrap_or("no-ksym").as_bytes()));
        }
    }

    /// A static lock's kernel symbol (its exact address), as upstream.
    fn lock_name(&mut self, addr: u64) -> Option<String> {
        match self.resolver.kernel_symbols(&[addr]).pop().flatten() {
            Some((name, 0)) => Some(name),
            _ => None,
        }
    }
}

fn or_null(on: bool, v: Value) -> Value {
    if on {
        v
    } else {
        Value::Null
    }
}

/// The frames of the lock functions themselves, and of BPF and tracing
/// under them: the caller is the first frame that is none of these.
const LOCK_INTERNALS: &[&str] = &[
    "bpf_", "__bpf_", "__traceiter_", "trace_contention", "perf_trace_", "trace_call_bpf",
    "mutex_lock", "mutex_trylock", "__mutex_", "ww_mutex_", "__ww_mutex_", "down_read", "down_write",
    "down_interruptible", "down_killable", "down_timeout", "down_trylock", "__down", "rwsem_",
    "rt_mutex", "__rt_mutex", "rtlock_", "rt_spin_lock", "rt_read_lock", "rt_write_lock",
    "_raw_spin_lock", "_raw_read_lock", "_raw_write_lock", "do_raw_spin_lock", "do_raw_read_lock",
    "do_raw_write_lock", "queued_spin_lock", "native_queued_spin_lock", "__pv_queued_spin_lock",
    "pv_queued_spin_lock", "queued_read_lock", "queued_write_lock", "percpu_down_",
    "__percpu_down_", "percpu_rwsem_", "__percpu_rwsem_",
];

fn lock_internal(name: &str) -> bool {
    name == "down" || LOCK_INTERNALS.iter().any(|p| name.starts_with(p))
}

/// Where the caller is in a stack, innermost first (0 where every frame
/// is a lock function's, as upstream).
fn caller_index(frames: &[Option<(String, u64)>]) -> usize {
    frames
        .iter()
        .position(|f| !matches!(f, Some((name, _)) if lock_internal(name)))
        .unwrap_or(0)
}

/// upstream's symname(): `function+0xoffset`, or Unknown.
fn frame(f: &Option<(String, u64)>) -> String {
    match f {
        Some((name, off)) => format!("{name}+0x{off:x}"),
        None => "Unknown".into(),
    }
}

/// upstream's print_time(): one decimal in the largest unit that fits.
fn time(ns: u64) -> String {
    const UNITS: [(f64, &str); 5] = [(3600e9, "h "), (60e9, "m "), (1e9, "s "), (1e6, "ms"), (1e3, "us")];
    for (base, unit) in UNITS {
        if ns as f64 >= base {
            return format!("{:.1} {unit}", ns as f64 / base);
        }
    }
    format!("{ns} ns")
}

/// The kind of lock from the contention flags (include/trace/events/lock.h).
fn lock_kind(flags: u32) -> String {
    let has = |f: u64| u64::from(flags) & f != 0;
    let rw = |base: &str| {
        let side = if has(consts::LCB_F_WRITE) { "write" } else { "read" };
        format!("{base}:{side}")
    };
    let rw_flags = consts::LCB_F_READ | consts::LCB_F_WRITE;
    if has(consts::LCB_F_MUTEX) {
        let spun = has(consts::LCB_F_SPIN) && !has(consts::LCB_F_RT);
        return if spun { "mutex+spin".into() } else { "mutex".into() };
    }
    if has(consts::LCB_F_PERCPU) {
        return rw("percpu-rwsem");
    }
    if has(consts::LCB_F_RT) {
        return if has(rw_flags) { rw("rtlock") } else { "rtmutex".into() };
    }
    match (has(consts::LCB_F_SPIN), has(rw_flags)) {
        (true, true) => rw("rwlock"),
        (true, false) => "spinlock".into(),
        (false, true) => rw("rwsem"),
        (false, false) => "semaphore".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_strings_as_upstream_reads_them() {
        let s = parse_sort("acq_count,hld_total").unwrap();
        assert_eq!((s.acq, s.hld), (Field::Count, Field::Total));
        assert_eq!(parse_sort("hld_count").unwrap().acq, Field::Max);
        for bad in ["acq", "acq_min", "foo_max", "acq_max,hld_max,acq_count", ""] {
            assert!(parse_sort(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_in_upstream_units() {
        assert_eq!(time(999), "999 ns");
        assert_eq!(time(1_500), "1.5 us");
        assert_eq!(time(2_340_000), "2.3 ms");
        assert_eq!(time(3_000_000_000), "3.0 s ");
        assert_eq!(time(90_000_000_000), "1.5 m ");
    }

    #[test]
    fn the_caller_is_the_first_frame_outside_the_lock() {
        let f = |n: &str| Some((n.to_string(), 0x10));
        let stack = [f("bpf_prog_1_x"), f("bpf_trace_run2"), f("__mutex_lock.constprop.0"),
            f("fdget_pos"), f("ksys_write")];
        assert_eq!(caller_index(&stack), 3);
        assert_eq!(frame(&stack[3]), "fdget_pos+0x10");
        assert_eq!(caller_index(&[f("down_write"), None, f("vfs_write")]), 1);
        assert_eq!(caller_index(&[f("mutex_lock")]), 0);
        assert_eq!(frame(&None), "Unknown");
    }

    #[test]
    fn lock_kinds_from_the_contention_flags() {
        use consts::*;
        let lock_kind = |f: u64| lock_kind(f as u32);
        assert_eq!(lock_kind(LCB_F_MUTEX), "mutex");
        assert_eq!(lock_kind(LCB_F_MUTEX | LCB_F_SPIN), "mutex+spin");
        assert_eq!(lock_kind(LCB_F_WRITE), "rwsem:write");
        assert_eq!(lock_kind(LCB_F_READ), "rwsem:read");
        assert_eq!(lock_kind(LCB_F_SPIN), "spinlock");
        assert_eq!(lock_kind(LCB_F_SPIN | LCB_F_READ), "rwlock:read");
        assert_eq!(lock_kind(LCB_F_PERCPU | LCB_F_WRITE), "percpu-rwsem:write");
        assert_eq!(lock_kind(LCB_F_RT), "rtmutex");
        assert_eq!(lock_kind(0), "semaphore");
    }
}
