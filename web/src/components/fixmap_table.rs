//! The fixmap: every index of `enum fixed_addresses` with its name, its address
//! (`__fix_to_virt(i)`: index 0 at `FIXADDR_TOP`, each next one a page lower) and the frame
//! its PTE maps.
//!
//! The enum runs to hundreds of indices, so ranges (`FIX_KMAP_BEGIN` … `FIX_KMAP_END`, the
//! boot-time slots, the I/O APICs) are one row each, followed by their mapped indices only;
//! the kmap range is further split by CPU. Rows the last op wrote are marked.

use super::{changed_indices, Shared};
use crate::format::{hex, hex32};
use crate::lab::Run;
use highmem_engine::machine::{FixmapSlot, Machine};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`FixmapTable`].
#[derive(Properties, PartialEq)]
pub struct FixmapTableProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run: the indices its last op wrote are marked.
    pub last: Option<Rc<Run>>,
}

/// A run of indices shown as one row: an entry of the enum, or an alignment gap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The enum name without `FIX_`, or `None` for a gap.
    pub name: Option<String>,
    /// The first index.
    pub first: u32,
    /// How many.
    pub count: u32,
}

/// The enum's indices `0..end` as entries and the gaps between them, in index order.
pub fn groups(m: &Machine) -> Vec<Group> {
    let f = &m.layout().fixmap;
    let mut out: Vec<Group> = Vec::new();
    let mut i = 0;
    while i < f.end {
        match f.entry_at(i) {
            Some(e) => {
                out.push(Group {
                    name: Some(e.name.clone()),
                    first: e.first,
                    count: e.count,
                });
                i = e.first + e.count;
            }
            None => {
                match out.last_mut() {
                    Some(g) if g.name.is_none() => g.count += 1,
                    _ => out.push(Group {
                        name: None,
                        first: i,
                        count: 1,
                    }),
                }
                i += 1;
            }
        }
    }
    out
}

fn frame_cell(s: &FixmapSlot) -> Html {
    match s.frame {
        Some(f) => html! { <td><code>{ format!("frame {}", hex(f)) }</code></td> },
        None => html! { <td class="muted">{ "—" }</td> },
    }
}

/// The table.
#[component]
pub fn FixmapTable(props: &FixmapTableProps) -> Html {
    let m: &Machine = &props.machine;
    let table = m.fixmap_table();
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let f = &m.layout().fixmap;
    let kmap_begin = f
        .entries
        .iter()
        .find(|e| e.name == "KMAP_BEGIN")
        .map(|e| e.first);
    let mut wrote: Vec<u64> = changed_indices(props.last.as_deref(), "fixmap");
    if let Some(b) = kmap_begin {
        wrote.extend(
            changed_indices(props.last.as_deref(), "kmap_pte")
                .into_iter()
                .map(|n| n + u64::from(b)),
        );
    }
    let per_cpu = f.km_slots_per_cpu.max(1);
    let cpus = m.cpus().len() as u32;
    let one = |s: &FixmapSlot, label: String| {
        let hit = wrote.contains(&u64::from(s.index));
        html! {
            <tr key={if hit { format!("{}@{seq}", s.index) } else { s.index.to_string() }}
                data-index={s.index.to_string()} data-frame={s.frame.map(hex)}
                class={classes!("fix-one", hit.then_some("flash"))}>
                <td class="num">
                    { s.index }
                    if hit { <span class="touch-badge">{ "◆ written" }</span> }
                </td>
                <td><code>{ label }</code></td>
                <td><code>{ hex32(u64::from(s.vaddr)) }</code></td>
                { frame_cell(s) }
            </tr>
        }
    };
    let mapped_in = |a: u32, n: u32| -> Vec<&FixmapSlot> {
        table[a as usize..(a + n) as usize]
            .iter()
            .filter(|s| s.frame.is_some() || wrote.contains(&u64::from(s.index)))
            .collect()
    };
    let rows = groups(m).into_iter().map(|g| {
        let last = g.first + g.count - 1;
        if g.count == 1 {
            let s = &table[g.first as usize];
            return one(s, s.name.clone());
        }
        let mapped = table[g.first as usize..=last as usize]
            .iter()
            .filter(|s| s.frame.is_some())
            .count();
        let name = match &g.name {
            Some(n) => format!("FIX_{n}+0 … +{}", g.count - 1),
            None => "(alignment gap)".to_string(),
        };
        let head = html! {
            <tr class="fix-range" data-range={format!("{}-{last}", g.first)} data-mapped={mapped.to_string()}>
                <td class="num">{ format!("{}–{last}", g.first) }</td>
                <th scope="row"><code>{ name }</code></th>
                <td>
                    <code>{ hex32(u64::from(table[g.first as usize].vaddr)) }</code>{ "\u{a0}– " }
                    <code>{ hex32(u64::from(table[last as usize].vaddr)) }</code>
                </td>
                <td>{ format!("{mapped} of {} mapped", g.count) }</td>
            </tr>
        };
        let body: Html = if g.name.as_deref() == Some("KMAP_BEGIN") {
            let shown = cpus.min(g.count / per_cpu);
            let rest = g.count / per_cpu - shown;
            html! {
                <>
                    { for (0..shown).map(|c| {
                        let a = g.first + c * per_cpu;
                        let inside = mapped_in(a, per_cpu);
                        html! {
                            <>
                                <tr class="fix-cpu" data-cpu={c.to_string()}>
                                    <td class="num">{ format!("{a}–{}", a + per_cpu - 1) }</td>
                                    <td colspan="3">{ format!("CPU {c}'s kmap slots: {} of {per_cpu} mapped", inside.iter().filter(|s| s.frame.is_some()).count()) }</td>
                                </tr>
                                { for inside.iter().map(|s| one(s, s.name.clone())) }
                            </>
                        }
                    }) }
                    if rest > 0 {
                        <tr class="fix-cpu fix-idle">
                            <td class="num">{ format!("{}–{last}", g.first + shown * per_cpu) }</td>
                            <td colspan="3" class="muted">
                                { format!("CPUs {shown}–{}: slots for CPUs NR_CPUS allows but this machine does not simulate", shown + rest - 1) }
                            </td>
                        </tr>
                    }
                </>
            }
        } else {
            mapped_in(g.first, g.count)
                .into_iter()
                .map(|s| one(s, s.name.clone()))
                .collect()
        };
        html! { <>{ head }{ body }</> }
    });
    let top = table.first().map_or(0, |s| s.vaddr);
    let bottom = table.last().map_or(0, |s| s.vaddr);
    html! {
        <div id="fixmap" class="fixmap" data-end={f.end.to_string()}>
            <p class="card-lede">
                { format!("{} indices, from index 0 at {} down to {} at {}. ",
                    f.end, hex32(u64::from(top)), f.end.saturating_sub(1), hex32(u64::from(bottom))) }
                { format!("__end_of_permanent_fixed_addresses is {}; the indices after it are boot-time slots.",
                    f.end_of_permanent) }
            </p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="enum fixed_addresses">
                <table class="fix-table">
                    <thead>
                        <tr>
                            <th scope="col">{ "index" }</th>
                            <th scope="col">{ "name" }</th>
                            <th scope="col">{ "address" }</th>
                            <th scope="col">{ "PTE maps" }</th>
                        </tr>
                    </thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </div>
    }
}

#[cfg(test)]
mod native_tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn groups_cover_every_index_once() {
        for profile in ProfileId::ALL {
            for highmem in [true, false] {
                let Ok(m) = Machine::new(MachineConfig {
                    highmem,
                    pae: highmem,
                    ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
                }) else {
                    continue;
                };
                let g = groups(&m);
                let mut next = 0;
                for x in &g {
                    assert_eq!(x.first, next, "{profile}");
                    next += x.count;
                }
                assert_eq!(next, m.layout().fixmap.end);
                // With HIGHMEM there is a kmap range (2.6.32 keeps one without, too, for
                // its I/O mappings).
                if highmem {
                    assert!(
                        g.iter().any(|x| x.name.as_deref() == Some("KMAP_BEGIN")),
                        "{profile}"
                    );
                }
            }
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, Op, Prot};
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    async fn every_mapped_index_has_its_row() {
        for profile in [ProfileId::V2_6_24, ProfileId::V6_1] {
            let s = crate::scenarios::find("atomic-sleep").unwrap();
            let l = Lab::boot(MachineConfig {
                cpus: 2,
                ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
            })
            .start_scenario(s, true)
            .next_step()
            .next_step()
            .next_step()
            .next_step();
            // A's kmap_atomic holds a slot now; map another index by hand.
            let l = l.apply(Op::SetFixmap {
                cpu: 1,
                idx: "FIX_KMAP_BEGIN+20".into(),
                pfn: 0x1234,
                prot: Prot::Kernel,
            });
            let root = render::<FixmapTable>(FixmapTableProps {
                machine: l.machine.clone().unwrap(),
                last: l.last.clone(),
            })
            .await;
            let m = l.machine().unwrap();
            let table = m.fixmap_table();
            let mapped: Vec<&FixmapSlot> = table.iter().filter(|s| s.frame.is_some()).collect();
            assert!(mapped.len() >= 2, "{profile}");
            for s in &mapped {
                let row = all(&root, &format!("tr[data-index=\"{}\"]", s.index));
                assert_eq!(row.len(), 1, "{profile}: index {}", s.index);
                assert_eq!(attr(&row[0], "data-frame"), hex(s.frame.unwrap()));
            }
            // No row claims a frame the engine does not have.
            for row in all(&root, "tr[data-index]") {
                let i: usize = attr(&row, "data-index").parse().unwrap();
                assert_eq!(row.get_attribute("data-frame"), table[i].frame.map(hex));
            }
            // The set_fixmap row is marked as written.
            let written = all(&root, "tr.flash");
            assert_eq!(written.len(), 1);
            let begin = m
                .layout()
                .fixmap
                .entries
                .iter()
                .find(|e| e.name == "KMAP_BEGIN")
                .unwrap()
                .first;
            assert_eq!(attr(&written[0], "data-index"), (begin + 20).to_string());
        }
    }
}
