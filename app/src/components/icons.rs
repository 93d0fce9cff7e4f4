//! Inline SVG icons (24×24 outline, `currentColor`), decorative unless labelled.

use leptos::prelude::*;

/// Which drawing to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Logo,
    Catalog,
    Guardrails,
    Onboarding,
    Scorecards,
    Admin,
    Evidence,
    Sun,
    Moon,
    Compass,
    Warning,
    ArrowRight,
}

impl Icon {
    fn paths(self) -> &'static [&'static str] {
        match self {
            Icon::Logo => &[
                "M4 20 C8 14 10 6 12 4 C14 6 16 14 20 20",
                "M12 8v2",
                "M12 13v2",
                "M12 18v1",
            ],
            Icon::Catalog => &[
                "M4 5h16v4H4z",
                "M4 11h16v4H4z",
                "M4 17h16v3H4z",
                "M7 7h.01",
                "M7 13h.01",
            ],
            Icon::Guardrails => &[
                "M12 3l8 3v6c0 4.5-3.4 8.3-8 9-4.6-.7-8-4.5-8-9V6z",
                "M9 12l2 2 4-4",
            ],
            Icon::Onboarding => &["M3 21h18", "M5 21V9l7-5 7 5v12", "M9 21v-6h6v6"],
            Icon::Scorecards => &["M4 20V10", "M10 20V4", "M16 20v-7", "M22 20H2"],
            Icon::Admin => &[
                "M12 15a3 3 0 100-6 3 3 0 000 6z",
                "M19.4 15a1.7 1.7 0 00.3 1.8l.1.1a2 2 0 11-2.8 2.8l-.1-.1a1.7 1.7 0 00-1.8-.3 1.7 1.7 0 00-1 1.5V21a2 2 0 11-4 0v-.1a1.7 1.7 0 00-1.1-1.5 1.7 1.7 0 00-1.8.3l-.1.1a2 2 0 11-2.8-2.8l.1-.1a1.7 1.7 0 00.3-1.8 1.7 1.7 0 00-1.5-1H3a2 2 0 110-4h.1a1.7 1.7 0 001.5-1.1 1.7 1.7 0 00-.3-1.8l-.1-.1a2 2 0 112.8-2.8l.1.1a1.7 1.7 0 001.8.3H9a1.7 1.7 0 001-1.5V3a2 2 0 114 0v.1a1.7 1.7 0 001 1.5 1.7 1.7 0 001.8-.3l.1-.1a2 2 0 112.8 2.8l-.1.1a1.7 1.7 0 00-.3 1.8V9a1.7 1.7 0 001.5 1H21a2 2 0 110 4h-.1a1.7 1.7 0 00-1.5 1z",
            ],
            Icon::Evidence => &["M7 3h7l5 5v13H7z", "M14 3v5h5", "M10 14.5l2 2 3.5-4"],
            Icon::Sun => &[
                "M12 17a5 5 0 100-10 5 5 0 000 10z",
                "M12 1v2",
                "M12 21v2",
                "M4.2 4.2l1.4 1.4",
                "M18.4 18.4l1.4 1.4",
                "M1 12h2",
                "M21 12h2",
                "M4.2 19.8l1.4-1.4",
                "M18.4 5.6l1.4-1.4",
            ],
            Icon::Moon => &["M21 12.8A9 9 0 1111.2 3a7 7 0 009.8 9.8z"],
            Icon::Compass => &[
                "M12 22a10 10 0 100-20 10 10 0 000 20z",
                "M16.2 7.8l-2.1 6.3-6.3 2.1 2.1-6.3z",
            ],
            Icon::Warning => &[
                "M10.3 3.9L1.8 18a2 2 0 001.7 3h17a2 2 0 001.7-3L13.7 3.9a2 2 0 00-3.4 0z",
                "M12 9v4",
                "M12 17h.01",
            ],
            Icon::ArrowRight => &["M5 12h14", "M13 6l6 6-6 6"],
        }
    }
}

/// Draws `icon`; hidden from assistive technology because the text beside it says the same.
#[component]
pub fn Svg(icon: Icon, #[prop(default = "h-5 w-5")] class: &'static str) -> impl IntoView {
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.75"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            {icon.paths().iter().map(|d| view! { <path d=*d /> }).collect_view()}
        </svg>
    }
}
