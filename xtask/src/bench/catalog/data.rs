//! The generated catalog of issue 13, as ONE multi-document Backstage file: at full
//! size 50,000 entities in about 28 MB — 500 groups, 2,000 systems, 7,500 APIs with an
//! inline OpenAPI definition each, 40,000 components with owners, systems, provided
//! and consumed APIs, and `dependsOn` references that point anywhere in the file
//! (forwards too), so it cannot be split into parts that resolve alone.

use std::fmt::Write as _;

/// Words the titles and descriptions draw on, so full-text search (`payments`) and
/// typo search (`chekout`) have something to find.
const WORDS: [&str; 24] = [
    "payments",
    "invoice",
    "ledger",
    "shipment",
    "inventory",
    "catalog",
    "search",
    "pricing",
    "refund",
    "customer",
    "account",
    "session",
    "report",
    "forecast",
    "recommendation",
    "notification",
    "identity",
    "consent",
    "warehouse",
    "routing",
    "checkout",
    "basket",
    "review",
    "analytics",
];

const LIFECYCLES: [&str; 5] = [
    "production",
    "production",
    "production",
    "experimental",
    "deprecated",
];

const COMPONENT_TYPES: [&str; 4] = ["service", "service", "website", "library"];

/// A deterministic spread of `i` over `0..n` (a multiplicative hash), so references
/// land all over the file.
fn spread(i: usize, salt: usize, n: usize) -> usize {
    (i.wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503)))
        % n
}

fn word(i: usize) -> &'static str {
    WORDS[i % WORDS.len()]
}

/// The catalog at `1 / divisor` of full size (1: 50,000 entities; 5: 10,000).
pub fn generate(divisor: usize) -> String {
    let groups = 500 / divisor;
    let systems = 2_000 / divisor;
    let apis = 7_500 / divisor;
    let components = 40_000 / divisor;
    let units = (groups / 25).max(1);
    let teams = groups - units;
    let mut out = String::with_capacity(28 * 1024 * 1024 / divisor + 1024);
    for u in 0..units {
        let _ = write!(
            out,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: unit-{u}\n  title: {} business unit\nspec:\n  type: business-unit\n  children: []\n",
            capitalised(word(u))
        );
    }
    for t in 0..teams {
        let _ = write!(
            out,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{t}\n  title: Team {t}\n  description: Looks after {} and {}.\nspec:\n  type: team\n  parent: unit-{}\n  children: []\n",
            word(t),
            word(t / 3 + 5),
            t % units
        );
    }
    for s in 0..systems {
        let _ = write!(
            out,
            "---\napiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: system-{s}\n  title: {} system {s}\n  description: Everything about {} for {}.\nspec:\n  owner: team-{}\n",
            capitalised(word(s)),
            word(s),
            word(s / 7 + 3),
            s % teams
        );
    }
    for a in 0..apis {
        let resource = word(a);
        let _ = write!(
            out,
            "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: api-{a}\n  title: {} API {a}\n  description: The {resource} interface, version {}.\n  tags: [rest, {resource}]\nspec:\n  type: openapi\n  lifecycle: {}\n  owner: team-{}\n  system: system-{}\n  definition: |\n",
            capitalised(resource),
            a % 4 + 1,
            LIFECYCLES[a % LIFECYCLES.len()],
            spread(a, 1, teams),
            spread(a, 2, systems)
        );
        openapi(&mut out, a, resource);
    }
    for c in 0..components {
        let _ = write!(
            out,
            "---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc-{c}\n  title: Service {c}\n  description: Handles {} and {} for team {}.\n  tags: [{}, tier-{}]\n  labels:\n    tier: tier-{}\nspec:\n  type: {}\n  lifecycle: {}\n  owner: team-{}\n  system: system-{}\n",
            word(c),
            word(c / 24 + 7),
            c % teams,
            word(c / 7),
            c % 3 + 1,
            c % 3 + 1,
            COMPONENT_TYPES[c % COMPONENT_TYPES.len()],
            LIFECYCLES[c % LIFECYCLES.len()],
            c % teams,
            spread(c, 3, systems)
        );
        if c < apis {
            let _ = writeln!(out, "  providesApis: [api-{c}]");
        }
        let _ = writeln!(
            out,
            "  consumesApis: [api-{}, api-{}]",
            spread(c, 4, apis),
            spread(c, 5, apis)
        );
        let _ = writeln!(
            out,
            "  dependsOn: [component:svc-{}, component:svc-{}]",
            spread(c, 6, components),
            spread(c, 7, components)
        );
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A small but realistic OpenAPI 3 document for one resource, indented as the
/// `definition: |` block of an API descriptor.
fn openapi(out: &mut String, api: usize, resource: &str) {
    let title = capitalised(resource);
    let _ = write!(
        out,
        "    openapi: 3.0.3
    info:
      title: {title} API {api}
      version: 1.{minor}.0
      description: Read and list {resource} records.
    paths:
      /{resource}:
        get:
          summary: List {resource} records
          operationId: list{title}{api}
          parameters:
            - name: limit
              in: query
              schema: {{type: integer, minimum: 1, maximum: 200}}
          responses:
            '200':
              description: One page of {resource} records
              content:
                application/json:
                  schema:
                    type: array
                    items: {{$ref: '#/components/schemas/{title}'}}
      /{resource}/{{id}}:
        get:
          summary: Read one {resource} record
          operationId: get{title}{api}
          parameters:
            - name: id
              in: path
              required: true
              schema: {{type: string, format: uuid}}
          responses:
            '200':
              description: The record
              content:
                application/json:
                  schema: {{$ref: '#/components/schemas/{title}'}}
    components:
      schemas:
        {title}:
          type: object
          required: [id, created_at]
          properties:
            id: {{type: string, format: uuid}}
            created_at: {{type: string, format: date-time}}
            status: {{type: string, enum: [open, closed, cancelled]}}
            amount: {{type: integer, description: In minor units}}
",
        minor = api % 10
    );
}

#[cfg(test)]
mod tests {
    use super::generate;

    #[test]
    fn the_full_catalog_is_one_file_of_50000_entities_of_about_28_mb() {
        let text = generate(1);
        assert_eq!(text.matches("\n---\n").count() + 1, 50_000);
        assert_eq!(text.matches("kind: Component\n").count(), 40_000);
        assert_eq!(text.matches("kind: API\n").count(), 7_500);
        assert_eq!(text.matches("kind: System\n").count(), 2_000);
        assert_eq!(text.matches("kind: Group\n").count(), 500);
        let mib = text.len() as f64 / 1_048_576.0;
        assert!((24.0..=32.0).contains(&mib), "{mib:.1} MiB");
        assert!(text.contains("payments") && text.contains("checkout"));
    }

    #[test]
    fn a_fifth_is_10000_entities() {
        let text = generate(5);
        assert_eq!(text.matches("\n---\n").count() + 1, 10_000);
    }
}
