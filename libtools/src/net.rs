//! The network tools' shared half: addresses from the `struct net_tuple`
//! bytes of bpf/net.h and the columns they fill, TCP state and flag names,
//! port lists (-P/-L/-D) and the -4/-6 choice, whose BPF side is
//! bpf/net.bpf.h.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{bail, Result};

use crate::output::{Column, Value};
use crate::table::Columns;

use crate::consts;

pub const AF_INET: u16 = consts::BPFTK_AF_INET as u16;
pub const AF_INET6: u16 = consts::BPFTK_AF_INET6 as u16;
/// How many ports a -P/-L/-D list may name (bpf/net.h).
pub const MAX_PORTS: usize = consts::BPFTK_MAX_PORTS as usize;

/// An address as the kernel stored it: IPv4 in the first 4 bytes.
pub fn addr(family: u16, bytes: &[u8; 16]) -> IpAddr {
    if family == AF_INET6 {
        IpAddr::V6(Ipv6Addr::from(*bytes))
    } else {
        IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]))
    }
}

/// `4` or `6`, for an `IP` column.
pub fn ip_version(family: u16) -> u64 {
    if family == AF_INET6 {
        6
    } else {
        4
    }
}

/// `127.0.0.1:80` or `::1:80`: an address and port as bcc's network tools
/// print them (IPv6 without brackets).
pub fn addr_port(a: IpAddr, port: u16) -> String {
    format!("{a}:{port}")
}

/// TCP states by number (include/net/tcp_states.h), as bcc and
/// libbpf-tools name them: the one table of every tool. 0 is no state.
const TCP_STATES: [&str; 14] = [
    "UNKNOWN",
    "ESTABLISHED",
    "SYN_SENT",
    "SYN_RECV",
    "FIN_WAIT1",
    "FIN_WAIT2",
    "TIME_WAIT",
    "CLOSE",
    "CLOSE_WAIT",
    "LAST_ACK",
    "LISTEN",
    "CLOSING",
    "NEW_SYN_RECV",
    "BOUND_INACTIVE",
];

/// The name of TCP state `state` (`SYN_SENT`), `UNKNOWN` when out of range.
pub fn tcp_state_name(state: i64) -> &'static str {
    usize::try_from(state)
        .ok()
        .and_then(|i| TCP_STATES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

/// A connection's two ends as the tools print them, from the fields of a
/// `struct net_tuple` (bpf/net.h); [`ends!`](crate::ends) builds one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ends {
    pub family: u16,
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
}

/// [`Ends`] of any skeleton's `net_tuple` (each skeleton has its own type).
#[macro_export]
macro_rules! ends {
    ($t:expr) => {{
        let t = &$t;
        $crate::net::Ends::new(t.family, &t.saddr, t.sport, &t.daddr, t.dport)
    }};
}

impl Ends {
    pub fn new(family: u16, saddr: &[u8; 16], sport: u16, daddr: &[u8; 16], dport: u16) -> Ends {
        Ends {
            family,
            src: addr(family, saddr),
            sport,
            dst: addr(family, daddr),
            dport,
        }
    }

    /// Source address, source port, destination address, destination port.
    pub fn cells(&self) -> [Value<'static>; 4] {
        [
            Value::Addr(self.src),
            Value::Uint(self.sport.into()),
            Value::Addr(self.dst),
            Value::Uint(self.dport.into()),
        ]
    }

    /// The cells of [`flow_columns`]: in the table `ADDR:PORT`, `between`,
    /// `ADDR:PORT` (their text kept in `text`); in JSON addresses and ports
    /// apart, with `between` after the source.
    pub fn flow_cells<'a>(
        &self,
        json: bool,
        between: Option<Value<'a>>,
        text: &'a mut [String; 2],
    ) -> Vec<Value<'a>> {
        let [src, sport, dst, dport] = self.cells();
        let mut cells = Vec::with_capacity(5);
        if json {
            cells.extend([src, sport]);
            cells.extend(between);
            cells.extend([dst, dport]);
        } else {
            *text = [
                addr_port(self.src, self.sport),
                addr_port(self.dst, self.dport),
            ];
            let [s, d] = &*text;
            cells.push(Value::Str(s));
            cells.extend(between);
            cells.push(Value::Str(d));
        }
        cells
    }
}

/// bindsnoop's and solisten's `-t`: a leading `TIME(s)` column that
/// libbpf-tools heads so though it holds the wall-clock time; `time` in JSON.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct WallTimeArg {
    /// Include timestamp on output
    #[arg(short = 't', long)]
    pub timestamp: bool,
}

impl WallTimeArg {
    /// The column, under the flag: the first of the table's.
    pub fn columns(&self) -> Columns {
        Columns::new().when(self.timestamp, [Column::left("TIME(s)", 8).key("time")])
    }
}

/// `PORT ADDR`: a socket's local end, as bindsnoop and solisten show it.
pub fn port_addr_columns(addr_width: usize) -> [Column; 2] {
    [Column::left("PORT", 5), Column::left("ADDR", addr_width)]
}

/// The cells of [`port_addr_columns`].
pub fn port_addr(port: u16, family: u16, bytes: &[u8; 16]) -> [Value<'static>; 2] {
    [Value::Uint(port.into()), Value::Addr(addr(family, bytes))]
}

/// `LADDR LPORT RADDR RPORT`, the addresses `addr_width` wide.
pub fn ends_columns(addr_width: usize) -> [Column; 4] {
    [
        Column::left("LADDR", addr_width),
        Column::left("LPORT", 5),
        Column::left("RADDR", addr_width),
        Column::left("RPORT", 5),
    ]
}

/// A flow's two ends as bcc's tcpretrans and tcpdrop show them: one
/// `ADDR:PORT` column each (`src`, `dst`, `width` wide) in the table, with
/// `between` (an arrow) between; in JSON the address and port apart,
/// named by the halves of `src` and `dst`.
pub fn flow_columns(
    json: bool,
    src: &'static str,
    between: Option<Column>,
    dst: &'static str,
    width: usize,
) -> Vec<Column> {
    let end = |name: &'static str| -> Vec<Column> {
        match name.split_once(':') {
            Some((a, p)) if json => vec![Column::left(a, 0), Column::left(p, 0)],
            _ => vec![Column::left(name, width)],
        }
    };
    let mut columns = end(src);
    columns.extend(between);
    columns.extend(end(dst));
    columns
}

/// TCP header flags as bcc prints them: `SYN|ACK`.
pub fn tcp_flags(flags: u8) -> String {
    const NAMES: [&str; 8] = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"];
    NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| flags & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join("|")
}

/// Copy a port list into a tool's rodata (`NAME[BPFTK_MAX_PORTS]` and
/// `NAME_len`, read by `port_listed()`); `flag` names the option in errors.
pub fn set_ports(
    dst: &mut [u16; MAX_PORTS],
    len: &mut u32,
    ports: &[u16],
    flag: &str,
) -> Result<()> {
    if ports.len() > MAX_PORTS {
        bail!("{flag}: at most {MAX_PORTS} ports, got {}", ports.len());
    }
    if let Some(0) = ports.iter().find(|p| **p == 0) {
        bail!("{flag}: port 0 is not a port");
    }
    dst[..ports.len()].copy_from_slice(ports);
    *len = ports.len() as u32;
    Ok(())
}

/// `-4/--ipv4` and `-6/--ipv6`, flattened into a tool's arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FamilyArg {
    /// Trace IPv4 only
    #[arg(short = '4', long = "ipv4", conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// Trace IPv6 only
    #[arg(short = '6', long = "ipv6")]
    pub ipv6: bool,
}

impl FamilyArg {
    /// The value for bpf/net.bpf.h's `targ_family`: 0 for both.
    pub fn family(&self) -> u16 {
        match (self.ipv4, self.ipv6) {
            (true, _) => AF_INET,
            (_, true) => AF_INET6,
            _ => 0,
        }
    }
}

/// The one attach point of bindsnoop and solisten, a socket call: the
/// syscall's entry and exit tracepoints (programs `tp_enter_<call>` and
/// `tp_exit_<call>`); else fexit on each kernel function that does the work
/// (`fexit_<func>`); else a kprobe and a kretprobe on each (`kprobe_<func>`,
/// `kretprobe_<func>`).
///
/// ```ignore
/// socket_call_hooks!(bind; inet_bind, inet6_bind)  // an AttachPoint "bind"
/// ```
#[macro_export]
macro_rules! socket_call_hooks {
    ($call:ident; $($func:ident),+) => {
        $crate::AttachPoint::new(stringify!($call))
            .or([
                $crate::Prog::tracepoint(
                    concat!("tp_enter_", stringify!($call)),
                    concat!("syscalls:sys_enter_", stringify!($call)),
                ),
                $crate::Prog::tracepoint(
                    concat!("tp_exit_", stringify!($call)),
                    concat!("syscalls:sys_exit_", stringify!($call)),
                ),
            ])
            .or([$($crate::Prog::fexit(concat!("fexit_", stringify!($func)), stringify!($func))),+])
            .or([$(
                $crate::Prog::kprobe(concat!("kprobe_", stringify!($func)), stringify!($func)),
                $crate::Prog::kretprobe(concat!("kretprobe_", stringify!($func)), stringify!($func)),
            )+])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_call_hooks_follow_the_naming_convention() {
        let p = crate::socket_call_hooks!(bind; inet_bind, inet6_bind);
        let names: Vec<Vec<&str>> = p
            .alternatives
            .iter()
            .map(|a| a.iter().map(|p| p.name).collect())
            .collect();
        assert_eq!(p.what, "bind");
        assert_eq!(names[0], ["tp_enter_bind", "tp_exit_bind"]);
        assert_eq!(names[1], ["fexit_inet_bind", "fexit_inet6_bind"]);
        assert_eq!(
            names[2],
            [
                "kprobe_inet_bind",
                "kretprobe_inet_bind",
                "kprobe_inet6_bind",
                "kretprobe_inet6_bind"
            ]
        );
    }

    #[test]
    fn addresses_by_family() {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&[127, 0, 0, 1]);
        assert_eq!(addr(AF_INET, &b).to_string(), "127.0.0.1");
        let mut b = [0u8; 16];
        b[15] = 1;
        assert_eq!(addr(AF_INET6, &b).to_string(), "::1");
        assert_eq!(ip_version(AF_INET6), 6);
        assert_eq!(ip_version(AF_INET), 4);
    }

    #[test]
    fn states_flags_and_endpoints() {
        assert_eq!(tcp_state_name(2), "SYN_SENT");
        assert_eq!(tcp_state_name(12), "NEW_SYN_RECV");
        assert_eq!(tcp_state_name(13), "BOUND_INACTIVE");
        assert_eq!(tcp_state_name(0), "UNKNOWN");
        assert_eq!(tcp_state_name(-1), "UNKNOWN");
        assert_eq!(tcp_state_name(99), "UNKNOWN");
        assert_eq!(tcp_flags(0x12), "SYN|ACK");
        assert_eq!(tcp_flags(0), "");
        let mut b = [0u8; 16];
        b[15] = 1;
        assert_eq!(addr_port(addr(AF_INET6, &b), 80), "::1:80");
    }

    #[test]
    fn port_lists_fill_rodata() {
        let mut dst = [0u16; MAX_PORTS];
        let mut len = 0;
        set_ports(&mut dst, &mut len, &[80, 443], "-P").unwrap();
        assert_eq!((len, &dst[..3]), (2, &[80, 443, 0][..]));
        let many: Vec<u16> = (1..=65).collect();
        let err = set_ports(&mut dst, &mut len, &many, "-P").unwrap_err();
        assert_eq!(err.to_string(), "-P: at most 64 ports, got 65");
        assert!(set_ports(&mut dst, &mut len, &[0], "-P").is_err());
    }

    #[test]
    fn flows_split_in_json_only() {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&[10, 0, 0, 1]);
        let ends = Ends::new(AF_INET, &b, 22, &b, 80);
        let mut text = Default::default();
        let t = ends.flow_cells(false, Some(Value::Str(">")), &mut text);
        assert!(matches!(
            t[..],
            [
                Value::Str("10.0.0.1:22"),
                Value::Str(">"),
                Value::Str("10.0.0.1:80")
            ]
        ));
        let j = ends.flow_cells(true, None, &mut text);
        assert!(matches!(
            j[..],
            [
                Value::Addr(_),
                Value::Uint(22),
                Value::Addr(_),
                Value::Uint(80)
            ]
        ));
        let c = flow_columns(true, "LADDR:LPORT", None, "RADDR:RPORT", 20);
        assert_eq!(c.len(), 4);
        assert_eq!(
            flow_columns(false, "LADDR:LPORT", None, "RADDR:RPORT", 20).len(),
            2
        );
    }
}
