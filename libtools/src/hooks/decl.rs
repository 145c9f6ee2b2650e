//! What a tool declares: for each attach point, its alternatives best
//! first, each a set of programs of one kind and their targets.

use std::fmt;

use libbpf_rs::libbpf_sys;

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
    /// fentry, or fexit with `ret`.
    Fentry {
        func: String,
        ret: bool,
    },
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
            Target::Fentry { .. } => HookKind::Fentry,
            Target::Kprobe { .. } => HookKind::Kprobe,
            Target::Uprobe { .. } => HookKind::Uprobe,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Target::Tracepoint { category, name } => write!(f, "{category}:{name}"),
            Target::TpBtf(n) | Target::RawTp(n) => f.write_str(n),
            Target::Kprobe { func, ret } | Target::Fentry { func, ret } => {
                write!(f, "{}{func}", if *ret { "ret:" } else { "" })
            }
            Target::Uprobe { binary, func, ret } => {
                write!(f, "{}{binary}:{func}", if *ret { "ret:" } else { "" })
            }
        }
    }
}

/// A BPF helper that some kernels a tool runs on lack, and the release
/// that brought it: a program calling it is not offered before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Helper {
    pub name: &'static str,
    pub id: libbpf_sys::bpf_func_id,
    pub since: &'static str,
}

impl Helper {
    pub const FOR_EACH_MAP_ELEM: Helper = Helper {
        name: "bpf_for_each_map_elem",
        id: libbpf_sys::BPF_FUNC_for_each_map_elem,
        since: "5.13",
    };
    pub const FIND_VMA: Helper = Helper {
        name: "bpf_find_vma",
        id: libbpf_sys::BPF_FUNC_find_vma,
        since: "5.17",
    };
    pub const LOOP: Helper = Helper {
        name: "bpf_loop",
        id: libbpf_sys::BPF_FUNC_loop,
        since: "5.17",
    };
}

/// One BPF program (by its function name in the C source) and its target.
#[derive(Clone, Debug)]
pub struct Prog {
    pub name: &'static str,
    pub target: Target,
    /// Left out, rather than failing the alternative, where the target is
    /// missing (open(2) does not exist on arm64, openat2 before 5.6).
    pub optional: bool,
    /// Helpers it calls that not every kernel has.
    pub needs: &'static [Helper],
    /// A uprobe attached for this process only (and what it execs), rather
    /// than for every process that maps the file.
    pub pid: Option<u32>,
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
        Prog::new(
            name,
            Target::Fentry {
                func: func.into(),
                ret: false,
            },
        )
    }
    pub fn fexit(name: &'static str, func: &str) -> Prog {
        Prog::new(
            name,
            Target::Fentry {
                func: func.into(),
                ret: true,
            },
        )
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
            needs: &[],
            pid: None,
        }
    }
    /// See [`Prog::pid`]: a uprobe that fires in process `pid` only.
    pub fn in_process(mut self, pid: Option<u32>) -> Prog {
        self.pid = pid;
        self
    }
    pub fn optional(mut self) -> Prog {
        self.optional = true;
        self
    }
    /// It calls these helpers: where the kernel lacks one, its alternative
    /// is not offered, and the error says which helper and since when.
    pub fn needs(mut self, helpers: &'static [Helper]) -> Prog {
        self.needs = helpers;
        self
    }
}

/// A logical hook (e.g. "open entry") and its alternatives, best first. Each
/// alternative is a set of programs of one kind that together cover the point.
#[derive(Clone, Debug)]
pub struct AttachPoint {
    pub what: &'static str,
    pub alternatives: Vec<Vec<Prog>>,
    /// The tool can go without it (a counter it then prints as unknown):
    /// where the kernel offers none of its alternatives, the point is left
    /// out of the plan rather than failing the tool.
    pub optional: bool,
}

impl AttachPoint {
    pub fn new(what: &'static str) -> Self {
        AttachPoint {
            what,
            alternatives: Vec::new(),
            optional: false,
        }
    }
    /// One alternative per name of a kernel function that was renamed over
    /// the releases (`folio_mark_accessed`, `mark_page_accessed`), the same
    /// program (`prog` of the name) whichever name this kernel has.
    pub fn or_each(mut self, funcs: &[&str], prog: impl Fn(&str) -> Prog) -> Self {
        for f in funcs {
            self = self.or([prog(f)]);
        }
        self
    }
    /// See [`AttachPoint::optional`]: `plan.kind_of(what)` is then None.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
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
