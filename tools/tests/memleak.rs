//! memleak end to end.
