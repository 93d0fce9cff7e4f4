//! Tenant onboarding: requests, decisions, tenants and the tier rules.

mod decide_tenant;
mod list_tenants;
mod request_tenant;
mod tenant_page;
mod tier_rules;

pub use decide_tenant::*;
pub use list_tenants::*;
pub use parkway_types::views::onboarding::*;
pub use request_tenant::*;
pub use tenant_page::*;
pub use tier_rules::*;
