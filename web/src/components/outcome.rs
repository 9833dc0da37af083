//! What the last run did, op by op: how each ended, the kernel's message, the call tree and
//! the cells it changed; and the history since boot, with undo.

use crate::format::op_text;
use crate::lab::{ops_count, Applied, Run};
use crate::seq::Seq;
use highmem_engine::machine::{Op, ResultKind};
use highmem_engine::trace::Call;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`OutcomeView`].
#[derive(Properties, PartialEq)]
pub struct OutcomeViewProps {
    /// The last run.
    pub last: Option<Rc<Run>>,
    /// The ops since boot.
    pub history: Seq<Op>,
    /// The script's first line for this machine.
    pub machine_line: AttrValue,
    /// Undo was pressed.
    pub on_undo: Callback<()>,
    /// "Boot again" was pressed.
    pub on_reset: Callback<()>,
}

/// How an op ended, as a badge: an id for styles and tests, a symbol and a word.
pub fn badge(a: &Applied) -> (&'static str, &'static str, &'static str) {
    if a.refused {
        return ("refused", "⊘", "refused");
    }
    match a.outcome.result {
        ResultKind::Ok => ("ok", "✓", "ok"),
        ResultKind::Sleep => ("sleep", "☾", "sleeps"),
        ResultKind::Bug => ("bug", "✖", "BUG"),
        ResultKind::Oops => ("oops", "✖", "oops"),
        ResultKind::Warn => ("warn", "⚠", "warning"),
    }
}

fn call_head(c: &Call) -> String {
    let args = c
        .args
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{}({args})", c.function)
}

/// A call and what happened inside it, as a nested list that opens level by level.
fn call_tree(c: &Call, depth: usize) -> Html {
    let head = html! {
        <>
            <code class="call-head">{ call_head(c) }</code>
            if let Some(r) = &c.result {
                <span class="call-result">{ format!(" → {r}") }</span>
            }
        </>
    };
    if c.children.is_empty() && c.decisions.is_empty() {
        return html! { <span class="call-leaf">{ head }</span> };
    }
    html! {
        <details class="call" open={depth < 2}>
            <summary>{ head }</summary>
            <ul class="call-body">
                { for c.decisions.iter().map(|d| html! {
                    <li class="decision">
                        <span class="question">{ d.question.clone() }</span>
                        <span class="answer">{ format!(" {}", d.answer) }</span>
                    </li>
                }) }
                { for c.children.iter().map(|ch| html! { <li>{ call_tree(ch, depth + 1) }</li> }) }
            </ul>
        </details>
    }
}

/// What one op did: the kernel's message, whether the model refused it, its call tree and
/// the cells it changed.
fn applied_body(a: &Applied, label: usize, last: bool) -> Html {
    html! {
        <>
            <pre class="message">{ a.outcome.message.clone() }</pre>
            if a.refused {
                <p class="hint">{ "The model refused it: the machine is unchanged and the op is not in the history." }</p>
            }
            <details class="trace" open={last}>
                <summary>{ "Call tree" }</summary>
                <div class="trace-tree">{ call_tree(&a.outcome.trace, 0) }</div>
            </details>
            if !a.outcome.changes.is_empty() {
                <details class="changes">
                    <summary>{ format!("Cells changed ({})", a.outcome.changes.len()) }</summary>
                    <div class="table-wrap" tabindex="0" role="region"
                         aria-label={format!("Cells changed by step {label}")}>
                        <table>
                            <thead><tr><th scope="col">{ "cell" }</th><th scope="col">{ "before" }</th><th scope="col">{ "after" }</th></tr></thead>
                            <tbody>
                                { for a.outcome.changes.iter().map(|c| html! {
                                    <tr>
                                        <th scope="row"><code>{ c.cell.clone() }</code></th>
                                        <td><code>{ c.before.clone() }</code></td>
                                        <td><code>{ c.after.clone() }</code></td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                </details>
            }
        </>
    }
}

fn step(a: &Applied, index: usize, number: Option<usize>, last: bool) -> Html {
    let (id, mark, word) = badge(a);
    html! {
        <li class={classes!("run-step", format!("result-{id}"))} data-result={id} value={number.map(|n| n.to_string())}>
            <p class="step-head">
                <span class={classes!("badge", format!("badge-{id}"))}>{ format!("{mark} {word}") }</span>
                <code class="op-text">{ op_text(&a.op) }</code>
            </p>
            if let Some(x) = a.explain { <p class="step-explain">{ x }</p> }
            { applied_body(a, number.unwrap_or(index + 1), last) }
        </li>
    }
}

/// The most ops of a batch that did something other than `ok` listed one by one.
const NOTABLE_SHOWN: usize = 20;

/// Several ops of one scenario step (or one batch): how they ended, counted; the ones that
/// did not end `ok`; and the last of them in full. (Every op is also in the history.)
fn batch(ops: &[Applied], number: Option<usize>, last: bool) -> Html {
    let Some(final_op) = ops.last() else {
        return Html::default();
    };
    let (id, _, _) = badge(final_op);
    let mut tally: Vec<((&str, &str, &str), usize)> = Vec::new();
    for a in ops {
        let b = badge(a);
        match tally.iter_mut().find(|(t, _)| *t == b) {
            Some((_, n)) => *n += 1,
            None => tally.push((b, 1)),
        }
    }
    let notable: Vec<&Applied> = ops.iter().filter(|a| badge(a).0 != "ok").collect();
    let first_text = op_text(&ops[0].op);
    let last_text = op_text(&final_op.op);
    html! {
        <li class={classes!("run-step", "run-batch", format!("result-{id}"))} data-result={id}
            data-count={ops.len().to_string()} value={number.map(|n| n.to_string())}>
            <p class="step-head">
                { for tally.iter().map(|((tid, mark, word), n)| html! {
                    <span class={classes!("badge", format!("badge-{tid}"))} data-tally={*tid}>{ format!("{n} × {mark} {word}") }</span>
                }) }
                <code class="op-text">{ format!("{first_text} … {last_text}") }</code>
            </p>
            if let Some(x) = final_op.explain { <p class="step-explain">{ x }</p> }
            <p class="batch-summary">
                { format!("{} in this step; each is in the history below.", ops_count(ops.len())) }
            </p>
            if !notable.is_empty() {
                <details class="batch-notable" open=true>
                    <summary>{ format!("Not ok: {}", ops_count(notable.len())) }</summary>
                    <ol class="batch-list">
                        { for notable.iter().take(NOTABLE_SHOWN).map(|a| {
                            let (tid, mark, word) = badge(a);
                            html! {
                                <li data-result={tid}>
                                    <span class={classes!("badge", format!("badge-{tid}"))}>{ format!("{mark} {word}") }</span>
                                    { " " }<code class="op-text">{ op_text(&a.op) }</code>
                                    <span class="batch-line">{ a.outcome.message.lines().next().unwrap_or_default().to_string() }</span>
                                </li>
                            }
                        }) }
                    </ol>
                    if notable.len() > NOTABLE_SHOWN {
                        <p class="hint">{ format!("… and {} more.", notable.len() - NOTABLE_SHOWN) }</p>
                    }
                </details>
            }
            <p class="batch-last">{ "The last of them: " }<code class="op-text">{ last_text }</code></p>
            { applied_body(final_op, number.unwrap_or(1), last) }
        </li>
    }
}

/// A run's ops in groups: consecutive ops of the same scenario step, or of one batch.
fn groups(run: &Run) -> Vec<&[Applied]> {
    let mut out: Vec<&[Applied]> = Vec::new();
    let mut start = 0;
    for i in 1..=run.steps.len() {
        if i == run.steps.len() || run.steps[i].step != run.steps[start].step {
            out.push(&run.steps[start..i]);
            start = i;
        }
    }
    out
}

/// The longest history listed here in full, with its script.
pub const LISTED_MAX: usize = 2000;

/// The last run and the history.
#[component]
pub fn OutcomeView(props: &OutcomeViewProps) -> Html {
    let status = props
        .last
        .as_ref()
        .and_then(|r| r.last())
        .map(|a| {
            let (_, _, word) = badge(a);
            let first = a.outcome.message.lines().next().unwrap_or_default();
            format!("{}: {word}. {first}", op_text(&a.op))
        })
        .unwrap_or_default();
    let on_undo = props.on_undo.reform(|_: MouseEvent| ());
    let on_reset = props.on_reset.reform(|_: MouseEvent| ());
    // A long history is listed by the event log (windowed); here it would cost a row each,
    // and its script is made only when asked for.
    let listed = props.history.len() <= LISTED_MAX;
    let asked = use_state(|| false);
    let on_make_script = {
        let asked = asked.clone();
        Callback::from(move |_: MouseEvent| asked.set(true))
    };
    let script = if listed || *asked {
        std::iter::once(props.machine_line.to_string())
            .chain(props.history.iter().map(op_text))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        String::new()
    };
    html! {
        <div id="outcome" class="outcome">
            <p id="outcome-status" class="visually-hidden" aria-live="polite">{ status }</p>
            if let Some(run) = &props.last {
                if let Some(s) = run.scenario {
                    <p class="run-title">
                        { format!("“{}”, ", s.title) }
                        { match run.step_span() {
                            Some((a, b)) if a == b => format!("step {} of {}", a + 1, s.steps.len()),
                            Some((a, b)) => format!("steps {}–{} of {}", a + 1, b + 1, s.steps.len()),
                            None => String::new(),
                        } }
                    </p>
                } else if let Some(label) = &run.label {
                    <p class="run-title">{ label.clone() }</p>
                }
                <ol class="run-steps" key={run.seq.to_string()}>
                    { for groups(run).into_iter().enumerate().map(|(gi, g)| {
                        let number = g[0].step.map(|s| s + 1);
                        let last = std::ptr::eq(g.last().unwrap_or(&g[0]), run.steps.last().unwrap_or(&g[0]));
                        if g.len() == 1 {
                            step(&g[0], gi, number, last)
                        } else {
                            batch(g, number, last)
                        }
                    }) }
                </ol>
            } else {
                <p class="hint">{ "Nothing has run since the machine booted. Pick a scenario above, or run an operation." }</p>
            }
            <div class="history">
                <h3 class="sub-title" id="history-title">{ format!("History: {}", ops_count(props.history.len())) }</h3>
                <div class="button-row">
                    <button type="button" class="button" id="undo" onclick={on_undo}
                            disabled={props.history.is_empty()}
                            title="Rebuilds the machine without the last op; Redo in the History card runs it again">
                        { "↶ Undo" }
                    </button>
                    <button type="button" class="button" id="reset" onclick={on_reset}>{ "Boot again" }</button>
                </div>
                if !listed {
                    <p class="hint" id="history-long">
                        { format!("{} are too many to list here: the event log in the History card shows \
                                   them all, and the saved state keeps them.", ops_count(props.history.len())) }
                    </p>
                    if *asked {
                        <details class="as-script" open=true>
                            <summary>{ "As a scenario script" }</summary>
                            <pre class="script" tabindex="0">{ script.clone() }</pre>
                        </details>
                    } else {
                        <button type="button" class="button small" id="make-script" onclick={on_make_script}>
                            { "Show it as a scenario script" }
                        </button>
                    }
                } else if !props.history.is_empty() {
                    <ol id="history" class="history-list" aria-labelledby="history-title">
                        { for props.history.iter().map(|op| html! { <li><code>{ op_text(op) }</code></li> }) }
                    </ol>
                    <details class="as-script">
                        <summary>{ "As a scenario script" }</summary>
                        <pre class="script" tabindex="0">{ script }</pre>
                    </details>
                }
            </div>
        </div>
    }
}
