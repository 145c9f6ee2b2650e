//! tcpstates: every TCP state change, with the time spent in the old state.

use std::mem::MaybeUninit;

use clap::Parser;
use libbpf_rs::skel::{Skel, SkelBuilder};
use libtools::net::{self, FamilyArg};
use libtools::{bpf, run, AttachPoint, Column, Common, HookPlan, Output, Prog, Result, Value};

mod skel {
    libtools::skel!("tcpstates");
}
use skel::{types::event, TcpstatesSkelBuilder};

unsafe impl plain::Plain for event {}

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
};

/// Trace TCP session state changes and durations: each change of each
/// socket, with the milliseconds it spent in the state it leaves (0.000
/// when tracing started after it entered that state). PID and COMM are the
/// task on the CPU at the change, which for changes made by incoming
/// packets is often unrelated.
///
/// Hooks: tp_btf inet_sock_set_state, else tracepoint sock:inet_sock_set_state.
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
    /// Comma-separated list of local ports to trace
    #[arg(
        short = 'L',
        long = "localport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    lports: Vec<u16>,
    /// Comma-separated list of remote ports to trace
    #[arg(
        short = 'D',
        long = "remoteport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    rports: Vec<u16>,
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    #[command(flatten)]
    common: Common,
}

/// The kernel's TCP states (include/net/tcp_states.h), as libbpf-tools names them.
const STATES: &[&str] = &[
    "UNKNOWN",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
    "BOUND_INACTIVE",
];

pub fn state_name(state: i32) -> &'static str {
    usize::try_from(state)
        .ok()
        .and_then(|i| STATES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("TCP state change")
        .or([Prog::tp_btf("tp_btf_set_state", "inet_sock_set_state")])
        .or([Prog::tracepoint("tp_set_state", "sock:inet_sock_set_state")])]
}

pub fn main() -> ! {
    libtools::main("tcpstates", run)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;

    let mut storage = MaybeUninit::uninit();
    let mut open = TcpstatesSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("tcpstates has rodata");
    rodata.filter_family = args.family.family();
    net::set_ports(
        &mut rodata.lports,
        &mut rodata.lports_len,
        &args.lports,
        "-L",
    )?;
    net::set_ports(
        &mut rodata.rports,
        &mut rodata.rports_len,
        &args.rports,
        "-D",
    )?;

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    let _links = plan.attach(skel.object())?;

    let mut columns = Vec::new();
    if args.time {
        columns.push(Column::left("TIME", 8));
    }
    if args.timestamp {
        columns.push(Column::left("TIME(s)", 9));
    }
    let (comm_width, addr_width) = if args.wide { (16, 26) } else { (10, 15) };
    columns.extend([Column::left("SKADDR", 16), Column::left("PID", 7)]);
    columns.push(Column::left("COMM", comm_width));
    if args.wide {
        columns.push(Column::left("IP", 2));
    }
    columns.extend([
        Column::left("LADDR", addr_width),
        Column::left("LPORT", 5),
        Column::left("RADDR", addr_width),
        Column::left("RPORT", 5),
        Column::left("OLDSTATE", 11),
        Column::left("->", 2).table_only(),
        Column::left("NEWSTATE", 11),
        Column::left("MS", 0),
    ]);
    let json = args.common.json;
    let out = Output::stdout(json, columns);
    out.ready("TCP state changes");

    let mut first_us = None;
    run::poll_events(&skel.maps.events, duration, &out, |data| {
        let e: event = libtools::decode(data);
        let mut cells = Vec::with_capacity(15);
        if args.time {
            cells.push(Value::Time(libtools::output::now()));
        }
        if args.timestamp {
            let first = *first_us.get_or_insert(e.ts_us);
            cells.push(Value::Fixed(e.ts_us.saturating_sub(first) as f64 / 1e6, 3));
        }
        let skaddr = format!("{:x}", e.skaddr);
        let comm = libtools::c_bytes(&e.comm);
        // libbpf-tools cuts the name to the column; JSON has all of it.
        let comm = if json {
            comm
        } else {
            &comm[..comm.len().min(comm_width)]
        };
        cells.extend([
            Value::Str(&skaddr),
            Value::Uint(e.pid.into()),
            Value::Bytes(comm),
        ]);
        if args.wide {
            cells.push(Value::Uint(net::ip_version(e.t.family)));
        }
        cells.extend([
            Value::Addr(net::addr(e.t.family, &e.t.saddr)),
            Value::Uint(e.t.sport.into()),
            Value::Addr(net::addr(e.t.family, &e.t.daddr)),
            Value::Uint(e.t.dport.into()),
            Value::Str(state_name(e.oldstate)),
            Value::Str("->"),
            Value::Str(state_name(e.newstate)),
            Value::Fixed(e.delta_us as f64 / 1000.0, 3),
        ]);
        out.row(&cells);
    })?;
    bpf::report_dropped(skel.object());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_by_number() {
        assert_eq!(state_name(1), "ESTABLISHED");
        assert_eq!(state_name(7), "CLOSE");
        assert_eq!(state_name(12), "NEW_SYN_RECV");
        assert_eq!(state_name(0), "UNKNOWN");
        assert_eq!(state_name(-1), "UNKNOWN");
        assert_eq!(state_name(99), "UNKNOWN");
    }
}
