//! The "History" card: travel along the history (undo, redo, play the redo list at a chosen
//! speed, a slider over every position), long random runs with a progress bar and Cancel,
//! the event log, the plots over the history, and one polite sentence for screen readers
//! after each step.

use super::event_log::{brief_badge, brief_text, EventLog};
use super::history_plots::HistoryPlots;
use crate::format::op_text;
use crate::lab::ops_count;
use crate::timeline::Timeline;
use crate::timer::Timeout;
use crate::travel::{Job, MAX_LONG_RUN};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`HistoryPanel`].
#[derive(Properties, PartialEq)]
pub struct HistoryPanelProps {
    /// The history.
    pub timeline: Timeline,
    /// A long run under way.
    pub job: Option<Job>,
    /// Whether random runs work on this machine, or why not.
    pub random_ok: Result<(), String>,
    /// Undo.
    pub on_undo: Callback<()>,
    /// Redo (one step forward).
    pub on_redo: Callback<()>,
    /// Go to a position.
    pub on_jump: Callback<usize>,
    /// Start a long run: (count, seed).
    pub on_long_run: Callback<(usize, u64)>,
    /// Cancel the long run.
    pub on_cancel: Callback<()>,
    /// Forget the saved state and start again from the defaults.
    pub on_forget: Callback<()>,
}

/// The speeds offered, in ops per second.
pub const SPEEDS: [u32; 6] = [1, 2, 5, 10, 30, 60];

/// The sentence read out after a step: where the history stands and how the op there ended.
pub fn narration(t: &Timeline, job: Option<&Job>) -> String {
    if let Some(j) = job {
        return format!("Running {}.", j.label());
    }
    let Some(i) = t.pos.checked_sub(1) else {
        return if t.ops.is_empty() {
            String::new()
        } else {
            format!("At the boot; {} can be redone.", ops_count(t.redo_len()))
        };
    };
    let (Some(op), Some(b)) = (t.ops.get(i), t.briefs.get(i)) else {
        return String::new();
    };
    let (_, _, word) = brief_badge(b);
    let text = brief_text(b);
    format!(
        "Op {} of {}: {}, {word}{}",
        t.pos,
        t.ops.len(),
        op_text(op),
        if text.is_empty() {
            ".".to_string()
        } else {
            format!(": {text}")
        }
    )
}

/// A count typed for a long run.
pub fn parse_long_count(text: &str) -> Result<usize, String> {
    let t: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    match t.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_LONG_RUN).contains(&n) => Ok(n),
        _ => Err(format!(
            "How many: a whole number from 1 to {MAX_LONG_RUN}, not “{}”",
            text.trim()
        )),
    }
}

/// The card's contents.
#[component]
pub fn HistoryPanel(props: &HistoryPanelProps) -> Html {
    let t = &props.timeline;
    let busy = props.job.is_some();
    let playing = use_state(|| false);
    let speed = use_state(|| 5u32);
    let count = use_state(|| "100000".to_string());
    let seed = use_state(|| "1".to_string());
    let error = use_state(|| None::<String>);

    // Playing: one redo per tick, until the redo list is empty.
    {
        let playing = playing.clone();
        let on_redo = props.on_redo.clone();
        let key = (*playing, t.pos, t.redo_len(), *speed, busy);
        use_effect_with(key, move |&(on, _, left, speed, busy)| {
            let mut timer = None;
            if on && (left == 0 || busy) {
                playing.set(false);
            } else if on {
                let ms = (1000 / speed.max(1)) as i32;
                timer = Timeout::new(ms, move || on_redo.emit(()));
            }
            move || drop(timer)
        });
    }

    let on_undo = props.on_undo.reform(|_: MouseEvent| ());
    let on_redo = props.on_redo.reform(|_: MouseEvent| ());
    let on_play = {
        let playing = playing.clone();
        Callback::from(move |_: MouseEvent| playing.set(!*playing))
    };
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(v) = s.value().parse::<u32>() {
                speed.set(v);
            }
        })
    };
    let on_slide = {
        let on_jump = props.on_jump.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            if let Ok(v) = i.value().parse::<usize>() {
                on_jump.emit(v);
            }
        })
    };
    let text_input = |h: &UseStateHandle<String>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            h.set(i.value());
        })
    };
    let on_long = {
        let (count, seed, error) = (count.clone(), seed.clone(), error.clone());
        let cb = props.on_long_run.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let n = match parse_long_count(&count) {
                Ok(n) => n,
                Err(why) => return error.set(Some(why)),
            };
            let Ok(s) = seed.trim().parse::<u64>() else {
                return error.set(Some(format!("Seed: a whole number, not “{}”", seed.trim())));
            };
            error.set(None);
            cb.emit((n, s));
        })
    };
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    let on_forget = props.on_forget.reform(|_: MouseEvent| ());

    let len = t.ops.len();
    let position = if t.pos == 0 {
        format!("At the boot, of {}", ops_count(len))
    } else {
        format!("After op {} of {}", t.pos, len)
    };
    let redo_hint = match t.redo_len() {
        0 => "Nothing undone.".to_string(),
        n => format!(
            "{} undone, ready to redo; a new operation drops {}.",
            ops_count(n),
            if n == 1 { "it" } else { "them" }
        ),
    };

    html! {
        <div id="history-panel" class="history-panel">
            <p id="timeline-live" class="visually-hidden" aria-live="polite">{ narration(t, props.job.as_ref()) }</p>
            <div class="tt-bar">
                <p class="tt-position" id="tt-position"><strong>{ position.clone() }</strong>{ ". " }{ redo_hint }</p>
                <div class="button-row" role="group" aria-label="Travel through the history">
                    <button type="button" class="button" id="tt-undo" onclick={on_undo}
                            disabled={busy || t.pos == 0}>{ "↶ Undo" }</button>
                    <button type="button" class="button" id="tt-redo" onclick={on_redo}
                            disabled={busy || t.redo_len() == 0}
                            title="Runs the next undone operation again">{ "↷ Redo (step)" }</button>
                    <button type="button" class="button" id="tt-play" onclick={on_play}
                            aria-pressed={(*playing).to_string()}
                            disabled={busy || (t.redo_len() == 0 && !*playing)}>
                        { if *playing { "❚❚ Pause" } else { "▶ Play the redo list" } }
                    </button>
                    <label class="tt-speed" for="tt-speed">{ "Speed" }</label>
                    <select id="tt-speed" onchange={on_speed}>
                        { for SPEEDS.iter().map(|&s| html! {
                            <option value={s.to_string()} selected={s == *speed}>{ format!("{s} op/s") }</option>
                        }) }
                    </select>
                </div>
                <label class="tt-slider-label" for="tt-slider">{ "Position" }</label>
                <input type="range" id="tt-slider" class="tt-slider" min="0" max={len.to_string()}
                       value={t.pos.to_string()} disabled={busy || len == 0} oninput={on_slide}
                       aria-valuetext={position.clone()} />
            </div>

            <form class="op-group long-run" onsubmit={on_long}>
                <fieldset>
                    <legend>{ "A long random run" }</legend>
                    <div class="op-fields">
                        <div class="control">
                            <label for="lr-count">{ "How many" }</label>
                            <input type="text" id="lr-count" inputmode="numeric" value={(*count).clone()}
                                   oninput={text_input(&count)} autocomplete="off" disabled={busy} />
                        </div>
                        <div class="control">
                            <label for="lr-seed">{ "Seed" }</label>
                            <input type="text" id="lr-seed" inputmode="numeric" value={(*seed).clone()}
                                   oninput={text_input(&seed)} autocomplete="off" disabled={busy} />
                        </div>
                    </div>
                    <p class="hint" id="lr-hint">
                        { match &props.random_ok {
                            Ok(()) => format!("Persistent-map operations chosen from the seed, run without their \
                                               traces a few thousand at a time (up to {MAX_LONG_RUN}); each one's \
                                               result goes into the log, and Cancel keeps those done."),
                            Err(why) => format!("Not on this machine: {why}."),
                        } }
                    </p>
                    <div class="button-row">
                        <button type="submit" class="button" id="lr-run"
                                disabled={busy || props.random_ok.is_err()} aria-describedby="lr-hint">{ "Run" }</button>
                        if busy {
                            <button type="button" class="button" id="lr-cancel" onclick={on_cancel}>{ "Cancel" }</button>
                        }
                    </div>
                    if let Some(j) = &props.job {
                        <div class="progress" id="lr-progress" role="progressbar" aria-label="Long run"
                             aria-valuemin="0" aria-valuemax={j.total.to_string()} aria-valuenow={j.done.to_string()}
                             aria-valuetext={format!("{} of {}", j.done, j.total)}>
                            <div class="progress-bar" style={format!("width: {:.2}%", 100.0 * j.done as f64 / j.total.max(1) as f64)}></div>
                        </div>
                        <p class="progress-text">
                            { format!("{} of {} done. The other views catch up every few thousand \
                                       operations and at the end.", j.done, ops_count(j.total)) }
                        </p>
                    }
                    <p id="lr-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
                </fieldset>
            </form>

            <h3 class="sub-title" id="event-log-title">{ "Event log" }</h3>
            <EventLog timeline={t.clone()} on_jump={props.on_jump.clone()} {busy} />

            <h3 class="sub-title" id="plots-title">{ "Over the history" }</h3>
            <HistoryPlots samples={t.samples.clone()} total={len} pos={t.pos} />

            <div class="button-row forget-row">
                <button type="button" class="button small" id="forget-saved" onclick={on_forget}
                        title="Clears what this page keeps in your browser and starts from the defaults">
                    { "Forget the saved state and start afresh" }
                </button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Lab;
    use crate::state::{Action, State};
    use std::rc::Rc;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;
    use yew::Reducible;

    #[test]
    fn the_narration_follows_the_position() {
        let s = Rc::new(State::default()).reduce(Action::RunScenario {
            id: "stale-tlb",
            stepwise: false,
        });
        let t = &s.lab.timeline;
        let said = narration(t, None);
        assert!(said.starts_with("Op 8 of 8: read cpu=0"), "{said}");
        assert!(said.contains(", ok: "), "{said}");
        let back = Rc::clone(&s).reduce(Action::JumpTo(0));
        assert_eq!(
            narration(&back.lab.timeline, None),
            "At the boot; 8 operations can be redone."
        );
        assert_eq!(
            narration(&Lab::without_machine("x".into()).timeline, None),
            ""
        );
    }

    #[test]
    fn long_run_counts_are_checked() {
        assert_eq!(parse_long_count("100,000"), Ok(100_000));
        assert_eq!(parse_long_count(" 7 "), Ok(7));
        assert!(parse_long_count("0").is_err());
        assert!(parse_long_count("x").unwrap_err().contains("“x”"));
        assert!(parse_long_count("99999999").is_err());
    }
}
