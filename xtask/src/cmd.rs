//! Running commands and reporting errors as sentences, not stack traces.

use std::{
    fmt,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::OnceLock,
    time::Instant,
};

#[derive(Debug)]
pub enum Error {
    Usage(String),
    /// Something the user must install or configure; the text says what.
    Missing(String),
    Failed(String),
    Io(String, std::io::Error),
}

impl Error {
    pub fn io(what: &str, err: std::io::Error) -> Self {
        Error::Io(what.to_owned(), err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(text) | Error::Missing(text) | Error::Failed(text) => f.write_str(text),
            Error::Io(what, err) => write!(f, "{what}: {err}"),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The workspace root (xtask lives one level down).
///
/// Read at run time first: `cargo run` sets `CARGO_MANIFEST_DIR` for the process. The
/// compile-time value names whichever clone last built the binary, and with a target
/// folder shared between clones (as CI's is) that can be another checkout entirely.
pub fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() { dir } else { root().join(dir) }
        }
        None => root().join("target"),
    }
}

/// When xtask started (the first call starts the clock).
pub fn start_clock() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// Announces a step with the time since xtask started, so a slow run shows which step
/// dominated.
pub fn step(text: &str) {
    let elapsed = start_clock().elapsed().as_secs();
    eprintln!("\n==> [{:>2}m{:02}s] {text}", elapsed / 60, elapsed % 60);
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs to completion with inherited output; non-zero exit is an error naming the command.
pub fn status(command: &mut Command) -> Result<()> {
    let what = describe(command);
    let status = command
        .status()
        .map_err(|err| Error::Failed(format!("could not start `{what}`: {err}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed(format!("`{what}` failed ({status})")))
    }
}

/// Runs and returns stdout; stderr is shown only on failure.
pub fn output(command: &mut Command) -> Result<String> {
    let what = describe(command);
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| Error::Failed(format!("could not start `{what}`: {err}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Failed(format!(
            "`{what}` failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// Whether `program` can be started at all.
pub fn available(program: &str, version_arg: &str) -> Option<String> {
    Command::new(program)
        .arg(version_arg)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn cargo_command(args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.args(args).current_dir(root());
    command
}

pub fn cargo(args: &[&str]) -> Result<()> {
    status(&mut cargo_command(args))
}

pub fn is_root() -> bool {
    available("id", "-u").is_some_and(|uid| uid == "0")
}
