//! Plain writes: create, replace (with optimistic concurrency), merge patch, delete,
//! and the controller-style writes seeding and tests use.

use super::*;
use crate::apply;

impl Store {
    /// Checks `apiVersion`/`kind` (filling them in when absent, except for apply),
    /// the namespace against the path, and strips what clients cannot write.
    pub(super) fn prepare(
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

    pub(super) fn require_namespace(state: &State, kind: &Kind, namespace: &str) -> Result<(), ApiError> {
        if kind.namespaced && !state.objects[NAMESPACE].contains_key(&(String::new(), namespace.to_owned())) {
            return Err(ApiError::namespace_not_found(namespace));
        }
        Ok(())
    }

    pub(super) fn stamp_new(kind: &Kind, object: &mut Value) {
        let m = meta_mut(object);
        m.insert("uid".into(), Value::String(uuid::Uuid::new_v4().to_string()));
        m.insert("creationTimestamp".into(), Value::String(now()));
        m.insert("generation".into(), json!(1));
        if kind.kind == "Namespace" {
            object["status"] = json!({"phase": "Active"});
        }
    }

    pub(super) fn bump_generation(old: &Value, new: &mut Value) {
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
    pub(super) fn carry_server_fields(kind: &Kind, live: &Value, new: &mut Value) {
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

    pub(super) fn check_precondition(
        k: &Kind,
        name: &str,
        live: &Value,
        body: &Value,
    ) -> Result<(), ApiError> {
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
    pub(super) fn update_existing(
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
