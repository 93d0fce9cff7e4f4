//! The audit browser.

mod list_events;

pub use list_events::*;
