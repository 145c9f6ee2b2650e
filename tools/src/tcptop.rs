//! tcptop: the busiest TCP connections, like top: kilobytes received and
//! sent per connection and process, every interval.

use std::fmt::{Display, Write as _};

use clap::{Parser, ValueEnum};
use libtools::net::{self, FamilyArg};
use libtools::output::Format;
use libtools::run::{self, Interval};
use libtools::{lifecycle, table, top, AttachPoint, CgroupArg, Column, Columns, Common, PidArg};
use libtools::{Prog, Result, Spec, Value};

libtools::skel!("tcptop");
use skel::{types::traffic, types::traffic_key, TcptopSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    tcptop                 # TCP top, refresh every 1s
    tcptop -C 5 10         # 5s summaries, 10 times, without clearing the screen
    tcptop -p 1216         # only trace PID 1216
    tcptop -c CG           # only trace processes in cgroup (v2) CG
    tcptop -s sent -r 5    # the 5 connections that sent the most
    tcptop --json 1 3      # JSON Lines, a row per connection per interval";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS loadavg:", "the time, then /proc/loadavg: the 1, 5 and 15 minute load averages, running/total tasks and the last PID (not with -S)"),
        ("PID", "the process ID that sent or received"),
        ("COMM", "the thread's name, cut to 12 characters in the table; threads of other names get rows of their own"),
        ("LADDR", "the local address and port, as addr:port"),
        ("RADDR", "the remote address and port, as addr:port"),
        ("LADDR6", "the local end of IPv6 connections, listed after the IPv4 ones under their own heading; each family busiest first (-s), -r rows in all"),
        ("RADDR6", "the remote end of IPv6 connections"),
        ("RX_KB", "KiB received in the interval, rounded down"),
        ("TX_KB", "KiB sent in the interval, rounded down"),
        ("TIME", "the interval's time (--json only)"),
        ("LPORT", "the local port (--json only; the table has it in LADDR)"),
        ("RPORT", "the remote port (--json only; the table has it in RADDR)"),
        ("RX_BYTES", "bytes received in the interval (--json only)"),
        ("TX_BYTES", "bytes sent in the interval (--json only)"),
    ],
    overhead: "The programs run at every send and receive call on every socket of the system (the \
sock_send_length and sock_recv_length tracepoints), or at every tcp_sendmsg and tcp_cleanup_rbuf \
on the fallback hooks, so the cost follows the rate of calls, not of bytes. Each TCP call that \
moved data costs a hash map update keyed by connection and process; other protocols return at \
once. -p, -c and -4/-6 filter in the kernel. Nothing is sent per call: user space reads and clears \
the map each interval. The map holds 10240 connection and process pairs per interval; traffic \
beyond that is not counted.",
    see_also: &["tcplife", "tcprtt", "tcpstates"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "tcptop", points: hooks },
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Sort {
    All,
    Sent,
    Received,
}

/// Summarize the top active TCP sessions - like top, but for TCP: kilobytes
/// received and sent per connection and process in each interval, the
/// busiest first (IPv4, then IPv6).
#[derive(Parser, Debug)]
#[command(name = "tcptop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Output interval, seconds
    #[arg(value_name = "INTERVAL", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..))]
    interval: u64,
    /// Number of outputs
    #[arg(value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,
    #[command(flatten)]
    pid: PidArg,
    #[command(flatten)]
    cgroup: CgroupArg,
    #[command(flatten)]
    family: FamilyArg,
    /// Skip the system summary line (load averages)
    #[arg(short = 'S', long = "nosummary")]
    no_summary: bool,
    /// Don't clear the screen
    #[arg(short = 'C', long = "noclear")]
    no_clear: bool,
    /// Sort by
    #[arg(short, long, value_enum, default_value = "all")]
    sort: Sort,
    /// Maximum rows to print
    #[arg(short, long, default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..))]
    rows: u64,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![
        AttachPoint::new("TCP send")
            .or([Prog::tp_btf("tp_btf_send", "sock_send_length")])
            .or([Prog::tracepoint("tp_send", "sock:sock_send_length")])
            .or([Prog::fentry("fentry_sendmsg", "tcp_sendmsg")])
            .or([Prog::kprobe("kprobe_sendmsg", "tcp_sendmsg")]),
        AttachPoint::new("TCP receive")
            .or([Prog::tp_btf("tp_btf_recv", "sock_recv_length")])
            .or([Prog::tracepoint("tp_recv", "sock:sock_recv_length")])
            .or([Prog::fentry("fentry_cleanup_rbuf", "tcp_cleanup_rbuf")])
            .or([Prog::kprobe("kprobe_cleanup_rbuf", "tcp_cleanup_rbuf")]),
    ]
}

/// Connections in libbpf-tools' order: IPv4 first, then the busiest.
fn sort(rows: &mut [(traffic_key, traffic)], by: Sort) {
    rows.sort_by_key(|(k, v)| {
        let busy = match by {
            Sort::All => v.sent + v.received,
            Sort::Sent => v.sent,
            Sort::Received => v.received,
        };
        (k.t.family, std::cmp::Reverse(busy))
    });
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;

    let spec = Spec::hooks(hooks()).pid(&args.pid)?.cgroup(&args.cgroup)?;
    let tool = lifecycle::start(TcptopSkelBuilder::default(), spec, |open| {
        open.rodata()?.targ_family = args.family.family();
        Ok(())
    })?;

    let out = Columns::new()
        .always([Column::left("TIME", 8)])
        .always(table::pid_comm(7, 16))
        .always(net::ends_columns(15))
        .always([
            Column::left("RX_KB", 6),
            Column::left("TX_KB", 6),
            Column::left("RX_BYTES", 0),
            Column::left("TX_BYTES", 0),
        ])
        .stdout(args.common.json);
    let every = args.interval;
    let tracing = format!("Tracing... Output every {every} secs. Hit Ctrl-C to end.\n");
    out.note(&tracing);

    let pid_w = top::pid_width();
    let iv = Interval {
        interval: Some(args.interval),
        count: args.count,
    };
    run::summaries(&iv, || {
        let mut rows = top::drain(&tool.maps.traffic)?;
        sort(&mut rows, args.sort);
        rows.truncate(args.rows as usize);
        let now = libtools::output::now();
        if out.format() == Format::Json {
            for (k, v) in &rows {
                let bytes = [v.received / 1024, v.sent / 1024, v.received, v.sent];
                out.row_of(&[
                    &[Value::Time(now)],
                    &table::task(k.pid, &k.comm),
                    &libtools::ends!(k.t).cells(),
                    &bytes.map(Value::Uint),
                ]);
            }
        } else {
            let mut s = top::screen(!args.no_clear, args.no_summary, now);
            table(&mut s, pid_w, &rows);
            out.text(&s);
        }
        Ok(out.end_report())
    })
}

/// One interval's rows as libbpf-tools prints them: IPv4, then IPv6 under
/// a heading of its own with wider columns.
fn table(s: &mut String, pid_w: usize, rows: &[(traffic_key, traffic)]) {
    let line = |s: &mut String, w: usize, [p, c, l, r, rx, tx]: [&dyn Display; 6]| {
        let _ = writeln!(s, "{p:<pid_w$} {c:<12} {l:<w$} {r:<w$} {rx:>6} {tx:>6}");
    };
    let header = |s: &mut String, w: usize, six: &str| {
        let (l, r) = (format!("LADDR{six}"), format!("RADDR{six}"));
        line(s, w, [&"PID", &"COMM", &l, &r, &"RX_KB", &"TX_KB"]);
    };
    header(s, 21, "");
    // Sorted IPv4 first: the IPv6 rows follow under their own heading.
    let first_v6 = rows.partition_point(|(k, _)| k.t.family != net::AF_INET6);
    for (i, (k, v)) in rows.iter().enumerate() {
        if i == first_v6 {
            s.push('\n');
            header(s, 51, "6");
        }
        let comm = String::from_utf8_lossy(libtools::c_bytes(&k.comm));
        let comm: String = comm.chars().take(12).collect();
        let ends = libtools::ends!(k.t);
        let l = net::addr_port(ends.src, ends.sport);
        let r = net::addr_port(ends.dst, ends.dport);
        let (rx, tx) = (v.received / 1024, v.sent / 1024);
        let w = if i >= first_v6 { 51 } else { 21 };
        line(s, w, [&k.pid, &comm, &l, &r, &rx, &tx]);
    }
    s.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_first_then_busiest() {
        let (v4, v6) = (net::AF_INET, net::AF_INET6);
        let mut rows = [(v6, 900, 0), (v4, 10, 5), (v4, 20, 0), (v4, 1, 100)].map(
            |(family, sent, received)| {
                let mut k = traffic_key::default();
                (k.t.family, k.pid) = (family, sent as u32);
                (k, traffic { sent, received })
            },
        );
        let pids =
            |rows: &[(traffic_key, traffic)]| rows.iter().map(|r| r.0.pid).collect::<Vec<_>>();
        sort(&mut rows, Sort::All);
        assert_eq!(pids(&rows), [1, 20, 10, 900]);
        sort(&mut rows, Sort::Sent);
        assert_eq!(pids(&rows), [20, 10, 1, 900]);
    }
}
