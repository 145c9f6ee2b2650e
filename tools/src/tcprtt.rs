//! tcprtt: the smoothed round-trip time of TCP connections as log2
//! histograms, overall or per local or remote address.

use std::net::IpAddr;

use clap::Parser;
use libtools::hist::{Scale, Summary};
use libtools::net::{self, FamilyArg};
use libtools::run::{self, Interval};
use libtools::{bail, lifecycle, top, AttachPoint, Common, Prog, Result, Spec, Value};

libtools::skel!("tcprtt");
use skel::{types::rtt_hist, types::rtt_key, TcprttSkelBuilder};

const EXAMPLES: &str = "EXAMPLES:
    tcprtt                 # summarize TCP RTT
    tcprtt -i 1 -d 10      # print 1 second summaries, 10 times
    tcprtt -m -T           # summarize in milliseconds, and timestamps
    tcprtt -p 80           # filter for local port 80
    tcprtt -P 80           # filter for remote port 80
    tcprtt -a 10.0.0.1     # filter for local address
    tcprtt -A 10.0.0.1     # filter for remote address
    tcprtt -b              # show sockets histogram by local address
    tcprtt -B              # show sockets histogram by remote address
    tcprtt -e              # show extension summary (average)";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("HH:MM:SS", "the time, on a line before each interval's histograms (-T)"),
        ("All Addresses = ******", "the heading of the single histogram, without -b or -B"),
        ("Local Address = ADDR", "the heading of each local address's histogram (-b)"),
        ("Remote Address = ADDR", "the heading of each remote address's histogram (-B)"),
        ("[AVG n]", "after the heading: the average RTT of the interval, in the histogram's unit, rounded down (-e)"),
        ("usecs", "each bucket's range, low -> high, in powers of two: the smoothed RTT (srtt) a connection had as it received a segment, in microseconds; msecs with -m, where RTTs under 1 ms count as 0"),
        ("count", "how many received segments saw an RTT in that range, in the interval"),
        ("distribution", "the count as a bar of stars, scaled to the largest bucket"),
        ("buckets", "with --json, one object per histogram: time (-T), laddr or raddr, avg (-e), count (all segments), unit and buckets, a list of {low, high, count}"),
    ],
    overhead: "The program runs for every TCP segment received on an established connection (the \
tcp_probe tracepoint, else tcp_rcv_established), on the receive path of every packet: on a host \
moving a lot of TCP traffic that is very often. Each firing applies the port, address and family \
filters in the kernel, then adds to one histogram in a hash map: a lookup and a few atomic \
additions, nothing sent per segment. User space reads and clears the histograms once per interval. \
With -b or -B the map holds up to 10240 addresses.",
    see_also: &["tcpconnlat", "tcpretrans", "tcptop", "tcplife"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "tcprtt", points: hooks },
};

/// Summarize TCP RTT as a histogram: the smoothed round-trip time of a
/// connection each time it receives a segment while established.
#[derive(Parser, Debug)]
#[command(name = "tcprtt", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Summary interval, seconds
    #[arg(short, long, value_parser = clap::value_parser!(u64).range(1..))]
    interval: Option<u64>,
    /// Total duration of trace, seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    /// Include a timestamp on output
    #[arg(short = 'T', long)]
    timestamp: bool,
    /// Millisecond histogram
    #[arg(short, long = "millisecond")]
    milliseconds: bool,
    /// Filter for local port
    #[arg(short = 'p', long = "lport", value_name = "LPORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    lport: Option<u16>,
    /// Filter for remote port
    #[arg(short = 'P', long = "rport", value_name = "RPORT",
          value_parser = clap::value_parser!(u16).range(1..))]
    rport: Option<u16>,
    /// Filter for local address
    #[arg(short = 'a', long = "laddr", value_name = "LADDR")]
    laddr: Option<IpAddr>,
    /// Filter for remote address
    #[arg(short = 'A', long = "raddr", value_name = "RADDR")]
    raddr: Option<IpAddr>,
    /// Show sockets histogram by local address
    #[arg(short = 'b', long = "byladdr", conflicts_with = "raddr_hist")]
    laddr_hist: bool,
    /// Show sockets histogram by remote address
    #[arg(short = 'B', long = "byraddr")]
    raddr_hist: bool,
    /// Show extension summary (average)
    #[arg(short, long)]
    extension: bool,
    #[command(flatten)]
    family: FamilyArg,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("TCP segment received")
        .or([Prog::tp_btf("tp_btf_probe", "tcp_probe")])
        .or([Prog::tracepoint("tp_probe", "tcp:tcp_probe")])
        .or([Prog::fentry(
            "fentry_rcv_established",
            "tcp_rcv_established",
        )])
        .or([Prog::kprobe(
            "kprobe_rcv_established",
            "tcp_rcv_established",
        )])]
}

/// An address filter as the BPF side takes it: family and 16 bytes.
fn addr_filter(addr: Option<IpAddr>) -> (u16, [u8; 16]) {
    let mut bytes = [0u8; 16];
    match addr {
        None => (0, bytes),
        Some(IpAddr::V4(a)) => {
            bytes[..4].copy_from_slice(&a.octets());
            (net::AF_INET, bytes)
        }
        Some(IpAddr::V6(a)) => (net::AF_INET6, a.octets()),
    }
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;
    let (lfam, laddr) = addr_filter(args.laddr);
    let (rfam, raddr) = addr_filter(args.raddr);
    if lfam != 0 && rfam != 0 && lfam != rfam {
        bail!("it is not permitted to filter by both IPv4 and IPv6 addresses");
    }
    let family = args.family.family();
    if family != 0 && ((lfam != 0 && lfam != family) || (rfam != 0 && rfam != family)) {
        bail!("the address filter is not of the family chosen with -4/-6");
    }

    let spec = Spec::hooks(hooks());
    let tool = lifecycle::start(TcprttSkelBuilder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_laddr_hist = args.laddr_hist;
        rodata.targ_raddr_hist = args.raddr_hist;
        rodata.targ_ms = args.milliseconds;
        rodata.targ_lport = args.lport.unwrap_or(0);
        rodata.targ_rport = args.rport.unwrap_or(0);
        rodata.targ_laddr_family = lfam;
        rodata.targ_laddr = laddr;
        rodata.targ_raddr_family = rfam;
        rodata.targ_raddr = raddr;
        rodata.targ_family = family;
        Ok(())
    })?;

    let unit = if args.milliseconds { "msecs" } else { "usecs" };
    let summary = Summary::new(args.common.json, unit, Scale::Log2, args.timestamp);
    summary.ready("TCP RTT");
    // -d alone is one summary at its end; with -i, as many as fit.
    let interval = args.interval.or(duration.map(|d| d.as_secs()));
    let count = match (duration, interval) {
        (Some(d), Some(i)) => Some(d.as_secs().div_ceil(i)),
        _ => None,
    };
    run::summaries(&Interval { interval, count }, || {
        let mut hists: Vec<(rtt_key, rtt_hist)> = top::drain(&tool.maps.hists)?;
        hists.sort_by_key(|(k, _)| (k.family, k.addr));
        summary.begin();
        for (k, h) in &hists {
            let addr = net::addr(k.family, &k.addr);
            let avg = h.total / h.count.max(1);
            let mut line = if args.laddr_hist {
                format!("Local Address = {addr} ")
            } else if args.raddr_hist {
                format!("Remote Address = {addr} ")
            } else {
                "All Addresses = ****** ".to_string()
            };
            let mut fields = Vec::new();
            if args.laddr_hist {
                fields.push(("laddr", Value::Addr(addr)));
            } else if args.raddr_hist {
                fields.push(("raddr", Value::Addr(addr)));
            }
            if args.extension {
                line.push_str(&format!("[AVG {avg}]"));
                fields.push(("avg", Value::Uint(avg)));
            }
            fields.push(("count", Value::Uint(h.count)));
            summary.text(&format!("{line}\n"));
            summary.section(None, &fields, &h.hist.slots);
        }
        Ok(summary.end())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_filters_by_family() {
        assert_eq!(addr_filter(None).0, 0);
        let (f, b) = addr_filter(Some("127.0.0.1".parse().unwrap()));
        assert_eq!((f, &b[..5]), (net::AF_INET, &[127, 0, 0, 1, 0][..]));
        let (f, b) = addr_filter(Some("::1".parse().unwrap()));
        assert_eq!((f, b[15]), (net::AF_INET6, 1));
    }
}
