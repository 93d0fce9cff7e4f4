use leptos::prelude::*;

use crate::components::icons::Icon;
use crate::components::page::{EmptyState, PageHeader};

#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Catalog"
            description="Every service, API, resource and team in the company, with owners, relations and live runtime state."
        />
        <EmptyState icon=Icon::Catalog title="The catalog is empty">
            <p>"Entities appear here once their catalog-info.yaml descriptors are imported — the same files Backstage uses, pasted, uploaded, or sent through the API and CLI. Ask the platform team to import your team's repositories, or keep a catalog-info.yaml ready at the root of each one."</p>
        </EmptyState>
    }
}
