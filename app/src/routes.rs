//! One module per area of the portal.

pub mod admin;
pub mod catalog;
pub mod evidence;
pub mod guardrails;
pub mod home;
pub mod not_found;
pub mod onboarding;
pub mod scorecards;
pub mod sign_in;
pub mod tokens;

use crate::components::icons::Icon;

/// A top-level area: the navigation and the home page are both drawn from this list,
/// so they can never disagree.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    pub label: &'static str,
    pub href: &'static str,
    pub icon: Icon,
    pub summary: &'static str,
}

pub const SECTIONS: &[Section] = &[
    Section {
        label: "Catalog",
        href: "/catalog",
        icon: Icon::Catalog,
        summary: "Find any service, API or team: who owns it, what it depends on and how it is running in every cluster right now.",
    },
    Section {
        label: "Guardrails",
        href: "/guardrails",
        icon: Icon::Guardrails,
        summary: "The platform's published standards: what is allowed, what needs approval and what is blocked, with the policies that enforce them.",
    },
    Section {
        label: "Onboarding",
        href: "/onboarding",
        icon: Icon::Onboarding,
        summary: "Request a tenant for your team and get namespaces with quotas, network policy and least-privilege access already applied.",
    },
    Section {
        label: "Scorecards",
        href: "/scorecards",
        icon: Icon::Scorecards,
        summary: "The four DORA delivery keys and policy coverage, rolled up from service to team to business unit to enterprise.",
    },
    Section {
        label: "Evidence",
        href: "/evidence",
        icon: Icon::Evidence,
        summary: "A verifiable evidence pack per business unit and period, for auditors: access, guardrails, approvals, coverage, delivery and the audit trail.",
    },
    Section {
        label: "Admin",
        href: "/admin",
        icon: Icon::Admin,
        summary: "Clusters, identity-provider group mappings, API tokens and the tamper-evident audit log.",
    },
];
