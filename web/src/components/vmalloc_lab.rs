//! Chapter 5's views, which share one choice: the area the reader chose in the bar or the
//! list, shown page by page, freed by the free button and read through by default. The other
//! cards (scenarios, what happened, call graphs, other operations) come from the shell and
//! are placed between these.

use super::vmalloc_bar::VmallocBar;
use super::vmalloc_frames::VmallocFrames;
use super::vmalloc_list::VmallocList;
use super::vmalloc_panel::VmallocPanel;
use super::Shared;
use crate::lab::Run;
use highmem_engine::machine::{Machine, Op};
use highmem_engine::vmalloc::VmallocSpace;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`VmallocLab`].
#[derive(Properties, PartialEq)]
pub struct VmallocLabProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run.
    pub last: Option<Rc<Run>>,
    /// Run an op.
    pub on_op: Callback<Op>,
    /// The scenarios card.
    pub scenarios: Html,
    /// The "what happened" card.
    pub outcome: Html,
    /// The call graphs card.
    pub graphs: Html,
    /// The other operations card.
    pub other: Html,
}

/// The area shown: the one the last op created, if it created one after the reader's
/// choice; else the reader's choice while it lives; else the lowest area.
pub fn chosen_area(
    space: &VmallocSpace,
    picked: Option<(u64, u32)>,
    last: Option<&Run>,
) -> Option<u32> {
    let seq = last.map_or(0, |r| r.seq);
    let created = last
        .and_then(|r| r.last_done())
        .and_then(|a| a.outcome.value)
        .and_then(|v| u32::try_from(v).ok())
        .and_then(|v| space.areas.values().find(|a| a.returned == v && v != 0))
        .map(|a| a.addr);
    match picked {
        Some((s, a)) if space.areas.contains_key(&a) && (s >= seq || created.is_none()) => Some(a),
        _ => created.or_else(|| space.areas.keys().next().copied()),
    }
}

/// The views.
#[component]
pub fn VmallocLab(props: &VmallocLabProps) -> Html {
    let m: &Machine = &props.machine;
    let picked = use_state(|| None::<(u64, u32)>);
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let chosen = chosen_area(m.vmalloc_space(), *picked, props.last.as_deref());
    let on_choose = {
        let picked = picked.clone();
        Callback::from(move |a: u32| picked.set(Some((seq, a))))
    };
    html! {
        <>
            { props.scenarios.clone() }
            <section class="card" aria-labelledby="vm-range-title">
                <h2 id="vm-range-title" class="card-title">{ "The vmalloc range" }</h2>
                <VmallocBar machine={props.machine.clone()} {chosen} on_choose={on_choose.clone()} />
            </section>
            <section class="card" aria-labelledby="vm-ops-title">
                <h2 id="vm-ops-title" class="card-title">{ "Run vmalloc and vfree" }</h2>
                <VmallocPanel machine={props.machine.clone()} {chosen} on_op={props.on_op.clone()} />
            </section>
            { props.outcome.clone() }
            <section class="card" aria-labelledby="vm-frames-title">
                <h2 id="vm-frames-title" class="card-title">{ "The chosen area's pages" }</h2>
                <VmallocFrames machine={props.machine.clone()} {chosen} />
            </section>
            { props.graphs.clone() }
            <section class="card" aria-labelledby="vm-list-title">
                <h2 id="vm-list-title" class="card-title">{ "Areas, and what the kernel prints" }</h2>
                <VmallocList machine={props.machine.clone()} {chosen} {on_choose} />
            </section>
            { props.other.clone() }
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::Lab;
    use highmem_engine::e820::E820Map;
    use highmem_engine::machine::{MachineConfig, VmallocFlavor, Who};
    use highmem_engine::profile::ProfileId;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn vmalloc(size: u64) -> Op {
        Op::Vmalloc {
            who: Who::Cpu(0),
            size,
            flavor: VmallocFlavor::Vmalloc,
            name: None,
            caller: None,
        }
    }

    #[test]
    fn a_new_area_is_shown_until_the_reader_chooses_another() {
        let l = Lab::boot(MachineConfig::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ));
        let space = |l: &Lab| l.machine().unwrap().vmalloc_space().clone();
        assert_eq!(chosen_area(&space(&l), None, None), None);
        let l = l.apply(vmalloc(4096));
        let first = space(&l).areas.keys().next().copied();
        assert_eq!(chosen_area(&space(&l), None, l.last.as_deref()), first);
        let l = l.apply(vmalloc(8192));
        let second = space(&l).areas.keys().nth(1).copied();
        assert_eq!(chosen_area(&space(&l), None, l.last.as_deref()), second);
        // The reader picks the first; a read keeps it, a new area replaces it.
        let seq = l.seq;
        let pick = Some((seq, first.unwrap()));
        let read = l.apply(Op::Read {
            cpu: 0,
            vaddr: second.unwrap(),
        });
        assert_eq!(
            chosen_area(&space(&read), pick, read.last.as_deref()),
            first
        );
        let third = read.apply(vmalloc(4096));
        let new = space(&third).areas.keys().nth(2).copied();
        assert_eq!(
            chosen_area(&space(&third), pick, third.last.as_deref()),
            new
        );
        // A freed choice falls back to the lowest area.
        let freed = read.apply(Op::Vfree {
            who: Who::Cpu(0),
            area: highmem_engine::machine::AreaRef::Addr(first.unwrap()),
        });
        assert_eq!(
            chosen_area(&space(&freed), pick, freed.last.as_deref()),
            second
        );
    }
}

/// Props of [`VmallocAlone`].
#[derive(Properties, PartialEq)]
pub struct VmallocAloneProps {
    /// The machine.
    pub machine: Shared<Machine>,
    /// The last run.
    pub last: Option<Rc<Run>>,
}

/// The range and the chosen area's frames, for a view embedded on its own (`view=vmalloc`):
/// the same choice rules as the chapter's cards.
#[component]
pub fn VmallocAlone(props: &VmallocAloneProps) -> Html {
    let picked = use_state(|| None::<(u64, u32)>);
    let seq = props.last.as_ref().map_or(0, |r| r.seq);
    let chosen = chosen_area(
        props.machine.vmalloc_space(),
        *picked,
        props.last.as_deref(),
    );
    let on_choose = {
        let picked = picked.clone();
        Callback::from(move |a: u32| picked.set(Some((seq, a))))
    };
    html! {
        <>
            <VmallocBar machine={props.machine.clone()} {chosen} {on_choose} />
            <h3 class="sub-title">{ "The chosen area's pages" }</h3>
            <VmallocFrames machine={props.machine.clone()} {chosen} />
        </>
    }
}
