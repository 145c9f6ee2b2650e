//! `-c COMMAND`, for the tools that trace a program they start themselves
//! (memleak): the command is forked at once, so that its pid is known for
//! the filters and probes, and held before its exec until the tool is
//! attached, so that nothing it does is missed.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};

/// A forked child waiting to exec its command; killed (SIGTERM) and reaped
/// on drop if it still runs.
pub struct HeldCommand {
    pid: libc::pid_t,
    /// The write end of the pipe the child waits on; closed by `release`.
    go: Option<libc::c_int>,
    /// The read end of a close-on-exec pipe the child holds the write end
    /// of: end of file once it has exec'd, else its exec's errno.
    execd: libc::c_int,
    command: String,
    exited: bool,
}

/// The program of a command: a path as it is, else the first of PATH that
/// is an executable file, as execvp would find it.
fn program(name: &str) -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return match runnable(Path::new(name)) {
            true => Ok(PathBuf::from(name)),
            false => Err(anyhow!("{name}: no such executable file")),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| runnable(p))
        .ok_or_else(|| anyhow!("{name}: command not found on PATH"))
}

impl HeldCommand {
    /// Fork `command` (words split at white space, as bcc splits them) and
    /// hold it before its exec.
    pub fn spawn(command: &str) -> Result<HeldCommand> {
        let words: Vec<&str> = command.split_whitespace().collect();
        let Some(first) = words.first() else {
            bail!("-c: the command is empty");
        };
        let path = CString::new(program(first)?.as_os_str().as_bytes())?;
        let argv: Vec<CString> = words
            .iter()
            .map(|w| CString::new(*w))
            .collect::<Result<_, _>>()?;
        let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
        argv_ptrs.push(std::ptr::null());
        let (mut fds, mut ex) = ([0; 2], [0; 2]);
        // SAFETY: fds has room for the two descriptors pipe2 writes.
        let made = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == 0;
        // SAFETY: as is ex.
        if !made || unsafe { libc::pipe2(ex.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            bail!(
                "-c: cannot make a pipe: {}",
                std::io::Error::last_os_error()
            );
        }
        // SAFETY: the child calls only async-signal-safe functions (read,
        // execv, write, _exit) on memory prepared before the fork.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            // SAFETY: see above; the byte and errno are on this stack.
            unsafe {
                let mut b = 0u8;
                if libc::read(fds[0], (&mut b as *mut u8).cast(), 1) == 1 {
                    libc::execv(path.as_ptr(), argv_ptrs.as_ptr());
                    let e = *libc::__errno_location();
                    libc::write(ex[1], (&e as *const libc::c_int).cast(), 4);
                }
                libc::_exit(127);
            }
        }
        // SAFETY: the parent's copies of the ends the child uses are ours.
        unsafe {
            libc::close(fds[0]);
            libc::close(ex[1]);
        }
        if pid < 0 {
            // SAFETY: the other ends are ours too.
            unsafe {
                libc::close(fds[1]);
                libc::close(ex[0]);
            }
            bail!("-c: cannot fork: {}", std::io::Error::last_os_error());
        }
        Ok(HeldCommand {
            pid,
            go: Some(fds[1]),
            execd: ex[0],
            command: command.to_string(),
            exited: false,
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid as u32
    }

    /// Let the child exec its command, and wait until it has: its memory
    /// map is then the command's.
    pub fn release(&mut self) -> Result<()> {
        let Some(fd) = self.go.take() else {
            return Ok(());
        };
        // SAFETY: fd is the pipe's write end, ours until closed here.
        unsafe {
            libc::write(fd, b"g".as_ptr().cast(), 1);
            libc::close(fd);
        }
        let mut errno: libc::c_int = 0;
        let n = loop {
            // SAFETY: reading at most 4 bytes into errno, from our read end.
            let n = unsafe { libc::read(self.execd, (&mut errno as *mut libc::c_int).cast(), 4) };
            if n >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                break n;
            }
        };
        if n == 4 {
            bail!(
                "-c: cannot run {}: {}",
                self.command,
                std::io::Error::from_raw_os_error(errno)
            );
        }
        Ok(())
    }

    /// Whether the command has exited (it is reaped then).
    pub fn exited(&mut self) -> bool {
        if !self.exited {
            let mut status = 0;
            // SAFETY: a non-blocking wait for our own child.
            let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
            self.exited = r == self.pid || r < 0;
        }
        self.exited
    }
}

impl Drop for HeldCommand {
    fn drop(&mut self) {
        // SAFETY: the read end is ours, closed once, here.
        unsafe { libc::close(self.execd) };
        if let Some(fd) = self.go.take() {
            // SAFETY: closing the write end unblocks the child, which exits.
            unsafe { libc::close(fd) };
        } else if !self.exited() {
            // SAFETY: our own child, not yet reaped.
            unsafe { libc::kill(self.pid, libc::SIGTERM) };
        }
        if !self.exited {
            let mut status = 0;
            // SAFETY: reaping our own child.
            unsafe { libc::waitpid(self.pid, &mut status, 0) };
        }
    }
}
