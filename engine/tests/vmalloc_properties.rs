//! Random vmalloc, vfree, vmap, ioremap, iounmap, purge, context-switch and read sequences on
//! every profile, PAE and not, with `check_invariants` after every operation (areas never
//! overlap and keep their guard page; every page a live vmalloc area maps is allocated in
//! the buddy allocator and mapped at its place), and:
//!
//! - after a free (and, in 2.6.32 and 6.1, after the purge) no TLB holds a translation of the
//!   freed range;
//! - a read through a live area reaches the page mapped there, from any process (through a
//!   vmalloc fault where the era needs one).

use highmem_engine::e820::E820Map;
use highmem_engine::machine::{
    AreaRef, IoCache, Machine, MachineConfig, Op, PageRef, ResultKind, VmallocFlavor, Who,
};
use highmem_engine::profile::ProfileId;
use highmem_engine::vmalloc::Allocator;

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
}

fn tlb_holds(m: &Machine, start: u32, end: u32) -> Option<String> {
    for c in m.cpus() {
        for (_, e) in c.tlb.entries() {
            if e.va >= u64::from(start) && e.va < u64::from(end) {
                return Some(format!("CPU {} caches {:#x}", c.id, e.va));
            }
        }
    }
    None
}

#[test]
fn random_vmalloc_sequences_keep_every_invariant() {
    let mut rng = Rng(0x7a11_0c01);
    let (mut reads, mut faults, mut frees, mut purges, mut failures) = (0, 0, 0, 0, 0);
    for round in 0..15 {
        let id = ProfileId::ALL[round % 5];
        let pae = round % 3 != 1;
        let mut m = Machine::new(MachineConfig {
            pae,
            cpus: 2,
            // A small vmalloc range fills up, so failures and purges happen (2.4 has no
            // vmalloc= and keeps its 128 MiB reserve).
            vmalloc: (id != ProfileId::V2_4_22).then_some(24 << 20),
            ..MachineConfig::new(id, E820Map::qemu_pc(1 << 30).unwrap())
        })
        .unwrap();
        let lazy_era = matches!(
            id.profile().vmalloc.allocator,
            Allocator::VmapLazy | Allocator::VmapFreeTree
        );
        let names = ["A", "B", "C"];
        for (i, n) in names.iter().enumerate() {
            m.apply(&Op::Task {
                name: n.to_string(),
                cpu: i % 2,
                kthread: false,
            });
        }
        let mut pages = Vec::new();
        for i in 0..8 {
            let name = format!("p{i}");
            m.apply(&Op::AllocPages {
                gfp: highmem_engine::machine::Gfp::parse("GFP_HIGHUSER").unwrap(),
                order: 0,
                name: Some(name.clone()),
            });
            pages.push(name);
        }
        let mut serial = 0;
        for step in 0..400 {
            let cpu = rng.below(2) as usize;
            let live: Vec<(String, String)> = m
                .snapshot()
                .vmalloc
                .iter()
                .filter_map(|a| a.name.clone().map(|n| (n, a.kind.clone())))
                .collect();
            let op = match rng.below(14) {
                0..=3 => {
                    serial += 1;
                    let most = if rng.below(6) == 0 { 1100 } else { 24 };
                    let size = (1 + rng.below(most)) * 4096 - rng.below(4000);
                    Op::Vmalloc {
                        who: Who::Cpu(cpu),
                        size,
                        flavor: if rng.below(5) == 0 {
                            VmallocFlavor::Vmalloc32
                        } else {
                            VmallocFlavor::Vmalloc
                        },
                        name: Some(format!("v{serial}")),
                        caller: None,
                    }
                }
                4 => {
                    serial += 1;
                    let n = 1 + rng.below(3) as usize;
                    Op::Vmap {
                        who: Who::Cpu(cpu),
                        pages: (0..n)
                            .map(|_| PageRef::Name(pages[rng.below(8) as usize].clone()))
                            .collect(),
                        name: Some(format!("v{serial}")),
                        caller: None,
                    }
                }
                5 => {
                    serial += 1;
                    Op::Ioremap {
                        who: Who::Cpu(cpu),
                        phys: 0xfe00_0000 + rng.below(64) * 0x1000 + rng.below(2) * 0x10,
                        size: 1 + rng.below(5 * 4096),
                        cache: IoCache::Uncached,
                        name: Some(format!("v{serial}")),
                        caller: None,
                    }
                }
                6..=8 if !live.is_empty() => {
                    let (n, kind) = &live[rng.below(live.len() as u64) as usize];
                    let area = AreaRef::Name(n.clone());
                    match kind.as_str() {
                        "vmalloc" => Op::Vfree {
                            who: Who::Cpu(cpu),
                            area,
                        },
                        "vmap" => Op::Vunmap {
                            who: Who::Cpu(cpu),
                            area,
                        },
                        _ => Op::Iounmap {
                            who: Who::Cpu(cpu),
                            area,
                        },
                    }
                }
                9 if lazy_era => Op::PurgeVmapAreaLazy,
                10 => Op::Switch {
                    cpu,
                    task: names[rng.below(3) as usize].into(),
                },
                _ => {
                    // Read a random page of a live area.
                    let s = m.snapshot();
                    let Some(a) = s
                        .vmalloc
                        .get(rng.below(s.vmalloc.len().max(1) as u64) as usize)
                    else {
                        continue;
                    };
                    let start = u32::from_str_radix(&a.start[2..], 16).unwrap();
                    let mapped = (a.size as u32 - 4096) / 4096;
                    Op::Read {
                        cpu,
                        vaddr: start + (rng.below(u64::from(mapped)) as u32) * 4096 + 8,
                    }
                }
            };
            let before = m.snapshot();
            let expected = match &op {
                Op::Read { vaddr, .. } => before.vmalloc.iter().find_map(|a| {
                    let s = u32::from_str_radix(&a.start[2..], 16).unwrap();
                    let page = ((vaddr - s) / 4096) as usize;
                    (*vaddr >= s && *vaddr < s + a.size as u32 - 4096).then(|| {
                        a.frames
                            .get(page)
                            .map(|f| u64::from_str_radix(&f[2..], 16).unwrap())
                            .unwrap_or_else(|| {
                                u64::from_str_radix(&a.phys.as_ref().unwrap()[2..], 16).unwrap()
                                    / 4096
                                    + page as u64
                            })
                    })
                }),
                _ => None,
            };
            let out = m.apply(&op);
            let ctx = format!(
                "{id} pae={pae} round {round} step {step}: {op:?} -> {:?}: {}",
                out.result, out.message
            );
            m.check_invariants()
                .unwrap_or_else(|e| panic!("{ctx}\n{e}"));
            assert_ne!(out.result, ResultKind::Bug, "{ctx}");
            if out.value == Some(0) {
                failures += 1;
            }
            if let (Op::Read { .. }, Some(frame)) = (&op, expected) {
                reads += 1;
                assert_eq!(out.result, ResultKind::Ok, "{ctx}");
                assert_eq!(out.value.map(|v| v >> 12), Some(frame), "{ctx}");
                if out.trace.find("vmalloc_fault").is_some() {
                    faults += 1;
                }
            }
            // A range freed for good is in no TLB.
            let after = m.snapshot();
            if !lazy_era
                && matches!(
                    op,
                    Op::Vfree { .. } | Op::Vunmap { .. } | Op::Iounmap { .. }
                )
            {
                for a in &before.vmalloc {
                    if !after.vmalloc.iter().any(|b| b.start == a.start) {
                        frees += 1;
                        let s = u32::from_str_radix(&a.start[2..], 16).unwrap();
                        if let Some(e) = tlb_holds(&m, s, s + a.size as u32) {
                            panic!("{ctx}\nfreed but {e}");
                        }
                    }
                }
            }
            if lazy_era {
                for l in &before.vmalloc_lazy {
                    if !after
                        .vmalloc_lazy
                        .iter()
                        .any(|k| k.start <= l.start && l.end <= k.end)
                    {
                        purges += 1;
                        // Purged: the range may have been handed out again by this very op.
                        let reused = after.vmalloc.iter().any(|a| {
                            let s = u32::from_str_radix(&a.start[2..], 16).unwrap();
                            s < l.end && s + a.size as u32 > l.start
                        });
                        if !reused {
                            if let Some(e) = tlb_holds(&m, l.start, l.end) {
                                panic!("{ctx}\npurged {:#x}-{:#x} but {e}", l.start, l.end);
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(reads > 300, "reads {reads}");
    assert!(faults > 5, "faults {faults}");
    assert!(frees > 50, "frees {frees}");
    assert!(purges > 20, "purges {purges}");
    assert!(failures > 10, "failures {failures}");
}
