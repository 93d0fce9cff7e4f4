//! The demo company as Backstage descriptors: the same business units, teams and
//! services the demo clusters run, so the catalog's Runtime view finds them (each
//! service carries `backstage.io/kubernetes-id`). `cargo run -p parkway-demo-cluster
//! --example demo_catalog -- demo/catalog` writes the files committed in the repository;
//! a test keeps the two equal.

use std::fmt::Write;

use crate::seed::{BUSINESS_UNITS, Service, Team, services, teams};

/// How many services the committed demo catalog describes (the demo clusters' default).
pub const DEMO_SERVICES: usize = 100;

fn hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn title(name: &str) -> String {
    name.split('-')
        .map(|w| match w {
            "api" => "API".to_owned(),
            "ml" => "ML".to_owned(),
            "devex" => "DevEx".to_owned(),
            _ => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn role(service: &Service) -> &str {
    service
        .name
        .trim_start_matches(service.team.name)
        .trim_start_matches('-')
        .split('-')
        .next()
        .unwrap_or("api")
}

fn description(service: &Service) -> String {
    let team = title(service.team.name);
    match role(service) {
        "api" => format!("Public HTTP API of {team}: the contract other teams build on."),
        "worker" => format!("Background jobs for {team}: queues, retries and scheduled clean-ups."),
        "web" => format!("Web front end where customers and staff use {team}."),
        "db" => format!("PostgreSQL database holding {team} records."),
        "events" => format!("Publishes {team} domain events for other teams to subscribe to."),
        "scheduler" => format!("Runs {team} batch work on a timetable."),
        "gateway" => format!("Edge gateway in front of {team} services: authentication and rate limits."),
        "cache" => format!("Redis cache that keeps {team} reads fast."),
        "sync" => format!("Keeps {team} data in step with partner systems."),
        _ => format!("Back-office tools for {team} operators."),
    }
}

/// How ready to respond a service is, by business unit, so the scorecards' response
/// readiness differs: Payments names an on-call and alerting everywhere, Data an on-call
/// only, Platform, Identity and Commerce on their tier-1 services, Logistics nowhere.
fn readiness(out: &mut String, service: &Service, tier_one: bool) {
    let unit = service.team.business_unit;
    let on_call = unit == "payments"
        || unit == "data"
        || (tier_one && matches!(unit, "platform" | "identity" | "commerce"));
    let alerting = unit == "payments" || (tier_one && matches!(unit, "platform" | "identity" | "commerce"));
    if on_call {
        let id: String = service
            .name
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(7)
            .collect::<String>()
            .to_uppercase();
        let _ = writeln!(out, "    pagerduty.com/service-id: P{id}");
    }
    if alerting {
        let _ = writeln!(out, "    prometheus.io/alert: \"{}-slo\"", service.name);
    }
}

const LANGUAGES: [&str; 5] = ["rust", "java", "go", "python", "typescript"];

fn component(out: &mut String, service: &Service, all: &[Service]) {
    let h = hash(&service.name);
    let kind_is_resource = service.stateful;
    let lifecycle = match h % 10 {
        0 => "experimental",
        1 => "deprecated",
        _ => "production",
    };
    let tier = format!("tier-{}", h % 3 + 1);
    let team = service.team.name;
    let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1");
    let _ = writeln!(
        out,
        "kind: {}",
        if kind_is_resource { "Resource" } else { "Component" }
    );
    let _ = writeln!(
        out,
        "metadata:\n  name: {}\n  title: {}",
        service.name,
        title(&service.name)
    );
    let _ = writeln!(out, "  description: \"{}\"", description(service));
    if kind_is_resource {
        let engine = if role(service) == "cache" {
            "redis"
        } else {
            "postgresql"
        };
        let _ = writeln!(out, "  tags: [{team}, {engine}]");
    } else {
        let _ = writeln!(out, "  tags: [{team}, {}]", LANGUAGES[(h % 5) as usize]);
    }
    let _ = writeln!(out, "  labels:\n    tier: {tier}");
    let _ = writeln!(
        out,
        "  annotations:\n    backstage.io/kubernetes-id: {}",
        service.name
    );
    if !kind_is_resource {
        readiness(out, service, h.is_multiple_of(3));
    }
    let _ = writeln!(
        out,
        "  links:\n    - url: https://runbooks.example.com/{team}/{}\n      title: Runbook",
        service.name
    );
    let _ = writeln!(out, "spec:");
    if kind_is_resource {
        let _ = writeln!(
            out,
            "  type: database\n  owner: {team}\n  system: {team}-platform"
        );
        return;
    }
    let spec_type = if role(service) == "web" {
        "website"
    } else {
        "service"
    };
    let _ = writeln!(
        out,
        "  type: {spec_type}\n  lifecycle: {lifecycle}\n  owner: {team}\n  system: {team}-platform"
    );
    if role(service) == "api" {
        let _ = writeln!(out, "  providesApis: [{}-rest]", service.name);
    }
    // Some services call another team's API.
    let apis: Vec<&Service> = all
        .iter()
        .filter(|s| role(s) == "api" && s.team != service.team)
        .collect();
    if !apis.is_empty() && h.is_multiple_of(3) {
        let _ = writeln!(
            out,
            "  consumesApis: [{}-rest]",
            apis[(h as usize / 3) % apis.len()].name
        );
    }
    let stores: Vec<&Service> = all
        .iter()
        .filter(|s| s.team == service.team && s.stateful)
        .collect();
    if !stores.is_empty() && role(service) != "web" {
        let refs: Vec<String> = stores.iter().map(|s| format!("resource:{}", s.name)).collect();
        let _ = writeln!(out, "  dependsOn: [{}]", refs.join(", "));
    }
}

fn api(out: &mut String, service: &Service) {
    let team = service.team.name;
    let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: API");
    let _ = writeln!(
        out,
        "metadata:\n  name: {}-rest\n  title: {} REST",
        service.name,
        title(&service.name)
    );
    let _ = writeln!(
        out,
        "  description: \"The HTTP contract of {}.\"\n  tags: [{team}, openapi]",
        service.name
    );
    let _ = writeln!(
        out,
        "spec:\n  type: openapi\n  lifecycle: production\n  owner: {team}\n  system: {team}-platform"
    );
    let _ = writeln!(
        out,
        "  definition: |\n    openapi: 3.0.3\n    info: {{title: {}, version: 1.0.0}}\n    paths: {{}}",
        title(&service.name)
    );
}

/// `org.yaml`: business units, their domains and teams, team systems and a few people;
/// import it first.
pub fn organisation(all: &[Service]) -> String {
    let mut out = String::from(
        "# The demo company: six business units (Groups of type business-unit), one domain each.\n",
    );
    for (bu, members) in BUSINESS_UNITS {
        let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: Group");
        let _ = writeln!(
            out,
            "metadata:\n  name: {bu}\n  title: {}\n  description: \"The {} business unit.\"",
            title(bu),
            title(bu)
        );
        let _ = writeln!(out, "spec:\n  type: business-unit\n  children: []");
        let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: Domain");
        let _ = writeln!(
            out,
            "metadata:\n  name: {bu}-domain\n  title: {}\nspec:\n  owner: {bu}",
            title(bu)
        );
        let lead = members[0];
        let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: User");
        let _ = writeln!(
            out,
            "metadata:\n  name: {lead}-lead\nspec:\n  profile:\n    displayName: {} Lead\n    email: {lead}-lead@example.com\n  memberOf: [{bu}]",
            title(lead)
        );
    }
    for team in teams().into_iter().filter(|t| all.iter().any(|s| s.team == *t)) {
        team_and_system(&mut out, team);
    }
    out
}

fn team_and_system(out: &mut String, team: Team) {
    let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: Group");
    let _ = writeln!(
        out,
        "metadata:\n  name: {}\n  title: {} team",
        team.name,
        title(team.name)
    );
    let _ = writeln!(
        out,
        "spec:\n  type: team\n  parent: {}\n  children: []",
        team.business_unit
    );
    let _ = writeln!(out, "---\napiVersion: backstage.io/v1alpha1\nkind: System");
    let _ = writeln!(
        out,
        "metadata:\n  name: {}-platform\n  title: {} platform",
        team.name,
        title(team.name)
    );
    let _ = writeln!(
        out,
        "spec:\n  owner: {}\n  domain: {}-domain",
        team.name, team.business_unit
    );
}

/// `apis.yaml`: every team's published API; import it after `org.yaml`.
pub fn apis(all: &[Service]) -> String {
    let mut out = String::from("# The APIs teams publish (their consumers live in other teams' files).\n");
    for service in all.iter().filter(|s| role(s) == "api") {
        api(&mut out, service);
    }
    out
}

/// One file per team: its services and data stores.
pub fn team_file(team: Team, all: &[Service]) -> String {
    let mut out = format!(
        "# {} team ({} business unit): services and data stores\n",
        title(team.name),
        title(team.business_unit)
    );
    for service in all.iter().filter(|s| s.team == team) {
        component(&mut out, service, all);
    }
    out
}

/// Every file of the demo catalog, as `(relative path, contents)`, in import order.
pub fn files(count: usize) -> Vec<(String, String)> {
    let all = services(count);
    let mut out = vec![
        ("org.yaml".to_owned(), organisation(&all)),
        ("apis.yaml".to_owned(), apis(&all)),
    ];
    for team in teams() {
        if all.iter().any(|s| s.team == team) {
            out.push((format!("teams/{}.yaml", team.name), team_file(team, &all)));
        }
    }
    out
}
