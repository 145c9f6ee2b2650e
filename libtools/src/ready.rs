//! The ready line: how a tool says on stderr that every program is
//! attached (`Tracing ...`, profile's `Sampling ...`), when its stdout is
//! JSON or waits for the end. In table mode the header on stdout is the
//! signal. Tests, scripts/bench and the guest runner wait for it; they
//! include this file (it has no dependencies) rather than copy the words.

/// The words a ready line begins with.
pub const READY_PREFIXES: [&str; 2] = ["Tracing", "Sampling"];

/// True for a line that announces readiness.
pub fn is_ready_line(line: &str) -> bool {
    READY_PREFIXES.iter().any(|p| line.starts_with(p))
}
