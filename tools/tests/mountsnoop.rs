//! mountsnoop end to end, on the running kernel: tmpfs mounts under a
//! temporary directory, by mount(8) and by the new mount API.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_mountsnoop");

/// The new mount API from python3: fsopen, fsconfig, fsmount, move_mount
/// (numbers shared by every architecture), then umount2 once the mount's
/// fd is closed (EBUSY before).
const NEW_API: &str = r#"
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
s = libc.syscall
fs = s(430, b"tmpfs", 1)
assert s(431, fs, 1, b"size", b"1m", 0) == 0
assert s(431, fs, 6, None, None, 0) == 0
mnt = s(432, fs, 1, 4)
assert s(429, mnt, b"", ctypes.c_long(-100), sys.argv[1].encode(), 4) == 0
os.close(mnt)
os.close(fs)
assert libc.umount2(sys.argv[1].encode(), 0) == 0
"#;

fn call_of<'a>(lines: &'a [String], pid: u32, call: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.split_whitespace().nth(1) == Some(&pid.to_string()) && l.contains(call))
        .unwrap_or_else(|| panic!("no {call} from {pid}: {lines:?}"))
}

fn from(pid: u32) -> impl Fn(&str) -> bool {
    let p = pid.to_string();
    move |l: &str| {
        l.split_whitespace().nth(1) == Some(p.as_str()) || l.contains(&format!("\"pid\":{p},"))
    }
}

#[test]
fn mount_and_umount_of_a_tmpfs() {
    let dir = unique_path("mnt");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let t = Tracer::start(BIN, &[]);
    let m = run_child(
        "mount",
        &["-t", "tmpfs", "-o", "size=1m,nosuid,nodev", "none", d],
    );
    let u = run_child("umount", &[d]);
    let bad = run_child("mount", &["-t", "tmpfs", "none", "/nonexistent/bpftk"]);
    assert!(t.wait_for(from(bad), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    std::fs::remove_dir(&dir).unwrap();
    // libbpf-tools' layout.
    let layout = Printf::new("%-16s %-7d %-7d %-11u %s");
    layout.assert_header(&f.stdout[0], &["COMM", "PID", "TID", "MNT_NS", "CALL"]);
    let ns = std::fs::read_link("/proc/self/ns/mnt").unwrap();
    let ns = ns
        .to_str()
        .unwrap()
        .trim_start_matches("mnt:[")
        .trim_end_matches(']');
    let call =
        format!("mount(\"none\", \"{d}\", \"tmpfs\", MS_NOSUID | MS_NODEV, \"size=1m\") = 0");
    layout.find(&f.stdout, &[is("mount"), is(m), is(m), is(ns), is(call)]);
    let call = format!("umount(\"{d}\", 0x0) = 0");
    layout.find(&f.stdout, &[is("umount"), is(u), is(u), is(ns), is(call)]);
    let l = call_of(&f.stdout, bad, "mount(");
    assert!(l.ends_with(" = -ENOENT"), "{l}");
}

#[test]
fn new_mount_api_in_json() {
    let dir = unique_path("mnt-api");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let child = GatedChild::spawn(&format!("python3 -c '{NEW_API}' {d}"));
    let pid = child.pid();
    let t = Tracer::start(BIN, &["--json", "-p", &pid.to_string()]);
    assert!(child.release(), "the new mount API calls failed");
    assert!(t.wait_for(|l| l.contains("\"op\":\"UMOUNT\""), EVENT_TIMEOUT));
    let f = t.stop();
    f.assert_success();
    std::fs::remove_dir(&dir).unwrap();
    let events = f.json();
    assert!(
        events.iter().all(|e| e["pid"] == pid),
        "-p {pid}: {events:?}"
    );
    let calls: Vec<&str> = events.iter().map(|e| e["call"].as_str().unwrap()).collect();
    let fs = events.iter().find(|e| e["op"] == "FSOPEN").unwrap()["ret"]
        .as_i64()
        .unwrap();
    let mnt = events.iter().find(|e| e["op"] == "FSMOUNT").unwrap()["ret"]
        .as_i64()
        .unwrap();
    for want in [
        format!("fsopen(\"tmpfs\", FSOPEN_CLOEXEC) = {fs}"),
        format!("fsconfig({fs}, FSCONFIG_SET_STRING, \"size\", \"1m\", 0) = 0"),
        format!("fsconfig({fs}, FSCONFIG_CMD_CREATE, \"\", \"\", 0) = 0"),
        format!("fsmount({fs}, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV) = {mnt}"),
        format!("move_mount({mnt}, \"\", AT_FDCWD, \"{d}\", MOVE_MOUNT_F_EMPTY_PATH) = 0"),
        format!("umount(\"{d}\", 0x0) = 0"),
    ] {
        assert!(calls.contains(&want.as_str()), "{want} not in {calls:?}");
    }
    let e = events.iter().find(|e| e["op"] == "MOUNT");
    assert!(e.is_none(), "no mount(2) here: {e:?}");
    assert!(events
        .iter()
        .all(|e| e["comm"] == "python3" && e["lat_us"].is_u64()));
}

#[test]
fn detailed_output() {
    let dir = unique_path("mnt-d");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let t = Tracer::start(BIN, &["-d"]);
    let m = run_child("mount", &["-t", "tmpfs", "-o", "ro", "none", d]);
    run_child("umount", &[d]);
    assert!(t.wait_for(|l| l.starts_with("TARGET:") && l.contains(d), EVENT_TIMEOUT));
    assert!(t.wait_for(|l| l == "OP:     UMOUNT", EVENT_TIMEOUT));
    let f = t.stop();
    std::fs::remove_dir(&dir).unwrap();
    let at = f
        .stdout
        .iter()
        .position(|l| l == &format!("PID:    {m}"))
        .unwrap();
    assert_eq!(
        f.stdout[at..at + 12]
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "PID", "TID", "COMM", "OP", "RET", "LAT", "MNT_NS", "FS", "SOURCE", "TARGET", "DATA",
            "FLAGS"
        ]
    );
    assert_eq!(f.stdout[at + 3], "OP:     MOUNT");
    assert_eq!(f.stdout[at + 11], "FLAGS:  MS_RDONLY");
}

#[test]
fn every_alternative_passes_the_verifier() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
}
