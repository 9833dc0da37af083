//! The companion's shell: the table of contents, then a chapter in one column and its live
//! views in the other. Chapter 1 shows the layout; from chapter 2 on, the live machine, with
//! the views of each chapter: the explorer and TLBs (paging), the pkmap window (pkmap), the
//! kmap slots and the fixmap (atomic).

use crate::components::address_explorer::AddressExplorer;
use crate::components::address_store::AddressStoreView;
use crate::components::atomic_panel::AtomicPanel;
use crate::components::boot_log::BootLog;
use crate::components::call_graph::CallGraphView;
use crate::components::chapter::ChapterView;
use crate::components::compare_eras::CompareEras;
use crate::components::controls::Controls;
use crate::components::cpu_contexts::CpuContexts;
use crate::components::cpu_controls::CpuControls;
use crate::components::derivation::Derivation;
use crate::components::export_svg::ExportSvg;
use crate::components::facts::Facts;
use crate::components::fixmap_table::FixmapTable;
use crate::components::glossary_page::GlossaryPage;
use crate::components::history_panel::HistoryPanel;
use crate::components::kernel_options::KernelOptions;
use crate::components::kmap_panel::KmapPanel;
use crate::components::kmap_slots::KmapSlots;
use crate::components::log_input::LogInput;
use crate::components::masthead::Masthead;
use crate::components::ops_panel::OpsPanel;
use crate::components::outcome::OutcomeView;
use crate::components::phys_mem::PhysMem;
use crate::components::physical_map::PhysicalMap;
use crate::components::pkmap_grid::PkmapGrid;
use crate::components::pkmap_tlb::PkmapTlb;
use crate::components::questions::Questions;
use crate::components::region_table::RegionTable;
use crate::components::scenario_list::ScenarioList;
use crate::components::site_footer::SiteFooter;
use crate::components::tlb_view::TlbView;
use crate::components::toc::Toc;
use crate::components::virtual_map::VirtualMap;
use crate::components::vmalloc_lab::VmallocLab;
use crate::components::wait_queue::WaitQueue;
use crate::components::Shared;
use crate::content::Chapter;
use crate::hooks::use_media_query;
use crate::permalink;
use crate::route::{self, in_page, use_route, Route};
use crate::state::{Action, Field, State};
use highmem_engine::highmem::graph;
use highmem_engine::machine::{Machine, Op};
use std::rc::Rc;
use yew::prelude::*;

/// The chapter whose live views are the layout's (the others drive the machine).
pub const LAYOUT_CHAPTER: &str = "01-why-highmem";

/// Narrower than this, the figures switch to their stacked arrangement.
const WIDE_FIGURES: &str = "(min-width: 600px)";

/// A callback that turns a view's event into an action on the page state.
pub(crate) fn make_callback<E, F>(state: &UseReducerHandle<State>, f: F) -> Callback<E>
where
    F: Fn(E) -> Action + 'static,
{
    let dispatcher = state.dispatcher();
    Callback::from(move |e: E| dispatcher.dispatch(f(e)))
}

/// The page title for a route.
fn title(route: &Route) -> String {
    match route {
        Route::Chapter(c) => format!("{} · Highmem Lab", c.title),
        Route::Glossary => "Glossary · Highmem Lab".into(),
        Route::NotFound(_) => "No such chapter · Highmem Lab".into(),
    }
}

/// The page.
#[component]
pub fn App() -> Html {
    // The state a permalink in the URL describes (or the default one, and why). Without one,
    // the state saved by the last visit (or the defaults, with a notice if it was unusable),
    // and its chapter when the address names none: a link always wins over the saved state,
    // and an embedded view neither reads nor writes it. Before `use_route`, which reads the
    // address.
    let opened = use_memo((), |_| permalink::open_location());
    let embedded = opened.link.as_ref().is_some_and(|l| l.embed);
    let start = use_state(|| {
        if opened.carries_state() || embedded {
            return (Rc::new(opened.state.clone()), opened.problem.clone(), None);
        }
        let (state, chapter, notice) =
            crate::persist::start_from(crate::persist::load().as_deref());
        if let Some(c) = chapter {
            crate::persist::open_chapter_if_none(&c);
        }
        (Rc::new(state), None, notice)
    });
    let state = use_reducer({
        let s = start.0.clone();
        move || (*s).clone()
    });
    let notice = use_state(|| start.1.clone());
    let embed = opened.link.as_ref().filter(|l| l.embed).cloned();
    permalink::use_link_updates(
        state.dispatcher(),
        notice.clone(),
        embed.is_some(),
        opened.link.as_ref().and_then(|l| l.view),
    );
    let current = use_mut_ref(|| Rc::new((*start.0).clone()));
    if embed.is_some() {
        *current.borrow_mut() = Rc::new((*state).clone());
    }
    crate::embed::host::use_protocol(
        embed
            .as_ref()
            .map(|l| l.origins.clone())
            .unwrap_or_default(),
        embed
            .as_ref()
            .and_then(|l| l.view)
            .unwrap_or(crate::embed::View::Pkmap),
        current,
        Rc::new(opened.state.clone()),
        Callback::from({
            let d = state.dispatcher();
            move |a| d.dispatch(a)
        }),
    );
    let route = use_route();
    let storage_notice = use_state(|| start.2.clone());
    crate::persist::use_saving(
        &state,
        route.chapter().map(route::route_name),
        storage_notice.setter(),
        !embedded,
        opened.carries_state() || start.2.is_none(),
    );
    use_long_run(&state);
    let stacked = !use_media_query(WIDE_FIGURES);

    // A new chapter starts at its top, with its title focused for screen readers; the first
    // render keeps the browser's own position and focus.
    {
        let first = use_mut_ref(|| true);
        use_effect_with(route.clone(), move |route| {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                doc.set_title(&title(route));
            }
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                if let Some(w) = web_sys::window() {
                    w.scroll_to_with_x_and_y(0.0, 0.0);
                    if let Some(lab) = w.document().and_then(|d| d.get_element_by_id("lab")) {
                        lab.set_scroll_top(0);
                    }
                }
                match route {
                    Route::Chapter(c) => route::go_to(c.title_id()),
                    Route::Glossary => route::go_to("glossary-title"),
                    Route::NotFound(_) => {}
                }
            }
        });
    }

    if let Some(view) = embed.as_ref().and_then(|l| l.view) {
        let full = permalink::state_params(&state)
            .ok()
            .map(|p| crate::embed::host::full_link(&p, view.chapter()));
        return crate::components::embed_page::embed_page(
            &state,
            view,
            stacked,
            (*notice).clone(),
            full,
        );
    }
    let on_dismiss = {
        let notice = notice.clone();
        Callback::from(move |_: MouseEvent| notice.set(None))
    };
    let notice_html = match &*notice {
        Some(n) => html! {
            <div id="link-notice" class="link-notice page-notice" role="alert">
                <p>{ n.clone() }</p>
                <button type="button" class="button small" onclick={on_dismiss}>{ "Dismiss" }</button>
            </div>
        },
        None => Html::default(),
    };
    let current = route.chapter().map(|c| AttrValue::from(c.slug));
    let body = match &route {
        Route::Chapter(c) if c.slug == LAYOUT_CHAPTER => layout_page(&state, c, stacked),
        Route::Chapter(c) => machine_page(&state, c),
        Route::Glossary => html! { <GlossaryPage layout={Shared(state.layout.clone())} /> },
        Route::NotFound(name) => not_found(name),
    };
    let on_dismiss_storage = {
        let notice = storage_notice.clone();
        Callback::from(move |_: MouseEvent| notice.set(None))
    };
    html! {
        <>
            <a class="skip-link" href="#lab" onclick={in_page("lab")}>{ "Skip to the live views" }</a>
            <Masthead inputs={state.inputs.clone()} {current} />
            { notice_html }
            if let Some(text) = (*storage_notice).clone() {
                <div id="storage-notice" class="storage-notice" role="status">
                    <p>{ text }</p>
                    <button type="button" class="button small" id="storage-notice-dismiss" onclick={on_dismiss_storage}>{ "Dismiss" }</button>
                </div>
            }
            { body }
            <SiteFooter />
        </>
    }
}

fn not_found(name: &str) -> Html {
    html! {
        <main class="page page-single">
            <article class="chapter">
                <h1 id="not-found" tabindex="-1">{ "No such chapter" }</h1>
                <p>{ format!("There is no chapter at #/{name}. These are the chapters:") }</p>
                <Toc />
            </article>
        </main>
    }
}

/// The machine's controls, shared by every chapter: kernel, RAM, PAE, HIGHMEM, vmalloc=,
/// NR_CPUS, and the message of a refused change.
fn controls(state: &UseReducerHandle<State>) -> Html {
    let on_profile = make_callback(state, Action::SetProfile);
    let on_ram = make_callback(state, Action::SetRam);
    let on_ram_text = make_callback(state, Action::SetRamText);
    let on_pae = make_callback(state, Action::SetPae);
    let on_highmem = make_callback(state, Action::SetHighmem);
    let on_vmalloc = make_callback(state, Action::SetVmalloc);
    let on_nr_cpus = make_callback(state, Action::SetNrCpus);
    html! {
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
    }
}

/// "Share this state": the permalink, the ops a link left to redo, "Embed this".
fn share(state: &UseReducerHandle<State>, chapter: &'static Chapter) -> Html {
    use crate::components::share::Share;
    let params = permalink::state_params(state)
        .map(AttrValue::from)
        .map_err(AttrValue::from);
    let pending = permalink::pending_ops(state).len();
    let on_redo = make_callback(state, |()| Action::RedoLinked);
    html! {
        <Share {params} chapter={route::route_name(chapter)} {pending} {on_redo} />
    }
}

/// Chapter 1: the text beside the layout's views.
fn layout_page(state: &UseReducerHandle<State>, chapter: &'static Chapter, stacked: bool) -> Html {
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
    let on_use_log = make_callback(state, Action::UseLog);
    let on_clear_log = make_callback(state, |()| Action::ClearLog);
    let on_hover = make_callback(state, Action::Hover);
    let on_focus = make_callback(state, Action::Focus);
    let error = state
        .problem
        .as_ref()
        .map(|p| p.message.clone())
        .unwrap_or_default();

    html! {
        <main class="page">
            <article class="chapter" aria-labelledby={chapter.title_id()}>
                <ChapterView slug={chapter.slug} layout={layout.clone()} />
                <Questions chapter={route::route_name(chapter)} config={state.inputs.machine_config()}
                           machine={state.lab.machine.clone()} />
            </article>
            <aside id="lab" class="lab" aria-label="Live views">
                <section class="card machine" aria-labelledby="machine-title">
                    <h2 id="machine-title" class="card-title">{ "The machine" }</h2>
                    { controls(state) }
                    <div id="error" class="error" role="alert">{ error }</div>
                </section>
                { share(state, chapter) }
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
                <ExportSvg />
            </aside>
        </main>
    }
}

/// Scrolls a card of the live views into sight without moving the reader's focus (after a
/// `try:` button in the text ran a scenario).
fn reveal(id: &'static str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

/// What every machine chapter's views are built from: the machine and the page state's
/// callbacks.
pub(crate) struct Views<'a> {
    pub(crate) state: &'a UseReducerHandle<State>,
    pub(crate) m: &'a Shared<Machine>,
    pub(crate) on_op: Callback<Op>,
}

impl Views<'_> {
    /// The "try it" card for a chapter's scenarios.
    fn scenarios(&self, chapter: &'static str, lede: &'static str) -> Html {
        let s = self.state;
        let on_run = make_callback(s, |(id, stepwise)| Action::RunScenario { id, stepwise });
        let on_next = make_callback(s, |()| Action::NextStep);
        let on_finish = make_callback(s, |()| Action::FinishScenario);
        let on_stop = make_callback(s, |()| Action::StopScenario);
        html! {
            <section class="card" aria-labelledby="scenarios-title">
                <h2 id="scenarios-title" class="card-title">{ "Try it" }</h2>
                <p class="card-lede">{ lede }</p>
                <ScenarioList machine={self.m.clone()} {chapter} stepping={s.lab.stepping.clone()}
                              {on_run} {on_next} {on_finish} {on_stop} />
            </section>
        }
    }

    /// "What happened": the last run and the history.
    pub(crate) fn outcome(&self) -> Html {
        let s = self.state;
        let i = &s.inputs;
        let on_undo = make_callback(s, |()| Action::Undo);
        let on_reset = make_callback(s, |()| Action::ResetMachine);
        let machine_line =
            crate::format::machine_line(self.m.config(), i.log.is_none().then_some(i.ram));
        html! {
            <section class="card" id="outcome-card" aria-labelledby="outcome-title">
                <h2 id="outcome-title" class="card-title">{ "What happened" }</h2>
                <OutcomeView last={s.lab.last.clone()} history={s.lab.history()}
                             {machine_line} {on_undo} {on_reset} />
            </section>
        }
    }

    /// The generic operations (accesses, flushes, the allocator, page tables, tasks).
    fn ops(&self, title: &'static str, suggested: u32) -> Html {
        html! {
            <section class="card" aria-labelledby="ops-title">
                <h2 id="ops-title" class="card-title">{ title }</h2>
                <OpsPanel machine={self.m.clone()} {suggested} on_op={self.on_op.clone()} />
            </section>
        }
    }

    /// Call graphs of the era, by root, each in its card.
    pub(crate) fn graphs(&self, roots: &[&str]) -> Html {
        let profile = self.m.profile();
        let all = graph::graphs(profile);
        html! {
            <section class="card" aria-labelledby="graphs-title">
                <h2 id="graphs-title" class="card-title">{ "Call graphs" }</h2>
                <p class="card-lede">
                    { format!("The code paths of Linux {} as the model follows them. After each operation \
                               the calls it made are ticked, with the decision taken at each branch; every \
                               name links to its source on Bootlin Elixir.", profile.name) }
                </p>
                <ul class="key cg-key">
                    { for [("function", "function", "3"), ("lock", "kmap_lock", "7"), ("tlb", "TLB flush", "3"),
                           ("sleep", "sleep or wake-up", "3"), ("check", "check or BUG", "3")].into_iter().map(|(k, words, rx)| html! {
                        <li>
                            <svg width="26" height="14" aria-hidden="true" class={format!("kind-{k}")}>
                                <rect class="cg-box" x="1" y="1" width="24" height="12" rx={rx} />
                            </svg>
                            { words }
                        </li>
                    }) }
                    <li><span class="cell-demo" aria-hidden="true">{ "✓" }</span>{ "ran in the last operation" }</li>
                </ul>
                { for all.into_iter().filter(|g| roots.contains(&g.root)).map(|g| {
                    let root = g.root;
                    html! {
                        <section class="graph-section" aria-labelledby={format!("graph-{root}")}>
                            <h3 class="sub-title" id={format!("graph-{root}")}><code>{ format!("{root}()") }</code></h3>
                            <CallGraphView graph={Rc::new(g)} kernel={profile.name} last={self.state.lab.last.clone()} />
                        </section>
                    }
                }) }
            </section>
        }
    }

    /// Chapter 2: the explorer, the operations, the TLBs and physical memory.
    fn paging(&self) -> Html {
        let s = self.state;
        let m = self.m;
        let on_text = make_callback(s, Action::ExploreText);
        let on_pick = make_callback(s, Action::ExploreAt);
        let on_explore_cpu = make_callback(s, Action::ExploreCpu);
        html! {
            <>
                <section class="card" aria-labelledby="explorer-title">
                    <h2 id="explorer-title" class="card-title">{ "Address explorer" }</h2>
                    <AddressExplorer machine={m.clone()} explore={s.explore.clone()}
                                     {on_text} {on_pick} on_cpu={on_explore_cpu} on_op={self.on_op.clone()} />
                </section>
                { self.scenarios("paging", "Each scenario boots the machine afresh and runs a few operations. Step through one to watch the TLB between steps.") }
                { self.ops("Run an operation", s.explore.va) }
                { self.outcome() }
                <section class="card" aria-labelledby="tlb-title">
                    <h2 id="tlb-title" class="card-title">{ "TLBs" }</h2>
                    <TlbView machine={m.clone()} last={s.lab.last.clone()} />
                </section>
                <section class="card" aria-labelledby="phys-title">
                    <h2 id="phys-title" class="card-title">{ "Physical memory" }</h2>
                    <PhysMem machine={m.clone()} on_op={self.on_op.clone()} />
                </section>
            </>
        }
    }

    /// Chapter 3: the pkmap window, the address store, the wait queue, the TLBs' view of
    /// the window, and the call graphs of kmap() and kunmap().
    fn pkmap(&self) -> Html {
        let s = self.state;
        let m = self.m;
        let last = s.lab.last.clone();
        let on_ops = make_callback(s, Action::ApplyAll);
        let on_random = make_callback(s, |(count, seed)| Action::RunRandom { count, seed });
        let pkmap_base = m.pkmap().map_or(s.explore.va, |p| p.addr(1));
        html! {
            <>
                { self.scenarios("pkmap", "Each scenario boots the machine afresh. Step through one to watch the counters, the hash table and the queue between steps.") }
                <section class="card" aria-labelledby="pkmap-title">
                    <h2 id="pkmap-title" class="card-title">{ "The pkmap window" }</h2>
                    <PkmapGrid machine={m.clone()} last={last.clone()} on_op={self.on_op.clone()} />
                </section>
                <section class="card" aria-labelledby="kmap-ops-title">
                    <h2 id="kmap-ops-title" class="card-title">{ "Run kmap and kunmap" }</h2>
                    <KmapPanel machine={m.clone()} on_op={self.on_op.clone()} {on_ops} {on_random} />
                </section>
                { self.outcome() }
                { self.graphs(&["kmap", "kunmap"]) }
                <section class="card" aria-labelledby="store-title">
                    <h2 id="store-title" class="card-title">{ "Where a page's address is kept" }</h2>
                    <AddressStoreView machine={m.clone()} last={last.clone()} />
                </section>
                <section class="card" aria-labelledby="wait-title">
                    <h2 id="wait-title" class="card-title"><code>{ "pkmap_map_wait" }</code></h2>
                    <WaitQueue machine={m.clone()} />
                </section>
                <section class="card" aria-labelledby="pkmap-tlb-title">
                    <h2 id="pkmap-tlb-title" class="card-title">{ "The window in the TLBs" }</h2>
                    <PkmapTlb machine={m.clone()} />
                </section>
                { self.ops("Other operations", pkmap_base) }
            </>
        }
    }

    /// Chapter 5: the vmalloc range, the chosen area's pages, the areas and what the kernel
    /// prints, and the call graphs of vmalloc() and vfree().
    fn vmalloc(&self) -> Html {
        let m = self.m;
        let start = m.vmalloc_space().start;
        html! {
            <VmallocLab machine={m.clone()} last={self.state.lab.last.clone()} on_op={self.on_op.clone()}
                scenarios={self.scenarios("vmalloc", "Each scenario boots the machine afresh. Step through one to watch the range, the lists and the TLBs between steps.")}
                outcome={self.outcome()} graphs={self.graphs(&["vmalloc", "vfree"])}
                other={self.ops("Other operations", start)} />
        }
    }

    /// Chapter 4: the kmap slots, the CPUs' contexts (and 6.1's stacks), the fixmap and the
    /// call graphs of the temporary maps.
    fn atomic(&self) -> Html {
        let s = self.state;
        let m = self.m;
        let last = s.lab.last.clone();
        let roots: &[&str] = if m.profile().atomic.local.is_some() {
            &[
                "kmap_atomic",
                "kunmap_atomic",
                "kmap_local_page",
                "kunmap_local",
            ]
        } else {
            &["kmap_atomic", "kunmap_atomic"]
        };
        let slot0 = m.kmap_slots().first().map_or(s.explore.va, |k| k.vaddr);
        html! {
            <>
                { self.scenarios("atomic", "Each scenario boots the machine afresh. Step through one to watch the slots and the contexts between steps.") }
                <section class="card" aria-labelledby="slots-title">
                    <h2 id="slots-title" class="card-title">{ "kmap slots" }</h2>
                    <KmapSlots machine={m.clone()} last={last.clone()} />
                </section>
                <section class="card" aria-labelledby="contexts-title">
                    <h2 id="contexts-title" class="card-title">{ "Contexts" }</h2>
                    <CpuContexts machine={m.clone()} />
                </section>
                <section class="card" aria-labelledby="atomic-ops-title">
                    <h2 id="atomic-ops-title" class="card-title">{ "Run a temporary map" }</h2>
                    <AtomicPanel machine={m.clone()} on_op={self.on_op.clone()} />
                </section>
                { self.outcome() }
                { self.graphs(roots) }
                <section class="card" aria-labelledby="fixmap-title">
                    <h2 id="fixmap-title" class="card-title">{ "The fixmap" }</h2>
                    <FixmapTable machine={m.clone()} last={last} />
                </section>
                { self.ops("Other operations", slot0) }
            </>
        }
    }
}

/// Drives a long run: one chunk per timer tick, so the page repaints and answers between
/// chunks.
#[hook]
fn use_long_run(state: &UseReducerHandle<State>) {
    let dispatcher = state.dispatcher();
    let key = state.lab.job.as_ref().map(|j| (j.id, j.done));
    use_effect_with(key, move |key| {
        let timer = key.map(|(id, _)| {
            crate::timer::Timeout::new(0, move || {
                dispatcher.dispatch(Action::RunChunk { id, max: 20_000 })
            })
        });
        move || drop(timer)
    });
}

/// The "History" card of every machine chapter.
fn history_card(state: &UseReducerHandle<State>) -> Html {
    let lab = &state.lab;
    let random_ok = lab
        .machine()
        .map_or(Err("needs a machine".into()), crate::random::available);
    let on_forget = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| {
            crate::persist::clear();
            dispatcher.dispatch(Action::ResetAll);
        })
    };
    html! {
        <section class="card" id="history-card" aria-labelledby="history-card-title">
            <h2 id="history-card-title" class="card-title">{ "History" }</h2>
            <HistoryPanel timeline={lab.timeline.clone()} job={lab.job.clone()} {random_ok}
                          on_undo={make_callback(state, |()| Action::Undo)}
                          on_redo={make_callback(state, |()| Action::Redo)}
                          on_jump={make_callback(state, Action::JumpTo)}
                          on_long_run={make_callback(state, |(count, seed)| Action::StartLongRun { count, seed })}
                          on_cancel={make_callback(state, |()| Action::CancelRun)}
                          {on_forget} />
        </section>
    }
}

/// Chapters 2 on: the text beside the live machine.
fn machine_page(state: &UseReducerHandle<State>, chapter: &'static Chapter) -> Html {
    let layout = Shared(state.layout.clone());
    let lab = &state.lab;
    let i = &state.inputs;
    let profile = i.profile.profile();
    let nr_cpus = state.layout.resolved.nr_cpus;
    let error = state
        .problem
        .as_ref()
        .map(|p| p.message.clone())
        .unwrap_or_default();
    let on_cpus = make_callback(state, Action::SetCpus);
    let on_model = make_callback(state, Action::SetCpuModel);
    let on_option = make_callback(state, |(o, on)| Action::SetOption(o, on));
    let on_try = {
        let dispatcher = state.dispatcher();
        Callback::from(move |id: &'static str| {
            dispatcher.dispatch(Action::RunScenario {
                id,
                stepwise: false,
            });
            reveal("outcome-card");
        })
    };
    let name = route::route_name(chapter);
    let kmap_chapter = name == "pkmap" || name == "atomic";

    let views = match &lab.machine {
        Ok(m) => {
            let v = Views {
                state,
                m,
                on_op: make_callback(state, Action::Apply),
            };
            match name {
                "pkmap" => v.pkmap(),
                "atomic" => v.atomic(),
                "vmalloc" => v.vmalloc(),
                _ => v.paging(),
            }
        }
        Err(_) => html! {
            <section class="card" aria-labelledby="nomachine-title">
                <h2 id="nomachine-title" class="card-title">{ "No machine to explore" }</h2>
                <p>{ "The kernel and RAM chosen above do not boot, so there are no page tables, \
                      TLBs or free lists to show. Choose more RAM or another kernel; chapter 1's \
                      address-space views still work for this configuration." }</p>
            </section>
        },
    };

    html! {
        <main class="page">
            <article class="chapter" aria-labelledby={chapter.title_id()}>
                <ChapterView slug={chapter.slug} layout={layout} machine={lab.machine.clone()}
                             cpu={Some(i.cpu())} {on_try} />
                <Questions chapter={name} config={i.machine_config()} machine={lab.machine.clone()} />
            </article>
            <aside id="lab" class="lab" aria-label="Live views">
                <section class="card machine" aria-labelledby="machine-title">
                    <h2 id="machine-title" class="card-title">{ "The machine" }</h2>
                    { controls(state) }
                    <CpuControls cpus={i.cpus} {nr_cpus} model={i.cpu_model}
                                 default_model={profile.boot.default_cpu} {on_cpus} on_model={on_model} />
                    if kmap_chapter {
                        <KernelOptions profile={i.profile} highmem={i.highmem} options={i.options} {on_option} />
                    }
                    <div id="error" class="error" role="alert">{ error }</div>
                    if let Err(why) = &lab.machine {
                        <div id="machine-error" class="error machine-error" role="alert">
                            <strong>{ "This machine does not boot. " }</strong>
                            { why.clone() }
                        </div>
                    }
                    <p id="machine-note" class="machine-note" role="status">
                        { lab.note.clone().unwrap_or_default() }
                    </p>
                </section>
                { share(state, chapter) }
                { views }
                if lab.machine.is_ok() { { history_card(state) } }
                <CompareEras chapter={name} inputs={i.clone()} />
                <ExportSvg />
            </aside>
        </main>
    }
}

/// Every chapter has a page (a route and a lab), so a new Markdown file needs no code here.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::CHAPTERS;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn every_chapter_has_a_route_and_a_title() {
        assert!(CHAPTERS.iter().any(|c| c.slug == LAYOUT_CHAPTER));
        for c in CHAPTERS {
            assert_eq!(
                title(&Route::Chapter(c)),
                format!("{} · Highmem Lab", c.title)
            );
            assert!(!c.title_id().is_empty(), "{} has a # title", c.slug);
        }
    }
}
