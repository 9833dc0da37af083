// Permalinks, driven in Chromium against the built site: a state made by clicking is copied
// as a link and opened in a fresh page, where the views show the same machine, history and
// window; a link with a step keeps the rest to redo; a link pasted into an open page's
// address bar is opened; hostile parameters give a visible notice and the default state,
// and nothing in them runs, loads or becomes markup.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

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

/** Opens `url` (relative to the site) in a fresh page; records dialogs. */
async function open(url = '#/pkmap', options = {}) {
  const tab = await newPage(browser, options);
  tab.dialogs = [];
  tab.page.on('dialog', async (d) => {
    tab.dialogs.push(d.message());
    await d.dismiss();
  });
  await tab.page.goto(new URL(url, server.url).href, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

/** Everything the pkmap chapter's views show that a link must reproduce. */
async function views(page) {
  return page.evaluate(() => ({
    profile: document.querySelector('#profile')?.value,
    badge: document.querySelector('.machine-badge')?.textContent,
    counts: [...document.querySelectorAll('#pkmap [role=gridcell]')].map((c) => Number(c.dataset.count)),
    last: document.querySelector('#pkmap')?.dataset.last,
    chains: [...document.querySelectorAll('#address-store .all-chains tr[data-bucket]')].map(
      (r) => `${r.dataset.bucket}:${r.dataset.chain}`,
    ),
    waiting: [...document.querySelectorAll('#pkmap-wait .waiter')].map((w) => w.dataset.task),
    history: [...document.querySelectorAll('#history li')].map((li) => li.textContent.trim()),
    options: [...document.querySelectorAll('#lab input[type=checkbox]')].map((c) => `${c.id}=${c.checked}`),
  }));
}

async function historyIs(page, n) {
  await page.waitForFunction((n) => document.querySelectorAll('#history li').length === n, n, { timeout: 60_000 });
}

test('a state made by clicking round-trips through the copied link', async () => {
  const tab = await open('#/pkmap');
  await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  let link;
  let made;
  try {
    const { page } = tab;
    await page.selectOption('#profile', '2.6.24');
    await page.waitForFunction(() => document.querySelector('.machine-badge')?.textContent.includes('2.6.24'));
    await page.check('#opt-debug-kmap');
    await page.waitForFunction(() => document.querySelector('#opt-debug-kmap')?.checked);
    await page.click('#run-pkmap-count-one');
    await page.fill('#km-random-count', '40');
    await page.fill('#km-random-seed', '3');
    await page.click('#km-random');
    await page.waitForFunction(() => document.querySelectorAll('#history li').length > 10, null, { timeout: 60_000 });
    await page.click('#undo');
    made = await views(page);
    assert.ok(made.history.length > 10);
    assert.ok(made.counts.some((c) => c > 1), 'some slot is held');

    await page.click('#copy-link');
    await page.waitForFunction(() => document.querySelector('#share-status')?.textContent.includes('copied'));
    link = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(link, await page.inputValue('#share-link'));
    const u = new URL(link);
    assert.equal(u.search, '', 'the state is after the route, in the hash');
    assert.match(u.hash, /^#\/pkmap\?v=1&s=machine\+profile=2\.6\.24\+ram=2G\+/);
    assert.ok(!u.hash.includes(' '));
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }

  // A fresh page, the link: the same state in every view, and the address bar keeps only the
  // route once the link is read.
  const again = await open(link);
  try {
    const { page } = again;
    await historyIs(page, made.history.length);
    assert.deepEqual(await views(page), made);
    assert.equal(await page.evaluate(() => location.hash), '#/pkmap');
    assert.equal(await page.locator('#link-notice').count(), 0);
    assert.match(await page.textContent('#machine-note'), /Opened from a link/);
    // The link of the opened state is the same link.
    assert.equal(await page.inputValue('#share-link'), link);
    assert.deepEqual(again.problems(), []);
  } finally {
    await again.close();
  }

  // The copied link already names its step: the op undone before copying waits to be redone.
  const n = made.history.length;
  assert.match(link, new RegExp(`&step=${n}$`));
  // With an earlier step: the ops after it wait (the undone one too), and redoing two of them
  // reaches the same state.
  const base = link.replace(/&step=\d+$/, '');
  const stepped = await open(`${base}&step=${n - 2}`);
  try {
    const { page } = stepped;
    await historyIs(page, n - 2);
    assert.match(await page.textContent('#share-pending'), /3 operations/);
    assert.match(await page.inputValue('#share-link'), new RegExp(`&step=${n - 2}$`));
    await page.click('#redo-linked');
    await historyIs(page, n - 1);
    await page.click('#redo-linked');
    await historyIs(page, n);
    assert.match(await page.textContent('#share-pending'), /1 operation\b/);
    assert.deepEqual(await views(page), made);
    assert.deepEqual(stepped.problems(), []);
  } finally {
    await stepped.close();
  }
});

test('a link pasted into the open page is opened; a bad one changes nothing', async () => {
  const tab = await open('#/paging');
  try {
    const { page } = tab;
    await page.evaluate(() => {
      location.hash = '#/pkmap?v=1&s=machine+profile=2.6.32+ram=1G+cpus=1~task+A+cpu=0~kmap+A+pfn=0x3f000';
    });
    await historyIs(page, 2);
    assert.equal(await page.inputValue('#profile'), '2.6.32');
    assert.equal(await page.evaluate(() => location.hash), '#/pkmap');
    await page.evaluate(() => {
      location.hash = '#/pkmap?v=1&s=machine+profile=2.6.32+ram=1G~kmap+B+pfn=1';
    });
    await page.waitForSelector('#link-notice');
    assert.match(await page.textContent('#link-notice'), /nothing changed.*no task 'B'/);
    await historyIs(page, 2);
    assert.equal(await page.inputValue('#profile'), '2.6.32');
    await page.click('#link-notice button');
    assert.equal(await page.locator('#link-notice').count(), 0);
    assert.deepEqual(tab.problems(), []);
  } finally {
    await tab.close();
  }
});

test('hostile parameters get a notice and the default state; nothing in them runs', async () => {
  const big = 'a'.repeat(600 * 1024);
  const cases = [
    ['#/pkmap?v=1&s=machine+profile=9.9+ram=2G', /unknown profile '9\.9'/],
    ['#/pkmap?s=%3Cscript%3Ewindow.pwned%3D1%3C%2Fscript%3E', /starts with a 'machine' line/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G~%3Cimg+src%3Dx+onerror%3Dwindow.pwned%3D1%3E', /unknown|img/],
    ['?view=%3Cimg%20src%3Dx%20onerror%3Dwindow.pwned%3D1%3E#/pkmap', /no view '<img/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G+cpus=99999', /at most 4 CPUs/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G~task+A+cpu=0~kmap+A+pfn=0x40000+count=4096~kmap+A+pfn=0x50000+count=4096', /more than 5000/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G&step=7', /step=7/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G&step=NaN', /not a number/],
    ['#/pkmap?s=machine+profile=6.1+ram=0x' + 'f'.repeat(40), /script, line 1:/],
    ['#/pkmap?s=machine+profile=6.1+ram=2G~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0~irq_enter+cpu=0', /refuses operation 9/],
    ['#/pkmap?s=machine+profile=6.1+e820=/etc/passwd', /cannot read files/],
    ['?embed=1&view=pkmap&origins=javascript:alert(1)#/pkmap', /not an origin/],
    ['?evil=1&__proto__=x#/pkmap', /unknown parameter 'evil'/],
    ['#/pkmap?s=%', /two hex digits/],
    [`#/pkmap?s=${big}`, /KiB/],
  ];
  for (const [url, expect] of cases) {
    const tab = await open(url);
    try {
      const { page } = tab;
      await page.waitForSelector('#link-notice');
      const notice = await page.textContent('#link-notice');
      assert.match(notice, /could not be opened/, url.slice(0, 80));
      assert.match(notice, expect, url.slice(0, 80));
      assert.ok(notice.length < 600);
      // The default state: the reference machine, nothing run.
      assert.equal(await page.inputValue('#profile'), '6.1');
      assert.equal(await page.locator('#history li').count(), 0);
      assert.equal(
        await page.inputValue('#share-link'),
        `${server.url}#/pkmap?v=1&s=machine+profile=6.1+ram=2G+pae=on+highmem=on+cpus=2`,
      );
      // Nothing ran or became markup; no dialog, no request elsewhere, no console error.
      assert.equal(await page.evaluate(() => window.pwned), undefined);
      assert.equal(await page.locator('img[src="x"], #lab script, main script').count(), 0);
      assert.deepEqual(tab.dialogs, []);
      assert.deepEqual(tab.problems(), [], url.slice(0, 80));
      // The address bar is cleared of the link.
      assert.equal(await page.evaluate(() => location.search + location.hash), '#/pkmap');
    } finally {
      await tab.close();
    }
  }
});
