//! posture-core's integration tests, one binary that links the core alone:
//! every parser on the project's fixtures, the real public outputs in
//! `../shared/fixtures`, hostile and truncated input, and the demo data.

mod conformance;
mod demo;
mod parsers;
mod robustness;
mod scanners;

/// The workspace root, where `tests/fixtures` and `snapshots/` live.
fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
