//! `hmsim layout` end to end: against real kernel output, against golden files, and on bad input.
//!
//! Golden files live in `tests/golden/`; run with `UPDATE_GOLDEN=1` to rewrite them after a
//! deliberate change, then read the diff.

mod common;

use common::{check, fixture, hmsim, ok};

const BOOT_6_1: &str = "tests/fixtures/boot-6.1-686-pae-2G.txt";

/// The lines of `reference` that follow `header`, up to the first one not indented.
fn block_after<'a>(reference: &'a str, header: &str) -> Vec<&'a str> {
    reference
        .lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| l.starts_with(' '))
        .collect()
}

#[test]
fn reproduces_the_real_6_1_boot_exactly() {
    let reference = fixture("boot-6.1-686-pae-2G.txt");
    let mut wanted: Vec<&str> = reference
        .lines()
        .filter(|l| l.ends_with("HIGHMEM available.") || l.ends_with("LOWMEM available."))
        .collect();
    wanted.push("Zone ranges:");
    let zones = block_after(&reference, "Zone ranges:");
    assert_eq!(zones.len(), 3, "the reference has three zone lines");
    wanted.extend(zones);
    wanted.extend(reference.lines().filter(|l| l.starts_with("VmallocTotal:")));
    assert_eq!(wanted.len(), 7);

    // From the log's own BIOS map, and from the QEMU map hmsim builds for 2 GiB.
    for args in [
        vec!["layout", "--profile", "6.1", "--e820", BOOT_6_1],
        vec!["layout", "--profile", "6.1", "--ram", "2G"],
    ] {
        let out = ok(&args);
        let ours: Vec<&str> = out.lines().collect();
        for line in &wanted {
            assert!(ours.contains(line), "{args:?}: missing {line:?}\n{out}");
        }
        // In the kernel's order, too.
        let positions: Vec<usize> = wanted
            .iter()
            .map(|w| ours.iter().position(|l| l == w).unwrap())
            .collect();
        assert!(positions.windows(2).all(|p| p[0] < p[1]), "{positions:?}");
        // Every BIOS-e820 line of the log is printed back as the kernel printed it.
        for line in reference.lines().filter(|l| l.starts_with("BIOS-e820:")) {
            assert!(ours.contains(&line), "{line}");
        }
    }
}

#[test]
fn vmalloc_starts_where_the_real_6_1_vmallocinfo_does() {
    let reference = fixture("boot-6.1-686-pae-2G.txt");
    let first = block_after_marker(&reference, "=====VMALLOCINFO");
    let start = u64::from_str_radix(
        first.split('-').next().unwrap().trim_start_matches("0x"),
        16,
    )
    .unwrap();
    let json = ok(&["layout", "--profile", "6.1", "--e820", BOOT_6_1, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let vmalloc_start = v["symbols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "VMALLOC_START")
        .unwrap()["value"]
        .as_u64()
        .unwrap();
    assert_eq!(vmalloc_start, start);
}

fn block_after_marker<'a>(text: &'a str, marker: &str) -> &'a str {
    text.lines().skip_while(|l| *l != marker).nth(1).unwrap()
}

#[test]
fn pkmap_base_matches_the_real_6_1_kmap_trace() {
    // The trace was taken on the same kernel with 3 GiB. Its first kmap_high() got slot 1
    // (map_new_virtual advances last_pkmap_nr before it looks), so PKMAP_BASE is one page below.
    let trace = fixture("kmap-trace-6.1-pae-3G.txt");
    let first = trace
        .lines()
        .find(|l| l.starts_with("kmap "))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap();
    let addr = u64::from_str_radix(first.trim_start_matches("0x"), 16).unwrap();
    let out = ok(&["layout", "--profile", "6.1", "--ram", "3G"]);
    let expect = format!("    pkmap   : {:#010x} - ", addr - 0x1000);
    assert!(out.contains(&expect), "{out}");
}

#[test]
fn reproduces_the_published_2_6_32_layout() {
    let published = fixture("dmesg-2.6.32-pae-2G-layout.txt");
    let out = ok(&["layout", "--profile", "2.6.32", "--ram", "2G"]);
    for name in ["pkmap", "vmalloc", "lowmem"] {
        let line = published
            .lines()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap();
        assert!(out.lines().any(|l| l == line), "missing {line:?}\n{out}");
    }
}

#[test]
fn golden_layouts() {
    check(
        &["layout", "--profile", "2.4.22", "--ram", "2G"],
        "2.4.22-2G.txt",
    );
    check(
        &[
            "layout",
            "--profile",
            "2.4.22",
            "--ram",
            "8G",
            "--pae",
            "off",
        ],
        "2.4.22-8G-nopae.txt",
    );
    check(
        &["layout", "--profile", "2.6.11", "--ram", "2G"],
        "2.6.11-2G.txt",
    );
    check(
        &[
            "layout",
            "--profile",
            "2.6.11",
            "--ram",
            "2G",
            "--pae",
            "off",
            "--highmem",
            "off",
        ],
        "2.6.11-2G-nohighmem.txt",
    );
    check(
        &["layout", "--profile", "2.6.24", "--ram", "2G"],
        "2.6.24-2G.txt",
    );
    check(
        &[
            "layout",
            "--profile",
            "2.6.24",
            "--ram",
            "12G",
            "--pae",
            "off",
            "--vmalloc",
            "256M",
        ],
        "2.6.24-12G-nopae-vmalloc256M.txt",
    );
    check(
        &["layout", "--profile", "2.6.32", "--ram", "512M"],
        "2.6.32-512M.txt",
    );
    check(
        &[
            "layout",
            "--profile",
            "2.6.32",
            "--ram",
            "2G",
            "--highmem",
            "off",
        ],
        "2.6.32-2G-pae-nohighmem.txt",
    );
    check(
        &["layout", "--profile", "6.1", "--ram", "64G"],
        "6.1-64G.txt",
    );
    check(
        &[
            "layout",
            "--profile",
            "6.1",
            "--ram",
            "4G",
            "--pae",
            "off",
            "--nr-cpus",
            "8",
        ],
        "6.1-4G-686.txt",
    );
    check(
        &["layout", "--profile", "6.1", "--ram", "16M"],
        "6.1-16M.txt",
    );
}

#[test]
fn bad_input_is_one_line_and_exit_code_2() {
    let dir = std::env::temp_dir().join(format!("hmsim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    };
    let no_e820 = file("plain.log", "Linux version 6.1.0\nno map here\n");
    let overlap = file(
        "overlap.log",
        "BIOS-e820: [mem 0x0-0x7fffffff] usable\nBIOS-e820: [mem 0x1000000-0x1ffffff] reserved\n",
    );
    let absurd = file(
        "absurd.log",
        "BIOS-e820: [mem 0x0000000000100000-0x0fffffffffffffff] usable\n",
    );
    let garbled = file("garbled.log", "BIOS-e820: [mem 0xzz-0x1] usable\n");
    let binary = file("binary.log", "\u{0}\u{1}BIOS-e820:\u{ff}\n");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["layout", "--profile", "6.1", "--e820", "/nonexistent/x.log"],
            "cannot read",
        ),
        (
            vec!["layout", "--profile", "6.1", "--e820", &no_e820],
            "no BIOS-e820 lines",
        ),
        (
            vec!["layout", "--profile", "6.1", "--e820", &overlap],
            "overlap",
        ),
        (
            vec!["layout", "--profile", "6.1", "--e820", &absurd],
            "physical address width",
        ),
        (
            vec!["layout", "--profile", "6.1", "--e820", &garbled],
            "line 1",
        ),
        (
            vec!["layout", "--profile", "6.1", "--e820", &binary],
            "unreadable",
        ),
        (
            vec!["layout", "--profile", "6.1", "--ram", "128G"],
            "64 GiB",
        ),
        (
            vec!["layout", "--profile", "6.1", "--ram", "lots"],
            "bad size",
        ),
        (
            vec![
                "layout",
                "--profile",
                "6.1",
                "--ram",
                "2G",
                "--vmalloc",
                "3G",
            ],
            "would not boot",
        ),
        (
            vec![
                "layout",
                "--profile",
                "6.1",
                "--ram",
                "2G",
                "--nr-cpus",
                "0",
            ],
            "NR_CPUS=0",
        ),
        (
            vec![
                "layout",
                "--profile",
                "2.4.22",
                "--ram",
                "2G",
                "--vmalloc",
                "64M",
            ],
            "no vmalloc=",
        ),
        (
            vec!["layout", "--profile", "9.9", "--ram", "2G"],
            "unknown profile",
        ),
    ];
    for (args, needle) in cases {
        let (code, stdout, stderr) = hmsim(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(stdout.is_empty(), "{args:?} printed {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("hmsim: error: "), "{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
