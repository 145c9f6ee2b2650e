//! tcpconnlat: TCP connect latency, SYN sent to connection established.

use clap::Parser;
use libtools::net;
use libtools::tcp::{self, RelTime};
use libtools::{lifecycle, run, AttachPoint, Column, Common, Output, Result, Spec, Value};

libtools::skel!("tcpconnlat");
use skel::{types::event, TcpconnlatSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    tcpconnlat              # trace all TCP connects with their latency
    tcpconnlat 1            # only connects slower than 1 ms
    tcpconnlat 0.1          # only connects slower than 100 us
    tcpconnlat -t           # include timestamps
    tcpconnlat -p 185       # only trace PID 185
    tcpconnlat -L           # include the local port (LPORT)
    tcpconnlat --json       # JSON Lines, one object per connect";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME(s)", "seconds since the first connect printed (-t)"),
        ("PID", "the process ID of the process that called connect(2)"),
        ("COMM", "its thread's name, cut to 12 characters in the table"),
        ("IP", "4 or 6"),
        ("SADDR", "the local address"),
        ("LPORT", "the local port (-L)"),
        ("DADDR", "the destination address"),
        ("DPORT", "the destination port"),
        ("LAT(ms)", "milliseconds from connect(2) entering SYN_SENT to the connection established, two decimals; only connects slower than MIN_MS; failed connects are not shown"),
    ],
    overhead: "On the preferred hooks the program runs at every TCP state change on the system. \
Only a connect's start (a hash map update; -p filters there, in the kernel) and its end (a lookup \
and a delete, and for a connect slower than MIN_MS one ring buffer event) do work, so the cost \
follows the rate of outgoing connections. The fentry and kprobe alternatives also hook \
tcp_rcv_state_process, which runs for every segment received by a socket not yet or no longer \
established, SYNs to listeners included, and costs a state check each. Events the ring buffer had \
no room for are counted and reported at exit.",
    see_also: &["tcpconnect", "tcprtt", "tcplife", "tcptracer"],
    hooks: crate::Hooks::Declared { object: "tcpconnlat", points: hooks },
};

/// Trace TCP connects and show connection latency: from the SYN sent
/// (connect called) to the connection established, attributed to the
/// process that connected.
#[derive(Parser, Debug)]
#[command(name = "tcpconnlat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Only show connects slower than this many milliseconds (decimals allowed)
    #[arg(value_name = "MIN_MS", value_parser = parse_min_ms)]
    min_ms: Option<f64>,
    /// Include a timestamp column: seconds since the first connect
    #[arg(short = 't', long)]
    timestamp: bool,
    /// Only trace this process ID
    #[arg(short, long)]
    pid: Option<u32>,
    /// Include the local port after SADDR (LPORT column)
    #[arg(short = 'L', long)]
    lport: bool,
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    #[command(flatten)]
    common: Common,
}

fn parse_min_ms(s: &str) -> std::result::Result<f64, String> {
    match s.parse::<f64>() {
        Ok(ms) if ms.is_finite() && ms > 0.0 && ms < 1e9 => Ok(ms),
        _ => Err(format!(
            "invalid minimum latency {s}: a positive number of milliseconds"
        )),
    }
}

fn hooks() -> Vec<AttachPoint> {
    vec![tcp::connect_hooks(
        "tcp_rcv_state_process",
        "fentry_rcv_state_process",
        "kp_rcv_state_process",
    )]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    libtools::check_pid(args.pid)?;

    let spec = Spec::hooks(hooks()).ring_size(1 << 20);
    let builder = TcpconnlatSkelBuilder::default();
    let tool = lifecycle::start(builder, spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_tgid = args.pid.unwrap_or(0);
        rodata.targ_min_ns = args.min_ms.map_or(0, |ms| (ms * 1e6) as u64);
        Ok(())
    })?;

    let json = args.common.json;
    let mut columns = Vec::new();
    columns.extend(RelTime::column(args.timestamp, 9));
    columns.extend(tcp::task_columns(12));
    columns.push(Column::left("SADDR", 16));
    if args.lport {
        columns.push(Column::left("LPORT", 6));
    }
    columns.extend([
        Column::left("DADDR", 16),
        Column::left("DPORT", 5),
        Column::left("LAT(ms)", 0).key("lat_ms"),
    ]);
    let out = Output::stdout(json, columns);
    let mut time = RelTime::default();
    tool.trace(&out, "TCP connects", duration, |data| {
        let e: event = libtools::decode(data);
        let t = &e.t;
        let mut cells = Vec::with_capacity(10);
        cells.extend(args.timestamp.then(|| time.cell(e.ts_ns)));
        cells.extend(tcp::task_cells(json, 12, e.pid, &e.comm, t.family));
        cells.push(Value::Addr(net::addr(t.family, &t.saddr)));
        if args.lport {
            cells.push(Value::Uint(t.sport.into()));
        }
        cells.extend([
            Value::Addr(net::addr(t.family, &t.daddr)),
            Value::Uint(t.dport.into()),
            Value::Fixed(e.delta_ns as f64 / 1e6, 2),
        ]);
        out.row(&cells);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_latency_is_positive_milliseconds() {
        assert_eq!(parse_min_ms("0.1"), Ok(0.1));
        assert_eq!(parse_min_ms("2"), Ok(2.0));
        assert!(parse_min_ms("0").is_err());
        assert!(parse_min_ms("-1").is_err());
        assert!(parse_min_ms("abc").is_err());
        assert!(parse_min_ms("nan").is_err());
    }
}
