//! Process-wide memory settings, made once at start.

/// Transparent huge pages off for this process. Loading a million findings
/// writes about a gigabyte of fresh memory once (the findings, the lists
/// that join them); with huge pages every first touch zeroes 2 MiB, and on
/// the 2-core machines measured that zeroing took a fifth of the load
/// (BENCHMARKS.md). Small pages are zeroed as they are used.
pub fn tune() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes a
    // flag of the calling process; no memory of ours is read or written.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
