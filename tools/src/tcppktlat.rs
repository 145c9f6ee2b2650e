//! tcppktlat: how long received TCP data waits for the application to read
//! it, per read, with the reader and the connection.

use clap::Parser;
use libtools::{lifecycle, net, AttachPoint, Column, Columns, Common, DurationArg, PidArg, Prog};
use libtools::{Result, Spec, Value};

libtools::skel!("tcppktlat");
use skel::{types::event, TcppktlatSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcppktlat             # trace all TCP packet picked up latency
    tcppktlat -T          # include timestamps
    tcppktlat -p 185      # only reads by PID 185
    tcppktlat -t 188      # only reads by thread 188
    tcppktlat -l 80       # only connections with local port 80
    tcppktlat -r 5432     # only connections with remote port 5432
    tcppktlat 1000        # only latency higher than 1000 us
    tcppktlat -w          # wide address columns (fit IPv6 addresses)
    tcppktlat --json      # JSON Lines, one object per read";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "the wall-clock time of the read, HH:MM:SS (-T; always in --json, as time); upstream heads it so"),
        ("PID", "the process ID of the task that read the data"),
        ("TID", "its thread ID"),
        ("COMM", "its name"),
        ("LADDR", "the connection's local address, 15 characters wide (26 with -w)"),
        ("LPORT", "the local port"),
        ("RADDR", "the remote address"),
        ("RPORT", "the remote port"),
        ("MS", "milliseconds, two decimals, from the arrival of the last data segment the socket received before the read to the read (the application copying the data out); only reads above MIN_US microseconds"),
    ],
    overhead: "tcp_probe fires for every TCP segment a host receives on an established \
connection: on a busy server very often. For a segment that carries data and passes -l and -r \
(filtered in the kernel) the program stores a timestamp in a hash map by socket; pure ACKs cost a \
few reads. tcp_rcv_space_adjust fires as an application reads from a socket (several times for a \
large read): a lookup, and for a socket with data waiting a delete and, when the reader passes -p, \
-t and MIN_US (in the kernel), one ring buffer event. So on a host moving much data in small reads \
many lines are printed; give a minimum. The map holds 10240 sockets with unread data (least \
recently used ones are dropped past that). Events the ring buffer had no room for are counted and \
reported at exit.",
    see_also: &["tcprtt", "tcpconnlat", "tcptop", "tcplife"],
    upstream: &[
        "-l and -r compare with the port in host order, so that -l 80 means port 80; upstream compares the number given with the socket's port in network byte order and so, on a little-endian machine, matches the wrong port (-l 80 matches port 20480).",
        "The arrival is that of the last segment with data before a read, as upstream; a read that takes several segments' data reports the wait of the newest one.",
        "A plain tracepoint alternative (the tracepoints' recorded fields, keyed by socket cookie) is added for kernels or setups without tp_btf and raw_tp.",
        "-d/--duration and --json are additions; -T's column is headed TIME(s) though it holds HH:MM:SS, as upstream.",
    ],
    hooks: crate::Hooks::Declared { object: "tcppktlat", points: hooks },
};

/// Trace latency between a TCP packet received and picked up by a
/// userspace thread: from the arrival of data on a connection to the
/// application's next read of it, with the reader and the connection.
#[derive(Parser, Debug)]
#[command(name = "tcppktlat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Only show reads that waited longer than this many microseconds
    #[arg(value_name = "MIN_US", value_parser = clap::value_parser!(u64).range(1..))]
    min_us: Option<u64>,
    /// Include timestamp on output (HH:MM:SS)
    #[arg(short = 'T', long)]
    timestamp: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Thread TID to trace
    #[arg(short, long)]
    tid: Option<u32>,
    /// Filter for local port
    #[arg(short = 'l', long, value_name = "LPORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    lport: Option<u16>,
    /// Filter for remote port
    #[arg(short = 'r', long, value_name = "RPORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    rport: Option<u16>,
    /// Wide column output (fits IPv6 addresses)
    #[arg(short, long)]
    wide: bool,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    type Kind = fn(&'static str, &str) -> Prog;
    let three = |kind: Kind, [probe, read, destroy]: [&'static str; 3], prefix: &str| {
        [
            kind(probe, &format!("{prefix}tcp_probe")),
            kind(read, &format!("{prefix}tcp_rcv_space_adjust")),
            kind(destroy, &format!("{prefix}tcp_destroy_sock")),
        ]
    };
    let btf = ["tp_btf_probe", "tp_btf_rcv_space_adjust", "tp_btf_destroy_sock"];
    let raw = ["raw_probe", "raw_rcv_space_adjust", "raw_destroy_sock"];
    let tp = ["tp_probe", "tp_rcv_space_adjust", "tp_destroy_sock"];
    vec![AttachPoint::new("TCP data received and read")
        .or(three(Prog::tp_btf, btf, ""))
        .or(three(Prog::raw_tp, raw, ""))
        .or(three(Prog::tracepoint, tp, "tcp:"))]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    libtools::check_tid(args.tid)?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_tid = args.tid.unwrap_or(0);
        rodata.targ_lport = args.lport.unwrap_or(0);
        rodata.targ_rport = args.rport.unwrap_or(0);
        rodata.targ_min_us = args.min_us.unwrap_or(0);
        Ok(())
    })?;

    // libbpf-tools' layout: "%-8s " (-T), then
    // "%-7d %-7d %-16s %-*s %-5d %-*s %-5d %-.2f", addresses 15 or 26 wide.
    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp || json, [Column::left("TIME(s)", 8).key("time")])
        .always([
            Column::left("PID", 7),
            Column::left("TID", 7),
            Column::left("COMM", 16),
        ])
        .always(net::ends_columns(if args.wide { 26 } else { 15 }))
        .always([Column::left("MS", 0).key("lat_ms")])
        .stdout(json);
    tool.trace(&out, "TCP packet latency", duration, |data| {
        let e: event = libtools::decode(data);
        out.row_of(&[
            &[
                Value::now(),
                Value::Uint(e.pid.into()),
                Value::Uint(e.tid.into()),
                Value::Bytes(libtools::c_bytes(&e.comm)),
            ],
            &libtools::ends!(e.t).cells(),
            // Whole microseconds in milliseconds, as upstream prints them.
            &[Value::Fixed((e.delta_ns / 1000) as f64 / 1e3, 2)],
        ]);
    })
}
