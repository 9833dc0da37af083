// Chapter 3, "Persistent kernel maps", driven in Chromium against the built site: the route,
// the pkmap grid, hash table, wait queue and call graphs through the fill-and-sleep scenario,
// the bug mode, random operations, keyboard-only use, narrow screens, an axe scan, and the
// page's final state checked against `hmsim run --json` on the exported history.

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

const open = (hash = '#/pkmap', options = {}) => openAt(browser, server, hash, options);

/** The pkmap window as the page shows it. */
async function pageWindow(page) {
  return page.evaluate(() => ({
    counts: [...document.querySelectorAll('#pkmap [role=gridcell]')].map((c) => Number(c.dataset.count)),
    last: Number(document.querySelector('#pkmap').dataset.last),
    chains: Object.fromEntries(
      [...document.querySelectorAll('#address-store .all-chains tr[data-bucket]')].map((r) => [
        r.dataset.bucket,
        r.dataset.chain,
      ]),
    ),
    waiting: [...document.querySelectorAll('#pkmap-wait .waiter')].map((w) => w.dataset.task),
  }));
}

/** The same from hmsim's JSON state. */
function hmsimWindow(state) {
  const p = state.pkmap;
  const chains = {};
  p.page_address_htable.forEach((chain, b) => {
    if (chain.length) chains[String(b)] = chain.map((e) => `${e.pfn}:${e.vaddr}`).join(',');
  });
  return { counts: p.pkmap_count, last: p.last_pkmap_nr, chains, waiting: p.pkmap_wait };
}

test('chapter 3 has its route, its title and its place between chapters 2 and 4', async () => {
  const tab = await open('#/paging');
  try {
    const { page } = tab;
    await page.click('.chapter-nav a[rel="next"]');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Persistent kernel maps');
    assert.equal(new URL(page.url()).hash, '#/pkmap');
    assert.equal(await page.title(), 'Persistent kernel maps · Highmem Lab');
    assert.equal(await page.getAttribute('.toc a[data-chapter="pkmap"]', 'aria-current'), 'page');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
    await page.waitForSelector('#pkmap [role=grid]');
    // The window has LAST_PKMAP cells, all free at boot, and the text's live values agree.
    assert.equal(await page.locator('#pkmap [role=gridcell]').count(), 512);
    assert.equal(await page.locator('.pk-grid .pk-used, .pk-grid .pk-unused').count(), 0);
    assert.equal(await page.textContent('[data-live="LAST_PKMAP"]'), '512');
    // Only this chapter's scenarios are listed.
    assert.equal(await page.locator('#run-stale-tlb').count(), 0);
    assert.ok(await page.locator('#run-pkmap-fill-sleep').count());
    // Without PAE the window doubles.
    await page.uncheck('#pae');
    await page.waitForFunction(() => document.querySelectorAll('#pkmap [role=gridcell]').length === 1024);
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'PAE paging and the TLB');
    await page.goForward();
    await page.waitForSelector('#pkmap [role=grid]');
    await page.click('.chapter-nav a[rel="next"]');
    await page.waitForFunction(() => location.hash === '#/atomic');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('fill every slot, sleep, wake: the views follow each step and hmsim agrees at the end', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#step-pkmap-fill-sleep');
    await page.click('#next-step'); // A maps 511 pages
    await page.waitForFunction(() => document.querySelectorAll('.pk-grid .pk-used').length === 511);
    // One batch entry for the whole step, every op in the history.
    const batch = page.locator('#outcome .run-batch');
    assert.equal(await batch.getAttribute('data-count'), '511');
    assert.match(await batch.locator('[data-tally="ok"]').textContent(), /^511 × ✓ ok/);
    await historyIs(page, 512);
    assert.equal(await page.getAttribute('#pkmap', 'data-last'), '511');
    await page.click('#next-step'); // wraps, takes slot 0
    await page.waitForFunction(() => document.querySelector('#pkmap').dataset.last === '0');
    // The kmap graph lit the wrap: flush_all_zero_pkmaps ran, and the decision says so.
    const graph = page.locator('.call-graph[data-root="kmap"]');
    assert.equal(
      await graph.locator('g[data-node="kmap>kmap_high>map_new_virtual>flush_all_zero_pkmaps"]').getAttribute('data-lit'),
      'true',
    );
    assert.match(await graph.locator('.cg-decisions').textContent(), /wrapped to slot 0, so flush\? yes/);
    assert.equal(
      await graph.locator('g[data-node="kmap>page_address"]').getAttribute('data-lit'),
      'false',
      'the lowmem shortcut was not taken',
    );
    await page.click('#next-step'); // nothing free: A sleeps
    await page.waitForSelector('#pkmap-wait .waiter[data-task="A"]');
    assert.equal(await page.getAttribute('#outcome .run-step', 'data-result'), 'sleep');
    assert.equal(
      await graph.locator('g[data-node="kmap>kmap_high>map_new_virtual>schedule"]').getAttribute('data-lit'),
      'true',
    );
    await page.click('#next-step'); // task B
    await page.click('#next-step'); // B releases slot 6: A is woken
    await page.waitForSelector('#pkmap-wait .woken[data-task="A"]');
    assert.equal(await page.getAttribute('#pk-slot-6', 'data-count'), '1');
    assert.equal(
      await page.locator('.call-graph[data-root="kunmap"] g[data-node="kunmap>kunmap_high>wake_up"]').getAttribute('data-lit'),
      'true',
    );
    await page.click('#next-step'); // A runs again and takes slot 6
    await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 7 of 7'));
    assert.equal(await page.locator('#pkmap-wait .waiter, #pkmap-wait .woken').count(), 0);
    assert.equal(await page.getAttribute('#pkmap', 'data-last'), '6');
    assert.equal(await page.getAttribute('#pk-slot-6', 'data-count'), '2');
    assert.match(await page.textContent('#outcome .run-step .message'), /A resumes its kmap\(\)/);
    // The resumed kmap looked in its page's bucket: that bucket is lit and listed.
    const touched = await page.getAttribute('#address-store .bucket.touched', 'data-bucket');
    assert.equal(await page.getAttribute('#bucket-detail', 'data-bucket'), touched);

    const script = await exportedScript(page);
    assert.match(script, /^machine profile=6\.1 ram=2G pae=on highmem=on cpus=2\n/);
    const run = await hmsimRun(script);
    assert.equal(run.outcomes.length, 517);
    assert.deepEqual(await pageWindow(page), hmsimWindow(run.state), 'the page and hmsim hold the same pkmap state');
    assert.equal(run.outcomes.at(-1).message, await page.textContent('#outcome .run-step .message'));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('the bug mode: running the stale scenario turns it on and the stale hit is flagged', async () => {
  const tab = await open('#/pkmap');
  try {
    const { page } = tab;
    assert.equal(await page.isChecked('#opt-skip-pkmap-flush'), false);
    await page.click('#run-pkmap-stale-bug');
    await historyIs(page, 517);
    assert.equal(await page.isChecked('#opt-skip-pkmap-flush'), true);
    assert.match(await page.textContent('#machine-note'), /skip_pkmap_flush \(bug mode\) on: the machine was booted again/);
    const last = page.locator('#outcome .run-step').last();
    assert.match(await last.locator('.message').textContent(), /STALE/);
    assert.match(await last.locator('.message').textContent(), /0x0000aaaa/);
    assert.equal(await page.getAttribute('#pkmap-tlb tr[data-slot="1"]', 'data-stale'), 'true');
    assert.match(await page.getAttribute('#pk-slot-1', 'class'), /stale/);
    const script = await exportedScript(page);
    assert.match(script.split('\n')[0], / skip_pkmap_flush=on$/);
    const run = await hmsimRun(script);
    assert.deepEqual(await pageWindow(page), hmsimWindow(run.state));
    // Turning it off boots a machine with the flush back.
    await page.uncheck('#opt-skip-pkmap-flush');
    await historyIs(page, 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('random operations are the same for the same seed, and hmsim replays them', async () => {
  const tab = await open('#/pkmap');
  try {
    const { page } = tab;
    await page.fill('#km-random-count', '400');
    await page.fill('#km-random-seed', '11');
    await page.click('#km-random');
    await historyIs(page, 400);
    assert.match(await page.textContent('#outcome .run-title'), /400 operations chosen at random \(seed 11\)/);
    const first = await exportedScript(page);
    await page.click('#reset');
    await historyIs(page, 0);
    await page.click('#km-random');
    await historyIs(page, 400);
    assert.equal(await exportedScript(page), first, 'the same seed gives the same ops');
    const run = await hmsimRun(first);
    assert.ok(run.outcomes.every((o) => o.result === 'ok' || o.result === 'sleep'));
    assert.deepEqual(await pageWindow(page), hmsimWindow(run.state));
    // Undo takes back one op and replays the rest.
    await page.click('#undo');
    await historyIs(page, 399);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('keyboard only: fork, kmap by Enter, choose a slot with the arrows, kunmap with Space', async () => {
  const tab = await open('#/pkmap');
  try {
    const { page } = tab;
    const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || '');
    const tabTo = async (want) => {
      for (let i = 0; i < 400; i++) {
        if ((await focused()) === want) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`${want} is not reachable with Tab`);
    };
    await tabTo('km-fork');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent === 'task A cpu=0');
    await page.keyboard.press('Shift+Tab');
    await tabTo('km-page');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('0x50000');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent === 'kmap A pfn=0x50000');
    assert.equal(await page.getAttribute('#pk-slot-1', 'data-count'), '2');
    assert.equal(await page.getAttribute('#pkmap-detail', 'data-slot'), '1');
    await page.keyboard.press('Shift+Tab');
    await tabTo('pk-grid');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('#pkmap-detail').dataset.slot === '2');
    assert.equal(await page.getAttribute('.pk-grid', 'aria-activedescendant'), 'pk-slot-2');
    assert.match(await page.textContent('#pkmap-detail'), /count 0: free/);
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.querySelector('#pkmap-detail').dataset.slot === '34');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('#pkmap-detail').dataset.slot === '1');
    await tabTo('pk-kunmap');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.querySelector('#outcome .op-text')?.textContent === 'kunmap A pfn=0x50000');
    assert.equal(await page.getAttribute('#pk-slot-1', 'data-count'), '1');
    assert.match(await page.getAttribute('#pk-slot-1', 'class'), /pk-unused/);
    // A typing mistake is caught before it reaches the machine.
    await page.fill('#km-page', 'nope');
    await page.click('#km-kmap');
    assert.match(await page.textContent('#km-error'), /neither a frame number nor the name/);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('no horizontal scrolling at 320 px in chapter 3, with every view filled', async () => {
  for (const width of [320, 360, 1280]) {
    const tab = await open('#/pkmap', { viewport: { width, height: 800 } });
    try {
      const { page } = tab;
      await page.click('#run-pkmap-fill-sleep');
      await historyIs(page, 517);
      await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
      const overflow = await pageOverflow(page);
      assert.ok(overflow.scroll <= overflow.client, `${width}px: page is ${overflow.scroll}px wide: ${overflow.wide}`);
      assert.deepEqual(overflow.wide, [], `${width}px`);
      // The grid keeps its cells inside the card.
      const grid = await page.evaluate(() => {
        const g = document.querySelector('.pk-grid').getBoundingClientRect();
        const cells = [...document.querySelectorAll('.pk-cell')].map((c) => c.getBoundingClientRect());
        return { right: g.right, widest: Math.max(...cells.map((c) => c.right)), smallest: Math.min(...cells.map((c) => c.width)) };
      });
      assert.ok(grid.widest <= grid.right + 1, `${width}px`);
      assert.ok(grid.smallest >= 8, `${width}px: cells are ${grid.smallest}px wide`);
      assert.deepEqual(tab.problems(), []);
    } finally {
      await tab.close();
    }
  }
});

test('no accessibility violations (axe-core) in chapter 3, light and dark', async () => {
  for (const colorScheme of ['light', 'dark']) {
    for (const width of [1280, 360]) {
      const tab = await open('#/pkmap', { viewport: { width, height: 800 }, colorScheme, reducedMotion: 'reduce' });
      try {
        const { page } = tab;
        await page.click('#step-pkmap-count-one');
        for (let i = 0; i < 6; i++) await page.click('#next-step');
        await page.waitForFunction(() => document.querySelector('#outcome .run-title')?.textContent.includes('step 7 of 7'));
        await page.evaluate(() => document.querySelectorAll('#lab details').forEach((d) => (d.open = true)));
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${colorScheme}, ${width}px`);
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
