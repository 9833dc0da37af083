//! Travelling along the history: undo (the undone ops become the redo list), redo, a jump to
//! any position, and long random runs done a chunk at a time so the page keeps answering.
//!
//! A past state is rebuilt the way undo always rebuilt it, by replaying ops on a fresh boot,
//! but from the nearest checkpoint the [`Timeline`](crate::timeline::Timeline) keeps; the op
//! the position lands on is run again with its trace, so the views highlight what it did.
//!
//! A long run applies ops quietly (no trace, no message: [`Machine::apply_quiet`]) and keeps
//! each op's result and value for the log; the last op of the run is traced. The run works on
//! its own copy of the machine and hands it to the views every [`PUBLISH_EVERY`] chunks (and
//! at the end), so the page spends its time on ops rather than on redrawing every view after
//! every chunk. Cancelling between chunks keeps the ops done so far and hands over the machine
//! they made, so the machine and the history always agree once no run is under way.

use crate::lab::{ops_count, Applied, Lab, Run};
use crate::random::Rng;
use crate::shared::Shared;
use crate::timeline::Brief;
use highmem_engine::machine::Machine;
use std::rc::Rc;

/// A long run hands its machine to the views every this many chunks.
pub const PUBLISH_EVERY: usize = 8;

/// The most ops a long run may ask for.
pub const MAX_LONG_RUN: usize = 1_000_000;

/// A long random run under way.
#[derive(Clone, Debug)]
pub struct Job {
    /// Which run (the lab's run number when it started): a chunk for another run is ignored.
    pub id: u64,
    /// Ops asked for.
    pub total: usize,
    /// Ops done so far.
    pub done: usize,
    /// The seed.
    pub seed: u64,
    rng: Rng,
    /// The machine after the ops done so far.
    machine: Shared<Machine>,
    /// Chunks run.
    chunks: usize,
}

impl PartialEq for Job {
    fn eq(&self, other: &Self) -> bool {
        (self.id, self.done, self.total) == (other.id, other.done, other.total)
    }
}

impl Job {
    /// "100,000 operations chosen at random (seed 1)".
    pub fn label(&self) -> String {
        format!(
            "{} chosen at random (seed {})",
            ops_count(self.total),
            self.seed
        )
    }
}

/// How long a chunk of a long run may go on: at most `max` ops and, in the browser, about
/// [`CHUNK_MS`] milliseconds, so the page repaints and answers between chunks.
pub fn chunk_budget(max: usize) -> impl FnMut(usize) -> bool {
    #[cfg(target_arch = "wasm32")]
    let start = js_sys::Date::now();
    move |k| {
        #[cfg(target_arch = "wasm32")]
        if k % 64 == 0 && k > 0 && js_sys::Date::now() - start > CHUNK_MS {
            return false;
        }
        k < max
    }
}

/// A chunk's time budget in the browser.
pub const CHUNK_MS: f64 = 16.0;

/// What the reader is told when a new op drops the redo list.
pub fn dropped_note(n: usize) -> String {
    format!(
        "The {} you had undone {} dropped: a new operation after an undo starts the history \
         afresh from there.",
        ops_count(n),
        if n == 1 { "was" } else { "were" }
    )
}

/// Where a rebuild started, in words.
fn replayed(from: usize, count: usize) -> String {
    if from == 0 {
        format!(
            "the machine was booted again and {} replayed",
            ops_count(count)
        )
    } else {
        format!(
            "the machine was rebuilt from its copy at op {from} and {} replayed",
            ops_count(count)
        )
    }
}

impl Lab {
    /// Whether the history can move (a machine, and no long run under way).
    fn can_travel(&self) -> bool {
        self.machine.is_ok() && self.job.is_none()
    }

    /// Goes to position `to` (0: the boot; n: after the n-th op), keeping every op recorded.
    /// Returns the lab, the op the position lands on run again with its trace, and where the
    /// replay started.
    fn rebuild(&self, to: usize) -> Option<(Lab, Option<Applied>, usize)> {
        let t = &self.timeline;
        let to = to.min(t.ops.len());
        let (mut m, from) = t.machine_at(to.saturating_sub(1))?;
        let mut timeline = t.clone();
        let landed = match to
            .checked_sub(1)
            .and_then(|i| t.ops.get(i).map(|op| (i, op)))
        {
            Some((i, op)) => {
                let outcome = m.apply(op);
                timeline.set_brief(i, Brief::of(&outcome));
                Some(Applied {
                    op: op.clone(),
                    refused: outcome.refused,
                    outcome,
                    explain: None,
                    step: None,
                })
            }
            None => None,
        };
        timeline.pos = to;
        let lab = Lab {
            machine: Ok(Shared(Rc::new(m))),
            timeline,
            last: None,
            note: None,
            seq: self.seq + 1,
            stepping: None,
            job: None,
        };
        Some((lab, landed, from))
    }

    /// Undoes the last op: rebuilds the machine without it (from boot or the nearest
    /// checkpoint) and keeps it at the head of the redo list.
    pub fn undo(&self) -> Lab {
        let t = &self.timeline;
        if !self.can_travel() || t.pos == 0 {
            return self.clone();
        }
        let undone = crate::format::op_text(t.ops.get(t.pos - 1).expect("pos ≤ len"));
        let Some((mut lab, _, from)) = self.rebuild(t.pos - 1) else {
            return self.clone();
        };
        lab.note = Some(format!(
            "Undid “{undone}”: {}. Redo runs it again.",
            replayed(from, t.pos - 1 - from)
        ));
        lab
    }

    /// Runs the first op of the redo list again.
    pub fn redo(&self) -> Lab {
        let t = &self.timeline;
        let (Ok(start), Some(op)) = (&self.machine, t.next_op()) else {
            return self.clone();
        };
        if !self.can_travel() {
            return self.clone();
        }
        let mut m: Machine = (*start.0).clone();
        let outcome = m.apply(op);
        let mut timeline = t.clone();
        timeline.set_brief(t.pos, Brief::of(&outcome));
        timeline.pos += 1;
        let seq = self.seq + 1;
        let note = format!(
            "Redid op {} of {}: “{}”.",
            timeline.pos,
            t.ops.len(),
            crate::format::op_text(op)
        );
        Lab {
            machine: Ok(Shared(Rc::new(m))),
            last: Some(Rc::new(Run {
                seq,
                scenario: None,
                first_step: 0,
                steps: vec![Applied {
                    op: op.clone(),
                    refused: outcome.refused,
                    outcome,
                    explain: None,
                    step: None,
                }],
                label: None,
            })),
            timeline,
            note: Some(note),
            seq,
            stepping: None,
            job: None,
        }
    }

    /// Goes to any position of the history: 0 is the boot, n the state after the n-th op.
    /// Ops after it become the redo list; none is lost.
    pub fn jump(&self, to: usize) -> Lab {
        let t = &self.timeline;
        let to = to.min(t.ops.len());
        if !self.can_travel() || to == t.pos {
            return self.clone();
        }
        if to == t.pos + 1 {
            return self.redo();
        }
        let Some((mut lab, landed, from)) = self.rebuild(to) else {
            return self.clone();
        };
        let count = to - from;
        lab.note = Some(if to == 0 {
            "Went back to the boot: every operation is in the redo list.".to_string()
        } else {
            format!(
                "Went to op {to} of {}: {}.",
                t.ops.len(),
                replayed(from, count)
            )
        });
        lab.last = landed.map(|a| {
            Rc::new(Run {
                seq: lab.seq,
                scenario: None,
                first_step: 0,
                steps: vec![a],
                label: Some(format!("Op {to} of {}, run again", t.ops.len())),
            })
        });
        lab
    }

    /// Starts a long run of `count` random persistent-map ops from `seed` (see
    /// [`crate::random`]); [`Lab::run_chunk`] does the work.
    pub fn start_long_run(&self, count: usize, seed: u64) -> Lab {
        let Some(m) = self.machine() else {
            return self.clone();
        };
        if self.job.is_some() || count == 0 {
            return self.clone();
        }
        if let Err(why) = crate::random::available(m) {
            return Lab {
                note: Some(format!("Random operations {why}.")),
                ..self.clone()
            };
        }
        let Ok(machine) = self.machine.clone() else {
            return self.clone();
        };
        let mut timeline = self.timeline.clone();
        let dropped = timeline.drop_redo();
        let seq = self.seq + 1;
        Lab {
            timeline,
            last: None,
            note: (dropped > 0).then(|| dropped_note(dropped)),
            seq,
            stepping: None,
            job: Some(Job {
                id: seq,
                total: count.min(MAX_LONG_RUN),
                done: 0,
                seed,
                rng: Rng::new(seed),
                machine,
                chunks: 0,
            }),
            ..self.clone()
        }
    }

    /// Runs the next ops of long run `id` while `more(ops done in this chunk)` says so. The
    /// run's last op is traced and becomes the last run; a run whose generator has nothing
    /// left to do ends early.
    pub fn run_chunk(&self, id: u64, more: &mut dyn FnMut(usize) -> bool) -> Lab {
        let Some(job) = &self.job else {
            return self.clone();
        };
        if job.id != id {
            return self.clone();
        }
        let mut job = job.clone();
        let mut m: Machine = (*job.machine.0).clone();
        let mut timeline = self.timeline.clone();
        let mut last = None;
        let mut ended = false;
        let mut k = 0;
        while job.done < job.total && more(k) {
            let Some(op) = crate::random::next_op(&m, &mut job.rng) else {
                ended = true;
                break;
            };
            if job.done + 1 == job.total {
                let outcome = m.apply(&op);
                timeline.record(op.clone(), Brief::of(&outcome), &m);
                last = Some(Applied {
                    op,
                    refused: outcome.refused,
                    outcome,
                    explain: None,
                    step: None,
                });
            } else {
                let (result, value) = m.apply_quiet(&op);
                timeline.record(op, Brief::quiet(result, value), &m);
            }
            job.done += 1;
            k += 1;
        }
        let finished = ended || job.done >= job.total;
        job.chunks += 1;
        if k > 0 {
            job.machine = Shared(Rc::new(m));
        }
        let publish = finished || job.chunks % PUBLISH_EVERY == 0;
        let seq = self.seq + 1;
        let note = finished.then(|| {
            format!(
                "Ran {} of {} chosen at random (seed {}).",
                job.done,
                ops_count(job.total),
                job.seed
            )
        });
        Lab {
            machine: if publish {
                Ok(job.machine.clone())
            } else {
                self.machine.clone()
            },
            timeline,
            last: last.map(|a| {
                Rc::new(Run {
                    seq,
                    scenario: None,
                    first_step: 0,
                    steps: vec![a],
                    label: Some(format!("{}: the last of them", job.label())),
                })
            }),
            note: note.or_else(|| self.note.clone()),
            seq,
            stepping: None,
            job: (!finished).then_some(job),
        }
    }

    /// Stops a long run between chunks: the ops done so far stay, machine and history agree.
    pub fn cancel_job(&self) -> Lab {
        match &self.job {
            Some(job) => Lab {
                machine: Ok(job.machine.clone()),
                job: None,
                note: Some(format!(
                    "Cancelled after {} of {}: the operations done so far are kept.",
                    job.done,
                    ops_count(job.total)
                )),
                seq: self.seq + 1,
                ..self.clone()
            },
            None => self.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, Op};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn config() -> MachineConfig {
        MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V2_6_24, E820Map::qemu_pc(3 << 30).unwrap())
        }
    }

    fn lab() -> Lab {
        Lab::boot(config())
    }

    fn replayed_from_boot(ops: &[Op]) -> Machine {
        let mut m = Machine::new(config()).unwrap();
        for op in ops {
            m.apply(op);
        }
        m
    }

    /// A long run done in chunks of `chunk` ops.
    fn long_run(l: &Lab, count: usize, seed: u64, chunk: usize) -> Lab {
        let mut l = l.start_long_run(count, seed);
        let id = l.job.as_ref().unwrap().id;
        let mut rounds = 0;
        while l.job.is_some() {
            l = l.run_chunk(id, &mut |k| k < chunk);
            rounds += 1;
            assert!(rounds <= count / chunk + 2, "the run makes progress");
        }
        l
    }

    #[test]
    fn undo_keeps_a_redo_list_and_redo_runs_it_again() {
        let l = long_run(&lab(), 40, 1, 100);
        let end = l.machine().unwrap().snapshot();
        let u = l.undo().undo().undo();
        assert_eq!(u.timeline.pos, 37);
        assert_eq!(u.timeline.redo_len(), 3);
        assert_eq!(u.history().len(), 37);
        assert!(u.note.as_deref().unwrap().starts_with("Undid"));
        let r = u.redo().redo().redo();
        assert_eq!(r.timeline.redo_len(), 0);
        assert_eq!(r.machine().unwrap().snapshot(), end);
        assert_eq!(r.redo(), r, "nothing left to redo");
        let run = r.last.clone().unwrap();
        assert_eq!(&run.steps[0].op, l.timeline.ops.get(39).unwrap());
    }

    #[test]
    fn a_new_op_after_undo_drops_the_redo_list_and_says_so() {
        let l = long_run(&lab(), 30, 2, 100).undo().undo();
        let op = Op::Read {
            cpu: 0,
            vaddr: 0xc000_1000,
        };
        let n = l.apply(op.clone());
        assert_eq!(n.timeline.ops.len(), 29);
        assert_eq!(n.timeline.redo_len(), 0);
        assert_eq!(n.timeline.ops.get(28), Some(&op));
        let note = n.note.clone().unwrap();
        assert!(
            note.contains("2 operations you had undone were dropped"),
            "{note}"
        );
        // A refused op changes nothing, so the redo list stays.
        let refused = l.apply(Op::Read {
            cpu: 9,
            vaddr: 0xc000_1000,
        });
        assert_eq!(refused.timeline.redo_len(), 2);
    }

    #[test]
    fn a_jump_equals_the_replay_from_boot_everywhere() {
        let l = long_run(&lab(), 1500, 3, 400);
        let ops = l.timeline.ops.to_vec();
        for to in [0, 1, 2, 255, 256, 700, 1499, 1500, 3, 1200] {
            let j = l.jump(to);
            assert_eq!(j.timeline.pos, to);
            assert_eq!(j.timeline.ops.len(), 1500, "no op is lost");
            let want = replayed_from_boot(&ops[..to]);
            assert_eq!(j.machine().unwrap().snapshot(), want.snapshot(), "at {to}");
            assert_eq!(j.machine().unwrap().metrics(), want.metrics());
            if to > 0 {
                let a = &j.last.clone().unwrap().steps[0];
                assert_eq!(a.op, ops[to - 1]);
                let brief = j.timeline.briefs.get(to - 1).unwrap();
                assert_eq!(brief.message.as_deref(), a.outcome.message.lines().next());
            } else {
                assert!(j.last.is_none());
            }
            // Jumping from there to the end again gives the end state.
            assert_eq!(
                j.jump(1500).machine().unwrap().snapshot(),
                l.machine().unwrap().snapshot()
            );
        }
        let far = l.jump(700).note.unwrap();
        assert!(far.contains("copy at op"), "{far}");
    }

    #[test]
    fn a_chunked_run_equals_a_one_shot_run() {
        let one = long_run(&lab(), 2000, 4, usize::MAX);
        for chunk in [1, 7, 333] {
            let l = long_run(&lab(), 2000, 4, chunk);
            assert_eq!(l.timeline.ops, one.timeline.ops, "chunks of {chunk}");
            assert_eq!(l.timeline.briefs, one.timeline.briefs);
            assert_eq!(l.timeline.samples, one.timeline.samples);
            assert_eq!(
                l.machine().unwrap().snapshot(),
                one.machine().unwrap().snapshot()
            );
        }
        // And the same ops as the traced generator of "Run N random operations".
        let mut rng = Rng::new(4);
        let traced = lab().generate(2000, "x".into(), &mut |m| {
            crate::random::next_op(m, &mut rng)
        });
        assert_eq!(traced.history(), one.history());
        let last = one.last.clone().unwrap();
        assert!(last.label.clone().unwrap().contains("2000 operations"));
        assert_eq!(one.job, None);
    }

    #[test]
    fn cancel_keeps_a_consistent_prefix() {
        let mut l = lab().start_long_run(5000, 5);
        let id = l.job.as_ref().unwrap().id;
        l = l.run_chunk(id, &mut |k| k < 1234);
        l = l.run_chunk(id + 99, &mut |_| true);
        assert_eq!(
            l.job.as_ref().unwrap().done,
            1234,
            "another run's chunk is ignored"
        );
        let c = l.cancel_job();
        assert!(c.job.is_none());
        assert!(c.note.clone().unwrap().contains("1234 of 5000"));
        assert_eq!(c.history().len(), 1234);
        let want = replayed_from_boot(&c.history().to_vec());
        assert_eq!(c.machine().unwrap().snapshot(), want.snapshot());
        want.check_invariants().unwrap();
        // A late chunk of the cancelled run does nothing.
        assert_eq!(c.run_chunk(id, &mut |_| true), c);
        // Travel waits while a run is under way.
        assert_eq!(l.undo(), l);
    }

    #[test]
    fn a_machine_without_a_pkmap_window_says_why() {
        let l = Lab::boot(MachineConfig {
            highmem: false,
            pae: false,
            ..config()
        });
        let l = l.start_long_run(100, 1);
        assert!(l.job.is_none());
        assert!(l.note.unwrap().contains("HIGHMEM"));
    }
}
