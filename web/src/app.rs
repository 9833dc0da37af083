//! The companion's shell: the chapter in one column, the live views in the other.

use crate::components::boot_log::BootLog;
use crate::components::chapter::ChapterView;
use crate::components::controls::Controls;
use crate::components::derivation::Derivation;
use crate::components::facts::Facts;
use crate::components::log_input::LogInput;
use crate::components::masthead::Masthead;
use crate::components::physical_map::PhysicalMap;
use crate::components::region_table::RegionTable;
use crate::components::site_footer::SiteFooter;
use crate::components::virtual_map::VirtualMap;
use crate::components::Shared;
use crate::content;
use crate::hooks::use_media_query;
use crate::state::{Action, Field, State};
use yew::prelude::*;

/// The chapter this page shows.
pub const CHAPTER: &str = "01-why-highmem";

/// Narrower than this, the figures switch to their stacked arrangement.
const WIDE_FIGURES: &str = "(min-width: 600px)";

/// A callback that turns a view's event into an action on the page state.
fn make_callback<E, F>(state: &UseReducerHandle<State>, f: F) -> Callback<E>
where
    F: Fn(E) -> Action + 'static,
{
    let dispatcher = state.dispatcher();
    Callback::from(move |e: E| dispatcher.dispatch(f(e)))
}

/// The page.
#[component]
pub fn App() -> Html {
    let state = use_reducer(State::default);
    let stacked = !use_media_query(WIDE_FIGURES);
    let chapter = content::chapter(CHAPTER).expect("chapter 1 is compiled in");

    let layout = Shared(state.layout.clone());
    let shown = state.shown_region();
    let chosen = state.region_chosen();
    let log_error = state
        .problem
        .as_ref()
        .filter(|p| p.field == Field::Log)
        .map(|p| p.message.clone());
    let log_summary = state.inputs.log.as_ref().map(|map| {
        format!(
            "{} ranges, {} usable",
            map.entries().len(),
            crate::format::size_short(map.usable_bytes())
        )
    });

    let on_profile = make_callback(&state, Action::SetProfile);
    let on_ram = make_callback(&state, Action::SetRam);
    let on_ram_text = make_callback(&state, Action::SetRamText);
    let on_pae = make_callback(&state, Action::SetPae);
    let on_highmem = make_callback(&state, Action::SetHighmem);
    let on_vmalloc = make_callback(&state, Action::SetVmalloc);
    let on_nr_cpus = make_callback(&state, Action::SetNrCpus);
    let on_use_log = make_callback(&state, Action::UseLog);
    let on_clear_log = make_callback(&state, |()| Action::ClearLog);
    let on_hover = make_callback(&state, Action::Hover);
    let on_focus = make_callback(&state, Action::Focus);
    let error = state
        .problem
        .as_ref()
        .map(|p| p.message.clone())
        .unwrap_or_default();

    html! {
        <>
            <a class="skip-link" href="#lab">{ "Skip to the live views" }</a>
            <Masthead inputs={state.inputs.clone()} />
            <main class="page">
                <article class="chapter" aria-labelledby={chapter.title_id()}>
                    <ChapterView slug={CHAPTER} layout={layout.clone()} />
                </article>
                <aside id="lab" class="lab" aria-label="Live views">
                    <section class="card machine" aria-labelledby="machine-title">
                        <h2 id="machine-title" class="card-title">{ "The machine" }</h2>
                        <Controls
                            inputs={state.inputs.clone()}
                            drafts={state.drafts.clone()}
                            problem={state.problem.clone()}
                            {on_profile}
                            {on_ram}
                            {on_ram_text}
                            {on_pae}
                            {on_highmem}
                            {on_vmalloc}
                            {on_nr_cpus}
                        />
                        <div id="error" class="error" role="alert">{ error }</div>
                    </section>
                    <Facts layout={layout.clone()} />
                    <section class="card" aria-labelledby="vmap-title">
                        <h2 id="vmap-title" class="card-title">{ "Virtual address space" }</h2>
                        <p class="card-lede">
                            { "Every region drawn to scale, twice enlarged. Hover over a region, or \
                               tab to it and use the arrow keys, to see how the kernel computes \
                               its boundaries." }
                        </p>
                        <VirtualMap
                            layout={layout.clone()}
                            selected={shown}
                            {stacked}
                            on_hover={on_hover.clone()}
                            on_focus={on_focus}
                        />
                        <Derivation layout={layout.clone()} region={shown} {chosen} />
                        <RegionTable layout={layout.clone()} selected={shown} {on_hover} />
                    </section>
                    <section class="card" aria-labelledby="pmap-title">
                        <h2 id="pmap-title" class="card-title">{ "Physical memory" }</h2>
                        <PhysicalMap layout={layout.clone()} {stacked} />
                    </section>
                    <section class="card" aria-labelledby="log-title">
                        <h2 id="log-title" class="card-title">{ "What the kernel prints" }</h2>
                        <BootLog layout={layout} />
                    </section>
                    <section class="card" aria-labelledby="mine-title">
                        <h2 id="mine-title" class="card-title">{ "Use my machine" }</h2>
                        <LogInput
                            summary={log_summary}
                            error={log_error}
                            on_use={on_use_log}
                            on_clear={on_clear_log}
                        />
                    </section>
                </aside>
            </main>
            <SiteFooter />
        </>
    }
}
