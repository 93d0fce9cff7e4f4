//! A refused page says why, every time. The reason reaches the layout's error page from
//! inside a `Suspense` resolved on whichever worker thread the runtime picks; when that
//! hand-over depended on a thread-local, some answers under load carried the right
//! status and an empty page. The real binary (multi-threaded runtime) is asked for
//! refused pages by many clients at once, and every answer must name its reason.

mod common;

use std::{sync::Arc, time::Duration};

use common::wire;
use parkway_core::identity::Role;
use parkway_demo_cluster::{DemoCluster, Store};
use sqlx::{
    ConnectOptions,
    postgres::{PgConnectOptions, PgPoolOptions},
};

/// Who asks for which page, and the permission its refusal must name. The last is
/// refused only after the entity is loaded (its owner decides), so the page's data is
/// still pending when rendering starts: the case that lost its reason.
const REFUSED: [(&str, &str, &str); 3] = [
    ("dana", "/admin/audit", "audit.view"),
    ("dana", "/admin/events", "events.manage"),
    (
        "theo",
        "/catalog/component/default/billing-api/edit",
        "catalog.edit",
    ),
];

/// Another team's service (theo owns the checkout team's).
const CATALOG: &str = "apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: billing}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: billing-api}
spec: {type: service, lifecycle: production, owner: billing}
";

const CLIENTS: usize = 16;
const ROUNDS: usize = 10;

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn every_refused_page_names_its_reason_under_concurrent_load(
    options: PgPoolOptions,
    connect: PgConnectOptions,
) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let admin = format!(
        "Bearer {}",
        common::service_token(&pool, Role::PlatformAdmin, &[]).await
    );
    let cluster = DemoCluster::start(Arc::new(Store::default()))
        .await
        .expect("demo endpoint");
    let kubeconfig = wire::kubeconfig(&[("refusals", &cluster)]);
    let port = wire::free_port();
    let _server = wire::serve(
        &url,
        port,
        &[
            ("PARKWAY_KUBECONFIG", &kubeconfig.to_string_lossy()),
            ("PARKWAY_DEV_SIGN_IN", "1"),
            // The import is searchable (and loadable) at once.
            ("PARKWAY_CLUSTER_SYNC_SECONDS", "1"),
        ],
    );
    let ready =
        tokio::task::spawn_blocking(move || wire::wait_for(port, "/readyz", 200, Duration::from_secs(90)));
    ready.await.expect("waited");
    let imported = wire::request(
        "POST",
        port,
        "/api/v1/catalog/import?source=refusals",
        &[("Authorization", &admin), ("Content-Type", "application/yaml")],
        CATALOG.as_bytes(),
    )
    .expect("import");
    assert_eq!(imported.status, 201, "{}", imported.body);
    let sessions: Vec<(&str, String)> = ["dana", "theo"]
        .into_iter()
        .map(|user| (user, wire::dev_sign_in(port, user)))
        .collect();

    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let sessions = sessions.clone();
            tokio::task::spawn_blocking(move || {
                let mut failures = Vec::new();
                for round in 0..ROUNDS {
                    let (user, path, reason) = REFUSED[(client + round) % REFUSED.len()];
                    let cookie = &sessions
                        .iter()
                        .find(|(who, _)| *who == user)
                        .expect("signed in")
                        .1;
                    let page = wire::get(port, path, &[("Cookie", cookie), ("Accept", "text/html")]);
                    let explained = page.body.contains("role=\"alert\"")
                        && page.body.contains("have access")
                        && page.body.contains(reason)
                        && page.body.contains("<title>You don't have access to this page");
                    if page.status != 403 || !explained {
                        let title = page
                            .body
                            .split("<title>")
                            .nth(1)
                            .and_then(|t| t.split("</title>").next())
                            .unwrap_or("no title");
                        failures.push(format!(
                            "{path}: {} titled `{title}`, without its reason ({} bytes)",
                            page.status,
                            page.body.len()
                        ));
                    }
                }
                failures
            })
        })
        .collect();
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await.expect("client"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} refused pages came without their reason: {failures:#?}",
        failures.len(),
        CLIENTS * ROUNDS
    );
}
