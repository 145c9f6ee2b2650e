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
                .any(|l| l.starts_with("Tracing") || l.starts_with("Sampling"));
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
                stdout: stdout.lock().unwrap().clone(),
                stderr: err,
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
}

impl Running {
    /// SIGINT, as a user stops a tool; its whole output.
    pub fn stop(mut self) -> Output {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGINT) };
        let start = Instant::now();
        let ok = loop {
            match self.child.try_wait() {
                Ok(Some(st)) => break st.success(),
                Ok(None) if start.elapsed() < STOP_TIMEOUT => {
                    thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    self.stderr
                        .lock()
                        .unwrap()
                        .push("error: did not stop on SIGINT".into());
                    break false;
                }
            }
        };
        thread::sleep(Duration::from_millis(100));
        let out = Output {
            ok,
            stdout: self.stdout.lock().unwrap().clone(),
            stderr: self.stderr.lock().unwrap().clone(),
        };
        out
    }
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
