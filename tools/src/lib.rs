//! bpftk: one module per tool; `src/bin/<tool>.rs` calls its `main`, and the
//! multicall binary `bpftk` dispatches through `TOOLS`.

pub mod bashreadline;
pub mod bindsnoop;
pub mod biolatency;
pub mod biopattern;
pub mod bitesize;
pub mod capable;
pub mod cpudist;
pub mod execsnoop;
pub mod exitsnoop;
pub mod flamegraph;
pub mod funclatency;
pub mod irqs;
pub mod mountsnoop;
pub mod offcputime;
pub mod oomkill;
pub mod opensnoop;
pub mod profile;
pub mod runqlat;
pub mod runqlen;
pub mod runqslower;
mod sched;
pub mod sigsnoop;
pub mod solisten;
pub mod stackcount;
pub mod statsnoop;
pub mod syncsnoop;
pub mod syscount;
pub mod tcpconnect;
pub mod tcpconnlat;
pub mod tcpdrop;
pub mod tcplife;
pub mod tcpretrans;
pub mod tcprtt;
pub mod tcpstates;
pub mod tcptop;
pub mod tcptracer;
pub mod threadsnoop;
pub mod wakeuptime;

pub mod docs;

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
}

/// Every tool, in alphabetical order.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "bashreadline",
        about: "command lines entered in interactive bash shells",
        main: bashreadline::main,
        command: <bashreadline::Args as clap::CommandFactory>::command,
        doc: &bashreadline::DOC,
    },
    Tool {
        name: "bindsnoop",
        about: "bind(2) calls of IPv4 and IPv6 sockets: protocol, options, address, port, result",
        main: bindsnoop::main,
        command: <bindsnoop::Args as clap::CommandFactory>::command,
        doc: &bindsnoop::DOC,
    },
    Tool {
        name: "biolatency",
        about: "block I/O latency as histograms, overall, per disk or per flags",
        main: biolatency::main,
        command: <biolatency::Args as clap::CommandFactory>::command,
        doc: &biolatency::DOC,
    },
    Tool {
        name: "biopattern",
        about: "random and sequential block I/O per disk, with counts and sizes",
        main: biopattern::main,
        command: <biopattern::Args as clap::CommandFactory>::command,
        doc: &biopattern::DOC,
    },
    Tool {
        name: "bitesize",
        about: "block I/O sizes as histograms, by the issuing task's name",
        main: bitesize::main,
        command: <bitesize::Args as clap::CommandFactory>::command,
        doc: &bitesize::DOC,
    },
    Tool {
        name: "capable",
        about: "security capability checks with their verdicts (and stacks with -K/-U)",
        main: capable::main,
        command: <capable::Args as clap::CommandFactory>::command,
        doc: &capable::DOC,
    },
    Tool {
        name: "cpudist",
        about: "on-CPU (or off-CPU) time per scheduling slice as histograms",
        main: cpudist::main,
        command: <cpudist::Args as clap::CommandFactory>::command,
        doc: &cpudist::DOC,
    },
    Tool {
        name: "execsnoop",
        about: "execve(2) and execveat(2) calls with their arguments and results",
        main: execsnoop::main,
        command: <execsnoop::Args as clap::CommandFactory>::command,
        doc: &execsnoop::DOC,
    },
    Tool {
        name: "exitsnoop",
        about: "process and thread exits with exit code or signal, age and parent",
        main: exitsnoop::main,
        command: <exitsnoop::Args as clap::CommandFactory>::command,
        doc: &exitsnoop::DOC,
    },
    Tool {
        name: "flamegraph",
        about: "an SVG flame graph from folded stacks (profile -f, offcputime -f) on stdin",
        main: flamegraph::main,
        command: <flamegraph::Args as clap::CommandFactory>::command,
        doc: &flamegraph::DOC,
    },
    Tool {
        name: "funclatency",
        about: "a kernel or user function's latency as a histogram",
        main: funclatency::main,
        command: <funclatency::Args as clap::CommandFactory>::command,
        doc: &funclatency::DOC,
    },
    Tool {
        name: "hardirqs",
        about: "hard interrupt handler time or counts by name, totals or histograms",
        main: irqs::hardirqs_main,
        command: <irqs::HardArgs as clap::CommandFactory>::command,
        doc: &irqs::HARDIRQS_DOC,
    },
    Tool {
        name: "killsnoop",
        about: "kill(2) calls with signal, target and result (bcc's killsnoop)",
        main: sigsnoop::killsnoop_main,
        command: <sigsnoop::KillArgs as clap::CommandFactory>::command,
        doc: &sigsnoop::KILLSNOOP_DOC,
    },
    Tool {
        name: "mountsnoop",
        about: "mount(2), umount2(2) and the new mount API calls, flags decoded",
        main: mountsnoop::main,
        command: <mountsnoop::Args as clap::CommandFactory>::command,
        doc: &mountsnoop::DOC,
    },
    Tool {
        name: "offcputime",
        about: "time threads spend blocked (off CPU), summed by stack; folded for flame graphs",
        main: offcputime::main,
        command: <offcputime::Args as clap::CommandFactory>::command,
        doc: &offcputime::DOC,
    },
    Tool {
        name: "oomkill",
        about: "OOM killer victims, who triggered the kill, and memory figures",
        main: oomkill::main,
        command: <oomkill::Args as clap::CommandFactory>::command,
        doc: &oomkill::DOC,
    },
    Tool {
        name: "opensnoop",
        about: "open(2), openat(2) and openat2(2) calls with their results",
        main: opensnoop::main,
        command: <opensnoop::Args as clap::CommandFactory>::command,
        doc: &opensnoop::DOC,
    },
    Tool {
        name: "profile",
        about: "CPU profile: stack traces sampled on every CPU, by count, folded for flame graphs",
        main: profile::main,
        command: <profile::Args as clap::CommandFactory>::command,
        doc: &profile::DOC,
    },
    Tool {
        name: "runqlat",
        about: "run queue (scheduler) latency as a histogram",
        main: runqlat::main,
        command: <runqlat::Args as clap::CommandFactory>::command,
        doc: &runqlat::DOC,
    },
    Tool {
        name: "runqlen",
        about: "run queue length, sampled on every CPU, as a histogram or occupancy",
        main: runqlen::main,
        command: <runqlen::Args as clap::CommandFactory>::command,
        doc: &runqlen::DOC,
    },
    Tool {
        name: "runqslower",
        about: "tasks that waited in the run queue longer than a threshold",
        main: runqslower::main,
        command: <runqslower::Args as clap::CommandFactory>::command,
        doc: &runqslower::DOC,
    },
    Tool {
        name: "sigsnoop",
        about: "signals sent by kill(2), tkill(2), tgkill(2) and the kernel, with results",
        main: sigsnoop::main,
        command: <sigsnoop::Args as clap::CommandFactory>::command,
        doc: &sigsnoop::DOC,
    },
    Tool {
        name: "softirqs",
        about: "soft interrupt handler time and counts by vector, totals or histograms",
        main: irqs::softirqs_main,
        command: <irqs::SoftArgs as clap::CommandFactory>::command,
        doc: &irqs::SOFTIRQS_DOC,
    },
    Tool {
        name: "solisten",
        about: "listen(2) calls of IPv4 and IPv6 sockets: backlog, protocol, address, port",
        main: solisten::main,
        command: <solisten::Args as clap::CommandFactory>::command,
        doc: &solisten::DOC,
    },
    Tool {
        name: "stackcount",
        about: "stacks leading to a tracepoint, user function or kernel function, by count",
        main: stackcount::main,
        command: <stackcount::Args as clap::CommandFactory>::command,
        doc: &stackcount::DOC,
    },
    Tool {
        name: "statsnoop",
        about: "statfs(2), stat(2), lstat(2), fstatat(2) and statx(2) calls with their results",
        main: statsnoop::main,
        command: <statsnoop::Args as clap::CommandFactory>::command,
        doc: &statsnoop::DOC,
    },
    Tool {
        name: "syncsnoop",
        about: "sync(2), fsync(2), fdatasync(2), msync(2), sync_file_range(2) and syncfs(2) calls",
        main: syncsnoop::main,
        command: <syncsnoop::Args as clap::CommandFactory>::command,
        doc: &syncsnoop::DOC,
    },
    Tool {
        name: "syscount",
        about: "system calls counted and timed, by syscall or by process",
        main: syscount::main,
        command: <syscount::Args as clap::CommandFactory>::command,
        doc: &syscount::DOC,
    },
    Tool {
        name: "tcpconnect",
        about: "active TCP connects (attempts that sent a SYN), or counts per destination",
        main: tcpconnect::main,
        command: <tcpconnect::Args as clap::CommandFactory>::command,
        doc: &tcpconnect::DOC,
    },
    Tool {
        name: "tcpconnlat",
        about: "TCP connect latency, SYN sent to connection established, per connect",
        main: tcpconnlat::main,
        command: <tcpconnlat::Args as clap::CommandFactory>::command,
        doc: &tcpconnlat::DOC,
    },
    Tool {
        name: "tcpdrop",
        about: "TCP packets the kernel dropped, with the drop reason and the kernel stack",
        main: tcpdrop::main,
        command: <tcpdrop::Args as clap::CommandFactory>::command,
        doc: &tcpdrop::DOC,
    },
    Tool {
        name: "tcplife",
        about: "TCP connections as they close: owner, addresses, bytes each way, duration",
        main: tcplife::main,
        command: <tcplife::Args as clap::CommandFactory>::command,
        doc: &tcplife::DOC,
    },
    Tool {
        name: "tcpretrans",
        about: "TCP retransmissions with addresses and state, or counted per flow",
        main: tcpretrans::main,
        command: <tcpretrans::Args as clap::CommandFactory>::command,
        doc: &tcpretrans::DOC,
    },
    Tool {
        name: "tcprtt",
        about: "TCP smoothed round-trip time as histograms, overall or per address",
        main: tcprtt::main,
        command: <tcprtt::Args as clap::CommandFactory>::command,
        doc: &tcprtt::DOC,
    },
    Tool {
        name: "tcpstates",
        about: "TCP state changes with the time spent in the old state",
        main: tcpstates::main,
        command: <tcpstates::Args as clap::CommandFactory>::command,
        doc: &tcpstates::DOC,
    },
    Tool {
        name: "tcptop",
        about: "the busiest TCP connections, top-like: KB received and sent per interval",
        main: tcptop::main,
        command: <tcptop::Args as clap::CommandFactory>::command,
        doc: &tcptop::DOC,
    },
    Tool {
        name: "tcptracer",
        about: "TCP connects, accepts and closes with their addresses and ports",
        main: tcptracer::main,
        command: <tcptracer::Args as clap::CommandFactory>::command,
        doc: &tcptracer::DOC,
    },
    Tool {
        name: "threadsnoop",
        about: "threads created with pthread_create(3), with their start functions",
        main: threadsnoop::main,
        command: <threadsnoop::Args as clap::CommandFactory>::command,
        doc: &threadsnoop::DOC,
    },
    Tool {
        name: "wakeuptime",
        about: "blocked time by the kernel stack of the waker; folded for flame graphs",
        main: wakeuptime::main,
        command: <wakeuptime::Args as clap::CommandFactory>::command,
        doc: &wakeuptime::DOC,
    },
];

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
