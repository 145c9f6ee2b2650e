//! libtools: the shared runtime of the bpftk tools. It knows no single tool.
//!
//! A tool reads top to bottom like a libbpf-tools `main`: `setup`
//! (privileges, BTF, tracefs), then `lifecycle::start` with its skeleton, a
//! [`Spec`] (hooks, ring size, cgroup) and a closure that sets its rodata,
//! then `Loaded::trace` (ready line, poll, lost events) or its own summaries.

pub mod args;
pub mod argv;
pub mod bpf;
pub mod btf;
pub mod cgroup;
pub mod child;
/// The integer `#define`s of the shared bpf/ headers (libtools/build.rs).
// Generated: C's spelling and parentheses are kept.
#[allow(non_upper_case_globals, unused_parens)]
pub mod consts {
    include!(concat!(env!("OUT_DIR"), "/consts.rs"));
}
pub mod disks;
pub mod elf;
pub mod env;
pub mod filters;
pub mod fs;
pub mod hist;
pub mod hooks;
pub mod irqs;
pub mod lifecycle;
pub mod maps;
pub mod metrics;
pub mod mount;
pub mod names;
pub mod net;
pub mod output;
pub mod perf;
pub mod periodic;
pub mod ready;
pub mod rodata;
pub mod run;
pub mod sched;
pub mod stacks;
pub mod syscalls;
pub mod table;
pub mod tcp;
pub mod top;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

pub use anyhow::{anyhow, bail, Context, Result};
pub use args::{DurationArg, LongDurationArg, NameArg, PidArg, UidArg};
pub use cgroup::CgroupArg;
pub use hooks::{AttachPoint, Helper, HookKind, HookPlan, Prog};
pub use lifecycle::Spec;
pub use output::{Column, Output, Value};
pub use table::{Columns, SinceFirst, Table};

static VERBOSE: AtomicBool = AtomicBool::new(false);
static TOOL: OnceLock<&'static str> = OnceLock::new();

pub fn is_verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// The running tool's name, for messages.
pub fn tool_name() -> &'static str {
    TOOL.get().copied().unwrap_or("bpftk")
}

/// `eprintln!` under -v only, prefixed with the tool's name.
#[macro_export]
macro_rules! verbose {
    ($($arg:tt)*) => {
        if $crate::is_verbose() {
            eprintln!("{}: {}", $crate::tool_name(), format_args!($($arg)*));
        }
    };
}

/// The skeleton that tools/build.rs generated for `bpf/<name>.bpf.c`, as
/// module `skel` (or the name given), with the integer `#define`s of
/// `bpf/<name>.h` as its `consts`. Generated code: its unsafe blocks carry
/// libbpf-cargo's comments, not ours.
#[macro_export]
macro_rules! skel {
    ($name:literal) => {
        $crate::skel!(skel: $name);
    };
    ($module:ident: $name:literal) => {
        #[allow(clippy::undocumented_unsafe_blocks)]
        mod $module {
            include!(concat!(env!("OUT_DIR"), "/", $name, ".skel.rs"));
            #[allow(dead_code, non_upper_case_globals, unused_parens)]
            pub mod consts {
                include!(concat!(env!("OUT_DIR"), "/", $name, ".consts.rs"));
            }
        }
    };
}

/// `-V/--version`: the bpftk version and the commit it was built from.
#[macro_export]
macro_rules! version {
    () => {
        concat!(
            env!("CARGO_PKG_VERSION"),
            " (",
            env!("BPFTK_GIT_COMMIT"),
            ")"
        )
    };
}

/// Flags every tool has.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Common {
    /// Print JSON Lines (one object per event) instead of a table
    #[arg(long)]
    pub json: bool,
    /// Verbose: the chosen hooks and libbpf's log on stderr
    #[arg(short, long)]
    pub verbose: bool,
    /// Take the kernel's types from this BTF file, for kernels without
    /// /sys/kernel/btf/vmlinux (hooks that need the kernel's own BTF,
    /// tp_btf and fentry, are then left out)
    #[arg(long, value_name = "PATH", env = "BPFTK_BTF")]
    pub btf: Option<std::path::PathBuf>,
}

/// Run a tool: parse its arguments with `command`, its clap definition
/// (clap reports usage errors, exit 2), then run it; an error is one line
/// `<tool>: error: ...` and exit 1.
pub fn main<A: clap::FromArgMatches>(
    tool: &'static str,
    command: clap::Command,
    run: fn(A) -> Result<()>,
) -> ! {
    let _ = TOOL.set(tool);
    // Before anything else: a stop signal sent as the tool starts is not
    // lost (nor fatal) while the arguments are parsed; `setup` installs
    // them again.
    let _ = run::install_signal_handlers();
    let mut matches = command
        .try_get_matches_from(tool_args(tool, std::env::args_os().collect()))
        .unwrap_or_else(|e| usage_exit(e));
    let args = A::from_arg_matches_mut(&mut matches).unwrap_or_else(|e| e.exit());
    let code = match run(args) {
        Ok(()) => match output::write_error() {
            // Output that could not be written (a full disk) is a failure,
            // not a reader that went away (EPIPE: a quiet stop, status 0).
            Some(e) => {
                eprintln!("{tool}: error: cannot write output: {e}");
                1
            }
            None => 0,
        },
        Err(e) => {
            eprintln!("{tool}: error: {}", cut_long_words(&format!("{e:#}"), 128));
            1
        }
    };
    std::process::exit(code)
}

/// clap's report of a usage error, with any value too long to read cut
/// (a 100 KB argument is not echoed back); --help and --version as clap has them.
fn usage_exit(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit()
    }
    use std::io::IsTerminal;
    let rendered = e.render();
    let text = if std::io::stderr().is_terminal() {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    eprint!("{}", cut_long_words(&cut_long_quotes(&text, 64), 128));
    std::process::exit(e.exit_code())
}

/// `text` with each '...'-quoted part longer than `max` bytes cut.
fn cut_long_quotes(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, part) in text.split('\'').enumerate() {
        if i > 0 {
            out.push('\'');
        }
        out.push_str(&if i % 2 == 1 {
            cut_long(part, max)
        } else {
            part.to_string()
        });
    }
    out
}

/// `text` with each word (between spaces) longer than `max` bytes cut.
fn cut_long_words(text: &str, max: usize) -> String {
    let words: Vec<String> = text.split(' ').map(|w| cut_long(w, max)).collect();
    words.join(" ")
}

/// `s` as it is, or where longer than `max` bytes, its start and its length.
fn cut_long(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max / 2;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes)", &s[..end], s.len())
}

/// Under the multicall binary (`bpftk opensnoop -p 1`) the tool's name is
/// the first argument: drop the `bpftk` before it.
fn tool_args(tool: &str, mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let program = args
        .first()
        .map(|a| std::path::Path::new(a).to_string_lossy().into_owned());
    let invoked_as_tool = program.is_some_and(|p| p.ends_with(tool));
    if !invoked_as_tool && args.get(1).is_some_and(|a| a == tool) {
        args.remove(0);
    }
    args
}

/// The first step of every tool: -v, libbpf's log, signals, then the
/// environment checks (privileges, BTF, tracefs).
pub fn setup(common: &Common) -> Result<()> {
    VERBOSE.store(common.verbose, Ordering::Relaxed);
    bpf::route_libbpf_log();
    run::install_signal_handlers()?;
    if let Some(path) = &common.btf {
        env::use_btf_file(path)?;
    }
    env::check()
}

/// A `-p PID` filter must name a live process.
pub fn check_pid(pid: Option<u32>) -> Result<()> {
    if let Some(pid) = pid {
        if pid == 0 || !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            bail!("no such process: {pid}");
        }
    }
    Ok(())
}

/// A `-t TID` filter must name a live thread (/proc/TID is there for
/// every thread, though /proc lists only processes).
pub fn check_tid(tid: Option<u32>) -> Result<()> {
    if let Some(tid) = tid {
        if tid == 0 || !std::path::Path::new(&format!("/proc/{tid}")).exists() {
            bail!("no such thread: {tid}");
        }
    }
    Ok(())
}

/// Copy an event out of the ring buffer. Events may be shorter than `T`
/// (variable-length tails): the rest stays zeroed.
pub fn decode<T: plain::Plain + Default>(data: &[u8]) -> T {
    let mut v = T::default();
    let n = data.len().min(std::mem::size_of::<T>());
    // SAFETY: T is Plain (any bytes are a valid T) and n fits both buffers.
    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), &mut v as *mut T as *mut u8, n) };
    v
}

/// A C `char[]` as bytes, all of it (for buffers with an explicit length).
pub fn raw_bytes(s: &[std::ffi::c_char]) -> &[u8] {
    // SAFETY: c_char and u8 have the same size and alignment.
    unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, s.len()) }
}

/// The first `len` bytes of a BPF-read string, with `...` when the BPF
/// side marked it truncated (bpftk.bpf.h's `read_user_path`).
pub fn sized(buf: &[std::ffi::c_char], len: u32, truncated: u8) -> std::borrow::Cow<'_, [u8]> {
    let bytes = raw_bytes(&buf[..(len as usize).min(buf.len())]);
    if truncated == 0 {
        return bytes.into();
    }
    let mut out = bytes.to_vec();
    out.extend_from_slice(b"...");
    out.into()
}

/// A C `char[]` as bytes, up to the first NUL.
pub fn c_bytes(s: &[std::ffi::c_char]) -> &[u8] {
    let b = raw_bytes(s);
    b.iter().position(|&c| c == 0).map_or(b, |n| &b[..n])
}

/// Put `src` into the C `char[]` `dst`, cut to leave room for its NUL.
pub fn set_c_bytes(dst: &mut [std::ffi::c_char], src: &[u8]) {
    let n = src.len().min(dst.len().saturating_sub(1));
    for (i, d) in dst.iter_mut().enumerate() {
        *d = if i < n { src[i] as std::ffi::c_char } else { 0 };
    }
}

/// Substring match on bytes, as bcc's `-n NAME` filters do.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
#[path = "../c_consts.rs"]
mod c_consts;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_cut() {
        let long = "9".repeat(100_000);
        let text = format!("error: invalid value '{long}' for '--pid <PID>': too big\n");
        assert_eq!(
            cut_long_quotes(&text, 64),
            "error: invalid value '99999999999999999999999999999999... (100000 bytes)' for '--pid <PID>': too big\n"
        );
        let short = "error: invalid value 'abc' for '--pid <PID>'";
        assert_eq!(cut_long_quotes(short, 64), short);
        let runtime = format!("no such function: {long} (not in kallsyms)");
        assert_eq!(
            cut_long_words(&runtime, 128),
            format!(
                "no such function: {}... (100000 bytes) (not in kallsyms)",
                &long[..64]
            )
        );
    }

    #[test]
    fn c_bytes_are_cut_to_leave_the_nul() {
        let mut comm = [7 as std::ffi::c_char; 4];
        set_c_bytes(&mut comm, b"ab");
        assert_eq!(c_bytes(&comm), b"ab");
        set_c_bytes(&mut comm, b"abcdef");
        assert_eq!(c_bytes(&comm), b"abc");
    }

    #[test]
    fn c_bytes_stops_at_nul() {
        let s: [std::ffi::c_char; 6] = [b'c' as _, b'a' as _, b't' as _, 0, b'x' as _, 0];
        assert_eq!(c_bytes(&s), b"cat");
        let full: [std::ffi::c_char; 2] = [b'a' as _, b'b' as _];
        assert_eq!(c_bytes(&full), b"ab");
    }

    #[test]
    fn sized_strings_mark_their_cut() {
        let s: [std::ffi::c_char; 4] = [b'a' as _, b'b' as _, b'c' as _, 0];
        assert_eq!(&*sized(&s, 2, 0), b"ab");
        assert_eq!(&*sized(&s, 3, 1), b"abc...");
        assert_eq!(&*sized(&s, 9, 0), b"abc\0");
    }

    #[test]
    fn substring_match_on_bytes() {
        assert!(contains_bytes(b"python3", b"thon"));
        assert!(contains_bytes(b"cat", b""));
        assert!(!contains_bytes(b"cat", b"dog"));
    }

    #[derive(Default, Clone, Copy)]
    #[repr(C)]
    struct Ev {
        a: u32,
        b: [u8; 4],
    }
    // SAFETY: Ev is repr(C) integers and bytes without padding: any bytes are valid.
    unsafe impl plain::Plain for Ev {}

    #[test]
    fn decode_short_events() {
        let ev: Ev = decode(&[1, 0, 0, 0, b'x']);
        assert_eq!(ev.a, 1);
        assert_eq!(ev.b, [b'x', 0, 0, 0]);
    }

    #[test]
    fn multicall_arguments_drop_the_dispatcher() {
        let os = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            tool_args("opensnoop", os(&["bpftk", "opensnoop", "-p", "1"])),
            os(&["opensnoop", "-p", "1"])
        );
        assert_eq!(
            tool_args("opensnoop", os(&["/usr/sbin/opensnoop", "-p", "1"])),
            os(&["/usr/sbin/opensnoop", "-p", "1"])
        );
        assert_eq!(
            tool_args("opensnoop", os(&["bpf-opensnoop", "opensnoop"])),
            os(&["bpf-opensnoop", "opensnoop"])
        );
    }

    #[test]
    fn pid_must_exist() {
        assert!(check_pid(None).is_ok());
        assert!(check_pid(Some(std::process::id())).is_ok());
        assert!(check_tid(Some(std::process::id())).is_ok());
        assert!(check_tid(Some(0)).is_err());
        let e = check_pid(Some(u32::MAX - 1)).unwrap_err().to_string();
        assert!(e.contains("no such process"), "{e}");
    }
}
