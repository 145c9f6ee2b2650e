//! threadsnoop: threads created with pthread_create(3), with their start
//! functions by name.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use clap::Parser;
use libtools::stacks::StackResolver;
use libtools::{bail, elf, lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg};
use libtools::{Helper, PidArg, Prog, Result, SinceFirst, Spec, Value};

libtools::skel!("threadsnoop");
use skel::{types::event, ThreadsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    threadsnoop           # trace pthread_create() calls system-wide
    threadsnoop -p 181    # only trace PID 181
    threadsnoop --json    # JSON Lines, one object per new thread";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(ms)", "milliseconds since the first event printed, from the kernel's clock"),
        ("PID", "the process ID of the caller of pthread_create(3), shown whether the call succeeds or not"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("FUNC", "the new thread's start function by name (demangled), from the file the kernel found mapped at its address (5.17+; before, from the live process); file+offset where there is no symbol, its address in hex where nothing is known"),
    ],
    overhead: "A uprobe on pthread_create in one C library: it fires at each call in processes \
that use that library, with a trap into the kernel and a ring buffer event; statically linked \
programs and runtimes that call clone(2) themselves are not seen. Thread creation is seldom \
frequent, except in programs that start a thread per request. The probe finds the file mapped at \
the start function (bpf_find_vma, 5.17+) and its path; user space names the function from that \
file, which costs more than the probe the first time for each file. -p \
filters in the kernel. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["execsnoop", "exitsnoop", "profile"],
    upstream: &[],
    hooks: crate::Hooks::Described(
        "a uprobe on pthread_create in the C library (libc, or libpthread before glibc 2.34); -l overrides the library. From 5.17 the probe also finds the file mapped at the start function (bpf_find_vma); before, the function is named from the live process.",
    ),
};

/// Trace thread creation with pthread_create(3): the process, and the new
/// thread's start function by name (module+offset, then hex, where unnamed).
#[derive(Parser, Debug)]
#[command(name = "threadsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// The library whose pthread_create to probe
    #[arg(short, long, value_name = "PATH")]
    library: Option<PathBuf>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// The library that defines pthread_create.
fn library(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(p) = given {
        if !elf::defines(&p, "pthread_create") {
            bail!("{}: no pthread_create there (or no such file)", p.display());
        }
        return Ok(p);
    }
    ["libc", "libpthread"]
        .into_iter()
        .filter_map(elf::find_library)
        .find(|p| elf::defines(p, "pthread_create"))
        .ok_or_else(|| {
            libtools::anyhow!("no C library with pthread_create found: give it with -l PATH")
        })
}

fn hooks(lib: &Path) -> Vec<AttachPoint> {
    let lib = lib.to_string_lossy();
    vec![AttachPoint::new("thread creation")
        .or([
            Prog::uprobe("uprobe_pthread_create_vma", &lib, "pthread_create")
                .needs(&[Helper::FIND_VMA]),
        ])
        .or([Prog::uprobe("uprobe_pthread_create", &lib, "pthread_create")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    args.pid.check()?;
    let lib = library(args.library.clone())?;

    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks(&lib)), |open| {
        open.rodata()?.targ_tgid = args.pid.tgid();
        Ok(())
    })?;

    let out = Columns::new()
        .always([Column::left("TIME(ms)", 10).key("time_ms")])
        .always(table::pid_comm(7, 16))
        .always([Column::left("FUNC", 0)])
        .stdout(args.common.json);

    let mut resolver = StackResolver::new();
    let since = SinceFirst::new();
    tool.trace(&out, "thread creation", duration, |data| {
        let e: event = libtools::decode(data);
        let file = libtools::sized(&e.path, e.path_len, 0);
        let func = if file.is_empty() {
            // No file from the kernel (before 5.17): named from the
            // process, which must still live.
            let func = resolver.user(e.pid, &[e.start]).remove(0);
            if func.starts_with('[') {
                format!("{:#x}", e.start)
            } else {
                func
            }
        } else {
            let path = Path::new(std::ffi::OsStr::from_bytes(&file));
            resolver
                .file_offset(path, e.file_offset)
                .unwrap_or_else(|| format!("{}+{:#x}", path.display(), e.file_offset))
        };
        out.row_of(&[
            &[Value::Uint(since.ns(e.ts_ns) / 1_000_000)],
            &table::task(e.pid, &e.comm),
            &[Value::Str(&func)],
        ]);
    })
}
