use leptos::prelude::*;

use crate::components::icons::Icon;
use crate::components::page::{EmptyState, PageHeader};

#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Admin"
            description="Clusters, identity-provider group mappings, API tokens and the audit log, for platform administrators."
        />
        <EmptyState icon=Icon::Admin title="Nothing to administer yet">
            <p>"Cluster registration, role mappings, API tokens and the audit log browser arrive with sign-in. Every change Parkway makes is already recorded in the tamper-evident audit log in the database."</p>
        </EmptyState>
    }
}
