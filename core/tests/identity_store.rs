//! Identity storage against a real Postgres: people and teams from claims, roles that
//! follow the mappings live, sessions and tokens.

use std::time::Duration;

use parkway_core::identity::{
    Error, Role, role_mappings,
    sessions::{self, LoginFlow, SessionPolicy},
    tokens::{self, NewToken, Owner, TokenCheck},
    users::{self, Identity},
};
use sqlx::PgPool;

const POLICY: SessionPolicy = SessionPolicy {
    idle: Duration::from_secs(600),
    absolute: Duration::from_secs(3600),
};

const IDP: &str = "https://idp.example";

fn ada(groups: &[&str]) -> Identity {
    Identity {
        issuer: "https://idp.example".into(),
        subject: "ada".into(),
        email: Some("ada@example.com".into()),
        email_verified: true,
        display_name: "Ada Lovelace".into(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    }
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn people_are_created_once_and_teams_follow_their_groups(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let first = users::upsert_person(
        &mut conn,
        &ada(&["team-payments", "team-search", "staff"]),
        "team-",
    )
    .await
    .expect("created");
    assert_eq!(
        users::teams_of(&mut *conn, first).await.expect("teams"),
        ["payments", "search"]
    );
    let again = users::upsert_person(&mut conn, &ada(&["team-search"]), "team-")
        .await
        .expect("updated");
    assert_eq!(first, again, "the same person, not a second one");
    assert_eq!(
        users::teams_of(&mut *conn, first).await.expect("teams"),
        ["search"],
        "left payments"
    );
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn session_roles_follow_mapping_changes_at_once(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let user = users::upsert_person(&mut conn, &ada(&["admins"]), "team-")
        .await
        .expect("user");
    let session = sessions::create(&mut conn, user, POLICY, None, IDP)
        .await
        .expect("session");
    let load = || sessions::load(&pool, &session, POLICY, Some(IDP));
    let principal = load().await.expect("load").expect("live").principal;
    assert!(principal.roles.is_empty(), "no mapping, no role");
    assert_eq!(principal.actor(), "user:ada@example.com");

    let mapping = role_mappings::add(&pool, "admins", "platform-admin", "user:root", Some("req-1"))
        .await
        .expect("mapped");
    let principal = load().await.expect("load").expect("live").principal;
    assert!(principal.has_role(Role::PlatformAdmin));
    let audited: (String, String, Option<String>) =
        sqlx::query_as("select actor, action, request_id from audit_events order by id desc limit 1")
            .fetch_one(&pool)
            .await
            .expect("audit");
    assert_eq!(
        audited,
        (
            "user:root".into(),
            "role-mapping.add".into(),
            Some("req-1".into())
        )
    );

    role_mappings::remove(&pool, mapping.id, "user:root", None)
        .await
        .expect("removed");
    assert!(
        load()
            .await
            .expect("load")
            .expect("live")
            .principal
            .roles
            .is_empty()
    );
    assert!(matches!(
        role_mappings::remove(&pool, mapping.id, "user:root", None).await,
        Err(Error::NotFound(_))
    ));

    sessions::destroy(&mut conn, &session).await.expect("destroyed");
    assert!(load().await.expect("load").is_none());
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn sign_in_flows_can_be_completed_once(pool: PgPool) {
    let flow = LoginFlow {
        state: "s".into(),
        nonce: "n".into(),
        pkce_verifier: "v".into(),
        return_to: "/catalog".into(),
    };
    let id = sessions::start_login(&pool, &flow).await.expect("started");
    assert_eq!(sessions::take_login(&pool, &id).await.expect("taken"), Some(flow));
    assert_eq!(sessions::take_login(&pool, &id).await.expect("second"), None);
}

#[sqlx::test(migrator = "parkway_core::db::MIGRATOR")]
async fn a_persons_token_acts_with_their_current_roles(pool: PgPool) {
    let mut conn = pool.acquire().await.expect("connection");
    let user = users::upsert_person(&mut conn, &ada(&["devs"]), "team-")
        .await
        .expect("user");
    role_mappings::add(&pool, "devs", "developer", "system", None)
        .await
        .expect("mapped");
    let request = NewToken {
        name: "laptop".into(),
        owner: Owner::Person(user),
        scopes: vec![],
        lifetime: Duration::from_secs(60),
        parent: None,
    };
    let created = tokens::create(&pool, &request, "user:ada@example.com", None)
        .await
        .expect("token");
    let duplicate = tokens::create(&pool, &request, "user:ada@example.com", None).await;
    assert!(
        matches!(duplicate, Err(Error::Conflict(_))),
        "names are unique per owner"
    );
    let TokenCheck::Valid { principal, .. } = tokens::authenticate(&pool, &created.secret, 30)
        .await
        .expect("check")
    else {
        panic!("valid token");
    };
    assert_eq!(
        principal.roles.iter().copied().collect::<Vec<_>>(),
        [Role::Developer]
    );
    assert_eq!(principal.scopes, None);
    role_mappings::add(&pool, "devs", "leader", "system", None)
        .await
        .expect("mapped");
    let TokenCheck::Valid { principal, .. } = tokens::authenticate(&pool, &created.secret, 30)
        .await
        .expect("check")
    else {
        panic!("valid token");
    };
    assert!(
        principal.has_role(Role::Leader),
        "roles are read at use, not frozen at creation"
    );
    assert!(matches!(
        tokens::authenticate(&pool, "pwk_nothing", 30)
            .await
            .expect("check"),
        TokenCheck::Unknown
    ));
}
