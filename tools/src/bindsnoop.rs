//! bindsnoop: bind(2) calls of IPv4 and IPv6 sockets.

use clap::Parser;
use libtools::{lifecycle, net, table, AttachPoint, CgroupArg, Column, Common};
use libtools::{DurationArg, PidArg, Result, Spec, UidArg, Value};

libtools::skel!("bindsnoop");
use skel::{types::event, BindsnoopSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    bindsnoop             # trace all bind syscalls
    bindsnoop -t          # include timestamps
    bindsnoop -x          # include errors on output
    bindsnoop -p 1216     # only trace PID 1216
    bindsnoop -c CG       # only trace processes in cgroup (v2) path CG
    bindsnoop -P 80,81    # only trace port 80 and 81
    bindsnoop -U          # include UID
    bindsnoop -u 1000     # only trace UID 1000
    bindsnoop --json      # JSON Lines, one object per call

Socket options are reported as:
  SOL_IP     IP_FREEBIND              F....
  SOL_IP     IP_TRANSPARENT           .T...
  SOL_IP     IP_BIND_ADDRESS_NO_PORT  ..N..
  SOL_SOCKET SO_REUSEADDR             ...R.
  SOL_SOCKET SO_REUSEPORT             ....r
IF is the interface index of SO_BINDTODEVICE (0: none). After a failed
bind, ADDR and PORT are the ones asked for.";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "the wall-clock time, HH:MM:SS, whatever the (s) says (-t); --json key time"),
        ("UID", "the user ID of the process (-U)"),
        ("PID", "the process ID (the thread group)"),
        ("COMM", "the task's name, at most 15 characters"),
        ("RET", "0 for a bind that worked, else the negative errno, as -98 for EADDRINUSE (failed binds only with -x)"),
        ("PROTO", "TCP, UDP, or UNK for any other protocol"),
        ("OPTS", "the socket options set at bind time, a letter each or a dot: F IP_FREEBIND, T IP_TRANSPARENT, N IP_BIND_ADDRESS_NO_PORT, R SO_REUSEADDR, r SO_REUSEPORT"),
        ("IF", "the index of the interface bound with SO_BINDTODEVICE, 0 for none"),
        ("PORT", "the local port bound (for a request of port 0, the one the kernel chose, or 0 with IP_BIND_ADDRESS_NO_PORT); after a failed bind, the port asked for"),
        ("ADDR", "the local address bound (0.0.0.0 or :: for any); after a failed bind, the address asked for"),
    ],
    overhead: "Every bind(2) on the system runs the hooks; the syscall tracepoints see binds of every \
socket family, Unix sockets included, the fexit and kprobe alternatives only IPv4 and IPv6 ones. \
The tracepoints and kprobes keep the call in a hash map by thread until it returns; a bind that \
passes the filters (-p, -u, -c, -P and the success test, all applied in the kernel) costs one ring \
buffer event. Binds are rare on most systems; a program creating sockets at a high rate pays the \
cost once per bind. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["solisten", "tcpconnect", "tcptracer"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "bindsnoop", points: hooks },
};

/// Trace bind syscalls of IPv4 and IPv6 sockets: protocol, socket options,
/// interface, address, port and result (successful binds only, unless -x).
#[derive(Parser, Debug)]
#[command(name = "bindsnoop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    time: net::WallTimeArg,
    /// Include errors on output (failed binds too)
    #[arg(short = 'x', long = "failed", short_alias = 'E')]
    failed: bool,
    #[command(flatten)]
    pid: PidArg,
    /// Comma-separated list of ports to trace
    #[arg(
        short = 'P',
        long = "ports",
        value_delimiter = ',',
        value_name = "PORTS"
    )]
    ports: Vec<u16>,
    /// Include UID on output
    #[arg(short = 'U', long = "print-uid")]
    print_uid: bool,
    #[command(flatten)]
    uid: UidArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![libtools::socket_call_hooks!(bind; inet_bind, inet6_bind)]
}

/// libbpf-tools' OPTS: one letter per option set (bpf/bindsnoop.h), `.` otherwise.
fn opts(bits: u8) -> String {
    "FTNRr"
        .chars()
        .enumerate()
        .map(|(i, c)| if bits & (1 << i) != 0 { c } else { '.' })
        .collect()
}

fn proto(p: u16) -> &'static str {
    match p {
        6 => "TCP",
        17 => "UDP",
        _ => "UNK",
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?.cgroup(&args.cgroup)?;
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_uid = args.uid.filter();
        rodata.ignore_errors = !args.failed;
        let ports = &mut rodata.targ_ports;
        net::set_ports(ports, &mut rodata.targ_ports_len, &args.ports, "-P")
    })?;

    let out = args
        .time
        .columns()
        .when(args.print_uid, [Column::left("UID", 6)])
        .always(table::pid_comm(7, 16))
        .always([
            Column::left("RET", 3),
            Column::left("PROTO", 5),
            Column::left("OPTS", 5),
            Column::left("IF", 4),
        ])
        .always(net::port_addr_columns(48))
        .stdout(args.common.json);
    tool.trace(&out, "binds", duration, |data| {
        let e: event = libtools::decode(data);
        let opts = opts(e.opts);
        out.row_of(&[
            &[Value::now(), Value::Uint(e.uid.into())],
            &table::task(e.pid, &e.comm),
            &[
                Value::Int(e.ret.into()),
                Value::Str(proto(e.proto)),
                Value::Str(&opts),
                Value::Uint(e.bound_dev_if.into()),
            ],
            &net::port_addr(e.port, e.family, &e.addr),
        ]);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_as_letters() {
        assert_eq!(opts(0), ".....");
        assert_eq!(opts(1 << 3), "...R.");
        assert_eq!(opts(0x1f), "FTNRr");
        assert_eq!(proto(17), "UDP");
        assert_eq!(proto(132), "UNK");
    }
}
