//! One tool's BPF object from open to exit, written once for every tool:
//! open the skeleton, let the tool set its rodata, size the ring buffer,
//! plan and load the hooks, install the `-c` cgroup filter, attach, print
//! the ready line, poll, and report what was lost.
//!
//! ```ignore
//! let mut storage = MaybeUninit::uninit();
//! let spec = Spec::hooks(hooks()).ring_size(256 << 10).cgroup(&args.cgroup)?;
//! let tool = lifecycle::start(OpensnoopSkelBuilder::default(), &mut storage, spec, |open| {
//!     open.rodata()?.targ_tgid = args.pid.unwrap_or(0);
//!     Ok(())
//! })?;
//! tool.trace(&out, "open() syscalls", duration, |data| { ... })
//! ```

use std::io::Write;
use std::mem::MaybeUninit;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use anyhow::{anyhow, Result};
use libbpf_rs::skel::{OpenSkel, Skel, SkelBuilder};
use libbpf_rs::{Link, MapCore, OpenObject};

use crate::args::PidArg;
use crate::cgroup::{Cgroup, CgroupArg};
use crate::hooks::{AttachPoint, HookPlan};
use crate::output::Output;
use crate::{bpf, env, rodata, run};

/// What a tool asks of the lifecycle besides its skeleton and rodata.
#[derive(Debug, Default)]
pub struct Spec {
    points: Vec<AttachPoint>,
    ring_size: Option<u32>,
    cgroup: Option<Cgroup>,
    pid: Option<u32>,
    chosen_only: bool,
}

impl Spec {
    /// The tool's attach points, each with its alternatives best first.
    pub fn hooks(points: Vec<AttachPoint>) -> Spec {
        Spec {
            points,
            ..Spec::default()
        }
    }

    /// The tool attaches its programs itself (perf events): nothing for the
    /// hook planner to choose.
    pub fn no_hook_plan() -> Spec {
        Spec::default()
    }

    /// Size the `events` ring buffer (bytes; rounded up to a power of two pages).
    pub fn ring_size(mut self, bytes: u32) -> Spec {
        self.ring_size = Some(bytes);
        self
    }

    /// `-c CGROUP`: open the directory now (a bad path is the error), set
    /// the BPF side's `filter_cg` and `targ_cgid` (bpf/cgroup.bpf.h) before
    /// load, and put the directory into its `cgroup_map` after.
    pub fn cgroup(mut self, arg: &CgroupArg) -> Result<Spec> {
        self.cgroup = arg.open()?;
        Ok(self)
    }

    /// `-p PID`: check that the process exists (the error, if not), and
    /// set the BPF side's `targ_tgid` to it before load.
    pub fn pid(mut self, arg: &PidArg) -> Result<Spec> {
        arg.check()?;
        self.pid = arg.pid;
        Ok(self)
    }

    /// Leave out every program the plan did not choose, declared or not: for
    /// objects with one program per kind of target, picked at run time.
    pub fn chosen_only(mut self) -> Spec {
        self.chosen_only = true;
        self
    }
}

/// Open options that take the kernel's types for CO-RE from the BTF file
/// at `path` (--btf). The path's string lives as long as the process, as
/// the object does.
fn btf_open_opts(path: &std::path::Path) -> Result<libbpf_rs::libbpf_sys::bpf_object_open_opts> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| anyhow!("a BTF path cannot hold a NUL byte"))?;
    Ok(libbpf_rs::libbpf_sys::bpf_object_open_opts {
        sz: std::mem::size_of::<libbpf_rs::libbpf_sys::bpf_object_open_opts>() as _,
        btf_custom_path: Box::leak(c.into_boxed_c_str()).as_ptr(),
        ..Default::default()
    })
}

/// A loaded skeleton, its hook plan and (once attached) its links. Derefs
/// to the skeleton, so `tool.maps.hists` reads as it would on the skeleton.
pub struct Loaded<S> {
    skel: S,
    plan: HookPlan,
    links: Vec<Link>,
}

/// Open, configure and load a tool's skeleton; attach with [`Loaded::attach`]
/// after whatever must happen between (filling a map, say).
///
/// The object's storage lives as long as the process: a tool opens its
/// object once, and the skeleton borrows it until exit.
pub fn load<B: SkelBuilder<'static>>(
    builder: B,
    spec: Spec,
    configure: impl FnOnce(&mut B::Output) -> Result<()>,
) -> Result<Loaded<<B::Output as OpenSkel<'static>>::Output>> {
    let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
    // The open-files limit can be reached here already (libbpf opens the
    // kernel's BTF), with fds inherited from the parent: say so, as load does.
    let opened = match env::btf_file() {
        Some(path) => builder.open_opts(btf_open_opts(path)?, storage),
        None => builder.open(storage),
    };
    let mut open = opened.map_err(|e| match env::fd_limit_problem() {
        Some(limit) => anyhow!("cannot open the BPF object: {limit}"),
        None => anyhow::Error::from(e).context("cannot open the BPF object"),
    })?;
    configure(&mut open)?;
    let obj = open.open_object_mut();
    if let Some(bytes) = spec.ring_size {
        bpf::set_ring_size(obj, bytes)?;
    }
    if let Some(pid) = spec.pid {
        rodata::set(obj, "targ_tgid", &pid.to_ne_bytes())?;
    }
    if let Some(cg) = &spec.cgroup {
        rodata::set(obj, "filter_cg", &[1])?;
        rodata::set_if_present(obj, "targ_cgid", &cg.id().to_ne_bytes())?;
    }
    let plan = HookPlan::select(&spec.points)?;
    if spec.chosen_only {
        plan.load_chosen_only(open.open_object_mut());
    }
    let skel = bpf::load(open, &plan)?;
    if let Some(cg) = &spec.cgroup {
        let map = skel
            .object()
            .maps()
            .find(|m| m.name() == "cgroup_map")
            .ok_or_else(|| anyhow!("internal error: -c without a cgroup_map"))?;
        cg.install(&map)?;
    }
    Ok(Loaded {
        skel,
        plan,
        links: Vec::new(),
    })
}

/// [`load`] and [`Loaded::attach`] in one: what most tools do.
pub fn start<B: SkelBuilder<'static>>(
    builder: B,
    spec: Spec,
    configure: impl FnOnce(&mut B::Output) -> Result<()>,
) -> Result<Loaded<<B::Output as OpenSkel<'static>>::Output>> {
    load(builder, spec, configure)?.attach()
}

impl<'obj, S: Skel<'obj>> Loaded<S> {
    /// Attach every program the plan chose.
    pub fn attach(mut self) -> Result<Self> {
        self.links = self.plan.attach(self.skel.object())?;
        Ok(self)
    }

    /// Keep links the tool made itself (perf events) for as long as this lives.
    pub fn keep(&mut self, links: Vec<Link>) {
        self.links.extend(links);
    }

    /// Detach now, before a final read of maps the programs would go on
    /// updating (a batch read can then run for ever on a busy kernel).
    pub fn detach(&mut self) {
        detach_all(std::mem::take(&mut self.links));
    }

    pub fn plan(&self) -> &HookPlan {
        &self.plan
    }

    /// The ready line, then every event of the `events` ring buffer to
    /// `on_event` until a signal, the duration or a closed output; then
    /// what the ring buffer could not take.
    pub fn trace<W: Write>(
        &self,
        out: &Output<W>,
        what: &str,
        duration: Option<Duration>,
        on_event: impl FnMut(&[u8]),
    ) -> Result<()> {
        out.ready(what);
        self.poll(out, duration, on_event)
    }

    /// [`Loaded::trace`] for tools that printed their own ready line.
    pub fn poll<W: Write>(
        &self,
        out: &Output<W>,
        duration: Option<Duration>,
        on_event: impl FnMut(&[u8]),
    ) -> Result<()> {
        let events = self.map("events")?;
        run::poll_events(&events, duration, out, on_event)?;
        self.report_dropped();
        Ok(())
    }

    /// Say on stderr how many events were lost, if any (always under -v).
    pub fn report_dropped(&self) {
        bpf::report_dropped(self.skel.object());
    }

    /// Events lost so far (ring buffer or in-flight map full), for --metrics.
    pub fn dropped(&self) -> u64 {
        bpf::dropped_events(self.skel.object())
    }

    fn map(&self, name: &str) -> Result<libbpf_rs::Map<'_>> {
        self.skel
            .object()
            .maps()
            .find(|m| m.name() == name)
            .ok_or_else(|| anyhow!("internal error: the BPF object has no map {name}"))
    }
}

/// Closing a tracepoint link waits for an RCU grace period (60-90 ms
/// here), one after another when closed in turn: a tool with a dozen
/// hooks took a second to stop. Closed from a thread each, the waits overlap.
fn detach_all(links: Vec<Link>) {
    if links.len() < 2 {
        return;
    }
    std::thread::scope(|s| {
        for link in links {
            s.spawn(move || drop(link));
        }
    });
}

impl<S> Drop for Loaded<S> {
    fn drop(&mut self) {
        detach_all(std::mem::take(&mut self.links));
    }
}

impl<S> Deref for Loaded<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.skel
    }
}

impl<S> DerefMut for Loaded<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.skel
    }
}
