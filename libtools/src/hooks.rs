//! Hook selection. A tool names, for each attach point, its alternatives in
//! order of preference; libtools probes what this kernel offers, autoloads
//! only the chosen programs, attaches them and reports the choice under -v.
//!
//! `BPFTK_HOOK=<kind>` forces one kind wherever a point offers it, so a test
//! can push every alternative through the verifier even where it cannot
//! attach; with `BPFTK_LOAD_ONLY=1` the tool stops after loading.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;
use std::fmt;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use libbpf_rs::libbpf_sys;
use libbpf_rs::{Link, Object, OpenObject, TracepointCategory, UprobeOpts};

use crate::{env, verbose};

pub const FORCE_ENV: &str = "BPFTK_HOOK";
pub const LOAD_ONLY_ENV: &str = "BPFTK_LOAD_ONLY";
/// `BPFTK_LIST_HOOKS=1`: print every alternative, whether this kernel offers
/// it, and the choice, as `bpftk-hooks:` lines on stderr (for
/// scripts/test-kernels, which then forces each kind in turn).
pub const LIST_ENV: &str = "BPFTK_LIST_HOOKS";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HookKind {
    TpBtf,
    RawTp,
    Tracepoint,
    Fentry,
    Kprobe,
    Uprobe,
}

impl HookKind {
    pub const ALL: [HookKind; 6] = [
        HookKind::TpBtf,
        HookKind::RawTp,
        HookKind::Tracepoint,
        HookKind::Fentry,
        HookKind::Kprobe,
        HookKind::Uprobe,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HookKind::TpBtf => "tp_btf",
            HookKind::RawTp => "raw_tp",
            HookKind::Tracepoint => "tracepoint",
            HookKind::Fentry => "fentry",
            HookKind::Kprobe => "kprobe",
            HookKind::Uprobe => "uprobe",
        }
    }

    pub fn from_name(s: &str) -> Option<HookKind> {
        HookKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl fmt::Display for HookKind {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where one program attaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Tracepoint {
        category: String,
        name: String,
    },
    TpBtf(String),
    RawTp(String),
    /// fentry or fexit, as the program's section says.
    Fentry(String),
    Kprobe {
        func: String,
        ret: bool,
    },
    Uprobe {
        binary: String,
        func: String,
        ret: bool,
    },
}

impl Target {
    pub fn kind(&self) -> HookKind {
        match self {
            Target::Tracepoint { .. } => HookKind::Tracepoint,
            Target::TpBtf(_) => HookKind::TpBtf,
            Target::RawTp(_) => HookKind::RawTp,
            Target::Fentry(_) => HookKind::Fentry,
            Target::Kprobe { .. } => HookKind::Kprobe,
            Target::Uprobe { .. } => HookKind::Uprobe,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Target::Tracepoint { category, name } => write!(f, "{category}:{name}"),
            Target::TpBtf(n) | Target::RawTp(n) | Target::Fentry(n) => f.write_str(n),
            Target::Kprobe { func, ret } => write!(f, "{}{func}", if *ret { "ret:" } else { "" }),
            Target::Uprobe { binary, func, ret } => {
                write!(f, "{}{binary}:{func}", if *ret { "ret:" } else { "" })
            }
        }
    }
}

/// One BPF program (by its function name in the C source) and its target.
#[derive(Clone, Debug)]
pub struct Prog {
    pub name: &'static str,
    pub target: Target,
    /// Left out, rather than failing the alternative, where the target is
    /// missing (open(2) does not exist on arm64, openat2 before 5.6).
    pub optional: bool,
}

impl Prog {
    /// `spec` is `category:name`, as in `syscalls:sys_enter_openat`.
    pub fn tracepoint(name: &'static str, spec: &str) -> Prog {
        let (category, tp) = spec
            .split_once(':')
            .expect("tracepoint spec is category:name");
        Prog::new(
            name,
            Target::Tracepoint {
                category: category.into(),
                name: tp.into(),
            },
        )
    }
    pub fn tp_btf(name: &'static str, tp: &str) -> Prog {
        Prog::new(name, Target::TpBtf(tp.into()))
    }
    pub fn raw_tp(name: &'static str, tp: &str) -> Prog {
        Prog::new(name, Target::RawTp(tp.into()))
    }
    pub fn fentry(name: &'static str, func: &str) -> Prog {
        Prog::new(name, Target::Fentry(func.into()))
    }
    pub fn kprobe(name: &'static str, func: &str) -> Prog {
        Prog::new(
            name,
            Target::Kprobe {
                func: func.into(),
                ret: false,
            },
        )
    }
    pub fn kretprobe(name: &'static str, func: &str) -> Prog {
        Prog::new(
            name,
            Target::Kprobe {
                func: func.into(),
                ret: true,
            },
        )
    }
    pub fn uprobe(name: &'static str, binary: &str, func: &str) -> Prog {
        Prog::new(
            name,
            Target::Uprobe {
                binary: binary.into(),
                func: func.into(),
                ret: false,
            },
        )
    }
    pub fn uretprobe(name: &'static str, binary: &str, func: &str) -> Prog {
        Prog::new(
            name,
            Target::Uprobe {
                binary: binary.into(),
                func: func.into(),
                ret: true,
            },
        )
    }
    fn new(name: &'static str, target: Target) -> Prog {
        Prog {
            name,
            target,
            optional: false,
        }
    }
    pub fn optional(mut self) -> Prog {
        self.optional = true;
        self
    }
}

/// A logical hook (e.g. "open entry") and its alternatives, best first. Each
/// alternative is a set of programs of one kind that together cover the point.
#[derive(Clone, Debug)]
pub struct AttachPoint {
    pub what: &'static str,
    pub alternatives: Vec<Vec<Prog>>,
}

impl AttachPoint {
    pub fn new(what: &'static str) -> Self {
        AttachPoint {
            what,
            alternatives: Vec::new(),
        }
    }
    /// Add the next alternative, in order of preference.
    pub fn or(mut self, progs: impl IntoIterator<Item = Prog>) -> Self {
        let progs: Vec<Prog> = progs.into_iter().collect();
        assert!(
            !progs.is_empty(),
            "an alternative needs at least one program"
        );
        self.alternatives.push(progs);
        self
    }
}

/// What this kernel offers. The live implementation asks the kernel; tests
/// use a fake.
pub trait Kernel {
    fn has_tracepoint(&self, category: &str, name: &str) -> bool;
    /// A raw tracepoint with BTF (`btf_trace_<name>`), usable by tp_btf and raw_tp.
    fn has_btf_tracepoint(&self, name: &str) -> bool;
    fn can_fentry(&self, func: &str) -> bool;
    fn has_kprobe(&self, func: &str) -> bool;
    fn has_uprobe(&self, binary: &str) -> bool;

    fn offers(&self, t: &Target) -> bool {
        match t {
            Target::Tracepoint { category, name } => self.has_tracepoint(category, name),
            Target::TpBtf(n) | Target::RawTp(n) => self.has_btf_tracepoint(n),
            Target::Fentry(f) => self.can_fentry(f),
            Target::Kprobe { func, .. } => self.has_kprobe(func),
            Target::Uprobe { binary, .. } => self.has_uprobe(binary),
        }
    }
}

/// The chosen alternative for each point.
#[derive(Debug)]
pub struct HookPlan {
    chosen: Vec<(&'static str, HookKind, Vec<Prog>)>,
    /// Every program named by any alternative: those not chosen are not loaded.
    declared: Vec<&'static str>,
    forced: Option<HookKind>,
}

impl HookPlan {
    /// Choose on the live kernel, honouring `BPFTK_HOOK`.
    pub fn select(points: &[AttachPoint]) -> Result<HookPlan> {
        let forced = match std::env::var(FORCE_ENV) {
            Ok(s) if !s.is_empty() => Some(HookKind::from_name(&s).ok_or_else(|| {
                let kinds: Vec<_> = HookKind::ALL.iter().map(|k| k.name()).collect();
                anyhow!(
                    "{FORCE_ENV}={s} is not a hook kind (one of {})",
                    kinds.join(", ")
                )
            })?),
            _ => None,
        };
        let kernel = LiveKernel::default();
        if std::env::var_os(LIST_ENV).is_some() {
            for p in points {
                for alt in &p.alternatives {
                    let offered = alt.iter().all(|g| g.optional || kernel.offers(&g.target));
                    let yes = if offered { "yes" } else { "no" };
                    eprintln!(
                        "bpftk-hooks: offer {} {yes} {}",
                        alt[0].target.kind(),
                        p.what
                    );
                }
            }
        }
        let plan = HookPlan::choose(points, &kernel, forced)?;
        if std::env::var_os(LIST_ENV).is_some() {
            for (what, kind, _) in &plan.chosen {
                eprintln!("bpftk-hooks: chosen {kind} {what}");
            }
        }
        verbose!("{plan}");
        Ok(plan)
    }

    pub fn choose(
        points: &[AttachPoint],
        kernel: &dyn Kernel,
        forced: Option<HookKind>,
    ) -> Result<HookPlan> {
        let mut chosen = Vec::new();
        let mut declared = Vec::new();
        for p in points {
            declared.extend(p.alternatives.iter().flatten().map(|g| g.name));
            let forced_alt = forced.and_then(|k| {
                p.alternatives
                    .iter()
                    .find(|alt| alt.iter().all(|g| g.target.kind() == k))
            });
            if let Some(alt) = forced_alt {
                // Forced: load everything of that kind, offered here or not.
                chosen.push((p.what, forced.unwrap(), alt.clone()));
                continue;
            }
            let usable = p.alternatives.iter().find_map(|alt| {
                let ok = alt.iter().all(|g| g.optional || kernel.offers(&g.target));
                let progs: Vec<Prog> = alt
                    .iter()
                    .filter(|g| !g.optional || kernel.offers(&g.target))
                    .cloned()
                    .collect();
                (ok && !progs.is_empty()).then_some(progs)
            });
            match usable {
                Some(progs) => chosen.push((p.what, progs[0].target.kind(), progs)),
                None => {
                    let tried: Vec<String> = p
                        .alternatives
                        .iter()
                        .map(|alt| format!("{} {}", alt[0].target.kind(), alt[0].target))
                        .collect();
                    bail!(
                        "this kernel offers no hook for {}: tried {}",
                        p.what,
                        tried.join(", ")
                    );
                }
            }
        }
        Ok(HookPlan {
            chosen,
            declared,
            forced,
        })
    }

    /// The kind chosen for the point named `what`.
    pub fn kind_of(&self, what: &str) -> Option<HookKind> {
        self.chosen
            .iter()
            .find(|(w, _, _)| *w == what)
            .map(|(_, k, _)| *k)
    }

    pub fn programs(&self) -> impl Iterator<Item = &Prog> {
        self.chosen.iter().flat_map(|(_, _, p)| p.iter())
    }

    /// Autoload the chosen programs only; set fentry targets given at run time.
    pub fn apply(&self, obj: &mut OpenObject) -> Result<()> {
        let mut seen = Vec::new();
        for mut prog in obj.progs_mut() {
            let name = prog.name().to_string_lossy().into_owned();
            let Some(&declared) = self.declared.iter().find(|d| **d == name) else {
                continue; // not managed by hook selection (perf events, iterators)
            };
            seen.push(declared);
            let chosen = self.programs().find(|g| g.name == name);
            prog.set_autoload(chosen.is_some());
            if let Some(Prog {
                target: Target::Fentry(func),
                ..
            }) = chosen
            {
                prog.set_attach_target(0, Some(func.clone()))
                    .with_context(|| format!("cannot set the fentry target of {name} to {func}"))?;
            }
        }
        if let Some(missing) = self.declared.iter().find(|d| !seen.contains(d)) {
            bail!("internal error: the BPF object has no program named {missing}");
        }
        Ok(())
    }

    /// Leave out every program the plan did not choose, declared or not:
    /// for tools whose object holds one program per kind of target, picked
    /// at run time (stackcount, funclatency).
    pub fn load_chosen_only(&self, obj: &mut OpenObject) {
        for mut prog in obj.progs_mut() {
            let name = prog.name().to_string_lossy().into_owned();
            if !self.programs().any(|p| p.name == name) {
                prog.set_autoload(false);
            }
        }
    }

    /// Attach every chosen program; the links detach when dropped.
    pub fn attach(&self, obj: &Object) -> Result<Vec<Link>> {
        let mut links = Vec::new();
        for g in self.programs() {
            let prog = obj
                .progs_mut()
                .find(|p| p.name().to_string_lossy() == g.name)
                .ok_or_else(|| anyhow!("internal error: no program {}", g.name))?;
            let link = match &g.target {
                Target::Tracepoint { category, name } => {
                    prog.attach_tracepoint(TracepointCategory::Custom(category.clone()), name)
                }
                Target::RawTp(name) => prog.attach_raw_tracepoint(name),
                Target::TpBtf(_) | Target::Fentry(_) => prog.attach_trace(),
                Target::Kprobe { func, ret } => prog.attach_kprobe(*ret, func),
                Target::Uprobe { binary, func, ret } => prog.attach_uprobe_with_opts(
                    -1,
                    binary,
                    0,
                    UprobeOpts {
                        retprobe: *ret,
                        func_name: Some(func.clone()),
                        ..Default::default()
                    },
                ),
            };
            links.push(link.with_context(|| {
                format!(
                    "cannot attach {} to {} {}",
                    g.name,
                    g.target.kind(),
                    g.target
                )
            })?);
        }
        Ok(links)
    }

    pub fn forced(&self) -> Option<HookKind> {
        self.forced
    }
}

impl fmt::Display for HookPlan {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let forced = self
            .forced
            .map(|k| format!(" (forced: {k})"))
            .unwrap_or_default();
        write!(f, "hooks{forced}:")?;
        for (what, kind, progs) in &self.chosen {
            let targets: Vec<String> = progs.iter().map(|g| g.target.to_string()).collect();
            write!(f, "\n  {what}: {kind} {}", targets.join(", "))?;
        }
        Ok(())
    }
}

/// Probes the running kernel, each fact once.
#[derive(Default)]
pub struct LiveKernel {
    btf: RefCell<Option<VmlinuxBtf>>,
    kprobe_funcs: RefCell<Option<std::collections::HashSet<String>>>,
    fentry: RefCell<HashMap<String, bool>>,
}

struct VmlinuxBtf(*mut libbpf_sys::btf);

impl Drop for VmlinuxBtf {
    fn drop(&mut self) {
        unsafe { libbpf_sys::btf__free(self.0) }
    }
}

impl LiveKernel {
    fn btf_id(&self, name: &str, kind: u32) -> Option<u32> {
        let mut btf = self.btf.borrow_mut();
        if btf.is_none() {
            let p = unsafe { libbpf_sys::btf__load_vmlinux_btf() };
            if p.is_null() || (p as isize) < 0 && (p as isize) > -4096 {
                return None;
            }
            *btf = Some(VmlinuxBtf(p));
        }
        let name = CString::new(name).ok()?;
        let id =
            unsafe { libbpf_sys::btf__find_by_name_kind(btf.as_ref()?.0, name.as_ptr(), kind) };
        (id > 0).then_some(id as u32)
    }

    /// As libbpf-tools' fentry_can_attach: load a two-instruction fentry
    /// program at the function and see whether the kernel takes it.
    fn trial_fentry(&self, func: &str) -> bool {
        let Some(id) = self.btf_id(func, libbpf_sys::BTF_KIND_FUNC) else {
            return false;
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
            ..Default::default()
        };
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
        self.btf_id(&format!("btf_trace_{name}"), libbpf_sys::BTF_KIND_TYPEDEF)
            .is_some()
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
        // Kernels without CONFIG_KPROBES have no kprobe PMU and no kprobe_events.
        let pmu = Path::new("/sys/bus/event_source/devices/kprobe/type").exists();
        let legacy = env::tracefs().is_some_and(|t| Path::new(t).join("kprobe_events").exists());
        if !pmu && !legacy {
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

    fn has_uprobe(&self, binary: &str) -> bool {
        Path::new("/sys/bus/event_source/devices/uprobe/type").exists()
            && Path::new(binary).exists()
    }
}

/// True when the tool should stop after loading (`BPFTK_LOAD_ONLY=1`).
pub fn load_only() -> bool {
    std::env::var(LOAD_ONLY_ENV).is_ok_and(|v| v == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Fake {
        tracepoints: Vec<&'static str>,
        btf_tps: Vec<&'static str>,
        fentry: bool,
        kprobe: bool,
    }

    impl Kernel for Fake {
        fn has_tracepoint(&self, c: &str, n: &str) -> bool {
            self.tracepoints.contains(&format!("{c}:{n}").as_str())
        }
        fn has_btf_tracepoint(&self, n: &str) -> bool {
            self.btf_tps.contains(&n)
        }
        fn can_fentry(&self, _: &str) -> bool {
            self.fentry
        }
        fn has_kprobe(&self, _: &str) -> bool {
            self.kprobe
        }
        fn has_uprobe(&self, _: &str) -> bool {
            true
        }
    }

    fn points() -> Vec<AttachPoint> {
        vec![
            AttachPoint::new("entry")
                .or([
                    Prog::tracepoint("tp_open", "syscalls:sys_enter_open").optional(),
                    Prog::tracepoint("tp_openat", "syscalls:sys_enter_openat"),
                ])
                .or([Prog::raw_tp("raw_enter", "sys_enter")]),
            AttachPoint::new("switch")
                .or([Prog::tp_btf("btf_switch", "sched_switch")])
                .or([Prog::fentry("fentry_switch", "finish_task_switch")])
                .or([Prog::kprobe("kp_switch", "finish_task_switch")]),
        ]
    }

    #[test]
    fn first_offered_alternative_wins_and_optional_progs_drop_out() {
        let k = Fake {
            tracepoints: vec!["syscalls:sys_enter_openat"],
            btf_tps: vec!["sched_switch", "sys_enter"],
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, None).unwrap();
        assert_eq!(plan.kind_of("entry"), Some(HookKind::Tracepoint));
        assert_eq!(plan.kind_of("switch"), Some(HookKind::TpBtf));
        let names: Vec<_> = plan.programs().map(|g| g.name).collect();
        assert_eq!(names, ["tp_openat", "btf_switch"]);
    }

    #[test]
    fn falls_back_in_order() {
        let k = Fake {
            btf_tps: vec!["sys_enter"],
            kprobe: true,
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, None).unwrap();
        assert_eq!(plan.kind_of("entry"), Some(HookKind::RawTp));
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Kprobe));
        let k = Fake {
            btf_tps: vec!["sys_enter"],
            fentry: true,
            kprobe: true,
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, None).unwrap();
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Fentry));
    }

    #[test]
    fn nothing_offered_names_what_was_tried() {
        let k = Fake {
            btf_tps: vec!["sys_enter"],
            ..Default::default()
        };
        let e = HookPlan::choose(&points(), &k, None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no hook for switch"), "{e}");
        assert!(
            e.contains("tp_btf sched_switch") && e.contains("kprobe finish_task_switch"),
            "{e}"
        );
    }

    #[test]
    fn forcing_takes_that_kind_even_when_not_offered() {
        let k = Fake {
            tracepoints: vec!["syscalls:sys_enter_openat"],
            btf_tps: vec!["sched_switch", "sys_enter"],
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, Some(HookKind::Kprobe)).unwrap();
        // The entry point has no kprobe alternative: normal choice there.
        assert_eq!(plan.kind_of("entry"), Some(HookKind::Tracepoint));
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Kprobe));
        let plan = HookPlan::choose(&points(), &k, Some(HookKind::Tracepoint)).unwrap();
        let names: Vec<_> = plan.programs().map(|g| g.name).collect();
        assert_eq!(names, ["tp_open", "tp_openat", "btf_switch"]);
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for k in HookKind::ALL {
            assert_eq!(HookKind::from_name(k.name()), Some(k));
        }
        assert_eq!(HookKind::from_name("nope"), None);
    }
}
