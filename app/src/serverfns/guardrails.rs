//! Guardrails, their review, and the threat register.

mod categories;
mod compare_versions;
mod edit_guardrail;
mod guardrail_page;
mod list_guardrails;
mod list_threats;
mod review_guardrail;
mod threat_gaps;
mod threat_page;

pub use categories::*;
pub use compare_versions::*;
pub use edit_guardrail::*;
pub use guardrail_page::*;
pub use list_guardrails::*;
pub use list_threats::*;
pub use parkway_types::views::guardrails::*;
pub use review_guardrail::*;
pub use threat_gaps::*;
pub use threat_page::*;
