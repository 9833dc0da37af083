//! What the vmalloc scenarios (chapter 5) need from the machine: which machines can run them,
//! the request size that fills the range, how many such requests fit (found by running them
//! on a copy of the machine, so every era's own placement decides), and the ops themselves.

use highmem_engine::machine::{AreaRef, Machine, Op, ResultKind, VmallocFlavor, Who};
use highmem_engine::paging::PagingMode;
use highmem_engine::vmalloc::{Allocator, PAGE};

/// The largest request the filling scenarios make: 4 MiB, 1024 pages, whose pages array
/// (1024 pointers) still fits in one kmalloc'ed page in every era.
const FILL_MAX: u64 = 4 << 20;

/// The most requests a filling step makes (a huge `vmalloc=` range with small requests).
const FILL_CAP: usize = 256;

/// Bytes between `VMALLOC_START` and `VMALLOC_END`.
fn range_bytes(m: &Machine) -> u64 {
    let s = m.vmalloc_space();
    u64::from(s.end - s.start)
}

/// The size of each request that fills the range: 4 MiB, or an eighth of a small range,
/// in whole pages.
pub fn fill_size(m: &Machine) -> u64 {
    (range_bytes(m) / 8).min(FILL_MAX) / u64::from(PAGE) * u64::from(PAGE)
}

/// `vmalloc(size)` by task A, named `as=name`.
pub fn vmalloc(size: u64, name: String) -> Op {
    Op::Vmalloc {
        who: Who::Task("A".into()),
        size,
        flavor: VmallocFlavor::Vmalloc,
        name: Some(name),
        caller: None,
    }
}

/// `vfree()` of a named area, by a task.
pub fn vfree(task: &str, name: &str) -> Op {
    Op::Vfree {
        who: Who::Task(task.into()),
        area: AreaRef::Name(name.into()),
    }
}

/// How many `vmalloc(size)` calls by task A succeed, one after another, on this machine: run
/// on a copy, quietly, until one returns NULL.
pub fn fits(m: &Machine, size: u64) -> usize {
    let mut copy = m.clone();
    let op = Op::Vmalloc {
        who: Who::Task("A".into()),
        size,
        flavor: VmallocFlavor::Vmalloc,
        name: None,
        caller: None,
    };
    (0..FILL_CAP)
        .take_while(|_| {
            let (result, value) = copy.apply_quiet(&op);
            result == ResultKind::Ok && value.is_some_and(|v| v != 0)
        })
        .count()
}

/// The name of the `i`-th filling request (0-based): `v1`, `v2`, …
pub fn fill_name(i: usize) -> String {
    format!("v{}", i + 1)
}

/// Free RAM, in pages, in every zone.
fn free_pages(m: &Machine) -> u64 {
    m.mem().zones().iter().map(|z| z.free_pages).sum()
}

/// Enough free RAM to fill the whole vmalloc range with pages, so that the range runs out
/// before memory does.
pub fn fill_room(m: &Machine) -> Result<(), String> {
    let want = range_bytes(m) / u64::from(PAGE) + 2048;
    let have = free_pages(m);
    if fill_size(m) < u64::from(PAGE) {
        return Err("needs a vmalloc range of at least 8 pages".into());
    }
    if have < want {
        return Err(format!(
            "needs more free RAM than the vmalloc range holds ({want} pages; this machine has \
             {have} free), so that the range runs out before memory does: give it more RAM"
        ));
    }
    Ok(())
}

/// An era that frees lazily: 2.6.32 and 6.1.
pub fn lazy_eras(m: &Machine) -> Result<(), String> {
    match m.vmalloc_space().allocator {
        Allocator::VmapLazy | Allocator::VmapFreeTree => Ok(()),
        Allocator::Vmlist24 | Allocator::Vmlist26 => Err(format!(
            "needs 2.6.32 or 6.1: {} unmaps a freed area and flushes the TLBs at once, so \
             nothing waits for a purge",
            m.profile().name
        )),
    }
}

/// Process page directories that hold copies of the kernel's entries (no PAE), and a kernel
/// that does not copy new entries into them at once (not 6.1).
pub fn fault_room(m: &Machine) -> Result<(), String> {
    if m.kernel_tables().mode != PagingMode::NonPae {
        return Err(
            "needs PAE off: with PAE every process shares the kernel's page directory for \
             the top gigabyte, so nothing can be missing"
                .into(),
        );
    }
    if m.profile().vmalloc.eager_sync {
        return Err(format!(
            "needs a kernel before 6.1: {} copies a new page-directory entry into every \
             process at once (arch_sync_kernel_mappings), so the fault stays a backstop",
            m.profile().name
        ));
    }
    Ok(())
}

/// `VMALLOC_START`, where the first area of a fresh boot goes in every era.
pub fn first_addr(m: &Machine) -> u32 {
    m.vmalloc_space().start
}

/// The address a live area called `name` returned.
pub fn area_addr(m: &Machine, name: &str) -> u32 {
    m.vmalloc_space()
        .areas
        .values()
        .find(|a| a.name.as_deref() == Some(name))
        .map_or(first_addr(m), |a| a.returned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{Applied, Lab};
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn ran(profile: ProfileId, pae: bool, id: &str) -> Lab {
        Lab::boot(MachineConfig {
            pae,
            cpus: 2,
            ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
        })
        .start_scenario(crate::scenarios::find(id).unwrap(), false)
    }

    /// The ops of one step.
    fn step(l: &Lab, n: usize) -> Vec<Applied> {
        let run = l.last.clone().unwrap();
        run.steps
            .iter()
            .filter(|a| a.step == Some(n))
            .cloned()
            .collect()
    }

    #[test]
    fn the_range_runs_out_with_the_eras_message() {
        for profile in ProfileId::ALL {
            let l = ran(profile, true, "vmalloc-until-fails");
            let m = l.machine().unwrap();
            let size = fill_size(m);
            let filled = step(&l, 1);
            assert!(filled.len() >= 7, "{profile}: {} areas", filled.len());
            assert!(filled.iter().all(|a| a.outcome.result == ResultKind::Ok));
            // The areas are the ones named, in address order, each size + a guard page.
            let space = m.vmalloc_space();
            assert_eq!(space.areas.len(), filled.len(), "{profile}");
            for (i, a) in filled.iter().enumerate() {
                let area = space.area(a.outcome.value.unwrap() as u32).unwrap();
                assert_eq!(area.name.as_deref(), Some(fill_name(i).as_str()));
                assert_eq!(u64::from(area.size), size + u64::from(PAGE));
            }
            let last = &step(&l, 2)[0].outcome;
            assert_eq!(last.result, ResultKind::Warn, "{profile}");
            assert_eq!(last.value, Some(0), "{profile}");
            let msg = &last.message;
            match profile {
                ProfileId::V2_4_22 => assert!(msg.contains("2.4 prints nothing"), "{msg}"),
                ProfileId::V6_1 => assert!(msg.contains("vmap allocation for size"), "{msg}"),
                _ => assert!(msg.contains("use vmalloc=<size>"), "{profile}: {msg}"),
            }
            // What is left is smaller than a request with its guard page.
            let largest = m.metrics().vmalloc_largest_free;
            assert!(largest < size + u64::from(PAGE), "{profile}: {largest}");
        }
    }

    #[test]
    fn half_the_range_free_and_still_no_room() {
        for profile in ProfileId::ALL {
            let l = ran(profile, true, "vmalloc-fragment");
            let m = l.machine().unwrap();
            let size = fill_size(m);
            let n = step(&l, 1).len();
            assert_eq!(step(&l, 2).len(), n.div_ceil(2), "{profile}");
            let big = &step(&l, 3)[0].outcome;
            assert_eq!(big.value, Some(0), "{profile}: {}", big.message);
            let again = &step(&l, 4)[0].outcome;
            assert_eq!(again.result, ResultKind::Ok, "{profile}");
            assert_eq!(again.value, Some(u64::from(first_addr(m))), "{profile}");
            // The failure was not for lack of free space: the holes add up to more than
            // the request, but none holds it.
            let before = {
                let mut copy = Lab::boot(m.config().clone());
                let hist = l.history().to_vec();
                copy = copy.apply_all(hist[..hist.len() - 1].to_vec(), None);
                copy.machine().unwrap().metrics()
            };
            let lazy_and_free = before.vmalloc_free + before.vmalloc_lazy;
            assert!(lazy_and_free > 2 * size, "{profile}: {lazy_and_free}");
            assert!(before.vmalloc_holes > 1, "{profile}");
        }
    }

    #[test]
    fn an_older_process_takes_a_vmalloc_fault_and_a_newer_one_does_not() {
        for profile in [
            ProfileId::V2_4_22,
            ProfileId::V2_6_11,
            ProfileId::V2_6_24,
            ProfileId::V2_6_32,
        ] {
            let l = ran(profile, false, "vmalloc-fault");
            let fault = &step(&l, 4)[0].outcome;
            assert_eq!(fault.result, ResultKind::Ok, "{profile}: {}", fault.message);
            assert!(
                fault.message.contains("vmalloc fault"),
                "{profile}: {}",
                fault.message
            );
            assert!(fault.trace.find("vmalloc_fault").is_some());
            for n in [5, 7] {
                let o = &step(&l, n)[0].outcome;
                assert_eq!(o.result, ResultKind::Ok, "{profile} step {n}");
                assert!(!o.message.contains("vmalloc fault"), "{profile} step {n}");
            }
        }
        let m = |profile, pae| {
            Lab::boot(MachineConfig {
                pae,
                ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
            })
        };
        let pae = m(ProfileId::V2_6_24, true);
        assert!(fault_room(pae.machine().unwrap())
            .unwrap_err()
            .contains("PAE off"));
        let six = m(ProfileId::V6_1, false);
        assert!(fault_room(six.machine().unwrap())
            .unwrap_err()
            .contains("arch_sync_kernel_mappings"));
    }

    #[test]
    fn a_lazily_freed_range_still_translates_until_one_purge_flushes_it() {
        for profile in [ProfileId::V2_6_32, ProfileId::V6_1] {
            let l = ran(profile, true, "vmalloc-lazy");
            let start = u64::from(first_addr(l.machine().unwrap()));
            let read = &step(&l, 6)[0].outcome;
            assert_eq!(read.result, ResultKind::Ok, "{profile}");
            assert!(
                read.message.contains("USE AFTER FREE"),
                "{profile}: {}",
                read.message
            );
            let three = &step(&l, 7)[0].outcome;
            assert!(
                three.value.unwrap() > start + 2 * 5 * u64::from(PAGE) - 1,
                "{profile}"
            );
            let purge = &step(&l, 8)[0].outcome;
            let flushes = purge
                .trace
                .functions()
                .iter()
                .filter(|f| **f == "flush_tlb_kernel_range")
                .count();
            assert_eq!(flushes, 1, "{profile}: one flush for both areas");
            assert_eq!(step(&l, 9)[0].outcome.result, ResultKind::Oops, "{profile}");
            let m = l.machine().unwrap();
            assert!(m.vmalloc_space().lazy.is_empty());
        }
        for profile in [ProfileId::V2_4_22, ProfileId::V2_6_11, ProfileId::V2_6_24] {
            let l = ran(profile, true, "vmalloc-lazy");
            assert!(l.last.is_none(), "{profile}");
            assert!(l.note.as_deref().unwrap().contains("at once"), "{profile}");
        }
    }
}
