//! A tool's columns declared once, some shown only under a flag (`-T`,
//! `--json`), and rows that give a cell for every declared column: the
//! hidden ones are dropped here, so a tool's row reads like its header,
//! with no `if args.timestamp { cells.push(..) }` in between.

use std::cell::Cell;
use std::ops::Deref;

use crate::output::{Column, Format, Output, Value};

/// Columns, each shown or not.
#[derive(Debug, Default)]
pub struct Columns(Vec<(Column, bool)>);

impl Columns {
    pub fn new() -> Columns {
        Columns::default()
    }

    /// Columns always shown.
    pub fn always(self, columns: impl IntoIterator<Item = Column>) -> Columns {
        self.when(true, columns)
    }

    /// Columns shown only when `on`.
    pub fn when(mut self, on: bool, columns: impl IntoIterator<Item = Column>) -> Columns {
        self.0.extend(columns.into_iter().map(|c| (c, on)));
        self
    }

    /// The table (or JSON Lines, with `json`) on standard output.
    pub fn stdout(self, json: bool) -> Table {
        self.stdout_as(if json { Format::Json } else { Format::Table })
    }

    /// The rows on standard output in `format` (CSV, say).
    pub fn stdout_as(self, format: Format) -> Table {
        let shown = self.0.iter().map(|(_, on)| *on).collect();
        let columns = self.0.into_iter().filter(|(_, on)| *on).map(|(c, _)| c);
        Table {
            out: Output::stdout_as(format, columns.collect()),
            shown,
        }
    }
}

/// An [`Output`] whose rows have a cell for every declared column, shown or not.
pub struct Table {
    out: Output,
    shown: Vec<bool>,
}

impl Table {
    /// Write one row: `cells` follow the declared columns, hidden ones included.
    pub fn row(&self, cells: &[Value]) {
        debug_assert_eq!(cells.len(), self.shown.len());
        if self.shown.iter().all(|&on| on) {
            return self.out.row(cells);
        }
        let shown: Vec<Value> = cells
            .iter()
            .zip(&self.shown)
            .filter(|(_, &on)| on)
            .map(|(v, _)| *v)
            .collect();
        self.out.row(&shown);
    }

    /// [`Table::row`] from parts: the cells of several helpers in turn
    /// (a task's PID and COMM, a connection's ends) with the tool's own.
    pub fn row_of(&self, parts: &[&[Value]]) {
        self.row(&parts.concat());
    }
}

/// `PID COMM`, the two columns most tools start their rows with.
pub fn pid_comm(pid_width: usize, comm_width: usize) -> [Column; 2] {
    [
        Column::left("PID", pid_width),
        Column::left("COMM", comm_width),
    ]
}

/// The cells of [`pid_comm`]: a task's PID and its name (all of its
/// `comm`, up to the NUL).
pub fn task(pid: u32, comm: &[std::ffi::c_char]) -> [Value<'_>; 2] {
    [Value::Uint(pid.into()), Value::Bytes(crate::c_bytes(comm))]
}

/// A task's name cut to `width` in the table, as libbpf-tools' `%-N.Ns`;
/// JSON has all of it.
pub fn comm_cell(json: bool, width: usize, comm: &[std::ffi::c_char]) -> Value<'_> {
    let comm = crate::c_bytes(comm);
    Value::Bytes(if json {
        comm
    } else {
        &comm[..comm.len().min(width)]
    })
}

impl Deref for Table {
    type Target = Output;
    fn deref(&self) -> &Output {
        &self.out
    }
}

/// Nanoseconds since the first event printed, by the kernel's clock: the
/// `TIME(s)` and `TIME(ms)` columns that start at zero.
#[derive(Debug, Default)]
pub struct SinceFirst(Cell<Option<u64>>);

impl SinceFirst {
    pub fn new() -> SinceFirst {
        SinceFirst::default()
    }

    /// `ts_ns` (bpf_ktime_get_ns) as time since the first one seen.
    pub fn ns(&self, ts_ns: u64) -> u64 {
        let first = *self.0.get().get_or_insert(ts_ns);
        self.0.set(Some(first));
        ts_ns.saturating_sub(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_columns_are_left_out_of_the_output() {
        let t = Columns::new()
            .when(false, [Column::left("TIME", 8)])
            .always([Column::left("PID", 7), Column::left("COMM", 0)])
            .stdout(true);
        assert_eq!(t.shown, [false, true, true]);
    }

    #[test]
    fn task_cells_follow_their_columns() {
        let comm: [std::ffi::c_char; 4] = [b'c' as _, b'a' as _, b't' as _, 0];
        assert!(matches!(
            task(7, &comm),
            [Value::Uint(7), Value::Bytes(b"cat")]
        ));
        assert_eq!(pid_comm(7, 16).map(|c| c.header), ["PID", "COMM"]);
    }

    #[test]
    fn times_count_from_the_first_event() {
        let since = SinceFirst::new();
        assert_eq!(since.ns(1_000), 0);
        assert_eq!(since.ns(3_500), 2_500);
        assert_eq!(since.ns(900), 0);
    }
}
