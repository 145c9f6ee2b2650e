//! Facts from the running kernel's BTF that move between versions: the
//! members of its enums (request flags, drop reasons).

/// (member name, value) of the named enums in the kernel's BTF; empty when
/// the kernel has no BTF or none of those enums.
pub fn vmlinux_enums(names: &[&str]) -> Vec<(String, u32)> {
    use libbpf_rs::btf::{types::Enum, Btf};
    let Ok(btf) = Btf::from_vmlinux() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for n in names {
        if let Some(e) = btf.type_by_name::<Enum>(n) {
            for m in e.iter() {
                if let Some(name) = m.name {
                    out.push((name.to_string_lossy().into_owned(), m.value as u32));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_an_enum_of_this_kernel() {
        let e = super::vmlinux_enums(&["skb_drop_reason"]);
        assert!(
            e.iter().any(|(n, v)| n == "SKB_NOT_DROPPED_YET" && *v == 0),
            "{e:?}"
        );
    }
}
