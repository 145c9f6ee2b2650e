//! What the running kernel offers: tracepoints in tracefs, BTF-typed raw
//! tracepoints and functions in the vmlinux BTF, fentry by a trial load,
//! kprobes by the PMU and available_filter_functions, uprobes by the PMU.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

use libbpf_rs::libbpf_sys;

use super::{Helper, Target};
use crate::env;

/// What this kernel offers. The live implementation asks the kernel; tests
/// use a fake.
pub trait Kernel {
    fn has_tracepoint(&self, category: &str, name: &str) -> bool;
    /// A raw tracepoint with BTF (`btf_trace_<name>`), usable by tp_btf and raw_tp.
    fn has_btf_tracepoint(&self, name: &str) -> bool;
    fn can_fentry(&self, func: &str) -> bool;
    fn has_kprobe(&self, func: &str) -> bool;
    fn has_uprobe(&self, binary: &str) -> bool;
    /// Whether the kernel's own BTF is there: tp_btf and fentry programs
    /// name their targets by its type ids (a --btf file cannot stand in).
    fn has_kernel_btf(&self) -> bool {
        true
    }

    /// What keeps some kinds of hook from being offered at all (tracefs
    /// missing or unreadable), to name when no alternative is left.
    fn limitation(&self) -> Option<String> {
        None
    }

    /// Why this kernel does not offer `t`, in a few words, where known.
    fn why_not(&self, _t: &Target) -> Option<&'static str> {
        None
    }

    /// Whether a program at `t` may call helper `h` here.
    fn has_helper(&self, _t: &Target, _h: Helper) -> bool {
        true
    }

    /// A kernel function in the vmlinux BTF (what an fentry program needs
    /// to load at all, attachable or not).
    fn has_function(&self, _func: &str) -> bool {
        true
    }

    /// Whether a program at `t` can go through the verifier here, attachable
    /// or not: an fentry target must exist, and a tp_btf program's
    /// tracepoint (libbpf looks up its btf_trace_ type at load).
    fn loadable(&self, t: &Target) -> bool {
        match t {
            Target::Fentry { func, .. } => self.has_function(func),
            Target::TpBtf(n) => self.has_btf_tracepoint(n),
            _ => true,
        }
    }

    fn offers(&self, t: &Target) -> bool {
        match t {
            Target::Tracepoint { category, name } => self.has_tracepoint(category, name),
            Target::TpBtf(n) => self.has_kernel_btf() && self.has_btf_tracepoint(n),
            Target::RawTp(n) => self.has_btf_tracepoint(n),
            Target::Fentry { func, .. } => self.has_kernel_btf() && self.can_fentry(func),
            Target::Kprobe { func, .. } => self.has_kprobe(func),
            Target::Uprobe { binary, .. } => self.has_uprobe(binary),
        }
    }
}

/// Kernels without CONFIG_KPROBES have no kprobe PMU and no kprobe_events.
fn kprobes_built_in() -> bool {
    Path::new("/sys/bus/event_source/devices/kprobe/type").exists()
        || env::tracefs().is_some_and(|t| Path::new(t).join("kprobe_events").exists())
}

/// The id of type `name` of `kind` in `btf`, a live BTF owned by the caller.
fn find_by_name(btf: *mut libbpf_sys::btf, name: &str, kind: u32) -> Option<u32> {
    let name = CString::new(name).ok()?;
    // SAFETY: the caller keeps btf live; name is NUL-terminated.
    let id = unsafe { libbpf_sys::btf__find_by_name_kind(btf, name.as_ptr(), kind) };
    (id > 0).then_some(id as u32)
}

/// Probes the running kernel, each fact once.
#[derive(Default)]
pub struct LiveKernel {
    btf: RefCell<Option<OwnedBtf>>,
    /// The --btf file's types, when one was given.
    file_btf: RefCell<Option<OwnedBtf>>,
    kprobe_funcs: RefCell<Option<std::collections::HashSet<String>>>,
    fentry: RefCell<HashMap<String, bool>>,
    /// By program type and helper id: each probe loads a program.
    helpers: RefCell<HashMap<(libbpf_sys::bpf_prog_type, libbpf_sys::bpf_func_id), bool>>,
}

struct OwnedBtf(*mut libbpf_sys::btf);

impl Drop for OwnedBtf {
    fn drop(&mut self) {
        // SAFETY: self.0 came from btf__load_vmlinux_btf or btf__parse and is
        // freed once, here.
        unsafe { libbpf_sys::btf__free(self.0) }
    }
}

impl LiveKernel {
    /// The running kernel's BTF (vmlinux), loaded once.
    fn vmlinux(&self) -> Option<*mut libbpf_sys::btf> {
        let mut btf = self.btf.borrow_mut();
        if btf.is_none() {
            // SAFETY: takes no arguments; the result is checked before use.
            let p = unsafe { libbpf_sys::btf__load_vmlinux_btf() };
            if p.is_null() || (p as isize) < 0 && (p as isize) > -4096 {
                return None;
            }
            *btf = Some(OwnedBtf(p));
        }
        btf.as_ref().map(|b| b.0)
    }

    /// The kernel's types: the --btf file when one was given, else the
    /// kernel's own BTF.
    fn types(&self) -> Option<*mut libbpf_sys::btf> {
        let Some(path) = env::btf_file() else {
            return self.vmlinux();
        };
        let mut btf = self.file_btf.borrow_mut();
        if btf.is_none() {
            use std::os::unix::ffi::OsStrExt;
            let path = CString::new(path.as_os_str().as_bytes()).ok()?;
            // SAFETY: path is NUL-terminated; the result is checked before use.
            let p = unsafe { libbpf_sys::btf__parse(path.as_ptr(), std::ptr::null_mut()) };
            if p.is_null() || (p as isize) < 0 && (p as isize) > -4096 {
                return None;
            }
            *btf = Some(OwnedBtf(p));
        }
        btf.as_ref().map(|b| b.0)
    }

    fn btf_id(&self, name: &str, kind: u32) -> Option<u32> {
        find_by_name(self.vmlinux()?, name, kind)
    }

    /// Function `func` in a loaded module's BTF (md_flush_request in
    /// md_mod, xfs_file_read_iter in xfs): that BTF object's fd and the
    /// function's id in it, for a trial load there. libbpf finds the same
    /// when it attaches.
    fn module_func(&self, func: &str) -> Option<(OwnedFd, u32)> {
        let vmlinux = self.vmlinux()?;
        let func = CString::new(func).ok()?;
        let mut id = 0u32;
        // SAFETY: each call gets live pointers to locals of the right types;
        // every fd is owned once (OwnedFd) and every BTF freed once.
        unsafe {
            while libbpf_sys::bpf_btf_get_next_id(id, &mut id) == 0 {
                let fd = libbpf_sys::bpf_btf_get_fd_by_id(id);
                if fd < 0 {
                    continue;
                }
                let fd = OwnedFd::from_raw_fd(fd);
                let mut name = [0u8; 64];
                let mut info = libbpf_sys::bpf_btf_info {
                    name: name.as_mut_ptr() as u64,
                    name_len: name.len() as u32,
                    ..Default::default()
                };
                let mut len = std::mem::size_of_val(&info) as u32;
                let got = libbpf_sys::bpf_obj_get_info_by_fd(
                    fd.as_raw_fd(),
                    (&mut info as *mut libbpf_sys::bpf_btf_info).cast(),
                    &mut len,
                );
                if got != 0 || info.kernel_btf == 0 || name.starts_with(b"vmlinux\0") {
                    continue;
                }
                let btf = libbpf_sys::btf__load_from_kernel_by_id_split(id, vmlinux);
                if btf.is_null() || (btf as isize) < 0 && (btf as isize) > -4096 {
                    continue;
                }
                let found = libbpf_sys::btf__find_by_name_kind(
                    btf,
                    func.as_ptr(),
                    libbpf_sys::BTF_KIND_FUNC,
                );
                libbpf_sys::btf__free(btf);
                if found > 0 {
                    return Some((fd, found as u32));
                }
            }
        }
        None
    }

    /// As libbpf-tools' fentry_can_attach: load a two-instruction fentry
    /// program at the function and see whether the kernel takes it.
    fn trial_fentry(&self, func: &str) -> bool {
        let (module, id) = match self.btf_id(func, libbpf_sys::BTF_KIND_FUNC) {
            Some(id) => (None, id),
            None => match self.module_func(func) {
                Some((fd, id)) => (Some(fd), id),
                None => return false,
            },
        };
        let insns = [
            // r0 = 0; exit
            libbpf_sys::bpf_insn {
                code: 0xb7,
                _bitfield_align_1: [],
                _bitfield_1: libbpf_sys::bpf_insn::new_bitfield_1(0, 0),
                off: 0,
                imm: 0,
            },
            libbpf_sys::bpf_insn {
                code: 0x95,
                _bitfield_align_1: [],
                _bitfield_1: libbpf_sys::bpf_insn::new_bitfield_1(0, 0),
                off: 0,
                imm: 0,
            },
        ];
        let mut opts = libbpf_sys::bpf_prog_load_opts {
            sz: std::mem::size_of::<libbpf_sys::bpf_prog_load_opts>() as _,
            expected_attach_type: libbpf_sys::BPF_TRACE_FENTRY,
            attach_btf_id: id,
            attach_btf_obj_fd: module.as_ref().map_or(0, |fd| fd.as_raw_fd() as u32),
            ..Default::default()
        };
        // SAFETY: insns and opts outlive the call, and insns.len() is their count.
        let fd = unsafe {
            libbpf_sys::bpf_prog_load(
                libbpf_sys::BPF_PROG_TYPE_TRACING,
                std::ptr::null(),
                c"GPL".as_ptr(),
                insns.as_ptr(),
                insns.len() as _,
                &mut opts,
            )
        };
        if fd >= 0 {
            // SAFETY: fd is the program just loaded, owned here and closed once.
            unsafe { libc::close(fd) };
            true
        } else {
            false
        }
    }
}

impl Kernel for LiveKernel {
    fn has_tracepoint(&self, category: &str, name: &str) -> bool {
        env::tracefs().is_some_and(|t| {
            Path::new(t)
                .join("events")
                .join(category)
                .join(name)
                .is_dir()
        })
    }

    fn has_btf_tracepoint(&self, name: &str) -> bool {
        self.types().is_some_and(|btf| {
            find_by_name(
                btf,
                &format!("btf_trace_{name}"),
                libbpf_sys::BTF_KIND_TYPEDEF,
            )
            .is_some()
        })
    }

    fn has_kernel_btf(&self) -> bool {
        self.vmlinux().is_some()
    }

    fn can_fentry(&self, func: &str) -> bool {
        if let Some(&ok) = self.fentry.borrow().get(func) {
            return ok;
        }
        let ok = self.trial_fentry(func);
        self.fentry.borrow_mut().insert(func.to_string(), ok);
        ok
    }

    fn has_kprobe(&self, func: &str) -> bool {
        if !kprobes_built_in() {
            return false;
        }
        let mut funcs = self.kprobe_funcs.borrow_mut();
        let funcs = funcs.get_or_insert_with(|| {
            let list = env::tracefs()
                .and_then(|t| {
                    std::fs::read_to_string(Path::new(t).join("available_filter_functions")).ok()
                })
                .unwrap_or_default();
            list.lines()
                .filter_map(|l| l.split_whitespace().next().map(str::to_string))
                .collect()
        });
        funcs.contains(func)
    }

    fn limitation(&self) -> Option<String> {
        env::tracefs_problem()
    }

    fn has_helper(&self, t: &Target, h: Helper) -> bool {
        use libbpf_sys::*;
        let prog_type = match t {
            Target::Tracepoint { .. } => BPF_PROG_TYPE_TRACEPOINT,
            Target::RawTp(_) => BPF_PROG_TYPE_RAW_TRACEPOINT,
            Target::Kprobe { .. } | Target::Uprobe { .. } => BPF_PROG_TYPE_KPROBE,
            // libbpf cannot probe tracing programs' helpers: fentry and
            // tp_btf came in 5.5, after most helpers here anyway.
            Target::TpBtf(_) | Target::Fentry { .. } => return true,
        };
        *self
            .helpers
            .borrow_mut()
            .entry((prog_type, h.id))
            .or_insert_with(|| {
                // SAFETY: a plain query; NULL options are allowed.
                let r = unsafe { libbpf_probe_bpf_helper(prog_type, h.id, std::ptr::null()) };
                // 1: yes, 0: no; an error (probing itself refused) is no answer.
                r != 0
            })
    }

    fn has_function(&self, func: &str) -> bool {
        self.btf_id(func, libbpf_sys::BTF_KIND_FUNC).is_some()
    }

    fn why_not(&self, t: &Target) -> Option<&'static str> {
        Some(match t {
            Target::TpBtf(_) | Target::Fentry { .. } if !self.has_kernel_btf() => "no kernel BTF",
            Target::Fentry { func, .. } if self.has_function(func) => "fentry refused",
            Target::Fentry { .. } => "no such function",
            Target::Kprobe { .. } if !kprobes_built_in() => "no kprobes",
            Target::Kprobe { .. } => "not traceable",
            Target::Tracepoint { .. } | Target::TpBtf(_) | Target::RawTp(_) => "no such tracepoint",
            Target::Uprobe { .. } => return None,
        })
    }

    fn has_uprobe(&self, binary: &str) -> bool {
        Path::new("/sys/bus/event_source/devices/uprobe/type").exists()
            && Path::new(binary).exists()
    }
}
