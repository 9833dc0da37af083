//! The "try it" scenarios: run one at once or step by step, from a fresh boot.

use super::Shared;
use crate::lab::Stepping;
use crate::scenarios::SCENARIOS;
use crate::state::MachineOptions;
use highmem_engine::machine::Machine;
use yew::prelude::*;

/// Props of [`ScenarioList`].
#[derive(Properties, PartialEq)]
pub struct ScenarioListProps {
    /// The machine (to say which scenarios it can run, and the next step's op).
    pub machine: Shared<Machine>,
    /// The chapter whose scenarios are listed, by route name (`paging`, `pkmap`, `atomic`).
    pub chapter: AttrValue,
    /// The scenario being stepped through.
    pub stepping: Option<Stepping>,
    /// Run a scenario: its id, and whether one step at a time.
    pub on_run: Callback<(&'static str, bool)>,
    /// The next step.
    pub on_next: Callback<()>,
    /// The rest at once.
    pub on_finish: Callback<()>,
    /// Leave step-by-step mode.
    pub on_stop: Callback<()>,
}

/// The list.
#[component]
pub fn ScenarioList(props: &ScenarioListProps) -> Html {
    let m: &Machine = &props.machine;
    html! {
        <ul id="scenarios" class="scenarios">
            { for SCENARIOS.iter().filter(|s| s.chapter == props.chapter.as_str()).map(|s| {
                let allowed = (s.requires)(m);
                let id = s.id;
                let run = props.on_run.reform(move |_: MouseEvent| (id, false));
                let step = props.on_run.reform(move |_: MouseEvent| (id, true));
                let here = props.stepping.as_ref().filter(|st| st.scenario.id == id);
                let disabled = allowed.is_err();
                let profile = m.profile();
                let now = MachineOptions::of(m.config());
                let needs: Vec<String> = s.options.iter()
                    .filter(|&&(o, on)| now.get(o) != on)
                    .map(|&(o, on)| format!("{} {}", if on { "turns on" } else { "turns off" }, o.name(profile)))
                    .collect();
                html! {
                    <li class={classes!("scenario", here.is_some().then_some("is-stepping"))} data-scenario={id}>
                        <h3 class="scenario-title" id={format!("scenario-{id}")}>{ s.title }</h3>
                        <p class="scenario-summary">{ s.summary }</p>
                        if !needs.is_empty() {
                            <p class="hint scenario-needs">{ format!("Running it {} and boots the machine again.", needs.join(" and ")) }</p>
                        }
                        if let Err(why) = &allowed {
                            <p class="hint scenario-why" id={format!("why-{id}")}>{ format!("Not on this machine: {why}.") }</p>
                        }
                        <div class="button-row">
                            <button type="button" class="button primary" id={format!("run-{id}")} onclick={run}
                                    {disabled} aria-describedby={format!("scenario-{id}")}>
                                { format!("▶ Run all {} steps", s.steps.len()) }
                            </button>
                            <button type="button" class="button" id={format!("step-{id}")} onclick={step}
                                    {disabled} aria-describedby={format!("scenario-{id}")}>
                                { "Step by step" }
                            </button>
                        </div>
                        if let Some(st) = here {
                            <div class="stepper" role="group" aria-label={format!("Stepping through “{}”", s.title)}>
                                <p class="stepper-next">
                                    { format!("Next, step {} of {}: ", st.next + 1, s.steps.len()) }
                                    <code>{ s.steps[st.next].preview(m) }</code>
                                </p>
                                <div class="button-row">
                                    <button type="button" class="button primary" id="next-step"
                                            onclick={props.on_next.reform(|_: MouseEvent| ())}>{ "Next step" }</button>
                                    <button type="button" class="button" id="finish-steps"
                                            onclick={props.on_finish.reform(|_: MouseEvent| ())}>{ "Run the rest" }</button>
                                    <button type="button" class="button" id="stop-steps"
                                            onclick={props.on_stop.reform(|_: MouseEvent| ())}>{ "Stop" }</button>
                                </div>
                            </div>
                        }
                    </li>
                }
            }) }
        </ul>
    }
}
