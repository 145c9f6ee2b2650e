//! tcpretrans: TCP retransmissions, one line each or counted per flow.

use clap::Parser;
use libbpf_rs::MapCore;
use libtools::net::{self, FamilyArg};
use libtools::tcp;
use libtools::{lifecycle, maps, run, AttachPoint, Column, Columns, Common, Context, DurationArg};
use libtools::{Output, Prog, Result, Spec, Value};

libtools::skel!("tcpretrans");
use skel::{
    types::{event, net_tuple},
    TcpretransSkelBuilder as Builder,
};

const EXAMPLES: &str = "EXAMPLES:
    tcpretrans            # display all TCP retransmissions
    tcpretrans -c         # count retransmits per flow, shown at Ctrl-C
    tcpretrans -l         # include tail loss probe attempts (kprobe or fentry needed)
    tcpretrans -s         # display TCP sequence numbers
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
        ("SEQ", "the retransmitted segment's first sequence number, as the kernel keeps it (not relative to the connection's start); 0 for a tail loss probe (-s)"),
        ("RETRANSMITS", "retransmissions (and loss probes with -l) per flow, after LADDR:LPORT and RADDR:RPORT, printed at exit, fewest first (-c)"),
    ],
    overhead: "The program runs at every TCP retransmission on the system and, with -l, at every \
tail loss probe; each costs a ring buffer event, or with -c only a hash map update in the kernel. \
Retransmissions are normally rare, but a lossy or congested path brings bursts of them: -c keeps \
the cost of each to a map update, for up to 10240 flows. -4 and -6 filter in the kernel. Events \
the ring buffer had no room for are counted and reported at exit.",
    see_also: &["tcpdrop", "tcpstates", "tcprtt", "tcplife"],
    upstream: &[
        "-s (bcc's sequence numbers) cannot be given with -c, where bcc silently ignores it: kept, because the counts per flow have no sequence number to show.",
    ],
    hooks: crate::Hooks::Declared { object: "tcpretrans", points: || hooks(false, true) },
};

/// Trace TCP retransmits: time, pid, addresses and ports, type (R: a
/// retransmission, L: a tail loss probe) and the connection's state.
///
/// Tail loss probes (-l) have no tracepoint: they need fentry or a kprobe
/// on tcp_send_loss_probe.
#[derive(Parser, Debug)]
#[command(name = "tcpretrans", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Count retransmits per flow; print the counts at exit
    #[arg(short, long)]
    count: bool,
    /// Include tail loss probe attempts
    #[arg(short = 'l', long)]
    lossprobe: bool,
    /// Display TCP sequence numbers
    #[arg(short = 's', long, conflicts_with = "count")]
    sequence: bool,
    /// Force the kprobe on tcp_retransmit_skb instead of the tracepoint
    #[arg(short = 'k', long)]
    kprobe: bool,
    #[command(flatten)]
    family: FamilyArg,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

const RETRANSMITS: &str = "retransmits";
const LOSS_PROBES: &str = "tail loss probes";

fn hooks(kprobe_only: bool, lossprobe: bool) -> Vec<AttachPoint> {
    let kprobe = Prog::kprobe("kprobe_retransmit", "tcp_retransmit_skb");
    let mut retrans = AttachPoint::new(RETRANSMITS);
    if !kprobe_only {
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
    if lossprobe {
        points.push(tlp);
    }
    points
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    // Without -l the loss probe programs are not declared: leave them out too.
    let spec = Spec::hooks(hooks(args.kprobe, args.lossprobe)).chosen_only();
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_family = args.family.family();
        rodata.do_count = args.count;
        Ok(())
    })
    .map_err(|e| {
        if args.lossprobe && e.to_string().contains(LOSS_PROBES) {
            e.context("-l (tail loss probes) is unavailable on this kernel")
        } else {
            e
        }
    })?;

    if args.count {
        eprintln!("Tracing retransmits ... Hit Ctrl-C to end.");
        run::sleep_for(duration);
        return print_counts(&tool.maps.counts, args.common.json);
    }

    let json = args.common.json;
    let kind = if json {
        Column::left("TYPE", 0)
    } else {
        Column::left("T>", 2)
    };
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("PID", 6),
            Column::left("IP", 2),
        ])
        .always(net::flow_columns(json, "LADDR:LPORT", Some(kind), "RADDR:RPORT", 20))
        .always([Column::left("STATE", if args.sequence { 12 } else { 4 })])
        .when(args.sequence, [Column::left("SEQ", 10)])
        .stdout(json);

    let mut text = Default::default();
    tool.trace(&out, "retransmits", duration, |data| {
        let e: event = libtools::decode(data);
        let kind = if e.r#type == 2 { "L" } else { "R" };
        let arrow = format!("{kind}>");
        let kind = Value::Str(if json { kind } else { arrow.as_str() });
        out.row_of(&[
            &[
                Value::now(),
                Value::Uint(e.pid.into()),
                Value::Uint(net::ip_version(e.t.family)),
            ],
            &libtools::ends!(e.t).flow_cells(json, Some(kind), &mut text),
            &[
                Value::Str(net::tcp_state_name(e.state.into())),
                Value::Uint(e.seq.into()),
            ],
        ]);
    })
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
    let mut columns = net::flow_columns(json, "LADDR:LPORT", None, "RADDR:RPORT", 25);
    columns.push(Column::left("RETRANSMITS", 10));
    let out = Output::stdout(json, columns);
    tcp::counts_header(&out, "retransmits");
    let mut text = Default::default();
    for (t, n) in &flows {
        let mut cells = libtools::ends!(t).flow_cells(json, None, &mut text);
        cells.push(Value::Uint(*n));
        out.row(&cells);
    }
    out.flush();
    Ok(())
}
