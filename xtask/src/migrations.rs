//! The expand/contract rule, checked: a release's migrations may not take away what the
//! previous release's queries use, because during a rolling upgrade the old replicas
//! keep serving on the new schema (and may restart on it).
//!
//! Two checks against the previous release (the newest `v*` tag reachable from HEAD,
//! else the commit in `migrations/PREVIOUS_RELEASE`):
//! 1. every query the previous release compiled (its `.sqlx/` cache) is prepared
//!    (`PREPARE`, which resolves every table, column and type without running anything)
//!    on a scratch database migrated with this tree's migrations;
//! 2. a migration added since then may only `drop` or `rename` when it says which earlier
//!    release stopped using the thing: a line `-- contract: <reason naming that release>`.
//!    Dynamic SQL (not in `.sqlx/`) is covered by this rule only.
//!
//! The migration `20261128040000_catalog_search_table.sql` dropped
//! `catalog_entities.search` in the same release that stopped reading it; `cargo xtask
//! test` also replays that step (its parent's queries against its migrations) and
//! requires the check to refuse it, naming the column.

use std::{path::PathBuf, process::Command};

use crate::{
    cmd::{self, Error, Result},
    postgres,
};

/// What the check compares: the previous release's queries against the schema that a
/// set of migrations builds.
pub struct Comparison {
    /// The previous release (a tag or commit).
    pub previous: String,
    /// Where the new migrations come from: the work tree (`None`) or a commit.
    pub migrations_at: Option<String>,
}

/// A previous-release query the new schema refuses.
#[derive(Debug)]
pub struct Broken {
    pub file: String,
    pub error: String,
    pub query: String,
}

/// `cargo xtask test`'s step: the real comparison must pass, and the historical
/// counter-example must be caught.
pub fn check(admin_url: &str) -> Result<()> {
    let previous = previous_release()?;
    cmd::step(&format!(
        "expand/contract: {previous}'s queries against this tree's migrations, and drops/renames since {previous}"
    ));
    let broken = compare(
        admin_url,
        &Comparison {
            previous: previous.clone(),
            migrations_at: None,
        },
    )?;
    if !broken.is_empty() {
        let list: Vec<String> = broken
            .iter()
            .map(|b| format!("  {}: {}\n    {}", b.file, b.error, one_line(&b.query)))
            .collect();
        return Err(Error::Failed(format!(
            "the new migrations break {} quer(ies) of {previous}, which old replicas still run during an upgrade \
             (expand now, contract in a later release):\n{}",
            broken.len(),
            list.join("\n")
        )));
    }
    let unmarked = unmarked_contractions(&previous)?;
    if !unmarked.is_empty() {
        return Err(Error::Failed(format!(
            "migrations since {previous} drop or rename without a `-- contract:` line naming the release that stopped \
             using what they remove:\n  {}",
            unmarked.join("\n  ")
        )));
    }
    // The check must be able to fail: the catalog search table step did exactly what it
    // forbids.
    let example = "13ff28e";
    if git(&["cat-file", "-e", &format!("{example}^{{commit}}")]).is_ok() {
        let caught = compare(
            admin_url,
            &Comparison {
                previous: format!("{example}^"),
                migrations_at: Some(example.to_owned()),
            },
        )?;
        if !caught.iter().any(|b| b.error.contains("search")) {
            return Err(Error::Failed(format!(
                "the expand/contract check did not catch {example} dropping catalog_entities.search: {caught:?}"
            )));
        }
        println!(
            "the check refuses {example} (drop of catalog_entities.search): {} old quer(ies) broken, e.g. {}",
            caught.len(),
            caught[0].error
        );
    } else {
        println!("note: {example} is not in this clone's history; the counter-example was not replayed");
    }
    Ok(())
}

fn one_line(query: &str) -> String {
    let flat: String = query.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.chars().take(160).collect()
}

/// The newest `v*` tag reachable from HEAD, else `migrations/PREVIOUS_RELEASE`.
pub fn previous_release() -> Result<String> {
    if let Ok(tag) = git(&["describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD"]) {
        return Ok(tag.trim().to_owned());
    }
    let path = cmd::root().join("migrations/PREVIOUS_RELEASE");
    let text =
        std::fs::read_to_string(&path).map_err(|e| Error::io("reading migrations/PREVIOUS_RELEASE", e))?;
    let commit = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .and_then(|line| line.split_whitespace().last())
        .ok_or_else(|| Error::Failed("migrations/PREVIOUS_RELEASE names no commit".into()))?;
    git(&["cat-file", "-e", &format!("{commit}^{{commit}}")]).map_err(|_| {
        Error::Failed(format!(
            "the previous release {commit} is not in this clone (a shallow clone?): `git fetch --unshallow --tags`"
        ))
    })?;
    Ok(commit.to_owned())
}

fn git(args: &[&str]) -> Result<String> {
    cmd::output(Command::new("git").args(args).current_dir(cmd::root()))
}

/// The previous release's queries that a scratch database with the new migrations
/// cannot prepare.
pub fn compare(admin_url: &str, comparison: &Comparison) -> Result<Vec<Broken>> {
    let scratch = postgres::recreate_database(admin_url, "parkway_expand_contract")?;
    match &comparison.migrations_at {
        None => postgres::apply_migrations_with_psql(&scratch)?,
        Some(rev) => {
            for file in git_files(rev, "migrations/")?
                .iter()
                .filter(|f| f.ends_with(".sql"))
            {
                let sql = git(&["show", &format!("{rev}:{file}")])?;
                cmd::output(&mut psql(&scratch, &sql))?;
            }
        }
    }
    let mut broken = Vec::new();
    let files = git_files(&comparison.previous, ".sqlx/")?;
    if files.is_empty() {
        return Err(Error::Failed(format!(
            "{} has no .sqlx/ query cache",
            comparison.previous
        )));
    }
    for file in files.iter().filter(|f| f.ends_with(".json")) {
        let json = git(&["show", &format!("{}:{file}", comparison.previous)])?;
        let query = json_string_field(&json, "query")
            .ok_or_else(|| Error::Failed(format!("{file}: no \"query\" field")))?;
        if !preparable(&query) {
            // `set transaction …`, `lock …`: names nothing a migration could remove.
            continue;
        }
        let prepare = format!("prepare parkway_expand_contract as {query}");
        let output = psql(&scratch, &prepare)
            .output()
            .map_err(|e| Error::io("running psql", e))?;
        if !output.status.success() {
            broken.push(Broken {
                file: file.clone(),
                error: String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                query,
            });
        }
    }
    let admin = admin_url.to_owned();
    let _ = postgres::psql(
        &postgres::with_database(&admin, "postgres"),
        "drop database if exists parkway_expand_contract with (force)",
    );
    Ok(broken)
}

/// `psql` running `sql` on `url`, stopping at the first error.
fn psql(url: &str, sql: &str) -> Command {
    let mut command = Command::new(postgres::psql_program());
    command.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]);
    command
}

/// Whether Postgres can `PREPARE` the statement (the kinds that name tables and columns).
fn preparable(query: &str) -> bool {
    let first = query
        .lines()
        .map(|l| l.split("--").next().unwrap_or("").trim())
        .find(|l| !l.is_empty())
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("")
        .trim_start_matches('(')
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "select" | "insert" | "update" | "delete" | "with" | "values" | "merge"
    )
}

fn git_files(rev: &str, under: &str) -> Result<Vec<String>> {
    let listing = git(&["ls-tree", "--name-only", &format!("{rev}:{under}")])?;
    let mut files: Vec<String> = listing
        .lines()
        .filter(|l| !l.is_empty())
        .map(|name| format!("{under}{name}"))
        .collect();
    files.sort();
    Ok(files)
}

/// Migrations in the work tree that the previous release did not have and that drop or
/// rename something without a `-- contract:` line.
fn unmarked_contractions(previous: &str) -> Result<Vec<String>> {
    let released = git_files(previous, "migrations/")?;
    let dir = cmd::root().join("migrations");
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io("reading migrations/", e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    for path in files {
        let name = format!(
            "migrations/{}",
            path.file_name().unwrap_or_default().to_string_lossy()
        );
        if released.contains(&name) {
            continue;
        }
        let sql = std::fs::read_to_string(&path).map_err(|e| Error::io(&name, e))?;
        if let Some(statement) = contraction(&sql) {
            out.push(format!("{name}: {statement}"));
        }
    }
    Ok(out)
}

/// The first `drop`/`rename` statement of a migration without a `-- contract:` line.
pub fn contraction(sql: &str) -> Option<String> {
    if sql.lines().any(|l| l.trim_start().starts_with("-- contract:")) {
        return None;
    }
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
        .to_ascii_lowercase();
    code.split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|s| {
            let words: Vec<&str> = s.split(' ').collect();
            let drops = words.windows(2).any(|w| {
                w[0] == "drop" && matches!(w[1], "column" | "table" | "view" | "type" | "function" | "schema")
            }) || (s.starts_with("alter table")
                && words.windows(2).any(|w| {
                    w[0] == "drop"
                        && w[1] != "constraint"
                        && w[1] != "default"
                        && w[1] != "not"
                        && w[1] != "index"
                        && w[1] != "trigger"
                }))
                || s.starts_with("drop table")
                || s.starts_with("drop view");
            let renames = words.contains(&"rename");
            drops || renames
        })
}

/// A top-level `"key":"…"` string of a JSON text, unescaped (the `.sqlx` files are
/// written by sqlx: `"query": "…"`).
pub fn json_string_field(json: &str, key: &str) -> Option<String> {
    let start = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[start..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_query_of_a_sqlx_cache_file() {
        let json = r#"{
  "db_name": "PostgreSQL",
  "query": "select \"key\", name\nfrom t where x = $1 and y = 'a\\b' -- \u00e9",
  "describe": {"columns": []}
}"#;
        assert_eq!(
            json_string_field(json, "query").as_deref(),
            Some("select \"key\", name\nfrom t where x = $1 and y = 'a\\b' -- é")
        );
        assert_eq!(json_string_field(json, "missing"), None);
    }

    #[test]
    fn only_statements_postgres_can_prepare_are_prepared() {
        assert!(preparable("-- the list\nselect 1"));
        assert!(preparable("with x as (select 1) select * from x"));
        assert!(preparable("(select 1) union (select 2)"));
        assert!(preparable("INSERT INTO t VALUES (1)"));
        assert!(!preparable(
            "set transaction isolation level repeatable read, read only"
        ));
        assert!(!preparable("lock table t in exclusive mode"));
    }

    #[test]
    fn drops_and_renames_need_a_contract_line() {
        let expand = "alter table t add column c text;\ncreate index i on t (c);";
        assert_eq!(contraction(expand), None);
        let dropped = "-- why\nalter table catalog_entities drop column search;";
        assert_eq!(
            contraction(dropped).as_deref(),
            Some("alter table catalog_entities drop column search")
        );
        assert!(contraction("alter table t drop c;").is_some());
        assert!(contraction("drop table old_things;").is_some());
        assert!(contraction("alter table t rename column a to b;").is_some());
        assert!(contraction("alter table t rename to u;").is_some());
        // Constraints, defaults and indexes are not what old queries name.
        assert_eq!(contraction("alter table t drop constraint t_c_check;"), None);
        assert_eq!(contraction("alter table t alter column c drop default;"), None);
        assert_eq!(contraction("alter table t alter column c drop not null;"), None);
        assert_eq!(contraction("drop index if exists i;"), None);
        // A comment that mentions dropping is not a statement.
        assert_eq!(contraction("-- we will drop column x later\nselect 1;"), None);
        let marked = "-- contract: v0.3.0 stopped reading search (expanded in v0.2.0)\nalter table t drop column search;";
        assert_eq!(contraction(marked), None);
    }
}
