//! mdflush on this kernel, which has no md driver: every hook alternative
//! the kernel could offer goes through the verifier, and a run says in one
//! line what is missing. The flushes themselves are seen in the kernel
//! matrix (scripts/test-kernels), where md is built in.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_mdflush");

fn md_loaded() -> bool {
    std::fs::read_to_string("/proc/devices")
        .is_ok_and(|d| d.lines().any(|l| l.trim().ends_with(" md")))
}

#[test]
fn without_md_a_run_names_what_is_missing() {
    if md_loaded() {
        eprintln!("NOTE: md is loaded here: the missing-driver error cannot be shown");
        return;
    }
    assert_runtime_error(BIN, &[], &[], "no md (software RAID) driver loaded");
}

/// Each kind, where the kernel has md_flush_request; without it (md not
/// loaded), the function hooks cannot even be aimed, and the error says so.
#[test]
fn every_hook_alternative_loads() {
    require_root();
    for kind in ["tp_btf", "raw_tp", "tracepoint", "kprobe", "fentry"] {
        let f = run(BIN, &[], &[("BPFTK_HOOK", kind), ("BPFTK_LOAD_ONLY", "1")]);
        let err = f.stderr.join("\n");
        if kind == "fentry" && !f.status.success() {
            assert!(
                err.contains("md_flush_request") && (!md_loaded() || !kernel_loads_fentry()),
                "{err}"
            );
            continue;
        }
        assert!(f.status.success(), "BPFTK_HOOK={kind}: {err}");
        assert!(err.contains(": loaded "), "BPFTK_HOOK={kind}: {err}");
    }
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-d", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_usage_error(BIN, &["-p", "1"]);
    assert_needs_privileges(BIN, &[]);
}
