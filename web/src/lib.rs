//! Highmem Lab's web companion: the chapters beside live views of the engine.
//!
//! - [`state`]: the one reducer that owns the engine's inputs, the computed layout and the
//!   live machine ([`lab`]: its history, undo by replay, the last run);
//! - [`route`]: the chapters' hash URLs (`#/why-highmem`, `#/paging`, `#/pkmap`, `#/atomic`);
//! - [`permalink`]: the whole state in a link (the engine's script format), and back;
//!   [`embed`]: one view alone for an iframe, driven by a host page through `postMessage`;
//! - [`components`]: one file per view, each a pure rendering of what it is given;
//! - [`content`]: the chapters, compiled from Markdown by `build.rs`;
//! - [`scenarios`]: the "try it" op lists; [`random`]: the seeded random persistent-map ops;
//! - [`geometry`] and [`format`]: the arithmetic and wording the views share;
//! - [`timeline`], [`travel`] and [`seq`]: the history with undo, redo, jumps and long runs;
//!   [`persist`]: the state kept in `localStorage` across reloads.
//!
//! The engine is a plain Rust dependency: every control change runs `layout::compute` and
//! boots a `Machine` in the page, compiled to wasm with it.

pub mod app;
pub mod compare;
pub mod components;
pub mod content;
pub mod embed;
pub mod format;
pub mod geometry;
pub mod glossary;
pub mod hooks;
pub mod lab;
pub mod permalink;
pub mod persist;
pub mod questions;
pub mod random;
pub mod route;
pub mod scenarios;
pub mod seq;
pub mod shared;
pub mod state;
pub mod timeline;
pub mod timer;
pub mod travel;

/// Mounts the companion on the page's `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}

#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
