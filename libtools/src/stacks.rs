//! Stack traces: ids from a BPF stack map turned into named frames with one
//! blazesym symbolizer cached across a whole report, and the output forms
//! every stack tool shares (bcc's multi-line form and folded lines).
//!
//! Kernel frames come from kallsyms; user frames from the process (ELF
//! symbols, DWARF where present, demangled). A process's memory map is
//! remembered while it lives ([`StackResolver::remember`]), so its frames
//! can still be named from its files after it has exited. A frame that
//! cannot be named shows its module and file offset (`libfoo.so+0x1a2b`);
//! with nothing known, `[unknown]`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use blazesym::symbolize::source::{Elf, Kernel, Process, Source};
use blazesym::symbolize::{Input, Symbolized, Symbolizer};
use blazesym::Pid;
use libbpf_rs::{MapCore, MapFlags};

/// Placeholders, as bcc prints them.
pub const MISSED_USER: &str = "[Missed User Stack]";
pub const MISSED_KERNEL: &str = "[Missed Kernel Stack]";
pub const UNKNOWN: &str = "[unknown]";

/// The addresses of stack `id` in a BPF_MAP_TYPE_STACK_TRACE map, innermost
/// first; None when the id is an error (negative) or no longer there.
pub fn stack_addrs(map: &dyn MapCore, id: i32) -> Option<Vec<u64>> {
    if id < 0 {
        return None;
    }
    let bytes = map
        .lookup(&(id as u32).to_ne_bytes(), MapFlags::ANY)
        .ok()??;
    Some(
        bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .take_while(|&a| a != 0)
            .collect(),
    )
}

/// bcc's test for a stack id that means "lost": negative, except -EFAULT,
/// which only says there was no user stack (a kernel thread).
pub fn stack_lost(id: i32) -> bool {
    id < 0 && id != -libc::EFAULT
}

/// One mapping of a process's memory map.
#[derive(Clone, Debug)]
struct Vma {
    start: u64,
    end: u64,
    offset: u64,
    path: Option<PathBuf>,
}

fn read_maps(pid: u32) -> Option<Vec<Vma>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    Some(text.lines().filter_map(parse_maps_line).collect())
}

/// `start-end perms offset dev inode path` from /proc/PID/maps.
fn parse_maps_line(line: &str) -> Option<Vma> {
    let mut f = line.splitn(6, ' ');
    let (range, _perms, offset) = (f.next()?, f.next()?, f.next()?);
    let (_dev, _inode) = (f.next()?, f.next()?);
    let path = f.next().map(str::trim_start).filter(|p| p.starts_with('/'));
    let (start, end) = range.split_once('-')?;
    Some(Vma {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        offset: u64::from_str_radix(offset, 16).ok()?,
        path: path.map(|p| PathBuf::from(p.trim_end_matches(" (deleted)"))),
    })
}

/// Names frames; cheap to ask twice for the same address.
pub struct StackResolver {
    symbolizer: Symbolizer,
    kernel: HashMap<u64, String>,
    user: HashMap<(u32, u64), String>,
    maps: HashMap<u32, Vec<Vma>>,
}

impl Default for StackResolver {
    fn default() -> Self {
        Self::new()
    }
}

impl StackResolver {
    pub fn new() -> Self {
        StackResolver {
            // Names only: source lines and inlined frames are not shown.
            symbolizer: Symbolizer::builder()
                .enable_code_info(false)
                .enable_inlined_fns(false)
                .build(),
            kernel: HashMap::new(),
            user: HashMap::new(),
            maps: HashMap::new(),
        }
    }

    /// Remember `pid`'s memory map while it lives, so that its frames can
    /// be named after it exits. Call it as pids show up; repeats are free.
    pub fn remember(&mut self, pid: u32) {
        if pid != 0 && !self.maps.contains_key(&pid) {
            if let Some(m) = read_maps(pid) {
                self.maps.insert(pid, m);
            }
        }
    }

    /// Remember `pid`'s memory map again, ahead of the one remembered
    /// before: it has exec'd a new program (same pid, new comm).
    pub fn remember_again(&mut self, pid: u32) {
        if let Some(mut m) = read_maps(pid) {
            if let Some(old) = self.maps.remove(&pid) {
                m.extend(old);
            }
            self.maps.insert(pid, m);
        }
    }

    /// Wait until the trace ends (`duration`, or a signal) while five times
    /// a second remembering the memory map of each new process among the
    /// entries of `map`; `who` reads (pid, comm) from a key and value, and a
    /// known pid with a new comm (an exec) is remembered again. A batched
    /// read costs a few system calls.
    pub fn trace(
        &mut self,
        duration: Option<std::time::Duration>,
        map: &dyn MapCore,
        who: impl Fn(&[u8], &[u8]) -> (u32, Vec<u8>),
    ) {
        use crate::run;
        let mut seen = std::collections::HashSet::new();
        let deadline = run::Deadline::after(duration);
        while !run::stopping() && !deadline.passed() {
            run::sleep(Some(
                deadline.remaining(std::time::Duration::from_millis(200)),
            ));
            if let Ok(entries) = map.lookup_batch(1024, MapFlags::ANY, MapFlags::ANY) {
                for (k, v) in entries {
                    let (pid, comm) = who(&k, &v);
                    if seen.insert((pid, comm)) {
                        if self.maps.contains_key(&pid) {
                            self.remember_again(pid);
                        } else {
                            self.remember(pid);
                        }
                    }
                }
            }
        }
    }

    /// Kernel frames for `addrs`, innermost first, without the BPF program
    /// and the kernel code that ran it, where the stack was taken in BPF.
    pub fn kernel(&mut self, addrs: &[u64]) -> Vec<String> {
        let missing: Vec<u64> = addrs
            .iter()
            .copied()
            .filter(|a| !self.kernel.contains_key(a))
            .collect();
        if !missing.is_empty() {
            // kallsyms alone: a vmlinux found on disk would be slow to parse.
            let src = Kernel {
                vmlinux: blazesym::MaybeDefault::None,
                ..Default::default()
            };
            let names = self
                .symbolizer
                .symbolize(&Source::Kernel(src), Input::AbsAddr(&missing))
                .unwrap_or_default();
            for (i, a) in missing.iter().enumerate() {
                let name = match names.get(i) {
                    Some(Symbolized::Sym(s)) => s.name.to_string(),
                    _ => UNKNOWN.to_string(),
                };
                self.kernel.insert(*a, name);
            }
        }
        without_bpf(addrs.iter().map(|a| self.kernel[a].clone()).collect())
    }

    /// User frames of process `pid` for `addrs`, innermost first.
    pub fn user(&mut self, pid: u32, addrs: &[u64]) -> Vec<String> {
        let missing: Vec<u64> = addrs
            .iter()
            .copied()
            .filter(|a| !self.user.contains_key(&(pid, *a)))
            .collect();
        if !missing.is_empty() {
            self.remember(pid);
            let alive = Path::new(&format!("/proc/{pid}/maps")).exists();
            let mut names: Vec<Option<String>> = if alive {
                let src = Source::Process(Process::new(Pid::from(pid)));
                self.symbolizer
                    .symbolize(&src, Input::AbsAddr(&missing))
                    .map(|v| {
                        v.into_iter()
                            .map(|s| s.into_sym().map(|s| s.name.to_string()))
                            .collect()
                    })
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            names.resize(missing.len(), None);
            // What the live process could not name (it may be a zombie with
            // no memory map left, or gone): try the files it had mapped.
            let unnamed: Vec<usize> = (0..missing.len()).filter(|&i| names[i].is_none()).collect();
            if !unnamed.is_empty() {
                let addrs: Vec<u64> = unnamed.iter().map(|&i| missing[i]).collect();
                for (i, n) in unnamed.into_iter().zip(self.names_from_files(pid, &addrs)) {
                    names[i] = n;
                }
            }
            for (i, a) in missing.iter().enumerate() {
                let name = match names.get(i) {
                    Some(Some(n)) => n.clone(),
                    _ => self.placeholder(pid, *a, alive),
                };
                self.user.insert((pid, *a), name);
            }
        }
        addrs
            .iter()
            .map(|a| self.user[&(pid, *a)].clone())
            .collect()
    }

    /// Names for an exited process, from the files of its remembered map.
    fn names_from_files(&self, pid: u32, addrs: &[u64]) -> Vec<Option<String>> {
        let Some(maps) = self.maps.get(&pid) else {
            return vec![None; addrs.len()];
        };
        addrs
            .iter()
            .map(|&a| {
                let v = maps.iter().find(|v| v.start <= a && a < v.end)?;
                let path = v.path.as_ref()?;
                let src = Source::Elf(Elf::new(path));
                let off = a - v.start + v.offset;
                match self
                    .symbolizer
                    .symbolize_single(&src, Input::FileOffset(off))
                {
                    Ok(Symbolized::Sym(s)) => Some(s.name.to_string()),
                    _ => None,
                }
            })
            .collect()
    }

    /// `module+0xoffset` where the mapping is known, else a marker.
    fn placeholder(&self, pid: u32, addr: u64, alive: bool) -> String {
        let vma = self
            .maps
            .get(&pid)
            .and_then(|m| m.iter().find(|v| v.start <= addr && addr < v.end));
        match vma {
            Some(Vma {
                path: Some(p),
                start,
                offset,
                ..
            }) => {
                let name = p
                    .file_name()
                    .map_or_else(|| p.to_string_lossy(), |n| n.to_string_lossy());
                format!("{name}+{:#x}", addr - start + offset)
            }
            _ if !alive && !self.maps.contains_key(&pid) => "[unknown: process exited]".into(),
            _ => UNKNOWN.into(),
        }
    }
}

/// One aggregated stack sample, ready to print.
pub struct Sample<'a> {
    pub pid: u32,
    pub comm: &'a [u8],
    pub count: u64,
    /// Innermost first; None: lost (the stack map was full, or a collision).
    pub user: Option<&'a [String]>,
    pub kernel: Option<&'a [String]>,
}

impl Sample<'_> {
    /// Both stacks were taken and hold frames: only then a delimiter.
    fn has_both(&self) -> bool {
        self.user.is_some_and(|u| !u.is_empty()) && self.kernel.is_some_and(|k| !k.is_empty())
    }
}

/// Which parts of a stack a report shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct StackParts {
    pub user: bool,
    pub kernel: bool,
    /// `-d`: a `-` between kernel and user frames (`--` in the multi-line form).
    pub delimiter: bool,
    /// `-a`: `_[k]` after each kernel frame, as flamegraph colour schemes expect.
    pub annotate: bool,
}

impl StackParts {
    fn kernel_name(&self, f: &str) -> String {
        if self.annotate {
            format!("{f}_[k]")
        } else {
            f.to_string()
        }
    }

    /// bcc's folded line: `comm;user frames root to leaf;-;kernel frames count`.
    pub fn folded(&self, s: &Sample) -> String {
        // Counts across processes (stackcount -K) have no comm to lead.
        let mut line: Vec<String> = Vec::new();
        if !s.comm.is_empty() {
            line.push(String::from_utf8_lossy(s.comm).into_owned());
        }
        let both = self.user && self.kernel;
        if self.user {
            match s.user {
                None => line.push(MISSED_USER.into()),
                Some(u) => line.extend(u.iter().rev().cloned()),
            }
        }
        if self.kernel {
            if self.delimiter && both && s.has_both() {
                line.push("-".into());
            }
            match s.kernel {
                None => line.push(MISSED_KERNEL.into()),
                Some(k) => line.extend(k.iter().rev().map(|f| self.kernel_name(f))),
            }
        }
        format!("{} {}", line.join(";"), s.count)
    }

    /// bcc's multi-line form: kernel frames, `--`, user frames (innermost
    /// first), `-  comm (pid)`, the count, an empty line.
    pub fn multiline(&self, s: &Sample) -> String {
        let mut out = String::new();
        if self.kernel {
            match s.kernel {
                None => out.push_str(&format!("    {MISSED_KERNEL}\n")),
                Some(k) => k
                    .iter()
                    .for_each(|f| out.push_str(&format!("    {}\n", self.kernel_name(f)))),
            }
        }
        if self.user {
            if self.delimiter && self.kernel && s.has_both() {
                out.push_str("    --\n");
            }
            match s.user {
                None => out.push_str(&format!("    {MISSED_USER}\n")),
                Some(u) => u.iter().for_each(|f| out.push_str(&format!("    {f}\n"))),
            }
        }
        if !s.comm.is_empty() {
            out.push_str(&format!(
                "    {:<16} {} ({})\n",
                "-",
                String::from_utf8_lossy(s.comm),
                s.pid
            ));
        }
        out.push_str(&format!("        {}\n\n", s.count));
        out
    }

    /// One JSON object: pid, comm, count, and the frames innermost first
    /// (null when lost, absent when not asked for).
    pub fn json(&self, s: &Sample) -> String {
        use crate::output::{json_field, json_string, Value};
        let mut buf = Vec::with_capacity(256);
        buf.push(b'{');
        json_field(&mut buf, "pid", &Value::Uint(s.pid.into()));
        buf.push(b',');
        json_field(&mut buf, "comm", &Value::Bytes(s.comm));
        buf.push(b',');
        json_field(&mut buf, "count", &Value::Uint(s.count));
        let mut frames = |key: &str, f: Option<&[String]>| {
            buf.push(b',');
            json_string(&mut buf, key.as_bytes());
            buf.push(b':');
            match f {
                None => buf.extend_from_slice(b"null"),
                Some(f) => {
                    buf.push(b'[');
                    for (i, name) in f.iter().enumerate() {
                        if i > 0 {
                            buf.push(b',');
                        }
                        json_string(&mut buf, name.as_bytes());
                    }
                    buf.push(b']');
                }
            }
        };
        if self.user {
            frames("user_stack", s.user);
        }
        if self.kernel {
            frames("kernel_stack", s.kernel);
        }
        buf.extend_from_slice(b"}\n");
        String::from_utf8(buf).expect("JSON is UTF-8")
    }
}

/// `PID 185 by user + kernel stack`: what bcc's stack tools name in their
/// headers; `all` names the threads traced without -p/-t.
pub fn describe_target(
    pids: &[u32],
    tids: &[u32],
    all: &str,
    user_only: bool,
    kernel_only: bool,
) -> String {
    let list = |ids: &[u32]| ids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    let threads = if !pids.is_empty() {
        format!("PID {}", list(pids))
    } else if !tids.is_empty() {
        format!("TID {}", list(tids))
    } else {
        all.to_string()
    };
    let stack = if user_only {
        "user"
    } else if kernel_only {
        "kernel"
    } else {
        "user + kernel"
    };
    format!("{threads} by {stack} stack")
}

/// How a stack report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// bcc's default: frames one per line, then `-  comm (pid)` and the count.
    Multiline,
    /// `-f`: one folded line per stack, for flame graphs.
    Folded,
    /// `--json`: one object per stack.
    Json,
}

impl Form {
    pub fn new(folded: bool, json: bool) -> Form {
        if json {
            Form::Json
        } else if folded {
            Form::Folded
        } else {
            Form::Multiline
        }
    }
}

/// One aggregated entry of a stack tool's map, before symbolization.
#[derive(Clone, Debug)]
pub struct Counted {
    /// The id shown (`comm (pid)`): a process or a thread id.
    pub pid: u32,
    /// The process whose memory the user stack belongs to.
    pub tgid: u32,
    pub comm: Vec<u8>,
    pub user_stack_id: i32,
    pub kern_stack_id: i32,
    pub count: u64,
}

/// Print `counted` (sorted by count, smallest first, as bcc does) from the
/// stack map `stacks`; returns how many stacks were lost. Stops quietly when
/// the reader goes away.
pub fn print_report(
    counted: &mut [Counted],
    parts: StackParts,
    form: Form,
    stacks: &dyn MapCore,
    resolver: &mut StackResolver,
) -> u64 {
    use std::io::Write;
    counted.sort_by_key(|c| (c.count, c.pid));
    let started = std::time::Instant::now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut lost = 0u64;
    let mut frames = |id: i32, wanted: bool| -> Option<Vec<u64>> {
        if !wanted {
            return Some(Vec::new());
        }
        if stack_lost(id) {
            lost += 1;
            return None;
        }
        // -1 (not taken) and -EFAULT (no user stack) are empty stacks.
        Some(stack_addrs(stacks, id).unwrap_or_default())
    };
    for c in counted.iter() {
        let kernel = frames(c.kern_stack_id, parts.kernel).map(|a| resolver.kernel(&a));
        let user = frames(c.user_stack_id, parts.user).map(|a| resolver.user(c.tgid, &a));
        let s = Sample {
            pid: c.pid,
            comm: &c.comm,
            count: c.count,
            user: user.as_deref(),
            kernel: kernel.as_deref(),
        };
        let text = match form {
            Form::Json => parts.json(&s),
            Form::Folded => parts.folded(&s) + "\n",
            Form::Multiline => parts.multiline(&s),
        };
        if out.write_all(text.as_bytes()).is_err() {
            break;
        }
    }
    let _ = out.flush();
    crate::verbose!(
        "{} stacks symbolized and printed in {} ms",
        counted.len(),
        started.elapsed().as_millis()
    );
    if lost > 0 {
        eprintln!(
            "WARNING: {lost} stack traces could not be displayed. Consider increasing --stack-storage-size."
        );
    }
    lost
}

/// A kernel stack taken from a BPF program starts with the program and the
/// kernel's code that ran it: not where the traced task was.
fn without_bpf(frames: Vec<String>) -> Vec<String> {
    let skip = frames
        .iter()
        .take_while(|f| {
            f.starts_with("bpf_prog_")
                || f.starts_with("bpf_trace_run")
                || f.starts_with("__bpf_trace_")
                || f.starts_with("__traceiter_")
                || f.starts_with("trace_call_bpf")
                || f.starts_with("perf_trace_")
                || f.starts_with("perf_syscall_")
        })
        .count();
    frames[skip..].to_vec()
}

/// The `--stack-storage-size` and `--perf-max-stack-depth` options of the
/// stack tools, and sizing the BPF side's `stackmap` (bpf/stacks.bpf.h).
#[derive(clap::Args, Debug, Clone)]
pub struct StackStorage {
    /// The number of unique stack traces that can be stored and displayed
    #[arg(long, default_value_t = 16384, value_parser = clap::value_parser!(u32).range(1..=1 << 20))]
    pub stack_storage_size: u32,
    /// The limit for both kernel and user stack traces
    #[arg(long, default_value_t = 127, value_parser = clap::value_parser!(u32).range(1..=127))]
    pub perf_max_stack_depth: u32,
}

impl StackStorage {
    /// Size the (not yet loaded) stack map.
    pub fn apply(&self, stackmap: &mut libbpf_rs::OpenMapMut) -> anyhow::Result<()> {
        stackmap.set_value_size(self.perf_max_stack_depth * 8)?;
        stackmap.set_max_entries(self.stack_storage_size)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn folded_matches_bcc() {
        let (u, k) = (v(&["leaf_u", "main"]), v(&["leaf_k", "entry"]));
        let s = Sample {
            pid: 7,
            comm: b"app",
            count: 3,
            user: Some(&u),
            kernel: Some(&k),
        };
        let both = StackParts {
            user: true,
            kernel: true,
            ..Default::default()
        };
        assert_eq!(both.folded(&s), "app;main;leaf_u;entry;leaf_k 3");
        let delim = StackParts {
            delimiter: true,
            ..both
        };
        assert_eq!(delim.folded(&s), "app;main;leaf_u;-;entry;leaf_k 3");
        let annotated = StackParts {
            annotate: true,
            ..both
        };
        assert_eq!(
            annotated.folded(&s),
            "app;main;leaf_u;entry_[k];leaf_k_[k] 3"
        );
        let lost = Sample {
            user: None,
            kernel: None,
            ..s
        };
        assert_eq!(
            both.folded(&lost),
            "app;[Missed User Stack];[Missed Kernel Stack] 3"
        );
        let user_only = StackParts {
            user: true,
            ..Default::default()
        };
        assert_eq!(user_only.folded(&s), "app;main;leaf_u 3");
    }

    #[test]
    fn multiline_matches_bcc() {
        let (u, k) = (v(&["leaf_u", "main"]), v(&["leaf_k"]));
        let s = Sample {
            pid: 7,
            comm: b"app",
            count: 3,
            user: Some(&u),
            kernel: Some(&k),
        };
        let p = StackParts {
            user: true,
            kernel: true,
            delimiter: true,
            annotate: false,
        };
        assert_eq!(
            p.multiline(&s),
            "    leaf_k\n    --\n    leaf_u\n    main\n    -                app (7)\n        3\n\n"
        );
    }

    #[test]
    fn json_has_frames_innermost_first() {
        let u = v(&["leaf_u", "main"]);
        let s = Sample {
            pid: 7,
            comm: b"app",
            count: 3,
            user: Some(&u),
            kernel: None,
        };
        let p = StackParts {
            user: true,
            kernel: true,
            ..Default::default()
        };
        let j: serde_json::Value = serde_json::from_str(&p.json(&s)).unwrap();
        assert_eq!(j["user_stack"], serde_json::json!(["leaf_u", "main"]));
        assert!(j["kernel_stack"].is_null());
        assert_eq!(j["count"], 3);
    }

    #[test]
    fn maps_lines() {
        let v = parse_maps_line(
            "7f1c2a000000-7f1c2a1c5000 r-xp 00028000 fe:00 1234    /usr/lib/x86_64-linux-gnu/libc.so.6",
        )
        .unwrap();
        assert_eq!(v.start, 0x7f1c2a000000);
        assert_eq!(v.offset, 0x28000);
        assert_eq!(
            v.path.unwrap(),
            PathBuf::from("/usr/lib/x86_64-linux-gnu/libc.so.6")
        );
        let anon = parse_maps_line("7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]").unwrap();
        assert!(anon.path.is_none());
    }

    #[test]
    fn resolves_this_process_and_the_kernel() {
        let mut r = StackResolver::new();
        let me = std::process::id();
        let addr = resolves_this_process_and_the_kernel as *const () as u64;
        let names = r.user(me, &[addr, 0x10]);
        assert!(
            names[0].contains("resolves_this_process_and_the_kernel"),
            "{names:?}"
        );
        assert_eq!(names[1], UNKNOWN);
        // A kernel text address from kallsyms names itself.
        let kallsyms = std::fs::read_to_string("/proc/kallsyms").unwrap();
        let (addr, name) = kallsyms
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.get(2) == Some(&"do_sys_openat2"))
                    .then(|| (u64::from_str_radix(f[0], 16).unwrap(), f[2]))
            })
            .unwrap();
        if addr != 0 {
            assert_eq!(r.kernel(&[addr + 1]), [name.to_string()]);
        }
    }
}
