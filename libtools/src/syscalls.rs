//! System calls by name and number, for the running architecture, from the
//! tables scripts/gen-syscalls generates (x86_64 and arm64).

#[rustfmt::skip]
#[path = "syscall_names.rs"]
mod names;

/// This architecture's table.
pub fn table() -> &'static [(u32, &'static str)] {
    if cfg!(target_arch = "aarch64") {
        names::AARCH64
    } else {
        names::X86_64
    }
}

/// The name of syscall `nr`, e.g. `getppid` for 110 on x86_64.
pub fn name(nr: u32) -> Option<&'static str> {
    let t = table();
    t.binary_search_by_key(&nr, |e| e.0).ok().map(|i| t[i].1)
}

/// The number of the syscall called `name`.
pub fn number(name: &str) -> Option<u32> {
    table().iter().find(|e| e.1 == name).map(|e| e.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_know_common_calls() {
        assert_eq!(
            names::X86_64.iter().find(|e| e.1 == "getppid").unwrap().0,
            110
        );
        assert_eq!(
            names::AARCH64.iter().find(|e| e.1 == "getppid").unwrap().0,
            173
        );
        assert_eq!(name(number("openat").unwrap()), Some("openat"));
        assert!(name(100_000).is_none());
        for t in [names::X86_64, names::AARCH64] {
            assert!(
                t.windows(2).all(|w| w[0].0 < w[1].0),
                "sorted, for the binary search"
            );
            assert!(t.len() > 300);
        }
    }
}
