//! The "try it" scenarios: short op lists that show one hardware or kernel behaviour each.
//!
//! A step's op is made from the machine as it stands when the step runs, so a scenario can
//! use the layout's addresses (`VMALLOC_START`) and the frames earlier steps allocated (by
//! name). What goes into the history is the concrete op, so undo and replay never depend on
//! this file.

use crate::state::MachineOption;
use highmem_engine::layout::PAGE_OFFSET;
use highmem_engine::machine::{Gfp, Machine, Op, PageRef, Prot, Who};
use highmem_engine::paging::PagingMode;

mod vmalloc;

/// How a step makes its op.
pub enum Make {
    /// One op, made from the machine as it stands.
    One(fn(&Machine) -> Op),
    /// The same kind of op several times: how many is decided when the step starts; each
    /// op is made from the machine as the one before it left it, with its 0-based number.
    Repeat {
        /// How many.
        times: fn(&Machine) -> usize,
        /// The n-th op.
        op: fn(&Machine, usize) -> Op,
    },
}

/// One step: its op (or ops), and what the reader should notice.
pub struct Step {
    /// Makes the op.
    pub make: Make,
    /// What happens, in a sentence.
    pub explain: &'static str,
}

impl Step {
    /// A step of one op.
    pub const fn one(op: fn(&Machine) -> Op, explain: &'static str) -> Step {
        Step {
            make: Make::One(op),
            explain,
        }
    }

    /// A step that repeats an op (`kmap` of 511 pages, as a script's `count=511` does).
    pub const fn repeat(
        times: fn(&Machine) -> usize,
        op: fn(&Machine, usize) -> Op,
        explain: &'static str,
    ) -> Step {
        Step {
            make: Make::Repeat { times, op },
            explain,
        }
    }

    /// How many ops the step runs on this machine.
    pub fn times(&self, m: &Machine) -> usize {
        match self.make {
            Make::One(_) => 1,
            Make::Repeat { times, .. } => times(m),
        }
    }

    /// The `n`-th op of the step.
    pub fn op(&self, m: &Machine, n: usize) -> Op {
        match self.make {
            Make::One(op) => op(m),
            Make::Repeat { op, .. } => op(m, n),
        }
    }

    /// The step as the stepper announces it: its op, or its first op and how many.
    pub fn preview(&self, m: &Machine) -> String {
        let first = crate::format::op_text(&self.op(m, 0));
        match self.times(m) {
            1 => first,
            n => format!("{first} … ({n} operations)"),
        }
    }
}

/// A scenario.
pub struct Scenario {
    /// Its stable name, used by `try:` links in the chapters.
    pub id: &'static str,
    /// The chapter whose lab lists it, by route name (`paging`, `pkmap`, `atomic`, `vmalloc`).
    pub chapter: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it shows, in a sentence or two.
    pub summary: &'static str,
    /// Whether the machine can run it, or why not.
    pub requires: fn(&Machine) -> Result<(), String>,
    /// Machine options it needs (a bug mode, a debug option): running it sets them, which
    /// boots the machine again.
    pub options: &'static [(MachineOption, bool)],
    /// The steps.
    pub steps: &'static [Step],
}

impl PartialEq for Scenario {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scenario({})", self.id)
    }
}

/// Every scenario, in the order the lab lists them.
pub static SCENARIOS: [Scenario; 19] = [
    Scenario {
        id: "stale-tlb",
        chapter: "paging",
        options: &[],
        title: "A stale TLB entry",
        summary: "Map a vmalloc address to frame A and write through it, then point it at frame \
                  B without a flush. CPU 0 keeps reading A until invlpg.",
        requires: any_machine,
        steps: &[
            Step::one(
                |_| alloc("GFP_HIGHUSER", "A"),
                "Take a frame, A. With HIGHMEM it comes from ZONE_HIGHMEM and has no \
                          kernel address until something maps it.",
            ),
            Step::one(|_| alloc("GFP_HIGHUSER", "B"), "And a second frame, B."),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "A"), Prot::Kernel),
                "Map A at the first vmalloc address. The kernel's page tables now say \
                          this address → A. There is no page table here yet, so one is allocated \
                          first.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                    value: 0xaaaa_aaaa,
                },
                "CPU 0 writes through it: the TLB misses, the CPU walks the tables, \
                          caches the translation and the value lands in A.",
            ),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "B"), Prot::Kernel),
                "Point the same address at B, without flushing any TLB.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                "CPU 0 reads: its TLB still holds the old translation, so it reads A's \
                          value, not B's. The model marks the entry STALE.",
            ),
            Step::one(
                |m| Op::Invlpg {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                "invlpg drops CPU 0's entry for that page.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                "The read misses now, walks the tables and reaches B, which holds 0.",
            ),
        ],
    },
    Scenario {
        id: "global-pages",
        chapter: "paging",
        options: &[],
        title: "Global pages survive a CR3 reload",
        summary: "A kernel mapping with G set outlives a CR3 write; one without G does not. \
                  Toggling CR4.PGE drops both.",
        requires: has_pge,
        steps: &[
            Step::one(
                |_| alloc("GFP_KERNEL", "buf"),
                "Take a frame for a mapping of our own.",
            ),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "buf"), Prot::Raw(0x063)),
                "Map it at the first vmalloc address with P, RW, A and D but without \
                          G: a non-global mapping, like a process's own pages.",
            ),
            Step::one(
                |_| read0(kernel_addr()),
                "Read a direct-map address. Its entry has G set (PAGE_KERNEL), so the \
                          TLB caches it as global.",
            ),
            Step::one(
                |m| read0(vmalloc_addr(m)),
                "Read through the non-global mapping: a second TLB entry, without G.",
            ),
            Step::one(
                |_| Op::ReloadCr3 { cpu: 0 },
                "Write CR3 with its own value, as a process switch does: every \
                          non-global entry goes, the global one stays.",
            ),
            Step::one(|_| read0(kernel_addr()), "The direct-map read still hits."),
            Step::one(
                |m| read0(vmalloc_addr(m)),
                "The non-global one misses and is walked again.",
            ),
            Step::one(
                |_| Op::TogglePge { cpu: 0 },
                "Clear and set CR4.PGE: this drops global entries too.",
            ),
            Step::one(
                |_| read0(kernel_addr()),
                "Now even the direct-map read misses.",
            ),
        ],
    },
    Scenario {
        id: "invlpg-is-local",
        chapter: "paging",
        options: &[],
        title: "invlpg flushes one CPU only",
        summary: "CPU 1 caches a translation; the mapping changes and CPU 0 runs invlpg. CPU 1 \
                  still reads the old frame until flush_tlb_all interrupts every CPU.",
        requires: two_cpus,
        steps: &[
            Step::one(|_| alloc("GFP_HIGHUSER", "A"), "Take a frame, A."),
            Step::one(|_| alloc("GFP_HIGHUSER", "B"), "And a frame, B."),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "A"), Prot::Kernel),
                "Map A at the first vmalloc address.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                    value: 0xaaaa_aaaa,
                },
                "CPU 1 writes through it, and caches the translation.",
            ),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "B"), Prot::Kernel),
                "Point the address at B.",
            ),
            Step::one(
                |m| Op::Invlpg {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                "CPU 0 runs invlpg. It has nothing cached for the page, and the \
                          instruction does not reach other CPUs.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                },
                "CPU 1 still reads A: its entry is stale.",
            ),
            Step::one(
                |_| Op::FlushTlbAll,
                "flush_tlb_all() sends an interrupt to every CPU, and each flushes its \
                          own TLB. This is the flush the pkmap code relies on.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                },
                "CPU 1 walks the tables again and reaches B.",
            ),
        ],
    },
    Scenario {
        id: "pgd-falls-behind",
        chapter: "paging",
        options: &[],
        title: "Process page directories fall behind",
        summary: "Without PAE every process holds its own copy of the kernel's page-directory \
                  entries. A page table the kernel adds later is missing from the copies made \
                  before it, until a fault copies it in.",
        requires: non_pae,
        steps: &[
            Step::one(
                |_| Op::Task {
                    name: "A".into(),
                    cpu: 0,
                    kthread: false,
                },
                "Fork task A on CPU 0. Its page directory gets a copy of the kernel's \
                          256 entries, and CPU 0 loads it into CR3.",
            ),
            Step::one(|_| alloc("GFP_KERNEL", "buf"), "Take a frame."),
            Step::one(
                |m| set_pte(vmalloc_addr(m), handle(m, "buf"), Prot::Kernel),
                "Map it at the first vmalloc address. The page table is new, so \
                          swapper_pg_dir gains an entry that A's copy lacks.",
            ),
            Step::one(
                |m| read0(vmalloc_addr(m)),
                "A reads the address: its page directory has no entry for it, so the \
                 walk faults. The fault handler sees a vmalloc address, copies the missing \
                 entry from swapper_pg_dir into A's directory and retries: a vmalloc fault, \
                 and the read goes through.",
            ),
            Step::one(
                |_| Op::Task {
                    name: "B".into(),
                    cpu: 0,
                    kthread: false,
                },
                "Fork task B: its copy is made now, with the new entry.",
            ),
            Step::one(
                |m| read0(vmalloc_addr(m)),
                "B reads the same address and reaches the frame.",
            ),
        ],
    },
    Scenario {
        id: "pkmap-fill-sleep",
        chapter: "pkmap",
        options: &[],
        title: "Fill every slot, then sleep",
        summary: "Task A maps one page per pkmap slot until none is left; the next kmap() \
                  sleeps on pkmap_map_wait until task B releases a page, and A finishes its \
                  kmap() when it runs again.",
        requires: pkmap_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::repeat(
                |m| slots(m) - 1,
                |m, i| kmap("A", page(m, i)),
                "A maps LAST_PKMAP − 1 different high pages. last_pkmap_nr starts at 0 and \
                 the scan moves before it looks, so they take slots 1 to the last; each count \
                 becomes 2: mapped, one user.",
            ),
            Step::one(
                |m| kmap("A", page(m, slots(m) - 1)),
                "One more page: the scan passes the last slot and wraps to 0, which runs \
                 flush_all_zero_pkmaps(). No slot is at count 1, so nothing is cleared; slot 0 \
                 is free and the page takes it. Every slot is now in use.",
            ),
            Step::one(
                |m| kmap("A", page(m, slots(m))),
                "And one more: a full circle of the scan finds nothing free, so A goes to \
                 sleep on pkmap_map_wait and CPU 0 has nothing to run.",
            ),
            Step::one(|_| task("B", 0), "Fork task B on the idle CPU 0."),
            Step::one(
                |m| kunmap("B", page(m, 5)),
                "B releases one of the pages (kunmap() checks the count, not who mapped the \
                 page). Slot 6 drops to count 1: unused but still mapped. Tasks are waiting, \
                 so kunmap_high() wakes them: A is runnable, but has not run yet.",
            ),
            Step::one(
                |_| switch(0, "A"),
                "A runs again and finishes its kmap(): nobody mapped its page meanwhile, so \
                 it scans once more. The scan wraps, flush_all_zero_pkmaps() clears slot 6 \
                 and flushes every TLB, and the page takes slot 6.",
            ),
        ],
    },
    Scenario {
        id: "pkmap-wrap-flush",
        chapter: "pkmap",
        options: &[],
        title: "Wrap around, then flush",
        summary: "Map pages into almost every slot and release most of them: they stay \
                  mapped at count 1 until the scan wraps, when one pass clears them all and \
                  one flush reaches every CPU.",
        requires: pkmap_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::repeat(
                |m| slots(m) - 1,
                |m, i| kmap("A", page(m, i)),
                "A maps a page into every slot but slot 0.",
            ),
            Step::repeat(
                |m| slots(m) - 17,
                |m, i| kunmap("A", page(m, i)),
                "A releases all but the last 16 of them. Their counts fall to 1; their page \
                 table entries stay, and so may any TLB entries for them. Nothing is flushed.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: last_cpu(m),
                    vaddr: pkmap_addr(m, 1),
                },
                "The last CPU reads through slot 1, which is at count 1. The mapping is still \
                 in the page table, so the read works and the TLB caches it.",
            ),
            Step::one(
                |m| kmap("A", page(m, slots(m) - 1)),
                "A maps a new page. The scan wraps to 0: flush_all_zero_pkmaps() clears every \
                 slot at count 1 in one pass, then one flush empties every CPU's TLB. Slot 0 \
                 was free all along, so the page takes it.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: last_cpu(m),
                    vaddr: pkmap_addr(m, 1),
                },
                "The same CPU reads slot 1 again. Its TLB entry went with the flush and the \
                 page-table entry is clear, so the walk faults: an oops, and proof that no \
                 stale translation survived.",
            ),
        ],
    },
    Scenario {
        id: "pkmap-count-one",
        chapter: "pkmap",
        options: &[],
        title: "Why a count of 1 exists",
        summary: "A page released and mapped again gets its old address back at no cost, \
                  and a new page does not get the released slot: a TLB may still hold it.",
        requires: pkmap_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(|m| kmap("A", page(m, 0)), "A maps a page: slot 1, count 2."),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: pkmap_addr(m, 1),
                },
                "CPU 0 reads through it, so its TLB now caches slot 1.",
            ),
            Step::one(
                |m| kunmap("A", page(m, 0)),
                "A releases it. The count drops to 1, not 0: the page-table entry stays, and \
                 so does CPU 0's TLB entry.",
            ),
            Step::one(
                |m| kmap("A", page(m, 0)),
                "A maps the same page again. page_address() still finds it, so kmap() \
                 returns the same address with no scan and no flush: count 2 again.",
            ),
            Step::one(|m| kunmap("A", page(m, 0)), "Released again: count 1."),
            Step::one(
                |m| kmap("A", page(m, 1)),
                "Now another page. Slot 1 is unused, but CPU 0's TLB still maps it to the \
                 first page; giving it to this page without a flush would let CPU 0 read the \
                 wrong frame through the new address. So the scan passes count-1 slots by, \
                 and this page gets slot 2.",
            ),
        ],
    },
    Scenario {
        id: "pkmap-stale-bug",
        chapter: "pkmap",
        options: &[(MachineOption::SkipPkmapFlush, true)],
        title: "A stale TLB read (bug mode)",
        summary: "With the bug mode skip_pkmap_flush on, flush_all_zero_pkmaps() forgets its \
                  flush: a slot handed to a new page is read through the old page's TLB entry.",
        requires: pkmap_room,
        steps: &[
            Step::one(
                |_| task("A", 0),
                "Fork task A on CPU 0. (Running this scenario turned the bug mode on.)",
            ),
            Step::one(|m| kmap("A", page(m, 0)), "A maps a page: slot 1."),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: pkmap_addr(m, 1),
                    value: 0xaaaa,
                },
                "CPU 0 writes 0xaaaa into it through slot 1; the TLB caches the mapping.",
            ),
            Step::one(
                |m| kunmap("A", page(m, 0)),
                "A releases it: count 1, still mapped and cached.",
            ),
            Step::repeat(
                |m| slots(m) - 2,
                |m, i| kmap("A", page(m, i + 1)),
                "A maps other pages into slots 2 to the last.",
            ),
            Step::one(
                |m| kmap("A", page(m, slots(m) - 1)),
                "One more: the scan wraps. flush_all_zero_pkmaps() clears slot 1, but in bug \
                 mode skips the TLB flush. The page takes slot 0.",
            ),
            Step::one(
                |m| kmap("A", page(m, slots(m))),
                "Another page: the scan reaches slot 1, now free, and maps the new page there.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: pkmap_addr(m, 1),
                },
                "CPU 0 reads slot 1. Its TLB still holds the first page's translation, so \
                 the read returns 0xaaaa from the old frame: the model marks the hit STALE.",
            ),
        ],
    },
    Scenario {
        id: "kmap-in-interrupt",
        chapter: "pkmap",
        options: &[],
        title: "kmap() from an interrupt",
        summary: "An interrupt handler calls kmap() and kunmap(). What the kernel says \
                  depends on the era and on its debug options.",
        requires: pkmap_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| Op::IrqEnter { cpu: 0 },
                "A hardware interrupt arrives on CPU 0.",
            ),
            Step::one(
                |m| kmap("A", page(m, 0)),
                "The handler calls kmap(). 2.4.22 stops it outright; 2.6 and 6.1 only have \
                 might_sleep(), which says nothing unless the sleep-debugging option is built \
                 in, so the map goes through. It could have slept.",
            ),
            Step::one(
                |m| kunmap("A", page(m, 0)),
                "The handler calls kunmap(). 2.4.22 and the 2.6 kernels refuse it in \
                 interrupt context with a BUG; 6.1 has only might_sleep() here too.",
            ),
            Step::one(|_| Op::IrqExit { cpu: 0 }, "The interrupt ends."),
        ],
    },
    Scenario {
        id: "atomic-irq-clobber",
        chapter: "atomic",
        options: &[],
        title: "An interrupt borrows KM_USER0",
        summary: "Task A holds KM_USER0 when an interrupt handler maps its own page with the \
                  same type. Old kernels let it happen silently; 2.6.24 on catch it.",
        requires: typed_kmaps,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| alloc("GFP_HIGHUSER", "mine"),
                "A high page for A: mine.",
            ),
            Step::one(
                |_| alloc("GFP_HIGHUSER", "irqs"),
                "A high page for the interrupt handler: irqs.",
            ),
            Step::one(
                |_| kmap_atomic(Who::Task("A".into()), "mine", Some("KM_USER0")),
                "A maps mine with kmap_atomic(KM_USER0): the KM_USER0 slot of CPU 0.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: slot_vaddr(m, 0, "KM_USER0"),
                    value: 0x1111,
                },
                "A writes 0x1111 through it.",
            ),
            Step::one(
                |_| Op::IrqEnter { cpu: 0 },
                "An interrupt arrives on CPU 0 while A still holds the map.",
            ),
            Step::one(
                |_| kmap_atomic(Who::Cpu(0), "irqs", Some("KM_USER0")),
                "The handler maps irqs with KM_USER0 too, the wrong type for an interrupt. \
                 2.4.22 and 2.6.11 check the slot only with CONFIG_DEBUG_HIGHMEM, so A's map \
                 is silently replaced (the model reports a HAZARD). From 2.6.24 the check is \
                 always there: a BUG, which in an interrupt is a panic. The model carries on \
                 so you can see the rest.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: slot_vaddr(m, 0, "KM_USER0"),
                    value: 0x2222,
                },
                "The handler writes 0x2222 through the slot: into irqs if its map went \
                 through, into A's page if it was refused.",
            ),
            Step::one(
                |_| kunmap_atomic(Who::Cpu(0), "irqs", Some("KM_USER0")),
                "The handler gives its map back. 2.4.22 and 2.6.11 leave the PTE unless \
                 debugging; 2.6.24 on clear it, taking A's mapping with it.",
            ),
            Step::one(|_| Op::IrqExit { cpu: 0 }, "The interrupt returns to A."),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: slot_vaddr(m, 0, "KM_USER0"),
                },
                "A reads through its own address. In 2.4.22 and 2.6.11 it gets the handler's \
                 0x2222: a CORRUPTED ACCESS. From 2.6.24 the slot was cleared and the read \
                 faults.",
            ),
            Step::one(
                |_| kunmap_atomic(Who::Task("A".into()), "mine", Some("KM_USER0")),
                "A gives its map back.",
            ),
        ],
    },
    Scenario {
        id: "atomic-irq-own-type",
        chapter: "atomic",
        options: &[],
        title: "An interrupt with a type of its own",
        summary: "The same interrupt, done right: the handler uses a type reserved for \
                  interrupts, so its slot is not A's.",
        requires: typed_kmaps,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| alloc("GFP_HIGHUSER", "mine"),
                "A high page for A: mine.",
            ),
            Step::one(
                |_| alloc("GFP_HIGHUSER", "irqs"),
                "A high page for the handler: irqs.",
            ),
            Step::one(
                |_| kmap_atomic(Who::Task("A".into()), "mine", Some("KM_USER0")),
                "A maps mine with KM_USER0.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: slot_vaddr(m, 0, "KM_USER0"),
                    value: 0x1111,
                },
                "A writes 0x1111 through it.",
            ),
            Step::one(
                |_| Op::IrqEnter { cpu: 0 },
                "An interrupt arrives on CPU 0.",
            ),
            Step::one(
                |m| kmap_atomic(Who::Cpu(0), "irqs", Some(irq_type(m))),
                "The handler maps irqs with an interrupt type (KM_IRQ0; 2.4.22 has no \
                 hard-interrupt type and its block layer uses KM_BH_IRQ). It is another \
                 slot of the same CPU.",
            ),
            Step::one(
                |m| kunmap_atomic(Who::Cpu(0), "irqs", Some(irq_type(m))),
                "The handler gives it back.",
            ),
            Step::one(|_| Op::IrqExit { cpu: 0 }, "The interrupt returns to A."),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: slot_vaddr(m, 0, "KM_USER0"),
                },
                "A reads its own 0x1111: nothing touched its slot.",
            ),
            Step::one(
                |_| kunmap_atomic(Who::Task("A".into()), "mine", Some("KM_USER0")),
                "A gives its map back.",
            ),
        ],
    },
    Scenario {
        id: "atomic-sleep",
        chapter: "atomic",
        options: &[],
        title: "Sleeping while an atomic map is held",
        summary: "A task holding a kmap_atomic() map tries to give the CPU away: the \
                  scheduler sees the raised preempt count and complains.",
        requires: preempt_counted,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| task("B", 0),
                "Fork task B on CPU 0 (A waits, runnable).",
            ),
            Step::one(|_| alloc("GFP_HIGHUSER", "pg"), "A high page: pg."),
            Step::one(|_| switch(0, "A"), "Switch back to A."),
            Step::one(
                |m| kmap_atomic(Who::Task("A".into()), "pg", km_user0(m)),
                "A maps pg with kmap_atomic(). The preempt count goes up: from here until \
                 kunmap_atomic(), A must not sleep.",
            ),
            Step::one(
                |_| switch(0, "B"),
                "A gives the CPU away anyway (a sleep, a mutex, a page fault that waits). \
                 The scheduler sees a non-zero preempt count: scheduling while atomic.",
            ),
            Step::one(
                |m| kunmap_atomic(Who::Task("A".into()), "pg", km_user0(m)),
                "A gives the map back: the count is zero again.",
            ),
            Step::one(|_| switch(0, "B"), "Now the switch is fine."),
        ],
    },
    Scenario {
        id: "atomic-lowmem",
        chapter: "atomic",
        options: &[],
        title: "A low page needs no slot",
        summary: "kmap_atomic() of a page in low memory returns its address in the direct \
                  map and touches no fixmap slot.",
        requires: any_machine,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| alloc("GFP_KERNEL", "low"),
                "A page from ZONE_NORMAL: low.",
            ),
            Step::one(
                |m| kmap_atomic(Who::Task("A".into()), "low", km_user0(m)),
                "A maps it with kmap_atomic(): the value is PAGE_OFFSET plus its physical \
                 address, and no slot changes. (From 2.6 the preempt count still goes up.)",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: direct_addr(handle(m, "low")),
                },
                "A reads through that address: the direct map, which every kernel address \
                 space already has.",
            ),
            Step::one(
                |m| kunmap_atomic(Who::Task("A".into()), "low", km_user0(m)),
                "And gives it back: nothing to clear.",
            ),
        ],
    },
    Scenario {
        id: "local-out-of-order",
        chapter: "atomic",
        options: &[],
        title: "Unmapping out of order (6.1)",
        summary: "kunmap_local() always pops the top of the task's stack. Giving back the \
                  older map first warns once and leaves a stale TLB entry behind.",
        requires: local_maps,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(|_| alloc("GFP_HIGHUSER", "first"), "A high page: first."),
            Step::one(|_| alloc("GFP_HIGHUSER", "second"), "Another: second."),
            Step::one(
                |_| kmap_local("A", "first"),
                "A maps first: stack slot 0 of its kmap_ctrl.",
            ),
            Step::one(
                |_| kmap_local("A", "second"),
                "A maps second: stack slot 1, the next address down.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: given_addr(m, "A", "second"),
                },
                "CPU 0 reads through second's address and caches it.",
            ),
            Step::one(
                |_| kunmap_local("A", "first"),
                "A gives back first, the older map. kunmap_local() pops the top slot \
                 anyway: it clears second's PTE but flushes first's address, and warns (once \
                 per boot).",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: given_addr(m, "A", "second"),
                },
                "CPU 0 reads second's address: the PTE is gone, but the TLB still has it. A \
                 STALE hit.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: mapped_addr(m, "first"),
                },
                "And first's address is still mapped, although A gave it back.",
            ),
            Step::one(
                |_| kunmap_local("A", "second"),
                "A gives back second: the stack is empty again. No second warning.",
            ),
        ],
    },
    Scenario {
        id: "local-context-switch",
        chapter: "atomic",
        options: &[],
        title: "Two tasks, one slot (6.1)",
        summary: "Two tasks on one CPU hold kmap_local_page() maps in the same stack slot. \
                  Every switch saves one task's PTEs and puts back the other's.",
        requires: local_maps,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(|_| task("B", 0), "Fork task B on CPU 0."),
            Step::one(|_| alloc("GFP_HIGHUSER", "pa"), "A high page for A: pa."),
            Step::one(|_| alloc("GFP_HIGHUSER", "pb"), "A high page for B: pb."),
            Step::one(|_| switch(0, "A"), "Switch to A."),
            Step::one(
                |_| kmap_local("A", "pa"),
                "A maps pa: stack slot 0 of CPU 0.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: given_addr(m, "A", "pa"),
                    value: 0xaaaa,
                },
                "A writes 0xaaaa through it.",
            ),
            Step::one(
                |_| switch(0, "B"),
                "Switch to B: the scheduler keeps A's PTE in A's kmap_ctrl, clears the slot \
                 and flushes it.",
            ),
            Step::one(
                |_| kmap_local("B", "pb"),
                "B maps pb: its stack is empty, so it gets slot 0 too, the same address.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: given_addr(m, "B", "pb"),
                    value: 0xbbbb,
                },
                "B writes 0xbbbb through it.",
            ),
            Step::one(
                |_| switch(0, "A"),
                "Switch to A: B's PTE is saved and cleared, A's is written back.",
            ),
            Step::one(
                |m| Op::Read {
                    cpu: 0,
                    vaddr: given_addr(m, "A", "pa"),
                },
                "A reads its address: 0xaaaa, its own page.",
            ),
            Step::one(
                |_| kunmap_local("A", "pa"),
                "A gives its map back. B still holds slot 0, saved in its kmap_ctrl, and \
                 may not move to another CPU until it gives it back.",
            ),
        ],
    },
    Scenario {
        id: "vmalloc-until-fails",
        chapter: "vmalloc",
        options: &[],
        title: "vmalloc until it fails",
        summary: "Task A asks for the same large size again and again. Each area takes its \
                  pages one at a time from anywhere in RAM, until the range itself has no room \
                  left and the kernel prints its failure message.",
        requires: vmalloc::fill_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::repeat(
                |m| vmalloc::fits(m, vmalloc::fill_size(m)),
                |m, i| vmalloc::vmalloc(vmalloc::fill_size(m), vmalloc::fill_name(i)),
                "A calls vmalloc() with the same size each time (4 MiB, or an eighth of a small \
                 range). Each area is placed at the lowest address that fits, with one unmapped \
                 guard page after it, and its pages come one by one from the buddy allocator, \
                 HighMem first. Watch the bar fill from VMALLOC_START.",
            ),
            Step::one(
                |m| vmalloc::vmalloc(vmalloc::fill_size(m), "last".into()),
                "One more: no gap is large enough any more. vmalloc() returns NULL, and the \
                 kernel prints its era's message (2.4 prints nothing). In 2.6.32 and 6.1 the \
                 allocator first purges lazily freed areas and searches again.",
            ),
        ],
    },
    Scenario {
        id: "vmalloc-fragment",
        chapter: "vmalloc",
        options: &[],
        title: "Fragment the vmalloc range",
        summary: "Fill the range, free every other area, then ask for twice the size: about \
                  half the range is free, but no single hole is large enough.",
        requires: vmalloc::fill_room,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::repeat(
                |m| vmalloc::fits(m, vmalloc::fill_size(m)),
                |m, i| vmalloc::vmalloc(vmalloc::fill_size(m), vmalloc::fill_name(i)),
                "A fills the range with areas of one size, v1, v2, …, each followed by its \
                 guard page.",
            ),
            Step::repeat(
                |m| m.vmalloc_space().areas.len().div_ceil(2),
                |_, i| vmalloc::vfree("A", &vmalloc::fill_name(2 * i)),
                "A frees every other area: v1, v3, v5, … In 2.6.32 and 6.1 each freed range \
                 waits for a purge; the older kernels free it at once. Either way the free \
                 space is now many holes of one area each.",
            ),
            Step::one(
                |m| vmalloc::vmalloc(2 * vmalloc::fill_size(m), "big".into()),
                "A asks for twice the size. The free space in total is about half the range, \
                 but the largest hole holds one area: the request fails. (Where frees are lazy, \
                 the allocator purges first and searches again, and still finds no hole.)",
            ),
            Step::one(
                |m| vmalloc::vmalloc(vmalloc::fill_size(m), "fits".into()),
                "A request of the original size fits again: it takes the lowest hole, where v1 \
                 was.",
            ),
        ],
    },
    Scenario {
        id: "vmalloc-fault",
        chapter: "vmalloc",
        options: &[],
        title: "A vmalloc fault in another process",
        summary: "Without PAE every process has its own copy of the kernel's page-directory \
                  entries. vmalloc() adds a page table to init_mm only; a process forked \
                  earlier faults on the address, and the fault handler copies the entry in.",
        requires: vmalloc::fault_room,
        steps: &[
            Step::one(
                |_| task("A", 0),
                "Fork task A on CPU 0. Its page directory receives a copy of the kernel's \
                 entries as they are now.",
            ),
            Step::one(
                |_| task("B", 0),
                "Fork task B on CPU 0; A waits, runnable. B's copy is made now too.",
            ),
            Step::one(
                |_| Op::Vmalloc {
                    who: Who::Task("B".into()),
                    size: 16 << 10,
                    flavor: highmem_engine::machine::VmallocFlavor::Vmalloc,
                    name: Some("buf".into()),
                    caller: None,
                },
                "B calls vmalloc(16 KiB). The range had no page table yet, so one is allocated \
                 and its entry written into init_mm's page directory (swapper_pg_dir) only. \
                 Neither A's copy nor B's has it.",
            ),
            Step::one(
                |_| switch(0, "A"),
                "Switch CPU 0 to A: CR3 now holds A's directory.",
            ),
            Step::one(
                |m| read0(vmalloc::area_addr(m, "buf")),
                "A reads the area. The walk finds no page-directory entry and faults. The \
                 handler sees a kernel address that init_mm maps, copies the entry into A's \
                 directory, and the read is retried and goes through: a vmalloc fault.",
            ),
            Step::one(
                |m| read0(vmalloc::area_addr(m, "buf") + 0x1000),
                "A reads the next page of the area: the entry is there now, no fault.",
            ),
            Step::one(
                |_| task("C", 0),
                "Fork task C on CPU 0: its copy is made after the vmalloc, with the entry.",
            ),
            Step::one(
                |m| read0(vmalloc::area_addr(m, "buf")),
                "C reads the area without a fault.",
            ),
        ],
    },
    Scenario {
        id: "vmalloc-lazy",
        chapter: "vmalloc",
        options: &[],
        title: "Lazy freeing and the purge",
        summary: "Two areas are freed; their ranges stay reserved and the old translation \
                  keeps working until one purge frees them both with a single TLB flush.",
        requires: vmalloc::lazy_eras,
        steps: &[
            Step::one(|_| task("A", 0), "Fork task A on CPU 0."),
            Step::one(
                |_| vmalloc::vmalloc(16 << 10, "one".into()),
                "A vmallocs 16 KiB, one: 4 pages and a guard page, at VMALLOC_START.",
            ),
            Step::one(
                |_| vmalloc::vmalloc(16 << 10, "two".into()),
                "And another 16 KiB, two, after it.",
            ),
            Step::one(
                |m| Op::Write {
                    cpu: 0,
                    vaddr: vmalloc::first_addr(m),
                    value: 0x1111,
                },
                "CPU 0 writes through one's first page: its TLB now caches the translation.",
            ),
            Step::one(
                |_| vmalloc::vfree("A", "one"),
                "A frees one. Its pages go back to the buddy allocator at once, but the range \
                 is only lazily freed: 2.6.32 leaves its PTEs in place; 6.1 clears them but \
                 flushes no TLB. The range stays reserved.",
            ),
            Step::one(
                |_| vmalloc::vfree("A", "two"),
                "A frees two the same way (6.1 merges the two ranges on its purge list).",
            ),
            Step::one(
                |m| read0(vmalloc::first_addr(m)),
                "CPU 0 reads one's old address: the translation still works, through the PTE \
                 (2.6.32) or the TLB (6.1), and reaches a frame the allocator may already have \
                 handed to someone else.",
            ),
            Step::one(
                |_| vmalloc::vmalloc(16 << 10, "three".into()),
                "A new 16 KiB request cannot reuse the freed ranges yet: it goes after them.",
            ),
            Step::one(
                |_| Op::PurgeVmapAreaLazy,
                "The purge: (2.6.32) clears the freed ranges' PTEs, then one \
                 flush_tlb_kernel_range() covers the span from the lowest freed address to the \
                 highest, on every CPU, however many areas were waiting. The ranges are free.",
            ),
            Step::one(
                |m| read0(vmalloc::first_addr(m)),
                "The same read now misses the TLB, finds no PTE and oopses: no stale \
                 translation survived the purge.",
            ),
        ],
    },
];

/// A scenario by id.
pub fn find(id: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.id == id)
}

fn any_machine(_: &Machine) -> Result<(), String> {
    Ok(())
}

fn has_pge(m: &Machine) -> Result<(), String> {
    if m.cpu_spec().pge {
        Ok(())
    } else {
        Err(format!("the {} has no global pages", m.cpu_spec().name))
    }
}

fn two_cpus(m: &Machine) -> Result<(), String> {
    if m.cpus().len() >= 2 {
        Ok(())
    } else {
        Err("needs two CPUs: set CPUs to 2 or more".into())
    }
}

fn non_pae(m: &Machine) -> Result<(), String> {
    if m.kernel_tables().mode == PagingMode::NonPae {
        Ok(())
    } else {
        Err(
            "needs PAE off: with PAE every process shares the kernel's page directory, so \
             nothing can fall behind"
                .into(),
        )
    }
}

fn alloc(gfp: &str, name: &str) -> Op {
    Op::AllocPages {
        gfp: Gfp::parse(gfp).expect("the scenarios' flags parse"),
        order: 0,
        name: Some(name.into()),
    }
}

fn set_pte(vaddr: u32, pfn: u64, prot: Prot) -> Op {
    Op::SetPte { vaddr, pfn, prot }
}

fn read0(vaddr: u32) -> Op {
    Op::Read { cpu: 0, vaddr }
}

/// The first vmalloc address: kernel space that nothing maps at boot.
fn vmalloc_addr(m: &Machine) -> u32 {
    m.layout().vmalloc_start() as u32
}

/// A direct-map address: the second page of RAM.
fn kernel_addr() -> u32 {
    (PAGE_OFFSET + 0x1000) as u32
}

/// The frame of a block an earlier step allocated.
fn handle(m: &Machine, name: &str) -> u64 {
    m.handles().get(name).map(|h| h.pfn).unwrap_or(0)
}

/// HIGHMEM, and enough high memory to give every pkmap slot a page of its own.
fn pkmap_room(m: &Machine) -> Result<(), String> {
    let Some(p) = m.pkmap() else {
        return Err("needs HIGHMEM: turn it on to get a pkmap window".into());
    };
    let mem = &m.layout().memory;
    let high = mem.highend_pfn.as_u64() - mem.highstart_pfn.as_u64();
    let want = u64::from(p.slots()) + 16;
    if high < want {
        return Err(format!(
            "needs at least {want} pages of high memory, one per pkmap slot, and this \
             machine has {high}: give it more RAM"
        ));
    }
    Ok(())
}

/// A kernel whose `kmap_atomic()` takes a type (2.4.22 – 2.6.32), with high memory to map.
fn typed_kmaps(m: &Machine) -> Result<(), String> {
    if m.profile().atomic.local.is_some() {
        return Err(format!(
            "needs a kernel with kmap_atomic types (2.4.22 to 2.6.32): {} gives every task \
             a stack of its own, so an interrupt cannot take a task's slot",
            m.profile().name
        ));
    }
    high_pages(m)
}

/// A kernel whose kmap_atomic() raises a preempt count that the scheduler checks (not 2.4).
fn preempt_counted(m: &Machine) -> Result<(), String> {
    if m.profile().messages.preempt.is_none() {
        return Err(
            "needs a preempt count: 2.4.22 has none, so nothing notices (the switch simply \
             happens, which is the danger); choose 2.6.11 or later"
                .into(),
        );
    }
    high_pages(m)
}

/// 6.1's `kmap_local_page()` stack, with high memory to map.
fn local_maps(m: &Machine) -> Result<(), String> {
    if m.profile().atomic.local.is_none() {
        return Err(format!(
            "needs 6.1: {} has no kmap_local_page()",
            m.profile().name
        ));
    }
    high_pages(m)
}

/// A HighMem zone with pages to allocate, so that `GFP_HIGHUSER` gives high pages.
fn high_pages(m: &Machine) -> Result<(), String> {
    let free = m
        .mem()
        .zones()
        .iter()
        .find(|z| z.kind == highmem_engine::layout::memory::ZoneKind::HighMem)
        .map_or(0, |z| z.free_pages);
    if free < 4 {
        return Err(
            "needs high memory: turn HIGHMEM on and give the machine more than \
                    896 MiB of RAM"
                .into(),
        );
    }
    Ok(())
}

/// `LAST_PKMAP` (scenarios that need it run only where there is a pkmap window).
fn slots(m: &Machine) -> usize {
    m.pkmap().map_or(1, |p| p.slots() as usize)
}

/// `PKMAP_ADDR(nr)`.
fn pkmap_addr(m: &Machine, nr: u32) -> u32 {
    m.pkmap().map_or(0, |p| p.addr(nr))
}

/// The `i`-th high page the pkmap scenarios map: from the first frame of high memory up.
fn page(m: &Machine, i: usize) -> u64 {
    m.layout().memory.highstart_pfn.as_u64() + i as u64
}

/// The highest-numbered simulated CPU.
fn last_cpu(m: &Machine) -> usize {
    m.cpus().len() - 1
}

fn task(name: &str, cpu: usize) -> Op {
    Op::Task {
        name: name.into(),
        cpu,
        kthread: false,
    }
}

fn switch(cpu: usize, task: &str) -> Op {
    Op::Switch {
        cpu,
        task: task.into(),
    }
}

fn kmap(task: &str, pfn: u64) -> Op {
    Op::Kmap {
        task: task.into(),
        page: PageRef::Pfn(pfn),
        nonblock: false,
    }
}

fn kunmap(task: &str, pfn: u64) -> Op {
    Op::Kunmap {
        task: task.into(),
        page: PageRef::Pfn(pfn),
    }
}

fn kmap_atomic(who: Who, block: &str, km_type: Option<&str>) -> Op {
    Op::KmapAtomic {
        who,
        page: PageRef::Name(block.into()),
        km_type: km_type.map(String::from),
    }
}

fn kunmap_atomic(who: Who, block: &str, km_type: Option<&str>) -> Op {
    Op::KunmapAtomic {
        who,
        km_type: km_type.map(String::from),
        vaddr: None,
        page: Some(PageRef::Name(block.into())),
    }
}

fn kmap_local(task: &str, block: &str) -> Op {
    Op::KmapLocal {
        who: Who::Task(task.into()),
        page: PageRef::Name(block.into()),
    }
}

fn kunmap_local(task: &str, block: &str) -> Op {
    Op::KunmapLocal {
        who: Who::Task(task.into()),
        vaddr: None,
        page: Some(PageRef::Name(block.into())),
    }
}

/// `KM_USER0` where the era has types; none in 6.1.
fn km_user0(m: &Machine) -> Option<&'static str> {
    m.profile()
        .atomic
        .types
        .iter()
        .copied()
        .find(|t| *t == "KM_USER0")
}

/// The type an interrupt handler uses: `KM_IRQ0`, or 2.4.22's `KM_BH_IRQ`.
fn irq_type(m: &Machine) -> &'static str {
    let types = m.profile().atomic.types;
    ["KM_IRQ0", "KM_BH_IRQ"]
        .into_iter()
        .find(|t| types.contains(t))
        .unwrap_or("KM_USER1")
}

/// The address of a CPU's kmap slot of a type (`KM_USER0`).
fn slot_vaddr(m: &Machine, cpu: usize, name: &str) -> u32 {
    m.kmap_slots()
        .into_iter()
        .find(|s| s.cpu == cpu && s.name == name)
        .map_or(0, |s| s.vaddr)
}

/// The address a 6.1 task was given for a block it mapped and still holds.
fn given_addr(m: &Machine, task: &str, block: &str) -> u32 {
    let pfn = handle(m, block);
    m.task_index(task)
        .and_then(|i| {
            m.tasks()[i]
                .kmap_ctrl
                .given
                .iter()
                .rev()
                .find(|g| g.0 == pfn)
        })
        .map_or(0, |g| g.1)
}

/// The kmap slot whose PTE maps a block now (whoever holds it, if anyone).
fn mapped_addr(m: &Machine, block: &str) -> u32 {
    let pfn = handle(m, block);
    m.kmap_slots()
        .into_iter()
        .find(|s| s.frame == Some(pfn) || s.holders.iter().any(|h| h.pfn == pfn))
        .map_or(0, |s| s.vaddr)
}

/// A low page's address in the direct map.
fn direct_addr(pfn: u64) -> u32 {
    (PAGE_OFFSET + (pfn << 12)) as u32
}
