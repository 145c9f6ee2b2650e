//! ELF files of user-space programs, for the uprobe tools: whether a
//! binary defines a function, and where the shared libraries are; and the
//! build IDs of files and of the kernel, for pprof's mappings.

use std::path::{Path, PathBuf};

use blazesym::inspect::{source::Elf, source::Source, Inspector};

/// Whether the ELF file at `path` defines `func` (in .symtab or .dynsym).
pub fn defines(path: &Path, func: &str) -> bool {
    let mut src = Elf::new(path);
    src.debug_syms = false;
    Inspector::new()
        .lookup(&Source::Elf(src), &[func])
        .is_ok_and(|found| found.first().is_some_and(|syms| !syms.is_empty()))
}

/// The directories the dynamic linker searches by default, multiarch first.
const LIB_DIRS: &[&str] = &[
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib64",
    "/usr/lib64",
    "/lib",
    "/usr/lib",
];

/// A shared library by its name stem (`libc`, `libreadline`): the first
/// `STEM.so.N`, else `STEM.so`, that is an ELF file (`libc.so` is often a
/// linker script) in the default library directories.
pub fn find_library(stem: &str) -> Option<PathBuf> {
    let is_elf = |p: &Path| {
        let mut magic = [0u8; 4];
        std::fs::File::open(p)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
            .is_ok_and(|_| magic == *b"\x7fELF")
    };
    for dir in LIB_DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<(bool, PathBuf)> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| {
                let name = p.file_name()?.to_str()?.to_string();
                let versioned = name.starts_with(&format!("{stem}.so."));
                (versioned || name == format!("{stem}.so")).then_some((!versioned, p))
            })
            .filter(|(_, p)| is_elf(p))
            .collect();
        found.sort();
        if let Some((_, p)) = found.into_iter().next() {
            return Some(p);
        }
    }
    None
}

/// The file behind a uprobe tool's `BINARY:FUNC`, resolved as
/// libbpf-tools resolves it, with bcc's library search as a last resort:
/// - `/PATH` (anything with a slash): that file;
/// - empty (`:FUNC`): the program of process `pid`, which must be given;
/// - `NAME` with `pid`: the library libNAME mapped in that process (its
///   name followed by `.` or `-`), else that process's program if it is
///   called NAME;
/// - `NAME` (and what the process did not have): the program NAME on
///   PATH, else the shared library libNAME (`c` is libc).
///
/// The file must define `func`.
pub fn resolve_function(binary: &str, func: &str, pid: Option<u32>) -> anyhow::Result<PathBuf> {
    let path = if binary.contains('/') {
        PathBuf::from(binary)
    } else if binary.is_empty() {
        let pid = pid.ok_or_else(|| {
            anyhow::anyhow!(":{func} names a function of a process's program: give -p PID")
        })?;
        PathBuf::from(format!("/proc/{pid}/exe"))
    } else {
        let in_process = pid.and_then(|pid| in_process(pid, binary));
        in_process
            .or_else(|| on_path(binary))
            .or_else(|| find_library(&format!("lib{binary}")))
            .ok_or_else(|| {
                let process = match pid {
                    Some(pid) => format!("process {pid} has no library lib{binary} and is not {binary}; "),
                    None => String::new(),
                };
                anyhow::anyhow!("{binary}: {process}no program {binary} on PATH and no library lib{binary}.so found")
            })?
    };
    if !path.exists() {
        anyhow::bail!("{}: no such file", path.display());
    }
    if !defines(&path, func) {
        anyhow::bail!("{} does not define {func}", path.display());
    }
    Ok(path)
}

/// The library libNAME that process `pid` has mapped, or its program if
/// that is called NAME; seen through /proc/PID/root when the process is
/// in another mount namespace (a container).
fn in_process(pid: u32, name: &str) -> Option<PathBuf> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    let lib = format!("lib{name}");
    let mapped = maps.lines().find_map(|line| {
        let path = line
            .split_whitespace()
            .nth(5)
            .filter(|p| p.starts_with('/'))?;
        let file = Path::new(path).file_name()?.to_str()?;
        let rest = file.strip_prefix(&lib)?;
        rest.starts_with(['.', '-']).then(|| path.to_string())
    });
    let own_ns = || {
        let ns = |p: &str| std::fs::read_link(format!("/proc/{p}/ns/mnt")).ok();
        ns("self").is_some() && ns("self") == ns(&pid.to_string())
    };
    if let Some(path) = mapped {
        return Some(match own_ns() {
            true => PathBuf::from(path),
            false => PathBuf::from(format!("/proc/{pid}/root{path}")),
        });
    }
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    (exe.file_name()? == name).then(|| PathBuf::from(format!("/proc/{pid}/exe")))
}

/// The program NAME in a directory of PATH, as `which` finds it.
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The GNU build ID of the ELF file at `path`, in hex, as pprof and
/// debuginfod spell it; None when it has none or cannot be read.
pub fn build_id(path: &Path) -> Option<String> {
    let id = blazesym::helper::read_elf_build_id(path).ok()??;
    Some(hex(&id))
}

/// The running kernel's build ID, from its notes (/sys/kernel/notes, the
/// kernel's .notes section, readable by root).
pub fn kernel_build_id() -> Option<String> {
    gnu_build_id_note(&std::fs::read("/sys/kernel/notes").ok()?).map(|id| hex(&id))
}

/// The NT_GNU_BUILD_ID note among ELF notes: each a header of name size,
/// description size and type (u32 each), then the name and the
/// description, each padded to 4 bytes.
fn gnu_build_id_note(mut notes: &[u8]) -> Option<Vec<u8>> {
    const NT_GNU_BUILD_ID: u32 = 3;
    let pad = |n: usize| n.div_ceil(4) * 4;
    while notes.len() >= 12 {
        let word = |i: usize| u32::from_ne_bytes(notes[i..i + 4].try_into().unwrap());
        let (namesz, descsz, kind) = (word(0) as usize, word(4) as usize, word(8));
        let desc = 12 + pad(namesz);
        let next = desc.checked_add(pad(descsz))?;
        if notes.len() < desc + descsz {
            return None;
        }
        if kind == NT_GNU_BUILD_ID && &notes[12..12 + namesz] == b"GNU\0" {
            return Some(notes[desc..desc + descsz].to_vec());
        }
        notes = notes.get(next..)?;
    }
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_libbpf_tools_resolves_them() {
        let me = std::process::id();
        // The process's own libc, its program, a program on PATH, a library.
        let libc = resolve_function("c", "getppid", Some(me)).unwrap();
        assert!(libc.to_string_lossy().contains("/libc"), "{libc:?}");
        let own = resolve_function("", "main", Some(me));
        assert!(own.is_ok() || own.unwrap_err().to_string().contains("does not define"));
        assert!(on_path("sh").is_some_and(|p| p.ends_with("sh")));
        assert!(on_path("bpftk-no-such-program").is_none());
        let c = resolve_function("c", "getppid", None).unwrap();
        assert!(c.to_string_lossy().contains("libc.so"), "{c:?}");
        let e = resolve_function("", "main", None).unwrap_err().to_string();
        assert_eq!(
            e,
            ":main names a function of a process's program: give -p PID"
        );
        let e = resolve_function("bpftknone", "f", Some(me))
            .unwrap_err()
            .to_string();
        assert_eq!(e, format!("bpftknone: process {me} has no library libbpftknone and is not bpftknone; no program bpftknone on PATH and no library libbpftknone.so found"));
    }

    #[test]
    fn build_ids_of_a_file_and_of_notes() {
        // The test binary itself: Rust links with a build ID on Linux.
        let me = std::env::current_exe().unwrap();
        let id = build_id(&me).expect("the test binary has a build ID");
        assert!(
            id.len() >= 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(build_id(Path::new("/nonexistent")), None);
        let mut notes = Vec::new();
        for (name, kind, desc) in [
            (&b"Linux\0"[..], 6u32, &[1u8, 2][..]),
            (b"GNU\0", 3, &[0xab, 0xcd, 0x01]),
        ] {
            notes.extend((name.len() as u32).to_ne_bytes());
            notes.extend((desc.len() as u32).to_ne_bytes());
            notes.extend(kind.to_ne_bytes());
            notes.extend(name);
            notes.resize(notes.len().div_ceil(4) * 4, 0);
            notes.extend(desc);
            notes.resize(notes.len().div_ceil(4) * 4, 0);
        }
        assert_eq!(
            gnu_build_id_note(&notes).map(|id| hex(&id)),
            Some("abcd01".into())
        );
        assert_eq!(gnu_build_id_note(&notes[..30]), None);
    }

    #[test]
    fn finds_libc_and_its_functions() {
        let libc = find_library("libc").expect("libc");
        assert!(defines(&libc, "pthread_create"), "{libc:?}");
        assert!(!defines(&libc, "bpftk_no_such_function"));
        assert!(!defines(Path::new("/nonexistent"), "main"));
        assert!(find_library("libbpftk-none").is_none());
    }
}
