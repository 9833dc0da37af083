//! Physical memory as the kernel sizes it: the BIOS map, the zones, and RAM it cannot use.

use super::{range_cell, size_cell, Shared};
use crate::format::{hex, size_short};
use crate::geometry::{round_top, spread, Bar};
use highmem_engine::addr::{GIB, MIB};
use highmem_engine::e820::E820Type;
use highmem_engine::layout::memory::{Zone, ZoneKind};
use highmem_engine::layout::Layout;
use yew::prelude::*;

/// Props of [`PhysicalMap`].
#[derive(Properties, PartialEq)]
pub struct PhysicalMapProps {
    /// The layout.
    pub layout: Shared<Layout>,
    /// Narrow screens: a narrower drawing.
    pub stacked: bool,
}

/// A stretch of physical addresses that is not RAM.
#[derive(Clone, Debug, PartialEq)]
enum Piece {
    /// An e820 range of a type other than usable.
    Reserved(E820Type),
    /// Addresses the map does not mention.
    Hole,
}

fn zone_class(kind: ZoneKind) -> &'static str {
    match kind {
        ZoneKind::Dma => "zone-dma",
        ZoneKind::Normal => "zone-normal",
        ZoneKind::HighMem => "zone-highmem",
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// RAM above what the kernel uses, as byte ranges.
fn unusable(l: &Layout) -> Vec<(u64, u64)> {
    let m = &l.memory;
    let top = if l.resolved.highmem {
        m.highend_pfn.as_u64()
    } else {
        m.max_low_pfn.as_u64()
    };
    m.ram
        .iter()
        .filter(|(_, e)| e.as_u64() > top)
        .map(|(s, e)| (s.as_u64().max(top) << 12, e.as_u64() << 12))
        .collect()
}

/// Non-RAM stretches below `top`: reserved entries and holes the map does not mention.
fn non_ram(l: &Layout, top: u64) -> Vec<(u64, u64, Piece)> {
    let mut out = Vec::new();
    let mut at = 0;
    for e in &l.memory.e820 {
        let (s, t) = (e.start.as_u64(), e.end.as_u64());
        if s > at {
            out.push((at, s.min(top), Piece::Hole));
        }
        if e.kind != E820Type::Usable {
            out.push((s, t.min(top), Piece::Reserved(e.kind)));
        }
        at = at.max(t);
    }
    if at < top {
        out.push((at, top, Piece::Hole));
    }
    out.retain(|(s, t, _)| t > s);
    out
}

/// One bar: zones, then reserved ranges and holes over them, then unusable RAM.
fn bar(l: &Layout, b: &Bar, primary: bool) -> Html {
    let zones: Html = l
        .memory
        .zones
        .iter()
        .map(|z: &Zone| {
            let (s, e) = (z.start.addr().as_u64(), z.end.addr().as_u64());
            let (x0, x1) = b.span(s, e).unwrap_or((b.x_of(s), b.x_of(s)));
            let name = z.kind.name();
            let width = x1 - x0;
            let text = (width > name.len() as f64 * 7.0 + 8.0).then(|| {
                html! {
                    <text class="zone-name" x={fmt((x0 + x1) / 2.0)} y={fmt(b.y + b.h / 2.0 + 4.0)} text-anchor="middle">{ name }</text>
                }
            });
            let rect = if primary {
                html! {
                    <rect class={classes!("zone", zone_class(z.kind))} x={fmt(x0)} y={fmt(b.y)} width={fmt(width)} height={fmt(b.h)}
                          data-zone={name} data-start-pfn={hex(z.start.as_u64())} data-end-pfn={hex(z.end.as_u64())}>
                        <title>{ format!("ZONE_{}: PFN {} – {}", name.to_uppercase(), hex(z.start.as_u64()), hex(z.end.as_u64())) }</title>
                    </rect>
                }
            } else {
                html! { <rect class={classes!("zone", zone_class(z.kind))} x={fmt(x0)} y={fmt(b.y)} width={fmt(width)} height={fmt(b.h)} /> }
            };
            html! {
                <>
                    { rect }
                    if z.kind == ZoneKind::HighMem {
                        <rect class="pattern" x={fmt(x0)} y={fmt(b.y)} width={fmt(width)} height={fmt(b.h)} fill="url(#pmap-pat-dots)" />
                    }
                    if z.kind == ZoneKind::Dma {
                        <rect class="pattern" x={fmt(x0)} y={fmt(b.y)} width={fmt(width)} height={fmt(b.h)} fill="url(#pmap-pat-vlines)" />
                    }
                    { for text }
                </>
            }
        })
        .collect();
    let gaps: Html = non_ram(l, b.hi)
        .into_iter()
        .filter_map(|(s, e, piece)| b.span(s, e).map(|(x0, x1)| (s, e, piece, x0, x1)))
        .map(|(s, e, piece, x0, x1)| {
            let (class, what) = match &piece {
                Piece::Reserved(kind) => ("reserved", kind.label()),
                _ => ("hole", "no memory".to_string()),
            };
            let data = primary.then(|| hex(s));
            let data_end = primary.then(|| hex(e));
            let w = (x1 - x0).max(0.6);
            html! {
                <>
                    <rect class={classes!("e820", class)} x={fmt(x0)} y={fmt(b.y)} width={fmt(w)} height={fmt(b.h)}
                          data-e820={primary.then_some(class)} data-start={data} data-end={data_end}>
                        <title>{ format!("{what}: {} – {}", hex(s), hex(e)) }</title>
                    </rect>
                    <rect class="pattern" x={fmt(x0)} y={fmt(b.y)} width={fmt(w)} height={fmt(b.h)} fill="url(#pmap-pat-hatch)" />
                </>
            }
        })
        .collect();
    let lost: Html = unusable(l)
        .into_iter()
        .filter_map(|(s, e)| b.span(s, e).map(|(x0, x1)| (s, e, x0, x1)))
        .map(|(s, e, x0, x1)| {
            let text = (x1 - x0 > 70.0).then(|| html! {
                <text class="unusable-name" x={fmt((x0 + x1) / 2.0)} y={fmt(b.y + b.h / 2.0 + 4.0)} text-anchor="middle">{ "not usable" }</text>
            });
            html! {
                <>
                    <rect class="unusable" x={fmt(x0)} y={fmt(b.y)} width={fmt(x1 - x0)} height={fmt(b.h)}
                          data-unusable={primary.then(|| hex(s))} data-end={primary.then(|| hex(e))}>
                        <title>{ format!("RAM this kernel cannot use: {} – {}", hex(s), hex(e)) }</title>
                    </rect>
                    <rect class="pattern" x={fmt(x0)} y={fmt(b.y)} width={fmt(x1 - x0)} height={fmt(b.h)} fill="url(#pmap-pat-cross)" />
                    { for text }
                </>
            }
        })
        .collect();
    html! {
        <g class="pbar">
            { zones }{ gaps }{ lost }
            <rect class="bar-frame" x={fmt(b.x)} y={fmt(b.y)} width={fmt(b.w)} height={fmt(b.h)} />
        </g>
    }
}

/// Address ticks under a bar, spread so their labels do not collide.
fn ticks(b: &Bar, marks: &[(u64, String)]) -> Html {
    let mut marks: Vec<(u64, String)> = marks
        .iter()
        .filter(|(a, _)| (b.lo..=b.hi).contains(a))
        .cloned()
        .collect();
    marks.sort_by_key(|m| m.0);
    marks.dedup_by_key(|m| m.0);
    let width = |s: &str| s.chars().count() as f64 * 6.1 + 6.0;
    let widest = marks.iter().map(|m| width(&m.1)).fold(0.0, f64::max);
    let ideal: Vec<f64> = marks.iter().map(|m| b.x_of(m.0)).collect();
    let centres = spread(&ideal, widest, 0.0, b.x * 2.0 + b.w);
    marks
        .iter()
        .zip(centres)
        .map(|((addr, text), cx)| {
            let x = b.x_of(*addr);
            let y = b.y + b.h;
            html! {
                <g class="ptick">
                    <line x1={fmt(x)} x2={fmt(x)} y1={fmt(y)} y2={fmt(y + 5.0)} />
                    <path class="ptick-leader" d={format!("M {x:.2} {:.2} L {cx:.2} {:.2}", y + 5.0, y + 9.0)} />
                    <text x={fmt(cx)} y={fmt(y + 19.0)} text-anchor="middle">{ text.clone() }</text>
                </g>
            }
        })
        .collect()
}

/// The physical memory figure and its legend.
#[component]
pub fn PhysicalMap(props: &PhysicalMapProps) -> Html {
    let l = &props.layout;
    let m = &l.memory;
    let width = if props.stacked { 340.0 } else { 620.0 };
    let map_end = m
        .e820
        .iter()
        .map(|e| e.end.as_u64())
        .max()
        .unwrap_or(16 * MIB);
    let ram_end = m
        .ram
        .iter()
        .map(|r| r.1.as_u64() << 12)
        .max()
        .unwrap_or(map_end);
    let top = round_top(ram_end.max(16 * MIB));
    let full = Bar {
        x: 10.0,
        y: 26.0,
        w: width - 20.0,
        h: 32.0,
        lo: 0,
        hi: top,
    };
    let zoomed = top > GIB + GIB / 4;
    let zoom = Bar {
        x: 10.0,
        y: 118.0,
        w: width - 20.0,
        h: 32.0,
        lo: 0,
        hi: GIB,
    };
    let height = if zoomed {
        zoom.y + zoom.h + 34.0
    } else {
        full.y + full.h + 34.0
    };

    let low_end = m.max_low_pfn.as_u64() << 12;
    let mut marks: Vec<(u64, String)> = vec![(0, "0".into()), (top, size_short(top))];
    if !zoomed {
        marks.push((16 * MIB, "16 MiB".into()));
    }
    marks.push((low_end, size_short(low_end)));
    if top > 4 * GIB {
        marks.push((4 * GIB, "4 GiB".into()));
    }
    let zoom_marks: Vec<(u64, String)> = vec![
        (0, "0".into()),
        (16 * MIB, "16 MiB".into()),
        (low_end.min(GIB), size_short(low_end.min(GIB))),
        (GIB, "1 GiB".into()),
    ];
    let guide = format!(
        "{:.2},{:.2} {:.2},{:.2} {:.2},{:.2} {:.2},{:.2}",
        full.x_of(0),
        full.y + full.h + 24.0,
        full.x_of(GIB),
        full.y + full.h + 24.0,
        zoom.x + zoom.w,
        zoom.y,
        zoom.x,
        zoom.y
    );

    let unusable_total = m.unused_pages << 12;
    let zone_rows: Html = m
        .zones
        .iter()
        .map(|z| {
            let (s, e) = (z.start.addr().as_u64(), z.end.addr().as_u64());
            html! {
                <tr>
                    <th scope="row">
                        <span class={classes!("swatch", zone_class(z.kind))} aria-hidden="true" />
                        { z.kind.name() }
                    </th>
                    { range_cell(hex(z.start.as_u64()), hex(z.end.as_u64())) }
                    <td class="num">{ if e > s { size_short(e - s) } else { "empty".to_string() } }</td>
                    { size_cell(z.ram_pages << 12) }
                </tr>
            }
        })
        .collect();
    let e820_rows: Html = m
        .e820
        .iter()
        .map(|e| html! {
            <tr>
                { range_cell(format!("{:#011x}", e.start.as_u64()), format!("{:#011x}", e.end.as_u64())) }
                <td class="num">{ size_short(e.size()) }</td>
                <td>{ e.kind.label() }</td>
            </tr>
        })
        .collect();
    let summary = format!(
        "{} of RAM; the kernel maps the first {} permanently (max_low_pfn {}).",
        size_short(crate::content::ram_size(l)),
        size_short(low_end),
        hex(m.max_low_pfn.as_u64())
    );

    html! {
        <figure class="pmap">
            <svg class="pmap-svg" viewBox={format!("0 0 {width} {height}")} role="img" aria-labelledby="pmap-caption"
                 preserveAspectRatio="xMinYMin meet">
                <defs>
                    <pattern id="pmap-pat-dots" width="5" height="5" patternUnits="userSpaceOnUse">
                        <circle class="pat-dot" cx="2.5" cy="2.5" r="1" />
                    </pattern>
                    <pattern id="pmap-pat-vlines" width="4" height="4" patternUnits="userSpaceOnUse">
                        <line class="pat-line" x1="2" y1="0" x2="2" y2="4" />
                    </pattern>
                    <pattern id="pmap-pat-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <line class="pat-line" x1="0" y1="0" x2="0" y2="5" />
                    </pattern>
                    <pattern id="pmap-pat-cross" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <path class="pat-line" d="M 0 3 H 6 M 3 0 V 6" />
                    </pattern>
                </defs>
                <text class="caption" x={fmt(full.x)} y="16">{ format!("Physical addresses 0 – {}", size_short(top)) }</text>
                { bar(l, &full, true) }
                { ticks(&full, &marks) }
                if zoomed {
                    <polygon class="guide" points={guide} />
                    <text class="caption" x={fmt(zoom.x)} y={fmt(zoom.y - 6.0)}>{ "The first 1 GiB, enlarged" }</text>
                    { bar(l, &zoom, false) }
                    { ticks(&zoom, &zoom_marks) }
                }
            </svg>
            <figcaption id="pmap-caption" class="pmap-caption">{ summary }</figcaption>
            <ul class="key" aria-label="Key">
                <li><span class="swatch zone-dma" aria-hidden="true" />{ "DMA: below 16 MiB, for old ISA devices" }</li>
                <li><span class="swatch zone-normal" aria-hidden="true" />{ "Normal: the rest of the direct map" }</li>
                if l.resolved.highmem {
                    <li><span class="swatch zone-highmem" aria-hidden="true" />{ "HighMem: no permanent kernel address" }</li>
                }
                <li><span class="swatch reserved" aria-hidden="true" />{ "reserved by the firmware" }</li>
                <li><span class="swatch hole" aria-hidden="true" />{ "no memory at these addresses" }</li>
                if unusable_total > 0 {
                    <li class="key-warn"><span class="swatch unusable" aria-hidden="true" />
                        { format!("not usable by this kernel: {}", size_short(unusable_total)) }</li>
                }
            </ul>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Zones">
                <table class="zones">
                    <caption class="visually-hidden">{ "Zones: page frame ranges (end exclusive), span and RAM present" }</caption>
                    <thead>
                        <tr><th scope="col">{ "Zone" }</th><th scope="col">{ "PFNs" }</th>
                            <th scope="col">{ "Span" }</th><th scope="col">{ "RAM" }</th></tr>
                    </thead>
                    <tbody>{ zone_rows }</tbody>
                </table>
            </div>
            <details class="e820-table">
                <summary>{ format!("The BIOS map as this kernel sees it ({} ranges)", m.e820.len()) }</summary>
                <div class="table-wrap" tabindex="0" role="region" aria-label="BIOS map">
                    <table>
                        <thead><tr><th scope="col">{ "Range (end exclusive)" }</th><th scope="col">{ "Size" }</th><th scope="col">{ "Type" }</th></tr></thead>
                        <tbody>{ e820_rows }</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use highmem_engine::e820::E820Map;
    use highmem_engine::layout::{compute, LayoutRequest};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    async fn zones_in_dom(
        req: LayoutRequest,
    ) -> (Layout, Vec<(String, String, String)>, web_sys::Element) {
        let l = compute(&req).unwrap();
        let root = render::<PhysicalMap>(PhysicalMapProps {
            layout: Shared(Rc::new(l.clone())),
            stacked: false,
        })
        .await;
        let zones = all(&root, "[data-zone]")
            .iter()
            .map(|z| {
                (
                    attr(z, "data-zone"),
                    attr(z, "data-start-pfn"),
                    attr(z, "data-end-pfn"),
                )
            })
            .collect();
        (l, zones, root)
    }

    #[test]
    async fn zones_in_the_dom_are_the_engines() {
        let req = LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap());
        let (_, zones, _) = zones_in_dom(req).await;
        assert_eq!(
            zones,
            vec![
                ("DMA".into(), "0x1".into(), "0x1000".into()),
                ("Normal".into(), "0x1000".into(), "0x36ffe".into()),
                ("HighMem".into(), "0x36ffe".into(), "0x7ffe0".into()),
            ]
        );
    }

    #[test]
    async fn ram_the_kernel_cannot_use_is_marked() {
        // No PAE: everything above 4 GiB is out of reach.
        let req = LayoutRequest {
            pae: false,
            ..LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(8 << 30).unwrap())
        };
        let (l, _, root) = zones_in_dom(req).await;
        assert!(l.memory.unused_pages > 0);
        let lost = all(&root, "[data-unusable]");
        assert_eq!(lost.len(), 1);
        assert_eq!(attr(&lost[0], "data-unusable"), "0x100000000");
        // HIGHMEM off: no HighMem zone at all.
        let req = LayoutRequest {
            highmem: false,
            ..LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap())
        };
        let (_, zones, root) = zones_in_dom(req).await;
        assert_eq!(zones.len(), 2);
        assert_eq!(all(&root, "[data-unusable]").len(), 1);
    }
}
