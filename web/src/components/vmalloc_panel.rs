//! The vmalloc operations: `vmalloc()` and `vmalloc_32()` of a size, freeing the chosen area
//! the way its kind is freed (`vfree`, `vunmap`, `iounmap`), `vmap()` of frames, `ioremap()`
//! of a physical range, the lazy purge where the era has one, `/proc/vmallocinfo`, and a
//! read or write through a vmalloc address on a CPU (whose current task's page directory the
//! walk uses, so an older process can take a vmalloc fault).

use super::atomic_panel::parse_who;
use super::ops_panel::{next_task_name, op_click, parse_frame, select_value, Draft};
use super::vmalloc_bar::area_kind;
use super::Shared;
use crate::format::{hex32, parse_number, parse_vaddr};
use highmem_engine::machine::{AreaRef, IoCache, Machine, Op, PageRef, VmallocFlavor, Who};
use highmem_engine::sched::TaskState;
use highmem_engine::size::parse_size;
use highmem_engine::vmalloc::{Allocator, VmArea};
use yew::prelude::*;

/// Props of [`VmallocPanel`].
#[derive(Properties, PartialEq)]
pub struct VmallocPanelProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The chosen area.
    pub chosen: Option<u32>,
    /// Run an op.
    pub on_op: Callback<Op>,
}

/// The op that gives an area back, by its kind: `vfree` (vmalloc), `vunmap` (vmap),
/// `iounmap` (ioremap), at the address the caller was given.
pub fn free_op(who: Who, a: &VmArea) -> Op {
    let area = AreaRef::Addr(a.returned);
    match area_kind(a) {
        "ioremap" => Op::Iounmap { who, area },
        "vmap" => Op::Vunmap { who, area },
        _ => Op::Vfree { who, area },
    }
}

/// A size as typed (`64K`, `2M`, `4096`): at least one byte.
pub fn parse_bytes(text: &str, what: &str) -> Result<u64, String> {
    match parse_size(text.trim()) {
        Ok(0) => Err(format!("{what}: at least one byte")),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// An optional `as=` name: empty for none; otherwise letters, digits and `_`.
pub fn parse_name(text: &str) -> Result<Option<String>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.len() <= 16 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(Some(t.to_string()))
    } else {
        Err("Name: up to 16 letters, digits or _".into())
    }
}

/// The panel.
#[component]
pub fn VmallocPanel(props: &VmallocPanelProps) -> Html {
    let m: &Machine = &props.machine;
    let space = m.vmalloc_space();
    let who_ref = use_node_ref();
    let cpu_ref = use_node_ref();
    let error = use_state(|| None::<String>);
    let size_box = Draft(use_state(|| "64K".to_string()));
    let name_box = Draft(use_state(String::new));
    let vmap_box = Draft(use_state(|| "0x100".to_string()));
    let vmap_count = Draft(use_state(|| "4".to_string()));
    let io_phys = Draft(use_state(|| "0xfed00000".to_string()));
    let io_size = Draft(use_state(|| "4K".to_string()));
    let addr_box = Draft(use_state(String::new));
    let value_box = Draft(use_state(|| "0x1234".to_string()));
    let lazy_era = matches!(
        space.allocator,
        Allocator::VmapLazy | Allocator::VmapFreeTree
    );
    let chosen = props
        .chosen
        .and_then(|c| space.areas.values().enumerate().find(|(_, a)| a.addr == c))
        .map(|(i, a)| (i, a.clone()));
    let first_running = m
        .tasks()
        .iter()
        .find(|t| matches!(t.state, TaskState::Running { .. }))
        .map(|t| t.name.clone());

    let act = |make: Box<dyn Fn() -> Result<Op, String>>| op_click(&props.on_op, &error, make);
    let who = {
        let r = who_ref.clone();
        move || parse_who(&select_value(&r))
    };
    let cpu = {
        let r = cpu_ref.clone();
        move || select_value(&r).parse::<usize>().unwrap_or(0)
    };
    let alloc = |flavor: VmallocFlavor| {
        let (who, s, n) = (who.clone(), size_box.clone(), name_box.clone());
        act(Box::new(move || {
            Ok(Op::Vmalloc {
                who: who()?,
                size: parse_bytes(&s.get(), "Size")?,
                flavor,
                name: parse_name(&n.get())?,
                caller: None,
            })
        }))
    };
    let on_vmalloc = alloc(VmallocFlavor::Vmalloc);
    let on_vmalloc32 = alloc(VmallocFlavor::Vmalloc32);
    let on_free = {
        let (who, area) = (who.clone(), chosen.as_ref().map(|c| c.1.clone()));
        act(Box::new(move || {
            let a = area.clone().ok_or("choose an area first")?;
            Ok(free_op(who()?, &a))
        }))
    };
    let on_vmap = {
        let (who, p, c, n, machine) = (
            who.clone(),
            vmap_box.clone(),
            vmap_count.clone(),
            name_box.clone(),
            props.machine.clone(),
        );
        act(Box::new(move || {
            let first = parse_frame(&machine, &p.get())?;
            let count = match parse_number(&c.get()) {
                Some(n) if (1..=1024).contains(&n) => n,
                _ => return Err("How many: a whole number from 1 to 1024".into()),
            };
            Ok(Op::Vmap {
                who: who()?,
                pages: (0..count).map(|i| PageRef::Pfn(first + i)).collect(),
                name: parse_name(&n.get())?,
                caller: None,
            })
        }))
    };
    let remap = |cache: IoCache| {
        let (who, p, s, n) = (
            who.clone(),
            io_phys.clone(),
            io_size.clone(),
            name_box.clone(),
        );
        act(Box::new(move || {
            let phys =
                parse_number(&p.get()).ok_or("Physical address: a number such as 0xfed00000")?;
            Ok(Op::Ioremap {
                who: who()?,
                phys,
                size: parse_bytes(&s.get(), "Size")?,
                cache,
                name: parse_name(&n.get())?,
                caller: None,
            })
        }))
    };
    let on_ioremap = remap(IoCache::Uncached);
    let on_ioremap_cache = remap(IoCache::Cached);
    let on_purge = act(Box::new(|| Ok(Op::PurgeVmapAreaLazy)));
    let on_cat = act(Box::new(|| Ok(Op::Vmallocinfo)));
    let target = {
        let (b, area) = (addr_box.clone(), chosen.as_ref().map(|c| c.1.returned));
        move || -> Result<u32, String> {
            let t = b.get();
            if t.trim().is_empty() {
                area.ok_or_else(|| "type an address, or choose an area".to_string())
            } else {
                parse_vaddr(&t)
            }
        }
    };
    let on_read = {
        let (cpu, target) = (cpu.clone(), target.clone());
        act(Box::new(move || {
            Ok(Op::Read {
                cpu: cpu(),
                vaddr: target()?,
            })
        }))
    };
    let on_write = {
        let (cpu, target, v) = (cpu.clone(), target.clone(), value_box.clone());
        act(Box::new(move || {
            let value = parse_number(&v.get())
                .filter(|&n| n <= u64::from(u32::MAX))
                .ok_or("Value: a 32-bit number")? as u32;
            Ok(Op::Write {
                cpu: cpu(),
                vaddr: target()?,
                value,
            })
        }))
    };
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
    let free_label = match &chosen {
        Some((i, a)) => {
            let verb = match area_kind(a) {
                "ioremap" => "iounmap",
                "vmap" => "vunmap",
                _ => "vfree",
            };
            format!("{verb} area {} ({})", i + 1, hex32(u64::from(a.returned)))
        }
        None => "vfree the chosen area".into(),
    };
    let placeholder = chosen
        .as_ref()
        .map(|c| hex32(u64::from(c.1.returned)))
        .unwrap_or_default();

    html! {
        <div id="vmalloc-ops" class="ops">
            <form class="op-group" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <fieldset>
                    <legend>{ "vmalloc and vfree" }</legend>
                    <div class="op-fields">
                        <div class="control">
                            <label for="vm-who">{ "Called by" }</label>
                            <select id="vm-who" ref={who_ref}>
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
                            <label for="vm-size">{ "Size" }</label>
                            <input type="text" id="vm-size" value={size_box.get()} oninput={size_box.oninput()}
                                   autocomplete="off" spellcheck="false" aria-describedby="vm-size-hint" />
                        </div>
                        <div class="control">
                            <label for="vm-name">{ "Name (optional)" }</label>
                            <input type="text" id="vm-name" value={name_box.get()} oninput={name_box.oninput()}
                                   autocomplete="off" spellcheck="false" />
                        </div>
                    </div>
                    <p class="hint" id="vm-size-hint">
                        { "Bytes, or with K, M or G. The area is the size rounded up to pages, plus a guard page. \
                           vmalloc_32 takes its pages from low memory only." }
                    </p>
                    <div class="button-row">
                        <button type="submit" class="button primary" id="vm-vmalloc" onclick={on_vmalloc}>{ "vmalloc" }</button>
                        <button type="button" class="button" id="vm-vmalloc32" onclick={on_vmalloc32}>{ "vmalloc_32" }</button>
                        <button type="button" class="button" id="vm-free" onclick={on_free}
                                disabled={chosen.is_none()}>{ free_label }</button>
                        <button type="button" class="button" id="vm-purge" onclick={on_purge} disabled={!lazy_era}
                                aria-describedby="vm-purge-hint">{ "purge_vmap_area_lazy" }</button>
                        <button type="button" class="button" id="vm-cat" onclick={on_cat}>{ "cat /proc/vmallocinfo" }</button>
                    </div>
                    <p class="hint" id="vm-purge-hint">
                        { if lazy_era {
                            format!("Linux {} frees lazily: freed ranges wait on the purge, which frees them all with one TLB flush.", m.profile().name)
                        } else {
                            format!("Linux {} unmaps and flushes a freed area at once: there is no purge.", m.profile().name)
                        } }
                    </p>
                </fieldset>
            </form>
            <fieldset class="op-group">
                <legend>{ "vmap and ioremap" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="vm-vmap-first">{ "First frame" }</label>
                        <input type="text" id="vm-vmap-first" class="addr-box" value={vmap_box.get()}
                               oninput={vmap_box.oninput()} autocomplete="off" spellcheck="false" />
                    </div>
                    <div class="control">
                        <label for="vm-vmap-count">{ "How many" }</label>
                        <input type="text" id="vm-vmap-count" inputmode="numeric" value={vmap_count.get()}
                               oninput={vmap_count.oninput()} autocomplete="off" />
                    </div>
                    <div class="control">
                        <label for="vm-io-phys">{ "Physical address" }</label>
                        <input type="text" id="vm-io-phys" class="addr-box" value={io_phys.get()}
                               oninput={io_phys.oninput()} autocomplete="off" spellcheck="false" />
                    </div>
                    <div class="control">
                        <label for="vm-io-size">{ "Size" }</label>
                        <input type="text" id="vm-io-size" value={io_size.get()} oninput={io_size.oninput()}
                               autocomplete="off" spellcheck="false" />
                    </div>
                </div>
                <p class="hint">
                    { "vmap maps frames the caller already owns (consecutive frames from the first); \
                       ioremap maps a physical range that is not RAM, such as a device's registers." }
                </p>
                <div class="button-row">
                    <button type="button" class="button" id="vm-vmap" onclick={on_vmap}>{ "vmap" }</button>
                    <button type="button" class="button" id="vm-ioremap" onclick={on_ioremap}>{ "ioremap" }</button>
                    <button type="button" class="button" id="vm-ioremap-cache" onclick={on_ioremap_cache}>{ "ioremap_cache" }</button>
                </div>
            </fieldset>
            <fieldset class="op-group">
                <legend>{ "Through a vmalloc address" }</legend>
                <div class="op-fields">
                    <div class="control">
                        <label for="vm-cpu">{ "CPU" }</label>
                        <select id="vm-cpu" ref={cpu_ref}>
                            { for m.cpus().iter().map(|c| {
                                let runs = c.current.map(|t| m.tasks()[t].name.clone()).unwrap_or_else(|| "idle".into());
                                html! {
                                    <option value={c.id.to_string()} selected={c.id == 0}>{ format!("CPU {} ({runs})", c.id) }</option>
                                }
                            }) }
                        </select>
                    </div>
                    <div class="control">
                        <label for="vm-addr">{ "Address" }</label>
                        <input type="text" id="vm-addr" class="addr-box" value={addr_box.get()} placeholder={placeholder}
                               oninput={addr_box.oninput()} autocomplete="off" spellcheck="false" aria-describedby="vm-addr-hint" />
                    </div>
                    <div class="control">
                        <label for="vm-value">{ "Value" }</label>
                        <input type="text" id="vm-value" value={value_box.get()} oninput={value_box.oninput()}
                               autocomplete="off" spellcheck="false" />
                    </div>
                </div>
                <p class="hint" id="vm-addr-hint">
                    { "Empty: the chosen area. The walk starts from the CR3 of the CPU's current task, so a task \
                       forked before a new page table was added to the range can take a vmalloc fault." }
                </p>
                <div class="button-row">
                    <button type="button" class="button" id="vm-read" onclick={on_read}>{ "read" }</button>
                    <button type="button" class="button" id="vm-write" onclick={on_write}>{ "write" }</button>
                    <button type="button" class="button" id="vm-fork" onclick={on_fork}>
                        { format!("fork {} on this CPU", next_task_name(m)) }
                    </button>
                </div>
            </fieldset>
            <p id="vm-error" class="field-error" role="alert">{ (*error).clone().unwrap_or_default() }</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use highmem_engine::vmalloc::{PagesArray, VM_ALLOC, VM_IOREMAP, VM_MAP};
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn area(flags: u32, returned: u32) -> VmArea {
        VmArea {
            addr: returned & !0xfff,
            size: 0x2000,
            flags,
            pages: Vec::new(),
            phys_addr: 0,
            caller: String::new(),
            name: None,
            returned,
            array: PagesArray::None,
        }
    }

    #[test]
    fn each_kind_is_freed_its_own_way_at_the_address_given() {
        let who = Who::Cpu(0);
        assert!(matches!(
            free_op(who.clone(), &area(VM_ALLOC, 0xf800_0000)),
            Op::Vfree {
                area: AreaRef::Addr(0xf800_0000),
                ..
            }
        ));
        assert!(matches!(
            free_op(who.clone(), &area(VM_MAP, 0xf800_0000)),
            Op::Vunmap { .. }
        ));
        assert!(matches!(
            free_op(who, &area(VM_IOREMAP, 0xf800_0010)),
            Op::Iounmap {
                area: AreaRef::Addr(0xf800_0010),
                ..
            }
        ));
    }

    #[test]
    fn typed_sizes_and_names_are_checked() {
        assert_eq!(parse_bytes("64K", "Size"), Ok(64 << 10));
        assert_eq!(parse_bytes(" 2M ", "Size"), Ok(2 << 20));
        assert!(parse_bytes("0", "Size").unwrap_err().contains("at least"));
        assert!(parse_bytes("lots", "Size")
            .unwrap_err()
            .starts_with("Size: "));
        assert_eq!(parse_name(""), Ok(None));
        assert_eq!(parse_name("buf_1"), Ok(Some("buf_1".into())));
        assert!(parse_name("a b").is_err());
        assert!(parse_name("x=y").is_err());
    }
}
