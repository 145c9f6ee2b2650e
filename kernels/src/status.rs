//! What came of one tool with one hook kind on one kernel: the guest prints
//! it by name in its `MATRIX` lines, the host reads it back for the matrix.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Attached and printed the event the case made.
    Saw,
    /// Attached but printed nothing of the event.
    Silent,
    /// This kernel lacks the hook kind (or every hook of the tool).
    NotOffered,
    /// Not a tracer: nothing to attach (flamegraph).
    NoHooks,
    /// Left out by `BPFTK_SKIP_TOOLS`.
    Skipped,
    /// The verifier or libbpf refused the programs.
    LoadFailed,
    /// Any other failure: an error at start, a bad exit, no event made.
    Failed,
    /// The kernel logged a warning, a BUG or a stall meanwhile.
    KernelTrouble,
    /// The tool did not stop on SIGINT.
    Stuck,
}

impl Status {
    const ALL: [Status; 9] = [
        Status::Saw,
        Status::Silent,
        Status::NotOffered,
        Status::NoHooks,
        Status::Skipped,
        Status::LoadFailed,
        Status::Failed,
        Status::KernelTrouble,
        Status::Stuck,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Saw => "saw",
            Status::Silent => "silent",
            Status::NotOffered => "not-offered",
            Status::NoHooks => "no-hooks",
            Status::Skipped => "skipped",
            Status::LoadFailed => "load-failed",
            Status::Failed => "failed",
            Status::KernelTrouble => "kernel-trouble",
            Status::Stuck => "stuck",
        }
    }

    /// The status a `MATRIX` line names; a name nobody prints is a failure.
    pub fn from_name(name: &str) -> Status {
        Status::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .unwrap_or(Status::Failed)
    }

    /// The matrix cell's mark.
    pub fn mark(self) -> &'static str {
        match self {
            Status::Saw => "✓",
            Status::Silent => "∅",
            Status::NotOffered => "—",
            Status::NoHooks | Status::Skipped => "",
            _ => "✗",
        }
    }

    /// Fine as it stands, with no reason given.
    pub fn passes(self) -> bool {
        matches!(
            self,
            Status::Saw | Status::NotOffered | Status::NoHooks | Status::Skipped
        )
    }

    /// Worth a second attempt: an emulated guest can be slow enough to miss
    /// a window, but a refused program is refused again, and a second run
    /// would hide kernel trouble or a stuck tool.
    pub fn retry(self) -> bool {
        matches!(self, Status::Silent | Status::Failed)
    }

    /// A known reason (cases::KNOWN) may excuse it: not kernel trouble,
    /// not a stuck tool, and not a pass.
    pub fn excusable(self) -> bool {
        !matches!(self, Status::Saw | Status::KernelTrouble | Status::Stuck)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_name(s.name()), s);
        }
        assert_eq!(Status::from_name("whatever"), Status::Failed);
    }
}
