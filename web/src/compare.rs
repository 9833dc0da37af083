//! "Compare eras": one scenario on several kernels, side by side.
//!
//! Each kernel boots the reader's machine as the controls describe it (the same RAM map, PAE,
//! HIGHMEM, CPUs and options; its own defaults where the reader left one, such as NR_CPUS),
//! with the options the scenario needs, and runs the whole scenario from a fresh boot. The
//! rows are the scenario's steps, so a step that repeats a different number of times on each
//! kernel (one kmap per pkmap slot) still lines up. A cell differs when its result (ok, sleep,
//! oops, BUG, warning, refused) or its number of ops is not the first kernel's.

use crate::lab::{Applied, Lab};
use crate::scenarios::Scenario;
use crate::state::Inputs;
use highmem_engine::machine::Metrics;
use highmem_engine::profile::ProfileId;

/// One step of the scenario on one kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    /// Its ops, in order (a repeated step runs several).
    pub ops: Vec<Applied>,
}

impl Cell {
    /// The op whose outcome stands for the step: the first refused or failing one, else the
    /// last.
    pub fn decisive(&self) -> Option<&Applied> {
        self.ops
            .iter()
            .find(|a| a.refused || a.outcome.result != highmem_engine::machine::ResultKind::Ok)
            .or(self.ops.last())
    }

    /// What the step came to: the result word of the decisive op, with the op count.
    pub fn key(&self) -> (&'static str, usize) {
        (
            self.decisive()
                .map(|a| crate::components::outcome::badge(a).0)
                .unwrap_or("none"),
            self.ops.len(),
        )
    }
}

/// The scenario on one kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct EraRun {
    /// The kernel.
    pub profile: ProfileId,
    /// The steps, by step number, or why the scenario did not run.
    pub steps: Result<Vec<Cell>, String>,
    /// The machine's figures after the last step.
    pub metrics: Option<Metrics>,
}

/// Runs `scenario` on each kernel of `eras`, from the reader's `inputs`.
pub fn compare(scenario: &'static Scenario, inputs: &Inputs, eras: &[ProfileId]) -> Vec<EraRun> {
    eras.iter()
        .map(|&profile| run_on(scenario, inputs, profile))
        .collect()
}

fn run_on(scenario: &'static Scenario, inputs: &Inputs, profile: ProfileId) -> EraRun {
    let options = scenario
        .options
        .iter()
        .fold(inputs.options, |o, &(opt, on)| o.with(opt, on));
    let inputs = Inputs {
        profile,
        options,
        ..inputs.clone()
    };
    let failed = |why: String| EraRun {
        profile,
        steps: Err(why),
        metrics: None,
    };
    let config = match inputs.machine_config() {
        Ok(c) => c,
        Err(why) => return failed(why),
    };
    let booted = Lab::boot(config);
    if let Err(why) = &booted.machine {
        return failed(format!("does not boot: {why}"));
    }
    let ran = booted.start_scenario(scenario, false);
    let Some(run) = ran.last.clone() else {
        return failed(
            ran.note
                .unwrap_or_else(|| "the scenario did not run".to_string()),
        );
    };
    let mut steps: Vec<Cell> = (0..scenario.steps.len())
        .map(|_| Cell { ops: Vec::new() })
        .collect();
    for a in run.steps.iter().cloned() {
        if let Some(cell) = a.step.and_then(|i| steps.get_mut(i)) {
            cell.ops.push(a);
        }
    }
    EraRun {
        profile,
        steps: Ok(steps),
        metrics: ran.machine().map(|m| m.metrics()),
    }
}

/// Whether `cell` differs from the first kernel's cell for the same step (`None` when the
/// first kernel did not run the scenario, so there is nothing to compare with).
pub fn differs(runs: &[EraRun], step: usize, cell: &Cell) -> Option<bool> {
    let first = runs.first()?.steps.as_ref().ok()?.get(step)?;
    Some(first.key() != cell.key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::find;
    use crate::state::State;

    fn inputs() -> Inputs {
        State::default().inputs.clone()
    }

    #[test]
    fn the_interrupt_clobber_differs_between_2_6_11_and_2_6_24() {
        // An interrupt reuses KM_USER0: in 2.6.11 the corruption is silent, 2.6.24 catches it;
        // 6.1 has no types at all, so the scenario does not apply there.
        let s = find("atomic-irq-clobber").unwrap();
        let runs = compare(
            s,
            &inputs(),
            &[ProfileId::V2_6_11, ProfileId::V2_6_24, ProfileId::V6_1],
        );
        assert_eq!(runs.len(), 3);
        let a = runs[0].steps.as_ref().unwrap();
        let b = runs[1].steps.as_ref().unwrap();
        assert_eq!(a.len(), s.steps.len());
        assert_eq!(b.len(), s.steps.len());
        assert!(
            runs[2].steps.is_err(),
            "6.1 has no km_type: {:?}",
            runs[2].steps
        );
        for (i, c) in b.iter().enumerate() {
            assert_eq!(differs(&runs, i, c), Some(a[i].key() != c.key()));
        }
        let marked: Vec<usize> = (0..b.len())
            .filter(|&i| differs(&runs, i, &b[i]) == Some(true))
            .collect();
        assert!(!marked.is_empty(), "2.6.24 must differ somewhere");
        // Before the interrupt, the two kernels agree.
        assert_eq!(differs(&runs, 0, &b[0]), Some(false));
        // The first kernel agrees with itself everywhere.
        assert!((0..a.len()).all(|i| differs(&runs, i, &a[i]) == Some(false)));
    }

    #[test]
    fn repeated_steps_line_up_whatever_the_slot_count() {
        // Filling every pkmap slot takes LAST_PKMAP − 1 kmaps: 511 with PAE, 1023 without.
        let s = find("pkmap-fill-sleep").unwrap();
        let pae = inputs();
        let runs = compare(s, &pae, &[ProfileId::V2_6_24]);
        let nopae = Inputs {
            pae: false,
            ..pae.clone()
        };
        let runs2 = compare(s, &nopae, &[ProfileId::V2_6_24]);
        let a = runs[0].steps.as_ref().unwrap();
        let b = runs2[0].steps.as_ref().unwrap();
        assert_eq!(a.len(), b.len());
        assert_eq!(a[1].ops.len(), 511);
        assert_eq!(b[1].ops.len(), 1023);
        // The metrics after the run: every slot is taken.
        let m = runs[0].metrics.as_ref().unwrap();
        assert_eq!(m.pkmap_in_use, m.pkmap_slots);
    }

    #[test]
    fn a_machine_that_does_not_boot_says_why() {
        let s = find("pkmap-fill-sleep").unwrap();
        let tiny = Inputs {
            ram: 1 << 20,
            ..inputs()
        };
        let runs = compare(s, &tiny, &[ProfileId::V6_1]);
        assert!(runs[0].steps.as_ref().unwrap_err().len() > 10);
        assert!(runs[0].metrics.is_none());
    }
}
