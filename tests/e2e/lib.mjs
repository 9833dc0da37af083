// Helpers the machine chapters' end-to-end tests share: opening a page, waiting for the
// history, the exported script and its `hmsim run --json`, the narrow-screen overflow check
// and the axe-core scan. (Not a test file: `npm test` runs e2e/*.test.mjs only.)

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

import { newPage, runHmsim, waitForApp } from '../harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Opens the site at `hash` in a fresh page and waits for the first render. */
export async function openAt(browser, server, hash, options = {}) {
  const tab = await newPage(browser, options);
  await tab.page.goto(server.url + hash, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

/** Waits until the history lists `n` ops. */
export async function historyIs(page, n) {
  await page.waitForFunction((n) => document.querySelectorAll('#history li').length === n, n, { timeout: 60_000 });
}

/** The history as a script, from the outcome card. */
export async function exportedScript(page) {
  await page.evaluate(() => {
    const d = document.querySelector('#outcome .as-script');
    if (d) d.open = true;
  });
  return page.textContent('#outcome pre.script');
}

/** `hmsim run --json` of a script. */
export async function hmsimRun(script) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-'));
  const file = path.join(dir, 'scenario.hm');
  await writeFile(file, script + '\n');
  const { code, stdout, stderr } = await runHmsim(['run', file, '--json']);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
}

/** What sticks out to the right of the viewport (tables, code and graphs may scroll). */
export async function overflow(page) {
  return page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .filter((e) => !e.closest('.table-wrap, pre, .visually-hidden, .graph-wrap'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`),
  }));
}

/** axe-core's violations on the page, one line each. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
}
