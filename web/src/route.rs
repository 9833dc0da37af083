//! The chapters' addresses: `#/why-highmem`, `#/paging`, one per chapter, made from the
//! chapter's file name without its number. An empty hash is the first chapter, so `/` opens
//! chapter 1. A hash without the `/` (`#lab`, `#the-direct-map`) is a place on the page, not
//! a route, and leaves the chapter as it is.

use crate::content::{Chapter, CHAPTERS};
use yew::prelude::*;

/// What the page shows.
#[derive(Clone, Debug)]
pub enum Route {
    /// A chapter.
    Chapter(&'static Chapter),
    /// The glossary of kernel names (`#/glossary`).
    Glossary,
    /// A route that names no chapter.
    NotFound(String),
}

impl PartialEq for Route {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Route::Chapter(a), Route::Chapter(b)) => a.slug == b.slug,
            (Route::NotFound(a), Route::NotFound(b)) => a == b,
            (Route::Glossary, Route::Glossary) => true,
            _ => false,
        }
    }
}

impl Route {
    /// The first chapter.
    pub fn first() -> Route {
        Route::Chapter(&CHAPTERS[0])
    }

    /// Reads a `location.hash`. `None` for a hash that is not a route.
    pub fn from_hash(hash: &str) -> Option<Route> {
        let h = hash.strip_prefix('#').unwrap_or(hash);
        // A permalink's parameters may follow the route (`#/pkmap?s=…`; see `permalink`).
        let h = h.split_once('?').map_or(h, |(route, _)| route);
        if h.is_empty() || h == "/" {
            return Some(Route::first());
        }
        let name = h.strip_prefix('/')?.trim_end_matches('/');
        if name == GLOSSARY {
            return Some(Route::Glossary);
        }
        Some(
            CHAPTERS
                .iter()
                .find(|c| route_name(c) == name)
                .map(Route::Chapter)
                .unwrap_or_else(|| Route::NotFound(name.to_string())),
        )
    }

    /// The chapter shown, if any.
    pub fn chapter(&self) -> Option<&'static Chapter> {
        match self {
            Route::Chapter(c) => Some(c),
            Route::Glossary | Route::NotFound(_) => None,
        }
    }
}

/// The glossary's route name.
pub const GLOSSARY: &str = "glossary";

/// A chapter's route name: its slug without the number (`01-why-highmem` → `why-highmem`).
pub fn route_name(c: &Chapter) -> &'static str {
    match c.slug.split_once('-') {
        Some((n, rest)) if n.chars().all(|ch| ch.is_ascii_digit()) => rest,
        _ => c.slug,
    }
}

/// A chapter's URL, relative to the page.
pub fn href(c: &Chapter) -> String {
    format!("#/{}", route_name(c))
}

fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The route in the address bar, updated when it changes (a link, Back, a typed URL).
#[hook]
pub fn use_route() -> Route {
    let route = use_state(|| Route::from_hash(&current_hash()).unwrap_or_else(Route::first));
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            use wasm_bindgen::closure::Closure;
            use wasm_bindgen::JsCast;
            let window = web_sys::window();
            let closure = Closure::<dyn Fn(web_sys::Event)>::new(move |_: web_sys::Event| {
                if let Some(r) = Route::from_hash(&current_hash()) {
                    route.set(r);
                }
            });
            if let Some(w) = &window {
                let _ = w.add_event_listener_with_callback(
                    "hashchange",
                    closure.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(w) = &window {
                    let _ = w.remove_event_listener_with_callback(
                        "hashchange",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                drop(closure);
            }
        });
    }
    (*route).clone()
}

/// Scrolls to the element with this id and gives it focus if it can take it, without
/// touching the URL (whose hash is the route).
pub fn go_to(id: &str) {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    el.scroll_into_view();
    if let Ok(h) = el.dyn_into::<web_sys::HtmlElement>() {
        if h.tab_index() < 0 && h.get_attribute("tabindex").is_none() {
            h.set_tab_index(-1);
        }
        let _ = h.focus();
    }
}

/// An in-page link's click: go to the target without changing the route.
pub fn in_page(id: &'static str) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        go_to(id);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn hashes_name_chapters() {
        assert_eq!(Route::from_hash(""), Some(Route::first()));
        assert_eq!(Route::from_hash("#"), Some(Route::first()));
        assert_eq!(Route::from_hash("#/"), Some(Route::first()));
        let one = Route::from_hash("#/why-highmem").unwrap();
        assert_eq!(one.chapter().unwrap().slug, "01-why-highmem");
        let two = Route::from_hash("#/paging/").unwrap();
        assert_eq!(two.chapter().unwrap().slug, "02-paging");
        assert_eq!(
            Route::from_hash("#/nope"),
            Some(Route::NotFound("nope".into()))
        );
        assert_eq!(Route::from_hash("#lab"), None, "an anchor, not a route");
        assert_eq!(Route::from_hash("#/glossary"), Some(Route::Glossary));
        assert_eq!(Route::Glossary.chapter(), None);
        let linked = Route::from_hash("#/pkmap?v=1&s=machine").unwrap();
        assert_eq!(linked.chapter().unwrap().slug, "03-pkmap");
        assert_eq!(Route::from_hash("#?v=1"), Some(Route::first()));
        for c in CHAPTERS {
            assert_eq!(
                Route::from_hash(&href(c)).unwrap().chapter().unwrap().slug,
                c.slug
            );
        }
    }
}
