//! `vmalloc`, `vfree`, `vmap`, `vunmap`, `ioremap`, `iounmap` and the lazy purge, as each era
//! does them: the area from [`crate::vmalloc::VmallocSpace`], one page at a time from the
//! buddy allocator, PTEs in the kernel's reference tables (`init_mm`), and the TLB flushes —
//! at once before 2.6.28, at the purge after. Also the vmalloc fault that copies a missing
//! page-directory entry into a process (non-PAE).

use super::ops_cpu::{refuse, Done};
use super::{Machine, PageRef, ResultKind, Who};
use crate::addr::{Pfn, PhysAddr, VirtAddr, PAGE_SIZE};
use crate::layout::memory::ZoneKind;
use crate::layout::PAGE_OFFSET;
use crate::paging::{read_entry, write_entry, Entry, EntryFlags, PagingMode, Split};
use crate::phys::FrameKind;
use crate::profile::{IoremapAlign, VfreeIrq, VmFailMsg};
use crate::trace::Tracer;
use crate::vmalloc::{
    Allocator, PagesArray, VmArea, VmallocSpace, PAGE, VM_ALLOC, VM_IOREMAP, VM_MAP, VM_VPAGES,
};
use serde::{Deserialize, Serialize};

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// Which vmalloc.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VmallocFlavor {
    /// `vmalloc()`: `GFP_KERNEL | __GFP_HIGHMEM`.
    Vmalloc,
    /// `vmalloc_32()`: low memory only.
    Vmalloc32,
}

/// An area named by a script, or by its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaRef {
    /// The name given with `as=`.
    Name(String),
    /// The address returned.
    Addr(u32),
}

/// How an ioremap is cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoCache {
    /// `ioremap()`/`ioremap_nocache()`: uncached.
    Uncached,
    /// `ioremap_cache()`: write-back.
    Cached,
}

/// What the vmalloc fault did.
pub(super) enum Fixup {
    /// Not a vmalloc fault (or nothing to copy): the oops stands.
    No(String),
    /// The entry was copied: walk again.
    Copied,
}

impl Machine {
    fn vm_space(&self) -> &VmallocSpace {
        &self.vm
    }

    /// `in_interrupt()` on the caller's CPU.
    fn in_irq_on(&self, cpu: usize) -> bool {
        self.cpus[cpu].in_interrupt()
    }

    fn vm_bug(&mut self, t: &mut Tracer, cpu: usize, line: u32, why: &str) -> Done {
        t.leaf("BUG", &[("at", format!("mm/vmalloc.c:{line}"))], "BUG");
        let (kind, v, msg) = self.bug(t, "mm/vmalloc.c", line);
        let panic = if self.in_irq_on(cpu) {
            format!("\n{}", self.profile.messages.panic_in_interrupt())
        } else {
            String::new()
        };
        (kind, v, format!("{msg}{panic}\n({why})"))
    }

    /// The page table for a kernel address in the reference tables, allocated if missing
    /// (`pte_alloc_kernel`). With 6.1's eager sync (non-PAE) a new page-directory entry is
    /// copied into every process at once; before, processes find it through a vmalloc fault.
    pub(super) fn kernel_pte_table(
        &mut self,
        t: &mut Tracer,
        va: u32,
        eager_sync: bool,
    ) -> Result<(PhysAddr, u64), String> {
        let mode = self.kernel.mode;
        let pd = self.kernel.kernel_pmd.unwrap_or(self.kernel.swapper_pg_dir);
        let index = Split::of(mode, VirtAddr::new(va)).pd.get();
        let pde = read_entry(&self.mem, mode, pd, index);
        let pti = Split::of(mode, VirtAddr::new(va)).pt.get();
        if pde.is_present() {
            if pde.is_large() {
                return Err(format!(
                    "{va:#010x} lies in a large page of the direct map; splitting it is not modelled"
                ));
            }
            return Ok((pde.addr(), pti));
        }
        let gfp = super::Gfp::parse("GFP_KERNEL").map_err(|e| e.to_string())?;
        t.enter("pte_alloc_kernel", &[("addr", format!("{va:#010x}"))]);
        let Some(rec) = self.alloc(t, &gfp, 0) else {
            t.exit();
            return Err("no memory for a page table".into());
        };
        self.mem.clear_frame(rec.pfn);
        let table = Pfn::new(rec.pfn).addr();
        let new = Entry::from_raw(mode, table.as_u64() | 0x067);
        write_entry(&mut self.mem, mode, pd, index, new);
        t.result(format!("page table at {}", hex(table.as_u64())));
        t.exit();
        t.change(
            format!("pde@{}", hex(pd.as_u64() + index * mode.entry_size())),
            "0x0",
            hex(new.raw()),
        );
        if mode == PagingMode::NonPae {
            if eager_sync {
                let mut copied = 0;
                for ti in 0..self.tasks.len() {
                    if let Some(pgd) = self.tasks[ti].pgd {
                        write_entry(&mut self.mem, mode, pgd, index, new);
                        copied += 1;
                    }
                }
                t.leaf(
                    "arch_sync_kernel_mappings",
                    &[("pgd_list", format!("{copied} processes"))],
                    "the new entry is copied into every page directory",
                );
            } else {
                t.decide(
                    "visible to existing processes?",
                    "not yet: their page directories hold copies made at fork (a vmalloc fault will copy it)",
                );
            }
        }
        Ok((table, pti))
    }

    fn write_kernel_pte(&mut self, t: &mut Tracer, va: u32, e: Entry) -> Result<(), String> {
        let (pt, i) = self.kernel_pte_table(t, va, self.profile.vmalloc.eager_sync)?;
        let old = write_entry(&mut self.mem, self.kernel.mode, pt, i, e);
        if old.raw() != e.raw() {
            t.change(format!("pte[{va:#010x}]"), hex(old.raw()), hex(e.raw()));
        }
        Ok(())
    }

    /// The PTE of a kernel address in the reference tables, if its page table exists.
    pub(super) fn kernel_pte(&self, va: u32) -> Option<Entry> {
        let mode = self.kernel.mode;
        let pd = self.kernel.kernel_pmd.unwrap_or(self.kernel.swapper_pg_dir);
        let split = Split::of(mode, VirtAddr::new(va));
        let pde = read_entry(&self.mem, mode, pd, split.pd.get());
        (pde.is_present() && !pde.is_large())
            .then(|| read_entry(&self.mem, mode, pde.addr(), split.pt.get()))
    }

    /// Clears the PTEs of `[start, end)` in the reference tables; returns how many were set.
    fn clear_kernel_ptes(&mut self, t: &mut Tracer, start: u32, end: u32) -> usize {
        let mode = self.kernel.mode;
        let pd = self.kernel.kernel_pmd.unwrap_or(self.kernel.swapper_pg_dir);
        let mut n = 0;
        let mut va = u64::from(start);
        while va < u64::from(end) {
            let split = Split::of(mode, VirtAddr::new(va as u32));
            let pde = read_entry(&self.mem, mode, pd, split.pd.get());
            if pde.is_present() && !pde.is_large() {
                let old = write_entry(
                    &mut self.mem,
                    mode,
                    pde.addr(),
                    split.pt.get(),
                    Entry::empty(mode),
                );
                if old.is_present() {
                    n += 1;
                }
            }
            va += PAGE_SIZE;
        }
        if n > 0 {
            t.change(
                format!("pte[{start:#010x}..{end:#010x}]"),
                format!("{n} present"),
                "cleared",
            );
        }
        n
    }

    /// `flush_tlb_kernel_range(start, end)`: `flush_tlb_all()` before 6.1; in 6.1 one
    /// `invlpg` per page on every CPU up to the ceiling (33 pages), a full flush beyond.
    fn flush_kernel_range(&mut self, t: &mut Tracer, start: u32, end: u32) {
        let pages = (u64::from(end) - u64::from(start)) / PAGE_SIZE;
        match self.profile.vmalloc.flush_ceiling {
            Some(ceiling) if pages <= u64::from(ceiling) => {
                t.enter(
                    "flush_tlb_kernel_range",
                    &[
                        ("start", format!("{start:#010x}")),
                        ("end", format!("{end:#010x}")),
                    ],
                );
                t.decide(
                    "how",
                    format!("{pages} pages ≤ {ceiling}: invlpg each page, on every CPU"),
                );
                for cpu in 0..self.cpus.len() {
                    t.enter("do_kernel_range_flush", &[("cpu", cpu.to_string())]);
                    let mut dropped = 0;
                    let mut va = u64::from(start);
                    while va < u64::from(end) {
                        dropped += self.cpus[cpu].tlb.invlpg(va).len();
                        va += PAGE_SIZE;
                    }
                    t.result(format!("{dropped} TLB entries dropped"));
                    if dropped > 0 {
                        t.change(
                            format!("cpu{cpu}.tlb"),
                            format!("{dropped} entries"),
                            "invalidated",
                        );
                    }
                    t.exit();
                }
                t.exit();
            }
            ceiling => {
                let name = if self.profile.name == "2.4.22" {
                    "flush_tlb_all"
                } else {
                    "flush_tlb_kernel_range"
                };
                t.enter(name, &[]);
                t.decide(
                    "how",
                    match ceiling {
                        Some(c) => format!("{pages} pages > {c}: a full flush on every CPU"),
                        None => "flush_tlb_all(): every CPU flushes everything, globals too".into(),
                    },
                );
                for cpu in 0..self.cpus.len() {
                    t.enter("do_flush_tlb_all", &[("cpu", cpu.to_string())]);
                    self.flush_tlb_all_local(t, cpu);
                    t.exit();
                }
                t.exit();
            }
        }
    }

    /// The area an `AreaRef` names.
    fn area_addr(&self, t: &mut Tracer, area: &AreaRef) -> Result<u32, Done> {
        match area {
            AreaRef::Addr(a) => Ok(*a),
            AreaRef::Name(n) => self
                .vm
                .areas
                .values()
                .find(|a| a.name.as_deref() == Some(n.as_str()))
                .map(|a| a.returned)
                .ok_or_else(|| refuse(t, format!("no live area is called {n}"))),
        }
    }

    fn check_area_name(&self, t: &mut Tracer, name: Option<&str>) -> Result<(), Done> {
        match name {
            Some(n) if self.vm.areas.values().any(|a| a.name.as_deref() == Some(n)) => {
                Err(refuse(t, format!("an area called {n} exists already")))
            }
            _ => Ok(()),
        }
    }

    /// `__get_vm_area_node()`: the guard page, the search, and in the lazy eras one purge and
    /// a second try before the failure message.
    fn get_vm_area(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        size: u32,
        align: u32,
        flags: u32,
    ) -> Result<u32, Done> {
        let rules = self.profile.vmalloc;
        let func = if flags == VM_ALLOC {
            rules.names.get_area
        } else {
            match rules.allocator {
                Allocator::Vmlist24 => "get_vm_area",
                Allocator::Vmlist26 => "__get_vm_area",
                _ => "__get_vm_area_node",
            }
        };
        let flag = match flags {
            VM_IOREMAP => "VM_IOREMAP",
            VM_MAP => "VM_MAP",
            _ => "VM_ALLOC",
        };
        t.enter(
            func,
            &[
                ("size", hex(size.into())),
                ("align", hex(align.into())),
                ("flags", flag.into()),
            ],
        );
        if let Some(line) = rules.get_area_irq_bug {
            let irq = self.in_irq_on(cpu);
            t.decide("in_interrupt()? (BUG)", if irq { "yes" } else { "no" });
            if irq {
                return Err(self.vm_bug(
                    t,
                    cpu,
                    line,
                    "vmalloc space is handed out in process context only",
                ));
            }
        }
        let with_guard = size + PAGE;
        t.decide(
            "size with the guard page",
            format!("{} + 4 KiB = {} bytes", size, with_guard),
        );
        let (start, end) = (self.vm.start, self.vm.end);
        let lazy_era = matches!(
            rules.allocator,
            Allocator::VmapLazy | Allocator::VmapFreeTree
        );
        if lazy_era {
            t.enter("alloc_vmap_area", &[]);
        }
        let mut found = self.vm.find(with_guard, align, start, end);
        if found.is_err() && !self.vm.lazy.is_empty() {
            t.decide("fits?", "no: purge the lazily freed areas and try again");
            self.purge_lazy(t);
            found = self.vm.find(with_guard, align, start, end);
        }
        if lazy_era {
            t.exit();
        }
        match found {
            Ok(addr) => {
                t.decide("fits?", format!("yes: {addr:#010x}"));
                t.result(format!("{addr:#010x}"));
                t.exit();
                Ok(addr)
            }
            Err(_) => {
                t.decide("fits?", "no");
                t.result("NULL");
                t.exit();
                let msg = match rules.fail {
                    VmFailMsg::None => String::new(),
                    VmFailMsg::OutOfSpace => "allocation failed: out of vmalloc space - use vmalloc=<size> to increase size.".into(),
                    VmFailMsg::VmapAllocation { period, .. } => format!(
                        "vmap allocation for size {with_guard} failed: use vmalloc=<size> to increase size{}",
                        if period { "." } else { "" }
                    ),
                };
                Err((ResultKind::Warn, Some(0), msg))
            }
        }
    }

    fn alloc_quiet(&mut self, highest: ZoneKind) -> Option<u64> {
        self.mem
            .zonelist(highest)
            .into_iter()
            .find_map(|z| self.mem.alloc_from(z, 0))
            .map(|r| r.pfn)
    }

    pub(super) fn op_vmalloc(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        size: u64,
        flavor: VmallocFlavor,
        name: Option<&str>,
        caller: Option<&str>,
    ) -> Done {
        let fname = match flavor {
            VmallocFlavor::Vmalloc => "vmalloc",
            VmallocFlavor::Vmalloc32 => "vmalloc_32",
        };
        t.enter(fname, &[("size", hex(size))]);
        let cpu = match self.who_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        if let Err(d) = self.check_area_name(t, name) {
            return d;
        }
        let caller = caller.unwrap_or_default().to_string();
        match self.vmalloc_area(t, cpu, size, flavor, &caller) {
            Ok(addr) => {
                if let Some(a) = self.vm.areas.get_mut(&addr) {
                    a.name = name.map(str::to_string);
                }
                let a = &self.vm.areas[&addr];
                let zones = self.zone_summary(&a.pages);
                t.result(format!("{addr:#010x}"));
                (
                    ResultKind::Ok,
                    Some(addr.into()),
                    format!(
                        "{} page{} mapped at {addr:#010x}–{:#010x} ({zones}), guard page at {:#010x}",
                        a.pages.len(),
                        if a.pages.len() == 1 { "" } else { "s" },
                        a.addr + a.mapped_size(),
                        a.addr + a.mapped_size()
                    ),
                )
            }
            Err(d) => d,
        }
    }

    fn zone_summary(&self, pages: &[u64]) -> String {
        let mut counts: Vec<(String, usize)> = Vec::new();
        for &p in pages {
            let z = self
                .mem
                .zone_of(p)
                .map(|z| self.mem.zones()[z].kind.name().to_string())
                .unwrap_or_else(|| "?".into());
            match counts.iter_mut().find(|(n, _)| *n == z) {
                Some(c) => c.1 += 1,
                None => counts.push((z, 1)),
            }
        }
        counts
            .iter()
            .map(|(z, n)| format!("{n} from {z}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The caller's CPU.
    fn who_cpu(&self, t: &mut Tracer, who: &Who) -> Result<usize, Done> {
        match who {
            Who::Cpu(c) => self.check_cpu(t, *c).map(|_| *c),
            Who::Task(name) => self.running(t, name).map(|(cpu, _)| cpu),
        }
    }

    /// `__vmalloc_node()` and `__vmalloc_area_node()`: reserve, allocate the pages array and
    /// the pages, map them (recursively for a pages array larger than a page).
    fn vmalloc_area(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        size: u64,
        flavor: VmallocFlavor,
        caller: &str,
    ) -> Result<u32, Done> {
        let rules = self.profile.vmalloc;
        t.enter(rules.names.inner, &[("size", hex(size))]);
        let aligned = size.div_ceil(PAGE_SIZE) * PAGE_SIZE;
        let total_pages = self.mem.zones().iter().map(|z| z.managed).sum::<u64>();
        if aligned == 0 || aligned / PAGE_SIZE > total_pages {
            t.decide("size 0, or more pages than RAM?", "yes: NULL");
            let msg = if aligned > 0 && rules.highmem_added_inside {
                self.warn_alloc(
                    cpu,
                    &format!("vmalloc error: size {size}, exceeds total pages"),
                )
            } else {
                "NULL (no message)".into()
            };
            return Err((ResultKind::Warn, Some(0), msg));
        }
        let size32 = aligned as u32;
        let addr = match self.get_vm_area(t, cpu, size32, 1, VM_ALLOC) {
            Ok(a) => a,
            Err((kind, v, msg)) if kind == ResultKind::Warn => {
                let mut msg = msg;
                if let VmFailMsg::VmapAllocation {
                    warn_alloc: true, ..
                } = rules.fail
                {
                    msg.push('\n');
                    msg.push_str(&self.warn_alloc(
                        cpu,
                        &format!("vmalloc error: size {size}, vm_struct allocation failed"),
                    ));
                }
                if msg.is_empty() {
                    msg = "NULL: no room in the vmalloc range (2.4 prints nothing)".into();
                }
                return Err((kind, v, msg));
            }
            Err(d) => return Err(d),
        };
        self.vm.insert(VmArea {
            addr,
            size: size32 + PAGE,
            flags: VM_ALLOC,
            pages: Vec::new(),
            phys_addr: 0,
            caller: caller.to_string(),
            name: None,
            returned: addr,
            array: PagesArray::None,
        });
        let nr = size32 / PAGE;
        let area_fn = rules.names.area;
        if let Some(f) = area_fn {
            t.enter(f, &[("pages", nr.to_string())]);
        }
        // The pages array: kmalloc'ed up to a page of pointers, vmalloc'ed beyond.
        if rules.pages_array {
            let array_size = u64::from(nr) * 4;
            if array_size > PAGE_SIZE {
                t.decide(
                    "pages array",
                    format!("{array_size} bytes > a page: vmalloc it (recursively)"),
                );
                match self.vmalloc_area(t, cpu, array_size, flavor, caller) {
                    Ok(a) => {
                        let area = self.vm.areas.get_mut(&addr).expect("just inserted");
                        area.array = PagesArray::Vmalloc(a);
                        if rules.vpages_flag {
                            area.flags |= VM_VPAGES;
                        }
                    }
                    Err(d) => {
                        self.vm.areas.remove(&addr);
                        return Err(d);
                    }
                }
            } else {
                t.decide("pages array", format!("{array_size} bytes: kmalloc"));
                self.vm.areas.get_mut(&addr).expect("just inserted").array = PagesArray::Kmalloc;
            }
        }
        // One page at a time.
        let (highest, gfp_text) = match flavor {
            VmallocFlavor::Vmalloc => (ZoneKind::HighMem, "GFP_KERNEL|__GFP_HIGHMEM"),
            VmallocFlavor::Vmalloc32 => (ZoneKind::Normal, "GFP_KERNEL"),
        };
        if rules.highmem_added_inside && flavor == VmallocFlavor::Vmalloc {
            t.decide(
                "gfp",
                "GFP_KERNEL, and __GFP_HIGHMEM added here (no DMA flag)",
            );
        }
        let gfp = super::Gfp::parse(gfp_text).expect("a valid mask");
        let mut pages = Vec::with_capacity(nr as usize);
        for i in 0..nr {
            let got = if i < 2 {
                self.alloc(t, &gfp, 0).map(|r| r.pfn)
            } else {
                self.alloc_quiet(highest)
            };
            match got {
                Some(p) => pages.push(p),
                None => {
                    t.decide("alloc_page", format!("page {i} of {nr}: none left"));
                    for &p in &pages {
                        let _ = self.mem.free(p, 0);
                    }
                    if let Some(a) = self.vm.areas.remove(&addr) {
                        if let PagesArray::Vmalloc(arr) = a.array {
                            self.free_area_now(t, arr);
                        }
                    }
                    if area_fn.is_some() {
                        t.exit();
                    }
                    t.exit();
                    return Err((
                        ResultKind::Warn,
                        Some(0),
                        format!(
                            "NULL: out of memory after {i} of {nr} pages (they are given back){}",
                            if rules.highmem_added_inside {
                                "; the warning is suppressed (__GFP_NOWARN)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
        t.decide(
            "pages",
            format!("{nr} × alloc_page: {}", self.zone_summary(&pages)),
        );
        // Map them in init_mm.
        t.enter(rules.names.map, &[("addr", format!("{addr:#010x}"))]);
        let mode = self.kernel.mode;
        let flags = self.kernel.page_kernel;
        for (i, &p) in pages.iter().enumerate() {
            let va = addr + i as u32 * PAGE;
            let e = Entry::new(mode, Pfn::new(p).addr(), flags);
            if let Err(why) = self.write_kernel_pte(t, va, e) {
                return Err(refuse(t, why));
            }
        }
        t.decide("TLB flush?", "no: the PTEs went from empty to present");
        t.exit();
        if area_fn.is_some() {
            t.exit();
        }
        t.result(format!("{addr:#010x}"));
        t.exit();
        self.vm.areas.get_mut(&addr).expect("just inserted").pages = pages;
        Ok(addr)
    }

    /// 6.1's `warn_alloc()` line.
    fn warn_alloc(&self, cpu: usize, what: &str) -> String {
        let comm = self.cpus[cpu]
            .current
            .map(|i| self.tasks[i].name.clone())
            .unwrap_or_else(|| format!("swapper/{cpu}"));
        format!("{comm}: {what}, mode:0xcc0(GFP_KERNEL), nodemask=(null)")
    }

    /// Frees an area at once, as the vmlist eras do (and for a nested pages array).
    fn free_area_now(&mut self, t: &mut Tracer, addr: u32) {
        if let Some(a) = self.vm.remove(addr) {
            self.clear_kernel_ptes(t, a.addr, a.end());
            for &p in &a.pages {
                let _ = self.mem.free(p, 0);
            }
        }
    }

    pub(super) fn op_vfree(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        area: &AreaRef,
        unmap_only: bool,
    ) -> Done {
        let fname = if unmap_only { "vunmap" } else { "vfree" };
        t.enter(fname, &[("area", format!("{area:?}"))]);
        let cpu = match self.who_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let addr = match self.area_addr(t, area) {
            Ok(a) => a,
            Err(d) => return d,
        };
        let rules = self.profile.vmalloc;
        let irq = self.in_irq_on(cpu);
        let check = if unmap_only {
            rules
                .vunmap_irq_bug
                .map(VfreeIrq::Bug)
                .unwrap_or(VfreeIrq::Unchecked)
        } else {
            rules.vfree_irq
        };
        match check {
            VfreeIrq::Bug(line) => {
                t.decide("in_interrupt()? (BUG)", if irq { "yes" } else { "no" });
                if irq {
                    return self.vm_bug(
                        t,
                        cpu,
                        line,
                        &format!("{fname} may sleep and must not run in interrupt context"),
                    );
                }
            }
            VfreeIrq::Deferred if irq => {
                t.decide("in_interrupt()?", "yes: defer it to a workqueue");
                if self.vm.area(addr).is_none() {
                    return refuse(t, format!("no vmalloc area starts at {addr:#010x}"));
                }
                self.deferred_vfree.push((cpu, addr));
                t.leaf(
                    "__vfree_deferred",
                    &[("addr", format!("{addr:#010x}"))],
                    "queued",
                );
                return (
                    ResultKind::Ok,
                    None,
                    format!("vfree({addr:#010x}) from interrupt context is queued; the work runs when CPU {cpu} leaves the interrupt"),
                );
            }
            _ => {}
        }
        self.remove_vm_area(t, addr, !unmap_only, fname)
    }

    /// `__vunmap()`: the checks, then `remove_vm_area()` and, for `vfree`, the pages.
    fn remove_vm_area(&mut self, t: &mut Tracer, addr: u32, free_pages: bool, fname: &str) -> Done {
        let rules = self.profile.vmalloc;
        let warn_suffix = |m: &Machine| match m.profile.messages.warn {
            crate::messages::WarnStyle::None => String::new(),
            _ => "\n(and a WARN_ON stack dump)".to_string(),
        };
        if addr % PAGE != 0 {
            t.decide("page-aligned?", "no");
            return (
                ResultKind::Warn,
                None,
                format!(
                    "Trying to vfree() bad address ({addr:08x}){}",
                    warn_suffix(self)
                ),
            );
        }
        let Some(area) = self.vm.area(addr).cloned() else {
            t.decide("an area starts here?", "no");
            return (
                ResultKind::Warn,
                None,
                format!(
                    "Trying to vfree() nonexistent vm area ({addr:08x}){}",
                    warn_suffix(self)
                ),
            );
        };
        // 2.4's vfree unlinks the area itself; later eras call remove_vm_area().
        let own_fn = rules.allocator != Allocator::Vmlist24;
        if own_fn {
            t.enter("remove_vm_area", &[("addr", format!("{addr:#010x}"))]);
        }
        let (start, end) = (area.addr, area.end());
        let mut notes = Vec::new();
        match rules.allocator {
            Allocator::Vmlist24 | Allocator::Vmlist26 => {
                self.vm.remove(addr);
                let n = self.clear_kernel_ptes(t, start, end);
                t.leaf(
                    if rules.allocator == Allocator::Vmlist24 {
                        "vmfree_area_pages"
                    } else {
                        "unmap_vm_area"
                    },
                    &[],
                    format!("{n} PTEs cleared (the guard page's too)"),
                );
                self.flush_kernel_range(t, start, end);
            }
            Allocator::VmapLazy => {
                self.vm.remove(addr);
                t.leaf(
                    "free_unmap_vmap_area_noflush",
                    &[],
                    "VM_LAZY_FREE: the PTEs stay and the range stays reserved until a purge",
                );
                notes.push(format!(
                    "{start:#010x}–{end:#010x} is lazily freed: its PTEs still map the pages just freed"
                ));
            }
            Allocator::VmapFreeTree => {
                let n = self.clear_kernel_ptes(t, start, end);
                self.vm.remove(addr);
                t.leaf(
                    "free_unmap_vmap_area",
                    &[],
                    format!(
                        "{n} PTEs cleared now; no TLB flush: the range waits on the purge list"
                    ),
                );
                notes.push(format!(
                    "{start:#010x}–{end:#010x} is on the purge list: unmapped, but TLBs may still hold it"
                ));
            }
        }
        let lazy_max = VmallocSpace::lazy_max_pages(self.cpus.len() as u32);
        if matches!(
            rules.allocator,
            Allocator::VmapLazy | Allocator::VmapFreeTree
        ) {
            t.decide(
                "vmap_lazy_nr > lazy_max_pages()?",
                format!("{} vs {lazy_max}", self.vm.lazy_nr),
            );
            if self.vm.lazy_nr > lazy_max {
                t.leaf(
                    if rules.allocator == Allocator::VmapLazy {
                        "try_purge_vmap_area_lazy"
                    } else {
                        "drain_vmap_area_work"
                    },
                    &[],
                    "purge now",
                );
                self.purge_lazy(t);
                notes.push("the lazy pages passed lazy_max_pages(): purged".into());
            }
        }
        if own_fn {
            t.exit();
        }
        if free_pages && area.flags & (VM_MAP | VM_IOREMAP) == 0 {
            for &p in &area.pages {
                let _ = self.mem.free(p, 0);
            }
            t.leaf(
                "__free_page",
                &[("pages", area.pages.len().to_string())],
                "back to the buddy allocator",
            );
        }
        if let PagesArray::Vmalloc(arr) = area.array {
            t.enter("vfree", &[("pages array", format!("{arr:#010x}"))]);
            self.remove_vm_area(t, arr, true, "vfree");
            t.exit();
        }
        let mut msg = format!(
            "{fname}({addr:#010x}): {} bytes given back{}",
            area.size,
            if free_pages && !area.pages.is_empty() {
                format!(
                    ", {} page{} freed",
                    area.pages.len(),
                    if area.pages.len() == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        );
        for n in notes {
            msg.push_str("; ");
            msg.push_str(&n);
        }
        (ResultKind::Ok, None, msg)
    }

    /// The purge of lazily freed areas: 2.6.32 clears their PTEs now; both then flush the
    /// span from the lowest to the highest with one `flush_tlb_kernel_range()`.
    pub(super) fn purge_lazy(&mut self, t: &mut Tracer) -> usize {
        let Some((lo, hi)) = self.vm.lazy_span() else {
            t.leaf("__purge_vmap_area_lazy", &[], "nothing to purge");
            return 0;
        };
        t.enter(
            "__purge_vmap_area_lazy",
            &[("span", format!("{lo:#010x}–{hi:#010x}"))],
        );
        let ranges = self.vm.lazy.values().copied().collect::<Vec<_>>();
        if self.vm.allocator == Allocator::VmapLazy {
            let mut n = 0;
            for r in &ranges {
                n += self.clear_kernel_ptes(t, r.start, r.end);
            }
            t.leaf(
                "unmap_vmap_area",
                &[("areas", ranges.len().to_string())],
                format!("{n} PTEs cleared"),
            );
        }
        self.flush_kernel_range(t, lo, hi);
        let purged = self.vm.purge();
        t.change("vmap_lazy_nr", "…", "0");
        t.result(format!("{} ranges free again", purged.len()));
        t.exit();
        purged.len()
    }

    pub(super) fn op_purge(&mut self, t: &mut Tracer) -> Done {
        t.enter("purge_vmap_area_lazy", &[]);
        if matches!(self.vm.allocator, Allocator::Vmlist24 | Allocator::Vmlist26) {
            return refuse(
                t,
                format!(
                    "{} frees vmalloc areas at once: there is nothing lazy to purge",
                    self.profile.name
                ),
            );
        }
        let n = self.purge_lazy(t);
        (
            ResultKind::Ok,
            None,
            format!(
                "{n} lazily freed range{} purged",
                if n == 1 { "" } else { "s" }
            ),
        )
    }

    /// 6.1's deferred `vfree`s queued from interrupt context run when the CPU is back in
    /// process context.
    pub(super) fn run_deferred_vfree(&mut self, t: &mut Tracer, cpu: usize) -> Vec<String> {
        if self.cpus[cpu].in_interrupt() {
            return Vec::new();
        }
        let (now, later): (Vec<_>, Vec<_>) =
            self.deferred_vfree.iter().partition(|(c, _)| *c == cpu);
        self.deferred_vfree = later;
        let mut out = Vec::new();
        for (_, addr) in now {
            t.enter("delayed_vfree_work", &[("addr", format!("{addr:#010x}"))]);
            let (_, _, m) = self.remove_vm_area(t, addr, true, "vfree");
            t.exit();
            out.push(m);
        }
        out
    }

    pub(super) fn op_vmap(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        pages: &[PageRef],
        name: Option<&str>,
        caller: Option<&str>,
    ) -> Done {
        t.enter("vmap", &[("count", pages.len().to_string())]);
        let cpu = match self.who_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        if let Err(d) = self.check_area_name(t, name) {
            return d;
        }
        let mut frames = Vec::new();
        for p in pages {
            match self.page_frame(t, p) {
                Ok(f) => frames.push(f),
                Err(d) => return d,
            }
        }
        if frames.is_empty() {
            return (ResultKind::Warn, Some(0), "vmap of no pages: NULL".into());
        }
        let size = frames.len() as u32 * PAGE;
        let flags = if self.profile.vmalloc.allocator == Allocator::Vmlist24 {
            VM_ALLOC
        } else {
            VM_MAP
        };
        let addr = match self.get_vm_area(t, cpu, size, 1, flags) {
            Ok(a) => a,
            Err(d) => return d,
        };
        self.vm.insert(VmArea {
            addr,
            size: size + PAGE,
            flags: flags | if flags == VM_ALLOC { VM_MAP } else { 0 },
            pages: Vec::new(),
            phys_addr: 0,
            caller: caller.unwrap_or_default().to_string(),
            name: name.map(str::to_string),
            returned: addr,
            array: PagesArray::None,
        });
        let mode = self.kernel.mode;
        let mut prot = self.kernel.page_kernel;
        if self.profile.vmalloc.highmem_added_inside && self.kernel.nxe {
            prot |= EntryFlags::NO_EXECUTE;
            t.decide(
                "prot",
                "pgprot_nx(prot): vmap mappings are never executable",
            );
        }
        t.enter("map_vm_area", &[("addr", format!("{addr:#010x}"))]);
        for (i, &p) in frames.iter().enumerate() {
            let e = Entry::new(mode, Pfn::new(p).addr(), prot);
            if let Err(why) = self.write_kernel_pte(t, addr + i as u32 * PAGE, e) {
                return refuse(t, why);
            }
        }
        t.exit();
        if let Some(a) = self.vm.areas.get_mut(&addr) {
            a.pages = frames.clone();
        }
        t.result(format!("{addr:#010x}"));
        (
            ResultKind::Ok,
            Some(addr.into()),
            format!(
                "{} page{} mapped at {addr:#010x} (the caller keeps owning them)",
                frames.len(),
                if frames.len() == 1 { "" } else { "s" }
            ),
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn op_ioremap(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        phys: u64,
        size: u64,
        cache: IoCache,
        name: Option<&str>,
        caller: Option<&str>,
    ) -> Done {
        let fname = match cache {
            IoCache::Uncached => "ioremap",
            IoCache::Cached => "ioremap_cache",
        };
        t.enter(fname, &[("phys", hex(phys)), ("size", hex(size))]);
        let cpu = match self.who_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        if let Err(d) = self.check_area_name(t, name) {
            return d;
        }
        let rules = self.profile.vmalloc;
        let last = phys.wrapping_add(size).wrapping_sub(1);
        let max_phys = if self.kernel.mode == PagingMode::Pae {
            1u64 << 36
        } else {
            1u64 << 32
        };
        if size == 0 || last < phys || last >= max_phys {
            t.decide("size 0 or wraps?", "yes: NULL");
            return (
                ResultKind::Warn,
                Some(0),
                "NULL: an empty or wrapping range".into(),
            );
        }
        if rules.isa_shortcut && phys >= 0xa0000 && last < 0x10_0000 {
            let v = (PAGE_OFFSET + phys) as u32;
            t.decide(
                "ISA range 0xA0000–0xFFFFF?",
                "yes: it is already in the direct map",
            );
            t.result(format!("{v:#010x}"));
            return (
                ResultKind::Ok,
                Some(v.into()),
                format!(
                    "{phys:#x} is in the ISA hole: phys_to_virt gives {v:#010x}, no vmalloc area"
                ),
            );
        }
        // RAM the kernel uses may not be remapped.
        let high = self.layout.high_memory() - PAGE_OFFSET;
        let (first_pfn, last_pfn) = (phys / PAGE_SIZE, last / PAGE_SIZE);
        let checked_up_to = if rules.ioremap_ram_warns {
            last_pfn
        } else {
            last_pfn.min((high - 1) / PAGE_SIZE)
        };
        let ram = (first_pfn..=checked_up_to).find(|&p| {
            p < self.mem.frame_count()
                && matches!(
                    self.mem.frame(p).kind(),
                    FrameKind::Free | FrameKind::Allocated
                )
        });
        if let Some(p) = ram.filter(|_| rules.ioremap_ram_warns || phys < high) {
            t.decide("RAM in use by the kernel?", format!("yes: frame {p:#x}"));
            let msg = if rules.ioremap_ram_warns {
                // WARN_ONCE(1, …): the cut line, the message, then the WARNING line.
                let w = self.warn(cpu, "arch/x86/mm/ioremap.c", 211, "__ioremap_caller");
                let (cut, warning) = w.split_once('\n').unwrap_or(("", w.as_str()));
                let width = if self.kernel.mode == PagingMode::Pae {
                    16
                } else {
                    8
                };
                format!(
                    "{cut}\nioremap on RAM at 0x{phys:0width$x} - 0x{last:0width$x}\n{warning}\nNULL"
                )
            } else {
                format!("NULL: frame {p:#x} is RAM the kernel uses (only reserved pages may be remapped)")
            };
            return (ResultKind::Warn, Some(0), msg);
        }
        let offset = (phys % PAGE_SIZE) as u32;
        let base = phys - u64::from(offset);
        let span = if rules.ioremap_last_page_short {
            // PAGE_ALIGN(last_addr) - phys_addr: rounds the last byte's address up, so a
            // range ending exactly one byte into a page loses that page.
            ((last + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)) - base
        } else {
            (last + 1).div_ceil(PAGE_SIZE) * PAGE_SIZE - base
        };
        if span == 0 {
            return (ResultKind::Warn, Some(0), "NULL: nothing to map".into());
        }
        let span32 = span as u32;
        let pmd_shift = if self.kernel.mode == PagingMode::Pae {
            21
        } else {
            22
        };
        let align = match rules.ioremap_align {
            IoremapAlign::None => 1,
            IoremapAlign::Fls => 1u32 << (32 - span32.leading_zeros()).clamp(12, 19),
            IoremapAlign::CountOrder => {
                1u32 << (32 - (span32 - 1).leading_zeros()).clamp(12, pmd_shift)
            }
        };
        t.decide("alignment", format!("{span} bytes → {align:#x}"));
        let addr = match self.get_vm_area(t, cpu, span32, align, VM_IOREMAP) {
            Ok(a) => a,
            Err((k, v, m)) => {
                let m = if m.is_empty() {
                    "NULL: no room in the vmalloc range".into()
                } else {
                    m
                };
                return (k, v, m);
            }
        };
        let mode = self.kernel.mode;
        let mut flags = if rules.ioremap_global {
            self.kernel.page_kernel
        } else {
            EntryFlags::PRESENT | EntryFlags::WRITABLE | EntryFlags::DIRTY | EntryFlags::ACCESSED
        };
        if rules.ioremap_ram_warns && self.kernel.nxe {
            flags |= EntryFlags::NO_EXECUTE;
        }
        if cache == IoCache::Uncached {
            flags |= EntryFlags::NO_CACHE;
        }
        self.vm.insert(VmArea {
            addr,
            size: span32 + PAGE,
            flags: VM_IOREMAP,
            pages: Vec::new(),
            phys_addr: base,
            caller: caller.unwrap_or_default().to_string(),
            name: name.map(str::to_string),
            returned: addr + offset,
            array: PagesArray::None,
        });
        t.enter(
            if rules.allocator == Allocator::VmapFreeTree {
                "ioremap_page_range"
            } else {
                "remap_area_pages"
            },
            &[("addr", format!("{addr:#010x}"))],
        );
        for i in 0..span32 / PAGE {
            let e = Entry::new(mode, PhysAddr::new(base + u64::from(i * PAGE)), flags);
            if let Err(why) = self.write_kernel_pte(t, addr + i * PAGE, e) {
                self.vm.areas.remove(&addr);
                return refuse(t, why);
            }
        }
        t.exit();
        if rules.allocator == Allocator::Vmlist24 {
            self.flush_kernel_range(t, addr, addr + span32);
        }
        let v = addr + offset;
        t.result(format!("{v:#010x}"));
        (
            ResultKind::Ok,
            Some(v.into()),
            format!(
                "{phys:#x} mapped at {v:#010x} ({} page{}, area aligned to {align:#x}{})",
                span32 / PAGE,
                if span32 == PAGE { "" } else { "s" },
                if rules.ioremap_global {
                    ", global PTEs"
                } else {
                    ""
                }
            ),
        )
    }

    pub(super) fn op_iounmap(&mut self, t: &mut Tracer, who: &Who, area: &AreaRef) -> Done {
        t.enter("iounmap", &[("area", format!("{area:?}"))]);
        if let Err(d) = self.who_cpu(t, who) {
            return d;
        }
        let addr = match self.area_addr(t, area) {
            Ok(a) => a,
            Err(d) => return d,
        };
        if u64::from(addr) < self.layout.high_memory() {
            t.decide(
                "addr <= high_memory?",
                "yes: a direct-map address, nothing to undo",
            );
            return (
                ResultKind::Ok,
                None,
                format!("{addr:#010x} is a direct-map address: iounmap ignores it"),
            );
        }
        let page = addr & !(PAGE - 1);
        match self.vm.area(page) {
            Some(a) if a.flags & VM_IOREMAP != 0 => self.remove_vm_area(t, page, false, "iounmap"),
            _ => {
                t.decide("an ioremap area starts here?", "no");
                (
                    ResultKind::Warn,
                    None,
                    format!("iounmap: bad address {addr:08x}"),
                )
            }
        }
    }

    /// The page fault handler's vmalloc fault: a kernel address that the current page
    /// directory lacks but `init_mm` has is copied over, and the access retried.
    pub(super) fn vmalloc_fault(&mut self, t: &mut Tracer, cpu: usize, va: u32) -> Fixup {
        let rules = self.profile.vmalloc;
        let mode = self.kernel.mode;
        if u64::from(va) < PAGE_OFFSET {
            return Fixup::No("a user address".into());
        }
        if rules.fault_vmalloc_range_only && !(va >= self.vm.start && va < self.vm.end) {
            return Fixup::No("outside VMALLOC_START..VMALLOC_END".into());
        }
        let cr3 = self.cpus[cpu].cr3;
        let reference = self.kernel.kernel_pmd.unwrap_or(self.kernel.swapper_pg_dir);
        // The process's directory for this address: its own page directory (non-PAE) or the
        // PMD its PDPTE 3 points to (PAE).
        let split = Split::of(mode, VirtAddr::new(va));
        let own = match mode {
            PagingMode::NonPae => cr3,
            PagingMode::Pae => {
                let pdpte =
                    self.cpus[cpu].pdptes[split.pdpt.map(|i| i.get() as usize).unwrap_or(3)];
                PhysAddr::new(pdpte & 0x000f_ffff_ffff_f000)
            }
        };
        if own == reference {
            return Fixup::No("the page directory is init_mm's own".into());
        }
        let index = split.pd.get();
        let k = read_entry(&self.mem, mode, reference, index);
        let mine = read_entry(&self.mem, mode, own, index);
        if !k.is_present() {
            return Fixup::No("init_mm has no entry either".into());
        }
        if mine.is_present() {
            return Fixup::No("the entry is present: not a vmalloc fault".into());
        }
        t.enter("vmalloc_fault", &[("addr", format!("{va:#010x}"))]);
        write_entry(&mut self.mem, mode, own, index, k);
        t.leaf(
            "set_pmd",
            &[("pgd", hex(own.as_u64())), ("index", index.to_string())],
            format!("copied {} from init_mm", hex(k.raw())),
        );
        t.change(
            format!("pde@{}", hex(own.as_u64() + index * mode.entry_size())),
            "0x0",
            hex(k.raw()),
        );
        t.exit();
        Fixup::Copied
    }

    /// `/proc/vmallocinfo` and the vmalloc lines of `/proc/meminfo`, where the era has them.
    pub fn vmallocinfo(&self) -> Option<String> {
        let style = self.profile.vmalloc.vmallocinfo?;
        Some(
            self.vm
                .vmallocinfo(style, self.kernel.mode == PagingMode::Pae),
        )
    }

    /// The `Vmalloc*` lines of `/proc/meminfo` (not in 2.4).
    pub fn meminfo_vmalloc(&self) -> Option<String> {
        let style = self.profile.vmalloc.meminfo?;
        Some(self.vm.meminfo(style))
    }

    /// The vmalloc range and its areas.
    pub fn vmalloc_space(&self) -> &VmallocSpace {
        self.vm_space()
    }

    pub(super) fn op_vmallocinfo(&mut self, t: &mut Tracer) -> Done {
        t.enter("cat", &[("file", "/proc/vmallocinfo".into())]);
        match self.vmallocinfo() {
            Some(text) => {
                let meminfo = self.meminfo_vmalloc().unwrap_or_default();
                (
                    ResultKind::Ok,
                    None,
                    format!("{text}{meminfo}").trim_end().to_string(),
                )
            }
            None => refuse(
                t,
                format!(
                    "{} has no /proc/vmallocinfo (it came with 2.6.25){}",
                    self.profile.name,
                    self.meminfo_vmalloc()
                        .map(|m| format!("; /proc/meminfo says:\n{}", m.trim_end()))
                        .unwrap_or_default()
                ),
            ),
        }
    }

    /// An access through the vmalloc range that reached a frame the buddy allocator holds as
    /// free: what a stale PTE (2.6.32) or TLB entry (6.1) after a lazy free leads to.
    pub(super) fn use_after_free_note(&self, va: u32, frame: u64) -> Option<String> {
        let lazily_freed = self.vm.lazy_containing(va).is_some();
        let free =
            frame < self.mem.frame_count() && self.mem.frame(frame).kind() == FrameKind::Free;
        (lazily_freed && free).then(|| {
            format!("USE AFTER FREE: frame {frame:#x} is free in the buddy allocator, which may hand it to anyone")
        })
    }

    /// vmalloc's invariants: the bookkeeping is consistent; every page of a live area is
    /// allocated and mapped at its place, and its guard page is not mapped.
    pub(super) fn check_vmalloc(&self) -> Result<(), String> {
        self.vm.check()?;
        for a in self.vm.areas.values() {
            for (i, &p) in a.pages.iter().enumerate() {
                let va = a.addr + i as u32 * PAGE;
                if a.flags & VM_ALLOC != 0 && self.mem.frame(p).kind() != FrameKind::Allocated {
                    return Err(format!(
                        "vmalloc page {p:#x} of {:#x} is not allocated",
                        a.addr
                    ));
                }
                match self.kernel_pte(va) {
                    Some(e) if e.is_present() && e.addr().pfn_down().as_u64() == p => {}
                    other => {
                        return Err(format!(
                            "{va:#010x} should map frame {p:#x} but its PTE is {:?}",
                            other.map(|e| e.raw())
                        ))
                    }
                }
            }
            if a.flags & crate::vmalloc::VM_NO_GUARD == 0 {
                let guard = a.addr + a.mapped_size();
                if self.kernel_pte(guard).is_some_and(|e| e.is_present()) {
                    return Err(format!("the guard page {guard:#010x} is mapped"));
                }
            }
        }
        Ok(())
    }
}
