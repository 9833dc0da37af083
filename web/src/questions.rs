//! Predict, then reveal: the questions at the end of each chapter.
//!
//! No answer is stored. Each question describes an experiment on the reader's own machine (the
//! kernel, RAM and options chosen in the lab, and for the later chapters the live machine with
//! everything done to it so far), and the answer is what the engine says when the experiment
//! is run: a layout computed with one option changed, or ops applied to a copy of the machine.
//! Change the machine and the same question may get a different answer; that is the point.
//!
//! A question that makes no sense for the machine (pkmap slots without HIGHMEM, a TLB question
//! on a machine that does not boot) says why instead of asking.

use highmem_engine::addr::Pfn;
use highmem_engine::layout::{compute, Layout, LayoutRequest, PAGE_OFFSET};
use highmem_engine::machine::{
    Gfp, Machine, MachineConfig, Op, Outcome, PageRef, ResultKind, VmallocFlavor, Who,
};

/// What the question needs.
pub struct Ctx<'a> {
    /// What the lab's machine is booted from (the chapters before the machine need only this).
    pub config: &'a MachineConfig,
    /// The live machine, if it boots.
    pub machine: Option<&'a Machine>,
}

/// How the reader answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A number, typed (decimal or `0x` hexadecimal).
    Number,
    /// One of these.
    Choice(&'static [&'static str]),
}

/// The engine's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A number, shown in hexadecimal when `hex`.
    Number { value: u64, hex: bool },
    /// The index of the right choice.
    Choice(usize),
}

impl Answer {
    fn number(value: u64) -> Answer {
        Answer::Number { value, hex: false }
    }

    fn address(value: u64) -> Answer {
        Answer::Number { value, hex: true }
    }

    /// The answer as the reader reads it.
    pub fn text(&self, kind: Kind) -> String {
        match (self, kind) {
            (Answer::Number { value, hex: true }, _) => format!("{value:#010x}"),
            (Answer::Number { value, .. }, _) => value.to_string(),
            (Answer::Choice(i), Kind::Choice(options)) => {
                options.get(*i).copied().unwrap_or("?").to_string()
            }
            (Answer::Choice(i), Kind::Number) => i.to_string(),
        }
    }
}

/// A prediction, as entered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prediction {
    /// Typed text, for a number.
    Text(String),
    /// A chosen option.
    Choice(usize),
}

/// Reads a typed number the way scripts do: decimal, or hexadecimal with `0x`; `_` and
/// spaces between digits are ignored.
pub fn read_number(text: &str) -> Result<u64, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .collect();
    if t.is_empty() {
        return Err("Type a number first.".into());
    }
    highmem_engine::script::parse_number(&t).ok_or_else(|| {
        format!(
            "“{}” is not a number: type it in decimal, or in hexadecimal with 0x.",
            text.trim()
        )
    })
}

/// Whether a prediction is the answer; `Err` for a prediction that cannot be read.
pub fn check(prediction: &Prediction, answer: &Answer) -> Result<bool, String> {
    match (prediction, answer) {
        (Prediction::Text(t), Answer::Number { value, .. }) => Ok(read_number(t)? == *value),
        (Prediction::Choice(c), Answer::Choice(a)) => Ok(c == a),
        _ => Err("That answer does not fit this question.".into()),
    }
}

/// A question.
pub struct Question {
    /// Stable id, unique (used for element ids).
    pub id: &'static str,
    /// The chapter it ends, by route name.
    pub chapter: &'static str,
    /// How it is answered.
    pub kind: Kind,
    /// The question, for this machine; `Err` says why it does not apply here.
    pub ask: fn(&Ctx) -> Result<String, String>,
    /// The engine's answer, from the experiment; `Err` if the experiment cannot run.
    pub answer: fn(&Ctx) -> Result<Answer, String>,
    /// Why the answer is what it is (shown after the reveal).
    pub why: &'static str,
}

impl PartialEq for Question {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl std::fmt::Debug for Question {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Question({})", self.id)
    }
}

/// The questions of a chapter, in order.
pub fn of_chapter(chapter: &str) -> impl Iterator<Item = &'static Question> + '_ {
    QUESTIONS.iter().filter(move |q| q.chapter == chapter)
}

const HIT_MISS: &[&str] = &["a TLB hit", "a TLB miss"];
const YES_NO: &[&str] = &["yes", "no"];
const LOW_ADDR: &[&str] = &[
    "its address in the direct map",
    "a fixmap kmap slot, like a high page",
];
const SHRINK_SAME_GROW: &[&str] = &["less", "the same", "more"];

/// Every question, chapter by chapter.
pub static QUESTIONS: [Question; 12] = [
    // ---- Chapter 1: why high memory exists -----------------------------------------------
    Question {
        id: "q-vmalloc-lowmem",
        chapter: "why-highmem",
        kind: Kind::Number,
        ask: |c| {
            let now = layout_with(c, |_| {})?;
            let bigger = vmalloc_param(c)? + (64 << 20);
            Ok(format!(
                "This {} kernel now reports {} MB of LOWMEM. Boot it with vmalloc={}M, 64 MiB \
                 more vmalloc space than it has now. How many MB of LOWMEM will it report?",
                c.config.profile,
                lowmem_mb(&now),
                bigger >> 20
            ))
        },
        answer: |c| {
            let bigger = vmalloc_param(c)? + (64 << 20);
            let l = layout_with(c, |r| r.vmalloc = Some(bigger))?;
            Ok(Answer::number(lowmem_mb(&l)))
        },
        why: "The kernel gigabyte is shared: every byte given to vmalloc is taken from the top \
              of the direct map, so LOWMEM shrinks by the same amount (rounded to the large-page \
              alignment the era uses). On a machine with less RAM than the direct map could \
              hold, nothing changes at all: there was room to spare.",
    },
    Question {
        id: "q-pae-off-highmem",
        chapter: "why-highmem",
        kind: Kind::Choice(SHRINK_SAME_GROW),
        ask: |c| {
            if !c.config.pae {
                return Err("PAE is already off; turn it on to ask this question.".into());
            }
            let now = layout_with(c, |_| {})?;
            Ok(format!(
                "This machine reports {} MB of HIGHMEM with PAE. Build the same kernel without \
                 PAE (CONFIG_HIGHMEM4G). Will it report less HIGHMEM, the same, or more?",
                highmem_mb(&now)
            ))
        },
        answer: |c| {
            let now = layout_with(c, |_| {})?;
            let off = layout_with(c, |r| r.pae = false)?;
            Ok(Answer::Choice(compare(highmem_mb(&off), highmem_mb(&now))))
        },
        why: "Without PAE a page-table entry holds a 20-bit frame number, so the kernel can map \
              no frame at or above 4 GiB and ignores that RAM (with a warning): above 4 GiB, \
              HIGHMEM shrinks. Below it, nothing is lost, but the line can still move: without \
              PAE the direct map is built of 4 MiB pages instead of 2 MiB ones, so the end of \
              LOWMEM may round down by a few MB, which then count as HIGHMEM.",
    },
    Question {
        id: "q-highmem-off",
        chapter: "why-highmem",
        kind: Kind::Number,
        ask: |c| {
            if !c.config.highmem {
                return Err("HIGHMEM is already off; turn it on to ask this question.".into());
            }
            layout_with(c, |r| r.highmem = false)
                .map_err(|e| format!("This question does not apply here. {e}"))?;
            Ok(
                "Build this kernel without CONFIG_HIGHMEM. How many MB of RAM will it use \
                 (its LOWMEM line)?"
                    .into(),
            )
        },
        answer: |c| {
            let off = layout_with(c, |r| r.highmem = false)?;
            Ok(Answer::number(lowmem_mb(&off)))
        },
        why: "Without HIGHMEM the kernel can use only what its direct map covers. RAM above \
              that is never given to the allocator; the boot log says how much is lost.",
    },
    // ---- Chapter 2: PAE paging and the TLB ------------------------------------------------
    Question {
        id: "q-tlb-other-cpu",
        chapter: "paging",
        kind: Kind::Choice(HIT_MISS),
        ask: |c| {
            let m = machine(c)?;
            let last = m.cpus().len() - 1;
            Ok(format!(
                "CPU 0 reads the kernel address {:#010x}. Then CPU {last} reads the same \
                 address. Is CPU {last}'s read a TLB hit or a TLB miss?",
                direct_addr(m)
            ))
        },
        answer: |c| {
            let m = machine(c)?;
            let last = m.cpus().len() - 1;
            let addr = direct_addr(m);
            let mut m = m.clone();
            run(
                &mut m,
                &Op::Read {
                    cpu: 0,
                    vaddr: addr,
                },
            )?;
            let o = run(
                &mut m,
                &Op::Read {
                    cpu: last,
                    vaddr: addr,
                },
            )?;
            hit_or_miss(&o)
        },
        why: "Each CPU has its own TLB. A translation cached by one CPU is of no use to another, \
              which must walk the tables itself; with one CPU, the second read finds what the \
              first cached.",
    },
    Question {
        id: "q-tlb-after-switch",
        chapter: "paging",
        kind: Kind::Choice(HIT_MISS),
        ask: |c| {
            let m = machine(c)?;
            Ok(format!(
                "CPU 0 reads the kernel address {:#010x}, then switches to a newly forked \
                 process, loading a new CR3. It reads the address again. A TLB hit or a miss?",
                direct_addr(m)
            ))
        },
        answer: |c| {
            let m = machine(c)?;
            let addr = direct_addr(m);
            let mut m = m.clone();
            run(
                &mut m,
                &Op::Read {
                    cpu: 0,
                    vaddr: addr,
                },
            )?;
            let name = fresh_task(&m, "Q");
            run(
                &mut m,
                &Op::Task {
                    name,
                    cpu: 0,
                    kthread: false,
                },
            )?;
            let o = run(
                &mut m,
                &Op::Read {
                    cpu: 0,
                    vaddr: addr,
                },
            )?;
            hit_or_miss(&o)
        },
        why: "Loading CR3 flushes the TLB, except for entries marked global. The kernel sets \
              the global bit on its own mappings when the CPU has PGE and the kernel enables \
              it, so its translations survive the switch; on a CPU without PGE they are lost \
              with the rest.",
    },
    // ---- Chapter 3: persistent kernel maps ------------------------------------------------
    Question {
        id: "q-kmap-slot",
        chapter: "pkmap",
        kind: Kind::Number,
        ask: |c| {
            let m = machine(c)?;
            let p = m.pkmap().ok_or(NO_PKMAP)?;
            let pfn = unmapped_high_page(m)?;
            Ok(format!(
                "A task kmaps the high page at frame {pfn:#x}, which is not mapped now. \
                 last_pkmap_nr is {}. Which pkmap slot (0 to {}) will hold it?",
                p.last_pkmap_nr,
                p.slots() - 1
            ))
        },
        answer: |c| {
            let (m, _, vaddr) = kmap_fresh(c)?;
            let p = m.pkmap().ok_or(NO_PKMAP)?;
            Ok(Answer::number(u64::from((vaddr - p.base) >> 12)))
        },
        why: "kmap() first looks the page up; it is not mapped, so map_new_virtual() scans on \
              from last_pkmap_nr, moving before it looks, for a slot whose count is 0. A count \
              of 1 is not free: that slot was released but may still be in a TLB. Reaching the \
              end, it wraps to 0 and flushes every count-1 slot first.",
    },
    Question {
        id: "q-kunmap-count",
        chapter: "pkmap",
        kind: Kind::Number,
        ask: |c| {
            let m = machine(c)?;
            m.pkmap().ok_or(NO_PKMAP)?;
            unmapped_high_page(m)?;
            Ok(
                "Right after that kmap(), the task calls kunmap() on the page. What is that \
                slot's pkmap_count now?"
                    .into(),
            )
        },
        answer: |c| {
            let (mut m, (task, pfn), vaddr) = kmap_fresh(c)?;
            run(
                &mut m,
                &Op::Kunmap {
                    task,
                    page: PageRef::Pfn(pfn),
                },
            )?;
            let p = m.pkmap().ok_or(NO_PKMAP)?;
            let slot = ((vaddr - p.base) >> 12) as usize;
            Ok(Answer::number(u64::from(p.count[slot])))
        },
        why: "kunmap() only drops the user count. A count of 1 means mapped by no one but still \
              holding its page-table entry, which some TLB may cache: the slot is reused only \
              after the next wrap-around flush, and a kmap() of the same page meanwhile gets \
              the same address back without touching the tables.",
    },
    Question {
        id: "q-kmap-reuse",
        chapter: "pkmap",
        kind: Kind::Choice(YES_NO),
        ask: |c| {
            let m = machine(c)?;
            m.pkmap().ok_or(NO_PKMAP)?;
            unmapped_high_page(m)?;
            Ok(
                "After that kunmap(), the task kmaps a different high page, also unmapped. \
                Does it get the slot just released?"
                    .into(),
            )
        },
        answer: |c| {
            let (mut m, (task, pfn), vaddr) = kmap_fresh(c)?;
            run(
                &mut m,
                &Op::Kunmap {
                    task: task.clone(),
                    page: PageRef::Pfn(pfn),
                },
            )?;
            let other = unmapped_high_page(&m)?;
            let o = run(
                &mut m,
                &Op::Kmap {
                    task,
                    page: PageRef::Pfn(other),
                    nonblock: false,
                },
            )?;
            let again = o.value.map(|v| v as u32) == Some(vaddr);
            Ok(Answer::Choice(if again { 0 } else { 1 }))
        },
        why: "The released slot has a count of 1, and the scan takes only slots at 0. It gets \
              that slot back only when the scan has wrapped around, flushed the count-1 slots \
              and finds it first; otherwise the next free slot after last_pkmap_nr.",
    },
    // ---- Chapter 4: temporary kernel maps -------------------------------------------------
    Question {
        id: "q-atomic-low",
        chapter: "atomic",
        kind: Kind::Choice(LOW_ADDR),
        ask: |c| {
            let m = machine(c)?;
            Ok(format!(
                "CPU 0 calls {} on a page of low memory. Which address comes back?",
                atomic_call(m)
            ))
        },
        answer: |c| {
            let mut m = machine(c)?.clone();
            let block = fresh_name(&m, "q-low");
            run(&mut m, &alloc("GFP_KERNEL", &block)?)?;
            let pfn = m.handles().get(&block).map(|h| h.pfn).ok_or(NO_BLOCK)?;
            let op = kmap_atomic_op(&m, &block);
            let o = run(&mut m, &op)?;
            let direct = (PAGE_OFFSET + (pfn << 12)) as u32;
            Ok(Answer::Choice(if o.value == Some(u64::from(direct)) {
                0
            } else {
                1
            }))
        },
        why: "A page of low memory already has a permanent address in the direct map, so \
              kmap_atomic() returns page_address() at once, touches no slot and no page table. \
              Only a high page needs a slot. (It still disables page faults and preemption, so \
              the caller's rules are the same either way.)",
    },
    Question {
        id: "q-atomic-high",
        chapter: "atomic",
        kind: Kind::Number,
        ask: |c| {
            let m = machine(c)?;
            high_free(m)?;
            Ok(format!(
                "Nothing holds a temporary map on CPU 0. CPU 0 calls {} on a high page. At \
                 which address is the page mapped? (Hexadecimal is fine.)",
                atomic_call(m)
            ))
        },
        answer: |c| {
            let m0 = machine(c)?;
            high_free(m0)?;
            if m0
                .kmap_slots()
                .iter()
                .any(|s| s.cpu == 0 && !s.holders.is_empty())
            {
                return Err("CPU 0 holds a temporary map now; give it back first.".into());
            }
            let mut m = m0.clone();
            let block = fresh_name(&m, "q-high");
            run(&mut m, &alloc("GFP_HIGHUSER", &block)?)?;
            let op = kmap_atomic_op(&m, &block);
            let o = run(&mut m, &op)?;
            o.value
                .map(Answer::address)
                .ok_or_else(|| format!("The engine returned no address: {}", o.message))
        },
        why: "The slot is fixed by the CPU and the type (in 6.1, by the depth of the task's \
              stack of local maps): fixmap index FIX_KMAP_BEGIN + type + KM_TYPE_NR × cpu, \
              and fixmap addresses count down from FIXADDR_TOP, one page per index.",
    },
    // ---- Chapter 5: non-contiguous memory -------------------------------------------------
    Question {
        id: "q-vmalloc-start",
        chapter: "vmalloc",
        kind: Kind::Number,
        ask: |c| {
            let m = machine(c)?;
            Ok(format!(
                "A driver calls vmalloc(8192) on this machine now (VMALLOC_START is {:#010x}). \
                 At which address does the area it gets start?",
                m.layout().vmalloc_start()
            ))
        },
        answer: |c| {
            let (_, addr) = vmalloc_8k(c)?;
            Ok(Answer::address(u64::from(addr)))
        },
        why: "The allocator takes the first hole, from VMALLOC_START up, that fits the request \
              and its guard page (with the alignment the era asks for). Earlier areas, and in \
              2.6.32 and 6.1 areas freed but not yet purged, push it further up.",
    },
    Question {
        id: "q-vmalloc-size",
        chapter: "vmalloc",
        kind: Kind::Number,
        ask: |c| {
            machine(c)?;
            Ok(
                "How many bytes of the vmalloc range does that 8192-byte area take up, \
                everything included?"
                    .into(),
            )
        },
        answer: |c| {
            let (m, addr) = vmalloc_8k(c)?;
            let area = m
                .vmalloc_space()
                .area(addr)
                .ok_or("the area the engine returned is not in its list")?;
            Ok(Answer::number(u64::from(area.size)))
        },
        why: "Two pages of data and one guard page: the unmapped page after every area turns \
              an overrun into a fault instead of silently writing into the next area.",
    },
];

const NO_PKMAP: &str = "This question needs the pkmap window: turn HIGHMEM on.";
const NO_BLOCK: &str = "The engine allocated no block.";

fn machine<'a>(c: &Ctx<'a>) -> Result<&'a Machine, String> {
    c.machine.ok_or_else(|| {
        "The machine does not boot with these settings; choose other ones to ask this.".into()
    })
}

/// Applies an op; an op the model refuses is the experiment failing.
fn run(m: &mut Machine, op: &Op) -> Result<Outcome, String> {
    let o = m.apply(op);
    if o.refused {
        return Err(format!("The engine refused the experiment: {}", o.message));
    }
    Ok(o)
}

fn hit_or_miss(o: &Outcome) -> Result<Answer, String> {
    if o.result != ResultKind::Ok {
        return Err(format!("The read did not complete: {}", o.message));
    }
    if o.message.contains("TLB hit") {
        Ok(Answer::Choice(0))
    } else if o.message.contains("TLB miss") {
        Ok(Answer::Choice(1))
    } else {
        Err(format!(
            "The engine said neither hit nor miss: {}",
            o.message
        ))
    }
}

/// The layout of the lab's configuration with one thing changed.
fn layout_with(c: &Ctx, change: impl FnOnce(&mut LayoutRequest)) -> Result<Layout, String> {
    let cfg = c.config;
    let mut req = LayoutRequest {
        pae: cfg.pae,
        highmem: cfg.highmem,
        nr_cpus: cfg.nr_cpus,
        vmalloc: cfg.vmalloc,
        config: cfg.config,
        ..LayoutRequest::new(cfg.profile, cfg.e820.clone())
    };
    change(&mut req);
    compute(&req).map_err(|e| format!("The engine cannot lay this machine out: {e}"))
}

fn lowmem_mb(l: &Layout) -> u64 {
    Pfn::pages_to_mb(l.memory.max_low_pfn.as_u64())
}

fn highmem_mb(l: &Layout) -> u64 {
    if !l.resolved.highmem {
        return 0;
    }
    Pfn::pages_to_mb(l.memory.highend_pfn.as_u64() - l.memory.highstart_pfn.as_u64())
}

/// The `vmalloc=` value that boots this machine as it is: the one given, or the one that
/// gives the kernel's default `__VMALLOC_RESERVE` (some eras add the 8 MiB gap to the option,
/// some do not; the engine knows which).
fn vmalloc_param(c: &Ctx) -> Result<u64, String> {
    if let Some(v) = c.config.vmalloc {
        return Ok(v);
    }
    let reserve = |l: &Layout| l.symbol("__VMALLOC_RESERVE").map(|s| s.value);
    let now = layout_with(c, |_| {})?;
    let r = reserve(&now).ok_or("The engine defines no __VMALLOC_RESERVE here.")?;
    let tried = layout_with(c, |q| q.vmalloc = Some(r))?;
    let added = reserve(&tried).unwrap_or(r).saturating_sub(r);
    Ok(r - added)
}

fn compare(new: u64, old: u64) -> usize {
    match new.cmp(&old) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Equal => 1,
        std::cmp::Ordering::Greater => 2,
    }
}

/// A direct-map address every machine has: the second page of RAM.
fn direct_addr(_: &Machine) -> u32 {
    (PAGE_OFFSET + 0x1000) as u32
}

/// `base`, or `base2`, `base3`…: the first that `taken` does not hold.
fn fresh(base: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|i| match i {
            1 => base.to_string(),
            _ => format!("{base}{i}"),
        })
        .find(|n| !taken(n))
        .unwrap_or_else(|| base.to_string())
}

/// A task name the machine has no task of yet.
fn fresh_task(m: &Machine, base: &str) -> String {
    fresh(base, |n| m.task_index(n).is_some())
}

/// A block name the machine has not used yet.
fn fresh_name(m: &Machine, base: &str) -> String {
    fresh(base, |n| m.handles().contains_key(n))
}

fn alloc(gfp: &str, name: &str) -> Result<Op, String> {
    Ok(Op::AllocPages {
        gfp: Gfp::parse(gfp).map_err(|e| e.to_string())?,
        order: 0,
        name: Some(name.into()),
    })
}

/// The highest high page with no pkmap address and no owner among the machine's blocks.
fn unmapped_high_page(m: &Machine) -> Result<u64, String> {
    let p = m.pkmap().ok_or(NO_PKMAP)?;
    let mem = &m.layout().memory;
    let (lo, hi) = (mem.highstart_pfn.as_u64(), mem.highend_pfn.as_u64());
    (lo..hi)
        .rev()
        .take(4096)
        .find(|&pfn| p.lookup(pfn).is_none())
        .ok_or_else(|| "This machine has no high memory: give it more than 896 MiB.".into())
}

/// Forks a task (when the machine has none of its own for this) and kmaps an unmapped high
/// page: the machine after, (task, page) and the address.
fn kmap_fresh(c: &Ctx) -> Result<(Machine, (String, u64), u32), String> {
    let m0 = machine(c)?;
    m0.pkmap().ok_or(NO_PKMAP)?;
    let pfn = unmapped_high_page(m0)?;
    let mut m = m0.clone();
    let task = fresh_task(&m, "Q");
    run(
        &mut m,
        &Op::Task {
            name: task.clone(),
            cpu: 0,
            kthread: false,
        },
    )?;
    let o = run(
        &mut m,
        &Op::Kmap {
            task: task.clone(),
            page: PageRef::Pfn(pfn),
            nonblock: false,
        },
    )?;
    match (o.result, o.value) {
        (ResultKind::Ok, Some(v)) => Ok((m, (task, pfn), v as u32)),
        _ => Err(format!(
            "On this machine the experiment does not map the page: {}",
            o.message
        )),
    }
}

/// `kmap_atomic(page, KM_USER0)`, or 6.1's `kmap_atomic(page)`.
fn atomic_call(m: &Machine) -> &'static str {
    if m.profile().atomic.types.contains(&"KM_USER0") {
        "kmap_atomic(page, KM_USER0)"
    } else {
        "kmap_atomic(page)"
    }
}

fn kmap_atomic_op(m: &Machine, block: &str) -> Op {
    Op::KmapAtomic {
        who: Who::Cpu(0),
        page: PageRef::Name(block.into()),
        km_type: m
            .profile()
            .atomic
            .types
            .contains(&"KM_USER0")
            .then(|| "KM_USER0".to_string()),
    }
}

/// High pages to allocate.
fn high_free(m: &Machine) -> Result<(), String> {
    let free = m
        .mem()
        .zones()
        .iter()
        .find(|z| z.kind == highmem_engine::layout::memory::ZoneKind::HighMem)
        .map_or(0, |z| z.free_pages);
    if free == 0 {
        return Err(
            "This question needs high memory: turn HIGHMEM on and give the machine more \
             than 896 MiB."
                .into(),
        );
    }
    Ok(())
}

/// `vmalloc(8192)` on a copy of the machine: the copy and the address.
fn vmalloc_8k(c: &Ctx) -> Result<(Machine, u32), String> {
    let mut m = machine(c)?.clone();
    let name = fresh_name(&m, "q-area");
    let o = run(
        &mut m,
        &Op::Vmalloc {
            who: Who::Cpu(0),
            size: 8192,
            flavor: VmallocFlavor::Vmalloc,
            name: Some(name.clone()),
            caller: None,
        },
    )?;
    match (o.result, o.value) {
        (ResultKind::Ok, Some(v)) => Ok((m, v as u32)),
        _ => Err(format!(
            "On this machine vmalloc(8192) fails: {}",
            o.message
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::profile::ProfileId;

    const GIB: u64 = 1 << 30;

    fn config(p: ProfileId, ram: u64) -> MachineConfig {
        MachineConfig {
            cpus: 2,
            ..MachineConfig::new(p, E820Map::qemu_pc(ram).unwrap())
        }
    }

    fn answer(q: &Question, cfg: &MachineConfig, m: Option<&Machine>) -> Result<Answer, String> {
        let c = Ctx {
            config: cfg,
            machine: m,
        };
        (q.ask)(&c)?;
        (q.answer)(&c)
    }

    fn q(id: &str) -> &'static Question {
        QUESTIONS.iter().find(|q| q.id == id).unwrap()
    }

    #[test]
    fn ids_are_unique_and_every_question_ends_a_chapter() {
        let mut ids: Vec<_> = QUESTIONS.iter().map(|q| q.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), QUESTIONS.len());
        for ch in ["why-highmem", "paging", "pkmap", "atomic", "vmalloc"] {
            assert!(of_chapter(ch).count() >= 2, "{ch}");
        }
    }

    #[test]
    fn every_question_is_answered_or_says_why_on_every_kernel() {
        for p in ProfileId::ALL {
            for ram in [512 << 20, 2 * GIB, 6 * GIB] {
                for pae in [true, false] {
                    let cfg = MachineConfig {
                        pae,
                        ..config(p, ram)
                    };
                    let m = Machine::new(cfg.clone()).ok();
                    for q in &QUESTIONS {
                        let c = Ctx {
                            config: &cfg,
                            machine: m.as_ref(),
                        };
                        match (q.ask)(&c) {
                            Ok(text) => {
                                assert!(!text.is_empty());
                                let a = (q.answer)(&c);
                                // Where a question is asked, the engine answers it, with an
                                // answer of the question's kind.
                                let a = a.unwrap_or_else(|e| {
                                    panic!("{} on {p} {ram} pae={pae}: {e}", q.id)
                                });
                                match (q.kind, &a) {
                                    (Kind::Choice(o), Answer::Choice(i)) => assert!(*i < o.len()),
                                    (Kind::Number, Answer::Number { .. }) => {}
                                    _ => panic!("{}: {a:?} for {:?}", q.id, q.kind),
                                }
                            }
                            Err(why) => assert!(!why.is_empty()),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_lowmem_answer_follows_the_ram() {
        // 2 GiB on 6.1: vmalloc= 64 MiB larger moves lowmem down by 64 MB; 512 MiB: all of it
        // is low either way.
        let big = config(ProfileId::V6_1, 2 * GIB);
        let small = config(ProfileId::V6_1, 512 << 20);
        let qv = q("q-vmalloc-lowmem");
        let now_big = layout_with(
            &Ctx {
                config: &big,
                machine: None,
            },
            |_| {},
        )
        .unwrap();
        match answer(qv, &big, None).unwrap() {
            Answer::Number { value, .. } => assert_eq!(value, lowmem_mb(&now_big) - 64),
            a => panic!("{a:?}"),
        }
        let now_small = layout_with(
            &Ctx {
                config: &small,
                machine: None,
            },
            |_| {},
        )
        .unwrap();
        assert_eq!(
            answer(qv, &small, None).unwrap(),
            Answer::number(lowmem_mb(&now_small))
        );
    }

    #[test]
    fn pae_off_loses_highmem_only_above_4g() {
        let qp = q("q-pae-off-highmem");
        // 2 GiB: no RAM is lost, and the direct map's end rounds down to 4 MiB without PAE
        // (887 MB of LOWMEM with PAE, 883 without), so HIGHMEM grows by those 4 MB.
        assert_eq!(
            answer(qp, &config(ProfileId::V2_6_32, 2 * GIB), None).unwrap(),
            Answer::Choice(2)
        );
        // 6 GiB loses everything above 4 GiB.
        assert_eq!(
            answer(qp, &config(ProfileId::V2_6_32, 6 * GIB), None).unwrap(),
            Answer::Choice(0)
        );
    }

    #[test]
    fn tlb_answers_depend_on_the_cpus() {
        let qt = q("q-tlb-other-cpu");
        let two = config(ProfileId::V6_1, 2 * GIB);
        let m2 = Machine::new(two.clone()).unwrap();
        assert_eq!(answer(qt, &two, Some(&m2)).unwrap(), Answer::Choice(1));
        let one = MachineConfig {
            cpus: 1,
            ..two.clone()
        };
        let m1 = Machine::new(one.clone()).unwrap();
        assert_eq!(answer(qt, &one, Some(&m1)).unwrap(), Answer::Choice(0));
    }

    #[test]
    fn kmap_questions_follow_the_pkmap_rules() {
        let cfg = config(ProfileId::V2_6_24, 2 * GIB);
        let m = Machine::new(cfg.clone()).unwrap();
        // A fresh boot: last_pkmap_nr is 0 and the scan moves before it looks.
        assert_eq!(
            answer(q("q-kmap-slot"), &cfg, Some(&m)).unwrap(),
            Answer::number(1)
        );
        assert_eq!(
            answer(q("q-kunmap-count"), &cfg, Some(&m)).unwrap(),
            Answer::number(1)
        );
        assert_eq!(
            answer(q("q-kmap-reuse"), &cfg, Some(&m)).unwrap(),
            Answer::Choice(1)
        );
        // Without HIGHMEM the pkmap questions say why they do not apply.
        let off = MachineConfig {
            highmem: false,
            pae: false,
            ..cfg
        };
        let m = Machine::new(off.clone()).unwrap();
        let c = Ctx {
            config: &off,
            machine: Some(&m),
        };
        assert!((q("q-kmap-slot").ask)(&c).unwrap_err().contains("HIGHMEM"));
    }

    #[test]
    fn atomic_answers_come_from_the_slots() {
        let cfg = config(ProfileId::V2_6_24, 2 * GIB);
        let m = Machine::new(cfg.clone()).unwrap();
        assert_eq!(
            answer(q("q-atomic-low"), &cfg, Some(&m)).unwrap(),
            Answer::Choice(0)
        );
        let slot0 = m
            .kmap_slots()
            .into_iter()
            .find(|s| s.cpu == 0 && s.name == "KM_USER0")
            .unwrap()
            .vaddr;
        assert_eq!(
            answer(q("q-atomic-high"), &cfg, Some(&m)).unwrap(),
            Answer::address(u64::from(slot0))
        );
    }

    #[test]
    fn the_first_vmalloc_area_reproduces_the_boot() {
        let cfg = config(ProfileId::V6_1, 2 * GIB);
        let m = Machine::new(cfg.clone()).unwrap();
        let start = u64::from(m.layout().vmalloc_start() as u32);
        match answer(q("q-vmalloc-start"), &cfg, Some(&m)).unwrap() {
            Answer::Number { value, hex: true } => assert!(value >= start),
            a => panic!("{a:?}"),
        }
        assert_eq!(
            answer(q("q-vmalloc-size"), &cfg, Some(&m)).unwrap(),
            Answer::number(3 * 4096)
        );
    }

    #[test]
    fn predictions_are_read_and_checked() {
        let a = Answer::address(0xffc0_1000);
        assert_eq!(check(&Prediction::Text("0xffc01000".into()), &a), Ok(true));
        assert_eq!(
            check(&Prediction::Text(" 0xffc0_1000 ".into()), &a),
            Ok(true)
        );
        assert_eq!(check(&Prediction::Text("4290777088".into()), &a), Ok(true));
        assert_eq!(check(&Prediction::Text("0xffc02000".into()), &a), Ok(false));
        assert!(check(&Prediction::Text("".into()), &a).is_err());
        assert!(check(&Prediction::Text("<script>".into()), &a).is_err());
        assert!(check(&Prediction::Text("9".repeat(400)), &a).is_err());
        assert_eq!(check(&Prediction::Choice(1), &Answer::Choice(1)), Ok(true));
        assert_eq!(check(&Prediction::Choice(0), &Answer::Choice(1)), Ok(false));
        assert!(check(&Prediction::Choice(0), &a).is_err());
    }
}
