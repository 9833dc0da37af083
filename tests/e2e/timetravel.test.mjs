// Time travel, the event log, long runs and the saved state, driven in Chromium against the
// built site: undo, redo and jumps through the log move every view to the state `hmsim run`
// computes for the same ops; a keyboard-only walk through a scenario; a 100,000-op run that
// shows its progress, keeps the page painting and can be cancelled; a reload that keeps the
// state; and corrupt storage that starts afresh with a notice.

import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, runHmsim, serveDist, waitForApp } from '../harness.mjs';

const KEY = 'highmem-lab.state';

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

/** Opens the site at `hash` in a fresh page (fresh storage) and waits for the first render. */
async function open(hash = '#/pkmap') {
  const tab = await newPage(browser);
  await tab.page.goto(server.url + hash, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

/** Waits until the History card stands at `pos` of `len` ops. */
async function positionIs(page, pos, len) {
  const want = pos === 0 ? `At the boot, of ${len === 1 ? '1 operation' : `${len} operations`}` : `After op ${pos} of ${len}`;
  await page.waitForFunction((w) => document.querySelector('#tt-position strong')?.textContent === w, want, {
    timeout: 60_000,
  });
}

/** The pkmap window as the page shows it. */
async function pageWindow(page) {
  return page.evaluate(() => ({
    counts: [...document.querySelectorAll('#pkmap [role=gridcell]')].map((c) => Number(c.dataset.count)),
    last: Number(document.querySelector('#pkmap').dataset.last),
    waiting: [...document.querySelectorAll('#pkmap-wait .waiter')].map((w) => w.dataset.task),
  }));
}

/** `hmsim run --json` of a script, reduced to the same. */
async function hmsimWindow(script) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hmlab-tt-'));
  const file = path.join(dir, 'scenario.hm');
  await writeFile(file, script + '\n');
  const { code, stdout, stderr } = await runHmsim(['run', file, '--json']);
  assert.equal(code, 0, stderr);
  const p = JSON.parse(stdout).state.pkmap;
  return { counts: p.pkmap_count, last: p.last_pkmap_nr, waiting: p.pkmap_wait };
}

/** The history in force, as a script, from the outcome card. */
async function exportedScript(page) {
  await page.evaluate(() => {
    const d = document.querySelector('#outcome .as-script');
    if (d) d.open = true;
  });
  return (await page.textContent('#outcome pre.script')) ?? '';
}

/** The saved state once written: its header and the script after it. */
async function saved(page, { pos }) {
  await page.waitForFunction(
    ([key, pos]) => (localStorage.getItem(key) ?? '').includes(`\npos=${pos}\n`),
    [KEY, pos],
    { timeout: 30_000 },
  );
  const text = await page.evaluate((key) => localStorage.getItem(key), KEY);
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('machine '));
  return { header: lines.slice(0, start), script: lines.slice(start).join('\n').trimEnd() };
}

test('undo, redo and jumps through the event log move every view to the replayed state', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#run-pkmap-wrap-flush');
    await page.waitForSelector('#event-log [role=option]');
    const len = Number(await page.getAttribute('#event-log [role=option]', 'aria-setsize')) - 1;
    assert.ok(len > 20, `a scenario of ${len} ops`);
    await positionIs(page, len, len);
    const end = await pageWindow(page);
    assert.deepEqual(end, await hmsimWindow(await exportedScript(page)));

    // Scroll the log to its top and click a row: the views show the state after that many
    // ops, as hmsim has it.
    const k = 5;
    await page.evaluate(() => (document.querySelector('#event-log').scrollTop = 0));
    await page.click(`#ev-${k}`);
    await positionIs(page, k, len);
    assert.equal(await page.getAttribute('#event-log', 'aria-activedescendant'), `ev-${k}`);
    assert.equal(await page.getAttribute(`#ev-${k}`, 'aria-selected'), 'true');
    assert.equal(await page.locator('#event-log .ev-row.undone').count() > 0, true);
    const atK = await pageWindow(page);
    const scriptK = await exportedScript(page);
    assert.equal(scriptK.split('\n').length, k + 1, 'the export holds the ops in force');
    assert.deepEqual(atK, await hmsimWindow(scriptK));
    assert.notDeepEqual(atK, end);
    assert.match(await page.textContent('#machine-note'), new RegExp(`Went to op ${k} of ${len}`));

    // Undo and redo: back one op, forward again to the same state.
    await page.click('#tt-undo');
    await positionIs(page, k - 1, len);
    assert.deepEqual(await pageWindow(page), await hmsimWindow(await exportedScript(page)));
    await page.click('#tt-redo');
    await positionIs(page, k, len);
    assert.deepEqual(await pageWindow(page), atK);
    assert.match(await page.textContent('#timeline-live'), new RegExp(`^Op ${k} of ${len}: `));

    // The slider goes anywhere; End in the log goes back to the end.
    await page.focus('#tt-slider');
    await page.keyboard.press('Home');
    await positionIs(page, 0, len);
    assert.equal((await pageWindow(page)).counts.filter((c) => c > 0).length, 0, 'the boot: nothing mapped');
    await page.focus('#event-log');
    await page.keyboard.press('End');
    await positionIs(page, len, len);
    assert.deepEqual(await pageWindow(page), end);

    // A new op after an undo drops the redo list, and the note says so.
    await page.click('#tt-undo');
    await page.click('#tt-undo');
    await positionIs(page, len - 2, len);
    await page.click('#km-flush-unused');
    await positionIs(page, len - 1, len - 1);
    assert.match(await page.textContent('#machine-note'), /The 2 operations you had undone were dropped/);
    assert.equal(await page.locator('#event-log .ev-row.undone').count(), 0);

    // The plots describe the history in words as well.
    const label = await page.getAttribute('#plot-pkmap svg', 'aria-label');
    assert.match(label, new RegExp(`^pkmap slots in use over ${len - 1} operations: 0 of 512 at boot`));
    assert.equal(await page.getAttribute('#plot-tlb svg', 'role'), 'img');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a scenario walked with the keyboard only: step, undo, redo, and the log', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.focus('#step-pkmap-count-one');
    await page.keyboard.press('Enter');
    await positionIs(page, 1, 1);
    await page.focus('#next-step');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await positionIs(page, 3, 3);
    const three = await pageWindow(page);
    // Undo twice with the keyboard, then step forward through the redo list.
    await page.focus('#tt-undo');
    await page.keyboard.press('Enter');
    await positionIs(page, 2, 3);
    await page.keyboard.press('Enter');
    await positionIs(page, 1, 3);
    assert.match(await page.textContent('#timeline-live'), /^Op 1 of 3: /);
    await page.keyboard.press('Tab'); // to Redo
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tt-redo');
    await page.keyboard.press('Enter');
    await positionIs(page, 2, 3);
    await page.keyboard.press('Enter');
    await positionIs(page, 3, 3);
    assert.deepEqual(await pageWindow(page), three);
    // The log: arrows move the position and the views with it.
    await page.focus('#event-log');
    await page.keyboard.press('ArrowUp');
    await positionIs(page, 2, 3);
    await page.keyboard.press('Home');
    await positionIs(page, 0, 3);
    assert.equal(await page.textContent('#timeline-live'), 'At the boot; 3 operations can be redone.');
    await page.keyboard.press('ArrowDown');
    await positionIs(page, 1, 3);
    assert.equal(await page.getAttribute('#event-log', 'aria-activedescendant'), 'ev-1');
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a 100,000-op run shows progress, keeps the page painting, and cancels to a consistent state', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    // A frame counter: if the run blocked the page, it would stop between progress events.
    await page.evaluate(() => {
      window.__frames = 0;
      const tick = () => {
        window.__frames++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.fill('#lr-count', '100000');
    await page.fill('#lr-seed', '7');
    await page.click('#lr-run');
    await page.waitForSelector('#lr-progress[role=progressbar]');
    assert.equal(await page.getAttribute('#lr-progress', 'aria-valuemax'), '100000');
    // Watch several progress events; between each, frames went on being drawn.
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const before = seen.at(-1)?.done ?? -1;
      await page.waitForFunction(
        (b) => Number(document.querySelector('#lr-progress')?.getAttribute('aria-valuenow')) > b,
        before,
        { timeout: 60_000 },
      );
      seen.push(
        await page.evaluate(() => ({
          done: Number(document.querySelector('#lr-progress').getAttribute('aria-valuenow')),
          frames: window.__frames,
        })),
      );
    }
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].done > seen[i - 1].done, JSON.stringify(seen));
      assert.ok(seen[i].frames > seen[i - 1].frames, `frames drawn during the run: ${JSON.stringify(seen)}`);
    }
    // The page answers input during the run: a details element opens.
    await page.click('#history-plots .plot-data summary');
    assert.equal(await page.evaluate(() => document.querySelector('#history-plots .plot-data').open), true);
    await page.click('#lr-cancel');
    await page.waitForSelector('#lr-progress', { state: 'detached' });
    const note = await page.textContent('#machine-note');
    const m = note.match(/Cancelled after (\d+) of 100000 operations/);
    assert.ok(m, note);
    const done = Number(m[1]);
    assert.ok(done > 0 && done < 100_000, note);
    await positionIs(page, done, done);
    // The saved state holds exactly the ops done; hmsim replays them to the page's window.
    const { script } = await saved(page, { pos: done });
    assert.equal(script.split('\n').length, done + 1);
    assert.deepEqual(await pageWindow(page), await hmsimWindow(script));
    // Too long to list in "What happened", the history still exports, on request.
    if (done > 2000) {
      await page.click('#make-script');
      assert.equal((await page.textContent('#outcome pre.script')).trimEnd(), script);
    }
    // The log is windowed: a few dozen rows in the DOM, not thousands.
    assert.ok((await page.locator('#event-log [role=option]').count()) < 60);
    assert.equal(await page.getAttribute('#event-log [role=option]', 'aria-setsize'), String(done + 1));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('a reload keeps the machine, the history, the position and the chapter', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    await page.click('#run-pkmap-count-one');
    await page.waitForSelector('#event-log [role=option]');
    const len = Number(await page.getAttribute('#event-log [role=option]', 'aria-setsize')) - 1;
    await page.click('#ev-3');
    await positionIs(page, 3, len);
    const atThree = await pageWindow(page);
    const { header } = await saved(page, { pos: 3 });
    assert.deepEqual(header, ['highmem-lab-state', 'version=1', 'chapter=pkmap', 'pos=3']);
    // Reload without the chapter in the address: the saved one opens.
    await page.goto(server.url, { waitUntil: 'load' });
    await waitForApp(page);
    await page.waitForFunction(() => location.hash === '#/pkmap');
    await positionIs(page, 3, len);
    assert.deepEqual(await pageWindow(page), atThree);
    assert.match(await page.textContent('#machine-note'), new RegExp(`Restored from your last visit: ${len} ops, at op 3`));
    assert.equal(await page.locator('#storage-notice').count(), 0);
    // Redo still works after the reload, and Play runs the rest of the redo list.
    await page.click('#tt-redo');
    await positionIs(page, 4, len);
    await page.selectOption('#tt-speed', '60');
    await page.click('#tt-play');
    assert.equal(await page.getAttribute('#tt-play', 'aria-pressed'), 'true');
    await positionIs(page, len, len);
    await page.waitForFunction(() => document.querySelector('#tt-play').getAttribute('aria-pressed') === 'false');
    assert.ok(await page.isDisabled('#tt-play'), 'nothing left to play');
    // "Forget" clears it: the defaults, and a reload stays at the defaults.
    await page.click('#forget-saved');
    await positionIs(page, 0, 0);
    await page.reload({ waitUntil: 'load' });
    await waitForApp(page);
    await positionIs(page, 0, 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('corrupt, outdated or hostile storage starts afresh with a notice', async () => {
  const tab = await open();
  try {
    const { page } = tab;
    const cases = [
      ['not ours at all <script>alert(1)</script>', /could not be read/],
      ['highmem-lab-state\nversion=0\npos=0\nmachine profile=6.1 ram=2G\n', /another version/],
      ['highmem-lab-state\nversion=1\npos=9\nmachine profile=6.1 ram=2G pae=on highmem=on cpus=2\n', /could not be read/],
      ['highmem-lab-state\nversion=1\npos=1\nmachine profile=6.1 ram=2G pae=on highmem=on cpus=2\nkmap A pfn=0x40000 count=4096\n', /could not be read/],
    ];
    for (const [text, says] of cases) {
      await page.evaluate(([key, text]) => localStorage.setItem(key, text), [KEY, text]);
      await page.reload({ waitUntil: 'load' });
      await waitForApp(page);
      await page.waitForSelector('#storage-notice');
      assert.match(await page.textContent('#storage-notice'), says);
      await positionIs(page, 0, 0);
      assert.equal(await page.inputValue('#ram-size'), '2G');
      await page.click('#storage-notice-dismiss');
      await page.waitForSelector('#storage-notice', { state: 'detached' });
    }
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});
