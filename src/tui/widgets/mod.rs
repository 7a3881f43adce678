//! Shared pieces of views.

pub mod distribution;
pub mod filter;
pub mod marks;
pub mod progress;
pub mod table;
