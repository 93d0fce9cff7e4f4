use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{GuardrailDraftStart, GuardrailPreview};
use crate::serverfns::AppError;

/// Where the editor starts: the newest version of `id` as YAML, or (`id` empty) a new
/// guardrail's template.
#[server(prefix = "/fn", endpoint = "guardrail_editor", input = GetUrl)]
pub async fn guardrail_editor(id: String) -> Result<GuardrailDraftStart, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = editing(&id)?;
        Ok(ops::edit_start(&ctx, id).await?)
    })
    .await
}

/// The live preview: the rendered document, or its problems with positions.
#[server(prefix = "/fn", endpoint = "preview_guardrail")]
pub async fn preview_guardrail(id: String, yaml: String) -> Result<GuardrailPreview, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::ops;
    respond(async move {
        let ctx = ctx()?;
        let id = editing(&id)?;
        Ok(ops::preview(&ctx, id, &yaml).await?)
    })
    .await
}

/// Saves the document as a new draft (`intent=draft`) or submits it for review at once
/// (`intent=submit`, with the change note), then shows the guardrail.
#[server(prefix = "/fn", endpoint = "save_guardrail")]
pub async fn save_guardrail(
    id: String,
    based_on: String,
    yaml: String,
    note: Option<String>,
    intent: String,
) -> Result<(), AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::guardrails::{Error, ops};
    respond(async move {
        let ctx = ctx()?;
        let editing = editing(&id)?;
        let based_on = match based_on.trim() {
            "" => None,
            n => Some(n.parse::<u32>().map_err(|_| Error::Field {
                field: "based_on",
                reason: format!("`{n}` is not a version number"),
            })?),
        };
        let submit = match intent.as_str() {
            "draft" => false,
            "submit" => true,
            other => {
                return Err(Error::Field {
                    field: "intent",
                    reason: format!("`{other}` is not one of `draft`, `submit`"),
                }
                .into());
            }
        };
        let saved = ops::save(&ctx, (editing, based_on), &yaml, submit, note.as_deref()).await?;
        leptos_axum::redirect(&format!("/guardrails/{}", saved.id));
        Ok(())
    })
    .await
}

/// The guardrail an editor URL names; empty for a new one.
#[cfg(feature = "ssr")]
fn editing(
    id: &str,
) -> Result<Option<parkway_types::guardrails::GuardrailId>, parkway_core::guardrails::Error> {
    match id.trim() {
        "" => Ok(None),
        id => parkway_core::guardrails::ops::parse_guardrail_id(id).map(Some),
    }
}
