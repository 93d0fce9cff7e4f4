//! `cargo xtask bench wasm`: what a browser downloads.

use crate::{
    budgets::{self, kib},
    cmd::{self, Result},
    tools,
};

/// Builds the release bundle and reports what a browser downloads.
pub fn wasm() -> Result<()> {
    tools::ensure_build_tools()?;
    cmd::step("cargo leptos build --release");
    tools::leptos_build(true)?;
    for size in budgets::bundle_sizes(&cmd::root().join("target/site/pkg"))? {
        println!(
            "{:<18} raw {:>8.1} KiB   gzip {:>8.1} KiB   brotli {:>8.1} KiB",
            size.name,
            kib(size.raw),
            kib(size.gzip),
            kib(size.brotli)
        );
    }
    println!("budget: WebAssembly ≤ {} KiB brotli", budgets::WASM_BROTLI_KIB);
    Ok(())
}
