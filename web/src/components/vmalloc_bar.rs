//! The vmalloc range drawn to scale: every area (its mapped pages and its guard page), the
//! ranges freed lazily and not yet purged (2.6.32, 6.1), and the holes between them, with the
//! figures that say how fragmented it is.
//!
//! Two bars: the whole range, and when the areas use less than half of it, the part from
//! `VMALLOC_START` to a little past the highest area, enlarged. The second bar is one tab
//! stop (a listbox of areas): the arrow keys move between areas and Enter chooses one. Each
//! kind has its own fill pattern and every area its number, so colour never carries the
//! meaning alone.

use super::Shared;
use crate::format::{hex32, size_short};
use highmem_engine::machine::Machine;
use highmem_engine::vmalloc::{VmArea, VmallocSpace, VM_IOREMAP, VM_MAP};
use yew::prelude::*;

/// What a stretch of the range holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// An area's mapped pages.
    Area,
    /// An area's guard page: reserved, never mapped.
    Guard,
    /// Freed, waiting for the purge.
    Lazy,
    /// Free.
    Hole,
}

impl PieceKind {
    /// Its id, for classes and tests.
    pub fn id(self) -> &'static str {
        match self {
            PieceKind::Area => "area",
            PieceKind::Guard => "guard",
            PieceKind::Lazy => "lazy",
            PieceKind::Hole => "hole",
        }
    }
}

/// A stretch of the range, `[start, end)`; `area` is the area's index in address order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// What it holds.
    pub kind: PieceKind,
    /// First byte.
    pub start: u64,
    /// One past the last.
    pub end: u64,
    /// For an area or its guard page: the area's number (0-based, by address).
    pub area: Option<usize>,
}

/// An area's kind, as `/proc/vmallocinfo` names it.
pub fn area_kind(a: &VmArea) -> &'static str {
    if a.flags & VM_IOREMAP != 0 {
        "ioremap"
    } else if a.flags & VM_MAP != 0 {
        "vmap"
    } else {
        "vmalloc"
    }
}

/// The whole range cut into pieces, lowest first: they cover `[VMALLOC_START, VMALLOC_END)`
/// exactly once.
pub fn pieces(space: &VmallocSpace) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for (i, a) in space.areas.values().enumerate() {
        let (s, e) = (u64::from(a.addr), u64::from(a.addr) + u64::from(a.size));
        let mapped = s + u64::from(a.mapped_size());
        out.push(Piece {
            kind: PieceKind::Area,
            start: s,
            end: mapped,
            area: Some(i),
        });
        if mapped < e {
            out.push(Piece {
                kind: PieceKind::Guard,
                start: mapped,
                end: e,
                area: Some(i),
            });
        }
    }
    for l in space.lazy.values() {
        out.push(Piece {
            kind: PieceKind::Lazy,
            start: u64::from(l.start),
            end: u64::from(l.end),
            area: None,
        });
    }
    for (s, e) in space.gaps() {
        out.push(Piece {
            kind: PieceKind::Hole,
            start: u64::from(s),
            end: u64::from(e),
            area: None,
        });
    }
    out.sort_by_key(|p| (p.start, p.end));
    out
}

/// The part of the range worth enlarging: from `VMALLOC_START` to a little past the highest
/// reserved byte, when that is less than half the range.
pub fn zoom_window(space: &VmallocSpace) -> Option<(u64, u64)> {
    let (lo, end) = (u64::from(space.start), u64::from(space.end));
    let top = space
        .areas
        .values()
        .map(|a| u64::from(a.addr) + u64::from(a.size))
        .chain(space.lazy.values().map(|l| u64::from(l.end)))
        .max()?;
    let used = top - lo;
    if used * 2 >= end - lo {
        return None;
    }
    let margin = (used / 4).max(16 * 4096);
    let hi = ((top + margin).div_ceil(4096) * 4096).min(end);
    Some((lo, hi))
}

/// A piece placed on a bar `width` wide that shows `[lo, hi)`: its left edge and width.
/// Areas and lazy ranges are at least `min_w` wide so that a one-page area stays visible;
/// everything else is exactly to scale.
pub fn place(p: &Piece, lo: u64, hi: u64, width: f64, min_w: f64) -> Option<(f64, f64)> {
    if p.end <= lo || p.start >= hi || hi <= lo {
        return None;
    }
    let scale = width / (hi - lo) as f64;
    let s = p.start.max(lo);
    let e = p.end.min(hi);
    let x = (s - lo) as f64 * scale;
    let w = (e - s) as f64 * scale;
    let w = match p.kind {
        PieceKind::Area | PieceKind::Lazy => w.max(min_w),
        PieceKind::Guard => w.max(min_w / 2.0),
        PieceKind::Hole => w,
    };
    Some((x, w.min(width - x).max(0.0)))
}

/// The area an arrow key moves the cursor to, among `n` areas, or `None` for another key.
pub fn area_step(key: &str, at: usize, n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let at = at.min(n - 1);
    Some(match key {
        "ArrowLeft" | "ArrowUp" => at.saturating_sub(1),
        "ArrowRight" | "ArrowDown" => (at + 1).min(n - 1),
        "Home" => 0,
        "End" => n - 1,
        _ => return None,
    })
}

/// An area as a screen reader hears it.
pub fn area_words(n: usize, a: &VmArea) -> String {
    let guard = if a.size > a.mapped_size() {
        " and a guard page"
    } else {
        ""
    };
    let who = a
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    format!(
        "Area {}{who}: {}, {} to {}, {} mapped{guard}",
        n + 1,
        area_kind(a),
        hex32(u64::from(a.addr)),
        hex32(u64::from(a.end())),
        size_short(u64::from(a.mapped_size())),
    )
}

/// Props of [`VmallocBar`].
#[derive(Properties, PartialEq)]
pub struct VmallocBarProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The chosen area's address, if any.
    pub chosen: Option<u32>,
    /// Choose an area (its address).
    pub on_choose: Callback<u32>,
}

/// Width of the bars' drawing, in SVG units.
const W: f64 = 640.0;
/// Height of a bar.
const BAR_H: f64 = 34.0;
/// The narrowest an area is drawn.
const MIN_W: f64 = 2.0;

fn fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// The bar's pieces as SVG, the areas as options when `interactive`.
fn bar_pieces(
    space: &VmallocSpace,
    all: &[Piece],
    (lo, hi): (u64, u64),
    interactive: bool,
    chosen: Option<u32>,
    cursor: Option<usize>,
) -> Html {
    let areas: Vec<&VmArea> = space.areas.values().collect();
    let background = all.iter().filter(|p| p.area.is_none()).filter_map(|p| {
        let (x, w) = place(p, lo, hi, W, MIN_W)?;
        let title = match p.kind {
            PieceKind::Lazy => format!(
                "lazily freed, waiting for the purge: {} – {} ({})",
                hex32(p.start),
                hex32(p.end),
                size_short(p.end - p.start)
            ),
            _ => format!(
                "free: {} – {} ({})",
                hex32(p.start),
                hex32(p.end),
                size_short(p.end - p.start)
            ),
        };
        Some(html! {
            <rect class={classes!("vm-piece", format!("vm-{}", p.kind.id()))}
                  x={fmt(x)} y="0" width={fmt(w)} height={fmt(BAR_H)}
                  data-start={hex32(p.start)} data-end={hex32(p.end)}>
                <title>{ title }</title>
            </rect>
        })
    });
    let area_groups = areas.iter().enumerate().filter_map(|(i, a)| {
        let mine: Vec<&Piece> = all.iter().filter(|p| p.area == Some(i)).collect();
        let main = mine.iter().find(|p| p.kind == PieceKind::Area)?;
        let (x, w) = place(main, lo, hi, W, MIN_W)?;
        let guard = mine
            .iter()
            .find(|p| p.kind == PieceKind::Guard)
            .and_then(|g| place(g, lo, hi, W, MIN_W));
        let is_chosen = chosen == Some(a.addr);
        let label = (i + 1).to_string();
        let fits = w > label.len() as f64 * 7.0 + 4.0;
        let words = area_words(i, a);
        Some(html! {
            <g class={classes!("vm-area", format!("vm-kind-{}", area_kind(a)),
                               is_chosen.then_some("chosen"), (cursor == Some(i)).then_some("vm-cursor"))}
               id={interactive.then(|| format!("vm-opt-{:x}", a.addr))}
               role={interactive.then_some("option")}
               aria-selected={interactive.then(|| is_chosen.to_string())}
               aria-label={interactive.then(|| words.clone())}
               aria-hidden={(!interactive).then_some("true")}
               data-start={hex32(u64::from(a.addr))} data-end={hex32(u64::from(a.end()))}
               data-kind={area_kind(a)} data-n={(i + 1).to_string()}>
                <rect class="vm-piece vm-mapped" x={fmt(x)} y="0" width={fmt(w)} height={fmt(BAR_H)} />
                if let Some((gx, gw)) = guard {
                    <rect class="vm-piece vm-guard" x={fmt(gx)} y="0" width={fmt(gw)} height={fmt(BAR_H)} />
                }
                if fits {
                    <text class="vm-label" x={fmt(x + w / 2.0)} y={fmt(BAR_H / 2.0 + 4.0)} text-anchor="middle" aria-hidden="true">{ label }</text>
                }
                if is_chosen {
                    <path class="vm-chosen-mark" d={format!("M {} {} l -5 -7 h 10 z", fmt(x + w / 2.0), fmt(-1.0))} />
                }
                // The options' name is their aria-label: a title would count as visible text.
                if !interactive {
                    <title>{ words }</title>
                }
            </g>
        })
    });
    html! {
        <>
            <g aria-hidden="true">{ for background }</g>
            { for area_groups }
            <rect class="bar-frame" x="0" y="0" width={fmt(W)} height={fmt(BAR_H)} aria-hidden="true" />
        </>
    }
}

/// Axis labels under a bar.
fn axis(lo: u64, hi: u64) -> Html {
    let y = fmt(BAR_H + 14.0);
    html! {
        <g class="vm-axis" aria-hidden="true">
            <text x="0" y={y.clone()}>{ hex32(lo) }</text>
            <text x={fmt(W)} y={y} text-anchor="end">{ hex32(hi) }</text>
        </g>
    }
}

/// The bars, the key and the figures.
#[component]
pub fn VmallocBar(props: &VmallocBarProps) -> Html {
    let m: &Machine = &props.machine;
    let space = m.vmalloc_space();
    let cursor = use_state(|| None::<u32>);
    let all = pieces(space);
    let addrs: Vec<u32> = space.areas.keys().copied().collect();
    let full = (u64::from(space.start), u64::from(space.end));
    let zoom = zoom_window(space);
    let window = zoom.unwrap_or(full);
    let at = (*cursor)
        .and_then(|c| addrs.iter().position(|&a| a == c))
        .or_else(|| {
            props
                .chosen
                .and_then(|c| addrs.iter().position(|&a| a == c))
        })
        .unwrap_or(0);
    let metrics = m.metrics();
    let lazy_era = matches!(
        space.allocator,
        highmem_engine::vmalloc::Allocator::VmapLazy
            | highmem_engine::vmalloc::Allocator::VmapFreeTree
    );

    let on_key = {
        let (cursor, addrs, choose) = (cursor.clone(), addrs.clone(), props.on_choose.clone());
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            if key == "Enter" || key == " " {
                e.prevent_default();
                if let Some(&a) = addrs.get(at) {
                    choose.emit(a);
                }
            } else if let Some(to) = area_step(&key, at, addrs.len()) {
                e.prevent_default();
                cursor.set(addrs.get(to).copied());
            }
        })
    };
    let on_click = {
        let (cursor, choose) = (cursor.clone(), props.on_choose.clone());
        Callback::from(move |e: MouseEvent| {
            use wasm_bindgen::JsCast;
            let addr = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest(".vm-area").ok().flatten())
                .and_then(|el| el.get_attribute("data-start"))
                .and_then(|s| crate::format::parse_number(&s))
                .map(|a| a as u32);
            if let Some(a) = addr {
                cursor.set(Some(a));
                choose.emit(a);
            }
        })
    };

    let view_box = format!("0 -10 {} {}", fmt(W), fmt(BAR_H + 28.0));
    let summary = format!(
        "The whole vmalloc range, {} – {}: {} area{}, {} free in {} hole{}",
        hex32(full.0),
        hex32(full.1),
        addrs.len(),
        if addrs.len() == 1 { "" } else { "s" },
        size_short(metrics.vmalloc_free),
        metrics.vmalloc_holes,
        if metrics.vmalloc_holes == 1 { "" } else { "s" },
    );
    let has_areas = !addrs.is_empty();
    let detail_label = format!(
        "{summary}. Areas from {} to {}{}; arrow keys move between areas, Enter chooses one",
        hex32(window.0),
        hex32(window.1),
        if zoom.is_some() { ", enlarged" } else { "" }
    );

    html! {
        <div id="vmalloc-range" class="vm-range" data-areas={addrs.len().to_string()}
             data-lazy={space.lazy.len().to_string()}>
            <ul class="key vm-key">
                <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-mapped vm-kind-vmalloc-demo" x="1" y="1" width="24" height="12" /></svg>{ "vmalloc area (its number in the list)" }</li>
                <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-mapped vm-kind-vmap-demo" x="1" y="1" width="24" height="12" /></svg>{ "vmap area (vertical stripes)" }</li>
                <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-mapped vm-kind-ioremap-demo" x="1" y="1" width="24" height="12" /></svg>{ "ioremap area (dots)" }</li>
                <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-guard" x="1" y="1" width="8" height="12" /></svg>{ "guard page (solid, never mapped)" }</li>
                if lazy_era {
                    <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-lazy" x="1" y="1" width="24" height="12" /></svg>{ "freed lazily, waiting for the purge (hatched)" }</li>
                }
                <li><svg width="26" height="14" aria-hidden="true"><rect class="vm-piece vm-hole" x="1" y="1" width="24" height="12" /></svg>{ "free (a hole)" }</li>
                <li><span class="vm-chosen-demo" aria-hidden="true">{ "▼" }</span>{ "the chosen area" }</li>
            </ul>
            <svg width="0" height="0" class="vm-defs" aria-hidden="true" focusable="false">
                <defs>
                    <pattern id="vm-pat-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                        <rect class="vm-pat-bg-lazy" width="6" height="6" />
                        <line class="vm-pat-ink" x1="0" y1="0" x2="0" y2="6" />
                    </pattern>
                    <pattern id="vm-pat-vlines" width="4" height="4" patternUnits="userSpaceOnUse">
                        <rect class="vm-pat-bg-vmap" width="4" height="4" />
                        <line class="vm-pat-ink" x1="2" y1="0" x2="2" y2="4" />
                    </pattern>
                    <pattern id="vm-pat-dots" width="4" height="4" patternUnits="userSpaceOnUse">
                        <rect class="vm-pat-bg-io" width="4" height="4" />
                        <circle class="vm-pat-dot" cx="2" cy="2" r="1" />
                    </pattern>
                </defs>
            </svg>
            if zoom.is_some() || !has_areas {
                <p class="vm-bar-title" id="vm-full-title">{ "The whole range" }</p>
                <svg class="vm-bar vm-full" viewBox={view_box.clone()} role="img" aria-label={summary}
                     preserveAspectRatio="xMinYMin meet">
                    { bar_pieces(space, &all, full, false, props.chosen, None) }
                    { axis(full.0, full.1) }
                </svg>
            }
            if has_areas {
                <p class="vm-bar-title" id="vm-detail-title">
                    { if zoom.is_some() {
                        "Its first part, enlarged (to scale; a one-page area is drawn at least 2 units wide)"
                    } else {
                        "The whole range (to scale; a one-page area is drawn at least 2 units wide)"
                    } }
                </p>
            }
            if has_areas {
                <svg class="vm-bar vm-detail" viewBox={view_box} role="listbox" tabindex="0"
                     aria-label={detail_label.clone()}
                     aria-activedescendant={addrs.get(at).map(|a| format!("vm-opt-{a:x}"))}
                     preserveAspectRatio="xMinYMin meet" onkeydown={on_key} onclick={on_click}>
                    { bar_pieces(space, &all, window, true, props.chosen, Some(at)) }
                    { axis(window.0, window.1) }
                </svg>
            } else {
                <p class="hint" id="vm-empty">{ "No areas yet: the whole range is one hole. Run vmalloc below, or a scenario." }</p>
            }
            <dl class="vm-stats">
                <div data-stat="used"><dt>{ "Used" }</dt><dd>{ size_short(metrics.vmalloc_used) }</dd></div>
                if lazy_era {
                    <div data-stat="lazy"><dt>{ "Lazily freed" }</dt><dd>{ size_short(metrics.vmalloc_lazy) }</dd></div>
                }
                <div data-stat="free"><dt>{ "Free" }</dt><dd>{ size_short(metrics.vmalloc_free) }</dd></div>
                <div data-stat="largest"><dt>{ "Largest hole" }</dt><dd>{ size_short(metrics.vmalloc_largest_free) }</dd></div>
                <div data-stat="holes"><dt>{ "Holes" }</dt><dd>{ metrics.vmalloc_holes.to_string() }</dd></div>
                <div data-stat="total"><dt>{ "Range" }</dt><dd>{ size_short(metrics.vmalloc_total) }</dd></div>
            </dl>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::vmalloc::{Allocator, LazyRange, PagesArray, PAGE, VM_ALLOC};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn area(addr: u32, pages: u32, flags: u32) -> VmArea {
        VmArea {
            addr,
            size: (pages + 1) * PAGE,
            flags,
            pages: Vec::new(),
            phys_addr: 0,
            caller: String::new(),
            name: None,
            returned: addr,
            array: PagesArray::None,
        }
    }

    fn space() -> VmallocSpace {
        let mut s = VmallocSpace::new(0xf800_0000, 0xf900_0000, Allocator::VmapFreeTree);
        s.insert(area(0xf800_0000, 4, VM_ALLOC));
        s.insert(area(0xf800_8000, 1, VM_MAP));
        s.lazy.insert(
            0xf800_5000,
            LazyRange {
                start: 0xf800_5000,
                end: 0xf800_7000,
            },
        );
        s.lazy_nr = 2;
        s
    }

    #[test]
    fn pieces_cover_the_range_once_in_order() {
        let s = space();
        let p = pieces(&s);
        assert_eq!(p.first().unwrap().start, u64::from(s.start));
        assert_eq!(p.last().unwrap().end, u64::from(s.end));
        for w in p.windows(2) {
            assert_eq!(w[0].end, w[1].start, "{w:?}");
        }
        let kinds: Vec<_> = p.iter().map(|p| p.kind).collect();
        use PieceKind::*;
        assert_eq!(
            kinds,
            [Area, Guard, Lazy, Hole, Area, Guard, Hole],
            "area 1, its guard, the lazy range, a page free, area 2 and the rest"
        );
        assert_eq!(p[0].end - p[0].start, 4 * u64::from(PAGE));
        assert_eq!(p[4].area, Some(1));
        assert_eq!(area_kind(s.area(0xf800_8000).unwrap()), "vmap");
    }

    #[test]
    fn the_bar_is_to_scale_with_a_floor_for_tiny_areas() {
        let s = space();
        let (lo, hi) = (u64::from(s.start), u64::from(s.end));
        let p = pieces(&s);
        // 16 MiB over 640 units: a 4-page area is 0.625 units, drawn 2 wide.
        let (x, w) = place(&p[0], lo, hi, 640.0, 2.0).unwrap();
        assert_eq!((x, w), (0.0, 2.0));
        // The last hole is exactly to scale and ends at the right edge.
        let last = p.last().unwrap();
        let (x, w) = place(last, lo, hi, 640.0, 2.0).unwrap();
        assert!((x + w - 640.0).abs() < 1e-9);
        let expected = (last.end - last.start) as f64 * 640.0 / (hi - lo) as f64;
        assert!((w - expected).abs() < 1e-9);
        // Outside the window: not drawn.
        assert_eq!(place(last, lo, lo + 0x8000, 640.0, 2.0), None);
    }

    #[test]
    fn a_small_use_is_enlarged_and_a_large_one_is_not() {
        let s = space();
        let (lo, hi) = zoom_window(&s).unwrap();
        assert_eq!(lo, u64::from(s.start));
        assert!(hi > 0xf800_a000 && hi < u64::from(s.end), "{hi:#x}");
        let mut big = VmallocSpace::new(0xf800_0000, 0xf801_0000, Allocator::Vmlist26);
        big.insert(area(0xf800_0000, 10, VM_ALLOC));
        assert_eq!(zoom_window(&big), None, "11 of 16 pages used");
        let empty = VmallocSpace::new(0xf800_0000, 0xf801_0000, Allocator::Vmlist26);
        assert_eq!(zoom_window(&empty), None);
    }

    #[test]
    fn arrows_move_between_areas_and_stop_at_the_ends() {
        assert_eq!(area_step("ArrowRight", 0, 3), Some(1));
        assert_eq!(area_step("ArrowRight", 2, 3), Some(2));
        assert_eq!(area_step("ArrowLeft", 0, 3), Some(0));
        assert_eq!(area_step("ArrowUp", 2, 3), Some(1));
        assert_eq!(area_step("End", 0, 3), Some(2));
        assert_eq!(area_step("Home", 2, 3), Some(0));
        assert_eq!(area_step("x", 0, 3), None);
        assert_eq!(area_step("ArrowRight", 0, 0), None);
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod dom_tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::components::vmalloc_frames::{VmallocFrames, VmallocFramesProps};
    use crate::format::hex;
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::MachineConfig;
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// The first `steps` steps of a scenario.
    fn ran(profile: ProfileId, id: &str, steps: usize) -> Lab {
        let mut l = Lab::boot(MachineConfig::new(
            profile,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .start_scenario(crate::scenarios::find(id).unwrap(), true);
        for _ in 1..steps {
            l = l.next_step();
        }
        l
    }

    /// The bar's options are the engine's areas in address order, the chosen one selected;
    /// the lazy ranges are drawn; the frames view lists the chosen area's frames.
    #[test]
    async fn the_bar_and_the_frames_are_the_engines_areas() {
        // The lazy scenario before its purge (two ranges waiting), and fragmentation to its end.
        for (profile, id, steps, lazy) in [
            (ProfileId::V2_6_32, "vmalloc-lazy", 8, 2),
            (ProfileId::V6_1, "vmalloc-lazy", 8, 1),
            (ProfileId::V2_6_24, "vmalloc-fragment", 5, 0),
        ] {
            let l = ran(profile, id, steps);
            let m = l.machine.clone().unwrap();
            let space = m.vmalloc_space();
            let chosen = space.areas.keys().next().copied();
            let root = render::<VmallocBar>(VmallocBarProps {
                machine: m.clone(),
                chosen,
                on_choose: Callback::noop(),
            })
            .await;
            let opts = all(&root, ".vm-detail [role=option]");
            let starts: Vec<String> = opts.iter().map(|o| attr(o, "data-start")).collect();
            let want: Vec<String> = space.areas.keys().map(|&a| hex32(u64::from(a))).collect();
            assert_eq!(starts, want, "{profile}");
            assert_eq!(attr(&opts[0], "aria-selected"), "true");
            assert_eq!(space.lazy.len(), lazy, "{profile}");
            assert_eq!(all(&root, ".vm-detail .vm-lazy").len(), lazy, "{profile}");
            let frames = render::<VmallocFrames>(VmallocFramesProps {
                machine: m.clone(),
                chosen,
            })
            .await;
            let rows: Vec<String> = all(&frames, "tr[data-frame]")
                .iter()
                .map(|r| attr(r, "data-frame"))
                .collect();
            let area = space.area(chosen.unwrap()).unwrap();
            let want: Vec<String> = area
                .pages
                .iter()
                .take(crate::components::vmalloc_frames::SHOWN)
                .map(|&p| hex(p))
                .collect();
            assert_eq!(rows, want, "{profile}");
        }
    }
}
