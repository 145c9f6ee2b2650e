//! Names for kernel numbers: errno values (and, as tools need them, signals,
//! capabilities, syscalls).

/// Linux errno names, 1..=133 (identical on x86_64 and arm64); 41 and 58 are unused.
const ERRNO: [&str; 133] = [
    "EPERM",
    "ENOENT",
    "ESRCH",
    "EINTR",
    "EIO",
    "ENXIO",
    "E2BIG",
    "ENOEXEC",
    "EBADF",
    "ECHILD",
    "EAGAIN",
    "ENOMEM",
    "EACCES",
    "EFAULT",
    "ENOTBLK",
    "EBUSY",
    "EEXIST",
    "EXDEV",
    "ENODEV",
    "ENOTDIR",
    "EISDIR",
    "EINVAL",
    "ENFILE",
    "EMFILE",
    "ENOTTY",
    "ETXTBSY",
    "EFBIG",
    "ENOSPC",
    "ESPIPE",
    "EROFS",
    "EMLINK",
    "EPIPE",
    "EDOM",
    "ERANGE",
    "EDEADLK",
    "ENAMETOOLONG",
    "ENOLCK",
    "ENOSYS",
    "ENOTEMPTY",
    "ELOOP",
    "",
    "ENOMSG",
    "EIDRM",
    "ECHRNG",
    "EL2NSYNC",
    "EL3HLT",
    "EL3RST",
    "ELNRNG",
    "EUNATCH",
    "ENOCSI",
    "EL2HLT",
    "EBADE",
    "EBADR",
    "EXFULL",
    "ENOANO",
    "EBADRQC",
    "EBADSLT",
    "",
    "EBFONT",
    "ENOSTR",
    "ENODATA",
    "ETIME",
    "ENOSR",
    "ENONET",
    "ENOPKG",
    "EREMOTE",
    "ENOLINK",
    "EADV",
    "ESRMNT",
    "ECOMM",
    "EPROTO",
    "EMULTIHOP",
    "EDOTDOT",
    "EBADMSG",
    "EOVERFLOW",
    "ENOTUNIQ",
    "EBADFD",
    "EREMCHG",
    "ELIBACC",
    "ELIBBAD",
    "ELIBSCN",
    "ELIBMAX",
    "ELIBEXEC",
    "EILSEQ",
    "ERESTART",
    "ESTRPIPE",
    "EUSERS",
    "ENOTSOCK",
    "EDESTADDRREQ",
    "EMSGSIZE",
    "EPROTOTYPE",
    "ENOPROTOOPT",
    "EPROTONOSUPPORT",
    "ESOCKTNOSUPPORT",
    "EOPNOTSUPP",
    "EPFNOSUPPORT",
    "EAFNOSUPPORT",
    "EADDRINUSE",
    "EADDRNOTAVAIL",
    "ENETDOWN",
    "ENETUNREACH",
    "ENETRESET",
    "ECONNABORTED",
    "ECONNRESET",
    "ENOBUFS",
    "EISCONN",
    "ENOTCONN",
    "ESHUTDOWN",
    "ETOOMANYREFS",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EHOSTDOWN",
    "EHOSTUNREACH",
    "EALREADY",
    "EINPROGRESS",
    "ESTALE",
    "EUCLEAN",
    "ENOTNAM",
    "ENAVAIL",
    "EISNAM",
    "EREMOTEIO",
    "EDQUOT",
    "ENOMEDIUM",
    "EMEDIUMTYPE",
    "ECANCELED",
    "ENOKEY",
    "EKEYEXPIRED",
    "EKEYREVOKED",
    "EKEYREJECTED",
    "EOWNERDEAD",
    "ENOTRECOVERABLE",
    "ERFKILL",
    "EHWPOISON",
];

pub fn errno_name(e: i32) -> Option<&'static str> {
    let e = e.unsigned_abs() as usize;
    ERRNO
        .get(e.checked_sub(1)?)
        .copied()
        .filter(|n| !n.is_empty())
}

/// Linux signal names, 1..=31 (identical on x86_64 and arm64).
const SIGNALS: [&str; 31] = [
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
];

/// What glibc's strsignal(3) says of signals 1..=31 (in the C locale, as
/// libbpf-tools runs): `Killed` for SIGKILL.
const SIGNAL_DESCRIPTIONS: [&str; 31] = [
    "Hangup",
    "Interrupt",
    "Quit",
    "Illegal instruction",
    "Trace/breakpoint trap",
    "Aborted",
    "Bus error",
    "Floating point exception",
    "Killed",
    "User defined signal 1",
    "Segmentation fault",
    "User defined signal 2",
    "Broken pipe",
    "Alarm clock",
    "Terminated",
    "Stack fault",
    "Child exited",
    "Continued",
    "Stopped (signal)",
    "Stopped",
    "Stopped (tty input)",
    "Stopped (tty output)",
    "Urgent I/O condition",
    "CPU time limit exceeded",
    "File size limit exceeded",
    "Virtual timer expired",
    "Profiling timer expired",
    "Window changed",
    "I/O possible",
    "Power failure",
    "Bad system call",
];

/// The name of signal `n` (1..=31), e.g. `SIGKILL` for 9.
pub fn signal_name(n: i32) -> Option<&'static str> {
    SIGNALS
        .get(usize::try_from(n).ok()?.checked_sub(1)?)
        .copied()
}

const CAPABILITIES: [&str; 41] = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The name of capability `n`, e.g. `CAP_SYS_NICE` for 23.
pub fn capability_name(n: i32) -> Option<&'static str> {
    CAPABILITIES.get(usize::try_from(n).ok()?).copied()
}

/// An errno given by number or name (`ENOENT`, `2`).
pub fn parse_errno(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (n > 0 && errno_name(n).is_some()).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    (1..=200).find(|&n| errno_name(n) == Some(upper.as_str()))
}

/// A signal given by number (1..=64) or name (`SIGKILL`, `KILL`, `kill`).
pub fn parse_signal(s: &str) -> Option<i32> {
    if let Ok(n) = s.parse::<i32>() {
        return (1..=64).contains(&n).then_some(n);
    }
    let upper = s.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS
        .iter()
        .position(|&known| &known[3..] == name)
        .map(|i| i as i32 + 1)
}

/// `A | B | 0x40` for the bits of `flags` named in `table` (unnamed bits in
/// hex), or `0x0`.
pub fn flag_names(flags: u64, table: &[(u64, &str)]) -> String {
    if flags == 0 {
        return "0x0".into();
    }
    let mut parts = Vec::new();
    let mut left = flags;
    for &(bit, name) in table {
        if bit != 0 && flags & bit == bit {
            parts.push(name.to_string());
            left &= !bit;
        }
    }
    if left != 0 {
        parts.push(format!("{left:#x}"));
    }
    parts.join(" | ")
}

/// A return value as libbpf-tools shows it: `0`, a count or fd, or `-ENOENT`.
pub fn return_value(ret: i32) -> String {
    match ret {
        r if r < 0 => errno_name(-r).map_or_else(|| r.to_string(), |n| format!("-{n}")),
        r => r.to_string(),
    }
}

/// A directory fd argument: `AT_FDCWD`, or its number.
pub fn dirfd(fd: i32) -> String {
    if fd == libc::AT_FDCWD {
        "AT_FDCWD".into()
    } else {
        fd.to_string()
    }
}

/// Signal `n` described as glibc's strsignal(3) does: `Killed` for 9,
/// `Real-time signal 0` for 34 (SIGRTMIN), `Unknown signal 32`.
pub fn signal_description(n: i32) -> String {
    match n {
        1..=31 => SIGNAL_DESCRIPTIONS[n as usize - 1].to_string(),
        34..=64 => format!("Real-time signal {}", n - 34),
        _ => format!("Unknown signal {n}"),
    }
}

/// How a task ended, from its `exit_code` (a wait(2) status) as
/// libbpf-tools' exitsnoop shows it: `0`, `code N`, or `signal N (DESC)`,
/// DESC as strsignal(3) has it (`signal 9 (Killed)`), with `, core dumped`.
pub fn exit_status(exit_code: u32) -> String {
    if exit_code == 0 {
        return "0".into();
    }
    let code = (exit_code >> 8) & 0xff;
    let sig = (exit_code & 0x7f) as i32;
    let core = exit_code & 0x80 != 0;
    if code != 0 {
        return format!("code {code}");
    }
    let mut s = format!("signal {sig} ({})", signal_description(sig));
    if core {
        s.push_str(", core dumped");
    }
    s
}

/// open(2)'s flags by name, for -f filters.
pub const OPEN_FLAGS: &[(&str, i32)] = &[
    ("O_RDONLY", libc::O_RDONLY),
    ("O_WRONLY", libc::O_WRONLY),
    ("O_RDWR", libc::O_RDWR),
    ("O_CREAT", libc::O_CREAT),
    ("O_EXCL", libc::O_EXCL),
    ("O_NOCTTY", libc::O_NOCTTY),
    ("O_TRUNC", libc::O_TRUNC),
    ("O_APPEND", libc::O_APPEND),
    ("O_NONBLOCK", libc::O_NONBLOCK),
    ("O_DSYNC", libc::O_DSYNC),
    ("O_ASYNC", libc::O_ASYNC),
    ("O_DIRECT", libc::O_DIRECT),
    ("O_LARGEFILE", libc::O_LARGEFILE),
    ("O_DIRECTORY", libc::O_DIRECTORY),
    ("O_NOFOLLOW", libc::O_NOFOLLOW),
    ("O_NOATIME", libc::O_NOATIME),
    ("O_CLOEXEC", libc::O_CLOEXEC),
    ("O_SYNC", libc::O_SYNC),
    ("O_PATH", libc::O_PATH),
    ("O_TMPFILE", libc::O_TMPFILE),
];

/// An open(2) flag by name, with or without its O_ (any case).
pub fn parse_open_flag(s: &str) -> std::result::Result<i32, String> {
    let want = s.to_ascii_uppercase();
    let want = if want.starts_with("O_") {
        want
    } else {
        format!("O_{want}")
    };
    OPEN_FLAGS
        .iter()
        .find(|(n, _)| *n == want)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = OPEN_FLAGS.iter().map(|(n, _)| *n).collect();
            format!("unknown flag {s} (one of {})", names.join(", "))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_read_like_libbpf_tools() {
        assert_eq!(exit_status(0), "0");
        assert_eq!(exit_status(3 << 8), "code 3");
        assert_eq!(exit_status(9), "signal 9 (Killed)");
        assert_eq!(
            exit_status(0x80 | 11),
            "signal 11 (Segmentation fault), core dumped"
        );
        assert_eq!(exit_status(15), "signal 15 (Terminated)");
    }

    #[test]
    #[cfg(target_env = "gnu")]
    fn signal_descriptions_are_strsignals() {
        // glibc's strsignal(3) in the C locale, which libbpf-tools prints.
        for n in 0..=65 {
            // SAFETY: strsignal returns a NUL-terminated string; this test
            // reads it before any other call to strsignal.
            let libc = unsafe { std::ffi::CStr::from_ptr(libc::strsignal(n)) };
            assert_eq!(signal_description(n), libc.to_str().unwrap(), "signal {n}");
        }
    }

    #[test]
    fn return_values_and_dirfds() {
        assert_eq!(return_value(0), "0");
        assert_eq!(return_value(3), "3");
        assert_eq!(return_value(-2), "-ENOENT");
        assert_eq!(return_value(-41), "-41");
        assert_eq!(dirfd(-100), "AT_FDCWD");
        assert_eq!(dirfd(4), "4");
    }

    #[test]
    fn errnos_by_name_or_number() {
        assert_eq!(parse_errno("ENOENT"), Some(2));
        assert_eq!(parse_errno("eacces"), Some(13));
        assert_eq!(parse_errno("2"), Some(2));
        assert_eq!(parse_errno("0"), None);
        assert_eq!(parse_errno("EBOGUS"), None);
    }

    #[test]
    fn flags_by_name() {
        let t = [(1, "A"), (2, "B"), (8, "D")];
        assert_eq!(flag_names(0, &t), "0x0");
        assert_eq!(flag_names(3, &t), "A | B");
        assert_eq!(flag_names(0x49, &t), "A | D | 0x40");
    }

    #[test]
    fn signals_by_name_or_number() {
        assert_eq!(parse_signal("9"), Some(9));
        assert_eq!(parse_signal("SIGKILL"), Some(9));
        assert_eq!(parse_signal("term"), Some(15));
        assert_eq!(parse_signal("USR1"), Some(10));
        assert_eq!(parse_signal("40"), Some(40));
        assert_eq!(parse_signal("0"), None);
        assert_eq!(parse_signal("65"), None);
        assert_eq!(parse_signal("SIGBOGUS"), None);
    }

    #[test]
    fn capability_names() {
        assert_eq!(capability_name(0), Some("CAP_CHOWN"));
        assert_eq!(capability_name(23), Some("CAP_SYS_NICE"));
        assert_eq!(capability_name(40), Some("CAP_CHECKPOINT_RESTORE"));
        assert_eq!(capability_name(41), None);
        assert_eq!(capability_name(-1), None);
    }

    #[test]
    fn signal_names() {
        assert_eq!(signal_name(9), Some("SIGKILL"));
        assert_eq!(signal_name(1), Some("SIGHUP"));
        assert_eq!(signal_name(31), Some("SIGSYS"));
        assert_eq!(signal_name(0), None);
        assert_eq!(signal_name(32), None);
        assert_eq!(signal_name(-9), None);
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno_name(2), Some("ENOENT"));
        assert_eq!(errno_name(-13), Some("EACCES"));
        assert_eq!(errno_name(11), Some("EAGAIN"));
        assert_eq!(errno_name(133), Some("EHWPOISON"));
        assert_eq!(errno_name(0), None);
        assert_eq!(errno_name(500), None);
    }

    #[test]
    fn open_flags_parse_by_name() {
        assert_eq!(parse_open_flag("O_WRONLY"), Ok(libc::O_WRONLY));
        assert_eq!(parse_open_flag("creat"), Ok(libc::O_CREAT));
        assert!(parse_open_flag("O_BOGUS")
            .unwrap_err()
            .contains("unknown flag O_BOGUS"));
    }
}
