// Chapter 4, "Temporary kernel maps", driven in Chromium against the built site: the route,
// an interrupt clobbering KM_USER0 on 2.6.11 and on 2.6.24, 6.1's context switch with two
// local maps checked against `hmsim run --json`, the debug option, keyboard-only use, narrow
// screens and an axe scan.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, serveDist } from '../harness.mjs';
import { axeViolations, exportedScript, historyIs, hmsimRun, openAt, overflow as pageOverflow } from './lib.mjs';

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

const open = (hash = '#/atomic', options = {}) => openAt(browser, server, hash, options);

const hex = (n) => '0x' + n.toString(16);

/** Chooses a kernel and waits for the machine to boot again. */
async function chooseKernel(page, name) {
  await page.selectOption('#profile', name);
  await page.waitForFunction((name) => document.querySelector('.masthead')?.textContent.includes(`Linux ${name}`), name);
  await page.waitForSelector('#kmap-slots');
}

test('chapter 4 has its route and title, and lists only its scenarios', async () => {
  const tab = await open('#/pkmap');
  try {
    const { page } = tab;
    await page.click('.toc a[data-chapter="atomic"]');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Temporary kernel maps');
    assert.equal(new URL(page.url()).hash, '#/atomic');
    assert.equal(await page.title(), 'Temporary kernel maps · Highmem Lab');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await page.waitForSelector('#fixmap');
    assert.equal(await page.locator('#run-pkmap-fill-sleep').count(), 0);
    // 6.1: no types, two more call graphs, and the stack scenarios enabled.
    assert.equal(await page.locator('#at-type').count(), 0);
    assert.equal(await page.locator('.call-graph').count(), 4);
    assert.equal(await page.isDisabled('#run-local-context-switch'), false);
    assert.equal(await page.isDisabled('#run-atomic-irq-clobber'), true);
    assert.match(await page.textContent('#why-atomic-irq-clobber'), /kmap_atomic types/);
    assert.equal(await page.textContent('[data-live="KM_TYPES"]'), 'no');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Persistent kernel maps');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('an interrupt borrows KM_USER0: silent corruption in 2.6.11, a BUG in 2.6.24', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await chooseKernel(page, '2.6.11');
    assert.equal(await page.textContent('[data-live="KM_PER_CPU"]'), '13');
    await page.click('#step-atomic-irq-clobber');
    for (let i = 0; i < 6; i++) await page.click('#next-step');
    await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 7 of 12'));
    // The handler's map replaced A's: the slot row flags A as clobbered.
    assert.match(await page.textContent('#outcome .run-step .message'), /HAZARD/);
    const row = page.locator('#kmap-slots .kmap-cpu[data-cpu="0"] tr[data-clobbered="true"]');
    assert.equal(await row.count(), 1);
    assert.match(await row.locator('li[data-who="A"]').textContent(), /clobbered/);
    assert.equal(await page.getAttribute('#contexts .cpu-context[data-cpu="0"]', 'data-context'), 'hardirq');
    await page.click('#finish-steps');
    await historyIs(page, 12);
    const read = page.locator('#outcome .run-step').nth(3); // steps 8–12: the read is step 11
    assert.match(await read.locator('.message').textContent(), /CORRUPTED ACCESS/);
    assert.match(await read.locator('.message').textContent(), /0x00002222/);
    // A typed era: two graphs, and A's kunmap_atomic lit the second.
    assert.equal(await page.locator('.call-graph').count(), 2);
    assert.ok(Number(await page.getAttribute('.call-graph[data-root="kunmap_atomic"]', 'data-lit')) > 0);

    await chooseKernel(page, '2.6.24');
    await page.click('#run-atomic-irq-clobber');
    await historyIs(page, 12);
    const steps = page.locator('#outcome .run-step');
    assert.equal(await steps.nth(6).getAttribute('data-result'), 'bug');
    assert.match(await steps.nth(6).locator('.message').textContent(), /kernel BUG at arch\/x86\/mm\/highmem_32\.c/);
    assert.equal(await steps.nth(10).getAttribute('data-result'), 'oops');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('6.1: two tasks share a slot across switches; the page matches hmsim run --json', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#step-local-context-switch');
    for (let i = 0; i < 7; i++) await page.click('#next-step');
    await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 8 of 13'));
    // A is switched out holding stack slot 0: its PTE is saved in its kmap_ctrl.
    assert.equal(await page.getAttribute('#contexts .kmap-ctrl[data-owner="A"]', 'data-saved'), 'true');
    assert.match(await page.textContent('#kmap-slots li[data-who="A"]'), /switched out/);
    await page.click('#finish-steps');
    await historyIs(page, 13);
    assert.match(await page.locator('#outcome .run-step').nth(3).locator('.message').textContent(), /0x0000aaaa/);

    const run = await hmsimRun(await exportedScript(page));
    const rows = await page.$$eval('#kmap-slots tr[data-slot]', (rs) =>
      rs.map((r) => ({ slot: Number(r.dataset.slot), frame: r.dataset.frame ?? null, holders: Number(r.dataset.holders) })),
    );
    for (const s of run.state.kmap_slots) {
      const row = rows.find((r) => r.slot === s.slot);
      assert.ok(row, `slot ${s.slot} is shown`);
      assert.equal(row.frame, s.frame === null ? null : hex(s.frame), `slot ${s.slot}`);
      assert.equal(row.holders, s.holders.length, `slot ${s.slot}`);
    }
    for (const r of rows.filter((r) => r.frame !== null || r.holders > 0)) {
      assert.ok(run.state.kmap_slots.some((s) => s.slot === r.slot), `slot ${r.slot} is in hmsim's state`);
    }
    for (const t of run.state.tasks) {
      assert.equal(
        await page.getAttribute(`#contexts .kmap-ctrl[data-owner="${t.name}"]`, 'data-idx'),
        String(t.kmap_ctrl.idx),
        t.name,
      );
    }
    for (const c of run.state.cpus) {
      const sec = page.locator(`#contexts .cpu-context[data-cpu="${c.id}"]`);
      assert.equal(await sec.getAttribute('data-context'), c.context);
      assert.equal(await sec.getAttribute('data-preempt'), hex(c.preempt_count));
    }
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('CONFIG_DEBUG_HIGHMEM adds fences: more slots per CPU, and the script says so', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await chooseKernel(page, '2.6.24');
    const before = await page.textContent('[data-live="KM_PER_CPU"]');
    await page.check('#opt-debug-kmap');
    await page.waitForFunction((b) => document.querySelector('[data-live="KM_PER_CPU"]')?.textContent !== b, before);
    assert.equal(await page.textContent('[data-live="KM_PER_CPU"]'), '27');
    assert.match(await page.textContent('#kmap-slots .kmap-cpu[data-cpu="0"] h3'), /of 27 slots/);
    await page.click('#run-atomic-lowmem');
    await historyIs(page, 5);
    const script = await exportedScript(page);
    assert.match(script.split('\n')[0], / config=DEBUG_HIGHMEM=y$/);
    const run = await hmsimRun(script);
    assert.deepEqual(
      run.outcomes.map((o) => o.message),
      await page.$$eval('#outcome .run-step .message', (els) => els.map((e) => e.textContent)),
    );
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('keyboard only: map a page atomically, enter an interrupt, and the views follow', async () => {
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
    await tabTo('at-page');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0x50000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent === 'kmap_atomic cpu=0 pfn=0x50000');
    // CPU 0's idle task holds stack slot 0 of CPU 0.
    assert.equal(await page.getAttribute('#kmap-slots tr[data-slot="0"]', 'data-frame'), '0x50000');
    assert.match(await page.textContent('#kmap-slots tr[data-slot="0"]'), /◆ written/);
    await tabTo('at-irq-enter');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#contexts .cpu-context[data-cpu="0"]')?.dataset.context === 'hardirq');
    await tabTo('at-irq-exit');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#contexts .cpu-context[data-cpu="0"]')?.dataset.context === 'process');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    await tabTo('at-kunmap-atomic');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent.startsWith('kunmap_atomic cpu=0'));
    assert.equal(await page.locator('#kmap-slots tr[data-slot="0"][data-frame]').count(), 0);
    // The kunmap_atomic graph lit its path, with the decisions listed.
    const lit = await page.getAttribute('.call-graph[data-root="kunmap_atomic"]', 'data-lit');
    assert.ok(Number(lit) > 1, `${lit} nodes lit`);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('no horizontal scrolling at 320 px in chapter 4, with every view filled', async () => {
  for (const width of [320, 360, 1280]) {
    const tab = await open('#/atomic', { viewport: { width, height: 800 } });
    try {
      const { page } = tab;
      await page.click('#run-local-out-of-order');
      await historyIs(page, 10);
      await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
      const overflow = await pageOverflow(page);
      assert.ok(overflow.scroll <= overflow.client, `${width}px: page is ${overflow.scroll}px wide: ${overflow.wide}`);
      assert.deepEqual(overflow.wide, [], `${width}px`);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('no accessibility violations (axe-core) in chapter 4, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const tab = await open('#/atomic', { viewport: { width, height: 800 }, colorScheme });
      try {
        const { page } = tab;
        await page.click('#step-local-out-of-order');
        for (let i = 0; i < 7; i++) await page.click('#next-step');
        await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 8 of 10'));
        await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${colorScheme}, ${width}px`);
        assert.deepEqual(tab.problems(), []);
      } finally {
        await tab.close();
      }
    }
  }
});
