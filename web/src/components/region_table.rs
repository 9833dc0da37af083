//! The legend of the virtual map: every region's exact start, end and size.

use super::{range_cell, size_cell, Shared};
use crate::format::{hex32, region_id};
use highmem_engine::layout::Layout;
use yew::prelude::*;

/// Props of [`RegionTable`].
#[derive(Properties, PartialEq)]
pub struct RegionTableProps {
    /// The layout.
    pub layout: Shared<Layout>,
    /// The region the reader is looking at.
    pub selected: usize,
    /// The pointer entered or left a row.
    pub on_hover: Callback<Option<usize>>,
}

/// A table of the regions, highest address first, as exact numbers (the figure's tiny regions,
/// a guard of two pages, are unreadable at any scale).
#[component]
pub fn RegionTable(props: &RegionTableProps) -> Html {
    let l = &props.layout;
    let rows: Html = l
        .regions
        .iter()
        .enumerate()
        .rev()
        .map(|(i, r)| {
            let kind = region_id(r.kind);
            let enter = {
                let cb = props.on_hover.clone();
                Callback::from(move |_: MouseEvent| cb.emit(Some(i)))
            };
            let leave = {
                let cb = props.on_hover.clone();
                Callback::from(move |_: MouseEvent| cb.emit(None))
            };
            html! {
                <tr class={classes!((i == props.selected).then_some("is-selected"))}
                    onmouseenter={enter} onmouseleave={leave}>
                    <th scope="row">
                        <span class={classes!("swatch", format!("fill-{kind}"))} aria-hidden="true" />
                        { r.label.clone() }
                    </th>
                    { range_cell(hex32(r.start), hex32(r.end)) }
                    { size_cell(r.size()) }
                </tr>
            }
        })
        .collect();
    html! {
        <details class="region-table" open=true>
            <summary>{ "All regions, exact" }</summary>
            <div class="table-wrap" tabindex="0" role="region" aria-label="Regions, exact">
                <table>
                    <caption class="visually-hidden">
                        { "Regions of the virtual address space, highest first; ends are exclusive." }
                    </caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Region" }</th>
                            <th scope="col">{ "Start – end" }</th>
                            <th scope="col">{ "Size" }</th>
                        </tr>
                    </thead>
                    <tbody>{ rows }</tbody>
                </table>
            </div>
        </details>
    }
}
