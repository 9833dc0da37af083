//! "What the kernel prints": the engine's rendering of the boot messages for this layout.

use super::Shared;
use highmem_engine::layout::{print::boot_log, Layout};
use yew::prelude::*;

/// Props of [`BootLog`].
#[derive(Properties, PartialEq)]
pub struct BootLogProps {
    /// The layout to print.
    pub layout: Shared<Layout>,
}

/// The boot lines about memory, in the selected kernel's own format, exactly as `hmsim layout`
/// prints them.
#[component]
pub fn BootLog(props: &BootLogProps) -> Html {
    let text = boot_log(&props.layout);
    let profile = props.layout.resolved.profile.profile();
    let caption = format!(
        "The lines a {} kernel prints about memory while booting this machine, and its \
         /proc/meminfo VmallocTotal. Lines starting with # are notes where that kernel prints \
         nothing.",
        profile.name
    );
    html! {
        <figure class="boot-log">
            <pre id="boot-log" tabindex="0" aria-label="Kernel boot messages">{ text }</pre>
            <figcaption>{ caption }</figcaption>
        </figure>
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::render;
    use highmem_engine::e820::E820Map;
    use highmem_engine::layout::{compute, LayoutRequest};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    async fn shows_exactly_what_the_engine_prints() {
        let l = compute(&LayoutRequest::new(
            ProfileId::V6_1,
            E820Map::qemu_pc(2 << 30).unwrap(),
        ))
        .unwrap();
        let expected = boot_log(&l);
        let root = render::<BootLog>(BootLogProps {
            layout: Shared(Rc::new(l)),
        })
        .await;
        let pre = root.query_selector("#boot-log").unwrap().unwrap();
        assert_eq!(pre.text_content().unwrap(), expected);
        assert!(expected.contains("879MB LOWMEM available."));
    }
}
