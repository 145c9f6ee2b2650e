//! tcpstates: every TCP state change, with the time spent in the old state.

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::tcp::{self, CsvArg, PortsArg, StampArgs, Stamps};
use libtools::{lifecycle, Column, Common, DurationArg, Result, Spec, Value};

libtools::skel!("tcpstates");
use skel::{types::event, TcpstatesSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcpstates              # trace all TCP state changes
    tcpstates -T           # include a time column (HH:MM:SS)
    tcpstates -L 80        # only trace local port 80
    tcpstates -D 80        # only trace remote port 80
    tcpstates -w           # wide columns, with the IP version
    tcpstates -stT         # csv output, with times & timestamps
    tcpstates --json       # JSON Lines, one object per change";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the change was printed, HH:MM:SS (-T)"),
        ("TIME(s)", "seconds since the first change printed (-t)"),
        ("SKADDR", "the socket's kernel address in hex, to follow one socket through its changes"),
        ("PID", "the process ID of the task on the CPU at the change; for changes made by incoming packets (softirq), often unrelated"),
        ("COMM", "that thread's name, cut to 10 characters in the table (16 with -w)"),
        ("IP", "4 or 6 (-w, -s)"),
        ("LADDR", "the local address"),
        ("LPORT", "the local port; 0 before one is chosen (a connect entering SYN_SENT)"),
        ("RADDR", "the remote address; 0.0.0.0 or :: for a listener"),
        ("RPORT", "the remote port"),
        ("OLDSTATE", "the state left (SYN_SENT)"),
        ("->", "an arrow between the two states (table only)"),
        ("-s", "comma-separated values instead of the table: a line of the column names, then one line per change, the fields as the table shows them (COMM whole), a field holding a comma or a quote quoted"),
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
    upstream: &[
        "-s (bcc's CSV) names its columns as the table does, PID and COMM (libbpf-tools' names) where bcc's CSV says C-PID and C-COMM, and gives TIME(s) three decimals where bcc gives six: kept so that the CSV and the table agree.",
        "bcc's -Y (log each change to the systemd journal) is not offered yet.",
        "-T's column is headed TIME, where libbpf-tools heads its HH:MM:SS column TIME(s): kept, TIME(s) is bcc's heading for seconds, which -t prints.",
        "-t (seconds since the first change, from bcc's tcpstates) has no long name: bcc's --timestamp is libbpf-tools' -T, and libbpf-tools wins.",
    ],
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
    #[arg(short = 'T', long = "timestamp", visible_alias = "time")]
    time: bool,
    /// Include a TIME(s) column (seconds since the first change printed)
    #[arg(short = 't')]
    seconds: bool,
    /// Wide column output (fits IPv6 addresses), with the IP version
    #[arg(short, long)]
    wide: bool,
    #[command(flatten)]
    csv: CsvArg,
    #[command(flatten)]
    ports: PortsArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

impl Args {
    /// -T and -t: the shared columns of tcplife and tcpstates.
    fn stamps(&self) -> StampArgs {
        StampArgs { time: self.time, timestamp: self.seconds }
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(tcp::state_change_hooks());
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_family = args.family.family();
        libtools::set_lr_ports!(args.ports, rodata)
    })?;

    let json = args.common.json;
    let whole_comm = json || args.csv.csv;
    let (comm_width, addr_width) = if args.wide { (16, 26) } else { (10, 15) };
    let out = args
        .stamps()
        .columns()
        .always([
            Column::left("SKADDR", 16),
            Column::left("PID", 7),
            Column::left("COMM", comm_width),
        ])
        .when(args.wide || args.csv.csv, [Column::left("IP", 2)])
        .always(net::ends_columns(addr_width))
        .always([
            Column::left("OLDSTATE", 11),
            Column::left("->", 2).table_only(),
            Column::left("NEWSTATE", 11),
            Column::left("MS", 0),
        ])
        .stdout_as(args.csv.format(json));
    let mut stamps = Stamps::default();
    tool.trace(&out, "TCP state changes", duration, |data| {
        let e: event = libtools::decode(data);
        let skaddr = format!("{:x}", e.skaddr);
        out.row_of(&[
            &stamps.cells(e.ts_us),
            &[
                Value::Str(&skaddr),
                Value::Uint(e.pid.into()),
                libtools::table::comm_cell(whole_comm, comm_width, &e.comm),
                Value::Uint(net::ip_version(e.t.family)),
            ],
            &libtools::ends!(e.t).cells(),
            &[
                Value::Str(net::tcp_state_name(e.oldstate.into())),
                Value::Str("->"),
                Value::Str(net::tcp_state_name(e.newstate.into())),
                Value::Fixed(e.delta_us as f64 / 1000.0, 3),
            ],
        ]);
    })
}
