//! The WebAssembly entry point. Pages are rendered on the server; the islands in them
//! (`#[island]` in `parkway-app`) are exported from this module and hydrated by the
//! script in the page once `hydrate` has set up the reactive runtime.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    parkway_app::hydrate_islands();
}
