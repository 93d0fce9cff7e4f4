//! People, role mappings and API tokens.

mod add_role_mapping;
mod create_token;
mod deactivate_person;
mod list_people;
mod list_role_mappings;
mod list_tokens;
mod remove_role_mapping;
mod revoke_token;

pub use add_role_mapping::*;
pub use create_token::*;
pub use deactivate_person::*;
pub use list_people::*;
pub use list_role_mappings::*;
pub use list_tokens::*;
pub use parkway_types::views::identity::*;
pub use remove_role_mapping::*;
pub use revoke_token::*;
