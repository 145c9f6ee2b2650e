//! tcpstates: every TCP state change, with the time spent in the old state.

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::tcp::{self, PortsArg, Stamps};
use libtools::{lifecycle, run, Column, Common, Output, Result, Spec, Value};

libtools::skel!("tcpstates");
use skel::{types::event, TcpstatesSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    tcpstates              # trace all TCP state changes
    tcpstates -T           # include a time column (HH:MM:SS)
    tcpstates -L 80        # only trace local port 80
    tcpstates -D 80        # only trace remote port 80
    tcpstates -w           # wide columns, with the IP version
    tcpstates --json       # JSON Lines, one object per change";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the change was printed, HH:MM:SS (-T)"),
        ("TIME(s)", "seconds since the first change printed (-t)"),
        ("SKADDR", "the socket's kernel address in hex, to follow one socket through its changes"),
        ("PID", "the process ID of the task on the CPU at the change; for changes made by incoming packets (softirq), often unrelated"),
        ("COMM", "that thread's name, cut to 10 characters in the table (16 with -w)"),
        ("IP", "4 or 6 (-w)"),
        ("LADDR", "the local address"),
        ("LPORT", "the local port; 0 before one is chosen (a connect entering SYN_SENT)"),
        ("RADDR", "the remote address; 0.0.0.0 or :: for a listener"),
        ("RPORT", "the remote port"),
        ("OLDSTATE", "the state left (SYN_SENT)"),
        ("->", "an arrow between the two states (table only)"),
        ("NEWSTATE", "the state entered (ESTABLISHED)"),
        ("MS", "milliseconds spent in OLDSTATE, three decimals; 0.000 when the socket entered it before tracing started"),
    ],
    overhead: "The program runs at every TCP state change on the system, a handful per connection. \
Every change of every TCP socket stores the time in a hash map, filtered or not, so that durations \
stay right whatever -L and -D leave out; the family and port filters then apply in the kernel, and \
each change shown costs a ring buffer event. The cost follows the rate of connections, not of \
packets; a host serving many short connections prints several lines for each. The map holds 10240 \
sockets; beyond that, durations show 0.000. Events the ring buffer had no room for are counted and \
reported at exit.",
    see_also: &["tcplife", "tcpconnect", "tcptracer", "tcpdrop"],
    hooks: crate::Hooks::Declared { object: "tcpstates", points: libtools::tcp::state_change_hooks },
};

/// Trace TCP session state changes and durations: each change of each
/// socket, with the milliseconds it spent in the state it leaves (0.000
/// when tracing started after it entered that state). PID and COMM are the
/// task on the CPU at the change, which for changes made by incoming
/// packets is often unrelated.
#[derive(Parser, Debug)]
#[command(name = "tcpstates", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    family: FamilyArg,
    /// Include a time column on output (HH:MM:SS)
    #[arg(short = 'T', long)]
    time: bool,
    /// Include a timestamp column (seconds since the first change)
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Wide column output (fits IPv6 addresses), with the IP version
    #[arg(short, long)]
    wide: bool,
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

    let spec = Spec::hooks(tcp::state_change_hooks());
    let builder = TcpstatesSkelBuilder::default();
    let tool = lifecycle::start(builder, spec, |open| {
        let rodata = open.rodata()?;
        rodata.filter_family = args.family.family();
        libtools::set_lr_ports!(args.ports, rodata)
    })?;

    let mut stamps = Stamps::new(args.time, args.timestamp);
    let mut columns = stamps.columns();
    let (comm_width, addr_width) = if args.wide { (16, 26) } else { (10, 15) };
    columns.extend([
        Column::left("SKADDR", 16),
        Column::left("PID", 7),
        Column::left("COMM", comm_width),
    ]);
    if args.wide {
        columns.push(Column::left("IP", 2));
    }
    columns.extend(net::ends_columns(addr_width));
    columns.extend([
        Column::left("OLDSTATE", 11),
        Column::left("->", 2).table_only(),
        Column::left("NEWSTATE", 11),
        Column::left("MS", 0),
    ]);
    let json = args.common.json;
    let out = Output::stdout(json, columns);
    tool.trace(&out, "TCP state changes", duration, |data| {
        let e: event = libtools::decode(data);
        let mut cells = stamps.cells(e.ts_us);
        let skaddr = format!("{:x}", e.skaddr);
        cells.extend([
            Value::Str(&skaddr),
            Value::Uint(e.pid.into()),
            tcp::comm_cell(json, comm_width, &e.comm),
        ]);
        if args.wide {
            cells.push(Value::Uint(net::ip_version(e.t.family)));
        }
        cells.extend(libtools::ends!(e.t).cells());
        cells.extend([
            Value::Str(net::tcp_state_name(e.oldstate.into())),
            Value::Str("->"),
            Value::Str(net::tcp_state_name(e.newstate.into())),
            Value::Fixed(e.delta_us as f64 / 1000.0, 3),
        ]);
        out.row(&cells);
    })
}
