//! The data TLB of every CPU: each array's sets and ways, the translations cached in them,
//! the counters, and which slots the last op used.
//!
//! The slots an op touched come from its [`Outcome`] alone: the trace's "TLB hit?" decision
//! names the slot that answered (`cpu0.tlb0[3][1]`), and a change to a cell of that name is an
//! insertion. An entry is marked stale when [`Machine::probe`] of its page no longer reaches
//! the frame it caches, the same test the engine applies to a hit.

use super::Shared;
use crate::content::tlb_geometry;
use crate::format::{hex, hex32, SlotRef};
use crate::lab::Run;
use highmem_engine::addr::VirtAddr;
use highmem_engine::machine::{Machine, Outcome};
use highmem_engine::mmu::TlbEntry;
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`TlbView`].
#[derive(Properties, PartialEq)]
pub struct TlbViewProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run, whose last op's slots are highlighted.
    pub last: Option<Rc<Run>>,
}

/// How the last op used a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Touch {
    /// It answered a lookup.
    Hit,
    /// A translation was put there.
    New,
}

impl Touch {
    fn id(self) -> &'static str {
        match self {
            Touch::Hit => "hit",
            Touch::New => "new",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Touch::Hit => "◆",
            Touch::New => "+",
        }
    }
}

/// The slots an op touched, from its outcome.
pub fn touched(outcome: &Outcome) -> BTreeMap<SlotRef, Touch> {
    let mut out = BTreeMap::new();
    if let Some(slot) = outcome
        .trace
        .answer("TLB hit?")
        .and_then(|a| a.strip_prefix("yes: "))
        .and_then(SlotRef::parse)
    {
        out.insert(slot, Touch::Hit);
    }
    for c in &outcome.changes {
        if let Some(slot) = SlotRef::parse(&c.cell) {
            out.insert(slot, Touch::New);
        }
    }
    out
}

/// Whether a cached translation still matches the CPU's page tables; if not, what they say
/// now (`frame 0x36fff000`, `read-only`, `not mapped`).
pub fn staleness(m: &Machine, cpu: usize, e: &TlbEntry) -> Option<String> {
    match m.probe(cpu, VirtAddr::new(e.va as u32)).map(|w| w.result) {
        Some(Ok(t)) if t.frame.as_u64() == e.frame && t.rights.writable == e.rights.writable => {
            None
        }
        Some(Ok(t)) if t.frame.as_u64() == e.frame => Some(
            if t.rights.writable {
                "writable"
            } else {
                "read-only"
            }
            .into(),
        ),
        Some(Ok(t)) => Some(format!("frame {}", hex(t.frame.as_u64()))),
        _ => Some("not mapped".into()),
    }
}

fn page_size(size: u64) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    }
}

/// The TLBs.
#[component]
pub fn TlbView(props: &TlbViewProps) -> Html {
    let m: &Machine = &props.machine;
    let seq = props.last.as_ref().map(|r| r.seq).unwrap_or(0);
    let touches = props
        .last
        .as_ref()
        .and_then(|r| r.last())
        .filter(|a| !a.refused)
        .map(|a| touched(&a.outcome))
        .unwrap_or_default();
    let spec = m.cpu_spec();
    html! {
        <div id="tlb" class="tlb">
            <p class="card-lede">
                { format!("Each CPU's data TLB as the {} has it. ", spec.name) }
                { "Replacement within a set is least-recently-used: the model's choice, since Intel documents no policy. " }
                <span class="tlb-source">{ format!("Sizes: {}.", spec.source) }</span>
            </p>
            <ul class="key tlb-key">
                <li><span class="cell-demo hit" aria-hidden="true">{ "◆" }</span>{ "hit by the last op" }</li>
                <li><span class="cell-demo new" aria-hidden="true">{ "+" }</span>{ "filled by the last op" }</li>
                <li><span class="cell-demo stale" aria-hidden="true">{ "!" }</span>{ "stale: the tables say otherwise" }</li>
                <li><span class="cell-demo global" aria-hidden="true"></span>{ "global (G)" }</li>
            </ul>
            { for m.cpus().iter().map(|c| {
                let current = c
                    .current
                    .map(|i| m.tasks()[i].name.clone())
                    .unwrap_or_else(|| format!("swapper/{} (idle)", c.id));
                let counters = c.tlb.counters;
                html! {
                    <section class="tlb-cpu" data-cpu={c.id.to_string()} aria-labelledby={format!("tlb-cpu-{}", c.id)}>
                        <h3 class="tlb-cpu-title" id={format!("tlb-cpu-{}", c.id)}>
                            { format!("CPU {}", c.id) }
                            <span class="tlb-cpu-state">
                                { format!("runs {current} · {} context · CR3 {} · PGE {}{}",
                                    c.context_name(), hex(c.cr3.as_u64()),
                                    if c.pge { "on" } else { "off" },
                                    if c.lazy { " · lazy TLB" } else { "" }) }
                            </span>
                        </h3>
                        <dl class="counters" aria-label={format!("CPU {} TLB counters", c.id)}>
                            { for [
                                ("hits", counters.hits, "lookups answered by the TLB"),
                                ("misses", counters.misses, "lookups that walked the tables"),
                                ("invlpg", counters.invlpg, "entries dropped by invlpg"),
                                ("cr3_flushes", counters.cr3_flushes, "CR3 writes (non-global entries dropped)"),
                                ("global_flushes", counters.global_flushes, "CR4.PGE toggles (everything dropped)"),
                            ].into_iter().map(|(id, n, what)| html! {
                                <div class="counter" data-counter={id} title={what}>
                                    <dt>{ id.replace('_', " ") }</dt>
                                    <dd>{ n }</dd>
                                </div>
                            }) }
                        </dl>
                        { for c.tlb.arrays.iter().enumerate().map(|(ai, a)| {
                            let entries: Vec<(usize, usize, TlbEntry)> = a.sets.iter().enumerate()
                                .flat_map(|(si, set)| set.iter().enumerate().filter_map(move |(wi, e)| e.map(|e| (si, wi, e))))
                                .collect();
                            let kind = match (a.spec.small, a.spec.large) {
                                (true, true) => "4 KiB and large pages",
                                (true, false) => "4 KiB pages",
                                _ => "large pages",
                            };
                            let slot = |si: usize, wi: usize| SlotRef { cpu: c.id, array: ai, set: si, way: wi };
                            let stale: BTreeMap<(usize, usize), String> = entries.iter()
                                .filter_map(|(si, wi, e)| staleness(m, c.id, e).map(|s| ((*si, *wi), s)))
                                .collect();
                            let sets = a.spec.sets();
                            let caption = format!(
                                "CPU {} · {kind} · {} ({sets} set{}) · {} of {} in use",
                                c.id, tlb_geometry(&a.spec), if sets == 1 { "" } else { "s" }, entries.len(), a.spec.entries
                            );
                            html! {
                                <div class="tlb-array" data-array={ai.to_string()}>
                                    <h4 class="tlb-array-title">{ caption.clone() }</h4>
                                    <div class="tlb-grid" aria-hidden="true"
                                         style={format!("--ways:{}", a.spec.ways.min(16))}>
                                        { for a.sets.iter().enumerate().map(|(si, set)| html! {
                                            <span class="tlb-set">
                                                { for set.iter().enumerate().map(|(wi, e)| {
                                                    let t = touches.get(&slot(si, wi)).copied();
                                                    let s = stale.contains_key(&(si, wi));
                                                    let key = match t { Some(_) => format!("{si}.{wi}@{seq}"), None => format!("{si}.{wi}") };
                                                    html! {
                                                        <span key={key} class={classes!(
                                                            "way",
                                                            e.is_some().then_some("full"),
                                                            e.is_some_and(|e| e.rights.global).then_some("global"),
                                                            t.map(|t| format!("flash {}", t.id())),
                                                            s.then_some("stale"),
                                                        )}>
                                                            { t.map(|t| t.mark()).or(s.then_some("!")).unwrap_or("") }
                                                        </span>
                                                    }
                                                }) }
                                            </span>
                                        }) }
                                    </div>
                                    if entries.is_empty() {
                                        <p class="tlb-empty">{ "Empty." }</p>
                                    } else {
                                        <div class="table-wrap" tabindex="0" role="region" aria-label={caption.clone()}>
                                            <table class="tlb-table">
                                                <thead>
                                                    <tr>
                                                        <th scope="col"><abbr title="set and way">{ "slot" }</abbr></th>
                                                        <th scope="col">{ "virtual page" }</th>
                                                        <th scope="col">{ "frame" }</th>
                                                        <th scope="col">{ "flags" }</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    { for entries.iter().map(|(si, wi, e)| {
                                                        let name = slot(*si, *wi);
                                                        let t = touches.get(&name).copied();
                                                        let st = stale.get(&(*si, *wi));
                                                        let key = match t { Some(_) => format!("{name}@{seq}"), None => name.to_string() };
                                                        html! {
                                                            <tr key={key} data-slot={name.to_string()}
                                                                data-va={hex32(e.va)} data-frame={hex(e.frame)}
                                                                data-page-size={e.page_size.to_string()}
                                                                data-global={e.rights.global.to_string()}
                                                                data-writable={e.rights.writable.to_string()}
                                                                data-touch={t.map(|t| t.id())}
                                                                data-stale={st.is_some().then_some("true")}
                                                                class={classes!(t.map(|t| format!("flash {}", t.id())), st.is_some().then_some("stale"))}>
                                                                <td class="slot">
                                                                    <span class="num" title={format!("set {si}, way {wi}")}>{ format!("{si} · {wi}") }</span>
                                                                    if let Some(t) = t {
                                                                        <span class={classes!("touch-badge", t.id())}>
                                                                            { format!("{} {}", t.mark(), if t == Touch::Hit { "hit" } else { "new" }) }
                                                                        </span>
                                                                    }
                                                                    if st.is_some() {
                                                                        <span class="stale-badge">{ "! STALE" }</span>
                                                                    }
                                                                </td>
                                                                <td><code>{ hex32(e.va) }</code><span class="page-size">{ page_size(e.page_size) }</span></td>
                                                                <td>
                                                                    <code>{ hex(e.frame) }</code>
                                                                    if let Some(now) = st {
                                                                        <span class="stale-why">{ format!("tables: {now}") }</span>
                                                                    }
                                                                </td>
                                                                <td class="tlb-flags">
                                                                    { if e.rights.global { "G " } else { "" } }
                                                                    { if e.rights.writable { "RW" } else { "RO" } }
                                                                </td>
                                                            </tr>
                                                        }
                                                    }) }
                                                </tbody>
                                            </table>
                                        </div>
                                    }
                                </div>
                            }
                        }) }
                    </section>
                }
            }) }
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, Op};
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn lab(profile: ProfileId, pae: bool) -> Lab {
        Lab::boot(MachineConfig {
            pae,
            cpus: 2,
            ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
        })
    }

    async fn show(l: &Lab) -> web_sys::Element {
        render::<TlbView>(TlbViewProps {
            machine: l.machine.clone().unwrap(),
            last: l.last.clone(),
        })
        .await
    }

    /// Every row of the table is an entry of the machine's TLB, in the same slot, and every
    /// entry has a row.
    async fn assert_rows_are_the_entries(l: &Lab) -> web_sys::Element {
        let root = show(l).await;
        let m = l.machine().unwrap();
        for c in m.cpus() {
            let section = root
                .query_selector(&format!(".tlb-cpu[data-cpu=\"{}\"]", c.id))
                .unwrap()
                .unwrap();
            let rows = all(&section, "tr[data-slot]");
            let entries = c.tlb.entries();
            assert_eq!(rows.len(), entries.len(), "CPU {}", c.id);
            for (row, (s, e)) in rows.iter().zip(&entries) {
                let name = SlotRef {
                    cpu: c.id,
                    array: s.array,
                    set: s.set,
                    way: s.way,
                };
                assert_eq!(attr(row, "data-slot"), name.to_string());
                assert_eq!(attr(row, "data-va"), hex32(e.va));
                assert_eq!(attr(row, "data-frame"), hex(e.frame));
                assert_eq!(attr(row, "data-global"), e.rights.global.to_string());
                assert_eq!(attr(row, "data-writable"), e.rights.writable.to_string());
            }
            let hits = section
                .query_selector("[data-counter=\"hits\"] dd")
                .unwrap()
                .unwrap();
            assert_eq!(
                hits.text_content().unwrap(),
                c.tlb.counters.hits.to_string()
            );
        }
        root
    }

    #[test]
    async fn the_table_lists_the_machines_entries_after_a_few_ops() {
        for (profile, pae) in [(ProfileId::V6_1, true), (ProfileId::V2_6_11, false)] {
            let mut l = lab(profile, pae);
            for va in [0xc000_1000u32, 0xc010_0000, 0xc080_0000, 0xc000_1004] {
                l = l.apply(Op::Read { cpu: 0, vaddr: va });
            }
            l = l.apply(Op::Read {
                cpu: 1,
                vaddr: 0xc000_2000,
            });
            let root = assert_rows_are_the_entries(&l).await;
            // The last read filled a slot of CPU 1: it is marked, with text.
            let marked = all(&root, "tr[data-touch]");
            assert_eq!(marked.len(), 1);
            assert_eq!(attr(&marked[0], "data-touch"), "new");
            assert!(attr(&marked[0], "data-slot").starts_with("cpu1."));
            assert!(marked[0].text_content().unwrap().contains("new"));
            // A read of the same page hits that slot.
            let slot = attr(&marked[0], "data-slot");
            let l = l.apply(Op::Read {
                cpu: 1,
                vaddr: 0xc000_2010,
            });
            let root = assert_rows_are_the_entries(&l).await;
            let marked = all(&root, "tr[data-touch]");
            assert_eq!(marked.len(), 1);
            assert_eq!(attr(&marked[0], "data-touch"), "hit");
            assert_eq!(attr(&marked[0], "data-slot"), slot);
            // A CR3 reload keeps the global kernel entries; a PGE toggle drops them.
            let l = l.apply(Op::ReloadCr3 { cpu: 0 });
            assert_rows_are_the_entries(&l).await;
            let l = l.apply(Op::TogglePge { cpu: 0 });
            let root = assert_rows_are_the_entries(&l).await;
            assert!(all(&root, ".tlb-cpu[data-cpu=\"0\"] tr[data-slot]").is_empty());
        }
    }

    #[test]
    async fn a_stale_entry_is_marked() {
        let l = lab(ProfileId::V6_1, true)
            .start_scenario(crate::scenarios::find("stale-tlb").unwrap(), true);
        let mut l = l;
        for _ in 0..5 {
            l = l.next_step();
        }
        // After step 6 the read hit a stale entry.
        let root = assert_rows_are_the_entries(&l).await;
        let stale = all(&root, "tr[data-stale]");
        assert_eq!(stale.len(), 1);
        assert_eq!(attr(&stale[0], "data-touch"), "hit");
        assert!(stale[0].text_content().unwrap().contains("STALE"));
    }
}
