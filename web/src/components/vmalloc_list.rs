//! The areas as a table (the same numbers as the bar), the ranges waiting for a purge, 6.1's
//! free blocks, and what the kernel itself prints: `/proc/vmallocinfo` and the `Vmalloc*`
//! lines of `/proc/meminfo`, in the era's own format, or a note that the era has no such file.

use super::vmalloc_bar::area_kind;
use super::{range_cell, size_cell, Shared};
use crate::format::hex32;
use highmem_engine::machine::Machine;
use highmem_engine::vmalloc::Allocator;
use yew::prelude::*;

/// Props of [`VmallocList`].
#[derive(Properties, PartialEq)]
pub struct VmallocListProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The chosen area.
    pub chosen: Option<u32>,
    /// Choose an area.
    pub on_choose: Callback<u32>,
}

/// The view.
#[component]
pub fn VmallocList(props: &VmallocListProps) -> Html {
    let m: &Machine = &props.machine;
    let space = m.vmalloc_space();
    let name = m.profile().name;
    let rows = space.areas.values().enumerate().map(|(i, a)| {
        let chosen = props.chosen == Some(a.addr);
        let on_choose = {
            let (cb, addr) = (props.on_choose.clone(), a.addr);
            Callback::from(move |_: MouseEvent| cb.emit(addr))
        };
        let who = match (&a.name, a.caller.is_empty()) {
            (Some(n), false) => format!("{n} · {}", a.caller),
            (Some(n), true) => n.clone(),
            (None, false) => a.caller.clone(),
            (None, true) => "—".into(),
        };
        html! {
            <tr data-start={hex32(u64::from(a.addr))} data-end={hex32(u64::from(a.end()))}
                data-size={a.size.to_string()} data-pages={a.pages.len().to_string()} data-kind={area_kind(a)}
                class={classes!(chosen.then_some("chosen"))} aria-current={chosen.then_some("true")}>
                <td class="num">{ i + 1 }</td>
                { range_cell(hex32(u64::from(a.addr)), hex32(u64::from(a.end()))) }
                { size_cell(u64::from(a.size)) }
                <td class="num">{ a.pages.len() }</td>
                <td>{ area_kind(a) }</td>
                <td class="vm-who">{ who }</td>
                <td>
                    <button type="button" class="button small" onclick={on_choose}
                            aria-pressed={chosen.to_string()}
                            aria-label={format!("{} area {}", if chosen { "chosen" } else { "choose" }, i + 1)}>{ if chosen { "chosen" } else { "choose" } }</button>
                </td>
            </tr>
        }
    });
    let lazy_era = matches!(
        space.allocator,
        Allocator::VmapLazy | Allocator::VmapFreeTree
    );
    let free_tree = space.allocator == Allocator::VmapFreeTree;
    let info = m.vmallocinfo();
    let meminfo = m.meminfo_vmalloc();

    html! {
        <div id="vmalloc-list" class="vm-list">
            if space.areas.is_empty() {
                <p class="hint">{ "No areas." }</p>
            } else {
                <div class="table-wrap">
                    <table class="vm-areas">
                        <caption class="visually-hidden">{ "The vmalloc areas, lowest first" }</caption>
                        <thead>
                            <tr>
                                <th scope="col">{ "#" }</th><th scope="col">{ "Range (guard page included)" }</th>
                                <th scope="col">{ "Size" }</th><th scope="col">{ "Pages" }</th>
                                <th scope="col">{ "Kind" }</th><th scope="col">{ "Name · caller" }</th>
                                <th scope="col"><span class="visually-hidden">{ "Choose" }</span></th>
                            </tr>
                        </thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                </div>
            }
            if lazy_era {
                <h3 class="sub-title">{ if free_tree { "On the purge list" } else { "Lazily freed (VM_LAZY_FREE)" } }</h3>
                if space.lazy.is_empty() {
                    <p class="hint" id="vm-lazy-none">{ "Nothing waits for a purge." }</p>
                } else {
                    <ul class="vm-lazy-list" id="vm-lazy">
                        { for space.lazy.values().map(|l| html! {
                            <li data-start={hex32(u64::from(l.start))} data-end={hex32(u64::from(l.end))}>
                                <code>{ hex32(u64::from(l.start)) }</code>{ " – " }<code>{ hex32(u64::from(l.end)) }</code>
                                { format!(" ({} pages)", (l.end - l.start) / 4096) }
                            </li>
                        }) }
                    </ul>
                    <p class="hint">{ format!("vmap_lazy_nr = {} pages; a purge comes when it passes lazy_max_pages() = {}, \
                                               when a search fails, or when asked.", space.lazy_nr,
                                              highmem_engine::vmalloc::VmallocSpace::lazy_max_pages(m.cpus().len() as u32)) }</p>
                }
            }
            if free_tree {
                <h3 class="sub-title">{ "Free blocks in the range (free_vmap_area_root)" }</h3>
                <ul class="vm-free-list" id="vm-free">
                    { for space.gaps().into_iter().map(|(s, e)| html! {
                        <li data-start={hex32(u64::from(s))} data-end={hex32(u64::from(e))}>
                            <code>{ hex32(u64::from(s)) }</code>{ " – " }<code>{ hex32(u64::from(e)) }</code>
                            { format!(" ({})", crate::format::size_short(u64::from(e - s))) }
                        </li>
                    }) }
                </ul>
            }
            <h3 class="sub-title"><code>{ "/proc/vmallocinfo" }</code></h3>
            { match info {
                Some(t) if t.is_empty() => html! { <p class="hint" id="vmallocinfo">{ "(empty)" }</p> },
                Some(t) => html! { <pre class="vm-pre" id="vmallocinfo">{ t }</pre> },
                None => html! { <p class="hint" id="vmallocinfo">{ format!("{name} has no /proc/vmallocinfo.") }</p> },
            } }
            <h3 class="sub-title"><code>{ "/proc/meminfo" }</code></h3>
            { match meminfo {
                Some(t) => html! { <pre class="vm-pre" id="vm-meminfo">{ t.trim_end().to_string() }</pre> },
                None => html! { <p class="hint" id="vm-meminfo">{ format!("{name}'s /proc/meminfo has no Vmalloc lines.") }</p> },
            } }
        </div>
    }
}
