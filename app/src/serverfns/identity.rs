//! Role mappings and API tokens.

mod add_role_mapping;
mod create_token;
mod list_role_mappings;
mod list_tokens;
mod remove_role_mapping;
mod revoke_token;

pub use add_role_mapping::*;
pub use create_token::*;
pub use list_role_mappings::*;
pub use list_tokens::*;
pub use parkway_types::views::identity::*;
pub use remove_role_mapping::*;
pub use revoke_token::*;
