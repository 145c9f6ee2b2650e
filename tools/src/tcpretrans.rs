//! tcpretrans: TCP retransmissions, one line each or counted per flow.

use std::mem::MaybeUninit;

use clap::Parser;
use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libbpf_rs::MapCore;
use libtools::net::{self, FamilyArg};
use libtools::{
    bpf, maps, run, AttachPoint, Column, Common, Context, HookPlan, Output, Prog, Result, Value,
};

mod skel {
    libtools::skel!("tcpretrans");
}
use skel::{
    types::{event, net_tuple},
    TcpretransSkelBuilder,
};

unsafe impl plain::Plain for event {}
unsafe impl plain::Plain for net_tuple {}

const EXAMPLES: &str = "EXAMPLES:
    tcpretrans            # display all TCP retransmissions
    tcpretrans -c         # count retransmits per flow, shown at Ctrl-C
    tcpretrans -l         # include tail loss probe attempts (kprobe or fentry needed)
    tcpretrans -4         # trace IPv4 family only
    tcpretrans -6         # trace IPv6 family only
    tcpretrans --json     # JSON Lines, one object per retransmission

PID is the process on the CPU when the kernel retransmitted: usually 0, as
retransmissions mostly happen in timers and softirqs.";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("PID", "whoever was on the CPU at the retransmission, usually 0: timers and softirqs retransmit"),
        ("IP", "4 or 6"),
        ("LADDR:LPORT", "the local address and port (IPv6 without brackets); --json: laddr and lport"),
        ("T>", "R> for a retransmitted segment, L> for a tail loss probe (-l); --json key type, R or L"),
        ("RADDR:RPORT", "the remote address and port; --json: raddr and rport"),
        ("STATE", "the connection's TCP state (ESTABLISHED)"),
        ("RETRANSMITS", "retransmissions (and loss probes with -l) per flow, after LADDR:LPORT and RADDR:RPORT, printed at exit, fewest first (-c)"),
    ],
    overhead: "The program runs at every TCP retransmission on the system and, with -l, at every \
tail loss probe; each costs a ring buffer event, or with -c only a hash map update in the kernel. \
Retransmissions are normally rare, but a lossy or congested path brings bursts of them: -c keeps \
the cost of each to a map update, for up to 10240 flows. -4 and -6 filter in the kernel. Events \
the ring buffer had no room for are counted and reported at exit.",
    see_also: &["tcpdrop", "tcpstates", "tcprtt", "tcplife"],
};

/// Trace TCP retransmits: time, pid, addresses and ports, type (R: a
/// retransmission, L: a tail loss probe) and the connection's state.
///
/// Hooks, in order of preference: tp_btf tcp_retransmit_skb, the
/// tcp:tcp_retransmit_skb tracepoint, a kprobe on tcp_retransmit_skb. Tail
/// loss probes (-l) have no tracepoint: they need fentry or a kprobe on
/// tcp_send_loss_probe.
#[derive(Parser, Debug)]
#[command(name = "tcpretrans", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Count retransmits per flow; print the counts at exit
    #[arg(short, long)]
    count: bool,
    /// Include tail loss probe attempts
    #[arg(short = 'l', long)]
    lossprobe: bool,
    /// Force the kprobe on tcp_retransmit_skb instead of the tracepoint
    #[arg(short = 'k', long)]
    kprobe: bool,
    #[command(flatten)]
    family: FamilyArg,
    /// Trace for this many seconds
    #[arg(short, long, allow_negative_numbers = true)]
    duration: Option<i64>,
    #[command(flatten)]
    common: Common,
}

const RETRANSMITS: &str = "retransmits";
const LOSS_PROBES: &str = "tail loss probes";

fn hooks(args: &Args) -> Vec<AttachPoint> {
    let kprobe = Prog::kprobe("kprobe_retransmit", "tcp_retransmit_skb");
    let mut retrans = AttachPoint::new(RETRANSMITS);
    if !args.kprobe {
        retrans = retrans
            .or([Prog::tp_btf("tp_btf_retransmit", "tcp_retransmit_skb")])
            .or([Prog::tracepoint("tp_retransmit", "tcp:tcp_retransmit_skb")]);
    }
    let mut points = vec![retrans.or([kprobe])];
    // Declared always (so that hook selection knows every program), chosen
    // only with -l.
    let tlp = AttachPoint::new(LOSS_PROBES)
        .or([Prog::fentry("fentry_tlp", "tcp_send_loss_probe")])
        .or([Prog::kprobe("kprobe_tlp", "tcp_send_loss_probe")]);
    if args.lossprobe {
        points.push(tlp);
    }
    points
}

pub fn main() -> ! {
    libtools::main("tcpretrans", run)
}

fn endpoint(family: u16, bytes: &[u8; 16], port: u16) -> String {
    net::addr_port(net::addr(family, bytes), port)
}

fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = run::duration(args.duration)?;

    let mut storage = MaybeUninit::uninit();
    let mut open = TcpretransSkelBuilder::default().open(&mut storage)?;
    let rodata = open
        .maps
        .rodata_data
        .as_deref_mut()
        .expect("tcpretrans has rodata");
    rodata.filter_family = args.family.family();
    rodata.do_count = args.count;

    let plan = HookPlan::select(&hooks(&args)).map_err(|e| {
        if args.lossprobe && e.to_string().contains(LOSS_PROBES) {
            e.context("-l (tail loss probes) is unavailable on this kernel")
        } else {
            e
        }
    })?;
    if !args.lossprobe {
        for name in ["fentry_tlp", "kprobe_tlp"] {
            if let Some(mut p) = open
                .open_object_mut()
                .progs_mut()
                .find(|p| p.name().to_string_lossy() == name)
            {
                p.set_autoload(false);
            }
        }
    }
    let skel = bpf::load(open, &plan)?;
    let _links = plan.attach(skel.object())?;

    if args.count {
        eprintln!("Tracing retransmits ... Hit Ctrl-C to end.");
        run::sleep_for(duration);
        return print_counts(&skel.maps.counts, args.common.json);
    }

    let json = args.common.json;
    let columns = if json {
        vec![
            Column::left("TIME", 8),
            Column::left("PID", 6),
            Column::left("IP", 2),
            Column::left("LADDR", 0),
            Column::left("LPORT", 0),
            Column::left("TYPE", 0),
            Column::left("RADDR", 0),
            Column::left("RPORT", 0),
            Column::left("STATE", 0),
        ]
    } else {
        vec![
            Column::left("TIME", 8),
            Column::left("PID", 6),
            Column::left("IP", 2),
            Column::left("LADDR:LPORT", 20),
            Column::left("T>", 2),
            Column::left("RADDR:RPORT", 20),
            Column::left("STATE", 4),
        ]
    };
    let out = Output::stdout(json, columns);
    out.ready("retransmits");

    run::poll_events(&skel.maps.events, duration, &out, |data| {
        let e: event = libtools::decode(data);
        let t = &e.t;
        let (laddr, raddr) = (net::addr(t.family, &t.saddr), net::addr(t.family, &t.daddr));
        let kind = if e.r#type == 2 { "L" } else { "R" };
        let state = net::tcp_state_name(e.state);
        let time = Value::Time(libtools::output::now());
        let ip = Value::Uint(net::ip_version(t.family));
        if json {
            out.row(&[
                time,
                Value::Uint(e.pid.into()),
                ip,
                Value::Addr(laddr),
                Value::Uint(t.sport.into()),
                Value::Str(kind),
                Value::Addr(raddr),
                Value::Uint(t.dport.into()),
                Value::Str(state),
            ]);
        } else {
            let (l, r) = (
                net::addr_port(laddr, t.sport),
                net::addr_port(raddr, t.dport),
            );
            let arrow = format!("{kind}>");
            out.row(&[
                time,
                Value::Uint(e.pid.into()),
                ip,
                Value::Str(&l),
                Value::Str(&arrow),
                Value::Str(&r),
                Value::Str(state),
            ]);
        }
    })?;
    bpf::report_dropped(skel.object());
    Ok(())
}

/// -c at exit: one line per flow, fewest retransmits first, as bcc does.
fn print_counts(map: &dyn MapCore, json: bool) -> Result<()> {
    let mut flows: Vec<(net_tuple, u64)> = Vec::new();
    for (key, v) in maps::read(map).context("cannot read the retransmit counts")? {
        let mut t = net_tuple::default();
        plain::copy_from_bytes(&mut t, &key).expect("key is a net_tuple");
        let n = u64::from_ne_bytes(v[..8].try_into().expect("value is a u64"));
        flows.push((t, n));
    }
    flows.sort_by_key(|f| f.1);
    let columns = if json {
        vec![
            Column::left("LADDR", 0),
            Column::left("LPORT", 0),
            Column::left("RADDR", 0),
            Column::left("RPORT", 0),
            Column::left("RETRANSMITS", 0),
        ]
    } else {
        vec![
            Column::left("LADDR:LPORT", 25),
            Column::left("RADDR:RPORT", 25),
            Column::left("RETRANSMITS", 10),
        ]
    };
    let out = Output::stdout(json, columns);
    if !json {
        out.text("\n");
        out.ready("retransmits");
    }
    for (t, n) in &flows {
        if json {
            out.row(&[
                Value::Addr(net::addr(t.family, &t.saddr)),
                Value::Uint(t.sport.into()),
                Value::Addr(net::addr(t.family, &t.daddr)),
                Value::Uint(t.dport.into()),
                Value::Uint(*n),
            ]);
        } else {
            let (l, r) = (
                endpoint(t.family, &t.saddr, t.sport),
                endpoint(t.family, &t.daddr, t.dport),
            );
            out.row(&[Value::Str(&l), Value::Str(&r), Value::Uint(*n)]);
        }
    }
    out.flush();
    Ok(())
}
