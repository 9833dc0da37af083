//! The chosen area page by page: its virtual pages, contiguous, on the left; the physical
//! frames behind them on the right, in frame order with their zone; a line from each page to
//! its frame. The crossing lines are the point: one run of addresses, frames from anywhere.
//! An ioremap area has no frames of its own: it says which physical range it maps.

use super::Shared;
use crate::format::{hex, hex32};
use highmem_engine::machine::Machine;
use highmem_engine::vmalloc::VmArea;
use yew::prelude::*;

/// The most pages drawn and listed.
pub const SHOWN: usize = 32;

/// Props of [`VmallocFrames`].
#[derive(Properties, PartialEq)]
pub struct VmallocFramesProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The chosen area's address.
    pub chosen: Option<u32>,
}

/// The zone a frame belongs to.
pub fn zone_name(m: &Machine, pfn: u64) -> &'static str {
    m.mem()
        .zone_of(pfn)
        .map_or("none", |z| m.mem().zones()[z].kind.name())
}

/// For the first `shown` pages of an area, the row each one's frame takes on the right: the
/// frames in ascending order, a page's row being its frame's rank.
pub fn frame_rows(pages: &[u64], shown: usize) -> Vec<usize> {
    let first = &pages[..pages.len().min(shown)];
    let mut sorted: Vec<u64> = first.to_vec();
    sorted.sort_unstable();
    first
        .iter()
        .map(|p| sorted.iter().position(|q| q == p).unwrap_or(0))
        .collect()
}

const ROW: f64 = 16.0;
const LEFT_W: f64 = 120.0;
const RIGHT_X: f64 = 250.0;
const RIGHT_W: f64 = 150.0;

fn drawing(m: &Machine, a: &VmArea) -> Html {
    let shown = a.pages.len().min(SHOWN);
    let rows = frame_rows(&a.pages, SHOWN);
    let mut sorted: Vec<u64> = a.pages[..shown].to_vec();
    sorted.sort_unstable();
    let h = shown as f64 * ROW + 24.0;
    let label = format!(
        "{} virtual pages from {} and the frames they map, in frame order",
        shown,
        hex32(u64::from(a.addr))
    );
    let y = |i: usize| 20.0 + i as f64 * ROW;
    html! {
        <svg class="vm-frames-svg" viewBox={format!("0 0 {} {h}", RIGHT_X + RIGHT_W + 2.0)} role="img"
             aria-label={label} preserveAspectRatio="xMinYMin meet">
            <text class="caption" x="0" y="10">{ "virtual pages" }</text>
            <text class="caption" x={RIGHT_X.to_string()} y="10">{ "frames, by number" }</text>
            { for (0..shown).map(|i| {
                let from = (LEFT_W, y(i) + ROW / 2.0 - 1.0);
                let to = (RIGHT_X, y(rows[i]) + ROW / 2.0 - 1.0);
                html! {
                    <line class="vm-link" x1={format!("{:.1}", from.0)} y1={format!("{:.1}", from.1)}
                          x2={format!("{:.1}", to.0)} y2={format!("{:.1}", to.1)} />
                }
            }) }
            { for (0..shown).map(|i| html! {
                <g class="vm-vpage">
                    <rect x="0" y={format!("{:.1}", y(i))} width={LEFT_W.to_string()} height={(ROW - 2.0).to_string()} />
                    <text x="6" y={format!("{:.1}", y(i) + 10.5)}>{ hex32(u64::from(a.addr) + i as u64 * 4096) }</text>
                </g>
            }) }
            { for sorted.iter().enumerate().map(|(r, &pfn)| {
                let zone = zone_name(m, pfn);
                html! {
                    <g class={classes!("vm-frame", format!("zone-{}", zone.to_ascii_lowercase()))}>
                        <rect x={RIGHT_X.to_string()} y={format!("{:.1}", y(r))} width={RIGHT_W.to_string()} height={(ROW - 2.0).to_string()} />
                        <text x={(RIGHT_X + 6.0).to_string()} y={format!("{:.1}", y(r) + 10.5)}>{ format!("{} {zone}", hex(pfn)) }</text>
                    </g>
                }
            }) }
        </svg>
    }
}

/// The view.
#[component]
pub fn VmallocFrames(props: &VmallocFramesProps) -> Html {
    let m: &Machine = &props.machine;
    let space = m.vmalloc_space();
    let Some((n, a)) = props
        .chosen
        .and_then(|c| space.areas.values().enumerate().find(|(_, a)| a.addr == c))
    else {
        return html! {
            <p id="vmalloc-frames" class="hint">{ "No area chosen: choose one in the bar above or in the list." }</p>
        };
    };
    let kind = super::vmalloc_bar::area_kind(a);
    let mut zones: Vec<(&'static str, usize)> = Vec::new();
    for &p in &a.pages {
        let z = zone_name(m, p);
        match zones.iter_mut().find(|(n, _)| *n == z) {
            Some(c) => c.1 += 1,
            None => zones.push((z, 1)),
        }
    }
    let runs = {
        let mut sorted = a.pages.clone();
        sorted.sort_unstable();
        sorted.dedup();
        1 + sorted.windows(2).filter(|w| w[1] != w[0] + 1).count()
    };
    html! {
        <div id="vmalloc-frames" class="vm-frames" data-start={hex32(u64::from(a.addr))}
             data-pages={a.pages.len().to_string()} data-kind={kind}>
            <p class="vm-frames-head">
                <strong>{ format!("Area {}", n + 1) }</strong>
                { format!(" · {kind} · ") }<code>{ hex32(u64::from(a.addr)) }</code>{ " – " }<code>{ hex32(u64::from(a.end())) }</code>
                { a.name.as_ref().map(|n| format!(" · called {n}")).unwrap_or_default() }
                if !a.caller.is_empty() {
                    { " · caller " }<code>{ a.caller.clone() }</code>
                }
            </p>
            if a.pages.is_empty() {
                <p>
                    { format!("An ioremap area has no pages of its own: its PTEs point at physical {} – {}, \
                               device memory or firmware tables, not frames the buddy allocator hands out.",
                              hex(a.phys_addr), hex(a.phys_addr + u64::from(a.mapped_size()))) }
                </p>
            } else {
                <p>
                    { format!("{} page{} ({}), in {} run{} of consecutive frames. ",
                              a.pages.len(), if a.pages.len() == 1 { "" } else { "s" },
                              zones.iter().map(|(z, n)| format!("{n} from {z}")).collect::<Vec<_>>().join(", "),
                              runs, if runs == 1 { "" } else { "s" }) }
                    { if a.pages.len() > SHOWN { format!("The first {SHOWN} are drawn and listed.") } else { String::new() } }
                </p>
                <div class="graph-wrap">{ drawing(m, a) }</div>
                <div class="table-wrap">
                    <table class="vm-frames-table">
                        <caption class="visually-hidden">{ "Each virtual page of the chosen area and its frame" }</caption>
                        <thead><tr><th scope="col">{ "Page" }</th><th scope="col">{ "Virtual address" }</th>
                                   <th scope="col">{ "Frame" }</th><th scope="col">{ "Zone" }</th></tr></thead>
                        <tbody>
                            { for a.pages.iter().take(SHOWN).enumerate().map(|(i, &pfn)| {
                                let va = u64::from(a.addr) + i as u64 * 4096;
                                let zone = zone_name(m, pfn);
                                html! {
                                    <tr data-vaddr={hex32(va)} data-frame={hex(pfn)} data-zone={zone}>
                                        <td class="num">{ i }</td><td><code>{ hex32(va) }</code></td>
                                        <td><code>{ hex(pfn) }</code></td><td>{ zone }</td>
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
    fn each_page_points_at_its_frames_rank() {
        assert_eq!(frame_rows(&[0x50, 0x10, 0x30], 32), vec![2, 0, 1]);
        assert_eq!(frame_rows(&[5, 6, 7], 32), vec![0, 1, 2]);
        // Only the pages shown are ranked among themselves.
        assert_eq!(frame_rows(&[9, 1, 5, 0], 2), vec![1, 0]);
        assert!(frame_rows(&[], 32).is_empty());
    }
}
