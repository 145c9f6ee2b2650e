//! gethostlatency: how long host name lookups take in libc.

use std::path::{Path, PathBuf};

use clap::Parser;
use libtools::{bail, elf, lifecycle, table, AttachPoint, Column, Columns, Common, DurationArg};
use libtools::{PidArg, Prog, Result, Spec, Value};

libtools::skel!("gethostlatency");
use skel::{types::event, GethostlatencySkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    gethostlatency             # time getaddrinfo/gethostbyname[2] calls
    gethostlatency -p 1216     # only trace PID 1216
    gethostlatency -l /usr/lib/x86_64-linux-gnu/libc.so.6  # probe this libc
    gethostlatency --json      # JSON Lines, with the thread ID";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the lookup returned, HH:MM:SS"),
        ("PID", "the process ID of the caller"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("LATms", "(lat_ms in --json) the lookup's latency, from the call to its return, in milliseconds with three decimals"),
        ("HOST", "the name looked up, as the caller passed it, control characters escaped; one longer than 79 bytes is cut there and ends with ..."),
        ("TID", "the calling thread's ID (--json only)"),
    ],
    overhead: "A uprobe and a uretprobe on each of getaddrinfo, gethostbyname and gethostbyname2 \
in libc: every lookup by every program using that libc traps into the kernel at the call and at \
the return, which costs microseconds against lookups that take from tens of microseconds (from \
/etc/hosts) to seconds (DNS); each lookup sends one ring buffer event. -p filters in the kernel, \
but the probes still fire in every process. At most 10240 threads are timed at once. Programs \
linked statically, or with another libc than the one probed, are not seen. Events the ring \
buffer had no room for are counted and reported at exit.",
    see_also: &["funclatency", "tcpconnect", "tcpconnlat"],
    upstream: &[
        "Without -l, the libc probed is the one process -p has loaded, else the system's \
(the first libc.so.N in the library directories); upstream takes the libc it runs with itself, \
and finds none where the file is named libc.so.6 rather than libc-2.NN.so: changed, the \
process's own libc is the one it calls.",
        "A libc without gethostbyname or gethostbyname2 is probed for what it has; upstream fails: \
changed, getaddrinfo alone is worth timing.",
        "-d and --json (with the thread ID) are additions: kept, they do not clash.",
    ],
    hooks: crate::Hooks::Described(
        "a uprobe and a uretprobe on getaddrinfo, gethostbyname and gethostbyname2 in libc: the one process -p has loaded, else the system's (-l overrides).",
    ),
};

const FUNCTIONS: [&str; 3] = ["getaddrinfo", "gethostbyname", "gethostbyname2"];

/// Show the latency of host name lookups: getaddrinfo(3), gethostbyname(3)
/// and gethostbyname2(3) calls in libc, with the host looked up.
#[derive(Parser, Debug)]
#[command(name = "gethostlatency", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    /// The libc to probe
    #[arg(short, long, value_name = "LIBC")]
    libc: Option<PathBuf>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// The libc to probe and the lookup functions it defines.
fn target(libc: Option<&Path>, pid: Option<u32>) -> Result<(PathBuf, Vec<&'static str>)> {
    let path = match libc {
        Some(p) if !p.exists() => bail!("{}: no such file", p.display()),
        Some(p) => p.to_path_buf(),
        None if pid.is_some() => elf::resolve_function("c", FUNCTIONS[0], pid)?,
        None => elf::find_library("libc").ok_or_else(|| libtools::anyhow!("no libc.so found: give it with -l LIBC"))?,
    };
    let funcs: Vec<_> = FUNCTIONS
        .into_iter()
        .filter(|f| elf::defines(&path, f))
        .collect();
    if funcs.is_empty() {
        bail!("{} defines none of {}", path.display(), FUNCTIONS.join(", "));
    }
    Ok((path, funcs))
}

fn hooks(libc: &Path, funcs: &[&str]) -> Vec<AttachPoint> {
    let libc = libc.to_string_lossy();
    let progs = funcs.iter().flat_map(|f| {
        [
            Prog::uprobe("uprobe_lookup", &libc, f),
            Prog::uretprobe("uretprobe_lookup", &libc, f),
        ]
    });
    vec![AttachPoint::new("lookup call and return").or(progs.collect::<Vec<_>>())]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    args.pid.check()?;
    let (libc, funcs) = target(args.libc.as_deref(), args.pid.pid)?;
    libtools::verbose!("probing {} in {}", funcs.join(", "), libc.display());

    let spec = Spec::hooks(hooks(&libc, &funcs)).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    // libbpf-tools' layout: "%-8s %-7d %-16s %-10.3f %-s".
    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("TIME", 8)])
        .always(table::pid_comm(7, 16))
        .always([Column::left("LATms", 10).key("lat_ms"), Column::left("HOST", 0)])
        .when(json, [Column::left("TID", 0)])
        .stdout(json);
    tool.trace(&out, "host lookups", duration, |data| {
        let e: event = libtools::decode(data);
        let host = libtools::sized(&e.host, e.len, e.truncated);
        out.row_of(&[
            &[Value::now()],
            &table::task(e.pid, &e.comm),
            &[
                Value::Fixed(e.start_ns as f64 / 1e6, 3),
                Value::Bytes(&host),
                Value::Uint(e.tid.into()),
            ],
        ]);
    })
}
