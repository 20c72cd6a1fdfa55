//! The metric kinds, one per file.

pub mod counter;
pub mod gauge;
pub mod histogram;
pub mod info;
pub mod native;
