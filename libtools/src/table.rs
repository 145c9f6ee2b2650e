//! A tool's columns declared once, some shown only under a flag (`-T`,
//! `--json`), and rows that give a cell for every declared column: the
//! hidden ones are dropped here, so a tool's row reads like its header,
//! with no `if args.timestamp { cells.push(..) }` in between.

use std::cell::Cell;
use std::ops::Deref;

use crate::output::{Column, Output, Value};

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
        let shown = self.0.iter().map(|(_, on)| *on).collect();
        let columns = self.0.into_iter().filter(|(_, on)| *on).map(|(c, _)| c);
        Table {
            out: Output::stdout(json, columns.collect()),
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
    fn times_count_from_the_first_event() {
        let since = SinceFirst::new();
        assert_eq!(since.ns(1_000), 0);
        assert_eq!(since.ns(3_500), 2_500);
        assert_eq!(since.ns(900), 0);
    }
}
