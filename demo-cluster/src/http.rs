//! The HTTP face: discovery, CRUD, patch and watch on the Kubernetes URL layout.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{
    Json, Router,
    body::{Body, Bytes},
    extract::{DefaultBodyLimit, Query, State},
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};
use tokio::sync::{broadcast::error::RecvError, mpsc, watch};

use crate::{
    kinds::{self, KINDS, Kind},
    select::{FieldSelector, LabelSelector},
    status::{self, ApiError},
    store::{Filter, Store, WatchFrom},
};

/// What every request handler shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub store: Arc<Store>,
    pub stopping: watch::Receiver<bool>,
    pub bookmark_every: Duration,
}

/// Largest request body, as a real API server's default (3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/version", get(version))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route("/api", get(core_versions))
        .route("/apis", get(group_list))
        .fallback(dispatch)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(shared)
}

async fn version() -> Json<Value> {
    Json(json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0-parkway-demo",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-28T00:00:00Z",
        "goVersion": "n/a (parkway demo endpoint)",
        "compiler": "rustc",
        "platform": "linux/amd64",
    }))
}

async fn core_versions() -> Json<Value> {
    Json(json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
    }))
}

async fn group_list() -> Json<Value> {
    let groups: Vec<Value> = kinds::groups()
        .into_iter()
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
}

fn resource_list(group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Value> = KINDS
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .map(|k| {
            json!({
                "name": k.plural,
                "singularName": k.singular(),
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            })
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    (!resources.is_empty()).then(|| {
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources})
    })
}

fn no_such_resource() -> ApiError {
    ApiError::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

/// Which object or collection a path names.
struct Target<'a> {
    kind: usize,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

/// What a path addresses: a discovery document, or objects of one kind.
enum Route<'a> {
    Discovery(Value),
    Objects(Target<'a>),
}

fn route(path: &str) -> Result<Route<'_>, ApiError> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segments.as_slice() {
        ["api", "v1", rest @ ..] => ("", "v1", rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(no_such_resource()),
    };
    let lookup = |plural: &str| kinds::find(group, version, plural).ok_or_else(no_such_resource);
    let target = match rest {
        [] => {
            return resource_list(group, version)
                .map(Route::Discovery)
                .ok_or_else(no_such_resource);
        }
        [plural] => Target {
            kind: lookup(plural)?,
            namespace: None,
            name: None,
        },
        [plural, name] => Target {
            kind: lookup(plural)?,
            namespace: None,
            name: Some(*name),
        },
        ["namespaces", namespace, plural] if !matches!(*plural, "status" | "finalize") => Target {
            kind: lookup(plural)?,
            namespace: Some(*namespace),
            name: None,
        },
        ["namespaces", namespace, plural, name] => Target {
            kind: lookup(plural)?,
            namespace: Some(*namespace),
            name: Some(*name),
        },
        _ => return Err(no_such_resource()),
    };
    let kind = &KINDS[target.kind];
    // Namespaced kinds are addressed by name only inside a namespace; cluster-scoped
    // kinds never are.
    let misplaced = matches!(
        (kind.namespaced, target.namespace, target.name),
        (true, None, Some(_)) | (false, Some(_), _)
    );
    if misplaced {
        return Err(no_such_resource());
    }
    Ok(Route::Objects(target))
}

fn manager_of(params: &HashMap<String, String>, headers: &HeaderMap) -> String {
    params.get("fieldManager").cloned().unwrap_or_else(|| {
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split('/').next())
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_owned()
    })
}

fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    let parsed = if content_type.contains("yaml") {
        serde_yaml::from_slice::<Value>(body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice::<Value>(body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| ApiError::bad_request(format!("the request body is not valid: {e}")))
}

fn flag(params: &HashMap<String, String>, name: &str) -> bool {
    params.get(name).is_some_and(|v| v == "true" || v == "1")
}

async fn dispatch(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match handle(&shared, &method, uri.path(), &params, &headers, &body) {
        Ok(Handled::Object(code, object)) => (code, Json(object)).into_response(),
        Ok(Handled::Watch(watch)) => watch.stream(shared),
        Err(err) => err.into_response(),
    }
}

enum Handled {
    Object(StatusCode, Value),
    Watch(WatchRequest),
}

fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Handled, ApiError> {
    let target = match route(path)? {
        Route::Objects(target) => target,
        Route::Discovery(document) if method == Method::GET => {
            return Ok(Handled::Object(StatusCode::OK, document));
        }
        Route::Discovery(_) => {
            return Err(ApiError::new(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
            ));
        }
    };
    if params.contains_key("dryRun") {
        return Err(ApiError::bad_request(
            "dryRun is not supported by the Parkway demo endpoint",
        ));
    }
    let store = &shared.store;
    let kind = &KINDS[target.kind];
    let ok = |v: Value| Ok(Handled::Object(StatusCode::OK, v));
    match (method.clone(), target.name) {
        (Method::GET, None) => {
            let filter = Filter {
                namespace: target.namespace.map(str::to_owned),
                labels: LabelSelector::parse(params.get("labelSelector").map_or("", String::as_str))?,
                fields: FieldSelector::parse(params.get("fieldSelector").map_or("", String::as_str))?,
            };
            if flag(params, "watch") {
                return Ok(Handled::Watch(WatchRequest::new(target.kind, filter, params)?));
            }
            let limit = match params.get("limit") {
                Some(l) => Some(
                    l.parse::<usize>()
                        .map_err(|_| ApiError::bad_request(format!("limit: invalid value {l:?}")))?,
                ),
                None => None,
            };
            let page = store.list(
                target.kind,
                &filter,
                limit,
                params.get("continue").map(String::as_str),
            )?;
            let mut metadata = json!({"resourceVersion": page.resource_version.to_string()});
            if let Some(token) = page.continue_token {
                metadata["continue"] = Value::String(token);
                metadata["remainingItemCount"] = json!(page.remaining);
            }
            let items: Vec<&Value> = page.items.iter().map(AsRef::as_ref).collect();
            ok(
                json!({"kind": format!("{}List", kind.kind), "apiVersion": kind.api_version(), "metadata": metadata, "items": items}),
            )
        }
        (Method::POST, None) => {
            let object = store.create(
                target.kind,
                target.namespace,
                parse_body(headers, body)?,
                &manager_of(params, headers),
            )?;
            Ok(Handled::Object(StatusCode::CREATED, (*object).clone()))
        }
        (Method::GET, Some(name)) => ok((*store.get(target.kind, target.namespace, name)?).clone()),
        (Method::PUT, Some(name)) => {
            let object = store.replace(
                target.kind,
                target.namespace,
                name,
                parse_body(headers, body)?,
                &manager_of(params, headers),
            )?;
            ok((*object).clone())
        }
        (Method::DELETE, Some(name)) => {
            let gone = store.delete(target.kind, target.namespace, name)?;
            let uid = gone.pointer("/metadata/uid").and_then(Value::as_str);
            ok(status::deleted(kind, name, uid))
        }
        (Method::PATCH, Some(name)) => patch(store, &target, kind, name, params, headers, body),
        _ => Err(ApiError::new(
            405,
            "MethodNotAllowed",
            format!("{method} is not supported on {path}"),
        )),
    }
}

fn patch(
    store: &Store,
    target: &Target<'_>,
    kind: &Kind,
    name: &str,
    params: &HashMap<String, String>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Handled, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    let force = flag(params, "force");
    if force && media != "application/apply-patch+yaml" {
        return Err(ApiError::bad_request("force is only allowed for apply patches"));
    }
    match media {
        "application/apply-patch+yaml" => {
            let manager = params.get("fieldManager").filter(|m| !m.is_empty()).ok_or_else(|| {
                ApiError::bad_request(
                    "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                )
            })?;
            let (object, created) = store.apply(
                target.kind,
                target.namespace,
                name,
                parse_body(headers, body)?,
                manager,
                force,
            )?;
            let code = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok(Handled::Object(code, (*object).clone()))
        }
        // Strategic merge patch is treated as a JSON merge patch: lists are replaced,
        // never merged by key.
        "application/merge-patch+json" | "application/strategic-merge-patch+json" => {
            let object = store.merge_patch(
                target.kind,
                target.namespace,
                name,
                parse_body(headers, body)?,
                &manager_of(params, headers),
            )?;
            Ok(Handled::Object(StatusCode::OK, (*object).clone()))
        }
        other => Err(ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format ({other}) for {}: accepted media types are application/apply-patch+yaml, application/merge-patch+json, application/strategic-merge-patch+json",
                kind.qualified()
            ),
        )),
    }
}

struct WatchRequest {
    kind: usize,
    filter: Filter,
    from: WatchFrom,
    bookmarks: bool,
    initial_events_end: bool,
    timeout: Duration,
}

impl WatchRequest {
    fn new(kind: usize, filter: Filter, params: &HashMap<String, String>) -> Result<Self, ApiError> {
        let from = match params.get("resourceVersion").map(String::as_str) {
            None | Some("" | "0") => WatchFrom::Current,
            Some(rv) => WatchFrom::After(
                rv.parse()
                    .map_err(|_| ApiError::bad_request(format!("resourceVersion: invalid value {rv:?}")))?,
            ),
        };
        let send_initial = flag(params, "sendInitialEvents");
        let timeout = params
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(1800);
        Ok(Self {
            kind,
            filter,
            // Streaming lists start from the current objects whatever version is given.
            from: if send_initial { WatchFrom::Current } else { from },
            bookmarks: flag(params, "allowWatchBookmarks"),
            initial_events_end: send_initial,
            timeout: Duration::from_secs(timeout),
        })
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Value {
        let kind = &KINDS[self.kind];
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        json!({"type": "BOOKMARK", "object": {"kind": kind.kind, "apiVersion": kind.api_version(), "metadata": metadata}})
    }

    /// Streams newline-delimited watch events until the timeout, the client leaving,
    /// or the endpoint stopping. An expired start version gets one `ERROR` event with
    /// a 410 `Status`, as from a real API server's watch cache.
    fn stream(self, shared: Shared) -> Response {
        let (tx, rx) = mpsc::channel::<Bytes>(256);
        tokio::spawn(self.run(shared, tx));
        let body = futures::stream::unfold(rx, |mut rx| async move {
            rx.recv()
                .await
                .map(|chunk| (Ok::<_, std::convert::Infallible>(chunk), rx))
        });
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(body))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }

    async fn run(self, shared: Shared, tx: mpsc::Sender<Bytes>) {
        let line = |v: Value| {
            let mut bytes = serde_json::to_vec(&v).unwrap_or_default();
            bytes.push(b'\n');
            Bytes::from(bytes)
        };
        let start = match shared.store.watch(self.kind, self.from) {
            Ok(start) => start,
            Err(err) => {
                let _ = tx
                    .send(line(json!({"type": "ERROR", "object": err.status()})))
                    .await;
                return;
            }
        };
        let event = |kind: &str, object: &Value| line(json!({"type": kind, "object": object}));
        for object in &start.initial {
            let ns = object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if self.filter.matches(ns, object) && tx.send(event("ADDED", object)).await.is_err() {
                return;
            }
        }
        if self.initial_events_end
            && tx
                .send(line(self.bookmark(start.resource_version, true)))
                .await
                .is_err()
        {
            return;
        }
        for change in &start.replay {
            if self.filter.matches(&change.namespace, &change.object)
                && tx
                    .send(event(change.event.as_str(), &change.object))
                    .await
                    .is_err()
            {
                return;
            }
        }
        let mut receiver = start.receiver;
        let mut last = start.resource_version;
        let mut stopping = shared.stopping.clone();
        let deadline = tokio::time::sleep(self.timeout);
        tokio::pin!(deadline);
        let mut ticks = tokio::time::interval(shared.bookmark_every);
        ticks.tick().await;
        loop {
            let chunk = tokio::select! {
                received = receiver.recv() => match received {
                    Ok(change) => {
                        last = change.resource_version;
                        if change.kind != self.kind || !self.filter.matches(&change.namespace, &change.object) {
                            continue;
                        }
                        event(change.event.as_str(), &change.object)
                    }
                    Err(RecvError::Lagged(_)) => {
                        let gone = ApiError::gone(format!("too old resource version: {last} (the watch fell behind)"));
                        let _ = tx.send(line(json!({"type": "ERROR", "object": gone.status()}))).await;
                        return;
                    }
                    Err(RecvError::Closed) => return,
                },
                _ = ticks.tick(), if self.bookmarks => line(self.bookmark(last, false)),
                () = &mut deadline => return,
                _ = stopping.changed() => return,
                () = tx.closed() => return,
            };
            if tx.send(chunk).await.is_err() {
                return;
            }
        }
    }
}
