//! The machine's controls: kernel, RAM, PAE, HIGHMEM, `vmalloc=` and NR_CPUS.

use crate::state::{ram_step, Drafts, Edit, Field, Inputs, Problem, RAM_STEPS};
use highmem_engine::profile::ProfileId;
use highmem_engine::size::format_size;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// The inputs of the layout shown.
    pub inputs: Inputs,
    /// What the text boxes hold.
    pub drafts: Drafts,
    /// The last refused change, if any.
    pub problem: Option<Problem>,
    /// A kernel was chosen.
    pub on_profile: Callback<ProfileId>,
    /// The slider moved to a RAM size.
    pub on_ram: Callback<u64>,
    /// A RAM size was typed.
    pub on_ram_text: Callback<Edit>,
    /// PAE was switched.
    pub on_pae: Callback<bool>,
    /// HIGHMEM was switched.
    pub on_highmem: Callback<bool>,
    /// A `vmalloc=` size was typed.
    pub on_vmalloc: Callback<Edit>,
    /// NR_CPUS was typed.
    pub on_nr_cpus: Callback<Edit>,
}

/// The kernels, newest first, with the text each stands for.
const PROFILES: [(ProfileId, &str); 5] = [
    (ProfileId::V6_1, "6.1 · Debian 12"),
    (ProfileId::V2_6_32, "2.6.32 · long-term 2.6"),
    (ProfileId::V2_6_24, "2.6.24 · Mauerer"),
    (ProfileId::V2_6_11, "2.6.11 · Bovet & Cesati"),
    (ProfileId::V2_4_22, "2.4.22 · Gorman"),
];

/// A text box's callbacks: every keystroke tries the value, Enter or leaving the box commits.
fn text_callbacks(
    cb: &Callback<Edit>,
) -> (
    Callback<InputEvent>,
    Callback<Event>,
    Callback<KeyboardEvent>,
) {
    let value = |target: Option<web_sys::EventTarget>| {
        target
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<HtmlInputElement>(t).ok())
            .map(|i| i.value())
            .unwrap_or_default()
    };
    let on_input = {
        let cb = cb.clone();
        Callback::from(move |e: InputEvent| {
            cb.emit(Edit {
                text: value(e.target()),
                commit: false,
            })
        })
    };
    let on_change = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            cb.emit(Edit {
                text: value(e.target()),
                commit: true,
            })
        })
    };
    let on_key = {
        let cb = cb.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                e.prevent_default();
                cb.emit(Edit {
                    text: value(e.target()),
                    commit: true,
                })
            }
        })
    };
    (on_input, on_change, on_key)
}

/// The controls. Every change is applied at once; a refused one is explained in `#error`.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let i = &props.inputs;
    let profile = i.profile.profile();
    let invalid = |f: Field| {
        props
            .problem
            .as_ref()
            .is_some_and(|p| p.field == f)
            .then_some("true")
    };
    let described = |f: Field, hint: &'static str| {
        if invalid(f).is_some() {
            format!("{hint} error")
        } else {
            hint.to_string()
        }
    };

    // The select shows the profile in force, also after a refused change (the browser has
    // already moved its selection by then).
    let select_ref = use_node_ref();
    {
        let select_ref = select_ref.clone();
        let name = i.profile.name();
        use_effect(move || {
            if let Some(select) = select_ref.cast::<HtmlSelectElement>() {
                if select.value() != name {
                    select.set_value(name);
                }
            }
        });
    }

    let on_profile = {
        let cb = props.on_profile.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(id) = ProfileId::parse(&select.value()) {
                cb.emit(id);
            }
        })
    };
    let on_slider = {
        let cb = props.on_ram.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(step) = input.value().parse::<usize>() {
                if let Some(&ram) = RAM_STEPS.get(step) {
                    cb.emit(ram);
                }
            }
        })
    };
    let checkbox = |cb: &Callback<bool>| {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            cb.emit(input.checked());
        })
    };
    let (ram_input, ram_change, ram_key) = text_callbacks(&props.on_ram_text);
    let (vm_input, vm_change, vm_key) = text_callbacks(&props.on_vmalloc);
    let (cpu_input, cpu_change, cpu_key) = text_callbacks(&props.on_nr_cpus);

    let step = ram_step(i.ram);
    let ram_text = if i.log.is_some() {
        "your BIOS map".to_string()
    } else {
        format_size(i.ram)
    };
    let ram_hint = if i.log.is_some() {
        "Your pasted map is in use; choose a size to go back to a simulated PC."
    } else {
        "16M to 64G: slide, or type a size such as 1536M or 3G."
    };
    let cpus_hint = format!(
        "Empty: {}, this kernel's default ({}).",
        profile.default_nr_cpus,
        profile.nr_cpus_allowed.describe()
    );
    let vmalloc_hint = if profile.vmalloc_param == highmem_engine::profile::VmallocParam::Absent {
        "2.4.22 has no vmalloc= option: its reserve is fixed at 128 MiB."
    } else {
        "Boot option. Empty: the default reserve, 128 MiB."
    };

    html! {
        <form class="controls" novalidate=true onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
            <div class="control control-profile">
                <label for="profile">{ "Kernel" }</label>
                <select id="profile" ref={select_ref} onchange={on_profile}
                        aria-describedby="profile-hint" aria-invalid={invalid(Field::Profile)}>
                    { for PROFILES.iter().map(|(id, text)| html! {
                        <option value={id.name()} selected={*id == i.profile}>{ *text }</option>
                    }) }
                </select>
                <p class="hint" id="profile-hint">{ profile.book }</p>
            </div>

            <fieldset class="control control-switches">
                <legend>{ "Kernel configuration" }</legend>
                <label class="switch">
                    <input type="checkbox" id="pae" checked={i.pae} onchange={checkbox(&props.on_pae)}
                           aria-invalid={invalid(Field::Pae)} aria-describedby="pae-hint" />
                    <span class="switch-name">{ "PAE" }</span>
                    <span class="hint" id="pae-hint">{ "36-bit physical addresses, up to 64 GiB" }</span>
                </label>
                <label class="switch">
                    <input type="checkbox" id="highmem" checked={i.highmem} onchange={checkbox(&props.on_highmem)}
                           aria-invalid={invalid(Field::Highmem)} aria-describedby="highmem-hint" />
                    <span class="switch-name">{ "HIGHMEM" }</span>
                    <span class="hint" id="highmem-hint">{ "use RAM above the direct map" }</span>
                </label>
            </fieldset>

            <div class="control control-ram">
                <label for="ram-size">{ "RAM" }</label>
                <div class="ram-row">
                    <input type="range" id="ram-slider" min="0" max={(RAM_STEPS.len() - 1).to_string()}
                           step="1" value={step.to_string()} aria-label="RAM size"
                           aria-valuetext={ram_text} oninput={on_slider} />
                    <input type="text" id="ram-size" class="size-box" value={props.drafts.ram.clone()}
                           autocomplete="off" spellcheck="false" inputmode="text"
                           aria-describedby={described(Field::Ram, "ram-hint")}
                           aria-invalid={invalid(Field::Ram)}
                           oninput={ram_input} onchange={ram_change} onkeydown={ram_key} />
                </div>
                <p class="hint" id="ram-hint">{ ram_hint }</p>
            </div>

            <div class="control control-vmalloc">
                <label for="vmalloc">{ "vmalloc=" }</label>
                <input type="text" id="vmalloc" class="size-box" value={props.drafts.vmalloc.clone()}
                       placeholder="default" autocomplete="off" spellcheck="false"
                       aria-describedby={described(Field::Vmalloc, "vmalloc-hint")}
                       aria-invalid={invalid(Field::Vmalloc)}
                       oninput={vm_input} onchange={vm_change} onkeydown={vm_key} />
                <p class="hint" id="vmalloc-hint">{ vmalloc_hint }</p>
            </div>

            <div class="control control-cpus">
                <label for="nr-cpus">{ "NR_CPUS" }</label>
                <input type="text" id="nr-cpus" class="size-box" value={props.drafts.nr_cpus.clone()}
                       placeholder={profile.default_nr_cpus.to_string()} inputmode="numeric"
                       autocomplete="off" aria-describedby={described(Field::NrCpus, "cpus-hint")}
                       aria-invalid={invalid(Field::NrCpus)}
                       oninput={cpu_input} onchange={cpu_change} onkeydown={cpu_key} />
                <p class="hint" id="cpus-hint">{ cpus_hint }</p>
            </div>
        </form>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{attr, render};
    use crate::state::State;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn props(state: &State) -> ControlsProps {
        ControlsProps {
            inputs: state.inputs.clone(),
            drafts: state.drafts.clone(),
            problem: state.problem.clone(),
            on_profile: Callback::noop(),
            on_ram: Callback::noop(),
            on_ram_text: Callback::noop(),
            on_pae: Callback::noop(),
            on_highmem: Callback::noop(),
            on_vmalloc: Callback::noop(),
            on_nr_cpus: Callback::noop(),
        }
    }

    #[test]
    async fn controls_show_the_inputs_in_force() {
        let root = render::<Controls>(props(&State::default())).await;
        let q = |sel: &str| root.query_selector(sel).unwrap().unwrap();
        let ram: HtmlInputElement = wasm_bindgen::JsCast::dyn_into(q("#ram-size")).unwrap();
        assert_eq!(ram.value(), "2G");
        let slider: HtmlInputElement = wasm_bindgen::JsCast::dyn_into(q("#ram-slider")).unwrap();
        assert_eq!(RAM_STEPS[slider.value().parse::<usize>().unwrap()], 2 << 30);
        assert_eq!(attr(&q("#ram-slider"), "aria-valuetext"), "2 GiB");
        let select: HtmlSelectElement = wasm_bindgen::JsCast::dyn_into(q("#profile")).unwrap();
        assert_eq!(select.value(), "6.1");
        let pae: HtmlInputElement = wasm_bindgen::JsCast::dyn_into(q("#pae")).unwrap();
        assert!(pae.checked());
        assert_eq!(attr(&q("#nr-cpus"), "placeholder"), "32");
    }

    #[test]
    async fn a_refused_field_is_marked_invalid() {
        use std::rc::Rc;
        use yew::Reducible;
        let state = Rc::new(State::default()).reduce(crate::state::Action::SetRamText(Edit {
            text: "lots".into(),
            commit: true,
        }));
        let root = render::<Controls>(props(&state)).await;
        let ram = root.query_selector("#ram-size").unwrap().unwrap();
        assert_eq!(attr(&ram, "aria-invalid"), "true");
        assert_eq!(attr(&ram, "aria-describedby"), "ram-hint error");
        let ram: HtmlInputElement = wasm_bindgen::JsCast::dyn_into(ram).unwrap();
        assert_eq!(ram.value(), "lots", "the typed text stays");
    }
}
