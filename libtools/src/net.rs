//! The network tools' shared half: addresses from the `struct net_tuple`
//! bytes of bpf/net.h, port lists (-P/-L/-D) and the -4/-6 choice, whose
//! BPF side is bpf/net.bpf.h.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{bail, Result};

pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;
/// `BPFTK_MAX_PORTS` in bpf/net.h.
pub const MAX_PORTS: usize = 64;

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

/// TCP states by number (include/net/tcp_states.h), as bcc names them.
const TCP_STATES: [&str; 13] = [
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
];

/// The name of TCP state `state` (`SYN_SENT`), `UNKNOWN` when out of range.
pub fn tcp_state_name(state: u32) -> &'static str {
    TCP_STATES.get(state as usize).copied().unwrap_or("UNKNOWN")
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
    /// The value for bpf/net.bpf.h's `filter_family`: 0 for both.
    pub fn family(&self) -> u16 {
        match (self.ipv4, self.ipv6) {
            (true, _) => AF_INET,
            (_, true) => AF_INET6,
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
