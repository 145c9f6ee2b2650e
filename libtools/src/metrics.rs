//! `--metrics ADDR`: a summary tool serves its in-kernel counters at
//! `http://ADDR/metrics` instead of printing intervals. The maps are read at
//! each scrape and never cleared (a read-then-zero loses what lands
//! between), so every series is cumulative from the tool's start, as
//! Prometheus counters and histograms expect.
//!
//! prometheus-client encodes OpenMetrics text; a scraper that asks for the
//! Prometheus text format (`Accept: text/plain`) gets it rewritten
//! ([`prometheus_text`]). tiny_http answers the requests, on this thread,
//! so the collection reads the tool's maps where they live.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, Result};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;

use crate::output::escaped;
use crate::run;

/// `--metrics ADDR` and `--metrics-max-series N`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MetricsArg {
    /// Serve the counters at http://ADDR/metrics (OpenMetrics, or Prometheus text) instead of printing them
    #[arg(long = "metrics", value_name = "ADDR")]
    pub addr: Option<SocketAddr>,
    /// At most N label sets per metric; more are counted in bpftk_metrics_series_dropped_total
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    pub metrics_max_series: u64,
}

/// One label set, as (name, value) in the order the tool gives them.
type Labels = Vec<(String, String)>;

/// What one sample of a family holds.
#[derive(Debug, Clone)]
enum Sample {
    Counter(f64),
    Gauge(f64),
    /// Per-bucket (not cumulative) counts by upper bound, the last +Inf.
    Histogram {
        sum: f64,
        count: u64,
        buckets: Vec<(f64, u64)>,
    },
}

impl EncodeMetric for Sample {
    fn encode(&self, mut encoder: MetricEncoder) -> std::fmt::Result {
        match self {
            Sample::Counter(v) => encoder.encode_counter::<NoLabelSet, _, f64>(v, None),
            Sample::Gauge(v) => encoder.encode_gauge(v),
            Sample::Histogram {
                sum,
                count,
                buckets,
            } => encoder.encode_histogram::<NoLabelSet>(*sum, *count, buckets, None),
        }
    }
    fn metric_type(&self) -> MetricType {
        match self {
            Sample::Counter(_) => MetricType::Counter,
            Sample::Gauge(_) => MetricType::Gauge,
            Sample::Histogram { .. } => MetricType::Histogram,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Family {
    help: &'static str,
    samples: Vec<(Labels, Sample)>,
}

/// One scrape's figures, by family name (OpenMetrics' name: a counter
/// without its `_total`).
#[derive(Debug, Default, Clone)]
struct Snapshot(BTreeMap<&'static str, Family>);

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        for (name, family) in &self.0 {
            let Some((_, first)) = family.samples.first() else {
                continue;
            };
            let mut fam =
                encoder.encode_descriptor(name, family.help, None, first.metric_type())?;
            for (labels, sample) in &family.samples {
                sample.encode(fam.encode_family(labels)?)?;
            }
        }
        Ok(())
    }
}

/// The figures a tool hands over at each scrape, and the label sets
/// admitted so far: the first `max_series` of a family stay, later ones
/// are dropped and counted, so the series a scraper sees do not flap.
pub struct Scrape {
    snapshot: Snapshot,
    admitted: BTreeMap<&'static str, HashSet<Labels>>,
    max_series: usize,
    dropped: u64,
}

/// A label value from the kernel or a process (a comm): control bytes and
/// invalid UTF-8 escaped as everywhere else, then `\` `"` and newline as
/// the exposition format asks (prometheus-client writes values verbatim).
pub fn label_value(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for c in escaped(b).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

impl Scrape {
    fn new(max_series: u64) -> Self {
        Scrape {
            snapshot: Snapshot::default(),
            admitted: BTreeMap::new(),
            max_series: max_series.min(usize::MAX as u64) as usize,
            dropped: 0,
        }
    }

    fn add(&mut self, name: &'static str, help: &'static str, labels: &[(&str, &[u8])], s: Sample) {
        let labels: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), label_value(v)))
            .collect();
        let admitted = self.admitted.entry(name).or_default();
        if !admitted.contains(&labels) {
            if admitted.len() >= self.max_series {
                self.dropped += 1;
                return;
            }
            admitted.insert(labels.clone());
        }
        let family = self.snapshot.0.entry(name).or_default();
        family.help = help;
        family.samples.push((labels, s));
    }

    /// A counter `NAME_total` (give NAME without `_total`).
    pub fn counter(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &[u8])],
        value: f64,
    ) {
        self.add(name, help, labels, Sample::Counter(value));
    }

    /// A gauge.
    pub fn gauge(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &[u8])],
        value: f64,
    ) {
        self.add(name, help, labels, Sample::Gauge(value));
    }

    /// A log2 histogram of bpf/hist.h (slot i holds whole units in
    /// [2^i, 2^(i+1)), the last slot everything above) as cumulative
    /// buckets in base units: `per_base` units make a second or a byte
    /// (1e6 for usecs; a division, so 40 us is 4e-5 s, not 3.9999e-5).
    /// `sum` is the total in the tool's unit.
    pub fn log2_histogram(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: &[(&str, &[u8])],
        slots: &[u64],
        per_base: f64,
        sum: u64,
    ) {
        let s = log2_sample(slots, per_base, sum);
        self.add(name, help, labels, s);
    }

    /// The OpenMetrics text of this scrape, with the dropped-series
    /// counter, build info and lost events added.
    fn encode(mut self, tool: &'static str, lost: u64) -> Result<String> {
        let dropped = self.dropped as f64;
        self.max_series = usize::MAX;
        self.counter(
            "bpftk_metrics_series_dropped",
            "Label sets not exposed: past --metrics-max-series",
            &[],
            dropped,
        );
        self.counter(
            "bpftk_events_lost",
            "Events the kernel side could not record (ring buffer or map full)",
            &[],
            lost as f64,
        );
        let version = env!("CARGO_PKG_VERSION").as_bytes();
        self.gauge(
            "bpftk_build_info",
            "The bpftk tool serving these metrics, always 1",
            &[("tool", tool.as_bytes()), ("version", version)],
            1.0,
        );
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self.snapshot));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry)
            .map_err(|_| anyhow!("internal error: cannot encode the metrics"))?;
        Ok(text)
    }
}

fn log2_sample(slots: &[u64], per_base: f64, sum: u64) -> Sample {
    let last = slots.len().saturating_sub(1);
    let mut buckets: Vec<(f64, u64)> = slots[..last]
        .iter()
        .enumerate()
        // A whole unit v counts a value in [v, v+1): slot i's are all below 2^(i+1).
        .map(|(i, &c)| ((1u64 << (i + 1)) as f64 / per_base, c))
        .collect();
    buckets.push((f64::MAX, slots.get(last).copied().unwrap_or(0)));
    Sample::Histogram {
        sum: sum as f64 / per_base,
        count: slots.iter().sum(),
        buckets,
    }
}

/// OpenMetrics text as the Prometheus text format (0.0.4): no `# EOF` or
/// `# UNIT`, and a counter's HELP and TYPE under its sample's `_total` name.
pub fn prometheus_text(open_metrics: &str) -> String {
    let counters: HashSet<&str> = open_metrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(open_metrics.len());
    for line in open_metrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((p, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                let name = if counters.contains(name) {
                    format!("{name}_total")
                } else {
                    name.to_string()
                };
                let _ = writeln!(out, "{p}{name} {tail}");
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// Does this Accept header prefer OpenMetrics (Prometheus asks for it first)?
fn wants_open_metrics(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| a.contains("application/openmetrics-text"))
}

/// Serve `/metrics` at `arg.addr` until a stop signal: at each scrape
/// `collect` adds the tool's figures, `lost` gives the events lost so far.
/// Prints one line saying where it serves, once listening.
pub fn serve(
    arg: &MetricsArg,
    mut collect: impl FnMut(&mut Scrape) -> Result<()>,
    lost: impl Fn() -> u64,
) -> Result<()> {
    let addr = arg
        .addr
        .ok_or_else(|| anyhow!("internal error: no --metrics address"))?;
    let server = tiny_http::Server::http(addr).map_err(|e| {
        let e = e.to_string();
        // "Address already in use", without Rust's " (os error 98)".
        let e = e.split(" (os error ").next().unwrap_or(&e).to_string();
        anyhow!("cannot serve metrics on {addr}: {e}")
    })?;
    let tool = crate::tool_name();
    // A ready line (ready.rs): every program is attached and the port is open.
    eprintln!("Tracing, serving metrics at http://{addr}/metrics... Hit Ctrl-C to end.");
    let Scrape {
        mut admitted,
        max_series: max,
        ..
    } = Scrape::new(arg.metrics_max_series);
    while !run::stopping() {
        let req = match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(anyhow!("cannot serve metrics on {addr}: {e}")),
        };
        let path = req.url().split('?').next().unwrap_or("");
        if path != "/metrics" {
            let _ = req.respond(
                tiny_http::Response::from_string("Not found: try /metrics\n").with_status_code(404),
            );
            continue;
        }
        let accept = req
            .headers()
            .iter()
            .find(|h| h.field.equiv("Accept"))
            .map(|h| h.value.as_str().to_string());
        // The label sets admitted stay; the figures are this scrape's.
        let mut this = Scrape {
            snapshot: Snapshot::default(),
            admitted: std::mem::take(&mut admitted),
            max_series: max,
            dropped: 0,
        };
        let collected = collect(&mut this);
        admitted = std::mem::take(&mut this.admitted);
        collected?;
        let text = this.encode(tool, lost())?;
        let (body, ctype) = if wants_open_metrics(accept.as_deref()) {
            (
                text,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
        } else {
            (
                prometheus_text(&text),
                "text/plain; version=0.0.4; charset=utf-8",
            )
        };
        let header = tiny_http::Header::from_bytes("Content-Type", ctype)
            .map_err(|_| anyhow!("internal error: bad Content-Type"))?;
        // A scraper that hung up is its own problem; the next scrape is answered.
        let _ = req.respond(tiny_http::Response::from_string(body).with_header(header));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposition(f: impl FnOnce(&mut Scrape), max: u64) -> String {
        let mut s = Scrape::new(max);
        f(&mut s);
        s.encode("test", 3).unwrap()
    }

    #[test]
    fn log2_slots_become_cumulative_buckets_in_seconds() {
        let mut slots = [0u64; 32];
        slots[0] = 1; // 0-1 us
        slots[3] = 2; // 8-15 us
        slots[31] = 1; // above
        let text = exposition(
            |s| {
                s.log2_histogram(
                    "lat_seconds",
                    "Latency",
                    &[("disk", b"sda")],
                    &slots,
                    1e6,
                    40,
                )
            },
            10,
        );
        assert!(text.contains("# TYPE lat_seconds histogram\n"), "{text}");
        assert!(
            text.contains("lat_seconds_sum{disk=\"sda\"} 0.00004\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_count{disk=\"sda\"} 4\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_bucket{le=\"0.000002\",disk=\"sda\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_bucket{le=\"0.000016\",disk=\"sda\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("lat_seconds_bucket{le=\"+Inf\",disk=\"sda\"} 4\n"),
            "{text}"
        );
        assert!(text.contains("bpftk_events_lost_total{} 3.0\n"), "{text}");
        assert!(text.ends_with("# EOF\n"));
    }

    #[test]
    fn series_past_the_cap_are_dropped_and_counted() {
        let text = exposition(
            |s| {
                for c in [b"a", b"b", b"c"] {
                    s.counter("calls", "Calls", &[("comm", c)], 1.0);
                }
            },
            2,
        );
        assert!(text.contains("calls_total{comm=\"b\"}"), "{text}");
        assert!(!text.contains("comm=\"c\""), "{text}");
        assert!(
            text.contains("bpftk_metrics_series_dropped_total{} 1.0\n"),
            "{text}"
        );
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(
            label_value(b"a\"b\\c\nd\x01\xff"),
            "a\\\"b\\\\\\\\c\\\\nd\\\\x01\\\\xff"
        );
        assert_eq!(label_value(b"bash"), "bash");
    }

    #[test]
    fn prometheus_text_names_counters_by_their_samples() {
        let om = "# HELP calls Calls.\n# TYPE calls counter\ncalls_total 1\n# TYPE g gauge\ng 1\n# EOF\n";
        assert_eq!(
            prometheus_text(om),
            "# HELP calls_total Calls.\n# TYPE calls_total counter\ncalls_total 1\n# TYPE g gauge\ng 1\n"
        );
        assert!(wants_open_metrics(Some(
            "application/openmetrics-text;version=1.0.0,text/plain;q=0.5"
        )));
        assert!(!wants_open_metrics(Some("text/plain")));
        assert!(!wants_open_metrics(None));
    }
}
