//! A chapter, rendered from the data `build.rs` compiled out of its Markdown, with its live
//! values filled in from the current layout and machine, its `try:` links as buttons that run
//! a scenario, and links to the chapters before and after it.

use super::Shared;
use crate::content::{self, href, live_value, Block, Inline, Live, Target, CHAPTERS};
use crate::route::{self, in_page};
use highmem_engine::cpu::CpuModel;
use highmem_engine::layout::Layout;
use highmem_engine::machine::Machine;
use std::cell::Cell;
use yew::prelude::*;

/// Props of [`ChapterView`].
#[derive(Properties, PartialEq)]
pub struct ChapterViewProps {
    /// The chapter's slug, e.g. `01-why-highmem`.
    pub slug: AttrValue,
    /// The layout the live values and kernel links follow.
    pub layout: Shared<Layout>,
    /// The machine the machine's live values come from, or why it does not boot.
    #[prop_or_else(|| Err("no machine".to_string()))]
    pub machine: Result<Shared<Machine>, String>,
    /// The CPU model in force (`None`: the kernel's default).
    #[prop_or_default]
    pub cpu: Option<CpuModel>,
    /// A `try:` button was pressed: run that scenario.
    #[prop_or_default]
    pub on_try: Callback<&'static str>,
}

/// What rendering needs besides the text.
struct Ctx<'a> {
    layout: &'a Layout,
    live: Live<'a>,
    on_try: &'a Callback<&'static str>,
    /// Inside a link or button: a glossary name there gets no focus stop of its own.
    in_link: Cell<bool>,
    /// Numbers the glossary tooltips, for their ids.
    glosses: Cell<usize>,
}

/// The chapter text.
#[component]
pub fn ChapterView(props: &ChapterViewProps) -> Html {
    let Some(chapter) = content::chapter(&props.slug) else {
        return html! { <p class="missing">{ format!("No chapter {}.", props.slug) }</p> };
    };
    let kicker = chapter.number().map(|n| format!("Chapter {n}"));
    let layout: &Layout = &props.layout;
    let cpu = props
        .cpu
        .unwrap_or(layout.resolved.profile.profile().boot.default_cpu);
    let machine = props
        .machine
        .as_ref()
        .map(|m| &*m.0)
        .map_err(|e| e.as_str());
    let ctx = Ctx {
        layout,
        live: Live::new(layout, cpu, machine),
        on_try: &props.on_try,
        in_link: Cell::new(false),
        glosses: Cell::new(0),
    };
    let at = CHAPTERS.iter().position(|c| c.slug == chapter.slug);
    let prev = at
        .and_then(|i| i.checked_sub(1))
        .and_then(|i| CHAPTERS.get(i));
    let next = at.and_then(|i| CHAPTERS.get(i + 1));
    let link = |c: &'static content::Chapter, rel: &'static str, label: &'static str| {
        let n = c.number().map(|n| format!("{n}. ")).unwrap_or_default();
        html! {
            <a class={classes!("chapter-link", rel)} href={route::href(c)} rel={rel}>
                <span class="chapter-link-dir">{ label }</span>
                <span class="chapter-link-title">{ format!("{n}{}", c.title) }</span>
            </a>
        }
    };
    html! {
        <>
            <p class="kicker">
                { kicker.unwrap_or_default() }
                <a class="to-lab" href="#lab" onclick={in_page("lab")}>{ "Live views ↓" }</a>
            </p>
            { blocks(chapter.blocks, &ctx) }
            if prev.is_some() || next.is_some() {
                <nav class="chapter-nav" aria-label="Previous and next chapter">
                    if let Some(c) = prev { { link(c, "prev", "← Previous") } }
                    if let Some(c) = next { { link(c, "next", "Next →") } }
                </nav>
            }
        </>
    }
}

fn blocks(list: &'static [Block], ctx: &Ctx) -> Html {
    list.iter().map(|b| block(b, ctx)).collect()
}

fn block(b: &'static Block, ctx: &Ctx) -> Html {
    match b {
        Block::Heading { level, id, inlines } => {
            let content = spans(inlines, ctx);
            let id = *id;
            match level {
                // The title takes focus when the reader moves to another chapter.
                1 => html! { <h1 {id} tabindex="-1">{ content }</h1> },
                2 => html! { <h2 {id}>{ content }</h2> },
                3 => html! { <h3 {id}>{ content }</h3> },
                4 => html! { <h4 {id}>{ content }</h4> },
                5 => html! { <h5 {id}>{ content }</h5> },
                _ => html! { <h6 {id}>{ content }</h6> },
            }
        }
        Block::Paragraph(inlines) => html! { <p>{ spans(inlines, ctx) }</p> },
        Block::Plain(inlines) => spans(inlines, ctx),
        Block::Code { lang, code } => {
            let class = (!lang.is_empty()).then(|| format!("language-{lang}"));
            html! { <pre class="code" tabindex="0"><code {class}>{ *code }</code></pre> }
        }
        Block::List { start, items } => {
            let items: Html = items
                .iter()
                .map(|item| html! { <li>{ blocks(item, ctx) }</li> })
                .collect();
            match start {
                Some(n) => html! { <ol start={n.to_string()}>{ items }</ol> },
                None => html! { <ul>{ items }</ul> },
            }
        }
        Block::Quote(inner) => html! { <aside class="note">{ blocks(inner, ctx) }</aside> },
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
                                html! { <th scope="col">{ spans(c, ctx) }</th> }
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.iter().map(|row| html! {
                            <tr>
                                { for row.iter().map(|c| html! { <td>{ spans(c, ctx) }</td> }) }
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

fn spans(list: &'static [Inline], ctx: &Ctx) -> Html {
    list.iter().map(|i| inline(i, ctx)).collect()
}

/// The content of a link or button.
fn linked(list: &'static [Inline], ctx: &Ctx) -> Html {
    let outer = ctx.in_link.replace(true);
    let html = spans(list, ctx);
    ctx.in_link.set(outer);
    html
}

/// The id of the next glossary tooltip on the page.
fn next_gloss_id(ctx: &Ctx) -> String {
    let n = ctx.glosses.get();
    ctx.glosses.set(n + 1);
    format!("gloss-tip-{n}")
}

/// Escape takes the focus away from a glossary name, and so hides its tooltip.
fn blur_on_escape() -> Callback<KeyboardEvent> {
    Callback::from(|e: KeyboardEvent| {
        if e.key() == "Escape" {
            if let Some(el) = e
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
            {
                let _ = el.blur();
            }
        }
    })
}

/// A kernel name the glossary defines: focusable, with its definition as a tooltip shown on
/// hover and focus (Escape hides it again) and linked to it by `aria-describedby`.
fn gloss(code: &'static str, term: &'static crate::glossary::Term, ctx: &Ctx) -> Html {
    let id = next_gloss_id(ctx);
    let onkeydown = blur_on_escape();
    html! {
        <span class="gloss">
            <code class="gloss-term" tabindex="0" aria-describedby={id.clone()} data-term={term.name}
                  {onkeydown}>{ code }</code>
            <span class="gloss-tip" role="tooltip" {id}>
                <strong>{ term.name }</strong>{ ": " }{ term.definition }
            </span>
        </span>
    }
}

fn inline(i: &'static Inline, ctx: &Ctx) -> Html {
    let layout = ctx.layout;
    match i {
        Inline::Text(t) => html! { { *t } },
        Inline::Emphasis(v) => html! { <em>{ spans(v, ctx) }</em> },
        Inline::Strong(v) => html! { <strong>{ spans(v, ctx) }</strong> },
        Inline::Code(c) => match crate::glossary::lookup(c) {
            Some(term) if !ctx.in_link.get() => gloss(c, term, ctx),
            _ => html! { <code>{ *c }</code> },
        },
        Inline::CodeWith(v) => html! { <code>{ spans(v, ctx) }</code> },
        Inline::Link {
            target: Target::Try(id),
            inlines,
        } => {
            let id: &'static str = id;
            let onclick = ctx.on_try.reform(move |_: MouseEvent| id);
            let title =
                crate::scenarios::find(id).map(|s| format!("Runs “{}” in the live views", s.title));
            let content = linked(inlines, ctx);
            html! {
                <button type="button" class="try-link" data-try={id} {onclick} {title}>
                    <span class="try-mark" aria-hidden="true">{ "▶ " }</span>
                    { content }
                </button>
            }
        }
        Inline::Link {
            target: Target::Anchor(anchor),
            inlines,
        } => {
            let anchor: &'static str = anchor;
            html! {
                <a href={format!("#{anchor}")} onclick={in_page(anchor)}>{ linked(inlines, ctx) }</a>
            }
        }
        Inline::Link { target, inlines } => {
            let href = href(layout, target);
            let class = match target {
                Target::Anchor(_) | Target::Try(_) => None,
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
            // A link whose text is a glossary name (`[`kmap()`](ident:kmap)`): the link keeps
            // its place in the tab order and describes itself with the name's definition.
            let term = match inlines {
                [Inline::Code(c)] if matches!(target, Target::Ident(_) | Target::Source(_)) => {
                    crate::glossary::lookup(c)
                }
                _ => None,
            };
            match term {
                Some(term) => {
                    let id = next_gloss_id(ctx);
                    let source = title.unwrap_or_default();
                    html! {
                        <span class="gloss">
                            <a {href} {class} {rel} aria-describedby={id.clone()} data-term={term.name}
                               onkeydown={blur_on_escape()}>{ linked(inlines, ctx) }</a>
                            <span class="gloss-tip" role="tooltip" {id}>
                                <strong>{ term.name }</strong>{ ": " }{ term.definition }
                                <span class="gloss-source">{ format!(" The link opens {source}.") }</span>
                            </span>
                        </span>
                    }
                }
                None => html! { <a {href} {class} {rel} {title}>{ linked(inlines, ctx) }</a> },
            }
        }
        Inline::Live(name) => match live_value(&ctx.live, name) {
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
            machine: Err("no machine".into()),
            cpu: None,
            on_try: Callback::noop(),
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
            machine: Err("no machine".into()),
            cpu: None,
            on_try: Callback::noop(),
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

    #[test]
    async fn chapter_two_reads_the_machine_and_its_try_buttons_run_scenarios() {
        use highmem_engine::machine::MachineConfig;
        use std::cell::RefCell;
        let l = layout(ProfileId::V6_1, 2 << 30);
        let m = Machine::new(MachineConfig {
            cpus: 2,
            ..MachineConfig::new(ProfileId::V6_1, E820Map::qemu_pc(2 << 30).unwrap())
        })
        .unwrap();
        let ran = Rc::new(RefCell::new(Vec::new()));
        let on_try = {
            let ran = ran.clone();
            Callback::from(move |id: &'static str| ran.borrow_mut().push(id))
        };
        let root = render::<ChapterView>(ChapterViewProps {
            slug: "02-paging".into(),
            layout: l,
            machine: Ok(Shared(Rc::new(m))),
            cpu: None,
            on_try,
        })
        .await;
        let value = |name: &str| {
            all(&root, &format!("[data-live=\"{name}\"]"))
                .first()
                .map(|e| e.text_content().unwrap())
        };
        assert_eq!(value("CPUS").as_deref(), Some("2"));
        assert_eq!(value("CPU").as_deref(), Some("Skylake"));
        assert_eq!(value("DIRECTMAP_4K").as_deref(), Some("10232 kB"));
        assert_eq!(value("ADDRESS_SPLIT").as_deref(), Some("2 + 9 + 9 + 12"));
        assert!(all(&root, ".live-missing").is_empty());
        let buttons = all(&root, "button.try-link");
        assert!(buttons.len() >= 4);
        for b in &buttons {
            let id = attr(b, "data-try");
            assert!(crate::scenarios::find(&id).is_some(), "{id}");
            wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(b)
                .unwrap()
                .click();
        }
        assert_eq!(ran.borrow().len(), buttons.len());
        assert_eq!(ran.borrow()[0], attr(&buttons[0], "data-try"));
        // The last chapter links back to the first.
        let prev = root
            .query_selector(".chapter-nav a[rel=\"prev\"]")
            .unwrap()
            .unwrap();
        assert_eq!(attr(&prev, "href"), "#/why-highmem");
    }
}
