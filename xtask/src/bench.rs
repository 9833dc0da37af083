//! `cargo xtask bench`: the project's benchmarks. They report figures; nothing here (or in
//! what it runs) asserts anything about time.
//!
//! 1. `cargo bench -p highmem-engine`: every target in `engine/benches/` (criterion, plus the
//!    `footprint` table);
//! 2. the Trunk release build of the site;
//! 3. `node bench/render.mjs` in `tests/`: time to first render in headless Chromium against a
//!    static page with the same text, the gzipped size of `dist/`, and the per-step re-render
//!    time (p50/p95) of chapter 3 with every view shown;
//! 4. kmap+kunmap pairs per second, the same loop (`bench-wasm/`) natively and as wasm under
//!    Node (`tests/bench/kmap-wasm.mjs`), and their ratio;
//!
//! then the figures again, together, at the end. The `footprint` bench and `render.mjs` write
//! their tables to the directory named by `BENCH_SUMMARY_DIR` (`target/bench-summary`);
//! criterion's figures are read from its output.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::install::{self, CHROMIUM};
use crate::site;
use crate::util::{display, fail, run as sh, Ctx, Result, Steps};

/// The tables the non-criterion benchmarks write, in the order they are shown.
const TABLES: [(&str, &str); 3] = [
    ("footprint.txt", "engine: cargo bench --bench footprint"),
    ("render.txt", "browser: tests/bench/render.mjs"),
    (
        "kmap.txt",
        "kmap+kunmap pairs/s, 64 GiB PAE, 6.1 (bench-wasm: native, and wasm under Node)",
    ),
];

pub fn run(ctx: &Ctx) -> Result<()> {
    let summary_dir = target_dir(ctx).join("bench-summary");
    if summary_dir.exists() {
        std::fs::remove_dir_all(&summary_dir)
            .map_err(|e| fail!("cannot clear {}: {e}", summary_dir.display()))?;
    }
    std::fs::create_dir_all(&summary_dir)
        .map_err(|e| fail!("cannot create {}: {e}", summary_dir.display()))?;

    let mut engine_output = String::new();
    let mut steps = Steps::new(5);
    steps.step("install what is missing", || install::ensure_all(ctx, true))?;
    steps.step("cargo bench -p highmem-engine", || {
        engine_output = run_tee(
            ctx.cmd("cargo")
                .args(["bench", "-p", "highmem-engine"])
                .env("BENCH_SUMMARY_DIR", &summary_dir),
        )?;
        Ok(())
    })?;
    steps.step("trunk build --release --offline", || site::build(ctx))?;
    steps.step("browser timing (node bench/render.mjs in tests/)", || {
        sh(ctx
            .cmd("node")
            .arg("bench/render.mjs")
            .current_dir(ctx.tests_dir())
            .env("DIST_DIR", ctx.dist_dir())
            .env("CHROMIUM_PATH", CHROMIUM)
            .env("BENCH_SUMMARY_DIR", &summary_dir))
    })?;
    steps.step("kmap pairs: native and wasm under Node", || {
        let native = run_tee(ctx.cmd("cargo").args([
            "run",
            "--release",
            "-p",
            "highmem-bench-wasm",
            "--bin",
            "kmap-native",
        ]))?;
        sh(ctx.cmd("cargo").args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "highmem-bench-wasm",
            "--lib",
        ]))?;
        let wasm_file =
            target_dir(ctx).join("wasm32-unknown-unknown/release/highmem_bench_wasm.wasm");
        let wasm = run_tee(
            ctx.cmd("node")
                .arg("bench/kmap-wasm.mjs")
                .arg(&wasm_file)
                .current_dir(ctx.tests_dir()),
        )?;
        std::fs::write(summary_dir.join("kmap.txt"), kmap_table(&native, &wasm))
            .map_err(|e| fail!("cannot write the kmap table: {e}"))
    })?;
    steps.summary();
    print!("{}", summary(&engine_output, &summary_dir));
    Ok(())
}

/// `$CARGO_TARGET_DIR`, or `target/` in the repository.
fn target_dir(ctx: &Ctx) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => ctx.root.join(dir),
        None => ctx.root.join("target"),
    }
}

/// Runs `cmd` with stdout shown as it comes and also returned; stderr is inherited. A
/// non-zero exit is an error naming the command.
fn run_tee(cmd: &mut Command) -> Result<String> {
    let shown = display(cmd);
    println!("$ {shown}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| fail!("cannot run `{shown}`: {e}"))?;
    let mut captured = String::new();
    if let Some(out) = child.stdout.take() {
        let mut reader = BufReader::new(out);
        let mut line = Vec::new();
        while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&line);
            print!("{text}");
            captured.push_str(&text);
            line.clear();
        }
    }
    let status = child
        .wait()
        .map_err(|e| fail!("`{shown}` did not finish: {e}"))?;
    if status.success() {
        Ok(captured)
    } else {
        Err(fail!("`{shown}` failed ({status})"))
    }
}

/// `kmap-native <case> <pairs/s>` and `kmap-wasm <case> <pairs/s>` lines as a table with the
/// ratio native / wasm.
fn kmap_table(native: &str, wasm: &str) -> String {
    let parse = |text: &str, tag: &str| -> Vec<(String, f64)> {
        text.lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                (w.next()? == tag).then_some(())?;
                Some((w.next()?.to_string(), w.next()?.parse().ok()?))
            })
            .collect()
    };
    let (n, w) = (parse(native, "kmap-native"), parse(wasm, "kmap-wasm"));
    let mut out = format!(
        "  {:<10}  {:>14}  {:>14}  {:>12}\n",
        "case", "native", "wasm (Node)", "native/wasm"
    );
    for (case, nv) in &n {
        let wv = w.iter().find(|(c, _)| c == case).map(|(_, v)| *v);
        out.push_str(&format!(
            "  {case:<10}  {:>12.2} M  {:>12}  {:>12}\n",
            nv / 1e6,
            wv.map(|v| format!("{:.2} M", v / 1e6))
                .unwrap_or_else(|| "-".into()),
            wv.map(|v| format!("{:.2}", nv / v))
                .unwrap_or_else(|| "-".into())
        ));
    }
    out
}

/// One criterion result: the point estimates it printed.
#[derive(Debug, PartialEq, Eq)]
struct Figure {
    id: String,
    /// Time per iteration, e.g. `497.64 ns`.
    time: String,
    /// Iterations per second, e.g. `2.0095 Melem/s`, when the bench declares a throughput.
    thrpt: Option<String>,
}

/// Drops ANSI escape sequences (`ESC [ … letter`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The middle value of `[low mid high]`, each a number and a unit: `mid` with its unit.
fn middle(s: &str) -> Option<String> {
    let inner = s.split_once('[')?.1.split_once(']')?.0;
    let words: Vec<&str> = inner.split_whitespace().collect();
    match words[..] {
        [_, _, value, unit, _, _] => Some(format!("{value} {unit}")),
        _ => None,
    }
}

/// The results in criterion's command-line report:
///
/// ```text
/// walk/pae/2M             time:   [416.60 ns 497.64 ns 627.42 ns]
///                         thrpt:  [1.5938 Melem/s 2.0095 Melem/s 2.4004 Melem/s]
/// buddy/apply/GFP_KERNEL/order0
///                         time:   [1.2 µs 1.3 µs 1.4 µs]
/// ```
///
/// (an id longer than 23 characters gets a line of its own).
fn criterion_figures(output: &str) -> Vec<Figure> {
    let mut figures: Vec<Figure> = Vec::new();
    let mut previous = String::new();
    for line in output.lines().map(strip_ansi) {
        if let Some(at) = line.find("time:") {
            if let Some(time) = middle(&line[at..]) {
                let id = match line[..at].trim() {
                    "" => previous.trim().to_string(),
                    id => id.to_string(),
                };
                figures.push(Figure {
                    id,
                    time,
                    thrpt: None,
                });
            }
        } else if let Some(rest) = line.trim_start().strip_prefix("thrpt:") {
            // The second `thrpt:` after a `change:` line is the relative change: keep the first.
            if let (Some(last), Some(thrpt)) = (figures.last_mut(), middle(rest)) {
                last.thrpt.get_or_insert(thrpt);
            }
        }
        previous = line;
    }
    figures
}

/// Everything the benchmarks measured, as one block of text.
fn summary(engine_output: &str, summary_dir: &std::path::Path) -> String {
    let rule = "=".repeat(78);
    let mut s = format!("\n{rule}\nBenchmark figures (reported, never asserted)\n{rule}\n");
    s.push_str(
        "\nengine: cargo bench (criterion point estimates; elem = one walk, one lookup, one\n\
         alloc/free pair)\n",
    );
    let figures = criterion_figures(engine_output);
    if figures.is_empty() {
        s.push_str("  (no criterion results found in the output above)\n");
    }
    let width = figures.iter().map(|f| f.id.len()).max().unwrap_or(0);
    for f in &figures {
        let thrpt = f.thrpt.as_deref().unwrap_or("");
        s.push_str(&format!(
            "  {:<width$}  {:>12}  {:>16}\n",
            f.id,
            f.time,
            thrpt.trim()
        ));
    }
    for (file, title) in TABLES {
        s.push_str(&format!("\n{title}\n"));
        match std::fs::read_to_string(summary_dir.join(file)) {
            Ok(table) => s.push_str(&table),
            Err(_) => s.push_str("  (no figures: see the output above)\n"),
        }
    }
    s.push_str(&format!("{rule}\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kmap_table_pairs_native_and_wasm_figures() {
        let t = kmap_table(
            "kmap-native same-page 8000000\nkmap-native new-pages 4000000\n",
            "noise\nkmap-wasm same-page 5000000\n",
        );
        assert!(
            t.contains("same-page           8.00 M        5.00 M          1.60"),
            "{t}"
        );
        assert!(
            t.contains("new-pages           4.00 M             -             -"),
            "{t}"
        );
    }

    const OUTPUT: &str = "\
walk/pae/2M             time:   [416.60 ns 497.64 ns 627.42 ns]
                        thrpt:  [1.5938 Melem/s 2.0095 Melem/s 2.4004 Melem/s]
                 change:
                        time:   [-1.2345% +0.3000% +1.8000%] (p = 0.40 > 0.05)
                        thrpt:  [-1.7000% -0.3000% +1.2500%]
                        No change in performance detected.
Found 7 outliers among 100 measurements (7.00%)
  3 (3.00%) high mild
buddy/apply/GFP_HIGHUSER/order3
                        time:   [1.1002 \u{b5}s 1.2000 \u{b5}s 1.3001 \u{b5}s]
                        change: [-1.0% +0.5% +2.0%] (p = 0.50 > 0.05)
                        No change in performance detected.
\u{1b}[32mtlb/core2/miss\u{1b}[0m          time:   [34.317 ns \u{1b}[1m35.850 ns\u{1b}[0m 37.530 ns]
footprint: a 64 GiB PAE machine
";

    #[test]
    fn reads_criterion_results() {
        let figures = criterion_figures(OUTPUT);
        assert_eq!(
            figures,
            vec![
                Figure {
                    id: "walk/pae/2M".into(),
                    time: "497.64 ns".into(),
                    thrpt: Some("2.0095 Melem/s".into()),
                },
                Figure {
                    id: "buddy/apply/GFP_HIGHUSER/order3".into(),
                    time: "1.2000 \u{b5}s".into(),
                    thrpt: None,
                },
                Figure {
                    id: "tlb/core2/miss".into(),
                    time: "35.850 ns".into(),
                    thrpt: None,
                },
            ]
        );
    }

    #[test]
    fn summary_names_missing_tables() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("footprint.txt"), "FOOTPRINT TABLE\n").unwrap();
        let s = summary(OUTPUT, &dir);
        assert!(s.contains("walk/pae/2M"), "{s}");
        assert!(s.contains("2.0095 Melem/s"), "{s}");
        assert!(s.contains("FOOTPRINT TABLE"), "{s}");
        assert!(s.contains("no figures"), "{s}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
