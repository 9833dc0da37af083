//! The event log: every op recorded, with how it ended, as a listbox whose selected option is
//! the position in the history. Choosing an option (a click, the arrow keys, Page Up/Down,
//! Home, End) goes there. Row 0 is the boot.
//!
//! Only the rows in sight (and a few around them) are in the DOM, each placed at its offset
//! in a spacer as tall as the whole list, so 100,000 ops cost no more than 30. Each option
//! carries `aria-setsize`/`aria-posinset`, so a screen reader still hears where it is.

use crate::format::op_text;
use crate::timeline::{Brief, Timeline};
use highmem_engine::machine::ResultKind;
use web_sys::Element;
use yew::prelude::*;

/// Props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// The history.
    pub timeline: Timeline,
    /// Go to this position.
    pub on_jump: Callback<usize>,
    /// A long run is under way: the log follows it and does not move.
    pub busy: bool,
}

/// A row's height in pixels (the stylesheet gives `.ev-row` the same).
pub const ROW_PX: usize = 30;

/// Rows in sight.
pub const ROWS_SHOWN: usize = 12;

/// Rows rendered beyond those in sight, above and below.
const OVERSCAN: usize = 8;

/// How an op ended, as a badge: an id for styles and tests, a symbol and a word.
pub fn brief_badge(b: &Brief) -> (&'static str, &'static str, &'static str) {
    match b.result {
        ResultKind::Ok => ("ok", "✓", "ok"),
        ResultKind::Sleep => ("sleep", "☾", "sleeps"),
        ResultKind::Bug => ("bug", "✖", "BUG"),
        ResultKind::Oops => ("oops", "✖", "oops"),
        ResultKind::Warn => ("warn", "⚠", "warning"),
    }
}

/// What a row says after the op: the kernel's message, or the value when the op ran quietly.
pub fn brief_text(b: &Brief) -> String {
    match (&b.message, b.value) {
        (Some(m), _) if !m.is_empty() => m.to_string(),
        (_, Some(v)) => format!("→ {v:#x}"),
        _ => String::new(),
    }
}

/// The position a key moves to, or `None` for a key the log does not use.
pub fn key_target(key: &str, pos: usize, len: usize) -> Option<usize> {
    let page = ROWS_SHOWN - 2;
    Some(match key {
        "ArrowUp" => pos.saturating_sub(1),
        "ArrowDown" => (pos + 1).min(len),
        "PageUp" => pos.saturating_sub(page),
        "PageDown" => (pos + page).min(len),
        "Home" => 0,
        "End" => len,
        _ => return None,
    })
}

/// The rows to render for a scroll offset: the window in sight and around it.
pub fn window(scroll_px: f64, rows: usize) -> std::ops::Range<usize> {
    let top = (scroll_px.max(0.0) as usize) / ROW_PX;
    let first = top.saturating_sub(OVERSCAN).min(rows);
    let last = (top + ROWS_SHOWN + OVERSCAN).min(rows);
    first..last
}

/// The log.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let t = &props.timeline;
    let len = t.ops.len();
    let rows = len + 1;
    let pos = t.pos;
    let scroll = use_state(|| 0.0f64);
    let list_ref = use_node_ref();

    // Keep the position in sight when it moves (a jump, undo, a run).
    {
        let list_ref = list_ref.clone();
        let scroll = scroll.clone();
        use_effect_with((pos, len), move |&(pos, _)| {
            if let Some(el) = list_ref.cast::<Element>() {
                let top = f64::from(el.scroll_top());
                let row_top = (pos * ROW_PX) as f64;
                let height = (ROWS_SHOWN * ROW_PX) as f64;
                if row_top < top || row_top + ROW_PX as f64 > top + height {
                    let to = (row_top - height / 2.0).max(0.0);
                    el.set_scroll_top(to as i32);
                    scroll.set(f64::from(el.scroll_top()));
                }
            }
        });
    }

    let onscroll = {
        let scroll = scroll.clone();
        Callback::from(move |e: Event| {
            let el: Element = e.target_unchecked_into();
            scroll.set(f64::from(el.scroll_top()));
        })
    };
    let onkeydown = {
        let on_jump = props.on_jump.clone();
        let busy = props.busy;
        Callback::from(move |e: KeyboardEvent| {
            if let Some(to) = key_target(&e.key(), pos, len) {
                e.prevent_default();
                if !busy && to != pos {
                    on_jump.emit(to);
                }
            }
        })
    };

    let mut shown: Vec<usize> = window(*scroll, rows).collect();
    // The selected option is always in the DOM, for aria-activedescendant.
    if !shown.contains(&pos) {
        shown.push(pos);
    }
    let row = |r: usize| {
        let current = r == pos;
        let undone = r > pos;
        let onclick = {
            let on_jump = props.on_jump.clone();
            let busy = props.busy;
            Callback::from(move |_: MouseEvent| {
                if !busy {
                    on_jump.emit(r);
                }
            })
        };
        let style = format!("top: {}px", r * ROW_PX);
        let (body, result) = match r.checked_sub(1) {
            None => (
                html! { <span class="ev-text">{ "boot: the machine as it started" }</span> },
                "boot",
            ),
            Some(i) => {
                let (Some(op), Some(b)) = (t.ops.get(i), t.briefs.get(i)) else {
                    return Html::default();
                };
                let (id, mark, word) = brief_badge(b);
                let (text, said) = (op_text(op), brief_text(b));
                (
                    html! {
                        <>
                            <span class={classes!("badge", format!("badge-{id}"))}>{ format!("{mark} {word}") }</span>
                            <code class="ev-op" title={text.clone()}>{ text }</code>
                            <span class="ev-text" title={said.clone()}>{ said }</span>
                        </>
                    },
                    id,
                )
            }
        };
        html! {
            <div role="option" id={format!("ev-{r}")} key={r.to_string()}
                 class={classes!("ev-row", current.then_some("current"), undone.then_some("undone"))}
                 aria-selected={current.to_string()} aria-setsize={rows.to_string()}
                 aria-posinset={(r + 1).to_string()} data-result={result} {style} {onclick}>
                <span class="ev-marker" aria-hidden="true">{ if current { "▶" } else { "" } }</span>
                <span class="ev-num">{ r.to_string() }</span>
                { body }
                if undone { <span class="ev-undone">{ "undone" }</span> }
            </div>
        }
    };
    let height = format!("height: {}px", rows * ROW_PX);
    html! {
        <div class="event-log-wrap">
            <div id="event-log" class="event-log" ref={list_ref} role="listbox" tabindex="0"
                 aria-label={format!("Event log: the boot and {} recorded; the selected one is the machine shown", crate::lab::ops_count(len))}
                 aria-activedescendant={format!("ev-{pos}")} aria-describedby="event-log-hint"
                 {onscroll} {onkeydown}>
                <div class="ev-spacer" role="presentation" style={height}>
                    { for shown.into_iter().map(row) }
                </div>
            </div>
            <p class="hint" id="event-log-hint">
                { "Arrow keys, Page Up/Down, Home and End move through the history; the machine and every \
                   view follow. Ops after the selected one are undone: running a new op drops them." }
            </p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn keys_move_within_the_history() {
        assert_eq!(key_target("ArrowUp", 0, 5), Some(0));
        assert_eq!(key_target("ArrowDown", 5, 5), Some(5));
        assert_eq!(key_target("ArrowDown", 2, 5), Some(3));
        assert_eq!(key_target("PageDown", 2, 100_000), Some(12));
        assert_eq!(key_target("Home", 77, 100), Some(0));
        assert_eq!(key_target("End", 7, 100), Some(100));
        assert_eq!(key_target("a", 7, 100), None);
    }

    #[test]
    fn only_a_window_of_rows_is_rendered() {
        assert_eq!(window(0.0, 100_001), 0..ROWS_SHOWN + OVERSCAN);
        let w = window((50_000 * ROW_PX) as f64, 100_001);
        assert!(w.contains(&50_000) && w.contains(&(50_000 + ROWS_SHOWN - 1)));
        assert!(w.len() <= ROWS_SHOWN + 2 * OVERSCAN);
        assert_eq!(window(1e12, 10), 10..10);
        assert_eq!(window(-5.0, 3), 0..3);
    }
}
