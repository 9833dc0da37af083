//! The "try it" scenarios: short op lists that show one hardware or kernel behaviour each.
//!
//! A step's op is made from the machine as it stands when the step runs, so a scenario can
//! use the layout's addresses (`VMALLOC_START`) and the frames earlier steps allocated (by
//! name). What goes into the history is the concrete op, so undo and replay never depend on
//! this file.

use highmem_engine::layout::PAGE_OFFSET;
use highmem_engine::machine::{Gfp, Machine, Op, Prot};
use highmem_engine::paging::PagingMode;

/// One step: the op, and what the reader should notice.
pub struct Step {
    /// Makes the op from the machine as it stands.
    pub op: fn(&Machine) -> Op,
    /// What happens, in a sentence.
    pub explain: &'static str,
}

/// A scenario.
pub struct Scenario {
    /// Its stable name, used by `try:` links in the chapters.
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it shows, in a sentence or two.
    pub summary: &'static str,
    /// Whether the machine can run it, or why not.
    pub requires: fn(&Machine) -> Result<(), String>,
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
pub static SCENARIOS: [Scenario; 4] = [
    Scenario {
        id: "stale-tlb",
        title: "A stale TLB entry",
        summary: "Map a vmalloc address to frame A and write through it, then point it at frame \
                  B without a flush. CPU 0 keeps reading A until invlpg.",
        requires: any_machine,
        steps: &[
            Step {
                op: |_| alloc("GFP_HIGHUSER", "A"),
                explain: "Take a frame, A. With HIGHMEM it comes from ZONE_HIGHMEM and has no \
                          kernel address until something maps it.",
            },
            Step {
                op: |_| alloc("GFP_HIGHUSER", "B"),
                explain: "And a second frame, B.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "A"), Prot::Kernel),
                explain: "Map A at the first vmalloc address. The kernel's page tables now say \
                          this address → A. There is no page table here yet, so one is allocated \
                          first.",
            },
            Step {
                op: |m| Op::Write {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                    value: 0xaaaa_aaaa,
                },
                explain: "CPU 0 writes through it: the TLB misses, the CPU walks the tables, \
                          caches the translation and the value lands in A.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "B"), Prot::Kernel),
                explain: "Point the same address at B, without flushing any TLB.",
            },
            Step {
                op: |m| Op::Read {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                explain: "CPU 0 reads: its TLB still holds the old translation, so it reads A's \
                          value, not B's. The model marks the entry STALE.",
            },
            Step {
                op: |m| Op::Invlpg {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                explain: "invlpg drops CPU 0's entry for that page.",
            },
            Step {
                op: |m| Op::Read {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                explain: "The read misses now, walks the tables and reaches B, which holds 0.",
            },
        ],
    },
    Scenario {
        id: "global-pages",
        title: "Global pages survive a CR3 reload",
        summary: "A kernel mapping with G set outlives a CR3 write; one without G does not. \
                  Toggling CR4.PGE drops both.",
        requires: has_pge,
        steps: &[
            Step {
                op: |_| alloc("GFP_KERNEL", "buf"),
                explain: "Take a frame for a mapping of our own.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "buf"), Prot::Raw(0x063)),
                explain: "Map it at the first vmalloc address with P, RW, A and D but without \
                          G: a non-global mapping, like a process's own pages.",
            },
            Step {
                op: |_| read0(kernel_addr()),
                explain: "Read a direct-map address. Its entry has G set (PAGE_KERNEL), so the \
                          TLB caches it as global.",
            },
            Step {
                op: |m| read0(vmalloc_addr(m)),
                explain: "Read through the non-global mapping: a second TLB entry, without G.",
            },
            Step {
                op: |_| Op::ReloadCr3 { cpu: 0 },
                explain: "Write CR3 with its own value, as a process switch does: every \
                          non-global entry goes, the global one stays.",
            },
            Step {
                op: |_| read0(kernel_addr()),
                explain: "The direct-map read still hits.",
            },
            Step {
                op: |m| read0(vmalloc_addr(m)),
                explain: "The non-global one misses and is walked again.",
            },
            Step {
                op: |_| Op::TogglePge { cpu: 0 },
                explain: "Clear and set CR4.PGE: this drops global entries too.",
            },
            Step {
                op: |_| read0(kernel_addr()),
                explain: "Now even the direct-map read misses.",
            },
        ],
    },
    Scenario {
        id: "invlpg-is-local",
        title: "invlpg flushes one CPU only",
        summary: "CPU 1 caches a translation; the mapping changes and CPU 0 runs invlpg. CPU 1 \
                  still reads the old frame until flush_tlb_all interrupts every CPU.",
        requires: two_cpus,
        steps: &[
            Step {
                op: |_| alloc("GFP_HIGHUSER", "A"),
                explain: "Take a frame, A.",
            },
            Step {
                op: |_| alloc("GFP_HIGHUSER", "B"),
                explain: "And a frame, B.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "A"), Prot::Kernel),
                explain: "Map A at the first vmalloc address.",
            },
            Step {
                op: |m| Op::Write {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                    value: 0xaaaa_aaaa,
                },
                explain: "CPU 1 writes through it, and caches the translation.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "B"), Prot::Kernel),
                explain: "Point the address at B.",
            },
            Step {
                op: |m| Op::Invlpg {
                    cpu: 0,
                    vaddr: vmalloc_addr(m),
                },
                explain: "CPU 0 runs invlpg. It has nothing cached for the page, and the \
                          instruction does not reach other CPUs.",
            },
            Step {
                op: |m| Op::Read {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                },
                explain: "CPU 1 still reads A: its entry is stale.",
            },
            Step {
                op: |_| Op::FlushTlbAll,
                explain: "flush_tlb_all() sends an interrupt to every CPU, and each flushes its \
                          own TLB. This is the flush the pkmap code relies on.",
            },
            Step {
                op: |m| Op::Read {
                    cpu: 1,
                    vaddr: vmalloc_addr(m),
                },
                explain: "CPU 1 walks the tables again and reaches B.",
            },
        ],
    },
    Scenario {
        id: "pgd-falls-behind",
        title: "Process page directories fall behind",
        summary: "Without PAE every process holds its own copy of the kernel's page-directory \
                  entries. A page table the kernel adds later is missing from the copies made \
                  before it.",
        requires: non_pae,
        steps: &[
            Step {
                op: |_| Op::Task {
                    name: "A".into(),
                    cpu: 0,
                    kthread: false,
                },
                explain: "Fork task A on CPU 0. Its page directory gets a copy of the kernel's \
                          256 entries, and CPU 0 loads it into CR3.",
            },
            Step {
                op: |_| alloc("GFP_KERNEL", "buf"),
                explain: "Take a frame.",
            },
            Step {
                op: |m| set_pte(vmalloc_addr(m), handle(m, "buf"), Prot::Kernel),
                explain: "Map it at the first vmalloc address. The page table is new, so \
                          swapper_pg_dir gains an entry that A's copy lacks.",
            },
            Step {
                op: |m| read0(vmalloc_addr(m)),
                explain: "A reads the address: its page directory has no entry for it, so the \
                          walk faults. (The real kernel repairs this in its page-fault handler, \
                          the vmalloc fault; this model does not yet.)",
            },
            Step {
                op: |_| Op::Task {
                    name: "B".into(),
                    cpu: 0,
                    kthread: false,
                },
                explain: "Fork task B: its copy is made now, with the new entry.",
            },
            Step {
                op: |m| read0(vmalloc_addr(m)),
                explain: "B reads the same address and reaches the frame.",
            },
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
