// "Compare eras": one scenario on several kernels side by side, the differing steps marked,
// checked against hmsim running the same mistake on each kernel; the table follows the
// machine's controls and a kernel where the scenario cannot run says why.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, runHmsim, serveDist, waitForApp } from '../harness.mjs';

const SCENARIOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'engine', 'tests', 'scenarios');

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

/** The results hmsim gives for a reference script. */
async function hmsimResults(file) {
  const { code, stdout, stderr } = await runHmsim(['run', path.join(SCENARIOS, file), '--json']);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout).outcomes.map((o) => o.result);
}

/** The table: era → the result of each step ('' for a step not run). */
async function columns(page) {
  return page.evaluate(() => {
    const eras = [...document.querySelectorAll('#compare-table thead th[data-era]')].map((th) => th.dataset.era);
    const rows = [...document.querySelectorAll('#compare-table tr[data-step]')];
    return Object.fromEntries(
      eras.map((era, i) => [
        era,
        rows.map((r) => {
          const td = r.children[i + 1];
          return { result: td.dataset.result ?? '', differs: td.classList.contains('differs') };
        }),
      ]),
    );
  });
}

test('an interrupt that borrows KM_USER0: 2.6.11 and 2.6.24 part ways where hmsim says they do', async () => {
  const { page, problems, close } = await (async () => {
    const tab = await newPage(browser);
    await tab.page.goto(server.url + '#/atomic', { waitUntil: 'load' });
    await waitForApp(tab.page);
    return tab;
  })();
  try {
    await page.selectOption('#compare-scenario', 'atomic-irq-clobber');
    for (const era of ['2-4-22', '2-6-32', '6-1']) await page.uncheck(`#compare-era-${era}`);
    await page.click('#compare-run');
    await page.waitForSelector('#compare-table');
    const cols = await columns(page);
    assert.deepEqual(Object.keys(cols), ['2.6.11', '2.6.24']);

    // hmsim: the same mistake is silent in 2.6.11 and a BUG in 2.6.24.
    const old = await hmsimResults('atomic-irq-clobber.hm');
    const newer = await hmsimResults('atomic-irq-clobber-2.6.24.hm');
    assert.ok(!old.includes('bug') && newer.includes('bug'));
    assert.ok(!cols['2.6.11'].some((c) => c.result === 'bug'), 'no BUG in 2.6.11');
    assert.ok(cols['2.6.24'].some((c) => c.result === 'bug'), 'a BUG in 2.6.24');
    // The first kernel is the reference; a marked step is one whose result differs from it.
    assert.ok(cols['2.6.11'].every((c) => !c.differs));
    cols['2.6.24'].forEach((c, i) => {
      const expected = c.result !== cols['2.6.11'][i].result;
      if (expected) assert.ok(c.differs, `step ${i + 1} differs and is marked`);
    });
    assert.ok(cols['2.6.24'].some((c) => c.differs));
    assert.match(await page.textContent('#compare-table .differs'), /Differs from 2\.6\.11/);

    // 6.1 has no km_type: its column says why the scenario does not run there.
    await page.check('#compare-era-6-1');
    await page.waitForSelector('#compare-table th[data-era="6.1"]');
    assert.match(await page.textContent('#compare-table .compare-not-run'), /^no: /);

    // One kernel is not a comparison.
    for (const era of ['2-6-11', '6-1']) await page.uncheck(`#compare-era-${era}`);
    assert.equal(await page.isDisabled('#compare-run'), true);
    assert.equal(await page.locator('#compare-table').count(), 0);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});

test('the comparison follows the controls: filling the pkmap takes LAST_PKMAP − 1 kmaps on each kernel', async () => {
  const tab = await newPage(browser);
  const { page, problems } = tab;
  try {
    await page.goto(server.url + '#/pkmap', { waitUntil: 'load' });
    await waitForApp(page);
    await page.selectOption('#compare-scenario', 'pkmap-fill-sleep');
    await page.click('#compare-run');
    await page.waitForSelector('#compare-table');
    const ops = () =>
      page.$$eval('#compare-table tr[data-step="2"] td', (tds) => tds.map((td) => Number(td.dataset.ops ?? 0)));
    assert.deepEqual(await ops(), [511, 511, 511, 511, 511], 'PAE: 512 slots on every kernel');
    await page.uncheck('#pae');
    await page.waitForFunction(() => document.querySelector('#compare-table tr[data-step="2"] td')?.dataset.ops === '1023');
    assert.deepEqual(await ops(), [1023, 1023, 1023, 1023, 1023], 'without PAE: 1024 slots');
    assert.deepEqual(problems(), []);
  } finally {
    await tab.close();
  }
});
