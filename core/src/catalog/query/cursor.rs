//! Keyset cursors: where a page ended, in the terms of its order, as an opaque token.
//! Pure, so every order's comparison is tested without a database.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use super::super::{
    error::{Error, Result},
    index::Ranked,
};
use super::Sort;

/// Where a page ended, in the terms of its order: what the next page starts after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "lowercase")]
pub(super) enum Position {
    Name {
        name: String,
        key: String,
    },
    /// `at`: microseconds since the epoch, exact (a float would round).
    Updated {
        at: i64,
        key: String,
    },
    Relevance {
        rank: f32,
        name: String,
        key: String,
    },
}

impl Position {
    pub(super) fn sort(&self) -> Sort {
        match self {
            Position::Name { .. } => Sort::Name,
            Position::Updated { .. } => Sort::Updated,
            Position::Relevance { .. } => Sort::Relevance,
        }
    }

    pub(super) fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub(super) fn decode(cursor: &str) -> Result<Self> {
        let bad = || Error::BadRequest {
            field: "cursor",
            reason: "not a cursor this API returned; start again without it".into(),
        };
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        serde_json::from_slice(&bytes).map_err(|_| bad())
    }

    /// Where a hit sits in `sort`'s order.
    pub(super) fn of(sort: Sort, hit: &Ranked<'_>) -> Self {
        let (name, key) = (hit.name.to_owned(), hit.key.to_owned());
        match sort {
            Sort::Name => Position::Name { name, key },
            Sort::Updated => Position::Updated { at: hit.updated, key },
            Sort::Relevance => Position::Relevance {
                rank: hit.rank,
                name,
                key,
            },
        }
    }

    /// The position as a row, to compare rows against in their order.
    pub(super) fn as_ranked(&self) -> Ranked<'_> {
        match self {
            Position::Name { name, key } => Ranked {
                row: 0,
                key,
                name,
                rank: 0.0,
                updated: 0,
            },
            Position::Updated { at, key } => Ranked {
                row: 0,
                key,
                name: "",
                rank: 0.0,
                updated: *at,
            },
            Position::Relevance { rank, name, key } => Ranked {
                row: 0,
                key,
                name,
                rank: *rank,
                updated: 0,
            },
        }
    }
}

/// The cursor, if any, checked against the order it must continue.
pub(super) fn cursor_of(cursor: Option<&str>, sort: Sort) -> Result<Option<Position>> {
    let Some(position) = cursor.map(Position::decode).transpose()? else {
        return Ok(None);
    };
    if position.sort() != sort {
        return Err(Error::BadRequest {
            field: "cursor",
            reason: format!(
                "it continues the `{}` order, not `{}`; start again without it",
                position.sort().as_str(),
                sort.as_str()
            ),
        });
    }
    Ok(Some(position))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        for position in [
            Position::Relevance {
                rank: 0.123_456_7,
                name: "svc".into(),
                key: "component:default/svc".into(),
            },
            Position::Updated {
                at: 1_795_000_000_123_456,
                key: "component:default/svc".into(),
            },
        ] {
            let sort = position.sort();
            assert_eq!(
                cursor_of(Some(&position.encode()), sort).expect("ours"),
                Some(position)
            );
        }
        assert!(Position::decode("bm90IGEgY3Vyc29y").is_err());
    }

    #[test]
    fn a_cursor_only_continues_its_own_order() {
        let by_name = Position::Name {
            name: "svc".into(),
            key: "component:default/svc".into(),
        }
        .encode();
        let err = cursor_of(Some(&by_name), Sort::Updated).expect_err("another order");
        assert!(
            err.to_string()
                .contains("continues the `name` order, not `updated`"),
            "{err}"
        );
    }
}
