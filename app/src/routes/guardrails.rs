use leptos::prelude::*;

use crate::components::icons::Icon;
use crate::components::page::{EmptyState, PageHeader};

#[component]
pub fn GuardrailsPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Guardrails"
            description="The platform's published standards: what is allowed, what needs approval and what is blocked, per tenant tier."
        />
        <EmptyState icon=Icon::Guardrails title="No guardrails published yet">
            <p>
                "The Cloud Center of Excellence writes, reviews and publishes guardrails here. Each one will show its decision per tier and how well the clusters enforce it. Until then, ask the CoE which standards apply to your workload."
            </p>
        </EmptyState>
    }
}
