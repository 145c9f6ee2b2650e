//! cpufreq: the frequency CPUs ran at, sampled on every CPU, as linear
//! histograms for the whole system and by process name.

use anyhow::{anyhow, bail};
use clap::Parser;
use libbpf_rs::{MapCore, MapFlags};
use libtools::args::DurationArg;
use libtools::hist::{self, Scale, Summary};
use libtools::{lifecycle, maps, perf, run, AttachPoint, Common, Prog, Result, Spec, Value};

libtools::skel!("cpufreq");
use skel::{consts, types::comm_key, CpufreqSkelBuilder as Builder};
use skel::types::hist as Hist;

const EXAMPLES: &str = "EXAMPLES:
    cpufreq          # sample CPU frequency at 99 Hz until Ctrl-C
    cpufreq -d 5     # sample for 5 seconds only
    cpufreq -f 199   # sample at 199 Hz
    cpufreq --json -d 5   # one JSON object per histogram";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("NAME : count distribution", "a histogram per process name (the name heads its value column, as upstream), of the samples that found a task of that name running; the idle task is left out"),
        ("syswide", "the last histogram: every sample on every CPU, idle or not"),
        ("value", "the frequency the sampled CPU was last set to, as the low end of a 200 MHz bucket (1000 holds 1000 to 1199 MHz); the last bucket, 6200, also holds higher ones; only buckets with samples are shown; --json gives each bucket's low, high and count, with unit MHz, and scope \"process\" with comm, or scope \"system\""),
        ("count", "the number of samples in the bucket"),
        ("distribution", "stars in proportion to the largest bucket's count"),
    ],
    overhead: "A CPU-clock perf event fires -f times a second (99 by default) on every CPU, busy or \
idle; each sample adds one to a per-CPU histogram and to its process name's histogram in a hash \
map. The tracepoint program runs once per frequency change the cpufreq core makes (with schedutil, \
up to once every few milliseconds per policy). Nothing is sent per sample: user space reads the \
maps once, at the end. The map holds 1024 process names; samples of further names are counted and \
reported as lost.",
    see_also: &["profile", "runqlen", "llcstat"],
    upstream: &[
        "Needs a cpufreq driver: where /sys/devices/system/cpu/cpu*/cpufreq is missing (most virtual machines), one error line says so, as upstream's \"failed to open ...scaling_cur_freq\" does less clearly.",
        "The starting frequencies are read from scaling_cur_freq in kHz and kept in MHz; upstream keeps the kHz figure as MHz, so that every sample before a CPU's first change falls in its last bucket.",
        "The frequency is the one the cpufreq core last set (power:cpu_frequency), as upstream: drivers that change it without the core (intel_pstate in active mode, hardware-managed P-states) leave it at its starting value.",
        "Buckets go to 6200 MHz (upstream: 5000); samples on a CPU whose frequency is not known (no cpufreq policy) are counted and reported, where upstream drops them silently.",
        "Histograms are in name order; --json is an addition.",
    ],
    hooks: crate::Hooks::Declared { object: "cpufreq", points: hooks },
};

/// Sample CPU frequency system-wide and by process. Ctrl-C to end.
#[derive(Parser, Debug)]
#[command(name = "cpufreq", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    duration: DurationArg,
    /// Sample this many times a second on each CPU
    #[arg(short, long, default_value_t = 99, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    frequency: u64,
    #[command(flatten)]
    common: Common,
}

fn hooks() -> Vec<AttachPoint> {
    vec![AttachPoint::new("CPU frequency change")
        .or([Prog::tp_btf("tp_btf_cpu_frequency", "cpu_frequency")])
        .or([Prog::raw_tp("raw_cpu_frequency", "cpu_frequency")])
        .or([Prog::tracepoint("tp_cpu_frequency", "power:cpu_frequency")])]
}

const SYSFS_CPU: &str = "/sys/devices/system/cpu";

/// Each online CPU's current frequency in MHz, from its cpufreq policy
/// (scaling_cur_freq, in kHz); None for a CPU without one. An error where
/// no CPU has one: the machine has no cpufreq driver.
fn current_mhz(cpus: &[u32]) -> Result<Vec<(u32, Option<u32>)>> {
    let mut freqs = Vec::with_capacity(cpus.len());
    for &cpu in cpus {
        let path = format!("{SYSFS_CPU}/cpu{cpu}/cpufreq/scaling_cur_freq");
        let mhz = match std::fs::read_to_string(&path) {
            Ok(text) => {
                let khz: u64 = text
                    .trim()
                    .parse()
                    .map_err(|_| anyhow!("cannot parse {path}: {:?}", text.trim()))?;
                Some(u32::try_from(khz / 1000).unwrap_or(u32::MAX))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => bail!("cannot read {path}: {e}"),
        };
        freqs.push((cpu, mhz));
    }
    if freqs.iter().all(|(_, f)| f.is_none()) {
        let first = cpus.first().copied().unwrap_or(0);
        let dir = format!("{SYSFS_CPU}/cpu{first}/cpufreq");
        bail!("no cpufreq driver: {dir} does not exist (virtual machines usually have none), so there is no CPU frequency to sample");
    }
    Ok(freqs)
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;

    let tool = lifecycle::load(Builder::default(), Spec::hooks(hooks()), |_| Ok(()))?;
    // After load (so that BPFTK_LOAD_ONLY verifies the programs on machines
    // without cpufreq) and before attach, as upstream: a change between the
    // read and the attach is missed until the CPU's next one.
    let cpus = perf::online_cpus()?;
    let freqs = current_mhz(&cpus)?;
    for (cpu, mhz) in freqs {
        if let Some(mhz) = mhz.filter(|_| cpu < consts::CPUFREQ_MAX_CPUS as u32) {
            tool.maps
                .freqs
                .update(&cpu.to_ne_bytes(), &mhz.to_ne_bytes(), MapFlags::ANY)
                .map_err(|e| anyhow!("cannot set CPU {cpu}'s frequency in the BPF map: {e}"))?;
        }
    }
    let mut tool = tool.attach()?;
    let links = perf::attach_sampling(&tool.progs.do_sample, perf::Rate::Hertz(args.frequency), None)?;
    tool.keep(links);

    let scale = Scale::Linear { base: 0, step: consts::CPUFREQ_STEP_MHZ };
    let summary = Summary::new(args.common.json, "MHz", scale, false);
    summary.ready_line("Sampling CPU freq system-wide & by process. Ctrl-C to end.");
    run::sleep_for(duration);
    tool.detach();

    let mut by_name: Vec<(comm_key, Hist)> = maps::drain_as(&tool.maps.hists)?;
    by_name.sort_by(|a, b| libtools::c_bytes(&a.0.comm).cmp(libtools::c_bytes(&b.0.comm)));
    let per_cpu: Vec<Hist> = maps::take_percpu(&tool.maps.syswide, 0)?;
    let syswide = hist::summed(per_cpu.iter().map(|h| &h.slots[..]));

    summary.begin();
    for (key, h) in &by_name {
        let comm = libtools::c_bytes(&key.comm);
        summary.labelled(comm, &[("scope", Value::Str("process")), ("comm", Value::Bytes(comm))], &h.slots);
        summary.text("\n");
    }
    summary.text("\n");
    summary.labelled(b"syswide", &[("scope", Value::Str("system"))], &syswide);
    summary.end();

    let unknown = maps::sum_percpu(&tool.maps.stats, consts::S_UNKNOWN as u32)?;
    if unknown > 0 {
        eprintln!("cpufreq: {unknown} samples on CPUs whose frequency is not known (no cpufreq policy) were not counted");
    }
    tool.report_dropped();
    Ok(())
}
