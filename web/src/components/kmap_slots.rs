//! The per-CPU `kmap_atomic` slots of the fixmap: for each simulated CPU, each slot's type
//! (or 6.1 stack slot), address, the frame its PTE maps and who holds it. A holder whose map
//! someone else replaced is flagged as clobbered; in 6.1, a holder that is switched out keeps
//! its PTE in its own `kmap_ctrl` and the slot itself may be empty.
//!
//! Runs of empty slots are folded into one row. Rows the last op wrote (its `kmap_pte[-n]`
//! and `fixmap[i]` cells) are marked.

use super::{changed_indices, Shared};
use crate::format::{hex, hex32};
use crate::lab::Run;
use highmem_engine::machine::{KmapSlot, Machine};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`KmapSlots`].
#[derive(Properties, PartialEq)]
pub struct KmapSlotsProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run: the slots its last op wrote are marked.
    pub last: Option<Rc<Run>>,
}

/// A row of the table: one slot in use, or a run of empty ones.
#[derive(Debug, PartialEq)]
pub enum Row<'a> {
    /// A slot that is mapped, held, or written by the last op.
    Slot(&'a KmapSlot),
    /// Empty slots `first..=last` (by slot number) with their names.
    Empty(&'a KmapSlot, &'a KmapSlot),
}

/// Folds a CPU's slots into rows: every slot in use (or `shown`) on its own, runs of the
/// others together.
pub fn rows<'a>(slots: &[&'a KmapSlot], shown: &dyn Fn(&KmapSlot) -> bool) -> Vec<Row<'a>> {
    let mut out = Vec::new();
    let mut run: Option<(&KmapSlot, &KmapSlot)> = None;
    for &s in slots {
        let busy = s.frame.is_some() || !s.holders.is_empty() || shown(s);
        if busy {
            if let Some((a, b)) = run.take() {
                out.push(Row::Empty(a, b));
            }
            out.push(Row::Slot(s));
        } else {
            run = Some(match run {
                Some((a, _)) => (a, s),
                None => (s, s),
            });
        }
    }
    if let Some((a, b)) = run {
        out.push(Row::Empty(a, b));
    }
    out
}

/// The table.
#[component]
pub fn KmapSlots(props: &KmapSlotsProps) -> Html {
    let m: &Machine = &props.machine;
    let all = m.kmap_slots();
    if all.is_empty() {
        return html! {
            <p id="kmap-slots" class="hint">
                { "This kernel is built without HIGHMEM: the fixmap has no kmap slots, and \
                   kmap_atomic() returns every page's direct-map address." }
            </p>
        };
    }
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let wrote_slots = changed_indices(props.last.as_deref(), "kmap_pte");
    let wrote_index = changed_indices(props.last.as_deref(), "fixmap");
    let wrote = |s: &KmapSlot| {
        wrote_slots.contains(&u64::from(s.slot)) || wrote_index.contains(&u64::from(s.index))
    };
    let local = m.profile().atomic.local.is_some();
    let lowmem: Vec<_> = m
        .atomic_maps()
        .iter()
        .filter(|a| a.slot.is_none())
        .collect();
    let per_cpu = m.layout().fixmap.km_slots_per_cpu;
    html! {
        <div id="kmap-slots" class="kmap-slots">
            <p class="card-lede">
                { if local {
                    format!("Each CPU has {per_cpu} slots, used as a stack by whatever task runs there: \
                             slot = stack index + {per_cpu} × CPU.")
                } else {
                    format!("Each CPU has {per_cpu} slots, one per kmap type: slot = type + {per_cpu} × CPU \
                             (KM_TYPE_NR = {per_cpu}).")
                } }
            </p>
            { for m.cpus().iter().map(|c| {
                let mine: Vec<&KmapSlot> = all.iter().filter(|s| s.cpu == c.id).collect();
                let in_use = mine.iter().filter(|s| s.frame.is_some() || !s.holders.is_empty()).count();
                let caption = format!("CPU {}: {} of {} slots mapped or held", c.id, in_use, mine.len());
                html! {
                    <section class="kmap-cpu" data-cpu={c.id.to_string()} aria-labelledby={format!("kmap-cpu-{}", c.id)}>
                        <h3 class="sub-title" id={format!("kmap-cpu-{}", c.id)}>{ caption.clone() }</h3>
                        <div class="table-wrap" tabindex="0" role="region" aria-label={format!("Table: {caption}")}>
                            <table class="slot-table">
                                <thead>
                                    <tr>
                                        <th scope="col">{ "slot" }</th>
                                        <th scope="col">{ if local { "stack slot" } else { "type" } }</th>
                                        <th scope="col">{ "address" }</th>
                                        <th scope="col">{ "PTE maps" }</th>
                                        <th scope="col">{ "held by" }</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    { for rows(&mine, &wrote).into_iter().map(|r| match r {
                                        Row::Empty(a, b) => html! {
                                            <tr class="slot-empty" data-empty={format!("{}-{}", a.slot, b.slot)}>
                                                <td class="num">{ if a.slot == b.slot { a.slot.to_string() } else { format!("{}–{}", a.slot, b.slot) } }</td>
                                                <td colspan="4" class="muted">
                                                    { if a.slot == b.slot { format!("{}: empty", a.name) } else { format!("{} … {}: empty", a.name, b.name) } }
                                                </td>
                                            </tr>
                                        },
                                        Row::Slot(s) => {
                                            let hit = wrote(s);
                                            let clobbered = s.holders.iter().any(|h| h.note.as_deref().is_some_and(|n| n.starts_with("clobbered")));
                                            html! {
                                                <tr key={if hit { format!("{}@{seq}", s.slot) } else { s.slot.to_string() }}
                                                    data-slot={s.slot.to_string()} data-index={s.index.to_string()}
                                                    data-frame={s.frame.map(hex)} data-holders={s.holders.len().to_string()}
                                                    data-clobbered={clobbered.then_some("true")}
                                                    class={classes!(hit.then_some("flash"), clobbered.then_some("stale"))}>
                                                    <td class="num">
                                                        { s.slot }
                                                        if hit { <span class="touch-badge">{ "◆ written" }</span> }
                                                    </td>
                                                    <td><code>{ s.name.clone() }</code></td>
                                                    <td><code>{ hex32(u64::from(s.vaddr)) }</code><span class="page-size">{ format!("fixmap index {}", s.index) }</span></td>
                                                    <td>{ s.frame.map(|f| html! { <code>{ format!("frame {}", hex(f)) }</code> }).unwrap_or_else(|| html! { <span class="muted">{ "nothing" }</span> }) }</td>
                                                    <td>
                                                        if s.holders.is_empty() {
                                                            <span class="muted">{ "nobody" }</span>
                                                        }
                                                        <ul class="holders">
                                                            { for s.holders.iter().map(|h| {
                                                                let bad = h.note.as_deref().is_some_and(|n| n.starts_with("clobbered"));
                                                                html! {
                                                                    <li data-who={h.who.clone()}>
                                                                        { format!("{}: frame {} by {}", h.who, hex(h.pfn), h.via) }
                                                                        if let Some(n) = &h.note {
                                                                            <span class={if bad { "stale-badge" } else { "note-badge" }}>
                                                                                { if bad { format!("! {n}") } else { n.clone() } }
                                                                            </span>
                                                                        }
                                                                    </li>
                                                                }
                                                            }) }
                                                        </ul>
                                                    </td>
                                                </tr>
                                            }
                                        }
                                    }) }
                                </tbody>
                            </table>
                        </div>
                    </section>
                }
            }) }
            if !lowmem.is_empty() {
                <p class="lowmem-maps">
                    { "Held without a slot (low pages get their direct-map address): " }
                    { lowmem.iter().map(|a| format!("{} on CPU {}: frame {} at {} ({})", a.holder, a.cpu, hex(a.pfn), hex32(u64::from(a.vaddr)), a.km_type)).collect::<Vec<_>>().join("; ") }
                </p>
            }
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

    async fn show(l: &Lab) -> web_sys::Element {
        render::<KmapSlots>(KmapSlotsProps {
            machine: l.machine.clone().unwrap(),
            last: l.last.clone(),
        })
        .await
    }

    /// Every slot the engine reports in use has its row with its frame and holders; every
    /// other slot is inside an empty run; nothing is listed twice.
    async fn assert_rows_are_the_slots(l: &Lab) -> web_sys::Element {
        let root = show(l).await;
        let slots = l.machine().unwrap().kmap_slots();
        let mut covered = vec![0; slots.len()];
        for row in all(&root, "tr[data-slot]") {
            let n: u32 = attr(&row, "data-slot").parse().unwrap();
            let s = slots.iter().find(|s| s.slot == n).unwrap();
            assert_eq!(row.get_attribute("data-frame"), s.frame.map(hex));
            assert_eq!(attr(&row, "data-holders"), s.holders.len().to_string());
            covered[slots.iter().position(|x| x.slot == n).unwrap()] += 1;
        }
        for row in all(&root, "tr[data-empty]") {
            let range = attr(&row, "data-empty");
            let (a, b) = range.split_once('-').unwrap();
            for n in a.parse::<u32>().unwrap()..=b.parse().unwrap() {
                let i = slots.iter().position(|x| x.slot == n).unwrap();
                assert!(slots[i].frame.is_none() && slots[i].holders.is_empty());
                covered[i] += 1;
            }
        }
        assert!(covered.iter().all(|&c| c == 1), "{covered:?}");
        root
    }

    #[test]
    async fn the_clobbered_holder_is_flagged_in_2_6_11() {
        let s = crate::scenarios::find("atomic-irq-clobber").unwrap();
        let mut l = Lab::boot(MachineConfig::new(
            ProfileId::V2_6_11,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .start_scenario(s, true);
        let mut clobbered_seen = false;
        while l.stepping.is_some() {
            l = l.next_step();
            let root = assert_rows_are_the_slots(&l).await;
            clobbered_seen |= !all(&root, "tr[data-clobbered]").is_empty();
        }
        assert!(
            clobbered_seen,
            "the handler's kmap_atomic clobbered A's KM_USER0"
        );
    }

    #[test]
    async fn a_switched_out_holder_keeps_its_slot_in_6_1() {
        let s = crate::scenarios::find("local-context-switch").unwrap();
        let l = Lab::boot(MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap())
        })
        .start_scenario(s, false);
        let root = assert_rows_are_the_slots(&l).await;
        let held = all(&root, ".kmap-cpu[data-cpu=\"0\"] li[data-who=\"B\"]");
        assert_eq!(held.len(), 1);
        assert!(held[0].text_content().unwrap().contains("switched out"));
        // The last op (A's kunmap_local) wrote slot 0: marked.
        assert_eq!(all(&root, "tr.flash").len(), 1);
    }
}
