//! A stack report as a pprof profile (`--format pprof`): profile.proto,
//! gzip-compressed, for `go tool pprof` and the programs that read it.
//!
//! Each stack is a sample, leaf first: the kernel frames, then the user
//! frames, named as in the text forms (by [`StackResolver`]), with the
//! process's id and name as labels. A user frame's location is its address
//! in a mapping of the file it lies in (its path and build ID); kernel
//! frames are in one mapping, `[kernel.kallsyms]`, with the kernel's build
//! ID. Every location carries its function's name, so readers need not
//! (and do not) symbolize again. Names, comms and paths are escaped as in
//! the other forms: protobuf strings must be UTF-8, and so the bytes can be
//! told back.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use prost::Message;

use super::proto;
use super::{StackResolver, MISSED_KERNEL, MISSED_USER};
use crate::output::escaped;

/// The mapping that holds every kernel frame, named as perf names it (a
/// name in brackets, which pprof does not try to open as a file).
const KERNEL: &str = "[kernel.kallsyms]";

/// What a stack tool's counts measure, as pprof's sample types.
#[derive(Clone, Copy, Debug)]
pub struct Measure {
    kind: &'static str,
    unit: &'static str,
    /// Counts of samples taken every this many nanoseconds of `kind`.
    period_ns: Option<i64>,
}

impl Measure {
    /// A total by stack of `unit`s of `kind`: `off-cpu`/`microseconds`,
    /// `calls`/`count`.
    pub const fn total(kind: &'static str, unit: &'static str) -> Measure {
        Measure {
            kind,
            unit,
            period_ns: None,
        }
    }

    /// Counts of samples taken every `period_ns` nanoseconds of `kind`
    /// (`cpu`): pprof gets `samples`/`count` and the time they stand for,
    /// `cpu`/`nanoseconds`, the one it shows unless asked.
    pub const fn sampled(kind: &'static str, period_ns: i64) -> Measure {
        Measure {
            kind,
            unit: "nanoseconds",
            period_ns: Some(period_ns),
        }
    }

    fn values(&self, count: u64) -> Vec<i64> {
        let n = i64::try_from(count).unwrap_or(i64::MAX);
        match self.period_ns {
            Some(p) => vec![n, n.saturating_mul(p)],
            None => vec![n],
        }
    }
}

/// One of a sample's two stacks, innermost first.
#[derive(Clone, Copy, Debug)]
pub enum Frames<'a> {
    /// Lost: the stack map was full, or two stacks collided in it.
    Lost,
    /// The addresses walked and their names from the [`StackResolver`],
    /// which may be fewer: the BPF program's own frames, innermost, are
    /// left out of kernel stacks.
    Named {
        addrs: &'a [u64],
        names: &'a [String],
    },
}

impl<'a> Frames<'a> {
    /// A stack as the report has it: its addresses and names, or None when lost.
    pub fn of(addrs: Option<&'a [u64]>, names: Option<&'a [String]>) -> Frames<'a> {
        match (addrs, names) {
            (Some(addrs), Some(names)) => Frames::Named { addrs, names },
            _ => Frames::Lost,
        }
    }

    /// (address, name) innermost first; a lost stack is one frame named
    /// `missed`, at no address.
    fn each(&self, missed: &'a str) -> Vec<(Option<u64>, &'a str)> {
        match *self {
            Frames::Lost => vec![(None, missed)],
            Frames::Named { addrs, names } => {
                let skipped = addrs.len().saturating_sub(names.len());
                addrs[skipped..]
                    .iter()
                    .zip(names)
                    .map(|(a, n)| (Some(*a), n.as_str()))
                    .collect()
            }
        }
    }
}

/// The value of a sample's label.
#[derive(Clone, Copy, Debug)]
pub enum LabelValue<'a> {
    /// Bytes from the kernel or a process (a comm): escaped.
    Bytes(&'a [u8]),
    Num(u64),
}

/// One stack of a report, for [`Pprof::add`].
pub struct PprofSample<'a> {
    /// The kernel stack, when shown.
    pub kernel: Option<Frames<'a>>,
    /// The user stack, when shown, and the process whose memory it is in.
    pub user: Option<(u32, Frames<'a>)>,
    /// The tool's count for the stack, in its [`Measure`].
    pub count: u64,
    pub labels: Vec<(&'static str, LabelValue<'a>)>,
}

/// Where the profile goes: the file of `-o`, created before tracing so
/// that a bad path fails at once, or standard output.
enum Sink {
    File(File),
    Stdout,
}

/// A pprof profile being built from a report's stacks, and where it goes.
pub struct Pprof {
    measure: Measure,
    sink: Sink,
    profile: proto::Profile,
    strings: HashMap<String, i64>,
    functions: HashMap<String, u64>,
    /// By (process, or None for the kernel, and address), or by name for
    /// a placeholder at no address.
    locations: HashMap<(Option<u32>, u64, Option<u64>), u64>,
    /// User mappings by process and start address.
    mappings: HashMap<(u32, u64), u64>,
    build_ids: HashMap<PathBuf, i64>,
    kernel: Option<proto::Mapping>,
    started: (SystemTime, Instant),
    /// How long it traced, once it stopped.
    duration: Option<std::time::Duration>,
}

impl Pprof {
    /// A profile of `measure` to write to `path`, created (truncated) now,
    /// or to standard output.
    pub(super) fn create(
        measure: Measure,
        path: Option<&std::path::Path>,
    ) -> anyhow::Result<Pprof> {
        use anyhow::Context;
        let sink = match path {
            Some(p) => Sink::File(
                File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
            ),
            None => Sink::Stdout,
        };
        let mut pprof = Pprof {
            measure,
            sink,
            profile: proto::Profile::default(),
            strings: HashMap::new(),
            functions: HashMap::new(),
            locations: HashMap::new(),
            mappings: HashMap::new(),
            build_ids: HashMap::new(),
            kernel: None,
            started: (SystemTime::now(), Instant::now()),
            duration: None,
        };
        pprof.string(""); // string_table[0] must be "".
        let types = match measure.period_ns {
            Some(period) => {
                let time = pprof.value_type(measure.kind, measure.unit);
                pprof.profile.period_type = Some(time.clone());
                pprof.profile.period = period;
                pprof.profile.default_sample_type = time.r#type;
                vec![pprof.value_type("samples", "count"), time]
            }
            None => vec![pprof.value_type(measure.kind, measure.unit)],
        };
        pprof.profile.sample_type = types;
        Ok(pprof)
    }

    /// Tracing starts: the profile's time and comment (the tool's header).
    pub fn begin(&mut self, comment: &str) {
        self.started = (SystemTime::now(), Instant::now());
        let c = self.string(comment);
        self.profile.comment.push(c);
    }

    /// Tracing ends: the profile's duration, which naming the frames
    /// after it does not lengthen.
    pub fn end(&mut self) {
        self.duration = Some(self.started.1.elapsed());
    }

    pub fn add(&mut self, resolver: &StackResolver, s: &PprofSample) {
        let mut ids = Vec::new();
        if let Some(k) = &s.kernel {
            for (addr, name) in k.each(MISSED_KERNEL) {
                ids.push(self.location(resolver, None, addr, name));
            }
        }
        if let Some((pid, u)) = &s.user {
            for (addr, name) in u.each(MISSED_USER) {
                ids.push(self.location(resolver, Some(*pid), addr, name));
            }
        }
        let label = s
            .labels
            .iter()
            .map(|(key, v)| {
                let key = self.string(key);
                match v {
                    LabelValue::Bytes(b) => proto::Label {
                        key,
                        str: self.string(&escaped(b)),
                        ..Default::default()
                    },
                    LabelValue::Num(n) => proto::Label {
                        key,
                        num: i64::try_from(*n).unwrap_or(i64::MAX),
                        ..Default::default()
                    },
                }
            })
            .collect();
        self.profile.sample.push(proto::Sample {
            location_id: ids,
            value: self.measure.values(s.count),
            label,
        });
    }

    /// Write the profile, gzip-compressed; a write error is reported at
    /// exit as every tool's are (`cannot write output: ...`), a reader of
    /// standard output that went away is not.
    pub fn write(&mut self) {
        let mut profile = self.profile.clone();
        profile.time_nanos = self
            .started
            .0
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        let duration = self.duration.unwrap_or_else(|| self.started.1.elapsed());
        profile.duration_nanos = duration.as_nanos() as i64;
        // The main binary is mapping[0] by convention: user mappings first.
        profile.mapping.extend(self.kernel.clone());
        let bytes = gzip(&profile.encode_to_vec());
        let written = match &mut self.sink {
            Sink::File(f) => f.write_all(&bytes).and_then(|()| f.flush()),
            Sink::Stdout => crate::output::StdoutFd.write_all(&bytes),
        };
        if let Err(e) = written {
            crate::output::note_write_error(&e);
        }
    }

    fn string(&mut self, s: &str) -> i64 {
        if let Some(&i) = self.strings.get(s) {
            return i;
        }
        let i = self.profile.string_table.len() as i64;
        self.profile.string_table.push(s.to_string());
        self.strings.insert(s.to_string(), i);
        i
    }

    fn value_type(&mut self, kind: &str, unit: &str) -> proto::ValueType {
        proto::ValueType {
            r#type: self.string(kind),
            unit: self.string(unit),
        }
    }

    fn function(&mut self, name: &str) -> u64 {
        let name = escaped(name.as_bytes());
        if let Some(&id) = self.functions.get(&name) {
            return id;
        }
        let id = self.profile.function.len() as u64 + 1;
        let n = self.string(&name);
        self.profile.function.push(proto::Function {
            id,
            name: n,
            system_name: n,
            filename: 0,
        });
        self.functions.insert(name, id);
        id
    }

    /// The location of a frame of process `pid` (None: the kernel) at
    /// `addr` (None: a placeholder), named `name`.
    fn location(
        &mut self,
        resolver: &StackResolver,
        pid: Option<u32>,
        addr: Option<u64>,
        name: &str,
    ) -> u64 {
        let function_id = self.function(name);
        let key = match addr {
            Some(a) => (pid, a, None),
            None => (pid, 0, Some(function_id)),
        };
        if let Some(&id) = self.locations.get(&key) {
            return id;
        }
        let mapping_id = match (pid, addr) {
            (_, None) => 0,
            (None, Some(a)) => self.kernel_mapping(a),
            (Some(pid), Some(a)) => self.user_mapping(resolver, pid, a),
        };
        let id = self.profile.location.len() as u64 + 1;
        self.profile.location.push(proto::Location {
            id,
            mapping_id,
            address: addr.unwrap_or(0),
            line: vec![proto::Line {
                function_id,
                line: 0,
            }],
        });
        self.locations.insert(key, id);
        id
    }

    /// The kernel's one mapping, grown to hold `addr`.
    fn kernel_mapping(&mut self, addr: u64) -> u64 {
        if self.kernel.is_none() {
            let filename = self.string(KERNEL);
            let build_id = crate::elf::kernel_build_id().map_or(0, |b| self.string(&b));
            self.kernel = Some(proto::Mapping {
                // Id 1 is the kernel's: user mappings are numbered after it.
                id: 1,
                memory_start: addr,
                memory_limit: addr + 1,
                filename,
                build_id,
                has_functions: true,
                ..Default::default()
            });
        }
        let k = self.kernel.as_mut().expect("made above");
        k.memory_start = k.memory_start.min(addr);
        k.memory_limit = k.memory_limit.max(addr + 1);
        k.id
    }

    /// The mapping of `pid`'s memory that holds `addr` (0: none known).
    fn user_mapping(&mut self, resolver: &StackResolver, pid: u32, addr: u64) -> u64 {
        let Some(vma) = resolver.vma(pid, addr) else {
            return 0;
        };
        if let Some(&id) = self.mappings.get(&(pid, vma.start)) {
            return id;
        }
        let (filename, build_id) = match &vma.path {
            Some(path) => {
                use std::os::unix::ffi::OsStrExt;
                let name = self.string(&escaped(path.as_os_str().as_bytes()));
                let id = match self.build_ids.get(path) {
                    Some(&id) => id,
                    None => {
                        // Through /proc, the file the process mapped, in
                        // its own mount namespace; once gone, the path.
                        let live = PathBuf::from(format!(
                            "/proc/{pid}/map_files/{:x}-{:x}",
                            vma.start, vma.end
                        ));
                        let id = crate::elf::build_id(&live)
                            .or_else(|| crate::elf::build_id(path))
                            .map_or(0, |b| self.string(&b));
                        self.build_ids.insert(path.clone(), id);
                        id
                    }
                };
                (name, id)
            }
            None => (0, 0),
        };
        let id = self.profile.mapping.len() as u64 + 2;
        let mapping = proto::Mapping {
            id,
            memory_start: vma.start,
            memory_limit: vma.end,
            file_offset: vma.offset,
            filename,
            build_id,
            has_functions: true,
        };
        // pprof takes mapping[0] for the main binary (its -top header
        // names it): a process's own program goes first, not its libc.
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        if exe.is_some() && exe == vma.path {
            self.profile.mapping.insert(0, mapping);
        } else {
            self.profile.mapping.push(mapping);
        }
        self.mappings.insert((pid, vma.start), id);
        id
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use flate2::{write::GzEncoder, Compression};
    let mut gz = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::default());
    gz.write_all(bytes).expect("writing to memory");
    gz.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    fn decoded(path: &std::path::Path) -> proto::Profile {
        use std::io::Read;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(File::open(path).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        proto::Profile::decode(&bytes[..]).unwrap()
    }

    #[test]
    fn samples_frames_and_labels_as_pprof_reads_them() {
        let path = std::env::temp_dir().join(format!("bpftk-pprof-{}", std::process::id()));
        let mut p = Pprof::create(Measure::sampled("cpu", 10_000_000), Some(&path)).unwrap();
        p.begin("Sampling at 100 Hertz");
        let r = StackResolver::new();
        let (kaddrs, knames) = (
            [0xffff_0001, 0xffff_0002, 0xffff_0003],
            v(&["leaf_k", "entry"]),
        );
        let (uaddrs, unames) = ([0x1000, 0x2000], v(&["leaf_u", "main"]));
        let labels = |comm| {
            vec![
                ("pid", LabelValue::Num(7)),
                ("comm", LabelValue::Bytes(comm)),
            ]
        };
        p.add(
            &r,
            &PprofSample {
                kernel: Some(Frames::of(Some(&kaddrs), Some(&knames))),
                user: Some((7, Frames::of(Some(&uaddrs), Some(&unames)))),
                count: 3,
                labels: labels(b"ev\xffil\n"),
            },
        );
        p.add(
            &r,
            &PprofSample {
                kernel: Some(Frames::Lost),
                user: Some((7, Frames::of(Some(&uaddrs[1..]), Some(&unames[1..])))),
                count: 1,
                labels: labels(b"app"),
            },
        );
        p.write();
        let got = decoded(&path);
        std::fs::remove_file(&path).unwrap();
        let s = |i: i64| got.string_table[i as usize].as_str();
        assert_eq!(s(0), "");
        let types: Vec<(&str, &str)> = got
            .sample_type
            .iter()
            .map(|t| (s(t.r#type), s(t.unit)))
            .collect();
        assert_eq!(types, [("samples", "count"), ("cpu", "nanoseconds")]);
        assert_eq!(s(got.default_sample_type), "cpu");
        assert_eq!(got.period, 10_000_000);
        assert_eq!(s(got.comment[0]), "Sampling at 100 Hertz");
        assert!(got.time_nanos > 0);
        assert_eq!(got.sample[0].value, [3, 30_000_000]);
        let frames = |i: usize| -> Vec<(&str, u64)> {
            got.sample[i]
                .location_id
                .iter()
                .map(|id| {
                    let l = &got.location[*id as usize - 1];
                    let f = &got.function[l.line[0].function_id as usize - 1];
                    (s(f.name), l.address)
                })
                .collect()
        };
        // Leaf first; the kernel's innermost (BPF) address has no name.
        assert_eq!(
            frames(0),
            [
                ("leaf_k", 0xffff_0002),
                ("entry", 0xffff_0003),
                ("leaf_u", 0x1000),
                ("main", 0x2000)
            ]
        );
        assert_eq!(frames(1), [(MISSED_KERNEL, 0), ("main", 0x2000)]);
        // One location per address: main is shared.
        assert_eq!(got.sample[0].location_id[3], got.sample[1].location_id[1]);
        let comm = &got.sample[0].label[1];
        assert_eq!((s(comm.key), s(comm.str)), ("comm", r"ev\xffil\n"));
        assert_eq!(
            (s(got.sample[0].label[0].key), got.sample[0].label[0].num),
            ("pid", 7)
        );
        // Kernel frames are in the kernel's mapping, listed last; user
        // addresses this process never mapped are in none.
        let kernel = got.mapping.last().unwrap();
        assert_eq!(s(kernel.filename), KERNEL);
        assert_eq!(
            (kernel.memory_start, kernel.memory_limit),
            (0xffff_0002, 0xffff_0004)
        );
        assert!(kernel.has_functions);
        assert_eq!(got.location[0].mapping_id, kernel.id);
        assert_eq!(got.location[2].mapping_id, 0);
    }

    #[test]
    fn user_frames_are_in_mappings_of_their_files_with_build_ids() {
        let path = std::env::temp_dir().join(format!("bpftk-pprof-map-{}", std::process::id()));
        let mut p = Pprof::create(Measure::total("calls", "count"), Some(&path)).unwrap();
        let mut r = StackResolver::new();
        let me = std::process::id();
        let addr = user_frames_are_in_mappings_of_their_files_with_build_ids as *const () as u64;
        let names = r.user(me, &[addr]);
        p.add(
            &r,
            &PprofSample {
                kernel: None,
                user: Some((me, Frames::of(Some(&[addr]), Some(&names)))),
                count: 2,
                labels: Vec::new(),
            },
        );
        p.write();
        let got = decoded(&path);
        std::fs::remove_file(&path).unwrap();
        let s = |i: i64| got.string_table[i as usize].as_str();
        assert_eq!(got.sample[0].value, [2]);
        assert_eq!(got.mapping.len(), 1);
        let m = &got.mapping[0];
        let exe = std::env::current_exe().unwrap();
        assert_eq!(s(m.filename), exe.to_str().unwrap());
        assert_eq!(s(m.build_id), crate::elf::build_id(&exe).unwrap());
        assert!(m.memory_start <= addr && addr < m.memory_limit);
        let f = &got.function[0];
        assert!(
            s(f.name).contains("user_frames_are_in_mappings"),
            "{}",
            s(f.name)
        );
    }

    #[test]
    fn a_bad_path_fails_at_once() {
        let e = Pprof::create(
            Measure::total("calls", "count"),
            Some("/nonexistent/x.pb.gz".as_ref()),
        )
        .err()
        .unwrap();
        assert!(
            format!("{e:#}").starts_with("cannot create /nonexistent/x.pb.gz: "),
            "{e:#}"
        );
    }
}
