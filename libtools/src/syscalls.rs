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

/// The attach points of a family of syscalls by their tracepoints, with the
/// programs named by the convention of the syscall tools: `tp_enter_<call>`
/// on syscalls:sys_enter_<call>, `tp_exit_<call>` on sys_exit_<call>. A
/// call marked `?` is optional (the kernel or architecture may lack it).
/// After the calls, `raw` adds the raw sys_enter/sys_exit fallback of
/// bpf/syscalls.bpf.h (`raw_sys_enter`, `raw_sys_exit`).
///
/// ```ignore
/// syscall_hooks!("stat entry", "stat exit"; statfs?, statx; raw)  // Vec<AttachPoint>, both
/// syscall_hooks!("sync entry"; sync, fsync?)                       // entry only
/// ```
#[macro_export]
macro_rules! syscall_hooks {
    ($entry:literal, $exit:literal; $($calls:tt)+) => {
        $crate::syscall_hooks!(@points [$entry "enter" sys_enter, $exit "exit" sys_exit] ($($calls)+))
    };
    ($entry:literal; $($calls:tt)+) => {
        $crate::syscall_hooks!(@points [$entry "enter" sys_enter] ($($calls)+))
    };
    (@points [$($what:literal $dir:literal $raw:ident),+] $calls:tt) => {
        vec![$($crate::syscall_hooks!(@start $what $dir $raw $calls)),+]
    };
    (@start $what:literal $dir:literal $raw:ident ($($calls:tt)+)) => {
        $crate::syscall_hooks!(@point $what $dir $raw [] $($calls)+)
    };
    // One call at a time, into the [progs] list, until the end or `; raw`.
    (@point $what:literal $dir:literal $raw:ident [$($p:expr),*] , $($rest:tt)+) => {
        $crate::syscall_hooks!(@point $what $dir $raw [$($p),*] $($rest)+)
    };
    (@point $what:literal $dir:literal $raw:ident [$($p:expr),*] $call:ident ? $($rest:tt)*) => {
        $crate::syscall_hooks!(@point $what $dir $raw
            [$($p,)* $crate::syscall_hooks!(@prog $dir $call).optional()] $($rest)*)
    };
    (@point $what:literal $dir:literal $raw:ident [$($p:expr),*] $call:ident $($rest:tt)*) => {
        $crate::syscall_hooks!(@point $what $dir $raw
            [$($p,)* $crate::syscall_hooks!(@prog $dir $call)] $($rest)*)
    };
    (@point $what:literal $dir:literal $raw:ident [$($p:expr),*] ; raw) => {
        $crate::syscall_hooks!(@point $what $dir $raw [$($p),*])
            .or([$crate::Prog::raw_tp(concat!("raw_", stringify!($raw)), stringify!($raw))])
    };
    (@point $what:literal $dir:literal $raw:ident [$($p:expr),*]) => {
        $crate::AttachPoint::new($what).or([$($p),*])
    };
    (@prog $dir:literal $call:ident) => {
        $crate::Prog::tracepoint(
            concat!("tp_", $dir, "_", stringify!($call)),
            concat!("syscalls:sys_", $dir, "_", stringify!($call)),
        )
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_hooks_follow_the_naming_convention() {
        let points = crate::syscall_hooks!("x entry", "x exit"; statx, newstat?; raw);
        assert_eq!(points.len(), 2);
        let names = |p: &crate::AttachPoint| -> Vec<Vec<(&str, String, bool)>> {
            p.alternatives
                .iter()
                .map(|alt| {
                    alt.iter()
                        .map(|g| (g.name, g.target.to_string(), g.optional))
                        .collect()
                })
                .collect()
        };
        assert_eq!(points[1].what, "x exit");
        assert_eq!(
            names(&points[1]),
            [
                vec![
                    ("tp_exit_statx", "syscalls:sys_exit_statx".into(), false),
                    ("tp_exit_newstat", "syscalls:sys_exit_newstat".into(), true),
                ],
                vec![("raw_sys_exit", "sys_exit".into(), false)],
            ]
        );
        let entry_only = crate::syscall_hooks!("y entry"; sync);
        assert_eq!(entry_only.len(), 1);
        assert_eq!(names(&entry_only[0])[0][0].0, "tp_enter_sync");
    }

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
