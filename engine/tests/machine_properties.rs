//! Properties of the machine under random operation sequences:
//!
//! - every translation a TLB returns either matches the page tables or is flagged stale by
//!   the model itself;
//! - the buddy allocator's invariants hold after every allocation and free;
//! - the invariant checker passes after every operation;
//! - page walks over random memory never panic.

use highmem_engine::addr::{PhysAddr, VirtAddr, MIB};
use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Gfp, Machine, MachineConfig, Op, PageRef, Prot, ResultKind};
use highmem_engine::mmu::{walk, Access, WalkCtx};
use highmem_engine::paging::PagingMode;
use highmem_engine::phys::{BuddyRules, PhysMem};
use highmem_engine::profile::ProfileId;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn machine(id: ProfileId, ram: u64, pae: bool, cpus: usize) -> Machine {
    Machine::new(MachineConfig {
        pae,
        cpus,
        ..MachineConfig::new(id, E820Map::qemu_pc(ram).unwrap())
    })
    .unwrap()
}

#[test]
fn tlb_answers_match_the_tables_or_are_flagged_stale() {
    let mut rng = Rng(0x5eed_0001);
    let mut stale_total = 0;
    for round in 0..40 {
        let id = *rng.pick(&ProfileId::ALL);
        let pae = rng.below(2) == 0;
        let ram = *rng.pick(&[64 * MIB, 512 * MIB, 1536 * MIB]);
        let mut m = machine(id, ram, pae, 2);
        let vs = m.layout().vmalloc_start() as u32;
        // A small window of kernel pages the script remaps, plus a few direct-map pages.
        let window: Vec<u32> = (0..6).map(|i| vs + i * 0x1000).collect();
        let direct: Vec<u32> = vec![0xc000_0000, 0xc010_0000, 0xc020_3000];
        let mut tasks = 0;
        let mut stale_seen = 0;
        for step in 0..300 {
            let cpu = rng.below(2) as usize;
            let va = if rng.below(3) == 0 {
                *rng.pick(&direct)
            } else {
                *rng.pick(&window)
            };
            let op = match rng.below(12) {
                0 | 1 => Op::SetPte {
                    vaddr: *rng.pick(&window),
                    pfn: 0x800 + rng.below(64),
                    prot: *rng.pick(&[Prot::Kernel, Prot::KernelRo]),
                },
                2 => Op::PteClear {
                    vaddr: *rng.pick(&window),
                },
                3 => Op::Invlpg { cpu, vaddr: va },
                4 => Op::ReloadCr3 { cpu },
                5 => Op::TogglePge { cpu },
                6 => Op::FlushTlbAll,
                7 if tasks < 4 => {
                    tasks += 1;
                    Op::Task {
                        name: format!("t{tasks}"),
                        cpu,
                        kthread: rng.below(3) == 0,
                    }
                }
                8 => Op::Write {
                    cpu,
                    vaddr: va,
                    value: rng.next() as u32,
                },
                _ => Op::Read { cpu, vaddr: va },
            };
            let before = m.probe(cpu, VirtAddr::new(va));
            let out = m.apply(&op);
            let ctx = format!("round {round} step {step} {id} pae={pae}: {op:?} -> {out:?}");
            m.check_invariants()
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            if let (Op::Read { .. } | Op::Write { .. }, ResultKind::Ok) = (&op, out.result) {
                // A vmalloc fault repairs the process's directory first: compare with the
                // tables as they are after it.
                let tables = if out.trace.find("vmalloc_fault").is_some() {
                    m.probe(cpu, VirtAddr::new(va))
                } else {
                    before
                }
                .unwrap()
                .result
                .ok()
                .map(|t| t.phys.as_u64());
                let stale = out.message.contains("STALE");
                if stale {
                    stale_seen += 1;
                    assert_ne!(tables, out.value, "{ctx}: flagged stale but matches");
                } else {
                    assert_eq!(
                        tables, out.value,
                        "{ctx}: an unflagged answer differs from the tables"
                    );
                }
            }
        }
        stale_total += stale_seen;
    }
    // The sequences do make TLBs go stale; the property above is not vacuous.
    assert!(stale_total > 20, "only {stale_total} stale answers");
}

#[test]
fn buddy_invariants_hold_through_random_alloc_and_free() {
    let mut rng = Rng(0xb0dd_0002);
    for id in ProfileId::ALL {
        let mut m = machine(id, 96 * MIB, true, 1);
        let flags = ["GFP_KERNEL", "GFP_HIGHUSER", "GFP_DMA", "GFP_ATOMIC"];
        let mut live: Vec<String> = Vec::new();
        for i in 0..600 {
            let op = if live.is_empty() || rng.below(5) < 3 {
                let name = format!("b{i}");
                let order = if rng.below(4) == 0 {
                    rng.below(11)
                } else {
                    rng.below(3)
                } as u32;
                Op::AllocPages {
                    gfp: Gfp::parse(flags[rng.below(4) as usize]).unwrap(),
                    order,
                    name: Some(name),
                }
            } else {
                let at = rng.below(live.len() as u64) as usize;
                Op::FreePages {
                    page: PageRef::Name(live.swap_remove(at)),
                    order: None,
                }
            };
            let out = m.apply(&op);
            if let (Op::AllocPages { name: Some(n), .. }, ResultKind::Ok) = (&op, out.result) {
                live.push(n.clone());
            }
            if matches!(op, Op::FreePages { .. }) {
                assert_eq!(out.result, ResultKind::Ok, "{id}: {out:?}");
            }
            m.check_invariants()
                .unwrap_or_else(|e| panic!("{id} op {i} {op:?}: {e}"));
        }
        // Free everything: the allocator returns to its boot state, block for block.
        let boot = machine(id, 96 * MIB, true, 1);
        for n in live {
            m.apply(&Op::FreePages {
                page: PageRef::Name(n),
                order: None,
            });
        }
        for (a, b) in m.snapshot().zones.iter().zip(boot.snapshot().zones.iter()) {
            assert_eq!(a.free_blocks, b.free_blocks, "{id}: coalescing is complete");
            assert_eq!(a.free_pages, b.free_pages);
        }
    }
}

#[test]
fn walks_over_random_memory_never_panic() {
    let mut rng = Rng(0x0a1c_0003);
    let layout = highmem_engine::layout::compute(&highmem_engine::layout::LayoutRequest::new(
        ProfileId::V6_1,
        E820Map::qemu_pc(64 * MIB).unwrap(),
    ))
    .unwrap();
    let rules = BuddyRules {
        max_order: 11,
        split_keeps_upper: false,
        merge_likely_to_tail: false,
        boot_lowmem_to_tail: false,
    };
    let mut mem = PhysMem::boot(&layout, rules, vec![]);
    // Fill a few frames with random entries, pointing anywhere (including nowhere).
    for frame in 0..32u64 {
        for i in 0..512 {
            mem.write_u64(PhysAddr::new(frame * 4096 + i * 8), rng.next());
        }
    }
    for _ in 0..20_000 {
        let mode = if rng.below(2) == 0 {
            PagingMode::Pae
        } else {
            PagingMode::NonPae
        };
        let ctx = WalkCtx {
            mode,
            cr3: PhysAddr::new(
                rng.below(40) * 4096
                    + if rng.below(4) == 0 {
                        rng.below(4096)
                    } else {
                        0
                    },
            ),
            pdptes: [rng.next(), rng.next(), rng.next(), rng.next()],
            nxe: rng.below(2) == 0,
            wp: rng.below(2) == 0,
            user: rng.below(2) == 0,
        };
        let access = *rng.pick(&[Access::Read, Access::Write, Access::Execute]);
        let w = walk(&mem, &ctx, VirtAddr::new(rng.next() as u32), access);
        assert!(w.steps.len() <= 3);
        if let Ok(t) = w.result {
            assert!(t.page_size == 4096 || t.page_size == 2 * MIB || t.page_size == 4 * MIB);
        }
    }
}
