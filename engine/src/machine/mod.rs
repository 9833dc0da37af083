//! The facade: `Machine::new(config)`, `machine.apply(&op) -> Outcome`, `machine.snapshot()`.
//!
//! A machine is the layout of [`crate::layout`] brought to life: physical memory with its
//! buddy allocator, the kernel's page tables written into it, CPUs with TLBs, and tasks.
//! Every operation returns an [`Outcome`] with the call tree it ran and the cells it changed.
//! Misuse is modelled, not fatal: what the kernel would report as a BUG or an oops comes back
//! as such, and an operation the model cannot carry out leaves the machine as it was.

pub mod gfp;
mod ops_atomic;
mod ops_cpu;
mod ops_kmap;
mod ops_mem;
mod ops_vmalloc;

use crate::addr::{PhysAddr, VirtAddr};
use crate::cpu::{CpuModel, CpuSpec, TlbArray};
use crate::e820::E820Map;
use crate::layout::{self, Layout, LayoutError, LayoutRequest};
use crate::mmu::{Tlb, TlbEntry};
use crate::paging::kernel::{self, KernelTables};
use crate::paging::PagingMode;
use crate::phys::{PhysMem, Reservation};
use crate::profile::{KernelConfig, Profile, ProfileId};
use crate::sched::{Cpu, Task, TaskState};
use crate::trace::{Call, Change, Tracer};
pub use gfp::Gfp;
pub use ops_atomic::{FixmapSlot, KmapSlot, SlotHolder};
pub use ops_vmalloc::{AreaRef, IoCache, VmallocFlavor};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The question [`ops_cpu::refuse`] answers in the trace when the model will not carry an
/// operation out.
pub(crate) const REFUSAL: &str = "can the model carry this out?";

/// Everything a machine is built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MachineConfig {
    /// The kernel.
    pub profile: ProfileId,
    /// The BIOS memory map.
    pub e820: E820Map,
    /// `CONFIG_X86_PAE`.
    pub pae: bool,
    /// `CONFIG_HIGHMEM`.
    pub highmem: bool,
    /// `CONFIG_NR_CPUS`; `None` for the profile's default.
    pub nr_cpus: Option<u32>,
    /// The `vmalloc=` boot option.
    pub vmalloc: Option<u64>,
    /// Configuration options; `None` for the profile's default.
    pub config: Option<KernelConfig>,
    /// CPUs simulated (at most `NR_CPUS`).
    pub cpus: usize,
    /// The CPU model; `None` for the profile's default.
    pub cpu_model: Option<CpuModel>,
    /// Overrides the 4 KiB data-TLB array: (entries, ways).
    pub tlb: Option<(u32, u32)>,
    /// Builds in the `might_sleep()` check (`CONFIG_DEBUG_SPINLOCK_SLEEP`, in 6.1
    /// `CONFIG_DEBUG_ATOMIC_SLEEP`), off in distribution kernels.
    pub debug_sleep: bool,
    /// Bug mode: `flush_all_zero_pkmaps()` forgets its TLB flush, so a reused slot can be read
    /// through a stale TLB entry.
    pub skip_pkmap_flush: bool,
}

impl MachineConfig {
    /// The profile's defaults for a map, with one CPU.
    pub fn new(profile: ProfileId, e820: E820Map) -> MachineConfig {
        MachineConfig {
            profile,
            e820,
            pae: true,
            highmem: true,
            nr_cpus: None,
            vmalloc: None,
            config: None,
            cpus: 1,
            cpu_model: None,
            tlb: None,
            debug_sleep: false,
            skip_pkmap_flush: false,
        }
    }
}

/// Why a machine could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MachineError {
    /// The layout is impossible (see [`LayoutError`]).
    Layout(LayoutError),
    /// Boot could not place the kernel, its page tables or `mem_map`.
    Boot(String),
    /// More CPUs than `NR_CPUS`, or none.
    Cpus {
        /// CPUs asked for.
        cpus: usize,
        /// `NR_CPUS`.
        nr_cpus: u32,
    },
    /// A TLB geometry that does not divide into sets.
    Tlb(String),
}

impl fmt::Display for MachineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MachineError::Layout(e) => e.fmt(f),
            MachineError::Boot(why) => write!(f, "boot fails: {why}"),
            MachineError::Cpus { cpus, nr_cpus } => write!(
                f,
                "cpus={cpus}: a kernel built with NR_CPUS={nr_cpus} runs 1 to {nr_cpus} CPUs"
            ),
            MachineError::Tlb(why) => write!(f, "tlb: {why}"),
        }
    }
}

impl std::error::Error for MachineError {}

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// Done.
    Ok,
    /// The task went to sleep.
    Sleep,
    /// The kernel would report a BUG.
    Bug,
    /// The kernel would oops.
    Oops,
    /// Done with a warning, or refused by the model with the machine unchanged.
    Warn,
}

impl ResultKind {
    /// Its name as scripts and JSON show it.
    pub fn name(self) -> &'static str {
        match self {
            ResultKind::Ok => "ok",
            ResultKind::Sleep => "sleep",
            ResultKind::Bug => "bug",
            ResultKind::Oops => "oops",
            ResultKind::Warn => "warn",
        }
    }
}

/// What an operation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// How it ended.
    pub result: ResultKind,
    /// Its value (an address, a frame number), where it has one.
    pub value: Option<u64>,
    /// What happened, in words (for a BUG or oops, what the kernel prints).
    pub message: String,
    /// The call tree.
    pub trace: Call,
    /// The cells it changed.
    pub changes: Vec<Change>,
    /// The model refused the operation (a misuse it cannot carry out, or a name or CPU that
    /// does not exist): the result is `Warn` and the machine is as it was.
    pub refused: bool,
}

/// A page named by a script, or by its frame number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageRef {
    /// A name given with `as=` when it was allocated.
    Name(String),
    /// A frame number.
    Pfn(u64),
}

/// Who calls: a running task (on its CPU, in whatever context that CPU is in), or a CPU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    /// A task by name; it must be running.
    Task(String),
    /// A CPU by number.
    Cpu(usize),
}

/// A protection for `set_pte`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prot {
    /// `PAGE_KERNEL`.
    Kernel,
    /// `PAGE_KERNEL_RO`.
    KernelRo,
    /// `PAGE_KERNEL_EXEC`.
    KernelExec,
    /// `PAGE_KERNEL_NOCACHE`.
    KernelNocache,
    /// Raw flag bits.
    Raw(u64),
}

/// An operation. The names are the kernel's (or the hardware's) own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// `kmap(page)` on behalf of a task running on some CPU.
    Kmap {
        /// The task.
        task: String,
        /// The page.
        page: PageRef,
        /// 2.4's `kmap_nonblock()`: return 0 instead of sleeping.
        nonblock: bool,
    },
    /// `kunmap(page)`.
    Kunmap {
        /// The task.
        task: String,
        /// The page.
        page: PageRef,
    },
    /// `kmap_flush_unused()`: clears every count-1 pkmap slot (and flushes) outside a scan.
    KmapFlushUnused,
    /// `kmap_atomic(page, type)`; in 6.1 `kmap_atomic(page)`, which takes no type.
    KmapAtomic {
        /// The caller.
        who: Who,
        /// The page.
        page: PageRef,
        /// The `km_type` (2.4.22 – 2.6.32).
        km_type: Option<String>,
    },
    /// `kunmap_atomic(kvaddr, type)`; in 6.1 `kunmap_atomic(kvaddr)`.
    KunmapAtomic {
        /// The caller.
        who: Who,
        /// The `km_type` (2.4.22 – 2.6.32).
        km_type: Option<String>,
        /// The address passed; by default the one `kmap_atomic` returned for `page`, or for
        /// the type (the top of the stack in 6.1).
        vaddr: Option<u32>,
        /// The page whose map is given back, to find its address.
        page: Option<PageRef>,
    },
    /// 6.1's `kmap_local_page(page)`.
    KmapLocal {
        /// The caller.
        who: Who,
        /// The page.
        page: PageRef,
    },
    /// 6.1's `kunmap_local(vaddr)`.
    KunmapLocal {
        /// The caller.
        who: Who,
        /// The address passed; by default the one the map of `page` returned, else the top of
        /// the stack.
        vaddr: Option<u32>,
        /// The page whose map is given back.
        page: Option<PageRef>,
    },
    /// `set_fixmap(idx, phys)` (`__set_fixmap` with `PAGE_KERNEL`, or another protection): the
    /// fixmap PTE, then a local `invlpg`.
    SetFixmap {
        /// The CPU that runs it.
        cpu: usize,
        /// The index: a name of `enum fixed_addresses` (`FIX_APIC_BASE`, `FIX_KMAP_BEGIN+3`) or
        /// a number.
        idx: String,
        /// The frame.
        pfn: u64,
        /// The protection.
        prot: Prot,
    },
    /// `clear_fixmap(idx)`.
    ClearFixmap {
        /// The CPU that runs it.
        cpu: usize,
        /// The index, as for `SetFixmap`.
        idx: String,
    },
    /// `vmalloc(size)` or `vmalloc_32(size)`.
    Vmalloc {
        /// The caller.
        who: Who,
        /// Bytes.
        size: u64,
        /// Which.
        flavor: VmallocFlavor,
        /// A name for the area.
        name: Option<String>,
        /// The caller's symbol for `/proc/vmallocinfo` (`n_tty_open+0x16/0x90`).
        caller: Option<String>,
    },
    /// `vfree(addr)`.
    Vfree {
        /// The caller.
        who: Who,
        /// The area.
        area: AreaRef,
    },
    /// `vmap(pages, count, VM_MAP, PAGE_KERNEL)`.
    Vmap {
        /// The caller.
        who: Who,
        /// The pages, in order.
        pages: Vec<PageRef>,
        /// A name for the area.
        name: Option<String>,
        /// The caller's symbol.
        caller: Option<String>,
    },
    /// `vunmap(addr)`: like `vfree`, but the pages stay the caller's.
    Vunmap {
        /// The caller.
        who: Who,
        /// The area.
        area: AreaRef,
    },
    /// `ioremap(phys, size)` or `ioremap_cache`.
    Ioremap {
        /// The caller.
        who: Who,
        /// The physical address.
        phys: u64,
        /// Bytes.
        size: u64,
        /// The caching.
        cache: IoCache,
        /// A name for the area.
        name: Option<String>,
        /// The caller's symbol.
        caller: Option<String>,
    },
    /// `iounmap(addr)`.
    Iounmap {
        /// The caller.
        who: Who,
        /// The area.
        area: AreaRef,
    },
    /// `purge_vmap_area_lazy()` (2.6.32, 6.1; what `vm_unmap_aliases()` forces).
    PurgeVmapAreaLazy,
    /// Reads `/proc/vmallocinfo` (and the vmalloc lines of `/proc/meminfo`).
    Vmallocinfo,
    /// Creates a task and makes it current on a CPU.
    Task {
        /// Its name.
        name: String,
        /// The CPU.
        cpu: usize,
        /// A kernel thread (no address space of its own).
        kthread: bool,
    },
    /// A context switch.
    Switch {
        /// The CPU.
        cpu: usize,
        /// The task to run.
        task: String,
    },
    /// A 32-bit data read through the CPU's TLB and page tables.
    Read {
        /// The CPU.
        cpu: usize,
        /// The address.
        vaddr: u32,
    },
    /// A 32-bit data write.
    Write {
        /// The CPU.
        cpu: usize,
        /// The address.
        vaddr: u32,
        /// The value.
        value: u32,
    },
    /// `invlpg`.
    Invlpg {
        /// The CPU.
        cpu: usize,
        /// The address.
        vaddr: u32,
    },
    /// Writes CR3 with its own value.
    ReloadCr3 {
        /// The CPU.
        cpu: usize,
    },
    /// Clears and sets CR4.PGE.
    TogglePge {
        /// The CPU.
        cpu: usize,
    },
    /// `flush_tlb_all()`: an IPI to every CPU.
    FlushTlbAll,
    /// Enters a hardware interrupt.
    IrqEnter {
        /// The CPU.
        cpu: usize,
    },
    /// Leaves it.
    IrqExit {
        /// The CPU.
        cpu: usize,
    },
    /// Enters a softirq.
    SoftirqEnter {
        /// The CPU.
        cpu: usize,
    },
    /// Leaves it.
    SoftirqExit {
        /// The CPU.
        cpu: usize,
    },
    /// `alloc_pages(gfp, order)`.
    AllocPages {
        /// The flags.
        gfp: Gfp,
        /// The order.
        order: u32,
        /// A name for the block.
        name: Option<String>,
    },
    /// `__free_pages(page, order)`.
    FreePages {
        /// The block.
        page: PageRef,
        /// Its order (defaults to the order it was allocated with).
        order: Option<u32>,
    },
    /// `__get_free_pages(gfp, order)`: like `alloc_pages`, but returns an address.
    GetFreePages {
        /// The flags.
        gfp: Gfp,
        /// The order.
        order: u32,
        /// A name for the block.
        name: Option<String>,
    },
    /// Writes a PTE of the kernel's reference tables (`init_mm`), allocating the page table
    /// if the page-directory entry is empty. No TLB is flushed.
    SetPte {
        /// The kernel address.
        vaddr: u32,
        /// The frame to map.
        pfn: u64,
        /// The protection.
        prot: Prot,
    },
    /// Clears a PTE of the reference tables. No TLB is flushed.
    PteClear {
        /// The kernel address.
        vaddr: u32,
    },
}

/// A named allocation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Handle {
    /// First frame.
    pub pfn: u64,
    /// Order.
    pub order: u32,
    /// Freed already.
    pub freed: bool,
}

/// The machine.
#[derive(Clone, Debug)]
pub struct Machine {
    profile: &'static Profile,
    config: MachineConfig,
    layout: Layout,
    cpu_spec: CpuSpec,
    tlb_arrays: Vec<TlbArray>,
    mem: PhysMem,
    kernel: KernelTables,
    cpus: Vec<Cpu>,
    tasks: Vec<Task>,
    handles: BTreeMap<String, Handle>,
    next_pid: u32,
    pkmap: Option<crate::highmem::Pkmap>,
    die_counter: u32,
    /// Typed-era temporary maps taken and not given back.
    atomic: Vec<crate::highmem::atomic::AtomicMap>,
    /// `WARN_ON_ONCE` sites that have fired (they stay quiet until reboot).
    warned_once: std::collections::BTreeSet<u32>,
    /// 2.6.32's `debug_kmap_atomic()` `warn_count`.
    debug_kmap_warnings: i32,
    /// A raw PTE operation wrote into the kmap range, so its PTEs need not match the
    /// record of who holds what any more (the outcome said so).
    kmap_tampered: bool,
    /// The vmalloc range.
    vm: crate::vmalloc::VmallocSpace,
    /// 6.1's `vfree`s queued from interrupt context: (CPU, address).
    deferred_vfree: Vec<(usize, u32)>,
}

impl Machine {
    /// Boots a machine.
    pub fn new(config: MachineConfig) -> Result<Machine, MachineError> {
        let profile = config.profile.profile();
        let layout = layout::compute(&LayoutRequest {
            profile: config.profile,
            e820: config.e820.clone(),
            pae: config.pae,
            highmem: config.highmem,
            nr_cpus: config.nr_cpus,
            vmalloc: config.vmalloc,
            config: config.config,
        })
        .map_err(MachineError::Layout)?;
        let nr_cpus = layout.resolved.nr_cpus;
        if config.cpus == 0 || config.cpus > nr_cpus as usize {
            return Err(MachineError::Cpus {
                cpus: config.cpus,
                nr_cpus,
            });
        }
        let cpu_spec = config.cpu_model.unwrap_or(profile.boot.default_cpu).spec();
        let mut tlb_arrays: Vec<TlbArray> = cpu_spec.dtlb.to_vec();
        if let Some((entries, ways)) = config.tlb {
            if entries == 0 || ways == 0 || entries % ways != 0 || entries > 4096 {
                return Err(MachineError::Tlb(format!(
                    "{entries} entries in {ways} ways: entries must be a multiple of ways, 1 to 4096"
                )));
            }
            if let Some(a) = tlb_arrays.iter_mut().find(|a| a.small) {
                a.entries = entries;
                a.ways = ways;
            }
        }
        let plan =
            kernel::plan(profile, &layout, &cpu_spec).map_err(|e| MachineError::Boot(e.0))?;
        let mut mem = PhysMem::boot(&layout, profile.boot.buddy, plan.reservations.clone());
        let kernel = kernel::build(profile, &layout, &cpu_spec, &plan, &mut mem);
        let mut m = Machine {
            profile,
            config,
            layout,
            cpu_spec,
            tlb_arrays,
            mem,
            kernel,
            cpus: Vec::new(),
            tasks: Vec::new(),
            handles: BTreeMap::new(),
            next_pid: 100,
            pkmap: None,
            die_counter: 0,
            atomic: Vec::new(),
            warned_once: Default::default(),
            debug_kmap_warnings: profile.atomic.debug_types.map_or(0, |d| d.warn_count),
            kmap_tampered: false,
            vm: crate::vmalloc::VmallocSpace::new(0, 0, profile.vmalloc.allocator),
            deferred_vfree: Vec::new(),
        };
        m.vm = crate::vmalloc::VmallocSpace::new(
            m.layout.vmalloc_start() as u32,
            m.layout.vmalloc_end() as u32,
            profile.vmalloc.allocator,
        );
        if let Some(base) = m.layout.pkmap_base() {
            let k = &m.kernel;
            m.pkmap = Some(crate::highmem::Pkmap::new(
                base as u32,
                m.layout.last_pkmap,
                profile.pkmap.store,
                k.mem_map.as_u32(),
                k.struct_page as u32,
                profile.pkmap.hash_mul,
            ));
        }
        for id in 0..m.config.cpus {
            let mut cpu = Cpu {
                id,
                current: None,
                active_mm: None,
                lazy: false,
                cr3: m.kernel.swapper_pg_dir,
                pdptes: [0; 4],
                pge: m.cpu_spec.pge,
                contexts: Vec::new(),
                preempt_disabled: 0,
                tlb: Tlb::new(&m.tlb_arrays),
                idle_kmap: Default::default(),
            };
            cpu.pdptes = m.load_pdptes(cpu.cr3);
            m.cpus.push(cpu);
        }
        Ok(m)
    }

    /// The four PDPTEs at a PAE CR3 (all zero without PAE).
    fn load_pdptes(&self, cr3: PhysAddr) -> [u64; 4] {
        let mut p = [0; 4];
        if self.kernel.mode == PagingMode::Pae {
            for (i, e) in p.iter_mut().enumerate() {
                *e = self
                    .mem
                    .read_u64(PhysAddr::new(cr3.as_u64() + 8 * i as u64));
            }
        }
        p
    }

    /// Carries out an operation.
    pub fn apply(&mut self, op: &Op) -> Outcome {
        let mut t = Tracer::new();
        let (result, value, message) = self.run_op(&mut t, op);
        let (trace, changes) = t.finish();
        let refused = trace.answer(REFUSAL).is_some();
        Outcome {
            result,
            value,
            message,
            trace,
            changes,
            refused,
        }
    }

    /// Carries out an operation without recording its trace, changes or message: the same
    /// code and the same effect on the machine as [`Machine::apply`], for runs where only
    /// the result counts (the benchmarks, long random runs).
    pub fn apply_quiet(&mut self, op: &Op) -> (ResultKind, Option<u64>) {
        let mut t = Tracer::quiet();
        let (result, value, _) = self.run_op(&mut t, op);
        (result, value)
    }

    fn run_op(&mut self, t: &mut Tracer, op: &Op) -> (ResultKind, Option<u64>, String) {
        match op {
            Op::Task { name, cpu, kthread } => self.op_task(t, name, *cpu, *kthread),
            Op::Switch { cpu, task } => self.op_switch(t, *cpu, task),
            Op::Read { cpu, vaddr } => self.op_access(t, *cpu, *vaddr, None),
            Op::Write { cpu, vaddr, value } => self.op_access(t, *cpu, *vaddr, Some(*value)),
            Op::Invlpg { cpu, vaddr } => self.op_invlpg(t, *cpu, *vaddr),
            Op::ReloadCr3 { cpu } => self.op_reload_cr3(t, *cpu),
            Op::TogglePge { cpu } => self.op_toggle_pge(t, *cpu),
            Op::FlushTlbAll => self.op_flush_tlb_all(t),
            Op::IrqEnter { cpu } => self.op_enter(t, *cpu, crate::sched::Context::Hardirq),
            Op::SoftirqEnter { cpu } => self.op_enter(t, *cpu, crate::sched::Context::Softirq),
            Op::IrqExit { cpu } => self.op_exit(t, *cpu, crate::sched::Context::Hardirq),
            Op::SoftirqExit { cpu } => self.op_exit(t, *cpu, crate::sched::Context::Softirq),
            Op::AllocPages { gfp, order, name } => {
                self.op_alloc_pages(t, gfp, *order, name.as_deref())
            }
            Op::FreePages { page, order } => self.op_free_pages(t, page, *order),
            Op::GetFreePages { gfp, order, name } => {
                self.op_get_free_pages(t, gfp, *order, name.as_deref())
            }
            Op::SetPte { vaddr, pfn, prot } => self.op_set_pte(t, *vaddr, *pfn, *prot),
            Op::PteClear { vaddr } => self.op_pte_clear(t, *vaddr),
            Op::Kmap {
                task,
                page,
                nonblock,
            } => self.op_kmap(t, task, page, *nonblock),
            Op::Kunmap { task, page } => self.op_kunmap(t, task, page),
            Op::KmapFlushUnused => self.op_kmap_flush_unused(t),
            Op::KmapAtomic { who, page, km_type } => {
                self.op_kmap_atomic(t, who, page, km_type.as_deref())
            }
            Op::KunmapAtomic {
                who,
                km_type,
                vaddr,
                page,
            } => self.op_kunmap_atomic(t, who, km_type.as_deref(), *vaddr, page.as_ref()),
            Op::KmapLocal { who, page } => self.op_kmap_local(t, who, page),
            Op::KunmapLocal { who, vaddr, page } => {
                self.op_kunmap_local(t, who, *vaddr, page.as_ref())
            }
            Op::SetFixmap {
                cpu,
                idx,
                pfn,
                prot,
            } => self.op_set_fixmap(t, *cpu, idx, Some((*pfn, *prot))),
            Op::ClearFixmap { cpu, idx } => self.op_set_fixmap(t, *cpu, idx, None),
            Op::Vmalloc {
                who,
                size,
                flavor,
                name,
                caller,
            } => self.op_vmalloc(t, who, *size, *flavor, name.as_deref(), caller.as_deref()),
            Op::Vfree { who, area } => self.op_vfree(t, who, area, false),
            Op::Vunmap { who, area } => self.op_vfree(t, who, area, true),
            Op::Vmap {
                who,
                pages,
                name,
                caller,
            } => self.op_vmap(t, who, pages, name.as_deref(), caller.as_deref()),
            Op::Ioremap {
                who,
                phys,
                size,
                cache,
                name,
                caller,
            } => self.op_ioremap(
                t,
                who,
                *phys,
                *size,
                *cache,
                name.as_deref(),
                caller.as_deref(),
            ),
            Op::Iounmap { who, area } => self.op_iounmap(t, who, area),
            Op::PurgeVmapAreaLazy => self.op_purge(t),
            Op::Vmallocinfo => self.op_vmallocinfo(t),
        }
    }

    /// The profile.
    pub fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// The configuration the machine was built from.
    pub fn config(&self) -> &MachineConfig {
        &self.config
    }

    /// The layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The CPU model.
    pub fn cpu_spec(&self) -> &CpuSpec {
        &self.cpu_spec
    }

    /// Physical memory.
    pub fn mem(&self) -> &PhysMem {
        &self.mem
    }

    /// The kernel's reference page tables.
    pub fn kernel_tables(&self) -> &KernelTables {
        &self.kernel
    }

    /// The CPUs.
    pub fn cpus(&self) -> &[Cpu] {
        &self.cpus
    }

    /// The tasks.
    pub fn tasks(&self) -> &[Task] {
        &self.tasks
    }

    /// A task's index by name.
    pub fn task_index(&self, name: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.name == name)
    }

    /// The named allocations.
    pub fn handles(&self) -> &BTreeMap<String, Handle> {
        &self.handles
    }

    /// The pkmap state (HIGHMEM kernels only).
    pub fn pkmap(&self) -> Option<&crate::highmem::Pkmap> {
        self.pkmap.as_ref()
    }

    /// A walk of `va` through a CPU's current tables, without touching the TLB or A/D bits:
    /// what the page-walk view shows.
    pub fn probe(&self, cpu: usize, va: VirtAddr) -> Option<crate::mmu::Walk> {
        let c = self.cpus.get(cpu)?;
        Some(crate::mmu::walk(
            &self.mem,
            &self.walk_ctx(c),
            va,
            crate::mmu::Access::Read,
        ))
    }

    /// The raw entries of a paging structure in memory: 4 for a PAE PDPT, else 512 or 1024.
    pub fn read_table(&self, table: PhysAddr, pdpt: bool) -> Vec<u64> {
        let mode = self.kernel.mode;
        let n = if pdpt { 4 } else { mode.entries_per_table() };
        crate::paging::read_table(&self.mem, mode, table, n)
            .into_iter()
            .map(|e| e.raw())
            .collect()
    }

    /// A 32-bit word of physical memory.
    pub fn read_phys_u32(&self, addr: PhysAddr) -> u32 {
        self.mem.read_u32(addr)
    }

    fn walk_ctx(&self, c: &Cpu) -> crate::mmu::WalkCtx {
        crate::mmu::WalkCtx {
            mode: self.kernel.mode,
            cr3: c.cr3,
            pdptes: c.pdptes,
            nxe: self.kernel.nxe,
            wp: true,
            user: false,
        }
    }

    /// The state as plain data.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            profile: self.profile.name.to_string(),
            paging: if self.kernel.mode == PagingMode::Pae {
                "pae"
            } else {
                "non-pae"
            }
            .to_string(),
            cpu_model: self.cpu_spec.name.to_string(),
            cpus: self
                .cpus
                .iter()
                .map(|c| CpuSnapshot {
                    id: c.id,
                    current: c.current.map(|i| self.tasks[i].name.clone()),
                    context: c.context_name().to_string(),
                    preempt_count: self.preempt_count(c),
                    cr3: format!("{:#x}", c.cr3.as_u64()),
                    pge: c.pge,
                    lazy: c.lazy,
                    tlb: c
                        .tlb
                        .entries()
                        .into_iter()
                        .map(|(s, e)| TlbSnapshot::of(s, e))
                        .collect(),
                    tlb_counters: c.tlb.counters,
                })
                .collect(),
            tasks: self
                .tasks
                .iter()
                .map(|t| TaskSnapshot {
                    name: t.name.clone(),
                    pid: t.pid,
                    kthread: t.kthread,
                    state: t.state.clone(),
                    pgd: t.pgd.map(|p| format!("{:#x}", p.as_u64())),
                    kmap_ctrl: self.profile.atomic.local.map(|_| t.kmap_ctrl.clone()),
                })
                .collect(),
            zones: self
                .mem
                .zones()
                .iter()
                .map(|z| ZoneSnapshot {
                    zone: z.kind.name().to_string(),
                    start_pfn: z.start,
                    end_pfn: z.end,
                    present: z.present,
                    managed: z.managed,
                    free_pages: z.free_pages,
                    free_blocks: z.free.iter().map(|l| l.len()).collect(),
                })
                .collect(),
            buddyinfo: self.mem.buddyinfo(),
            reservations: self.mem.reservations().to_vec(),
            handles: self.handles.clone(),
            direct_map: self.kernel.meminfo_direct_map(),
            pkmap: self.pkmap.as_ref().map(|p| PkmapSnapshot {
                pkmap_base: format!("{:#010x}", p.base),
                pkmap_count: p.count.clone(),
                last_pkmap_nr: p.last_pkmap_nr,
                pkmap_wait: p.wait.iter().map(|&i| self.tasks[i].name.clone()).collect(),
                page_address_htable: match p.store {
                    crate::highmem::AddressStore::PageVirtual => Vec::new(),
                    _ => p
                        .buckets
                        .iter()
                        .map(|chain| {
                            chain
                                .iter()
                                .filter_map(|&e| p.maps[e])
                                .map(|m| AddressEntry {
                                    pfn: format!("{:#x}", m.pfn),
                                    vaddr: format!("{:#010x}", m.vaddr),
                                    entry: p.maps.iter().position(|x| *x == Some(m)).unwrap_or(0),
                                })
                                .collect()
                        })
                        .collect(),
                },
                page_virtual: p
                    .page_virtual
                    .iter()
                    .map(|(&pfn, &v)| AddressEntry {
                        pfn: format!("{pfn:#x}"),
                        vaddr: format!("{v:#010x}"),
                        entry: 0,
                    })
                    .collect(),
                page_address_pool: p.pool.len(),
            }),
            kmap_slots: self
                .kmap_slots()
                .into_iter()
                .filter(|s| s.frame.is_some() || !s.holders.is_empty())
                .collect(),
            atomic: self.atomic.clone(),
            vmalloc: self
                .vm
                .areas
                .values()
                .map(|a| VmAreaSnapshot {
                    start: format!("{:#010x}", a.addr),
                    end: format!("{:#010x}", a.end()),
                    size: u64::from(a.size),
                    pages: a.pages.len(),
                    frames: a.pages.iter().map(|p| format!("{p:#x}")).collect(),
                    kind: if a.flags & crate::vmalloc::VM_IOREMAP != 0 {
                        "ioremap"
                    } else if a.flags & crate::vmalloc::VM_MAP != 0 {
                        "vmap"
                    } else {
                        "vmalloc"
                    }
                    .into(),
                    phys: (a.phys_addr != 0).then(|| format!("{:#x}", a.phys_addr)),
                    caller: a.caller.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            vmalloc_lazy: self.vm.lazy.values().copied().collect(),
            vmap_lazy_nr: self.vm.lazy_nr,
            vmallocinfo: self.vmallocinfo(),
        }
    }

    /// Figures for plots over the op history: TLB hits and misses, pkmap occupancy, vmalloc
    /// use and fragmentation.
    pub fn metrics(&self) -> Metrics {
        let (hits, misses) = self.cpus.iter().fold((0, 0), |(h, m), c| {
            (h + c.tlb.counters.hits, m + c.tlb.counters.misses)
        });
        let (pkmap_in_use, pkmap_unflushed, pkmap_slots) = match &self.pkmap {
            Some(p) => (
                p.count.iter().filter(|&&c| c >= 2).count() as u32,
                p.count.iter().filter(|&&c| c == 1).count() as u32,
                p.slots(),
            ),
            None => (0, 0, 0),
        };
        let gaps = self.vm.gaps();
        let free: u64 = gaps.iter().map(|(s, e)| u64::from(e - s)).sum();
        let largest = gaps
            .iter()
            .map(|(s, e)| u64::from(e - s))
            .max()
            .unwrap_or(0);
        Metrics {
            tlb_hits: hits,
            tlb_misses: misses,
            pkmap_in_use,
            pkmap_unflushed,
            pkmap_slots,
            kmap_slots_held: self
                .kmap_slots()
                .iter()
                .filter(|s| !s.holders.is_empty())
                .count(),
            vmalloc_total: u64::from(self.vm.end - self.vm.start),
            vmalloc_areas: self.vm.areas.len(),
            vmalloc_used: self.vm.areas.values().map(|a| u64::from(a.size)).sum(),
            vmalloc_lazy: self
                .vm
                .lazy
                .values()
                .map(|l| u64::from(l.end - l.start))
                .sum(),
            vmalloc_free: free,
            vmalloc_largest_free: largest,
            vmalloc_holes: gaps.len(),
        }
    }

    /// The preempt count of a CPU as its kernel would hold it (2.4 has none: 0).
    pub fn preempt_count(&self, c: &Cpu) -> u32 {
        match self.profile.messages.preempt {
            Some(_) => self.profile.messages.preempt_count(
                c.preempt_disabled,
                c.softirq_count(),
                c.hardirq_count(),
            ),
            None => 0,
        }
    }

    /// Everything that must always hold, at a cost fit for every operation: the allocator's
    /// lists (not frame by frame; see [`Machine::check_invariants_full`]), tasks and CPUs,
    /// TLBs, named blocks and the pkmap window.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.mem.check_lists()?;
        self.check_rest()
    }

    /// [`Machine::check_invariants`] plus the frame-by-frame check of physical memory.
    pub fn check_invariants_full(&self) -> Result<(), String> {
        self.mem.check_invariants()?;
        self.check_rest()
    }

    fn check_rest(&self) -> Result<(), String> {
        for (i, t) in self.tasks.iter().enumerate() {
            if let TaskState::Running { cpu } = t.state {
                if self.cpus.get(cpu).and_then(|c| c.current) != Some(i) {
                    return Err(format!(
                        "task {} says it runs on CPU {cpu}, which runs another",
                        t.name
                    ));
                }
            }
            for &f in &t.pgd_frames {
                if self.mem.frame(f).kind() != crate::phys::FrameKind::Allocated {
                    return Err(format!(
                        "task {}'s page directory frame {f:#x} is not allocated",
                        t.name
                    ));
                }
            }
        }
        for c in &self.cpus {
            if let Some(i) = c.current {
                if self.tasks[i].state != (TaskState::Running { cpu: c.id }) {
                    return Err(format!(
                        "CPU {} runs {}, which is not marked running there",
                        c.id, self.tasks[i].name
                    ));
                }
            }
            for (slot, e) in c.tlb.entries() {
                let others = c
                    .tlb
                    .entries()
                    .into_iter()
                    .filter(|(s, o)| {
                        s.array == slot.array && o.va == e.va && o.page_size == e.page_size
                    })
                    .count();
                if others != 1 {
                    return Err(format!("CPU {} caches {:#x} twice", c.id, e.va));
                }
            }
        }
        if let Some(p) = &self.pkmap {
            p.check()?;
            let pt = self
                .kernel
                .pkmap_page_table
                .unwrap_or(self.kernel.swapper_pg_dir);
            let pages = p.slot_pages();
            for nr in 0..p.slots() {
                let pte = crate::paging::read_entry(&self.mem, self.kernel.mode, pt, u64::from(nr));
                match pages[nr as usize] {
                    Some(pfn) if !(pte.is_present() && pte.addr().pfn_down().as_u64() == pfn) => {
                        return Err(format!(
                            "pkmap slot {nr} holds frame {pfn:#x} but its PTE is {:#x}",
                            pte.raw()
                        ));
                    }
                    None if pte.is_present() => {
                        return Err(format!(
                            "pkmap slot {nr} is free but its PTE is {:#x}",
                            pte.raw()
                        ));
                    }
                    _ => {}
                }
                if !self.config.skip_pkmap_flush
                    && p.count[nr as usize] == 0
                    && p.dirty[nr as usize]
                {
                    return Err(format!(
                        "pkmap slot {nr} is free but was not flushed since its last use"
                    ));
                }
            }
            for &w in &p.wait {
                if self.tasks[w].pending.is_none() {
                    return Err(format!(
                        "{} waits on pkmap_map_wait with nothing pending",
                        self.tasks[w].name
                    ));
                }
            }
        }
        self.check_atomic()?;
        self.check_vmalloc()?;
        for (name, h) in &self.handles {
            let f = self.mem.frame(h.pfn);
            let allocated =
                f.kind() == crate::phys::FrameKind::Allocated && f.head_order() == Some(h.order);
            if !h.freed && !allocated {
                return Err(format!("{name} ({:#x}) should be allocated", h.pfn));
            }
        }
        Ok(())
    }
}

/// Figures a plot over the op history draws (see [`Machine::metrics`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Metrics {
    /// TLB hits, all CPUs.
    pub tlb_hits: u64,
    /// TLB misses, all CPUs.
    pub tlb_misses: u64,
    /// pkmap slots with users (count ≥ 2).
    pub pkmap_in_use: u32,
    /// pkmap slots unused but not yet flushed (count 1).
    pub pkmap_unflushed: u32,
    /// `LAST_PKMAP` (0 without HIGHMEM).
    pub pkmap_slots: u32,
    /// Temporary-map slots someone holds.
    pub kmap_slots_held: usize,
    /// Bytes from `VMALLOC_START` to `VMALLOC_END`.
    pub vmalloc_total: u64,
    /// Live areas.
    pub vmalloc_areas: usize,
    /// Bytes the live areas take, guard pages included.
    pub vmalloc_used: u64,
    /// Bytes lazily freed and not yet purged.
    pub vmalloc_lazy: u64,
    /// Free bytes.
    pub vmalloc_free: u64,
    /// The largest free hole: the biggest area that could still be reserved.
    pub vmalloc_largest_free: u64,
    /// Free holes.
    pub vmalloc_holes: usize,
}

impl Metrics {
    /// The TLB hit rate so far (0 before any access).
    pub fn tlb_hit_rate(&self) -> f64 {
        let all = self.tlb_hits + self.tlb_misses;
        if all == 0 {
            0.0
        } else {
            self.tlb_hits as f64 / all as f64
        }
    }

    /// vmalloc fragmentation: the share of free space not in the largest hole (0 when all
    /// free space is one hole).
    pub fn vmalloc_fragmentation(&self) -> f64 {
        if self.vmalloc_free == 0 {
            0.0
        } else {
            1.0 - self.vmalloc_largest_free as f64 / self.vmalloc_free as f64
        }
    }
}

/// A CPU, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CpuSnapshot {
    /// Its number.
    pub id: usize,
    /// The current task (`None`: idle).
    pub current: Option<String>,
    /// process, softirq or hardirq.
    pub context: String,
    /// The preempt count.
    pub preempt_count: u32,
    /// CR3.
    pub cr3: String,
    /// CR4.PGE.
    pub pge: bool,
    /// Lazy TLB mode.
    pub lazy: bool,
    /// The TLB's valid entries.
    pub tlb: Vec<TlbSnapshot>,
    /// Its counters.
    pub tlb_counters: crate::mmu::tlb::TlbCounters,
}

/// A TLB entry, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlbSnapshot {
    /// Array, set and way.
    pub array: usize,
    /// Set.
    pub set: usize,
    /// Way.
    pub way: usize,
    /// Virtual page.
    pub va: String,
    /// Physical frame.
    pub frame: String,
    /// Page size.
    pub page_size: u64,
    /// Global.
    pub global: bool,
    /// Writable.
    pub writable: bool,
}

impl TlbSnapshot {
    fn of(s: crate::mmu::Slot, e: TlbEntry) -> TlbSnapshot {
        TlbSnapshot {
            array: s.array,
            set: s.set,
            way: s.way,
            va: format!("{:#010x}", e.va),
            frame: format!("{:#x}", e.frame),
            page_size: e.page_size,
            global: e.rights.global,
            writable: e.rights.writable,
        }
    }
}

/// A task, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TaskSnapshot {
    /// Name.
    pub name: String,
    /// Pid.
    pub pid: u32,
    /// Kernel thread.
    pub kthread: bool,
    /// State.
    pub state: TaskState,
    /// Page directory.
    pub pgd: Option<String>,
    /// 6.1's `kmap_ctrl` stack.
    pub kmap_ctrl: Option<crate::highmem::atomic::KmapCtrl>,
}

/// A zone's allocator, as data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZoneSnapshot {
    /// Name.
    pub zone: String,
    /// First frame.
    pub start_pfn: u64,
    /// One past the last.
    pub end_pfn: u64,
    /// RAM frames.
    pub present: u64,
    /// Frames the allocator manages.
    pub managed: u64,
    /// Free frames.
    pub free_pages: u64,
    /// Free blocks per order.
    pub free_blocks: Vec<usize>,
}

/// The machine's state as plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The kernel.
    pub profile: String,
    /// Paging mode.
    pub paging: String,
    /// CPU model.
    pub cpu_model: String,
    /// CPUs.
    pub cpus: Vec<CpuSnapshot>,
    /// Tasks.
    pub tasks: Vec<TaskSnapshot>,
    /// Zones.
    pub zones: Vec<ZoneSnapshot>,
    /// `/proc/buddyinfo`.
    pub buddyinfo: String,
    /// Boot reservations.
    pub reservations: Vec<Reservation>,
    /// Named allocations.
    pub handles: BTreeMap<String, Handle>,
    /// The `DirectMap` lines of `/proc/meminfo`.
    pub direct_map: String,
    /// The persistent kmaps (HIGHMEM kernels).
    pub pkmap: Option<PkmapSnapshot>,
    /// The kmap slots whose PTE is present, or that someone holds.
    pub kmap_slots: Vec<KmapSlot>,
    /// Typed-era `kmap_atomic` maps held, lowmem ones included.
    pub atomic: Vec<crate::highmem::atomic::AtomicMap>,
    /// The live vmalloc areas (vmalloc, vmap, ioremap), lowest first.
    pub vmalloc: Vec<VmAreaSnapshot>,
    /// Ranges freed lazily and not yet purged (2.6.32, 6.1), and `vmap_lazy_nr`.
    pub vmalloc_lazy: Vec<crate::vmalloc::LazyRange>,
    /// `vmap_lazy_nr`.
    pub vmap_lazy_nr: u64,
    /// `/proc/vmallocinfo`, where the era has it.
    pub vmallocinfo: Option<String>,
}

/// A vmalloc area, as data (the keys `hmsim run --json` promises: start, end, size, pages).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VmAreaSnapshot {
    /// First byte.
    pub start: String,
    /// One past the last, guard page included.
    pub end: String,
    /// Bytes, guard page included.
    pub size: u64,
    /// Pages mapped (vmalloc, vmap; 0 for ioremap).
    pub pages: usize,
    /// The frames, in address order.
    pub frames: Vec<String>,
    /// `vmalloc`, `vmap` or `ioremap`.
    pub kind: String,
    /// `phys_addr` of an ioremap.
    pub phys: Option<String>,
    /// The caller.
    pub caller: String,
    /// The script's name for it.
    pub name: Option<String>,
}

/// A page and its pkmap address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddressEntry {
    /// The page's frame.
    pub pfn: String,
    /// Its address.
    pub vaddr: String,
    /// Which `page_address_maps[]` entry holds it.
    pub entry: usize,
}

/// The pkmap state, as data (the keys `hmsim run --json` promises).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PkmapSnapshot {
    /// `PKMAP_BASE`.
    pub pkmap_base: String,
    /// `pkmap_count[]`.
    pub pkmap_count: Vec<u32>,
    /// `last_pkmap_nr`.
    pub last_pkmap_nr: u32,
    /// Tasks on `pkmap_map_wait`.
    pub pkmap_wait: Vec<String>,
    /// The 128 buckets, each its chain (2.6 and 6.1; empty in 2.4).
    pub page_address_htable: Vec<Vec<AddressEntry>>,
    /// 2.4's `page->virtual` of mapped highmem pages.
    pub page_virtual: Vec<AddressEntry>,
    /// Free entries in 2.6's `page_address_pool`.
    pub page_address_pool: usize,
}
