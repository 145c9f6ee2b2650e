//! The mount family of system calls by name: mount(2)'s MS_* flags, the
//! flags of umount2(2), fsopen(2), fsmount(2) and move_mount(2), mount
//! attributes and fsconfig(2) commands, as <linux/mount.h> names them.

use crate::names::flag_names;

const MS: &[(u64, &str)] = &[
    (1 << 0, "MS_RDONLY"),
    (1 << 1, "MS_NOSUID"),
    (1 << 2, "MS_NODEV"),
    (1 << 3, "MS_NOEXEC"),
    (1 << 4, "MS_SYNCHRONOUS"),
    (1 << 5, "MS_REMOUNT"),
    (1 << 6, "MS_MANDLOCK"),
    (1 << 7, "MS_DIRSYNC"),
    (1 << 8, "MS_NOSYMFOLLOW"),
    (1 << 10, "MS_NOATIME"),
    (1 << 11, "MS_NODIRATIME"),
    (1 << 12, "MS_BIND"),
    (1 << 13, "MS_MOVE"),
    (1 << 14, "MS_REC"),
    (1 << 15, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
    (1 << 30, "MS_ACTIVE"),
    (1 << 31, "MS_NOUSER"),
];

/// The magic number old programs put in the top half of mount(2)'s flags;
/// the kernel then ignores that half (MS_MGC_MSK), and so do we.
const MS_MGC_VAL: u64 = 0xC0ED_0000;
const MS_MGC_MSK: u64 = 0xFFFF_0000;

/// mount(2)'s flags by name.
pub fn mount_flags(flags: u64) -> String {
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        let rest = flags & !MS_MGC_MSK;
        if rest == 0 {
            return "MS_MGC_VAL".into();
        }
        return format!("MS_MGC_VAL | {}", flag_names(rest, MS));
    }
    flag_names(flags, MS)
}

const UMOUNT: &[(u64, &str)] = &[
    (1, "MNT_FORCE"),
    (2, "MNT_DETACH"),
    (4, "MNT_EXPIRE"),
    (8, "UMOUNT_NOFOLLOW"),
];

/// umount2(2)'s flags by name.
pub fn umount_flags(flags: u64) -> String {
    flag_names(flags, UMOUNT)
}

/// fsopen(2)'s flags by name.
pub fn fsopen_flags(flags: u64) -> String {
    flag_names(flags, &[(1, "FSOPEN_CLOEXEC")])
}

/// fsmount(2)'s flags by name.
pub fn fsmount_flags(flags: u64) -> String {
    flag_names(flags, &[(1, "FSMOUNT_CLOEXEC")])
}

const MOUNT_ATTR: &[(u64, &str)] = &[
    (0x01, "MOUNT_ATTR_RDONLY"),
    (0x02, "MOUNT_ATTR_NOSUID"),
    (0x04, "MOUNT_ATTR_NODEV"),
    (0x08, "MOUNT_ATTR_NOEXEC"),
    (0x10, "MOUNT_ATTR_NOATIME"),
    (0x20, "MOUNT_ATTR_STRICTATIME"),
    (0x80, "MOUNT_ATTR_NODIRATIME"),
    (0x10_0000, "MOUNT_ATTR_IDMAP"),
    (0x20_0000, "MOUNT_ATTR_NOSYMFOLLOW"),
];

/// fsmount(2)'s mount attributes by name.
pub fn mount_attrs(attrs: u64) -> String {
    flag_names(attrs, MOUNT_ATTR)
}

const MOVE_MOUNT: &[(u64, &str)] = &[
    (0x001, "MOVE_MOUNT_F_SYMLINKS"),
    (0x002, "MOVE_MOUNT_F_AUTOMOUNTS"),
    (0x004, "MOVE_MOUNT_F_EMPTY_PATH"),
    (0x010, "MOVE_MOUNT_T_SYMLINKS"),
    (0x020, "MOVE_MOUNT_T_AUTOMOUNTS"),
    (0x040, "MOVE_MOUNT_T_EMPTY_PATH"),
    (0x100, "MOVE_MOUNT_SET_GROUP"),
    (0x200, "MOVE_MOUNT_BENEATH"),
];

/// move_mount(2)'s flags by name.
pub fn move_mount_flags(flags: u64) -> String {
    flag_names(flags, MOVE_MOUNT)
}

const FSCONFIG_CMDS: [&str; 9] = [
    "FSCONFIG_SET_FLAG",
    "FSCONFIG_SET_STRING",
    "FSCONFIG_SET_BINARY",
    "FSCONFIG_SET_PATH",
    "FSCONFIG_SET_PATH_EMPTY",
    "FSCONFIG_SET_FD",
    "FSCONFIG_CMD_CREATE",
    "FSCONFIG_CMD_RECONFIGURE",
    "FSCONFIG_CMD_CREATE_EXCL",
];

/// fsconfig(2)'s command by name, `UNKNOWN` for a number it does not know.
pub fn fsconfig_cmd(cmd: i32) -> &'static str {
    usize::try_from(cmd)
        .ok()
        .and_then(|c| FSCONFIG_CMDS.get(c))
        .copied()
        .unwrap_or("UNKNOWN")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_magic_number_is_named_and_not_read_as_flags() {
        assert_eq!(mount_flags(0xC0ED_0000), "MS_MGC_VAL");
        assert_eq!(
            mount_flags(0xC0ED_0000 | 1 | (1 << 12)),
            "MS_MGC_VAL | MS_RDONLY | MS_BIND"
        );
        // Without the magic number the top half holds real flags.
        assert_eq!(mount_flags((1 << 14) | (1 << 18)), "MS_REC | MS_PRIVATE");
        assert_eq!(mount_flags(0), "0x0");
    }

    #[test]
    fn other_calls_flags_and_commands() {
        assert_eq!(umount_flags(2), "MNT_DETACH");
        assert_eq!(fsopen_flags(1), "FSOPEN_CLOEXEC");
        assert_eq!(
            mount_attrs(0x10_0001),
            "MOUNT_ATTR_RDONLY | MOUNT_ATTR_IDMAP"
        );
        assert_eq!(fsconfig_cmd(6), "FSCONFIG_CMD_CREATE");
        assert_eq!(fsconfig_cmd(-1), "UNKNOWN");
    }
}
