//! "Share this state": the permalink of the page's state (with a copy button, and the link in
//! a text field to select by hand where the clipboard is out of reach), the ops a link left
//! to redo, and the "Embed this" dialog that writes the iframe and `<highmem-lab>` snippets
//! for a course page.

use crate::embed::{check_origin, View};
use yew::prelude::*;

/// Props of [`Share`].
#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// The link's parameters ([`crate::permalink::state_params`]), or why there is no link.
    pub params: Result<AttrValue, AttrValue>,
    /// The chapter's route name (`pkmap`).
    pub chapter: AttrValue,
    /// How many ops a link left to redo.
    pub pending: usize,
    /// "Run the next" was pressed.
    pub on_redo: Callback<()>,
}

/// The page's address without query or hash, and its folder.
fn base() -> (String, String) {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return (String::new(), String::new());
    };
    let page = format!(
        "{}{}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default()
    );
    let dir = match page.rfind('/') {
        Some(i) => page[..=i].to_string(),
        None => page.clone(),
    };
    (page, dir)
}

/// Text for an HTML attribute value in a snippet the reader copies (never put in our DOM as
/// markup).
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The snippets for a view: the iframe and the custom element.
pub fn snippets(
    page: &str,
    dir: &str,
    view: View,
    origins: &[String],
    params: &str,
) -> (String, String) {
    let mut src = format!("{page}?embed=1&view={}", view.name());
    if !origins.is_empty() {
        src.push_str(&format!("&origins={}", origins.join(",")));
    }
    src.push('&');
    src.push_str(params);
    let iframe = format!(
        "<iframe src=\"{}\" title=\"Highmem Lab: {}\" width=\"100%\" height=\"520\" style=\"border:0\" loading=\"lazy\"></iframe>",
        attr(&src),
        attr(view.title())
    );
    let element = format!(
        "<script src=\"{}highmem-lab.js\" defer></script>\n<highmem-lab view=\"{}\" params=\"{}\"></highmem-lab>",
        attr(dir),
        view.name(),
        attr(params)
    );
    (iframe, element)
}

/// Copies text to the clipboard; `done` hears whether it worked.
fn copy_text(text: &str, done: Callback<bool>) {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    // Through Reflect, so that a browser without `navigator.clipboard` (an insecure page)
    // gets the fallback rather than an exception.
    let attempt = || -> Option<(JsValue, Function)> {
        let window: JsValue = web_sys::window()?.into();
        let nav = Reflect::get(&window, &"navigator".into()).ok()?;
        let clip = Reflect::get(&nav, &"clipboard".into()).ok()?;
        if clip.is_undefined() || clip.is_null() {
            return None;
        }
        let write: Function = Reflect::get(&clip, &"writeText".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let promise = write.call1(&clip, &text.into()).ok()?;
        let then: Function = Reflect::get(&promise, &"then".into())
            .ok()?
            .dyn_into()
            .ok()?;
        Some((promise, then))
    };
    match attempt() {
        Some((promise, then)) => {
            let ok = done.clone();
            let ok = Closure::once_into_js(move |_: JsValue| ok.emit(true));
            let fail = Closure::once_into_js(move |_: JsValue| done.emit(false));
            let _ = then.call2(&promise, &ok, &fail);
        }
        None => done.emit(false),
    }
}

/// Selects a text field's content when it gets focus, so it can be copied by hand.
fn select_on_focus() -> Callback<FocusEvent> {
    Callback::from(|e: FocusEvent| {
        use wasm_bindgen::JsCast;
        if let Some(t) = e.target() {
            if let Ok(i) = t.clone().dyn_into::<web_sys::HtmlInputElement>() {
                i.select();
            } else if let Ok(a) = t.dyn_into::<web_sys::HtmlTextAreaElement>() {
                a.select();
            }
        }
    })
}

/// The share card.
#[component]
pub fn Share(props: &ShareProps) -> Html {
    let status = use_state(String::new);
    let dialog = use_node_ref();
    let opener = use_node_ref();
    let view = use_state(|| View::of_chapter(&props.chapter));
    let origins_text = use_state(String::new);
    let dialog_status = use_state(String::new);
    let (page, dir) = base();

    let link = props
        .params
        .as_ref()
        .ok()
        .map(|p| format!("{page}#/{}?{p}", props.chapter));
    let on_copy = {
        let (status, link) = (status.clone(), link.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(link) = link.clone() else { return };
            let status = status.clone();
            copy_text(
                &link,
                Callback::from(move |ok: bool| {
                    status.set(if ok {
                        "Link copied.".into()
                    } else {
                        "Could not copy: select the link in the box and copy it.".into()
                    })
                }),
            );
        })
    };
    let on_open = {
        let (dialog, view, chapter, dialog_status) = (
            dialog.clone(),
            view.clone(),
            props.chapter.clone(),
            dialog_status.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            view.set(View::of_chapter(&chapter));
            dialog_status.set(String::new());
            if let Some(d) = dialog.cast::<web_sys::HtmlDialogElement>() {
                let _ = d.show_modal();
            }
        })
    };
    let on_close_button = {
        let dialog = dialog.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(d) = dialog.cast::<web_sys::HtmlDialogElement>() {
                d.close();
            }
        })
    };
    // However the dialog closes (its button, Escape), focus goes back to the opener.
    let on_closed = {
        let opener = opener.clone();
        Callback::from(move |_: Event| {
            if let Some(b) = opener.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        })
    };
    let on_view = {
        let view = view.clone();
        Callback::from(move |e: Event| {
            use wasm_bindgen::JsCast;
            if let Some(s) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
            {
                if let Some(v) = View::parse(&s.value()) {
                    view.set(v);
                }
            }
        })
    };
    let on_origins = {
        let origins_text = origins_text.clone();
        Callback::from(move |e: InputEvent| {
            use wasm_bindgen::JsCast;
            if let Some(i) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                origins_text.set(i.value());
            }
        })
    };
    let (origins, origins_error) = {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for o in origins_text.split([',', ' ']).filter(|o| !o.is_empty()) {
            match check_origin(o) {
                Some(ok) => good.push(ok),
                None => bad.push(o.chars().take(60).collect::<String>()),
            }
        }
        let error = (!bad.is_empty()).then(|| {
            format!(
                "Not an origin (like https://course.example): {}. It is left out of the snippet.",
                bad.join(", ")
            )
        });
        (good, error)
    };
    let (iframe, element) = match &props.params {
        Ok(p) => snippets(&page, &dir, *view, &origins, p),
        Err(_) => Default::default(),
    };
    let copy_snippet = |text: String| {
        let dialog_status = dialog_status.clone();
        Callback::from(move |_: MouseEvent| {
            let s = dialog_status.clone();
            copy_text(
                &text,
                Callback::from(move |ok: bool| {
                    s.set(if ok {
                        "Copied.".into()
                    } else {
                        "Could not copy: select the text and copy it.".into()
                    })
                }),
            );
        })
    };
    let on_redo = {
        let cb = props.on_redo.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };

    html! {
        <section class="card share" id="share" aria-labelledby="share-title">
            <h2 id="share-title" class="card-title">{ "Share this state" }</h2>
            <p class="card-lede">
                { "The link carries the machine, the operations run on it and the step reached, \
                   as a scenario script; opening it rebuilds exactly this." }
            </p>
            if let Some(link) = link {
                <div class="share-row">
                    <label for="share-link" class="visually-hidden">{ "Link to this state" }</label>
                    <input id="share-link" class="share-link" type="text" readonly=true value={link}
                           onfocus={select_on_focus()} />
                    <div class="button-row">
                        <button id="copy-link" type="button" class="button primary" onclick={on_copy}>{ "Copy link" }</button>
                        <button id="embed-this" type="button" class="button" ref={opener} onclick={on_open}
                                aria-haspopup="dialog">{ "Embed this…" }</button>
                    </div>
                </div>
                <p id="share-status" class="share-status" role="status">{ (*status).clone() }</p>
            } else if let Err(why) = &props.params {
                <p id="share-unavailable" class="share-unavailable">{ format!("No link: {why}.") }</p>
            }
            if props.pending > 0 {
                <p class="share-pending" id="share-pending">
                    { format!("The link holds {} not yet run. ", crate::lab::ops_count(props.pending)) }
                    <button id="redo-linked" type="button" class="button small" onclick={on_redo}>{ "Run the next" }</button>
                </p>
            }
            <dialog id="embed-dialog" class="embed-dialog" ref={dialog} aria-labelledby="embed-dialog-title"
                    onclose={on_closed}>
                <h2 id="embed-dialog-title" class="card-title">{ "Embed this in a course page" }</h2>
                <p>
                    { "One view, with this machine and history, for an iframe or the " }
                    <code>{ "<highmem-lab>" }</code>
                    { " element. A host page listed under origins may drive it by postMessage (see docs/EMBEDDING.md)." }
                </p>
                <div class="embed-fields">
                    <label for="embed-view">{ "View" }</label>
                    <select id="embed-view" onchange={on_view}>
                        { for View::ALL.into_iter().map(|v| html! {
                            <option value={v.name()} selected={v == *view}>{ format!("{} ({})", v.title(), v.name()) }</option>
                        }) }
                    </select>
                    <label for="embed-origins">{ "Origins of the pages allowed to drive it (optional)" }</label>
                    <input id="embed-origins" type="text" placeholder="https://course.example"
                           value={(*origins_text).clone()} oninput={on_origins}
                           aria-describedby="embed-origins-error" />
                    <p id="embed-origins-error" class="error">{ origins_error.unwrap_or_default() }</p>
                </div>
                <label for="embed-iframe">{ "An iframe" }</label>
                <textarea id="embed-iframe" class="snippet" readonly=true rows="4" value={iframe.clone()}
                          onfocus={select_on_focus()} />
                <div class="button-row">
                    <button id="copy-iframe" type="button" class="button small" onclick={copy_snippet(iframe)}>{ "Copy the iframe" }</button>
                </div>
                <label for="embed-element">{ "Or the custom element (the script sizes it to fit)" }</label>
                <textarea id="embed-element" class="snippet" readonly=true rows="4" value={element.clone()}
                          onfocus={select_on_focus()} />
                <div class="button-row">
                    <button id="copy-element" type="button" class="button small" onclick={copy_snippet(element)}>{ "Copy the element" }</button>
                </div>
                <p id="embed-status" class="share-status" role="status">{ (*dialog_status).clone() }</p>
                <div class="button-row">
                    <button id="embed-close" type="button" class="button" onclick={on_close_button}>{ "Close" }</button>
                </div>
            </dialog>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn snippets_escape_what_they_quote() {
        let (iframe, element) = snippets(
            "https://lab.example/index.html",
            "https://lab.example/",
            View::Pkmap,
            &["https://course.example".to_string()],
            "v=1&s=machine+profile=6.1+ram=2G%22%3E",
        );
        assert_eq!(
            iframe,
            "<iframe src=\"https://lab.example/index.html?embed=1&amp;view=pkmap&amp;origins=https://course.example&amp;v=1&amp;s=machine+profile=6.1+ram=2G%22%3E\" title=\"Highmem Lab: The pkmap window\" width=\"100%\" height=\"520\" style=\"border:0\" loading=\"lazy\"></iframe>"
        );
        assert!(element.starts_with("<script src=\"https://lab.example/highmem-lab.js\" defer></script>\n<highmem-lab view=\"pkmap\" params=\"v=1&amp;s="));
        assert_eq!(attr("\"<&>"), "&quot;&lt;&amp;&gt;");
    }
}
