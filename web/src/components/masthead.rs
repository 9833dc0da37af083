//! The page header: the site's name, the machine being modelled, and the chapters.

use super::toc::Toc;
use crate::state::Inputs;
use highmem_engine::size::format_size_approx;
use yew::prelude::*;

/// Props of [`Masthead`].
#[derive(Properties, PartialEq)]
pub struct MastheadProps {
    /// The inputs of the layout shown.
    pub inputs: Inputs,
    /// The slug of the chapter shown, for the table of contents.
    #[prop_or_default]
    pub current: Option<AttrValue>,
}

/// The site header, with a one-line summary of the machine on the bench.
#[component]
pub fn Masthead(props: &MastheadProps) -> Html {
    let i = &props.inputs;
    let ram = match &i.log {
        Some(map) => format!("{} (your BIOS map)", format_size_approx(map.usable_bytes())),
        None => format_size_approx(i.ram),
    };
    let paging = match (i.pae, i.highmem) {
        (true, true) => "PAE, HIGHMEM",
        (false, true) => "no PAE, HIGHMEM",
        (true, false) => "PAE, no HIGHMEM",
        (false, false) => "no HIGHMEM",
    };
    let machine = format!("Linux {} · {ram} · {paging}", i.profile);
    html! {
        <header class="masthead">
            <div class="masthead-inner">
                <p class="brand">
                    <svg class="brand-mark" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
                        <rect x="3" y="1" width="14" height="18" rx="2" class="brand-frame" />
                        <rect x="5" y="3" width="10" height="3" class="brand-high" />
                        <rect x="5" y="7" width="10" height="10" class="brand-low" />
                    </svg>
                    <span>{ "Highmem Lab" }</span>
                </p>
                <p class="tagline">{ "Linux high memory on 32-bit x86, computed live" }</p>
                <p class="machine-badge" aria-live="off">{ machine }</p>
            </div>
            <div class="masthead-toc">
                <Toc current={props.current.clone()} />
            </div>
        </header>
    }
}
