// Chapter 2, "PAE paging and the TLB", driven in Chromium against the built site: the chapter
// routes, the live machine's views, a scenario run by clicking, an op run by keyboard alone,
// and the address explorer checked against the layout hmsim computes for the same machine.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, runHmsim, serveDist, waitForApp } from '../harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let server;
let browser;

before(async () => {
  server = await serveDist();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the site at `hash` in a fresh page and waits for the first render. */
async function open(hash = '#/paging', options = {}) {
  const tab = await newPage(browser, options);
  await tab.page.goto(server.url + hash, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

/** hmsim's layout as JSON. */
async function hmsimLayout(args) {
  const { code, stdout, stderr } = await runHmsim(['layout', ...args, '--json']);
  assert.equal(code, 0, `hmsim layout ${args.join(' ')} failed: ${stderr}`);
  return JSON.parse(stdout);
}

const hex = (n) => '0x' + n.toString(16);
const hex8 = (n) => '0x' + n.toString(16).padStart(8, '0');

/** The text of the last step shown under "What happened". */
async function lastStep(page) {
  return page.locator('#outcome .run-step').last();
}

test('the table of contents and the URL lead to each chapter; / still opens chapter 1', async () => {
  const tab = await open('');
  try {
    const { page } = tab;
    assert.equal((await page.textContent('h1'))?.trim(), 'Why high memory exists');
    assert.equal(await page.getAttribute('.toc a[data-chapter="why-highmem"]', 'aria-current'), 'page');
    // By the table of contents.
    await page.click('.toc a[data-chapter="paging"]');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'PAE paging and the TLB');
    assert.equal(new URL(page.url()).hash, '#/paging');
    assert.equal(await page.title(), 'PAE paging and the TLB · Highmem Lab');
    assert.equal(await page.getAttribute('.toc a[data-chapter="paging"]', 'aria-current'), 'page');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'the new title has focus');
    await page.waitForSelector('#explorer');
    // Back returns to chapter 1 and its views.
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Why high memory exists');
    await page.waitForSelector('#boot-log');
    // The chapter's own "next" link, by keyboard.
    await page.focus('.chapter-nav a[rel="next"]');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#/paging');
    // In-page links do not change the route.
    await page.evaluate(() => document.querySelector('.skip-link').click());
    assert.equal(new URL(page.url()).hash, '#/paging');
    assert.equal((await page.textContent('h1'))?.trim(), 'PAE paging and the TLB');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
  // By URL, and a URL that names no chapter.
  for (const [hash, title] of [
    ['#/why-highmem', 'Why high memory exists'],
    ['#/paging', 'PAE paging and the TLB'],
    ['#/no-such-chapter', 'No such chapter'],
  ]) {
    const t = await open(hash);
    try {
      assert.equal((await t.page.textContent('h1'))?.trim(), title, hash);
      assert.ok((await t.page.locator('.toc a').count()) >= 2);
      assert.deepEqual(t.problems(), [], hash);
    } finally {
      await t.close();
    }
  }
});

test('the explorer walks PAGE_OFFSET + 0x1000 to the physical address the layout implies', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    for (const [pae, bits] of [
      ['on', { pdpt: (v) => v >>> 30, pd: (v) => (v >>> 21) & 511, pt: (v) => (v >>> 12) & 511 }],
      ['off', { pd: (v) => v >>> 22, pt: (v) => (v >>> 12) & 1023 }],
    ]) {
      if (pae === 'off') {
        await page.uncheck('#pae');
        await page.waitForFunction(() => !document.querySelector('[data-field="pdpt"]'));
      }
      const layout = await hmsimLayout(['--profile', '6.1', '--ram', '2G', '--pae', pae]);
      const pageOffset = layout.symbols.find((s) => s.name === 'PAGE_OFFSET').value;
      const highMemory = layout.symbols.find((s) => s.name === 'high_memory').value;
      const va = pageOffset + 0x1000;
      await page.fill('#explore-addr', hex8(va));
      await page.press('#explore-addr', 'Enter');
      await page.waitForFunction((want) => document.querySelector('#explorer')?.dataset.va === want, hex8(va));
      const result = page.locator('#explore-result');
      // The direct map: physical = virtual − PAGE_OFFSET.
      assert.equal(await result.getAttribute('data-phys'), hex(va - pageOffset), `PAE ${pae}`);
      assert.equal(await result.getAttribute('data-data'), '0x00000000', 'never written');
      for (const [field, f] of Object.entries(bits)) {
        assert.equal(await page.getAttribute(`[data-field="${field}"]`, 'data-value'), String(f(va)), `${field}, PAE ${pae}`);
      }
      assert.equal(await page.locator('[data-field="pdpt"]').count(), pae === 'on' ? 1 : 0);
      // The last word of the direct map, picked from the list.
      await page.click(`.pick[data-addr="${hex8(highMemory - 4)}"]`);
      await page.waitForFunction((want) => document.querySelector('#explorer')?.dataset.va === want, hex8(highMemory - 4));
      assert.equal(await result.getAttribute('data-phys'), hex(highMemory - 4 - pageOffset));
      // VMALLOC_START is mapped by nothing: a not-present fault, error code 0 (a kernel read).
      const vmallocStart = layout.symbols.find((s) => s.name === 'VMALLOC_START').value;
      await page.click(`.pick[data-addr="${hex8(vmallocStart)}"]`);
      await page.waitForSelector('#explore-result[data-fault="not_present"]');
      assert.equal(await result.getAttribute('data-error-code'), '0x0');
    }
    // Looking changed nothing: no op ran and every TLB is empty.
    assert.equal(await page.locator('#history li').count(), 0);
    assert.equal(await page.locator('#tlb tr[data-slot]').count(), 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('the stale-TLB scenario, run by clicking, reads the old frame and flags it STALE', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    // All at once: eight steps, the sixth reads through the stale entry.
    await page.click('#run-stale-tlb');
    await page.waitForFunction(() => document.querySelectorAll('#outcome .run-step').length === 8);
    const steps = page.locator('#outcome .run-step');
    const stale = await steps.nth(5).locator('.message').textContent();
    assert.match(stale, /TLB hit/);
    assert.match(stale, /STALE/);
    assert.match(stale, /0xaaaaaaaa/, 'the value written through the old mapping');
    const last = await (await lastStep(page)).locator('.message').textContent();
    assert.match(last, /TLB miss/);
    assert.match(last, /0x00000000/);
    // The final read filled a slot of CPU 0: it is marked in the table and in the grid.
    const filled = page.locator('#tlb .tlb-cpu[data-cpu="0"] tr[data-touch="new"]');
    assert.equal(await filled.count(), 1);
    assert.match(await filled.textContent(), /new/);
    assert.equal(await page.locator('#tlb .tlb-cpu[data-cpu="0"] .way.flash.new').count(), 1);

    // Step by step: after the sixth step the hit slot is the stale one.
    await page.click('#step-stale-tlb');
    for (let i = 0; i < 5; i++) await page.click('#next-step');
    await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 6 of 8'));
    const hit = page.locator('#tlb tr[data-touch="hit"]');
    assert.equal(await hit.count(), 1);
    assert.equal(await hit.getAttribute('data-stale'), 'true');
    assert.match(await hit.textContent(), /STALE/);
    const slot = await hit.getAttribute('data-slot');
    assert.match(slot, /^cpu0\.tlb0\[\d+\]\[\d+\]$/);
    assert.match(await page.textContent('#outcome .run-step .message'), /STALE/);
    // The explorer sees the new frame and says CPU 0's TLB still caches the old one.
    await page.click('.pick:has-text("VMALLOC_START")');
    await page.waitForSelector('.walk-tlb.walk-warn');
    assert.match(await page.textContent('.walk-tlb'), /STALE/);
    // Finish: invlpg, then a clean read.
    await page.click('#finish-steps');
    await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('steps 7–8 of 8'));
    assert.equal(await page.locator('#tlb tr[data-stale]').count(), 0);
    assert.equal(await page.locator('#history li').count(), 8);
    // Undo replays the other seven.
    await page.click('#undo');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 7);
    assert.match(await page.textContent('#machine-note'), /Undid “read cpu=0 vaddr=0x[0-9a-f]{8}”/);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('keyboard only: tab to the operations, read an address with Enter, run invlpg with Space', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
    let found = false;
    for (let i = 0; i < 400 && !found; i++) {
      await page.keyboard.press('Tab');
      found = (await focusedId()) === 'op-addr';
    }
    assert.ok(found, 'the address box is reachable with Tab');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0xc0002000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent === 'read cpu=0 vaddr=0xc0002000');
    assert.match(await page.textContent('#outcome .message'), /TLB miss, page walk: 0xc0002000 → physical 0x2000/);
    assert.equal(await page.getAttribute('#outcome .run-step', 'data-result'), 'ok');
    assert.match(await page.textContent('#outcome-status'), /read cpu=0 vaddr=0xc0002000: ok/);
    for (let i = 0; i < 10 && (await focusedId()) !== 'op-invlpg'; i++) await page.keyboard.press('Tab');
    assert.equal(await focusedId(), 'op-invlpg');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent.startsWith('invlpg'));
    assert.match(await page.textContent('#outcome .message'), /invlpg dropped 1 TLB entries on CPU 0/);
    // A refused op: the kernel's words inline, nothing added to the history.
    const before = await page.locator('#history li').count();
    await page.focus('#op-pte-addr');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0x08048000');
    await page.focus('#op-pte-pfn');
    await page.keyboard.type('0x1234');
    await page.focus('#op-set-pte');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#outcome .run-step[data-result="refused"]');
    assert.match(await page.textContent('#outcome .message'), /user address/);
    assert.equal(await page.locator('#history li').count(), before);
    // A typing mistake is caught before it reaches the machine.
    await page.fill('#op-addr', '0xnope');
    await page.click('#op-read');
    assert.match(await page.textContent('#op-error'), /not an address/);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('machine controls boot the machine again; a machine that cannot boot says why', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#run-global-pages');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 9);
    await page.selectOption('#cpu-model', 'p4');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 0);
    assert.match(await page.textContent('#machine-note'), /booted again.*9 operations you ran were cleared/);
    assert.match(await page.textContent('#tlb .tlb-array-title'), /64 entries, fully associative/);
    await page.selectOption('#cpus', '4');
    await page.waitForSelector('#tlb .tlb-cpu[data-cpu="3"]');
    // 2.6.32 loads its kernel at 16 MiB: a 16 MiB PC cannot boot it.
    await page.selectOption('#profile', '2.6.32');
    await page.fill('#ram-size', '16M');
    await page.press('#ram-size', 'Enter');
    await page.waitForSelector('#machine-error');
    assert.match(await page.textContent('#machine-error'), /does not boot.*kernel image/);
    assert.equal(await page.textContent('#error'), '', 'the layout itself is fine');
    assert.equal(await page.locator('#explorer').count(), 0);
    // Chapter 1's views still draw this machine.
    await page.click('.toc a[data-chapter="why-highmem"]');
    await page.waitForSelector('#boot-log');
    const layout = await hmsimLayout(['--profile', '2.6.32', '--ram', '16M']);
    await page.waitForFunction((want) => document.querySelector('#boot-log')?.textContent === want, layout.log);
    // More RAM brings the machine back.
    await page.fill('#ram-size', '1G');
    await page.press('#ram-size', 'Enter');
    await page.click('.toc a[data-chapter="paging"]');
    await page.waitForSelector('#explorer');
    assert.equal(await page.locator('#machine-error').count(), 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('the history, as a script, gives the same outcomes in hmsim run', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#run-invlpg-is-local');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length === 9);
    const messages = await page.$$eval('#outcome .run-step .message', (els) => els.map((e) => e.textContent));
    await page.click('#outcome .as-script summary');
    const script = await page.textContent('#outcome pre.script');
    assert.match(script, /^machine profile=6\.1 ram=2G pae=on highmem=on cpus=2\n/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-'));
    const file = path.join(dir, 'scenario.txt');
    await writeFile(file, script + '\n');
    const { code, stdout, stderr } = await runHmsim(['run', file, '--json']);
    assert.equal(code, 0, stderr);
    const run = JSON.parse(stdout);
    assert.deepEqual(
      run.outcomes.map((o) => o.message),
      messages,
      'hmsim and the page run the same engine on the same ops',
    );
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('no horizontal scrolling at 320 px, with every view filled', async () => {
  for (const width of [320, 360, 1280]) {
    const tab = await open('#/paging', { viewport: { width, height: 800 } });
    try {
      const { page } = tab;
      await page.click('#run-stale-tlb');
      await page.waitForFunction(() => document.querySelectorAll('#outcome .run-step').length === 8);
      await page.evaluate(() => document.querySelectorAll('#outcome details').forEach((d) => (d.open = true)));
      const overflow = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
        wide: [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .filter((e) => !e.closest('.table-wrap, pre, .visually-hidden'))
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''}`),
      }));
      assert.ok(overflow.scroll <= overflow.client, `${width}px: page is ${overflow.scroll}px wide: ${overflow.wide}`);
      assert.deepEqual(overflow.wide, [], `${width}px`);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('no accessibility violations (axe-core) in chapter 2, light and dark, after a scenario', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const tab = await open('#/paging', { viewport: { width, height: 800 }, colorScheme });
      try {
        const { page } = tab;
        await page.click('#step-stale-tlb');
        for (let i = 0; i < 5; i++) await page.click('#next-step');
        await page.waitForSelector('#tlb tr[data-stale]');
        await page.evaluate(() => document.querySelectorAll('#outcome details').forEach((d) => (d.open = true)));
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        });
        assert.deepEqual(violations, [], `${colorScheme}, ${width}px`);
        assert.deepEqual(tab.problems(), []);
      } finally {
        await tab.close();
      }
    }
  }
});
