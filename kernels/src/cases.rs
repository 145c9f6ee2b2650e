//! For every tool: the arguments it runs with in the guest, how its event is
//! made to happen, and how its output shows that the event was seen.
//! `trigger` runs once the tool is ready and returns a needle; by default a
//! line of the output containing it is the event.

use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::run::{check, helper, helper_spawn};

/// How the output shows the event.
pub enum Seen {
    /// A line containing the needle (as a whole word when it is a number).
    Needle,
    /// For each word of the needle, a line containing it: events of
    /// several hooks, all of which must be seen.
    EveryNeedle,
    /// A log2/linear histogram bucket with a count above zero.
    Histogram,
    /// A row (two or more fields, the last a number) after the line holding this header word.
    TableRowAfter(&'static str),
    /// Any line after the first (a header then at least one event).
    AnyRow,
    /// A row whose field under this header word is a number above zero.
    Counted(&'static str),
    /// The needle is `LABEL VALUE`: a linear histogram headed `LABEL : count`
    /// (cpufreq's, by process name) with samples in the bucket of VALUE.
    BucketUnder,
}

pub struct Case {
    pub args: Vec<String>,
    pub trigger: fn() -> Result<String>,
    pub seen: Seen,
    /// How long the tool keeps running after the trigger, before SIGINT.
    pub settle: Duration,
}

/// A kind of hook that cannot work for a tool on some kernels, and why.
pub struct Known {
    pub tool: &'static str,
    /// A hook kind, or `--btf` for the `--btf` pass whatever hook it took
    /// (`--btf raw_tp`, or `--btf` alone for a tool without a hook plan).
    pub kind: &'static str,
    /// Kernel releases starting with this.
    pub kernel: &'static str,
    pub why: &'static str,
}

impl Known {
    /// Whether this entry is about a result of this kind.
    pub fn covers(&self, kind: &str) -> bool {
        match kind.strip_prefix("--btf") {
            Some(_) if self.kind == "--btf" => true,
            _ => self.kind == kind,
        }
    }
}

/// qemu's TCG emulates no PMU: the guests have no hardware cache counters.
const NO_PMU: &str =
    "qemu's TCG emulates no PMU: the guest has no hardware cache counters, and llcstat says so in one line";

/// tp_btf programs that read a tracepoint's `const void *` argument.
const VOID_ARG: &str = "this kernel's verifier refuses a tp_btf program's read of a const void * tracepoint argument (invalid bpf_context access off=8); memleak picks raw_tp";

/// The guests have no cpufreq driver (yet: branch guest-cpufreq gives them
/// ACPI P-states).
const NO_CPUFREQ: &str = "the guest has no cpufreq driver (qemu's default firmware has no P-states), and cpufreq says so in one line";

pub const KNOWN: &[Known] = &[
    Known {
        tool: "memleak",
        kind: "tp_btf",
        kernel: "6.1",
        why: VOID_ARG,
    },
    Known {
        tool: "memleak",
        kind: "tp_btf",
        kernel: "6.12",
        why: VOID_ARG,
    },
    Known {
        tool: "cpufreq",
        kind: "tp_btf",
        kernel: "",
        why: NO_CPUFREQ,
    },
    Known {
        tool: "cpufreq",
        kind: "raw_tp",
        kernel: "",
        why: NO_CPUFREQ,
    },
    Known {
        tool: "cpufreq",
        kind: "tracepoint",
        kernel: "",
        why: NO_CPUFREQ,
    },
    Known {
        tool: "cpufreq",
        kind: "--btf",
        kernel: "",
        why: NO_CPUFREQ,
    },
    Known {
        tool: "llcstat",
        kind: "perf_event",
        kernel: "",
        why: NO_PMU,
    },
    Known {
        tool: "llcstat",
        kind: "--btf",
        kernel: "",
        why: NO_PMU,
    },
];

fn case(args: &[&str], trigger: fn() -> Result<String>, seen: Seen) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        trigger,
        seen,
        settle: Duration::from_millis(1000),
    }
}

fn slow(mut c: Case, ms: u64) -> Case {
    c.settle = Duration::from_millis(ms);
    c
}

/// The case for `tool`, or None when it is not a tracer.
pub fn for_tool(tool: &str) -> Option<Case> {
    use Seen::*;
    Some(match tool {
        "bashreadline" => case(&[], bash_line, Needle),
        "bindsnoop" => case(&[], udp_bind, Needle),
        "biolatency" => case(&[], disk_reads, Histogram),
        "biopattern" => case(&[], disk_reads_by_name, Needle),
        "biosnoop" => case(&[], disk_reads_by_comm, Needle),
        "biostacks" => case(&[], disk_reads, Histogram),
        "biotop" => case(&["-C", "1"], disk_reads_by_comm, Needle),
        "bitesize" => case(&[], disk_reads_by_comm, Needle),
        "cachestat" => slow(case(&["1"], cached_disk_reads, Counted("MISSES")), 1500),
        "capable" => case(&[], renice, Needle),
        "cpudist" => case(&[], sleeps, Histogram),
        "cpufreq" => case(&["-f", "199"], cpu_frequency_change, BucketUnder),
        "execsnoop" => case(&[], exec_token, Needle),
        "drsnoop" => case(&[], reclaim_in_cgroup, Needle),
        "exitsnoop" => case(&[], exit_3, Needle),
        "filelife" => case(&[], short_lived_files, EveryNeedle),
        "filetop" => case(&["-C", "1"], file_reads_by_comm, Needle),
        "flamegraph" => return None,
        "fsslower" => case(&["-t", "ext4", "-m", "0"], ext4_writes, Needle),
        "ext4slower" => case(&["-m", "0"], ext4_writes, Needle),
        "fsdist" => case(&["-t", "ext4"], ext4_writes, Histogram),
        "ext4dist" => case(&[], ext4_writes, Histogram),
        // The guest kernels have ext4 built in, the other file systems as
        // modules the guest does not load: their aliases (the family's code
        // with another -t) have no file system to trace there.
        "bcachefsdist" | "bcachefsslower" | "btrfsdist" | "btrfsslower" | "f2fsdist"
        | "f2fsslower" | "fusedist" | "fuseslower" | "nfsdist" | "nfsslower" | "xfsdist"
        | "xfsslower" | "zfsdist" | "zfsslower" => return None,
        "funclatency" => case(&["vfs_read"], file_reads, Histogram),
        "futexctn" => case(&[], futex_waits, Needle),
        "gethostlatency" => case(&[], lookup_localhost, Needle),
        "hardirqs" => case(&[], disk_reads, TableRowAfter("HARDIRQ")),
        "killsnoop" | "sigsnoop" => case(&[], kill_child, Needle),
        "klockstat" => case(&[], tty_mutex_contention, Needle),
        // Where the guest has cache counters (KVM with a vPMU), the
        // spinning child's name is in the NAME column after 2 seconds.
        "llcstat" => slow(case(&["2"], spin_by_comm, Needle), 2500),
        "mdflush" => case(&[], md_flush, Needle),
        // Kernel mode, kmalloc-1k only: the pipe_buffer arrays of pipes.
        "memleak" => case(
            &["-z", "1024", "-Z", "1024", "-T", "10000"],
            pipes_held,
            Needle,
        ),
        "mountsnoop" => case(&[], mount_tmpfs, Needle),
        "numamove" => slow(
            case(&["1"], numa_misplaced_pages, Counted("NUMA_migrations")),
            1500,
        ),
        "offcputime" | "wakeuptime" => case(&[], sleeps_by_comm, Needle),
        "oomkill" => slow(case(&[], oom_in_cgroup, Needle), 2000),
        "opensnoop" => case(&["-F"], open_relative_file, Needle),
        "profile" => case(&["-F", "99"], spin_by_comm, Needle),
        "readahead" => case(&[], cold_disk_read, Histogram),
        "runqlat" | "runqlen" => case(&[], sleeps, Histogram),
        "runqslower" => case(&["0"], sleeps, AnyRow),
        "slabratetop" => case(&["-C", "1"], path_lookups_by_cache, Needle),
        "softirqs" => case(&[], sleeps, TableRowAfter("SOFTIRQ")),
        "softirqslower" => case(&["0"], loopback_net_rx, Needle),
        "solisten" => case(&[], tcp_listen, Needle),
        "stackcount" => case(&["vfs_read"], file_reads_by_symbol, Needle),
        "statsnoop" => case(&[], stat_missing, Needle),
        "syncsnoop" => case(&[], sync, Needle),
        "syscount" => case(&[], getppids, Needle),
        "tcpconnect" | "tcpconnlat" | "tcplife" | "tcpstates" | "tcptracer" => {
            case(&[], tcp_transfer, Needle)
        }
        "tcpdrop" => case(&[], tcp_refused, Needle),
        "tcppktlat" => case(&[], tcp_transfer, Needle),
        "tcpsynbl" => case(&[], tcp_transfer, Histogram),
        "tcpretrans" => slow(case(&[], tcp_syn_retransmit, Needle), 3000),
        "tcprtt" => case(&[], tcp_transfer, Histogram),
        "tcptop" => slow(case(&["-C", "1"], tcp_transfer, Needle), 1500),
        "threadsnoop" => case(&[], new_thread, Needle),
        "vfsstat" => slow(case(&["1"], mkdirs, Counted("MKDIR/s")), 1500),
        _ => return Some(case(&[], || bail!("no guest case for this tool"), AnyRow)),
    })
}

/// Whether `out` shows the event, given the trigger's needle.
pub fn seen(how: &Seen, needle: &str, lines: &[&String]) -> bool {
    match how {
        Seen::EveryNeedle => needle
            .split_whitespace()
            .all(|n| seen(&Seen::Needle, n, lines)),
        Seen::Needle => lines.iter().any(|l| {
            if needle.bytes().all(|b| b.is_ascii_digit()) {
                l.split(|c: char| !c.is_ascii_digit()).any(|w| w == needle)
            } else {
                l.contains(needle)
            }
        }),
        Seen::Histogram => lines.iter().any(|l| {
            // `   16 -> 31   : 4   |****   |` (log2) or `  3   : 4   |**  |` (linear)
            let Some((range, rest)) = l.split_once(':') else {
                return false;
            };
            let range = range.replace("->", " ");
            let count = rest
                .split('|')
                .next()
                .and_then(|c| c.trim().parse::<u64>().ok());
            !range.trim().is_empty()
                && range.split_whitespace().all(|w| w.parse::<u64>().is_ok())
                && count.is_some_and(|c| c > 0)
        }),
        Seen::TableRowAfter(header) => lines
            .iter()
            .skip_while(|l| !l.contains(header))
            .skip(1)
            .any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                f.len() >= 2 && f.last().unwrap().parse::<f64>().is_ok()
            }),
        Seen::AnyRow => lines.len() >= 2,
        Seen::BucketUnder => {
            let Some((label, value)) = needle.split_once(' ') else {
                return false;
            };
            let mut under = false;
            lines.iter().any(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                if f.len() >= 3 && f[1] == ":" && f[2] == "count" {
                    under = f[0] == label;
                    return false;
                }
                under
                    && f.len() >= 3
                    && f[0] == value
                    && f[1] == ":"
                    && f[2].parse::<u64>().is_ok_and(|c| c > 0)
            })
        }
        Seen::Counted(header) => {
            let Some(at) = lines
                .iter()
                .position(|l| l.split_whitespace().any(|w| w == *header))
            else {
                return false;
            };
            let col = lines[at]
                .split_whitespace()
                .position(|w| w == *header)
                .unwrap_or(0);
            lines[at + 1..].iter().any(|l| {
                l.split_whitespace()
                    .nth(col)
                    .and_then(|v| v.parse::<u64>().ok())
                    .is_some_and(|v| v > 0)
            })
        }
    }
}

static SEQ: AtomicU32 = AtomicU32::new(0);
static PORT: AtomicU16 = AtomicU16::new(41000);

fn token() -> String {
    format!(
        "bpftk{}x{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

fn port() -> u16 {
    PORT.fetch_add(1, Ordering::Relaxed)
}

/// The test disk: the NVMe drive with serial `bpftk` (scripts/test-kernels).
/// Found by serial, since the md drives beside it may probe first.
pub fn disk() -> String {
    std::fs::read_dir("/sys/block")
        .into_iter()
        .flatten()
        .flatten()
        .find(|b| {
            std::fs::read_to_string(b.path().join("device/serial"))
                .is_ok_and(|s| s.trim() == "bpftk")
        })
        .map(|b| format!("/dev/{}", b.file_name().to_string_lossy()))
        .unwrap_or_else(|| "/dev/nvme0n1".into())
}

/// A file opened by a path relative to the working directory: opensnoop -F
/// shows it absolute, resolved in the kernel.
fn open_relative_file() -> Result<String> {
    let name = token();
    // Written by a path that does not contain the needle.
    std::fs::write(format!("//tmp//{name}"), b"x")?;
    let cwd = std::env::current_dir()?;
    std::env::set_current_dir("/tmp")?;
    let read = std::fs::read(&name);
    std::env::set_current_dir(cwd)?;
    read?;
    Ok(format!("/tmp/{name}"))
}

/// A write and fsync(2) to the md array scripts/test-kernels makes: the
/// fsync sends md0 a flush.
fn md_flush() -> Result<String> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/md0")
        .context("/dev/md0")?;
    f.write_all(&[0u8; 4096])?;
    f.sync_all()?;
    Ok("md0".into())
}

/// One file deleted by unlink, another replaced by a rename over it (left
/// there: deleting it would show its name again, from the unlink).
fn short_lived_files() -> Result<String> {
    let t = token();
    let (unlinked, replaced) = (format!("life-{t}-unlinked"), format!("life-{t}-replaced"));
    std::fs::write(format!("/tmp/{unlinked}"), b"x")?;
    std::fs::remove_file(format!("/tmp/{unlinked}"))?;
    std::fs::write(format!("/tmp/{replaced}"), b"x")?;
    std::fs::write(format!("/tmp/{t}-new"), b"y")?;
    std::fs::rename(format!("/tmp/{t}-new"), format!("/tmp/{replaced}"))?;
    Ok(format!("{unlinked} {replaced}"))
}

fn stat_missing() -> Result<String> {
    let p = format!("/tmp/{}", token());
    let _ = std::fs::metadata(&p);
    Ok(p)
}

fn exec_token() -> Result<String> {
    let t = token();
    helper(&["noop", &t])?;
    Ok(t)
}

fn exit_3() -> Result<String> {
    Ok(helper(&["exit-with", "3"])?.to_string())
}

fn sync() -> Result<String> {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
    Ok("sync".into())
}

fn kill_child() -> Result<String> {
    let mut c = helper_spawn(&["sleep", "10"])?;
    std::thread::sleep(Duration::from_millis(100));
    c.kill()?; // SIGKILL
    c.wait()?;
    Ok(c.id().to_string())
}

fn mount_tmpfs() -> Result<String> {
    let dir = format!("/tmp/mnt-{}", token());
    std::fs::create_dir(&dir)?;
    let (src, fs, target) = (
        CString::new("none")?,
        CString::new("tmpfs")?,
        CString::new(dir.clone())?,
    );
    // SAFETY: every pointer is a live NUL-terminated string or null (no data).
    let rc = unsafe {
        libc::mount(
            src.as_ptr(),
            target.as_ptr(),
            fs.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    check(rc == 0, "mount tmpfs")?;
    // SAFETY: target is a live NUL-terminated path.
    unsafe { libc::umount(target.as_ptr()) };
    Ok(dir)
}

/// Where the guest's disk is mounted as ext2 by the ext4 driver (the cloud
/// kernels build ext4 in, with CONFIG_EXT4_USE_FOR_EXT2): made with
/// busybox's mke2fs the first time. Raw reads of the disk go on working.
const EXT4_DIR: &str = "/mnt/ext4";

fn ext4_mounted() -> Result<()> {
    let mounts = std::fs::read_to_string("/proc/mounts")?;
    if mounts
        .lines()
        .any(|l| l.split_whitespace().nth(1) == Some(EXT4_DIR))
    {
        return Ok(());
    }
    std::fs::create_dir_all(EXT4_DIR)?;
    let (src, fs, target) = (
        CString::new(disk())?,
        CString::new("ext4")?,
        CString::new(EXT4_DIR)?,
    );
    let mount = || {
        // SAFETY: every pointer is a live NUL-terminated string or null (no data).
        unsafe {
            libc::mount(
                src.as_ptr(),
                target.as_ptr(),
                fs.as_ptr(),
                0,
                std::ptr::null(),
            )
        }
    };
    if mount() == 0 {
        return Ok(());
    }
    let made = std::process::Command::new("mke2fs")
        .args(["-q", "-F", &disk()])
        .status()?;
    check(made.success(), "mke2fs")?;
    check(mount() == 0, "mount the ext2 disk by the ext4 driver")
}

/// A file written and synced on ext4; the needle is its name.
fn ext4_writes() -> Result<String> {
    ext4_mounted()?;
    let name = token();
    let mut f = std::fs::File::create(format!("{EXT4_DIR}/{name}"))?;
    for _ in 0..4 {
        f.write_all(&[7u8; 4096])?;
    }
    f.sync_all()?;
    Ok(name)
}

fn renice() -> Result<String> {
    helper(&["renice"])?;
    Ok("CAP_SYS_NICE".into())
}

fn new_thread() -> Result<String> {
    Ok(helper(&["thread"])?.to_string())
}

fn sleeps() -> Result<String> {
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    Ok(String::new())
}

fn sleeps_by_comm() -> Result<String> {
    helper(&["sleep", "0.3"])?;
    Ok("bpftk-guest".into())
}

/// NUMA balancing on, made eager, for a helper that fills memory on node 0
/// and then touches it from node 1's CPU: its pages are misplaced, and the
/// hinting faults migrate them.
fn numa_misplaced_pages() -> Result<String> {
    let knobs = [
        ("/sys/kernel/debug/sched/numa_balancing/scan_delay_ms", "0"),
        (
            "/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms",
            "100",
        ),
    ];
    for (knob, value) in knobs {
        // Older kernels keep them under /proc/sys/kernel: the defaults
        // (a second) are slower but still fit the helper's time.
        let _ = std::fs::write(knob, value);
    }
    std::fs::write("/proc/sys/kernel/numa_balancing", "1").context("turn NUMA balancing on")?;
    let ran = helper(&["numa-touch", "6"]);
    std::fs::write("/proc/sys/kernel/numa_balancing", "0")?;
    ran?;
    Ok(String::new())
}

/// `numa-touch SECS`: 32 MiB written on CPU 0 (node 0), then written again
/// and again from CPU 1 (node 1) for SECS.
pub fn numa_touch(secs: Duration) -> Result<()> {
    fn pin(cpu: usize) -> Result<()> {
        // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET and
        // sched_setaffinity(2) only touch it.
        let rc = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        check(rc == 0, &format!("sched_setaffinity to CPU {cpu}"))
    }
    check(
        std::path::Path::new("/sys/devices/system/node/node1").exists(),
        "a second NUMA node (qemu -numa)",
    )?;
    pin(0)?;
    let mut buf = vec![0u8; 32 << 20];
    let touch = |buf: &mut [u8], round: u8| {
        for i in (0..buf.len()).step_by(4096) {
            buf[i] = round;
        }
    };
    touch(&mut buf, 1);
    pin(1)?;
    let end = std::time::Instant::now() + secs;
    let mut round = 2u8;
    while std::time::Instant::now() < end {
        touch(&mut buf, round);
        round = round.wrapping_add(1);
        std::hint::black_box(&buf);
    }
    Ok(())
}

/// The guest boots at 2000 MHz under the performance governor, on the
/// P-states of kernels/acpi/cpufreq.asl. Capping every CPU at 1600 MHz
/// makes the governor switch, and the cpufreq core fire power:cpu_frequency
/// for each CPU; the helper then spins at that frequency. The cap is lifted
/// afterwards (back to 2000, for the cases after this one).
fn cpu_frequency_change() -> Result<String> {
    let caps: Vec<String> = std::fs::read_dir("/sys/devices/system/cpu")?
        .flatten()
        .map(|e| e.path().join("cpufreq/scaling_max_freq"))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    check(
        !caps.is_empty(),
        "no cpufreq policy: acpi-cpufreq did not take the CPUs",
    )?;
    let set = |khz: &str| -> Result<()> {
        for cap in &caps {
            std::fs::write(cap, khz).with_context(|| format!("write {khz} to {cap}"))?;
        }
        Ok(())
    };
    set("1600000")?;
    let ran = helper(&["spin", "0.8"]);
    set("2000000")?;
    ran?;
    Ok("bpftk-guest 1600".into())
}

fn spin_by_comm() -> Result<String> {
    helper(&["spin", "0.8"])?;
    Ok("bpftk-guest".into())
}

/// Two threads of this process read one pseudo-terminal while it has no
/// input: the first holds the tty's atomic_read_lock (a mutex, taken in
/// n_tty_read) while it waits for a line, the second waits for the mutex;
/// a line for each after 100 ms. klockstat shows n_tty_read as the caller
/// (a contended wait on every route, and both acquisitions with fentry or
/// kprobes).
fn tty_mutex_contention() -> Result<String> {
    use std::fs::File;
    use std::os::fd::FromRawFd;
    // SAFETY: plain libc calls on a descriptor we own; ptsname's buffer is
    // copied before any other call.
    let (mut master, slave) = unsafe {
        let fd = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        check(
            fd >= 0 && libc::grantpt(fd) == 0 && libc::unlockpt(fd) == 0,
            "no pseudo-terminal",
        )?;
        let master = File::from_raw_fd(fd);
        let name = libc::ptsname(fd);
        check(!name.is_null(), "ptsname failed")?;
        let path = std::ffi::CStr::from_ptr(name)
            .to_string_lossy()
            .into_owned();
        (
            master,
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open(path)?,
        )
    };
    let slave = std::sync::Arc::new(slave);
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let slave = slave.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 16];
                (&*slave).read(&mut buf)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    master.write_all(b"a\nb\n")?;
    for r in readers {
        check(matches!(r.join(), Ok(Ok(2))), "a tty reader failed")?;
    }
    Ok("n_tty_read+0x".into())
}

/// Five FUTEX_WAITs of this thread on a word of its own, each ended by a
/// second thread 20 ms later: the word's address is the lock futexctn shows.
fn futex_waits() -> Result<String> {
    use std::sync::atomic::AtomicU32;
    use std::sync::Arc;
    let word = Arc::new(AtomicU32::new(0));
    let addr = Arc::as_ptr(&word) as *const u32;
    let waker = {
        let word = word.clone();
        std::thread::spawn(move || {
            for round in 1..=5 {
                std::thread::sleep(Duration::from_millis(20));
                word.store(round, Ordering::SeqCst);
                // SAFETY: the word is alive (the Arc) and 4-byte aligned.
                unsafe {
                    libc::syscall(
                        libc::SYS_futex,
                        Arc::as_ptr(&word),
                        libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
                        1,
                    )
                };
            }
        })
    };
    for round in 1..=5u32 {
        while word.load(Ordering::SeqCst) < round {
            // SAFETY: as above; no timeout (a null timespec).
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    addr,
                    libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                    round - 1,
                    std::ptr::null::<libc::timespec>(),
                )
            };
        }
    }
    waker
        .join()
        .map_err(|_| anyhow::anyhow!("the waker thread panicked"))?;
    Ok(format!("lock {:#x} contended", addr as usize))
}

/// 64 pipes, kept open until the runner exits (128 descriptors): for each,
/// alloc_pipe_info kmallocs an array of 16 pipe_buffers (kmalloc-1k), still
/// outstanding at memleak's report.
fn pipes_held() -> Result<String> {
    for _ in 0..64 {
        let mut fds = [0; 2];
        // SAFETY: fds has room for the two descriptors pipe writes.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            bail!("pipe: {}", std::io::Error::last_os_error());
        }
    }
    Ok("alloc_pipe_info".into())
}

fn getppids() -> Result<String> {
    for _ in 0..500 {
        // SAFETY: getppid takes no arguments and touches no memory.
        unsafe { libc::syscall(libc::SYS_getppid) };
    }
    Ok("getppid".into())
}

fn mkdirs() -> Result<String> {
    let dir = std::env::temp_dir().join(format!("bpftk-vfsstat-{}", token()));
    for _ in 0..100 {
        std::fs::create_dir(&dir)?;
        std::fs::remove_dir(&dir)?;
    }
    Ok(String::new())
}

fn file_reads() -> Result<String> {
    for _ in 0..50 {
        std::fs::read("/proc/self/stat")?;
    }
    Ok(String::new())
}

fn file_reads_by_comm() -> Result<String> {
    file_reads()?;
    Ok("bpftk-guest".into())
}

fn file_reads_by_symbol() -> Result<String> {
    file_reads()?;
    Ok("vfs_read".into())
}

/// Opens of /dev/null, each a path name from names_cache (a cache of its
/// own everywhere: its usercopy region keeps it from being merged).
fn path_lookups_by_cache() -> Result<String> {
    for _ in 0..1000 {
        std::fs::File::open("/dev/null")?;
    }
    Ok("names_cache".into())
}

fn disk_reads() -> Result<String> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECT)
        .open(disk())
        .with_context(disk)?;
    // O_DIRECT wants an aligned buffer: a page-aligned slice of a bigger one.
    let mut buf = vec![0u8; 8192 + 4096];
    let off = buf.as_ptr().align_offset(4096);
    for _ in 0..32 {
        f.read_exact(&mut buf[off..off + 8192])?;
    }
    Ok(String::new())
}

/// Buffered reads of the disk, a page at a time without readahead, from
/// a cold page cache (misses), then again (hits).
fn cached_disk_reads() -> Result<String> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(disk()).with_context(disk)?;
    fadvise(&f, libc::POSIX_FADV_DONTNEED)?;
    fadvise(&f, libc::POSIX_FADV_RANDOM)?;
    let mut page = [0u8; 4096];
    for _ in 0..2 {
        for i in 0..256 {
            f.read_exact_at(&mut page, i * 4096)?;
        }
    }
    Ok(String::new())
}

/// The disk read in order through the page cache, from a cold cache:
/// readahead brings the pages in, the reads use them.
fn cold_disk_read() -> Result<String> {
    let mut f = std::fs::File::open(disk()).with_context(disk)?;
    fadvise(&f, libc::POSIX_FADV_DONTNEED)?;
    let mut buf = vec![0u8; 64 << 10];
    for _ in 0..32 {
        f.read_exact(&mut buf)?;
    }
    Ok(String::new())
}

fn fadvise(f: &std::fs::File, advice: libc::c_int) -> Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: posix_fadvise reads no memory; the descriptor is open.
    let err = unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, advice) };
    if err != 0 {
        bail!(
            "posix_fadvise {}: {}",
            disk(),
            std::io::Error::from_raw_os_error(err)
        );
    }
    Ok(())
}

fn disk_reads_by_name() -> Result<String> {
    disk_reads()?;
    Ok(disk().trim_start_matches("/dev/").into())
}

fn disk_reads_by_comm() -> Result<String> {
    disk_reads()?;
    Ok("bpftk-guest".into())
}

fn udp_bind() -> Result<String> {
    let p = port();
    let _s = UdpSocket::bind(("127.0.0.1", p))?;
    Ok(p.to_string())
}

/// UDP datagrams over loopback to a socket of our own: each is a NET_RX
/// softirq, raised and run in this process.
fn loopback_net_rx() -> Result<String> {
    let s = UdpSocket::bind(("127.0.0.1", 0))?;
    let mut buf = [0u8; 64];
    for _ in 0..20 {
        s.send_to(&buf, s.local_addr()?)?;
        s.recv(&mut buf)?;
    }
    Ok("net_rx".into())
}

fn tcp_listen() -> Result<String> {
    let p = port();
    let _l = TcpListener::bind(("127.0.0.1", p))?;
    Ok(p.to_string())
}

/// A connection on loopback with data both ways, closed by both ends.
fn tcp_transfer() -> Result<String> {
    let p = port();
    let l = TcpListener::bind(("127.0.0.1", p))?;
    let mut c = TcpStream::connect(("127.0.0.1", p))?;
    let (mut s, _) = l.accept()?;
    let mut buf = [0u8; 4096];
    for _ in 0..10 {
        c.write_all(&buf)?;
        s.read_exact(&mut buf)?;
        s.write_all(&buf[..100])?;
        c.read_exact(&mut buf[..100])?;
    }
    drop(c);
    let _ = s.read(&mut buf)?;
    drop(s);
    Ok(p.to_string())
}

fn tcp_refused() -> Result<String> {
    let p = port();
    check(
        TcpStream::connect(("127.0.0.1", p)).is_err(),
        "connect to a closed port",
    )?;
    Ok(p.to_string())
}

/// A SYN to a listener whose accept queue is full is dropped, then resent
/// after about a second.
fn tcp_syn_retransmit() -> Result<String> {
    let p = port();
    // SAFETY: plain socket calls on descriptors made here, with a sockaddr
    // and its true length; each descriptor is closed once.
    unsafe {
        let l = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        let addr = libc::sockaddr_in {
            sin_family: libc::AF_INET as u16,
            sin_port: p.to_be(),
            sin_addr: libc::in_addr {
                s_addr: u32::from_ne_bytes([127, 0, 0, 1]),
            },
            sin_zero: [0; 8],
        };
        let sa = &addr as *const libc::sockaddr_in as *const libc::sockaddr;
        let len = std::mem::size_of::<libc::sockaddr_in>() as u32;
        check(libc::bind(l, sa, len) == 0, "bind")?;
        check(libc::listen(l, 0) == 0, "listen")?;
        let first = TcpStream::connect(("127.0.0.1", p))?;
        let c = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0);
        libc::connect(c, sa, len);
        // Keep all three open while the tool watches.
        std::mem::forget(first);
    }
    Ok(p.to_string())
}

/// getaddrinfo("localhost") in libc, from this process (the std resolver
/// calls libc's); traced whether or not the guest's /etc/hosts has it.
fn lookup_localhost() -> Result<String> {
    use std::net::ToSocketAddrs;
    let _ = ("localhost", 80).to_socket_addrs();
    Ok("localhost".into())
}

fn bash_line() -> Result<String> {
    let t = token();
    helper(&["bash-line", &format!("echo {t}")])?;
    Ok(format!("echo {t}"))
}

/// A child in a cgroup of 32 MiB that allocates 256 MiB.
fn oom_in_cgroup() -> Result<String> {
    let cg = "/sys/fs/cgroup/bpftk-oom";
    let _ = std::fs::write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    let _ = std::fs::create_dir(cg);
    std::fs::write(format!("{cg}/memory.max"), "33554432").context("memory.max")?;
    let pid = helper(&["hog", cg, "256"])?;
    Ok(pid.to_string())
}

/// A child in a cgroup of 4 MiB reads the 16 MiB disk through the page
/// cache: it must reclaim what it read before to go on (direct reclaim).
fn reclaim_in_cgroup() -> Result<String> {
    let cg = "/sys/fs/cgroup/bpftk-reclaim";
    let _ = std::fs::write("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
    let _ = std::fs::create_dir(cg);
    std::fs::write(format!("{cg}/memory.max"), "4194304").context("memory.max")?;
    let pid = helper(&["read-in", cg])?;
    Ok(pid.to_string())
}

/// The guest helper `read-in CGROUP`: join the cgroup, then read the whole
/// disk from a cold page cache.
pub fn read_disk_in(cgroup: &str) -> Result<()> {
    std::fs::write(
        format!("{cgroup}/cgroup.procs"),
        std::process::id().to_string(),
    )
    .context("cgroup.procs")?;
    let mut f = std::fs::File::open(disk()).with_context(disk)?;
    fadvise(&f, libc::POSIX_FADV_DONTNEED)?;
    let mut buf = vec![0u8; 64 << 10];
    while f.read(&mut buf)? > 0 {}
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{seen, Seen};

    #[test]
    fn a_btf_entry_covers_the_btf_pass_whatever_its_hook() {
        let k = super::Known {
            tool: "t",
            kind: "--btf",
            kernel: "",
            why: "",
        };
        assert!(k.covers("--btf") && k.covers("--btf raw_tp"));
        assert!(!k.covers("raw_tp"));
        let k = super::Known {
            kind: "raw_tp",
            ..k
        };
        assert!(k.covers("raw_tp") && !k.covers("--btf raw_tp") && !k.covers("raw_tp2"));
    }

    #[test]
    fn a_bucket_counts_only_under_its_label() {
        let out: Vec<String> = [
            "Sampling CPU freq system-wide & by process. Ctrl-C to end.",
            "",
            "     bpftk-guest   : count     distribution",
            "        2000       : 5        |****************************************|",
            "",
            "     sh            : count     distribution",
            "        1600       : 3        |****************************************|",
            "",
            "     syswide       : count     distribution",
            "        1600       : 9        |****************************************|",
        ]
        .map(String::from)
        .to_vec();
        let lines: Vec<&String> = out.iter().collect();
        assert!(seen(&Seen::BucketUnder, "bpftk-guest 2000", &lines));
        assert!(seen(&Seen::BucketUnder, "sh 1600", &lines));
        // 1600 has samples, but not bpftk-guest's.
        assert!(!seen(&Seen::BucketUnder, "bpftk-guest 1600", &lines));
        assert!(!seen(&Seen::BucketUnder, "bpftk-guest", &lines));
    }
}
