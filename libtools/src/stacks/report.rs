//! A stack tool's report: the entries of its map, named and printed in
//! the chosen form, smallest count first as bcc prints them.

use std::ffi::c_char;
use std::time::Duration;

use anyhow::Result;
use libbpf_rs::MapCore;

use super::{stack_addrs, stack_lost, Form, Sample, StackParts, StackResolver, Wakeup};
use super::{Frames, LabelValue, Pprof, PprofSample, StackStorage, MISSED_KERNEL};
use crate::output::print_or_quit;
use crate::{c_bytes, decode, maps};

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

impl Counted {
    /// pprof's labels: the process's id and name, and the thread's id
    /// where that is what the entry counts by.
    fn labels(&self) -> Vec<(&'static str, LabelValue<'_>)> {
        let mut labels = Vec::new();
        if self.tgid != 0 {
            labels.push(("pid", LabelValue::Num(self.tgid.into())));
        }
        if self.pid != self.tgid {
            labels.push(("tid", LabelValue::Num(self.pid.into())));
        }
        if !self.comm.is_empty() {
            labels.push(("comm", LabelValue::Bytes(&self.comm)));
        }
        labels
    }

    /// An entry of the ids, comm and (user, kernel) stack ids its key holds.
    pub fn new(pid: u32, tgid: u32, comm: &[c_char], stack_ids: (i32, i32), count: u64) -> Counted {
        Counted {
            pid,
            tgid,
            comm: c_bytes(comm).to_vec(),
            user_stack_id: stack_ids.0,
            kern_stack_id: stack_ids.1,
            count,
        }
    }
}

/// Print `counted` (sorted by count, smallest first, as bcc does) from the
/// stack map `stacks`, or with `pprof` write it as a profile; returns how
/// many stacks were lost. Stops quietly when the reader goes away.
fn print_report(
    counted: &mut [Counted],
    parts: StackParts,
    form: Form,
    stacks: &dyn MapCore,
    resolver: &mut StackResolver,
    mut pprof: Option<&mut Pprof>,
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
        let kernel_addrs = frames(c.kern_stack_id, parts.kernel);
        let user_addrs = frames(c.user_stack_id, parts.user);
        let kernel = kernel_addrs.as_ref().map(|a| resolver.kernel(a));
        let user = user_addrs.as_ref().map(|a| resolver.user(c.tgid, a));
        if let Some(p) = pprof.as_deref_mut() {
            let s = PprofSample {
                kernel: parts
                    .kernel
                    .then(|| Frames::of(kernel_addrs.as_deref(), kernel.as_deref())),
                user: parts.user.then(|| {
                    let frames = Frames::of(user_addrs.as_deref(), user.as_deref());
                    (c.tgid, frames)
                }),
                count: c.count,
                labels: c.labels(),
            };
            p.add(resolver, &s);
            continue;
        }
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
    if let Some(p) = pprof {
        p.write();
    }
    crate::verbose!(
        "{} stacks symbolized and printed in {} ms",
        counted.len(),
        started.elapsed().as_millis()
    );
    warn_lost(lost);
    lost
}

/// bcc's warning, after a report, for the `lost` stacks the stack map had
/// no room for.
pub fn warn_lost(lost: u64) {
    if lost > 0 {
        eprintln!(
            "WARNING: {lost} stack traces could not be displayed. Consider increasing --stack-storage-size."
        );
    }
}

/// A stack tool from its header to its report: the form and parts it
/// prints, or the pprof profile it writes instead, and the resolver that
/// remembers processes while it traces.
pub struct StackReport {
    form: Form,
    parts: StackParts,
    resolver: StackResolver,
    pprof: Option<Pprof>,
}

impl StackReport {
    pub fn new(parts: StackParts, folded: bool, json: bool) -> StackReport {
        StackReport {
            form: Form::new(folded, json),
            parts,
            resolver: StackResolver::new(),
            pprof: None,
        }
    }

    /// The report as this pprof profile instead, with `--format pprof`
    /// ([`super::FormatArgs::pprof`]). It is written by the report, once:
    /// a tool that reports every interval cannot take it.
    pub fn pprof(self, pprof: Option<Pprof>) -> StackReport {
        StackReport { pprof, ..self }
    }

    /// Whether the report is text a person reads as it comes.
    fn multiline(&self) -> bool {
        self.form == Form::Multiline && self.pprof.is_none()
    }

    /// bcc's header: the first line of the multi-line form on stdout;
    /// folded lines, JSON and pprof are read by programs, so there it goes
    /// to stderr, where it is the ready line (and pprof's comment).
    pub fn ready(&mut self, header: &str) {
        if self.multiline() {
            print_or_quit(&format!("{header}\n"));
        } else {
            eprintln!("{header}");
        }
        if let Some(p) = &mut self.pprof {
            p.begin(header);
        }
    }

    /// Before each interval's report in the multi-line form: an empty
    /// line, and the time with `timestamp`.
    pub fn interval_heading(&self, timestamp: bool) {
        if self.multiline() {
            let mut h = String::from("\n");
            if timestamp {
                h.push_str(&format!("{}\n", crate::output::now().format("%H:%M:%S")));
            }
            print_or_quit(&h);
        }
    }

    /// Wait for `duration` (or a signal), remembering the memory map of
    /// each process that shows up among the entries of `counts`, so that
    /// those that exit before the report still get named frames.
    pub fn trace<K: plain::Plain + Default, V: plain::Plain + Default>(
        &mut self,
        duration: Option<Duration>,
        counts: &dyn MapCore,
        entry: impl Fn(K, V) -> Counted,
    ) {
        self.resolver.trace(duration, counts, |k, v| {
            let c = entry(decode(k), decode(v));
            (c.tgid, c.comm)
        });
    }

    /// Read and clear `counts` and print its entries that counted anything,
    /// their stacks from `stacks`; returns how many stacks were lost.
    pub fn print<K: plain::Plain + Default, V: plain::Plain + Default>(
        &mut self,
        counts: &dyn MapCore,
        stacks: &dyn MapCore,
        entry: impl Fn(K, V) -> Counted,
    ) -> Result<u64> {
        if let Some(p) = &mut self.pprof {
            p.end();
        }
        let mut counted: Vec<Counted> = maps::drain(counts)?
            .iter()
            .map(|(k, v)| entry(decode(k), decode(v)))
            .filter(|c| c.count > 0)
            .collect();
        Ok(print_report(
            &mut counted,
            self.parts,
            self.form,
            stacks,
            &mut self.resolver,
            self.pprof.as_mut(),
        ))
    }

    /// [`StackReport::print`] for wakeuptime's entries: a waker's kernel
    /// stack and the time the threads it woke were blocked (for pprof,
    /// the waker's and the blocked threads' names are labels).
    pub fn print_wakeups<K: plain::Plain + Default>(
        &mut self,
        counts: &dyn MapCore,
        stacks: &dyn MapCore,
        entry: impl Fn(&K) -> (&[c_char], &[c_char], i32),
    ) -> Result<u64> {
        if let Some(p) = &mut self.pprof {
            p.end();
        }
        let mut woken: Vec<(K, u64)> = maps::drain(counts)?
            .iter()
            .map(|(k, v)| (decode(k), decode(v)))
            .collect();
        woken.sort_by_key(|(k, us)| (*us, entry(k).2));
        let mut lost = 0u64;
        let mut out = String::new();
        for (key, us) in &woken {
            let (waker, target, stack_id) = entry(key);
            let addrs =
                (!stack_lost(stack_id)).then(|| stack_addrs(stacks, stack_id).unwrap_or_default());
            let frames = match &addrs {
                None => {
                    lost += 1;
                    vec![MISSED_KERNEL.to_string()]
                }
                Some(addrs) => self.resolver.kernel(addrs),
            };
            if let Some(p) = &mut self.pprof {
                let named = addrs.as_ref().map(|_| &frames[..]);
                let s = PprofSample {
                    kernel: Some(Frames::of(addrs.as_deref(), named)),
                    user: None,
                    count: *us,
                    labels: vec![
                        ("waker", LabelValue::Bytes(c_bytes(waker))),
                        ("target", LabelValue::Bytes(c_bytes(target))),
                    ],
                };
                p.add(&self.resolver, &s);
                continue;
            }
            let w = Wakeup {
                waker: &String::from_utf8_lossy(c_bytes(waker)),
                target: &String::from_utf8_lossy(c_bytes(target)),
                us: *us,
                frames: &frames,
            };
            out.push_str(&self.form.wakeup(&w));
        }
        match &mut self.pprof {
            Some(p) => p.write(),
            None => print_or_quit(&out),
        }
        warn_lost(lost);
        Ok(lost)
    }
}

/// profile's warning for the samples that found its `lost_samples`
/// per-CPU counter: the counts map was full.
pub fn warn_lost_samples(lost_samples: &dyn MapCore, storage: &StackStorage) -> Result<()> {
    let lost: u64 = lost_samples
        .lookup_percpu(&0u32.to_ne_bytes(), libbpf_rs::MapFlags::ANY)?
        .unwrap_or_default()
        .iter()
        .map(|b| decode::<u64>(b))
        .sum();
    if lost > 0 {
        eprintln!(
            "WARNING: {lost} samples lost: more distinct stacks than --stack-storage-size {}.",
            storage.stack_storage_size
        );
    }
    Ok(())
}
