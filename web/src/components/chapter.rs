//! A chapter, rendered from the data `build.rs` compiled out of its Markdown, with its live
//! values filled in from the current layout.

use super::Shared;
use crate::content::{self, href, live_value, Block, Inline, Target};
use highmem_engine::layout::Layout;
use yew::prelude::*;

/// Props of [`ChapterView`].
#[derive(Properties, PartialEq)]
pub struct ChapterViewProps {
    /// The chapter's slug, e.g. `01-why-highmem`.
    pub slug: AttrValue,
    /// The layout the live values and kernel links follow.
    pub layout: Shared<Layout>,
}

/// The chapter text.
#[component]
pub fn ChapterView(props: &ChapterViewProps) -> Html {
    let Some(chapter) = content::chapter(&props.slug) else {
        return html! { <p class="missing">{ format!("No chapter {}.", props.slug) }</p> };
    };
    let kicker = chapter.number().map(|n| format!("Chapter {n}"));
    html! {
        <>
            <p class="kicker">
                { kicker.unwrap_or_default() }
                <a class="to-lab" href="#lab">{ "Live views ↓" }</a>
            </p>
            { blocks(chapter.blocks, &props.layout) }
        </>
    }
}

fn blocks(list: &'static [Block], layout: &Layout) -> Html {
    list.iter().map(|b| block(b, layout)).collect()
}

fn block(b: &'static Block, layout: &Layout) -> Html {
    match b {
        Block::Heading { level, id, inlines } => {
            let content = spans(inlines, layout);
            let id = *id;
            match level {
                1 => html! { <h1 {id}>{ content }</h1> },
                2 => html! { <h2 {id}>{ content }</h2> },
                3 => html! { <h3 {id}>{ content }</h3> },
                4 => html! { <h4 {id}>{ content }</h4> },
                5 => html! { <h5 {id}>{ content }</h5> },
                _ => html! { <h6 {id}>{ content }</h6> },
            }
        }
        Block::Paragraph(inlines) => html! { <p>{ spans(inlines, layout) }</p> },
        Block::Plain(inlines) => spans(inlines, layout),
        Block::Code { lang, code } => {
            let class = (!lang.is_empty()).then(|| format!("language-{lang}"));
            html! { <pre class="code" tabindex="0"><code {class}>{ *code }</code></pre> }
        }
        Block::List { start, items } => {
            let items: Html = items
                .iter()
                .map(|item| html! { <li>{ blocks(item, layout) }</li> })
                .collect();
            match start {
                Some(n) => html! { <ol start={n.to_string()}>{ items }</ol> },
                None => html! { <ul>{ items }</ul> },
            }
        }
        Block::Quote(inner) => html! { <aside class="note">{ blocks(inner, layout) }</aside> },
        Block::Table { head, rows } => html! {
            <div class="table-wrap" tabindex="0" role="region"
                 aria-label={format!("Table: {}", head.iter().map(|c| plain(c)).filter(|t| !t.is_empty()).collect::<Vec<_>>().join(", "))}>
                <table>
                    <thead>
                        <tr>
                            { for head.iter().map(|c| if c.is_empty() {
                                // A corner cell heads nothing: not a header for screen readers.
                                html! { <td /> }
                            } else {
                                html! { <th scope="col">{ spans(c, layout) }</th> }
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|row| html! {
                            <tr>
                                { for row.iter().map(|c| html! { <td>{ spans(c, layout) }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        },
        Block::Rule => html! { <hr /> },
    }
}

/// The text of inlines without markup (live values by name), for labels.
fn plain(list: &'static [Inline]) -> String {
    list.iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Code(t) => t.to_string(),
            Inline::Emphasis(v)
            | Inline::Strong(v)
            | Inline::CodeWith(v)
            | Inline::Link { inlines: v, .. } => plain(v),
            Inline::Live(name) => name.to_string(),
            Inline::SoftBreak | Inline::HardBreak => " ".to_string(),
        })
        .collect()
}

fn spans(list: &'static [Inline], layout: &Layout) -> Html {
    list.iter().map(|i| inline(i, layout)).collect()
}

fn inline(i: &'static Inline, layout: &Layout) -> Html {
    match i {
        Inline::Text(t) => html! { { *t } },
        Inline::Emphasis(v) => html! { <em>{ spans(v, layout) }</em> },
        Inline::Strong(v) => html! { <strong>{ spans(v, layout) }</strong> },
        Inline::Code(c) => html! { <code>{ *c }</code> },
        Inline::CodeWith(v) => html! { <code>{ spans(v, layout) }</code> },
        Inline::Link { target, inlines } => {
            let href = href(layout, target);
            let class = match target {
                Target::Anchor(_) => None,
                Target::Ident(_) | Target::Source(_) => Some("kernel-link"),
                Target::Url(_) => Some("external-link"),
            };
            let title = match target {
                Target::Ident(name) => Some(format!(
                    "{name} in Linux {} on Bootlin Elixir",
                    layout.resolved.profile
                )),
                Target::Source(path) => Some(format!(
                    "{path} in Linux {} on Bootlin Elixir",
                    layout.resolved.profile
                )),
                _ => None,
            };
            let rel = (!matches!(target, Target::Anchor(_))).then_some("noopener");
            html! { <a {href} {class} {rel} {title}>{ spans(inlines, layout) }</a> }
        }
        Inline::Live(name) => match live_value(layout, name) {
            // Keyed by value, so a changed value is a new element and its highlight replays.
            Some(v) => html! {
                <span class="live" data-live={*name} title={v.rule} key={v.text.clone()}>
                    { v.text }
                </span>
            },
            None => html! { <span class="live live-missing">{ format!("{{{{{name}}}}}") }</span> },
        },
        Inline::SoftBreak => html! { { " " } },
        Inline::HardBreak => html! { <br /> },
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::components::testing::{all, attr, render};
    use highmem_engine::e820::E820Map;
    use highmem_engine::layout::{compute, LayoutRequest};
    use highmem_engine::profile::ProfileId;
    use std::rc::Rc;
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn layout(id: ProfileId, ram: u64) -> Shared<Layout> {
        let req = LayoutRequest::new(id, E820Map::qemu_pc(ram).unwrap());
        Shared(Rc::new(compute(&req).unwrap()))
    }

    #[test]
    async fn live_values_show_the_layouts_numbers() {
        let root = render::<ChapterView>(ChapterViewProps {
            slug: "01-why-highmem".into(),
            layout: layout(ProfileId::V6_1, 2 << 30),
        })
        .await;
        let lives = all(&root, "[data-live]");
        assert!(!lives.is_empty());
        for el in &lives {
            let name = attr(el, "data-live");
            let text = el.text_content().unwrap();
            assert!(!text.contains("{{"), "{name} rendered as {text}");
        }
        let value = |name: &str| {
            all(&root, &format!("[data-live=\"{name}\"]"))
                .first()
                .map(|e| e.text_content().unwrap())
        };
        assert_eq!(value("LOWMEM_MB").as_deref(), Some("879"));
        assert_eq!(value("VMALLOC_START").as_deref(), Some("0xf77fe000"));
        // No Markdown leaks through: no raw emphasis markers or live-value braces.
        let text = root.text_content().unwrap();
        if let Some(at) = text.find("{{") {
            panic!(
                "raw live value in {:?}",
                &text[at.saturating_sub(60)..(at + 60).min(text.len())]
            );
        }
        assert!(!text.contains("]("));
    }

    #[test]
    async fn headings_lists_code_and_kernel_links_render() {
        let root = render::<ChapterView>(ChapterViewProps {
            slug: "01-why-highmem".into(),
            layout: layout(ProfileId::V2_6_24, 1 << 30),
        })
        .await;
        assert_eq!(all(&root, "h1").len(), 1);
        assert!(all(&root, "h2").len() >= 5);
        assert!(!all(&root, "ul li").is_empty());
        assert!(!all(&root, "code").is_empty());
        let kernel_links = all(&root, "a.kernel-link");
        assert!(!kernel_links.is_empty());
        for a in kernel_links {
            let href = attr(&a, "href");
            assert!(
                href.starts_with("https://elixir.bootlin.com/linux/v2.6.24/"),
                "{href}"
            );
            assert_eq!(attr(&a, "rel"), "noopener");
            assert!(a.get_attribute("target").is_none(), "same tab");
        }
    }
}
