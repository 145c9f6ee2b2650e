//! Naming frames: one blazesym symbolizer and a cache of names across a
//! whole report, kernel frames from kallsyms, user frames from the live
//! process or, once it has exited, from the files of its remembered map.

use std::collections::HashMap;
use std::path::Path;

use blazesym::symbolize::source::{Elf, Kernel, Process, Source};
use blazesym::symbolize::{Input, Symbolized, Symbolizer};
use blazesym::Pid;
use libbpf_rs::{MapCore, MapFlags};

use super::vmas::{read_maps, Vma};
use super::{MISSED_KERNEL, MISSED_USER, UNKNOWN};

/// Names frames; cheap to ask twice for the same address.
pub struct StackResolver {
    symbolizer: Symbolizer,
    kernel_syms: HashMap<u64, Option<(String, u64)>>,
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
            kernel_syms: HashMap::new(),
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

    /// One event's stack, `id` in the stack map `map`, named innermost
    /// first: the kernel's, or with `user` that process's user stack;
    /// bcc's `[Missed Kernel Stack]` or `[Missed User Stack]` when it was lost.
    pub fn stack(&mut self, map: &dyn MapCore, id: i32, user: Option<u32>) -> Vec<String> {
        if super::stack_lost(id) {
            let missed = if user.is_some() {
                MISSED_USER
            } else {
                MISSED_KERNEL
            };
            return vec![missed.into()];
        }
        let addrs = super::stack_addrs(map, id).unwrap_or_default();
        match user {
            Some(pid) => self.user(pid, &addrs),
            None => self.kernel(&addrs),
        }
    }

    /// Kernel frames for `addrs`, innermost first, without the BPF program
    /// and the kernel code that ran it, where the stack was taken in BPF.
    pub fn kernel(&mut self, addrs: &[u64]) -> Vec<String> {
        let names = self
            .kernel_symbols(addrs)
            .into_iter()
            .map(|sym| sym.map_or_else(|| UNKNOWN.to_string(), |(name, _)| name))
            .collect();
        without_bpf(names)
    }

    /// Kernel addresses as the symbols they fall in and their offsets into
    /// them (None where kallsyms has no symbol), every one kept: for bcc's
    /// `func+0x1f` frames, and for a static object's name where the offset
    /// is 0 (klockstat's locks).
    pub fn kernel_symbols(&mut self, addrs: &[u64]) -> Vec<Option<(String, u64)>> {
        let missing: Vec<u64> = addrs
            .iter()
            .copied()
            .filter(|a| !self.kernel_syms.contains_key(a))
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
                let sym = match names.get(i) {
                    Some(Symbolized::Sym(s)) => Some((s.name.to_string(), s.offset as u64)),
                    _ => None,
                };
                self.kernel_syms.insert(*a, sym);
            }
        }
        addrs.iter().map(|a| self.kernel_syms[a].clone()).collect()
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
                    _ if self.in_data(pid, *a) => UNKNOWN.to_string(),
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

    /// Whether `addr` lies in memory `pid` had mapped without execute
    /// permission: no return address, but a value the unwinder read off the
    /// stack of a program without frame pointers. The name of a data object
    /// there (`PyFloat_Type`) would be a made-up frame.
    fn in_data(&self, pid: u32, addr: u64) -> bool {
        self.vma(pid, addr).is_some_and(|v| !v.exec)
    }

    /// The mapping of `pid`'s remembered memory map that holds `addr`.
    pub(super) fn vma(&self, pid: u32, addr: u64) -> Option<&Vma> {
        self.maps
            .get(&pid)?
            .iter()
            .find(|v| v.start <= addr && addr < v.end)
    }

    /// The function at `offset` in the ELF file `path`: what still names a
    /// frame, or a start function the kernel found mapped there, after the
    /// process has gone.
    pub fn file_offset(&self, path: &Path, offset: u64) -> Option<String> {
        let src = Source::Elf(Elf::new(path));
        match self
            .symbolizer
            .symbolize_single(&src, Input::FileOffset(offset))
        {
            Ok(Symbolized::Sym(s)) => Some(s.name.to_string()),
            _ => None,
        }
    }

    /// Names for an exited process, from the files of its remembered map.
    fn names_from_files(&self, pid: u32, addrs: &[u64]) -> Vec<Option<String>> {
        addrs
            .iter()
            .map(|&a| {
                let v = self.vma(pid, a)?;
                self.file_offset(v.path.as_ref()?, a - v.start + v.offset)
            })
            .collect()
    }

    /// `module+0xoffset` where the mapping is known, else a marker.
    fn placeholder(&self, pid: u32, addr: u64, alive: bool) -> String {
        match self.vma(pid, addr) {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A static's address is in a mapping without execute permission: a
    /// value off the stack, not a frame; its symbol must not name one.
    #[test]
    fn data_addresses_name_no_frame() {
        static DATA_OBJECT: [u64; 4] = [1, 2, 3, 4];
        let mut r = StackResolver::new();
        let addr = std::hint::black_box(&DATA_OBJECT) as *const _ as u64;
        assert_eq!(r.user(std::process::id(), &[addr]), [UNKNOWN]);
    }
}
