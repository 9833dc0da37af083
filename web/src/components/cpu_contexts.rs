//! What each CPU is running, layer by layer: the task (or the idle task), then any softirq
//! and hard interrupt stacked on top, with the preempt count the era keeps for them. In 6.1
//! also each task's `kmap_ctrl`: the stack of local maps it holds, what it has disabled, and
//! whether it is switched out with its PTEs saved.

use super::Shared;
use crate::format::{hex, hex32};
use highmem_engine::highmem::atomic::KmapCtrl;
use highmem_engine::machine::Machine;
use highmem_engine::sched::{Context, TaskState};
use yew::prelude::*;

/// Props of [`CpuContexts`].
#[derive(Properties, PartialEq)]
pub struct CpuContextsProps {
    /// The machine.
    pub machine: Shared<Machine>,
}

fn state_words(s: &TaskState) -> String {
    match s {
        TaskState::Running { cpu } => format!("running on CPU {cpu}"),
        TaskState::Runnable => "switched out (runnable)".into(),
        TaskState::Sleeping { queue } => format!("asleep on {queue}"),
    }
}

/// A `kmap_ctrl` as a table of its stack, top first.
fn ctrl_table(owner: &str, c: &KmapCtrl, saved: bool) -> Html {
    let held: Vec<_> = c.held().collect();
    html! {
        <div class="kmap-ctrl" data-owner={owner.to_string()} data-idx={c.idx.to_string()}
             data-saved={saved.then_some("true")}>
            <p class="kmap-ctrl-head">
                <strong>{ format!("{owner}.kmap_ctrl") }</strong>
                { format!(" · idx {} · migration_disabled {} · pagefault_disabled {}",
                    c.idx, c.migration_disabled, c.pagefault_disabled) }
                if let Some(cpu) = c.pinned {
                    { format!(" · pinned to CPU {cpu}") }
                }
                if saved {
                    <span class="note-badge">{ "switched out: its PTEs are saved here" }</span>
                }
            </p>
            if held.is_empty() {
                <p class="muted">{ "No local maps held." }</p>
            } else {
                <div class="table-wrap" tabindex="0" role="region" aria-label={format!("{owner}'s kmap_ctrl stack")}>
                    <table class="ctrl-table">
                        <thead>
                            <tr>
                                <th scope="col">{ "stack slot" }</th>
                                <th scope="col">{ "frame" }</th>
                                <th scope="col">{ "by" }</th>
                                <th scope="col">{ "saved pteval" }</th>
                            </tr>
                        </thead>
                        <tbody>
                            { for held.iter().rev().enumerate().map(|(k, (i, e))| html! {
                                <tr data-stack-slot={i.to_string()} data-pfn={hex(e.pfn)}>
                                    <td class="num">
                                        { i }
                                        if k == 0 { <span class="note-badge">{ "top" }</span> }
                                    </td>
                                    <td><code>{ hex(e.pfn) }</code></td>
                                    <td>{ format!("{} in {}", e.via, e.context) }</td>
                                    <td><code>{ format!("{:#x}", e.pteval) }</code></td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            }
            if !c.given.is_empty() {
                <p class="kmap-given">
                    { "Addresses it was given and has not given back: " }
                    { c.given.iter().map(|(pfn, v)| format!("{} for frame {}", hex32(u64::from(*v)), hex(*pfn))).collect::<Vec<_>>().join(", ") }
                </p>
            }
        </div>
    }
}

/// The view.
#[component]
pub fn CpuContexts(props: &CpuContextsProps) -> Html {
    let m: &Machine = &props.machine;
    let local = m.profile().atomic.local.is_some();
    let counted = m.profile().messages.preempt.is_some();
    html! {
        <div id="contexts" class="contexts">
            { for m.cpus().iter().map(|c| {
                let task = c
                    .current
                    .map(|i| m.tasks()[i].name.clone())
                    .unwrap_or_else(|| format!("swapper/{} (idle)", c.id));
                let count = m.preempt_count(c);
                html! {
                    <section class="cpu-context" data-cpu={c.id.to_string()} data-context={c.context_name()}
                             data-preempt={format!("{count:#x}")} aria-labelledby={format!("ctx-cpu-{}", c.id)}>
                        <h3 class="sub-title" id={format!("ctx-cpu-{}", c.id)}>
                            { format!("CPU {}", c.id) }
                            <span class="tlb-cpu-state">
                                { if counted {
                                    format!("preempt_count {count:#010x}{}", if c.in_atomic() { ": atomic" } else { "" })
                                } else {
                                    "2.4 keeps no preempt count".to_string()
                                } }
                            </span>
                        </h3>
                        <ol class="ctx-stack" aria-label={format!("CPU {}'s contexts, innermost last", c.id)}>
                            <li class={classes!("ctx", "ctx-process", c.contexts.is_empty().then_some("ctx-top"))}>
                                <span class="ctx-kind">{ "process" }</span>{ format!(" {task}") }
                                if c.preempt_disabled > 0 {
                                    <span class="note-badge">{ format!("preemption disabled ×{}", c.preempt_disabled) }</span>
                                }
                            </li>
                            { for c.contexts.iter().enumerate().map(|(i, ctx)| {
                                let top = i + 1 == c.contexts.len();
                                let (cls, word) = match ctx {
                                    Context::Softirq => ("ctx-softirq", "softirq"),
                                    Context::Hardirq => ("ctx-hardirq", "hardirq"),
                                };
                                html! {
                                    <li class={classes!("ctx", cls, top.then_some("ctx-top"))}>
                                        <span class="ctx-kind">{ word }</span>
                                        { if top { " ← running now" } else { "" } }
                                    </li>
                                }
                            }) }
                        </ol>
                        if local && c.idle_kmap.idx > 0 {
                            { ctrl_table(&format!("swapper/{}", c.id), &c.idle_kmap, false) }
                        }
                    </section>
                }
            }) }
            if local {
                <section class="ctrl-tasks" aria-labelledby="ctrl-title">
                    <h3 class="sub-title" id="ctrl-title">{ "Tasks' kmap_ctrl stacks" }</h3>
                    if m.tasks().is_empty() {
                        <p class="muted">{ "No tasks yet." }</p>
                    }
                    { for m.tasks().iter().map(|t| html! {
                        <div class="ctrl-task" data-task={t.name.clone()}>
                            <p class="ctrl-task-head"><strong>{ t.name.clone() }</strong>{ format!(" (pid {}), {}", t.pid, state_words(&t.state)) }</p>
                            { ctrl_table(&t.name, &t.kmap_ctrl,
                                !matches!(t.state, TaskState::Running { .. }) && t.kmap_ctrl.idx > 0) }
                        </div>
                    }) }
                </section>
            }
        </div>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, Op};
    use highmem_engine::profile::ProfileId;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    async fn show(l: &Lab) -> web_sys::Element {
        render::<CpuContexts>(CpuContextsProps {
            machine: l.machine.clone().unwrap(),
        })
        .await
    }

    #[test]
    async fn stacks_and_counts_follow_the_machine() {
        for profile in [ProfileId::V2_6_24, ProfileId::V6_1] {
            let mut l = Lab::boot(MachineConfig {
                cpus: 2,
                ..MachineConfig::new(profile, E820Map::qemu_pc(2 << 30).unwrap())
            });
            for op in [Op::SoftirqEnter { cpu: 1 }, Op::IrqEnter { cpu: 1 }] {
                l = l.apply(op);
            }
            let root = show(&l).await;
            let m = l.machine().unwrap();
            for c in m.cpus() {
                let sec = all(&root, &format!(".cpu-context[data-cpu=\"{}\"]", c.id))
                    .pop()
                    .unwrap();
                assert_eq!(attr(&sec, "data-context"), c.context_name());
                assert_eq!(
                    attr(&sec, "data-preempt"),
                    format!("{:#x}", m.preempt_count(c))
                );
                assert_eq!(all(&sec, ".ctx").len(), 1 + c.contexts.len());
            }
            let top = all(&root, ".cpu-context[data-cpu=\"1\"] .ctx-top")
                .pop()
                .unwrap();
            assert!(attr(&top, "class").contains("ctx-hardirq"));
        }
    }

    #[test]
    async fn kmap_ctrl_stacks_are_the_tasks() {
        let s = crate::scenarios::find("local-context-switch").unwrap();
        let mut l = Lab::boot(MachineConfig::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .start_scenario(s, true);
        let mut saved_seen = false;
        while l.stepping.is_some() {
            l = l.next_step();
            let root = show(&l).await;
            let m = l.machine().unwrap();
            for t in m.tasks() {
                let div = all(&root, &format!(".kmap-ctrl[data-owner=\"{}\"]", t.name))
                    .pop()
                    .unwrap();
                assert_eq!(attr(&div, "data-idx"), t.kmap_ctrl.idx.to_string());
                let rows: Vec<String> = all(&div, "tr[data-pfn]")
                    .iter()
                    .map(|r| attr(r, "data-pfn"))
                    .collect();
                let mut want: Vec<String> = t.kmap_ctrl.held().map(|(_, e)| hex(e.pfn)).collect();
                want.reverse();
                assert_eq!(rows, want, "{}", t.name);
                saved_seen |= div.get_attribute("data-saved").is_some();
            }
        }
        assert!(saved_seen, "a switched-out task with saved PTEs");
    }
}
