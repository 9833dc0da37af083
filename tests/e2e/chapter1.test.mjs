// Chapter 1, "Why high memory exists", driven in Chromium against the built site and checked
// against hmsim, the engine's command line: the page and hmsim run the same engine, so every
// boundary the page draws must be the one hmsim computes for the same input.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, runHmsim, serveDist, waitForApp } from '../harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const FIXTURE = path.join(ROOT, 'engine', 'tests', 'fixtures', 'boot-6.1-686-pae-2G.txt');
const SCREENSHOT = path.join(ROOT, 'docs', 'screenshot.png');
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

/** Opens the chapter in a fresh page and waits for the first render. */
async function open(options = {}) {
  const tab = await newPage(browser, options);
  await tab.page.goto(server.url, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('#boot-log');
  return tab;
}

/** hmsim's layout as JSON, or a failure with its stderr. */
async function hmsim(args) {
  const { code, stdout, stderr } = await runHmsim(['layout', ...args, '--json']);
  assert.equal(code, 0, `hmsim layout ${args.join(' ')} failed: ${stderr}`);
  return JSON.parse(stdout);
}

/** The regions the page draws: kind and boundaries from the data attributes, lowest first. */
async function domRegions(page) {
  const regions = await page.$$eval('#lab [data-region]', (els) =>
    els.map((e) => ({
      kind: e.getAttribute('data-region'),
      start: e.getAttribute('data-start'),
      end: e.getAttribute('data-end'),
    })),
  );
  return regions.sort((a, b) => Number(BigInt(a.start) - BigInt(b.start)));
}

/** hmsim's regions in the same shape (8-digit lowercase hex, end exclusive). */
function engineRegions(layout) {
  const hex = (n) => '0x' + n.toString(16).padStart(8, '0');
  return layout.regions.map((r) => ({ kind: r.kind, start: hex(r.start), end: hex(r.end) }));
}

/** The zones the physical bar shows, and hmsim's. */
async function domZones(page) {
  return page.$$eval('#lab [data-zone]', (els) =>
    els.map((e) => [e.getAttribute('data-zone'), e.getAttribute('data-start-pfn'), e.getAttribute('data-end-pfn')]),
  );
}

function engineZones(layout) {
  return layout.memory.zones.map((z) => [z.kind, '0x' + z.start.toString(16), '0x' + z.end.toString(16)]);
}

/** Waits until the boot log shows `log`: the page has recomputed for the new input. */
async function waitForLog(page, log, what) {
  try {
    await page.waitForFunction((want) => document.querySelector('#boot-log')?.textContent === want, log, {
      timeout: 10_000,
    });
  } catch {
    const shown = await page.textContent('#boot-log');
    const error = await page.textContent('#error');
    assert.equal(shown, log, `${what}: the page never showed hmsim's boot log (error shown: "${error}")`);
  }
}

/** Asserts that the page shows exactly hmsim's layout. */
async function assertShows(page, layout, what) {
  await waitForLog(page, layout.log, what);
  assert.deepEqual(await domRegions(page), engineRegions(layout), `${what}: region boundaries`);
  assert.deepEqual(await domZones(page), engineZones(layout), `${what}: zones`);
  assert.equal(await page.textContent('#error'), '', `${what}: no error shown`);
}

test('chapter 1 loads with its text and views, no console errors and nothing fetched from outside', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.waitForLoadState('networkidle');
    assert.equal((await page.textContent('h1'))?.trim(), 'Why high memory exists');
    // The live values are filled in from the default machine (Debian 12's 6.1 PAE kernel, 2 GiB).
    assert.equal(await page.textContent('[data-live="LOWMEM_MB"]'), '879');
    assert.equal(await page.textContent('[data-live="VMALLOC_START"]'), '0xf77fe000');
    const layout = await hmsim(['--profile', '6.1', '--ram', '2G']);
    await assertShows(page, layout, 'default machine');
    // Every region is drawn and keyboard-reachable; the last one ends at 4 GiB.
    const regions = await domRegions(page);
    assert.equal(regions.at(-1).end, '0x100000000');
    // Nothing on the page points at another origin except plain links (no scripts, styles,
    // images or fonts from elsewhere).
    const foreign = await page.$$eval('script[src], link[href], img[src], iframe, object, embed', (els) =>
      els
        .map((e) => e.getAttribute('src') ?? e.getAttribute('href'))
        .filter((u) => u && !u.startsWith('data:') && new URL(u, location.href).origin !== location.origin),
    );
    assert.deepEqual(foreign, [], 'every resource is same-origin');
    assert.deepEqual(tab.problems(), [], 'no console errors, page errors or outside requests');
  } finally {
    await tab.close();
  }
});

test('moving the RAM control redraws the boundaries hmsim computes (6.1 and 2.6.32)', async () => {
  const sizes = [
    ['16M', '16 MiB'],
    ['512M', '512 MiB'],
    ['896M', '896 MiB'],
    ['2G', '2 GiB'],
    ['3584M', '3584 MiB'],
    ['8G', '8 GiB'],
    ['64G', '64 GiB'],
  ];
  const tab = await open();
  try {
    const { page } = tab;
    for (const profile of ['6.1', '2.6.32']) {
      await page.fill('#ram-size', '2G');
      await page.press('#ram-size', 'Enter');
      await page.selectOption('#profile', profile);
      await assertShows(page, await hmsim(['--profile', profile, '--ram', '2G']), `${profile} 2G`);
      // The slider, by keyboard: Home, then one step right at a time, stopping at each size.
      const slider = page.locator('#ram-slider');
      await slider.focus();
      await page.keyboard.press('Home');
      for (const [size, label] of sizes) {
        for (let steps = 0; (await slider.getAttribute('aria-valuetext')) !== label; steps++) {
          assert.ok(steps < 40, `the slider never reached ${label}`);
          await page.keyboard.press('ArrowRight');
        }
        await assertShows(page, await hmsim(['--profile', profile, '--ram', size]), `${profile} slider ${size}`);
        assert.equal(await page.inputValue('#ram-size'), size, 'the box shows the size');
      }
      // The text box takes sizes the slider does not have.
      for (const size of ['1536M', '1000M', '3G']) {
        await page.fill('#ram-size', size);
        await page.press('#ram-size', 'Enter');
        await assertShows(page, await hmsim(['--profile', profile, '--ram', size]), `${profile} typed ${size}`);
      }
    }
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('bad input is explained inline and the previous layout stays', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    const before = await page.textContent('#boot-log');
    await page.fill('#ram-size', '3 potatoes');
    await page.press('#ram-size', 'Enter');
    await page.waitForFunction(() => document.querySelector('#error')?.textContent !== '');
    assert.match(await page.textContent('#error'), /bad size/);
    assert.equal(await page.getAttribute('#ram-size', 'aria-invalid'), 'true');
    assert.equal(await page.textContent('#boot-log'), before, 'the layout is unchanged');
    // An option the kernel does not have.
    await page.selectOption('#profile', '2.4.22');
    await page.fill('#vmalloc', '256M');
    await page.press('#vmalloc', 'Enter');
    await page.waitForFunction(() => /vmalloc=/.test(document.querySelector('#error')?.textContent ?? ''));
    assert.equal(await page.textContent('#error'), '2.4.22 has no vmalloc= boot option (it came with 2.6)');
    // A configuration the kernel cannot build: the checkbox goes back to what is in force.
    await page.fill('#vmalloc', '');
    await page.press('#vmalloc', 'Enter');
    await page.selectOption('#profile', '2.6.24');
    await page.click('#highmem');
    await page.waitForFunction(() => /HIGHMEM64G/.test(document.querySelector('#error')?.textContent ?? ''));
    assert.equal(await page.isChecked('#highmem'), true, 'HIGHMEM stays on');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('"Use my machine" reads the BIOS map of a real boot log, and refuses garbage', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    const log = await readFile(FIXTURE, 'utf8');
    await page.fill('#kernel-log', log);
    await page.click('#use-log');
    const layout = await hmsim(['--profile', '6.1', '--e820', FIXTURE]);
    await assertShows(page, layout, 'the real 6.1 boot');
    assert.match(await page.textContent('#log-status'), /Using your BIOS map: 6 ranges/);
    // The real boot's own lines are what the page prints.
    const bootLog = await page.textContent('#boot-log');
    for (const line of ['1167MB HIGHMEM available.', '879MB LOWMEM available.']) {
      assert.ok(bootLog.includes(line), line);
    }

    // Garbage: the engine's message, word for word as hmsim prints it, and the map stays.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-'));
    for (const garbage of ['hello, world', 'BIOS-e820: [mem 0xzz-0x1] usable']) {
      const file = path.join(dir, 'log.txt');
      await writeFile(file, garbage);
      const { code, stderr } = await runHmsim(['layout', '--profile', '6.1', '--e820', file]);
      assert.equal(code, 2);
      await page.fill('#kernel-log', garbage);
      await page.click('#use-log');
      await page.waitForFunction(() => document.querySelector('#error')?.textContent !== '');
      const message = (await page.textContent('#error')).trim();
      assert.ok(message.length > 10);
      assert.ok(stderr.includes(message), `hmsim says "${stderr.trim()}", the page "${message}"`);
      assert.equal(await page.textContent('#log-error'), message, 'also shown under the text area');
      assert.equal(await page.textContent('#boot-log'), layout.log, 'the previous map stays');
    }
    // Back to the simulated PC.
    await page.click('#clear-log');
    await assertShows(page, await hmsim(['--profile', '6.1', '--ram', '2G']), 'back to 2G');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('keyboard: tab to a region, read its derivation, move with the arrow keys', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    let focused = null;
    for (let i = 0; i < 150 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('data-region'));
    }
    assert.ok(focused, 'a region is reachable with Tab');
    assert.equal(focused, 'top', 'the first region in tab order is the highest');
    const label = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.match(label, /0xfffff000 to 0x100000000/);
    // Down the address space to the vmalloc area.
    while ((await page.evaluate(() => document.activeElement.getAttribute('data-region'))) !== 'vmalloc') {
      const before = await page.evaluate(() => document.activeElement.getAttribute('data-start'));
      await page.keyboard.press('ArrowDown');
      const after = await page.evaluate(() => document.activeElement.getAttribute('data-start'));
      assert.ok(BigInt(after) < BigInt(before), 'ArrowDown moves to the region below');
    }
    const derivation = page.locator('#derivation');
    assert.equal(await derivation.getAttribute('aria-live'), 'polite');
    await page.waitForFunction(() => document.querySelector('#derivation-title')?.textContent.includes('vmalloc'));
    const text = await derivation.textContent();
    for (const needle of [
      'VMALLOC_START = 0xf77fe000',
      'high_memory + VMALLOC_OFFSET',
      '0xf6ffe000 + 8 MiB = 0xf77fe000',
      'VMALLOC_END = 0xfeffe000',
      'PKMAP_BASE − 2 × PAGE_SIZE',
    ]) {
      assert.ok(text.includes(needle), `the derivation shows "${needle}"`);
    }
    // The chain of inputs opens one step at a time and links to the 6.1 source.
    const summaries = derivation.locator('details.inputs > summary');
    assert.match(await summaries.nth(0).textContent(), /VMALLOC_START ← high_memory/);
    // The first step is open; the next opens on a click and shows max_low_pfn's numbers.
    const maxLow = derivation.getByText('min(0x7ffe0, 0x36ffe) = 0x36ffe');
    assert.equal(await maxLow.isVisible(), false);
    await summaries.nth(1).click();
    assert.equal(await maxLow.isVisible(), true);
    const links = await derivation.locator('a.symbol-name').evaluateAll((as) => as.map((a) => a.href));
    assert.ok(links.length > 0 && links.every((h) => h.startsWith('https://elixir.bootlin.com/linux/v6.1/source/')));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('no horizontal scrolling from 320 px to 1920 px', async () => {
  for (const width of [320, 360, 768, 1000, 1280, 1920]) {
    const tab = await open({ viewport: { width, height: 800 } });
    try {
      const { page } = tab;
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
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('no accessibility violations (axe-core), in light and dark, with a region focused and an error shown', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const tab = await open({ viewport: { width, height: 800 }, colorScheme });
      try {
        const { page } = tab;
        await page.focus('[data-region="pkmap"]');
        await page.fill('#ram-size', '99 bottles');
        await page.press('#ram-size', 'Enter');
        await page.waitForFunction(() => document.querySelector('#error')?.textContent !== '');
        await page.addScriptTag({ path: AXE });
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ['violations'] });
          return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
        });
        assert.deepEqual(violations, [], `${colorScheme}, ${width}px`);
      } finally {
        await tab.close();
      }
    }
  }
});

test('screenshot of the chapter at 1280×800 for the README', async () => {
  const tab = await open({ viewport: { width: 1280, height: 800 } });
  try {
    const { page } = tab;
    // Show the virtual address space beside the text, with the pkmap window explained.
    await page.evaluate(() => {
      const lab = document.querySelector('#lab');
      const card = document.querySelector('#vmap-title').closest('section');
      lab.scrollTop += card.getBoundingClientRect().top - lab.getBoundingClientRect().top - 8;
    });
    await page.hover('[data-region="pkmap"] text.label');
    await page.waitForFunction(() => document.querySelector('#derivation-title')?.textContent.includes('pkmap'));
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});
