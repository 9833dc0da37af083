//! How a region's boundaries are derived: the engine's rule for each boundary symbol with this
//! machine's numbers, and the chain of inputs behind it, one click per step.

use super::Shared;
use crate::format::{hex32, region_id, size_exact};
use highmem_engine::layout::derive::Symbol;
use highmem_engine::layout::{Layout, Region};
use yew::prelude::*;

/// Props of [`Derivation`].
#[derive(Properties, PartialEq)]
pub struct DerivationProps {
    /// The layout.
    pub layout: Shared<Layout>,
    /// The region to explain (index into `layout.regions`).
    pub region: usize,
    /// Whether the reader chose it (else it is the default, the direct map).
    pub chosen: bool,
}

/// A symbol's card: its value, rule, the rule with numbers, a link to the source, and its
/// inputs, each expandable in turn.
fn symbol_card(layout: &Layout, s: &Symbol, depth: usize, seen: &[&str]) -> Html {
    let inputs: Vec<&Symbol> = s
        .inputs
        .iter()
        .filter_map(|name| layout.symbol(name))
        .collect();
    let path: Vec<&str> = seen.iter().copied().chain([s.name]).collect();
    html! {
        <div class="symbol">
            <p class="symbol-head">
                <a class="symbol-name" href={s.url.clone()} rel="noopener"
                   title={format!("{} in Linux {}", s.source, layout.resolved.profile)}>
                    <code>{ s.name }</code>
                </a>
                { " = " }
                <code class="symbol-value">{ s.display_value() }</code>
            </p>
            <p class="symbol-rule">{ s.rule.clone() }</p>
            <p class="symbol-work"><code>{ s.work.clone() }</code></p>
            <p class="symbol-source">
                { "Defined in " }
                <a href={s.url.clone()} rel="noopener" class="kernel-link"><code>{ s.source }</code></a>
            </p>
            if !inputs.is_empty() {
                <details class="inputs" open={depth == 0}>
                    <summary>
                        { format!("{} ← ", s.name) }
                        { for inputs.iter().enumerate().map(|(k, i)| html! {
                            <>{ if k > 0 { ", " } else { "" } }<code>{ i.name }</code></>
                        }) }
                    </summary>
                    { for inputs.iter().filter(|i| !path.contains(&i.name)).map(|i| symbol_card(layout, i, depth + 1, &path)) }
                </details>
            }
        </div>
    }
}

/// One boundary: which symbol sets it, and its card.
fn boundary(layout: &Layout, which: &str, addr: u64, name: Option<&'static str>) -> Html {
    let head = html! { <h4 class="bound-head">{ which }{ " " }<code>{ hex32(addr) }</code></h4> };
    match name.map(|n| (n, layout.symbol(n))) {
        Some((_, Some(sym))) => {
            let note = (sym.value != addr).then(|| {
                format!(
                    "{} sets this boundary: it sizes the region rather than naming the address.",
                    sym.name
                )
            });
            html! {
                <div class="bound">
                    { head }
                    if let Some(note) = note { <p class="bound-note">{ note }</p> }
                    { symbol_card(layout, sym, 0, &[]) }
                </div>
            }
        }
        Some((n, None)) => html! {
            <div class="bound">{ head }<p class="bound-note"><code>{ n }</code></p></div>
        },
        None => html! {
            <div class="bound">
                { head }
                <p class="bound-note">
                    { "No symbol of its own: this boundary is where the neighbouring region stops." }
                </p>
            </div>
        },
    }
}

/// The derivation panel. It is a polite live region, so a screen reader hears the new region
/// when focus moves.
#[component]
pub fn Derivation(props: &DerivationProps) -> Html {
    let l = &props.layout;
    let Some(r): Option<&Region> = l.regions.get(props.region) else {
        return html! { <section id="derivation" class="derivation" aria-live="polite" /> };
    };
    let intro = if props.chosen {
        None
    } else {
        Some("Showing the direct map. Hover over or focus any region to explain it instead.")
    };
    html! {
        <section id="derivation" class={classes!("derivation", format!("derivation-{}", region_id(r.kind)))}
                 aria-live="polite" aria-labelledby="derivation-title">
            if let Some(intro) = intro { <p class="derivation-intro">{ intro }</p> }
            <h3 id="derivation-title" class="derivation-title">
                <span class={classes!("swatch", format!("fill-{}", region_id(r.kind)))} aria-hidden="true" />
                { r.label.clone() }
            </h3>
            <p class="derivation-range">
                <code>{ hex32(r.start) }</code>{ " – " }<code>{ hex32(r.end) }</code>
                { format!(" · {}", size_exact(r.size())) }
            </p>
            <p class="derivation-note">{ r.note.clone() }</p>
            <div class="bounds">
                { boundary(l, "Starts at", r.start, r.start_symbol) }
                { boundary(l, "Ends at", r.end, r.end_symbol) }
            </div>
        </section>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, render};
    use highmem_engine::e820::E820Map;
    use highmem_engine::layout::{compute, LayoutRequest, RegionKind};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    async fn explains_vmalloc_with_the_rule_and_its_numbers() {
        let l = compute(&LayoutRequest::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .unwrap();
        let vmalloc = l
            .regions
            .iter()
            .position(|r| r.kind == RegionKind::Vmalloc)
            .unwrap();
        let root = render::<Derivation>(DerivationProps {
            layout: Shared(Rc::new(l)),
            region: vmalloc,
            chosen: true,
        })
        .await;
        let text = root.text_content().unwrap();
        assert!(text.contains("VMALLOC_START = 0xf77fe000"), "{text}");
        assert!(text.contains("high_memory + VMALLOC_OFFSET"), "{text}");
        assert!(text.contains("0xf6ffe000 + 8 MiB = 0xf77fe000"), "{text}");
        // The chain goes all the way down: high_memory ← max_low_pfn ← … ← the fixmap's end.
        for name in [
            "high_memory",
            "max_low_pfn",
            "MAXMEM",
            "PKMAP_BASE",
            "__end_of_fixed_addresses",
        ] {
            assert!(text.contains(name), "{name} missing from the chain");
        }
        // Each symbol links to its source in the 6.1 tree.
        let links = all(&root, "a.symbol-name");
        assert!(!links.is_empty());
        for a in links {
            let href = a.get_attribute("href").unwrap();
            assert!(
                href.starts_with("https://elixir.bootlin.com/linux/v6.1/source/"),
                "{href}"
            );
        }
        let section = root.query_selector("#derivation").unwrap().unwrap();
        assert_eq!(
            section.get_attribute("aria-live").as_deref(),
            Some("polite")
        );
    }
}
