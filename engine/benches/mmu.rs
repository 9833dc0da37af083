//! The MMU: page walks per second and TLB lookups per second.
//!
//! - `walk/…`: `mmu::walk` through a booted machine's kernel tables (`swapper_pg_dir` as CPU 0
//!   holds it in CR3), for an address of the direct map (a large page: 2 MiB with PAE, 4 MiB
//!   without) and for a 4 KiB page written with `set_pte` in the vmalloc area. Each walk
//!   returns the full step-by-step record the views show, so its allocations are counted.
//! - `tlb/…`: `Tlb::lookup` on a Core 2 data TLB (256 entries 4-way for 4 KiB pages, 32
//!   entries 4-way for large pages), full: hits cycle through every cached 4 KiB page (or
//!   every cached 2 MiB page), misses look up pages that were never cached (every way of every
//!   array that could hold them is searched).
//!
//! Figures only; see `cargo xtask bench`.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use highmem_engine::addr::{VirtAddr, GIB, MIB};
use highmem_engine::cpu::CpuModel;
use highmem_engine::layout::PAGE_OFFSET;
use highmem_engine::machine::{Machine, Op, Prot, ResultKind};
use highmem_engine::mmu::{walk, Access, Rights, Tlb, WalkCtx};
use highmem_engine::profile::ProfileId;

/// The walk context of CPU 0, as `Machine::probe` builds it.
fn walk_ctx(m: &Machine) -> WalkCtx {
    let cpu = &m.cpus()[0];
    WalkCtx {
        mode: m.kernel_tables().mode,
        cr3: cpu.cr3,
        pdptes: cpu.pdptes,
        nxe: m.kernel_tables().nxe,
        wp: true,
        user: false,
    }
}

/// A machine, one address in its direct map (a large page) and one 4 KiB page mapped by
/// `set_pte` in the vmalloc area.
fn walk_machine(pae: bool) -> (Machine, VirtAddr, VirtAddr) {
    let mut m = common::machine(ProfileId::V6_1, 2 * GIB, pae);
    let direct = VirtAddr::new((PAGE_OFFSET + 256 * MIB + 0x1234) as u32);
    let small = VirtAddr::new((m.layout().vmalloc_start() + MIB) as u32);
    let out = m.apply(&Op::SetPte {
        vaddr: small.as_u32(),
        pfn: 0x5_0000,
        prot: Prot::Kernel,
    });
    assert_eq!(out.result, ResultKind::Ok, "set_pte: {}", out.message);
    let large = if pae { 2 * MIB } else { 4 * MIB };
    for (va, size) in [(direct, large), (small, 4096)] {
        let w = walk(m.mem(), &walk_ctx(&m), va, Access::Read);
        match &w.result {
            Ok(t) if t.page_size == size => {}
            other => panic!("pae={pae}: {va} should be a {size}-byte page: {other:?}"),
        }
    }
    (m, direct, small)
}

fn walks(c: &mut Criterion) {
    let mut g = c.benchmark_group("walk");
    g.throughput(Throughput::Elements(1));
    for pae in [true, false] {
        let (m, direct, small) = walk_machine(pae);
        let ctx = walk_ctx(&m);
        let (mode, large) = if pae { ("pae", "2M") } else { ("nopae", "4M") };
        g.bench_function(format!("{mode}/{large}"), |b| {
            b.iter(|| walk(m.mem(), &ctx, black_box(direct), Access::Read))
        });
        g.bench_function(format!("{mode}/4K"), |b| {
            b.iter(|| walk(m.mem(), &ctx, black_box(small), Access::Read))
        });
    }
    g.finish();
}

const RIGHTS: Rights = Rights {
    writable: true,
    user: false,
    nx: true,
    global: true,
    dirty: false,
};

/// A full Core 2 data TLB: 256 consecutive 4 KiB pages and 32 consecutive 2 MiB pages.
fn full_core2_tlb() -> (Tlb, Vec<u64>, Vec<u64>) {
    let mut tlb = Tlb::new(CpuModel::Core2.spec().dtlb);
    let small: Vec<u64> = (0..256).map(|i| 0xf800_0000 + i * 4096).collect();
    let large: Vec<u64> = (0..32).map(|i| PAGE_OFFSET + i * 2 * MIB).collect();
    for &va in &small {
        tlb.insert(va, va - 0xf000_0000, 4096, RIGHTS);
    }
    for &va in &large {
        tlb.insert(va, va - PAGE_OFFSET, 2 * MIB, RIGHTS);
    }
    // Every page must still be cached (none evicted another), so a cycle is all hits.
    for &va in small.iter().chain(&large) {
        assert!(tlb.lookup(va).is_some(), "{va:#x} is not cached");
    }
    (tlb, small, large)
}

fn tlb_lookups(c: &mut Criterion) {
    let mut g = c.benchmark_group("tlb");
    g.throughput(Throughput::Elements(1));
    let (tlb, small, large) = full_core2_tlb();
    let never_cached: Vec<u64> = small.iter().map(|va| va + 0x0100_0000).collect();
    for (name, addrs) in [
        ("core2/hit_4K", &small),
        ("core2/hit_2M", &large),
        ("core2/miss", &never_cached),
    ] {
        let mut tlb = tlb.clone();
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % addrs.len();
                tlb.lookup(black_box(addrs[i]))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = walks, tlb_lookups
}
criterion_main!(benches);
