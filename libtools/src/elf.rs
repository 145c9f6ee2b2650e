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
/// `STEM.so.N` (or `STEM.so`) in the default library directories.
pub fn find_library(stem: &str) -> Option<PathBuf> {
    for dir in LIB_DIRS {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n == format!("{stem}.so") || n.starts_with(&format!("{stem}.so."))
                })
            })
            .collect();
        found.sort();
        if let Some(p) = found.into_iter().next() {
            return Some(p);
        }
    }
    None
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
