//! bpftk-guest: the guest side of scripts/test-kernels, and the matrix it
//! prints on the host.
//!
//!   bpftk-guest run BPFTK [TOOL...]   in the guest: every tool, every hook
//!                                     kind; one `MATRIX` line per result
//!   bpftk-guest exit CODE             in the guest: power off, qemu exits
//!                                     with (CODE << 1) | 1
//!   bpftk-guest matrix DIR...         on the host: the Markdown matrix of
//!                                     each DIR/results (named by the DIR)
//!
//! The other subcommands are the helpers the cases run (`noop`, `sleep`...).

mod cases;
mod kmsg;
mod matrix;
#[path = "../../libtools/src/ready.rs"]
mod ready;
mod run;
mod status;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use cases::Case;
use kmsg::Kmsg;
use status::Status;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Err(e) = dispatch(&a) {
        eprintln!("bpftk-guest: error: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch(a: &[&str]) -> Result<()> {
    match a {
        ["run", bpftk, tools @ ..] => run_all(bpftk, tools),
        ["exit", code] => power_off(code.parse().unwrap_or(1)),
        ["matrix", dirs @ ..] => matrix::print(dirs),
        ["noop", ..] => Ok(()),
        ["exit-with", code] => std::process::exit(code.parse().unwrap_or(1)),
        ["sleep", secs] => {
            std::thread::sleep(Duration::from_secs_f64(secs.parse()?));
            Ok(())
        }
        ["spin", secs] => {
            let end = Instant::now() + Duration::from_secs_f64(secs.parse()?);
            let mut x = 1u64;
            while Instant::now() < end {
                for _ in 0..10_000 {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                }
            }
            std::hint::black_box(x);
            Ok(())
        }
        ["numa-touch", secs] => cases::numa_touch(Duration::from_secs_f64(secs.parse()?)),
        ["renice"] => {
            // Raising priority needs CAP_SYS_NICE: the kernel checks it.
            // SAFETY: setpriority(2) touches no memory.
            let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, -5) };
            run::check(rc == 0, "setpriority")
        }
        ["thread"] => {
            std::thread::spawn(|| ()).join().unwrap();
            Ok(())
        }
        ["hog", cgroup, mb] => hog(cgroup, mb.parse()?),
        ["read-in", cgroup] => cases::read_disk_in(cgroup),
        ["bash-line", line] => bash_line(line),
        _ => {
            eprintln!("usage: bpftk-guest run BPFTK [TOOL...] | exit CODE | matrix DIR...");
            std::process::exit(2);
        }
    }
}

/// One result: a tool, a hook kind, what happened.
struct Result1 {
    kind: String,
    default: bool,
    status: Status,
    detail: String,
}

fn run_all(bpftk: &str, only: &[&str]) -> Result<()> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease")?
        .trim()
        .to_string();
    let list = std::process::Command::new(bpftk).arg("list").output()?;
    let tools: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .filter(|t| only.is_empty() || only.contains(&t.as_str()))
        .collect();
    println!("GUEST kernel {release}, {} tools", tools.len());
    let skip = std::env::var("BPFTK_SKIP_TOOLS").unwrap_or_default();
    let mut kmsg = Kmsg::open().context("cannot read the kernel log (/dev/kmsg)")?;
    for tool in &tools {
        if skip.split(',').any(|s| s == tool) {
            println!(
                "MATRIX\t{tool}\t-\t\t{}\tBPFTK_SKIP_TOOLS",
                Status::Skipped.name()
            );
            continue;
        }
        let Some(case) = cases::for_tool(tool) else {
            println!(
                "MATRIX\t{tool}\t-\t\t{}\tnot a tracer",
                Status::NoHooks.name()
            );
            continue;
        };
        let started = Instant::now();
        kmsg.trouble(); // what came before this tool is not its doing
        for r in tool_results(bpftk, tool, &case, &mut kmsg) {
            print_result(tool, &release, &r);
        }
        eprintln!(
            "guest: {tool} took {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    btf_file_pass(bpftk, &tools, &skip, &release, &mut kmsg)?;
    // The harness must be able to fail: a kprobe (and an fentry) on a
    // function that does not exist, forced past hook selection, cannot
    // attach; the host expects these rows to show it.
    let broken = Case {
        args: vec!["bpftk_no_such_function".into()],
        ..cases::for_tool("funclatency").unwrap()
    };
    for kind in ["kprobe", "fentry"] {
        let (status, detail) = attempt(bpftk, "funclatency", &broken, Some(kind), &mut kmsg);
        let detail = detail.replace(['\t', '\n'], " ");
        println!(
            "MATRIX\t{}funclatency\t{kind}\t\t{}\t{detail}",
            matrix::SELFTEST,
            status.name()
        );
    }
    println!("GUEST done");
    Ok(())
}

/// One MATRIX line; a failure the case list (KNOWN) explains says so.
fn print_result(tool: &str, release: &str, r: &Result1) {
    let known = cases::KNOWN
        .iter()
        .find(|k| k.tool == tool && k.covers(&r.kind) && release.starts_with(k.kernel));
    let detail = match known {
        Some(k) if r.status.excusable() => format!("known: {}", k.why),
        _ => r.detail.replace(['\t', '\n'], " "),
    };
    println!(
        "MATRIX\t{tool}\t{}\t{}\t{}\t{detail}",
        r.kind,
        if r.default { "*" } else { "" },
        r.status.name()
    );
}

/// The `--btf` kind: the kernel's BTF copied to a file and
/// /sys/kernel/btf hidden under an empty tmpfs, as on a kernel built
/// without it; every tool then runs with BPFTK_BTF and its own choice of
/// hook (tp_btf and fentry are left out, so it takes another) and must
/// still see its event.
fn btf_file_pass(
    bpftk: &str,
    tools: &[String],
    skip: &str,
    release: &str,
    kmsg: &mut Kmsg,
) -> Result<()> {
    let copy = "/tmp/vmlinux.btf";
    let btf = std::fs::read("/sys/kernel/btf/vmlinux").context("/sys/kernel/btf/vmlinux")?;
    std::fs::write(copy, btf)?;
    let hidden = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "bpftk-no-btf", "/sys/kernel/btf"])
        .status()?;
    if !hidden.success() {
        bail!("cannot hide /sys/kernel/btf under a tmpfs");
    }
    // Rust 2021: set_var is safe; this runner is single-threaded here.
    std::env::set_var("BPFTK_BTF", copy);
    for tool in tools {
        let Some(case) = cases::for_tool(tool) else {
            continue;
        };
        if skip.split(',').any(|s| s == tool) {
            continue;
        }
        kmsg.trouble();
        // The kinds it picks without the kernel's BTF, for the cell's name.
        let (_, chosen, _) = probe(bpftk, tool, &case);
        let chosen: Vec<&str> = chosen.iter().map(String::as_str).collect();
        let (status, detail) = attempt_twice(bpftk, tool, &case, None, kmsg);
        let r = Result1 {
            kind: match chosen.is_empty() {
                true => BTF_FILE_KIND.into(),
                false => format!("{BTF_FILE_KIND} {}", chosen.join("+")),
            },
            default: false,
            status,
            detail,
        };
        print_result(tool, release, &r);
    }
    std::env::remove_var("BPFTK_BTF");
    let shown = std::process::Command::new("umount")
        .arg("/sys/kernel/btf")
        .status()?;
    if !shown.success() {
        bail!("cannot unmount the tmpfs over /sys/kernel/btf");
    }
    Ok(())
}

/// The matrix's name for a run with the kernel's BTF from a file.
const BTF_FILE_KIND: &str = "--btf";

/// What the tool offers here (`BPFTK_LIST_HOOKS`): (kind, offered by this
/// kernel) for every alternative, and the kinds it picks by itself.
fn probe(
    bpftk: &str,
    tool: &str,
    case: &Case,
) -> (Vec<(String, bool)>, BTreeSet<String>, Option<String>) {
    let out = std::process::Command::new(bpftk)
        .arg(tool)
        .args(&case.args)
        .env("BPFTK_LIST_HOOKS", "1")
        .env("BPFTK_LOAD_ONLY", "1")
        .output();
    let Ok(out) = out else {
        return (vec![], BTreeSet::new(), Some("cannot run".into()));
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (mut offers, mut chosen) = (Vec::<(String, bool)>::new(), BTreeSet::new());
    for l in stderr.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        match f.as_slice() {
            ["bpftk-hooks:", "offer", kind, yes, ..] => {
                let yes = *yes == "yes";
                match offers.iter_mut().find(|(k, _)| k == kind) {
                    Some(o) => o.1 |= yes,
                    None => offers.push((kind.to_string(), yes)),
                }
            }
            ["bpftk-hooks:", "chosen", kind, ..] => {
                chosen.insert(kind.to_string());
            }
            _ => {}
        }
    }
    let err = stderr
        .lines()
        .find(|l| l.contains(": error: "))
        .map(String::from);
    (offers, chosen, err)
}

fn tool_results(bpftk: &str, tool: &str, case: &Case, kmsg: &mut Kmsg) -> Vec<Result1> {
    let (offers, chosen, probe_err) = probe(bpftk, tool, case);
    let mut results = Vec::new();
    if offers.is_empty() && probe_err.is_none() {
        // No hook plan: the tool samples with perf events (profile, runqlen).
        let (status, detail) = attempt_twice(bpftk, tool, case, None, kmsg);
        results.push(Result1 {
            kind: "perf_event".into(),
            default: true,
            status,
            detail,
        });
        return results;
    }
    if offers.is_empty() {
        results.push(Result1 {
            kind: "-".into(),
            default: true,
            status: Status::Failed,
            detail: probe_err.unwrap_or_else(|| "no hooks listed".into()),
        });
        return results;
    }
    // The tool's own choice first.
    let default = attempt_twice(bpftk, tool, case, None, kmsg);
    let default_kinds = chosen.clone();
    for (kind, offered) in &offers {
        let is_default = default_kinds.len() == 1 && default_kinds.contains(kind);
        let (status, detail) = if is_default {
            default.clone()
        } else if !offered {
            (Status::NotOffered, String::new())
        } else {
            attempt_twice(bpftk, tool, case, Some(kind), kmsg)
        };
        results.push(Result1 {
            kind: kind.clone(),
            default: is_default,
            status,
            detail,
        });
    }
    if default_kinds.len() != 1 {
        // Several points with different kinds: the default run is its own row.
        let kinds: Vec<&str> = default_kinds.iter().map(String::as_str).collect();
        results.push(Result1 {
            kind: if kinds.is_empty() {
                "none".into()
            } else {
                kinds.join("+")
            },
            default: true,
            status: default.0,
            detail: default.1,
        });
    }
    results
}

/// An attempt, and a second one when the first saw nothing or failed at
/// run time: an emulated guest can be slow enough to miss a window. A
/// program the verifier refuses is refused again: no second try.
fn attempt_twice(
    bpftk: &str,
    tool: &str,
    case: &Case,
    kind: Option<&str>,
    kmsg: &mut Kmsg,
) -> (Status, String) {
    let first = attempt(bpftk, tool, case, kind, kmsg);
    if !first.0.retry() {
        return first;
    }
    eprintln!(
        "guest: {tool} {}: {} ({}), trying again",
        kind.unwrap_or("-"),
        first.0.name(),
        first.1
    );
    attempt(bpftk, tool, case, kind, kmsg)
}

/// Run the tool (with `BPFTK_HOOK=kind` when given), make its event happen,
/// and judge, by its output and by what the kernel logged meanwhile.
fn attempt(
    bpftk: &str,
    tool: &str,
    case: &Case,
    kind: Option<&str>,
    kmsg: &mut Kmsg,
) -> (Status, String) {
    let verdict = attempt_output(bpftk, tool, case, kind);
    match kmsg.trouble() {
        Some(said) => (Status::KernelTrouble, said),
        None => verdict,
    }
}

fn attempt_output(bpftk: &str, tool: &str, case: &Case, kind: Option<&str>) -> (Status, String) {
    // Progress on the console: a guest that hangs shows where.
    eprintln!("guest: {tool} {}", kind.unwrap_or("(its own choice)"));
    let env: Vec<(&str, &str)> = kind.map(|k| ("BPFTK_HOOK", k)).into_iter().collect();
    let running = match run::start(bpftk, tool, &case.args, &env) {
        Ok(r) => r,
        Err(out) => {
            let line = out
                .error_line()
                .unwrap_or_else(|| out.stderr.last().cloned().unwrap_or_default());
            let status = if line.contains("offers no hook") {
                // The tool says so itself: this kernel has none of its hooks.
                Status::NotOffered
            } else if line.contains("load") || line.contains("verifier") || line.contains("program")
            {
                Status::LoadFailed
            } else {
                Status::Failed
            };
            return (status, line);
        }
    };
    let needle = (case.trigger)();
    std::thread::sleep(case.settle);
    let out = running.stop();
    let needle = match needle {
        Ok(n) => n,
        Err(e) => {
            return (
                Status::Failed,
                format!("the event could not be made: {e:#}"),
            )
        }
    };
    if out.stuck {
        return (Status::Stuck, out.stderr.join(" / "));
    }
    if !out.ok {
        return (
            Status::Failed,
            out.error_line().unwrap_or_else(|| out.stderr.join(" / ")),
        );
    }
    let lines: Vec<&String> = out.lines().collect();
    if cases::seen(&case.seen, &needle, &lines) {
        (Status::Saw, String::new())
    } else {
        let tail: Vec<&str> = out
            .stdout
            .iter()
            .rev()
            .take(3)
            .map(String::as_str)
            .collect();
        (
            Status::Silent,
            format!("no event for {needle:?}; last lines: {}", tail.join(" | ")),
        )
    }
}

/// Tell qemu to exit (isa-debug-exit at port 0xf4): status (code << 1) | 1.
fn power_off(code: u8) -> Result<()> {
    // SAFETY: port I/O to the isa-debug-exit device only, after ioperm grants it.
    unsafe {
        if libc::ioperm(0xf4, 4, 1) != 0 {
            bail!("ioperm: {}", std::io::Error::last_os_error());
        }
        std::arch::asm!("out dx, al", in("dx") 0xf4u16, in("al") code);
    }
    std::thread::sleep(Duration::from_secs(5));
    bail!("still running after the exit port was written")
}

/// Join `cgroup`, then allocate and touch `mb` MiB (the OOM killer's victim).
fn hog(cgroup: &str, mb: usize) -> Result<()> {
    std::fs::write(
        format!("{cgroup}/cgroup.procs"),
        std::process::id().to_string(),
    )
    .context("cgroup.procs")?;
    let mut v: Vec<Vec<u8>> = Vec::new();
    for _ in 0..mb {
        v.push(vec![1u8; 1 << 20]);
    }
    std::hint::black_box(&v);
    Ok(())
}

/// Type `line` into an interactive bash on a terminal, then exit it.
fn bash_line(line: &str) -> Result<()> {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: master and slave are valid out pointers; the rest may be null.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    run::check(rc == 0, "openpty")?;
    use std::os::fd::FromRawFd;
    // SAFETY: openpty just returned these descriptors; each gets one owner.
    let slave = unsafe { std::fs::File::from_raw_fd(slave) };
    // SAFETY: as above.
    let mut master = unsafe { std::fs::File::from_raw_fd(master) };
    let mut child = std::process::Command::new("/bin/bash")
        .args(["--norc", "--noprofile", "-i"])
        .env("TERM", "dumb")
        .env("PS1", "$ ")
        .stdin(slave.try_clone()?)
        .stdout(slave.try_clone()?)
        .stderr(slave)
        .spawn()
        .context("/bin/bash")?;
    let reader = {
        let mut m = master.try_clone()?;
        std::thread::spawn(move || {
            let (mut buf, mut all) = ([0u8; 4096], Vec::new());
            while let Ok(n @ 1..) = m.read(&mut buf) {
                all.extend_from_slice(&buf[..n]);
            }
            all
        })
    };
    std::thread::sleep(Duration::from_millis(500));
    master.write_all(format!("{line}\nexit\n").as_bytes())?;
    let status = child.wait()?;
    drop(master);
    // What the terminal showed, for the console log when the tool saw nothing.
    if let Ok(shown) = reader.join() {
        eprintln!(
            "guest: bash ({status}) showed {:?}",
            String::from_utf8_lossy(&shown)
        );
    }
    Ok(())
}
