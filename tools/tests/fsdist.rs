//! fsdist end to end: one dd's opens, writes, fsync and fstats of ext4
//! (the root file system) and of xfs and btrfs images, counted in their
//! operations' histograms; ext4dist by its own name.

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_fsdist");
const EXT4DIST: &str = env!("CARGO_BIN_EXE_ext4dist");
const BTRFSDIST: &str = env!("CARGO_BIN_EXE_btrfsdist");

/// A dd, held until released, writing three 4 KiB blocks into `path` and
/// syncing it: 3 writes and 1 fsync of `path`'s file system.
fn gated_dd(path: &str) -> GatedChild {
    GatedChild::spawn(&format!(
        "dd if=/dev/zero of={path} bs=4k count=3 conv=fsync status=none"
    ))
}

/// The counts of the table section `operation = 'op'`, summed.
fn table_count(lines: &[String], op: &str) -> u64 {
    let Some(at) = lines
        .iter()
        .position(|l| *l == format!("operation = '{op}'"))
    else {
        return 0;
    };
    assert_eq!(
        lines[at + 1],
        "     usecs               : count    distribution"
    );
    bucket_total(&lines[at + 2..])
}

/// The counts of the JSON histograms of `op`, summed.
fn json_count(objects: &[serde_json::Value], op: &str) -> u64 {
    objects
        .iter()
        .filter(|o| o["operation"] == op)
        .flat_map(|o| o["buckets"].as_array().unwrap().iter())
        .map(|b| b["count"].as_u64().unwrap())
        .sum()
}

#[test]
fn ext4dist_by_its_own_name_counts_one_processs_operations() {
    let path = unique_file("fsdist");
    let dd = gated_dd(&path);
    let t = Tracer::start(EXT4DIST, &["-p", &dd.pid().to_string()]);
    assert!(dd.release());
    let f = t.stop();
    f.assert_success();
    assert_eq!(
        f.stdout[0],
        "Tracing ext4 operation latency... Hit Ctrl-C to end."
    );
    let counts = ["write", "fsync"].map(|op| table_count(&f.stdout, op));
    assert_eq!(counts, [3, 1], "{:?}", f.stdout);
    // The loader's opens, reads and fstats of ld.so.cache and libc, then dd's own.
    for op in ["open", "read", "getattr"] {
        assert!(table_count(&f.stdout, op) > 0, "{op}: {:?}", f.stdout);
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn xfs_and_btrfs_in_json_milliseconds() {
    for fstype in ["xfs", "btrfs"] {
        let image = match FsImage::new(fstype) {
            Ok(i) => i,
            Err(why) => {
                eprintln!("NOTE: fsdist -t {fstype} not tested: {why}");
                continue;
            }
        };
        let dd = gated_dd(&image.path("written"));
        let t = Tracer::start(
            BIN,
            &["-t", fstype, "-m", "--json", "-p", &dd.pid().to_string()],
        );
        assert!(dd.release());
        let f = t.stop();
        f.assert_success();
        let objects = f.json();
        assert!(objects.iter().all(|o| o["unit"] == "msecs"), "{objects:?}");
        let counts = ["write", "fsync", "open"].map(|op| json_count(&objects, op));
        // One open, of the file dd writes: the loader's files are on ext4.
        assert_eq!(counts, [3, 1, 1], "{fstype}: {objects:?}");
    }
}

#[test]
fn every_hook_alternative_loads() {
    assert_all_hooks_load(BIN, &["-t", "ext4", "1", "1"]);
    assert_all_hooks_load(BTRFSDIST, &["1", "1"]);
}

#[test]
fn bad_input_is_one_clear_line() {
    assert_usage_error(BIN, &[]);
    assert_usage_error(BIN, &["-t", "tmpfs"]);
    assert_usage_error(BIN, &["-t", "ext4", "0"]);
    assert_usage_error(EXT4DIST, &["-t", "btrfs"]);
    assert_usage_error(EXT4DIST, &["1", "2", "3"]);
    assert_runtime_error(
        EXT4DIST,
        &["-p", "999999999"],
        &[],
        "no such process: 999999999",
    );
    assert_needs_privileges(EXT4DIST, &["1", "1"]);
}
