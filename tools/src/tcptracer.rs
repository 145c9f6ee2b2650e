//! tcptracer: TCP connects, accepts and closes with their addresses and ports.

use clap::Parser;
use libtools::net::FamilyArg;
use libtools::tcp::{self, RelTime};
use libtools::{anyhow, lifecycle, AttachPoint, Column, Columns, Common, DurationArg, HookKind};
use libtools::{PidArg, Prog, Result, Spec, UidArg, Value};

libtools::skel!("tcptracer");
use skel::{types::event, TcptracerSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcptracer              # trace TCP connects, accepts and closes
    tcptracer -t           # include timestamps
    tcptracer -p 181       # only trace PID 181
    tcptracer -U           # include UID
    tcptracer -u 1000      # only trace UID 1000
    tcptracer -N 4026531840 # only trace this network namespace
    tcptracer -6           # only trace IPv6
    tcptracer --json       # JSON Lines, one object per event

T is C for connect (an outgoing connection got established, shown for the
process that called connect), A for accept, X for close (the process ended
its side: close, exit, or shutdown for writing).";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first event printed (-t)"),
        ("UID", "the user ID of the process (-U)"),
        ("T", "C: an outgoing connection got established (for the process that called connect(2)); A: the process accepted a connection; X: the process ended its side (close, exit, shutdown for writing); --json key type: connect, accept, close"),
        ("PID", "the process ID"),
        ("COMM", "its thread's name, cut to 12 characters in the table as libbpf-tools does (--json has all of it)"),
        ("IP", "4 or 6"),
        ("SADDR", "the local address"),
        ("DADDR", "the remote address"),
        ("SPORT", "the local port"),
        ("DPORT", "the remote port"),
    ],
    overhead: "On the preferred hooks the programs run at every TCP state change on the system, at \
every accept(2) and accept4(2) return, and at the entry and exit of every close(2) of any file \
descriptor, where they look the descriptor up and remember TCP sockets for the length of the call. \
A connect costs two hash map updates; each event shown costs a ring buffer event. -p, -u, -N, -4 \
and -6 filter in the kernel. On a system closing many files a second the close(2) hooks are the main \
cost; the fentry and kprobe alternatives hook tcp_close instead. Events the ring buffer had no \
room for are counted and reported at exit.",
    see_also: &["tcpconnect", "tcpconnlat", "tcplife", "tcpstates"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "tcptracer", points: hooks },
};

/// Trace TCP connections: connects (C), accepts (A) and closes (X) with
/// their addresses and ports. SADDR/SPORT are the local end.
#[derive(Parser, Debug)]
#[command(name = "tcptracer", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Include a timestamp column: seconds since the first event
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Include a UID column
    #[arg(short = 'U', long = "print-uid")]
    print_uid: bool,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    uid: UidArg,
    /// Only trace this network namespace (its inode number, as in /proc/PID/ns/net)
    #[arg(short = 'N', long, value_parser = clap::value_parser!(u32).range(1..))]
    netns: Option<u32>,
    #[command(flatten)]
    family: FamilyArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![
        tcp::connect_hooks("tcp_set_state", "fentry_set_state", "kp_set_state"),
        AttachPoint::new("accept")
            .or([
                Prog::tracepoint("tp_exit_accept", "syscalls:sys_exit_accept").optional(),
                Prog::tracepoint("tp_exit_accept4", "syscalls:sys_exit_accept4"),
            ])
            .or([Prog::fexit("fexit_accept", "inet_csk_accept")])
            .or([Prog::kretprobe("krp_accept", "inet_csk_accept")]),
        AttachPoint::new("close")
            .or([
                Prog::tracepoint("tp_enter_close", "syscalls:sys_enter_close"),
                Prog::tracepoint("tp_exit_close", "syscalls:sys_exit_close"),
            ])
            .or([Prog::fentry("fentry_close", "tcp_close")])
            .or([Prog::kprobe("kp_close", "tcp_close")]),
    ]
}

/// The T column, and bcc's names for JSON.
fn type_names(t: u32) -> (&'static str, &'static str) {
    match t {
        1 => ("C", "connect"),
        2 => ("A", "accept"),
        3 => ("X", "close"),
        _ => ("U", "unknown"),
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    args.pid.check()?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20);
    let mut tool = lifecycle::load(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_uid = args.uid.filter();
        rodata.targ_netns = args.netns.unwrap_or(0);
        rodata.targ_family = args.family.family();
        Ok(())
    })?;
    // Without tcp_close, closes are read from the state changes.
    let close_by_state = tool.plan().kind_of("close") == Some(HookKind::Tracepoint);
    tool.maps
        .bss_data
        .as_deref_mut()
        .ok_or_else(|| anyhow!("internal error: .bss is not mapped"))?
        .close_by_state = close_by_state;
    let tool = tool.attach()?;

    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [RelTime::column(8)])
        .when(args.print_uid, [Column::left("UID", 5)])
        .always([Column::left("T", 1).key("type")])
        .always(tcp::task_columns(12))
        .always([
            Column::left("SADDR", 16),
            Column::left("DADDR", 16),
            Column::left("SPORT", 4),
            Column::left("DPORT", 4),
        ])
        .stdout(json);
    let mut time = RelTime::default();
    tool.trace(&out, "TCP established connections", duration, |data| {
        let e: event = libtools::decode(data);
        let (letter, name) = type_names(e.kind);
        let [saddr, sport, daddr, dport] = libtools::ends!(e.t).cells();
        out.row_of(&[
            &[
                time.cell(e.ts_ns),
                Value::Uint(e.uid.into()),
                Value::Str(if json { name } else { letter }),
            ],
            &tcp::task_cells(json, 12, e.pid, &e.comm, e.t.family),
            &[saddr, daddr, sport, dport],
        ]);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_follow_the_c_enum() {
        assert_eq!(type_names(1), ("C", "connect"));
        assert_eq!(type_names(2), ("A", "accept"));
        assert_eq!(type_names(3), ("X", "close"));
        assert_eq!(type_names(9).0, "U");
    }
}
