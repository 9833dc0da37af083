//! Temporary kernel maps: `set_fixmap`, `kmap_atomic`/`kunmap_atomic` as each typed era
//! (2.4.22 – 2.6.32) does them, and 6.1's per-task stack behind `kmap_local_page` and
//! `kmap_atomic`, with its save and restore at every context switch.
//!
//! The slot a typed map uses depends only on the type and the CPU, so the model keeps the
//! record the kernel does not (who took which slot) and reports the moment a second user
//! silently maps over the first.

use super::ops_cpu::{refuse, Done};
use super::{Machine, PageRef, Prot, ResultKind, Who};
use crate::addr::{Pfn, PhysAddr, VirtAddr, PAGE_SIZE};
use crate::highmem::atomic::{AtomicMap, KmapCtrl, LocalEntry};
use crate::layout::PAGE_OFFSET;
use crate::paging::{read_entry, write_entry, Entry, EntryFlags, Split};
use crate::profile::{AtomicCheck, ConfigOpt};
use crate::sched::TaskState;
use crate::trace::Tracer;

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// A slot of the kmap range, for the views.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KmapSlot {
    /// The CPU it belongs to.
    pub cpu: usize,
    /// Its number in the range.
    pub slot: u32,
    /// Its fixmap index.
    pub index: u32,
    /// The type (typed eras), `stack slot N` or `guard` (6.1).
    pub name: String,
    /// Its address.
    pub vaddr: u32,
    /// The frame its PTE maps.
    pub frame: Option<u64>,
    /// Who holds it (more than one when it was taken twice, or in 6.1 by switched-out tasks).
    pub holders: Vec<SlotHolder>,
}

/// A holder of a kmap slot.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SlotHolder {
    /// The task or context.
    pub who: String,
    /// The frame it mapped.
    pub pfn: u64,
    /// The call.
    pub via: String,
    /// Clobbered, or switched out.
    pub note: Option<String>,
}

/// A fixmap index, for the views.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FixmapSlot {
    /// The index.
    pub index: u32,
    /// `FIX_…` (with `+n` inside a range).
    pub name: String,
    /// Its address.
    pub vaddr: u32,
    /// The frame its PTE maps.
    pub frame: Option<u64>,
}

/// Which call a 6.1 map came from: they share the stack, and `kmap_atomic` also disables
/// preemption and page faults around it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Via {
    Local,
    Atomic,
}

impl Via {
    fn map_fn(self) -> &'static str {
        match self {
            Via::Local => "kmap_local_page",
            Via::Atomic => "kmap_atomic",
        }
    }

    fn unmap_fn(self) -> &'static str {
        match self {
            Via::Local => "kunmap_local",
            Via::Atomic => "kunmap_atomic",
        }
    }
}

/// Whose `kmap_ctrl` a 6.1 CPU pushes onto: the current task's, or its idle task's.
#[derive(Clone, Copy)]
enum CtrlOf {
    Task(usize),
    Idle(usize),
}

impl Machine {
    /// The CPU a caller runs on.
    fn acting_cpu(&self, t: &mut Tracer, who: &Who) -> Result<usize, Done> {
        match who {
            Who::Cpu(c) => self.check_cpu(t, *c).map(|_| *c),
            Who::Task(name) => self.running(t, name).map(|(cpu, _)| cpu),
        }
    }

    /// Who is running on a CPU right now, in words: the task, or an interrupt over it.
    fn context_label(&self, cpu: usize) -> String {
        let c = &self.cpus[cpu];
        let task = c
            .current
            .map(|i| self.tasks[i].name.clone())
            .unwrap_or_else(|| format!("swapper/{cpu}"));
        match c.contexts.last() {
            None => task,
            Some(_) => format!("{} on CPU {cpu} (over {task})", c.context_name()),
        }
    }

    /// `FIX_KMAP_BEGIN`, if this kernel has the range.
    fn kmap_begin(&self) -> Option<u32> {
        self.layout
            .fixmap
            .entries
            .iter()
            .find(|e| e.name == "KMAP_BEGIN")
            .map(|e| e.first)
    }

    /// Slots per CPU: `KM_TYPE_NR` (with its fences) or `KM_MAX_IDX`.
    fn km_per_cpu(&self) -> u32 {
        self.layout.fixmap.km_slots_per_cpu
    }

    fn debug_opt(&self) -> bool {
        let config = self.kconfig();
        config.has(ConfigOpt::DebugHighmem) || config.has(ConfigOpt::DebugKmapLocal)
    }

    /// The configuration options in force.
    pub(super) fn kconfig(&self) -> crate::profile::KernelConfig {
        self.config.config.unwrap_or(self.profile.default_config)
    }

    /// `__fix_to_virt(idx)`.
    fn fix_to_virt(&self, idx: u32) -> u32 {
        (self.layout.fixaddr_top() - u64::from(idx) * PAGE_SIZE) as u32
    }

    /// The address of a slot of the kmap range.
    pub(super) fn kmap_slot_addr(&self, slot: u32) -> u32 {
        self.fix_to_virt(self.kmap_begin().unwrap_or(0) + slot)
    }

    /// Where the PTE of a fixmap address lives: its page table and index. The fixmap's
    /// tables are consecutive frames, which is what lets the kernel reach a slot's PTE as
    /// `kmap_pte - idx`.
    fn fixmap_pte(&self, va: u32) -> Option<(PhysAddr, u64)> {
        let mode = self.kernel.mode;
        let span = crate::paging::pt_span(mode);
        let va64 = u64::from(va);
        self.kernel
            .fixmap_tables
            .iter()
            .find(|(base, _)| va64 >= *base && va64 - base < span)
            .map(|&(_, pt)| (pt, Split::of(mode, VirtAddr::new(va)).pt.get()))
    }

    fn read_fix_pte(&self, va: u32) -> Entry {
        match self.fixmap_pte(va) {
            Some((pt, i)) => read_entry(&self.mem, self.kernel.mode, pt, i),
            None => Entry::empty(self.kernel.mode),
        }
    }

    /// Writes a fixmap PTE and records the change under `cell`.
    fn write_fix_pte(&mut self, t: &mut Tracer, va: u32, new: Entry, cell: &str) {
        let Some((pt, i)) = self.fixmap_pte(va) else {
            return;
        };
        let old = write_entry(&mut self.mem, self.kernel.mode, pt, i, new);
        if old.raw() != new.raw() {
            t.change(cell, hex(old.raw()), hex(new.raw()));
        }
    }

    /// `__flush_tlb_one(va)` on one CPU: `invlpg`.
    pub(super) fn flush_one(&mut self, t: &mut Tracer, cpu: usize, va: u32, name: &str) {
        let dropped = self.cpus[cpu].tlb.invlpg(u64::from(va));
        t.leaf(
            name,
            &[("cpu", cpu.to_string()), ("addr", format!("{va:#010x}"))],
            format!(
                "invlpg: {} TLB entr{} dropped",
                dropped.len(),
                if dropped.len() == 1 { "y" } else { "ies" }
            ),
        );
        for e in &dropped {
            t.change(
                format!("cpu{cpu}.tlb[{:#010x}]", e.va),
                format!("→ {:#x}", e.frame),
                "invalid",
            );
        }
    }

    fn raise_count(&mut self, t: &mut Tracer, cpu: usize, func: &str) {
        let before = self.preempt_count(&self.cpus[cpu]);
        self.cpus[cpu].preempt_disabled += 1;
        let after = self.preempt_count(&self.cpus[cpu]);
        t.leaf(func, &[], format!("preempt_count {before:#x} → {after:#x}"));
        t.change(
            format!("cpu{cpu}.preempt_count"),
            hex(before.into()),
            hex(after.into()),
        );
    }

    fn drop_count(&mut self, t: &mut Tracer, cpu: usize, func: &str) {
        let before = self.preempt_count(&self.cpus[cpu]);
        self.cpus[cpu].preempt_disabled = self.cpus[cpu].preempt_disabled.saturating_sub(1);
        let after = self.preempt_count(&self.cpus[cpu]);
        t.leaf(func, &[], format!("preempt_count {before:#x} → {after:#x}"));
        t.change(
            format!("cpu{cpu}.preempt_count"),
            hex(before.into()),
            hex(after.into()),
        );
    }

    /// A BUG at one of the atomic-map checks: a plain `BUG()`, or 2.4's `out_of_line_bug()`
    /// from a header, which reports the header's line and then BUGs in `kernel/panic.c`.
    fn atomic_bug(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        check: AtomicCheck,
        line: u32,
        why: String,
    ) -> Done {
        t.decide("BUG?", format!("yes: {why}"));
        if check.file.ends_with(".h") {
            t.leaf("out_of_line_bug", &[("line", line.to_string())], "BUG");
        } else {
            t.leaf("BUG", &[("at", format!("{}:{line}", check.file))], "BUG");
        }
        let msg = if check.file.ends_with(".h") {
            self.die_counter += 1;
            format!(
                "kernel BUG in header file at line {line}\n{}",
                self.profile
                    .messages
                    .bug("kernel/panic.c", 141, self.die_counter)
            )
        } else {
            self.bug(t, check.file, line).2
        };
        t.result("BUG");
        (
            ResultKind::Bug,
            None,
            format!("{msg}{}\n({why})", self.panic_if_irq(cpu)),
        )
    }

    /// An oops in interrupt context cannot kill a task: the kernel panics.
    fn panic_if_irq(&self, cpu: usize) -> String {
        if self.cpus[cpu].in_interrupt() {
            format!("\n{}", self.profile.messages.panic_in_interrupt())
        } else {
            String::new()
        }
    }

    pub(super) fn warn(&self, cpu: usize, path: &str, line: u32, func: &str) -> String {
        let pid = self.cpus[cpu]
            .current
            .map(|i| self.tasks[i].pid)
            .unwrap_or(0);
        self.profile.messages.warn(path, line, func, cpu, pid)
    }

    pub(super) fn op_kmap_atomic(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        page: &PageRef,
        km_type: Option<&str>,
    ) -> Done {
        if self.profile.atomic.local.is_some() {
            t.enter("kmap_atomic", &[("page", format!("{page:?}"))]);
            if let Some(ty) = km_type {
                return refuse(
                    t,
                    format!("{}'s kmap_atomic() takes no type (given {ty}): it pushes onto the task's kmap_local stack", self.profile.name),
                );
            }
            return self.kmap_local(t, who, page, Via::Atomic);
        }
        t.enter(
            "kmap_atomic",
            &[
                ("page", format!("{page:?}")),
                ("type", km_type.unwrap_or("?").to_string()),
            ],
        );
        let cpu = match self.acting_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let pfn = match self.page_frame(t, page) {
            Ok(p) => p,
            Err(d) => return d,
        };
        let ty = match self.km_type(t, km_type) {
            Ok(x) => x,
            Err(d) => return d,
        };
        let rules = self.profile.atomic;
        let debug = self.debug_opt();
        let holder = self.context_label(cpu);
        let depth = self.cpus[cpu].contexts.len();
        if let Some((up, _)) = rules.count_fns {
            self.raise_count(t, cpu, up);
        } else {
            t.decide("preempt count?", "none in 2.4: nothing is raised");
        }
        if !self.is_highmem(pfn) {
            let v = (PAGE_OFFSET + pfn * PAGE_SIZE) as u32;
            t.decide("PageHighMem(page)?", "no: the direct-map address, no slot");
            t.leaf("page_address", &[], format!("{v:#010x}"));
            t.result(format!("{v:#010x}"));
            self.atomic.push(AtomicMap {
                cpu,
                km_type: ty.0.to_string(),
                slot: None,
                vaddr: v,
                pfn,
                holder,
                depth,
                clobbered: None,
            });
            return (
                ResultKind::Ok,
                Some(v.into()),
                format!(
                    "frame {pfn:#x} is lowmem: kmap_atomic returns its direct-map address {v:#010x} and uses no slot{}",
                    if rules.count_fns.is_some() {
                        " (the preempt count is raised all the same)"
                    } else {
                        ""
                    }
                ),
            );
        }
        t.decide("PageHighMem(page)?", "yes");
        let mut warnings = Vec::new();
        if debug {
            if let Some(w) = self.debug_kmap_atomic(t, cpu, ty.0) {
                warnings.push(w);
            }
        }
        let slot = self.typed_slot(ty.1, cpu);
        let va = self.kmap_slot_addr(slot);
        let begin = self.kmap_begin().unwrap_or(0);
        t.leaf(
            "__fix_to_virt",
            &[(
                "idx",
                format!(
                    "FIX_KMAP_BEGIN + {ty} + KM_TYPE_NR×{cpu} = {begin} + {slot}",
                    ty = ty.0
                ),
            )],
            format!("{va:#010x}"),
        );
        let pte = self.read_fix_pte(va);
        let checked = !rules.busy.debug_only || debug;
        let owner = self
            .atomic
            .iter()
            .rposition(|m| m.cpu == cpu && m.slot == Some(slot) && m.clobbered.is_none());
        if checked {
            t.decide(
                "slot PTE empty? (BUG if not)",
                if pte.is_present() { "no" } else { "yes" },
            );
            if pte.is_present() {
                if rules.count_fns.is_some() {
                    self.cpus[cpu].preempt_disabled -= 1;
                }
                let why = match owner {
                    Some(i) => format!(
                        "{} still holds {} on CPU {cpu} (frame {:#x})",
                        self.atomic[i].holder, ty.0, self.atomic[i].pfn
                    ),
                    None => format!(
                        "the {} slot of CPU {cpu} still maps frame {:#x}: it was not given back with a matching kunmap_atomic",
                        ty.0,
                        pte.addr().pfn_down().as_u64()
                    ),
                };
                let line = rules.busy.line;
                return self.atomic_bug(t, cpu, rules.busy, line, why);
            }
        } else {
            t.decide(
                "slot PTE empty?",
                "not checked without CONFIG_DEBUG_HIGHMEM",
            );
        }
        let mut note = None;
        if let Some(i) = owner {
            let prev = &mut self.atomic[i];
            prev.clobbered = Some(format!(
                "{holder} mapped frame {pfn:#x} over it with kmap_atomic({})",
                ty.0
            ));
            note = Some(format!(
                "HAZARD: {} still holds {} on CPU {cpu} (frame {:#x}); its mapping was silently replaced",
                prev.holder, ty.0, prev.pfn
            ));
            t.decide(
                "slot in use by someone else?",
                "yes: replaced without a word",
            );
        }
        let new = Entry::new(
            self.kernel.mode,
            Pfn::new(pfn).addr(),
            self.kernel.page_kernel,
        );
        t.leaf(
            "set_pte",
            &[
                ("pte", format!("kmap_pte - {slot}")),
                ("value", hex(new.raw())),
            ],
            "mk_pte(page, kmap_prot)",
        );
        self.write_fix_pte(t, va, new, &format!("kmap_pte[-{slot}]"));
        if rules.flush_on_map {
            t.decide(
                "flush the slot on map?",
                "yes: an unmap without CONFIG_DEBUG_HIGHMEM leaves the old PTE and its TLB entry",
            );
            self.flush_one(t, cpu, va, "__flush_tlb_one");
        } else {
            t.decide(
                "flush the slot on map?",
                "no: every unmap clears and flushes, so the slot was empty",
            );
        }
        self.atomic.push(AtomicMap {
            cpu,
            km_type: ty.0.to_string(),
            slot: Some(slot),
            vaddr: va,
            pfn,
            holder,
            depth,
            clobbered: None,
        });
        t.result(format!("{va:#010x}"));
        let mut msg = format!(
            "frame {pfn:#x} mapped at {va:#010x} ({} slot of CPU {cpu}, fixmap index {})",
            ty.0,
            begin + slot
        );
        if let Some(n) = note {
            msg = format!("{n}\n{msg}");
        }
        let kind = if warnings.is_empty() {
            ResultKind::Ok
        } else {
            msg = format!("{}\n{msg}", warnings.join("\n"));
            ResultKind::Warn
        };
        (kind, Some(va.into()), msg)
    }

    /// The type's name and its number in the enum, or why it is not one of this era's.
    fn km_type(&self, t: &mut Tracer, km_type: Option<&str>) -> Result<(&'static str, u32), Done> {
        let types = self.profile.atomic.types;
        let list = || types.join(", ");
        let Some(ty) = km_type else {
            return Err(refuse(
                t,
                format!(
                    "kmap_atomic needs a type= in {}: one of {}",
                    self.profile.name,
                    list()
                ),
            ));
        };
        match types.iter().position(|x| *x == ty) {
            Some(i) => Ok((types[i], i as u32)),
            None => Err(refuse(
                t,
                format!(
                    "{} has no km_type {ty}: use one of {}",
                    self.profile.name,
                    list()
                ),
            )),
        }
    }

    /// `type + KM_TYPE_NR × cpu`, where with the debug fences every type sits at `2n + 1`.
    fn typed_slot(&self, type_nr: u32, cpu: usize) -> u32 {
        let fenced = self.debug_opt()
            && self.profile.km_slots_per_cpu_debug != self.profile.km_slots_per_cpu;
        let real = if fenced { 2 * type_nr + 1 } else { type_nr };
        real + self.km_per_cpu() * cpu as u32
    }

    /// 2.6.32's `debug_kmap_atomic()`: warns about a type used in the wrong context. The
    /// model's interrupts are disabled in hard-interrupt context only.
    fn debug_kmap_atomic(&mut self, t: &mut Tracer, cpu: usize, ty: &str) -> Option<String> {
        let rules = self.profile.atomic.debug_types?;
        if self.debug_kmap_warnings < 0 {
            t.decide("debug_kmap_atomic", "quiet: warn_count is spent");
            return None;
        }
        let c = &self.cpus[cpu];
        let in_irq = c.hardirq_count() > 0;
        let in_softirq = !in_irq && c.softirq_count() > 0;
        let irqs_off = in_irq;
        let mut lines = Vec::new();
        if in_irq && !rules.hardirq.0.contains(&ty) {
            lines.push(rules.hardirq.1);
        } else if in_softirq && !rules.softirq.0.contains(&ty) {
            lines.push(rules.softirq.1);
        }
        if rules.irqs_off.0.contains(&ty) && !irqs_off {
            lines.push(rules.irqs_off.1);
        } else if rules.in_irq_or_off.0.contains(&ty) && !(in_irq || in_softirq) && !irqs_off {
            lines.push(rules.in_irq_or_off.1);
        }
        let ctx = self.cpus[cpu].context_name();
        t.leaf(
            "debug_kmap_atomic",
            &[("type", ty.to_string()), ("context", ctx.into())],
            if lines.is_empty() {
                "fine".to_string()
            } else {
                format!("WARN_ON at line {}", lines[0])
            },
        );
        if lines.is_empty() {
            return None;
        }
        self.debug_kmap_warnings -= lines.len() as i32;
        Some(
            lines
                .iter()
                .map(|&l| self.warn(cpu, "mm/highmem.c", l, "debug_kmap_atomic"))
                .collect::<Vec<_>>()
                .join("\n")
                + &format!(
                    "\n({ty} is not meant for {ctx} context with interrupts {})",
                    if irqs_off { "off" } else { "on" }
                ),
        )
    }

    pub(super) fn op_kunmap_atomic(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        km_type: Option<&str>,
        vaddr: Option<u32>,
        page: Option<&PageRef>,
    ) -> Done {
        if self.profile.atomic.local.is_some() {
            t.enter("kunmap_atomic", &[]);
            if let Some(ty) = km_type {
                return refuse(
                    t,
                    format!(
                        "{}'s kunmap_atomic() takes no type (given {ty})",
                        self.profile.name
                    ),
                );
            }
            return self.kunmap_local(t, who, vaddr, page, Via::Atomic);
        }
        t.enter(
            "kunmap_atomic",
            &[("type", km_type.unwrap_or("?").to_string())],
        );
        let cpu = match self.acting_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let ty = match self.km_type(t, km_type) {
            Ok(x) => x,
            Err(d) => return d,
        };
        if !self.atomic.iter().any(|m| m.cpu == cpu) {
            return refuse(
                t,
                format!("CPU {cpu} holds no kmap_atomic map: there is nothing to give back"),
            );
        }
        let pfn = match page {
            Some(p) => match self.page_frame(t, p) {
                Ok(p) => Some(p),
                Err(d) => return d,
            },
            None => None,
        };
        let slot = self.typed_slot(ty.1, cpu);
        let expected = self.kmap_slot_addr(slot);
        let kvaddr = vaddr.unwrap_or_else(|| {
            let mine = self.atomic.iter().rev().filter(|m| m.cpu == cpu);
            let found = match pfn {
                Some(p) => mine.clone().find(|m| m.pfn == p),
                None => mine.clone().find(|m| m.km_type == ty.0),
            };
            found.map(|m| m.vaddr).unwrap_or(match pfn {
                Some(p) if !self.is_highmem(p) => (PAGE_OFFSET + p * PAGE_SIZE) as u32,
                _ => expected,
            })
        });
        let va = kvaddr & !0xfff;
        t.decide(
            "kvaddr",
            format!(
                "{kvaddr:#010x}; the {} slot of CPU {cpu} is {expected:#010x}",
                ty.0
            ),
        );
        let rules = self.profile.atomic;
        let debug = self.debug_opt();
        let fixaddr_start = self.layout.fixaddr_start() as u32;
        let mut notes = Vec::new();
        let mut cleared = None;
        let checks = !rules.wrong_address.debug_only || debug;
        if !rules.wrong_address_lowmem_rule {
            // 2.4 and 2.6.11: without the debug option the unmap only drops the count.
            if !debug {
                t.decide(
                    "CONFIG_DEBUG_HIGHMEM?",
                    "no: the PTE and its TLB entry stay until the next kmap_atomic of this type",
                );
                notes.push(
                    "the slot still maps its page (nothing is cleared without CONFIG_DEBUG_HIGHMEM)"
                        .to_string(),
                );
            } else if va < fixaddr_start {
                t.decide(
                    "vaddr < FIXADDR_START?",
                    "yes: a lowmem page, nothing to undo",
                );
            } else if va != expected {
                let line = rules.wrong_address.line;
                let why = format!(
                    "{kvaddr:#010x} is not the {} slot of CPU {cpu} ({expected:#010x})",
                    ty.0
                );
                return self.atomic_bug(t, cpu, rules.wrong_address, line, why);
            } else {
                self.clear_typed_slot(t, cpu, slot, va, "pte_clear");
                cleared = Some(slot);
            }
        } else if va == expected {
            t.decide("vaddr is the type's slot?", "yes: kpte_clear_flush");
            self.clear_typed_slot(t, cpu, slot, va, "kpte_clear_flush");
            cleared = Some(slot);
        } else if checks {
            let line = rules.wrong_address.line;
            t.decide(
                "vaddr is the type's slot?",
                "no: it must be a lowmem address",
            );
            if u64::from(va) < PAGE_OFFSET {
                let why = format!("{kvaddr:#010x} is below PAGE_OFFSET");
                return self.atomic_bug(t, cpu, rules.wrong_address, line, why);
            }
            let high_memory = self.layout.high_memory() as u32;
            if va >= high_memory {
                let why = format!(
                    "{kvaddr:#010x} is neither the {} slot of CPU {cpu} nor a direct-map address",
                    ty.0
                );
                return self.atomic_bug(t, cpu, rules.wrong_address, line + 1, why);
            }
        } else {
            t.decide(
                "vaddr is the type's slot?",
                "no: nothing is cleared (no check without CONFIG_DEBUG_HIGHMEM)",
            );
            if va >= fixaddr_start {
                notes.push(format!(
                    "{kvaddr:#010x} is not the {} slot of CPU {cpu}: whatever slot it is stays mapped",
                    ty.0
                ));
            }
        }
        if let Some((_, down)) = rules.count_fns {
            self.drop_count(t, cpu, down);
        }
        // The holder the caller means: the latest map on this CPU at that address.
        let released = self.atomic.iter().rposition(|m| {
            m.cpu == cpu && (m.vaddr & !0xfff) == va && Some(m.pfn) == pfn.or(Some(m.pfn))
        });
        let who_released = released.map(|i| self.atomic.remove(i));
        if let Some(slot) = cleared {
            let by = self.context_label(cpu);
            for m in self
                .atomic
                .iter_mut()
                .filter(|m| m.cpu == cpu && m.slot == Some(slot) && m.clobbered.is_none())
            {
                m.clobbered = Some(format!(
                    "{by} cleared the slot with kunmap_atomic({})",
                    ty.0
                ));
                notes.push(format!(
                    "HAZARD: {} still held this slot for frame {:#x}; its mapping is gone",
                    m.holder, m.pfn
                ));
            }
        }
        if let Some(m) = &who_released {
            t.change(
                format!("cpu{cpu}.{}", m.km_type),
                format!("{} → frame {:#x}", m.holder, m.pfn),
                "released",
            );
        } else {
            notes.push(format!(
                "no kmap_atomic on CPU {cpu} returned {kvaddr:#010x}"
            ));
        }
        t.result("done");
        let mut msg = format!("{kvaddr:#010x} given back ({} on CPU {cpu})", ty.0);
        for n in notes {
            msg.push_str("; ");
            msg.push_str(&n);
        }
        (ResultKind::Ok, None, msg)
    }

    fn clear_typed_slot(&mut self, t: &mut Tracer, cpu: usize, slot: u32, va: u32, how: &str) {
        t.leaf(how, &[("pte", format!("kmap_pte - {slot}"))], "cleared");
        let empty = Entry::empty(self.kernel.mode);
        self.write_fix_pte(t, va, empty, &format!("kmap_pte[-{slot}]"));
        self.flush_one(t, cpu, va, "__flush_tlb_one");
    }

    // ---- 6.1: kmap_local_page and kmap_atomic on the task's stack ----

    /// Whose stack a CPU uses now: in interrupt context too, it is the interrupted task's.
    fn ctrl_of(&self, cpu: usize) -> CtrlOf {
        match self.cpus[cpu].current {
            Some(i) => CtrlOf::Task(i),
            None => CtrlOf::Idle(cpu),
        }
    }

    fn ctrl(&self, of: CtrlOf) -> &KmapCtrl {
        match of {
            CtrlOf::Task(i) => &self.tasks[i].kmap_ctrl,
            CtrlOf::Idle(c) => &self.cpus[c].idle_kmap,
        }
    }

    fn ctrl_mut(&mut self, of: CtrlOf) -> &mut KmapCtrl {
        match of {
            CtrlOf::Task(i) => &mut self.tasks[i].kmap_ctrl,
            CtrlOf::Idle(c) => &mut self.cpus[c].idle_kmap,
        }
    }

    fn ctrl_name(&self, of: CtrlOf) -> String {
        match of {
            CtrlOf::Task(i) => self.tasks[i].name.clone(),
            CtrlOf::Idle(c) => format!("swapper/{c}"),
        }
    }

    fn km_incr(&self) -> u32 {
        if self.kconfig().has(ConfigOpt::DebugKmapLocal) {
            2
        } else {
            1
        }
    }

    pub(super) fn op_kmap_local(&mut self, t: &mut Tracer, who: &Who, page: &PageRef) -> Done {
        t.enter("kmap_local_page", &[("page", format!("{page:?}"))]);
        if self.profile.atomic.local.is_none() {
            return refuse(
                t,
                format!(
                    "{} has no kmap_local_page(): it came with 5.11; use kmap_atomic with a type",
                    self.profile.name
                ),
            );
        }
        self.kmap_local(t, who, page, Via::Local)
    }

    fn kmap_local(&mut self, t: &mut Tracer, who: &Who, page: &PageRef, via: Via) -> Done {
        let Some(rules) = self.profile.atomic.local else {
            return refuse(t, "no kmap_local stack in this kernel");
        };
        let cpu = match self.acting_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let pfn = match self.page_frame(t, page) {
            Ok(p) => p,
            Err(d) => return d,
        };
        let of = self.ctrl_of(cpu);
        let owner = self.ctrl_name(of);
        let context = self.context_label(cpu);
        if via == Via::Atomic {
            if rules.preempt_count {
                self.raise_count(t, cpu, "preempt_disable");
            } else {
                t.leaf(
                    "preempt_disable",
                    &[],
                    "a barrier only without CONFIG_PREEMPT_COUNT",
                );
            }
            let c = self.ctrl_mut(of);
            c.pagefault_disabled += 1;
            let now = c.pagefault_disabled;
            t.leaf(
                "pagefault_disable",
                &[],
                format!("{owner}.pagefault_disabled = {now}"),
            );
            t.change(
                format!("{owner}.pagefault_disabled"),
                (now - 1).to_string(),
                now.to_string(),
            );
        }
        t.enter("__kmap_local_page_prot", &[]);
        if !self.is_highmem(pfn) {
            let v = (PAGE_OFFSET + pfn * PAGE_SIZE) as u32;
            t.decide(
                "PageHighMem(page)?",
                "no: page_address(); nothing pushed, migration stays enabled",
            );
            t.leaf("page_address", &[], format!("{v:#010x}"));
            t.result(format!("{v:#010x}"));
            return (
                ResultKind::Ok,
                Some(v.into()),
                format!(
                    "frame {pfn:#x} is lowmem: {} returns its direct-map address {v:#010x}; nothing is pushed",
                    via.map_fn()
                ),
            );
        }
        t.decide("PageHighMem(page)?", "yes");
        t.enter("__kmap_local_pfn_prot", &[("pfn", hex(pfn))]);
        let max = self.km_per_cpu();
        let incr = self.km_incr();
        let (old_idx, pinned_before) = {
            let c = self.ctrl(of);
            (c.idx, c.pinned)
        };
        t.leaf(
            "migrate_disable",
            &[],
            format!("{owner} stays on CPU {cpu}"),
        );
        t.leaf("preempt_disable", &[], "for the few lines that follow");
        let new_idx = old_idx + incr;
        t.leaf(
            "kmap_local_idx_push",
            &[("kmap_ctrl.idx", format!("{old_idx} + {incr}"))],
            new_idx.to_string(),
        );
        if new_idx >= max {
            t.decide(&format!("idx >= KM_MAX_IDX ({max})? (BUG)"), "yes");
            if via == Via::Atomic {
                self.undo_atomic_entry(cpu, of, rules.preempt_count);
            }
            let (kind, v, msg) = {
                t.leaf(
                    "BUG",
                    &[("at", format!("mm/highmem.c:{}", rules.push_bug_line))],
                    "BUG",
                );
                self.bug(t, "mm/highmem.c", rules.push_bug_line)
            };
            return (
                kind,
                v,
                format!(
                    "{msg}{}\n({owner} already holds {} local maps: the stack has room for {})",
                    self.panic_if_irq(cpu),
                    old_idx / incr,
                    (max - 1) / incr
                ),
            );
        }
        let stack = new_idx - 1;
        let slot = stack + max * cpu as u32;
        let va = self.kmap_slot_addr(slot);
        t.leaf(
            "kmap_local_calc_idx",
            &[("stack slot", stack.to_string()), ("cpu", cpu.to_string())],
            format!("{stack} + {max}×{cpu} = {slot} → {va:#010x}"),
        );
        let pte = self.read_fix_pte(va);
        t.decide(
            "slot PTE empty? (BUG if not)",
            if pte.is_present() { "no" } else { "yes" },
        );
        if pte.is_present() {
            if via == Via::Atomic {
                self.undo_atomic_entry(cpu, of, rules.preempt_count);
            }
            let (kind, v, msg) = {
                t.leaf(
                    "BUG",
                    &[("at", format!("mm/highmem.c:{}", rules.pte_bug_line))],
                    "BUG",
                );
                self.bug(t, "mm/highmem.c", rules.pte_bug_line)
            };
            return (
                kind,
                v,
                format!(
                    "{msg}{}\n(slot {slot} of CPU {cpu} still maps frame {:#x})",
                    self.panic_if_irq(cpu),
                    pte.addr().pfn_down().as_u64()
                ),
            );
        }
        let new = Entry::new(
            self.kernel.mode,
            Pfn::new(pfn).addr(),
            self.kernel.page_kernel,
        );
        t.leaf(
            "set_pte_at",
            &[
                ("pte", format!("__kmap_pte[-{slot}]")),
                ("value", hex(new.raw())),
            ],
            "no TLB flush: the slot was empty",
        );
        self.write_fix_pte(t, va, new, &format!("kmap_pte[-{slot}]"));
        let depth = self.cpus[cpu].contexts.len();
        let c = self.ctrl_mut(of);
        c.idx = new_idx;
        if c.entries.len() < max as usize {
            c.entries.resize(max as usize, None);
        }
        c.entries[stack as usize] = Some(LocalEntry {
            pteval: new.raw(),
            pfn,
            via: via.map_fn().to_string(),
            context: context.clone(),
            depth,
        });
        c.migration_disabled += 1;
        c.pinned = Some(cpu);
        c.given.push((pfn, va));
        t.change(
            format!("{owner}.kmap_ctrl.idx"),
            old_idx.to_string(),
            new_idx.to_string(),
        );
        t.change(
            format!("{owner}.kmap_ctrl.pteval[{stack}]"),
            "0x0",
            hex(new.raw()),
        );
        if pinned_before.is_none() {
            t.change(
                format!("{owner}.migration"),
                "enabled",
                format!("disabled on CPU {cpu}"),
            );
        }
        t.leaf("preempt_enable", &[], "");
        t.result(format!("{va:#010x}"));
        (
            ResultKind::Ok,
            Some(va.into()),
            format!(
                "frame {pfn:#x} mapped at {va:#010x} ({owner}'s stack slot {stack}, slot {slot} of the fixmap's kmap range)"
            ),
        )
    }

    /// Undoes what `kmap_atomic()` did before a BUG stopped it.
    fn undo_atomic_entry(&mut self, cpu: usize, of: CtrlOf, preempt_count: bool) {
        if preempt_count {
            self.cpus[cpu].preempt_disabled = self.cpus[cpu].preempt_disabled.saturating_sub(1);
        }
        let c = self.ctrl_mut(of);
        c.pagefault_disabled = c.pagefault_disabled.saturating_sub(1);
    }

    pub(super) fn op_kunmap_local(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        vaddr: Option<u32>,
        page: Option<&PageRef>,
    ) -> Done {
        t.enter("kunmap_local", &[]);
        if self.profile.atomic.local.is_none() {
            return refuse(t, format!("{} has no kunmap_local()", self.profile.name));
        }
        self.kunmap_local(t, who, vaddr, page, Via::Local)
    }

    fn kunmap_local(
        &mut self,
        t: &mut Tracer,
        who: &Who,
        vaddr: Option<u32>,
        page: Option<&PageRef>,
        via: Via,
    ) -> Done {
        let Some(rules) = self.profile.atomic.local else {
            return refuse(t, "no kmap_local stack in this kernel");
        };
        let cpu = match self.acting_cpu(t, who) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let of = self.ctrl_of(cpu);
        let owner = self.ctrl_name(of);
        if via == Via::Atomic
            && (self.ctrl(of).pagefault_disabled == 0
                || (rules.preempt_count && self.cpus[cpu].preempt_disabled == 0))
        {
            return refuse(
                t,
                format!("{owner} holds no kmap_atomic map on CPU {cpu}: kunmap_atomic would underflow the counts"),
            );
        }
        let max = self.km_per_cpu();
        let pfn = match page {
            Some(p) => match self.page_frame(t, p) {
                Ok(p) => Some(p),
                Err(d) => return d,
            },
            None => None,
        };
        let addr = match (vaddr, pfn) {
            (Some(v), _) => v,
            (None, Some(p)) if !self.is_highmem(p) => (PAGE_OFFSET + p * PAGE_SIZE) as u32,
            (None, Some(p)) => {
                let found = self.ctrl(of).given.iter().rev().find(|g| g.0 == p);
                match found {
                    Some(&(_, v)) => v,
                    None => {
                        return refuse(t, format!("{owner} holds no local map of frame {p:#x}"))
                    }
                }
            }
            (None, None) => match self.ctrl(of).top() {
                Some(s) => self.kmap_slot_addr(s + max * cpu as u32),
                None => {
                    return refuse(
                        t,
                        format!("{owner} holds no local map: give vaddr= or page="),
                    )
                }
            },
        };
        let a = addr & !0xfff;
        t.enter("kunmap_local_indexed", &[("addr", format!("{addr:#010x}"))]);
        let nr_cpus = self.layout.resolved.nr_cpus;
        let lowest = self.kmap_slot_addr(max * nr_cpus - 1);
        let highest = self.kmap_slot_addr(0);
        let mut msgs = Vec::new();
        let mut kind = ResultKind::Ok;
        if a < lowest || a > highest {
            t.decide(
                "inside the fixmap's kmap range?",
                "no: a lowmem page's address; nothing was pushed, so nothing is popped",
            );
            if u64::from(a) < PAGE_OFFSET && self.warned_once.insert(rules.outside_warn_line) {
                msgs.push(self.warn(
                    cpu,
                    "mm/highmem.c",
                    rules.outside_warn_line,
                    "kunmap_local_indexed",
                ));
                kind = ResultKind::Warn;
            }
            t.exit();
            self.finish_atomic_unmap(t, cpu, of, via, rules.preempt_count);
            msgs.push(format!("{addr:#010x} is not a kmap slot: nothing to undo"));
            return (kind, None, msgs.join("\n"));
        }
        t.decide("inside the fixmap's kmap range?", "yes");
        t.leaf("preempt_disable", &[], "");
        let Some(top) = self.ctrl(of).top() else {
            if self.warned_once.insert(rules.order_warn_line) {
                msgs.push(self.warn(
                    cpu,
                    "mm/highmem.c",
                    rules.order_warn_line,
                    "kunmap_local_indexed",
                ));
            }
            let (k, v, m) = {
                t.leaf(
                    "BUG",
                    &[("at", format!("mm/highmem.c:{}", rules.pop_bug_line))],
                    "BUG",
                );
                self.bug(t, "mm/highmem.c", rules.pop_bug_line)
            };
            msgs.push(format!("{m}{}", self.panic_if_irq(cpu)));
            msgs.push(format!(
                "({owner}'s kmap_ctrl stack is empty: the pop takes idx below 0)"
            ));
            return (k, v, msgs.join("\n"));
        };
        let slot = top + max * cpu as u32;
        let top_va = self.kmap_slot_addr(slot);
        t.leaf(
            "kmap_local_idx",
            &[],
            format!("top of {owner}'s stack: slot {top} → {top_va:#010x}"),
        );
        let mut out_of_order = false;
        if a != top_va {
            let first = self.warned_once.insert(rules.order_warn_line);
            t.decide(
                "addr is the top of the stack? (WARN_ON_ONCE)",
                if first {
                    "no: warn"
                } else {
                    "no (already warned once: silent)"
                },
            );
            if first {
                msgs.push(self.warn(
                    cpu,
                    "mm/highmem.c",
                    rules.order_warn_line,
                    "kunmap_local_indexed",
                ));
                kind = ResultKind::Warn;
            }
            out_of_order = true;
        } else {
            t.decide("addr is the top of the stack? (WARN_ON_ONCE)", "yes");
        }
        t.leaf(
            "pte_clear",
            &[("pte", format!("__kmap_pte[-{slot}]"))],
            "cleared",
        );
        let empty = Entry::empty(self.kernel.mode);
        self.write_fix_pte(t, top_va, empty, &format!("kmap_pte[-{slot}]"));
        self.flush_one(t, cpu, a, "flush_tlb_one_kernel");
        if out_of_order {
            let still = if self.read_fix_pte(a).is_present() {
                format!("{a:#010x} stays mapped, and ")
            } else {
                String::new()
            };
            msgs.push(format!(
                "out of order: {addr:#010x} is not the top of the stack ({top_va:#010x}); the top slot's PTE is cleared but {addr:#010x}'s TLB entry is the one flushed, so {still}{top_va:#010x} may live on in a TLB"
            ));
        }
        let incr = self.km_incr();
        let c = self.ctrl_mut(of);
        let freed = c.entries.get_mut(top as usize).and_then(Option::take);
        let old_idx = c.idx;
        c.idx -= incr;
        let new_idx = c.idx;
        c.migration_disabled = c.migration_disabled.saturating_sub(1);
        if let Some(g) = c.given.iter().rposition(|g| g.1 & !0xfff == a) {
            c.given.remove(g);
        }
        let unpinned = c.migration_disabled == 0;
        if unpinned {
            c.pinned = None;
        }
        t.change(
            format!("{owner}.kmap_ctrl.pteval[{top}]"),
            freed
                .as_ref()
                .map(|e| hex(e.pteval))
                .unwrap_or("0x0".into()),
            "0x0",
        );
        t.change(
            format!("{owner}.kmap_ctrl.idx"),
            old_idx.to_string(),
            new_idx.to_string(),
        );
        t.leaf("kmap_local_idx_pop", &[], new_idx.to_string());
        t.leaf("preempt_enable", &[], "");
        t.leaf(
            "migrate_enable",
            &[],
            if unpinned {
                format!("{owner} may migrate again")
            } else {
                "still pinned by other maps".into()
            },
        );
        if unpinned {
            t.change(
                format!("{owner}.migration"),
                format!("disabled on CPU {cpu}"),
                "enabled",
            );
        }
        t.exit();
        self.finish_atomic_unmap(t, cpu, of, via, rules.preempt_count);
        msgs.push(format!(
            "{} {addr:#010x}: stack slot {top} popped ({owner}'s kmap_ctrl.idx {old_idx} → {new_idx})",
            via.unmap_fn()
        ));
        (kind, None, msgs.join("\n"))
    }

    /// The end of 6.1's `kunmap_atomic()`: page faults and preemption enabled again.
    fn finish_atomic_unmap(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        of: CtrlOf,
        via: Via,
        preempt_count: bool,
    ) {
        if via != Via::Atomic {
            return;
        }
        let owner = self.ctrl_name(of);
        let c = self.ctrl_mut(of);
        c.pagefault_disabled = c.pagefault_disabled.saturating_sub(1);
        let now = c.pagefault_disabled;
        t.leaf(
            "pagefault_enable",
            &[],
            format!("{owner}.pagefault_disabled = {now}"),
        );
        t.change(
            format!("{owner}.pagefault_disabled"),
            (now + 1).to_string(),
            now.to_string(),
        );
        if preempt_count {
            self.drop_count(t, cpu, "preempt_enable");
        }
    }

    /// `__kmap_local_sched_out()`: the outgoing task's slots are cleared and flushed on this
    /// CPU; their PTEs stay saved in its `kmap_ctrl`.
    pub(super) fn kmap_local_sched_out(&mut self, t: &mut Tracer, cpu: usize) {
        if self.profile.atomic.local.is_none() {
            return;
        }
        let of = self.ctrl_of(cpu);
        if self.ctrl(of).idx == 0 {
            return;
        }
        let owner = self.ctrl_name(of);
        let max = self.km_per_cpu();
        let guards = self.km_incr() == 2;
        let held: Vec<u32> = self.ctrl(of).held().map(|(i, _)| i).collect();
        t.enter("__kmap_local_sched_out", &[("task", owner.clone())]);
        for i in held {
            if guards && i % 2 == 0 {
                continue;
            }
            let slot = i + max * cpu as u32;
            let va = self.kmap_slot_addr(slot);
            t.leaf(
                "pte_clear",
                &[("pte", format!("__kmap_pte[-{slot}]"))],
                "saved in kmap_ctrl",
            );
            let empty = Entry::empty(self.kernel.mode);
            self.write_fix_pte(t, va, empty, &format!("kmap_pte[-{slot}]"));
            self.flush_one(t, cpu, va, "flush_tlb_one_kernel");
        }
        t.exit();
    }

    /// `__kmap_local_sched_in()`: the incoming task's saved PTEs are written back (no flush:
    /// the slots go from empty to present).
    pub(super) fn kmap_local_sched_in(&mut self, t: &mut Tracer, cpu: usize) {
        if self.profile.atomic.local.is_none() {
            return;
        }
        let of = self.ctrl_of(cpu);
        if self.ctrl(of).idx == 0 {
            return;
        }
        let owner = self.ctrl_name(of);
        let max = self.km_per_cpu();
        let held: Vec<(u32, u64)> = self.ctrl(of).held().map(|(i, e)| (i, e.pteval)).collect();
        t.enter("__kmap_local_sched_in", &[("task", owner)]);
        for (i, pteval) in held {
            let slot = i + max * cpu as u32;
            let va = self.kmap_slot_addr(slot);
            t.leaf(
                "set_pte_at",
                &[
                    ("pte", format!("__kmap_pte[-{slot}]")),
                    ("value", hex(pteval)),
                ],
                "restored from kmap_ctrl",
            );
            let e = Entry::from_raw(self.kernel.mode, pteval);
            self.write_fix_pte(t, va, e, &format!("kmap_pte[-{slot}]"));
        }
        t.exit();
    }

    // ---- set_fixmap / clear_fixmap ----

    /// An index of `enum fixed_addresses` by name (`FIX_APIC_BASE`, `KMAP_BEGIN+3`) or number.
    fn fix_index(&self, text: &str) -> Result<u32, String> {
        let text = text.trim();
        if let Some(n) = crate::script::parse_number(text) {
            return u32::try_from(n).map_err(|_| format!("fixmap index {text} is too large"));
        }
        let (name, plus) = match text.split_once('+') {
            Some((n, p)) => (
                n.trim(),
                crate::script::parse_number(p.trim())
                    .and_then(|p| u32::try_from(p).ok())
                    .ok_or_else(|| format!("'{p}' in {text} is not a number"))?,
            ),
            None => (text, 0),
        };
        let bare = name.trim_start_matches("FIX_");
        let e = self
            .layout
            .fixmap
            .entries
            .iter()
            .find(|e| e.name == bare)
            .ok_or_else(|| {
                format!(
                    "{} has no fixmap entry FIX_{bare} in this configuration (it has {})",
                    self.profile.name,
                    self.layout
                        .fixmap
                        .entries
                        .iter()
                        .map(|e| format!("FIX_{}", e.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
        if plus >= e.count {
            return Err(format!(
                "FIX_{bare} spans {} slot{}, so +{plus} is outside it",
                e.count,
                if e.count == 1 { "" } else { "s" }
            ));
        }
        Ok(e.first + plus)
    }

    pub(super) fn op_set_fixmap(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        idx: &str,
        map: Option<(u64, Prot)>,
    ) -> Done {
        let func = if map.is_some() {
            "set_fixmap"
        } else {
            "clear_fixmap"
        };
        t.enter(func, &[("idx", idx.to_string())]);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        let i = match self.fix_index(idx) {
            Ok(i) => i,
            Err(why) => return refuse(t, why),
        };
        let end = self.layout.fixmap.end;
        if i >= end {
            return refuse(
                t,
                format!("index {i} is not below __end_of_fixed_addresses ({end}): __set_fixmap would BUG"),
            );
        }
        let va = self.fix_to_virt(i);
        let mode = self.kernel.mode;
        let new = match map {
            Some((pfn, prot)) => {
                let max_pfn: u64 = if mode == crate::paging::PagingMode::Pae {
                    1 << 24
                } else {
                    1 << 20
                };
                if pfn >= max_pfn {
                    return refuse(
                        t,
                        format!("frame {pfn:#x} does not fit in a {mode:?} entry"),
                    );
                }
                Entry::new(
                    mode,
                    Pfn::new(pfn).addr(),
                    self.prot_flags(prot) | EntryFlags::PRESENT,
                )
            }
            None => Entry::empty(mode),
        };
        let name = self
            .layout
            .fixmap
            .entry_at(i)
            .map(|e| {
                if e.count == 1 {
                    format!("FIX_{}", e.name)
                } else {
                    format!("FIX_{}+{}", e.name, i - e.first)
                }
            })
            .unwrap_or_else(|| format!("index {i}"));
        t.leaf(
            "__fix_to_virt",
            &[("idx", format!("{name} = {i}"))],
            format!("{va:#010x}"),
        );
        let holders: Vec<String> = self
            .atomic
            .iter()
            .filter(|m| m.slot.is_some() && m.vaddr == va)
            .map(|m| m.holder.clone())
            .collect();
        let tamper = self.note_raw_kmap_write(va);
        t.leaf("set_pte_vaddr", &[("value", hex(new.raw()))], "");
        self.write_fix_pte(t, va, new, &format!("fixmap[{i}]"));
        self.flush_one(t, cpu, va, "__flush_tlb_one");
        let mut msg = match map {
            Some((pfn, _)) => format!("{name} ({va:#010x}) now maps frame {pfn:#x}"),
            None => format!("{name} ({va:#010x}) cleared"),
        };
        msg.push_str(&format!("; invlpg on CPU {cpu} only"));
        if !holders.is_empty() {
            msg.push_str(&format!(
                "; this is a kmap slot that {} still holds",
                holders.join(", ")
            ));
        } else if let Some(n) = tamper {
            msg.push_str(&format!("; {n}"));
        }
        (ResultKind::Ok, None, msg)
    }

    /// Every kmap slot of the simulated CPUs: its PTE's frame and who holds it.
    pub fn kmap_slots(&self) -> Vec<KmapSlot> {
        let Some(begin) = self.kmap_begin() else {
            return Vec::new();
        };
        let max = self.km_per_cpu();
        let mut out = Vec::new();
        for cpu in 0..self.cpus.len() {
            for i in 0..max {
                let slot = i + max * cpu as u32;
                let vaddr = self.kmap_slot_addr(slot);
                let pte = self.read_fix_pte(vaddr);
                let mut holders = Vec::new();
                let name;
                if self.profile.atomic.local.is_some() {
                    name = if self.km_incr() == 2 && i % 2 == 0 {
                        "guard".to_string()
                    } else {
                        format!("stack slot {i}")
                    };
                    for t in &self.tasks {
                        if let Some(Some(e)) = t.kmap_ctrl.entries.get(i as usize) {
                            if t.kmap_ctrl.pinned == Some(cpu) {
                                holders.push(SlotHolder {
                                    who: e.context.clone(),
                                    pfn: e.pfn,
                                    via: e.via.clone(),
                                    note: match t.state {
                                        crate::sched::TaskState::Running { .. } => None,
                                        _ => {
                                            Some("switched out: PTE saved in its kmap_ctrl".into())
                                        }
                                    },
                                });
                            }
                        }
                    }
                    if let Some(Some(e)) = self.cpus[cpu].idle_kmap.entries.get(i as usize) {
                        holders.push(SlotHolder {
                            who: e.context.clone(),
                            pfn: e.pfn,
                            via: e.via.clone(),
                            note: None,
                        });
                    }
                } else {
                    let fenced = self.debug_opt()
                        && self.profile.km_slots_per_cpu_debug != self.profile.km_slots_per_cpu;
                    let types = self.profile.atomic.types;
                    name = if fenced {
                        if i % 2 == 1 {
                            types
                                .get((i / 2) as usize)
                                .copied()
                                .unwrap_or("fence")
                                .to_string()
                        } else {
                            format!("__KM_FENCE_{}", i / 2)
                        }
                    } else {
                        types.get(i as usize).copied().unwrap_or("?").to_string()
                    };
                    for m in self
                        .atomic
                        .iter()
                        .filter(|m| m.cpu == cpu && m.slot == Some(slot))
                    {
                        holders.push(SlotHolder {
                            who: m.holder.clone(),
                            pfn: m.pfn,
                            via: format!("kmap_atomic({})", m.km_type),
                            note: m.clobbered.as_ref().map(|c| format!("clobbered: {c}")),
                        });
                    }
                }
                out.push(KmapSlot {
                    cpu,
                    slot,
                    index: begin + slot,
                    name,
                    vaddr,
                    frame: pte.is_present().then(|| pte.addr().pfn_down().as_u64()),
                    holders,
                });
            }
        }
        out
    }

    /// Every index of `enum fixed_addresses`: its name, address and mapped frame.
    pub fn fixmap_table(&self) -> Vec<FixmapSlot> {
        (0..self.layout.fixmap.end)
            .map(|i| {
                let vaddr = self.fix_to_virt(i);
                let pte = self.read_fix_pte(vaddr);
                let name = match self.layout.fixmap.entry_at(i) {
                    Some(e) if e.count == 1 => format!("FIX_{}", e.name),
                    Some(e) => format!("FIX_{}+{}", e.name, i - e.first),
                    None => "(alignment gap)".into(),
                };
                FixmapSlot {
                    index: i,
                    name,
                    vaddr,
                    frame: pte.is_present().then(|| pte.addr().pfn_down().as_u64()),
                }
            })
            .collect()
    }

    /// A raw write to a PTE (`set_pte`, `pte_clear`, `set_fixmap`) at `va`: if that is a kmap
    /// slot, the record of who holds it no longer matches the PTEs. Returns a note to report.
    pub(super) fn note_raw_kmap_write(&mut self, va: u32) -> Option<String> {
        let begin = self.kmap_begin()?;
        let slots = self.km_per_cpu() * self.layout.resolved.nr_cpus;
        let page = va & !0xfff;
        let lowest = self.kmap_slot_addr(slots - 1);
        let highest = self.fix_to_virt(begin);
        if page < lowest || page > highest {
            return None;
        }
        self.kmap_tampered = true;
        let slot = (highest - page) / PAGE_SIZE as u32;
        for m in self.atomic.iter_mut().filter(|m| m.slot == Some(slot)) {
            if m.clobbered.is_none() {
                m.clobbered = Some("a raw PTE write replaced it".into());
            }
        }
        Some(format!(
            "{page:#010x} is kmap slot {slot}: whoever holds it now sees what this write left"
        ))
    }

    /// The temporary maps' invariants: no slot taken twice without the hazard being reported;
    /// every held slot's PTE maps the held page; 6.1's stacks agree with their PTEs and pin
    /// their tasks.
    pub(super) fn check_atomic(&self) -> Result<(), String> {
        for (i, m) in self.atomic.iter().enumerate() {
            let Some(slot) = m.slot else { continue };
            if m.clobbered.is_some() {
                continue;
            }
            if let Some(other) = self.atomic[i + 1..]
                .iter()
                .find(|o| o.cpu == m.cpu && o.slot == Some(slot))
            {
                return Err(format!(
                    "kmap slot {slot} is held by {} and by {}, and the first was not marked clobbered",
                    m.holder, other.holder
                ));
            }
            if self.kmap_tampered {
                continue;
            }
            let pte = self.read_fix_pte(m.vaddr);
            if !(pte.is_present() && pte.addr().pfn_down().as_u64() == m.pfn) {
                return Err(format!(
                    "{} holds kmap slot {slot} for frame {:#x} but its PTE is {:#x}",
                    m.holder,
                    m.pfn,
                    pte.raw()
                ));
            }
        }
        if self.profile.atomic.local.is_none() {
            return Ok(());
        }
        let incr = self.km_incr();
        let max = self.km_per_cpu();
        let ctrls = self
            .tasks
            .iter()
            .map(|t| (t.name.clone(), &t.kmap_ctrl))
            .chain(
                self.cpus
                    .iter()
                    .map(|c| (format!("swapper/{}", c.id), &c.idle_kmap)),
            );
        for (name, c) in ctrls {
            let held = c.held().count() as u32;
            if c.idx != held * incr {
                return Err(format!(
                    "{name}'s kmap_ctrl.idx is {} with {held} maps held",
                    c.idx
                ));
            }
            if c.held().any(|(i, _)| i >= c.idx) {
                return Err(format!("{name} holds a stack slot above its idx"));
            }
            if (c.migration_disabled > 0) != c.pinned.is_some() {
                return Err(format!("{name}'s migration state is inconsistent"));
            }
        }
        for t in &self.tasks {
            if let (Some(home), TaskState::Running { cpu }) = (t.kmap_ctrl.pinned, &t.state) {
                if home != *cpu {
                    return Err(format!(
                        "{} runs on CPU {cpu} but is pinned to CPU {home}",
                        t.name
                    ));
                }
            }
        }
        if self.kmap_tampered {
            return Ok(());
        }
        for cpu in 0..self.cpus.len() {
            let ctrl = self.ctrl(self.ctrl_of(cpu));
            for i in 0..max {
                let va = self.kmap_slot_addr(i + max * cpu as u32);
                let pte = self.read_fix_pte(va);
                let want = ctrl.entries.get(i as usize).and_then(|e| e.as_ref());
                match want {
                    Some(e) if pte.raw() != e.pteval => {
                        return Err(format!(
                        "CPU {cpu} runs {} whose stack slot {i} saved {:#x}, but the PTE is {:#x}",
                        self.ctrl_name(self.ctrl_of(cpu)),
                        e.pteval,
                        pte.raw()
                    ))
                    }
                    None if pte.is_present() => {
                        return Err(format!(
                        "CPU {cpu}'s kmap slot {i} is mapped ({:#x}) but {} holds nothing there",
                        pte.raw(),
                        self.ctrl_name(self.ctrl_of(cpu))
                    ))
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// The typed-era maps held.
    pub fn atomic_maps(&self) -> &[AtomicMap] {
        &self.atomic
    }

    /// The maps an interrupt context at `depth` took and did not give back (typed eras), or
    /// left on the interrupted task's stack (6.1).
    pub(super) fn atomic_left_by(&self, cpu: usize, depth: usize) -> Vec<String> {
        let mut left: Vec<String> = self
            .atomic
            .iter()
            .filter(|m| m.cpu == cpu && m.depth >= depth)
            .map(|m| format!("kmap_atomic({}) of frame {:#x}", m.km_type, m.pfn))
            .collect();
        let of = self.ctrl_of(cpu);
        left.extend(
            self.ctrl(of)
                .held()
                .filter(|(_, e)| e.depth >= depth)
                .map(|(s, e)| format!("{} of frame {:#x} (stack slot {s})", e.via, e.pfn)),
        );
        left
    }

    /// What a reader of a temporary map should have got, when it got something else: the
    /// visible end of a slot taken twice, or a map used on the wrong CPU.
    pub(super) fn atomic_read_note(&self, cpu: usize, va: u32, frame: u64) -> Option<String> {
        let page = va & !0xfff;
        let c = &self.cpus[cpu];
        let ctx_task = c.current;
        let at_page = |m: &&AtomicMap| m.slot.is_some() && m.vaddr == page;
        // The innermost map of this address the running context can see (its own, or one of
        // the contexts it interrupted); failing that, another CPU's.
        let mine = self
            .atomic
            .iter()
            .rev()
            .filter(at_page)
            .find(|m| m.cpu == cpu && m.depth <= c.contexts.len());
        let seen = mine.or_else(|| {
            self.atomic
                .iter()
                .rev()
                .filter(at_page)
                .find(|m| m.cpu != cpu)
        });
        if let Some(m) = seen.filter(|m| m.pfn != frame) {
            let why = match (&m.clobbered, m.cpu == cpu) {
                (Some(c), _) => c.clone(),
                (None, false) => format!(
                    "the slot belongs to CPU {}, and this access ran on CPU {cpu}",
                    m.cpu
                ),
                (None, true) => "the slot was remapped".into(),
            };
            return Some(format!(
                "CORRUPTED ACCESS: {} mapped frame {:#x} here with kmap_atomic({}), but this access reached frame {frame:#x}: {why}",
                m.holder, m.pfn, m.km_type
            ));
        }
        if let Some(ti) = ctx_task {
            let ctrl = &self.tasks[ti].kmap_ctrl;
            if let Some(&(pfn, _)) = ctrl.given.iter().rev().find(|g| g.1 == page) {
                if pfn != frame {
                    return Some(format!(
                        "CORRUPTED ACCESS: kmap_local_page gave {} this address for frame {pfn:#x}, but this access reached frame {frame:#x}",
                        self.tasks[ti].name
                    ));
                }
            }
        }
        None
    }
}
