//! Bytes spliced into a Trivy-Operator report, so the fuzzer spends its time inside that parser.
#![no_main]
use libfuzzer_sys::fuzz_target;

const PREFIX: &[u8] = br#"{"apiVersion": "aquasecurity.github.io/v1alpha1", "kind": "VulnerabilityReport", "report": {"vulnerabilities": [{"vulnerabilityID": ""#;

fuzz_target!(|data: &[u8]| {
    let mut input = PREFIX.to_vec();
    input.extend_from_slice(data);
    let _ = posture_core::sources::parse_bytes(std::path::Path::new("fuzz"), &input, None);
});
