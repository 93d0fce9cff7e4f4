//! The committed demo catalog is exactly what the generator writes.

#[test]
fn the_committed_demo_catalog_matches_the_generator() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/catalog");
    for (path, expected) in parkway_demo_cluster::catalog::files(parkway_demo_cluster::catalog::DEMO_SERVICES)
    {
        let committed = std::fs::read_to_string(root.join(&path)).unwrap_or_default();
        assert!(
            committed == expected,
            "demo/catalog/{path} is out of date: run `cargo run -p parkway-demo-cluster --example demo_catalog`"
        );
    }
}
