//! Stack traces: ids from a BPF stack map turned into named frames with one
//! blazesym symbolizer cached across a whole report, and the output forms
//! every stack tool shares (bcc's multi-line form, folded lines, JSON and
//! pprof profiles).
//!
//! Kernel frames come from kallsyms; user frames from the process (ELF
//! symbols, DWARF where present, demangled). A process's memory map is
//! remembered while it lives ([`StackResolver::remember`]), so its frames
//! can still be named from its files after it has exited. A frame that
//! cannot be named shows its module and file offset (`libfoo.so+0x1a2b`);
//! with nothing known, `[unknown]`.

mod args;
mod forms;
mod map;
mod pprof;
mod proto;
mod report;
mod resolver;
mod vmas;

pub use args::{Delimited, FormatArgs, ReportArgs, ShownStacks, StackFormat, StackStorage};
pub use forms::{Form, Sample, StackParts, Wakeup};
pub use map::{stack_addrs, stack_lost};
pub use pprof::{Frames, LabelValue, Measure, Pprof, PprofSample};
pub use report::{describe_target, warn_lost, warn_lost_samples, Counted, StackReport};
pub use resolver::StackResolver;

/// Placeholders, as bcc prints them.
pub const MISSED_USER: &str = "[Missed User Stack]";
pub const MISSED_KERNEL: &str = "[Missed Kernel Stack]";
pub const UNKNOWN: &str = "[unknown]";

/// Frames as the byte strings of a `Value::Strings` cell.
pub fn frame_bytes(frames: &[String]) -> Vec<&[u8]> {
    frames.iter().map(|f| f.as_bytes()).collect()
}

/// bcc's layout of the stacks of an event under its row: a frame a line,
/// each after `indent`.
pub fn frames_below<'a>(frames: impl IntoIterator<Item = &'a String>, indent: &str) -> String {
    let mut text = String::new();
    for f in frames {
        text.push_str(indent);
        text.push_str(f);
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_end_with_the_duration() {
        use clap::Parser;
        #[derive(Parser)]
        struct A {
            #[command(flatten)]
            report: ReportArgs,
            // What ReportArgs's conflicts name: each tool has them beside it.
            #[command(flatten)]
            _format: FormatArgs,
            #[command(flatten)]
            _common: crate::Common,
        }
        let until = |args: &[&str]| A::parse_from(args).report.until();
        assert_eq!(until(&["t", "5"]), " for 5 secs.");
        assert_eq!(until(&["t"]), "... Hit Ctrl-C to end.");
        let parts = StackParts::default().delimited(true).annotated(true);
        assert!(parts.delimiter && parts.annotate);
    }

    #[test]
    fn frames_under_a_row_one_a_line() {
        let frames = ["a".to_string(), "b".to_string()];
        assert_eq!(frames_below(&frames, "\t"), "\ta\n\tb\n");
        assert_eq!(frame_bytes(&frames), [b"a", b"b"]);
    }
}
