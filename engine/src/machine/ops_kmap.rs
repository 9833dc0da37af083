//! `kmap()` and `kunmap()`: the persistent-kmap code of `mm/highmem.c`, step by step, with
//! the page tables, the TLBs, the wait queue and the tasks of the machine.

use super::ops_cpu::{refuse, Done};
use super::{Machine, PageRef, ResultKind};
use crate::addr::{Pfn, PAGE_SIZE};
use crate::layout::PAGE_OFFSET;
use crate::paging::{write_entry, Entry};
use crate::profile::IrqCheck;
use crate::sched::{Pending, TaskState};
use crate::trace::Tracer;

/// How `map_new_virtual()` ended.
enum Mapped {
    /// A slot: its address.
    At(u32),
    /// 2.4's non-blocking mode found no slot.
    NoSlot,
    /// The task went to sleep (or could not, and that is a BUG).
    Slept(Done),
}

impl Machine {
    /// The frame a `PageRef` names, if it is RAM.
    pub(super) fn page_frame(&self, t: &mut Tracer, page: &PageRef) -> Result<u64, Done> {
        let pfn = match page {
            PageRef::Pfn(p) => *p,
            PageRef::Name(n) => match self.handles.get(n) {
                Some(h) => h.pfn,
                None => return Err(refuse(t, format!("nothing was allocated as {n}"))),
            },
        };
        if self.mem.zone_of(pfn).is_none() {
            return Err(refuse(
                t,
                format!("frame {pfn:#x} is not RAM this kernel manages"),
            ));
        }
        Ok(pfn)
    }

    /// The CPU a task runs on, or why it cannot act.
    pub(super) fn running(&self, t: &mut Tracer, task: &str) -> Result<(usize, usize), Done> {
        let Some(i) = self.task_index(task) else {
            return Err(refuse(t, format!("there is no task {task}")));
        };
        match &self.tasks[i].state {
            TaskState::Running { cpu } => Ok((*cpu, i)),
            TaskState::Sleeping { queue } => Err(refuse(t, format!("{task} is asleep on {queue}"))),
            TaskState::Runnable if self.tasks[i].pending.is_some() => Err(refuse(
                t,
                format!("{task} was woken but has not run yet: switch to it"),
            )),
            TaskState::Runnable => Err(refuse(
                t,
                format!("{task} is not running: switch to it first"),
            )),
        }
    }

    pub(super) fn is_highmem(&self, pfn: u64) -> bool {
        self.mem
            .zone_of(pfn)
            .is_some_and(|z| self.mem.zones()[z].kind == crate::layout::memory::ZoneKind::HighMem)
    }

    pub(super) fn bug(&mut self, t: &mut Tracer, path: &str, line: u32) -> Done {
        self.die_counter += 1;
        t.result("BUG");
        let msg = self.profile.messages.bug(path, line, self.die_counter);
        (ResultKind::Bug, None, msg)
    }

    /// The interrupt-context check of `kmap()` or `kunmap()`: a BUG, a debug complaint, or
    /// nothing. `Err` stops the operation.
    fn irq_check(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        task: usize,
        check: IrqCheck,
    ) -> Result<Option<String>, Done> {
        let c = &self.cpus[cpu];
        let (in_irq, in_atomic) = (c.in_interrupt(), c.in_atomic());
        let file = self.profile.pkmap.wrapper_file;
        match check {
            IrqCheck::OutOfLineBug(line) => {
                t.decide("in_interrupt()?", if in_irq { "yes" } else { "no" });
                if in_irq {
                    self.die_counter += 1;
                    if t.on() {
                        t.leaf("out_of_line_bug", &[("line", line.to_string())], "BUG");
                    }
                    t.result("out_of_line_bug()");
                    let msg = format!(
                        "kernel BUG in header file at line {line}\n{}\n{}",
                        self.profile
                            .messages
                            .bug("kernel/panic.c", 141, self.die_counter),
                        self.profile.messages.panic_in_interrupt()
                    );
                    return Err((ResultKind::Bug, None, msg));
                }
                Ok(None)
            }
            IrqCheck::Bug(line) => {
                t.decide("in_interrupt()?", if in_irq { "yes" } else { "no" });
                if in_irq {
                    if t.on() {
                        t.leaf("BUG", &[("at", format!("{file}:{line}"))], "BUG");
                    }
                    let (kind, v, msg) = self.bug(t, file, line);
                    let panic = self.profile.messages.panic_in_interrupt();
                    return Err((kind, v, format!("{msg}\n{panic}")));
                }
                Ok(None)
            }
            IrqCheck::MightSleep(line) => {
                if t.on() {
                    t.leaf(
                        "might_sleep",
                        &[("at", format!("{file}:{line}"))],
                        if in_atomic { "atomic" } else { "fine" },
                    );
                }
                if !in_atomic {
                    t.decide("might_sleep(): atomic?", "no");
                    return Ok(None);
                }
                let site = format!("{file}:{line}");
                let count = self.preempt_count(&self.cpus[cpu]);
                let (pid, comm) = (self.tasks[task].pid, self.tasks[task].name.clone());
                match self
                    .profile
                    .messages
                    .might_sleep(&site, true, pid, &comm, count)
                {
                    Some(msg) if self.config.debug_sleep => {
                        t.decide("might_sleep(): atomic?", "yes: complain");
                        Ok(Some(msg))
                    }
                    _ => {
                        let option = self
                            .profile
                            .messages
                            .might_sleep
                            .map(|m| m.1)
                            .unwrap_or("-");
                        if t.on() {
                            t.decide(
                                "might_sleep(): atomic?",
                                format!(
                                    "yes, but the check is compiled out without CONFIG_{option}"
                                ),
                            );
                        }
                        Ok(Some(format!(
                            "called in {} context: nothing is printed (the might_sleep() check needs \
                             CONFIG_{option}); the call may still sleep",
                            self.cpus[cpu].context_name()
                        )))
                    }
                }
            }
        }
    }

    pub(super) fn op_kmap(
        &mut self,
        t: &mut Tracer,
        task: &str,
        page: &PageRef,
        nonblock: bool,
    ) -> Done {
        if t.on() {
            t.enter(
                if nonblock { "kmap_nonblock" } else { "kmap" },
                &[("page", format!("{page:?}"))],
            );
        }
        let (cpu, ti) = match self.running(t, task) {
            Ok(x) => x,
            Err(d) => return d,
        };
        let pfn = match self.page_frame(t, page) {
            Ok(p) => p,
            Err(d) => return d,
        };
        if nonblock && !self.profile.pkmap.kmap_nonblock {
            return refuse(
                t,
                format!(
                    "{} has no kmap_nonblock(); it came and went with 2.4",
                    self.profile.name
                ),
            );
        }
        let warning = match self.irq_check(t, cpu, ti, self.profile.pkmap.kmap_irq) {
            Ok(w) => w,
            Err(d) => return d,
        };
        if !self.is_highmem(pfn) {
            t.decide("PageHighMem(page)?", "no: lowmem has a permanent address");
            let v = PAGE_OFFSET + pfn * PAGE_SIZE;
            if t.on() {
                t.leaf(
                    "page_address",
                    &[("page", format!("frame {pfn:#x}"))],
                    format!("{v:#010x}"),
                );
            }
            if t.on() {
                t.result(format!("{v:#010x}"));
            }
            return (
                ResultKind::Ok,
                Some(v),
                format!(
                    "frame {pfn:#x} is lowmem: its direct-map address {v:#010x}, no pkmap slot"
                ),
            );
        }
        t.decide("PageHighMem(page)?", "yes");
        let done = self.kmap_high(t, cpu, ti, pfn, nonblock);
        match warning {
            Some(w) if done.0 == ResultKind::Ok => {
                let kind = if self.config.debug_sleep && w.starts_with("BUG") {
                    ResultKind::Bug
                } else {
                    ResultKind::Warn
                };
                (kind, done.1, format!("{w}\n{}", done.2))
            }
            _ => done,
        }
    }

    /// `kmap_high()`: under `kmap_lock`, find the page's address or map it, and count one more
    /// user.
    fn kmap_high(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        ti: usize,
        pfn: u64,
        nonblock: bool,
    ) -> Done {
        if t.on() {
            t.enter("kmap_high", &[("page", format!("frame {pfn:#x}"))]);
        }
        if t.on() {
            t.leaf("spin_lock", &[("lock", "kmap_lock".into())], "taken");
        }
        let found = self.pkmap_ref().page_address(t, pfn);
        t.decide(
            "already mapped?",
            if found.is_some() { "yes" } else { "no" },
        );
        let vaddr = match found {
            Some(v) => v,
            None => match self.map_new_virtual(t, cpu, ti, pfn, nonblock) {
                Mapped::At(v) => v,
                Mapped::NoSlot => {
                    if t.on() {
                        t.leaf("spin_unlock", &[("lock", "kmap_lock".into())], "released");
                    }
                    t.result("NULL");
                    t.exit();
                    return (
                        ResultKind::Warn,
                        Some(0),
                        "kmap_nonblock: every slot is in use; NULL returned instead of sleeping"
                            .into(),
                    );
                }
                Mapped::Slept(done) => {
                    t.exit();
                    return done;
                }
            },
        };
        self.finish_kmap(t, pfn, vaddr)
    }

    /// The end of `kmap_high()`: one more user, the lock released.
    fn finish_kmap(&mut self, t: &mut Tracer, pfn: u64, vaddr: u32) -> Done {
        let p = self.pkmap_mut();
        let nr = p.nr(vaddr) as usize;
        let before = p.count[nr];
        p.count[nr] += 1;
        let after = p.count[nr];
        if t.on() {
            t.change(
                format!("pkmap_count[{nr}]"),
                before.to_string(),
                after.to_string(),
            );
        }
        t.decide("pkmap_count < 2? (BUG)", "no");
        if t.on() {
            t.leaf("spin_unlock", &[("lock", "kmap_lock".into())], "released");
        }
        if t.on() {
            t.result(format!("{vaddr:#010x}"));
        }
        t.exit();
        (
            ResultKind::Ok,
            Some(u64::from(vaddr)),
            t.text(|| {
                format!(
                    "frame {pfn:#x} mapped at {vaddr:#010x} (pkmap slot {nr}, {} user{})",
                    after - 1,
                    if after == 2 { "" } else { "s" }
                )
            }),
        )
    }

    /// `map_new_virtual()`: scan from `last_pkmap_nr` for a free slot, flushing at each wrap;
    /// sleep on `pkmap_map_wait` when a whole circle finds none.
    fn map_new_virtual(
        &mut self,
        t: &mut Tracer,
        cpu: usize,
        ti: usize,
        pfn: u64,
        nonblock: bool,
    ) -> Mapped {
        if t.on() {
            t.enter("map_new_virtual", &[("page", format!("frame {pfn:#x}"))]);
        }
        let slots = self.pkmap_ref().slots();
        let mut budget = slots;
        let mut probes = 0u32;
        let mut wrapped = false;
        let start = self.pkmap_ref().last_pkmap_nr;
        loop {
            let p = self.pkmap_mut();
            p.last_pkmap_nr = (p.last_pkmap_nr + 1) & (slots - 1);
            let nr = p.last_pkmap_nr;
            probes += 1;
            if nr == 0 {
                wrapped = true;
                t.decide("wrapped to slot 0, so flush?", "yes");
                self.flush_all_zero_pkmaps(t);
                budget = slots;
            }
            if self.pkmap_ref().count[nr as usize] == 0 {
                if t.on() {
                    t.change("last_pkmap_nr", start.to_string(), nr.to_string());
                }
                if t.on() {
                    t.decide(
                        "slot found?",
                        format!(
                            "yes: slot {nr} after {probes} probe{}",
                            if probes == 1 { "" } else { "s" }
                        ),
                    );
                }
                if !wrapped {
                    t.decide("wrapped to slot 0, so flush?", "no");
                }
                let v = self.install_pkmap(t, nr, pfn);
                if t.on() {
                    t.result(format!("{v:#010x}"));
                }
                t.exit();
                return Mapped::At(v);
            }
            budget -= 1;
            if budget > 0 {
                continue;
            }
            if t.on() {
                t.change("last_pkmap_nr", start.to_string(), nr.to_string());
            }
            if t.on() {
                t.decide(
                    "slot found?",
                    format!("no: {probes} probes, every slot in use"),
                );
            }
            if nonblock {
                t.decide("slept?", "no: kmap_nonblock returns 0");
                t.result("0");
                t.exit();
                return Mapped::NoSlot;
            }
            return Mapped::Slept(self.pkmap_sleep(t, cpu, ti, pfn));
        }
    }

    /// Writes the slot's PTE, sets its count to 1 and records the page's address.
    fn install_pkmap(&mut self, t: &mut Tracer, nr: u32, pfn: u64) -> u32 {
        let mode = self.kernel.mode;
        let pt = self
            .kernel
            .pkmap_page_table
            .unwrap_or(self.kernel.swapper_pg_dir);
        let pte = Entry::new(mode, Pfn::new(pfn).addr(), self.kernel.page_kernel);
        let old = write_entry(&mut self.mem, mode, pt, u64::from(nr), pte);
        let v = self.pkmap_ref().addr(nr);
        if t.on() {
            t.leaf(
                "set_pte",
                &[
                    ("pte", format!("pkmap_page_table[{nr}]")),
                    ("value", format!("{:#x}", pte.raw())),
                ],
                format!("mk_pte(page, kmap_prot) for {v:#010x}"),
            );
        }
        if t.on() {
            t.change(
                format!("pkmap_pte[{nr}]"),
                format!("{:#x}", old.raw()),
                format!("{:#x}", pte.raw()),
            );
        }
        let p = self.pkmap_mut();
        p.count[nr as usize] = 1;
        p.dirty[nr as usize] = true;
        if t.on() {
            t.change(format!("pkmap_count[{nr}]"), "0", "1");
        }
        // An empty pool can only happen if the model's own bookkeeping broke; report it.
        if let Err(e) = self.pkmap_mut().set_page_address(t, pfn, Some(v)) {
            t.decide("set_page_address", e);
        }
        v
    }

    /// Goes to sleep on `pkmap_map_wait` (or reports why it cannot: sleeping in atomic
    /// context is "scheduling while atomic").
    fn pkmap_sleep(&mut self, t: &mut Tracer, cpu: usize, ti: usize, pfn: u64) -> Done {
        let name = self.tasks[ti].name.clone();
        if self.cpus[cpu].in_atomic() {
            t.decide(
                "slept?",
                format!("cannot: in {} context", self.cpus[cpu].context_name()),
            );
            let count = self.preempt_count(&self.cpus[cpu]);
            let msg =
                self.profile
                    .messages
                    .scheduling_while_atomic(&name, self.tasks[ti].pid, count);
            t.result("BUG");
            t.exit();
            return (
                ResultKind::Bug,
                None,
                format!(
                    "{msg}\n(kmap needed to sleep for a free pkmap slot from {} context)",
                    self.cpus[cpu].context_name()
                ),
            );
        }
        t.decide("slept?", "yes: TASK_UNINTERRUPTIBLE on pkmap_map_wait");
        t.leaf(
            "add_wait_queue",
            &[("queue", "pkmap_map_wait".into())],
            name.clone(),
        );
        t.leaf("spin_unlock", &[("lock", "kmap_lock".into())], "released");
        t.leaf("schedule", &[], format!("CPU {cpu} runs the idle task"));
        self.pkmap_mut().wait.push(ti);
        self.tasks[ti].state = TaskState::Sleeping {
            queue: "pkmap_map_wait".into(),
        };
        self.tasks[ti].pending = Some(Pending::Kmap { pfn });
        self.cpus[cpu].current = None;
        t.change("pkmap_map_wait", "-", format!("+{name}"));
        t.change(
            format!("cpu{cpu}.current"),
            name.clone(),
            format!("swapper/{cpu}"),
        );
        t.result("asleep");
        t.exit();
        (
            ResultKind::Sleep,
            None,
            format!(
                "{name} sleeps on pkmap_map_wait: all {} pkmap slots are in use; a kunmap() that \
                 frees a slot wakes it",
                self.pkmap_ref().slots()
            ),
        )
    }

    /// `flush_all_zero_pkmaps()`: every slot at count 1 becomes free — count 0, PTE cleared,
    /// address forgotten — then one TLB flush covers them all.
    pub(super) fn flush_all_zero_pkmaps(&mut self, t: &mut Tracer) {
        t.enter("flush_all_zero_pkmaps", &[]);
        let mode = self.kernel.mode;
        let pt = self
            .kernel
            .pkmap_page_table
            .unwrap_or(self.kernel.swapper_pg_dir);
        let mut cleared = Vec::new();
        let pages = self.pkmap_ref().slot_pages();
        for nr in 0..self.pkmap_ref().slots() {
            if self.pkmap_ref().count[nr as usize] != 1 {
                continue;
            }
            let Some(pfn) = pages[nr as usize] else {
                continue;
            };
            self.pkmap_mut().count[nr as usize] = 0;
            write_entry(&mut self.mem, mode, pt, u64::from(nr), Entry::empty(mode));
            if t.on() {
                t.change(format!("pkmap_count[{nr}]"), "1", "0");
            }
            if t.on() {
                t.change(format!("pkmap_pte[{nr}]"), "mapped", "0x0");
            }
            let _ = self.pkmap_mut().set_page_address(t, pfn, None);
            cleared.push(nr);
        }
        if t.on() {
            t.decide(
                "slots at count 1",
                if cleared.is_empty() {
                    "none".to_string()
                } else {
                    format!("{} cleared: {}", cleared.len(), summarize(&cleared))
                },
            );
        }
        let flush = !(cleared.is_empty() && self.profile.pkmap.flush_only_if_cleared);
        if !flush {
            t.decide("need_flush?", "no: nothing was cleared");
        } else if self.config.skip_pkmap_flush {
            t.decide("TLB flush", "SKIPPED (bug mode): stale TLB entries survive");
        } else {
            let flush_fn = self.profile.pkmap.flush_fn;
            let args: Vec<(&str, String)> = if flush_fn == "flush_tlb_all" {
                Vec::new()
            } else {
                vec![
                    ("start", "PKMAP_ADDR(0)".to_string()),
                    ("end", "PKMAP_ADDR(LAST_PKMAP)".to_string()),
                ]
            };
            t.enter(flush_fn, &args);
            t.decide("how", "the whole window: a full flush on every CPU");
            for cpu in 0..self.cpus.len() {
                if t.on() {
                    t.enter("do_flush_tlb_all", &[("cpu", cpu.to_string())]);
                }
                self.flush_tlb_all_local(t, cpu);
                t.exit();
            }
            t.exit();
            let p = self.pkmap_mut();
            for nr in 0..p.count.len() {
                p.dirty[nr] = p.count[nr] > 0;
            }
        }
        t.exit();
    }

    pub(super) fn op_kunmap(&mut self, t: &mut Tracer, task: &str, page: &PageRef) -> Done {
        if t.on() {
            t.enter("kunmap", &[("page", format!("{page:?}"))]);
        }
        let (cpu, ti) = match self.running(t, task) {
            Ok(x) => x,
            Err(d) => return d,
        };
        let pfn = match self.page_frame(t, page) {
            Ok(p) => p,
            Err(d) => return d,
        };
        let warning = match self.irq_check(t, cpu, ti, self.profile.pkmap.kunmap_irq) {
            Ok(w) => w,
            Err(d) => return d,
        };
        if !self.is_highmem(pfn) {
            t.decide("PageHighMem(page)?", "no: nothing to undo");
            return (
                ResultKind::Ok,
                None,
                format!("frame {pfn:#x} is lowmem: kunmap does nothing"),
            );
        }
        t.decide("PageHighMem(page)?", "yes");
        let done = self.kunmap_high(t, pfn);
        match warning {
            Some(w) if done.0 == ResultKind::Ok => {
                (ResultKind::Warn, done.1, format!("{w}\n{}", done.2))
            }
            _ => done,
        }
    }

    /// `kunmap_high()`: one user fewer; at count 1, wake the waiters. The PTE stays until the
    /// next flush. A page without an address, or a count reaching 0, is a BUG (and the model
    /// leaves the state as it was).
    fn kunmap_high(&mut self, t: &mut Tracer, pfn: u64) -> Done {
        if t.on() {
            t.enter("kunmap_high", &[("page", format!("frame {pfn:#x}"))]);
        }
        if t.on() {
            t.leaf("spin_lock", &[("lock", "kmap_lock".into())], "taken");
        }
        let (_, no_vaddr, zero) = self.profile.pkmap.bug_lines;
        let Some(vaddr) = self.pkmap_ref().page_address(t, pfn) else {
            t.decide("page has a pkmap address?", "no: BUG");
            return self.bug(t, "mm/highmem.c", no_vaddr);
        };
        let nr = self.pkmap_ref().nr(vaddr) as usize;
        let before = self.pkmap_ref().count[nr];
        if before <= 1 {
            if t.on() {
                t.decide(
                    &format!("--pkmap_count[{nr}]"),
                    "0: BUG (unbalanced kunmap)",
                );
            }
            return self.bug(t, "mm/highmem.c", zero);
        }
        self.pkmap_mut().count[nr] -= 1;
        let after = before - 1;
        if t.on() {
            t.change(
                format!("pkmap_count[{nr}]"),
                before.to_string(),
                after.to_string(),
            );
        }
        if t.on() {
            t.decide(&format!("--pkmap_count[{nr}]"), after.to_string());
        }
        let waiters: Vec<usize> = self.pkmap_ref().wait.clone();
        let need_wakeup = after == 1 && !waiters.is_empty();
        t.decide("need_wakeup?", if need_wakeup { "yes" } else { "no" });
        if t.on() {
            t.leaf("spin_unlock", &[("lock", "kmap_lock".into())], "released");
        }
        let mut woke = Vec::new();
        if need_wakeup {
            if t.on() {
                t.enter("wake_up", &[("queue", "pkmap_map_wait".into())]);
            }
            for w in waiters {
                if matches!(self.tasks[w].state, TaskState::Sleeping { .. }) {
                    self.tasks[w].state = TaskState::Runnable;
                    if t.on() {
                        t.change(
                            format!("task {}", self.tasks[w].name),
                            "sleeping",
                            "runnable",
                        );
                    }
                    woke.push(self.tasks[w].name.clone());
                }
            }
            t.result(woke.join(", "));
            t.exit();
        }
        t.exit();
        let msg = t.text(|| {
            let mut msg = format!("{vaddr:#010x} released: pkmap slot {nr} at count {after}");
            if after == 1 {
                msg.push_str(" (unused, but stays mapped until the next flush)");
            }
            if !woke.is_empty() {
                msg.push_str(&format!("; woke {}", woke.join(", ")));
            }
            msg
        });
        (ResultKind::Ok, None, msg)
    }

    /// Finishes the `kmap()` a task slept in, now that it runs again: it rechecks whether
    /// someone else mapped the page meanwhile, else scans again.
    pub(super) fn resume_pending(&mut self, t: &mut Tracer, cpu: usize, ti: usize) -> Option<Done> {
        let Some(Pending::Kmap { pfn }) = self.tasks[ti].pending.take() else {
            return None;
        };
        t.enter(
            "map_new_virtual",
            &[
                ("page", format!("frame {pfn:#x}")),
                ("resumed", "after schedule()".into()),
            ],
        );
        if let Some(p) = self.pkmap.as_mut() {
            p.wait.retain(|&w| w != ti);
        }
        let name = self.tasks[ti].name.clone();
        t.leaf(
            "remove_wait_queue",
            &[("queue", "pkmap_map_wait".into())],
            name.clone(),
        );
        t.change("pkmap_map_wait", name.clone(), "-");
        t.leaf("spin_lock", &[("lock", "kmap_lock".into())], "taken");
        let meanwhile = self.pkmap_ref().page_address(t, pfn);
        t.decide(
            "mapped by someone else while asleep?",
            if meanwhile.is_some() {
                "yes"
            } else {
                "no: start over"
            },
        );
        t.exit();
        let done = match meanwhile {
            Some(v) => {
                t.enter("kmap_high", &[("page", format!("frame {pfn:#x}"))]);
                self.finish_kmap(t, pfn, v)
            }
            None => {
                t.enter("kmap_high", &[("page", format!("frame {pfn:#x}"))]);
                match self.map_new_virtual(t, cpu, ti, pfn, false) {
                    Mapped::At(v) => self.finish_kmap(t, pfn, v),
                    Mapped::Slept(d) => {
                        t.exit();
                        d
                    }
                    Mapped::NoSlot => {
                        t.exit();
                        (ResultKind::Warn, Some(0), "no slot".into())
                    }
                }
            }
        };
        Some((
            done.0,
            done.1,
            format!("{name} resumes its kmap(): {}", done.2),
        ))
    }

    pub(super) fn op_kmap_flush_unused(&mut self, t: &mut Tracer) -> Done {
        t.enter("kmap_flush_unused", &[]);
        if self.pkmap.is_none() {
            return refuse(t, "this kernel has no HIGHMEM, so no pkmap window");
        }
        if !self.profile.pkmap.flush_unused_event {
            return refuse(
                t,
                format!("{} has no kmap_flush_unused()", self.profile.name),
            );
        }
        t.leaf("spin_lock", &[("lock", "kmap_lock".into())], "taken");
        let before: usize = self.pkmap_ref().count.iter().filter(|&&c| c == 1).count();
        self.flush_all_zero_pkmaps(t);
        t.leaf("spin_unlock", &[("lock", "kmap_lock".into())], "released");
        (
            ResultKind::Ok,
            None,
            format!(
                "{before} unused slot{} cleared; last_pkmap_nr unchanged",
                if before == 1 { "" } else { "s" }
            ),
        )
    }

    fn pkmap_ref(&self) -> &crate::highmem::Pkmap {
        self.pkmap
            .as_ref()
            .expect("pkmap exists on HIGHMEM kernels")
    }

    fn pkmap_mut(&mut self) -> &mut crate::highmem::Pkmap {
        self.pkmap
            .as_mut()
            .expect("pkmap exists on HIGHMEM kernels")
    }
}

/// `1, 2, 3, 7, 8` → `1–3, 7–8`.
fn summarize(nrs: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < nrs.len() {
        let mut j = i;
        while j + 1 < nrs.len() && nrs[j + 1] == nrs[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            nrs[i].to_string()
        } else {
            format!("{}–{}", nrs[i], nrs[j])
        });
        i = j + 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::summarize;

    #[test]
    fn ranges_are_summarized() {
        assert_eq!(summarize(&[1, 2, 3, 7, 9, 10]), "1–3, 7, 9–10");
        assert_eq!(summarize(&[]), "");
    }
}
