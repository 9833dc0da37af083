//! The machine's processors: how many CPUs to simulate, and which model they are.

use crate::content::tlb_geometry;
use crate::state::MAX_CPUS;
use highmem_engine::cpu::CpuModel;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

/// Props of [`CpuControls`].
#[derive(Properties, PartialEq)]
pub struct CpuControlsProps {
    /// CPUs simulated.
    pub cpus: usize,
    /// NR_CPUS of the kernel: the most CPUs it can run.
    pub nr_cpus: u32,
    /// The model chosen (`None`: the kernel's default).
    pub model: Option<CpuModel>,
    /// The kernel's default model.
    pub default_model: CpuModel,
    /// A number of CPUs was chosen.
    pub on_cpus: Callback<usize>,
    /// A model was chosen.
    pub on_model: Callback<Option<CpuModel>>,
}

/// Two selects: CPUs (1 to 4, at most NR_CPUS) and the CPU model.
#[component]
pub fn CpuControls(props: &CpuControlsProps) -> Html {
    let most = (props.nr_cpus as usize).clamp(1, MAX_CPUS);
    let model = props.model.unwrap_or(props.default_model);
    let spec = model.spec();
    let on_cpus = {
        let cb = props.on_cpus.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            if let Ok(n) = s.value().parse() {
                cb.emit(n);
            }
        })
    };
    let on_model = {
        let cb = props.on_model.clone();
        Callback::from(move |e: Event| {
            let s: HtmlSelectElement = e.target_unchecked_into();
            let v = s.value();
            cb.emit(if v.is_empty() {
                None
            } else {
                CpuModel::parse(&v)
            });
        })
    };
    let tlb: Vec<String> = spec
        .dtlb
        .iter()
        .map(|a| {
            let pages = match (a.small, a.large) {
                (true, true) => "4 KiB and large pages",
                (true, false) => "4 KiB pages",
                _ => "large pages",
            };
            format!("{pages}: {}", tlb_geometry(a))
        })
        .collect();
    html! {
        <div class="controls cpu-controls">
            <div class="control">
                <label for="cpus">{ "CPUs" }</label>
                <select id="cpus" onchange={on_cpus} aria-describedby="cpus-count-hint">
                    { for (1..=most).map(|n| html! {
                        <option value={n.to_string()} selected={n == props.cpus}>{ n }</option>
                    }) }
                </select>
                <p class="hint" id="cpus-count-hint">
                    { format!("Simulated; at most {most} here (NR_CPUS is {}).", props.nr_cpus) }
                </p>
            </div>
            <div class="control">
                <label for="cpu-model">{ "CPU model" }</label>
                <select id="cpu-model" onchange={on_model} aria-describedby="cpu-model-hint">
                    <option value="" selected={props.model.is_none()}>
                        { format!("{} (this kernel's default)", props.default_model.spec().name) }
                    </option>
                    { for CpuModel::ALL.iter().filter(|m| **m != props.default_model).map(|m| html! {
                        <option value={m.key()} selected={props.model == Some(*m)}>{ m.spec().name }</option>
                    }) }
                </select>
                <p class="hint" id="cpu-model-hint">{ format!("Data TLB: {}.", tlb.join("; ")) }</p>
            </div>
        </div>
    }
}
