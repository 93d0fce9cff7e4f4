use leptos::prelude::*;

use crate::components::icons::Icon;
use crate::components::page::{EmptyState, PageHeader};

#[component]
pub fn ScorecardsPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Scorecards"
            description="Deployment frequency, lead time, change failure rate, time to restore and policy coverage, from service to enterprise."
        />
        <EmptyState icon=Icon::Scorecards title="No delivery data yet">
            <p>
                "Scorecards fill in as CI/CD pipelines post deployment and incident events with an API token and as clusters report policy results. Once your pipelines send events, your team's figures and trends appear here."
            </p>
        </EmptyState>
    }
}
