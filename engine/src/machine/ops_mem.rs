//! Operations on memory: the page allocator and the kernel's reference page tables.

use super::ops_cpu::{refuse, Done};
use super::{Gfp, Handle, Machine, PageRef, Prot, ResultKind};
use crate::addr::{Pfn, PhysAddr, VirtAddr, PAGE_SIZE};
use crate::layout::memory::ZoneKind;
use crate::layout::PAGE_OFFSET;
use crate::paging::{read_entry, write_entry, Entry, EntryFlags, PagingMode, Split};
use crate::phys::AllocRecord;
use crate::profile::GfpHighmemRule;
use crate::trace::Tracer;

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

impl Machine {
    /// `__alloc_pages`: tries each zone of the zonelist in turn.
    pub(super) fn alloc(&mut self, t: &mut Tracer, gfp: &Gfp, order: u32) -> Option<AllocRecord> {
        t.enter(
            "__alloc_pages",
            &[("gfp_mask", gfp.text.clone()), ("order", order.to_string())],
        );
        t.decide("highest zone", gfp.highest_zone().name());
        for zi in self.mem.zonelist(gfp.highest_zone()) {
            let zone = self.mem.zones()[zi].kind.name();
            t.enter("rmqueue", &[("zone", zone.into())]);
            match self.mem.alloc_from(zi, order) {
                Some(rec) => {
                    t.decide(
                        "free block of order ≥ request?",
                        format!(
                            "yes: order {} at frame {}",
                            rec.took_order,
                            hex(rec.took_pfn)
                        ),
                    );
                    if !rec.split.is_empty() {
                        t.enter("expand", &[]);
                        for (o, pfn) in &rec.split {
                            t.decide(
                                &format!("half of order {o}"),
                                format!("frame {} back on the free list", hex(*pfn)),
                            );
                            t.change(
                                format!("{zone}.free_area[{o}]"),
                                "-",
                                format!("+{}", hex(*pfn)),
                            );
                        }
                        t.exit();
                    }
                    t.result(format!("frame {}", hex(rec.pfn)));
                    t.exit();
                    t.result(format!("frame {}", hex(rec.pfn)));
                    t.exit();
                    return Some(rec);
                }
                None => {
                    t.decide("free block of order ≥ request?", "no: try the next zone");
                    t.exit();
                }
            }
        }
        t.result("NULL");
        t.exit();
        None
    }

    fn name_block(&mut self, t: &mut Tracer, name: Option<&str>, pfn: u64, order: u32) {
        if let Some(n) = name {
            self.handles.insert(
                n.to_string(),
                Handle {
                    pfn,
                    order,
                    freed: false,
                },
            );
            t.change(
                format!("handle {n}"),
                "-",
                format!("frame {}, order {order}", hex(pfn)),
            );
        }
    }

    fn check_name(&self, t: &mut Tracer, name: Option<&str>) -> Result<(), Done> {
        match name {
            Some(n) if self.handles.get(n).is_some_and(|h| !h.freed) => Err(refuse(
                t,
                format!("{n} names a block that is still allocated"),
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn op_alloc_pages(
        &mut self,
        t: &mut Tracer,
        gfp: &Gfp,
        order: u32,
        name: Option<&str>,
    ) -> Done {
        t.enter(
            "alloc_pages",
            &[("gfp_mask", gfp.text.clone()), ("order", order.to_string())],
        );
        if let Err(d) = self.check_name(t, name) {
            return d;
        }
        if order >= self.mem.rules().max_order {
            return refuse(
                t,
                format!(
                    "order {order} is above this kernel's largest ({})",
                    self.mem.rules().max_order - 1
                ),
            );
        }
        match self.alloc(t, gfp, order) {
            Some(rec) => {
                self.name_block(t, name, rec.pfn, order);
                t.result(format!("struct page of frame {}", hex(rec.pfn)));
                let high = rec.zone == ZoneKind::HighMem;
                (
                    ResultKind::Ok,
                    Some(rec.pfn),
                    format!(
                        "order-{order} block at frame {} ({}){}",
                        hex(rec.pfn),
                        rec.zone.name(),
                        if high {
                            ": no kernel address until it is mapped"
                        } else {
                            ""
                        }
                    ),
                )
            }
            None => (
                ResultKind::Warn,
                None,
                format!(
                    "page allocation failure: order:{order}, mode:{:#x} ({})",
                    self.gfp_bits(gfp),
                    gfp.text
                ),
            ),
        }
    }

    /// The flags' value in this era, for messages.
    fn gfp_bits(&self, gfp: &Gfp) -> u32 {
        let mut bits = if gfp.wait {
            self.profile.gfp_kernel
        } else {
            0x20
        };
        if gfp.dma {
            bits |= 1;
        }
        if gfp.highmem {
            bits |= 2;
        }
        bits
    }

    pub(super) fn op_free_pages(
        &mut self,
        t: &mut Tracer,
        page: &PageRef,
        order: Option<u32>,
    ) -> Done {
        let (pfn, order, name) = match page {
            PageRef::Name(n) => match self.handles.get(n) {
                Some(h) => (h.pfn, order.unwrap_or(h.order), Some(n.clone())),
                None => {
                    t.enter("__free_pages", &[("page", n.clone())]);
                    return refuse(t, format!("nothing was allocated as {n}"));
                }
            },
            PageRef::Pfn(p) => (*p, order.unwrap_or(0), None),
        };
        t.enter(
            "__free_pages",
            &[
                ("page", format!("frame {}", hex(pfn))),
                ("order", order.to_string()),
            ],
        );
        match self.mem.free(pfn, order) {
            Ok(rec) => {
                let zone = rec.zone.name();
                for (o, buddy) in &rec.merged {
                    t.decide(
                        &format!("buddy of order {o} free?"),
                        format!("yes: merge with {}", hex(*buddy)),
                    );
                    t.change(format!("{zone}.free_area[{o}]"), hex(*buddy), "-");
                }
                t.decide(&format!("buddy of order {} free?", rec.block.0), "no");
                t.decide(
                    "list position",
                    match rec.at {
                        crate::phys::buddy::Insert::Head => "head",
                        crate::phys::buddy::Insert::Tail => {
                            "tail (its buddy's buddy is free: likely to merge)"
                        }
                    },
                );
                t.change(
                    format!("{zone}.free_area[{}]", rec.block.0),
                    "-",
                    format!("+{}", hex(rec.block.1)),
                );
                if let Some(n) = name {
                    if let Some(h) = self.handles.get_mut(&n) {
                        h.freed = true;
                    }
                }
                (
                    ResultKind::Ok,
                    None,
                    format!(
                        "frame {} freed; merged {} times into an order-{} block at {}",
                        hex(pfn),
                        rec.merged.len(),
                        rec.block.0,
                        hex(rec.block.1)
                    ),
                )
            }
            Err(e) => {
                t.result("BUG");
                (ResultKind::Bug, None, format!("Bad page state: {e}"))
            }
        }
    }

    /// `__get_free_pages`: an allocation that returns the block's kernel address, which a
    /// highmem page does not have; each era copes differently.
    pub(super) fn op_get_free_pages(
        &mut self,
        t: &mut Tracer,
        gfp: &Gfp,
        order: u32,
        name: Option<&str>,
    ) -> Done {
        t.enter(
            "__get_free_pages",
            &[("gfp_mask", gfp.text.clone()), ("order", order.to_string())],
        );
        if let Err(d) = self.check_name(t, name) {
            return d;
        }
        if order >= self.mem.rules().max_order {
            return refuse(t, format!("order {order} is above this kernel's largest"));
        }
        let mut flags = gfp.clone();
        let mut note = String::new();
        if gfp.highmem {
            match self.profile.get_free_pages_highmem {
                GfpHighmemRule::StripsHighmem => {
                    t.decide(
                        "__GFP_HIGHMEM?",
                        "yes: dropped from the mask (an address cannot name a highmem page)",
                    );
                    flags = gfp.without_highmem();
                    note = "; __GFP_HIGHMEM was silently dropped".into();
                }
                GfpHighmemRule::VmBugOnThenZero => {
                    t.decide(
                        "VM_BUG_ON(gfp_mask & __GFP_HIGHMEM)",
                        "compiled out without CONFIG_DEBUG_VM",
                    );
                }
                GfpHighmemRule::ReturnsZero => {
                    t.decide("__GFP_HIGHMEM?", "not checked");
                }
            }
        }
        let Some(rec) = self.alloc(t, &flags, order) else {
            t.result("0");
            return (
                ResultKind::Warn,
                Some(0),
                "page allocation failure: 0 returned".into(),
            );
        };
        self.name_block(t, name, rec.pfn, order);
        if rec.zone == ZoneKind::HighMem {
            t.enter(
                "page_address",
                &[("page", format!("frame {}", hex(rec.pfn)))],
            );
            t.decide("lowmem page?", "no");
            t.decide("mapped by kmap now?", "no");
            t.result("NULL");
            t.exit();
            t.result("0");
            let debug = if self.profile.get_free_pages_highmem == GfpHighmemRule::VmBugOnThenZero {
                " (a kernel built with CONFIG_DEBUG_VM stops at the VM_BUG_ON instead)"
            } else {
                ""
            };
            return (
                ResultKind::Warn,
                Some(0),
                format!(
                    "returned 0: frame {} is in HighMem and has no kernel address; the caller sees a \
                     failure and the page is leaked{debug}",
                    hex(rec.pfn)
                ),
            );
        }
        let va = PAGE_OFFSET + rec.pfn * PAGE_SIZE;
        t.leaf(
            "page_address",
            &[("page", format!("frame {}", hex(rec.pfn)))],
            format!("{va:#010x}"),
        );
        t.result(format!("{va:#010x}"));
        (
            ResultKind::Ok,
            Some(va),
            format!(
                "{va:#010x}: frame {} in {}{note}",
                hex(rec.pfn),
                rec.zone.name()
            ),
        )
    }

    /// The kernel page directory and index for a kernel address, or why there is none.
    fn kernel_pd(&self, va: u32) -> Result<(PhysAddr, u64), String> {
        if u64::from(va) < PAGE_OFFSET {
            return Err(format!(
                "{va:#010x} is a user address; set_pte edits the kernel's own tables"
            ));
        }
        let mode = self.kernel.mode;
        let split = Split::of(mode, VirtAddr::new(va));
        let pd = self.kernel.kernel_pmd.unwrap_or(self.kernel.swapper_pg_dir);
        Ok((pd, split.pd.get()))
    }

    pub(super) fn prot_flags(&self, prot: Prot) -> EntryFlags {
        let pk = self.kernel.page_kernel;
        match prot {
            Prot::Kernel => pk,
            Prot::KernelRo => pk - EntryFlags::WRITABLE,
            Prot::KernelExec => pk - EntryFlags::NO_EXECUTE,
            Prot::KernelNocache => pk | EntryFlags::NO_CACHE | EntryFlags::WRITE_THROUGH,
            Prot::Raw(bits) => EntryFlags::from_bits_truncate(bits),
        }
    }

    pub(super) fn op_set_pte(&mut self, t: &mut Tracer, va: u32, pfn: u64, prot: Prot) -> Done {
        t.enter(
            "set_pte",
            &[("addr", format!("{va:#010x}")), ("pfn", hex(pfn))],
        );
        let mode = self.kernel.mode;
        let (pd, index) = match self.kernel_pd(va) {
            Ok(x) => x,
            Err(why) => return refuse(t, why),
        };
        let max_pfn = if mode == PagingMode::Pae {
            1 << 24
        } else {
            1 << 20
        };
        if pfn >= max_pfn {
            return refuse(
                t,
                format!("frame {} does not fit in a {mode:?} entry", hex(pfn)),
            );
        }
        let pde = read_entry(&self.mem, mode, pd, index);
        if pde.is_present() && pde.is_large() {
            return refuse(t, format!("{va:#010x} lies in a large page of the direct map; splitting it is not modelled"));
        }
        let pt = if pde.is_present() {
            t.decide("page table present?", "yes");
            pde.addr()
        } else {
            t.decide("page table present?", "no: allocate one (pte_alloc_kernel)");
            let gfp = Gfp::parse("GFP_KERNEL").unwrap_or(Gfp {
                dma: false,
                highmem: false,
                wait: true,
                text: "GFP_KERNEL".into(),
            });
            let Some(rec) = self.alloc(t, &gfp, 0) else {
                return refuse(t, "no memory for a page table");
            };
            self.mem.clear_frame(rec.pfn);
            let table = Pfn::new(rec.pfn).addr();
            let new = Entry::from_raw(mode, table.as_u64() | 0x067);
            write_entry(&mut self.mem, mode, pd, index, new);
            t.change(
                format!("pde@{}", hex(pd.as_u64() + index * mode.entry_size())),
                "0x0",
                hex(new.raw()),
            );
            if mode == PagingMode::NonPae {
                t.decide(
                    "visible to existing processes?",
                    "no: their page directories hold copies made at fork",
                );
            }
            table
        };
        let pti = Split::of(mode, VirtAddr::new(va)).pt.get();
        let new = Entry::new(
            mode,
            Pfn::new(pfn).addr(),
            self.prot_flags(prot) | EntryFlags::PRESENT,
        );
        let old = write_entry(&mut self.mem, mode, pt, pti, new);
        t.change(
            format!("pte@{}", hex(pt.as_u64() + pti * mode.entry_size())),
            hex(old.raw()),
            hex(new.raw()),
        );
        t.decide(
            "TLB flushed?",
            "no: stale entries stay until invlpg or a flush",
        );
        let mut msg = format!("{va:#010x} now maps frame {} (no TLB flush)", hex(pfn));
        if let Some(n) = self.note_raw_kmap_write(va) {
            msg.push_str(&format!("; {n}"));
        }
        (ResultKind::Ok, None, msg)
    }

    pub(super) fn op_pte_clear(&mut self, t: &mut Tracer, va: u32) -> Done {
        t.enter("pte_clear", &[("addr", format!("{va:#010x}"))]);
        let mode = self.kernel.mode;
        let (pd, index) = match self.kernel_pd(va) {
            Ok(x) => x,
            Err(why) => return refuse(t, why),
        };
        let pde = read_entry(&self.mem, mode, pd, index);
        if !pde.is_present() {
            return refuse(t, format!("{va:#010x} has no page table"));
        }
        if pde.is_large() {
            return refuse(
                t,
                format!("{va:#010x} lies in a large page; splitting it is not modelled"),
            );
        }
        let pti = Split::of(mode, VirtAddr::new(va)).pt.get();
        let old = write_entry(&mut self.mem, mode, pde.addr(), pti, Entry::empty(mode));
        t.change(
            format!("pte@{}", hex(pde.addr().as_u64() + pti * mode.entry_size())),
            hex(old.raw()),
            "0x0",
        );
        t.decide(
            "TLB flushed?",
            "no: stale entries stay until invlpg or a flush",
        );
        let mut msg = format!("{va:#010x} unmapped (no TLB flush)");
        if let Some(n) = self.note_raw_kmap_write(va) {
            msg.push_str(&format!("; {n}"));
        }
        (ResultKind::Ok, None, msg)
    }
}
