//! The table of contents: every chapter, by number and title, the current one marked.

use crate::content::CHAPTERS;
use crate::route;
use yew::prelude::*;

/// Props of [`Toc`].
#[derive(Properties, PartialEq)]
pub struct TocProps {
    /// The slug of the chapter shown, if a chapter is.
    #[prop_or_default]
    pub current: Option<AttrValue>,
}

/// The chapters as a numbered list of links (`#/why-highmem`, `#/paging`, …).
#[component]
pub fn Toc(props: &TocProps) -> Html {
    html! {
        <nav class="toc" aria-label="Chapters">
            <ol class="toc-list">
                { for CHAPTERS.iter().map(|c| {
                    let current = props.current.as_deref() == Some(c.slug);
                    let n = c.number().map(|n| n.to_string()).unwrap_or_default();
                    html! {
                        <li>
                            <a href={route::href(c)} class={classes!("toc-link", current.then_some("is-current"))}
                               aria-current={current.then_some("page")} data-chapter={route::route_name(c)}>
                                <span class="toc-number">{ n }</span>
                                <span class="toc-title">{ c.title }</span>
                            </a>
                        </li>
                    }
                }) }
            </ol>
            <p class="toc-extra">
                <a href={format!("#/{}", route::GLOSSARY)} class="toc-link toc-glossary">{ "Glossary of kernel names" }</a>
            </p>
        </nav>
    }
}
