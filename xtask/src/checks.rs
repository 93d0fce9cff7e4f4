//! Architecture checks `cargo xtask test` runs before compiling anything: rules the
//! compiler cannot see, read from the sources as text.
//!
//! - **Doors call operations.** REST handlers (`server/src/api/`, the demo outage
//!   form) and server functions (`app/src/serverfns/`) only parse, call one
//!   `parkway_core::<area>::ops` function and map its result: no store, no SQL, no
//!   `authorize` of their own (ARCHITECTURE.md).
//! - **One table component.** Column headers (`scope="col"`) are written only by
//!   `DataTable`, so every table is accessible and looks alike.
//! - **Constraints are named** in migrations, so code can map a violation by name and
//!   a later migration can drop or rename it; migrations that landed before the rule
//!   got Postgres's default names (`users_pkey`, `sessions_user_id_fkey`) and are not
//!   edited.

use std::{fs, path::Path};

use crate::cmd::{self, Error, Result};

/// What a door must not do, and why.
const DOOR_RULES: [(&str, &str); 3] = [
    (
        "store::",
        "calls a store: call an operation in parkway_core::<area>::ops",
    ),
    ("authorize(", "authorizes itself: the operation authorizes"),
    ("sqlx::", "touches the database: the operation does"),
];

/// Folders and files that are doors.
const DOORS: [&str; 3] = ["server/src/api", "app/src/serverfns", "server/src/demo.rs"];

/// The newest migration written before constraints had to be named.
const LAST_MIGRATION_BEFORE_NAMING: &str = "20261128040000";

pub fn run() -> Result<()> {
    let root = cmd::root();
    let mut problems = Vec::new();
    for door in DOORS {
        for file in rust_files(&root.join(door))? {
            let text = read(&file)?;
            for (number, line) in code_lines(&text) {
                for (pattern, why) in DOOR_RULES {
                    if line.contains(pattern) {
                        problems.push(format!("{}:{number}: {why}", relative(&root, &file)));
                    }
                }
            }
        }
    }
    for file in rust_files(&root.join("app/src"))? {
        if file.ends_with("components/table.rs") {
            continue;
        }
        let text = read(&file)?;
        for (number, line) in code_lines(&text) {
            if line.contains("scope=\"col\"") {
                problems.push(format!(
                    "{}:{number}: a hand-made table header: use components::table::DataTable",
                    relative(&root, &file)
                ));
            }
        }
    }
    problems.extend(unnamed_constraints(&root.join("migrations"))?);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(format!(
            "architecture checks failed:\n  {}",
            problems.join("\n  ")
        )))
    }
}

fn read(file: &Path) -> Result<String> {
    fs::read_to_string(file).map_err(|e| Error::io(&format!("reading {}", file.display()), e))
}

fn relative(root: &Path, file: &Path) -> String {
    file.strip_prefix(root).unwrap_or(file).display().to_string()
}

/// Every `.rs` file at `path` (a file or a folder, recursively), in order.
fn rust_files(path: &Path) -> Result<Vec<std::path::PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let entries = fs::read_dir(path).map_err(|e| Error::io(&format!("listing {}", path.display()), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("listing sources", e))?;
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Numbered lines that are code, not `//` comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

/// Lines of migrations newer than [`LAST_MIGRATION_BEFORE_NAMING`] that declare a
/// constraint without `constraint <name>`.
fn unnamed_constraints(folder: &Path) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let entries = fs::read_dir(folder).map_err(|e| Error::io("listing migrations", e))?;
    let mut files: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let version = name.split('_').next().unwrap_or_default();
        if version <= LAST_MIGRATION_BEFORE_NAMING || !name.ends_with(".sql") {
            continue;
        }
        let text = read(&file)?;
        for (number, line) in text.lines().enumerate() {
            if let Some(kind) = unnamed_constraint(line) {
                problems.push(format!(
                    "migrations/{name}:{}: an unnamed {kind}: write `constraint <table>_<what>_{} {kind} …`",
                    number + 1,
                    suffix(kind)
                ));
            }
        }
    }
    Ok(problems)
}

/// The constraint a line of SQL declares without naming it, if any.
fn unnamed_constraint(line: &str) -> Option<&'static str> {
    let code = line.split("--").next().unwrap_or_default().to_lowercase();
    let code = code.trim();
    if code.is_empty() || code.starts_with("create") || code.contains("constraint ") {
        return None;
    }
    let words: Vec<&str> = code
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |pair: &[&str]| words.windows(pair.len()).any(|w| w == pair);
    if has(&["primary", "key"]) {
        Some("primary key")
    } else if has(&["references"]) {
        Some("references")
    } else if has(&["unique"]) {
        Some("unique")
    } else if has(&["check"]) {
        Some("check")
    } else {
        None
    }
}

fn suffix(kind: &str) -> &'static str {
    match kind {
        "primary key" => "pkey",
        "references" => "fkey",
        "unique" => "key",
        _ => "check",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_must_be_named_on_their_line() {
        assert_eq!(
            unnamed_constraint("    id uuid primary key,"),
            Some("primary key")
        );
        assert_eq!(
            unnamed_constraint("    owner_id uuid not null references users (id),"),
            Some("references")
        );
        assert_eq!(unnamed_constraint("    email text unique,"), Some("unique"));
        assert_eq!(unnamed_constraint("    n int check (n > 0),"), Some("check"));
        assert_eq!(
            unnamed_constraint("    constraint guardrails_pkey primary key (id),"),
            None
        );
        assert_eq!(
            unnamed_constraint("    kind text not null constraint users_kind_check check (kind in ('a')),"),
            None
        );
        assert_eq!(unnamed_constraint("create unique index x on t (a);"), None);
        assert_eq!(unnamed_constraint("-- the primary key is the id"), None);
        assert_eq!(unnamed_constraint("    checked_at timestamptz,"), None);
    }

    #[test]
    fn only_code_lines_count() {
        let lines: Vec<(usize, &str)> =
            code_lines("// store::get\nlet a = 1;\n  // authorize(x)\n").collect();
        assert_eq!(lines, [(2, "let a = 1;")]);
    }
}
