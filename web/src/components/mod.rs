//! The views, one file each. Every component is a pure rendering of its props; events go back
//! to the page state through callbacks the shell makes (see `app::make_callback`).

pub mod address_explorer;
pub mod address_store;
pub mod atomic_panel;
pub mod boot_log;
pub mod call_graph;
pub mod chapter;
pub mod compare_eras;
pub mod controls;
pub mod cpu_contexts;
pub mod cpu_controls;
pub mod derivation;
pub mod embed_page;
pub mod event_log;
pub mod export_svg;
pub mod facts;
pub mod fixmap_table;
pub mod glossary_page;
pub mod history_panel;
pub mod history_plots;
pub mod kernel_options;
pub mod kmap_panel;
pub mod kmap_slots;
pub mod log_input;
pub mod masthead;
pub mod ops_panel;
pub mod outcome;
pub mod phys_mem;
pub mod physical_map;
pub mod pkmap_grid;
pub mod pkmap_tlb;
pub mod questions;
pub mod region_table;
pub mod scenario_list;
pub mod share;
pub mod site_footer;
pub mod tlb_view;
pub mod toc;
pub mod virtual_map;
pub mod vmalloc_bar;
pub mod vmalloc_frames;
pub mod vmalloc_lab;
pub mod vmalloc_list;
pub mod vmalloc_panel;
pub mod wait_queue;

use yew::prelude::*;

/// A table cell's size: exact, with the approximate reading on a second line when the exact
/// figure is awkward.
pub(crate) fn size_cell(bytes: u64) -> Html {
    let (exact, approx) = crate::format::size_parts(bytes);
    html! {
        <td class="num size">
            <span class="size-exact">{ exact }</span>
            if let Some(approx) = approx {
                <span class="size-approx">{ format!("≈ {approx}") }</span>
            }
        </td>
    }
}

/// A table cell with a range `start – end`, which wraps after the dash when it must.
pub(crate) fn range_cell(start: String, end: String) -> Html {
    html! {
        <td class="range"><code>{ start }</code>{ "\u{a0}– " }<code>{ end }</code></td>
    }
}

/// The cell a key moves the selection to in a grid of `total` cells laid out `cols` to a row
/// (arrows, Home and End within the row, Page Up and Page Down by eight rows), or `None` for
/// a key the grid does not use.
pub(crate) fn grid_step(key: &str, at: usize, cols: usize, total: usize) -> Option<usize> {
    if total == 0 || cols == 0 {
        return None;
    }
    let last = total - 1;
    let at = at.min(last);
    let row = at - at % cols;
    Some(match key {
        "ArrowLeft" => at.saturating_sub(1),
        "ArrowRight" => (at + 1).min(last),
        "ArrowUp" => at.checked_sub(cols).unwrap_or(at),
        "ArrowDown" => {
            if at + cols <= last {
                at + cols
            } else {
                at
            }
        }
        "Home" => row,
        "End" => (row + cols - 1).min(last),
        "PageUp" => at.saturating_sub(cols * 8),
        "PageDown" => (at + cols * 8).min(last),
        _ => return None,
    })
}

/// The indices of the cells of one kind that the last op changed, read from its outcome's
/// change list: the numbers inside `prefix[…]` (`pkmap_count[6]` → 6, `kmap_pte[-3]` → 3,
/// `page[0x50000].virtual` → 0x50000), sorted, without repeats.
pub(crate) fn changed_indices(run: Option<&crate::lab::Run>, prefix: &str) -> Vec<u64> {
    let Some(a) = run.and_then(|r| r.last_done()) else {
        return Vec::new();
    };
    let mut out: Vec<u64> = a
        .outcome
        .changes
        .iter()
        .filter_map(|c| {
            let inner = c.cell.strip_prefix(prefix)?.strip_prefix('[')?;
            let inner = inner.strip_suffix(']').unwrap_or(inner.split(']').next()?);
            let inner = inner.trim_start_matches('-');
            crate::format::parse_number(inner)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

pub use crate::shared::Shared;

#[cfg(all(test, target_arch = "wasm32"))]
pub(crate) mod testing {
    //! Mounting a component in the test page and reading the DOM back.

    use wasm_bindgen::JsCast;
    use yew::prelude::*;

    /// A fresh element in the page's body to mount into.
    pub fn mount_point() -> web_sys::Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let div = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&div).unwrap();
        div
    }

    /// Renders `props` with `C` into a fresh element and waits for the DOM.
    pub async fn render<C>(props: C::Properties) -> web_sys::Element
    where
        C: BaseComponent,
    {
        let root = mount_point();
        yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
        yew::scheduler::flush().await;
        root
    }

    /// Every element under `root` matching `selector`.
    pub fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
        let list = root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i))
            .filter_map(|n| n.dyn_into::<web_sys::Element>().ok())
            .collect()
    }

    /// An attribute that must be there.
    pub fn attr(el: &web_sys::Element, name: &str) -> String {
        el.get_attribute(name)
            .unwrap_or_else(|| panic!("{} has no {name}", el.outer_html()))
    }
}
