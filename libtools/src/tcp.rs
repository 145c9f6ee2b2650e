//! What the TCP tools share: the state-change hook of tcplife and
//! tcpstates, the connect hook of tcpconnlat and tcptracer; and what they
//! print alike: the PID, COMM and IP columns of
//! tcpconnect, tcpconnlat and tcptracer; the TIME and TIME(s) columns of
//! seconds since the first event; the -L/-D port lists of tcplife and
//! tcpstates.

use std::collections::HashMap;
use std::ffi::c_char;
use std::io::Write;

use anyhow::Result;

use crate::hooks::{AttachPoint, Prog};
use crate::net::{self, MAX_PORTS};
use crate::output::{Column, Format, Output, Value};
use crate::table::Columns;

/// sock:inet_sock_set_state, the one hook of tcplife and tcpstates: as
/// tp_btf, else as a tracepoint (programs `tp_btf_set_state`, `tp_set_state`).
pub fn state_change_hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("TCP state change")
        .or([Prog::tp_btf("tp_btf_set_state", "inet_sock_set_state")])
        .or([Prog::tracepoint("tp_set_state", "sock:inet_sock_set_state")])]
}

/// The connect hook of tcpconnlat and tcptracer: sock:inet_sock_set_state
/// (tp_btf `btf_set_state`, else tracepoint `tp_set_state`); else fentry,
/// else kprobe, on tcp_v4_connect, tcp_v6_connect (optional: IPv6 may be
/// a module) and `func`, whose programs are named `fentry` and `kprobe`.
pub fn connect_hooks(func: &str, fentry: &'static str, kprobe: &'static str) -> AttachPoint {
    AttachPoint::new("connect")
        .or([Prog::tp_btf("btf_set_state", "inet_sock_set_state")])
        .or([Prog::tracepoint("tp_set_state", "sock:inet_sock_set_state")])
        .or([
            Prog::fentry("fentry_v4_connect", "tcp_v4_connect"),
            Prog::fentry("fentry_v6_connect", "tcp_v6_connect").optional(),
            Prog::fentry(fentry, func),
        ])
        .or([
            Prog::kprobe("kp_v4_connect", "tcp_v4_connect"),
            Prog::kprobe("kp_v6_connect", "tcp_v6_connect").optional(),
            Prog::kprobe(kprobe, func),
        ])
}

/// `PID COMM IP`, with libbpf-tools' widths (COMM is cut to its width in
/// the table, as their `%-12.12s`; JSON gets the whole name).
pub fn task_columns(comm_width: usize) -> [Column; 3] {
    [
        Column::left("PID", 6),
        Column::left("COMM", comm_width),
        Column::left("IP", 2),
    ]
}

pub fn task_cells<'a>(
    json: bool,
    comm_width: usize,
    pid: u32,
    comm: &'a [c_char],
    family: u16,
) -> [Value<'a>; 3] {
    [
        Value::Uint(pid.into()),
        crate::table::comm_cell(json, comm_width, comm),
        Value::Uint(net::ip_version(family)),
    ]
}

/// Counts busiest first; ties in key order, so that output is stable.
pub fn busiest_first<K: Ord>(counts: HashMap<K, u64>) -> Vec<(K, u64)> {
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// Counts printed at exit: in the table a blank line after the ^C and the
/// header; JSON rows need neither.
pub fn counts_header<W: Write>(out: &Output<W>, what: &str) {
    if out.format() == Format::Table {
        out.text("\n");
        out.ready(what);
    }
}

/// `TIME(s)`: seconds since the first event, from the events' own clock.
#[derive(Default)]
pub struct RelTime {
    first_ns: Option<u64>,
}

impl RelTime {
    /// The column (-t): `TIME(s)`, `time_s` in JSON.
    pub fn column(width: usize) -> Column {
        Column::left("TIME(s)", width).key("time_s")
    }

    pub fn cell(&mut self, ts_ns: u64) -> Value<'static> {
        let first = *self.first_ns.get_or_insert(ts_ns);
        Value::Fixed(ts_ns.saturating_sub(first) as f64 / 1e9, 3)
    }
}

/// tcplife's and tcpstates' `-T` (a `TIME` column, HH:MM:SS) and `-t` (a
/// `TIME(s)` column, seconds since the first event).
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct StampArgs {
    /// Include a time column on output (HH:MM:SS)
    #[arg(short = 'T', long)]
    pub time: bool,
    /// Include a timestamp column (seconds since the first event)
    #[arg(short = 't', long)]
    pub timestamp: bool,
}

impl StampArgs {
    /// The two leading columns, each under its flag.
    pub fn columns(&self) -> Columns {
        Columns::new()
            .when(self.time, [Column::left("TIME", 8)])
            .when(self.timestamp, [Column::left("TIME(s)", 9)])
    }
}

/// bcc's `-s/--csv` of tcplife and tcpstates: comma-separated values,
/// the IP version included.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct CsvArg {
    /// Comma separated values output
    #[arg(short = 's', long = "csv", conflicts_with = "json")]
    pub csv: bool,
}

impl CsvArg {
    /// The output's format: CSV, else JSON Lines with `json`, else the table.
    pub fn format(&self, json: bool) -> Format {
        match (self.csv, json) {
            (true, _) => Format::Csv,
            (_, true) => Format::Json,
            _ => Format::Table,
        }
    }
}

/// The cells of [`StampArgs::columns`].
#[derive(Default)]
pub struct Stamps(RelTime);

impl Stamps {
    /// The cells of an event stamped `ts_us` by the kernel, shown or not.
    pub fn cells(&mut self, ts_us: u64) -> [Value<'static>; 2] {
        [Value::now(), self.0.cell(ts_us * 1000)]
    }
}

/// `-L/--localport` and `-D/--remoteport`, flattened into a tool's arguments.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PortsArg {
    /// Comma-separated list of local ports to trace
    #[arg(
        short = 'L',
        long = "localport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    pub lports: Vec<u16>,
    /// Comma-separated list of remote ports to trace
    #[arg(
        short = 'D',
        long = "remoteport",
        value_name = "PORTS",
        value_delimiter = ','
    )]
    pub rports: Vec<u16>,
}

/// The rodata of a tool with -L/-D: `targ_lports`, `targ_rports` and their lengths.
pub struct PortsRodata<'a> {
    pub targ_lports: &'a mut [u16; MAX_PORTS],
    pub targ_lports_len: &'a mut u32,
    pub targ_rports: &'a mut [u16; MAX_PORTS],
    pub targ_rports_len: &'a mut u32,
}

impl PortsArg {
    pub fn apply(&self, r: PortsRodata) -> Result<()> {
        net::set_ports(r.targ_lports, r.targ_lports_len, &self.lports, "-L")?;
        net::set_ports(r.targ_rports, r.targ_rports_len, &self.rports, "-D")
    }
}

/// [`PortsArg::apply`] to any skeleton's rodata (each has its own type).
#[macro_export]
macro_rules! set_lr_ports {
    ($args:expr, $rodata:expr) => {{
        let r = &mut *$rodata;
        $args.apply($crate::tcp::PortsRodata {
            targ_lports: &mut r.targ_lports,
            targ_lports_len: &mut r.targ_lports_len,
            targ_rports: &mut r.targ_rports,
            targ_rports_len: &mut r.targ_rports_len,
        })
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_is_cut_in_the_table_only() {
        let comm: Vec<c_char> = b"averyveryverylong\0"
            .iter()
            .map(|&b| b as c_char)
            .collect();
        let t = task_cells(false, 12, 7, &comm, net::AF_INET6);
        assert!(matches!(t[1], Value::Bytes(b"averyveryver")));
        assert!(matches!(t[2], Value::Uint(6)));
        let j = task_cells(true, 12, 7, &comm, net::AF_INET);
        assert!(matches!(j[1], Value::Bytes(b"averyveryverylong")));
    }

    #[test]
    fn time_counts_from_the_first_event() {
        let mut t = RelTime::default();
        assert!(matches!(t.cell(5_000_000_000), Value::Fixed(x, 3) if x == 0.0));
        assert!(matches!(t.cell(6_500_000_000), Value::Fixed(x, 3) if x == 1.5));
        let a = StampArgs {
            time: false,
            timestamp: true,
        };
        let out = a.columns().stdout(true);
        assert_eq!(out.columns().len(), 1);
        let mut s = Stamps::default();
        s.cells(1_000_000);
        assert!(matches!(s.cells(1_250_000), [Value::Time(_), Value::Fixed(x, 3)] if x == 0.25));
    }

    #[test]
    fn counts_busiest_first() {
        let m = HashMap::from([((1, 80), 1), ((2, 443), 3), ((1, 22), 1)]);
        assert_eq!(
            busiest_first(m),
            [((2, 443), 3), ((1, 22), 1), ((1, 80), 1)]
        );
    }

    #[test]
    fn port_lists_go_to_both_arrays() {
        let (mut l, mut r) = ([0u16; MAX_PORTS], [0u16; MAX_PORTS]);
        let (mut ll, mut rl) = (0, 0);
        let arg = PortsArg {
            lports: vec![80],
            rports: vec![443, 8443],
        };
        arg.apply(PortsRodata {
            targ_lports: &mut l,
            targ_lports_len: &mut ll,
            targ_rports: &mut r,
            targ_rports_len: &mut rl,
        })
        .unwrap();
        assert_eq!((ll, rl, l[0], r[1]), (1, 2, 80, 8443));
    }
}
