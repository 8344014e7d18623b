//! Writers for spreadsheets and JIRA. Every CSV goes through [`csv_safe`].

pub mod csv_safe;
pub mod jira;
pub mod jira_rest;
pub mod sheet;
