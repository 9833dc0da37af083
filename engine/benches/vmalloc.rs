//! vmalloc + vfree pairs per second, for 1-page and 64-page areas, with 1,000 one-page areas
//! live, on a 64 GiB PAE machine, in the three allocators that differ: 2.6.24's `vmlist`,
//! 2.6.32's busy tree with lazy freeing, 6.1's free tree with its purge list.
//!
//! - `vmalloc/quiet/<era>/<pages>`: `Machine::apply_quiet`, no trace.
//! - `vmalloc/apply/6.1/1`: the same through `apply`, with the call trace the views light.
//!
//! In 2.6.32 and 6.1 the freed areas pile up on the lazy list; every `lazy_max_pages()` (32 MiB
//! on one CPU) a purge clears them with one TLB flush, and its cost is spread over the pairs.
//!
//! Figures only; see `cargo xtask bench`.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use highmem_engine::machine::{AreaRef, Machine, Op, ResultKind, VmallocFlavor, Who};
use highmem_engine::profile::ProfileId;

const LIVE: usize = 1000;

fn setup(id: ProfileId) -> Machine {
    let mut m = common::machine(id, common::BIG_RAM, true);
    for i in 0..LIVE {
        let (r, _) = m.apply_quiet(&Op::Vmalloc {
            who: Who::Cpu(0),
            size: 4096,
            flavor: VmallocFlavor::Vmalloc,
            name: Some(format!("live{i}")),
            caller: None,
        });
        assert_eq!(r, ResultKind::Ok, "{id}: live area {i}");
    }
    m
}

fn vmalloc_op(pages: u64) -> Op {
    Op::Vmalloc {
        who: Who::Cpu(0),
        size: pages * 4096,
        flavor: VmallocFlavor::Vmalloc,
        name: None,
        caller: None,
    }
}

fn vfree_op(addr: u64) -> Op {
    Op::Vfree {
        who: Who::Cpu(0),
        area: AreaRef::Addr(addr as u32),
    }
}

fn vmalloc(c: &mut Criterion) {
    let mut g = c.benchmark_group("vmalloc");
    g.throughput(Throughput::Elements(1));
    for id in [ProfileId::V2_6_24, ProfileId::V2_6_32, ProfileId::V6_1] {
        let mut m = setup(id);
        for pages in [1u64, 64] {
            let alloc = vmalloc_op(pages);
            g.bench_function(format!("quiet/{id}/{pages}"), |b| {
                b.iter(|| {
                    let (r, v) = m.apply_quiet(black_box(&alloc));
                    assert_eq!(r, ResultKind::Ok, "{id}: the pair's vmalloc fails");
                    m.apply_quiet(&vfree_op(v.unwrap_or(0))).0
                })
            });
        }
        assert_eq!(
            m.vmalloc_space().areas.len(),
            LIVE,
            "{id}: 1,000 areas live"
        );
        m.check_invariants()
            .expect("the machine is consistent after the runs");
    }
    let mut m = setup(ProfileId::V6_1);
    let alloc = vmalloc_op(1);
    g.bench_function("apply/6.1/1", |b| {
        b.iter(|| {
            let out = m.apply(black_box(&alloc));
            m.apply(&vfree_op(out.value.unwrap_or(0))).result
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = vmalloc
}
criterion_main!(benches);
