//! Replays the real 6.1 kmap trace (`tests/fixtures/kmap-trace-6.1-pae-3G.txt`): every
//! `kmap_high()` the traced kernel made must return the same address here, and
//! `flush_all_zero_pkmaps()` must run exactly where the trace saw it.

use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig, Op, PageRef, ResultKind};
use highmem_engine::profile::ProfileId;
use std::collections::BTreeMap;

#[test]
fn replaying_the_real_6_1_trace_gives_every_address_back() {
    let trace = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/kmap-trace-6.1-pae-3G.txt"
    ))
    .unwrap();
    let mut m = Machine::new(MachineConfig::new(
        ProfileId::V6_1,
        E820Map::qemu_pc(3 << 30).unwrap(),
    ))
    .unwrap();
    assert_eq!(
        m.apply(&Op::Task {
            name: "cat".into(),
            cpu: 0,
            kthread: false
        })
        .result,
        ResultKind::Ok
    );
    // Each distinct struct page pointer of the trace stands for one highmem page.
    let highstart = m.layout().memory.highstart_pfn.as_u64();
    let mut pages: BTreeMap<String, u64> = BTreeMap::new();
    let mut page_of = |ptr: &str| -> u64 {
        let n = pages.len() as u64;
        *pages
            .entry(ptr.to_string())
            .or_insert(highstart + 0x100 + n)
    };
    let (mut kmaps, mut flush_pending, mut flushes) = (0, false, 0);
    for (i, line) in trace.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["flush"] => flush_pending = true,
            ["kmap", ptr, addr] => {
                let want = u64::from_str_radix(addr.trim_start_matches("0x"), 16).unwrap();
                let pfn = page_of(ptr);
                let out = m.apply(&Op::Kmap {
                    task: "cat".into(),
                    page: PageRef::Pfn(pfn),
                    nonblock: false,
                });
                assert_eq!(
                    out.value,
                    Some(want),
                    "line {}: {line}: {}",
                    i + 1,
                    out.message
                );
                let flushed = out.trace.find("flush_all_zero_pkmaps").is_some();
                assert_eq!(
                    flushed,
                    flush_pending,
                    "line {}: flush expected {flush_pending}",
                    i + 1
                );
                flushes += usize::from(flushed);
                flush_pending = false;
                kmaps += 1;
            }
            ["kunmap", ptr] => {
                let pfn = page_of(ptr);
                let out = m.apply(&Op::Kunmap {
                    task: "cat".into(),
                    page: PageRef::Pfn(pfn),
                });
                assert_eq!(
                    out.result,
                    ResultKind::Ok,
                    "line {}: {}",
                    i + 1,
                    out.message
                );
            }
            [first, ..] if first.starts_with('#') => {}
            [] => {}
            other => panic!("line {}: unexpected {other:?}", i + 1),
        }
    }
    assert_eq!(kmaps, 2404);
    assert_eq!(pages.len(), 601);
    assert_eq!(flushes, 2);
    m.check_invariants().unwrap();
}
