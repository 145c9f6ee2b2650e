//! Reading the maps that summary tools aggregate into.

use std::os::fd::AsRawFd;

use anyhow::{bail, Result};
use libbpf_rs::libbpf_sys;
use libbpf_rs::{MapCore, MapFlags};

/// A map's entries as (key bytes, value bytes).
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Every (key, value) of a hash map, deleting what it reads, so that the
/// next interval starts empty. One BPF_MAP_LOOKUP_AND_DELETE_BATCH call
/// where the kernel has it (5.6+), else key by key.
pub fn drain(map: &dyn MapCore) -> Result<Entries> {
    match drain_batch(map) {
        Ok(items) => Ok(items),
        Err(e) if e == libc::EINVAL || e == libc::ENOTSUP || e == libc::EOPNOTSUPP => {
            drain_one_by_one(map)
        }
        Err(e) => bail!(
            "cannot read map {}: {}",
            map.name().to_string_lossy(),
            std::io::Error::from_raw_os_error(e)
        ),
    }
}

/// Every (key, value) of a hash map, leaving the map as it is: for
/// counters that the BPF side keeps running, which the reader turns into
/// per-interval figures by difference, so that nothing counted between a
/// read and a delete is lost.
pub fn read(map: &dyn MapCore) -> Result<Entries> {
    let mut out = Vec::new();
    for k in map.keys() {
        if let Some(v) = map.lookup(&k, MapFlags::ANY)? {
            out.push((k, v));
        }
    }
    Ok(out)
}

/// [`drain`], each entry decoded as the map's key and value types.
pub fn drain_as<K: plain::Plain + Default, V: plain::Plain + Default>(
    map: &dyn MapCore,
) -> Result<Vec<(K, V)>> {
    Ok(decoded(drain(map)?))
}

/// [`read`], each entry decoded as the map's key and value types.
pub fn read_as<K: plain::Plain + Default, V: plain::Plain + Default>(
    map: &dyn MapCore,
) -> Result<Vec<(K, V)>> {
    Ok(decoded(read(map)?))
}

fn decoded<K: plain::Plain + Default, V: plain::Plain + Default>(items: Entries) -> Vec<(K, V)> {
    items
        .iter()
        .map(|(k, v)| (crate::decode(k), crate::decode(v)))
        .collect()
}

/// The value at `key` of an array map, decoded, and zeroed in the map for
/// the next interval; None where the map has no such entry.
pub fn take<T: plain::Plain + Default>(map: &dyn MapCore, key: u32) -> Result<Option<T>> {
    let key = key.to_ne_bytes();
    let Some(v) = map.lookup(&key, MapFlags::ANY)? else {
        return Ok(None);
    };
    map.update(&key, &vec![0; v.len()], MapFlags::ANY)?;
    Ok(Some(crate::decode(&v)))
}

/// [`take`] for a per-CPU array map: the value of every CPU, by CPU number.
pub fn take_percpu<T: plain::Plain + Default>(map: &dyn MapCore, key: u32) -> Result<Vec<T>> {
    let key = key.to_ne_bytes();
    let per_cpu = map.lookup_percpu(&key, MapFlags::ANY)?.unwrap_or_default();
    let zeros = vec![0u8; map.value_size() as usize];
    map.update_percpu(&key, &vec![zeros; per_cpu.len()], MapFlags::ANY)?;
    Ok(per_cpu.iter().map(|v| crate::decode(v)).collect())
}

/// The sum over CPUs of the `u64` at `key` of a per-CPU array map, left
/// as it is (counters that only grow: the caller takes differences).
pub fn sum_percpu(map: &dyn MapCore, key: u32) -> Result<u64> {
    let per_cpu = map
        .lookup_percpu(&key.to_ne_bytes(), MapFlags::ANY)?
        .unwrap_or_default();
    Ok(per_cpu
        .iter()
        .map(|v| crate::decode::<u64>(v))
        .fold(0, u64::wrapping_add))
}

/// Counters 0..n of a per-CPU array, each summed over the CPUs.
pub fn sum_percpu_all(map: &dyn MapCore, n: u32) -> Result<Vec<u64>> {
    (0..n).map(|i| sum_percpu(map, i)).collect()
}

/// The batch read; `Err(errno)` when the kernel refuses it.
fn drain_batch(map: &dyn MapCore) -> std::result::Result<Entries, i32> {
    batches(map, true, map.max_entries())
}

/// Every (key, value) of a hash map that BPF programs change as it is read
/// (memleak's allocations), leaving it as it is: BPF_MAP_LOOKUP_BATCH walks
/// the buckets in order, where `read`'s next-key walk starts over whenever
/// the key it stands on is deleted. Key by key where the kernel has no
/// batches (before 5.6).
pub fn read_live_as<K: plain::Plain + Default, V: plain::Plain + Default>(
    map: &dyn MapCore,
) -> Result<Vec<(K, V)>> {
    // 64Ki entries a call: no bucket of a hash map holds that many.
    match batches(map, false, map.max_entries().min(65536)) {
        Ok(items) => Ok(decoded(items)),
        Err(e) if e == libc::EINVAL || e == libc::ENOTSUP || e == libc::EOPNOTSUPP => read_as(map),
        Err(e) => bail!(
            "cannot read map {}: {}",
            map.name().to_string_lossy(),
            std::io::Error::from_raw_os_error(e)
        ),
    }
}

/// The entries of a hash map, `max` a call, deleted as they are read with
/// `delete`.
fn batches(map: &dyn MapCore, delete: bool, max: u32) -> std::result::Result<Entries, i32> {
    let (ks, vs) = (map.key_size() as usize, map.value_size() as usize);
    // The kernel's hash batch fails with ENOSPC when a bucket does not fit
    // in `max`: as large as the map, or as no bucket grows, it cannot.
    let max = max.max(1);
    let mut keys = vec![0u8; ks * max as usize];
    let mut values = vec![0u8; vs * max as usize];
    let mut out = Vec::new();
    let mut in_batch = vec![0u8; ks];
    let mut out_batch = vec![0u8; ks];
    let mut first = true;
    #[allow(clippy::needless_update)] // libbpf-sys may grow the struct
    let opts = libbpf_sys::bpf_map_batch_opts {
        sz: std::mem::size_of::<libbpf_sys::bpf_map_batch_opts>() as _,
        elem_flags: 0,
        flags: 0,
        ..Default::default()
    };
    loop {
        let mut count = max;
        let batch = match delete {
            true => libbpf_sys::bpf_map_lookup_and_delete_batch,
            false => libbpf_sys::bpf_map_lookup_batch,
        };
        // SAFETY: the key and value buffers hold `max` entries each, as
        // `count` tells the kernel, and the batch cursors one key each.
        let ret = unsafe {
            batch(
                map.as_fd().as_raw_fd(),
                if first {
                    std::ptr::null_mut()
                } else {
                    in_batch.as_mut_ptr().cast()
                },
                out_batch.as_mut_ptr().cast(),
                keys.as_mut_ptr().cast(),
                values.as_mut_ptr().cast(),
                &mut count,
                &opts,
            )
        };
        let errno = if ret < 0 { -ret } else { 0 };
        if errno != 0 && errno != libc::ENOENT {
            return Err(errno);
        }
        for i in 0..count as usize {
            out.push((
                keys[i * ks..(i + 1) * ks].to_vec(),
                values[i * vs..(i + 1) * vs].to_vec(),
            ));
        }
        if errno == libc::ENOENT {
            return Ok(out); // the end of the map
        }
        std::mem::swap(&mut in_batch, &mut out_batch);
        first = false;
    }
}

fn drain_one_by_one(map: &dyn MapCore) -> Result<Entries> {
    let keys: Vec<Vec<u8>> = map.keys().collect();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(v) = map.lookup(&k, MapFlags::ANY)? {
            out.push((k.clone(), v));
        }
        let _ = map.delete(&k); // gone already: nothing to clear
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use libbpf_rs::{MapHandle, MapType};

    fn filled(n: u32) -> MapHandle {
        let opts = libbpf_sys::bpf_map_create_opts {
            sz: std::mem::size_of::<libbpf_sys::bpf_map_create_opts>() as _,
            ..Default::default()
        };
        let m = MapHandle::create(MapType::Hash, Some("drain_test"), 4, 8, 1024, &opts)
            .expect("creating a hash map needs root");
        for k in 0..n {
            let v = u64::from(k) * 10;
            m.update(&k.to_ne_bytes(), &v.to_ne_bytes(), MapFlags::ANY)
                .unwrap();
        }
        m
    }

    fn check(mut items: Entries, n: u32) {
        items.sort();
        let mut keys: Vec<u32> = items
            .iter()
            .map(|(k, v)| {
                let k = u32::from_ne_bytes(k[..].try_into().unwrap());
                assert_eq!(
                    u64::from_ne_bytes(v[..].try_into().unwrap()),
                    u64::from(k) * 10
                );
                k
            })
            .collect();
        keys.sort();
        assert_eq!(keys, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn drain_reads_everything_and_empties_the_map() {
        let m = filled(300);
        check(drain(&m).unwrap(), 300);
        assert_eq!(m.keys().count(), 0);
        assert!(drain(&m).unwrap().is_empty());
    }

    #[test]
    fn read_leaves_the_map_as_it_is() {
        let m = filled(40);
        check(read(&m).unwrap(), 40);
        assert_eq!(m.keys().count(), 40);
    }

    #[test]
    fn key_by_key_fallback_does_the_same() {
        let m = filled(50);
        check(drain_one_by_one(&m).unwrap(), 50);
        assert_eq!(m.keys().count(), 0);
    }
}
