//! The objects of one demo cluster, with a single increasing `resourceVersion` (as etcd
//! gives a real API server), a bounded change history that watches resume from, and a
//! broadcast of every change to the open watches.

use std::{
    collections::{BTreeMap, VecDeque},
    ops::Bound,
    sync::{Arc, Mutex, MutexGuard},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

mod apply;
mod watch;
mod writes;

use crate::{
    kinds::{KINDS, Kind, NAMESPACE},
    select::{FieldSelector, LabelSelector},
    status::ApiError,
};

/// `(namespace, name)`; the namespace is empty for cluster-scoped kinds.
pub type Key = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One committed write, as watches see it.
#[derive(Debug)]
pub struct Change {
    pub resource_version: u64,
    pub kind: usize,
    pub namespace: String,
    pub event: EventType,
    pub object: Arc<Value>,
}

struct State {
    resource_version: u64,
    objects: Vec<BTreeMap<Key, Arc<Value>>>,
    history: VecDeque<Arc<Change>>,
    /// The oldest `resourceVersion` a watch may resume after; older ones get 410 Gone.
    resumable_from: u64,
    /// Accepted server-side apply requests per object (see [`Store::apply_requests`]).
    applies: std::collections::HashMap<(usize, Key), u32>,
}

/// How many changes are kept for resuming watches (a real API server keeps about
/// five minutes of them in its watch cache).
pub const DEFAULT_HISTORY: usize = 50_000;

pub struct Store {
    state: Mutex<State>,
    changes: broadcast::Sender<Arc<Change>>,
    history_limit: usize,
}

/// One page of a list.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<Arc<Value>>,
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<usize>,
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchFrom {
    /// `resourceVersion` unset or `0`: the current objects as `ADDED`, then changes.
    Current,
    /// Changes after this `resourceVersion`.
    After(u64),
}

/// What a new watch sends before live changes, and the receiver for those.
pub struct WatchStart {
    pub initial: Vec<Arc<Value>>,
    pub replay: Vec<Arc<Change>>,
    pub receiver: broadcast::Receiver<Arc<Change>>,
    pub resource_version: u64,
}

/// Filters shared by lists and watches.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub namespace: Option<String>,
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

impl Filter {
    pub fn matches(&self, namespace: &str, object: &Value) -> bool {
        self.namespace.as_deref().is_none_or(|ns| ns == namespace)
            && self
                .labels
                .matches(object.pointer("/metadata/labels").and_then(Value::as_object))
            && self.fields.matches(object)
    }
}

pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn meta(object: &Value, field: &str) -> Option<String> {
    object
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn meta_mut(object: &mut Value) -> &mut Map<String, Value> {
    if !object.get("metadata").is_some_and(Value::is_object) {
        object["metadata"] = json!({});
    }
    object["metadata"]
        .as_object_mut()
        .unwrap_or_else(|| unreachable!("metadata was just made an object"))
}

/// Everything but metadata and status: a change here bumps `metadata.generation`.
fn spec_of(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(map) = copy.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    copy
}

/// RFC 1123 subdomain, as the API server requires of most names.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

fn invalid(kind: &Kind, name: &str, field: &str, why: &str) -> ApiError {
    let group = if kind.group.is_empty() {
        String::new()
    } else {
        format!(".{}", kind.group)
    };
    ApiError::new(
        422,
        "Invalid",
        format!("{}{group} \"{name}\" is invalid: {field}: {why}", kind.kind),
    )
}

impl Default for Store {
    fn default() -> Self {
        Self::new(DEFAULT_HISTORY)
    }
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (changes, _) = broadcast::channel(16_384);
        Self {
            state: Mutex::new(State {
                resource_version: 1,
                objects: vec![BTreeMap::new(); KINDS.len()],
                history: VecDeque::new(),
                resumable_from: 1,
                applies: std::collections::HashMap::new(),
            }),
            changes,
            history_limit: history_limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent data (every write is a
        // single insert), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How many server-side apply requests the object `(namespace, name)` of `kind` (an
    /// empty namespace for cluster-scoped kinds) accepted, identical re-applies included.
    /// Those change nothing visible, so this is how a test proves work was done once.
    pub fn apply_requests(&self, kind: usize, namespace: &str, name: &str) -> u32 {
        self.lock()
            .applies
            .get(&(kind, (namespace.to_owned(), name.to_owned())))
            .copied()
            .unwrap_or(0)
    }

    pub fn resource_version(&self) -> u64 {
        self.lock().resource_version
    }

    /// How many objects of a kind exist.
    pub fn count(&self, kind: usize) -> usize {
        self.lock().objects[kind].len()
    }

    /// Forgets the change history: watches resuming from any earlier version get 410.
    pub fn compact(&self) {
        let mut state = self.lock();
        state.history.clear();
        state.resumable_from = state.resource_version;
    }

    fn commit(
        &self,
        state: &mut State,
        kind: usize,
        key: Key,
        object: Option<Value>,
        event: EventType,
    ) -> Arc<Value> {
        state.resource_version += 1;
        let rv = state.resource_version;
        let object = match object {
            Some(mut object) => {
                meta_mut(&mut object).insert("resourceVersion".into(), Value::String(rv.to_string()));
                let object = Arc::new(object);
                state.objects[kind].insert(key.clone(), object.clone());
                object
            }
            None => {
                let mut gone = state.objects[kind]
                    .remove(&key)
                    .map(|o| (*o).clone())
                    .unwrap_or_else(|| json!({}));
                meta_mut(&mut gone).insert("resourceVersion".into(), Value::String(rv.to_string()));
                Arc::new(gone)
            }
        };
        let change = Arc::new(Change {
            resource_version: rv,
            kind,
            namespace: key.0,
            event,
            object: object.clone(),
        });
        state.history.push_back(change.clone());
        while state.history.len() > self.history_limit {
            if let Some(dropped) = state.history.pop_front() {
                state.resumable_from = dropped.resource_version;
            }
        }
        // Sent under the lock, so a watch that subscribes under the lock misses nothing.
        let _ = self.changes.send(change);
        object
    }

    fn key(kind: &Kind, namespace: Option<&str>, name: &str) -> Key {
        let ns = if kind.namespaced {
            namespace.unwrap_or_default()
        } else {
            ""
        };
        (ns.to_owned(), name.to_owned())
    }

    pub fn get(&self, kind: usize, namespace: Option<&str>, name: &str) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        self.lock().objects[kind]
            .get(&Self::key(k, namespace, name))
            .cloned()
            .ok_or_else(|| ApiError::not_found(k, name))
    }

    pub fn list(
        &self,
        kind: usize,
        filter: &Filter,
        limit: Option<usize>,
        after: Option<&str>,
    ) -> Result<ListPage, ApiError> {
        let state = self.lock();
        let (resource_version, start) = match after {
            Some(token) => {
                let (rv, key) = decode_continue(token)?;
                if rv < state.resumable_from {
                    return Err(ApiError::gone(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
                    ));
                }
                (rv, Some(key))
            }
            None => (state.resource_version, None),
        };
        let range = match &start {
            Some(after) => state.objects[kind].range((Bound::Excluded(after.clone()), Bound::Unbounded)),
            None => state.objects[kind].range::<Key, _>(..),
        };
        let candidates = range.filter(|(key, object)| filter.matches(&key.0, object));
        let limit = limit.filter(|l| *l > 0).unwrap_or(usize::MAX);
        let mut items = Vec::new();
        let mut last = None;
        let mut remaining = 0usize;
        for (key, object) in candidates {
            if items.len() < limit {
                items.push(object.clone());
                last = Some(key.clone());
            } else {
                remaining += 1;
            }
        }
        let continue_token = (remaining > 0)
            .then(|| last.map(|k| encode_continue(resource_version, &k)))
            .flatten();
        Ok(ListPage {
            items,
            resource_version,
            remaining: continue_token.as_ref().map(|_| remaining),
            continue_token,
        })
    }
}

fn encode_continue(rv: u64, key: &Key) -> String {
    URL_SAFE_NO_PAD.encode(json!({"rv": rv, "ns": key.0, "name": key.1}).to_string())
}

fn decode_continue(token: &str) -> Result<(u64, Key), ApiError> {
    let bad = || ApiError::bad_request("continue key is not valid");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let rv = v.get("rv").and_then(Value::as_u64).ok_or_else(bad)?;
    let text = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(bad)
    };
    Ok((rv, (text("ns")?, text("name")?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::find;

    fn cm(name: &str) -> Value {
        json!({"metadata": {"name": name}, "data": {"k": "v"}})
    }

    fn store_with_namespace() -> (Store, usize) {
        let store = Store::new(4);
        store
            .create(NAMESPACE, None, json!({"metadata": {"name": "team"}}), "test")
            .expect("namespace");
        (store, find("", "v1", "configmaps").expect("configmaps"))
    }

    #[test]
    fn every_write_raises_the_resource_version() {
        let (store, cms) = store_with_namespace();
        let a = store.create(cms, Some("team"), cm("a"), "test").expect("created");
        let b = store
            .merge_patch(cms, Some("team"), "a", json!({"data": {"k": "w"}}), "test")
            .expect("patched");
        let rv = |o: &Value| {
            meta(o, "resourceVersion")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        assert!(rv(&b) > rv(&a));
        let same = store
            .merge_patch(cms, Some("team"), "a", json!({"data": {"k": "w"}}), "test")
            .expect("no-op");
        assert_eq!(rv(&same), rv(&b), "a patch that changes nothing writes nothing");
    }

    #[test]
    fn namespaced_objects_need_their_namespace_and_unique_names() {
        let (store, cms) = store_with_namespace();
        let err = store
            .create(cms, Some("nope"), cm("a"), "test")
            .expect_err("no namespace");
        assert_eq!(
            (err.code, err.message.as_str()),
            (404, "namespaces \"nope\" not found")
        );
        store.create(cms, Some("team"), cm("a"), "test").expect("created");
        let err = store
            .create(cms, Some("team"), cm("a"), "test")
            .expect_err("duplicate");
        assert_eq!((err.code, err.reason), (409, "AlreadyExists"));
        let err = store
            .create(cms, Some("team"), cm("Bad_Name"), "test")
            .expect_err("invalid");
        assert_eq!(err.code, 422);
        assert!(err.message.contains("metadata.name"), "{}", err.message);
    }

    #[test]
    fn lists_page_with_continue_tokens() {
        let (store, cms) = store_with_namespace();
        for name in ["a", "b", "c"] {
            store
                .create(cms, Some("team"), cm(name), "test")
                .expect("created");
        }
        let first = store
            .list(cms, &Filter::default(), Some(2), None)
            .expect("page 1");
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.remaining, Some(1));
        let token = first.continue_token.expect("more");
        let second = store
            .list(cms, &Filter::default(), Some(2), Some(&token))
            .expect("page 2");
        assert_eq!(second.items.len(), 1);
        assert!(second.continue_token.is_none());
        assert_eq!(second.resource_version, first.resource_version);
        store.create(cms, Some("team"), cm("d"), "test").expect("created");
        store.compact();
        assert_eq!(
            store
                .list(cms, &Filter::default(), Some(2), Some(&token))
                .expect_err("expired")
                .code,
            410
        );
    }

    #[test]
    fn watches_resume_only_within_the_history() {
        let (store, cms) = store_with_namespace();
        let start = store.resource_version();
        store.create(cms, Some("team"), cm("a"), "test").expect("created");
        let resumed = store.watch(cms, WatchFrom::After(start)).expect("resumable");
        assert_eq!(resumed.replay.len(), 1);
        for name in ["b", "c", "d", "e", "f"] {
            store
                .create(cms, Some("team"), cm(name), "test")
                .expect("created");
        }
        let err = store.watch(cms, WatchFrom::After(start)).err().map(|e| e.code);
        assert_eq!(err, Some(410), "the history holds only 4 changes");
    }

    #[test]
    fn deleting_a_namespace_deletes_its_objects() {
        let (store, cms) = store_with_namespace();
        store.create(cms, Some("team"), cm("a"), "test").expect("created");
        store.delete(NAMESPACE, None, "team").expect("deleted");
        assert_eq!(store.count(cms), 0);
        assert_eq!(store.get(cms, Some("team"), "a").expect_err("gone").code, 404);
    }
}
