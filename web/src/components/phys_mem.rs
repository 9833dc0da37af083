//! Physical memory as the page allocator sees it: each zone's present, managed and free
//! frames, the buddy free lists per order (`/proc/buddyinfo`, and where the free blocks lie),
//! what boot reserved, and the blocks the reader allocated by name.

use super::Shared;
use crate::format::hex;
use highmem_engine::machine::{Machine, Op, PageRef};
use highmem_engine::phys::ZoneAlloc;
use highmem_engine::size::format_size_approx;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Props of [`PhysMem`].
#[derive(Properties, PartialEq)]
pub struct PhysMemProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// A "free" button was pressed: run this op.
    pub on_op: Callback<Op>,
}

fn pages(n: u64) -> String {
    format!("{n} ({})", format_size_approx(n << 12))
}

fn zone_id(z: &ZoneAlloc) -> String {
    z.kind.name().to_lowercase()
}

/// Ranges of frames `[start, end)`, merged where they touch or nearly touch (closer than
/// `gap`), so a strip never needs more elements than it has room for.
pub fn merge_ranges(mut ranges: Vec<(u64, u64)>, gap: u64) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in ranges {
        match out.last_mut() {
            Some((_, end)) if s <= *end + gap => *end = (*end).max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// A strip over a zone's frames with the given ranges marked.
fn strip(z: &ZoneAlloc, ranges: &[(u64, u64)], class: &'static str, label: String) -> Html {
    let span = (z.end - z.start).max(1) as f64;
    let pct = |x: u64| format!("{:.4}%", (x.saturating_sub(z.start)) as f64 * 100.0 / span);
    html! {
        <div class={classes!("strip", "buddy-strip", class)} role="img" aria-label={label}>
            { for ranges.iter().map(|(s, e)| html! {
                <span class="run" style={format!("left:{};width:{}", pct(*s), pct(z.start + (e - s)))}></span>
            }) }
        </div>
    }
}

/// The physical memory view.
#[component]
pub fn PhysMem(props: &PhysMemProps) -> Html {
    let m: &Machine = &props.machine;
    let mem = m.mem();
    let zones: Vec<&ZoneAlloc> = mem.zones().iter().filter(|z| z.present > 0).collect();
    let default_zone = zones.last().map(|z| z.kind.name()).unwrap_or("Normal");
    let chosen = use_state(|| default_zone.to_string());
    let zone = zones
        .iter()
        .find(|z| z.kind.name() == chosen.as_str())
        .or(zones.last())
        .copied();
    let max_order = mem.rules().max_order;
    let on_zone = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(s.value());
        })
    };
    let handles = m.handles();

    html! {
        <div id="phys" class="phys">
            <div class="zone-bars">
                { for zones.iter().map(|z| {
                    let reserved = z.present - z.managed;
                    let used = z.managed - z.free_pages;
                    let total = z.present.max(1) as f64;
                    let w = |n: u64| format!("width:{:.3}%", n as f64 * 100.0 / total);
                    html! {
                        <div class="zone-row" data-zone={z.kind.name()} data-present={z.present.to_string()}
                             data-managed={z.managed.to_string()} data-free={z.free_pages.to_string()}>
                            <p class="zone-row-head">
                                <span class={classes!("swatch", format!("zone-{}", zone_id(z)))} aria-hidden="true"></span>
                                <strong>{ z.kind.name() }</strong>
                                { format!(" · frames {}–{}", hex(z.start), hex(z.end)) }
                            </p>
                            <div class="zone-bar" aria-hidden="true">
                                <span class="seg seg-reserved" style={w(reserved)}></span>
                                <span class="seg seg-used" style={w(used)}></span>
                                <span class={classes!("seg", "seg-free", format!("zone-{}", zone_id(z)))} style={w(z.free_pages)}></span>
                            </div>
                            <dl class="zone-numbers">
                                <div><dt>{ "present" }</dt><dd>{ pages(z.present) }</dd></div>
                                <div><dt><span class="key-swatch seg-reserved" aria-hidden="true"></span>{ "reserved at boot" }</dt><dd>{ pages(reserved) }</dd></div>
                                <div><dt><span class="key-swatch seg-used" aria-hidden="true"></span>{ "allocated" }</dt><dd>{ pages(used) }</dd></div>
                                <div><dt><span class={classes!("key-swatch", "seg-free", format!("zone-{}", zone_id(z)))} aria-hidden="true"></span>{ "free" }</dt><dd>{ pages(z.free_pages) }</dd></div>
                            </dl>
                        </div>
                    }
                }) }
            </div>

            <h3 class="sub-title">{ "Free lists per order" }</h3>
            <p class="hint">{ format!(
                "Free blocks of 2^order pages in each zone, as /proc/buddyinfo prints them. Orders run from 0 to {} in this kernel.",
                max_order - 1) }</p>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Free blocks per order (buddyinfo)">
                <table id="buddyinfo" class="buddyinfo">
                    <thead>
                        <tr>
                            <th scope="col">{ "zone" }</th>
                            { for (0..max_order).map(|o| html! { <th scope="col" class="num">{ o }</th> }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for zones.iter().map(|z| html! {
                            <tr data-zone={z.kind.name()}>
                                <th scope="row">{ z.kind.name() }</th>
                                { for z.free.iter().enumerate().map(|(o, l)| html! {
                                    <td class="num" data-order={o.to_string()}>{ l.len() }</td>
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>

            if let Some(z) = zone {
                <div class="control buddy-zone">
                    <label for="buddy-zone">{ "Where the free blocks lie in" }</label>
                    <select id="buddy-zone" onchange={on_zone}>
                        { for zones.iter().map(|o| html! {
                            <option value={o.kind.name()} selected={o.kind == z.kind}>{ o.kind.name() }</option>
                        }) }
                    </select>
                </div>
                <div class="buddy-strips">
                    { for z.free.iter().enumerate().rev().filter(|(_, l)| !l.is_empty()).map(|(o, l)| {
                        let size = 1u64 << o;
                        // Blocks closer than a strip pixel or so are drawn as one.
                        let gap = (z.end - z.start) / 600;
                        let ranges = merge_ranges(l.iter().map(|p| (p, p + size)).collect(), gap);
                        let label = format!("{} free blocks of order {o} in {}", l.len(), z.kind.name());
                        html! {
                            <div class="buddy-row" data-order={o.to_string()}>
                                <span class="buddy-order">{ format!("order {o}") }</span>
                                { strip(z, &ranges, "strip-free", label) }
                                <span class="buddy-count">{ l.len() }</span>
                            </div>
                        }
                    }) }
                    {{
                        let named: Vec<(u64, u64)> = handles.values()
                            .filter(|h| !h.freed && (z.start..z.end).contains(&h.pfn))
                            .map(|h| (h.pfn, h.pfn + (1 << h.order)))
                            .collect();
                        let count = named.len();
                        let ranges = merge_ranges(named, (z.end - z.start) / 600);
                        html! {
                            <div class="buddy-row named-row">
                                <span class="buddy-order">{ "named" }</span>
                                { strip(z, &ranges, "strip-named", format!("{count} named blocks in {}", z.kind.name())) }
                                <span class="buddy-count">{ count }</span>
                            </div>
                        }
                    }}
                    <p class="strip-scale" aria-hidden="true">
                        <span>{ hex(z.start) }</span>
                        <span>{ hex(z.end) }</span>
                    </p>
                </div>
            }

            <h3 class="sub-title">{ "Reserved at boot" }</h3>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Boot reservations">
                <table class="reservations">
                    <thead>
                        <tr>
                            <th scope="col">{ "what" }</th>
                            <th scope="col">{ "frames" }</th>
                            <th scope="col" class="num">{ "size" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for mem.reservations().iter().map(|r| html! {
                            <tr>
                                <th scope="row">{ r.label.clone() }</th>
                                <td><code>{ format!("{}–{}", r.start, r.end) }</code></td>
                                <td class="num">{ format_size_approx((r.end.as_u64() - r.start.as_u64()) << 12) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>

            <h3 class="sub-title">{ "Named blocks" }</h3>
            if handles.is_empty() {
                <p class="hint">{ "None yet: allocate pages with a name (as=) under “Run an operation”, or run a scenario." }</p>
            } else {
                <div class="table-wrap" tabindex="0" role="region" aria-label="Named blocks">
                    <table id="handles" class="handles">
                        <thead>
                            <tr>
                                <th scope="col">{ "name" }</th>
                                <th scope="col">{ "frame" }</th>
                                <th scope="col" class="num">{ "order" }</th>
                                <th scope="col">{ "zone" }</th>
                                <th scope="col">{ "state" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            { for handles.iter().map(|(name, h)| {
                                let zone = mem.zone_of(h.pfn).map(|i| mem.zones()[i].kind.name()).unwrap_or("?");
                                let on_free = {
                                    let cb = props.on_op.clone();
                                    let name = name.clone();
                                    Callback::from(move |_: MouseEvent| cb.emit(Op::FreePages { page: PageRef::Name(name.clone()), order: None }))
                                };
                                html! {
                                    <tr data-handle={name.clone()}>
                                        <th scope="row"><code>{ name.clone() }</code></th>
                                        <td><code>{ hex(h.pfn) }</code></td>
                                        <td class="num">{ h.order }</td>
                                        <td>{ zone }</td>
                                        <td>
                                            if h.freed {
                                                { "freed" }
                                            } else {
                                                <button type="button" class="button small" onclick={on_free}
                                                        aria-label={format!("Free {name} (__free_pages)")}>
                                                    { "Free" }
                                                </button>
                                            }
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
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn ranges_merge_when_they_touch() {
        assert_eq!(
            merge_ranges(vec![(8, 16), (0, 8), (32, 40)], 0),
            vec![(0, 16), (32, 40)]
        );
        assert_eq!(merge_ranges(vec![(0, 8), (10, 12)], 2), vec![(0, 12)]);
        assert!(merge_ranges(vec![], 4).is_empty());
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod dom_tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{Gfp, MachineConfig};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    async fn buddyinfo_and_named_blocks_match_the_machine() {
        let mut m = Machine::new(MachineConfig::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .unwrap();
        m.apply(&Op::AllocPages {
            gfp: Gfp::parse("GFP_KERNEL").unwrap(),
            order: 3,
            name: Some("buf".into()),
        });
        let m = Rc::new(m);
        let root = render::<PhysMem>(PhysMemProps {
            machine: Shared(m.clone()),
            on_op: Callback::noop(),
        })
        .await;
        for z in m.mem().zones().iter().filter(|z| z.present > 0) {
            let row = root
                .query_selector(&format!("#buddyinfo tr[data-zone=\"{}\"]", z.kind.name()))
                .unwrap()
                .unwrap();
            let counts: Vec<String> = all(&row, "td")
                .iter()
                .map(|c| c.text_content().unwrap())
                .collect();
            let want: Vec<String> = z.free.iter().map(|l| l.len().to_string()).collect();
            assert_eq!(counts, want, "{}", z.kind.name());
            let bar = root
                .query_selector(&format!(".zone-row[data-zone=\"{}\"]", z.kind.name()))
                .unwrap()
                .unwrap();
            assert_eq!(attr(&bar, "data-free"), z.free_pages.to_string());
            assert_eq!(attr(&bar, "data-managed"), z.managed.to_string());
        }
        let handle = root
            .query_selector("[data-handle=\"buf\"]")
            .unwrap()
            .unwrap();
        assert!(handle
            .text_content()
            .unwrap()
            .contains(&hex(m.handles()["buf"].pfn)));
    }
}
