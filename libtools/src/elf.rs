//! ELF files of user-space programs, for the uprobe tools: whether a
//! binary defines a function, and where the shared libraries are.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_libc_and_its_functions() {
        let libc = find_library("libc").expect("libc");
        assert!(defines(&libc, "pthread_create"), "{libc:?}");
        assert!(!defines(&libc, "bpftk_no_such_function"));
        assert!(!defines(Path::new("/nonexistent"), "main"));
        assert!(find_library("libbpftk-none").is_none());
    }
}
