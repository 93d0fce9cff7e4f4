//! Reading entities back: one with its relations, or the runnable ones of a team or
//! business unit.

use serde::Serialize;
use serde_json::Value;
use sqlx::PgPool;

use super::super::error::Result;

/// A stored entity with its relations, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StoredEntity {
    pub key: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub tags: Vec<String>,
    pub source: String,
    pub orphaned: bool,
    /// The descriptor as imported, unknown fields included.
    #[schema(value_type = Object)]
    pub body: Value,
    pub relations: Vec<Relation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Relation {
    #[serde(rename = "type")]
    pub type_: String,
    pub target: String,
}

pub async fn get(pool: &PgPool, key: &str) -> Result<Option<StoredEntity>> {
    let Some(row) = sqlx::query!(
        "select key, kind, namespace, name, title, description, spec_type, lifecycle, tier, owner, business_unit,
                tags, source, orphaned_at is not null as \"orphaned!\", body
         from catalog_entities where key = $1",
        key
    )
    .fetch_optional(pool)
    .await?
    else {
        return Ok(None);
    };
    let relations = sqlx::query_as!(
        Relation,
        "select distinct type as type_, target_key as target from catalog_relations where source_key = $1 order by 1, 2",
        key
    )
    .fetch_all(pool)
    .await?;
    Ok(Some(StoredEntity {
        key: row.key,
        kind: row.kind,
        namespace: row.namespace,
        name: row.name,
        title: row.title,
        description: row.description,
        spec_type: row.spec_type,
        lifecycle: row.lifecycle,
        tier: row.tier,
        owner: row.owner,
        business_unit: row.business_unit,
        tags: row.tags,
        source: row.source,
        orphaned: row.orphaned,
        body: row.body,
        relations,
    }))
}

/// Something that may run, for roll-ups: its key, owner, and the id its workloads
/// carry (`backstage.io/kubernetes-id`, else its name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runnable {
    pub key: String,
    pub owner: Option<String>,
    pub kubernetes_id: String,
}

/// The components and resources owned by `owner` (a team page) or, with `unit`, by
/// every group under business unit `unit`.
pub async fn runnables(pool: &PgPool, owner: Option<&str>, unit: Option<&str>) -> Result<Vec<Runnable>> {
    Ok(sqlx::query_as!(
        Runnable,
        r#"select key, owner,
                  coalesce(body->'metadata'->'annotations'->>'backstage.io/kubernetes-id', name) as "kubernetes_id!"
           from catalog_entities
           where kind in ('component', 'resource')
             and ($1::text is null or owner = $1)
             and ($2::text is null or business_unit = $2)
           order by key"#,
        owner,
        unit
    )
    .fetch_all(pool)
    .await?)
}
