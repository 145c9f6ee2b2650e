//! The host side: the guests' `MATRIX` lines as one Markdown table, tools by
//! kernels, and the verdict.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::status::Status;

struct Row {
    kind: String,
    default: bool,
    status: Status,
    detail: String,
}

/// Rows of a deliberately broken case (a probe on a function that does
/// not exist): they must come out failed, or the harness cannot fail.
pub const SELFTEST: &str = "selftest:";

/// A result that fails the run: the tool's own choice did not see its event,
/// or an alternative the kernel offers failed, and nobody said why it must.
fn is_failure(tool: &str, r: &Row) -> bool {
    let bad = !r.status.passes();
    if tool.starts_with(SELFTEST) {
        return !bad;
    }
    bad && !r.detail.starts_with("known:")
}

/// Print the matrix of `dirs` (each holds `results`: the guest's MATRIX
/// lines, and `version`); fail when any result is a failure or a kernel
/// reported nothing.
pub fn print(dirs: &[&str]) -> Result<()> {
    let mut kernels = Vec::new();
    let mut table: BTreeMap<String, BTreeMap<usize, Vec<Row>>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let dir = Path::new(dir);
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let version = std::fs::read_to_string(dir.join("version")).unwrap_or_default();
        kernels.push(format!("{name} ({})", version.trim()));
        let text = std::fs::read_to_string(dir.join("results"))
            .with_context(|| format!("{}/results", dir.display()))?;
        let (mut done, mut selftest) = (false, false);
        for line in text.lines() {
            // The console prefixes lines with escape codes: find the tag.
            let Some(at) = line.find("MATRIX\t") else {
                done |= line.contains("GUEST done");
                continue;
            };
            let f: Vec<&str> = line[at..].splitn(6, '\t').collect();
            if f.len() < 6 {
                continue;
            }
            selftest |= f[1].starts_with(SELFTEST);
            let row = Row {
                kind: f[2].into(),
                default: f[3] == "*",
                status: Status::from_name(f[4]),
                detail: f[5].trim_end().into(),
            };
            if is_failure(f[1], &row) {
                failures.push(format!(
                    "{name}: {} {}: {} {}",
                    f[1],
                    row.kind,
                    row.status.name(),
                    row.detail
                ));
            }
            table
                .entry(f[1].into())
                .or_default()
                .entry(i)
                .or_default()
                .push(row);
        }
        if done && !selftest {
            failures.push(format!(
                "{name}: no self-test row: the harness was not shown to fail"
            ));
        }
        if !done {
            failures.push(format!(
                "{name}: the guest did not finish (see {}/console.log)",
                dir.display()
            ));
        }
    }
    println!("| tool | {} |", kernels.join(" | "));
    println!("| --- |{}", " --- |".repeat(kernels.len()));
    for (tool, by_kernel) in &table {
        let cells: Vec<String> = (0..kernels.len())
            .map(|i| {
                by_kernel
                    .get(&i)
                    .map(|rows| {
                        rows.iter()
                            .map(|r| {
                                let s =
                                    format!("{} {}", r.kind, r.status.mark()).trim().to_string();
                                if r.status == Status::NoHooks {
                                    "no BPF".to_string()
                                } else if r.status == Status::Skipped {
                                    "skipped".to_string()
                                } else if r.default {
                                    format!("**{s}**")
                                } else {
                                    s
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_else(|| "not run".into())
            })
            .collect();
        println!("| {tool} | {} |", cells.join(" | "));
    }
    println!("\nBold: the hook the tool picks by itself. ✓ attached and saw its event, ∅ attached but saw nothing, ✗ failed (to load, or otherwise), — not offered by that kernel.");
    let known: Vec<String> = table
        .iter()
        .flat_map(|(tool, k)| {
            k.iter().flat_map(move |(i, rows)| {
                rows.iter()
                    .filter(|r| r.detail.starts_with("known:"))
                    .map(move |r| format!("- {} on {}: {} ({})", tool, dirs[*i], r.kind, r.detail))
            })
        })
        .collect();
    if !known.is_empty() {
        println!("\nDocumented:\n{}", known.join("\n"));
    }
    if !failures.is_empty() {
        println!("\nFailures:");
        for f in &failures {
            println!("- {f}");
        }
        bail!("{} failures", failures.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kernel_dir(results: &str) -> std::path::PathBuf {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!("bpftk-matrix-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("results"), results).unwrap();
        std::fs::write(d.join("version"), "6.1.0-test").unwrap();
        d
    }

    const SELF: &str = "MATRIX\tselftest:funclatency\tkprobe\t\tload-failed\tno such function\n";

    #[test]
    fn passes_only_when_every_offered_hook_saw_its_event() {
        let good = format!(
            "\x1b[0mMATRIX\topensnoop\ttracepoint\t*\tsaw\t\nMATRIX\topensnoop\traw_tp\t\tsaw\t\n\
             MATRIX\ttcpdrop\tkprobe\t\tnot-offered\t\n{SELF}GUEST done\n"
        );
        let d = kernel_dir(&good);
        assert!(print(&[d.to_str().unwrap()]).is_ok());
        let bad = good.replace("raw_tp\t\tsaw", "raw_tp\t\tsilent");
        let d = kernel_dir(&bad);
        assert!(print(&[d.to_str().unwrap()]).is_err());
        let known = good.replace("raw_tp\t\tsaw\t", "raw_tp\t\tsilent\tknown: why");
        let d = kernel_dir(&known);
        assert!(print(&[d.to_str().unwrap()]).is_ok());
    }

    #[test]
    fn a_harness_that_cannot_fail_fails() {
        let row = "MATRIX\topensnoop\ttracepoint\t*\tsaw\t\n";
        // The broken case came out seen, or was not run, or the guest died.
        for results in [
            format!("{row}{}GUEST done\n", SELF.replace("load-failed", "saw")),
            format!("{row}GUEST done\n"),
            format!("{row}{SELF}"),
        ] {
            let d = kernel_dir(&results);
            assert!(print(&[d.to_str().unwrap()]).is_err(), "{results}");
        }
    }
}
