//! The guardrails' shared terms: ids, severities, decisions, review states, the threat
//! register's categories. Each is a closed set with one spelling (YAML, JSON, URLs and
//! the database agree) and one label (what a page says), so no layer re-spells them.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// A value outside a closed set; the message lists the valid spellings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not one of {expected}")]
pub struct NotOneOf {
    pub given: String,
    pub expected: String,
}

/// A closed set of kebab-case words with a label each: the enum, `ALL`, `as_str`,
/// `label`, `Display`, `FromStr` (refusing with the list) and serde by the same words.
macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// As YAML, JSON, URLs and the database spell it.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// As a page says it.
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The valid spellings, for messages.
            pub fn expected() -> String {
                [$($word),+].map(|w| format!("`{w}`")).join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Written by hand: the derive does not read `rename`s a macro wrote.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl FromStr for $name {
            type Err = NotOneOf;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(NotOneOf { given: s.to_owned(), expected: Self::expected() }),
                }
            }
        }
    };
}

pub(crate) use closed_set;

closed_set! {
    /// How bad a breach of the guardrail is.
    Severity {
        Critical = "critical" / "Critical",
        High = "high" / "High",
        Medium = "medium" / "Medium",
        Low = "low" / "Low",
    }
}

closed_set! {
    /// Whether the guardrail stops a change, finds it afterwards, or shapes it before.
    Behavior {
        Preventive = "preventive" / "Preventive",
        Detective = "detective" / "Detective",
        Proactive = "proactive" / "Proactive",
    }
}

closed_set! {
    /// How strongly teams are expected to follow it.
    Guidance {
        Mandatory = "mandatory" / "Mandatory",
        StronglyRecommended = "strongly-recommended" / "Strongly recommended",
        Elective = "elective" / "Elective",
    }
}

closed_set! {
    /// What the guardrail says about the thing it governs, for one risk tier.
    Decision {
        Allowed = "allowed" / "Allowed",
        NeedsApproval = "needs-approval" / "Needs approval",
        Blocked = "blocked" / "Blocked",
    }
}

closed_set! {
    /// Where a guardrail version is in its review.
    VersionState {
        Draft = "draft" / "Draft",
        InReview = "in-review" / "In review",
        Published = "published" / "Published",
        Retired = "retired" / "Retired",
    }
}

closed_set! {
    /// What an in-review version asks for: to be published, or to retire the guardrail.
    Intent {
        Publish = "publish" / "Publish",
        Retire = "retire" / "Retire",
    }
}

closed_set! {
    /// A review step over the API and in the browser; each acts on the newest version.
    ReviewStep {
        Submit = "submit" / "Submit for review",
        Approve = "approve" / "Approve",
        Reject = "reject" / "Reject",
        Publish = "publish" / "Publish",
        Retire = "retire" / "Retire",
    }
}

closed_set! {
    /// The policy engine an implementation lives in.
    Engine {
        Kyverno = "kyverno" / "Kyverno",
        Gatekeeper = "gatekeeper" / "Gatekeeper",
    }
}

closed_set! {
    /// STRIDE: which property of the system the threat attacks.
    Stride {
        Spoofing = "spoofing" / "Spoofing",
        Tampering = "tampering" / "Tampering",
        Repudiation = "repudiation" / "Repudiation",
        InformationDisclosure = "information-disclosure" / "Information disclosure",
        DenialOfService = "denial-of-service" / "Denial of service",
        ElevationOfPrivilege = "elevation-of-privilege" / "Elevation of privilege",
    }
}

closed_set! {
    /// The Kubernetes threat matrix's tactics, in the matrix's order.
    Tactic {
        InitialAccess = "initial-access" / "Initial access",
        Execution = "execution" / "Execution",
        Persistence = "persistence" / "Persistence",
        PrivilegeEscalation = "privilege-escalation" / "Privilege escalation",
        DefenseEvasion = "defense-evasion" / "Defense evasion",
        CredentialAccess = "credential-access" / "Credential access",
        Discovery = "discovery" / "Discovery",
        LateralMovement = "lateral-movement" / "Lateral movement",
        Collection = "collection" / "Collection",
        Impact = "impact" / "Impact",
    }
}

closed_set! {
    /// Where a threat stands. `accepted` needs a security approver and an expiry date.
    ThreatStatus {
        Open = "open" / "Open",
        Mitigated = "mitigated" / "Mitigated",
        Accepted = "accepted" / "Accepted",
    }
}

closed_set! {
    /// How a guardrail is enforced in one cluster.
    Mode {
        /// An implementing policy refuses violations (Kyverno `Enforce`, Gatekeeper `deny`).
        Enforce = "enforce" / "Enforced",
        /// Implementing policies only report (Kyverno `Audit`, Gatekeeper `dryrun`/`warn`).
        Audit = "audit" / "Audit only",
        /// No implementing policy exists in the cluster.
        Missing = "missing" / "Missing",
    }
}

/// A numbered record id with a fixed prefix: `GR-001`, `TH-012`. At least three
/// digits are written; any number of digits is read, so `GR-1000` follows `GR-999`.
macro_rules! record_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}-{:03}", $prefix, self.0)
            }
        }

        impl FromStr for $name {
            type Err = BadId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let bad = || BadId { given: s.to_owned(), prefix: $prefix };
                let digits = s.strip_prefix($prefix).and_then(|r| r.strip_prefix('-')).ok_or_else(bad)?;
                if digits.len() < 3 || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: u32 = digits.parse().map_err(|_| bad())?;
                if n == 0 {
                    return Err(bad());
                }
                Ok($name(n))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(concat!("^", $prefix, "-[0-9]{3,9}$")))
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

record_id! {
    /// A guardrail's stable id.
    GuardrailId, "GR"
}

record_id! {
    /// A threat's stable id.
    ThreatId, "TH"
}

/// An id that is not `PREFIX-nnn`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not a valid id: expected `{prefix}-` and at least three digits, e.g. `{prefix}-001`")]
pub struct BadId {
    pub given: String,
    pub prefix: &'static str,
}

/// Inherent risk: likelihood (1–5) × impact (1–5).
pub const fn inherent_risk(likelihood: u8, impact: u8) -> u8 {
    likelihood * impact
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_sets_round_trip_through_their_words_and_serde() {
        for d in Decision::ALL {
            assert_eq!(d.as_str().parse::<Decision>(), Ok(*d));
            assert_eq!(serde_json::to_value(d).ok(), Some(serde_json::json!(d.as_str())));
        }
        for t in Tactic::ALL {
            assert_eq!(t.as_str().parse::<Tactic>(), Ok(*t));
        }
        let err = "maybe".parse::<Decision>().expect_err("refused");
        assert_eq!(
            err.to_string(),
            "`maybe` is not one of `allowed`, `needs-approval`, `blocked`"
        );
    }

    #[test]
    fn ids_are_a_prefix_and_at_least_three_digits() {
        assert_eq!("GR-001".parse::<GuardrailId>(), Ok(GuardrailId(1)));
        assert_eq!(GuardrailId(7).to_string(), "GR-007");
        assert_eq!(GuardrailId(1234).to_string(), "GR-1234");
        assert_eq!("GR-1234".parse::<GuardrailId>(), Ok(GuardrailId(1234)));
        for bad in [
            "GR-01", "GR-000", "gr-001", "TH-001", "GR001", "GR-00a", "GR--01", "",
        ] {
            assert!(bad.parse::<GuardrailId>().is_err(), "{bad}");
        }
        assert_eq!("TH-010".parse::<ThreatId>(), Ok(ThreatId(10)));
        assert_eq!(
            serde_json::from_str::<ThreatId>("\"TH-002\"").ok(),
            Some(ThreatId(2))
        );
    }
}

closed_set! {
    /// What happened to a run of text between two versions.
    Change {
        Same = "same" / "Unchanged",
        Added = "added" / "Added",
        Removed = "removed" / "Removed",
    }
}
