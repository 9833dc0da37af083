//! The machine options of the kmap chapters: the kernel's debug option for temporary maps
//! (`CONFIG_DEBUG_HIGHMEM`, in 6.1 `CONFIG_DEBUG_KMAP_LOCAL`), its sleep-in-atomic check,
//! and the bug mode in which `flush_all_zero_pkmaps()` forgets its TLB flush. Each is part of
//! the machine's configuration: changing one boots the machine again.

use crate::state::{MachineOption, MachineOptions};
use highmem_engine::profile::ProfileId;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`KernelOptions`].
#[derive(Properties, PartialEq)]
pub struct KernelOptionsProps {
    /// The kernel.
    pub profile: ProfileId,
    /// Whether the kernel has HIGHMEM (the bug mode needs the pkmap window).
    pub highmem: bool,
    /// The options in force.
    pub options: MachineOptions,
    /// An option was switched.
    pub on_option: Callback<(MachineOption, bool)>,
}

/// What an option does, in this kernel; `Err` says why it does not apply.
fn what(o: MachineOption, profile: ProfileId, highmem: bool) -> Result<String, String> {
    let p = profile.profile();
    match o {
        MachineOption::DebugKmap if p.atomic.local.is_some() => Ok(
            "A guard page between every kmap_local slot (so twice the slots per CPU), and \
             checks on each map and unmap."
                .into(),
        ),
        MachineOption::DebugKmap => Ok(
            "Fences between the kmap_atomic types (so more slots per CPU), and checks that a \
             slot is empty before it is mapped and that kunmap_atomic() gets the right address."
                .into(),
        ),
        MachineOption::DebugSleep if p.messages.might_sleep.is_none() => {
            Err("2.4.22 has no might_sleep() check to build in.".into())
        }
        MachineOption::DebugSleep => Ok(
            "Builds in might_sleep(): a function that may sleep, called in atomic context, \
             complains even when it does not actually sleep."
                .into(),
        ),
        MachineOption::SkipPkmapFlush if !highmem => {
            Err("Needs HIGHMEM: without it there is no pkmap window.".into())
        }
        MachineOption::SkipPkmapFlush => Ok(
            "Not a kernel option: a bug planted in the model. flush_all_zero_pkmaps() clears \
             the unused slots but skips the TLB flush."
                .into(),
        ),
    }
}

/// The switches.
#[component]
pub fn KernelOptions(props: &KernelOptionsProps) -> Html {
    let profile = props.profile.profile();
    html! {
        <fieldset class="kernel-options">
            <legend>{ "Kernel options" }</legend>
            { for MachineOption::ALL.iter().map(|&o| {
                let id = format!("opt-{}", o.key());
                let hint = format!("{id}-hint");
                let on = props.options.get(o);
                let about = what(o, props.profile, props.highmem);
                let cb = props.on_option.clone();
                let onchange = Callback::from(move |e: Event| {
                    let i: HtmlInputElement = e.target_unchecked_into();
                    cb.emit((o, i.checked()));
                });
                html! {
                    <div class="control kernel-option">
                        <label class="switch">
                            <input type="checkbox" id={id.clone()} checked={on} {onchange}
                                   disabled={about.is_err() && !on} aria-describedby={hint.clone()} />
                            <span class="switch-name">{ o.name(profile) }</span>
                        </label>
                        <p class="hint" id={hint}>{ match about { Ok(s) | Err(s) => s } }</p>
                    </div>
                }
            }) }
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn options_say_what_they_do_per_era() {
        assert!(what(MachineOption::DebugSleep, ProfileId::V2_4_22, true).is_err());
        assert!(what(MachineOption::DebugSleep, ProfileId::V6_1, true).is_ok());
        assert!(what(MachineOption::SkipPkmapFlush, ProfileId::V6_1, false).is_err());
        assert!(what(MachineOption::DebugKmap, ProfileId::V6_1, true)
            .unwrap()
            .contains("guard"));
        assert_eq!(
            MachineOption::DebugKmap.name(ProfileId::V6_1.profile()),
            "CONFIG_DEBUG_KMAP_LOCAL"
        );
        assert_eq!(
            MachineOption::DebugKmap.name(ProfileId::V2_6_11.profile()),
            "CONFIG_DEBUG_HIGHMEM"
        );
        assert_eq!(
            MachineOption::DebugSleep.name(ProfileId::V2_6_24.profile()),
            "CONFIG_DEBUG_SPINLOCK_SLEEP"
        );
    }
}
