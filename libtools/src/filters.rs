//! Filter options that several tools check and hand to the BPF side the
//! same way: lists of process and thread IDs (`-p 1,2 -t 3`), a range of
//! blocked time (`-m`, `-M`).

use anyhow::{bail, Result};
use libbpf_rs::{MapCore, MapFlags};

/// The size of the BPF side's hash sets of IDs.
const MAX_IDS: usize = 1024;

/// Every ID must name a live process or thread, and each list fit its set.
pub fn check_id_lists(pids: &[u32], tids: &[u32]) -> Result<()> {
    for &id in pids.iter().chain(tids) {
        crate::check_pid(Some(id))?;
    }
    if pids.len() > MAX_IDS || tids.len() > MAX_IDS {
        bail!("at most {MAX_IDS} PIDs or TIDs");
    }
    Ok(())
}

/// Put each ID into a BPF hash set (ID -> 1).
pub fn fill_id_set(set: &dyn MapCore, ids: &[u32]) -> Result<()> {
    for id in ids {
        set.update(&id.to_ne_bytes(), &[1], MapFlags::ANY)?;
    }
    Ok(())
}

/// `-m/--min-block-time` and `-M/--max-block-time`: the blocks counted,
/// by how long they lasted.
#[derive(clap::Args, Debug, Clone)]
pub struct BlockTimes {
    /// Only blocks longer than this, in microseconds
    #[arg(short = 'm', long = "min-block-time", default_value_t = 1)]
    pub min_block_time: u64,
    /// Only blocks shorter than this, in microseconds
    #[arg(short = 'M', long = "max-block-time", default_value_t = u64::MAX)]
    pub max_block_time: u64,
}

impl BlockTimes {
    pub fn check(&self) -> Result<()> {
        check_block_times(self.min_block_time, self.max_block_time)
    }
}

/// `-m MIN -M MAX`, in microseconds: an empty range is a mistake.
pub fn check_block_times(min_us: u64, max_us: u64) -> Result<()> {
    if min_us > max_us {
        bail!("min block time {min_us} us is over max block time {max_us} us");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_times_make_a_range() {
        let b = |min_block_time, max_block_time| BlockTimes {
            min_block_time,
            max_block_time,
        };
        assert!(b(1, u64::MAX).check().is_ok());
        assert!(b(5, 5).check().is_ok());
        let e = b(10, 5).check().unwrap_err().to_string();
        assert!(
            e.contains("min block time 10 us is over max block time 5 us"),
            "{e}"
        );
    }
}
