//! bashreadline: command lines entered in interactive bash shells.

use std::path::{Path, PathBuf};

use clap::Parser;
use libtools::{bail, elf, lifecycle, AttachPoint, Column, Columns, Common, DurationArg, Prog};
use libtools::{Result, Spec, Value};

libtools::skel!("bashreadline");
use skel::{types::event, BashreadlineSkelBuilder as Builder};

const EXAMPLES: &str = "EXAMPLES:
    bashreadline                             # trace bash command lines
    bashreadline -s /usr/lib/libreadline.so  # bash using this readline library";
pub const DOC: crate::Doc = crate::Doc {
    columns: &[
        ("TIME", "the wall-clock time the line was received, HH:MM:SS"),
        ("PID", "the process ID of the bash that read the line"),
        ("COMMAND", "the line as readline returned it, control characters escaped; a line longer than 1023 bytes is cut there and ends with ..."),
    ],
    overhead: "The uretprobe fires once for each line readline returns: in every bash on the system or, \
when the shared libreadline is probed, in every program that uses it (the kernel then keeps only \
tasks named bash). Each line costs a trap into the kernel at the call and at its return, and one \
ring buffer event: nothing at typing speed. Scripts run by bash do not read their commands through \
readline and cost nothing. Events the ring buffer had no room for are counted and reported at exit.",
    see_also: &["execsnoop", "exitsnoop"],
    upstream: &[],
    hooks: crate::Hooks::Described(
        "a uretprobe on readline_internal_teardown (newer bash) or readline, in /bin/bash, else in the shared libreadline bash uses (-s overrides).",
    ),
};

/// Print the command lines entered in interactive bash shells, system-wide.
#[derive(Parser, Debug)]
#[command(name = "bashreadline", version = libtools::version!(), after_help = EXAMPLES)]
pub struct Args {
    /// The bash binary or readline library to probe
    #[arg(short, long, value_name = "PATH")]
    shared: Option<PathBuf>,
    #[command(flatten)]
    duration: DurationArg,
    #[command(flatten)]
    common: Common,
}

/// The readline-returning function `binary` defines, newest bash first.
fn readline_in(binary: &Path) -> Option<&'static str> {
    ["readline_internal_teardown", "readline"]
        .into_iter()
        .find(|f| elf::defines(binary, f))
}

/// What to probe: (binary, function, whether other programs share it).
fn target(shared: Option<&Path>) -> Result<(PathBuf, &'static str, bool)> {
    if let Some(p) = shared {
        if !p.exists() {
            bail!("{}: no such file", p.display());
        }
        let Some(f) = readline_in(p) else {
            bail!(
                "{}: defines neither readline nor readline_internal_teardown",
                p.display()
            );
        };
        let is_bash = p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bash"));
        return Ok((p.to_path_buf(), f, !is_bash));
    }
    let bash = std::fs::canonicalize("/bin/bash").unwrap_or_else(|_| "/bin/bash".into());
    if let Some(f) = readline_in(&bash) {
        return Ok((bash, f, false));
    }
    if let Some(lib) = elf::find_library("libreadline") {
        if let Some(f) = readline_in(&lib) {
            return Ok((lib, f, true));
        }
    }
    bail!(
        "no readline in {} nor in a libreadline: give the library with -s PATH",
        bash.display()
    )
}

fn hooks(binary: &Path, func: &str) -> Vec<AttachPoint> {
    vec![AttachPoint::new("readline return").or([Prog::uretprobe(
        "uretprobe_readline",
        &binary.to_string_lossy(),
        func,
    )])]
}

pub fn run(args: Args) -> Result<()> {
    libtools::setup(&args.common)?;
    let duration = args.duration.get()?;
    let (binary, func, shared) = target(args.shared.as_deref())?;
    libtools::verbose!("probing {func} in {}", binary.display());

    let spec = Spec::hooks(hooks(&binary, func));
    let tool = lifecycle::start(Builder::default(), spec, |open| {
        open.rodata()?.bash_only = shared;
        Ok(())
    })?;

    let out = Columns::new()
        .always([
            Column::left("TIME", 9),
            Column::left("PID", 7),
            Column::left("COMMAND", 0),
        ])
        .stdout(args.common.json);
    tool.trace(&out, "bash commands", duration, |data| {
        let e: event = libtools::decode(data);
        let line = libtools::sized(&e.line, e.len, e.truncated);
        out.row(&[Value::now(), Value::Uint(e.pid.into()), Value::Bytes(&line)]);
    })
}
