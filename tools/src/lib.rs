//! bpftk: one module per tool; `src/bin/<tool>.rs` calls its `main`, and the
//! multicall binary `bpftk` dispatches through `TOOLS`.

pub mod docs;
#[cfg(test)]
mod hooks_check;
pub mod irqs;

use libtools::AttachPoint;

pub struct Tool {
    pub name: &'static str,
    /// One line for `bpftk list`.
    pub about: &'static str,
    pub main: fn() -> !,
    /// The clap definition behind `--help`, for man pages and completions.
    pub command: fn() -> clap::Command,
    /// What the man page says beyond `--help`.
    pub doc: &'static Doc,
}

/// A man page's sections that `--help` does not carry. (DESCRIPTION, the
/// hooks, OPTIONS and EXAMPLES come from the clap definition.)
pub struct Doc {
    /// The output's columns as the table heads them, each with its meaning;
    /// `--json` keys are the same names in snake case.
    pub columns: &'static [(&'static str, &'static str)],
    /// What tracing costs: how often the hooks fire, what each firing does,
    /// and what to watch for on a busy system.
    pub overhead: &'static str,
    /// Related bpftk tools.
    pub see_also: &'static [&'static str],
    /// Where the tool knowingly differs from libbpf-tools' tool of the same
    /// name (bcc's where libbpf-tools has none), and why: a sentence each.
    /// Empty when flags, columns and output follow upstream.
    pub upstream: &'static [&'static str],
    /// Where the tool hooks in: the declaration itself where it is fixed,
    /// else a sentence.
    pub hooks: Hooks,
}

/// A tool's hooks, for its documentation and the check that every program
/// it names is in its BPF object (`hooks_check`).
pub enum Hooks {
    /// Hooks fixed at build time: `points` is the tool's declaration (for a
    /// tool whose hooks depend on a flag, the one with every alternative),
    /// its programs are in `$OUT_DIR/<object>.bpf.o`.
    Declared {
        object: &'static str,
        points: fn() -> Vec<AttachPoint>,
    },
    /// Hooks that depend on run-time input (a function, a binary) or that
    /// are no tracing hooks at all (perf events, no BPF): one sentence.
    Described(&'static str),
    /// No BPF at all (flamegraph).
    None,
}

/// Every tool, in alphabetical order, one line each: its name (and module,
/// unless the module is named after it), and its line for `bpftk list`.
/// A tool's module has `run`, `Args` and `DOC`; modules that serve two
/// tools name theirs in braces. An alias of a file system family
/// (`ext4slower = fsslower::{run, Args, DOC} for "ext4"`) is that module's
/// tool with `-t` preset (`libtools::fs::preset`), its own command, man
/// page and hooks (the module's `hooks_for`). `mains` gets each tool's
/// entry point.
macro_rules! tools {
    ($($name:ident $(= $module:ident::{$run:ident, $args:ident, $doc:ident})? $(for $fs:literal)?: $about:literal;)*) => {
        $(tools!(@module $name $($module)?);)*
        /// Each tool's `main`, for its binary and for `bpftk TOOL`.
        pub mod mains {
            $(tools!(@main $name $($module $run $args $doc)? $(for $fs)?);)*
        }
        /// Each alias's documentation: its family's, with its file system's hooks.
        #[allow(non_upper_case_globals)]
        pub mod aliases {
            $(tools!(@alias $name $($module $doc)? $(for $fs)?);)*
        }
        /// Every tool, in alphabetical order.
        pub const TOOLS: &[Tool] = &[$(tools!(@entry $name $($module $args $doc)? $(for $fs)? $about)),*];
    };
    (@module $name:ident) => { pub mod $name; };
    (@module $name:ident $module:ident) => {};
    (@main $name:ident) => { tools!(@main $name $name run Args DOC); };
    (@main $name:ident $module:ident $run:ident $args:ident $doc:ident) => {
        pub fn $name() -> ! {
            libtools::main(
                stringify!($name),
                crate::command::<crate::$module::$args>(&crate::$module::$doc),
                crate::$module::$run,
            )
        }
    };
    (@main $name:ident $module:ident $run:ident $args:ident $doc:ident for $fs:literal) => {
        pub fn $name() -> ! {
            libtools::main(
                stringify!($name),
                tools!(@alias_command $name $module $args $fs),
                crate::$module::$run,
            )
        }
    };
    (@alias $name:ident $module:ident $doc:ident for $fs:literal) => {
        pub const $name: crate::Doc = crate::Doc {
            hooks: crate::Hooks::Declared {
                object: stringify!($module),
                points: || crate::$module::hooks_for($fs),
            },
            ..crate::$module::$doc
        };
    };
    (@alias $($other:tt)*) => {};
    (@alias_command $name:ident $module:ident $args:ident $fs:literal) => {
        crate::with_hooks(
            libtools::fs::preset(
                <crate::$module::$args as clap::CommandFactory>::command(),
                stringify!($name),
                $fs,
                crate::$module::ALIAS_EXAMPLES,
            ),
            &crate::aliases::$name,
        )
    };
    (@entry $name:ident $about:literal) => {
        tools!(@entry $name $name Args DOC $about)
    };
    (@entry $name:ident $module:ident $args:ident $doc:ident $about:literal) => {
        Tool {
            name: stringify!($name),
            about: $about,
            main: mains::$name,
            command: || command::<$module::$args>(&$module::$doc),
            doc: &$module::$doc,
        }
    };
    (@entry $name:ident $module:ident $args:ident $doc:ident for $fs:literal $about:literal) => {
        Tool {
            name: stringify!($name),
            about: $about,
            main: mains::$name,
            command: || tools!(@alias_command $name $module $args $fs),
            doc: &aliases::$name,
        }
    };
}

/// A tool's clap definition, with the `Hooks:` paragraph its `--help` and
/// man page end their description with, from `doc.hooks`.
pub fn command<A: clap::CommandFactory>(doc: &Doc) -> clap::Command {
    with_hooks(A::command(), doc)
}

/// `cmd` with the `Hooks:` paragraph of `doc` after its description.
pub fn with_hooks(cmd: clap::Command, doc: &Doc) -> clap::Command {
    let Some(hooks) = doc.hooks.text(|t| t.to_string()) else {
        return cmd;
    };
    let about = cmd
        .get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default();
    cmd.long_about(format!("{about}\n\nHooks: {hooks}"))
}

impl Hooks {
    /// The hooks in words (`code` dresses each target), or `None` for a
    /// tool without BPF.
    pub fn text(&self, code: fn(&str) -> String) -> Option<String> {
        match self {
            Hooks::Declared { points, .. } => {
                Some(format!("{}.", libtools::hooks::describe(&points(), code)))
            }
            Hooks::Described(text) => Some(text.to_string()),
            Hooks::None => None,
        }
    }
}

tools! {
    bashreadline: "command lines entered in interactive bash shells";
    bcachefsdist = fsdist::{run, Args, DOC} for "bcachefs": "bcachefs operation latency as histograms per operation (fsdist -t bcachefs)";
    bcachefsslower = fsslower::{run, Args, DOC} for "bcachefs": "bcachefs reads, writes, opens and fsyncs slower than a threshold (fsslower -t bcachefs)";
    bindsnoop: "bind(2) calls of IPv4 and IPv6 sockets: protocol, options, address, port, result";
    biolatency: "block I/O latency as histograms, overall, per disk or per flags";
    biopattern: "random and sequential block I/O per disk, with counts and sizes";
    biosnoop: "block I/O requests, one line each: process, disk, sector, size and latency";
    biostacks: "block I/O latency histograms by the kernel stack, process and disk that started it";
    biotop: "block I/O by process, top-like: I/Os, Kbytes and average latency per disk";
    bitesize: "block I/O sizes as histograms, by the issuing task's name";
    btrfsdist = fsdist::{run, Args, DOC} for "btrfs": "btrfs operation latency as histograms per operation (fsdist -t btrfs)";
    btrfsslower = fsslower::{run, Args, DOC} for "btrfs": "btrfs reads, writes, opens and fsyncs slower than a threshold (fsslower -t btrfs)";
    cachestat: "page cache hits, misses, dirties and hit ratio, with buffer and cache sizes, per interval";
    capable: "security capability checks with their verdicts (and stacks with -K/-U)";
    cpudist: "on-CPU (or off-CPU) time per scheduling slice as histograms";
    cpufreq: "the frequency CPUs ran at, sampled, as histograms system-wide and by process name";
    drsnoop: "direct reclaim: tasks that reclaimed memory themselves, with latency and pages freed";
    execsnoop: "execve(2) and execveat(2) calls with their arguments and results";
    exitsnoop: "process and thread exits with exit code or signal, age and parent";
    ext4dist = fsdist::{run, Args, DOC} for "ext4": "ext4 operation latency as histograms per operation (fsdist -t ext4)";
    ext4slower = fsslower::{run, Args, DOC} for "ext4": "ext4 reads, writes, opens and fsyncs slower than a threshold (fsslower -t ext4)";
    f2fsdist = fsdist::{run, Args, DOC} for "f2fs": "f2fs operation latency as histograms per operation (fsdist -t f2fs)";
    f2fsslower = fsslower::{run, Args, DOC} for "f2fs": "f2fs reads, writes, opens and fsyncs slower than a threshold (fsslower -t f2fs)";
    filelife: "files created and then deleted, with their ages: who deleted them and the name";
    filetop: "file reads and writes by thread, top-like: calls and KB per file";
    flamegraph: "an SVG flame graph from folded stacks (profile -f, offcputime -f) on stdin";
    fsdist: "latency of one file system's reads, writes, opens, fsyncs and getattrs as histograms";
    fsslower: "reads, writes, opens and fsyncs of one file system slower than a threshold";
    funclatency: "a kernel or user function's latency as a histogram";
    fusedist = fsdist::{run, Args, DOC} for "fuse": "fuse operation latency as histograms per operation (fsdist -t fuse)";
    fuseslower = fsslower::{run, Args, DOC} for "fuse": "fuse reads, writes, opens and fsyncs slower than a threshold (fsslower -t fuse)";
    futexctn: "futex contention: how long threads waited in FUTEX_WAIT, as histograms per lock and user stack";
    gethostlatency: "latency of host name lookups (getaddrinfo, gethostbyname) with the host";
    hardirqs = irqs::{hardirqs_run, HardArgs, HARDIRQS_DOC}: "hard interrupt handler time, counts and maxima by name (and CPU), totals or histograms";
    killsnoop = sigsnoop::{killsnoop_run, KillArgs, KILLSNOOP_DOC}: "kill(2), tkill(2) and tgkill(2) calls with signal, target and result (sigsnoop -k)";
    klockstat: "kernel lock waits and hold times by caller or thread: mutexes, rwsems (contended locks of every kind by tracepoint)";
    llcstat: "last-level cache references, misses and hit ratio by process and CPU, from hardware counters";
    mdflush: "flush requests to md (software RAID) devices, with the process that asked";
    memleak: "outstanding (not yet freed) allocations of a process or the kernel, by stack, every interval";
    mountsnoop: "mount(2), umount2(2) and the new mount API calls, flags decoded";
    nfsdist = fsdist::{run, Args, DOC} for "nfs": "nfs operation latency as histograms per operation (fsdist -t nfs)";
    nfsslower = fsslower::{run, Args, DOC} for "nfs": "nfs reads, writes, opens and fsyncs slower than a threshold (fsslower -t nfs)";
    numamove: "migrations of pages NUMA balancing found on the wrong node, and their time, every interval";
    offcputime: "time threads spend blocked (off CPU), summed by stack; folded for flame graphs";
    oomkill: "OOM killer victims, who triggered the kill, and memory figures";
    opensnoop: "open(2), openat(2) and openat2(2) calls with their results";
    profile: "CPU profile: stack traces sampled on every CPU, by count, folded for flame graphs";
    readahead: "readahead pages used and unused, with how long the used ones waited, as a histogram";
    runqlat: "run queue (scheduler) latency as a histogram";
    runqlen: "run queue length, sampled on every CPU, as a histogram or occupancy";
    runqslower: "tasks that waited in the run queue longer than a threshold";
    sigsnoop: "signals sent by kill(2), tkill(2), tgkill(2) and the kernel, with results";
    slabratetop: "kernel slab (kmem cache) allocations by cache, top-like: allocations and bytes per interval";
    softirqs = irqs::{softirqs_run, SoftArgs, SOFTIRQS_DOC}: "soft interrupt handler time and counts by vector, totals or histograms";
    softirqslower: "soft interrupts slower than a threshold: the wait from raise to handler, or the handler's run";
    solisten: "listen(2) calls of IPv4 and IPv6 sockets: backlog, protocol, address, port";
    stackcount: "stacks leading to a tracepoint, user function or kernel function, by count";
    statsnoop: "statfs(2), stat(2), lstat(2), fstat(2), fstatat(2) and statx(2) calls with their results";
    syncsnoop: "sync(2), fsync(2), fdatasync(2), msync(2), sync_file_range(2) and syncfs(2) calls";
    syscount: "system calls counted and timed, by syscall or by process";
    tcpconnect: "active TCP connects (attempts that sent a SYN), or counts per destination";
    tcpconnlat: "TCP connect latency, SYN sent to connection established, per connect";
    tcpdrop: "TCP packets the kernel dropped, with the drop reason and the kernel stack";
    tcplife: "TCP connections as they close: owner, addresses, bytes each way, duration";
    tcppktlat: "TCP packet latency: received data's wait for the application to read it, per read";
    tcpretrans: "TCP retransmissions with addresses and state, or counted per flow";
    tcprtt: "TCP smoothed round-trip time as histograms, overall or per address";
    tcpstates: "TCP state changes with the time spent in the old state";
    tcpsynbl: "TCP listeners' accept queue (SYN backlog) length as handshakes complete, histograms by backlog limit";
    tcptop: "the busiest TCP connections, top-like: KB received and sent per interval";
    tcptracer: "TCP connects, accepts and closes with their addresses and ports";
    threadsnoop: "threads created with pthread_create(3), with their start functions";
    vfsstat: "VFS calls per second: reads, writes, fsyncs, opens, creates, unlinks, mkdirs, rmdirs";
    wakeuptime: "blocked time by the kernel stack of the waker; folded for flame graphs";
    xfsdist = fsdist::{run, Args, DOC} for "xfs": "xfs operation latency as histograms per operation (fsdist -t xfs)";
    xfsslower = fsslower::{run, Args, DOC} for "xfs": "xfs reads, writes, opens and fsyncs slower than a threshold (fsslower -t xfs)";
    zfsdist = fsdist::{run, Args, DOC} for "zfs": "zfs operation latency as histograms per operation (fsdist -t zfs)";
    zfsslower = fsslower::{run, Args, DOC} for "zfs": "zfs reads, writes, opens and fsyncs slower than a threshold (fsslower -t zfs)";
}

/// The tool a program name stands for: `opensnoop`, or with a packager's
/// prefix (`bpf-opensnoop`), the longest tool name it ends with.
pub fn tool_for_program(program: &str) -> Option<&'static Tool> {
    TOOLS
        .iter()
        .filter(|t| {
            program == t.name
                || program
                    .strip_suffix(t.name)
                    .is_some_and(|p| p.ends_with(|c: char| !c.is_ascii_alphanumeric()))
        })
        .max_by_key(|t| t.name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_map_to_tools() {
        assert_eq!(tool_for_program("opensnoop").unwrap().name, "opensnoop");
        assert_eq!(tool_for_program("bpf-opensnoop").unwrap().name, "opensnoop");
        assert!(tool_for_program("bpftk").is_none());
        assert!(tool_for_program("xopensnoop").is_none());
    }

    #[test]
    fn tools_are_sorted_and_unique() {
        let names: Vec<_> = TOOLS.iter().map(|t| t.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
