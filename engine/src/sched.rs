//! Simulated CPUs and tasks: the current task of each CPU, the context stack (process,
//! softirq, hardirq), the preempt count, CR3 and CR4.PGE, and wait queues.

use crate::addr::PhysAddr;
use crate::highmem::atomic::KmapCtrl;
use crate::mmu::Tlb;
use serde::Serialize;

/// A context a CPU can be running in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Context {
    /// A softirq (bottom half).
    Softirq,
    /// A hardware interrupt handler.
    Hardirq,
}

/// A task's scheduling state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum TaskState {
    /// Current on a CPU.
    Running {
        /// Which CPU.
        cpu: usize,
    },
    /// Ready to run.
    Runnable,
    /// Asleep on a wait queue until woken.
    Sleeping {
        /// The queue's name (`pkmap_map_wait`…).
        queue: String,
    },
}

/// An operation a sleeping task finishes when it runs again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Pending {
    /// `kmap()` of this frame, asleep in `map_new_virtual()`.
    Kmap {
        /// The page's frame.
        pfn: u64,
    },
}

/// A task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Task {
    /// Its name (`comm`).
    pub name: String,
    /// Its pid.
    pub pid: u32,
    /// A kernel thread has no address space of its own and borrows the last one (lazy TLB).
    pub kthread: bool,
    /// The page directory it loads into CR3 (none for a kernel thread).
    pub pgd: Option<PhysAddr>,
    /// The frames `pgd_alloc` took.
    pub pgd_frames: Vec<u64>,
    /// Its state.
    pub state: TaskState,
    /// What it was doing when it went to sleep.
    pub pending: Option<Pending>,
    /// 6.1's `kmap_ctrl`: its stack of local maps.
    pub kmap_ctrl: KmapCtrl,
}

/// A CPU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cpu {
    /// Its number.
    pub id: usize,
    /// The task it runs (an index into the machine's tasks); `None` is the idle task.
    pub current: Option<usize>,
    /// Whose page directory CR3 holds: a task index, or `None` for `swapper_pg_dir`.
    pub active_mm: Option<usize>,
    /// Running a kernel thread on a borrowed address space (`TLBSTATE_LAZY`).
    pub lazy: bool,
    /// CR3.
    pub cr3: PhysAddr,
    /// The PDPTE registers (PAE), loaded from memory at each CR3 write.
    pub pdptes: [u64; 4],
    /// CR4.PGE.
    pub pge: bool,
    /// Interrupt contexts entered above the task, innermost last.
    pub contexts: Vec<Context>,
    /// `preempt_disable()` depth (kmap_atomic adds to it).
    pub preempt_disabled: u32,
    /// The data TLB.
    pub tlb: Tlb,
    /// The idle task's `kmap_ctrl` (6.1): what an interrupt of the idle CPU maps.
    pub idle_kmap: KmapCtrl,
}

impl Cpu {
    /// Softirq nesting.
    pub fn softirq_count(&self) -> u32 {
        self.contexts
            .iter()
            .filter(|c| **c == Context::Softirq)
            .count() as u32
    }

    /// Hardirq nesting.
    pub fn hardirq_count(&self) -> u32 {
        self.contexts
            .iter()
            .filter(|c| **c == Context::Hardirq)
            .count() as u32
    }

    /// `in_interrupt()`: in a hardirq or softirq.
    pub fn in_interrupt(&self) -> bool {
        !self.contexts.is_empty()
    }

    /// `in_atomic()`: in an interrupt or with preemption disabled.
    pub fn in_atomic(&self) -> bool {
        self.in_interrupt() || self.preempt_disabled > 0
    }

    /// The context the CPU is in now, in words.
    pub fn context_name(&self) -> &'static str {
        match self.contexts.last() {
            Some(Context::Hardirq) => "hardirq",
            Some(Context::Softirq) => "softirq",
            None => "process",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_context_stack() {
        let mut c = Cpu {
            id: 0,
            current: None,
            active_mm: None,
            lazy: false,
            cr3: PhysAddr::new(0),
            pdptes: [0; 4],
            pge: true,
            contexts: vec![],
            preempt_disabled: 0,
            tlb: Tlb::new(crate::cpu::CpuModel::Core2.spec().dtlb),
            idle_kmap: KmapCtrl::default(),
        };
        assert!(!c.in_atomic());
        assert_eq!(c.context_name(), "process");
        c.contexts.push(Context::Softirq);
        c.contexts.push(Context::Hardirq);
        assert_eq!((c.softirq_count(), c.hardirq_count()), (1, 1));
        assert_eq!(c.context_name(), "hardirq");
        assert!(c.in_interrupt());
        c.contexts.clear();
        c.preempt_disabled = 1;
        assert!(c.in_atomic() && !c.in_interrupt());
    }
}
