//! Environment checks: privileges, kernel BTF, tracefs. Each failure is one
//! line that says what is missing and what to do.

use std::fs;
use std::path::Path;

use anyhow::{bail, Result};

use crate::verbose;

pub const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";
pub const TRACEFS: &str = "/sys/kernel/tracing";
const TRACEFS_LEGACY: &str = "/sys/kernel/debug/tracing";

const CAP_SYS_ADMIN: u32 = 21;
const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;

/// The running kernel's (major, minor) version, from its release string
/// ("6.1.0-57-cloud-amd64"); None when it cannot be read.
pub fn kernel_version() -> Option<(u32, u32)> {
    parse_release(&fs::read_to_string("/proc/sys/kernel/osrelease").ok()?)
}

fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut numbers = release.trim().split(|c: char| !c.is_ascii_digit());
    let major = numbers.next()?.parse().ok()?;
    let minor = numbers.next()?.parse().ok()?;
    Some((major, minor))
}

/// Fields of /proc/meminfo by name (`Buffers`, `Cached`), in KiB.
pub fn meminfo_kib<const N: usize>(names: [&str; N]) -> Result<[u64; N]> {
    let text = fs::read_to_string("/proc/meminfo")
        .map_err(|e| anyhow::anyhow!("cannot read /proc/meminfo: {e}"))?;
    let mut values = [0; N];
    for (value, name) in values.iter_mut().zip(names) {
        *value = text
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .ok_or_else(|| anyhow::anyhow!("/proc/meminfo has no {name} line"))?;
    }
    Ok(values)
}

/// The size of a memory page in bytes (4096 on x86_64).
pub fn page_size() -> u64 {
    // SAFETY: sysconf reads a constant of the C library; no memory is passed.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

/// The address of the kernel symbol `name` (a variable, say) in
/// /proc/kallsyms; None where it is not listed, as data symbols are not in
/// a kernel built without CONFIG_KALLSYMS_ALL, or where addresses are
/// hidden (kptr_restrict: all zeros).
pub fn kernel_symbol(name: &str) -> Option<u64> {
    let text = fs::read_to_string("/proc/kallsyms").ok()?;
    symbol_in(&text, name)
}

fn symbol_in(kallsyms: &str, name: &str) -> Option<u64> {
    kallsyms.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let (addr, _kind, sym) = (f.next()?, f.next()?, f.next()?);
        let addr = u64::from_str_radix(addr, 16).ok()?;
        (sym == name && addr != 0).then_some(addr)
    })
}

/// Raise the soft limit on open files to the hard one: each program, map
/// and link is a descriptor, and a tool with many hooks needs more than the
/// usual soft limit allows on some systems.
pub fn raise_fd_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
        }
    }
}

/// When a failure is likely the open-files limit (a verifier complaint
/// about an fd that is no map, say): the sentence that says so.
pub fn fd_limit_problem() -> Option<String> {
    use nix::sys::resource::{getrlimit, Resource};
    let (soft, _) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    // Not even the directory listing them can be opened: the limit is reached.
    let open = match fs::read_dir("/proc/self/fd") {
        Ok(d) => d.count() as u64,
        Err(e) if e.raw_os_error() == Some(libc::EMFILE) => soft,
        Err(_) => return None,
    };
    (open + 8 >= soft)
        .then(|| format!("too many open files: the limit is {soft} (raise it with ulimit -n)"))
}

/// Everything a tool needs before it opens its BPF object. tracefs is not
/// among them: only tracepoint, kprobe and uprobe hooks need it, and the
/// planner says so when it is what keeps a tool from every hook.
pub fn check() -> Result<()> {
    check_privileges(effective_caps()?)?;
    check_btf()?;
    ensure_tracefs();
    raise_fd_limit();
    Ok(())
}

fn effective_caps() -> Result<u64> {
    let status = fs::read_to_string("/proc/self/status")?;
    parse_cap_eff(&status)
        .ok_or_else(|| anyhow::anyhow!("cannot read CapEff from /proc/self/status"))
}

fn parse_cap_eff(status: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

/// BPF tracing needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN on kernels before 5.8).
pub fn check_privileges(caps: u64) -> Result<()> {
    let has = |cap: u32| caps & (1u64 << cap) != 0;
    if has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON)) {
        return Ok(());
    }
    let missing: Vec<&str> = [(CAP_BPF, "CAP_BPF"), (CAP_PERFMON, "CAP_PERFMON")]
        .iter()
        .filter(|(c, _)| !has(*c))
        .map(|(_, n)| *n)
        .collect();
    bail!(
        "insufficient privileges: missing {} (run as root, e.g. with sudo)",
        missing.join(" and ")
    )
}

/// The BTF file given with --btf (or BPFTK_BTF), once checked.
static BTF_FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// Take the kernel's types from `path` (--btf): it must be a BTF file.
pub fn use_btf_file(path: &Path) -> Result<()> {
    if let Err(e) = fs::File::open(path) {
        bail!("cannot read BTF from {}: {e}", path.display());
    }
    if libbpf_rs::btf::Btf::from_path(path).is_err() {
        bail!("{} is not a BTF file (--btf takes raw BTF, as /sys/kernel/btf/vmlinux holds, or an ELF file with a .BTF section)", path.display());
    }
    let _ = BTF_FILE.set(path.to_path_buf());
    if has_kernel_btf() {
        verbose!("the kernel's types are taken from {}", path.display());
    } else {
        verbose!(
            "the kernel's types are taken from {}; without the kernel's own BTF, tp_btf and fentry hooks are left out",
            path.display()
        );
    }
    Ok(())
}

/// The BTF file the tools take the kernel's types from when it is not the
/// kernel's own (--btf).
pub fn btf_file() -> Option<&'static Path> {
    BTF_FILE.get().map(|p| p.as_path())
}

/// Whether the kernel's own BTF is there for libbpf: tp_btf and fentry
/// programs need it to name their targets, whatever --btf says.
pub fn has_kernel_btf() -> bool {
    Path::new(VMLINUX_BTF).exists()
}

fn check_btf() -> Result<()> {
    if has_kernel_btf() || btf_file().is_some() {
        return Ok(());
    }
    bail!(
        "kernel BTF not found at {VMLINUX_BTF}: give a BTF file for this kernel with --btf PATH \
         (or BPFTK_BTF=PATH), e.g. made from its debug symbols by `pahole --btf_encode_detached`, \
         or use a kernel built with CONFIG_DEBUG_INFO_BTF=y"
    )
}

/// The directory where tracefs is mounted, if it is there and readable.
pub fn tracefs() -> Option<&'static str> {
    [TRACEFS, TRACEFS_LEGACY]
        .into_iter()
        .find(|d| Path::new(d).join("events").is_dir())
}

/// Why tracefs cannot be used, when it cannot: not mounted, or mounted
/// where this process may not look (mode 0700 and no CAP_DAC_READ_SEARCH,
/// as with CAP_BPF and CAP_PERFMON alone).
pub fn tracefs_problem() -> Option<String> {
    if tracefs().is_some() {
        return None;
    }
    let mounts = fs::read_to_string("/proc/self/mounts").unwrap_or_default();
    let mounted = mounts.lines().find_map(|l| {
        let mut f = l.split_whitespace();
        let (_, dir, fstype) = (f.next()?, f.next()?, f.next()?);
        (fstype == "tracefs").then(|| dir.to_string())
    });
    Some(match mounted {
        Some(dir) => format!(
            "tracefs at {dir} is not readable by this process: tracepoint and kprobe \
             hooks need root or CAP_DAC_READ_SEARCH"
        ),
        None => format!("tracefs is not mounted: run `mount -t tracefs tracefs {TRACEFS}` as root"),
    })
}

/// libbpf resolves tracepoints through tracefs: mount it when it is missing
/// and we may. Failing that is no error yet: a tool may need none of it.
fn ensure_tracefs() {
    if tracefs_problem().is_none_or(|p| !p.starts_with("tracefs is not mounted")) {
        return;
    }
    use nix::mount::{mount, MsFlags};
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    match mount(
        Some("tracefs"),
        TRACEFS,
        Some("tracefs"),
        flags,
        None::<&str>,
    ) {
        Ok(()) => verbose!("mounted tracefs at {TRACEFS}"),
        Err(e) => verbose!("cannot mount tracefs at {TRACEFS}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_has_buffers_and_cached() {
        let [b, c] = meminfo_kib(["Buffers", "Cached"]).unwrap();
        assert!(c > 0 && b < c * 1000, "{b} {c}");
        let e = meminfo_kib(["NoSuchField"]).unwrap_err().to_string();
        assert_eq!(e, "/proc/meminfo has no NoSuchField line");
    }

    #[test]
    fn kernel_symbols_by_exact_name() {
        let k = "ffffffff82a0b040 D vm_zone_stat\nffffffff815d7a80 t fold_vm_zone_numa_events\n\
                 0000000000000000 D hidden\nffffffffc0a01000 t nfs_read\t[nfs]\n";
        assert_eq!(symbol_in(k, "vm_zone_stat"), Some(0xffff_ffff_82a0_b040));
        assert_eq!(symbol_in(k, "vm_zone"), None);
        assert_eq!(
            symbol_in(k, "hidden"),
            None,
            "kptr_restrict hides addresses as 0"
        );
        assert_eq!(symbol_in(k, "nfs_read"), Some(0xffff_ffff_c0a0_1000));
    }

    #[test]
    fn reads_the_version_from_a_release_string() {
        assert_eq!(parse_release("6.1.0-57-cloud-amd64\n"), Some((6, 1)));
        assert_eq!(parse_release("5.10.223"), Some((5, 10)));
        assert_eq!(parse_release("6.12.117+deb12-cloud-amd64"), Some((6, 12)));
        assert_eq!(parse_release("weird"), None);
        assert!(kernel_version().is_some());
    }

    #[test]
    fn cap_eff_is_parsed() {
        let s = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
        assert_eq!(parse_cap_eff(s), Some(0x1ff_ffff_ffff));
    }

    #[test]
    fn privileges_need_bpf_and_perfmon() {
        assert!(check_privileges(1 << CAP_SYS_ADMIN).is_ok());
        assert!(check_privileges((1 << CAP_BPF) | (1 << CAP_PERFMON)).is_ok());
        let e = check_privileges(1 << CAP_BPF).unwrap_err().to_string();
        assert!(e.contains("missing CAP_PERFMON"), "{e}");
        let e = check_privileges(0).unwrap_err().to_string();
        assert!(e.contains("CAP_BPF and CAP_PERFMON"), "{e}");
    }
}
