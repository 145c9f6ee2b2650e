//! Stack traces: ids from a BPF stack map turned into named frames with one
//! blazesym symbolizer cached across a whole report, and the output forms
//! every stack tool shares (bcc's multi-line form and folded lines).
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
mod report;
mod resolver;
mod vmas;

pub use args::{ReportArgs, ShownStacks, StackStorage};
pub use forms::{Form, Sample, StackParts, Wakeup};
pub use map::{stack_addrs, stack_lost};
pub use report::{describe_target, print_report, warn_lost_samples, Counted, StackReport};
pub use resolver::StackResolver;

/// Placeholders, as bcc prints them.
pub const MISSED_USER: &str = "[Missed User Stack]";
pub const MISSED_KERNEL: &str = "[Missed Kernel Stack]";
pub const UNKNOWN: &str = "[unknown]";
