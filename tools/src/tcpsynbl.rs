//! tcpsynbl: the accept queue (SYN backlog) of TCP listeners as handshakes
//! complete, as log2 histograms by the listener's backlog limit.

use clap::Parser;
use libtools::hist::{Scale, Summary, TimestampArg};
use libtools::net::FamilyArg;
use libtools::run::{self, Interval};
use libtools::{lifecycle, maps, AttachPoint, Common, Prog, Result, Spec, Value};

libtools::skel!("tcpsynbl");
use skel::{types::hist, types::synbl_key, TcpsynblSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcpsynbl              # summarize TCP SYN backlog as a histogram
    tcpsynbl 1 10         # print 1 second summaries, 10 times
    tcpsynbl -T 1         # 1s summaries with timestamps
    tcpsynbl -4           # trace IPv4 family only
    tcpsynbl -6           # trace IPv6 family only
    tcpsynbl -P           # a histogram per listening port
    tcpsynbl --json 5 1   # one JSON object per backlog limit, after 5 seconds";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS", "the wall-clock time, on a line before each summary (-T)"),
        ("backlog_max = N", "the heading of each histogram: the listeners' backlog limit, listen(2)'s backlog capped at net.core.somaxconn; listeners with the same limit share a histogram; --json: backlog_max"),
        ("port = P", "with -P, before backlog_max: the listening port, a histogram per port and limit; --json: port"),
        ("backlog", "the listener's accept queue length as a handshake completed (connections waiting for accept(2), not counting the new one), as a log2 bucket low -> high; a length that reaches backlog_max means handshakes are being dropped; --json gives each bucket's low, high and count"),
        ("count", "the number of completed handshakes that found the queue that long"),
        ("distribution", "stars in proportion to the largest bucket's count"),
    ],
    overhead: "The program runs once per completed TCP handshake on a listening socket (a kprobe \
on tcp_v4_syn_recv_sock or tcp_v6_syn_recv_sock), adding to a histogram in a hash map, in the kernel; \
nothing is sent per connection. On the sk_data_ready tracepoint route it also runs, and returns \
at once, for every wakeup of a socket reader on the system (every packet of data received), \
which on a busy host is far more often.",
    see_also: &["solisten", "tcpconnect", "tcpdrop", "tcplife"],
    upstream: &[
        "kprobes on tcp_v4_syn_recv_sock and tcp_v6_syn_recv_sock, not fentry: 6.1 refuses a BPF trampoline on tcp_v4_syn_recv_sock (error 524 at attach), and the cost of a kprobe once per handshake is negligible.",
        "Where kprobes do not work, the queue is read at the sock:sk_data_ready tracepoint, which a listener fires once a completed handshake's connection is queued: the count is the same (the new connection is taken off), but a handshake dropped because the queue was full never gets there, so the bucket of backlog_max stays empty; the kernel counts those drops in ListenOverflows (nstat -az TcpExtListenOverflows).",
        "A dual-stack IPv6 listener's IPv4 handshakes count once, under -6 (the listener's family); upstream counts them twice without -4/-6 (in both functions), under -4 with -4 and under -6 with -6.",
        "[interval] [count] as upstream; -P (a histogram per listening port) and --json are additions.",
    ],
    hooks: crate::Hooks::Declared { object: "tcpsynbl", points: hooks },
};

/// Summarize the TCP SYN backlog (accept queue) of listening sockets as
/// histograms, one per backlog limit, as handshakes complete.
#[derive(Parser, Debug)]
#[command(name = "tcpsynbl", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    timestamp: TimestampArg,
    #[command(flatten)]
    family: FamilyArg,
    /// Show a histogram per listening port
    #[arg(short = 'P', long = "per-port")]
    per_port: bool,
    #[command(flatten)]
    interval: Interval,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    // IPv6 may be a module not loaded: the IPv4 program alone then serves.
    // No fentry, upstream's first choice: 6.1 refuses a trampoline on
    // tcp_v4_syn_recv_sock at attach (error 524, seen in the kernel
    // matrix), and a kprobe once per handshake costs nothing to speak of.
    vec![AttachPoint::new("TCP handshake completed on a listener")
        .or([
            Prog::kprobe("kprobe_v4_syn_recv", "tcp_v4_syn_recv_sock"),
            Prog::kprobe("kprobe_v6_syn_recv", "tcp_v6_syn_recv_sock").optional(),
        ])
        .or([Prog::tp_btf("tp_btf_data_ready", "sk_data_ready")])
        .or([Prog::raw_tp("raw_tp_data_ready", "sk_data_ready")])
        .or([Prog::tracepoint("tp_data_ready", "sock:sk_data_ready")])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let tool = lifecycle::start(Builder::default(), Spec::hooks(hooks()), |open| {
        let rodata = open.rodata()?;
        rodata.targ_family = args.family.family();
        rodata.targ_per_port = args.per_port;
        Ok(())
    })?;

    let summary = Summary::new(args.common.json, "backlog", Scale::Log2, args.timestamp.timestamp);
    summary.ready_line("Tracing SYN backlog size. Ctrl-C to end.");
    run::summaries(&args.interval, || {
        let mut hists: Vec<(synbl_key, hist)> = maps::drain_as(&tool.maps.hists)?;
        hists.sort_by_key(|(k, _)| (k.lport, k.backlog_max));
        summary.begin();
        for (k, h) in &hists {
            let max = ("backlog_max", Value::Uint(k.backlog_max));
            if args.per_port {
                summary.text(&format!("port = {} backlog_max = {}\n", k.lport, k.backlog_max));
                summary.section(None, &[("port", Value::Uint(k.lport.into())), max], &h.slots);
            } else {
                summary.text(&format!("backlog_max = {}\n", k.backlog_max));
                summary.section(None, &[max], &h.slots);
            }
        }
        Ok(summary.end())
    })?;
    tool.report_dropped();
    Ok(())
}
