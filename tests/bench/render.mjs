// Browser figures for `cargo xtask bench`: they are reported, never asserted.
//
//   node bench/render.mjs          (from tests/; cargo xtask bench builds the site first)
//
// 1. Time to first render of chapter 1 in headless Chromium: over RUNS fresh page loads
//    (a new browser context each, so nothing is cached), the time from navigation start
//    (performance.now() is measured from it) to the first `[data-region]` element in the DOM,
//    recorded by a MutationObserver installed before any of the page's scripts run. For
//    comparison, the same for a static HTML page with the same chapter text and the site's
//    stylesheet, generated here from the rendered chapter and served by the same server; it
//    carries one `data-region` marker after the text, so the same observer times it. First
//    contentful paint is reported beside it. App and static loads alternate, after one
//    discarded warm-up load of each.
// 2. The gzipped transfer size of dist/: every file gzipped with Node's zlib (level 9), summed.
// 3. Per-step re-render time in chapter 3 (every view of the pkmap chapter shown): after a
//    scenario, back to the boot, then STEPS redos, each timed from the click to the DOM update
//    (reducer, replay of one traced op, Yew's diff) and to the next frame after it.
//
// The timed loads use plain browser contexts: the harness's request routing (which aborts
// anything leaving 127.0.0.1) adds a round trip through Playwright to every request, which
// would penalise the page that makes more requests. One untimed load through the harness's
// newPage checks that the app starts without console errors or off-site requests.
//
// Environment: DIST_DIR and CHROMIUM_PATH (see ../harness.mjs); BENCH_RUNS (default 10);
// BENCH_SUMMARY_DIR: also write the printed figures to render.txt there.

import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { DIST_DIR, launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

const RUNS = Math.max(1, Number.parseInt(process.env.BENCH_RUNS ?? '10', 10) || 10);
const STATIC_PAGE = 'bench-static-chapter.html';
const TIMEOUT = 60_000;
const STEPS = Math.max(1, Number.parseInt(process.env.BENCH_STEPS ?? '60', 10) || 60);

/** Times `n` redos in the page: [click → DOM updated, click → next frame] in ms each. */
async function stepTimes(page, n) {
  return page.evaluate(async (n) => {
    const pos = () => document.querySelector('#tt-position strong')?.textContent;
    const changed = (before) =>
      new Promise((resolve) => {
        if (pos() !== before) return resolve();
        const mo = new MutationObserver(() => {
          if (pos() !== before) {
            mo.disconnect();
            resolve();
          }
        });
        mo.observe(document.body, { childList: true, subtree: true, characterData: true });
      });
    const out = [];
    for (let i = 0; i < n; i++) {
      const before = pos();
      const t0 = performance.now();
      document.querySelector('#tt-redo').click();
      await changed(before);
      const t1 = performance.now();
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      out.push([t1 - t0, performance.now() - t0]);
    }
    return out;
  }, n);
}

// Runs in the page before its own scripts: note when the first [data-region] element appears,
// and the first contentful paint.
const OBSERVER = () => {
  const seen = () => {
    if (window.__firstRegion === undefined && document.querySelector('[data-region]')) {
      window.__firstRegion = performance.now();
      return true;
    }
    return window.__firstRegion !== undefined;
  };
  if (!seen()) {
    const mo = new MutationObserver(() => {
      if (seen()) mo.disconnect();
    });
    mo.observe(document, { childList: true, subtree: true });
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.name === 'first-contentful-paint') window.__fcp = e.startTime;
      }
    }).observe({ type: 'paint', buffered: true });
  } catch {
    // No paint timing: FCP is reported as n/a.
  }
};

/** Every file under `dir`, as paths relative to it. */
async function files(dir, rel = '') {
  const out = [];
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...(await files(dir, r)));
    else if (entry.isFile()) out.push(r);
  }
  return out.sort();
}

async function gzipSizes(dir) {
  const rows = [];
  for (const f of await files(dir)) {
    const raw = await readFile(path.join(dir, f));
    rows.push({ file: f, raw: raw.length, gz: zlib.gzipSync(raw, { level: 9 }).length });
  }
  return rows;
}

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The chapter's text as blocks: headings, paragraphs, list items, preformatted text. */
async function chapterBlocks(page) {
  return page.evaluate(() => {
    const root = document.querySelector('article.chapter') ?? document.querySelector('main');
    if (!root) return null;
    const sel = 'h1, h2, h3, h4, p, li, pre, figcaption, blockquote';
    return [...root.querySelectorAll(sel)]
      .filter((el) => !el.parentElement.closest(sel))
      .map((el) => ({ tag: el.tagName.toLowerCase(), text: el.textContent.replace(/\s+/g, ' ').trim() }))
      .filter((b) => b.text !== '');
  });
}

/** A static page with the chapter's text, the site's stylesheet and one data-region marker. */
function staticPage(blocks, title, stylesheets) {
  const body = [];
  let inList = false;
  for (const { tag, text } of blocks) {
    if (tag === 'li' && !inList) body.push('<ul>');
    if (tag !== 'li' && inList) body.push('</ul>');
    inList = tag === 'li';
    body.push(`<${tag}>${escapeHtml(text)}</${tag}>`);
  }
  if (inList) body.push('</ul>');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
${stylesheets.join('\n')}
</head>
<body>
<main class="page"><article class="chapter">
${body.join('\n')}
</article></main>
<div data-region="static-marker" hidden></div>
</body>
</html>
`;
}

/** One fresh load: { region, fcp } in ms from navigation start. */
async function timedLoad(browser, url, { app }) {
  const context = await browser.newContext();
  try {
    await context.addInitScript(OBSERVER);
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT });
    await page.waitForFunction(() => window.__firstRegion !== undefined, null, { timeout: TIMEOUT });
    if (app) await waitForApp(page, { timeout: TIMEOUT });
    // FCP is reported shortly after the paint; give it a moment, then call it missing.
    await page.waitForFunction(() => window.__fcp !== undefined, null, { timeout: 2_000 }).catch(() => {});
    return await page.evaluate(() => ({ region: window.__firstRegion, fcp: window.__fcp ?? null }));
  } finally {
    await context.close();
  }
}

function stats(values) {
  const v = values.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (v.length === 0) return null;
  const rank = (p) => v[Math.min(v.length - 1, Math.ceil(p * v.length) - 1)];
  const mid = v.length / 2;
  const median = v.length % 2 ? v[Math.floor(mid)] : (v[mid - 1] + v[mid]) / 2;
  return { median, p95: rank(0.95), min: v[0], max: v[v.length - 1], n: v.length };
}

const f1 = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));
const kib = (b) => (b / 1024).toFixed(1);

async function main() {
  const lines = [];
  const say = (s = '') => {
    lines.push(s);
    console.log(s);
  };

  // The gzipped size of dist/, before anything else is added to what is served.
  const sizes = await gzipSizes(DIST_DIR);
  if (sizes.length === 0) throw new Error(`${DIST_DIR} is empty; build the site first`);

  // Served root: dist/'s entries (symlinked) plus the generated static page.
  const root = await mkdtemp(path.join(os.tmpdir(), 'highmem-bench-'));
  for (const entry of await readdir(DIST_DIR)) {
    await symlink(path.join(DIST_DIR, entry), path.join(root, entry));
  }
  const server = await serveDist(root);
  const browser = await launchBrowser();
  try {
    // One checked, untimed load: the app starts cleanly, and its chapter gives the text.
    const probe = await newPage(browser);
    await probe.page.goto(server.url, { waitUntil: 'load', timeout: TIMEOUT });
    await waitForApp(probe.page, { timeout: TIMEOUT });
    await probe.page.waitForSelector('[data-region]', { state: 'attached', timeout: TIMEOUT });
    const blocks = await chapterBlocks(probe.page);
    const title = await probe.page.title();
    const problems = probe.problems();
    await probe.close();
    if (!blocks || blocks.length === 0) throw new Error('the app rendered no chapter text');
    if (problems.length > 0) {
      console.warn(`warning: the app's first load reported problems:\n  ${problems.join('\n  ')}`);
    }
    const index = await readFile(path.join(DIST_DIR, 'index.html'), 'utf8');
    const stylesheets = index.match(/<link[^>]*rel="stylesheet"[^>]*>/g) ?? [];
    const html = staticPage(blocks, title, stylesheets);
    await writeFile(path.join(root, STATIC_PAGE), html);
    const textChars = blocks.reduce((n, b) => n + b.text.length, 0);

    const urls = { app: server.url, static: server.url + STATIC_PAGE };
    const results = { app: [], static: [] };
    console.log(`timing ${RUNS} fresh loads of each page (plus one warm-up)…`);
    for (let i = 0; i <= RUNS; i++) {
      const order = i % 2 ? ['static', 'app'] : ['app', 'static'];
      for (const kind of order) {
        const r = await timedLoad(browser, urls[kind], { app: kind === 'app' });
        if (i > 0) results[kind].push(r);
      }
    }

    const region = { app: stats(results.app.map((r) => r.region)), static: stats(results.static.map((r) => r.region)) };
    const fcp = { app: stats(results.app.map((r) => r.fcp)), static: stats(results.static.map((r) => r.fcp)) };
    const ratio = (a, b, k) => (a && b ? a[k] / b[k] : null);

    say('first render of chapter 1, headless Chromium (system chromium, harness flags)');
    say(`  ${RUNS} fresh loads each, alternating, after a warm-up; ms from navigation start`);
    say(`  static page: the rendered chapter's text (${blocks.length} blocks, ${textChars} characters) + the site's stylesheet`);
    const k = Math.ceil(0.95 * RUNS);
    say(`  p95: nearest rank, load ${k} of ${RUNS} fastest first${k === RUNS ? ' (the slowest)' : ''}`);
    say('');
    say(`  ${'measure'.padEnd(34)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
    const row = (name, s) =>
      say(`  ${name.padEnd(34)} ${f1(s?.median).padStart(8)} ${f1(s?.p95).padStart(8)} ${f1(s?.min).padStart(8)} ${f1(s?.max).padStart(8)}`);
    row('app: first [data-region] in DOM', region.app);
    row('static: first [data-region] in DOM', region.static);
    row('app: first contentful paint', fcp.app);
    row('static: first contentful paint', fcp.static);
    say('');
    say(`  ratio app/static, first [data-region]: median ${f2(ratio(region.app, region.static, 'median'))}, p95 ${f2(ratio(region.app, region.static, 'p95'))}   (aim, issue 6: at most 1.5)`);
    say(`  ratio app/static, first contentful paint: median ${f2(ratio(fcp.app, fcp.static, 'median'))}, p95 ${f2(ratio(fcp.app, fcp.static, 'p95'))}`);
    say('');
    say('gzipped transfer size of dist/ (each file, Node zlib level 9)');
    const width = Math.max(...sizes.map((s) => s.file.length), 5);
    say(`  ${'file'.padEnd(width)} ${'bytes'.padStart(9)} ${'gzipped'.padStart(9)} ${'KiB gz'.padStart(8)}`);
    for (const s of sizes) {
      say(`  ${s.file.padEnd(width)} ${String(s.raw).padStart(9)} ${String(s.gz).padStart(9)} ${kib(s.gz).padStart(8)}`);
    }
    const raw = sizes.reduce((n, s) => n + s.raw, 0);
    const gz = sizes.reduce((n, s) => n + s.gz, 0);
    say(`  ${'total'.padEnd(width)} ${String(raw).padStart(9)} ${String(gz).padStart(9)} ${kib(gz).padStart(8)}`);
    say(`  total gzipped: ${(gz / 1000).toFixed(1)} kB = ${kib(gz)} KiB   (aim, issue 6: under 400 KB)`);

    // Per-step re-render with every view of chapter 3 on the page.
    const tab = await newPage(browser);
    try {
      const { page } = tab;
      await page.goto(server.url + '#/pkmap', { waitUntil: 'load', timeout: TIMEOUT });
      await waitForApp(page, { timeout: TIMEOUT });
      await page.click('#run-pkmap-wrap-flush');
      await page.waitForSelector('#event-log [role=option]', { timeout: TIMEOUT });
      await page.focus('#event-log');
      await page.keyboard.press('Home');
      await page.waitForFunction(() => document.querySelector('#tt-position strong')?.textContent.startsWith('At the boot'));
      const times = await stepTimes(page, STEPS);
      const dom = stats(times.map((t) => t[0]));
      const frame = stats(times.map((t) => t[1]));
      say('');
      say(`per-step re-render, chapter 3 with every view, ${STEPS} redos of "pkmap-wrap-flush" from the boot (ms)`);
      say(`  ${'measure'.padEnd(34)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
      row('click to DOM updated', dom);
      row('click to the next frame', frame);
    } finally {
      await tab.close();
    }
  } finally {
    await browser.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }

  const dir = process.env.BENCH_SUMMARY_DIR;
  if (dir) {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'render.txt'), lines.join('\n') + '\n');
  }
}

main().catch((err) => {
  console.error(`bench/render.mjs: ${err?.stack ?? err}`);
  process.exit(1);
});
