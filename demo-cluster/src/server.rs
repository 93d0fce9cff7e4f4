//! Starting, stopping and restarting a demo endpoint on a loopback port.

use std::{io, net::SocketAddr, sync::Arc, time::Duration};

use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

use crate::{http, store::Store};

struct Running {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// A demo Kubernetes API endpoint serving one [`Store`]. Stopping closes the port and
/// every open watch, as a cluster outage would; restarting serves the same objects on
/// the same port again, so clients reconnect to where they were.
pub struct DemoCluster {
    store: Arc<Store>,
    address: SocketAddr,
    bookmark_every: Duration,
    running: tokio::sync::Mutex<Option<Running>>,
}

impl DemoCluster {
    /// Serves `store` on a free loopback port.
    pub async fn start(store: Arc<Store>) -> io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), store).await
    }

    pub async fn start_on(address: SocketAddr, store: Arc<Store>) -> io::Result<Self> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let cluster = Self {
            store,
            address,
            bookmark_every: Duration::from_secs(5),
            running: tokio::sync::Mutex::new(None),
        };
        *cluster.running.lock().await = Some(cluster.serve(listener));
        Ok(cluster)
    }

    fn serve(&self, listener: TcpListener) -> Running {
        let (stop, stopping) = watch::channel(false);
        let router = http::router(http::Shared {
            store: self.store.clone(),
            stopping: stopping.clone(),
            bookmark_every: self.bookmark_every,
        });
        let mut signal = stopping;
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = signal.changed().await;
            };
            if let Err(err) = axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::warn!(error = %err, "demo Kubernetes endpoint stopped with an error");
            }
        });
        Running { stop, task }
    }

    /// `http://127.0.0.1:PORT`, the URL a kube-rs `Config` points at.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    pub async fn is_running(&self) -> bool {
        self.running.lock().await.is_some()
    }

    /// Closes the port and ends every watch and connection.
    pub async fn stop(&self) {
        if let Some(running) = self.running.lock().await.take() {
            let _ = running.stop.send(true);
            let mut task = running.task;
            if tokio::time::timeout(Duration::from_secs(3), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }

    /// Serves the same objects on the same port again.
    pub async fn restart(&self) -> io::Result<()> {
        let mut running = self.running.lock().await;
        if running.is_none() {
            let listener = TcpListener::bind(self.address).await?;
            *running = Some(self.serve(listener));
        }
        Ok(())
    }
}

impl Drop for DemoCluster {
    fn drop(&mut self) {
        if let Some(running) = self.running.get_mut().take() {
            let _ = running.stop.send(true);
            running.task.abort();
        }
    }
}
