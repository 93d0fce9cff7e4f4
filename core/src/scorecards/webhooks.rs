//! Deployments from the webhooks CI/CD systems already send: GitHub's
//! `deployment_status` (signed with HMAC-SHA256 in `X-Hub-Signature-256`) and GitLab's
//! deployment events (`X-Gitlab-Token`, or the signed Standard Webhooks headers). The
//! signature is the caller's credential: verified against every secret of that kind,
//! in constant time, before anything is read. Secrets are stored sealed
//! (ChaCha20-Poly1305 under a key derived from `PARKWAY_AUDIT_KEY`). Pure functions
//! here; the operation is `ops::receive_webhook`.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use parkway_types::scorecards::DeploymentStatus;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::Deserialize;
use sha2::Sha256;

use crate::identity::secret::constant_time_eq;

/// The key secrets are sealed with; never printed.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    /// Derived from the audit key, so one secret configures both (and a sealed
    /// webhook secret cannot be read with the audit key's HMAC alone).
    pub fn derive(audit_key: &crate::audit::AuditKey) -> Self {
        Self(audit_key.sign(b"parkway webhook secrets v1"))
    }

    /// A key of this process only (tests, and servers without `PARKWAY_AUDIT_KEY`,
    /// which warn that secrets sealed now cannot be read after a restart).
    pub fn random() -> Self {
        let mut key = [0_u8; 32];
        let _ = getrandom::fill(&mut key);
        Self(key)
    }

    fn aead(&self) -> Option<LessSafeKey> {
        UnboundKey::new(&CHACHA20_POLY1305, &self.0)
            .ok()
            .map(LessSafeKey::new)
    }

    /// `nonce ‖ ciphertext ‖ tag`.
    pub fn seal(&self, plaintext: &[u8]) -> Option<Vec<u8>> {
        let key = self.aead()?;
        let mut nonce = [0_u8; NONCE_LEN];
        getrandom::fill(&mut nonce).ok()?;
        let mut data = plaintext.to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data)
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Some(out)
    }

    /// The plaintext, or `None` when it was sealed under another key or altered.
    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let key = self.aead()?;
        let (nonce, data) = sealed.split_at_checked(NONCE_LEN)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut data = data.to_vec();
        let plain = key.open_in_place(nonce, Aad::empty(), &mut data).ok()?;
        Some(plain.to_vec())
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    for part in parts {
        mac.update(part);
    }
    mac
}

/// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`.
pub fn github_signed(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(hex_sig) else {
        return false;
    };
    hmac(secret, &[body]).verify_slice(&given).is_ok()
}

/// GitLab's secret token header.
pub fn gitlab_token(secret: &[u8], header: &str) -> bool {
    constant_time_eq(secret, header.as_bytes())
}

/// How far a Standard Webhooks timestamp may be from now.
pub const STANDARD_TOLERANCE_SECONDS: i64 = 300;

/// Standard Webhooks (<https://www.standardwebhooks.com>): `webhook-signature` holds
/// space-separated `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`; the key is
/// the secret's bytes after `whsec_` base64-decoded (or the secret itself). The
/// timestamp must be within five minutes of `now` (replays of old deliveries fail).
pub fn standard_signed(
    secret: &[u8],
    id: &str,
    timestamp: &str,
    body: &[u8],
    signatures: &str,
    now: DateTime<Utc>,
) -> bool {
    let Ok(at) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now.timestamp() - at).abs() > STANDARD_TOLERANCE_SECONDS {
        return false;
    }
    let key = std::str::from_utf8(secret)
        .ok()
        .and_then(|s| s.strip_prefix("whsec_"))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .unwrap_or_else(|| secret.to_vec());
    let expected = hmac(
        &key,
        &[id.as_bytes(), b".", timestamp.trim().as_bytes(), b".", body],
    )
    .finalize()
    .into_bytes();
    signatures.split_whitespace().any(|entry| {
        entry
            .strip_prefix("v1,")
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .is_some_and(|given| constant_time_eq(&given, expected))
    })
}

/// A deployment a webhook reported, before it is matched to a service.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    pub id: String,
    /// `owner/repo` (GitHub) or `group/project` (GitLab).
    pub project: String,
    pub environment: String,
    pub status: DeploymentStatus,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: DateTime<Utc>,
    pub sha: Option<String>,
    pub url: Option<String>,
}

/// What a delivery amounts to.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// A finished deployment.
    Deployment(Reported),
    /// Something else (a ping, a deployment still running): accepted, nothing stored.
    Ignored(String),
}

#[derive(Deserialize)]
struct GithubPayload {
    deployment_status: GithubStatus,
    deployment: GithubDeployment,
    repository: GithubRepository,
}

#[derive(Deserialize)]
struct GithubStatus {
    state: String,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    target_url: Option<String>,
    #[serde(default)]
    log_url: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct GithubDeployment {
    id: u64,
    sha: String,
    environment: String,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct GithubRepository {
    full_name: String,
}

fn read<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, (Option<String>, String)> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        ((path != ".").then_some(path), err.into_inner().to_string())
    })
}

/// A GitHub delivery of event `event` (`X-GitHub-Event`).
pub fn github(event: &str, body: &[u8]) -> Result<Delivery, (Option<String>, String)> {
    if event != "deployment_status" {
        return Ok(Delivery::Ignored(format!("`{event}` events carry no deployment")));
    }
    let p: GithubPayload = read(body)?;
    let status = match p.deployment_status.state.as_str() {
        "success" => DeploymentStatus::Success,
        "failure" | "error" => DeploymentStatus::Failure,
        other => {
            return Ok(Delivery::Ignored(format!(
                "deployment status `{other}` is not final"
            )));
        }
    };
    Ok(Delivery::Deployment(Reported {
        id: format!("github:{}:{}", p.repository.full_name, p.deployment.id),
        project: p.repository.full_name,
        environment: p
            .deployment_status
            .environment
            .unwrap_or(p.deployment.environment),
        status,
        started_at: p.deployment.created_at,
        finished_at: p.deployment_status.created_at,
        sha: Some(p.deployment.sha),
        url: p.deployment_status.target_url.or(p.deployment_status.log_url),
    }))
}

#[derive(Deserialize)]
struct GitlabPayload {
    object_kind: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    status_changed_at: Option<String>,
    #[serde(default)]
    deployment_id: Option<u64>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    deployable_url: Option<String>,
    #[serde(default)]
    short_sha: Option<String>,
    #[serde(default)]
    commit_url: Option<String>,
    #[serde(default)]
    project: Option<GitlabProject>,
}

#[derive(Deserialize)]
struct GitlabProject {
    path_with_namespace: String,
}

/// GitLab writes `2021-04-28 21:50:00 +0200`; RFC 3339 is read too.
fn gitlab_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z")
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %Z"))
        .or_else(|_| DateTime::parse_from_rfc3339(text))
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .or_else(|| {
            text.strip_suffix(" UTC")
                .and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok())
                .map(|t| t.and_utc())
        })
}

/// A GitLab delivery (deployment events; anything else is ignored).
pub fn gitlab(body: &[u8]) -> Result<Delivery, (Option<String>, String)> {
    let p: GitlabPayload = read(body)?;
    if p.object_kind != "deployment" {
        return Ok(Delivery::Ignored(format!(
            "`{}` events carry no deployment",
            p.object_kind
        )));
    }
    let missing = |field: &str| (Some(field.to_owned()), "missing field".to_owned());
    let status = match p.status.as_deref() {
        Some("success") => DeploymentStatus::Success,
        Some("failed") => DeploymentStatus::Failure,
        Some(other) => {
            return Ok(Delivery::Ignored(format!(
                "deployment status `{other}` is not final"
            )));
        }
        None => return Err(missing("status")),
    };
    let project = p.project.ok_or_else(|| missing("project"))?.path_with_namespace;
    let changed = p.status_changed_at.ok_or_else(|| missing("status_changed_at"))?;
    let finished_at = gitlab_time(&changed).ok_or_else(|| {
        (
            Some("status_changed_at".to_owned()),
            format!("`{changed}` is not a time GitLab writes (`2021-04-28 21:50:00 +0200`)"),
        )
    })?;
    let id = p.deployment_id.ok_or_else(|| missing("deployment_id"))?;
    // The full sha is the commit URL's last segment.
    let sha = p
        .commit_url
        .as_deref()
        .and_then(|u| u.rsplit('/').next())
        .filter(|s| s.len() >= 7 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .map(str::to_owned)
        .or(p.short_sha);
    Ok(Delivery::Deployment(Reported {
        id: format!("gitlab:{project}:{id}"),
        project,
        environment: p.environment.ok_or_else(|| missing("environment"))?,
        status,
        started_at: None,
        finished_at,
        sha,
        url: p.deployable_url,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let audit = crate::audit::AuditKey::new("0123456789abcdef0123456789abcdef")
            .unwrap_or_else(|_| crate::audit::AuditKey::ephemeral());
        let key = SealingKey::derive(&audit);
        let sealed = key.seal(b"hunter2").unwrap_or_default();
        assert!(
            !sealed.windows(7).any(|w| w == b"hunter2"),
            "not stored in the clear"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some(&b"hunter2"[..]));
        assert_eq!(SealingKey::random().open(&sealed), None);
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(key.open(&tampered), None);
        assert!(!format!("{key:?}").contains('0'));
    }

    #[test]
    fn github_signatures_are_hmac_sha256_of_the_raw_body() {
        // GitHub's documented example: secret "It's a Secret to Everybody", body
        // "Hello, World!".
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(github_signed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            header
        ));
        assert!(!github_signed(
            b"It's a Secret to Everybody",
            b"Hello, World?",
            header
        ));
        assert!(!github_signed(b"another secret", b"Hello, World!", header));
        assert!(!github_signed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            "sha1=abc"
        ));
    }

    #[test]
    fn standard_webhooks_sign_id_timestamp_and_body() {
        // The Standard Webhooks specification's test vector.
        let secret = b"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let at = DateTime::from_timestamp(1_614_265_330, 0).unwrap_or_default();
        assert!(standard_signed(secret, id, "1614265330", body, signature, at));
        assert!(standard_signed(
            secret,
            id,
            "1614265330",
            body,
            &format!("v1,bogus {signature}"),
            at
        ));
        assert!(
            !standard_signed(secret, id, "1614265331", body, signature, at),
            "timestamp is signed"
        );
        let later = DateTime::from_timestamp(1_614_265_330 + 301, 0).unwrap_or_default();
        assert!(
            !standard_signed(secret, id, "1614265330", body, signature, later),
            "too old: a replay"
        );
    }

    #[test]
    fn github_deployment_status_becomes_a_deployment_when_final() {
        let body = br#"{"action": "created",
            "deployment_status": {"id": 9, "state": "success", "environment": "production",
              "target_url": "https://ci.example.com/42", "created_at": "2026-11-30T10:09:00Z"},
            "deployment": {"id": 4242, "sha": "9f2c1e", "ref": "main", "environment": "production",
              "created_at": "2026-11-30T10:00:00Z"},
            "repository": {"full_name": "acme/checkout-api"}}"#;
        match github("deployment_status", body) {
            Ok(Delivery::Deployment(d)) => {
                assert_eq!(d.id, "github:acme/checkout-api:4242");
                assert_eq!(d.project, "acme/checkout-api");
                assert_eq!(d.status, DeploymentStatus::Success);
                assert_eq!(d.sha.as_deref(), Some("9f2c1e"));
            }
            other => panic!("{other:?}"),
        }
        let pending = String::from_utf8_lossy(body).replace("\"success\"", "\"in_progress\"");
        assert!(matches!(
            github("deployment_status", pending.as_bytes()),
            Ok(Delivery::Ignored(_))
        ));
        assert!(matches!(github("ping", b"{}"), Ok(Delivery::Ignored(_))));
        let broken = String::from_utf8_lossy(body).replace("\"2026-11-30T10:09:00Z\"", "\"soon\"");
        assert!(
            matches!(github("deployment_status", broken.as_bytes()), Err((Some(f), _)) if f == "deployment_status.created_at")
        );
    }

    #[test]
    fn gitlab_deployment_events_read_gitlab_times_and_the_full_sha() {
        let body = br#"{"object_kind": "deployment", "status": "failed",
            "status_changed_at": "2021-04-28 21:50:00 +0200", "deployment_id": 15,
            "environment": "production", "deployable_url": "https://gitlab.example.com/acme/shop/-/jobs/796",
            "short_sha": "279484c0",
            "commit_url": "https://gitlab.example.com/acme/shop/-/commit/279484c09fbe69ededfced8c1bb6e6d24616b468",
            "project": {"path_with_namespace": "acme/shop"}}"#;
        match gitlab(body) {
            Ok(Delivery::Deployment(d)) => {
                assert_eq!(d.id, "gitlab:acme/shop:15");
                assert_eq!(d.status, DeploymentStatus::Failure);
                assert_eq!(d.finished_at.to_rfc3339(), "2021-04-28T19:50:00+00:00");
                assert_eq!(d.sha.as_deref(), Some("279484c09fbe69ededfced8c1bb6e6d24616b468"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            gitlab(br#"{"object_kind": "push"}"#),
            Ok(Delivery::Ignored(_))
        ));
        assert!(matches!(
            gitlab(br#"{"object_kind": "deployment", "status": "success"}"#),
            Err((Some(_), _))
        ));
    }
}
