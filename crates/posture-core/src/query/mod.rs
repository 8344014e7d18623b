//! Filtering, sorting and grouping: plain functions over findings, shared by the
//! CLI and the dashboard.

pub mod facts;
pub mod filter;
pub mod group;
pub mod grouping;
pub mod lang;
pub mod orders;
pub mod prepare;
mod rank;
pub mod sort;
pub mod text_index;

pub use facts::{Facts, compute_facts};
pub use filter::Filter;
pub use group::{Group, group_by_rule_with};
pub use lang::{Bound, Query, QueryError};
pub use orders::Orders;
pub use sort::{SortKey, sort_indices};
pub use text_index::TextIndex;
