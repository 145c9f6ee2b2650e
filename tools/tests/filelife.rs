//! filelife end to end: files a child creates and deletes, with the ages
//! and deleters asserted, and files it must not report.

use std::path::Path;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_filelife");

/// libbpf-tools' filelife: `"%-8s %-6d %-16s %-7.2f %s"`.
const LAYOUT: &str = "%-8s %-6d %-16s %-7.2f %s";

/// perl (always there: Debian's perl-base is essential) creates `created`
/// in its directory, waits 300 ms and deletes it by a relative path
/// (unlink(2) from that directory); opens `existing` with O_CREAT, which
/// creates nothing, and deletes it; creates `kept` and leaves it; fails to
/// delete `missing`. Returns perl's pid.
const SCRIPT: &str = r#"
my ($dir, $created, $existing, $kept, $missing) = @ARGV;
chdir $dir or die;
open(my $f, ">", $created) or die; close $f;
select(undef, undef, undef, 0.3);
unlink $created or die;
open($f, ">>", $existing) or die; close $f;
unlink $existing or die;
open($f, ">", $kept) or die; close $f;
unlink $missing and die;
"#;

fn name(path: &str) -> &str {
    Path::new(path).file_name().unwrap().to_str().unwrap()
}

struct Files {
    created: String,
    existing: String,
    kept: String,
    missing: String,
}

impl Files {
    fn new() -> Files {
        let path = |tag| unique_path(tag).to_string_lossy().into_owned();
        Files {
            created: path("filelife-created"),
            existing: unique_file("filelife-existing"),
            kept: path("filelife-kept"),
            missing: path("filelife-missing"),
        }
    }

    fn args(&self) -> Vec<&str> {
        let dir = Path::new(&self.created).parent().unwrap().to_str().unwrap();
        let mut args = vec!["-e", SCRIPT, dir];
        args.extend([&self.created, &self.existing, &self.kept, &self.missing].map(|p| name(p)));
        args
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.kept);
    }
}

#[test]
fn files_created_then_deleted_with_their_ages() {
    let files = Files::new();
    // Created by perl, deleted by rm (unlinkat(2) with an absolute path).
    let by_rm = unique_path("filelife-by-rm").to_string_lossy().into_owned();
    let (f, (perl, rm)) = trace(BIN, &[], |_| {
        let perl = run_child("perl", &files.args());
        run_child("perl", &["-e", "open(my $f, '>', $ARGV[0]) or die", &by_rm]);
        (perl, run_child("rm", &[&by_rm]))
    });
    f.assert_success();
    let layout = Printf::new(LAYOUT);
    layout.assert_header(&f.stdout[0], &["TIME", "PID", "COMM", "AGE(s)", "FILE"]);
    layout.find(
        &f.stdout,
        &[
            Cell::Time,
            is(perl),
            is("perl"),
            Cell::Num,
            is(name(&files.created)),
        ],
    );
    layout.find(
        &f.stdout,
        &[Cell::Time, is(rm), is("rm"), Cell::Num, is(name(&by_rm))],
    );
    let rows = f.rows();
    let age: f64 = row_ending_with(&rows, name(&files.created))[3]
        .parse()
        .unwrap();
    assert!((0.3..5.0).contains(&age), "AGE(s) {age}: {rows:?}");
    for untold in [&files.existing, &files.kept, &files.missing] {
        assert!(
            !f.stdout.iter().any(|l| l.ends_with(name(untold))),
            "{untold} was not created and deleted: {:?}",
            f.stdout
        );
    }
    assert!(!Path::new(&files.existing).exists());
}

#[test]
fn json_and_the_creator_pid_filter() {
    let mine = Files::new();
    let other = Files::new();
    let args = mine.args();
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let gate = GatedChild::spawn(&format!("perl {}", quoted.join(" ")));
    let pid = gate.pid();
    let (f, ()) = trace(BIN, &["--json", "-p", &pid.to_string()], |_| {
        run_child("perl", &other.args()); // created by another process: filtered out
        assert!(gate.release());
    });
    f.assert_success();
    let events = f.json();
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["file"], name(&mine.created), "{e}");
    assert_eq!(
        (e["pid"].as_u64(), e["tid"].as_u64()),
        (Some(pid.into()), Some(pid.into())),
        "{e}"
    );
    assert_eq!(e["creator_pid"], pid, "{e}");
    assert_eq!(e["comm"], "perl", "{e}");
    let age = e["age_s"].as_f64().unwrap();
    assert!((0.3..5.0).contains(&age), "{e}");
    assert!(e["time"].as_str().is_some_and(|t| t.contains('T')), "{e}");
}

/// python creates `replaced`, waits 200 ms and renames a new file over it
/// (rename(2)), which deletes it; then swaps two new files with
/// renameat2(RENAME_EXCHANGE), which deletes neither.
const RENAMES: &str = r#"
import ctypes, os, sys, time
replaced, src, a, b = sys.argv[1:]
open(replaced, "w").close()
time.sleep(0.2)
open(src, "w").close()
os.rename(src, replaced)
open(a, "w").close()
open(b, "w").close()
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
if libc.syscall(316, AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) != 0:
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
"#;

#[test]
fn a_rename_over_a_file_deletes_it_and_an_exchange_deletes_none() {
    let paths: Vec<String> = ["replaced", "src", "swap-a", "swap-b"]
        .iter()
        .map(|t| {
            unique_path(&format!("filelife-{t}"))
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let mut args = vec!["-c", RENAMES];
    args.extend(paths.iter().map(String::as_str));
    let (f, python) = trace(BIN, &["--json"], |_| run_child("python3", &args));
    for p in &paths {
        let _ = std::fs::remove_file(p);
    }
    f.assert_success();
    let ours: Vec<_> = f
        .json()
        .into_iter()
        .filter(|e| paths.iter().any(|p| e["file"] == name(p)))
        .collect();
    assert_eq!(ours.len(), 1, "only the replaced file died: {ours:?}");
    let e = &ours[0];
    assert_eq!(e["file"], name(&paths[0]), "{e}");
    assert_eq!(
        (e["pid"].as_u64(), e["creator_pid"].as_u64()),
        (Some(python.into()), Some(python.into())),
        "{e}"
    );
    let age = e["age_s"].as_f64().unwrap();
    assert!((0.2..5.0).contains(&age), "{e}");
}

/// python, in directory `dir` (with a subdirectory `sub` and a symbolic
/// link `link` to it), makes a FIFO by mknodat(2) relative to a descriptor
/// of `sub`, another by mknod(2) through `link/../`, a device-less regular
/// node by mknod(2) through the link, and binds a unix socket (and an
/// abstract one, which is no file); waits 200 ms and deletes the four.
const NODES: &str = r#"
import os, socket, stat, sys, time
dir = sys.argv[1]
os.chdir(dir)
os.mkdir("sub")
os.symlink("sub", "link")
fd = os.open("sub", os.O_RDONLY)
os.mknod("fifo-at", 0o600 | stat.S_IFIFO, dir_fd=fd)
os.mknod("link/../fifo-up", 0o600 | stat.S_IFIFO)
os.mknod(dir + "/link/node", 0o600 | stat.S_IFREG)
s = socket.socket(socket.AF_UNIX)
s.bind("sub/sock")
a = socket.socket(socket.AF_UNIX)
a.bind("\0bpftk-filelife-abstract")
time.sleep(0.2)
for p in ["sub/fifo-at", "fifo-up", "sub/node", "sub/sock"]:
    os.unlink(p)
"#;

#[test]
fn nodes_made_by_mknod_and_unix_sockets_bound_are_seen() {
    let dir = unique_path("filelife-nodes");
    std::fs::create_dir(&dir).unwrap();
    let d = dir.to_str().unwrap();
    let (f, python) = trace(BIN, &["--json", "-v"], |_| {
        run_child("python3", &["-c", NODES, d])
    });
    let _ = std::fs::remove_dir_all(&dir);
    f.assert_success();
    let mut files: Vec<String> = f
        .json()
        .into_iter()
        .filter(|e| e["pid"] == python)
        .map(|e| {
            let age = e["age_s"].as_f64().unwrap();
            assert!((0.2..5.0).contains(&age), "{e}");
            assert_eq!(e["creator_pid"], python, "{e}");
            e["file"].as_str().unwrap().to_string()
        })
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["fifo-at", "fifo-up", "node", "sock"],
        "{:?}",
        f.stdout
    );
    // -v reports the count even when it is 0.
    let lost: Vec<&String> = f.stderr.iter().filter(|l| l.contains("lost")).collect();
    assert_eq!(
        lost,
        ["filelife: 0 events lost (ring buffer or in-flight map full)"],
        "no creation lost"
    );
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &[]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &["-p", "abc"]);
    assert_usage_error(BIN, &["-d", "abc"]);
    assert_usage_error(BIN, &["extra"]);
    assert_runtime_error(BIN, &["-p", "999999999"], &[], "no such process: 999999999");
    assert_needs_privileges(BIN, &[]);
}
