//! tcptop: the busiest TCP connections, like top: kilobytes received and
//! sent per connection and process, every interval.

use std::fmt::Write as _;
use std::mem::MaybeUninit;

use clap::{Parser, ValueEnum};
use libbpf_rs::skel::{Skel, SkelBuilder};
use libtools::net::{self, FamilyArg};
use libtools::output::Format;
use libtools::run::{self, Interval};
use libtools::{bpf, maps, AttachPoint, CgroupArg, Column, Common, HookPlan, Output, Prog};
use libtools::{Result, Value};

mod skel {
    libtools::skel!("tcptop");
}
use skel::{types::traffic, types::traffic_key, TcptopSkelBuilder};

unsafe impl plain::Plain for traffic_key {}
unsafe impl plain::Plain for traffic {}

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
///
/// Hooks: tp_btf sock_send_length and sock_recv_length (bytes moved by
/// each send and receive call), else the sock: tracepoints of the same
/// names, else fentry or kprobe tcp_sendmsg (bytes asked to send) and
/// tcp_cleanup_rbuf (bytes read).
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
    /// Process ID to trace
    #[arg(short, long)]
    pid: Option<u32>,
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

pub fn main() -> ! {
    libtools::main("tcptop", run)
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

/// The PID column fits the largest pid (kernel.pid_max), 6 at least.
fn pid_width() -> usize {
    std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .map(|s| s.trim().len())
        .unwrap_or(7)
        .max(6)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    libtools::check_pid(args.pid)?;
    let cgroup = args.cgroup.open()?;

    let mut storage = MaybeUninit::uninit();
    let mut open = TcptopSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("tcptop has rodata");
    rodata.targ_tgid = args.pid.unwrap_or(0);
    rodata.filter_family = args.family.family();
    rodata.filter_cg = cgroup.is_some();

    let plan = HookPlan::select(&hooks())?;
    let skel = bpf::load(open, &plan)?;
    if let Some(cg) = &cgroup {
        cg.install(&skel.maps.cgroup_map)?;
    }
    let _links = plan.attach(skel.object())?;

    let out = Output::stdout(
        args.common.json,
        vec![
            Column::left("TIME", 8),
            Column::left("PID", 7),
            Column::left("COMM", 16),
            Column::left("LADDR", 15),
            Column::left("LPORT", 5),
            Column::left("RADDR", 15),
            Column::left("RPORT", 5),
            Column::left("RX_KB", 6),
            Column::left("TX_KB", 6),
            Column::left("RX_BYTES", 0),
            Column::left("TX_BYTES", 0),
        ],
    );
    let tracing = format!(
        "Tracing... Output every {} secs. Hit Ctrl-C to end.\n",
        args.interval
    );
    if out.format() == Format::Json {
        eprint!("{tracing}");
    } else {
        out.text(&tracing);
        out.flush();
    }

    let pid_w = pid_width();
    let iv = Interval {
        interval: Some(args.interval),
        count: args.count,
    };
    run::summaries(&iv, || {
        let mut rows: Vec<(traffic_key, traffic)> = maps::drain(&skel.maps.traffic)?
            .iter()
            .map(|(k, v)| (libtools::decode(k), libtools::decode(v)))
            .collect();
        sort(&mut rows, args.sort);
        rows.truncate(args.rows as usize);
        let now = libtools::output::now();
        if out.format() == Format::Json {
            for (k, v) in &rows {
                out.row(&[
                    Value::Time(now),
                    Value::Uint(k.pid.into()),
                    Value::Bytes(libtools::c_bytes(&k.comm)),
                    Value::Addr(net::addr(k.t.family, &k.t.saddr)),
                    Value::Uint(k.t.sport.into()),
                    Value::Addr(net::addr(k.t.family, &k.t.daddr)),
                    Value::Uint(k.t.dport.into()),
                    Value::Uint(v.received / 1024),
                    Value::Uint(v.sent / 1024),
                    Value::Uint(v.received),
                    Value::Uint(v.sent),
                ]);
            }
        } else {
            out.text(&table(
                &args,
                pid_w,
                &now.format("%H:%M:%S").to_string(),
                &rows,
            ));
        }
        out.flush();
        Ok(!out.is_broken())
    })
}

/// One interval as libbpf-tools prints it.
fn table(args: &Args, pid_w: usize, now_hms: &str, rows: &[(traffic_key, traffic)]) -> String {
    let mut s = String::new();
    if !args.no_clear {
        s.push_str("\x1b[H\x1b[2J");
    }
    if !args.no_summary {
        if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
            let _ = writeln!(s, "{:>8} loadavg: {load}", now_hms);
        }
    }
    let _ = writeln!(
        s,
        "{:<pid_w$} {:<12} {:<21} {:<21} {:>6} {:>6}",
        "PID", "COMM", "LADDR", "RADDR", "RX_KB", "TX_KB"
    );
    let mut v6_header = false;
    for (k, v) in rows {
        let mut width = 21;
        if k.t.family == net::AF_INET6 {
            width = 51;
            if !v6_header {
                let _ = writeln!(
                    s,
                    "\n{:<pid_w$} {:<12} {:<51} {:<51} {:>6} {:>6}",
                    "PID", "COMM", "LADDR6", "RADDR6", "RX_KB", "TX_KB"
                );
                v6_header = true;
            }
        }
        let comm = String::from_utf8_lossy(libtools::c_bytes(&k.comm));
        let comm: String = comm.chars().take(12).collect();
        let laddr = format!("{}:{}", net::addr(k.t.family, &k.t.saddr), k.t.sport);
        let raddr = format!("{}:{}", net::addr(k.t.family, &k.t.daddr), k.t.dport);
        let _ = writeln!(
            s,
            "{:<pid_w$} {comm:<12} {laddr:<width$} {raddr:<width$} {:>6} {:>6}",
            k.pid,
            v.received / 1024,
            v.sent / 1024
        );
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(family: u16, sent: u64, received: u64) -> (traffic_key, traffic) {
        let mut k = traffic_key::default();
        k.t.family = family;
        k.pid = sent as u32;
        (k, traffic { sent, received })
    }

    #[test]
    fn ipv4_first_then_busiest() {
        let mut rows = vec![
            conn(net::AF_INET6, 900, 0),
            conn(net::AF_INET, 10, 5),
            conn(net::AF_INET, 20, 0),
            conn(net::AF_INET, 1, 100),
        ];
        sort(&mut rows, Sort::All);
        let pids: Vec<u32> = rows.iter().map(|(k, _)| k.pid).collect();
        assert_eq!(pids, [1, 20, 10, 900]);
        sort(&mut rows, Sort::Sent);
        let pids: Vec<u32> = rows.iter().map(|(k, _)| k.pid).collect();
        assert_eq!(pids, [20, 10, 1, 900]);
    }
}
