//! What the last run did, op by op: how each ended, the kernel's message, the call tree and
//! the cells it changed; and the history since boot, with undo.

use crate::format::op_text;
use crate::lab::{ops_count, Applied, Run};
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
    pub history: Vec<Op>,
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

fn step(a: &Applied, index: usize, number: Option<usize>, last: bool) -> Html {
    let (id, mark, word) = badge(a);
    html! {
        <li class={classes!("run-step", format!("result-{id}"))} data-result={id} value={number.map(|n| n.to_string())}>
            <p class="step-head">
                <span class={classes!("badge", format!("badge-{id}"))}>{ format!("{mark} {word}") }</span>
                <code class="op-text">{ op_text(&a.op) }</code>
            </p>
            if let Some(x) = a.explain { <p class="step-explain">{ x }</p> }
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
                         aria-label={format!("Cells changed by step {}", number.unwrap_or(index + 1))}>
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
        </li>
    }
}

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
    let script = std::iter::once(props.machine_line.to_string())
        .chain(props.history.iter().map(op_text))
        .collect::<Vec<_>>()
        .join("\n");
    html! {
        <div id="outcome" class="outcome">
            <p id="outcome-status" class="visually-hidden" aria-live="polite">{ status }</p>
            if let Some(run) = &props.last {
                if let Some(s) = run.scenario {
                    <p class="run-title">
                        { format!("“{}”, ", s.title) }
                        { if run.steps.len() == 1 {
                            format!("step {} of {}", run.first_step + 1, s.steps.len())
                        } else {
                            format!("steps {}–{} of {}", run.first_step + 1, run.first_step + run.steps.len(), s.steps.len())
                        } }
                    </p>
                }
                <ol class="run-steps" key={run.seq.to_string()}>
                    { for run.steps.iter().enumerate().map(|(i, a)| {
                        let number = run.scenario.map(|_| run.first_step + i + 1);
                        step(a, i, number, i + 1 == run.steps.len())
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
                            title="Boots the machine again and replays every op but the last">
                        { "↶ Undo" }
                    </button>
                    <button type="button" class="button" id="reset" onclick={on_reset}>{ "Boot again" }</button>
                </div>
                if !props.history.is_empty() {
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
