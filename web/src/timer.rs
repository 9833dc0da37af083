//! A `setTimeout` that is cancelled when dropped: effects return it from their cleanup, so a
//! re-render or an unmount never leaves a stale timer behind.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// A pending timeout; dropping it cancels it.
pub struct Timeout {
    handle: i32,
    _closure: Closure<dyn FnMut()>,
}

impl Timeout {
    /// Calls `f` once after `ms` milliseconds (`None` outside a browser).
    pub fn new(ms: i32, f: impl FnOnce() + 'static) -> Option<Timeout> {
        let window = web_sys::window()?;
        let mut f = Some(f);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(f) = f.take() {
                f();
            }
        });
        let handle = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                ms,
            )
            .ok()?;
        Some(Timeout {
            handle,
            _closure: closure,
        })
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        if let Some(w) = web_sys::window() {
            w.clear_timeout_with_handle(self.handle);
        }
    }
}
