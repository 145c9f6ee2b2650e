//! The command-line options of the stack tools.

use std::path::PathBuf;

use super::{describe_target, Measure, Pprof, StackParts};

/// The deepest stack the BPF side records (bpf/stacks.bpf.h).
const MAX_DEPTH: u32 = crate::consts::BPFTK_MAX_STACK_DEPTH as u32;

/// The `--stack-storage-size` and `--perf-max-stack-depth` options of the
/// stack tools, and sizing the BPF side's `stackmap` (bpf/stacks.bpf.h).
#[derive(clap::Args, Debug, Clone)]
pub struct StackStorage {
    /// The number of unique stack traces that can be stored and displayed
    #[arg(long, default_value_t = 16384, value_parser = clap::value_parser!(u32).range(1..=1 << 20))]
    pub stack_storage_size: u32,
    /// The limit for both kernel and user stack traces
    #[arg(long, default_value_t = MAX_DEPTH, value_parser = clap::value_parser!(u32).range(1..=MAX_DEPTH as i64))]
    pub perf_max_stack_depth: u32,
}

impl StackStorage {
    /// Size the (not yet loaded) stack map.
    pub fn apply(&self, stackmap: &mut libbpf_rs::OpenMapMut) -> anyhow::Result<()> {
        stackmap.set_value_size(self.perf_max_stack_depth * 8)?;
        stackmap.set_max_entries(self.stack_storage_size)?;
        Ok(())
    }
}

/// `-U` and `-K` as profile and offcputime spell them: which of a
/// thread's two stacks to leave out.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct ShownStacks {
    /// Show stacks from user space only (no kernel space stacks)
    #[arg(
        short = 'U',
        long = "user-stacks-only",
        conflicts_with = "kernel_stacks_only"
    )]
    pub user_stacks_only: bool,
    /// Show stacks from kernel space only (no user space stacks)
    #[arg(short = 'K', long = "kernel-stacks-only")]
    pub kernel_stacks_only: bool,
}

impl ShownStacks {
    pub fn parts(&self) -> StackParts {
        StackParts::shown(self.user_stacks_only, self.kernel_stacks_only)
    }

    /// `PID 185 by user + kernel stack`, for the header; see [`describe_target`].
    pub fn describe(&self, pids: &[u32], tids: &[u32], all: &str) -> String {
        describe_target(
            pids,
            tids,
            all,
            self.user_stacks_only,
            self.kernel_stacks_only,
        )
    }
}

/// `-d/--delimited`, as profile, offcputime and stackcount spell it.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct Delimited {
    /// Insert a delimiter between kernel and user stacks
    #[arg(short = 'd', long = "delimited")]
    pub on: bool,
}

/// `-f`, the stack map's size and `[DURATION]`, as profile and offcputime
/// spell them.
#[derive(clap::Args, Debug, Clone)]
pub struct ReportArgs {
    /// Output folded format, one line per stack (for flame graphs)
    #[arg(short, long, conflicts_with = "format")]
    pub folded: bool,
    #[command(flatten)]
    pub storage: StackStorage,
    /// Duration of the trace, in seconds (default: until Ctrl-C)
    #[arg(value_parser = clap::value_parser!(u64).range(1..))]
    pub duration: Option<u64>,
}

impl ReportArgs {
    pub fn duration(&self) -> Option<std::time::Duration> {
        self.duration.map(std::time::Duration::from_secs)
    }

    /// How bcc's header ends: ` for 5 secs.`, or `... Hit Ctrl-C to end.`
    pub fn until(&self) -> String {
        match self.duration {
            Some(d) => format!(" for {d} secs."),
            None => "... Hit Ctrl-C to end.".into(),
        }
    }
}

/// `--format pprof` and `-o FILE`, as every stack tool spells them: the
/// report as a profile for `go tool pprof` instead of text.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FormatArgs {
    /// Write the report in this format instead of text: pprof, a
    /// gzip-compressed profile.proto for go tool pprof
    #[arg(long, value_enum, value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<StackFormat>,
    /// Write the --format report to FILE (default: standard output, which
    /// must then not be a terminal)
    #[arg(short, long, value_name = "FILE", requires = "format")]
    pub output: Option<PathBuf>,
}

/// The formats of `--format`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackFormat {
    Pprof,
}

impl FormatArgs {
    /// With `--format pprof`, a profile of `measure` to write at the end:
    /// to FILE, created now so that a bad path fails before tracing, else
    /// to standard output. A binary profile on a terminal is a usage
    /// error, as clap reports them (exit status 2).
    pub fn pprof(&self, measure: Measure) -> anyhow::Result<Option<Pprof>> {
        use std::io::IsTerminal;
        if self.format.is_none() {
            return Ok(None);
        }
        if self.output.is_none() && std::io::stdout().is_terminal() {
            clap::Error::raw(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--format pprof writes a binary profile: name a file with -o FILE, or redirect standard output\n",
            )
            .exit();
        }
        Pprof::create(measure, self.output.as_deref()).map(Some)
    }
}
