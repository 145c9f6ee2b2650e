//! tcpdrop: TCP packets the kernel dropped, why, and where (kernel stack).

use std::collections::HashMap;

use clap::Parser;
use libtools::net::{self, FamilyArg};
use libtools::stacks::{self, StackResolver, StackStorage};
use libtools::{lifecycle, AttachPoint, Column, Columns, Common, DurationArg, Prog, Result};
use libtools::{Spec, Value};

libtools::skel!("tcpdrop");
use skel::{types::event, TcpdropSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    tcpdrop              # trace kernel TCP drops, with kernel stacks
    tcpdrop -4           # trace IPv4 family only
    tcpdrop -6           # trace IPv6 family only
    tcpdrop --no-stack   # one line per drop, no stack
    tcpdrop --json       # JSON Lines, one object per drop

SADDR:SPORT > DADDR:DPORT is the dropped packet's direction. STATE is the
socket's, `-` when the packet had none (NO_SOCKET: nothing listens there).
REASON is the kernel's drop reason (enum skb_drop_reason), `-` where the
hook has none. PID is whoever was on the CPU: drops happen in softirqs.";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the event was printed, HH:MM:SS"),
        ("PID", "whoever was on the CPU at the drop, usually unrelated: drops happen in softirqs"),
        ("IP", "4 or 6"),
        ("SADDR:SPORT", "the dropped packet's source address and port (IPv6 without brackets); --json: saddr and sport"),
        (">", "the packet's direction, source to destination"),
        ("DADDR:DPORT", "its destination address and port; --json: daddr and dport"),
        ("STATE", "the socket's TCP state; - when the packet had none (--json: null)"),
        ("(FLAGS)", "the packet's TCP flags, as (SYN) or (FIN|ACK); --json key flags"),
        ("REASON", "the kernel's drop reason (NO_SOCKET), its number when this kernel does not name it, - with the tcp_drop kprobe (no reasons)"),
        ("KERNEL_STACK", "the kernel stack of the drop under the row, innermost first, a function per line indented by a tab, then an empty line; [Missed Kernel Stack] when lost; --json: a list; not with --no-stack"),
    ],
    overhead: "The program runs at every packet the kernel frees as dropped, whatever its protocol \
(skb:kfree_skb), or at tcp_drop on old kernels. It reads the packet's headers and returns for \
anything but TCP of the chosen family; a TCP drop costs a kernel stack walk (not with --no-stack), \
a ring buffer event, and in user space the naming of the stack's frames. Drops are normally rare, \
but a flood of them (a SYN flood, a scan of closed ports) makes every dropped packet an event: \
--no-stack makes each cheaper. Stacks that do not fit the stack map (--stack-storage-size) show as \
[Missed Kernel Stack]. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["tcpretrans", "tcpstates", "tcplife", "stackcount"],
    upstream: &[],
    hooks: crate::Hooks::Declared { object: "tcpdrop", points: || hooks(true) },
};

/// Trace TCP packets dropped by the kernel: addresses and ports, socket
/// state, TCP flags, drop reason, and the kernel stack of the drop.
///
/// Drop reasons come with kfree_skb since Linux 5.17; the tcp_drop kprobe,
/// for kernels before 5.19, has none.
#[derive(Parser, Debug)]
#[command(name = "tcpdrop", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    family: FamilyArg,
    /// Do not take or print kernel stacks
    #[arg(long = "no-stack")]
    no_stack: bool,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    storage: StackStorage,
    #[command(flatten)]
    common: Common,
}

/// `with_reasons`: the kernel has drop reasons (5.17+). Before, kfree_skb
/// fires for every freed packet with nothing to tell drops apart (its
/// tracepoint has no reason, tp_btf no reason argument): tcp_drop only.
fn hooks(with_reasons: bool) -> Vec<AttachPoint> {
    let mut point = AttachPoint::new("packet drop");
    if with_reasons {
        point = point
            .or([Prog::tracepoint("tp_kfree_skb", "skb:kfree_skb")])
            .or([Prog::tp_btf("tp_btf_kfree_skb", "kfree_skb")]);
    }
    vec![point.or([Prog::kprobe("kprobe_tcp_drop", "tcp_drop")])]
}

/// Drop reasons by value, named as the kernel's tracepoint prints them
/// (`NO_SOCKET`), from this kernel's BTF.
fn drop_reasons() -> HashMap<u32, String> {
    libtools::btf::vmlinux_enums(&["skb_drop_reason"])
        .into_iter()
        .map(|(name, v)| (v, reason_name(&name).to_string()))
        .collect()
}

fn reason_name(enum_name: &str) -> &str {
    enum_name
        .strip_prefix("SKB_DROP_REASON_")
        .or_else(|| enum_name.strip_prefix("SKB_"))
        .unwrap_or(enum_name)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let reasons = drop_reasons();
    let spec = Spec::hooks(hooks(!reasons.is_empty()));
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        let rodata = open.rodata()?;
        rodata.targ_family = args.family.family();
        rodata.kernel_stack = !args.no_stack;
        args.storage.apply(&mut open.maps.stackmap)
    })?;

    let json = args.common.json;
    let stack = !args.no_stack;
    let arrow = Column::left(">", 1).table_only();
    let out = Columns::new()
        .always([
            Column::left("TIME", 8),
            Column::left("PID", 7),
            Column::left("IP", 2),
        ])
        .always(net::flow_columns(json, "SADDR:SPORT", Some(arrow), "DADDR:DPORT", 20))
        .always([
            Column::left("STATE", 12),
            Column::left("(FLAGS)", 9),
            Column::left("REASON", 0),
        ])
        .when(json && stack, [Column::left("KERNEL_STACK", 0)])
        .stdout(json);

    let mut resolver = StackResolver::new();
    let mut text = Default::default();
    tool.trace(&out, "TCP drops", duration, |data| {
        let e: event = libtools::decode(data);
        let state = match e.state {
            0 => Value::Null,
            s => Value::Str(net::tcp_state_name(s.into())),
        };
        let flags = net::tcp_flags(e.tcpflags);
        let flags = if json { flags } else { format!("({flags})") };
        let reason = match reasons.get(&e.reason) {
            Some(r) => Value::Str(r),
            None if e.reason == u32::MAX => Value::Null,
            None => Value::Uint(e.reason.into()),
        };
        let frames = if stack {
            resolver.stack(&tool.maps.stackmap, e.kern_stack_id, None)
        } else {
            Vec::new()
        };
        let ends = libtools::ends!(e.t);
        out.row_of(&[
            &[
                Value::now(),
                Value::Uint(e.pid.into()),
                Value::Uint(net::ip_version(e.t.family)),
            ],
            &ends.flow_cells(json, Some(Value::Str(">")), &mut text),
            &[
                state,
                Value::Str(&flags),
                reason,
                Value::Strings(&stacks::frame_bytes(&frames)),
            ],
        ]);
        if !json && stack {
            // bcc's layout: the frames under the row, then an empty line.
            out.text(&(stacks::frames_below(&frames, "\t") + "\n"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_named_as_the_tracepoint_does() {
        assert_eq!(reason_name("SKB_DROP_REASON_NO_SOCKET"), "NO_SOCKET");
        assert_eq!(reason_name("SKB_CONSUMED"), "CONSUMED");
        let r = drop_reasons();
        assert_eq!(r.values().filter(|n| *n == "NO_SOCKET").count(), 1, "{r:?}");
    }
}
