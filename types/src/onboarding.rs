//! Tenant onboarding's shared terms: a tenant's states, who must approve, a step's
//! state. Closed sets with one spelling each, so the API, the pages and the database
//! agree.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::guardrails::{NotOneOf, closed_set};

closed_set! {
    /// Where a tenant is in its life. `failed` keeps retrying with backoff; it is a
    /// state of provisioning that a person should look at, not an end.
    TenantState {
        Requested = "requested" / "Requested",
        Approved = "approved" / "Approved",
        Rejected = "rejected" / "Rejected",
        Provisioning = "provisioning" / "Provisioning",
        Active = "active" / "Active",
        Failed = "failed" / "Failed (retrying)",
        DecommissionRequested = "decommission-requested" / "Decommission requested",
        Decommissioning = "decommissioning" / "Decommissioning",
        Decommissioned = "decommissioned" / "Decommissioned",
    }
}

impl TenantState {
    /// States in which a person has to decide something.
    pub const fn awaits_approval(self) -> bool {
        matches!(self, TenantState::Requested | TenantState::DecommissionRequested)
    }

    /// States in which the provisioner is still working.
    pub const fn in_progress(self) -> bool {
        matches!(
            self,
            TenantState::Approved
                | TenantState::Provisioning
                | TenantState::Failed
                | TenantState::Decommissioning
        )
    }

    /// Whether the tenant's namespaces are meant to exist now (for drift checks).
    pub const fn is_live(self) -> bool {
        matches!(self, TenantState::Active | TenantState::DecommissionRequested)
    }
}

closed_set! {
    /// Who approves: nobody (`auto`), an owner of the requesting team, or a security
    /// approver. Ordered: a request needs the strictest approver any of its parts needs.
    Approver {
        Auto = "auto" / "Nobody (automatic)",
        TeamOwner = "team-owner" / "A team owner",
        SecurityApprover = "security-approver" / "A security approver",
    }
}

closed_set! {
    /// One object's provisioning step.
    StepState {
        Pending = "pending" / "Pending",
        Applied = "applied" / "Applied",
        Retrying = "retrying" / "Retrying",
        Deleted = "deleted" / "Deleted",
    }
}

closed_set! {
    /// What a step does to its object.
    StepOp {
        Apply = "apply" / "Apply",
        Delete = "delete" / "Delete",
    }
}

closed_set! {
    /// An environment tenants ask for; each means every configured cluster of it.
    TenantEnvironment {
        Dev = "dev" / "Development",
        Stage = "stage" / "Staging",
        Prod = "prod" / "Production",
    }
}

/// Names a tenant may not take (its namespaces would collide with the system's).
pub const RESERVED_PREFIXES: &[&str] = &["kube-", "parkway-", "openshift-", "default"];

/// The longest tenant name: it becomes a namespace and a prefix of object names.
pub const MAX_TENANT_NAME: usize = 40;

/// Why a tenant name is unusable, if it is; the same check in the browser and the server.
pub fn tenant_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a tenant name is required".into());
    }
    if name.len() > MAX_TENANT_NAME {
        return Some(format!(
            "`{name}` is {} characters long; at most {MAX_TENANT_NAME} are allowed",
            name.len()
        ));
    }
    let valid = name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && name.as_bytes().last().is_some_and(u8::is_ascii_alphanumeric);
    if !valid {
        return Some(format!(
            "`{name}` is not an RFC 1123 label: lower-case letters, digits and `-`, starting and ending with a letter or digit"
        ));
    }
    if let Some(prefix) = RESERVED_PREFIXES.iter().find(|p| {
        if p.ends_with('-') {
            name.starts_with(*p)
        } else {
            name == **p || name.starts_with(&format!("{p}-"))
        }
    }) {
        return Some(format!(
            "`{name}` is reserved: tenant names may not start with `{prefix}`"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rfc_1123_and_avoid_reserved_prefixes() {
        assert_eq!(tenant_name_problem("payments-api"), None);
        assert_eq!(tenant_name_problem("a1"), None);
        for bad in [
            "",
            "Payments",
            "-a",
            "a-",
            "a_b",
            "kube-x",
            "parkway-x",
            "default",
            "default-x",
            &"a".repeat(41),
        ] {
            assert!(tenant_name_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(tenant_name_problem(&"a".repeat(40)), None);
        assert_eq!(tenant_name_problem("defaults"), None);
    }

    #[test]
    fn approvers_order_by_strictness() {
        assert!(Approver::Auto < Approver::TeamOwner && Approver::TeamOwner < Approver::SecurityApprover);
        assert_eq!(
            "needs".parse::<Approver>().map_err(|e| e.expected),
            Err(Approver::expected())
        );
    }
}
