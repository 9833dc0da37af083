//! The live machine the chapters from "PAE paging and the TLB" on drive: built from the
//! controls, changed only by ops, and undone by replaying the history from a fresh boot.
//!
//! Nothing here knows about the browser; the reducer in [`crate::state`] holds a [`Lab`] and
//! replaces it on every action, so the views always see one consistent machine.
//!
//! An op the model refuses (`Outcome::refused`: a CPU it does not have, a name nothing was
//! allocated as, a misuse it cannot carry out; the machine is exactly as it was) is shown but
//! kept out of the history, and the machine before it stays in force.
//!
//! The history is a [`Timeline`]: undo moves its position back and keeps the undone ops as
//! a redo list, which a new op drops; jumps, redo and long runs are in [`crate::travel`].

use crate::scenarios::Scenario;
use crate::seq::Seq;
use crate::shared::Shared;
use crate::timeline::{Brief, Timeline};
use crate::travel::Job;
use highmem_engine::machine::{Machine, MachineConfig, Op, Outcome};
use std::rc::Rc;

/// One op as it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    /// The op.
    pub op: Op,
    /// What it did.
    pub outcome: Outcome,
    /// Refused by the model: the machine is unchanged and the op is not in the history.
    pub refused: bool,
    /// For a scenario step, what the reader should notice.
    pub explain: Option<&'static str>,
    /// For a scenario step, its 0-based number in the scenario (a step may run several ops).
    pub step: Option<usize>,
}

/// What the last action ran: one op, a batch, or steps of a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Counts runs, so views can replay their highlight for each one.
    pub seq: u64,
    /// The scenario the steps belong to.
    pub scenario: Option<&'static Scenario>,
    /// The 0-based number, within the scenario, of the first step here.
    pub first_step: usize,
    /// The ops, in order.
    pub steps: Vec<Applied>,
    /// What the run was, when it was not a scenario: "100 random operations (seed 1)".
    pub label: Option<String>,
}

impl Run {
    /// The last op of the run, whose effects the views highlight.
    pub fn last(&self) -> Option<&Applied> {
        self.steps.last()
    }

    /// The last op that the model carried out (not refused), with its outcome.
    pub fn last_done(&self) -> Option<&Applied> {
        self.steps.last().filter(|a| !a.refused)
    }

    /// The scenario steps this run covers, as (first, last) 0-based numbers.
    pub fn step_span(&self) -> Option<(usize, usize)> {
        let first = self.steps.first()?.step?;
        let last = self.steps.last()?.step?;
        Some((first, last))
    }
}

/// A scenario being stepped through.
#[derive(Clone, Debug, PartialEq)]
pub struct Stepping {
    /// Which.
    pub scenario: &'static Scenario,
    /// The 0-based number of the step the next click runs.
    pub next: usize,
}

/// The machine, its history and what happened last.
#[derive(Clone, Debug, PartialEq)]
pub struct Lab {
    /// The machine, or why it does not boot.
    pub machine: Result<Shared<Machine>, String>,
    /// The ops applied since it booted, in order, with the position in force (replaying the
    /// ops before it rebuilds the machine) and the undone ops after it.
    pub timeline: Timeline,
    /// The last run, until the next one (or an undo, or a rebuild).
    pub last: Option<Rc<Run>>,
    /// Something the reader should know about the last change (a rebuild, an undo).
    pub note: Option<String>,
    /// The number of the last run.
    pub seq: u64,
    /// A scenario in step-by-step mode.
    pub stepping: Option<Stepping>,
    /// A long run under way, done in chunks.
    pub job: Option<Job>,
}

/// The next op of a run, as a source of ops hands it out.
pub struct Planned {
    /// The op.
    pub op: Op,
    /// For a scenario step, what to notice.
    pub explain: Option<&'static str>,
    /// For a scenario step, its number.
    pub step: Option<usize>,
}

impl Planned {
    /// An op on its own.
    pub fn op(op: Op) -> Planned {
        Planned {
            op,
            explain: None,
            step: None,
        }
    }
}

fn boot(config: MachineConfig) -> Result<Shared<Machine>, String> {
    Machine::new(config)
        .map(|m| Shared(Rc::new(m)))
        .map_err(|e| e.to_string())
}

/// "3 operations", "1 operation".
pub fn ops_count(n: usize) -> String {
    if n == 1 {
        "1 operation".into()
    } else {
        format!("{n} operations")
    }
}

impl Lab {
    /// A freshly booted machine.
    pub fn boot(config: MachineConfig) -> Lab {
        match boot(config) {
            Ok(m) => Lab {
                timeline: Timeline::new(&m),
                machine: Ok(m),
                ..Lab::without_machine(String::new())
            },
            Err(why) => Lab::without_machine(why),
        }
    }

    /// No machine, for this reason.
    pub fn without_machine(why: String) -> Lab {
        Lab {
            machine: Err(why),
            timeline: Timeline::default(),
            last: None,
            note: None,
            seq: 0,
            stepping: None,
            job: None,
        }
    }

    /// The machine booted again for new settings; the history is dropped and the note says so.
    pub fn rebuilt(&self, config: MachineConfig) -> Lab {
        let mut note = "The machine was booted again with the new settings.".to_string();
        if !self.timeline.ops.is_empty() {
            note.push_str(&format!(
                " The {} you ran were cleared.",
                ops_count(self.timeline.ops.len())
            ));
        }
        Lab {
            note: Some(note),
            seq: self.seq,
            ..Lab::boot(config)
        }
    }

    /// The machine if it booted.
    pub fn machine(&self) -> Option<&Machine> {
        self.machine.as_ref().ok().map(|m| &*m.0)
    }

    /// The ops in force, in order (the undone ones are not among them).
    pub fn history(&self) -> Seq<Op> {
        self.timeline.history()
    }

    /// Runs ops on one copy of the machine, each made by `next` from the machine as the ops
    /// before it left it, until `next` has no more or the model refuses one.
    fn run(
        &self,
        scenario: Option<&'static Scenario>,
        first_step: usize,
        label: Option<String>,
        next: &mut dyn FnMut(&Machine) -> Option<Planned>,
    ) -> Lab {
        let Ok(start) = self.machine.clone() else {
            return self.clone();
        };
        let mut m: Machine = (*start.0).clone();
        let mut timeline = self.timeline.clone();
        let mut changed = false;
        let mut dropped = 0;
        let mut done = Vec::new();
        while let Some(p) = next(&m) {
            let outcome = m.apply(&p.op);
            let refused = outcome.refused;
            if !refused {
                if !changed {
                    dropped = timeline.drop_redo();
                }
                timeline.record(p.op.clone(), Brief::of(&outcome), &m);
                changed = true;
            }
            done.push(Applied {
                op: p.op,
                outcome,
                refused,
                explain: p.explain,
                step: p.step,
            });
            if refused {
                break;
            }
        }
        if done.is_empty() {
            return self.clone();
        }
        let seq = self.seq + 1;
        Lab {
            machine: Ok(if changed { Shared(Rc::new(m)) } else { start }),
            timeline,
            last: Some(Rc::new(Run {
                seq,
                scenario,
                first_step,
                steps: done,
                label,
            })),
            note: (dropped > 0).then(|| crate::travel::dropped_note(dropped)),
            seq,
            stepping: None,
            job: None,
        }
    }

    /// Applies one op.
    pub fn apply(&self, op: Op) -> Lab {
        self.apply_all(vec![op], None)
    }

    /// Applies ops in order, as one run (stopping at a refused one); `label` says what they
    /// are when there are several.
    pub fn apply_all(&self, ops: Vec<Op>, label: Option<String>) -> Lab {
        let mut ops = ops.into_iter();
        self.run(None, 0, label, &mut |_| ops.next().map(Planned::op))
    }

    /// Runs up to `count` ops made by `make` from the machine as it stands (it may stop
    /// early by returning `None`), as one run.
    pub fn generate(
        &self,
        count: usize,
        label: String,
        make: &mut dyn FnMut(&Machine) -> Option<Op>,
    ) -> Lab {
        let mut left = count;
        self.run(None, 0, Some(label), &mut |m| {
            if left == 0 {
                return None;
            }
            left -= 1;
            make(m).map(Planned::op)
        })
    }

    /// Boots the same machine again with no history.
    pub fn reset(&self) -> Lab {
        match self.machine() {
            Some(m) => Lab {
                note: Some("The machine was booted again.".into()),
                seq: self.seq + 1,
                ..Lab::boot(m.config().clone())
            },
            None => self.clone(),
        }
    }

    /// Runs a scenario from a fresh boot: all of it, or its first step (`stepwise`).
    pub fn start_scenario(&self, scenario: &'static Scenario, stepwise: bool) -> Lab {
        let Some(m) = self.machine() else {
            return self.clone();
        };
        let fresh = boot(m.config().clone());
        let Ok(fresh_m) = &fresh else {
            return self.clone();
        };
        if let Err(why) = (scenario.requires)(fresh_m) {
            return Lab {
                note: Some(format!("“{}” {why}.", scenario.title)),
                ..self.clone()
            };
        }
        let cleared = (!self.timeline.ops.is_empty()).then(|| {
            format!(
                "The scenario starts from a fresh boot: the {} you ran before were cleared.",
                ops_count(self.timeline.ops.len())
            )
        });
        let count = if stepwise { 1 } else { scenario.steps.len() };
        let mut lab = Lab {
            timeline: Timeline::new(fresh_m),
            machine: fresh.clone(),
            job: None,
            ..self.clone()
        }
        .steps(scenario, 0, count);
        lab.note = cleared;
        lab
    }

    /// Runs `count` steps of a scenario from step `from` on the current machine. Each op is
    /// made from the machine as the ops before it left it; a step that repeats decides how
    /// many times when it starts.
    fn steps(&self, scenario: &'static Scenario, from: usize, count: usize) -> Lab {
        let end = (from + count).min(scenario.steps.len());
        let (mut i, mut rep, mut times) = (from, 0, None::<usize>);
        let mut next = |m: &Machine| loop {
            if i >= end {
                return None;
            }
            let step = &scenario.steps[i];
            let n = *times.get_or_insert_with(|| step.times(m));
            if rep < n {
                let op = step.op(m, rep);
                rep += 1;
                return Some(Planned {
                    op,
                    explain: Some(step.explain),
                    step: Some(i),
                });
            }
            (i, rep, times) = (i + 1, 0, None);
        };
        let lab = self.run(Some(scenario), from, None, &mut next);
        if lab.seq == self.seq {
            // Nothing ran (no machine, or no step left).
            return lab;
        }
        let refused = lab
            .last
            .as_ref()
            .is_some_and(|r| r.steps.iter().any(|a| a.refused));
        Lab {
            stepping: (!refused && end < scenario.steps.len()).then_some(Stepping {
                scenario,
                next: end,
            }),
            ..lab
        }
    }

    /// The next step of the scenario being stepped through.
    pub fn next_step(&self) -> Lab {
        match &self.stepping {
            Some(s) => self.steps(s.scenario, s.next, 1),
            None => self.clone(),
        }
    }

    /// The rest of the scenario being stepped through, at once.
    pub fn finish_scenario(&self) -> Lab {
        match &self.stepping {
            Some(s) => self.steps(s.scenario, s.next, s.scenario.steps.len()),
            None => self.clone(),
        }
    }

    /// Leaves step-by-step mode; the machine stays as it is.
    pub fn stop_scenario(&self) -> Lab {
        Lab {
            stepping: None,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::{find, SCENARIOS};
    use highmem_engine::addr::VirtAddr;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{Gfp, ResultKind};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn config(profile: ProfileId, pae: bool, cpus: usize) -> MachineConfig {
        MachineConfig {
            pae,
            cpus,
            ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
        }
    }

    fn lab() -> Lab {
        Lab::boot(config(ProfileId::V6_1, true, 2))
    }

    fn ops() -> Vec<Op> {
        vec![
            Op::Read {
                cpu: 0,
                vaddr: 0xc000_1000,
            },
            Op::AllocPages {
                gfp: Gfp::parse("GFP_HIGHUSER").unwrap(),
                order: 2,
                name: Some("blk".into()),
            },
            Op::SetPte {
                vaddr: 0xf800_0000,
                pfn: 0x12345,
                prot: highmem_engine::machine::Prot::Kernel,
            },
            Op::Write {
                cpu: 1,
                vaddr: 0xf800_0000,
                value: 7,
            },
            Op::ReloadCr3 { cpu: 0 },
        ]
    }

    #[test]
    fn undo_equals_replaying_the_history_without_the_last_op() {
        let mut l = lab();
        for op in ops() {
            l = l.apply(op);
        }
        assert_eq!(l.history().len(), 5);
        let undone = l.undo();
        assert_eq!(undone.history().to_vec(), ops()[..4].to_vec());
        let mut replayed = Machine::new(config(ProfileId::V6_1, true, 2)).unwrap();
        for op in &ops()[..4] {
            replayed.apply(op);
        }
        let m = undone.machine().unwrap();
        assert_eq!(m.snapshot(), replayed.snapshot());
        assert_eq!(
            m.read_phys_u32(highmem_engine::addr::PhysAddr::new(0x12345000)),
            7
        );
        assert!(undone.note.as_deref().unwrap().contains("reload_cr3 cpu=0"));
        assert!(undone.last.is_none());
        // Undo all the way down, then once more: nothing happens.
        let mut l = undone;
        while !l.history().is_empty() {
            l = l.undo();
        }
        let again = l.undo();
        assert_eq!(again, l);
    }

    #[test]
    fn a_refused_op_leaves_the_machine_and_history_as_they_were() {
        let l = lab().apply(ops()[0].clone());
        let before = l.machine.clone().unwrap();
        for op in [
            Op::Read {
                cpu: 7,
                vaddr: 0xc000_0000,
            },
            Op::SetPte {
                vaddr: 0x0804_8000,
                pfn: 1,
                prot: highmem_engine::machine::Prot::Kernel,
            },
            Op::AllocPages {
                gfp: Gfp::parse("GFP_DMA").unwrap(),
                order: 11,
                name: None,
            },
        ] {
            let next = l.apply(op);
            let run = next.last.clone().unwrap();
            assert!(run.steps[0].refused, "{:?}", run.steps[0].outcome);
            assert_eq!(run.steps[0].outcome.result, ResultKind::Warn);
            assert!(Rc::ptr_eq(&next.machine.clone().unwrap().0, &before.0));
            assert_eq!(next.history(), l.history());
        }
    }

    #[test]
    fn an_oops_is_kept_in_the_history_and_the_machine_stays_usable() {
        let l = lab().apply(Op::Read {
            cpu: 0,
            vaddr: 0xf800_0000,
        });
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps[0].outcome.result, ResultKind::Oops);
        assert!(!run.steps[0].refused);
        assert_eq!(l.history().len(), 1);
        l.machine().unwrap().check_invariants().unwrap();
        let l = l.apply(ops()[0].clone());
        assert_eq!(
            l.last.clone().unwrap().steps[0].outcome.result,
            ResultKind::Ok
        );
    }

    #[test]
    fn a_machine_that_cannot_boot_says_why() {
        let l = Lab::boot(MachineConfig::new(
            ProfileId::V2_6_32,
            E820Map::qemu_pc(16 << 20).unwrap(),
        ));
        let why = l.machine.clone().unwrap_err();
        assert!(why.starts_with("boot fails"), "{why}");
        assert_eq!(
            l.apply(ops()[0].clone()),
            l,
            "ops do nothing without a machine"
        );
    }

    #[test]
    fn the_stale_tlb_scenario_reads_the_old_frame_then_the_new_one() {
        let s = find("stale-tlb").unwrap();
        let l = lab().start_scenario(s, false);
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps.len(), s.steps.len());
        assert!(run.steps.iter().all(|a| !a.refused));
        let stale = &run.steps[5].outcome;
        assert!(stale.message.contains("STALE"), "{}", stale.message);
        assert!(stale.message.contains("0xaaaaaaaa"), "{}", stale.message);
        let fresh = &run.steps[7].outcome;
        assert!(fresh.message.contains("TLB miss"), "{}", fresh.message);
        assert!(fresh.message.contains("0x00000000"), "{}", fresh.message);
        assert!(l.stepping.is_none());
        assert_eq!(l.history().len(), s.steps.len());
    }

    #[test]
    fn stepping_through_a_scenario_equals_running_it_at_once() {
        let s = find("global-pages").unwrap();
        let at_once = lab().start_scenario(s, false);
        let mut l = lab().start_scenario(s, true);
        assert_eq!(l.stepping.as_ref().unwrap().next, 1);
        let mut seen = 1;
        while l.stepping.is_some() {
            l = l.next_step();
            seen += 1;
            let run = l.last.clone().unwrap();
            assert_eq!(run.first_step, seen - 1);
        }
        assert_eq!(seen, s.steps.len());
        assert_eq!(l.history(), at_once.history());
        assert_eq!(
            l.machine().unwrap().snapshot(),
            at_once.machine().unwrap().snapshot()
        );
        // The reload kept the global entry and dropped the other.
        let run = at_once.last.clone().unwrap();
        assert!(run.steps[5].outcome.message.starts_with("TLB hit"));
        assert!(run.steps[6].outcome.message.starts_with("TLB miss"));
        assert!(run.steps[8].outcome.message.starts_with("TLB miss"));
    }

    /// The ops of one scenario step.
    fn step_ops(run: &Run, step: usize) -> Vec<&Applied> {
        run.steps.iter().filter(|a| a.step == Some(step)).collect()
    }

    fn ran(profile: ProfileId, cpus: usize, ram: u64, id: &str) -> Lab {
        Lab::boot(MachineConfig {
            cpus,
            ..MachineConfig::new(profile, E820Map::qemu_pc(ram).unwrap())
        })
        .start_scenario(find(id).unwrap(), false)
    }

    #[test]
    fn filling_the_window_sleeps_and_a_kunmap_wakes_the_sleeper() {
        for (profile, slots) in [(ProfileId::V6_1, 512u32), (ProfileId::V2_4_22, 512)] {
            let l = ran(profile, 2, 3 << 30, "pkmap-fill-sleep");
            let run = l.last.clone().unwrap();
            let m = l.machine().unwrap();
            let p = m.pkmap().unwrap();
            assert_eq!(p.slots(), slots);
            let fill = step_ops(&run, 1);
            assert_eq!(fill.len(), slots as usize - 1);
            assert!(fill.iter().all(|a| a.outcome.result == ResultKind::Ok));
            assert_eq!(fill[0].outcome.value, Some(u64::from(p.addr(1))));
            assert_eq!(
                step_ops(&run, 2)[0].outcome.value,
                Some(u64::from(p.addr(0)))
            );
            assert_eq!(step_ops(&run, 3)[0].outcome.result, ResultKind::Sleep);
            assert!(step_ops(&run, 5)[0].outcome.message.contains("woke A"));
            let resumed = &step_ops(&run, 6)[0].outcome;
            assert!(
                resumed.message.contains("resumes its kmap()"),
                "{}",
                resumed.message
            );
            assert_eq!(resumed.value, Some(u64::from(p.addr(6))));
            assert!(p.wait.is_empty());
            assert_eq!(p.last_pkmap_nr, 6);
            assert!(p.count.iter().all(|&c| c == 2), "every slot holds one user");
            assert_eq!(l.history().len(), slots as usize + 5);
            m.check_invariants().unwrap();
        }
    }

    #[test]
    fn a_wrap_clears_the_unused_slots_with_one_flush() {
        let l = ran(ProfileId::V2_6_32, 2, 3 << 30, "pkmap-wrap-flush");
        let run = l.last.clone().unwrap();
        assert_eq!(step_ops(&run, 3)[0].outcome.result, ResultKind::Ok);
        let wrap = &step_ops(&run, 4)[0].outcome;
        let flushes = wrap
            .trace
            .functions()
            .iter()
            .filter(|f| **f == "do_flush_tlb_all")
            .count();
        assert_eq!(flushes, 2, "one flush on each CPU");
        assert_eq!(step_ops(&run, 5)[0].outcome.result, ResultKind::Oops);
        let p = l.machine().unwrap().pkmap().unwrap();
        assert_eq!(
            p.count.iter().filter(|&&c| c == 2).count(),
            17,
            "16 kept, 1 new"
        );
    }

    #[test]
    fn a_released_slot_is_not_reused_until_the_wrap() {
        let l = ran(ProfileId::V2_6_24, 1, 2 << 30, "pkmap-count-one");
        let run = l.last.clone().unwrap();
        let p = l.machine().unwrap().pkmap().unwrap();
        assert_eq!(
            run.steps[4].outcome.value,
            Some(u64::from(p.addr(1))),
            "same address again"
        );
        assert!(
            run.steps[4].outcome.trace.find("map_new_virtual").is_none(),
            "no scan"
        );
        assert_eq!(run.steps[6].outcome.value, Some(u64::from(p.addr(2))));
        assert_eq!((p.count[1], p.count[2]), (1, 2));
    }

    #[test]
    fn kmap_in_an_interrupt_depends_on_the_era() {
        let l = ran(ProfileId::V2_4_22, 1, 2 << 30, "kmap-in-interrupt");
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps[2].outcome.result, ResultKind::Bug);
        assert_eq!(run.steps[3].outcome.result, ResultKind::Bug);
        let l = ran(ProfileId::V2_6_24, 1, 2 << 30, "kmap-in-interrupt");
        let run = l.last.clone().unwrap();
        assert_eq!(
            run.steps[2].outcome.result,
            ResultKind::Warn,
            "might_sleep() is silent"
        );
        assert!(run.steps[2].outcome.value.is_some(), "the map went through");
        assert_eq!(run.steps[3].outcome.result, ResultKind::Bug);
        let l = ran(ProfileId::V6_1, 1, 2 << 30, "kmap-in-interrupt");
        let run = l.last.clone().unwrap();
        assert_ne!(
            run.steps[3].outcome.result,
            ResultKind::Bug,
            "6.1's kunmap only might_sleep()s"
        );
    }

    #[test]
    fn an_interrupt_on_km_user0_corrupts_old_kernels_and_bugs_new_ones() {
        let l = ran(ProfileId::V2_6_11, 1, 2 << 30, "atomic-irq-clobber");
        let run = l.last.clone().unwrap();
        assert!(
            run.steps[6].outcome.message.contains("HAZARD"),
            "{}",
            run.steps[6].outcome.message
        );
        let read = &run.steps[10].outcome;
        assert!(
            read.message.contains("CORRUPTED ACCESS") && read.message.contains("0x00002222"),
            "{}",
            read.message
        );
        for profile in [ProfileId::V2_6_24, ProfileId::V2_6_32] {
            let l = ran(profile, 1, 2 << 30, "atomic-irq-clobber");
            let run = l.last.clone().unwrap();
            assert_eq!(run.steps[6].outcome.result, ResultKind::Bug, "{profile}");
            assert_eq!(run.steps[10].outcome.result, ResultKind::Oops, "{profile}");
        }
        for profile in [
            ProfileId::V2_4_22,
            ProfileId::V2_6_11,
            ProfileId::V2_6_24,
            ProfileId::V2_6_32,
        ] {
            let l = ran(profile, 1, 2 << 30, "atomic-irq-own-type");
            let run = l.last.clone().unwrap();
            let read = &run.steps[9].outcome;
            assert!(
                read.message.contains("0x00001111") && !read.message.contains("CORRUPTED"),
                "{profile}: {}",
                read.message
            );
        }
    }

    #[test]
    fn sleeping_with_an_atomic_map_is_scheduling_while_atomic() {
        for profile in [ProfileId::V2_6_11, ProfileId::V2_6_24, ProfileId::V6_1] {
            let l = ran(profile, 1, 2 << 30, "atomic-sleep");
            let run = l.last.clone().unwrap();
            assert_eq!(run.steps[5].outcome.result, ResultKind::Bug, "{profile}");
            assert!(run.steps[5]
                .outcome
                .message
                .contains("scheduling while atomic"));
            assert_eq!(run.steps[7].outcome.result, ResultKind::Ok);
        }
    }

    #[test]
    fn a_low_page_gets_its_direct_address() {
        for profile in ProfileId::ALL {
            let l = ran(profile, 1, 2 << 30, "atomic-lowmem");
            let run = l.last.clone().unwrap();
            let m = l.machine().unwrap();
            let pfn = m.handles()["low"].pfn;
            assert_eq!(
                run.steps[2].outcome.value,
                Some(0xc000_0000 + (pfn << 12)),
                "{profile}"
            );
            assert!(run.steps[2]
                .outcome
                .changes
                .iter()
                .all(|c| !c.cell.starts_with("kmap_pte")));
        }
    }

    #[test]
    fn local_maps_unmapped_out_of_order_leave_a_stale_entry() {
        let l = ran(ProfileId::V6_1, 1, 2 << 30, "local-out-of-order");
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps[6].outcome.result, ResultKind::Warn);
        assert!(run.steps[6].outcome.message.contains("WARNING"));
        assert!(
            run.steps[7].outcome.message.contains("STALE"),
            "{}",
            run.steps[7].outcome.message
        );
        assert_eq!(run.steps[8].outcome.result, ResultKind::Ok);
        assert!(
            !run.steps[9].outcome.message.contains("WARNING"),
            "warned once"
        );
        let l = ran(ProfileId::V6_1, 2, 2 << 30, "local-context-switch");
        let run = l.last.clone().unwrap();
        assert!(
            run.steps[11].outcome.message.contains("0x0000aaaa"),
            "{}",
            run.steps[11].outcome.message
        );
        let m = l.machine().unwrap();
        let b = &m.tasks()[m.task_index("B").unwrap()];
        assert_eq!(b.kmap_ctrl.idx, 1, "B still holds its map, saved");
    }

    #[test]
    fn every_scenario_runs_cleanly_where_it_is_allowed() {
        for profile in ProfileId::ALL {
            for pae in [true, false] {
                for cpus in [1, 2] {
                    let l = Lab::boot(config(profile, pae, cpus));
                    let Some(m) = l.machine() else { continue };
                    for s in &SCENARIOS {
                        let allowed = (s.requires)(m).is_ok();
                        let ran = l.start_scenario(s, false);
                        if !allowed {
                            assert!(ran.note.is_some() && ran.last.is_none());
                            continue;
                        }
                        let run = ran.last.clone().unwrap();
                        assert!(
                            run.steps.iter().all(|a| !a.refused),
                            "{} on {profile} pae={pae}: {:?}",
                            s.id,
                            run.steps.last().map(|a| &a.outcome.message)
                        );
                        ran.machine().unwrap().check_invariants().unwrap();
                    }
                }
            }
        }
        // Without PAE, the old process faults and the vmalloc fault repairs its directory;
        // the new one reads straight away.
        let l = Lab::boot(config(ProfileId::V2_6_24, false, 1))
            .start_scenario(find("pgd-falls-behind").unwrap(), false);
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps[3].outcome.result, ResultKind::Ok);
        assert!(
            run.steps[3].outcome.message.contains("vmalloc fault"),
            "{}",
            run.steps[3].outcome.message
        );
        assert_eq!(run.steps[5].outcome.result, ResultKind::Ok);
        assert!(!run.steps[5].outcome.message.contains("vmalloc fault"));
        let m = l.machine().unwrap();
        assert!(m
            .probe(0, VirtAddr::new(m.layout().vmalloc_start() as u32))
            .is_some());
    }
}
