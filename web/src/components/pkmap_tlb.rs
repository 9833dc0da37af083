//! The TLB entries of every CPU that cover the pkmap window: which slot each caches, the
//! frame it holds, and whether the page tables still agree (a stale entry is flagged).

use super::Shared;
use crate::components::pkmap_grid::cached_slots;
use crate::format::{hex, hex32};
use highmem_engine::machine::Machine;
use yew::prelude::*;

/// Props of [`PkmapTlb`].
#[derive(Properties, PartialEq)]
pub struct PkmapTlbProps {
    /// The machine.
    pub machine: Shared<Machine>,
}

/// The table.
#[component]
pub fn PkmapTlb(props: &PkmapTlbProps) -> Html {
    let m: &Machine = &props.machine;
    let Some(p) = m.pkmap() else {
        return html! { <p id="pkmap-tlb" class="hint">{ "No HIGHMEM, so no pkmap window to cache." }</p> };
    };
    let cached = cached_slots(m, p);
    let pages = p.slot_pages();
    let mut rows: Vec<(usize, u32, u64, Option<String>)> = cached
        .iter()
        .flat_map(|(&nr, v)| v.iter().map(move |c| (c.cpu, nr, c.frame, c.stale.clone())))
        .collect();
    rows.sort();
    html! {
        <div id="pkmap-tlb" class="pkmap-tlb" data-entries={rows.len().to_string()}>
            if rows.is_empty() {
                <p class="hint">{ "No CPU caches a pkmap address. Read through a mapped slot to put one in a TLB." }</p>
            } else {
                <div class="table-wrap" tabindex="0" role="region" aria-label="TLB entries for the pkmap window">
                    <table class="tlb-table">
                        <thead>
                            <tr>
                                <th scope="col">{ "CPU" }</th>
                                <th scope="col">{ "slot" }</th>
                                <th scope="col">{ "address" }</th>
                                <th scope="col">{ "TLB says" }</th>
                                <th scope="col">{ "slot now" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            { for rows.iter().map(|(cpu, nr, frame, stale)| html! {
                                <tr data-cpu={cpu.to_string()} data-slot={nr.to_string()}
                                    data-stale={stale.is_some().then_some("true")}
                                    class={classes!(stale.is_some().then_some("stale"))}>
                                    <td class="num">{ cpu }</td>
                                    <td class="num">{ nr }</td>
                                    <td><code>{ hex32(u64::from(p.addr(*nr))) }</code></td>
                                    <td>
                                        <code>{ format!("frame {}", hex(frame >> 12)) }</code>
                                        if let Some(now) = stale {
                                            <span class="stale-badge">{ "! STALE" }</span>
                                            <span class="stale-why">{ format!("tables: {now}") }</span>
                                        }
                                    </td>
                                    <td>
                                        { format!("count {}", p.count[*nr as usize]) }
                                        { pages[*nr as usize].map(|f| format!(", frame {}", hex(f))).unwrap_or_default() }
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
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

    #[test]
    async fn rows_are_the_tlb_entries_in_the_window() {
        let s = crate::scenarios::find("pkmap-wrap-flush").unwrap();
        let mut l = Lab::boot(MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V2_6_32, E820Map::qemu_pc(3 << 30).unwrap())
        })
        .start_scenario(s, true);
        let mut seen = Vec::new();
        while l.stepping.is_some() {
            l = l.next_step();
            let m = l.machine().unwrap();
            let p = m.pkmap().unwrap();
            let root = render::<PkmapTlb>(PkmapTlbProps {
                machine: l.machine.clone().unwrap(),
            })
            .await;
            let rows = all(&root, "tr[data-slot]");
            let want: usize = cached_slots(m, p).values().map(Vec::len).sum();
            assert_eq!(rows.len(), want);
            seen.push(rows.len());
            for r in rows {
                assert_eq!(
                    attr(&r, "data-cpu"),
                    "1",
                    "the scenario reads on the last CPU"
                );
                assert!(r.get_attribute("data-stale").is_none());
            }
        }
        // The read cached slot 1; the wrap's flush removed it.
        assert_eq!(seen, [0, 0, 1, 0, 0], "steps 2 to 6");
    }
}
