//! Figures, and the Markdown table and JSON they are printed as.

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
fn spread(v: &[f64], unit: &str) -> String {
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

struct ToolRow {
    tool: String,
    own_binary: bool,
    ready_ms: Vec<f64>,
    idle_rss_mb: Vec<f64>,
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

    /// A tool's ready times and idle memory; the headline tools also make figures.
    pub fn tool(
        &mut self,
        tool: &str,
        own_binary: bool,
        ready_ms: Vec<f64>,
        idle_rss_mb: Vec<f64>,
    ) {
        match tool {
            "opensnoop" => {
                self.add(
                    Figure::new("opensnoop ready", "ms", ready_ms.clone())
                        .target("≤ 20 ms")
                        .reference("27 ms"),
                );
                self.add(
                    Figure::new("opensnoop peak RSS, idle", "MB", idle_rss_mb.clone())
                        .target("≤ 4 MB")
                        .reference("3.5 MB"),
                );
            }
            "execsnoop" => {
                self.add(
                    Figure::new("execsnoop ready", "ms", ready_ms.clone())
                        .target("≤ 30 ms")
                        .reference("100 ms"),
                );
            }
            _ => {}
        }
        self.tools.push(ToolRow {
            tool: tool.to_string(),
            own_binary,
            ready_ms,
            idle_rss_mb,
        });
    }

    /// The tool slowest to be ready (by median), and that median.
    fn slowest(&self) -> Option<(&str, f64)> {
        self.tools
            .iter()
            .map(|t| (t.tool.as_str(), median(&t.ready_ms)))
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
        s += "| figure | bpftk: median (min–max) | target | libbpf-tools (C), reference | bpftrace, this run |\n";
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
        s += "\nEvery tool, from exec to ready (its header on a terminal, or its Tracing line), and its peak RSS once idle:\n\n";
        s += "| tool | ready | peak RSS, idle |\n| --- | --- | --- |\n";
        for t in &self.tools {
            let how = if t.own_binary { "" } else { " (bpftk TOOL)" };
            s += &format!(
                "| {}{how} | {} | {} |\n",
                t.tool,
                spread(&t.ready_ms, "ms"),
                spread(&t.idle_rss_mb, "MB")
            );
        }
        if !self.skipped.is_empty() {
            s += "\nSkipped:\n";
            for why in &self.skipped {
                s += &format!("- {why}\n");
            }
        }
        s
    }

    pub fn json(&self) -> Value {
        let fig = |name: &str, unit: &str, v: &[f64]| json!({"name": name, "unit": unit, "median": median(v), "min": min(v), "max": max(v), "runs": v});
        json!({
            "date": chrono::Local::now().to_rfc3339(),
            "quick": self.quick,
            "figures": self.figures.iter().map(|f| {
                let mut v = fig(&f.name, f.unit, &f.runs);
                v["target"] = json!(f.target);
                v["reference_libbpf_tools"] = json!(f.reference);
                if let Some(b) = &f.bpftrace {
                    v["bpftrace"] = fig("bpftrace", f.unit, b);
                }
                v
            }).collect::<Vec<_>>(),
            "tools": self.tools.iter().map(|t| json!({
                "tool": t.tool,
                "own_binary": t.own_binary,
                "ready_ms": fig("ready", "ms", &t.ready_ms),
                "idle_peak_rss_mb": fig("idle peak RSS", "MB", &t.idle_rss_mb),
            })).collect::<Vec<_>>(),
            "skipped": self.skipped,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_spreads() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(spread(&[12.0, 10.0, 14.5], "ms"), "12.0 ms (10.0–14.5)");
        assert_eq!(spread(&[55.0], "% of untraced"), "55.0% of untraced");
        assert_eq!(spread(&[], "ms"), "-");
    }
}
