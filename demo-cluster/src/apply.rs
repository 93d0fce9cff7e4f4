//! Server-side apply and field ownership (`metadata.managedFields`), following the
//! documented semantics with two simplifications: every list is atomic (owned and
//! replaced whole, as with `x-kubernetes-list-type: atomic`), and there is no
//! per-type defaulting. Non-apply writes (create, replace, merge patch) record an
//! `Update` entry that takes over the fields they change, without conflicts.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::status::ApiError;

/// A path from the object's root to an owned leaf (a scalar, a list, or `{}`).
pub type Path = Vec<String>;
pub type FieldSet = BTreeSet<Path>;

/// Metadata the server owns; appliers cannot own or change it.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "selfLink",
];

fn unowned(path: &[String]) -> bool {
    match path {
        [top] => top == "apiVersion" || top == "kind",
        [meta, field] => meta == "metadata" && SERVER_METADATA.contains(&field.as_str()),
        _ => false,
    }
}

/// The leaves an object sets: what its applier comes to own.
pub fn leaves(object: &Value) -> FieldSet {
    fn walk(value: &Value, path: &mut Path, out: &mut FieldSet) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (key, child) in map {
                    path.push(key.clone());
                    if !unowned(path) {
                        walk(child, path, out);
                    }
                    path.pop();
                }
            }
            _ if !path.is_empty() => {
                out.insert(path.clone());
            }
            _ => {}
        }
    }
    let mut out = FieldSet::new();
    walk(object, &mut Vec::new(), &mut out);
    out
}

pub fn value_at<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(object, |v, key| v.get(key))
}

/// Removes a leaf, then any parent object it leaves empty (below the top level).
fn remove_at(object: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = &mut *object;
    for key in parents {
        match node.get_mut(key) {
            Some(child) => node = child,
            None => return,
        }
    }
    if let Some(map) = node.as_object_mut() {
        map.remove(last);
    }
    if parents.len() > 1
        && value_at(object, parents).is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
    {
        remove_at(object, parents);
    }
}

/// Objects merge key by key; anything else (scalars, lists) replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (key, value) in p {
                match t.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => merge(existing, value),
                    _ => {
                        t.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// RFC 7386 JSON merge patch: `null` deletes.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(t) = target {
        for (key, value) in p {
            if value.is_null() {
                t.remove(key);
            } else {
                merge_patch(t.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manager {
    pub name: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub fields: FieldSet,
}

fn fields_v1(fields: &FieldSet) -> Value {
    let mut root = Value::Object(Map::new());
    for path in fields {
        let mut node = &mut root;
        for key in path {
            node = node
                .as_object_mut()
                .map(|m| m.entry(format!("f:{key}")).or_insert_with(|| json!({})))
                .unwrap_or_else(|| unreachable!("field trees hold only objects"));
        }
    }
    root
}

fn from_fields_v1(tree: &Value) -> FieldSet {
    fn walk(node: &Value, path: &mut Path, out: &mut FieldSet) {
        match node.as_object() {
            Some(map) if !map.is_empty() => {
                for (key, child) in map {
                    if let Some(field) = key.strip_prefix("f:") {
                        path.push(field.to_owned());
                        walk(child, path, out);
                        path.pop();
                    }
                }
            }
            _ if !path.is_empty() => {
                out.insert(path.clone());
            }
            _ => {}
        }
    }
    let mut out = FieldSet::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

pub fn read_managers(object: &Value) -> Vec<Manager> {
    let Some(entries) =
        value_at(object, &["metadata".into(), "managedFields".into()]).and_then(Value::as_array)
    else {
        return Vec::new();
    };
    entries
        .iter()
        .map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            Manager {
                name: text("manager"),
                operation: text("operation"),
                api_version: text("apiVersion"),
                time: text("time"),
                fields: e.get("fieldsV1").map(from_fields_v1).unwrap_or_default(),
            }
        })
        .collect()
}

pub fn write_managers(object: &mut Value, managers: &[Manager]) {
    let entries: Vec<Value> = managers
        .iter()
        .filter(|m| !m.fields.is_empty())
        .map(|m| {
            json!({
                "manager": m.name,
                "operation": m.operation,
                "apiVersion": m.api_version,
                "time": m.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": fields_v1(&m.fields),
            })
        })
        .collect();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        if entries.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(entries));
        }
    }
}

fn without_managed_fields(object: &Value) -> Value {
    let mut copy = object.clone();
    if let Some(meta) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    copy
}

/// Another manager owns a field the applier sets to a different value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub manager: String,
    pub api_version: String,
    pub path: Path,
}

fn dotted(path: &Path) -> String {
    format!(".{}", path.join("."))
}

/// The 409 a real API server sends, in its wording, so clients that parse the other
/// manager's name out of the message work against both.
pub fn conflict_error(conflicts: &[Conflict]) -> ApiError {
    let mut groups: Vec<(&Conflict, Vec<String>)> = Vec::new();
    for c in conflicts {
        match groups.iter_mut().find(|(first, _)| first.manager == c.manager) {
            Some((_, paths)) => paths.push(dotted(&c.path)),
            None => groups.push((c, vec![dotted(&c.path)])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(c, paths)| match paths.as_slice() {
            [one] => format!("conflict with \"{}\" using {}: {one}", c.manager, c.api_version),
            many => format!(
                "conflicts with \"{}\" using {}:\n- {}",
                c.manager,
                c.api_version,
                many.join("\n- ")
            ),
        })
        .collect();
    let n = conflicts.len();
    let message = format!(
        "Apply failed with {n} conflict{}: {}",
        if n == 1 { "" } else { "s" },
        parts.join("\n")
    );
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with \"{}\" using {}", c.manager, c.api_version),
                "field": dotted(&c.path),
            })
        })
        .collect();
    ApiError::new(409, "Conflict", message).with_details(json!({ "causes": causes }))
}

/// Applies `config` as `manager` to `live`. `Ok(None)` means nothing would change,
/// so the caller keeps the object and its `resourceVersion` as they are.
pub fn apply(
    live: &Value,
    config: &Value,
    manager: &str,
    api_version: &str,
    force: bool,
    now: &str,
) -> Result<Option<Value>, Vec<Conflict>> {
    let config = without_managed_fields(config);
    let wanted = leaves(&config);
    let mut managers = read_managers(live);
    let conflicts: Vec<Conflict> = managers
        .iter()
        .filter(|m| m.name != manager)
        .flat_map(|m| {
            m.fields
                .intersection(&wanted)
                .filter(|p| value_at(live, p) != value_at(&config, p))
                .map(|p| Conflict {
                    manager: m.name.clone(),
                    api_version: m.api_version.clone(),
                    path: p.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for m in managers.iter_mut().filter(|m| m.name != manager) {
        m.fields
            .retain(|p| !conflicts.iter().any(|c| c.manager == m.name && &c.path == p));
    }
    let position = managers
        .iter()
        .position(|m| m.name == manager && m.operation == "Apply");
    let previous = position.map(|i| managers[i].fields.clone()).unwrap_or_default();
    let mut object = live.clone();
    for path in previous.difference(&wanted) {
        let shared = managers
            .iter()
            .any(|m| !(m.name == manager && m.operation == "Apply") && m.fields.contains(path));
        if !shared {
            remove_at(&mut object, path);
        }
    }
    merge(&mut object, &config);
    let entry = Manager {
        name: manager.to_owned(),
        operation: "Apply".to_owned(),
        api_version: api_version.to_owned(),
        time: now.to_owned(),
        fields: wanted,
    };
    let before = read_managers(live);
    match position {
        Some(i) => managers[i] = entry,
        None => managers.push(entry),
    }
    managers.retain(|m| !m.fields.is_empty());
    let same_fields = before.len() == managers.len()
        && before
            .iter()
            .zip(&managers)
            .all(|(a, b)| a.name == b.name && a.operation == b.operation && a.fields == b.fields);
    if same_fields && without_managed_fields(&object) == without_managed_fields(live) {
        return Ok(None);
    }
    write_managers(&mut object, &managers);
    Ok(Some(object))
}

/// Records a non-apply write by `manager`: it takes over every field it changed.
pub fn record_update(old: Option<&Value>, new: &mut Value, manager: &str, api_version: &str, now: &str) {
    let present = leaves(new);
    let changed: FieldSet = present
        .iter()
        .filter(|p| old.and_then(|o| value_at(o, p)) != value_at(new, p))
        .cloned()
        .collect();
    let mut managers = old.map(read_managers).unwrap_or_default();
    for m in &mut managers {
        m.fields.retain(|p| present.contains(p) && !changed.contains(p));
    }
    if !changed.is_empty() {
        match managers
            .iter_mut()
            .find(|m| m.name == manager && m.operation == "Update")
        {
            Some(m) => {
                m.fields.extend(changed);
                m.time = now.to_owned();
            }
            None => managers.push(Manager {
                name: manager.to_owned(),
                operation: "Update".to_owned(),
                api_version: api_version.to_owned(),
                time: now.to_owned(),
                fields: changed,
            }),
        }
    }
    managers.retain(|m| !m.fields.is_empty());
    write_managers(new, &managers);
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: &str = "2026-11-28T00:00:00Z";
    const T1: &str = "2026-11-28T00:01:00Z";

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": data})
    }

    #[test]
    fn leaves_skip_server_metadata_and_treat_lists_as_atomic() {
        let set = leaves(&json!({
            "apiVersion": "v1", "kind": "X",
            "metadata": {"name": "a", "resourceVersion": "3", "labels": {"k": "v"}},
            "spec": {"list": [1, 2], "empty": {}}
        }));
        let paths: Vec<String> = set.iter().map(dotted).collect();
        assert_eq!(paths, [".metadata.labels.k", ".spec.empty", ".spec.list"]);
    }

    #[test]
    fn field_trees_round_trip() {
        let set = leaves(&cm(json!({"a": "1", "b": "2"})));
        assert_eq!(from_fields_v1(&fields_v1(&set)), set);
        assert_eq!(fields_v1(&set)["f:data"]["f:a"], json!({}));
    }

    #[test]
    fn reapplying_the_same_config_changes_nothing() {
        let config = cm(json!({"a": "1"}));
        let first = apply(
            &json!({"metadata": {"name": "c"}}),
            &config,
            "me",
            "v1",
            false,
            T0,
        )
        .expect("no conflict")
        .expect("changed");
        assert_eq!(apply(&first, &config, "me", "v1", false, T1), Ok(None));
    }

    #[test]
    fn another_managers_different_value_conflicts_unless_forced() {
        let live = apply(&json!({}), &cm(json!({"a": "1"})), "one", "v1", false, T0)
            .expect("ok")
            .expect("changed");
        let err = apply(&live, &cm(json!({"a": "2"})), "two", "v1", false, T1).expect_err("conflict");
        assert_eq!(
            err,
            vec![Conflict {
                manager: "one".into(),
                api_version: "v1".into(),
                path: vec!["data".into(), "a".into()]
            }]
        );
        assert_eq!(
            conflict_error(&err).message,
            "Apply failed with 1 conflict: conflict with \"one\" using v1: .data.a"
        );
        // Same value: shared ownership, no conflict.
        assert!(apply(&live, &cm(json!({"a": "1"})), "two", "v1", false, T1).is_ok());
        let forced = apply(&live, &cm(json!({"a": "2"})), "two", "v1", true, T1)
            .expect("forced")
            .expect("changed");
        assert_eq!(forced["data"]["a"], "2");
        let owners = read_managers(&forced);
        assert_eq!(
            owners.len(),
            1,
            "the first manager lost its only field: {owners:?}"
        );
        assert_eq!(owners[0].name, "two");
    }

    #[test]
    fn fields_dropped_from_the_config_are_removed_unless_someone_else_owns_them() {
        let live = apply(
            &json!({}),
            &cm(json!({"a": "1", "b": "2"})),
            "me",
            "v1",
            false,
            T0,
        )
        .expect("ok")
        .expect("changed");
        let next = apply(&live, &cm(json!({"a": "1"})), "me", "v1", false, T1)
            .expect("ok")
            .expect("changed");
        assert_eq!(next["data"], json!({"a": "1"}));
    }

    #[test]
    fn updates_take_over_the_fields_they_change() {
        let live = apply(&json!({}), &cm(json!({"a": "1"})), "applier", "v1", false, T0)
            .expect("ok")
            .expect("changed");
        let mut edited = live.clone();
        merge_patch(&mut edited, &json!({"data": {"a": "9", "z": null}}));
        record_update(Some(&live), &mut edited, "kubectl-edit", "v1", T1);
        let owners = read_managers(&edited);
        assert_eq!(
            owners.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
            ["kubectl-edit"]
        );
        let err = apply(&edited, &cm(json!({"a": "1"})), "applier", "v1", false, T1).expect_err("conflict");
        assert_eq!(err[0].manager, "kubectl-edit");
    }

    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
    }
}
