//! Building the site: `trunk build --release --offline` into `dist/`, then the service worker
//! that makes it work offline (`pwa.rs`).

use std::path::Path;

use crate::pwa;
use crate::util::{could_not, fail, run, stdout_of, Ctx, Result};
use crate::versions::{toml_table_value, trunk_wasm_opt_version};

/// Downloads every crate the build needs, so that the `--offline` cargo build inside Trunk
/// finds them all. With a complete Cargo.lock and a warm cache this touches no network.
pub fn cargo_fetch(ctx: &Ctx) -> Result<()> {
    run(ctx.cmd("cargo").arg("fetch"))
        .map_err(|_| could_not("download the crates Cargo.lock names", "cargo fetch"))
}

/// Checks that the `wasm-opt` Trunk will find on PATH reports the version Trunk.toml pins
/// (Trunk reads the third word of `wasm-opt --version`), so a mismatch is reported here
/// clearly instead of as a failed download attempt in offline mode.
fn check_wasm_opt(ctx: &Ctx) -> Result<()> {
    let trunk_toml = std::fs::read_to_string(ctx.root.join("Trunk.toml"))
        .map_err(|e| fail!("cannot read Trunk.toml: {e}"))?;
    let Some(pin) = toml_table_value(&trunk_toml, "tools", "wasm_opt") else {
        return Ok(());
    };
    let out = stdout_of(ctx.cmd("wasm-opt").arg("--version")).ok_or_else(|| {
        fail!("`wasm-opt --version` did not run; it comes from npm binaryen in tests/node_modules/.bin. Run by hand: cd tests && npm ci")
    })?;
    match trunk_wasm_opt_version(&out) {
        Some(v) if v == pin => {
            println!("wasm-opt: {} (Trunk.toml pins {pin})", out.trim());
            Ok(())
        }
        other => Err(fail!(
            "Trunk.toml pins wasm_opt = \"{pin}\" but `wasm-opt --version` prints `{}` (Trunk reads {other:?})",
            out.trim()
        )),
    }
}

/// `cargo fetch`, then the Trunk release build, offline, into `dist/`; then a check of the
/// built index.html against the Content-Security-Policy, and `dist/sw.js` for the files
/// Trunk wrote.
pub fn build(ctx: &Ctx) -> Result<()> {
    cargo_fetch(ctx)?;
    check_wasm_opt(ctx)?;
    run(ctx.cmd("trunk").args(["build", "--release", "--offline"]))?;
    let index = ctx.dist_dir().join("index.html");
    if !index.is_file() {
        return Err(fail!(
            "trunk build succeeded but {} is missing",
            index.display()
        ));
    }
    let html = std::fs::read_to_string(&index)
        .map_err(|e| fail!("cannot read {}: {e}", index.display()))?;
    pwa::check_index(&html)?;
    write_service_worker(ctx, &ctx.dist_dir())
}

/// Writes `dir/sw.js` from the template, precaching every other file in `dir`.
pub fn write_service_worker(ctx: &Ctx, dir: &Path) -> Result<()> {
    let w = pwa::write_service_worker(dir, &ctx.root.join(pwa::SW_TEMPLATE))?;
    println!(
        "{}: precaches {} files ({} KiB) as highmem-lab-{}",
        w.path.display(),
        w.files,
        w.bytes.div_ceil(1024),
        w.version
    );
    Ok(())
}
