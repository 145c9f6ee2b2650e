//! Figures, and the Markdown table and JSON they are printed as.

use std::collections::BTreeMap;

use serde_json::{json, Value};

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// One measured figure: every run's value, what we aim for, what the C
/// tools (reference) and bpftrace (this run) do.
pub struct Figure {
    name: String,
    unit: &'static str,
    runs: Vec<f64>,
    target: String,
    reference: String,
    bpftrace: Option<Vec<f64>>,
}

impl Figure {
    pub fn new(name: &str, unit: &'static str, runs: Vec<f64>) -> Figure {
        Figure {
            name: name.to_string(),
            unit,
            runs,
            target: String::new(),
            reference: String::new(),
            bpftrace: None,
        }
    }

    pub fn target(mut self, t: &str) -> Figure {
        self.target = t.to_string();
        self
    }

    pub fn reference(mut self, r: &str) -> Figure {
        self.reference = r.to_string();
        self
    }

    pub fn bpftrace(mut self, runs: Option<Vec<f64>>) -> Figure {
        self.bpftrace = runs;
        self
    }

    /// Qualify the name (the same figure measured for several tools).
    pub fn label(mut self, what: &str) -> Figure {
        self.name = format!("{} ({what})", self.name);
        self
    }
}

/// `median (min–max) unit`, with as many decimals as the size calls for.
pub fn spread(v: &[f64], unit: &str) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let f = |x: f64| {
        if x.abs() >= 100.0 {
            format!("{x:.0}")
        } else if x.abs() >= 10.0 {
            format!("{x:.1}")
        } else {
            format!("{x:.2}")
        }
    };
    let unit = if unit.starts_with('%') {
        unit.to_string()
    } else {
        format!(" {unit}")
    };
    if v.len() == 1 {
        format!("{}{unit}", f(v[0]))
    } else {
        format!("{}{unit} ({}–{})", f(median(v)), f(min(v)), f(max(v)))
    }
}

/// A tool's runs: exec to ready, and peak RSS once idle.
#[derive(Default, Clone)]
pub struct Runs {
    pub ready_ms: Vec<f64>,
    pub idle_rss_mb: Vec<f64>,
}

/// libbpf-tools' tool of the same name, measured in the same runs.
#[derive(Clone)]
pub enum Peer {
    /// libbpf-tools has no such tool, or its binaries are not here.
    Absent,
    /// It cannot run on this kernel: its first line of error.
    Failed(String),
    Ran(Runs),
}

struct ToolRow {
    tool: String,
    own_binary: bool,
    ours: Runs,
    peer: Peer,
}

/// `ours / theirs` of two medians, as `0.45×`.
fn ratio(ours: &[f64], theirs: &[f64]) -> String {
    let (a, b) = (median(ours), median(theirs));
    if a.is_finite() && b.is_finite() && b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "-".into()
    }
}

/// A headline figure's C column: the peer's median this run and the ratio.
fn peer_reference(peer: &Peer, ours: &[f64], pick: fn(&Runs) -> &Vec<f64>, unit: &str) -> String {
    match peer {
        Peer::Ran(r) => format!(
            "{} (bpftk/C {})",
            spread(pick(r), unit),
            ratio(ours, pick(r))
        ),
        Peer::Failed(why) => format!("fails here: {why}"),
        Peer::Absent => String::new(),
    }
}

pub struct Report {
    quick: bool,
    figures: Vec<Figure>,
    tools: Vec<ToolRow>,
    skipped: Vec<String>,
}

impl Report {
    pub fn new(quick: bool) -> Report {
        Report {
            quick,
            figures: Vec::new(),
            tools: Vec::new(),
            skipped: Vec::new(),
        }
    }

    pub fn add(&mut self, f: Figure) {
        self.figures.push(f);
    }

    pub fn skip(&mut self, why: &str) {
        self.skipped.push(why.to_string());
    }

    /// A tool's ready times and idle memory, and its C peer's from the
    /// same runs; the headline tools also make figures.
    pub fn tool(&mut self, tool: &str, own_binary: bool, ours: Runs, peer: Peer) {
        fn ready(r: &Runs) -> &Vec<f64> {
            &r.ready_ms
        }
        fn rss(r: &Runs) -> &Vec<f64> {
            &r.idle_rss_mb
        }
        match tool {
            "opensnoop" => {
                self.add(
                    Figure::new("opensnoop ready", "ms", ours.ready_ms.clone())
                        .target("≤ 15 ms")
                        .reference(&peer_reference(&peer, &ours.ready_ms, ready, "ms")),
                );
                self.add(
                    Figure::new("opensnoop peak RSS, idle", "MB", ours.idle_rss_mb.clone())
                        .target("≤ 4 MB")
                        .reference(&peer_reference(&peer, &ours.idle_rss_mb, rss, "MB")),
                );
            }
            "execsnoop" => {
                self.add(
                    Figure::new("execsnoop ready", "ms", ours.ready_ms.clone())
                        .target("≤ 25 ms")
                        .reference(&peer_reference(&peer, &ours.ready_ms, ready, "ms")),
                );
            }
            _ => {}
        }
        self.tools.push(ToolRow {
            tool: tool.to_string(),
            own_binary,
            ours,
            peer,
        });
    }

    /// The tool slowest to be ready (by median), and that median.
    fn slowest(&self) -> Option<(&str, f64)> {
        self.tools
            .iter()
            .map(|t| (t.tool.as_str(), median(&t.ours.ready_ms)))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let kernel = kernel.trim();
        s += &format!(
            "bpftk benchmark, {}, kernel {kernel}, {} CPUs{}\n\n",
            chrono::Local::now().format("%Y-%m-%d %H:%M"),
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(0),
            if self.quick {
                ", --quick (one short round: the figures are not meaningful)"
            } else {
                ""
            }
        );
        s += "| figure | bpftk: median (min–max) | target | libbpf-tools (C) | bpftrace, this run |\n";
        s += "| --- | --- | --- | --- | --- |\n";
        let mut rows: Vec<(String, String, String, String, String)> = Vec::new();
        let mut slowest_done = false;
        for f in &self.figures {
            rows.push((
                f.name.clone(),
                spread(&f.runs, f.unit),
                f.target.clone(),
                f.reference.clone(),
                f.bpftrace
                    .as_deref()
                    .map(|b| spread(b, f.unit))
                    .unwrap_or_default(),
            ));
            if !slowest_done && f.name == "execsnoop ready" {
                slowest_done = true;
                if let Some((tool, m)) = self.slowest() {
                    rows.push((
                        format!("slowest tool ready ({tool}, median)"),
                        format!("{m:.1} ms"),
                        "≤ 50 ms".into(),
                        String::new(),
                        String::new(),
                    ));
                }
            }
        }
        for (a, b, c, d, e) in rows {
            s += &format!("| {a} | {b} | {c} | {d} | {e} |\n");
        }
        s += "\nEvery tool, from exec to ready (its header on a terminal, or its Tracing line), and its peak RSS once idle; libbpf-tools' tool of the same name in the same runs, one after the other:\n\n";
        s += "| tool | ready | C ready | bpftk/C | peak RSS, idle | C peak RSS | bpftk/C |\n| --- | --- | --- | --- | --- | --- | --- |\n";
        for t in &self.tools {
            let how = if t.own_binary { "" } else { " (bpftk TOOL)" };
            let (ready, rss) = (&t.ours.ready_ms, &t.ours.idle_rss_mb);
            let peer = match &t.peer {
                Peer::Ran(p) => format!(
                    "{} | {} | {} | {} | {}",
                    spread(&p.ready_ms, "ms"),
                    ratio(ready, &p.ready_ms),
                    spread(rss, "MB"),
                    spread(&p.idle_rss_mb, "MB"),
                    ratio(rss, &p.idle_rss_mb)
                ),
                Peer::Failed(why) => format!(
                    "fails here: {} | | {} | |",
                    why.replace('|', "\\|"),
                    spread(rss, "MB")
                ),
                Peer::Absent => format!("| | {} | |", spread(rss, "MB")),
            };
            s += &format!("| {}{how} | {} | {peer} |\n", t.tool, spread(ready, "ms"),);
        }
        if !self.skipped.is_empty() {
            s += "\nSkipped:\n";
            for why in &self.skipped {
                s += &format!("- {why}\n");
            }
        }
        s
    }

    /// The ratios a later run is checked against (`--check`): bpftk over
    /// libbpf-tools per tool (ready, idle RSS; lower is better), and the
    /// storms' load speeds as % of untraced (higher is better). Each as
    /// (value, higher_is_better).
    pub fn ratios(&self) -> BTreeMap<String, (f64, bool)> {
        let mut out = BTreeMap::new();
        for t in &self.tools {
            if let Peer::Ran(p) = &t.peer {
                for (what, ours, theirs) in [
                    ("ready", &t.ours.ready_ms, &p.ready_ms),
                    ("idle RSS", &t.ours.idle_rss_mb, &p.idle_rss_mb),
                ] {
                    let r = median(ours) / median(theirs);
                    if r.is_finite() {
                        out.insert(format!("{} {what}, bpftk/C", t.tool), (r, false));
                    }
                }
            }
        }
        for f in &self.figures {
            if f.name.starts_with("load speed under ") && f.unit == "% of untraced" {
                let m = median(&f.runs);
                if m.is_finite() {
                    out.insert(f.name.clone(), (m / 100.0, true));
                }
            }
        }
        out
    }

    pub fn json(&self) -> Value {
        let fig = |name: &str, unit: &str, v: &[f64]| json!({"name": name, "unit": unit, "median": median(v), "min": min(v), "max": max(v), "runs": v});
        json!({
            "date": chrono::Local::now().to_rfc3339(),
            "quick": self.quick,
            "figures": self.figures.iter().map(|f| {
                let mut v = fig(&f.name, f.unit, &f.runs);
                v["target"] = json!(f.target);
                v["libbpf_tools"] = json!(f.reference);
                if let Some(b) = &f.bpftrace {
                    v["bpftrace"] = fig("bpftrace", f.unit, b);
                }
                v
            }).collect::<Vec<_>>(),
            "tools": self.tools.iter().map(|t| {
                let mut v = json!({
                    "tool": t.tool,
                    "own_binary": t.own_binary,
                    "ready_ms": fig("ready", "ms", &t.ours.ready_ms),
                    "idle_peak_rss_mb": fig("idle peak RSS", "MB", &t.ours.idle_rss_mb),
                });
                match &t.peer {
                    Peer::Ran(p) => {
                        v["libbpf_tools"] = json!({
                            "ready_ms": fig("ready", "ms", &p.ready_ms),
                            "idle_peak_rss_mb": fig("idle peak RSS", "MB", &p.idle_rss_mb),
                        });
                    }
                    Peer::Failed(why) => v["libbpf_tools"] = json!({"fails": why}),
                    Peer::Absent => {}
                }
                v
            }).collect::<Vec<_>>(),
            "skipped": self.skipped,
            "ratios": self.ratios().into_iter().map(|(k, (v, higher))| {
                (k, json!({"value": v, "higher_is_better": higher}))
            }).collect::<serde_json::Map<_, _>>(),
        })
    }
}

/// How much worse than the baseline a ratio may get before `--check` fails.
pub const TOLERANCE: f64 = 1.2;

/// The ratios of `now` that regressed against `baseline` (a bench JSON's
/// "ratios"): lines saying which, by how much. Ratios in only one of them
/// are not compared.
pub fn regressions(baseline: &Value, now: &BTreeMap<String, (f64, bool)>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, &(value, higher)) in now {
        let Some(base) = baseline["ratios"][name]["value"].as_f64() else {
            continue;
        };
        let worse = if higher {
            value * TOLERANCE < base
        } else {
            value > base * TOLERANCE
        };
        if worse {
            out.push(format!(
                "{name}: {value:.3} against {base:.3} in the baseline ({:+.0}%)",
                100.0 * (value / base - 1.0)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regressions_beyond_the_tolerance_are_named() {
        let base = json!({"ratios": {
            "opensnoop ready, bpftk/C": {"value": 0.5, "higher_is_better": false},
            "load speed under opensnoop > /dev/null": {"value": 0.6, "higher_is_better": true},
            "runqlat ready, bpftk/C": {"value": 0.5, "higher_is_better": false},
        }});
        let mut now = BTreeMap::new();
        now.insert("opensnoop ready, bpftk/C".to_string(), (0.59, false)); // +18%: fine
        now.insert(
            "load speed under opensnoop > /dev/null".to_string(),
            (0.45, true),
        ); // worse
        now.insert("runqlat ready, bpftk/C".to_string(), (0.65, false)); // +30%: worse
        now.insert("new ready, bpftk/C".to_string(), (9.0, false)); // not in the baseline
        let r = regressions(&base, &now);
        assert_eq!(r.len(), 2, "{r:?}");
        assert!(r[0].starts_with("load speed under opensnoop > /dev/null: 0.450 against 0.600"));
        assert!(
            r[1].starts_with("runqlat ready, bpftk/C: 0.650 against 0.500 in the baseline (+30%)")
        );
    }

    #[test]
    fn medians_and_spreads() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(spread(&[12.0, 10.0, 14.5], "ms"), "12.0 ms (10.0–14.5)");
        assert_eq!(spread(&[55.0], "% of untraced"), "55.0% of untraced");
        assert_eq!(spread(&[], "ms"), "-");
    }
}
