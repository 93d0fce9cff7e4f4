//! Facet counts without aggregating in Postgres on every page view.
//!
//! Counting six facets over 50,000 entities costs Postgres tens of milliseconds per
//! request; the catalog page needs them on every view. Each replica therefore keeps a
//! compact copy of the facet columns ([`FacetIndex`], a few MiB at 50k entities) and
//! counts in one pass over it (well under a millisecond). The copy is reloaded when the
//! database's catalog generation (bumped by a trigger on every change) moves, so every
//! replica sees an import on its next request.
//!
//! Counts are *disjunctive*: each facet is counted under the other facets' filters but
//! not its own, so a chosen kind still shows how many entities the other kinds have.

mod cache;

use std::collections::HashMap;

pub use cache::FacetCache;

use super::query::{EntityFilter, Facets};

/// Facets kept per value list; the rest of a long tail (hundreds of owners) is cut.
pub const MAX_VALUES: usize = 25;

/// The single-valued facets, in [`Facets`] field order.
const DIMENSIONS: usize = 5;
const NONE: u32 = u32::MAX;

/// Distinct strings of one facet, numbered.
#[derive(Debug, Default)]
struct Values {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Values {
    fn intern(&mut self, value: Option<&str>) -> u32 {
        let Some(value) = value else { return NONE };
        if let Some(id) = self.ids.get(value) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }
}

/// An entity a text search matched, and how well.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub id: i64,
    pub rank: f32,
}

/// A hit that passed the facet filters, with what orders it on the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub rank: f32,
    /// Last change, microseconds since the epoch.
    pub updated: i64,
}

/// kind, owner, business unit, lifecycle, tier.
type Row = [u32; DIMENSIONS];

/// One entity's facet columns, as loaded from the database.
#[derive(Debug, Clone, Default)]
pub struct FacetSource {
    pub id: i64,
    pub key: String,
    pub name: String,
    /// Last change, microseconds since the epoch (exact, unlike a float of seconds).
    pub updated: i64,
    pub kind: String,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub tags: Vec<String>,
}

/// The facet columns of every entity at one catalog generation.
#[derive(Debug, Default)]
pub struct FacetIndex {
    generation: i64,
    rows: Vec<Row>,
    /// Row i's tags are `tag_ids[tag_start[i]..tag_start[i + 1]]`: one flat array, so
    /// a count walks memory in order instead of chasing a pointer per row.
    tag_start: Vec<u32>,
    tag_ids: Vec<u32>,
    /// The counts without any filter, the catalog's front page, computed once.
    unfiltered: Facets,
    /// Row of each entity id (what a text search returns).
    rows_by_id: HashMap<i64, u32>,
    /// Key and name of each row: what orders search hits and names the page's rows.
    keys: Vec<Box<str>>,
    names: Vec<Box<str>>,
    updated: Vec<i64>,
    dimensions: [Values; DIMENSIONS],
    tags: Values,
}

/// What a filter asks of every facet, resolved to value ids.
struct Selection {
    wanted: [Wanted; DIMENSIONS],
    tag: Wanted,
}

/// What a filter asks of one facet.
#[derive(Clone, Copy)]
enum Wanted {
    Any,
    /// A value no entity has: nothing matches.
    Missing,
    Is(u32),
}

impl Wanted {
    fn accepts(self, value: u32) -> bool {
        match self {
            Wanted::Any => true,
            Wanted::Missing => false,
            Wanted::Is(id) => id == value,
        }
    }
}

impl FacetIndex {
    pub fn build(generation: i64, sources: impl IntoIterator<Item = FacetSource>) -> Self {
        let mut index = FacetIndex {
            generation,
            tag_start: vec![0],
            ..Default::default()
        };
        for s in sources {
            let fields = [
                Some(s.kind.as_str()),
                s.owner.as_deref(),
                s.business_unit.as_deref(),
                s.lifecycle.as_deref(),
                s.tier.as_deref(),
            ];
            let mut values = [NONE; DIMENSIONS];
            for (d, field) in fields.into_iter().enumerate() {
                values[d] = index.dimensions[d].intern(field);
            }
            for t in &s.tags {
                let id = index.tags.intern(Some(t.as_str()));
                index.tag_ids.push(id);
            }
            index.tag_start.push(index.tag_ids.len() as u32);
            index.rows_by_id.insert(s.id, index.rows.len() as u32);
            index.keys.push(s.key.into());
            index.names.push(s.name.into());
            index.updated.push(s.updated);
            index.rows.push(values);
        }
        index.unfiltered = index.count_rows(&EntityFilter::default(), None);
        index
    }

    fn tags_of(&self, row: usize) -> &[u32] {
        &self.tag_ids[self.tag_start[row] as usize..self.tag_start[row + 1] as usize]
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn wanted(values: &Values, filter: Option<&String>) -> Wanted {
        match filter {
            None => Wanted::Any,
            Some(v) => values
                .ids
                .get(v.as_str())
                .map_or(Wanted::Missing, |id| Wanted::Is(*id)),
        }
    }

    fn selection(&self, filter: &EntityFilter) -> Selection {
        let fields = [
            &filter.kind,
            &filter.owner,
            &filter.business_unit,
            &filter.lifecycle,
            &filter.tier,
        ];
        let mut wanted = [Wanted::Any; DIMENSIONS];
        for (d, f) in fields.into_iter().enumerate() {
            wanted[d] = Self::wanted(&self.dimensions[d], f.as_ref());
        }
        Selection {
            wanted,
            tag: Self::wanted(&self.tags, filter.tag.as_ref()),
        }
    }

    /// Bit d set: facet d refuses the row (bit [`DIMENSIONS`]: the tag facet).
    fn refused(&self, i: usize, selection: &Selection) -> u32 {
        let mut refused = 0_u32;
        for d in 0..DIMENSIONS {
            if !selection.wanted[d].accepts(self.rows[i][d]) {
                refused |= 1 << d;
            }
        }
        let tag_ok = match selection.tag {
            Wanted::Any => true,
            Wanted::Missing => false,
            Wanted::Is(id) => self.tags_of(i).contains(&id),
        };
        if !tag_ok {
            refused |= 1 << DIMENSIONS;
        }
        refused
    }

    /// The hits whose entity passes every facet filter of `filter` (the text part
    /// aside). Ids this index does not know (written after it was loaded) are dropped.
    pub fn passing(&self, filter: &EntityFilter, hits: &[Hit]) -> Vec<Ranked<'_>> {
        let selection = self.selection(filter);
        hits.iter()
            .filter_map(|hit| {
                let row = *self.rows_by_id.get(&hit.id)? as usize;
                (self.refused(row, &selection) == 0).then(|| Ranked {
                    key: &self.keys[row],
                    name: &self.names[row],
                    rank: hit.rank,
                    updated: self.updated[row],
                })
            })
            .collect()
    }

    /// Counts under `filter` (already normalised). `text_matches`, when the filter has
    /// words, are the entities the text search found.
    pub fn count(&self, filter: &EntityFilter, text_matches: Option<&[Hit]>) -> Facets {
        let unordered = EntityFilter {
            sort: None,
            ..filter.clone()
        };
        if text_matches.is_none() && unordered == EntityFilter::default() {
            return self.unfiltered.clone();
        }
        self.count_rows(filter, text_matches)
    }

    fn count_rows(&self, filter: &EntityFilter, text_matches: Option<&[Hit]>) -> Facets {
        let selection = self.selection(filter);
        let allowed: Option<Vec<bool>> = text_matches.map(|hits| {
            let mut allowed = vec![false; self.rows.len()];
            for hit in hits {
                if let Some(i) = self.rows_by_id.get(&hit.id) {
                    allowed[*i as usize] = true;
                }
            }
            allowed
        });
        let mut counts: Vec<Vec<i64>> = self.dimensions.iter().map(|v| vec![0; v.names.len()]).collect();
        let mut tag_counts = vec![0_i64; self.tags.names.len()];
        let mut total = 0;
        for (i, row) in self.rows.iter().enumerate() {
            if allowed.as_ref().is_some_and(|a| !a[i]) {
                continue;
            }
            let refused = self.refused(i, &selection);
            if refused.count_ones() > 1 {
                continue;
            }
            if refused == 0 {
                total += 1;
            }
            for d in 0..DIMENSIONS {
                if (refused == 0 || refused == 1 << d) && row[d] != NONE {
                    counts[d][row[d] as usize] += 1;
                }
            }
            if refused == 0 || refused == 1 << DIMENSIONS {
                for t in self.tags_of(i) {
                    tag_counts[*t as usize] += 1;
                }
            }
        }
        // The most frequent values, plus the chosen one wherever it ranks (even at 0),
        // so a reader always sees, and can undo, what they picked.
        let ranked = |values: &Values, counts: &[i64], chosen: Wanted| -> Vec<(String, i64)> {
            let mut list: Vec<(u32, i64)> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(id, n)| (id as u32, *n))
                .collect();
            list.sort_by(|a, b| {
                b.1.cmp(&a.1)
                    .then_with(|| values.names[a.0 as usize].cmp(&values.names[b.0 as usize]))
            });
            list.truncate(MAX_VALUES);
            if let Wanted::Is(id) = chosen
                && !list.iter().any(|(v, _)| *v == id)
            {
                list.push((id, counts[id as usize]));
            }
            list.into_iter()
                .map(|(id, n)| (values.names[id as usize].to_string(), n))
                .collect()
        };
        let mut lists = (0..DIMENSIONS).map(|d| ranked(&self.dimensions[d], &counts[d], selection.wanted[d]));
        Facets {
            total,
            kind: lists.next().unwrap_or_default(),
            owner: lists.next().unwrap_or_default(),
            business_unit: lists.next().unwrap_or_default(),
            lifecycle: lists.next().unwrap_or_default(),
            tier: lists.next().unwrap_or_default(),
            tag: ranked(&self.tags, &tag_counts, selection.tag),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(key: &str, kind: &str, owner: &str, lifecycle: &str, tags: &[&str]) -> FacetSource {
        let (id, name) = match key {
            "component:default/a" => (1, "a"),
            "component:default/b" => (2, "b"),
            "component:default/c" => (3, "c"),
            _ => (4, "d"),
        };
        FacetSource {
            id,
            key: key.into(),
            name: name.into(),
            updated: id * 1_000,
            kind: kind.into(),
            owner: Some(owner.into()),
            business_unit: None,
            lifecycle: (!lifecycle.is_empty()).then(|| lifecycle.into()),
            tier: None,
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn index() -> FacetIndex {
        FacetIndex::build(
            7,
            [
                entity(
                    "component:default/a",
                    "component",
                    "group:default/x",
                    "production",
                    &["go"],
                ),
                entity(
                    "component:default/b",
                    "component",
                    "group:default/x",
                    "experimental",
                    &["go", "web"],
                ),
                entity(
                    "component:default/c",
                    "component",
                    "group:default/y",
                    "production",
                    &["rust"],
                ),
                entity("api:default/d", "api", "group:default/y", "production", &[]),
            ],
        )
    }

    fn of(list: &[(String, i64)], value: &str) -> Option<i64> {
        list.iter().find(|(v, _)| v == value).map(|(_, n)| *n)
    }

    #[test]
    fn unfiltered_counts_everything() {
        let f = index().count(&EntityFilter::default(), None);
        assert_eq!(f.total, 4);
        assert_eq!(f.kind, vec![("component".into(), 3), ("api".into(), 1)]);
        assert_eq!(of(&f.tag, "go"), Some(2));
        assert_eq!(of(&f.lifecycle, "production"), Some(3));
    }

    #[test]
    fn a_facet_is_counted_under_the_other_filters_but_not_its_own() {
        let filter = EntityFilter {
            kind: Some("component".into()),
            owner: Some("group:default/x".into()),
            ..Default::default()
        };
        let f = index().count(&filter, None);
        assert_eq!(f.total, 2);
        // Kind ignores the kind filter: owner x has only components.
        assert_eq!(f.kind, vec![("component".into(), 2)]);
        // Owner ignores the owner filter: components of x and of y.
        assert_eq!(of(&f.owner, "group:default/x"), Some(2));
        assert_eq!(of(&f.owner, "group:default/y"), Some(1));
        // Lifecycle is under both filters.
        assert_eq!(of(&f.lifecycle, "production"), Some(1));
        assert_eq!(of(&f.lifecycle, "experimental"), Some(1));
        assert_eq!(of(&f.tag, "web"), Some(1));
        assert_eq!(of(&f.tag, "rust"), None);
    }

    #[test]
    fn an_unknown_value_matches_nothing_but_the_other_values_stay_choosable() {
        let filter = EntityFilter {
            lifecycle: Some("retired".into()),
            ..Default::default()
        };
        let f = index().count(&filter, None);
        assert_eq!(f.total, 0);
        assert!(f.kind.is_empty());
        assert_eq!(of(&f.lifecycle, "production"), Some(3));
    }

    #[test]
    fn a_chosen_value_is_listed_even_beyond_the_top_values() {
        // MAX_VALUES busy owners with two components each, and one quiet owner with one.
        let mut sources: Vec<FacetSource> = (0..MAX_VALUES as i64 * 2)
            .map(|i| FacetSource {
                id: i,
                key: format!("component:default/busy-{i}"),
                name: format!("busy-{i}"),
                kind: "component".into(),
                owner: Some(format!("group:default/busy-{}", i / 2)),
                ..Default::default()
            })
            .collect();
        sources.push(FacetSource {
            id: 1_000,
            key: "component:default/quiet".into(),
            name: "quiet".into(),
            kind: "component".into(),
            owner: Some("group:default/quiet".into()),
            lifecycle: Some("experimental".into()),
            ..Default::default()
        });
        let index = FacetIndex::build(1, sources);
        let owners = |filter: EntityFilter| index.count(&filter, None).owner;
        assert_eq!(owners(EntityFilter::default()).len(), MAX_VALUES);
        assert_eq!(of(&owners(EntityFilter::default()), "group:default/quiet"), None);
        let quiet = EntityFilter {
            owner: Some("group:default/quiet".into()),
            ..Default::default()
        };
        assert_eq!(of(&owners(quiet.clone()), "group:default/quiet"), Some(1));
        // Other filters may leave it nothing; it stays listed, at 0, to be undone.
        let production = EntityFilter {
            lifecycle: Some("production".into()),
            ..quiet
        };
        assert_eq!(of(&owners(production), "group:default/quiet"), Some(0));
    }

    #[test]
    fn text_matches_limit_every_count() {
        // b, d, and an entity written after the index was loaded.
        let hits = [2, 4, 99].map(|id| Hit { id, rank: 0.5 });
        let f = index().count(&EntityFilter::default(), Some(&hits));
        assert_eq!(f.total, 2);
        assert_eq!(f.kind, vec![("api".into(), 1), ("component".into(), 1)]);
        let tagged = EntityFilter {
            tag: Some("web".into()),
            ..Default::default()
        };
        assert_eq!(index().count(&tagged, Some(&hits)).total, 1);
    }

    #[test]
    fn passing_hits_keep_their_rank_and_meet_the_facet_filters() {
        let index = index();
        let hits = [
            Hit { id: 3, rank: 0.9 },
            Hit { id: 1, rank: 0.2 },
            Hit { id: 4, rank: 0.7 },
            Hit { id: 99, rank: 1.0 },
        ];
        let production_components = EntityFilter {
            kind: Some("component".into()),
            lifecycle: Some("production".into()),
            ..Default::default()
        };
        assert_eq!(
            index.passing(&production_components, &hits),
            vec![
                Ranked {
                    key: "component:default/c",
                    name: "c",
                    rank: 0.9,
                    updated: 3_000,
                },
                Ranked {
                    key: "component:default/a",
                    name: "a",
                    rank: 0.2,
                    updated: 1_000,
                },
            ]
        );
        assert_eq!(index.passing(&EntityFilter::default(), &hits).len(), 3);
    }
}
