//! What every operation runs with: the shared services, who is asking, and the
//! request it came from. Both doors (a REST handler, a server function) build one
//! per request and hand it to an operation; the operation authorizes against it and
//! names the actor from it, so the two doors cannot authorize or audit differently.

use sqlx::PgPool;

use crate::{
    audit::{
        NewAuditEvent,
        security::{Refusal, RefusalKind, Refusals},
    },
    catalog::{ImportLimit, index::CatalogCache},
    cluster::Clusters,
    generations::Generations,
    identity::{Action, Denied, Principal, Resource, authorize, cache::CredentialCache},
};

/// Long-lived, shared by every request of a replica; cheap to clone.
#[derive(Debug, Clone)]
pub struct Services {
    pub pool: PgPool,
    /// Every registered cluster's watch caches.
    pub clusters: Clusters,
    /// This replica's copy of the catalog listing, what every catalog read answers
    /// from; reloaded when the catalog changes.
    pub catalog_index: CatalogCache,
    /// Records refused authorizations in the audit trail, rate-limited.
    pub refusals: Refusals,
    /// The catalog and access generations: when what this replica keeps in memory is
    /// stale.
    pub generations: Generations,
    /// Recently checked sessions and API tokens.
    pub credentials: CredentialCache,
    /// The largest catalog import accepted (`PARKWAY_IMPORT_MAX_MB`).
    pub import_limit: ImportLimit,
    /// Guardrail coverage per cluster, remembered until the cluster's caches change.
    pub guardrail_coverage: crate::guardrails::live::CoverageMemo,
    /// What onboarding takes from the configuration.
    pub onboarding: crate::onboarding::Settings,
    /// What scorecards take from the configuration.
    pub scorecards: crate::scorecards::Settings,
}

impl Services {
    /// Services whose caches share one [`Generations`]. Until [`Services::watch`] is
    /// called, every cache asks Postgres whether it is stale (correct, not fast).
    pub fn new(pool: PgPool, clusters: Clusters) -> Self {
        let generations = Generations::default();
        Self {
            pool,
            clusters,
            catalog_index: CatalogCache::new(generations.clone()),
            refusals: Refusals::default(),
            credentials: CredentialCache::new(generations.clone()),
            generations,
            import_limit: ImportLimit::default(),
            guardrail_coverage: crate::guardrails::live::CoverageMemo::default(),
            onboarding: crate::onboarding::Settings::default(),
            scorecards: crate::scorecards::Settings::default(),
        }
    }

    /// Listens for generation changes, so caches answer from memory (what a serving
    /// replica does).
    pub async fn watch(&self) {
        self.generations.watch(self.pool.clone()).await;
    }
}

/// One request's context: the services, the authenticated caller (if any) and the
/// request id the audit trail records.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub services: Services,
    pub caller: Option<Principal>,
    pub request_id: Option<String>,
}

impl Ctx {
    pub fn new(services: Services, caller: Option<Principal>, request_id: Option<String>) -> Self {
        Self {
            services,
            caller,
            request_id,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.services.pool
    }

    /// The one authorization check of an operation; on success, the caller, so the
    /// rest of the operation works with someone known. A known caller's refusal is
    /// audited (`auth.refused`, rate-limited, written on the side so the answer does
    /// not wait); an anonymous one is not, as it only asks them to sign in.
    pub fn authorize(&self, action: Action, resource: Resource) -> Result<&Principal, Denied> {
        if let Err(denied) = authorize(self.caller.as_ref(), action, resource) {
            if denied != Denied::Unauthenticated {
                self.services.refusals.spawn(
                    self.services.pool.clone(),
                    Refusal {
                        kind: RefusalKind::Authorization,
                        actor: self.actor(),
                        attempted: action.as_str().to_owned(),
                        target: resource.audit_target(),
                        reason: denied.to_string(),
                        request_id: self.request_id.clone(),
                    },
                );
            }
            return Err(denied);
        }
        self.caller.as_ref().ok_or(Denied::Unauthenticated)
    }

    /// Whether the caller could do `action` (for links and buttons a page offers).
    pub fn allows(&self, action: Action, resource: Resource) -> bool {
        authorize(self.caller.as_ref(), action, resource).is_ok()
    }

    /// How the audit trail names the caller: `user:…`, `service:…`.
    pub fn actor(&self) -> String {
        self.caller
            .as_ref()
            .map_or_else(|| "anonymous".to_owned(), Principal::actor)
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// An audit event by this caller, from this request.
    pub fn audit_event(&self, action: impl Into<String>, target: impl Into<String>) -> NewAuditEvent {
        let mut event = NewAuditEvent::new(self.actor(), action, target);
        event.request_id = self.request_id.clone();
        event
    }
}
