//! posture's core: the finding model, the parsers, query, triage, routing,
//! review, export, the demo data, configuration data, the snapshot store and
//! the [`session::Session`] both front-ends use.
//!
//! It knows no terminal, no async runtime and no network: `posture-live` pulls
//! from the APIs, the `posture` binary draws and reads keys. The layering
//! check (`../shared/checks/layering`) keeps it that way.

pub mod catalogue;
pub mod config;
pub mod demo;
pub mod export;
pub mod model;
pub mod parallel;
pub mod query;
pub mod review;
pub mod routing;
pub mod session;
pub mod snapshots;
pub mod sources;
pub mod storage;
pub mod text;
pub mod triage;
