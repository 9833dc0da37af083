//! Running commands, timing steps, and the context every command shares.

use std::ffi::OsString;
use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A failure with one message for the user (printed as `error: …`).
#[derive(Debug)]
pub struct Error(pub String);

pub type Result<T> = std::result::Result<T, Error>;

impl<T: Display> From<T> for Error {
    fn from(e: T) -> Self {
        Error(e.to_string())
    }
}

/// Builds an [`Error`] from a format string.
macro_rules! fail {
    ($($arg:tt)*) => { $crate::util::Error(format!($($arg)*)) };
}
pub(crate) use fail;

/// The one message for an install or download that failed: what, and the manual step.
pub fn could_not(what: &str, manual: &str) -> Error {
    fail!("could not {what} (no network? see the output above); run it by hand: {manual}")
}

/// Where things are, and the `PATH` every child process gets.
pub struct Ctx {
    /// The repository root (the workspace directory).
    pub root: PathBuf,
    /// `PATH` with cargo's bin directory and `tests/node_modules/.bin` in front, so that
    /// tools installed by `cargo install` and npm's binaryen `wasm-opt` are found.
    pub path: OsString,
}

impl Ctx {
    pub fn new() -> Result<Ctx> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or_else(|| fail!("xtask has no parent directory"))?
            .to_path_buf();
        let mut dirs = vec![cargo_bin_dir(), root.join("tests/node_modules/.bin")];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        let path = std::env::join_paths(dirs)?;
        Ok(Ctx { root, path })
    }

    /// A command that runs in the repository root with our `PATH`.
    pub fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.current_dir(&self.root).env("PATH", &self.path);
        c
    }

    pub fn tests_dir(&self) -> PathBuf {
        self.root.join("tests")
    }

    pub fn dist_dir(&self) -> PathBuf {
        self.root.join("dist")
    }
}

/// `$CARGO_HOME/bin`, where `cargo install` puts binaries.
fn cargo_bin_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(home).join("bin");
    }
    let home = std::env::var_os("HOME").unwrap_or_default();
    PathBuf::from(home).join(".cargo/bin")
}

/// Shows a command the way a user would type it.
pub fn display(cmd: &Command) -> String {
    let mut parts = vec![cmd.get_program().to_string_lossy().into_owned()];
    parts.extend(cmd.get_args().map(|a| {
        let a = a.to_string_lossy();
        if a.contains(' ') {
            format!("'{a}'")
        } else {
            a.into_owned()
        }
    }));
    parts.join(" ")
}

/// Runs `cmd` with inherited stdio; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = display(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .map_err(|e| fail!("cannot run `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(fail!("`{shown}` failed ({status})"))
    }
}

/// Runs `cmd` quietly and returns its output, or `None` if it cannot be started.
pub fn output(cmd: &mut Command) -> Option<Output> {
    cmd.stdin(Stdio::null()).output().ok()
}

/// Runs `cmd` quietly; its stdout if it ran and exited with status 0.
pub fn stdout_of(cmd: &mut Command) -> Option<String> {
    output(cmd)
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// "1m 02.3s" / "4.1s".
pub fn format_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let m = (secs / 60.0).floor();
        format!("{}m {:04.1}s", m as u64, secs - m * 60.0)
    } else {
        format!("{secs:.1}s")
    }
}

/// Runs named steps in order with a banner each, stops at the first failure, and prints
/// the time of every step and the total.
pub struct Steps {
    start: Instant,
    done: Vec<(String, Duration, bool)>,
    total: usize,
}

impl Steps {
    pub fn new(total: usize) -> Steps {
        Steps {
            start: Instant::now(),
            done: Vec::new(),
            total,
        }
    }

    pub fn step(&mut self, name: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
        let n = self.done.len() + 1;
        let line = "=".repeat(78);
        println!("\n{line}\n==> [{n}/{}] {name}\n{line}", self.total);
        let t = Instant::now();
        let result = f();
        let took = t.elapsed();
        let verdict = if result.is_ok() { "ok" } else { "FAILED" };
        println!(
            "<== [{n}/{}] {name}: {verdict} in {}",
            self.total,
            format_duration(took)
        );
        self.done.push((name.to_string(), took, result.is_ok()));
        if result.is_err() {
            self.summary();
        }
        result
    }

    pub fn summary(&self) {
        println!("\n{}", "-".repeat(78));
        for (name, took, ok) in &self.done {
            let mark = if *ok { "ok    " } else { "FAILED" };
            println!("  {mark} {:>9}  {name}", format_duration(*took));
        }
        let all_ok = self.done.iter().all(|(_, _, ok)| *ok) && self.done.len() == self.total;
        println!(
            "  {}  {:>9}  total",
            if all_ok { "all ok" } else { "      " },
            format_duration(self.start.elapsed())
        );
        println!("{}", "-".repeat(78));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations() {
        assert_eq!(format_duration(Duration::from_millis(4100)), "4.1s");
        assert_eq!(format_duration(Duration::from_millis(62300)), "1m 02.3s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m 00.0s");
    }

    #[test]
    fn displays_commands() {
        let mut c = Command::new("cargo");
        c.args(["clippy", "--", "-D", "warnings"]).arg("a b");
        assert_eq!(display(&c), "cargo clippy -- -D warnings 'a b'");
    }

    #[test]
    fn path_has_cargo_bin_and_node_bin_first() {
        let ctx = Ctx::new().unwrap();
        let dirs: Vec<PathBuf> = std::env::split_paths(&ctx.path).collect();
        assert!(dirs[0].ends_with("bin"));
        assert_eq!(dirs[1], ctx.root.join("tests/node_modules/.bin"));
        assert!(ctx.root.join("Cargo.lock").is_file());
    }
}
