//! Operations on CPUs and tasks: creating and switching tasks, interrupt contexts, the TLB
//! operations, and data accesses through the MMU.

use super::{Machine, ResultKind};
use crate::addr::{PhysAddr, VirtAddr, PAGE_SIZE};
use crate::layout::memory::ZoneKind;
use crate::mmu::walk::{check_rights, Translation};
use crate::mmu::{apply_ad_updates, walk, Access, PageFault, Walk};
use crate::sched::{Context, Task, TaskState};
use crate::trace::Tracer;

/// What an operation returns before it becomes an [`super::Outcome`].
pub(super) type Done = (ResultKind, Option<u64>, String);

pub(super) fn refuse(t: &mut Tracer, why: impl Into<String>) -> Done {
    let why = why.into();
    t.decide(super::REFUSAL, format!("no: {why}"));
    (ResultKind::Warn, None, why)
}

fn hex(v: u64) -> String {
    format!("{v:#x}")
}

/// A translation with how it was found.
pub(super) struct Found {
    pub(super) translation: Translation,
    /// The TLB answered.
    pub(super) hit: bool,
    /// The TLB's answer no longer matches the tables: what the tables say now.
    pub(super) stale: Option<String>,
}

impl Machine {
    pub(super) fn check_cpu(&self, t: &mut Tracer, cpu: usize) -> Result<(), Done> {
        if cpu < self.cpus.len() {
            Ok(())
        } else {
            Err(refuse(
                t,
                format!("there is no CPU {cpu}: the machine has {}", self.cpus.len()),
            ))
        }
    }

    pub(super) fn op_task(
        &mut self,
        t: &mut Tracer,
        name: &str,
        cpu: usize,
        kthread: bool,
    ) -> Done {
        t.enter(
            if kthread { "kthread_create" } else { "fork" },
            &[("comm", name.to_string()), ("cpu", cpu.to_string())],
        );
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        if self.task_index(name).is_some() {
            return refuse(t, format!("a task named {name} exists already"));
        }
        let mut frames = Vec::new();
        if !kthread {
            t.enter("pgd_alloc", &[]);
            for _ in 0..self.kernel.pgd_frames() {
                let zl = self.mem.zonelist(ZoneKind::Normal);
                match zl.into_iter().find_map(|z| self.mem.alloc_from(z, 0)) {
                    Some(rec) => {
                        t.leaf(
                            "alloc_pages",
                            &[("gfp", "GFP_KERNEL".into())],
                            format!("frame {}", hex(rec.pfn)),
                        );
                        frames.push(rec.pfn);
                    }
                    None => {
                        for f in frames {
                            let _ = self.mem.free(f, 0);
                        }
                        return refuse(t, "out of low memory for a page directory");
                    }
                }
            }
            let pgd = self.kernel.pgd_alloc(&mut self.mem, &frames);
            t.decide(
                "kernel part",
                match self.kernel.mode {
                    crate::paging::PagingMode::Pae => {
                        "PDPT entry 3 shares the kernel's page directory"
                    }
                    crate::paging::PagingMode::NonPae => {
                        "the 256 kernel entries are copied from swapper_pg_dir"
                    }
                },
            );
            t.result(format!("pgd at {}", hex(pgd.as_u64())));
            t.exit();
        }
        let pid = self.next_pid;
        self.next_pid += 1;
        let pgd = (!kthread).then(|| PhysAddr::new(frames[0] * PAGE_SIZE));
        self.tasks.push(Task {
            name: name.to_string(),
            pid,
            kthread,
            pgd,
            pgd_frames: frames,
            state: TaskState::Runnable,
            pending: None,
            kmap_ctrl: Default::default(),
        });
        t.change(format!("task {name}"), "-", format!("pid {pid}, runnable"));
        t.exit();
        let idx = self.tasks.len() - 1;
        let (kind, _, msg) = self.context_switch(t, cpu, idx);
        (
            kind,
            None,
            format!("task {name} (pid {pid}) created; {msg}"),
        )
    }

    pub(super) fn op_switch(&mut self, t: &mut Tracer, cpu: usize, name: &str) -> Done {
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        let Some(idx) = self.task_index(name) else {
            return refuse(t, format!("there is no task {name}"));
        };
        match &self.tasks[idx].state {
            TaskState::Sleeping { queue } => {
                return refuse(
                    t,
                    format!("{name} is asleep on {queue}; only a wake-up makes it runnable"),
                )
            }
            TaskState::Running { cpu: other } if *other != cpu => {
                return refuse(t, format!("{name} is running on CPU {other}"))
            }
            TaskState::Running { .. } => {
                return (
                    ResultKind::Ok,
                    None,
                    format!("{name} is already current on CPU {cpu}"),
                )
            }
            TaskState::Runnable => {}
        }
        if let Some(home) = self.tasks[idx].kmap_ctrl.pinned.filter(|&h| h != cpu) {
            return refuse(
                t,
                format!(
                    "{name} holds kmap_local maps with migration disabled: the scheduler keeps it on CPU {home}"
                ),
            );
        }
        self.context_switch(t, cpu, idx)
    }

    /// `schedule()` on `cpu` choosing `next`: refuses from atomic context the way the era
    /// reports it; otherwise switches the address space (or borrows it, for a kernel thread)
    /// and makes `next` current.
    pub(super) fn context_switch(&mut self, t: &mut Tracer, cpu: usize, next: usize) -> Done {
        let prev = self.cpus[cpu].current;
        let prev_name = prev
            .map(|p| self.tasks[p].name.clone())
            .unwrap_or_else(|| format!("swapper/{cpu}"));
        t.enter(
            "schedule",
            &[
                ("cpu", cpu.to_string()),
                ("prev", prev_name.clone()),
                ("next", self.tasks[next].name.clone()),
            ],
        );
        let c = &self.cpus[cpu];
        if c.in_atomic() {
            let pid = prev.map(|p| self.tasks[p].pid).unwrap_or(0);
            // 6.1 counts schedule()'s own preempt_disable() in what it prints.
            let count = self.preempt_count(c) + u32::from(self.profile.sched_counts_own_disable);
            let msg = self
                .profile
                .messages
                .scheduling_while_atomic(&prev_name, pid, count);
            t.decide(
                "in atomic context?",
                format!("yes ({})", self.cpus[cpu].context_name()),
            );
            t.result("BUG");
            t.exit();
            return (ResultKind::Bug, None, msg);
        }
        t.decide("in atomic context?", "no");
        if let Some(p) = prev {
            self.tasks[p].state = TaskState::Runnable;
        }
        t.enter("context_switch", &[]);
        self.kmap_local_sched_out(t, cpu);
        self.switch_mm(t, cpu, next);
        t.exit();
        self.cpus[cpu].current = Some(next);
        self.kmap_local_sched_in(t, cpu);
        self.tasks[next].state = TaskState::Running { cpu };
        t.change(
            format!("cpu{cpu}.current"),
            prev_name.clone(),
            self.tasks[next].name.clone(),
        );
        t.exit();
        let now = format!("CPU {cpu} now runs {}", self.tasks[next].name);
        match self.resume_pending(t, cpu, next) {
            Some((kind, value, msg)) => (kind, value, format!("{now}; {msg}")),
            None => (ResultKind::Ok, None, now),
        }
    }

    fn switch_mm(&mut self, t: &mut Tracer, cpu: usize, next: usize) {
        if self.tasks[next].kthread {
            t.decide(
                "next has its own mm?",
                "no: a kernel thread borrows the current one",
            );
            t.leaf("enter_lazy_tlb", &[], "CR3 kept: no TLB flush");
            self.cpus[cpu].lazy = true;
            return;
        }
        self.cpus[cpu].lazy = false;
        let same = self.cpus[cpu].active_mm == Some(next);
        t.decide("next has its own mm?", "yes");
        t.decide(
            "same mm as the one loaded?",
            if same { "yes: nothing to do" } else { "no" },
        );
        if same {
            return;
        }
        t.enter("switch_mm", &[]);
        let pgd = self.tasks[next].pgd.unwrap_or(self.kernel.swapper_pg_dir);
        self.write_cr3(t, cpu, pgd);
        t.exit();
        self.cpus[cpu].active_mm = Some(next);
    }

    /// A CR3 write: reloads the PDPTE registers and drops non-global TLB entries.
    pub(super) fn write_cr3(&mut self, t: &mut Tracer, cpu: usize, pgd: PhysAddr) {
        let old = self.cpus[cpu].cr3;
        let pdptes = self.load_pdptes(pgd);
        let c = &mut self.cpus[cpu];
        c.cr3 = pgd;
        c.pdptes = pdptes;
        let dropped = c.tlb.flush_nonglobal();
        t.leaf(
            "load_cr3",
            &[("pgd", hex(pgd.as_u64()))],
            format!(
                "{} non-global TLB entries flushed; global ones stay",
                dropped.len()
            ),
        );
        if old != pgd {
            t.change(
                format!("cpu{cpu}.cr3"),
                hex(old.as_u64()),
                hex(pgd.as_u64()),
            );
        }
        if !dropped.is_empty() {
            t.change(
                format!("cpu{cpu}.tlb"),
                format!("{} non-global entries", dropped.len()),
                "flushed",
            );
        }
    }

    pub(super) fn op_enter(&mut self, t: &mut Tracer, cpu: usize, ctx: Context) -> Done {
        let (func, count) = match ctx {
            Context::Hardirq => ("irq_enter", "hardirq count"),
            Context::Softirq => ("__do_softirq", "softirq count"),
        };
        t.enter(func, &[("cpu", cpu.to_string())]);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        if self.cpus[cpu].contexts.len() >= 8 {
            return refuse(t, "interrupts nest at most 8 deep in the model");
        }
        let before = self.preempt_count(&self.cpus[cpu]);
        self.cpus[cpu].contexts.push(ctx);
        let after = self.preempt_count(&self.cpus[cpu]);
        t.decide(
            count,
            format!("+1 (preempt_count {before:#x} → {after:#x})"),
        );
        t.change(
            format!("cpu{cpu}.preempt_count"),
            hex(u64::from(before)),
            hex(u64::from(after)),
        );
        t.exit();
        (
            ResultKind::Ok,
            None,
            format!("CPU {cpu} is in {} context", self.cpus[cpu].context_name()),
        )
    }

    pub(super) fn op_exit(&mut self, t: &mut Tracer, cpu: usize, ctx: Context) -> Done {
        let func = match ctx {
            Context::Hardirq => "irq_exit",
            Context::Softirq => "softirq_exit",
        };
        t.enter(func, &[("cpu", cpu.to_string())]);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        if self.cpus[cpu].contexts.last() != Some(&ctx) {
            return refuse(
                t,
                format!(
                    "CPU {cpu} is in {} context, so there is no {} to leave",
                    self.cpus[cpu].context_name(),
                    if ctx == Context::Hardirq {
                        "hardirq"
                    } else {
                        "softirq"
                    }
                ),
            );
        }
        let before = self.preempt_count(&self.cpus[cpu]);
        let depth = self.cpus[cpu].contexts.len();
        self.cpus[cpu].contexts.pop();
        let after = self.preempt_count(&self.cpus[cpu]);
        t.change(
            format!("cpu{cpu}.preempt_count"),
            hex(u64::from(before)),
            hex(u64::from(after)),
        );
        t.exit();
        let mut msg_extra: Vec<String> = Vec::new();
        let mut msg = format!(
            "CPU {cpu} is back in {} context",
            self.cpus[cpu].context_name()
        );
        for m in self.run_deferred_vfree(t, cpu) {
            msg_extra.push(m);
        }
        let left = self.atomic_left_by(cpu, depth);
        if !left.is_empty() {
            msg.push_str(&format!(
                "; the {func} path never gave back {}: the slot stays taken",
                left.join(", ")
            ));
        }
        for m in msg_extra {
            msg.push_str(&format!("; deferred {m}"));
        }
        (ResultKind::Ok, None, msg)
    }

    pub(super) fn op_invlpg(&mut self, t: &mut Tracer, cpu: usize, vaddr: u32) -> Done {
        t.enter(
            "invlpg",
            &[("cpu", cpu.to_string()), ("addr", format!("{vaddr:#010x}"))],
        );
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        let dropped = self.cpus[cpu].tlb.invlpg(u64::from(vaddr));
        t.result(format!("{} entries dropped", dropped.len()));
        for e in &dropped {
            t.change(
                format!("cpu{cpu}.tlb[{:#010x}]", e.va),
                format!("→ {:#x}", e.frame),
                "invalid",
            );
        }
        (
            ResultKind::Ok,
            None,
            format!("invlpg dropped {} TLB entries on CPU {cpu}", dropped.len()),
        )
    }

    pub(super) fn op_reload_cr3(&mut self, t: &mut Tracer, cpu: usize) -> Done {
        t.enter("__flush_tlb", &[("cpu", cpu.to_string())]);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        let cr3 = self.cpus[cpu].cr3;
        let before = self.cpus[cpu].tlb.entries().len();
        self.write_cr3(t, cpu, cr3);
        let after = self.cpus[cpu].tlb.entries().len();
        (
            ResultKind::Ok,
            None,
            format!(
                "CR3 rewritten: {} TLB entries flushed, {after} global ones kept",
                before - after
            ),
        )
    }

    pub(super) fn op_toggle_pge(&mut self, t: &mut Tracer, cpu: usize) -> Done {
        t.enter("__flush_tlb_global", &[("cpu", cpu.to_string())]);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        if !self.cpu_spec.pge {
            return refuse(
                t,
                format!("the {} has no global pages (PGE)", self.cpu_spec.name),
            );
        }
        let n = self.flush_global(t, cpu);
        (
            ResultKind::Ok,
            None,
            format!("CR4.PGE toggled: all {n} TLB entries flushed on CPU {cpu}"),
        )
    }

    fn flush_global(&mut self, t: &mut Tracer, cpu: usize) -> usize {
        t.leaf(
            "write_cr4",
            &[("cr4", "cr4 & ~X86_CR4_PGE".into())],
            "every TLB entry dropped, global ones too",
        );
        t.leaf(
            "write_cr4",
            &[("cr4", "cr4".into())],
            "global pages enabled again",
        );
        let dropped = self.cpus[cpu].tlb.flush_all();
        if !dropped.is_empty() {
            t.change(
                format!("cpu{cpu}.tlb"),
                format!("{} entries", dropped.len()),
                "flushed",
            );
        }
        dropped.len()
    }

    /// `flush_tlb_all()`: every CPU, by IPI, flushes everything (globals included when it has
    /// PGE); in 2.4 – 2.6.32 a CPU in lazy TLB mode also drops the borrowed address space.
    pub(super) fn op_flush_tlb_all(&mut self, t: &mut Tracer) -> Done {
        t.enter("flush_tlb_all", &[]);
        let mut total = 0;
        for cpu in 0..self.cpus.len() {
            t.enter("do_flush_tlb_all", &[("cpu", cpu.to_string())]);
            t.decide("how", if cpu == 0 { "locally" } else { "by IPI" });
            total += self.flush_tlb_all_local(t, cpu);
            t.exit();
        }
        t.exit();
        (
            ResultKind::Ok,
            None,
            format!("{total} TLB entries flushed on {} CPUs", self.cpus.len()),
        )
    }

    /// `__flush_tlb_all()` on one CPU (and `leave_mm` where the era does it).
    pub(super) fn flush_tlb_all_local(&mut self, t: &mut Tracer, cpu: usize) -> usize {
        t.enter("__flush_tlb_all", &[]);
        let n = if self.cpu_spec.pge && self.cpus[cpu].pge {
            t.decide("CPU has PGE?", "yes: toggle CR4.PGE");
            self.flush_global(t, cpu)
        } else {
            t.decide("CPU has PGE?", "no: rewrite CR3");
            let before = self.cpus[cpu].tlb.entries().len();
            let cr3 = self.cpus[cpu].cr3;
            self.write_cr3(t, cpu, cr3);
            before - self.cpus[cpu].tlb.entries().len()
        };
        t.exit();
        if self.profile.flush_all_leaves_lazy_mm
            && self.cpus[cpu].lazy
            && self.cpus[cpu].active_mm.is_some()
        {
            t.enter("leave_mm", &[("cpu", cpu.to_string())]);
            let swapper = self.kernel.swapper_pg_dir;
            self.write_cr3(t, cpu, swapper);
            self.cpus[cpu].active_mm = None;
            t.exit();
        }
        n
    }

    /// A data access through the TLB and the page tables.
    pub(super) fn op_access(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        vaddr: u32,
        write: Option<u32>,
    ) -> Done {
        let access = if write.is_some() {
            Access::Write
        } else {
            Access::Read
        };
        let mut args = vec![("cpu", cpu.to_string()), ("addr", format!("{vaddr:#010x}"))];
        if let Some(v) = write {
            args.push(("value", format!("{v:#x}")));
        }
        t.enter(if write.is_some() { "write" } else { "read" }, &args);
        if let Err(d) = self.check_cpu(t, cpu) {
            return d;
        }
        let mut result = self.translate(t, cpu, VirtAddr::new(vaddr), access);
        let mut fixed = false;
        if let Err(f) = &result {
            // Not present, kernel mode, no reserved bit: the fault handler first tries the
            // vmalloc fault.
            if f.error_code & 0b1101 == 0 {
                t.enter(
                    "do_page_fault",
                    &[
                        ("addr", format!("{vaddr:#010x}")),
                        ("error_code", format!("{:#x}", f.error_code)),
                    ],
                );
                match self.vmalloc_fault(t, cpu, vaddr) {
                    super::ops_vmalloc::Fixup::Copied => {
                        t.decide(
                            "vmalloc fault?",
                            "yes: the entry is copied from init_mm; retry",
                        );
                        t.exit();
                        fixed = true;
                        result = self.translate(t, cpu, VirtAddr::new(vaddr), access);
                    }
                    super::ops_vmalloc::Fixup::No(why) => {
                        t.decide("vmalloc fault?", format!("no: {why}"));
                        t.exit();
                    }
                }
            }
        }
        match result {
            Ok(found) => {
                let phys = found.translation.phys;
                let data = match write {
                    Some(v) => {
                        let old = self.mem.read_u32(phys);
                        self.mem.write_u32(phys, v);
                        t.change(
                            format!("mem[{}]", hex(phys.as_u64())),
                            format!("{old:#x}"),
                            format!("{v:#x}"),
                        );
                        v
                    }
                    None => self.mem.read_u32(phys),
                };
                t.result(format!("physical {}", hex(phys.as_u64())));
                let how = if found.hit {
                    "TLB hit"
                } else {
                    "TLB miss, page walk"
                };
                let mut msg = format!(
                    "{how}: {vaddr:#010x} → physical {}; {} {data:#010x}",
                    hex(phys.as_u64()),
                    if write.is_some() { "wrote" } else { "read" }
                );
                if let Some(now) = found.stale {
                    msg.push_str(&format!("; STALE TLB entry: the page tables now {now}"));
                }
                if fixed {
                    msg = format!(
                        "vmalloc fault: this page directory lacked the entry; copied from init_mm, then {msg}"
                    );
                }
                let frame = phys.as_u64() / PAGE_SIZE;
                if let Some(note) = self.atomic_read_note(cpu, vaddr, frame) {
                    msg.push_str(&format!("\n{note}"));
                }
                if let Some(note) = self.use_after_free_note(vaddr, frame) {
                    msg.push_str(&format!("\n{note}"));
                }
                (ResultKind::Ok, Some(phys.as_u64()), msg)
            }
            Err(fault) => {
                t.result("page fault");
                let msg = self.profile.messages.oops(vaddr, &fault, access);
                (ResultKind::Oops, None, format!("{msg}\n({})", fault.reason))
            }
        }
    }

    /// Translates through the TLB, walking the tables on a miss.
    pub(super) fn translate(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        va: VirtAddr,
        access: Access,
    ) -> Result<Found, PageFault> {
        let ctx = self.walk_ctx(&self.cpus[cpu]);
        t.enter("tlb_lookup", &[("cpu", cpu.to_string())]);
        let hit = self.cpus[cpu].tlb.lookup(u64::from(va.as_u32()));
        match &hit {
            Some((s, _)) => t.decide(
                "TLB hit?",
                format!("yes: cpu{cpu}.tlb{}[{}][{}]", s.array, s.set, s.way),
            ),
            None => t.decide("TLB hit?", "no"),
        }
        t.exit();
        match hit {
            Some((slot, e)) => {
                let cached = Translation {
                    phys: PhysAddr::new(e.frame + (u64::from(va.as_u32()) & (e.page_size - 1))),
                    frame: PhysAddr::new(e.frame),
                    page_size: e.page_size,
                    rights: e.rights,
                };
                let cached = check_rights(&ctx, access, cached)?;
                // What do the tables say now? A mismatch means the entry is stale.
                let now = walk(&self.mem, &ctx, va, access);
                let stale = match &now.result {
                    Ok(n)
                        if n.frame == cached.frame
                            && n.rights.writable == cached.rights.writable =>
                    {
                        None
                    }
                    Ok(n) => Some(format!("map {}", hex(n.frame.as_u64()))),
                    Err(f) => Some(format!("map nothing ({})", f.reason)),
                };
                t.decide(
                    "entry still matches the page tables?",
                    if stale.is_some() { "no: stale" } else { "yes" },
                );
                if access == Access::Write && !e.rights.dirty && stale.is_none() {
                    // The CPU walks again to set D in memory.
                    self.record_walk(t, &now);
                    apply_ad_updates(&mut self.mem, ctx.mode, &now);
                    self.cpus[cpu].tlb.mark_dirty(slot);
                }
                Ok(Found {
                    translation: cached,
                    hit: true,
                    stale,
                })
            }
            None => {
                let w = walk(&self.mem, &ctx, va, access);
                self.record_walk(t, &w);
                let tr = w.result.clone()?;
                apply_ad_updates(&mut self.mem, ctx.mode, &w);
                for (at, old, new) in &w.ad_updates {
                    t.change(format!("entry@{}", hex(at.as_u64())), hex(*old), hex(*new));
                }
                let mut rights = tr.rights;
                rights.global &= self.cpus[cpu].pge;
                let va_page = u64::from(va.as_u32()) & !(tr.page_size - 1);
                if let Some((slot, evicted)) =
                    self.cpus[cpu]
                        .tlb
                        .insert(va_page, tr.frame.as_u64(), tr.page_size, rights)
                {
                    let cell = format!("cpu{cpu}.tlb{}[{}][{}]", slot.array, slot.set, slot.way);
                    let before = evicted
                        .map(|e| format!("{:#010x}→{:#x}", e.va, e.frame))
                        .unwrap_or_else(|| "empty".into());
                    t.change(
                        cell,
                        before,
                        format!("{va_page:#010x}→{}", hex(tr.frame.as_u64())),
                    );
                }
                Ok(Found {
                    translation: tr,
                    hit: false,
                    stale: None,
                })
            }
        }
    }

    /// Puts a walk into the trace: one call per level.
    fn record_walk(&self, t: &mut Tracer, w: &Walk) {
        t.enter(
            "page_walk",
            &[
                ("addr", format!("{:#010x}", w.va.as_u32())),
                ("split", w.split.describe()),
            ],
        );
        for s in &w.steps {
            let at = s
                .entry_addr
                .map(|a| hex(a.as_u64()))
                .unwrap_or_else(|| "register".into());
            t.leaf(
                &format!("{:?}", s.level).to_uppercase(),
                &[
                    ("index", s.index.to_string()),
                    ("at", at),
                    ("raw", format!("{:#x}", s.raw)),
                ],
                s.note.clone(),
            );
        }
        match &w.result {
            Ok(tr) => t.result(format!("physical {}", hex(tr.phys.as_u64()))),
            Err(f) => t.result(format!(
                "fault: {} (error code {:#x})",
                f.reason, f.error_code
            )),
        }
        t.exit();
    }
}
