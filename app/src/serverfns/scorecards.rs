//! Scorecards: the enterprise, a business unit, a team or a service.

mod delivery;
mod maturity;
mod scorecard_page;

pub use delivery::*;
pub use maturity::*;
pub use parkway_types::views::maturity::*;
pub use parkway_types::views::scorecards::*;
pub use scorecard_page::*;
