//! The live machine the chapters from "PAE paging and the TLB" on drive: built from the
//! controls, changed only by ops, and undone by replaying the history from a fresh boot.
//!
//! Nothing here knows about the browser; the reducer in [`crate::state`] holds a [`Lab`] and
//! replaces it on every action, so the views always see one consistent machine.
//!
//! An op the model refuses (`Outcome::refused`: a CPU it does not have, a name nothing was
//! allocated as, a misuse it cannot carry out; the machine is exactly as it was) is shown but
//! kept out of the history, and the machine before it stays in force.

use crate::scenarios::Scenario;
use crate::shared::Shared;
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
}

/// What the last action ran: one op, or steps of a scenario.
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
}

impl Run {
    /// The last op of the run, whose effects the views highlight.
    pub fn last(&self) -> Option<&Applied> {
        self.steps.last()
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
    /// The ops applied since it booted, in order: replaying them rebuilds it.
    pub history: Vec<Op>,
    /// The last run, until the next one (or an undo, or a rebuild).
    pub last: Option<Rc<Run>>,
    /// Something the reader should know about the last change (a rebuild, an undo).
    pub note: Option<String>,
    /// The number of the last run.
    pub seq: u64,
    /// A scenario in step-by-step mode.
    pub stepping: Option<Stepping>,
}

/// Applies one op, saying whether the model refused it.
fn apply_one(m: &mut Machine, op: &Op) -> (Outcome, bool) {
    let outcome = m.apply(op);
    let refused = outcome.refused;
    (outcome, refused)
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
            history: Vec::new(),
            last: None,
            note: None,
            seq: 0,
            stepping: None,
        }
    }

    /// The machine booted again for new settings; the history is dropped and the note says so.
    pub fn rebuilt(&self, config: MachineConfig) -> Lab {
        let mut note = "The machine was booted again with the new settings.".to_string();
        if !self.history.is_empty() {
            note.push_str(&format!(
                " The {} you ran were cleared.",
                ops_count(self.history.len())
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

    /// Runs ops on a copy of the machine; steps after a refused one do not run.
    fn run(
        &self,
        start: Result<Shared<Machine>, String>,
        mut history: Vec<Op>,
        steps: Vec<(Op, Option<&'static str>)>,
        scenario: Option<&'static Scenario>,
        first_step: usize,
    ) -> Lab {
        let Ok(start) = start else {
            return self.clone();
        };
        let mut m: Machine = (*start.0).clone();
        let mut changed = false;
        let mut done = Vec::new();
        for (op, explain) in steps {
            let (outcome, refused) = apply_one(&mut m, &op);
            if !refused {
                history.push(op.clone());
                changed = true;
            }
            done.push(Applied {
                op,
                outcome,
                refused,
                explain,
            });
            if refused {
                break;
            }
        }
        let seq = self.seq + 1;
        Lab {
            machine: Ok(if changed { Shared(Rc::new(m)) } else { start }),
            history,
            last: Some(Rc::new(Run {
                seq,
                scenario,
                first_step,
                steps: done,
            })),
            note: None,
            seq,
            stepping: None,
        }
    }

    /// Applies one op.
    pub fn apply(&self, op: Op) -> Lab {
        self.run(
            self.machine.clone(),
            self.history.clone(),
            vec![(op, None)],
            None,
            0,
        )
    }

    /// Undoes the last op: boots the same machine again and replays the history without it.
    pub fn undo(&self) -> Lab {
        let (Some(m), Some(undone)) = (self.machine(), self.history.last()) else {
            return self.clone();
        };
        let keep = &self.history[..self.history.len() - 1];
        let Ok(mut fresh) = Machine::new(m.config().clone()) else {
            return self.clone();
        };
        for op in keep {
            fresh.apply(op);
        }
        let note = format!(
            "Undid “{}”: the machine was booted again and the {} before it replayed.",
            crate::format::op_text(undone),
            ops_count(keep.len())
        );
        Lab {
            machine: Ok(Shared(Rc::new(fresh))),
            history: keep.to_vec(),
            last: None,
            note: Some(note),
            seq: self.seq + 1,
            stepping: None,
        }
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
        let cleared = (!self.history.is_empty()).then(|| {
            format!(
                "The scenario starts from a fresh boot: the {} you ran before were cleared.",
                ops_count(self.history.len())
            )
        });
        let count = if stepwise { 1 } else { scenario.steps.len() };
        let mut lab = Lab {
            machine: fresh.clone(),
            history: Vec::new(),
            ..self.clone()
        }
        .steps(scenario, 0, count);
        lab.note = cleared;
        lab
    }

    /// Runs `count` steps of a scenario from step `from` on the current machine.
    fn steps(&self, scenario: &'static Scenario, from: usize, count: usize) -> Lab {
        // Each step's op is made from the machine as the previous steps left it.
        let mut lab = self.clone();
        let mut all: Vec<Applied> = Vec::new();
        for i in from..(from + count).min(scenario.steps.len()) {
            let Some(m) = lab.machine() else { break };
            let step = &scenario.steps[i];
            let op = (step.op)(m);
            lab = lab.run(
                lab.machine.clone(),
                lab.history.clone(),
                vec![(op, Some(step.explain))],
                Some(scenario),
                i,
            );
            let run = lab.last.clone().expect("a run was recorded");
            let refused = run.steps.iter().any(|a| a.refused);
            all.extend(run.steps.iter().cloned());
            if refused {
                break;
            }
        }
        let done = from + all.len();
        let refused = all.iter().any(|a| a.refused);
        let seq = self.seq + 1;
        Lab {
            last: Some(Rc::new(Run {
                seq,
                scenario: Some(scenario),
                first_step: from,
                steps: all,
            })),
            seq,
            stepping: (!refused && done < scenario.steps.len()).then_some(Stepping {
                scenario,
                next: done,
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
        assert_eq!(l.history.len(), 5);
        let undone = l.undo();
        assert_eq!(undone.history, ops()[..4].to_vec());
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
        while !l.history.is_empty() {
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
            assert_eq!(next.history, l.history);
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
        assert_eq!(l.history.len(), 1);
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
        assert_eq!(l.history.len(), s.steps.len());
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
        assert_eq!(l.history, at_once.history);
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
        // Without PAE, the old process faults and the new one reads.
        let l = Lab::boot(config(ProfileId::V2_6_24, false, 1))
            .start_scenario(find("pgd-falls-behind").unwrap(), false);
        let run = l.last.clone().unwrap();
        assert_eq!(run.steps[3].outcome.result, ResultKind::Oops);
        assert_eq!(run.steps[5].outcome.result, ResultKind::Ok);
        let m = l.machine().unwrap();
        assert!(m
            .probe(0, VirtAddr::new(m.layout().vmalloc_start() as u32))
            .is_some());
    }
}
