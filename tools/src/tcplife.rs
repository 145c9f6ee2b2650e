//! tcplife: TCP connections as they close, with their owner, bytes each
//! way and duration.

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::tcp::{self, CsvArg, PortsArg, StampArgs, Stamps};
use libtools::{lifecycle, table, Column, Common, DurationArg, PidArg, Result, Spec, Value};

libtools::skel!("tcplife");
use skel::{types::event, TcplifeSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcplife                # trace every TCP connection as it closes
    tcplife -p 1215        # only trace PID 1215
    tcplife -p 1215 -4     # trace IPv4 only
    tcplife -L 80          # only local port 80 (a server's connections)
    tcplife -D 80,443      # only remote ports 80 and 443
    tcplife -w             # wide columns (fit IPv6 addresses)
    tcplife -T             # include a time column (HH:MM:SS)
    tcplife -stT           # csv output, with times & timestamps
    tcplife --json         # JSON Lines, one object per connection";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the close was printed, HH:MM:SS (-T)"),
        ("TIME(s)", "seconds since the first connection closed (-t)"),
        ("PID", "the owner's process ID: the process that called connect(2), or for an accepted connection the one that closed it; when the peer closed first, the process that closed after it; else whoever was on the CPU at the close"),
        ("COMM", "the owner's thread name, at most 15 characters"),
        ("IP", "4 or 6 (-s only)"),
        ("LADDR", "the local address (-w: wide enough for IPv6)"),
        ("LPORT", "the local port"),
        ("RADDR", "the remote address (-w: wide enough for IPv6)"),
        ("RPORT", "the remote port"),
        ("TX_KB", "KiB sent and acknowledged by the peer, two decimals"),
        ("RX_KB", "KiB received, two decimals"),
        ("MS", "milliseconds from ESTABLISHED (SYN_SENT for a connect that failed) to CLOSE; connections already open when tracing started are not shown"),
        ("-s", "comma-separated values instead of the table: a line of the column names, then one line per connection, the fields as the table shows them, a field holding a comma or a quote quoted"),
    ],
    overhead: "The program runs at every TCP state change on the system, a handful per connection. \
A change before FIN_WAIT1 stores a timestamp in a hash map, a change made in the owner's context \
its name, and the final CLOSE reads the byte counters and costs one ring buffer event. The port, \
family and -p filters apply in the kernel. The cost follows the rate of connections, not of \
packets: long busy connections cost no more than short idle ones, but a host serving many short \
connections gets a line for each. The maps hold 10240 connections in flight; connections beyond \
that go unreported. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["tcpstates", "tcptop", "tcpconnect", "tcptracer"],
    upstream: &[
        "-s (bcc's CSV) prints each field as the table does, TX_KB and RX_KB with two decimals and TIME(s) with three, where bcc's CSV has whole KiB and six decimals: kept so that the CSV and the table agree.",
    ],
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
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    family: FamilyArg,
    /// Wide column output (fits IPv6 addresses)
    #[arg(short, long)]
    wide: bool,
    #[command(flatten)]
    stamps: StampArgs,
    #[command(flatten)]
    csv: CsvArg,
    #[command(flatten)]
    ports: PortsArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(tcp::state_change_hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_family = args.family.family();
        libtools::set_lr_ports!(args.ports, rodata)
    })?;

    let out = args
        .stamps
        .columns()
        .always(table::pid_comm(7, 16))
        .when(args.csv.csv, [Column::left("IP", 2)])
        .always(net::ends_columns(if args.wide { 39 } else { 15 }))
        .always([
            Column::left("TX_KB", 6),
            Column::left("RX_KB", 6),
            Column::left("MS", 0),
        ])
        .stdout_as(args.csv.format(args.common.json));
    let mut stamps = Stamps::default();
    tool.trace(&out, "TCP connections", duration, |data| {
        let e: event = libtools::decode(data);
        out.row_of(&[
            &stamps.cells(e.ts_us),
            &table::task(e.pid, &e.comm),
            &[Value::Uint(net::ip_version(e.t.family))],
            &libtools::ends!(e.t).cells(),
            &[
                Value::Fixed(e.tx_b as f64 / 1024.0, 2),
                Value::Fixed(e.rx_b as f64 / 1024.0, 2),
                Value::Fixed(e.span_us as f64 / 1000.0, 2),
            ],
        ]);
    })
}
