//! The 4 GiB virtual address space, to scale, in three panels: all of it, the kernel's
//! gigabyte, and the top few MiB where the small windows (pkmap, fixmap…) live.
//!
//! Each region is drawn in every panel it shows in, but labelled, focusable and tagged for
//! tests (`data-region`, `data-start`, `data-end`) once: in its *primary* panel, the widest one
//! that shows it readably.

use super::Shared;
use crate::format::{hex32, is_hole, region_id, size_short};
use crate::geometry::{primary_panel, spread, zoom_start, Panel, PanelId, VmapGeometry, FOUR_GIB};
use highmem_engine::layout::{Layout, Region, RegionKind, PAGE_OFFSET};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Props of [`VirtualMap`].
#[derive(Properties, PartialEq)]
pub struct VirtualMapProps {
    /// The layout to draw.
    pub layout: Shared<Layout>,
    /// The region the reader is looking at (index into `layout.regions`).
    pub selected: usize,
    /// Narrow screens: the zoom goes above the kernel panel instead of beside it.
    pub stacked: bool,
    /// The pointer entered (`Some`) or left (`None`) a region.
    pub on_hover: Callback<Option<usize>>,
    /// A region gained (`Some`) or lost (`None`) keyboard focus.
    pub on_focus: Callback<Option<usize>>,
}

/// Height of a two-line label: wide figures, and stacked ones (drawn smaller, so their text
/// is larger in viewBox units).
const LABEL_H: f64 = 29.0;
const LABEL_H_STACKED: f64 = 33.0;

/// The DOM id of a region's focusable element.
pub fn region_dom_id(index: usize) -> String {
    format!("vmap-region-{index}")
}

/// The pattern a region kind is overlaid with, so kinds differ by more than colour.
fn pattern(kind: RegionKind) -> Option<&'static str> {
    match kind {
        RegionKind::VmallocGap | RegionKind::Guard | RegionKind::Unused | RegionKind::Top => {
            Some("url(#vmap-pat-hatch)")
        }
        RegionKind::Vmalloc => Some("url(#vmap-pat-hlines)"),
        RegionKind::Pkmap => Some("url(#vmap-pat-dots)"),
        RegionKind::LdtRemap => Some("url(#vmap-pat-vlines)"),
        RegionKind::CpuEntryArea => Some("url(#vmap-pat-grid)"),
        RegionKind::FixmapBoot => Some("url(#vmap-pat-hatch-rev)"),
        RegionKind::Fixmap => Some("url(#vmap-pat-cross)"),
        RegionKind::User | RegionKind::Lowmem => None,
    }
}

/// A region's shape in one panel: a rectangle, its pattern, and a tick when it is too thin to
/// see.
fn shape(panel: &Panel, r: &Region, extra: &'static str) -> Html {
    let Some((top, bottom)) = panel.span(r.start, r.end) else {
        return Html::default();
    };
    let (x, w, h) = (panel.x, panel.w, bottom - top);
    let kind = region_id(r.kind);
    let class = classes!(
        "shape",
        format!("fill-{kind}"),
        is_hole(r.kind).then_some("hole"),
        extra
    );
    html! {
        <>
            <rect {class} x={fmt(x)} y={fmt(top)} width={fmt(w)} height={fmt(h)} />
            if let Some(p) = pattern(r.kind) {
                <rect class="pattern" x={fmt(x)} y={fmt(top)} width={fmt(w)} height={fmt(h)} fill={p} />
            }
            if h < 1.5 {
                <line class={classes!("thin-mark", format!("stroke-{kind}"))}
                      x1={fmt(x - 3.0)} x2={fmt(x + w + 3.0)} y1={fmt(top + h / 2.0)} y2={fmt(top + h / 2.0)} />
            }
        </>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// A label beside a panel, with its leader to the region.
struct Label {
    index: usize,
    centre: f64,
    top: f64,
    bottom: f64,
}

/// Places the labels of the regions whose primary panel is `id`.
fn labels(layout: &Layout, g: &VmapGeometry, id: PanelId, min_y: f64) -> Vec<Label> {
    let label_h = if g.stacked { LABEL_H_STACKED } else { LABEL_H };
    let panel = g.panel(id);
    // Highest address first: top of the panel first.
    let mut items: Vec<(usize, f64, f64)> = layout
        .regions
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, r)| primary_panel(r, g.top.lo) == id)
        .filter_map(|(i, r)| panel.span(r.start, r.end).map(|(t, b)| (i, t, b)))
        .collect();
    items.sort_by(|a, b| (a.1 + a.2).total_cmp(&(b.1 + b.2)));
    let ideal: Vec<f64> = items.iter().map(|(_, t, b)| (t + b) / 2.0).collect();
    let max_y = panel.bottom() + 10.0;
    let centres = spread(&ideal, label_h, min_y, max_y);
    items
        .into_iter()
        .zip(centres)
        .map(|((index, top, bottom), centre)| Label {
            index,
            centre,
            top,
            bottom,
        })
        .collect()
}

/// Moves keyboard focus to a region's element.
fn focus_region(index: usize) {
    let el = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(&region_dom_id(index)))
        .and_then(|e| e.dyn_into::<web_sys::SvgElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

/// The virtual address space figure.
#[component]
pub fn VirtualMap(props: &VirtualMapProps) -> Html {
    let l = &props.layout;
    let g = VmapGeometry::new(props.stacked, zoom_start(l));
    let count = l.regions.len();
    let selected = props.selected;
    let (label_h, line2) = if g.stacked {
        (LABEL_H_STACKED, "14")
    } else {
        (LABEL_H, "12")
    };

    // Labels, placed per panel.
    let kernel_labels = labels(l, &g, PanelId::Kernel, g.kernel_labels_min_y());
    let top_labels = labels(l, &g, PanelId::Top, g.top.y - 8.0);
    let label_of = |i: usize| {
        kernel_labels
            .iter()
            .map(|lab| (lab, g.kernel_labels_x, g.kernel_labels_w, &g.kernel))
            .chain(
                top_labels
                    .iter()
                    .map(|lab| (lab, g.top_labels_x, g.width - g.top_labels_x, &g.top)),
            )
            .find(|(lab, _, _, _)| lab.index == i)
    };

    let hover = |i: Option<usize>| {
        let cb = props.on_hover.clone();
        Callback::from(move |_: MouseEvent| cb.emit(i))
    };
    let focus = |i: Option<usize>| {
        let cb = props.on_focus.clone();
        Callback::from(move |_: FocusEvent| cb.emit(i))
    };
    let on_key = |i: usize| {
        Callback::from(move |e: KeyboardEvent| {
            let target = match e.key().as_str() {
                "ArrowUp" | "ArrowRight" => (i + 1 < count).then_some(i + 1),
                "ArrowDown" | "ArrowLeft" => i.checked_sub(1),
                "Home" => Some(count - 1),
                "End" => Some(0),
                _ => return,
            };
            e.prevent_default();
            if let Some(t) = target {
                focus_region(t);
            }
        })
    };

    // Panels' captions and the full panel's gigabyte ticks.
    let zoom_mib = (FOUR_GIB - g.top.lo) >> 20;
    let (cap_full, cap_kernel, cap_top) = if g.stacked {
        (
            "all 4 GiB",
            "kernel 1 GiB",
            format!("top {zoom_mib} MiB, enlarged"),
        )
    } else {
        ("4 GiB", "kernel 1 GiB", format!("top {zoom_mib} MiB"))
    };
    let caption_y = |p: &Panel| {
        if g.stacked && p.lo != g.top.lo {
            p.bottom() + 16.0
        } else {
            p.y - 10.0
        }
    };
    let ticks: Html = (0..=4u64)
        .map(|gib| {
            let y = g.full.y_of(gib << 30);
            let text = if g.stacked {
                format!("{gib}G")
            } else {
                format!("{gib} GiB")
            };
            html! {
                <g class={classes!("tick", (gib == 3).then_some("tick-split"))}>
                    <line x1={fmt(g.full.x - 5.0)} x2={fmt(g.full.x)} y1={fmt(y)} y2={fmt(y)} />
                    <text x={fmt(g.full.x - 8.0)} y={fmt(y + 3.5)} text-anchor="end">{ text }</text>
                </g>
            }
        })
        .collect();

    let points = |pts: Vec<(f64, f64)>| {
        pts.iter()
            .map(|(x, y)| format!("{x:.2},{y:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };

    // Every region in every panel where it is not labelled: the backdrop.
    let backdrop: Html = [PanelId::Full, PanelId::Kernel, PanelId::Top]
        .into_iter()
        .flat_map(|pid| {
            l.regions.iter().enumerate().filter_map(move |(i, r)| {
                (primary_panel(r, g.top.lo) != pid).then_some((pid, i, r))
            })
        })
        .map(|(pid, i, r)| {
            let sel = (i == selected).then_some("is-selected");
            html! {
                <g class="echo" onmouseenter={hover(Some(i))} onmouseleave={hover(None)}>
                    { shape(g.panel(pid), r, sel.unwrap_or("")) }
                </g>
            }
        })
        .collect();

    // The regions proper, highest address first (the reading and tab order).
    let regions: Html = l
        .regions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, r)| {
            let pid = primary_panel(r, g.top.lo);
            let panel = g.panel(pid);
            let kind = region_id(r.kind);
            let size = size_short(r.size());
            let range = format!("{}–{}", hex32(r.start), hex32(r.end));
            let aria = format!("{}: {} to {}, {}", r.label, hex32(r.start), hex32(r.end), size);
            let label: Html = match (pid, label_of(i)) {
                (PanelId::Full, _) => {
                    // Inside the bar, turned to run along it.
                    let (top, bottom) = panel.span(r.start, r.end).unwrap_or((0.0, 0.0));
                    let cx = panel.x + panel.w / 2.0;
                    let cy = (top + bottom) / 2.0;
                    html! {
                        <text class="inbar" transform={format!("translate({cx:.2} {cy:.2}) rotate(-90)")} text-anchor="middle">
                            <tspan class="label-name" x="0" y="-3">{ format!("{} · {}", r.label, size) }</tspan>
                            <tspan class="label-range" x="0" y="9">{ range.clone() }</tspan>
                        </text>
                    }
                }
                (_, Some((lab, x, w, p))) => {
                    let bar = p.right();
                    let tall = lab.bottom - lab.top >= 6.0;
                    let anchor = lab.centre.clamp(lab.top, lab.bottom);
                    let leader = if tall {
                        format!(
                            "M {:.2} {:.2} h 4 V {:.2} h -4 M {:.2} {:.2} C {:.2} {:.2} {:.2} {:.2} {:.2} {:.2}",
                            bar + 1.0, lab.top + 0.5, lab.bottom - 0.5, bar + 5.0, anchor,
                            bar + 12.0, anchor, x - 10.0, lab.centre, x - 3.0, lab.centre
                        )
                    } else {
                        let mid = (lab.top + lab.bottom) / 2.0;
                        format!(
                            "M {:.2} {:.2} h 6 C {:.2} {:.2} {:.2} {:.2} {:.2} {:.2}",
                            bar + 1.0, mid, bar + 14.0, mid, x - 10.0, lab.centre, x - 3.0, lab.centre
                        )
                    };
                    html! {
                        <>
                            <path class="leader" d={leader} />
                            <rect class="label-box" x={fmt(x - 2.0)} y={fmt(lab.centre - label_h / 2.0)}
                                  width={fmt(w + 2.0)} height={fmt(label_h - 1.0)} rx="3" />
                            <text class="label" x={fmt(x)} y={fmt(lab.centre - 2.5)}>
                                <tspan class="label-name">{ format!("{} · {}", r.label, size) }</tspan>
                                <tspan class="label-range" x={fmt(x)} dy={line2}>{ range.clone() }</tspan>
                            </text>
                        </>
                    }
                }
                _ => Html::default(),
            };
            html! {
                <g id={region_dom_id(i)}
                   class={classes!("region", format!("region-{kind}"), (i == selected).then_some("is-selected"))}
                   role="listitem" tabindex="0" aria-label={aria}
                   data-region={kind} data-start={hex32(r.start)} data-end={hex32(r.end)}
                   onmouseenter={hover(Some(i))} onmouseleave={hover(None)}
                   onfocus={focus(Some(i))} onblur={focus(None)}
                   onkeydown={on_key(i)}>
                    { shape(panel, r, "primary") }
                    { label }
                </g>
            }
        })
        .collect();

    let frame = |p: &Panel| {
        html! { <rect class="panel-frame" x={fmt(p.x)} y={fmt(p.y)} width={fmt(p.w)} height={fmt(p.h)} /> }
    };
    let kernel_caption = {
        // The kernel's quarter in the full bar, named along the bar.
        let (top, bottom) = (g.full.y_of(FOUR_GIB), g.full.y_of(PAGE_OFFSET));
        let cx = g.full.x + g.full.w / 2.0;
        let cy = (top + bottom) / 2.0;
        html! {
            <text class="inbar inbar-kernel" transform={format!("translate({cx:.2} {cy:.2}) rotate(-90)")} text-anchor="middle" dy="4">
                { "kernel · 1 GiB" }
            </text>
        }
    };
    let view_box = format!("0 0 {} {}", g.width, g.height);
    let class = classes!("vmap", g.stacked.then_some("vmap-stacked"));

    html! {
        <figure {class}>
            <svg class="vmap-svg" viewBox={view_box} role="group" aria-labelledby="vmap-caption"
                 preserveAspectRatio="xMinYMin meet">
                <defs>
                    <pattern id="vmap-pat-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <line class="pat-line" x1="0" y1="0" x2="0" y2="6" />
                    </pattern>
                    <pattern id="vmap-pat-hatch-rev" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
                        <line class="pat-line" x1="0" y1="0" x2="0" y2="5" />
                    </pattern>
                    <pattern id="vmap-pat-hlines" width="6" height="6" patternUnits="userSpaceOnUse">
                        <line class="pat-line" x1="0" y1="3" x2="6" y2="3" />
                    </pattern>
                    <pattern id="vmap-pat-vlines" width="5" height="5" patternUnits="userSpaceOnUse">
                        <line class="pat-line" x1="2.5" y1="0" x2="2.5" y2="5" />
                    </pattern>
                    <pattern id="vmap-pat-dots" width="5" height="5" patternUnits="userSpaceOnUse">
                        <circle class="pat-dot" cx="2.5" cy="2.5" r="1" />
                    </pattern>
                    <pattern id="vmap-pat-grid" width="6" height="6" patternUnits="userSpaceOnUse">
                        <path class="pat-line" d="M 0 3 H 6 M 3 0 V 6" />
                    </pattern>
                    <pattern id="vmap-pat-cross" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <path class="pat-line" d="M 0 3 H 6 M 3 0 V 6" />
                    </pattern>
                </defs>
                <g class="guides" aria-hidden="true">
                    <polygon class="guide" points={points(g.kernel_guide())} />
                    <polygon class="guide" points={points(g.top_guide())} />
                </g>
                <g class="captions" aria-hidden="true">
                    <text class="caption" x={fmt(g.full.x + g.full.w / 2.0)} y={fmt(caption_y(&g.full))} text-anchor="middle">{ cap_full }</text>
                    <text class="caption" x={fmt(g.kernel.x)} y={fmt(caption_y(&g.kernel))}>{ cap_kernel }</text>
                    <text class="caption" x={fmt(g.top.x)} y={fmt(caption_y(&g.top))}>{ cap_top }</text>
                    { ticks }
                </g>
                <g class="backdrop" aria-hidden="true">{ backdrop }</g>
                <g class="regions" role="list" aria-label="Regions, highest address first">{ regions }</g>
                <g class="frames" aria-hidden="true">
                    { frame(&g.full) }{ frame(&g.kernel) }{ frame(&g.top) }
                    { kernel_caption }
                </g>
            </svg>
            <figcaption id="vmap-caption" class="visually-hidden">
                { format!(
                    "The 32-bit virtual address space of Linux {}: user space below {}, the kernel above, \
                     with the kernel's gigabyte and its top {} MiB enlarged. Each region is listed with \
                     its exact boundaries in the table below.",
                    l.resolved.profile, hex32(PAGE_OFFSET), zoom_mib
                ) }
            </figcaption>
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

    fn props(req: LayoutRequest, stacked: bool) -> VirtualMapProps {
        VirtualMapProps {
            layout: Shared(Rc::new(compute(&req).unwrap())),
            selected: 1,
            stacked,
            on_hover: Callback::noop(),
            on_focus: Callback::noop(),
        }
    }

    fn parse_hex(s: &str) -> u64 {
        u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
    }

    /// The boundaries in the DOM are the engine's, region for region.
    #[test]
    async fn dom_boundaries_equal_the_engines_regions() {
        for id in ProfileId::ALL {
            for (ram, pae, highmem) in [
                (2u64 << 30, true, true),
                (512 << 20, false, true),
                (8 << 30, false, false),
            ] {
                let req = LayoutRequest {
                    pae,
                    highmem,
                    ..LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap())
                };
                let Ok(layout) = compute(&req) else { continue };
                for stacked in [false, true] {
                    let root = render::<VirtualMap>(props(req.clone(), stacked)).await;
                    let els = all(&root, "[data-region]");
                    let mut dom: Vec<(String, u64, u64)> = els
                        .iter()
                        .map(|e| {
                            (
                                attr(e, "data-region"),
                                parse_hex(&attr(e, "data-start")),
                                parse_hex(&attr(e, "data-end")),
                            )
                        })
                        .collect();
                    dom.sort_by_key(|d| d.1);
                    let engine: Vec<(String, u64, u64)> = layout
                        .regions
                        .iter()
                        .map(|r| (region_id(r.kind).to_string(), r.start, r.end))
                        .collect();
                    assert_eq!(dom, engine, "{id} {ram} pae={pae} highmem={highmem}");
                    // Attributes are 8 lowercase hex digits (the top of memory has 9).
                    for e in &els {
                        let s = attr(e, "data-start");
                        assert_eq!(s.len(), 10, "{s}");
                        assert_eq!(s, s.to_lowercase());
                    }
                    assert_eq!(attr(els.first().unwrap(), "data-end"), "0x100000000");
                }
            }
        }
    }

    #[test]
    async fn every_region_is_focusable_and_named() {
        let req = LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap());
        let root = render::<VirtualMap>(props(req, false)).await;
        for e in all(&root, "[data-region]") {
            assert_eq!(attr(&e, "tabindex"), "0");
            let label = attr(&e, "aria-label");
            assert!(label.contains(" to 0x"), "{label}");
        }
        // The pkmap window is labelled with its exact range.
        let pkmap = all(&root, "[data-region=pkmap]");
        assert_eq!(pkmap.len(), 1);
        assert!(pkmap[0]
            .text_content()
            .unwrap()
            .contains("0xff000000–0xff200000"));
    }

    #[test]
    async fn labels_do_not_overlap() {
        let req = LayoutRequest::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap());
        for stacked in [false, true] {
            let root = render::<VirtualMap>(props(req.clone(), stacked)).await;
            let mut boxes: Vec<(f64, f64, f64)> = all(&root, ".label-box")
                .iter()
                .map(|b| {
                    let n = |a| attr(b, a).parse::<f64>().unwrap();
                    (n("x"), n("y"), n("height"))
                })
                .collect();
            boxes.sort_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap());
            for w in boxes.windows(2) {
                if (w[0].0 - w[1].0).abs() < 1e-6 {
                    assert!(w[0].1 + w[0].2 <= w[1].1 + 1e-6, "{w:?}");
                }
            }
        }
    }
}
