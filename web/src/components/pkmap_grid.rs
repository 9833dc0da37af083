//! The pkmap window: `pkmap_count[]` as a grid of `LAST_PKMAP` cells, the scan's position
//! `last_pkmap_nr`, and the slots the last op changed.
//!
//! A cell's state is its count: 0 free, 1 unused but possibly still in a TLB, n ≥ 2 mapped
//! with n − 1 users. Each state has its own number, shape and fill (hollow, hatched, solid),
//! so colour never carries it alone. The grid is one tab stop: the arrow keys move a
//! selection, and the panel under it says what the selected slot holds and which TLBs cache
//! it, with buttons to read through it or release it.

use super::{changed_indices, grid_step, Shared};
use crate::components::tlb_view::staleness;
use crate::format::{hex, hex32};
use crate::hooks::use_media_query;
use crate::lab::Run;
use highmem_engine::highmem::{AddressStore, Pkmap};
use highmem_engine::machine::{Machine, Op, PageRef};
use highmem_engine::sched::TaskState;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`PkmapGrid`].
#[derive(Properties, PartialEq)]
pub struct PkmapGridProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run: its last op's changed slots are marked.
    pub last: Option<Rc<Run>>,
    /// Run an op (the selected slot's buttons).
    #[prop_or_default]
    pub on_op: Callback<Op>,
}

/// What a count means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// 0: free, and flushed since its last use.
    Free,
    /// 1: nobody uses it, but it stays mapped (and maybe cached) until the next flush.
    Unused,
    /// n ≥ 2: n − 1 users.
    Used,
}

impl SlotState {
    /// The state of a count.
    pub fn of(count: u32) -> SlotState {
        match count {
            0 => SlotState::Free,
            1 => SlotState::Unused,
            _ => SlotState::Used,
        }
    }

    /// Its id, for classes and tests.
    pub fn id(self) -> &'static str {
        match self {
            SlotState::Free => "free",
            SlotState::Unused => "unused",
            SlotState::Used => "used",
        }
    }
}

/// A count in words.
pub fn count_words(count: u32) -> String {
    match count {
        0 => "0: free".into(),
        1 => "1: unused, but still mapped until the next wrap flushes it".into(),
        2 => "2: mapped, 1 user".into(),
        n => format!("{n}: mapped, {} users", n - 1),
    }
}

/// A TLB entry that covers a pkmap slot: the CPU, the frame it caches, and what the tables
/// say now if that differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cached {
    /// The CPU.
    pub cpu: usize,
    /// The frame the entry holds.
    pub frame: u64,
    /// What the page tables say now, if the entry is stale.
    pub stale: Option<String>,
}

/// The TLB entries of every CPU that cover the pkmap window, by slot.
pub fn cached_slots(m: &Machine, p: &Pkmap) -> BTreeMap<u32, Vec<Cached>> {
    let mut out: BTreeMap<u32, Vec<Cached>> = BTreeMap::new();
    let end = u64::from(p.addr(0)) + (u64::from(p.slots()) << 12);
    for c in m.cpus() {
        for (_, e) in c.tlb.entries() {
            if e.va < u64::from(p.base) || e.va >= end || e.page_size != 4096 {
                continue;
            }
            out.entry(p.nr(e.va as u32)).or_default().push(Cached {
                cpu: c.id,
                frame: e.frame,
                stale: staleness(m, c.id, &e),
            });
        }
    }
    out
}

/// The grid.
#[component]
pub fn PkmapGrid(props: &PkmapGridProps) -> Html {
    let m: &Machine = &props.machine;
    let wide = use_media_query("(min-width: 560px)");
    let picked = use_state(|| None::<(u64, u32)>);
    let Some(p) = m.pkmap() else {
        return html! {
            <p id="pkmap" class="hint">
                { "This kernel is built without HIGHMEM: there is no pkmap window, and kmap() \
                   returns every page's direct-map address." }
            </p>
        };
    };
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let changed: Vec<u32> = changed_indices(props.last.as_deref(), "pkmap_count")
        .into_iter()
        .chain(changed_indices(props.last.as_deref(), "pkmap_pte"))
        .map(|n| n as u32)
        .filter(|&n| n < p.slots())
        .collect();
    let moved = props
        .last
        .as_ref()
        .and_then(|r| r.last_done())
        .and_then(|a| a.outcome.changes.iter().find(|c| c.cell == "last_pkmap_nr"))
        .map(|c| c.before.clone());
    let cached = cached_slots(m, p);
    let pages = p.slot_pages();
    let slots = p.slots() as usize;
    let cols = if wide { 32 } else { 16 };
    let selected = match *picked {
        Some((s, nr)) if s == seq && (nr as usize) < slots => nr,
        _ => changed
            .iter()
            .copied()
            .find(|&n| p.count[n as usize] > 0)
            .or(changed.first().copied())
            .unwrap_or(p.last_pkmap_nr),
    };
    let (mut free, mut unused, mut used, mut users) = (0, 0, 0, 0u64);
    for &c in &p.count {
        match SlotState::of(c) {
            SlotState::Free => free += 1,
            SlotState::Unused => unused += 1,
            SlotState::Used => {
                used += 1;
                users += u64::from(c - 1);
            }
        }
    }

    let on_key = {
        let picked = picked.clone();
        Callback::from(move |e: KeyboardEvent| {
            if let Some(to) = grid_step(&e.key(), selected as usize, cols, slots) {
                e.prevent_default();
                picked.set(Some((seq, to as u32)));
            }
        })
    };
    let on_click = {
        let picked = picked.clone();
        Callback::from(move |e: MouseEvent| {
            use wasm_bindgen::JsCast;
            let slot = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("[data-slot]").ok().flatten())
                .and_then(|el| el.get_attribute("data-slot"))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(nr) = slot {
                picked.set(Some((seq, nr)));
            }
        })
    };

    let rows = (0..slots).step_by(cols).map(|start| {
        let cells = (start..(start + cols).min(slots)).map(|nr| {
            let count = p.count[nr];
            let state = SlotState::of(count);
            let nr32 = nr as u32;
            let is_changed = changed.contains(&nr32);
            let here = nr32 == p.last_pkmap_nr;
            let cache = cached.get(&nr32);
            let stale = cache.is_some_and(|v| v.iter().any(|c| c.stale.is_some()));
            let key = if is_changed {
                format!("{nr}@{seq}")
            } else {
                nr.to_string()
            };
            html! {
                <div role="gridcell" id={format!("pk-slot-{nr}")} key={key}
                     class={classes!(
                         "pk-cell",
                         format!("pk-{}", state.id()),
                         is_changed.then_some("changed"),
                         here.then_some("pk-last"),
                         cache.is_some().then_some("cached"),
                         stale.then_some("stale"),
                         (nr32 == selected).then_some("selected"),
                     )}
                     data-slot={nr.to_string()} data-count={count.to_string()}
                     aria-selected={(nr32 == selected).to_string()}>
                    { if count > 99 { "99+".to_string() } else { count.to_string() } }
                </div>
            }
        });
        html! {
            <div role="row" class="pk-row" key={start.to_string()}>
                <div role="rowheader" class="pk-row-head">{ start }</div>
                { for cells }
            </div>
        }
    });

    let nr = selected as usize;
    let count = p.count[nr];
    let vaddr = p.addr(selected);
    let frame = pages[nr];
    let runner = m
        .tasks()
        .iter()
        .find(|t| matches!(t.state, TaskState::Running { .. }))
        .map(|t| t.name.clone());
    let read_op = Op::Read { cpu: 0, vaddr };
    let kunmap_op = match (&runner, frame) {
        (Some(t), Some(pfn)) if count >= 2 => Some(Op::Kunmap {
            task: t.clone(),
            page: PageRef::Pfn(pfn),
        }),
        _ => None,
    };
    let on_read = props.on_op.reform(move |_: MouseEvent| read_op.clone());
    let on_kunmap = kunmap_op
        .clone()
        .map(|op| props.on_op.reform(move |_: MouseEvent| op.clone()));
    let store_note = match (p.store, frame) {
        (AddressStore::PageVirtual, Some(_)) => Some("recorded in its page->virtual".to_string()),
        (_, Some(pfn)) => Some(format!(
            "recorded in bucket {} of page_address_htable",
            p.bucket_of(pfn)
        )),
        _ => None,
    };

    html! {
        <div id="pkmap" class="pkmap" data-slots={slots.to_string()} data-last={p.last_pkmap_nr.to_string()}>
            <p class="pk-stats">
                <span data-stat="used">{ format!("{used} in use ({users} user{})", if users == 1 { "" } else { "s" }) }</span>
                { " · " }<span data-stat="unused">{ format!("{unused} unused at count 1") }</span>
                { " · " }<span data-stat="free">{ format!("{free} free") }</span>
                { " · " }
                <span data-stat="last" class="pk-last-stat">
                    { format!("last_pkmap_nr {}", p.last_pkmap_nr) }
                    if let Some(before) = &moved {
                        <span class="moved">{ format!(" (was {before})") }</span>
                    }
                </span>
            </p>
            <ul class="key pk-key">
                <li><span class="pk-cell pk-free demo" aria-hidden="true">{ "0" }</span>{ "free" }</li>
                <li><span class="pk-cell pk-unused demo" aria-hidden="true">{ "1" }</span>{ "unused, may still be in a TLB" }</li>
                <li><span class="pk-cell pk-used demo" aria-hidden="true">{ "n" }</span>{ "n − 1 users" }</li>
                <li><span class="pk-cell pk-free pk-last demo" aria-hidden="true"></span>{ "last_pkmap_nr" }</li>
                <li><span class="pk-cell pk-free changed demo" aria-hidden="true"></span>{ "changed by the last op" }</li>
                <li><span class="pk-cell pk-free cached demo" aria-hidden="true"></span>{ "cached in a TLB" }</li>
            </ul>
            <div class="pk-grid" role="grid" tabindex="0" aria-readonly="true"
                 aria-label={format!("pkmap_count: {slots} slots from {}; arrow keys choose a slot", hex32(u64::from(p.base)))}
                 aria-activedescendant={format!("pk-slot-{selected}")}
                 style={format!("--pk-cols:{cols}")}
                 onkeydown={on_key} onclick={on_click}>
                { for rows }
            </div>
            <div id="pkmap-detail" class="pk-detail" aria-live="polite" data-slot={selected.to_string()}>
                <p class="pk-detail-head">
                    <strong>{ format!("Slot {selected}") }</strong>
                    { " at " }<code>{ hex32(u64::from(vaddr)) }</code>
                    { format!(" · count {}", count_words(count)) }
                </p>
                <p>
                    { match frame {
                        Some(pfn) => format!("Maps frame {}, ", hex(pfn)),
                        None => "Maps nothing. ".to_string(),
                    } }
                    { store_note.map(|s| format!("{s}.")).unwrap_or_default() }
                </p>
                if let Some(cs) = cached.get(&selected) {
                    <ul class="pk-cached">
                        { for cs.iter().map(|c| html! {
                            <li class={classes!(c.stale.is_some().then_some("stale"))}>
                                { format!("CPU {}'s TLB caches it → frame {}", c.cpu, hex(c.frame >> 12)) }
                                if let Some(now) = &c.stale {
                                    <span class="stale-badge">{ format!("! STALE: the tables say {now}") }</span>
                                }
                            </li>
                        }) }
                    </ul>
                }
                <div class="button-row">
                    <button type="button" class="button" id="pk-read" onclick={on_read}>
                        { format!("read {} on CPU 0", hex32(u64::from(vaddr))) }
                    </button>
                    if let (Some(cb), Some(Op::Kunmap { task, .. })) = (on_kunmap, &kunmap_op) {
                        <button type="button" class="button" id="pk-kunmap" onclick={cb}>
                            { format!("kunmap as {task}") }
                        </button>
                    }
                </div>
            </div>
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn lab(profile: ProfileId, pae: bool) -> Lab {
        Lab::boot(MachineConfig {
            pae,
            cpus: 2,
            ..MachineConfig::new(profile, E820Map::qemu_pc(3 << 30).unwrap())
        })
    }

    async fn show(l: &Lab) -> web_sys::Element {
        render::<PkmapGrid>(PkmapGridProps {
            machine: l.machine.clone().unwrap(),
            last: l.last.clone(),
            on_op: Callback::noop(),
        })
        .await
    }

    /// Every cell is the engine's count for its slot, in order, with the state its count
    /// implies; the marker sits at last_pkmap_nr.
    async fn assert_cells_are_the_counts(l: &Lab) -> web_sys::Element {
        let root = show(l).await;
        let p = l.machine().unwrap().pkmap().unwrap();
        let cells = all(&root, ".pk-grid [role=gridcell]");
        assert_eq!(cells.len(), p.count.len());
        for (nr, cell) in cells.iter().enumerate() {
            assert_eq!(attr(cell, "data-slot"), nr.to_string());
            assert_eq!(
                attr(cell, "data-count"),
                p.count[nr].to_string(),
                "slot {nr}"
            );
            let state = SlotState::of(p.count[nr]).id();
            assert!(
                attr(cell, "class").contains(&format!("pk-{state}")),
                "slot {nr}"
            );
        }
        let last = all(&root, ".pk-grid .pk-last");
        assert_eq!(last.len(), 1);
        assert_eq!(attr(&last[0], "data-slot"), p.last_pkmap_nr.to_string());
        root
    }

    #[test]
    async fn the_grid_follows_the_counts_through_the_count_one_scenario() {
        for (profile, pae) in [(ProfileId::V2_6_24, true), (ProfileId::V2_4_22, false)] {
            let s = crate::scenarios::find("pkmap-count-one").unwrap();
            let mut l = lab(profile, pae).start_scenario(s, true);
            let root = assert_cells_are_the_counts(&l).await;
            assert_eq!(
                all(&root, ".pk-grid [role=gridcell]").len(),
                if pae { 512 } else { 1024 }
            );
            while l.stepping.is_some() {
                l = l.next_step();
                let root = assert_cells_are_the_counts(&l).await;
                // The slots the op changed are marked, and the detail shows one of them.
                let changed = changed_indices(l.last.as_deref(), "pkmap_count");
                let marked: Vec<String> = all(&root, ".pk-grid .changed")
                    .iter()
                    .map(|c| attr(c, "data-slot"))
                    .collect();
                for c in &changed {
                    assert!(marked.contains(&c.to_string()), "{changed:?} vs {marked:?}");
                }
            }
            // The end: slot 1 unused (count 1), slot 2 in use by the new page.
            let root = show(&l).await;
            let cell = |nr: u32| {
                all(&root, &format!("#pk-slot-{nr}"))
                    .pop()
                    .map(|c| attr(&c, "data-count"))
            };
            assert_eq!(cell(1).as_deref(), Some("1"));
            assert_eq!(cell(2).as_deref(), Some("2"));
            let detail = all(&root, "#pkmap-detail").pop().unwrap();
            assert_eq!(attr(&detail, "data-slot"), "2");
            assert!(detail.text_content().unwrap().contains("1 user"));
            // CPU 0 still caches slot 1: marked in the grid.
            assert!(attr(&all(&root, "#pk-slot-1").pop().unwrap(), "class").contains("cached"));
        }
    }

    #[test]
    async fn a_stale_pkmap_entry_is_flagged() {
        let s = crate::scenarios::find("pkmap-stale-bug").unwrap();
        let l = Lab::boot(MachineConfig {
            skip_pkmap_flush: true,
            ..MachineConfig::new(ProfileId::V2_6_24, E820Map::qemu_pc(2 << 30).unwrap())
        })
        .start_scenario(s, false);
        let root = assert_cells_are_the_counts(&l).await;
        let cell = all(&root, "#pk-slot-1").pop().unwrap();
        assert!(attr(&cell, "class").contains("stale"));
        // The last op (the read) changed no count: the detail shows last_pkmap_nr, slot 1.
        let detail = all(&root, "#pkmap-detail").pop().unwrap();
        assert_eq!(attr(&detail, "data-slot"), "1");
        assert!(detail.text_content().unwrap().contains("STALE"));
    }

    #[test]
    async fn without_highmem_there_is_no_window() {
        let l = Lab::boot(MachineConfig {
            pae: false,
            highmem: false,
            ..MachineConfig::new(ProfileId::V2_6_32, E820Map::qemu_pc(2 << 30).unwrap())
        });
        let root = show(&l).await;
        assert!(all(&root, "[role=gridcell]").is_empty());
        assert!(root.text_content().unwrap().contains("without HIGHMEM"));
    }
}
