//! Any bytes as an input file: content detection, every parser, errors.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = posture_core::sources::parse_bytes(std::path::Path::new("fuzz"), data, None);
});
