//! Events kept as unmatched find their entity once the catalog has it: the names
//! they were sent with are resolved again (an entity ref or a component's bare name;
//! `github:owner/repo` and `gitlab:group/project` through the catalog's project-slug
//! annotations), the events that now match are given their entity, the days they
//! add are marked for the figures and the incidents they may explain are linked
//! again. Run by every replica after a catalog change (idempotent: a matched event is
//! no longer unmatched), audited when anything matched.

use std::collections::HashMap;

use parkway_types::scorecards::WebhookKind;
use sqlx::PgPool;

use super::{
    Result, events,
    store::{self, Matched},
};
use crate::audit;

/// How the audit trail names this work.
pub const ACTOR: &str = "system:rematch";
/// Names resolved per round; the rest wait for the next catalog change.
const NAMES_PER_ROUND: i64 = 10_000;

/// The entity key a name an event was sent with stands for, if it is well formed:
/// `Ok(key)` for a ref, `Err((annotation, slug))` for a webhook's project.
fn wanted(given: &str) -> Option<std::result::Result<String, (&'static str, &str)>> {
    if let Some((kind, slug)) = given.split_once(':')
        && let Ok(kind) = kind.parse::<WebhookKind>()
    {
        return Some(Err((kind.annotation(), slug)));
    }
    events::service_ref(given).ok().map(|r| Ok(r.key()))
}

/// One round; what matched.
pub async fn rematch(pool: &PgPool, link_window_seconds: i64) -> Result<Matched> {
    let names = store::unmatched_names(pool, NAMES_PER_ROUND).await?;
    if names.is_empty() {
        return Ok(Matched::default());
    }
    let mut found: HashMap<String, String> = HashMap::new();
    let mut refs: Vec<(String, String)> = Vec::new();
    for given in &names {
        match wanted(given) {
            Some(Ok(key)) => refs.push((given.clone(), key)),
            Some(Err((annotation, slug))) => {
                if let Some(key) = store::entity_by_annotation(pool, annotation, slug).await? {
                    found.insert(given.clone(), key);
                }
            }
            None => {}
        }
    }
    let keys: Vec<String> = refs.iter().map(|(_, key)| key.clone()).collect();
    let known = store::known_entities(pool, &keys).await?;
    found.extend(refs.into_iter().filter(|(_, key)| known.contains(key)));
    if found.is_empty() {
        return Ok(Matched::default());
    }
    let (given, keys): (Vec<String>, Vec<String>) = found.into_iter().unzip();
    let mut tx = pool.begin().await?;
    let (matched, incidents) = store::assign_unmatched(&mut tx, &given, &keys).await?;
    store::relink(&mut tx, &incidents, link_window_seconds).await?;
    if matched != Matched::default() {
        let mut event = audit::NewAuditEvent::new(ACTOR, "delivery.rematch", "events:unmatched");
        event.payload = serde_json::json!({
            "deployments": matched.deployments,
            "incidents": matched.incidents,
            "services": keys,
        });
        audit::append(&mut *tx, &event).await?;
    }
    tx.commit().await?;
    Ok(matched)
}

#[cfg(test)]
mod tests {
    use super::wanted;

    #[test]
    fn names_resolve_to_refs_or_to_project_annotations() {
        assert_eq!(
            wanted("checkout-api"),
            Some(Ok("component:default/checkout-api".into()))
        );
        assert_eq!(
            wanted("component:default/checkout-api"),
            Some(Ok("component:default/checkout-api".into()))
        );
        assert_eq!(
            wanted("github:acme/checkout"),
            Some(Err(("github.com/project-slug", "acme/checkout")))
        );
        assert_eq!(
            wanted("gitlab:shop/cart"),
            Some(Err(("gitlab.com/project-slug", "shop/cart")))
        );
        assert_eq!(wanted("not a name!"), None);
    }
}
