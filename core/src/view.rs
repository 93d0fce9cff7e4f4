//! How times read on pages. Shared by every conversion of a domain result into the
//! view types of `parkway-types`.

use chrono::{DateTime, Utc};

/// UTC, to the minute: `2026-11-30 09:15 UTC`.
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// `42 s ago`, `3 min ago`, `5 h ago`, `2 d ago`, as of now.
pub fn age(t: DateTime<Utc>) -> String {
    age_at(t, Utc::now())
}

fn age_at(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - t).num_seconds().max(0);
    match secs {
        0..60 => format!("{secs} s ago"),
        60..3600 => format!("{} min ago", secs / 60),
        3600..86_400 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn ages_use_the_largest_whole_unit() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        assert_eq!(age_at(now - Duration::seconds(42), now), "42 s ago");
        assert_eq!(age_at(now - Duration::seconds(200), now), "3 min ago");
        assert_eq!(age_at(now - Duration::hours(5), now), "5 h ago");
        assert_eq!(age_at(now - Duration::days(2), now), "2 d ago");
        assert_eq!(age_at(now + Duration::seconds(5), now), "0 s ago", "clock skew");
        assert_eq!(when(now), "2027-01-15 08:00 UTC");
    }
}
