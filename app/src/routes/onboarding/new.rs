//! `/onboarding/new`: the request form. A plain form POST files it (no JavaScript
//! needed); after hydration it is an `ActionForm` with a live preview beside it: who
//! must approve and why, and the manifests per cluster exactly as they would be applied.

use leptos::prelude::*;
use parkway_types::guardrails::Decision;

use crate::components::form::FormError;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, INPUT, LABEL, LINK, PRIMARY, TD, TERM};
use crate::components::table::{Column, DataTable};
use crate::routes::guardrails::decision_class;
use crate::serverfns::AppError;
use crate::serverfns::onboarding::{
    PreviewOutcome, QuotaForm, RequestChoices, RequestTenant, TenantForm, TenantPreview, TierRule,
    preview_tenant, tenant_choices,
};

#[component]
pub fn NewTenantPage() -> impl IntoView {
    let choices = Resource::new(|| (), |()| tenant_choices());
    view! {
        <PageHeader
            title="Request a tenant"
            description="Namespaces for your team in the environments you pick, with the platform's secure defaults. Options the tier's guardrails allow go through; those that need approval wait for a security approver; blocked ones are refused."
            trail=vec![Crumb::to("Onboarding", "/onboarding")]
        />
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let c = choices.await?;
                Ok::<_, AppError>(view! { <RequestForm c /> })
            })}
        </Suspense>
    }
}

fn tier_rule<'a>(tiers: &'a [TierRule], tier: &str) -> Option<&'a TierRule> {
    tiers.iter().find(|t| t.tier == tier)
}

/// The form and its live preview: an island, the only code of this page in the browser.
#[island]
fn RequestForm(c: RequestChoices) -> impl IntoView {
    let submit = ServerAction::<RequestTenant>::new();
    let error = Signal::derive(move || submit.value().get().and_then(Result::err).map(|e| e.to_string()));
    let first_team = c.teams.first().map(|t| t.team.clone()).unwrap_or_default();
    let form = RwSignal::new(TenantForm {
        team: first_team,
        environments: vec!["dev".into()],
        tier: "internal".into(),
        quotas: QuotaForm {
            cpu: "2".into(),
            memory: "4Gi".into(),
            pods: "20".into(),
            storage: "10Gi".into(),
        },
        ..TenantForm::default()
    });
    let tier = Signal::derive(move || form.with(|f| f.tier.clone()));
    // The live preview, asked from the browser only (effects do not run on the server):
    // once the tenant has a name, again after every change; an answer to an older
    // version of the form is dropped.
    let preview = RwSignal::new(None::<Option<Result<PreviewOutcome, AppError>>>);
    let asked = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let f = form.get();
        asked.update_value(|n| *n += 1);
        let ticket = asked.get_value();
        if f.name.trim().is_empty() {
            preview.set(Some(None));
            return;
        }
        leptos::task::spawn_local(async move {
            let answer = preview_tenant(f).await;
            if asked.get_value() == ticket {
                preview.set(Some(Some(answer)));
            }
        });
    });
    let tiers = StoredValue::new(c.tiers.clone());
    let set = move |apply: fn(&mut TenantForm, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            form.update(|f| apply(f, value));
        }
    };
    let toggle = move |list: fn(&mut TenantForm) -> &mut Vec<String>, value: String| {
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            let value = value.clone();
            form.update(|f| {
                let l = list(f);
                l.retain(|v| *v != value);
                if on {
                    l.push(value);
                }
            });
        }
    };
    let no_teams = c.teams.is_empty();
    let table_tiers = c.tiers.clone();
    view! {
        <div class="mt-6 grid gap-6 lg:grid-cols-2">
            <section class=CARD aria-labelledby="request-title">
                <h2 id="request-title" class=CARD_TITLE>
                    "Request"
                </h2>
                {no_teams
                    .then(|| {
                        view! {
                            <p class="mt-2 text-sm text-amber-800 dark:text-amber-300">
                                "You are not a member of any team in the catalog. Ask a platform admin, or have your identity provider put you in a team group."
                            </p>
                        }
                    })}
                <ActionForm action=submit attr:class="mt-4 space-y-5" attr:data-testid="request-form">
                    <div>
                        <label for="name" class=LABEL>
                            "Tenant name"
                        </label>
                        <input
                            id="name"
                            name="form[name]"
                            required
                            maxlength="40"
                            pattern="[a-z0-9]([a-z0-9\\-]*[a-z0-9])?"
                            class=INPUT
                            aria-describedby="name-help"
                            on:input=set(|f, v| f.name = v)
                        />
                        <p id="name-help" class="mt-1 text-xs text-slate-500 dark:text-slate-400">
                            "Lower-case letters, digits and dashes, at most 40; it becomes the namespace in every cluster. Not kube-…, parkway-… or default."
                        </p>
                    </div>
                    <div>
                        <label for="team" class=LABEL>
                            "Owning team"
                        </label>
                        <select id="team" name="form[team]" class=INPUT on:change=set(|f, v| f.team = v)>
                            {c
                                .teams
                                .iter()
                                .map(|t| {
                                    let unit = t
                                        .business_unit
                                        .as_deref()
                                        .map(|b| format!(" · {}", b.rsplit('/').next().unwrap_or(b)))
                                        .unwrap_or_default();
                                    view! {
                                        <option value=t.team.clone()>{format!("{}{unit}", t.title)}</option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <fieldset>
                        <legend class=LABEL>"Environments"</legend>
                        <div class="mt-2 flex flex-wrap gap-4">
                            {c
                                .environments
                                .iter()
                                .enumerate()
                                .map(|(i, (env, clusters))| {
                                    let id = format!("env-{}", env.as_str());
                                    let disabled = clusters.is_empty();
                                    let hint = if disabled {
                                        "no cluster".to_owned()
                                    } else {
                                        clusters.join(", ")
                                    };
                                    let for_id = id.clone();
                                    view! {
                                        <label for=for_id class="flex items-center gap-2 text-sm">
                                            <input
                                                id=id
                                                type="checkbox"
                                                name=format!("form[environments][{i}]")
                                                value=env.as_str()
                                                checked=i == 0
                                                disabled=disabled
                                                on:change=toggle(
                                                    |f| &mut f.environments,
                                                    env.as_str().to_owned(),
                                                )
                                            />
                                            <span>{env.label()}</span>
                                            <span class="text-xs text-slate-500 dark:text-slate-400">
                                                {hint}
                                            </span>
                                        </label>
                                    }
                                })
                                .collect_view()}
                        </div>
                    </fieldset>
                    <div>
                        <label for="tier" class=LABEL>
                            "Risk tier"
                        </label>
                        <select id="tier" name="form[tier]" class=INPUT on:change=set(|f, v| f.tier = v)>
                            {c
                                .tiers
                                .iter()
                                .map(|t| {
                                    view! {
                                        <option value=t.tier.clone() selected=t.tier == "internal">
                                            {t.title.clone()}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <p class="mt-1 text-xs text-slate-500 dark:text-slate-400" data-testid="tier-limits">
                            {move || {
                                tiers
                                    .with_value(|ts| {
                                        tier_rule(ts, &tier.get())
                                            .map(|t| {
                                                format!(
                                                    "Limits for {}: CPU {}, memory {}, {} pods, storage {}; a plain request is approved by {}.",
                                                    t.title,
                                                    t.rule.max_cpu,
                                                    t.rule.max_memory,
                                                    t.rule.max_pods,
                                                    t.rule.max_storage,
                                                    t.rule.approver.label().to_lowercase(),
                                                )
                                            })
                                            .unwrap_or_default()
                                    })
                            }}
                        </p>
                    </div>
                    <fieldset>
                        <legend class=LABEL>"Quotas"</legend>
                        <div class="mt-1 grid grid-cols-2 gap-3 sm:grid-cols-4">
                            <Quota id="cpu" label="CPU" value="2" on_input=set(|f, v| f.quotas.cpu = v) />
                            <Quota
                                id="memory"
                                label="Memory"
                                value="4Gi"
                                on_input=set(|f, v| f.quotas.memory = v)
                            />
                            <Quota id="pods" label="Pods" value="20" on_input=set(|f, v| f.quotas.pods = v) />
                            <Quota
                                id="storage"
                                label="Storage"
                                value="10Gi"
                                on_input=set(|f, v| f.quotas.storage = v)
                            />
                        </div>
                    </fieldset>
                    <fieldset>
                        <legend class=LABEL>"Options"</legend>
                        {c
                            .options
                            .is_empty()
                            .then(|| {
                                view! {
                                    <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                                        "No published guardrail is requestable."
                                    </p>
                                }
                            })}
                        <ul class="mt-2 space-y-2">
                            {c
                                .options
                                .iter()
                                .enumerate()
                                .map(|(i, o)| {
                                    let id = format!("option-{}", o.guardrail);
                                    let decisions = o.decisions.clone();
                                    let gr = o.guardrail.to_string();
                                    view! {
                                        <li class="flex flex-wrap items-center gap-2 text-sm">
                                            <input
                                                id=id.clone()
                                                type="checkbox"
                                                name=format!("form[options][{i}]")
                                                value=gr.clone()
                                                on:change=toggle(|f| &mut f.options, gr.clone())
                                            />
                                            <label for=id>{o.label.clone()}</label>
                                            <a
                                                href=format!("/guardrails/{gr}")
                                                class=format!("{LINK} text-xs")
                                            >
                                                {gr.clone()}
                                            </a>
                                            {move || {
                                                let t = tier.get();
                                                decisions
                                                    .iter()
                                                    .find(|(tier, _)| *tier == t)
                                                    .map(|(_, d)| {
                                                        view! {
                                                            <span class=decision_class(
                                                                *d,
                                                            )>{format!("{} for {t}", d.label())}</span>
                                                        }
                                                    })
                                            }}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    </fieldset>
                    <div>
                        <label for="justification" class=LABEL>
                            "Justification (required when anything needs approval)"
                        </label>
                        <textarea
                            id="justification"
                            name="form[justification]"
                            rows="3"
                            class=INPUT
                            on:input=set(|f, v| f.justification = v)
                        ></textarea>
                    </div>
                    <div>
                        <label for="system" class=LABEL>
                            "System it serves (optional)"
                        </label>
                        <select
                            id="system"
                            name="form[system]"
                            class=INPUT
                            on:change=set(|f, v| f.system = v)
                        >
                            <option value="">"None"</option>
                            {c
                                .systems
                                .iter()
                                .map(|s| view! { <option value=s.clone()>{s.clone()}</option> })
                                .collect_view()}
                        </select>
                    </div>
                    <button type="submit" class=PRIMARY disabled=no_teams>
                        "Submit request"
                    </button>
                    <FormError message=error />
                </ActionForm>
            </section>
            <section
                class=format!("{CARD} self-start lg:sticky lg:top-24")
                aria-labelledby="preview-title"
                aria-live="polite"
            >
                <h2 id="preview-title" class=CARD_TITLE>
                    "Preview"
                </h2>
                <p class="mt-1 text-sm text-slate-600 dark:text-slate-300">
                    "Exactly what Parkway will apply, per cluster, with server-side apply as field manager parkway."
                </p>
                // The server renders "Checking…", and so does the first hydrated frame.
                {move || match preview.get() {
                    None => {
                        view! { <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">"Checking…"</p> }
                            .into_any()
                    }
                    Some(None) => {
                        view! {
                            <p class="mt-3 text-sm text-slate-600 dark:text-slate-300">
                                "Name the tenant to see where the request goes and what will be applied."
                            </p>
                        }
                            .into_any()
                    }
                    Some(Some(Ok(outcome))) => {
                        let problems = outcome.problems;
                        view! {
                            {(!problems.is_empty())
                                .then(|| {
                                    view! {
                                        <ul
                                            class="mt-3 list-disc space-y-1 pl-5 text-sm text-amber-800 dark:text-amber-300"
                                            data-testid="preview-problems"
                                        >
                                            {problems
                                                .into_iter()
                                                .map(|p| view! { <li>{p}</li> })
                                                .collect_view()}
                                        </ul>
                                    }
                                })}
                            {outcome.preview.map(|p| view! { <Preview p /> })}
                        }
                            .into_any()
                    }
                    Some(Some(Err(e))) => {
                        view! {
                            <p
                                class="mt-3 text-sm text-red-800 dark:text-red-300"
                                data-testid="preview-problems"
                            >
                                {e.to_string()}
                            </p>
                        }
                            .into_any()
                    }
                }}
            </section>
        </div>
        <section class=format!("{CARD} mt-6") aria-labelledby="limits-title">
            <h2 id="limits-title" class=CARD_TITLE>
                "Tier limits"
            </h2>
            <TierTable tiers=table_tiers />
        </section>
    }
}

#[component]
fn Quota(
    id: &'static str,
    label: &'static str,
    value: &'static str,
    on_input: impl FnMut(leptos::ev::Event) + 'static,
) -> impl IntoView {
    view! {
        <div>
            <label for=format!("quota-{id}") class="block text-xs text-slate-600 dark:text-slate-300">
                {label}
            </label>
            <input
                id=format!("quota-{id}")
                name=format!("form[quotas][{id}]")
                value=value
                required
                class=INPUT
                on:input=on_input
            />
        </div>
    }
}

#[component]
fn TierTable(tiers: Vec<TierRule>) -> impl IntoView {
    view! {
        <DataTable
            caption="Quota ceilings and approver per risk tier"
            columns=Column::new_all(&["Tier", "CPU", "Memory", "Pods", "Storage", "Approver"])
            rows=tiers
            empty="No tiers."
            row=|t: TierRule| {
                view! {
                    <tr>
                        <td class=TD>{t.title}</td>
                        <td class=TD>{t.rule.max_cpu}</td>
                        <td class=TD>{t.rule.max_memory}</td>
                        <td class=TD>{t.rule.max_pods}</td>
                        <td class=TD>{t.rule.max_storage}</td>
                        <td class=TD>{t.rule.approver.label()}</td>
                    </tr>
                }
            }
        />
    }
}

#[component]
fn Preview(p: TenantPreview) -> impl IntoView {
    let routing = if p.routing.reasons.is_empty() {
        "Nothing beyond the tier's defaults: approved automatically and provisioned at once.".to_owned()
    } else {
        format!(
            "Waits for {}: {}.",
            p.routing.approver.label().to_lowercase(),
            p.routing.reasons.join("; ")
        )
    };
    view! {
        <p class="mt-3 text-sm font-medium text-slate-900 dark:text-white" data-testid="preview-routing">
            {routing}
        </p>
        <ul class="mt-2 flex flex-wrap gap-2">
            {p
                .options
                .into_iter()
                .map(|o| {
                    view! {
                        <li>
                            <span class=decision_class(
                                o.decision,
                            )>{format!("{}: {}", o.label, o.decision.label())}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
        {p
            .clusters
            .into_iter()
            .map(|c| {
                view! {
                    <details class="mt-4 rounded-md border border-slate-200 dark:border-slate-700">
                        <summary class="cursor-pointer px-3 py-2 text-sm font-medium">
                            {format!(
                                "{} ({}) · {} objects",
                                c.cluster,
                                c.environment.as_str(),
                                c.manifests.len(),
                            )}
                        </summary>
                        <pre class="max-h-96 overflow-auto bg-slate-50 p-3 text-xs leading-5 text-slate-800 dark:bg-slate-950 dark:text-slate-200">
                            {c.yaml}
                        </pre>
                    </details>
                }
            })
            .collect_view()}
        <p class=format!(
            "mt-3 text-xs {TERM}",
        )>
            {format!(
                "Decisions come from the published guardrails; {} means a security approver must agree.",
                Decision::NeedsApproval.label().to_lowercase(),
            )}
        </p>
    }
}
