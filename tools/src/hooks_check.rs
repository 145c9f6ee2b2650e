//! Every program a tool's hook declaration names is in its compiled BPF
//! object, in a section of the declared kind: a misspelt name fails here,
//! not at load on a user's machine. Opening an object needs no privileges.

use std::collections::HashMap;
use std::path::PathBuf;

use libbpf_rs::ObjectBuilder;
use libtools::hooks::{HookKind, Target};
use libtools::AttachPoint;

use crate::{Hooks, TOOLS};

/// The kind a program's section stands for (`tracepoint/syscalls/...`,
/// `tp_btf/...`, or a bare `fentry` attached at run time).
fn section_kind(section: &str) -> Option<HookKind> {
    let prefix = section.split('/').next().unwrap_or(section);
    Some(match prefix {
        "tracepoint" | "tp" => HookKind::Tracepoint,
        "tp_btf" => HookKind::TpBtf,
        "raw_tp" | "raw_tracepoint" => HookKind::RawTp,
        "fentry" | "fexit" => HookKind::Fentry,
        "kprobe" | "kretprobe" => HookKind::Kprobe,
        "uprobe" | "uretprobe" => HookKind::Uprobe,
        _ => return None,
    })
}

/// Whether a section says return (fexit, kretprobe, uretprobe).
fn section_is_return(section: &str) -> bool {
    ["fexit", "kretprobe", "uretprobe"]
        .iter()
        .any(|p| section.split('/').next() == Some(p))
}

/// Program name → section, from `$OUT_DIR/<object>.bpf.o`.
fn sections(object: &str) -> HashMap<String, String> {
    let path = PathBuf::from(env!("OUT_DIR")).join(format!("{object}.bpf.o"));
    let obj = ObjectBuilder::default()
        .open_file(&path)
        .unwrap_or_else(|e| panic!("opening {}: {e}", path.display()));
    obj.progs()
        .map(|p| {
            (
                p.name().to_string_lossy().into_owned(),
                p.section().to_string_lossy().into_owned(),
            )
        })
        .collect()
}

/// What is wrong with a declaration against an object's programs: one line
/// per program missing or in a section of another kind.
fn problems(object: &str, points: &[AttachPoint]) -> Vec<String> {
    let progs = sections(object);
    let mut out = Vec::new();
    for point in points {
        for prog in point.alternatives.iter().flatten() {
            let Some(section) = progs.get(prog.name) else {
                out.push(format!(
                    "{object}: \"{}\": program {} is not in {object}.bpf.o",
                    point.what, prog.name
                ));
                continue;
            };
            let kind = prog.target.kind();
            if section_kind(section) != Some(kind) {
                out.push(format!(
                    "{object}: \"{}\": program {} is declared {kind} but its section is {section}",
                    point.what, prog.name
                ));
            }
            let declared_ret = match &prog.target {
                Target::Kprobe { ret, .. }
                | Target::Uprobe { ret, .. }
                | Target::Fentry { ret, .. } => Some(*ret),
                _ => None,
            };
            if declared_ret.is_some_and(|r| r != section_is_return(section)) {
                out.push(format!(
                    "{object}: \"{}\": program {} is declared {} but its section is {section}",
                    point.what,
                    prog.name,
                    if declared_ret == Some(true) {
                        "a return probe"
                    } else {
                        "an entry probe"
                    }
                ));
            }
        }
    }
    out
}

#[test]
fn every_declared_program_is_in_its_object() {
    let mut all = Vec::new();
    let mut checked = 0;
    for tool in TOOLS {
        if let Hooks::Declared { object, points } = tool.doc.hooks {
            all.extend(problems(object, &points()));
            checked += 1;
        }
    }
    assert!(all.is_empty(), "\n{}", all.join("\n"));
    // Not vacuous: most tools declare their hooks.
    assert!(checked >= 30, "only {checked} tools declare their hooks");
}

#[test]
fn a_misspelt_program_or_wrong_kind_is_caught() {
    use libtools::Prog;
    let points = vec![AttachPoint::new("open entry")
        .or([Prog::tracepoint(
            "tp_enter_opnat",
            "syscalls:sys_enter_openat",
        )])
        .or([Prog::tp_btf("raw_sys_enter", "sys_enter")])];
    let found = problems("opensnoop", &points);
    assert_eq!(
        found,
        [
            "opensnoop: \"open entry\": program tp_enter_opnat is not in opensnoop.bpf.o",
            "opensnoop: \"open entry\": program raw_sys_enter is declared tp_btf but its section is raw_tp/sys_enter",
        ]
    );
}

#[test]
fn section_kinds() {
    assert_eq!(
        section_kind("tracepoint/syscalls/sys_enter_openat"),
        Some(HookKind::Tracepoint)
    );
    assert_eq!(section_kind("fexit"), Some(HookKind::Fentry));
    assert_eq!(section_kind("kretprobe/x"), Some(HookKind::Kprobe));
    assert_eq!(section_kind("perf_event"), None);
    assert!(section_is_return("uretprobe"));
    assert!(!section_is_return("uprobe/x"));
}
