//! `cargo xtask test`: everything CI checks, in order, stopping at the first failure.

use crate::install::{self, CHROMEDRIVER, WASM_TARGET};
use crate::site;
use crate::util::{fail, run as sh, Ctx, Result, Steps};

/// Chromium options for the wasm-bindgen tests, read by wasm-bindgen-test-runner from
/// the file named by `WASM_BINDGEN_TEST_WEBDRIVER_JSON`. (The runner also adds
/// `headless`, `no-sandbox` and `disable-dev-shm-usage` itself.)
const WEBDRIVER_JSON: &str = "webdriver.json";

pub fn run(ctx: &Ctx) -> Result<()> {
    let mut steps = Steps::new(7);
    steps.step("install what is missing", || install::ensure_all(ctx, true))?;
    steps.step("cargo fmt --all --check", || {
        sh(ctx.cmd("cargo").args(["fmt", "--all", "--check"]))
    })?;
    steps.step(
        "cargo clippy (workspace, all targets; web also for wasm32)",
        || {
            sh(ctx.cmd("cargo").args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]))?;
            // Code behind cfg(target_arch = "wasm32") is only seen by a wasm32 check.
            sh(ctx.cmd("cargo").args([
                "clippy",
                "-p",
                "highmem-web",
                "--all-targets",
                "--target",
                WASM_TARGET,
                "--",
                "-D",
                "warnings",
            ]))
        },
    )?;
    steps.step("cargo test --workspace", || {
        sh(ctx.cmd("cargo").args(["test", "--workspace"]))
    })?;
    steps.step("wasm-bindgen tests in headless Chromium", || {
        wasm_tests(ctx)
    })?;
    steps.step("trunk build --release --offline", || site::build(ctx))?;
    steps.step("end-to-end tests (npm test in tests/)", || e2e(ctx))?;
    steps.summary();
    Ok(())
}

/// The web crate's `wasm-bindgen-test` tests, compiled for wasm32 and run by
/// wasm-bindgen-test-runner (the target runner in .cargo/config.toml) in headless Chromium
/// through chromedriver.
fn wasm_tests(ctx: &Ctx) -> Result<()> {
    let webdriver_json = ctx.root.join(WEBDRIVER_JSON);
    if !webdriver_json.is_file() {
        return Err(fail!("{} is missing", webdriver_json.display()));
    }
    sh(ctx
        .cmd("cargo")
        .args(["test", "-p", "highmem-web", "--target", WASM_TARGET])
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json)
        // Tests without `wasm_bindgen_test_configure!` run in the browser too, not Node.
        .env("WASM_BINDGEN_USE_BROWSER", "1")
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))
}

/// Builds `hmsim`, then runs `npm test` in tests/ against the built site. The tests also get
/// this very xtask binary, to write a service worker the way the build does (`xtask sw DIR`).
fn e2e(ctx: &Ctx) -> Result<()> {
    sh(ctx.cmd("cargo").args(["build", "-p", "highmem-engine"]))?;
    let hmsim = ctx.root.join("target/debug/hmsim");
    if !hmsim.is_file() {
        return Err(fail!("{} was not built", hmsim.display()));
    }
    let xtask = std::env::current_exe().map_err(|e| fail!("cannot find the xtask binary: {e}"))?;
    sh(ctx
        .cmd("npm")
        .arg("test")
        .current_dir(ctx.tests_dir())
        .env("HMSIM", &hmsim)
        .env("XTASK", &xtask)
        .env("DIST_DIR", ctx.dist_dir())
        .env("CHROMIUM_PATH", install::CHROMIUM))
}
