//! Server-side apply into the store: the merge and field ownership are in
//! `crate::apply`; this is where the result is checked and committed.

use super::*;
use crate::apply;

impl Store {
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
        let counted = (kind, key.clone());
        let api_version = k.api_version();
        let now = now();
        let outcome = match state.objects[kind].get(&key).cloned() {
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
        };
        if outcome.is_ok() {
            *state.applies.entry(counted).or_default() += 1;
        }
        outcome
    }
}
