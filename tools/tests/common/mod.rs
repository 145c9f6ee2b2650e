//! End-to-end test support: start a built tool, wait until it is ready
//! (attached), make events happen, stop it with SIGINT and read what it printed.
#![allow(dead_code)]

mod layout;
mod pprof;
pub use layout::*;
pub use pprof::*;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

pub const READY_TIMEOUT: Duration = Duration::from_secs(30);
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(15);

/// The tests load BPF programs: without root they cannot run, and say so.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "bpftk's end-to-end tests must run as root (they load BPF programs): run scripts/test"
    );
}

pub struct Tracer {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    json: bool,
}

pub struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Finished {
    /// Every stdout line parsed as JSON (all must parse).
    pub fn json(&self) -> Vec<serde_json::Value> {
        self.stdout
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
            .collect()
    }
    /// Table rows (stdout after the header), split on whitespace.
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.stdout
            .iter()
            .skip(1)
            .map(|l| l.split_whitespace().map(String::from).collect())
            .collect()
    }
    pub fn assert_success(&self) {
        assert!(
            self.status.success(),
            "tool exited with {:?}\nstderr:\n{}",
            self.status,
            self.stderr.join("\n")
        );
    }
}

fn collect(stream: impl std::io::Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    thread::spawn(move || {
        for line in BufReader::new(stream).split(b'\n').map_while(Result::ok) {
            sink.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&line).into_owned());
        }
    });
    lines
}

impl Tracer {
    /// Start `bin` with `args` and wait until it is ready: the table header
    /// on stdout, or with `--json` the `Tracing ...` line on stderr.
    pub fn start(bin: &str, args: &[&str]) -> Tracer {
        Tracer::start_env(bin, args, &[])
    }

    pub fn start_env(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Tracer {
        require_root();
        let mut child = Command::new(bin)
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let stdout = collect(child.stdout.take().unwrap());
        let stderr = collect(child.stderr.take().unwrap());
        let json = args.contains(&"--json");
        let mut t = Tracer {
            child,
            stdout,
            stderr,
            json,
        };
        t.wait_ready();
        t
    }

    fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            // Tools whose stdout waits for the end (profile -f) announce
            // themselves on stderr, as every tool does with --json.
            let announced = self
                .stderr
                .lock()
                .unwrap()
                .iter()
                .any(|l| libtools::ready::is_ready_line(l));
            let ready = announced || (!self.json && !self.stdout.lock().unwrap().is_empty());
            if ready {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                thread::sleep(Duration::from_millis(100));
                panic!(
                    "tool exited before it was ready ({status}):\n{}",
                    self.stderr.lock().unwrap().join("\n")
                );
            }
            assert!(
                start.elapsed() < READY_TIMEOUT,
                "tool not ready after {READY_TIMEOUT:?}"
            );
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait until some stdout line satisfies `pred`; false on timeout.
    pub fn wait_for(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.stdout.lock().unwrap().iter().any(|l| pred(l)) {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    pub fn wait_for_text(&self, text: &str) -> bool {
        self.wait_for(|l| l.contains(text), EVENT_TIMEOUT)
    }

    /// Wait until some stdout line satisfies `pred`; on timeout, fail the
    /// test, saying what was awaited and what the tool printed so far.
    pub fn expect(&self, what: &str, pred: impl Fn(&str) -> bool) {
        if !self.wait_for(pred, EVENT_TIMEOUT) {
            panic!(
                "{what}: not shown within {EVENT_TIMEOUT:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout.lock().unwrap().join("\n"),
                self.stderr.lock().unwrap().join("\n")
            );
        }
    }

    /// Wait until some stdout line contains `text`, or fail the test.
    pub fn expect_text(&self, text: &str) {
        self.expect(&format!("a line with {text:?}"), |l| l.contains(text));
    }

    /// SIGINT, then collect everything it printed.
    pub fn stop(self) -> Finished {
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGINT);
        self.finish()
    }

    /// Wait for the tool to exit by itself (e.g. `-d`).
    pub fn finish(mut self) -> Finished {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("tool did not exit within 30 s");
            }
            thread::sleep(Duration::from_millis(20));
        };
        // Let the reader threads drain the pipes.
        thread::sleep(Duration::from_millis(100));
        let stdout = self.stdout.lock().unwrap().clone();
        let stderr = self.stderr.lock().unwrap().clone();
        Finished {
            status,
            stdout,
            stderr,
        }
    }
}

/// The whole sequence of most tests: start `bin args` and wait until it is
/// ready, run `trigger` (it makes the events and waits until they are shown,
/// with `Tracer::expect`), stop the tool with SIGINT, check that it exited
/// 0, and return what it printed with what `trigger` returned.
pub fn trace<T>(bin: &str, args: &[&str], trigger: impl FnOnce(&Tracer) -> T) -> (Finished, T) {
    trace_env(bin, args, &[], trigger)
}

/// `trace` with environment variables for the tool (`BPFTK_HOOK`).
pub fn trace_env<T>(
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    trigger: impl FnOnce(&Tracer) -> T,
) -> (Finished, T) {
    let t = Tracer::start_env(bin, args, env);
    let made = trigger(&t);
    let f = t.stop();
    f.assert_success();
    (f, made)
}

/// Tests that keep the CPUs busy on purpose (spinning children, threads
/// crowding the run queues) take turns, and tests that measure how long a
/// child sleeps or blocks do not run beside them: all the tools' tests run
/// at once in this one process, and a crowd would take a spinner's samples
/// or stretch a 100 ms sleep past its histogram bucket. Hold the guard for
/// the whole test: `cpu_hog()` alone, `timing()` with one another.
static CPUS: RwLock<()> = RwLock::new(());

pub fn cpu_hog() -> RwLockWriteGuard<'static, ()> {
    // A test that failed holding it leaves it poisoned, not taken.
    CPUS.write().unwrap_or_else(|e| e.into_inner())
}

pub fn timing() -> RwLockReadGuard<'static, ()> {
    CPUS.read().unwrap_or_else(|e| e.into_inner())
}

/// A test that fails before stopping its tracer leaves no tracer running.
impl Drop for Tracer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Run a tool to completion (for bad-input and load-only checks).
pub fn run(bin: &str, args: &[&str], env: &[(&str, &str)]) -> Finished {
    let out = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let lines = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .map(String::from)
            .collect()
    };
    Finished {
        status: out.status,
        stdout: lines(&out.stdout),
        stderr: lines(&out.stderr),
    }
}

/// A usage error: clap's message, exit status 2, no panic.
pub fn assert_usage_error(bin: &str, args: &[&str]) {
    let f = run(bin, args, &[]);
    assert_eq!(
        f.status.code(),
        Some(2),
        "{args:?} should be a usage error: {:?}",
        f.stderr
    );
    assert!(!f.stderr.join("\n").contains("panicked"), "{:?}", f.stderr);
}

/// A runtime error: exactly one line `<tool>: error: ...` containing `what`, exit 1.
pub fn assert_runtime_error(bin: &str, args: &[&str], env: &[(&str, &str)], what: &str) {
    let f = run(bin, args, env);
    let tool = bin.rsplit('/').next().unwrap();
    assert_eq!(
        f.status.code(),
        Some(1),
        "{args:?} should fail with exit 1: {:?}",
        f.stderr
    );
    assert_eq!(f.stderr.len(), 1, "one line expected, got {:?}", f.stderr);
    assert!(
        f.stderr[0].starts_with(&format!("{tool}: error: ")),
        "{:?}",
        f.stderr
    );
    assert!(
        f.stderr[0].contains(what),
        "expected {what:?} in {:?}",
        f.stderr
    );
}

/// Without CAP_BPF/CAP_PERFMON (setpriv drops every capability and becomes
/// nobody) the tool says what is missing and exits 1.
pub fn assert_needs_privileges(bin: &str, args: &[&str]) {
    require_root();
    let mut full = vec![
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        bin,
    ];
    full.extend_from_slice(args);
    let f = run("setpriv", &full, &[]);
    let tool = bin.rsplit('/').next().unwrap();
    assert_eq!(
        f.status.code(),
        Some(1),
        "unprivileged run should fail with exit 1: {:?}",
        f.stderr
    );
    assert_eq!(f.stderr.len(), 1, "{:?}", f.stderr);
    assert!(
        f.stderr[0].starts_with(&format!("{tool}: error: insufficient privileges")),
        "{:?}",
        f.stderr
    );
    assert!(f.stderr[0].contains("CAP_BPF"), "{:?}", f.stderr);
}

/// Whether this kernel loads fentry programs at all (ours refuses them):
/// the same trial load that hook selection makes.
pub fn kernel_loads_fentry() -> bool {
    use libtools::hooks::{Kernel, LiveKernel};
    LiveKernel::default().can_fentry("do_sys_openat2")
}

/// Push every hook alternative of a tool through the verifier: for each hook
/// kind, `BPFTK_HOOK=<kind> BPFTK_LOAD_ONLY=1` must load. fentry programs are
/// refused by kernels in lockdown (ours): that is reported, and the qemu
/// kernel matrix covers them.
pub fn assert_all_hooks_load(bin: &str, args: &[&str]) {
    assert_hooks_load(
        bin,
        args,
        &[
            "tp_btf",
            "raw_tp",
            "tracepoint",
            "fentry",
            "kprobe",
            "uprobe",
        ],
    );
}

/// [`assert_all_hooks_load`] for a tool that offers only these kinds (one
/// that needs fentry or kprobes, and fails without them).
pub fn assert_hooks_load(bin: &str, args: &[&str], kinds: &[&str]) {
    require_root();
    for &kind in kinds {
        let f = run(bin, args, &[("BPFTK_HOOK", kind), ("BPFTK_LOAD_ONLY", "1")]);
        if kind == "fentry" && !f.status.success() && !kernel_loads_fentry() {
            let err = f.stderr.join(" ");
            assert!(
                err.contains("Operation not permitted") || err.contains("Permission denied"),
                "{err}"
            );
            eprintln!("NOTE: {bin}: this kernel refuses fentry programs (lockdown); fentry alternatives are verified by scripts/test-kernels");
            continue;
        }
        assert!(
            f.status.success(),
            "BPFTK_HOOK={kind}: load failed:\n{}",
            f.stderr.join("\n")
        );
        assert!(
            f.stderr.iter().any(|l| l.contains(": loaded ")),
            "BPFTK_HOOK={kind}: {:?}",
            f.stderr
        );
    }
}

/// Whether the kernel has block driver `name` ("md") loaded: /proc/devices.
pub fn block_driver_loaded(name: &str) -> bool {
    let devices = std::fs::read_to_string("/proc/devices").unwrap_or_default();
    devices
        .lines()
        .skip_while(|l| !l.starts_with("Block devices:"))
        .any(|l| l.split_whitespace().nth(1) == Some(name))
}

/// A unique path under the temp directory for this test.
pub fn unique_path(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("bpftk-{tag}-{}-{nanos}", std::process::id()))
}

/// A file that exists, with a name no other process will touch.
pub fn unique_file(tag: &str) -> String {
    let p = unique_path(tag);
    std::fs::write(&p, b"x").unwrap();
    p.to_string_lossy().into_owned()
}

/// Run `program args...` to completion as a child; returns its pid.
pub fn run_child(program: &str, args: &[&str]) -> u32 {
    let mut c = std::process::Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// The table row whose last column is exactly `last` (a path, say).
pub fn row_ending_with<'a>(rows: &'a [Vec<String>], last: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r.last().map(String::as_str) == Some(last))
        .unwrap_or_else(|| panic!("no row ending with {last} in {rows:?}"))
}

/// A child whose pid is known before it runs `command`: a shell that waits
/// for a line on stdin, then execs the command (same pid). For `-p` tests,
/// where the tool must start after the pid exists and before the event.
pub struct GatedChild(Child);

impl GatedChild {
    pub fn spawn(command: &str) -> GatedChild {
        let child = Command::new("sh")
            .args(["-c", &format!("read x; exec {command}")])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start sh: {e}"));
        GatedChild(child)
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Let the command run and wait for it; true when it exited 0.
    pub fn release(mut self) -> bool {
        use std::io::Write;
        self.0.stdin.take().unwrap().write_all(b"go\n").unwrap();
        self.0.wait().unwrap().success()
    }
}

/// A fresh cgroup v2 directory for `-c` tests, removed on drop.
pub struct TestCgroup {
    pub path: PathBuf,
}

impl TestCgroup {
    pub fn new(tag: &str) -> TestCgroup {
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
        let root = mounts
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(f[1]))
            })
            .expect("no cgroup2 file system is mounted");
        let name = unique_path(tag).file_name().unwrap().to_owned();
        let path = root.join(name);
        std::fs::create_dir(&path).unwrap_or_else(|e| panic!("mkdir {path:?}: {e}"));
        TestCgroup { path }
    }

    pub fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// Start `program args...` inside this cgroup: a shell moves itself in,
    /// then execs the program (same pid).
    pub fn spawn(&self, program: &str, args: &[&str]) -> Child {
        let procs = self.path.join("cgroup.procs");
        let script = format!("echo $$ > '{}' && exec \"$@\"", procs.display());
        Command::new("sh")
            .args(["-c", &script, "sh", program])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Run `program args...` to completion inside this cgroup; returns the pid.
    pub fn run(&self, program: &str, args: &[&str]) -> u32 {
        let mut c = self.spawn(program, args);
        let pid = c.id();
        c.wait().unwrap();
        pid
    }
}

impl Drop for TestCgroup {
    fn drop(&mut self) {
        // An exited child may take a moment to leave the cgroup.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.path).is_ok() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A memory cgroup limited to `limit` bytes, with no swap, where the
/// memory controller is (cgroup v1's /sys/fs/cgroup/memory, or v2's root),
/// removed on drop: what a child inside it does to memory puts nothing
/// outside it at risk.
pub struct MemCgroup(pub PathBuf);

impl MemCgroup {
    pub fn new(tag: &str, limit: u64) -> MemCgroup {
        let name = unique_path(tag).file_name().unwrap().to_owned();
        let v1 = PathBuf::from("/sys/fs/cgroup/memory");
        if v1.join("memory.limit_in_bytes").exists() {
            let dir = v1.join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("memory.limit_in_bytes"), limit.to_string()).unwrap();
            // Where swap is accounted, forbid it too.
            let _ = std::fs::write(dir.join("memory.memsw.limit_in_bytes"), limit.to_string());
            return MemCgroup(dir);
        }
        let root = PathBuf::from("/sys/fs/cgroup");
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
        let dir = root.join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("memory.max"), limit.to_string()).unwrap();
        let _ = std::fs::write(dir.join("memory.swap.max"), "0");
        MemCgroup(dir)
    }

    /// Start `program args...` inside: a shell moves itself in, then execs
    /// the program (same pid).
    pub fn spawn(&self, program: &str, args: &[&str]) -> Child {
        let procs = self.0.join("cgroup.procs");
        let script = format!("echo $$ > '{}' && exec \"$@\"", procs.display());
        Command::new("sh")
            .args(["-c", &script, "sh", program])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }
}

impl Drop for MemCgroup {
    fn drop(&mut self) {
        // An exited child may take a moment to leave the cgroup.
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Build the C test helper tools/tests/helpers/NAME.c with the system's C
/// compiler (frame pointers and symbols kept, for stack walking), once per
/// test binary; `stripped` gives a copy without symbols.
pub fn c_helper(name: &str, stripped: bool) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let tag = format!("{name}{}", if stripped { "-stripped" } else { "" });
    let mut built = BUILT.lock().unwrap();
    if let Some((_, p)) = built.iter().find(|(t, _)| *t == tag) {
        return p.clone();
    }
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/helpers/{name}.c"));
    let out =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
    let status = Command::new("cc")
        .args(["-O1", "-g", "-fno-omit-frame-pointer", "-pthread", "-o"])
        .arg(&out)
        .arg(&src)
        .status()
        .expect("cannot run cc");
    assert!(status.success(), "cc {src:?} failed");
    if stripped {
        let status = Command::new("strip")
            .arg(&out)
            .status()
            .expect("cannot run strip");
        assert!(status.success(), "strip {out:?} failed");
    }
    built.push((tag, out.clone()));
    out
}

/// A loop device over a 16 MiB temporary file, detached on drop.
pub struct LoopDevice {
    pub dev: String,
    file: PathBuf,
}

impl LoopDevice {
    pub fn new() -> LoopDevice {
        let file = unique_path("loop");
        std::fs::write(&file, vec![1u8; 16 << 20]).unwrap();
        let out = Command::new("losetup")
            .args(["-f", "--show"])
            .arg(&file)
            .output()
            .expect("losetup");
        assert!(
            out.status.success(),
            "losetup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dev = String::from_utf8(out.stdout).unwrap().trim().to_string();
        LoopDevice { dev, file }
    }

    /// The disk's name, as /proc/partitions has it (`loop3`).
    pub fn name(&self) -> &str {
        self.dev.trim_start_matches("/dev/")
    }

    /// `count` O_DIRECT reads of `bs` bytes by dd, from `skip` blocks in;
    /// returns dd's pid.
    pub fn read_direct(&self, bs: &str, count: u32, skip: u32) -> u32 {
        run_child(
            "dd",
            &[
                &format!("if={}", self.dev),
                "of=/dev/null",
                &format!("bs={bs}"),
                &format!("count={count}"),
                &format!("skip={skip}"),
                "iflag=direct",
            ],
        )
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.dev]).status();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// A file system of type `fstype` made on a sparse image file and mounted
/// (through a loop device) on a temporary directory; unmounted, detached
/// and removed on drop.
pub struct FsImage {
    pub dir: PathBuf,
    image: PathBuf,
}

impl FsImage {
    /// Err(why) only when this kernel has no such file system.
    pub fn new(fstype: &str) -> Result<FsImage, String> {
        require_root();
        let known = std::fs::read_to_string("/proc/filesystems").unwrap();
        if !known
            .lines()
            .any(|l| l.split_whitespace().last() == Some(fstype))
        {
            return Err(format!(
                "this kernel has no {fstype} (not in /proc/filesystems)"
            ));
        }
        let image = unique_path(&format!("{fstype}-image"));
        // 320 MiB, xfs's minimum; sparse, so it costs what the tests write.
        std::fs::File::create(&image)
            .unwrap()
            .set_len(320 << 20)
            .unwrap();
        let force = if fstype == "ext4" { "-F" } else { "-f" };
        let mkfs = Command::new(format!("mkfs.{fstype}"))
            .args(["-q", force])
            .arg(&image)
            .output()
            .unwrap_or_else(|e| panic!("mkfs.{fstype} (scripts/setup installs it): {e}"));
        assert!(
            mkfs.status.success(),
            "mkfs.{fstype}: {}",
            String::from_utf8_lossy(&mkfs.stderr)
        );
        let dir = unique_path(&format!("{fstype}-mnt"));
        std::fs::create_dir(&dir).unwrap();
        let mount = Command::new("mount")
            .args(["-t", fstype, "-o", "loop"])
            .arg(&image)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            mount.status.success(),
            "mount {fstype}: {}",
            String::from_utf8_lossy(&mount.stderr)
        );
        Ok(FsImage { dir, image })
    }

    /// A path in the mounted file system.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for FsImage {
    fn drop(&mut self) {
        // The loop device was set up with autoclear: umount detaches it.
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
        let _ = std::fs::remove_file(&self.image);
    }
}

/// The counts of a table histogram whose bucket lines (`lo -> hi : count
/// |...|`) begin `lines`, summed up to the first line that is none.
pub fn bucket_total(lines: &[String]) -> u64 {
    lines
        .iter()
        .take_while(|l| l.contains("->"))
        .map(|l| {
            l.split(':')
                .nth(1)
                .and_then(|c| c.split_whitespace().next())
                .and_then(|c| c.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("not a bucket line: {l:?}"))
        })
        .sum()
}

/// The spin helper (comm `spin`; with getppid bursts when `syscalls`),
/// spinning until the test is done with it: killed on drop. It outlives the
/// tracers of it however long a loaded machine takes to start them.
pub struct Spin(Child);

impl Spin {
    pub fn id(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Spin {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn spin(syscalls: bool, stripped: bool) -> Spin {
    let mut c = Command::new(c_helper("spin", stripped));
    c.arg("600");
    if syscalls {
        c.arg("syscalls");
    }
    Spin(c.spawn().unwrap())
}
