//! `cargo xtask bench wasm`: what a browser downloads.

use crate::{
    budgets::{self, kib},
    cmd::{self, Result},
};

/// Builds the site (the release bundle, with the development server `test` compiled:
/// the server's build does not change the bundle) and reports what a browser downloads.
pub fn wasm() -> Result<()> {
    crate::site::build_dev(crate::DEMO_FEATURE)?;
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
