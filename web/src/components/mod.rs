//! The views, one file each. Every component is a pure rendering of its props; events go back
//! to the page state through callbacks the shell makes (see `app::make_callback`).

pub mod address_explorer;
pub mod boot_log;
pub mod chapter;
pub mod controls;
pub mod cpu_controls;
pub mod derivation;
pub mod facts;
pub mod log_input;
pub mod masthead;
pub mod ops_panel;
pub mod outcome;
pub mod phys_mem;
pub mod physical_map;
pub mod region_table;
pub mod scenario_list;
pub mod site_footer;
pub mod tlb_view;
pub mod toc;
pub mod virtual_map;

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
