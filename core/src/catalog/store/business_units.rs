//! Which business unit each entity belongs to: a business unit is a Group with
//! `spec.type: business-unit`, and an entity belongs to the first one found walking up
//! from its owner (or itself, for a group) through `childOf`. Derived at write time so
//! listings filter by it with an index.

use std::collections::{BTreeSet, HashMap};

use super::super::{
    error::Result,
    model::{EntityKind, RelationType},
};
use super::import::{ImportOutcome, Row};

/// The nearest business unit above `start` (itself included): breadth first through
/// `parents`, so a closer unit wins over a farther one; a cycle ends the walk.
pub fn unit_of(
    start: &str,
    units: &BTreeSet<String>,
    parents: &HashMap<String, BTreeSet<String>>,
) -> Option<String> {
    let mut seen = BTreeSet::new();
    let mut frontier = vec![start.to_owned()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for group in frontier {
            if units.contains(&group) {
                return Some(group);
            }
            if seen.insert(group.clone())
                && let Some(ps) = parents.get(&group)
            {
                next.extend(ps.iter().cloned());
            }
        }
        frontier = next;
    }
    None
}

/// What decides the business unit of the entities about to be written: the units and
/// `childOf` edges stored plus what the written descriptors declare (which replaces
/// what they declared before). Built once per write, asked once per row, so rows are
/// inserted complete instead of updated afterwards.
pub(super) struct Units {
    units: BTreeSet<String>,
    parents: HashMap<String, BTreeSet<String>>,
}

impl Units {
    /// `keys` are the keys of `rows`.
    pub(super) async fn load(tx: &mut sqlx::PgConnection, rows: &[Row], keys: &[String]) -> Result<Self> {
        // `not in (select unnest …)` is a hashed subplan: one probe per stored row,
        // where `<> all($1)` compares every stored row with every written key.
        let mut units: BTreeSet<String> = sqlx::query_scalar!(
            "select key from catalog_entities
             where kind = 'group' and spec_type = 'business-unit' and key not in (select unnest($1::text[]))",
            keys
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let mut parents: HashMap<String, BTreeSet<String>> = HashMap::new();
        for r in sqlx::query!(
            "select source_key, target_key from catalog_relations
             where type = 'childOf' and origin not in (select unnest($1::text[]))",
            keys
        )
        .fetch_all(&mut *tx)
        .await?
        {
            parents.entry(r.source_key).or_default().insert(r.target_key);
        }
        for row in rows {
            if row.kind == EntityKind::Group && row.spec_type.as_deref() == Some("business-unit") {
                units.insert(row.key.clone());
            }
            for r in &row.refs {
                // Both halves: a group's `parent` is its childOf, its `children` are
                // their childOf.
                match r.relation {
                    RelationType::ChildOf => {
                        parents
                            .entry(row.key.clone())
                            .or_default()
                            .insert(r.target.clone());
                    }
                    RelationType::ParentOf => {
                        parents
                            .entry(r.target.clone())
                            .or_default()
                            .insert(row.key.clone());
                    }
                    _ => {}
                }
            }
        }
        Ok(Self { units, parents })
    }

    /// The business unit of `row`: walking up from its owner (or itself, for a group)
    /// through `childOf` to the first `business-unit` group.
    pub(super) fn of(&self, row: &Row) -> Option<String> {
        let start = if row.kind == EntityKind::Group {
            Some(row.key.as_str())
        } else {
            row.owner.as_deref()
        };
        unit_of(start?, &self.units, &self.parents)
    }
}

/// Whether groups were written: only then can entities outside the import change
/// business unit (a group moved under another parent, say), so only then does
/// everyone's business unit need recomputing.
pub(super) fn changes_groups(outcome: &ImportOutcome) -> bool {
    let group = |key: &String| key.starts_with("group:");
    outcome.created.iter().chain(&outcome.updated).any(group) || outcome.orphaned.iter().any(group)
}

/// Every entity's business unit: the first group of `spec.type: business-unit` found
/// by walking up from its owner (or from itself, for groups) through `childOf`.
pub(super) async fn recompute_business_units(tx: &mut sqlx::PgConnection) -> Result<()> {
    sqlx::query!(
        "with recursive up(group_key, bu) as (
             select key, key from catalog_entities where kind = 'group' and spec_type = 'business-unit'
             union
             select r.source_key, up.bu from catalog_relations r join up on r.target_key = up.group_key
             where r.type = 'childOf'
         ),
         wanted as (
             select e.key, (select bu from up where up.group_key = case when e.kind = 'group' then e.key else e.owner end limit 1) as bu
             from catalog_entities e
         )
         update catalog_entities e set business_unit = wanted.bu
         from wanted where wanted.key = e.key and e.business_unit is distinct from wanted.bu"
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> HashMap<String, BTreeSet<String>> {
        let mut parents: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (child, parent) in edges {
            parents
                .entry((*child).to_owned())
                .or_default()
                .insert((*parent).to_owned());
        }
        parents
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_team_belongs_to_the_nearest_unit_above_it() {
        let units = set(&["group:default/payments", "group:default/company"]);
        let parents = graph(&[
            ("group:default/checkout", "group:default/payments"),
            ("group:default/payments", "group:default/company"),
            ("group:default/lonely", "group:default/nowhere"),
        ]);
        assert_eq!(
            unit_of("group:default/checkout", &units, &parents).as_deref(),
            Some("group:default/payments")
        );
        assert_eq!(
            unit_of("group:default/payments", &units, &parents).as_deref(),
            Some("group:default/payments"),
            "a unit is its own"
        );
        assert_eq!(unit_of("group:default/lonely", &units, &parents), None);
        assert_eq!(unit_of("group:default/unknown", &units, &parents), None);
    }

    #[test]
    fn a_cycle_ends_the_walk() {
        let units = set(&["group:default/unit"]);
        let parents = graph(&[
            ("group:default/a", "group:default/b"),
            ("group:default/b", "group:default/a"),
        ]);
        assert_eq!(unit_of("group:default/a", &units, &parents), None);
    }

    #[test]
    fn of_two_parents_the_closer_unit_wins() {
        let units = set(&["group:default/far", "group:default/near"]);
        let parents = graph(&[
            ("group:default/team", "group:default/middle"),
            ("group:default/team", "group:default/near"),
            ("group:default/middle", "group:default/far"),
        ]);
        assert_eq!(
            unit_of("group:default/team", &units, &parents).as_deref(),
            Some("group:default/near")
        );
    }
}
