//! The load generators, run as children of the harness (`bpftk-bench load
//! ...`) so that each has a pid of its own to find in a tool's output.
//! Each prints what it did on one line: `ops SECONDS` or `ns`.

use std::ffi::CString;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// open(2)+close(2) of `path`, unpaced, for `secs` seconds.
pub fn open_close(path: &str, secs: f64) -> Result<()> {
    let c = CString::new(path)?;
    let (start, limit) = (Instant::now(), Duration::from_secs_f64(secs));
    let mut ops: u64 = 0;
    while start.elapsed() < limit {
        // A batch between clock reads keeps the clock out of the figure.
        for _ in 0..64 {
            // SAFETY: c is a valid NUL-terminated path.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY) };
            if fd < 0 {
                bail!("open {path}: {}", std::io::Error::last_os_error());
            }
            // SAFETY: fd was just opened here and is closed once.
            unsafe { libc::close(fd) };
            ops += 1;
        }
    }
    println!("{ops} {}", start.elapsed().as_secs_f64());
    Ok(())
}

/// fork(2) and execl(3) of `/bin/true bpftk-storm`, waited for, unpaced,
/// for `secs` seconds. fork(), not posix_spawn: the child has not touched
/// the literals it passes, as in most programs that run others, so an
/// exec tracer that reads them at entry finds them unmapped (execsnoop
/// reads them again from the new program).
pub fn spawn_true(secs: f64) -> Result<()> {
    let (start, limit) = (Instant::now(), Duration::from_secs_f64(secs));
    let mut ops: u64 = 0;
    while start.elapsed() < limit {
        // SAFETY: this process has one thread; the child only calls execl
        // and _exit, both async-signal-safe.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            bail!("fork: {}", std::io::Error::last_os_error());
        }
        if pid == 0 {
            // SAFETY: NUL-terminated literals and a NULL-terminated list.
            unsafe {
                libc::execl(
                    c"/bin/true".as_ptr(),
                    c"true".as_ptr(),
                    c"bpftk-storm".as_ptr(),
                    std::ptr::null::<libc::c_char>(),
                );
                libc::_exit(127);
            }
        }
        let mut status = 0;
        // SAFETY: pid is the child just forked; status is a valid out pointer.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        ops += 1;
    }
    println!("{ops} {}", start.elapsed().as_secs_f64());
    Ok(())
}

/// A CPU-bound loop of `iters` steps; prints the nanoseconds it took.
pub fn cpu(iters: u64) -> Result<()> {
    let start = Instant::now();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..iters {
        // xorshift: no memory traffic, no calls, nothing to optimise away.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = x.wrapping_add(i);
    }
    std::hint::black_box(x);
    println!("{}", start.elapsed().as_nanos());
    Ok(())
}

/// Parse a generator's line: (operations, seconds).
pub fn parse_ops(line: &str) -> Result<(u64, f64)> {
    let mut it = line.split_whitespace();
    let ops = it.next().context("no count")?.parse()?;
    let secs = it.next().context("no seconds")?.parse()?;
    Ok((ops, secs))
}
