//! Where a mapped high page's address is recorded, as the era does it: 2.4's `page->virtual`,
//! or the 128 buckets of `page_address_htable` with their chains (and, in 2.6, the free
//! entries left in `page_address_pool`).
//!
//! The buckets a lookup or an update touched are read from the last op's trace (the
//! `bucket` decisions of `page_address` and `set_page_address`) and its changed cells.

use super::{changed_indices, grid_step, Shared};
use crate::format::{hex, hex32};
use crate::lab::Run;
use highmem_engine::highmem::{AddressStore, Pkmap, PA_HASH_ORDER};
use highmem_engine::machine::Machine;
use highmem_engine::trace::Call;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`AddressStoreView`].
#[derive(Properties, PartialEq)]
pub struct AddressStoreViewProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run: its last op's buckets light up.
    pub last: Option<Rc<Run>>,
}

/// The buckets a trace looked in or changed: every `bucket` decision (`70 (hash_ptr of …)`,
/// `70: appended at the tail`), in order, without repeats.
pub fn touched_buckets(trace: &Call) -> Vec<usize> {
    fn walk(c: &Call, out: &mut Vec<usize>) {
        for d in c.decisions.iter().filter(|d| d.question == "bucket") {
            let digits: String = d
                .answer
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            if let Ok(b) = digits.parse::<usize>() {
                if !out.contains(&b) {
                    out.push(b);
                }
            }
        }
        for ch in &c.children {
            walk(ch, out);
        }
    }
    let mut out = Vec::new();
    walk(trace, &mut out);
    out
}

/// Each bucket's chain as (frame, address), in list order.
pub fn chains(p: &Pkmap) -> Vec<Vec<(u64, u32)>> {
    p.buckets
        .iter()
        .map(|chain| {
            chain
                .iter()
                .filter_map(|&e| p.maps[e])
                .map(|m| (m.pfn, m.vaddr))
                .collect()
        })
        .collect()
}

fn entry_text(pfn: u64, vaddr: u32) -> String {
    format!("{} → {}", hex(pfn), hex32(u64::from(vaddr)))
}

/// The view.
#[component]
pub fn AddressStoreView(props: &AddressStoreViewProps) -> Html {
    let m: &Machine = &props.machine;
    let picked = use_state(|| None::<(u64, usize)>);
    let Some(p) = m.pkmap() else {
        return html! {
            <p id="address-store" class="hint">{ "No HIGHMEM, so no pkmap addresses to record." }</p>
        };
    };
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let done = props.last.as_ref().and_then(|r| r.last_done());

    if p.store == AddressStore::PageVirtual {
        let touched = changed_indices(props.last.as_deref(), "page");
        return html! {
            <div id="address-store" class="address-store" data-store="page-virtual">
                <p class="card-lede">
                    { "2.4 keeps a high page's pkmap address in its own struct page, in the field \
                       virtual: page_address() reads it, and finds NULL for a page that has no slot. \
                       Every page carries the field, mapped or not." }
                </p>
                if p.page_virtual.is_empty() {
                    <p class="hint">{ "No high page has a pkmap address." }</p>
                } else {
                    <div class="table-wrap" tabindex="0" role="region" aria-label="page->virtual of the mapped high pages">
                        <table class="page-virtual">
                            <thead><tr><th scope="col">{ "page (frame)" }</th><th scope="col">{ "page->virtual" }</th><th scope="col">{ "slot" }</th></tr></thead>
                            <tbody>
                                { for p.page_virtual.iter().map(|(&pfn, &v)| {
                                    let hit = touched.contains(&pfn);
                                    html! {
                                        <tr key={if hit { format!("{pfn}@{seq}") } else { pfn.to_string() }}
                                            data-pfn={hex(pfn)} data-vaddr={hex32(u64::from(v))}
                                            class={classes!(hit.then_some("flash"))}>
                                            <th scope="row">
                                                <code>{ hex(pfn) }</code>
                                                if hit { <span class="touch-badge">{ "◆ changed" }</span> }
                                            </th>
                                            <td><code>{ hex32(u64::from(v)) }</code></td>
                                            <td class="num">{ p.nr(v) }</td>
                                        </tr>
                                    }
                                }) }
                            </tbody>
                        </table>
                    </div>
                }
            </div>
        };
    }

    let chains = chains(p);
    let buckets = chains.len();
    let touched = done
        .map(|a| touched_buckets(&a.outcome.trace))
        .unwrap_or_default();
    let selected = match *picked {
        Some((s, b)) if s == seq && b < buckets => b,
        _ => touched
            .first()
            .copied()
            .or_else(|| chains.iter().position(|c| !c.is_empty()))
            .unwrap_or(0),
    };
    let entries: usize = chains.iter().map(Vec::len).sum();
    let longest = chains.iter().map(Vec::len).max().unwrap_or(0);
    let cols = 16;
    let on_key = {
        let picked = picked.clone();
        Callback::from(move |e: KeyboardEvent| {
            if let Some(to) = grid_step(&e.key(), selected, cols, buckets) {
                e.prevent_default();
                picked.set(Some((seq, to)));
            }
        })
    };
    let on_click = {
        let picked = picked.clone();
        Callback::from(move |e: MouseEvent| {
            use wasm_bindgen::JsCast;
            let b = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("[data-bucket]").ok().flatten())
                .and_then(|el| el.get_attribute("data-bucket"))
                .and_then(|s| s.parse::<usize>().ok());
            if let Some(b) = b {
                picked.set(Some((seq, b)));
            }
        })
    };
    let (store_words, pool) = match p.store {
        AddressStore::HashedPool => (
            "2.6 hashes the struct page pointer into one of the buckets and keeps the page's \
             address in an entry taken from a pool of LAST_PKMAP entries: one per slot, so \
             the pool never runs dry.",
            Some(p.pool.len()),
        ),
        _ => (
            "6.1 hashes the struct page pointer into one of the buckets; the entry it chains \
             there is the slot's own (page_address_maps[slot]), so there is no pool.",
            None,
        ),
    };
    let chain = &chains[selected];
    html! {
        <div id="address-store" class="address-store" data-store="hash" data-entries={entries.to_string()}>
            <p class="card-lede">{ store_words }</p>
            <p class="pk-stats">
                { format!("{buckets} buckets (2^{PA_HASH_ORDER}) · {entries} entries · longest chain {longest}") }
                if let Some(free) = pool {
                    { " · " }
                    <span id="page-address-pool" data-free={free.to_string()}>
                        { format!("page_address_pool: {free} of {} entries free", p.slots()) }
                    </span>
                }
            </p>
            <div class="bucket-grid" role="grid" tabindex="0" aria-readonly="true"
                 aria-label={format!("page_address_htable: {buckets} buckets; arrow keys choose one")}
                 aria-activedescendant={format!("bucket-{selected}")}
                 onkeydown={on_key} onclick={on_click}>
                { for (0..buckets).step_by(cols).map(|start| html! {
                    <div role="row" class="bucket-row">
                        { for (start..(start + cols).min(buckets)).map(|b| {
                            let n = chains[b].len();
                            let hit = touched.contains(&b);
                            html! {
                                <div role="gridcell" id={format!("bucket-{b}")}
                                     key={if hit { format!("{b}@{seq}") } else { b.to_string() }}
                                     class={classes!(
                                         "bucket",
                                         if n == 0 { "empty" } else if n == 1 { "one" } else { "many" },
                                         hit.then_some("touched"),
                                         (b == selected).then_some("selected"),
                                     )}
                                     data-bucket={b.to_string()} data-len={n.to_string()}
                                     aria-selected={(b == selected).to_string()}>
                                    { n }
                                </div>
                            }
                        }) }
                    </div>
                }) }
            </div>
            <ul class="key">
                <li><span class="bucket empty demo" aria-hidden="true">{ "0" }</span>{ "empty" }</li>
                <li><span class="bucket many demo" aria-hidden="true">{ "n" }</span>{ "chain of n entries" }</li>
                <li><span class="bucket touched demo" aria-hidden="true"></span>{ "looked in or changed by the last op" }</li>
            </ul>
            <div id="bucket-detail" class="bucket-detail" aria-live="polite" data-bucket={selected.to_string()}>
                <p>
                    <strong>{ format!("Bucket {selected}") }</strong>
                    if touched.contains(&selected) { <span class="touch-badge">{ "◆ the last op's lookup" }</span> }
                    { if chain.is_empty() { ": empty." } else { ":" } }
                </p>
                if !chain.is_empty() {
                    <ol class="chain">
                        { for chain.iter().map(|&(pfn, v)| html! {
                            <li data-pfn={hex(pfn)}>
                                <code>{ entry_text(pfn, v) }</code>
                                <span class="chain-why">{ format!(" slot {} · page {}", p.nr(v), hex32(u64::from(p.page_ptr(pfn)))) }</span>
                            </li>
                        }) }
                    </ol>
                }
            </div>
            <details class="all-chains">
                <summary>{ format!("Every chain ({entries} entries)") }</summary>
                <div class="table-wrap" tabindex="0" role="region" aria-label="Every non-empty bucket of page_address_htable">
                    <table>
                        <thead><tr><th scope="col">{ "bucket" }</th><th scope="col">{ "chain: frame → address" }</th></tr></thead>
                        <tbody>
                            { for chains.iter().enumerate().filter(|(_, c)| !c.is_empty()).map(|(b, c)| html! {
                                <tr data-bucket={b.to_string()}
                                    data-chain={c.iter().map(|&(pfn, v)| format!("{}:{}", hex(pfn), hex32(u64::from(v)))).collect::<Vec<_>>().join(",")}>
                                    <th scope="row" class="num">{ b }</th>
                                    <td>{ c.iter().map(|&(pfn, v)| entry_text(pfn, v)).collect::<Vec<_>>().join(" · ") }</td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </details>
        </div>
    }
}

#[cfg(test)]
mod native_tests {
    use super::*;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, Op, PageRef};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn a_kmap_trace_names_the_bucket_its_page_hashes_to() {
        let mut m = Machine::new(MachineConfig::new(
            ProfileId::V2_6_24,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .unwrap();
        m.apply(&Op::Task {
            name: "A".into(),
            cpu: 0,
            kthread: false,
        });
        let out = m.apply(&Op::Kmap {
            task: "A".into(),
            page: PageRef::Pfn(0x50000),
            nonblock: false,
        });
        let p = m.pkmap().unwrap();
        assert_eq!(touched_buckets(&out.trace), vec![p.bucket_of(0x50000)]);
        let c = chains(p);
        assert_eq!(c.len(), 128);
        assert_eq!(c[p.bucket_of(0x50000)], vec![(0x50000, p.addr(1))]);
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
        render::<AddressStoreView>(AddressStoreViewProps {
            machine: l.machine.clone().unwrap(),
            last: l.last.clone(),
        })
        .await
    }

    fn filled(profile: ProfileId) -> Lab {
        let s = crate::scenarios::find("pkmap-fill-sleep").unwrap();
        Lab::boot(MachineConfig::new(
            profile,
            E820Map::qemu_pc(3 << 30).unwrap(),
        ))
        .start_scenario(s, false)
    }

    #[test]
    async fn buckets_are_the_hash_table() {
        for profile in [ProfileId::V2_6_11, ProfileId::V6_1] {
            let l = filled(profile);
            let root = show(&l).await;
            let p = l.machine().unwrap().pkmap().unwrap();
            let c = chains(p);
            let cells = all(&root, ".bucket-grid [role=gridcell]");
            assert_eq!(cells.len(), 128);
            for (b, cell) in cells.iter().enumerate() {
                assert_eq!(attr(cell, "data-len"), c[b].len().to_string(), "bucket {b}");
            }
            let rows = all(&root, ".all-chains tr[data-bucket]");
            assert_eq!(rows.len(), c.iter().filter(|x| !x.is_empty()).count());
            for row in rows {
                let b: usize = attr(&row, "data-bucket").parse().unwrap();
                let want: Vec<String> = c[b]
                    .iter()
                    .map(|&(pfn, v)| format!("{}:{}", hex(pfn), hex32(u64::from(v))))
                    .collect();
                assert_eq!(attr(&row, "data-chain"), want.join(","));
            }
            // The last op (A's resumed kmap) looked in its page's bucket: lit and shown.
            let touched = all(&root, ".bucket-grid .touched");
            assert!(!touched.is_empty());
            let detail = all(&root, "#bucket-detail").pop().unwrap();
            assert_eq!(
                attr(&detail, "data-bucket"),
                attr(&touched[0], "data-bucket")
            );
            let pool = all(&root, "#page-address-pool");
            if profile == ProfileId::V2_6_11 {
                assert_eq!(attr(&pool[0], "data-free"), p.pool.len().to_string());
                assert_eq!(p.pool.len(), 0, "every slot holds a page");
            } else {
                assert!(pool.is_empty(), "6.1 has no pool");
            }
        }
    }

    #[test]
    async fn two_point_four_shows_page_virtual() {
        let l = filled(ProfileId::V2_4_22);
        let root = show(&l).await;
        let p = l.machine().unwrap().pkmap().unwrap();
        let rows = all(&root, "table.page-virtual tbody tr");
        assert_eq!(rows.len(), p.page_virtual.len());
        for (row, (&pfn, &v)) in rows.iter().zip(&p.page_virtual) {
            assert_eq!(attr(row, "data-pfn"), hex(pfn));
            assert_eq!(attr(row, "data-vaddr"), hex32(u64::from(v)));
        }
        assert!(all(&root, ".bucket-grid").is_empty());
    }
}
