//! What tcpconnect, tcpconnlat and tcptracer print alike: the PID, COMM and
//! IP columns and the TIME(s) column of seconds since the first event.

use std::ffi::c_char;

use libtools::{net, Column, Value};

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
    let comm = libtools::c_bytes(comm);
    let comm = if json {
        comm
    } else {
        &comm[..comm.len().min(comm_width)]
    };
    [
        Value::Uint(pid.into()),
        Value::Bytes(comm),
        Value::Uint(net::ip_version(family)),
    ]
}

/// `TIME(s)`: seconds since the first event, from the events' own clock.
#[derive(Default)]
pub struct RelTime {
    first_ns: Option<u64>,
}

impl RelTime {
    pub fn cell(&mut self, ts_ns: u64) -> Value<'static> {
        let first = *self.first_ns.get_or_insert(ts_ns);
        Value::Fixed(ts_ns.saturating_sub(first) as f64 / 1e9, 3)
    }
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
    }
}
