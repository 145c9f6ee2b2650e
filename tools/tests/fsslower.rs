//! fsslower end to end: dd opening, writing and fsyncing a file on ext4
//! (the root file system), and on xfs and btrfs images the test makes,
//! each operation one exact row; ext4slower by its own name.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_fsslower");
const EXT4SLOWER: &str = env!("CARGO_BIN_EXE_ext4slower");
const XFSSLOWER: &str = env!("CARGO_BIN_EXE_xfsslower");

/// libbpf-tools' fsslower: `"%-8s %-16s %-7d %c %-7zd %-8lld %7.2f %s"`.
const LAYOUT: &str = "%-8s %-16s %-7s %1s %-7s %-8s %7s %s";
const HEADER: [&str; 8] = [
    "TIME", "COMM", "PID", "T", "BYTES", "OFF_KB", "LAT(ms)", "FILENAME",
];

/// dd's arguments: three 4 KiB blocks written at 8 KiB into `path`, then fsync.
fn dd_args(path: &str) -> Vec<String> {
    [
        "if=/dev/zero",
        &format!("of={path}"),
        "bs=4k",
        "count=3",
        "seek=2",
        "conv=notrunc,fsync",
        "status=none",
    ]
    .map(String::from)
    .into()
}

fn dd_writes(path: &str) -> u32 {
    let args = dd_args(path);
    run_child("dd", &args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn name_of(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// What dd's run makes, as (T, BYTES, OFF_KB): the open, three writes at
/// 8, 12 and 16 KiB, and the fsync of the whole file.
const DD_OPS: [(&str, &str, &str); 5] = [
    ("O", "0", "0"),
    ("W", "4096", "8"),
    ("W", "4096", "12"),
    ("W", "4096", "16"),
    ("F", "LL_MAX", "0"),
];

/// The header, and a row for each of dd's operations on `name`.
fn assert_dd_rows(f: &Finished, pid: u32, name: &str) {
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    let at = f
        .stdout
        .iter()
        .position(|l| l.starts_with("TIME"))
        .expect("a header");
    layout.assert_header(&f.stdout[at], &HEADER);
    for (t, bytes, off) in DD_OPS {
        let row = [
            Cell::Time,
            is("dd"),
            is(pid),
            is(t),
            is(bytes),
            is(off),
            Cell::Num,
            is(name),
        ];
        layout.find(&f.stdout, &row);
    }
}

#[test]
fn ext4slower_by_its_own_name_catches_ext4_writes() {
    let path = unique_file("fsslower");
    let (f, pid) = trace(EXT4SLOWER, &["-m", "0"], |_| dd_writes(&path));
    assert_eq!(f.stdout[0], "Tracing ext4 operations... Hit Ctrl-C to end.");
    assert_dd_rows(&f, pid, &name_of(&path));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn xfs_and_btrfs_by_type_and_only_their_files() {
    for fstype in ["xfs", "btrfs"] {
        let image = match FsImage::new(fstype) {
            Ok(i) => i,
            Err(why) => {
                eprintln!("NOTE: fsslower -t {fstype} not tested: {why}");
                continue;
            }
        };
        let path = image.path("written");
        let on_ext4 = unique_file("fsslower-ext4");
        let (f, pid) = trace(BIN, &["-t", fstype, "-m", "0"], |_| {
            dd_writes(&on_ext4);
            dd_writes(&path)
        });
        assert_eq!(
            f.stdout[0],
            format!("Tracing {fstype} operations... Hit Ctrl-C to end.")
        );
        assert_dd_rows(&f, pid, "written");
        let other = name_of(&on_ext4);
        assert!(
            !f.stdout.iter().any(|l| l.ends_with(&other)),
            "{fstype}: an ext4 file: {:?}",
            f.stdout
        );
        let _ = std::fs::remove_file(&on_ext4);
    }
}

#[test]
fn json_and_the_pid_filter() {
    let path = unique_file("fsslower");
    let gate = GatedChild::spawn(&format!("dd {}", dd_args(&path).join(" ")));
    let pid = gate.pid();
    let (f, ()) = trace(
        BIN,
        &["-t", "ext4", "-m", "0", "--json", "-p", &pid.to_string()],
        |_| {
            dd_writes(&path); // another process: filtered out
            assert!(gate.release());
        },
    );
    f.assert_success();
    let rows = f.json();
    assert!(
        rows.iter()
            .all(|o| o["pid"] == pid && o["tid"] == pid && o["comm"] == "dd"),
        "{rows:?}"
    );
    let name = name_of(&path);
    let ours: Vec<_> = rows
        .iter()
        .filter(|o| o["filename"] == name.as_str())
        .collect();
    let ops: Vec<_> = ours
        .iter()
        .map(|o| {
            (
                o["t"].as_str().unwrap(),
                o["bytes"].clone(),
                o["off_kb"].clone(),
            )
        })
        .collect();
    let want: Vec<_> = DD_OPS
        .iter()
        .map(|(t, b, k)| {
            (
                *t,
                b.parse::<i64>().map_or(serde_json::Value::Null, Into::into),
                k.parse::<i64>().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(ops, want, "{rows:?}");
    assert!(
        ours.iter().all(|o| o["lat_ms"]
            .as_f64()
            .is_some_and(|l| (0.0..1000.0).contains(&l))),
        "{ours:?}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn csv_has_upstreams_header_and_bytes() {
    let path = unique_file("fsslower");
    let (f, pid) = trace(BIN, &["-t", "ext4", "-m", "0", "-c"], |_| dd_writes(&path));
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "ENDTIME_ns,TASK,PID,TYPE,BYTES,OFFSET_b,LATENCY_us,FILE"
    );
    let name = name_of(&path);
    for (t, bytes, off_kb) in DD_OPS {
        let offset = off_kb.parse::<u64>().unwrap() * 1024;
        let mid = format!(",dd,{pid},{t},{bytes},{offset},");
        assert!(
            f.stdout
                .iter()
                .any(|l| l.contains(&mid) && l.ends_with(&format!(",{name}"))),
            "no {mid}...,{name} in {:?}",
            f.stdout
        );
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn operations_faster_than_the_threshold_are_left_out() {
    let path = unique_file("fsslower");
    let (f, pid) = trace(BIN, &["-t", "ext4", "-m", "5000"], |_| dd_writes(&path));
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing ext4 operations slower than 5000 ms... Hit Ctrl-C to end."
    );
    assert!(
        !f.stdout.iter().any(|l| l.contains(&format!(" {pid} "))),
        "{:?}",
        f.stdout
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["-t", "ext4", "-d", "1"]);
    assert_all_hooks_load(XFSSLOWER, &["-d", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &[]);
    assert_usage_error(BIN, &["-t", "vfat"]);
    assert_usage_error(BIN, &["-t", "ext4", "-m", "ten"]);
    assert_usage_error(BIN, &["-t", "ext4", "-m", "1", "2"]);
    assert_usage_error(BIN, &["-t", "ext4", "-c", "--json"]);
    assert_usage_error(EXT4SLOWER, &["-t", "xfs"]);
    assert_runtime_error(BIN, &["-t", "ext4", "-d", "0"], &[], "invalid duration 0");
    assert_runtime_error(
        EXT4SLOWER,
        &["-p", "999999999"],
        &[],
        "no such process: 999999999",
    );
    assert_needs_privileges(EXT4SLOWER, &["-d", "1"]);
}

/// Every file system alias (ext4slower, nfsdist, ...) is its family's tool
/// with `-t` preset: its help says so, `-t` of another file system is a
/// usage error, and it runs (its own name in the error of a pid that does
/// not exist).
#[test]
fn every_file_system_alias_is_its_tool_with_the_type_preset() {
    let list = run(env!("CARGO_BIN_EXE_bpftk"), &["list"], &[]);
    list.assert_success();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let mut seen = Vec::new();
    for line in &list.stdout {
        let name = line.split_whitespace().next().unwrap();
        let Some((family, fstype)) = ["fsslower", "fsdist"].iter().find_map(|family| {
            let tail = line.strip_suffix(')')?;
            let (_, fstype) = tail.rsplit_once(&format!("({family} -t "))?;
            Some((*family, fstype))
        }) else {
            continue;
        };
        let bin = bin_dir.join(name);
        let bin = bin.to_str().unwrap();
        let help = run(bin, &["--help"], &[]);
        help.assert_success();
        assert!(
            help.stdout
                .iter()
                .any(|l| l == &format!("This is {family} -t {fstype}.")),
            "{name}: {:?}",
            help.stdout
        );
        let other = if fstype == "xfs" { "ext4" } else { "xfs" };
        assert_usage_error(bin, &["-t", other]);
        assert_runtime_error(bin, &["-p", "999999999"], &[], "no such process: 999999999");
        seen.push(name.to_string());
    }
    // By name, so each alias is named in a test.
    let mut want = [
        "bcachefsdist",
        "bcachefsslower",
        "btrfsdist",
        "btrfsslower",
        "ext4dist",
        "ext4slower",
        "f2fsdist",
        "f2fsslower",
        "fusedist",
        "fuseslower",
        "nfsdist",
        "nfsslower",
        "xfsdist",
        "xfsslower",
        "zfsdist",
        "zfsslower",
    ];
    want.sort_unstable();
    seen.sort();
    assert_eq!(seen, want);
}
