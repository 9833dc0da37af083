//! Installing what the commands need. Each install is skipped when already satisfied, so a
//! second run installs nothing; where one cannot be done, we stop with one message naming
//! the manual step.

use std::path::Path;

use crate::util::{could_not, fail, output, run, stdout_of, Ctx, Result};
use crate::versions::{cargo_lock_version, fnv1a64, tool_version};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
pub const TRUNK_VERSION: &str = "0.21.14";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Name of the stamp file in `tests/node_modules` holding the hash of the
/// `package-lock.json` that `npm ci` installed.
const NPM_STAMP: &str = ".xtask-package-lock.hash";

/// Installs everything missing; `browser` adds Chromium and chromedriver (only `test`
/// needs them).
pub fn ensure_all(ctx: &Ctx, browser: bool) -> Result<()> {
    ensure_wasm_target(ctx)?;
    ensure_trunk(ctx)?;
    ensure_wasm_bindgen(ctx)?;
    ensure_npm_packages(ctx)?;
    if browser {
        ensure_chromium(ctx)?;
    }
    Ok(())
}

fn satisfied(what: &str, detail: &str) {
    println!("install: {what}: already satisfied ({detail})");
}

fn installing(what: &str) {
    println!("install: {what}: installing");
}

/// a. the wasm32 target.
fn ensure_wasm_target(ctx: &Ctx) -> Result<()> {
    let manual = format!("rustup target add {WASM_TARGET}");
    let installed = stdout_of(ctx.cmd("rustup").args(["target", "list", "--installed"]))
        .ok_or_else(|| {
            fail!("cannot run `rustup target list --installed`; is rustup installed? Run by hand: {manual}")
        })?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        satisfied(WASM_TARGET, "rustup target");
        return Ok(());
    }
    installing(WASM_TARGET);
    run(ctx.cmd("rustup").args(["target", "add", WASM_TARGET]))
        .map_err(|_| could_not("add the wasm32 target", &manual))
}

/// The version `program --version` reports, if it runs and names itself `program`.
fn installed_version(ctx: &Ctx, program: &str) -> Option<String> {
    stdout_of(ctx.cmd(program).arg("--version")).and_then(|out| tool_version(&out, program))
}

/// b. trunk 0.21.14.
fn ensure_trunk(ctx: &Ctx) -> Result<()> {
    if installed_version(ctx, "trunk").as_deref() == Some(TRUNK_VERSION) {
        satisfied("trunk", TRUNK_VERSION);
        return Ok(());
    }
    installing(&format!(
        "trunk {TRUNK_VERSION} (cargo install; this takes about 15 minutes)"
    ));
    let manual = format!("cargo install --locked trunk --version {TRUNK_VERSION}");
    run(ctx
        .cmd("cargo")
        .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))
    .map_err(|_| could_not("install trunk", &manual))?;
    match installed_version(ctx, "trunk") {
        Some(v) if v == TRUNK_VERSION => Ok(()),
        other => Err(fail!(
            "trunk was installed but `trunk --version` reports {other:?}; is another trunk earlier on PATH?"
        )),
    }
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must be exactly this version.
pub fn locked_wasm_bindgen(ctx: &Ctx) -> Result<String> {
    let lock = std::fs::read_to_string(ctx.root.join("Cargo.lock"))
        .map_err(|e| fail!("cannot read Cargo.lock: {e}"))?;
    cargo_lock_version(&lock, "wasm-bindgen")
        .ok_or_else(|| fail!("Cargo.lock has no `wasm-bindgen` package"))
}

/// c. wasm-bindgen-cli (`wasm-bindgen` and `wasm-bindgen-test-runner`) of exactly the
/// lockfile's `wasm-bindgen` version.
fn ensure_wasm_bindgen(ctx: &Ctx) -> Result<()> {
    let want = locked_wasm_bindgen(ctx)?;
    let cli = installed_version(ctx, "wasm-bindgen");
    let runner = installed_version(ctx, "wasm-bindgen-test-runner");
    if cli.as_deref() == Some(&want) && runner.as_deref() == Some(&want) {
        satisfied("wasm-bindgen-cli", &want);
        return Ok(());
    }
    installing(&format!(
        "wasm-bindgen-cli {want} (found: wasm-bindgen {}; this takes a few minutes)",
        cli.as_deref().unwrap_or("none")
    ));
    // No --locked: the CLI's own lockfile does not resolve against this registry mirror.
    let manual = format!("cargo install wasm-bindgen-cli --version {want}");
    run(ctx
        .cmd("cargo")
        .args(["install", "--force", "wasm-bindgen-cli", "--version", &want]))
    .map_err(|_| could_not("install wasm-bindgen-cli", &manual))?;
    match installed_version(ctx, "wasm-bindgen") {
        Some(v) if v == want => Ok(()),
        other => Err(fail!(
            "wasm-bindgen-cli was installed but `wasm-bindgen --version` reports {other:?}; is another one earlier on PATH?"
        )),
    }
}

/// The stamp text for a `package-lock.json`.
fn npm_stamp(lock: &[u8]) -> String {
    format!("fnv1a64 {:016x}\n", fnv1a64(lock))
}

/// d. the npm packages of `tests/package-lock.json` (`npm ci`), skipped when the stamp in
/// `tests/node_modules` matches the lockfile and the packages we use are present.
fn ensure_npm_packages(ctx: &Ctx) -> Result<()> {
    let tests = ctx.tests_dir();
    let lock = std::fs::read(tests.join("package-lock.json"))
        .map_err(|e| fail!("cannot read tests/package-lock.json: {e}"))?;
    let stamp_path = tests.join("node_modules").join(NPM_STAMP);
    let want = npm_stamp(&lock);
    let present = [
        "playwright-core/package.json",
        "binaryen/package.json",
        ".bin/wasm-opt",
    ]
    .iter()
    .all(|p| tests.join("node_modules").join(p).exists());
    if present && std::fs::read_to_string(&stamp_path).ok().as_deref() == Some(want.as_str()) {
        satisfied(
            "npm packages (tests/package-lock.json)",
            "tests/node_modules is current",
        );
        return Ok(());
    }
    if stdout_of(ctx.cmd("npm").arg("--version")).is_none() {
        return Err(fail!(
            "Node.js and npm are needed (end-to-end tests, wasm-opt). Install them by hand: apt-get install -y nodejs npm"
        ));
    }
    installing("npm packages (npm ci in tests/)");
    run(ctx
        .cmd("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&tests))
    .map_err(|_| could_not("install the npm packages", "cd tests && npm ci"))?;
    std::fs::write(&stamp_path, want)
        .map_err(|e| fail!("cannot write {}: {e}", stamp_path.display()))?;
    Ok(())
}

fn is_root(ctx: &Ctx) -> bool {
    stdout_of(ctx.cmd("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

/// e. Debian's chromium and chromium-driver.
fn ensure_chromium(ctx: &Ctx) -> Result<()> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        satisfied(
            "chromium, chromium-driver",
            "/usr/bin/chromium, /usr/bin/chromedriver",
        );
        return Ok(());
    }
    let manual = "apt-get update && apt-get install -y chromium chromium-driver";
    if output(ctx.cmd("apt-get").arg("--version")).is_none() {
        return Err(fail!(
            "Chromium and chromedriver are missing ({CHROMIUM}, {CHROMEDRIVER}) and apt-get is not available. Install Debian's `chromium` and `chromium-driver` packages (or equivalents at those paths) by hand"
        ));
    }
    if !is_root(ctx) {
        return Err(fail!(
            "Chromium and chromedriver are missing and installing them needs root. Run by hand: sudo sh -c '{manual}'"
        ));
    }
    installing("chromium, chromium-driver (apt-get)");
    let apt = |args: &[&str]| {
        run(ctx
            .cmd("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive"))
    };
    apt(&["update"])
        .and_then(|()| {
            apt(&[
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ])
        })
        .map_err(|_| could_not("install Chromium", manual))?;
    if !(Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists()) {
        return Err(fail!(
            "apt-get installed chromium and chromium-driver but {CHROMIUM} or {CHROMEDRIVER} is still missing"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_changes_with_the_lockfile() {
        assert_eq!(npm_stamp(b"a"), "fnv1a64 af63dc4c8601ec8c\n");
        assert_ne!(npm_stamp(b"{\"a\":1}"), npm_stamp(b"{\"a\":2}"));
    }

    #[test]
    fn reads_the_workspace_wasm_bindgen_version() {
        let v = locked_wasm_bindgen(&Ctx::new().unwrap()).unwrap();
        assert!(v.starts_with("0.2."), "{v}");
    }
}
