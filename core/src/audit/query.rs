//! Reading the trail back: filters, newest-first keyset pages, and exports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use super::{AuditRecord, Error, Result};

/// Narrows the listing; every field is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Exact actor, such as `user:ada@example.com` (see [`actor_aliases`]).
    pub actor: Option<String>,
    /// Action or action prefix: `token.` matches `token.create` and `token.revoke`.
    pub action: Option<String>,
    /// Target or target prefix: `token:` matches every token.
    pub target: Option<String>,
    /// Inclusive lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    /// Blank strings (as empty form fields arrive) mean "no filter".
    #[must_use]
    pub fn normalized(self) -> Self {
        let keep = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Self {
            actor: keep(self.actor),
            action: keep(self.action),
            target: keep(self.target),
            ..self
        }
    }
}

impl AuditFilter {
    /// A filter as the audit page's form sends it: texts (blank for none) and
    /// `YYYY-MM-DD` dates in UTC, `to` inclusive.
    pub fn from_form(actor: String, action: String, target: String, from: &str, to: &str) -> Result<Self> {
        Ok(Self {
            actor: Some(actor),
            action: Some(action),
            target: Some(target),
            from: day("from", from, 0)?,
            to: day("to", to, 1)?,
        }
        .normalized())
    }
}

/// Midnight UTC of `text` plus `days`; blank means no bound.
fn day(field: &'static str, text: &str, days: i64) -> Result<Option<DateTime<Utc>>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Error::BadRequest {
        field,
        reason: format!("`{text}` is not a date like 2026-11-27"),
    })?;
    Ok(date
        .checked_add_signed(chrono::Duration::days(days))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc()))
}

/// The actor names a filter for `actor` matches. Catalog changes made before the
/// use-case layer recorded a person or service by their bare handle
/// (`ada@example.com`) where everything else records `user:ada@example.com`, and the
/// audit trail cannot be rewritten: so `user:x` and `service:x` also find `x`, and a
/// bare `x` also finds `user:x` and `service:x`. Other prefixes (`system:cli`) match
/// only themselves.
pub fn actor_aliases(actor: &str) -> Vec<String> {
    match actor.split_once(':') {
        Some(("user" | "service", bare)) => vec![actor.to_owned(), bare.to_owned()],
        Some(_) => vec![actor.to_owned()],
        None => vec![
            actor.to_owned(),
            format!("user:{actor}"),
            format!("service:{actor}"),
        ],
    }
}

/// Largest page a caller may ask for.
pub const MAX_PAGE: i64 = 200;
/// Most rows one export returns; narrow the filter for more.
pub const MAX_EXPORT: i64 = 100_000;

/// `LIKE` pattern matching values that start with `prefix` literally.
fn prefix_pattern(prefix: Option<&str>) -> Option<String> {
    prefix.map(|p| {
        let escaped = p.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        format!("{escaped}%")
    })
}

/// Events matching `filter` with ids below `before` (all when `None`), newest first.
pub async fn list(
    pool: &PgPool,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditRecord>> {
    let actors: Option<Vec<String>> = filter.actor.as_deref().map(actor_aliases);
    Ok(sqlx::query_as!(
        AuditRecord,
        r#"select id, occurred_at, actor, action, target, payload, request_id, prev_hash, hash
           from audit_events
           where ($1::text[] is null or actor = any($1))
             and ($2::text is null or action like $2)
             and ($3::text is null or target like $3)
             and ($4::timestamptz is null or occurred_at >= $4)
             and ($5::timestamptz is null or occurred_at < $5)
             and ($6::bigint is null or id < $6)
           order by id desc
           limit $7"#,
        actors.as_deref(),
        prefix_pattern(filter.action.as_deref()),
        prefix_pattern(filter.target.as_deref()),
        filter.from,
        filter.to,
        before,
        // One more than an export holds, so the export can tell it was cut.
        limit.clamp(1, MAX_EXPORT + 1),
    )
    .fetch_all(pool)
    .await?)
}

/// One row of an export: hashes in hex so spreadsheets and people can read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExportRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditRecord> for ExportRow {
    fn from(record: AuditRecord) -> Self {
        Self {
            id: record.id,
            occurred_at: record.occurred_at,
            actor: record.actor,
            action: record.action,
            target: record.target,
            payload: record.payload,
            request_id: record.request_id,
            prev_hash: hex::encode(record.prev_hash),
            hash: hex::encode(record.hash),
        }
    }
}

pub const CSV_HEADER: &str = "id,occurred_at,actor,action,target,payload,request_id,prev_hash,hash\r\n";

/// RFC 4180 CSV (see [`crate::csv`]: actors and targets can come from outside).
pub fn to_csv(rows: &[ExportRow]) -> String {
    let mut out = String::from(CSV_HEADER);
    for row in rows {
        let cells = [
            row.id.to_string(),
            row.occurred_at.to_rfc3339(),
            row.actor.clone(),
            row.action.clone(),
            row.target.clone(),
            row.payload.to_string(),
            row.request_id.clone().unwrap_or_default(),
            row.prev_hash.clone(),
            row.hash.clone(),
        ];
        out.push_str(&crate::csv::line(cells.iter().map(String::as_str)));
    }
    out
}

/// The last line of a CSV export that stopped at `cap` rows: says so, and how to get
/// the older events (`before` the last exported id).
pub fn truncation_line(cap: i64, last_id: i64) -> String {
    let text = format!(
        "TRUNCATED: this export stops at {cap} events (the newest that match); export again with before={last_id} for older ones"
    );
    crate::csv::line([text.as_str()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(actor: &str, payload: serde_json::Value) -> ExportRow {
        ExportRow {
            id: 7,
            occurred_at: DateTime::from_timestamp(1_800_000_000, 0).expect("time"),
            actor: actor.into(),
            action: "token.create".into(),
            target: "token:1".into(),
            payload,
            request_id: None,
            prev_hash: "00".into(),
            hash: "ff".into(),
        }
    }

    #[test]
    fn csv_quotes_commas_quotes_and_defuses_formulas() {
        let csv = to_csv(&[row("=HYPERLINK(\"x\")", serde_json::json!({"a": "b,c"}))]);
        let mut lines = csv.split("\r\n");
        assert_eq!(lines.next(), Some(CSV_HEADER.trim_end()));
        let line = lines.next().expect("a row");
        assert!(
            line.starts_with("7,2027-01-15T08:00:00+00:00,\"'=HYPERLINK(\"\"x\"\")\",token.create,"),
            "{line}"
        );
        assert!(line.contains("\"{\"\"a\"\":\"\"b,c\"\"}\""), "{line}");
    }

    #[test]
    fn prefix_patterns_escape_like_wildcards() {
        assert_eq!(prefix_pattern(Some("token.")).as_deref(), Some("token.%"));
        assert_eq!(prefix_pattern(Some("50%_")).as_deref(), Some("50\\%\\_%"));
        assert_eq!(prefix_pattern(None), None);
    }

    #[test]
    fn people_are_found_by_their_handle_with_or_without_the_prefix() {
        assert_eq!(
            actor_aliases("user:ada@example.com"),
            ["user:ada@example.com", "ada@example.com"]
        );
        assert_eq!(actor_aliases("service:ci"), ["service:ci", "ci"]);
        assert_eq!(actor_aliases("ci"), ["ci", "user:ci", "service:ci"]);
        assert_eq!(actor_aliases("system:cli"), ["system:cli"]);
    }

    #[test]
    fn form_dates_are_whole_utc_days_with_an_inclusive_end() {
        let filter = AuditFilter::from_form(
            " ".into(),
            "token.".into(),
            String::new(),
            "2026-11-27",
            "2026-11-27",
        )
        .expect("dates");
        assert_eq!(filter.actor, None);
        assert_eq!(filter.action.as_deref(), Some("token."));
        assert_eq!(
            filter.from.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-27T00:00:00+00:00")
        );
        assert_eq!(
            filter.to.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-11-28T00:00:00+00:00")
        );
        let err = AuditFilter::from_form(String::new(), String::new(), String::new(), "27/11", "")
            .expect_err("not a date");
        assert_eq!(err.to_string(), "from: `27/11` is not a date like 2026-11-27");
    }

    #[test]
    fn blank_filters_mean_none() {
        let filter = AuditFilter {
            actor: Some("  ".into()),
            action: Some(" token ".into()),
            ..AuditFilter::default()
        }
        .normalized();
        assert_eq!(filter.actor, None);
        assert_eq!(filter.action.as_deref(), Some("token"));
    }
}
