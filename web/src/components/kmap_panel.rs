//! The persistent-map operations: `kmap()` and `kunmap()` of a page (a frame number or a
//! named block, optionally on several consecutive frames, as a script's `count=N`) on behalf
//! of a task, 2.4's `kmap_nonblock()`, `kmap_flush_unused()` where the era has it, and a
//! batch of random operations from a seed.

use super::ops_panel::{next_task_name, op_click, parse_frame, select_value, Draft};
use super::Shared;
use crate::format::parse_number;
use highmem_engine::machine::{Machine, Op, PageRef};
use highmem_engine::sched::TaskState;
use yew::prelude::*;

/// Props of [`KmapPanel`].
#[derive(Properties, PartialEq)]
pub struct KmapPanelProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// Run one op.
    pub on_op: Callback<Op>,
    /// Run several ops as one batch.
    pub on_ops: Callback<Vec<Op>>,
    /// Run this many random ops from this seed.
    pub on_random: Callback<(usize, u64)>,
}

/// The most ops one click runs.
pub const MAX_BATCH: u64 = 4096;

/// A page as typed: a named block (kept by name, as a script says `page=NAME`) or a frame.
fn parse_page(m: &Machine, text: &str) -> Result<(PageRef, u64), String> {
    let t = text.trim();
    let pfn = parse_frame(m, t)?;
    Ok(if m.handles().contains_key(t) {
        (PageRef::Name(t.to_string()), pfn)
    } else {
        (PageRef::Pfn(pfn), pfn)
    })
}

/// A count box: 1 to [`MAX_BATCH`].
fn parse_count(text: &str, what: &str) -> Result<u64, String> {
    match parse_number(text) {
        Some(n) if (1..=MAX_BATCH).contains(&n) => Ok(n),
        _ => Err(format!("{what}: a whole number from 1 to {MAX_BATCH}")),
    }
}

/// The `n` pages a batch covers: the page itself, then the frames after it.
fn pages(first: (PageRef, u64), n: u64) -> Vec<PageRef> {
    if n == 1 {
        return vec![first.0];
    }
    (0..n).map(|k| PageRef::Pfn(first.1 + k)).collect()
}

/// The panel.
#[component]
pub fn KmapPanel(props: &KmapPanelProps) -> Html {
    let m: &Machine = &props.machine;
    let task_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    let first_high = {
        let mem = &m.layout().memory;
        if mem.highend_pfn > mem.highstart_pfn {
            mem.highstart_pfn.as_u64()
        } else {
            0x100
        }
    };
    let page_box = Draft(use_state(move || format!("{first_high:#x}")));
    let count_box = Draft(use_state(|| "1".to_string()));
    let random_box = Draft(use_state(|| "100".to_string()));
    let seed_box = Draft(use_state(|| "1".to_string()));
    let profile = m.profile();
    let running: Vec<&str> = m
        .tasks()
        .iter()
        .filter(|t| matches!(t.state, TaskState::Running { .. }))
        .map(|t| t.name.as_str())
        .collect();

    let act =
        |make: Box<dyn Fn() -> Result<Vec<Op>, String>>| op_click(&props.on_ops, &error, make);
    let task = {
        let r = task_ref.clone();
        move || {
            let t = select_value(&r);
            if t.is_empty() {
                Err("fork a task first: kmap() runs on behalf of a task".to_string())
            } else {
                Ok(t)
            }
        }
    };
    let batch = {
        let (p, c, machine) = (page_box.clone(), count_box.clone(), props.machine.clone());
        move || -> Result<Vec<PageRef>, String> {
            let first = parse_page(&machine, &p.get())?;
            Ok(pages(first, parse_count(&c.get(), "How many")?))
        }
    };
    let on_kmap = {
        let (task, batch) = (task.clone(), batch.clone());
        act(Box::new(move || {
            let t = task()?;
            Ok(batch()?
                .into_iter()
                .map(|page| Op::Kmap {
                    task: t.clone(),
                    page,
                    nonblock: false,
                })
                .collect())
        }))
    };
    let on_nonblock = {
        let (task, batch) = (task.clone(), batch.clone());
        act(Box::new(move || {
            let t = task()?;
            Ok(batch()?
                .into_iter()
                .map(|page| Op::Kmap {
                    task: t.clone(),
                    page,
                    nonblock: true,
                })
                .collect())
        }))
    };
    let on_kunmap = {
        let (task, batch) = (task.clone(), batch.clone());
        act(Box::new(move || {
            let t = task()?;
            Ok(batch()?
                .into_iter()
                .map(|page| Op::Kunmap {
                    task: t.clone(),
                    page,
                })
                .collect())
        }))
    };
    let on_flush = {
        let cb = props.on_op.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Op::KmapFlushUnused))
    };
    let on_fork = {
        let cb = props.on_op.clone();
        let name = next_task_name(m);
        let cpu = m
            .cpus()
            .iter()
            .position(|c| c.current.is_none())
            .unwrap_or(0);
        Callback::from(move |_: MouseEvent| {
            cb.emit(Op::Task {
                name: name.clone(),
                cpu,
                kthread: false,
            })
        })
    };
    let random_ok = crate::random::available(m);
    let on_random = {
        let (cb, n, s, error) = (
            props.on_random.clone(),
            random_box.clone(),
            seed_box.clone(),
            error.clone(),
        );
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            let count = match parse_count(&n.get(), "Random operations") {
                Ok(c) => c,
                Err(why) => return error.set(Some(why)),
            };
            let Some(seed) = parse_number(&s.get()) else {
                return error.set(Some("Seed: a whole number".into()));
            };
            error.set(None);
            cb.emit((count as usize, seed));
        })
    };
    let blocks: Vec<String> = m
        .handles()
        .iter()
        .filter(|(_, h)| !h.freed)
        .map(|(n, h)| format!("{n} = {:#x}", h.pfn))
        .collect();
    let fork_name = next_task_name(m);
    let idle_cpu = m
        .cpus()
        .iter()
        .position(|c| c.current.is_none())
        .unwrap_or(0);

    html! {
        <div id="kmap-ops" class="ops">
            <form class="op-group" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <fieldset>
                    <legend>{ "kmap and kunmap" }</legend>
                    <div class="op-fields">
                        <div class="control">
                            <label for="km-task">{ "On behalf of" }</label>
                            <select id="km-task" ref={task_ref} disabled={m.tasks().is_empty()}>
                                { for m.tasks().iter().map(|t| {
                                    let run = matches!(t.state, TaskState::Running { .. });
                                    let state = match &t.state {
                                        TaskState::Running { cpu } => format!("on CPU {cpu}"),
                                        TaskState::Runnable => "not running".into(),
                                        TaskState::Sleeping { queue } => format!("asleep on {queue}"),
                                    };
                                    html! {
                                        <option value={t.name.clone()} selected={running.first() == Some(&t.name.as_str()) && run}>
                                            { format!("{} ({state})", t.name) }
                                        </option>
                                    }
                                }) }
                            </select>
                        </div>
                        <div class="control">
                            <label for="km-page">{ "Page" }</label>
                            <input type="text" id="km-page" class="addr-box" value={page_box.get()}
                                   oninput={page_box.oninput()} autocomplete="off" spellcheck="false"
                                   aria-describedby="km-page-hint" />
                        </div>
                        <div class="control">
                            <label for="km-count">{ "How many" }</label>
                            <input type="text" id="km-count" inputmode="numeric" value={count_box.get()}
                                   oninput={count_box.oninput()} autocomplete="off" aria-describedby="km-page-hint" />
                        </div>
                    </div>
                    <p class="hint" id="km-page-hint">
                        { format!("A frame number (high memory starts at {first_high:#x}) or the name of a block{}. \
                                   With several, the frames that follow it, one operation each.",
                                  if blocks.is_empty() { String::new() } else { format!(": {}", blocks.join(", ")) }) }
                    </p>
                    <div class="button-row">
                        if m.tasks().is_empty() {
                            <button type="button" class="button primary" id="km-fork" onclick={on_fork}>
                                { format!("fork task {fork_name} on CPU {idle_cpu}") }
                            </button>
                        }
                        <button type="submit" class="button primary" id="km-kmap" onclick={on_kmap}>{ "kmap" }</button>
                        <button type="button" class="button" id="km-kunmap" onclick={on_kunmap}>{ "kunmap" }</button>
                        if profile.pkmap.kmap_nonblock {
                            <button type="button" class="button" id="km-nonblock" onclick={on_nonblock}
                                    title="kmap() that returns 0 instead of sleeping">{ "kmap_nonblock" }</button>
                        }
                        <button type="button" class="button" id="km-flush-unused" onclick={on_flush}
                                disabled={!profile.pkmap.flush_unused_event}
                                title={if profile.pkmap.flush_unused_event {
                                    "Clear every slot at count 1, and flush, without moving last_pkmap_nr"
                                } else {
                                    "kmap_flush_unused() came with 2.6.24"
                                }}>{ "kmap_flush_unused" }</button>
                    </div>
                </fieldset>
            </form>
            <fieldset class="op-group">
                <legend>{ "Random operations" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="km-random-count">{ "How many" }</label>
                        <input type="text" id="km-random-count" inputmode="numeric" value={random_box.get()}
                               oninput={random_box.oninput()} autocomplete="off" />
                    </div>
                    <div class="control">
                        <label for="km-random-seed">{ "Seed" }</label>
                        <input type="text" id="km-random-seed" inputmode="numeric" value={seed_box.get()}
                               oninput={seed_box.oninput()} autocomplete="off" />
                    </div>
                </div>
                <p class="hint" id="km-random-hint">
                    { match &random_ok {
                        Ok(()) => "kmap, kunmap, reads and switches chosen from the seed: the same seed on the same \
                                   machine gives the same operations, and each goes into the history.".to_string(),
                        Err(why) => format!("Not on this machine: {why}."),
                    } }
                </p>
                <div class="button-row">
                    <button type="button" class="button" id="km-random" onclick={on_random}
                            disabled={random_ok.is_err()} aria-describedby="km-random-hint">{ "Run" }</button>
                </div>
            </fieldset>
            <p id="km-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn batches_cover_consecutive_frames_and_keep_names_alone() {
        assert_eq!(
            pages((PageRef::Name("buf".into()), 0x50000), 1),
            vec![PageRef::Name("buf".into())]
        );
        assert_eq!(
            pages((PageRef::Name("buf".into()), 0x50000), 3),
            vec![
                PageRef::Pfn(0x50000),
                PageRef::Pfn(0x50001),
                PageRef::Pfn(0x50002)
            ]
        );
        assert_eq!(parse_count("511", "n"), Ok(511));
        assert!(parse_count("0", "n").is_err());
        assert!(parse_count("5000", "n").unwrap_err().contains("4096"));
    }
}
