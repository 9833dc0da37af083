//! Persistent kmaps: `kmap` + `kunmap` pairs per second on a 64 GiB PAE machine (6.1).
//!
//! - `kmap/apply/…`: `machine.apply(&Op::Kmap)` then `apply(&Op::Kunmap)`, with the call trace,
//!   change list and message the web app and `hmsim run` show.
//! - `kmap/quiet/…`: the same code through `Machine::apply_quiet`, which records nothing.
//!
//! `same-page` maps one highmem page again and again (the slot stays at count 1 between
//! pairs, so each kmap finds it in the hash table); `new-pages` cycles through twice
//! LAST_PKMAP pages, so every kmap takes a new slot and every LAST_PKMAP-th one wraps and runs
//! `flush_all_zero_pkmaps()` with its TLB flush.
//!
//! Figures only; see `cargo xtask bench`.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use highmem_engine::machine::{Machine, Op, PageRef, ResultKind};
use highmem_engine::profile::ProfileId;

fn setup() -> (Machine, u64, u64) {
    let mut m = common::machine(ProfileId::V6_1, common::BIG_RAM, true);
    let out = m.apply(&Op::Task {
        name: "A".into(),
        cpu: 0,
        kthread: false,
    });
    assert_eq!(out.result, ResultKind::Ok, "{}", out.message);
    let first = m.layout().memory.highstart_pfn.as_u64() + 0x100;
    let slots = u64::from(m.pkmap().expect("a HIGHMEM kernel").slots());
    (m, first, 2 * slots)
}

fn pair(task: &str, pfn: u64) -> [Op; 2] {
    [
        Op::Kmap {
            task: task.into(),
            page: PageRef::Pfn(pfn),
            nonblock: false,
        },
        Op::Kunmap {
            task: task.into(),
            page: PageRef::Pfn(pfn),
        },
    ]
}

fn kmap(c: &mut Criterion) {
    let mut g = c.benchmark_group("kmap");
    g.throughput(Throughput::Elements(1));
    for quiet in [false, true] {
        let mode = if quiet { "quiet" } else { "apply" };
        let (mut m, first, span) = setup();
        // The premise: a pair succeeds and leaves every count as it was (or at 1).
        let [k, u] = pair("A", first);
        assert_eq!(m.apply(&k).result, ResultKind::Ok);
        assert_eq!(m.apply(&u).result, ResultKind::Ok);
        let same = pair("A", first);
        g.bench_function(format!("{mode}/same-page"), |b| {
            b.iter(|| {
                if quiet {
                    m.apply_quiet(black_box(&same[0]));
                    m.apply_quiet(black_box(&same[1])).0
                } else {
                    m.apply(black_box(&same[0]));
                    m.apply(black_box(&same[1])).result
                }
            })
        });
        let ops: Vec<[Op; 2]> = (0..span).map(|i| pair("A", first + i)).collect();
        let mut i = 0;
        g.bench_function(format!("{mode}/new-pages"), |b| {
            b.iter(|| {
                let [k, u] = &ops[i % ops.len()];
                i += 1;
                if quiet {
                    m.apply_quiet(black_box(k));
                    m.apply_quiet(black_box(u)).0
                } else {
                    m.apply(black_box(k));
                    m.apply(black_box(u)).result
                }
            })
        });
        m.check_invariants()
            .expect("the machine is consistent after the runs");
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = kmap
}
criterion_main!(benches);
