//! Server-rendered SVG for the scorecards: a 26-week bar chart with its title, an
//! accessible name and a table alternative, and a band distribution bar. Sizes are
//! SVG attributes, not inline styles (the content security policy forbids those).

use leptos::prelude::*;
use parkway_types::views::scorecards::BandCounts;

use crate::components::style::TD;
use crate::components::table::{Column, DataTable};

const WIDTH: f64 = 312.0;
const HEIGHT: f64 = 96.0;

/// One bar per week; `None` is a week without a value (drawn as a gap).
#[component]
pub fn TrendChart(
    /// Unique on the page: the SVG's title and description ids derive from it.
    id: &'static str,
    title: &'static str,
    /// (week, value, value as people read it)
    points: Vec<(String, Option<f64>, String)>,
) -> impl IntoView {
    let max = points.iter().filter_map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let slot = WIDTH / points.len().max(1) as f64;
    let bars: Vec<_> = points
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v, _))| {
            let v = (*v)?;
            let h = if max > 0.0 {
                (v / max) * (HEIGHT - 4.0)
            } else {
                0.0
            };
            let h = h.max(1.0);
            Some(view! {
                <rect
                    x=format!("{:.1}", i as f64 * slot + 1.0)
                    y=format!("{:.1}", HEIGHT - h)
                    width=format!("{:.1}", (slot - 2.0).max(1.0))
                    height=format!("{h:.1}")
                    rx="1"
                    class="fill-emerald-600 dark:fill-emerald-400"
                />
            })
        })
        .collect();
    let known = points.iter().filter(|(_, v, _)| v.is_some()).count();
    let summary = match (points.first(), points.last()) {
        (Some(first), Some(last)) => format!(
            "{title} per week from {} to {}: latest {}; {known} of {} weeks have a value.",
            first.0,
            last.0,
            last.2,
            points.len()
        ),
        _ => format!("{title}: no weeks."),
    };
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    let rows = points.clone();
    view! {
        <figure class="mt-3">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                class="h-24 w-full"
                role="img"
                aria-labelledby=labelled_by
                preserveAspectRatio="none"
            >
                <title id=title_id>{title}</title>
                <desc id=desc_id>{summary}</desc>
                <line
                    x1="0"
                    x2=WIDTH.to_string()
                    y1=HEIGHT.to_string()
                    y2=HEIGHT.to_string()
                    class="stroke-slate-300 dark:stroke-slate-600"
                />
                {bars}
            </svg>
            <details class="mt-1 text-xs text-slate-600 dark:text-slate-300">
                <summary class="cursor-pointer">{format!("{title}: table")}</summary>
                <DataTable
                    caption=format!("{title} per week")
                    columns=Column::new_all(&["Week of", "Value"])
                    rows
                    empty="No weeks."
                    row=|(week, _, shown): (String, Option<f64>, String)| {
                        view! {
                            <tr>
                                <td class=TD>{week}</td>
                                <td class=TD>{shown}</td>
                            </tr>
                        }
                    }
                />
            </details>
        </figure>
    }
}

/// Services per band as one stacked bar, with the counts in words beside it.
#[component]
pub fn BandBar(counts: BandCounts) -> impl IntoView {
    let total = counts.total();
    if total == 0 {
        return view! { <span class="text-xs text-slate-600 dark:text-slate-300">"no services"</span> }
            .into_any();
    }
    let parts = [
        ("Elite", counts.elite, "fill-emerald-600 dark:fill-emerald-400"),
        ("High", counts.high, "fill-sky-600 dark:fill-sky-400"),
        ("Medium", counts.medium, "fill-amber-500 dark:fill-amber-400"),
        ("Low", counts.low, "fill-red-600 dark:fill-red-400"),
        ("No value", counts.none, "fill-slate-300 dark:fill-slate-600"),
    ];
    let words = parts
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(label, n, _)| format!("{label} {n}"))
        .collect::<Vec<_>>()
        .join(" · ");
    let mut x = 0.0;
    let rects: Vec<_> = parts
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(_, n, class)| {
            let w = f64::from(*n) / f64::from(total) * 100.0;
            let at = x;
            x += w;
            view! { <rect x=format!("{at:.2}") y="0" width=format!("{w:.2}") height="6" class=*class /> }
        })
        .collect();
    view! {
        <span class="flex flex-col gap-1">
            <svg viewBox="0 0 100 6" class="h-2 w-32" preserveAspectRatio="none" aria-hidden="true">
                {rects}
            </svg>
            <span class="text-xs text-slate-600 dark:text-slate-300">{words}</span>
        </span>
    }
    .into_any()
}
