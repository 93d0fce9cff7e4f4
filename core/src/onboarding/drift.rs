//! Drift: where a live object no longer says what Parkway applied. Only the fields
//! Parkway set are compared (the cluster adds defaults and status of its own), and
//! quantities compare by value (`0.5` and `500m` are the same CPU).

use serde_json::Value;

use super::quantity;

/// One difference: the dotted field, what was applied, what is live (`None`: gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub expected: String,
    pub actual: Option<String>,
}

/// The fields of `applied` that `live` does not match; `live: None` is one difference
/// for the whole object.
pub fn compare(applied: &Value, live: Option<&Value>) -> Vec<Difference> {
    let Some(live) = live else {
        return vec![Difference {
            field: String::new(),
            expected: "the object".into(),
            actual: None,
        }];
    };
    let mut out = Vec::new();
    walk(applied, Some(live), &mut String::new(), &mut out);
    out
}

fn walk(applied: &Value, live: Option<&Value>, path: &mut String, out: &mut Vec<Difference>) {
    match applied {
        Value::Object(fields) => {
            for (key, value) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(value, live.and_then(|l| l.get(key)), path, out);
                path.truncate(len);
            }
        }
        leaf => {
            if !same(leaf, live) {
                out.push(Difference {
                    field: path.clone(),
                    expected: render(leaf),
                    actual: live.filter(|v| !v.is_null()).map(render),
                });
            }
        }
    }
}

fn same(applied: &Value, live: Option<&Value>) -> bool {
    let Some(live) = live else { return false };
    if applied == live {
        return true;
    }
    match (applied, live) {
        (Value::String(a), Value::String(b)) => {
            matches!((quantity::parse(a), quantity::parse(b)), (Ok(x), Ok(y)) if x == y)
        }
        (Value::Number(a), Value::String(b)) | (Value::String(b), Value::Number(a)) => a.to_string() == *b,
        (Value::Array(a), Value::Array(b)) => {
            // Arrays are compared element by element on what was applied.
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| compare(x, Some(y)).is_empty())
        }
        _ => false,
    }
}

fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn extra_live_fields_are_not_drift_but_changed_and_missing_ones_are() {
        let applied = json!({"metadata": {"labels": {"a": "1", "pod-security.kubernetes.io/enforce": "restricted"}},
                             "spec": {"hard": {"cpu": "500m", "pods": "50"}, "ports": [{"port": 53}]}});
        let same = json!({"metadata": {"labels": {"a": "1", "pod-security.kubernetes.io/enforce": "restricted", "x": "y"}, "uid": "u"},
                          "spec": {"hard": {"cpu": "0.5", "pods": "50"}, "ports": [{"port": 53, "protocol": "UDP"}]}, "status": {}});
        assert_eq!(compare(&applied, Some(&same)), []);
        let loosened = json!({"metadata": {"labels": {"a": "1", "pod-security.kubernetes.io/enforce": "privileged"}},
                              "spec": {"hard": {"cpu": "2"}, "ports": [{"port": 53}]}});
        let diffs = compare(&applied, Some(&loosened));
        let fields: Vec<&str> = diffs.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "metadata.labels.pod-security.kubernetes.io/enforce",
                "spec.hard.cpu",
                "spec.hard.pods"
            ]
        );
        assert_eq!(diffs[0].actual.as_deref(), Some("privileged"));
        assert_eq!(diffs[2].actual, None);
        assert_eq!(compare(&applied, None).len(), 1);
    }
}
