//! The one table every page uses: column headers scoped for screen readers, header
//! links for the orders a listing offers (with `aria-sort` on the current one), a
//! caption screen readers announce, horizontal scrolling on narrow screens, and an
//! empty state that says what to do instead of an empty grid.

use leptos::prelude::*;

use super::style::{EMPTY, FOCUS_RING, LINK, TABLE, TH};

/// How a column orders the listing when its header is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortLink {
    /// The listing in this column's order.
    pub href: String,
    /// Whether the listing is in this order now.
    pub active: bool,
    /// Newest or largest first.
    pub descending: bool,
}

/// One column of a [`DataTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Usually a fixed word; data-driven columns (one per risk tier) own theirs.
    pub label: std::borrow::Cow<'static, str>,
    /// Announced, not shown (a column of buttons).
    pub hidden: bool,
    pub sort: Option<SortLink>,
}

impl Column {
    pub const fn new(label: &'static str) -> Self {
        Self {
            label: std::borrow::Cow::Borrowed(label),
            hidden: false,
            sort: None,
        }
    }

    /// A column whose header only screen readers read.
    pub const fn hidden(label: &'static str) -> Self {
        Self {
            label: std::borrow::Cow::Borrowed(label),
            hidden: true,
            sort: None,
        }
    }

    /// The header links to the listing in this column's order.
    #[must_use]
    pub fn sorted(self, href: String, active: bool, descending: bool) -> Self {
        Self {
            sort: Some(SortLink {
                href,
                active,
                descending,
            }),
            ..self
        }
    }

    /// A column named by data (a risk tier).
    pub fn owned(label: String) -> Self {
        Self {
            label: std::borrow::Cow::Owned(label),
            hidden: false,
            sort: None,
        }
    }

    pub fn new_all(labels: &[&'static str]) -> Vec<Self> {
        labels.iter().map(|label| Self::new(label)).collect()
    }
}

fn header(column: Column) -> impl IntoView {
    let aria_sort = column
        .sort
        .as_ref()
        .filter(|s| s.active)
        .map(|s| if s.descending { "descending" } else { "ascending" });
    let label = match column.sort {
        Some(sort) => {
            let arrow = match (sort.active, sort.descending) {
                (false, _) => "",
                (true, false) => " ↑",
                (true, true) => " ↓",
            };
            view! {
                <a href=sort.href class=format!("rounded hover:underline {FOCUS_RING}")>
                    {column.label.into_owned()}
                    <span aria-hidden="true">{arrow}</span>
                </a>
            }
            .into_any()
        }
        None if column.hidden => {
            view! { <span class="sr-only">{column.label.into_owned()}</span> }.into_any()
        }
        None => column.label.into_owned().into_any(),
    };
    view! {
        <th scope="col" class=TH aria-sort=aria_sort>
            {label}
        </th>
    }
}

/// A table of `rows`, each drawn by `row` as a `<tr>`; `empty` is shown instead
/// when there are none.
#[component]
pub fn DataTable<R, F, V>(
    /// What the table holds, for screen readers.
    #[prop(into)]
    caption: String,
    columns: Vec<Column>,
    rows: Vec<R>,
    row: F,
    /// What to say, and what to do next, when there are no rows.
    #[prop(into)]
    empty: String,
    /// A test hook.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// Where the same rows download as CSV; offered above the table.
    #[prop(optional, into)]
    csv: Option<String>,
) -> impl IntoView
where
    R: 'static,
    F: Fn(R) -> V + 'static,
    V: IntoView + 'static,
{
    if rows.is_empty() {
        return view! { <p class=EMPTY>{empty}</p> }.into_any();
    }
    let download = csv.map(|href| {
        view! {
            <p class="mt-2 flex justify-end text-xs">
                <a
                    href=href
                    class=format!("{LINK} {FOCUS_RING} rounded")
                    download
                    aria-label=format!("Download CSV: {}", caption.to_lowercase())
                >
                    "Download CSV"
                </a>
            </p>
        }
    });
    view! {
        {download}
        <div class="mt-3 overflow-x-auto first:mt-0">
            <table class=TABLE data-testid=testid>
                <caption class="sr-only">{caption}</caption>
                <thead>
                    <tr>{columns.into_iter().map(header).collect_view()}</tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {rows.into_iter().map(row).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
