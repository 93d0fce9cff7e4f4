use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{Category, CategoryList};
use crate::serverfns::AppError;

/// The category list, and whether the caller may change it.
#[server(prefix = "/fn", endpoint = "list_categories", input = GetUrl)]
pub async fn list_categories() -> Result<CategoryList, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        Ok(CategoryList {
            categories: ops::categories(&ctx).await?,
            may_edit: ops::may_edit(&ctx),
        })
    })
    .await
}

/// Adds a category (coe-editors).
#[server(prefix = "/fn", endpoint = "add_category")]
pub async fn add_category(slug: String, title: String) -> Result<Category, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::guardrails::ops::add_category(&ctx()?, &slug, &title).await?) })
        .await
}

/// Renames a category (coe-editors).
#[server(prefix = "/fn", endpoint = "rename_category")]
pub async fn rename_category(slug: String, title: String) -> Result<Category, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::guardrails::ops::rename_category(&ctx()?, &slug, &title).await?) })
        .await
}

/// Removes a category no guardrail version names (coe-editors).
#[server(prefix = "/fn", endpoint = "remove_category")]
pub async fn remove_category(slug: String) -> Result<Category, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::guardrails::ops::remove_category(&ctx()?, &slug).await?) }).await
}
