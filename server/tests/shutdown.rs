//! Graceful shutdown of the real binary: requests in flight when SIGTERM arrives all
//! complete (and what they write is kept), new connections are refused at once, and the
//! process exits cleanly; as Kubernetes stops a pod during a rolling upgrade.

mod common;

use std::{
    io::Write,
    time::{Duration, Instant},
};

use common::wire;
use parkway_core::identity::Role;
use sqlx::{
    ConnectOptions,
    postgres::{PgConnectOptions, PgPoolOptions},
};

fn component(i: usize) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: drained-{i}\n  description: imported while the server was stopping\nspec:\n  type: service\n  lifecycle: production\n  owner: payments\n"
    )
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn requests_in_flight_at_sigterm_all_complete(options: PgPoolOptions, connect: PgConnectOptions) {
    let url = connect.to_url_lossy().to_string();
    let pool = options.connect_with(connect).await.expect("pool");
    let token = common::service_token(&pool, Role::PlatformAdmin, &[]).await;
    let bearer = format!("Bearer {token}");
    let port = wire::free_port();
    let mut server = wire::serve(&url, port, &[("PARKWAY_REQUEST_TIMEOUT_SECS", "20")]);
    wire::wait_for(port, "/readyz", 200, Duration::from_secs(60));
    let owner = wire::request(
        "POST",
        port,
        "/api/v1/catalog/import?source=teams",
        &[("Authorization", &bearer), ("Content-Type", "application/yaml")],
        b"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: payments}\nspec: {type: team, children: []}\n",
    )
    .expect("the owning team");
    assert_eq!(owner.status, 201, "{}", owner.body);

    // Eight imports and two page reads whose requests are half sent: the server has
    // read their heads and is waiting for the rest when SIGTERM comes.
    let mut in_flight = Vec::new();
    for i in 0..8 {
        let body = component(i);
        let mut stream = wire::connect(port).expect("connect");
        let head = wire::head(
            "POST",
            port,
            &format!("/api/v1/catalog/import?source=drain-{i}"),
            &[("Authorization", &bearer), ("Content-Type", "application/yaml")],
            body.len(),
        );
        stream.write_all(head.as_bytes()).expect("head");
        stream
            .write_all(&body.as_bytes()[..body.len() / 2])
            .expect("first half");
        in_flight.push((stream, body.as_bytes()[body.len() / 2..].to_vec()));
    }
    for _ in 0..2 {
        let mut stream = wire::connect(port).expect("connect");
        let head = wire::head(
            "GET",
            port,
            "/api/v1/catalog/entities",
            &[("Authorization", &bearer)],
            0,
        );
        // All but the final CRLF of the head.
        stream
            .write_all(&head.as_bytes()[..head.len() - 2])
            .expect("head");
        in_flight.push((stream, b"\r\n".to_vec()));
    }
    std::thread::sleep(Duration::from_millis(500));
    wire::terminate(&server);
    // The listener closes: nothing new is accepted while the old requests finish.
    let closed_by = Instant::now() + Duration::from_secs(5);
    while wire::connect(port).is_ok() {
        assert!(
            Instant::now() < closed_by,
            "the listener still accepts after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for (i, (mut stream, rest)) in in_flight.into_iter().enumerate() {
        stream
            .write_all(&rest)
            .expect("the rest of the request after SIGTERM");
        let response = wire::read_response(&mut stream).expect("a response");
        if i < 8 {
            assert_eq!(response.status, 201, "import {i}: {}", response.body);
            let created = response.json()["created"][0]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(created.ends_with(&format!("drained-{i}")), "{}", response.body);
        } else {
            assert_eq!(response.status, 200, "{}", response.body);
        }
    }
    let stopped_by = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            Instant::now() < stopped_by,
            "the server did not exit after draining"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
    let kept: i64 = sqlx::query_scalar("select count(*) from catalog_entities where name like 'drained-%'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(kept, 8, "every import acknowledged during the drain is stored");
}
