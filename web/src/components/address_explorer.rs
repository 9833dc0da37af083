//! The address explorer: a virtual address cut into its table indices, the walk through each
//! level's table, and where it ends (a physical address and the word there, or a page fault).
//!
//! Everything comes from [`Machine::probe`], a walk that touches neither the TLB nor the
//! accessed and dirty bits, so looking never changes the machine.

use super::Shared;
use crate::format::{entry_hex, hex, hex32, parse_vaddr, SlotRef};
use crate::state::{Edit, Explore};
use highmem_engine::addr::{PhysAddr, VirtAddr};
use highmem_engine::layout::PAGE_OFFSET;
use highmem_engine::machine::{Machine, Op};
use highmem_engine::mmu::walk::{FaultKind, PageFault, Translation, WalkStep};
use highmem_engine::paging::{pd_slot_base, Entry, EntryFlags, Level, PagingMode, Split};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`AddressExplorer`].
#[derive(Properties, PartialEq)]
pub struct AddressExplorerProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The address, the CPU and the box's text.
    pub explore: Explore,
    /// Text was typed into the box.
    pub on_text: Callback<Edit>,
    /// An address was picked from the list.
    pub on_pick: Callback<u32>,
    /// A CPU was chosen.
    pub on_cpu: Callback<usize>,
    /// "Read it" was pressed: run this op.
    pub on_op: Callback<Op>,
}

/// An address worth looking at, with why.
pub struct Pick {
    /// What it is.
    pub name: String,
    /// The address.
    pub va: u32,
    /// What the walk will show.
    pub why: &'static str,
}

/// The addresses the explorer offers for this machine.
pub fn picks(m: &Machine) -> Vec<Pick> {
    let l = m.layout();
    let mut out = vec![
        Pick {
            name: "PAGE_OFFSET".into(),
            va: PAGE_OFFSET as u32,
            why: "the first byte of the direct map: physical address 0",
        },
        Pick {
            name: "high_memory − 4".into(),
            va: (l.high_memory() - 4) as u32,
            why: "the last word of the direct map",
        },
        Pick {
            name: "VMALLOC_START".into(),
            va: l.vmalloc_start() as u32,
            why: "kernel space that nothing maps until vmalloc() does",
        },
    ];
    if let Some(base) = l.pkmap_base() {
        out.push(Pick {
            name: "PKMAP_BASE".into(),
            va: base as u32,
            why: "the first persistent-kmap slot: a page table waits, empty",
        });
    }
    if let Some(e) = l.fixmap.entries.iter().find(|e| e.name == "APIC_BASE") {
        out.push(Pick {
            name: "FIX_APIC_BASE".into(),
            va: (l.fixaddr_top() - u64::from(e.first) * 4096) as u32,
            why: "a fixmap slot, fixed at compile time; the model maps no APIC there",
        });
    }
    out.push(Pick {
        name: "a user address".into(),
        va: 0x0804_8000,
        why: "where a 32-bit program's code starts; no process maps it here",
    });
    out
}

fn level_id(level: Level) -> &'static str {
    match level {
        Level::Pdpte => "pdpte",
        Level::Pde => "pde",
        Level::Pte => "pte",
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Pdpte => "Page-directory-pointer table",
        Level::Pde => "Page directory",
        Level::Pte => "Page table",
    }
}

/// The flags every entry has a bit for, in bit order, with what each means.
fn flag_list(mode: PagingMode, level: Level) -> Vec<(&'static str, EntryFlags, &'static str)> {
    let mut v = vec![
        ("P", EntryFlags::PRESENT, "present"),
        ("RW", EntryFlags::WRITABLE, "writes allowed"),
        ("US", EntryFlags::USER, "user mode allowed"),
        ("PWT", EntryFlags::WRITE_THROUGH, "write-through caching"),
        ("PCD", EntryFlags::NO_CACHE, "caching disabled"),
        ("A", EntryFlags::ACCESSED, "accessed"),
        ("D", EntryFlags::DIRTY, "dirty: written to"),
        (
            if level == Level::Pte { "PAT" } else { "PS" },
            EntryFlags::HUGE_OR_PAT,
            if level == Level::Pte {
                "page-attribute table index"
            } else {
                "page size: maps a large page"
            },
        ),
        ("G", EntryFlags::GLOBAL, "global: survives a CR3 write"),
    ];
    if mode == PagingMode::Pae {
        v.push(("NX", EntryFlags::NO_EXECUTE, "no execute"));
    }
    v
}

/// How an entry reads in a strip: what kind of thing it points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Empty,
    Table,
    Large,
    Page,
}

impl Kind {
    fn of(mode: PagingMode, level: Level, raw: u64) -> Kind {
        let e = Entry::from_raw(mode, raw);
        if !e.is_present() {
            Kind::Empty
        } else if level == Level::Pte {
            Kind::Page
        } else if level == Level::Pde && e.is_large() {
            Kind::Large
        } else {
            Kind::Table
        }
    }

    fn id(self) -> &'static str {
        match self {
            Kind::Empty => "empty",
            Kind::Table => "table",
            Kind::Large => "large",
            Kind::Page => "page",
        }
    }

    fn words(self, mode: PagingMode) -> &'static str {
        match (self, mode) {
            (Kind::Empty, _) => "not present",
            (Kind::Table, _) => "points at a table",
            (Kind::Large, PagingMode::Pae) => "maps a 2 MiB page",
            (Kind::Large, PagingMode::NonPae) => "maps a 4 MiB page",
            (Kind::Page, _) => "maps a 4 KiB page",
        }
    }
}

/// What an entry points at, in words.
fn meaning(mode: PagingMode, level: Level, raw: u64) -> String {
    let e = Entry::from_raw(mode, raw);
    match Kind::of(mode, level, raw) {
        Kind::Empty if raw == 0 => "empty".into(),
        Kind::Empty => "not present".into(),
        Kind::Table if level == Level::Pdpte => {
            format!("page directory at {}", hex(e.addr().as_u64()))
        }
        Kind::Table => format!("page table at {}", hex(e.addr().as_u64())),
        Kind::Large => format!(
            "{} MiB page at {}",
            mode.large_page_size() >> 20,
            hex(e.large_page_addr().as_u64())
        ),
        Kind::Page => format!("frame {}", hex(e.addr().as_u64())),
    }
}

/// The first virtual address entry `i` of this step's table covers.
fn covers(mode: PagingMode, split: &Split, level: Level, i: u64) -> u64 {
    let pdpt = split.pdpt.map(|p| p.get()).unwrap_or(0);
    match level {
        Level::Pdpte => i << 30,
        Level::Pde => pd_slot_base(mode, pdpt, i),
        Level::Pte => pd_slot_base(mode, pdpt, split.pd.get()) | (i << 12),
    }
}

/// The bit ruler: each field of the address with its bits and its value.
fn ruler(mode: PagingMode, va: u32) -> Html {
    let split = Split::of(mode, VirtAddr::new(va));
    let fields: Vec<(&str, &str, u32, u32, u64)> = match split.pdpt {
        Some(p) => vec![
            ("pdpt", "PDPT index", 31, 30, p.get()),
            ("pd", "directory index", 29, 21, split.pd.get()),
            ("pt", "table index", 20, 12, split.pt.get()),
            ("offset", "offset", 11, 0, u64::from(split.offset)),
        ],
        None => vec![
            ("pd", "directory index", 31, 22, split.pd.get()),
            ("pt", "table index", 21, 12, split.pt.get()),
            ("offset", "offset", 11, 0, u64::from(split.offset)),
        ],
    };
    html! {
        <div class="ruler" role="group" aria-label={format!("The bits of {}: {}", hex32(va.into()), split.describe())}>
            { for fields.into_iter().map(|(id, name, hi, lo, value)| {
                let bits: String = (lo..=hi).rev().map(|b| if va >> b & 1 == 1 { '1' } else { '0' }).collect();
                let width = hi - lo + 1;
                let value_text = if id == "offset" { format!("{value:#05x}") } else { format!("{value}") };
                html! {
                    <div class={classes!("ruler-field", format!("field-{id}"))} data-field={id} data-value={value.to_string()}>
                        <span class="ruler-name">{ name }</span>
                        <span class="ruler-bits" aria-hidden="true">
                            { for bits.chars().map(|c| html! { <span class={classes!("bit", (c == '1').then_some("one"))}>{ c }</span> }) }
                        </span>
                        <span class="ruler-range">{ format!("bits {hi}–{lo} · {width} bits") }</span>
                        <span class="ruler-value">{ value_text }</span>
                    </div>
                }
            }) }
        </div>
    }
}

/// A table as a strip: runs of entries of the same kind, with the used entry marked.
fn strip(mode: PagingMode, level: Level, entries: &[u64], used: u64) -> Html {
    let n = entries.len().max(1);
    let mut runs: Vec<(usize, usize, Kind)> = Vec::new();
    for (i, &raw) in entries.iter().enumerate() {
        let k = Kind::of(mode, level, raw);
        match runs.last_mut() {
            Some((_, end, kind)) if *kind == k => *end = i + 1,
            _ => runs.push((i, i + 1, k)),
        }
    }
    let described: Vec<String> = runs
        .iter()
        .take(8)
        .map(|(s, e, k)| {
            if e - s == 1 {
                format!("{s} {}", k.words(mode))
            } else {
                format!("{s}–{} {}", e - 1, k.words(mode))
            }
        })
        .collect();
    let more = if runs.len() > 8 { ", …" } else { "" };
    let label = format!(
        "{n} entries: {}{more}. Entry {used} is the one used.",
        described.join(", ")
    );
    let pct = |i: usize| format!("{:.4}%", i as f64 * 100.0 / n as f64);
    html! {
        <div class="strip" role="img" aria-label={label}>
            { for runs.iter().map(|(s, e, k)| html! {
                <span class={classes!("run", format!("run-{}", k.id()))}
                      style={format!("left:{};width:{}", pct(*s), pct(e - s))}></span>
            }) }
            <span class="strip-mark" style={format!("left:{:.4}%", (used as f64 + 0.5) * 100.0 / n as f64)}></span>
        </div>
    }
}

/// The entries around the used one, readable.
fn neighbours(mode: PagingMode, split: &Split, level: Level, entries: &[u64], used: u64) -> Html {
    let n = entries.len() as u64;
    let from = used.saturating_sub(2).min(n.saturating_sub(5));
    let to = (from + 5).min(n);
    html! {
        <div class="table-wrap" tabindex="0" role="region"
             aria-label={format!("{} entries {from} to {}", level_name(level), to - 1)}>
            <table class="neighbours">
                <caption class="visually-hidden">{ format!("{} entries {from} to {}", level_name(level), to - 1) }</caption>
                <thead>
                    <tr>
                        <th scope="col">{ "entry" }</th>
                        <th scope="col">{ "covers" }</th>
                        <th scope="col">{ "raw" }</th>
                        <th scope="col">{ "meaning" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for (from..to).map(|i| {
                        let raw = entries[i as usize];
                        let is_used = i == used;
                        html! {
                            <tr class={classes!(is_used.then_some("used"))} data-index={i.to_string()}>
                                <th scope="row" class="num">
                                    if is_used { <span class="used-mark">{ "▶ " }</span> }
                                    { i }
                                </th>
                                <td><code>{ hex32(covers(mode, split, level, i)) }</code></td>
                                <td><code>{ entry_hex(mode, raw) }</code></td>
                                <td>
                                    { meaning(mode, level, raw) }
                                    if is_used { <span class="visually-hidden">{ " (used)" }</span> }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// The flag bits of an entry: each name with 1 or 0.
fn flags(mode: PagingMode, level: Level, raw: u64) -> Html {
    let f = EntryFlags::from_bits_truncate(raw);
    html! {
        <ul class="flags" aria-label="Flags">
            { for flag_list(mode, level).into_iter().map(|(name, bit, what)| {
                let set = f.contains(bit);
                html! {
                    <li class={classes!("flag", if set { "on" } else { "off" })} data-flag={name}
                        data-set={set.to_string()} title={what}>
                        <span class="flag-name">{ name }</span>
                        <span class="flag-bit">{ if set { "1" } else { "0" } }</span>
                        <span class="visually-hidden">{ format!(" ({what}): {}", if set { "set" } else { "clear" }) }</span>
                    </li>
                }
            }) }
        </ul>
    }
}

fn step_view(m: &Machine, cpu: usize, split: &Split, s: &WalkStep) -> Html {
    let mode = m.kernel_tables().mode;
    let c = &m.cpus()[cpu];
    let (entries, table, note_extra) = match (s.level, s.entry_addr) {
        (Level::Pdpte, _) => {
            let regs: Vec<u64> = c.pdptes.to_vec();
            let mem = m.read_table(c.cr3, true);
            let i = s.index as usize;
            let extra = (mem.get(i) != regs.get(i)).then(|| {
                format!(
                    "Memory at CR3 now holds {} for this entry; the CPU will see it at the next CR3 write.",
                    entry_hex(mode, mem[i])
                )
            });
            (regs, None, extra)
        }
        (_, Some(at)) => {
            let base = PhysAddr::new(at.as_u64() - s.index * mode.entry_size());
            (m.read_table(base, false), Some(base), None)
        }
        (_, None) => (Vec::new(), None, None),
    };
    let where_ = match (s.level, s.entry_addr, table) {
        (Level::Pdpte, _, _) => format!(
            "PDPTE register {} of CPU {cpu}, loaded from the PDPT at CR3 = {} when CR3 was last written",
            s.index,
            hex(c.cr3.as_u64())
        ),
        (_, Some(at), Some(base)) => format!(
            "entry {} of the table at {}: read at physical {}",
            s.index,
            hex(base.as_u64()),
            hex(at.as_u64())
        ),
        _ => String::new(),
    };
    let title = match s.level {
        Level::Pdpte => format!("PDPTE {}", s.index),
        Level::Pde => format!("PDE {}", s.index),
        Level::Pte => format!("PTE {}", s.index),
    };
    html! {
        <section class="walk-step" data-level={level_id(s.level)} data-index={s.index.to_string()}
                 data-raw={format!("{:#x}", s.raw)}
                 data-entry-addr={s.entry_addr.map(|a| format!("{:#x}", a.as_u64())).unwrap_or_else(|| "register".into())}>
            <h3 class="walk-title">
                <span class="walk-level">{ level_name(s.level) }</span>
                <span class="walk-entry">{ title }</span>
            </h3>
            <p class="walk-where">{ where_ }</p>
            if !entries.is_empty() {
                { strip(mode, s.level, &entries, s.index) }
                { neighbours(mode, split, s.level, &entries, s.index) }
            }
            <p class="walk-raw">
                <span class="walk-raw-label">{ "raw " }</span>
                <code>{ entry_hex(mode, s.raw) }</code>
            </p>
            { flags(mode, s.level, s.raw) }
            <p class="walk-note">{ s.note.clone() }</p>
            if let Some(x) = note_extra { <p class="walk-note walk-warn">{ x }</p> }
        </section>
    }
}

/// The error code's bits, in words (SDM vol. 3A §4.7).
fn error_bits(code: u32) -> Vec<(&'static str, bool, &'static str)> {
    let b = |n: u32| code >> n & 1 == 1;
    vec![
        (
            "P",
            b(0),
            if b(0) {
                "a protection violation"
            } else {
                "a not-present entry"
            },
        ),
        ("W/R", b(1), if b(1) { "a write" } else { "a read" }),
        (
            "U/S",
            b(2),
            if b(2) {
                "from user mode"
            } else {
                "from kernel mode"
            },
        ),
        (
            "RSVD",
            b(3),
            if b(3) {
                "a reserved bit was set"
            } else {
                "no reserved bit set"
            },
        ),
        (
            "I/D",
            b(4),
            if b(4) {
                "an instruction fetch"
            } else {
                "not an instruction fetch"
            },
        ),
    ]
}

fn fault_kind(kind: FaultKind) -> (&'static str, &'static str) {
    match kind {
        FaultKind::NotPresent => ("not_present", "not present"),
        FaultKind::Protection => ("protection", "protection"),
        FaultKind::ReservedBit => ("reserved_bit", "reserved bit"),
    }
}

fn result_view(m: &Machine, result: &Result<Translation, PageFault>) -> Html {
    match result {
        Ok(t) => {
            let data = m.read_phys_u32(t.phys);
            let size = match t.page_size {
                s if s >= 1 << 20 => format!("{} MiB page", s >> 20),
                _ => "4 KiB page".into(),
            };
            let r = t.rights;
            let rights = [
                (r.writable, "writable", "read-only"),
                (r.user, "user-accessible", "kernel only"),
                (r.global, "global", "not global"),
                (r.nx, "no execute", "executable"),
            ]
            .into_iter()
            .map(|(on, a, b)| if on { a } else { b })
            .collect::<Vec<_>>()
            .join(", ");
            html! {
                <div id="explore-result" class="walk-result ok" data-phys={format!("{:#x}", t.phys.as_u64())}
                     data-data={format!("{data:#010x}")}>
                    <p class="walk-result-head">
                        <span class="badge badge-ok">{ "✓ translated" }</span>
                        { " physical " }<code class="big">{ hex(t.phys.as_u64()) }</code>
                    </p>
                    <p>{ format!("In the {size} at {}; {rights}.", hex(t.frame.as_u64())) }</p>
                    <p>{ "The 32-bit word there: " }<code class="big">{ format!("{data:#010x}") }</code></p>
                </div>
            }
        }
        Err(f) => {
            let (id, kind) = fault_kind(f.kind);
            html! {
                <div id="explore-result" class="walk-result fault" data-fault={id}
                     data-error-code={format!("{:#x}", f.error_code)} data-fault-level={level_id(f.level)}>
                    <p class="walk-result-head">
                        <span class="badge badge-oops">{ "✖ page fault" }</span>
                        { format!(" {kind}, at the {}", level_name(f.level).to_lowercase()) }
                    </p>
                    <p>{ f.reason.clone() }{ ". A read from the kernel would oops here." }</p>
                    <p class="error-code-head">{ format!("Error code {:#x}:", f.error_code) }</p>
                    <ul class="error-code">
                        { for error_bits(f.error_code).into_iter().enumerate().map(|(i, (name, set, what))| html! {
                            <li>
                                <code>{ format!("bit {i} {name} = {}", u8::from(set)) }</code>
                                { format!(": {what}") }
                            </li>
                        }) }
                    </ul>
                </div>
            }
        }
    }
}

/// What the chosen CPU's TLB holds for the address, if anything.
fn tlb_line(m: &Machine, cpu: usize, va: u32) -> Html {
    let c = &m.cpus()[cpu];
    let Some((slot, e)) = c
        .tlb
        .entries()
        .into_iter()
        .find(|(_, e)| e.covers(u64::from(va)))
    else {
        return html! {
            <p class="walk-tlb">{ format!("CPU {cpu}'s TLB holds nothing for this page: a read would walk the tables.") }</p>
        };
    };
    let name = SlotRef {
        cpu,
        array: slot.array,
        set: slot.set,
        way: slot.way,
    };
    let now = m.probe(cpu, VirtAddr::new(va)).map(|w| w.result);
    let stale = match now {
        Some(Ok(t)) => t.frame.as_u64() != e.frame || t.rights.writable != e.rights.writable,
        _ => true,
    };
    html! {
        <p class={classes!("walk-tlb", stale.then_some("walk-warn"))}>
            { format!("CPU {cpu}'s TLB caches this page in {name} → frame {}", hex(e.frame)) }
            if stale {
                <strong>{ ": STALE, the tables no longer say this. A read returns the old frame." }</strong>
            } else {
                { ", as the tables say: a read would hit." }
            }
        </p>
    }
}

/// The explorer.
#[component]
pub fn AddressExplorer(props: &AddressExplorerProps) -> Html {
    let m: &Machine = &props.machine;
    let x = &props.explore;
    let cpu = x.cpu.min(m.cpus().len().saturating_sub(1));
    let mode = m.kernel_tables().mode;
    let walk = m.probe(cpu, VirtAddr::new(x.va));
    let all_picks = picks(m);

    let value = |e: &web_sys::Event| {
        e.target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(t).ok())
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let on_input = {
        let cb = props.on_text.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(Edit {
                text: value(&e),
                commit: false,
            })
        })
    };
    let on_change = {
        let cb = props.on_text.clone();
        Callback::from(move |e: Event| {
            cb.emit(Edit {
                text: value(&e),
                commit: true,
            })
        })
    };
    let on_key = {
        let cb = props.on_text.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                cb.emit(Edit {
                    text: value(&e),
                    commit: true,
                })
            }
        })
    };
    let on_cpu = {
        let cb = props.on_cpu.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = s.value().parse() {
                cb.emit(n);
            }
        })
    };
    let on_read = {
        let cb = props.on_op.clone();
        let va = x.va;
        Callback::from(move |_: MouseEvent| cb.emit(Op::Read { cpu, vaddr: va }))
    };
    let typed_ok = parse_vaddr(&x.text).is_ok();
    let region = m
        .layout()
        .region_at(u64::from(x.va))
        .map(|r| r.label.clone());

    html! {
        <div id="explorer" class="explorer" data-va={format!("{:#010x}", x.va)} data-cpu={cpu.to_string()}>
            <form class="explore-form" novalidate=true onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <div class="control">
                    <label for="explore-addr">{ "Virtual address" }</label>
                    <input type="text" id="explore-addr" class="addr-box" value={x.text.clone()}
                           autocomplete="off" spellcheck="false"
                           aria-invalid={x.error.is_some().then_some("true")}
                           aria-describedby={if x.error.is_some() { "explore-error" } else { "explore-hint" }}
                           oninput={on_input} onchange={on_change} onkeydown={on_key} />
                </div>
                <div class="control">
                    <label for="explore-cpu">{ "walked by" }</label>
                    <select id="explore-cpu" onchange={on_cpu}>
                        { for (0..m.cpus().len()).map(|c| html! {
                            <option value={c.to_string()} selected={c == cpu}>{ format!("CPU {c}") }</option>
                        }) }
                    </select>
                </div>
                <button type="button" class="button" id="explore-read" onclick={on_read}
                        title="Runs the read on the machine: through the TLB, setting accessed bits">
                    { format!("Read it on CPU {cpu}") }
                </button>
            </form>
            if let Some(err) = &x.error {
                <p id="explore-error" class="field-error">{ err.clone() }</p>
            } else {
                <p id="explore-hint" class="hint">
                    { "Type an address and press Enter, or pick one. Looking walks the tables without touching the TLB or the accessed bits." }
                    if !typed_ok && !x.text.trim().is_empty() { { " (Still showing the last valid address.)" } }
                </p>
            }
            <ul class="picks" aria-label="Interesting addresses">
                { for all_picks.iter().map(|p| {
                    let cb = props.on_pick.clone();
                    let va = p.va;
                    let current = va == x.va;
                    html! {
                        <li>
                            <button type="button" class={classes!("pick", current.then_some("is-current"))}
                                    data-addr={format!("{va:#010x}")} title={p.why}
                                    aria-pressed={current.to_string()}
                                    onclick={Callback::from(move |_: MouseEvent| cb.emit(va))}>
                                <span class="pick-name">{ p.name.clone() }</span>
                                <code class="pick-addr">{ format!("{va:#010x}") }</code>
                            </button>
                        </li>
                    }
                }) }
            </ul>
            <p class="explore-where">
                <code class="big">{ format!("{:#010x}", x.va) }</code>
                { format!(" · {}", region.unwrap_or_else(|| "no region".into())) }
                { format!(" · {} paging", if mode == PagingMode::Pae { "PAE" } else { "32-bit (non-PAE)" }) }
            </p>
            { ruler(mode, x.va) }
            if let Some(w) = &walk {
                <ol class="walk" aria-label="The walk, level by level">
                    { for w.steps.iter().map(|s| html! { <li>{ step_view(m, cpu, &w.split, s) }</li> }) }
                </ol>
                { result_view(m, &w.result) }
                { tlb_line(m, cpu, x.va) }
            }
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{Gfp, MachineConfig, Prot};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn machine(profile: ProfileId, pae: bool) -> Machine {
        Machine::new(MachineConfig {
            pae,
            cpus: 2,
            ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
        })
        .unwrap()
    }

    async fn show(m: &Rc<Machine>, va: u32, cpu: usize) -> web_sys::Element {
        render::<AddressExplorer>(AddressExplorerProps {
            machine: Shared(m.clone()),
            explore: Explore {
                va,
                cpu,
                text: format!("{va:#010x}"),
                error: None,
            },
            on_text: Callback::noop(),
            on_pick: Callback::noop(),
            on_cpu: Callback::noop(),
            on_op: Callback::noop(),
        })
        .await
    }

    /// The DOM says exactly what `probe` says: every step's level, index, entry address, raw
    /// value and flags, and the result.
    async fn assert_matches_probe(m: &Rc<Machine>, va: u32, cpu: usize) {
        let root = show(m, va, cpu).await;
        let w = m.probe(cpu, VirtAddr::new(va)).unwrap();
        let steps = all(&root, ".walk-step");
        assert_eq!(steps.len(), w.steps.len(), "{va:#x}: number of levels");
        for (el, s) in steps.iter().zip(&w.steps) {
            assert_eq!(attr(el, "data-level"), level_id(s.level));
            assert_eq!(attr(el, "data-index"), s.index.to_string());
            assert_eq!(attr(el, "data-raw"), format!("{:#x}", s.raw));
            let at = s
                .entry_addr
                .map(|a| format!("{:#x}", a.as_u64()))
                .unwrap_or_else(|| "register".into());
            assert_eq!(attr(el, "data-entry-addr"), at);
            let set: Vec<String> = all(el, "[data-flag][data-set=\"true\"]")
                .iter()
                .map(|f| attr(f, "data-flag"))
                .collect();
            assert_eq!(set, s.flags, "{va:#x}: flags of {:?}", s.level);
            let used = all(el, "tr.used");
            assert_eq!(used.len(), 1);
            assert_eq!(attr(&used[0], "data-index"), s.index.to_string());
        }
        let result = root.query_selector("#explore-result").unwrap().unwrap();
        match &w.result {
            Ok(t) => {
                assert_eq!(
                    attr(&result, "data-phys"),
                    format!("{:#x}", t.phys.as_u64())
                );
                assert_eq!(
                    attr(&result, "data-data"),
                    format!("{:#010x}", m.read_phys_u32(t.phys))
                );
            }
            Err(f) => {
                assert_eq!(attr(&result, "data-fault"), fault_kind(f.kind).0);
                assert_eq!(
                    attr(&result, "data-error-code"),
                    format!("{:#x}", f.error_code)
                );
            }
        }
        // The ruler's fields are the split's.
        let field = |name: &str| {
            all(&root, &format!("[data-field=\"{name}\"]"))
                .first()
                .map(|e| attr(e, "data-value"))
        };
        assert_eq!(field("pd"), Some(w.split.pd.get().to_string()));
        assert_eq!(field("pt"), Some(w.split.pt.get().to_string()));
        assert_eq!(field("pdpt"), w.split.pdpt.map(|p| p.get().to_string()));
    }

    #[test]
    async fn the_explorer_shows_what_probe_finds_in_every_era() {
        for (profile, pae) in [
            (ProfileId::V6_1, true),
            (ProfileId::V2_6_32, true),
            (ProfileId::V2_6_24, false),
            (ProfileId::V2_4_22, false),
            (ProfileId::V2_6_11, true),
        ] {
            let m = Rc::new(machine(profile, pae));
            for p in picks(&m) {
                assert_matches_probe(&m, p.va, 0).await;
            }
            assert_matches_probe(&m, 0xc000_1000, 1).await;
        }
    }

    #[test]
    async fn direct_map_addresses_translate_by_subtracting_page_offset() {
        let m = Rc::new(machine(ProfileId::V6_1, true));
        let root = show(&m, 0xc000_1000, 0).await;
        let r = root.query_selector("#explore-result").unwrap().unwrap();
        assert_eq!(attr(&r, "data-phys"), "0x1000");
        // PAE: four levels of the ruler, three steps.
        assert_eq!(all(&root, ".ruler-field").len(), 4);
        assert_eq!(all(&root, ".walk-step").len(), 3);
        let m = Rc::new(machine(ProfileId::V2_6_24, false));
        let root = show(&m, 0xc040_0000, 0).await;
        assert_eq!(all(&root, ".ruler-field").len(), 3);
        // A 4 MiB page: the walk stops at the directory.
        assert_eq!(all(&root, ".walk-step").len(), 1);
        let r = root.query_selector("#explore-result").unwrap().unwrap();
        assert_eq!(attr(&r, "data-phys"), "0x400000");
    }

    #[test]
    async fn a_new_mapping_and_a_stale_tlb_entry_show() {
        let mut m = machine(ProfileId::V6_1, true);
        let va = m.layout().vmalloc_start() as u32;
        let a = m.apply(&Op::AllocPages {
            gfp: Gfp::parse("GFP_HIGHUSER").unwrap(),
            order: 0,
            name: None,
        });
        let pfn = a.value.unwrap();
        m.apply(&Op::SetPte {
            vaddr: va,
            pfn,
            prot: Prot::Kernel,
        });
        m.apply(&Op::Write {
            cpu: 0,
            vaddr: va,
            value: 0x1234_5678,
        });
        m.apply(&Op::SetPte {
            vaddr: va,
            pfn: pfn + 1,
            prot: Prot::Kernel,
        });
        let m = Rc::new(m);
        assert_matches_probe(&m, va, 0).await;
        let root = show(&m, va, 0).await;
        let r = root.query_selector("#explore-result").unwrap().unwrap();
        assert_eq!(attr(&r, "data-phys"), format!("{:#x}", (pfn + 1) << 12));
        let tlb = root.query_selector(".walk-tlb").unwrap().unwrap();
        assert!(tlb.text_content().unwrap().contains("STALE"));
        // CPU 1 cached nothing.
        let root = show(&m, va, 1).await;
        let tlb = root.query_selector(".walk-tlb").unwrap().unwrap();
        assert!(tlb.text_content().unwrap().contains("holds nothing"));
    }
}
