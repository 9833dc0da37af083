//! The page in embed mode (`?embed=1&view=…`): one view, its title, the link's notice if it
//! was refused, and a link to open the same state in the full lab. No masthead, contents or
//! footer, so it fits an iframe in a course page.

use crate::app::{make_callback, Views};
use crate::components::address_explorer::AddressExplorer;
use crate::components::address_store::AddressStoreView;
use crate::components::boot_log::BootLog;
use crate::components::cpu_contexts::CpuContexts;
use crate::components::derivation::Derivation;
use crate::components::fixmap_table::FixmapTable;
use crate::components::kmap_slots::KmapSlots;
use crate::components::phys_mem::PhysMem;
use crate::components::physical_map::PhysicalMap;
use crate::components::pkmap_grid::PkmapGrid;
use crate::components::tlb_view::TlbView;
use crate::components::virtual_map::VirtualMap;
use crate::components::wait_queue::WaitQueue;
use crate::components::Shared;
use crate::embed::View;
use crate::state::{Action, State};
use highmem_engine::highmem::graph;
use yew::prelude::*;

/// The view itself, from the page state.
fn body(state: &UseReducerHandle<State>, view: View, stacked: bool) -> Html {
    let layout = Shared(state.layout.clone());
    match view {
        View::VirtualMap => {
            let shown = state.shown_region();
            let chosen = state.region_chosen();
            let on_hover = make_callback(state, Action::Hover);
            let on_focus = make_callback(state, Action::Focus);
            return html! {
                <>
                    <VirtualMap layout={layout.clone()} selected={shown} {stacked} {on_hover} {on_focus} />
                    <Derivation {layout} region={shown} {chosen} />
                </>
            };
        }
        View::PhysicalMap => return html! { <PhysicalMap {layout} {stacked} /> },
        View::BootLog => return html! { <BootLog {layout} /> },
        _ => {}
    }
    let m = match &state.lab.machine {
        Ok(m) => m,
        Err(why) => {
            return html! {
                <p class="error machine-error" role="alert">
                    <strong>{ "This machine does not boot. " }</strong>{ why.clone() }
                </p>
            }
        }
    };
    let last = state.lab.last.clone();
    let on_op = make_callback(state, Action::Apply);
    let v = Views {
        state,
        m,
        on_op: on_op.clone(),
    };
    match view {
        View::PageWalk => {
            let on_text = make_callback(state, Action::ExploreText);
            let on_pick = make_callback(state, Action::ExploreAt);
            let on_cpu = make_callback(state, Action::ExploreCpu);
            html! {
                <AddressExplorer machine={m.clone()} explore={state.explore.clone()}
                                 {on_text} {on_pick} {on_cpu} {on_op} />
            }
        }
        View::Tlb => html! { <TlbView machine={m.clone()} {last} /> },
        View::PhysMem => html! { <PhysMem machine={m.clone()} {on_op} /> },
        View::Pkmap => html! { <PkmapGrid machine={m.clone()} {last} {on_op} /> },
        View::AddressStore => html! { <AddressStoreView machine={m.clone()} {last} /> },
        View::WaitQueue => html! { <WaitQueue machine={m.clone()} /> },
        View::KmapSlots => html! { <KmapSlots machine={m.clone()} {last} /> },
        View::Contexts => html! { <CpuContexts machine={m.clone()} /> },
        View::Fixmap => html! { <FixmapTable machine={m.clone()} {last} /> },
        View::Vmalloc => {
            html! { <crate::components::vmalloc_lab::VmallocAlone machine={m.clone()} {last} /> }
        }
        View::CallGraph => {
            let roots: Vec<&str> = graph::graphs(m.profile()).iter().map(|g| g.root).collect();
            v.graphs(&roots)
        }
        View::Outcome => v.outcome(),
        View::VirtualMap | View::PhysicalMap | View::BootLog => Html::default(),
    }
}

/// The whole embed page. `full` is the address of the same state in the full lab.
pub fn embed_page(
    state: &UseReducerHandle<State>,
    view: View,
    stacked: bool,
    notice: Option<String>,
    full: Option<String>,
) -> Html {
    let own_card = !matches!(view, View::CallGraph | View::Outcome) || state.lab.machine.is_err();
    let content = body(state, view, stacked);
    html! {
        <main class="embed" id="embed" data-view={view.name()}>
            <h1 class="embed-title" id="embed-title">
                { view.title() }
                <span class="embed-kernel">{ format!(" · Linux {}", state.inputs.profile) }</span>
            </h1>
            if let Some(n) = notice {
                <p id="link-notice" class="link-notice" role="alert">{ n }</p>
            }
            if own_card {
                <section class="card embed-card" aria-labelledby="embed-title">{ content }</section>
            } else {
                { content }
            }
            <p class="embed-foot">
                if let Some(href) = full {
                    <a href={href} target="_blank" rel="noopener">{ "Open this in Highmem Lab" }</a>
                }
            </p>
        </main>
    }
}
