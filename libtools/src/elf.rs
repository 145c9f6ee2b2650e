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

/// A binary named as the uprobe tools take it: a path (`/usr/bin/bash`), or
/// a library by short name (`c` for libc, `pthread`); it must define `func`.
pub fn resolve_function(binary: &str, func: &str) -> anyhow::Result<PathBuf> {
    let path = if binary.contains('/') {
        PathBuf::from(binary)
    } else {
        find_library(&format!("lib{binary}"))
            .ok_or_else(|| anyhow::anyhow!("no library lib{binary}.so found"))?
    };
    if !path.exists() {
        anyhow::bail!("{}: no such file", path.display());
    }
    if !defines(&path, func) {
        anyhow::bail!("{} does not define {func}", path.display());
    }
    Ok(path)
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
