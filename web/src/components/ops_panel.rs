//! The operations a reader can run on the machine, grouped as the chapter discusses them:
//! memory accesses, TLB flushes, the page allocator, the kernel's page tables, and tasks and
//! interrupts. Every button makes one [`Op`]; the reducer runs it.

use super::Shared;
use crate::format::{parse_number, parse_vaddr};
use highmem_engine::machine::{Gfp, Machine, Op, PageRef, Prot};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`OpsPanel`].
#[derive(Properties, PartialEq)]
pub struct OpsPanelProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// An address to start the address boxes with (the explorer's).
    pub suggested: u32,
    /// Run this op.
    pub on_op: Callback<Op>,
}

/// The allocation flags offered, with what each asks for.
pub const GFP_CHOICES: [(&str, &str); 4] = [
    ("GFP_KERNEL", "may sleep; ZONE_NORMAL, then DMA"),
    ("GFP_HIGHUSER", "may sleep; ZONE_HIGHMEM first"),
    ("GFP_DMA", "ZONE_DMA only"),
    ("GFP_ATOMIC", "never sleeps; ZONE_NORMAL, then DMA"),
];

const PROTS: [(&str, Prot); 4] = [
    ("PAGE_KERNEL", Prot::Kernel),
    ("PAGE_KERNEL_RO", Prot::KernelRo),
    ("PAGE_KERNEL_EXEC", Prot::KernelExec),
    ("PAGE_KERNEL_NOCACHE", Prot::KernelNocache),
];

/// A text box's content, kept in the component so that re-rendering never resets it.
#[derive(Clone)]
pub(crate) struct Draft(pub(crate) UseStateHandle<String>);

impl Draft {
    pub(crate) fn get(&self) -> String {
        (*self.0).clone()
    }

    pub(crate) fn oninput(&self) -> Callback<InputEvent> {
        let h = self.0.clone();
        Callback::from(move |e: InputEvent| {
            let i: HtmlInputElement = e.target_unchecked_into();
            h.set(i.value());
        })
    }
}

/// A button's click: makes its op (or ops) from the form's boxes and sends it, or shows what
/// is wrong in the panel's error line. Every operation panel's buttons are made by this.
pub(crate) fn op_click<T: 'static>(
    send: &Callback<T>,
    error: &UseStateHandle<Option<String>>,
    make: Box<dyn Fn() -> Result<T, String>>,
) -> Callback<MouseEvent> {
    let send = send.clone();
    let error = error.clone();
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        match make() {
            Ok(op) => {
                error.set(None);
                send.emit(op);
            }
            Err(why) => error.set(Some(why)),
        }
    })
}

pub(crate) fn select_value(r: &NodeRef) -> String {
    r.cast::<HtmlSelectElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

pub(crate) fn checked(r: &NodeRef) -> bool {
    r.cast::<HtmlInputElement>().is_some_and(|i| i.checked())
}

/// The first of A, B, … that names no task yet.
pub(crate) fn next_task_name(m: &Machine) -> String {
    ('A'..='Z')
        .map(String::from)
        .find(|n| m.task_index(n).is_none())
        .unwrap_or_else(|| format!("T{}", m.tasks().len()))
}

/// A frame typed as a number or as the name of an allocated block.
pub(crate) fn parse_frame(m: &Machine, text: &str) -> Result<u64, String> {
    let t = text.trim();
    if let Some(h) = m.handles().get(t) {
        return Ok(h.pfn);
    }
    parse_number(t).ok_or_else(|| {
        if t.is_empty() {
            "type a frame number (0x12345) or the name of an allocated block".into()
        } else {
            format!("“{t}” is neither a frame number nor the name of an allocated block")
        }
    })
}

/// The panel.
#[component]
pub fn OpsPanel(props: &OpsPanelProps) -> Html {
    let m: &Machine = &props.machine;
    let cpu_ref = use_node_ref();
    let gfp_ref = use_node_ref();
    let order_ref = use_node_ref();
    let free_ref = use_node_ref();
    let prot_ref = use_node_ref();
    let kthread_ref = use_node_ref();
    let switch_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    // The boxes start with sensible addresses and then keep what the reader types.
    let addr_box = Draft(use_state(|| format!("{:#010x}", props.suggested)));
    let value_box = Draft(use_state(|| "0x12345678".to_string()));
    let name_box = Draft(use_state(String::new));
    let pte_addr_box = Draft(use_state(|| {
        format!("{:#010x}", m.layout().vmalloc_start())
    }));
    let pte_pfn_box = Draft(use_state(String::new));
    // Empty: the next free name, shown as the placeholder.
    let task_box = Draft(use_state(String::new));

    let cpu = {
        let r = cpu_ref.clone();
        move || select_value(&r).parse::<usize>().unwrap_or(0)
    };
    // Each button reads the boxes it needs, makes its op, or says what is wrong.
    let act = |make: Box<dyn Fn() -> Result<Op, String>>| op_click(&props.on_op, &error, make);
    let addr = {
        let b = addr_box.clone();
        move || parse_vaddr(&b.get())
    };
    let on_read = {
        let (cpu, addr) = (cpu.clone(), addr.clone());
        act(Box::new(move || {
            Ok(Op::Read {
                cpu: cpu(),
                vaddr: addr()?,
            })
        }))
    };
    let on_write = {
        let (cpu, addr, v) = (cpu.clone(), addr.clone(), value_box.clone());
        act(Box::new(move || {
            let text = v.get();
            let value = parse_number(&text)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("“{}” is not a 32-bit value", text.trim()))?;
            Ok(Op::Write {
                cpu: cpu(),
                vaddr: addr()?,
                value,
            })
        }))
    };
    let on_invlpg = {
        let (cpu, addr) = (cpu.clone(), addr.clone());
        act(Box::new(move || {
            Ok(Op::Invlpg {
                cpu: cpu(),
                vaddr: addr()?,
            })
        }))
    };
    let on_reload = {
        let cpu = cpu.clone();
        act(Box::new(move || Ok(Op::ReloadCr3 { cpu: cpu() })))
    };
    let on_pge = {
        let cpu = cpu.clone();
        act(Box::new(move || Ok(Op::TogglePge { cpu: cpu() })))
    };
    let on_flush_all = act(Box::new(|| Ok(Op::FlushTlbAll)));
    let on_irq_enter = {
        let cpu = cpu.clone();
        act(Box::new(move || Ok(Op::IrqEnter { cpu: cpu() })))
    };
    let on_irq_exit = {
        let cpu = cpu.clone();
        act(Box::new(move || Ok(Op::IrqExit { cpu: cpu() })))
    };
    let on_alloc = {
        let (g, o, n) = (gfp_ref.clone(), order_ref.clone(), name_box.clone());
        act(Box::new(move || {
            let gfp = Gfp::parse(&select_value(&g)).map_err(|e| e.to_string())?;
            let order = select_value(&o).parse().unwrap_or(0);
            let name = n.get().trim().to_string();
            if !name.is_empty() && !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("“{name}”: a name is letters, digits and _"));
            }
            Ok(Op::AllocPages {
                gfp,
                order,
                name: (!name.is_empty()).then_some(name),
            })
        }))
    };
    let on_free = {
        let f = free_ref.clone();
        act(Box::new(move || {
            let name = select_value(&f);
            if name.is_empty() {
                return Err("allocate a block with a name first".into());
            }
            Ok(Op::FreePages {
                page: PageRef::Name(name),
                order: None,
            })
        }))
    };
    let pte_addr = {
        let b = pte_addr_box.clone();
        move || parse_vaddr(&b.get())
    };
    let on_set_pte = {
        let (a, p, pr) = (pte_addr.clone(), pte_pfn_box.clone(), prot_ref.clone());
        let machine = props.machine.clone();
        act(Box::new(move || {
            let pfn = parse_frame(&machine, &p.get())?;
            let prot = PROTS
                .iter()
                .find(|(n, _)| *n == select_value(&pr))
                .map(|(_, p)| *p)
                .unwrap_or(Prot::Kernel);
            Ok(Op::SetPte {
                vaddr: a()?,
                pfn,
                prot,
            })
        }))
    };
    let on_pte_clear = {
        let a = pte_addr.clone();
        act(Box::new(move || Ok(Op::PteClear { vaddr: a()? })))
    };
    let on_task = {
        let (cpu, t, k) = (cpu.clone(), task_box.clone(), kthread_ref.clone());
        let next = next_task_name(m);
        act(Box::new(move || {
            let typed = t.get().trim().to_string();
            let name = if typed.is_empty() {
                next.clone()
            } else {
                typed
            };
            t.0.set(String::new());
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err("a task name is letters, digits and _".into());
            }
            Ok(Op::Task {
                name,
                cpu: cpu(),
                kthread: checked(&k),
            })
        }))
    };
    let on_switch = {
        let (cpu, s) = (cpu.clone(), switch_ref.clone());
        act(Box::new(move || {
            let task = select_value(&s);
            if task.is_empty() {
                return Err("create a task first".into());
            }
            Ok(Op::Switch { cpu: cpu(), task })
        }))
    };

    let live_blocks: Vec<(&String, u64)> = m
        .handles()
        .iter()
        .filter(|(_, h)| !h.freed)
        .map(|(n, h)| (n, h.pfn))
        .collect();
    let max_order = m.mem().rules().max_order;
    let task_name = next_task_name(m);
    let block_hint = if live_blocks.is_empty() {
        "a frame number, or the name of a block you allocated".to_string()
    } else {
        format!(
            "a frame number, or a block: {}",
            live_blocks
                .iter()
                .map(|(n, p)| format!("{n} = {p:#x}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };

    html! {
        <div id="ops" class="ops">
            <div class="control op-cpu">
                <label for="op-cpu">{ "On CPU" }</label>
                <select id="op-cpu" ref={cpu_ref}>
                    { for m.cpus().iter().map(|c| html! {
                        <option value={c.id.to_string()} selected={c.id == 0}>{ format!("CPU {}", c.id) }</option>
                    }) }
                </select>
                <p class="hint">{ "for the accesses, flushes, tasks and interrupts below" }</p>
            </div>

            // Enter in a box clicks the submit button, "read".
            <form class="op-group" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <fieldset>
                    <legend>{ "Access memory" }</legend>
                    <div class="op-fields">
                        <div class="control">
                            <label for="op-addr">{ "Address" }</label>
                            <input type="text" id="op-addr" class="addr-box" value={addr_box.get()}
                                   oninput={addr_box.oninput()} autocomplete="off" spellcheck="false" />
                        </div>
                        <div class="control">
                            <label for="op-value">{ "Value to write" }</label>
                            <input type="text" id="op-value" class="addr-box" value={value_box.get()}
                                   oninput={value_box.oninput()} autocomplete="off" spellcheck="false" />
                        </div>
                    </div>
                    <div class="button-row">
                        <button type="submit" class="button primary" id="op-read" onclick={on_read}>{ "read" }</button>
                        <button type="button" class="button" id="op-write" onclick={on_write}>{ "write" }</button>
                        <button type="button" class="button" id="op-invlpg" onclick={on_invlpg}
                                title="Drops this CPU's TLB entry for the page">{ "invlpg" }</button>
                    </div>
                </fieldset>
            </form>

            <fieldset class="op-group">
                <legend>{ "Flush TLBs" }</legend>
                <div class="button-row">
                    <button type="button" class="button" id="op-reload-cr3" onclick={on_reload}
                            title="Write CR3 with its own value: non-global entries go">{ "reload CR3" }</button>
                    <button type="button" class="button" id="op-toggle-pge" onclick={on_pge}
                            title="Clear and set CR4.PGE: every entry goes">{ "toggle PGE" }</button>
                    <button type="button" class="button" id="op-flush-all" onclick={on_flush_all}
                            title="An interrupt to every CPU; each flushes everything">{ "flush_tlb_all" }</button>
                </div>
            </fieldset>

            <fieldset class="op-group">
                <legend>{ "Page allocator" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="op-gfp">{ "Flags" }</label>
                        <select id="op-gfp" ref={gfp_ref} aria-describedby="op-gfp-hint">
                            { for GFP_CHOICES.iter().enumerate().map(|(i, (g, w))| html! {
                                <option value={*g} title={*w} selected={i == 0}>{ *g }</option>
                            }) }
                        </select>
                    </div>
                    <div class="control">
                        <label for="op-order">{ "Order" }</label>
                        <select id="op-order" ref={order_ref}>
                            { for (0..max_order).map(|o| html! {
                                <option value={o.to_string()} selected={o == 0}>{ format!("{o} ({} page{})", 1u64 << o, if o == 0 { "" } else { "s" }) }</option>
                            }) }
                        </select>
                    </div>
                    <div class="control">
                        <label for="op-name">{ "Name (optional)" }</label>
                        <input type="text" id="op-name" value={name_box.get()} oninput={name_box.oninput()}
                               autocomplete="off" spellcheck="false" placeholder="e.g. buf" />
                    </div>
                </div>
                <p class="hint" id="op-gfp-hint">
                    { "GFP_KERNEL and GFP_ATOMIC take ZONE_NORMAL, then ZONE_DMA; GFP_HIGHUSER tries \
                       ZONE_HIGHMEM first; GFP_DMA takes ZONE_DMA only. GFP_ATOMIC never sleeps." }
                </p>
                <div class="button-row">
                    <button type="button" class="button primary" id="op-alloc" onclick={on_alloc}>{ "alloc_pages" }</button>
                </div>
                <div class="op-fields">
                    <div class="control">
                        <label for="op-free-name">{ "Named block" }</label>
                        <select id="op-free-name" ref={free_ref} disabled={live_blocks.is_empty()}>
                            { for live_blocks.iter().enumerate().map(|(i, (n, p))| html! {
                                <option value={(*n).clone()} selected={i == 0}>{ format!("{n} (frame {p:#x})") }</option>
                            }) }
                        </select>
                    </div>
                </div>
                <div class="button-row">
                    <button type="button" class="button" id="op-free" onclick={on_free}
                            disabled={live_blocks.is_empty()}>{ "__free_pages" }</button>
                </div>
            </fieldset>

            <fieldset class="op-group">
                <legend>{ "Kernel page tables (no flush)" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="op-pte-addr">{ "Kernel address" }</label>
                        <input type="text" id="op-pte-addr" class="addr-box" value={pte_addr_box.get()}
                               oninput={pte_addr_box.oninput()} autocomplete="off" spellcheck="false" />
                    </div>
                    <div class="control">
                        <label for="op-pte-pfn">{ "Frame" }</label>
                        <input type="text" id="op-pte-pfn" class="addr-box" value={pte_pfn_box.get()}
                               oninput={pte_pfn_box.oninput()} autocomplete="off" spellcheck="false"
                               aria-describedby="op-pte-pfn-hint" placeholder="0x12345 or a name" />
                        <p class="hint" id="op-pte-pfn-hint">{ block_hint }</p>
                    </div>
                    <div class="control">
                        <label for="op-pte-prot">{ "Protection" }</label>
                        <select id="op-pte-prot" ref={prot_ref}>
                            { for PROTS.iter().enumerate().map(|(i, (n, _))| html! {
                                <option value={*n} selected={i == 0}>{ *n }</option>
                            }) }
                        </select>
                    </div>
                </div>
                <div class="button-row">
                    <button type="button" class="button primary" id="op-set-pte" onclick={on_set_pte}>{ "set_pte" }</button>
                    <button type="button" class="button" id="op-pte-clear" onclick={on_pte_clear}>{ "pte_clear" }</button>
                </div>
            </fieldset>

            <fieldset class="op-group">
                <legend>{ "Tasks and interrupts" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="op-task-name">{ "New task" }</label>
                        <input type="text" id="op-task-name" value={task_box.get()} placeholder={task_name}
                               oninput={task_box.oninput()} autocomplete="off" spellcheck="false" />
                        <label class="switch">
                            <input type="checkbox" id="op-kthread" ref={kthread_ref} />
                            <span class="switch-name">{ "kernel thread" }</span>
                        </label>
                    </div>
                    <div class="control">
                        <label for="op-switch-task">{ "Switch to" }</label>
                        <select id="op-switch-task" ref={switch_ref} disabled={m.tasks().is_empty()}>
                            { for m.tasks().iter().enumerate().map(|(i, t)| html! {
                                <option value={t.name.clone()} selected={i == 0}>{ format!("{} (pid {})", t.name, t.pid) }</option>
                            }) }
                        </select>
                    </div>
                </div>
                <div class="button-row">
                    <button type="button" class="button" id="op-task" onclick={on_task}>{ "fork" }</button>
                    <button type="button" class="button" id="op-switch" onclick={on_switch}
                            disabled={m.tasks().is_empty()}>{ "switch" }</button>
                    <button type="button" class="button" id="op-irq-enter" onclick={on_irq_enter}>{ "irq_enter" }</button>
                    <button type="button" class="button" id="op-irq-exit" onclick={on_irq_exit}>{ "irq_exit" }</button>
                </div>
            </fieldset>

            <p id="op-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </div>
    }
}
