//! "Export a view as SVG", for slides: every card of the live views can be saved as a
//! standalone SVG file. A card whose figure is an SVG (the address space, the call graphs…)
//! exports that figure with the page's computed colours, strokes and fonts written into it, so
//! it looks the same without the stylesheet; a card that is HTML (tables, grids) is exported
//! as an SVG that wraps a styled copy of it (`foreignObject`), which browsers and vector
//! editors that understand HTML in SVG display as on the page.
//!
//! The list of cards is read from the page when the panel opens, so it is always the cards of
//! the chapter shown, whatever their number.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

/// SVG presentation properties copied from the computed style of each element of a figure.
const SVG_PROPS: &[&str] = &[
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "visibility",
    "display",
];

/// CSS properties copied into an HTML card's copy.
const HTML_PROPS: &[&str] = &[
    "display",
    "box-sizing",
    "width",
    "margin",
    "padding",
    "border",
    "border-radius",
    "border-collapse",
    "background-color",
    "color",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "line-height",
    "text-align",
    "vertical-align",
    "white-space",
    "grid-template-columns",
    "gap",
    "flex-direction",
    "flex-wrap",
    "align-items",
    "justify-content",
    "visibility",
];

/// A card that can be exported: its title's id and text.
#[derive(Clone, Debug, PartialEq)]
struct CardRef {
    title_id: String,
    title: String,
}

/// The cards of the live views now on the page.
fn cards() -> Vec<CardRef> {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let Ok(list) = doc.query_selector_all("#lab section.card > h2.card-title[id]") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .map(|h| CardRef {
            title_id: h.id(),
            title: h.text_content().unwrap_or_default().trim().to_string(),
        })
        .filter(|c| !c.title.is_empty())
        .collect()
}

/// Props of [`ExportSvg`].
#[derive(Properties, PartialEq)]
pub struct ExportSvgProps {}

/// The export panel.
#[component]
pub fn ExportSvg(_: &ExportSvgProps) -> Html {
    let list = use_state(Vec::<CardRef>::new);
    let status = use_state(String::new);
    let on_toggle = {
        let list = list.clone();
        Callback::from(move |_: Event| list.set(cards()))
    };
    html! {
        <details class="card export-svg" id="export-svg" ontoggle={on_toggle}>
            <summary class="card-title">{ "Export a view as SVG" }</summary>
            <p class="card-lede">
                { "For slides: save any of the views above as an SVG file, as it is now, in \
                   the current colour scheme." }
            </p>
            <ul class="export-list">
                { for list.iter().map(|c| {
                    let id = c.title_id.clone();
                    let title = c.title.clone();
                    let status = status.clone();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        status.set(match export(&id) {
                            Ok(file) => format!("Saved “{title}” as {file}."),
                            Err(why) => format!("Could not export “{title}”: {why}"),
                        });
                    });
                    html! {
                        <li>
                            <button type="button" class="link-button" data-export={c.title_id.clone()} {onclick}>
                                { c.title.clone() }
                            </button>
                        </li>
                    }
                }) }
            </ul>
            <p class="export-status" role="status">{ (*status).clone() }</p>
        </details>
    }
}

/// Exports the card whose title has this id; the file name.
fn export(title_id: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let doc = window.document().ok_or("no document")?;
    let title = doc
        .get_element_by_id(title_id)
        .ok_or("the view is no longer on the page")?;
    let card = title
        .closest("section.card")
        .ok()
        .flatten()
        .ok_or("the view has no card")?;
    let name = title.text_content().unwrap_or_default().trim().to_string();
    let text = match main_figure(&card) {
        Some(svg) => figure_svg(&window, &svg, &name)?,
        None => html_svg(&window, &card, &name)?,
    };
    let file = format!("highmem-lab-{}.svg", title_id.trim_end_matches("-title"));
    download(&doc, &text, &file)?;
    Ok(file)
}

/// The card's largest SVG, if it is a real figure (not an icon).
fn main_figure(card: &Element) -> Option<Element> {
    let list = card.query_selector_all("svg").ok()?;
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .map(|e| {
            let r = e.get_bounding_client_rect();
            (r.width() * r.height(), e)
        })
        .filter(|(area, _)| *area >= 40.0 * 40.0)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, e)| e)
}

/// Copies `props` of the computed style of every element under `from` (itself included) into
/// the `style` attribute of the same element under `to`, a deep clone of it.
fn inline_styles(window: &web_sys::Window, from: &Element, to: &Element, props: &[&str]) {
    let pairs = |root: &Element| -> Vec<Element> {
        let mut v = vec![root.clone()];
        if let Ok(list) = root.query_selector_all("*") {
            v.extend((0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()));
        }
        v
    };
    for (a, b) in pairs(from).iter().zip(pairs(to).iter()) {
        let Ok(Some(style)) = window.get_computed_style(a) else {
            continue;
        };
        let css: String = props
            .iter()
            .filter_map(|p| {
                let v = style.get_property_value(p).ok()?;
                (!v.is_empty()).then(|| format!("{p}:{v};"))
            })
            .collect();
        let _ = b.set_attribute("style", &css);
    }
}

fn figure_svg(window: &web_sys::Window, svg: &Element, name: &str) -> Result<String, String> {
    let copy = svg
        .clone_node_with_deep(true)
        .map_err(|_| "cannot copy the figure")?
        .dyn_into::<Element>()
        .map_err(|_| "cannot copy the figure")?;
    inline_styles(window, svg, &copy, SVG_PROPS);
    let r = svg.get_bounding_client_rect();
    let _ = copy.set_attribute("xmlns", "http://www.w3.org/2000/svg");
    if copy.get_attribute("width").is_none() {
        let _ = copy.set_attribute("width", &format!("{}", r.width().round()));
    }
    if copy.get_attribute("height").is_none() {
        let _ = copy.set_attribute("height", &format!("{}", r.height().round()));
    }
    let doc = window.document().ok_or("no document")?;
    add_title(&doc, &copy, name)?;
    serialize(&copy)
}

fn html_svg(window: &web_sys::Window, card: &Element, name: &str) -> Result<String, String> {
    let doc = window.document().ok_or("no document")?;
    let r = card.get_bounding_client_rect();
    let (w, h) = (r.width().ceil(), r.height().ceil());
    let copy = card
        .clone_node_with_deep(true)
        .map_err(|_| "cannot copy the view")?
        .dyn_into::<Element>()
        .map_err(|_| "cannot copy the view")?;
    inline_styles(window, card, &copy, HTML_PROPS);
    let _ = copy.set_attribute("xmlns", "http://www.w3.org/1999/xhtml");
    // Buttons and inputs do nothing in a picture.
    if let Ok(list) = copy.query_selector_all("button, input, select, textarea, details > summary")
    {
        for i in 0..list.length() {
            if let Some(el) = list.item(i).and_then(|n| n.dyn_into::<HtmlElement>().ok()) {
                let _ = el.set_attribute("tabindex", "-1");
            }
        }
    }
    const SVG: &str = "http://www.w3.org/2000/svg";
    let svg = doc
        .create_element_ns(Some(SVG), "svg")
        .map_err(|_| "cannot make an SVG")?;
    for (k, v) in [
        ("width", w.to_string()),
        ("height", h.to_string()),
        ("viewBox", format!("0 0 {w} {h}")),
    ] {
        let _ = svg.set_attribute(k, &v);
    }
    add_title(&doc, &svg, name)?;
    let fo = doc
        .create_element_ns(Some(SVG), "foreignObject")
        .map_err(|_| "cannot make an SVG")?;
    for (k, v) in [("width", w.to_string()), ("height", h.to_string())] {
        let _ = fo.set_attribute(k, &v);
    }
    fo.append_child(&copy).map_err(|_| "cannot make an SVG")?;
    svg.append_child(&fo).map_err(|_| "cannot make an SVG")?;
    serialize(&svg)
}

fn add_title(doc: &web_sys::Document, svg: &Element, name: &str) -> Result<(), String> {
    let t = doc
        .create_element_ns(Some("http://www.w3.org/2000/svg"), "title")
        .map_err(|_| "cannot make an SVG title")?;
    t.set_text_content(Some(&format!("{name} · Highmem Lab")));
    svg.insert_before(&t, svg.first_child().as_ref())
        .map_err(|_| "cannot make an SVG title")?;
    Ok(())
}

fn serialize(svg: &Element) -> Result<String, String> {
    let s = web_sys::XmlSerializer::new()
        .map_err(|_| "no XML serializer")?
        .serialize_to_string(svg)
        .map_err(|_| "cannot write the SVG")?;
    Ok(format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{s}\n"))
}

fn download(doc: &web_sys::Document, text: &str, file: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("image/svg+xml");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts)
        .map_err(|_| "cannot make the file")?;
    let url =
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot make the file")?;
    let a = doc
        .create_element("a")
        .map_err(|_| "cannot save the file")?
        .dyn_into::<web_sys::HtmlAnchorElement>()
        .map_err(|_| "cannot save the file")?;
    a.set_href(&url);
    a.set_download(file);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
