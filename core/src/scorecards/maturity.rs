//! Maturity scorecards: CoE editors define rules over typed facts, each at a level
//! (levels are data, default Bronze < Silver < Gold); every component a scorecard
//! applies to holds the highest level whose rules, and those of all lower levels,
//! pass. Every evaluation is stored, and exemptions carry an approver and an expiry.

pub mod document;
pub mod evaluate;
pub mod facts;
pub mod ops;
pub mod store;
