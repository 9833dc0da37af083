// The glossary: kernel names in the chapters show their definition on hover and on keyboard
// focus (Escape hides it), and #/glossary lists every entry with where it is explained and
// used, its source links following the kernel chosen in the lab; no accessibility violations.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { launchBrowser, newPage, serveDist, waitForApp } from '../harness.mjs';

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

async function open(hash) {
  const tab = await newPage(browser);
  await tab.page.goto(server.url + hash, { waitUntil: 'load' });
  await waitForApp(tab.page);
  await tab.page.waitForSelector('h1');
  return tab;
}

test('a kernel name in the text shows its definition on hover and on focus; Escape hides it', async () => {
  const { page, problems, close } = await open('#/pkmap');
  try {
    const term = page.locator('article code.gloss-term[data-term="last_pkmap_nr"]').first();
    const tip = page.locator(`#${await term.getAttribute('aria-describedby')}`);
    assert.equal(await tip.getAttribute('role'), 'tooltip');
    assert.equal(await tip.isVisible(), false, 'hidden until asked for');

    await term.hover();
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.textContent(), /^last_pkmap_nr: Where the last search for a free slot stopped/);
    await page.mouse.move(0, 0);
    await tip.waitFor({ state: 'hidden' });

    // Keyboard: Tab until the name has focus, the tooltip shows; Escape hides it.
    await term.focus();
    await tip.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await tip.waitFor({ state: 'hidden' });

    // A name that links to the kernel's source is described by its entry too, and stays one
    // tab stop: the link.
    const linked = page.locator('article a.kernel-link[data-term="kmap"]').first();
    const linkedTip = page.locator(`#${await linked.getAttribute('aria-describedby')}`);
    await linked.focus();
    await linkedTip.waitFor({ state: 'visible' });
    assert.match(await linkedTip.textContent(), /^kmap: .* The link opens kmap in Linux 6\.1/);
    await page.keyboard.press('Escape');
    await linkedTip.waitFor({ state: 'hidden' });
    assert.equal(await page.locator('article a .gloss-term, article button .gloss-term').count(), 0);
    const plain = await page.$$eval('article code:not(.gloss-term)', (els) => els.map((e) => e.textContent));
    assert.ok(plain.length > 0);
    // Every tooltip id is unique on the page.
    const ids = await page.$$eval('.gloss-tip', (els) => els.map((e) => e.id));
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});

test('#/glossary lists every entry, with where it is explained and source links for the chosen kernel', async () => {
  const { page, problems, close } = await open('#/why-highmem');
  try {
    await page.click('.toc-glossary');
    await page.waitForFunction(() => document.querySelector('h1')?.textContent === 'Glossary');
    assert.equal(new URL(page.url()).hash, '#/glossary');
    assert.equal(await page.title(), 'Glossary · Highmem Lab');
    const entries = await page.$$eval('.gloss-entry', (els) => els.map((e) => e.dataset.term));
    assert.ok(entries.length >= 60, `${entries.length} entries`);
    const key = (s) => s.replace(/^_+/, '').toLowerCase();
    assert.deepEqual(entries, [...entries].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));

    // kmap: explained in chapter 3, used there, and linked to the default kernel's source.
    const kmap = page.locator('.gloss-entry[data-term="kmap"]');
    assert.match(await kmap.textContent(), /Explained in chapter 3/);
    const link = await kmap.locator('a.kernel-link').getAttribute('href');
    assert.match(link, /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.1[^/]*\/A\/ident\/kmap$/);

    // The glossary follows the kernel chosen in the lab.
    await page.goto(server.url + '#/why-highmem');
    await page.selectOption('#profile', '2.6.24');
    await page.click('.toc-glossary');
    await page.waitForSelector('.gloss-entry[data-term="kmap"]');
    assert.match(
      await page.locator('.gloss-entry[data-term="kmap"] a.kernel-link').getAttribute('href'),
      /\/linux\/v2\.6\.24\//,
    );

    // Following "Explained in" reaches the chapter.
    await page.locator('.gloss-entry[data-term="vmalloc"] a', { hasText: /chapter/ }).first().click();
    await page.waitForFunction(() => location.hash !== '#/glossary');
    assert.ok((await page.textContent('h1')).length > 0);

    await page.goto(server.url + '#/glossary');
    await page.waitForSelector('.gloss-entry');
    await page.addScriptTag({ path: AXE });
    const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), []);
    assert.deepEqual(problems(), []);
  } finally {
    await close();
  }
});
