//! Any bytes as a triage file: a located error or marks, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = posture_core::triage::file::parse(text, std::path::Path::new("fuzz.toml"));
    }
});
