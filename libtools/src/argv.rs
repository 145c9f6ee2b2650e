//! Argument lists as a BPF program copies them from a process: strings one
//! after another, each ended by a NUL, and shown joined by spaces.

use std::borrow::Cow;

/// The first `count` NUL-terminated strings of `buf`; those whose bit is
/// set in `cut` (the BPF side filled their buffer) end with `...`.
pub fn split(buf: &[u8], count: u32, cut: u64) -> Vec<Cow<'_, [u8]>> {
    let mut list = Vec::with_capacity(count as usize);
    let mut rest = buf;
    while list.len() < count as usize && !rest.is_empty() {
        let n = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
        let i = list.len();
        list.push(if i < 64 && cut & (1 << i) != 0 {
            Cow::Owned([&rest[..n], b"..."].concat())
        } else {
            Cow::Borrowed(&rest[..n])
        });
        rest = &rest[(n + 1).min(rest.len())..];
    }
    list
}

/// `list` joined by spaces as given (the table escapes it); with `quote`,
/// each in "quotes", escaped here already (control bytes as the table
/// escapes them, then inner quotes as \"), so that the output is printed
/// as it is: escaped once; a list cut short ends with " ...".
pub fn join_into(list: &[&[u8]], quote: bool, truncated: bool, out: &mut Vec<u8>) {
    out.clear();
    for (i, a) in list.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if quote {
            let mut safe = Vec::with_capacity(a.len());
            crate::output::escape_control(a, &mut safe);
            out.push(b'"');
            for c in safe {
                if c == b'"' {
                    out.push(b'\\');
                }
                out.push(c);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(a);
        }
    }
    if truncated {
        out.extend_from_slice(b" ...");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_split_on_nul_keeping_empty_ones() {
        let list = split(b"/bin/echo\0a b\0\0x\0", 4, 0);
        assert_eq!(list, [&b"/bin/echo"[..], b"a b", b"", b"x"]);
        assert_eq!(split(b"a\0b\0", 1, 0), [&b"a"[..]]);
        assert_eq!(split(b"a\0b\0", 2, 0b10), [&b"a"[..], b"b..."]);
    }

    #[test]
    fn args_are_joined_faithfully() {
        let list: Vec<&[u8]> = vec![b"echo", b"a b", b"", b"say \"hi\"", b"a\\b\x1b"];
        let mut out = Vec::new();
        join_into(&list, false, false, &mut out);
        assert_eq!(out, b"echo a b  say \"hi\" a\\b\x1b");
        join_into(&list, true, true, &mut out);
        assert_eq!(out, br#""echo" "a b" "" "say \"hi\"" "a\\b\x1b" ..."#);
    }
}
