//! The buddy allocator: alloc/free pairs per second on a 64 GiB PAE machine (6.1).
//!
//! - `buddy/apply/…`: `machine.apply(&Op::AllocPages)` then `apply(&Op::FreePages)` of the
//!   block it returned: the whole operation as `hmsim run` and the web app run it, with its
//!   call trace and change list.
//! - `buddy/phys/…`: the allocator alone, `PhysMem::alloc_from` then `PhysMem::free`, on a
//!   copy of the same machine's physical memory.
//!
//! Each pair takes the first free block of the smallest order that has one, splits it down
//! to the order asked for, and the free merges it back up: the work of a real allocation in
//! a mostly free zone. `GFP_KERNEL` allocates from ZONE_NORMAL, `GFP_HIGHUSER` from HighMem.
//!
//! Figures only; see `cargo xtask bench`.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use highmem_engine::layout::memory::ZoneKind;
use highmem_engine::machine::{Gfp, Op, PageRef, ResultKind};
use highmem_engine::profile::ProfileId;

const ORDERS: [u32; 2] = [0, 3];

fn through_apply(c: &mut Criterion) {
    let mut g = c.benchmark_group("buddy/apply");
    g.throughput(Throughput::Elements(1));
    let mut m = common::machine(ProfileId::V6_1, common::BIG_RAM, true);
    for flags in ["GFP_KERNEL", "GFP_HIGHUSER"] {
        let gfp = Gfp::parse(flags).unwrap_or_else(|e| panic!("{flags}: {e:?}"));
        for order in ORDERS {
            let alloc = Op::AllocPages {
                gfp: gfp.clone(),
                order,
                name: None,
            };
            let free = |pfn| Op::FreePages {
                page: PageRef::Pfn(pfn),
                order: Some(order),
            };
            // The premise: the pair succeeds and leaves the allocator as it was.
            let before = m.mem().buddyinfo();
            let out = m.apply(&alloc);
            assert_eq!(out.result, ResultKind::Ok, "{flags}: {}", out.message);
            let out = m.apply(&free(out.value.unwrap_or_default()));
            assert_eq!(out.result, ResultKind::Ok, "{flags}: {}", out.message);
            assert_eq!(m.mem().buddyinfo(), before, "{flags} order {order}");

            g.bench_function(format!("{flags}/order{order}"), |b| {
                b.iter(|| {
                    let out = m.apply(black_box(&alloc));
                    let pfn = out.value.expect("alloc_pages returns a frame");
                    m.apply(&free(pfn))
                })
            });
        }
    }
    g.finish();
}

fn physmem_alone(c: &mut Criterion) {
    let mut g = c.benchmark_group("buddy/phys");
    g.throughput(Throughput::Elements(1));
    let m = common::machine(ProfileId::V6_1, common::BIG_RAM, true);
    let mut mem = m.mem().clone();
    for (zone, kind) in [("Normal", ZoneKind::Normal), ("HighMem", ZoneKind::HighMem)] {
        let zi = mem
            .zones()
            .iter()
            .position(|z| z.kind == kind)
            .unwrap_or_else(|| panic!("no {zone} zone"));
        for order in ORDERS {
            g.bench_function(format!("{zone}/order{order}"), |b| {
                b.iter(|| {
                    let rec = mem.alloc_from(black_box(zi), order).expect("a free block");
                    mem.free(rec.pfn, order).expect("frees")
                })
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = through_apply, physmem_alone
}
criterion_main!(benches);
