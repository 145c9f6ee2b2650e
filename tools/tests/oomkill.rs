//! oomkill end to end: a child in its own small memory cgroup allocates past
//! the limit and is killed; nothing outside that cgroup is at risk.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_oomkill");
const LIMIT: u64 = 48 << 20;

/// Run python3 allocating `mb` MiB (touching every page) inside `cg`; its
/// pid, once the OOM killer has killed it.
fn allocate(cg: &MemCgroup, mb: u64) -> u32 {
    let script = format!("a = bytearray({mb} << 20); print(len(a))");
    let mut c = cg.spawn("python3", &["-c", &script]);
    let pid = c.id();
    let status = c.wait().unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(
        status.signal(),
        Some(9),
        "the child was not OOM-killed: {status}"
    );
    pid
}

#[test]
fn a_child_over_its_memory_limit_is_reported() {
    let cg = MemCgroup::new("oom", LIMIT);
    let t = Tracer::start(BIN, &[]);
    let pid = allocate(&cg, 256);
    let p = format!("OOM kill of PID {pid} (\"python3\")");
    assert!(
        t.wait_for(|l| l.contains(&p), EVENT_TIMEOUT),
        "no kill of {pid}"
    );
    let f = t.stop();
    f.assert_success();
    assert_eq!(f.stdout[0], "Tracing OOM kills... Ctrl-C to stop.");
    let line = f.stdout.iter().find(|l| l.contains(&p)).unwrap();
    // The child triggered its own kill: it was the one allocating.
    assert!(
        line.contains(&format!(
            "Triggered by PID {pid} (\"python3\"), OOM kill of PID {pid}"
        )),
        "{line}"
    );
    assert!(line.contains(", loadavg: "), "{line}");
    // libbpf-tools' layout: the time, then the sentence.
    let layout = Printf::new("%-8s Triggered by PID %d (\"%s\"), OOM kill of PID %d (\"%s\")%s");
    let cells = [
        Cell::Time,
        is(pid),
        is("python3"),
        is(pid),
        is("python3"),
        Cell::Rest,
    ];
    assert!(layout.matches(line, &cells), "{line:?}");
    assert_eq!(line.as_bytes()[2], b':', "HH:MM:SS first: {line}");
}

#[test]
fn json_has_the_memory_figures() {
    let cg = MemCgroup::new("oom", LIMIT);
    let t = Tracer::start(BIN, &["--json"]);
    let pid = allocate(&cg, 256);
    assert!(t.wait_for(|l| l.contains(&format!("\"tpid\":{pid},")), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    let events = f.json();
    let e = events.iter().find(|e| e["tpid"] == pid).unwrap();
    assert_eq!(e["tcomm"], "python3");
    assert_eq!(e["fpid"], pid);
    assert_eq!(e["uid"], 0);
    assert!(
        e["pages"].is_null(),
        "the tracepoint has no page total: {e}"
    );
    // Killed near its 48 MiB limit: anonymous memory of that order.
    let anon = e["anon_rss_kb"].as_u64().unwrap();
    assert!((20 << 10..=(LIMIT >> 10) + 4096).contains(&anon), "{e}");
    assert!(e["total_vm_kb"].as_u64().unwrap() > anon);
    assert!(
        e["loadavg"].as_str().unwrap().split(' ').count() == 5,
        "{e}"
    );
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["extra"]);
    assert_usage_error(BIN, &["-p", "1"]);
    assert_runtime_error(BIN, &["-d", "-1"], &[], "invalid duration -1");
    assert_needs_privileges(BIN, &[]);
}
