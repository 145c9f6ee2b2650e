//! Summaries: histograms in bcc's layout (libbpf-tools' print_log2_hist and
//! print_linear_hist, bar for bar), one section per key, or JSON Lines with
//! the buckets as objects.

use std::cell::Cell;
use std::fmt::Write as _;

use anyhow::Result;
use chrono::{DateTime, Local, SecondsFormat};
use libbpf_rs::MapCore;

use crate::maps;
use crate::output::{json_field, Format, Output, Value};

/// How slot i of a histogram maps to values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Slot i holds [2^i, 2^(i+1)); slot 0 also holds 0 (bpf/hist.bpf.h).
    Log2,
    /// Slot i holds [base + i*step, base + (i+1)*step).
    Linear { base: u64, step: u64 },
}

/// The buckets a histogram shows as (low, high, count): log2 from slot 0 up
/// to the last non-empty slot; linear only the non-empty slots, as bcc does.
pub fn buckets(slots: &[u64], scale: Scale) -> Vec<(u64, u64, u64)> {
    let Some(last) = slots.iter().rposition(|&c| c > 0) else {
        return Vec::new();
    };
    match scale {
        Scale::Log2 => (0..=last)
            .map(|i| {
                let high = if i >= 63 {
                    u64::MAX
                } else {
                    (1u64 << (i + 1)) - 1
                };
                let low = if i == 0 { 0 } else { 1u64 << i };
                (low, high, slots[i])
            })
            .collect(),
        Scale::Linear { base, step } => (0..=last)
            .filter(|&i| slots[i] > 0)
            .map(|i| {
                let low = base + i as u64 * step;
                (low, low + step - 1, slots[i])
            })
            .collect(),
    }
}

/// Histograms added slot by slot (a per-CPU map's copies, say).
pub fn summed<'a>(hists: impl IntoIterator<Item = &'a [u64]>) -> Vec<u64> {
    let mut total: Vec<u64> = Vec::new();
    for slots in hists {
        if total.len() < slots.len() {
            total.resize(slots.len(), 0);
        }
        for (t, s) in total.iter_mut().zip(slots) {
            *t += s;
        }
    }
    total
}

/// `|****    |`: `width` characters, stars in proportion to `max`.
fn bar(out: &mut String, val: u64, max: u64, width: usize) {
    let n = if max == 0 {
        0
    } else {
        (val.min(max) as u128 * width as u128 / max as u128) as usize
    };
    out.push('|');
    out.extend(std::iter::repeat_n('*', n));
    out.extend(std::iter::repeat_n(' ', width - n));
    out.push('|');
}

/// One histogram as a table, exactly as libbpf-tools prints it; nothing
/// for an empty histogram.
pub fn table(out: &mut String, slots: &[u64], scale: Scale, unit: &str) {
    let shown = buckets(slots, scale);
    let max = shown.iter().map(|b| b.2).max().unwrap_or(0);
    if shown.is_empty() {
        return;
    }
    match scale {
        Scale::Log2 => {
            // Wide numbers once the last slot is past 2^32.
            let wide = shown.len() > 33;
            let (pad, head, width, stars) = if wide {
                (15, 29, 20, 20)
            } else {
                (5, 19, 10, 40)
            };
            let _ = writeln!(out, "{:pad$}{unit:<head$} : count    distribution", "");
            for (low, high, count) in shown {
                let _ = write!(out, "{low:>width$} -> {high:<width$} : {count:<8} ");
                bar(out, count, max, stars);
                out.push('\n');
            }
        }
        Scale::Linear { .. } => {
            let _ = writeln!(out, "     {unit:<13} : count     distribution");
            for (low, _, count) in shown {
                let _ = write!(out, "        {low:<10} : {count:<8} ");
                bar(out, count, max, 40);
                out.push('\n');
            }
        }
    }
}

/// A keyed histogram as a table: an empty line and the heading
/// (`pid = 123 sh`), then the histogram.
fn section_table(heading: Option<&str>, slots: &[u64], scale: Scale, unit: &str) -> String {
    let mut s = String::new();
    if let Some(h) = heading {
        let _ = writeln!(s, "\n{h}");
    }
    table(&mut s, slots, scale, unit);
    s
}

/// One histogram as a JSON object (a line): the key's fields, the unit and
/// the shown buckets as `{"low":..,"high":..,"count":..}`.
pub fn json(
    buf: &mut Vec<u8>,
    time: Option<&DateTime<Local>>,
    key: &[(&str, Value)],
    slots: &[u64],
    scale: Scale,
    unit: &str,
) {
    buf.push(b'{');
    if let Some(t) = time {
        json_field(
            buf,
            "time",
            &Value::Str(&t.to_rfc3339_opts(SecondsFormat::Micros, false)),
        );
        buf.push(b',');
    }
    for (k, v) in key {
        json_field(buf, k, v);
        buf.push(b',');
    }
    json_field(buf, "unit", &Value::Str(unit));
    buf.extend_from_slice(b",\"buckets\":[");
    for (i, (low, high, count)) in buckets(slots, scale).into_iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(
            format!("{{\"low\":{low},\"high\":{high},\"count\":{count}}}").as_bytes(),
        );
    }
    buf.extend_from_slice(b"]}\n");
}

/// What a summary tool prints: a `Tracing ...` line, then per interval an
/// empty line, the time with -T, and one section per key.
pub struct Summary {
    out: Output,
    unit: &'static str,
    scale: Scale,
    timestamp: bool,
    interval_time: Cell<Option<DateTime<Local>>>,
}

impl Summary {
    pub fn new(json: bool, unit: &'static str, scale: Scale, timestamp: bool) -> Self {
        Summary {
            out: Output::stdout(json, Vec::new()),
            unit,
            scale,
            timestamp,
            interval_time: Cell::new(None),
        }
    }

    /// Tracing has started (every program attached): `Tracing WHAT... Hit
    /// Ctrl-C to end.` on stdout, or on stderr with --json.
    pub fn ready(&self, what: &str) {
        self.ready_line(&format!("Tracing {what}... Hit Ctrl-C to end."));
    }

    /// [`Summary::ready`] for tools that word their own line.
    pub fn ready_line(&self, line: &str) {
        self.out.note(&format!("{line}\n"));
    }

    /// Start an interval's output.
    pub fn begin(&self) {
        let now = self.timestamp.then(Local::now);
        self.interval_time.set(now);
        if self.out.format() == Format::Table {
            let mut s = String::from("\n");
            if let Some(t) = now {
                let _ = writeln!(s, "{:<8}", t.format("%H:%M:%S"));
            }
            self.out.text(&s);
        }
    }

    /// One histogram; `heading` (`pid = 123 comm`) precedes it in the table
    /// after an empty line, `key` holds the same as JSON fields.
    pub fn section(&self, heading: Option<&str>, key: &[(&str, Value)], slots: &[u64]) {
        match self.out.format() {
            Format::Table | Format::Csv => {
                self.out
                    .text(&section_table(heading, slots, self.scale, self.unit));
            }
            Format::Json => {
                let t = self.interval_time.get();
                let mut buf = Vec::with_capacity(512);
                json(&mut buf, t.as_ref(), key, slots, self.scale, self.unit);
                self.out
                    .text(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
            }
        }
    }

    /// One histogram whose value column is headed `label` in the table
    /// (cpufreq's process names, as libbpf-tools' print_linear_hist takes
    /// them) rather than the unit; JSON has `key` and the summary's unit.
    pub fn labelled(&self, label: &[u8], key: &[(&str, Value)], slots: &[u64]) {
        match self.out.format() {
            Format::Table | Format::Csv => {
                let mut s = String::new();
                table(&mut s, slots, self.scale, &crate::output::escaped(label));
                self.out.text(&s);
            }
            Format::Json => self.section(None, key, slots),
        }
    }

    /// A figure that is not a histogram (an average, an occupancy): `line`
    /// in the table, `fields` as a JSON object (with the time under -T).
    pub fn record(&self, line: &str, fields: &[(&str, Value)]) {
        match self.out.format() {
            Format::Table | Format::Csv => self.out.text(line),
            Format::Json => {
                let mut buf = Vec::with_capacity(128);
                buf.push(b'{');
                if let Some(t) = self.interval_time.get() {
                    let t = t.to_rfc3339_opts(SecondsFormat::Micros, false);
                    json_field(&mut buf, "time", &Value::Str(&t));
                    if !fields.is_empty() {
                        buf.push(b',');
                    }
                }
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        buf.push(b',');
                    }
                    json_field(&mut buf, k, v);
                }
                buf.extend_from_slice(b"}\n");
                self.out
                    .text(std::str::from_utf8(&buf).expect("JSON is UTF-8"));
            }
        }
    }

    /// Free text between sections (totals, say), table mode only.
    pub fn text(&self, s: &str) {
        if self.out.format() == Format::Table {
            self.out.text(s);
        }
    }

    pub fn is_json(&self) -> bool {
        self.out.format() == Format::Json
    }

    /// End an interval; false once the reader has gone (`| head`).
    pub fn end(&self) -> bool {
        self.out.end_report()
    }
}

/// One interval of per-key histograms from a hash map of bpf/hist.h's
/// `struct hist` (or a struct holding one) by u32 key, read and cleared:
/// `LABEL = KEY COMM` sections by key, or one histogram without a label.
/// `parts` gives a value's slots and comm.
pub fn print_hists<H: plain::Plain + Default>(
    summary: &Summary,
    map: &dyn MapCore,
    label: Option<&str>,
    parts: impl Fn(&H) -> (&[u64], &[std::ffi::c_char]),
) -> Result<bool> {
    let mut hists: Vec<(u32, H)> = maps::drain_as(map)?;
    hists.sort_by_key(|(k, _)| *k);
    summary.begin();
    for (key, h) in &hists {
        let (slots, comm) = parts(h);
        let comm = crate::c_bytes(comm);
        match label {
            Some(label) => {
                let heading = format!("{label} = {key} {}", crate::output::escaped(comm));
                let fields = [
                    (label, Value::Uint((*key).into())),
                    ("comm", Value::Bytes(comm)),
                ];
                summary.section(Some(&heading), &fields, slots);
            }
            None => summary.section(None, &[], slots),
        }
    }
    Ok(summary.end())
}

/// The unit of a time histogram in micro- or (`-m`) milliseconds.
pub fn us_or_ms(milliseconds: bool) -> &'static str {
    if milliseconds {
        "msecs"
    } else {
        "usecs"
    }
}

/// `-T`: the time on a line before each summary.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct TimestampArg {
    /// Include a timestamp (HH:MM:SS) before each summary
    #[arg(short = 'T', long)]
    pub timestamp: bool,
}

/// `-m`: histograms of milliseconds, not microseconds.
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct MillisArg {
    /// Millisecond histogram
    #[arg(short, long)]
    pub milliseconds: bool,
}

impl MillisArg {
    /// The histogram's unit, `msecs` or `usecs`.
    pub fn unit(&self) -> &'static str {
        us_or_ms(self.milliseconds)
    }
}

/// `-P` and `-L`: a histogram per process or per thread (at most one; a
/// tool may put more flags in the group `per`).
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct PerTask {
    /// Print a histogram per process ID
    #[arg(short = 'P', long = "pids", group = "per")]
    pub per_process: bool,
    /// Print a histogram per thread ID
    #[arg(short = 'L', long = "tids", group = "per")]
    pub per_thread: bool,
}

impl PerTask {
    /// The sections' label for [`print_hists`]: `pid`, `tid`, or none.
    pub fn label(&self) -> Option<&'static str> {
        if self.per_process {
            Some("pid")
        } else {
            self.per_thread.then_some("tid")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_task_flags_exclude_each_other() {
        use clap::Parser;
        #[derive(Parser)]
        struct A {
            #[command(flatten)]
            per: PerTask,
            #[command(flatten)]
            ms: MillisArg,
        }
        assert_eq!(A::parse_from(["t", "-P"]).per.label(), Some("pid"));
        assert_eq!(A::parse_from(["t", "-L"]).per.label(), Some("tid"));
        assert_eq!(A::parse_from(["t"]).per.label(), None);
        assert!(A::try_parse_from(["t", "-P", "-L"]).is_err());
        assert_eq!(A::parse_from(["t", "-m"]).ms.unit(), "msecs");
    }

    fn log2(slots: &[u64], unit: &str) -> String {
        let mut s = String::new();
        table(&mut s, slots, Scale::Log2, unit);
        s
    }

    #[test]
    fn log2_matches_libbpf_tools() {
        // Slots 0..=5 with the last empty ones dropped; 0 -> 1 first.
        let mut slots = [0u64; 32];
        slots[1] = 3;
        slots[3] = 12;
        slots[4] = 6;
        let want = "     usecs               : count    distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 3        |**********                              |
         4 -> 7          : 0        |                                        |
         8 -> 15         : 12       |****************************************|
        16 -> 31         : 6        |********************                    |
";
        assert_eq!(log2(&slots, "usecs"), want);
    }

    #[test]
    fn log2_empty_prints_nothing() {
        assert_eq!(log2(&[0; 32], "usecs"), "");
    }

    #[test]
    fn log2_msecs_and_large_counts() {
        let mut slots = [0u64; 32];
        slots[0] = 1;
        slots[10] = 5_000_000_000; // past u32
        let s = log2(&slots, "msecs");
        assert!(s.starts_with("     msecs               : count    distribution\n"));
        assert!(
            s.contains("      1024 -> 2047       : 5000000000 |****************************************|\n"),
            "{s}"
        );
        assert!(s.contains(
            "         0 -> 1          : 1        |                                        |\n"
        ));
    }

    #[test]
    fn log2_past_2_32_uses_the_wide_layout() {
        let mut slots = [0u64; 40];
        slots[35] = 2;
        let s = log2(&slots, "nsecs");
        let first = s.lines().next().unwrap();
        assert_eq!(
            first,
            format!("{:15}{:<29} : count    distribution", "", "nsecs")
        );
        assert!(s.contains(&format!(
            "{:>20} -> {:<20} : 2        |{}|",
            1u64 << 35,
            (1u64 << 36) - 1,
            "*".repeat(20)
        )));
    }

    #[test]
    fn linear_shows_only_non_empty_slots() {
        let mut slots = [0u64; 32];
        slots[2] = 4;
        slots[5] = 2;
        let mut s = String::new();
        table(
            &mut s,
            &slots,
            Scale::Linear { base: 0, step: 10 },
            "kbytes",
        );
        let want = "     kbytes        : count     distribution
        20         : 4        |****************************************|
        50         : 2        |********************                    |
";
        assert_eq!(s, want);
    }

    #[test]
    fn keyed_sections_match_libbpf_tools() {
        // runqlat -P -m: one section per pid, headed as libbpf-tools does.
        let mut a = [0u64; 32];
        a[0] = 2;
        a[2] = 1;
        let mut b = [0u64; 32];
        b[1] = 5;
        let mut s = section_table(Some("pid = 123 sh"), &a, Scale::Log2, "msecs");
        s += &section_table(Some("pid = 456 cc1"), &b, Scale::Log2, "msecs");
        let want = "
pid = 123 sh
     msecs               : count    distribution
         0 -> 1          : 2        |****************************************|
         2 -> 3          : 0        |                                        |
         4 -> 7          : 1        |********************                    |

pid = 456 cc1
     msecs               : count    distribution
         0 -> 1          : 0        |                                        |
         2 -> 3          : 5        |****************************************|
";
        assert_eq!(s, want);
        assert_eq!(
            section_table(None, &b, Scale::Log2, "usecs")
                .lines()
                .count(),
            3
        );
    }

    #[test]
    fn json_has_key_unit_and_buckets() {
        let mut slots = [0u64; 32];
        slots[2] = 7;
        let mut buf = Vec::new();
        json(
            &mut buf,
            None,
            &[("pid", Value::Uint(42)), ("comm", Value::Bytes(b"sh"))],
            &slots,
            Scale::Log2,
            "usecs",
        );
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["pid"], 42);
        assert_eq!(v["comm"], "sh");
        assert_eq!(v["unit"], "usecs");
        let b = v["buckets"].as_array().unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(b[2], serde_json::json!({"low": 4, "high": 7, "count": 7}));
        assert_eq!(b[0], serde_json::json!({"low": 0, "high": 1, "count": 0}));
    }
}
