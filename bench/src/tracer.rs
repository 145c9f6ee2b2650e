//! A tracer (a bpftk tool or bpftrace) started for a measurement: where its
//! output goes, when it became ready, its peak memory, and what it said.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// How long a tool may take to become ready before the run counts as failed.
const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Where the tracer's standard output goes.
pub enum Sink {
    /// A pseudo-terminal, as a user at a shell sees it; ready at its first byte.
    Pty,
    /// /dev/null; ready at the first byte written (the header), from /proc/PID/io.
    Null,
    /// A file; ready at the first byte written.
    File(PathBuf),
    /// A pipe read by us (bpftrace); ready at a line starting with `marker`.
    Lines(&'static str),
}

pub struct Tracer {
    child: Child,
    pub ready_after: Duration,
    stderr: Arc<Mutex<Vec<String>>>,
    stdout: Arc<Mutex<Vec<String>>>,
    _pty: Option<OwnedFd>,
}

impl Tracer {
    /// Start `cmd` and wait until it is ready.
    pub fn start(mut cmd: Command, sink: Sink) -> Result<Tracer> {
        let program = format!("{:?}", cmd.get_program());
        cmd.stdin(Stdio::null()).stderr(Stdio::piped());
        let (tx, rx) = mpsc::channel::<Instant>();
        let mut pty_master = None;
        match &sink {
            Sink::Pty => {
                let pty = nix::pty::openpty(None, None).context("openpty")?;
                cmd.stdout(Stdio::from(pty.slave));
                pty_master = Some(pty.master);
            }
            Sink::Null => {
                cmd.stdout(Stdio::null());
            }
            Sink::File(p) => {
                cmd.stdout(File::create(p).with_context(|| format!("{}", p.display()))?);
            }
            Sink::Lines(_) => {
                cmd.stdout(Stdio::piped());
            }
        }
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {program}"))?;
        let stderr = collect(child.stderr.take().unwrap(), Some(tx.clone()), |l| {
            crate::ready::is_ready_line(l)
        });
        let stdout = match sink {
            Sink::Lines(marker) => {
                collect(child.stdout.take().unwrap(), Some(tx.clone()), move |l| {
                    l.starts_with(marker)
                })
            }
            _ => Arc::new(Mutex::new(Vec::new())),
        };
        let mut pty_keep = None;
        if let Some(master) = pty_master {
            let fd = master.try_clone()?;
            let tx = tx.clone();
            thread::spawn(move || {
                // Drain the terminal for as long as the tool writes to it.
                let mut f = File::from(fd);
                let mut buf = [0u8; 4096];
                let mut first = true;
                while let Ok(n) = f.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if first {
                        let _ = tx.send(Instant::now());
                        first = false;
                    }
                }
            });
            pty_keep = Some(master);
        }
        let pid = child.id();
        loop {
            if let Ok(at) = rx.recv_timeout(Duration::from_millis(2)) {
                let mut t = Tracer {
                    child,
                    ready_after: at - start,
                    stderr,
                    stdout,
                    _pty: pty_keep,
                };
                // The header must not be the only thing it ever writes.
                if let Ok(Some(st)) = t.child.try_wait() {
                    bail!(
                        "{program} exited at once ({st}): {}",
                        t.stderr().join(" / ")
                    );
                }
                t.ready_after = at - start;
                return Ok(t);
            }
            if matches!(sink, Sink::Null | Sink::File(_)) && bytes_written(pid) > 0 {
                let at = Instant::now();
                return Ok(Tracer {
                    child,
                    ready_after: at - start,
                    stderr,
                    stdout,
                    _pty: pty_keep,
                });
            }
            if let Some(st) = child.try_wait()? {
                thread::sleep(Duration::from_millis(50));
                bail!(
                    "{program} exited before it was ready ({st}): {}",
                    stderr.lock().unwrap().join(" / ")
                );
            }
            if start.elapsed() > READY_TIMEOUT {
                let _ = child.kill();
                bail!("{program} was not ready after {READY_TIMEOUT:?}");
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident memory so far (VmHWM), in bytes.
    pub fn peak_rss(&self) -> Result<u64> {
        peak_rss(self.pid())
    }

    /// Stop it as a user would (SIGINT) and wait for it to finish writing.
    pub fn stop(mut self) -> Result<Stopped> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(st) = self.child.try_wait()? {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                bail!("the tracer did not stop within 20 s of SIGINT");
            }
            thread::sleep(Duration::from_millis(5));
        };
        // Let the reader threads take the last lines.
        thread::sleep(Duration::from_millis(30));
        let stderr = self.stderr();
        if !status.success() {
            bail!("the tracer failed ({status}): {}", stderr.join(" / "));
        }
        Ok(Stopped {
            stderr,
            stdout: self.stdout.lock().unwrap().clone(),
        })
    }

    fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub struct Stopped {
    pub stderr: Vec<String>,
    pub stdout: Vec<String>,
}

impl Stopped {
    /// Events the tool reported lost (`N events lost` on stderr), 0 when it said nothing.
    pub fn lost(&self) -> u64 {
        self.stderr
            .iter()
            .filter_map(|l| l.split(": ").nth(1))
            .filter_map(|l| l.strip_suffix(" events lost (ring buffer or in-flight map full)"))
            .filter_map(|n| n.parse::<u64>().ok())
            .sum()
    }
}

/// Collect a stream's lines; send the time of the first line that `ready` accepts.
fn collect(
    r: impl Read + Send + 'static,
    tx: Option<mpsc::Sender<Instant>>,
    ready: impl Fn(&str) -> bool + Send + 'static,
) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = lines.clone();
    thread::spawn(move || {
        let mut sent = false;
        for l in BufReader::new(r).lines().map_while(|l| l.ok()) {
            if !sent && ready(&l) {
                if let Some(tx) = &tx {
                    let _ = tx.send(Instant::now());
                }
                sent = true;
            }
            out.lock().unwrap().push(l);
        }
    });
    lines
}

/// Bytes a process has written so far, to anything (/proc/PID/io wchar).
fn bytes_written(pid: u32) -> u64 {
    proc_field(&format!("/proc/{pid}/io"), "wchar:").unwrap_or(0)
}

pub fn peak_rss(pid: u32) -> Result<u64> {
    proc_field(&format!("/proc/{pid}/status"), "VmHWM:")
        .map(|kb| kb * 1024)
        .with_context(|| format!("no VmHWM for pid {pid}"))
}

fn proc_field(path: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(path)
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Whether `path` is an executable file.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
