//! bpftk's end-to-end tests, in one test binary: each module starts the
//! built tools (`CARGO_BIN_EXE_<tool>`) on the running kernel, makes known
//! events happen and checks what the tools printed. Tests of different
//! tools run at the same time in this process, so every assertion looks at
//! the events of the processes, files and ports its own test made.

// Start, wait until ready, stop and read a tool; error and layout checks.
mod common;
// Loopback TCP and UDP traffic with known pids, comms and ports.
mod net;

// Readline calls of an interactive bash on a pseudo-terminal.
mod bashreadline;
// bind(2) calls with their protocol, options, port and address.
mod bindsnoop;
// The block I/O latency histogram of a loop device.
mod biolatency;
// Block I/O requests of a loop device, one line each.
mod biosnoop;
// --btf: the kernel's types from a file where /sys/kernel/btf is hidden.
mod btf_file;
// Block I/O latency by the stack that started it, of a loop device.
mod biostacks;
// Block I/O by process, top-like, of a loop device.
mod biotop;
// bitesize and biopattern: block I/O sizes and sequential/random patterns.
mod blockio;
// Page cache misses and dirtied buffers of a file written, dropped and read back.
mod cachestat;
// Capability checks (cap_capable) with their capability and verdict.
mod capable;
// The on-CPU time histogram of a sleeping and a spinning child.
mod cpudist;
// cpufreq: one error line without a cpufreq driver; histograms by process name with one.
mod cpufreq;
// Direct reclaim of a reader in a small memory cgroup, with its latency and pages.
mod drsnoop;
// exec(2) calls with their arguments, return codes and filters.
mod execsnoop;
// Process exits with their code or signal, age and parent.
mod exitsnoop;
// The latency histogram of a function in a helper program (uprobes).
mod funclatency;
// Futex waits of a helper thread woken after 40 ms, by lock and user stack.
mod futexctn;
// Host name lookups of a helper program (uprobes in libc), with their hosts.
mod gethostlatency;
// File reads and writes by thread, top-like, of a file dd reads.
mod filelife;
mod filetop;
// flamegraph on hostile input: control bytes, bad UTF-8, bad widths.
mod flamegraph;
// fsdist and ext4dist: one dd's operations of ext4, xfs and btrfs in their histograms.
mod fsdist;
// fsslower and ext4slower: one dd's open, writes and fsync of ext4, xfs and btrfs, row by row.
mod fsslower;
// Every tool through full disks, closed and stalled pipes, SIGHUP, huge
// durations, a tiny open-files limit and bytes a terminal would obey.
mod hardening;
// scripts/install and scripts/uninstall: binaries, man pages, completions.
mod install;
// Kernel lock waits of a helper's two tty readers, one mutex contended a known number of times.
mod klockstat;
// hardirqs and softirqs: interrupt time by interrupt.
mod irqs;
// llcstat: hardware cache counters of a cache-heavy thread, or one error line without them.
mod llcstat;
// mdflush: every hook through the verifier, and its one line where md is missing.
mod mdflush;
// memleak: a child's outstanding mallocs by stack, -c, size filters, kernel kmallocs.
mod memleak;
// --metrics: running counters served to promtool and a real Prometheus.
mod metrics;
// mount(2), umount(2) and the new mount API calls.
mod mountsnoop;
// NUMA page migrations per interval (the kernel matrix sees real ones).
mod numamove;
// Off-CPU time by stack of a blocked child.
mod offcputime;
// The OOM killer's victim in a small memory cgroup.
mod oomkill;
// open(2) calls with their fd, error, flags and path.
mod opensnoop;
// profile and flamegraph: sampled stacks of a spinning helper (folded, SVG,
// and pprof as go tool pprof reads it).
mod profile;
// Readahead pages of a cold file read in order (or the hooks this kernel lacks).
mod readahead;
// The run queue latency histogram, per process and per thread.
mod runqlat;
// The run queue length histogram of busy CPUs.
mod runqlen;
// Wakeups that waited in a run queue longer than a threshold.
mod runqslower;
// sigsnoop and killsnoop: signals sent, by whom, to whom, and the result.
mod sigsnoop;
// Allocations from the filp cache by a child opening a file, top-like, by cache.
mod slabratetop;
// Softirqs slower than a threshold: loopback UDP's net_rx in its sender's context.
mod softirqslower;
// listen(2) calls with their backlog, protocol, port and address.
mod solisten;
// Call counts by stack of a kernel function called a known number of times.
mod stackcount;
// stat(2) family calls with their return code, error and path.
mod statsnoop;
// sync(2), fsync(2) and their kin.
mod syncsnoop;
// System call counts and latencies by syscall and by process.
mod syscount;
// TCP connects (active opens) with addresses, ports and bytes.
mod tcpconnect;
// The latency of TCP connects, from SYN sent to established.
mod tcpconnlat;
// TCP packets dropped by the kernel, with the reason and the stack.
mod tcpdrop;
// TCP sessions from open to close, with bytes and duration.
mod tcplife;
// Received TCP data's wait for the reader, per read.
mod tcppktlat;
// TCP retransmissions and tail loss probes.
mod tcpretrans;
// The TCP round-trip time histogram.
mod tcprtt;
// TCP state changes, with the time spent in each state.
mod tcpstates;
// Accept queue lengths of a listener nobody accepts from, by its backlog limit.
mod tcpsynbl;
// TCP throughput by connection, per interval.
mod tcptop;
// TCP connect, accept and close events.
mod tcptracer;
// Thread creation (pthread_create) with the start function.
mod threadsnoop;
// VFS calls per second: known mkdirs, rmdirs, unlinks, opens, fsyncs.
mod vfsstat;
// Time blocked until woken, by waker stack.
mod wakeuptime;
