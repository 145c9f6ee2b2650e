//! A process's memory map, from /proc/PID/maps: what names the frames of a
//! process that has exited since (from the files it had mapped).

use std::path::PathBuf;

/// One mapping of a process's memory map.
#[derive(Clone, Debug)]
pub(super) struct Vma {
    pub start: u64,
    pub end: u64,
    pub offset: u64,
    pub path: Option<PathBuf>,
    /// Mapped executable: where code, and so return addresses, can be.
    pub exec: bool,
}

pub(super) fn read_maps(pid: u32) -> Option<Vec<Vma>> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).ok()?;
    Some(text.lines().filter_map(parse_maps_line).collect())
}

/// `start-end perms offset dev inode path` from /proc/PID/maps.
fn parse_maps_line(line: &str) -> Option<Vma> {
    let mut f = line.splitn(6, ' ');
    let (range, perms, offset) = (f.next()?, f.next()?, f.next()?);
    let (_dev, _inode) = (f.next()?, f.next()?);
    let path = f.next().map(str::trim_start).filter(|p| p.starts_with('/'));
    let (start, end) = range.split_once('-')?;
    Some(Vma {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        offset: u64::from_str_radix(offset, 16).ok()?,
        path: path.map(|p| PathBuf::from(p.trim_end_matches(" (deleted)"))),
        exec: perms.as_bytes().get(2) == Some(&b'x'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_lines() {
        let v = parse_maps_line(
            "7f1c2a000000-7f1c2a1c5000 r-xp 00028000 fe:00 1234    /usr/lib/x86_64-linux-gnu/libc.so.6",
        )
        .unwrap();
        assert_eq!(v.start, 0x7f1c2a000000);
        assert_eq!(v.offset, 0x28000);
        assert!(v.exec);
        assert_eq!(
            v.path.unwrap(),
            PathBuf::from("/usr/lib/x86_64-linux-gnu/libc.so.6")
        );
        let anon = parse_maps_line("7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]").unwrap();
        assert!(anon.path.is_none());
        assert!(!anon.exec);
    }
}
