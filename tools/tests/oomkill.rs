//! oomkill end to end: a child in its own small memory cgroup allocates past
//! the limit and is killed; nothing outside that cgroup is at risk.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_oomkill");
const LIMIT: u64 = 48 << 20;

/// A memory cgroup limited to LIMIT bytes (no swap), v1 or v2, removed on drop.
struct MemCgroup(PathBuf);

impl MemCgroup {
    fn new() -> MemCgroup {
        let name = unique_path("oom").file_name().unwrap().to_owned();
        let v1 = PathBuf::from("/sys/fs/cgroup/memory");
        if v1.join("memory.limit_in_bytes").exists() {
            let dir = v1.join(name);
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("memory.limit_in_bytes"), LIMIT.to_string()).unwrap();
            // Where swap is accounted, forbid it too.
            let _ = std::fs::write(dir.join("memory.memsw.limit_in_bytes"), LIMIT.to_string());
            return MemCgroup(dir);
        }
        let root = PathBuf::from("/sys/fs/cgroup");
        let _ = std::fs::write(root.join("cgroup.subtree_control"), "+memory");
        let dir = root.join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("memory.max"), LIMIT.to_string()).unwrap();
        let _ = std::fs::write(dir.join("memory.swap.max"), "0");
        MemCgroup(dir)
    }

    /// Run python3 allocating `mb` MiB (touching every page) inside; its pid.
    fn allocate(&self, mb: u64) -> u32 {
        let procs = self.0.join("cgroup.procs");
        let script = format!(
            "echo $$ > '{}' && exec python3 -c 'a = bytearray({mb} << 20); print(len(a))'",
            procs.display()
        );
        let mut c = Command::new("sh")
            .args(["-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
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
}

impl Drop for MemCgroup {
    fn drop(&mut self) {
        for _ in 0..50 {
            if std::fs::remove_dir(&self.0).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn a_child_over_its_memory_limit_is_reported() {
    let cg = MemCgroup::new();
    let t = Tracer::start(BIN, &[]);
    let pid = cg.allocate(256);
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
    let cg = MemCgroup::new();
    let t = Tracer::start(BIN, &["--json"]);
    let pid = cg.allocate(256);
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
