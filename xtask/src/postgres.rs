//! The private Postgres cluster under `.parkway/postgres`, used when `DATABASE_URL` is
//! not set: created with the machine's `initdb`, started with `pg_ctl` on a free port,
//! and reused (same data, same port when still free) on the next run.

use std::{
    fs,
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use crate::cmd::{self, Error, Result};

const USER: &str = "parkway";
const DATABASE: &str = "parkway";

/// `DATABASE_URL` when set, otherwise the private cluster's, starting it if needed.
pub fn database_url() -> Result<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => PrivateCluster::locate()?.ensure_running(),
    }
}

/// A Postgres cluster of Parkway's own, run with the machine's server binaries.
pub struct PrivateCluster {
    bin: PathBuf,
    dir: PathBuf,
}

impl PrivateCluster {
    fn locate() -> Result<Self> {
        Self::at(cmd::root().join(".parkway/postgres"))
    }

    /// A cluster in `dir` (created on first start), e.g. one `cargo xtask soak` may stop.
    pub fn at(dir: PathBuf) -> Result<Self> {
        let bin = server_bin_dir().ok_or_else(|| {
            Error::Missing(
                "no Postgres server binaries (initdb, pg_ctl) found, and DATABASE_URL is not set.\n\
                 Either install them — `apt-get install -y postgresql` on Debian/Ubuntu, \
                 `brew install postgresql@16` on macOS — or set DATABASE_URL to a Postgres \
                 database you can create databases in (e.g. postgres://postgres@127.0.0.1:5432/parkway)."
                    .to_owned(),
            )
        })?;
        Ok(Self { bin, dir })
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn url(&self, port: u16) -> String {
        format!("postgres://{USER}@127.0.0.1:{port}/{DATABASE}")
    }

    /// Stops the server at once (`pg_ctl stop -m fast`: sessions are cut, as in a crash
    /// or failover); [`Self::ensure_running`] starts it again on the same port.
    pub fn stop(&self) -> Result<()> {
        let mut stop = self.as_owner(&self.bin.join("pg_ctl"));
        stop.arg("-D").arg(self.data()).args(["-m", "fast", "-w", "stop"]);
        cmd::output(&mut stop).map(drop)
    }

    /// Starts the cluster if needed and returns its URL.
    pub fn ensure_running(&self) -> Result<String> {
        if !self.data().join("PG_VERSION").exists() {
            self.init()?;
        }
        let port_file = self.dir.join("port");
        let stored_port = fs::read_to_string(&port_file)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        if let Some(port) = stored_port.filter(|_| self.is_running()) {
            return Ok(self.url(port));
        }
        let port = stored_port
            .filter(|&p| port_is_free(p))
            .map_or_else(free_port, Ok)?;
        fs::write(&port_file, port.to_string())
            .map_err(|e| Error::io("writing .parkway/postgres/port", e))?;
        cmd::step(&format!(
            "starting the private Postgres cluster on 127.0.0.1:{port}"
        ));
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''");
        let log = self.dir.join("postgres.log");
        let mut start = self.as_owner(&self.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(self.data())
            .args(["-o", &options, "-l"])
            .arg(&log)
            .args(["-w", "-t", "60", "start"]);
        cmd::output(&mut start)
            .map_err(|err| Error::Failed(format!("{err}\nsee {} for the server's own log", log.display())))?;
        self.ensure_database(port)?;
        Ok(self.url(port))
    }

    fn init(&self) -> Result<()> {
        cmd::step(&format!(
            "creating a private Postgres cluster in {}",
            self.dir.display()
        ));
        fs::create_dir_all(&self.dir).map_err(|e| Error::io("creating .parkway/postgres", e))?;
        self.hand_to_owner()?;
        let mut initdb = self.as_owner(&self.bin.join("initdb"));
        initdb.arg("-D").arg(self.data()).args([
            "-A",
            "trust",
            "-U",
            USER,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        ]);
        cmd::output(&mut initdb).map(drop).map_err(|err| {
            Error::Failed(format!(
                "{err}\nIf this says permission denied, the `postgres` user cannot reach {}: \
                 put the checkout in a folder every user can enter, or set DATABASE_URL.",
                self.dir.display()
            ))
        })
    }

    fn is_running(&self) -> bool {
        let mut status = self.as_owner(&self.bin.join("pg_ctl"));
        status.arg("-D").arg(self.data()).arg("status");
        cmd::output(&mut status).is_ok()
    }

    fn ensure_database(&self, port: u16) -> Result<()> {
        let admin = format!("postgres://{USER}@127.0.0.1:{port}/postgres");
        let exists = psql(
            &admin,
            &format!("select 1 from pg_database where datname = '{DATABASE}'"),
        )?;
        if exists.trim() != "1" {
            psql(&admin, &format!("create database {DATABASE}"))?;
        }
        Ok(())
    }

    /// `initdb` and `postgres` refuse to run as root; as root we run them as the
    /// `postgres` system user, which then has to own the folder.
    fn as_owner(&self, program: &Path) -> Command {
        if cmd::is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn hand_to_owner(&self) -> Result<()> {
        if cmd::is_root() {
            cmd::output(Command::new("chown").args(["-R", "postgres:postgres"]).arg(&self.dir)).map_err(|err| {
                Error::Missing(format!("{err}\nRunning as root needs the `postgres` system user (it comes with Debian's postgresql package)."))
            })?;
        }
        Ok(())
    }
}

/// The newest Debian-style `/usr/lib/postgresql/N/bin`, or `pg_config --bindir`.
fn server_bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("PARKWAY_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|dir| dir.join("initdb").exists());
    }
    let debian = fs::read_dir("/usr/lib/postgresql").ok().and_then(|entries| {
        entries
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
                let bin = entry.path().join("bin");
                bin.join("initdb").exists().then_some((version, bin))
            })
            .max_by_key(|(version, _)| *version)
            .map(|(_, bin)| bin)
    });
    debian.or_else(|| {
        cmd::available("pg_config", "--bindir")
            .map(PathBuf::from)
            .filter(|dir| dir.join("initdb").exists())
    })
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

fn free_port() -> Result<u16> {
    TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|e| Error::io("finding a free port", e))
}

pub fn psql_program() -> PathBuf {
    server_bin_dir()
        .map(|dir| dir.join("psql"))
        .filter(|path| path.exists())
        .unwrap_or_else(|| PathBuf::from("psql"))
}

/// Runs one statement, returns unaligned tuples-only output.
pub fn psql(url: &str, sql: &str) -> Result<String> {
    cmd::output(Command::new(psql_program()).args([
        "-X",
        "-q",
        "-t",
        "-A",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        url,
        "-c",
        sql,
    ]))
}

/// The role migrations run as; it owns Parkway's tables.
pub const OWNER_ROLE: &str = "parkway_owner";
/// The role the server serves with: SELECT and INSERT only on the audit trail (the
/// server's migration step grants it that), so it cannot rewrite history.
pub const APP_ROLE: &str = "parkway_app";

/// How a server is pointed at its database: `DATABASE_URL` (the runtime role) and
/// `PARKWAY_MIGRATE_DATABASE_URL` (the owner).
pub struct RoleUrls {
    pub owner: String,
    pub app: String,
}

impl RoleUrls {
    /// Creates `parkway_owner` and `parkway_app` (cluster-wide, once) with `admin_url`'s
    /// user, makes the owner own `admin_url`'s database and whatever an earlier
    /// single-role run created in it, and returns both roles' URLs. Where that is not
    /// possible (no right to create roles, a server that wants passwords) it says so
    /// and returns `admin_url` for both: Parkway then serves as that role, with a
    /// warning that the audit trail is not protected from it.
    pub fn set_up(admin_url: &str) -> Self {
        let owner = with_user(admin_url, OWNER_ROLE);
        let app = with_user(admin_url, APP_ROLE);
        let attempt = create_roles(admin_url)
            .and_then(|()| psql(&owner, "select 1"))
            .and_then(|_| psql(&app, "select 1"));
        match attempt {
            Ok(_) => Self { owner, app },
            Err(err) => {
                eprintln!(
                    "note: serving as the database URL's own role, not `{APP_ROLE}` (could not set up the roles: {err})"
                );
                Self {
                    owner: admin_url.to_owned(),
                    app: admin_url.to_owned(),
                }
            }
        }
    }

    /// Points `command` (the `parkway` binary) at the database with both roles.
    pub fn apply(&self, command: &mut Command) {
        command
            .env("DATABASE_URL", &self.app)
            .env("PARKWAY_MIGRATE_DATABASE_URL", &self.owner);
    }
}

fn create_roles(admin_url: &str) -> Result<()> {
    psql(
        admin_url,
        &format!(
            "do $$ begin
               if not exists (select from pg_roles where rolname = '{OWNER_ROLE}') then create role {OWNER_ROLE} login; end if;
               if not exists (select from pg_roles where rolname = '{APP_ROLE}') then create role {APP_ROLE} login; end if;
             end $$"
        ),
    )?;
    let database = database_name(admin_url);
    psql(
        admin_url,
        &format!("alter database \"{database}\" owner to {OWNER_ROLE}"),
    )?;
    // Tables, sequences and functions an earlier single-role run created belong to
    // the admin; hand them over so later migrations (run as the owner) can alter them.
    // Identity sequences follow their table; extension members stay the extension's.
    psql(
        admin_url,
        &format!(
            "do $$ declare r record; begin
               for r in select c.oid::regclass as name, c.relkind from pg_class c
                        where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
                          and c.relowner <> '{OWNER_ROLE}'::regrole
               loop
                 execute format('alter %s %s owner to {OWNER_ROLE}',
                   case r.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end, r.name);
               end loop;
               for r in select c.oid::regclass as name from pg_class c
                        where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
                          and c.relowner <> '{OWNER_ROLE}'::regrole
                          and not exists (select from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i'))
               loop
                 execute format('alter sequence %s owner to {OWNER_ROLE}', r.name);
               end loop;
               for r in select p.oid::regprocedure as name from pg_proc p
                        where p.pronamespace = 'public'::regnamespace and p.proowner <> '{OWNER_ROLE}'::regrole
                          and not exists (select from pg_depend d where d.objid = p.oid and d.deptype = 'e')
               loop
                 execute format('alter routine %s owner to {OWNER_ROLE}', r.name);
               end loop;
             end $$"
        ),
    )?;
    Ok(())
}

/// The database name of a `postgres://…/name?params` URL.
fn database_name(url: &str) -> String {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    base[scheme_end..]
        .split_once('/')
        .map_or("postgres", |(_, name)| name)
        .to_owned()
}

/// Replaces the user (and drops any password) in a `postgres://user:pw@host/…` URL.
pub fn with_user(url: &str, user: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{}{user}@{host}", &url[..scheme_end])
}

/// Replaces the database name in a `postgres://…/name?params` URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Drops (disconnecting users) and creates `name` next to `url`'s database.
pub fn recreate_database(url: &str, name: &str) -> Result<String> {
    let admin = with_database(url, "postgres");
    psql(&admin, &format!("drop database if exists {name} with (force)"))?;
    psql(&admin, &format!("create database {name}"))?;
    Ok(with_database(url, name))
}

/// Applies `migrations/*.sql` in order without sqlx's bookkeeping; only for the scratch
/// database the query macros are checked against.
pub fn apply_migrations_with_psql(url: &str) -> Result<()> {
    let dir = cmd::root().join("migrations");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map_err(|e| Error::io("reading migrations/", e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    for file in files {
        cmd::output(
            Command::new(psql_program())
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f"])
                .arg(&file),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{database_name, with_database, with_user};

    #[test]
    fn user_is_replaced_and_the_password_dropped() {
        assert_eq!(
            with_user("postgres://parkway@127.0.0.1:5/parkway", "parkway_app"),
            "postgres://parkway_app@127.0.0.1:5/parkway"
        );
        assert_eq!(
            with_user("postgres://u:p%40ss@h:1/a?sslmode=disable", "o"),
            "postgres://o@h:1/a?sslmode=disable"
        );
        assert_eq!(with_user("postgres://h:1/a", "o"), "postgres://o@h:1/a");
        assert_eq!(database_name("postgres://u@h:1/parkway_e2e?x=1"), "parkway_e2e");
        assert_eq!(database_name("postgres://u@h:1"), "postgres");
    }

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(with_database("postgres://u@h:1/a", "b"), "postgres://u@h:1/b");
        assert_eq!(with_database("postgres://u@h:1", "b"), "postgres://u@h:1/b");
        assert_eq!(
            with_database("postgres://u@h:1/a?sslmode=disable", "b"),
            "postgres://u@h:1/b?sslmode=disable"
        );
    }
}
