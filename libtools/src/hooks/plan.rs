//! The planner: the first alternative of each point that this kernel
//! offers (or the forced kind), which programs to autoload, and attaching them.

use std::fmt;

use anyhow::{anyhow, bail, Context, Result};
use libbpf_rs::{Link, Object, OpenObject, TracepointCategory, UprobeOpts};

use super::probe::{Kernel, LiveKernel};
use super::{AttachPoint, Helper, HookKind, Prog, Target, FORCE_ENV, LIST_ENV};
use crate::verbose;

/// Whether this kernel offers what `g` needs: its target and its helpers.
fn offered(kernel: &dyn Kernel, g: &Prog) -> bool {
    kernel.offers(&g.target) && missing_helper(kernel, g).is_none()
}

/// The programs of `alt` to load: all but the optional ones not offered.
fn offered_progs(kernel: &dyn Kernel, alt: &[Prog]) -> Vec<Prog> {
    alt.iter()
        .filter(|g| !g.optional || offered(kernel, g))
        .cloned()
        .collect()
}

fn missing_helper(kernel: &dyn Kernel, g: &Prog) -> Option<Helper> {
    g.needs
        .iter()
        .copied()
        .find(|h| !kernel.has_helper(&g.target, *h))
}

/// The chosen alternative for each point.
#[derive(Debug)]
pub struct HookPlan {
    chosen: Vec<(&'static str, HookKind, Vec<Prog>)>,
    /// Every program named by any alternative: those not chosen are not loaded.
    declared: Vec<&'static str>,
    /// Optional points this kernel offers no hook for, with what was tried.
    missing: Vec<(&'static str, String)>,
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
                    let yes = alt.iter().all(|g| g.optional || offered(&kernel, g));
                    let yes = if yes { "yes" } else { "no" };
                    eprintln!(
                        "bpftk-hooks: offer {} {yes} {}",
                        alt[0].target.kind(),
                        p.what
                    );
                }
            }
        }
        let plan = HookPlan::choose(points, &kernel, forced, !super::load_only())?;
        if std::env::var_os(LIST_ENV).is_some() {
            for (what, kind, _) in &plan.chosen {
                eprintln!("bpftk-hooks: chosen {kind} {what}");
            }
        }
        verbose!("{plan}");
        Ok(plan)
    }

    /// `attaching`: the tool attaches what it loads (not `BPFTK_LOAD_ONLY`).
    pub fn choose(
        points: &[AttachPoint],
        kernel: &dyn Kernel,
        forced: Option<HookKind>,
        attaching: bool,
    ) -> Result<HookPlan> {
        let mut chosen = Vec::new();
        let mut declared = Vec::new();
        let mut missing = Vec::new();
        for p in points {
            declared.extend(p.alternatives.iter().flatten().map(|g| g.name));
            let usable = p.alternatives.iter().find_map(|alt| {
                let ok = alt.iter().all(|g| g.optional || offered(kernel, g));
                let progs = offered_progs(kernel, alt);
                (ok && !progs.is_empty()).then_some(progs)
            });
            // Forced: the first alternative of that kind this kernel offers
            // (biosnoop has two raw_tp ones, block_io_start only since 6.5).
            // Where it offers none of that kind: the usual choice, if there
            // is one, when the tool is to attach (cachestat's dirtied pages
            // by tracepoint on a kernel that inlined folio_account_dirtied)
            // or when that kind could not even load (an fentry target
            // missing from the BTF); else the first of that kind, through
            // the verifier (BPFTK_LOAD_ONLY) or to fail.
            let forced_alt = forced.and_then(|k| {
                let of_kind: Vec<&Vec<Prog>> = p
                    .alternatives
                    .iter()
                    .filter(|alt| alt.iter().all(|g| g.target.kind() == k))
                    .collect();
                let all = |alt: &&&Vec<Prog>, ok: &dyn Fn(&Prog) -> bool| {
                    alt.iter().all(|g| g.optional || ok(g))
                };
                if let Some(alt) = of_kind.iter().find(|a| all(a, &|g| offered(kernel, g))) {
                    return Some(*alt);
                }
                match of_kind
                    .iter()
                    .find(|a| all(a, &|g| kernel.loadable(&g.target)))
                {
                    Some(_) if attaching && usable.is_some() => None,
                    // An optional point this kernel has no hook for
                    // (memleak's kmalloc_node, gone in 6.1) is left out,
                    // as the usual choice leaves it out; a raw_tp of it
                    // still goes through the verifier.
                    Some(_) if attaching && p.optional => None,
                    Some(alt) => Some(*alt),
                    None if usable.is_some() || p.optional => None,
                    None => of_kind.first().copied(),
                }
            });
            if let Some(alt) = forced_alt {
                // Load everything of that kind, optional programs too (each
                // through the verifier); but what is to attach leaves out
                // the optional ones this kernel does not offer (readahead's
                // page_cache_ra_order, new in 5.18), as the usual choice does.
                let attachable = offered_progs(kernel, alt);
                let progs = if attaching && !attachable.is_empty() {
                    attachable
                } else {
                    alt.clone()
                };
                chosen.push((p.what, forced.unwrap(), progs));
                continue;
            }
            match usable {
                Some(progs) => chosen.push((p.what, progs[0].target.kind(), progs)),
                None => {
                    let tried: Vec<String> = p
                        .alternatives
                        .iter()
                        .map(|alt| {
                            let t = &alt[0].target;
                            let lacks = alt.iter().find_map(|g| missing_helper(kernel, g));
                            match (lacks, kernel.why_not(t)) {
                                (Some(h), _) if kernel.offers(t) => format!(
                                    "{} {t} (no {} helper, new in Linux {})",
                                    t.kind(),
                                    h.name,
                                    h.since
                                ),
                                (_, Some(why)) => format!("{} {t} ({why})", t.kind()),
                                _ => format!("{} {t}", t.kind()),
                            }
                        })
                        .collect();
                    if p.optional {
                        missing.push((p.what, tried.join(", ")));
                        continue;
                    }
                    let why = kernel
                        .limitation()
                        .map(|l| format!(" ({l})"))
                        .unwrap_or_default();
                    bail!(
                        "this kernel offers no hook for {}: tried {}{why}",
                        p.what,
                        tried.join(", ")
                    );
                }
            }
        }
        Ok(HookPlan {
            chosen,
            declared,
            missing,
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
                target: Target::Fentry { func, .. },
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
                Target::TpBtf(_) | Target::Fentry { .. } => prog.attach_trace(),
                Target::Kprobe { func, ret } => prog.attach_kprobe(*ret, func),
                Target::Uprobe { binary, func, ret } => prog.attach_uprobe_with_opts(
                    g.pid.map_or(-1, |p| p as i32),
                    binary,
                    0,
                    UprobeOpts {
                        retprobe: *ret,
                        func_name: Some(func.clone()),
                        ..Default::default()
                    },
                ),
            };
            if link.is_err() {
                if let Some(limit) = crate::env::fd_limit_problem() {
                    bail!("cannot attach {}: {limit}", g.name);
                }
            }
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
        for (what, tried) in &self.missing {
            write!(f, "\n  {what}: none: this kernel offers none of {tried}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hooks::Kernel;

    #[derive(Default)]
    struct Fake {
        tracepoints: Vec<&'static str>,
        btf_tps: Vec<&'static str>,
        fentry: bool,
        kprobe: bool,
        not_in_btf: Vec<&'static str>,
        no_kprobe: Vec<&'static str>,
        no_helpers: Vec<Helper>,
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
        fn has_kprobe(&self, func: &str) -> bool {
            self.kprobe && !self.no_kprobe.contains(&func)
        }
        fn has_uprobe(&self, _: &str) -> bool {
            true
        }
        fn has_function(&self, func: &str) -> bool {
            !self.not_in_btf.contains(&func)
        }
        fn has_helper(&self, _: &Target, h: Helper) -> bool {
            !self.no_helpers.contains(&h)
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
        let plan = HookPlan::choose(&points(), &k, None, false).unwrap();
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
        let plan = HookPlan::choose(&points(), &k, None, false).unwrap();
        assert_eq!(plan.kind_of("entry"), Some(HookKind::RawTp));
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Kprobe));
        let k = Fake {
            btf_tps: vec!["sys_enter"],
            fentry: true,
            kprobe: true,
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, None, false).unwrap();
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Fentry));
    }

    #[test]
    fn nothing_offered_names_what_was_tried() {
        let k = Fake {
            btf_tps: vec!["sys_enter"],
            ..Default::default()
        };
        let e = HookPlan::choose(&points(), &k, None, false)
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
        let plan = HookPlan::choose(&points(), &k, Some(HookKind::Kprobe), false).unwrap();
        // The entry point has no kprobe alternative: normal choice there.
        assert_eq!(plan.kind_of("entry"), Some(HookKind::Tracepoint));
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Kprobe));
        let plan = HookPlan::choose(&points(), &k, Some(HookKind::Tracepoint), false).unwrap();
        let names: Vec<_> = plan.programs().map(|g| g.name).collect();
        assert_eq!(names, ["tp_open", "tp_openat", "btf_switch"]);
    }

    #[test]
    fn forcing_prefers_an_alternative_of_that_kind_the_kernel_offers() {
        let points = vec![AttachPoint::new("start")
            .or([Prog::tp_btf("btf_new", "block_io_start")])
            .or([Prog::raw_tp("raw_new", "block_io_start")])
            .or([Prog::tp_btf("btf_old", "block_rq_insert")])
            .or([Prog::raw_tp("raw_old", "block_rq_insert")])];
        let old_kernel = Fake {
            btf_tps: vec!["block_rq_insert"],
            ..Default::default()
        };
        let plan = HookPlan::choose(&points, &old_kernel, Some(HookKind::RawTp), false).unwrap();
        let names: Vec<_> = plan.programs().map(|g| g.name).collect();
        assert_eq!(names, ["raw_old"]);
        // Where none of that kind is offered, the first of it still loads.
        let plan =
            HookPlan::choose(&points, &Fake::default(), Some(HookKind::RawTp), false).unwrap();
        let names: Vec<_> = plan.programs().map(|g| g.name).collect();
        assert_eq!(names, ["raw_new"]);
    }

    #[test]
    fn forcing_attaches_no_optional_program_the_kernel_lacks() {
        let points = vec![AttachPoint::new("calls")
            .or([
                Prog::fentry("fentry_a", "a"),
                Prog::fentry("fentry_b", "b").optional(),
            ])
            .or([
                Prog::kprobe("kprobe_a", "a"),
                Prog::kprobe("kprobe_b", "b").optional(),
            ])];
        let k = Fake {
            fentry: true,
            kprobe: true,
            no_kprobe: vec!["b"],
            ..Default::default()
        };
        let names = |attaching| {
            let plan = HookPlan::choose(&points, &k, Some(HookKind::Kprobe), attaching).unwrap();
            plan.programs().map(|g| g.name).collect::<Vec<_>>()
        };
        assert_eq!(names(true), ["kprobe_a"]);
        // Through the verifier only: every program of the kind.
        assert_eq!(names(false), ["kprobe_a", "kprobe_b"]);
    }

    #[test]
    fn a_program_whose_helper_the_kernel_lacks_is_not_offered() {
        let points = vec![AttachPoint::new("deletes")
            .or([Prog::kprobe("kprobe_unlink", "vfs_unlink")])
            .or([Prog::tracepoint("tp_unlink", "syscalls:sys_enter_unlink")
                .needs(&[Helper::FOR_EACH_MAP_ELEM, Helper::LOOP])])];
        let k = Fake {
            tracepoints: vec!["syscalls:sys_enter_unlink"],
            no_helpers: vec![Helper::LOOP],
            ..Default::default()
        };
        let e = HookPlan::choose(&points, &k, None, true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "tracepoint syscalls:sys_enter_unlink (no bpf_loop helper, new in Linux 5.17)"
            ),
            "{e}"
        );
        let k = Fake { kprobe: true, ..k };
        let plan = HookPlan::choose(&points, &k, None, true).unwrap();
        assert_eq!(plan.kind_of("deletes"), Some(HookKind::Kprobe));
        let k = Fake {
            no_helpers: vec![],
            ..k
        };
        let plan = HookPlan::choose(&points, &k, Some(HookKind::Tracepoint), true).unwrap();
        assert_eq!(plan.kind_of("deletes"), Some(HookKind::Tracepoint));
    }

    #[test]
    fn forcing_fentry_skips_functions_the_kernel_lacks() {
        let k = Fake {
            tracepoints: vec!["writeback:writeback_dirty_folio", "x:y"],
            not_in_btf: vec!["folio_account_dirtied"],
            ..Default::default()
        };
        let points = vec![
            AttachPoint::new("dirtied")
                .or([Prog::fentry("fentry_dirtied", "folio_account_dirtied")])
                .or([Prog::tracepoint(
                    "tp_dirtied",
                    "writeback:writeback_dirty_folio",
                )]),
            AttachPoint::new("accessed")
                .or([Prog::fentry("fentry_accessed", "folio_mark_accessed")])
                .or([Prog::tracepoint("tp_accessed", "x:y")]),
        ];
        let plan = HookPlan::choose(&points, &k, Some(HookKind::Fentry), false).unwrap();
        assert_eq!(plan.kind_of("dirtied"), Some(HookKind::Tracepoint));
        assert_eq!(plan.kind_of("accessed"), Some(HookKind::Fentry));
    }

    #[test]
    fn forcing_a_kind_a_point_lacks_here_takes_the_usual_choice_when_attaching() {
        let k = Fake {
            tracepoints: vec!["syscalls:sys_enter_openat"],
            btf_tps: vec!["sched_switch", "sys_enter"],
            ..Default::default()
        };
        let plan = HookPlan::choose(&points(), &k, Some(HookKind::Kprobe), true).unwrap();
        assert_eq!(plan.kind_of("switch"), Some(HookKind::TpBtf));
        // Nothing else to use: the forced kind, to fail (the matrix' selftest).
        let switch = &points()[1..];
        let plan =
            HookPlan::choose(switch, &Fake::default(), Some(HookKind::Kprobe), true).unwrap();
        assert_eq!(plan.kind_of("switch"), Some(HookKind::Kprobe));
    }

    #[test]
    fn an_optional_point_without_a_hook_is_left_out_and_named() {
        let mut points = points();
        points.push(
            AttachPoint::new("accesses")
                .or([Prog::kprobe("kp_accessed", "folio_mark_accessed")])
                .optional(),
        );
        let k = Fake {
            tracepoints: vec!["syscalls:sys_enter_openat"],
            btf_tps: vec!["sched_switch"],
            ..Default::default()
        };
        let plan = HookPlan::choose(&points, &k, None, false).unwrap();
        assert_eq!(plan.kind_of("accesses"), None);
        assert_eq!(plan.kind_of("switch"), Some(HookKind::TpBtf));
        let text = plan.to_string();
        assert!(
            text.contains("accesses: none: this kernel offers none of kprobe folio_mark_accessed"),
            "{text}"
        );
        let k = Fake { kprobe: true, ..k };
        let plan = HookPlan::choose(&points, &k, None, false).unwrap();
        assert_eq!(plan.kind_of("accesses"), Some(HookKind::Kprobe));
    }

    #[test]
    fn forcing_leaves_out_an_optional_point_the_kernel_lacks() {
        let points = [
            AttachPoint::new("kmalloc")
                .or([Prog::tp_btf("tb_kmalloc", "kmalloc")])
                .or([Prog::raw_tp("raw_kmalloc", "kmalloc")]),
            AttachPoint::new("kmalloc_node")
                .or([Prog::tp_btf("tb_kmalloc_node", "kmalloc_node")])
                .or([Prog::raw_tp("raw_kmalloc_node", "kmalloc_node")])
                .optional(),
        ];
        let k = Fake {
            btf_tps: vec!["kmalloc"],
            ..Default::default()
        };
        for kind in [HookKind::TpBtf, HookKind::RawTp] {
            let plan = HookPlan::choose(&points, &k, Some(kind), true).unwrap();
            assert_eq!(plan.kind_of("kmalloc"), Some(kind));
            assert_eq!(plan.kind_of("kmalloc_node"), None, "{kind}");
        }
        // Load only: the raw_tp program loads whatever the tracepoint.
        let plan = HookPlan::choose(&points, &k, Some(HookKind::RawTp), false).unwrap();
        assert_eq!(plan.kind_of("kmalloc_node"), Some(HookKind::RawTp));
        let plan = HookPlan::choose(&points, &k, Some(HookKind::TpBtf), false).unwrap();
        assert_eq!(plan.kind_of("kmalloc_node"), None);
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for k in HookKind::ALL {
            assert_eq!(HookKind::from_name(k.name()), Some(k));
        }
        assert_eq!(HookKind::from_name("nope"), None);
    }

    #[test]
    fn what_keeps_hooks_away_is_named() {
        struct NoTracefs;
        impl Kernel for NoTracefs {
            fn has_tracepoint(&self, _: &str, _: &str) -> bool {
                false
            }
            fn has_btf_tracepoint(&self, _: &str) -> bool {
                false
            }
            fn can_fentry(&self, _: &str) -> bool {
                false
            }
            fn has_kprobe(&self, _: &str) -> bool {
                false
            }
            fn has_uprobe(&self, _: &str) -> bool {
                false
            }
            fn limitation(&self) -> Option<String> {
                Some("tracefs is not mounted".into())
            }
        }
        let e = HookPlan::choose(&points(), &NoTracefs, None, false)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("(tracefs is not mounted)"), "{e}");
    }
}
