//! Setting a `const volatile` global of a BPF object by its name, before
//! load, for the settings libtools owns in every tool that has them (the
//! `-c` cgroup filter). Tools set their own rodata through their skeleton's
//! typed `rodata()`; this finds the variable in the object's BTF instead, so
//! that one piece of code serves every skeleton.

use anyhow::{anyhow, bail, Result};
use libbpf_rs::btf::types::{DataSec, Var};
use libbpf_rs::btf::Btf;
use libbpf_rs::{AsRawLibbpf, OpenObject};

/// Where `name` lives in the `.rodata` section: (offset, size).
fn locate(obj: &OpenObject, name: &str) -> Result<Option<(usize, usize)>> {
    // SAFETY: the pointer comes from a live OpenObject borrowed for this call.
    let raw = unsafe { obj.as_libbpf_object().as_ref() };
    let btf = Btf::from_bpf_object(raw)?.ok_or_else(|| anyhow!("the BPF object has no BTF"))?;
    let Some(sec) = btf.type_by_name::<DataSec>(".rodata") else {
        return Ok(None);
    };
    for v in sec.iter() {
        let var = btf.type_by_id::<Var>(v.ty);
        if var.and_then(|var| var.name()).is_some_and(|n| n == name) {
            return Ok(Some((v.offset as usize, v.size)));
        }
    }
    Ok(None)
}

/// Set rodata variable `name` to `value` (its bytes, in native order).
pub fn set(obj: &mut OpenObject, name: &str, value: &[u8]) -> Result<()> {
    if !set_if_present(obj, name, value)? {
        bail!("internal error: the BPF object has no rodata variable {name}");
    }
    Ok(())
}

/// [`set`] for a variable only some objects have; false when this one has not.
pub fn set_if_present(obj: &mut OpenObject, name: &str, value: &[u8]) -> Result<bool> {
    let Some((offset, size)) = locate(obj, name)? else {
        return Ok(false);
    };
    if size != value.len() {
        bail!(
            "internal error: rodata {name} is {size} bytes, not {}",
            value.len()
        );
    }
    let mut map = obj
        .maps_mut()
        .find(|m| m.name().to_string_lossy().ends_with(".rodata"))
        .ok_or_else(|| anyhow!("internal error: the BPF object has no .rodata map"))?;
    let data = map
        .initial_value_mut()
        .ok_or_else(|| anyhow!("internal error: .rodata is not mapped"))?;
    data.get_mut(offset..offset + size)
        .ok_or_else(|| anyhow!("internal error: rodata {name} lies outside .rodata"))?
        .copy_from_slice(value);
    Ok(true)
}
