//! What the `hmsim` tests share: running the binary, and the golden-file check.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs hmsim in the engine's directory: (exit code, stdout, stderr).
pub fn hmsim(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hmsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("hmsim runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

/// Runs hmsim and requires success.
pub fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = hmsim(args);
    assert_eq!(code, 0, "hmsim {args:?} failed: {stderr}");
    stdout
}

/// A fixture's text.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture exists")
}

/// One golden case: hmsim's output for `args` must equal `tests/golden/<golden>`. With
/// `UPDATE_GOLDEN=1` the file is rewritten instead (then read the diff).
pub fn check(args: &[&str], golden: &str) {
    let out = ok(args);
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(golden);
    let text = format!("$ hmsim {}\n{out}", args.join(" "));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let expect = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{golden} is missing: run with UPDATE_GOLDEN=1"));
    assert_eq!(
        text, expect,
        "{golden} differs (UPDATE_GOLDEN=1 rewrites it)"
    );
}
