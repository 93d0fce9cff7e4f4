//! Every shared Tailwind class string, in one place: one palette (slate and
//! emerald), one spacing scale, the same focus ring on everything interactive, and a
//! `dark:` twin for every colour. Pages combine these instead of re-spelling them.
//!
//! The strings a page repeats per row or per link (the focus ring, links, chips,
//! table cells, choices) are one class each, defined by `@utility` in
//! `style/tailwind.css` from the same Tailwind utilities: a 50-row catalog page sent
//! them 300 times, two thirds of its 187 KB.

/// Focus ring used by every interactive element, so keyboard users always see where
/// they are.
pub const FOCUS_RING: &str = "pw-focus";

/// A link in running text or a table cell (add `FOCUS_RING` and `rounded`).
pub const LINK: &str = "pw-link";
/// A tag or small label.
pub const CHIP: &str = "pw-chip";
/// A coloured state pill (a tone adds the colours).
pub const PILL: &str =
    "inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset";

pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-100";
pub const LABEL: &str = "block text-sm font-medium text-slate-700 dark:text-slate-200";
pub const PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-emerald-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-emerald-800 disabled:opacity-60 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900";
pub const SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-emerald-500 dark:border-slate-600 dark:bg-slate-800 dark:text-slate-200 dark:hover:bg-slate-700";
/// The one button that confirms something that cannot be undone.
pub const DANGER_SOLID: &str = "inline-flex items-center justify-center rounded-md bg-red-700 px-3 py-1.5 text-sm font-semibold text-white shadow-sm hover:bg-red-800 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-red-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-slate-900";
pub const DANGER: &str = "inline-flex items-center justify-center rounded-md px-2 py-1 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-red-500 dark:text-red-300 dark:hover:bg-red-950";

/// A section of a page.
pub const CARD: &str =
    "mt-6 rounded-xl border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900";
/// A card's heading.
pub const CARD_TITLE: &str = "text-lg font-semibold text-slate-900 dark:text-white";
/// What a section says when it has nothing to show.
pub const EMPTY: &str = "mt-3 text-sm text-slate-600 dark:text-slate-300";
/// A label above a figure or a definition.
pub const TERM: &str = "text-slate-500 dark:text-slate-400";

pub const TABLE: &str = "min-w-full divide-y divide-slate-200 text-left text-sm dark:divide-slate-800";
pub const TH: &str = "px-3 py-2 font-semibold text-slate-700 dark:text-slate-200";
pub const TD: &str = "pw-td";

/// One of a set of links choosing a view (a facet value, an order, a tab), chosen
/// or not; add `FOCUS_RING`.
pub const CHOICE_ON: &str = "pw-choice-on";
pub const CHOICE_OFF: &str = "pw-choice-off";

/// The class of a link among choices.
pub fn choice(on: bool) -> &'static str {
    if on { CHOICE_ON } else { CHOICE_OFF }
}
