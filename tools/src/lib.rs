//! bpftk: one module per tool; `src/bin/<tool>.rs` calls its `main`.

pub mod opensnoop;
