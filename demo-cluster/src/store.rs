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

use crate::{
    apply,
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

    /// Subscribes under the lock, so nothing between the replay and the live changes
    /// is lost or doubled.
    pub fn watch(&self, kind: usize, from: WatchFrom) -> Result<WatchStart, ApiError> {
        let state = self.lock();
        let receiver = self.changes.subscribe();
        let (initial, replay) = match from {
            WatchFrom::Current => (state.objects[kind].values().cloned().collect(), Vec::new()),
            WatchFrom::After(rv) if rv < state.resumable_from || rv > state.resource_version => {
                return Err(ApiError::gone(format!(
                    "too old resource version: {rv} ({})",
                    state.resumable_from
                )));
            }
            WatchFrom::After(rv) => (
                Vec::new(),
                state
                    .history
                    .iter()
                    .filter(|c| c.resource_version > rv && c.kind == kind)
                    .cloned()
                    .collect(),
            ),
        };
        Ok(WatchStart {
            initial,
            replay,
            receiver,
            resource_version: state.resource_version,
        })
    }

    /// Checks `apiVersion`/`kind` (filling them in when absent, except for apply),
    /// the namespace against the path, and strips what clients cannot write.
    fn prepare(
        kind: &Kind,
        path_namespace: Option<&str>,
        body: &mut Value,
        require_type: bool,
    ) -> Result<String, ApiError> {
        if !body.is_object() {
            return Err(ApiError::bad_request("the request body must be an object"));
        }
        for (field, expected) in [("apiVersion", kind.api_version()), ("kind", kind.kind.to_owned())] {
            match body.get(field).and_then(Value::as_str) {
                Some(given) if given != expected => {
                    return Err(ApiError::bad_request(format!(
                        "the {field} of the object ({given}) does not match the resource ({expected})"
                    )));
                }
                Some(_) => {}
                None if require_type => {
                    return Err(ApiError::bad_request(format!("{field} must be set")));
                }
                None => body[field] = Value::String(expected),
            }
        }
        let namespace = if kind.namespaced {
            let path_ns = path_namespace.ok_or_else(|| ApiError::bad_request("a namespace is required"))?;
            if let Some(given) = meta(body, "namespace")
                && given != path_ns
            {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            meta_mut(body).insert("namespace".into(), Value::String(path_ns.to_owned()));
            path_ns.to_owned()
        } else {
            meta_mut(body).remove("namespace");
            String::new()
        };
        if kind.has_status
            && let Some(map) = body.as_object_mut()
        {
            map.remove("status");
        }
        let m = meta_mut(body);
        for server_owned in [
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "deletionTimestamp",
            "selfLink",
        ] {
            m.remove(server_owned);
        }
        Ok(namespace)
    }

    fn require_namespace(state: &State, kind: &Kind, namespace: &str) -> Result<(), ApiError> {
        if kind.namespaced && !state.objects[NAMESPACE].contains_key(&(String::new(), namespace.to_owned())) {
            return Err(ApiError::namespace_not_found(namespace));
        }
        Ok(())
    }

    fn stamp_new(kind: &Kind, object: &mut Value) {
        let m = meta_mut(object);
        m.insert("uid".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        m.insert("creationTimestamp".into(), Value::String(now()));
        m.insert("generation".into(), json!(1));
        if kind.kind == "Namespace" {
            object["status"] = json!({"phase": "Active"});
        }
    }

    fn bump_generation(old: &Value, new: &mut Value) {
        let generation = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let next = if spec_of(old) == spec_of(new) {
            generation
        } else {
            generation + 1
        };
        meta_mut(new).insert("generation".into(), json!(next));
    }

    /// Keeps what the server owns from the live object.
    fn carry_server_fields(kind: &Kind, live: &Value, new: &mut Value) {
        for field in ["uid", "creationTimestamp", "generation", "name", "namespace"] {
            if let Some(v) = live.get("metadata").and_then(|m| m.get(field)) {
                meta_mut(new).insert(field.into(), v.clone());
            }
        }
        if kind.has_status
            && let Some(status) = live.get("status")
        {
            new["status"] = status.clone();
        }
    }

    pub fn create(
        &self,
        kind: usize,
        path_namespace: Option<&str>,
        mut body: Value,
        manager: &str,
    ) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        let namespace = Self::prepare(k, path_namespace, &mut body, false)?;
        let name = match (meta(&body, "name"), meta(&body, "generateName")) {
            (Some(name), _) => name,
            (None, Some(prefix)) => {
                let suffix: String = uuid::Uuid::new_v4()
                    .simple()
                    .to_string()
                    .chars()
                    .take(5)
                    .collect();
                format!("{prefix}{suffix}")
            }
            (None, None) => {
                return Err(invalid(
                    k,
                    "",
                    "metadata.name",
                    "Required value: name or generateName is required",
                ));
            }
        };
        if !valid_name(&name) {
            return Err(invalid(
                k,
                &name,
                "metadata.name",
                &format!(
                    "Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
                ),
            ));
        }
        meta_mut(&mut body).insert("name".into(), Value::String(name.clone()));
        let mut state = self.lock();
        Self::require_namespace(&state, k, &namespace)?;
        let key = (namespace, name.clone());
        if state.objects[kind].contains_key(&key) {
            return Err(ApiError::already_exists(k, &name));
        }
        Self::stamp_new(k, &mut body);
        apply::record_update(None, &mut body, manager, &k.api_version(), &now());
        Ok(self.commit(&mut state, kind, key, Some(body), EventType::Added))
    }

    /// Server-side apply. Returns the object and whether it was created.
    pub fn apply(
        &self,
        kind: usize,
        path_namespace: Option<&str>,
        name: &str,
        mut body: Value,
        manager: &str,
        force: bool,
    ) -> Result<(Arc<Value>, bool), ApiError> {
        let k = &KINDS[kind];
        let namespace = Self::prepare(k, path_namespace, &mut body, true)?;
        match meta(&body, "name") {
            Some(given) if given != name => {
                return Err(ApiError::bad_request(format!(
                    "the name of the object ({given}) does not match the name on the URL ({name})"
                )));
            }
            Some(_) => {}
            None => {
                meta_mut(&mut body).insert("name".into(), Value::String(name.to_owned()));
            }
        }
        if !valid_name(name) {
            return Err(invalid(
                k,
                name,
                "metadata.name",
                "Invalid value: not a lowercase RFC 1123 subdomain",
            ));
        }
        let mut state = self.lock();
        Self::require_namespace(&state, k, &namespace)?;
        let key = (namespace.clone(), name.to_owned());
        let api_version = k.api_version();
        let now = now();
        match state.objects[kind].get(&key).cloned() {
            None => {
                let mut base = json!({"apiVersion": api_version, "kind": k.kind, "metadata": {"name": name}});
                if k.namespaced {
                    base["metadata"]["namespace"] = Value::String(namespace);
                }
                let mut object = apply::apply(&base, &body, manager, &api_version, force, &now)
                    .map_err(|c| apply::conflict_error(&c))?
                    .unwrap_or(base);
                Self::stamp_new(k, &mut object);
                Ok((
                    self.commit(&mut state, kind, key, Some(object), EventType::Added),
                    true,
                ))
            }
            Some(live) => match apply::apply(&live, &body, manager, &api_version, force, &now) {
                Err(conflicts) => Err(apply::conflict_error(&conflicts)),
                Ok(None) => Ok((live, false)),
                Ok(Some(mut object)) => {
                    Self::carry_server_fields(k, &live, &mut object);
                    Self::bump_generation(&live, &mut object);
                    Ok((
                        self.commit(&mut state, kind, key, Some(object), EventType::Modified),
                        false,
                    ))
                }
            },
        }
    }

    fn check_precondition(k: &Kind, name: &str, live: &Value, body: &Value) -> Result<(), ApiError> {
        match meta(body, "resourceVersion") {
            Some(rv) if Some(&rv) != meta(live, "resourceVersion").as_ref() => Err(ApiError::new(
                409,
                "Conflict",
                format!(
                    "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                    k.qualified()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// Writes `next` (already checked) in place of `live`, unless nothing changed.
    fn update_existing(
        &self,
        state: &mut State,
        kind: usize,
        key: Key,
        live: &Arc<Value>,
        mut next: Value,
        manager: &str,
    ) -> Arc<Value> {
        let k = &KINDS[kind];
        Self::carry_server_fields(k, live, &mut next);
        Self::bump_generation(live, &mut next);
        meta_mut(&mut next).insert(
            "resourceVersion".into(),
            live.pointer("/metadata/resourceVersion")
                .cloned()
                .unwrap_or(Value::Null),
        );
        apply::record_update(Some(live), &mut next, manager, &k.api_version(), &now());
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("managedFields");
            }
            v
        };
        if strip(&next) == strip(live) {
            return live.clone();
        }
        self.commit(state, kind, key, Some(next), EventType::Modified)
    }

    /// PUT: replace the object, with optimistic concurrency on `resourceVersion`.
    pub fn replace(
        &self,
        kind: usize,
        path_namespace: Option<&str>,
        name: &str,
        mut body: Value,
        manager: &str,
    ) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        let namespace = Self::prepare(k, path_namespace, &mut body, false)?;
        if meta(&body, "name").as_deref() != Some(name) {
            return Err(ApiError::bad_request(
                "the name of the object does not match the name on the URL",
            ));
        }
        let mut state = self.lock();
        let key = (namespace, name.to_owned());
        let live = state.objects[kind]
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(k, name))?;
        Self::check_precondition(k, name, &live, &body)?;
        Ok(self.update_existing(&mut state, kind, key, &live, body, manager))
    }

    /// JSON merge patch (RFC 7386).
    pub fn merge_patch(
        &self,
        kind: usize,
        path_namespace: Option<&str>,
        name: &str,
        mut patch: Value,
        manager: &str,
    ) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        if !patch.is_object() {
            return Err(ApiError::bad_request("a merge patch must be a JSON object"));
        }
        if k.has_status
            && let Some(map) = patch.as_object_mut()
        {
            map.remove("status");
        }
        let mut state = self.lock();
        let key = Self::key(k, path_namespace, name);
        let live = state.objects[kind]
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(k, name))?;
        Self::check_precondition(k, name, &live, &patch)?;
        let mut next = (*live).clone();
        apply::merge_patch(&mut next, &patch);
        Ok(self.update_existing(&mut state, kind, key, &live, next, manager))
    }

    /// Deletes at once (no finalizers, no graceful period); deleting a namespace
    /// deletes what it holds.
    pub fn delete(&self, kind: usize, namespace: Option<&str>, name: &str) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        let mut state = self.lock();
        let key = Self::key(k, namespace, name);
        if !state.objects[kind].contains_key(&key) {
            return Err(ApiError::not_found(k, name));
        }
        if kind == NAMESPACE {
            for index in (0..KINDS.len()).filter(|i| KINDS[*i].namespaced) {
                let keys: Vec<Key> = state.objects[index]
                    .keys()
                    .filter(|key| key.0 == name)
                    .cloned()
                    .collect();
                for contained in keys {
                    self.commit(&mut state, index, contained, None, EventType::Deleted);
                }
            }
        }
        Ok(self.commit(&mut state, kind, key, None, EventType::Deleted))
    }

    /// Inserts or replaces an object as the cluster's own controllers would (status
    /// included, no field manager): for seeding and for tests that simulate the cluster.
    pub fn put(&self, mut object: Value) -> Result<Arc<Value>, ApiError> {
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind_name = object
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let kind = crate::kinds::by_kind(&api_version, &kind_name)
            .ok_or_else(|| ApiError::bad_request(format!("no kind {kind_name} in {api_version}")))?;
        let k = &KINDS[kind];
        let name = meta(&object, "name").ok_or_else(|| ApiError::bad_request("metadata.name is required"))?;
        let namespace = if k.namespaced {
            meta(&object, "namespace").unwrap_or_default()
        } else {
            String::new()
        };
        let mut state = self.lock();
        Self::require_namespace(&state, k, &namespace)?;
        let key = (namespace, name);
        let event = match state.objects[kind].get(&key) {
            Some(live) => {
                for field in ["uid", "creationTimestamp", "generation"] {
                    if let Some(v) = live.get("metadata").and_then(|m| m.get(field)) {
                        meta_mut(&mut object).insert(field.into(), v.clone());
                    }
                }
                EventType::Modified
            }
            None => {
                let status = object.get("status").cloned();
                Self::stamp_new(k, &mut object);
                if let Some(status) = status {
                    object["status"] = status;
                }
                EventType::Added
            }
        };
        Ok(self.commit(&mut state, kind, key, Some(object), event))
    }

    /// Changes an object in place as a controller would (e.g. a Deployment's status).
    pub fn modify(
        &self,
        kind: usize,
        namespace: Option<&str>,
        name: &str,
        change: impl FnOnce(&mut Value),
    ) -> Result<Arc<Value>, ApiError> {
        let k = &KINDS[kind];
        let mut state = self.lock();
        let key = Self::key(k, namespace, name);
        let live = state.objects[kind]
            .get(&key)
            .cloned()
            .ok_or_else(|| ApiError::not_found(k, name))?;
        let mut next = (*live).clone();
        change(&mut next);
        if next == *live {
            return Ok(live);
        }
        Ok(self.commit(&mut state, kind, key, Some(next), EventType::Modified))
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
