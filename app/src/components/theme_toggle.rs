//! The light/dark switch. The choice is remembered in `localStorage`; choosing what the
//! system already prefers forgets it, so the page follows the system again.

use leptos::prelude::*;

use super::icons::{Icon, Svg};
use super::style::FOCUS_RING;

/// Storage key shared with the pre-paint script in the document head.
pub const STORAGE_KEY: &str = "parkway-theme";

/// An island: the only part of the header that runs in the browser.
#[island]
pub fn ThemeToggle() -> impl IntoView {
    let (dark, set_dark) = signal(false);
    // The server cannot know the reader's theme; read it once we run in the browser.
    Effect::new(move |_| set_dark.set(browser::is_dark()));
    let toggle = move |_| set_dark.set(browser::toggle());
    view! {
        <button
            type="button"
            on:click=toggle
            aria-pressed=move || if dark.get() { "true" } else { "false" }
            title="Toggle dark mode"
            data-testid="theme-toggle"
            class=format!(
                "inline-flex h-9 w-9 items-center justify-center rounded-md border border-slate-200 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-white {FOCUS_RING}",
            )
        >
            <span class="sr-only">"Dark mode"</span>
            <span class="dark:hidden">
                <Svg icon=Icon::Moon />
            </span>
            <span class="hidden dark:inline">
                <Svg icon=Icon::Sun />
            </span>
        </button>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::STORAGE_KEY;
    use leptos::prelude::{document, window};

    pub fn is_dark() -> bool {
        document()
            .document_element()
            .is_some_and(|root| root.class_list().contains("dark"))
    }

    /// Flips the theme and returns whether it is now dark.
    pub fn toggle() -> bool {
        let Some(root) = document().document_element() else {
            return false;
        };
        let now_dark = root.class_list().toggle("dark").unwrap_or(false);
        let system_dark = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|query| query.matches());
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = if now_dark == system_dark {
                storage.remove_item(STORAGE_KEY)
            } else {
                storage.set_item(STORAGE_KEY, if now_dark { "dark" } else { "light" })
            };
        }
        now_dark
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    pub fn is_dark() -> bool {
        false
    }

    pub fn toggle() -> bool {
        false
    }
}
