//! The cost of a 64 GiB PAE machine, per profile: how long `Machine::new` takes and how much
//! resident memory the machine keeps. Prints a table (not criterion: one boot is milliseconds
//! and the interesting number is memory).
//!
//! - Time: `Machine::new` alone (the configuration is built before the clock starts, the drop
//!   after it stops), `RUNS` times in this process: the first run, then median, min and max.
//! - Memory: in a fresh child process per profile (this program re-run with
//!   `FOOTPRINT_CHILD=<profile>`), `VmRSS` from /proc/self/status before and after creating the
//!   machine and keeping it, `VmHWM` (the peak), and the heap the machine's own state accounts
//!   for: one state byte per frame (`mem().frame_count()`) plus 4 KiB per frame with stored
//!   contents (`mem().stored_frames()`).
//!
//! Figures only: nothing is asserted. With `BENCH_SUMMARY_DIR` set (by `cargo xtask bench`) the
//! table is also written to `footprint.txt` there. Run without `--bench` (as `cargo test
//! --benches` does) it boots each machine once, as a smoke test.

mod common;

use std::fmt::Write as _;
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use highmem_engine::machine::Machine;
use highmem_engine::profile::ProfileId;

const RUNS: usize = 15;
const CHILD_ENV: &str = "FOOTPRINT_CHILD";
const MIB: f64 = 1024.0 * 1024.0;

/// A field of /proc/self/status in bytes (`VmRSS:   1234 kB`).
fn status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        let rest = l.strip_prefix(field)?.strip_prefix(':')?;
        let kb: u64 = rest.trim().strip_suffix("kB")?.trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// Memory figures of one machine, measured in a process of its own.
struct Memory {
    rss_before: u64,
    rss_after: u64,
    peak: u64,
    frame_bytes: u64,
    content_bytes: u64,
}

/// The child: boot one machine, keep it, and print the figures as one line of numbers.
fn child(profile: &str) {
    let id = ProfileId::parse(profile).unwrap_or_else(|| panic!("unknown profile {profile}"));
    let config = common::config(id, common::BIG_RAM, true);
    let before = status_bytes("VmRSS").unwrap_or(0);
    let m = Machine::new(config).unwrap_or_else(|e| panic!("{profile}: {e}"));
    let after = status_bytes("VmRSS").unwrap_or(0);
    let peak = status_bytes("VmHWM").unwrap_or(0);
    let mem = black_box(&m).mem();
    println!(
        "{before} {after} {peak} {} {}",
        mem.frame_count(),
        mem.stored_frames() as u64 * 4096
    );
}

fn measure_memory(id: ProfileId) -> Result<Memory, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .env(CHILD_ENV, id.name())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let n: Vec<u64> = text
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    match n[..] {
        [rss_before, rss_after, peak, frame_bytes, content_bytes] => Ok(Memory {
            rss_before,
            rss_after,
            peak,
            frame_bytes,
            content_bytes,
        }),
        _ => Err(format!("unexpected output from the child: {text}")),
    }
}

/// Boots the machine `runs` times: every run's duration, in order.
fn time_boots(id: ProfileId, runs: usize) -> Vec<Duration> {
    (0..runs)
        .map(|_| {
            let config = common::config(id, common::BIG_RAM, true);
            let t = Instant::now();
            let m = Machine::new(config);
            let took = t.elapsed();
            drop(black_box(m).unwrap_or_else(|e| panic!("{id}: {e}")));
            took
        })
        .collect()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

fn main() {
    if let Ok(profile) = std::env::var(CHILD_ENV) {
        child(&profile);
        return;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench -- FILTER`: run only when the filter names this benchmark.
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|f| "footprint".contains(f.as_str())) {
        return;
    }
    let bench_mode = args.iter().any(|a| a == "--bench");
    let runs = if bench_mode { RUNS } else { 1 };

    let mut table = String::new();
    let _ = writeln!(
        table,
        "footprint: a 64 GiB PAE machine (QEMU pc memory map, 1 CPU), per profile\n\
         \x20 time of Machine::new: {runs} run(s) in one process (first, then median/min/max)\n\
         \x20 memory: a fresh process per profile; VmRSS before/after creating and keeping it,\n\
         \x20 VmHWM (peak), and the heap its state accounts for: one byte per frame (frames)\n\
         \x20 plus 4 KiB per page with stored contents (stored)\n\
         \x20 targets (issue 3): under 200 ms, under 64 MiB\n"
    );
    let _ = writeln!(
        table,
        "  {:<7} {:>8} {:>8} {:>8} {:>8} | {:>9} {:>9} {:>9} {:>8} | {:>8} {:>8} {:>8}",
        "profile",
        "first",
        "median",
        "min",
        "max",
        "RSS pre",
        "RSS post",
        "RSS +",
        "peak",
        "frames",
        "stored",
        "heap"
    );
    let _ = writeln!(
        table,
        "  {:<7} {:>8} {:>8} {:>8} {:>8} | {:>9} {:>9} {:>9} {:>8} | {:>8} {:>8} {:>8}",
        "", "ms", "ms", "ms", "ms", "MiB", "MiB", "MiB", "MiB", "MiB", "pages", "MiB"
    );
    for id in ProfileId::ALL {
        let times = time_boots(id, runs);
        let first = times[0];
        let mut sorted = times.clone();
        sorted.sort_unstable();
        let median = sorted[sorted.len() / 2];
        let mut line = format!(
            "  {:<7} {:>8.2} {:>8.2} {:>8.2} {:>8.2} |",
            id.name(),
            ms(first),
            ms(median),
            ms(sorted[0]),
            ms(sorted[sorted.len() - 1])
        );
        match measure_memory(id) {
            Ok(m) => {
                let _ = write!(
                    line,
                    " {:>9.1} {:>9.1} {:>9.1} {:>8.1} | {:>8.2} {:>8} {:>8.2}",
                    mib(m.rss_before),
                    mib(m.rss_after),
                    mib(m.rss_after.saturating_sub(m.rss_before)),
                    mib(m.peak),
                    mib(m.frame_bytes),
                    m.content_bytes / 4096,
                    mib(m.frame_bytes + m.content_bytes)
                );
            }
            Err(e) => {
                let _ = write!(line, " memory not measured: {}", e.trim());
            }
        }
        let _ = writeln!(table, "{line}");
        // Print as we go: the whole table takes a few seconds.
        if id == ProfileId::ALL[0] {
            print!("{table}");
        } else {
            println!("{line}");
        }
    }
    if let Some(dir) = std::env::var_os("BENCH_SUMMARY_DIR") {
        let path = std::path::Path::new(&dir).join("footprint.txt");
        if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &table)) {
            eprintln!("footprint: cannot write {}: {e}", path.display());
        }
    }
}
