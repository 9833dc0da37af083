//! What each era's kernel prints when something goes wrong: oopses, "scheduling while
//! atomic", "sleeping function called from invalid context". The format of each is chosen by
//! a profile field; the printk formats were read in each kernel's tree
//! (`arch/*/mm/fault*.c`, `kernel/sched*.c`, `kernel/sched/core.c`).

use crate::mmu::walk::{Access, PageFault};
use serde::Serialize;

/// How a kernel-mode page fault it cannot handle is announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum OopsStyle {
    /// 2.4 and 2.6.11: `Unable to handle kernel paging request at virtual address %08lx`.
    Unable,
    /// 2.6.24: the same prefixed with `BUG: unable to handle kernel`.
    BugVirtualAddress,
    /// 2.6.32: `BUG: unable to handle kernel paging request at %p` (no `0x`).
    BugAtPointer,
    /// 6.1: `BUG: unable to handle page fault for address: %px`, then two `#PF:` lines.
    PageFault,
}

/// How scheduling from atomic context is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SchedBugStyle {
    /// 2.4: `Scheduling in interrupt` and a BUG (there is no preempt count).
    InInterrupt,
    /// 2.6.11: `scheduling while atomic: comm/0xcount/pid`.
    Atomic2611,
    /// 2.6.24 on: `BUG: scheduling while atomic: comm/pid/0xcount`.
    Atomic,
}

/// How `BUG()` is reported on i386.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum BugStyle {
    /// 2.4: `kernel BUG at FILE:LINE!` with the bare file name, then `invalid operand: 0000`.
    Bare,
    /// 2.6.11: a cut-here line, `kernel BUG at PATH:LINE!`, `invalid operand: 0000 [#N]`.
    InvalidOperand,
    /// 2.6.24 and 2.6.32: the same with `invalid opcode: 0000 [#N] SMP`.
    InvalidOpcode,
    /// 6.1: the same with the flags of Debian's build, `PREEMPT SMP`.
    InvalidOpcodePreempt,
}

/// How `might_sleep()` complains (only in kernels built with the debug option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum MightSleepStyle {
    /// 2.6.11: `Debug: sleeping function called from invalid context at …`.
    Debug,
    /// 2.6.24: `BUG: sleeping function … ` + `in_atomic():%d, irqs_disabled():%d`.
    Bug2624,
    /// 2.6.32: + `, pid: %d, name: %s`.
    Bug2632,
    /// 6.1: + `non_block` and a `preempt_count:` line.
    Bug61,
}

/// How `WARN_ON()` reports (the first lines; the stack dump is not modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WarnStyle {
    /// 2.4: no generic `WARN_ON()`.
    None,
    /// 2.6.11: `Badness in FUNC at FILE:LINE` (`include/asm-generic/bug.h`).
    Badness,
    /// 2.6.24: `WARNING: at FILE:LINE FUNC()` from the macro itself.
    At2624,
    /// 2.6.32: a cut-here line, then `WARNING: at FILE:LINE FUNC+off/size()`
    /// (`warn_slowpath_common`, `kernel/panic.c`).
    At2632,
    /// 6.1: a cut-here line, then `WARNING: CPU: N PID: N at FILE:LINE FUNC+off/size`
    /// (`__warn`, `kernel/panic.c`).
    Cpu61,
}

/// The preempt-count layout (`include/linux/hardirq.h`, later `preempt.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PreemptLayout {
    /// Bits of the hardirq count, from bit 16 (12 in 2.6.11/2.6.24, 10 in 2.6.32, 4 in 6.1).
    pub hardirq_bits: u32,
}

/// The era's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Messages {
    /// Oopses.
    pub oops: OopsStyle,
    /// Scheduling while atomic.
    pub sched: SchedBugStyle,
    /// The preempt count, where there is one (not in 2.4).
    pub preempt: Option<PreemptLayout>,
    /// `BUG()`.
    pub bug: BugStyle,
    /// `might_sleep()`, and the debug option that compiles it in (none in 2.4).
    pub might_sleep: Option<(MightSleepStyle, &'static str)>,
    /// `WARN_ON()`.
    pub warn: WarnStyle,
}

impl Messages {
    /// The lines an oops for `fault` at `va` begins with.
    pub fn oops(&self, va: u32, fault: &PageFault, access: Access) -> String {
        let null = va < 4096;
        match self.oops {
            OopsStyle::Unable => format!(
                "Unable to handle kernel {} at virtual address {va:08x}",
                if null {
                    "NULL pointer dereference"
                } else {
                    "paging request"
                }
            ),
            OopsStyle::BugVirtualAddress => format!(
                "BUG: unable to handle kernel {} at virtual address {va:08x}",
                if null {
                    "NULL pointer dereference"
                } else {
                    "paging request"
                }
            ),
            OopsStyle::BugAtPointer => format!(
                "BUG: unable to handle kernel {} at {va:08x}",
                if null {
                    "NULL pointer dereference"
                } else {
                    "paging request"
                }
            ),
            OopsStyle::PageFault => {
                let first = if null {
                    format!("BUG: kernel NULL pointer dereference, address: {va:08x}")
                } else {
                    format!("BUG: unable to handle page fault for address: {va:08x}")
                };
                let what = match access {
                    Access::Execute => "instruction fetch",
                    Access::Write => "write access",
                    Access::Read => "read access",
                };
                let code = fault.error_code;
                let why = if code & 1 == 0 {
                    "not-present page"
                } else if code & 8 != 0 {
                    "reserved bit violation"
                } else {
                    "permissions violation"
                };
                format!(
                    "{first}\n#PF: supervisor {what} in kernel mode\n#PF: error_code({code:#06x}) - {why}"
                )
            }
        }
    }

    /// What `BUG()` at `path:line` prints; `die_counter` is the oops number.
    pub fn bug(&self, path: &str, line: u32, die_counter: u32) -> String {
        let cut = "------------[ cut here ]------------";
        match self.bug {
            BugStyle::Bare => {
                let file = path.rsplit('/').next().unwrap_or(path);
                format!("kernel BUG at {file}:{line}!\ninvalid operand: 0000")
            }
            BugStyle::InvalidOperand => {
                format!("{cut}\nkernel BUG at {path}:{line}!\ninvalid operand: 0000 [#{die_counter}]\nSMP")
            }
            BugStyle::InvalidOpcode => {
                format!("{cut}\nkernel BUG at {path}:{line}!\ninvalid opcode: 0000 [#{die_counter}] SMP")
            }
            BugStyle::InvalidOpcodePreempt => format!(
                "{cut}\nkernel BUG at {path}:{line}!\ninvalid opcode: 0000 [#{die_counter}] PREEMPT SMP"
            ),
        }
    }

    /// How an oops in interrupt context ends: the kernel cannot kill the interrupted task, so
    /// it panics (2.4: `Aiee, killing interrupt handler!`; 2.6 on: `Fatal exception in
    /// interrupt`).
    pub fn panic_in_interrupt(&self) -> &'static str {
        match self.bug {
            BugStyle::Bare => "Kernel panic: Aiee, killing interrupt handler!",
            _ => "Kernel panic - not syncing: Fatal exception in interrupt",
        }
    }

    /// What `might_sleep()` at `site` prints in atomic context, if this kernel was built with
    /// the debug option (`None` in 2.4, which has no such check).
    pub fn might_sleep(
        &self,
        site: &str,
        in_atomic: bool,
        pid: u32,
        comm: &str,
        count: u32,
    ) -> Option<String> {
        let (style, _) = self.might_sleep?;
        let a = u32::from(in_atomic);
        Some(match style {
            MightSleepStyle::Debug => format!(
                "Debug: sleeping function called from invalid context at {site}\nin_atomic():{a}, irqs_disabled():0"
            ),
            MightSleepStyle::Bug2624 => format!(
                "BUG: sleeping function called from invalid context at {site}\nin_atomic():{a}, irqs_disabled():0"
            ),
            MightSleepStyle::Bug2632 => format!(
                "BUG: sleeping function called from invalid context at {site}\nin_atomic(): {a}, irqs_disabled(): 0, pid: {pid}, name: {comm}"
            ),
            MightSleepStyle::Bug61 => format!(
                "BUG: sleeping function called from invalid context at {site}\nin_atomic(): {a}, irqs_disabled(): 0, non_block: 0, pid: {pid}, name: {comm}\npreempt_count: {count:x}, expected: 0"
            ),
        })
    }

    /// What a `WARN_ON()` in `func` at `path:line` prints. `%pS` offsets are not modelled and
    /// are shown as `+0x…/0x…`.
    pub fn warn(&self, path: &str, line: u32, func: &str, cpu: usize, pid: u32) -> String {
        let cut = "------------[ cut here ]------------";
        match self.warn {
            WarnStyle::None | WarnStyle::Badness => format!("Badness in {func} at {path}:{line}"),
            WarnStyle::At2624 => format!("WARNING: at {path}:{line} {func}()"),
            WarnStyle::At2632 => format!("{cut}\nWARNING: at {path}:{line} {func}+0x…/0x…()"),
            WarnStyle::Cpu61 => {
                format!("{cut}\nWARNING: CPU: {cpu} PID: {pid} at {path}:{line} {func}+0x…/0x…")
            }
        }
    }

    /// The preempt count as the kernel would hold it.
    pub fn preempt_count(&self, preempt: u32, softirq: u32, hardirq: u32) -> u32 {
        preempt.min(0xff) | (softirq.min(0xff) << 8) | (hardirq << 16)
    }

    /// The report of a task scheduling in atomic context.
    pub fn scheduling_while_atomic(&self, comm: &str, pid: u32, count: u32) -> String {
        match self.sched {
            SchedBugStyle::InInterrupt => {
                "Scheduling in interrupt\nkernel BUG at sched.c:564!".into()
            }
            SchedBugStyle::Atomic2611 => {
                format!("scheduling while atomic: {comm}/0x{count:08x}/{pid}")
            }
            SchedBugStyle::Atomic => {
                format!("BUG: scheduling while atomic: {comm}/{pid}/0x{count:08x}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mmu::walk::FaultKind;

    #[test]
    fn bug_reports_per_era() {
        let m = |bug| Messages {
            oops: OopsStyle::Unable,
            sched: SchedBugStyle::Atomic,
            preempt: None,
            bug,
            might_sleep: None,
            warn: WarnStyle::None,
        };
        assert_eq!(
            m(BugStyle::Bare).bug("mm/highmem.c", 151, 1),
            "kernel BUG at highmem.c:151!\ninvalid operand: 0000"
        );
        assert!(m(BugStyle::InvalidOpcode)
            .bug("mm/highmem.c", 181, 2)
            .ends_with("kernel BUG at mm/highmem.c:181!\ninvalid opcode: 0000 [#2] SMP"));
        assert_eq!(m(BugStyle::Bare).might_sleep("x", true, 1, "A", 0), None);
    }
    use crate::paging::Level;

    fn fault(code: u32) -> PageFault {
        PageFault {
            kind: FaultKind::NotPresent,
            level: Level::Pte,
            error_code: code,
            reason: String::new(),
        }
    }

    #[test]
    fn oops_lines_per_era() {
        let m = |oops| Messages {
            oops,
            sched: SchedBugStyle::Atomic,
            preempt: None,
            bug: BugStyle::Bare,
            might_sleep: None,
            warn: WarnStyle::None,
        };
        assert_eq!(
            m(OopsStyle::Unable).oops(0xf880_0000, &fault(0), Access::Read),
            "Unable to handle kernel paging request at virtual address f8800000"
        );
        assert_eq!(
            m(OopsStyle::BugAtPointer).oops(0x10, &fault(0), Access::Read),
            "BUG: unable to handle kernel NULL pointer dereference at 00000010"
        );
        assert_eq!(
            m(OopsStyle::PageFault).oops(0xff00_1000, &fault(2), Access::Write),
            "BUG: unable to handle page fault for address: ff001000\n\
             #PF: supervisor write access in kernel mode\n\
             #PF: error_code(0x0002) - not-present page"
        );
    }

    #[test]
    fn warnings_per_era() {
        let m = |warn| Messages {
            oops: OopsStyle::Unable,
            sched: SchedBugStyle::Atomic,
            preempt: None,
            bug: BugStyle::Bare,
            might_sleep: None,
            warn,
        };
        assert_eq!(
            m(WarnStyle::Badness).warn("mm/highmem.c", 10, "f", 0, 1),
            "Badness in f at mm/highmem.c:10"
        );
        assert!(m(WarnStyle::At2632)
            .warn("mm/highmem.c", 444, "debug_kmap_atomic", 0, 1)
            .ends_with("\nWARNING: at mm/highmem.c:444 debug_kmap_atomic+0x…/0x…()"));
        assert!(m(WarnStyle::Cpu61)
            .warn("mm/highmem.c", 609, "kunmap_local_indexed", 1, 101)
            .ends_with(
                "\nWARNING: CPU: 1 PID: 101 at mm/highmem.c:609 kunmap_local_indexed+0x…/0x…"
            ));
    }

    #[test]
    fn scheduling_while_atomic_field_order_changed_in_2_6_24() {
        let m = |sched| Messages {
            oops: OopsStyle::Unable,
            sched,
            preempt: None,
            bug: BugStyle::Bare,
            might_sleep: None,
            warn: WarnStyle::None,
        };
        assert_eq!(
            m(SchedBugStyle::Atomic2611).scheduling_while_atomic("A", 101, 0x10001),
            "scheduling while atomic: A/0x00010001/101"
        );
        assert_eq!(
            m(SchedBugStyle::Atomic).scheduling_while_atomic("A", 101, 0x10001),
            "BUG: scheduling while atomic: A/101/0x00010001"
        );
    }
}
