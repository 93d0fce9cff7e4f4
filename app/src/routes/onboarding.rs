use leptos::prelude::*;

use crate::components::icons::Icon;
use crate::components::page::{EmptyState, PageHeader};

#[component]
pub fn OnboardingPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Onboarding"
            description="Request a tenant for your team: namespaces with quotas, network policy and least-privilege access, applied for you."
        />
        <EmptyState icon=Icon::Onboarding title="No tenant requests yet">
            <p>
                "Tenant requests will start here: pick a business unit, environments and a data sensitivity tier, and Parkway routes the request for approval and provisions it. Until self-service opens, the platform team takes requests directly."
            </p>
        </EmptyState>
    }
}
