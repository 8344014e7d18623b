//! Process-wide memory settings, made once at start.

/// The allocator gives memory back soon, and transparent huge pages are off
/// for this process. Loading a million findings writes about a gigabyte of
/// fresh memory once (the findings, the lists that join them); with huge pages every first touch zeroes 2 MiB, and on
/// the 2-core machines measured that zeroing took a fifth of the load
/// (BENCHMARKS.md). Small pages are zeroed as they are used.
pub fn tune() {
    // Memory let go is given back to the system after 10 ms (mimalloc 2's
    // default; mimalloc 3 waits a second, ten for whole arenas). Loading
    // lets go of each input's bytes and of the parts joined into one list;
    // kept for a second, they were a fifth of the load's peak memory (1M
    // findings: 1.28 GB peak at 10 ms, 1.42-1.67 GB at 1 s, no slower).
    // SAFETY: mi_option_set takes integers and changes an allocator option.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes integer arguments only and changes a
    // flag of the calling process; no memory of ours is read or written.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

const PURGE_DELAY_MS: std::ffi::c_long = 10;

/// `mi_option_purge_delay` in mimalloc 3's `mi_option_e` (mimalloc.h), which
/// the bindings do not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
