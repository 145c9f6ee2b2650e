//! tcpconnect: trace active TCP connects, or count them per destination.

use std::collections::HashMap;
use std::net::IpAddr;

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::tcp::{self, RelTime};
use libtools::{lifecycle, AttachPoint, Column, Columns, Common, LongDurationArg, Output, PidArg};
use libtools::{Prog, Result, Spec, UidArg, Value};

libtools::skel!("tcpconnect");
use skel::{types::event, TcpconnectSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcpconnect             # trace all TCP connect()s
    tcpconnect -t          # include timestamps
    tcpconnect -p 181      # only trace PID 181
    tcpconnect -P 80       # only trace port 80
    tcpconnect -P 80,81    # only trace port 80 and 81
    tcpconnect -U          # include UID
    tcpconnect -u 1000     # only trace UID 1000
    tcpconnect -c          # count connects per src, dest, port
    tcpconnect -L          # include the local port (LPORT)
    tcpconnect -4          # only trace IPv4 connects
    tcpconnect --json      # JSON Lines, one object per connect";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first connect printed (-t)"),
        ("UID", "the user ID of the process that connected (-U)"),
        ("PID", "the process ID of the process that called connect(2)"),
        ("COMM", "its thread's name, cut to 12 characters in the table"),
        ("IP", "4 or 6"),
        ("SADDR", "the local address"),
        ("LPORT", "the local port (-L); with -c, counts are kept per local port too (-L or -s)"),
        ("DADDR", "the destination address; an IPv6 socket connecting to IPv4 shows ::ffff:a.b.c.d"),
        ("SPORT", "the local port, after DADDR (-s)"),
        ("DPORT", "the destination port"),
        ("LADDR", "the local address, in the table of counts (-c)"),
        ("RADDR", "the destination address, in the table of counts (-c)"),
        ("RPORT", "the destination port, in the table of counts (-c)"),
        ("CONNECTS", "connects from that local address to that destination address and port, printed at the end, busiest first (-c)"),
    ],
    overhead: "On the preferred hooks the programs run at every TCP state change on the system (a \
few per connection) and at every connect(2) return. Only a connect's first change, to SYN_SENT, \
does real work: the -p, -u, -4/-6 and -P filters, in the kernel, then two hash map updates; each \
connect shown costs one ring buffer event. The fexit and kprobe alternatives run only at \
tcp_v4_connect and tcp_v6_connect. The cost follows the rate of outgoing connections; -c counts in \
user space and still takes an event per connect. Events the ring buffer had no room for are \
counted and reported at exit.",
    see_also: &["tcpconnlat", "tcptracer", "tcplife"],
    upstream: &[
        "-C/--cgroupmap and -M/--mntnsmap are not accepted: libbpf-tools takes them only to warn \"not implemented\"; filters by container come with bpftk's container support.",
        "-L/--lport (bcc's), -4/-6 and --duration are additions that clash with no upstream flag.",
    ],
    hooks: crate::Hooks::Declared { object: "tcpconnect", points: hooks },
};

/// Trace active TCP connections (connect() and the like): one line per
/// attempt that sent a SYN, whether it succeeded or not.
#[derive(Parser, Debug)]
#[command(name = "tcpconnect", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Include a timestamp column: seconds since the first connect
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Count connects per source address and destination address and port; print at the end
    #[arg(short, long)]
    count: bool,
    /// Include a UID column
    #[arg(short = 'U', long = "print-uid")]
    print_uid: bool,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    uid: UidArg,
    /// Include the source port (SPORT column); with -c, count per source port too
    #[arg(short = 's', long = "source-port")]
    source_port: bool,
    /// Only trace connects to these destination ports (comma-separated)
    #[arg(
        short = 'P',
        long = "port",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    ports: Vec<u16>,
    /// Include the local port after SADDR (LPORT column, as bcc's tcpconnect; -s shows it after DADDR)
    #[arg(short = 'L', long, conflicts_with = "source_port")]
    lport: bool,
    #[command(flatten)]
    family: FamilyArg,
    #[command(flatten)]
    duration: LongDurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    let exit_connect =
        || Prog::tracepoint("tp_exit_connect", "syscalls:sys_exit_connect").optional();
    vec![AttachPoint::new("connect")
        // The state change (CLOSE -> SYN_SENT) remembers the caller; the
        // event goes out at connect(2)'s return or when SYN_SENT ends.
        .or([
            Prog::tp_btf("btf_set_state", "inet_sock_set_state"),
            exit_connect(),
        ])
        .or([
            Prog::tracepoint("tp_set_state", "sock:inet_sock_set_state"),
            exit_connect(),
        ])
        .or([
            Prog::fexit("fexit_v4_connect", "tcp_v4_connect"),
            Prog::fexit("fexit_v6_connect", "tcp_v6_connect").optional(),
        ])
        .or([
            Prog::kprobe("kp_v4_connect", "tcp_v4_connect"),
            Prog::kretprobe("krp_v4_connect", "tcp_v4_connect"),
            Prog::kprobe("kp_v6_connect", "tcp_v6_connect").optional(),
            Prog::kretprobe("krp_v6_connect", "tcp_v6_connect").optional(),
        ])]
}

/// What -c counts by: source, destination, source port (-s/-L), destination port.
type CountKey = (IpAddr, IpAddr, Option<u16>, u16);

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    args.pid.check()?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20);
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.tgid();
        rodata.targ_uid = args.uid.filter();
        rodata.targ_family = args.family.family();
        let ports = &mut rodata.targ_ports;
        net::set_ports(ports, &mut rodata.targ_ports_len, &args.ports, "-P")
    })?;
    if args.count {
        return count(&args, &tool, duration);
    }

    let json = args.common.json;
    let out = Columns::new()
        .when(args.timestamp, [RelTime::column(8)])
        .when(args.print_uid, [Column::left("UID", 5)])
        .always(tcp::task_columns(12))
        .always([Column::left("SADDR", 16)])
        .when(args.lport, [Column::left("LPORT", 6)])
        .always([Column::left("DADDR", 16)])
        .when(args.source_port, [Column::left("SPORT", 5)])
        .always([Column::left("DPORT", 5)])
        .stdout(json);
    let mut time = RelTime::default();
    tool.trace(&out, "connect", duration, |data| {
        let e: event = libtools::decode(data);
        let [saddr, sport, daddr, dport] = libtools::ends!(e.t).cells();
        out.row_of(&[
            &[time.cell(e.ts_ns), Value::Uint(e.uid.into())],
            &tcp::task_cells(json, 12, e.pid, &e.comm, e.t.family),
            &[saddr, sport, daddr, sport, dport],
        ]);
    })
}

/// -c: count in user space, print once at the end (busiest first).
fn count<'obj>(
    args: &Args,
    tool: &lifecycle::Loaded<skel::TcpconnectSkel<'obj>>,
    duration: Option<std::time::Duration>,
) -> Result<()> {
    let json = args.common.json;
    let by_port = args.source_port || args.lport;
    let mut columns = vec![Column::left("LADDR", 25), Column::left("RADDR", 25)];
    if by_port {
        columns.push(Column::left("LPORT", 20));
    }
    columns.extend([Column::left("RPORT", 20), Column::left("CONNECTS", 10)]);
    let out = Output::stdout(json, columns);
    out.note("Tracing connect ... Hit Ctrl-C to end\n");

    let mut counts: HashMap<CountKey, u64> = HashMap::new();
    tool.poll(&out, duration, |data| {
        let e: event = libtools::decode(data);
        let ends = libtools::ends!(e.t);
        let key = (
            ends.src,
            ends.dst,
            by_port.then_some(ends.sport),
            ends.dport,
        );
        *counts.entry(key).or_default() += 1;
    })?;

    tcp::counts_header(&out, "connect");
    for ((saddr, daddr, sport, dport), n) in tcp::busiest_first(counts) {
        let mut cells = vec![Value::Addr(saddr), Value::Addr(daddr)];
        if let Some(p) = sport {
            cells.push(Value::Uint(p.into()));
        }
        cells.extend([Value::Uint(dport.into()), Value::Uint(n)]);
        out.row(&cells);
    }
    out.flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_a_comma_separated_list() {
        let a = Args::try_parse_from(["tcpconnect", "-P", "80,443", "-P", "8080"]).unwrap();
        assert_eq!(a.ports, [80, 443, 8080]);
        assert!(Args::try_parse_from(["tcpconnect", "-P", "80,x"]).is_err());
        assert!(Args::try_parse_from(["tcpconnect", "-P", "70000"]).is_err());
        assert!(Args::try_parse_from(["tcpconnect", "-4", "-6"]).is_err());
    }
}
