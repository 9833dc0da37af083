//! The temporary-map operations: `kmap_atomic()`/`kunmap_atomic()` (with a `km_type` in
//! 2.4.22 – 2.6.32), 6.1's `kmap_local_page()`/`kunmap_local()`, entering and leaving
//! interrupt contexts, switching tasks, and `set_fixmap()`/`clear_fixmap()`.

use super::ops_panel::{next_task_name, op_click, parse_frame, select_value, Draft};
use super::Shared;
use highmem_engine::machine::{Machine, Op, PageRef, Prot, Who};
use highmem_engine::sched::TaskState;
use yew::prelude::*;

/// Props of [`AtomicPanel`].
#[derive(Properties, PartialEq)]
pub struct AtomicPanelProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// Run an op.
    pub on_op: Callback<Op>,
}

/// A caller as the "who" select writes it: `task:A` or `cpu:0`.
pub fn parse_who(v: &str) -> Result<Who, String> {
    if let Some(t) = v.strip_prefix("task:") {
        return Ok(Who::Task(t.to_string()));
    }
    v.strip_prefix("cpu:")
        .and_then(|c| c.parse().ok())
        .map(Who::Cpu)
        .ok_or_else(|| "choose who calls".to_string())
}

/// The panel.
#[component]
pub fn AtomicPanel(props: &AtomicPanelProps) -> Html {
    let m: &Machine = &props.machine;
    let who_ref = use_node_ref();
    let type_ref = use_node_ref();
    let cpu_ref = use_node_ref();
    let switch_ref = use_node_ref();
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
    let has_kmap = m
        .layout()
        .fixmap
        .entries
        .iter()
        .any(|e| e.name == "KMAP_BEGIN");
    let fix_default = if has_kmap {
        "FIX_KMAP_BEGIN+0".to_string()
    } else {
        m.layout()
            .fixmap
            .entries
            .first()
            .map(|e| format!("FIX_{}", e.name))
            .unwrap_or_default()
    };
    let fix_box = Draft(use_state(move || fix_default));
    let fix_pfn_box = Draft(use_state(move || format!("{first_high:#x}")));
    let profile = m.profile();
    let typed = profile.atomic.local.is_none();
    let types = profile.atomic.types;

    let act = |make: Box<dyn Fn() -> Result<Op, String>>| op_click(&props.on_op, &error, make);
    let who = {
        let r = who_ref.clone();
        move || parse_who(&select_value(&r))
    };
    let km_type = {
        let r = type_ref.clone();
        move || typed.then(|| select_value(&r)).filter(|t| !t.is_empty())
    };
    let page = {
        let (b, machine) = (page_box.clone(), props.machine.clone());
        move || -> Result<PageRef, String> {
            let t = b.get().trim().to_string();
            let pfn = parse_frame(&machine, &t)?;
            Ok(if machine.handles().contains_key(&t) {
                PageRef::Name(t)
            } else {
                PageRef::Pfn(pfn)
            })
        }
    };
    let cpu = {
        let r = cpu_ref.clone();
        move || select_value(&r).parse::<usize>().unwrap_or(0)
    };
    let on_map = {
        let (who, km_type, page) = (who.clone(), km_type.clone(), page.clone());
        act(Box::new(move || {
            Ok(Op::KmapAtomic {
                who: who()?,
                page: page()?,
                km_type: km_type(),
            })
        }))
    };
    let on_unmap = {
        let (who, km_type, page) = (who.clone(), km_type.clone(), page.clone());
        act(Box::new(move || {
            Ok(Op::KunmapAtomic {
                who: who()?,
                km_type: km_type(),
                vaddr: None,
                page: Some(page()?),
            })
        }))
    };
    let on_local = {
        let (who, page) = (who.clone(), page.clone());
        act(Box::new(move || {
            Ok(Op::KmapLocal {
                who: who()?,
                page: page()?,
            })
        }))
    };
    let on_unlocal = {
        let (who, page) = (who.clone(), page.clone());
        act(Box::new(move || {
            Ok(Op::KunmapLocal {
                who: who()?,
                vaddr: None,
                page: Some(page()?),
            })
        }))
    };
    let ctx = |f: fn(usize) -> Op| {
        let cpu = cpu.clone();
        act(Box::new(move || Ok(f(cpu()))))
    };
    let on_irq_enter = ctx(|cpu| Op::IrqEnter { cpu });
    let on_irq_exit = ctx(|cpu| Op::IrqExit { cpu });
    let on_soft_enter = ctx(|cpu| Op::SoftirqEnter { cpu });
    let on_soft_exit = ctx(|cpu| Op::SoftirqExit { cpu });
    let on_fork = {
        let (cpu, name) = (cpu.clone(), next_task_name(m));
        act(Box::new(move || {
            Ok(Op::Task {
                name: name.clone(),
                cpu: cpu(),
                kthread: false,
            })
        }))
    };
    let on_switch = {
        let (cpu, s) = (cpu.clone(), switch_ref.clone());
        act(Box::new(move || {
            let task = select_value(&s);
            if task.is_empty() {
                return Err("fork a task first".into());
            }
            Ok(Op::Switch { cpu: cpu(), task })
        }))
    };
    let fix_idx = {
        let b = fix_box.clone();
        move || {
            let t = b.get().trim().to_string();
            if t.is_empty() {
                Err("type a fixmap index: FIX_NAME, FIX_NAME+n or a number".to_string())
            } else {
                Ok(t)
            }
        }
    };
    let on_set_fixmap = {
        let (cpu, idx, p, machine) = (
            cpu.clone(),
            fix_idx.clone(),
            fix_pfn_box.clone(),
            props.machine.clone(),
        );
        act(Box::new(move || {
            Ok(Op::SetFixmap {
                cpu: cpu(),
                idx: idx()?,
                pfn: parse_frame(&machine, &p.get())?,
                prot: Prot::Kernel,
            })
        }))
    };
    let on_clear_fixmap = {
        let (cpu, idx) = (cpu.clone(), fix_idx.clone());
        act(Box::new(move || {
            Ok(Op::ClearFixmap {
                cpu: cpu(),
                idx: idx()?,
            })
        }))
    };
    let first_running = m
        .tasks()
        .iter()
        .find(|t| matches!(t.state, TaskState::Running { .. }))
        .map(|t| t.name.clone());
    let blocks: Vec<String> = m
        .handles()
        .iter()
        .filter(|(_, h)| !h.freed)
        .map(|(n, h)| format!("{n} = {:#x}", h.pfn))
        .collect();

    html! {
        <div id="atomic-ops" class="ops">
            <form class="op-group" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <fieldset>
                    <legend>{ if typed { "kmap_atomic and kunmap_atomic" } else { "kmap_atomic and kmap_local_page" } }</legend>
                    <div class="op-fields">
                        <div class="control">
                            <label for="at-who">{ "Called by" }</label>
                            <select id="at-who" ref={who_ref}>
                                { for m.tasks().iter().filter(|t| matches!(t.state, TaskState::Running { .. })).map(|t| html! {
                                    <option value={format!("task:{}", t.name)} selected={first_running.as_deref() == Some(t.name.as_str())}>
                                        { format!("task {}", t.name) }
                                    </option>
                                }) }
                                { for m.cpus().iter().map(|c| html! {
                                    <option value={format!("cpu:{}", c.id)} selected={first_running.is_none() && c.id == 0}>
                                        { format!("CPU {}, in {} context", c.id, c.context_name()) }
                                    </option>
                                }) }
                            </select>
                        </div>
                        <div class="control">
                            <label for="at-page">{ "Page" }</label>
                            <input type="text" id="at-page" class="addr-box" value={page_box.get()}
                                   oninput={page_box.oninput()} autocomplete="off" spellcheck="false"
                                   aria-describedby="at-page-hint" />
                        </div>
                        if typed {
                            <div class="control">
                                <label for="at-type">{ "Type" }</label>
                                <select id="at-type" ref={type_ref}>
                                    { for types.iter().map(|t| html! {
                                        <option value={*t} selected={*t == "KM_USER0"}>{ *t }</option>
                                    }) }
                                </select>
                            </div>
                        }
                    </div>
                    <p class="hint" id="at-page-hint">
                        { format!("A frame number (high memory starts at {first_high:#x}) or the name of a block{}.",
                                  if blocks.is_empty() { String::new() } else { format!(": {}", blocks.join(", ")) }) }
                        { if typed { "" } else { " 6.1's kmap_atomic() takes no type: it pushes onto the caller's stack, like kmap_local_page()." } }
                    </p>
                    <div class="button-row">
                        <button type="submit" class="button primary" id="at-kmap-atomic" onclick={on_map}>{ "kmap_atomic" }</button>
                        <button type="button" class="button" id="at-kunmap-atomic" onclick={on_unmap}>{ "kunmap_atomic" }</button>
                        if !typed {
                            <button type="button" class="button" id="at-kmap-local" onclick={on_local}>{ "kmap_local_page" }</button>
                            <button type="button" class="button" id="at-kunmap-local" onclick={on_unlocal}>{ "kunmap_local" }</button>
                        }
                    </div>
                </fieldset>
            </form>
            <fieldset class="op-group">
                <legend>{ "Contexts and tasks" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="at-cpu">{ "CPU" }</label>
                        <select id="at-cpu" ref={cpu_ref}>
                            { for m.cpus().iter().map(|c| html! {
                                <option value={c.id.to_string()} selected={c.id == 0}>{ format!("CPU {}", c.id) }</option>
                            }) }
                        </select>
                    </div>
                    <div class="control">
                        <label for="at-switch-task">{ "Switch to" }</label>
                        <select id="at-switch-task" ref={switch_ref} disabled={m.tasks().is_empty()}>
                            { for m.tasks().iter().enumerate().map(|(i, t)| html! {
                                <option value={t.name.clone()} selected={i == 0}>{ t.name.clone() }</option>
                            }) }
                        </select>
                    </div>
                </div>
                <div class="button-row">
                    <button type="button" class="button" id="at-irq-enter" onclick={on_irq_enter}>{ "irq_enter" }</button>
                    <button type="button" class="button" id="at-irq-exit" onclick={on_irq_exit}>{ "irq_exit" }</button>
                    <button type="button" class="button" id="at-softirq-enter" onclick={on_soft_enter}>{ "softirq_enter" }</button>
                    <button type="button" class="button" id="at-softirq-exit" onclick={on_soft_exit}>{ "softirq_exit" }</button>
                    <button type="button" class="button" id="at-switch" onclick={on_switch}
                            disabled={m.tasks().is_empty()}>{ "switch" }</button>
                    <button type="button" class="button" id="at-fork" onclick={on_fork}>
                        { format!("fork {}", next_task_name(m)) }
                    </button>
                </div>
            </fieldset>
            <fieldset class="op-group">
                <legend>{ "Fixmap entries" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="at-fix-idx">{ "Index" }</label>
                        <input type="text" id="at-fix-idx" value={fix_box.get()} oninput={fix_box.oninput()}
                               autocomplete="off" spellcheck="false" aria-describedby="at-fix-hint" />
                    </div>
                    <div class="control">
                        <label for="at-fix-pfn">{ "Frame" }</label>
                        <input type="text" id="at-fix-pfn" class="addr-box" value={fix_pfn_box.get()}
                               oninput={fix_pfn_box.oninput()} autocomplete="off" spellcheck="false" />
                    </div>
                </div>
                <p class="hint" id="at-fix-hint">
                    { "A name of enum fixed_addresses (FIX_APIC_BASE), a name plus an offset inside a range \
                       (FIX_KMAP_BEGIN+3), or a number. set_fixmap flushes the page on the CPU above only." }
                </p>
                <div class="button-row">
                    <button type="button" class="button" id="at-set-fixmap" onclick={on_set_fixmap}>{ "set_fixmap" }</button>
                    <button type="button" class="button" id="at-clear-fixmap" onclick={on_clear_fixmap}>{ "clear_fixmap" }</button>
                </div>
            </fieldset>
            <p id="at-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn callers_parse() {
        assert_eq!(parse_who("task:A"), Ok(Who::Task("A".into())));
        assert_eq!(parse_who("cpu:1"), Ok(Who::Cpu(1)));
        assert!(parse_who("").is_err());
        assert!(parse_who("cpu:x").is_err());
    }
}
