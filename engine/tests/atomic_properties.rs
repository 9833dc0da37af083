//! Random sequences of temporary maps, unmaps, interrupts, context switches and reads on every
//! profile, debug options on and off, with `check_invariants` after every operation (no slot
//! held twice unless the clobbered holder is marked; a held slot's PTE maps the held page;
//! 6.1's stacks agree with their PTEs and pin their tasks), and:
//!
//! - a slot taken from someone who still holds it is always reported (`HAZARD`) or refused
//!   with a BUG;
//! - a read through a map its holder still has, on its own CPU, reaches the held page
//!   (no stale TLB entry survives a switch or an unmap), unless the hazard was reported;
//! - an operation the model refuses leaves the machine exactly as it was.

use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig, Op, PageRef, ResultKind, Who};
use highmem_engine::profile::{ConfigOpt, ProfileId};

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

const TYPES: [&str; 5] = [
    "KM_USER0",
    "KM_USER1",
    "KM_IRQ0",
    "KM_SOFTIRQ0",
    "KM_BOUNCE_READ",
];

#[test]
fn random_temporary_map_sequences_keep_every_invariant() {
    let mut rng = Rng(0x5eed_a70c);
    let (mut hazards, mut bugs, mut reads_checked, mut switches) = (0, 0, 0, 0);
    let mut stale_after_disorder = 0;
    let mut refusals = 0;
    for round in 0..20 {
        let id = ProfileId::ALL[round % 5];
        let debug = round % 3 == 1;
        let p = id.profile();
        let mut config = p.default_config;
        if debug {
            config = config.set(
                if id == ProfileId::V6_1 {
                    ConfigOpt::DebugKmapLocal
                } else {
                    ConfigOpt::DebugHighmem
                },
                true,
            );
        }
        let mut m = Machine::new(MachineConfig {
            cpus: 2,
            config: Some(config),
            ..MachineConfig::new(id, E820Map::qemu_pc(1 << 30).unwrap())
        })
        .unwrap();
        let names = ["A", "B", "C"];
        for (i, n) in names.iter().enumerate() {
            m.apply(&Op::Task {
                name: n.to_string(),
                cpu: i % 2,
                kthread: false,
            });
        }
        let high = m.layout().memory.highstart_pfn.as_u64() + 0x40;
        let local = p.atomic.local.is_some();
        // An out-of-order unmap in 6.1 flushes the wrong address, so the top slot's old
        // translation may live on in the TLB, as it would in the kernel: from then on the
        // round no longer expects reads to be exact.
        let mut out_of_order = false;
        for step in 0..1500 {
            let cpu = rng.below(2) as usize;
            let pfn = if rng.below(5) == 0 {
                0x100 + rng.below(16)
            } else {
                high + rng.below(64)
            };
            let c = &m.cpus()[cpu];
            let op = match rng.below(20) {
                0..=5 if local => {
                    if rng.below(2) == 0 {
                        Op::KmapLocal {
                            who: Who::Cpu(cpu),
                            page: PageRef::Pfn(pfn),
                        }
                    } else {
                        Op::KmapAtomic {
                            who: Who::Cpu(cpu),
                            page: PageRef::Pfn(pfn),
                            km_type: None,
                        }
                    }
                }
                0..=5 => Op::KmapAtomic {
                    who: Who::Cpu(cpu),
                    page: PageRef::Pfn(pfn),
                    km_type: Some(TYPES[rng.below(5) as usize].into()),
                },
                6..=10 if local => {
                    // Mostly the top of the stack; sometimes another held page.
                    let held: Vec<u64> = m
                        .tasks()
                        .iter()
                        .find(|t| Some(m.task_index(&t.name).unwrap()) == c.current)
                        .map(|t| t.kmap_ctrl.given.iter().map(|g| g.0).collect())
                        .unwrap_or_default();
                    let page = (rng.below(4) == 0 && !held.is_empty())
                        .then(|| PageRef::Pfn(held[rng.below(held.len() as u64) as usize]));
                    if rng.below(3) == 0 {
                        Op::KunmapAtomic {
                            who: Who::Cpu(cpu),
                            km_type: None,
                            vaddr: None,
                            page,
                        }
                    } else {
                        Op::KunmapLocal {
                            who: Who::Cpu(cpu),
                            vaddr: None,
                            page,
                        }
                    }
                }
                6..=10 => {
                    let mine: Vec<_> = m.atomic_maps().iter().filter(|a| a.cpu == cpu).collect();
                    match mine.last() {
                        // Usually the innermost map, as correct code does.
                        Some(a) if rng.below(4) != 0 => Op::KunmapAtomic {
                            who: Who::Cpu(cpu),
                            km_type: Some(a.km_type.clone()),
                            vaddr: None,
                            page: Some(PageRef::Pfn(a.pfn)),
                        },
                        _ => Op::KunmapAtomic {
                            who: Who::Cpu(cpu),
                            km_type: Some(TYPES[rng.below(5) as usize].into()),
                            vaddr: None,
                            page: None,
                        },
                    }
                }
                11 => Op::IrqEnter { cpu },
                12 => Op::SoftirqEnter { cpu },
                13 => Op::IrqExit { cpu },
                14 => Op::SoftirqExit { cpu },
                15..=16 => Op::Switch {
                    cpu,
                    task: names[rng.below(3) as usize].into(),
                },
                _ => {
                    // Read through a map this CPU's current context holds.
                    let va = held_addresses(&m, cpu);
                    match va.get(rng.below(va.len().max(1) as u64) as usize) {
                        Some(&(va, _)) => Op::Read { cpu, vaddr: va },
                        None => continue,
                    }
                }
            };
            let clobbered_before = clobbered(&m);
            let expected = match &op {
                Op::Read { vaddr, .. } => held_addresses(&m, cpu)
                    .into_iter()
                    .find(|(v, _)| v == vaddr)
                    .map(|(_, p)| p),
                _ => None,
            };
            let before = m.snapshot();
            let out = m.apply(&op);
            if out.refused {
                refusals += 1;
                assert_eq!(out.result, ResultKind::Warn);
                assert!(
                    m.snapshot() == before,
                    "a refused {op:?} changed the machine"
                );
            }
            let ctx = format!(
                "{id} debug={debug} round {round} step {step}: {op:?} -> {:?}: {}",
                out.result, out.message
            );
            m.check_invariants()
                .unwrap_or_else(|e| panic!("{ctx}\n{e}"));
            if clobbered(&m) > clobbered_before {
                hazards += 1;
                assert!(out.message.contains("HAZARD"), "{ctx}");
            }
            if out.result == ResultKind::Bug {
                bugs += 1;
            }
            if matches!(op, Op::Switch { .. }) && out.result == ResultKind::Ok {
                switches += 1;
            }
            out_of_order |= out.message.contains("out of order");
            if out_of_order && out.message.contains("STALE") {
                stale_after_disorder += 1;
            }
            if let (Op::Read { .. }, Some(pfn), false) = (&op, expected, out_of_order) {
                reads_checked += 1;
                assert_eq!(out.result, ResultKind::Ok, "{ctx}");
                assert_eq!(out.value.map(|v| v >> 12), Some(pfn), "{ctx}");
                assert!(!out.message.contains("STALE"), "{ctx}");
            }
        }
    }
    assert!(hazards > 10, "hazards {hazards}");
    assert!(bugs > 10, "bugs {bugs}");
    assert!(reads_checked > 200, "reads {reads_checked}");
    assert!(stale_after_disorder > 0, "the out-of-order hazard showed");
    assert!(refusals > 50, "refusals {refusals}");
    assert!(switches > 50, "switches {switches}");
}

fn clobbered(m: &Machine) -> usize {
    m.atomic_maps()
        .iter()
        .filter(|a| a.clobbered.is_some())
        .count()
}

/// Addresses the current context on `cpu` holds, with the frame each should reach: typed
/// maps of this CPU nobody clobbered, or the current task's stack entries (6.1), where the
/// address handed out still is the slot's (not after an out-of-order unmap).
fn held_addresses(m: &Machine, cpu: usize) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = m
        .atomic_maps()
        .iter()
        .filter(|a| a.cpu == cpu && a.clobbered.is_none() && a.slot.is_some())
        .map(|a| (a.vaddr, a.pfn))
        .collect();
    if let Some(cur) = m.cpus()[cpu].current {
        let ctrl = &m.tasks()[cur].kmap_ctrl;
        let slots = m.kmap_slots();
        for (i, e) in ctrl.held() {
            let slot = slots
                .iter()
                .find(|s| s.cpu == cpu && s.slot % m.layout().fixmap.km_slots_per_cpu == i)
                .unwrap();
            out.push((slot.vaddr, e.pfn));
        }
    }
    out
}
