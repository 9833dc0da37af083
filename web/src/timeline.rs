//! The op history as a line the reader can travel along: every op since boot with how it
//! ended, a position (the ops before it are in force; the ones after it are the redo list),
//! samples of the machine's metrics for the history plots, and checkpoints that make going
//! back cheap.
//!
//! A past state is rebuilt by replaying from boot, as undo always did; the checkpoints
//! (clones of the machine every so many ops) let a jump start from the nearest one instead of
//! from boot, so a jump replays at most one checkpoint interval. Their number is bounded by
//! the machine's size (a 64 GiB machine holds 16 M frame bytes): when there are too many,
//! every other one is dropped and the interval doubles. The metric samples thin out the same
//! way, so a 100,000-op history keeps about [`MAX_SAMPLES`] of them.
//!
//! Nothing here knows about the browser.

use crate::seq::Seq;
use crate::shared::Shared;
use highmem_engine::machine::{Machine, Metrics, Op, Outcome, ResultKind};
use std::rc::Rc;

/// How an op ended, kept compactly for the event log.
#[derive(Clone, Debug, PartialEq)]
pub struct Brief {
    /// How it ended.
    pub result: ResultKind,
    /// Its value, where it has one.
    pub value: Option<u64>,
    /// The first line of the kernel's message; `None` for an op run quietly (in a long run),
    /// whose message the log fetches by replaying it when the reader goes there.
    pub message: Option<Rc<str>>,
}

impl Brief {
    /// From a full outcome.
    pub fn of(o: &Outcome) -> Brief {
        Brief {
            result: o.result,
            value: o.value,
            message: Some(o.message.lines().next().unwrap_or_default().into()),
        }
    }

    /// From a quiet run's result.
    pub fn quiet(result: ResultKind, value: Option<u64>) -> Brief {
        Brief {
            result,
            value,
            message: None,
        }
    }
}

/// The machine's metrics after an op.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// How many ops had run (0: at boot).
    pub at: usize,
    /// What [`Machine::metrics`] said then.
    pub metrics: Metrics,
}

/// Samples kept at most (then every other one goes and the interval doubles).
pub const MAX_SAMPLES: usize = 1024;

/// The first checkpoint interval, in ops.
const FIRST_CHECKPOINT_EVERY: usize = 256;

/// Memory the checkpoints may take, counted as one byte per frame of RAM (what a machine's
/// clone costs at least).
const CHECKPOINT_BUDGET: u64 = 128 << 20;

/// The op history with a position in it.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Timeline {
    /// Every op recorded, those undone included.
    pub ops: Seq<Op>,
    /// How each ended (same length as `ops`).
    pub briefs: Seq<Brief>,
    /// How many ops are in force: `ops[..pos]` is the history, `ops[pos..]` the redo list.
    pub pos: usize,
    /// Metric samples, by `at`, over all of `ops`.
    pub samples: Seq<Sample>,
    sample_every: usize,
    /// (ops run, the machine then), ascending; the first is the boot.
    checkpoints: Vec<(usize, Shared<Machine>)>,
    checkpoint_every: usize,
    max_checkpoints: usize,
}

impl Timeline {
    /// The timeline of a machine just booted.
    pub fn new(boot: &Machine) -> Timeline {
        let frames = (boot.config().e820.usable_bytes() >> 12).max(1);
        let max_checkpoints = (CHECKPOINT_BUDGET / frames).clamp(3, 32) as usize;
        let mut samples = Seq::new();
        samples.push(Sample {
            at: 0,
            metrics: boot.metrics(),
        });
        Timeline {
            ops: Seq::new(),
            briefs: Seq::new(),
            pos: 0,
            samples,
            sample_every: 1,
            checkpoints: vec![(0, Shared(Rc::new(boot.clone())))],
            checkpoint_every: FIRST_CHECKPOINT_EVERY,
            max_checkpoints,
        }
    }

    /// The ops in force.
    pub fn history(&self) -> Seq<Op> {
        self.ops.prefix(self.pos)
    }

    /// How many ops were undone and can be redone.
    pub fn redo_len(&self) -> usize {
        self.ops.len() - self.pos
    }

    /// The op the next redo runs.
    pub fn next_op(&self) -> Option<&Op> {
        self.ops.get(self.pos)
    }

    /// Drops the redo list (a new op starts a new line); returns how many ops it held.
    pub fn drop_redo(&mut self) -> usize {
        let n = self.redo_len();
        if n > 0 {
            self.ops.truncate(self.pos);
            self.briefs.truncate(self.pos);
            let keep = self.samples.iter().take_while(|s| s.at <= self.pos).count();
            self.samples.truncate(keep);
            self.checkpoints.retain(|(at, _)| *at <= self.pos);
        }
        n
    }

    /// Records an op the machine `after` carried out at the position (dropping the redo list
    /// first, so call [`Timeline::drop_redo`] before to learn its length).
    pub fn record(&mut self, op: Op, brief: Brief, after: &Machine) {
        self.drop_redo();
        self.ops.push(op);
        self.briefs.push(brief);
        self.pos += 1;
        self.sample(after);
        if self.pos % self.checkpoint_every == 0 {
            self.checkpoints
                .push((self.pos, Shared(Rc::new(after.clone()))));
            if self.checkpoints.len() > self.max_checkpoints {
                let every = self.checkpoint_every * 2;
                self.checkpoints.retain(|(at, _)| at % every == 0);
                self.checkpoint_every = every;
            }
        }
    }

    fn sample(&mut self, m: &Machine) {
        if self.pos % self.sample_every != 0 {
            return;
        }
        self.samples.push(Sample {
            at: self.pos,
            metrics: m.metrics(),
        });
        if self.samples.len() > MAX_SAMPLES {
            let every = self.sample_every * 2;
            self.samples = self
                .samples
                .iter()
                .filter(|s| s.at % every == 0)
                .copied()
                .collect();
            self.sample_every = every;
        }
    }

    /// Sets the brief of op `i` (a replay found its message).
    pub fn set_brief(&mut self, i: usize, brief: Brief) {
        self.briefs.set(i, brief);
    }

    /// The machine after the first `at` ops (at most all of them), rebuilt from the nearest
    /// checkpoint at or before it; also says from which op it replayed. `None` without a
    /// checkpoint (no machine).
    pub fn machine_at(&self, at: usize) -> Option<(Machine, usize)> {
        let at = at.min(self.ops.len());
        let (from, m) = self.checkpoints.iter().rev().find(|(c, _)| *c <= at)?;
        let mut m: Machine = (*m.0).clone();
        for op in self.ops.range(*from, at - from) {
            m.apply_quiet(op);
        }
        Some((m, *from))
    }

    /// The positions checkpoints are kept at (for tests and the report).
    pub fn checkpoint_positions(&self) -> Vec<usize> {
        self.checkpoints.iter().map(|(at, _)| *at).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn boot() -> Machine {
        Machine::new(MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V2_6_32, E820Map::qemu_pc(3 << 30).unwrap())
        })
        .unwrap()
    }

    /// A timeline of `n` random persistent-map ops, and the machine at its end.
    fn random(n: usize, seed: u64) -> (Timeline, Machine) {
        let mut m = boot();
        let mut t = Timeline::new(&m);
        let mut rng = crate::random::Rng::new(seed);
        for _ in 0..n {
            let op = crate::random::next_op(&m, &mut rng).unwrap();
            let (r, v) = m.apply_quiet(&op);
            t.record(op, Brief::quiet(r, v), &m);
        }
        (t, m)
    }

    #[test]
    fn every_position_rebuilds_to_the_replay_from_boot() {
        let (t, end) = random(3000, 5);
        assert!(t.checkpoint_positions().len() > 3);
        assert_eq!(t.machine_at(3000).unwrap().0.snapshot(), end.snapshot());
        for at in [0, 1, 255, 256, 257, 1000, 2047, 2999] {
            let (m, from) = t.machine_at(at).unwrap();
            assert!(from <= at && at - from < 2 * FIRST_CHECKPOINT_EVERY);
            let mut fresh = boot();
            for op in t.ops.range(0, at) {
                fresh.apply_quiet(op);
            }
            assert_eq!(m.snapshot(), fresh.snapshot(), "at {at}");
            assert_eq!(m.metrics(), fresh.metrics());
        }
    }

    #[test]
    fn checkpoints_and_samples_stay_bounded() {
        let (t, _) = random(20_000, 6);
        assert!(t.checkpoint_positions().len() <= t.max_checkpoints);
        assert!(t.samples.len() <= MAX_SAMPLES && t.samples.len() >= MAX_SAMPLES / 2);
        assert_eq!(t.samples.get(0).unwrap().at, 0);
        assert!(t
            .samples
            .iter()
            .zip(t.samples.iter().skip(1))
            .all(|(a, b)| a.at < b.at));
        // A 64 GiB machine keeps fewer checkpoints than a 3 GiB one.
        let big = Machine::new(MachineConfig::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(64 << 30).unwrap(),
        ))
        .unwrap();
        assert!(Timeline::new(&big).max_checkpoints < t.max_checkpoints);
    }

    #[test]
    fn dropping_the_redo_list_drops_what_belongs_to_it() {
        let (mut t, _) = random(1000, 7);
        t.pos = 300;
        assert_eq!(t.redo_len(), 700);
        assert_eq!(t.history().len(), 300);
        assert_eq!(t.drop_redo(), 700);
        assert_eq!((t.ops.len(), t.briefs.len()), (300, 300));
        assert!(t.samples.iter().all(|s| s.at <= 300));
        assert!(t.checkpoint_positions().iter().all(|&c| c <= 300));
        assert_eq!(t.drop_redo(), 0);
    }

    #[test]
    fn a_brief_can_be_filled_in_later() {
        let (mut t, _) = random(600, 8);
        let b = Brief {
            message: Some("done".into()),
            ..t.briefs.get(300).unwrap().clone()
        };
        t.set_brief(300, b.clone());
        assert_eq!(t.briefs.get(300), Some(&b));
        assert_eq!(t.briefs.len(), 600);
        assert!(t.briefs.get(301).unwrap().message.is_none());
    }
}
