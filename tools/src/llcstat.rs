//! llcstat: last-level cache references and misses by CPU and process,
//! from hardware counters sampled every so many events.

use clap::Parser;
use libtools::perf::{self, Event, Rate};
use libtools::{lifecycle, maps, run, Column, Columns, Common, Result, Spec, Value};

libtools::skel!("llcstat");
use skel::{types::llc_counts, types::llc_key, LlcstatSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    llcstat           # summarize cache references and misses by PID for 10 seconds
    llcstat 20        # for 20 seconds
    llcstat -c 1000   # sample one in 1000 events (less overhead, less precision)
    llcstat -t        # by thread: PID and TID columns";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("PID", "the process ID of the task that was running when the counter was sampled"),
        ("TID", "its thread ID (-t)"),
        ("NAME", "its name, at most 15 characters, as of its last sample"),
        ("CPU", "the CPU it ran on: a task on two CPUs has a line for each"),
        ("REFERENCE", "last-level cache references, estimated: samples times the sample period"),
        ("MISS", "last-level cache misses, likewise"),
        ("HIT%", "references that did not miss, as a percentage of references, two decimals; --json: the number, hit_pct"),
        ("Total References, Total Misses, Hit Rate", "a last line over all rows (not in --json, whose rows add up to it)"),
    ],
    overhead: "Two hardware perf events per CPU (cache references and cache misses) each run a \
program once every -c events (100 by default): on a cache-heavy workload that is hundreds of \
thousands of samples a second per CPU, each a hash map update; raise -c to sample less often. The \
counts are estimates: each sample adds the whole period to the task running when it fired. The map \
holds 10240 CPU and task pairs; samples of further pairs are counted and reported as lost.",
    see_also: &["profile", "runqlen", "cpudist"],
    upstream: &[
        "Needs hardware cache counters (PERF_COUNT_HW_CACHE_REFERENCES and PERF_COUNT_HW_CACHE_MISSES): where the machine has none (most virtual machines), one error line names the missing counter, as upstream's \"failed to init perf sampling\" does less clearly.",
        "-t (by thread) is bcc's and newer libbpf-tools'; --json is an addition.",
    ],
    hooks: crate::Hooks::Described(
        "hardware perf events per online CPU, cache references and cache misses (no tracepoint).",
    ),
};

/// Summarize last-level cache references and misses by PID (and CPU),
/// from hardware counters sampled every SAMPLE_PERIOD events.
#[derive(Parser, Debug)]
#[command(name = "llcstat", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// Sample one in this many cache reference / miss events
    #[arg(short = 'c', long = "sample_period", visible_alias = "sample-period", value_name = "SAMPLE_PERIOD",
          default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    sample_period: u64,
    /// Summarize by thread ID, not by process
    #[arg(short, long)]
    tid: bool,
    /// Seconds to run before the summary
    #[arg(value_name = "DURATION", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=i64::MAX as u64))]
    duration: u64,
    #[command(flatten)]
    common: Common,
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let mut tool = lifecycle::start(Builder::default(), Spec::no_hook_plan(), |open| {
        open.rodata()?.targ_per_thread = args.tid;
        Ok(())
    })?;
    let rate = Rate::Every(args.sample_period);
    let misses = perf::attach_event(&tool.progs.on_cache_miss, Event::CacheMisses, rate, None)?;
    let refs = perf::attach_event(&tool.progs.on_cache_ref, Event::CacheReferences, rate, None)?;
    tool.keep(misses);
    tool.keep(refs);

    // libbpf-tools' layout: "%-8u %-16s %-4u %12llu %12llu %6.2f%%", with
    // -t "%-8u %-8u" first.
    let json = args.common.json;
    let out = Columns::new()
        .always([Column::left("PID", 8)])
        .when(args.tid, [Column::left("TID", 8)])
        .always([
            Column::left("NAME", 16),
            Column::left("CPU", 4),
            Column::right("REFERENCE", 12),
            Column::right("MISS", 12),
            Column::right("HIT%", 7).key("hit_pct"),
        ])
        .stdout(json);
    // Upstream's first line; --json gets the usual ready line on stderr.
    if json {
        out.ready("cache references and misses");
    } else {
        out.note(&format!("Running for {} seconds or Hit Ctrl-C to end.\n", args.duration));
    }
    run::sleep_for(Some(std::time::Duration::from_secs(args.duration)));
    tool.detach();

    let mut entries = maps::drain_as::<llc_key, llc_counts>(&tool.maps.counts)?;
    entries.sort_by_key(|(k, _)| (k.pid, k.tid, k.cpu));
    if !json {
        out.ready("cache references and misses");
    }
    let (mut total_ref, mut total_miss) = (0u64, 0u64);
    for (k, c) in &entries {
        total_ref += c.refs;
        total_miss += c.misses;
        let pct = hit_pct(c.refs, c.misses);
        let text = format!("{pct:.2}%");
        out.row(&[
            Value::Uint(k.pid.into()),
            Value::Uint(k.tid.into()),
            Value::Bytes(libtools::c_bytes(&c.comm)),
            Value::Uint(k.cpu.into()),
            Value::Uint(c.refs),
            Value::Uint(c.misses),
            if json { Value::Fixed(pct, 2) } else { Value::Str(&text) },
        ]);
    }
    if !json {
        let rate = hit_pct(total_ref, total_miss);
        out.text(&format!(
            "Total References: {total_ref} Total Misses: {total_miss} Hit Rate: {rate:.2}%\n"
        ));
    }
    out.flush();
    tool.report_dropped();
    Ok(())
}

/// References that did not miss, in percent of references (0 with none).
fn hit_pct(refs: u64, misses: u64) -> f64 {
    match refs {
        0 => 0.0,
        r => r.saturating_sub(misses) as f64 * 100.0 / r as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::hit_pct;

    #[test]
    fn hit_percentages() {
        assert_eq!(hit_pct(0, 0), 0.0);
        assert_eq!(hit_pct(200, 50), 75.0);
        // Sampled counts can show more misses than references.
        assert_eq!(hit_pct(100, 300), 0.0);
    }
}
