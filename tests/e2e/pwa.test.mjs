// The companion as people use it: installed from its manifest, offline through its service
// worker, replaced cleanly by a new build, and under a strict Content-Security-Policy.
//
// The service worker (dist/sw.js) is written by cargo xtask after the Trunk build, from
// web/pwa/sw.template.js: it precaches every file of the build, each with its SHA-256, in a
// cache named after a hash of them all. The update tests make a second build out of a copy of
// dist/ (a changed index.html, a new file) and write its sw.js with `xtask sw DIR`, exactly as
// the build does, without rebuilding the wasm.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  DIST_DIR,
  launchBrowser,
  newPage,
  runHmsim,
  runXtask,
  serveDist,
  waitForApp,
} from '../harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHAPTER_1 = 'Why high memory exists';

let browser;
let csp;
let tmp;

before(async () => {
  const index = await readFile(path.join(DIST_DIR, 'index.html'), 'utf8');
  csp = index.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1];
  assert.ok(csp, 'dist/index.html has a Content-Security-Policy meta tag');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'highmem-pwa-'));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** Serves `root` as `cargo xtask serve` does: with the policy also as a header. */
function serve(root = DIST_DIR, options = {}) {
  return serveDist(root, { ...options, headers: { 'Content-Security-Policy': csp } });
}

/** Every file of a built site but sw.js, relative and `/`-separated, sorted (as xtask lists). */
async function siteFiles(dir, rel = '') {
  const out = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const r = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await siteFiles(dir, r)));
    else if (r !== 'sw.js') out.push(r);
  }
  return out.sort();
}

const sha256 = (bytes) => `sha256-${createHash('sha256').update(bytes).digest('base64')}`;

/** The version and the precache list that xtask wrote into `dir`/sw.js. */
async function precacheOf(dir) {
  const sw = await readFile(path.join(dir, 'sw.js'), 'utf8');
  const version = sw.match(/^const VERSION = '([0-9a-f]+)';$/m)?.[1];
  assert.ok(version, `${dir}/sw.js has a VERSION`);
  const entries = [...sw.matchAll(/\{ url: '([^']+)', integrity: '([^']+)' \}/g)].map(([, url, integrity]) => ({
    url,
    integrity,
  }));
  return { version, entries };
}

/** The cache a build's worker fills, for a site served at `scope`. */
const cacheName = (version, scope) => `highmem-lab-${version} ${scope}`;

/** A copy of dist/ to change into another build. */
async function copyOfDist(name) {
  const dir = path.join(tmp, name);
  await cp(DIST_DIR, dir, { recursive: true });
  return dir;
}

/** Writes `dir`/sw.js the way the build does. */
async function writeServiceWorker(dir) {
  const { code, stdout, stderr } = await runXtask(['sw', dir]);
  assert.equal(code, 0, `xtask sw ${dir} failed: ${stderr}`);
  assert.match(stdout, /precaches \d+ files/);
}

/** A different build: a changed index.html and one file more; its own sw.js. */
async function makeBuild(name) {
  const dir = await copyOfDist(name);
  const index = path.join(dir, 'index.html');
  const html = await readFile(index, 'utf8');
  await writeFile(index, html.replace('<head>', `<head>\n    <meta name="highmem-build" content="${name}" />`));
  await writeFile(path.join(dir, 'build.txt'), `build ${name}\n`);
  await writeServiceWorker(dir);
  return dir;
}

/** Opens `url` in a fresh page that also records CSP violations, and waits for the app. */
async function open(url, options = {}) {
  const tab = await newPage(browser, options);
  await tab.page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} (${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber})`);
    });
  });
  await tab.page.goto(url, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

const cspViolations = (page) => page.evaluate(() => window.__cspViolations);

/** Waits until a service worker controls the page; its script URL. */
async function waitForControl(page) {
  // Bounded, so that a worker that never installs fails the test instead of hanging the run.
  const url = await page.evaluate(async () => {
    const control = (async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) =>
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }),
        );
      }
      return navigator.serviceWorker.controller.scriptURL;
    })();
    return Promise.race([control, new Promise((resolve) => setTimeout(() => resolve(null), 30000))]);
  });
  assert.ok(url, 'a service worker took control of the page within 30 s');
  return url;
}

/** The page's caches: name → the URLs in it, relative to `scope`, sorted. */
async function cachesOf(page, scope) {
  return page.evaluate(async (scope) => {
    const out = {};
    for (const name of await caches.keys()) {
      const requests = await (await caches.open(name)).keys();
      out[name] = requests.map((r) => (r.url.startsWith(scope) ? r.url.slice(scope.length) : r.url)).sort();
    }
    return out;
  }, scope);
}

/**
 * Waits until the page's only highmem-lab cache is `name` and an activated worker controls the
 * page. (Polled in the page: waitForFunction does not await an async predicate.) The bound
 * only keeps a broken worker from hanging the run.
 */
async function waitForOnlyCache(page, name) {
  const stuck = await page.evaluate(async (name) => {
    let names = [];
    for (let i = 0; i < 600; i++) {
      names = (await caches.keys()).filter((n) => n.startsWith('highmem-lab-'));
      const controller = navigator.serviceWorker.controller;
      if (names.length === 1 && names[0] === name && controller?.state === 'activated') return null;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { names, controller: navigator.serviceWorker.controller?.state ?? 'none' };
  }, name);
  assert.equal(stuck, null, `the page never had only the cache "${name}"`);
}

/** The chapters in the table of contents: { href, title }. */
async function chapters(page) {
  return page.$$eval('.toc a[data-chapter]', (links) =>
    links.map((a) => ({ href: a.getAttribute('href'), title: a.querySelector('.toc-title').textContent.trim() })),
  );
}

/** Follows every link of the table of contents in turn; each chapter must render. */
async function visitEveryChapter(page) {
  const list = await chapters(page);
  assert.ok(list.length >= 2, `the table of contents lists the chapters (${list.length})`);
  for (const { href, title } of list) {
    await page.click(`.toc a[href="${href}"]`);
    await page.waitForFunction((t) => document.querySelector('h1')?.textContent.trim() === t, title);
    assert.equal(new URL(page.url()).hash, href);
  }
  return list;
}

/** Chapter 1 computed its layout: the default machine's values are on the page. */
async function assertChapter1Computes(page, what) {
  await page.waitForFunction((t) => document.querySelector('h1')?.textContent.trim() === t, CHAPTER_1);
  assert.equal(await page.textContent('[data-live="LOWMEM_MB"]'), '879', `${what}: chapter 1's live values`);
  assert.equal(await page.textContent('[data-live="VMALLOC_START"]'), '0xf77fe000', what);
}

/** The width and height in a PNG's IHDR chunk. */
function pngSize(bytes) {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG signature');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

// ---------------------------------------------------------------------------------------------
// The manifest and the icons

test('the manifest is linked and valid, with the light theme and icons that load', async () => {
  const server = await serve();
  const tab = await open(server.url);
  try {
    const { page, context } = tab;
    assert.equal(await page.getAttribute('link[rel="manifest"]', 'href'), 'manifest.webmanifest', 'a relative URL');

    // Chromium's own reading of it.
    const cdp = await context.newCDPSession(page);
    const { url, errors, data } = await cdp.send('Page.getAppManifest');
    assert.equal(url, `${server.url}manifest.webmanifest`);
    assert.deepEqual(errors, [], 'Chromium finds no error in the manifest');
    const manifest = JSON.parse(data);
    assert.equal(manifest.name, 'Highmem Lab');
    assert.ok(manifest.short_name && manifest.short_name.length <= 12, 'a short name that fits under an icon');
    assert.equal(manifest.start_url, './');
    assert.equal(manifest.scope, './');
    assert.equal(manifest.display, 'standalone');

    // The colours are the stylesheet's light background, and so is the theme-color meta.
    const css = await readFile(path.join(ROOT, 'web', 'style.css'), 'utf8');
    const bg = css.match(/:root\s*\{[^}]*?--bg:\s*(#[0-9a-fA-F]{3,8})\s*;/)?.[1];
    assert.ok(bg, 'web/style.css sets --bg in :root');
    assert.equal(manifest.background_color.toLowerCase(), bg.toLowerCase());
    assert.equal(manifest.theme_color.toLowerCase(), bg.toLowerCase());
    const light = await page.getAttribute('meta[name="theme-color"][media="(prefers-color-scheme: light)"]', 'content');
    assert.equal(light?.toLowerCase(), bg.toLowerCase());

    // Icons: served with their declared type and size; 192 and 512 PNGs, and a maskable one.
    const kinds = new Set();
    for (const icon of manifest.icons) {
      const response = await fetch(new URL(icon.src, url));
      assert.equal(response.status, 200, icon.src);
      assert.equal(response.headers.get('content-type'), icon.type, `${icon.src}: Content-Type`);
      const bytes = Buffer.from(await response.arrayBuffer());
      if (icon.type === 'image/png') {
        assert.equal(pngSize(bytes), icon.sizes, `${icon.src}: the PNG is the size the manifest says`);
      } else {
        assert.equal(icon.type, 'image/svg+xml');
        assert.equal(icon.sizes, 'any');
        assert.match(bytes.toString('utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 512 512">/);
      }
      for (const purpose of (icon.purpose ?? 'any').split(' ')) kinds.add(`${icon.type} ${icon.sizes} ${purpose}`);
    }
    for (const kind of ['image/png 192x192 any', 'image/png 512x512 any', 'image/png 512x512 maskable']) {
      assert.ok(kinds.has(kind), `the manifest has an icon: ${kind}`);
    }

    // The page's own icons (favicon, touch icon) and every manifest icon load as images here.
    const hrefs = await page.$$eval('link[rel~="icon"], link[rel="apple-touch-icon"]', (ls) =>
      ls.map((l) => l.getAttribute('href')),
    );
    assert.ok(hrefs.includes('icons/icon.svg'), 'an SVG favicon, not data:,');
    const sizes = await page.evaluate(async (srcs) => {
      const out = {};
      for (const src of srcs) {
        const img = new Image();
        img.src = src;
        await img.decode();
        out[src] = img.naturalWidth;
      }
      return out;
    }, [...hrefs, ...manifest.icons.map((i) => i.src)]);
    for (const [src, width] of Object.entries(sizes)) assert.ok(width > 0, `${src} decodes`);

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
    await server.close();
  }
});

test('Chromium finds the site installable (and not once its manifest loses its icons)', async () => {
  const { chromium } = await import('playwright-core');
  const noIcons = await copyOfDist('no-icons');
  const manifestPath = path.join(noIcons, 'manifest.webmanifest');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  await writeFile(manifestPath, JSON.stringify({ ...manifest, icons: [] }));
  // A changed file is a new build: without its own sw.js the old list's integrity check would
  // (rightly) refuse the changed manifest and no worker would ever take control.
  await writeServiceWorker(noIcons);

  // Installability is not judged in incognito contexts: this needs a profile of its own.
  const profile = await mkdtemp(path.join(tmp, 'profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const servers = [];
  try {
    const installability = async (root) => {
      const server = await serve(root);
      servers.push(server);
      const page = await context.newPage();
      await page.goto(server.url, { waitUntil: 'load' });
      await waitForApp(page);
      await waitForControl(page);
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      await page.close();
      return installabilityErrors.map((e) => e.errorId);
    };
    assert.deepEqual(await installability(DIST_DIR), [], 'the built site is installable');
    const errors = await installability(noIcons);
    assert.ok(errors.length > 0, 'without icons Chromium reports why it is not installable');
  } finally {
    await context.close();
    for (const s of servers) await s.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The service worker

test('the service worker installs, controls the page, and precaches exactly the files of dist/', async () => {
  const server = await serve();
  const tab = await open(server.url);
  try {
    const { page } = tab;
    assert.equal(await waitForControl(page), `${server.url}sw.js`);
    const files = await siteFiles(DIST_DIR);
    for (const f of ['index.html', 'manifest.webmanifest', 'start.js', 'icons/icon-512.png']) {
      assert.ok(files.includes(f), `dist/ has ${f}`);
    }
    assert.ok(files.some((f) => /^highmem-web-[0-9a-f]+_bg\.wasm$/.test(f)), 'dist/ has the hashed wasm');

    // sw.js lists every file with the SHA-256 Node computes for it.
    const { version, entries } = await precacheOf(DIST_DIR);
    assert.deepEqual(
      entries.map((e) => e.url),
      files,
      'sw.js precaches every file in dist/ (but itself)',
    );
    for (const { url, integrity } of entries) {
      assert.equal(integrity, sha256(await readFile(path.join(DIST_DIR, url))), `${url}: integrity`);
    }

    // One cache, named after the version, holding exactly those files, byte for byte.
    const name = cacheName(version, server.url);
    await waitForOnlyCache(page, name);
    assert.deepEqual(await cachesOf(page, server.url), { [name]: files });
    const cached = await page.evaluate(async (name) => {
      const cache = await caches.open(name);
      const out = {};
      for (const request of await cache.keys()) {
        const body = await (await cache.match(request)).arrayBuffer();
        const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
        out[request.url] = `sha256-${btoa(String.fromCharCode(...digest))}`;
      }
      return out;
    }, name);
    for (const { url, integrity } of entries) {
      assert.equal(cached[`${server.url}${url}`], integrity, `${url}: the cached bytes are the build's`);
    }

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
    await server.close();
  }
});

test('offline: with the server stopped, the site reloads, computes, and moves between chapters', async () => {
  const server = await serve();
  const tab = await open(server.url);
  const { page } = tab;
  try {
    await waitForControl(page);
    const { version } = await precacheOf(DIST_DIR);
    await waitForOnlyCache(page, cacheName(version, server.url));
    await server.close();
    assert.equal((await fetch(server.url).catch(() => null))?.status, undefined, 'the server is gone');

    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await assertChapter1Computes(page, 'offline reload');
    // The engine still runs: a different machine gives hmsim's boot log for it.
    const { code, stdout, stderr } = await runHmsim(['layout', '--profile', '6.1', '--ram', '512M', '--json']);
    assert.equal(code, 0, stderr);
    const { log } = JSON.parse(stdout);
    await page.fill('#ram-size', '512M');
    await page.press('#ram-size', 'Enter');
    await page.waitForFunction((want) => document.querySelector('#boot-log')?.textContent === want, log);

    await visitEveryChapter(page);
    // New documents, not just new routes: index.html by name, and a URL with a query.
    for (const [url, what] of [
      [`${server.url}index.html#/paging`, 'index.html'],
      [`${server.url}?from=home-screen`, 'the start URL with a query'],
    ]) {
      if (url.includes('?')) {
        // The page keeps its machine and chapter across visits (localStorage); once the
        // visit above has saved, forget it, so the start URL opens chapter 1 as on a first visit.
        await page.waitForFunction(() => (localStorage.getItem('highmem-lab.state') ?? '').includes('chapter=paging'));
        await page.evaluate(() => localStorage.clear());
      }
      await page.goto(url, { waitUntil: 'load' });
      await waitForApp(page);
      await page.waitForSelector('h1');
      assert.ok((await page.textContent('h1')).trim().length > 0, `${what}: a chapter renders offline`);
    }
    await assertChapter1Computes(page, 'offline, from the start URL');

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(tab.problems(), [], 'nothing failed: every request was answered from the cache');
  } finally {
    await tab.close();
  }
});

test('update: a new build at the same origin takes over on reload, deletes the old cache, and works offline', async () => {
  const a = await copyOfDist('A');
  const b = await makeBuild('B');
  const versionA = (await precacheOf(a)).version;
  const { version: versionB, entries: entriesB } = await precacheOf(b);
  assert.notEqual(versionB, versionA, 'a changed file is a new version');
  assert.deepEqual(
    entriesB.map((e) => e.url),
    await siteFiles(b),
    "B's sw.js precaches B's files, the new one too",
  );

  let server = await serve(a);
  const { port, url } = server;
  const tab = await open(url);
  const { page } = tab;
  try {
    await waitForControl(page);
    await waitForOnlyCache(page, cacheName(versionA, url));

    // Deploy B at the same origin, then reload: the browser finds the new sw.js.
    await server.close();
    server = await serve(b, { port });
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await waitForOnlyCache(page, cacheName(versionB, url));
    assert.deepEqual(
      Object.keys(await cachesOf(page, url)),
      [cacheName(versionB, url)],
      "A's cache is deleted; B's is the only one",
    );
    assert.deepEqual((await cachesOf(page, url))[cacheName(versionB, url)], await siteFiles(b));

    // The page that was open still runs its build (A) and still works.
    assert.equal(await page.$('meta[name="highmem-build"]'), null, 'the open page is still build A');
    await visitEveryChapter(page);

    // The next load is B, from B's cache.
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    assert.equal(await page.getAttribute('meta[name="highmem-build"]', 'content'), 'B');

    // And B works offline.
    await server.close();
    await page.goto(url, { waitUntil: 'load' });
    await waitForApp(page);
    assert.equal(await page.getAttribute('meta[name="highmem-build"]', 'content'), 'B', 'offline, still B');
    await assertChapter1Computes(page, 'B offline');
    await visitEveryChapter(page);

    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
    await server.close();
  }
});

test('a half-deployed update (a file that is not the one sw.js lists) leaves the working build in charge', async () => {
  const a = await copyOfDist('A2');
  const c = await makeBuild('C');
  const versionA = (await precacheOf(a)).version;
  // C's index.html changes after its sw.js was written: as if a server still had an old copy.
  const index = path.join(c, 'index.html');
  await writeFile(index, (await readFile(index, 'utf8')).replace('content="C"', 'content="C, stale"'));

  let server = await serve(a);
  const { port, url } = server;
  const tab = await open(url);
  const { page } = tab;
  try {
    await waitForControl(page);
    await waitForOnlyCache(page, cacheName(versionA, url));
    await server.close();
    server = await serve(c, { port });

    const state = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration();
      const found = new Promise((resolve) =>
        registration.addEventListener('updatefound', () => resolve(registration.installing), { once: true }),
      );
      await registration.update().catch(() => {});
      const worker = await Promise.race([found, new Promise((resolve) => setTimeout(resolve, 30_000, null))]);
      if (!worker) return 'no new worker';
      while (worker.state !== 'redundant' && worker.state !== 'activated') {
        await new Promise((resolve) => worker.addEventListener('statechange', resolve, { once: true }));
      }
      return worker.state;
    });
    assert.equal(state, 'redundant', "C's worker fails to install");
    assert.deepEqual(Object.keys(await cachesOf(page, url)), [cacheName(versionA, url)], "A's cache stays, alone");

    // A is still what loads, online and offline.
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    assert.equal(await page.$('meta[name="highmem-build"]'), null, 'still build A');
    await server.close();
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await assertChapter1Computes(page, 'A offline');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
    await server.close();
  }
});

// ---------------------------------------------------------------------------------------------
// The Content-Security-Policy

test('every chapter renders under the policy: no violation, no console error, no request elsewhere', async () => {
  const server = await serve();
  try {
    // Each chapter route as a fresh load, then every chapter again by the table of contents.
    const first = await open(server.url);
    const list = await chapters(first.page);
    await first.close();
    for (const { href, title } of list) {
      const tab = await open(server.url + href);
      try {
        await tab.page.waitForFunction((t) => document.querySelector('h1')?.textContent.trim() === t, title);
        assert.deepEqual(await cspViolations(tab.page), [], `${href}: no CSP violation`);
        assert.deepEqual(tab.problems(), [], `${href}: no console error, failed or outside request`);
      } finally {
        await tab.close();
      }
    }

    const tab = await open(server.url);
    try {
      const { page } = tab;
      await visitEveryChapter(page);
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(tab.problems(), []);
      assert.equal(
        await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content'),
        csp,
        'the meta tag and the header say the same',
      );

      // The policy is in force and the listener hears it: an inline script is refused.
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.body.append(script);
      });
      await page.waitForFunction(() => window.__cspViolations.length > 0);
      assert.equal(await page.evaluate(() => window.__inlineRan), undefined, 'the inline script did not run');
      assert.match((await cspViolations(page))[0], /^script-src-elem \(inline/);
    } finally {
      await tab.close();
    }
  } finally {
    await server.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Where there are no service workers

test('without service workers (turned off, or a page not served over http) the site runs online only, quietly', async () => {
  const server = await serve();
  const tab = await newPage(browser);
  try {
    const { page } = tab;
    // A browser without service workers.
    await page.addInitScript(() => {
      delete Navigator.prototype.serviceWorker;
    });
    const swRequests = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/sw.js')) swRequests.push(r.url());
    });
    await page.goto(server.url, { waitUntil: 'load' });
    await waitForApp(page);
    await assertChapter1Computes(page, 'no service workers');
    assert.equal(await page.evaluate(() => 'serviceWorker' in navigator), false);
    assert.deepEqual(swRequests, []);
    assert.deepEqual(tab.problems(), [], 'no error from the registration');
  } finally {
    await tab.close();
    await server.close();
  }

  // A page that is not served over http(s) (a file:// copy, about:blank): the registration
  // must do nothing and add no error of its own. (The harness keeps test pages off file://,
  // so this runs the script on about:blank, which fails the same protocol check.)
  const local = await newPage(browser);
  try {
    const { page } = local;
    await page.goto('about:blank');
    const messages = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    const register = (await readdir(DIST_DIR)).find((f) => /^register-sw-[0-9a-f]+\.js$/.test(f));
    assert.ok(register, 'dist/ has the hashed registration script');
    await page.evaluate(await readFile(path.join(DIST_DIR, register), 'utf8'));
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
    const registrations = await page.evaluate(async () =>
      navigator.serviceWorker ? (await navigator.serviceWorker.getRegistrations()).length : 0,
    ).catch(() => 0);
    assert.equal(registrations, 0, 'nothing registered from file://');
    assert.deepEqual(messages, [], 'no error or warning from the registration on file://');
  } finally {
    await local.close();
  }
});
