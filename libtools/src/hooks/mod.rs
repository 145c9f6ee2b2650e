//! Hook selection. A tool names, for each attach point, its alternatives in
//! order of preference; libtools probes what this kernel offers, autoloads
//! only the chosen programs, attaches them and reports the choice under -v.
//!
//! `BPFTK_HOOK=<kind>` forces one kind wherever a point offers it, so a test
//! can push every alternative through the verifier even where it cannot
//! attach; with `BPFTK_LOAD_ONLY=1` the tool stops after loading.
//!
//! - `decl`: what a tool declares (kinds, targets, programs, attach points);
//! - `plan`: the planner, pure but for attaching (tested against a fake kernel);
//! - `probe`: what the running kernel offers, asked through libbpf and tracefs;
//! - `describe`: a declaration in words, for the documentation.

mod decl;
mod describe;
mod plan;
mod probe;

pub use decl::{AttachPoint, Helper, HookKind, Prog, Target};
pub use describe::describe;
pub use plan::HookPlan;
pub use probe::{Kernel, LiveKernel};

pub const FORCE_ENV: &str = "BPFTK_HOOK";
pub const LOAD_ONLY_ENV: &str = "BPFTK_LOAD_ONLY";
/// `BPFTK_LIST_HOOKS=1`: print every alternative, whether this kernel offers
/// it, and the choice, as `bpftk-hooks:` lines on stderr (for
/// scripts/test-kernels, which then forces each kind in turn).
pub const LIST_ENV: &str = "BPFTK_LIST_HOOKS";

/// True when the tool should stop after loading (`BPFTK_LOAD_ONLY=1`).
pub fn load_only() -> bool {
    std::env::var(LOAD_ONLY_ENV).is_ok_and(|v| v == "1")
}
