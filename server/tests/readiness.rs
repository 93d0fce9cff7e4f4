//! `/readyz` through a database outage and back, without restarting anything: the pool
//! reaches Postgres through a TCP proxy the test can cut and restore.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    http::{Request, StatusCode},
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::{
    net::{TcpListener, TcpStream},
    task::AbortHandle,
};
use tower::ServiceExt;

mod common;

/// Forwards TCP to Postgres while enabled; when cut, closes every open connection and
/// turns new ones away, as a dead database host would.
struct Proxy {
    addr: SocketAddr,
    enabled: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let enabled = Arc::new(AtomicBool::new(true));
        let open: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (on, conns) = (enabled.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !on.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection close
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns.lock().expect("lock").push(task.abort_handle());
            }
        });
        Self { addr, enabled, open }
    }

    fn cut(&self) {
        self.enabled.store(false, Ordering::SeqCst);
        for task in self.open.lock().expect("lock").drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.enabled.store(true, Ordering::SeqCst);
    }
}

async fn readyz(app: &Router) -> StatusCode {
    let request = Request::get("/readyz").body(Body::empty()).expect("request");
    app.clone().oneshot(request).await.expect("response").status()
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn readyz_is_503_during_an_outage_and_200_after_it(_: PgPoolOptions, connect: PgConnectOptions) {
    let upstream: SocketAddr = tokio::net::lookup_host((connect.get_host(), connect.get_port()))
        .await
        .expect("resolve")
        .next()
        .expect("an address");
    let proxy = Proxy::start(upstream).await;
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(1))
        .connect_with(connect.host("127.0.0.1").port(proxy.addr.port()))
        .await
        .expect("connect through the proxy");
    let app = common::app(pool, Duration::from_secs(10));

    assert_eq!(
        readyz(&app).await,
        StatusCode::OK,
        "ready while the database answers"
    );
    proxy.cut();
    assert_eq!(
        readyz(&app).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "not ready during the outage"
    );
    assert_eq!(
        readyz(&app).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "still not ready"
    );
    proxy.restore();
    assert_eq!(
        readyz(&app).await,
        StatusCode::OK,
        "ready again, same app and pool"
    );
}

/// A replica whose every pooled connection is busy (saturated by requests, as in the
/// soak at 256 connections) is slow, not unready: the probe has a connection of its own.
#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn readyz_answers_while_every_pooled_connection_is_busy(_: PgPoolOptions, connect: PgConnectOptions) {
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(connect)
        .await
        .expect("connect");
    let app = common::app(pool.clone(), Duration::from_secs(10));
    let held = vec![
        pool.acquire().await.expect("first connection"),
        pool.acquire().await.expect("second connection"),
    ];
    assert!(pool.try_acquire().is_none(), "the test holds the whole pool");
    let answered = tokio::time::timeout(Duration::from_secs(5), readyz(&app))
        .await
        .expect("the probe does not queue behind the pool");
    assert_eq!(answered, StatusCode::OK);
    drop(held);
}
