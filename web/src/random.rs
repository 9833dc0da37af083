//! "Run N random operations" for the persistent-map chapter: `kmap`, `kunmap`, reads through
//! the pkmap window, `kmap_flush_unused` and the task switches that let sleepers finish,
//! chosen by a seeded generator.
//!
//! Each op is chosen from the machine as the ops before it left it, so the same seed on the
//! same machine always gives the same ops, and what goes into the history is the concrete op:
//! undo and export never depend on this file. The choices are kept sensible: a task only
//! releases pages that have a user (so no op is an unbalanced `kunmap`), a `kmap` that would
//! sleep is only chosen while another task still runs to wake it, and sleepers that were
//! woken are switched back in.

use highmem_engine::highmem::Pkmap;
use highmem_engine::machine::{Machine, Op, PageRef};
use highmem_engine::sched::TaskState;

/// SplitMix64: small, fast, and the same everywhere (no platform randomness).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    fn pick<T: Copy>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.below(v.len())])
    }
}

/// The most tasks the generator forks.
const MAX_TASKS: usize = 3;

/// The frames random `kmap`s choose from: the first frames of high memory, a quarter more of
/// them than there are pkmap slots, so that the scan wraps now and then and a full window
/// makes a task sleep. `(first, count)`.
pub fn page_pool(m: &Machine) -> Option<(u64, u64)> {
    let p = m.pkmap()?;
    let mem = &m.layout().memory;
    let first = mem.highstart_pfn.as_u64();
    let high = mem.highend_pfn.as_u64().saturating_sub(first);
    let want = u64::from(p.slots()) * 5 / 4;
    let n = want.min(high);
    (n > 0).then_some((first, n))
}

/// Whether random ops can run on this machine, or why not.
pub fn available(m: &Machine) -> Result<(), String> {
    if m.pkmap().is_none() {
        return Err("needs HIGHMEM: without it there is no pkmap window".into());
    }
    if page_pool(m).is_none() {
        return Err("needs high memory: give the machine more than 896 MiB of RAM".into());
    }
    Ok(())
}

/// The first of A, B, … that names no task yet.
fn next_name(m: &Machine) -> String {
    ('A'..='Z')
        .map(String::from)
        .find(|n| m.task_index(n).is_none())
        .unwrap_or_else(|| format!("T{}", m.tasks().len()))
}

/// Slots in use (count ≥ 2) with the page each maps.
fn in_use(p: &Pkmap) -> Vec<(u32, u64)> {
    let pages = p.slot_pages();
    (0..p.slots())
        .filter(|&nr| p.count[nr as usize] >= 2)
        .filter_map(|nr| pages[nr as usize].map(|pfn| (nr, pfn)))
        .collect()
}

/// The next op, or `None` when there is no pkmap window.
pub fn next_op(m: &Machine, rng: &mut Rng) -> Option<Op> {
    let p = m.pkmap()?;
    let (first, pages) = page_pool(m)?;
    let tasks = m.tasks();
    // CPUs where a task may be switched in or forked: not inside an interrupt or an atomic
    // section the reader left open.
    let free_cpus: Vec<usize> = m
        .cpus()
        .iter()
        .filter(|c| !c.in_atomic())
        .map(|c| c.id)
        .collect();
    let idle: Vec<usize> = free_cpus
        .iter()
        .copied()
        .filter(|&c| m.cpus()[c].current.is_none())
        .collect();
    let running: Vec<usize> = (0..tasks.len())
        .filter(|&i| matches!(tasks[i].state, TaskState::Running { .. }))
        .collect();
    let runnable: Vec<usize> = (0..tasks.len())
        .filter(|&i| tasks[i].state == TaskState::Runnable)
        .collect();
    let woken: Vec<usize> = runnable
        .iter()
        .copied()
        .filter(|&i| tasks[i].pending.is_some())
        .collect();
    let switch_in = |rng: &mut Rng, t: usize| {
        let cpu = rng.pick(&idle).or_else(|| rng.pick(&free_cpus))?;
        Some(Op::Switch {
            cpu,
            task: tasks[t].name.clone(),
        })
    };
    let fork = |cpu: usize| Op::Task {
        name: next_name(m),
        cpu,
        kthread: false,
    };

    if running.is_empty() {
        // Nobody runs: bring a task back, or fork one.
        if let Some(op) = rng.pick(&runnable).and_then(|t| switch_in(rng, t)) {
            return Some(op);
        }
        let cpu = rng.pick(&idle).or_else(|| rng.pick(&free_cpus))?;
        return Some(fork(cpu));
    }
    if !woken.is_empty() && rng.below(2) == 0 {
        if let Some(op) = rng.pick(&woken).and_then(|t| switch_in(rng, t)) {
            return Some(op);
        }
    }
    if tasks.len() < MAX_TASKS && !idle.is_empty() && rng.below(8) == 0 {
        return rng.pick(&idle).map(fork);
    }

    let task = tasks[rng.pick(&running)?].name.clone();
    let used = in_use(p);
    let kunmap = |rng: &mut Rng| {
        rng.pick(&used).map(|(_, pfn)| Op::Kunmap {
            task: task.clone(),
            page: PageRef::Pfn(pfn),
        })
    };
    let kmap = |rng: &mut Rng| {
        let mut pfn = first + rng.below(pages as usize) as u64;
        // Mostly a page without a slot (the next one up from a random start), so that the
        // scan keeps moving; now and then any page, which may already have one.
        if rng.below(3) != 0 {
            if let Some(free) = (0..pages)
                .map(|k| first + (pfn - first + k) % pages)
                .find(|&q| p.lookup(q).is_none())
            {
                pfn = free;
            }
        }
        // Mapping a page that has no slot when no slot is free or reusable sleeps: only
        // while another task runs, so that someone can release a page and wake it.
        let would_sleep = p.lookup(pfn).is_none() && p.count.iter().all(|&c| c >= 2);
        if would_sleep && running.len() < 2 {
            return kunmap(rng);
        }
        Some(Op::Kmap {
            task: task.clone(),
            page: PageRef::Pfn(pfn),
            nonblock: false,
        })
    };
    match rng.below(12) {
        0..=5 => kmap(rng),
        6..=9 => kunmap(rng).or_else(|| kmap(rng)),
        10 => {
            let mapped: Vec<u32> = (0..p.slots())
                .filter(|&nr| p.count[nr as usize] >= 1)
                .collect();
            match rng.pick(&mapped) {
                Some(nr) => Some(Op::Read {
                    cpu: rng.below(m.cpus().len()),
                    vaddr: p.addr(nr),
                }),
                None => kmap(rng),
            }
        }
        _ if m.profile().pkmap.flush_unused_event => Some(Op::KmapFlushUnused),
        _ => kmap(rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, ResultKind};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn lab(profile: ProfileId, pae: bool, cpus: usize, ram: u64) -> Lab {
        Lab::boot(MachineConfig {
            pae,
            cpus,
            ..MachineConfig::new(profile, E820Map::qemu_pc(ram).unwrap())
        })
    }

    fn run(l: &Lab, count: usize, seed: u64) -> Lab {
        let mut rng = Rng::new(seed);
        l.generate(count, "random".into(), &mut |m| next_op(m, &mut rng))
    }

    #[test]
    fn the_generator_is_deterministic_and_seeds_differ() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        assert_eq!(xs, (0..8).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(xs[0], Rng::new(8).next_u64());
        assert_eq!(Rng::new(1).below(0), 0);
        let l = lab(ProfileId::V2_6_24, true, 2, 2 << 30);
        let one = run(&l, 150, 42);
        let two = run(&l, 150, 42);
        assert_eq!(one.history(), two.history());
        assert_eq!(
            one.machine().unwrap().snapshot(),
            two.machine().unwrap().snapshot()
        );
        assert_ne!(one.history(), run(&l, 150, 43).history());
    }

    /// Long random runs on every era stay balanced: nothing is refused, nothing BUGs, the
    /// invariants hold, and the window fills, wraps and makes tasks sleep along the way.
    #[test]
    fn random_runs_are_balanced_on_every_era() {
        for profile in ProfileId::ALL {
            for (pae, cpus, count) in [(true, 2, 1500), (false, 1, 3000)] {
                let l = lab(profile, pae, cpus, 3 << 30);
                let l = run(&l, count, 3);
                let r = l.last.clone().unwrap();
                assert_eq!(r.steps.len(), count, "{profile} pae={pae}");
                for a in &r.steps {
                    assert!(!a.refused, "{profile}: {:?}", a.outcome.message);
                    assert!(
                        matches!(a.outcome.result, ResultKind::Ok | ResultKind::Sleep),
                        "{profile} pae={pae}: {} → {}",
                        crate::format::op_text(&a.op),
                        a.outcome.message
                    );
                }
                let m = l.machine().unwrap();
                m.check_invariants().unwrap();
                assert_eq!(l.history().len(), count);
                let wrapped = r
                    .steps
                    .iter()
                    .any(|a| a.outcome.trace.find("flush_all_zero_pkmaps").is_some());
                assert!(wrapped, "{profile} pae={pae}: the scan never wrapped");
            }
        }
    }

    #[test]
    fn without_a_pkmap_window_there_is_nothing_to_do() {
        let l = lab(ProfileId::V2_6_32, true, 1, 2 << 30);
        let m = l.machine().unwrap();
        assert!(available(m).is_ok());
        let no_high = Lab::boot(MachineConfig {
            pae: false,
            highmem: false,
            ..MachineConfig::new(ProfileId::V2_6_32, E820Map::qemu_pc(2 << 30).unwrap())
        });
        let m = no_high.machine().unwrap();
        assert!(available(m).unwrap_err().contains("HIGHMEM"));
        assert_eq!(next_op(m, &mut Rng::new(1)), None);
        assert_eq!(run(&no_high, 10, 1), no_high, "nothing runs");
        let small = lab(ProfileId::V6_1, true, 1, 512 << 20);
        assert!(available(small.machine().unwrap()).is_err());
    }
}
