//! bpftk-bench: the figures behind "lighter and faster than the C tools",
//! measured on this machine (scripts/bench runs it on release binaries).
//!
//! Every figure is a median over several runs with min and max. Runs that
//! are compared (untraced against traced, bpftk against bpftrace) are
//! interleaved in each round, so that a noisy neighbour hits them alike.

mod load;
#[path = "../../libtools/src/ready.rs"]
mod ready;
mod report;
mod tracer;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use serde_json::json;

use report::{Figure, Peer, Report, Runs};
use tracer::{Sink, Tracer};

#[derive(Parser)]
#[command(name = "bpftk-bench", version)]
struct Args {
    /// One short round of everything: proves each figure can be made (for tests)
    #[arg(long)]
    quick: bool,
    /// Where the tool binaries are (default: next to this program)
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    /// Write the figures as JSON here (default: target/bench/bench-<time>.json)
    #[arg(long)]
    json: Option<PathBuf>,
    /// Compare the run's ratios with a baseline (default bench/baseline.json)
    /// and exit 1 when one is more than 20% worse
    #[arg(long, value_name = "BASELINE", num_args = 0..=1, default_missing_value = "bench/baseline.json")]
    check: Option<PathBuf>,
    /// Write the run's ratios as the new baseline (bench/baseline.json)
    #[arg(long)]
    write_baseline: bool,
    /// libbpf-tools' binaries, measured beside bpftk's (default: what
    /// scripts/fetch-peers unpacked, target/peers/libbpf-tools/usr/sbin)
    #[arg(long)]
    peers: Option<PathBuf>,
    /// Only these tools (ready and memory); the storms run when their tool is named
    tools: Vec<String>,
    #[command(subcommand)]
    load: Option<Load>,
}

/// The load generators (run by the harness as its own children).
#[derive(Subcommand)]
enum Load {
    #[command(hide = true)]
    OpenClose { path: String, secs: f64 },
    #[command(hide = true)]
    SpawnTrue { secs: f64 },
    #[command(hide = true)]
    Cpu { iters: u64 },
}

/// How many rounds, and how long each storm lasts.
struct Plan {
    ready_runs: usize,
    rounds: usize,
    storm_secs: f64,
    cpu_iters: u64,
}

/// Arguments a tool needs to start at all (and that keep it quiet).
fn tool_args(tool: &str) -> Option<&'static [&'static str]> {
    Some(match tool {
        // Reads folded stacks on stdin: not a tracer.
        "flamegraph" => return None,
        "funclatency" => &["c:getpwnam"],
        "stackcount" => &["t:syscalls:sys_enter_getppid"],
        "fsslower" | "fsdist" => &["-t", "ext4"],
        _ => &[],
    })
}

fn main() {
    let args = Args::parse();
    let r = match args.load {
        Some(Load::OpenClose { ref path, secs }) => load::open_close(path, secs),
        Some(Load::SpawnTrue { secs }) => load::spawn_true(secs),
        Some(Load::Cpu { iters }) => load::cpu(iters),
        None => bench(&args),
    };
    if let Err(e) = r {
        eprintln!("bpftk-bench: error: {e:#}");
        std::process::exit(1);
    }
}

fn bench(args: &Args) -> Result<()> {
    if !nix::unistd::geteuid().is_root() {
        bail!("run as root: the tools load BPF programs");
    }
    let bin_dir = match &args.bin_dir {
        Some(d) => d.clone(),
        None => std::env::current_exe()?.parent().unwrap().to_path_buf(),
    };
    let plan = if args.quick {
        Plan {
            ready_runs: 1,
            rounds: 1,
            storm_secs: 1.0,
            cpu_iters: 200_000_000,
        }
    } else {
        Plan {
            ready_runs: 7,
            rounds: 5,
            storm_secs: 3.0,
            cpu_iters: 1_500_000_000,
        }
    };
    let all = list_tools(&bin_dir)?;
    for t in &args.tools {
        if !all.contains(t) {
            bail!("no tool named {t} (bpftk list shows them)");
        }
    }
    let wanted = |t: &str| args.tools.is_empty() || args.tools.iter().any(|w| w == t);
    let tools: Vec<&String> = all.iter().filter(|t| wanted(t)).collect();
    let bpftrace = which("bpftrace");

    let mut rep = Report::new(args.quick);
    if bpftrace.is_none() {
        rep.skip("bpftrace comparisons: bpftrace is not installed (Debian package bpftrace)");
    }
    eprintln!(
        "bench: ready and idle memory of {} tools, {} runs each",
        tools.len(),
        plan.ready_runs
    );
    let peers = args.peers.clone().unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/peers/libbpf-tools/usr/sbin")
    });
    if !peers.is_dir() {
        rep.skip(&format!(
            "libbpf-tools comparisons: no {} (scripts/fetch-peers unpacks Debian's libbpf-tools)",
            peers.display()
        ));
    }
    ready_and_memory(&mut rep, &bin_dir, &peers, &tools, &plan)?;
    sizes(&mut rep, &bin_dir, &peers);
    if wanted("opensnoop") {
        eprintln!(
            "bench: open storm, {} rounds of {} s",
            plan.rounds, plan.storm_secs
        );
        open_storm(&mut rep, &bin_dir, &peers, &plan, bpftrace.as_deref())?;
    }
    if wanted("execsnoop") {
        eprintln!(
            "bench: exec storm, {} rounds of {} s",
            plan.rounds, plan.storm_secs
        );
        exec_storm(&mut rep, &bin_dir, &peers, &plan, bpftrace.as_deref())?;
    }
    if wanted("profile") {
        eprintln!(
            "bench: profile -F 99 on a CPU-bound loop, {} rounds",
            plan.rounds
        );
        profile_overhead(&mut rep, &bin_dir, &plan)?;
    }
    let json = match &args.json {
        Some(p) => p.clone(),
        None => {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
            std::fs::create_dir_all(&dir)?;
            dir.join(format!(
                "bench-{}.json",
                chrono::Local::now().format("%Y%m%d-%H%M%S")
            ))
        }
    };
    std::fs::write(&json, serde_json::to_string_pretty(&rep.json())?)
        .with_context(|| format!("{}", json.display()))?;
    print!("{}", rep.markdown());
    println!("\nFigures as JSON: {}", json.display());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if args.write_baseline {
        let ratios = &rep.json()["ratios"];
        let path = root.join("bench/baseline.json");
        let text = serde_json::to_string_pretty(&json!({ "ratios": ratios }))?;
        std::fs::write(&path, text + "\n").with_context(|| format!("{}", path.display()))?;
        println!("Baseline written: {}", path.display());
    }
    if let Some(base) = &args.check {
        let path = if base.is_relative() {
            root.join(base)
        } else {
            base.clone()
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let baseline: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let worse = report::regressions(&baseline, &rep.ratios());
        if !worse.is_empty() {
            for w in &worse {
                eprintln!("bench: regressed: {w}");
            }
            bail!(
                "{} ratios more than 20% worse than {}",
                worse.len(),
                path.display()
            );
        }
        println!("No ratio more than 20% worse than {}", path.display());
    }
    Ok(())
}

fn list_tools(bin_dir: &Path) -> Result<Vec<String>> {
    let bpftk = bin_dir.join("bpftk");
    let out = Command::new(&bpftk)
        .arg("list")
        .output()
        .with_context(|| format!("cannot run {}", bpftk.display()))?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect())
}

/// The command that runs `tool`: its own binary when built, else `bpftk TOOL`.
fn tool_command(bin_dir: &Path, tool: &str) -> (Command, bool) {
    let own = bin_dir.join(tool);
    if tracer::is_executable(&own) {
        (Command::new(own), true)
    } else {
        let mut c = Command::new(bin_dir.join("bpftk"));
        c.arg(tool);
        (c, false)
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|p| tracer::is_executable(p))
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

const MB: f64 = 1024.0 * 1024.0;

/// Exec to ready (the header on a terminal, or the Tracing line on stderr),
/// and peak RSS once ready and idle, for every tool; and for libbpf-tools'
/// tool of the same name in `peers`, run right before or after ours (the
/// order alternates) with the same arguments.
fn ready_and_memory(
    rep: &mut Report,
    bin_dir: &Path,
    peers: &Path,
    tools: &[&String],
    plan: &Plan,
) -> Result<()> {
    struct Row {
        tool: String,
        ours: Runs,
        peer: Peer,
        own: bool,
    }
    let mut rows: Vec<Row> = Vec::new();
    for t in tools {
        if tool_args(t).is_none() {
            rep.skip(&format!("{t}: not a tracer (reads stacks on stdin)"));
            continue;
        }
        let c = peers.join(t.as_str());
        let peer = if tracer::is_executable(&c) {
            Peer::Ran(Runs::default())
        } else {
            Peer::Absent
        };
        rows.push(Row {
            tool: t.to_string(),
            ours: Runs::default(),
            peer,
            own: false,
        });
    }
    for run in 0..plan.ready_runs {
        let mut cannot = Vec::new();
        for row in rows.iter_mut() {
            let args = tool_args(&row.tool).unwrap();
            for side in [run % 2, 1 - run % 2] {
                if side == 1 {
                    let Peer::Ran(runs) = &mut row.peer else {
                        continue;
                    };
                    let mut cmd = Command::new(peers.join(&row.tool));
                    cmd.args(args);
                    match measure_idle(cmd) {
                        Ok((ready, rss)) => {
                            runs.ready_ms.push(ready);
                            runs.idle_rss_mb.push(rss);
                        }
                        // The C tools that need kprobes or fentry fail
                        // here: a row says why, not a skip.
                        Err(e) => row.peer = Peer::Failed(peer_failure(&format!("{e:#}"))),
                    }
                    continue;
                }
                let (mut cmd, is_own) = tool_command(bin_dir, &row.tool);
                cmd.args(args);
                row.own = is_own;
                match measure_idle(cmd) {
                    Ok((ready, rss)) => {
                        row.ours.ready_ms.push(ready);
                        row.ours.idle_rss_mb.push(rss);
                    }
                    // A tool this kernel cannot run (readahead without kprobes
                    // or fentry, mdflush without md) says so in one line and
                    // exits 1 at its first run: reported, not measured.
                    Err(e) if run == 0 && format!("{e:#}").contains("(exit status: 1)") => {
                        rep.skip(&format!("{}: cannot run on this kernel: {e:#}", row.tool));
                        cannot.push(row.tool.clone());
                        break;
                    }
                    Err(e) => return Err(e.context(row.tool.clone())),
                }
            }
        }
        rows.retain(|r| !cannot.contains(&r.tool));
    }
    for r in rows {
        rep.tool(&r.tool, r.own, r.ours, r.peer);
    }
    Ok(())
}

/// Start a tracer on a terminal, wait until ready, let it idle 100 ms:
/// its time to ready (ms) and peak RSS (MB); then stop it.
fn measure_idle(cmd: Command) -> Result<(f64, f64)> {
    let t = Tracer::start(cmd, Sink::Pty)?;
    let ready = ms(t.ready_after);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let rss = t.peak_rss()? as f64 / MB;
    t.stop()?;
    Ok((ready, rss))
}

/// A failed C tool's reason, short: what it said on stderr, without the
/// harness's "exited before it was ready" preamble.
fn peer_failure(e: &str) -> String {
    let said = e.rsplit_once("): ").map(|(_, s)| s).unwrap_or(e).trim();
    let said = if said.is_empty() { e } else { said };
    let mut short: String = said.chars().take(160).collect();
    if short.len() < said.len() {
        short.push('…');
    }
    short
}

/// Binary sizes; libbpf-tools' opensnoop, which carries its BPF object
/// and libbpf as ours does, beside ours.
fn sizes(rep: &mut Report, bin_dir: &Path, peers: &Path) {
    let kb = |p: &Path| std::fs::metadata(p).map(|m| m.len() as f64 / 1024.0);
    for (name, file, peer) in [
        ("opensnoop binary", "opensnoop", true),
        ("bpftk multicall binary (every tool)", "bpftk", false),
    ] {
        if let Ok(size) = kb(&bin_dir.join(file)) {
            let c = match kb(&peers.join(file)) {
                Ok(c) if peer => format!("{c:.0} KB"),
                _ => String::new(),
            };
            rep.add(Figure::new(name, "KB", vec![size]).reference(&c));
        }
    }
}

/// A tracer that watched a load: what it said, its peak RSS (MB) and how
/// long it took to be ready (ms).
struct Traced {
    stopped: tracer::Stopped,
    rss: f64,
    ready: f64,
}

/// One generator run under `under` (None: untraced). Returns the generator's
/// line, its pid, and the stopped tracer.
fn run_load(
    load: &[&str],
    under: Option<(Command, Sink)>,
) -> Result<(String, u32, Option<Traced>)> {
    let tracer = match under {
        Some((cmd, sink)) => Some(Tracer::start(cmd, sink)?),
        None => None,
    };
    let child = Command::new(std::env::current_exe()?)
        .args(load)
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("the load generator {load:?} failed");
    }
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let stopped = match tracer {
        Some(t) => {
            // Let the tool drain what the kernel queued.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let rss = t.peak_rss()? as f64 / MB;
            let ready = ms(t.ready_after);
            Some(Traced {
                stopped: t.stop()?,
                rss,
                ready,
            })
        }
        None => None,
    };
    Ok((line, pid, stopped))
}

/// Lines of a table output file whose field `col` is `pid` and whose last field is `last`.
fn rows_for(path: &Path, col: usize, pid: u32, last: Option<&str>) -> Result<u64> {
    let text = std::fs::read_to_string(path)?;
    let pid = pid.to_string();
    Ok(text
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(col) == Some(&pid.as_str()) && last.is_none_or(|x| f.last() == Some(&x))
        })
        .count() as u64)
}

/// bpftrace's count for `pid` from its printed map (`@[PID]: N`).
fn bpftrace_count(stdout: &[String], pid: u32) -> u64 {
    let key = format!("@[{pid}]: ");
    stdout
        .iter()
        .find_map(|l| l.strip_prefix(&key))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

struct StormFigures {
    untraced: Vec<f64>,
    null: Vec<f64>,
    file: Vec<f64>,
    bpftrace: Vec<f64>,
    missing_file: Vec<f64>,
    missing_bpftrace: Vec<f64>,
    lost_null: Vec<f64>,
    lost_file: Vec<f64>,
    unreported_file: Vec<f64>,
    rss_after: Vec<f64>,
    bpftrace_rss: Vec<f64>,
    bpftrace_ready: Vec<f64>,
    /// libbpf-tools' tool, > /dev/null and > file (speeds, missing %).
    c_null: Vec<f64>,
    c_file: Vec<f64>,
    c_missing_file: Vec<f64>,
}

impl StormFigures {
    fn new() -> Self {
        StormFigures {
            untraced: vec![],
            null: vec![],
            file: vec![],
            bpftrace: vec![],
            missing_file: vec![],
            missing_bpftrace: vec![],
            lost_null: vec![],
            lost_file: vec![],
            unreported_file: vec![],
            rss_after: vec![],
            bpftrace_rss: vec![],
            bpftrace_ready: vec![],
            c_null: vec![],
            c_file: vec![],
            c_missing_file: vec![],
        }
    }
}

/// A storm: the generator alone, under the tool to /dev/null, to a file, and
/// under a bpftrace one-liner counting the same events, interleaved.
/// `count_rows(file, gen_pid)` counts the generator's events in the tool's output.
fn storm(
    plan: &Plan,
    load: &[&str],
    tool: impl Fn() -> Command,
    count_rows: impl Fn(&Path, u32) -> Result<u64>,
    bpftrace: Option<(&Path, &str)>,
    peer: Option<&Path>,
) -> Result<StormFigures> {
    let mut f = StormFigures::new();
    let out_file = std::env::temp_dir().join(format!("bpftk-bench-{}.out", std::process::id()));
    for round in 0..plan.rounds {
        // Rotate the order so that no configuration always runs first.
        for k in 0..6 {
            match (round + k) % 6 {
                0 => {
                    let (line, _, _) = run_load(load, None)?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    f.untraced.push(ops as f64 / secs);
                }
                1 => {
                    let (line, _, st) = run_load(load, Some((tool(), Sink::Null)))?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    let st = st.unwrap().stopped;
                    f.null.push(ops as f64 / secs);
                    f.lost_null.push(st.lost() as f64);
                }
                2 => {
                    let (line, pid, st) =
                        run_load(load, Some((tool(), Sink::File(out_file.clone()))))?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    let Traced {
                        stopped: st, rss, ..
                    } = st.unwrap();
                    let seen = count_rows(&out_file, pid)?;
                    f.file.push(ops as f64 / secs);
                    f.missing_file
                        .push(100.0 * ops.saturating_sub(seen) as f64 / ops as f64);
                    f.lost_file.push(st.lost() as f64);
                    f.unreported_file
                        .push(ops.saturating_sub(seen).saturating_sub(st.lost()) as f64);
                    f.rss_after.push(rss);
                }
                3 => {
                    let Some((bt, program)) = bpftrace else {
                        continue;
                    };
                    let mut cmd = Command::new(bt);
                    cmd.args(["-e", program]);
                    let (line, pid, st) = run_load(load, Some((cmd, Sink::Lines("Attaching"))))?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    let Traced {
                        stopped: st,
                        rss,
                        ready,
                    } = st.unwrap();
                    let seen = bpftrace_count(&st.stdout, pid);
                    f.bpftrace.push(ops as f64 / secs);
                    f.missing_bpftrace
                        .push(100.0 * ops.saturating_sub(seen) as f64 / ops as f64);
                    f.bpftrace_rss.push(rss);
                    f.bpftrace_ready.push(ready);
                }
                // libbpf-tools' tool prints the same columns as ours.
                4 => {
                    let Some(c) = peer else { continue };
                    let (line, _, _) = run_load(load, Some((Command::new(c), Sink::Null)))?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    f.c_null.push(ops as f64 / secs);
                }
                _ => {
                    let Some(c) = peer else { continue };
                    let sink = Sink::File(out_file.clone());
                    let (line, pid, _) = run_load(load, Some((Command::new(c), sink)))?;
                    let (ops, secs) = load::parse_ops(&line)?;
                    let seen = count_rows(&out_file, pid)?;
                    f.c_file.push(ops as f64 / secs);
                    f.c_missing_file
                        .push(100.0 * ops.saturating_sub(seen) as f64 / ops as f64);
                }
            }
        }
    }
    let _ = std::fs::remove_file(&out_file);
    Ok(f)
}

/// Speeds as percentages of the untraced median.
fn relative(speeds: &[f64], untraced: &[f64]) -> Vec<f64> {
    let base = report::median(untraced);
    speeds.iter().map(|s| 100.0 * s / base).collect()
}

fn storm_figures(rep: &mut Report, tool: &str, f: &StormFigures, targets: [&str; 2]) {
    let bt = |v: &[f64]| (!v.is_empty()).then(|| v.to_vec());
    // libbpf-tools' figures from the same rounds.
    let c = |v: &[f64], unit: &str| {
        if v.is_empty() {
            String::new()
        } else {
            report::spread(v, unit)
        }
    };
    let c_null = c(&relative(&f.c_null, &f.untraced), "% of untraced");
    let c_file = c(&relative(&f.c_file, &f.untraced), "% of untraced");
    let c_missing = c(&f.c_missing_file, "%");
    rep.add(
        Figure::new(
            &format!("load speed under {tool} > /dev/null"),
            "% of untraced",
            relative(&f.null, &f.untraced),
        )
        .target(targets[0])
        .reference(&c_null)
        .bpftrace(bt(&relative(&f.bpftrace, &f.untraced))),
    );
    rep.add(
        Figure::new(
            &format!("load speed under {tool} > file"),
            "% of untraced",
            relative(&f.file, &f.untraced),
        )
        .target(targets[0])
        .reference(&c_file),
    );
    rep.add(
        Figure::new(
            &format!("events missing under the storm ({tool} > file)"),
            "%",
            f.missing_file.clone(),
        )
        .target(targets[1])
        .reference(&c_missing)
        .bpftrace(bt(&f.missing_bpftrace)),
    );
    rep.add(Figure::new(
        &format!("events reported lost ({tool} > file)"),
        "events",
        f.lost_file.clone(),
    ));
    rep.add(Figure::new(
        &format!("events reported lost ({tool} > /dev/null)"),
        "events",
        f.lost_null.clone(),
    ));
    rep.add(
        Figure::new(
            &format!("events missing and not reported ({tool} > file)"),
            "events",
            f.unreported_file.clone(),
        )
        .target("0"),
    );
    rep.add(Figure::new("untraced load speed", "ops/s", f.untraced.clone()).label(tool));
}

fn open_storm(
    rep: &mut Report,
    bin_dir: &Path,
    peers: &Path,
    plan: &Plan,
    bpftrace: Option<&Path>,
) -> Result<()> {
    let c = peers.join("opensnoop");
    let peer = tracer::is_executable(&c).then_some(c.as_path());
    let target = std::env::temp_dir().join(format!("bpftk-bench-open-{}", std::process::id()));
    std::fs::write(&target, b"x")?;
    let path = target.to_string_lossy().into_owned();
    let secs = plan.storm_secs.to_string();
    let load = ["open-close", path.as_str(), secs.as_str()];
    let program = "tracepoint:syscalls:sys_enter_openat { @[pid] = count(); }";
    let f = storm(
        plan,
        &load,
        || tool_command(bin_dir, "opensnoop").0,
        // opensnoop: PID first, PATH last.
        |file, pid| rows_for(file, 0, pid, Some(&path)),
        bpftrace.map(|b| (b, program)),
        peer,
    )?;
    let _ = std::fs::remove_file(&target);
    rep.add(
        Figure::new(
            "opensnoop peak RSS after the storm",
            "MB",
            f.rss_after.clone(),
        )
        .target("≤ 4 MB")
        .bpftrace((!f.bpftrace_rss.is_empty()).then(|| f.bpftrace_rss.clone())),
    );
    if !f.bpftrace_ready.is_empty() {
        rep.add(Figure::new(
            "bpftrace one-liner ready",
            "ms",
            f.bpftrace_ready.clone(),
        ));
    }
    storm_figures(rep, "opensnoop", &f, ["≥ 60%", "≤ 0.1%"]);
    Ok(())
}

fn exec_storm(
    rep: &mut Report,
    bin_dir: &Path,
    peers: &Path,
    plan: &Plan,
    bpftrace: Option<&Path>,
) -> Result<()> {
    let c = peers.join("execsnoop");
    let peer = tracer::is_executable(&c).then_some(c.as_path());
    let secs = plan.storm_secs.to_string();
    let load = ["spawn-true", secs.as_str()];
    let program =
        "tracepoint:syscalls:sys_enter_execve { @[curtask->real_parent->tgid] = count(); }";
    let f = storm(
        plan,
        &load,
        || tool_command(bin_dir, "execsnoop").0,
        // execsnoop: PCOMM PID PPID RET ARGS; the children of the generator,
        // with their argument: a row without it counts as missing.
        |file, pid| rows_for(file, 2, pid, Some("bpftk-storm")),
        bpftrace.map(|b| (b, program)),
        peer,
    )?;
    storm_figures(rep, "execsnoop", &f, ["", "≤ 0.1%"]);
    Ok(())
}

/// The slowdown of a CPU-bound loop while `profile -F 99` samples every CPU.
fn profile_overhead(rep: &mut Report, bin_dir: &Path, plan: &Plan) -> Result<()> {
    let iters = plan.cpu_iters.to_string();
    let load = ["cpu", iters.as_str()];
    let (mut plain, mut traced) = (Vec::new(), Vec::new());
    for round in 0..plan.rounds {
        for k in 0..2 {
            if (round + k) % 2 == 0 {
                let (line, _, _) = run_load(&load, None)?;
                plain.push(line.parse::<f64>()?);
            } else {
                let mut cmd = tool_command(bin_dir, "profile").0;
                cmd.args(["-F", "99"]);
                let (line, _, _) = run_load(&load, Some((cmd, Sink::Null)))?;
                traced.push(line.parse::<f64>()?);
            }
        }
    }
    let base = report::median(&plain);
    rep.add(
        Figure::new(
            "CPU-bound loop slowdown under profile -F 99",
            "%",
            traced.iter().map(|t| 100.0 * (t / base - 1.0)).collect(),
        )
        .target("< 1%"),
    );
    Ok(())
}
