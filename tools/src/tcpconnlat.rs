//! tcpconnlat: TCP connect latency, SYN sent to connection established.

use clap::Parser;
use libtools::net::FamilyArg;
use libtools::tcp::{self, RelTime};
use libtools::{lifecycle, AttachPoint, Column, Columns, Common, DurationArg, PidArg, Result};
use libtools::{Spec, Value};

libtools::skel!("tcpconnlat");
use skel::{types::event, TcpconnlatSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcpconnlat              # trace all TCP connects with their latency
    tcpconnlat 1            # only connects slower than 1 ms
    tcpconnlat 0.1          # only connects slower than 100 us
    tcpconnlat -t           # include timestamps
    tcpconnlat -p 185       # only trace PID 185
    tcpconnlat -L           # include the local port (LPORT)
    tcpconnlat -4           # trace IPv4 family only
    tcpconnlat -6           # trace IPv6 family only
    tcpconnlat --json       # JSON Lines, one object per connect";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first connect printed (-t)"),
        ("PID", "the process ID of the process that called connect(2)"),
        ("COMM", "its thread's name, cut to 12 characters in the table"),
        ("IP", "4 or 6"),
        ("SADDR", "the local address"),
        ("LPORT", "the local port (-L)"),
        ("DADDR", "the destination address"),
        ("DPORT", "the destination port"),
        ("LAT(ms)", "milliseconds from connect(2) entering SYN_SENT to the connection established, two decimals; only connects slower than MIN_MS; failed connects are not shown"),
    ],
    overhead: "On the preferred hooks the program runs at every TCP state change on the system. \
Only a connect's start (a hash map update; -p, -4 and -6 filter there, in the kernel) and its end (a lookup \
and a delete, and for a connect slower than MIN_MS one ring buffer event) do work, so the cost \
follows the rate of outgoing connections. The fentry and kprobe alternatives also hook \
tcp_rcv_state_process, which runs for every segment received by a socket not yet or no longer \
established, SYNs to listeners included, and costs a state check each. Events the ring buffer had \
no room for are counted and reported at exit.",
    see_also: &["tcpconnect", "tcprtt", "tcplife", "tcptracer"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "tcpconnlat", points: hooks },
};

/// Trace TCP connects and show connection latency: from the SYN sent
/// (connect called) to the connection established, attributed to the
/// process that connected.
#[derive(Parser, Debug)]
#[command(name = "tcpconnlat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Only show connects slower than this many milliseconds (decimals allowed)
    #[arg(value_name = "MIN_MS", value_parser = libtools::args::positive_ms)]
    min_ms: Option<f64>,
    /// Include a timestamp column: seconds since the first connect
    #[arg(short = 't', long)]
    timestamp: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Include the local port after SADDR (LPORT column)
    #[arg(short = 'L', long)]
    lport: bool,
    #[command(flatten)]
    family: FamilyArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![tcp::connect_hooks(
        "tcp_rcv_state_process",
        "fentry_rcv_state_process",
        "kp_rcv_state_process",
    )]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_min_ns = args.min_ms.map_or(0, |ms| (ms * 1e6) as u64);
        rodata.targ_family = args.family.family();
        Ok(())
    })?;

    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [RelTime::column(9)])
        .always(tcp::task_columns(12))
        .always([Column::left("SADDR", 16)])
        .when(args.lport, [Column::left("LPORT", 6)])
        .always([
            Column::left("DADDR", 16),
            Column::left("DPORT", 5),
            Column::left("LAT(ms)", 0).key("lat_ms"),
        ])
        .stdout(json);
    let mut time = RelTime::default();
    tool.trace(&out, "TCP connects", duration, |data| {
        let e: event = libtools::decode(data);
        out.row_of(&[
            &[time.cell(e.ts_ns)],
            &tcp::task_cells(json, 12, e.pid, &e.comm, e.t.family),
            &libtools::ends!(e.t).cells(),
            &[Value::Fixed(e.delta_ns as f64 / 1e6, 2)],
        ]);
    })
}
