//! `#/glossary`: every kernel name the chapters define, alphabetically, with the chapter that
//! explains it, the chapters that use it, and its source in the selected kernel.

use super::Shared;
use crate::content::{self, Target, CHAPTERS};
use crate::glossary::{self, Term};
use crate::route;
use highmem_engine::layout::Layout;
use yew::prelude::*;

/// Props of [`GlossaryPage`].
#[derive(Properties, PartialEq)]
pub struct GlossaryPageProps {
    /// The layout whose kernel the source links follow.
    pub layout: Shared<Layout>,
}

/// The glossary.
#[component]
pub fn GlossaryPage(props: &GlossaryPageProps) -> Html {
    let layout: &Layout = &props.layout;
    let terms = glossary::sorted();
    let kernel = layout.resolved.profile;
    let entry = |t: &'static Term| {
        let home = CHAPTERS.iter().find(|c| route::route_name(c) == t.chapter);
        let users: Vec<&'static content::Chapter> = glossary::chapters_using(t);
        html! {
            <div class="gloss-entry" id={glossary::anchor(t)} data-term={t.name}>
                <dt><code>{ t.name }</code>
                    if !t.also.is_empty() {
                        <span class="gloss-also">{ format!(" (also {})", t.also.join(", ")) }</span>
                    }
                </dt>
                <dd>
                    <p>{ t.definition }</p>
                    <p class="gloss-meta">
                        if let Some(c) = home {
                            { "Explained in " }
                            <a href={route::href(c)}>{ chapter_name(c) }</a>
                            { ". " }
                        }
                        if !users.is_empty() {
                            { "Used in " }
                            { for users.iter().enumerate().map(|(i, c)| html! {
                                <>
                                    if i > 0 { { ", " } }
                                    <a href={route::href(c)}>{ c.number().map(|n| format!("chapter {n}")).unwrap_or_else(|| c.title.to_string()) }</a>
                                </>
                            }) }
                            { ". " }
                        }
                        if let Some(ident) = t.ident {
                            <a class="kernel-link" rel="noopener"
                               href={content::href(layout, &Target::Ident(ident))}>
                                { format!("{ident} in Linux {kernel}") }
                            </a>
                        }
                    </p>
                </dd>
            </div>
        }
    };
    html! {
        <main class="page page-single">
            <article class="chapter glossary" aria-labelledby="glossary-title">
                <h1 id="glossary-title" tabindex="-1">{ "Glossary" }</h1>
                <p>
                    { format!("The {} kernel names the chapters use, each in a sentence or two. \
                               In the chapters, hover over a name set in code, or tab to it, to \
                               see its entry. Source links follow the kernel chosen in the lab \
                               (now {kernel}).", terms.len()) }
                </p>
                <dl class="gloss-list">
                    { for terms.into_iter().map(entry) }
                </dl>
            </article>
        </main>
    }
}

fn chapter_name(c: &content::Chapter) -> String {
    match c.number() {
        Some(n) => format!("chapter {n}, “{}”", c.title),
        None => c.title.to_string(),
    }
}
