//! Thousands of random kmap / kunmap / switch / interrupt sequences on every profile, with
//! `check_invariants` after every operation (count ≥ 1 exactly when a page is recorded at the
//! slot's address and the PTE maps it; no page holds two slots; a free slot was flushed since
//! its last use; 2.6's pool plus hash entries equal LAST_PKMAP), and against a reference count
//! of who holds what: `pkmap_count[slot] − 1` is the number of holds on the slot's page.

use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig, Op, PageRef, ResultKind};
use highmem_engine::profile::ProfileId;
use highmem_engine::sched::TaskState;
use std::collections::BTreeMap;

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

#[test]
fn random_kmap_sequences_keep_every_invariant() {
    let mut rng = Rng(0x9e37_0001);
    let mut slept = 0;
    let mut woke_and_resumed = 0;
    let mut flushes = 0;
    for round in 0..12 {
        let id = ProfileId::ALL[round % 5];
        // 1 GiB: 128 MiB of highmem is plenty, and the allocator checks stay quick.
        let pae = round % 3 != 2;
        let mut m = Machine::new(MachineConfig {
            pae,
            cpus: 2,
            ..MachineConfig::new(id, E820Map::qemu_pc(1 << 30).unwrap())
        })
        .unwrap();
        let slots = m.pkmap().unwrap().slots() as u64;
        let names = ["A", "B", "C"];
        for (i, n) in names.iter().enumerate() {
            let cpu = i % 2;
            m.apply(&Op::Task {
                name: n.to_string(),
                cpu,
                kthread: false,
            });
        }
        let base = m.layout().memory.highstart_pfn.as_u64() + 0x20;
        // holds[task][pfn] = maps taken and not yet released.
        let mut holds: BTreeMap<(usize, u64), u32> = BTreeMap::new();
        for step in 0..3000 {
            let t = rng.below(3) as usize;
            let name = names[t].to_string();
            let state = m.tasks()[m.task_index(&name).unwrap()].state.clone();
            let op = match state {
                TaskState::Running { .. } => {
                    let held: Vec<u64> = holds
                        .iter()
                        .filter(|((tt, _), c)| *tt == t && **c > 0)
                        .map(|((_, p), _)| *p)
                        .collect();
                    if !held.is_empty() && rng.below(10) < 3 {
                        let pfn = held[rng.below(held.len() as u64) as usize];
                        Op::Kunmap {
                            task: name.clone(),
                            page: PageRef::Pfn(pfn),
                        }
                    } else {
                        let pfn = base + rng.below(2 * slots);
                        Op::Kmap {
                            task: name.clone(),
                            page: PageRef::Pfn(pfn),
                            nonblock: false,
                        }
                    }
                }
                TaskState::Runnable => Op::Switch {
                    cpu: t % 2,
                    task: name.clone(),
                },
                TaskState::Sleeping { .. } => {
                    // Someone else releases something.
                    let (k, _) = match holds.iter().find(|((tt, _), c)| *tt != t && **c > 0) {
                        Some(x) => (*x.0, *x.1),
                        None => continue,
                    };
                    let other = names[k.0].to_string();
                    let other_state = &m.tasks()[m.task_index(&other).unwrap()].state;
                    if !matches!(other_state, TaskState::Running { .. }) {
                        continue;
                    }
                    Op::Kunmap {
                        task: other,
                        page: PageRef::Pfn(k.1),
                    }
                }
            };
            // The other task on the same CPU must not be current when switching.
            let out = m.apply(&op);
            let ctx = format!(
                "{id} pae={pae} round {round} step {step}: {op:?} -> {:?}: {}",
                out.result, out.message
            );
            m.check_invariants()
                .unwrap_or_else(|e| panic!("{ctx}\n{e}"));
            flushes += out
                .trace
                .functions()
                .iter()
                .filter(|f| **f == "flush_all_zero_pkmaps")
                .count();
            match (&op, out.result) {
                (
                    Op::Kmap {
                        page: PageRef::Pfn(p),
                        ..
                    },
                    ResultKind::Ok,
                ) => {
                    *holds.entry((t, *p)).or_default() += 1;
                }
                (Op::Kmap { .. }, ResultKind::Sleep) => slept += 1,
                (
                    Op::Kunmap {
                        task,
                        page: PageRef::Pfn(p),
                    },
                    ResultKind::Ok,
                ) => {
                    let tt = names.iter().position(|n| n == task).unwrap();
                    let h = holds.get_mut(&(tt, *p)).unwrap();
                    *h -= 1;
                }
                (Op::Switch { .. }, ResultKind::Ok) if out.value.is_some() => {
                    // A woken kmap finished: record its hold.
                    woke_and_resumed += 1;
                    let pfn = out
                        .trace
                        .find("kmap_high")
                        .and_then(|c| c.args.first())
                        .map(|a| a.1.clone())
                        .unwrap();
                    let pfn = u64::from_str_radix(pfn.trim_start_matches("frame 0x"), 16).unwrap();
                    *holds.entry((t, pfn)).or_default() += 1;
                }
                (Op::Kmap { .. } | Op::Kunmap { .. } | Op::Switch { .. }, r) => {
                    assert!(
                        matches!(r, ResultKind::Ok | ResultKind::Sleep | ResultKind::Warn),
                        "{ctx}"
                    );
                }
                _ => {}
            }
            // The reference count: pkmap_count − 1 = holds, for every mapped page.
            let p = m.pkmap().unwrap();
            let mut per_page: BTreeMap<u64, u32> = BTreeMap::new();
            for ((_, pfn), c) in &holds {
                *per_page.entry(*pfn).or_default() += c;
            }
            for (pfn, total) in per_page {
                let slot = p.lookup(pfn).map(|v| p.nr(v) as usize);
                match slot {
                    Some(s) => assert_eq!(p.count[s], total + 1, "{ctx}: frame {pfn:#x}"),
                    None => assert_eq!(total, 0, "{ctx}: frame {pfn:#x} held but unmapped"),
                }
            }
        }
    }
    // The sequences reached the interesting paths.
    assert!(slept > 5, "slept {slept}");
    assert!(woke_and_resumed > 5, "resumed {woke_and_resumed}");
    assert!(flushes > 20, "flushes {flushes}");
}
