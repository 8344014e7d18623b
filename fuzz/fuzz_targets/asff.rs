//! Bytes spliced into an ASFF page, so the fuzzer spends its time inside that parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

const PREFIX: &[u8] = br#"{"Findings": [{"SchemaVersion": "2018-10-08", "ProductArn": "p", "Id": ""#;

fuzz_target!(|data: &[u8]| {
    let mut input = PREFIX.to_vec();
    input.extend_from_slice(data);
    let _ = posture_core::sources::parse_bytes(std::path::Path::new("fuzz"), &input, None);
});
