//! People (created on first sign-in from the provider's claims) and service accounts
//! (created by an admin or the CLI for machines).

use sqlx::PgConnection;
use uuid::Uuid;

use super::{Error, Result};

/// Issuer recorded for service accounts, which no provider vouches for.
pub const SERVICE_ISSUER: &str = "parkway";

/// What a sign-in tells Parkway about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub display_name: String,
    pub groups: Vec<String>,
}

impl Identity {
    /// People appear in the audit trail by e-mail address, else by subject.
    pub fn handle(&self) -> &str {
        self.email.as_deref().unwrap_or(&self.subject)
    }
}

/// Creates the person on first sign-in, refreshes name, e-mail and groups on later
/// ones, and mirrors team membership from groups that start with `team_prefix`.
pub async fn upsert_person(conn: &mut PgConnection, identity: &Identity, team_prefix: &str) -> Result<Uuid> {
    let id = sqlx::query_scalar!(
        r#"insert into users (id, kind, issuer, subject, handle, display_name, email, groups, last_sign_in_at)
           values ($1, 'person', $2, $3, $4, $5, $6, $7, now())
           on conflict on constraint users_issuer_subject_key do update
              set handle = excluded.handle, display_name = excluded.display_name,
                  email = excluded.email, groups = excluded.groups, last_sign_in_at = now()
           returning id"#,
        Uuid::new_v4(),
        identity.issuer,
        identity.subject,
        identity.handle(),
        identity.display_name,
        identity.email,
        &identity.groups,
    )
    .fetch_one(&mut *conn)
    .await?;
    let teams: Vec<String> = identity
        .groups
        .iter()
        .filter_map(|group| group.strip_prefix(team_prefix))
        .filter(|team| !team.is_empty())
        .map(str::to_owned)
        .collect();
    sqlx::query!(
        "insert into teams (name) select unnest($1::text[]) on conflict do nothing",
        &teams
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from team_members where user_id = $1 and team <> all($2::text[])",
        id,
        &teams
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into team_members (team, user_id) select unnest($1::text[]), $2 on conflict do nothing",
        &teams,
        id
    )
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The service account called `name`, created if missing.
pub async fn ensure_service_account(conn: &mut PgConnection, name: &str) -> Result<Uuid> {
    validate_account_name(name)?;
    let id = sqlx::query_scalar!(
        r#"insert into users (id, kind, issuer, subject, handle, display_name)
           values ($1, 'service', $2, $3, $3, $3)
           on conflict on constraint users_issuer_subject_key do update set handle = excluded.handle
           returning id"#,
        Uuid::new_v4(),
        SERVICE_ISSUER,
        name,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Service-account names become audit actors and URL parts: keep them plain.
pub fn validate_account_name(name: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if name.is_empty() || name.len() > 63 {
        return Err(Error::invalid("name", "must be 1 to 63 characters"));
    }
    if !name.chars().all(ok_char) || name.starts_with('-') || name.ends_with('-') {
        return Err(Error::invalid(
            "name",
            "use lower-case letters, digits and inner hyphens only (like `ci-deployer`)",
        ));
    }
    Ok(())
}

/// The teams a user belongs to, alphabetically (service accounts belong to none).
pub async fn teams_of<'e>(executor: impl sqlx::PgExecutor<'e>, user_id: Uuid) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar!(
        "select team from team_members where user_id = $1 order by team",
        user_id
    )
    .fetch_all(executor)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_names_are_plain() {
        assert!(validate_account_name("ci-deployer").is_ok());
        for bad in [
            "",
            "CI",
            "ci deployer",
            "-ci",
            "ci-",
            "ci_deployer",
            &"a".repeat(64),
        ] {
            assert!(validate_account_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn handle_prefers_the_email_address() {
        let mut who = Identity {
            issuer: "https://idp".into(),
            subject: "123".into(),
            email: Some("ada@example.com".into()),
            display_name: "Ada".into(),
            groups: vec![],
        };
        assert_eq!(who.handle(), "ada@example.com");
        who.email = None;
        assert_eq!(who.handle(), "123");
    }
}
