//! Hooks the views share.

use yew::prelude::*;

/// Whether a CSS media query matches, updated when it starts or stops matching (the window is
/// resized, the phone turned).
#[hook]
pub fn use_media_query(query: &'static str) -> bool {
    let matches = use_state(|| media_matches(query));
    {
        let matches = matches.clone();
        use_effect_with((), move |_| {
            let listener = watch(query, move |now| matches.set(now));
            move || drop(listener)
        });
    }
    *matches
}

fn media_matches(query: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.match_media(query).ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Calls `f` whenever the query's result changes, until the returned guard is dropped.
fn watch(query: &str, f: impl Fn(bool) + 'static) -> Option<MediaWatch> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let list = web_sys::window()?.match_media(query).ok().flatten()?;
    let closure = Closure::<dyn Fn(web_sys::MediaQueryListEvent)>::new(
        move |e: web_sys::MediaQueryListEvent| f(e.matches()),
    );
    list.set_onchange(Some(closure.as_ref().unchecked_ref()));
    Some(MediaWatch {
        list,
        _closure: closure,
    })
}

/// Detaches the listener when dropped.
struct MediaWatch {
    list: web_sys::MediaQueryList,
    _closure: wasm_bindgen::closure::Closure<dyn Fn(web_sys::MediaQueryListEvent)>,
}

impl Drop for MediaWatch {
    fn drop(&mut self) {
        self.list.set_onchange(None);
    }
}
