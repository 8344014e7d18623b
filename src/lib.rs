//! posture: one severity-sorted view of Security Hub, Kubescape and
//! Starboard/Trivy-Operator findings.
//!
//! This crate is the front-ends: the headless commands (`cli`), the
//! dashboard's state machine (`app`), its drawing (`ui`) and the terminal and
//! effect runner (`term`). The domain lives in `posture-core`, the network in
//! `posture-live`.

/// Loading allocates millions of small strings; glibc's allocator spent a third
/// of the load time on them (see BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod app;
pub mod cli;
pub mod memory;
pub mod term;
pub mod ui;
