use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::{CatalogParams, CatalogView};
use crate::serverfns::AppError;

/// One page of the catalog under the URL's filters, with facet counts.
#[server(prefix = "/fn", endpoint = "list_catalog", input = GetUrl)]
pub async fn list_catalog(
    #[server(default)] params: CatalogParams,
    #[server(default)] cursor: String,
) -> Result<CatalogView, AppError> {
    use super::{CatalogRow, FacetGroup, RefLink};
    use parkway_core::{
        catalog::query::{self, EntityFilter},
        identity::{Action, Resource, authorize},
    };
    crate::serverfns::error::respond(async move {
        let (who, ctx) = crate::serverfns::identity::caller()?;
        authorize(who.as_ref(), Action::ViewPortal, Resource::Catalog)?;
        let some = |v: &String| (!v.trim().is_empty()).then(|| v.clone());
        let filter = EntityFilter {
            kind: some(&params.kind),
            owner: some(&params.owner),
            business_unit: some(&params.business_unit),
            lifecycle: some(&params.lifecycle),
            tier: some(&params.tier),
            tag: some(&params.tag),
            q: some(&params.q),
            sort: some(&params.sort).map(|s| s.parse::<query::Sort>()).transpose()?,
        };
        let cursor = (!cursor.is_empty()).then_some(cursor.as_str());
        let (page, facets) = query::page(&ctx.pool, &ctx.catalog_facets, &filter, 50, cursor).await?;
        let by_key = |values: &[(String, i64)]| -> Vec<(String, String, i64)> {
            values
                .iter()
                .map(|(v, n)| (v.clone(), RefLink::from_key(v).label, *n))
                .collect()
        };
        let plain = |values: &[(String, i64)]| -> Vec<(String, String, i64)> {
            values.iter().map(|(v, n)| (v.clone(), v.clone(), *n)).collect()
        };
        let group = |param: &str, label: &str, values: Vec<(String, String, i64)>| FacetGroup {
            param: param.into(),
            label: label.into(),
            values,
        };
        Ok(CatalogView {
            can_import: authorize(who.as_ref(), Action::ImportCatalog, Resource::Catalog).is_ok(),
            total: facets.total,
            next_cursor: page.next_cursor,
            facets: vec![
                group("kind", "Kind", plain(&facets.kind)),
                group("lifecycle", "Lifecycle", plain(&facets.lifecycle)),
                group("tier", "Tier", plain(&facets.tier)),
                group("business_unit", "Business unit", by_key(&facets.business_unit)),
                group("owner", "Owner", by_key(&facets.owner)),
                group("tag", "Tag", plain(&facets.tag)),
            ],
            rows: page
                .items
                .into_iter()
                .map(|e| CatalogRow {
                    link: RefLink::from_key(&e.key),
                    title: e.title,
                    description: e.description,
                    owner: e.owner.as_deref().map(RefLink::from_key),
                    business_unit: e.business_unit.as_deref().map(RefLink::from_key),
                    lifecycle: e.lifecycle,
                    tier: e.tier,
                    tags: e.tags,
                    orphaned: e.orphaned,
                    updated: e.updated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                })
                .collect(),
        })
    })
    .await
}
