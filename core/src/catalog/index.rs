//! A replica's in-memory copy of the catalog listing: what every catalog read answers
//! from, with no SQL per request.
//!
//! Listing, filtering, searching and counting facets over 50,000 entities in Postgres
//! cost milliseconds per request and capped the catalog at a few hundred reads a
//! second. Each replica therefore keeps the listing columns of every entity
//! ([`CatalogIndex`], about 30 MiB at 50,000 entities), with:
//! - the two fixed orders (by name, by last change) presorted, so a page is a binary
//!   search and a short walk;
//! - per facet value, the rows that have it, so a narrow filter visits only its rows;
//! - the searchable lexemes Postgres computed ([`text`]), so a search ranks in memory.
//!
//! The copy is reloaded from one snapshot when the database's catalog generation
//! (bumped by a trigger on every change) moves ([`cache`]), so every replica sees an
//! import or edit on its next request.

pub mod cache;
mod counts;
pub mod text;

use std::{
    cmp::Ordering,
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};

pub use cache::CatalogCache;
pub use counts::MAX_VALUES;

use super::query::{EntityFilter, EntitySummary, Sort};
use text::TextIndex;

/// The single-valued facets: kind, owner, business unit, lifecycle, tier.
const DIMENSIONS: usize = 5;
/// "No value" in a row's facet column.
const NONE: u32 = u32::MAX;
/// A filter whose rows are at most this share of the catalog (1/8) is answered from
/// its rows; a broader one walks the presorted order, which finds a page sooner.
const NARROW_SHARE: usize = 8;

/// Distinct strings of one column, numbered, with the rows that have each.
#[derive(Debug, Default)]
struct Values {
    names: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
    /// Rows having each value, ascending.
    rows: Vec<Vec<u32>>,
}

impl Values {
    fn intern(&mut self, value: Option<&str>, row: u32) -> u32 {
        let Some(value) = value else { return NONE };
        let id = match self.ids.get(value) {
            Some(id) => *id,
            None => {
                let id = self.names.len() as u32;
                self.names.push(value.into());
                self.ids.insert(value.into(), id);
                self.rows.push(Vec::new());
                id
            }
        };
        self.rows[id as usize].push(row);
        id
    }

    fn name(&self, id: u32) -> Option<&str> {
        (id != NONE).then(|| &*self.names[id as usize])
    }
}

/// One entity as loaded from the database: its listing columns and its lexemes.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub key: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub spec_type: Option<String>,
    pub lifecycle: Option<String>,
    pub tier: Option<String>,
    pub owner: Option<String>,
    pub business_unit: Option<String>,
    pub tags: Vec<String>,
    pub orphaned: bool,
    pub updated_at: DateTime<Utc>,
    /// The entity's `tsvector`, as Postgres prints it (`'lexeme':1,4 …`).
    pub search: Option<String>,
}

/// The columns of a row that are not facets, compactly.
#[derive(Debug)]
struct Entry {
    key: Box<str>,
    name: Box<str>,
    title: Option<Box<str>>,
    description: Option<Box<str>>,
    namespace: u32,
    spec_type: u32,
    orphaned: bool,
    /// Last change, microseconds since the epoch (exact, unlike a float of seconds).
    updated: i64,
}

/// A row that passed the filters, with what orders it on a page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked<'a> {
    pub row: u32,
    pub key: &'a str,
    pub name: &'a str,
    pub rank: f32,
    /// Last change, microseconds since the epoch.
    pub updated: i64,
}

/// The listing columns of every entity at one catalog generation.
#[derive(Debug, Default)]
pub struct CatalogIndex {
    generation: i64,
    entries: Vec<Entry>,
    /// kind, owner, business unit, lifecycle, tier of each row.
    facets: Vec<[u32; DIMENSIONS]>,
    /// Row i's tags are `tag_ids[tag_start[i]..tag_start[i + 1]]`: one flat array, so
    /// a count walks memory in order instead of chasing a pointer per row.
    tag_start: Vec<u32>,
    tag_ids: Vec<u32>,
    dimensions: [Values; DIMENSIONS],
    tags: Values,
    namespaces: Values,
    spec_types: Values,
    /// Rows by (name, key), and by (last change, key) newest first.
    by_name: Vec<u32>,
    by_updated: Vec<u32>,
    text: TextIndex,
    /// The counts without any filter, the catalog's front page, computed once.
    unfiltered: super::query::Facets,
    /// Recent searches' hits: paging through a search and clicking its facets ask
    /// the same words again. Dropped with the index when the catalog changes.
    searches: Mutex<Searches>,
}

/// Hits kept per search, oldest forgotten first once they hold [`SEARCHES_KEPT`].
#[derive(Debug, Default)]
struct Searches {
    order: VecDeque<Arc<str>>,
    hits: HashMap<Arc<str>, Arc<Vec<(u32, f32)>>>,
    bytes: usize,
}

/// Memory for remembered search hits (8 MiB: a million hits).
const SEARCHES_KEPT: usize = 8 << 20;

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

impl Selection {
    fn impossible(&self) -> bool {
        self.wanted
            .iter()
            .chain([&self.tag])
            .any(|w| matches!(w, Wanted::Missing))
    }
}

/// Rows in `sort`'s order; each order ends with the key, so it is total and cursors
/// never skip or repeat.
pub fn ordering(sort: Sort) -> impl Fn(&Ranked<'_>, &Ranked<'_>) -> Ordering {
    move |a, b| match sort {
        Sort::Name => a.name.cmp(b.name).then_with(|| a.key.cmp(b.key)),
        Sort::Updated => b.updated.cmp(&a.updated).then_with(|| b.key.cmp(a.key)),
        Sort::Relevance => b
            .rank
            .total_cmp(&a.rank)
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| a.key.cmp(b.key)),
    }
}

impl CatalogIndex {
    /// The index of `sources` at `generation`, and the catalog's words to correct
    /// typos against.
    pub fn build(generation: i64, sources: impl IntoIterator<Item = Source>, words: Vec<String>) -> Self {
        let mut builder = Self::builder(generation);
        sources.into_iter().for_each(|s| builder.push(s));
        builder.finish(words)
    }

    /// An index filled one row at a time, so a load never holds every row twice.
    pub fn builder(generation: i64) -> IndexBuilder {
        IndexBuilder {
            index: CatalogIndex {
                generation,
                tag_start: vec![0],
                ..Default::default()
            },
            text: text::Builder::default(),
        }
    }

    fn sorted(&self, sort: Sort) -> Vec<u32> {
        let mut rows: Vec<u32> = (0..self.entries.len() as u32).collect();
        let order = ordering(sort);
        rows.sort_unstable_by(|a, b| order(&self.ranked(*a, 0.0), &self.ranked(*b, 0.0)));
        rows
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn text(&self) -> &TextIndex {
        &self.text
    }

    /// The hits of a search (its words, normalised) if it was run lately.
    pub(crate) fn remembered(&self, words: &str) -> Option<Arc<Vec<(u32, f32)>>> {
        let searches = self.searches.lock().unwrap_or_else(|e| e.into_inner());
        searches.hits.get(words).cloned()
    }

    /// Keeps a search's hits, forgetting the oldest past [`SEARCHES_KEPT`].
    pub(crate) fn remember(&self, words: &str, hits: Arc<Vec<(u32, f32)>>) {
        let size = |hits: &Vec<(u32, f32)>| hits.len() * std::mem::size_of::<(u32, f32)>() + words.len();
        let mut searches = self.searches.lock().unwrap_or_else(|e| e.into_inner());
        if searches.hits.contains_key(words) || size(&hits) > SEARCHES_KEPT {
            return;
        }
        searches.bytes += size(&hits);
        let key: Arc<str> = words.into();
        searches.order.push_back(key.clone());
        searches.hits.insert(key, hits);
        while searches.bytes > SEARCHES_KEPT {
            let Some(oldest) = searches.order.pop_front() else {
                break;
            };
            if let Some(gone) = searches.hits.remove(&oldest) {
                searches.bytes -= gone.len() * std::mem::size_of::<(u32, f32)>() + oldest.len();
            }
        }
    }

    fn ranked(&self, row: u32, rank: f32) -> Ranked<'_> {
        let e = &self.entries[row as usize];
        Ranked {
            row,
            key: &e.key,
            name: &e.name,
            rank,
            updated: e.updated,
        }
    }

    fn tags_of(&self, row: usize) -> &[u32] {
        &self.tag_ids[self.tag_start[row] as usize..self.tag_start[row + 1] as usize]
    }

    /// The row as a listing shows it.
    pub fn summary(&self, row: u32) -> EntitySummary {
        let i = row as usize;
        let e = &self.entries[i];
        let facet = |d: usize| self.dimensions[d].name(self.facets[i][d]).map(str::to_owned);
        EntitySummary {
            key: e.key.to_string(),
            kind: facet(0).unwrap_or_default(),
            namespace: self.namespaces.name(e.namespace).unwrap_or_default().to_owned(),
            name: e.name.to_string(),
            title: e.title.as_deref().map(str::to_owned),
            description: e.description.as_deref().map(str::to_owned),
            spec_type: self.spec_types.name(e.spec_type).map(str::to_owned),
            lifecycle: facet(3),
            tier: facet(4),
            owner: facet(1),
            business_unit: facet(2),
            tags: self
                .tags_of(i)
                .iter()
                .map(|t| self.tags.names[*t as usize].to_string())
                .collect(),
            orphaned: e.orphaned,
            updated_at: DateTime::from_timestamp_micros(e.updated).unwrap_or_default(),
        }
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

    /// The filter (already normalised) resolved to value ids.
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
            if !selection.wanted[d].accepts(self.facets[i][d]) {
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

    /// The rows of the narrowest chosen facet value, if any value is chosen.
    fn narrowest(&self, selection: &Selection) -> Option<&[u32]> {
        let lists = selection
            .wanted
            .iter()
            .zip(&self.dimensions)
            .chain([(&selection.tag, &self.tags)]);
        lists
            .filter_map(|(wanted, values)| match wanted {
                Wanted::Is(id) => Some(values.rows[*id as usize].as_slice()),
                _ => None,
            })
            .min_by_key(|rows| rows.len())
    }

    /// One page in `sort`'s order: the rows after `after` that pass the filter and,
    /// when there are words, matched them (`hits`: row and relevance). At most
    /// `limit + 1` rows, so the caller knows whether another page follows.
    pub fn page(
        &self,
        filter: &EntityFilter,
        hits: Option<&[(u32, f32)]>,
        sort: Sort,
        after: Option<&Ranked<'_>>,
        limit: usize,
    ) -> Vec<Ranked<'_>> {
        let selection = self.selection(filter);
        if selection.impossible() {
            return Vec::new();
        }
        let order = ordering(sort);
        let is_after = |r: &Ranked<'_>| after.is_none_or(|a| order(a, r) == Ordering::Less);
        let passes = |row: u32| self.refused(row as usize, &selection) == 0;
        let candidates: Vec<Ranked<'_>> = match (hits, self.narrowest(&selection)) {
            (Some(hits), _) => hits
                .iter()
                .filter(|(row, _)| passes(*row))
                .map(|(row, rank)| self.ranked(*row, *rank))
                .filter(is_after)
                .collect(),
            (None, Some(rows)) if rows.len() * NARROW_SHARE <= self.entries.len() => rows
                .iter()
                .filter(|row| passes(**row))
                .map(|row| self.ranked(*row, 0.0))
                .filter(is_after)
                .collect(),
            // Broad or no filter: walk the presorted order from the cursor on.
            (None, _) => {
                let presorted = if sort == Sort::Updated {
                    &self.by_updated
                } else {
                    &self.by_name
                };
                let start = after.map_or(0, |a| {
                    presorted.partition_point(|row| order(&self.ranked(*row, 0.0), a) != Ordering::Greater)
                });
                return presorted[start..]
                    .iter()
                    .filter(|row| passes(**row))
                    .take(limit + 1)
                    .map(|row| self.ranked(*row, 0.0))
                    .collect();
            }
        };
        top(candidates, &order, limit + 1)
    }
}

/// A [`CatalogIndex`] being filled (see [`CatalogIndex::builder`]).
#[derive(Debug)]
pub struct IndexBuilder {
    index: CatalogIndex,
    text: text::Builder,
}

impl IndexBuilder {
    pub fn push(&mut self, s: Source) {
        let index = &mut self.index;
        let row = index.entries.len() as u32;
        let fields = [
            Some(s.kind.as_str()),
            s.owner.as_deref(),
            s.business_unit.as_deref(),
            s.lifecycle.as_deref(),
            s.tier.as_deref(),
        ];
        let mut values = [NONE; DIMENSIONS];
        for (d, field) in fields.into_iter().enumerate() {
            values[d] = index.dimensions[d].intern(field, row);
        }
        for t in &s.tags {
            let id = index.tags.intern(Some(t.as_str()), row);
            index.tag_ids.push(id);
        }
        index.tag_start.push(index.tag_ids.len() as u32);
        if let Some(search) = &s.search {
            self.text.add(row, &s.name, search);
        }
        index.entries.push(Entry {
            namespace: index.namespaces.intern(Some(&s.namespace), row),
            spec_type: index.spec_types.intern(s.spec_type.as_deref(), row),
            key: s.key.into(),
            name: s.name.into(),
            title: s.title.map(Into::into),
            description: s.description.map(Into::into),
            orphaned: s.orphaned,
            updated: s.updated_at.timestamp_micros(),
        });
        index.facets.push(values);
    }

    /// The finished index, with `words`: the catalog's words to correct typos against.
    pub fn finish(self, words: Vec<String>) -> CatalogIndex {
        let mut index = self.index;
        // Only facet values are looked up by row; these lists would only take room.
        index.namespaces.rows = Vec::new();
        index.spec_types.rows = Vec::new();
        for values in index.dimensions.iter_mut().chain([&mut index.tags]) {
            values.rows.iter_mut().for_each(Vec::shrink_to_fit);
        }
        index.entries.shrink_to_fit();
        index.facets.shrink_to_fit();
        index.tag_ids.shrink_to_fit();
        index.by_name = index.sorted(Sort::Name);
        index.by_updated = index.sorted(Sort::Updated);
        index.text = self.text.finish(words);
        index.unfiltered = index.count_rows(&EntityFilter::default(), None);
        index
    }
}

/// The first `n` of `rows` in `order`: a broad search's thousands of hits are
/// partitioned around the page's end before only the page is sorted.
fn top<'a>(
    mut rows: Vec<Ranked<'a>>,
    order: &impl Fn(&Ranked<'_>, &Ranked<'_>) -> Ordering,
    n: usize,
) -> Vec<Ranked<'a>> {
    if rows.len() > n {
        rows.select_nth_unstable_by(n - 1, order);
        rows.truncate(n);
    }
    rows.sort_unstable_by(order);
    rows
}

#[cfg(test)]
mod tests;
