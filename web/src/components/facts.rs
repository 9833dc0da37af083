//! The layout's headline numbers, the ones the boot log and /proc/meminfo report.

use super::Shared;
use crate::format::{hex32, size_short};
use highmem_engine::layout::Layout;
use yew::prelude::*;

/// Props of [`Facts`].
#[derive(Properties, PartialEq)]
pub struct FactsProps {
    /// The layout.
    pub layout: Shared<Layout>,
}

/// One figure: a name, a value, and what it means.
struct Fact {
    id: &'static str,
    name: &'static str,
    value: String,
    note: String,
    warn: bool,
}

/// The headline numbers: low memory, high memory, the vmalloc area, the pkmap pool, and RAM
/// the kernel cannot use.
#[component]
pub fn Facts(props: &FactsProps) -> Html {
    let l = &props.layout;
    let m = &l.memory;
    let high_pages = m.highend_pfn.as_u64() - m.highstart_pfn.as_u64();
    let facts = [
        Fact {
            id: "fact-lowmem",
            name: "Low memory",
            value: format!("{} MB", m.max_low_pfn.as_u64() >> 8),
            note: format!("direct-mapped, up to {}", hex32(l.high_memory())),
            warn: false,
        },
        Fact {
            id: "fact-highmem",
            name: "High memory",
            value: if l.resolved.highmem {
                format!("{} MB", high_pages >> 8)
            } else {
                "none".to_string()
            },
            note: if l.resolved.highmem {
                "no permanent kernel address".to_string()
            } else {
                "HIGHMEM is off".to_string()
            },
            warn: false,
        },
        Fact {
            id: "fact-vmalloc",
            name: "vmalloc area",
            value: size_short(l.vmalloc_end() - l.vmalloc_start()),
            note: format!("from {}", hex32(l.vmalloc_start())),
            warn: false,
        },
        Fact {
            id: "fact-pkmap",
            name: "kmap slots",
            value: match l.pkmap_base() {
                Some(_) => l.last_pkmap.to_string(),
                None => "none".to_string(),
            },
            note: match l.pkmap_base() {
                Some(base) => format!("LAST_PKMAP pages at {}", hex32(base)),
                None => "no pkmap window without HIGHMEM".to_string(),
            },
            warn: false,
        },
        Fact {
            id: "fact-unused",
            name: "RAM left unused",
            value: if m.unused_pages == 0 {
                "none".to_string()
            } else {
                size_short(m.unused_pages << 12)
            },
            note: if m.unused_pages == 0 {
                "the kernel can use all of it".to_string()
            } else {
                "beyond what this kernel can reach".to_string()
            },
            warn: m.unused_pages > 0,
        },
    ];
    html! {
        <dl class="facts" aria-label="Headline numbers">
            { for facts.into_iter().map(|f| html! {
                <div class={classes!("fact", f.warn.then_some("fact-warn"))} id={f.id}>
                    <dt>{ f.name }</dt>
                    <dd class="fact-value">{ f.value }</dd>
                    <dd class="fact-note">{ f.note }</dd>
                </div>
            }) }
        </dl>
    }
}
