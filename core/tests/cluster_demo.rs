//! The real kube-rs client against the demo Kubernetes endpoint over HTTP (and, when
//! `PARKWAY_TEST_KUBECONFIG` names a kubeconfig, the same scenarios against a real
//! cluster; see `against_a_real_cluster`).

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::{
    Api, Client, ResourceExt,
    api::{DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams, WatchEvent, WatchParams},
    runtime::{WatchStreamExt, reflector, watcher},
};
use parkway_core::cluster::apply::{self, ApplyError, ApplyOptions};
use parkway_demo_cluster::{DemoCluster, Store};

/// Where the scenarios run: a demo endpoint (which tests can also stop and compact),
/// or a real cluster.
struct Target {
    client: Client,
    namespace: String,
    demo: Option<DemoCluster>,
}

impl Target {
    async fn demo() -> Self {
        let demo = DemoCluster::start(Arc::new(Store::default()))
            .await
            .expect("demo endpoint starts");
        let client = Client::try_from(kube::Config::new(demo.url().parse().expect("url"))).expect("client");
        Self::with_namespace(client, Some(demo)).await
    }

    async fn with_namespace(client: Client, demo: Option<DemoCluster>) -> Self {
        let namespace = format!("parkway-test-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let ns = Namespace {
            metadata: ObjectMeta {
                name: Some(namespace.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &ns)
            .await
            .expect("test namespace created");
        Self {
            client,
            namespace,
            demo,
        }
    }

    fn config_maps(&self) -> Api<ConfigMap> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    async fn cleanup(self) {
        let _ = Api::<Namespace>::all(self.client.clone())
            .delete(&self.namespace, &DeleteParams::default())
            .await;
    }
}

fn config_map(name: &str, labels: &[(&str, &str)], data: &[(&str, &str)]) -> ConfigMap {
    let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            labels: Some(map(labels)),
            ..Default::default()
        },
        data: Some(map(data)),
        ..Default::default()
    }
}

fn names(list: &[ConfigMap]) -> Vec<String> {
    let mut names: Vec<String> = list.iter().map(ResourceExt::name_any).collect();
    names.sort();
    names
}

async fn lists_with_label_selectors(t: &Target) {
    let api = t.config_maps();
    for (name, tier) in [("web-1", Some("web")), ("api-1", Some("api")), ("plain", None)] {
        let labels: Vec<(&str, &str)> = tier.map(|t| ("tier", t)).into_iter().collect();
        api.create(&PostParams::default(), &config_map(name, &labels, &[("k", "v")]))
            .await
            .expect("created");
    }
    let select = |s: &'static str| {
        let api = api.clone();
        async move {
            names(
                &api.list(&ListParams::default().labels(s))
                    .await
                    .expect("lists")
                    .items,
            )
        }
    };
    assert_eq!(select("tier=web").await, ["web-1"]);
    assert_eq!(select("tier in (web,api)").await, ["api-1", "web-1"]);
    assert_eq!(select("tier!=web").await, ["api-1", "plain"]);
    assert_eq!(select("!tier").await, ["plain"]);
    assert_eq!(select("tier").await, ["api-1", "web-1"]);
    let by_name = api
        .list(&ListParams::default().fields("metadata.name=plain"))
        .await
        .expect("lists");
    assert_eq!(names(&by_name.items), ["plain"]);
    let page = api
        .list(&ListParams::default().limit(2))
        .await
        .expect("first page");
    assert_eq!(page.items.len(), 2);
    let token = page.metadata.continue_.clone().expect("a continue token");
    let rest = api
        .list(&ListParams::default().limit(2).continue_token(&token))
        .await
        .expect("second page");
    assert_eq!(rest.items.len(), 1);
}

async fn watch_sees_a_change_within_a_second(t: &Target) {
    let api = t.config_maps();
    let mut events = watcher(api.clone(), watcher::Config::default()).boxed();
    loop {
        match events.try_next().await.expect("watch works") {
            Some(watcher::Event::InitDone) => break,
            Some(_) => {}
            None => panic!("the watch ended before listing"),
        }
    }
    let started = std::time::Instant::now();
    api.create(&PostParams::default(), &config_map("watched", &[], &[("k", "v")]))
        .await
        .expect("created");
    let seen = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            if let Some(watcher::Event::Apply(cm)) = events.try_next().await.expect("watch works")
                && cm.name_any() == "watched"
            {
                return cm;
            }
        }
    })
    .await
    .expect("the watch saw the new object within 1 s");
    assert_eq!(seen.data.and_then(|d| d.get("k").cloned()).as_deref(), Some("v"));
    eprintln!("watch latency: {:?}", started.elapsed());
}

async fn apply_creates_then_updates_idempotently(t: &Target) {
    let api = t.config_maps();
    let desired = config_map("applied", &[("team", "search")], &[("color", "blue")]);
    let options = ApplyOptions::default();
    let created = apply::apply(&api, "applied", &desired, &options)
        .await
        .expect("apply creates");
    let rv = created.resource_version();
    assert!(rv.is_some());
    let owners: Vec<String> = created
        .managed_fields()
        .iter()
        .filter_map(|m| m.manager.clone())
        .collect();
    assert_eq!(owners, ["parkway"]);
    let again = apply::apply(&api, "applied", &desired, &options)
        .await
        .expect("apply again");
    assert_eq!(again.resource_version(), rv, "an identical apply changes nothing");
    let changed = config_map("applied", &[("team", "search")], &[("color", "green")]);
    let updated = apply::apply(&api, "applied", &changed, &options)
        .await
        .expect("apply updates");
    assert_ne!(updated.resource_version(), rv);
    assert_eq!(
        updated.data.and_then(|d| d.get("color").cloned()).as_deref(),
        Some("green")
    );
}

async fn a_second_managers_conflicting_apply_gets_409(t: &Target) {
    let api = t.config_maps();
    let ours = config_map("contested", &[], &[("replicas", "3")]);
    apply::apply(&api, "contested", &ours, &ApplyOptions::default())
        .await
        .expect("first apply");
    let theirs = config_map("contested", &[], &[("replicas", "5")]);
    let other = ApplyOptions {
        manager: "team-deployer".into(),
        force: false,
    };
    match apply::apply(&api, "contested", &theirs, &other).await {
        Err(ApplyError::Conflict {
            managers, message, ..
        }) => {
            assert_eq!(managers, ["parkway"], "{message}");
            assert!(message.contains(".data.replicas"), "{message}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let forced = ApplyOptions { force: true, ..other };
    let taken = apply::apply(&api, "contested", &theirs, &forced)
        .await
        .expect("force takes over");
    assert_eq!(
        taken.data.and_then(|d| d.get("replicas").cloned()).as_deref(),
        Some("5")
    );
}

async fn apply_without_a_field_manager_gets_400(t: &Target) {
    let api = t.config_maps();
    let object = config_map("unmanaged", &[], &[("k", "v")]);
    let err = api
        .patch("unmanaged", &PatchParams::default(), &Patch::Apply(&object))
        .await
        .expect_err("refused");
    match err {
        kube::Error::Api(status) => {
            assert!(status.message.contains("fieldManager"), "{}", status.message);
            let expected: &[u16] = if t.demo.is_some() { &[400] } else { &[400, 422] };
            assert!(expected.contains(&status.code), "{}", status.code);
        }
        other => panic!("expected an API error, got {other:?}"),
    }
    assert!(
        api.get_opt("unmanaged").await.expect("reads").is_none(),
        "nothing was created"
    );
}

async fn a_watch_from_a_compacted_version_gets_410(t: &Target) {
    if let Some(demo) = &t.demo {
        demo.store().compact();
    }
    let api = t.config_maps();
    let stream = api.watch(&WatchParams::default(), "1").await;
    let code = match stream {
        Err(kube::Error::Api(status)) => status.code,
        Ok(stream) => {
            let mut stream = stream.boxed();
            match stream.next().await {
                Some(Ok(WatchEvent::Error(status))) => status.code,
                other => panic!("expected an ERROR event, got {other:?}"),
            }
        }
        Err(other) => panic!("expected 410, got {other:?}"),
    };
    assert_eq!(code, 410);
}

macro_rules! on_demo {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let target = super::Target::demo().await;
            super::$name(&target).await;
            target.cleanup().await;
        }
    )*};
}

mod demo {
    on_demo!(
        lists_with_label_selectors,
        watch_sees_a_change_within_a_second,
        apply_creates_then_updates_idempotently,
        a_second_managers_conflicting_apply_gets_409,
        apply_without_a_field_manager_gets_400,
        a_watch_from_a_compacted_version_gets_410,
    );
}

/// The same scenarios against a real cluster named by `PARKWAY_TEST_KUBECONFIG` (its
/// current context is used; each run works in a fresh namespace that it deletes).
/// Ignored by default, so a run without a cluster reports it as not run rather than
/// passed; `cargo xtask test` runs it (`--ignored`) when the variable is set.
#[tokio::test]
#[ignore = "needs a real cluster: set PARKWAY_TEST_KUBECONFIG (cargo xtask test then runs it)"]
async fn against_a_real_cluster() {
    let path = std::env::var("PARKWAY_TEST_KUBECONFIG")
        .expect("PARKWAY_TEST_KUBECONFIG must name the kubeconfig of the cluster to test against");
    let kubeconfig = kube::config::Kubeconfig::read_from(&path).expect("kubeconfig reads");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("kubeconfig is usable");
    let client = Client::try_from(config).expect("client");
    let target = Target::with_namespace(client, None).await;
    lists_with_label_selectors(&target).await;
    watch_sees_a_change_within_a_second(&target).await;
    apply_creates_then_updates_idempotently(&target).await;
    a_second_managers_conflicting_apply_gets_409(&target).await;
    apply_without_a_field_manager_gets_400(&target).await;
    a_watch_from_a_compacted_version_gets_410(&target).await;
    target.cleanup().await;
}

/// The endpoint goes away, the cluster changes and compacts its history meanwhile;
/// when it comes back the reflector's resumed watch gets 410, relists, and its store
/// matches the cluster again.
#[tokio::test]
async fn a_reflector_recovers_from_an_outage_and_a_410() {
    let target = Target::demo().await;
    let api = target.config_maps();
    for name in ["keep", "remove"] {
        api.create(&PostParams::default(), &config_map(name, &[], &[("k", "v")]))
            .await
            .expect("created");
    }
    let (reader, writer) = reflector::store::<ConfigMap>();
    let relists = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = relists.clone();
    let stream = watcher(api.clone(), watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .inspect(move |event| {
            if matches!(event, Ok(watcher::Event::Init)) {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        });
    let task = tokio::spawn(stream.for_each(|_| async {}));
    reader.wait_until_ready().await.expect("first list");
    let demo = target.demo.as_ref().expect("demo target");
    demo.stop().await;
    let store = demo.store();
    let kind = parkway_demo_cluster::kinds::find("", "v1", "configmaps").expect("kind");
    store
        .delete(kind, Some(&target.namespace), "remove")
        .expect("deleted while down");
    store
        .create(
            kind,
            Some(&target.namespace),
            serde_json::json!({"metadata": {"name": "added"}}),
            "test",
        )
        .expect("created while down");
    store.compact();
    demo.restart().await.expect("restarts on the same port");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut seen: Vec<String> = reader.state().iter().map(|c| c.name_any()).collect();
        seen.sort();
        if seen == ["added", "keep"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "reflector did not recover: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        relists.load(std::sync::atomic::Ordering::SeqCst) >= 2,
        "the 410 forced a relist"
    );
    task.abort();
    target.cleanup().await;
}
