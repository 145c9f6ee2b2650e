//! tcplife: TCP connections as they close, with their owner, bytes each
//! way and duration.

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::tcp::{self, PortsArg, Stamps};
use libtools::{lifecycle, run, Column, Common, Output, Result, Spec, Value};

libtools::skel!("tcplife");
use skel::{types::event, TcplifeSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    tcplife                # trace every TCP connection as it closes
    tcplife -p 1215        # only trace PID 1215
    tcplife -p 1215 -4     # trace IPv4 only
    tcplife -L 80          # only local port 80 (a server's connections)
    tcplife -D 80,443      # only remote ports 80 and 443
    tcplife -w             # wide columns (fit IPv6 addresses)
    tcplife -T             # include a time column (HH:MM:SS)
    tcplife --json         # JSON Lines, one object per connection";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the close was printed, HH:MM:SS (-T)"),
        ("TIME(s)", "seconds since the first connection closed (-t)"),
        ("PID", "the owner's process ID: the process that called connect(2), or for an accepted connection the one that closed it; when the peer closed first, the process that closed after it; else whoever was on the CPU at the close"),
        ("COMM", "the owner's thread name, at most 15 characters"),
        ("LADDR", "the local address (-w: wide enough for IPv6)"),
        ("LPORT", "the local port"),
        ("RADDR", "the remote address (-w: wide enough for IPv6)"),
        ("RPORT", "the remote port"),
        ("TX_KB", "KiB sent and acknowledged by the peer, two decimals"),
        ("RX_KB", "KiB received, two decimals"),
        ("MS", "milliseconds from ESTABLISHED (SYN_SENT for a connect that failed) to CLOSE; connections already open when tracing started are not shown"),
    ],
    overhead: "The program runs at every TCP state change on the system, a handful per connection. \
A change before FIN_WAIT1 stores a timestamp in a hash map, a change made in the owner's context \
its name, and the final CLOSE reads the byte counters and costs one ring buffer event. The port, \
family and -p filters apply in the kernel. The cost follows the rate of connections, not of \
packets: long busy connections cost no more than short idle ones, but a host serving many short \
connections gets a line for each. The maps hold 10240 connections in flight; connections beyond \
that go unreported. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["tcpstates", "tcptop", "tcpconnect", "tcptracer"],
    hooks: crate::Hooks::Declared { object: "tcplife", points: libtools::tcp::state_change_hooks },
};

/// Trace the lifespan of TCP sessions and summarize: one line per closed
/// connection with its owner, addresses, kilobytes sent (acknowledged) and
/// received, and how long it was open (from ESTABLISHED, in ms).
///
/// The owner is the process in whose context the connection was opened
/// (connect) or closed; a passive connection closed by its peer is named at
/// its own close(2).
#[derive(Parser, Debug)]
#[command(name = "tcplife", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Process ID to trace
    #[arg(short, long)]
    pid: Option<u32>,
    #[command(flatten)]
    family: FamilyArg,
    /// Wide column output (fits IPv6 addresses)
    #[arg(short, long)]
    wide: bool,
    /// Include a time column on output (HH:MM:SS)
    #[arg(short = 'T', long)]
    time: bool,
    /// Include a timestamp column (seconds since the first connection closed)
    #[arg(short = 't', long)]
    timestamp: bool,
    #[command(flatten)]
    ports: PortsArg,
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    libtools::check_pid(args.pid)?;

    let spec = Spec::hooks(tcp::state_change_hooks());
    let tool = lifecycle::start(TcplifeSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.unwrap_or(0);
        rodata.filter_family = args.family.family();
        libtools::set_lr_ports!(args.ports, rodata)
    })?;

    let mut stamps = Stamps::new(args.time, args.timestamp);
    let mut columns = stamps.columns();
    columns.extend([Column::left("PID", 7), Column::left("COMM", 16)]);
    columns.extend(net::ends_columns(if args.wide { 39 } else { 15 }));
    columns.extend([
        Column::left("TX_KB", 6),
        Column::left("RX_KB", 6),
        Column::left("MS", 0),
    ]);
    let out = Output::stdout(args.common.json, columns);
    tool.trace(&out, "TCP connections", duration, |data| {
        let e: event = libtools::decode(data);
        let mut cells = stamps.cells(e.ts_us);
        cells.extend([
            Value::Uint(e.pid.into()),
            Value::Bytes(libtools::c_bytes(&e.comm)),
        ]);
        cells.extend(libtools::ends!(e.t).cells());
        cells.extend([
            Value::Fixed(e.tx_b as f64 / 1024.0, 2),
            Value::Fixed(e.rx_b as f64 / 1024.0, 2),
            Value::Fixed(e.span_us as f64 / 1000.0, 2),
        ]);
        out.row(&cells);
    })
}
