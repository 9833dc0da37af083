// Chapter 5, "Non-contiguous memory", driven in Chromium against the built site: the route
// and its place in the contents, each vmalloc scenario's effect on the range bar, the list and
// the chosen area's frames checked against `hmsim run --json` on the exported history,
// vmalloc, vmap and ioremap from the controls, keyboard-only use of the bar, narrow screens
// and an axe scan in light and dark.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, serveDist } from '../harness.mjs';
import { axeViolations, exportedScript, historyIs, hmsimRun, openAt, overflow } from './lib.mjs';

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

const open = (hash = '#/vmalloc', options = {}) => openAt(browser, server, hash, options);

/** Chooses a kernel and waits for the machine to boot again. */
async function chooseKernel(page, name) {
  await page.selectOption('#profile', name);
  await page.waitForFunction((name) => document.querySelector('.masthead')?.textContent.includes(`Linux ${name}`), name);
  await page.waitForSelector('#vmalloc-range');
}

/** Waits until the last op shown is `text` (a prefix of its script line). */
async function lastOpIs(page, text) {
  await page.waitForFunction(
    (text) => {
      const ops = [...document.querySelectorAll('#outcome .op-text')];
      return ops.length > 0 && ops[ops.length - 1].textContent.includes(text);
    },
    text,
    { timeout: 120_000 },
  );
}

/** The areas as the bar, the list and the frames view show them. */
async function pageAreas(page) {
  return page.evaluate(() => ({
    bar: [...document.querySelectorAll('#vmalloc-range .vm-detail .vm-area')].map((g) => ({
      start: g.dataset.start,
      end: g.dataset.end,
      kind: g.dataset.kind,
    })),
    overview: [...document.querySelectorAll('#vmalloc-range .vm-full .vm-area')].map((g) => g.dataset.start),
    list: [...document.querySelectorAll('#vmalloc-list tr[data-start]')].map((r) => ({
      start: r.dataset.start,
      end: r.dataset.end,
      size: Number(r.dataset.size),
      pages: Number(r.dataset.pages),
      kind: r.dataset.kind,
    })),
    lazy: [...document.querySelectorAll('#vmalloc-range .vm-detail rect.vm-lazy, #vmalloc-range .vm-full rect.vm-lazy')].length,
    lazyList: [...document.querySelectorAll('#vm-lazy li')].map((l) => ({ start: l.dataset.start, end: l.dataset.end })),
  }));
}

/** The bar agrees with the list, and both with hmsim's state. */
async function assertAreasMatch(page, state) {
  const shown = await pageAreas(page);
  assert.equal(shown.list.length, state.vmalloc.length, 'one row per area');
  assert.deepEqual(
    shown.list,
    state.vmalloc.map((a) => ({ start: a.start, end: a.end, size: a.size, pages: a.pages, kind: a.kind })),
  );
  assert.deepEqual(
    shown.bar,
    shown.list.map((a) => ({ start: a.start, end: a.end, kind: a.kind })),
    'the bar draws the areas of the list',
  );
  // The overview of the whole range is drawn beside the areas only when they are enlarged.
  if (shown.overview.length > 0) assert.deepEqual(shown.overview, shown.list.map((a) => a.start), 'and so does the overview');
  const hex = (n) => '0x' + n.toString(16).padStart(8, '0');
  assert.deepEqual(shown.lazyList, state.vmalloc_lazy.map((l) => ({ start: hex(l.start), end: hex(l.end) })));
  return shown;
}

/** The stats under the bar, by name. */
async function stats(page) {
  return page.$$eval('#vmalloc-range .vm-stats [data-stat]', (ds) => Object.fromEntries(ds.map((d) => [d.dataset.stat, d.querySelector('dd').textContent])));
}

test('chapter 5 has its route, title and place after chapter 4, and lists only its scenarios', async () => {
  const tab = await open('#/atomic');
  try {
    const { page } = tab;
    const order = await page.$$eval('.toc a[data-chapter]', (as) => [...new Set(as.map((a) => a.dataset.chapter))]);
    assert.equal(order[order.indexOf('atomic') + 1], 'vmalloc', `${order}`);
    assert.equal(order.at(-1), 'vmalloc', 'the last chapter for now');
    await page.click('.toc a[data-chapter="vmalloc"]');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Non-contiguous memory');
    assert.equal(new URL(page.url()).hash, '#/vmalloc');
    assert.equal(await page.title(), 'Non-contiguous memory · Highmem Lab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await page.waitForSelector('#vmalloc-range');
    assert.equal(await page.locator('#run-atomic-sleep').count(), 0);
    // 6.1 with PAE: lazy freeing, no vmalloc fault; two call graphs; live values.
    assert.equal(await page.isDisabled('#run-vmalloc-lazy'), false);
    assert.equal(await page.isDisabled('#run-vmalloc-fault'), true);
    assert.match(await page.textContent('#why-vmalloc-fault'), /PAE off/);
    assert.deepEqual(await page.$$eval('.call-graph', (gs) => gs.map((g) => g.dataset.root)), ['vmalloc', 'vfree']);
    assert.equal(await page.textContent('[data-live="VMALLOC_START"]'), '0xf77fe000');
    assert.equal(await page.textContent('[data-live="VMALLOC_GAP"]'), '8 MiB');
    assert.equal(await page.textContent('[data-live="LAZY_MAX_PAGES"]'), '16384');
    assert.match(await page.textContent('#vm-empty'), /No areas yet/);
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Temporary kernel maps');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('vmalloc until it fails: the areas fill the range as hmsim places them, then the message', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#run-vmalloc-until-fails');
    await lastOpIs(page, 'as=last');
    const last = page.locator('#outcome .run-step').last();
    assert.equal(await last.getAttribute('data-result'), 'warn');
    assert.match(await last.locator('.message').textContent(), /vmap allocation for size 4198400 failed: use vmalloc=<size> to increase size/);
    const run = await hmsimRun(await exportedScript(page));
    assert.equal(run.outcomes.at(-1).result, 'warn');
    assert.equal(run.outcomes.at(-1).value, '0x0');
    const shown = await assertAreasMatch(page, run.state);
    assert.ok(shown.list.length >= 20, `${shown.list.length} areas`);
    assert.ok(shown.list.every((a) => a.size === (4 << 20) + 4096 && a.pages === 1024));
    // Packed (6.1): each area starts where the one before ends, guard page included.
    for (let i = 1; i < shown.list.length; i++) assert.equal(shown.list[i].start, shown.list[i - 1].end);
    const s = await stats(page);
    assert.equal(s.holes, '1');
    // The chosen area is the last one made, and its frames are hmsim's.
    const chosen = await page.getAttribute('#vmalloc-frames', 'data-start');
    const mine = run.state.vmalloc.find((a) => a.start === chosen);
    assert.ok(mine, `${chosen} is an area`);
    const frames = await page.$$eval('#vmalloc-frames tr[data-frame]', (rs) => rs.map((r) => r.dataset.frame));
    assert.deepEqual(frames, mine.frames.slice(0, frames.length));
    assert.equal(frames.length, 32);
    assert.equal(await page.getAttribute('#vmalloc-frames', 'data-pages'), '1024');
    assert.match(await page.textContent('#vmallocinfo'), /pages=1024 vmalloc/);
    assert.match(await page.textContent('#vm-meminfo'), /VmallocTotal:\s+122880 kB/);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('fragmentation on 2.6.24: half the range free, a double-size request fails', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await chooseKernel(page, '2.6.24');
    await page.click('#run-vmalloc-fragment');
    await lastOpIs(page, 'as=fits');
    const steps = page.locator('#outcome .run-step');
    const n = await steps.count();
    const big = steps.nth(n - 2);
    assert.equal(await big.getAttribute('data-result'), 'warn');
    assert.match(await big.locator('.message').textContent(), /allocation failed: out of vmalloc space - use vmalloc=<size> to increase size\./);
    assert.equal(await steps.nth(n - 1).getAttribute('data-result'), 'ok');
    const run = await hmsimRun(await exportedScript(page));
    const shown = await assertAreasMatch(page, run.state);
    // v2, v4, … are left, with the new one in v1's place at VMALLOC_START.
    assert.equal(shown.list[0].start, await page.textContent('[data-live="VMALLOC_START"]'));
    const s = await stats(page);
    assert.ok(Number(s.holes) > 5, `${s.holes} holes`);
    assert.match(s.largest, /MiB/);
    // 2.6.24 has no lazy freeing and no /proc/vmallocinfo; its meminfo lines are there.
    assert.equal(shown.lazy, 0);
    assert.equal(await page.isDisabled('#vm-purge'), true);
    assert.match(await page.textContent('#vmallocinfo'), /has no \/proc\/vmallocinfo/);
    assert.match(await page.textContent('#vm-meminfo'), /^VmallocTotal: /);
    // The engine refuses /proc/vmallocinfo in its own words, and the machine stays as it was.
    const before = await page.$$eval('#history li', (l) => l.length);
    await page.click('#vm-cat');
    await page.waitForFunction(() => /came with 2\.6\.25/.test(document.querySelector('#outcome')?.textContent ?? ''));
    assert.equal(await page.$$eval('#history li', (l) => l.length), before);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('lazy freeing: the freed ranges stay reserved and translating until one purge (2.6.32, 6.1)', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    for (const [kernel, ranges] of [['2.6.32', 2], ['6.1', 1]]) {
      await chooseKernel(page, kernel);
      await page.click('#step-vmalloc-lazy');
      for (let i = 0; i < 6; i++) await page.click('#next-step');
      await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 7 of 10'));
      assert.match(await page.textContent('#outcome .run-step .message'), /USE AFTER FREE/);
      let run = await hmsimRun(await exportedScript(page));
      let shown = await assertAreasMatch(page, run.state);
      assert.equal(shown.list.length, 0, `${kernel}: both areas freed`);
      assert.equal(shown.lazyList.length, ranges, `${kernel}: ranges waiting`);
      assert.ok(shown.lazy >= ranges, `${kernel}: drawn hatched`);
      assert.notEqual((await stats(page)).lazy, '0 B');
      await page.click('#finish-steps');
      await historyIs(page, 10);
      const steps = page.locator('#outcome .run-step');
      assert.equal(await steps.last().getAttribute('data-result'), 'oops');
      run = await hmsimRun(await exportedScript(page));
      shown = await assertAreasMatch(page, run.state);
      assert.equal(shown.lazyList.length, 0);
      assert.equal(await page.locator('#vm-lazy-none').count(), 1);
      // One flush_tlb_kernel_range for the purge, as hmsim's trace says.
      const purge = run.outcomes.find((o) => o.op.startsWith('purge_vmap_area_lazy'));
      assert.equal(JSON.stringify(purge.trace).match(/"flush_tlb_kernel_range"/g).length, 1);
    }
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a vmalloc fault in an older process (2.6.24, PAE off), and the area\u2019s frames', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await chooseKernel(page, '2.6.24');
    await page.uncheck('#pae');
    await page.waitForFunction(() => !document.querySelector('#run-vmalloc-fault')?.disabled);
    await page.click('#run-vmalloc-fault');
    await historyIs(page, 8);
    const steps = page.locator('#outcome .run-step');
    assert.match(await steps.nth(4).locator('.message').textContent(), /vmalloc fault/);
    assert.doesNotMatch(await steps.nth(7).locator('.message').textContent(), /vmalloc fault/);
    const run = await hmsimRun(await exportedScript(page));
    assert.match(run.outcomes[4].message, /vmalloc fault/);
    const shown = await assertAreasMatch(page, run.state);
    assert.equal(shown.overview.length, 1, 'one small area: the whole range is drawn too, above the enlarged part');
    const area = run.state.vmalloc[0];
    assert.equal(await page.getAttribute('#vmalloc-frames', 'data-start'), area.start);
    const rows = await page.$$eval('#vmalloc-frames tr[data-frame]', (rs) => rs.map((r) => ({ frame: r.dataset.frame, zone: r.dataset.zone })));
    assert.deepEqual(rows.map((r) => r.frame), area.frames);
    assert.ok(rows.every((r) => ['HighMem', 'Normal', 'DMA'].includes(r.zone)), JSON.stringify(rows));
    assert.equal(await page.locator('#vmalloc-frames .vm-link').count(), area.frames.length);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('vmalloc, vmap and ioremap from the controls: kinds, frames and /proc/vmallocinfo as hmsim prints them', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    for (const kernel of ['2.6.32', '6.1']) {
      await chooseKernel(page, kernel);
      await page.fill('#vm-size', '24K');
      await page.fill('#vm-name', 'buf');
      await page.click('#vm-vmalloc');
      await historyIs(page, 1);
      await page.fill('#vm-name', '');
      await page.fill('#vm-vmap-first', '0x2000');
      await page.fill('#vm-vmap-count', '3');
      await page.click('#vm-vmap');
      await historyIs(page, 2);
      await page.click('#vm-ioremap');
      await historyIs(page, 3);
      await page.fill('#vm-size', '8K');
      await page.click('#vm-vmalloc32');
      await historyIs(page, 4);
      const run = await hmsimRun(await exportedScript(page));
      const shown = await assertAreasMatch(page, run.state);
      assert.deepEqual(shown.list.map((a) => a.kind).sort(), ['ioremap', 'vmalloc', 'vmalloc', 'vmap'], kernel);
      assert.equal((await page.textContent('#vmallocinfo')).trim(), run.state.vmallocinfo.trim(), kernel);
      // The vmap area maps the frames it was given; vmalloc_32's come from low memory.
      const vmap = run.state.vmalloc.find((a) => a.kind === 'vmap');
      await page.click(`#vmalloc-list tr[data-start="${vmap.start}"] button`);
      await page.waitForFunction((s) => document.querySelector('#vmalloc-frames')?.dataset.start === s, vmap.start);
      assert.deepEqual(await page.$$eval('#vmalloc-frames tr[data-frame]', (rs) => rs.map((r) => r.dataset.frame)), ['0x2000', '0x2001', '0x2002']);
      const low = run.state.vmalloc.find((a) => a.kind === 'vmalloc' && a.pages === 2);
      assert.ok(low, `${kernel}: the vmalloc_32 area`);
      await page.click(`#vmalloc-list tr[data-start="${low.start}"] button`);
      await page.waitForFunction((s) => document.querySelector('#vmalloc-frames')?.dataset.start === s, low.start);
      const zones = await page.$$eval('#vmalloc-frames tr[data-zone]', (rs) => rs.map((r) => r.dataset.zone));
      assert.ok(zones.length === 2 && zones.every((z) => z !== 'HighMem'), `${kernel}: ${zones}`);
      // The ioremap area has no frames: the view says which physical range it maps.
      const io = run.state.vmalloc.find((a) => a.kind === 'ioremap');
      await page.click(`#vmalloc-list tr[data-start="${io.start}"] button`);
      await page.waitForFunction((s) => document.querySelector('#vmalloc-frames')?.dataset.start === s, io.start);
      assert.match(await page.textContent('#vmalloc-frames'), new RegExp(io.phys));
    }
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('keyboard only: vmalloc three areas, choose the second in the bar, vfree it', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');
    const tabTo = async (want) => {
      for (let i = 0; i < 400; i++) {
        if ((await focusedId()) === want) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`${want} is not reachable with Tab`);
    };
    await tabTo('vm-size');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('16K');
    for (let i = 1; i <= 3; i++) {
      await page.keyboard.press('Enter');
      await historyIs(page, i);
    }
    const starts = await page.$$eval('#vmalloc-list tr[data-start]', (rs) => rs.map((r) => r.dataset.start));
    assert.equal(starts.length, 3);
    assert.equal(await page.getAttribute('#vmalloc-frames', 'data-start'), starts[2], 'the newest is chosen');
    // Back to the bar: Shift+Tab until the listbox has focus.
    for (let i = 0; i < 100 && !(await page.evaluate(() => document.activeElement?.classList.contains('vm-detail'))); i++) {
      await page.keyboard.press('Shift+Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'listbox');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    const active = await page.evaluate(() => document.activeElement.getAttribute('aria-activedescendant'));
    assert.equal(await page.getAttribute(`#${active}`, 'data-start'), starts[1]);
    await page.keyboard.press('Enter');
    await page.waitForFunction((s) => document.querySelector('#vmalloc-frames')?.dataset.start === s, starts[1]);
    assert.equal(await page.getAttribute(`#${active}`, 'aria-selected'), 'true');
    await tabTo('vm-free');
    await page.keyboard.press('Enter');
    await historyIs(page, 4);
    assert.match(await page.textContent('#outcome .op-text'), new RegExp(`^vfree cpu=0 vaddr=${starts[1]}`));
    assert.ok(Number(await page.getAttribute('.call-graph[data-root="vfree"]', 'data-lit')) > 1, 'vfree() lit its path');
    // 6.1 frees lazily: the range waits on the purge list; the purge button empties it.
    assert.equal(await page.$$eval('#vmalloc-list tr[data-start]', (rs) => rs.length), 2);
    assert.equal(await page.locator('#vm-lazy li').count(), 1);
    await tabTo('vm-purge');
    await page.keyboard.press('Space');
    await historyIs(page, 5);
    assert.equal(await page.locator('#vm-lazy li').count(), 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('no horizontal scrolling at 320 px in chapter 5, with every view filled', async () => {
  for (const width of [320, 360, 1280]) {
    const tab = await open('#/vmalloc', { viewport: { width, height: 800 } });
    try {
      const { page } = tab;
      await page.click('#run-vmalloc-lazy');
      await historyIs(page, 10);
      await page.fill('#vm-size', '64K');
      await page.click('#vm-vmalloc');
      await historyIs(page, 11);
      await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
      const o = await overflow(page);
      assert.ok(o.scroll <= o.client, `${width}px: page is ${o.scroll}px wide: ${o.wide}`);
      assert.deepEqual(o.wide, [], `${width}px`);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('no accessibility violations (axe-core) in chapter 5, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const tab = await open('#/vmalloc', { viewport: { width, height: 800 }, colorScheme, reducedMotion: 'reduce' });
      try {
        const { page } = tab;
        // Step 8: a live area in the bar's listbox, two freed ranges waiting, frames drawn.
        await page.click('#step-vmalloc-lazy');
        for (let i = 0; i < 7; i++) await page.click('#next-step');
        await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 8 of 10'));
        assert.equal(await page.locator('#vmalloc-range [role=option]').count(), 1);
        await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
        assert.deepEqual(await axeViolations(page), [], `${colorScheme}, ${width}px`);
        // Reduced motion: nothing in the views animates.
        const animated = await page.evaluate(() =>
          [...document.querySelectorAll('#lab *')].filter((e) => getComputedStyle(e).animationName !== 'none').length,
        );
        assert.equal(animated, 0);
        assert.deepEqual(tab.problems(), []);
      } finally {
        await tab.close();
      }
    }
  }
});
