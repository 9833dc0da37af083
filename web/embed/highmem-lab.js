// <highmem-lab>: one Highmem Lab view in a course page, without writing iframe markup.
//
//   <script src="https://lab.example/highmem-lab.js" defer></script>
//   <highmem-lab view="pkmap" script="machine profile=6.1 ram=2G cpus=1
//   task A cpu=0
//   kmap A pfn=0x50000"></highmem-lab>
//
// Attributes: view (required; docs/EMBEDDING.md lists the views), and the state either as
// script (a scenario script, line breaks and all) with an optional step, or as params (a
// permalink's parameters, `v=1&s=…&step=…`); src, the site's page, defaults to index.html
// beside this file; title, the iframe's accessible name.
//
// The element wraps an iframe of the site in embed mode, with this page's origin as the one
// allowed to talk to it, and sizes it to the view's height from the widget's messages. It
// also speaks the protocol for the page: el.run('kmap A pfn=0x50000'), el.setState({ script,
// step }), el.reset(), el.getState(); each returns a promise of the widget's reply (rejected
// with the widget's error message). It dispatches `highmem-lab-ready`, `highmem-lab-state`
// and `highmem-lab-error` events with the message as `detail`.
//
// A classic script (no module): it is loaded across origins without CORS. No eval, no inline
// style elements: the few styles are set through the CSSOM, which a strict CSP allows.
(() => {
  'use strict';
  const SOURCE = 'highmem-lab';
  const VERSION = 1;
  const HERE = document.currentScript?.src ?? document.baseURI;
  // The keys the element writes itself, taken out of `params`.
  const OWN = new Set(['embed', 'view', 'origins']);

  /** The link encoding of a script (web/src/permalink.rs, `encode`). */
  function encode(text) {
    let out = '';
    for (const b of new TextEncoder().encode(text)) {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-._=,:]/.test(c)) out += c;
      else if (c === ' ') out += '+';
      else if (c === '\n') out += '~';
      else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  }

  class HighmemLab extends HTMLElement {
    static get observedAttributes() {
      return ['view', 'script', 'step', 'params', 'src', 'title'];
    }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: 'open' });
      this._iframe = null;
      this._origin = null;
      this._next = 1;
      this._waiting = new Map();
      this._onMessage = (e) => this._message(e);
    }

    connectedCallback() {
      window.addEventListener('message', this._onMessage);
      this._build();
    }

    disconnectedCallback() {
      window.removeEventListener('message', this._onMessage);
      for (const { reject } of this._waiting.values()) reject(new Error('the element was removed'));
      this._waiting.clear();
    }

    attributeChangedCallback() {
      if (this.isConnected) this._build();
    }

    /** The iframe's address for the attributes. */
    _url() {
      const view = this.getAttribute('view') ?? '';
      const url = new URL(this.getAttribute('src') || 'index.html', HERE);
      const parts = ['embed=1', 'view=' + encodeURIComponent(view)];
      const origin = window.location.origin;
      if (/^https?:\/\//.test(origin)) parts.push('origins=' + encodeURIComponent(origin));
      const params = this.getAttribute('params');
      const script = this.getAttribute('script');
      if (params) {
        for (const pair of params.replace(/^[?#]/, '').split('&')) {
          const key = pair.split('=')[0];
          if (pair && !OWN.has(key)) parts.push(pair);
        }
      } else if (script) {
        parts.push('v=1', 's=' + encode(script.replace(/\r\n?/g, '\n').trim()));
        const step = this.getAttribute('step');
        if (step !== null && step !== '') parts.push('step=' + encodeURIComponent(step));
      }
      url.search = '?' + parts.join('&');
      url.hash = '';
      return url;
    }

    _build() {
      const url = this._url();
      if (!this._iframe) {
        this._iframe = document.createElement('iframe');
        this._iframe.style.display = 'block';
        this._iframe.style.width = '100%';
        this._iframe.style.border = '0';
        this._iframe.style.height = '480px';
        this._root.append(this._iframe);
        this.style.display = 'block';
      }
      this._iframe.title = this.getAttribute('title') || `Highmem Lab: ${this.getAttribute('view') ?? 'view'}`;
      this._origin = url.origin;
      if (this._iframe.src !== url.href) this._iframe.src = url.href;
    }

    _message(e) {
      if (!this._iframe || e.source !== this._iframe.contentWindow || e.origin !== this._origin) return;
      const d = e.data;
      if (!d || typeof d !== 'object') return;
      if (d.subject === 'lti.frameResize') {
        const h = Number(d.height);
        if (Number.isFinite(h) && h > 0 && h < 100000) this._iframe.style.height = `${Math.ceil(h)}px`;
        return;
      }
      if (d.source !== SOURCE || d.version !== VERSION) return;
      if (d.type === 'done' || d.type === 'error') {
        const w = this._waiting.get(d.id);
        if (w) {
          this._waiting.delete(d.id);
          if (d.type === 'done') w.resolve(d);
          else w.reject(new Error(String(d.message)));
        }
      }
      if (['ready', 'state', 'error'].includes(d.type)) {
        this.dispatchEvent(new CustomEvent(`highmem-lab-${d.type}`, { detail: d, bubbles: true }));
      }
    }

    /** Sends a request; resolves with the widget's `done`, rejects with its `error`. */
    request(type, fields = {}) {
      const win = this._iframe?.contentWindow;
      if (!win || !this._origin) return Promise.reject(new Error('not ready'));
      const id = `hl-${this._next++}`;
      return new Promise((resolve, reject) => {
        this._waiting.set(id, { resolve, reject });
        win.postMessage({ ...fields, source: SOURCE, version: VERSION, type, id }, this._origin);
      });
    }

    run(op) {
      return this.request('run', { op: String(op) });
    }

    setState(state) {
      return this.request('set-state', { state });
    }

    reset() {
      return this.request('reset');
    }

    getState() {
      return this.request('get-state').then((d) => d.state);
    }
  }

  if (!customElements.get('highmem-lab')) customElements.define('highmem-lab', HighmemLab);
})();
