//! "Compare eras": a chapter's scenario run on two or more of the five kernels, side by
//! side, with the steps whose outcome differs from the first kernel's marked (see
//! [`crate::compare`]). Once shown, the table follows the machine's controls.

use crate::compare::{compare, differs, Cell, EraRun};
use crate::components::outcome::badge;
use crate::scenarios::{Scenario, SCENARIOS};
use crate::state::Inputs;
use highmem_engine::profile::ProfileId;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`CompareEras`].
#[derive(Properties, PartialEq)]
pub struct CompareErasProps {
    /// The chapter whose scenarios are offered, by route name.
    pub chapter: AttrValue,
    /// The machine's controls, which every kernel boots with.
    pub inputs: Inputs,
}

/// The comparison card, or nothing for a chapter without scenarios.
#[component]
pub fn CompareEras(props: &CompareErasProps) -> Html {
    let list: Vec<&'static Scenario> = SCENARIOS
        .iter()
        .filter(|s| s.chapter == props.chapter.as_str())
        .collect();
    let chosen = use_state(|| None::<&'static str>);
    let eras = use_state(|| ProfileId::ALL.to_vec());
    let shown = use_state(|| false);
    let scenario = chosen
        .and_then(|id| list.iter().copied().find(|s| s.id == id))
        .or_else(|| list.first().copied());
    let runs = {
        let key = (
            *shown,
            scenario.map(|s| s.id),
            (*eras).clone(),
            props.inputs.clone(),
        );
        use_memo(key, |(shown, _, eras, inputs)| match (shown, scenario) {
            (true, Some(s)) if eras.len() >= 2 => Some(compare(s, inputs, eras)),
            _ => None,
        })
    };
    let Some(scenario) = scenario else {
        return Html::default();
    };

    let on_scenario = {
        let chosen = chosen.clone();
        let list = list.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let v = select.value();
            chosen.set(list.iter().find(|s| s.id == v).map(|s| s.id));
        })
    };
    let on_run = {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| shown.set(true))
    };
    let too_few = eras.len() < 2;

    html! {
        <section class="card compare" aria-labelledby="compare-title">
            <h2 id="compare-title" class="card-title">{ "Compare eras" }</h2>
            <p class="card-lede">
                { "Run one scenario on several kernels at once, each booted with the machine \
                   above, and see where they part ways. A step is marked ≠ when its result or \
                   its number of operations differs from the first kernel's." }
            </p>
            <div class="compare-form">
                <label for="compare-scenario">{ "Scenario" }</label>
                <select id="compare-scenario" onchange={on_scenario}>
                    { for list.iter().map(|s| html! {
                        <option value={s.id} selected={s.id == scenario.id}>{ s.title }</option>
                    }) }
                </select>
                <fieldset class="compare-eras">
                    <legend>{ "Kernels" }</legend>
                    { for ProfileId::ALL.iter().map(|&p| {
                        let eras = eras.clone();
                        let checked = eras.contains(&p);
                        let onchange = Callback::from(move |e: Event| {
                            let input: HtmlInputElement = e.target_unchecked_into();
                            let mut v: Vec<ProfileId> = (*eras).clone();
                            v.retain(|&q| q != p);
                            if input.checked() {
                                v.push(p);
                            }
                            // In the order of the five, oldest first.
                            v.sort_by_key(|q| ProfileId::ALL.iter().position(|r| r == q));
                            eras.set(v);
                        });
                        let id = format!("compare-era-{}", p.name().replace('.', "-"));
                        html! {
                            <label class="compare-era" for={id.clone()}>
                                <input type="checkbox" {id} {checked} {onchange} />
                                { p.name() }
                            </label>
                        }
                    }) }
                </fieldset>
                <button type="button" id="compare-run" class="button" onclick={on_run}
                        disabled={too_few}>
                    { if *shown { "Comparing: follows the controls" } else { "Compare" } }
                </button>
                if too_few {
                    <p class="hint" role="status">{ "Choose at least two kernels." }</p>
                }
            </div>
            if let Some(runs) = &*runs {
                { table(scenario, runs) }
            }
        </section>
    }
}

fn table(scenario: &'static Scenario, runs: &[EraRun]) -> Html {
    let first = runs.first().map(|r| r.profile.name()).unwrap_or_default();
    let cell = |i: usize, c: &Cell| -> Html {
        let Some(a) = c.decisive() else {
            return html! { <td class="compare-cell">{ "—" }</td> };
        };
        let (class, mark, word) = badge(a);
        let d = differs(runs, i, c) == Some(true);
        let message = a.outcome.message.lines().next().unwrap_or_default();
        let short: String = message.chars().take(140).collect();
        html! {
            <td class={classes!("compare-cell", d.then_some("differs"))} data-result={class}
                data-ops={c.ops.len().to_string()}>
                if d {
                    <span class="differs-mark" aria-hidden="true">{ "≠ " }</span>
                    <span class="visually-hidden">{ format!("Differs from {first}: ") }</span>
                }
                <span class={classes!("badge", format!("badge-{class}"))}>{ format!("{mark} {word}") }</span>
                if c.ops.len() > 1 {
                    <span class="compare-count">{ format!(" × {} ops", c.ops.len()) }</span>
                }
                <span class="compare-message" title={message.to_string()}>{ format!(" {short}") }</span>
            </td>
        }
    };
    let summary = |r: &EraRun| -> String {
        match (&r.steps, &r.metrics) {
            (Err(_), _) => "not run".into(),
            (Ok(steps), m) => {
                let n = steps
                    .iter()
                    .enumerate()
                    .filter(|(i, c)| differs(runs, *i, c) == Some(true))
                    .count();
                let mut s = if r.profile.name() == first {
                    "the reference".to_string()
                } else {
                    format!(
                        "{n} step{} differ{}",
                        if n == 1 { "" } else { "s" },
                        if n == 1 { "s" } else { "" }
                    )
                };
                if let Some(m) = m {
                    s.push_str(&format!(
                        "; TLB {} hits, {} misses; pkmap {} of {} in use; vmalloc {} KiB used",
                        m.tlb_hits,
                        m.tlb_misses,
                        m.pkmap_in_use,
                        m.pkmap_slots,
                        m.vmalloc_used / 1024
                    ));
                }
                s
            }
        }
    };
    html! {
        <div class="table-wrap" tabindex="0" role="region"
             aria-label={format!("“{}” on {}", scenario.title,
                 runs.iter().map(|r| r.profile.name()).collect::<Vec<_>>().join(", "))}>
            <table id="compare-table" class="compare-table">
                <thead>
                    <tr>
                        <th scope="col">{ "Step" }</th>
                        { for runs.iter().map(|r| html! { <th scope="col" data-era={r.profile.name()}>{ r.profile.name() }</th> }) }
                    </tr>
                </thead>
                <tbody>
                    <tr class="compare-runs">
                        <th scope="row">{ "Runs?" }</th>
                        { for runs.iter().map(|r| match &r.steps {
                            Ok(_) => html! { <td>{ "yes" }</td> },
                            Err(why) => html! { <td class="compare-not-run">{ format!("no: {why}") }</td> },
                        }) }
                    </tr>
                    { for scenario.steps.iter().enumerate().map(|(i, step)| html! {
                        <tr data-step={(i + 1).to_string()}>
                            <th scope="row" title={step.explain}>{ format!("{}.", i + 1) }</th>
                            { for runs.iter().map(|r| match &r.steps {
                                Ok(steps) => steps.get(i).map(|c| cell(i, c)).unwrap_or_default(),
                                Err(_) => html! { <td class="compare-cell">{ "—" }</td> },
                            }) }
                        </tr>
                    }) }
                    <tr class="compare-summary">
                        <th scope="row">{ "In all" }</th>
                        { for runs.iter().map(|r| html! { <td>{ summary(r) }</td> }) }
                    </tr>
                </tbody>
            </table>
        </div>
    }
}
