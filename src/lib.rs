//! posture: one severity-sorted view of Security Hub, Kubescape and
//! Starboard/Trivy-Operator findings.
//!
//! The core (`model`, `sources` parsers, `query`, `export`, `demo`) knows no
//! terminal and no network; the CLI and TUI sit on top.

/// Loading allocates millions of small strings; glibc's allocator spent a third
/// of the load time on them (see BENCHMARKS.md).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod export;
pub mod memory;
pub mod model;
pub mod parallel;
pub mod query;
pub mod review;
pub mod routing;
pub mod sources;
pub mod term;
pub mod text;
pub mod triage;
pub mod ui;
