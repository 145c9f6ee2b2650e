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

/// Whether argument `index` (from 0, after `void *__data`) of the raw
/// tracepoint `name` is a pointer to `struct <strukt>`; None when the
/// kernel's BTF does not have the tracepoint. For arguments that came and
/// went over the releases (kmem_cache_alloc's cache since 6.1).
pub fn tracepoint_arg_is_ptr_to(name: &str, index: usize, strukt: &str) -> Option<bool> {
    use libbpf_rs::btf::types::{FuncProto, Typedef};
    use libbpf_rs::btf::{BtfKind, BtfType, ReferencesType};
    let btf = kernel_types()?;
    let typedef = btf.type_by_name::<Typedef>(&format!("btf_trace_{name}"))?;
    let proto = typedef
        .referenced_type()
        .skip_mods_and_typedefs()
        .next_type()?;
    let proto = FuncProto::try_from(proto).ok()?;
    let Some(param) = proto.iter().nth(index + 1) else {
        return Some(false);
    };
    let ty = btf
        .type_by_id::<BtfType>(param.ty)?
        .skip_mods_and_typedefs();
    let pointee = match ty.kind() {
        BtfKind::Ptr => ty.next_type().map(|t| t.skip_mods_and_typedefs()),
        _ => None,
    };
    Some(
        pointee
            .is_some_and(|t| t.kind() == BtfKind::Struct && t.name().is_some_and(|n| n == strukt)),
    )
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
    fn knows_what_an_argument_points_to() {
        // sched_switch(bool preempt, struct task_struct *prev, ...).
        let is = |i, s| super::tracepoint_arg_is_ptr_to("sched_switch", i, s);
        assert_eq!(is(1, "task_struct"), Some(true));
        assert_eq!(is(0, "task_struct"), Some(false));
        assert_eq!(is(1, "kmem_cache"), Some(false));
        assert_eq!(is(9, "task_struct"), Some(false));
        assert_eq!(
            super::tracepoint_arg_is_ptr_to("no_such_tracepoint", 0, "x"),
            None
        );
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
