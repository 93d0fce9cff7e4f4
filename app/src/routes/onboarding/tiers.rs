//! `/onboarding/tiers`: each risk tier's rules (quota ceilings, who approves a plain
//! request, container defaults, pods/exec); coe-editors save a new version.

use leptos::prelude::*;

use crate::components::form::FormError;
use crate::components::loaded::loaded;
use crate::components::page::{Crumb, PageHeader};
use crate::components::style::{CARD, CARD_TITLE, INPUT, LABEL, PRIMARY, TD};
use crate::components::table::{Column, DataTable};
use crate::serverfns::AppError;
use crate::serverfns::onboarding::{SaveTierRule, TierRule, TierRulesView, list_tier_rules};
use parkway_types::onboarding::Approver;

#[component]
pub fn TierRulesPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Tier rules"
            description="Per risk tier: the quota ceilings a request may ask for, who approves a request with nothing beyond the defaults, the container defaults every tenant gets, and whether its ClusterRole grants pods/exec. Versioned and audited."
            trail=vec![Crumb::to("Onboarding", "/onboarding")]
        />
        <TierRulesEditor />
    }
}

/// The rules with their forms: plain form posts (no script), answered with a redirect
/// back here, which shows the new version, or the refusal (carried in the address).
#[component]
fn TierRulesEditor() -> impl IntoView {
    let save = ServerAction::<SaveTierRule>::new();
    let rules = Resource::new(move || save.version().get(), |_| list_tier_rules());
    view! {
        <Suspense fallback=|| {
            view! { <p class="mt-6 text-sm text-slate-600 dark:text-slate-300">"Loading…"</p> }
        }>
            {move || loaded(async move {
                let v = rules.await?;
                Ok::<_, AppError>(view! { <Rules v save /> })
            })}
        </Suspense>
    }
}

#[component]
fn Rules(v: TierRulesView, save: ServerAction<SaveTierRule>) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err).map(|e| e.to_string()));
    let editable = v.tiers.clone();
    view! {
        <section class=format!("{CARD} mt-6")>
            <DataTable
                caption="Tier rules"
                columns=Column::new_all(
                    &[
                        "Tier",
                        "Version",
                        "CPU",
                        "Memory",
                        "Pods",
                        "Storage",
                        "Approver",
                        "Defaults",
                        "pods/exec",
                        "Changed",
                    ],
                )
                rows=v.tiers
                empty="No tiers."
                testid="tier-rules"
                row=|t: TierRule| {
                    view! {
                        <tr>
                            <td class=TD>{t.title}</td>
                            <td class=TD>{t.version}</td>
                            <td class=TD>{t.rule.max_cpu}</td>
                            <td class=TD>{t.rule.max_memory}</td>
                            <td class=TD>{t.rule.max_pods}</td>
                            <td class=TD>{t.rule.max_storage}</td>
                            <td class=TD>{t.rule.approver.label()}</td>
                            <td class=format!(
                                "{TD} text-xs",
                            )>
                                {format!(
                                    "requests {} / {}, limits {} / {}",
                                    t.rule.default_request_cpu,
                                    t.rule.default_request_memory,
                                    t.rule.default_limit_cpu,
                                    t.rule.default_limit_memory,
                                )}
                            </td>
                            <td class=TD>{if t.rule.pod_exec { "yes" } else { "no" }}</td>
                            <td class=format!(
                                "{TD} text-xs",
                            )>
                                {format!(
                                    "{} · {}",
                                    t.changed_by,
                                    t.changed_at.get(..10).unwrap_or_default(),
                                )}
                            </td>
                        </tr>
                    }
                }
            />
        </section>
        {v
            .may_edit
            .then(|| {
                view! {
                    <div class="mt-6 grid gap-6 lg:grid-cols-2">
                        {editable.into_iter().map(|t| view! { <Edit t save /> }).collect_view()}
                    </div>
                    <FormError message=error />
                }
            })}
    }
}

#[component]
fn Edit(t: TierRule, save: ServerAction<SaveTierRule>) -> impl IntoView {
    let r = t.rule.clone();
    let tier = t.tier.clone();
    let field = move |name: &'static str, label: &'static str, value: String| {
        let id = format!("{tier}-{name}");
        view! {
            <div>
                <label for=id.clone() class=LABEL>
                    {label}
                </label>
                <input id=id name=format!("rule[{name}]") value=value class=INPUT required />
            </div>
        }
    };
    let heading = format!("edit-{}", t.tier);
    let labelled_by = heading.clone();
    let (hidden, approver_id, exec_id, note_id) = (
        t.tier.clone(),
        format!("{}-approver", t.tier),
        format!("{}-exec", t.tier),
        format!("{}-note", t.tier),
    );
    let save_label = format!("Save {} rules", t.title);
    view! {
        <section class=CARD aria-labelledby=labelled_by>
            <h2 id=heading class=CARD_TITLE>
                {format!("{} (version {})", t.title, t.version)}
            </h2>
            <ActionForm action=save attr:class="mt-3 grid grid-cols-2 gap-3">
                <input type="hidden" name="tier" value=hidden />
                {field("maxCpu", "CPU ceiling", r.max_cpu.clone())}
                {field("maxMemory", "Memory ceiling", r.max_memory.clone())}
                {field("maxPods", "Pods ceiling", r.max_pods.to_string())}
                {field("maxStorage", "Storage ceiling", r.max_storage.clone())}
                {field("defaultRequestCpu", "Default CPU request", r.default_request_cpu.clone())}
                {field("defaultRequestMemory", "Default memory request", r.default_request_memory.clone())}
                {field("defaultLimitCpu", "Default CPU limit", r.default_limit_cpu.clone())}
                {field("defaultLimitMemory", "Default memory limit", r.default_limit_memory.clone())}
                <div>
                    <label for=approver_id.clone() class=LABEL>
                        "Approver of a plain request"
                    </label>
                    <select id=approver_id name="rule[approver]" class=INPUT>
                        {Approver::ALL
                            .iter()
                            .map(|a| {
                                view! {
                                    <option value=a.as_str() selected=*a == r.approver>
                                        {a.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div>
                    <label for=exec_id.clone() class=LABEL>
                        "pods/exec"
                    </label>
                    <select id=exec_id name="rule[podExec]" class=INPUT>
                        <option value="false" selected=!r.pod_exec>
                            "Not granted"
                        </option>
                        <option value="true" selected=r.pod_exec>
                            "Granted"
                        </option>
                    </select>
                </div>
                <div class="col-span-2">
                    <label for=note_id.clone() class=LABEL>
                        "Why (kept with the version)"
                    </label>
                    <input id=note_id name="note" class=INPUT />
                </div>
                <div class="col-span-2">
                    <button type="submit" class=PRIMARY>
                        {save_label}
                    </button>
                </div>
            </ActionForm>
        </section>
    }
}
