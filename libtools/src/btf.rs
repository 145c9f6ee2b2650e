//! Facts from the running kernel's BTF that move between versions: the
//! members of its enums (request flags, drop reasons).

use libbpf_rs::btf::Btf;

/// The kernel's types: the --btf file when one was given, else the kernel's
/// own BTF.
fn kernel_types() -> Option<Btf<'static>> {
    match crate::env::btf_file() {
        Some(path) => Btf::from_path(path).ok(),
        None => Btf::from_vmlinux().ok(),
    }
}

/// (member name, value) of the named enums in the kernel's BTF; empty when
/// the kernel has no BTF or none of those enums.
pub fn vmlinux_enums(names: &[&str]) -> Vec<(String, u32)> {
    use libbpf_rs::btf::types::Enum;
    let Some(btf) = kernel_types() else {
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

/// How many arguments the raw tracepoint `name` passes (its BTF typedef
/// `btf_trace_<name>`, less the leading `void *__data`); None when the
/// kernel's BTF does not have it. The tools ask rather than trust the
/// version number: distributions backport argument changes (Debian's 5.10
/// has the 5.11 block_rq_issue with one argument).
pub fn tracepoint_args(name: &str) -> Option<usize> {
    use libbpf_rs::btf::types::{FuncProto, Typedef};
    use libbpf_rs::btf::ReferencesType;
    let btf = kernel_types()?;
    let typedef = btf.type_by_name::<Typedef>(&format!("btf_trace_{name}"))?;
    let proto = typedef.referenced_type().next_type()?;
    let proto = FuncProto::try_from(proto).ok()?;
    let params = proto.iter().len();
    Some(params.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_a_tracepoints_arguments() {
        // sched_switch(bool preempt, prev, next, unsigned int prev_state) since 5.19.
        assert_eq!(super::tracepoint_args("sched_switch"), Some(4));
        assert_eq!(super::tracepoint_args("block_rq_issue"), Some(1));
        assert_eq!(super::tracepoint_args("no_such_tracepoint"), None);
    }

    #[test]
    fn reads_an_enum_of_this_kernel() {
        let e = super::vmlinux_enums(&["skb_drop_reason"]);
        assert!(
            e.iter().any(|(n, v)| n == "SKB_NOT_DROPPED_YET" && *v == 0),
            "{e:?}"
        );
    }
}
