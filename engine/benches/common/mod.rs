//! What the benchmarks share: the machines they run on and criterion's settings.
//!
//! The benchmarks report figures; none of them asserts anything about time. A check in a
//! benchmark's setup (a `panic!` with a message) only guards its premise, e.g. that the address
//! it walks really is mapped by a 2 MiB page.
#![allow(dead_code)]

use std::time::Duration;

use criterion::Criterion;
use highmem_engine::addr::GIB;
use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig};
use highmem_engine::profile::ProfileId;

/// The configuration of a QEMU `pc` guest with `ram` bytes, one CPU, the profile's defaults.
pub fn config(profile: ProfileId, ram: u64, pae: bool) -> MachineConfig {
    let e820 = E820Map::qemu_pc(ram).unwrap_or_else(|e| panic!("qemu_pc({ram}): {e}"));
    MachineConfig {
        pae,
        ..MachineConfig::new(profile, e820)
    }
}

/// A booted machine.
pub fn machine(profile: ProfileId, ram: u64, pae: bool) -> Machine {
    Machine::new(config(profile, ram, pae))
        .unwrap_or_else(|e| panic!("{profile} ram={ram} pae={pae}: {e}"))
}

/// The machine of record: 64 GiB with PAE.
pub const BIG_RAM: u64 = 64 * GIB;

/// Criterion's settings for these benchmarks: short warm-up and measurement, so that the
/// whole `cargo xtask bench` stays within a few minutes on two cores. No plots.
pub fn criterion() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots()
}
