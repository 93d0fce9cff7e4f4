//! Widgets shared by every page.

pub mod badges;
pub mod error_page;
pub mod form;
pub mod icons;
pub mod layout;
pub mod loaded;
pub mod page;
pub mod resource;
pub mod style;
pub mod table;
pub mod theme_toggle;
