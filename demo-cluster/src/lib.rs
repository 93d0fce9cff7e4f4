//! A Kubernetes API endpoint that runs inside Parkway's process (or a test), for
//! development, the embedded default and the tests: no cluster can run on the machines
//! Parkway is built on. The real kube-rs client talks to it over a real loopback socket.
//!
//! What it does, as a real API server does:
//! - discovery (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`) and `/version`;
//! - get, list, create, replace (PUT, with `resourceVersion` preconditions), delete;
//! - server-side apply (`application/apply-patch+yaml`): `fieldManager` required (400
//!   without), create on apply, `managedFields`, conflicts between managers answered
//!   with 409 naming the other manager unless `force=true`, idempotent re-apply
//!   (nothing changes, not even `resourceVersion`);
//! - JSON merge patch; label and field selectors; `limit`/`continue` paging;
//! - one cluster-wide `resourceVersion` that increases on every write;
//! - watches with `ADDED`/`MODIFIED`/`DELETED`, `BOOKMARK` (`allowWatchBookmarks`),
//!   `sendInitialEvents`, `timeoutSeconds`, and 410 Gone for versions older than its
//!   change history; errors as `Status` objects;
//! - namespaced and cluster-scoped kinds (namespaced objects need their namespace;
//!   deleting a namespace deletes its contents), and built-in custom kinds: Kyverno
//!   `PolicyReport`/`ClusterPolicyReport` (`wgpolicyk8s.io/v1alpha2`), `ClusterPolicy`/
//!   `Policy` (`kyverno.io/v1`), Gatekeeper `ConstraintTemplate` and the
//!   `K8sRequiredLabels` constraint kind.
//!
//! What it does not do: authentication or authorization (anyone on the loopback
//! interface may read and write); admission (no webhooks, no Pod Security enforcement:
//! `pod-security.kubernetes.io/*` namespace labels are stored, not acted on);
//! controllers (nothing creates pods for a Deployment, no garbage collection by owner,
//! no finalizers or graceful deletion); defaulting and schema validation beyond names;
//! strategic merge patch (treated as a JSON merge patch) and JSON patch (415); lists in
//! server-side apply are atomic (replaced whole, never merged by key); subresources
//! (`/status`, `/scale`, logs, exec); protobuf and Table output; CRDs created at run
//! time (the kinds are fixed); persistence (objects live in memory only); paged lists
//! are not a consistent snapshot across pages.

mod apply;
pub mod catalog;
mod http;
pub mod kinds;
pub mod seed;
mod select;
mod server;
pub mod status;
pub mod store;

pub use server::DemoCluster;
pub use store::Store;
