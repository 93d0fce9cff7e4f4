//! The HTML document and the app's router.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

use crate::auth::SessionView;

use crate::components::layout::Layout;
use crate::routes;

/// Runs before first paint, so a dark-mode reader never sees a white flash: it applies
/// the remembered choice, or else the system's, and follows the system while no choice
/// is remembered. Kept tiny and free of `<` and `&` on purpose.
const THEME_SCRIPT: &str = "(function(){var k='parkway-theme',m=matchMedia('(prefers-color-scheme: dark)');\
function a(){var t=null;try{t=localStorage.getItem(k)}catch(e){}\
document.documentElement.classList.toggle('dark',t?t==='dark':m.matches)}\
a();m.addEventListener('change',a)})()";

/// The whole HTML document; the server renders it for every page request.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce();
    #[cfg(feature = "ssr")]
    set_content_security_policy(nonce.as_ref());
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <meta
                    name="description"
                    content="Parkway, the internal developer portal for the Kubernetes paved road."
                />
                <script nonce=nonce inner_html=THEME_SCRIPT></script>
                <link rel="stylesheet" href="/pkg/parkway.css" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Only scripts carrying this response's nonce may run, plus the WebAssembly the
/// hydration script instantiates; everything else is same-origin, and no one may frame us.
#[cfg(feature = "ssr")]
fn set_content_security_policy(nonce: Option<&leptos::nonce::Nonce>) {
    use http::{HeaderValue, header::CONTENT_SECURITY_POLICY};
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let script_src = match nonce {
        Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The app: layout around the routed page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Computed from the request; the App runs on the server only (islands get what they
    // need of it as props).
    provide_context(load_session());
    view! {
        <Title formatter=|text: String| {
            if text.is_empty() { "Parkway".to_owned() } else { format!("{text} · Parkway") }
        } />
        <Router>
            <Layout>
                <Routes fallback=routes::not_found::NotFound>
                    <Route path=path!("") view=routes::home::HomePage />
                    <Route path=path!("catalog") view=routes::catalog::CatalogPage ssr=SsrMode::Async />
                    <Route path=path!("catalog/import") view=routes::catalog::import::ImportPage />
                    <Route
                        path=path!("catalog/:kind/:namespace/:name")
                        view=routes::catalog::entity::EntityPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("catalog/:kind/:namespace/:name/edit")
                        view=routes::catalog::edit::EditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails")
                        view=routes::guardrails::GuardrailsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/threats")
                        view=routes::guardrails::threats::ThreatsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/threats/:id")
                        view=routes::guardrails::threats::ThreatPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/categories")
                        view=routes::guardrails::categories::CategoriesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/new")
                        view=routes::guardrails::edit::GuardrailEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/:id")
                        view=routes::guardrails::detail::GuardrailDetailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/:id/edit")
                        view=routes::guardrails::edit::GuardrailEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("guardrails/:id/diff")
                        view=routes::guardrails::diff::GuardrailDiffPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("onboarding")
                        view=routes::onboarding::OnboardingPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("onboarding/new")
                        view=routes::onboarding::new::NewTenantPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("onboarding/tiers")
                        view=routes::onboarding::tiers::TierRulesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("onboarding/:tenant")
                        view=routes::onboarding::detail::TenantPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards")
                        view=routes::scorecards::ScorecardsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/maturity")
                        view=routes::scorecards::maturity::MaturityListPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/maturity/new")
                        view=routes::scorecards::maturity::MaturityEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/maturity/:id")
                        view=routes::scorecards::maturity::MaturityDetailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/maturity/:id/edit")
                        view=routes::scorecards::maturity::MaturityEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/units/:entity")
                        view=routes::scorecards::UnitScorecardPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/teams/:entity")
                        view=routes::scorecards::TeamScorecardPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("scorecards/services/:entity")
                        view=routes::scorecards::ServiceScorecardPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("evidence") view=routes::evidence::EvidencePage ssr=SsrMode::Async />
                    <Route path=path!("admin") view=routes::admin::AdminPage />
                    <Route
                        path=path!("admin/roles")
                        view=routes::admin::roles::RoleMappingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("admin/events")
                        view=routes::admin::events::DeliveryEventsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("admin/clusters")
                        view=routes::admin::clusters::ClustersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("admin/clusters/:name")
                        view=routes::admin::clusters::ClusterPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("admin/audit")
                        view=routes::admin::audit::AuditPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("tokens") view=routes::tokens::TokensPage ssr=SsrMode::Async />
                    <Route path=path!("sign-in") view=routes::sign_in::SignInPage />
                </Routes>
            </Layout>
        </Router>
    }
}

fn load_session() -> SessionView {
    #[cfg(feature = "ssr")]
    {
        crate::auth::server::session_view()
    }
    #[cfg(not(feature = "ssr"))]
    {
        SessionView {
            viewer: None,
            mode: crate::auth::SignInMode::NotConfigured,
        }
    }
}

/// The session of the page being shown.
pub fn use_session() -> SessionView {
    use_context::<SessionView>().unwrap_or(SessionView {
        viewer: None,
        mode: crate::auth::SignInMode::NotConfigured,
    })
}
