//! The page footer.

use yew::prelude::*;

/// Props of [`SiteFooter`] (none).
#[derive(Properties, PartialEq)]
pub struct SiteFooterProps {}

/// Where the numbers come from.
#[component]
pub fn SiteFooter(_props: &SiteFooterProps) -> Html {
    html! {
        <footer class="site-footer">
            <p>
                { "Every number on this page is computed in your browser by the Highmem Lab \
                   engine, from the rules of the kernel you select; nothing is looked up or \
                   sent anywhere. Kernel names link to that kernel's source on " }
                <a href="https://elixir.bootlin.com/" rel="noopener">{ "Bootlin Elixir" }</a>
                { "." }
            </p>
        </footer>
    }
}
