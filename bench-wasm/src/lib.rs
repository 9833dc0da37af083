//! The kmap benchmark loop, shared by the native run (`src/main.rs`) and the wasm module that
//! `tests/bench/kmap-wasm.mjs` times under Node: `kmap` + `kunmap` pairs on a 64 GiB PAE
//! machine (6.1), through `Machine::apply_quiet`.
//!
//! The wasm module has no imports and exports two functions: `setup(span)` boots the machine
//! and builds the pairs (`span` = 1: one page again and again; larger: that many pages, so
//! every kmap takes a new slot and the scan wraps and flushes), and `run(n)` runs `n` pairs and
//! returns how many succeeded. The caller times `run`.

use std::cell::RefCell;

use highmem_engine::e820::E820Map;
use highmem_engine::machine::{Machine, MachineConfig, Op, PageRef, ResultKind};
use highmem_engine::profile::ProfileId;

/// A machine with one task and the pairs to run.
pub struct Bench {
    machine: Machine,
    pairs: Vec<[Op; 2]>,
    next: usize,
}

impl Bench {
    /// Boots 64 GiB with PAE and builds `span` kmap/kunmap pairs on consecutive highmem pages.
    pub fn new(span: u32) -> Bench {
        let e820 = E820Map::qemu_pc(64 << 30).expect("a 64 GiB map");
        let mut machine = Machine::new(MachineConfig {
            pae: true,
            ..MachineConfig::new(ProfileId::V6_1, e820)
        })
        .expect("the machine boots");
        let (r, _) = machine.apply_quiet(&Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        });
        assert_eq!(r, ResultKind::Ok);
        let first = machine.layout().memory.highstart_pfn.as_u64() + 0x100;
        let pairs = (0..u64::from(span.max(1)))
            .map(|i| {
                let page = PageRef::Pfn(first + i);
                [
                    Op::Kmap {
                        task: "A".into(),
                        page: page.clone(),
                        nonblock: false,
                    },
                    Op::Kunmap {
                        task: "A".into(),
                        page,
                    },
                ]
            })
            .collect();
        Bench {
            machine,
            pairs,
            next: 0,
        }
    }

    /// Runs `n` pairs; returns how many kmaps succeeded.
    pub fn run(&mut self, n: u32) -> u32 {
        let mut ok = 0;
        for _ in 0..n {
            let [k, u] = &self.pairs[self.next % self.pairs.len()];
            self.next += 1;
            if self.machine.apply_quiet(k).0 == ResultKind::Ok {
                ok += 1;
            }
            self.machine.apply_quiet(u);
        }
        ok
    }
}

thread_local! {
    static BENCH: RefCell<Option<Bench>> = const { RefCell::new(None) };
}

/// Boots the machine for `run` (exported to wasm).
#[no_mangle]
pub extern "C" fn setup(span: u32) {
    BENCH.with(|b| *b.borrow_mut() = Some(Bench::new(span)));
}

/// Runs `n` pairs on the machine `setup` made; returns the successes (0 without `setup`).
#[no_mangle]
pub extern "C" fn run(n: u32) -> u32 {
    BENCH.with(|b| b.borrow_mut().as_mut().map_or(0, |b| b.run(n)))
}
