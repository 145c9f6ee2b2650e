//! Running one tool in the guest: start it, wait until it is ready, make its
//! event happen, stop it with SIGINT, and keep everything it printed.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// Emulated (TCG) guests are slow: a tool may take seconds to load.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

/// What a tool printed, and how it ended.
pub struct Output {
    pub ok: bool,
    /// It did not stop on SIGINT and had to be killed.
    pub stuck: bool,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Output {
    pub fn lines(&self) -> impl Iterator<Item = &String> {
        self.stdout.iter().chain(self.stderr.iter())
    }

    /// The tool's one-line error (`TOOL: error: ...`), if it printed one.
    pub fn error_line(&self) -> Option<String> {
        self.stderr
            .iter()
            .find(|l| l.contains(": error: "))
            .cloned()
    }
}

fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let out = lines.clone();
    thread::spawn(move || {
        for l in BufReader::new(r).lines().map_while(|l| l.ok()) {
            out.lock().unwrap().push(l);
        }
    });
    lines
}

/// Start `bpftk TOOL ARGS` with `env`; Err with its output when it ends or
/// stalls before it is ready.
pub fn start(
    bpftk: &str,
    tool: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<Running, Output> {
    let mut child = match Command::new(bpftk)
        .arg(tool)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Err(Output {
                ok: false,
                stuck: false,
                stdout: vec![],
                stderr: vec![format!("{tool}: error: cannot start: {e}")],
            })
        }
    };
    let stdout = collect(child.stdout.take().unwrap());
    let stderr = collect(child.stderr.take().unwrap());
    let start = Instant::now();
    loop {
        // Ready: the header (or anything) on stdout, or a Tracing/Sampling line.
        let ready = !stdout.lock().unwrap().is_empty()
            || stderr
                .lock()
                .unwrap()
                .iter()
                .any(|l| crate::ready::is_ready_line(l));
        if ready {
            return Ok(Running {
                child,
                stdout,
                stderr,
            });
        }
        if let Ok(Some(st)) = child.try_wait() {
            thread::sleep(Duration::from_millis(100));
            return Err(Output {
                ok: st.success(),
                stuck: false,
                stdout: stdout.lock().unwrap().clone(),
                stderr: stderr.lock().unwrap().clone(),
            });
        }
        if start.elapsed() > READY_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let mut err = stderr.lock().unwrap().clone();
            err.push(format!("{tool}: error: not ready after {READY_TIMEOUT:?}"));
            return Err(Output {
                ok: false,
                stuck: false,
                stdout: stdout.lock().unwrap().clone(),
                stderr: err,
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
}

impl Running {
    /// SIGINT, as a user stops a tool; its whole output. A tool that does
    /// not stop gets SIGKILL, and what its threads are doing in the kernel
    /// (/proc/PID/task/*/stack) goes into its output: a tool stuck in the
    /// kernel is a finding, and the guest moves on to the next tool.
    pub fn stop(mut self) -> Output {
        let pid = self.child.id() as i32;
        // SAFETY: kill(2) touches no memory; pid is our own child.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let (ok, stuck) = match wait_for(&mut self.child, STOP_TIMEOUT) {
            Some(st) => (st.success(), false),
            None => {
                let stacks = kernel_stacks(pid);
                eprintln!("guest: pid {pid} did not stop on SIGINT; in the kernel:\n{stacks}");
                let _ = self.child.kill();
                let mut err = self.stderr.lock().unwrap();
                err.push(format!(
                    "error: did not stop on SIGINT; in the kernel: {}",
                    stacks.replace('\n', " / ")
                ));
                if wait_for(&mut self.child, KILL_TIMEOUT).is_none() {
                    err.push("error: still there after SIGKILL".into());
                }
                (false, true)
            }
        };
        thread::sleep(Duration::from_millis(100));
        Output {
            ok,
            stuck,
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        }
    }
}

const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// The child's exit status, or None when it is still running after `limit`.
fn wait_for(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(st)) => return Some(st),
            Ok(None) if start.elapsed() < limit => thread::sleep(Duration::from_millis(20)),
            _ => return None,
        }
    }
}

/// Each thread's state and kernel stack, as /proc shows them.
fn kernel_stacks(pid: i32) -> String {
    let mut out = String::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return "(gone)".into();
    };
    for t in tasks.flatten() {
        let dir = t.path();
        let state = std::fs::read_to_string(dir.join("status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("State:"))
                    .map(String::from)
            })
            .unwrap_or_default();
        let stack = std::fs::read_to_string(dir.join("stack")).unwrap_or_default();
        out.push_str(&format!(
            "task {} {}\n{}",
            t.file_name().to_string_lossy(),
            state,
            stack
        ));
    }
    out.trim_end().to_string()
}

/// Run a helper subcommand of this program to completion; its pid.
pub fn helper(args: &[&str]) -> Result<u32> {
    let mut c = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let pid = c.id();
    c.wait()?;
    Ok(pid)
}

/// Start a helper subcommand and leave it running.
pub fn helper_spawn(args: &[&str]) -> Result<Child> {
    Ok(Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?)
}

pub fn check(ok: bool, what: &str) -> Result<()> {
    if !ok {
        bail!("{what}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shows_each_threads_state() {
        let me = std::process::id() as i32;
        let s = super::kernel_stacks(me);
        assert!(s.starts_with(&format!("task {me} State:")), "{s}");
        assert_eq!(super::kernel_stacks(i32::MAX), "(gone)");
    }
}
