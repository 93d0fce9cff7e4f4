//! KPI scorecards: delivery events in (deployments, their changes, incidents), the
//! four DORA keys per service computed from per-day aggregates, and roll-ups to team,
//! business unit and enterprise as distributions.

pub mod bands;
pub mod demo;
pub mod error;
pub mod events;
pub mod export;
pub mod figures;
pub mod governance;
pub mod maturity;
pub mod observed;
pub mod ops;
pub mod refresh;
pub mod rematch;
pub mod store;
pub mod webhooks;

pub use error::{Error, Result};

/// Settings the operations need from the server's configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// An incident that names neither a deployment nor a commit is linked to its
    /// service's latest successful production deployment finished at most this long
    /// before it opened (`PARKWAY_INCIDENT_LINK_WINDOW`).
    pub link_window_seconds: i64,
    /// Seals webhook secrets (derived from `PARKWAY_AUDIT_KEY`).
    pub sealing_key: webhooks::SealingKey,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            link_window_seconds: 24 * 3_600,
            sealing_key: webhooks::SealingKey::random(),
        }
    }
}

/// Reads a duration as configuration writes it: `90s`, `30m`, `24h`, `2d`, or plain
/// seconds.
pub fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        other => return Err(format!("unknown unit `{other}`: use s, m, h or d (e.g. 24h)")),
    };
    number
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{text}` is not a positive duration such as 24h"))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations_read_with_their_unit() {
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("90"), Ok(90));
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("-3h").is_err());
        assert!(parse_duration("h").is_err());
    }
}
