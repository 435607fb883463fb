//! Review: what young people said, grouped into themes by the Youth Council;
//! the safeguarding queue; the theme dashboard.

pub mod breakdown;
pub mod charts;
pub mod counts;
pub mod dashboard;
pub mod export;
pub mod links;
pub mod pages;
pub mod safeguarding;
pub mod store;
pub mod views;
pub mod you_said;
