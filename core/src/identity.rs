//! Who is asking and what they may do.
//!
//! Everything that can change or reveal data asks [`authorize`] first. The rules are one
//! table ([`policy::grants`]) over a closed set of [`Action`]s, so a reviewer reads the
//! whole access model in one place and anything not granted is denied.
//!
//! People sign in through the company's OpenID Provider (the server does the protocol);
//! their provider groups map to [`Role`]s through mappings a platform admin keeps
//! ([`role_mappings`]). Machines use API tokens ([`tokens`]) scoped to actions.

pub mod cache;
mod error;
pub mod ops;
mod pages;
pub mod policy;
pub mod role_mappings;
pub mod secret;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use error::{Error, Result};
pub use parkway_types::{Action, Role, UnknownAction, UnknownRole};
pub use policy::{Denied, Principal, PrincipalKind, Resource, TokenGrant, authorize};
