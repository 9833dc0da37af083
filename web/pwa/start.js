// Starts the app: loads the JavaScript glue wasm-bindgen generated, which instantiates the
// wasm module and runs its `main`. This replaces Trunk's inline loader, which the site's
// Content-Security-Policy (`script-src 'self'`) would refuse: Trunk.toml's `pattern_script`
// emits `<script type="module" src="start.js" data-js="…" data-wasm="…">` instead, with the
// names of this build's hashed files. This file itself is the same for every build.

const tag = document.querySelector('script[data-js][data-wasm]');
const here = (name) => new URL(name, document.baseURI).href;
const bindings = await import(here(tag.dataset.js));
const wasm = await bindings.default({ module_or_path: here(tag.dataset.wasm) });

// What Trunk's own loader does next: the tests wait for `wasmBindings`.
window.wasmBindings = bindings;
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
