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

/// Every service of the demo catalog runs, in every demo cluster, in a namespace
/// labelled `parkway.io/team=<its owner group>`: the Runtime tab shows a team only what
/// runs in its own namespaces, so without the label the demo's Runtime tabs are empty.
#[test]
fn demo_services_run_in_namespaces_labelled_for_their_owner_team() {
    use parkway_demo_cluster::{
        Store,
        catalog::{DEMO_SERVICES, files},
        kinds::find,
        seed::{ENVIRONMENTS, namespace_of, populate},
    };
    use serde::Deserialize;

    let mut owners = std::collections::BTreeMap::new();
    for (_, text) in files(DEMO_SERVICES) {
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let value = serde_yaml::Value::deserialize(doc).expect("valid YAML");
            let kind = value["kind"].as_str().unwrap_or_default();
            if kind == "Component" || kind == "Resource" {
                let id = value["metadata"]["annotations"]["backstage.io/kubernetes-id"]
                    .as_str()
                    .expect("every demo service names its kubernetes-id")
                    .to_owned();
                let owner = value["spec"]["owner"].as_str().expect("owned").to_owned();
                owners.insert(id, owner);
            }
        }
    }
    assert_eq!(owners.len(), DEMO_SERVICES);
    let namespaces = find("", "v1", "namespaces").expect("kind");
    let workloads = [
        find("apps", "v1", "deployments").expect("kind"),
        find("apps", "v1", "statefulsets").expect("kind"),
    ];
    for environment in ENVIRONMENTS {
        let store = Store::default();
        populate(&store, environment, DEMO_SERVICES).expect("seeds");
        for service in parkway_demo_cluster::seed::services(DEMO_SERVICES) {
            let ns = namespace_of(service.team.name, environment);
            assert!(
                workloads
                    .iter()
                    .any(|kind| store.get(*kind, Some(&ns), &service.name).is_ok()),
                "{} runs in {ns}",
                service.name
            );
            let namespace = store.get(namespaces, None, &ns).expect("namespace exists");
            let team = namespace["metadata"]["labels"]["parkway.io/team"]
                .as_str()
                .unwrap_or_default();
            let owner = owners[&service.name].as_str();
            assert_eq!(
                owner.trim_start_matches("group:default/"),
                team,
                "{} in {ns}: owned by {owner}",
                service.name
            );
        }
    }
}
