use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use serde::{Deserialize, Serialize};

use super::{RequestChoices, TenantPreview};
use crate::serverfns::AppError;

/// What the request form offers the caller: teams, tiers with their rules, options with
/// their decisions per tier, environments with their clusters.
#[server(prefix = "/fn", endpoint = "tenant_choices", input = GetUrl)]
pub async fn tenant_choices() -> Result<RequestChoices, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move { Ok(parkway_core::onboarding::ops::choices(&ctx()?).await?) }).await
}

/// The request form as the browser posts it: `form[name]`, `form[quotas][cpu]`, the
/// checkboxes as `form[environments][i]` and `form[options][i]`. Everything is text, so
/// a wrong value comes back as a problem of its field rather than a parse failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub environments: Vec<String>,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub quotas: QuotaForm,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub system: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaForm {
    #[serde(default)]
    pub cpu: String,
    #[serde(default)]
    pub memory: String,
    #[serde(default)]
    pub pods: String,
    #[serde(default)]
    pub storage: String,
}

#[cfg(feature = "ssr")]
impl TenantForm {
    /// The request the form describes, with every field that cannot be read as a problem.
    fn request(
        self,
    ) -> Result<parkway_types::views::onboarding::TenantRequest, parkway_core::onboarding::Error> {
        use parkway_types::views::onboarding::{Quotas, TenantRequest};
        let mut problems = Vec::new();
        let environments = self
            .environments
            .iter()
            .enumerate()
            .filter_map(|(i, e)| {
                e.parse()
                    .map_err(|err: parkway_types::guardrails::NotOneOf| {
                        problems.push((format!("environments[{i}]"), err.to_string()))
                    })
                    .ok()
            })
            .collect();
        let options = self
            .options
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                o.parse()
                    .map_err(|err: parkway_types::guardrails::BadId| {
                        problems.push((format!("options[{i}]"), err.to_string()))
                    })
                    .ok()
            })
            .collect();
        let pods = self.quotas.pods.trim().parse::<u32>().unwrap_or_else(|_| {
            problems.push((
                "quotas.pods".into(),
                format!("`{}` is not a whole number of pods", self.quotas.pods),
            ));
            0
        });
        if !problems.is_empty() {
            return Err(parkway_core::onboarding::Error::Invalid { problems });
        }
        let text = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(TenantRequest {
            name: self.name.trim().to_owned(),
            team: self.team,
            environments,
            tier: self.tier,
            quotas: Quotas {
                cpu: self.quotas.cpu.trim().to_owned(),
                memory: self.quotas.memory.trim().to_owned(),
                pods,
                storage: self.quotas.storage.trim().to_owned(),
            },
            options,
            justification: text(self.justification),
            system: text(self.system),
        })
    }
}

/// The form's live preview: where the request would go and what would be applied, or
/// what is wrong with it so far. A form being filled in is not an error, so problems
/// come back as data (the REST preview answers 422).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewOutcome {
    pub preview: Option<TenantPreview>,
    /// `field: reason`, each.
    pub problems: Vec<String>,
}

/// Where the request would go and exactly what would be applied; files nothing. A
/// missing justification does not hide the routing: it is previewed as if given, and
/// named as a problem when the request needs one.
#[server(prefix = "/fn", endpoint = "preview_tenant")]
pub async fn preview_tenant(form: TenantForm) -> Result<PreviewOutcome, AppError> {
    use crate::serverfns::{ctx, respond};
    use parkway_core::onboarding::{Error, ops};
    respond(async move {
        let ctx = ctx()?;
        let mut request = match form.request() {
            Ok(request) => request,
            Err(Error::Invalid { problems }) => {
                return Ok(PreviewOutcome {
                    preview: None,
                    problems: problems.into_iter().map(|(f, r)| format!("{f}: {r}")).collect(),
                });
            }
            Err(other) => return Err(other.into()),
        };
        let unjustified = request.justification.is_none();
        if unjustified {
            request.justification = Some("(previewed without a justification)".into());
        }
        match ops::preview(&ctx, &request).await {
            Ok(preview) => {
                let problems = (unjustified && !preview.routing.reasons.is_empty())
                    .then(|| "justification: required, since this request needs approval".to_owned())
                    .into_iter()
                    .collect();
                Ok(PreviewOutcome {
                    preview: Some(preview),
                    problems,
                })
            }
            Err(Error::Invalid { problems }) => Ok(PreviewOutcome {
                preview: None,
                problems: problems.into_iter().map(|(f, r)| format!("{f}: {r}")).collect(),
            }),
            Err(other) => Err(other.into()),
        }
    })
    .await
}

/// Files the request, then shows the tenant.
#[server(prefix = "/fn", endpoint = "request_tenant")]
pub async fn request_tenant(form: TenantForm) -> Result<String, AppError> {
    use crate::serverfns::{ctx, respond};
    respond(async move {
        let detail = parkway_core::onboarding::ops::request(&ctx()?, &form.request()?).await?;
        let href = format!("/onboarding/{}", detail.summary.name);
        leptos_axum::redirect(&href);
        Ok(href)
    })
    .await
}
