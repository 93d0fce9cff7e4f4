//! `/admin/events`: where delivery events come from and what matched nothing. Platform
//! admins add and remove webhook sources (the secret is sealed and never shown again)
//! and see the deployments and incidents whose service matches no catalog entity:
//! kept, not counted, until the sender or the catalog is fixed.

use leptos::prelude::*;

use parkway_types::scorecards::WebhookKind;

use crate::components::form::{FieldError, FormError, load_after};
use crate::components::loaded::loaded;
use crate::components::page::PageHeader;
use crate::components::style::{CARD, CARD_TITLE, DANGER, INPUT, LABEL, PRIMARY, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::scorecards::{
    AddWebhookSource, DeploymentRow, IncidentRow, RemoveWebhookSource, SourceView, load_delivery_admin,
};

/// A stored instant as the page shows it: `2026-11-30 14:05`.
fn minute(at: &str) -> String {
    at.get(..16).unwrap_or(at).replace('T', " ")
}

#[component]
pub fn DeliveryEventsPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Delivery events"
            description="Where deployments and incidents come from besides the events API, and the events whose service matches nothing in the catalog."
            trail=super::trail()
        />
        <DeliverySources />
    }
}

/// The sources with their remove buttons (plain forms: a removal comes back here) and
/// the unmatched events, rendered on the server; the add form is an island.
#[component]
fn DeliverySources() -> impl IntoView {
    let remove = ServerAction::<RemoveWebhookSource>::new();
    let admin = Resource::new(|| (), |()| load_delivery_admin());
    let remove_error =
        Signal::derive(move || remove.value().get().and_then(Result::err).map(|e| e.to_string()));
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let page = admin.await?;
                Ok::<
                    _,
                    AppError,
                >(
                    view! {
                        <section class=CARD aria-labelledby="sources-title">
                            <h2 id="sources-title" class=CARD_TITLE>
                                "Webhook sources"
                            </h2>
                            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                                "GitHub posts " <code>"deployment_status"</code>
                                " events and GitLab deployment events to the address shown, signed with the source's secret. A delivery is matched to the catalog entity whose "
                                <code>"github.com/project-slug"</code> " or "
                                <code>"gitlab.com/project-slug"</code> " annotation names its repository."
                            </p>
                            <FormError message=remove_error />
                            <DataTable
                                caption="Webhook sources"
                                columns=vec![
                                    Column::new("Name"),
                                    Column::new("Kind"),
                                    Column::new("Posts to"),
                                    Column::new("Added by"),
                                    Column::new("When"),
                                    Column::hidden("Actions"),
                                ]
                                rows=page.sources
                                empty="No webhook sources: only the events API and observed rollouts bring events in. Add one below."
                                testid="webhook-sources"
                                row=move |s: SourceView| {
                                    view! {
                                        <tr>
                                            <td class=format!("{TD} font-mono")>{s.name.clone()}</td>
                                            <td class=TD>{s.kind.label()}</td>
                                            <td class=format!(
                                                "{TD} font-mono text-xs",
                                            )>{s.endpoint.clone()}</td>
                                            <td class=TD>{s.created_by.clone()}</td>
                                            <td class=format!(
                                                "{TD} whitespace-nowrap",
                                            )>{minute(&s.created_at)}</td>
                                            <td class=TD>
                                                <ActionForm action=remove>
                                                    <input type="hidden" name="name" value=s.name.clone() />
                                                    <button
                                                        type="submit"
                                                        class=DANGER
                                                        aria-label=format!("Remove {}", s.name)
                                                    >
                                                        "Remove"
                                                    </button>
                                                </ActionForm>
                                            </td>
                                        </tr>
                                    }
                                }
                            />
                        </section>
                        <UnmatchedEvents
                            deployments=page.unmatched.deployments
                            incidents=page.unmatched.incidents
                        />
                    },
                )
            })}
        </Suspense>
        <AddSource />
    }
}

/// The add form: an island, so a refusal shows beside its field with what was typed
/// kept; an added source loads the page again, listing it (its secret never shown).
#[island]
fn AddSource() -> impl IntoView {
    let add = ServerAction::<AddWebhookSource>::new();
    let add_error = move || add.value().get().and_then(Result::err);
    let field = move |name: &'static str| Signal::derive(move || add_error().and_then(|e| e.for_field(name)));
    let other_error = Signal::derive(move || {
        add_error()
            .filter(|e| {
                ["name", "kind", "secret"]
                    .iter()
                    .all(|f| e.for_field(f).is_none())
            })
            .map(|e| e.to_string())
    });
    load_after(move || matches!(add.value().get(), Some(Ok(_))), None);
    view! {
        <section class=CARD aria-labelledby="add-source-title">
            <h2 id="add-source-title" class=CARD_TITLE>
                "Add a webhook source"
            </h2>
            <ActionForm
                action=add
                attr:class="mt-3 grid gap-4 sm:grid-cols-[1fr_1fr_2fr_auto] sm:items-start"
            >
                <div>
                    <label for="source-name" class=LABEL>
                        "Name"
                    </label>
                    <input
                        id="source-name"
                        name="name"
                        required
                        class=INPUT
                        placeholder="acme-github"
                        aria-describedby="source-name-error"
                    />
                    <FieldError id="source-name-error" message=field("name") />
                </div>
                <div>
                    <label for="source-kind" class=LABEL>
                        "Kind"
                    </label>
                    <select id="source-kind" name="kind" class=INPUT aria-describedby="source-kind-error">
                        {WebhookKind::ALL
                            .iter()
                            .map(|k| view! { <option value=k.as_str()>{k.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError id="source-kind-error" message=field("kind") />
                </div>
                <div>
                    <label for="source-secret" class=LABEL>
                        "Secret (as configured at the sender; 16 to 512 characters)"
                    </label>
                    <input
                        id="source-secret"
                        name="secret"
                        type="password"
                        autocomplete="off"
                        required
                        class=INPUT
                        aria-describedby="source-secret-error"
                    />
                    <FieldError id="source-secret-error" message=field("secret") />
                </div>
                <button type="submit" class=format!("{PRIMARY} sm:mt-6")>
                    "Add source"
                </button>
            </ActionForm>
            <FormError message=other_error />
        </section>
    }
}

/// The newest deployments and incidents whose service matched nothing.
#[component]
fn UnmatchedEvents(deployments: Vec<DeploymentRow>, incidents: Vec<IncidentRow>) -> impl IntoView {
    view! {
        <section class=CARD aria-labelledby="unmatched-title">
            <h2 id="unmatched-title" class=CARD_TITLE>
                "Events that match no catalog entity"
            </h2>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                "Kept, never dropped, and not counted in any scorecard while unmatched. Fix the sender's "
                <code>"service"</code>
                " (a component's name or ref), or add the entity or its repository annotation to the catalog: after every catalog change the events stored here are matched again, and count from then on. The newest 500 of each."
            </p>
            <h3 class="mt-4 text-sm font-semibold text-slate-800 dark:text-slate-100">"Deployments"</h3>
            <DataTable
                caption="Unmatched deployments, newest first"
                columns=Column::new_all(
                    &["Deployment", "Service as sent", "Environment", "Status", "Finished", "Source"],
                )
                rows=deployments
                empty="None: every deployment matched a catalog entity."
                testid="unmatched-deployments"
                row=|d: DeploymentRow| {
                    view! {
                        <tr>
                            <td class=format!("{TD} font-mono text-xs")>{d.id.clone()}</td>
                            <td class=format!("{TD} font-mono")>{d.service_given.clone()}</td>
                            <td class=TD>{d.environment.clone()}</td>
                            <td class=TD>{d.status.label()}</td>
                            <td class=format!("{TD} whitespace-nowrap")>{minute(&d.finished_at)}</td>
                            <td class=format!("{TD} {TERM}")>{d.source.label()}</td>
                        </tr>
                    }
                }
            />
            <h3 class="mt-4 text-sm font-semibold text-slate-800 dark:text-slate-100">"Incidents"</h3>
            <DataTable
                caption="Unmatched incidents, newest first"
                columns=Column::new_all(&["Incident", "Service as sent", "Opened", "Resolved", "Source"])
                rows=incidents
                empty="None: every incident matched a catalog entity."
                testid="unmatched-incidents"
                row=|i: IncidentRow| {
                    view! {
                        <tr>
                            <td class=format!("{TD} font-mono text-xs")>{i.id.clone()}</td>
                            <td class=format!("{TD} font-mono")>{i.service_given.clone()}</td>
                            <td class=format!("{TD} whitespace-nowrap")>{minute(&i.opened_at)}</td>
                            <td class=format!(
                                "{TD} whitespace-nowrap",
                            )>{i.resolved_at.as_deref().map(minute).unwrap_or_else(|| "open".into())}</td>
                            <td class=format!("{TD} {TERM}")>{i.source.label()}</td>
                        </tr>
                    }
                }
            />
        </section>
    }
}
