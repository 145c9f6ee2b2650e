//! A smoke run of the harness: `--quick` on this build's tools must produce
//! every figure (their values are not asserted: timing belongs to
//! scripts/bench, not to tests).

use std::path::Path;
use std::process::Command;

const BENCH: &str = env!("CARGO_BIN_EXE_bpftk-bench");

#[test]
fn quick_run_produces_every_figure() {
    // `cargo test --workspace` builds the tools next to the harness.
    let bin_dir = Path::new(BENCH).parent().unwrap();
    assert!(
        bin_dir.join("bpftk").exists(),
        "no bpftk in {}: run the workspace's tests (cargo test --workspace)",
        bin_dir.display()
    );
    let json = std::env::temp_dir().join(format!("bpftk-bench-smoke-{}.json", std::process::id()));
    let out = Command::new(BENCH)
        .args(["--quick", "--peers", "/nonexistent", "--json"])
        .arg(&json)
        .env("PATH", "/nonexistent") // no bpftrace: its skip is reported
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).unwrap();

    let names: Vec<&str> = v["figures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for want in [
        "opensnoop ready",
        "execsnoop ready",
        "opensnoop peak RSS, idle",
        "opensnoop peak RSS after the storm",
        "opensnoop binary",
        "load speed under opensnoop > /dev/null",
        "load speed under opensnoop > file",
        "events missing under the storm (opensnoop > file)",
        "events reported lost (opensnoop > file)",
        "events missing and not reported (opensnoop > file)",
        "load speed under execsnoop > /dev/null",
        "events missing under the storm (execsnoop > file)",
        "CPU-bound loop slowdown under profile -F 99",
    ] {
        assert!(names.contains(&want), "no figure {want:?} in {names:?}");
    }
    for f in v["figures"].as_array().unwrap() {
        assert!(f["median"].as_f64().is_some_and(f64::is_finite), "{f}");
    }
    // Every tool that traces has its ready time and idle memory, but for
    // those this kernel cannot run, each named in the skipped list.
    let skipped: Vec<&str> = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    let cannot_run = |t: &str| {
        skipped
            .iter()
            .any(|s| s.starts_with(&format!("{t}: cannot run on this kernel: ")))
    };
    let list = Command::new(bin_dir.join("bpftk"))
        .arg("list")
        .output()
        .unwrap();
    let tools: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|t| t != "flamegraph" && !cannot_run(t))
        .collect();
    let measured: Vec<&str> = v["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tool"].as_str().unwrap())
        .collect();
    assert_eq!(measured, tools);
    assert!(v["tools"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["ready_ms"]["median"].as_f64().unwrap() > 0.0));
    assert!(stdout.contains("| opensnoop ready |"), "{stdout}");
    assert!(stdout.contains("bpftrace is not installed"), "{stdout}");
    assert!(
        stdout.contains("libbpf-tools comparisons: no /nonexistent"),
        "{stdout}"
    );
}

#[test]
fn the_c_tools_are_measured_in_the_same_runs() {
    // Debian's libbpf-tools, unpacked (not installed) by scripts/fetch-peers.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let fetch = Command::new(root.join("scripts/fetch-peers"))
        .output()
        .unwrap();
    assert!(
        fetch.status.success(),
        "{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    let peers = String::from_utf8(fetch.stdout).unwrap().trim().to_string();
    let json = std::env::temp_dir().join(format!("bpftk-bench-peers-{}.json", std::process::id()));
    // opensnoop and runqlat run here in C too; tcpconnect's C tool needs
    // kprobes, which this kernel lacks: a row says why.
    let out = Command::new(BENCH)
        .args(["--quick", "--peers", &peers, "--json"])
        .arg(&json)
        .args(["opensnoop", "runqlat", "tcpconnect"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).unwrap();
    let tool = |name: &str| {
        v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["tool"] == name)
            .unwrap_or_else(|| panic!("no {name} in {v}"))
            .clone()
    };
    for name in ["opensnoop", "runqlat"] {
        let c = &tool(name)["libbpf_tools"];
        assert!(c["ready_ms"]["median"].as_f64().unwrap() > 0.0, "{c}");
        assert!(
            c["idle_peak_rss_mb"]["median"].as_f64().unwrap() > 0.0,
            "{c}"
        );
    }
    let fails = tool("tcpconnect")["libbpf_tools"]["fails"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(fails.contains("kprobe"), "{fails}");
    // The headline figures carry the C tool's median and the ratio.
    let figure = |name: &str| {
        v["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap_or_else(|| panic!("no figure {name}"))["libbpf_tools"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(figure("opensnoop ready").contains("(bpftk/C "), "{stdout}");
    assert!(
        figure("load speed under opensnoop > /dev/null").ends_with("% of untraced"),
        "{stdout}"
    );
    assert!(stdout.contains("| opensnoop | "), "{stdout}");
}
