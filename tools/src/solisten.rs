//! solisten: listen(2) calls of IPv4 and IPv6 sockets.

use clap::Parser;
use libtools::{lifecycle, net, table, AttachPoint, Column, Common, DurationArg};
use libtools::{NameArg, PidArg, Result, Spec, Value};

libtools::skel!("solisten");
use skel::{types::event, SolistenSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    solisten           # trace listen syscalls
    solisten -t        # output with timestamp
    solisten -p 1216   # only trace PID 1216
    solisten -n nginx  # only processes whose name contains nginx
    solisten --json    # JSON Lines, one object per call";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "the wall-clock time the event was printed, HH:MM:SS, despite the heading (-t)"),
        ("PID", "the process ID of the caller"),
        ("COMM", "the calling thread's name, at most 15 characters"),
        ("RET", "listen(2)'s result: 0, or a negative errno"),
        ("BACKLOG", "the backlog as the caller passed it (the kernel caps it at net.core.somaxconn)"),
        ("PROTO", "TCPv4 or TCPv6; UDPv4, UDPv6 (a failed listen on a datagram socket, seen only on the syscall tracepoints) or UNKv4, UNKv6 for other socket types"),
        ("PORT", "the local port after the call; 0 when a failed call left the socket unbound"),
        ("ADDR", "the local address the socket is bound to; 0.0.0.0 or :: for any"),
    ],
    overhead: "The programs run only at listen(2) (or at inet_listen, where the fexit or kprobe \
alternative is chosen), which servers call once per listening socket: each call costs at most a \
hash map update, a look-up of the socket behind the descriptor and one ring buffer event. -p \
filters in the kernel; -n is applied in user space, after the event is sent. Events the ring \
buffer had no room for are counted and reported at exit.",
    see_also: &["bindsnoop", "tcpconnect", "tcptracer"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "solisten", points: hooks },
};

/// Trace IPv4 and IPv6 listen syscalls: backlog, protocol, address, port
/// and result.
#[derive(Parser, Debug)]
#[command(name = "solisten", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    time: net::WallTimeArg,
    #[command(flatten)]
    name: NameArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![libtools::socket_call_hooks!(listen; inet_listen)]
}

/// libbpf-tools' PROTO: `TCPv4`, `UDPv6`, `UNKv4`.
fn proto(sock_type: u16, family: u16) -> String {
    let p = match sock_type {
        1 => "TCP", // SOCK_STREAM
        2 => "UDP", // SOCK_DGRAM
        _ => "UNK",
    };
    format!("{p}v{}", net::ip_version(family))
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?;
    let tool = lifecycle::start(Builder::default(), spec, |_| Ok(()))?;

    let out = args
        .time
        .columns()
        .always(table::pid_comm(7, 16))
        .always([
            Column::left("RET", 3),
            Column::left("BACKLOG", 7),
            Column::left("PROTO", 5),
        ])
        .always(net::port_addr_columns(32))
        .stdout(args.common.json);
    tool.trace(&out, "listen syscalls", duration, |data| {
        let e: event = libtools::decode(data);
        if args.name.skips(libtools::c_bytes(&e.comm)) {
            return;
        }
        let proto = proto(e.r#type, e.family);
        out.row_of(&[
            &[Value::now()],
            &table::task(e.pid, &e.comm),
            &[
                Value::Int(e.ret.into()),
                Value::Int(e.backlog.into()),
                Value::Str(&proto),
            ],
            &net::port_addr(e.port, e.family, &e.addr),
        ]);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_as_libbpf_tools_names_them() {
        assert_eq!(proto(1, net::AF_INET), "TCPv4");
        assert_eq!(proto(2, net::AF_INET6), "UDPv6");
        assert_eq!(proto(5, net::AF_INET), "UNKv4");
    }
}
