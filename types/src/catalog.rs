//! The catalog's shared terms: listing orders, facets, the filters a catalog URL
//! carries, health roll-ups and descriptor problems. Pure, so the page builds the
//! same URLs the server reads and both agree on what an order or a state means.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::url::encode_into;

/// The order of a listing. Each has its own keyset cursor, so a cursor only continues
/// the order it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    /// By name, then key: the default without words.
    Name,
    /// Most recently imported or edited first.
    Updated,
    /// Best match first, then by name: the default when searching. Without words to
    /// match it is the same as `name`.
    Relevance,
}

impl Sort {
    /// In the order a page offers them.
    pub const ALL: [Sort; 3] = [Sort::Relevance, Sort::Name, Sort::Updated];

    /// As URLs spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Updated => "updated",
            Sort::Relevance => "relevance",
        }
    }

    /// As a page's order links say it.
    pub const fn label(self) -> &'static str {
        match self {
            Sort::Name => "Name",
            Sort::Updated => "Recently updated",
            Sort::Relevance => "Best match",
        }
    }

    /// The order a listing is in: the one asked for, else relevance when there are
    /// words to match, else name. Relevance without words is by name.
    pub const fn effective(asked: Option<Sort>, searching: bool) -> Sort {
        match (asked, searching) {
            (Some(Sort::Relevance) | None, false) => Sort::Name,
            (None, true) => Sort::Relevance,
            (Some(sort), _) => sort,
        }
    }

    /// Whether a page offers this order: relevance only when there are words.
    pub const fn offered(self, searching: bool) -> bool {
        searching || !matches!(self, Sort::Relevance)
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order that does not exist; the message lists the ones that do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not an order; use name, updated or relevance")]
pub struct UnknownSort {
    pub given: String,
}

impl FromStr for Sort {
    type Err = UnknownSort;

    fn from_str(s: &str) -> Result<Self, UnknownSort> {
        Sort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == s)
            .ok_or_else(|| UnknownSort { given: s.to_owned() })
    }
}

/// A facet: a filter with counts per value, named by the URL parameter it sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Facet {
    Kind,
    Lifecycle,
    Tier,
    BusinessUnit,
    Owner,
    Tag,
}

impl Facet {
    /// In the order the catalog page lists them.
    pub const ALL: [Facet; 6] = [
        Facet::Kind,
        Facet::Lifecycle,
        Facet::Tier,
        Facet::BusinessUnit,
        Facet::Owner,
        Facet::Tag,
    ];

    /// The query parameter, in URLs and the REST API.
    pub const fn param(self) -> &'static str {
        match self {
            Facet::Kind => "kind",
            Facet::Lifecycle => "lifecycle",
            Facet::Tier => "tier",
            Facet::BusinessUnit => "business_unit",
            Facet::Owner => "owner",
            Facet::Tag => "tag",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Facet::Kind => "Kind",
            Facet::Lifecycle => "Lifecycle",
            Facet::Tier => "Tier",
            Facet::BusinessUnit => "Business unit",
            Facet::Owner => "Owner",
            Facet::Tag => "Tag",
        }
    }

    /// Whether its values are entity references (shown by their label).
    pub const fn holds_refs(self) -> bool {
        matches!(self, Facet::BusinessUnit | Facet::Owner)
    }
}

/// The filters, words and order a catalog URL carries, as the page reads them: raw
/// text, empty for "any", so the server can say which one it cannot use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogParams {
    pub kind: String,
    pub owner: String,
    pub business_unit: String,
    pub lifecycle: String,
    pub tier: String,
    pub tag: String,
    pub q: String,
    /// `name`, `updated`, `relevance`, or empty for the default order.
    pub sort: String,
}

impl CatalogParams {
    pub fn facet(&self, facet: Facet) -> &str {
        match facet {
            Facet::Kind => &self.kind,
            Facet::Lifecycle => &self.lifecycle,
            Facet::Tier => &self.tier,
            Facet::BusinessUnit => &self.business_unit,
            Facet::Owner => &self.owner,
            Facet::Tag => &self.tag,
        }
    }

    /// These parameters with one facet set (or cleared, with an empty value).
    #[must_use]
    pub fn with_facet(&self, facet: Facet, value: &str) -> Self {
        let mut next = self.clone();
        let slot = match facet {
            Facet::Kind => &mut next.kind,
            Facet::Lifecycle => &mut next.lifecycle,
            Facet::Tier => &mut next.tier,
            Facet::BusinessUnit => &mut next.business_unit,
            Facet::Owner => &mut next.owner,
            Facet::Tag => &mut next.tag,
        };
        value.clone_into(slot);
        next
    }

    #[must_use]
    pub fn with_sort(&self, sort: Sort) -> Self {
        Self {
            sort: sort.as_str().to_owned(),
            ..self.clone()
        }
    }

    /// Whether there are words to search for.
    pub fn searching(&self) -> bool {
        !self.q.trim().is_empty()
    }

    /// Whether any filter or words narrow the listing (the order does not).
    pub fn narrowed(&self) -> bool {
        self.searching() || Facet::ALL.into_iter().any(|f| !self.facet(f).is_empty())
    }

    /// The order the listing is in (an order that does not parse is refused by the
    /// server before this matters).
    pub fn order(&self) -> Sort {
        Sort::effective(self.sort.parse().ok(), self.searching())
    }

    /// The query parameters, `name` and value, empty ones left out; `facet`, when
    /// given, has the value given with it instead of its own.
    fn query_pairs<'a>(
        &'a self,
        facet: Option<(Facet, &'a str)>,
    ) -> impl Iterator<Item = (&'static str, &'a str)> {
        Facet::ALL
            .into_iter()
            .map(move |f| match facet {
                Some((chosen, value)) if chosen == f => (f.param(), value),
                _ => (f.param(), self.facet(f)),
            })
            .chain([("q", self.q.as_str()), ("sort", self.sort.as_str())])
            .filter(|(_, v)| !v.is_empty())
    }

    /// `/catalog` with these parameters, values encoded.
    pub fn url(&self) -> String {
        self.url_of(None)
    }

    /// `/catalog` with these parameters but `facet` set to `value` (`""`: dropped):
    /// what `with_facet(facet, value).url()` gives, without copying the parameters
    /// for each of a page's hundred facet links.
    pub fn url_with_facet(&self, facet: Facet, value: &str) -> String {
        self.url_of(Some((facet, value)))
    }

    fn url_of(&self, facet: Option<(Facet, &str)>) -> String {
        let mut url = String::with_capacity(64);
        url.push_str("/catalog");
        for (i, (name, value)) in self.query_pairs(facet).enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            encode_into(&mut url, value);
        }
        url
    }

    /// The catalog of everything with one tag.
    pub fn tagged(tag: &str) -> String {
        let mut url = String::with_capacity(16 + tag.len());
        url.push_str("/catalog?");
        url.push_str(Facet::Tag.param());
        url.push('=');
        encode_into(&mut url, tag);
        url
    }
}

/// How one entity runs, summed over every cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    /// Every wanted replica is ready.
    Healthy,
    /// Some, not all.
    Degraded,
    /// Replicas are wanted and none is ready.
    Down,
    /// No workload matches it anywhere, or none is wanted (a library, not deployed,
    /// or scaled to zero).
    NotRunning,
}

impl RunState {
    /// From `(ready, wanted)` replicas, `None` when nothing runs.
    pub const fn of(replicas: Option<(i64, i64)>) -> Self {
        match replicas {
            None | Some((_, 0)) => RunState::NotRunning,
            Some((ready, wanted)) if ready >= wanted => RunState::Healthy,
            Some((0, _)) => RunState::Down,
            Some(_) => RunState::Degraded,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            RunState::Healthy => "healthy",
            RunState::Degraded => "degraded",
            RunState::Down => "down",
            RunState::NotRunning => "not running",
        }
    }
}

/// Entities per state, and replicas, for a team or a business unit: each runnable
/// entity counts once, by the replicas its workloads have in every cluster.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rollup {
    pub entities: i64,
    pub healthy: i64,
    pub degraded: i64,
    pub down: i64,
    pub not_running: i64,
    pub ready: i64,
    pub wanted: i64,
}

impl Rollup {
    pub fn add(&mut self, replicas: Option<(i64, i64)>) {
        self.entities += 1;
        match RunState::of(replicas) {
            RunState::Healthy => self.healthy += 1,
            RunState::Degraded => self.degraded += 1,
            RunState::Down => self.down += 1,
            RunState::NotRunning => self.not_running += 1,
        }
        if let Some((ready, wanted)) = replicas {
            self.ready += ready;
            self.wanted += wanted;
        }
    }

    /// The worst state present, for a one-word summary.
    pub const fn state(&self) -> RunState {
        if self.down > 0 {
            RunState::Down
        } else if self.degraded > 0 {
            RunState::Degraded
        } else if self.healthy > 0 {
            RunState::Healthy
        } else {
            RunState::NotRunning
        }
    }
}

/// One thing wrong with a descriptor: where, which field, why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub field: String,
    pub reason: String,
}

impl Problem {
    /// `file:line:column — field — reason`.
    pub fn render(&self, file: &str) -> String {
        format!(
            "{file}:{}:{} — {} — {}",
            self.line, self.column, self.field, self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_order_follows_the_words() {
        assert_eq!(Sort::effective(None, false), Sort::Name);
        assert_eq!(Sort::effective(None, true), Sort::Relevance);
        assert_eq!(
            Sort::effective(Some(Sort::Relevance), false),
            Sort::Name,
            "nothing to be relevant to"
        );
        assert_eq!(Sort::effective(Some(Sort::Updated), true), Sort::Updated);
        assert!("newest".parse::<Sort>().is_err());
        assert_eq!("updated".parse::<Sort>(), Ok(Sort::Updated));
        assert!(!Sort::Relevance.offered(false) && Sort::Relevance.offered(true));
    }

    #[test]
    fn urls_keep_every_filter_and_encode_values() {
        let params = CatalogParams {
            owner: "group:default/team-a".into(),
            q: "c++ #1".into(),
            ..CatalogParams::default()
        };
        assert_eq!(
            params.url(),
            "/catalog?owner=group%3Adefault%2Fteam-a&q=c%2B%2B%20%231"
        );
        let narrowed = params
            .with_facet(Facet::Lifecycle, "production")
            .with_sort(Sort::Updated);
        assert_eq!(narrowed.facet(Facet::Lifecycle), "production");
        assert!(narrowed.url().ends_with("&sort=updated"), "{}", narrowed.url());
        assert_eq!(narrowed.with_facet(Facet::Owner, "").owner, "");
        for (facet, value) in [
            (Facet::Owner, ""),
            (Facet::Tag, "a b"),
            (Facet::Lifecycle, "beta"),
        ] {
            assert_eq!(
                narrowed.url_with_facet(facet, value),
                narrowed.with_facet(facet, value).url()
            );
        }
        assert_eq!(CatalogParams::tagged("c++"), "/catalog?tag=c%2B%2B");
        assert_eq!(CatalogParams::tagged("a#b"), "/catalog?tag=a%23b");
        assert_eq!(CatalogParams::default().url(), "/catalog");
        assert!(!CatalogParams::default().with_sort(Sort::Updated).narrowed());
        assert!(narrowed.narrowed());
    }

    #[test]
    fn an_entity_runs_by_its_replicas_and_zero_wanted_is_not_running() {
        assert_eq!(RunState::of(Some((3, 3))), RunState::Healthy);
        assert_eq!(RunState::of(Some((1, 3))), RunState::Degraded);
        assert_eq!(RunState::of(Some((0, 3))), RunState::Down);
        assert_eq!(RunState::of(Some((0, 0))), RunState::NotRunning);
        assert_eq!(RunState::of(None), RunState::NotRunning);
    }

    #[test]
    fn a_rollup_counts_each_entity_once_and_reports_the_worst() {
        let mut r = Rollup::default();
        r.add(Some((3, 3)));
        r.add(Some((1, 2)));
        r.add(None);
        assert_eq!(
            r,
            Rollup {
                entities: 3,
                healthy: 1,
                degraded: 1,
                down: 0,
                not_running: 1,
                ready: 4,
                wanted: 5
            }
        );
        assert_eq!(r.state(), RunState::Degraded);
        r.add(Some((0, 1)));
        assert_eq!(r.state(), RunState::Down);
    }
}
