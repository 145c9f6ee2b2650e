//! Reading a BPF stack map (bpf/stacks.bpf.h's `stackmap`).

use libbpf_rs::{MapCore, MapFlags};

/// The addresses of stack `id` in a BPF_MAP_TYPE_STACK_TRACE map, innermost
/// first; None when the id is an error (negative) or no longer there.
pub fn stack_addrs(map: &dyn MapCore, id: i32) -> Option<Vec<u64>> {
    if id < 0 {
        return None;
    }
    let bytes = map
        .lookup(&(id as u32).to_ne_bytes(), MapFlags::ANY)
        .ok()??;
    Some(
        bytes
            .chunks_exact(8)
            .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
            .take_while(|&a| a != 0)
            .collect(),
    )
}

/// bcc's test for a stack id that means "lost": negative, except -EFAULT,
/// which only says there was no user stack (a kernel thread).
pub fn stack_lost(id: i32) -> bool {
    id < 0 && id != -libc::EFAULT
}
